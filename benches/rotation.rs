//! Rotating every client's key at once (`careerdesk store rotate-keys`, decision 0018) on a
//! copy of the cached demo store (`support::demo_copy`, 200,000 clients by default), on the
//! clock pinned to the busy weekday of the demo data (Tue 17 Nov 2026): how long it takes,
//! what it re-seals, and the process's peak memory (the audit chain's later links are held
//! in memory while it is rewritten). There is no target in the issue; the figure says what a
//! whole-store rotation costs. The anchor is sled's own insert + flush in the same run.
//!
//! ```sh
//! cargo bench --bench rotation
//! ```

mod support;

use std::time::Instant;

fn main() {
    let n = support::clients();
    let (_tmp, paths) = support::demo_copy(n);
    let anchor = support::sled_insert_flush(_tmp.path(), 200).p50;
    let desk = support::sign_in(&paths);
    let t = Instant::now();
    let done = desk.rotate_keys(None).expect("rotate every client's key");
    let took = t.elapsed();
    eprintln!(
        "rotate-keys, every client ({n} in the demo store): {took:.2?}; {} clients, {} records, {} ops, {} audit entries re-sealed, {} chain links recomputed, {} old keys destroyed",
        done.clients, done.records, done.ops, done.audit, done.links, done.keys_destroyed
    );
    eprintln!(
        "anchor sled insert+flush p50: {anchor:.2?} (ratio {:.0})",
        took.as_secs_f64() / anchor.as_secs_f64().max(1e-9)
    );
    if let Some(peak) = support::peak_memory() {
        eprintln!("peak resident memory: {peak}");
    }
    // A second rotation finds every client at the new generation and does it all again: it
    // is not idempotent by design (each run is a new generation), so it is not timed here.
    let check = desk.check_store().expect("check");
    eprintln!("store check after it: {} damaged item(s)", check.problems.len());
}
