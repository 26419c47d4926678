//! Colours and symbols. No state is shown by colour alone: every state has a symbol and a word
//! (colour-blind staff, screen readers), and `NO_COLOR` turns colour off.

use ratatui::style::{Color, Modifier, Style};

use crate::domain::appointment::{Appointment, Confirmation, Outcome};
use crate::ui::widgets::WidgetTheme;

/// Which palette is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeKind {
    /// Colours on a dark background.
    Normal,
    /// Strong contrast for low vision.
    HighContrast,
    /// No colour at all (NO_COLOR).
    Plain,
}

/// The styles the screen uses.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Which one.
    pub kind: ThemeKind,
    /// Plain text.
    pub text: Style,
    /// Less important text.
    pub dim: Style,
    /// Titles and headings.
    pub title: Style,
    /// The selected row (reversed as well as coloured).
    pub selected: Style,
    /// Good news: free, allowed, attended.
    pub good: Style,
    /// Needs attention: unresolved, pending.
    pub warn: Style,
    /// Refused, no-show, failed.
    pub bad: Style,
    /// The status bar.
    pub bar: Style,
    /// Key names in bars and help.
    pub key: Style,
}

impl Theme {
    /// The theme for this terminal: plain when `NO_COLOR` is set to anything.
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::of(ThemeKind::Plain),
            _ => Theme::of(ThemeKind::Normal),
        }
    }

    /// A theme of a kind.
    pub fn of(kind: ThemeKind) -> Theme {
        let reversed = Style::default().add_modifier(Modifier::REVERSED);
        match kind {
            ThemeKind::Plain => Theme {
                kind,
                text: Style::default(),
                dim: Style::default(),
                title: Style::default().add_modifier(Modifier::BOLD),
                selected: reversed,
                good: Style::default(),
                warn: Style::default(),
                bad: Style::default().add_modifier(Modifier::BOLD),
                bar: reversed,
                key: Style::default().add_modifier(Modifier::BOLD),
            },
            ThemeKind::Normal => Theme {
                kind,
                text: Style::default(),
                dim: Style::default().fg(Color::Gray),
                title: Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                selected: reversed.fg(Color::Yellow),
                good: Style::default().fg(Color::Green),
                warn: Style::default().fg(Color::Yellow),
                bad: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
                bar: Style::default().bg(Color::Blue).fg(Color::White),
                key: Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            },
            ThemeKind::HighContrast => Theme {
                kind,
                text: Style::default().fg(Color::White),
                dim: Style::default().fg(Color::White),
                title: Style::default()
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                selected: Style::default()
                    .bg(Color::White)
                    .fg(Color::Black)
                    .add_modifier(Modifier::BOLD),
                good: Style::default().fg(Color::LightGreen).add_modifier(Modifier::BOLD),
                warn: Style::default().fg(Color::LightYellow).add_modifier(Modifier::BOLD),
                bad: Style::default().fg(Color::LightRed).add_modifier(Modifier::BOLD),
                bar: Style::default().bg(Color::White).fg(Color::Black),
                key: Style::default().fg(Color::LightYellow).add_modifier(Modifier::BOLD),
            },
        }
    }

    /// The next theme (normal <-> high contrast; plain stays plain).
    pub fn next(&self) -> Theme {
        match self.kind {
            ThemeKind::Normal => Theme::of(ThemeKind::HighContrast),
            ThemeKind::HighContrast => Theme::of(ThemeKind::Normal),
            ThemeKind::Plain => Theme::of(ThemeKind::Plain),
        }
    }

    /// The styles the shared widgets use.
    pub fn widgets(&self) -> WidgetTheme {
        WidgetTheme {
            base: self.text,
            title: self.title,
            key: self.key,
            selected: self.selected,
            dim: self.dim,
        }
    }
}

/// A slot or appointment state as the calendar shows it: symbol, word, and which style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotState {
    /// Bookable.
    Free,
    /// Booked, not yet happened.
    Booked,
    /// The client has arrived.
    CheckedIn,
    /// Settled with an outcome.
    Settled(Outcome),
    /// Past with no outcome: for a person to settle.
    Unresolved,
    /// Withdrawn slot.
    Withdrawn,
}

impl SlotState {
    /// Symbol and word, e.g. "○ free".
    pub fn label(self) -> &'static str {
        match self {
            SlotState::Free => "○ free",
            SlotState::Booked => "● booked",
            SlotState::CheckedIn => "◆ checked in",
            SlotState::Settled(Outcome::Attended) => "✔ attended",
            SlotState::Settled(Outcome::NoShow) => "✗ no-show",
            SlotState::Settled(Outcome::LateCancel) => "✗ late cancel",
            SlotState::Settled(Outcome::Cancelled) => "– cancelled",
            SlotState::Settled(Outcome::EndedTechnical) => "↻ technical",
            SlotState::Unresolved => "? unresolved",
            SlotState::Withdrawn => "– withdrawn",
        }
    }

    /// The style for the state.
    pub fn style(self, th: &Theme) -> Style {
        match self {
            SlotState::Free | SlotState::Settled(Outcome::Attended) => th.good,
            SlotState::Booked | SlotState::CheckedIn => th.text,
            SlotState::Unresolved | SlotState::Settled(Outcome::EndedTechnical) => th.warn,
            SlotState::Settled(Outcome::NoShow | Outcome::LateCancel) => th.bad,
            SlotState::Settled(Outcome::Cancelled) | SlotState::Withdrawn => th.dim,
        }
    }
}

/// A booking the sync server has yet to decide, or gave away: shown beside the booking's
/// state, always as a symbol and a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingMark {
    /// Made on a desk that syncs; the server decides at its next sync.
    Provisional,
    /// The server gave its slot to another booking or refused it: it holds no slot.
    NeedsRebooking,
}

impl BookingMark {
    /// The mark for a booking's confirmation, if it needs one.
    pub fn of(confirmation: &Confirmation) -> Option<BookingMark> {
        match confirmation {
            Confirmation::Provisional { .. } => Some(BookingMark::Provisional),
            Confirmation::NeedsRebooking { .. } => Some(BookingMark::NeedsRebooking),
            Confirmation::Local | Confirmation::Confirmed | Confirmation::Released | Confirmation::Leased { .. } => {
                None
            }
        }
    }

    /// The mark for a booking, if it needs one: none once it was cancelled, when whether the
    /// server had decided no longer matters.
    pub fn of_booking(a: &Appointment) -> Option<BookingMark> {
        match a.outcome() {
            Some(Outcome::Cancelled | Outcome::LateCancel) => None,
            _ => BookingMark::of(&a.confirmation),
        }
    }

    /// Symbol and word, e.g. "◌ provisional".
    pub fn label(self) -> &'static str {
        match self {
            BookingMark::Provisional => "◌ provisional",
            BookingMark::NeedsRebooking => "⚠ needs rebooking",
        }
    }

    /// The symbol alone, for compact cells whose legend gives the word.
    pub fn symbol(self) -> &'static str {
        match self {
            BookingMark::Provisional => "◌",
            BookingMark::NeedsRebooking => "⚠",
        }
    }

    /// The style for the mark.
    pub fn style(self, th: &Theme) -> Style {
        match self {
            BookingMark::Provisional => th.warn,
            BookingMark::NeedsRebooking => th.bad,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::DeviceId;

    #[test]
    fn booking_marks_carry_the_confirmation_s_own_word_after_their_symbol() {
        let cases = [
            Confirmation::Provisional { desk: DeviceId(1) },
            Confirmation::NeedsRebooking {
                desk: DeviceId(1),
                reason: "taken".into(),
                taken_by: None,
                alternatives: Vec::new(),
            },
        ];
        for c in cases {
            let mark = BookingMark::of(&c).expect("a mark");
            let word = c.word().expect("a word");
            assert_eq!(mark.label(), format!("{} {word}", mark.symbol()));
        }
        assert_eq!(BookingMark::of(&Confirmation::Confirmed), None);
        assert_eq!(BookingMark::of(&Confirmation::Local), None);
    }
}
