//! Where careerdesk keeps its data, configuration and logs.

use std::path::{Path, PathBuf};

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
        self.data.join("policy.toml")
    }
}
