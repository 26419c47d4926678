//! Employer relations at scale, on a store generated here (the demo data has one event per
//! 2,000 clients, too few), on the clock pinned to the demo data's busy weekday (Tue 17 Nov
//! 2026):
//!
//! - `clash_check`: the event clash check (EVT-01) for a new event on that day against 20,000
//!   events around it, as `event add` runs it (`Desk::event_clashes`: the events starting in
//!   `domain::clash::window` read through the index of events by start, then
//!   `domain::clash::clashes`), and the pure check alone on all 20,000 events in memory.
//!   Target: <= 2 ms.
//! - `employer_search`: `Desk::find_employers` over 5,000 employers by a word of the name or
//!   sector and a tag, by three tags with and without a word (the tag index intersects the
//!   tags before any employer is read), and by a word alone (every employer read). Target:
//!   <= 1 ms for the tag searches.
//!
//! Each prints its figure beside an anchor measured in the same process: a naive scan over the
//! same records in memory (time overlap only for the clash check; lower-case `contains` and a
//! tag comparison for the search), and the ratio.
//!
//! ```sh
//! cargo bench --bench employers
//! ```

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use careerdesk::desk::Desk;
use careerdesk::domain::clash;
use careerdesk::domain::employer::{Employer, Ownership};
use careerdesk::domain::event::Event;
use careerdesk::domain::ids::{EmployerId, EventId, OperatorId};
use chrono::Duration as Span;
use criterion::{criterion_group, criterion_main, Criterion};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Events on the calendar.
const EVENTS: usize = 20_000;
/// Employers held.
const EMPLOYERS: usize = 5_000;
/// Timed runs of each query for the spread.
const RUNS: usize = 200;

const SECTORS: [&str; 12] = [
    "engineering",
    "law",
    "finance",
    "health",
    "education",
    "media",
    "retail",
    "energy",
    "software",
    "public sector",
    "charity",
    "consulting",
];
const TAGS: [&str; 24] = [
    "graduate-scheme",
    "internships",
    "placements",
    "fairs",
    "stem",
    "sponsorship",
    "mentoring",
    "diversity",
    "alumni",
    "startups",
    "research",
    "volunteering",
    "apprenticeships",
    "insight-days",
    "case-studies",
    "campus-talks",
    "hackathons",
    "scholarships",
    "part-time",
    "remote",
    "overseas",
    "postgraduate",
    "summer",
    "local",
];
const WORDS: [&str; 16] = [
    "North", "River", "Bright", "Stone", "Oak", "Harbour", "Summit", "Vale", "Crown", "Beacon", "Meadow", "Forge",
    "Atlas", "Cedar", "Lantern", "Quarry",
];
const PROGRAMMES: [&str; 10] = [
    "MEng Civil",
    "BSc Physics",
    "LLB Law",
    "BA History",
    "BSc Computer Science",
    "MBA",
    "BSc Nursing",
    "BA English",
    "MSc Finance",
    "BEng Electronics",
];

/// A new store in a temporary folder on the pinned clock, with the employers and events loaded
/// in bulk; the employers and events are returned too, for the in-memory anchors.
fn generated() -> (tempfile::TempDir, Desk, Vec<Employer>, Vec<Event>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&root).expect("bench data dir");
    let tmp = tempfile::tempdir_in(&root).expect("temp dir");
    let desk = Desk::init(
        &tmp.path().join("store"),
        support::policy(),
        "admin",
        "Admin",
        support::PASSWORD,
        support::clock(),
    )
    .expect("init");
    let now = support::busy_weekday();
    let mut rng = StdRng::seed_from_u64(17);
    let mut bulk = desk.store().bulk();
    let mut employers = Vec::with_capacity(EMPLOYERS);
    for i in 0..EMPLOYERS {
        let mut tags: Vec<String> = (0..rng.gen_range(1..=3))
            .map(|_| TAGS[rng.gen_range(0..TAGS.len())].to_string())
            .collect();
        tags.sort();
        tags.dedup();
        let e = Employer {
            id: EmployerId::new_at(1_700_000_000_000 + i as u64),
            name: format!(
                "{} {} {i}",
                WORDS[rng.gen_range(0..WORDS.len())],
                WORDS[rng.gen_range(0..WORDS.len())]
            ),
            sector: SECTORS[rng.gen_range(0..SECTORS.len())].to_string(),
            website: None,
            tags,
            ownership: Ownership::Open,
            self_registered: false,
            created_at: now,
        };
        bulk.put(&e).expect("employer");
        employers.push(e);
    }
    let mut events = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        // Two years either side of the day, in working hours: about 27 events a day.
        let start = now + Span::days(rng.gen_range(-365..365)) + Span::minutes(rng.gen_range(-90..420));
        let ev = Event {
            id: EventId::new_at(1_700_000_000_000 + i as u64),
            title: format!("Event {i}"),
            organiser: OperatorId(1),
            employers: (0..rng.gen_range(0..=2))
                .map(|_| employers[rng.gen_range(0..employers.len())].id)
                .collect(),
            sector: SECTORS[rng.gen_range(0..SECTORS.len())].to_string(),
            audience_schools: vec!["Engineering".into()],
            target_programmes: vec![PROGRAMMES[rng.gen_range(0..PROGRAMMES.len())].to_string()],
            start,
            end: start + Span::minutes(rng.gen_range(60..240)),
            location: "Main hall".into(),
            capacity: 100,
            consultations: Vec::new(),
        };
        bulk.put(&ev).expect("event");
        events.push(ev);
    }
    bulk.finish(&|_, _| {}).expect("bulk load");
    (tmp, desk, employers, events)
}

/// The event being added: that afternoon, engineering, for MEng Civil, with one employer.
fn new_event(employers: &[Employer]) -> Event {
    let start = support::busy_weekday() + Span::hours(4);
    Event {
        id: EventId(1),
        title: "New fair".into(),
        organiser: OperatorId(1),
        employers: vec![employers[0].id],
        sector: "engineering".into(),
        audience_schools: vec!["Engineering".into()],
        target_programmes: vec!["MEng Civil".into()],
        start,
        end: start + Span::hours(2),
        location: "Main hall".into(),
        capacity: 100,
        consultations: Vec::new(),
    }
}

/// The anchor for the clash check: how many events overlap the new one in time, by one pass.
fn naive_overlaps(new: &Event, events: &[Event]) -> usize {
    events.iter().filter(|e| e.start < new.end && new.start < e.end).count()
}

/// The anchor for the search: every employer in memory, lower-cased, checked for the word and
/// the tags.
fn naive_search(employers: &[Employer], word: &str, tags: &[&str]) -> usize {
    employers
        .iter()
        .filter(|e| tags.iter().all(|t| e.tags.iter().any(|et| et == t)))
        .filter(|e| format!("{} {}", e.name, e.sector).to_lowercase().contains(word))
        .count()
}

fn spread(mut f: impl FnMut()) -> support::Spread {
    let times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    support::Spread::of(&times)
}

fn benches(c: &mut Criterion) {
    let t = Instant::now();
    let (_tmp, desk, employers, events) = generated();
    eprintln!(
        "generated {} employers and {} events in {:.1?}",
        employers.len(),
        events.len(),
        t.elapsed()
    );
    let gap = Span::hours(i64::from(desk.policy().events.clash_gap_hours));

    // (a) The clash check.
    let ev = new_event(&employers);
    let found = desk.event_clashes(&ev).expect("clashes").len();
    eprintln!(
        "clash check: {found} clashes among {} events ({} overlap in time)",
        events.len(),
        naive_overlaps(&ev, &events)
    );
    let anchor = spread(|| {
        black_box(naive_overlaps(black_box(&ev), &events));
    })
    .p50;
    let pure = spread(|| {
        black_box(clash::clashes(black_box(&ev), &events, gap));
    });
    let through_desk = spread(|| {
        black_box(desk.event_clashes(black_box(&ev)).expect("clashes"));
    });
    let target = Duration::from_millis(2);
    let naive = "naive overlap scan in memory";
    support::report_absolute(
        "clash_check, as event add runs it (p50)",
        through_desk.p50,
        target,
        naive,
        anchor,
    );
    support::report_absolute(
        "clash_check, as event add runs it (p99)",
        through_desk.p99,
        target,
        naive,
        anchor,
    );
    support::report_absolute(
        "clash_check, the pure rule on events in memory (p50)",
        pure.p50,
        target,
        naive,
        anchor,
    );
    support::report_absolute(
        "clash_check, the pure rule on events in memory (p99)",
        pure.p99,
        target,
        naive,
        anchor,
    );

    // (b) The employer search: a word and a tag, then a word alone.
    let queries: Vec<(String, &str)> = (0..8).map(|i| (WORDS[i * 2].to_lowercase(), TAGS[i * 3])).collect();
    let hits: usize = queries
        .iter()
        .map(|(w, t)| desk.find_employers(w, &[t.to_string()]).expect("search").len())
        .sum();
    eprintln!(
        "employer search: {} queries of a word and a tag over {} employers, {hits} hits in all",
        queries.len(),
        employers.len()
    );
    let mut k = 0usize;
    let anchor = spread(|| {
        let (w, t) = &queries[k % queries.len()];
        k += 1;
        black_box(naive_search(&employers, w, &[t]));
    })
    .p50;
    let tagged = spread(|| {
        let (w, t) = &queries[k % queries.len()];
        k += 1;
        black_box(desk.find_employers(w, &[t.to_string()]).expect("search"));
    });
    let target = Duration::from_millis(1);
    let naive = "naive scan in memory";
    support::report_absolute("employer_search, text + tag (p50)", tagged.p50, target, naive, anchor);
    support::report_absolute("employer_search, text + tag (p99)", tagged.p99, target, naive, anchor);
    let text_anchor = spread(|| {
        let (w, _) = &queries[k % queries.len()];
        k += 1;
        black_box(naive_search(&employers, w, &[]));
    })
    .p50;
    let text_only = spread(|| {
        let (w, _) = &queries[k % queries.len()];
        k += 1;
        black_box(desk.find_employers(w, &[]).expect("search"));
    });
    // Three tags, with and without a word.
    let three: Vec<(String, [String; 3])> = (0..8)
        .map(|i| {
            (
                WORDS[i * 2].to_lowercase(),
                [
                    TAGS[i * 3],
                    TAGS[(i * 3 + 7) % TAGS.len()],
                    TAGS[(i * 3 + 13) % TAGS.len()],
                ]
                .map(String::from),
            )
        })
        .collect();
    let hits: usize = three
        .iter()
        .map(|(_, t)| desk.find_employers("", t).expect("search").len())
        .sum();
    eprintln!(
        "employer search: {} queries of three tags over {} employers, {hits} hits in all",
        three.len(),
        employers.len()
    );
    let three_anchor = spread(|| {
        let (_, t) = &three[k % three.len()];
        k += 1;
        let t: Vec<&str> = t.iter().map(String::as_str).collect();
        black_box(naive_search(&employers, "", &t));
    })
    .p50;
    let three_tags = spread(|| {
        let (_, t) = &three[k % three.len()];
        k += 1;
        black_box(desk.find_employers("", t).expect("search"));
    });
    let three_and_text = spread(|| {
        let (w, t) = &three[k % three.len()];
        k += 1;
        black_box(desk.find_employers(w, t).expect("search"));
    });
    support::report_absolute(
        "employer_search, three tags (p50)",
        three_tags.p50,
        target,
        naive,
        three_anchor,
    );
    support::report_absolute(
        "employer_search, three tags (p99)",
        three_tags.p99,
        target,
        naive,
        three_anchor,
    );
    support::report_absolute(
        "employer_search, text + three tags (p50)",
        three_and_text.p50,
        target,
        naive,
        three_anchor,
    );
    support::report_absolute(
        "employer_search, text + three tags (p99)",
        three_and_text.p99,
        target,
        naive,
        three_anchor,
    );
    support::report_absolute(
        "employer_search, text alone (p50)",
        text_only.p50,
        target,
        naive,
        text_anchor,
    );

    let mut g = c.benchmark_group("employers");
    g.bench_function(format!("clash_check/{EVENTS}_events"), |b| {
        b.iter(|| black_box(desk.event_clashes(black_box(&ev)).expect("clashes")))
    });
    g.bench_function(format!("clash_rule/{EVENTS}_events_in_memory"), |b| {
        b.iter(|| black_box(clash::clashes(black_box(&ev), &events, gap)))
    });
    g.bench_function(format!("search_text_and_tag/{EMPLOYERS}_employers"), |b| {
        b.iter(|| {
            let (w, t) = &queries[k % queries.len()];
            k += 1;
            black_box(desk.find_employers(w, &[t.to_string()]).expect("search"))
        })
    });
    g.finish();
}

criterion_group!(employers, benches);
criterion_main!(employers);
