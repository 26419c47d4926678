//! Events through the service layer: clashes on the combined calendar stop an event unless a
//! reason is given (EVT-01), moving checks again, and opening an event to another school
//! records the consultation (EVT-02).

mod common;

use careerdesk::desk::{Desk, DeskError, NewEvent};
use careerdesk::domain::audit::AuditAction;
use careerdesk::domain::clash::Shared;
use careerdesk::domain::operator::Role;
use common::*;

/// er1 (employer relations), desk1, sup1; the clock at Monday 30 November 2026 08:00 UTC.
fn world() -> World {
    World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("er1", Role::EmployerRelations),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[],
    )
}

fn fair(title: &str, sector: &str, day: u32, hour: u32) -> NewEvent {
    NewEvent {
        title: title.into(),
        sector: sector.into(),
        start: at(2026, 12, day, hour, 0),
        minutes: 120,
        capacity: 30,
        audience_schools: vec!["Engineering".into()],
        target_programmes: vec!["MEng Civil".into()],
        location: "Main hall".into(),
        ..NewEvent::default()
    }
}

fn clashes_of(e: DeskError) -> Vec<careerdesk::domain::clash::Clash> {
    match e {
        DeskError::Clashes(c) => c.into_iter().map(|r| r.clash).collect(),
        other => panic!("expected clashes, got {other}"),
    }
}

fn last_audit(w: &World) -> careerdesk::domain::audit::AuditEntry {
    // Signing in to read the log is itself audited: the event's entry is the last other one.
    let sup: Desk = w.as_("sup1");
    sup.audit_log()
        .unwrap()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.action != AuditAction::SignIn)
        .last()
        .unwrap()
}

#[test]
fn evt_01_a_clash_is_refused_naming_each_event_and_why_unless_a_reason_is_given() {
    let w = world();
    let er = w.as_("er1");
    let first = er.add_event(&fair("Civil fair", "Engineering", 7, 10), None).unwrap();
    let mut other = fair("Finance evening", "Finance", 7, 11);
    other.target_programmes = vec!["BSc Economics".into()];
    er.add_event(&other, None).unwrap();

    let e = er
        .add_event(&fair("Bridges talk", "engineering", 7, 11), None)
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    let text = e.to_string();
    assert!(
        text.contains("Civil fair") && text.contains("sector \"Engineering\""),
        "{text}"
    );
    let found = clashes_of(e);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].event, first.id);
    assert!(found[0].shared.contains(&Shared::Programme("MEng Civil".into())));
    assert_eq!(er.events().unwrap().len(), 2, "nothing was saved");

    let blank = er
        .add_event(&fair("Bridges talk", "engineering", 7, 11), Some("  "))
        .unwrap_err();
    assert_eq!(blank.exit_code(), 2);
    let made = er
        .add_event(
            &fair("Bridges talk", "engineering", 7, 11),
            Some("the employer can only come that day"),
        )
        .unwrap();
    assert_eq!(er.events().unwrap().len(), 3);
    let entry = last_audit(&w);
    assert_eq!(entry.action, AuditAction::Override);
    assert_eq!(entry.reason.as_deref(), Some("the employer can only come that day"));
    assert!(entry.detail.contains("Civil fair"), "{}", entry.detail);
    assert_eq!(er.find_event("bridges TALK").unwrap().id, made.id);
}

#[test]
fn evt_01_moving_an_event_checks_clashes_again() {
    let w = world();
    let er = w.as_("er1");
    er.add_event(&fair("Civil fair", "Engineering", 7, 10), None).unwrap();
    er.add_event(&fair("Site visit", "Engineering", 14, 10), None).unwrap();
    let e = er
        .move_event("Site visit", at(2026, 12, 7, 15, 0), None, None)
        .unwrap_err();
    assert_eq!(clashes_of(e)[0].title, "Civil fair");
    assert_eq!(er.find_event("Site visit").unwrap().start, at(2026, 12, 14, 10, 0));
    let moved = er
        .move_event("Site visit", at(2026, 12, 10, 10, 0), Some(60), None)
        .unwrap();
    assert_eq!(moved.end, at(2026, 12, 10, 11, 0));
    // Moving within its own old time never clashes with itself.
    er.move_event("Site visit", at(2026, 12, 10, 10, 30), None, None)
        .unwrap();
}

#[test]
fn evt_01_writes_need_permission_and_bad_input_is_named() {
    let w = world();
    let desk = w.as_("desk1");
    let e = desk
        .add_event(&fair("Civil fair", "Engineering", 7, 10), None)
        .unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    let er = w.as_("er1");
    let mut bad = fair("", "Engineering", 7, 10);
    assert!(er.add_event(&bad, None).unwrap_err().to_string().contains("title"));
    bad.title = "Fair".into();
    bad.capacity = 0;
    assert!(er.add_event(&bad, None).unwrap_err().to_string().contains("capacity"));
    bad.capacity = 10;
    bad.minutes = 0;
    assert!(er.add_event(&bad, None).unwrap_err().to_string().contains("minutes"));
    assert!(er.events().unwrap().is_empty());
    assert_eq!(desk.events().unwrap().len(), 0, "desk staff may list events");
}

#[test]
fn evt_02_opening_an_event_to_another_school_records_the_consultation() {
    let w = world();
    let er = w.as_("er1");
    er.add_event(&fair("Civil fair", "Engineering", 7, 10), None).unwrap();
    let e = er.open_event("Civil fair", "Natural Sciences", "nobody").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let opened = er.open_event("Civil fair", "Natural Sciences", "sup1").unwrap();
    assert_eq!(opened.audience_schools, ["Engineering", "Natural Sciences"]);
    let c = &opened.consultations[0];
    assert_eq!(c.school, "Natural Sciences");
    assert_eq!(c.at, at(2026, 11, 30, 8, 0));
    assert_eq!(Some(c.consulted), w.as_("sup1").operator().id.into());
    assert!(last_audit(&w).detail.contains("consulting sup1"));
    let again = er.open_event("Civil fair", "natural sciences", "sup1").unwrap_err();
    assert_eq!(again.exit_code(), 2);
    let desk = w.as_("desk1");
    assert_eq!(desk.open_event("Civil fair", "Law", "sup1").unwrap_err().exit_code(), 4);
}

/// A tracing subscriber writing into a buffer, to see which records a call read.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What `f` logged.
fn logged(f: impl FnOnce()) -> String {
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&out.0.lock().unwrap()).into_owned();
    text
}

#[test]
fn evt_01_indexed_clash_check_finds_the_same_clashes_as_the_whole_calendar() {
    use careerdesk::domain::clash;
    use careerdesk::domain::ids::{EmployerId, EventId};
    use chrono::Duration;

    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    clock.set(at(2026, 11, 30, 8, 0));
    let admin = init(tmp.path(), clock.clone());
    admin
        .add_operator(&staff("er1", &[Role::EmployerRelations], Some("2026-01-01")))
        .unwrap();
    let er = sign_in_via(&admin, "er1", STAFF_PASSWORD, clock.clone()).unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let sectors = ["Engineering", "Law", "Finance"];
    let programmes = ["MEng Civil", "LLB Law", "BSc Physics", "MBA"];
    // Generated calendars: 150 events over 90 days from half an hour to three days long, some
    // sharing an employer, a sector or a programme.
    let base = at(2026, 12, 1, 0, 0);
    let random_event = |next: &mut dyn FnMut(u64) -> u64, i: u64| NewEvent {
        title: format!("Generated event {i}"),
        sector: sectors[next(3) as usize].into(),
        start: base + Duration::minutes(next(90 * 24 * 4) as i64 * 15),
        minutes: if next(10) == 0 {
            3 * 24 * 60
        } else {
            30 + next(8) as u32 * 30
        },
        capacity: 30,
        employers: (0..next(3)).map(|_| EmployerId(1 + u128::from(next(5)))).collect(),
        target_programmes: (0..next(2)).map(|_| programmes[next(4) as usize].to_string()).collect(),
        ..NewEvent::default()
    };
    for i in 0..150 {
        er.add_event(&random_event(&mut next, i), Some("generated calendar"))
            .unwrap();
    }
    let gap = Duration::hours(i64::from(er.policy().events.clash_gap_hours));
    let all = er.events().unwrap();
    let (mut found, mut outside) = (0, 0);
    // New events, and stored ones moved, each checked both ways.
    for i in 0..120 {
        let probe = if i % 3 == 0 {
            let mut moved = all[next(all.len() as u64) as usize].clone();
            let shift = Duration::minutes(next(8 * 24 * 4) as i64 * 15 - 4 * 24 * 60);
            moved.start += shift;
            moved.end += shift;
            moved
        } else {
            let n = random_event(&mut next, 1000 + i);
            careerdesk::domain::event::Event {
                id: EventId(u128::from(i) + 1),
                title: n.title,
                organiser: all[0].organiser,
                employers: n.employers,
                sector: n.sector,
                audience_schools: Vec::new(),
                target_programmes: n.target_programmes,
                start: n.start,
                end: n.start + Duration::minutes(i64::from(n.minutes)),
                location: String::new(),
                capacity: 30,
                consultations: Vec::new(),
            }
        };
        let want = clash::clashes(&probe, &all, gap);
        assert_eq!(er.event_clashes(&probe).unwrap(), want, "{probe:?}");
        found += want.len();
        let (from, to) = clash::window(&probe, gap, Duration::days(3));
        outside += all.iter().filter(|e| e.start < from || e.start >= to).count();
    }
    assert!(
        found > 100,
        "only {found} clashes found: the calendars are too sparse to compare"
    );
    assert!(outside > 10_000, "only {outside} events lay outside the windows");

    // An event a year away is not read: its record is damaged on disk, and the clash check of
    // an event this month says nothing about it, while reading the whole calendar does.
    let far = er
        .add_event(
            &NewEvent {
                title: "Far away fair".into(),
                sector: "Engineering".into(),
                start: at(2027, 12, 1, 10, 0),
                minutes: 60,
                capacity: 30,
                ..NewEvent::default()
            },
            None,
        )
        .unwrap();
    let near = all[0].clone();
    drop(er);
    drop(admin);
    {
        let db = raw_sled(store_dir(tmp.path()));
        let events = db.open_tree("events").unwrap();
        let other = events.get(near.id.0.to_be_bytes()).unwrap().unwrap();
        // Another record's sealed value under the far event's key does not open.
        events.insert(far.id.0.to_be_bytes(), other).unwrap();
        db.flush().unwrap();
    }
    let er = sign_in(tmp.path(), "er1", STAFF_PASSWORD, clock).unwrap();
    let mut moved = near.clone();
    moved.start += Duration::minutes(30);
    moved.end += Duration::minutes(30);
    let mut clashes = Vec::new();
    let text = logged(|| clashes = er.event_clashes(&moved).unwrap());
    assert!(!text.contains("event record skipped"), "{text}");
    assert_eq!(clashes, clash::clashes(&moved, &all, gap));
    let text = logged(|| {
        er.events().unwrap();
    });
    assert!(text.contains("event record skipped"), "{text}");
}
