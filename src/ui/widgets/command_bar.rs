//! The command bar: a one-line reminder of the main keys of the current pane, read from the
//! active keymap (so a rebound key shows its new binding).

use ratatui::text::{Line, Span};

use super::WidgetTheme;
use crate::ui::command::{Command, Context};
use crate::ui::keymap::Keymap;

/// Space between items.
const GAP: &str = "  ";

/// The bar, unstyled apart from bold keys: `? help  / search  b book  tab next-pane  q quit`.
pub fn command_bar_line(keymap: &Keymap, context: Context, featured: &[Command], width: u16) -> Line<'static> {
    command_bar_line_themed(keymap, context, featured, width, &WidgetTheme::plain())
}

/// The bar for `featured` commands, each as its first key in `context` and its name (unbound
/// commands are left out), cut to `width` at whole items. Help is always kept when it fits,
/// added at the end if `featured` does not list it.
pub fn command_bar_line_themed(
    keymap: &Keymap,
    context: Context,
    featured: &[Command],
    width: u16,
    theme: &WidgetTheme,
) -> Line<'static> {
    let mut wanted: Vec<Command> = Vec::new();
    for &c in featured.iter().chain(std::iter::once(&Command::Help)) {
        if !wanted.contains(&c) {
            wanted.push(c);
        }
    }
    let items: Vec<(Command, String)> = wanted
        .into_iter()
        .filter_map(|c| keymap.keys_for(context, c).first().map(|k| (c, k.to_string())))
        .collect();
    let item_w = |(c, k): &(Command, String)| k.chars().count() + 1 + c.name().chars().count();
    let width = usize::from(width);
    let help_w = items.iter().find(|(c, _)| *c == Command::Help).map(item_w);
    // Room left for the others once help (and its gap) is reserved.
    let mut used = match help_w {
        Some(w) if w <= width => w,
        _ => 0,
    };
    let mut keep = vec![false; items.len()];
    let mut full = false;
    for (i, item) in items.iter().enumerate() {
        if item.0 == Command::Help {
            keep[i] = help_w.is_some_and(|w| w <= width);
            continue;
        }
        if full {
            continue;
        }
        let extra = item_w(item) + if used == 0 { 0 } else { GAP.len() };
        if used + extra <= width {
            used += extra;
            keep[i] = true;
        } else {
            // Keep the featured order's priority: once one does not fit, stop.
            full = true;
        }
    }
    let mut spans = Vec::new();
    for ((command, key), _) in items.into_iter().zip(keep).filter(|(_, k)| *k) {
        if !spans.is_empty() {
            spans.push(Span::styled(GAP, theme.base));
        }
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {}", command.name()), theme.base));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::keymap::Base;
    use crate::ui::widgets::row_text;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::Widget;

    const FEATURED: &[Command] = &[
        Command::Help,
        Command::Search,
        Command::Book,
        Command::NextPane,
        Command::Quit,
    ];

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn bar_lists_first_keys_in_order() {
        let map = Keymap::builtin(Base::Default);
        let line = command_bar_line(&map, Context::Clients, FEATURED, 200);
        assert_eq!(text(&line), "? help  / search  b book  tab next-pane  q quit");
        let area = Rect::new(0, 0, 60, 1);
        let mut buf = Buffer::empty(area);
        line.render(area, &mut buf);
        assert!(row_text(&buf, 0).starts_with("? help  / search  b book"));
    }

    #[test]
    fn bar_cuts_whole_items_and_keeps_help() {
        let map = Keymap::builtin(Base::Default);
        // Help last in the list: still kept when the middle is cut.
        let featured = [
            Command::Search,
            Command::Book,
            Command::NextPane,
            Command::Quit,
            Command::Help,
        ];
        let line = command_bar_line(&map, Context::Clients, &featured, 30);
        assert_eq!(text(&line), "/ search  b book  ? help");
        assert!(text(&line).chars().count() <= 30);
        // Not featured: added at the end.
        let line = command_bar_line(&map, Context::Clients, &[Command::Quit], 80);
        assert_eq!(text(&line), "q quit  ? help");
        // Unbound commands are skipped; a map without help keys shows none.
        let map = Keymap::parse_over(&map, "[global]\n\"?\" = \"none\"\nf1 = \"none\"\n", "t").unwrap();
        let line = command_bar_line(&map, Context::Clients, FEATURED, 80);
        assert_eq!(text(&line), "/ search  b book  tab next-pane  q quit");
        assert_eq!(text(&command_bar_line(&map, Context::Clients, FEATURED, 3)), "");
    }
}
