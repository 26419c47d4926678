//! Where careerdesk keeps its data, configuration and logs.

use std::path::{Path, PathBuf};

/// The policy file's name in the data folder.
pub const POLICY_FILE: &str = "policy.toml";

/// The directories one store uses.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The data directory (store, policy, outbox).
    pub data: PathBuf,
    /// The configuration directory (user keymap, theme).
    pub config: PathBuf,
    /// Where log files go.
    pub logs: PathBuf,
}

impl Paths {
    /// Paths for `data_dir` when given (flag or `CAREERDESK_DATA_DIR`), else the platform's
    /// standard locations.
    pub fn resolve(data_dir: Option<&Path>) -> Self {
        let dirs = directories::ProjectDirs::from("uk.ac", "careerdesk", "careerdesk");
        match (data_dir, dirs) {
            (Some(d), _) => Self {
                data: d.to_path_buf(),
                config: d.join("config"),
                logs: d.join("logs"),
            },
            (None, Some(p)) => Self {
                data: p.data_dir().to_path_buf(),
                config: p.config_dir().to_path_buf(),
                logs: p
                    .state_dir()
                    .map(|s| s.to_path_buf())
                    .unwrap_or_else(|| p.data_dir().join("logs")),
            },
            (None, None) => {
                let d = PathBuf::from(".careerdesk");
                Self {
                    config: d.join("config"),
                    logs: d.join("logs"),
                    data: d,
                }
            }
        }
    }

    /// The sled store directory.
    pub fn store(&self) -> PathBuf {
        self.data.join("store")
    }

    /// The institution's policy file.
    pub fn policy(&self) -> PathBuf {
        self.data.join(POLICY_FILE)
    }

    /// Where automatic backups go, one folder a day.
    pub fn backups(&self) -> PathBuf {
        self.data.join("backups")
    }

    /// The outbox folder (`.eml` files).
    pub fn outbox(&self) -> PathBuf {
        self.data.join("outbox")
    }

    /// Makes the data folder and everything careerdesk keeps in it (store, policy, outbox,
    /// logs, backups) readable by their owner only, fixing up what earlier versions or a
    /// copy left open: folders 0700, files 0600 (on unix; elsewhere the platform's defaults).
    pub fn restrict(&self) {
        if !self.data.exists() {
            return;
        }
        crate::store::files::restrict_one(&self.data);
        for path in [
            self.store(),
            self.policy(),
            self.outbox(),
            self.backups(),
            self.logs.clone(),
        ] {
            crate::store::files::restrict(&path);
        }
    }
}

/// Makes every file and folder this process creates from now on readable by its owner only
/// (a umask of 077 on unix; nothing elsewhere).
pub fn private_new_files() {
    #[cfg(unix)]
    {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}
