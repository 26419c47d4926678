//! What every benchmark shares: the demo store they run on, its clock pinned to a busy weekday
//! of the demo data (never "now"), the anchors they measure against in the same process, and
//! the one way they print a figure beside its anchor and its ratio.
//!
//! The demo store is generated once per size into `target/bench-data/demo-N` (about 40 s and
//! 1.4 GB at 200,000 clients) and reused by later runs; benchmarks that write work on a copy.
//! The size is `CAREERDESK_BENCH_CLIENTS` (default 200,000, the size the targets are set for).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use careerdesk::desk::{Desk, FixedClock};
use careerdesk::paths::Paths;
use careerdesk::policy::{example, Policy};
use careerdesk::store::LockedStore;
use chrono::{DateTime, TimeZone, Utc};

/// The administrator's password in every bench store.
pub const PASSWORD: &str = "bench-password-1";

/// Bump when the generated data or the store's layout changes, so an old cached store is not
/// measured.
/// Version 2: each client's records sealed with the client's own key.
/// Version 3: store format 3 (the event indexes); demo event bookings name real clients.
const DATA_VERSION: u32 = 3;

/// The moment every benchmark runs at: Tuesday 17 November 2026, 10:30 in London, a teaching
/// week. The demo data is generated around this moment, so this is a working day with the
/// demo's full slot grid (about 4,000 slots at 200,000 clients) and appointments on it.
pub fn busy_weekday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 17, 10, 30, 0)
        .single()
        .expect("a valid date")
}

/// A clock stopped at [`busy_weekday`].
pub fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(busy_weekday()))
}

/// How many clients the bench store has.
pub fn clients() -> usize {
    std::env::var("CAREERDESK_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

/// The standard example policy.
pub fn policy() -> Policy {
    Policy::parse(example("standard").map(|e| e.text).unwrap_or_default(), "standard").expect("standard policy")
}

/// The cached demo store's data directory for `n` clients, generated first if missing.
pub fn demo_store(n: usize) -> Paths {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(format!("demo-{n}-v{DATA_VERSION}"));
    let done = root.join("generated");
    let paths = Paths::resolve(Some(&root));
    if done.exists() {
        return paths;
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("bench data dir");
    let t = Instant::now();
    let desk = Desk::init(&paths.store(), policy(), "admin", "Admin", PASSWORD, clock()).expect("init");
    // Written after the store: `init` refuses a folder that already holds a policy file.
    let text = example("standard").map(|e| e.text).unwrap_or_default();
    std::fs::write(paths.policy(), text).expect("policy");
    let summary = careerdesk::demo::generate(&desk, n, 1, &careerdesk::demo::Progress::Hidden).expect("demo data");
    drop(desk);
    eprintln!("bench store generated in {:.1?}: {summary}", t.elapsed());
    std::fs::write(&done, summary.to_string()).expect("marker");
    paths
}

/// A private copy of the demo store for benchmarks that write (kept until the value drops).
pub fn demo_copy(n: usize) -> (tempfile::TempDir, Paths) {
    let from = demo_store(n);
    let tmp = tempfile::tempdir_in(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")).expect("temp dir");
    copy_dir(&from.data, tmp.path()).expect("copy the bench store");
    let paths = Paths::resolve(Some(tmp.path()));
    (tmp, paths)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Signs the administrator in on a bench store, on the pinned clock.
pub fn sign_in(paths: &Paths) -> Desk {
    let locked = LockedStore::open(&paths.store()).expect("open");
    Desk::sign_in(&locked, policy(), "admin", PASSWORD, clock()).expect("sign in")
}

/// p50, p99 and the worst of some timings.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Worst.
    pub max: Duration,
}

impl Spread {
    /// The spread of `times` (at least one).
    pub fn of(times: &[Duration]) -> Spread {
        let mut t = times.to_vec();
        t.sort();
        let at = |p: f64| t[((t.len() as f64 * p) as usize).min(t.len() - 1)];
        Spread {
            p50: at(0.5),
            p99: at(0.99),
            max: t[t.len() - 1],
        }
    }
}

/// Prints one figure beside its anchor measured in the same run, with their ratio and the
/// target ratio, and whether the target is met. Every bench reports through this.
pub fn report(what: &str, figure: Duration, anchor_name: &str, anchor: Duration, target_ratio: f64) {
    let ratio = figure.as_secs_f64() / anchor.as_secs_f64().max(1e-12);
    let verdict = if ratio <= target_ratio { "met" } else { "NOT MET" };
    eprintln!(
        "{what}: {figure:.2?} | anchor {anchor_name}: {anchor:.2?} | ratio {ratio:.3} (target <= {target_ratio}) {verdict}"
    );
}

/// Prints an absolute figure against an absolute target (for the few targets that are not
/// ratios, such as memory), with the anchor beside it for the reader.
pub fn report_absolute(what: &str, figure: Duration, target: Duration, anchor_name: &str, anchor: Duration) {
    let ratio = figure.as_secs_f64() / anchor.as_secs_f64().max(1e-12);
    let verdict = if figure <= target { "met" } else { "NOT MET" };
    eprintln!(
        "{what}: {figure:.2?} (target <= {target:.2?}) {verdict} | anchor {anchor_name}: {anchor:.2?} | ratio {ratio:.2}"
    );
}

/// sled's own floor for a durable write: 300-byte values inserted and flushed one at a time in
/// a fresh sled tree in `dir`, `n` times. The anchor for every durable write.
pub fn sled_insert_flush(dir: &Path, n: usize) -> Spread {
    let db = sled::Config::new().path(dir.join("anchor-sled")).open().expect("sled");
    let value = [7u8; 300];
    let mut times = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let t = Instant::now();
        db.insert(i.to_be_bytes(), &value[..]).expect("insert");
        db.flush().expect("flush");
        times.push(t.elapsed());
    }
    Spread::of(&times)
}

/// This process's peak resident memory (Linux `VmHWM`), if the system tells.
pub fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM"))?;
    Some(line.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
}
