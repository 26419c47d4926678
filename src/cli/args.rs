//! Turning what was typed on the command line into the typed values the desk takes: each is
//! parsed once, here, with the field named in the message.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};

use crate::desk::{Desk, DeskError};
use crate::domain::ids::{AppointmentId, SeriesId, SlotId};
use crate::domain::operator::Login;
use crate::domain::policy::{AppointmentTypeId, LocationId};
use crate::domain::series;
use crate::domain::validate::{self, FieldError, StudentNumber};

/// A booking id.
pub fn booking(text: &str) -> Result<AppointmentId, DeskError> {
    text.parse().map_err(|m: String| FieldError::new("booking", m).into())
}

/// A slot id.
pub fn slot(text: &str) -> Result<SlotId, DeskError> {
    text.parse().map_err(|m: String| FieldError::new("slot", m).into())
}

/// A series id.
pub fn series_id(text: &str) -> Result<SeriesId, DeskError> {
    text.parse().map_err(|m: String| FieldError::new("series", m).into())
}

/// Weekdays: `mon,tue,thu` or `mon-fri`.
pub fn days(text: &str) -> Result<Vec<Weekday>, DeskError> {
    Ok(series::parse_days(text)?)
}

/// A local time of day, `HH:MM`.
pub fn clock(field: &'static str, text: &str) -> Result<NaiveTime, DeskError> {
    Ok(series::parse_clock(field, text)?)
}

/// A length of time: `45m`, `1h`, `1h30m` or minutes.
pub fn minutes(field: &'static str, text: &str) -> Result<u16, DeskError> {
    Ok(series::parse_minutes(field, text)?)
}

/// A student number.
pub fn student_number(text: &str) -> Result<StudentNumber, DeskError> {
    Ok(StudentNumber::parse(text)?)
}

/// An operator's login.
pub fn login(text: &str) -> Result<Login, DeskError> {
    Ok(Login::parse(text)?)
}

/// An appointment type id (the desk checks the policy has it).
pub fn appointment_type(text: &str) -> AppointmentTypeId {
    AppointmentTypeId(text.trim().to_string())
}

/// A location id (the desk checks the policy has it).
pub fn location(text: &str) -> LocationId {
    LocationId(text.trim().to_string())
}

/// A local `YYYY-MM-DD HH:MM` in the institution's time zone.
pub fn local_time(desk: &Desk, field: &'static str, text: &str) -> Result<DateTime<Utc>, DeskError> {
    Ok(validate::local_datetime(
        field,
        text,
        desk.policy().institution.time_zone,
    )?)
}

/// A `YYYY-MM-DD` date.
pub fn date(field: &'static str, text: &str) -> Result<NaiveDate, DeskError> {
    Ok(validate::date(field, text)?)
}
