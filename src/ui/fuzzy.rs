//! Fuzzy matching with nucleo-matcher: client lookup as the receptionist types, and the
//! command palette.
//!
//! Client lookup is incremental: when a query extends the previous one (one more character
//! typed), only the previous query's matches are scored again, and going back (backspace)
//! reuses the stored result. Large candidate sets are scored on up to four threads.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

use crate::desk::DirectoryEntry;
use crate::ui::command::Command;

/// Above this many candidates, scoring is split over threads.
const PARALLEL_THRESHOLD: usize = 20_000;
/// At most this many scoring threads.
const MAX_THREADS: usize = 4;
/// How many earlier queries (each a prefix of the next) are kept for reuse.
const MAX_HISTORY: usize = 64;

/// One matching entry: its index and its rank (exact student number in the top bit, then score).
#[derive(Debug, Clone, Copy)]
struct Hit {
    index: u32,
    rank: u32,
}

/// Client entries with their search text prepared once, for fast repeated fuzzy lookups.
pub struct ClientIndex {
    entries: Vec<DirectoryEntry>,
    /// `name  student_number  email` per entry.
    haystacks: Vec<Utf32String>,
    /// Each entry's position when sorted by name (ties by index): the tie-break.
    name_pos: Vec<u32>,
    /// The entry at each name position.
    by_name: Vec<u32>,
    /// One matcher per scoring thread.
    matchers: Vec<Matcher>,
    /// Recent queries with their hits; each query is a prefix of the next.
    history: Vec<(String, Vec<Hit>)>,
}

impl std::fmt::Debug for ClientIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIndex")
            .field("entries", &self.entries.len())
            .field("threads", &self.matchers.len())
            .field(
                "history",
                &self.history.iter().map(|(q, _)| q.as_str()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The query syntax both the lookup and the palette use: smart case, smart normalisation.
fn pattern(query: &str) -> Pattern {
    Pattern::parse(query, CaseMatching::Smart, Normalization::Smart)
}

fn matcher() -> Matcher {
    let mut config = Config::DEFAULT;
    // People type the start of a name: matches nearer the start of the text rank higher.
    config.prefer_prefix = true;
    Matcher::new(config)
}

impl ClientIndex {
    /// Prepares the search text of every entry.
    pub fn new(entries: Vec<DirectoryEntry>) -> Self {
        let haystacks = entries
            .iter()
            .map(|e| Utf32String::from(format!("{}  {}  {}", e.name, e.student_number, e.email)))
            .collect();
        let mut by_name: Vec<u32> = (0..entries.len() as u32).collect();
        by_name.sort_by(|&a, &b| entries[a as usize].name.cmp(&entries[b as usize].name).then(a.cmp(&b)));
        let mut name_pos = vec![0u32; entries.len()];
        for (pos, &i) in by_name.iter().enumerate() {
            name_pos[i as usize] = pos as u32;
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_THREADS);
        ClientIndex {
            entries,
            haystacks,
            name_pos,
            by_name,
            matchers: (0..threads).map(|_| matcher()).collect(),
            history: Vec::new(),
        }
    }

    /// All entries, in the order given.
    pub fn entries(&self) -> &[DirectoryEntry] {
        &self.entries
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets earlier queries, so the next search scores every entry.
    pub fn reset(&mut self) {
        self.history.clear();
    }

    /// The best `limit` entries for `query`, best first: an exact student number first, then
    /// by fuzzy score, ties by name. An empty query matches nothing.
    ///
    /// Every candidate is scored with nucleo's linear (greedy) matcher, which accepts exactly
    /// the same entries as its optimal one; the best few hundred are then scored optimally for
    /// the final order.
    pub fn search(&mut self, query: &str, limit: usize) -> Vec<&DirectoryEntry> {
        let pattern = pattern(query);
        if pattern.atoms.is_empty() || limit == 0 {
            self.history.clear();
            return Vec::new();
        }
        // Negation (`!`) and escapes (`\`) can widen the matches as the query grows, and `$`
        // only means "at the end" while it is last: a query with these is scored afresh.
        if query.contains(['!', '\\']) {
            self.history.clear();
        }
        while let Some((prev, _)) = self.history.last() {
            if query.starts_with(prev.as_str()) && !prev.contains('$') {
                break;
            }
            self.history.pop();
        }
        let ClientIndex {
            entries,
            haystacks,
            name_pos,
            by_name,
            matchers,
            history,
        } = self;
        let Some(probe) = matchers.first_mut() else {
            return Vec::new();
        };
        let scorer = Scorer::new(&pattern, query.trim(), haystacks, entries, probe);
        let reuse = matches!(history.last(), Some((prev, _)) if prev == query);
        if !reuse {
            let hits = match history.last() {
                Some((_, prev)) => scorer.score(matchers, Candidates::Some(prev)),
                None => scorer.score(matchers, Candidates::All(entries.len())),
            };
            if history.len() == MAX_HISTORY {
                history.remove(0);
            }
            history.push((query.to_string(), hits));
        }
        let Some((_, hits)) = history.last() else {
            return Vec::new();
        };
        let shortlist = top(hits.iter().copied(), name_pos, by_name, limit.saturating_mul(4).max(RERANK));
        let Some(matcher) = matchers.first_mut() else {
            return Vec::new();
        };
        let rescored = shortlist.into_iter().map(|h| Hit {
            index: h.index,
            rank: scorer.optimal(h.index as usize, matcher).unwrap_or(h.rank),
        });
        top(rescored, name_pos, by_name, limit)
            .into_iter()
            .map(|h| &self.entries[h.index as usize])
            .collect()
    }
}

/// How many of the greedy matcher's best hits are scored again optimally.
const RERANK: usize = 256;

/// The best `limit` hits, best first: by rank, then by name.
fn top(hits: impl Iterator<Item = Hit>, name_pos: &[u32], by_name: &[u32], limit: usize) -> Vec<Hit> {
    // One u64 per hit orders by rank, then by name: higher is better.
    let key = |h: Hit| (u64::from(h.rank) << 32) | u64::from(u32::MAX - name_pos[h.index as usize]);
    let mut heap: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(limit.min(4096) + 1);
    for h in hits {
        let k = key(h);
        if heap.len() < limit {
            heap.push(Reverse(k));
        } else if heap.peek().is_some_and(|Reverse(worst)| k > *worst) {
            heap.pop();
            heap.push(Reverse(k));
        }
    }
    heap.into_sorted_vec()
        .into_iter()
        .map(|Reverse(k)| Hit {
            index: by_name[(u32::MAX - k as u32) as usize],
            rank: (k >> 32) as u32,
        })
        .collect()
}

/// What to score: every entry, or the hits of an earlier query.
#[derive(Clone, Copy)]
enum Candidates<'a> {
    All(usize),
    Some(&'a [Hit]),
}

impl Candidates<'_> {
    fn len(self) -> usize {
        match self {
            Candidates::All(n) => n,
            Candidates::Some(h) => h.len(),
        }
    }
}

/// Scores one query against entries.
struct Scorer<'a> {
    pattern: &'a Pattern,
    /// Per atom, for a positive fuzzy atom: the (ignore case, normalise) settings to match it
    /// greedily with. Other atoms are matched as the pattern would.
    greedy: Vec<Option<(bool, bool)>>,
    /// The trimmed query, compared with student numbers.
    exact: &'a str,
    haystacks: &'a [Utf32String],
    entries: &'a [DirectoryEntry],
}

/// Set in a rank when the query is the entry's student number.
const EXACT: u32 = 1 << 31;

impl<'a> Scorer<'a> {
    fn new(
        pattern: &'a Pattern,
        exact: &'a str,
        haystacks: &'a [Utf32String],
        entries: &'a [DirectoryEntry],
        probe: &mut Matcher,
    ) -> Self {
        let greedy = pattern
            .atoms
            .iter()
            .map(|atom| {
                if atom.negative || atom.kind != AtomKind::Fuzzy {
                    return None;
                }
                // `Atom::score` first applies the atom's smart case and normalisation to the
                // matcher; against an empty text that is all it does.
                let _ = atom.score(Utf32Str::Ascii(&[]), probe);
                Some((probe.config.ignore_case, probe.config.normalize))
            })
            .collect();
        Scorer {
            pattern,
            greedy,
            exact,
            haystacks,
            entries,
        }
    }

    /// The rank for a score: the exact-student-number bit, then the score.
    fn rank(&self, index: usize, score: u32) -> u32 {
        let mut rank = score.min(EXACT - 1);
        if !self.exact.is_empty() && self.entries[index].student_number.eq_ignore_ascii_case(self.exact) {
            rank |= EXACT;
        }
        rank
    }

    /// The greedy (linear-time) rank, or `None` if the entry does not match.
    fn greedy(&self, index: usize, matcher: &mut Matcher) -> Option<u32> {
        let text = self.haystacks[index].slice(..);
        let mut total = 0u32;
        for (atom, greedy) in self.pattern.atoms.iter().zip(&self.greedy) {
            let score = match *greedy {
                Some((ignore_case, normalize)) => {
                    matcher.config.ignore_case = ignore_case;
                    matcher.config.normalize = normalize;
                    matcher.fuzzy_match_greedy(text, atom.needle_text())?
                }
                None => atom.score(text, matcher)?,
            };
            total = total.saturating_add(u32::from(score));
        }
        Some(self.rank(index, total))
    }

    /// The optimal rank, or `None` if the entry does not match.
    fn optimal(&self, index: usize, matcher: &mut Matcher) -> Option<u32> {
        let score = self.pattern.score(self.haystacks[index].slice(..), matcher)?;
        Some(self.rank(index, score))
    }

    /// Scores `indices` greedily with one matcher.
    fn score_indices(&self, matcher: &mut Matcher, indices: impl Iterator<Item = u32>) -> Vec<Hit> {
        indices
            .filter_map(|index| {
                self.greedy(index as usize, matcher)
                    .map(|rank| Hit { index, rank })
            })
            .collect()
    }

    /// Scores the candidates, on several threads when there are many; hits keep index order.
    fn score(&self, matchers: &mut [Matcher], candidates: Candidates<'_>) -> Vec<Hit> {
        let n = candidates.len();
        let threads = if n > PARALLEL_THRESHOLD { matchers.len() } else { 1 };
        let chunk = n.div_ceil(threads.max(1));
        let run = |m: &mut Matcher, range: std::ops::Range<usize>| -> Vec<Hit> {
            match candidates {
                Candidates::All(_) => self.score_indices(m, range.map(|i| i as u32)),
                Candidates::Some(hits) => self.score_indices(m, hits[range].iter().map(|h| h.index)),
            }
        };
        if threads <= 1 {
            return matchers.first_mut().map_or_else(Vec::new, |m| run(m, 0..n));
        }
        std::thread::scope(|s| {
            let handles: Vec<_> = matchers
                .iter_mut()
                .take(threads)
                .enumerate()
                .map(|(t, m)| {
                    let range = (t * chunk).min(n)..((t + 1) * chunk).min(n);
                    let run = &run;
                    s.spawn(move || run(m, range))
                })
                .collect();
            let mut out = Vec::with_capacity(n);
            for h in handles {
                match h.join() {
                    Ok(part) => out.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            out
        })
    }
}

/// The palette's ranking: indices of `items` whose "name description" matches `query`, best
/// first (ties keep their order). An empty query keeps every item in order.
pub fn rank_commands(query: &str, items: &[(Command, String)]) -> Vec<usize> {
    let pattern = pattern(query);
    if pattern.atoms.is_empty() {
        return (0..items.len()).collect();
    }
    let mut matcher = matcher();
    let mut buf = Vec::new();
    let mut scored: Vec<(usize, u32)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, (cmd, _))| {
            let text = format!("{} {}", cmd.name(), cmd.description());
            pattern
                .score(Utf32Str::new(&text, &mut buf), &mut matcher)
                .map(|s| (i, s))
        })
        .collect();
    scored.sort_by_key(|&(i, s)| (Reverse(s), i));
    scored.into_iter().map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::ClientId;

    fn entry(i: u128, name: &str, sn: &str) -> DirectoryEntry {
        DirectoryEntry {
            id: ClientId(i),
            name: name.to_string(),
            student_number: sn.to_string(),
            email: format!("{}@student.example.ac.uk", name.to_lowercase().replace(' ', ".")),
            programme: "BSc Testing".to_string(),
        }
    }

    fn sample() -> Vec<DirectoryEntry> {
        vec![
            entry(1, "Amara Okonkwo", "20230001"),
            entry(2, "Bilal Haddad", "20230002"),
            entry(3, "Carys Pritchard", "20230003"),
            entry(4, "Dmitri Volkov", "20230004"),
            entry(5, "Zofia Brennan", "20230031"),
            entry(6, "Tomasz Prit", "2023000"),
        ]
    }

    fn generated(n: u32) -> Vec<DirectoryEntry> {
        let first = ["Ana", "Bo", "Cai", "Dee", "Eli", "Fen", "Gus", "Hal", "Ivo", "Jun"];
        let last = ["Marsh", "Vale", "Brook", "Stone", "Field", "Ridge", "Moor", "Glen"];
        (0..n)
            .map(|i| {
                let name = format!("{} {}", first[(i % 10) as usize], last[((i / 10) % 8) as usize]);
                entry(u128::from(i), &name, &format!("9{i:07}"))
            })
            .collect()
    }

    fn names(v: Vec<&DirectoryEntry>) -> Vec<String> {
        v.into_iter().map(|e| e.name.clone()).collect()
    }

    #[test]
    fn three_letters_of_a_name_find_it() {
        let mut idx = ClientIndex::new(sample());
        assert_eq!(idx.search("crs", 3)[0].name, "Carys Pritchard");
        assert_eq!(idx.search("vlk", 3)[0].name, "Dmitri Volkov");
        assert_eq!(idx.search("had", 3)[0].name, "Bilal Haddad");
        assert!(idx.search("", 3).is_empty());
        assert!(idx.search("qqq", 3).is_empty());
    }

    #[test]
    fn exact_student_number_ranks_first() {
        let mut idx = ClientIndex::new(sample());
        // "2023000" fuzzily matches most entries; the exact number wins.
        let hits = idx.search("2023000", 6);
        assert_eq!(hits[0].name, "Tomasz Prit");
        assert!(hits.len() >= 5);
        assert_eq!(idx.search("20230031", 6)[0].name, "Zofia Brennan");
    }

    #[test]
    fn ties_are_broken_by_name() {
        let mut idx = ClientIndex::new(vec![entry(1, "Bob Same", "1"), entry(2, "Ann Same", "2")]);
        assert_eq!(names(idx.search("Same", 5)), ["Ann Same", "Bob Same"]);
    }

    #[test]
    fn incremental_search_equals_fresh_search() {
        // Enough entries to take the parallel path too.
        let data = generated(30_000);
        let mut typed = ClientIndex::new(data.clone());
        let mut fresh = ClientIndex::new(data);
        for query in [
            "a", "an", "ana", "ana ", "ana m", "ana ma", "ana m", "an", "g", "gl", "glen", "gle", "9001", "90012",
        ] {
            let a = names(typed.search(query, 20));
            fresh.reset();
            let b = names(fresh.search(query, 20));
            assert_eq!(a, b, "query {query:?}");
        }
        let mut small = ClientIndex::new(sample());
        let first = names(small.search("pri", 10));
        small.search("prit", 10);
        assert_eq!(names(small.search("pri", 10)), first);
        // Negation narrows a fresh search but widens as typed: never reused.
        assert_eq!(names(small.search("pr !t", 10)).len(), 0);
        assert!(names(small.search("pr !tz", 10)).contains(&"Carys Pritchard".to_string()));
    }

    #[test]
    fn palette_ranking() {
        let items: Vec<(Command, String)> = Command::ALL.iter().map(|&c| (c, String::new())).collect();
        let ranked = rank_commands("quit", &items);
        assert_eq!(items[ranked[0]].0, Command::Quit);
        let ranked = rank_commands("wrnote", &items);
        assert_eq!(items[ranked[0]].0, Command::WriteNote);
        assert_eq!(rank_commands("", &items).len(), items.len());
    }
}
