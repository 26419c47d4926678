//! Note access levels and break-glass reads (SEC-04, APPT-07), through the desk and the real
//! binary: the level follows the setting, a read above one's level needs a reason that is
//! audited and listed for supervisors, and desk staff never read a body.

mod common;

use careerdesk::desk::DeskError;
use careerdesk::domain::note::{AccessLevel, Confidentiality};
use careerdesk::domain::operator::Role;
use common::{as_op, at, cli_add_clients, cli_init_with, World};

fn world() -> World {
    World::new(
        at(2026, 11, 16, 9, 0),
        &[
            ("cons1", Role::Consultant),
            ("cons2", Role::Consultant),
            ("desk1", Role::Desk),
            ("er1", Role::EmployerRelations),
            ("sup1", Role::Supervisor),
        ],
        &[("10000001", "Ada Example")],
    )
}

#[test]
fn appt_07_a_note_takes_its_level_from_the_setting_and_may_be_stricter_never_looser() {
    let w = world();
    let client = w.admin.client_by_student_number(&common::sn("10000001")).unwrap();
    // Guidance is held in a private pod: confidential, so consultants by default.
    w.slot("cons1", "guidance", "2026-11-18 10:00");
    let booked = w
        .book_with(&w.admin, "10000001", "guidance", "2026-11-18 10:00", None)
        .unwrap();
    let cons = w.as_("cons1");
    let in_pod = cons
        .write_note(client.id, Some(booked.id), "Talked through two offers.")
        .unwrap();
    assert_eq!(in_pod.confidentiality, Confidentiality::Confidential);
    assert_eq!(in_pod.level, AccessLevel::Consultants);
    // A note outside an appointment is labelled not confidential: the whole service.
    let loose = cons.write_note(client.id, None, "Picked up a leaflet.").unwrap();
    assert_eq!(loose.level, AccessLevel::WholeService);
    // Stricter is allowed; looser than the setting is refused by policy, and nothing is written.
    let strict = cons
        .write_note_at(
            client.id,
            Some(booked.id),
            "Mentioned a health matter.",
            Some(AccessLevel::AuthorOnly),
        )
        .unwrap();
    assert_eq!(strict.level, AccessLevel::AuthorOnly);
    let err = cons
        .write_note_at(client.id, Some(booked.id), "x", Some(AccessLevel::WholeService))
        .unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err}");
    assert!(err.to_string().contains("consultants"), "{err}");
    let listed = cons.notes_for(client.id).unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed
        .iter()
        .any(|n| n.id == strict.id && n.level == AccessLevel::AuthorOnly));
}

#[test]
fn sec_04_reading_above_your_level_needs_a_break_glass_reason_that_is_audited_and_listed() {
    let w = world();
    let client = w.admin.client_by_student_number(&common::sn("10000001")).unwrap();
    let cons1 = w.as_("cons1");
    let note = cons1
        .write_note_at(client.id, None, "Private matter.", Some(AccessLevel::AuthorOnly))
        .unwrap();
    let ordinary = cons1.write_note(client.id, None, "CV reviewed.").unwrap();
    // The author reads their own note without a reason.
    assert_eq!(cons1.read_note(note.id).unwrap().id, note.id);
    // Another consultant is refused without a reason: the message names the level and the way.
    let cons2 = w.as_("cons2");
    let err = cons2.read_note(note.id).unwrap_err();
    assert!(matches!(err, DeskError::NoteLevel(_)), "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.to_string().contains("author-only") && err.to_string().contains("--break-glass"),
        "{err}"
    );
    // A blank reason is no reason.
    assert_eq!(cons2.read_note_because(note.id, Some("  ")).unwrap_err().exit_code(), 2);
    // With a reason the body is read.
    let read = cons2
        .read_note_because(note.id, Some("author on leave; client in crisis at the desk"))
        .unwrap();
    assert_eq!(read.current().map(|r| r.body.as_str()), Some("Private matter."));
    // Within one's level no reason is needed, and the read is not a break-glass read.
    w.as_("sup1").read_note(ordinary.id).unwrap();
    // Every body read is audited; the break-glass one carries its reason and is listed.
    let sup = w.as_("sup1");
    let reads = sup
        .audit_log()
        .unwrap()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.action == careerdesk::domain::audit::AuditAction::ReadNote);
    assert_eq!(reads.count(), 3, "author's read, break-glass read, supervisor's read");
    let glass = sup.break_glass_reads(&Default::default()).unwrap();
    assert_eq!(glass.len(), 1);
    assert_eq!(glass[0].login.as_deref(), Some("cons2"));
    assert_eq!(
        glass[0].reason.as_deref(),
        Some("author on leave; client in crisis at the desk")
    );
    assert_eq!(glass[0].subject.map(|s| s.id), Some(note.id.0));
    // Only supervisors (and administrators) see the list.
    assert_eq!(cons2.break_glass_reads(&Default::default()).unwrap_err().exit_code(), 4);
}

#[test]
fn sec_04_desk_staff_never_read_a_body_even_with_a_reason_and_employer_relations_only_whole_service() {
    let w = world();
    let client = w.admin.client_by_student_number(&common::sn("10000001")).unwrap();
    let cons = w.as_("cons1");
    let open = cons.write_note(client.id, None, "Open note.").unwrap();
    let kept = cons
        .write_note_at(client.id, None, "Consultants' note.", Some(AccessLevel::Consultants))
        .unwrap();
    let desk = w.as_("desk1");
    for id in [open.id, kept.id] {
        for reason in [None, Some("I need to know")] {
            let err = desk.read_note_because(id, reason).unwrap_err();
            assert_eq!(err.exit_code(), 4, "{err}");
        }
    }
    // Desk staff still see that the notes exist, with their level.
    assert_eq!(desk.notes_for(client.id).unwrap().len(), 2);
    let er = w.as_("er1");
    assert_eq!(er.read_note(open.id).unwrap().id, open.id);
    let err = er.read_note_because(kept.id, Some("placement follow-up")).unwrap_err();
    assert_eq!(err.exit_code(), 4, "{err}");
    // No refused read is a break-glass entry.
    assert!(w.admin.break_glass_reads(&Default::default()).unwrap().is_empty());
}

#[test]
fn sec_04_note_commands_refuse_above_level_reads_without_a_reason_and_list_break_glass_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    cli_init_with(
        dir,
        &[
            ("cons1", "consultant"),
            ("cons2", "consultant"),
            ("desk1", "desk"),
            ("sup1", "supervisor"),
        ],
    );
    cli_add_clients(|| as_op(dir, "admin"), &["10000001"]);
    let out = as_op(dir, "cons1")
        .args([
            "--format",
            "json",
            "note",
            "add",
            "10000001",
            "--body",
            "Private matter.",
        ])
        .args(["--level", "author-only"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let id = v["note"].as_str().unwrap().to_string();
    assert_eq!(v["level"], "author-only");
    // A level that is not one is bad input.
    as_op(dir, "cons1")
        .args(["note", "add", "10000001", "--body", "x", "--level", "secret"])
        .assert()
        .code(2);
    // The list shows the level, never the body.
    let list = as_op(dir, "desk1")
        .args(["note", "list", "10000001"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&list.get_output().stdout).to_string();
    assert!(
        text.contains("author-only") && !text.contains("Private matter"),
        "{text}"
    );
    let refused = as_op(dir, "cons2").args(["note", "show", &id]).assert().code(3);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(err.contains("author-only") && err.contains("--break-glass"), "{err}");
    as_op(dir, "desk1")
        .args(["note", "show", &id, "--break-glass", "need it"])
        .assert()
        .code(4);
    let read = as_op(dir, "cons2")
        .args(["note", "read", &id, "--break-glass", "author away, client in crisis"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&read.get_output().stdout).contains("Private matter."));
    let listed = as_op(dir, "sup1")
        .args(["--format", "json", "audit", "break-glass"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&listed.get_output().stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0]["login"], "cons2");
    assert_eq!(rows[0]["reason"], "author away, client in crisis");
    let table = as_op(dir, "sup1")
        .args(["audit", "--action", "read-note"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(text.contains("read-note (break-glass)"), "{text}");
    as_op(dir, "cons2").args(["audit", "break-glass"]).assert().code(4);
}

#[test]
fn sec_04_the_notes_pane_asks_for_a_reason_instead_of_showing_a_body_above_your_level() {
    use careerdesk::ui::command::Command;
    use careerdesk::ui::pane::Pane;
    use careerdesk::ui::panes::notes::NotesPane;
    use common::panes::{screen, Ui};
    use std::sync::Arc;

    let w = world();
    let client = w.admin.client_by_student_number(&common::sn("10000001")).unwrap();
    w.as_("cons1")
        .write_note_at(client.id, None, "Zyq private matter.", Some(AccessLevel::AuthorOnly))
        .unwrap();
    let cons2 = Arc::new(w.as_("cons2"));
    let mut ui = Ui::new(&cons2);
    ui.client = Some(client.id);
    let mut pane = NotesPane::new(&cons2);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::ReadNote);
    assert!(pane.typing(), "the reason field takes what is typed");
    let s = screen(&mut pane, 160, 48);
    assert!(s.contains("author-only, above your level"), "{s}");
    assert!(!s.contains("Zyq private matter"), "{s}");
    // No reason, no body.
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("reason is required"), "{}", ui.problem());
    assert!(!screen(&mut pane, 160, 48).contains("Zyq private matter"));
    ui.type_text(&mut pane, "author away, client in crisis");
    ui.cmd(&mut pane, Command::Select);
    assert!(screen(&mut pane, 160, 48).contains("Zyq private matter."));
    let glass = w.admin.break_glass_reads(&Default::default()).unwrap();
    assert_eq!(glass.len(), 1);
    assert_eq!(glass[0].reason.as_deref(), Some("author away, client in crisis"));
}

#[test]
fn sec_04_amending_a_note_keeps_every_revision_and_needs_the_note_s_level() {
    let w = world();
    let client = w.admin.client_by_student_number(&common::sn("10000001")).unwrap();
    let cons1 = w.as_("cons1");
    let note = cons1
        .write_note_at(client.id, None, "First text.", Some(AccessLevel::AuthorOnly))
        .unwrap();
    // Another consultant, a supervisor and desk staff may not amend an author-only note: it
    // would hand them its earlier text. Nothing changes.
    for login in ["cons2", "sup1"] {
        let err = w.as_(login).amend_note(note.id, "Overwritten.").unwrap_err();
        assert!(matches!(err, DeskError::NoteLevel(_)), "{login}: {err}");
        assert!(err.to_string().contains("author-only"), "{err}");
    }
    assert_eq!(w.as_("desk1").amend_note(note.id, "x").unwrap_err().exit_code(), 4);
    assert_eq!(cons1.read_note(note.id).unwrap().revisions.len(), 1);
    // The author amends; both revisions are kept, the newest is current.
    w.clock.set(at(2026, 11, 16, 10, 0));
    let amended = cons1.amend_note(note.id, "Second text.").unwrap();
    let bodies: Vec<&str> = amended.revisions.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, ["First text.", "Second text."]);
    assert_eq!(amended.current().map(|r| r.at), Some(at(2026, 11, 16, 10, 0)));
    // A whole-service note may be amended by another consultant; a blank body is bad input.
    let open = cons1.write_note(client.id, None, "CV reviewed.").unwrap();
    assert_eq!(
        w.as_("cons2")
            .amend_note(open.id, "CV reviewed; sent back.")
            .unwrap()
            .revisions
            .len(),
        2
    );
    assert_eq!(cons1.amend_note(open.id, "  ").unwrap_err().exit_code(), 2);
}

#[test]
fn sec_04_note_amend_and_show_history_through_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    cli_init_with(dir, &[("cons1", "consultant"), ("cons2", "consultant")]);
    cli_add_clients(|| as_op(dir, "admin"), &["10000001"]);
    let out = as_op(dir, "cons1")
        .args(["--format", "json", "note", "add", "10000001", "--body", "First text."])
        .args(["--level", "author-only"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let id = v["note"].as_str().unwrap().to_string();
    as_op(dir, "cons2")
        .args(["note", "amend", &id, "--body", "Not mine."])
        .assert()
        .code(3);
    as_op(dir, "cons1")
        .args(["note", "amend", &id, "--body", "Second text."])
        .assert()
        .success();
    let shown = as_op(dir, "cons1").args(["note", "show", &id]).assert().success();
    let text = String::from_utf8_lossy(&shown.get_output().stdout).to_string();
    assert!(text.contains("Second text.") && !text.contains("First text."), "{text}");
    let history = as_op(dir, "cons1")
        .args(["note", "show", &id, "--history"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&history.get_output().stdout).to_string();
    let (first, second) = (text.find("First text."), text.find("Second text."));
    assert!(first.is_some() && second > first, "{text}");
    assert!(text.contains("revision 2 by cons1"), "{text}");
    as_op(dir, "cons1")
        .args(["note", "amend", "not-an-id", "--body", "x"])
        .assert()
        .code(2);
}
