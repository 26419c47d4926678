//! Generated people and organisations: staff, clients, employers with contacts, events.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{DemoSummary, Gen, DEMO_PASSWORD};
use crate::desk::{Desk, DeskError};
use crate::domain::audit::AuditAction;
use crate::domain::client::{Client, ContactChannel, ContactPreferences, Level, Status};
use crate::domain::employer::{Contact, Employer, EngagementKind, EngagementNote, Ownership};
use crate::domain::event::{Event, EventBooking, EventBookingState};
use crate::domain::ids::{ClientId, ContactId, EmployerId, EngagementId, EventBookingId, EventId, OperatorId};
use crate::domain::operator::{Login, Operator, Role};
use crate::domain::validate::{Email, Phone, StudentNumber};
use crate::store::{BulkWriter, WriteSet};

/// The generated staff.
pub struct Staff {
    /// Everyone generated.
    pub all: Vec<Operator>,
    /// Consultants (they hold the calendar).
    pub consultants: Vec<Operator>,
    /// Employer-relations staff.
    pub employer_relations: Vec<Operator>,
    /// Those given a key slot with the demo password.
    pub sign_in: Vec<Operator>,
}

fn operator(g: &mut Gen, login: String, roles: Vec<Role>, now: DateTime<Utc>) -> Result<Operator, DeskError> {
    let name = format!("{} {}", g.word(|w| &w.first), g.word(|w| &w.last));
    Ok(Operator {
        id: OperatorId(g.id(now - Duration::days(800))),
        login: Login::parse(&login)?,
        name,
        roles,
        grants: Vec::new(),
        trained_on: Some((now - Duration::days(790)).date_naive()),
        suspension: None,
        created_at: now - Duration::days(800),
    })
}

/// Staff scaled to the number of clients; a few can sign in with the demo password.
pub fn operators(desk: &Desk, g: &mut Gen, clients: usize, now: DateTime<Utc>) -> Result<Staff, DeskError> {
    let n_consultants = (clients / 400).max(3);
    let mut staff = Staff {
        all: Vec::new(),
        consultants: Vec::new(),
        employer_relations: Vec::new(),
        sign_in: Vec::new(),
    };
    for i in 1..=n_consultants {
        let op = operator(g, format!("consultant{i}"), vec![Role::Consultant], now)?;
        staff.consultants.push(op);
    }
    for i in 1..=(clients / 50_000).max(1) {
        let op = operator(g, format!("er{i}"), vec![Role::EmployerRelations], now)?;
        staff.employer_relations.push(op);
    }
    staff.all.extend(staff.consultants.iter().cloned());
    staff.all.extend(staff.employer_relations.iter().cloned());
    for (login, role) in [
        ("desk1", Role::Desk),
        ("desk2", Role::Desk),
        ("supervisor1", Role::Supervisor),
    ] {
        staff.all.push(operator(g, login.into(), vec![role], now)?);
    }
    let store = desk.store();
    let mut ws = WriteSet::new();
    for op in &staff.all {
        ws.put(store, None, op);
        if matches!(
            op.login.as_str(),
            "consultant1" | "consultant2" | "desk1" | "supervisor1" | "er1"
        ) {
            ws.key_slot(&store.make_key_slot(op.login.as_str(), DEMO_PASSWORD)?);
            staff.sign_in.push(op.clone());
        }
    }
    let mut entry = super::desk_audit(desk, format!("{} demo operators added", staff.all.len()));
    entry.action = AuditAction::Create;
    ws.audit(entry);
    store.commit(desk.operator().id, ws, now)?;
    Ok(staff)
}

/// The `i`th generated client.
pub fn client(g: &mut Gen, i: usize, now: DateTime<Utc>, today: NaiveDate) -> Client {
    let first = g.word(|w| &w.first);
    let last = g.word(|w| &w.last);
    let p = g.programme();
    let (programme, school, level) = (p.name, p.school, p.level.parse().unwrap_or(Level::Ug));
    let graduate = g.rng.gen_bool(0.15);
    let years = match level {
        Level::Ug => 3,
        Level::Pgt => 1,
        Level::Pgr => 4,
    };
    // Courses end on 30 June: graduates' in the past, students' from the next one on.
    let next_june = if today.ordinal() > 181 {
        today.year() + 1
    } else {
        today.year()
    };
    let end_year = if graduate {
        next_june - g.rng.gen_range(1..=4)
    } else {
        next_june + g.rng.gen_range(0..years)
    };
    let course_end = NaiveDate::from_ymd_opt(end_year, 6, 30);
    let local: String = format!("{}.{}{}", first, last, i)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect::<String>()
        .to_lowercase();
    let email = Email::parse(&format!("{local}@student.example.ac.uk")).ok();
    // 07700 900000-900999 is set aside for fiction: no real phone rings.
    let phone = g
        .rng
        .gen_bool(0.6)
        .then(|| Phone::parse(&format!("07700 900{:03}", g.rng.gen_range(0..1000))).ok())
        .flatten();
    let contact = if graduate && g.rng.gen_bool(0.3) {
        ContactPreferences(if g.rng.gen_bool(0.5) {
            vec![ContactChannel::Email]
        } else {
            Vec::new()
        })
    } else {
        ContactPreferences::all()
    };
    let created = now - Duration::days(g.rng.gen_range(30..1500));
    Client {
        id: ClientId(g.id(created)),
        student_number: StudentNumber::parse(&format!("{}", 10_000_000 + i)).unwrap_or_else(|_| unreachable_sn()),
        name: format!("{first} {last}"),
        programme: programme.into(),
        school: Some(school.into()),
        level,
        status: if graduate { Status::Graduate } else { Status::Student },
        course_end,
        email: email.unwrap_or_else(|| Email::parse("unknown@example.ac.uk").unwrap_or_else(|_| unreachable_email())),
        phone,
        contact,
        flags: Vec::new(),
        activities: Vec::new(),
        suspension: None,
        block: None,
        created_at: created,
    }
}

// Generated values are valid by construction; these keep the generator free of `unwrap`.
fn unreachable_sn() -> StudentNumber {
    StudentNumber::parse("00000000").unwrap_or_else(|_| unreachable_sn())
}
fn unreachable_email() -> Email {
    Email::parse("demo@example.ac.uk").unwrap_or_else(|_| unreachable_email())
}

/// The generated clients by school, to book events for their audience.
#[derive(Debug, Default)]
pub struct BySchool(HashMap<String, Vec<ClientId>>);

impl BySchool {
    /// Counts a client under their school.
    pub fn add(&mut self, c: &Client) {
        if let Some(school) = &c.school {
            self.0.entry(school.clone()).or_default().push(c.id);
        }
    }
}

/// The people events are organised and booked by.
pub struct People<'a> {
    /// The staff.
    pub staff: &'a Staff,
    /// Every generated client.
    pub clients: &'a [ClientId],
    /// The clients by school.
    pub by_school: &'a BySchool,
}

/// Up to `n` distinct clients for an event open to `school`: its students, or any clients when
/// the school has none. Drawn from a generator of the event's own, so the rest of the demo
/// data stays as it was for the seed.
fn attendees(people: &People<'_>, school: &str, n: usize, event: EventId) -> Vec<ClientId> {
    let pool = match people.by_school.0.get(school) {
        Some(p) if !p.is_empty() => p.as_slice(),
        _ => people.clients,
    };
    let mut rng = StdRng::seed_from_u64(event.0 as u64 ^ (event.0 >> 64) as u64);
    rand::seq::index::sample(&mut rng, pool.len(), n.min(pool.len()))
        .into_iter()
        .map(|i| pool[i])
        .collect()
}

/// Employers with contacts, tags and engagement notes; events with bookings by real clients,
/// each at most once an event.
pub fn employers_and_events(
    _desk: &Desk,
    g: &mut Gen,
    bulk: &mut BulkWriter<'_>,
    people: &People<'_>,
    now: DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<(), DeskError> {
    let staff = people.staff;
    let clients = people.clients.len();
    let n = (clients / 200).max(20);
    let mut employer_ids = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!(
            "{} {} {}",
            g.word(|w| &w.employer_first),
            g.word(|w| &w.employer_second),
            g.word(|w| &w.employer_suffix)
        );
        let created = now - Duration::days(g.rng.gen_range(10..1200));
        let mut tags: Vec<String> = (0..g.rng.gen_range(1..=3))
            .map(|_| g.word(|w| &w.tags).to_string())
            .collect();
        tags.sort();
        tags.dedup();
        let ownership = match g.rng.gen_range(0..100) {
            0..=9 => Ownership::KeyAccount {
                owner: g.pick(&staff.employer_relations).id,
            },
            10..=12 => Ownership::MultiOwner,
            _ => Ownership::Open,
        };
        let key_account = matches!(ownership, Ownership::KeyAccount { .. });
        let e = Employer {
            id: EmployerId(g.id(created)),
            name: format!("{name} {i}"),
            sector: g.word(|w| &w.sectors).to_string(),
            website: None,
            tags,
            ownership,
            self_registered: g.rng.gen_bool(0.3),
            created_at: created,
        };
        for c in 0..g.rng.gen_range(1..=4) {
            let first = g.word(|w| &w.first);
            let last = g.word(|w| &w.last);
            let contact = Contact {
                id: ContactId(g.id(created)),
                employer: e.id,
                name: format!("{first} {last}"),
                title: Some("Graduate recruitment".into()),
                email: Email::parse(&format!(
                    "{}.{}@employer{i}.example.com",
                    first.to_lowercase(),
                    last.to_lowercase().replace('\'', "")
                ))
                .ok(),
                phone: None,
                key_contact: key_account && c == 0,
                guidance: if key_account && c == 0 {
                    "Key contact: liaise with the account owner before getting in touch.".into()
                } else {
                    String::new()
                },
                visible_to_students: g.rng.gen_bool(0.5),
            };
            bulk.put(&contact)?;
            summary.contacts += 1;
        }
        for _ in 0..g.rng.gen_range(0..=3) {
            let at = now - Duration::days(g.rng.gen_range(1..365));
            let note = EngagementNote {
                id: EngagementId(g.id(at)),
                employer: e.id,
                contacts: Vec::new(),
                author: g.pick(&staff.employer_relations).id,
                at,
                kind: EngagementKind::Meeting,
                liaised_with: None,
                text: "Discussed the graduate scheme and next term's campus presence.".into(),
            };
            bulk.put(&note)?;
        }
        bulk.put(&e)?;
        employer_ids.push(e.id);
    }
    summary.employers = n;
    let n_events = (clients / 2000).max(6);
    for i in 0..n_events {
        let start = now + Duration::days(g.rng.gen_range(-120..60)) + Duration::hours(g.rng.gen_range(0..6));
        let ev = Event {
            id: EventId(g.id(start - Duration::days(30))),
            title: format!("Employer insight session {}", i + 1),
            organiser: g.pick(&staff.employer_relations).id,
            employers: vec![*g.pick(&employer_ids)],
            sector: g.word(|w| &w.sectors).to_string(),
            audience_schools: vec![g.programme().school.to_string()],
            target_programmes: Vec::new(),
            start,
            end: start + Duration::hours(2),
            location: "Careers centre seminar room".into(),
            capacity: 40,
            consultations: Vec::new(),
        };
        let wanted = g.rng.gen_range(10..50);
        let school = ev.audience_schools.first().map(String::as_str).unwrap_or_default();
        for client in attendees(people, school, wanted, ev.id) {
            let b = EventBooking {
                id: EventBookingId(g.id(start - Duration::days(7))),
                event: ev.id,
                client,
                booked_at: start - Duration::days(7),
                state: if start < now {
                    if g.rng.gen_bool(0.8) {
                        EventBookingState::Attended
                    } else {
                        EventBookingState::Absent
                    }
                } else {
                    EventBookingState::Booked
                },
                confirmation: crate::domain::event::PlaceConfirmation::Local,
            };
            bulk.put(&b)?;
        }
        bulk.put(&ev)?;
    }
    summary.events = n_events;
    Ok(())
}
