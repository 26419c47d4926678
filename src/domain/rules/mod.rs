//! The booking rules as pure functions: suspension (SEC-03), blocks and no-shows (APPT-04),
//! eligibility and allocation (APPT-01, APPT-02, APPT-03), fair use and peak periods (APPT-05,
//! APPT-06), with technical endings consuming nothing (APPT-10).
//!
//! No IO and no clock: `now` and the booking's start are always arguments. Every rule works on
//! LOCAL dates in the institution's time zone (`Policy::local_date`), across clock changes.
//! A past appointment with no outcome ("unresolved") is never counted against the client; the
//! [`Decision`] reports how many were left out so staff can settle them.

pub mod allocation;
pub mod counting;
pub mod eligibility;
pub mod fair_use;
pub mod no_show;
pub mod overlap;
pub mod rooms;

#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::appointment::Appointment;
use crate::domain::client::Client;
use crate::domain::policy::{AppointmentType, Policy};

pub use counting::{standing, tally, Standing, Tally};
pub use no_show::{no_show_status, proposed_block_expiry, NoShowLevel, NoShowStatus};

/// Which rule refused a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The client is suspended pending investigation (SEC-03).
    Suspended,
    /// The client is blocked after repeated no-shows (APPT-04).
    Blocked,
    /// The client is not eligible for the appointment type (APPT-01).
    Eligibility,
    /// The client has used the type's allocation for the period (APPT-01, APPT-02).
    Allocation,
    /// The booking would exceed the fair-use limit (APPT-05, APPT-06).
    FairUse,
    /// A booking cannot be passed to another client (SEC-02).
    Transfer,
    /// The client already has a live appointment at that time (one place at a time).
    Overlap,
    /// The location is already used by as many slots as it holds at that time.
    RoomFull,
    /// The service is closed that day (a `[[closures]]` entry).
    Closed,
    /// The event is open to other schools' students only (EVT-02).
    Audience,
}

/// The numbers behind a counting refusal: `used` of `limit` between two local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Figures {
    /// Appointments or contacts counted.
    pub used: u32,
    /// The most allowed.
    pub limit: u32,
    /// First day counted.
    pub from: NaiveDate,
    /// Last day counted.
    pub to: NaiveDate,
}

/// One reason a booking is refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// The rule that failed.
    pub rule: Rule,
    /// The policy clause it enforces ("APPT-05", "APPT-06", "APPT-01", "APPT-04", "SEC-02",
    /// "SEC-03"), or for a rule of the calendar itself that no clause names, a code of its own:
    /// "OVERLAP" (a client in two places), "CAPACITY" (a full room), "CLOSURE" (a closed day).
    pub clause: &'static str,
    /// What failed, in words a desk operator can read out.
    pub message: String,
    /// The first local date this rule alone would allow the booking, when one is known.
    pub allowed_from: Option<NaiveDate>,
    /// The counts behind it, for the counting rules (allocation, fair use).
    pub figures: Option<Figures>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.clause, self.message)
    }
}

/// The outcome of checking a booking against every rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// Every rule that refused, in order: suspended, blocked, eligibility, allocation, fair use.
    pub refusals: Vec<Refusal>,
    /// Unresolved appointments a rule would otherwise have counted, left out (APPT-02).
    pub unresolved_ignored: usize,
}

impl Decision {
    /// A decision with one refusal.
    pub fn refused(refusal: Refusal) -> Decision {
        Decision {
            refusals: vec![refusal],
            unresolved_ignored: 0,
        }
    }

    /// Whether no rule refused.
    pub fn is_allowed(&self) -> bool {
        self.refusals.is_empty()
    }

    /// The latest `allowed_from` over the refusals; `None` when allowed or when any refusal has none.
    pub fn allowed_from(&self) -> Option<NaiveDate> {
        let mut latest = None;
        for refusal in &self.refusals {
            latest = latest.max(Some(refusal.allowed_from?));
        }
        latest
    }

    /// One line per refusal, plus "(N unresolved appointment(s) not counted)" when some were left out.
    pub fn explain(&self) -> String {
        let mut lines: Vec<String> = self.refusals.iter().map(Refusal::to_string).collect();
        if self.unresolved_ignored > 0 {
            lines.push(format!(
                "({} unresolved appointment(s) not counted)",
                self.unresolved_ignored
            ));
        }
        lines.join("\n")
    }
}

/// A proposed booking: who, which type, when and how long.
#[derive(Debug, Clone, Copy)]
pub struct BookingRequest<'a> {
    /// The client to be booked.
    pub client: &'a Client,
    /// The appointment type of the slot.
    pub appointment_type: &'a AppointmentType,
    /// The slot's start.
    pub start: DateTime<Utc>,
    /// The slot's length in minutes.
    pub minutes: u16,
}

/// The rules that count the client's other appointments: allocation (APPT-02) and, for a
/// consultant-led type, fair use (APPT-05). The sync server runs these too, with every desk's
/// bookings (`booking_claim`).
pub fn count_refusals(
    policy: &Policy,
    ty: &AppointmentType,
    tally: &counting::Tally,
    date: chrono::NaiveDate,
) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    refusals.extend(allocation::check(policy, ty, tally, date));
    if ty.consultant_led {
        refusals.extend(fair_use::check(policy, &tally.contacts, date));
    }
    refusals
}

/// Every rule at once: suspended, blocked, eligibility, allocation, fair use.
///
/// `history` is all the client's appointments (any state; may include cancelled ones and the
/// slot being rebooked: an open appointment of the same type at the same start is taken to be
/// this booking and is not counted against it).
pub fn check_booking(
    policy: &Policy,
    req: &BookingRequest<'_>,
    history: &[Appointment],
    now: DateTime<Utc>,
) -> Decision {
    let ty = req.appointment_type;
    let date = policy.local_date(req.start);
    let mut refusals = Vec::new();
    refusals.extend(eligibility::suspended(req.client));
    refusals.extend(eligibility::blocked(req.client, date));
    refusals.extend(eligibility::check(req.client, ty));

    // An open appointment of the same type at the same start is this booking itself (a re-check
    // or re-book), not another one to count against it.
    let is_this_booking =
        |a: &Appointment| a.outcome().is_none() && a.start == req.start && a.appointment_type == ty.id;
    let tally = counting::tally(policy, &ty.id, history.iter().filter(|a| !is_this_booking(a)), now);

    refusals.extend(count_refusals(policy, ty, &tally, date));

    let fair_span = ty.consultant_led.then(|| fair_use::span(policy, date));
    let allocation_span = allocation::span(policy, ty, date);
    let within = |span: Option<(NaiveDate, NaiveDate)>, d: NaiveDate| span.is_some_and(|(a, b)| a <= d && d <= b);
    let unresolved_ignored = tally
        .unresolved
        .iter()
        .filter(|u| (u.consultant_led && within(fair_span, u.date)) || (u.same_type && within(allocation_span, u.date)))
        .count();

    Decision {
        refusals,
        unresolved_ignored,
    }
}

/// For the client card's "may book / why not" per type: [`check_booking`] for a hypothetical
/// booking of `ty` at `today_start` (its default length), every rule included.
pub fn may_book_type(
    policy: &Policy,
    client: &Client,
    ty: &AppointmentType,
    history: &[Appointment],
    today_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Decision {
    let req = BookingRequest {
        client,
        appointment_type: ty,
        start: today_start,
        minutes: u16::try_from(ty.minutes).unwrap_or(u16::MAX),
    };
    check_booking(policy, &req, history, now)
}
