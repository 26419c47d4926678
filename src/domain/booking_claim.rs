//! Bookings decided by the sync server (decision 0020, step 6): a desk that syncs books
//! provisionally, and at its next sync asks the server for the slot. The server keeps the one
//! booking each slot was given and decides here, with no IO: the first to arrive gets the
//! slot, a later one is told which booking has it, and a booking every desk allowed alone but
//! that breaks a counting rule once every desk's bookings are seen together (fair use,
//! allocation) or puts the client in two places at once is refused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::appointment::{Appointment, Confirmation, Outcome};
use super::ids::{AppointmentId, DeviceId, OperatorId, SlotId};
use super::policy::Policy;
use super::rules::{self, counting};

/// Most claims or releases one request may carry.
pub const MAX_CLAIMS: usize = 500;
/// Most appointments of the client's history one claim may carry.
pub const MAX_HISTORY: usize = 2_000;

/// A provisional booking a desk asks the server to decide, with what that desk knows of the
/// client's other appointments (ids, types and times only: nothing that names anyone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The booking, as the desk holds it.
    pub booking: Appointment,
    /// The client's other appointments on that desk, any state.
    pub history: Vec<Appointment>,
}

/// A booking that held a slot by the server's decision and was cancelled in time: the
/// server lets the slot go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The slot.
    pub slot: SlotId,
    /// The booking that held it.
    pub booking: AppointmentId,
}

/// The server's answer to one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// The slot is this booking's.
    Confirmed,
    /// The slot went to another booking first.
    Taken {
        /// That booking.
        by: AppointmentId,
    },
    /// Refused with every desk's bookings seen together.
    Refused {
        /// The clause (or rule code) it breaks.
        clause: String,
        /// Why, in words.
        message: String,
    },
}

/// Longest a lease may last: a fair is a day or two; a lease left behind frees itself.
pub const MAX_LEASE_HOURS: i64 = 72;

/// A consultant's slots in a period, leased to one desk before it goes offline (a fair): the
/// server gives no other desk a booking in them until the lease expires or is handed back,
/// so that desk's bookings there are certain at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The lease's id (the server's).
    pub id: u128,
    /// The consultant whose slots are leased.
    pub consultant: OperatorId,
    /// The period's start (slots starting at or after it).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub from: DateTime<Utc>,
    /// The period's end (slots starting before it).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub to: DateTime<Utc>,
    /// The desk (replica) it is leased to.
    pub desk: DeviceId,
    /// When it ends by itself.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub expires: DateTime<Utc>,
}

impl Lease {
    /// Whether it covers a booking of `consultant` starting at `start`, at instant `at`.
    pub fn covers(&self, consultant: OperatorId, start: DateTime<Utc>, at: DateTime<Utc>) -> bool {
        self.consultant == consultant && self.from <= start && start < self.to && at < self.expires
    }

    /// Whether it overlaps `other` in consultant and period, both live at `at`.
    pub fn overlaps(&self, other: &Lease, at: DateTime<Utc>) -> bool {
        self.consultant == other.consultant
            && self.from < other.to
            && other.from < self.to
            && at < self.expires
            && at < other.expires
    }
}

/// Why a lease asked for cannot be given, if it cannot: a period that is empty, too long, or
/// that another desk's live lease of the same consultant overlaps.
pub fn lease_refusal(asked: &Lease, held: &[Lease], now: DateTime<Utc>) -> Option<String> {
    if asked.to <= asked.from {
        return Some("the lease's period ends before it starts".into());
    }
    if asked.expires <= now || asked.expires > now + chrono::Duration::hours(MAX_LEASE_HOURS) {
        return Some(format!("a lease lasts from now up to {MAX_LEASE_HOURS} hours"));
    }
    held.iter()
        .find(|h| h.desk != asked.desk && h.overlaps(asked, now))
        .map(|h| {
            format!(
                "another desk holds a lease on these slots until {}; ask it to hand the lease back",
                h.expires.format("%Y-%m-%d %H:%M UTC")
            )
        })
}

/// Decides one claim. `holder` is the booking the server gave the slot, if any; `held` the
/// client's bookings the server holds for other slots; `leases` the leases given. `policy` is
/// the institution's, when the server serves one (without it only the slot, the leases and
/// the client's time are checked).
pub fn decide(
    policy: Option<&Policy>,
    claim: &Claim,
    holder: Option<&Appointment>,
    held: &[Appointment],
    leases: &[Lease],
    now: DateTime<Utc>,
) -> Answer {
    let b = &claim.booking;
    match holder {
        Some(h) if h.id == b.id => return Answer::Confirmed,
        Some(h) => return Answer::Taken { by: h.id },
        None => {}
    }
    // A booking made on a desk in its own lease, while the lease held, was certain there: it
    // is confirmed as it stands. In another desk's lease it is refused.
    let made_on = match &b.confirmation {
        Confirmation::Provisional { desk } | Confirmation::Leased { desk } => Some(*desk),
        _ => None,
    };
    if let Some(l) = leases.iter().find(|l| l.covers(b.consultant, b.start, b.booked_at)) {
        if Some(l.desk) == made_on {
            return Answer::Confirmed;
        }
        if l.covers(b.consultant, b.start, now) {
            return Answer::Refused {
                clause: "LEASE".into(),
                message: format!(
                    "the consultant's slots then are leased to another desk until {}",
                    l.expires.format("%Y-%m-%d %H:%M UTC")
                ),
            };
        }
    }
    let picture = picture(claim, held);
    if let Some(r) = rules::overlap::check(&picture, b.slot, b.start, b.end(), |a| {
        format!("another booking at {}", a.start.format("%Y-%m-%d %H:%M UTC"))
    }) {
        return refused(r);
    }
    let Some(policy) = policy else {
        return Answer::Confirmed;
    };
    // A type the server's policy does not know was checked by the desk's; nothing to count.
    let Some(ty) = policy.appointment_type(&b.appointment_type) else {
        return Answer::Confirmed;
    };
    let tally = counting::tally(policy, &ty.id, picture.iter(), now);
    match rules::count_refusals(policy, ty, &tally, policy.local_date(b.start))
        .into_iter()
        .next()
    {
        Some(r) => refused(r),
        None => Answer::Confirmed,
    }
}

/// The client's other appointments seen together: the desk's history, and the server's held
/// bookings it lacks (another desk's), each once; the claimed booking itself left out.
fn picture(claim: &Claim, held: &[Appointment]) -> Vec<Appointment> {
    let b = &claim.booking;
    let mut all: Vec<Appointment> = claim
        .history
        .iter()
        .filter(|a| a.id != b.id && a.client == b.client)
        .cloned()
        .collect();
    for h in held {
        if h.id != b.id && h.client == b.client && !all.iter().any(|a| a.id == h.id) {
            all.push(h.clone());
        }
    }
    all
}

fn refused(r: rules::Refusal) -> Answer {
    Answer::Refused {
        clause: r.clause.to_string(),
        message: r.message,
    }
}

/// What the server's answers did on a desk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BookingsSettled {
    /// Provisional bookings the server confirmed.
    pub confirmed: u64,
    /// Provisional bookings the server gave away or refused: now in the conflicts queue.
    pub needs_rebooking: u64,
    /// Cancelled bookings whose slots the server let go.
    pub released: u64,
}

impl BookingsSettled {
    /// Whether anything was written (and so is to be sent).
    pub fn wrote(&self) -> bool {
        self.confirmed + self.needs_rebooking + self.released > 0
    }
}

/// Whether a booking the server holds still holds its slot as the desk tells it: a release
/// only lets go of the booking it names, never another desk's that holds the slot now.
pub fn releases(held: &Appointment, release: &Release) -> bool {
    held.id == release.booking && held.slot == release.slot
}

/// Whether an appointment's desk copy says it was cancelled in time, so its slot is free.
pub fn cancelled_in_time(a: &Appointment) -> bool {
    a.outcome() == Some(Outcome::Cancelled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::appointment::{AppointmentState, RecordingConsent};
    use crate::domain::ids::{ClientId, OperatorId};

    fn at(h: u32) -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 9, h, 0, 0).unwrap()
    }

    fn booking(id: u128, slot: u128, client: u128, h: u32) -> Appointment {
        Appointment {
            id: AppointmentId(id),
            slot: SlotId(slot),
            client: ClientId(client),
            consultant: OperatorId(7),
            appointment_type: "guidance".into(),
            start: at(h),
            minutes: 45,
            location: "room-1".into(),
            booked_at: at(8),
            booked_by: OperatorId(1),
            state: AppointmentState::Booked,
            recording_consent: RecordingConsent::NotGiven,
            waiver: None,
            confirmation: Confirmation::Provisional {
                desk: crate::domain::ids::DeviceId(3),
            },
        }
    }

    fn claim(b: Appointment) -> Claim {
        Claim {
            booking: b,
            history: Vec::new(),
        }
    }

    #[test]
    fn sync_a_free_slot_goes_to_the_first_claim_and_again_to_the_same_claim() {
        let c = claim(booking(1, 10, 100, 10));
        assert_eq!(decide(None, &c, None, &[], &[], at(8)), Answer::Confirmed);
        assert_eq!(decide(None, &c, Some(&c.booking), &[], &[], at(8)), Answer::Confirmed);
    }

    #[test]
    fn sync_a_slot_given_to_one_booking_is_taken_for_another() {
        let first = booking(1, 10, 100, 10);
        let c = claim(booking(2, 10, 200, 10));
        assert_eq!(
            decide(None, &c, Some(&first), &[], &[], at(8)),
            Answer::Taken { by: AppointmentId(1) }
        );
    }

    #[test]
    fn sync_a_client_booked_at_the_same_time_on_another_desk_is_refused() {
        let other_desk = booking(1, 11, 100, 10);
        let c = claim(booking(2, 10, 100, 10));
        match decide(None, &c, None, std::slice::from_ref(&other_desk), &[], at(8)) {
            Answer::Refused { clause, .. } => assert_eq!(clause, "OVERLAP"),
            a => panic!("{a:?}"),
        }
        // Another client's booking then is no clash.
        let mut someone_else = other_desk;
        someone_else.client = ClientId(300);
        assert_eq!(decide(None, &c, None, &[someone_else], &[], at(8)), Answer::Confirmed);
    }

    fn lease(desk: u128, from: u32, to: u32) -> Lease {
        Lease {
            id: 1,
            consultant: OperatorId(7),
            from: at(from),
            to: at(to),
            desk: crate::domain::ids::DeviceId(desk),
            expires: at(20),
        }
    }

    #[test]
    fn sync_a_booking_in_its_own_desks_lease_is_confirmed_and_in_anothers_refused() {
        let mine = claim(booking(1, 10, 100, 10));
        let leases = [lease(3, 9, 12)];
        assert_eq!(decide(None, &mine, None, &[], &leases, at(8)), Answer::Confirmed);
        let theirs = [lease(4, 9, 12)];
        match decide(None, &mine, None, &[], &theirs, at(8)) {
            Answer::Refused { clause, .. } => assert_eq!(clause, "LEASE"),
            a => panic!("{a:?}"),
        }
        // Outside the leased period, the lease does not matter.
        let later = claim(booking(2, 11, 100, 13));
        assert_eq!(decide(None, &later, None, &[], &theirs, at(8)), Answer::Confirmed);
    }

    #[test]
    fn sync_a_lease_overlapping_another_desks_or_too_long_is_refused() {
        let held = [lease(4, 9, 12)];
        assert!(lease_refusal(&lease(3, 11, 14), &held, at(8)).is_some());
        assert!(
            lease_refusal(&lease(4, 11, 14), &held, at(8)).is_none(),
            "a desk's own leases may overlap"
        );
        assert!(lease_refusal(&lease(3, 12, 14), &held, at(8)).is_none());
        let mut long = lease(3, 12, 14);
        long.expires = at(8) + chrono::Duration::hours(MAX_LEASE_HOURS + 1);
        assert!(lease_refusal(&long, &[], at(8)).is_some());
        assert!(lease_refusal(&lease(3, 14, 12), &[], at(8)).is_some());
    }

    #[test]
    fn sync_a_release_names_the_booking_it_lets_go() {
        let held = booking(1, 10, 100, 10);
        assert!(releases(
            &held,
            &Release {
                slot: SlotId(10),
                booking: AppointmentId(1)
            }
        ));
        assert!(!releases(
            &held,
            &Release {
                slot: SlotId(10),
                booking: AppointmentId(2)
            }
        ));
    }
}
