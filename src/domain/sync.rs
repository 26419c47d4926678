//! What sync moves between a desk and its server: ops as sealed bytes with the few clear
//! fields the server needs (ids and clocks, never personal data), the server's view of the
//! terminals it has enrolled, and how long a desk waits before trying again after a failure.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::change::Hlc;
use super::ids::{DeviceId, OperatorId, TerminalId};

/// One op as it travels: who made it, where it sits in its device's sequence, its clock, and
/// the op itself sealed by the desk that made it (the server never opens it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedOp {
    /// The replica that made it.
    pub device: DeviceId,
    /// Its place in that replica's dense sequence.
    pub seq: u64,
    /// Its hybrid logical clock.
    pub hlc: Hlc,
    /// The operator who made it.
    pub operator: OperatorId,
    /// The clients it is about (ids only), so an erasure can find and drop it.
    pub subjects: Vec<u128>,
    /// The clients it erases (DATA-05): from then on every op about them is dropped everywhere.
    pub erases: Vec<u128>,
    /// The version of the institution's policy it was decided under (0: before any policy
    /// came from the server).
    pub policy_version: u32,
    /// What it holds.
    pub body: OpBody,
    /// Its operator's signature (decision 0022); none on ops made before signing existed.
    pub signature: Option<crate::domain::roster::Signed>,
    /// The kinds of record it changes, in the clear (they say nothing of a person), so the
    /// server can check them against its operator's rights; empty on ops made before.
    pub kinds: Vec<crate::domain::EntityKind>,
}

/// What an op holds as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpBody {
    /// The op-log entry exactly as the desk stores it, and the keys of the clients its
    /// changes are sealed with, so another desk of the institution can open them.
    Sealed {
        /// The op-log entry.
        entry: Vec<u8>,
        /// Each client key the entry's changes are sealed with.
        keys: Vec<TravellingKey>,
    },
    /// Dropped because it is about an erased client: its place in its device's sequence is
    /// kept, its content is gone (DATA-05). Dropped before the hash was kept.
    Dropped,
    /// Dropped as [`OpBody::Dropped`], keeping the hash of the entry that was there, which
    /// its signature covers: a desk can still check who made it (an erasure above all).
    DroppedKeepingHash {
        /// blake3 of the op-log entry.
        entry_hash: [u8; 32],
    },
}

impl OpBody {
    /// Whether its content was dropped.
    pub fn is_dropped(&self) -> bool {
        !matches!(self, OpBody::Sealed { .. })
    }

    /// The hash of its entry, which its signature covers, if known.
    pub fn entry_hash(&self) -> Option<[u8; 32]> {
        match self {
            OpBody::Sealed { entry, .. } => Some(*blake3::hash(entry).as_bytes()),
            OpBody::DroppedKeepingHash { entry_hash } => Some(*entry_hash),
            OpBody::Dropped => None,
        }
    }
}

/// A client's key as it travels with an op: wrapped by the institution key (the server, which
/// has no key, cannot open it), dropped with the op's content at an erasure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravellingKey {
    /// The client.
    pub subject: u128,
    /// The key's generation.
    pub generation: u32,
    /// The key, wrapped.
    pub wrapped: Vec<u8>,
}

impl SealedOp {
    /// Whether it is about any of `erased`.
    pub fn is_about_any(&self, erased: &dyn Fn(u128) -> bool) -> bool {
        self.subjects.iter().any(|&s| erased(s))
    }

    /// Drops its content, keeping its place (and the erasures it records).
    pub fn drop_content(&mut self) {
        if let Some(entry_hash) = self.body.entry_hash() {
            self.body = OpBody::DroppedKeepingHash { entry_hash };
        }
    }
}

#[cfg(test)]
impl SealedOp {
    /// An op for tests: `seq` of `device`, its clock at `seq` ms, `sealed` as its bytes.
    pub(crate) fn sample(device: DeviceId, seq: u64, sealed: Vec<u8>) -> SealedOp {
        SealedOp {
            device,
            seq,
            hlc: Hlc {
                wall_ms: seq,
                counter: 0,
                device,
            },
            operator: OperatorId(1),
            subjects: vec![],
            erases: vec![],
            policy_version: 0,
            body: OpBody::Sealed {
                entry: sealed,
                keys: vec![],
            },
            signature: None,
            kinds: vec![],
        }
    }
}

/// Ids of erased clients, kept inside the program (a lookup in memory drops them): never
/// serialised, and its `Debug` says only how many, so no log lists them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ErasedClients(pub Vec<u128>);

impl std::fmt::Debug for ErasedClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} client(s)", self.0.len())
    }
}

/// Ids of clients whose records another desk's ops changed here, kept inside the program (the
/// lookup in memory takes them in): never serialised, its `Debug` a count.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ChangedClients(pub Vec<u128>);

impl std::fmt::Debug for ChangedClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} client(s)", self.0.len())
    }
}

/// A terminal as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalEntry {
    /// Its credential's id.
    pub id: TerminalId,
    /// The name given at enrolment (a place, never a person).
    pub name: String,
    /// When it enrolled, ms since the epoch.
    pub enrolled_ms: u64,
    /// When it last synced, ms since the epoch.
    pub last_sync_ms: Option<u64>,
    /// When it was revoked; a revoked terminal is refused at once.
    pub revoked_ms: Option<u64>,
    /// A keyed hash of its secret (the secret itself is held only by the terminal).
    pub secret_hash: [u8; 32],
    /// The replicas whose ops it was the first to push.
    pub replicas: Vec<DeviceId>,
}

/// Why a push of ops was refused: the whole batch is refused, nothing of it is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PushRefusal {
    /// The batch skips sequence numbers.
    #[error("op {seq} of device {device} leaves a gap: the server holds up to {high_water}")]
    Gap {
        /// The replica.
        device: DeviceId,
        /// The op that was offered.
        seq: u64,
        /// What the server holds for that replica.
        high_water: u64,
    },
    /// An op the server already holds came again with other contents.
    #[error("op {seq} of device {device} differs from the one already received")]
    Rewritten {
        /// The replica.
        device: DeviceId,
        /// The op.
        seq: u64,
    },
    /// The replica is another terminal's store's current one, or not one of this terminal's.
    #[error("device {device} belongs to another terminal")]
    NotYours {
        /// The replica.
        device: DeviceId,
    },
    /// The op's clock is further ahead of the server's than the limit: taken, it would win
    /// every later edit made elsewhere until real time caught up.
    #[error("this desk's clock is {} ahead of the server's: set the desk's clock right. Nothing is lost: its changes wait on the desk and are sent once the server's clock has passed theirs", ahead(*.ahead_ms))]
    ClockAhead {
        /// By how much, ms.
        ahead_ms: u64,
    },
}

/// How far an op's clock may be ahead of the server's (ten minutes).
pub const MAX_CLOCK_AHEAD_MS: u64 = 10 * 60 * 1000;

/// A time ahead in words: "3 minutes", "26 hours".
fn ahead(ms: u64) -> String {
    let minutes = ms / 60_000;
    if minutes < 120 {
        format!("{} minute(s)", minutes.max(1))
    } else {
        format!("{} hour(s)", minutes / 60)
    }
}

/// Refuses a batch holding an op whose clock is past the server's `now_ms` by more than
/// [`MAX_CLOCK_AHEAD_MS`]. A clock behind is taken: the hybrid clock orders it after what its
/// desk has seen.
pub fn check_clocks(ops: &[&SealedOp], now_ms: u64) -> Result<(), PushRefusal> {
    match ops.iter().map(|o| o.hlc.wall_ms).max() {
        Some(newest) if newest > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) => Err(PushRefusal::ClockAhead {
            ahead_ms: newest - now_ms,
        }),
        _ => Ok(()),
    }
}

/// Checks that a batch of one replica's ops follows on from what is held: each op is either
/// already held (`held(seq)` gives its body) with the same contents, or dropped there since
/// (an erasure), or the next in sequence.
/// `high_water` is the newest held, `base` the sequence before its first op (a restored store's
/// new replica starts after its old one's last op). Returns the ops that are new.
pub fn ops_to_accept<'a>(
    high_water: u64,
    base: u64,
    ops: &'a [SealedOp],
    held: &dyn Fn(u64) -> Option<OpBody>,
) -> Result<Vec<&'a SealedOp>, PushRefusal> {
    let mut next = high_water.max(base) + 1;
    let mut fresh = Vec::new();
    for op in ops {
        if op.seq == next {
            fresh.push(op);
            next += 1;
            continue;
        }
        // Ops at or below the base were made before the replica was restored: not its own.
        if op.seq < next && op.seq > base {
            match held(op.seq) {
                Some(body) if body.is_dropped() => continue,
                Some(body) if body == op.body => continue,
                Some(_) => {
                    return Err(PushRefusal::Rewritten {
                        device: op.device,
                        seq: op.seq,
                    })
                }
                None => {}
            }
        }
        return Err(PushRefusal::Gap {
            device: op.device,
            seq: op.seq,
            high_water: next - 1,
        });
    }
    Ok(fresh)
}

/// The wait before the first retry after a failed sync.
pub const RETRY_FIRST: Duration = Duration::from_secs(5);
/// The longest wait between tries, however many have failed.
pub const RETRY_CAP: Duration = Duration::from_secs(600);

/// How long to wait before the next try after `failures` failed syncs in a row (0: none
/// failed, no wait). The ceiling doubles from [`RETRY_FIRST`] with each failure up to
/// [`RETRY_CAP`]; *equal jitter* then keeps the upper half of it fixed and spreads the lower
/// half by `jitter` (0 to 1, drawn by the caller): `ceiling / 2 + jitter * ceiling / 2`. So a
/// retry never comes sooner than half the ceiling (no burst of instant retries, as full jitter
/// allows), and desks that failed together do not all come back at the same moment.
pub fn retry_after(failures: u32, jitter: f64) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let doublings = (failures - 1).min(31);
    let ceiling = RETRY_FIRST
        .checked_mul(1u32 << doublings)
        .map_or(RETRY_CAP, |d| d.min(RETRY_CAP));
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = ceiling / 2;
    half + half.mul_f64(jitter)
}

/// What giving decisions back to a sync server restored from an older backup did on a desk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReinstatedHere {
    /// Confirmed bookings and places sent.
    pub sent: u64,
    /// Bookings the server had given away since: now needing rebooking.
    pub slots_taken: u64,
    /// Places whose event the server had filled since: back on the waiting list.
    pub places_lost: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(seq: u64, body: u8) -> SealedOp {
        SealedOp::sample(DeviceId(9), seq, vec![body])
    }

    #[test]
    fn a_push_again_is_accepted_and_adds_nothing() {
        let held = |seq: u64| (seq <= 2).then(|| op(seq, seq as u8).body);
        let ops = [op(1, 1), op(2, 2), op(3, 3)];
        let fresh = ops_to_accept(2, 0, &ops, &held).unwrap();
        assert_eq!(fresh.iter().map(|o| o.seq).collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn a_gap_or_a_rewritten_op_refuses_the_batch() {
        let held = |seq: u64| (seq <= 2).then(|| op(seq, seq as u8).body);
        assert!(matches!(
            ops_to_accept(2, 0, &[op(4, 4)], &held),
            Err(PushRefusal::Gap {
                seq: 4,
                high_water: 2,
                ..
            })
        ));
        assert!(matches!(
            ops_to_accept(2, 0, &[op(2, 7)], &held),
            Err(PushRefusal::Rewritten { seq: 2, .. })
        ));
    }

    #[test]
    fn data_05_an_op_dropped_for_an_erasure_may_come_again_with_its_content() {
        let held = |_: u64| Some(OpBody::Dropped);
        assert!(ops_to_accept(2, 0, &[op(1, 1), op(2, 2)], &held).unwrap().is_empty());
    }

    #[test]
    fn an_op_a_day_ahead_is_refused_and_one_a_year_behind_is_taken() {
        let now = 400 * 86_400_000;
        let mut ahead = op(1, 1);
        ahead.hlc.wall_ms = now + 86_400_000;
        let refusal = check_clocks(&[&ahead], now).unwrap_err();
        assert!(refusal.to_string().contains("24 hour(s) ahead"), "{refusal}");
        let mut near = op(2, 2);
        near.hlc.wall_ms = now + 60_000;
        let mut behind = op(3, 3);
        behind.hlc.wall_ms = now - 365 * 86_400_000;
        assert!(check_clocks(&[&near, &behind], now).is_ok());
    }

    #[test]
    fn a_restored_replica_starts_after_its_base() {
        let none = |_: u64| None;
        assert_eq!(ops_to_accept(0, 50, &[op(51, 0)], &none).unwrap().len(), 1);
        assert!(ops_to_accept(0, 50, &[op(50, 0)], &none).is_err());
        assert!(ops_to_accept(0, 50, &[op(52, 0)], &none).is_err());
    }

    #[test]
    fn retry_waits_nothing_before_any_failure() {
        assert_eq!(retry_after(0, 0.7), Duration::ZERO);
    }

    #[test]
    fn retry_ceiling_doubles_from_five_seconds() {
        let ceilings: Vec<u64> = (1..=7).map(|n| retry_after(n, 1.0).as_secs()).collect();
        assert_eq!(ceilings, vec![5, 10, 20, 40, 80, 160, 320]);
    }

    #[test]
    fn retry_is_capped_at_ten_minutes_however_many_failures() {
        for n in [8, 9, 20, 31, 32, 33, 1_000, u32::MAX] {
            assert_eq!(retry_after(n, 1.0), RETRY_CAP, "{n} failures");
            assert_eq!(retry_after(n, 0.0), RETRY_CAP / 2, "{n} failures");
        }
    }

    #[test]
    fn retry_equal_jitter_stays_between_half_and_the_whole_ceiling() {
        assert_eq!(retry_after(1, 0.0), Duration::from_millis(2_500));
        assert_eq!(retry_after(1, 0.5), Duration::from_millis(3_750));
        assert_eq!(
            retry_after(3, 0.25),
            Duration::from_secs(10) + Duration::from_millis(2_500)
        );
        for n in 1..12 {
            let low = retry_after(n, 0.0);
            let high = retry_after(n, 1.0);
            assert_eq!(low * 2, high, "{n} failures");
            for j in [0.1, 0.33, 0.9] {
                let d = retry_after(n, j);
                assert!(low <= d && d <= high, "{n} failures, jitter {j}: {d:?}");
            }
        }
    }

    #[test]
    fn retry_jitter_out_of_range_is_held_to_it() {
        assert_eq!(retry_after(2, -3.0), retry_after(2, 0.0));
        assert_eq!(retry_after(2, 7.0), retry_after(2, 1.0));
        assert_eq!(retry_after(2, f64::NAN), retry_after(2, 0.0));
    }
}
