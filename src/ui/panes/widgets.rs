//! Small drawing helpers the panes share: selectable lists and titled blocks.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState};
use ratatui::Frame;

use crate::ui::theme::Theme;

/// A bordered block with a title.
pub fn block<'a>(title: &str, th: &Theme, focused: bool) -> Block<'a> {
    let title = if focused {
        format!(" ▶ {title} ")
    } else {
        format!(" {title} ")
    };
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, if focused { th.title } else { th.dim }))
}

/// Draws rows as a list with the selected one marked `>` and highlighted.
pub fn list(
    frame: &mut Frame<'_>,
    area: Rect,
    rows: Vec<Line<'static>>,
    selected: Option<usize>,
    block: Block<'_>,
    th: &Theme,
) {
    let items: Vec<ListItem> = rows.into_iter().map(ListItem::new).collect();
    let mut state = ListState::default();
    state.select(selected);
    let list = List::new(items)
        .block(block)
        .highlight_style(th.selected)
        .highlight_symbol("> ");
    frame.render_stateful_widget(list, area, &mut state);
}

/// The row index under a click at `row` inside a bordered list drawn at the top of a pane
/// area, given the list's scroll offset (rows above the first visible one).
pub fn clicked_row(row: u16, top: u16, offset: usize) -> Option<usize> {
    row.checked_sub(top + 1).map(|r| r as usize + offset)
}

/// A time in the institution's zone, e.g. "Tue 1 Dec 2026 10:00".
pub fn local(tz: chrono_tz::Tz, at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&tz).format("%a %-d %b %Y %H:%M").to_string()
}
