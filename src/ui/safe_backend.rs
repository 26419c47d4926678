//! The last stop before the terminal: a backend that checks every cell's symbol on its way out.
//!
//! ratatui already leaves out graphemes holding a control character when it lays text out
//! (`Buffer::set_stringn`, `Span::styled_graphemes`) and skips zero-width ones such as the
//! bidirectional overrides, so record text drawn as spans never carries them. A widget may
//! still set a cell's symbol directly; this wrapper makes sure that whatever reaches the
//! terminal holds no character `domain::text::is_unsafe` names: such a symbol is drawn as
//! U+FFFD (padded to the symbol's width, so the columns after it stay where they were).

use std::borrow::Cow;

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::text::Span;

use crate::domain::text::is_unsafe;

/// A [`Backend`] that passes everything to `B`, with every cell's symbol made safe first.
#[derive(Debug)]
pub struct SafeBackend<B> {
    inner: B,
}

impl<B> SafeBackend<B> {
    /// Wraps `inner`.
    pub fn new(inner: B) -> Self {
        Self { inner }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }
}

/// The cell as it may be shown: itself when its symbol is safe, else a copy showing U+FFFD.
pub fn safe_cell(cell: &Cell) -> Cow<'_, Cell> {
    let symbol = cell.symbol();
    if !symbol.chars().any(is_unsafe) {
        return Cow::Borrowed(cell);
    }
    // As wide as ratatui takes the symbol to be when it works out which cells follow it.
    let width = if symbol.len() == 1 {
        1
    } else {
        Span::raw(symbol).width().max(1)
    };
    let mut shown = cell.clone();
    shown.set_symbol(&format!("\u{FFFD}{}", " ".repeat(width - 1)));
    Cow::Owned(shown)
}

impl<B: Backend> Backend for SafeBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, Cow<'a, Cell>)> = content.map(|(x, y, c)| (x, y, safe_cell(c))).collect();
        self.inner.draw(cells.iter().map(|(x, y, c)| (*x, *y, c.as_ref())))
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::{Paragraph, Widget};

    use super::*;

    #[test]
    fn ratatui_already_leaves_controls_and_overrides_out_of_laid_out_text() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 1));
        Paragraph::new("a\x1b[31mb\u{202e}c\u{9b}d\x07").render(buf.area, &mut buf);
        let shown: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(shown.trim_end(), "a[31mbcd");
    }

    #[test]
    fn a_cell_set_directly_with_a_control_is_drawn_as_a_replacement() {
        let mut backend = SafeBackend::new(TestBackend::new(8, 1));
        let mut esc = Cell::default();
        esc.set_symbol("\x1b[2J");
        let mut bell = Cell::default();
        bell.set_symbol("\x07");
        let mut bidi = Cell::default();
        bidi.set_symbol("\u{202e}");
        let plain = Cell::new("é");
        // ratatui skips the cells a wide symbol covers: the replacement covers as many.
        backend
            .draw([(0, 0, &esc), (4, 0, &bell), (5, 0, &bidi), (6, 0, &plain)].into_iter())
            .unwrap();
        let cells: Vec<&str> = backend.inner().buffer().content.iter().map(|c| c.symbol()).collect();
        assert_eq!(cells, ["\u{FFFD}   ", " ", " ", " ", "\u{FFFD}", "\u{FFFD}", "é", " "]);
    }

    #[test]
    fn safe_symbols_are_passed_on_untouched() {
        let cell = Cell::new("界");
        assert!(matches!(safe_cell(&cell), Cow::Borrowed(_)));
    }
}
