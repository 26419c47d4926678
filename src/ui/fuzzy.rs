//! Fuzzy matching with nucleo-matcher: client lookup as the receptionist types, and the
//! command palette.
//!
//! Client lookup searches `name  student_number  email` per entry, prepared once. The e-mail
//! domain most entries share (the university's) is left out: it would match every short query
//! and tells no one apart. One or two characters find words starting with them; longer plain
//! text finds the entries containing it as typed (decision 0008). Otherwise lookup is fuzzy and
//! incremental: when a query extends the previous one (one
//! more character typed), only the previous query's matches are scored again, and going back
//! (backspace) reuses the stored result. All candidates are scored with nucleo's linear-time
//! (greedy) matcher, on up to four threads when there are many; the best few hundred are then
//! scored with its optimal matcher for the final order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

use crate::desk::{ClientDirectory, DirectoryEntry};
use crate::ui::command::Command;

/// Above this many candidates, scoring is split over threads.
const PARALLEL_THRESHOLD: usize = 20_000;
/// At most this many scoring threads.
const MAX_THREADS: usize = 4;
/// Candidates a scoring thread takes at a time.
const BLOCK: usize = 4096;
/// How many earlier queries (each a prefix of the next) are kept for reuse.
const MAX_HISTORY: usize = 64;

/// The lookup index the panes share once it has been built: the clients pane and the
/// calendar's client picker search the same one, from background jobs (one search at a time).
#[derive(Debug, Clone, Default)]
pub struct SharedIndex {
    index: std::sync::Arc<std::sync::Mutex<Option<ClientIndex>>>,
    ready: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SharedIndex {
    /// Puts a built index in place (replacing any earlier one).
    pub fn set(&self, index: ClientIndex) {
        *self.index.lock().unwrap_or_else(|p| p.into_inner()) = Some(index);
        self.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether an index has been built (never waits, so drawing can ask).
    pub fn is_ready(&self) -> bool {
        self.ready.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Takes in a client added or changed at this desk (nothing before the index is built: the
    /// build reads the store as it is then).
    pub fn upsert(&self, c: &crate::domain::client::Client) {
        if let Some(i) = self.index.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            i.upsert(c);
        }
    }

    /// The best `limit` matches for `query`, or `None` before the index is built. Waits while
    /// another search runs: call it from a job, not the screen thread.
    pub fn search(&self, query: &str, limit: usize) -> Option<Vec<DirectoryEntry>> {
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        index.as_mut().map(|i| i.search(query, limit))
    }
}

/// One matching entry: its index and its rank (exact student number in the top bit, then score).
#[derive(Debug, Clone, Copy)]
struct Hit {
    index: u32,
    rank: u32,
}

/// Client entries with their search text prepared once, for fast repeated fuzzy lookups.
pub struct ClientIndex {
    entries: ClientDirectory,
    /// `name  student_number  email` per entry (without the shared e-mail domain).
    haystacks: Vec<Utf32String>,
    /// Which letters and digits each haystack contains (all bits for non-ASCII text): a cheap
    /// first test before matching.
    masks: Vec<u64>,
    /// Each entry's position when sorted by name (ties by index): the tie-break.
    name_pos: Vec<u32>,
    /// The entry at each name position.
    by_name: Vec<u32>,
    /// Entries in order of lower-cased student number, for exact matches.
    by_number: Vec<u32>,
    /// One matcher per scoring thread.
    matchers: Vec<Matcher>,
    /// Recent queries with their hits; each query is a prefix of the next.
    history: Vec<(String, Vec<Hit>)>,
    /// Every haystack lower-cased, one after another, each followed by a newline: scanned for
    /// plain substrings before any fuzzy scoring.
    lower: Vec<u8>,
    /// Where each entry's text starts in `lower`.
    starts: Vec<u32>,
    /// The first two lower-cased bytes of every word of every entry (0 when a word is one
    /// byte long), entry after entry: one- and two-letter queries look only here.
    word_heads: Vec<[u8; 2]>,
    /// Where each entry's words start in `word_heads` (one more at the end).
    word_offsets: Vec<u32>,
    /// Clients added or changed since the index was built, searched first in a small index of
    /// their own; their older entries here are left out of results.
    recent: ClientDirectory,
    recent_index: Option<Box<ClientIndex>>,
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
    pub fn new(entries: impl Into<ClientDirectory>) -> Self {
        let entries: ClientDirectory = entries.into();
        let shared = shared_domain(&entries);
        let haystacks: Vec<Utf32String> = (0..entries.len())
            .map(|i| {
                let [name, number, email, _] = entries.fields(i);
                let email = match &shared {
                    Some(domain) => email.strip_suffix(domain.as_str()).unwrap_or(email),
                    None => email,
                };
                Utf32String::from(format!("{name}  {number}  {email}"))
            })
            .collect();
        let masks = haystacks.iter().map(text_mask).collect();
        let mut by_name: Vec<u32> = (0..entries.len() as u32).collect();
        by_name.sort_unstable_by(|&a, &b| entries.name(a as usize).cmp(entries.name(b as usize)).then(a.cmp(&b)));
        let mut name_pos = vec![0u32; entries.len()];
        for (pos, &i) in by_name.iter().enumerate() {
            name_pos[i as usize] = pos as u32;
        }
        let mut by_number: Vec<u32> = (0..entries.len() as u32).collect();
        by_number.sort_unstable_by(|&a, &b| number_order(&entries, a, b));
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_THREADS);
        let mut lower = Vec::new();
        let mut starts = Vec::with_capacity(haystacks.len());
        for h in &haystacks {
            starts.push(lower.len() as u32);
            lower.extend(h.to_string().to_lowercase().replace('\n', " ").into_bytes());
            lower.push(b'\n');
        }
        let mut word_heads = Vec::new();
        let mut word_offsets = Vec::with_capacity(starts.len() + 1);
        for (i, &start) in starts.iter().enumerate() {
            word_offsets.push(word_heads.len() as u32);
            let end = starts.get(i + 1).map_or(lower.len(), |&e| e as usize);
            for word in lower[start as usize..end].split(|b| *b == b' ' || *b == b'\n') {
                if let Some(&a) = word.first() {
                    word_heads.push([a, word.get(1).copied().unwrap_or(0)]);
                }
            }
        }
        word_offsets.push(word_heads.len() as u32);
        ClientIndex {
            word_heads,
            word_offsets,
            lower,
            starts,
            entries,
            haystacks,
            masks,
            name_pos,
            by_name,
            by_number,
            matchers: (0..threads).map(|_| matcher()).collect(),
            history: Vec::new(),
            recent: ClientDirectory::new(),
            recent_index: None,
        }
    }

    /// Takes in a client added or changed at this desk, so lookups find them as they are now
    /// without rebuilding the whole index: they are kept in a small index searched first.
    pub fn upsert(&mut self, c: &crate::domain::client::Client) {
        self.recent.upsert(c);
        self.recent_index = Some(Box::new(ClientIndex::new(self.recent.clone())));
    }

    /// The entries whose student number is `query` (ignoring case and surrounding spaces).
    fn exact(&self, query: &str) -> &[u32] {
        exact_numbers(&self.entries, &self.by_number, query)
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

    /// The best `limit` entries for `query`, best first: clients added or changed at this desk
    /// since the index was built first, then an exact student number, then by fuzzy score,
    /// ties by name. An empty query matches nothing.
    pub fn search(&mut self, query: &str, limit: usize) -> Vec<DirectoryEntry> {
        let Some(mut recent) = self.recent_index.take() else {
            return self.search_built(query, limit);
        };
        // As one index would: when either finds the text as typed (or, for one or two letters,
        // a word starting with it), looser matches from the other are left out.
        let (near, here) = (recent.exactness(query), self.exactness(query));
        let mut out = if near >= here {
            recent.search(query, limit)
        } else {
            Vec::new()
        };
        self.recent_index = Some(recent);
        let more = if here >= near {
            self.search_built(query, limit.saturating_add(self.recent.len()))
        } else {
            Vec::new()
        };
        for e in more {
            if out.len() >= limit {
                break;
            }
            if !self.recent.contains(e.id) {
                out.push(e);
            }
        }
        out
    }

    /// How closely the best entries match `query`: 2 when some contain it as typed, 1 when
    /// some have a word starting with it (one or two letters), 0 when only loosely.
    fn exactness(&self, query: &str) -> u8 {
        if self.substring_hits(query).is_some_and(|h| !h.is_empty()) {
            2
        } else if self.word_starts(query, 1).is_some() {
            1
        } else {
            0
        }
    }

    /// [`Self::search`] over the entries the index was built with.
    ///
    /// Every candidate is scored with nucleo's linear (greedy) matcher, which accepts exactly
    /// the same entries as its optimal one; the best few hundred are then scored optimally for
    /// the final order.
    fn search_built(&mut self, query: &str, limit: usize) -> Vec<DirectoryEntry> {
        let pattern = pattern(query);
        if pattern.atoms.is_empty() || limit == 0 {
            self.history.clear();
            return Vec::new();
        }
        // What people type is usually part of a name or a number as it is written: when any
        // entry contains the text as typed, only those are scored (a fast scan); loose fuzzy
        // matching is for queries that find nobody that way (typos, initials).
        if let Some(plain) = self.substring_hits(query) {
            if !plain.is_empty() {
                self.history.clear();
                let best = self.best_plain(query, plain, limit);
                return best.into_iter().map(|i| self.entries.entry(i as usize)).collect();
            }
        }
        // One or two characters: the people with a word starting with them, first names
        // first, in name order. Scoring loose matches of so short a query says little.
        if let Some(found) = self.word_starts(query, limit) {
            self.history.clear();
            return found.into_iter().map(|i| self.entries.entry(i as usize)).collect();
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
            masks,
            by_number,
            matchers,
            history,
            ..
        } = self;
        let exact = exact_numbers(entries, by_number, query);
        let Some(probe) = matchers.first_mut() else {
            return Vec::new();
        };
        let scorer = Scorer::new(&pattern, exact, haystacks, masks, probe);
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
        let hits = match self.history.last() {
            Some((_, hits)) => hits.clone(),
            None => return Vec::new(),
        };
        self.finish(&pattern, query, hits, limit)
    }

    /// The best `limit` of `hits`: the greedy scores pick a shortlist, scored again optimally.
    fn finish(&mut self, pattern: &Pattern, query: &str, hits: Vec<Hit>, limit: usize) -> Vec<DirectoryEntry> {
        let exact = exact_numbers(&self.entries, &self.by_number, query);
        let shortlist = top(
            hits.iter().copied(),
            &self.name_pos,
            &self.by_name,
            limit.saturating_mul(4).max(RERANK),
        );
        let Some((matcher, _)) = self.matchers.split_first_mut() else {
            return Vec::new();
        };
        let mut probe = matcher.clone();
        let scorer = Scorer::new(pattern, exact, &self.haystacks, &self.masks, &mut probe);
        let rescored: Vec<Hit> = shortlist
            .into_iter()
            .map(|h| Hit {
                index: h.index,
                rank: scorer.optimal(h.index as usize, matcher).unwrap_or(h.rank),
            })
            .collect();
        top(rescored.into_iter(), &self.name_pos, &self.by_name, limit)
            .into_iter()
            .map(|h| self.entries.entry(h.index as usize))
            .collect()
    }

    /// The best `limit` text-as-typed hits: an exact student number first, then matches at the
    /// start of a word before those inside one, earlier words (the first name) first, then by name.
    fn best_plain(&self, query: &str, hits: Vec<(u32, u32, u32)>, limit: usize) -> Vec<u32> {
        let exact = self.exact(query);
        let mut keyed: Vec<(u32, u32, u32, u32, u32)> = hits
            .into_iter()
            .map(|(inside, word, i)| {
                (
                    u32::from(!exact.contains(&i)),
                    inside,
                    word,
                    self.name_pos[i as usize],
                    i,
                )
            })
            .collect();
        let cut = limit.min(keyed.len());
        if cut == 0 {
            return Vec::new();
        }
        if cut < keyed.len() {
            keyed.select_nth_unstable(cut - 1);
            keyed.truncate(cut);
        }
        keyed.sort_unstable();
        keyed.into_iter().map(|k| k.4).collect()
    }

    /// For a query of one or two letters or digits: the best `limit` entries with a word that
    /// starts with it (a first name before other words, then by name); `None` when no word
    /// does.
    fn word_starts(&self, query: &str, limit: usize) -> Option<Vec<u32>> {
        let q = query.trim().to_lowercase();
        if q.is_empty() || q.len() >= SUBSTRING_MIN || !q.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        // (which word matched, name position, entry): lower is better.
        let q = q.as_bytes();
        let mut found: Vec<(u32, u32, u32)> = Vec::new();
        for (i, w) in self.word_offsets.windows(2).enumerate() {
            let heads = &self.word_heads[w[0] as usize..w[1] as usize];
            let hit = heads
                .iter()
                .position(|h| h[0] == q[0] && (q.len() == 1 || h[1] == q[1]));
            if let Some(word) = hit {
                found.push((word as u32, self.name_pos[i], i as u32));
            }
        }
        if found.is_empty() {
            return None;
        }
        let cut = limit.min(found.len());
        found.select_nth_unstable(cut - 1);
        found.truncate(cut);
        found.sort_unstable();
        Some(found.into_iter().map(|(_, _, i)| i).collect())
    }

    /// Entries whose text contains the query exactly as typed (ignoring case), for a plain
    /// ASCII query with no fuzzy syntax; `None` otherwise.
    fn substring_hits(&self, query: &str) -> Option<Vec<(u32, u32, u32)>> {
        let q = query.trim().to_lowercase();
        // One or two letters appear in nearly everyone: those look only at word starts.
        if q.len() < SUBSTRING_MIN || !q.is_ascii() || q.contains(['!', '\\', '^', '$', '\'', '\n']) {
            return None;
        }
        let finder = memchr::memmem::Finder::new(q.as_bytes());
        // (0 at a word start else 1, which word, entry): lower is better.
        let mut hits: Vec<(u32, u32, u32)> = Vec::new();
        let mut pos = 0usize;
        while let Some(found) = finder.find(&self.lower[pos..]) {
            let at = pos + found;
            let entry = self.starts.partition_point(|&s| s as usize <= at).saturating_sub(1);
            let start = self.starts[entry] as usize;
            let before = &self.lower[start..at];
            let word_start = at == start || before.last() == Some(&b' ');
            let word = memchr::memchr_iter(b' ', before).count() as u32;
            hits.push((u32::from(!word_start), word, entry as u32));
            // One hit per entry is enough: go on from the next entry's text.
            pos = self.starts.get(entry + 1).map_or(self.lower.len(), |&s| s as usize);
            if pos >= self.lower.len() {
                break;
            }
        }
        let hits = hits;
        Some(hits)
    }
}

/// Queries at least this long are first looked for as typed (see `substring_hits`).
const SUBSTRING_MIN: usize = 3;

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

/// A student number's bytes, ASCII letters lower-cased (student numbers are ASCII letters and
/// digits: see `StudentNumber::parse`).
fn folded(number: &str) -> impl Iterator<Item = u8> + '_ {
    number.bytes().map(|b| b.to_ascii_lowercase())
}

/// Orders entries by student number ignoring case, then by position.
fn number_order(entries: &ClientDirectory, a: u32, b: u32) -> std::cmp::Ordering {
    let key = |i: u32| folded(entries.student_number(i as usize));
    key(a).cmp(key(b)).then(a.cmp(&b))
}

/// The run of `by_number` (entries sorted by [`number_order`]) whose student number is `query`.
fn exact_numbers<'a>(entries: &ClientDirectory, by_number: &'a [u32], query: &str) -> &'a [u32] {
    let q = query.trim();
    let key = |i: &u32| folded(entries.student_number(*i as usize)).cmp(folded(q));
    let from = by_number.partition_point(|i| key(i).is_lt());
    let to = by_number.partition_point(|i| key(i).is_le());
    &by_number[from..to]
}

/// The e-mail domain (with its `@`) that most entries share, if at least half do. It is left
/// out of the search text: it matches every short query and tells no one apart.
fn shared_domain(entries: &ClientDirectory) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for i in 0..entries.len() {
        let email = entries.email(i);
        if let Some(at) = email.rfind('@') {
            *counts.entry(&email[at..]).or_default() += 1;
        }
    }
    let (domain, count) = counts.into_iter().max_by_key(|&(d, n)| (n, std::cmp::Reverse(d)))?;
    (count * 2 >= entries.len() && count > 1).then(|| domain.to_string())
}

/// The bit for a letter (either case) or digit; 0 for anything else.
fn char_bit(c: char) -> u64 {
    match c.to_ascii_lowercase() {
        l @ 'a'..='z' => 1 << (l as u32 - 'a' as u32),
        d @ '0'..='9' => 1 << (26 + d as u32 - '0' as u32),
        _ => 0,
    }
}

/// The letters and digits in a search text; every bit for non-ASCII text, which matching may
/// normalise (é matches e).
fn text_mask(text: &Utf32String) -> u64 {
    match text {
        Utf32String::Ascii(s) => s.chars().fold(0, |m, c| m | char_bit(c)),
        Utf32String::Unicode(_) => u64::MAX,
    }
}

/// The letters and digits a text must contain to match every positive atom of `pattern`.
fn pattern_mask(pattern: &Pattern) -> u64 {
    pattern
        .atoms
        .iter()
        .filter(|a| !a.negative)
        .flat_map(|a| a.needle_text().chars())
        .fold(0, |m, c| m | char_bit(c))
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
    /// The entries whose student number is the query.
    exact: &'a [u32],
    haystacks: &'a [Utf32String],
    masks: &'a [u64],
    /// The letters and digits every match must contain.
    needs: u64,
}

/// Set in a rank when the query is the entry's student number.
const EXACT: u32 = 1 << 31;

impl<'a> Scorer<'a> {
    fn new(
        pattern: &'a Pattern,
        exact: &'a [u32],
        haystacks: &'a [Utf32String],
        masks: &'a [u64],
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
            masks,
            needs: pattern_mask(pattern),
        }
    }

    /// The rank for a score: the exact-student-number bit, then the score.
    fn rank(&self, index: usize, score: u32) -> u32 {
        let mut rank = score.min(EXACT - 1);
        if self.exact.contains(&(index as u32)) {
            rank |= EXACT;
        }
        rank
    }

    /// The greedy (linear-time) rank, or `None` if the entry does not match.
    fn greedy(&self, index: usize, matcher: &mut Matcher) -> Option<u32> {
        if self.masks[index] & self.needs != self.needs {
            return None;
        }
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
    fn score_into(&self, matcher: &mut Matcher, indices: impl Iterator<Item = u32>, out: &mut Vec<Hit>) {
        for index in indices {
            if let Some(rank) = self.greedy(index as usize, matcher) {
                out.push(Hit { index, rank });
            }
        }
    }

    /// Scores the candidates, on several threads when there are many. The threads (this one
    /// included) take blocks of candidates in turn, so one that is held up by other work on the
    /// machine does not hold up the rest. Hits come in no particular order.
    fn score(&self, matchers: &mut [Matcher], candidates: Candidates<'_>) -> Vec<Hit> {
        let n = candidates.len();
        let threads = if n > PARALLEL_THRESHOLD { matchers.len() } else { 1 };
        let next = AtomicUsize::new(0);
        let run = |m: &mut Matcher| -> Vec<Hit> {
            let mut out = Vec::with_capacity(n / threads.max(1) + BLOCK);
            loop {
                let start = next.fetch_add(BLOCK, Ordering::Relaxed);
                if start >= n {
                    break out;
                }
                let range = start..(start + BLOCK).min(n);
                match candidates {
                    Candidates::All(_) => self.score_into(m, range.map(|i| i as u32), &mut out),
                    Candidates::Some(hits) => self.score_into(m, hits[range].iter().map(|h| h.index), &mut out),
                }
            }
        };
        let Some((mine, others)) = matchers.split_first_mut() else {
            return Vec::new();
        };
        if threads <= 1 {
            return run(mine);
        }
        std::thread::scope(|s| {
            let run = &run;
            let handles: Vec<_> = others
                .iter_mut()
                .take(threads - 1)
                .map(|m| s.spawn(move || run(m)))
                .collect();
            let mut out = run(mine);
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

    fn names(v: Vec<DirectoryEntry>) -> Vec<String> {
        v.into_iter().map(|e| e.name.clone()).collect()
    }

    fn client(i: u128, name: &str, sn: &str, email: &str) -> crate::domain::client::Client {
        use crate::domain::client::{Client, ContactPreferences, Level, Status};
        use crate::domain::validate::{Email, StudentNumber};
        Client {
            id: ClientId(i),
            student_number: StudentNumber::parse(sn).unwrap(),
            name: name.into(),
            programme: "BSc Testing".into(),
            school: None,
            level: Level::Ug,
            status: Status::Student,
            course_end: None,
            email: Email::parse(email).unwrap(),
            phone: None,
            contact: ContactPreferences::all(),
            flags: Vec::new(),
            activities: Vec::new(),
            suspension: None,
            block: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn clients_added_or_changed_after_the_build_are_found_as_they_are_now() {
        let mut idx = ClientIndex::new(sample());
        assert!(idx.search("quentin", 5).is_empty());
        idx.upsert(&client(90, "Quentin Walk-In", "20239999", "qw@example.ac.uk"));
        assert_eq!(names(idx.search("quentin", 5)), ["Quentin Walk-In"]);
        assert_eq!(idx.search("20239999", 5)[0].id, ClientId(90));
        // Bilal's e-mail changes: the new one finds him, once; the old entry is not shown.
        idx.upsert(&client(2, "Bilal Haddad", "20230002", "bilal.new@example.ac.uk"));
        let hits = idx.search("had", 5);
        assert_eq!(hits.iter().filter(|e| e.id == ClientId(2)).count(), 1);
        assert_eq!(hits[0].email, "bilal.new@example.ac.uk");
        assert_eq!(idx.search("bilal.new", 5)[0].id, ClientId(2));
        // Everyone else is found as before.
        assert_eq!(idx.search("crs", 3)[0].name, "Carys Pritchard");
        // Text as typed in one part and only loose matches in the other: the loose ones are
        // left out, as they would be in one index.
        let mut one = ClientIndex::new(vec![entry(1, "Zephyrine Quarrington", "10234567")]);
        assert_eq!(
            names(one.search("que", 5)),
            ["Zephyrine Quarrington"],
            "a loose match alone"
        );
        one.upsert(&client(2, "Quentin Walkin", "20249999", "qw@example.ac.uk"));
        assert_eq!(names(one.search("que", 5)), ["Quentin Walkin"]);
        let all = idx.search("20230", 50);
        assert_eq!(all.len(), 6, "each built entry once, Bilal as he is now");
        assert_eq!(all.iter().filter(|e| e.id == ClientId(2)).count(), 1);
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
    fn text_as_typed_comes_first_and_loose_matching_is_the_fallback() {
        let mut entries: Vec<DirectoryEntry> = (0..40u128)
            .map(|i| entry(i, &format!("Aisha Person{i}"), &format!("300{i:05}")))
            .collect();
        // Matches "ais" only loosely (a..i..s), not as typed.
        entries.push(entry(99, "Alina Ibsen", "30099999"));
        let mut idx = ClientIndex::new(entries);
        let hits = idx.search("ais", 10);
        assert_eq!(hits.len(), 10);
        assert!(hits.iter().all(|e| e.name.starts_with("Aisha")), "{hits:?}");
        let all = idx.search("ais", 45);
        assert_eq!(all.len(), 40, "only the entries containing the text as typed");
        // When nobody contains the text as typed, loose (fuzzy) matches come back.
        let loose = idx.search("aln", 45);
        assert!(loose.iter().any(|e| e.name == "Alina Ibsen"), "{loose:?}");
        assert!(!idx.search("asha", 5).is_empty(), "a typo still finds people");
        // One or two letters: words starting with them, first names first.
        let short = idx.search("ib", 5);
        assert_eq!(short[0].name, "Alina Ibsen");
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
    fn the_shared_domain_is_not_searched_but_others_are() {
        let mut data = sample();
        data[2].email = "carys.p@mailbox.example.org".to_string();
        let mut idx = ClientIndex::new(data);
        assert!(idx.search("'student.example", 10).is_empty());
        assert_eq!(names(idx.search("'mailbox", 10)), ["Carys Pritchard"]);
        assert_eq!(names(idx.search("'bilal.haddad", 10)), ["Bilal Haddad"]);
    }

    #[test]
    fn matches_are_the_text_as_typed_or_else_exactly_the_optimal_matchers() {
        let mut data = generated(3000);
        data.push(entry(90_001, "José Núñez", "77"));
        data.push(entry(90_002, "Zoë Ölander", "78"));
        let ids: HashMap<u128, usize> = data.iter().enumerate().map(|(i, e)| (e.id.0, i)).collect();
        let mut idx = ClientIndex::new(data);
        let mut m = matcher();
        for q in [
            "a", "an", "jose", "Jo", "nun", "zoe", "ÖLA", "9 ana", "'Ana", "^an", "lde$", "xq", "ñ",
        ] {
            let p = pattern(q);
            let lowered: Vec<String> = (0..idx.len())
                .map(|i| idx.haystacks[i].to_string().to_lowercase())
                .collect();
            let ql = q.to_lowercase();
            let plain_query = ql.is_ascii() && !ql.contains(['!', '\\', '^', '$', '\'']);
            let as_typed: Vec<usize> = if !plain_query {
                Vec::new()
            } else if ql.len() >= SUBSTRING_MIN {
                (0..idx.len()).filter(|&i| lowered[i].contains(&ql)).collect()
            } else if ql.bytes().all(|b| b.is_ascii_alphanumeric()) {
                (0..idx.len())
                    .filter(|&i| lowered[i].split(' ').any(|w| w.starts_with(&ql)))
                    .collect()
            } else {
                Vec::new()
            };
            let expected: Vec<usize> = if as_typed.is_empty() {
                (0..idx.len())
                    .filter(|&i| p.score(idx.haystacks[i].slice(..), &mut m).is_some())
                    .collect()
            } else {
                as_typed
            };
            idx.reset();
            let mut got: Vec<usize> = idx.search(q, usize::MAX).iter().map(|e| ids[&e.id.0]).collect();
            got.sort_unstable();
            assert_eq!(got, expected, "query {q:?}");
        }
        assert_eq!(names(idx.search("jose", 1)), ["José Núñez"]);
        assert_eq!(names(idx.search("zoe ola", 1)), ["Zoë Ölander"]);
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
