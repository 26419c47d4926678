//! Employer contact over time (EVT-04): when an engagement happened (never after now), one
//! employer's contacts per week, and the employers with the most contacts over the last weeks.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::access::Permission;
use crate::domain::contact_chart::{self, ContactChart};
use crate::domain::employer::{Employer, EngagementNote};
use crate::domain::ids::EmployerId;
use crate::domain::limits;
use crate::domain::validate::FieldError;

use super::{Desk, DeskError};

/// The most employers the busiest list shows.
pub const BUSIEST_MAX: usize = 500;

/// One employer in the busiest list, with its chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusyEmployer {
    /// The employer.
    pub employer: Employer,
    /// Its contacts per week.
    pub chart: ContactChart,
}

impl Desk {
    /// When an engagement happened: `at`, or now; a time after now is refused.
    pub(super) fn happened(&self, field: &'static str, at: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, DeskError> {
        let now = self.now();
        match at {
            None => Ok(now),
            Some(t) if t > now => Err(DeskError::Fields(vec![FieldError::new(
                field,
                "is after now: record it once it has happened",
            )])),
            Some(t) => Ok(t),
        }
    }

    /// An employer's contacts per week over the last `weeks` weeks, this week last (EVT-04).
    pub fn contact_chart(&self, employer: EmployerId, weeks: u32) -> Result<ContactChart, DeskError> {
        self.require(Permission::ViewClients)?;
        limits::range("weeks", i64::from(weeks), 1, i64::from(limits::REPORT_WEEKS))?;
        let notes: Vec<EngagementNote> = self
            .store
            .scan::<EngagementNote>()?
            .filter_map(Result::ok)
            .filter(|n| n.employer == employer)
            .collect();
        Ok(self.chart_of(&notes, weeks))
    }

    /// The chart of notes already read (the profile has them), by the desk's clock.
    pub fn chart_of(&self, notes: &[EngagementNote], weeks: u32) -> ContactChart {
        contact_chart::of_notes(notes, self.now(), self.policy.institution.time_zone, weeks)
    }

    /// The `limit` employers with the most contacts over the last `weeks` weeks, most first
    /// (then by name); employers with none are left out (EVT-04).
    pub fn busiest_employers(&self, weeks: u32, limit: usize) -> Result<Vec<BusyEmployer>, DeskError> {
        self.require(Permission::ViewClients)?;
        limits::range("weeks", i64::from(weeks), 1, i64::from(limits::REPORT_WEEKS))?;
        limits::range("limit", i64::try_from(limit).unwrap_or(i64::MAX), 1, BUSIEST_MAX as i64)?;
        let mut by_employer: HashMap<EmployerId, Vec<EngagementNote>> = HashMap::new();
        for n in self.store.scan::<EngagementNote>()?.filter_map(Result::ok) {
            by_employer.entry(n.employer).or_default().push(n);
        }
        let mut out = Vec::new();
        for (id, notes) in by_employer {
            let chart = self.chart_of(&notes, weeks);
            if chart.total() == 0 {
                continue;
            }
            if let Some(employer) = self.store.get::<Employer>(id.0)? {
                out.push(BusyEmployer { employer, chart });
            }
        }
        out.sort_by(|a, b| {
            b.chart
                .total()
                .cmp(&a.chart.total())
                .then_with(|| a.employer.name.cmp(&b.employer.name))
        });
        out.truncate(limit);
        Ok(out)
    }
}
