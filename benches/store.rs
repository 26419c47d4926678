//! Durable writes through the desk on the cached demo store (`support::demo_copy`, 200,000
//! clients by default, CAREERDESK_BENCH_CLIENTS to change), on the clock pinned to the busy
//! weekday of the demo data (Tue 17 Nov 2026):
//!
//! - `durable_client_write`: `Desk::add_client`, one commit and one flush each;
//! - `durable_booking_with_checks`: `Desk::book_slot` with every rule, a new client into a
//!   free slot on or after the busy weekday (the desk's own `free_slots`);
//! - the same for clients of the demo data who already have appointments (their history is
//!   read and checked); refused bookings are counted and left out of the timings.
//!
//! Each figure is reported against sled's own durable write (300 B inserted and flushed, in a
//! fresh tree beside the store), measured in the same process before and after the writes.
//! Target: p50 <= 3x that anchor.
//!
//! ```sh
//! cargo bench --bench store
//! ```

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use careerdesk::desk::{Desk, NewClient};
use careerdesk::domain::appointment::Slot;
use careerdesk::domain::client::Client;
use support::Spread;

/// How many clients are added, and (as many) bookings made, per run.
const WRITES: usize = 5_000;
/// How many anchor writes are timed before and after.
const ANCHOR_WRITES: usize = 2_000;
/// How many demo clients with a history are tried.
const WITH_HISTORY: usize = 1_000;
/// The target: p50 of a durable desk write against sled's own insert and flush.
const TARGET_RATIO: f64 = 3.0;

fn client(i: usize) -> NewClient {
    NewClient {
        student_number: format!("9{i:08}"),
        name: format!("Bench Client {i}"),
        email: format!("bench{i}@student.example.ac.uk"),
        phone: None,
        programme: "BSc Physics".into(),
        school: None,
        level: "ug".into(),
        status: "student".into(),
        course_end: None,
        contact: None,
    }
}

fn print_spread(what: &str, count: usize, s: &Spread) {
    eprintln!(
        "{what}: {count} writes, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        s.p50, s.p99, s.max
    );
}

/// Free slots of the types any new client may book (mock interviews need a workshop first),
/// from the pinned clock's moment on, in time order.
fn free_slots(desk: &Desk) -> Vec<Slot> {
    let mut free: Vec<Slot> = ["guidance", "applications", "drop-in"]
        .iter()
        .flat_map(|t| desk.free_slots(&(*t).into(), 28, usize::MAX).expect("free slots"))
        .collect();
    free.sort_by_key(|s| (s.start, s.id));
    free
}

/// Demo clients who already have appointments: the clients of the busy weekday's bookings.
fn clients_with_history(desk: &Desk, limit: usize) -> Vec<Client> {
    let mut out: Vec<Client> = Vec::new();
    for slot in desk.calendar(desk.today(), 1, None).expect("the day's slots") {
        if out.len() >= limit {
            break;
        }
        if let Some(a) = desk.slot_appointment(&slot).expect("booking") {
            if !out.iter().any(|c| c.id == a.client) {
                out.push(desk.client(a.client).expect("client"));
            }
        }
    }
    out
}

fn anchor(dir: &Path, name: &str) -> Spread {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir).expect("anchor dir");
    let s = support::sled_insert_flush(&dir, ANCHOR_WRITES);
    print_spread(&format!("anchor sled_insert_flush ({name})"), ANCHOR_WRITES, &s);
    s
}

fn main() {
    let n = support::clients();
    let (tmp, paths) = support::demo_copy(n);
    let desk = support::sign_in(&paths);
    eprintln!("bench store: {n} demo clients, pinned at {}", support::busy_weekday());

    let before = anchor(tmp.path(), "anchor-before");

    let mut times: Vec<Duration> = Vec::with_capacity(WRITES);
    let mut fresh: Vec<Client> = Vec::with_capacity(WRITES);
    for i in 0..WRITES {
        let details = client(i).parse().expect("valid client");
        let t = Instant::now();
        let c = desk.add_client(&details).expect("client write");
        times.push(t.elapsed());
        fresh.push(c);
    }
    let client_writes = Spread::of(&times);

    let free = free_slots(&desk);
    eprintln!("{} free slots from {} on", free.len(), desk.today());
    assert!(free.len() >= WRITES + WITH_HISTORY, "too few free slots to book into");
    let mut slots = free.into_iter();

    // Every slot can be booked once, so bookings are timed one by one; every one must succeed.
    let mut times: Vec<Duration> = Vec::with_capacity(WRITES);
    for (c, slot) in fresh.iter().zip(slots.by_ref()) {
        let t = Instant::now();
        desk.book_slot(c, slot.id, desk.now()).expect("booking");
        times.push(t.elapsed());
    }
    let bookings = Spread::of(&times);

    // Clients with appointments already: a booking the rules refuse (fair use, allocation) is
    // counted and not timed; the slot stays free for the next client.
    let known = clients_with_history(&desk, WITH_HISTORY);
    let mut times: Vec<Duration> = Vec::with_capacity(known.len());
    let mut refused = 0;
    let mut slot = slots.next();
    for c in &known {
        let Some(s) = &slot else { break };
        let t = Instant::now();
        match desk.book_slot(c, s.id, desk.now()) {
            Ok(_) => {
                times.push(t.elapsed());
                slot = slots.next();
            }
            Err(careerdesk::desk::DeskError::Refused(_)) => refused += 1,
            Err(e) => panic!("booking a known client: {e}"),
        }
    }
    let with_history = (!times.is_empty()).then(|| Spread::of(&times));

    let after = anchor(tmp.path(), "anchor-after");
    // The anchor is the lower of the two p50s: the floor sled showed in this run, so a noisy
    // anchor run never flatters the ratio.
    let floor = before.p50.min(after.p50);

    print_spread(&format!("durable_client_write/{n}_clients"), WRITES, &client_writes);
    print_spread(&format!("durable_booking_with_checks/{n}_clients"), WRITES, &bookings);
    if let Some(s) = &with_history {
        print_spread(
            &format!(
                "durable_booking_with_checks, clients with history/{n}_clients ({refused} of {} refused by the rules)",
                known.len()
            ),
            times.len(),
            s,
        );
    }
    support::report(
        "durable_client_write p50",
        client_writes.p50,
        "sled insert+flush p50 (lower of before/after)",
        floor,
        TARGET_RATIO,
    );
    support::report(
        "durable_booking_with_checks p50",
        bookings.p50,
        "sled insert+flush p50 (lower of before/after)",
        floor,
        TARGET_RATIO,
    );
    if let Some(s) = &with_history {
        support::report(
            "durable_booking_with_checks (clients with history) p50",
            s.p50,
            "sled insert+flush p50 (lower of before/after)",
            floor,
            TARGET_RATIO,
        );
    }
    if let Some(peak) = support::peak_memory() {
        eprintln!("peak resident memory: {peak}");
    }
    drop(desk);
    drop(tmp);
}
