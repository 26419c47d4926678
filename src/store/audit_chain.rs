//! The audit chain (issue 11 item 5): each audit entry has a link in `audit_chain`, its
//! position, the key of the entry before it and a hash over the previous link, its own key and
//! its sealed bytes as stored. The hash is over the sealed bytes, so an entry whose key is later
//! destroyed still verifies. The newest link is kept in `meta` (`audit_head`), so removing the
//! last entry is seen too. Decision 0015 says why and how existing stores join the chain.

use std::collections::HashMap;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::Transactional;

use super::{show_key, Store, StoreError, AUDIT, META};

/// The tree holding one link per audit entry, keyed like the audit tree.
pub(crate) const AUDIT_CHAIN: &str = "audit_chain";
/// The meta key of the newest link: `[key 16][position 8][hash 32]`.
const HEAD: &[u8] = b"audit_head";
const NO_KEY: [u8; 16] = [0; 16];
const LINK_LEN: usize = 8 + 16 + 32;

/// One entry's link: where it stands, what came before it and the running hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Link {
    position: u64,
    prev: [u8; 16],
    hash: [u8; 32],
}

impl Link {
    fn encode(&self) -> [u8; LINK_LEN] {
        let mut out = [0u8; LINK_LEN];
        out[..8].copy_from_slice(&self.position.to_be_bytes());
        out[8..24].copy_from_slice(&self.prev);
        out[24..].copy_from_slice(&self.hash);
        out
    }

    fn decode(raw: &[u8]) -> Option<Link> {
        if raw.len() != LINK_LEN {
            return None;
        }
        Some(Link {
            position: u64::from_be_bytes(raw[..8].try_into().ok()?),
            prev: raw[8..24].try_into().ok()?,
            hash: raw[24..].try_into().ok()?,
        })
    }
}

/// The newest link as kept in meta: the entry's key, its position and hash.
#[derive(Debug, Clone, Copy)]
struct Head {
    key: [u8; 16],
    position: u64,
    hash: [u8; 32],
}

impl Head {
    fn encode(&self) -> [u8; LINK_LEN] {
        Link {
            position: self.position,
            prev: self.key,
            hash: self.hash,
        }
        .encode()
    }

    fn decode(raw: &[u8]) -> Option<Head> {
        Link::decode(raw).map(|l| Head {
            key: l.prev,
            position: l.position,
            hash: l.hash,
        })
    }
}

/// The hash linking an entry to the one before it.
fn link_hash(prev: &[u8; 32], position: u64, key: &[u8], sealed: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"careerdesk audit chain v1");
    h.update(prev);
    h.update(&position.to_be_bytes());
    h.update(&(key.len() as u64).to_be_bytes());
    h.update(key);
    h.update(sealed);
    *h.finalize().as_bytes()
}

/// Appends one sealed audit entry to the chain inside a transaction over `meta` and the chain.
pub(crate) fn tx_append(
    meta: &TransactionalTree,
    chain: &TransactionalTree,
    key: &[u8; 16],
    sealed: &[u8],
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let head = meta.get(HEAD)?.and_then(|raw| Head::decode(&raw));
    let (prev, position, prev_hash) = head.map_or((NO_KEY, 1, [0u8; 32]), |h| (h.key, h.position + 1, h.hash));
    let hash = link_hash(&prev_hash, position, key, sealed);
    chain.insert(key.as_slice(), Link { position, prev, hash }.encode().as_slice())?;
    meta.insert(
        HEAD,
        Head {
            key: *key,
            position,
            hash,
        }
        .encode()
        .as_slice(),
    )?;
    Ok(())
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    /// Every entry is in the chain, in order and as written.
    Intact {
        /// How many entries were checked.
        entries: u64,
    },
    /// The first entry (in chain order) that was edited, removed or reordered.
    Broken {
        /// The entry's id.
        id: String,
        /// Its position in the chain (1 is the oldest).
        position: u64,
        /// What is wrong with it.
        problem: ChainProblem,
    },
}

/// How an audit entry breaks the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainProblem {
    /// Its stored bytes are not the ones that were chained: edited, or swapped with another.
    Changed,
    /// It was removed from the log.
    Removed,
    /// It is in the log but not in the chain: added afterwards.
    Unlinked,
}

impl ChainProblem {
    /// A short description for the report.
    pub fn describe(self) -> &'static str {
        match self {
            ChainProblem::Changed => "was changed or moved (its stored bytes do not match the chain)",
            ChainProblem::Removed => "was removed",
            ChainProblem::Unlinked => "is not in the chain (added afterwards)",
        }
    }
}

impl Store {
    /// Links audit entries written before the chain existed, oldest key first, so they start
    /// the chain. Does nothing once a head exists. Safe to repeat after a crash part way: the
    /// head is written last, and until it is the links are simply recomputed.
    pub(crate) fn chain_unlinked_audit(&self) -> Result<(), StoreError> {
        let meta = self.tree(META)?;
        if meta.get(HEAD)?.is_some() {
            return Ok(());
        }
        let audit = self.tree(AUDIT)?;
        let chain = self.tree(AUDIT_CHAIN)?;
        let mut prev = NO_KEY;
        let mut hash = [0u8; 32];
        let mut position = 0u64;
        let mut batch = sled::Batch::default();
        for item in audit.iter() {
            let (k, v) = item?;
            let Ok(key) = <[u8; 16]>::try_from(k.as_ref()) else {
                continue;
            };
            position += 1;
            hash = link_hash(&hash, position, &key, &v);
            batch.insert(&key, Link { position, prev, hash }.encode().as_slice());
            prev = key;
        }
        if position == 0 {
            return Ok(());
        }
        chain.apply_batch(batch)?;
        meta.insert(
            HEAD,
            Head {
                key: prev,
                position,
                hash,
            }
            .encode()
            .as_slice(),
        )?;
        self.db.flush()?;
        Ok(())
    }

    /// Refuses, before anything is changed, to re-seal a store whose audit chain is already
    /// broken: recomputing links over it would hide what was edited or removed.
    pub(crate) fn refuse_broken_chain(&self) -> Result<(), StoreError> {
        if let ChainReport::Broken { id, position, problem } = self.verify_audit_chain()? {
            return Err(StoreError::Conflict(format!(
                "the audit log's chain is broken at entry {id} (position {position}: {}); nothing was re-sealed. \
                 `careerdesk audit verify` names it; restore a backup or keep the store as evidence",
                problem.describe()
            )));
        }
        Ok(())
    }

    /// Puts re-sealed audit entries (the same entries sealed with another key: a re-seal or a
    /// key rotation) in place of the old bytes and recomputes the chain from the first of them
    /// on, in chain order, in one transaction with the head. The caller holds commits and has
    /// checked the chain is intact ([`Store::refuse_broken_chain`]), so that a re-seal never
    /// covers over an edit. Returns how many links were recomputed.
    pub(crate) fn replace_audit_sealed(&self, new: &HashMap<[u8; 16], Vec<u8>>) -> Result<u64, StoreError> {
        if new.is_empty() {
            return Ok(0);
        }
        let audit = self.tree(AUDIT)?;
        let chain = self.tree(AUDIT_CHAIN)?;
        let meta = self.tree(META)?;
        let Some(head) = meta.get(HEAD)?.and_then(|raw| Head::decode(&raw)) else {
            return Ok(0);
        };
        // Chain order, oldest first, with each link.
        let mut order: Vec<([u8; 16], Link)> = Vec::with_capacity(head.position as usize);
        let mut key = head.key;
        while key != NO_KEY {
            let Some(link) = chain.get(key)?.and_then(|raw| Link::decode(&raw)) else {
                break;
            };
            order.push((key, link));
            key = link.prev;
        }
        order.reverse();
        let Some(first) = order.iter().position(|(k, _)| new.contains_key(k)) else {
            return Ok(0);
        };
        let mut hash = if first == 0 { [0u8; 32] } else { order[first - 1].1.hash };
        let mut links: Vec<([u8; 16], Link)> = Vec::with_capacity(order.len() - first);
        for (key, link) in &order[first..] {
            let sealed = match new.get(key) {
                Some(v) => v.clone(),
                None => audit.get(key)?.map(|v| v.to_vec()).unwrap_or_default(),
            };
            hash = link_hash(&hash, link.position, key, &sealed);
            links.push((*key, Link { hash, ..*link }));
        }
        let last = links.last().map(|(k, l)| (*k, *l));
        let result = (&audit, &chain, &meta).transaction(|(a, c, m)| {
            for (k, v) in new {
                a.insert(k.as_slice(), v.as_slice())?;
            }
            for (k, l) in &links {
                c.insert(k.as_slice(), l.encode().as_slice())?;
            }
            if let Some((key, l)) = last {
                let head = Head {
                    key,
                    position: l.position,
                    hash: l.hash,
                };
                m.insert(HEAD, head.encode().as_slice())?;
            }
            Ok::<(), ConflictableTransactionError<StoreError>>(())
        });
        match result {
            Ok(()) => {}
            Err(sled::transaction::TransactionError::Abort(e)) => return Err(e),
            Err(sled::transaction::TransactionError::Storage(e)) => return Err(e.into()),
        }
        self.db.flush()?;
        Ok(links.len() as u64)
    }

    /// Checks the audit chain from its newest link back, and names the first broken entry.
    pub fn verify_audit_chain(&self) -> Result<ChainReport, StoreError> {
        let audit = self.tree(AUDIT)?;
        let chain = self.tree(AUDIT_CHAIN)?;
        let Some(head) = self.tree(META)?.get(HEAD)?.and_then(|raw| Head::decode(&raw)) else {
            return Ok(match audit.iter().next() {
                None => ChainReport::Intact { entries: 0 },
                Some(first) => ChainReport::Broken {
                    id: show_key(&first?.0),
                    position: 1,
                    problem: ChainProblem::Unlinked,
                },
            });
        };
        // Walk back from the head; keep the oldest problem seen, since the walk goes newest first.
        let mut worst: Option<(u64, [u8; 16], ChainProblem)> = None;
        let mut seen = std::collections::HashSet::new();
        let mut key = head.key;
        let mut position = head.position;
        let mut expected = Some(head.hash);
        while key != NO_KEY && position > 0 && seen.insert(key) {
            let link = chain.get(key)?.and_then(|raw| Link::decode(&raw));
            let Some(link) = link else {
                // The link itself is gone: the entry was removed with it.
                worst = Some((position, key, ChainProblem::Removed));
                break;
            };
            let prev_hash = if link.prev == NO_KEY {
                Some([0u8; 32])
            } else {
                chain.get(link.prev)?.and_then(|raw| Link::decode(&raw)).map(|l| l.hash)
            };
            match audit.get(key)? {
                None => worst = Some((position, key, ChainProblem::Removed)),
                Some(sealed) => {
                    let ok = link.position == position
                        && expected.is_none_or(|e| e == link.hash)
                        && prev_hash.is_some_and(|p| link_hash(&p, position, &key, &sealed) == link.hash);
                    if !ok {
                        worst = Some((position, key, ChainProblem::Changed));
                    }
                }
            }
            expected = prev_hash;
            key = link.prev;
            position -= 1;
        }
        if worst.is_none() && (key != NO_KEY || position != 0) {
            // The walk ended early: a loop or a gap in the positions.
            worst = Some((position.max(1), key, ChainProblem::Changed));
        }
        if worst.is_none() {
            // Entries in the log that the chain never reached were added afterwards.
            for (i, item) in audit.iter().enumerate() {
                let (k, _) = item?;
                if let Ok(k) = <[u8; 16]>::try_from(k.as_ref()) {
                    if !seen.contains(&k) {
                        worst = Some((i as u64 + 1, k, ChainProblem::Unlinked));
                        break;
                    }
                }
            }
        }
        Ok(match worst {
            Some((position, key, problem)) => ChainReport::Broken {
                id: show_key(&key),
                position,
                problem,
            },
            None => ChainReport::Intact { entries: head.position },
        })
    }
}
