//! Who made an op, proved (SEC-03, SEC-05, DATA-05; decision 0022): ops are signed with their
//! operator's key, administrators sign the roster, and the server checks every op it is
//! pushed against it. An erasure by someone the roster does not let erase is refused: it
//! waits in its desk's conflicts queue and the client stays on every other desk.

mod common;

use careerdesk::desk::AutoPurge;
use careerdesk::domain::operator::Role;
use careerdesk::store::WriteSet;
use common::desks::{enrol_desk, enrolled, give_roles_past_the_desk, sync, twin, two_desks, TwoDesks};
use common::server::Running;
use common::{login, sign_in_via, World, STAFF_PASSWORD};

#[test]
fn sec_05_an_erasure_by_desk_staff_is_refused_by_the_server_queued_on_its_desk_and_the_client_stays_everywhere() {
    let TwoDesks {
        _dir,
        server,
        a,
        _b_dir,
        b,
    } = two_desks(
        &[("desk1", Role::Desk)],
        &[("A0000001", "Ada Lovelace"), ("A0000002", "Alan Turing")],
    );
    sync(&a.admin);
    sync(&b);
    let on_server = server.relay().roster().unwrap();
    assert_eq!(
        on_server.len(),
        2,
        "the administrator's entry and desk1's, signed at set-up"
    );

    // Desk B's records are changed behind its desk's back: desk1 made a supervisor there.
    // The roster, which only an administrator's edit through the desk signs, still says desk.
    give_roles_past_the_desk(&b, "desk1", vec![Role::Supervisor], b.operator().id);
    let desk1 = sign_in_via(&b, "desk1", STAFF_PASSWORD, a.clock.clone()).unwrap();
    let sn = common::sn("A0000001");
    let client = a.admin.client_by_student_number(&sn).unwrap().id.0;
    let b_paths = careerdesk::paths::Paths::resolve(b.store().path().parent());
    desk1.erase_client(&b_paths, &sn, "asked at the counter").unwrap();
    // And a change the roster lets desk1 make, after it.
    common::add(&desk1, &common::new_client("A0000003", "Grace Hopper")).unwrap();

    let report = sync(&desk1);
    assert_eq!(report.refused, 1, "the erasure is refused");
    assert!(!server.relay().is_erased(client).unwrap(), "no tombstone on the server");
    let conflicts = desk1.sync_conflicts().unwrap();
    let refused: Vec<_> = conflicts
        .iter()
        .filter(|c| c.what.contains("refused by the sync server"))
        .collect();
    assert_eq!(refused.len(), 1, "{conflicts:?}");
    assert!(refused[0].what.contains("may not erase clients"), "{}", refused[0].what);
    assert_eq!(sync(&desk1).refused, 0, "named again at the next push, listed once");

    // Desk A keeps the client, and still gets desk1's later change: the replica's sequence
    // went on past the refused op.
    let at_a = sync(&a.admin);
    assert_eq!(at_a.erasures_applied, 0);
    assert!(
        a.admin.client_by_student_number(&sn).is_ok(),
        "the client stays on desk A"
    );
    assert!(a.admin.client_by_student_number(&common::sn("A0000003")).is_ok());
}

#[test]
fn sec_05_a_supervisor_added_by_an_administrator_erases_on_another_desk_and_the_erasure_reaches_every_desk() {
    let TwoDesks {
        _dir,
        server,
        a,
        _b_dir,
        b,
    } = two_desks(&[("sup1", Role::Supervisor)], &[("A0000001", "Ada Lovelace")]);
    sync(&a.admin);
    let sup = sign_in_via(&b, "sup1", STAFF_PASSWORD, a.clock.clone()).unwrap();
    let sn = common::sn("A0000001");
    let client = a.admin.client_by_student_number(&sn).unwrap().id.0;
    let b_paths = careerdesk::paths::Paths::resolve(b.store().path().parent());
    sup.erase_client(&b_paths, &sn, "the student asked (DATA-05)").unwrap();
    let report = sync(&sup);
    assert_eq!(report.refused, 0);
    assert!(server.relay().is_erased(client).unwrap());
    assert_eq!(sync(&a.admin).erasures_applied, 1);
    assert!(a.admin.client_by_student_number(&sn).is_err());
    // Every op B pushed was signed by its operator.
    let ops = server.relay().pull(0, 100_000, usize::MAX).unwrap();
    assert!(ops.iter().all(|(_, o)| o.signature.is_some()), "every op is signed");
}

#[test]
fn sec_05_an_operator_s_own_password_change_adds_their_new_key_and_their_ops_are_still_taken() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("server"));
    let a = World::new(
        common::t0(),
        &[("sup1", Role::Supervisor)],
        &[("A0000001", "Ada Lovelace")],
    );
    enrolled(&a, &server, "Main desk");
    sync(&a.admin);
    let sup = a.as_("sup1");
    let first_key = sup.store().signing_key().unwrap();
    sup.set_password(&login("sup1"), "a-new-password-9").unwrap();
    drop(sup);
    let sup = sign_in_via(&a.admin, "sup1", "a-new-password-9", a.clock.clone()).unwrap();
    let new_key = sup.store().signing_key().unwrap();
    assert_ne!(first_key, new_key, "a changed password gives a new key");
    let sn = common::sn("A0000001");
    let client = sup.client_by_student_number(&sn).unwrap().id.0;
    let paths = careerdesk::paths::Paths::resolve(sup.store().path().parent());
    sup.erase_client(&paths, &sn, "the student asked (DATA-05)").unwrap();
    assert_eq!(sync(&sup).refused, 0, "signed with the new key, which the roster holds");
    assert!(server.relay().is_erased(client).unwrap());
    let entry = server
        .relay()
        .roster()
        .unwrap()
        .into_iter()
        .find(|e| e.login.as_str() == "sup1")
        .unwrap();
    assert!(entry.keys.contains(&first_key) && entry.keys.contains(&new_key));
    assert_eq!(entry.roles, vec![Role::Supervisor]);
}

#[test]
fn data_02_on_a_desk_that_syncs_the_start_up_purge_waits_for_a_sign_in_that_may_erase() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("server"));
    let a = World::new(
        common::at(2026, 11, 16, 9, 0),
        &[("desk1", Role::Desk)],
        &[("10000001", "Kept Person")],
    );
    let mut gone = common::new_client("10000002", "Gone Person");
    gone.status = "graduate".into();
    gone.course_end = Some("2014-06-30".into());
    common::add(&a.admin, &gone).unwrap();
    enrolled(&a, &server, "Main desk");
    sync(&a.admin);
    let paths = careerdesk::paths::Paths::resolve(a.admin.store().path().parent());
    let desk = a.as_("desk1");
    assert_eq!(desk.purge_if_due(&paths).unwrap(), AutoPurge::LeftToEraser);
    assert!(a.admin.client_by_student_number(&common::sn("10000002")).is_ok());
    // The administrator's session runs it, and the server takes it.
    let ran = a.admin.purge_if_due(&paths).unwrap();
    assert!(matches!(ran, AutoPurge::Ran { clients: 1, .. }), "{ran:?}");
    assert_eq!(sync(&a.admin).refused, 0);
    assert!(a.admin.client_by_student_number(&common::sn("10000002")).is_err());
}

#[test]
fn sec_05_desk_staff_making_themselves_a_supervisor_is_refused_by_the_server_and_no_other_desk_sees_it() {
    let TwoDesks {
        _dir,
        server: _server,
        a,
        _b_dir,
        b,
    } = two_desks(&[("desk1", Role::Desk)], &[]);
    sync(&a.admin);
    // On desk B, desk1's own session writes their account as a supervisor's, past the desk.
    let desk1 = sign_in_via(&b, "desk1", STAFF_PASSWORD, a.clock.clone()).unwrap();
    give_roles_past_the_desk(&desk1, "desk1", vec![Role::Supervisor], desk1.operator().id);
    assert_eq!(sync(&desk1).refused, 1);
    let why = desk1.sync_conflicts().unwrap();
    assert!(
        why.iter()
            .any(|c| c.what.contains("may not change staff account records")),
        "{why:?}"
    );
    sync(&a.admin);
    assert_eq!(
        a.admin.operator_by_login(&login("desk1")).unwrap().roles,
        vec![Role::Desk]
    );
}

#[test]
fn data_05_an_op_that_erases_more_than_it_declares_is_not_merged_but_kept_in_the_conflicts_queue() {
    let a = World::new(common::t0(), &[], &[("A0000001", "Ada Lovelace")]);
    let (_b_dir, b) = twin(&a, a.clock.clone());
    let sn = common::sn("A0000001");
    let paths = careerdesk::paths::Paths::resolve(a.admin.store().path().parent());
    let before = a.admin.store().sealed_ops_after(0, usize::MAX).unwrap().len() as u64;
    a.admin
        .erase_client(&paths, &sn, "the student asked (DATA-05)")
        .unwrap();
    let mut ops = a.admin.store().sealed_ops_after(before, usize::MAX).unwrap();
    let erasure = ops.iter_mut().find(|o| !o.erases.is_empty()).expect("the erasure op");
    // A desk that hides the erasure from the server's check.
    erasure.erases.clear();
    let batch: Vec<(u64, _)> = ops.into_iter().enumerate().map(|(n, o)| (n as u64 + 1, o)).collect();
    let last = batch.len() as u64;
    b.store().take_remote_ops(&batch, last).unwrap();
    b.store().apply_remote(common::t0(), &|_, _| {}).unwrap();
    assert!(b.client_by_student_number(&sn).is_ok(), "the client stays on desk B");
    let waiting = b.sync_conflicts().unwrap();
    assert!(
        waiting
            .iter()
            .any(|c| c.what.contains("do more than its clear fields declare")),
        "{waiting:?}"
    );
}

#[test]
fn sec_05_a_consultant_s_signed_employer_change_made_past_the_desk_is_refused_by_the_server_and_no_other_desk_sees_it()
{
    let TwoDesks {
        _dir,
        server: _server,
        a,
        _b_dir,
        b,
    } = two_desks(&[("cons1", Role::Consultant)], &[]);
    let added = a
        .admin
        .add_employer(&careerdesk::desk::NewEmployer {
            name: "Acme Bridges".into(),
            sector: "engineering".into(),
            ..Default::default()
        })
        .unwrap();
    sync(&a.admin);
    sync(&b);
    // On desk B the consultant's own session renames the employer past the desk's check:
    // signed with their key, but a consultant does not manage employers.
    let cons = sign_in_via(&b, "cons1", STAFF_PASSWORD, a.clock.clone()).unwrap();
    let old = cons
        .find_employers("Acme", &[])
        .unwrap()
        .into_iter()
        .find(|e| e.id == added.id)
        .expect("the employer reached desk B");
    let mut renamed = old.clone();
    renamed.name = "Acme Bridges (closed)".into();
    let mut ws = WriteSet::new();
    ws.put(cons.store(), Some(&old), &renamed);
    cons.store().commit(cons.operator().id, ws, common::t0()).unwrap();
    assert_eq!(sync(&cons).refused, 1, "the server refuses the change");
    let why = cons.sync_conflicts().unwrap();
    assert!(
        why.iter().any(|c| c.what.contains("may not change employer records")),
        "{why:?}"
    );
    // Through the desk, the same change is refused before it is made.
    let through_desk = cons.edit_employer(
        added.id,
        &careerdesk::desk::EmployerChanges {
            name: Some("Acme Bridges (closed)".into()),
            ..Default::default()
        },
    );
    assert!(through_desk.is_err(), "{through_desk:?}");
    sync(&a.admin);
    let at_a = a.admin.find_employers("Acme", &[]).unwrap();
    assert_eq!(at_a.len(), 1);
    assert_eq!(at_a[0].name, "Acme Bridges", "desk A keeps the name its staff gave");
}

#[test]
fn sec_05_an_unsigned_change_made_after_the_roster_began_is_refused_queued_on_its_desk_and_seen_by_no_other() {
    use careerdesk::desk::Clock as _;
    let dir = tempfile::tempdir().unwrap();
    let a = World::new(common::t0(), &[("desk1", Role::Desk)], &[("A0000001", "Ada Lovelace")]);
    // The server keeps the desks' time, so the test says when the roster began.
    let clock = a.clock.clone();
    let server = Running::start_with(
        &dir.path().join("server"),
        "127.0.0.1:0",
        std::sync::Arc::new(move || clock.now().timestamp_millis() as u64),
    );
    let (_b_dir, b) = twin(&a, a.clock.clone());
    enrolled(&a, &server, "Main desk");
    enrol_desk(&b, &server, "Second desk");
    sync(&a.admin);
    sync(&b);
    let founded = server
        .relay()
        .roster_founded()
        .unwrap()
        .expect("the first sync founds the roster");
    assert_eq!(founded, common::t0().timestamp_millis() as u64);

    // An hour later, desk B commits a change in the administrator's name that its signed-in
    // operator, desk1, does not sign: what a desk not running careerdesk's code could send.
    a.clock.set(common::t0() + chrono::Duration::hours(1));
    let desk1 = sign_in_via(&b, "desk1", STAFF_PASSWORD, a.clock.clone()).unwrap();
    let sn = common::sn("A0000001");
    let old = desk1.client_by_student_number(&sn).unwrap();
    let mut renamed = old.clone();
    renamed.email = careerdesk::domain::validate::Email::parse("someone.else@example.org").unwrap();
    let mut ws = WriteSet::new();
    ws.put(desk1.store(), Some(&old), &renamed);
    let admin_id = a.admin.operator().id;
    desk1.store().commit(admin_id, ws, a.clock.now()).unwrap();
    // And one desk1 makes and signs, after it.
    common::add(&desk1, &common::new_client("A0000002", "Alan Turing")).unwrap();
    assert_eq!(sync(&desk1).refused, 1, "the unsigned change is refused");
    let why = desk1.sync_conflicts().unwrap();
    assert!(
        why.iter()
            .any(|c| c.what.contains("not signed by the operator who made it")),
        "{why:?}"
    );
    sync(&a.admin);
    assert_eq!(
        a.admin.client_by_student_number(&sn).unwrap().email,
        old.email,
        "desk A keeps the e-mail its staff gave"
    );
    assert!(
        a.admin.client_by_student_number(&common::sn("A0000002")).is_ok(),
        "desk1's signed change comes in"
    );

    // `server devices` names the refused change under desk B's terminal, with why.
    let ops = server.relay().terminal_ops().unwrap();
    let refused: Vec<_> = ops.iter().flat_map(|o| o.refused.iter()).collect();
    assert_eq!(refused.len(), 1, "{ops:?}");
    server.stop();
    let server_dir = dir.path().join("server");
    for _ in 0..40 {
        match careerdesk::store::relay::RelayStore::open(&server_dir) {
            Ok(_) => break,
            Err(e) if e.to_string().contains("lock") => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(e) => panic!("{e}"),
        }
    }
    let out = common::serving::server_cmd(dir.path())
        .args(["server", "devices"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("UNSIGNED") && text.contains("REFUSED"), "{text}");
    assert!(
        text.contains("1 change(s) refused against the roster of staff"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("not signed by the operator who made it"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("Second desk"), "{line}");
    assert!(
        line.contains(&format!("{:032x}:{}", refused[0].device.0, refused[0].seq)),
        "{line}"
    );
    let out = common::serving::server_cmd(dir.path())
        .args(["server", "devices", "--format", "json"])
        .assert()
        .success();
    let rows: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let second = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Second desk")
        .unwrap();
    assert_eq!(second["refused"].as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(second["unsigned_taken"], 0, "{rows}");
}

/// An engagement note by `author` on a made-up employer, written past the desk at `at`.
fn engagement_past_the_desk(desk: &careerdesk::desk::Desk, at: chrono::DateTime<chrono::Utc>) {
    use careerdesk::domain::employer::{EngagementKind, EngagementNote};
    use careerdesk::domain::ids::{EmployerId, EngagementId};
    let note = EngagementNote {
        id: EngagementId(ulid::Ulid::new().0),
        employer: EmployerId(7),
        contacts: vec![],
        author: desk.operator().id,
        at,
        kind: EngagementKind::Email,
        liaised_with: None,
        text: "mail-out to the spring fair list".into(),
    };
    let mut ws = WriteSet::new();
    ws.put(desk.store(), None, &note);
    desk.store().commit(desk.operator().id, ws, at).unwrap();
}

#[test]
fn sec_05_an_op_is_judged_by_the_rights_its_operator_had_when_it_was_made_not_when_it_was_pushed() {
    let TwoDesks {
        _dir,
        server: _server,
        a,
        _b_dir,
        b,
    } = two_desks(&[("desk1", Role::Desk)], &[]);
    // desk1 holds the bulk-email grant, which lets them write engagement records.
    a.admin.set_bulk_email_grant(&login("desk1"), true).unwrap();
    sync(&a.admin);
    sync(&b);
    let desk1 = sign_in_via(&b, "desk1", STAFF_PASSWORD, a.clock.clone()).unwrap();
    engagement_past_the_desk(&desk1, common::t0());
    // An hour later, on desk A, the grant is taken back; desk B has not synced meanwhile.
    let later = common::t0() + chrono::Duration::hours(1);
    a.clock.set(later);
    a.admin.set_bulk_email_grant(&login("desk1"), false).unwrap();
    sync(&a.admin);
    assert_eq!(sync(&desk1).refused, 0, "made while desk1 held the grant: taken");
    // Made after it: refused.
    engagement_past_the_desk(&desk1, later + chrono::Duration::minutes(5));
    assert_eq!(sync(&desk1).refused, 1, "made after the grant was taken back");
}
