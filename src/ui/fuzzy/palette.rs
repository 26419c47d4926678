//! The command palette's ranking: the commands whose name and description match what was typed.

use std::cmp::Reverse;

use nucleo_matcher::Utf32Str;

use super::{matcher, pattern};
use crate::ui::command::Command;

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
