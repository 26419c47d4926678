//! The booking rules on their own: one full check (eligibility, allocation, fair use, blocks)
//! for a client with six years of history, about 150 appointments. Target: <= 50 us.

use std::hint::black_box;

use careerdesk::domain::appointment::{Appointment, AppointmentState, Outcome, RecordingConsent};
use careerdesk::domain::client::{Client, ContactPreferences, Level, Status};
use careerdesk::domain::ids::{AppointmentId, ClientId, OperatorId, SlotId};
use careerdesk::domain::rules::{check_booking, BookingRequest};
use careerdesk::domain::validate::{Email, StudentNumber};
use careerdesk::policy::{example, Policy};
use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};

fn benches(c: &mut Criterion) {
    let policy = Policy::parse(example("standard").map(|e| e.text).unwrap_or_default(), "standard").expect("policy");
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).single().expect("time");
    let client = Client {
        id: ClientId(1),
        student_number: StudentNumber::parse("10000001").expect("sn"),
        name: "Bench Client".into(),
        programme: "BSc Physics".into(),
        school: None,
        level: Level::Ug,
        status: Status::Student,
        course_end: None,
        email: Email::parse("bench@example.ac.uk").expect("email"),
        phone: None,
        contact: ContactPreferences::all(),
        flags: Vec::new(),
        activities: Vec::new(),
        suspension: None,
        block: None,
        created_at: now,
    };
    let types = ["guidance", "applications", "drop-in"];
    let outcomes = [
        Outcome::Attended,
        Outcome::Attended,
        Outcome::NoShow,
        Outcome::Cancelled,
        Outcome::LateCancel,
    ];
    let history: Vec<Appointment> = (0..150i64)
        .map(|i| {
            let start = now - Duration::days(6 * 365) + Duration::days(i * 6 * 365 / 150);
            Appointment {
                id: AppointmentId(i as u128),
                slot: SlotId(i as u128),
                client: client.id,
                consultant: OperatorId(9),
                appointment_type: types[i as usize % types.len()].into(),
                start,
                minutes: 45,
                location: "atrium-pod-1".into(),
                booked_at: start - Duration::days(7),
                booked_by: OperatorId(9),
                state: AppointmentState::Settled {
                    outcome: outcomes[i as usize % outcomes.len()],
                    by: OperatorId(9),
                    at: start,
                },
                recording_consent: RecordingConsent::NotGiven,
                waiver: None,
                confirmation: careerdesk::domain::appointment::Confirmation::Local,
            }
        })
        .collect();
    let ty = policy.appointment_type("guidance").expect("guidance");
    let start = now + Duration::days(3);
    c.bench_function("check_booking/six_years_150_appointments", |b| {
        b.iter(|| {
            let req = BookingRequest {
                client: &client,
                appointment_type: ty,
                start,
                minutes: 45,
            };
            black_box(check_booking(&policy, &req, black_box(&history), now))
        })
    });
}

criterion_group!(rules, benches);
criterion_main!(rules);
