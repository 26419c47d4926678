//! Loading the client lookup at sign-in. The lookup is saved in the store as one sealed value
//! (the packed directory and the built index) with the op-log position it covers; a desk
//! reads it in one go and takes in the clients the op log changed since, instead of opening
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
            return Ok((lookup, LookupSource::Saved { changed }));
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("the saved client lookup could not be used, building it afresh: {e}"),
    }
    Ok((fresh(store, read_directory)?, LookupSource::Built))
}

/// Builds the lookup from the client records and saves it.
pub(super) fn fresh(
    store: &Store,
    read_directory: impl Fn(&Store) -> Result<ClientDirectory, DeskError>,
) -> Result<Lookup, DeskError> {
    // Read before the records: a change committed meanwhile is then taken in again at the next
    // sign-in, which is harmless, rather than missed.
    let covers = Covers {
        op_seq: store.op_seq()?,
        bulk: store.bulk_loads()?,
    };
    let lookup = Lookup::new(read_directory(store)?);
    save(store, &lookup, covers);
    Ok(lookup)
}

/// The saved lookup brought up to date, or `None` when there is none worth using.
fn saved(store: &Store) -> Result<Option<(Lookup, usize)>, DeskError> {
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
    for &id in &changed {
        match store.get::<Client>(id)? {
            Some(c) => lookup.upsert(&c),
            None => lookup.remove(ClientId(id)),
        }
    }
    if changed.len() > RESAVE_AFTER_CLIENTS || ops > RESAVE_AFTER_OPS {
        lookup = Lookup::new(lookup.current_directory());
        save(
            store,
            &lookup,
            Covers {
                op_seq: last,
                bulk: covers.bulk,
            },
        );
    }
    Ok(Some((lookup, changed.len())))
}

/// Saves the lookup; a failure only costs the next sign-in a full build, so it is logged.
fn save(store: &Store, lookup: &Lookup, covers: Covers) {
    let result = lookup.to_bytes(covers).map_err(|e| e.to_string()).and_then(|bytes| {
        store
            .set_erasable_setting(SAVED, Some(&bytes))
            .map_err(|e| e.to_string())
    });
    if let Err(e) = result {
        tracing::warn!("the client lookup could not be saved: {e}");
    }
}
