//! The event clash check (EVT-01): a new or moved event clashes with an event on the combined
//! calendar that overlaps it, or lies within the policy's gap of it, AND shares an employer,
//! the sector or a target programme with it. Pure: the events and the gap are arguments.
//!
//! The gap is one window for every kind of sharing: an employer's event on another day clashes
//! only when the days are closer than the gap (with the default 24 hours, an evening event and
//! the next morning's do; two days apart do not). Schools alone never make a clash: a school's
//! audience is too broad to say two events compete for the same students.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use super::event::Event;
use super::ids::{EmployerId, EventId};

/// How two events meet in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// They run at the same time for at least a moment.
    Overlap,
    /// They do not overlap, but fewer than the gap's hours lie between them.
    Near {
        /// Whole minutes between one's end and the other's start.
        minutes_apart: i64,
    },
}

/// What a clashing event has in common with the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shared {
    /// An employer taking part in both.
    Employer(EmployerId),
    /// The same sector (compared without case).
    Sector(String),
    /// A target programme or degree of both (compared without case).
    Programme(String),
}

/// One event the new one clashes with, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// The event on the calendar.
    pub event: EventId,
    /// Its title, to name it.
    pub title: String,
    /// Its start.
    pub start: DateTime<Utc>,
    /// How the two meet in time.
    pub timing: Timing,
    /// Everything they share, employers first, then sector, then programmes.
    pub shared: Vec<Shared>,
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timing::Overlap => f.write_str("overlaps it"),
            Timing::Near { minutes_apart } => {
                let (h, m) = (minutes_apart / 60, minutes_apart % 60);
                write!(f, "is {h}h{m:02} away")
            }
        }
    }
}

impl fmt::Display for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shared::Employer(e) => write!(f, "employer {e}"),
            Shared::Sector(s) => write!(f, "sector \"{s}\""),
            Shared::Programme(p) => write!(f, "programme \"{p}\""),
        }
    }
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared: Vec<String> = self.shared.iter().map(ToString::to_string).collect();
        write!(
            f,
            "EVT-01: \"{}\" ({}, {} UTC) {} and shares {}",
            self.title,
            self.event,
            self.start.format("%Y-%m-%d %H:%M"),
            self.timing,
            shared.join(", ")
        )
    }
}

/// How `a` and `b` meet in time, or `None` when at least `gap` lies between them.
pub fn timing(a: &Event, b: &Event, gap: Duration) -> Option<Timing> {
    if a.start < b.end && b.start < a.end {
        return Some(Timing::Overlap);
    }
    let apart = if a.end <= b.start {
        b.start - a.end
    } else {
        a.start - b.end
    };
    (apart < gap).then(|| Timing::Near {
        minutes_apart: apart.num_minutes(),
    })
}

/// What `a` and `b` have in common for the clash check (empty: nothing).
pub fn shared(a: &Event, b: &Event) -> Vec<Shared> {
    let mut out: Vec<Shared> = a
        .employers
        .iter()
        .filter(|e| b.employers.contains(e))
        .map(|e| Shared::Employer(*e))
        .collect();
    if !a.sector.trim().is_empty() && a.sector.trim().eq_ignore_ascii_case(b.sector.trim()) {
        out.push(Shared::Sector(b.sector.trim().to_string()));
    }
    for p in &a.target_programmes {
        if b.target_programmes
            .iter()
            .any(|q| q.trim().eq_ignore_ascii_case(p.trim()))
        {
            out.push(Shared::Programme(p.trim().to_string()));
        }
    }
    out
}

/// The starts an event must have to clash with `new`, given the gap and the longest event on
/// the calendar: from `new.start - gap - longest` (inclusive) to `new.end + gap` (exclusive),
/// widened by a millisecond each way. Any event starting outside it either ends at least `gap`
/// before `new` starts or starts at least `gap` after it ends, so [`timing`] rules it out
/// whatever it shares; the service reads only the events starting inside.
pub fn window(new: &Event, gap: Duration, longest: Duration) -> (DateTime<Utc>, DateTime<Utc>) {
    let slack = Duration::milliseconds(1);
    let from = new
        .start
        .checked_sub_signed(gap)
        .and_then(|t| t.checked_sub_signed(longest))
        .and_then(|t| t.checked_sub_signed(slack))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let to = new
        .end
        .max(new.start)
        .checked_add_signed(gap)
        .and_then(|t| t.checked_add_signed(slack))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    (from, to)
}

/// Every event in `calendar` that `new` clashes with, earliest first. The event itself (by
/// id, when it is being moved) is left out. Time is checked first: it rules out nearly every
/// event for the price of two comparisons.
pub fn clashes<'a>(new: &Event, calendar: impl IntoIterator<Item = &'a Event>, gap: Duration) -> Vec<Clash> {
    let mut out: Vec<Clash> = calendar
        .into_iter()
        .filter(|e| e.id != new.id)
        .filter_map(|e| {
            let timing = timing(new, e, gap)?;
            let shared = shared(new, e);
            (!shared.is_empty()).then(|| Clash {
                event: e.id,
                title: e.title.clone(),
                start: e.start,
                timing,
                shared,
            })
        })
        .collect();
    out.sort_by_key(|c| (c.start, c.event));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OperatorId;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, d, h, 0, 0).unwrap()
    }

    fn event(id: u128, sector: &str, start: DateTime<Utc>, hours: i64) -> Event {
        Event {
            id: EventId(id),
            title: format!("event {id}"),
            organiser: OperatorId(1),
            employers: Vec::new(),
            sector: sector.into(),
            audience_schools: vec!["Engineering".into()],
            target_programmes: Vec::new(),
            start,
            end: start + Duration::hours(hours),
            location: "Main hall".into(),
            capacity: 50,
            consultations: Vec::new(),
        }
    }

    const GAP: Duration = Duration::hours(24);

    #[test]
    fn evt_01_same_sector_overlapping_event_is_a_clash() {
        let old = event(1, "Engineering", at(3, 10), 3);
        let new = event(2, "engineering", at(3, 12), 2);
        let found = clashes(&new, [&old], GAP);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].event, EventId(1));
        assert_eq!(found[0].timing, Timing::Overlap);
        assert_eq!(found[0].shared, [Shared::Sector("Engineering".into())]);
        assert!(found[0]
            .to_string()
            .contains("overlaps it and shares sector \"Engineering\""));
    }

    #[test]
    fn evt_01_different_sector_overlapping_event_is_no_clash() {
        let old = event(1, "Engineering", at(3, 10), 3);
        let new = event(2, "Finance", at(3, 10), 3);
        assert!(clashes(&new, [&old], GAP).is_empty());
    }

    #[test]
    fn evt_01_same_degree_audience_within_the_gap_is_a_clash() {
        let mut old = event(1, "Engineering", at(3, 10), 2);
        old.target_programmes = vec!["MEng Civil".into(), "BSc Physics".into()];
        let mut new = event(2, "Finance", at(3, 18), 1);
        new.target_programmes = vec!["meng civil".into()];
        let found = clashes(&new, [&old], GAP);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].timing, Timing::Near { minutes_apart: 360 });
        assert_eq!(found[0].shared, [Shared::Programme("meng civil".into())]);
        // With no gap, only overlapping events clash.
        assert!(clashes(&new, [&old], Duration::zero()).is_empty());
    }

    #[test]
    fn evt_01_same_employer_on_another_day_outside_the_gap_is_no_clash() {
        let mut old = event(1, "Law", at(3, 10), 2);
        old.employers = vec![EmployerId(7)];
        let mut new = event(2, "Finance", at(5, 10), 2);
        new.employers = vec![EmployerId(7)];
        assert!(clashes(&new, [&old], GAP).is_empty());
        // The next morning is within 24 hours of the evening before: a clash.
        new.start = at(4, 9);
        new.end = at(4, 11);
        let found = clashes(&new, [&old], GAP);
        assert_eq!(found[0].shared, [Shared::Employer(EmployerId(7))]);
    }

    #[test]
    fn evt_01_no_clash_when_nothing_is_shared_or_near() {
        let old = event(1, "Engineering", at(3, 10), 2);
        let far = event(2, "Engineering", at(10, 10), 2);
        let other = event(3, "Retail", at(3, 10), 2);
        assert!(clashes(&far, [&old, &other], GAP).is_empty());
    }

    /// Every event the rule finds starts inside [`window`], on events of every length and
    /// distance around the new one, including events exactly the gap away.
    #[test]
    fn evt_01_every_clash_starts_inside_the_window() {
        let new = event(1000, "Engineering", at(10, 12), 2);
        let mut calendar = Vec::new();
        for (i, minutes_off) in (-4000i64..4000).step_by(7).enumerate() {
            let mut e = event(i as u128, "Engineering", new.start + Duration::minutes(minutes_off), 0);
            e.end = e.start + Duration::minutes((i as i64 * 37) % 1500);
            calendar.push(e);
        }
        let longest = calendar.iter().map(|e| e.end - e.start).max().unwrap();
        let found = clashes(&new, &calendar, GAP);
        assert!(found.len() > 100, "{}", found.len());
        let (from, to) = window(&new, GAP, longest);
        for c in &found {
            assert!(c.start >= from && c.start < to, "{c}");
        }
        let inside: Vec<&Event> = calendar.iter().filter(|e| e.start >= from && e.start < to).collect();
        assert!(inside.len() < calendar.len());
        assert_eq!(clashes(&new, inside, GAP), found);
    }

    #[test]
    fn evt_01_a_moved_event_does_not_clash_with_itself_and_touching_events_are_near() {
        let old = event(1, "Engineering", at(3, 10), 2);
        let mut moved = old.clone();
        moved.start = at(3, 11);
        assert!(clashes(&moved, [&old], GAP).is_empty());
        let next = event(2, "Engineering", at(3, 12), 1);
        let found = clashes(&next, [&old], GAP);
        assert_eq!(found[0].timing, Timing::Near { minutes_apart: 0 });
    }
}
