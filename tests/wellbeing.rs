//! Wellbeing concerns (DATA-06): a concern flag on a client (who, when, why) and explicit,
//! recorded referrals (who, when, to whom), through the desk and the real binary; never
//! automatic, and held with the client for erasure and subject access.

mod common;

use careerdesk::domain::operator::Role;
use common::{as_op, at, cli_add_clients, cli_init_with, sn, World};

fn world() -> World {
    World::new(
        at(2026, 11, 16, 9, 0),
        &[
            ("cons1", Role::Consultant),
            ("desk1", Role::Desk),
            ("er1", Role::EmployerRelations),
            ("sup1", Role::Supervisor),
        ],
        &[("10000001", "Ada Example"), ("10000002", "Ben Example")],
    )
}

#[test]
fn data_06_a_concern_records_who_when_why_and_only_an_explicit_referral_refers_it() {
    let w = world();
    let cons = w.as_("cons1");
    let raised = cons
        .raise_concern(&sn("10000001"), "seemed very low, mentioned not sleeping")
        .unwrap();
    let cons_id = raised.raised_by;
    assert_eq!(raised.raised_at, at(2026, 11, 16, 9, 0));
    assert!(raised.referrals.is_empty(), "raising a concern refers it nowhere");
    let (_, shown) = cons.concerns(&sn("10000001")).unwrap();
    assert_eq!(shown.len(), 1);
    assert!(shown[0].referrals.is_empty());
    w.clock.set(at(2026, 11, 16, 11, 0));
    let sup = w.as_("sup1");
    let referred = sup
        .refer_concern(&sn("10000001"), "Student Wellbeing Service", Some("student agreed"))
        .unwrap();
    let r = referred.last_referral().unwrap();
    assert_eq!(
        (r.to.as_str(), r.at, r.note.as_deref()),
        (
            "Student Wellbeing Service",
            at(2026, 11, 16, 11, 0),
            Some("student agreed")
        )
    );
    assert_ne!(r.by, cons_id, "the referrer is recorded, not the raiser");
    // Referring a client with no concern is refused, naming the way to raise one.
    let err = sup
        .refer_concern(&sn("10000002"), "School of Physics", None)
        .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("wellbeing flag"), "{err}");
    // Blank reasons and names are bad input.
    assert_eq!(cons.raise_concern(&sn("10000002"), " ").unwrap_err().exit_code(), 2);
    assert_eq!(sup.refer_concern(&sn("10000001"), "", None).unwrap_err().exit_code(), 2);
    // Every step is audited against the concern.
    let entries: Vec<_> = sup.audit_log().unwrap().into_iter().filter_map(Result::ok).collect();
    assert!(entries.iter().any(|e| e.detail == "wellbeing concern raised"));
    assert!(entries
        .iter()
        .any(|e| e.detail.contains("referred to Student Wellbeing Service")));
    assert!(entries
        .iter()
        .any(|e| e.action == careerdesk::domain::audit::AuditAction::ReadWellbeing));
}

#[test]
fn data_06_desk_and_employer_relations_staff_neither_raise_nor_see_concerns() {
    let w = world();
    w.as_("cons1").raise_concern(&sn("10000001"), "worried").unwrap();
    let client = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    for login in ["desk1", "er1"] {
        let d = w.as_(login);
        assert_eq!(d.raise_concern(&sn("10000001"), "x").unwrap_err().exit_code(), 4);
        assert_eq!(d.refer_concern(&sn("10000001"), "x", None).unwrap_err().exit_code(), 4);
        assert_eq!(d.concerns(&sn("10000001")).unwrap_err().exit_code(), 4);
        assert_eq!(d.concern_count(client.id), None, "{login} is not told a concern exists");
    }
    assert_eq!(w.as_("sup1").concern_count(client.id), Some(1));
}

#[test]
fn data_06_concerns_are_sealed_with_the_client_s_key_in_the_export_and_gone_after_erasure() {
    let w = world();
    let data = w._tmp.path();
    let paths = careerdesk::paths::Paths::resolve(Some(data));
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    let cons = w.as_("cons1");
    let c = cons.raise_concern(&sn("10000001"), "worried").unwrap();
    cons.refer_concern(&sn("10000001"), "School of Physics", None).unwrap();
    let client = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    let sealed = w.admin.store().every_value().unwrap();
    let v = sealed
        .iter()
        .find(|v| v.tree == "wellbeing")
        .expect("the concern is stored");
    assert!(matches!(
        v.sealed_with,
        Some(careerdesk::store::crypto::KeyRef::Subject { id, .. }) if id == client.id.0
    ));
    let sup = w.as_("sup1");
    let export = sup.subject_access_export(&sn("10000001")).unwrap();
    assert_eq!(export.held.concerns.len(), 1);
    assert_eq!(export.held.concerns[0].referrals[0].to, "School of Physics");
    assert!(export.audit.iter().any(|e| e.subject.is_some_and(|s| s.id == c.id.0)));
    sup.erase_client(&paths, &sn("10000001"), "the student asked").unwrap();
    assert!(!w
        .admin
        .store()
        .every_value()
        .unwrap()
        .iter()
        .any(|v| v.tree == "wellbeing" && v.plain.is_some()));
}

#[test]
fn data_06_wellbeing_commands_flag_refer_and_show() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    cli_init_with(dir, &[("cons1", "consultant"), ("desk1", "desk")]);
    cli_add_clients(|| as_op(dir, "admin"), &["10000001"]);
    as_op(dir, "cons1")
        .args(["wellbeing", "flag", "10000001", "--reason", "seemed very low"])
        .assert()
        .success();
    as_op(dir, "cons1")
        .args(["wellbeing", "refer", "10000001", "--to", "Student Wellbeing Service"])
        .args(["--note", "booked in for Thursday"])
        .assert()
        .success();
    let out = as_op(dir, "cons1")
        .args(["--format", "json", "wellbeing", "show", "10000001"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v[0]["reason"], "seemed very low");
    assert_eq!(v[0]["referrals"][0]["to"], "Student Wellbeing Service");
    let table = as_op(dir, "cons1")
        .args(["wellbeing", "show", "10000001"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(text.contains("cons1") && text.contains("referred"), "{text}");
    as_op(dir, "desk1")
        .args(["wellbeing", "show", "10000001"])
        .assert()
        .code(4);
    as_op(dir, "cons1")
        .args(["wellbeing", "flag", "10000001", "--reason", ""])
        .assert()
        .code(2);
    // Closing needs an outcome, then keeps the concern with its closure; a second close finds
    // no open concern.
    as_op(dir, "cons1")
        .args(["wellbeing", "close", "10000001", "--outcome", ""])
        .assert()
        .code(2);
    as_op(dir, "cons1")
        .args(["wellbeing", "close", "10000001", "--outcome", "seen by the service"])
        .assert()
        .success();
    let table = as_op(dir, "cons1")
        .args(["wellbeing", "show", "10000001"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(
        text.contains("closed") && text.contains("seen by the service"),
        "{text}"
    );
    as_op(dir, "cons1")
        .args(["wellbeing", "close", "10000001", "--outcome", "again"])
        .assert()
        .code(2);
    as_op(dir, "desk1")
        .args(["wellbeing", "close", "10000001", "--outcome", "x"])
        .assert()
        .code(4);
}

#[test]
fn data_06_a_closed_concern_is_kept_and_no_longer_open_on_the_card() {
    let w = world();
    let cons = w.as_("cons1");
    cons.raise_concern(&sn("10000001"), "first worry").unwrap();
    w.clock.set(at(2026, 11, 17, 9, 0));
    cons.raise_concern(&sn("10000001"), "second worry").unwrap();
    let client = cons.client_by_student_number(&sn("10000001")).unwrap();
    assert_eq!(cons.concern_count(client.id), Some(2));
    w.clock.set(at(2026, 11, 18, 9, 0));
    let sup = w.as_("sup1");
    let closed = sup
        .close_concern(&sn("10000001"), "spoke with the student; no action")
        .unwrap();
    assert!(
        closed.reason.contains("second"),
        "the newest open concern is closed first"
    );
    let x = closed.closed.as_ref().unwrap();
    assert_eq!(
        (x.at, x.outcome.as_str()),
        (at(2026, 11, 18, 9, 0), "spoke with the student; no action")
    );
    assert_eq!(cons.concern_count(client.id), Some(1));
    // A referral now goes to the concern still open, never to the closed one.
    let referred = sup
        .refer_concern(&sn("10000001"), "Student Wellbeing Service", None)
        .unwrap();
    assert!(referred.reason.contains("first"));
    sup.close_concern(&sn("10000001"), "referred and seen").unwrap();
    assert_eq!(cons.concern_count(client.id), Some(0));
    let (_, all) = cons.concerns(&sn("10000001")).unwrap();
    assert_eq!(all.len(), 2, "closed concerns are kept");
    assert!(all.iter().all(|c| c.closed.is_some()));
    // With none open, referring and closing are refused as bad input naming the way on.
    let err = sup
        .refer_concern(&sn("10000001"), "School of Physics", None)
        .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("no open wellbeing concern"), "{err}");
    assert_eq!(sup.close_concern(&sn("10000001"), "x").unwrap_err().exit_code(), 2);
    // Desk staff may not close one.
    assert_eq!(
        w.as_("desk1")
            .close_concern(&sn("10000001"), "x")
            .unwrap_err()
            .exit_code(),
        4
    );
}

#[test]
fn data_06_the_client_card_shows_an_open_concern_to_consultants_only() {
    use careerdesk::ui::panes::clients::ClientsPane;
    use common::panes::{built_index, open_client, screen, Ui};
    use std::sync::Arc;

    let w = world();
    w.as_("cons1").raise_concern(&sn("10000001"), "worried").unwrap();
    for (login, shown) in [("cons1", true), ("desk1", false)] {
        let desk = Arc::new(w.as_(login));
        let mut ui = Ui::new(&desk);
        let mut pane = ClientsPane::new(&desk, built_index(&desk));
        ui.shown(&mut pane);
        open_client(&mut ui, &mut pane, "Ada");
        let s = screen(&mut pane, 160, 48);
        assert!(s.contains("Ada Example"), "{s}");
        assert_eq!(s.contains("wellbeing concern open (1)"), shown, "{login}:\n{s}");
    }
}
