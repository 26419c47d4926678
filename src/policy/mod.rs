//! The institution policy file: one TOML file per careers service that sets every figure the
//! product enforces (retention years, fair use, allocations, no-show thresholds, ...).
//!
//! The policy itself is a domain type ([`crate::domain::policy`]); this module reads it.
//! [`Policy::parse`] checks the whole file and returns either a complete, valid [`Policy`] or
//! every problem found, each naming the file, line and field; the app never starts on a
//! half-read policy. The shipped examples live in [`examples`].
#![warn(missing_docs)]

pub mod examples;
pub mod locate;
mod validate;

use std::path::Path;

pub use crate::domain::policy::*;
pub use examples::{example, Example, EXAMPLES};
pub use validate::{PolicyError, PolicyErrors, MAX_POLICY_BYTES};

/// Reads a policy file's text, refusing one over [`MAX_POLICY_BYTES`] before reading it whole.
pub fn read_file(path: &Path) -> Result<String, PolicyErrors> {
    use std::io::Read;
    let source = path.display().to_string();
    let cannot = |e: std::io::Error| {
        PolicyErrors(vec![PolicyError {
            file: source.clone(),
            line: None,
            field: String::new(),
            message: format!("cannot read the policy file: {e}"),
        }])
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    // One byte past the limit tells a file over it from one exactly at it, whatever its
    // metadata says (a pipe or a special file has none).
    file.take(MAX_POLICY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > MAX_POLICY_BYTES {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(validate::too_big(&source, size));
    }
    String::from_utf8(bytes).map_err(|_| {
        cannot(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text",
        ))
    })
}

impl Policy {
    /// Parses and fully validates a policy; `source` names the file in error messages.
    pub fn parse(text: &str, source: &str) -> Result<Policy, PolicyErrors> {
        validate::parse(text, source)
    }

    /// Reads and parses the policy file at `path` (at most [`MAX_POLICY_BYTES`]).
    pub fn load(path: &Path) -> Result<Policy, PolicyErrors> {
        Policy::parse(&read_file(path)?, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn standard() -> Policy {
        Policy::parse(EXAMPLES[0].text, "standard.toml").unwrap()
    }

    #[test]
    fn data_02_academic_year_end_on_or_after() {
        let p = standard();
        for (date, end) in [
            ("2026-06-15", "2026-07-31"),
            ("2026-07-31", "2026-07-31"),
            ("2026-08-01", "2027-07-31"),
            ("2027-01-01", "2027-07-31"),
        ] {
            assert_eq!(p.academic_year_end_on_or_after(d(date)), d(end), "{date}");
        }
        let year = (d("2026-08-01"), d("2027-07-31"));
        for date in ["2026-08-01", "2026-12-25", "2027-07-31"] {
            assert_eq!(p.academic_year_containing(d(date)), year, "{date}");
        }
    }

    #[test]
    fn data_02_retention_counts_from_end_of_academic_year() {
        let mut p = standard();
        // A course completing in June 2026 ends with the academic year on 31 July 2026; one
        // completing in September falls in the next academic year.
        for (years, course_end, until) in [
            (6, "2026-06-20", "2032-07-31"),
            (3, "2026-06-20", "2029-07-31"),
            (5, "2026-06-20", "2031-07-31"),
            (6, "2026-09-30", "2033-07-31"),
            (3, "2026-07-31", "2029-07-31"),
        ] {
            p.retention.years = years;
            assert_eq!(p.retention_until(d(course_end)), d(until), "{years} {course_end}");
        }
        p.institution.academic_year_end = MonthDay::new(9, 30).unwrap();
        p.retention.years = 5;
        assert_eq!(p.retention_until(d("2026-09-30")), d("2031-09-30"));
        assert_eq!(p.retention_until(d("2026-10-01")), d("2032-09-30"));
    }

    #[test]
    fn data_02_a_client_is_past_retention_from_the_day_after_the_limit() {
        let mut p = standard();
        p.retention.years = 3;
        // June 2022 ends with the academic year on 31 July 2022: kept to 31 July 2025.
        assert!(!p.past_retention(d("2022-06-30"), d("2025-07-31")), "the last day kept");
        assert!(p.past_retention(d("2022-06-30"), d("2025-08-01")), "the day after");
        assert!(!p.past_retention(d("2022-06-30"), d("2025-07-30")), "the day before");
        // A course ending the day after the academic year's end counts from the next one.
        assert!(!p.past_retention(d("2022-08-01"), d("2025-08-01")));
        assert!(!p.past_retention(d("2022-08-01"), d("2026-07-31")));
        assert!(p.past_retention(d("2022-08-01"), d("2026-08-01")));
        assert!(!p.past_retention(NaiveDate::MAX, NaiveDate::MAX), "no overflow");
    }

    #[test]
    fn data_03_enquiry_correspondence_goes_the_day_after_the_policys_days() {
        let mut p = standard();
        p.retention.enquiry_days = 61;
        let resolved = d("2026-01-31");
        assert!(
            !p.enquiry_body_expired(resolved, d("2026-04-02")),
            "day 61 is the last kept"
        );
        assert!(p.enquiry_body_expired(resolved, d("2026-04-03")), "the day after");
        assert!(!p.enquiry_body_expired(NaiveDate::MAX, NaiveDate::MAX), "no overflow");
    }

    #[test]
    fn lookups_by_id() {
        let p = standard();
        let guidance = p.appointment_type("guidance").unwrap();
        assert_eq!(guidance.name, "Careers guidance");
        assert!(p.appointment_type("nope").is_none());
        assert!(p.location("atrium-pod-1").unwrap().confidential);
        assert!(p.location("online").unwrap().online);
        assert!(p.location("nope").is_none());
    }

    #[test]
    fn term_containing_includes_both_ends() {
        let p = standard();
        let term = |date| p.term_containing(d(date)).map(|t| t.name.as_str());
        assert_eq!(term("2026-09-21"), Some("Autumn 2026"));
        assert_eq!(term("2026-12-11"), Some("Autumn 2026"));
        assert_eq!(term("2027-02-01"), Some("Spring 2027"));
        assert_eq!(term("2026-12-25"), None);
    }

    #[test]
    fn appt_06_peak_period_tightens_fair_use() {
        let p = standard();
        let limit = |date| p.fair_use_on(d(date));
        assert_eq!(limit("2026-10-04"), FairUse::default());
        assert_eq!(limit("2026-10-05").max_contacts, 2);
        assert_eq!(limit("2026-11-27").max_contacts, 2);
        assert_eq!(limit("2026-11-27").window_days, 28);
        assert_eq!(limit("2026-11-28"), p.fair_use);
    }

    #[test]
    fn appt_06_overlapping_peaks_use_the_tightest() {
        let mut p = standard();
        let mut tighter = p.peak_periods[0].clone();
        tighter.max_contacts = 1;
        tighter.from = d("2026-11-01");
        p.peak_periods.push(tighter);
        assert_eq!(p.fair_use_on(d("2026-10-20")).max_contacts, 2);
        assert_eq!(p.fair_use_on(d("2026-11-10")).max_contacts, 1);
    }

    #[test]
    fn academic_years_at_the_ends_of_the_calendar_do_not_panic() {
        let p = standard();
        assert_eq!(p.academic_year_end_on_or_after(NaiveDate::MAX), NaiveDate::MAX);
        assert_eq!(p.academic_year_containing(NaiveDate::MAX).1, NaiveDate::MAX);
        assert_eq!(p.retention_until(NaiveDate::MAX), NaiveDate::MAX);
        let (first, last) = p.academic_year_containing(NaiveDate::MIN);
        assert!(first <= last);
    }

    #[test]
    fn local_date_follows_the_institution_clock_changes() {
        let p = standard();
        // 23:30 UTC on 31 July is 00:30 BST on 1 August.
        let summer = Utc.with_ymd_and_hms(2026, 7, 31, 23, 30, 0).unwrap();
        assert_eq!(p.local_date(summer), d("2026-08-01"));
        // In winter London is on UTC.
        let winter = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(p.local_date(winter), d("2026-12-31"));
    }
}
