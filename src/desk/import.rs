//! Importing clients from CSV: all or nothing unless bad rows are skipped on request.

use std::collections::HashMap;
use std::io::Read;

use serde::Deserialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::ClientId;
use crate::store::WriteSet;

use super::clients::NewClient;
use super::{now_ms, Desk, DeskError};

/// A row that could not be imported: its line in the file and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("line {line}: {reason}")]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// What was wrong.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Clients added.
    pub imported: usize,
    /// Rows skipped (only with skip-bad).
    pub skipped: Vec<RowError>,
}

#[derive(Debug, Deserialize)]
struct Row {
    #[serde(alias = "student-number", alias = "student number")]
    student_number: String,
    name: String,
    email: String,
    #[serde(default)]
    phone: Option<String>,
    programme: String,
    #[serde(default)]
    school: Option<String>,
    level: String,
    status: String,
    #[serde(default, alias = "course-end", alias = "course end")]
    course_end: Option<String>,
    #[serde(default)]
    contact: Option<String>,
}

/// The CSV header `import clients` expects.
pub const CSV_HEADER: &str = "student_number,name,email,phone,programme,school,level,status,course_end,contact";

impl Desk {
    /// Imports clients from CSV. With bad rows, nothing is imported and every bad row is
    /// reported with its line and reason, unless `skip_bad` is set.
    pub fn import_clients(
        &self,
        source: impl Read,
        source_name: &str,
        skip_bad: bool,
    ) -> Result<ImportReport, DeskError> {
        self.require(Permission::ImportClients)?;
        let now = self.now();
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(source);
        let headers = reader
            .headers()
            .map_err(|e| {
                DeskError::Invalid(format!(
                    "{source_name}: cannot read the header line: {e}. Expected: {CSV_HEADER}"
                ))
            })?
            .clone();
        let mut good: Vec<(u64, Client)> = Vec::new();
        let mut bad: Vec<RowError> = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    bad.push(RowError {
                        line,
                        reason: format!("not readable as CSV: {e}"),
                    });
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            let row: Row = match record.deserialize(Some(&headers)) {
                Ok(r) => r,
                Err(e) => {
                    bad.push(RowError {
                        line,
                        reason: format!("{e}; expected columns: {CSV_HEADER}"),
                    });
                    continue;
                }
            };
            let input = NewClient {
                student_number: row.student_number,
                name: row.name,
                email: row.email,
                phone: row.phone,
                programme: row.programme,
                school: row.school,
                level: row.level,
                status: row.status,
                course_end: row.course_end,
                contact: row.contact,
            };
            let client = match input.parse() {
                Ok(details) => Client::new(ClientId::new_at(now_ms(now)), details, now),
                Err(errors) => {
                    let reason = errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ");
                    bad.push(RowError { line, reason });
                    continue;
                }
            };
            let sn = client.student_number.to_string();
            if let Some(first) = seen.get(&sn) {
                bad.push(RowError {
                    line,
                    reason: format!("student number {sn} appears again (first on line {first})"),
                });
                continue;
            }
            if self.store.client_by_student_number(&client.student_number)?.is_some() {
                bad.push(RowError {
                    line,
                    reason: format!("a client with student number {sn} already exists"),
                });
                continue;
            }
            seen.insert(sn, line);
            good.push((line, client));
        }
        if !bad.is_empty() && !skip_bad {
            return Err(DeskError::BadRows(bad));
        }
        let mut ws = WriteSet::new();
        for (_, c) in &good {
            ws.put(&self.store, None, c);
        }
        ws.audit(self.audit(
            AuditAction::Import,
            None,
            format!(
                "{} client(s) imported from {source_name}; {} bad row(s) skipped",
                good.len(),
                bad.len()
            ),
        ));
        self.commit(ws)?;
        for (_, c) in &good {
            self.directory_update(c);
        }
        Ok(ImportReport {
            imported: good.len(),
            skipped: bad,
        })
    }
}
