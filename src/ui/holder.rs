//! Who has the store open. sled lets one process open a store at a time; while the desk screen
//! has it, it leaves a small note in the data directory (its process id, what it is, since
//! when), removed when the screen ends. A command that finds the store locked reads the note to
//! say plainly what holds it and what to do (decision 0013). A note left by a process that no
//! longer runs (killed, or the machine lost power) is recognised by its process id.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};
use serde::{Deserialize, Serialize};

/// The note's file name in the data directory.
pub const FILE_NAME: &str = "store-holder.json";

/// What the desk screen calls itself in the note.
pub const DESK_SCREEN: &str = "the desk screen";

/// The contents of the note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderInfo {
    /// The holding process.
    pub pid: u32,
    /// What holds the store, in words (`the desk screen`).
    pub holder: String,
    /// When it opened the store.
    pub since: DateTime<Utc>,
}

/// The note, written while this process holds the store and removed when dropped.
#[derive(Debug)]
pub struct Holder {
    path: PathBuf,
}

impl Holder {
    /// Writes the note for this process into `data_dir`. A failure to write is logged and
    /// otherwise ignored: the store is held either way, and commands still say it is in use.
    pub fn claim(data_dir: &Path, holder: &str) -> Holder {
        let path = data_dir.join(FILE_NAME);
        let info = HolderInfo {
            pid: std::process::id(),
            holder: holder.to_string(),
            since: Utc::now(),
        };
        let part = data_dir.join(format!(".{FILE_NAME}.part"));
        let written = serde_json::to_vec(&info)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&part, bytes))
            .and_then(|()| std::fs::rename(&part, &path));
        if let Err(e) = written {
            tracing::warn!("cannot write {}: {e}", path.display());
        }
        Holder { path }
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        // Only this process's own note is removed (another may have replaced a stale one).
        if read_file(&self.path).is_some_and(|h| h.pid == std::process::id()) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn read_file(path: &Path) -> Option<HolderInfo> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The note in `data_dir`, if there is one that can be read.
pub fn read(data_dir: &Path) -> Option<HolderInfo> {
    read_file(&data_dir.join(FILE_NAME))
}

/// The note in `data_dir` if the process it names is still running (or cannot be checked).
pub fn live(data_dir: &Path) -> Option<HolderInfo> {
    read(data_dir).filter(|h| h.is_running() != Some(false))
}

impl HolderInfo {
    /// Whether the process is still running; `None` where this platform cannot tell.
    pub fn is_running(&self) -> Option<bool> {
        if self.pid == 0 {
            return Some(false);
        }
        if cfg!(target_os = "linux") {
            return Some(Path::new("/proc").join(self.pid.to_string()).exists());
        }
        if cfg!(unix) {
            // `kill -0` only asks whether the process exists.
            return std::process::Command::new("kill")
                .args(["-0", &self.pid.to_string()])
                .stderr(std::process::Stdio::null())
                .status()
                .ok()
                .map(|s| s.success());
        }
        None
    }

    /// What to tell someone who found the store locked.
    pub fn message(&self) -> String {
        let since = self.since.with_timezone(&Local);
        let when = if since.date_naive() == Local::now().date_naive() {
            since.format("%H:%M").to_string()
        } else {
            since.format("%Y-%m-%d %H:%M").to_string()
        };
        format!(
            "{} (process {}, open since {when}) is using this store; run this from the screen \
             (ctrl-p lists commands) or close it first",
            self.holder, self.pid
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_this_process_and_goes_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let held = Holder::claim(dir.path(), DESK_SCREEN);
        let info = live(dir.path()).expect("a note for a running process");
        assert_eq!(info.pid, std::process::id());
        let msg = info.message();
        assert!(
            msg.starts_with(&format!("the desk screen (process {}, open since ", info.pid)),
            "{msg}"
        );
        assert!(msg.contains("ctrl-p lists commands"), "{msg}");
        drop(held);
        assert!(read(dir.path()).is_none());
    }

    #[test]
    fn a_note_from_a_process_that_has_ended_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--list")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let info = HolderInfo {
            pid,
            holder: DESK_SCREEN.into(),
            since: Utc::now(),
        };
        std::fs::write(dir.path().join(FILE_NAME), serde_json::to_vec(&info).unwrap()).unwrap();
        assert_eq!(read(dir.path()), Some(info.clone()));
        if info.is_running().is_some() {
            assert!(live(dir.path()).is_none(), "process {pid} has ended");
        }
    }
}
