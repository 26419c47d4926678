//! Printing results as aligned tables, JSON or CSV. Everything the CLI prints goes through
//! here: text is passed through `domain::text` on the way out, so what a person typed or a file
//! held never reaches the terminal with control characters in it (JSON escapes them, CSV cells
//! never start a formula), and a reader that goes away early (`| head`) ends the output quietly.

use std::io::{self, Write};
use std::sync::Mutex;

use clap::ValueEnum;
use serde::Serialize;

use crate::domain::text::{self, Breaks};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
    /// CSV with a header row, for spreadsheets.
    Csv,
}

/// The most characters of one value a table shows; one long value would otherwise widen every
/// row of its column.
pub const TABLE_CELL_CHARS: usize = 500;

/// Rows of text under a header, printed with aligned columns.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&'static str]) -> Self {
        Self::with_header(header.iter().map(|h| h.to_string()).collect())
    }

    /// A table whose column names are only known at run time (a report's columns); they are
    /// escaped like cells.
    pub fn with_header(header: Vec<String>) -> Self {
        Self {
            header: header
                .into_iter()
                .map(|h| text::terminal(&text::shorten(&h, TABLE_CELL_CHARS), Breaks::Escape).into_owned())
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; each cell is shown on one line, control characters escaped, and cut with `…`
    /// past [`TABLE_CELL_CHARS`] (JSON and CSV carry the whole value).
    pub fn row(&mut self, cells: Vec<String>) {
        let cells = cells
            .into_iter()
            .map(|c| text::terminal(&text::shorten(&c, TABLE_CELL_CHARS), Breaks::Escape).into_owned())
            .collect();
        self.rows.push(cells);
    }

    /// The table as text.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        // Padded by hand: `format!`'s width stops at 65,535 and a cell may be longer.
        let line = |cells: Vec<&str>| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(c.chars().count());
                    format!("{c}{}", " ".repeat(pad))
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = line(self.header.iter().map(String::as_str).collect());
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r.iter().map(String::as_str).collect()));
            out.push('\n');
        }
        out
    }
}

/// Prints `value` as JSON or CSV, or `table()` as text.
pub fn emit<T: Serialize>(format: Format, value: &T, table: impl FnOnce() -> String) {
    match render(format, value, table) {
        Ok(s) => write_stdout(&s),
        Err(e) => error(&format!("error: {e}\n")),
    }
}

/// `value` as JSON or CSV, or `table()` as text, as [`emit`] prints it (for writing to a file).
pub fn render<T: Serialize>(format: Format, value: &T, table: impl FnOnce() -> String) -> Result<String, String> {
    match format {
        Format::Json => serde_json::to_string_pretty(value)
            .map(|s| format!("{}\n", text::json(&s)))
            .map_err(|e| format!("could not write JSON: {e}")),
        Format::Table => Ok(text::terminal(&table(), Breaks::Keep).into_owned()),
        Format::Csv => serde_json::to_value(value)
            .map(|v| to_csv(&v))
            .map_err(|e| format!("could not write CSV: {e}")),
    }
}

/// Prints text for people (several lines), control characters escaped.
pub fn print_text(s: &str) {
    write_stdout(&text::terminal(s, Breaks::Keep));
}

/// Prints a message on standard error, control characters escaped; if standard error cannot
/// be written either there is nowhere left to say so.
pub fn error(s: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text::terminal(s, Breaks::Keep).as_bytes());
    let _ = err.flush();
}

/// What has become of standard output.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stdout {
    /// Being written.
    Open,
    /// The reader went away (a closed pipe): the rest of the output is not wanted.
    Gone,
    /// Writing failed otherwise (a full disk): the output is incomplete.
    Failed(String),
}

static STDOUT: Mutex<Stdout> = Mutex::new(Stdout::Open);

/// Writes `s` to standard output as it is. A closed pipe ends the output quietly (later writes
/// are dropped); any other failure is remembered for [`write_failure`].
fn write_stdout(s: &str) {
    let mut state = STDOUT.lock().unwrap_or_else(|p| p.into_inner());
    if *state != Stdout::Open {
        return;
    }
    let mut out = io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => *state = Stdout::Gone,
        Err(e) => *state = Stdout::Failed(e.to_string()),
    }
}

/// Why the output could not be written in full, if it could not (a closed pipe is not a failure).
pub fn write_failure() -> Option<String> {
    match &*STDOUT.lock().unwrap_or_else(|p| p.into_inner()) {
        Stdout::Failed(e) => Some(e.clone()),
        Stdout::Open | Stdout::Gone => None,
    }
}

/// A JSON array of objects (or one object) as CSV: the first object's keys are the header.
fn to_csv(value: &serde_json::Value) -> String {
    let rows: Vec<&serde_json::Map<String, serde_json::Value>> = match value {
        serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_object()).collect(),
        serde_json::Value::Object(o) => vec![o],
        _ => Vec::new(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    if let Some(first) = rows.first() {
        let header: Vec<&str> = first.keys().map(String::as_str).collect();
        let _ = w.write_record(&header);
        for r in &rows {
            let cells: Vec<String> = header
                .iter()
                .map(|k| match r.get(*k) {
                    Some(serde_json::Value::String(s)) => text::csv_cell(s).into_owned(),
                    Some(serde_json::Value::Null) | None => String::new(),
                    Some(n @ serde_json::Value::Number(_)) => n.to_string(),
                    // Lists and objects are JSON text that may hold any string.
                    Some(other) => text::csv_cell(&other.to_string()).into_owned(),
                })
                .collect();
            let _ = w.write_record(&cells);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Key: value lines for one record; each value on one line, control characters escaped.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:<w$}  {}\n", text::terminal(v, Breaks::Escape)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_are_escaped_and_aligned_on_what_is_shown() {
        let mut t = Table::new(&["NAME", "SCHOOL"]);
        t.row(vec!["Ada".into(), "Arts\x1b[2J\nline".into()]);
        t.row(vec!["Bob".into(), "Law".into()]);
        let out = t.render();
        assert!(!out.contains('\x1b'), "{out:?}");
        assert_eq!(out.lines().count(), 3, "{out:?}");
        assert!(out.contains("Arts\\x1b[2J\\nline"), "{out:?}");
    }

    #[test]
    fn a_cell_wider_than_format_can_pad_is_shortened_not_a_panic() {
        let mut t = Table::new(&["WHO", "WHAT"]);
        t.row(vec!["x".repeat(100_000), "a".into()]);
        t.row(vec!["y".into(), "b".into()]);
        let out = t.render();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[1].chars().count(),
            TABLE_CELL_CHARS + 1 + 2 + 1,
            "{}",
            &lines[1][..20]
        );
        assert!(lines[2].starts_with(&format!("y{}  b", " ".repeat(TABLE_CELL_CHARS))));
    }

    #[test]
    fn csv_cells_never_start_a_formula_and_numbers_stay_numbers() {
        let v = serde_json::json!([{ "name": "=cmd|' /C calc'!A0", "n": -3, "school": "-x", "esc": "a\x1bb" }]);
        let csv = to_csv(&v);
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "'=cmd|' /C calc'!A0");
        assert_eq!(&row[1], "-3");
        assert_eq!(&row[2], "'-x");
        assert_eq!(&row[3], "a\\x1bb");
    }

    #[test]
    fn field_values_are_escaped_on_one_line() {
        let out = fields(&[("School", "A\u{202e}B\nC".into())]);
        assert_eq!(out, "School  A\\u{202e}B\\nC\n");
    }
}

/// A progress bar on standard error for long work, made on the first report of progress.
#[derive(Default)]
pub struct ProgressBar(std::sync::Mutex<Option<indicatif::ProgressBar>>);

impl ProgressBar {
    /// Shows `done` of `total` for `what`.
    pub fn show(&self, what: &str, done: u64, total: u64) {
        let mut bar = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let b = bar.get_or_insert_with(|| indicatif::ProgressBar::new(total));
        b.set_length(total);
        b.set_message(what.to_string());
        b.set_position(done);
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(b) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take() {
            b.finish_and_clear();
        }
    }
}
