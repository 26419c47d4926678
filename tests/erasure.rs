//! Erasure (DATA-05): after a client is erased nothing readable is left of them anywhere in the
//! data folder, their future slots are free, and the rest of the store is untouched.

mod common;

use std::path::Path;

use assert_cmd::Command;
use careerdesk::desk::{AutoBackup, AutoPurge, LookupSource, NewClient};
use careerdesk::domain::operator::Role;
use careerdesk::paths::Paths;
use careerdesk::store::crypto::KeyRef;
use common::{add, new_client, World};

const NAME: &str = "Zyqcanaryname Person";
const MAIL: &str = "zyqcanarymail@student.example.ac.uk";
const NOTE: &str = "zyqcanarynote: talked about applying for a placement";
const ENQUIRY: &str = "zyqcanaryenquiry: asked by e-mail about a placement, and the reply";
const CONCERN: &str = "zyqcanaryconcern: seemed very low and mentioned not sleeping";
const REFERRAL: &str = "zyqcanaryreferral: agreed to see the wellbeing team this week";
const CANARIES: [&[u8]; 6] = [
    b"zyqcanaryname",
    b"zyqcanarymail",
    b"zyqcanarynote",
    b"zyqcanaryenquiry",
    b"zyqcanaryconcern",
    b"zyqcanaryreferral",
];

fn holds_canary(bytes: &[u8]) -> Option<&'static str> {
    CANARIES
        .iter()
        .find(|c| bytes.windows(c.len()).any(|w| w == **c))
        .map(|c| std::str::from_utf8(c).unwrap_or("?"))
}

/// Every file under `dir`, read whole.
fn files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p.display().to_string(), bytes));
        }
    }
}

fn canary_client() -> NewClient {
    NewClient {
        name: NAME.into(),
        email: MAIL.into(),
        ..new_client("10000009", "x")
    }
}

#[test]
fn data_05_erasure_leaves_nothing_readable_of_the_client_in_the_store_its_log_or_its_backups() {
    let w = World::new(
        common::at(2026, 11, 16, 9, 0),
        &[("cons1", Role::Consultant), ("sup1", Role::Supervisor)],
        &[("10000001", "Kept Person")],
    );
    let data = w._tmp.path();
    let paths = Paths::resolve(Some(data));
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    let client = add(&w.admin, &canary_client()).unwrap();
    w.slot("cons1", "guidance", "2026-11-18 10:00");
    w.slot("cons1", "guidance", "2026-11-19 10:00");
    let booked = w
        .book_with(&w.admin, "10000009", "guidance", "2026-11-18 10:00", None)
        .unwrap();
    w.book_with(&w.admin, "10000001", "guidance", "2026-11-19 10:00", None)
        .unwrap();
    let cons = w.as_("cons1");
    cons.write_note(client.id, Some(booked.id), NOTE).unwrap();
    // A wellbeing concern and its referral (DATA-06) go with the client too.
    cons.raise_concern(&common::sn("10000009"), CONCERN).unwrap();
    cons.refer_concern(&common::sn("10000009"), "Student Wellbeing Service", Some(REFERRAL))
        .unwrap();
    w.admin
        .add_enquiry(&careerdesk::desk::NewEnquiry {
            channel: careerdesk::domain::enquiry::EnquiryChannel::Email,
            client: Some(common::sn("10000009")),
            summary: "a placement question".into(),
            body: Some(ENQUIRY.into()),
        })
        .unwrap();
    // The saved lookup holds every client's name and e-mail.
    w.admin.load_lookup().unwrap();
    assert!(matches!(
        w.admin.backup_if_due(&paths).unwrap(),
        AutoBackup::Made { .. }
    ));
    // A copy kept beside the store by maintenance, as a compaction leaves it.
    w.admin.store().flush().unwrap();
    common::copy_dir(&paths.store(), &data.join("store.before-compact-20261116T090000"));

    // Before: every value that holds a canary is sealed with a key erasure destroys (the
    // client's own, or the saved lookup's), so no stale copy of it in sled's log stays readable.
    let before = w.admin.store().every_value().unwrap();
    let mut seen = 0;
    for v in &before {
        if let Some(c) = v.plain.as_deref().and_then(holds_canary) {
            seen += 1;
            assert!(
                matches!(v.sealed_with, Some(KeyRef::Subject { id, .. }) if id == client.id.0 || id == u128::MAX),
                "{c} is in `{}` sealed with {:?}",
                v.tree,
                v.sealed_with
            );
        }
        assert_eq!(holds_canary(&v.raw), None, "plain canary in `{}`", v.tree);
    }
    assert!(seen >= 6, "the canaries were stored ({seen} values)");

    let sup = w.as_("sup1");
    let done = sup
        .erase_client(&paths, &common::sn("10000009"), "the student asked for erasure")
        .unwrap();
    assert!(done.records >= 4, "{done:?}");
    assert_eq!(done.slots_freed, 1);
    assert_eq!(done.backups_reached, 2, "the automatic backup and the kept copy");
    assert!(!w.admin.store().holds_subject_key(client.id.0));

    // After: no value the store can still open holds a canary, and no file does in the clear.
    for v in w.admin.store().every_value().unwrap() {
        if let Some(p) = &v.plain {
            assert_eq!(holds_canary(p), None, "readable canary in `{}`", v.tree);
        }
    }
    w.admin.store().flush().unwrap();
    let mut all = Vec::new();
    files(data, &mut all);
    assert!(all.iter().any(|(p, _)| p.ends_with("subject-keys")));
    for (path, bytes) in &all {
        assert_eq!(holds_canary(bytes), None, "plain canary in {path}");
        if path.ends_with("subject-keys") {
            assert!(
                !bytes.windows(16).any(|x| x == client.id.0.to_be_bytes()),
                "{path} still names the erased client's key"
            );
            // Nor the key of the saved lookup of its day, which names everyone.
            assert!(
                !bytes.windows(16).any(|x| x == u128::MAX.to_be_bytes()),
                "{path} still holds the lookup's key"
            );
        }
    }

    // The freed slot can be booked by someone else, the other client is untouched, and the
    // audit entry says what happened without saying who.
    w.book_with(&w.admin, "10000001", "guidance", "2026-11-18 10:00", None)
        .unwrap();
    assert!(w.admin.client_by_student_number(&common::sn("10000009")).is_err());
    assert_eq!(
        w.admin.client_by_student_number(&common::sn("10000001")).unwrap().name,
        "Kept Person"
    );
    let found = w.admin.find_clients("zyqcanaryname", 5).unwrap();
    assert!(found.is_empty(), "the lookup forgot the client");
    let log = w.admin.audit_log().unwrap();
    let erase = log
        .iter()
        .flatten()
        .find(|e| e.action == careerdesk::domain::audit::AuditAction::Erase)
        .expect("an erase entry");
    assert_eq!(erase.reason.as_deref(), Some("the student asked for erasure"));
    assert!(holds_canary(erase.detail.as_bytes()).is_none() && !erase.detail.contains("10000009"));
    let tally = w.admin.erased_tally().unwrap();
    assert_eq!(tally.clients, 1);
    assert_eq!(tally.appointments.values().sum::<u64>(), 1);
    // A fresh sign-in rebuilds the lookup without the client (its saved copy is unreadable).
    drop(cons);
    drop(sup);
    let (lookup, _) = w.admin.load_lookup().unwrap();
    assert!(lookup.search("zyqcanaryname", 5).is_empty());
    let report = w.admin.store().check().unwrap();
    assert_eq!(report.problems.len(), 0, "{:?}", report.problems);
}

fn cli(dir: &Path, login: &str, pw: &str) -> Command {
    common::bin_as(dir, login, pw)
}

#[test]
fn data_05_erase_through_the_cli_asks_again_needs_a_reason_and_a_supervisor() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pw = common::ADMIN_PASSWORD;
    common::cli_init(dir);
    common::cli_add_clients(|| cli(dir, "admin", pw), &["10000001", "10000002"]);
    cli(dir, "admin", pw)
        .args(["operator", "add", "desk1", "--name", "Desk", "--role", "desk"])
        .args(["--trained", "2026-01-05", "--password-stdin"])
        .write_stdin(format!("{}\n", common::STAFF_PASSWORD))
        .assert()
        .success();
    // Desk staff may not erase (exit 4), and nothing is lost.
    cli(dir, "desk1", common::STAFF_PASSWORD)
        .args(["erase", "10000001", "--reason", "asked", "--yes"])
        .assert()
        .code(4);
    // A mistyped confirmation erases nothing (exit 2).
    cli(dir, "admin", pw)
        .args(["erase", "10000001", "--reason", "asked"])
        .write_stdin("10000002\n")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nothing was erased"));
    // A blank reason is refused.
    cli(dir, "admin", pw)
        .args(["erase", "10000001", "--reason", "  ", "--yes"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("reason"));
    cli(dir, "admin", pw)
        .args(["client", "show", "10000001"])
        .assert()
        .success();
    cli(dir, "admin", pw)
        .args(["erase", "10000001", "--reason", "asked"])
        .write_stdin("10000001\n")
        .assert()
        .success()
        .stdout(predicates::str::contains("erased 10000001"));
    cli(dir, "admin", pw)
        .args(["client", "show", "10000001"])
        .assert()
        .code(2);
    cli(dir, "admin", pw)
        .args(["client", "show", "10000002"])
        .assert()
        .success();
    // The command line saved the lookup again without the client: the next sign-in reads it.
    let desk = common::sign_in(dir, "admin", pw, common::clock()).unwrap();
    let (lookup, source) = desk.load_lookup().unwrap();
    assert!(matches!(source, LookupSource::Saved { .. }), "{source:?}");
    assert_eq!(lookup.len(), 1);
    let found = lookup.search("10000002", 5);
    assert!(found.len() == 1 && found[0].student_number == "10000002");
    drop(desk);
    cli(dir, "admin", pw)
        .args(["audit"])
        .assert()
        .success()
        .stdout(predicates::str::contains("erase"));
}

#[test]
fn data_02_purge_lists_with_dry_run_then_erases_only_clients_past_retention() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pw = common::ADMIN_PASSWORD;
    common::cli_init(dir);
    // Courses that ended in 2014 and 2015 are past any of the sources' limits (3 to 6 years); 2030 is not.
    for (sn, end) in [
        ("10000001", "2015-06-30"),
        ("10000002", "2030-06-30"),
        ("10000003", "2014-01-31"),
    ] {
        cli(dir, "admin", pw)
            .args([
                "client",
                "add",
                "--student-number",
                sn,
                "--name",
                &format!("Client {sn}"),
            ])
            .args(["--email", &format!("c{sn}@student.example.ac.uk")])
            .args(["--programme", "BSc Physics", "--level", "ug", "--status", "graduate"])
            .args(["--course-end", end])
            .assert()
            .success();
    }
    let out = cli(dir, "admin", pw)
        .args(["--format", "json", "purge", "--dry-run"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["erased"], false);
    let listed: Vec<&str> = v["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["student_number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["10000003", "10000001"], "oldest limit first");
    for sn in ["10000001", "10000002", "10000003"] {
        cli(dir, "admin", pw).args(["client", "show", sn]).assert().success();
    }
    cli(dir, "admin", pw)
        .args(["purge"])
        .assert()
        .success()
        .stdout(predicates::str::contains("erased 2 client(s)"));
    cli(dir, "admin", pw)
        .args(["client", "show", "10000001"])
        .assert()
        .code(2);
    cli(dir, "admin", pw)
        .args(["client", "show", "10000003"])
        .assert()
        .code(2);
    cli(dir, "admin", pw)
        .args(["client", "show", "10000002"])
        .assert()
        .success();
    cli(dir, "admin", pw)
        .args(["purge", "--dry-run"])
        .assert()
        .success()
        .stdout(predicates::str::contains("no client is past the retention limit"));
    cli(dir, "admin", pw)
        .args(["audit", "--action", "erase"])
        .assert()
        .success()
        .stdout(predicates::str::contains("retention purge: 2 client(s) erased"));
}

#[test]
fn data_02_the_start_up_purge_runs_for_any_session_once_a_day_and_erases_only_what_is_past() {
    let w = World::new(
        common::at(2026, 11, 16, 9, 0),
        &[("desk1", Role::Desk)],
        &[("10000001", "Kept Person")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    let mut gone = new_client("10000002", "Gone Person");
    gone.status = "graduate".into();
    gone.course_end = Some("2014-06-30".into());
    add(&w.admin, &gone).unwrap();
    // Desk staff may not purge by hand, but their session runs the policy's purge.
    let desk = w.as_("desk1");
    let by_hand = desk.purge(&paths, true, &careerdesk::store::no_progress).unwrap_err();
    assert!(by_hand.to_string().contains("may not erase clients"), "{by_hand}");
    let ran = desk.purge_if_due(&paths).unwrap();
    assert!(matches!(ran, AutoPurge::Ran { clients: 1, .. }), "{ran:?}");
    assert!(ran.summary().unwrap().contains("1 client(s)"));
    assert!(w.admin.client_by_student_number(&common::sn("10000002")).is_err());
    assert!(w.admin.client_by_student_number(&common::sn("10000001")).is_ok());
    // Once a day: a second session the same day does not scan again.
    let mut later = new_client("10000003", "Also Gone");
    later.status = "graduate".into();
    later.course_end = Some("2015-06-30".into());
    add(&w.admin, &later).unwrap();
    assert_eq!(w.as_("desk1").purge_if_due(&paths).unwrap(), AutoPurge::NotDue);
    assert!(w.admin.client_by_student_number(&common::sn("10000003")).is_ok());
    // The next day it runs again; with nothing due it says nothing.
    w.clock.set(common::at(2026, 11, 17, 9, 0));
    let next = w.as_("desk1").purge_if_due(&paths).unwrap();
    assert!(matches!(next, AutoPurge::Ran { clients: 1, .. }), "{next:?}");
    assert!(w.admin.client_by_student_number(&common::sn("10000003")).is_err());
    w.clock.set(common::at(2026, 11, 18, 9, 0));
    let quiet = w.as_("desk1").purge_if_due(&paths).unwrap();
    assert_eq!(quiet.summary(), None);
}

#[test]
fn data_05_subject_access_export_holds_everything_on_the_client_and_is_audited() {
    let w = World::new(
        common::at(2026, 11, 16, 9, 0),
        &[
            ("cons1", Role::Consultant),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[("10000001", "Other Person")],
    );
    let client = add(&w.admin, &canary_client()).unwrap();
    w.slot("cons1", "guidance", "2026-11-18 10:00");
    let booked = w
        .book_with(&w.admin, "10000009", "guidance", "2026-11-18 10:00", None)
        .unwrap();
    w.as_("cons1").write_note(client.id, Some(booked.id), NOTE).unwrap();
    let denied = w
        .as_("desk1")
        .subject_access_export(&common::sn("10000009"))
        .unwrap_err();
    assert_eq!(denied.exit_code(), 4);
    let export = w.as_("sup1").subject_access_export(&common::sn("10000009")).unwrap();
    assert_eq!(export.held.client.name, NAME);
    assert_eq!(export.held.appointments.len(), 1);
    assert_eq!(export.held.notes.len(), 1);
    assert!(!export.held.messages.is_empty(), "the booking's confirmation");
    assert!(export.audit.iter().any(|e| e.detail.contains("note written")));
    let json = serde_json::to_string(&export).unwrap().to_lowercase();
    for c in ["zyqcanaryname", "zyqcanarymail", "zyqcanarynote"] {
        assert!(json.contains(c), "{c} is in the export");
    }
    assert!(!json.contains("other person"), "nobody else's data");
    let audited = w.admin.audit_log().unwrap().into_iter().flatten();
    assert_eq!(
        audited
            .filter(|e| e.action == careerdesk::domain::audit::AuditAction::Export)
            .count(),
        1
    );
}

#[test]
fn data_05_export_subject_writes_a_new_file_from_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pw = common::ADMIN_PASSWORD;
    common::cli_init(dir);
    common::cli_add_clients(|| cli(dir, "admin", pw), &["10000001"]);
    let out = dir.join("subject.json");
    cli(dir, "admin", pw)
        .args(["export", "subject", "10000001", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("wrote everything held on 10000001"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["held"]["client"]["student_number"], "10000001");
    // An existing file is never overwritten.
    cli(dir, "admin", pw)
        .args(["export", "subject", "10000001", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
}

#[test]
fn data_02_a_purge_longer_than_one_batch_erases_every_expired_client_and_says_how_far_it_got() {
    let w = World::new(
        common::at(2026, 11, 16, 9, 0),
        &[("cons1", Role::Consultant)],
        &[("10000001", "Kept Person")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    // 230 clients past retention (more than two of the purge's batches), each with a note and
    // a consent, and one whose course has not ended.
    let cons = w.as_("cons1");
    let mut gone = Vec::new();
    for n in 0..230u32 {
        let sn = format!("2{n:07}");
        let mut c = new_client(&sn, &format!("Zyqexpired Person{n}"));
        c.status = "graduate".into();
        c.course_end = Some(if n % 2 == 0 { "2014-06-30" } else { "2015-01-31" }.into());
        let client = add(&w.admin, &c).unwrap();
        if n % 10 == 0 {
            cons.write_note(client.id, None, "zyqexpired note").unwrap();
            w.admin.give_consent(&common::sn(&sn), "careers-fair-photos").unwrap();
        }
        gone.push(client);
    }
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |what: &str, done: u64, total: u64| {
        seen.lock().unwrap().push((what.to_string(), done, total));
    };
    let done = w.admin.purge(&paths, false, &progress).unwrap();
    assert_eq!(done.clients.len(), 230);
    assert!(done.records >= 230 + 23 * 2, "{}", done.records);
    let calls = seen.into_inner().unwrap();
    let counts: Vec<u64> = calls.iter().map(|c| c.1).collect();
    assert!(calls.iter().all(|c| c.2 == 230));
    assert!(
        counts.windows(2).all(|p| p[0] < p[1]),
        "progress only goes up: {counts:?}"
    );
    assert_eq!(counts.first(), Some(&0));
    assert_eq!(counts.last(), Some(&230));
    assert!(counts.len() >= 4, "progress is told batch by batch: {counts:?}");
    for c in &gone {
        assert!(w.admin.client_by_student_number(&c.student_number).is_err());
        assert!(!w.admin.store().holds_subject_key(c.id.0));
    }
    assert!(w.admin.client_by_student_number(&common::sn("10000001")).is_ok());
    for v in w.admin.store().every_value().unwrap() {
        if let Some(p) = &v.plain {
            assert!(
                !p.windows(9).any(|x| x == b"zyqexpire"),
                "an expired client is still readable in `{}`",
                v.tree
            );
        }
    }
    // The counts kept for reports add every one of them.
    assert_eq!(w.admin.erased_tally().unwrap().clients, 230);
}

/// The saved lookup's plain bytes, if the store can still open it (it is sealed with the
/// reserved lookup key, `u128::MAX`).
fn saved_lookup(desk: &careerdesk::desk::Desk) -> Option<Vec<u8>> {
    desk.store()
        .every_value()
        .unwrap()
        .into_iter()
        .find(|v| matches!(v.sealed_with, Some(KeyRef::Subject { id, .. }) if id == u128::MAX) && v.plain.is_some())
        .and_then(|v| v.plain)
}

#[test]
fn data_05_after_an_erasure_the_lookup_is_saved_again_from_memory_without_the_client_and_sign_in_reads_it() {
    let w = World::new(
        common::at(2026, 11, 16, 9, 0),
        &[("sup1", Role::Supervisor)],
        &[("10000001", "Kept Person")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    add(&w.admin, &canary_client()).unwrap();
    // The command line's way: the lookup is loaded before the erasure (here from its copy).
    assert_eq!(w.admin.load_lookup().unwrap().1, LookupSource::Built);
    let sup = w.as_("sup1");
    sup.keep_lookup().unwrap();
    assert!(saved_lookup(&sup).is_some_and(|b| holds_canary(&b).is_some()));
    let done = sup
        .erase_client(&paths, &common::sn("10000009"), "the student asked for erasure")
        .unwrap();
    assert_eq!(done.erased.len(), 1);
    assert!(
        !format!("{done:?}").contains(&done.erased.ids()[0].0.to_string()),
        "ids never shown"
    );
    // The old copy's key went with the erasure; the lookup in memory forgot the client at once.
    assert!(saved_lookup(&sup).is_none(), "the old copy is unreadable");
    assert!(sup.find_clients("zyqcanaryname", 5).unwrap().is_empty());
    assert_eq!(sup.find_clients("kept", 5).unwrap().len(), 1);

    assert!(sup.save_kept_lookup().unwrap(), "saved again from memory");
    let copy = saved_lookup(&sup).expect("the new copy opens");
    assert_eq!(holds_canary(&copy), None);
    assert!(copy.windows(11).any(|x| x == b"Kept Person"));
    for v in sup.store().every_value().unwrap() {
        if let Some(p) = &v.plain {
            assert_eq!(holds_canary(p), None, "readable canary in `{}`", v.tree);
        }
    }
    // The next sign-in reads the new copy, not every client record.
    drop(sup);
    let (lookup, source) = w.admin.load_lookup().unwrap();
    assert!(matches!(source, LookupSource::Saved { .. }), "{source:?}");
    assert!(lookup.search("zyqcanaryname", 5).is_empty());
    assert_eq!(lookup.search("kept", 5).len(), 1);
}

#[test]
fn data_05_a_lookup_copy_taken_before_an_erasure_is_saved_without_the_erased_client() {
    let w = World::new(
        common::at(2026, 11, 16, 9, 0),
        &[("sup1", Role::Supervisor)],
        &[("10000001", "Kept Person")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    add(&w.admin, &canary_client()).unwrap();
    let sup = w.as_("sup1");
    // A lookup that did not hear of the erasure (as one holding a client erased at a sync).
    let (lookup, _) = sup.load_lookup().unwrap();
    let (dir, covers) = lookup.snapshot();
    sup.erase_client(&paths, &common::sn("10000009"), "the student asked for erasure")
        .unwrap();
    assert!(sup.save_lookup_copy(dir, covers).unwrap());
    let copy = saved_lookup(&sup).expect("the new copy opens");
    assert_eq!(holds_canary(&copy), None, "the erased client is left out");
    let (lookup, source) = w.admin.load_lookup().unwrap();
    assert!(matches!(source, LookupSource::Saved { .. }), "{source:?}");
    assert!(lookup.search("zyqcanaryname", 5).is_empty());
    // A lookup not loaded from the store (no coverage) is never saved.
    let (dir, _) = lookup.snapshot();
    assert!(!sup.save_lookup_copy(dir, None).unwrap());
}

#[test]
fn data_05_a_lookup_copy_begun_before_an_erasure_is_not_saved_after_it() {
    let w = World::new(common::at(2026, 11, 16, 9, 0), &[], &[("10000001", "Kept Person")]);
    let client = add(&w.admin, &canary_client()).unwrap();
    let store = w.admin.store();
    let epoch = store.erasure_epoch();
    store.destroy_subject_keys(client.id.0).unwrap();
    // Sealed after the erasure with the lookup's new key, it could hold the erased client.
    assert!(!store
        .set_erasable_setting_if(epoch, "client-lookup", b"begun before")
        .unwrap());
    assert_eq!(store.setting("client-lookup").unwrap(), None);
    let (now, erased) = store.erasures_since_open();
    assert!(now > epoch && erased.contains(&client.id.0));
    assert!(store
        .set_erasable_setting_if(now, "client-lookup", b"begun after")
        .unwrap());
    assert_eq!(
        store.setting("client-lookup").unwrap().as_deref(),
        Some(&b"begun after"[..])
    );
}
