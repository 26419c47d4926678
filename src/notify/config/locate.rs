//! Where a problem in `notify.toml` is: the line and field of a syntax error, a type error
//! (wrong type, unknown or missing field, bad value) or a failed check.

use toml_edit::ImDocument;

use super::NotifyConfigError;
use crate::policy::locate::{line_of, line_of_offset, path_at};

/// Joins a multi-line parser message into one line.
pub(super) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The text between backticks after `prefix` in `message`.
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    rest.get(..rest.find('`')?)
}

/// Best guess at the field written on 1-based `line` when the file does not parse at all.
pub(super) fn field_on_line(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(key) = lines
        .get(line.saturating_sub(1))
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.starts_with('['))
    else {
        return String::new();
    };
    let section = lines[..line.saturating_sub(1).min(lines.len())]
        .iter()
        .rev()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .find(|l| l.starts_with('['))
        .map(|h| h.trim_matches(['[', ']', ' ']).to_string());
    match section {
        Some(s) if !s.is_empty() => format!("{s}.{key}"),
        _ => key,
    }
}

pub(super) struct Checker<'a> {
    pub(super) doc: &'a ImDocument<&'a str>,
    pub(super) file: &'a str,
}

impl Checker<'_> {
    pub(super) fn error(&self, field: &str, message: impl Into<String>) -> NotifyConfigError {
        NotifyConfigError {
            file: self.file.to_string(),
            line: line_of(self.doc, field),
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// A deserialisation error (wrong type, unknown or missing field, bad value).
    pub(super) fn type_error(&self, e: &toml::de::Error) -> NotifyConfigError {
        let message = one_line(e.message());
        let span = e.span().filter(|s| Some(s) != self.doc.as_table().span().as_ref());
        let line = span.clone().map(|s| line_of_offset(self.doc.raw(), s.start));
        let mut field = span.and_then(|s| path_at(self.doc, s.start)).unwrap_or_default();
        for prefix in ["missing field `", "unknown field `"] {
            if let Some(name) = backticked(&message, prefix) {
                if field.rsplit(['.', '[']).next() != Some(name) {
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
        NotifyConfigError {
            file: self.file.to_string(),
            line,
            field,
            message,
        }
    }
}
