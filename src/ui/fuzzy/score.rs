//! Scoring one query against the lookup index's entries: greedy scores for every candidate
//! (on several threads when there are many), optimal ones for a shortlist.

use std::sync::atomic::{AtomicUsize, Ordering};

use nucleo_matcher::pattern::{AtomKind, Pattern};
use nucleo_matcher::{Matcher, Utf32Str, Utf32String};

use super::build::char_bit;
use super::Hit;

/// Above this many candidates, scoring is split over threads.
const PARALLEL_THRESHOLD: usize = 20_000;
/// Candidates a scoring thread takes at a time.
const BLOCK: usize = 4096;

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
pub(super) enum Candidates<'a> {
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
pub(super) struct Scorer<'a> {
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
    pub(super) fn new(
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
    pub(super) fn optimal(&self, index: usize, matcher: &mut Matcher) -> Option<u32> {
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
    pub(super) fn score(&self, matchers: &mut [Matcher], candidates: Candidates<'_>) -> Vec<Hit> {
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
