//! Fair use (APPT-05) and peak periods (APPT-06): at most `max_contacts` consultant contacts in
//! ANY window of `window_days` consecutive local days, checked for every window that contains
//! the new slot, so bookings both before and after it count.

use chrono::NaiveDate;

use super::counting::{add_days, plural, short_date, sub_days};
use super::{Refusal, Rule};
use crate::domain::policy::Policy;

/// How far ahead the "next possible date" search looks, in days.
pub const SEARCH_DAYS: u64 = 400;

/// A window of consecutive local days and how many counted appointments fall in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First day of the window.
    pub from: NaiveDate,
    /// Last day of the window (inclusive).
    pub to: NaiveDate,
    /// Counted appointments in `from..=to`.
    pub count: usize,
}

/// The busiest `window_days`-day window containing `date` over the sorted `dates` (the earliest
/// such window when several tie).
pub fn busiest_window(dates: &[NaiveDate], date: NaiveDate, window_days: u32) -> Window {
    let span = u64::from(window_days.max(1)) - 1;
    let earliest = sub_days(date, span);
    // Only the dates within `span` days either side can share a window with `date`.
    let lo = dates.partition_point(|d| *d < earliest);
    let hi = dates.partition_point(|d| *d <= add_days(date, span));
    let near = &dates[lo..hi];
    // A best window can always be slid right until it starts on a counted date or on `date`
    // itself without losing anything, so those are the only starts worth trying.
    let mut best: Option<Window> = None;
    let mut end = 0;
    let starts = near
        .iter()
        .copied()
        .take_while(|s| *s <= date)
        .chain(std::iter::once(date));
    for (i, from) in starts.enumerate() {
        let to = add_days(from, span);
        end = end.max(i);
        while end < near.len() && near[end] <= to {
            end += 1;
        }
        // For the final start (`date`), `i` may point past counted dates before `date`.
        let first = near[..end].partition_point(|d| *d < from);
        let count = end - first;
        if best.is_none_or(|b| count > b.count) {
            best = Some(Window { from, to, count });
        }
    }
    best.unwrap_or(Window {
        from: date,
        to: add_days(date, span),
        count: 0,
    })
}

/// Whether one more appointment on `date` keeps every `window_days`-day window containing it
/// within `max` (existing appointments at their sorted local `dates`).
pub fn fits(dates: &[NaiveDate], date: NaiveDate, max: u32, window_days: u32) -> bool {
    busiest_window(dates, date, window_days).count < max as usize
}

/// The earliest date after `date` (within [`SEARCH_DAYS`]) on which one more appointment fits,
/// with the limit `(max, window_days)` that `limit_on` gives for each candidate day.
pub fn next_possible(
    dates: &[NaiveDate],
    date: NaiveDate,
    limit_on: impl Fn(NaiveDate) -> (u32, u32),
) -> Option<NaiveDate> {
    (1..=SEARCH_DAYS).map(|k| add_days(date, k)).find(|&day| {
        let (max, window_days) = limit_on(day);
        fits(dates, day, max, window_days)
    })
}

/// The fair-use check (APPT-05, APPT-06 in a peak period) for a consultant contact on local
/// `date`, given the sorted local dates of the client's counted `contacts`.
pub fn check(policy: &Policy, contacts: &[NaiveDate], date: NaiveDate) -> Option<Refusal> {
    let limit = policy.fair_use_on(date);
    let window = busiest_window(contacts, date, limit.window_days);
    if window.count < limit.max_contacts as usize {
        return None;
    }
    let allowed_from = next_possible(contacts, date, |day| {
        let l = policy.fair_use_on(day);
        (l.max_contacts, l.window_days)
    });
    let limit_text = format!("limit {} in any {} days", limit.max_contacts, limit.window_days);
    let (clause, limit_text) = match policy.peak_period_on(date) {
        Some(peak) => ("APPT-06", format!("peak period \"{}\": {limit_text}", peak.name)),
        None => ("APPT-05", limit_text),
    };
    let message = format!(
        "{} between {} and {} ({limit_text}); {}",
        plural(window.count, "consultant contact"),
        short_date(window.from, date),
        short_date(window.to, date),
        next_text(allowed_from, date),
    );
    Some(Refusal {
        rule: Rule::FairUse,
        clause,
        message,
        allowed_from,
        figures: Some(super::allocation::figures(
            window.count,
            limit.max_contacts as usize,
            window.from,
            window.to,
        )),
    })
}

/// "next possible 30 Dec", or a note that no date is possible within the search.
pub(super) fn next_text(allowed_from: Option<NaiveDate>, date: NaiveDate) -> String {
    match allowed_from {
        Some(next) => format!("next possible {}", short_date(next, date)),
        None => format!("no possible date within {SEARCH_DAYS} days"),
    }
}

/// The local dates whose counted contacts the check on `date` looked at (for reporting
/// unresolved appointments left out).
pub fn span(policy: &Policy, date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let days = u64::from(policy.fair_use_on(date).window_days.max(1)) - 1;
    (sub_days(date, days), add_days(date, days))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{busiest_window, fits, next_possible};
    use crate::domain::appointment::Outcome;
    use crate::domain::rules::counting::{add_days, count_between, sub_days};
    use crate::domain::rules::tests::*;
    use crate::domain::rules::Rule;

    /// The brute-force definition: every window containing `date`, each counted by a scan.
    fn brute(dates: &[NaiveDate], date: NaiveDate, w: u32) -> usize {
        (0..u64::from(w))
            .map(|back| {
                let from = sub_days(date, back);
                let to = add_days(from, u64::from(w) - 1);
                dates.iter().filter(|x| from <= **x && **x <= to).count()
            })
            .max()
            .unwrap()
    }

    #[test]
    fn appt_05_busiest_window_matches_brute_force() {
        let base = d("2026-01-01");
        // A deterministic scatter of dates with repeats.
        let mut dates: Vec<NaiveDate> = (0..60u64).map(|i| add_days(base, (i * 37 % 101) / 2)).collect();
        dates.sort();
        for w in [1, 2, 7, 28] {
            for k in 0..70 {
                let day = add_days(base, k);
                let win = busiest_window(&dates, day, w);
                assert_eq!(win.count, brute(&dates, day, w), "w={w} day={day}");
                assert!(win.from <= day && day <= win.to);
                assert_eq!(count_between(&dates, win.from, win.to), win.count);
            }
        }
    }

    #[test]
    fn appt_05_empty_history_fits() {
        let win = busiest_window(&[], d("2026-12-01"), 28);
        assert_eq!(win.count, 0);
        assert!(fits(&[], d("2026-12-01"), 1, 28));
        assert!(!fits(&[], d("2026-12-01"), 0, 28));
        assert_eq!(next_possible(&[], d("2026-12-01"), |_| (0, 28)), None);
    }

    #[test]
    fn appt_05_local_dates_across_the_autumn_clock_change() {
        let p = fair_use_policy();
        let c = client();
        // 23:30 UTC on Saturday 24 Oct 2026 is 00:30 BST on Sunday 25 Oct.
        let saturday_night = settled("guidance", utc("2026-10-24 23:30"), Outcome::Attended);
        assert_eq!(p.local_date(saturday_night.start), d("2026-10-25"));
        let history = [
            saturday_night,
            attended("applications", "2026-10-26"),
            attended("guidance", "2026-10-27"),
        ];
        let now = on("2026-11-01");
        // The window 25 Oct..21 Nov holds all three; 23:30 UTC on 21 Nov is still 21 Nov (GMT).
        let dec = check(&p, &c, "guidance", utc("2026-11-21 23:30"), &history, now);
        let r = only(&dec, Rule::FairUse);
        assert!(
            r.message.starts_with("3 consultant contacts between 25 Oct and 21 Nov"),
            "{}",
            r.message
        );
        assert_eq!(r.allowed_from, Some(d("2026-11-22")));
        assert!(check(&p, &c, "guidance", utc("2026-11-22 00:30"), &history, now).is_allowed());
    }

    #[test]
    fn appt_05_local_dates_across_the_spring_clock_change() {
        let p = fair_use_policy();
        let c = client();
        // 00:30 UTC on 29 Mar 2026 is 00:30 GMT (the clocks go forward at 01:00 UTC); 23:30 UTC that
        // evening is 00:30 BST on 30 Mar; 23:30 UTC on 28 Mar is still 28 Mar.
        assert_eq!(p.local_date(utc("2026-03-29 00:30")), d("2026-03-29"));
        assert_eq!(p.local_date(utc("2026-03-29 23:30")), d("2026-03-30"));
        assert_eq!(p.local_date(utc("2026-03-28 23:30")), d("2026-03-28"));
        let history = [
            settled("guidance", utc("2026-03-29 00:30"), Outcome::Attended),
            settled("guidance", utc("2026-03-29 23:30"), Outcome::Attended),
            attended("applications", "2026-03-31"),
        ];
        let now = on("2026-04-01");
        // 22:30 UTC on 25 Apr is 23:30 BST on 25 Apr: the window 29 Mar..25 Apr holds all three.
        let dec = check(&p, &c, "guidance", utc("2026-04-25 22:30"), &history, now);
        let r = only(&dec, Rule::FairUse);
        assert!(
            r.message.starts_with("3 consultant contacts between 29 Mar and 25 Apr"),
            "{}",
            r.message
        );
        assert_eq!(r.allowed_from, Some(d("2026-04-26")));
        // 23:30 UTC on 25 Apr is 00:30 BST on 26 Apr: allowed.
        assert!(check(&p, &c, "guidance", utc("2026-04-25 23:30"), &history, now).is_allowed());
    }
}
