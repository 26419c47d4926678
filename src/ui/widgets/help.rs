//! The help overlay: every command of the current context and the global ones, with their
//! keys from the active keymap, grouped under headings.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph, Widget};

use super::{centered, WidgetTheme};
use crate::ui::command::Context;
use crate::ui::keymap::HelpRow;

/// The title of the overlay.
pub const TITLE: &str = " Keys (esc to close) ";
/// Shown in place of keys for a command that has none.
const NO_KEY: &str = "(palette)";

/// The help popup over the screen, built from [`crate::ui::keymap::Keymap::help_rows`].
pub struct HelpOverlay<'a> {
    /// The rows to show, already in order.
    pub rows: &'a [HelpRow],
    /// How many lines are scrolled off the top.
    pub scroll: u16,
    /// Styles.
    pub theme: &'a WidgetTheme,
}

/// The heading for a group of rows.
pub fn heading(context: Context) -> String {
    match context {
        Context::Global => "Everywhere".to_string(),
        other => {
            let name = other.section();
            let mut chars = name.chars();
            let first = chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>())
                .unwrap_or_default();
            format!("{first}{}", chars.as_str())
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

impl HelpOverlay<'_> {
    /// The body lines (headings, rows and blank lines between groups), before scrolling.
    pub fn lines(&self) -> Vec<Line<'static>> {
        let theme = self.theme;
        let key_w = self
            .rows
            .iter()
            .map(|r| {
                if r.keys.is_empty() {
                    width(NO_KEY)
                } else {
                    width(&r.keys)
                }
            })
            .max()
            .unwrap_or(0);
        let name_w = self.rows.iter().map(|r| width(r.name)).max().unwrap_or(0);
        let mut lines = Vec::new();
        let mut group: Option<Context> = None;
        for row in self.rows {
            if group != Some(row.context) {
                if group.is_some() {
                    lines.push(Line::default());
                }
                lines.push(Line::from(Span::styled(heading(row.context), theme.title)));
                group = Some(row.context);
            }
            let (keys, key_style) = if row.keys.is_empty() {
                (NO_KEY, theme.dim)
            } else {
                (row.keys.as_str(), theme.key)
            };
            lines.push(Line::from(vec![
                Span::styled("  ", theme.base),
                Span::styled(format!("{keys:<key_w$}"), key_style),
                Span::styled("  ", theme.base),
                Span::styled(format!("{:<name_w$}", row.name), theme.base),
                Span::styled("  ", theme.base),
                Span::styled(row.description, theme.dim),
            ]));
        }
        lines
    }

    /// Where the popup goes in `area`.
    pub fn popup_area(&self, area: Rect) -> Rect {
        let lines = self.lines();
        let content_w = lines.iter().map(Line::width).max().unwrap_or(0).max(width(TITLE));
        let w = u16::try_from(content_w + 4).unwrap_or(u16::MAX);
        let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
        centered(area, w, h.min(area.height.saturating_sub(2).max(3)))
    }

    /// The largest useful `scroll` when drawn in `area`.
    pub fn max_scroll(&self, area: Rect) -> u16 {
        let visible = self.popup_area(area).height.saturating_sub(2);
        u16::try_from(self.lines().len())
            .unwrap_or(u16::MAX)
            .saturating_sub(visible)
    }
}

impl Widget for &HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let popup = self.popup_area(area);
        let max = self.max_scroll(area);
        let scroll = self.scroll.min(max);
        let mut block = Block::bordered()
            .padding(Padding::horizontal(1))
            .title(Span::styled(TITLE, self.theme.title))
            .border_style(self.theme.base)
            .style(self.theme.base);
        // Say in words that there is more, not only with a scroll bar's colour.
        if scroll < max {
            block = block.title_bottom(Span::styled(" more below: down/pagedown ", self.theme.dim));
        } else if scroll > 0 {
            block = block.title_bottom(Span::styled(" more above: up/pageup ", self.theme.dim));
        }
        Clear.render(popup, buf);
        Paragraph::new(self.lines())
            .block(block)
            .scroll((scroll, 0))
            .render(popup, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::keymap::{Base, Keymap};
    use crate::ui::widgets::row_text;

    #[test]
    fn overlay_shows_title_groups_and_keys() {
        let rows = Keymap::builtin(Base::Default).help_rows(Context::Clients);
        let theme = WidgetTheme::plain();
        let overlay = HelpOverlay {
            rows: &rows,
            scroll: 0,
            theme: &theme,
        };
        let area = Rect::new(0, 0, 120, 60);
        let mut buf = Buffer::empty(area);
        // Something underneath is cleared; the filler is a symbol no help row uses.
        buf.set_string(0, 30, "░".repeat(120), ratatui::style::Style::default());
        (&overlay).render(area, &mut buf);
        let text: Vec<String> = (0..60).map(|y| row_text(&buf, y)).collect();
        let all = text.join("\n");
        assert!(all.contains("Keys (esc to close)"), "{all}");
        let clients = text
            .iter()
            .position(|l| l.contains("│ Clients"))
            .expect("clients heading");
        let global = text
            .iter()
            .position(|l| l.contains("│ Everywhere"))
            .expect("global heading");
        assert!(clients < global);
        assert!(all.contains("b          book"), "{all}");
        assert!(all.contains("ctrl-p, :  palette"), "{all}");
        let popup = overlay.popup_area(area);
        let inside: String = row_text(&buf, 30)
            .chars()
            .skip(usize::from(popup.x) + 1)
            .take(usize::from(popup.width) - 2)
            .collect();
        assert!(!inside.contains('░'), "{inside}");
    }

    #[test]
    fn small_screens_scroll_and_say_so() {
        let rows = Keymap::builtin(Base::Default).help_rows(Context::Calendar);
        let theme = WidgetTheme::plain();
        let area = Rect::new(0, 0, 100, 12);
        let overlay = HelpOverlay {
            rows: &rows,
            scroll: 0,
            theme: &theme,
        };
        assert!(overlay.max_scroll(area) > 0);
        let mut buf = Buffer::empty(area);
        (&overlay).render(area, &mut buf);
        let all: String = (0..12).map(|y| row_text(&buf, y)).collect::<Vec<_>>().join("\n");
        assert!(all.contains("more below"), "{all}");
        let far = HelpOverlay {
            rows: &rows,
            scroll: u16::MAX,
            theme: &theme,
        };
        let mut buf = Buffer::empty(area);
        (&far).render(area, &mut buf);
        let all: String = (0..12).map(|y| row_text(&buf, y)).collect::<Vec<_>>().join("\n");
        assert!(all.contains("next-theme"), "{all}");
        assert!(all.contains("more above"), "{all}");
    }
}
