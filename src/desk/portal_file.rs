//! Reading a file an employer portal exported (EMP-02): CSV or JSON, UTF-8, one record a row,
//! each row with its line in the file. Cells that would start a spreadsheet formula and
//! cells longer than any field holds are row errors, so nothing hostile is stored.

use std::collections::BTreeMap;

use crate::domain::text::quote;

use super::{DeskError, RowError};

/// The largest file an import reads; larger ones are refused before reading.
pub const MAX_IMPORT_BYTES: u64 = 16 * 1024 * 1024;

/// The longest cell any column holds (a web address); longer cells are refused unread.
const MAX_CELL_CHARS: usize = crate::domain::limits::URL;

/// Characters that make a spreadsheet run a cell as a formula when they start it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated, with a header line.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl FileFormat {
    /// By the file's extension (`.csv`, `.json`), else by its first character (`[` or `{`: JSON).
    pub fn detect(name: &str, bytes: &[u8]) -> FileFormat {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return FileFormat::Json;
        }
        if lower.ends_with(".csv") {
            return FileFormat::Csv;
        }
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') | Some(b'{') => FileFormat::Json,
            _ => FileFormat::Csv,
        }
    }
}

/// One row: its line and its cells by column name (lower-case, `_` for spaces and dashes).
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub line: u64,
    pub cells: BTreeMap<String, String>,
}

impl Row {
    /// A cell, trimmed; `None` when absent or blank.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.cells.get(column).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

fn column_name(raw: &str) -> String {
    raw.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The text of a file, or why it is not UTF-8 (naming the line of the first bad byte).
fn utf8<'a>(bytes: &'a [u8], source: &str) -> Result<&'a str, DeskError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| {
        let line = 1 + body[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count();
        DeskError::Invalid(format!(
            "{source}: line {line} is not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in a spreadsheet) and import it again. Nothing was imported"
        ))
    })
}

/// Checks one cell: not longer than any field holds, not starting a formula.
fn check_cell(column: &str, value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    if chars > MAX_CELL_CHARS {
        return Err(format!(
            "{column} is {chars} characters; no column holds more than {MAX_CELL_CHARS}"
        ));
    }
    if value.trim_start_matches(' ').starts_with(FORMULA_STARTS) {
        return Err(format!(
            "{column} {} starts with a character a spreadsheet runs as a formula; remove it",
            quote(value)
        ));
    }
    Ok(())
}

/// Reads every row of `bytes`; rows that cannot be read, or whose cells are hostile, are
/// returned as row errors. `required` columns must all be in the header (else the whole file is
/// refused, naming them).
pub(super) fn read(
    bytes: &[u8],
    source: &str,
    format: FileFormat,
    required: &[&str],
    expected: &str,
) -> Result<(Vec<Row>, Vec<RowError>), DeskError> {
    let text = utf8(bytes, source)?;
    let (rows, mut bad) = match format {
        FileFormat::Csv => read_csv(text, source, expected)?,
        FileFormat::Json => read_json(text, source, expected)?,
    };
    let mut good = Vec::new();
    for row in rows {
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !row.cells.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            bad.push(RowError {
                line: row.line,
                reason: format!("no {} column; expected: {expected}", missing.join(", ")),
            });
            continue;
        }
        let hostile: Vec<String> = row.cells.iter().filter_map(|(k, v)| check_cell(k, v).err()).collect();
        if hostile.is_empty() {
            good.push(row);
        } else {
            bad.push(RowError {
                line: row.line,
                reason: hostile.join("; "),
            });
        }
    }
    bad.sort_by_key(|e| e.line);
    Ok((good, bad))
}

fn read_csv(text: &str, source: &str, expected: &str) -> Result<(Vec<Row>, Vec<RowError>), DeskError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            DeskError::Invalid(format!(
                "{source}: cannot read the header line: {e}. Expected: {expected}"
            ))
        })?
        .iter()
        .map(column_name)
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(DeskError::Invalid(format!(
            "{source}: the file is empty; the first line names the columns: {expected}"
        )));
    }
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                let cells = headers
                    .iter()
                    .zip(r.iter())
                    .map(|(h, v)| (h.clone(), v.to_string()))
                    .collect();
                rows.push(Row { line, cells });
            }
            Err(e) => bad.push(RowError {
                line: e.position().map_or(0, |p| p.line()),
                reason: format!("not readable as CSV: {e}"),
            }),
        }
    }
    Ok((rows, bad))
}

/// The line each element of the top-level JSON array starts on.
fn element_lines(text: &str) -> Vec<u64> {
    let mut lines = Vec::new();
    let (mut line, mut depth, mut in_string, mut escaped) = (1u64, 0usize, false, false);
    let mut expecting = false;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if depth == 1 && expecting && !c.is_whitespace() && c != ']' {
            lines.push(line);
            expecting = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    lines
}

fn read_json(text: &str, source: &str, expected: &str) -> Result<(Vec<Row>, Vec<RowError>), DeskError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        DeskError::Invalid(format!(
            "{source}: line {}: not readable as JSON ({e}); expected an array of objects with the keys {expected}. Nothing was imported",
            e.line()
        ))
    })?;
    let serde_json::Value::Array(items) = value else {
        return Err(DeskError::Invalid(format!(
            "{source}: expected a JSON array of objects, one a record, with the keys {expected}"
        )));
    };
    let lines = element_lines(text);
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        let serde_json::Value::Object(map) = item else {
            bad.push(RowError {
                line,
                reason: format!("not an object with the keys {expected}"),
            });
            continue;
        };
        let mut cells = BTreeMap::new();
        let mut wrong = Vec::new();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Array(list) => {
                    let mut parts = Vec::new();
                    for v in list {
                        match v {
                            serde_json::Value::String(s) => parts.push(s),
                            _ => wrong.push(format!("{k} holds something other than text")),
                        }
                    }
                    parts.join(";")
                }
                serde_json::Value::Object(_) => {
                    wrong.push(format!("{k} is an object; expected text"));
                    continue;
                }
            };
            cells.insert(column_name(&k), text);
        }
        if wrong.is_empty() {
            rows.push(Row { line, cells });
        } else {
            bad.push(RowError {
                line,
                reason: wrong.join("; "),
            });
        }
    }
    Ok((rows, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emp_02_json_rows_are_numbered_by_the_line_they_start_on() {
        let text = "[\n  {\"name\": \"a, [x]\"},\n\n  {\"name\": \"b\\\"\"}, {\"name\": \"c\"}\n]";
        assert_eq!(element_lines(text), vec![2, 4, 4]);
        assert_eq!(FileFormat::detect("portal-export", b"  [ {} ]"), FileFormat::Json);
        assert_eq!(FileFormat::detect("x.JSON", b"name"), FileFormat::Json);
        assert_eq!(FileFormat::detect("x.txt", b"name,sector"), FileFormat::Csv);
    }

    #[test]
    fn emp_02_hostile_cells_are_row_errors() {
        assert!(check_cell("name", "=HYPERLINK(\"x\")").is_err());
        assert!(check_cell("name", "  +1").is_err());
        assert!(check_cell("name", &"x".repeat(MAX_CELL_CHARS + 1)).is_err());
        assert!(check_cell("name", "Acme").is_ok());
        let err = utf8(b"name\nAcme\n\xff\xfe", "f.csv").unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("UTF-8"), "{err}");
    }
}
