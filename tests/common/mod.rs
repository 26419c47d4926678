//! Shared set-up for integration tests: a fresh store in a temporary directory.
#![allow(dead_code)]

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
