//! A form of labelled one-line fields, for the panes' add and edit steps: ↑/↓ move between
//! fields, typing edits the one with focus, and the owner decides what enter and esc do.
//! Problems are shown under the fields, and a field can be read-only with the reason beside it.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::ui::command::Command;
use crate::ui::input::Input;
use crate::ui::panes::widgets::block;
use crate::ui::theme::Theme;

/// One field.
#[derive(Debug, Clone)]
pub struct FormField {
    /// The label, e.g. "E-mail".
    pub label: &'static str,
    /// What is typed.
    pub input: Input,
    /// A short hint shown after the value, e.g. "ug, pgt or pgr".
    pub hint: &'static str,
    /// Why the field cannot be changed, when it cannot.
    pub locked: Option<&'static str>,
    /// The value it started with (an edit sends only the fields that differ).
    pub original: String,
}

impl FormField {
    /// A field holding `value`.
    pub fn new(label: &'static str, value: &str, hint: &'static str) -> Self {
        Self {
            label,
            input: Input::with(value),
            hint,
            locked: None,
            original: value.to_string(),
        }
    }

    /// The same field, read-only for `why`.
    pub fn locked(mut self, why: &'static str) -> Self {
        self.locked = Some(why);
        self
    }

    /// What is typed, trimmed.
    pub fn value(&self) -> &str {
        self.input.value().trim()
    }

    /// Whether the value differs from the one the field started with.
    pub fn changed(&self) -> bool {
        self.value() != self.original.trim()
    }
}

/// Fields with one in focus, and lines to show under them.
#[derive(Debug, Clone)]
pub struct Form {
    /// The fields, top to bottom.
    pub fields: Vec<FormField>,
    /// The field with focus.
    pub focus: usize,
    /// Problems to show (in the "bad" style), e.g. each refused field.
    pub problems: Vec<String>,
    /// Other lines to show (a preview, what enter will do).
    pub notes: Vec<String>,
    /// esc was pressed once on a form with typing in it: the next esc closes it.
    closing: bool,
}

/// What esc asks a form to do.
const CLOSE_AGAIN: &str = "press esc again to close the form; what you typed is not kept";

impl Form {
    /// A form over `fields`, focus on the first that can be changed.
    pub fn new(fields: Vec<FormField>) -> Self {
        let focus = fields.iter().position(|f| f.locked.is_none()).unwrap_or(0);
        Self {
            fields,
            focus,
            problems: Vec::new(),
            notes: Vec::new(),
            closing: false,
        }
    }

    /// esc: whether the form should close now. A form with nothing typed closes at once; one
    /// with typing in it asks first, so one key never throws away a walk-in's details.
    pub fn back(&mut self) -> bool {
        if self.closing || !self.fields.iter().any(FormField::changed) {
            return true;
        }
        self.closing = true;
        self.notes.retain(|n| n != CLOSE_AGAIN);
        self.notes.push(CLOSE_AGAIN.into());
        false
    }

    /// Moves the focus for ↑/↓ (and page/first/last), skipping read-only fields; returns
    /// whether the command was a movement.
    pub fn movement(&mut self, cmd: Command) -> bool {
        let open: Vec<usize> = (0..self.fields.len())
            .filter(|&i| self.fields[i].locked.is_none())
            .collect();
        let at = open.iter().position(|&i| i == self.focus).unwrap_or(0);
        let next = match cmd {
            Command::Up => at.saturating_sub(1),
            Command::Down => (at + 1).min(open.len().saturating_sub(1)),
            Command::First | Command::PageUp => 0,
            Command::Last | Command::PageDown => open.len().saturating_sub(1),
            _ => return false,
        };
        if let Some(&i) = open.get(next) {
            self.focus = i;
        }
        true
    }

    /// Types into the field with focus; returns whether its text changed.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        if std::mem::take(&mut self.closing) {
            self.notes.retain(|n| n != CLOSE_AGAIN);
        }
        match self.fields.get_mut(self.focus) {
            Some(f) if f.locked.is_none() => f.input.handle(key),
            _ => false,
        }
    }

    /// The field with focus, for moving its cursor.
    pub fn focused(&mut self) -> Option<&mut Input> {
        match self.fields.get_mut(self.focus) {
            Some(f) if f.locked.is_none() => Some(&mut f.input),
            _ => None,
        }
    }

    /// Puts the focus on the field with this label (the first one a problem names).
    pub fn focus_on(&mut self, label: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.label == label && f.locked.is_none()) {
            self.focus = i;
        }
    }

    /// The field with this label.
    pub fn field(&self, label: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.label == label)
    }

    /// The value of the field with this label ("" when there is none).
    pub fn value(&self, label: &str) -> &str {
        self.field(label).map_or("", FormField::value)
    }

    /// Draws the form in `area` (cleared first), titled `title`, with `help` as its last line.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, title: &str, help: &str, th: &Theme) {
        frame.render_widget(Clear, area);
        let width = self.fields.iter().map(|f| f.label.chars().count()).max().unwrap_or(0);
        let mut lines: Vec<Line<'static>> = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus && f.locked.is_none();
            let mark = if focused { "▶ " } else { "  " };
            let label = format!("{mark}{:>width$}", f.label);
            let mut spans = match f.locked {
                Some(_) => vec![
                    Span::styled(format!("{label}: "), th.dim),
                    Span::styled(f.input.value().to_string(), th.dim),
                ],
                None => {
                    let mut s = vec![Span::raw(String::new())];
                    s.extend(f.input.line(&label, focused, th).spans);
                    s
                }
            };
            let note = match f.locked {
                Some(why) => format!("  (read-only: {why})"),
                None if !f.hint.is_empty() => format!("  {}", f.hint),
                None => String::new(),
            };
            spans.push(Span::styled(note, th.dim));
            lines.push(Line::from(spans));
        }
        lines.push(Line::raw(""));
        for p in &self.problems {
            lines.push(Line::styled(format!("✗ {p}"), th.bad));
        }
        for n in &self.notes {
            lines.push(Line::styled(n.clone(), th.text));
        }
        lines.push(Line::styled(help.to_string(), th.dim));
        frame.render_widget(
            Paragraph::new(lines)
                .block(block(title, th, true))
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn focus_moves_past_read_only_fields_and_typing_goes_to_the_focused_one() {
        let mut f = Form::new(vec![
            FormField::new("A", "", ""),
            FormField::new("B", "locked", "").locked("not yours"),
            FormField::new("C", "x", ""),
        ]);
        assert_eq!(f.focus, 0);
        assert!(f.movement(Command::Down));
        assert_eq!(f.focus, 2, "B is read-only");
        f.key(&KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE));
        assert_eq!(f.value("C"), "xy");
        assert!(f.field("C").unwrap().changed());
        assert!(!f.field("B").unwrap().changed());
        assert!(f.movement(Command::Up));
        assert_eq!(f.focus, 0);
        assert!(!f.movement(Command::Select));
        f.focus_on("B");
        assert_eq!(f.focus, 0, "focus never lands on a read-only field");
    }
}
