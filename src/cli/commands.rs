//! Running each subcommand through the desk, and turning errors into exit codes.

use std::path::Path;
use std::sync::Arc;

use super::sync::Settle;

use crate::desk::{ClientEdit, Desk, DeskError, NewClient, NewOperator, SystemClock};
use crate::domain::client::Client;
use crate::domain::operator::Role;
use crate::domain::validate;
use crate::paths::Paths;
use crate::policy::{examples, Policy};
use crate::store::LockedStore;

use super::output::{self, emit, fields, print_text, Format, Table};
use super::secret::{acting_password, new_password, PASSWORD_ENV};
use super::{appointments, args};
use super::{AuditArgs, AuditCmd, Cli, ClientCmd, Command, DemoArgs, ImportCmd, InitArgs, OperatorCmd, PolicyCmd};

/// Parses the process's arguments and runs them; returns the exit code. A command line clap
/// refuses is reported like any other bad input: escaped (it may quote what was typed), exit 2.
pub fn main() -> i32 {
    use clap::Parser;
    match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(e) => {
            // --help and --version arrive here too, for standard output and exit 0.
            let text = e.to_string();
            if e.use_stderr() {
                output::error(&text);
            } else {
                print_text(&text);
            }
            e.exit_code()
        }
    }
}

/// Runs the command line and returns the exit code: 0 done, 2 bad input, 3 refused by policy,
/// 4 permission denied, 1 anything else. Errors are printed to standard error, control
/// characters escaped (they may quote what was typed). A reader that stops reading early
/// (`| head`) is not an error: the output just ends.
pub fn run(cli: Cli) -> i32 {
    // Everything careerdesk writes from here on is its owner's alone.
    crate::paths::private_new_files();
    let paths = Paths::resolve(cli.data_dir.as_deref());
    let _log = crate::logging::init(&paths.logs);
    paths.restrict();
    let outcome = if cli.command.is_some() {
        // A panic (the storage engine meeting a damaged file somewhere not yet guarded) goes to
        // the log and ends the command with a message, never a trace on the terminal. The
        // desk screen keeps its own panic handling, which restores the terminal first.
        crate::store::guard::quietly(|| dispatch(&cli, &paths))
            .unwrap_or_else(|panic| Err(DeskError::Stopped(first_line(&panic))))
    } else {
        dispatch(&cli, &paths)
    };
    let code = match outcome {
        Ok(()) => 0,
        Err(e) => {
            tracing::info!(code = e.exit_code(), "command failed");
            match cli.format {
                // Scripts reading JSON get the refusal's structure: each rule, its clause, its
                // figures and the first date it would allow.
                Format::Json => {
                    let mut v = serde_json::json!({ "error": e.to_string(), "exit_code": e.exit_code() });
                    match &e {
                        DeskError::Refused(decision) => v["refused"] = serde_json::json!(decision),
                        DeskError::ClientExists { student_number, .. } => {
                            v["existing_client"] = serde_json::json!(student_number)
                        }
                        DeskError::AlreadyBooked { booking, .. } => v["booking"] = serde_json::json!(booking),
                        DeskError::Clashes(clashes) => v["clashes"] = super::events::clashes_json(clashes),
                        _ => {}
                    }
                    output::error(&format!("{}\n", crate::domain::text::json(&v.to_string())));
                }
                _ => output::error(&format!("error: {e}\n")),
            }
            e.exit_code()
        }
    };
    match output::write_failure() {
        Some(why) if code == 0 => {
            output::error(&format!("error: could not write the output: {why}\n"));
            1
        }
        _ => code,
    }
}

fn dispatch(cli: &Cli, paths: &Paths) -> Result<(), DeskError> {
    let Some(command) = &cli.command else {
        use std::io::IsTerminal;
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            return Err(DeskError::Invalid(
                "the desk screen needs a terminal; run `careerdesk --help` for the commands scripts can use".into(),
            ));
        }
        return crate::ui::run(paths.clone()).map_err(|e| DeskError::Terminal(e.to_string()));
    };
    match command {
        Command::Init(args) => init(cli.format, paths, args),
        Command::Policy(cmd) => policy(cmd),
        Command::Operator(cmd) => operator(cli, paths, cmd),
        Command::Client(cmd) => client(cli, paths, cmd),
        Command::Import(ImportCmd::Clients { file, skip_bad }) => {
            let desk = sign_in(cli, paths)?;
            let f = std::fs::File::open(file).map_err(DeskError::file("open", file))?;
            let report = desk.import_clients(f, &file.display().to_string(), *skip_bad)?;
            emit(cli.format, &report, || {
                let mut s = format!("imported {} client(s)\n", report.imported);
                for r in &report.skipped {
                    s.push_str(&format!("skipped {r}\n"));
                }
                s
            });
            Ok(())
        }
        Command::Import(ImportCmd::Employers(args)) => {
            super::import::employers(cli.format, &sign_in(cli, paths)?, args)
        }
        Command::Import(ImportCmd::Vacancies(args)) => {
            super::import::vacancies(cli.format, &sign_in(cli, paths)?, args)
        }
        Command::Demo(args) => demo(cli, paths, args),
        Command::Audit(args) => audit(cli, paths, args),
        Command::Erase { client, reason, yes } => super::privacy::erase(cli, paths, client, reason, *yes),
        Command::Enquiry(cmd) => super::enquiries::run(cli, &sign_in(cli, paths)?, cmd),
        Command::Purge { dry_run } => super::privacy::purge(cli, paths, *dry_run),
        Command::Store(cmd) => super::store::run(cli, paths, cmd),
        Command::Serve { listen } => super::sync::serve(paths, listen),
        Command::Server(cmd) => super::sync::server(cli, paths, cmd),
        Command::Enrol {
            server,
            code,
            fingerprint,
            name,
        } => super::sync::enrol(cli, paths, server, code, fingerprint, name),
        Command::Join {
            server,
            code,
            fingerprint,
            name,
            policy,
        } => super::sync::join(cli, paths, server, code, fingerprint, name, policy.as_deref()),
        Command::Sync { status } => super::sync::sync(cli, paths, *status),
        Command::Conflicts {
            retry,
            told,
            dismiss,
            reason,
        } => {
            let settle = match (retry, told, dismiss) {
                (Some(c), _, _) => Settle::Retry(c),
                (_, Some(b), _) => Settle::Told(b),
                (_, _, Some(c)) => Settle::Dismiss {
                    change: c,
                    reason: reason.as_deref().unwrap_or_default(),
                },
                _ => Settle::List,
            };
            super::sync::conflicts(cli, paths, settle)
        }
        Command::Slot(cmd) => appointments::slot(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Book(args) => appointments::book(cli.format, &sign_in(cli, paths)?, args),
        Command::Cancel { .. }
        | Command::CheckIn { .. }
        | Command::RecordingConsent { .. }
        | Command::Outcome { .. }
        | Command::Waive { .. } => appointments::settle(cli.format, &sign_in(cli, paths)?, command),
        Command::Block { client, reason, until } => {
            let desk = sign_in(cli, paths)?;
            let until = until.as_deref().map(|d| args::date("until", d)).transpose()?;
            let c = desk.block_client(&args::student_number(client)?, reason, until)?;
            let until = c.block.as_ref().map(|b| b.expires);
            emit(
                cli.format,
                &serde_json::json!({ "client": c.student_number.as_str(), "blocked_until": until }),
                || {
                    format!(
                        "{} may not book until {}\n",
                        c.student_number,
                        until.map(|d| d.to_string()).unwrap_or_default()
                    )
                },
            );
            Ok(())
        }
        Command::Unblock { client, reason } => {
            let desk = sign_in(cli, paths)?;
            let c = desk.unblock_client(&args::student_number(client)?, reason)?;
            emit(
                cli.format,
                &serde_json::json!({ "client": c.student_number.as_str(), "blocked": false }),
                || format!("{} may book again\n", c.student_number),
            );
            Ok(())
        }
        Command::Transfer { booking, to } => sign_in(cli, paths)?
            .transfer(args::booking(booking)?, &args::student_number(to)?)
            .map(|_| ()),
        Command::Rebook { booking, limit, into } => appointments::rebook(
            cli.format,
            &sign_in(cli, paths)?,
            booking,
            *limit as usize,
            into.as_deref(),
        ),
        Command::Queue(cmd) => appointments::queue(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Lease(cmd) => super::leases::lease(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Outbox(cmd) => appointments::outbox(cli.format, &sign_in(cli, paths)?, paths, cmd),
        Command::Report(cmd) => super::reports::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Triage => appointments::triage(cli.format, &sign_in(cli, paths)?),
        Command::Export(cmd) => appointments::export(&sign_in(cli, paths)?, cmd),
        Command::Employer(cmd) => super::employers::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Mail(cmd) => super::bulk_mail::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Complaint(cmd) => super::complaints::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Event(cmd) => super::events::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Note(cmd) => super::notes::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Wellbeing(cmd) => super::wellbeing::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Consent(cmd) => super::consents::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Attach(a) => super::attachments::attach(cli.format, &sign_in(cli, paths)?, a),
        Command::Attachment(cmd) => super::attachments::run(cli.format, &sign_in(cli, paths)?, cmd),
        Command::Feedback(cmd) => super::feedback::run(cli.format, &sign_in(cli, paths)?, cmd),
    }
}

/// The first line of a panic message, short, for the one-line error.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or("");
    crate::store::recordable_login(line)
}

fn load_policy(paths: &Paths) -> Result<Policy, DeskError> {
    Ok(Policy::load(&paths.policy())?)
}

/// Signs in the operator named by `--as`, with the password from the environment or a prompt.
pub(super) fn sign_in(cli: &Cli, paths: &Paths) -> Result<Desk, DeskError> {
    let login = cli
        .as_login
        .as_deref()
        .ok_or_else(|| DeskError::Invalid("say who is acting with --as LOGIN (or set CAREERDESK_OPERATOR)".into()))?;
    let locked = open_store(paths)?;
    let policy = load_policy(paths)?;
    let password = acting_password(login)?;
    let mut desk = Desk::sign_in(&locked, policy, login, &password, Arc::new(SystemClock))?;
    desk.set_channels(crate::notify::NotifyConfig::channels_in(&paths.config));
    Ok(desk)
}

/// Opens the store. When another process holds it and the desk screen left its note saying so
/// (decision 0013), the error says what holds it and what to do instead of sled's words.
fn open_store(paths: &Paths) -> Result<LockedStore, DeskError> {
    LockedStore::open(&paths.store()).map_err(|e| match (e, crate::ui::holder::live(&paths.data)) {
        (crate::store::StoreError::Open { path, .. }, Some(holder)) => crate::store::StoreError::Open {
            path,
            reason: holder.message(),
        }
        .into(),
        (other, _) => other.into(),
    })
}

fn init(format: Format, paths: &Paths, args: &InitArgs) -> Result<(), DeskError> {
    let (text, source) = read_policy_source(&args.policy)?;
    let policy = Policy::parse(&text, &source)?;
    // Before asking for a password: never create over a store, a damaged one, or its policy.
    crate::desk::refuse_existing_data(&paths.store())?;
    let password = match std::env::var(PASSWORD_ENV) {
        Ok(p) => p,
        Err(_) => new_password(&args.admin, false)?,
    };
    crate::desk::check_password(&password)?;
    std::fs::create_dir_all(&paths.data).map_err(DeskError::file("create", &paths.data))?;
    let name = args.name.clone().unwrap_or_else(|| args.admin.clone());
    let desk = Desk::init(
        &paths.store(),
        policy,
        &args.admin,
        &name,
        &password,
        Arc::new(SystemClock),
    )?;
    if let Err(e) = write_policy(&paths.policy(), &text) {
        // The store was made a moment ago and holds nothing yet: take it away again, so the
        // next `init` starts clean.
        drop(desk);
        let _ = std::fs::remove_dir_all(paths.store());
        return Err(e);
    }
    let op = desk.operator();
    emit(
        format,
        &serde_json::json!({ "store": paths.store(), "policy": paths.policy(), "admin": op.login.as_str() }),
        || {
            format!(
                "created a store at {}\npolicy: {} ({})\nadministrator: {}\n",
                paths.store().display(),
                paths.policy().display(),
                desk.policy().institution.name,
                op.login
            )
        },
    );
    Ok(())
}

/// A policy file's text, or a shipped example's when no such file exists.
pub(super) fn read_policy_source(arg: &str) -> Result<(String, String), DeskError> {
    let path = Path::new(arg);
    if path.exists() {
        let text = crate::policy::read_file(path)?;
        return Ok((text, arg.to_string()));
    }
    match examples::example(arg) {
        Some(ex) => Ok((ex.text.to_string(), format!("{} (shipped example)", ex.name))),
        None => {
            let names: Vec<&str> = examples::EXAMPLES.iter().map(|e| e.name).collect();
            Err(DeskError::Invalid(format!(
                "no policy file {arg}; give a path, or one of the shipped examples: {}",
                names.join(", ")
            )))
        }
    }
}

/// Writes a new policy file; never over an existing one.
fn write_policy(path: &Path, text: &str) -> Result<(), DeskError> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(DeskError::file("write", path))
}

fn policy(cmd: &PolicyCmd) -> Result<(), DeskError> {
    match cmd {
        PolicyCmd::Check { file } => {
            let p = Policy::load(file)?;
            print_text(&format!(
                "{}: ok ({}, {} appointment types, {} locations)\n",
                file.display(),
                p.institution.name,
                p.appointment_types.len(),
                p.locations.len()
            ));
            Ok(())
        }
        PolicyCmd::Examples => {
            let mut t = Table::new(&["NAME", "SUMMARY"]);
            for e in examples::EXAMPLES {
                t.row(vec![e.name.into(), e.summary.into()]);
            }
            print_text(&t.render());
            Ok(())
        }
        PolicyCmd::Show { name } => {
            let ex = examples::example(name).ok_or_else(|| {
                DeskError::Invalid(format!(
                    "no shipped example called {name}; see `careerdesk policy examples`"
                ))
            })?;
            print_text(ex.text);
            Ok(())
        }
    }
}

fn operator(cli: &Cli, paths: &Paths, cmd: &OperatorCmd) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    match cmd {
        OperatorCmd::Add {
            login,
            name,
            roles,
            trained,
            password_stdin,
        } => {
            let roles = roles.iter().map(|r| r.parse::<Role>()).collect::<Result<Vec<_>, _>>()?;
            let trained_on = trained.as_deref().map(|d| validate::date("trained", d)).transpose()?;
            let password = new_password(login, *password_stdin)?;
            let op = desk.add_operator(&NewOperator {
                login: login.clone(),
                name: name.clone(),
                roles,
                trained_on,
                password,
            })?;
            emit(
                cli.format,
                &serde_json::json!({ "login": op.login.as_str(), "id": op.id.to_string() }),
                || format!("added operator {} ({})\n", op.login, op.roles_text()),
            );
        }
        OperatorCmd::Suspend { login, reason } => {
            let op = desk.suspend_operator(&args::login(login)?, reason)?;
            emit(
                cli.format,
                &serde_json::json!({ "login": op.login.as_str(), "suspended": true }),
                || format!("suspended {}\n", op.login),
            );
        }
        OperatorCmd::Grant { login, .. } | OperatorCmd::Revoke { login, .. } => {
            let give = matches!(cmd, OperatorCmd::Grant { .. });
            let op = desk.set_bulk_email_grant(&args::login(login)?, give)?;
            let has = op.grants.contains(&crate::domain::operator::Grant::BulkEmail);
            emit(
                cli.format,
                &serde_json::json!({ "login": op.login.as_str(), "bulk_email": has }),
                || {
                    format!(
                        "{} {} the bulk-email grant\n",
                        op.login,
                        if has { "has" } else { "does not have" }
                    )
                },
            );
        }
        OperatorCmd::Unlock { login } => {
            let login = args::login(login)?;
            let forgotten = desk.unlock_operator(&login)?;
            emit(
                cli.format,
                &serde_json::json!({ "login": login.as_str(), "unlocked": true, "wrong_passwords": forgotten }),
                || format!("unlocked {login} ({forgotten} wrong passwords forgotten)\n"),
            );
        }
        OperatorCmd::Passwd { login, password_stdin } => {
            let login = match login {
                Some(l) => args::login(l)?,
                None => desk.operator().login.clone(),
            };
            let password = new_password(login.as_str(), *password_stdin)?;
            desk.set_password(&login, &password)?;
            emit(
                cli.format,
                &serde_json::json!({ "login": login.as_str(), "changed": true }),
                || format!("password changed for {login}\n"),
            );
        }
        OperatorCmd::List => {
            let ops = desk.operators()?;
            let rows: Vec<serde_json::Value> = ops
                .iter()
                .map(|o| {
                    serde_json::json!({
                        "login": o.login.as_str(), "name": o.name, "roles": o.roles_text(),
                        "trained": o.trained_on, "suspended": o.suspension.as_ref().map(|s| &s.reason),
                    })
                })
                .collect();
            emit(cli.format, &rows, || {
                let mut t = Table::new(&["LOGIN", "NAME", "ROLES", "TRAINED", "STATE"]);
                for o in &ops {
                    t.row(vec![
                        o.login.to_string(),
                        o.name.clone(),
                        o.roles_text(),
                        o.trained_on.map_or("not yet".into(), |d| d.to_string()),
                        if o.suspension.is_some() {
                            "suspended".into()
                        } else {
                            "active".into()
                        },
                    ]);
                }
                t.render()
            });
        }
    }
    Ok(())
}

fn client(cli: &Cli, paths: &Paths, cmd: &ClientCmd) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    match cmd {
        ClientCmd::Add {
            student_number,
            name,
            email,
            phone,
            programme,
            school,
            level,
            status,
            course_end,
            contact,
        } => {
            let details = NewClient {
                student_number: student_number.clone(),
                name: name.clone(),
                email: email.clone(),
                phone: phone.clone(),
                programme: programme.clone(),
                school: school.clone(),
                level: level.clone(),
                status: status.clone(),
                course_end: course_end.clone(),
                contact: contact.clone(),
            }
            .parse()
            .map_err(DeskError::Fields)?;
            let c = desk.add_client(&details)?;
            show_client(cli.format, &desk, &c);
        }
        ClientCmd::Edit {
            student_number,
            email,
            phone,
            contact,
            programme,
            school,
            level,
            status,
            course_end,
        } => {
            let sn = args::student_number(student_number)?;
            let changes = ClientEdit {
                email: email.clone(),
                phone: phone.clone(),
                contact: contact.clone(),
                programme: programme.clone(),
                school: school.clone(),
                level: level.clone(),
                status: status.clone(),
                course_end: course_end.clone(),
            };
            if changes == ClientEdit::default() {
                return Err(DeskError::Invalid(
                    "say what to change, e.g. --email, --phone, --programme (see `client edit --help`)".into(),
                ));
            }
            let changes = changes.parse().map_err(DeskError::Fields)?;
            let id = desk.client_by_student_number(&sn)?.id;
            let edited = desk.edit_client(id, &changes)?;
            let c = &edited.client;
            match cli.format {
                Format::Json => emit(
                    cli.format,
                    &serde_json::json!({ "client": desk.view_client(c), "changed": edited.changed }),
                    String::new,
                ),
                Format::Csv => {
                    let mut row = serde_json::json!(desk.view_client(c));
                    row["changed"] = serde_json::json!(edited.changed.join(","));
                    emit(cli.format, &row, String::new);
                }
                Format::Table => {
                    if edited.changed.is_empty() {
                        println!(
                            "nothing changed for {}: those are already its details",
                            c.student_number
                        );
                    } else {
                        println!("changed {} for {}", edited.changed.join(", "), c.student_number);
                    }
                    show_client(cli.format, &desk, c);
                }
            }
        }
        ClientCmd::Show { student_number } => {
            let c = desk.client_by_student_number(&args::student_number(student_number)?)?;
            show_client(cli.format, &desk, &c);
        }
        ClientCmd::Suspend { student_number, reason } => {
            let c = desk.suspend_client(&args::student_number(student_number)?, reason)?;
            show_client(cli.format, &desk, &c);
        }
        ClientCmd::Find { text, limit } => {
            let hits = desk.find_clients(text, *limit as usize)?;
            let rows: Vec<serde_json::Value> = hits
                .iter()
                .map(|h| serde_json::json!({ "student_number": h.student_number, "name": h.name, "programme": h.programme }))
                .collect();
            emit(cli.format, &rows, || {
                if hits.is_empty() {
                    return format!("no client matches `{text}`\n");
                }
                let mut t = Table::new(&["STUDENT NUMBER", "NAME", "PROGRAMME"]);
                for h in &hits {
                    t.row(vec![h.student_number.clone(), h.name.clone(), h.programme.clone()]);
                }
                t.render()
            });
        }
    }
    Ok(())
}

fn show_client(format: Format, desk: &Desk, c: &Client) {
    let v = desk.view_client(c);
    emit(format, &v, || {
        let hidden = || "(hidden for your role)".to_string();
        fields(&[
            ("Student number", v.student_number.clone()),
            ("Name", v.name.clone()),
            ("Programme", v.programme.clone()),
            ("School", v.school.clone().unwrap_or_else(|| "-".into())),
            ("Level", v.level.code().into()),
            ("Status", v.status.code().into()),
            ("Course end", v.course_end.map_or("-".into(), |d| d.to_string())),
            ("E-mail", v.email.clone().unwrap_or_else(hidden)),
            (
                "Phone",
                if v.email.is_some() {
                    v.phone.clone().unwrap_or_else(|| "-".into())
                } else {
                    hidden()
                },
            ),
            ("Contact by", v.contact.clone()),
            (
                "Flags",
                if v.flags.is_empty() {
                    "none".into()
                } else {
                    v.flags.join(", ")
                },
            ),
            ("Suspended", v.suspended.clone().unwrap_or_else(|| "no".into())),
            (
                "Blocked until",
                v.blocked_until.map_or("not blocked".into(), |d| d.to_string()),
            ),
        ])
    });
}

fn demo(cli: &Cli, paths: &Paths, args: &DemoArgs) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    let summary = crate::demo::generate(
        &desk,
        args.clients as usize,
        args.seed,
        &crate::demo::Progress::Terminal,
    )?;
    drop(desk);
    // sled writes its recovery snapshot only when a store is opened: open it once now, so the
    // first sign-in after a large load does not replay the whole load (1.3 s against 0.8 s at
    // 200,000 clients).
    drop(LockedStore::open(&paths.store())?);
    emit(cli.format, &summary, || summary.to_string());
    Ok(())
}

fn audit(cli: &Cli, paths: &Paths, args: &AuditArgs) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    match args.cmd {
        Some(AuditCmd::Verify) => return super::audit_verify::verify(cli, &desk),
        Some(AuditCmd::BreakGlass) => return super::audit_verify::break_glass(cli, &desk, args),
        None => {}
    }
    let entries = desk.audit_filtered(&super::audit_verify::filter(&desk, args)?)?;
    let skip = entries.len().saturating_sub(args.last as usize);
    let mut rows = Vec::new();
    let mut t = Table::new(&["WHEN", "WHO", "ACTION", "RECORD", "DETAIL"]);
    for e in entries.into_iter().skip(skip) {
        match e {
            Ok(e) => {
                t.row(vec![
                    e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    e.login.clone().unwrap_or_else(|| "?".into()),
                    if e.is_break_glass() {
                        "read-note (break-glass)".into()
                    } else {
                        e.action.code().into()
                    },
                    e.subject.map_or("-".into(), |s| s.to_string()),
                    match (&e.reason, e.is_break_glass()) {
                        (Some(r), true) => format!("{}: {r}", e.detail),
                        _ => e.detail.clone(),
                    },
                ]);
                rows.push(e);
            }
            Err(err @ crate::store::StoreError::Erased { .. }) => t.row(vec![
                "?".into(),
                "?".into(),
                "erased".into(),
                "-".into(),
                err.to_string(),
            ]),
            Err(err) => t.row(vec![
                "?".into(),
                "?".into(),
                "damaged".into(),
                "-".into(),
                err.to_string(),
            ]),
        }
    }
    emit(cli.format, &rows, || t.render());
    Ok(())
}
