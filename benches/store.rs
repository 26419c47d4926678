//! Store benchmarks on generated data. The store size is CAREERDESK_BENCH_CLIENTS (default
//! 20000; the targets are stated for 200000, about a million appointments):
//!
//! ```sh
//! CAREERDESK_BENCH_CLIENTS=200000 cargo bench --bench store
//! ```

use std::hint::black_box;
use std::sync::Arc;

use careerdesk::desk::{Desk, NewClient, SystemClock};
use careerdesk::policy::{example, Policy};
use careerdesk::store::LockedStore;
use criterion::{criterion_group, criterion_main, Criterion};

const PASSWORD: &str = "bench-password-1";

fn policy() -> Policy {
    Policy::parse(example("standard").map(|e| e.text).unwrap_or_default(), "standard").expect("standard policy")
}

fn client(i: u64) -> NewClient {
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

/// Set (to a store directory) when this bench runs itself again as a fresh process.
const FRESH: &str = "CAREERDESK_BENCH_FRESH_OPEN";

/// In a fresh process: open, unlock and build the client directory once, then print the time
/// and the peak resident memory (Linux `VmHWM`), which is what a desk terminal pays at start.
fn fresh_open(dir: &str) -> ! {
    let t = std::time::Instant::now();
    let locked = LockedStore::open(std::path::Path::new(dir)).expect("open");
    let desk = Desk::sign_in(&locked, policy(), "admin", PASSWORD, Arc::new(SystemClock)).expect("sign in");
    let clients = desk.build_directory().expect("directory").len();
    let elapsed = t.elapsed();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: (not available on this system)");
    println!(
        "{clients} clients: {elapsed:?}, {}",
        peak.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
    );
    std::process::exit(0)
}

/// Runs [`fresh_open`] in new processes and reports each.
fn fresh_opens(dir: &std::path::Path, n: usize) {
    let Ok(exe) = std::env::current_exe() else { return };
    for run in 1..=5 {
        let out = std::process::Command::new(&exe).env(FRESH, dir).arg("--bench").output();
        match out {
            Ok(o) => eprintln!(
                "open_unlock_build_directory in a fresh process/{n}_clients, run {run}: {}",
                String::from_utf8_lossy(&o.stdout).trim()
            ),
            Err(e) => eprintln!("could not start a fresh process: {e}"),
        }
    }
}

fn benches(c: &mut Criterion) {
    if let Ok(dir) = std::env::var(FRESH) {
        fresh_open(&dir);
    }
    let n: usize = std::env::var("CAREERDESK_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("store");
    let desk = Desk::init(&dir, policy(), "admin", "Admin", PASSWORD, Arc::new(SystemClock)).expect("init");
    let summary = careerdesk::demo::generate(&desk, n, 1, &careerdesk::demo::Progress::Hidden).expect("demo data");
    eprintln!("bench store: {summary}");

    let mut i = 0u64;
    c.bench_function(&format!("durable_client_write/{n}_clients"), |b| {
        b.iter(|| {
            i += 1;
            black_box(desk.add_client(&client(i).parse().expect("valid")).expect("write"))
        })
    });

    // Booking with every check, durable: fresh clients (no history) into free future slots.
    let free: Vec<_> = ["guidance", "applications", "drop-in"]
        .iter()
        .flat_map(|t| desk.free_slots(&(*t).into(), 28, 100_000).expect("free slots"))
        .collect();
    let fresh: Vec<_> = (0..free.len().min(5_000) as u64)
        .map(|j| {
            desk.add_client(&client(1_000_000 + j).parse().expect("valid"))
                .expect("client")
        })
        .collect();
    // Each slot can be booked once, so this is timed by hand: every booking succeeds.
    let mut times: Vec<std::time::Duration> = Vec::with_capacity(fresh.len());
    for (cl, slot) in fresh.iter().zip(&free) {
        let t = std::time::Instant::now();
        desk.book_slot(cl, slot.id, desk.now()).expect("booking");
        times.push(t.elapsed());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    eprintln!(
        "durable_booking_with_checks/{n}_clients: {} bookings, p50 {:?}, p99 {:?}, max {:?}",
        times.len(),
        pct(0.5),
        pct(0.99),
        times[times.len() - 1]
    );

    let mut g = c.benchmark_group("directory");
    g.bench_function(format!("find_3_letters/{n}_clients"), |b| {
        b.iter(|| black_box(desk.find_clients("ais", 50).expect("find").len()))
    });
    g.finish();
    drop(desk);
    // The first open after a large load replays sled's log and writes its snapshot; the runs
    // after it are what a terminal sees every morning.
    fresh_opens(&dir, n);

    let mut g = c.benchmark_group("open");
    g.sample_size(10);
    g.bench_function(format!("open_unlock_build_directory/{n}_clients"), |b| {
        b.iter(|| {
            let locked = LockedStore::open(&dir).expect("open");
            let desk = Desk::sign_in(&locked, policy(), "admin", PASSWORD, Arc::new(SystemClock)).expect("sign in");
            black_box(desk.build_directory().expect("directory").len())
        })
    });
    g.finish();
}

criterion_group!(store, benches);
criterion_main!(store);
