//! The institution's policy as the rules see it: every figure the product enforces (retention
//! years, fair use, allocations, no-show thresholds, ...). Pure data and date helpers; reading
//! and checking the file is `crate::policy`'s work.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize};

use super::client::{Level, Status};
use super::text::quote;
/// A complete, validated institution policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Who the policy belongs to, its time zone and academic calendar.
    pub institution: Institution,
    /// How long personal data and enquiries are kept (DATA-02, DATA-03).
    pub retention: Retention,
    /// The normal fair-use limit on consultant-led contacts (APPT-05).
    pub fair_use: FairUse,
    /// No-show concern and block thresholds (APPT-04).
    pub no_show: NoShow,
    /// Statistical reporting settings (DATA-08).
    pub reports: Reports,
    /// Appointment reminder timing (APPT-09).
    pub reminders: Reminders,
    /// Operator security settings (SEC-01).
    pub security: Security,
    /// Slowing down and locking repeated wrong passwords (SEC-01).
    pub sign_in: SignIn,
    /// Employer complaint alerting (CMP-01).
    pub complaints: Complaints,
    /// Automatic daily backups of the store.
    pub backups: Backups,
    /// How often the desk screen syncs with its server.
    pub sync: SyncSchedule,
    /// Event clash checking (EVT-01).
    pub events: Events,
    /// `[calendar]`: the opening hours the calendar's grids show.
    pub calendar: OpeningHours,
    /// Uploaded files (DATA-01).
    pub attachments: Attachments,
    /// Teaching terms, used by per-term allocations; never overlapping.
    pub terms: Vec<Term>,
    /// Places where appointments are held (APPT-07, APPT-08).
    pub locations: Vec<Location>,
    /// Appointment types with eligibility and allocation (APPT-01); at least one.
    pub appointment_types: Vec<AppointmentType>,
    /// Date ranges with tighter fair-use limits (APPT-06).
    pub peak_periods: Vec<PeakPeriod>,
    /// Days the service is closed: no slots are made on them.
    pub closures: Vec<Closure>,
}

/// The `[institution]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Institution {
    /// Display name of the careers service.
    pub name: String,
    /// The institution's IANA time zone, with its clock changes.
    pub time_zone: Tz,
    /// The last day of every academic year.
    pub academic_year_end: MonthDay,
}

/// The `[retention]` section (DATA-02, DATA-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Years after the end of the academic year in which the course completes (DATA-02).
    pub years: u32,
    /// Days an enquiry body is kept after it is resolved (DATA-03).
    #[serde(default = "default_enquiry_days")]
    pub enquiry_days: u32,
}

fn default_enquiry_days() -> u32 {
    61
}

/// Defines a policy section whose settings are all `u32` with defaults; a section or setting
/// left out of the file takes its default.
macro_rules! section {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident = $default:expr,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name { $($(#[$fm])* pub $field: u32,)* }

        impl Default for $name {
            fn default() -> Self {
                $name { $($field: $default,)* }
            }
        }
    };
}

section! {
    /// A fair-use limit: at most `max_contacts` consultant-led contacts in any `window_days`
    /// (APPT-05); default 3 in 28.
    FairUse {
        /// Largest number of consultant-led contacts allowed in one window.
        max_contacts = 3,
        /// Length of the rolling window in days.
        window_days = 28,
    }
}

section! {
    /// The `[no_show]` section (APPT-04).
    NoShow {
        /// No-shows within the look-back that flag the client for supervisor triage.
        concern_threshold = 2,
        /// No-shows within the look-back that propose a block.
        block_threshold = 3,
        /// How far back no-shows are counted, in days.
        look_back_days = 365,
        /// Default expiry of a confirmed block, in days.
        block_days = 90,
    }
}

section! {
    /// The `[reports]` section (DATA-08).
    Reports {
        /// Counts from 1 to this minus one are suppressed in shared statistics.
        suppression_threshold = 5,
    }
}

section! {
    /// The `[reminders]` section (APPT-09).
    Reminders {
        /// A reminder is sent only for bookings made more than this many hours before the start.
        min_lead_hours = 24,
        /// How many hours before the start the reminder goes out.
        send_hours_before = 24,
    }
}

section! {
    /// The `[security]` section (SEC-01).
    Security {
        /// Minutes without input before the screen locks.
        idle_lock_minutes = 5,
    }
}

section! {
    /// The `[sign_in]` section (SEC-01): from the second wrong password in a row the next try
    /// waits `delay_seconds`, doubling with each further one up to `delay_cap_seconds`; `lock_after`
    /// wrong passwords, each within `lock_minutes` of the one before, lock the account for
    /// `lock_minutes` or until an administrator unlocks it.
    SignIn {
        /// Wrong passwords in a row that lock the account.
        lock_after = 5,
        /// How long a lock lasts, and how close together wrong passwords must be to count.
        lock_minutes = 15,
        /// The wait after the second wrong password in a row, in seconds (0: no slowing down).
        delay_seconds = 1,
        /// The longest wait between tries, in seconds.
        delay_cap_seconds = 30,
    }
}

section! {
    /// The `[complaints]` section (CMP-01).
    Complaints {
        /// Distinct complaining clients that flag an employer to supervisors.
        alert_threshold = 3,
    }
}

section! {
    /// The `[sync]` section: how often the desk screen of an enrolled desk syncs by itself.
    SyncSchedule {
        /// Seconds between syncs while all is well (after a failure the backoff decides).
        every_seconds = 60,
    }
}

section! {
    /// The `[attachments]` section (DATA-01): the largest file a client's upload may be.
    Attachments {
        /// The largest attachment in bytes (default 10 MiB).
        max_bytes = 10_485_760,
    }
}

section! {
    /// The `[events]` section (EVT-01).
    Events {
        /// Events sharing an employer, sector or audience clash when fewer than this many hours
        /// lie between one's end and the other's start (0: only overlapping events clash).
        clash_gap_hours = 24,
    }
}

/// The `[calendar]` section: the service's usual opening hours, as minutes after local
/// midnight (`opens = "09:00"`, `closes = "17:00"` in the file); the calendar's day and week
/// grids show them, widened to any slot or event outside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningHours {
    /// When the service opens, in minutes after midnight (default 09:00).
    pub opens: u32,
    /// When it closes, in minutes after midnight, after `opens` (default 17:00; 24:00 at most).
    pub closes: u32,
}

impl Default for OpeningHours {
    fn default() -> Self {
        OpeningHours {
            opens: 9 * 60,
            closes: 17 * 60,
        }
    }
}

/// The `[backups]` section: one automatic backup a day, the last `keep` kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Backups {
    /// Whether a backup is made automatically once a day (`careerdesk store backup --auto`,
    /// and the desk screen).
    pub automatic: bool,
    /// How many daily backups are kept; older ones are removed when a new one is made.
    pub keep: u32,
}

impl Default for Backups {
    fn default() -> Self {
        Backups {
            automatic: true,
            keep: 14,
        }
    }
}

/// A teaching term (`[[terms]]`), inclusive of both dates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// Display name, e.g. "Autumn 2026".
    pub name: String,
    /// First day of the term.
    #[serde(deserialize_with = "de_date")]
    pub start: NaiveDate,
    /// Last day of the term.
    #[serde(deserialize_with = "de_date")]
    pub end: NaiveDate,
}

impl Term {
    /// Whether `date` falls within the term (both ends included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// The id of a location (kebab-case, unique in the policy).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocationId(pub String);

/// The id of an appointment type (kebab-case, unique in the policy).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppointmentTypeId(pub String);

macro_rules! id_impls {
    ($t:ty) => {
        impl $t {
            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl From<&str> for $t {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }
    };
}
id_impls!(LocationId);
id_impls!(AppointmentTypeId);

/// A place where appointments are held (`[[locations]]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Unique kebab-case id.
    pub id: LocationId,
    /// Display name.
    pub name: String,
    /// Whether conversations here are confidential (APPT-07); default false.
    #[serde(default)]
    pub confidential: bool,
    /// Whether this is an online room; its appointments carry recording consent (APPT-08).
    #[serde(default)]
    pub online: bool,
    /// How many slots may use the place at once. Left out: 1 for a physical place, no limit
    /// for an online one (each consultant's video call is its own room).
    #[serde(default)]
    pub capacity: Option<u32>,
}

impl Location {
    /// How many slots may use the place at once; `None` means no limit.
    pub fn room_limit(&self) -> Option<u32> {
        match (self.capacity, self.online) {
            (Some(n), _) => Some(n),
            (None, true) => None,
            (None, false) => Some(1),
        }
    }
}

/// A day or run of days the service is closed (`[[closures]]`), both ends included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// Display name, e.g. "Christmas closure".
    pub name: String,
    /// First closed day.
    pub from: NaiveDate,
    /// Last closed day.
    pub to: NaiveDate,
}

impl Closure {
    /// Whether `date` falls within the closure (both ends included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// Whether an appointment type is normally held in a confidential or an open setting (APPT-07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Setting {
    /// A private room or pod.
    Confidential,
    /// An open or screened area.
    Open,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::Confidential => "confidential",
            Setting::Open => "open",
        })
    }
}

/// An appointment type (`[[appointment_types]]`, APPT-01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentType {
    /// Unique kebab-case id.
    pub id: AppointmentTypeId,
    /// Display name.
    pub name: String,
    /// Whether it is a contact with a careers consultant, counted for fair use (APPT-05).
    pub consultant_led: bool,
    /// Length in minutes.
    pub minutes: u32,
    /// The setting it is normally held in (APPT-07).
    pub setting: Setting,
    /// Who may book it; empty lists mean anyone.
    pub eligibility: Eligibility,
    /// How many each client may have per period.
    pub allocation: Allocation,
}

/// Eligibility rules of an appointment type (APPT-01); an empty list does not restrict.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Eligibility {
    /// Levels of study allowed.
    pub levels: Vec<Level>,
    /// Statuses (student / graduate) allowed.
    pub statuses: Vec<Status>,
    /// Degree programmes allowed.
    pub programmes: Vec<String>,
    /// Schools allowed.
    pub schools: Vec<String>,
    /// Activity thresholds that must all have been reached.
    pub activities: Vec<ActivityThreshold>,
}

impl Eligibility {
    /// Whether nothing restricts who may book.
    pub fn is_open_to_all(&self) -> bool {
        self.levels.is_empty()
            && self.statuses.is_empty()
            && self.programmes.is_empty()
            && self.schools.is_empty()
            && self.activities.is_empty()
    }
}

/// A required number of completed activities of one kind, e.g. one CV workshop.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityThreshold {
    /// Activity name, e.g. "cv-workshop".
    pub activity: String,
    /// How many must have been completed.
    pub min: u32,
}

/// An allocation: `count` appointments per `period` (APPT-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    /// Appointments allowed per period.
    pub count: u32,
    /// The period the count applies to.
    pub period: AllocationPeriod,
}

/// The period an allocation counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AllocationPeriod {
    /// The term containing the appointment.
    Term,
    /// The academic year containing the appointment.
    AcademicYear,
    /// A rolling window of this many days.
    Days(u32),
}

impl FromStr for AllocationPeriod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t {
            "term" => return Ok(AllocationPeriod::Term),
            "academic-year" => return Ok(AllocationPeriod::AcademicYear),
            _ => {}
        }
        let bad = || {
            format!(
                "{} is not a period; use \"term\", \"academic-year\" or \"N days\"",
                quote(s)
            )
        };
        let mut words = t.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(n), Some("days" | "day"), None) => match n.parse::<u32>() {
                Ok(0) => Err(format!("{}: the number of days must be at least 1", quote(s))),
                Ok(n) => Ok(AllocationPeriod::Days(n)),
                Err(_) => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for AllocationPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocationPeriod::Term => f.write_str("term"),
            AllocationPeriod::AcademicYear => f.write_str("academic-year"),
            AllocationPeriod::Days(n) => write!(f, "{n} days"),
        }
    }
}

/// A busy period with tighter fair-use limits (`[[peak_periods]]`, APPT-06), both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeakPeriod {
    /// Display name.
    pub name: String,
    /// First day of the period.
    #[serde(deserialize_with = "de_date")]
    pub from: NaiveDate,
    /// Last day of the period.
    #[serde(deserialize_with = "de_date")]
    pub to: NaiveDate,
    /// Largest number of consultant-led contacts in one window during the period.
    pub max_contacts: u32,
    /// Length of the rolling window in days during the period.
    pub window_days: u32,
}

impl PeakPeriod {
    /// Whether `date` falls within the period (both ends included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// The fair-use limit that applies during the period.
    pub fn fair_use(&self) -> FairUse {
        FairUse {
            max_contacts: self.max_contacts,
            window_days: self.window_days,
        }
    }
}

/// A day of the year without a year, `MM-DD`; 29 February is refused so it exists every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    /// 31 July: a common academic-year end, and the stand-in while a bad file is reported.
    pub const JULY_31: MonthDay = MonthDay { month: 7, day: 31 };

    /// A month-day that exists in every year, or `None` (e.g. 02-29, 04-31, 13-01).
    pub fn new(month: u32, day: u32) -> Option<MonthDay> {
        // 2001 is not a leap year, so 02-29 is refused.
        NaiveDate::from_ymd_opt(2001, month, day).map(|_| MonthDay { month, day })
    }

    /// The month, 1-12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The day of the month, 1-31.
    pub fn day(self) -> u32 {
        self.day
    }

    /// This day in `year`; `None` only for a year outside chrono's range (about ±262,000),
    /// since a `MonthDay` exists in every year.
    pub fn in_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
    }
}

impl FromStr for MonthDay {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let shape_ok = b.len() == 5 && b[2] == b'-' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit());
        if !shape_ok {
            return Err(format!("{} is not a date in MM-DD form, e.g. \"07-31\"", quote(s)));
        }
        let month: u32 = s[0..2].parse().map_err(|_| format!("bad month in `{s}`"))?;
        let day: u32 = s[3..5].parse().map_err(|_| format!("bad day in `{s}`"))?;
        MonthDay::new(month, day).ok_or_else(|| {
            format!(
                "{} is not a day that exists every year (02-29 is not allowed)",
                quote(s)
            )
        })
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// Accepts a date as a quoted `"YYYY-MM-DD"` string or a bare TOML local date.
pub(crate) fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    use serde::de::Error;
    match toml::Value::deserialize(d)? {
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| D::Error::custom(format!("{} is not a date; write YYYY-MM-DD", quote(&s)))),
        toml::Value::Datetime(dt) => match (dt.date, dt.time) {
            (Some(date), None) => NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
                .ok_or_else(|| D::Error::custom(format!("`{dt}` is not a valid date"))),
            _ => Err(D::Error::custom(format!(
                "`{dt}` has a time; write a date only, YYYY-MM-DD"
            ))),
        },
        other => Err(D::Error::custom(format!(
            "expected a date (YYYY-MM-DD), found {}",
            other.type_str()
        ))),
    }
}

impl Policy {
    /// The last day of the academic year containing `date` (DATA-02).
    pub fn academic_year_end_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        let end = self.institution.academic_year_end;
        match end.in_year(date.year()) {
            Some(this_year) if date <= this_year => this_year,
            // Past the last year chrono knows, the academic year ends with time itself.
            _ => date
                .year()
                .checked_add(1)
                .and_then(|y| end.in_year(y))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    /// The first and last days of the academic year containing `date`.
    pub fn academic_year_containing(&self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let last = self.academic_year_end_on_or_after(date);
        let first = last
            .year()
            .checked_sub(1)
            .and_then(|y| self.institution.academic_year_end.in_year(y))
            .and_then(|before| before.succ_opt())
            .unwrap_or(NaiveDate::MIN);
        (first, last)
    }

    /// The last day personal data of a client whose course ended on `course_end` may be kept:
    /// the end of that academic year plus `retention.years` years (DATA-02).
    pub fn retention_until(&self, course_end: NaiveDate) -> NaiveDate {
        let year_end = self.academic_year_end_on_or_after(course_end);
        year_end
            .checked_add_months(Months::new(self.retention.years.saturating_mul(12)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Whether a client whose course ended on `course_end` is past retention on `today`: the
    /// day after [`Policy::retention_until`] (DATA-02).
    pub fn past_retention(&self, course_end: NaiveDate, today: NaiveDate) -> bool {
        today > self.retention_until(course_end)
    }

    /// Whether the correspondence of an enquiry resolved on `resolved_on` is past its keeping
    /// on `today`: from the day after `retention.enquiry_days` (DATA-03).
    pub fn enquiry_body_expired(&self, resolved_on: NaiveDate, today: NaiveDate) -> bool {
        resolved_on
            .checked_add_days(chrono::Days::new(u64::from(self.retention.enquiry_days)))
            .is_some_and(|last| today > last)
    }

    /// The appointment type with this id.
    pub fn appointment_type<Q: AsRef<str> + ?Sized>(&self, id: &Q) -> Option<&AppointmentType> {
        let id = id.as_ref();
        self.appointment_types.iter().find(|t| t.id.as_str() == id)
    }

    /// The location with this id.
    pub fn location<Q: AsRef<str> + ?Sized>(&self, id: &Q) -> Option<&Location> {
        let id = id.as_ref();
        self.locations.iter().find(|l| l.id.as_str() == id)
    }

    /// The term containing `date`, if any (terms never overlap).
    pub fn term_containing(&self, date: NaiveDate) -> Option<&Term> {
        self.terms.iter().find(|t| t.contains(date))
    }

    /// The peak period containing `date`; where several do, the one with the fewest contacts.
    pub fn peak_period_on(&self, date: NaiveDate) -> Option<&PeakPeriod> {
        self.peak_periods
            .iter()
            .filter(|p| p.contains(date))
            .min_by_key(|p| (p.max_contacts, std::cmp::Reverse(p.window_days)))
    }

    /// The fair-use limit on `date`: a peak period's if one applies (APPT-06), else the normal one.
    pub fn fair_use_on(&self, date: NaiveDate) -> FairUse {
        self.peak_period_on(date)
            .map(PeakPeriod::fair_use)
            .unwrap_or(self.fair_use)
    }

    /// The closure covering `date`, if the service is closed then.
    pub fn closure_on(&self, date: NaiveDate) -> Option<&Closure> {
        self.closures.iter().find(|c| c.contains(date))
    }

    /// The calendar date at the instant `at` in the institution's time zone.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.institution.time_zone).date_naive()
    }
}
