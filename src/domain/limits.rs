//! How long each text field may be, in characters, and the one check that applies the limits.
//! A value over its limit is refused with the field, the limit and the length given; nothing is
//! ever cut to fit. The limits are generous for real data and small enough that no screen,
//! table or message chokes on a value.

use super::validate::FieldError;

/// A person's full name (clients, operators, employer contacts).
pub const NAME: usize = 200;
/// A programme of study.
pub const PROGRAMME: usize = 200;
/// A school or faculty.
pub const SCHOOL: usize = 200;
/// An e-mail address (RFC 5321's limit on a path).
pub const EMAIL: usize = 254;
/// A phone number as typed, spaces and brackets included.
pub const PHONE: usize = 32;
/// A student number as typed, spaces included.
pub const STUDENT_NUMBER: usize = 32;
/// Contact preferences as typed (`email,phone,post`).
pub const CONTACT: usize = 64;
/// A reason given for a waiver, block, unblock or suspension.
pub const REASON: usize = 500;
/// A note body.
pub const NOTE: usize = 20_000;
/// What a card reader (or a person) typed at the queue.
pub const CARD: usize = 256;
/// An employer tag.
pub const TAG: usize = 40;
/// An activity name counted toward eligibility (`cv-workshop`).
pub const ACTIVITY: usize = 80;
/// A location's or appointment type's id in the policy.
pub const ID: usize = 64;
/// A display name of a location, appointment type, term, peak period or institution.
pub const LABEL: usize = 200;
/// An employer's name, a vacancy's or event's title.
pub const TITLE: usize = 200;
/// A sector.
pub const SECTOR: usize = 100;
/// A web address.
pub const URL: usize = 2_000;
/// Guidance on contacting a key contact.
pub const GUIDANCE: usize = 2_000;
/// An engagement note's text.
pub const ENGAGEMENT: usize = 20_000;
/// Where an event is held.
pub const LOCATION: usize = 200;
/// A message staff write to those absent from an event (EVT-03).
pub const EVENT_MESSAGE: usize = 5_000;
/// A new password (a passphrase of many words fits easily).
pub const PASSWORD: usize = 1_024;

/// The most weeks a no-show report covers: ten years.
pub const REPORT_WEEKS: u32 = 520;
/// The most days ahead a calendar export covers: two years.
pub const CALENDAR_DAYS: u32 = 732;
/// The most clients a search lists.
pub const FIND_RESULTS: u32 = 1_000;
/// The most free slots offered for re-booking.
pub const REBOOK_OFFERS: u32 = 100;
/// The most audit entries listed at once.
pub const AUDIT_ENTRIES: u32 = 1_000_000;
/// The most demo clients generated (five times the largest service measured).
pub const DEMO_CLIENTS: u32 = 1_000_000;
/// The longest slot in minutes: a working day.
pub const SLOT_MINUTES: u32 = 480;

/// Refuses a number a person gave outside `lo..=hi`, naming the field and the range.
pub fn range(field: &'static str, value: i64, lo: i64, hi: i64) -> Result<(), FieldError> {
    if (lo..=hi).contains(&value) {
        return Ok(());
    }
    Err(FieldError::new(
        field,
        format!("must be between {lo} and {hi}, found {value}"),
    ))
}

/// Refuses `value` when it has more than `max` characters, saying how many it has.
pub fn check(field: &'static str, value: &str, max: usize) -> Result<(), FieldError> {
    // A value with at most `max` bytes cannot have more than `max` characters.
    if value.len() <= max {
        return Ok(());
    }
    let n = value.chars().count();
    if n <= max {
        return Ok(());
    }
    Err(FieldError::new(
        field,
        format!("is {n} characters long; at most {max} are allowed"),
    ))
}

/// Checks each of `values` (a list field such as tags) against `max`.
pub fn check_each<'a>(
    field: &'static str,
    values: impl IntoIterator<Item = &'a String>,
    max: usize,
) -> Result<(), FieldError> {
    values.into_iter().try_for_each(|v| check(field, v, max))
}

/// Every error among `checks`, for a record with several fields: all are reported at once.
pub fn all(checks: impl IntoIterator<Item = Result<(), FieldError>>) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = checks.into_iter().filter_map(Result::err).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// [`check`] on an optional value: nothing to check when it is absent.
pub fn check_opt(field: &'static str, value: Option<&String>, max: usize) -> Result<(), FieldError> {
    value.map_or(Ok(()), |v| check(field, v, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_over_its_limit_names_the_field_the_limit_and_the_length() {
        let big = "x".repeat(10 * 1024 * 1024);
        let e = check("school", &big, SCHOOL).unwrap_err();
        assert_eq!(e.field, "school");
        assert_eq!(
            e.to_string(),
            "school: is 10485760 characters long; at most 200 are allowed"
        );
    }

    #[test]
    fn the_limit_counts_characters_not_bytes() {
        assert!(check("name", &"é".repeat(NAME), NAME).is_ok());
        assert!(check("name", &"é".repeat(NAME + 1), NAME).is_err());
        assert!(check("name", "", NAME).is_ok());
    }

    #[test]
    fn numbers_outside_their_range_name_the_range() {
        let e = range("weeks", 4_000_000_000, 1, i64::from(REPORT_WEEKS)).unwrap_err();
        assert_eq!(e.to_string(), "weeks: must be between 1 and 520, found 4000000000");
        assert!(range("weeks", 1, 1, 520).is_ok());
        assert!(range("days", 0, 1, 732).is_err());
    }

    #[test]
    fn each_value_of_a_list_is_checked() {
        let tags = vec!["ok".to_string(), "t".repeat(TAG + 1)];
        assert_eq!(check_each("tags", &tags, TAG).unwrap_err().field, "tags");
        assert!(check_each("tags", &tags[..1], TAG).is_ok());
    }
}
