//! Generated demo data at any size, the same for the same seed: clients across schools and
//! programmes, staff, two years of slots and appointments with outcomes plus four weeks ahead,
//! notes, employers with contacts and tags, and events.

mod people;
mod words;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::desk::{Desk, DeskError};
use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, AppointmentState, Outcome, RecordingConsent, Slot};
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::{AppointmentId, NoteId, OperatorId, SlotId};
use crate::domain::note::{AccessLevel, Confidentiality, Note, NoteRevision};
use crate::domain::operator::Operator;
use crate::policy::{AppointmentType, Location, Setting};
use crate::store::{BulkWriter, WriteSet};

pub use words::Words;

/// The password every generated operator account gets, for trying the app with demo data.
pub const DEMO_PASSWORD: &str = "demo-password";

/// Appointments generated per client, on average.
const APPOINTMENTS_PER_CLIENT: f64 = 5.0;
/// Days of history generated.
const HISTORY_DAYS: i64 = 730;
/// Days ahead generated, every slot present, about half booked.
const AHEAD_DAYS: i64 = 28;
/// Local start times of the day's slots.
const SLOT_TIMES: [(u32, u32); 8] = [
    (9, 0),
    (10, 0),
    (11, 0),
    (12, 0),
    (13, 30),
    (14, 30),
    (15, 30),
    (16, 30),
];

/// What `demo` made.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DemoSummary {
    /// Clients.
    pub clients: usize,
    /// Operators, and the logins that can sign in.
    pub operators: usize,
    /// Logins with a key slot, all with [`DEMO_PASSWORD`].
    pub sign_in_logins: Vec<String>,
    /// Calendar slots.
    pub slots: usize,
    /// Appointments.
    pub appointments: usize,
    /// Notes.
    pub notes: usize,
    /// Employers.
    pub employers: usize,
    /// Employer contacts.
    pub contacts: usize,
    /// Events.
    pub events: usize,
    /// Seconds taken.
    pub seconds: f64,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "generated {} clients, {} operators, {} slots, {} appointments, {} notes, {} employers ({} contacts), {} events in {:.1} s",
            self.clients, self.operators, self.slots, self.appointments, self.notes, self.employers, self.contacts, self.events, self.seconds
        )?;
        writeln!(
            f,
            "demo sign-ins (password `{DEMO_PASSWORD}`): {}",
            self.sign_in_logins.join(", ")
        )
    }
}

/// Seeded randomness plus the ids it makes.
pub(crate) struct Gen {
    pub rng: StdRng,
    pub words: Words,
}

impl Gen {
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    /// A word from one of the lists.
    pub fn word(&mut self, list: fn(&Words) -> &Vec<&'static str>) -> &'static str {
        let l = list(&self.words);
        l[self.rng.gen_range(0..l.len())]
    }

    /// A programme with its school and level.
    pub fn programme(&mut self) -> &words::Programme {
        let i = self.rng.gen_range(0..self.words.programmes.len());
        &self.words.programmes[i]
    }

    /// A ULID-shaped id at `at`, random part from the seeded generator.
    pub fn id(&mut self, at: DateTime<Utc>) -> u128 {
        ulid::Ulid::from_parts(at.timestamp_millis().max(0) as u64, self.rng.gen()).0
    }
}

/// A progress callback: (stage, done, total).
pub type ReportFn = Arc<dyn Fn(&str, u64, u64) + Send + Sync>;

/// How generation reports its progress.
#[derive(Clone)]
pub enum Progress {
    /// Not at all.
    Hidden,
    /// A bar on standard error (the command line).
    Terminal,
    /// Calls with (stage, done, total) as work goes on (the desk screen).
    Report(ReportFn),
}

/// One stage of progress.
struct Stage {
    bar: Option<ProgressBar>,
    report: Option<(ReportFn, &'static str, u64)>,
}

impl Stage {
    fn set(&self, done: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
        if let Some((f, what, total)) = &self.report {
            f(what, done, *total);
        }
    }

    fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
        if let Some((f, what, total)) = &self.report {
            f(what, *total, *total);
        }
    }
}

fn progress(total: u64, how: &Progress, what: &'static str) -> Stage {
    match how {
        Progress::Hidden => Stage {
            bar: None,
            report: None,
        },
        Progress::Report(f) => Stage {
            bar: None,
            report: Some((f.clone(), what, total)),
        },
        Progress::Terminal => {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} ({eta} left)") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_string());
            Stage {
                bar: Some(bar),
                report: None,
            }
        }
    }
}

/// The store setting that marks a demo load under way: its size, seed and time.
const RUN_SETTING: &str = "demo-run";

/// A demo load under way, kept in the store until it finishes, so a load that was stopped
/// (killed, or the machine went down) can be finished by running it again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Run {
    clients: usize,
    seed: u64,
    at: DateTime<Utc>,
}

/// Fills an empty store with generated data for `clients` clients. Administrators only.
///
/// The same seed and start time give the same records with the same ids, so a load that was
/// stopped part-way is finished by running it again with the same `clients` and `seed`: it
/// writes every record again over what the stopped run left (the start time is kept in the
/// store until the load completes).
pub fn generate(desk: &Desk, clients: usize, seed: u64, show_progress: &Progress) -> Result<DemoSummary, DeskError> {
    desk.require(Permission::GenerateDemo)?;
    crate::domain::limits::range(
        "clients",
        i64::try_from(clients).unwrap_or(i64::MAX),
        1,
        crate::domain::limits::DEMO_CLIENTS.into(),
    )?;
    let store = desk.store();
    let stopped: Option<Run> = store
        .setting(RUN_SETTING)?
        .and_then(|raw| serde_json::from_slice(&raw).ok());
    let now = match stopped {
        Some(run) if run.clients == clients && run.seed == seed => {
            tracing::info!("finishing a demo load of {clients} clients (seed {seed}) that was stopped part-way");
            run.at
        }
        Some(run) => {
            return Err(DeskError::Invalid(format!(
                "a demo load of {} clients with seed {} was stopped part-way; finish it with \
                 `careerdesk demo --clients {} --seed {}`",
                run.clients, run.seed, run.clients, run.seed
            )))
        }
        None => {
            let existing = store.count::<Client>()?;
            if existing > 0 {
                return Err(DeskError::Invalid(format!(
                    "this store already has {existing} clients; demo data goes into an empty store (use a new --data-dir)"
                )));
            }
            let run = Run {
                clients,
                seed,
                at: desk.now(),
            };
            let raw = serde_json::to_vec(&run).map_err(|e| DeskError::Invalid(e.to_string()))?;
            store.set_setting(RUN_SETTING, Some(&raw))?;
            run.at
        }
    };
    let started = std::time::Instant::now();
    let policy = desk.policy();
    let mut g = Gen {
        rng: StdRng::seed_from_u64(seed),
        words: Words::load(),
    };
    let mut summary = DemoSummary::default();
    let mut bulk = desk.store().bulk();

    let staff = people::operators(desk, &mut g, clients, now)?;
    summary.operators = staff.all.len();
    summary.sign_in_logins = staff.sign_in.iter().map(|o| o.login.to_string()).collect();

    let bar = progress(clients as u64, show_progress, "clients");
    let mut client_ids = Vec::with_capacity(clients);
    let mut by_school = people::BySchool::default();
    for i in 0..clients {
        let c = people::client(&mut g, i, now, policy.local_date(now));
        bulk.put(&c)?;
        client_ids.push(c.id);
        by_school.add(&c);
        if i % 1024 == 0 {
            bar.set(i as u64);
        }
    }
    bar.finish();
    summary.clients = clients;

    let cal = Calendar::new(policy, &staff.consultants);
    calendar(&mut g, &mut bulk, &cal, &client_ids, now, show_progress, &mut summary)?;
    let people = people::People {
        staff: &staff,
        clients: &client_ids,
        by_school: &by_school,
    };
    people::employers_and_events(desk, &mut g, &mut bulk, &people, now, &mut summary)?;
    let bar = progress(bulk.len() as u64, show_progress, "writing");
    bulk.finish(&|done, _| bar.set(done as u64))?;
    bar.finish();

    summary.seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    let mut ws = WriteSet::new();
    let mut entry = desk_audit(
        desk,
        format!("demo data generated: {} clients, seed {seed}", summary.clients),
    );
    entry.action = AuditAction::Demo;
    ws.audit(entry);
    desk.store().commit(desk.operator().id, ws, desk.now())?;
    store.set_setting(RUN_SETTING, None)?;
    Ok(summary)
}

fn desk_audit(desk: &Desk, detail: String) -> crate::domain::audit::AuditEntry {
    crate::domain::audit::AuditEntry {
        id: crate::domain::ids::AuditId::new_at(desk.now().timestamp_millis().max(0) as u64),
        at: desk.now(),
        operator: Some(desk.operator().id),
        login: Some(desk.operator().login.to_string()),
        action: AuditAction::Demo,
        subject: None,
        detail,
        reason: None,
    }
}

/// The policy's types and locations, grouped for choosing quickly.
struct Calendar<'p> {
    types: Vec<&'p AppointmentType>,
    confidential: Vec<&'p Location>,
    open: Vec<&'p Location>,
    /// Online rooms, where consultants go once the rooms of a setting are full.
    online: Vec<&'p Location>,
    consultants: Vec<OperatorId>,
    tz: chrono_tz::Tz,
    policy: &'p crate::policy::Policy,
}

/// How many slots each place holds at one start time, as the demo fills it.
struct Rooms<'p> {
    used: Vec<(&'p Location, u32)>,
}

impl<'p> Rooms<'p> {
    fn new() -> Self {
        Self { used: Vec::new() }
    }

    fn has_room(&self, l: &Location) -> bool {
        let used = self.used.iter().find(|(u, _)| u.id == l.id).map_or(0, |(_, n)| *n);
        l.room_limit().is_none_or(|limit| used < limit)
    }

    fn take(&mut self, l: &'p Location) {
        match self.used.iter_mut().find(|(u, _)| u.id == l.id) {
            Some((_, n)) => *n += 1,
            None => self.used.push((l, 1)),
        }
    }

    /// A place of the setting with room (chosen at random among them), else an online room,
    /// else none: the demo never puts more slots in a room than it holds.
    fn choose(&mut self, g: &mut Gen, wanted: &[&'p Location], online: &[&'p Location]) -> Option<&'p Location> {
        let free: Vec<&'p Location> = wanted.iter().copied().filter(|l| self.has_room(l)).collect();
        let pick = if free.is_empty() {
            online.iter().copied().find(|l| self.has_room(l))
        } else {
            Some(*g.pick(&free))
        };
        if let Some(l) = pick {
            self.take(l);
        }
        pick
    }
}

impl<'p> Calendar<'p> {
    fn new(policy: &'p crate::policy::Policy, consultants: &[Operator]) -> Self {
        let locs = &policy.locations;
        let confidential: Vec<&Location> = locs.iter().filter(|l| l.confidential && !l.online).collect();
        let open: Vec<&Location> = locs.iter().filter(|l| !l.confidential && !l.online).collect();
        Self {
            online: locs.iter().filter(|l| l.online).collect(),
            policy,
            types: policy.appointment_types.iter().collect(),
            confidential: if confidential.is_empty() {
                locs.iter().collect()
            } else {
                confidential
            },
            open: if open.is_empty() { locs.iter().collect() } else { open },
            consultants: consultants.iter().map(|c| c.id).collect(),
            tz: policy.institution.time_zone,
        }
    }

    fn at(&self, day: NaiveDate, (h, m): (u32, u32)) -> Option<DateTime<Utc>> {
        let t = NaiveTime::from_hms_opt(h, m, 0)?;
        self.tz
            .from_local_datetime(&day.and_time(t))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    }
}

fn calendar(
    g: &mut Gen,
    bulk: &mut BulkWriter<'_>,
    cal: &Calendar<'_>,
    clients: &[crate::domain::ids::ClientId],
    now: DateTime<Utc>,
    show: &Progress,
    summary: &mut DemoSummary,
) -> Result<(), DeskError> {
    let today = now.with_timezone(&cal.tz).date_naive();
    let first = today - Duration::days(HISTORY_DAYS);
    let working_days: Vec<NaiveDate> = (0..HISTORY_DAYS + AHEAD_DAYS)
        .map(|d| first + Duration::days(d))
        .filter(|d| chrono::Datelike::weekday(d).number_from_monday() <= 5)
        .filter(|d| cal.policy.closure_on(*d).is_none())
        .collect();
    let past_capacity = working_days.iter().filter(|d| **d < today).count() * SLOT_TIMES.len() * cal.consultants.len();
    let target = clients.len() as f64 * APPOINTMENTS_PER_CLIENT;
    let p_past = (target / past_capacity.max(1) as f64).min(0.95);
    let bar = progress(working_days.len() as u64, show, "calendar");
    for (n, day) in working_days.iter().enumerate() {
        let ahead = *day >= today;
        // Slots at one time never run into the next (the longest type is 45 minutes and the
        // times are an hour apart), so rooms are counted per start time.
        let mut rooms: Vec<Rooms> = SLOT_TIMES.iter().map(|_| Rooms::new()).collect();
        for consultant in &cal.consultants {
            for (t, time) in SLOT_TIMES.into_iter().enumerate() {
                let booked = g.rng.gen_bool(if ahead { 0.5 } else { p_past });
                if !ahead && !booked {
                    continue; // past free slots say nothing; leave them out
                }
                let Some(start) = cal.at(*day, time) else { continue };
                let ty = cal.types[weighted_type(g, cal.types.len())];
                let wanted = match ty.setting {
                    Setting::Confidential => &cal.confidential,
                    Setting::Open => &cal.open,
                };
                let Some(loc) = rooms[t].choose(g, wanted, &cal.online) else {
                    continue; // every room is full at that time
                };
                let mut slot = Slot {
                    id: SlotId(g.id(start - Duration::days(14))),
                    consultant: *consultant,
                    appointment_type: ty.id.clone(),
                    start,
                    minutes: u16::try_from(ty.minutes).unwrap_or(60),
                    location: loc.id.clone(),
                    booking: None,
                    withdrawn: false,
                    series: None,
                };
                if booked {
                    let client = *g.pick(clients);
                    let booked_at = start - Duration::hours(g.rng.gen_range(2..24 * 21));
                    let appt_id = AppointmentId(g.id(booked_at));
                    let outcome = if start + Duration::minutes(i64::from(slot.minutes)) > now {
                        None
                    } else {
                        past_outcome(g)
                    };
                    let state = match outcome {
                        None => AppointmentState::Booked,
                        Some(outcome) => AppointmentState::Settled {
                            outcome,
                            by: *consultant,
                            at: start + Duration::minutes(i64::from(slot.minutes)),
                        },
                    };
                    if outcome != Some(Outcome::Cancelled) {
                        slot.booking = Some(appt_id);
                    }
                    let appt = Appointment {
                        id: appt_id,
                        slot: slot.id,
                        client,
                        consultant: *consultant,
                        appointment_type: slot.appointment_type.clone(),
                        start,
                        minutes: slot.minutes,
                        location: slot.location.clone(),
                        booked_at,
                        booked_by: *consultant,
                        state,
                        recording_consent: RecordingConsent::NotGiven,
                        waiver: None,
                        confirmation: crate::domain::appointment::Confirmation::Local,
                    };
                    bulk.put(&appt)?;
                    summary.appointments += 1;
                    if outcome == Some(Outcome::Attended) && ty.consultant_led && g.rng.gen_bool(0.4) {
                        let body = (0..g.rng.gen_range(1..=3))
                            .map(|_| g.word(|w| &w.note_phrases))
                            .collect::<Vec<_>>()
                            .join(" ");
                        let confidentiality = if loc.confidential {
                            Confidentiality::Confidential
                        } else {
                            Confidentiality::NotConfidential
                        };
                        let note = Note {
                            id: NoteId(g.id(appt.end())),
                            client,
                            appointment: Some(appt.id),
                            confidentiality,
                            level: AccessLevel::default_for(confidentiality),
                            revisions: vec![NoteRevision {
                                by: *consultant,
                                at: appt.end(),
                                body,
                            }],
                            needs_review: false,
                        };
                        bulk.put(&note)?;
                        summary.notes += 1;
                    }
                }
                bulk.put(&slot)?;
                summary.slots += 1;
            }
        }
        bar.set(n as u64);
    }
    bar.finish();
    Ok(())
}

/// Mostly the first types (guidance), fewer of the later ones.
fn weighted_type(g: &mut Gen, n: usize) -> usize {
    let r: f64 = g.rng.gen();
    ((r * r * n as f64) as usize).min(n - 1)
}

fn past_outcome(g: &mut Gen) -> Option<Outcome> {
    let r: u32 = g.rng.gen_range(0..100);
    match r {
        0..=74 => Some(Outcome::Attended),
        75..=82 => Some(Outcome::NoShow),
        83..=87 => Some(Outcome::LateCancel),
        88..=94 => Some(Outcome::Cancelled),
        95..=96 => Some(Outcome::EndedTechnical),
        _ => None, // left unresolved for a person to settle
    }
}
