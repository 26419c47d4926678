//! Erasure and per-client keys on the cached demo store (`support::demo_copy`, 200,000 clients
//! by default), on the clock pinned to the busy weekday of the demo data (Tue 17 Nov 2026):
//!
//! - `erase_one_client`: `Desk::erase_client` for the clients of the demo data with the most
//!   history (appointments, notes, messages), each on the same copy, one after another.
//!   Target: <= 50 ms each (an absolute target), shown beside sled's own insert + flush.
//! - `open_unlock_directory`: open, unlock and read every client into the directory with
//!   per-client keys (each key unwrapped once), and the resident memory after it.
//!   Target: <= 1 s and <= 300 MB.
//! - `purge_10000`: `Desk::purge` of 10,000 clients past retention (their course end moved
//!   back to 2014 first, on the same copy), with its progress. Target: under a minute.
//!
//! ```sh
//! cargo bench --bench erasure
//! ```

mod support;

use std::time::{Duration, Instant};

use careerdesk::desk::ClientEdit;
use careerdesk::domain::client::Client;

/// How many clients are erased per run.
const ERASURES: usize = 20;
/// How many clients are looked at to find those with the most history.
const SAMPLE: usize = 4_000;
/// How many clients the purge finds past retention.
const PURGED: usize = 10_000;

fn main() {
    let n = support::clients();
    let (_tmp, paths) = support::demo_copy(n);
    let anchor = support::sled_insert_flush(_tmp.path(), 200).p50;

    let t = Instant::now();
    let desk = support::sign_in(&paths);
    let signed_in = t.elapsed();
    let t = Instant::now();
    let directory = desk.build_directory().expect("directory");
    let read = t.elapsed();
    let resident = resident_mb();
    eprintln!(
        "open + unlock: {signed_in:.2?}, every client read into the directory ({} clients, each key unwrapped once): {read:.2?}",
        directory.len()
    );
    support::report_absolute(
        "open_unlock_directory",
        signed_in + read,
        Duration::from_secs(1),
        "sled insert+flush",
        anchor,
    );
    eprintln!("resident after the directory: {resident} MB (target <= 300 MB)");
    drop(directory);

    // The clients with the most appointments among a sample.
    let mut sample: Vec<(usize, Client)> = desk
        .store()
        .scan::<Client>()
        .expect("scan")
        .filter_map(Result::ok)
        .take(SAMPLE)
        .map(|c| (desk.client_appointments(c.id).map(|a| a.len()).unwrap_or(0), c))
        .collect();
    sample.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut times = Vec::new();
    let mut records = 0;
    for (appointments, c) in sample.into_iter().take(ERASURES) {
        let t = Instant::now();
        let done = desk
            .erase_client(&paths, &c.student_number, "benchmark")
            .expect("erase");
        times.push(t.elapsed());
        records += done.records;
        if times.len() == 1 {
            eprintln!(
                "first erased client: {appointments} appointments, {} records",
                done.records
            );
        }
    }
    let spread = support::Spread::of(&times);
    eprintln!("{} clients erased, {records} records in all", times.len());
    support::report_absolute(
        "erase_one_client (p50)",
        spread.p50,
        Duration::from_millis(50),
        "sled insert+flush",
        anchor,
    );
    support::report_absolute(
        "erase_one_client (worst)",
        spread.max,
        Duration::from_millis(50),
        "sled insert+flush",
        anchor,
    );

    // 10,000 clients whose course ended in 2014: past any source's retention at the pinned day.
    let expired: Vec<Client> = desk
        .store()
        .scan::<Client>()
        .expect("scan")
        .filter_map(Result::ok)
        .take(PURGED)
        .collect();
    let old = ClientEdit {
        status: Some("graduate".into()),
        course_end: Some("2014-06-30".into()),
        ..ClientEdit::default()
    }
    .parse()
    .expect("changes");
    let t = Instant::now();
    for c in &expired {
        desk.edit_client(c.id, &old).expect("edit");
    }
    eprintln!(
        "{} clients' course end moved to 2014 in {:.1?}",
        expired.len(),
        t.elapsed()
    );
    let told = std::sync::atomic::AtomicU64::new(0);
    let progress = |_: &str, _: u64, _: u64| {
        told.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let t = Instant::now();
    let purged = desk.purge(&paths, false, &progress).expect("purge");
    let took = t.elapsed();
    eprintln!(
        "purge: {} clients erased, {} records, progress told {} times",
        purged.clients.len(),
        purged.records,
        told.into_inner()
    );
    support::report_absolute(
        "purge_10000",
        took,
        Duration::from_secs(60),
        "sled insert+flush",
        anchor,
    );
    if let Some(m) = support::peak_memory() {
        eprintln!("peak memory: {m}");
    }
}

/// This process's resident memory now, in MB (Linux), or 0 when the system does not say.
fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
