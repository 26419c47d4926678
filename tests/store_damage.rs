//! Damaged stores, through the real binary: copies of one small demo store with bits flipped,
//! files cut short and files deleted. Every command either works or ends with a clear error
//! (no panic, no raw storage-engine message), and no maintenance command leaves fewer
//! records readable than it found. Restoring a good backup always brings everything back.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
use careerdesk::desk::{Desk, FixedClock};
use careerdesk::store::LockedStore;
use common::{copy_dir, ADMIN_PASSWORD};

/// A demo store made once for this test binary, a churned copy of it, and a good backup.
struct Fixture {
    /// The data folder: `store/` and `policy.toml`.
    plain: PathBuf,
    /// The same data after sled has reused freed space (segments no longer in file order),
    /// where a cut-short `db` makes sled 0.34 panic.
    churned: PathBuf,
    /// A backup of the plain store.
    backup: PathBuf,
    /// Records readable in the plain store.
    records: usize,
    /// A client's student number.
    student: String,
    /// Where the cases go.
    root: PathBuf,
}

fn cd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("careerdesk").unwrap();
    c.env("CAREERDESK_DATA_DIR", data)
        .env("HOME", data)
        .env("CAREERDESK_PASSWORD", ADMIN_PASSWORD)
        .env_remove("CAREERDESK_OPERATOR");
    c
}

fn admin(data: &Path, args: &[&str]) -> Output {
    cd(data).arg("--as").arg("admin").args(args).output().unwrap()
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // Inside target/, cleared at each run: the cases are removed as they finish.
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store_damage");
        let _ = std::fs::remove_dir_all(&root);
        let plain = root.join("plain");
        cd(&plain)
            .args(["init", "--policy", "standard", "--admin", "admin"])
            .assert()
            .success();
        cd(&plain)
            .args(["--as", "admin", "demo", "--clients", "20", "--seed", "3"])
            .assert()
            .success();
        let backup = root.join("good-backup");
        cd(&plain)
            .args(["--as", "admin", "store", "backup"])
            .arg(&backup)
            .assert()
            .success();
        let churned = root.join("churned");
        copy_dir(&plain, &churned);
        churn(&churned.join("store"));
        let out = admin(&plain, &["--format", "json", "client", "find", "a", "--limit", "1"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let student = v[0]["student_number"].as_str().unwrap().to_string();
        let records = readable(&plain);
        assert!(records > 200, "{records}");
        assert_eq!(readable(&churned), records, "churning changes no record");
        Fixture {
            plain,
            churned,
            backup,
            records,
            student,
            root,
        }
    })
}

/// Writes and drops a few megabytes so sled frees segments and reuses them.
fn churn(store: &Path) {
    {
        let db = sled::Config::new().path(store).open().unwrap();
        let t = db.open_tree("churn").unwrap();
        for round in 0..20u8 {
            for i in 0..2000u32 {
                t.insert(i.to_be_bytes(), vec![round; 300]).unwrap();
            }
            db.flush().unwrap();
        }
        t.clear().unwrap();
        db.flush().unwrap();
        db.drop_tree("churn").unwrap();
        db.flush().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(sled::Config::new().path(store).open().unwrap());
    std::thread::sleep(std::time::Duration::from_millis(300));
}

/// How many records open in the store of `data` (everything the check reads, past damaged
/// parts too); 0 when it does not open at all.
fn readable(data: &Path) -> usize {
    let Ok(locked) = LockedStore::open(&data.join("store")) else {
        return 0;
    };
    let policy = careerdesk::policy::Policy::load(&data.join("policy.toml")).unwrap_or_else(|_| common::policy());
    let clock = std::sync::Arc::new(FixedClock::new(chrono::Utc::now()));
    let Ok(desk) = Desk::sign_in(&locked, policy, "admin", ADMIN_PASSWORD, clock) else {
        return 0;
    };
    desk.store().check().map(|r| r.records).unwrap_or(0)
}

/// Fails the test unless `out` succeeded or ended with a clear, one-message error.
fn clear(out: &Output, what: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for bad in [
        "panicked",
        "Read corrupted data",
        "backtrace",
        "RUST_BACKTRACE",
        "sled::",
        "Inline(",
    ] {
        assert!(
            !stdout.contains(bad) && !stderr.contains(bad),
            "{what}: `{bad}` shown to the user\n{stdout}\n{stderr}"
        );
    }
    if !out.status.success() {
        let code = out.status.code();
        assert!(matches!(code, Some(1 | 2 | 4)), "{what}: exit {code:?}\n{stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.len() > 40,
            "{what}: no clear message\n{stderr}"
        );
    }
}

enum Damage {
    Flip {
        file: &'static str,
        seed: u64,
    },
    Cut {
        file: &'static str,
        keep: f64,
    },
    /// `db` cut short with the snapshot gone too (moved out, as the advice for a damaged
    /// snapshot says): sled then replays the cut log itself, and stops on it with a panic.
    CutWithoutSnapshot {
        keep: f64,
    },
    Delete(&'static str),
}

/// The store file `name`, or the newest snapshot for "snap".
fn store_file(store: &Path, name: &str) -> PathBuf {
    if name != "snap" {
        return store.join(name);
    }
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(store)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("snap."))
        .collect();
    snaps.sort();
    snaps.pop().expect("a snapshot")
}

/// A small deterministic generator (xorshift), so each seed flips the same bit every run.
fn pick(seed: u64, below: u64) -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for _ in 0..4 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x % below
}

fn damage(store: &Path, how: &Damage) {
    match how {
        Damage::Flip { file, seed } => {
            let path = store_file(store, file);
            let mut bytes = std::fs::read(&path).unwrap();
            let at = pick(*seed, bytes.len() as u64) as usize;
            bytes[at] ^= 1 << pick(seed + 1000, 8);
            std::fs::write(&path, bytes).unwrap();
        }
        Damage::Cut { file, keep } => {
            let path = store_file(store, file);
            let len = std::fs::metadata(&path).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len((len as f64 * keep) as u64).unwrap();
        }
        Damage::CutWithoutSnapshot { keep } => {
            damage(
                store,
                &Damage::Cut {
                    file: "db",
                    keep: *keep,
                },
            );
            damage(store, &Damage::Delete("snap"));
        }
        Damage::Delete(file) => {
            let path = store_file(store, file);
            if path.is_dir() {
                std::fs::remove_dir_all(path).unwrap();
            } else {
                std::fs::remove_file(path).unwrap();
            }
        }
    }
}

/// What one case showed.
struct Seen {
    /// The standard error of the first `client find`.
    first_error: String,
    /// Whether the damage was noticed: a command failed, or fewer records were readable.
    noticed: bool,
}

/// Copies `from` to a new case folder, damages it, and runs every command on it.
fn exercise(name: &str, from: &Path, how: Damage) -> Seen {
    let fx = fixture();
    let case = fx.root.join(name);
    copy_dir(from, &case);
    damage(&case.join("store"), &how);
    let first = admin(&case, &["client", "find", "a"]);
    let mut noticed = !first.status.success();
    clear(&first, &format!("{name}: client find"));
    for args in [vec!["client", "show", fx.student.as_str()], vec!["audit"]] {
        clear(&admin(&case, &args), &format!("{name}: {}", args.join(" ")));
    }
    let mut before = readable(&case);
    noticed |= before < fx.records;
    let backup_dir = case.join("made-backup").display().to_string();
    for args in [
        vec!["store", "check"],
        vec!["store", "reindex"],
        vec!["store", "compact"],
        vec!["store", "backup", backup_dir.as_str()],
    ] {
        let what = format!("{name}: {}", args.join(" "));
        let out = admin(&case, &args);
        clear(&out, &what);
        noticed |= !out.status.success();
        let after = readable(&case);
        assert!(
            after >= before,
            "{what}: {before} records readable before, {after} after"
        );
        before = after;
    }
    // Whatever the damage, the good backup comes back whole.
    let restore = cd(&case)
        .args(["--as", "admin", "store", "restore"])
        .arg(&fx.backup)
        .output()
        .unwrap();
    clear(&restore, &format!("{name}: store restore"));
    assert!(
        restore.status.success(),
        "{name}: restore: {}",
        String::from_utf8_lossy(&restore.stderr)
    );
    assert_eq!(readable(&case), fx.records, "{name}: after restoring the backup");
    let _ = std::fs::remove_dir_all(&case);
    Seen {
        first_error: String::from_utf8_lossy(&first.stderr).into_owned(),
        noticed,
    }
}

#[test]
fn bit_flips_in_the_database_file() {
    let fx = fixture();
    // Some flips land in space sled no longer reads; flips go on until one is real damage
    // (every flip, noticed or not, must leave the store as readable as the checks say).
    let noticed =
        (1..=12).any(|seed| exercise(&format!("flip-db-{seed}"), &fx.plain, Damage::Flip { file: "db", seed }).noticed);
    assert!(noticed, "no flip damaged anything; nothing was tested");
}

#[test]
fn a_database_file_cut_short() {
    let fx = fixture();
    for (i, keep) in [0.2, 0.5, 0.8].into_iter().enumerate() {
        let how = Damage::Cut { file: "db", keep };
        let seen = exercise(&format!("cut-db-{i}"), &fx.churned, how);
        // A cut may fall wholly in space sled no longer reads; when it is noticed, the message
        // names the file.
        if !seen.first_error.is_empty() {
            assert!(seen.first_error.contains("`db`"), "{}", seen.first_error);
        }
    }
    // Where sled stops with a panic depends on how the generated store lies in its file, so
    // look for such a cut, cheaply, then put it through every command like the others.
    let stops = (6..20).map(|k| f64::from(k) * 0.05).find(|&keep| {
        let case = fx.root.join(format!("probe-{keep:.2}"));
        copy_dir(&fx.churned, &case);
        damage(&case.join("store"), &Damage::CutWithoutSnapshot { keep });
        let out = admin(&case, &["client", "find", "a"]);
        clear(&out, "probe: client find");
        String::from_utf8_lossy(&out.stderr).contains("the storage engine stopped on it")
    });
    let keep = stops.expect("no cut made the storage engine stop; the panic path went untested");
    let err = exercise("cut-db-stopped", &fx.churned, Damage::CutWithoutSnapshot { keep }).first_error;
    assert!(
        err.contains("`db`") && err.contains("the storage engine stopped on it"),
        "{err}"
    );
}

#[test]
fn deleted_store_files_are_named_as_damage() {
    let fx = fixture();
    for file in ["conf", "db", "blobs"] {
        let err = exercise(&format!("deleted-{file}"), &fx.plain, Damage::Delete(file)).first_error;
        assert!(
            err.contains("is damaged") && err.contains(&format!("`{file}`")),
            "{file}: {err}"
        );
        assert!(err.contains("store restore"), "{file}: {err}");
    }
    // Without its snapshot sled rebuilds it from the log: the store simply works.
    let seen = exercise("deleted-snap", &fx.plain, Damage::Delete("snap"));
    assert_eq!(seen.first_error, "");
    assert!(!seen.noticed);
}

#[test]
fn damaged_settings_and_snapshots_are_named_with_what_to_do() {
    let fx = fixture();
    let err = exercise("flip-conf", &fx.plain, Damage::Flip { file: "conf", seed: 1 }).first_error;
    assert!(err.contains("`conf` is damaged"), "{err}");
    let err = exercise(
        "cut-conf",
        &fx.plain,
        Damage::Cut {
            file: "conf",
            keep: 0.1,
        },
    )
    .first_error;
    assert!(err.contains("`conf` is cut short"), "{err}");
    for (name, how) in [
        ("flip-snap", Damage::Flip { file: "snap", seed: 2 }),
        (
            "cut-snap",
            Damage::Cut {
                file: "snap",
                keep: 0.5,
            },
        ),
    ] {
        let err = exercise(name, &fx.plain, how).first_error;
        assert!(
            err.contains("snap.") && err.contains("out of the store folder"),
            "{name}: {err}"
        );
    }
    // Following that advice works.
    let case = fx.root.join("snap-advice");
    copy_dir(&fx.plain, &case);
    damage(&case.join("store"), &Damage::Flip { file: "snap", seed: 3 });
    let snap = store_file(&case.join("store"), "snap");
    assert!(!admin(&case, &["client", "find", "a"]).status.success());
    std::fs::rename(&snap, case.join("moved-snapshot")).unwrap();
    let out = admin(&case, &["client", "show", &fx.student]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(readable(&case), fx.records);
}

#[test]
fn a_damaged_or_tampered_backup_is_refused_and_the_store_is_left_alone() {
    let fx = fixture();
    for (name, spoil) in [
        ("backup-flipped", 0),
        ("backup-no-manifest", 1),
        ("backup-wrong-checksum", 2),
        ("backup-no-policy", 3),
    ] {
        let case = fx.root.join(name);
        copy_dir(&fx.plain, &case);
        let backup = fx.root.join(format!("{name}-copy"));
        copy_dir(&fx.backup, &backup);
        match spoil {
            0 => damage(&backup.join("store"), &Damage::Flip { file: "conf", seed: 4 }),
            1 => std::fs::remove_file(backup.join("careerdesk-backup.json")).unwrap(),
            2 => {
                let m = backup.join("careerdesk-backup.json");
                let text = std::fs::read_to_string(&m).unwrap();
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let sum = v["checksum"].as_str().unwrap().to_string();
                let other = if sum.starts_with('0') { "1" } else { "0" };
                std::fs::write(&m, text.replace(&sum, &format!("{other}{}", &sum[1..]))).unwrap();
            }
            _ => std::fs::remove_file(backup.join("policy.toml")).unwrap(),
        }
        let out = cd(&case)
            .args(["--as", "admin", "store", "restore"])
            .arg(&backup)
            .output()
            .unwrap();
        clear(&out, name);
        assert!(!out.status.success(), "{name} was restored");
        let names: Vec<String> = std::fs::read_dir(&case)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("store"))
            .collect();
        assert_eq!(names, ["store"], "{name}: nothing moved or left behind");
        assert_eq!(readable(&case), fx.records, "{name}");
    }
}

#[test]
fn a_reindex_that_fails_part_way_leaves_the_store_as_it_was() {
    let fx = fixture();
    let case = fx.root.join("reindex-fails");
    copy_dir(&fx.plain, &case);
    common::break_a_client_page(&case.join("store"));
    let before = readable(&case);
    let listing = |dir: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let files_before = listing(&case);
    let out = admin(&case, &["store", "reindex"]);
    clear(&out, "reindex");
    assert!(
        !out.status.success(),
        "the damaged page was not met; the test reproduced nothing"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not be read") && stderr.contains("store restore"),
        "{stderr}"
    );
    // No partial copy left, nothing moved.
    assert_eq!(listing(&case), files_before);
    // Every operator can still sign in (before, a failed rebuild left the login index empty).
    for login in ["admin", "desk1", "supervisor1"] {
        let pw = if login == "admin" {
            ADMIN_PASSWORD
        } else {
            careerdesk::demo::DEMO_PASSWORD
        };
        let out = cd(&case)
            .env("CAREERDESK_PASSWORD", pw)
            .args(["--as", login, "queue", "list"])
            .output()
            .unwrap();
        clear(&out, login);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("no operator record"),
            "{login} locked out"
        );
    }
    // The student-number index still guards uniqueness.
    let dup = admin(
        &case,
        &[
            "client",
            "add",
            "--student-number",
            &fx.student,
            "--name",
            "Second Person",
            "--email",
            "second@example.ac.uk",
            "--programme",
            "BSc Physics",
            "--level",
            "ug",
            "--status",
            "student",
        ],
    );
    assert_eq!(dup.status.code(), Some(2), "{}", String::from_utf8_lossy(&dup.stderr));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    assert_eq!(readable(&case), before);
    // The check names the damaged records, and says to restore a backup.
    let out = admin(&case, &["--format", "json", "store", "check"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["recovery"], "restore-backup");
    assert!(report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["tree"] == "clients" && p["kind"] == "client"));
}

#[test]
fn a_store_missing_its_conf_is_damaged_and_init_refuses_to_write_over_it() {
    let fx = fixture();
    let case = fx.root.join("missing-conf");
    copy_dir(&fx.plain, &case);
    let conf = std::fs::read(case.join("store/conf")).unwrap();
    std::fs::remove_file(case.join("store/conf")).unwrap();
    let policy = std::fs::read(case.join("policy.toml")).unwrap();
    let db = std::fs::read(case.join("store/db")).unwrap();
    let out = admin(&case, &["client", "find", "a"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is damaged: `conf` is missing") && err.contains("store restore"),
        "{err}"
    );
    assert!(!err.contains("careerdesk init"), "{err}");
    let out = cd(&case)
        .args(["init", "--policy", "alumni-partnership", "--admin", "admin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds careerdesk data"));
    assert_eq!(
        std::fs::read(case.join("policy.toml")).unwrap(),
        policy,
        "policy untouched"
    );
    assert_eq!(std::fs::read(case.join("store/db")).unwrap(), db, "database untouched");
    assert!(!case.join("store/conf").exists());
    // A policy file alone (the store folder moved away) also stops init.
    let moved = fx.root.join("moved-away");
    std::fs::rename(case.join("store"), &moved).unwrap();
    let out = cd(&case)
        .args(["init", "--policy", "standard", "--admin", "admin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("policy file"));
    assert!(!case.join("store").exists());
    // Put back as it was, it opens with everything in it.
    std::fs::rename(&moved, case.join("store")).unwrap();
    std::fs::write(case.join("store/conf"), conf).unwrap();
    assert_eq!(readable(&case), fx.records);
}
