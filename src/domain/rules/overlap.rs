//! A client is in one place at a time: a booking that overlaps another of the client's live
//! appointments (booked or checked in, no outcome yet) is refused, naming the other one. No
//! policy clause says so; the refusal's code is "OVERLAP".

use chrono::{DateTime, Utc};

use super::{Refusal, Rule};
use crate::domain::appointment::Appointment;
use crate::domain::ids::SlotId;

/// The code refusals of this rule carry in place of a policy clause.
pub const CODE: &str = "OVERLAP";

/// The client's live appointments, other than one in `slot` itself, that overlap `[start, end)`.
pub fn clashes<'a>(
    history: &'a [Appointment],
    slot: SlotId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> impl Iterator<Item = &'a Appointment> + 'a {
    history
        .iter()
        .filter(move |a| a.is_live() && a.slot != slot && a.start < end && start < a.end())
}

/// Refuses a booking of `[start, end)` in `slot` when the client has another live appointment
/// then; `describe` says which in words (type, time, consultant).
pub fn check(
    history: &[Appointment],
    slot: SlotId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    describe: impl Fn(&Appointment) -> String,
) -> Option<Refusal> {
    let other = clashes(history, slot, start, end).next()?;
    Some(Refusal {
        rule: Rule::Overlap,
        clause: CODE,
        message: format!(
            "the client already has {} (booking {}) at that time; cancel it or choose another slot",
            describe(other),
            other.id
        ),
        allowed_from: None,
        figures: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::appointment::{AppointmentState, Outcome, RecordingConsent};
    use crate::domain::ids::{AppointmentId, ClientId, OperatorId};
    use chrono::{Duration, TimeZone};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    fn appt(slot: u128, start: DateTime<Utc>, minutes: u16, state: AppointmentState) -> Appointment {
        Appointment {
            id: AppointmentId(slot + 100),
            slot: SlotId(slot),
            client: ClientId(1),
            consultant: OperatorId(7),
            appointment_type: "guidance".into(),
            start,
            minutes,
            location: "atrium-pod-1".into(),
            booked_at: start - Duration::days(2),
            booked_by: OperatorId(7),
            state,
            recording_consent: RecordingConsent::NotGiven,
            waiver: None,
            confirmation: crate::domain::appointment::Confirmation::Local,
        }
    }

    fn describe(a: &Appointment) -> String {
        format!("{} at {}", a.appointment_type, a.start.format("%H:%M"))
    }

    #[test]
    fn a_client_in_two_places_at_once_is_refused_naming_the_other_appointment() {
        let history = vec![appt(1, at(10, 0), 45, AppointmentState::Booked)];
        // 10:30 starts inside the 10:00-10:45 appointment.
        let r = check(&history, SlotId(2), at(10, 30), at(11, 0), describe).unwrap();
        assert_eq!((r.rule, r.clause), (Rule::Overlap, "OVERLAP"));
        assert!(r.message.contains("guidance at 10:00"), "{}", r.message);
        assert!(r.message.contains(&AppointmentId(101).to_string()), "{}", r.message);
        // Back to back is not an overlap, either side.
        assert!(check(&history, SlotId(2), at(10, 45), at(11, 15), describe).is_none());
        assert!(check(&history, SlotId(2), at(9, 30), at(10, 0), describe).is_none());
        // A longer slot around it overlaps.
        assert!(check(&history, SlotId(2), at(9, 0), at(12, 0), describe).is_some());
    }

    #[test]
    fn only_live_appointments_clash() {
        let settled = |outcome| AppointmentState::Settled {
            outcome,
            by: OperatorId(7),
            at: at(9, 0),
        };
        for state in [
            settled(Outcome::Cancelled),
            settled(Outcome::Attended),
            settled(Outcome::NoShow),
        ] {
            let history = vec![appt(1, at(10, 0), 45, state.clone())];
            assert!(
                check(&history, SlotId(2), at(10, 0), at(10, 45), describe).is_none(),
                "{state:?}"
            );
        }
        let checked_in = vec![appt(1, at(10, 0), 45, AppointmentState::CheckedIn { at: at(9, 58) })];
        assert!(check(&checked_in, SlotId(2), at(10, 15), at(10, 30), describe).is_some());
    }

    #[test]
    fn the_same_slot_is_not_a_clash_with_itself() {
        let history = vec![appt(1, at(10, 0), 45, AppointmentState::Booked)];
        assert!(check(&history, SlotId(1), at(10, 0), at(10, 45), describe).is_none());
    }
}
