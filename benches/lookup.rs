//! Client lookup benchmarks on the demo store (`support::demo_store`, 200,000 clients unless
//! CAREERDESK_BENCH_CLIENTS says otherwise), as a receptionist types: every keystroke of every
//! query is timed, path by path: names as spelled, names with one slip (a transposition, a
//! wrong, missing or extra letter), every one- and two-letter query, student numbers and
//! e-mails. The anchor, run in the same process, is the naive lookup: one thread scoring every
//! client's `name number email` with nucleo. Targets: p99 <= 2 ms on every path and <= 1/40
//! of the anchor's median.
//!
//! ```sh
//! cargo bench --bench lookup
//! ```

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use careerdesk::desk::{ClientDirectory, Lookup};
use criterion::{criterion_group, criterion_main, Criterion};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

/// The clients pane asks for this many.
const LIMIT: usize = 200;
/// The target ratio to the naive scan.
const RATIO: f64 = 1.0 / 40.0;
/// The target per keystroke.
const TARGET: Duration = Duration::from_millis(2);

/// A deterministic pseudo-random sequence (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }
}

/// Every start of `q` (what the field holds after each keystroke).
fn keystrokes(q: &str) -> impl Iterator<Item = String> + '_ {
    q.char_indices().map(|(i, c)| q[..i + c.len_utf8()].to_string())
}

/// One slip in `word` at a position after the first letter: kind 0 swaps two letters, 1 puts
/// a wrong letter, 2 leaves one out, 3 doubles one.
fn slip(word: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = word.chars().collect();
    let at = 1 + rng.next() % (c.len() - 2);
    match rng.next() % 4 {
        0 => c.swap(at, at + 1),
        1 => c[at] = if c[at] == 'x' { 'q' } else { 'x' },
        2 => {
            c.remove(at);
        }
        _ => c.insert(at, c[at]),
    }
    c.into_iter().collect()
}

/// The paths, each a list of queries typed one character at a time.
fn paths(dir: &ClientDirectory) -> Vec<(&'static str, Vec<String>)> {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let pick = |rng: &mut Rng| rng.next() % dir.len();
    let names: Vec<String> = (0..150).map(|_| dir.name(pick(&mut rng)).to_string()).collect();
    let mut slipped = Vec::new();
    while slipped.len() < 150 {
        let name = dir.name(pick(&mut rng));
        if let Some(last) = name.split(' ').next_back().filter(|w| w.chars().count() >= 5) {
            slipped.push(slip(last, &mut rng));
        }
    }
    let numbers: Vec<String> = (0..150)
        .map(|_| dir.student_number(pick(&mut rng)).to_string())
        .collect();
    let emails: Vec<String> = (0..150)
        .map(|_| dir.email(pick(&mut rng)).chars().take(24).collect())
        .collect();
    vec![
        ("names as spelled", names),
        ("names with one slip", slipped),
        ("student numbers", numbers),
        ("e-mails (first 24 characters)", emails),
    ]
}

/// Every one- and two-letter query, each timed alone (the issue's "x", "oi", "tn", "pt" among
/// them).
fn short_queries() -> Vec<String> {
    let letters: Vec<char> = ('a'..='z').collect();
    let mut out: Vec<String> = letters.iter().map(|c| c.to_string()).collect();
    for a in &letters {
        for b in &letters {
            out.push(format!("{a}{b}"));
        }
    }
    out
}

/// The anchor: one thread scoring every client with nucleo, as a lookup with no index would.
struct NaiveScan {
    haystacks: Vec<Utf32String>,
    matcher: Matcher,
}

impl NaiveScan {
    fn new(dir: &ClientDirectory) -> NaiveScan {
        let haystacks = (0..dir.len())
            .map(|i| {
                let [name, number, email, _] = dir.fields(i);
                Utf32String::from(format!("{name}  {number}  {email}"))
            })
            .collect();
        NaiveScan {
            haystacks,
            matcher: Matcher::new(Config::DEFAULT),
        }
    }

    fn search(&mut self, query: &str) -> usize {
        let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
        let mut best: Vec<(u32, usize)> = Vec::new();
        for (i, h) in self.haystacks.iter().enumerate() {
            if let Some(s) = pattern.score(h.slice(..), &mut self.matcher) {
                best.push((s, i));
            }
        }
        let cut = LIMIT.min(best.len());
        if cut > 0 && cut < best.len() {
            best.select_nth_unstable_by(cut - 1, |a, b| b.cmp(a));
        }
        best.truncate(cut);
        best.len()
    }
}

fn time(lookup: &Lookup, q: &str) -> Duration {
    let t = Instant::now();
    black_box(lookup.search(q, LIMIT).len());
    t.elapsed()
}

fn benches(c: &mut Criterion) {
    let n = support::clients();
    let paths_on_disk = support::demo_store(n);
    let desk = support::sign_in(&paths_on_disk);
    let dir = desk.build_directory().expect("directory");
    let t = Instant::now();
    let lookup = Lookup::new(dir.clone());
    eprintln!(
        "lookup index over {} clients built in {:.1?}, {} KiB besides the directory",
        lookup.len(),
        t.elapsed(),
        lookup.index_bytes() / 1024
    );

    // Saving and reading the lookup as one value, as sign-in does (see `desk::lookup_load`).
    let covers = careerdesk::desk::lookup::Covers {
        op_seq: 0,
        bulk: 0,
        applied: 0,
    };
    let t = Instant::now();
    let bytes = lookup.to_bytes(covers).expect("fresh lookup");
    let saved = t.elapsed();
    let t = Instant::now();
    let (read, _) = Lookup::from_bytes(&bytes).expect("saved lookup");
    eprintln!(
        "saved lookup: {} MiB, written to bytes in {saved:.1?}, read back and checked in {:.1?}",
        bytes.len() >> 20,
        t.elapsed()
    );
    drop((read, bytes));

    let paths = paths(&dir);
    // The anchor on a sample of the same queries (each scores every client).
    let mut naive = NaiveScan::new(&dir);
    let mut anchor = Vec::new();
    for (_, qs) in &paths {
        for q in qs.iter().take(6) {
            for typed in keystrokes(q).step_by(3) {
                let t = Instant::now();
                black_box(naive.search(&typed));
                anchor.push(t.elapsed());
            }
        }
    }
    let anchor = support::Spread::of(&anchor).p50;
    drop(naive);

    let mut all = Vec::new();
    for (name, qs) in &paths {
        let times: Vec<Duration> = qs
            .iter()
            .flat_map(|q| keystrokes(q))
            .map(|typed| time(&lookup, &typed))
            .collect();
        all.extend_from_slice(&times);
        let s = support::Spread::of(&times);
        eprintln!(
            "lookup, {name}: {} keystrokes, p50 {:.3?}, p99 {:.3?}, max {:.3?}",
            times.len(),
            s.p50,
            s.p99,
            s.max
        );
        support::report(
            &format!("  p99 per keystroke, {name}"),
            s.p99,
            "naive scan (median)",
            anchor,
            RATIO,
        );
        support::report_absolute(
            &format!("  p99 per keystroke, {name}"),
            s.p99,
            TARGET,
            "naive scan",
            anchor,
        );
    }
    let short = short_queries();
    let times: Vec<Duration> = short.iter().map(|q| time(&lookup, q)).collect();
    let s = support::Spread::of(&times);
    eprintln!(
        "lookup, every one- and two-letter query: {} queries, p50 {:.3?}, p99 {:.3?}, max {:.3?}",
        times.len(),
        s.p50,
        s.p99,
        s.max
    );
    for q in ["x", "oi", "tn", "pt"] {
        eprintln!(
            "  {q:?}: {:.3?}, {} found",
            time(&lookup, q),
            lookup.search(q, LIMIT).len()
        );
    }
    support::report("  p99, one or two letters", s.p99, "naive scan (median)", anchor, RATIO);
    support::report_absolute("  p99, one or two letters", s.p99, TARGET, "naive scan", anchor);
    all.extend(times);
    let s = support::Spread::of(&all);
    support::report(
        "lookup, every keystroke of every path, p99",
        s.p99,
        "naive scan (median)",
        anchor,
        RATIO,
    );

    let mut g = c.benchmark_group("lookup");
    let names = &paths[0].1;
    let mut k = 0usize;
    g.bench_function(format!("type_a_name/{n}_clients"), |b| {
        b.iter(|| {
            let q = &names[k % names.len()];
            k += 1;
            for typed in keystrokes(q) {
                black_box(lookup.search(&typed, LIMIT).len());
            }
        })
    });
    let slipped = &paths[1].1;
    g.bench_function(format!("type_a_name_with_a_slip/{n}_clients"), |b| {
        b.iter(|| {
            let q = &slipped[k % slipped.len()];
            k += 1;
            for typed in keystrokes(q) {
                black_box(lookup.search(&typed, LIMIT).len());
            }
        })
    });
    g.finish();
}

criterion_group!(lookup, benches);
criterion_main!(lookup);
