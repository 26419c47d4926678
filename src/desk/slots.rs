//! Calendar slots through the desk: one slot, a series of them over a term, and withdrawing
//! them. The planning and the room and closure rules are pure (`domain::series`,
//! `domain::rules::rooms`); this file gathers the slots they need to see, asks, and commits.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::appointment::Slot;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{OperatorId, SeriesId, SlotId};
use crate::domain::operator::{Login, Operator, Role};
use crate::domain::policy::{AppointmentType, AppointmentTypeId, Location, LocationId, Setting};
use crate::domain::rules::{self, rooms};
use crate::domain::series::{self, SeriesSpec, Skip};
use crate::domain::text::quote;
use crate::domain::validate::FieldError;
use crate::domain::{EntityKind, RecordRef};
use crate::store::index::{consultant_time_key, time_key, IndexTree, SLOT_BY_CONSULTANT, SLOT_BY_SERIES, SLOT_BY_TIME};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// A new slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlot {
    /// The consultant.
    pub consultant: Login,
    /// Appointment type id from the policy.
    pub appointment_type: AppointmentTypeId,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// Length; default: the type's.
    pub minutes: Option<u16>,
    /// Location id; default: the first location whose setting suits the type and that has
    /// room at that time.
    pub location: Option<LocationId>,
}

/// A series of slots: on these weekdays, from one local time to another every so often,
/// between two dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSeries {
    /// The consultant.
    pub consultant: Login,
    /// Appointment type id from the policy.
    pub appointment_type: AppointmentTypeId,
    /// Weekdays with slots.
    pub days: Vec<Weekday>,
    /// Local time of each day's first slot.
    pub from: NaiveTime,
    /// Local time by which each day's last slot has ended.
    pub to: NaiveTime,
    /// Minutes from one slot's start to the next.
    pub every: u16,
    /// Length of each slot; default: the type's.
    pub minutes: Option<u16>,
    /// First day.
    pub start: NaiveDate,
    /// Last day (included).
    pub until: NaiveDate,
    /// Location id; default: the first location whose setting suits the type.
    pub location: Option<LocationId>,
    /// Days to leave out.
    pub skip: Vec<NaiveDate>,
}

/// What a series made (or, on a dry run, would make) and what it skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesReport {
    /// The series id the slots remember.
    pub series: SeriesId,
    /// Whether nothing was stored.
    pub dry_run: bool,
    /// The slots, in time order.
    pub made: Vec<Slot>,
    /// Days and times left out, each with its reason.
    pub skipped: Vec<Skip>,
}

/// What withdrawing a series (or part of one) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WithdrawReport {
    /// Free slots withdrawn.
    pub withdrawn: Vec<Slot>,
    /// Booked slots left alone: their bookings must be cancelled first.
    pub booked: Vec<Slot>,
    /// Slots in the range that were already withdrawn.
    pub already_withdrawn: usize,
    /// Slots in the range that had already begun (kept as history).
    pub past: usize,
}

/// The longest a slot may last, so a slot starting this long before a time may still be on.
const LONGEST: Duration = Duration::minutes(series::MAX_MINUTES as i64);

fn slot_ref(id: SlotId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Slot,
        id: id.0,
    })
}

impl Desk {
    /// Adds a bookable slot to a consultant's calendar. Refused when it overlaps another of the
    /// consultant's slots, falls on a day the service is closed, or the room is full then.
    pub fn add_slot(&self, input: &NewSlot) -> Result<Slot, DeskError> {
        self.require(Permission::ManageSlots)?;
        let consultant = self.slot_holder(&input.consultant)?;
        let ty = self.appointment_type(&input.appointment_type)?;
        let start = input.start;
        let minutes = self.slot_minutes(ty, input.minutes)?;
        let end = start + Duration::minutes(i64::from(minutes));
        for other in self.consultant_slots(consultant.id, start - LONGEST, end)? {
            if other.overlaps(start, end) {
                return Err(DeskError::Invalid(format!(
                    "{} already has a slot from {} to {}; choose a time that does not overlap",
                    consultant.login,
                    self.local_time(other.start),
                    self.local_time(other.end()).format("%H:%M")
                )));
            }
        }
        if let Some(r) = rooms::closed(&self.policy, self.policy.local_date(start)) {
            return Err(DeskError::Refused(rules::Decision::refused(r)));
        }
        let near = self.slots_near(start, end)?;
        let location = match &input.location {
            Some(l) => {
                let place = self.location(l)?;
                if let Some(r) = rooms::room_check(&self.policy, place, &near, start, end) {
                    return Err(DeskError::Refused(rules::Decision::refused(r)));
                }
                place.id.clone()
            }
            None => self.free_location(ty, &near, start, end)?,
        };
        let slot = Slot {
            id: SlotId::new_at(now_ms(self.now())),
            consultant: consultant.id,
            appointment_type: ty.id.clone(),
            start,
            minutes,
            location,
            booking: None,
            withdrawn: false,
            series: None,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &slot);
        ws.audit(self.audit(
            AuditAction::Create,
            slot_ref(slot.id),
            format!(
                "slot for {} at {}",
                consultant.login,
                self.local_time(start).format("%Y-%m-%d %H:%M")
            ),
        ));
        self.commit(ws)?;
        Ok(slot)
    }

    /// Makes every slot of a series in one commit (or, with `dry_run`, only says what it would
    /// make), skipping closed days, the days given, and times when the consultant is already
    /// busy or the room is full; each skip is reported with its reason.
    pub fn add_series(&self, input: &NewSeries, dry_run: bool) -> Result<SeriesReport, DeskError> {
        self.require(Permission::ManageSlots)?;
        let consultant = self.slot_holder(&input.consultant)?;
        let ty = self.appointment_type(&input.appointment_type)?;
        let minutes = self.slot_minutes(ty, input.minutes)?;
        let location = match &input.location {
            Some(l) => self.location(l)?.clone(),
            None => self
                .setting_locations(ty)
                .first()
                .copied()
                .cloned()
                .ok_or_else(no_locations)?,
        };
        let spec = SeriesSpec {
            consultant: consultant.id,
            location,
            days: input.days.clone(),
            from: input.from,
            to: input.to,
            every: input.every,
            minutes,
            start: input.start,
            until: input.until,
            skip: input.skip.clone(),
        };
        let now = self.now();
        let problems = spec.problems(self.today());
        if !problems.is_empty() {
            return Err(DeskError::Fields(problems));
        }
        let existing = self.slots_on_series_days(&spec)?;
        let plan = series::plan(&spec, &self.policy, &existing, now).map_err(DeskError::Fields)?;
        let id = SeriesId::new_at(now_ms(now));
        let made: Vec<Slot> = plan
            .make
            .iter()
            .map(|p| Slot {
                id: SlotId::new_at(now_ms(now)),
                consultant: consultant.id,
                appointment_type: ty.id.clone(),
                start: p.start,
                minutes: p.minutes,
                location: spec.location.id.clone(),
                booking: None,
                withdrawn: false,
                series: Some(id),
            })
            .collect();
        if !dry_run && !made.is_empty() {
            // One commit and one flush for the whole series: a term is a few hundred slots.
            let mut ws = WriteSet::new();
            for s in &made {
                ws.put(&self.store, None, s);
            }
            ws.audit(self.audit(
                AuditAction::Create,
                None,
                format!(
                    "series {id}: {} slot(s) for {} from {} to {}, {} skipped",
                    made.len(),
                    consultant.login,
                    spec.start,
                    spec.until,
                    plan.skipped.len()
                ),
            ));
            self.commit(ws)?;
        }
        Ok(SeriesReport {
            series: id,
            dry_run,
            made,
            skipped: plan.skipped,
        })
    }

    /// Withdraws one free slot: it stays as history and cannot be booked. A booked slot is
    /// refused (cancel its booking first), as is one that is over.
    pub fn withdraw_slot(&self, id: SlotId) -> Result<Slot, DeskError> {
        self.require(Permission::ManageSlots)?;
        let (old, version) = self
            .store
            .get_versioned::<Slot>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no slot has id {id}; `slot list` shows them")))?;
        let when = self.local_time(old.start).format("%a %-d %b %Y %H:%M");
        if old.withdrawn {
            return Err(DeskError::Invalid(format!("the slot at {when} is already withdrawn")));
        }
        if let Some(booking) = old.booking {
            return Err(DeskError::Invalid(format!(
                "the slot at {when} is booked (booking {booking}); cancel the booking first, then withdraw the slot"
            )));
        }
        if old.end() <= self.now() {
            return Err(DeskError::Invalid(format!(
                "the slot at {when} is over; it stays in the calendar as history"
            )));
        }
        let mut new = old.clone();
        new.withdrawn = true;
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(&old), &new);
        ws.unchanged_since(
            &old,
            version,
            "that slot changed while it was being withdrawn; look again",
        );
        ws.audit(self.audit(
            AuditAction::Update,
            slot_ref(new.id),
            format!("slot at {when} withdrawn"),
        ));
        self.commit(ws)?;
        Ok(new)
    }

    /// Withdraws the free slots of a series that have not begun, on local days from `from`
    /// (default today) to `until` (default the series' end), in one commit. Booked slots are
    /// left alone and listed: their bookings must be cancelled first.
    pub fn withdraw_series(
        &self,
        series: SeriesId,
        from: Option<NaiveDate>,
        until: Option<NaiveDate>,
    ) -> Result<WithdrawReport, DeskError> {
        self.require(Permission::ManageSlots)?;
        let ids: Vec<SlotId> = self.store.indexed(SLOT_BY_SERIES, &series.key())?;
        if ids.is_empty() {
            return Err(FieldError::new("series", format!("no slots belong to series {series}")).into());
        }
        let from = from.unwrap_or_else(|| self.today());
        let now = self.now();
        let mut report = WithdrawReport::default();
        let mut ws = WriteSet::new();
        for id in ids {
            let Some((old, version)) = self.store.get_versioned::<Slot>(id.0)? else {
                continue;
            };
            let day = self.policy.local_date(old.start);
            if day < from || until.is_some_and(|u| day > u) {
                continue;
            }
            if old.withdrawn {
                report.already_withdrawn += 1;
            } else if old.start <= now {
                report.past += 1;
            } else if old.booking.is_some() {
                report.booked.push(old);
            } else {
                let mut new = old.clone();
                new.withdrawn = true;
                ws.put(&self.store, Some(&old), &new);
                ws.unchanged_since(
                    &old,
                    version,
                    "a slot of the series changed meanwhile; run the withdrawal again",
                );
                report.withdrawn.push(new);
            }
        }
        if !report.withdrawn.is_empty() {
            ws.audit(self.audit(
                AuditAction::Update,
                None,
                format!(
                    "series {series}: {} slot(s) withdrawn, {} booked kept",
                    report.withdrawn.len(),
                    report.booked.len()
                ),
            ));
            self.commit(ws)?;
        }
        Ok(report)
    }

    /// The operator whose calendar a slot goes in: a consultant, desk operator or supervisor.
    fn slot_holder(&self, login: &Login) -> Result<Operator, DeskError> {
        let op = self.operator_by_login(login)?;
        if !op
            .roles
            .iter()
            .any(|r| matches!(r, Role::Consultant | Role::Desk | Role::Supervisor))
        {
            return Err(DeskError::Invalid(format!(
                "{} is not a consultant or desk operator",
                op.login
            )));
        }
        Ok(op)
    }

    fn slot_minutes(&self, ty: &AppointmentType, given: Option<u16>) -> Result<u16, DeskError> {
        let minutes = given.unwrap_or(u16::try_from(ty.minutes).unwrap_or(60));
        if minutes == 0 || minutes > series::MAX_MINUTES {
            return Err(FieldError::new("minutes", format!("must be between 1 and {}", series::MAX_MINUTES)).into());
        }
        Ok(minutes)
    }

    /// The policy's location, or a message listing the valid ones.
    pub(super) fn location(&self, id: &LocationId) -> Result<&Location, DeskError> {
        self.policy.location(id).ok_or_else(|| {
            let ids: Vec<&str> = self.policy.locations.iter().map(|l| l.id.as_str()).collect();
            FieldError::new(
                "location",
                format!(
                    "{} is not a location; use one of {}",
                    quote(id.as_str()),
                    ids.join(", ")
                ),
            )
            .into()
        })
    }

    /// The in-person locations whose setting suits the type, in policy order.
    fn setting_locations(&self, ty: &AppointmentType) -> Vec<&Location> {
        let want_confidential = ty.setting == Setting::Confidential;
        let suits: Vec<&Location> = self
            .policy
            .locations
            .iter()
            .filter(|l| l.confidential == want_confidential && !l.online)
            .collect();
        if suits.is_empty() {
            self.policy.locations.iter().take(1).collect()
        } else {
            suits
        }
    }

    /// The first location suiting the type with room over `[start, end)`; when all are full,
    /// the refusal for the first.
    fn free_location(
        &self,
        ty: &AppointmentType,
        near: &[Slot],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<LocationId, DeskError> {
        let places = self.setting_locations(ty);
        let mut first_refusal = None;
        for place in &places {
            match rooms::room_check(&self.policy, place, near, start, end) {
                None => return Ok(place.id.clone()),
                Some(r) => {
                    first_refusal.get_or_insert(r);
                }
            }
        }
        match first_refusal {
            Some(mut r) => {
                let names: Vec<&str> = places.iter().map(|l| l.name.as_str()).collect();
                r.message = format!(
                    "every {} place ({}) is full then; choose another time, or give a location",
                    ty.setting,
                    names.join(", ")
                );
                Err(DeskError::Refused(rules::Decision::refused(r)))
            }
            None => Err(no_locations()),
        }
    }

    /// Every slot that may be on during `[start, end)`: those starting up to the longest slot
    /// length before it.
    fn slots_near(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<Slot>, DeskError> {
        self.slots_from_index(SLOT_BY_TIME, &time_key(start - LONGEST), &time_key(end))
    }

    /// The slots around each day of a series (its weekdays, between its dates), read one day
    /// at a time so a term reads only the days it uses.
    fn slots_on_series_days(&self, spec: &SeriesSpec) -> Result<Vec<Slot>, DeskError> {
        let tz = self.policy.institution.time_zone;
        let at = |day: NaiveDate, t: NaiveTime| {
            tz.from_local_datetime(&day.and_time(t))
                .earliest()
                .map(|d| d.with_timezone(&Utc))
        };
        let mut out: Vec<Slot> = Vec::new();
        let mut day = spec.start;
        while day <= spec.until {
            if spec.days.contains(&chrono::Datelike::weekday(&day)) {
                let from = at(day, spec.from).or_else(|| at(day, NaiveTime::MIN));
                let to = at(day, spec.to).or_else(|| at(day, spec.to + Duration::hours(1)));
                if let (Some(from), Some(to)) = (from, to) {
                    for s in self.slots_near(from, to)? {
                        if !out.iter().any(|o| o.id == s.id) {
                            out.push(s);
                        }
                    }
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(out)
    }

    /// A consultant's slots starting in `[from, to)`.
    pub fn consultant_slots(
        &self,
        consultant: OperatorId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Slot>, DeskError> {
        let lo = consultant_time_key(consultant, from);
        let hi = consultant_time_key(consultant, to);
        self.slots_from_index(SLOT_BY_CONSULTANT, &lo, &hi)
    }

    /// Every slot starting in `[from, to)`, in time order.
    pub fn slots_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Slot>, DeskError> {
        self.require(Permission::ViewClients)?;
        self.slots_from_index(SLOT_BY_TIME, &time_key(from), &time_key(to))
    }

    /// The slots of a series, in time order.
    pub fn series_slots(&self, series: SeriesId) -> Result<Vec<Slot>, DeskError> {
        self.require(Permission::ViewClients)?;
        let ids: Vec<SlotId> = self.store.indexed(SLOT_BY_SERIES, &series.key())?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = self.store.get::<Slot>(id.0)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn slots_from_index(&self, tree: IndexTree, lo: &[u8], hi: &[u8]) -> Result<Vec<Slot>, DeskError> {
        let mut out = Vec::new();
        for id in self.store.indexed_between::<SlotId>(tree, lo, hi)? {
            if let Some(s) = self.store.get::<Slot>(id.0)? {
                out.push(s);
            }
        }
        Ok(out)
    }
}

fn no_locations() -> DeskError {
    DeskError::Invalid("the policy defines no locations; add one to policy.toml".into())
}
