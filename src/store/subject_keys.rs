//! Subject keys: each client's own data key, and other keys kept only so they can be
//! destroyed (crypto-erasure, DATA-05).
//!
//! They live in one file beside sled's own, `subject-keys`, in fixed-size slots, each wrapped
//! by the institution key. Not in sled: sled keeps old versions of values in its log until it
//! rewrites a segment, so a key removed from a tree could still be read back. Destroying a key
//! here overwrites its slot with zeros and syncs the file, so every value it sealed, in any
//! tree, any stale page of sled's log or any old op, becomes unreadable at once.
//!
//! Layout: a 16-byte header, then slots of [`SLOT`] bytes: subject id (16, zero for a free
//! slot), generation (4), wrapped key ([`WRAPPED_SUBJECT_KEY`]), padding. A slot is written
//! before the first value it seals is committed; a slot cut short by a crash was never used.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

use smallvec::SmallVec;

use super::crypto::{KeyRing, SubjectKey, WRAPPED_SUBJECT_KEY};
use super::StoreError;

/// The key file's name in the store folder.
pub const FILE: &str = "subject-keys";
const HEADER: &[u8; 16] = b"careerdesk-sk-v1";
/// Bytes per slot.
pub const SLOT: usize = 96;
/// The reserved subject id of the key that seals the saved client lookup (names and e-mails of
/// everyone): destroyed at every erasure so no old copy of the lookup stays readable.
pub const LOOKUP_SUBJECT: u128 = u128::MAX;

#[derive(Debug, Clone, Copy)]
struct Place {
    generation: u32,
    slot: u64,
}

/// A subject's keys by generation: nearly every subject has one, kept inline so that opening
/// a key file of 200,000 subjects makes no allocation for each.
type Generations = SmallVec<[Place; 1]>;

struct SlotFile {
    file: File,
    /// Where each subject's keys are, by generation (newest last).
    places: HashMap<u128, Generations>,
    /// Slots zeroed by an erasure, reused before the file grows.
    free: Vec<u64>,
    slots: u64,
    /// Written since the last sync.
    dirty: bool,
}

/// The subject keys of one store: the slot file and the keys unwrapped so far.
pub struct SubjectKeys {
    path: PathBuf,
    file: Mutex<SlotFile>,
    opened: RwLock<HashMap<(u128, u32), SubjectKey>>,
    /// The subjects destroyed since the file was opened; held while destroying, and while a
    /// copy of the lookup is sealed (see [`SubjectKeys::erasures`]).
    erasures: Mutex<Erasures>,
    /// How many of the sync conflicts queue's entries have their key here, once counted:
    /// every handle on the store shares it, and anything that may change it forgets it.
    conflicts: Mutex<ConflictTally>,
}

/// The conflicts queue's count as last taken, and a number moved by every change that may
/// alter it, so a count taken while one happened is not kept.
#[derive(Debug, Default)]
struct ConflictTally {
    changes: u64,
    count: Option<u64>,
}

/// The subjects whose keys were destroyed since the key file was opened (in memory only),
/// and how many times keys were destroyed: a copy of the lookup made from memory is saved
/// only if no erasure came between the look at this and the sealing.
#[derive(Debug, Default, Clone)]
pub struct Erasures {
    /// Counts each [`SubjectKeys::destroy_all`] that destroyed anything.
    pub epoch: u64,
    /// The subjects destroyed (clients' ids; never shown or logged).
    pub subjects: std::collections::HashSet<u128>,
}

fn io(path: &Path, what: &str, e: std::io::Error) -> StoreError {
    StoreError::Io(format!("cannot {what} the subject key file {}: {e}", path.display()))
}

fn damaged(path: &Path, problem: &str) -> StoreError {
    StoreError::Corrupt {
        tree: FILE.into(),
        key: path.display().to_string(),
        reason: format!(
            "{problem}; the values sealed with its keys cannot be opened. Restore the store from a backup \
             (`careerdesk store restore`)"
        ),
    }
}

impl SubjectKeys {
    /// Opens (or creates, empty) the key file in the store folder `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io(&path, "open", e))?;
        super::files::restrict_one(&path);
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| io(&path, "read", e))?;
        if bytes.is_empty() {
            file.write_all(HEADER).map_err(|e| io(&path, "write", e))?;
            file.sync_all().map_err(|e| io(&path, "sync", e))?;
            bytes.extend_from_slice(HEADER);
        }
        if bytes.len() < HEADER.len() || &bytes[..HEADER.len()] != HEADER {
            return Err(damaged(&path, "its header is not a careerdesk subject key file's"));
        }
        // A partial slot at the end was cut short while being written, before any use.
        let slots = ((bytes.len() - HEADER.len()) / SLOT) as u64;
        let mut places: HashMap<u128, Generations> = HashMap::with_capacity(slots as usize);
        let mut free = Vec::new();
        for (n, raw) in bytes[HEADER.len()..].chunks_exact(SLOT).enumerate() {
            let (id, generation) = parse_slot(raw);
            if id == 0 {
                free.push(n as u64);
            } else {
                places.entry(id).or_default().push(Place {
                    generation,
                    slot: n as u64,
                });
            }
        }
        for p in places.values_mut() {
            p.sort_by_key(|p| p.generation);
        }
        Ok(Self {
            path,
            file: Mutex::new(SlotFile {
                file,
                places,
                free,
                slots,
                dirty: false,
            }),
            opened: RwLock::new(HashMap::new()),
            erasures: Mutex::new(Erasures::default()),
            conflicts: Mutex::new(ConflictTally::default()),
        })
    }

    fn tally(&self) -> MutexGuard<'_, ConflictTally> {
        self.conflicts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The conflicts count kept by [`SubjectKeys::keep_conflict_count`], if nothing changed
    /// since; else the mark to count under.
    pub(crate) fn conflict_count(&self) -> Result<u64, u64> {
        let t = self.tally();
        t.count.ok_or(t.changes)
    }

    /// Keeps a count taken from mark `at`, unless something changed while it was taken.
    pub(crate) fn keep_conflict_count(&self, at: u64, count: u64) {
        let mut t = self.tally();
        if t.changes == at {
            t.count = Some(count);
        }
    }

    /// Forgets the conflicts count: the queue changed, or keys that sealed it went.
    pub(crate) fn forget_conflict_count(&self) {
        let mut t = self.tally();
        t.changes += 1;
        t.count = None;
    }

    fn file(&self) -> MutexGuard<'_, SlotFile> {
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key a subject's new values are sealed with: its newest generation, made now if it
    /// has none (written to the file; [`SubjectKeys::sync`] makes it durable before a commit).
    pub fn sealing_key(&self, ring: &KeyRing, id: u128) -> Result<SubjectKey, StoreError> {
        let newest = self.file().places.get(&id).and_then(|p| p.last().copied());
        if let Some(place) = newest {
            return self
                .key(ring, id, place.generation)?
                .ok_or_else(|| damaged(&self.path, "a key vanished"));
        }
        let mut f = self.file();
        // Another thread may have made it meanwhile.
        if let Some(place) = f.places.get(&id).and_then(|p| p.last().copied()) {
            drop(f);
            return self
                .key(ring, id, place.generation)?
                .ok_or_else(|| damaged(&self.path, "a key vanished"));
        }
        let key = self.add_slot(&mut f, ring, id, 1)?;
        Ok(key)
    }

    /// Writes a new slot for a subject's key of `generation` (not yet durable: see
    /// [`SubjectKeys::sync`]) and caches the key.
    fn add_slot(&self, f: &mut SlotFile, ring: &KeyRing, id: u128, generation: u32) -> Result<SubjectKey, StoreError> {
        let (key, wrapped) = ring
            .new_subject_key(id, generation)
            .map_err(|e| StoreError::Io(e.to_string()))?;
        self.put_slot(f, id, generation, &wrapped, key)
    }

    /// A subject's key of one generation as the file holds it, wrapped by the institution
    /// key (to travel with the ops it sealed), or `None` when it is not here.
    pub fn wrapped(&self, id: u128, generation: u32) -> Result<Option<[u8; WRAPPED_SUBJECT_KEY]>, StoreError> {
        let mut f = self.file();
        let Some(place) = f
            .places
            .get(&id)
            .and_then(|p| p.iter().find(|p| p.generation == generation))
            .copied()
        else {
            return Ok(None);
        };
        let raw = read_slot(&mut f.file, &self.path, place.slot)?;
        raw[20..20 + WRAPPED_SUBJECT_KEY]
            .try_into()
            .map(Some)
            .map_err(|_| damaged(&self.path, "a slot is short"))
    }

    /// Takes in a subject's key made on another desk of the institution (it must unwrap with
    /// this store's institution key); false when it is here already. Not yet durable: see
    /// [`SubjectKeys::sync`].
    pub fn install(&self, ring: &KeyRing, id: u128, generation: u32, wrapped: &[u8]) -> Result<bool, StoreError> {
        let wrapped: [u8; WRAPPED_SUBJECT_KEY] = wrapped
            .try_into()
            .map_err(|_| StoreError::Io("a client key from another desk has the wrong length".into()))?;
        let key = ring.unwrap_subject_key(id, generation, &wrapped).map_err(|_| {
            StoreError::Io("a client key from another desk does not open with this institution's key".into())
        })?;
        let mut f = self.file();
        if f.places
            .get(&id)
            .is_some_and(|p| p.iter().any(|p| p.generation == generation))
        {
            return Ok(false);
        }
        self.put_slot(&mut f, id, generation, &wrapped, key)?;
        Ok(true)
    }

    fn put_slot(
        &self,
        f: &mut SlotFile,
        id: u128,
        generation: u32,
        wrapped: &[u8; WRAPPED_SUBJECT_KEY],
        key: SubjectKey,
    ) -> Result<SubjectKey, StoreError> {
        let slot = match f.free.pop() {
            Some(s) => s,
            None => {
                f.slots += 1;
                f.slots - 1
            }
        };
        let mut raw = [0u8; SLOT];
        raw[..16].copy_from_slice(&id.to_be_bytes());
        raw[16..20].copy_from_slice(&generation.to_be_bytes());
        raw[20..20 + WRAPPED_SUBJECT_KEY].copy_from_slice(wrapped);
        write_slot(&mut f.file, &self.path, slot, &raw)?;
        f.dirty = true;
        let places = f.places.entry(id).or_default();
        places.push(Place { generation, slot });
        places.sort_by_key(|p| p.generation);
        self.opened
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert((id, generation), key.clone());
        Ok(key)
    }

    /// Makes a subject's next key generation (key rotation): from now on its values are
    /// sealed with it. Returns the new generation. Not yet durable: see [`SubjectKeys::sync`].
    pub fn new_generation(&self, ring: &KeyRing, id: u128) -> Result<u32, StoreError> {
        let mut f = self.file();
        let newest = f.places.get(&id).and_then(|p| p.last()).map_or(0, |p| p.generation);
        let generation = newest
            .checked_add(1)
            .ok_or_else(|| damaged(&self.path, "a key has run out of generations"))?;
        self.add_slot(&mut f, ring, id, generation)?;
        Ok(generation)
    }

    /// The newest generation of a subject's key, if it has one.
    pub fn newest_generation(&self, id: u128) -> Option<u32> {
        self.file().places.get(&id).and_then(|p| p.last()).map(|p| p.generation)
    }

    /// Destroys every generation of a subject's key older than `keep` (the end of a
    /// rotation), syncing the file; returns the slots they were in.
    pub fn destroy_older(&self, id: u128, keep: u32) -> Result<Vec<u64>, StoreError> {
        self.forget_conflict_count();
        let mut f = self.file();
        let old: Vec<Place> = f
            .places
            .get(&id)
            .map(|p| p.iter().filter(|p| p.generation < keep).copied().collect())
            .unwrap_or_default();
        if old.is_empty() {
            return Ok(Vec::new());
        }
        for p in &old {
            write_slot(&mut f.file, &self.path, p.slot, &[0u8; SLOT])?;
            f.free.push(p.slot);
        }
        if let Some(places) = f.places.get_mut(&id) {
            places.retain(|p| p.generation >= keep);
        }
        f.file.sync_data().map_err(|e| io(&self.path, "sync", e))?;
        f.dirty = false;
        drop(f);
        self.opened
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(sid, generation), _| *sid != id || *generation >= keep);
        Ok(old.iter().map(|p| p.slot).collect())
    }

    /// Every subject with a key, the reserved ones left out.
    pub fn subjects(&self) -> Vec<u128> {
        let mut ids: Vec<u128> = self
            .file()
            .places
            .keys()
            .copied()
            .filter(|&id| id != LOOKUP_SUBJECT)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// A subject's key of one generation, or `None` when it was destroyed (or never made).
    pub fn key(&self, ring: &KeyRing, id: u128, generation: u32) -> Result<Option<SubjectKey>, StoreError> {
        if let Some(k) = self
            .opened
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(id, generation))
        {
            return Ok(Some(k.clone()));
        }
        let mut f = self.file();
        let Some(place) = f
            .places
            .get(&id)
            .and_then(|p| p.iter().find(|p| p.generation == generation))
            .copied()
        else {
            return Ok(None);
        };
        let raw = read_slot(&mut f.file, &self.path, place.slot)?;
        drop(f);
        let wrapped: [u8; WRAPPED_SUBJECT_KEY] = raw[20..20 + WRAPPED_SUBJECT_KEY]
            .try_into()
            .map_err(|_| damaged(&self.path, "a slot is short"))?;
        let key = ring
            .unwrap_subject_key(id, generation, &wrapped)
            .map_err(|_| damaged(&self.path, "a key in it fails to unwrap"))?;
        self.opened
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert((id, generation), key.clone());
        Ok(Some(key))
    }

    /// Whether the subject has a key.
    pub fn has(&self, id: u128) -> bool {
        self.file().places.contains_key(&id)
    }

    /// Makes every key written so far durable (before a commit that uses them).
    pub fn sync(&self) -> Result<(), StoreError> {
        let mut f = self.file();
        if f.dirty {
            f.file.sync_data().map_err(|e| io(&self.path, "sync", e))?;
            f.dirty = false;
        }
        Ok(())
    }

    /// Destroys every generation of a subject's key: the slots are overwritten with zeros and
    /// the file synced. Returns how many keys were destroyed.
    pub fn destroy(&self, id: u128) -> Result<usize, StoreError> {
        self.destroy_all(&[id])
    }

    /// Destroys every generation of each subject's key with one sync of the file; returns how
    /// many keys were destroyed.
    pub fn destroy_all(&self, ids: &[u128]) -> Result<usize, StoreError> {
        self.forget_conflict_count();
        let mut log = self.erasures();
        let mut f = self.file();
        let mut destroyed = 0;
        for id in ids {
            let places = f.places.remove(id).unwrap_or_default();
            for p in &places {
                write_slot(&mut f.file, &self.path, p.slot, &[0u8; SLOT])?;
                f.free.push(p.slot);
            }
            destroyed += places.len();
        }
        if destroyed > 0 {
            f.file.sync_data().map_err(|e| io(&self.path, "sync", e))?;
            f.dirty = false;
        }
        drop(f);
        let gone: std::collections::HashSet<u128> = ids.iter().copied().collect();
        self.opened
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(sid, _), _| !gone.contains(sid));
        if destroyed > 0 {
            log.epoch += 1;
            log.subjects
                .extend(ids.iter().copied().filter(|&id| id != LOOKUP_SUBJECT));
        }
        Ok(destroyed)
    }

    /// The erasures since the file was opened, held: no key is destroyed until the guard is
    /// dropped (taken before the file's own lock, never after it).
    pub fn erasures(&self) -> MutexGuard<'_, Erasures> {
        self.erasures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Copies the key file into another store folder (a backup or maintenance copy).
    pub fn copy_into(&self, dir: &Path) -> Result<(), StoreError> {
        self.sync()?;
        let _f = self.file();
        let dest = dir.join(FILE);
        std::fs::copy(&self.path, &dest).map_err(|e| io(&dest, "copy", e))?;
        File::open(&dest)
            .and_then(|f| f.sync_all())
            .map_err(|e| io(&dest, "sync", e))?;
        super::files::restrict_one(&dest);
        Ok(())
    }

    /// Destroys subjects' keys in another store's key file (a backup's) where it holds them at
    /// the same slots as this one did: slots never move, so a copy holds a key where the store
    /// did. Says whether the copy held any.
    pub fn destroy_in_copy(dir: &Path, subjects: &[(u128, Vec<u64>)]) -> Result<bool, StoreError> {
        let path = dir.join(FILE);
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io(&path, "open", e)),
        };
        let mut changed = false;
        for (id, slots) in subjects {
            for &slot in slots {
                let Ok(raw) = read_slot(&mut file, &path, slot) else {
                    continue;
                };
                if parse_slot(&raw).0 == *id {
                    write_slot(&mut file, &path, slot, &[0u8; SLOT])?;
                    changed = true;
                }
            }
        }
        if changed {
            file.sync_data().map_err(|e| io(&path, "sync", e))?;
        }
        Ok(changed)
    }

    /// The slots a subject's keys are in (to destroy them in copies too).
    pub fn slots_of(&self, id: u128) -> Vec<u64> {
        self.file()
            .places
            .get(&id)
            .map(|p| p.iter().map(|p| p.slot).collect())
            .unwrap_or_default()
    }

    /// How many subjects have keys.
    pub fn len(&self) -> usize {
        self.file().places.len()
    }

    /// Whether no subject has a key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn parse_slot(raw: &[u8]) -> (u128, u32) {
    let id = raw
        .get(..16)
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .map_or(0, u128::from_be_bytes);
    let generation = raw
        .get(16..20)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes);
    (id, generation)
}

fn offset(slot: u64) -> u64 {
    HEADER.len() as u64 + slot * SLOT as u64
}

fn write_slot(file: &mut File, path: &Path, slot: u64, raw: &[u8; SLOT]) -> Result<(), StoreError> {
    file.seek(SeekFrom::Start(offset(slot)))
        .and_then(|_| file.write_all(raw))
        .map_err(|e| io(path, "write", e))
}

fn read_slot(file: &mut File, path: &Path, slot: u64) -> Result<[u8; SLOT], StoreError> {
    let mut raw = [0u8; SLOT];
    file.seek(SeekFrom::Start(offset(slot)))
        .and_then(|_| file.read_exact(&mut raw))
        .map_err(|e| io(path, "read", e))?;
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::crypto::DataKey;

    #[test]
    fn data_05_a_destroyed_key_is_gone_from_the_file_and_its_values_stay_sealed() {
        let tmp = tempfile::tempdir().unwrap();
        let ring = KeyRing::new(DataKey::generate());
        let keys = SubjectKeys::open(tmp.path()).unwrap();
        let a = keys.sealing_key(&ring, 11).unwrap();
        let b = keys.sealing_key(&ring, 12).unwrap();
        keys.sync().unwrap();
        let sealed = a.seal("clients", b"k", b"canary").unwrap();
        // Reopened from the file, the key opens what it sealed.
        drop(keys);
        let keys = SubjectKeys::open(tmp.path()).unwrap();
        let again = keys.key(&ring, 11, 1).unwrap().unwrap();
        assert_eq!(again.open("clients", b"k", &sealed).unwrap(), b"canary");
        let before = std::fs::read(tmp.path().join(FILE)).unwrap();
        assert_eq!(keys.destroy(11).unwrap(), 1);
        assert!(keys.key(&ring, 11, 1).unwrap().is_none());
        let after = std::fs::read(tmp.path().join(FILE)).unwrap();
        assert_eq!(before.len(), after.len(), "destroyed in place, not appended");
        assert!(!after.windows(16).any(|w| w == 11u128.to_be_bytes()));
        drop(keys);
        let keys = SubjectKeys::open(tmp.path()).unwrap();
        assert!(keys.key(&ring, 11, 1).unwrap().is_none());
        assert!(keys.key(&ring, 12, 1).unwrap().is_some(), "other subjects keep theirs");
        let _ = b;
        // The freed slot is reused before the file grows.
        keys.sealing_key(&ring, 13).unwrap();
        keys.sync().unwrap();
        assert_eq!(std::fs::read(tmp.path().join(FILE)).unwrap().len(), after.len());
    }

    #[test]
    fn a_damaged_header_is_named_and_a_cut_short_slot_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let ring = KeyRing::new(DataKey::generate());
        let keys = SubjectKeys::open(tmp.path()).unwrap();
        keys.sealing_key(&ring, 5).unwrap();
        keys.sync().unwrap();
        drop(keys);
        let path = tmp.path().join(FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&[7u8; 40]);
        std::fs::write(&path, &bytes).unwrap();
        let keys = SubjectKeys::open(tmp.path()).unwrap();
        assert!(keys.key(&ring, 5, 1).unwrap().is_some());
        drop(keys);
        bytes[0] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let err = SubjectKeys::open(tmp.path()).err().unwrap().to_string();
        assert!(err.contains("subject-keys") && err.contains("restore"), "{err}");
    }
}
