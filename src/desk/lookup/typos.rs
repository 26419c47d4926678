//! The typo search: how many typos lie between a query word and the start of a term (the least
//! edit distance to any start of the term, a transposition of two neighbours counting as one,
//! in characters), worked out row by row as the term set's `fst` is walked, one row per
//! character of the terms below the word's first letter. A branch is left as soon as no term
//! below it can come within the word's typos; where no term below can do better than the
//! branch already has, every term below matches at that distance and their documents, one run
//! in `postings` (see `walk`), are taken whole.
//!
//! This replaces a Levenshtein automaton (`levenshtein_automata`) built for every keystroke:
//! for a 24-character e-mail with two typos building it cost more than the walk, and its prefix
//! distance was not always the least (it missed two typos at "jamal.abbott8" for the word
//! "jamal.abbott158" once another character followed).

use fst::raw::{Fst, Node};

use super::build::Built;
use super::walk::{self, set_bits};

/// Rows of edit distances, one per character of the term read so far.
struct Rows {
    /// The word's characters.
    word: Vec<char>,
    /// Most typos allowed; every distance above is kept as `max + 1`.
    max: u8,
    /// The rows end to end, `word.len() + 1` cells each.
    cells: Vec<u8>,
    /// The term's characters so far (for transpositions).
    chars: Vec<char>,
}

impl Rows {
    fn new(word: &str, max: u8) -> Rows {
        let word: Vec<char> = word.chars().collect();
        let cap = max + 1;
        let cells = (0..=word.len()).map(|j| (j.min(255) as u8).min(cap)).collect();
        Rows {
            word,
            max,
            cells,
            chars: Vec::new(),
        }
    }

    fn width(&self) -> usize {
        self.word.len() + 1
    }

    /// Reads one more character of the term; returns the new row's last cell (the distance
    /// of the word to the term read so far) and the least distance any longer term can reach
    /// from here.
    fn push(&mut self, c: char) -> (u8, u8) {
        let w = self.width();
        let cap = self.max + 1;
        let i = self.chars.len() + 1;
        let at = self.cells.len();
        self.cells.resize(at + w, cap);
        let (done, row) = self.cells.split_at_mut(at);
        let prev = &done[at - w..];
        let prev2 = (i >= 2).then(|| &done[at - 2 * w..at - w]);
        let before = self.chars.last().copied();
        row[0] = (i.min(255) as u8).min(cap);
        let mut least = row[0];
        for j in 1..w {
            let sub = prev[j - 1] + u8::from(self.word[j - 1] != c);
            let mut v = (prev[j] + 1).min(row[j - 1] + 1).min(sub);
            if let (Some(p2), Some(b)) = (prev2, before) {
                if j >= 2 && self.word[j - 2] == c && self.word[j - 1] == b {
                    v = v.min(p2[j - 2] + 1);
                }
            }
            row[j] = v.min(cap);
            least = least.min(row[j]);
        }
        let prev_least = prev.iter().copied().min().unwrap_or(cap);
        self.chars.push(c);
        (row[w - 1], least.min(prev_least.saturating_add(1)))
    }

    fn pop(&mut self) {
        let w = self.width();
        self.cells.truncate(self.cells.len() - w);
        self.chars.pop();
    }
}

/// The typos between `word` and the nearest start of `term` (both folded), when at most `max`.
pub(super) fn typos(word: &str, term: &str, max: u8) -> Option<u8> {
    let mut rows = Rows::new(word, max);
    let mut best = u8::MAX;
    for c in term.chars() {
        best = best.min(rows.push(c).0);
    }
    (best <= max).then_some(best)
}

/// Sets, in `one` and `two`, the documents of every term starting with `word`'s first
/// character whose start is one or two typos (at most `max`) from `word`.
pub(super) fn typo_bits(built: &Built, word: &str, max: u8, one: &mut [u64], two: &mut [u64]) {
    let Some(first) = word.chars().next() else { return };
    let mut buf = [0u8; 4];
    let fst = built.terms.as_fst();
    let Some((node, out)) = walk::descend(fst, first.encode_utf8(&mut buf).as_bytes()) else {
        return;
    };
    let mut rows = Rows::new(word, max);
    let (last, least) = rows.push(first);
    let mut walker = Walker {
        fst,
        built,
        rows,
        one,
        two,
    };
    walker.visit(node, out, last, least);
}

struct Walker<'a> {
    fst: &'a Fst<Vec<u8>>,
    built: &'a Built,
    rows: Rows,
    one: &'a mut [u64],
    two: &'a mut [u64],
}

impl Walker<'_> {
    /// A node reached at a character's end: `best` is the least distance of the word to a
    /// start of the term so far, `least` the least any longer term can reach.
    fn visit(&mut self, node: Node<'_>, out: u64, best: u8, least: u8) {
        let max = self.rows.max;
        if best > max && least > max {
            return;
        }
        if best <= max && least >= best {
            // Every term below ends at `best`.
            if best == 0 {
                return;
            }
            if let Some(docs) =
                walk::ranks(self.fst, node, out).and_then(|(lo, hi)| self.built.postings_between(lo, hi))
            {
                self.set(best, docs);
                return;
            }
            // Numbers that do not add up (never in a lookup built here): term by term.
        }
        self.below(node, out, best, [0; 4], 0);
    }

    /// The terms below `node`, `pending` holding the first `len` bytes of a character not
    /// yet read whole.
    fn below(&mut self, node: Node<'_>, out: u64, best: u8, pending: [u8; 4], len: usize) {
        if len == 0 && node.is_final() && (1..=self.rows.max).contains(&best) {
            let docs = self.built.postings(out.wrapping_add(node.final_output().value()));
            self.set(best, docs);
        }
        for t in node.transitions() {
            let next = self.fst.node(t.addr);
            let out = out.wrapping_add(t.out.value());
            let mut bytes = pending;
            bytes[len.min(3)] = t.inp;
            let have = (len + 1).min(4);
            let want = match bytes[0] {
                0..=0xbf => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            if have < want {
                self.below(next, out, best, bytes, have);
                continue;
            }
            let c = std::str::from_utf8(&bytes[..have])
                .ok()
                .and_then(|s| s.chars().next())
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            let (last, least) = self.rows.push(c);
            self.visit(next, out, best.min(last), least);
            self.rows.pop();
        }
    }

    fn set(&mut self, typos: u8, docs: &[u32]) {
        match typos {
            1 => set_bits(self.one, docs),
            2 => set_bits(self.two, docs),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::lookup::terms::{fold, typos_allowed};
    use crate::desk::lookup::tests::{generated, prefix_distance};

    /// A deterministic pseudo-random sequence (xorshift).
    fn rng(seed: u64) -> impl FnMut() -> usize {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as usize
        }
    }

    /// Letters alike enough to make near misses, some of two or three bytes in UTF-8.
    const LETTERS: &[char] = &['a', 'b', 'n', 'm', 'o', 'ß', 'ø', 'σ', 'я', '中'];

    fn word(next: &mut impl FnMut() -> usize, len: usize) -> String {
        (0..len).map(|_| LETTERS[next() % LETTERS.len()]).collect()
    }

    /// A term near `w`: part of it with a few edits and a tail.
    fn near(next: &mut impl FnMut() -> usize, w: &str) -> String {
        let keep = w.chars().count() - next() % 3;
        let mut t: Vec<char> = w.chars().take(keep).collect();
        for _ in 0..next() % 4 {
            let at = next() % (t.len() + 1);
            match next() % 4 {
                0 if at + 1 < t.len() => t.swap(at, at + 1),
                1 if at < t.len() => t[at] = LETTERS[next() % LETTERS.len()],
                2 if at < t.len() => {
                    t.remove(at);
                }
                _ => t.insert(at, LETTERS[next() % LETTERS.len()]),
            }
        }
        let tail = next() % 4;
        t.into_iter().chain(word(next, tail).chars()).collect()
    }

    #[test]
    fn typos_are_the_least_edit_distance_to_a_start_of_the_term() {
        let mut next = rng(0x7e57_0001);
        let mut near_misses = 0;
        for _ in 0..3000 {
            let len = 5 + next() % 7;
            let w = word(&mut next, len);
            let t = near(&mut next, &w);
            let max = typos_allowed(&w);
            let d = prefix_distance(&w, &t);
            assert_eq!(typos(&w, &t, max), (d <= max).then_some(d), "{w:?} against {t:?}");
            near_misses += usize::from((1..=max).contains(&d));
        }
        assert!(near_misses > 500, "too few near misses to mean anything: {near_misses}");
        // Two letters left out, then more: two typos from the start "jamal.abbott8". (The
        // automaton of `levenshtein_automata` used before said three once the "7" came.)
        assert_eq!(typos("jamal.abbott158", "jamal.abbott87394@student", 2), Some(2));
    }

    /// The typo lists the plain way: every term starting with the first character, one by
    /// one.
    fn typo_bits_plainly(built: &Built, w: &str, words: usize) -> (Vec<u64>, Vec<u64>) {
        let max = typos_allowed(w);
        let (mut one, mut two) = (vec![0u64; words], vec![0u64; words]);
        let first: String = w.chars().take(1).collect();
        for (t, term) in built.terms.stream().into_str_vec().unwrap_or_default() {
            if !t.starts_with(&first) {
                continue;
            }
            match prefix_distance(w, &t) {
                1 if max >= 1 => set_bits(&mut one, built.postings(term)),
                2 if max >= 2 => set_bits(&mut two, built.postings(term)),
                _ => {}
            }
        }
        (one, two)
    }

    #[test]
    fn the_typo_walk_finds_what_a_term_by_term_search_finds() {
        let mut next = rng(0x7e57_0002);
        let mut entries = generated(600);
        // Names and e-mails with letters beyond ASCII, near one another.
        for (n, e) in entries.iter_mut().enumerate().step_by(3) {
            let (a, b) = (word(&mut next, 3 + n % 4), word(&mut next, 4 + n % 6));
            e.name = format!("{a} {b}");
            e.email = format!("{a}.{b}{n}@student.example.ac.uk");
        }
        let built = Built::new(&entries.clone().into());
        let words = entries.len().div_ceil(64);
        let mut found = 0;
        for (n, e) in entries.iter().enumerate().step_by(2) {
            let last = fold(e.name.split(' ').next_back().unwrap_or_default());
            let cut: String = fold(&e.email).chars().take(9 + n % 12).collect();
            for q in [last.clone(), near(&mut next, &last), cut, word(&mut next, 5 + n % 6)] {
                let max = typos_allowed(&q);
                if max == 0 {
                    continue;
                }
                let (mut one, mut two) = (vec![0u64; words], vec![0u64; words]);
                typo_bits(&built, &q, max, &mut one, &mut two);
                let want = typo_bits_plainly(&built, &q, words);
                assert_eq!((&one, &two), (&want.0, &want.1), "{q:?}");
                found += one.iter().chain(&two).map(|w| w.count_ones() as usize).sum::<usize>();
            }
        }
        assert!(found > 50, "too few typo matches to mean anything: {found}");
    }
}
