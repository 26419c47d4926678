//! Where and when slots may be: a place holds at most its `capacity` slots at once, and no slot
//! is made on a day the service is closed. These are rules of the calendar, not policy
//! clauses: refusals carry the codes "CAPACITY" and "CLOSURE".

use chrono::{DateTime, NaiveDate, Utc};

use super::counting::long_date;
use super::{Figures, Refusal, Rule};
use crate::domain::appointment::Slot;
use crate::domain::policy::{Location, Policy};

/// The code of a full-room refusal.
pub const CAPACITY: &str = "CAPACITY";
/// The code of a closed-day refusal.
pub const CLOSURE: &str = "CLOSURE";

/// The most of `slots` in use at any one moment of `[start, end)` (withdrawn slots ignored).
/// The caller passes the slots of one location.
pub fn peak_use<'a>(slots: impl IntoIterator<Item = &'a Slot>, start: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
    // Each overlapping slot, clipped to the window, adds one at its start and takes one at its
    // end; ends sort before starts at the same instant, so back-to-back slots do not stack.
    let mut edges: Vec<(DateTime<Utc>, i32)> = Vec::new();
    for s in slots.into_iter().filter(|s| s.overlaps(start, end)) {
        edges.push((s.start.max(start), 1));
        edges.push((s.end().min(end), -1));
    }
    edges.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    u32::try_from(most).unwrap_or(0)
}

/// Refuses one more slot in `location` over `[start, end)` when `others` (that location's
/// other slots) already fill it then. Places without a limit (online rooms, unless given one)
/// are never full.
pub fn room_check<'a>(
    policy: &Policy,
    location: &Location,
    others: impl IntoIterator<Item = &'a Slot>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Option<Refusal> {
    let limit = location.room_limit()?;
    let used = peak_use(others.into_iter().filter(|s| s.location == location.id), start, end);
    if used < limit {
        return None;
    }
    let date = policy.local_date(start);
    let holds = if limit == 1 {
        "one slot at a time".to_string()
    } else {
        format!("{limit} slots at a time")
    };
    Some(Refusal {
        rule: Rule::RoomFull,
        clause: CAPACITY,
        message: format!(
            "{} holds {holds} and {used} already use it then; choose another location or time",
            location.name
        ),
        allowed_from: None,
        figures: Some(Figures {
            used,
            limit,
            from: date,
            to: date,
        }),
    })
}

/// Refuses a slot on a day the service is closed.
pub fn closed(policy: &Policy, date: NaiveDate) -> Option<Refusal> {
    let c = policy.closure_on(date)?;
    Some(Refusal {
        rule: Rule::Closed,
        clause: CLOSURE,
        message: format!(
            "the service is closed on {} ({}); choose another day",
            long_date(date),
            c.name
        ),
        allowed_from: c.to.succ_opt(),
        figures: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{OperatorId, SlotId};
    use crate::domain::policy::{Closure, LocationId};
    use crate::domain::rules::tests::policy;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    fn slot(n: u128, start: DateTime<Utc>, minutes: u16, location: &str) -> Slot {
        Slot {
            id: SlotId(n),
            consultant: OperatorId(n),
            appointment_type: "guidance".into(),
            start,
            minutes,
            location: LocationId(location.into()),
            booking: None,
            withdrawn: false,
            series: None,
        }
    }

    fn place(id: &str, capacity: Option<u32>, online: bool) -> Location {
        Location {
            id: LocationId(id.into()),
            name: id.into(),
            confidential: true,
            online,
            capacity,
        }
    }

    #[test]
    fn peak_use_counts_the_busiest_moment_not_every_overlap() {
        // 10:00-10:45 and 10:45-11:30 never meet; 10:30-11:00 meets each in turn.
        let slots = [slot(1, at(10, 0), 45, "r"), slot(2, at(10, 45), 45, "r")];
        assert_eq!(peak_use(&slots, at(10, 0), at(11, 30)), 1);
        let more = [slots[0].clone(), slots[1].clone(), slot(3, at(10, 30), 30, "r")];
        assert_eq!(peak_use(&more, at(10, 0), at(11, 30)), 2);
        let mut withdrawn = slot(4, at(10, 0), 45, "r");
        withdrawn.withdrawn = true;
        assert_eq!(peak_use(&[withdrawn], at(10, 0), at(11, 0)), 0);
    }

    #[test]
    fn a_private_room_holds_one_slot_and_an_open_area_its_capacity() {
        let p = policy();
        let pod = place("pod", None, false);
        let taken = [slot(1, at(10, 0), 45, "pod")];
        let r = room_check(&p, &pod, &taken, at(10, 30), at(11, 15)).unwrap();
        assert_eq!((r.rule, r.clause), (Rule::RoomFull, "CAPACITY"));
        assert!(r.message.contains("one slot at a time"), "{}", r.message);
        assert_eq!(r.figures.map(|f| (f.used, f.limit)), Some((1, 1)));
        // Back to back is fine; another room's slots do not count.
        assert!(room_check(&p, &pod, &taken, at(10, 45), at(11, 30)).is_none());
        assert!(room_check(&p, &place("other", None, false), &taken, at(10, 0), at(10, 45)).is_none());
        let area = place("area", Some(2), false);
        let one = [slot(1, at(10, 0), 45, "area")];
        assert!(room_check(&p, &area, &one, at(10, 0), at(10, 45)).is_none());
        let two = [one[0].clone(), slot(2, at(10, 15), 30, "area")];
        assert!(room_check(&p, &area, &two, at(10, 0), at(10, 45)).is_some());
    }

    #[test]
    fn online_rooms_have_no_limit_unless_given_one() {
        let p = policy();
        let many: Vec<Slot> = (0..50).map(|n| slot(n, at(10, 0), 45, "online")).collect();
        assert!(room_check(&p, &place("online", None, true), &many, at(10, 0), at(10, 45)).is_none());
        assert!(room_check(&p, &place("online", Some(50), true), &many, at(10, 0), at(10, 45)).is_some());
    }

    #[test]
    fn no_slot_on_a_closed_day() {
        let mut p = policy();
        p.closures.push(Closure {
            name: "Winter closure".into(),
            from: "2026-12-24".parse().unwrap(),
            to: "2027-01-01".parse().unwrap(),
        });
        let r = closed(&p, "2026-12-29".parse().unwrap()).unwrap();
        assert_eq!((r.rule, r.clause), (Rule::Closed, "CLOSURE"));
        assert!(r.message.contains("Winter closure"), "{}", r.message);
        assert_eq!(r.allowed_from, Some("2027-01-02".parse().unwrap()));
        assert!(closed(&p, "2026-12-23".parse().unwrap()).is_none());
        assert!(closed(&p, "2027-01-02".parse().unwrap()).is_none());
    }
}
