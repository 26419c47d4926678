//! The bookings the server decided (decision 0020, step 6): for each slot, the one booking it
//! was given, and for each client the slots their bookings hold. The rule is
//! `domain::booking_claim`; this keeps its state, deciding a whole request in one transaction
//! so two desks' claims for one slot are decided one after the other, first to arrive first.
//! What is kept are ids, types and times: a client erased anywhere has theirs let go.

use chrono::{DateTime, Utc};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::{decode, encode, RelayError, RelayStore};
use crate::domain::appointment::Appointment;
use crate::domain::booking_claim::{self, Answer, Claim, Lease, Release, MAX_CLAIMS, MAX_HISTORY};
use crate::domain::ids::AppointmentId;
use crate::domain::policy::Policy;
use crate::store::StoreError;

/// Slot id (16) -> the [`Appointment`] the slot was given.
pub(super) const HOLDS: &str = "relay_holds";
/// Client id (16) ++ appointment id (16) -> slot id (16): the client's held bookings.
pub(super) const CLIENT_HOLDS: &str = "relay_client_holds";
/// Lease id (16) -> [`Lease`]: consultants' slots leased to one desk for a period.
pub(super) const LEASES: &str = "relay_leases";

/// What one request decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decided {
    /// Each claim's answer, in the order asked.
    pub answers: Vec<(AppointmentId, Answer)>,
    /// The releases done (or found already done), by booking.
    pub released: Vec<AppointmentId>,
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

fn client_key(a: &Appointment) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(&a.client.0.to_be_bytes());
    k[16..].copy_from_slice(&a.id.0.to_be_bytes());
    k
}

/// The client's bookings held. Read before the transaction (a sled transaction cannot scan,
/// and reading its trees from outside it inside it would wait on it); the request lock keeps
/// them as read.
fn held_for(holds: &sled::Tree, client_holds: &sled::Tree, client: u128) -> Result<Vec<Appointment>, StoreError> {
    let mut out = Vec::new();
    for item in client_holds.scan_prefix(client.to_be_bytes()) {
        let (_, slot) = item?;
        if let Some(raw) = holds.get(&slot)? {
            let a: Appointment = decode(HOLDS, &slot, &raw)?;
            if a.client.0 == client {
                out.push(a);
            }
        }
    }
    Ok(out)
}

impl RelayStore {
    /// Decides `claims` in order and lets go of `releases`, in one transaction, flushed before
    /// the answer goes back. A claim for an erased client is refused.
    pub fn decide_claims(
        &self,
        claims: &[Claim],
        releases: &[Release],
        policy: Option<&Policy>,
        now: DateTime<Utc>,
    ) -> Result<Decided, RelayError> {
        if claims.len() > MAX_CLAIMS || releases.len() > MAX_CLAIMS {
            return Err(RelayError::BadClaims(format!(
                "at most {MAX_CLAIMS} claims and {MAX_CLAIMS} releases in one request"
            )));
        }
        if claims.iter().any(|c| c.history.len() > MAX_HISTORY) {
            return Err(RelayError::BadClaims(format!(
                "at most {MAX_HISTORY} appointments of history in one claim"
            )));
        }
        // One request at a time, and never beside a push: an erasure and a claim for the same
        // client, or two claims for one slot, never pass each other.
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let mut erased = Vec::new();
        for c in claims {
            erased.push(self.is_erased(c.booking.client.0)?);
        }
        let holds = self.db.open_tree(HOLDS).map_err(StoreError::from)?;
        let client_holds = self.db.open_tree(CLIENT_HOLDS).map_err(StoreError::from)?;
        let leases = self.leases()?;
        let mut before = Vec::with_capacity(claims.len());
        for c in claims {
            let key = c.booking.slot.0.to_be_bytes();
            let holder: Option<Appointment> = match holds.get(key).map_err(StoreError::from)? {
                Some(raw) => Some(decode(HOLDS, &key, &raw)?),
                None => None,
            };
            before.push((holder, held_for(&holds, &client_holds, c.booking.client.0)?));
        }
        let decided = (&holds, &client_holds)
            .transaction(|(tx_holds, tx_client)| {
                let mut out = Decided::default();
                for r in releases {
                    let key = r.slot.0.to_be_bytes();
                    if let Some(raw) = tx_holds.get(key)? {
                        let held: Appointment = decode(HOLDS, &key, &raw).map_err(abort)?;
                        if booking_claim::releases(&held, r) {
                            tx_holds.remove(&key)?;
                            tx_client.remove(&client_key(&held))?;
                        }
                    }
                    out.released.push(r.booking);
                }
                // Claims decided earlier in this request count for the later ones.
                let mut decided_here: Vec<Appointment> = Vec::new();
                for ((claim, &gone), (held_before, client_before)) in claims.iter().zip(&erased).zip(&before) {
                    let b = &claim.booking;
                    if gone {
                        out.answers.push((
                            b.id,
                            Answer::Refused {
                                clause: "DATA-05".into(),
                                message: "the client was erased; nothing more is kept about them".into(),
                            },
                        ));
                        continue;
                    }
                    let key = b.slot.0.to_be_bytes();
                    // As read before, less what this request released, plus what it gave.
                    let released = |a: &Appointment| releases.iter().any(|r| booking_claim::releases(a, r));
                    let holder = held_before
                        .clone()
                        .filter(|h| !released(h))
                        .or_else(|| decided_here.iter().find(|a| a.slot == b.slot).cloned());
                    let mut held: Vec<Appointment> = client_before.iter().filter(|a| !released(a)).cloned().collect();
                    held.extend(decided_here.iter().filter(|a| a.client == b.client).cloned());
                    let answer = booking_claim::decide(policy, claim, holder.as_ref(), &held, &leases, now);
                    if answer == Answer::Confirmed && holder.is_none() {
                        let value = encode(b).map_err(abort)?;
                        tx_holds.insert(&key, value)?;
                        tx_client.insert(&client_key(b), &key)?;
                        decided_here.push(b.clone());
                    }
                    out.answers.push((b.id, answer));
                }
                Ok(out)
            })
            .map_err(|e: TransactionError<StoreError>| RelayError::Store(super::storage(e)))?;
        self.db.flush().map_err(StoreError::from)?;
        Ok(decided)
    }

    /// Lets go of every booking an erased client held (DATA-05: the server keeps their id,
    /// nothing else).
    pub(super) fn drop_holds_of(&self, client: u128) -> Result<(), StoreError> {
        let holds = self.db.open_tree(HOLDS)?;
        let client_holds = self.db.open_tree(CLIENT_HOLDS)?;
        for item in client_holds.scan_prefix(client.to_be_bytes()) {
            let (k, slot) = item?;
            holds.remove(&slot)?;
            client_holds.remove(&k)?;
        }
        Ok(())
    }

    /// Every lease held, live or not (a lease past its expiry is let go when the next is
    /// asked for).
    pub fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        self.db
            .open_tree(LEASES)?
            .iter()
            .map(|item| {
                let (k, v) = item?;
                decode(LEASES, &k, &v)
            })
            .collect()
    }

    /// Gives `asked` (its id chosen here) if no other desk's live lease overlaps it; leases
    /// past their expiry are let go first. Under the push lock, flushed before it returns.
    pub fn take_lease(&self, asked: &Lease, now: DateTime<Utc>) -> Result<Lease, RelayError> {
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let tree = self.db.open_tree(LEASES).map_err(StoreError::from)?;
        let mut live = Vec::new();
        for l in self.leases()? {
            if l.expires <= now {
                tree.remove(l.id.to_be_bytes()).map_err(StoreError::from)?;
            } else {
                live.push(l);
            }
        }
        if let Some(why) = booking_claim::lease_refusal(asked, &live, now) {
            return Err(RelayError::BadLease(why));
        }
        let lease = Lease {
            id: super::random_u128(),
            ..asked.clone()
        };
        tree.insert(lease.id.to_be_bytes(), encode(&lease)?)
            .map_err(StoreError::from)?;
        self.db.flush().map_err(StoreError::from)?;
        Ok(lease)
    }

    /// Hands a lease back (of slots or of an event's places), if `desk` holds it; whether it
    /// was held.
    pub fn return_lease(&self, id: u128, desk: crate::domain::ids::DeviceId) -> Result<bool, RelayError> {
        let _one = self.pushing.lock().unwrap_or_else(|p| p.into_inner());
        let tree = self.db.open_tree(LEASES).map_err(StoreError::from)?;
        let key = id.to_be_bytes();
        let Some(raw) = tree.get(key).map_err(StoreError::from)? else {
            // Lease ids are the server's, drawn at random: one of an event's places, maybe.
            let held = self.return_place_lease(id, desk)?.unwrap_or(false);
            self.db.flush().map_err(StoreError::from)?;
            return Ok(held);
        };
        let held: Lease = decode(LEASES, &key, &raw)?;
        if held.desk != desk {
            return Err(RelayError::BadLease("that lease is another desk's to hand back".into()));
        }
        tree.remove(key).map_err(StoreError::from)?;
        self.db.flush().map_err(StoreError::from)?;
        Ok(true)
    }

    /// How many slots the server has given to bookings.
    pub fn holds(&self) -> Result<usize, StoreError> {
        Ok(self.db.open_tree(HOLDS)?.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::appointment::{AppointmentState, Confirmation, RecordingConsent};
    use crate::domain::ids::{ClientId, DeviceId, OperatorId, SlotId};

    fn booking(id: u128, slot: u128, client: u128) -> Appointment {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 9, 10, 0, 0).unwrap();
        Appointment {
            id: AppointmentId(id),
            slot: SlotId(slot),
            client: ClientId(client),
            consultant: OperatorId(7),
            appointment_type: "guidance".into(),
            start: at,
            minutes: 45,
            location: "room-1".into(),
            booked_at: at,
            booked_by: OperatorId(1),
            state: AppointmentState::Booked,
            recording_consent: RecordingConsent::NotGiven,
            waiver: None,
            confirmation: Confirmation::Provisional { desk: DeviceId(3) },
        }
    }

    fn claim(b: Appointment) -> Claim {
        Claim {
            booking: b,
            history: Vec::new(),
        }
    }

    #[test]
    fn sync_claims_are_decided_in_order_kept_and_let_go_only_by_their_own_booking() {
        let dir = tempfile::tempdir().unwrap();
        let relay = RelayStore::open(dir.path()).unwrap();
        let now = Utc::now();
        let d = relay
            .decide_claims(
                &[claim(booking(1, 10, 100)), claim(booking(2, 10, 200))],
                &[],
                None,
                now,
            )
            .unwrap();
        assert_eq!(d.answers[0].1, Answer::Confirmed);
        assert_eq!(d.answers[1].1, Answer::Taken { by: AppointmentId(1) });
        assert_eq!(relay.holds().unwrap(), 1);
        // A release naming another booking lets nothing go; the holder's own does.
        let wrong = Release {
            slot: SlotId(10),
            booking: AppointmentId(2),
        };
        relay.decide_claims(&[], &[wrong], None, now).unwrap();
        assert_eq!(relay.holds().unwrap(), 1);
        let right = Release {
            slot: SlotId(10),
            booking: AppointmentId(1),
        };
        let d = relay
            .decide_claims(&[claim(booking(2, 10, 200))], &[right], None, now)
            .unwrap();
        assert_eq!(
            d.answers[0].1,
            Answer::Confirmed,
            "the slot let go goes to the next claim"
        );
        // An erased client's holds go, and nothing else of theirs is kept.
        relay.drop_holds_of(200).unwrap();
        assert_eq!(relay.holds().unwrap(), 0);
    }

    #[test]
    fn sync_too_many_claims_or_too_long_a_history_decide_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let relay = RelayStore::open(dir.path()).unwrap();
        let now = Utc::now();
        let long = Claim {
            history: vec![booking(9, 90, 100); MAX_HISTORY + 1],
            ..claim(booking(1, 10, 100))
        };
        assert!(matches!(
            relay.decide_claims(&[long], &[], None, now),
            Err(RelayError::BadClaims(_))
        ));
        let many = vec![claim(booking(1, 10, 100)); MAX_CLAIMS + 1];
        assert!(matches!(
            relay.decide_claims(&many, &[], None, now),
            Err(RelayError::BadClaims(_))
        ));
        assert_eq!(relay.holds().unwrap(), 0);
    }
}
