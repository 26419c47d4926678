//! Sync through the real binary: `careerdesk serve` as its own process, `server enrol-code`,
//! `server devices` and `server revoke` talking to it, and two desks' `enrol` and `sync`; bad
//! input is exit 2 with the field named, a refusal exit 4, and nothing is changed by either.

mod common;

use std::path::Path;

use common::serving::{cli_twin, enrol, enrol_code, serve, serve_on, server_cmd, Serving};
use common::{as_op, cli_add_clients, cli_init_with};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

/// Syncs the desk in `dir` as its administrator and gives the report `--format json` prints.
fn sync_json(dir: &Path) -> serde_json::Value {
    let out = as_op(dir, "admin")
        .args(["sync", "--format", "json"])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("a JSON report")
}

#[test]
fn sync_two_desks_enrol_with_a_running_server_and_sync_from_the_command_line() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[("desk1", "desk")]);
    cli_add_clients(|| as_op(a.path(), "admin"), &["C1000001", "C1000002"]);
    // B is a second desk of the same service, set up from A's backup.
    cli_twin(a.path(), b.path());
    cli_add_clients(|| as_op(a.path(), "admin"), &["C1000003"]);
    let s = serve(server_dir.path());

    // Bad input: exit 2, the field named, nothing enrolled.
    as_op(a.path(), "admin")
        .args([
            "enrol",
            "--server",
            &s.addr,
            "--code",
            "X",
            "--fingerprint",
            "SHA256:12",
        ])
        .assert()
        .code(2)
        .stderr(contains("fingerprint"));
    as_op(a.path(), "admin")
        .args([
            "enrol",
            "--server",
            "nowhere",
            "--code",
            "X",
            "--fingerprint",
            &s.fingerprint,
        ])
        .assert()
        .code(2)
        .stderr(contains("HOST:PORT"));
    // Only an administrator enrols a desk.
    as_op(a.path(), "desk1")
        .args([
            "enrol",
            "--server",
            &s.addr,
            "--code",
            "X",
            "--fingerprint",
            &s.fingerprint,
        ])
        .assert()
        .code(4);
    as_op(a.path(), "admin")
        .arg("sync")
        .assert()
        .code(2)
        .stderr(contains("not enrolled"));
    server_cmd(server_dir.path())
        .args(["server", "devices", "--format", "json"])
        .assert()
        .success()
        .stdout(contains("[]"));

    for (dir, name) in [(a.path(), "Main desk"), (b.path(), "Fair laptop")] {
        let code = enrol_code(server_dir.path());
        as_op(dir, "admin")
            .args([
                "enrol",
                "--server",
                &s.addr,
                "--code",
                &code,
                "--fingerprint",
                &s.fingerprint,
            ])
            .args(["--name", name])
            .assert()
            .success()
            .stdout(contains("enrolled with"));
    }
    as_op(a.path(), "desk1")
        .arg("sync")
        .assert()
        .success()
        .stdout(contains("pushed"));
    let report = sync_json(b.path());
    assert!(
        report["new"].as_u64().unwrap() >= 1,
        "B took A's op made after the copy: {report}"
    );
    as_op(b.path(), "admin")
        .args(["sync", "--status"])
        .assert()
        .success()
        .stdout(contains(format!("server {}", s.addr)));

    let out = server_cmd(server_dir.path())
        .args(["server", "devices", "--format", "json"])
        .assert()
        .success();
    let devices: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let list = devices.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|d| d["last_sync"] != "-"), "{devices}");
    let main = list.iter().find(|d| d["name"] == "Main desk").unwrap();
    let terminal = main["terminal"].as_str().unwrap();

    server_cmd(server_dir.path())
        .args(["server", "revoke", "not-an-id"])
        .assert()
        .code(2)
        .stderr(contains("terminal"));
    server_cmd(server_dir.path())
        .args(["server", "revoke", terminal])
        .assert()
        .success()
        .stdout(contains("revoked"));
    as_op(a.path(), "admin")
        .arg("sync")
        .assert()
        .code(4)
        .stderr(contains("revoked"));
    as_op(b.path(), "admin").arg("sync").assert().success();
}

#[test]
fn sync_server_commands_work_on_a_stopped_server_and_say_when_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    server_cmd(dir.path())
        .args(["server", "devices"])
        .assert()
        .code(2)
        .stderr(contains("careerdesk serve --listen"));
    drop(serve(dir.path()));
    // Stopped (killed, leaving its `serving` note behind): the store is used directly.
    let code = enrol_code(dir.path());
    assert!(code.len() >= 16, "{code}");
    server_cmd(dir.path())
        .args(["server", "devices"])
        .assert()
        .success()
        .stdout(contains("TERMINAL"));
}

#[test]
fn sync_a_desk_restored_from_its_backup_pushes_under_a_new_device_and_gets_back_what_it_lost() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[]);
    cli_twin(a.path(), b.path());
    let s = serve(server_dir.path());
    for dir in [a.path(), b.path()] {
        enrol(dir, server_dir.path(), &s);
    }
    as_op(a.path(), "admin").arg("sync").assert().success();
    let backup = a.path().join("backup-1");
    as_op(a.path(), "admin")
        .args(["store", "backup", backup.to_str().unwrap()])
        .assert()
        .success();
    // Two clients made after the backup reach the server; then the desk's disk is lost.
    cli_add_clients(|| as_op(a.path(), "admin"), &["C2000001", "C2000002"]);
    as_op(a.path(), "admin").arg("sync").assert().success();
    as_op(a.path(), "admin")
        .args(["store", "restore", backup.to_str().unwrap()])
        .assert()
        .success();
    cli_add_clients(|| as_op(a.path(), "admin"), &["C2000003"]);
    let report = sync_json(a.path());
    // Its new op goes up under its new device id (no sequence number reused); the two ops its
    // restore lost come back from the server.
    assert!(report["pushed"].as_u64().unwrap() >= 1, "{report}");
    assert!(report["new"].as_u64().unwrap() >= 2, "{report}");
    let b_report = sync_json(b.path());
    assert!(
        b_report["new"].as_u64().unwrap() >= 3,
        "B sees all three clients' ops: {b_report}"
    );
    // Nothing twice: syncing again moves nothing.
    let quiet = sync_json(a.path());
    assert_eq!(quiet["pushed"], 0, "{quiet}");
}

#[test]
fn sync_a_server_restored_from_its_backup_takes_a_new_epoch_and_the_desk_gives_back_what_it_lacks() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[]);
    let backup = tempfile::tempdir().unwrap();
    let s = serve(server_dir.path());
    enrol(a.path(), server_dir.path(), &s);
    as_op(a.path(), "admin").arg("sync").assert().success();
    let addr = s.addr.clone();
    drop(s);
    common::copy_dir(&server_dir.path().join("server"), &backup.path().join("server"));
    let s = serve_on(server_dir.path(), &addr);
    cli_add_clients(|| as_op(a.path(), "admin"), &["C3000001", "C3000002"]);
    as_op(a.path(), "admin").arg("sync").assert().success();
    drop(s);

    // The server's disk is lost: the older copy goes back, marked as restored.
    std::fs::remove_dir_all(server_dir.path().join("server")).unwrap();
    common::copy_dir(&backup.path().join("server"), &server_dir.path().join("server"));
    std::fs::write(server_dir.path().join("server").join("restored"), "").unwrap();
    let _s = serve_on(server_dir.path(), &addr);
    assert!(
        !server_dir.path().join("server").join("restored").exists(),
        "the mark is used once"
    );
    let report = sync_json(a.path());
    assert_eq!(report["server_restored"], true, "{report}");
    assert_eq!(report["pushed"], 2, "the two ops the copy lacked: {report}");
}

#[test]
fn sync_the_server_serves_the_institution_s_policy_versioned_and_each_desk_takes_it_at_its_next_sync() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[]);
    let s = serve(server_dir.path());
    enrol(a.path(), server_dir.path(), &s);
    server_cmd(server_dir.path())
        .args(["server", "policy"])
        .assert()
        .success()
        .stdout(contains("no policy yet"));

    // A policy that does not read is refused with its line named, and nothing is served.
    let standard = careerdesk::policy::example("standard").unwrap().text;
    let bad = server_dir.path().join("bad.toml");
    std::fs::write(&bad, standard.replace("max_contacts = 3", "max_contacts = \"three\"")).unwrap();
    server_cmd(server_dir.path())
        .args(["server", "policy", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(contains("bad.toml"))
        .stderr(contains("max_contacts"));

    let good = server_dir.path().join("institution.toml");
    std::fs::write(&good, standard.replace("max_contacts = 3", "max_contacts = 4")).unwrap();
    server_cmd(server_dir.path())
        .args(["server", "policy", good.to_str().unwrap()])
        .assert()
        .success()
        .stdout(contains("version 1"));
    as_op(a.path(), "admin")
        .arg("sync")
        .assert()
        .success()
        .stdout(contains("policy is now version 1"));
    let now = std::fs::read_to_string(a.path().join("policy.toml")).unwrap();
    assert!(
        now.contains("max_contacts = 4"),
        "the desk's policy file is the server's"
    );
    let kept: Vec<_> = std::fs::read_dir(a.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("policy.toml.before-v1"))
        .collect();
    assert_eq!(kept.len(), 1, "the old file is kept beside it");
    // The next sync takes nothing more; the desk works on under the new policy.
    as_op(a.path(), "admin")
        .arg("sync")
        .assert()
        .success()
        .stdout(predicates::str::contains("policy").not());
    as_op(a.path(), "admin")
        .args(["policy", "check", a.path().join("policy.toml").to_str().unwrap()])
        .assert()
        .success();
    // Any command signs in under it: the new figure is the one in force.
    as_op(a.path(), "admin").args(["sync", "--status"]).assert().success();
}

/// `careerdesk join` on the data folder `dir` as the administrator, with `code`, at `s`.
fn join_cmd(dir: &Path, s: &Serving, code: &str, password: &str) -> assert_cmd::Command {
    let mut c = common::bin_as(dir, "admin", password);
    c.args(["join", "--server", &s.addr, "--code", code]).args([
        "--fingerprint",
        &s.fingerprint,
        "--name",
        "Second desk",
    ]);
    c
}

fn no_store_made(dir: &Path) {
    assert!(!dir.join("store").exists(), "no store in {}", dir.display());
    assert!(!dir.join("policy.toml").exists(), "no policy file in {}", dir.display());
}

#[test]
fn sec_01_a_desk_joined_from_the_command_line_opens_with_the_first_desk_s_own_password() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[("desk1", "desk")]);
    cli_add_clients(|| as_op(a.path(), "admin"), &["C1000001"]);
    let s = serve(server_dir.path());

    // Before any desk has synced, the server holds no institution to join.
    join_cmd(b.path(), &s, &enrol_code(server_dir.path()), common::ADMIN_PASSWORD)
        .assert()
        .failure()
        .stderr(contains("holds no institution yet").and(contains("careerdesk init")));
    no_store_made(b.path());

    enrol(a.path(), server_dir.path(), &s);
    sync_json(a.path());
    let policy = server_dir.path().join("institution.toml");
    std::fs::write(&policy, careerdesk::policy::example("standard").unwrap().text).unwrap();
    server_cmd(server_dir.path())
        .args(["server", "policy", policy.to_str().unwrap()])
        .assert()
        .success();
    let code = enrol_code(server_dir.path());

    // Each wrong thing is refused with what to do, and leaves nothing on the desk.
    join_cmd(b.path(), &s, "AAAA-BBBB-CCCC-DDDD", common::ADMIN_PASSWORD)
        .assert()
        .code(4)
        .stderr(contains("enrolment code is unknown"));
    no_store_made(b.path());
    let mut other = common::bin_as(b.path(), "admin", common::ADMIN_PASSWORD);
    other
        .args(["join", "--server", &s.addr, "--code", &code, "--fingerprint"])
        .arg(careerdesk::sync::tls::show_fingerprint(&[7; 32]))
        .assert()
        .code(4)
        .stderr(contains("is not the one this desk was enrolled with"));
    no_store_made(b.path());
    join_cmd(b.path(), &s, &code, "not-the-password")
        .assert()
        .code(2)
        .stderr(contains("wrong login or password"));
    no_store_made(b.path());
    join_cmd(a.path(), &s, &code, common::ADMIN_PASSWORD)
        .assert()
        .failure()
        .stderr(contains("already holds careerdesk data"));

    // The same code (no refusal spent it) joins, with the first sync's figures.
    let out = join_cmd(b.path(), &s, &code, common::ADMIN_PASSWORD)
        .args(["--format", "json"])
        .assert()
        .success();
    let joined: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert_eq!(joined["key_slots"], 2);
    assert_eq!(joined["policy_version"], 1, "the server's policy");
    assert!(joined["sync"]["new"].as_u64().unwrap() > 0, "{joined}");
    join_cmd(b.path(), &s, &code, common::ADMIN_PASSWORD)
        .assert()
        .failure()
        .stderr(contains("already holds careerdesk data"));

    // The joined store opens with A's operators' own passwords and reads what A made.
    let a_locked = careerdesk::store::LockedStore::open(&a.path().join("store")).unwrap();
    let a_check = a_locked
        .unlock("admin", common::ADMIN_PASSWORD, common::t0())
        .unwrap()
        .institution_check();
    let locked = careerdesk::store::LockedStore::open(&b.path().join("store")).unwrap();
    assert!(locked.unlock("desk1", common::STAFF_PASSWORD, common::t0()).is_ok());
    let store = locked.unlock("admin", common::ADMIN_PASSWORD, common::t0()).unwrap();
    assert_eq!(store.institution_check(), a_check);
    let held = store.remote_ops().unwrap();
    assert!(!held.is_empty());
    for op in &held {
        assert!(store.open_remote_op(op).unwrap().is_some(), "every op of A opens on B");
    }
    assert!(b.path().join("policy.toml").exists());
}

#[test]
fn sync_one_slot_booked_on_two_desks_from_the_command_line_is_confirmed_on_one_and_rebooked_on_the_other() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[("cons1", "consultant")]);
    cli_add_clients(|| as_op(a.path(), "admin"), &["C1000001", "C1000002"]);
    for at in ["2027-03-10 10:00", "2027-03-10 11:00"] {
        as_op(a.path(), "admin")
            .args([
                "slot",
                "add",
                "--consultant",
                "cons1",
                "--type",
                "applications",
                "--at",
                at,
            ])
            .assert()
            .success();
    }
    cli_twin(a.path(), b.path());
    let s = serve(server_dir.path());
    enrol(a.path(), server_dir.path(), &s);
    enrol(b.path(), server_dir.path(), &s);
    sync_json(a.path());
    sync_json(b.path());
    for (dir, client) in [(a.path(), "C1000001"), (b.path(), "C1000002")] {
        as_op(dir, "admin")
            .args([
                "book",
                "--client",
                client,
                "--type",
                "applications",
                "--at",
                "2027-03-10 10:00",
            ])
            .assert()
            .success()
            .stdout(contains("provisional"));
    }
    let on_a = sync_json(a.path());
    assert_eq!(on_a["bookings"]["confirmed"], 1, "{on_a}");
    let on_b = sync_json(b.path());
    assert_eq!(on_b["bookings"]["needs_rebooking"], 1, "{on_b}");
    assert_eq!(on_b["to_rebook"], 1, "{on_b}");
    as_op(b.path(), "admin").args(["conflicts"]).assert().success().stdout(
        contains("needs rebooking")
            .and(contains("C1000002"))
            .and(contains("free: Wed 10 Mar 11:00")),
    );
    as_op(b.path(), "admin")
        .args(["sync", "--status"])
        .assert()
        .success()
        .stdout(contains("1 booking(s) to rebook"));
    sync_json(a.path());
    as_op(a.path(), "admin")
        .args(["conflicts"])
        .assert()
        .success()
        .stdout(contains("no conflicts"));
}

#[test]
fn sync_a_lease_is_taken_listed_refused_to_another_desk_and_handed_back_from_the_command_line() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[("cons1", "consultant")]);
    cli_twin(a.path(), b.path());
    let s = serve(server_dir.path());
    enrol(a.path(), server_dir.path(), &s);
    enrol(b.path(), server_dir.path(), &s);
    sync_json(a.path());
    sync_json(b.path());
    let take = |dir: &Path, from: &str| {
        let mut c = as_op(dir, "admin");
        c.args(["--format", "json", "lease", "take", "--consultant", "cons1"])
            .args(["--from", from, "--to", "2027-03-10 12:00", "--hours", "8"]);
        c
    };
    // Bad input: exit 2, the field named, nothing asked of the server.
    as_op(a.path(), "admin")
        .args([
            "lease",
            "take",
            "--consultant",
            "cons1",
            "--from",
            "soon",
            "--to",
            "2027-03-10 12:00",
        ])
        .assert()
        .code(2)
        .stderr(contains("from"));
    let out = take(a.path(), "2027-03-10 09:00").assert().success();
    let lease: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let id = lease["lease"].as_str().unwrap().to_string();
    as_op(a.path(), "admin")
        .args(["lease", "list"])
        .assert()
        .success()
        .stdout(contains(&id).and(contains("cons1")));
    // The other desk is refused an overlapping lease (exit 4, the reason said).
    take(b.path(), "2027-03-10 11:00")
        .assert()
        .code(4)
        .stderr(contains("another desk holds a lease"));
    as_op(a.path(), "admin")
        .args(["lease", "return", &id])
        .assert()
        .success()
        .stdout(contains("handed back"));
    as_op(a.path(), "admin")
        .args(["lease", "list"])
        .assert()
        .success()
        .stdout(contains("no lease"));
    take(b.path(), "2027-03-10 11:00").assert().success();
}

#[test]
fn sync_a_change_kept_aside_is_merged_again_from_the_command_line_once_what_stopped_it_is_settled() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[]);
    cli_twin(a.path(), b.path());
    let s = serve(server_dir.path());
    enrol(a.path(), server_dir.path(), &s);
    enrol(b.path(), server_dir.path(), &s);
    // One student number registered on both desks offline: A's change waits on B.
    cli_add_clients(|| as_op(a.path(), "admin"), &["C1000009"]);
    cli_add_clients(|| as_op(b.path(), "admin"), &["C1000009"]);
    sync_json(a.path());
    let on_b = sync_json(b.path());
    assert_eq!(on_b["new_conflicts"], 1, "{on_b}");
    let out = as_op(b.path(), "admin")
        .args(["conflicts", "--format", "json"])
        .assert()
        .success();
    let listed: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let change = format!(
        "{}:{}",
        listed[0]["device"].as_str().expect("a device"),
        listed[0]["seq"]
    );
    as_op(b.path(), "admin")
        .args(["conflicts"])
        .assert()
        .success()
        .stdout(contains(change.as_str()).and(contains("--retry")));
    // Tried before anything is settled, it still waits and says why.
    as_op(b.path(), "admin")
        .args(["conflicts", "--retry", &change])
        .assert()
        .success()
        .stdout(contains("still waits").and(contains("student number")));
    // B's record was the mistake: erased, the number is free and A's change merges.
    as_op(b.path(), "admin")
        .args(["erase", "C1000009", "--reason", "registered twice", "--yes"])
        .assert()
        .success();
    as_op(b.path(), "admin")
        .args(["conflicts", "--retry", &change])
        .assert()
        .success()
        .stdout(contains("merged"));
    as_op(b.path(), "admin")
        .args(["conflicts"])
        .assert()
        .success()
        .stdout(contains("no conflicts"));
    as_op(b.path(), "admin")
        .args(["client", "show", "C1000009"])
        .assert()
        .success();
    as_op(b.path(), "admin")
        .args(["conflicts", "--retry", "nonsense"])
        .assert()
        .code(2)
        .stderr(contains("DEVICE:OP"));
}
