//! The command palette: type part of a command's name or description, pick it with the arrows
//! and run it with enter. It reaches every command, including those without a key.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{centered, WidgetTheme};
use crate::ui::command::{Command, Context};
use crate::ui::keymap::Keymap;
use crate::ui::palette_rank::rank_commands;

/// The title of the popup.
pub const TITLE: &str = " Commands (enter to run, esc to close) ";
/// The most list rows shown at once.
const MAX_ROWS: u16 = 14;

/// The palette's state: what has been typed and which match is selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    /// The text typed so far.
    pub query: String,
    /// The selected row of the current matches.
    pub selected: usize,
}

/// What a key did to the palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteInput {
    /// The query changed: recompute the matches.
    Typed,
    /// The selection moved.
    Moved,
    /// Run the selected command (see [`Palette::selected_command`]).
    Run,
    /// Close the palette without running anything.
    Close,
    /// The key means nothing here.
    Ignored,
}

impl Palette {
    /// An empty palette.
    pub fn new() -> Self {
        Self::default()
    }

    /// Carries out a command from the keymap's `[palette]` keys, given how many matches are
    /// listed now: `select` runs, `back` closes, `up`/`down` (and the rest of the movement
    /// commands) move.
    pub fn command(&mut self, cmd: Command, matches: usize) -> PaletteInput {
        match cmd {
            Command::Back | Command::Palette => PaletteInput::Close,
            Command::Select if matches > 0 => {
                self.selected = self.selected.min(matches - 1);
                PaletteInput::Run
            }
            Command::Up => self.step(matches, false),
            Command::Down => self.step(matches, true),
            Command::First | Command::PageUp if matches > 0 => {
                self.selected = 0;
                PaletteInput::Moved
            }
            Command::Last | Command::PageDown if matches > 0 => {
                self.selected = matches - 1;
                PaletteInput::Moved
            }
            _ => PaletteInput::Ignored,
        }
    }

    /// Edits the query with a key no command took: characters and backspace edit it, ctrl-u
    /// clears it.
    pub fn type_key(&mut self, key: &KeyEvent) -> PaletteInput {
        if key.kind == KeyEventKind::Release {
            return PaletteInput::Ignored;
        }
        let ctrl = key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('u') if ctrl && !self.query.is_empty() => {
                self.query.clear();
                self.selected = 0;
                PaletteInput::Typed
            }
            KeyCode::Backspace if self.query.pop().is_some() => {
                self.selected = 0;
                PaletteInput::Typed
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                self.query.push(c);
                self.selected = 0;
                PaletteInput::Typed
            }
            _ => PaletteInput::Ignored,
        }
    }

    /// Moves the selection one row, wrapping at either end.
    fn step(&mut self, matches: usize, down: bool) -> PaletteInput {
        if matches == 0 {
            return PaletteInput::Ignored;
        }
        let current = self.selected.min(matches - 1);
        self.selected = if down {
            (current + 1) % matches
        } else {
            (current + matches - 1) % matches
        };
        PaletteInput::Moved
    }

    /// The commands of `context` and the global ones that `allowed` lets through, ranked for
    /// the query, each with its keys in `context` (e.g. `ctrl-p, :`; empty when unbound).
    pub fn matches(
        &self,
        keymap: &Keymap,
        context: Context,
        allowed: &dyn Fn(Command) -> bool,
    ) -> Vec<(Command, String)> {
        let own = Command::ALL
            .iter()
            .filter(|c| context != Context::Global && c.context() == context);
        let global = Command::ALL.iter().filter(|c| c.context() == Context::Global);
        let items: Vec<(Command, String)> = own
            .chain(global)
            .copied()
            .filter(|&c| allowed(c))
            .map(|c| (c, keymap.keys_text(context, c)))
            .collect();
        rank_commands(&self.query, &items)
            .into_iter()
            .map(|i| items[i].clone())
            .collect()
    }

    /// The selected command among `items` (the selection is clamped to the list).
    pub fn selected_command(&self, items: &[(Command, String)]) -> Option<Command> {
        let last = items.len().checked_sub(1)?;
        items.get(self.selected.min(last)).map(|(c, _)| *c)
    }
}

/// Where the palette popup goes for `items` matches.
pub fn palette_area(frame_area: Rect, items: usize) -> Rect {
    let width = (frame_area.width.saturating_mul(2) / 3).clamp(60, 100);
    let rows = u16::try_from(items).unwrap_or(u16::MAX).clamp(1, MAX_ROWS);
    // Border, input line, separator, rows, border.
    centered(frame_area, width, rows + 4)
}

/// The terminal cursor position at the end of the typed query.
pub fn palette_cursor(frame_area: Rect, palette: &Palette, items: usize) -> (u16, u16) {
    let area = palette_area(frame_area, items);
    let typed = u16::try_from(palette.query.chars().count()).unwrap_or(u16::MAX);
    let x = area.x.saturating_add(3).saturating_add(typed);
    (x.min(area.right().saturating_sub(2)), area.y + 1)
}

/// Draws the palette: `> query`, then the matches as `name — description  [keys]`, the
/// selected one marked with `>` and reverse video.
pub fn render_palette(
    frame_area: Rect,
    buf: &mut Buffer,
    palette: &Palette,
    items: &[(Command, String)],
    theme: &WidgetTheme,
) {
    let area = palette_area(frame_area, items.len());
    Clear.render(area, buf);
    let block = Block::bordered()
        .title(Span::styled(TITLE, theme.title))
        .border_style(theme.base)
        .style(theme.base);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let input = Line::from(vec![
        Span::styled("> ", theme.key),
        Span::styled(palette.query.clone(), theme.base),
    ]);
    buf.set_line(inner.x, inner.y, &input, inner.width);
    if inner.height < 2 {
        return;
    }
    let rule = "─".repeat(usize::from(inner.width));
    buf.set_string(inner.x, inner.y + 1, rule, theme.dim);
    let list = Rect {
        y: inner.y + 2,
        height: inner.height.saturating_sub(2),
        ..inner
    };
    if list.height == 0 {
        return;
    }
    if items.is_empty() {
        buf.set_string(list.x, list.y, "  no matching command", theme.dim);
        return;
    }
    let selected = palette.selected.min(items.len() - 1);
    let visible = usize::from(list.height);
    let first = (selected + 1).saturating_sub(visible);
    for (row, (i, (command, keys))) in items.iter().enumerate().skip(first).take(visible).enumerate() {
        let y = list.y + row as u16;
        let is_selected = i == selected;
        let (marker, style, dim, key): (&str, Style, Style, Style) = if is_selected {
            let s = theme.selected_marked();
            (">", s, s, s)
        } else {
            (" ", theme.base, theme.dim, theme.key)
        };
        let mut spans = vec![
            Span::styled(format!("{marker} "), style),
            Span::styled(command.name(), style),
            Span::styled(" — ", dim),
            Span::styled(command.description(), dim),
        ];
        if !keys.is_empty() {
            spans.push(Span::styled("  [", dim));
            spans.push(Span::styled(keys.clone(), key));
            spans.push(Span::styled("]", dim));
        }
        if is_selected {
            buf.set_style(Rect { y, height: 1, ..list }, style);
        }
        buf.set_line(list.x, y, &Line::from(spans), list.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::keymap::Base;
    use crate::ui::widgets::row_text;
    use ratatui::style::Modifier;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_edit_and_commands_move_run_and_close() {
        let mut p = Palette::new();
        assert_eq!(p.type_key(&press(KeyCode::Char('b'))), PaletteInput::Typed);
        assert_eq!(p.type_key(&press(KeyCode::Char('K'))), PaletteInput::Typed);
        assert_eq!(p.query, "bK");
        assert_eq!(p.type_key(&press(KeyCode::Backspace)), PaletteInput::Typed);
        assert_eq!(p.query, "b");
        assert_eq!(p.command(Command::Down, 3), PaletteInput::Moved);
        assert_eq!(p.command(Command::Down, 3), PaletteInput::Moved);
        assert_eq!(p.command(Command::Down, 3), PaletteInput::Moved);
        assert_eq!(p.selected, 0);
        assert_eq!(p.command(Command::Up, 3), PaletteInput::Moved);
        assert_eq!(p.selected, 2);
        assert_eq!(p.command(Command::Select, 3), PaletteInput::Run);
        assert_eq!(p.command(Command::Select, 0), PaletteInput::Ignored);
        assert_eq!(p.type_key(&press(KeyCode::F(3))), PaletteInput::Ignored);
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(p.type_key(&ctrl_s), PaletteInput::Ignored);
        assert_eq!(p.command(Command::Back, 3), PaletteInput::Close);
    }

    #[test]
    fn matches_rank_filter_and_show_keys() {
        let map = Keymap::builtin(Base::Default);
        let mut p = Palette::new();
        let all = p.matches(&map, Context::Clients, &|_| true);
        assert_eq!(all[0], (Command::Book, "b".to_string()));
        assert!(all
            .iter()
            .all(|(c, _)| matches!(c.context(), Context::Clients | Context::Global)));
        p.query = "queue".into();
        let q = p.matches(&map, Context::Clients, &|c| c != Command::ShowQueue);
        assert_eq!(q[0].0, Command::QueueAdd);
        assert!(q.iter().all(|(c, _)| *c != Command::ShowQueue));
        assert_eq!(p.selected_command(&q), Some(Command::QueueAdd));
        assert_eq!(p.selected_command(&[]), None);
    }

    #[test]
    fn render_marks_the_selected_row_with_a_symbol_and_reverse_video() {
        let map = Keymap::builtin(Base::Default);
        let p = Palette {
            query: "pane".into(),
            selected: 1,
        };
        let items = p.matches(&map, Context::Calendar, &|_| true);
        assert!(items.len() >= 2);
        let area = Rect::new(0, 0, 100, 30);
        let mut buf = Buffer::empty(area);
        render_palette(area, &mut buf, &p, &items, &WidgetTheme::plain());
        let rows: Vec<String> = (0..30).map(|y| row_text(&buf, y)).collect();
        let input = rows.iter().position(|r| r.contains("│> pane")).expect("input line");
        assert!(rows[input - 1].contains("Commands"));
        let marked: Vec<usize> = (0..30).filter(|&y| rows[y].contains("│> ") && y != input).collect();
        assert_eq!(marked.len(), 1, "{rows:#?}");
        let y = marked[0];
        assert_eq!(y, input + 3, "second match selected");
        let name = items[1].0.name();
        assert!(rows[y].contains(&format!("> {name} — ")), "{}", rows[y]);
        let x = rows[y].find('>').unwrap_or(0);
        let x = rows[y][..x].chars().count() as u16;
        assert!(buf[(x, y as u16)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[(x, (y - 1) as u16)].modifier.contains(Modifier::REVERSED));
        assert!(rows[input + 2].contains("[tab]") || rows.iter().any(|r| r.contains("[tab]")));
    }

    #[test]
    fn render_says_when_nothing_matches() {
        let area = Rect::new(0, 0, 80, 20);
        let mut buf = Buffer::empty(area);
        let p = Palette {
            query: "zzzz".into(),
            selected: 0,
        };
        render_palette(area, &mut buf, &p, &[], &WidgetTheme::colour());
        assert!((0..20).any(|y| row_text(&buf, y).contains("no matching command")));
    }
}
