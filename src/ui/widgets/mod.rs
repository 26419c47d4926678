//! Widgets generated from the keymap: the help overlay, the command bar and the command
//! palette. They render from state only and do no IO.

pub mod command_bar;
pub mod help;
pub mod palette;

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// The styles the keymap widgets use; the theme module builds one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WidgetTheme {
    /// Ordinary text and popup background.
    pub base: Style,
    /// Titles and group headings.
    pub title: Style,
    /// Key names.
    pub key: Style,
    /// The selected row (always reversed as well as any colour, so it shows without colour).
    pub selected: Style,
    /// Secondary text.
    pub dim: Style,
}

impl WidgetTheme {
    /// No colours at all (for `NO_COLOR`): emphasis by bold, reverse video and dim only.
    pub fn plain() -> Self {
        WidgetTheme {
            base: Style::default(),
            title: Style::default().add_modifier(Modifier::BOLD),
            key: Style::default().add_modifier(Modifier::BOLD),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            dim: Style::default().add_modifier(Modifier::DIM),
        }
    }

    /// The normal colour theme.
    pub fn colour() -> Self {
        WidgetTheme {
            base: Style::default(),
            title: Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            key: Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            selected: Style::default()
                .fg(Color::Blue)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
            dim: Style::default().fg(Color::DarkGray),
        }
    }

    /// White on black with bold emphasis and no mid-tone colours.
    pub fn high_contrast() -> Self {
        WidgetTheme {
            base: Style::default().fg(Color::White).bg(Color::Black),
            title: Style::default()
                .fg(Color::White)
                .bg(Color::Black)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            key: Style::default()
                .fg(Color::Yellow)
                .bg(Color::Black)
                .add_modifier(Modifier::BOLD),
            selected: Style::default()
                .fg(Color::White)
                .bg(Color::Black)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
            dim: Style::default().fg(Color::White).bg(Color::Black),
        }
    }

    /// The selected-row style with reverse video forced on, so selection never rests on colour.
    pub fn selected_marked(&self) -> Style {
        self.selected.add_modifier(Modifier::REVERSED)
    }
}

/// A `width` x `height` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// The text of row `y` of `buf` (for tests and snapshots).
#[cfg(test)]
pub(crate) fn row_text(buf: &ratatui::buffer::Buffer, y: u16) -> String {
    let area = buf.area;
    (area.x..area.x + area.width).map(|x| buf[(x, y)].symbol()).collect()
}
