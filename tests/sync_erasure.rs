//! Erasure through sync (DATA-05): an erasure reaches the server and every desk, a stale desk's
//! ops about the client are dropped and no file holds them in the clear, and a client key that
//! travelled with an op is destroyed with the client.

mod common;

use std::path::Path;

use careerdesk::desk::Desk;
use common::desks::{enrol_desk, enrolled, sync, twin};
use common::server::Running;
use common::{add, new_client, World};

/// Every file under `dir`, with its bytes.
fn files_under(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p.display().to_string(), bytes));
        }
    }
}

#[test]
fn data_05_an_erasure_reaches_the_server_and_every_desk_and_a_stale_desk_s_ops_about_the_client_are_dropped() {
    const CANARY: &[u8] = b"Zyqsynccanary";
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("server"));
    let a = World::new(common::t0(), &[], &[("A0000001", "Zyqsynccanary Person")]);
    // Two more desks of the institution, set up from A's backup: both hold the client.
    let (b_dir, b) = twin(&a, a.clock.clone());
    let (_c_dir, c) = twin(&a, a.clock.clone());
    enrolled(&a, &server, "Main desk");
    enrol_desk(&b, &server, "Second desk");
    sync(&a.admin);
    sync(&b);
    let sn = common::sn("A0000001");
    let client = a.admin.client_by_student_number(&sn).unwrap().id.0;

    // A laptop leaves with a copy of desk A's data (its backup, restored there): it is stale.
    let a_paths = careerdesk::paths::Paths::resolve(a.admin.store().path().parent());
    let backup = dir.path().join("laptop-backup");
    std::fs::write(a_paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    a.admin.backup(&a_paths, &backup).unwrap();
    let laptop_dir = tempfile::tempdir().unwrap();
    let laptop_paths = careerdesk::paths::Paths::resolve(Some(laptop_dir.path()));
    Desk::restore(&laptop_paths, &backup, "admin", common::ADMIN_PASSWORD, a.clock.clone()).unwrap();
    let laptop = common::sign_in(laptop_dir.path(), "admin", common::ADMIN_PASSWORD, a.clock.clone()).unwrap();

    // A supervisor erases the client on desk A, which syncs.
    a.admin
        .erase_client(&a_paths, &sn, "the student asked (DATA-05)")
        .unwrap();
    sync(&a.admin);
    assert!(server.relay().is_erased(client).unwrap());

    // Offline, the laptop still has the client and changes them; then it syncs.
    laptop.block_client(&sn, "late for three appointments", None).unwrap();
    let report = sync(&laptop);
    assert_eq!(report.erasures_applied, 1, "the laptop carries out the erasure");
    assert!(
        laptop.client_by_student_number(&sn).is_err(),
        "the client is gone from the laptop"
    );
    assert!(!laptop.store().holds_subject_key(client), "and so is their key");
    assert_eq!(sync(&b).erasures_applied, 1, "desk B carries it out too");
    assert!(b.client_by_student_number(&sn).is_err());

    // On the server, every op about the client has lost its content, the laptop's late one too.
    let all = server.relay().pull(0, 100_000, usize::MAX).unwrap();
    let about: Vec<_> = all.iter().filter(|(_, o)| o.subjects.contains(&client)).collect();
    assert!(
        about.len() >= 2,
        "the create and the laptop's later change: {}",
        about.len()
    );
    assert!(
        report.pushed >= 1,
        "the laptop's change reached the server, which dropped it"
    );
    assert!(about.iter().all(|(_, o)| o.body.is_dropped()));
    for desk in [&b, &laptop] {
        for op in desk.store().remote_ops().unwrap() {
            if op.subjects.contains(&client) {
                assert!(op.body.is_dropped());
            }
        }
        for v in desk.store().every_value().unwrap() {
            if let Some(p) = &v.plain {
                assert!(
                    !p.windows(CANARY.len()).any(|w| w == CANARY),
                    "readable canary in `{}`",
                    v.tree
                );
            }
        }
        desk.store().flush().unwrap();
    }
    // No file anywhere, server included, holds the name in the clear.
    let mut all_files = Vec::new();
    for d in [dir.path(), laptop_dir.path(), a._tmp.path(), b_dir.path()] {
        files_under(d, &mut all_files);
    }
    for (path, bytes) in &all_files {
        assert!(
            !bytes.windows(CANARY.len()).any(|w| w == CANARY),
            "plain canary in {path}"
        );
    }
    // A desk that comes online only now erases the client at its first sync and takes
    // nothing of them.
    enrol_desk(&c, &server, "New desk");
    assert_eq!(sync(&c).erasures_applied, 1);
    assert!(c.client_by_student_number(&sn).is_err());
    for op in c.store().remote_ops().unwrap() {
        if op.subjects.contains(&client) {
            assert!(op.body.is_dropped());
        }
    }
    server.stop();
}

#[test]
fn sync_a_client_made_on_one_desk_opens_on_another_and_their_key_goes_at_an_erasure() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    let (_b_dir, b) = twin(&a, a.clock.clone());
    enrolled(&a, &server, "Main desk");
    enrol_desk(&b, &server, "Second desk");
    // Made on A after B was set up: B has no key for them but the one that travels.
    let made = add(&a.admin, &new_client("A0000002", "Zyqtravel Person")).unwrap();
    let id = made.id.0;
    assert!(!b.store().holds_subject_key(id));
    sync(&a.admin);
    sync(&b);
    assert!(b.store().holds_subject_key(id), "the key came with the op");
    let about: Vec<_> = b
        .store()
        .remote_ops()
        .unwrap()
        .into_iter()
        .filter(|o| o.subjects.contains(&id))
        .collect();
    assert!(!about.is_empty());
    let opened = b.store().open_remote_op(&about[0]).unwrap().expect("not dropped");
    let created = opened.changes.iter().any(|c| match c {
        careerdesk::domain::change::Change::Create { record, fields, .. } => {
            record.id == id && fields.values().any(|v| v.contains("Zyqtravel Person"))
        }
        _ => false,
    });
    assert!(created, "B reads the client A made: {:?}", opened.changes);

    // A erases them: the op and the key go from B at its next sync.
    let a_paths = careerdesk::paths::Paths::resolve(a.admin.store().path().parent());
    a.admin
        .erase_client(&a_paths, &common::sn("A0000002"), "the student asked (DATA-05)")
        .unwrap();
    sync(&a.admin);
    sync(&b);
    assert!(
        !b.store().holds_subject_key(id),
        "B destroyed the key it had been given"
    );
    for op in b
        .store()
        .remote_ops()
        .unwrap()
        .iter()
        .filter(|o| o.subjects.contains(&id))
    {
        assert_eq!(b.store().open_remote_op(op).unwrap(), None, "dropped");
    }
    server.stop();
}
