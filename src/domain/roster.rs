//! Who made an op, proved (decision 0022): each operator's public signing keys and rights in a
//! roster whose entries administrators sign, and the check the sync server makes of every op
//! it is pushed. Pure: signatures are checked here, keys are made and kept by the store.

use chrono::NaiveDate;
use ring::signature::{UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

use super::access::{self, Permission};
use super::change::Hlc;
use super::ids::{DeviceId, OperatorId};
use super::operator::{Grant, Login, Operator, Role};
use super::sync::SealedOp;
use super::EntityKind;

/// An operator's Ed25519 public key.
pub type PublicKey = [u8; 32];

/// A signature and the public key it opens with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed {
    /// The key that made it.
    pub key: PublicKey,
    /// The signature (64 bytes).
    pub signature: Vec<u8>,
}

impl Signed {
    /// Whether it signs `message` with its key.
    pub fn opens(&self, message: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.key)
            .verify(message, &self.signature)
            .is_ok()
    }
}

/// One operator as the roster knows them: what the server checks their ops against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    /// The operator.
    pub operator: OperatorId,
    /// Their sign-in name (for messages).
    pub login: Login,
    /// Their roles.
    pub roles: Vec<Role>,
    /// Their grants.
    pub grants: Vec<Grant>,
    /// When their training was completed.
    pub trained_on: Option<NaiveDate>,
    /// Why they are suspended, if they are.
    pub suspended: Option<String>,
    /// Every public key their ops may be signed with.
    pub keys: Vec<PublicKey>,
    /// When the entry was written (the last writer wins).
    pub hlc: Hlc,
    /// Who signed it.
    pub signed: Signed,
}

/// What a roster entry's signature covers: every field but the signature.
pub fn entry_message(e: &RosterEntry) -> Vec<u8> {
    let mut m = b"careerdesk roster entry v1\0".to_vec();
    m.extend(e.operator.0.to_be_bytes());
    put_text(&mut m, e.login.as_str());
    m.extend((e.roles.len() as u32).to_be_bytes());
    for r in &e.roles {
        put_text(&mut m, r.code());
    }
    m.extend((e.grants.len() as u32).to_be_bytes());
    for g in &e.grants {
        put_text(&mut m, grant_code(*g));
    }
    put_text(&mut m, &e.trained_on.map(|d| d.to_string()).unwrap_or_default());
    match &e.suspended {
        Some(why) => {
            m.push(1);
            put_text(&mut m, why);
        }
        None => m.push(0),
    }
    m.extend((e.keys.len() as u32).to_be_bytes());
    for k in &e.keys {
        m.extend(k);
    }
    put_hlc(&mut m, e.hlc);
    m
}

/// The clear fields of an op its signature covers.
#[derive(Debug, Clone, Copy)]
pub struct OpClaims<'a> {
    /// The replica that made it.
    pub device: DeviceId,
    /// Its place in that replica's sequence.
    pub seq: u64,
    /// Its clock.
    pub hlc: Hlc,
    /// Who made it.
    pub operator: OperatorId,
    /// The policy version it was decided under.
    pub policy_version: u32,
    /// The clients it erases.
    pub erases: &'a [u128],
    /// The kinds of record it changes.
    pub kinds: &'a [EntityKind],
}

/// The kinds of record `records` change, each once, in one order (what an op declares).
pub fn kinds_of(records: impl Iterator<Item = EntityKind>) -> Vec<EntityKind> {
    let mut kinds: Vec<EntityKind> = records.collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

impl SealedOp {
    /// The clear fields its signature covers.
    pub fn claims(&self) -> OpClaims<'_> {
        OpClaims {
            device: self.device,
            seq: self.seq,
            hlc: self.hlc,
            operator: self.operator,
            policy_version: self.policy_version,
            erases: &self.erases,
            kinds: &self.kinds,
        }
    }
}

/// What an op's signature covers: its clear fields and a hash of its sealed entry, so neither
/// can be changed on the way. Subjects are left out: they only say which ops an erasure drops.
pub fn op_message(op: &OpClaims<'_>, entry: &[u8]) -> Vec<u8> {
    op_message_of_hash(op, blake3::hash(entry).as_bytes())
}

/// [`op_message`] given the entry's hash (all that is left of an op whose content was dropped).
pub fn op_message_of_hash(op: &OpClaims<'_>, entry_hash: &[u8; 32]) -> Vec<u8> {
    let mut m = b"careerdesk op v1\0".to_vec();
    m.extend(op.device.0.to_be_bytes());
    m.extend(op.seq.to_be_bytes());
    put_hlc(&mut m, op.hlc);
    m.extend(op.operator.0.to_be_bytes());
    m.extend(op.policy_version.to_be_bytes());
    m.extend((op.erases.len() as u32).to_be_bytes());
    for c in op.erases {
        m.extend(c.to_be_bytes());
    }
    m.extend((op.kinds.len() as u32).to_be_bytes());
    for k in op.kinds {
        put_text(&mut m, k.tree());
    }
    m.extend(entry_hash);
    m
}

fn put_text(m: &mut Vec<u8>, s: &str) {
    m.extend((s.len() as u32).to_be_bytes());
    m.extend(s.as_bytes());
}

fn put_hlc(m: &mut Vec<u8>, h: Hlc) {
    m.extend(h.wall_ms.to_be_bytes());
    m.extend(h.counter.to_be_bytes());
    m.extend(h.device.0.to_be_bytes());
}

fn grant_code(g: Grant) -> &'static str {
    match g {
        Grant::BulkEmail => "bulk-email",
    }
}

impl RosterEntry {
    /// The operator as the access rules see them (SEC-03, SEC-05).
    pub fn as_operator(&self) -> Operator {
        Operator {
            id: self.operator,
            login: self.login.clone(),
            name: String::new(),
            roles: self.roles.clone(),
            grants: self.grants.clone(),
            trained_on: self.trained_on,
            suspension: self.suspended.as_ref().map(|why| super::client::Suspension {
                reason: why.clone(),
                by: self.operator,
                at: chrono::DateTime::<chrono::Utc>::from_timestamp_millis(self.hlc.wall_ms as i64).unwrap_or_default(),
            }),
            created_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        }
    }

    /// Whether it may sign others' entries on `day`: an active, trained administrator.
    fn is_active_admin(&self, day: NaiveDate) -> bool {
        access::check(&self.as_operator(), Permission::ManageOperators, day).is_ok()
    }

    /// Whether `other` gives its operator the same rights (keys, clock and signature aside).
    pub fn same_rights(&self, other: &RosterEntry) -> bool {
        self.operator == other.operator
            && self.login == other.login
            && self.roles == other.roles
            && self.grants == other.grants
            && self.trained_on == other.trained_on
            && self.suspended == other.suspended
    }
}

/// Why a roster entry was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryRefusal {
    /// Its signature does not open with the key it names.
    #[error("the entry for {0} is not signed by the key it names")]
    BadSignature(Login),
    /// Its signer may not write it.
    #[error("the entry for {0} is signed by someone who is not an active, trained administrator")]
    NotAnAdministrator(Login),
}

/// What taking an entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryTaken {
    /// It is now the operator's entry.
    Taken,
    /// The roster already holds the same or a later one.
    AlreadyNewer,
}

/// Decides whether `entry` may replace what the roster holds for its operator (`held`).
/// `signer` finds the roster's entry holding a key; `founding` says the roster is empty, when
/// an administrator's self-signed entry is taken on first use (as the institution check is).
pub fn admit_entry(
    held: Option<&RosterEntry>,
    entry: &RosterEntry,
    signer: &dyn Fn(&PublicKey) -> Option<RosterEntry>,
    founding: bool,
) -> Result<EntryTaken, EntryRefusal> {
    if !entry.signed.opens(&entry_message(entry)) {
        return Err(EntryRefusal::BadSignature(entry.login.clone()));
    }
    if held.is_some_and(|h| h.hlc >= entry.hlc) {
        return Ok(EntryTaken::AlreadyNewer);
    }
    let day = day_of(entry.hlc);
    let by_admin = signer(&entry.signed.key).is_some_and(|s| s.is_active_admin(day));
    // An operator adds their own new key (a password change) with a key they already hold.
    let own_key_added = held.is_some_and(|h| {
        h.same_rights(entry) && h.keys.contains(&entry.signed.key) && h.keys.iter().all(|k| entry.keys.contains(k))
    });
    let founder = founding && entry.keys.contains(&entry.signed.key) && entry.is_active_admin(day);
    if by_admin || own_key_added || founder {
        Ok(EntryTaken::Taken)
    } else {
        Err(EntryRefusal::NotAnAdministrator(entry.login.clone()))
    }
}

/// What [`admit_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admitted {
    /// The operators whose entries were taken.
    pub taken: Vec<OperatorId>,
    /// The entries refused, and why.
    pub refused: Vec<(OperatorId, EntryRefusal)>,
}

/// Takes into `held` each of `entries` that [`admit_entry`] allows, in rounds, since an entry
/// may be signed by an administrator whose own entry comes later in the list.
pub fn admit_all(held: &mut Vec<RosterEntry>, entries: &[RosterEntry]) -> Admitted {
    let mut out = Admitted::default();
    let mut left: Vec<&RosterEntry> = entries.iter().collect();
    let mut last_refusals = Vec::new();
    loop {
        let before = left.len();
        last_refusals.clear();
        left.retain(|e| {
            let founding = held.is_empty();
            let mine = held.iter().find(|h| h.operator == e.operator).cloned();
            let found = held.clone();
            let signer = |k: &PublicKey| found.iter().find(|h| h.keys.contains(k)).cloned();
            match admit_entry(mine.as_ref(), e, &signer, founding) {
                Ok(EntryTaken::Taken) => {
                    held.retain(|h| h.operator != e.operator);
                    held.push((*e).clone());
                    out.taken.push(e.operator);
                    false
                }
                Ok(EntryTaken::AlreadyNewer) => false,
                Err(why) => {
                    last_refusals.push((e.operator, why));
                    true
                }
            }
        });
        if left.is_empty() || left.len() == before {
            break;
        }
    }
    out.refused = last_refusals;
    out
}

/// Why the server refused an op (it keeps the op's place, and never relays its content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpRefusal {
    /// An erasure no operator's key signs.
    #[error("an erasure must be signed by the supervisor or administrator who made it; it was not signed")]
    UnsignedErasure,
    /// The signature does not open.
    #[error("its signature does not match its content")]
    BadSignature,
    /// The key is not one of the named operator's.
    #[error("it is signed with a key that is not {0}'s")]
    NotTheirKey(Login),
    /// The roster does not know the operator, and the op erases, changes staff accounts or
    /// was made since the roster began.
    #[error(
        "its operator is not in the server's roster of staff, so what they may do cannot be checked; \
         an administrator signing in on the desk they use adds them"
    )]
    NotInRoster,
    /// The operator's rights do not allow it.
    #[error("{0}")]
    Denied(String),
    /// A change of operator accounts no operator's key signs.
    #[error("a change of staff accounts must be signed by the administrator who made it; it was not signed")]
    UnsignedOperatorChange,
    /// An unsigned op made since the roster began, or on a desk that signs its ops now.
    #[error(
        "it is not signed by the operator who made it, and since the server's roster of staff began \
         it takes only signed changes; have it done again by someone signed in on an up-to-date desk"
    )]
    Unsigned,
}

/// What the server knows of when an op was made against when its roster began: what decides
/// whether it takes an op the roster cannot check (decision 0022, step 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cutoff {
    /// The roster holds no entry yet, so nothing can be checked against it.
    NoRoster,
    /// The roster began at `founded_ms`.
    Founded {
        /// When the server took its first roster entry, ms since the epoch.
        founded_ms: u64,
        /// When the terminal whose replica made the op enrolled.
        enrolled_ms: u64,
        /// The replica's first signed op, once it has pushed one.
        first_signed: Option<u64>,
    },
}

impl Cutoff {
    /// The same cut-off once the replica's first signed op is `first_signed`.
    pub fn with_first_signed(self, first_signed: Option<u64>) -> Cutoff {
        match self {
            Cutoff::NoRoster => Cutoff::NoRoster,
            Cutoff::Founded {
                founded_ms,
                enrolled_ms,
                ..
            } => Cutoff::Founded {
                founded_ms,
                enrolled_ms,
                first_signed,
            },
        }
    }

    /// Whether `op` was made before the roster could check it: on a terminal enrolled by the
    /// time the roster began, at a time before it, and, when unsigned, before its replica
    /// signed any op (a desk that signs has no reason to send an unsigned one).
    pub fn before_roster(&self, op: &SealedOp) -> bool {
        match *self {
            Cutoff::NoRoster => true,
            Cutoff::Founded {
                founded_ms,
                enrolled_ms,
                first_signed,
            } => {
                let unsigned_in_order = op.signature.is_some() || first_signed.is_none_or(|s| op.seq < s);
                enrolled_ms <= founded_ms && op.hlc.wall_ms < founded_ms && unsigned_in_order
            }
        }
    }
}

/// Whether a desk carries out `op`'s erasures, judged with its own copy of the roster, so
/// that a server that lies cannot make it erase (decision 0022, step 3). A signed erasure
/// whose signature can be checked (over its entry or, its content dropped, the entry's hash)
/// is checked as the server checks it. One unsigned, or dropped before hashes were kept, is
/// taken only if dated before this desk first held a roster (`roster_since_ms`): erasures
/// relayed before signing existed.
pub fn desk_takes_erasure(
    op: &SealedOp,
    entry: Option<&RosterEntry>,
    holder: &dyn Fn(&PublicKey) -> Option<RosterEntry>,
    roster_since_ms: Option<u64>,
) -> Result<(), OpRefusal> {
    if op.signature.is_none() || op.body.entry_hash().is_none() {
        return match roster_since_ms {
            Some(since) if op.hlc.wall_ms >= since => Err(OpRefusal::UnsignedErasure),
            _ => Ok(()),
        };
    }
    check_op(op, entry, Cutoff::NoRoster, holder)
}

/// The entry an op made at `hlc` is judged by: the rights (roles, grants, training,
/// suspension) of the newest of `history` written at or before it, or of the oldest when
/// every one came after (an operator whose first entry was signed after their first ops),
/// with the keys of `newest`, since keys only grow and an op may be signed with one its
/// entry learned later. An empty history gives `newest` itself.
pub fn entry_at(history: &[RosterEntry], newest: &RosterEntry, hlc: Hlc) -> RosterEntry {
    let then = history
        .iter()
        .filter(|e| e.hlc <= hlc)
        .max_by_key(|e| e.hlc)
        .or_else(|| history.iter().min_by_key(|e| e.hlc));
    match then {
        Some(e) => RosterEntry {
            keys: newest.keys.clone(),
            ..e.clone()
        },
        None => newest.clone(),
    }
}

/// The day an op or an entry was made on.
fn day_of(hlc: Hlc) -> NaiveDate {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(hlc.wall_ms as i64)
        .unwrap_or_default()
        .date_naive()
}

/// Decides whether the server takes `op` (SEC-03, SEC-05, DATA-05), given its operator's
/// roster entry. A signed op must open with one of its operator's keys, and its operator
/// must have been trained by its day and not suspended before it, and its roles must write
/// every kind of record it changes; an erasure must be signed and come from a role that may
/// erase. An op the roster cannot check (unsigned, or by an operator it does not know) that
/// erases nothing and changes no staff account is taken only if `cutoff` says it was made
/// before the roster began: desks made before signing existed push those (step 6).
///
/// `holder` finds the roster entry holding a key. An op signed by an active administrator's
/// key other than its operator's is one they sealed again at a key rotation (its first
/// signature covered bytes that are gone); it is checked against its operator's rights as
/// ever. Administrators may already act in anyone's name by setting their password, audited.
pub fn check_op(
    op: &SealedOp,
    entry: Option<&RosterEntry>,
    cutoff: Cutoff,
    holder: &dyn Fn(&PublicKey) -> Option<RosterEntry>,
) -> Result<(), OpRefusal> {
    let erases = !op.erases.is_empty();
    let accounts = op.kinds.contains(&EntityKind::Operator);
    let Some(signed) = &op.signature else {
        return match (erases, accounts) {
            (true, _) => Err(OpRefusal::UnsignedErasure),
            (false, true) => Err(OpRefusal::UnsignedOperatorChange),
            (false, false) if cutoff.before_roster(op) => Ok(()),
            (false, false) => Err(OpRefusal::Unsigned),
        };
    };
    let Some(hash) = op.body.entry_hash() else {
        // Content dropped before its hash was kept: nothing is left to check or to relay.
        return Ok(());
    };
    if !signed.opens(&op_message_of_hash(&op.claims(), &hash)) {
        return Err(OpRefusal::BadSignature);
    }
    let Some(entry) = entry else {
        return if erases || accounts || !cutoff.before_roster(op) {
            Err(OpRefusal::NotInRoster)
        } else {
            Ok(())
        };
    };
    let resealed = || holder(&signed.key).is_some_and(|h| h.is_active_admin(day_of(op.hlc)));
    if !entry.keys.contains(&signed.key) && !resealed() {
        return Err(OpRefusal::NotTheirKey(entry.login.clone()));
    }
    let mut operator = entry.as_operator();
    // A suspension stops what was done after it, not what was done before.
    if op.hlc < entry.hlc {
        operator.suspension = None;
    }
    let mut needs = vec![Permission::Sync];
    if erases {
        needs.push(Permission::Erase);
    }
    for p in needs {
        access::check(&operator, p, day_of(op.hlc)).map_err(|d| OpRefusal::Denied(d.to_string()))?;
    }
    // An erasure may remove records of every kind; anything else only what its roles write.
    if !erases {
        access::check_changes(&operator, &op.kinds, day_of(op.hlc)).map_err(|d| OpRefusal::Denied(d.to_string()))?;
    }
    if !operator.is_trained(day_of(op.hlc)) {
        return Err(OpRefusal::Denied(
            access::Denial::Untrained {
                login: entry.login.to_string(),
                action: "change records",
            }
            .to_string(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
