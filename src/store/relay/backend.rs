//! What the sync server asks of its store, as one trait. sled ([`RelayStore`]) is the one
//! implementation today; a shared service for many institutions would add one on PostgreSQL
//! (`docs/scaling.md`) without the server knowing which it has.

use chrono::{DateTime, Utc};

use super::claims::Decided;
use super::places::PlacesDecided;
use super::reinstate::Reinstated;
use super::{CertAndKey, Institution, KeySlotCopy, Pushing, RelayError, RelayIdentity, RelayStore, TerminalOps};
use crate::domain::appointment::Appointment;
use crate::domain::booking_claim::{Claim, Lease, Release};
use crate::domain::ids::{DeviceId, TerminalId};
use crate::domain::place_claim::{PlaceClaim, PlaceLease, PlaceRelease};
use crate::domain::policy::Policy;
use crate::domain::roster::{Admitted, RosterEntry};
use crate::domain::sync::{SealedOp, TerminalEntry};
use crate::store::StoreError;

/// The sync server's store.
pub trait RelayBackend: Send + Sync {
    /// The server's id and epoch.
    fn identity(&self) -> Result<RelayIdentity, StoreError>;
    /// The TLS certificate and key kept from the first start.
    fn tls_identity(&self) -> Result<Option<CertAndKey>, StoreError>;
    /// Keeps the TLS certificate and key.
    fn set_tls_identity(&self, cert: &[u8], key: &[u8]) -> Result<(), StoreError>;
    /// The first institution check founds the institution; another is refused.
    fn check_institution(&self, check: &[u8; 32]) -> Result<(), RelayError>;
    /// Serves a new policy version (already checked); returns its number.
    fn set_policy(&self, text: &str) -> Result<u32, StoreError>;
    /// The policy served, with its version.
    fn policy(&self) -> Result<Option<(u32, String)>, StoreError>;
    /// The newest server sequence.
    fn head(&self) -> Result<u64, StoreError>;
    /// A one-time enrolment code valid until `expires_ms`.
    fn issue_code(&self, expires_ms: u64) -> Result<String, StoreError>;
    /// Enrols a terminal with a code: its id and secret.
    fn enrol(&self, code: &str, name: &str, now_ms: u64) -> Result<(TerminalId, [u8; 32]), RelayError>;
    /// The terminal whose credential this is, if enrolled and not revoked.
    fn authenticate(&self, id: TerminalId, secret: &[u8; 32]) -> Result<TerminalEntry, RelayError>;
    /// One terminal.
    fn terminal(&self, id: TerminalId) -> Result<Option<TerminalEntry>, StoreError>;
    /// Every terminal.
    fn terminals(&self) -> Result<Vec<TerminalEntry>, StoreError>;
    /// Revokes a terminal; false if unknown.
    fn revoke(&self, id: TerminalId, now_ms: u64) -> Result<bool, StoreError>;
    /// Records a terminal's sync.
    fn note_sync(&self, id: TerminalId, now_ms: u64) -> Result<(), StoreError>;
    /// Claims a store's current replica for a terminal; false if another's.
    fn claim_current(&self, terminal: TerminalId, device: DeviceId) -> Result<bool, StoreError>;
    /// A replica's high-water mark.
    fn replica_high_water(&self, device: DeviceId) -> Result<u64, StoreError>;
    /// Takes a batch of one replica's ops in one transaction; the high-water mark after.
    fn push(
        &self,
        terminal: TerminalId,
        pushing: Pushing,
        base: u64,
        ops: &[SealedOp],
        now_ms: u64,
    ) -> Result<u64, RelayError>;
    /// Ops after a server sequence, each with its sequence.
    fn pull(&self, after: u64, max_ops: usize, max_bytes: usize) -> Result<Vec<(u64, SealedOp)>, StoreError>;
    /// Whether a client was erased.
    fn is_erased(&self, client: u128) -> Result<bool, StoreError>;
    /// Keeps a desk's key slots, merged by login (the newer wins); how many were taken.
    fn keep_key_slots(&self, slots: &[KeySlotCopy], now_ms: u64) -> Result<usize, RelayError>;
    /// Every key slot held.
    fn key_slots(&self) -> Result<Vec<KeySlotCopy>, StoreError>;
    /// The institution's check and key slots, for a desk joining with a valid code.
    fn institution(&self, code: &str, now_ms: u64) -> Result<Institution, RelayError>;
    /// Decides booking claims in order and lets go of releases, in one transaction.
    fn decide_claims(
        &self,
        claims: &[Claim],
        releases: &[Release],
        policy: Option<&Policy>,
        now: DateTime<Utc>,
    ) -> Result<Decided, RelayError>;
    /// Gives a lease of a consultant's slots to a desk, if no other desk's overlaps it.
    fn take_lease(&self, asked: &Lease, now: DateTime<Utc>) -> Result<Lease, RelayError>;
    /// Hands a desk's lease back; whether it was held.
    fn return_lease(&self, id: u128, desk: DeviceId) -> Result<bool, RelayError>;
    /// Decides event place claims in order and lets go of releases, in one transaction.
    fn decide_places(
        &self,
        claims: &[PlaceClaim],
        releases: &[PlaceRelease],
        now: DateTime<Utc>,
    ) -> Result<PlacesDecided, RelayError>;
    /// Gives a lease of an event's places to a desk, if that many are free.
    fn take_place_lease(
        &self,
        asked: &PlaceLease,
        capacity: u32,
        settled: u32,
        now: DateTime<Utc>,
    ) -> Result<PlaceLease, RelayError>;
    /// How many slots the server has given to bookings.
    fn holds(&self) -> Result<usize, StoreError>;
    /// How many event places the server counts as held.
    fn places_held(&self) -> Result<usize, StoreError>;
    /// Takes back confirmed bookings and places a restored server forgot, where free.
    fn reinstate(&self, slots: &[Appointment], places: &[PlaceClaim]) -> Result<Reinstated, RelayError>;
    /// Takes the roster entries its rules allow (decision 0022).
    fn take_roster(&self, entries: &[RosterEntry], now_ms: u64) -> Result<Admitted, StoreError>;
    /// Every roster entry.
    fn roster(&self) -> Result<Vec<RosterEntry>, StoreError>;
    /// When the roster began (decision 0022, step 6).
    fn roster_founded(&self) -> Result<Option<u64>, StoreError>;
    /// Each terminal's unsigned ops taken and ops refused.
    fn terminal_ops(&self) -> Result<Vec<TerminalOps>, StoreError>;
    /// The ops of a replica in a range that were refused, with why.
    fn refused_between(&self, device: DeviceId, first: u64, last: u64) -> Result<Vec<(u64, String)>, StoreError>;
}

impl RelayBackend for RelayStore {
    fn identity(&self) -> Result<RelayIdentity, StoreError> {
        RelayStore::identity(self)
    }
    fn tls_identity(&self) -> Result<Option<CertAndKey>, StoreError> {
        RelayStore::tls_identity(self)
    }
    fn set_tls_identity(&self, cert: &[u8], key: &[u8]) -> Result<(), StoreError> {
        RelayStore::set_tls_identity(self, cert, key)
    }
    fn check_institution(&self, check: &[u8; 32]) -> Result<(), RelayError> {
        RelayStore::check_institution(self, check)
    }
    fn set_policy(&self, text: &str) -> Result<u32, StoreError> {
        RelayStore::set_policy(self, text)
    }
    fn policy(&self) -> Result<Option<(u32, String)>, StoreError> {
        RelayStore::policy(self)
    }
    fn head(&self) -> Result<u64, StoreError> {
        RelayStore::head(self)
    }
    fn issue_code(&self, expires_ms: u64) -> Result<String, StoreError> {
        RelayStore::issue_code(self, expires_ms)
    }
    fn enrol(&self, code: &str, name: &str, now_ms: u64) -> Result<(TerminalId, [u8; 32]), RelayError> {
        RelayStore::enrol(self, code, name, now_ms)
    }
    fn authenticate(&self, id: TerminalId, secret: &[u8; 32]) -> Result<TerminalEntry, RelayError> {
        RelayStore::authenticate(self, id, secret)
    }
    fn terminal(&self, id: TerminalId) -> Result<Option<TerminalEntry>, StoreError> {
        RelayStore::terminal(self, id)
    }
    fn terminals(&self) -> Result<Vec<TerminalEntry>, StoreError> {
        RelayStore::terminals(self)
    }
    fn revoke(&self, id: TerminalId, now_ms: u64) -> Result<bool, StoreError> {
        RelayStore::revoke(self, id, now_ms)
    }
    fn note_sync(&self, id: TerminalId, now_ms: u64) -> Result<(), StoreError> {
        RelayStore::note_sync(self, id, now_ms)
    }
    fn claim_current(&self, terminal: TerminalId, device: DeviceId) -> Result<bool, StoreError> {
        RelayStore::claim_current(self, terminal, device)
    }
    fn replica_high_water(&self, device: DeviceId) -> Result<u64, StoreError> {
        RelayStore::replica_high_water(self, device)
    }
    fn push(
        &self,
        terminal: TerminalId,
        pushing: Pushing,
        base: u64,
        ops: &[SealedOp],
        now_ms: u64,
    ) -> Result<u64, RelayError> {
        RelayStore::push(self, terminal, pushing, base, ops, now_ms)
    }
    fn pull(&self, after: u64, max_ops: usize, max_bytes: usize) -> Result<Vec<(u64, SealedOp)>, StoreError> {
        RelayStore::pull(self, after, max_ops, max_bytes)
    }
    fn is_erased(&self, client: u128) -> Result<bool, StoreError> {
        RelayStore::is_erased(self, client)
    }
    fn keep_key_slots(&self, slots: &[KeySlotCopy], now_ms: u64) -> Result<usize, RelayError> {
        RelayStore::keep_key_slots(self, slots, now_ms)
    }
    fn key_slots(&self) -> Result<Vec<KeySlotCopy>, StoreError> {
        RelayStore::key_slots(self)
    }
    fn institution(&self, code: &str, now_ms: u64) -> Result<Institution, RelayError> {
        RelayStore::institution(self, code, now_ms)
    }
    fn decide_claims(
        &self,
        claims: &[Claim],
        releases: &[Release],
        policy: Option<&Policy>,
        now: DateTime<Utc>,
    ) -> Result<Decided, RelayError> {
        RelayStore::decide_claims(self, claims, releases, policy, now)
    }
    fn take_lease(&self, asked: &Lease, now: DateTime<Utc>) -> Result<Lease, RelayError> {
        RelayStore::take_lease(self, asked, now)
    }
    fn return_lease(&self, id: u128, desk: DeviceId) -> Result<bool, RelayError> {
        RelayStore::return_lease(self, id, desk)
    }
    fn decide_places(
        &self,
        claims: &[PlaceClaim],
        releases: &[PlaceRelease],
        now: DateTime<Utc>,
    ) -> Result<PlacesDecided, RelayError> {
        RelayStore::decide_places(self, claims, releases, now)
    }
    fn take_place_lease(
        &self,
        asked: &PlaceLease,
        capacity: u32,
        settled: u32,
        now: DateTime<Utc>,
    ) -> Result<PlaceLease, RelayError> {
        RelayStore::take_place_lease(self, asked, capacity, settled, now)
    }
    fn holds(&self) -> Result<usize, StoreError> {
        RelayStore::holds(self)
    }
    fn places_held(&self) -> Result<usize, StoreError> {
        RelayStore::places_held(self)
    }
    fn reinstate(&self, slots: &[Appointment], places: &[PlaceClaim]) -> Result<Reinstated, RelayError> {
        RelayStore::reinstate(self, slots, places)
    }
    fn take_roster(&self, entries: &[RosterEntry], now_ms: u64) -> Result<Admitted, StoreError> {
        RelayStore::take_roster(self, entries, now_ms)
    }
    fn roster(&self) -> Result<Vec<RosterEntry>, StoreError> {
        RelayStore::roster(self)
    }
    fn refused_between(&self, device: DeviceId, first: u64, last: u64) -> Result<Vec<(u64, String)>, StoreError> {
        RelayStore::refused_between(self, device, first, last)
    }
    fn roster_founded(&self) -> Result<Option<u64>, StoreError> {
        RelayStore::roster_founded(self)
    }
    fn terminal_ops(&self) -> Result<Vec<TerminalOps>, StoreError> {
        RelayStore::terminal_ops(self)
    }
}
