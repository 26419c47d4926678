//! Reports (DATA-07, DATA-08, DATA-09, DATA-14): every aggregate report goes through the one
//! engine; its publishable form hides small counts and whatever would give them away, and is
//! the only form open without the supervisor role; no report carries a note, reason or
//! attachment.

mod common;

use careerdesk::desk::{Grouping, NewClient, Variant, ERASED};
use careerdesk::domain::appointment::{Appointment, Outcome};
use careerdesk::domain::operator::Role;
use careerdesk::paths::Paths;
use careerdesk::report::{Cell, Published};
use common::{add, at, new_client, World};

const NOTE_CANARY: &str = "zyqreportnote";
const REASON_CANARY: &str = "zyqreportreason";

/// (student number, programme, school) of the demo clients.
fn people() -> Vec<(String, &'static str, &'static str)> {
    let mut out = Vec::new();
    let groups = [
        ("BSc Physics", "Natural Sciences", 6),
        ("MSc Physics", "Natural Sciences", 2),
        ("BA Law", "Law", 3),
        ("LLB", "Law", 2),
    ];
    let mut n = 10000001;
    for (programme, school, count) in groups {
        for _ in 0..count {
            out.push((n.to_string(), programme, school));
            n += 1;
        }
    }
    out
}

/// A store on Monday 2 Nov 2026 with the clients of [`people`], each booked for one guidance
/// appointment that week, and the clock moved to Monday 16 Nov with every one attended.
fn world() -> (World, Vec<Appointment>) {
    let w = World::new(
        at(2026, 11, 2, 8, 0),
        &[
            ("cons1", Role::Consultant),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[],
    );
    let mut booked = Vec::new();
    for (i, (sn, programme, school)) in people().into_iter().enumerate() {
        add(
            &w.admin,
            &NewClient {
                programme: programme.into(),
                school: Some(school.into()),
                ..new_client(&sn, &format!("Person {sn}"))
            },
        )
        .unwrap();
        let local = format!("2026-11-0{} {}:00", 3 + i / 6, 10 + i % 6);
        w.slot("cons1", "guidance", &local);
        booked.push(w.book_with(&w.admin, &sn, "guidance", &local, None).unwrap());
    }
    w.clock.set(at(2026, 11, 16, 8, 0));
    let cons = w.as_("cons1");
    for b in &booked {
        cons.record_outcome(b.id, Outcome::Attended).unwrap();
    }
    (w, booked)
}

fn row(p: &Published, label: &str) -> usize {
    p.rows()
        .iter()
        .position(|r| r == label)
        .unwrap_or_else(|| panic!("no row {label} in {p:?}"))
}

fn col(p: &Published, label: &str) -> usize {
    p.columns().iter().position(|c| c == label).unwrap()
}

#[test]
fn data_08_publishable_usage_hides_small_counts_and_school_roll_up_shows_them() {
    let (w, _) = world();
    let desk = w.as_("desk1");
    let by_programme = desk.usage_report(Grouping::Programme, Variant::Publishable).unwrap();
    let g = col(&by_programme, "guidance");
    assert_eq!(by_programme.cell(row(&by_programme, "BSc Physics"), g), Cell::Count(6));
    assert_eq!(
        by_programme.cell(row(&by_programme, "MSc Physics"), g),
        Cell::Suppressed(5)
    );
    assert_eq!(by_programme.cell(row(&by_programme, "BA Law"), g), Cell::Suppressed(5));
    assert_eq!(by_programme.total(), Cell::Count(13));
    // Rolled up to schools, each school's programmes make counts big enough to show.
    let by_school = desk.usage_report(Grouping::School, Variant::Publishable).unwrap();
    assert_eq!(by_school.cell(row(&by_school, "Natural Sciences"), g), Cell::Count(8));
    assert_eq!(by_school.cell(row(&by_school, "Law"), g), Cell::Count(5));
    assert_eq!(by_school.suppressed(), 0);
    assert!(by_programme.suppressed() > 0);
    // A supervisor's unsuppressed copy shows every count.
    let full = w
        .as_("sup1")
        .usage_report(Grouping::Programme, Variant::Unsuppressed)
        .unwrap();
    assert_eq!(full.cell(row(&full, "MSc Physics"), g), Cell::Count(2));
    assert_eq!(full.suppressed(), 0);
}

#[test]
fn data_08_a_suppressed_count_cannot_be_worked_out_from_the_published_totals() {
    let (w, _) = world();
    let p = w
        .as_("desk1")
        .usage_report(Grouping::Programme, Variant::Publishable)
        .unwrap();
    // BA Law's 3 guidance is hidden; so are enough others that no row or column sum reveals it.
    let law = row(&p, "BA Law");
    assert_eq!(p.row_totals()[law], Cell::Suppressed(5));
    for j in 0..p.columns().len() {
        let hidden = (0..p.rows().len()).filter(|i| p.cell(*i, j).is_hidden()).count()
            + usize::from(p.column_totals()[j].is_hidden());
        assert_ne!(hidden, 1, "column {} gives a hidden count away: {p:?}", p.columns()[j]);
    }
}

#[test]
fn data_08_contacts_per_week_and_no_shows_count_by_week() {
    let (w, booked) = world();
    let sup = w.as_("sup1");
    let contacts = sup.contacts_per_week(3, Variant::Unsuppressed).unwrap();
    assert_eq!(contacts.rows(), ["2026-11-02", "2026-11-09", "2026-11-16"]);
    assert_eq!(contacts.row_totals()[0], Cell::Count(13));
    assert_eq!(contacts.total(), Cell::Count(13));
    // One attended appointment becomes a no-show: the no-show column holds 1, hidden when published.
    w.as_("cons1").record_outcome(booked[0].id, Outcome::NoShow).unwrap();
    let full = sup.no_shows_table(3, Variant::Unsuppressed).unwrap();
    assert_eq!(full.cell(0, col(&full, "no-show")), Cell::Count(1));
    assert_eq!(full.cell(0, col(&full, "attended")), Cell::Count(12));
    let public = w.as_("desk1").no_shows_table(3, Variant::Publishable).unwrap();
    assert_eq!(public.cell(0, col(&public, "no-show")), Cell::Suppressed(5));
    assert_eq!(public.cell(0, col(&public, "attended")), Cell::Withheld);
}

#[test]
fn data_08_erased_clients_still_count_in_past_usage() {
    let (w, _) = world();
    let paths = Paths::resolve(Some(w._tmp.path()));
    let sup = w.as_("sup1");
    sup.erase_client(&paths, &common::sn("10000001"), "the student asked (DATA-05)")
        .unwrap();
    let usage = sup.usage_report(Grouping::School, Variant::Unsuppressed).unwrap();
    let g = col(&usage, "guidance");
    assert_eq!(usage.cell(row(&usage, "Natural Sciences"), g), Cell::Count(7));
    assert_eq!(usage.cell(row(&usage, ERASED), g), Cell::Count(1));
    assert_eq!(usage.total(), Cell::Count(13));
    let contacts = sup.contacts_per_week(3, Variant::Unsuppressed).unwrap();
    assert_eq!(contacts.total(), Cell::Count(13));
}

#[test]
fn data_14_only_the_publishable_form_is_open_without_the_supervisor_role() {
    let (w, _) = world();
    for login in ["desk1", "cons1"] {
        let d = w.as_(login);
        let denied = |r: Result<Published, careerdesk::desk::DeskError>| {
            assert_eq!(r.unwrap_err().exit_code(), 4, "{login}");
        };
        denied(d.usage_report(Grouping::School, Variant::Unsuppressed));
        denied(d.no_shows_table(4, Variant::Unsuppressed));
        denied(d.contacts_per_week(4, Variant::Unsuppressed));
        assert!(d.usage_report(Grouping::School, Variant::Publishable).is_ok());
        assert!(d.no_shows_table(4, Variant::Publishable).is_ok());
        assert!(d.contacts_per_week(4, Variant::Publishable).is_ok());
        assert_eq!(d.programme_usage("BA Law", &[]).unwrap_err().exit_code(), 4);
    }
}

#[test]
fn data_07_programme_usage_says_who_used_which_service_and_when() {
    let (w, _) = world();
    let sup = w.as_("sup1");
    let lines = sup
        .programme_usage("ba law", &["guidance".into(), "applications".into()])
        .unwrap();
    assert_eq!(lines.len(), 3);
    let first = &lines[0];
    assert_eq!(first.student_number.as_str(), "10000009");
    assert_eq!(first.used[0], ("guidance".into(), Some("2026-11-04".parse().unwrap())));
    assert_eq!(first.used[1], ("applications".into(), None));
    let err = sup.programme_usage("BA Law", &["no-such-service".into()]).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("guidance"), "{err}");
}

#[test]
fn data_07_programme_usage_as_counts_goes_through_the_engine_and_names_nobody() {
    let (w, _) = world();
    let full = w.as_("sup1").programme_usage_table(Variant::Unsuppressed).unwrap();
    let g = col(&full, "guidance");
    for (programme, n) in [("BSc Physics", 6), ("MSc Physics", 2), ("BA Law", 3), ("LLB", 2)] {
        assert_eq!(full.cell(row(&full, programme), g), Cell::Count(n), "{programme}");
    }
    assert_eq!(full.total(), Cell::Count(13));
    let desk = w.as_("desk1");
    assert_eq!(
        desk.programme_usage_table(Variant::Unsuppressed)
            .unwrap_err()
            .exit_code(),
        4
    );
    let shown = desk.programme_usage_table(Variant::Publishable).unwrap();
    assert_eq!(shown.cell(row(&shown, "MSc Physics"), g), Cell::Suppressed(5));
    assert_eq!(shown.cell(row(&shown, "BSc Physics"), g), Cell::Count(6));
    assert!(shown
        .rows()
        .iter()
        .all(|r| !r.contains("Person") && !r.contains("1000000")));
}

/// The world with a canary in a note body, a waiver reason and a block reason, handed to the
/// command line (the desk's lock released).
fn canary_store() -> tempfile::TempDir {
    let (w, booked) = world();
    let paths = Paths::resolve(Some(w._tmp.path()));
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    let cons = w.as_("cons1");
    let client = booked[0].client;
    cons.write_note(client, Some(booked[0].id), &format!("{NOTE_CANARY}: wants a placement"))
        .unwrap();
    cons.record_outcome(booked[1].id, Outcome::NoShow).unwrap();
    cons.waive(booked[1].id, &format!("{REASON_CANARY}: was unwell"))
        .unwrap();
    let sup = w.as_("sup1");
    sup.block_client(&common::sn("10000003"), &format!("{REASON_CANARY} blocked"), None)
        .unwrap();
    drop((cons, sup));
    let World { _tmp, admin, .. } = w;
    drop(admin);
    _tmp
}

fn run(dir: &std::path::Path, login: &str, args: &[&str]) -> std::process::Output {
    common::as_op(dir, login).args(args).output().unwrap()
}

#[test]
fn data_09_no_report_output_carries_a_note_body_or_a_reason() {
    let tmp = canary_store();
    let dir = tmp.path();
    let reports: [&[&str]; 7] = [
        &["report", "usage"],
        &["report", "usage", "--by", "programme"],
        &["report", "usage", "--publishable"],
        &["report", "no-shows", "--weeks", "8"],
        &["report", "no-shows", "--weeks", "8", "--publishable"],
        &["report", "contacts-per-week", "--weeks", "8"],
        &["report", "programme-usage", "--programme", "BSc Physics"],
    ];
    let mut seen = 0;
    for format in ["table", "csv", "json"] {
        for args in reports {
            let out = run(dir, "admin", &[&["--format", format], args].concat());
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!stdout.is_empty());
            for canary in [NOTE_CANARY, REASON_CANARY] {
                assert!(!stdout.contains(canary), "{args:?} {format} shows {canary}: {stdout}");
                assert!(!String::from_utf8_lossy(&out.stderr).contains(canary));
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 21);
}

#[test]
fn data_14_the_command_line_refuses_unsuppressed_reports_to_desk_staff_with_exit_4() {
    let tmp = canary_store();
    let dir = tmp.path();
    for args in [
        &["report", "usage"][..],
        &["report", "no-shows"],
        &["report", "contacts-per-week"],
        &["report", "programme-usage", "--programme", "BA Law"],
    ] {
        let out = run(dir, "desk1", args);
        assert_eq!(out.status.code(), Some(4), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("may not"), "{args:?}");
    }
    let out = run(
        dir,
        "desk1",
        &[
            "--format",
            "json",
            "report",
            "usage",
            "--by",
            "programme",
            "--publishable",
        ],
    );
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let law = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["programme"] == "BA Law")
        .unwrap();
    assert_eq!(law["guidance"], "<5");
    assert_eq!(law["total"], "<5");
    let total = rows.as_array().unwrap().last().unwrap();
    assert_eq!(total["programme"], "total");
    // 13 appointments, one of them a no-show.
    assert_eq!(total["total"], 12);
}

#[test]
fn data_07_programme_usage_from_the_command_line_lists_yes_no_and_dates() {
    let tmp = canary_store();
    let out = run(
        tmp.path(),
        "sup1",
        &[
            "--format",
            "csv",
            "report",
            "programme-usage",
            "--programme",
            "BA Law",
            "--service",
            "guidance",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8_lossy(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("student_number,name,guidance,guidance_last"));
    assert_eq!(lines.next(), Some("10000009,Person 10000009,yes,2026-11-04"));
    assert_eq!(csv.lines().count(), 4);
}
