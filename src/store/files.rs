//! The files a store folder holds, and whether they look whole before sled is asked to open
//! them: a missing or damaged file is named, never taken for "no store".
//!
//! sled 0.34 keeps `conf` (its settings, with a CRC-32 at the end), `db` (the log),
//! `blobs/` (large values) and `snap.*` (recovery snapshots, each ending in its length and a
//! CRC-32; the newest is read). sled is pinned (`=0.34.7`), so these layouts are fixed.

use std::path::{Path, PathBuf};

use super::error::RESTORE_STEPS;
use super::StoreError;

/// What a store folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreState {
    /// Nothing: no folder, or an empty one.
    Absent,
    /// Every file sled needs, whole as far as can be told without opening it.
    Present,
    /// Store files, but one is missing or damaged.
    Damaged(Damage),
}

/// A missing or damaged store file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The file or folder, relative to the store folder.
    pub file: String,
    /// What is wrong with it.
    pub problem: String,
    /// What to do.
    pub recovery: String,
}

impl Damage {
    fn new(file: &str, problem: &str) -> Self {
        Self {
            file: format!("`{file}`"),
            problem: problem.to_string(),
            recovery: RESTORE_STEPS.to_string(),
        }
    }

    /// This damage as an error about the store at `path`.
    pub fn at(self, path: &Path) -> StoreError {
        StoreError::Damaged {
            path: path.to_path_buf(),
            file: self.file,
            problem: self.problem,
            recovery: self.recovery,
        }
    }
}

/// Looks at the files in `dir` without opening the database.
pub fn state(dir: &Path) -> StoreState {
    let entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(list) => list.flatten().map(|e| e.path()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return StoreState::Absent,
        Err(e) => {
            return StoreState::Damaged(Damage {
                file: "the store folder".into(),
                problem: format!("cannot be read ({e})"),
                recovery: "check the folder's owner and permissions".into(),
            })
        }
    };
    if entries.is_empty() {
        return StoreState::Absent;
    }
    match diagnose(dir, &entries) {
        Some(d) => StoreState::Damaged(d),
        None => StoreState::Present,
    }
}

fn diagnose(dir: &Path, entries: &[PathBuf]) -> Option<Damage> {
    if let Some(d) = check_conf(&dir.join("conf")) {
        return Some(d);
    }
    match std::fs::metadata(dir.join("db")) {
        Err(_) => return Some(Damage::new("db", "is missing (it holds every record)")),
        Ok(m) if m.len() == 0 => return Some(Damage::new("db", "is empty (it should hold every record)")),
        Ok(_) => {}
    }
    if !dir.join("blobs").is_dir() {
        let mut d = Damage::new("blobs", "folder is missing");
        d.recovery = format!(
            "{RESTORE_STEPS}. If the store was copied with a tool that leaves out empty folders, \
             creating an empty `blobs` folder in it is enough"
        );
        return Some(d);
    }
    if let Some(snap) = newest_snapshot(entries) {
        if let Err(problem) = check_snapshot(&snap) {
            let name = snap
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut d = Damage::new(&name, &problem);
            d.recovery = format!(
                "move `{name}` out of the store folder (it is only a recovery snapshot: sled rebuilds it \
                 from `db` at the next open) and try again; if the store still does not open, {RESTORE_STEPS}"
            );
            return Some(d);
        }
    }
    None
}

fn check_conf(path: &Path) -> Option<Damage> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(_) => return Some(Damage::new("conf", "is missing (it holds the database's settings)")),
    };
    // sled treats a conf of 8 bytes or fewer as absent and would start a new database.
    if bytes.len() <= 8 {
        return Some(Damage::new("conf", "is cut short"));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if crc32fast::hash(body) != stored {
        return Some(Damage::new("conf", "is damaged (its checksum does not match)"));
    }
    None
}

/// The snapshot sled would read: the last `snap.*` by name.
fn newest_snapshot(entries: &[PathBuf]) -> Option<PathBuf> {
    let mut snaps: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy())
                .is_some_and(|n| n.starts_with("snap.") && !n.ends_with(".in___motion"))
        })
        .collect();
    snaps.sort();
    snaps.pop().cloned()
}

fn check_snapshot(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read ({e})"))?;
    if bytes.len() <= 12 {
        return Err("is cut short".into());
    }
    let (body, tail) = bytes.split_at(bytes.len() - 12);
    let stored = u32::from_le_bytes([tail[8], tail[9], tail[10], tail[11]]);
    if crc32fast::hash(body) != stored {
        return Err("is damaged (its checksum does not match)".into());
    }
    Ok(())
}

/// Makes `dir` and everything under it readable by its owner only (folders 0700, files
/// 0600): the store is sealed, but its size, times and layout are nobody else's business.
/// Failures are logged, not fatal (a read-only backup medium, say).
pub fn restrict(dir: &Path) {
    #[cfg(unix)]
    restrict_unix(dir);
    #[cfg(not(unix))]
    let _ = dir;
}

/// Makes one file or folder readable by its owner only, leaving what a folder holds alone.
pub fn restrict_one(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            let mode = if meta.is_dir() { 0o700 } else { 0o600 };
            if !meta.file_type().is_symlink() && meta.permissions().mode() & 0o777 != mode {
                if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
                    tracing::warn!("could not restrict {}: {e}", path.display());
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(unix)]
fn restrict_unix(path: &Path) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.file_type().is_symlink() {
        return;
    }
    restrict_one(path);
    if meta.is_dir() {
        if let Ok(list) = std::fs::read_dir(path) {
            for entry in list.flatten() {
                restrict_unix(&entry.path());
            }
        }
    }
}

/// Copies the folder `from` to `to` (which must not exist), files and folders alike.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<u64> {
    std::fs::create_dir(to)?;
    let mut bytes = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            bytes += copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() {
            bytes += std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf_bytes(body: &[u8]) -> Vec<u8> {
        let mut v = body.to_vec();
        v.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
        v
    }

    #[test]
    fn each_missing_or_damaged_file_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("store");
        assert_eq!(state(&dir), StoreState::Absent);
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(state(&dir), StoreState::Absent);
        std::fs::write(dir.join("db"), b"log").unwrap();
        let named = |s: StoreState| match s {
            StoreState::Damaged(d) => d.file,
            other => panic!("{other:?}"),
        };
        assert_eq!(named(state(&dir)), "`conf`");
        std::fs::write(dir.join("conf"), conf_bytes(b"segment_size: 524288\n")).unwrap();
        assert_eq!(named(state(&dir)), "`blobs`");
        std::fs::create_dir(dir.join("blobs")).unwrap();
        assert_eq!(state(&dir), StoreState::Present);
        let mut snap = b"snapshot body".to_vec();
        snap.extend_from_slice(&[0; 8]);
        snap.extend_from_slice(&crc32fast::hash(b"snapshot body").to_le_bytes());
        std::fs::write(dir.join("snap.0000000000000001"), &snap).unwrap();
        assert_eq!(state(&dir), StoreState::Present);
        snap[2] ^= 4;
        std::fs::write(dir.join("snap.0000000000000002"), &snap).unwrap();
        match state(&dir) {
            StoreState::Damaged(d) => {
                assert_eq!(d.file, "`snap.0000000000000002`");
                assert!(
                    d.recovery.contains("move `snap.0000000000000002` out"),
                    "{}",
                    d.recovery
                );
            }
            other => panic!("{other:?}"),
        }
        std::fs::remove_file(dir.join("snap.0000000000000002")).unwrap();
        let mut conf = conf_bytes(b"segment_size: 524288\n");
        conf[3] ^= 1;
        std::fs::write(dir.join("conf"), conf).unwrap();
        assert_eq!(named(state(&dir)), "`conf`");
    }
}
