//! The command line as a user runs it: the real binary, its output and its exit codes
//! (0 done, 2 bad input, 3 refused by policy, 4 permission denied, 1 anything else).

use std::path::Path;

use assert_cmd::Command;
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

fn as_admin(dir: &Path) -> Command {
    let mut c = cd(dir);
    c.env("CAREERDESK_PASSWORD", ADMIN_PW).args(["--as", "admin"]);
    c
}

fn init(dir: &Path) {
    cd(dir)
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .args(["init", "--policy", "standard", "--admin", "admin"])
        .assert()
        .success()
        .stdout(predicate::str::contains("created a store"));
}

fn add_client(dir: &Path, sn: &str, name: &str) {
    as_admin(dir)
        .args(["client", "add", "--student-number", sn, "--name", name])
        .args([
            "--email",
            &format!("s{sn}@student.example.ac.uk"),
            "--programme",
            "BSc Physics",
        ])
        .args(["--level", "ug", "--status", "student", "--course-end", "2028-06-30"])
        .assert()
        .success();
}

#[test]
fn init_add_show_and_find_a_client() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    assert!(tmp.path().join("policy.toml").exists());
    add_client(tmp.path(), "10234567", "Ada Lovelace");
    as_admin(tmp.path())
        .args(["client", "show", "10234567"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Ada Lovelace").and(predicate::str::contains("s10234567@student.example.ac.uk")),
        );
    as_admin(tmp.path())
        .args(["client", "find", "lov"])
        .assert()
        .success()
        .stdout(predicate::str::contains("10234567"));
    let out = as_admin(tmp.path())
        .args(["--format", "json", "client", "show", "10234567"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["name"], "Ada Lovelace");
    assert_eq!(v["level"], "ug");
}

#[test]
fn init_with_a_broken_policy_names_file_line_and_field_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    let text = careerdesk::policy::example("standard")
        .unwrap()
        .text
        .replace("Europe/London", "Europe/Atlantis");
    std::fs::write(&bad, text).unwrap();
    let data = tmp.path().join("data");
    cd(&data)
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .args(["init", "--policy", bad.to_str().unwrap(), "--admin", "admin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:").and(predicate::str::contains("institution.time_zone")));
    assert!(!data.join("store").exists());
}

#[test]
fn data_01_bad_email_is_refused_with_the_field_named() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    as_admin(tmp.path())
        .args([
            "client",
            "add",
            "--student-number",
            "10000001",
            "--name",
            "Bo",
            "--email",
            "bo-at-example",
        ])
        .args([
            "--programme",
            "BA History",
            "--level",
            "ug",
            "--status",
            "student",
            "--phone",
            "12",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("email:").and(predicate::str::contains("phone:")));
    as_admin(tmp.path())
        .args(["client", "show", "10000001"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no client has student number 10000001"));
}

#[test]
fn sec_01_wrong_password_exits_4_and_is_audited() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    cd(tmp.path())
        .env("CAREERDESK_PASSWORD", "wrong-password")
        .args(["--as", "admin", "client", "find", "x"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("wrong password"));
    as_admin(tmp.path())
        .args(["audit"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sign-in-refused"));
}

#[test]
fn sec_05_operator_roles_are_enforced_from_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    as_admin(tmp.path())
        .args([
            "operator",
            "add",
            "desk1",
            "--name",
            "Dee Desk",
            "--role",
            "desk",
            "--trained",
            "2026-01-05",
            "--password-stdin",
        ])
        .write_stdin(format!("{STAFF_PW}\n"))
        .assert()
        .success()
        .stdout(predicate::str::contains("added operator desk1 (desk)"));
    // Desk staff may add clients but not operators.
    let desk = |args: &[&str]| {
        let mut c = cd(tmp.path());
        c.env("CAREERDESK_PASSWORD", STAFF_PW)
            .args(["--as", "desk1"])
            .args(args);
        c
    };
    desk(&[
        "operator",
        "add",
        "x2",
        "--name",
        "X",
        "--role",
        "admin",
        "--password-stdin",
    ])
    .write_stdin(format!("{STAFF_PW}\n"))
    .assert()
    .code(4)
    .stderr(predicate::str::contains("permission denied"));
    desk(&["audit"]).assert().code(4);
    desk(&["store", "reindex"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("maintain the store"));
    add_client(tmp.path(), "10234567", "Ada Lovelace");
    as_admin(tmp.path())
        .args(["store", "reindex"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "rebuilt the indexes in a checked copy: 3 records read",
        ));
    as_admin(tmp.path())
        .args(["client", "show", "10234567"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Ada Lovelace"));
    as_admin(tmp.path())
        .args(["operator", "suspend", "desk1", "--reason", "suspected account sharing"])
        .assert()
        .success();
    desk(&["client", "find", "x"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("suspended"));
    as_admin(tmp.path())
        .args(["operator", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("desk1").and(predicate::str::contains("suspended")));
}

#[test]
fn a_short_new_password_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    as_admin(tmp.path())
        .args([
            "operator",
            "add",
            "c1",
            "--name",
            "C One",
            "--role",
            "consultant",
            "--password-stdin",
        ])
        .write_stdin("short\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("password: must be at least 10 characters"));
}

#[test]
fn import_with_bad_rows_imports_nothing_and_lists_each_bad_line() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    add_client(tmp.path(), "10000009", "Already Here");
    let csv = tmp.path().join("clients.csv");
    std::fs::write(
        &csv,
        "student_number,name,email,phone,programme,school,level,status,course_end,contact\n\
         10000001,Ada One,ada@student.example.ac.uk,07700 900001,BSc Physics,Sciences,ug,student,2027-06-30,\n\
         10000002,Bo Two,not-an-email,,BA History,Arts,ug,student,,\n\
         10000003,Cy Three,cy@student.example.ac.uk,,MSc Data Science,Eng,pgt,alumnus,2026-13-01,\n\
         10000001,Ada Again,ada2@student.example.ac.uk,,BSc Physics,Sciences,ug,student,,\n\
         10000009,Dup Store,dup@student.example.ac.uk,,BSc Physics,Sciences,ug,student,,\n\
         10000004,Di Four,di@student.example.ac.uk,,BSc Physics,Sciences,pgr,graduate,2024-06-30,email\n",
    )
    .unwrap();
    as_admin(tmp.path())
        .args(["import", "clients", csv.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("line 3: email:")
                .and(predicate::str::contains("line 4: status:"))
                .and(predicate::str::contains("course-end"))
                .and(predicate::str::contains(
                    "line 5: student number 10000001 appears again (first on line 2)",
                ))
                .and(predicate::str::contains(
                    "line 6: a client with student number 10000009 already exists",
                ))
                .and(predicate::str::contains("--skip-bad")),
        );
    as_admin(tmp.path())
        .args(["client", "show", "10000001"])
        .assert()
        .code(2);
    as_admin(tmp.path())
        .args(["import", "clients", csv.to_str().unwrap(), "--skip-bad"])
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 2 client(s)").and(predicate::str::contains("skipped line 3")));
    as_admin(tmp.path())
        .args(["client", "show", "10000004"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Di Four").and(predicate::str::contains("graduate")));
}

#[test]
fn import_of_a_file_that_is_not_csv_is_refused_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    let junk = tmp.path().join("junk.csv");
    std::fs::write(&junk, b"\xff\xfe\x00binary\nnot,a,header\n").unwrap();
    as_admin(tmp.path())
        .args(["import", "clients", junk.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing was imported").or(predicate::str::contains("header")));
    as_admin(tmp.path())
        .args(["import", "clients", tmp.path().join("missing.csv").to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot open"));
}

#[test]
fn commands_need_an_operator_and_a_store() {
    let tmp = tempfile::tempdir().unwrap();
    cd(tmp.path())
        .args(["client", "find", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--as LOGIN"));
    cd(tmp.path())
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .args(["--as", "admin", "client", "find", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("careerdesk init"));
    init(tmp.path());
    cd(tmp.path())
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .args(["init", "--policy", "standard", "--admin", "admin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already holds careerdesk data (a careerdesk store)",
        ));
}

#[test]
fn demo_fills_an_empty_store_deterministically() {
    let names = |dir: &Path| {
        init(dir);
        as_admin(dir)
            .args(["demo", "--clients", "60", "--seed", "42"])
            .assert()
            .success()
            .stdout(predicate::str::contains("generated 60 clients").and(predicate::str::contains("demo-password")));
        let out = as_admin(dir)
            .args(["--format", "json", "client", "find", "1", "--limit", "1000"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let mut rows: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["student_number"], r["name"]))
            .collect();
        rows.sort();
        rows
    };
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = names(a.path());
    assert!(first.len() > 20, "{first:?}");
    assert_eq!(first, names(b.path()));
    // A generated operator can sign in with the demo password.
    cd(a.path())
        .env("CAREERDESK_PASSWORD", careerdesk::demo::DEMO_PASSWORD)
        .args(["--as", "desk1", "client", "show", "10000000"])
        .assert()
        .success();
    // And demo refuses a store that already has clients.
    as_admin(a.path())
        .args(["demo", "--clients", "5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty store"));
}

#[test]
fn policy_check_reports_each_problem_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("p.toml");
    let text =
        careerdesk::policy::example("standard")
            .unwrap()
            .text
            .replacen("max_contacts = 3", "max_contacts = 0", 1);
    std::fs::write(&f, text).unwrap();
    cd(tmp.path())
        .args(["policy", "check", f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"p\.toml:\d+: fair_use\.max_contacts").unwrap());
    cd(tmp.path())
        .args(["policy", "examples"])
        .assert()
        .success()
        .stdout(predicate::str::contains("standard"));
}

#[test]
fn store_compact_swaps_in_a_checked_copy_and_keeps_the_previous_one() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    as_admin(tmp.path())
        .args(["demo", "--clients", "40", "--seed", "7"])
        .assert()
        .success();
    let everyone = || {
        as_admin(tmp.path())
            .args(["--format", "json", "client", "find", "a", "--limit", "1000"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let before = everyone();
    // A copy left by an interrupted run is cleared, not mistaken for the store.
    std::fs::create_dir_all(tmp.path().join("store.compacting")).unwrap();
    std::fs::write(tmp.path().join("store.compacting/junk"), b"x").unwrap();
    cd(tmp.path())
        .env("CAREERDESK_PASSWORD", careerdesk::demo::DEMO_PASSWORD)
        .args(["--as", "desk1", "store", "compact"])
        .assert()
        .code(4);
    as_admin(tmp.path())
        .args(["store", "compact"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("compacted the store").and(predicate::str::contains("keys copied and checked")),
        );
    let kept: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("store."))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].starts_with("store.before-compact-"), "{kept:?}");
    // Everything reads back the same from the new copy, and the compaction is audited.
    assert_eq!(before, everyone());
    as_admin(tmp.path())
        .args(["audit"])
        .assert()
        .success()
        .stdout(predicate::str::contains("compacting the store"));
}

#[test]
fn a_store_another_process_has_open_is_refused_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    init(tmp.path());
    add_client(tmp.path(), "10234567", "Ada Lovelace");
    let held = careerdesk::store::LockedStore::open(&tmp.path().join("store")).unwrap();
    as_admin(tmp.path())
        .args(["client", "show", "10234567"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "another careerdesk process is using it; close that one first",
        ));
    drop(held);
}
