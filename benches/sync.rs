//! Sync over loopback TLS against an in-process server (`Server::serve` on 127.0.0.1:0, on a
//! runtime thread of its own), with desks made by the desk service layer on the clock pinned to
//! the busy weekday of the demo data (Tue 17 Nov 2026):
//!
//! - `pull`: a fresh desk pulls at least 50,000 ops (`Desk::sync_now`), and the same ops are
//!   pulled again by a bare `client::Session` that keeps nothing (the transport alone).
//!   Target: >= 50,000 ops/s. Anchors, same run: sled's own insert of as many 300-byte values
//!   in one batch and a flush, and a raw TLS copy of the same bytes over loopback.
//! - `merge`: desk A makes 10,000 ops of new clients; a desk of the same institution with no
//!   records (set up from A's backup before any of them) pulls every op A made and merges it.
//!   Target: the pull's >= 50,000 ops/s. Anchor: sled's batch insert of as many values and a
//!   flush. `CAREERDESK_BENCH_STOP_AFTER=merge` ends the bench there (for profiling).
//! - `incremental`: desk A makes 100 ops and syncs, desk B syncs and takes them, 20 rounds.
//!   Target: <= 100 ms each. Anchor: sled's insert of 100 300-byte values in one batch and a
//!   flush.
//! - `claims`: desk A makes 200 clients, a slot each and a provisional booking into it, and
//!   syncs: the server decides every claim. Anchor: the sync of as many ops of new clients
//!   just before, with nothing to claim. No target is set; the cost of a claim is printed.
//! - `load`: 200 simulated desks (sessions speaking the protocol, each its own enrolled
//!   terminal and replica), a round every 10 s each, staggered, for a bounded time
//!   (`CAREERDESK_BENCH_LOAD_SECS`, 60 s by default). Target: p99 round <= 200 ms.
//!
//! The ops are real desk commits: desk A adds a consultant, clients, slots and bookings; the
//! server's 50,000 are A's ops pushed again under fresh device ids by one enrolled terminal.
//! The 200,000-client bootstrap target is not measured: snapshot bootstrap is not built yet.
//!
//! ```sh
//! cargo bench --bench sync
//! ```

#[path = "sync_parts/claims.rs"]
mod claims;
#[path = "sync_parts/load.rs"]
mod load;
#[path = "sync_parts/net.rs"]
mod net;
#[path = "../tests/common/server.rs"]
#[allow(dead_code)]
mod server_harness;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use careerdesk::desk::{Desk, NewClient, NewOperator, NewSlot};
use careerdesk::domain::ids::DeviceId;
use careerdesk::domain::operator::{Login, Role};
use careerdesk::domain::sync::{OpBody, SealedOp};
use careerdesk::sync::message::MAX_OPS_PER_FRAME;
use careerdesk::sync::tls::show_fingerprint;
use chrono::{Datelike, Duration as Days, TimeZone, Utc, Weekday};
use support::Spread;

/// At least this many ops are pulled in the throughput run.
const PULL_OPS: u64 = 50_000;
/// The throughput target, ops per second.
const TARGET_OPS_PER_S: f64 = 50_000.0;
/// Clients (each with a slot and a booking) desk A makes for the op templates.
const TEMPLATE_CLIENTS: usize = 150;
/// Ops of new clients desk A makes for the merge run, each a durable commit.
const MERGE_OPS: u64 = 10_000;
/// Ops per incremental round, and the rounds.
const INCREMENTAL_OPS: u64 = 100;
const INCREMENTAL_ROUNDS: usize = 20;
/// The incremental target.
const INCREMENTAL_TARGET: Duration = Duration::from_millis(100);

fn no_progress(_: &str, _: u64, _: u64) {}

fn new_desk(dir: &Path, name: &str) -> Desk {
    Desk::init(
        &dir.join(name),
        support::policy(),
        "admin",
        "Bench Admin",
        support::PASSWORD,
        support::clock(),
    )
    .expect("init a desk")
}

/// A second desk of `a`'s institution, set up as a service sets one up: `a`'s backup restored
/// in a folder of its own (a device id of its own), signed in as its administrator.
fn twin_of(a: &Desk, dir: &Path, name: &str) -> Desk {
    let src = careerdesk::paths::Paths::resolve(Some(&dir.join(format!("{name}-from"))));
    std::fs::create_dir_all(&src.data).expect("a folder");
    let text = careerdesk::policy::example("standard")
        .map(|e| e.text)
        .unwrap_or_default();
    std::fs::write(src.policy(), text).expect("a policy file");
    let backup = dir.join(format!("{name}-backup"));
    a.backup(&src, &backup).expect("back up desk A");
    let there = careerdesk::paths::Paths::resolve(Some(&dir.join(name)));
    Desk::restore(&there, &backup, "admin", support::PASSWORD, support::clock()).expect("restore");
    let locked = careerdesk::store::LockedStore::open(&there.store()).expect("open");
    Desk::sign_in(&locked, support::policy(), "admin", support::PASSWORD, support::clock()).expect("sign in")
}

fn client(tag: &str, i: usize) -> NewClient {
    NewClient {
        student_number: format!("{tag}{i:07}"),
        name: format!("Sync Client {i}"),
        email: format!("sync{tag}{i}@student.example.ac.uk"),
        phone: None,
        programme: "BSc Physics".into(),
        school: None,
        level: "ug".into(),
        status: "student".into(),
        course_end: None,
        contact: None,
    }
}

fn add_client(desk: &Desk, tag: &str, i: usize) -> careerdesk::domain::client::Client {
    let details = client(tag, i).parse().expect("valid client");
    desk.add_client(&details).expect("add a client")
}

/// Desk A's real commits: a consultant, then clients, each with a slot of the consultant's in
/// the four weeks after the pinned day and a booking into it. Returns (clients, slots, bookings).
fn make_history(desk: &Desk) -> (usize, usize, usize) {
    desk.add_operator(&NewOperator {
        login: "cons1".into(),
        name: "Bench Consultant".into(),
        roles: vec![Role::Consultant],
        trained_on: Some(support::busy_weekday().date_naive() - Days::days(30)),
        password: support::PASSWORD.into(),
    })
    .expect("a consultant");
    let consultant = Login::parse("cons1").expect("login");
    let mut starts = weekday_hours(1, 40);
    let (mut slots, mut bookings) = (0, 0);
    for i in 0..TEMPLATE_CLIENTS {
        let c = add_client(desk, "7", i);
        for start in starts.by_ref() {
            let slot = desk.add_slot(&NewSlot {
                consultant: consultant.clone(),
                appointment_type: "guidance".into(),
                start,
                minutes: None,
                location: None,
            });
            if let Ok(slot) = slot {
                slots += 1;
                if desk.book_slot(&c, slot.id, desk.now()).is_ok() {
                    bookings += 1;
                }
                break;
            }
        }
    }
    (TEMPLATE_CLIENTS, slots, bookings)
}

/// The hours 09:00 to 16:00 of each weekday among the `days` days from `from` days after the
/// pinned day: the starts of the consultant's slots.
fn weekday_hours(from: i64, days: i64) -> impl Iterator<Item = chrono::DateTime<Utc>> {
    let first = support::busy_weekday().date_naive() + Days::days(from);
    (0..days)
        .map(move |d| first + Days::days(d))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .flat_map(|d| (9..17).map(move |h| Utc.from_utc_datetime(&d.and_hms_opt(h, 0, 0).expect("time"))))
}

/// A template op as `device`'s op `seq`.
pub fn relabel(op: &SealedOp, device: DeviceId, seq: u64) -> SealedOp {
    let mut op = op.clone();
    op.device = device;
    op.seq = seq;
    op.hlc.device = device;
    op
}

/// sled's own floor for a durable batch: `n` 300-byte values inserted in one batch into a
/// fresh tree in `dir`, then flushed.
fn sled_batch(dir: &Path, n: usize) -> Duration {
    let db = sled::Config::new().path(dir).open().expect("sled");
    let value = [7u8; 300];
    let t = Instant::now();
    let mut batch = sled::Batch::default();
    for i in 0..n as u64 {
        batch.insert(&i.to_be_bytes(), &value[..]);
    }
    db.apply_batch(batch).expect("batch");
    db.flush().expect("flush");
    t.elapsed()
}

/// What a desk's storing of pulled pages costs sled alone: `n` values of `len` bytes, a page
/// of 1,000 at a time, each page one transaction over two trees (the ops and a cursor, as the
/// desk writes them) and a flush.
fn sled_pages(dir: &Path, n: usize, len: usize) -> Duration {
    use sled::transaction::{ConflictableTransactionError, Transactional};
    let db = sled::Config::new().path(dir).open().expect("sled");
    let (ops, meta) = (db.open_tree("ops").expect("tree"), db.open_tree("meta").expect("tree"));
    let value = vec![7u8; len];
    let t = Instant::now();
    for page in (0..n as u64).collect::<Vec<_>>().chunks(MAX_OPS_PER_FRAME as usize) {
        (&ops, &meta)
            .transaction(|(tx_ops, tx_meta)| {
                for i in page {
                    tx_ops.insert(&i.to_be_bytes(), value.clone())?;
                }
                tx_meta.insert(b"cursor", &page[page.len() - 1].to_be_bytes())?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .expect("transaction");
        db.flush().expect("flush");
    }
    t.elapsed()
}

/// Bytes of the files under `dir`.
fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => dir_size(&e.path()),
                _ => e.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-12)
}

fn print_spread(what: &str, count: usize, s: &Spread) {
    eprintln!(
        "{what}: {count} rounds, p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        s.p50, s.p99, s.max
    );
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&root).expect("bench data dir");
    let tmp = tempfile::tempdir_in(&root).expect("temp dir");
    let server = net::start_server(&tmp.path().join("server"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let endpoint = server.endpoint();
    let (addr, fp) = (endpoint.addr.clone(), show_fingerprint(&endpoint.fingerprint));
    eprintln!(
        "sync bench: server on {addr}, TLS 1.3; desks pinned at {}; fresh stores (not the demo data)",
        support::busy_weekday()
    );

    // Desk A's real commits, pushed by its own sync.
    let a = new_desk(tmp.path(), "desk-a");
    let institution = a.store().institution_check();
    // A desk of the institution with no records yet, for the merge run.
    let empty = twin_of(&a, tmp.path(), "desk-e");
    let t = Instant::now();
    let (clients, slots, bookings) = make_history(&a);
    a.enrol(&addr, &fp, &server.code(), "Bench desk A").expect("enrol A");
    let made = t.elapsed();
    let first = a.sync_now(&no_progress).expect("A's first sync");
    let templates = a.store().sealed_ops_after(0, usize::MAX).expect("A's ops");
    let size = |o: &SealedOp| match &o.body {
        OpBody::Sealed { entry, .. } => entry.len(),
        OpBody::Dropped | OpBody::DroppedKeepingHash { .. } => 0,
    };
    let mean = templates.iter().map(size).sum::<usize>() / templates.len().max(1);
    eprintln!(
        "desk A: {clients} clients, {slots} slots, {bookings} bookings = {} ops (sealed mean {mean} B) in {made:.2?}; pushed {}",
        templates.len(),
        first.pushed
    );

    // a0. Merging: A makes MERGE_OPS ops of new clients and pushes them; the desk with no
    // records pulls everything A made and merges it into its records, every op new to it.
    let t = Instant::now();
    for i in 0..MERGE_OPS {
        add_client(&a, "5", i as usize);
    }
    let making = t.elapsed();
    let more = a.sync_now(&no_progress).expect("A pushes its new clients");
    empty
        .enrol(&addr, &fp, &server.code(), "Bench desk E")
        .expect("enrol E");
    let t = Instant::now();
    let merged = empty.sync_now(&no_progress).expect("E's first sync");
    let merging = t.elapsed();
    let anchor_merge = sled_batch(&tmp.path().join("anchor-merge"), merged.merged as usize);
    eprintln!(
        "merge: desk A made {MERGE_OPS} ops of new clients in {making:.2?} and pushed {}; desk E pulled {} and merged {} ops ({} records, {} conflicts) in {merging:.2?}: {:.0} ops/s",
        more.pushed,
        merged.pulled,
        merged.merged,
        merged.records_changed,
        merged.conflicts,
        rate(merged.merged, merging)
    );
    support::report_absolute(
        "merge_whole_sync",
        merging,
        Duration::from_secs_f64(merged.pulled as f64 / TARGET_OPS_PER_S),
        &format!("sled batch insert+flush of {} x 300 B", merged.merged),
        anchor_merge,
    );
    drop(empty);
    if std::env::var("CAREERDESK_BENCH_STOP_AFTER").as_deref() == Ok("merge") {
        return;
    }

    // The server's 50,000: A's ops again under fresh device ids, pushed by one terminal.
    let loader = rt.block_on(net::Terminal::enrol(
        &endpoint,
        &server.code(),
        "Bench loader",
        institution,
    ));
    let copies = PULL_OPS
        .saturating_sub(templates.len() as u64)
        .div_ceil(templates.len() as u64);
    let t = Instant::now();
    rt.block_on(async {
        for _ in 0..copies {
            let device = DeviceId::new_at(support::busy_weekday().timestamp_millis() as u64);
            // Each copy is the current replica of the session that pushes it.
            let mut s = loader.session(&endpoint, vec![device]).await;
            let ops: Vec<SealedOp> = templates
                .iter()
                .enumerate()
                .map(|(i, o)| relabel(o, device, i as u64 + 1))
                .collect();
            for chunk in ops.chunks(MAX_OPS_PER_FRAME as usize) {
                net::push(&mut s, chunk.to_vec()).await.expect("load the server");
            }
            s.close().await;
        }
    });
    let head = server.relay().head().expect("head");
    let loading = t.elapsed();
    eprintln!(
        "server: {head} ops after {copies} copies pushed in {loading:.2?} ({:.0} ops/s pushed, one transaction and flush per 1,000)",
        rate(head - first.pushed, loading)
    );

    // a. Pull throughput.
    let b = twin_of(&a, tmp.path(), "desk-b");
    b.enrol(&addr, &fp, &server.code(), "Bench desk B").expect("enrol B");
    let t = Instant::now();
    let pulled = b.sync_now(&no_progress).expect("B's first sync");
    let whole = t.elapsed();
    let (bare, bytes) = rt.block_on(net::pull_all(&loader, &endpoint));
    let anchor_sled = sled_batch(&tmp.path().join("anchor-pull"), pulled.pulled as usize);
    let anchor_tls = rt.block_on(net::raw_tls_copy(&server, bytes));
    let n = pulled.pulled;
    eprintln!(
        "pull: {n} ops, {:.1} MB of frames; whole sync {:.0} ops/s, transport alone {:.0} ops/s (target >= {TARGET_OPS_PER_S:.0})",
        bytes as f64 / 1e6,
        rate(n, whole),
        rate(n, bare)
    );
    eprintln!(
        "pull: of the whole sync, {:.2?} is the desk storing its pages (whole less the transport alone), {:.0} B of frame per op",
        whole.saturating_sub(bare),
        bytes as f64 / n.max(1) as f64
    );
    let per_op = (bytes / n.max(1)) as usize;
    let pages = sled_pages(&tmp.path().join("anchor-pages"), n as usize, per_op);
    eprintln!(
        "pull: sled alone storing {n} values of {per_op} B, a transaction over two trees and a flush per 1,000: {pages:.2?} ({:.0} values/s)",
        rate(n, pages)
    );
    let target = Duration::from_secs_f64(n as f64 / TARGET_OPS_PER_S);
    let sled_name = format!("sled batch insert+flush of {n} x 300 B");
    support::report_absolute("pull_whole_sync", whole, target, &sled_name, anchor_sled);
    support::report_absolute(
        "pull_whole_sync",
        whole,
        target,
        "raw loopback TLS copy of the same bytes",
        anchor_tls,
    );
    support::report_absolute("pull_transport_alone", bare, target, &sled_name, anchor_sled);
    support::report_absolute(
        "pull_transport_alone",
        bare,
        target,
        "raw loopback TLS copy of the same bytes",
        anchor_tls,
    );

    // b. Incremental sync of 100 ops. A first takes the copies it has not pulled yet (not
    // timed): from here on each sync moves only the round's ops.
    let caught_up = a.sync_now(&no_progress).expect("A catches up");
    eprintln!(
        "incremental: desk A caught up first ({} ops pulled, not timed)",
        caught_up.pulled
    );
    let (mut pushes, mut takes, mut anchors) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = TEMPLATE_CLIENTS;
    for round in 0..INCREMENTAL_ROUNDS {
        let before = a.store().op_seq().expect("op seq");
        while a.store().op_seq().expect("op seq") < before + INCREMENTAL_OPS {
            add_client(&a, "7", i);
            i += 1;
        }
        let t = Instant::now();
        let r = a.sync_now(&no_progress).expect("A syncs");
        pushes.push(t.elapsed());
        assert_eq!(r.pushed, INCREMENTAL_OPS, "A pushes its 100 ops");
        let t = Instant::now();
        let r = b.sync_now(&no_progress).expect("B syncs");
        takes.push(t.elapsed());
        assert_eq!(r.new, INCREMENTAL_OPS, "B takes A's 100 ops");
        anchors.push(sled_batch(
            &tmp.path().join(format!("anchor-incr-{round}")),
            INCREMENTAL_OPS as usize,
        ));
    }
    let (push, take, anchor) = (Spread::of(&pushes), Spread::of(&takes), Spread::of(&anchors));
    print_spread("incremental: desk A makes 100 ops and syncs", pushes.len(), &push);
    print_spread("incremental: desk B syncs and takes them", takes.len(), &take);
    print_spread("anchor sled batch insert+flush of 100 x 300 B", anchors.len(), &anchor);
    let name = "sled batch insert+flush of 100 x 300 B p50";
    support::report_absolute(
        "incremental_push_100 p50",
        push.p50,
        INCREMENTAL_TARGET,
        name,
        anchor.p50,
    );
    support::report_absolute(
        "incremental_push_100 p99",
        push.p99,
        INCREMENTAL_TARGET,
        name,
        anchor.p50,
    );
    support::report_absolute(
        "incremental_take_100 p50",
        take.p50,
        INCREMENTAL_TARGET,
        name,
        anchor.p50,
    );
    support::report_absolute(
        "incremental_take_100 p99",
        take.p99,
        INCREMENTAL_TARGET,
        name,
        anchor.p50,
    );

    // c. Claims: a fair's day of provisional bookings, decided at one sync.
    let claimed = claims::run(&a, &mut i);
    eprintln!(
        "claims: {} provisional bookings ({} ops) synced and all confirmed in {:.2?}; {} ops of new clients alone in {:.2?}",
        claims::CLAIMS,
        claimed.ops,
        claimed.with_claims,
        3 * claims::CLAIMS,
        claimed.without
    );
    let extra = claimed.with_claims.saturating_sub(claimed.without);
    eprintln!(
        "claims_cost: {extra:.2?} for {} claims, {:.0?} a claim | anchor the sync of as many ops with no claim: {:.2?} | ratio {:.2} (no target set)",
        claims::CLAIMS,
        extra / claims::CLAIMS as u32,
        claimed.without,
        claimed.with_claims.as_secs_f64() / claimed.without.as_secs_f64().max(1e-9)
    );
    drop(a);
    drop(b);

    // d. The load test.
    let anchor_one = support::sled_insert_flush(&tmp.path().join("anchor-load"), 500);
    rt.block_on(load::run(&server, &endpoint, &templates, anchor_one.p50, institution));

    let held = server.relay().head().expect("head");
    let on_disk = dir_size(&tmp.path().join("server"));
    eprintln!(
        "server store: {held} ops, {:.1} MB on disk ({:.0} B per op, sled's log included)",
        on_disk as f64 / 1e6,
        on_disk as f64 / held.max(1) as f64
    );
    if let Some(peak) = support::peak_memory() {
        eprintln!("peak resident memory: {peak}");
    }
    drop(rt);
    server.stop();
    drop(tmp);
}
