//! What becomes of a change the roster refuses (SEC-05, DATA-05; decision 0022): a refused
//! change is dismissed by a supervisor with a reason and never comes back; keys are not
//! rotated while the server lacks a desk's signed changes; and a desk does not carry out an
//! erasure its own roster does not allow, whatever the server relays.

mod common;

use careerdesk::domain::operator::Role;
use common::desks::{enrolled, give_roles_past_the_desk, sync, twin, two_desks, TwoDesks};
use common::server::Running;
use common::{sign_in_via, World, STAFF_PASSWORD};

#[test]
fn sec_05_a_refused_change_is_dismissed_only_by_a_supervisor_with_a_reason_audited_and_never_put_back() {
    let TwoDesks {
        _dir,
        server: _server,
        a,
        _b_dir,
        b,
    } = two_desks(
        &[("desk1", Role::Desk), ("desk2", Role::Desk), ("sup1", Role::Supervisor)],
        &[],
    );
    sync(&a.admin);
    // On desk B, desk1's session writes their own account twice, past the desk: both refused.
    let desk1 = sign_in_via(&b, "desk1", STAFF_PASSWORD, a.clock.clone()).unwrap();
    for roles in [vec![Role::Supervisor], vec![Role::Admin]] {
        give_roles_past_the_desk(&desk1, "desk1", roles, desk1.operator().id);
    }
    assert_eq!(sync(&desk1).refused, 2);
    let refused: Vec<String> = desk1
        .sync_conflicts()
        .unwrap()
        .iter()
        .filter(|c| c.settle == careerdesk::desk::Settling::Dismiss)
        .map(|c| format!("{}:{}", c.device, c.seq))
        .collect();
    assert_eq!(refused.len(), 2);

    // Desk staff may not dismiss; a supervisor must say why; only a waiting change goes.
    let denied = desk1.dismiss_refused(&refused[0], "done again").unwrap_err();
    assert_eq!(denied.exit_code(), 4, "{denied}");
    drop(desk1);
    let sup = sign_in_via(&b, "sup1", STAFF_PASSWORD, a.clock.clone()).unwrap();
    let no_reason = sup.dismiss_refused(&refused[0], "   ").unwrap_err().to_string();
    assert!(no_reason.contains("reason"), "{no_reason}");
    let unknown = sup
        .dismiss_refused(&format!("{}:999999", &refused[0][..32]), "x")
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("no change"), "{unknown}");
    let done = sup
        .dismiss_refused(&refused[0], "the administrator gave the role on desk A")
        .unwrap();
    assert!(
        done.refused.contains("may not change staff account records"),
        "{}",
        done.refused
    );
    let left = sup.sync_conflicts().unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    // The server names a refusal at every push that covers it: a dismissed one is not put back.
    let (device, seq) = refused[0].split_once(':').unwrap();
    let device = careerdesk::domain::ids::DeviceId(u128::from_str_radix(device, 16).unwrap());
    let put_back = sup
        .store()
        .put_refused(device, seq.parse().unwrap(), "named again", common::t0())
        .unwrap();
    assert!(!put_back);
    sync(&sup);
    assert_eq!(sup.sync_conflicts().unwrap().len(), 1);
    let audited: Vec<_> = sup
        .audit_log()
        .unwrap()
        .into_iter()
        .flatten()
        .filter(|e| e.detail.contains(&format!("dismissed change {}", refused[0])))
        .collect();
    assert_eq!(audited.len(), 1);
    assert_eq!(
        audited[0].reason.as_deref(),
        Some("the administrator gave the role on desk A")
    );
    drop(sup);
    drop(b);

    // The other from the command line: the list says how, a reason is required, and it goes.
    let b_dir = _b_dir.path();
    common::as_op(b_dir, "sup1")
        .arg("conflicts")
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "careerdesk conflicts --dismiss DEVICE:OP --reason TEXT",
        ));
    common::as_op(b_dir, "sup1")
        .args(["conflicts", "--dismiss", &refused[1]])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--reason"));
    // Hostile input: a change that names nothing, a reason with terminal controls, a retry
    // beside a dismissal; each refused with what was wrong, and nothing leaves the queue.
    for (args, says) in [
        (
            vec!["--dismiss", "../../etc/passwd", "--reason", "x"],
            "names no change",
        ),
        (vec!["--dismiss", &refused[1], "--reason", "ok\u{1b}[2J"], "reason"),
        (
            vec!["--dismiss", &refused[1], "--reason", "x", "--retry", &refused[1]],
            "cannot be used with",
        ),
    ] {
        common::as_op(b_dir, "sup1")
            .arg("conflicts")
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(says));
    }
    // (desk1 is not asked: their refused change still stands on this desk until it is put back.)
    common::as_op(b_dir, "desk2")
        .args(["conflicts", "--dismiss", &refused[1], "--reason", "done"])
        .assert()
        .code(4);
    common::as_op(b_dir, "sup1")
        .args([
            "conflicts",
            "--dismiss",
            &refused[1],
            "--reason",
            "not needed: desk1 stays desk staff",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("is off the queue"));
    common::as_op(b_dir, "sup1")
        .arg("conflicts")
        .assert()
        .success()
        .stdout(predicates::str::contains("no conflicts"));
}

#[test]
fn sec_05_keys_are_not_rotated_on_a_desk_that_syncs_while_the_server_lacks_its_signed_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("server"));
    let a = World::new(common::t0(), &[("desk1", Role::Desk)], &[("A0000001", "Ada Lovelace")]);
    common::add(&a.as_("desk1"), &common::new_client("A0000003", "Grace Hopper")).unwrap();
    // Not enrolled: nothing to keep in step, and the keys rotate. The administrator signs
    // again every op sealed again, desk1's too, so the first push still proves who made them.
    a.admin.rotate_keys(None).unwrap();
    enrolled(&a, &server, "Main desk");
    assert_eq!(sync(&a.admin).refused, 0, "{:?}", a.admin.sync_conflicts().unwrap());
    let ops = server.relay().terminal_ops().unwrap();
    assert!(
        ops.iter().all(|o| o.unsigned_taken == 0 && o.refused.is_empty()),
        "{ops:?}"
    );
    common::add(&a.admin, &common::new_client("A0000002", "Alan Turing")).unwrap();
    let refused = a.admin.rotate_keys(None).unwrap_err();
    assert_eq!(refused.exit_code(), 2, "{refused}");
    assert!(refused.to_string().contains("sync first"), "{refused}");
    assert_eq!(sync(&a.admin).refused, 0);
    a.admin.rotate_keys(None).unwrap();
    // What was pushed before keeps its bytes on the server; what comes after is signed anew.
    let paths = careerdesk::paths::Paths::resolve(a.admin.store().path().parent());
    let sn = common::sn("A0000001");
    let client = a.admin.client_by_student_number(&sn).unwrap().id.0;
    a.admin
        .erase_client(&paths, &sn, "the student asked (DATA-05)")
        .unwrap();
    assert_eq!(sync(&a.admin).refused, 0, "the erasure after the rotation is taken");
    assert!(server.relay().is_erased(client).unwrap());
}

#[test]
fn data_05_a_desk_does_not_carry_out_an_erasure_its_own_roster_does_not_allow_whatever_the_server_relays() {
    let a = World::new(
        common::t0(),
        &[],
        &[("A0000001", "Ada Lovelace"), ("A0000002", "Alan Turing")],
    );
    let (_b_dir, b) = twin(&a, a.clock.clone());
    let (ada, alan) = (common::sn("A0000001"), common::sn("A0000002"));
    let alan_id = a.admin.client_by_student_number(&alan).unwrap().id.0;
    let paths = careerdesk::paths::Paths::resolve(a.admin.store().path().parent());
    let before = a.admin.store().sealed_ops_after(0, usize::MAX).unwrap().len() as u64;
    a.admin
        .erase_client(&paths, &ada, "the student asked (DATA-05)")
        .unwrap();
    common::add(&a.admin, &common::new_client("A0000003", "Grace Hopper")).unwrap();
    let ops = a.admin.store().sealed_ops_after(before, usize::MAX).unwrap();
    let erasure = ops
        .iter()
        .find(|o| !o.erases.is_empty())
        .expect("the erasure op")
        .clone();
    // A server that lies: Alan added to the signed erasure (its signature no longer opens),
    // and an unsigned erasure of Alan made up from another op, dated now.
    let mut widened = erasure.clone();
    widened.erases.push(alan_id);
    widened.drop_content();
    let mut made_up = ops.iter().find(|o| o.erases.is_empty()).expect("another op").clone();
    made_up.erases = vec![alan_id];
    made_up.signature = None;
    for (n, forged) in [widened, made_up].into_iter().enumerate() {
        let taken = b
            .store()
            .take_remote_ops(&[(n as u64 + 1, forged)], n as u64 + 1)
            .unwrap();
        assert!(taken.erased.is_empty(), "nothing is erased here");
    }
    assert!(b.client_by_student_number(&alan).is_ok());
    assert!(b.client_by_student_number(&ada).is_ok());
    let waiting = b.sync_conflicts().unwrap();
    let not_allowed: Vec<_> = waiting.iter().filter(|c| c.what.contains("does not allow")).collect();
    assert_eq!(not_allowed.len(), 2, "{waiting:?}");
    assert!(not_allowed
        .iter()
        .all(|c| c.settle == careerdesk::desk::Settling::Dismiss));
    assert!(not_allowed.iter().any(|c| c.what.contains("signature does not match")));
    assert!(not_allowed.iter().any(|c| c.what.contains("it was not signed")));
    // The erasure as its maker signed it, content dropped by the server as it relays it:
    // carried out.
    let mut relayed = erasure;
    relayed.drop_content();
    let taken = b.store().take_remote_ops(&[(3, relayed)], 3).unwrap();
    assert_eq!(taken.erased.len(), 1);
}
