//! A one-line text field: typing, deleting, moving the cursor, optional masking for passwords.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::{Line, Span};

use crate::ui::theme::Theme;

/// A single-line text field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
    /// Show `•` instead of the characters.
    pub masked: bool,
    /// The longest text accepted, in characters.
    pub max: usize,
}

impl Input {
    /// An empty field.
    pub fn new() -> Self {
        Self {
            max: 200,
            ..Self::default()
        }
    }

    /// An empty password field.
    pub fn password() -> Self {
        Self {
            masked: true,
            ..Self::new()
        }
    }

    /// A field holding `text`.
    pub fn with(text: &str) -> Self {
        let mut i = Self::new();
        i.set(text);
        i
    }

    /// The text.
    pub fn value(&self) -> &str {
        &self.text
    }

    /// Replaces the text; the cursor goes to the end.
    pub fn set(&mut self, text: &str) {
        self.text = text.chars().take(self.max.max(1)).collect();
        self.cursor = self.text.chars().count();
    }

    /// Empties the field.
    pub fn clear(&mut self) {
        self.set("");
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text.char_indices().nth(chars).map_or(self.text.len(), |(i, _)| i)
    }

    /// Applies an editing key; returns whether the text changed.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        let len = self.text.chars().count();
        match key.code {
            KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                if len >= self.max || c.is_control() {
                    return false;
                }
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                true
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                let changed = !self.text.is_empty();
                self.clear();
                changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
                true
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                true
            }
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                false
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(len);
                false
            }
            KeyCode::Home => {
                self.cursor = 0;
                false
            }
            KeyCode::End => {
                self.cursor = len;
                false
            }
            _ => false,
        }
    }

    /// The field as a line: `label: text▏` with a visible cursor mark when focused.
    pub fn line(&self, label: &str, focused: bool, th: &Theme) -> Line<'static> {
        let shown: String = if self.masked {
            "•".repeat(self.text.chars().count())
        } else {
            self.text.clone()
        };
        let mut spans = vec![Span::styled(
            format!("{label}: "),
            if focused { th.title } else { th.dim },
        )];
        if focused {
            let split = shown.char_indices().nth(self.cursor).map_or(shown.len(), |(i, _)| i);
            spans.push(Span::styled(shown[..split].to_string(), th.text));
            spans.push(Span::styled("▏", th.key));
            spans.push(Span::styled(shown[split..].to_string(), th.text));
        } else {
            spans.push(Span::styled(shown, th.text));
        }
        Line::from(spans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn editing_keys_change_the_text_at_the_cursor() {
        let mut i = Input::new();
        for c in "adaa".chars() {
            i.handle(&key(KeyCode::Char(c)));
        }
        i.handle(&key(KeyCode::Backspace));
        assert_eq!(i.value(), "ada");
        i.handle(&key(KeyCode::Home));
        i.handle(&key(KeyCode::Char('L')));
        assert_eq!(i.value(), "Lada");
        i.handle(&key(KeyCode::Delete));
        assert_eq!(i.value(), "Lda");
        i.handle(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(i.value(), "");
    }

    #[test]
    fn a_password_field_never_shows_its_text() {
        let mut i = Input::password();
        i.set("secret-words");
        let line = i.line("Password", true, &Theme::of(crate::ui::theme::ThemeKind::Plain));
        let text: String = line.spans.iter().map(|s| s.content.to_string()).collect();
        assert!(!text.contains("secret"));
        assert!(text.contains("••••"));
    }
}
