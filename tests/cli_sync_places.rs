//! Event places decided by the server, through the real binary (EVT-03, decision 0023): a
//! lease of an event's places taken and listed, a place given in the lease, a place given
//! provisionally on another desk that finds the event full at its sync, the conflicts queue
//! naming it until `conflicts --told`, and bad input refused with what to do.

mod common;

use std::path::Path;

use common::serving::{cli_twin, enrol, serve};
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
fn evt_03_a_leased_place_stands_and_a_place_given_elsewhere_waits_told_from_the_command_line() {
    let server_dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    cli_init_with(a.path(), &[]);
    cli_add_clients(|| as_op(a.path(), "admin"), &["C1000001", "C1000002"]);
    as_op(a.path(), "admin")
        .args(["event", "add", "--title", "Careers fair", "--sector", "careers"])
        .args(["--at", "2027-03-10 10:00", "--minutes", "120", "--capacity", "1"])
        .assert()
        .success();
    cli_twin(a.path(), b.path());
    let s = serve(server_dir.path());
    enrol(a.path(), server_dir.path(), &s);
    enrol(b.path(), server_dir.path(), &s);
    sync_json(a.path());
    sync_json(b.path());
    let lease = |dir: &Path, places: &str| {
        let mut c = as_op(dir, "admin");
        c.args(["--format", "json", "lease", "places", "--event", "Careers fair"])
            .args(["--places", places, "--hours", "8"]);
        c
    };
    // Bad input: exit 2, the field named; more places than are free: refused, saying why.
    lease(b.path(), "none").assert().code(2).stderr(contains("places"));
    lease(b.path(), "2")
        .assert()
        .code(4)
        .stderr(contains("only 1 of the event's 1 places"));
    let out = lease(b.path(), "1").assert().success();
    let taken: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let id = taken["lease"].as_str().unwrap().to_string();
    as_op(b.path(), "admin")
        .args(["lease", "list"])
        .assert()
        .success()
        .stdout(contains(&id).and(contains("1 place(s) on event")));
    // Offline, each desk gives the one place: B's is in its lease, A's is provisional.
    as_op(b.path(), "admin")
        .args(["event", "book", "Careers fair", "--client", "C1000002"])
        .assert()
        .success()
        .stdout(contains("in this desk's lease"));
    as_op(a.path(), "admin")
        .args(["event", "book", "Careers fair", "--client", "C1000001"])
        .assert()
        .success()
        .stdout(contains("provisional place"));
    // A's sync finds the event full (B holds it by lease): its booking waits, never dropped.
    let on_a = sync_json(a.path());
    assert_eq!(on_a["places"]["displaced"], 1, "{on_a}");
    assert_eq!(on_a["places_lost"], 1, "{on_a}");
    let out = as_op(a.path(), "admin")
        .args(["--format", "json", "conflicts"])
        .assert()
        .success();
    let listed: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let booking = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "event_bookings")
        .and_then(|c| c["what"].as_str())
        .and_then(|w| w.strip_prefix("booking "))
        .and_then(|w| w.split_whitespace().next())
        .expect("the lost place is listed")
        .to_string();
    as_op(a.path(), "admin")
        .args(["conflicts"])
        .assert()
        .success()
        .stdout(contains("lost its place").and(contains("--told")));
    as_op(a.path(), "admin")
        .args(["conflicts", "--told", "nonsense"])
        .assert()
        .code(2)
        .stderr(contains("not an event booking's id"));
    as_op(a.path(), "admin")
        .args(["conflicts", "--told", &booking])
        .assert()
        .success()
        .stdout(contains("stays waiting"));
    as_op(a.path(), "admin")
        .args(["conflicts"])
        .assert()
        .success()
        .stdout(contains("no conflicts"));
    // B's leased place is counted when B syncs; both desks then agree.
    let on_b = sync_json(b.path());
    assert_eq!(on_b["places"]["confirmed"], 1, "{on_b}");
    sync_json(a.path());
    for dir in [a.path(), b.path()] {
        let out = as_op(dir, "admin")
            .args(["--format", "json", "event", "bookings", "Careers fair"])
            .assert()
            .success();
        let roster: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(roster["taken"], 1, "{roster}");
        assert_eq!(roster["waiting"][0]["student_number"], "C1000001", "{roster}");
    }
    as_op(b.path(), "admin")
        .args(["lease", "return", &id])
        .assert()
        .success()
        .stdout(contains("handed back"));
}
