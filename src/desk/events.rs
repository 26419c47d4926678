//! Events through the desk (EVT-01, EVT-02): adding and moving an event checks the combined
//! calendar for clashes, which stop it unless the organiser gives a reason (audited); opening
//! an event to another school records who was consulted and when. Writes need
//! `Permission::ManageEmployers` ("manage employers and events").

use chrono::{DateTime, Duration, Utc};

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::clash::{self, Clash};
use crate::domain::event::{AudienceConsultation, Event};
use crate::domain::ids::{EmployerId, EventId};
use crate::domain::limits;
use crate::domain::validate;
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{find_operator, now_ms, Desk, DeskError};

/// The longest event the desk accepts, in minutes: a week.
pub const MAX_EVENT_MINUTES: u32 = 7 * 24 * 60;

/// The most places an event may have.
pub const MAX_EVENT_CAPACITY: u32 = 100_000;

/// What the organiser types to add an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEvent {
    /// Title.
    pub title: String,
    /// Sector.
    pub sector: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// Length in minutes (1 to [`MAX_EVENT_MINUTES`]).
    pub minutes: u32,
    /// Places (1 to [`MAX_EVENT_CAPACITY`]).
    pub capacity: u32,
    /// Employers taking part.
    pub employers: Vec<EmployerId>,
    /// Schools whose students may book.
    pub audience_schools: Vec<String>,
    /// Target programmes or degrees.
    pub target_programmes: Vec<String>,
    /// Where (may be left blank).
    pub location: String,
}

fn event_ref(id: EventId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Event,
        id: id.0,
    })
}

/// Trimmed, non-blank entries, each a line of text, without repeats (compared without case).
fn lines(field: &'static str, raw: &[String], max: usize) -> Result<Vec<String>, DeskError> {
    let mut out: Vec<String> = Vec::new();
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        let line = validate::line(field, r, max)?;
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&line)) {
            out.push(line);
        }
    }
    Ok(out)
}

fn end_of(start: DateTime<Utc>, minutes: u32) -> Result<DateTime<Utc>, DeskError> {
    if !(1..=MAX_EVENT_MINUTES).contains(&minutes) {
        return Err(DeskError::Invalid(format!(
            "minutes: {minutes} is not a length from 1 to {MAX_EVENT_MINUTES}; give the event's length in minutes"
        )));
    }
    start
        .checked_add_signed(Duration::minutes(i64::from(minutes)))
        .ok_or_else(|| DeskError::Invalid("the event's start is too far in the future; check the year".into()))
}

impl Desk {
    /// Every event on the combined calendar, earliest first. Damaged records are skipped with
    /// a warning so one cannot hide the rest.
    pub fn events(&self) -> Result<Vec<Event>, DeskError> {
        self.require(Permission::ViewClients)?;
        self.all_events()
    }

    fn all_events(&self) -> Result<Vec<Event>, DeskError> {
        let mut out = Vec::new();
        for e in self.store.scan::<Event>()? {
            match e {
                Ok(e) => out.push(e),
                Err(e) if e.is_damage() => tracing::warn!("event record skipped: {e}"),
                Err(e) => return Err(e.into()),
            }
        }
        out.sort_by_key(|e| (e.start, e.id));
        Ok(out)
    }

    /// Events starting from `from` (inclusive) to `to` (exclusive), earliest first, read
    /// through the index of events by start.
    pub fn events_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Event>, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut out = self.events_starting(from, to)?;
        out.retain(|e| e.start >= from && e.start < to);
        Ok(out)
    }

    /// Events starting before `to` and ending at or after `from`, earliest first: those starting
    /// in `[from, to)` and those started before, back as far as the longest event stored.
    pub fn events_overlapping(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Event>, DeskError> {
        self.require(Permission::ViewClients)?;
        let longest = self.store.longest_event()? + Duration::milliseconds(1);
        let earliest = from.checked_sub_signed(longest).unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut out = self.events_starting(earliest, to)?;
        out.retain(|e| e.start < to && e.end.max(e.start) >= from);
        Ok(out)
    }

    /// The events the index says start in `[from, to)`, earliest first. Damaged records are
    /// skipped with a warning, like [`Desk::events`].
    fn events_starting(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Event>, DeskError> {
        let mut out = Vec::new();
        for id in self.store.events_starting_between(from, to)? {
            match self.store.get::<Event>(id.0) {
                Ok(Some(e)) => out.push(e),
                Ok(None) => tracing::warn!("the event index names event {id}, which is not stored"),
                Err(e) if e.is_damage() => tracing::warn!("event record skipped: {e}"),
                Err(e) => return Err(e.into()),
            }
        }
        out.sort_by_key(|e| (e.start, e.id));
        Ok(out)
    }

    /// The event named by its id or by its title (unique, compared without case).
    pub fn find_event(&self, id_or_title: &str) -> Result<Event, DeskError> {
        let wanted = id_or_title.trim();
        let all = self.events()?;
        if let Ok(u) = ulid::Ulid::from_string(wanted) {
            if let Some(e) = all.iter().find(|e| e.id.0 == u.0) {
                return Ok(e.clone());
            }
        }
        let mut named = all.into_iter().filter(|e| e.title.eq_ignore_ascii_case(wanted));
        match (named.next(), named.next()) {
            (Some(e), None) => Ok(e),
            (Some(a), Some(b)) => Err(DeskError::Invalid(format!(
                "more than one event is called \"{wanted}\" ({} and {}); use its id",
                a.id, b.id
            ))),
            (None, _) => Err(DeskError::Invalid(format!(
                "no event has the id or title \"{wanted}\"; see `event list`"
            ))),
        }
    }

    /// The clashes `event` would have on the calendar as it stands (EVT-01). Only the events
    /// starting in the rule's window ([`clash::window`]: the gap and the longest event stored
    /// before the new one, the gap after it) are read.
    pub fn event_clashes(&self, event: &Event) -> Result<Vec<Clash>, DeskError> {
        let gap = Duration::hours(i64::from(self.policy.events.clash_gap_hours));
        let (from, to) = clash::window(event, gap, self.store.longest_event()?);
        Ok(clash::clashes(event, &self.events_starting(from, to)?, gap))
    }

    /// Adds an event. A clash refuses it (exit 3, each clashing event and why) unless
    /// `despite_clash` gives the organiser's reason, which is audited with the clashes.
    pub fn add_event(&self, input: &NewEvent, despite_clash: Option<&str>) -> Result<Event, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let title = validate::line("title", &input.title, limits::TITLE)?;
        let sector = validate::line("sector", &input.sector, limits::SECTOR)?;
        let location =
            validate::optional_line("location", Some(&input.location), limits::LOCATION)?.unwrap_or_default();
        if !(1..=MAX_EVENT_CAPACITY).contains(&input.capacity) {
            return Err(DeskError::Invalid(format!(
                "capacity: {} is not a number of places from 1 to {MAX_EVENT_CAPACITY}",
                input.capacity
            )));
        }
        let now = self.now();
        let event = Event {
            id: EventId::new_at(now_ms(now)),
            title,
            organiser: self.operator.id,
            employers: input.employers.clone(),
            sector,
            audience_schools: lines("audience", &input.audience_schools, limits::SCHOOL)?,
            target_programmes: lines("programme", &input.target_programmes, limits::PROGRAMME)?,
            start: input.start,
            end: end_of(input.start, input.minutes)?,
            location,
            capacity: input.capacity,
            consultations: Vec::new(),
        };
        event.check().map_err(DeskError::Fields)?;
        self.save_event(None, &event, despite_clash, format!("added event \"{}\"", event.title))?;
        Ok(event)
    }

    /// Moves an event to a new start (and length, when given), checking clashes as
    /// [`Desk::add_event`] does.
    pub fn move_event(
        &self,
        id_or_title: &str,
        start: DateTime<Utc>,
        minutes: Option<u32>,
        despite_clash: Option<&str>,
    ) -> Result<Event, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let old = self.find_event(id_or_title)?;
        let minutes = match minutes {
            Some(m) => m,
            None => u32::try_from((old.end - old.start).num_minutes()).unwrap_or(MAX_EVENT_MINUTES + 1),
        };
        let mut new = old.clone();
        new.start = start;
        new.end = end_of(start, minutes)?;
        self.save_event(
            Some(&old),
            &new,
            despite_clash,
            format!(
                "moved event \"{}\" from {} to {} UTC",
                new.title,
                old.start.format("%Y-%m-%d %H:%M"),
                start.format("%Y-%m-%d %H:%M")
            ),
        )?;
        Ok(new)
    }

    /// Opens an event to another school (EVT-02), recording the operator consulted and when.
    pub fn open_event(&self, id_or_title: &str, school: &str, consulted: &str) -> Result<Event, DeskError> {
        self.require(Permission::ManageEmployers)?;
        let old = self.find_event(id_or_title)?;
        let school = validate::line("school", school, limits::SCHOOL)?;
        let login = consulted.trim().to_ascii_lowercase();
        let who = find_operator(&self.store, &login)?.ok_or_else(|| {
            DeskError::Invalid(format!(
                "consulted: no operator has the login \"{login}\"; name the member of staff consulted by their login"
            ))
        })?;
        if old.audience_schools.iter().any(|s| s.eq_ignore_ascii_case(&school)) {
            return Err(DeskError::Invalid(format!(
                "\"{}\" is already open to {school}",
                old.title
            )));
        }
        let mut new = old.clone();
        new.audience_schools.push(school.clone());
        new.consultations.push(AudienceConsultation {
            school: school.clone(),
            consulted: who.id,
            at: self.now(),
        });
        self.update(
            &old,
            &new,
            self.audit(
                AuditAction::Update,
                event_ref(new.id),
                format!("opened event \"{}\" to {school}, consulting {login}", new.title),
            ),
        )?;
        Ok(new)
    }

    fn save_event(
        &self,
        old: Option<&Event>,
        new: &Event,
        despite_clash: Option<&str>,
        detail: String,
    ) -> Result<(), DeskError> {
        let clashes = self.event_clashes(new)?;
        let action = if old.is_some() {
            AuditAction::Update
        } else {
            AuditAction::Create
        };
        let entry = match (clashes.is_empty(), despite_clash) {
            (true, _) => self.audit(action, event_ref(new.id), detail),
            (false, None) => return Err(DeskError::Clashes(self.clash_reports(clashes))),
            (false, Some(reason)) => {
                let reason = super::required_reason(reason, "to go ahead despite a clash")?;
                let named: Vec<String> = clashes.iter().map(|c| self.describe_clash(c)).collect();
                self.audit_because(
                    AuditAction::Override,
                    event_ref(new.id),
                    format!("{detail} despite {}", named.join("; ")),
                    reason,
                )
            }
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, old, new);
        ws.audit(entry);
        self.commit(ws)
    }
}
