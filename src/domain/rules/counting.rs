//! What counts (APPT-02, APPT-03, APPT-05, APPT-10): which of a client's appointments use up
//! allocation, fair-use contacts and no-show tolerance, and which are left out as unresolved.
//!
//! Every date here is a LOCAL date in the institution's time zone (`Policy::local_date`).

use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::domain::appointment::{Appointment, Outcome};
use crate::domain::policy::{AppointmentTypeId, Policy};

/// How one existing appointment stands for the rules at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Counts: attended, late-cancelled or no-show (not waived), or booked / checked in and not yet over.
    Counts,
    /// Past its end with no outcome: never counted (APPT-02), but reported so staff settle it.
    Unresolved,
    /// Counts for nothing: cancelled in time, ended for technical reasons (APPT-10), or waived (APPT-03).
    Ignored,
}

/// How `a` stands for the rules at `now`.
pub fn standing(a: &Appointment, now: DateTime<Utc>) -> Standing {
    // A booking the server gave away holds nothing until it is rebooked.
    if a.waiver.is_some() || a.needs_rebooking() {
        return Standing::Ignored;
    }
    match a.outcome() {
        Some(outcome) if outcome.consumes_allocation() => Standing::Counts,
        Some(_) => Standing::Ignored,
        None if a.is_unresolved(now) => Standing::Unresolved,
        None => Standing::Counts,
    }
}

/// Whether appointments of type `type_id` are consultant contacts for fair use (APPT-05); an id
/// the policy does not know is treated as consultant-led, to be safe.
pub fn is_consultant_led(policy: &Policy, type_id: &AppointmentTypeId) -> bool {
    policy.appointment_type(type_id).is_none_or(|t| t.consultant_led)
}

/// An unresolved appointment left out of every count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeftOut {
    /// Its local date.
    pub date: NaiveDate,
    /// Whether it would have been a fair-use contact.
    pub consultant_led: bool,
    /// Whether it is of the type being counted.
    pub same_type: bool,
}

/// A client's history reduced to sorted local dates, computed once per decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Counting consultant-led appointments of any type: fair-use contacts (APPT-05).
    pub contacts: Vec<NaiveDate>,
    /// Counting appointments of the type being counted: allocation usage (APPT-01, APPT-02).
    pub same_type: Vec<NaiveDate>,
    /// Those of `same_type` that are no-shows (APPT-02).
    pub same_type_no_shows: Vec<NaiveDate>,
    /// Those of `same_type` that are late cancellations (APPT-02).
    pub same_type_late_cancels: Vec<NaiveDate>,
    /// Unresolved appointments, not counted anywhere (APPT-02).
    pub unresolved: Vec<LeftOut>,
}

/// Reduces `history` to what counts at `now`, for a booking of type `type_id`.
pub fn tally<'a>(
    policy: &Policy,
    type_id: &AppointmentTypeId,
    history: impl IntoIterator<Item = &'a Appointment>,
    now: DateTime<Utc>,
) -> Tally {
    let mut t = Tally::default();
    for a in history {
        let standing = standing(a, now);
        if standing == Standing::Ignored {
            continue;
        }
        let same_type = &a.appointment_type == type_id;
        let consultant_led = is_consultant_led(policy, &a.appointment_type);
        if !same_type && !consultant_led {
            continue;
        }
        let date = policy.local_date(a.start);
        if standing == Standing::Unresolved {
            t.unresolved.push(LeftOut {
                date,
                consultant_led,
                same_type,
            });
            continue;
        }
        if consultant_led {
            t.contacts.push(date);
        }
        if same_type {
            t.same_type.push(date);
            match a.outcome() {
                Some(Outcome::NoShow) => t.same_type_no_shows.push(date),
                Some(Outcome::LateCancel) => t.same_type_late_cancels.push(date),
                _ => {}
            }
        }
    }
    t.contacts.sort_unstable();
    t.same_type.sort_unstable();
    t.same_type_no_shows.sort_unstable();
    t.same_type_late_cancels.sort_unstable();
    t
}

/// Local dates of the not-waived no-shows in `history`, sorted (APPT-04).
pub fn no_show_dates(policy: &Policy, history: &[Appointment]) -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = history
        .iter()
        .filter(|a| a.waiver.is_none() && a.outcome() == Some(Outcome::NoShow))
        .map(|a| policy.local_date(a.start))
        .collect();
    dates.sort_unstable();
    dates
}

/// How many of the sorted `dates` fall in `from..=to`, by binary search.
pub fn count_between(dates: &[NaiveDate], from: NaiveDate, to: NaiveDate) -> usize {
    if to < from {
        return 0;
    }
    let lo = dates.partition_point(|d| *d < from);
    let hi = dates.partition_point(|d| *d <= to);
    hi.saturating_sub(lo)
}

/// `date` plus `n` days, saturating at the last representable date.
pub fn add_days(date: NaiveDate, n: u64) -> NaiveDate {
    date.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

/// `date` minus `n` days, saturating at the first representable date.
pub fn sub_days(date: NaiveDate, n: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN)
}

/// A short date for messages, "2 Dec", with the year only when it differs from `reference`'s.
pub fn short_date(date: NaiveDate, reference: NaiveDate) -> String {
    use chrono::Datelike;
    if date.year() == reference.year() {
        date.format("%-d %b").to_string()
    } else {
        date.format("%-d %b %Y").to_string()
    }
}

/// A full date for messages, "3 Mar 2027".
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// "1 no-show" / "2 no-shows": `n` and the noun, pluralised with `s` when `n != 1`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
