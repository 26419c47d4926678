//! Start-up at full size, each run a fresh process on a copy of the demo store
//! (`support::demo_copy`, 200,000 clients unless CAREERDESK_BENCH_CLIENTS says otherwise):
//!
//! - sign-in until the lookup answers (open, unlock, read the saved lookup and take in the
//!   op log since, one search), against open and unlock alone in fresh processes of the same
//!   run; the first run has no saved lookup and builds it from the records (and saves it);
//!   target: median <= 0.5 s, resident memory after it <= 200 MB;
//! - the whole `careerdesk client find` command against `fzf --filter` over the same clients'
//!   names in the same run (when fzf is installed); target: no slower.
//!
//! ```sh
//! cargo bench --bench startup
//! ```

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use careerdesk::store::LockedStore;
use criterion::{criterion_group, criterion_main, Criterion};

/// Set (to `MODE DIR`) when this bench runs itself again as a fresh process.
const FRESH: &str = "CAREERDESK_BENCH_STARTUP";

/// In a fresh process: open and unlock (`open`), or also load the lookup and search once
/// (`lookup`); prints the time, where the lookup came from, and memory.
fn fresh(mode: &str, dir: &Path) -> ! {
    let t = Instant::now();
    let locked = LockedStore::open(&dir.join("store")).expect("open");
    let desk =
        careerdesk::desk::Desk::sign_in(&locked, support::policy(), "admin", support::PASSWORD, support::clock())
            .expect("sign in");
    let mut source = String::from("-");
    if mode == "lookup" {
        let (lookup, from) = desk.load_lookup().expect("lookup");
        std::hint::black_box(lookup.search("tho", 200).len());
        source = format!("{from:?}");
    }
    let took = t.elapsed();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |field: &str| {
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("0")
            .to_string()
    };
    println!("{} {} {} {source}", took.as_micros(), kb("VmRSS"), kb("VmHWM"));
    std::process::exit(0)
}

/// One fresh run: (time, resident KiB, peak KiB, where the lookup came from).
fn run(mode: &str, dir: &Path) -> Option<(Duration, u64, u64, String)> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .env(FRESH, format!("{mode} {}", dir.display()))
        .arg("--bench")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut f = text.split_whitespace();
    let us: u64 = f.next()?.parse().ok()?;
    let rss: u64 = f.next()?.parse().ok()?;
    let hwm: u64 = f.next()?.parse().ok()?;
    Some((Duration::from_micros(us), rss, hwm, f.collect::<Vec<_>>().join(" ")))
}

/// The median of some timed runs of a whole command.
fn median_of(runs: usize, mut f: impl FnMut() -> Option<Duration>) -> Option<Duration> {
    let mut t: Vec<Duration> = (0..runs).filter_map(|_| f()).collect();
    t.sort();
    t.get(t.len() / 2).copied()
}

fn benches(c: &mut Criterion) {
    if let Ok(v) = std::env::var(FRESH) {
        let (mode, dir) = v.split_once(' ').unwrap_or(("open", "."));
        fresh(mode, Path::new(dir));
    }
    let n = support::clients();
    let (_tmp, paths) = support::demo_copy(n);
    let dir = paths.data.clone();

    // The anchor: open and unlock alone, fresh processes.
    let opens: Vec<Duration> = (0..5).filter_map(|_| run("open", &dir).map(|r| r.0)).collect();
    let open = support::Spread::of(&opens).p50;
    eprintln!(
        "open + unlock, fresh process, {n} clients: median {open:.1?} of {}",
        opens.len()
    );

    let mut ready = Vec::new();
    for i in 1..=6 {
        let Some((took, rss, hwm, from)) = run("lookup", &dir) else {
            continue;
        };
        eprintln!(
            "sign-in until the lookup answers, run {i}: {took:.1?}, {from}, resident {} MB, peak {} MB",
            rss / 1024,
            hwm / 1024
        );
        if i > 1 {
            ready.push((took, rss));
        }
    }
    if !ready.is_empty() {
        let times: Vec<Duration> = ready.iter().map(|r| r.0).collect();
        let median = support::Spread::of(&times).p50;
        support::report_absolute(
            "sign-in until the lookup answers, runs 2-6, median",
            median,
            Duration::from_millis(500),
            "open + unlock",
            open,
        );
        let worst_rss = ready.iter().map(|r| r.1).max().unwrap_or(0) / 1024;
        let verdict = if worst_rss <= 200 { "met" } else { "NOT MET" };
        eprintln!(
            "resident memory after sign-in with the lookup ready: at most {worst_rss} MB (target <= 200 MB) {verdict}"
        );
    }

    // The whole command against fzf over the same names.
    let exe = env!("CARGO_BIN_EXE_careerdesk");
    let find = median_of(5, || {
        let t = Instant::now();
        let ok = Command::new(exe)
            .env("CAREERDESK_DATA_DIR", &dir)
            .env("CAREERDESK_PASSWORD", support::PASSWORD)
            .args(["--as", "admin", "client", "find", "xyz"])
            .output()
            .ok()?
            .status
            .success();
        ok.then(|| t.elapsed())
    });
    let names = dir.join("names.txt");
    {
        let desk = support::sign_in(&paths);
        let d = desk.build_directory().expect("directory");
        let text: String = (0..d.len()).map(|i| format!("{}\n", d.name(i))).collect();
        std::fs::write(&names, text).expect("names");
    }
    let fzf = median_of(5, || {
        let file = std::fs::File::open(&names).ok()?;
        let t = Instant::now();
        let out = Command::new("fzf")
            .args(["--filter", "xyz"])
            .stdin(file)
            .output()
            .ok()?;
        // fzf exits 1 when nothing matches; 2 is an error.
        (out.status.code() != Some(2)).then(|| t.elapsed())
    });
    match (find, fzf) {
        (Some(find), Some(fzf)) => support::report(
            "`client find xyz`, whole process, median",
            find,
            "fzf --filter xyz over the same names",
            fzf,
            1.0,
        ),
        (Some(find), None) => eprintln!(
            "`client find xyz`, whole process, median {find:.1?}; fzf is not installed here, so there is no anchor"
        ),
        _ => eprintln!("`client find` could not be run"),
    }

    // For criterion: reading the saved lookup in this process, over and over.
    let desk = support::sign_in(&paths);
    let mut g = c.benchmark_group("startup");
    g.sample_size(10);
    g.bench_function(format!("load_saved_lookup/{n}_clients"), |b| {
        b.iter(|| std::hint::black_box(desk.load_lookup().expect("lookup").0.len()))
    });
    g.finish();
}

criterion_group!(startup, benches);
criterion_main!(startup);
