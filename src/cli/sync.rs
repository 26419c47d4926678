//! `careerdesk serve`, `server ...`, `enrol` and `sync`: the sync server and a desk's side of it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Subcommand;

use super::commands::sign_in;
use super::output::{emit, Table};
use super::Cli;
use crate::desk::DeskError;
use crate::domain::ids::TerminalId;
use crate::domain::validate::FieldError;
use crate::paths::Paths;
use crate::store::relay::RelayStore;
use crate::sync::client::{self, Endpoint};
use crate::sync::message::{AdminAction, AdminReply, Reply, Request};
use crate::sync::server::{system_clock, Server};
use crate::sync::tls::{self, show_fingerprint};

/// The administrator's token, beside the server's store: whoever can read it administers the
/// server (the folder is its owner's alone).
const ADMIN_TOKEN: &str = "admin-token";
/// Where a running server says it listens, and its fingerprint, for `server ...` commands.
const SERVING: &str = "serving";
/// Put beside the store after restoring it from a backup: the next start takes a new epoch.
const RESTORED: &str = "restored";

/// Most refused changes `server devices` lists as text.
const MAX_REFUSED_LISTED: usize = 20;

/// `server` subcommands (run on the server's machine, as the user that runs it).
#[derive(Debug, Subcommand)]
pub enum ServerCmd {
    /// Make a one-time code a desk enrols with (`careerdesk enrol`).
    EnrolCode {
        /// How long the code stays valid, in minutes.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=10_080))]
        valid_minutes: u32,
    },
    /// List the enrolled terminals with their last sync.
    Devices,
    /// Refuse a terminal from now on (a lost or stolen laptop).
    Revoke {
        /// The terminal's id, as `server devices` lists it.
        terminal: String,
    },
    /// Serve FILE as the institution's policy, to every desk at its next sync (checked
    /// first, versioned); with no FILE, show the policy served now.
    Policy {
        /// The policy file.
        file: Option<PathBuf>,
    },
}

/// The server's folder in the data directory.
fn server_dir(paths: &Paths) -> PathBuf {
    paths.data.join("server")
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> DeskError + '_ {
    move |e| DeskError::Invalid(format!("cannot use {}: {e}", path.display()))
}

/// The administrator's token, made on first use.
fn admin_token(dir: &Path) -> Result<[u8; 32], DeskError> {
    let path = dir.join(ADMIN_TOKEN);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let fp = tls::parse_fingerprint(&text).map_err(|_| {
            DeskError::Damaged(format!(
                "{} is damaged; delete it and start the server again",
                path.display()
            ))
        })?;
        return Ok(fp);
    }
    let mut token = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut token);
    std::fs::write(&path, show_fingerprint(&token)).map_err(io(&path))?;
    Ok(token)
}

/// `careerdesk serve --listen ADDR`: runs the sync server until stopped.
pub fn serve(paths: &Paths, listen: &str) -> Result<(), DeskError> {
    let dir = server_dir(paths);
    let relay = RelayStore::open(&dir)?;
    let restored = dir.join(RESTORED);
    let new_epoch = restored.exists();
    if new_epoch {
        // Desks push what the restored copy lacks and pull again from the start.
        relay.new_epoch()?;
        std::fs::remove_file(&restored).map_err(io(&restored))?;
    }
    let token = admin_token(&dir)?;
    let server = Arc::new(Server::new(relay, token, system_clock())?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DeskError::Invalid(format!("the server could not start: {e}")))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| FieldError::new("listen", format!("cannot listen on {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| DeskError::Invalid(format!("the server's address is unknown: {e}")))?;
        let fp = show_fingerprint(&server.fingerprint());
        let serving = dir.join(SERVING);
        std::fs::write(&serving, format!("{addr}\n{fp}\n")).map_err(io(&serving))?;
        let mut out = std::io::stdout();
        let _ = writeln!(out, "careerdesk sync server listening on {addr}");
        let _ = writeln!(out, "fingerprint {fp}");
        let _ = writeln!(
            out,
            "desks enrol with: careerdesk enrol --server {addr} --fingerprint {fp} --code CODE"
        );
        let _ = out.flush();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop_tx.send(true);
            }
        });
        server.serve(listener, stop_rx).await;
        let _ = std::fs::remove_file(&serving);
        Ok(())
    })
}

/// Carries out an administrator's request: through the running server if there is one, else
/// on its store directly (the same code answers both).
fn admin(paths: &Paths, action: AdminAction) -> Result<AdminReply, DeskError> {
    let dir = server_dir(paths);
    if !dir.exists() {
        return Err(DeskError::Invalid(format!(
            "there is no sync server in {}; start one with `careerdesk serve --listen ADDR`",
            paths.data.display()
        )));
    }
    let token = admin_token(&dir)?;
    if let Ok(text) = std::fs::read_to_string(dir.join(SERVING)) {
        let mut lines = text.lines();
        if let (Some(addr), Some(fp)) = (lines.next(), lines.next()) {
            if let Ok(fingerprint) = tls::parse_fingerprint(fp) {
                let endpoint = Endpoint {
                    addr: addr.to_string(),
                    fingerprint,
                };
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| DeskError::Invalid(e.to_string()))?;
                match rt.block_on(client::admin(&endpoint, token, action.clone())) {
                    Ok(reply) => return Ok(reply),
                    // A server that stopped without tidying up: use its store directly.
                    Err(crate::sync::SyncError::Unreachable { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    let server = Server::new(RelayStore::open(&dir)?, token, system_clock())?;
    match server.answer(&mut None, Request::Admin { token, action }) {
        Some(Reply::Admin(reply)) => Ok(reply),
        Some(Reply::Error { message, .. }) => Err(DeskError::Invalid(message)),
        other => Err(DeskError::Invalid(format!("unexpected answer: {other:?}"))),
    }
}

fn ms_to_text(ms: Option<u64>) -> String {
    ms.and_then(|m| chrono::DateTime::from_timestamp_millis(m as i64))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "-".into())
}

/// `careerdesk server ...`.
pub fn server(cli: &Cli, paths: &Paths, cmd: &ServerCmd) -> Result<(), DeskError> {
    match cmd {
        ServerCmd::EnrolCode { valid_minutes } => {
            let AdminReply::Code(code) = admin(
                paths,
                AdminAction::EnrolCode {
                    valid_minutes: *valid_minutes,
                },
            )?
            else {
                return Err(DeskError::Invalid("the server made no code".into()));
            };
            emit(
                cli.format,
                &serde_json::json!({ "code": code, "valid_minutes": valid_minutes }),
                || format!("{code}\n(one use, valid for {valid_minutes} minutes)\n"),
            );
        }
        ServerCmd::Devices => {
            let AdminReply::Terminals(list) = admin(paths, AdminAction::Terminals)? else {
                return Err(DeskError::Invalid("the server listed no terminals".into()));
            };
            let AdminReply::TerminalOps(ops) = admin(paths, AdminAction::TerminalOps)? else {
                return Err(DeskError::Invalid("the server did not list its terminals' ops".into()));
            };
            let ops_of = |t: TerminalId| ops.iter().find(|o| o.terminal == t);
            let change = |r: &crate::store::relay::RefusedOp| format!("{:032x}:{}", r.device.0, r.seq);
            let rows: Vec<serde_json::Value> = list
                .iter()
                .map(|t| {
                    let o = ops_of(t.id);
                    serde_json::json!({
                        "terminal": t.id.to_string(),
                        "name": t.name,
                        "enrolled": ms_to_text(Some(t.enrolled_ms)),
                        "last_sync": ms_to_text(t.last_sync_ms),
                        "revoked": t.revoked_ms.map(|m| ms_to_text(Some(m))),
                        "unsigned_taken": o.map_or(0, |o| o.unsigned_taken),
                        "refused": o.map_or(Vec::new(), |o| o
                            .refused
                            .iter()
                            .map(|r| serde_json::json!({ "change": change(r), "why": r.why }))
                            .collect()),
                    })
                })
                .collect();
            emit(cli.format, &rows, || {
                let mut table = Table::new(&[
                    "TERMINAL",
                    "NAME",
                    "ENROLLED",
                    "LAST SYNC",
                    "STATE",
                    "UNSIGNED",
                    "REFUSED",
                ]);
                for t in &list {
                    let o = ops_of(t.id);
                    table.row(vec![
                        t.id.to_string(),
                        t.name.clone(),
                        ms_to_text(Some(t.enrolled_ms)),
                        ms_to_text(t.last_sync_ms),
                        match t.revoked_ms {
                            Some(m) => format!("revoked {}", ms_to_text(Some(m))),
                            None => "enrolled".into(),
                        },
                        o.map_or(0, |o| o.unsigned_taken).to_string(),
                        o.map_or(0, |o| o.refused.len()).to_string(),
                    ]);
                }
                let mut text = table.render();
                let refused: Vec<_> = list
                    .iter()
                    .filter_map(|t| ops_of(t.id).map(|o| (t, o)))
                    .flat_map(|(t, o)| o.refused.iter().map(move |r| (t, r)))
                    .collect();
                if !refused.is_empty() {
                    text.push_str(&format!(
                        "\n{} change(s) refused against the roster of staff; each waits in its desk's conflicts queue:\n",
                        refused.len()
                    ));
                    for (t, r) in refused.iter().take(MAX_REFUSED_LISTED) {
                        text.push_str(&format!("  {} change {}: {}\n", t.name, change(r), r.why));
                    }
                    if refused.len() > MAX_REFUSED_LISTED {
                        text.push_str(&format!(
                            "  and {} more (`--format json` lists every one)\n",
                            refused.len() - MAX_REFUSED_LISTED
                        ));
                    }
                }
                if list.iter().any(|t| ops_of(t.id).is_some_and(|o| o.unsigned_taken > 0)) {
                    text.push_str(
                        "UNSIGNED counts changes taken without their operator's signature: made before the roster of staff began\n",
                    );
                }
                text
            });
        }
        ServerCmd::Revoke { terminal } => {
            let id: TerminalId = terminal.parse().map_err(|m: String| FieldError::new("terminal", m))?;
            let AdminReply::Revoked(found) = admin(paths, AdminAction::Revoke { terminal: id })? else {
                return Err(DeskError::Invalid("the server did not answer the revocation".into()));
            };
            if !found {
                return Err(FieldError::new(
                    "terminal",
                    format!("no terminal {id} is enrolled; see `careerdesk server devices`"),
                )
                .into());
            }
            emit(cli.format, &serde_json::json!({ "revoked": id.to_string() }), || {
                format!("terminal {id} is revoked: it is refused from its next request\n")
            });
        }
        ServerCmd::Policy { file: Some(file) } => {
            let text = crate::policy::read_file(file)?;
            // Checked here first, so a mistake is named with this file's name and line.
            crate::policy::Policy::parse(&text, &file.display().to_string())?;
            let AdminReply::PolicyVersion(version) = admin(paths, AdminAction::SetPolicy { text })? else {
                return Err(DeskError::Invalid("the server did not take the policy".into()));
            };
            emit(cli.format, &serde_json::json!({ "policy_version": version }), || {
                format!("the server now serves policy version {version}; each desk takes it at its next sync\n")
            });
        }
        ServerCmd::Policy { file: None } => {
            let AdminReply::Policy(served) = admin(paths, AdminAction::ShowPolicy)? else {
                return Err(DeskError::Invalid("the server did not say its policy".into()));
            };
            let (version, text) = served.unwrap_or((0, String::new()));
            emit(
                cli.format,
                &serde_json::json!({ "policy_version": version, "text": text }),
                || {
                    if version == 0 {
                        "the server serves no policy yet; each desk uses its own file\n".to_string()
                    } else {
                        format!("# policy version {version}\n{text}")
                    }
                },
            );
        }
    }
    Ok(())
}

/// `careerdesk enrol`.
pub fn enrol(
    cli: &Cli,
    paths: &Paths,
    server: &str,
    code: &str,
    fingerprint: &str,
    name: &str,
) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    let done = desk.enrol(server, fingerprint, code, name)?;
    emit(cli.format, &done, || {
        format!(
            "enrolled with {} as terminal {}; run `careerdesk sync` to sync now\n",
            done.server, done.terminal
        )
    });
    Ok(())
}

/// What `careerdesk conflicts` is asked to do.
#[derive(Debug, Clone, Copy)]
pub enum Settle<'a> {
    /// List the queue.
    List,
    /// Merge a change again (`--retry`).
    Retry(&'a str),
    /// Record that an event booking's client was told (`--told`).
    Told(&'a str),
    /// Take a refused change off the queue (`--dismiss`, `--reason`).
    Dismiss {
        /// The change.
        change: &'a str,
        /// Why.
        reason: &'a str,
    },
}

/// `careerdesk conflicts [--retry DEVICE:OP | --told BOOKING | --dismiss DEVICE:OP --reason TEXT]`.
pub fn conflicts(cli: &Cli, paths: &Paths, settle: Settle<'_>) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    let (retry, told) = match settle {
        Settle::List => (None, None),
        Settle::Retry(c) => (Some(c), None),
        Settle::Told(b) => (None, Some(b)),
        Settle::Dismiss { change, reason } => {
            let done = desk.dismiss_refused(change, reason)?;
            emit(cli.format, &done, || {
                format!(
                    "change {} is off the queue (the server had refused it: {}); the dismissal is in the audit log\n",
                    done.change, done.refused
                )
            });
            return Ok(());
        }
    };
    if let Some(booking) = told {
        let b = desk.place_loss_told(booking)?;
        let state = crate::domain::event_places::state_word(b.state);
        let v = serde_json::json!({ "booking": b.id.to_string(), "state": state });
        emit(cli.format, &v, || {
            format!(
                "booking {}: the client was told; it stays {state} and is off the queue\n",
                b.id
            )
        });
        return Ok(());
    }
    if let Some(change) = retry {
        let done = desk.retry_conflict(change)?;
        emit(cli.format, &done, || match (&done.merged, &done.what) {
            (true, _) => format!(
                "change {} merged ({} record(s) written); it is off the queue\n",
                done.change, done.records
            ),
            (false, Some(what)) => format!("change {} still waits: {what}\n", done.change),
            (false, None) => format!("change {} still waits\n", done.change),
        });
        return Ok(());
    }
    let list = desk.sync_conflicts()?;
    emit(cli.format, &list, || {
        if list.is_empty() {
            return "no conflicts: every change from other desks is merged\n".into();
        }
        let mut text = format!("{} conflict(s) wait for a person:\n", list.len());
        for c in &list {
            text.push_str(&format!(
                "  {} {} (change {}:{}): {}\n",
                c.kind, c.record, c.device, c.seq, c.what
            ));
        }
        text.push_str("settle what stops one, then merge it again: careerdesk conflicts --retry DEVICE:OP\n");
        if list.iter().any(|c| c.settle == crate::desk::Settling::Dismiss) {
            text.push_str(
                "once a refused change is done again by someone whose role allows it: \
                 careerdesk conflicts --dismiss DEVICE:OP --reason TEXT\n",
            );
        }
        if list.iter().any(|c| c.kind == "event_bookings") {
            text.push_str("once the client of an event booking that lost its place is told: careerdesk conflicts --told BOOKING\n");
        }
        text
    });
    Ok(())
}

/// `careerdesk join`: a new desk of the institution the server serves, made from it.
pub fn join(
    cli: &Cli,
    paths: &Paths,
    server: &str,
    code: &str,
    fingerprint: &str,
    name: &str,
    policy: Option<&str>,
) -> Result<(), DeskError> {
    let login = cli.as_login.as_deref().ok_or_else(|| {
        DeskError::Invalid(
            "say which operator of the institution is joining with --as LOGIN (or set CAREERDESK_OPERATOR): \
             the login and password they sign in with on the first desk"
                .into(),
        )
    })?;
    // Before asking for the password: a folder that holds a store is refused at once.
    crate::desk::refuse_existing_data(&paths.store())?;
    let own = policy.map(super::commands::read_policy_source).transpose()?;
    let password = super::secret::acting_password(login)?;
    let bar = super::output::ProgressBar::default();
    let request = crate::desk::JoinRequest {
        server,
        fingerprint,
        code,
        name,
        login,
        password: &password,
    };
    let done = crate::desk::join(
        paths,
        request,
        own.as_ref().map(|(text, source)| (text.as_str(), source.as_str())),
        &|what: &str, n: u64, of: u64| bar.show(what, n, of),
    );
    bar.finish();
    let done = done?;
    emit(cli.format, &done, || {
        let policy = match done.policy_version {
            Some(v) => format!("the institution's policy version {v} from the server"),
            None => "the policy file given".into(),
        };
        format!(
            "joined the institution through {} as terminal {}\n\
             store made at {} with {} operator key slot(s) and {policy}\n\
             first sync: {} op(s) pulled ({} from other desks)\n\
             sign in with your own login and password, as on the first desk\n",
            done.server,
            done.terminal,
            paths.store().display(),
            done.key_slots,
            done.sync.pulled,
            done.sync.new
        )
    });
    Ok(())
}

/// `careerdesk sync`.
pub fn sync(cli: &Cli, paths: &Paths, status: bool) -> Result<(), DeskError> {
    let desk = sign_in(cli, paths)?;
    if status {
        let s = desk.sync_status()?;
        emit(cli.format, &s, || {
            match &s.server {
            None => "not enrolled with a sync server (offline)\n".into(),
            Some(server) => format!(
                "server {server}, pulled to {}, {} op(s) of other desks held ({} still to merge), {} op(s) made here, {} in the conflicts queue, {} booking(s) to rebook, {} event place(s) lost to tell\n",
                s.cursor, s.remote_ops, s.to_merge, s.own_ops, s.conflicts, s.to_rebook, s.places_lost
            ),
        }
        });
        return Ok(());
    }
    let bar = super::output::ProgressBar::default();
    let report = desk.sync_now(&|what: &str, done: u64, total: u64| bar.show(what, done, total))?;
    bar.finish();
    emit(cli.format, &report, || {
        let mut text = format!(
            "synced: {} op(s) pushed, {} pulled ({} new from other desks)\n",
            report.pushed, report.pulled, report.new
        );
        if report.merged > 0 {
            text.push_str(&format!(
                "{} op(s) of other desks merged here ({} record(s) changed)\n",
                report.merged, report.records_changed
            ));
        }
        if report.conflicts > 0 {
            text.push_str(&format!(
                "{} change(s) wait in the conflicts queue ({} new): `careerdesk conflicts` lists them\n",
                report.conflicts, report.new_conflicts
            ));
        }
        if report.refused > 0 {
            text.push_str(&format!(
                "{} change(s) made here were refused by the server (the operator may not make them, decision 0022); no other desk carries them out: `careerdesk conflicts` says why\n",
                report.refused
            ));
        }
        let b = &report.bookings;
        if b.confirmed + b.needs_rebooking + b.released > 0 {
            text.push_str(&format!(
                "the server decided {} provisional booking(s): {} confirmed, {} to rebook; {} cancelled booking(s) let go\n",
                b.confirmed + b.needs_rebooking,
                b.confirmed,
                b.needs_rebooking,
                b.released
            ));
        }
        if report.to_rebook > 0 {
            text.push_str(&format!(
                "{} booking(s) made here need rebooking (another desk booked the slot first): `careerdesk conflicts` lists them with free slots\n",
                report.to_rebook
            ));
        }
        let p = &report.places;
        if p.confirmed + p.displaced + p.released > 0 {
            text.push_str(&format!(
                "the server decided {} provisional event place(s): {} confirmed, {} lost to a full event; {} cancelled place(s) let go\n",
                p.confirmed + p.displaced,
                p.confirmed,
                p.displaced,
                p.released
            ));
        }
        if report.places_lost > 0 {
            text.push_str(&format!(
                "{} event booking(s) made here lost their place (another desk gave the last one first) and are back on the waiting list: `careerdesk conflicts` lists them; tell each client\n",
                report.places_lost
            ));
        }
        if report.server_restored {
            text.push_str("the server had been restored from a backup, and was given what it lacked\n");
        }
        let r = &report.reinstated;
        if r.sent > 0 {
            text.push_str(&format!(
                "{} confirmed booking(s) and place(s) were given back to the restored server; {} it had given to another booking meanwhile need rebooking, {} event place(s) are back on the waiting list\n",
                r.sent, r.slots_taken, r.places_lost
            ));
        }
        if report.erasures_applied > 0 {
            text.push_str(&format!(
                "{} client(s) erased on another desk were erased here too\n",
                report.erasures_applied
            ));
        }
        if let Some(v) = report.policy_taken {
            text.push_str(&format!(
                "the institution's policy is now version {v} (the old file is kept beside it); it applies from the next sign-in\n"
            ));
        }
        text
    });
    Ok(())
}
