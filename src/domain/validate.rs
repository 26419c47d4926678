//! Validated value types for fields people type: e-mail, phone, student number (DATA-01), and
//! the checks every other typed text goes through (length limits from [`super::limits`], no
//! control characters, dates within a sane range). Bad values are quoted escaped and shortened
//! ([`super::text::quote`]).

use serde::{Deserialize, Serialize};

use super::limits;
use super::text::quote;

/// A field that failed validation: which field, and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The field's name as the user knows it (e.g. `email`).
    pub field: &'static str,
    /// What was wrong and what is expected.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// An e-mail address that has passed a syntax check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Checks and normalises an address (the domain is lower-cased).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let bad = |why: &str| {
            FieldError::new(
                "email",
                format!(
                    "{} is not a valid e-mail address ({why}); expected e.g. name@example.ac.uk",
                    quote(s)
                ),
            )
        };
        if s.is_empty() {
            return Err(FieldError::new(
                "email",
                "is required; expected e.g. name@example.ac.uk",
            ));
        }
        limits::check("email", s, limits::EMAIL)?;
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains a space"));
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(|| bad("no @"))?;
        if local.is_empty() || local.contains('@') {
            return Err(bad("the part before @ is empty or has another @"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
        {
            return Err(bad("the domain after @ is not a domain name"));
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

/// A telephone number, kept in international form (`+44...`) once validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Checks a UK national (`07700 900123`) or international (`+44 7700 900123`) number.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let bad = |why: &str| {
            FieldError::new(
                "phone",
                format!(
                    "{} is not a usable phone number ({why}); expected e.g. 07700 900123 or +44 7700 900123",
                    quote(s)
                ),
            )
        };
        if s.is_empty() {
            return Err(bad("empty"));
        }
        limits::check("phone", s, limits::PHONE)?;
        let mut digits = String::new();
        for (i, c) in s.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => return Err(bad("only digits, spaces, dashes, brackets and a leading + are allowed")),
            }
        }
        let international = if s.starts_with('+') {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if let Some(rest) = digits.strip_prefix('0') {
            if digits.len() != 11 {
                return Err(bad("a UK number has 11 digits"));
            }
            format!("44{rest}")
        } else {
            return Err(bad("start with 0 for a UK number or + for an international one"));
        };
        if !(8..=15).contains(&international.len()) || international.starts_with('0') {
            return Err(bad(
                "an international number has 8 to 15 digits after the country code's +",
            ));
        }
        if international.starts_with("44") && international.len() != 12 {
            return Err(bad("a UK number has 10 digits after +44"));
        }
        Ok(Self(format!("+{international}")))
    }

    /// The number in international form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a text message can reach it: UK mobiles (+447...) and any non-UK number, whose
    /// kind cannot be told from its digits alone (APPT-09).
    pub fn is_mobile(&self) -> bool {
        match self.0.strip_prefix("+44") {
            Some(rest) => rest.starts_with('7') && !rest.starts_with("70") && !rest.starts_with("76"),
            None => true,
        }
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

/// A student number: 4 to 16 letters or digits, kept upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StudentNumber(String);

impl StudentNumber {
    /// Checks and normalises a student number (spaces removed, upper-cased).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        limits::check("student-number", raw.trim(), limits::STUDENT_NUMBER)?;
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if !(4..=16).contains(&s.chars().count()) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                "student-number",
                format!(
                    "{} is not a student number; expected 4 to 16 letters or digits, e.g. 10234567",
                    quote(raw.trim())
                ),
            ));
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A number as shown where it may be missing (a client record that could not be read): `?`.
    pub fn shown(sn: Option<&StudentNumber>) -> &str {
        sn.map_or("?", StudentNumber::as_str)
    }
}

impl std::fmt::Display for StudentNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

/// Checks a person's name: not empty, at most [`limits::NAME`] characters, one line of plain text.
pub fn person_name(field: &'static str, raw: &str) -> Result<String, FieldError> {
    line(field, raw, limits::NAME)
}

/// Refuses text with a control character, a bidirectional override or a line separator in it
/// (`text::is_unsafe`); `allowed` lists the ones the field may hold (newline and tab in a note).
fn plain(field: &'static str, s: &str, allowed: &[char]) -> Result<(), FieldError> {
    match s
        .chars()
        .enumerate()
        .find(|(_, c)| super::text::is_unsafe(*c) && !allowed.contains(c))
    {
        None => Ok(()),
        Some((i, c)) => Err(FieldError::new(
            field,
            format!(
                "has a control character ({}) at character {}; type plain text",
                quote(&c.to_string()),
                i + 1
            ),
        )),
    }
}

/// One required line of text: trimmed, not empty, at most `max` characters, plain text.
pub fn line(field: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    limits::check(field, s, max)?;
    plain(field, s, &[])?;
    Ok(s.to_string())
}

/// An optional line of text: blank is `None`, anything else as [`line`].
pub fn optional_line(field: &'static str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => line(field, s, max).map(Some),
    }
}

/// Text of several lines (a note): trimmed, not empty, at most `max` characters; newlines and
/// tabs are allowed, other control characters are not.
pub fn text(field: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "is empty; write what was discussed"));
    }
    limits::check(field, s, max)?;
    plain(field, s, &['\n', '\t'])?;
    Ok(s.to_string())
}

/// A reason an operator must give (waivers, blocks, suspensions): required, at most
/// [`limits::REASON`] characters, one line; `needed_for` completes "is required ...".
pub fn reason<'a>(raw: &'a str, needed_for: &str) -> Result<&'a str, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new("reason", format!("is required {needed_for}")));
    }
    limits::check("reason", s, limits::REASON)?;
    plain("reason", s, &[])?;
    Ok(s)
}

/// The first and last years a typed date may fall in: anything outside is a typing slip, and
/// keeping dates in this range keeps every later date calculation far from chrono's limits.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

fn year_in_range(field: &'static str, raw: &str, year: i32) -> Result<(), FieldError> {
    if YEARS.contains(&year) {
        return Ok(());
    }
    Err(FieldError::new(
        field,
        format!(
            "{} is outside the years {} to {}; check the year",
            quote(raw.trim()),
            YEARS.start(),
            YEARS.end()
        ),
    ))
}

/// Parses a date typed as YYYY-MM-DD, in the years [`YEARS`].
pub fn date(field: &'static str, raw: &str) -> Result<chrono::NaiveDate, FieldError> {
    use chrono::Datelike;
    let d = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            format!(
                "{} is not a date; expected YYYY-MM-DD, e.g. 2027-06-30",
                quote(raw.trim())
            ),
        )
    })?;
    year_in_range(field, raw, d.year())?;
    Ok(d)
}

/// Parses a local date and time typed as `YYYY-MM-DD HH:MM` in the institution's time zone, in
/// the years [`YEARS`]. A time that does not exist (the hour skipped when clocks go forward) or
/// happens twice (the hour repeated when they go back) is refused with the reason, rather than
/// guessed.
pub fn local_datetime(
    field: &'static str,
    raw: &str,
    tz: chrono_tz::Tz,
) -> Result<chrono::DateTime<chrono::Utc>, FieldError> {
    use chrono::{Datelike, TimeZone};
    let naive = chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
        FieldError::new(
            field,
            format!(
                "{} is not a date and time; expected YYYY-MM-DD HH:MM, e.g. 2026-12-01 14:30",
                quote(raw.trim())
            ),
        )
    })?;
    year_in_range(field, raw, naive.year())?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&chrono::Utc)),
        chrono::LocalResult::None => Err(FieldError::new(
            field,
            format!(
                "{} does not exist in {tz}: the clocks go forward then; pick another time",
                raw.trim()
            ),
        )),
        chrono::LocalResult::Ambiguous(_, _) => Err(FieldError::new(
            field,
            format!(
                "{} happens twice in {tz}: the clocks go back then; pick another time",
                raw.trim()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_01_email_is_validated_on_entry() {
        assert_eq!(
            Email::parse(" a.b@Example.AC.uk ").unwrap().as_str(),
            "a.b@example.ac.uk"
        );
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "a b@example.com",
            "@example.com",
            "a@-x.com",
            "a@@x.com",
        ] {
            let e = Email::parse(bad).unwrap_err();
            assert_eq!(e.field, "email", "{bad}");
        }
    }

    #[test]
    fn data_01_phone_is_validated_and_mobiles_recognised() {
        let m = Phone::parse("07700 900123").unwrap();
        assert_eq!(m.as_str(), "+447700900123");
        assert!(m.is_mobile());
        let landline = Phone::parse("+44 (0161) 306 0000");
        // "(0161)" after +44 gives 13 digits: refused rather than guessed.
        assert!(landline.is_err());
        let landline = Phone::parse("0161 306 0000").unwrap();
        assert!(!landline.is_mobile());
        assert!(Phone::parse("+33 6 12 34 56 78").unwrap().is_mobile());
        for bad in ["12345", "0770090012", "07700 9001234", "phone", "+0 123 456 789"] {
            assert_eq!(Phone::parse(bad).unwrap_err().field, "phone", "{bad}");
        }
    }

    #[test]
    fn student_numbers_are_normalised() {
        assert_eq!(StudentNumber::parse(" ab 12345 ").unwrap().as_str(), "AB12345");
        assert!(StudentNumber::parse("12").is_err());
        assert!(StudentNumber::parse("12-34-56").is_err());
    }

    #[test]
    fn local_times_around_the_clock_changes_are_refused_not_guessed() {
        let tz = chrono_tz::Europe::London;
        let t = local_datetime("at", "2026-10-25 00:30", tz).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-24T23:30:00+00:00");
        assert!(local_datetime("at", "2026-03-29 01:30", tz)
            .unwrap_err()
            .message
            .contains("forward"));
        assert!(local_datetime("at", "2026-10-25 01:30", tz)
            .unwrap_err()
            .message
            .contains("twice"));
        assert_eq!(local_datetime("at", "tomorrow", tz).unwrap_err().field, "at");
    }

    #[test]
    fn dates_name_the_field() {
        assert_eq!(date("course-end", "2027-02-30").unwrap_err().field, "course-end");
        assert!(date("course-end", "2027-06-30").is_ok());
    }

    #[test]
    fn dates_outside_the_sane_years_are_refused() {
        for bad in ["1899-12-31", "2201-01-01", "+10000-01-01", "0001-01-01"] {
            let e = date("until", bad).unwrap_err();
            assert_eq!(e.field, "until", "{bad}");
        }
        assert!(date("until", "1900-01-01").is_ok());
        assert!(date("until", "2200-12-31").is_ok());
        let tz = chrono_tz::Europe::London;
        let e = local_datetime("at", "9999-01-01 10:00", tz).unwrap_err();
        assert!(e.message.contains("outside the years 1900 to 2200"), "{e}");
    }

    #[test]
    fn lines_refuse_control_characters_and_overlong_text_naming_both() {
        let e = line("school", "Arts\x1b[2J", limits::SCHOOL).unwrap_err();
        assert_eq!(e.field, "school");
        assert!(e.message.contains("(`\\x1b`) at character 5"), "{e}");
        assert!(line("school", "Arts\u{202e}", limits::SCHOOL).is_err());
        let e = line("school", &"s".repeat(10 * 1024 * 1024), limits::SCHOOL).unwrap_err();
        assert_eq!(e.message, "is 10485760 characters long; at most 200 are allowed");
        assert_eq!(line("school", "  Arts  ", limits::SCHOOL).unwrap(), "Arts");
        assert_eq!(optional_line("school", Some("  "), limits::SCHOOL).unwrap(), None);
        assert!(person_name("name", "Zoë 王").is_ok());
    }

    #[test]
    fn texts_keep_newlines_and_tabs_but_refuse_other_controls() {
        assert_eq!(text("note", " a\n\tb ", limits::NOTE).unwrap(), "a\n\tb");
        assert!(text("note", "a\rb", limits::NOTE).is_err());
        assert!(text("note", &"n".repeat(limits::NOTE + 1), limits::NOTE).is_err());
    }

    #[test]
    fn reasons_are_required_short_and_plain() {
        assert_eq!(reason("  ill  ", "to waive").unwrap(), "ill");
        assert!(reason(" ", "to waive")
            .unwrap_err()
            .message
            .contains("is required to waive"));
        assert!(reason(&"r".repeat(limits::REASON + 1), "x").is_err());
        assert!(reason("a\x1bb", "x").is_err());
    }

    #[test]
    fn bad_values_are_quoted_escaped_and_short() {
        let e = Email::parse("a\x1b[31m@b").unwrap_err();
        assert!(e.message.contains("`a\\x1b[31m@b`"), "{e}");
        let e = StudentNumber::parse(&"1\x1b".repeat(20)).unwrap_err();
        assert!(!e.message.contains('\x1b'), "{e}");
        let e = Phone::parse(&"0".repeat(100_000)).unwrap_err();
        assert!(e.message.len() < 200, "{e}");
    }
}
