//! Searching the client lookup index: text as typed, word starts for one or two letters,
//! exact student numbers, and fuzzy matching that reuses the previous query's hits.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use nucleo_matcher::pattern::Pattern;

use super::build::folded;
use super::score::{Candidates, Scorer};
use super::{pattern, ClientIndex, Hit};
use crate::desk::{ClientDirectory, DirectoryEntry};

/// How many earlier queries (each a prefix of the next) are kept for reuse.
const MAX_HISTORY: usize = 64;

/// Queries at least this long are first looked for as typed (see `substring_hits`).
pub(super) const SUBSTRING_MIN: usize = 3;

/// How many of the greedy matcher's best hits are scored again optimally.
const RERANK: usize = 256;

impl ClientIndex {
    /// The entries whose student number is `query` (ignoring case and surrounding spaces).
    fn exact(&self, query: &str) -> &[u32] {
        exact_numbers(&self.entries, &self.by_number, query)
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

/// The run of `by_number` (entries sorted by [`number_order`]) whose student number is `query`.
fn exact_numbers<'a>(entries: &ClientDirectory, by_number: &'a [u32], query: &str) -> &'a [u32] {
    let q = query.trim();
    let key = |i: &u32| folded(entries.student_number(*i as usize)).cmp(folded(q));
    let from = by_number.partition_point(|i| key(i).is_lt());
    let to = by_number.partition_point(|i| key(i).is_le());
    &by_number[from..to]
}
