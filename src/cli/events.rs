//! The event commands: adding, moving and opening events on the combined calendar, listing and
//! showing them (EVT-01, EVT-02). Times are local to the institution, as elsewhere.

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::desk::{ClashReport, Desk, DeskError, NewEvent};
use crate::domain::clash::{Shared, Timing};
use crate::domain::event::Event;
use crate::domain::event_places::Tally;
use crate::domain::ids::EmployerId;

use super::args;
use super::output::{emit, fields, Format, Table};

/// `event ...`.
#[derive(Debug, Subcommand)]
pub enum EventCmd {
    /// Add an event; a clash with another event stops it (exit 3) unless --despite-clash.
    Add {
        /// Title.
        #[arg(long)]
        title: String,
        /// Sector, e.g. engineering.
        #[arg(long)]
        sector: String,
        /// Local start time.
        #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
        at: String,
        /// Length in minutes.
        #[arg(long)]
        minutes: u32,
        /// Places.
        #[arg(long)]
        capacity: u32,
        /// Where.
        #[arg(long, default_value = "")]
        location: String,
        /// An employer taking part, by id or unique name (repeat for several).
        #[arg(long = "employer", value_name = "EMPLOYER")]
        employers: Vec<String>,
        /// Schools whose students may book (comma-separated).
        #[arg(long, value_name = "SCHOOL,...", value_delimiter = ',')]
        audience: Vec<String>,
        /// Target programmes or degrees (comma-separated).
        #[arg(long = "programme", value_name = "PROGRAMME,...", value_delimiter = ',')]
        programmes: Vec<String>,
        /// Go ahead despite a clash, for this reason (audited with the clashes).
        #[arg(long, value_name = "REASON")]
        despite_clash: Option<String>,
    },
    /// Move an event to a new start (and length); clashes are checked again.
    Move {
        /// Event id or unique title.
        event: String,
        /// New local start time.
        #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
        at: String,
        /// New length in minutes [default: as before].
        #[arg(long)]
        minutes: Option<u32>,
        /// Go ahead despite a clash, for this reason (audited with the clashes).
        #[arg(long, value_name = "REASON")]
        despite_clash: Option<String>,
    },
    /// Open an event to another school, recording who was consulted (EVT-02).
    Open {
        /// Event id or unique title.
        event: String,
        /// The school to open it to.
        #[arg(long)]
        school: String,
        /// The login of the member of staff consulted.
        #[arg(long, value_name = "LOGIN")]
        consulted: String,
    },
    /// List events, earliest first, between two local days (both included).
    List {
        /// First day [default: no limit].
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// Last day, included [default: no limit].
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
    },
    /// Show an event: its times, employers, audience and the consultations that opened it.
    Show {
        /// Event id or unique title.
        event: String,
    },
    /// Bookings, the waiting list and attendance (EVT-03).
    #[command(flatten)]
    Bookings(super::event_bookings::EventBookingCmd),
}

fn when(desk: &Desk, at: DateTime<Utc>) -> String {
    desk.local_time(at).format("%Y-%m-%d %H:%M").to_string()
}

fn employer_name(desk: &Desk, id: EmployerId) -> String {
    desk.resolve_employer(&id.to_string())
        .map(|e| e.name)
        .unwrap_or_else(|_| format!("employer {id}"))
}

fn event_json(desk: &Desk, e: &Event, tally: Tally) -> serde_json::Value {
    serde_json::json!({
        "taken": tally.taken,
        "waiting": tally.waiting,
        "attended": tally.attended,
        "id": e.id.to_string(),
        "title": e.title,
        "sector": e.sector,
        "start": when(desk, e.start),
        "end": when(desk, e.end),
        "minutes": (e.end - e.start).num_minutes(),
        "location": e.location,
        "capacity": e.capacity,
        "organiser": desk.operator_login(e.organiser),
        "employers": e.employers.iter().map(|id| employer_name(desk, *id)).collect::<Vec<_>>(),
        "audience": e.audience_schools,
        "programmes": e.target_programmes,
        "consultations": e.consultations.iter().map(|c| serde_json::json!({
            "school": c.school,
            "consulted": desk.operator_login(c.consulted),
            "at": when(desk, c.at),
        })).collect::<Vec<_>>(),
    })
}

/// Each clash as JSON, for a refusal printed with `--format json`.
pub fn clashes_json(clashes: &[ClashReport]) -> serde_json::Value {
    serde_json::json!(clashes
        .iter()
        .map(|report| {
            let c = &report.clash;
            let minutes_apart = match c.timing {
                Timing::Overlap => 0,
                Timing::Near { minutes_apart } => minutes_apart,
            };
            let shared: Vec<serde_json::Value> = c
                .shared
                .iter()
                .map(|s| match s {
                    Shared::Employer(id) => serde_json::json!({ "employer": id.to_string() }),
                    Shared::Sector(x) => serde_json::json!({ "sector": x }),
                    Shared::Programme(x) => serde_json::json!({ "programme": x }),
                })
                .collect();
            serde_json::json!({
                "event": c.event.to_string(),
                "title": c.title,
                "start_utc": c.start.format("%Y-%m-%d %H:%M").to_string(),
                "overlaps": matches!(c.timing, Timing::Overlap),
                "minutes_apart": minutes_apart,
                "shared": shared,
                "text": report.text,
            })
        })
        .collect::<Vec<_>>())
}

fn event_text(desk: &Desk, e: &Event, tally: Tally) -> String {
    let employers: Vec<String> = e.employers.iter().map(|id| employer_name(desk, *id)).collect();
    let mut out = fields(&[
        ("id", e.id.to_string()),
        ("title", e.title.clone()),
        ("sector", e.sector.clone()),
        ("start", when(desk, e.start)),
        ("end", when(desk, e.end)),
        ("location", e.location.clone()),
        ("capacity", e.capacity.to_string()),
        ("booked", format!("{} of {}", tally.taken, e.capacity)),
        ("waiting", tally.waiting.to_string()),
        ("attended", tally.attended.to_string()),
        ("organiser", desk.operator_login(e.organiser)),
        ("employers", employers.join(", ")),
        ("audience", e.audience_schools.join(", ")),
        ("programmes", e.target_programmes.join(", ")),
    ]);
    out.push_str("consultations:\n");
    if e.consultations.is_empty() {
        out.push_str("  (none)\n");
    }
    for c in &e.consultations {
        out.push_str(&format!(
            "  {}  opened to {}, consulting {}\n",
            when(desk, c.at),
            c.school,
            desk.operator_login(c.consulted)
        ));
    }
    out
}

fn saved(format: Format, desk: &Desk, verb: &str, e: &Event) -> Result<(), DeskError> {
    emit(format, &event_json(desk, e, desk.event_tally(e)?), || {
        format!("{verb} event {} \"{}\" at {}\n", e.id, e.title, when(desk, e.start))
    });
    Ok(())
}

/// The start of a local day, in UTC.
fn day_start(desk: &Desk, field: &'static str, text: &str) -> Result<DateTime<Utc>, DeskError> {
    let day = args::date(field, text)?;
    args::local_time(desk, field, &format!("{} 00:00", day.format("%Y-%m-%d")))
}

/// Runs an `event` command.
pub fn run(format: Format, desk: &Desk, cmd: &EventCmd) -> Result<(), DeskError> {
    match cmd {
        EventCmd::Add {
            title,
            sector,
            at,
            minutes,
            capacity,
            location,
            employers,
            audience,
            programmes,
            despite_clash,
        } => {
            let employers = employers
                .iter()
                .map(|e| desk.resolve_employer(e).map(|e| e.id))
                .collect::<Result<Vec<_>, _>>()?;
            let new = NewEvent {
                title: title.clone(),
                sector: sector.clone(),
                start: args::local_time(desk, "at", at)?,
                minutes: *minutes,
                capacity: *capacity,
                employers,
                audience_schools: audience.clone(),
                target_programmes: programmes.clone(),
                location: location.clone(),
            };
            let e = desk.add_event(&new, despite_clash.as_deref())?;
            saved(format, desk, "added", &e)?;
        }
        EventCmd::Move {
            event,
            at,
            minutes,
            despite_clash,
        } => {
            let start = args::local_time(desk, "at", at)?;
            let e = desk.move_event(event, start, *minutes, despite_clash.as_deref())?;
            saved(format, desk, "moved", &e)?;
        }
        EventCmd::Open {
            event,
            school,
            consulted,
        } => {
            let e = desk.open_event(event, school, consulted)?;
            emit(format, &event_json(desk, &e, desk.event_tally(&e)?), || {
                format!("\"{}\" is open to {}\n", e.title, e.audience_schools.join(", "))
            });
        }
        EventCmd::List { from, to } => {
            let from = match from {
                Some(d) => day_start(desk, "from", d)?,
                None => DateTime::<Utc>::MIN_UTC,
            };
            // The last day is included: the list runs to the start of the day after it.
            let to = match to {
                Some(d) => {
                    let day = args::date("to", d)?;
                    let next = day.succ_opt().ok_or_else(|| {
                        DeskError::Invalid(format!("to: {d} is too far in the future; check the year"))
                    })?;
                    day_start(desk, "to", &next.format("%Y-%m-%d").to_string())?
                }
                None => DateTime::<Utc>::MAX_UTC,
            };
            if to <= from {
                return Err(DeskError::Invalid(
                    "to: the last day is before the first (--from); give --to on or after --from".into(),
                ));
            }
            let events = desk.events_between(from, to)?;
            let tallies = desk.event_tallies()?;
            let tally = |e: &Event| tallies.get(&e.id).copied().unwrap_or_default();
            let rows: Vec<serde_json::Value> = events.iter().map(|e| event_json(desk, e, tally(e))).collect();
            emit(format, &rows, || {
                let mut t = Table::new(&["ID", "START", "END", "TITLE", "SECTOR", "BOOKED", "WAITING", "AUDIENCE"]);
                for e in &events {
                    let n = tally(e);
                    t.row(vec![
                        e.id.to_string(),
                        when(desk, e.start),
                        when(desk, e.end),
                        e.title.clone(),
                        e.sector.clone(),
                        format!("{}/{}", n.taken, e.capacity),
                        n.waiting.to_string(),
                        e.audience_schools.join(","),
                    ]);
                }
                t.render()
            });
        }
        EventCmd::Show { event } => {
            let e = desk.find_event(event)?;
            let n = desk.event_tally(&e)?;
            emit(format, &event_json(desk, &e, n), || event_text(desk, &e, n));
        }
        EventCmd::Bookings(cmd) => super::event_bookings::run(format, desk, cmd)?,
    }
    Ok(())
}
