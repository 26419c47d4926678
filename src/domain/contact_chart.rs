//! The contact-time chart (EVT-04): an employer's contacts (engagement notes) counted per week,
//! weeks starting on Monday at midnight in the service's time zone, the last week being the one
//! that holds now. Pure: the notes, the time zone and now come in as arguments.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::Serialize;

use super::employer::{EngagementKind, EngagementNote};

/// The weeks a chart covers unless asked otherwise: a year.
pub const YEAR_WEEKS: u32 = 52;

/// The bar heights of the one-line chart, lowest first.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One week of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Week {
    /// The Monday the week starts on.
    pub monday: NaiveDate,
    /// Contacts that week.
    pub contacts: u32,
}

/// Contacts per week, oldest week first; the last week holds now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactChart {
    /// The weeks, oldest first.
    pub weeks: Vec<Week>,
}

impl ContactChart {
    /// The most contacts in any one week (0 for none).
    pub fn max(&self) -> u32 {
        self.weeks.iter().map(|w| w.contacts).max().unwrap_or(0)
    }

    /// Contacts over all the weeks.
    pub fn total(&self) -> u32 {
        self.weeks.iter().map(|w| w.contacts).sum()
    }

    /// The week with the most contacts (the latest of equals), if any week has one.
    pub fn busiest_week(&self) -> Option<Week> {
        self.weeks
            .iter()
            .filter(|w| w.contacts > 0)
            .max_by_key(|w| (w.contacts, w.monday))
            .copied()
    }

    /// One character per week, oldest first: `·` for none, else a bar scaled to the busiest
    /// week (any contact at all shows at least the lowest bar).
    pub fn sparkline(&self) -> String {
        let max = self.max();
        self.weeks
            .iter()
            .map(|w| match w.contacts {
                0 => '·',
                n => {
                    let at = (n as usize * LEVELS.len()).div_ceil(max.max(1) as usize);
                    LEVELS[at.saturating_sub(1).min(LEVELS.len() - 1)]
                }
            })
            .collect()
    }
}

/// The Monday of `day`'s week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
        .unwrap_or(day)
}

/// Whether a note is a contact with the employer: a liaison is between colleagues (EMP-04),
/// not with the employer, so it is not counted.
pub fn is_contact(note: &EngagementNote) -> bool {
    note.kind != EngagementKind::Liaison
}

/// The chart of `times` over the `weeks` weeks ending with the week holding `now` in `tz`. A
/// time before the first Monday (too old) or after `now` is left out; a time exactly at a
/// Monday's midnight belongs to the week that starts then.
pub fn weekly(
    times: impl IntoIterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    weeks: u32,
) -> ContactChart {
    let this_monday = monday_of(now.with_timezone(&tz).date_naive());
    let first = this_monday
        .checked_sub_days(Days::new(7 * u64::from(weeks.saturating_sub(1))))
        .unwrap_or(NaiveDate::MIN);
    let mut chart = ContactChart {
        weeks: (0..weeks)
            .map(|i| Week {
                monday: first
                    .checked_add_days(Days::new(7 * u64::from(i)))
                    .unwrap_or(NaiveDate::MAX),
                contacts: 0,
            })
            .collect(),
    };
    for t in times {
        if t > now {
            continue;
        }
        let monday = monday_of(t.with_timezone(&tz).date_naive());
        let Ok(i) = usize::try_from((monday - first).num_days() / 7) else {
            continue; // older than the first week
        };
        if let Some(w) = chart.weeks.get_mut(i) {
            w.contacts += 1;
        }
    }
    chart
}

/// The chart of an employer's contacts: `notes` that are contacts (not liaisons), by week.
pub fn of_notes(notes: &[EngagementNote], now: DateTime<Utc>, tz: chrono_tz::Tz, weeks: u32) -> ContactChart {
    weekly(notes.iter().filter(|n| is_contact(n)).map(|n| n.at), now, tz, weeks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{EmployerId, EngagementId, OperatorId};
    use chrono::{Duration, TimeZone};
    use chrono_tz::Europe::London;

    /// Wednesday 2 December 2026, 12:00 in London (GMT, so also 12:00 UTC).
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn note(at: DateTime<Utc>, kind: EngagementKind) -> EngagementNote {
        EngagementNote {
            id: EngagementId(1),
            employer: EmployerId(1),
            contacts: Vec::new(),
            author: OperatorId(1),
            at,
            kind,
            liaised_with: None,
            text: "called".into(),
        }
    }

    #[test]
    fn evt_04_empty_history_is_a_year_of_empty_weeks_ending_this_week() {
        let c = weekly([], now(), London, YEAR_WEEKS);
        assert_eq!(c.weeks.len(), 52);
        assert_eq!(c.weeks[51].monday, day(2026, 11, 30));
        assert_eq!(c.weeks[0].monday, day(2025, 12, 8));
        assert!(c.weeks.iter().all(|w| w.monday.weekday() == chrono::Weekday::Mon));
        assert_eq!((c.total(), c.max(), c.busiest_week()), (0, 0, None));
        assert_eq!(c.sparkline(), "·".repeat(52));
    }

    #[test]
    fn evt_04_contacts_are_counted_in_their_week() {
        let times = [
            utc(2026, 12, 1, 9, 0),
            utc(2026, 11, 30, 10, 0),
            utc(2026, 11, 29, 10, 0), // a Sunday: the week of 23 November
            utc(2026, 11, 16, 10, 0),
        ];
        let c = weekly(times, now(), London, 4);
        let counts: Vec<u32> = c.weeks.iter().map(|w| w.contacts).collect();
        assert_eq!(counts, [0, 1, 1, 2]);
        assert_eq!(c.max(), 2);
        assert_eq!(c.total(), 4);
        assert_eq!(
            c.busiest_week(),
            Some(Week {
                monday: day(2026, 11, 30),
                contacts: 2
            })
        );
        assert_eq!(c.sparkline(), "·▄▄█");
    }

    #[test]
    fn evt_04_a_contact_exactly_at_monday_midnight_starts_the_new_week() {
        // Monday 30 November 00:00 in London is 00:00 UTC (GMT); one minute before is Sunday.
        let c = weekly([utc(2026, 11, 30, 0, 0), utc(2026, 11, 29, 23, 59)], now(), London, 2);
        assert_eq!(c.weeks[1].monday, day(2026, 11, 30));
        assert_eq!((c.weeks[0].contacts, c.weeks[1].contacts), (1, 1));
    }

    #[test]
    fn evt_04_weeks_start_at_monday_midnight_in_the_service_s_time_zone_not_utc() {
        // In summer, Monday 00:00 in London is Sunday 23:00 UTC.
        let summer_now = utc(2026, 7, 8, 12, 0);
        let c = weekly([utc(2026, 7, 5, 23, 0), utc(2026, 7, 5, 22, 59)], summer_now, London, 2);
        assert_eq!(c.weeks[1].monday, day(2026, 7, 6));
        assert_eq!((c.weeks[0].contacts, c.weeks[1].contacts), (1, 1));
    }

    #[test]
    fn evt_04_contacts_older_than_the_chart_or_after_now_are_left_out() {
        let first = London
            .with_ymd_and_hms(2025, 12, 8, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let times = [
            first,
            first - Duration::minutes(1),
            utc(2024, 1, 1, 9, 0),
            now() + Duration::minutes(1),
            now(),
        ];
        let c = weekly(times, now(), London, YEAR_WEEKS);
        assert_eq!(c.weeks[0].contacts, 1, "the first Monday's midnight is in");
        assert_eq!(c.weeks[51].contacts, 1, "now is in, a minute later is not");
        assert_eq!(c.total(), 2);
    }

    #[test]
    fn evt_04_liaisons_are_not_contacts_with_the_employer() {
        let at = utc(2026, 12, 1, 9, 0);
        let notes = [
            note(at, EngagementKind::Liaison),
            note(at, EngagementKind::Call),
            note(at, EngagementKind::Fair),
        ];
        let c = of_notes(&notes, now(), London, 1);
        assert_eq!(c.total(), 2);
    }

    #[test]
    fn evt_04_a_single_contact_shows_as_a_full_bar_and_small_counts_still_show() {
        let mut times = vec![utc(2026, 11, 23, 9, 0)];
        times.extend((0..100).map(|_| utc(2026, 12, 1, 9, 0)));
        let c = weekly(times, now(), London, 3);
        assert_eq!(c.sparkline(), "·▁█");
        let one = weekly([utc(2026, 12, 1, 9, 0)], now(), London, 2);
        assert_eq!(one.sparkline(), "·█");
    }

    #[test]
    fn evt_04_monday_of_any_day_is_that_week_s_monday() {
        assert_eq!(monday_of(day(2026, 12, 6)), day(2026, 11, 30));
        assert_eq!(monday_of(day(2026, 11, 30)), day(2026, 11, 30));
        assert_eq!(monday_of(day(2026, 12, 1)), day(2026, 11, 30));
    }
}
