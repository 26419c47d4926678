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
//!
//! The index's building is in `build`, its queries in `query`, the scoring they share in
//! `score`, the handle the panes share in `shared`, and the palette's ranking in `palette`.

mod build;
mod palette;
mod query;
mod score;
mod shared;
#[cfg(test)]
mod tests;

pub use palette::rank_commands;
pub use shared::SharedIndex;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

use crate::desk::ClientDirectory;

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
