//! Validated value types for fields people type: e-mail, phone, student number (DATA-01).

use serde::{Deserialize, Serialize};

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
                format!("`{s}` is not a valid e-mail address ({why}); expected e.g. name@example.ac.uk"),
            )
        };
        if s.is_empty() {
            return Err(FieldError::new(
                "email",
                "is required; expected e.g. name@example.ac.uk",
            ));
        }
        if s.len() > 254 {
            return Err(bad("longer than 254 characters"));
        }
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
                format!("`{s}` is not a usable phone number ({why}); expected e.g. 07700 900123 or +44 7700 900123"),
            )
        };
        if s.is_empty() {
            return Err(bad("empty"));
        }
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
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if !(4..=16).contains(&s.chars().count()) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                "student-number",
                format!(
                    "`{}` is not a student number; expected 4 to 16 letters or digits, e.g. 10234567",
                    raw.trim()
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

/// Checks a person's name: not empty, at most 200 characters, no control characters.
pub fn person_name(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if s.chars().count() > 200 || s.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            "must be at most 200 characters with no control characters",
        ));
    }
    Ok(s.to_string())
}

/// Parses a date typed as YYYY-MM-DD.
pub fn date(field: &'static str, raw: &str) -> Result<chrono::NaiveDate, FieldError> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            format!("`{}` is not a date; expected YYYY-MM-DD, e.g. 2027-06-30", raw.trim()),
        )
    })
}

/// Parses a local date and time typed as `YYYY-MM-DD HH:MM` in the institution's time zone.
/// A time that does not exist (the hour skipped when clocks go forward) or happens twice (the
/// hour repeated when they go back) is refused with the reason, rather than guessed.
pub fn local_datetime(
    field: &'static str,
    raw: &str,
    tz: chrono_tz::Tz,
) -> Result<chrono::DateTime<chrono::Utc>, FieldError> {
    use chrono::TimeZone;
    let naive = chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
        FieldError::new(
            field,
            format!(
                "`{}` is not a date and time; expected YYYY-MM-DD HH:MM, e.g. 2026-12-01 14:30",
                raw.trim()
            ),
        )
    })?;
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
}
