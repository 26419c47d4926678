//! The reports (DATA-07, DATA-08, DATA-09, DATA-14): each gathers raw counts from the store and
//! hands them to the engine in `crate::report`, which decides what may be shown. Reports read
//! only dates, types, outcomes and study records: never a note body, a reason or an attachment.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, Outcome};
use crate::domain::client::Client;
use crate::domain::ids::ClientId;
use crate::domain::limits;
use crate::domain::validate::StudentNumber;
use crate::report::{Counts, Published};

use super::{Desk, DeskError};

/// Which form of an aggregate report (DATA-14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Suppressed so that nobody can be identified: anyone who may look up clients may run it.
    Publishable,
    /// Every count shown: supervisors only, never for publishing.
    Unsuppressed,
}

/// What the rows of the usage report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One row per school (programmes rolled up: fewer cells hidden).
    School,
    /// One row per programme.
    Programme,
}

/// The row for clients with no school recorded.
pub const NO_SCHOOL: &str = "(no school recorded)";
/// The row for the de-identified counts kept from erased clients.
pub const ERASED: &str = "(erased clients)";

/// The no-show report's columns: each appointment falls in exactly one, so totals add up.
pub const NO_SHOW_COLUMNS: [&str; 5] = ["attended", "late-cancel", "no-show-waived", "no-show", "unresolved"];

/// One client's line in the programme usage report (DATA-07): whether they used each service
/// and when last; nothing else about them or the appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgrammeUsageLine {
    /// Student number.
    pub student_number: StudentNumber,
    /// Name.
    pub name: String,
    /// Per service (in the order asked), the date it was last attended, if ever.
    pub used: Vec<(String, Option<NaiveDate>)>,
}

impl Desk {
    /// Checks the operator may see `variant` and gives the published table of `counts`.
    fn publish(&self, variant: Variant, counts: &Counts) -> Result<Published, DeskError> {
        match variant {
            Variant::Publishable => {
                self.require(Permission::ViewClients)?;
                Ok(counts.publish(self.policy.reports.suppression_threshold))
            }
            Variant::Unsuppressed => {
                self.require(Permission::SupervisorReports)?;
                Ok(counts.unsuppressed())
            }
        }
    }

    /// The first Monday of the last `weeks` weeks (this one included) and its start in UTC.
    pub(super) fn report_weeks(&self, weeks: u32) -> Result<(NaiveDate, DateTime<Utc>), DeskError> {
        limits::range("weeks", i64::from(weeks), 1, i64::from(limits::REPORT_WEEKS))?;
        let today = self.today();
        let this_monday = monday(today);
        let first = this_monday
            .checked_sub_days(Days::new(7 * (u64::from(weeks) - 1)))
            .unwrap_or(NaiveDate::MIN);
        let tz = self.policy.institution.time_zone;
        let from = chrono::TimeZone::from_local_datetime(&tz, &first.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        Ok((first, from))
    }

    /// Every appointment record; a damaged one is skipped (and logged), not a failed report.
    fn all_appointments(&self) -> Result<Vec<Appointment>, DeskError> {
        Ok(self
            .store
            .scan::<Appointment>()?
            .filter_map(|a| {
                a.map_err(|e| tracing::warn!("a report skipped a damaged appointment: {e}"))
                    .ok()
            })
            .collect())
    }

    /// De-identified counts of erased clients' appointments as (Monday, type, outcome, count).
    fn erased_counts(&self) -> Result<Vec<(NaiveDate, String, String, u64)>, DeskError> {
        let tally = self.erased_tally_unchecked()?;
        Ok(tally
            .appointments
            .iter()
            .filter_map(|(key, n)| {
                let mut parts = key.split_whitespace();
                let day = parts.next()?.parse().ok()?;
                Some((day, parts.next()?.to_string(), parts.next()?.to_string(), *n))
            })
            .collect())
    }

    /// Week labels (Mondays) of the last `weeks` weeks and a table with a row for each.
    fn week_table(&self, weeks: u32, columns: Vec<String>) -> Result<(NaiveDate, Counts), DeskError> {
        let (first, _) = self.report_weeks(weeks)?;
        let rows = (0..u64::from(weeks))
            .map(|i| {
                first
                    .checked_add_days(Days::new(7 * i))
                    .unwrap_or(NaiveDate::MAX)
                    .to_string()
            })
            .collect();
        Ok((first, Counts::with_rows(rows, columns)))
    }

    fn type_columns(&self) -> Vec<String> {
        self.policy.appointment_types.iter().map(|t| t.id.to_string()).collect()
    }

    /// Attended appointments by appointment type and school or programme (DATA-08), erased
    /// clients' attended appointments in a row of their own.
    pub fn usage_report(&self, by: Grouping, variant: Variant) -> Result<Published, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut clients: BTreeMap<ClientId, (String, String)> = BTreeMap::new();
        for c in self.store.scan::<Client>()?.filter_map(Result::ok) {
            clients.insert(c.id, (c.school.unwrap_or_else(|| NO_SCHOOL.into()), c.programme));
        }
        // Rows keyed by school and programme together, so either grouping is exact.
        let mut counts = Counts::new(self.type_columns());
        for a in self.all_appointments()? {
            if a.outcome() != Some(Outcome::Attended) {
                continue;
            }
            let Some((school, programme)) = clients.get(&a.client) else {
                continue;
            };
            counts.add(&format!("{school}\u{0}{programme}"), a.appointment_type.as_str(), 1);
        }
        let mut counts = counts
            .roll_up(|key| {
                let (school, programme) = key.split_once('\u{0}').unwrap_or((key, key));
                match by {
                    Grouping::School => school.to_string(),
                    Grouping::Programme => programme.to_string(),
                }
            })
            .sorted();
        for (_, ty, outcome, n) in self.erased_counts()? {
            if outcome == Outcome::Attended.code() {
                counts.add(ERASED, &ty, n);
            }
        }
        self.publish(variant, &counts)
    }

    /// Appointments attended per week by appointment type for the last `weeks` weeks
    /// (DATA-08), erased clients' included.
    pub fn contacts_per_week(&self, weeks: u32, variant: Variant) -> Result<Published, DeskError> {
        self.require(Permission::ViewClients)?;
        let (first, mut counts) = self.week_table(weeks, self.type_columns())?;
        let week_of = |day: NaiveDate| -> Option<String> {
            let w = (day - first).num_days().div_euclid(7);
            (0..i64::from(weeks)).contains(&w).then(|| monday(day).to_string())
        };
        for a in self.all_appointments()? {
            if a.outcome() == Some(Outcome::Attended) {
                if let Some(w) = week_of(self.policy.local_date(a.start)) {
                    counts.add(&w, a.appointment_type.as_str(), 1);
                }
            }
        }
        for (day, ty, outcome, n) in self.erased_counts()? {
            if outcome == Outcome::Attended.code() {
                if let Some(w) = week_of(day) {
                    counts.add(&w, &ty, n);
                }
            }
        }
        self.publish(variant, &counts)
    }

    /// Appointments due in each of the last `weeks` weeks by how they ended (DATA-08). The
    /// columns are exclusive so the totals add up; erased clients are left out, since whether
    /// their no-shows were waived is not kept.
    pub fn no_shows_table(&self, weeks: u32, variant: Variant) -> Result<Published, DeskError> {
        self.require(Permission::ViewClients)?;
        let columns = NO_SHOW_COLUMNS.iter().map(|c| c.to_string()).collect();
        let (first, mut counts) = self.week_table(weeks, columns)?;
        let now = self.now();
        for a in self.all_appointments()? {
            let day = self.policy.local_date(a.start);
            let w = (day - first).num_days().div_euclid(7);
            if !(0..i64::from(weeks)).contains(&w) || a.start > now {
                continue;
            }
            let column = match a.outcome() {
                Some(Outcome::Attended) => "attended",
                Some(Outcome::LateCancel) => "late-cancel",
                Some(Outcome::NoShow) if a.waiver.is_some() => "no-show-waived",
                Some(Outcome::NoShow) => "no-show",
                None if a.is_unresolved(now) => "unresolved",
                _ => continue,
            };
            counts.add(&monday(day).to_string(), column, 1);
        }
        self.publish(variant, &counts)
    }

    /// How many of each programme's clients attended each appointment type at least once
    /// (DATA-07 as a count, DATA-08): rows by programme, through the engine like every
    /// aggregate report, so it names nobody and its publishable form hides small groups.
    pub fn programme_usage_table(&self, variant: Variant) -> Result<Published, DeskError> {
        self.require(Permission::ViewClients)?;
        let programmes: BTreeMap<ClientId, String> = self
            .store
            .scan::<Client>()?
            .filter_map(Result::ok)
            .map(|c| (c.id, c.programme))
            .collect();
        let mut used: std::collections::BTreeSet<(ClientId, String)> = std::collections::BTreeSet::new();
        for a in self.all_appointments()? {
            if a.outcome() == Some(Outcome::Attended) && programmes.contains_key(&a.client) {
                used.insert((a.client, a.appointment_type.to_string()));
            }
        }
        let columns = self.type_columns();
        let mut counts = Counts::new(columns.clone());
        // Every programme gets its row, one nobody from used anything too.
        if let Some(first) = columns.first() {
            for programme in programmes.values() {
                counts.add(programme, first, 0);
            }
        }
        for (client, ty) in &used {
            if let Some(programme) = programmes.get(client) {
                counts.add(programme, ty, 1);
            }
        }
        self.publish(variant, &counts.sorted())
    }

    /// For the staff of programme `programme` (DATA-07): its clients, and for each service in
    /// `services` (every appointment type when empty) whether and when they last attended one.
    /// It names clients, so supervisors only; it carries no note, reason or attachment.
    pub fn programme_usage(&self, programme: &str, services: &[String]) -> Result<Vec<ProgrammeUsageLine>, DeskError> {
        self.require(Permission::SupervisorReports)?;
        let programme = programme.trim();
        if programme.is_empty() {
            return Err(DeskError::Invalid(
                "give the programme with --programme, as client records name it".into(),
            ));
        }
        let services: Vec<String> = if services.is_empty() {
            self.type_columns()
        } else {
            for s in services {
                if self.policy.appointment_type(s).is_none() {
                    return Err(DeskError::Invalid(format!(
                        "there is no appointment type {s:?}; the policy's types are {}",
                        self.type_columns().join(", ")
                    )));
                }
            }
            services.to_vec()
        };
        let mut clients: BTreeMap<ClientId, Client> = BTreeMap::new();
        for c in self.store.scan::<Client>()?.filter_map(Result::ok) {
            if c.programme.trim().eq_ignore_ascii_case(programme) {
                clients.insert(c.id, c);
            }
        }
        let mut last: BTreeMap<(ClientId, String), NaiveDate> = BTreeMap::new();
        for a in self.all_appointments()? {
            if a.outcome() == Some(Outcome::Attended) && clients.contains_key(&a.client) {
                let day = self.policy.local_date(a.start);
                let e = last.entry((a.client, a.appointment_type.to_string())).or_insert(day);
                *e = (*e).max(day);
            }
        }
        let mut out: Vec<ProgrammeUsageLine> = clients
            .values()
            .map(|c| ProgrammeUsageLine {
                student_number: c.student_number.clone(),
                name: c.name.clone(),
                used: services
                    .iter()
                    .map(|s| (s.clone(), last.get(&(c.id, s.clone())).copied()))
                    .collect(),
            })
            .collect();
        out.sort_by(|a, b| a.student_number.as_str().cmp(b.student_number.as_str()));
        Ok(out)
    }
}

/// The Monday of `day`'s week.
fn monday(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
        .unwrap_or(day)
}
