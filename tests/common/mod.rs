//! Shared set-up for integration tests: a fresh store in a temporary directory.
#![allow(dead_code)]

pub mod desks;
pub mod panes;
pub mod pty;
pub mod server;
pub mod serving;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use careerdesk::desk::{Desk, FixedClock, NewClient, NewOperator};
use careerdesk::domain::operator::Role;
use careerdesk::policy::{example, Policy};
use careerdesk::store::LockedStore;
use chrono::{DateTime, TimeZone, Utc};

pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const STAFF_PASSWORD: &str = "staff-password-1";

/// A fixed time: Friday 20 November 2026, 10:00 UTC.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

/// Opens a store's sled database directly (to damage or inspect it), waiting a moment for a
/// store this process has just closed to let go of its file lock (sled frees it a little later).
pub fn raw_sled(path: impl AsRef<Path>) -> sled::Db {
    let path = path.as_ref();
    for _ in 0..40 {
        match sled::open(path) {
            Ok(db) => return db,
            Err(e) if e.to_string().contains("lock") => std::thread::sleep(std::time::Duration::from_millis(50)),
            Err(e) => panic!("cannot open {}: {e}", path.display()),
        }
    }
    panic!("{} stayed locked", path.display())
}

/// The real binary acting as `login` (with `password`) on the data folder `dir`.
pub fn bin_as(dir: &Path, login: &str, password: &str) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("careerdesk").expect("the careerdesk binary");
    c.env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .env("CAREERDESK_PASSWORD", password)
        .env_remove("CAREERDESK_OPERATOR")
        .args(["--as", login]);
    c
}

/// The real binary acting as `login`: the administrator `admin` with [`ADMIN_PASSWORD`],
/// anyone else with [`STAFF_PASSWORD`].
pub fn as_op(dir: &Path, login: &str) -> assert_cmd::Command {
    let pw = if login == "admin" {
        ADMIN_PASSWORD
    } else {
        STAFF_PASSWORD
    };
    bin_as(dir, login, pw)
}

/// A new store in `dir` (see [`cli_init`]) with trained operators `(login, role)` added through
/// the command line, each with [`STAFF_PASSWORD`].
pub fn cli_init_with(dir: &Path, staff: &[(&str, &str)]) {
    cli_init(dir);
    for (login, role) in staff {
        as_op(dir, "admin")
            .args(["operator", "add", login, "--name", login, "--role", role])
            .args(["--trained", "2026-01-05", "--password-stdin"])
            .write_stdin(format!("{STAFF_PASSWORD}\n"))
            .assert()
            .success();
    }
}

/// A new store in the data folder `dir`, made through the command line with the shipped
/// `standard` policy and the administrator `admin` (password [`ADMIN_PASSWORD`]).
pub fn cli_init(dir: &Path) {
    let policy = dir.join("test-policy.toml");
    std::fs::write(&policy, example("standard").expect("standard policy").text).expect("policy file");
    assert_cmd::Command::cargo_bin("careerdesk")
        .expect("the careerdesk binary")
        .env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .env("CAREERDESK_PASSWORD", ADMIN_PASSWORD)
        .args([
            "init",
            "--policy",
            policy.to_str().expect("a UTF-8 path"),
            "--admin",
            "admin",
        ])
        .assert()
        .success();
}

/// Adds the clients `sns` through the command line, each with a name, e-mail and mobile
/// (`admin` gives a command acting as an administrator on the store).
pub fn cli_add_clients(admin: impl Fn() -> assert_cmd::Command, sns: &[&str]) {
    for sn in sns {
        admin()
            .args([
                "client",
                "add",
                "--student-number",
                sn,
                "--name",
                &format!("Client {sn}"),
            ])
            .args([
                "--email",
                &format!("c{sn}@student.example.ac.uk"),
                "--phone",
                "07700 900123",
            ])
            .args(["--programme", "BSc Physics", "--level", "ug", "--status", "student"])
            .assert()
            .success();
    }
}

/// A student number typed in a test.
pub fn sn(text: &str) -> careerdesk::domain::validate::StudentNumber {
    careerdesk::domain::validate::StudentNumber::parse(text).unwrap()
}

/// A login typed in a test.
pub fn login(text: &str) -> careerdesk::domain::operator::Login {
    careerdesk::domain::operator::Login::parse(text).unwrap()
}

/// A local `YYYY-MM-DD HH:MM` in the standard policy's time zone.
pub fn local(text: &str) -> DateTime<Utc> {
    careerdesk::domain::validate::local_datetime("at", text, policy().institution.time_zone).unwrap()
}

pub fn policy() -> Policy {
    let ex = example("standard").expect("the standard example ships");
    Policy::parse(ex.text, "standard").expect("the standard example parses")
}

pub fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(t0()))
}

pub fn store_dir(tmp: &Path) -> PathBuf {
    tmp.join("store")
}

/// A new store with administrator `admin`.
pub fn init(tmp: &Path, clock: Arc<FixedClock>) -> Desk {
    Desk::init(
        &store_dir(tmp),
        policy(),
        "admin",
        "Admin Person",
        ADMIN_PASSWORD,
        clock,
    )
    .expect("init")
}

pub fn sign_in(
    tmp: &Path,
    login: &str,
    password: &str,
    clock: Arc<FixedClock>,
) -> Result<Desk, careerdesk::desk::DeskError> {
    let locked = LockedStore::open(&store_dir(tmp)).expect("open");
    Desk::sign_in(&locked, policy(), login, password, clock)
}

/// Signs in another operator on the store `desk` has open.
pub fn sign_in_via(
    desk: &Desk,
    login: &str,
    password: &str,
    clock: Arc<FixedClock>,
) -> Result<Desk, careerdesk::desk::DeskError> {
    Desk::sign_in(&desk.locked(), policy(), login, password, clock)
}

/// Adds a client the way every front end does: the typed text checked first (each wrong field
/// named, as `DeskError::Fields`), then the desk.
pub fn add(desk: &Desk, c: &NewClient) -> Result<careerdesk::domain::client::Client, careerdesk::desk::DeskError> {
    let details = c.parse().map_err(careerdesk::desk::DeskError::Fields)?;
    desk.add_client(&details)
}

pub fn new_client(sn: &str, name: &str) -> NewClient {
    NewClient {
        student_number: sn.into(),
        name: name.into(),
        email: format!("{}@student.example.ac.uk", sn),
        phone: Some("07700 900123".into()),
        programme: "BSc Physics".into(),
        school: Some("Natural Sciences".into()),
        level: "ug".into(),
        status: "student".into(),
        course_end: Some("2028-06-30".into()),
        contact: None,
    }
}

pub fn staff(login: &str, roles: &[Role], trained: Option<&str>) -> NewOperator {
    NewOperator {
        login: login.into(),
        name: format!("{login} person"),
        roles: roles.to_vec(),
        trained_on: trained.map(|d| d.parse().unwrap()),
        password: STAFF_PASSWORD.into(),
    }
}

/// A UTC time.
pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// A store at a fixed time with trained staff and clients, for driving the desk.
pub struct World {
    pub _tmp: tempfile::TempDir,
    pub clock: Arc<FixedClock>,
    pub admin: Desk,
}

impl World {
    /// A store at `now` with `staff` (login, role) trained on 1 Jan 2026 and `clients`
    /// (student number, name).
    pub fn new(now: DateTime<Utc>, staff_list: &[(&str, Role)], clients: &[(&str, &str)]) -> World {
        let tmp = tempfile::tempdir().unwrap();
        let clock = clock();
        clock.set(now);
        let admin = init(tmp.path(), clock.clone());
        for (login, role) in staff_list {
            admin.add_operator(&staff(login, &[*role], Some("2026-01-01"))).unwrap();
        }
        for (sn, name) in clients {
            add(&admin, &new_client(sn, name)).unwrap();
        }
        World {
            _tmp: tmp,
            clock,
            admin,
        }
    }

    /// Another operator signed in on the same store.
    pub fn as_(&self, login: &str) -> Desk {
        sign_in_via(&self.admin, login, STAFF_PASSWORD, self.clock.clone()).unwrap()
    }

    /// Adds a slot (default length and location for the type).
    pub fn slot(&self, consultant: &str, ty: &str, local: &str) {
        self.admin
            .add_slot(&careerdesk::desk::NewSlot {
                consultant: login(consultant),
                appointment_type: ty.into(),
                start: self::local(local),
                minutes: None,
                location: None,
            })
            .unwrap();
    }

    /// Books through `desk`, with a particular consultant or any.
    pub fn book_with(
        &self,
        desk: &Desk,
        sn: &str,
        ty: &str,
        local: &str,
        consultant: Option<&str>,
    ) -> Result<careerdesk::domain::appointment::Appointment, careerdesk::desk::DeskError> {
        desk.book(&careerdesk::desk::NewBooking {
            client: self::sn(sn),
            appointment_type: ty.into(),
            start: self::local(local),
            consultant: consultant.map(login),
        })
    }
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Damages the sled page holding one client record, the way a flipped bit on disk would: a
/// byte inside the last copy of that record's value in `db` is changed. Chooses a record whose
/// page sled reads only when the clients tree is read (not when the store opens), trying each
/// on a scratch copy first. Panics if no record qualifies.
pub fn break_a_client_page(store: &Path) {
    let values: Vec<Vec<u8>> = {
        let db = raw_sled(store);
        // Later writes in a tree careerdesk does not read move the log's tip well past the
        // clients' pages, so sled does not scan them when it opens.
        let filler = db.open_tree("test_filler").unwrap();
        for i in 0..4000u32 {
            filler.insert(i.to_be_bytes(), vec![7u8; 400]).unwrap();
        }
        db.flush().unwrap();
        let clients = db.open_tree("clients").unwrap();
        clients.iter().map(|r| r.unwrap().1.to_vec()).collect()
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    drop(raw_sled(store));
    std::thread::sleep(std::time::Duration::from_millis(200));
    let db_file = store.join("db");
    let original = std::fs::read(&db_file).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let mut trial_no = 0;
    for value in &values {
        let needle = &value[10..42];
        // Every copy of the value in the log, newest first: sled reads one of them.
        let copies: Vec<usize> = original
            .windows(needle.len())
            .enumerate()
            .filter(|(_, w)| *w == needle)
            .map(|(at, _)| at)
            .collect();
        for at in copies.into_iter().rev() {
            let mut bytes = original.clone();
            bytes[at + 5] ^= 0x10;
            trial_no += 1;
            let trial = scratch.path().join(format!("trial-{trial_no}"));
            copy_dir(store, &trial);
            std::fs::write(trial.join("db"), &bytes).unwrap();
            let opens_but_fails_to_read = match sled::open(&trial) {
                Ok(db) => {
                    let t = db.open_tree("clients").unwrap();
                    t.iter().any(|r| r.is_err())
                }
                Err(_) => false,
            };
            if opens_but_fails_to_read {
                std::fs::write(&db_file, &bytes).unwrap();
                return;
            }
        }
    }
    panic!("no client record's page could be damaged without stopping the store from opening");
}
