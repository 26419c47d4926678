//! Unit tests for the booking rules, named after the clause each proves.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use super::*;
use crate::domain::appointment::{AppointmentState, Outcome, RecordingConsent, Waiver};
use crate::domain::client::{Activity, ContactPreferences, Level, Status};
use crate::domain::ids::{AppointmentId, ClientId, OperatorId, SlotId};
use crate::domain::validate::{Email, StudentNumber};

pub(super) const OP: OperatorId = OperatorId(7);

pub(super) fn policy() -> Policy {
    Policy::parse(crate::policy::example("standard").unwrap().text, "standard").unwrap()
}

/// The standard policy with allocations too generous to interfere and no peak periods.
pub(super) fn fair_use_policy() -> Policy {
    let mut p = policy();
    for t in &mut p.appointment_types {
        t.allocation.count = 99;
    }
    p.peak_periods.clear();
    p
}

/// The standard policy (with its peak period) and allocations too generous to interfere.
pub(super) fn peak_policy() -> Policy {
    let mut p = policy();
    for t in &mut p.appointment_types {
        t.allocation.count = 99;
    }
    p
}

pub(super) fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// An instant in UTC, "2026-10-24 23:30".
pub(super) fn utc(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap().and_utc()
}

/// 10:00 UTC on a date: the same local date in London, summer or winter.
pub(super) fn on(s: &str) -> DateTime<Utc> {
    utc(&format!("{s} 10:00"))
}

pub(super) fn client() -> Client {
    Client {
        id: ClientId(1),
        student_number: StudentNumber::parse("10234567").unwrap(),
        name: "Ada Lovelace".into(),
        programme: "BSc Mathematics".into(),
        school: Some("Science".into()),
        level: Level::Ug,
        status: Status::Student,
        course_end: None,
        email: Email::parse("ada@example.ac.uk").unwrap(),
        phone: None,
        contact: ContactPreferences::all(),
        flags: Vec::new(),
        activities: vec![Activity {
            activity: "interview-workshop".into(),
            count: 1,
        }],
        suspension: None,
        block: None,
        created_at: utc("2025-09-01 09:00"),
    }
}

pub(super) fn appt(ty: &str, start: DateTime<Utc>, state: AppointmentState) -> Appointment {
    Appointment {
        id: AppointmentId(start.timestamp_millis() as u128),
        slot: SlotId(1),
        client: ClientId(1),
        consultant: OP,
        appointment_type: ty.into(),
        start,
        minutes: 45,
        location: "atrium-pod-1".into(),
        booked_at: start - Duration::days(7),
        booked_by: OP,
        state,
        recording_consent: RecordingConsent::NotGiven,
        waiver: None,
        confirmation: crate::domain::appointment::Confirmation::Local,
    }
}

pub(super) fn booked(ty: &str, start: DateTime<Utc>) -> Appointment {
    appt(ty, start, AppointmentState::Booked)
}

pub(super) fn settled(ty: &str, start: DateTime<Utc>, outcome: Outcome) -> Appointment {
    let at = start + Duration::hours(1);
    appt(ty, start, AppointmentState::Settled { outcome, by: OP, at })
}

pub(super) fn attended(ty: &str, date: &str) -> Appointment {
    settled(ty, on(date), Outcome::Attended)
}

pub(super) fn waived(mut a: Appointment) -> Appointment {
    a.waiver = Some(Waiver {
        reason: "bereavement".into(),
        by: OP,
        at: a.start + Duration::days(1),
    });
    a
}

pub(super) fn check(
    p: &Policy,
    c: &Client,
    ty: &str,
    start: DateTime<Utc>,
    history: &[Appointment],
    now: DateTime<Utc>,
) -> Decision {
    let ty = p.appointment_type(ty).unwrap();
    let req = BookingRequest {
        client: c,
        appointment_type: ty,
        start,
        minutes: 45,
    };
    check_booking(p, &req, history, now)
}

/// The single refusal of `dec`, which must be by `rule`.
pub(super) fn only(dec: &Decision, rule: Rule) -> &Refusal {
    assert_eq!(dec.refusals.len(), 1, "{}", dec.explain());
    assert_eq!(dec.refusals[0].rule, rule, "{}", dec.explain());
    &dec.refusals[0]
}

#[test]
fn appt_05_fourth_contact_in_28_days_is_refused() {
    let p = fair_use_policy();
    let now = on("2026-12-10");
    let history = [
        attended("guidance", "2026-12-02"),
        attended("applications", "2026-12-09"),
        booked("guidance", on("2026-12-16")),
    ];
    let dec = check(&p, &client(), "guidance", on("2026-12-23"), &history, now);
    let r = only(&dec, Rule::FairUse);
    assert_eq!(r.clause, "APPT-05");
    assert_eq!(
        r.message,
        "3 consultant contacts between 2 Dec and 29 Dec (limit 3 in any 28 days); next possible 30 Dec"
    );
    assert_eq!(r.allowed_from, Some(d("2026-12-30")));
    assert_eq!(dec.allowed_from(), Some(d("2026-12-30")));
    assert!(!dec.is_allowed());
    assert_eq!(dec.explain(), format!("APPT-05: {}", r.message));
    assert!(check(&p, &client(), "guidance", on("2026-12-30"), &history, now).is_allowed());
    assert!(check(&p, &client(), "applications", on("2026-12-29"), &history, now).refusals[0].rule == Rule::FairUse);
}

#[test]
fn appt_05_window_edges() {
    let p = fair_use_policy();
    let c = client();
    let now = on("2026-12-20");
    let history = [
        attended("guidance", "2026-12-01"),
        attended("applications", "2026-12-02"),
        attended("mock-interview", "2026-12-03"),
    ];
    let day28 = check(&p, &c, "guidance", on("2026-12-28"), &history, now);
    assert_eq!(only(&day28, Rule::FairUse).allowed_from, Some(d("2026-12-29")));
    assert!(check(&p, &c, "guidance", on("2026-12-29"), &history, now).is_allowed());

    // The window AFTER the new slot: planned contacts in January count against a December booking.
    let now = on("2026-11-30");
    let future = [
        booked("guidance", on("2027-01-10")),
        booked("applications", on("2027-01-11")),
        booked("guidance", on("2027-01-12")),
    ];
    assert!(check(&p, &c, "applications", on("2026-12-15"), &future, now).is_allowed());
    let before = check(&p, &c, "applications", on("2026-12-16"), &future, now);
    let r = only(&before, Rule::FairUse);
    assert_eq!(
        r.message,
        "3 consultant contacts between 16 Dec and 12 Jan 2027 (limit 3 in any 28 days); next possible 7 Feb 2027"
    );
    assert_eq!(r.allowed_from, Some(d("2027-02-07")));
    assert!(check(&p, &c, "applications", on("2027-02-07"), &future, now).is_allowed());
    assert!(!check(&p, &c, "applications", on("2027-02-06"), &future, now).is_allowed());
}

#[test]
fn appt_05_non_consultant_led_types_do_not_count() {
    let p = fair_use_policy();
    let c = client();
    let now = on("2026-12-20");
    let drop_ins = [
        attended("drop-in", "2026-12-01"),
        attended("drop-in", "2026-12-02"),
        attended("drop-in", "2026-12-03"),
        attended("guidance", "2026-12-04"),
        attended("guidance", "2026-12-05"),
    ];
    assert!(check(&p, &c, "guidance", on("2026-12-10"), &drop_ins, now).is_allowed());
    // Booking a drop-in is not a consultant contact, so fair use never refuses it.
    let consultant = [
        attended("guidance", "2026-12-01"),
        attended("guidance", "2026-12-02"),
        attended("applications", "2026-12-03"),
    ];
    assert!(check(&p, &c, "drop-in", on("2026-12-10"), &consultant, now).is_allowed());
    // A type the policy no longer knows is counted as consultant-led, to be safe.
    let unknown = [
        attended("legacy-coaching", "2026-12-01"),
        attended("legacy-coaching", "2026-12-02"),
        attended("legacy-coaching", "2026-12-03"),
    ];
    only(
        &check(&p, &c, "guidance", on("2026-12-10"), &unknown, now),
        Rule::FairUse,
    );
}

#[test]
fn appt_05_cancelled_in_time_and_technical_do_not_count() {
    let p = fair_use_policy();
    let c = client();
    let now = on("2026-12-20");
    let mut history = vec![
        attended("guidance", "2026-12-01"),
        attended("guidance", "2026-12-02"),
        settled("guidance", on("2026-12-03"), Outcome::Cancelled),
        settled("applications", on("2026-12-04"), Outcome::EndedTechnical),
    ];
    let dec = check(&p, &c, "guidance", on("2026-12-10"), &history, now);
    assert!(dec.is_allowed(), "{}", dec.explain());
    assert_eq!(dec.unresolved_ignored, 0);
    // A late cancellation does count as a contact.
    history[2] = settled("guidance", on("2026-12-03"), Outcome::LateCancel);
    only(
        &check(&p, &c, "guidance", on("2026-12-10"), &history, now),
        Rule::FairUse,
    );
}

#[test]
fn appt_10_ended_technical_consumes_nothing() {
    let p = policy();
    let c = client();
    let now = on("2026-12-02");
    let history = [
        attended("guidance", "2026-09-28"),
        settled("guidance", on("2026-11-30"), Outcome::EndedTechnical),
        settled("guidance", on("2026-12-01"), Outcome::EndedTechnical),
    ];
    // Allocation is 2 per term: the technical endings leave one to use, and no fair-use contacts.
    let dec = check(&p, &c, "guidance", on("2026-12-03"), &history, now);
    assert!(dec.is_allowed(), "{}", dec.explain());
    let t = tally(&p, &"guidance".into(), &history, now);
    assert_eq!(t.contacts, vec![d("2026-09-28")]);
    assert_eq!(t.same_type, vec![d("2026-09-28")]);
    assert_eq!(standing(&history[1], now), Standing::Ignored);
}

#[test]
fn appt_02_no_show_and_late_cancel_consume_allocation() {
    let p = policy();
    let c = client();
    let now = on("2026-11-30");
    let mut history = vec![
        settled("guidance", on("2026-10-01"), Outcome::NoShow),
        settled("guidance", on("2026-11-02"), Outcome::LateCancel),
    ];
    let dec = check(&p, &c, "guidance", on("2026-12-01"), &history, now);
    let r = only(&dec, Rule::Allocation);
    assert_eq!(r.clause, "APPT-01");
    assert_eq!(
        r.message,
        "2 of 2 careers guidance appointments used in Autumn 2026 \
         (counting 1 no-show and 1 late cancellation); next possible 12 Dec"
    );
    assert_eq!(r.allowed_from, Some(d("2026-12-12")));

    history[1] = attended("guidance", "2026-11-02");
    let r = check(&p, &c, "guidance", on("2026-12-01"), &history, now)
        .refusals
        .remove(0);
    assert_eq!(
        r.message,
        "2 of 2 careers guidance appointments used in Autumn 2026 (counting 1 no-show); next possible 12 Dec"
    );

    // Cancelling before the start consumes nothing.
    history[1] = settled("guidance", on("2026-11-02"), Outcome::Cancelled);
    assert!(check(&p, &c, "guidance", on("2026-12-01"), &history, now).is_allowed());
}

#[test]
fn appt_03_waived_no_show_stops_counting() {
    let p = policy();
    let c = client();
    let now = on("2026-11-30");
    let no_show = settled("guidance", on("2026-10-01"), Outcome::NoShow);
    let mut history = vec![no_show.clone(), attended("guidance", "2026-11-02")];
    only(
        &check(&p, &c, "guidance", on("2026-12-01"), &history, now),
        Rule::Allocation,
    );
    assert_eq!(no_show_status(&p, &history, now).count, 1);

    history[0] = waived(no_show);
    assert!(check(&p, &c, "guidance", on("2026-12-01"), &history, now).is_allowed());
    assert_eq!(no_show_status(&p, &history, now).count, 0);
    let t = tally(&p, &"guidance".into(), &history, now);
    assert_eq!(t.contacts, vec![d("2026-11-02")]);
    assert!(t.same_type_no_shows.is_empty());
}

#[test]
fn appt_02_unresolved_is_never_counted_as_a_no_show() {
    let p = policy();
    let c = client();
    let now = on("2026-12-02");
    let checked_in = appt(
        "applications",
        on("2026-11-20"),
        AppointmentState::CheckedIn { at: on("2026-11-20") },
    );
    let history = vec![
        booked("guidance", on("2026-10-01")), // past, never settled
        attended("guidance", "2026-11-02"),
        checked_in,
        booked("guidance", on("2026-03-02")), // unresolved, but outside every window examined
    ];
    assert_eq!(standing(&history[0], now), Standing::Unresolved);
    assert_eq!(standing(&history[2], now), Standing::Unresolved);
    let dec = check(&p, &c, "guidance", on("2026-12-03"), &history, now);
    assert!(dec.is_allowed(), "{}", dec.explain());
    assert_eq!(dec.unresolved_ignored, 2);
    assert_eq!(dec.explain(), "(2 unresolved appointment(s) not counted)");
    assert_eq!(no_show_status(&p, &history, now).count, 0);

    // Once settled as a no-show it counts, and is no longer reported as unresolved.
    let mut settled_history = history.clone();
    settled_history[0] = settled("guidance", on("2026-10-01"), Outcome::NoShow);
    let dec = check(&p, &c, "guidance", on("2026-12-03"), &settled_history, now);
    assert_eq!(only(&dec, Rule::Allocation).allowed_from, Some(d("2026-12-12")));
    assert_eq!(dec.unresolved_ignored, 1);
    assert_eq!(no_show_status(&p, &settled_history, now).count, 1);

    // The same booking before its end is a planned contact and counts.
    let earlier = on("2026-09-30");
    only(
        &check(&p, &c, "guidance", on("2026-12-03"), &history, earlier),
        Rule::Allocation,
    );
}

#[test]
fn appt_06_peak_period_tightens_fair_use() {
    let p = peak_policy();
    let c = client();
    let now = on("2026-10-01");
    let history = [
        booked("guidance", on("2026-10-12")),
        booked("applications", on("2026-10-19")),
    ];
    let dec = check(&p, &c, "guidance", on("2026-10-26"), &history, now);
    let r = only(&dec, Rule::FairUse);
    assert_eq!(r.clause, "APPT-06");
    assert_eq!(
        r.message,
        "2 consultant contacts between 12 Oct and 8 Nov \
         (peak period \"Autumn applications peak\": limit 2 in any 28 days); next possible 9 Nov"
    );
    assert_eq!(r.allowed_from, Some(d("2026-11-09")));
    // The day before the peak the normal limit (3 in 28) applies; the first peak day is refused.
    assert!(check(&p, &c, "guidance", on("2026-10-04"), &history, now).is_allowed());
    assert_eq!(
        only(
            &check(&p, &c, "guidance", on("2026-10-05"), &history, now),
            Rule::FairUse
        )
        .clause,
        "APPT-06"
    );
    // The same pattern outside the peak is allowed under APPT-05.
    let december = [
        attended("guidance", "2026-12-07"),
        attended("applications", "2026-12-14"),
    ];
    assert!(check(&p, &c, "guidance", on("2026-12-21"), &december, on("2026-12-20")).is_allowed());
}

#[test]
fn appt_05_the_booking_being_rechecked_is_not_counted_twice() {
    let p = fair_use_policy();
    let c = client();
    let now = on("2026-12-01");
    let slot = on("2026-12-10");
    let history = [
        attended("guidance", "2026-11-30"),
        booked("guidance", on("2026-12-05")),
        booked("guidance", slot),                                  // this booking
        settled("guidance", on("2026-12-08"), Outcome::Cancelled), // cancelled: rebooked below
    ];
    assert!(check(&p, &c, "guidance", slot, &history, now).is_allowed());
    only(
        &check(&p, &c, "guidance", on("2026-12-11"), &history, now),
        Rule::FairUse,
    );
}

#[test]
fn decision_with_no_refusals() {
    let dec = Decision::default();
    assert!(dec.is_allowed());
    assert_eq!(dec.allowed_from(), None);
    assert_eq!(dec.explain(), "");
}

#[test]
fn appt_05_six_years_of_history() {
    let p = policy();
    let c = client();
    let types = ["guidance", "applications", "drop-in", "mock-interview"];
    let outcomes = [
        Outcome::Attended,
        Outcome::NoShow,
        Outcome::Cancelled,
        Outcome::LateCancel,
    ];
    let history: Vec<Appointment> = (0..150i64)
        .map(|i| {
            let start = on("2021-01-04") + Duration::days(i * 6 * 365 / 150);
            settled(types[i as usize % 4], start, outcomes[i as usize % 4])
        })
        .collect();
    let now = on("2026-12-01");
    let started = std::time::Instant::now();
    let runs = 200;
    for _ in 0..runs {
        let dec = check(&p, &c, "guidance", on("2026-12-03"), &history, now);
        std::hint::black_box(dec);
    }
    let each = started.elapsed() / runs;
    // Generous: this runs unoptimised; the release target is 50 µs.
    assert!(each < std::time::Duration::from_millis(5), "{each:?} per check");
}
