//! Repeated wrong passwords (SEC-01) as a user meets them: through the command line, and
//! through the desk with a fixed clock for the lock's length.

mod common;

use std::path::Path;

use assert_cmd::Command;
use careerdesk::desk::{Desk, DeskError};
use careerdesk::domain::operator::Role;
use careerdesk::policy::Policy;
use careerdesk::store::LockedStore;
use chrono::{Duration, NaiveDateTime, TimeZone, Utc};
use predicates::prelude::*;

const ADMIN_PW: &str = "admin-password-1";
const STAFF_PW: &str = "staff-password-1";

fn cd(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("careerdesk").unwrap();
    c.env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .env_remove("CAREERDESK_OPERATOR")
        .env_remove("CAREERDESK_PASSWORD");
    c
}

fn as_(dir: &Path, login: &str, password: &str) -> Command {
    common::bin_as(dir, login, password)
}

/// A store whose policy has `sign_in` as its `[sign_in]` section, with operator `desk1`.
fn store_with(dir: &Path, sign_in: &str) {
    cd(dir)
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .args(["init", "--policy", "standard", "--admin", "admin"])
        .assert()
        .success();
    let path = dir.join("policy.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("[sign_in]"));
    std::fs::write(&path, format!("{text}\n[sign_in]\n{sign_in}\n")).unwrap();
    as_(dir, "admin", ADMIN_PW)
        .args(["operator", "add", "desk1", "--name", "Dee Desk", "--role", "desk"])
        .args(["--trained", "2026-01-05", "--password-stdin"])
        .write_stdin(format!("{STAFF_PW}\n"))
        .assert()
        .success();
}

fn stderr_of(c: &mut Command) -> String {
    String::from_utf8(c.assert().code(4).get_output().stderr.clone()).unwrap()
}

/// The time after "until " in a refusal, read in the policy's time zone.
fn unlock_time(dir: &Path, message: &str) -> chrono::DateTime<Utc> {
    let policy = Policy::load(&dir.join("policy.toml")).unwrap();
    let at = message.find("until ").expect("the refusal names the unlock time") + 6;
    let naive = NaiveDateTime::parse_from_str(&message[at..at + 19], "%Y-%m-%d %H:%M:%S").unwrap();
    policy
        .institution
        .time_zone
        .from_local_datetime(&naive)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn sec_01_wrong_passwords_lock_the_account_until_an_administrator_unlocks_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    store_with(
        dir,
        "lock_after = 3\nlock_minutes = 7\ndelay_seconds = 0\ndelay_cap_seconds = 0",
    );
    for _ in 0..2 {
        let e = stderr_of(as_(dir, "desk1", "wrong-password").args(["operator", "list"]));
        assert!(e.contains("wrong password"), "{e}");
        assert!(!e.contains("locked"), "{e}");
    }
    let before = Utc::now();
    let e = stderr_of(as_(dir, "desk1", "wrong-password").args(["operator", "list"]));
    let after = Utc::now();
    assert!(e.contains("desk1 is locked after 3 wrong passwords until"), "{e}");
    assert!(e.contains("ask an administrator"), "{e}");
    // The policy's seven minutes, to the second the refusal shows.
    let until = unlock_time(dir, &e);
    assert!(
        until >= before + Duration::minutes(7) - Duration::seconds(1),
        "{until} {before}"
    );
    assert!(until <= after + Duration::minutes(7), "{until} {after}");

    // The right password is not even tried while locked.
    let e = stderr_of(as_(dir, "desk1", STAFF_PW).args(["operator", "list"]));
    assert!(e.contains("desk1 is locked after 3 wrong passwords"), "{e}");
    assert_eq!(unlock_time(dir, &e), until);
    // Desk staff cannot unlock anyone.
    as_(dir, "admin", ADMIN_PW)
        .args(["operator", "add", "desk2", "--name", "Dan Desk", "--role", "desk"])
        .args(["--trained", "2026-01-05", "--password-stdin"])
        .write_stdin(format!("{STAFF_PW}\n"))
        .assert()
        .success();
    as_(dir, "desk2", STAFF_PW)
        .args(["operator", "unlock", "desk1"])
        .assert()
        .code(4);

    as_(dir, "admin", ADMIN_PW)
        .args(["operator", "unlock", "desk1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("unlocked desk1 (3 wrong passwords forgotten)"));
    as_(dir, "desk1", STAFF_PW)
        .args(["client", "find", "nobody"])
        .assert()
        .success();
    let audit = as_(dir, "admin", ADMIN_PW).args(["audit"]).assert().success();
    let log = String::from_utf8(audit.get_output().stdout.clone()).unwrap();
    assert_eq!(log.matches("wrong password or unknown login").count(), 3, "{log}");
    assert_eq!(log.matches("account locked").count(), 1, "{log}");
    assert!(log.contains("operator desk1 unlocked"), "{log}");
}

#[test]
fn sec_01_an_unknown_login_to_unlock_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    store_with(tmp.path(), "lock_after = 3");
    as_(tmp.path(), "admin", ADMIN_PW)
        .args(["operator", "unlock", "nobody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no operator has login nobody"));
}

#[test]
fn sec_01_a_try_too_soon_after_wrong_passwords_is_refused_unheard_and_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    store_with(dir, "lock_after = 5\ndelay_seconds = 600\ndelay_cap_seconds = 600");
    for _ in 0..2 {
        stderr_of(as_(dir, "desk1", "wrong-password").args(["operator", "list"]));
    }
    let e = stderr_of(as_(dir, "desk1", STAFF_PW).args(["operator", "list"]));
    assert!(
        e.contains("too soon after a wrong password for desk1: try again in"),
        "{e}"
    );
    // Another operator is not slowed down, and the log shows the try refused unheard.
    as_(dir, "admin", ADMIN_PW)
        .args(["audit"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "too soon after a wrong password; password not tried",
        ));
}

fn sign_in(
    tmp: &Path,
    policy: &Policy,
    login: &str,
    pw: &str,
    clock: &std::sync::Arc<careerdesk::desk::FixedClock>,
) -> Result<Desk, DeskError> {
    let locked = LockedStore::open(&common::store_dir(tmp)).unwrap();
    Desk::sign_in(&locked, policy.clone(), login, pw, clock.clone())
}

#[test]
fn sec_01_the_lock_lasts_the_policys_minutes_by_the_desks_clock() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = common::clock();
    let admin = common::init(tmp.path(), clock.clone());
    admin
        .add_operator(&common::staff("desk1", &[Role::Desk], Some("2026-01-05")))
        .unwrap();
    drop(admin);
    let mut policy = common::policy();
    policy.sign_in.lock_after = 3;
    policy.sign_in.lock_minutes = 20;
    let t0 = common::t0();
    let pw = common::STAFF_PASSWORD;
    // Two wrong passwords make the next try wait the policy's second.
    for wrong in ["wrong-1", "wrong-2"] {
        assert!(matches!(
            sign_in(tmp.path(), &policy, "desk1", wrong, &clock),
            Err(DeskError::Denied(_))
        ));
    }
    let Err(DeskError::Denied(e)) = sign_in(tmp.path(), &policy, "desk1", pw, &clock) else {
        panic!("a try at once after two wrong passwords is refused");
    };
    assert!(e.contains("too soon") && e.contains("try again in 1 seconds"), "{e}");
    clock.set(t0 + Duration::seconds(1));
    let Err(DeskError::Denied(e)) = sign_in(tmp.path(), &policy, "desk1", "wrong-3", &clock) else {
        panic!("the third wrong password is refused");
    };
    assert!(e.contains("locked after 3 wrong passwords"), "{e}");
    clock.set(t0 + Duration::seconds(1) + Duration::minutes(20) - Duration::seconds(1));
    assert!(sign_in(tmp.path(), &policy, "desk1", pw, &clock).is_err());
    clock.set(t0 + Duration::seconds(1) + Duration::minutes(20));
    let desk = sign_in(tmp.path(), &policy, "desk1", pw, &clock).expect("the lock has ended");
    assert!(desk.store().sign_in_failures("desk1").unwrap().is_empty());
}
