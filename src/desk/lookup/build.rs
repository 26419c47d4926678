//! Building the lookup index from a client directory: clients numbered in name order, a
//! sorted term set (an `fst` map from term to term number), each term's clients, and the
//! clients of every prefix shared by many terms' clients, merged ahead of time.

use std::collections::HashMap;

use super::terms::{client_terms, fold};
use crate::desk::ClientDirectory;

/// A prefix whose terms have more clients than this gets its merged list built ahead of time;
/// any other prefix's clients are merged when asked (at most this many, so it stays cheap).
pub(super) const UNION_MIN: usize = 1024;

/// The immutable part of the lookup index.
pub(super) struct Built {
    /// Directory position of each document; documents are clients in name order.
    pub docs: Vec<u32>,
    /// Document of each directory position.
    pub doc_of: Vec<u32>,
    /// Term -> term number, in term order.
    pub terms: fst::Map<Vec<u8>>,
    /// Where each term's documents start in `postings` (one more at the end).
    pub post_starts: Vec<u32>,
    /// Each term's documents, ascending.
    pub postings: Vec<u32>,
    /// Prefix -> number of its merged list in `unions`.
    pub prefixes: fst::Map<Vec<u8>>,
    /// Where each merged list starts in `unions` (one more at the end).
    pub union_starts: Vec<u32>,
    /// Merged lists of documents, each ascending and without repeats.
    pub unions: Vec<u32>,
}

impl Built {
    /// Indexes every entry of `dir`.
    pub fn new(dir: &ClientDirectory) -> Built {
        let n = dir.len();
        let folded: Vec<String> = (0..n).map(|i| fold(dir.name(i))).collect();
        let mut docs: Vec<u32> = (0..n as u32).collect();
        docs.sort_unstable_by(|&a, &b| folded[a as usize].cmp(&folded[b as usize]).then(a.cmp(&b)));
        drop(folded);
        let mut doc_of = vec![0u32; n];
        for (doc, &i) in docs.iter().enumerate() {
            doc_of[i as usize] = doc as u32;
        }

        // Every (term, document) pair, terms numbered as first met.
        let mut ids: HashMap<String, u32> = HashMap::with_capacity(n * 3);
        let mut words: Vec<String> = Vec::new();
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(n * 6);
        let mut buf = Vec::new();
        for (doc, &i) in docs.iter().enumerate() {
            let [name, number, email, _] = dir.fields(i as usize);
            buf.clear();
            client_terms(name, number, email, &mut buf);
            buf.sort_unstable();
            buf.dedup();
            for t in buf.drain(..) {
                let id = match ids.get(&t) {
                    Some(&id) => id,
                    None => {
                        let id = words.len() as u32;
                        words.push(t.clone());
                        ids.insert(t, id);
                        id
                    }
                };
                pairs.push((id, doc as u32));
            }
        }
        drop(ids);
        // Term numbers in term order.
        let mut order: Vec<u32> = (0..words.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| words[a as usize].as_bytes().cmp(words[b as usize].as_bytes()));
        let mut rank = vec![0u32; words.len()];
        for (r, &w) in order.iter().enumerate() {
            rank[w as usize] = r as u32;
        }
        let mut counts = vec![0u32; words.len() + 1];
        for &(t, _) in &pairs {
            counts[rank[t as usize] as usize + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let post_starts = counts.clone();
        let mut postings = vec![0u32; pairs.len()];
        // Pairs are in document order, so each term's documents come out ascending.
        for &(t, doc) in &pairs {
            let slot = &mut counts[rank[t as usize] as usize];
            postings[*slot as usize] = doc;
            *slot += 1;
        }
        drop(pairs);
        let sorted: Vec<&str> = order.iter().map(|&w| words[w as usize].as_str()).collect();
        let terms = map_of(sorted.iter().enumerate().map(|(r, t)| (t.as_bytes(), r as u64)));
        let (prefixes, union_starts, unions) = merged_prefixes(&sorted, &post_starts, &postings);
        Built {
            docs,
            doc_of,
            terms,
            post_starts,
            postings,
            prefixes,
            union_starts,
            unions,
        }
    }

    /// Term number `t`'s documents.
    pub fn postings(&self, t: u64) -> &[u32] {
        list(&self.post_starts, &self.postings, t)
    }

    /// The documents of term numbers `lo` up to (not including) `hi`, laid end to end (not
    /// merged); `None` for numbers out of range.
    pub fn postings_between(&self, lo: u64, hi: u64) -> Option<&[u32]> {
        let at = |t: u64| {
            usize::try_from(t)
                .ok()
                .and_then(|t| self.post_starts.get(t))
                .map(|&s| s as usize)
        };
        let (a, b) = (at(lo)?, at(hi)?);
        self.postings.get(a..b)
    }

    /// Merged list `u`.
    pub fn union(&self, u: u64) -> &[u32] {
        list(&self.union_starts, &self.unions, u)
    }

    /// Bytes held, roughly (for the log and the benchmarks).
    pub fn bytes(&self) -> usize {
        4 * (self.docs.len() + self.doc_of.len() + self.post_starts.len() + self.postings.len())
            + 4 * (self.union_starts.len() + self.unions.len())
            + self.terms.as_fst().as_bytes().len()
            + self.prefixes.as_fst().as_bytes().len()
    }
}

/// List `i` of lists laid end to end; empty for a number out of range (a saved lookup's fst
/// values are not trusted: see `saved`).
fn list<'a>(starts: &[u32], all: &'a [u32], i: u64) -> &'a [u32] {
    let i = usize::try_from(i).unwrap_or(usize::MAX);
    match (starts.get(i), i.checked_add(1).and_then(|j| starts.get(j))) {
        (Some(&a), Some(&b)) => all.get(a as usize..b as usize).unwrap_or(&[]),
        _ => &[],
    }
}

/// An fst map of keys given in ascending order.
fn map_of<'a>(items: impl Iterator<Item = (&'a [u8], u64)>) -> fst::Map<Vec<u8>> {
    let mut b = fst::MapBuilder::memory();
    for (k, v) in items {
        // Keys come sorted and unique, which is all insert can refuse; skip rather than panic.
        let _ = b.insert(k, v);
    }
    b.into_map()
}

/// The merged document lists of every prefix whose terms have more than [`UNION_MIN`]
/// documents in all. Terms are sorted, so a prefix's terms are one run; runs of length `l`
/// nest in runs of length `l - 1`, so the search stops at the first length with none.
fn merged_prefixes(sorted: &[&str], post_starts: &[u32], postings: &[u32]) -> (fst::Map<Vec<u8>>, Vec<u32>, Vec<u32>) {
    let docs_of = |from: usize, to: usize| (post_starts[to] - post_starts[from]) as usize;
    let mut runs: Vec<(&str, usize, usize)> = Vec::new();
    let mut chars = 1;
    loop {
        let before = runs.len();
        let mut i = 0;
        while i < sorted.len() {
            let Some(p) = char_prefix(sorted[i], chars) else {
                i += 1;
                continue;
            };
            let mut j = i + 1;
            while j < sorted.len() && sorted[j].as_bytes().starts_with(p.as_bytes()) {
                j += 1;
            }
            if docs_of(i, j) > UNION_MIN {
                runs.push((p, i, j));
            }
            i = j;
        }
        if runs.len() == before {
            break;
        }
        chars += 1;
    }
    runs.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut starts = Vec::with_capacity(runs.len() + 1);
    let mut unions = Vec::new();
    for &(_, from, to) in &runs {
        starts.push(unions.len() as u32);
        let at = unions.len();
        unions.extend_from_slice(&postings[post_starts[from] as usize..post_starts[to] as usize]);
        unions[at..].sort_unstable();
        let mut keep = at;
        for k in at..unions.len() {
            if k == at || unions[k] != unions[keep - 1] {
                unions[keep] = unions[k];
                keep += 1;
            }
        }
        unions.truncate(keep);
    }
    starts.push(unions.len() as u32);
    let prefixes = map_of(runs.iter().enumerate().map(|(u, r)| (r.0.as_bytes(), u as u64)));
    (prefixes, starts, unions)
}

/// The first `chars` characters of `s`, if it has that many.
fn char_prefix(s: &str, chars: usize) -> Option<&str> {
    match s.char_indices().nth(chars) {
        Some((at, _)) => Some(&s[..at]),
        None => (s.chars().count() == chars).then_some(s),
    }
}
