//! Untrusted text on its way out: what a person typed or a file held is shown through these
//! functions, so control characters and escape sequences never reach a terminal raw, long values
//! are shortened in messages, and spreadsheet cells never start a formula.
//!
//! Pure functions: the CLI's output layer (`cli/output.rs`) and the desk screen's terminal
//! (`ui/safe_backend.rs`) call them; error messages quote bad values with [`quote`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// What to do with line breaks and tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaks {
    /// Show them escaped (`\n`, `\t`): one value on one line, e.g. a table cell.
    Escape,
    /// Keep newlines, tabs and CR-LF pairs: multi-line text such as a message or a file.
    Keep,
}

/// The longest quoted value in a message, in characters, before it is shortened.
pub const QUOTE_CHARS: usize = 60;

/// Whether `c` must never reach a terminal as it is: C0 and C1 controls and DEL (which start
/// escape sequences, move the cursor or ring the bell), the bidirectional overrides, embeddings,
/// isolates and marks (which reorder what is shown, "Trojan Source"), and the Unicode line and
/// paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        )
}

/// The visible form of an unsafe character: `\x1b` for C0 controls and DEL, `\u{9b}` for the rest.
fn push_escaped(out: &mut String, c: char) {
    let _ = match c {
        '\n' => write!(out, "\\n"),
        '\t' => write!(out, "\\t"),
        '\r' => write!(out, "\\r"),
        c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    };
}

/// `s` safe for a terminal: every unsafe character replaced by its visible escaped form;
/// ordinary Unicode (accents, scripts, emoji) is kept. With [`Breaks::Keep`], newlines, tabs
/// and CR directly before a newline are kept too.
pub fn terminal(s: &str, breaks: Breaks) -> Cow<'_, str> {
    let keep = |c: char, next: Option<char>| {
        breaks == Breaks::Keep && (c == '\n' || c == '\t' || (c == '\r' && next == Some('\n')))
    };
    let mut chars = s.chars().peekable();
    let mut first_bad = None;
    let mut at = 0;
    while let Some(c) = chars.next() {
        if is_unsafe(c) && !keep(c, chars.peek().copied()) {
            first_bad = Some(at);
            break;
        }
        at += c.len_utf8();
    }
    let Some(at) = first_bad else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..at]);
    let mut chars = s[at..].chars().peekable();
    while let Some(c) = chars.next() {
        if is_unsafe(c) && !keep(c, chars.peek().copied()) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` cut to at most `max` characters, with `…` where it was cut.
pub fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
    }
}

/// A value as an error message shows it: in backticks, escaped, and shortened past
/// [`QUOTE_CHARS`] characters with its full length given, so a 10 MB value makes a short message.
pub fn quote(s: &str) -> String {
    let total = s.chars().count();
    if total <= QUOTE_CHARS {
        return format!("`{}`", terminal(s, Breaks::Escape));
    }
    let head = shorten(s, QUOTE_CHARS);
    format!("`{}` ({total} characters)", terminal(&head, Breaks::Escape))
}

/// Characters that make a spreadsheet read a cell as a formula when they start it (OWASP's
/// CSV injection guidance).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell a spreadsheet shows as text: a cell that would start a formula (`=`, `+`, `-`,
/// `@`, a tab or CR, also after leading spaces) gets a `'` in front, and unsafe characters other
/// than line breaks and tabs are escaped as for a terminal.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let formula = s.starts_with(FORMULA_STARTS) || s.trim_start_matches(' ').starts_with(FORMULA_STARTS);
    let safe = terminal(s, Breaks::Keep);
    if formula {
        Cow::Owned(format!("'{safe}"))
    } else {
        safe
    }
}

/// JSON text with every unsafe character that serde_json leaves as it is (DEL, C1 controls,
/// bidirectional controls, line separators) written as a `\uXXXX` escape. The JSON still reads
/// back to exactly the same values: these characters only ever occur inside strings.
pub fn json(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_in_json) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe_in_json(c) {
            // Every such character is in the Basic Multilingual Plane: one escape each.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Unsafe characters that may appear raw in serde_json's output: it escapes U+0000-U+001F in
/// strings, so below U+0020 only its own layout (newlines) remains.
fn is_unsafe_in_json(c: char) -> bool {
    is_unsafe(c) && (c as u32) >= 0x20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_text() {
        assert_eq!(terminal("a\x1b[31mred", Breaks::Escape), "a\\x1b[31mred");
        assert_eq!(terminal("bell\x07 del\x7f", Breaks::Escape), "bell\\x07 del\\x7f");
        assert_eq!(terminal("csi\u{9b}2J", Breaks::Escape), "csi\\u{9b}2J");
        assert_eq!(terminal("abc\u{202e}fed", Breaks::Escape), "abc\\u{202e}fed");
        assert_eq!(
            terminal("iso\u{2066}x\u{2069}", Breaks::Escape),
            "iso\\u{2066}x\\u{2069}"
        );
        assert_eq!(terminal("nul\0", Breaks::Escape), "nul\\x00");
    }

    #[test]
    fn ordinary_unicode_is_kept_and_borrowed() {
        for s in ["Zoë Ó Súilleabháin", "王小明", "محمد", "👩‍🔬 lab", "back\\slash", ""] {
            assert!(matches!(terminal(s, Breaks::Escape), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn line_breaks_are_escaped_in_one_line_and_kept_in_text() {
        assert_eq!(terminal("a\nb\tc\r\nd\re", Breaks::Escape), "a\\nb\\tc\\r\\nd\\re");
        assert_eq!(terminal("a\nb\tc\r\nd\re", Breaks::Keep), "a\nb\tc\r\nd\\re");
    }

    #[test]
    fn nothing_unsafe_is_left_whatever_the_input() {
        let nasty: String = (0u32..0x300).chain(0x2000..0x2070).filter_map(char::from_u32).collect();
        for breaks in [Breaks::Escape, Breaks::Keep] {
            let out = terminal(&nasty, breaks);
            for c in out.chars() {
                assert!(
                    !is_unsafe(c) || (breaks == Breaks::Keep && matches!(c, '\n' | '\t')),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn long_values_are_quoted_short_with_their_length() {
        let big = "x".repeat(10 * 1024 * 1024);
        let q = quote(&big);
        assert!(q.len() < 100, "{q}");
        assert!(q.ends_with("(10485760 characters)"), "{q}");
        assert_eq!(quote("a\x1bb"), "`a\\x1bb`");
        // A cut never splits a character.
        let q = quote(&"é".repeat(100));
        assert!(q.starts_with(&format!("`{}…`", "é".repeat(QUOTE_CHARS))), "{q}");
    }

    #[test]
    fn formula_cells_are_prefixed_with_a_quote() {
        for (cell, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\r=1", "'\\r=1"),
            ("  =1", "'  =1"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), want, "{cell:?}");
        }
        assert_eq!(csv_cell("esc\x1b"), "esc\\x1b");
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw_and_reads_back_the_same() {
        let value = serde_json::json!({ "s": "del\x7f c1\u{9b} bidi\u{202e} esc\x1b nl\n é" });
        let text = serde_json::to_string(&value).unwrap();
        let safe = json(&text);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }
}
