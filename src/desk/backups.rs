//! Backups and restore. A backup is a folder holding a consistent copy of the store (made
//! with commits held, see `Store::backup_to`), the policy file, and a manifest written last
//! with the copy's checksum; a folder without a whole manifest is not a backup. Restoring
//! checks a backup completely before the current store is moved aside (never deleted).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::maintenance::{io, swap_in};
use super::{Clock, Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::paths::Paths;
use crate::policy::Policy;
use crate::store::files::{self, StoreState};
use crate::store::{beside, HoldCommits, LockedStore, Recovery, StoreError, WriteSet, BACKUP_STORE_DIR, STORE_FORMAT};

/// The manifest's file name inside a backup folder.
pub const MANIFEST: &str = "careerdesk-backup.json";
/// What a manifest says it is.
const MANIFEST_KIND: &str = "careerdesk backup";
const MANIFEST_FORMAT: u8 = 1;
const POLICY_FILE: &str = "policy.toml";

/// The manifest of a backup: what it holds and how to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always "careerdesk backup".
    pub kind: String,
    /// The manifest's layout.
    pub format: u8,
    /// The store layout of the copy.
    pub store_format: u8,
    /// When it was made.
    pub made_at: DateTime<Utc>,
    /// Who made it (the signed-in operator's login).
    pub made_by: String,
    /// Whether it was the policy's automatic daily backup.
    pub automatic: bool,
    /// The device id of the store it was made from.
    pub device: String,
    /// Keys in the copy.
    pub keys: usize,
    /// BLAKE3 over every tree, key and value of the copy.
    pub checksum: String,
    /// The careerdesk version that made it.
    pub version: String,
}

/// A backup that was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backup {
    /// Its folder.
    pub path: PathBuf,
    /// What its manifest says.
    pub manifest: Manifest,
    /// How long commits were held back while the store was copied, in milliseconds.
    pub gate_held_ms: u64,
    /// How long the whole backup took, in milliseconds.
    pub took_ms: u64,
}

/// What `backup_if_due` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum AutoBackup {
    /// Today's backup was made; older ones beyond the policy's `keep` were removed.
    Made {
        /// The backup.
        backup: Backup,
        /// The folders removed.
        pruned: Vec<PathBuf>,
    },
    /// Today's backup exists already.
    NotDue {
        /// Its folder.
        path: PathBuf,
    },
    /// The policy turns automatic backups off.
    Off,
    /// The store kept changing at every try and an automatic backup never makes commits wait:
    /// none was kept; the next try makes it.
    Busy,
}

/// What restoring a backup did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restored {
    /// The backup restored.
    pub backup: PathBuf,
    /// When the backup was made.
    pub made_at: DateTime<Utc>,
    /// Where the store that was replaced is kept (none if there was no store).
    pub previous_store: Option<PathBuf>,
    /// Where the policy file that was replaced is kept.
    pub previous_policy: Option<PathBuf>,
    /// The device id the backup's store had.
    pub old_device: String,
    /// The restored store's new device id.
    pub new_device: String,
    /// Records in the restored store (every one read).
    pub records: usize,
    /// Index problems found in the backup (a re-index repairs them).
    pub index_problems: usize,
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%S").to_string()
}

fn invalid(what: String) -> DeskError {
    DeskError::Invalid(what)
}

impl Desk {
    /// Makes a backup at `dest` (a folder that must not exist yet): the store copied with
    /// commits held, the policy file, and the manifest (administrators). Audited, the entry
    /// in the backup too.
    pub fn backup(&self, paths: &Paths, dest: &Path) -> Result<Backup, DeskError> {
        self.require(Permission::MaintainStore)?;
        if dest.exists() {
            return Err(invalid(format!(
                "{} already exists; give a new folder for the backup",
                dest.display()
            )));
        }
        let staging = beside(dest, "partial");
        if staging.exists() {
            return Err(invalid(format!(
                "{} is left from a backup that was stopped; remove it and try again",
                staging.display()
            )));
        }
        self.write_backup(paths, dest, &staging, false)
    }

    /// Makes today's automatic backup in `DATA_DIR/backups/YYYY-MM-DD` unless it exists, and
    /// removes the oldest beyond the policy's `backups.keep`. Any signed-in operator's session
    /// may: the policy asks for it. For cron (`careerdesk store backup --auto`) and the desk
    /// screen, which should call it once after sign-in and then hourly, off the screen thread.
    pub fn backup_if_due(&self, paths: &Paths) -> Result<AutoBackup, DeskError> {
        self.require(Permission::AutomaticBackup)?;
        let settings = self.policy.backups;
        if !settings.automatic {
            return Ok(AutoBackup::Off);
        }
        let root = paths.backups();
        let dest = root.join(self.today().format("%Y-%m-%d").to_string());
        if dest.join(MANIFEST).exists() {
            return Ok(AutoBackup::NotDue { path: dest });
        }
        std::fs::create_dir_all(&root).map_err(|e| io(&root, e))?;
        let staging = beside(&dest, "partial");
        if staging.exists() {
            // Left by an automatic backup that was stopped; never a backup itself.
            std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
        }
        if dest.exists() {
            // A folder with no manifest is not a backup; keep it aside rather than trust it.
            let aside = beside(&dest, &format!("incomplete-{}", stamp(self.now())));
            std::fs::rename(&dest, &aside).map_err(|e| io(&dest, e))?;
        }
        let backup = match self.write_backup(paths, &dest, &staging, true) {
            Err(DeskError::Store(StoreError::Busy)) => return Ok(AutoBackup::Busy),
            other => other?,
        };
        let pruned = prune(&root, settings.keep as usize)?;
        Ok(AutoBackup::Made { backup, pruned })
    }

    fn write_backup(&self, paths: &Paths, dest: &Path, staging: &Path, automatic: bool) -> Result<Backup, DeskError> {
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Maintenance,
            None,
            format!(
                "{} backup to {}",
                if automatic { "automatic" } else { "manual" },
                dest.display()
            ),
        ));
        self.commit(ws)?;
        std::fs::create_dir_all(staging).map_err(|e| io(staging, e))?;
        let result = self.fill_backup(paths, staging, automatic);
        let made = match result {
            Ok(made) => made,
            Err(e) => {
                let _ = std::fs::remove_dir_all(staging);
                return Err(e);
            }
        };
        files::restrict(staging);
        std::fs::rename(staging, dest).map_err(|e| io(dest, e))?;
        tracing::info!(
            "backup made at {} ({} keys, commits held {} ms, {} ms in all)",
            dest.display(),
            made.manifest.keys,
            made.gate_held_ms,
            made.took_ms
        );
        Ok(Backup {
            path: dest.to_path_buf(),
            ..made
        })
    }

    fn fill_backup(&self, paths: &Paths, staging: &Path, automatic: bool) -> Result<Backup, DeskError> {
        let hold = if automatic {
            HoldCommits::Never
        } else {
            HoldCommits::WhenBusy
        };
        let copy = self.store.backup_to(&staging.join(BACKUP_STORE_DIR), hold)?;
        std::fs::copy(paths.policy(), staging.join(POLICY_FILE)).map_err(|e| {
            invalid(format!(
                "could not copy the policy file {} into the backup: {e}",
                paths.policy().display()
            ))
        })?;
        let manifest = Manifest {
            kind: MANIFEST_KIND.into(),
            format: MANIFEST_FORMAT,
            store_format: STORE_FORMAT,
            made_at: self.now(),
            made_by: self.operator.login.to_string(),
            automatic,
            device: self.store.device().to_string(),
            keys: copy.keys,
            checksum: copy.checksum,
            version: env!("CARGO_PKG_VERSION").into(),
        };
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| StoreError::Io(format!("the manifest could not be written: {e}")))?;
        // Written last: a folder with a manifest holds everything the manifest names.
        write_durably(&staging.join(MANIFEST), text.as_bytes())?;
        Ok(Backup {
            path: staging.to_path_buf(),
            manifest,
            gate_held_ms: u64::try_from(copy.gate_held.as_millis()).unwrap_or(u64::MAX),
            took_ms: u64::try_from(copy.took.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Restores the backup in `backup` as the store of `paths`, after checking it: it is a
    /// careerdesk backup of a known format whose checksum matches, `login`'s password unlocks
    /// it, `login` is an administrator in it, and every record in it reads. The current store
    /// is moved aside (`store.before-restore-TIME`, never deleted) and so is the policy file;
    /// the backup itself is not changed. The restored store gets a new device id, recorded in
    /// its meta and audit log. Needs no session on the current store, which may be damaged
    /// beyond opening; nothing else may have it open.
    pub fn restore(
        paths: &Paths,
        backup: &Path,
        login: &str,
        password: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Restored, DeskError> {
        let manifest = read_manifest(backup)?;
        let backup_store = backup.join(BACKUP_STORE_DIR);
        match LockedStore::state(&backup_store) {
            StoreState::Present => {}
            StoreState::Absent => {
                return Err(invalid(format!(
                    "the backup at {} holds no store (no `{BACKUP_STORE_DIR}` folder); try another backup",
                    backup.display()
                )))
            }
            StoreState::Damaged(d) => {
                return Err(invalid(format!(
                    "the backup at {} is damaged: {} {}; try another backup",
                    backup.display(),
                    d.file,
                    d.problem
                )))
            }
        }
        let policy_text = std::fs::read_to_string(backup.join(POLICY_FILE)).map_err(|e| {
            invalid(format!(
                "the backup at {} has no readable policy file: {e}",
                backup.display()
            ))
        })?;
        let policy = Policy::parse(&policy_text, &backup.join(POLICY_FILE).display().to_string())?;
        refuse_if_in_use(&paths.store())?;

        let now = clock.now();
        let store_dir = paths.store();
        let staging = beside(&store_dir, "restoring");
        if staging.exists() {
            // Left by a restore that was stopped; it never replaced the store.
            std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
        }
        if let Some(parent) = store_dir.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        files::copy_dir(&backup_store, &staging).map_err(|e| io(&staging, e))?;
        let checked = check_restored(&staging, &manifest, policy, login, password, clock, backup);
        let (records, index_problems, old_device, new_device) = match checked {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        // The policy first, beside its final place, so the swap below is the last step.
        let policy_staging = beside(&paths.policy(), "restoring");
        std::fs::write(&policy_staging, &policy_text).map_err(|e| io(&policy_staging, e))?;
        let previous_store = store_dir
            .exists()
            .then(|| beside(&store_dir, &format!("before-restore-{}", stamp(now))));
        if let Err(e) = swap_in(&store_dir, &staging, previous_store.as_deref().unwrap_or(&staging)) {
            let _ = std::fs::remove_file(&policy_staging);
            return Err(e);
        }
        let previous_policy = paths
            .policy()
            .exists()
            .then(|| beside(&paths.policy(), &format!("before-restore-{}", stamp(now))));
        if let Some(kept) = &previous_policy {
            std::fs::rename(paths.policy(), kept).map_err(|e| io(&paths.policy(), e))?;
        }
        std::fs::rename(&policy_staging, paths.policy()).map_err(|e| io(&paths.policy(), e))?;
        paths.restrict();
        Ok(Restored {
            backup: backup.to_path_buf(),
            made_at: manifest.made_at,
            previous_store,
            previous_policy,
            old_device,
            new_device,
            records,
            index_problems,
        })
    }
}

/// Checks the copy of a backup at `staging` and, if it passes, gives it a new device id and
/// records the restore in its audit log. Returns records read, index problems, old and new
/// device ids.
fn check_restored(
    staging: &Path,
    manifest: &Manifest,
    policy: Policy,
    login: &str,
    password: &str,
    clock: Arc<dyn Clock>,
    backup: &Path,
) -> Result<(usize, usize, String, String), DeskError> {
    let locked = LockedStore::open(staging)?;
    let (checksum, keys) = locked.checksum()?;
    if checksum != manifest.checksum || keys != manifest.keys {
        return Err(StoreError::Io(format!(
            "the backup at {} does not match its manifest's checksum: it was changed or damaged after it \
             was made; try another backup",
            backup.display()
        ))
        .into());
    }
    let desk = Desk::sign_in(&locked, policy, login, password, clock)?;
    desk.require(Permission::MaintainStore)?;
    let report = desk.store.check()?;
    if report.recovery == Recovery::RestoreBackup {
        return Err(StoreError::Io(format!(
            "the backup at {} has damaged records ({}); try another backup",
            backup.display(),
            report.summary()
        ))
        .into());
    }
    let (store, old) = desk.store.clone().take_new_device(desk.now())?;
    let mut ws = WriteSet::new();
    ws.audit(desk.audit(
        AuditAction::Maintenance,
        None,
        format!(
            "restored from the backup at {} made {} by {}; new device id {} (was {})",
            backup.display(),
            manifest.made_at.format("%Y-%m-%d %H:%M:%S UTC"),
            manifest.made_by,
            store.device(),
            old
        ),
    ));
    store.commit(desk.operator.id, ws, desk.now())?;
    let new = store.device().to_string();
    Ok((report.records, report.index_problems(), old.to_string(), new))
}

/// Refuses when another process has the store at `dir` open; a damaged store may be replaced.
fn refuse_if_in_use(dir: &Path) -> Result<(), DeskError> {
    match LockedStore::open(dir) {
        Err(StoreError::Open { reason, .. }) if reason.contains("another careerdesk process") => {
            Err(StoreError::Open {
                path: dir.to_path_buf(),
                reason: format!("{reason}; nothing was restored"),
            }
            .into())
        }
        _ => Ok(()),
    }
}

/// Reads and checks the manifest of the backup at `dir`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, DeskError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        invalid(format!(
            "{} is not a careerdesk backup (no readable {MANIFEST}: {e}); give the folder `careerdesk store backup` made",
            dir.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        invalid(format!(
            "{} is damaged or not a careerdesk backup manifest ({e})",
            path.display()
        ))
    })?;
    if manifest.kind != MANIFEST_KIND || manifest.format != MANIFEST_FORMAT {
        return Err(invalid(format!(
            "{} is not a careerdesk backup manifest this careerdesk knows (format {})",
            path.display(),
            manifest.format
        )));
    }
    if manifest.store_format == 0 || manifest.store_format > STORE_FORMAT {
        return Err(invalid(format!(
            "the backup at {} holds a store in format {}, which this careerdesk cannot open (it knows up to {STORE_FORMAT}); \
             restore it with the careerdesk that made it ({})",
            dir.display(),
            manifest.store_format,
            manifest.version
        )));
    }
    Ok(manifest)
}

/// Removes the oldest automatic backups in `root` beyond the newest `keep`. Only folders named
/// as a day that hold a manifest are counted or removed.
fn prune(root: &Path, keep: usize) -> Result<Vec<PathBuf>, DeskError> {
    let mut days: Vec<(NaiveDate, PathBuf)> = std::fs::read_dir(root)
        .map_err(|e| io(root, e))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let day = NaiveDate::parse_from_str(&name, "%Y-%m-%d").ok()?;
            e.path().join(MANIFEST).exists().then(|| (day, e.path()))
        })
        .collect();
    days.sort();
    let extra = days.len().saturating_sub(keep.max(1));
    let mut pruned = Vec::new();
    for (_, path) in days.into_iter().take(extra) {
        std::fs::remove_dir_all(&path).map_err(|e| io(&path, e))?;
        pruned.push(path);
    }
    Ok(pruned)
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), DeskError> {
    use std::io::Write;
    let mut f = std::fs::File::create(path).map_err(|e| io(path, e))?;
    f.write_all(bytes).map_err(|e| io(path, e))?;
    f.sync_all().map_err(|e| io(path, e))?;
    Ok(())
}
