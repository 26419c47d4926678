//! Client lookup benchmarks: fuzzy search over generated directory entries, as a receptionist
//! types a query one character at a time. The size is CAREERDESK_BENCH_CLIENTS (default
//! 200000, the target size; the target is 5 ms p99 per keystroke):
//!
//! ```sh
//! cargo bench --bench lookup
//! ```
//!
//! Before the criterion runs, a per-keystroke latency report (p50/p99/max) is printed.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use careerdesk::desk::DirectoryEntry;
use careerdesk::domain::ids::ClientId;
use careerdesk::ui::fuzzy::ClientIndex;
use criterion::{criterion_group, criterion_main, Criterion};

/// Syllables for made-up names: no list of real people is used.
const ONSETS: &[&str] = &[
    "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "th",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ei", "ou"];
const CODAS: &[&str] = &["", "n", "r", "l", "s", "th", "m"];
const LIMIT: usize = 50;

/// A deterministic pseudo-random sequence (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.next() % list.len()]
    }
}

fn word(rng: &mut Rng, syllables: usize) -> String {
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(rng.pick(ONSETS));
        w.push_str(rng.pick(VOWELS));
        w.push_str(rng.pick(CODAS));
    }
    let mut chars = w.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn entries(n: usize) -> Vec<DirectoryEntry> {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    (0..n)
        .map(|i| {
            let first_len = 1 + rng.next() % 2;
            let first = word(&mut rng, first_len);
            let last_len = 2 + rng.next() % 2;
            let last = word(&mut rng, last_len);
            DirectoryEntry {
                id: ClientId(i as u128 + 1),
                email: format!(
                    "{}.{}{}@student.example.ac.uk",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    i % 97
                ),
                name: format!("{first} {last}"),
                student_number: format!("2{i:07}"),
                programme: "BSc Generated Studies".to_string(),
            }
        })
        .collect()
}

/// Three-letter queries, the starts of made-up names.
fn queries(count: usize) -> Vec<String> {
    let mut rng = Rng(0x0bad_5eed_1234_5678);
    (0..count)
        .map(|_| word(&mut rng, 2).to_lowercase().chars().take(3).collect())
        .filter(|q: &String| q.chars().count() == 3)
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Types each query one character at a time (after clearing the field) and reports the
/// latency of each keystroke position.
fn latency_report(index: &mut ClientIndex, n: usize) {
    let qs = queries(300);
    let mut by_position: [Vec<Duration>; 3] = Default::default();
    for q in &qs {
        index.search("", LIMIT);
        for len in 1..=3 {
            let typed: String = q.chars().take(len).collect();
            let start = Instant::now();
            black_box(index.search(&typed, LIMIT).len());
            by_position[len - 1].push(start.elapsed());
        }
    }
    let mut all: Vec<Duration> = by_position.iter().flatten().copied().collect();
    all.sort();
    eprintln!(
        "lookup latency over {n} entries, {} three-letter queries, limit {LIMIT}:",
        qs.len()
    );
    for (i, times) in by_position.iter_mut().enumerate() {
        times.sort();
        eprintln!(
            "  keystroke {}: p50 {:>8.3?}  p99 {:>8.3?}  max {:>8.3?}",
            i + 1,
            percentile(times, 0.5),
            percentile(times, 0.99),
            times.last().copied().unwrap_or_default()
        );
    }
    eprintln!(
        "  all keystrokes: p50 {:>8.3?}  p99 {:>8.3?}  max {:>8.3?}",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or_default()
    );
}

/// Names typed with one slip (two neighbouring letters swapped), six characters, one at a time.
/// Once no entry contains what is typed, lookup falls back to fuzzy matching (decision 0008),
/// so the keystrokes after the slip are reported apart.
fn typo_report(index: &mut ClientIndex, entries: &[DirectoryEntry]) {
    let mut rng = Rng(0x7e57_7e57_7e57_7e57);
    let mut times: Vec<Duration> = Vec::new();
    let mut fuzzy: Vec<Duration> = Vec::new();
    let mut queries = 0;
    while queries < 300 {
        let name = entries[rng.next() % entries.len()].name.to_lowercase();
        let mut q: Vec<char> = name.chars().take(6).collect();
        if q.len() < 6 || q.contains(&' ') {
            continue;
        }
        let at = 1 + rng.next() % 4;
        if q[at] == q[at + 1] {
            continue;
        }
        q.swap(at, at + 1);
        queries += 1;
        index.search("", LIMIT);
        for len in 1..=q.len() {
            let typed: String = q[..len].iter().collect();
            let start = Instant::now();
            black_box(index.search(&typed, LIMIT).len());
            let took = start.elapsed();
            times.push(took);
            if len > at + 1 {
                fuzzy.push(took);
            }
        }
    }
    times.sort();
    fuzzy.sort();
    eprintln!(
        "lookup latency with one slip, {queries} six-letter queries: every keystroke p50 {:>8.3?}  p99 {:>8.3?}  max {:>8.3?}; \
         the {} keystrokes after the slip: p50 {:>8.3?}  p99 {:>8.3?}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
        fuzzy.len(),
        percentile(&fuzzy, 0.5),
        percentile(&fuzzy, 0.99),
    );
}

fn benches(c: &mut Criterion) {
    let n: usize = std::env::var("CAREERDESK_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let build = Instant::now();
    let all = entries(n);
    let mut index = ClientIndex::new(all.clone());
    eprintln!("built the index of {n} entries in {:.1?}", build.elapsed());
    latency_report(&mut index, n);
    typo_report(&mut index, &all);
    drop(all);

    let qs = queries(64);
    let mut g = c.benchmark_group("lookup");

    // Clear the field, then type three letters: the cost of the whole sequence.
    let mut k = 0usize;
    g.bench_function(format!("type_3_letters/{n}"), |b| {
        b.iter(|| {
            let q = &qs[k % qs.len()];
            k += 1;
            index.search("", LIMIT);
            for len in 1..=3 {
                let typed: String = q.chars().take(len).collect();
                black_box(index.search(&typed, LIMIT).len());
            }
        })
    });

    // Only the second and third keystrokes (incremental), per keystroke.
    let mut k = 0usize;
    g.bench_function(format!("incremental_keystroke/{n}"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let q = &qs[k % qs.len()];
                k += 1;
                index.search("", LIMIT);
                index.search(&q[..1], LIMIT);
                for len in 2..=3 {
                    if done == iters {
                        break;
                    }
                    let start = Instant::now();
                    black_box(index.search(&q[..len], LIMIT).len());
                    total += start.elapsed();
                    done += 1;
                }
            }
            total
        })
    });

    // A fresh one-letter query: every entry is scored.
    let letters: Vec<String> = "abdegiklmnoprstuvz".chars().map(String::from).collect();
    let mut k = 0usize;
    g.bench_function(format!("fresh_1_letter/{n}"), |b| {
        b.iter(|| {
            let q = &letters[k % letters.len()];
            k += 1;
            index.reset();
            black_box(index.search(q, LIMIT).len())
        })
    });
    g.finish();
}

criterion_group!(lookup, benches);
criterion_main!(lookup);
