//! Planning a series of slots: every slot of a term for one consultant, on some weekdays, from
//! one local time to another every so many minutes, skipping closed days, chosen dates, times
//! the consultant is already busy and times the room is full. Pure: the caller gives the slots
//! that already exist around those days and stores what the plan makes.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::Serialize;

use super::appointment::Slot;
use super::ids::OperatorId;
use super::policy::{Location, Policy};
use super::rules::rooms;
use super::validate::FieldError;

/// The most slots one series may make.
pub const MAX_SLOTS: usize = 2000;
/// The most days a series may span.
pub const MAX_DAYS: i64 = 400;
/// The longest slot, in minutes.
pub const MAX_MINUTES: u16 = super::limits::SLOT_MINUTES as u16;

/// What a series should make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesSpec {
    /// Whose calendar.
    pub consultant: OperatorId,
    /// The place every slot is held in.
    pub location: Location,
    /// Weekdays with slots.
    pub days: Vec<Weekday>,
    /// Local time of the first slot each day.
    pub from: NaiveTime,
    /// Local time by which the last slot of a day has ended.
    pub to: NaiveTime,
    /// Minutes from one slot's start to the next.
    pub every: u16,
    /// Length of each slot in minutes.
    pub minutes: u16,
    /// First day of the series.
    pub start: NaiveDate,
    /// Last day of the series (included).
    pub until: NaiveDate,
    /// Days to leave out.
    pub skip: Vec<NaiveDate>,
}

/// One slot the plan makes: its start and the same local start as shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// Length in minutes.
    pub minutes: u16,
}

impl Planned {
    /// End.
    pub fn end(&self) -> DateTime<Utc> {
        self.start + Duration::minutes(i64::from(self.minutes))
    }
}

/// Why a day or a time of the series made no slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum SkipReason {
    /// The day was given to skip.
    Skipped,
    /// The service is closed that day.
    Closed {
        /// The closure's name.
        name: String,
    },
    /// The consultant already has a slot then.
    ConsultantBusy {
        /// That slot's local start and end, "10:00-10:45".
        other: String,
    },
    /// The room already holds as many slots as it can then.
    RoomFull {
        /// Slots already using it.
        used: u32,
        /// How many it holds.
        capacity: u32,
    },
    /// The local time does not exist that day (the clocks go forward through it).
    NoSuchTime,
    /// The time has already passed.
    Past,
}

impl SkipReason {
    /// In words, for listings.
    pub fn describe(&self) -> String {
        match self {
            SkipReason::Skipped => "skipped as asked".into(),
            SkipReason::Closed { name } => format!("the service is closed ({name})"),
            SkipReason::ConsultantBusy { other } => format!("the consultant already has a slot {other}"),
            SkipReason::RoomFull { used, capacity } => {
                format!("the room is full then ({used} of {capacity} in use)")
            }
            SkipReason::NoSuchTime => "the time does not exist that day (clocks go forward)".into(),
            SkipReason::Past => "already past".into(),
        }
    }
}

/// A day (when `time` is `None`, the whole day) or one time that made no slot, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// The local date.
    pub date: NaiveDate,
    /// The local start time, for a skip of one slot.
    pub time: Option<NaiveTime>,
    /// Why.
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// What a series makes and what it skipped, in date and time order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesPlan {
    /// The slots to make.
    pub make: Vec<Planned>,
    /// The days and times left out, each with its reason.
    pub skipped: Vec<Skip>,
}

impl SeriesSpec {
    /// Every problem with the spec itself, each naming its field.
    pub fn problems(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.days.is_empty() {
            out.push(FieldError::new("days", "give at least one weekday, e.g. mon,tue,thu"));
        }
        if self.minutes == 0 || self.minutes > MAX_MINUTES {
            out.push(FieldError::new(
                "minutes",
                format!("must be between 1 and {MAX_MINUTES}"),
            ));
        }
        if self.every < self.minutes {
            out.push(FieldError::new(
                "every",
                format!(
                    "every {} min is shorter than a {}-minute slot, so the slots would overlap; use at least {}m",
                    self.every, self.minutes, self.minutes
                ),
            ));
        }
        if self.to <= self.from {
            out.push(FieldError::new(
                "to",
                format!(
                    "{} is not after --from {}",
                    self.to.format("%H:%M"),
                    self.from.format("%H:%M")
                ),
            ));
        } else if self.from + Duration::minutes(i64::from(self.minutes)) > self.to {
            out.push(FieldError::new(
                "to",
                format!(
                    "no {}-minute slot fits between {} and {}",
                    self.minutes,
                    self.from.format("%H:%M"),
                    self.to.format("%H:%M")
                ),
            ));
        }
        if self.until < self.start {
            out.push(FieldError::new(
                "until",
                format!("{} is before --start {}", self.until, self.start),
            ));
        } else if (self.until - self.start).num_days() >= MAX_DAYS {
            out.push(FieldError::new(
                "until",
                format!("a series spans at most {MAX_DAYS} days; make one per term"),
            ));
        }
        if self.start < today {
            out.push(FieldError::new(
                "start",
                format!("{} is in the past; start today or later", self.start),
            ));
        }
        out
    }

    /// The local start times of each day's slots.
    fn times(&self) -> Vec<NaiveTime> {
        let mut out = Vec::new();
        let (mut t, step, length) = (
            self.from,
            Duration::minutes(i64::from(self.every.max(1))),
            Duration::minutes(i64::from(self.minutes)),
        );
        // Times are compared as durations since midnight so a day's end never wraps.
        let since_midnight = |t: NaiveTime| t - NaiveTime::MIN;
        while since_midnight(t) + length <= since_midnight(self.to) {
            out.push(t);
            let next = t + step;
            if next <= t {
                break;
            }
            t = next;
        }
        out
    }
}

/// Plans the series. `existing` holds the slots already in calendars around those days (any
/// consultant, any place); `now` leaves out times already past. Refuses a spec with problems, or
/// one that would make more than [`MAX_SLOTS`] slots.
pub fn plan(
    spec: &SeriesSpec,
    policy: &Policy,
    existing: &[Slot],
    now: DateTime<Utc>,
) -> Result<SeriesPlan, Vec<FieldError>> {
    let problems = spec.problems(policy.local_date(now));
    if !problems.is_empty() {
        return Err(problems);
    }
    let tz = policy.institution.time_zone;
    let times = spec.times();
    let mut out = SeriesPlan::default();
    let mut made_here: Vec<Slot> = Vec::new();
    let mut date = spec.start;
    while date <= spec.until {
        let day = date;
        date = match date.succ_opt() {
            Some(d) => d,
            None => break,
        };
        if !spec.days.contains(&day.weekday()) {
            continue;
        }
        let whole_day = |reason| Skip {
            date: day,
            time: None,
            reason,
        };
        if spec.skip.contains(&day) {
            out.skipped.push(whole_day(SkipReason::Skipped));
            continue;
        }
        if let Some(c) = policy.closure_on(day) {
            out.skipped.push(whole_day(SkipReason::Closed { name: c.name.clone() }));
            continue;
        }
        for &time in &times {
            let skip = |reason| Skip {
                date: day,
                time: Some(time),
                reason,
            };
            // The earlier of a repeated hour (clocks going back), none for a skipped one.
            let Some(start) = tz
                .from_local_datetime(&day.and_time(time))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
            else {
                out.skipped.push(skip(SkipReason::NoSuchTime));
                continue;
            };
            let p = Planned {
                start,
                minutes: spec.minutes,
            };
            if p.start < now {
                out.skipped.push(skip(SkipReason::Past));
                continue;
            }
            if let Some(busy) = existing
                .iter()
                .find(|s| s.consultant == spec.consultant && s.overlaps(p.start, p.end()))
            {
                let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
                out.skipped.push(skip(SkipReason::ConsultantBusy {
                    other: format!("{}-{}", local(busy.start), local(busy.end())),
                }));
                continue;
            }
            let in_room = existing.iter().chain(made_here.iter());
            if let Some(refusal) = rooms::room_check(policy, &spec.location, in_room, p.start, p.end()) {
                let (used, capacity) = refusal.figures.map_or((0, 0), |f| (f.used, f.limit));
                out.skipped.push(skip(SkipReason::RoomFull { used, capacity }));
                continue;
            }
            if out.make.len() >= MAX_SLOTS {
                return Err(vec![FieldError::new(
                    "until",
                    format!("the series would make more than {MAX_SLOTS} slots; make it in parts"),
                )]);
            }
            made_here.push(planned_slot(spec, &p));
            out.make.push(p);
        }
    }
    Ok(out)
}

/// A stand-in slot for a planned one, so later slots of the series see the room it takes.
fn planned_slot(spec: &SeriesSpec, p: &Planned) -> Slot {
    Slot {
        id: super::ids::SlotId(0),
        consultant: spec.consultant,
        appointment_type: super::policy::AppointmentTypeId(String::new()),
        start: p.start,
        minutes: p.minutes,
        location: spec.location.id.clone(),
        booking: None,
        withdrawn: false,
        series: None,
    }
}

/// Weekdays typed as `mon,tue,thu` (or full names, any case; `mon-fri` for a run of days).
pub fn parse_days(text: &str) -> Result<Vec<Weekday>, FieldError> {
    let bad = |part: &str| {
        FieldError::new(
            "days",
            format!("`{part}` is not a weekday; write days as mon,tue,wed,thu,fri,sat,sun (or mon-fri)"),
        )
    };
    let day = |part: &str| -> Result<Weekday, FieldError> {
        let p = part.trim().to_ascii_lowercase();
        let found = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ]
        .into_iter()
        .find(|w| {
            let full = match w {
                Weekday::Mon => "monday",
                Weekday::Tue => "tuesday",
                Weekday::Wed => "wednesday",
                Weekday::Thu => "thursday",
                Weekday::Fri => "friday",
                Weekday::Sat => "saturday",
                Weekday::Sun => "sunday",
            };
            p.len() >= 3 && full.starts_with(&p)
        });
        found.ok_or_else(|| bad(part.trim()))
    };
    let mut out: Vec<Weekday> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (mut w, last) = (day(a)?, day(b)?);
                loop {
                    if !out.contains(&w) {
                        out.push(w);
                    }
                    if w == last {
                        break;
                    }
                    w = w.succ();
                }
            }
            None => {
                let w = day(part)?;
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
    }
    if out.is_empty() {
        return Err(bad(text.trim()));
    }
    out.sort_by_key(|w| w.num_days_from_monday());
    Ok(out)
}

/// A local time of day typed as `HH:MM`.
pub fn parse_clock(field: &'static str, text: &str) -> Result<NaiveTime, FieldError> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        FieldError::new(
            field,
            format!("`{}` is not a time of day; write HH:MM, e.g. 09:00", text.trim()),
        )
    })
}

/// A length of time typed as `45m`, `1h`, `1h30m` or plain minutes (`90`), in minutes.
pub fn parse_minutes(field: &'static str, text: &str) -> Result<u16, FieldError> {
    let t = text.trim().to_ascii_lowercase();
    let bad = || {
        FieldError::new(
            field,
            format!("`{}` is not a length of time; write e.g. 45m, 1h or 1h30m", text.trim()),
        )
    };
    let minutes: u32 = if let Ok(n) = t.parse::<u32>() {
        n
    } else {
        let (hours, rest) = match t.split_once('h') {
            Some((h, rest)) => (h.parse::<u32>().map_err(|_| bad())?, rest),
            None => (0, t.as_str()),
        };
        let mins = match rest.strip_suffix('m').or(rest.strip_suffix("min")) {
            Some(m) => m.parse::<u32>().map_err(|_| bad())?,
            None if rest.is_empty() => 0,
            None => return Err(bad()),
        };
        hours
            .checked_mul(60)
            .and_then(|h| h.checked_add(mins))
            .ok_or_else(bad)?
    };
    if minutes == 0 || minutes > u32::from(MAX_MINUTES) {
        return Err(FieldError::new(
            field,
            format!("must be between 1 minute and {} hours", MAX_MINUTES / 60),
        ));
    }
    u16::try_from(minutes).map_err(|_| bad())
}

#[cfg(test)]
mod tests;
