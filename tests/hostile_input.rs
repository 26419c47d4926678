//! Hostile input through the real binary: control characters, escape sequences, bidirectional
//! overrides, very long values, spreadsheet formulas and extreme numbers in every argument and
//! import column. Whatever comes in, careerdesk must not panic, must exit 0-4, must print nothing
//! raw to the terminal, must never write a CSV cell that starts a formula, and must leave the
//! data already saved as it was when it refuses.
//!
//! One store is made per test binary and copied for each test (the binary keeps other
//! processes out of a store it has open). Property cases use a fixed seed and few cases per
//! argument, so the file runs in well under a minute.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, OnceLock};

use careerdesk::desk::{Desk, NewClient, NewOperator, SystemClock};
use careerdesk::domain::appointment::{Appointment, AppointmentState, Outcome, RecordingConsent, Slot, Waiver};
use careerdesk::domain::client::{Client, Flag, FlagKind, Suspension};
use careerdesk::domain::ids::{AppointmentId, SlotId};
use careerdesk::domain::note::Note;
use careerdesk::domain::operator::{Operator, Role};
use careerdesk::domain::queue::QueueEntry;
use careerdesk::policy::{example, Policy};
use careerdesk::store::{LockedStore, WriteSet};
use chrono::{Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const ADMIN_PW: &str = "admin-password-1";
const STAFF_PW: &str = "staff-password-1";
/// A client with a no-show that can be waived, a block to lift, and a queue place.
const SN: &str = "10000001";
/// A client no hostile command is aimed at.
const OTHER_SN: &str = "10000002";
/// Clients imported so that a listing is longer than a pipe holds.
const BULK_CLIENTS: usize = 1_000;

struct Template {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// A settled no-show of `SN`'s, in the past.
    no_show: String,
}

fn policy() -> Policy {
    Policy::parse(example("standard").unwrap().text, "standard").unwrap()
}

fn ms(at: chrono::DateTime<Utc>) -> u64 {
    at.timestamp_millis() as u64
}

fn new_client(sn: &str, name: &str) -> NewClient {
    NewClient {
        student_number: sn.into(),
        name: name.into(),
        email: format!("s{sn}@student.example.ac.uk"),
        phone: Some("07700 900123".into()),
        programme: "BSc Physics".into(),
        school: Some("Natural Sciences".into()),
        level: "ug".into(),
        status: "student".into(),
        course_end: Some("2028-06-30".into()),
        contact: None,
    }
}

/// The store every test starts from: an administrator, a consultant, two clients, a past
/// no-show and a queue place.
fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let clock = Arc::new(SystemClock);
        let admin = Desk::init(&dir.join("store"), policy(), "admin", "Admin Person", ADMIN_PW, clock).unwrap();
        std::fs::write(dir.join("policy.toml"), example("standard").unwrap().text).unwrap();
        let trained = admin.today() - Duration::days(30);
        let consultant = admin
            .add_operator(&NewOperator {
                login: "consultant1".into(),
                name: "Casey Consultant".into(),
                roles: vec![Role::Consultant],
                trained_on: Some(trained),
                password: STAFF_PW.into(),
            })
            .unwrap();
        let client = admin
            .add_client(&new_client(SN, "Ada Lovelace").parse().unwrap())
            .unwrap();
        admin
            .add_client(&new_client(OTHER_SN, "Alan Turing").parse().unwrap())
            .unwrap();
        let now = admin.now();
        let start = now - Duration::days(2);
        let appt_id = AppointmentId::new_at(ms(now));
        let slot = Slot {
            id: SlotId::new_at(ms(start)),
            consultant: consultant.id,
            appointment_type: "guidance".into(),
            start,
            minutes: 45,
            location: "atrium-pod-1".into(),
            booking: Some(appt_id),
            withdrawn: false,
            series: None,
        };
        let appt = Appointment {
            id: appt_id,
            slot: slot.id,
            client: client.id,
            consultant: consultant.id,
            appointment_type: "guidance".into(),
            start,
            minutes: 45,
            location: "atrium-pod-1".into(),
            booked_at: start - Duration::days(3),
            booked_by: admin.operator().id,
            state: AppointmentState::Booked,
            recording_consent: RecordingConsent::NotGiven,
            waiver: None,
            confirmation: careerdesk::domain::appointment::Confirmation::Local,
        }
        .settled(Outcome::NoShow, consultant.id, start + Duration::hours(1));
        let mut ws = WriteSet::new();
        ws.put(admin.store(), None, &slot);
        ws.put(admin.store(), None, &appt);
        admin.store().commit(admin.operator().id, ws, now).unwrap();
        admin.queue_add(SN).unwrap();
        drop(admin);
        Template {
            _tmp: tmp,
            dir,
            no_show: appt_id.to_string(),
        }
    })
}

/// A copy of the template store for one test.
fn store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&template().dir, tmp.path());
    let dir = tmp.path().to_path_buf();
    (tmp, dir)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The binary with the data directory set and no operator or password from outside.
fn cmd(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_careerdesk"));
    c.env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .env_remove("CAREERDESK_OPERATOR")
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .stdin(Stdio::null());
    c
}

/// Runs the binary as the administrator with `args` and checks what every run must satisfy.
fn run(dir: &Path, args: &[String]) -> Output {
    let out = cmd(dir).arg("--as").arg("admin").args(args).output().unwrap();
    check_output(args, &out);
    out
}

/// The first character of `bytes` (read as UTF-8) that a terminal would act on rather than
/// show: C0 controls except newline, tab and CR before LF, DEL, C1 controls, bidirectional
/// controls and line separators. Written out here rather than taken from the library.
fn raw_control(bytes: &[u8]) -> Option<(usize, char)> {
    let text = String::from_utf8_lossy(bytes);
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        let n = c as u32;
        let bad = match c {
            '\n' | '\t' => false,
            '\r' => chars.get(i + 1) != Some(&'\n'),
            _ => {
                n < 0x20
                    || (0x7f..=0x9f).contains(&n)
                    || matches!(n, 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069 | 0x2028 | 0x2029)
            }
        };
        bad.then_some((i, c))
    })
}

fn check_output(args: &[String], out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let shown: Vec<String> = args.iter().map(|a| a.chars().take(80).collect()).collect();
    assert!(!stderr.contains("panicked at"), "panic for {shown:?}:\n{stderr}");
    let code = out.status.code();
    assert!(matches!(code, Some(0..=4)), "exit {code:?} for {shown:?}:\n{stderr}");
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if let Some((at, c)) = raw_control(bytes) {
            let text = String::from_utf8_lossy(bytes);
            let around: String = text.chars().skip(at.saturating_sub(20)).take(40).collect();
            panic!("raw {c:?} at character {at} of {name} for {shown:?}: {around:?}");
        }
    }
    if args.iter().any(|a| a == "csv") && code == Some(0) {
        check_csv(&out.stdout, &shown);
    }
}

/// Every CSV cell either is a number or does not start with a character a spreadsheet takes
/// for a formula.
fn check_csv(stdout: &[u8], shown: &[String]) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(stdout);
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("CSV for {shown:?} does not read back: {e}"));
        for cell in record.iter() {
            let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(
                !formula || cell.parse::<f64>().is_ok(),
                "formula cell {cell:?} for {shown:?}"
            );
        }
    }
}

/// Everything a person could lose: the records, read through the library.
#[derive(Debug, PartialEq)]
struct Saved {
    clients: Vec<Client>,
    operators: Vec<Operator>,
    appointments: Vec<Appointment>,
    slots: Vec<Slot>,
    notes: Vec<Note>,
    queue: Vec<QueueEntry>,
}

fn saved(dir: &Path) -> Saved {
    let locked = LockedStore::open(&dir.join("store")).unwrap();
    let desk = Desk::sign_in(&locked, policy(), "admin", ADMIN_PW, Arc::new(SystemClock)).unwrap();
    let s = desk.store();
    let saved = Saved {
        clients: s.scan::<Client>().unwrap().map(Result::unwrap).collect(),
        operators: s.scan::<Operator>().unwrap().map(Result::unwrap).collect(),
        appointments: s.scan::<Appointment>().unwrap().map(Result::unwrap).collect(),
        slots: s.scan::<Slot>().unwrap().map(Result::unwrap).collect(),
        notes: s.scan::<Note>().unwrap().map(Result::unwrap).collect(),
        queue: s.scan::<QueueEntry>().unwrap().map(Result::unwrap).collect(),
    };
    drop(desk);
    drop(locked);
    saved
}

/// Runs each argument list; after every refusal the saved data must be what it was.
struct Session {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    before: Saved,
}

impl Session {
    fn new() -> Session {
        let (tmp, dir) = store();
        let before = saved(&dir);
        Session { _tmp: tmp, dir, before }
    }

    fn run(&mut self, args: &[String]) -> Output {
        let out = run(&self.dir, args);
        if is_read(args) {
            return out;
        }
        let after = saved(&self.dir);
        if out.status.code() != Some(0) {
            assert!(
                after == self.before,
                "refused {:?} but the saved data changed",
                args.iter()
                    .map(|a| a.chars().take(80).collect::<String>())
                    .collect::<Vec<_>>()
            );
        }
        self.before = after;
        out
    }
}

/// Commands that only read: they cannot change what is saved, so it is not compared after them.
fn is_read(args: &[String]) -> bool {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-') && !matches!(*a, "csv" | "json" | "table"))
        .collect();
    matches!(
        words.as_slice(),
        ["client", "show" | "find", ..]
            | ["slot", "list", ..]
            | ["audit", ..]
            | ["report", ..]
            | ["export", ..]
            | ["policy", ..]
            | ["triage", ..]
    )
}

/// Pieces hostile text is made of.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\x1b[31m".to_string()),
        Just("\x1b]0;owned\x07".to_string()),
        Just("\x1b[2J\x1b[H".to_string()),
        Just("\u{9b}6n".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{2066}x\u{2069}".to_string()),
        Just("\x08\x7f\u{85}".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just("\t".to_string()),
        Just("=HYPERLINK(\"http://x\",\"y\")".to_string()),
        Just("+1".to_string()),
        Just("-2".to_string()),
        Just("@SUM(A1)".to_string()),
        Just("x".repeat(5_000)),
        Just("é".repeat(300)),
        Just("\u{feff}\u{fffd}\u{10ffff}".to_string()),
        Just("👩\u{200d}🔬".to_string()),
        Just(SN.to_string()),
        Just("2026-12-01 10:00".to_string()),
        Just("99999-01-01".to_string()),
        "[a-z0-9 ]{0,12}",
        any::<String>(),
    ];
    // An argument cannot hold NUL.
    proptest::collection::vec(piece, 0..5).prop_map(|v| v.concat().replace('\0', ""))
}

/// Numbers at and past every edge, and text where a number belongs.
fn hostile_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("4000000000".to_string()),
        Just("18446744073709551616".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("1e9".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| n.to_string()),
        hostile_text(),
    ]
}

/// Hand-picked values every argument gets besides the generated ones.
fn nasty() -> Vec<String> {
    vec![
        "\x1b[31mred\x1b[0m".into(),
        "abc\u{202e}fed".into(),
        "=cmd|' /C calc'!A0".into(),
        "y".repeat(100_000),
    ]
}

/// Runs `each(value)` for the hand-picked values and `cases` values from `strategy`, with a
/// fixed seed so a failure is found again on the next run.
fn with_values<S: Strategy<Value = String>>(strategy: S, cases: u32, mut each: impl FnMut(String)) {
    for v in nasty() {
        each(v);
    }
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 32,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    let each = std::cell::RefCell::new(each);
    runner
        .run(&strategy, |v| {
            (each.borrow_mut())(v);
            Ok(())
        })
        .unwrap();
}

fn args(template: &[&str], value: &str) -> Vec<String> {
    template.iter().map(|a| a.replace("{}", value)).collect()
}

/// Drives every template with hostile text in the `{}` place, in one session.
fn drive(templates: &[&[&str]], cases: u32, strategy: impl Fn() -> BoxedStrategy<String>) {
    let mut s = Session::new();
    let no_show = template().no_show.clone();
    for t in templates {
        let t: Vec<String> = t.iter().map(|a| a.replace("BOOKING", &no_show)).collect();
        let t: Vec<&str> = t.iter().map(String::as_str).collect();
        with_values(strategy(), cases, |v| {
            s.run(&args(&t, &v));
        });
    }
}

#[test]
fn hostile_text_in_client_arguments_is_refused_or_kept_never_shown_raw() {
    let add = |field: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            "client",
            "add",
            "--student-number=12345678",
            "--name=Grace Hopper",
            "--email=g@example.ac.uk",
            "--programme=BSc Maths",
            "--level=ug",
            "--status=student",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.retain(|x| !x.starts_with(&format!("--{field}=")));
        a.push(format!("--{field}={{}}"));
        a
    };
    let fields = [
        "student-number",
        "name",
        "email",
        "phone",
        "programme",
        "school",
        "course-end",
        "contact",
    ];
    let owned: Vec<Vec<String>> = fields.iter().map(|f| add(f)).collect();
    let mut templates: Vec<Vec<&str>> = owned.iter().map(|v| v.iter().map(String::as_str).collect()).collect();
    templates.push(vec!["client", "show", "{}"]);
    templates.push(vec!["client", "find", "{}"]);
    templates.push(vec!["--format", "csv", "client", "find", "{}"]);
    templates.push(vec!["client", "suspend", OTHER_SN, "--reason={}"]);
    let refs: Vec<&[&str]> = templates.iter().map(Vec::as_slice).collect();
    drive(&refs, 2, || hostile_text().boxed());
}

#[test]
fn hostile_text_in_booking_arguments_is_refused_or_kept_never_shown_raw() {
    drive(
        &[
            &["waive", "BOOKING", "--reason={}"],
            &["block", SN, "--reason={}"],
            &["block", SN, "--reason=many no-shows", "--until={}"],
            &["unblock", SN, "--reason={}"],
            &["book", "--client={}", "--type=guidance", "--at=2030-01-07 10:00"],
            &["book", "--client", SN, "--type={}", "--at=2030-01-07 10:00"],
            &["book", "--client", SN, "--type=guidance", "--at={}"],
            &["slot", "add", "--consultant=consultant1", "--type=guidance", "--at={}"],
            &[
                "slot",
                "add",
                "--consultant={}",
                "--type=guidance",
                "--at=2030-01-07 10:00",
            ],
            &[
                "slot",
                "add",
                "--consultant=consultant1",
                "--type=guidance",
                "--at=2030-01-08 10:00",
                "--location={}",
            ],
            &["slot", "list", "--date={}"],
            &["cancel", "{}"],
            &["outcome", "{}", "attended"],
            &["transfer", "BOOKING", "--to={}"],
            &["queue", "add", "{}"],
            &["queue", "done", "{}"],
            &["export", "ics", "--consultant={}"],
        ],
        1,
        || hostile_text().boxed(),
    );
}

#[test]
fn hostile_text_in_operator_and_policy_arguments_is_refused_never_shown_raw() {
    drive(
        &[
            &["operator", "add", "{}", "--name=Pat", "--role=desk"],
            &["operator", "add", "pat", "--name={}", "--role=desk"],
            &["operator", "add", "pat", "--name=Pat", "--role={}"],
            &["operator", "add", "pat", "--name=Pat", "--role=desk", "--trained={}"],
            &["operator", "suspend", "consultant1", "--reason={}"],
            &["policy", "show", "{}"],
            &["policy", "check", "{}"],
        ],
        2,
        || hostile_text().boxed(),
    );
    // The acting login itself: a refused sign-in is recorded, then listed.
    let mut s = Session::new();
    with_values(hostile_text(), 3, |v| {
        let out = cmd(&s.dir)
            .arg("--as")
            .arg(&v)
            .args(["client", "show", SN])
            .output()
            .unwrap();
        check_output(&[v], &out);
    });
    s.run(&["audit".into(), "--last".into(), "100".into()]);
    s.run(&["--format".into(), "csv".into(), "audit".into()]);
}

#[test]
fn extreme_numbers_in_every_numeric_argument_are_refused_or_kept_never_panic() {
    drive(
        &[
            &["client", "find", "a", "--limit={}"],
            &["report", "no-shows", "--weeks={}"],
            &["export", "ics", "--consultant=consultant1", "--days={}"],
            &[
                "slot",
                "add",
                "--consultant=consultant1",
                "--type=guidance",
                "--at=2030-01-09 10:00",
                "--minutes={}",
            ],
            &["rebook", "BOOKING", "--limit={}"],
            &["audit", "--last={}"],
            &["demo", "--clients={}", "--seed=1"],
            &["demo", "--clients=1", "--seed={}"],
        ],
        3,
        || hostile_number().boxed(),
    );
}

#[test]
fn hostile_import_columns_are_refused_by_line_and_never_shown_raw() {
    let mut s = Session::new();
    let header = careerdesk::desk::CSV_HEADER;
    let columns = header.split(',').count();
    with_values(hostile_text(), 3, |v| {
        // One row per column, each with the hostile value in that column.
        let mut rows = vec![header.to_string()];
        for column in 0..columns {
            let mut cells: Vec<String> = vec![
                format!("3000000{column}"),
                "Mary Somerville".into(),
                format!("m{column}@example.ac.uk"),
                String::new(),
                "BSc Astronomy".into(),
                "Sciences".into(),
                "ug".into(),
                "student".into(),
                "2028-06-30".into(),
                String::new(),
            ];
            // NUL is allowed in a file, unlike in an argument.
            cells[column] = format!("\"{}\"", v.replace('"', "\"\"") + "\0");
            rows.push(cells.join(","));
        }
        let file = s.dir.join("import.csv");
        std::fs::write(&file, rows.join("\n") + "\n").unwrap();
        s.run(&["import".into(), "clients".into(), file.display().to_string()]);
        s.run(&[
            "import".into(),
            "clients".into(),
            "--skip-bad".into(),
            file.display().to_string(),
        ]);
    });
}

#[test]
fn hostile_policy_files_are_refused_with_line_and_field_never_panic() {
    let (_tmp, dir) = store();
    let standard = example("standard").unwrap().text;
    let file = dir.join("hostile.toml");
    with_values(hostile_text(), 6, |v| {
        let quoted = v.replace('\\', "\\\\").replace('"', "\\\"");
        for text in [
            standard.replace("Example University Careers Service", &quoted),
            standard.replace("Europe/London", &quoted),
            standard.replace("id = \"guidance\"", &format!("id = \"{quoted}\"")),
            format!("{standard}\n{v}\n"),
            v.clone(),
        ] {
            std::fs::write(&file, &text).unwrap();
            let out = cmd(&dir).args(["policy", "check"]).arg(&file).output().unwrap();
            check_output(&["policy".into(), "check".into(), v.clone()], &out);
        }
    });
    with_values(hostile_number(), 6, |n| {
        for key in [
            "years = 6",
            "max_contacts = 3",
            "window_days = 28",
            "send_hours_before = 24",
            "min_lead_hours = 24",
            "idle_lock_minutes = 5",
            "minutes = 45",
            "count = 2",
        ] {
            let (name, _) = key.split_once(" = ").unwrap();
            let text = standard.replacen(key, &format!("{name} = {n}"), 1);
            std::fs::write(&file, &text).unwrap();
            let out = cmd(&dir).args(["policy", "check"]).arg(&file).output().unwrap();
            check_output(&["policy".into(), "check".into(), n.clone()], &out);
        }
    });
}

// The reproductions of what a hostile tester found.

/// Writes records holding escape sequences as data from before the checks (or another
/// replica) could: in the school, a flag's reason, a suspension and a waiver.
fn plant_escapes(dir: &Path) {
    let locked = LockedStore::open(&dir.join("store")).unwrap();
    let desk = Desk::sign_in(&locked, policy(), "admin", ADMIN_PW, Arc::new(SystemClock)).unwrap();
    let old = desk
        .client_by_student_number(&careerdesk::domain::validate::StudentNumber::parse(SN).unwrap())
        .unwrap();
    let mut new = old.clone();
    new.school = Some("\x1b[31mArts\x1b]0;owned\x07".into());
    new.flags.push(Flag {
        kind: FlagKind::NoShowConcern,
        raised_by: None,
        at: desk.now(),
        reason: "2 no-shows\x1b[2J".into(),
    });
    new.suspension = Some(Suspension {
        reason: "breach\x1b[5m".into(),
        by: desk.operator().id,
        at: desk.now(),
    });
    let old_appt = desk.appointment(template().no_show.parse().unwrap()).unwrap();
    let mut appt = old_appt.clone();
    appt.waiver = Some(Waiver {
        reason: "ill\x1b[8m\u{202e}".into(),
        by: desk.operator().id,
        at: desk.now(),
    });
    let mut ws = WriteSet::new();
    ws.put(desk.store(), Some(&old), &new);
    ws.put(desk.store(), Some(&old_appt), &appt);
    desk.store().commit(desk.operator().id, ws, desk.now()).unwrap();
}

fn stdout_of(dir: &Path, args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = run(dir, &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn esc_in_school_reason_and_login_is_printed_escaped_in_tables_audit_and_triage() {
    let (_tmp, dir) = store();
    plant_escapes(&dir);
    let show = stdout_of(&dir, &["client", "show", SN]);
    assert!(show.contains("\\x1b[31mArts\\x1b]0;owned\\x07"), "{show}");
    assert!(show.contains("breach\\x1b[5m"), "{show}");
    let triage = stdout_of(&dir, &["triage"]);
    assert!(triage.contains("2 no-shows\\x1b[2J"), "{triage}");
    assert!(triage.contains("ill\\x1b[8m\\u{202e}"), "{triage}");
    // JSON stays JSON: the same text reads back exactly.
    let json = stdout_of(&dir, &["--format", "json", "client", "show", SN]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["school"], "\x1b[31mArts\x1b]0;owned\x07");
    let json = stdout_of(&dir, &["--format", "json", "triage"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["waivers"][0]["reason"], "ill\x1b[8m\u{202e}");
    stdout_of(&dir, &["--format", "csv", "client", "show", SN]);

    let login = "\x1b[31mevil\u{202e}";
    let out = cmd(&dir).args(["--as", login, "client", "show", SN]).output().unwrap();
    check_output(&[login.into()], &out);
    assert_eq!(out.status.code(), Some(4));
    let audit = stdout_of(&dir, &["audit", "--last", "5"]);
    assert!(audit.contains("\\x1b[31mevil\\u{202e}  sign-in-refused"), "{audit}");
}

#[test]
fn an_import_with_a_10_mb_school_is_refused_with_a_clear_message_and_nothing_changes() {
    let mut s = Session::new();
    let file = s.dir.join("big.csv");
    let school = "s".repeat(10 * 1024 * 1024);
    std::fs::write(
        &file,
        format!(
            "{}\n30000009,Big School,b@example.ac.uk,,BSc Physics,{school},ug,student,,\n",
            careerdesk::desk::CSV_HEADER
        ),
    )
    .unwrap();
    let out = s.run(&["import".into(), "clients".into(), file.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("line 2: school: is 10485760 characters long; at most 200 are allowed"),
        "{stderr}"
    );
    assert!(stderr.len() < 1_000, "{} bytes of error", stderr.len());
}

#[test]
fn appt_09_a_send_hours_before_that_would_overflow_is_refused_by_policy_check() {
    let (_tmp, dir) = store();
    let standard = example("standard").unwrap().text;
    assert!(standard.contains("send_hours_before = 24"));
    let text = standard.replace("send_hours_before = 24", "send_hours_before = 4294967295");
    let line = text.lines().position(|l| l.contains("send_hours_before")).unwrap() + 1;
    let file = dir.join("p.toml");
    std::fs::write(&file, text).unwrap();
    let out = cmd(&dir).args(["policy", "check"]).arg(&file).output().unwrap();
    check_output(&[], &out);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "p.toml:{line}: reminders.send_hours_before: must be between 1 and 672, found 4294967295"
        )),
        "{stderr}"
    );
}

#[test]
fn a_policy_file_over_256_kib_is_refused_before_it_is_parsed() {
    let (_tmp, dir) = store();
    let file = dir.join("huge.toml");
    let mut text = example("standard").unwrap().text.to_string();
    text.push_str(&format!("# {}\n", "x".repeat(300 * 1024)));
    std::fs::write(&file, text).unwrap();
    for args in [vec!["policy", "check"], vec!["init", "--admin", "admin2", "--policy"]] {
        let out = cmd(&dir).args(&args).arg(&file).output().unwrap();
        check_output(&[], &out);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("a policy file may be at most 262144 bytes"), "{stderr}");
    }
}

#[test]
fn report_no_shows_with_four_billion_weeks_is_refused_without_a_panic() {
    let (_tmp, dir) = store();
    let out = run(
        &dir,
        &[
            "report".into(),
            "no-shows".into(),
            "--weeks".into(),
            "4000000000".into(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in 1..=520"));
    let out = run(
        &dir,
        &["report".into(), "no-shows".into(), "--weeks".into(), "520".into()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn export_ics_with_huge_days_is_refused_without_a_panic() {
    let (_tmp, dir) = store();
    for days in ["9223372036854775807", "106751991167301", "-5", "0"] {
        let args: Vec<String> = ["export", "ics", "--consultant", "consultant1", "--days", days]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = run(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{days}");
    }
    let out = run(
        &dir,
        &[
            "export".into(),
            "ics".into(),
            "--consultant".into(),
            "consultant1".into(),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("BEGIN:VCALENDAR"));
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::io::Read;
    let (_tmp, dir) = store();
    let mut csv = String::from(careerdesk::desk::CSV_HEADER);
    csv.push('\n');
    for i in 0..BULK_CLIENTS {
        csv.push_str(&format!(
            "2{i:07},Anna Example {i} Abernethy-Montgomery-Fitzwilliam,a{i}@student.example.ac.uk,,\
             BA History and Philosophy of Science with a Year Abroad in Continental Europe,Arts,ug,student,,\n"
        ));
    }
    let file = dir.join("bulk.csv");
    std::fs::write(&file, csv).unwrap();
    let out = run(&dir, &["import".into(), "clients".into(), file.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for format in ["json", "table", "csv"] {
        let mut child = cmd(&dir)
            .args([
                "--as", "admin", "--format", format, "client", "find", "Anna", "--limit", "1000",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 64];
        stdout.read_exact(&mut first).unwrap();
        // Closing the read end while the output (well over a pipe's 64 KiB) is still coming.
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}
