//! Repeated no-shows (APPT-04): a concern for supervisor triage, then a proposed block that a
//! supervisor confirms. Waived no-shows (APPT-03) and unresolved appointments (APPT-02) never count.

use chrono::{DateTime, NaiveDate, Utc};

use super::counting::{add_days, count_between, no_show_dates, sub_days};
use crate::domain::appointment::Appointment;
use crate::domain::policy::Policy;

/// How far a client's recent no-shows go toward the APPT-04 thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoShowLevel {
    /// Below the concern threshold.
    Clear,
    /// At or above the concern threshold: flag for supervisor triage.
    Concern,
    /// At or above the block threshold: propose a block for a supervisor to confirm.
    ProposeBlock,
}

/// A client's no-shows within the policy's look-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoShowStatus {
    /// Not-waived no-shows on local dates from `since` to today.
    pub count: u32,
    /// The first local date of the look-back window.
    pub since: NaiveDate,
    /// Which threshold the count reaches.
    pub level: NoShowLevel,
}

/// Counts the not-waived no-shows in `history` within the last `no_show.look_back_days` local
/// days (today included) and sets the level from the policy thresholds (APPT-04).
pub fn no_show_status(policy: &Policy, history: &[Appointment], now: DateTime<Utc>) -> NoShowStatus {
    let today = policy.local_date(now);
    let since = sub_days(today, u64::from(policy.no_show.look_back_days.max(1)) - 1);
    let count = u32::try_from(count_between(&no_show_dates(policy, history), since, today)).unwrap_or(u32::MAX);
    let level = if count >= policy.no_show.block_threshold {
        NoShowLevel::ProposeBlock
    } else if count >= policy.no_show.concern_threshold {
        NoShowLevel::Concern
    } else {
        NoShowLevel::Clear
    };
    NoShowStatus { count, since, level }
}

/// The default expiry of a block confirmed on `today`: `no_show.block_days` later (APPT-04).
pub fn proposed_block_expiry(policy: &Policy, today: NaiveDate) -> NaiveDate {
    add_days(today, u64::from(policy.no_show.block_days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::appointment::Outcome;
    use crate::domain::rules::tests::*;

    #[test]
    fn appt_04_no_show_thresholds() {
        let p = policy(); // concern 2, block 3, look back 365 days
        let now = on("2026-12-01");
        let status = |h: &[Appointment]| no_show_status(&p, h, now);
        let no_show = |date: &str| settled("guidance", on(date), Outcome::NoShow);

        let s = status(&[]);
        assert_eq!((s.count, s.level), (0, NoShowLevel::Clear));
        assert_eq!(s.since, d("2025-12-02"));

        // The look-back's first day counts; the day before does not.
        let mut h = vec![no_show("2025-12-02"), no_show("2025-12-01")];
        assert_eq!((status(&h).count, status(&h).level), (1, NoShowLevel::Clear));
        h.push(no_show("2026-06-01"));
        assert_eq!((status(&h).count, status(&h).level), (2, NoShowLevel::Concern));
        // Waived no-shows, late cancellations and unresolved appointments are not no-shows.
        h.push(waived(no_show("2026-07-01")));
        h.push(settled("guidance", on("2026-08-01"), Outcome::LateCancel));
        h.push(booked("guidance", on("2026-09-01")));
        assert_eq!((status(&h).count, status(&h).level), (2, NoShowLevel::Concern));
        h.push(no_show("2026-12-01"));
        assert_eq!((status(&h).count, status(&h).level), (3, NoShowLevel::ProposeBlock));
        assert_eq!(proposed_block_expiry(&p, d("2026-12-01")), d("2027-03-01"));
    }
}
