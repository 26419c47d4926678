//! Desks of one institution for the sync tests: a second desk made from a first one's backup,
//! its enrolment with a server, and one sync.

use std::sync::Arc;

use careerdesk::desk::Desk;
use careerdesk::domain::ids::OperatorId;
use careerdesk::domain::operator::{Operator, Role};
use careerdesk::store::WriteSet;

use super::server::Running;
use super::World;

/// Another desk of `w`'s institution: `w`'s backup restored in a folder of its own (so it has
/// `w`'s data and keys and a device id of its own), signed in as its administrator on `clock`.
pub fn twin(w: &World, clock: Arc<careerdesk::desk::FixedClock>) -> (tempfile::TempDir, Desk) {
    let paths = careerdesk::paths::Paths::resolve(w.admin.store().path().parent());
    if !paths.policy().exists() {
        std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    }
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("backup");
    w.admin.backup(&paths, &backup).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let there = careerdesk::paths::Paths::resolve(Some(dir.path()));
    Desk::restore(&there, &backup, "admin", super::ADMIN_PASSWORD, clock.clone()).unwrap();
    let desk = super::sign_in(dir.path(), "admin", super::ADMIN_PASSWORD, clock).unwrap();
    (dir, desk)
}

/// Enrols `world`'s administrator's desk with `server` as terminal `name`.
pub fn enrolled(world: &World, server: &super::server::Running, name: &str) {
    server.enrol(&world.admin, name);
}

/// Enrols `desk` (an administrator's) with `server` as terminal `name`.
pub fn enrol_desk(desk: &Desk, server: &super::server::Running, name: &str) {
    server.enrol(desk, name);
}

/// A progress callback that ignores progress.
pub fn no_progress(_: &str, _: u64, _: u64) {}

/// Syncs `desk` once, which must succeed.
pub fn sync(desk: &Desk) -> careerdesk::sync::client::SyncReport {
    desk.sync_now(&no_progress).unwrap()
}

/// Whether `desk` holds every op the server holds: as one of its own replicas' or as another
/// desk's, once each.
pub fn holds_all_the_server_has(desk: &Desk, server: &super::server::Running) {
    let on_server = server.relay().pull(0, usize::MAX, usize::MAX).unwrap();
    let remote = desk.store().remote_ops().unwrap();
    let own = desk.store().replicas().unwrap();
    let mine = |d: careerdesk::domain::ids::DeviceId, seq: u64| {
        own.ranges
            .iter()
            .any(|&(r, base, last)| r == d && seq > base && seq <= last)
    };
    for (_, op) in &on_server {
        let held = remote
            .iter()
            .filter(|r| r.device == op.device && r.seq == op.seq)
            .count();
        assert!(
            mine(op.device, op.seq) || held == 1,
            "op {} of {} is neither the desk's own nor held once",
            op.seq,
            op.device
        );
    }
    assert!(remote.len() <= on_server.len());
}

/// A server and two enrolled desks of one institution: A with `staff` and `clients`, and B
/// made from A's backup. The folders live as long as it does.
pub struct TwoDesks {
    pub _dir: tempfile::TempDir,
    pub server: Running,
    pub a: World,
    pub _b_dir: tempfile::TempDir,
    pub b: careerdesk::desk::Desk,
}

pub fn two_desks(staff: &[(&str, Role)], clients: &[(&str, &str)]) -> TwoDesks {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("server"));
    let a = World::new(super::t0(), staff, clients);
    let (b_dir, b) = twin(&a, a.clock.clone());
    enrolled(&a, &server, "Main desk");
    enrol_desk(&b, &server, "Second desk");
    TwoDesks {
        _dir: dir,
        server,
        a,
        _b_dir: b_dir,
        b,
    }
}

/// Writes `login`'s account with `roles` on `desk`, past the desk's checks, in the name of
/// `by` (signed if `by` is who is signed in there).
pub fn give_roles_past_the_desk(desk: &careerdesk::desk::Desk, login_name: &str, roles: Vec<Role>, by: OperatorId) {
    let old = desk.operator_by_login(&super::login(login_name)).unwrap();
    let mut promoted: Operator = old.clone();
    promoted.roles = roles;
    let mut ws = WriteSet::new();
    ws.put(desk.store(), Some(&old), &promoted);
    desk.store().commit(by, ws, super::t0()).unwrap();
}
