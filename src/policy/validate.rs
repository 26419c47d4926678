//! Reading a policy file: TOML syntax and types first, then every semantic rule, collecting all
//! problems (each with file, line and field) rather than stopping at the first.

use std::collections::HashMap;
use std::fmt;

use chrono_tz::Tz;
use serde::Deserialize;
use toml_edit::ImDocument;

use crate::domain::limits;
use crate::domain::text::{is_unsafe, quote};
use crate::domain::validate::YEARS;

use super::locate::{line_of, line_of_offset, path_at};
use super::{
    Allocation, AllocationPeriod, AppointmentType, AppointmentTypeId, Backups, Closure, Complaints, Eligibility,
    FairUse, Institution, Location, MonthDay, NoShow, PeakPeriod, Policy, Reminders, Reports, Retention, Security,
    Setting, Term,
};

/// The most daily backups a policy may keep (a year's).
pub const MAX_BACKUPS_KEPT: u32 = 365;

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// The file as named by the caller.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Field path such as `appointment_types[1].allocation.count`; empty if none applies.
    pub field: String,
    /// What is wrong and, where possible, what is expected.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a policy file, in line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl PolicyErrors {
    /// The errors about one field path.
    pub fn for_field(&self, field: &str) -> Vec<&PolicyError> {
        self.0.iter().filter(|e| e.field == field).collect()
    }
}

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
    complaints: Complaints,
    #[serde(default)]
    backups: Backups,
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
fn syntax_error(text: &str, source: &str, e: &toml_edit::TomlError) -> PolicyError {
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
fn field_on_line(text: &str, line: usize) -> String {
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
fn type_error(doc: &ImDocument<&str>, source: &str, e: &toml::de::Error) -> PolicyError {
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

/// The most of anything counted (contacts, appointments, no-shows, people): far above any policy.
const MAX_COUNT: u32 = 1_000;
/// The longest span in days (retention of enquiries, look-back, block length, a rolling
/// allocation period): ten years.
const MAX_DAYS: u32 = 3_660;
/// The longest fair-use window in days: a year.
const MAX_WINDOW_DAYS: u32 = 366;
/// The longest reminder lead time in hours: four weeks.
const MAX_REMINDER_HOURS: u32 = 672;

/// Whether `id` is kebab-case: lowercase letters, digits and single inner hyphens.
fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

struct Checker<'a> {
    doc: &'a ImDocument<&'a str>,
    file: &'a str,
    errors: Vec<PolicyError>,
}

impl Checker<'_> {
    fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        self.errors.push(PolicyError {
            file: self.file.to_string(),
            line: line_of(self.doc, &field),
            message: message.into(),
            field,
        });
    }

    /// Reports `field` unless `lo <= value <= hi`.
    fn range(&mut self, field: &str, value: u32, lo: u32, hi: u32) {
        if value < lo || value > hi {
            let message = if hi == u32::MAX {
                format!("must be at least {lo}, found {value}")
            } else {
                format!("must be between {lo} and {hi}, found {value}")
            };
            self.error(field, message);
        }
    }

    /// Reports a date outside the years every date calculation is sure to handle.
    fn year(&mut self, field: &str, date: chrono::NaiveDate) {
        use chrono::Datelike;
        if !YEARS.contains(&date.year()) {
            self.error(
                field,
                format!("{date} is outside the years {} to {}", YEARS.start(), YEARS.end()),
            );
        }
    }

    /// A display text: not empty, at most `max` characters, no control characters.
    fn non_empty(&mut self, field: &str, value: &str) {
        self.label(field, value, limits::LABEL);
    }

    fn label(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.error(field, "must not be empty");
        } else if let Err(e) = limits::check("text", value, max) {
            self.error(field, e.message);
        } else if let Some(c) = value.chars().find(|c| is_unsafe(*c)) {
            self.error(
                field,
                format!("has a control character ({}); write plain text", quote(&c.to_string())),
            );
        }
    }

    /// Checks ids are kebab-case and unique; `what` names the list in messages.
    fn ids<'i>(&mut self, list: &str, ids: impl Iterator<Item = &'i str>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.enumerate() {
            let field = format!("{list}[{i}].id");
            if id.len() > limits::ID {
                self.error(
                    &field,
                    format!("{} is longer than {} characters", quote(id), limits::ID),
                );
            } else if !is_kebab(id) {
                self.error(
                    &field,
                    format!(
                        "{} is not kebab-case; use lowercase letters, digits and hyphens",
                        quote(id)
                    ),
                );
            }
            if let Some(first) = seen.insert(id, i) {
                self.error(
                    &field,
                    format!("duplicate id {}; it is already used by {list}[{first}]", quote(id)),
                );
                seen.insert(id, first);
            }
        }
    }

    /// Turns the raw file into a policy, reporting every problem; the result is only used when
    /// no problem was reported (invalid values are replaced by placeholders).
    fn build(&mut self, raw: RawPolicy) -> Policy {
        let institution = self.institution(raw.institution);

        // Every figure has an upper bound far above any real policy and far below where date
        // arithmetic on it could overflow.
        let r = raw.retention;
        self.range("retention.years", r.years, 1, 50);
        self.range("retention.enquiry_days", r.enquiry_days, 1, MAX_DAYS);
        let f = raw.fair_use;
        self.range("fair_use.max_contacts", f.max_contacts, 1, MAX_COUNT);
        self.range("fair_use.window_days", f.window_days, 1, MAX_WINDOW_DAYS);
        let n = raw.no_show;
        self.range("no_show.concern_threshold", n.concern_threshold, 1, MAX_COUNT);
        if n.block_threshold < n.concern_threshold {
            self.error(
                "no_show.block_threshold",
                format!(
                    "must be at least concern_threshold ({}), found {}",
                    n.concern_threshold, n.block_threshold
                ),
            );
        } else {
            self.range("no_show.block_threshold", n.block_threshold, 1, MAX_COUNT);
        }
        self.range("no_show.look_back_days", n.look_back_days, 1, MAX_DAYS);
        self.range("no_show.block_days", n.block_days, 1, MAX_DAYS);
        let threshold = raw.reports.suppression_threshold;
        self.range("reports.suppression_threshold", threshold, 2, MAX_COUNT);
        let m = raw.reminders;
        self.range("reminders.min_lead_hours", m.min_lead_hours, 1, MAX_REMINDER_HOURS);
        self.range(
            "reminders.send_hours_before",
            m.send_hours_before,
            1,
            MAX_REMINDER_HOURS,
        );
        let idle = raw.security.idle_lock_minutes;
        self.range("security.idle_lock_minutes", idle, 1, 240);
        let alert = raw.complaints.alert_threshold;
        self.range("complaints.alert_threshold", alert, 1, MAX_COUNT);
        self.range("backups.keep", raw.backups.keep, 1, MAX_BACKUPS_KEPT);

        self.terms(&raw.terms);
        self.locations(&raw.locations);
        let appointment_types = self.appointment_types(raw.appointment_types, !raw.terms.is_empty());
        self.peak_periods(&raw.peak_periods);
        let closures = self.closures(raw.closures);

        Policy {
            institution,
            retention: raw.retention,
            fair_use: raw.fair_use,
            no_show: raw.no_show,
            reports: raw.reports,
            reminders: raw.reminders,
            security: raw.security,
            complaints: raw.complaints,
            backups: raw.backups,
            terms: raw.terms,
            locations: raw.locations,
            appointment_types,
            peak_periods: raw.peak_periods,
            closures,
        }
    }

    fn institution(&mut self, raw: RawInstitution) -> Institution {
        self.non_empty("institution.name", &raw.name);
        let time_zone = raw.time_zone.trim().parse::<Tz>().unwrap_or_else(|_| {
            self.error(
                "institution.time_zone",
                format!(
                    "{} is not a known IANA time zone name, e.g. \"Europe/London\"",
                    quote(&raw.time_zone)
                ),
            );
            Tz::UTC
        });
        let academic_year_end = raw.academic_year_end.parse::<MonthDay>().unwrap_or_else(|e| {
            self.error("institution.academic_year_end", e);
            MonthDay::JULY_31
        });
        Institution {
            name: raw.name,
            time_zone,
            academic_year_end,
        }
    }

    fn terms(&mut self, terms: &[Term]) {
        for (i, t) in terms.iter().enumerate() {
            self.non_empty(&format!("terms[{i}].name"), &t.name);
            self.year(&format!("terms[{i}].start"), t.start);
            self.year(&format!("terms[{i}].end"), t.end);
            if t.start > t.end {
                self.error(
                    format!("terms[{i}].end"),
                    format!("{} is before the start {}", t.end, t.start),
                );
            }
            for (j, earlier) in terms[..i].iter().enumerate() {
                if t.start <= earlier.end && earlier.start <= t.end {
                    self.error(
                        format!("terms[{i}].start"),
                        format!(
                            "term \"{}\" ({} to {}) overlaps terms[{j}] \"{}\" ({} to {})",
                            t.name, t.start, t.end, earlier.name, earlier.start, earlier.end
                        ),
                    );
                }
            }
        }
    }

    fn locations(&mut self, locations: &[Location]) {
        self.ids("locations", locations.iter().map(|l| l.id.as_str()));
        for (i, l) in locations.iter().enumerate() {
            self.non_empty(&format!("locations[{i}].name"), &l.name);
            if let Some(capacity) = l.capacity {
                self.range(&format!("locations[{i}].capacity"), capacity, 1, 1000);
            }
        }
    }

    /// Each closure is one `date` or a `from`..`to` range, in order.
    fn closures(&mut self, raw: Vec<RawClosure>) -> Vec<Closure> {
        let mut out = Vec::with_capacity(raw.len());
        for (i, c) in raw.into_iter().enumerate() {
            self.non_empty(&format!("closures[{i}].name"), &c.name);
            let (from, to) = match (c.date, c.from, c.to) {
                (Some(d), None, None) => (d, d),
                (None, Some(from), Some(to)) => (from, to),
                (Some(d), _, _) => {
                    self.error(
                        format!("closures[{i}].date"),
                        "give either `date` or `from` and `to`, not both",
                    );
                    (d, d)
                }
                (None, from, to) => {
                    self.error(
                        format!("closures[{i}]"),
                        "give the closed day as `date = YYYY-MM-DD`, or a range as `from` and `to`",
                    );
                    let d = from.or(to).unwrap_or_default();
                    (d, d)
                }
            };
            if from > to {
                self.error(format!("closures[{i}].to"), format!("{to} is before the start {from}"));
            }
            out.push(Closure { name: c.name, from, to });
        }
        out
    }

    fn appointment_types(&mut self, raw: Vec<RawAppointmentType>, have_terms: bool) -> Vec<AppointmentType> {
        if raw.is_empty() {
            self.error(
                "appointment_types",
                "at least one [[appointment_types]] entry is required",
            );
        }
        self.ids("appointment_types", raw.iter().map(|t| t.id.as_str()));
        raw.into_iter()
            .enumerate()
            .map(|(i, t)| self.appointment_type(i, t, have_terms))
            .collect()
    }

    fn appointment_type(&mut self, i: usize, t: RawAppointmentType, have_terms: bool) -> AppointmentType {
        let at = |rest: &str| format!("appointment_types[{i}].{rest}");
        self.non_empty(&at("name"), &t.name);
        self.range(&at("minutes"), t.minutes, 5, 480);
        self.range(&at("allocation.count"), t.allocation.count, 1, MAX_COUNT);
        let period = match t.allocation.period.parse::<AllocationPeriod>() {
            Ok(AllocationPeriod::Term) if !have_terms => {
                self.error(
                    at("allocation.period"),
                    "\"term\" needs at least one [[terms]] entry in the policy",
                );
                AllocationPeriod::Term
            }
            Ok(AllocationPeriod::Days(n)) if n > MAX_DAYS => {
                self.error(
                    at("allocation.period"),
                    format!("must be at most {MAX_DAYS} days, found {n}"),
                );
                AllocationPeriod::Days(n)
            }
            Ok(p) => p,
            Err(e) => {
                self.error(at("allocation.period"), e);
                AllocationPeriod::AcademicYear
            }
        };
        let e = &t.eligibility;
        for (j, p) in e.programmes.iter().enumerate() {
            self.label(&at(&format!("eligibility.programmes[{j}]")), p, limits::PROGRAMME);
        }
        for (j, s) in e.schools.iter().enumerate() {
            self.label(&at(&format!("eligibility.schools[{j}]")), s, limits::SCHOOL);
        }
        for (j, a) in e.activities.iter().enumerate() {
            self.label(
                &at(&format!("eligibility.activities[{j}].activity")),
                &a.activity,
                limits::ACTIVITY,
            );
            self.range(&at(&format!("eligibility.activities[{j}].min")), a.min, 1, MAX_COUNT);
        }
        AppointmentType {
            id: t.id,
            name: t.name,
            consultant_led: t.consultant_led,
            minutes: t.minutes,
            setting: t.setting,
            eligibility: t.eligibility,
            allocation: Allocation {
                count: t.allocation.count,
                period,
            },
        }
    }

    fn peak_periods(&mut self, peaks: &[PeakPeriod]) {
        for (i, p) in peaks.iter().enumerate() {
            self.non_empty(&format!("peak_periods[{i}].name"), &p.name);
            self.year(&format!("peak_periods[{i}].from"), p.from);
            self.year(&format!("peak_periods[{i}].to"), p.to);
            if p.from > p.to {
                self.error(
                    format!("peak_periods[{i}].to"),
                    format!("{} is before the start {}", p.to, p.from),
                );
            }
            self.range(&format!("peak_periods[{i}].max_contacts"), p.max_contacts, 1, MAX_COUNT);
            self.range(
                &format!("peak_periods[{i}].window_days"),
                p.window_days,
                1,
                MAX_WINDOW_DAYS,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_ids() {
        assert!(is_kebab("drop-in"));
        assert!(is_kebab("room-2"));
        for bad in ["", "Drop-in", "drop_in", "drop in", "-x", "x-"] {
            assert!(!is_kebab(bad), "{bad}");
        }
    }

    #[test]
    fn field_guessed_from_a_broken_line() {
        let text = "[a]\nx = 1\n[[b.c]]\ny = = 2\n";
        assert_eq!(field_on_line(text, 2), "a.x");
        assert_eq!(field_on_line(text, 4), "b.c.y");
        assert_eq!(field_on_line(text, 3), "");
    }

    #[test]
    fn error_display_omits_unknown_parts() {
        let mut e = PolicyError {
            file: "p.toml".into(),
            line: Some(3),
            field: "retention.years".into(),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "p.toml:3: retention.years: bad");
        e.line = None;
        assert_eq!(e.to_string(), "p.toml: retention.years: bad");
        e.field.clear();
        assert_eq!(e.to_string(), "p.toml: bad");
        let all = PolicyErrors(vec![e.clone(), e]);
        assert_eq!(all.to_string(), "p.toml: bad\np.toml: bad");
    }
}
