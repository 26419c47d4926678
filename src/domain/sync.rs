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
    /// The op-log entry exactly as the desk stores it.
    pub sealed: Vec<u8>,
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
            sealed,
        }
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
    /// The replicas whose ops it has pushed: no other terminal may push theirs.
    pub replicas: Vec<DeviceId>,
}

impl TerminalEntry {
    /// Whether this terminal may push ops made by `device`: one it has pushed before, or one
    /// no terminal has claimed yet (`claimed_elsewhere` false).
    pub fn may_push_for(&self, device: DeviceId, claimed_elsewhere: bool) -> bool {
        self.replicas.contains(&device) || !claimed_elsewhere
    }
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
    /// Another terminal pushes this replica's ops.
    #[error("device {device} belongs to another terminal")]
    NotYours {
        /// The replica.
        device: DeviceId,
    },
}

/// Checks that a batch of one replica's ops follows on from what is held: each op is either
/// already held (`held(seq)` gives its bytes) with the same contents, or the next in sequence.
/// `high_water` is the newest held, `base` the sequence before its first op (a restored store's
/// new replica starts after its old one's last op). Returns the ops that are new.
pub fn ops_to_accept<'a>(
    high_water: u64,
    base: u64,
    ops: &'a [SealedOp],
    held: &dyn Fn(u64) -> Option<Vec<u8>>,
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
                Some(bytes) if bytes == op.sealed => continue,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn op(seq: u64, body: u8) -> SealedOp {
        SealedOp::sample(DeviceId(9), seq, vec![body])
    }

    #[test]
    fn a_push_again_is_accepted_and_adds_nothing() {
        let held = |seq: u64| (seq <= 2).then(|| vec![seq as u8]);
        let ops = [op(1, 1), op(2, 2), op(3, 3)];
        let fresh = ops_to_accept(2, 0, &ops, &held).unwrap();
        assert_eq!(fresh.iter().map(|o| o.seq).collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn a_gap_or_a_rewritten_op_refuses_the_batch() {
        let held = |seq: u64| (seq <= 2).then(|| vec![seq as u8]);
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
