//! Importing employers and vacancies from an employer portal's export (EMP-02), CSV or JSON.
//! Like `import clients`: every bad row is named by its line and nothing is imported unless
//! the good rows are asked for. Imported employers are marked self-registered; one already in
//! the store (same name and website, case-folded, trailing `/` ignored) is merged, never doubled,
//! and a second row for the same employer in one file is a bad row.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::employer::{Employer, Vacancy};
use crate::domain::ids::VacancyId;
use crate::domain::limits;
use crate::domain::validate::{self, FieldError};
use crate::store::WriteSet;

use super::employer_edit::{clean_tags, same_employer_key};
use super::portal_file::{self, FileFormat, Row};
use super::{now_ms, Desk, DeskError, NewEmployer, RowError};

/// The columns `import employers` reads (`tags` separated by `;`).
pub const EMPLOYER_COLUMNS: &str = "name,sector,website,tags";

/// The columns `import vacancies` reads (`employer`: its id or exact name; `closes`: YYYY-MM-DD).
pub const VACANCY_COLUMNS: &str = "employer,title,closes,url";

/// What an employer or vacancy import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalImport {
    /// New records added.
    pub imported: usize,
    /// Rows that matched a record already in the store: merged into it (employers) or already
    /// held (vacancies), never added twice.
    pub merged: usize,
    /// Rows skipped (only when the good rows were asked for).
    pub skipped: Vec<RowError>,
}

fn fields_reason(e: DeskError) -> String {
    match e {
        DeskError::Fields(list) => list.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

impl Desk {
    /// Imports employers (EMP-02) from `bytes`, a CSV or JSON file called `source`.
    pub fn import_employers(
        &self,
        bytes: &[u8],
        source: &str,
        format: FileFormat,
        skip_bad: bool,
    ) -> Result<PortalImport, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let (rows, mut bad) = portal_file::read(bytes, source, format, &["name", "sector"], EMPLOYER_COLUMNS)?;
        let mut existing: HashMap<(String, String), Employer> = HashMap::new();
        for e in self.store.scan::<Employer>()? {
            let e = e?;
            existing.insert(same_employer_key(&e.name, e.website.as_deref()), e);
        }
        let mut seen: HashMap<(String, String), u64> = HashMap::new();
        let mut new: Vec<Employer> = Vec::new();
        let mut merged: Vec<(Employer, Employer)> = Vec::new();
        for row in &rows {
            let input = NewEmployer {
                name: row.get("name").unwrap_or("").to_string(),
                sector: row.get("sector").unwrap_or("").to_string(),
                website: row.get("website").map(str::to_string),
                tags: row
                    .get("tags")
                    .map_or_else(Vec::new, |t| t.split(';').map(str::to_string).collect()),
                owner: None,
                multi_owner: false,
                self_registered: true,
            };
            let e = match self.build_employer(&input) {
                Ok(e) => e,
                Err(err) => {
                    bad.push(RowError {
                        line: row.line,
                        reason: fields_reason(err),
                    });
                    continue;
                }
            };
            let key = same_employer_key(&e.name, e.website.as_deref());
            if let Some(first) = seen.get(&key) {
                bad.push(RowError {
                    line: row.line,
                    reason: format!("{} appears again (first on line {first})", e.name),
                });
                continue;
            }
            seen.insert(key.clone(), row.line);
            match existing.get(&key) {
                Some(old) => {
                    let mut updated = old.clone();
                    updated.self_registered = true;
                    let mut tags = updated.tags.clone();
                    tags.extend(e.tags);
                    updated.tags = clean_tags(&tags);
                    merged.push((old.clone(), updated));
                }
                None => new.push(e),
            }
        }
        if !bad.is_empty() && !skip_bad {
            bad.sort_by_key(|e| e.line);
            return Err(DeskError::BadRows(bad));
        }
        let mut ws = WriteSet::new();
        for e in &new {
            ws.put(&self.store, None, e);
        }
        for (old, updated) in &merged {
            if old != updated {
                ws.put(&self.store, Some(old), updated);
            }
        }
        ws.audit(self.audit(
            AuditAction::Import,
            None,
            format!(
                "{} employer(s) imported from {source}, {} merged with employers already held; {} bad row(s) skipped",
                new.len(),
                merged.len(),
                bad.len()
            ),
        ));
        self.commit(ws)?;
        bad.sort_by_key(|e| e.line);
        Ok(PortalImport {
            imported: new.len(),
            merged: merged.len(),
            skipped: bad,
        })
    }

    /// Imports vacancies (EMP-02) from `bytes`; each names its employer by id or exact name.
    pub fn import_vacancies(
        &self,
        bytes: &[u8],
        source: &str,
        format: FileFormat,
        skip_bad: bool,
    ) -> Result<PortalImport, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let (rows, mut bad) = portal_file::read(bytes, source, format, &["employer", "title"], VACANCY_COLUMNS)?;
        let employers: Vec<Employer> = self.store.scan::<Employer>()?.collect::<Result<_, _>>()?;
        let vacancy_key = |v: &Vacancy| (v.employer, v.title.to_lowercase(), v.closes);
        let mut held: HashMap<_, ()> = HashMap::new();
        for v in self.store.scan::<Vacancy>()? {
            held.insert(vacancy_key(&v?), ());
        }
        let mut seen: HashMap<_, u64> = HashMap::new();
        let mut new: Vec<Vacancy> = Vec::new();
        let mut already = 0usize;
        let now = self.now();
        for row in &rows {
            let v = match self.vacancy_row(row, &employers, now) {
                Ok(v) => v,
                Err(reason) => {
                    bad.push(RowError { line: row.line, reason });
                    continue;
                }
            };
            let key = vacancy_key(&v);
            if let Some(first) = seen.get(&key) {
                bad.push(RowError {
                    line: row.line,
                    reason: format!("the vacancy {} appears again (first on line {first})", v.title),
                });
                continue;
            }
            seen.insert(key.clone(), row.line);
            if held.contains_key(&key) {
                already += 1;
            } else {
                new.push(v);
            }
        }
        bad.sort_by_key(|e| e.line);
        if !bad.is_empty() && !skip_bad {
            return Err(DeskError::BadRows(bad));
        }
        let mut ws = WriteSet::new();
        for v in &new {
            ws.put(&self.store, None, v);
        }
        ws.audit(self.audit(
            AuditAction::Import,
            None,
            format!(
                "{} vacancy(ies) imported from {source}, {already} already held; {} bad row(s) skipped",
                new.len(),
                bad.len()
            ),
        ));
        self.commit(ws)?;
        Ok(PortalImport {
            imported: new.len(),
            merged: already,
            skipped: bad,
        })
    }

    /// One vacancy row checked and built, or what is wrong with it.
    fn vacancy_row(
        &self,
        row: &Row,
        employers: &[Employer],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vacancy, String> {
        let mut errors: Vec<FieldError> = Vec::new();
        let named = row.get("employer").unwrap_or("");
        let employer = if named.is_empty() {
            errors.push(FieldError::new(
                "employer",
                "is required: the employer's id or exact name",
            ));
            None
        } else {
            let by_id = ulid::Ulid::from_string(named)
                .ok()
                .and_then(|u| employers.iter().find(|e| e.id.0 == u.0));
            let wanted = named.to_lowercase();
            let by_name: Vec<&Employer> = employers.iter().filter(|e| e.name.to_lowercase() == wanted).collect();
            match (by_id, by_name.as_slice()) {
                (Some(e), _) => Some(e.id),
                (None, [e]) => Some(e.id),
                (None, []) => {
                    errors.push(FieldError::new(
                        "employer",
                        format!(
                            "no employer is called {}; import employers first (`import employers`) or give its id",
                            crate::domain::text::quote(named)
                        ),
                    ));
                    None
                }
                (None, _) => {
                    errors.push(FieldError::new(
                        "employer",
                        format!(
                            "{} employers are called {}; give the id",
                            by_name.len(),
                            crate::domain::text::quote(named)
                        ),
                    ));
                    None
                }
            }
        };
        let title = validate::line("title", row.get("title").unwrap_or(""), limits::TITLE)
            .map_err(|e| errors.push(e))
            .ok();
        let closes = match row.get("closes") {
            None => None,
            Some(d) => validate::date("closes", d).map_err(|e| errors.push(e)).ok(),
        };
        let url = match validate::optional_line("url", row.get("url"), limits::URL) {
            Ok(Some(u)) if u.contains(char::is_whitespace) || !u.contains('.') => {
                errors.push(FieldError::new(
                    "url",
                    "must be an address like https://example.com/apply",
                ));
                None
            }
            Ok(u) => u,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let (Some(employer), Some(title), true) = (employer, title, errors.is_empty()) else {
            return Err(errors.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "));
        };
        let v = Vacancy {
            id: VacancyId::new_at(now_ms(now)),
            employer,
            title,
            closes,
            url,
            self_uploaded: true,
        };
        v.check()
            .map_err(|list| list.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "))?;
        Ok(v)
    }
}
