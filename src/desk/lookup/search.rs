//! Answering a query: each word's clients by how they match (exactly, as the start of a term,
//! with one typo, with two), then, cost level by cost level, the clients every word matches,
//! walked in name order until the limit is reached.

use std::borrow::Cow;

use super::terms::{fold, typos_allowed};
use super::{typos, walk, Lookup};

/// How a word matched a term: the index into a word's lists.
const EXACT: usize = 0;
const PREFIX: usize = 1;
const TYPO1: usize = 2;
const TYPO2: usize = 3;

/// Typo matches are looked for only when fewer clients than this match without one, as
/// Typesense's `typo_tokens_threshold` does: a query that already finds people as typed is
/// seldom a slip, and the typo search is the costly part.
pub const TYPO_THRESHOLD: usize = 10;

/// One result: a document of the built index, or a recently changed client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    Built(u32),
    Recent(usize),
}

/// What a client's match costs: typos first, then words matched only as a start. Lower is
/// better.
type Cost = (u8, u8);

fn cost(class: usize) -> Cost {
    match class {
        EXACT => (0, 0),
        PREFIX => (0, 1),
        TYPO1 => (1, 1),
        _ => (2, 1),
    }
}

/// One word of a query with its documents by class: exact, prefix (including exact), and
/// those with a term whose start is one or two typos away (filled only when needed).
struct Word<'a> {
    text: &'a str,
    lists: [Cow<'a, [u32]>; 4],
}

/// A query being answered.
pub(super) struct Query<'a> {
    lookup: &'a Lookup,
    words: Vec<Word<'a>>,
}

impl<'a> Query<'a> {
    /// Looks each word up as an exact term and as the start of terms.
    pub fn new(lookup: &'a Lookup, words: &'a [String]) -> Query<'a> {
        let built = &lookup.built;
        let words = words
            .iter()
            .map(|w| {
                let exact: Cow<[u32]> = match built.terms.get(w) {
                    Some(t) => Cow::Borrowed(built.postings(t)),
                    None => Cow::Borrowed(&[]),
                };
                let prefix = match built.prefixes.get(w) {
                    Some(u) => Cow::Borrowed(built.union(u)),
                    None => Cow::Owned(prefix_docs(lookup, w)),
                };
                Word {
                    text: w,
                    lists: [exact, prefix, Cow::Borrowed(&[]), Cow::Borrowed(&[])],
                }
            })
            .collect();
        Query { lookup, words }
    }

    /// The best `limit` results.
    pub fn run(mut self, limit: usize) -> Vec<Found> {
        let mut hits = self.levels(limit.max(TYPO_THRESHOLD), false);
        let typos = hits.len() < TYPO_THRESHOLD;
        hits.truncate(limit);
        if typos && hits.len() < limit && self.words.iter().any(|w| typos_allowed(w.text) > 0) {
            self.fill_typos();
            let more = self.levels(limit - hits.len(), true);
            hits.extend(more);
        }
        let recent = self.recent(typos);
        if recent.is_empty() {
            return hits.into_iter().map(|(_, doc)| Found::Built(doc)).collect();
        }
        // Merge with the recently changed clients by cost, then folded name.
        let lookup = self.lookup;
        let name_of = |f: &Found| -> Cow<str> {
            match *f {
                Found::Built(doc) => Cow::Owned(fold(lookup.dir.name(lookup.built.docs[doc as usize] as usize))),
                Found::Recent(i) => Cow::Borrowed(lookup.recent.folded_name(i)),
            }
        };
        let mut all: Vec<(Cost, Found)> = hits.into_iter().map(|(c, d)| (c, Found::Built(d))).collect();
        all.extend(recent);
        let mut keyed: Vec<(Cost, Cow<str>, Found)> = all.iter().map(|&(c, f)| (c, name_of(&f), f)).collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        keyed.into_iter().take(limit).map(|(_, _, f)| f).collect()
    }

    /// Documents of the built index, best first, up to `limit`: the levels without typos, or
    /// those with.
    fn levels(&self, limit: usize, typos: bool) -> Vec<(Cost, u32)> {
        let mut combos: Vec<(Cost, Vec<usize>)> = Vec::new();
        let mut classes = vec![0usize; self.words.len()];
        let top = if typos { TYPO2 } else { PREFIX };
        loop {
            let usable = classes.iter().zip(&self.words).all(|(&c, w)| !w.lists[c].is_empty());
            let c = classes.iter().fold((0u8, 0u8), |acc, &c| {
                let k = cost(c);
                (acc.0 + k.0, acc.1 + k.1)
            });
            if usable && (c.0 > 0) == typos {
                combos.push((c, classes.clone()));
            }
            // The next combination of classes, as an odometer.
            let mut i = 0;
            loop {
                if i == classes.len() {
                    combos.sort_by_key(|(c, _)| *c);
                    return self.walk(&combos, limit);
                }
                if classes[i] < top {
                    classes[i] += 1;
                    break;
                }
                classes[i] = 0;
                i += 1;
            }
        }
    }

    /// Walks the combinations in cost order; within one cost, documents in name order.
    fn walk(&self, combos: &[(Cost, Vec<usize>)], limit: usize) -> Vec<(Cost, u32)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < combos.len() && out.len() < limit {
            let level = combos[i].0;
            let mut docs: Vec<u32> = Vec::new();
            while i < combos.len() && combos[i].0 == level {
                self.intersect(&combos[i].1, limit - out.len(), &mut docs);
                i += 1;
            }
            // The combinations of one level are disjoint: sorting puts them in name order.
            docs.sort_unstable();
            docs.truncate(limit - out.len());
            out.extend(docs.into_iter().map(|d| (level, d)));
        }
        out
    }

    /// Appends up to `limit` documents that every word matches in its given class.
    fn intersect(&self, classes: &[usize], limit: usize, out: &mut Vec<u32>) {
        let mut cursors: Vec<Cursor> = classes
            .iter()
            .zip(&self.words)
            .map(|(&c, w)| Cursor {
                list: &w.lists[c],
                pos: 0,
                // A class holds the documents of its list that no better class of the word holds
                // (the prefix list holds the exact one's).
                minus: match c {
                    EXACT => Vec::new(),
                    PREFIX => vec![&w.lists[EXACT][..]],
                    TYPO1 => vec![&w.lists[PREFIX][..]],
                    _ => vec![&w.lists[PREFIX][..], &w.lists[TYPO1][..]],
                },
            })
            .collect();
        cursors.sort_by_key(|c| c.list.len());
        let wanted = out.len() + limit;
        let n = cursors.len();
        let (mut target, mut agree, mut i) = (0u32, 0usize, 0usize);
        loop {
            let Some(d) = cursors[i].seek(target) else { return };
            if d == target {
                agree += 1;
            } else {
                target = d;
                agree = 1;
            }
            if agree == n {
                if !self.lookup.is_stale(target) {
                    out.push(target);
                    if out.len() >= wanted {
                        return;
                    }
                }
                let Some(next) = target.checked_add(1) else { return };
                target = next;
                agree = 0;
            }
            i = (i + 1) % n;
        }
    }

    /// Fills each word's typo lists: the documents of terms whose start is one (or, from 9
    /// letters, two) typos from the word.
    fn fill_typos(&mut self) {
        let built = &self.lookup.built;
        for w in &mut self.words {
            // A bitmap over the documents merges many terms' lists faster than sorting them.
            let words = built.docs.len().div_ceil(64);
            let (mut one, mut two) = (vec![0u64; words], vec![0u64; words]);
            let max = typos_allowed(w.text);
            if max == 0 {
                continue;
            }
            // The first letter must be right (a slip there would send the search through nearly
            // every term); the start of the rest may hold the typos.
            typos::typo_bits(built, w.text, max, &mut one, &mut two);
            w.lists[TYPO1] = Cow::Owned(docs_of(&one));
            w.lists[TYPO2] = Cow::Owned(docs_of(&two));
        }
    }

    /// The recently changed clients every word matches, with their cost.
    fn recent(&mut self, typos: bool) -> Vec<(Cost, Found)> {
        let recent = &self.lookup.recent;
        if recent.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        'entries: for (i, e) in recent.live() {
            let mut total = (0u8, 0u8);
            for w in &self.words {
                let class = e.terms.iter().filter_map(|t| class_of(w, t)).min();
                let Some(class) = class else { continue 'entries };
                let k = cost(class);
                total = (total.0 + k.0, total.1 + k.1);
            }
            if typos || total.0 == 0 {
                out.push((total, Found::Recent(i)));
            }
        }
        out
    }
}

/// The documents whose bits are set, ascending.
fn docs_of(bits: &[u64]) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, &w) in bits.iter().enumerate() {
        let mut w = w;
        while w != 0 {
            out.push(i as u32 * 64 + w.trailing_zeros());
            w &= w - 1;
        }
    }
    out
}

/// The word's first character, as text.
fn first_char(w: &str) -> &str {
    w.char_indices().nth(1).map_or(w, |(at, _)| &w[..at])
}

/// How `w` matches the term `t`, if it does.
fn class_of(w: &Word<'_>, t: &str) -> Option<usize> {
    if t == w.text {
        return Some(EXACT);
    }
    if t.starts_with(w.text) {
        return Some(PREFIX);
    }
    if !t.starts_with(first_char(w.text)) {
        return None;
    }
    let max = typos_allowed(w.text);
    if max == 0 {
        return None;
    }
    match typos::typos(w.text, t, max)? {
        1 => Some(TYPO1),
        2 => Some(TYPO2),
        _ => None,
    }
}

/// The documents of every term starting with `w`, merged (a prefix with few enough of them
/// that it was not merged ahead of time: at most `build::UNION_MIN`).
fn prefix_docs(lookup: &Lookup, w: &str) -> Vec<u32> {
    // The terms starting with `w` are one run of term numbers, their documents one run too.
    let mut docs = walk::prefix_postings(&lookup.built, w.as_bytes())
        .unwrap_or(&[])
        .to_vec();
    docs.sort_unstable();
    docs.dedup();
    docs
}

/// A sorted list of documents, less those in some other sorted lists, read forwards.
struct Cursor<'l> {
    list: &'l [u32],
    pos: usize,
    minus: Vec<&'l [u32]>,
}

impl Cursor<'_> {
    /// The first document at or after `target` that the lists to leave out do not hold.
    fn seek(&mut self, target: u32) -> Option<u32> {
        let list = self.list;
        if *list.get(self.pos)? < target {
            // Gallop, then search the last step.
            let mut step = 1;
            let mut lo = self.pos;
            while lo + step < list.len() && list[lo + step] < target {
                lo += step;
                step *= 2;
            }
            let hi = (lo + step + 1).min(list.len());
            self.pos = lo + list[lo..hi].partition_point(|&d| d < target);
        }
        while let Some(&d) = list.get(self.pos) {
            if !self.minus.iter().any(|m| m.binary_search(&d).is_ok()) {
                return Some(d);
            }
            self.pos += 1;
        }
        None
    }
}
