//! Compacting a store: copying every tree, in key order, into a fresh sled database.
//!
//! sled 0.34 never gives back space or page-table entries once freed; they are only reused by
//! later writes. A store that has been re-indexed (or has churned for years) therefore opens no
//! faster and takes no less disk than its peak. A fresh copy holds only what is live.

use std::path::{Path, PathBuf};

use super::{guard, open_db, Store, StoreError};

/// What a copy wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Copied {
    /// Where the copy is.
    pub path: PathBuf,
    /// Trees copied.
    pub trees: usize,
    /// Keys copied.
    pub keys: usize,
}

impl Store {
    /// Copies every tree into a new database at `dest` (which must not exist yet), then reads
    /// the copy back and checks it equals this store key by key. On any failure the partial copy is removed
    /// and this store is untouched.
    pub fn copy_to(&self, dest: &Path) -> Result<Copied, StoreError> {
        if dest.exists() {
            return Err(StoreError::Open {
                path: dest.to_path_buf(),
                reason: "it already exists; move it away first".into(),
            });
        }
        let result = guard::quietly(|| self.copy_into(dest)).unwrap_or_else(|_| Err(stopped()));
        if result.is_err() {
            // Only ever our own partial copy.
            let _ = std::fs::remove_dir_all(dest);
        }
        result
    }

    fn copy_into(&self, dest: &Path) -> Result<Copied, StoreError> {
        // Nothing in this process commits while the copy is made, so nothing is lost.
        let _held = self.hold_commits();
        self.flush()?;
        let copy = open_db(dest)?;
        let mut done = Copied {
            path: dest.to_path_buf(),
            trees: 0,
            keys: 0,
        };
        for name in self.db.tree_names() {
            done.keys += copy_tree(&self.db.open_tree(&name)?, &copy.open_tree(&name)?, None)?;
            done.trees += 1;
        }
        copy.flush()?;
        drop(copy);
        self.subjects.copy_into(dest)?;
        // Read the copy back from disk and compare it with the store, key by key.
        let copy = open_db(dest)?;
        let mismatch = |what: String| {
            StoreError::Io(format!(
                "the copy at {} does not match the store ({what}); nothing was changed",
                dest.display()
            ))
        };
        let (mut ours, mut theirs) = (self.db.tree_names(), copy.tree_names());
        ours.sort();
        theirs.sort();
        if ours != theirs {
            return Err(mismatch("different trees".into()));
        }
        for name in &ours {
            let (a, b) = (self.db.open_tree(name)?, copy.open_tree(name)?);
            let mut left = a.iter();
            let mut right = b.iter();
            loop {
                match (left.next().transpose()?, right.next().transpose()?) {
                    (None, None) => break,
                    (Some(x), Some(y)) if x == y => {}
                    _ => return Err(mismatch(format!("tree {}", String::from_utf8_lossy(name)))),
                }
            }
        }
        Ok(done)
    }
}

/// The error for a copy the storage engine stopped on (its panic is in the log).
pub(super) fn stopped() -> StoreError {
    StoreError::Unreadable { at: None }
}

/// Copies every key of `from` into `to` as it is, adding each to `digest` when given; returns
/// how many keys were copied.
pub(super) fn copy_tree(
    from: &sled::Tree,
    to: &sled::Tree,
    mut digest: Option<&mut Digest>,
) -> Result<usize, StoreError> {
    if let Some(d) = digest.as_deref_mut() {
        d.tree(&from.name());
    }
    let mut keys = 0;
    for item in from.iter() {
        let (k, v) = item?;
        if let Some(d) = digest.as_deref_mut() {
            d.entry(&k, &v);
        }
        to.insert(k, v)?;
        keys += 1;
    }
    Ok(keys)
}

/// A checksum over trees and their keys and values, in the order given: a copy read back
/// from disk must give the same one.
pub(super) struct Digest(blake3::Hasher);

impl Digest {
    pub(super) fn new() -> Self {
        Self(blake3::Hasher::new_derive_key("careerdesk store digest v1"))
    }

    fn part(&mut self, bytes: &[u8]) {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// Starts a tree.
    pub(super) fn tree(&mut self, name: &[u8]) {
        self.0.update(b"T");
        self.part(name);
    }

    /// Adds one key and value.
    pub(super) fn entry(&mut self, key: &[u8], value: &[u8]) {
        self.0.update(b"E");
        self.part(key);
        self.part(value);
    }

    /// The checksum, as hex.
    pub(super) fn finish(&self) -> String {
        self.0.finalize().to_hex().to_string()
    }
}

/// The digest of every tree of `db` (in name order) and how many keys it holds.
pub(super) fn digest_db(db: &sled::Db) -> Result<(String, usize), StoreError> {
    let mut names = db.tree_names();
    names.sort();
    let mut digest = Digest::new();
    let mut keys = 0;
    for name in names {
        let tree = db.open_tree(&name)?;
        digest.tree(&name);
        for item in tree.iter() {
            let (k, v) = item?;
            digest.entry(&k, &v);
            keys += 1;
        }
    }
    Ok((digest.finish(), keys))
}

/// The bytes the files under `dir` take.
pub fn disk_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => disk_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use crate::store::index::OPERATOR_BY_LOGIN;
    use crate::store::WriteSet;

    #[test]
    fn a_copy_holds_every_key_and_an_existing_destination_is_refused() {
        let (tmp, store) = crate::store::temp_store();
        let mut ws = WriteSet::new();
        for login in ["ann", "bob", "cy"] {
            ws.index(OPERATOR_BY_LOGIN, login.as_bytes().to_vec(), vec![1; 16]);
        }
        store
            .commit(crate::domain::ids::OperatorId::new_at(0), ws, chrono::Utc::now())
            .unwrap();
        let dest = tmp.path().join("copy");
        let done = store.copy_to(&dest).unwrap();
        assert!(done.keys >= 6, "{done:?}");
        let copy = sled::open(&dest).unwrap();
        let logins: Vec<_> = copy
            .open_tree(OPERATOR_BY_LOGIN.name)
            .unwrap()
            .iter()
            .map(|r| r.unwrap().0.to_vec())
            .collect();
        assert_eq!(logins, [b"ann".to_vec(), b"bob".to_vec(), b"cy".to_vec()]);
        drop(copy);
        let again = store.copy_to(&dest).unwrap_err();
        assert!(again.to_string().contains("already exists"), "{again}");
        // The refused copy left the first one in place.
        assert!(dest.join("conf").exists());
    }
}
