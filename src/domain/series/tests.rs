//! Series planning over a term, with the clock changes, closures and clashes it must skip.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

use super::*;
use crate::domain::ids::SlotId;
use crate::domain::policy::{AppointmentTypeId, Closure, LocationId};

fn policy() -> Policy {
    let mut p = Policy::parse(crate::policy::example("standard").unwrap().text, "standard").unwrap();
    p.closures.clear();
    p
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn hm(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

const ME: OperatorId = OperatorId(1);
const OTHER: OperatorId = OperatorId(2);

fn room(p: &Policy, id: &str) -> Location {
    p.location(id).unwrap().clone()
}

/// Mondays, Tuesdays and Thursdays, 09:00 to 12:45 every 45 minutes: five 45-minute slots a day.
fn term(p: &Policy) -> SeriesSpec {
    SeriesSpec {
        consultant: ME,
        location: room(p, "atrium-pod-1"),
        days: vec![Weekday::Mon, Weekday::Tue, Weekday::Thu],
        from: hm("09:00"),
        to: hm("12:45"),
        every: 45,
        minutes: 45,
        start: d("2027-01-18"),
        until: d("2027-04-09"),
        skip: Vec::new(),
    }
}

fn before_term() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 10, 9, 0, 0).unwrap()
}

fn slot(consultant: OperatorId, location: &str, local: &str, minutes: u16) -> Slot {
    let tz = chrono_tz::Europe::London;
    let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    Slot {
        id: SlotId((consultant.0 << 64) | naive.and_utc().timestamp() as u128),
        consultant,
        appointment_type: AppointmentTypeId("guidance".into()),
        start: tz.from_local_datetime(&naive).unwrap().with_timezone(&Utc),
        minutes,
        location: LocationId(location.into()),
        booking: None,
        withdrawn: false,
        series: None,
    }
}

fn local(p: &Policy, t: DateTime<Utc>) -> String {
    t.with_timezone(&p.institution.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[test]
fn a_term_of_three_days_five_slots_twelve_weeks_makes_180_slots() {
    let p = policy();
    let plan = plan(&term(&p), &p, &[], before_term()).unwrap();
    assert_eq!(plan.make.len(), 3 * 5 * 12);
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    let first: Vec<String> = plan.make.iter().take(6).map(|s| local(&p, s.start)).collect();
    assert_eq!(
        first,
        [
            "2027-01-18 09:00",
            "2027-01-18 09:45",
            "2027-01-18 10:30",
            "2027-01-18 11:15",
            "2027-01-18 12:00",
            "2027-01-19 09:00"
        ]
    );
    assert_eq!(local(&p, plan.make.last().unwrap().start), "2027-04-08 12:00");
}

#[test]
fn local_times_stay_the_same_across_the_clock_change() {
    let p = policy();
    // British Summer Time starts on 28 March 2027: 09:00 is 09:00 UTC before, 08:00 UTC after.
    let mut spec = term(&p);
    spec.start = d("2027-03-25");
    spec.until = d("2027-03-29");
    let plan = plan(&spec, &p, &[], before_term()).unwrap();
    let thursday = plan.make[0].start;
    let monday = plan.make[5].start;
    assert_eq!(thursday, Utc.with_ymd_and_hms(2027, 3, 25, 9, 0, 0).unwrap());
    assert_eq!(monday, Utc.with_ymd_and_hms(2027, 3, 29, 8, 0, 0).unwrap());
    assert_eq!(local(&p, monday), "2027-03-29 09:00");
}

#[test]
fn a_time_the_clocks_skip_is_reported_not_guessed() {
    let p = policy();
    let mut spec = term(&p);
    spec.days = vec![Weekday::Sun];
    spec.from = hm("00:30");
    spec.to = hm("03:00");
    spec.every = 30;
    spec.minutes = 30;
    spec.start = d("2027-03-28");
    spec.until = d("2027-03-28");
    let plan = plan(&spec, &p, &[], before_term()).unwrap();
    let skipped: Vec<(Option<NaiveTime>, &SkipReason)> = plan.skipped.iter().map(|s| (s.time, &s.reason)).collect();
    assert_eq!(
        skipped,
        [
            (Some(hm("01:00")), &SkipReason::NoSuchTime),
            (Some(hm("01:30")), &SkipReason::NoSuchTime)
        ]
    );
    let made: Vec<String> = plan.make.iter().map(|s| local(&p, s.start)).collect();
    assert_eq!(made, ["2027-03-28 00:30", "2027-03-28 02:00", "2027-03-28 02:30"]);
}

#[test]
fn closures_skips_busy_consultant_and_full_room_are_each_reported() {
    let mut p = policy();
    p.closures.push(Closure {
        name: "Good Friday".into(),
        from: d("2027-03-25"),
        to: d("2027-03-26"),
    });
    let mut spec = term(&p);
    spec.skip = vec![d("2027-02-16")];
    let existing = [
        // The consultant already runs a workshop slot elsewhere on Monday 1 February, 10:00-11:00.
        slot(ME, "campus-hub", "2027-02-01 10:00", 60),
        // Someone else holds the pod on Thursday 4 February at 09:00.
        slot(OTHER, "atrium-pod-1", "2027-02-04 09:00", 45),
        // Someone else in another room at the same time is no clash at all.
        slot(OTHER, "atrium-room-2", "2027-02-08 09:00", 45),
    ];
    let plan = plan(&spec, &p, &existing, before_term()).unwrap();
    let skipped: Vec<(NaiveDate, Option<NaiveTime>, String)> = plan
        .skipped
        .iter()
        .map(|s| (s.date, s.time, s.reason.describe()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                d("2027-02-01"),
                Some(hm("09:45")),
                "the consultant already has a slot 10:00-11:00".to_string()
            ),
            (
                d("2027-02-01"),
                Some(hm("10:30")),
                "the consultant already has a slot 10:00-11:00".to_string()
            ),
            (
                d("2027-02-04"),
                Some(hm("09:00")),
                "the room is full then (1 of 1 in use)".to_string()
            ),
            (d("2027-02-16"), None, "skipped as asked".to_string()),
            (d("2027-03-25"), None, "the service is closed (Good Friday)".to_string()),
        ]
    );
    // 180 less two busy times, one full room, a skipped Tuesday and a closed Thursday.
    assert_eq!(plan.make.len(), 180 - 2 - 1 - 5 - 5);
    assert!(!plan.make.iter().any(|s| local(&p, s.start) == "2027-02-04 09:00"));
    assert!(plan.make.iter().any(|s| local(&p, s.start) == "2027-02-08 09:00"));
}

#[test]
fn an_open_area_takes_slots_up_to_its_capacity() {
    let p = policy();
    let mut spec = term(&p);
    spec.location = room(&p, "careers-desk"); // holds two at once
    spec.start = d("2027-01-18");
    spec.until = d("2027-01-18");
    let one = [slot(OTHER, "careers-desk", "2027-01-18 09:00", 45)];
    assert_eq!(plan(&spec, &p, &one, before_term()).unwrap().make.len(), 5);
    let two = [
        one[0].clone(),
        slot(OperatorId(3), "careers-desk", "2027-01-18 09:30", 30),
    ];
    let planned = plan(&spec, &p, &two, before_term()).unwrap();
    assert_eq!(planned.make.len(), 4, "only the 09:00 slot meets both others");
    assert_eq!(planned.skipped[0].time, Some(hm("09:00")));
    // A withdrawn slot takes no room.
    let mut gone = two.clone();
    gone[1].withdrawn = true;
    assert_eq!(plan(&spec, &p, &gone, before_term()).unwrap().make.len(), 5);
}

#[test]
fn times_already_past_today_are_left_out() {
    let p = policy();
    let mut spec = term(&p);
    spec.start = d("2027-01-18");
    spec.until = d("2027-01-19");
    let mid_morning = Utc.with_ymd_and_hms(2027, 1, 18, 10, 0, 0).unwrap();
    let plan = plan(&spec, &p, &[], mid_morning).unwrap();
    assert_eq!(plan.make.len(), 3 + 5);
    assert_eq!(plan.skipped.len(), 2);
    assert!(plan.skipped.iter().all(|s| s.reason == SkipReason::Past));
}

#[test]
fn a_bad_series_names_each_wrong_field() {
    let p = policy();
    let mut spec = term(&p);
    spec.days.clear();
    spec.every = 30; // shorter than the 45-minute slots
    spec.to = hm("08:00");
    spec.until = d("2027-01-01");
    let fields: Vec<&str> = plan(&spec, &p, &[], before_term())
        .unwrap_err()
        .iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["days", "every", "to", "until"]);
    let mut past = term(&p);
    past.start = d("2027-01-09");
    assert_eq!(plan(&past, &p, &[], before_term()).unwrap_err()[0].field, "start");
    let mut long = term(&p);
    long.until = d("2028-06-01");
    assert_eq!(plan(&long, &p, &[], before_term()).unwrap_err()[0].field, "until");
}

#[test]
fn too_many_slots_are_refused_rather_than_made() {
    let p = policy();
    let mut spec = term(&p);
    spec.days = vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    spec.from = hm("00:00");
    spec.to = hm("23:45");
    spec.every = 15;
    spec.minutes = 15;
    let e = plan(&spec, &p, &[], before_term()).unwrap_err();
    assert!(e[0].message.contains("2000"), "{}", e[0].message);
}

#[test]
fn days_times_and_lengths_parse_with_the_field_named() {
    assert_eq!(
        parse_days("mon,tue,thu").unwrap(),
        [Weekday::Mon, Weekday::Tue, Weekday::Thu]
    );
    assert_eq!(parse_days("Thursday, mon").unwrap(), [Weekday::Mon, Weekday::Thu]);
    assert_eq!(
        parse_days("mon-wed").unwrap(),
        [Weekday::Mon, Weekday::Tue, Weekday::Wed]
    );
    assert_eq!(parse_days("fri-mon").unwrap().len(), 4);
    for bad in ["", "mo", "funday", "mon,,xyz"] {
        assert_eq!(parse_days(bad).unwrap_err().field, "days", "{bad}");
    }
    assert_eq!(parse_clock("from", "09:00").unwrap(), hm("09:00"));
    assert_eq!(parse_clock("to", "25:00").unwrap_err().field, "to");
    for (text, minutes) in [("45m", 45), ("1h", 60), ("1h30m", 90), ("90", 90), ("20min", 20)] {
        assert_eq!(parse_minutes("every", text).unwrap(), minutes, "{text}");
    }
    for bad in ["0", "9h", "abc", "1h30", "-5m", ""] {
        assert_eq!(parse_minutes("every", bad).unwrap_err().field, "every", "{bad}");
    }
}
