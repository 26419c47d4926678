//! Reading a policy file: TOML syntax and types first, then every semantic rule, collecting all
//! problems (each with file, line and field) rather than stopping at the first.
//!
//! This file holds the file as written (the raw types), the bounds on every figure and the
//! order of the work; the errors are in `errors.rs`, locating TOML syntax and type errors in
//! `toml_errors.rs`, the checker's tools and the top-level figures in `checker.rs`, and each
//! list section (institution, terms, locations, closures, appointment types, peak periods)
//! in `sections.rs`.

mod checker;
mod errors;
mod sections;
mod sign_in;
#[cfg(test)]
mod tests;
mod toml_errors;

pub use errors::{PolicyError, PolicyErrors};

use serde::Deserialize;
use toml_edit::ImDocument;

use super::{
    AppointmentTypeId, Attachments, Backups, Complaints, Eligibility, Events, FairUse, Location, NoShow, PeakPeriod,
    Policy, Reminders, Reports, Retention, Security, Setting, SignIn, SyncSchedule, Term,
};
use toml_errors::{syntax_error, type_error};

/// The most daily backups a policy may keep (a year's).
pub const MAX_BACKUPS_KEPT: u32 = 365;

/// The fewest and most seconds between a desk's scheduled syncs (ten seconds to an hour).
pub const SYNC_EVERY_SECONDS: (u32, u32) = (10, 3_600);

/// The most of anything counted (contacts, appointments, no-shows, people): far above any policy.
const MAX_COUNT: u32 = 1_000;
/// The longest span in days (retention of enquiries, look-back, block length, a rolling
/// allocation period): ten years.
const MAX_DAYS: u32 = 3_660;
/// The longest fair-use window in days: a year.
const MAX_WINDOW_DAYS: u32 = 366;
/// The longest reminder lead time in hours: four weeks.
const MAX_REMINDER_HOURS: u32 = 672;
/// The widest clash gap between events in hours: four weeks.
const MAX_CLASH_GAP_HOURS: u32 = 672;

/// The file as written, before semantic checks: values that need checking are kept raw.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    institution: RawInstitution,
    retention: Retention,
    #[serde(default)]
    fair_use: FairUse,
    #[serde(default)]
    no_show: NoShow,
    #[serde(default)]
    reports: Reports,
    #[serde(default)]
    reminders: Reminders,
    #[serde(default)]
    security: Security,
    #[serde(default)]
    sign_in: SignIn,
    #[serde(default)]
    complaints: Complaints,
    #[serde(default)]
    backups: Backups,
    #[serde(default)]
    sync: SyncSchedule,
    #[serde(default)]
    events: Events,
    #[serde(default)]
    calendar: RawCalendar,
    #[serde(default)]
    attachments: Attachments,
    #[serde(default)]
    terms: Vec<Term>,
    #[serde(default)]
    locations: Vec<Location>,
    #[serde(default)]
    appointment_types: Vec<RawAppointmentType>,
    #[serde(default)]
    peak_periods: Vec<PeakPeriod>,
    #[serde(default)]
    closures: Vec<RawClosure>,
}

/// The `[calendar]` section as written: opening hours as local `HH:MM` times.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawCalendar {
    opens: String,
    closes: String,
}

impl Default for RawCalendar {
    fn default() -> Self {
        RawCalendar {
            opens: "09:00".into(),
            closes: "17:00".into(),
        }
    }
}

/// A `[[closures]]` entry: one `date`, or a `from` and `to`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    name: String,
    #[serde(default, deserialize_with = "de_opt_date")]
    date: Option<chrono::NaiveDate>,
    #[serde(default, deserialize_with = "de_opt_date")]
    from: Option<chrono::NaiveDate>,
    #[serde(default, deserialize_with = "de_opt_date")]
    to: Option<chrono::NaiveDate>,
}

fn de_opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDate>, D::Error> {
    crate::domain::policy::de_date(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstitution {
    name: String,
    time_zone: String,
    academic_year_end: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppointmentType {
    id: AppointmentTypeId,
    name: String,
    consultant_led: bool,
    minutes: u32,
    setting: Setting,
    #[serde(default)]
    eligibility: Eligibility,
    allocation: RawAllocation,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllocation {
    count: u32,
    period: String,
}

/// The largest policy file read, in bytes: real policies are a few kilobytes, and a limit keeps
/// a wrong file (a log, a database) from being read whole and parsed.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// The error for a policy text over [`MAX_POLICY_BYTES`].
pub(super) fn too_big(source: &str, bytes: u64) -> PolicyErrors {
    PolicyErrors(vec![PolicyError {
        file: source.to_string(),
        line: None,
        field: String::new(),
        message: format!(
            "the file is {bytes} bytes; a policy file may be at most {MAX_POLICY_BYTES} bytes (256 KiB); is it the right file?"
        ),
    }])
}

/// Parses `text` (named `source` in errors) into a fully checked policy.
pub(super) fn parse(text: &str, source: &str) -> Result<Policy, PolicyErrors> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(too_big(source, text.len() as u64));
    }
    let doc = match ImDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => return Err(PolicyErrors(vec![syntax_error(text, source, &e)])),
    };
    let raw: RawPolicy = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => return Err(PolicyErrors(vec![type_error(&doc, source, &e)])),
    };
    let mut checker = Checker {
        doc: &doc,
        file: source,
        errors: Vec::new(),
    };
    let policy = checker.build(raw);
    let mut errors = checker.errors;
    if errors.is_empty() {
        Ok(policy)
    } else {
        errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
        Err(PolicyErrors(errors))
    }
}

struct Checker<'a> {
    doc: &'a ImDocument<&'a str>,
    file: &'a str,
    errors: Vec<PolicyError>,
}
