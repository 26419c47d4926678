//! Loading the client lookup at sign-in. The lookup is saved in the store as one sealed value
//! (the packed directory and the built index) with the op-log position it covers; a desk
//! reads it in one go and takes in the clients the op log (and other desks' ops merged here)
//! changed since, instead of opening
//! every client record and building the index again. With no saved lookup, or one from an
//! older format, damaged, or older than a bulk load, it is built from the records and saved.
//! Once many clients have changed since it was saved, it is built again from itself (no
//! record reads) and saved again, so what sign-in reads stays short.

use std::collections::BTreeSet;

use super::directory::ClientDirectory;
use super::lookup::{Covers, Lookup};
use super::DeskError;
use crate::domain::client::Client;
use crate::domain::ids::ClientId;
use crate::domain::EntityKind;
use crate::store::Store;

/// The setting the saved lookup is kept under.
const SAVED: &str = "client-lookup";
/// Past this many clients changed since the saved lookup, it is saved again.
const RESAVE_AFTER_CLIENTS: usize = 2_000;
/// Past this many ops since the saved lookup (each is read at sign-in), likewise.
const RESAVE_AFTER_OPS: usize = 10_000;

/// Where a loaded lookup came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupSource {
    /// The saved copy, with this many clients taken in from the op log since it was saved.
    Saved {
        /// Clients changed since the copy was saved.
        changed: usize,
    },
    /// Built from the client records (and saved).
    Built,
}

/// The lookup as the store holds it now, and where it came from.
pub(super) fn load(
    store: &Store,
    read_directory: impl Fn(&Store) -> Result<ClientDirectory, DeskError>,
) -> Result<(Lookup, LookupSource), DeskError> {
    let started = std::time::Instant::now();
    match saved(store) {
        Ok(Some((lookup, changed))) => {
            tracing::info!(
                clients = lookup.len(),
                changed,
                ms = started.elapsed().as_millis() as u64,
                "client lookup read from its saved copy"
            );
            return Ok((without_erased(store, lookup), LookupSource::Saved { changed }));
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("the saved client lookup could not be used, building it afresh: {e}"),
    }
    Ok((fresh(store, read_directory)?, LookupSource::Built))
}

/// The lookup without any client erased since the store was opened: one erased while it was
/// being read or built (its own records read before the erasure committed) is not offered.
fn without_erased(store: &Store, mut lookup: Lookup) -> Lookup {
    let (_, erased) = store.erasures_since_open();
    for id in erased {
        lookup.remove(ClientId(id));
    }
    lookup
}

/// Builds the lookup from the client records and saves it.
pub(super) fn fresh(
    store: &Store,
    read_directory: impl Fn(&Store) -> Result<ClientDirectory, DeskError>,
) -> Result<Lookup, DeskError> {
    // Read before the records: a change committed meanwhile is then taken in again at the next
    // sign-in, which is harmless, rather than missed. An erasure meanwhile keeps it unsaved.
    let epoch = store.erasure_epoch();
    let covers = Covers {
        op_seq: store.op_seq()?,
        bulk: store.bulk_loads()?,
        applied: store.applied_seq()?,
    };
    let mut lookup = Lookup::new(read_directory(store)?);
    lookup.set_covers(covers);
    save(store, &lookup, covers, epoch);
    Ok(without_erased(store, lookup))
}

/// The saved lookup brought up to date, or `None` when there is none worth using.
fn saved(store: &Store) -> Result<Option<(Lookup, usize)>, DeskError> {
    let epoch = store.erasure_epoch();
    let Some(bytes) = store.setting(SAVED)? else {
        return Ok(None);
    };
    let (mut lookup, covers) = match Lookup::from_bytes(&bytes) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("{e}; building the client lookup afresh");
            return Ok(None);
        }
    };
    drop(bytes);
    if covers.bulk != store.bulk_loads()? {
        return Ok(None);
    }
    let mut changed = BTreeSet::new();
    let (mut ops, mut last) = (0usize, covers.op_seq);
    for op in store.ops_after(covers.op_seq)? {
        let op = op?;
        ops += 1;
        last = op.seq;
        for change in &op.changes {
            let r = change.record();
            if r.kind == EntityKind::Client {
                changed.insert(r.id);
            }
        }
    }
    // And the clients other desks' ops changed, merged here since.
    let (merged, applied) = store.clients_merged_after(covers.applied)?;
    changed.extend(merged);
    for &id in &changed {
        match store.get::<Client>(id)? {
            Some(c) => lookup.upsert(&c),
            None => lookup.remove(ClientId(id)),
        }
    }
    let now = Covers {
        op_seq: last,
        bulk: covers.bulk,
        applied,
    };
    lookup.set_covers(now);
    if changed.len() > RESAVE_AFTER_CLIENTS || ops > RESAVE_AFTER_OPS {
        lookup = Lookup::new(lookup.current_directory());
        lookup.set_covers(now);
        save(store, &lookup, now, epoch);
    }
    Ok(Some((lookup, changed.len())))
}

/// Saves a copy of a lookup kept in memory after an erasure destroyed the saved one's key
/// (DATA-05): built again from itself (no record reads), leaving out every client erased
/// since the store was opened, and sealed with the lookup key made after the erasure. Not
/// saved (false) when the lookup was not loaded from this store, a bulk load came since, or
/// another erasure came while it was being built: the next sign-in then builds it.
pub(super) fn resave(store: &Store, dir: ClientDirectory, covers: Option<Covers>) -> Result<bool, DeskError> {
    let Some(covers) = covers else {
        return Ok(false);
    };
    if covers.bulk != store.bulk_loads()? {
        return Ok(false);
    }
    let started = std::time::Instant::now();
    let (epoch, erased) = store.erasures_since_open();
    let mut fresh = Lookup::new(dir);
    for &id in &erased {
        fresh.remove(ClientId(id));
    }
    if fresh.has_changes() {
        // A client erased elsewhere (a sync) was still in the lookup in memory.
        fresh = Lookup::new(fresh.current_directory());
    }
    drop(erased);
    let bytes = fresh.to_bytes(covers).map_err(|e| DeskError::Invalid(e.to_string()))?;
    drop(fresh);
    let saved = store.set_erasable_setting_if(epoch, SAVED, &bytes)?;
    tracing::info!(
        saved,
        ms = started.elapsed().as_millis() as u64,
        "client lookup saved again from memory after an erasure"
    );
    Ok(saved)
}

/// Saves the lookup unless an erasure came since `epoch` (it may hold the erased client); a
/// failure only costs the next sign-in a full build, so it is logged.
fn save(store: &Store, lookup: &Lookup, covers: Covers, epoch: u64) {
    let result = lookup.to_bytes(covers).map_err(|e| e.to_string()).and_then(|bytes| {
        store
            .set_erasable_setting_if(epoch, SAVED, &bytes)
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(true) => {}
        Ok(false) => tracing::info!("a client was erased while the lookup was loading; it is not saved this time"),
        Err(e) => tracing::warn!("the client lookup could not be saved: {e}"),
    }
}
