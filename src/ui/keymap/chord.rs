//! Key chords: one key with optional modifiers, parsed from and formatted to the keymap text
//! form (`ctrl-p`, `shift-tab`, `A`, `f2`), and normalised so that every way a terminal reports
//! the same keystroke gives the same chord. A [`KeySeq`] is chords pressed one after another
//! (`g g`), written with spaces between them.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The modifiers a chord can carry; others (super, hyper, meta) are ignored.
const CHORD_MODS: KeyModifiers = KeyModifiers::CONTROL
    .union(KeyModifiers::ALT)
    .union(KeyModifiers::SHIFT);

/// Named keys in their canonical spelling, with the code each stands for.
const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("space", KeyCode::Char(' ')),
];

/// Other spellings accepted when parsing (never produced when formatting).
const ALIASES: &[(&str, &str)] = &[
    ("escape", "esc"),
    ("return", "enter"),
    ("del", "delete"),
    ("ins", "insert"),
];

/// A key with its modifiers, normalised (see [`KeyChord::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    /// The key.
    pub code: KeyCode,
    /// Control, alt and shift only.
    pub mods: KeyModifiers,
}

/// Why a chord's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ChordError {
    /// What is wrong, for a person.
    pub message: String,
}

impl ChordError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl KeyChord {
    /// A chord, normalised: only ctrl/alt/shift are kept; an uppercase letter always carries
    /// shift and a shifted lowercase letter becomes uppercase; other characters drop shift
    /// (`?` is `?` however the terminal reports it); tab with shift is back-tab, which always
    /// carries shift.
    pub fn new(code: KeyCode, mods: KeyModifiers) -> KeyChord {
        let mut mods = mods & CHORD_MODS;
        let code = match code {
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        let code = match code {
            KeyCode::BackTab => {
                mods |= KeyModifiers::SHIFT;
                code
            }
            KeyCode::Char(c) if c.is_uppercase() => {
                mods |= KeyModifiers::SHIFT;
                code
            }
            KeyCode::Char(c) if c.is_lowercase() && mods.contains(KeyModifiers::SHIFT) => {
                let mut up = c.to_uppercase();
                match (up.next(), up.next()) {
                    (Some(u), None) => KeyCode::Char(u),
                    _ => code,
                }
            }
            KeyCode::Char(c) if !c.is_alphabetic() => {
                mods.remove(KeyModifiers::SHIFT);
                code
            }
            other => other,
        };
        KeyChord { code, mods }
    }

    /// The chord a terminal key event stands for, normalised.
    pub fn from_event(e: &KeyEvent) -> KeyChord {
        KeyChord::new(e.code, e.modifiers)
    }

    /// Whether the chord is a character with no ctrl or alt: it would be typed into a text field.
    pub fn is_plain_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && !self.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        let shift = self.mods.contains(KeyModifiers::SHIFT);
        match self.code {
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Char(' ') => f.write_str("space"),
            // Letters show shift by their case; other characters never carry it.
            KeyCode::Char(c) if c.is_alphabetic() || !shift => write!(f, "{c}"),
            code => {
                if shift {
                    f.write_str("shift-")?;
                }
                match code {
                    KeyCode::F(n) => write!(f, "f{n}"),
                    KeyCode::Char(c) => write!(f, "{c}"),
                    code => match NAMED.iter().find(|(_, k)| *k == code) {
                        Some((name, _)) => f.write_str(name),
                        None => write!(f, "{}", format!("{code:?}").to_lowercase()),
                    },
                }
            }
        }
    }
}

impl FromStr for KeyChord {
    type Err = ChordError;

    /// Reads `[ctrl-][alt-][shift-]key`, where key is one character or a key name.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(ChordError::new("empty key"));
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let found = [
                ("ctrl-", KeyModifiers::CONTROL),
                ("alt-", KeyModifiers::ALT),
                ("shift-", KeyModifiers::SHIFT),
            ]
            .into_iter()
            .find(|(prefix, _)| lower.starts_with(prefix) && rest.len() > prefix.len());
            let Some((prefix, m)) = found else { break };
            if mods.contains(m) {
                return Err(ChordError::new(format!(
                    "`{}` is given twice",
                    prefix.trim_end_matches('-')
                )));
            }
            mods |= m;
            rest = &rest[prefix.len()..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if mods.contains(KeyModifiers::SHIFT) && !c.is_alphabetic() {
                    return Err(ChordError::new(format!(
                        "`shift-` goes with letters and named keys only; write the character itself instead of `{text}`"
                    )));
                }
                if c.is_control() {
                    return Err(ChordError::new(
                        "a control character is not a key; use a name such as `tab`",
                    ));
                }
                KeyCode::Char(c)
            }
            _ => named(rest).ok_or_else(|| {
                ChordError::new(format!(
                    "unknown key `{rest}`: expected one character or a name such as enter, esc, tab, space, \
                     pageup or f2, after optional ctrl-, alt-, shift-"
                ))
            })?,
        };
        Ok(KeyChord::new(code, mods))
    }
}

/// The most chords one binding may take.
pub const MAX_SEQ: usize = 4;

/// One or more chords pressed one after another, e.g. `g g`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeySeq(Vec<KeyChord>);

impl KeySeq {
    /// The sequence of these chords (at least one).
    pub fn new(chords: Vec<KeyChord>) -> Option<KeySeq> {
        (!chords.is_empty() && chords.len() <= MAX_SEQ).then_some(KeySeq(chords))
    }

    /// The chords, in the order they are pressed.
    pub fn chords(&self) -> &[KeyChord] {
        &self.0
    }

    /// Whether this sequence is the start of `other` and shorter than it.
    pub fn is_prefix_of(&self, other: &KeySeq) -> bool {
        self.0.len() < other.0.len() && other.0.starts_with(&self.0)
    }
}

impl From<KeyChord> for KeySeq {
    fn from(chord: KeyChord) -> Self {
        KeySeq(vec![chord])
    }
}

impl fmt::Display for KeySeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl FromStr for KeySeq {
    type Err = ChordError;

    /// Reads chords separated by spaces (`g g`, `ctrl-x ctrl-s`); a lone space is the space key.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        match parts.as_slice() {
            [] => return Ok(KeySeq(vec![text.parse()?])),
            [one] => return Ok(KeySeq(vec![one.parse()?])),
            _ => {}
        }
        if parts.len() > MAX_SEQ {
            return Err(ChordError::new(format!(
                "at most {MAX_SEQ} keys may be pressed in turn for one command"
            )));
        }
        parts
            .iter()
            .map(|p| p.parse())
            .collect::<Result<Vec<_>, _>>()
            .map(KeySeq)
    }
}

/// The code for a key name (case-insensitive), including `f1`..`f12` and aliases.
fn named(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    let canonical = ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map_or(lower.as_str(), |(_, c)| c);
    if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == canonical) {
        return Some(*code);
    }
    let n: u8 = canonical.strip_prefix('f')?.parse().ok()?;
    (1..=12).contains(&n).then_some(KeyCode::F(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> KeyChord {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn canonical_forms_round_trip() {
        for s in [
            "q",
            "?",
            "/",
            "#",
            ":",
            "1",
            "A",
            "ctrl-p",
            "ctrl-A",
            "alt-x",
            "ctrl-alt-delete",
            "shift-tab",
            "f2",
            "f12",
            "enter",
            "esc",
            "space",
            "pageup",
            "shift-up",
            "-",
            "ctrl--",
        ] {
            assert_eq!(parse(s).to_string(), s);
        }
    }

    #[test]
    fn spellings_normalise() {
        assert_eq!(parse("shift-a"), parse("A"));
        assert_eq!(parse("Ctrl-p"), parse("ctrl-p"));
        assert_eq!(parse("CTRL-P"), parse("ctrl-shift-p"));
        assert_eq!(parse("ESCAPE"), parse("esc"));
        assert_eq!(parse("PageDown").to_string(), "pagedown");
        assert_eq!(parse("shift-tab").code, KeyCode::BackTab);
    }

    #[test]
    fn bad_chords_are_refused() {
        for s in ["", "ctrl-", "ctrl-ctrl-a", "f13", "f0", "hyper-a", "shift-?", "enterr"] {
            assert!(s.parse::<KeyChord>().is_err(), "{s}");
        }
    }

    #[test]
    fn sequences_parse_with_spaces_and_know_their_prefixes() {
        let gg: KeySeq = "g g".parse().unwrap();
        assert_eq!(gg.to_string(), "g g");
        assert_eq!(gg.chords(), &[parse("g"), parse("g")]);
        let g: KeySeq = "g".parse().unwrap();
        assert!(g.is_prefix_of(&gg));
        assert!(!gg.is_prefix_of(&g));
        assert!(!gg.is_prefix_of(&gg));
        assert_eq!(" ".parse::<KeySeq>().unwrap(), KeySeq::from(parse("space")));
        assert_eq!("ctrl-x  ctrl-s".parse::<KeySeq>().unwrap().to_string(), "ctrl-x ctrl-s");
        assert!("a b c d e".parse::<KeySeq>().is_err());
        assert!("g ctrl-".parse::<KeySeq>().is_err());
    }

    #[test]
    fn events_normalise() {
        let ev = |c, m| KeyChord::from_event(&KeyEvent::new(c, m));
        assert_eq!(ev(KeyCode::Char('A'), KeyModifiers::NONE), parse("A"));
        assert_eq!(ev(KeyCode::Char('A'), KeyModifiers::SHIFT), parse("A"));
        assert_eq!(ev(KeyCode::Char('a'), KeyModifiers::SHIFT), parse("A"));
        assert_eq!(ev(KeyCode::Char('?'), KeyModifiers::SHIFT), parse("?"));
        assert_eq!(ev(KeyCode::BackTab, KeyModifiers::NONE), parse("shift-tab"));
        assert_eq!(ev(KeyCode::Tab, KeyModifiers::SHIFT), parse("shift-tab"));
        assert_eq!(
            ev(KeyCode::Char('p'), KeyModifiers::CONTROL | KeyModifiers::SUPER),
            parse("ctrl-p")
        );
        assert!(ev(KeyCode::Char('x'), KeyModifiers::NONE).is_plain_text());
        assert!(ev(KeyCode::Char('X'), KeyModifiers::SHIFT).is_plain_text());
        assert!(!ev(KeyCode::Char('s'), KeyModifiers::CONTROL).is_plain_text());
        assert!(!ev(KeyCode::Enter, KeyModifiers::NONE).is_plain_text());
    }
}
