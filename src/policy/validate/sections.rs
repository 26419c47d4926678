//! Checking each section of a policy that is more than figures: the institution, the
//! calendar's opening hours, terms, locations, closures, appointment types and peak periods.

use chrono_tz::Tz;

use super::{
    Checker, RawAppointmentType, RawCalendar, RawClosure, RawInstitution, MAX_COUNT, MAX_DAYS, MAX_WINDOW_DAYS,
};
use crate::domain::limits;
use crate::domain::text::quote;
use crate::policy::{
    Allocation, AllocationPeriod, AppointmentType, Closure, Institution, Location, MonthDay, OpeningHours, PeakPeriod,
    Term,
};

/// Minutes after midnight of a local `HH:MM` time (`24:00` too when `end_of_day`).
fn minute_of_day(text: &str, end_of_day: bool) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let minute = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && (minute < 24 * 60 || (end_of_day && minute == 24 * 60))).then_some(minute)
}

impl Checker<'_> {
    /// The `[calendar]` opening hours: two `HH:MM` times, the closing after the opening.
    pub(super) fn opening_hours(&mut self, raw: &RawCalendar) -> OpeningHours {
        let fallback = OpeningHours::default();
        let opens = minute_of_day(&raw.opens, false).unwrap_or_else(|| {
            self.error(
                "calendar.opens",
                format!("{} is not a time of day as HH:MM, e.g. \"09:00\"", quote(&raw.opens)),
            );
            fallback.opens
        });
        let closes = minute_of_day(&raw.closes, true).unwrap_or_else(|| {
            self.error(
                "calendar.closes",
                format!(
                    "{} is not a time of day as HH:MM (00:00 to 24:00), e.g. \"17:00\"",
                    quote(&raw.closes)
                ),
            );
            fallback.closes
        });
        if closes <= opens {
            self.error(
                "calendar.closes",
                format!(
                    "{} is not after the opening time {}",
                    quote(&raw.closes),
                    quote(&raw.opens)
                ),
            );
            return fallback;
        }
        OpeningHours { opens, closes }
    }

    pub(super) fn institution(&mut self, raw: RawInstitution) -> Institution {
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

    pub(super) fn terms(&mut self, terms: &[Term]) {
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

    pub(super) fn locations(&mut self, locations: &[Location]) {
        self.ids("locations", locations.iter().map(|l| l.id.as_str()));
        for (i, l) in locations.iter().enumerate() {
            self.non_empty(&format!("locations[{i}].name"), &l.name);
            if let Some(capacity) = l.capacity {
                self.range(&format!("locations[{i}].capacity"), capacity, 1, 1000);
            }
        }
    }

    /// Each closure is one `date` or a `from`..`to` range, in order.
    pub(super) fn closures(&mut self, raw: Vec<RawClosure>) -> Vec<Closure> {
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

    pub(super) fn appointment_types(&mut self, raw: Vec<RawAppointmentType>, have_terms: bool) -> Vec<AppointmentType> {
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

    pub(super) fn peak_periods(&mut self, peaks: &[PeakPeriod]) {
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
