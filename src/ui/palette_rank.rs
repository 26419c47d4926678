//! The command palette's ranking: the commands whose name and description match what was typed.

use std::cmp::Reverse;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::ui::command::Command;

/// The palette's ranking: indices of `items` whose "name description" matches `query`, best
/// first (ties keep their order). An empty query keeps every item in order.
pub fn rank_commands(query: &str, items: &[(Command, String)]) -> Vec<usize> {
    let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
    if pattern.atoms.is_empty() {
        return (0..items.len()).collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
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
