//! Backups and restore, refused sign-ins kept sealed, owner-only files, and a demo load that
//! was stopped part-way: through the binary where a user would, through the desk otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use careerdesk::desk::{Desk, NewClient};
use careerdesk::domain::operator::Role;
use careerdesk::paths::Paths;
use careerdesk::store::LockedStore;
use common::{clock, new_client, policy, staff, ADMIN_PASSWORD, STAFF_PASSWORD};

fn cd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("careerdesk").unwrap();
    c.env("CAREERDESK_DATA_DIR", data)
        .env("HOME", data)
        .env("CAREERDESK_PASSWORD", ADMIN_PASSWORD)
        .env_remove("CAREERDESK_OPERATOR");
    c
}

fn admin(data: &Path) -> Command {
    let mut c = cd(data);
    c.args(["--as", "admin"]);
    c
}

fn init(data: &Path) {
    cd(data)
        .args(["init", "--policy", "standard", "--admin", "admin"])
        .assert()
        .success();
}

fn add_client(data: &Path, sn: &str, name: &str) {
    admin(data)
        .args(["client", "add", "--student-number", sn, "--name", name])
        .args([
            "--email",
            &format!("s{sn}@student.example.ac.uk"),
            "--programme",
            "BSc Physics",
        ])
        .args(["--level", "ug", "--status", "student"])
        .assert()
        .success();
}

fn stdout(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn device_id(store: &Path) -> Vec<u8> {
    let db = common::raw_sled(store);
    let id = db
        .open_tree("meta")
        .unwrap()
        .get(b"device_id")
        .unwrap()
        .unwrap()
        .to_vec();
    drop(db);
    std::thread::sleep(std::time::Duration::from_millis(200));
    id
}

fn sign_in(store: &Path) -> Desk {
    let locked = LockedStore::open(store).unwrap();
    Desk::sign_in(
        &locked,
        policy(),
        "admin",
        ADMIN_PASSWORD,
        Arc::new(careerdesk::desk::SystemClock),
    )
    .unwrap()
}

#[test]
fn a_backup_restores_the_old_state_with_a_new_device_id_and_keeps_the_replaced_store() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init(&data);
    add_client(&data, "10000001", "Ada Before");
    let backup = tmp.path().join("monday");
    let made = stdout(admin(&data).args(["--format", "json", "store", "backup"]).arg(&backup));
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    assert!(made["gate_held_ms"].is_u64() && made["manifest"]["keys"].as_u64().unwrap() > 5);
    assert!(backup.join("careerdesk-backup.json").exists() && backup.join("policy.toml").exists());
    // Changes after the backup.
    add_client(&data, "10000002", "Zed After");
    let old_device = device_id(&data.join("store"));

    let out = stdout(admin(&data).args(["store", "restore"]).arg(&backup));
    assert!(
        out.contains("restored the backup") && out.contains("now has device id"),
        "{out}"
    );
    // The old state: Ada is there, Zed is not.
    admin(&data).args(["client", "show", "10000001"]).assert().success();
    admin(&data).args(["client", "show", "10000002"]).assert().code(2);
    let new_device = device_id(&data.join("store"));
    assert_ne!(old_device, new_device);
    // The replaced store is kept, Zed in it; the backup itself is unchanged and reusable.
    let kept: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("store.before-restore-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(sign_in(&kept[0])
        .client_by_student_number(&common::sn("10000002"))
        .is_ok());
    assert!(std::fs::read_dir(&data).unwrap().flatten().any(|e| e
        .file_name()
        .to_string_lossy()
        .starts_with("policy.toml.before-restore-")));
    // The audit log says so, and new changes are this device's, numbered after the backup's.
    let audit = stdout(admin(&data).args(["audit"]));
    assert!(audit.contains("restored from the backup"), "{audit}");
    let desk = sign_in(&data.join("store"));
    let before = desk.store().last_op().unwrap().unwrap();
    common::add(&desk, &new_client("10000003", "Cy New")).unwrap();
    let op = desk.store().last_op().unwrap().unwrap();
    assert_eq!(op.device, desk.store().device());
    assert_ne!(op.device, before.device);
    assert_eq!(op.seq, before.seq + 1);
    drop(desk);
    // Restoring needs an administrator of the backup.
    cd(&data)
        .env("CAREERDESK_PASSWORD", "wrong-password-1")
        .args(["--as", "admin", "store", "restore"])
        .arg(&backup)
        .assert()
        .code(4);
}

#[test]
fn automatic_backups_one_a_day_the_last_n_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init(&data);
    let policy_file = data.join("policy.toml");
    let text = std::fs::read_to_string(&policy_file).unwrap();
    std::fs::write(&policy_file, text.replace("keep = 14", "keep = 2")).unwrap();
    let first = stdout(admin(&data).args(["store", "backup", "--auto"]));
    assert!(first.contains("backed up the store"), "{first}");
    let again = stdout(admin(&data).args(["store", "backup", "--auto"]));
    assert!(again.contains("already made"), "{again}");
    let backups = data.join("backups");
    let today = std::fs::read_dir(&backups).unwrap().flatten().next().unwrap().path();
    // Two older backups, a folder that is not one, and today's gone again.
    for old in ["2000-01-01", "2000-01-02"] {
        copy(&today, &backups.join(old));
    }
    std::fs::create_dir_all(backups.join("2000-01-03")).unwrap();
    std::fs::remove_dir_all(&today).unwrap();
    let made = stdout(admin(&data).args(["--format", "json", "store", "backup", "--auto"]));
    let made: serde_json::Value = serde_json::from_str(&made).unwrap();
    assert_eq!(made["result"], "made");
    let pruned: Vec<&str> = made["pruned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(pruned.len(), 1);
    assert!(pruned[0].ends_with("2000-01-01"));
    let mut left: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left.len(), 3, "{left:?}");
    assert_eq!(&left[..2], ["2000-01-02", "2000-01-03"]);
    // Desk staff's sessions make it too (the policy asks, not the operator); off means off.
    admin(&data)
        .args([
            "operator",
            "add",
            "desk9",
            "--name",
            "Desk Nine",
            "--role",
            "desk",
            "--password-stdin",
        ])
        .write_stdin(format!("{STAFF_PASSWORD}\n"))
        .assert()
        .success();
    std::fs::remove_dir_all(backups.join(&left[2])).unwrap();
    cd(&data)
        .env("CAREERDESK_PASSWORD", STAFF_PASSWORD)
        .args(["--as", "desk9", "store", "backup", "--auto"])
        .assert()
        .success();
    cd(&data)
        .env("CAREERDESK_PASSWORD", STAFF_PASSWORD)
        .args(["--as", "desk9", "store", "backup"])
        .arg(tmp.path().join("manual"))
        .assert()
        .code(4);
    let text = std::fs::read_to_string(&policy_file).unwrap();
    std::fs::write(&policy_file, text.replace("automatic = true", "automatic = false")).unwrap();
    let off = stdout(admin(&data).args(["store", "backup", "--auto"]));
    assert!(off.contains("off"), "{off}");
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

const DEMO_CLIENTS: usize = 150;

/// A store with enough demo data that copying it takes a while, its administrator, and a
/// second desk (desk9) to write while a backup runs.
fn busy_store(dir: &Path) -> (Paths, Desk, Desk) {
    let paths = Paths::resolve(Some(dir));
    let clock = clock();
    let admin = Desk::init(
        &paths.store(),
        policy(),
        "admin",
        "Admin",
        ADMIN_PASSWORD,
        clock.clone(),
    )
    .unwrap();
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    careerdesk::demo::generate(&admin, DEMO_CLIENTS, 1, &careerdesk::demo::Progress::Hidden).unwrap();
    admin
        .add_operator(&staff("desk9", &[Role::Desk], Some("2026-01-01")))
        .unwrap();
    let writer = Desk::sign_in(&admin.locked(), policy(), "desk9", STAFF_PASSWORD, clock).unwrap();
    (paths, admin, writer)
}

/// Adds clients through `writer` (student numbers from `first`) until `stop` or `max` of them;
/// the thread returns how many it added.
fn keep_adding(
    writer: Desk,
    stop: Arc<std::sync::atomic::AtomicBool>,
    max: u32,
    first: u32,
) -> std::thread::JoinHandle<u32> {
    std::thread::spawn(move || {
        let mut n = 0u32;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < max {
            let c = NewClient {
                email: format!("c{}@student.example.ac.uk", first + n),
                ..new_client(&format!("{}", first + n), "Busy Client")
            };
            common::add(&writer, &c).unwrap();
            n += 1;
        }
        n
    })
}

#[test]
fn a_backup_made_while_commits_go_on_holds_no_half_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let (paths, admin, writer) = busy_store(tmp.path());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let adding = keep_adding(writer, stop.clone(), 400, 20_000_000);
    let mut backups = Vec::new();
    for i in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        backups.push(admin.backup(&paths, &tmp.path().join(format!("b{i}"))).unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let added = adding.join().unwrap();
    assert!(added > 0);
    for b in &backups {
        let locked = LockedStore::open(&b.path.join("store")).unwrap();
        let store = locked.unlock("admin", ADMIN_PASSWORD, common::t0()).unwrap();
        let report = store.check().unwrap();
        assert!(report.is_clean(), "{}: {:?}", b.path.display(), report.problems);
        // Every op has its record and every record its op: one each for the administrator,
        // the demo staff and desk9, then one per client added (demo clients have none).
        let clients = store.count::<careerdesk::domain::client::Client>().unwrap();
        assert_eq!(report.ops, clients - DEMO_CLIENTS + 3, "{}", b.path.display());
    }
}

#[test]
fn sec_01_a_refused_login_is_sealed_short_and_readable_in_the_audit_log() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init(&data);
    let typed = format!("canary-login-q7{}", "x".repeat(100_000));
    let out = cd(&data)
        .arg("--as")
        .arg(&typed)
        .args(["client", "find", "a"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(
        !files_containing(&data, b"canary-login-q7"),
        "the typed login is on disk in plain text"
    );
    let audit = admin(&data).args(["--format", "json", "audit"]).output().unwrap();
    assert!(audit.status.success(), "{}", String::from_utf8_lossy(&audit.stderr));
    assert!(!String::from_utf8_lossy(&audit.stderr).contains("panicked"));
    let entries: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let refused: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sign-in-refused")
        .map(|e| e["login"].as_str().unwrap())
        .collect();
    assert_eq!(refused.len(), 1);
    assert!(refused[0].starts_with("canary-login-q7xxx") && refused[0].ends_with('…'));
    assert_eq!(
        refused[0].chars().count(),
        careerdesk::store::MAX_RECORDED_LOGIN_CHARS + 1
    );
    // The table form is fine too.
    admin(&data).args(["audit"]).assert().success();
}

#[test]
fn a_store_made_before_the_sign_in_key_records_refusals_without_the_login() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init(&data);
    {
        // As an earlier careerdesk left it: no key pair, and a refusal kept in plain text.
        let db = common::raw_sled(data.join("store"));
        let meta = db.open_tree("meta").unwrap();
        meta.remove(b"sign_in_public_key").unwrap();
        meta.remove(b"sign_in_secret_key").unwrap();
        let at_ms = common::t0().timestamp_millis() as u128;
        let key = ((at_ms << 80) | 1).to_be_bytes();
        db.open_tree("auth_pending")
            .unwrap()
            .insert(key, b"old-plain-login")
            .unwrap();
        db.flush().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    cd(&data)
        .args(["--as", "canary-before-key", "client", "find", "a"])
        .assert()
        .code(4);
    assert!(!files_containing(&data, b"canary-before-key"));
    let audit = stdout(admin(&data).args(["--format", "json", "audit"]));
    let entries: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let refused: Vec<serde_json::Value> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sign-in-refused")
        .map(|e| e["login"].clone())
        .collect();
    assert_eq!(refused, [serde_json::json!("old-plain-login"), serde_json::Value::Null]);
    // That unlock made the key pair and emptied the plain-text tree.
    let db = common::raw_sled(data.join("store"));
    assert!(db
        .open_tree("meta")
        .unwrap()
        .get(b"sign_in_public_key")
        .unwrap()
        .is_some());
    assert!(db.open_tree("auth_pending").unwrap().is_empty());
}

fn files_containing(dir: &Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            files_containing(&p, needle)
        } else {
            std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
        }
    })
}

#[cfg(unix)]
#[test]
fn files_under_the_data_folder_are_the_owner_s_alone() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init(&data);
    add_client(&data, "10000001", "Ada");
    let modes = |dir: &Path| {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(p) = stack.pop() {
            let m = std::fs::symlink_metadata(&p).unwrap();
            out.push((p.clone(), m.is_dir(), m.permissions().mode() & 0o777));
            if m.is_dir() && !p.ends_with("config") {
                stack.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
            }
        }
        out
    };
    let check = |what: &str| {
        for (p, dir, mode) in modes(&data) {
            let want = if dir { 0o700 } else { 0o600 };
            assert_eq!(mode, want, "{what}: {} is {mode:o}", p.display());
        }
    };
    check("a new store");
    // Opened up by a copy or an earlier version: fixed at the next command.
    for (p, dir, _) in modes(&data) {
        let loose = if dir { 0o755 } else { 0o644 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(loose)).unwrap();
    }
    admin(&data).args(["client", "find", "ada"]).assert().success();
    check("after one command");
}

#[test]
fn a_demo_load_stopped_part_way_is_finished_by_running_it_again() {
    let clean = tempfile::tempdir().unwrap();
    let stopped = tempfile::tempdir().unwrap();
    let hidden = careerdesk::demo::Progress::Hidden;
    let clean_desk = common::init(clean.path(), clock());
    let expected = careerdesk::demo::generate(&clean_desk, 30, 5, &hidden).unwrap();
    let desk = common::init(stopped.path(), clock());
    // Stop it in the middle of writing, as a kill would (the writes so far stay on disk).
    let stop = careerdesk::demo::Progress::Report(Arc::new(|stage: &str, done: u64, _total: u64| {
        if stage == "writing" && done > 0 {
            panic!("stopped");
        }
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        careerdesk::demo::generate(&desk, 30, 5, &stop)
    }));
    assert!(result.is_err(), "the load was not stopped");
    // Another size is refused with the exact command to finish; the same one finishes it.
    let other = careerdesk::demo::generate(&desk, 31, 5, &hidden).unwrap_err();
    assert!(other.to_string().contains("demo --clients 30 --seed 5"), "{other}");
    let finished = careerdesk::demo::generate(&desk, 30, 5, &hidden).unwrap();
    assert_eq!(
        (
            finished.clients,
            finished.slots,
            finished.appointments,
            finished.notes,
            finished.employers
        ),
        (
            expected.clients,
            expected.slots,
            expected.appointments,
            expected.notes,
            expected.employers
        )
    );
    let report = desk.store().check().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    // The same clients as a load that was never stopped.
    let names = |d: &Desk| {
        let mut v: Vec<String> = d
            .find_clients("a", 1000)
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {}", e.student_number, e.name))
            .collect();
        v.sort();
        v
    };
    assert!(!names(&desk).is_empty());
    assert_eq!(names(&desk), names(&clean_desk));
    // A finished load is not repeated.
    assert!(careerdesk::demo::generate(&desk, 30, 5, &hidden).is_err());
}

#[test]
fn an_automatic_backup_never_makes_commits_wait() {
    let tmp = tempfile::tempdir().unwrap();
    let (paths, admin, writer) = busy_store(tmp.path());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // A desk adding clients without pause while the backup runs.
    let adding = keep_adding(writer, stop.clone(), 2000, 30_000_000);
    let result = admin.backup_if_due(&paths).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    adding.join().unwrap();
    match result {
        // Copied in a quiet moment: nobody waited.
        careerdesk::desk::AutoBackup::Made { backup, .. } => assert_eq!(backup.gate_held_ms, 0),
        // Or given up, keeping nothing half-made, for the next try.
        careerdesk::desk::AutoBackup::Busy => {
            let today = paths.backups().join(admin.today().format("%Y-%m-%d").to_string());
            assert!(!today.exists(), "a busy try keeps no backup");
            // Once the desk is quiet, the next try makes it.
            assert!(matches!(
                admin.backup_if_due(&paths).unwrap(),
                careerdesk::desk::AutoBackup::Made { .. }
            ));
        }
        other => panic!("unexpected {other:?}"),
    }
}
