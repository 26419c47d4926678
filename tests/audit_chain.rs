//! The tamper-evident audit log through the command line (issue 11 item 5): editing, removing
//! or swapping one entry in the store's sled tree makes `audit verify` fail (exit 1) and name it.

mod common;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const ADMIN_PW: &str = "admin-password-1";

fn cd(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("careerdesk").unwrap();
    c.env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .env_remove("CAREERDESK_OPERATOR")
        .env_remove("CAREERDESK_PASSWORD");
    c
}

fn as_admin(dir: &Path) -> Command {
    common::bin_as(dir, "admin", ADMIN_PW)
}

/// A store with a handful of audit entries: init, sign-ins and a client added.
fn store_with_entries(dir: &Path) {
    cd(dir)
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .args(["init", "--policy", "standard", "--admin", "admin"])
        .assert()
        .success();
    as_admin(dir)
        .args(["client", "add", "--student-number", "10234567", "--name", "Test Person"])
        .args([
            "--email",
            "s10234567@student.example.ac.uk",
            "--programme",
            "BSc Physics",
        ])
        .args(["--level", "ug", "--status", "student", "--course-end", "2028-06-30"])
        .assert()
        .success();
    as_admin(dir).args(["client", "show", "10234567"]).assert().success();
}

/// Opens the store's sled database directly, as someone with the files but not the key would.
fn with_db<T>(dir: &Path, f: impl FnOnce(&sled::Db) -> T) -> T {
    let db = sled::Config::new().path(dir.join("store")).open().unwrap();
    let out = f(&db);
    db.flush().unwrap();
    drop(db);
    out
}

/// The audit entries' keys and sealed values, in key order.
fn entries(db: &sled::Db) -> Vec<(sled::IVec, sled::IVec)> {
    db.open_tree("audit").unwrap().iter().map(|r| r.unwrap()).collect()
}

fn id_of(key: &[u8]) -> String {
    ulid::Ulid(u128::from_be_bytes(key.try_into().unwrap())).to_string()
}

/// Flips one bit of the second audit entry's sealed bytes, as someone with the files could;
/// returns its id.
fn edit_second_entry(dir: &Path) -> String {
    with_db(dir, |db| {
        let all = entries(db);
        let (k, v) = &all[1];
        let mut edited = v.to_vec();
        let last = edited.len() - 1;
        edited[last] ^= 0x01;
        db.open_tree("audit").unwrap().insert(k, edited).unwrap();
        id_of(k)
    })
}

fn verify_fails_naming(dir: &Path, id: &str, position: usize, problem: &str) {
    as_admin(dir).args(["audit", "verify"]).assert().code(1).stderr(
        predicate::str::contains(id)
            .and(predicate::str::contains(format!("position {position} ")))
            .and(predicate::str::contains(problem)),
    );
}

#[test]
fn an_untouched_log_verifies_and_says_how_many_entries_it_checked() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let before = with_db(tmp.path(), |db| entries(db).len());
    // The verifying sign-in is itself an audit entry, chained before the check runs.
    as_admin(tmp.path())
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("{} entries checked", before + 1)));
}

#[test]
fn editing_one_entry_makes_verify_fail_and_name_it() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let id = edit_second_entry(tmp.path());
    verify_fails_naming(tmp.path(), &id, 2, "was changed or moved");
}

#[test]
fn replacing_an_entry_with_a_copy_of_another_is_seen() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let id = with_db(tmp.path(), |db| {
        let all = entries(db);
        db.open_tree("audit")
            .unwrap()
            .insert(&all[2].0, all[1].1.clone())
            .unwrap();
        id_of(&all[2].0)
    });
    verify_fails_naming(tmp.path(), &id, 3, "was changed or moved");
}

#[test]
fn deleting_one_entry_makes_verify_fail_and_name_it() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let id = with_db(tmp.path(), |db| {
        let all = entries(db);
        db.open_tree("audit").unwrap().remove(&all[1].0).unwrap();
        id_of(&all[1].0)
    });
    verify_fails_naming(tmp.path(), &id, 2, "was removed");
}

#[test]
fn deleting_an_entry_with_its_link_is_still_named() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let id = with_db(tmp.path(), |db| {
        let all = entries(db);
        db.open_tree("audit").unwrap().remove(&all[2].0).unwrap();
        db.open_tree("audit_chain").unwrap().remove(&all[2].0).unwrap();
        id_of(&all[2].0)
    });
    verify_fails_naming(tmp.path(), &id, 3, "was removed");
}

#[test]
fn deleting_the_newest_entry_is_seen() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let (id, position) = with_db(tmp.path(), |db| {
        let all = entries(db);
        let (k, _) = all.last().unwrap();
        db.open_tree("audit").unwrap().remove(k).unwrap();
        (id_of(k), all.len())
    });
    verify_fails_naming(tmp.path(), &id, position, "was removed");
}

#[test]
fn swapping_two_entries_makes_verify_fail_and_name_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let id = with_db(tmp.path(), |db| {
        let all = entries(db);
        let audit = db.open_tree("audit").unwrap();
        audit.insert(&all[1].0, all[2].1.clone()).unwrap();
        audit.insert(&all[2].0, all[1].1.clone()).unwrap();
        id_of(&all[1].0)
    });
    verify_fails_naming(tmp.path(), &id, 2, "was changed or moved");
}

#[test]
fn an_entry_added_outside_the_chain_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let id = with_db(tmp.path(), |db| {
        let all = entries(db);
        // A forged entry slotted in by key between two real ones.
        let before = u128::from_be_bytes(all[1].0.as_ref().try_into().unwrap());
        let forged = (before + 1).to_be_bytes();
        db.open_tree("audit").unwrap().insert(forged, all[1].1.clone()).unwrap();
        id_of(&forged)
    });
    verify_fails_naming(tmp.path(), &id, 3, "is not in the chain");
}

#[test]
fn a_store_from_before_the_chain_links_its_entries_and_then_guards_them() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    // As a store made before the chain: no links and no head.
    let (count, id) = with_db(tmp.path(), |db| {
        db.drop_tree("audit_chain").unwrap();
        db.open_tree("meta").unwrap().remove("audit_head").unwrap();
        let all = entries(db);
        (all.len(), id_of(&all[0].0))
    });
    as_admin(tmp.path())
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("{} entries checked", count + 1)));
    // The old entries now start the chain, so editing the oldest is seen.
    with_db(tmp.path(), |db| {
        let all = entries(db);
        let mut v = all[0].1.to_vec();
        v[0] ^= 0x80;
        db.open_tree("audit").unwrap().insert(&all[0].0, v).unwrap();
    });
    verify_fails_naming(tmp.path(), &id, 1, "was changed or moved");
}

#[test]
fn verify_is_for_supervisors_and_admins_only() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    as_admin(tmp.path())
        .args(["operator", "add", "desk1", "--name", "Dee Desk", "--role", "desk"])
        .args(["--trained", "2026-01-05", "--password-stdin"])
        .write_stdin("desk-password-1\n")
        .assert()
        .success();
    cd(tmp.path())
        .env("CAREERDESK_PASSWORD", "desk-password-1")
        .args(["--as", "desk1", "audit", "verify"])
        .assert()
        .code(4);
}

#[test]
fn the_log_filters_by_action_and_refuses_an_unknown_action() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    as_admin(tmp.path())
        .args(["audit", "--action", "create", "--client", "10234567"])
        .assert()
        .success()
        .stdout(predicate::str::contains("create").and(predicate::str::contains("sign-in").not()));
    as_admin(tmp.path())
        .args(["audit", "--action", "reed"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-note"));
    as_admin(tmp.path())
        .args(["audit", "--from", "2026-12-02", "--to", "2026-12-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("before --from"));
}

#[test]
fn reseal_and_rotate_keys_refuse_a_broken_chain_and_leave_the_edit_for_verify_to_name() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_entries(tmp.path());
    let id = edit_second_entry(tmp.path());
    for cmd in [&["store", "reseal"][..], &["store", "rotate-keys"][..]] {
        let out = as_admin(tmp.path()).args(cmd).output().unwrap();
        assert!(!out.status.success(), "{cmd:?} went ahead over a broken chain");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("chain is broken") && err.contains(&id) && err.contains("nothing was re-sealed"),
            "{cmd:?}: {err}"
        );
    }
    // Recomputing the links would have covered the edit over: verify still names it.
    verify_fails_naming(tmp.path(), &id, 2, "was changed or moved");
}
