//! Locating what the TOML reader reports: a syntax error or a type error (wrong type, unknown
//! or missing field, bad value) as one policy error with its line and, where it can be told,
//! its field.

use toml_edit::ImDocument;

use super::PolicyError;
use crate::policy::locate::{line_of_offset, path_at};

/// Joins the lines of a multi-line parser message into one.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A TOML syntax error: the line is known; the field is guessed from the text around it.
pub(super) fn syntax_error(text: &str, source: &str, e: &toml_edit::TomlError) -> PolicyError {
    let line = e.span().map(|s| line_of_offset(text, s.start));
    let field = line.map(|l| field_on_line(text, l)).unwrap_or_default();
    PolicyError {
        file: source.to_string(),
        line,
        field,
        message: format!("TOML syntax error: {}", one_line(e.message())),
    }
}

/// Best guess at the field written on 1-based line `line`: `section.key`, or "" for a header.
pub(super) fn field_on_line(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(this) = lines.get(line.saturating_sub(1)) else {
        return String::new();
    };
    let this = this.trim();
    if this.starts_with('[') {
        return String::new();
    }
    let Some((key, _)) = this.split_once('=') else {
        return String::new();
    };
    let key = key.trim().trim_matches('"');
    let section = lines[..line.saturating_sub(1)]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|h| {
            let h = h.split('#').next().unwrap_or(h).trim();
            h.trim_start_matches('[').trim_end_matches(']').trim().to_string()
        });
    match section {
        Some(s) if !s.is_empty() => format!("{s}.{key}"),
        _ => key.to_string(),
    }
}

/// The text between backticks after `prefix` in `message`.
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    rest.get(..rest.find('`')?)
}

/// A type error (wrong type, unknown or missing field, bad enum value) from deserialising.
pub(super) fn type_error(doc: &ImDocument<&str>, source: &str, e: &toml::de::Error) -> PolicyError {
    let message = one_line(e.message());
    // An error about the top level (e.g. a missing section) has the root table's span: no line.
    let raw = doc.raw();
    let span = e.span().filter(|s| Some(s) != doc.as_table().span().as_ref());
    let line = span.clone().map(|s| line_of_offset(raw, s.start));
    let mut field = span.and_then(|s| path_at(doc, s.start)).unwrap_or_default();
    for prefix in ["missing field `", "unknown field `"] {
        if let Some(name) = backticked(&message, prefix) {
            let last = field.rsplit(['.', '[']).next().unwrap_or("");
            if last != name {
                field = if field.is_empty() {
                    name.to_string()
                } else {
                    format!("{field}.{name}")
                };
            }
        }
    }
    let message = if message.starts_with("unknown field `") {
        format!("{message} (is it misspelt?)")
    } else {
        message
    };
    PolicyError {
        file: source.to_string(),
        line,
        field,
        message,
    }
}
