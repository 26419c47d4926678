//! Desks of one institution for the sync tests: a second desk made from a first one's backup,
//! and one sync.

use std::sync::Arc;

use careerdesk::desk::Desk;

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

/// A progress callback that ignores progress.
pub fn no_progress(_: &str, _: u64, _: u64) {}

/// Syncs `desk` once, which must succeed.
pub fn sync(desk: &Desk) -> careerdesk::sync::client::SyncReport {
    desk.sync_now(&no_progress).unwrap()
}
