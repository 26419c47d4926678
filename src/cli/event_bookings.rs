//! The event booking commands (EVT-03, EVT-02, SEC-02): booking a client onto an event or its
//! waiting list, cancelling (the first waiting is promoted and told), marking attendance by
//! student number or card, the absent list and a message to it, and the bookings themselves.
//! Flattened into `event ...` beside the calendar commands in `events.rs`.

use clap::{ArgGroup, Subcommand};

use crate::desk::{Attendee, Desk, DeskError, EventBookingLine, EventRoster};
use crate::domain::event_places::{state_word, Placement};

use super::args;
use super::output::{emit, Format, Table};

/// `event book|cancel|attend|absent|bookings`.
#[derive(Debug, Subcommand)]
pub enum EventBookingCmd {
    /// Book a client onto an event; when it is full they join the waiting list.
    Book {
        /// Event id or unique title.
        event: String,
        /// The client's student number.
        #[arg(long, value_name = "SN")]
        client: String,
    },
    /// Cancel a client's booking; a freed place goes to the first on the waiting list, who is told.
    Cancel {
        /// Event id or unique title.
        event: String,
        /// The client's student number.
        #[arg(long, value_name = "SN")]
        client: String,
    },
    /// Mark a booked client as attending, by student number or card swipe.
    #[command(group(ArgGroup::new("who").required(true).args(["client", "card"])))]
    Attend {
        /// Event id or unique title.
        event: String,
        /// The client's student number.
        #[arg(long, value_name = "SN")]
        client: Option<String>,
        /// What the card reader gave (any of the queue's card formats).
        #[arg(long, value_name = "DATA")]
        card: Option<String>,
    },
    /// After an event: those who booked but did not attend; --message queues a message to each.
    Absent {
        /// Event id or unique title.
        event: String,
        /// A message to send each of them (as their contact preferences allow).
        #[arg(long, value_name = "TEXT")]
        message: Option<String>,
    },
    /// An event's bookings: booked, the waiting list in order, attended and absent.
    Bookings {
        /// Event id or unique title.
        event: String,
    },
}

fn when(desk: &Desk, at: chrono::DateTime<chrono::Utc>) -> String {
    desk.local_time(at).format("%Y-%m-%d %H:%M").to_string()
}

fn line_json(desk: &Desk, l: &EventBookingLine) -> serde_json::Value {
    serde_json::json!({
        "booking": l.id.to_string(),
        "student_number": l.number(),
        "name": l.name,
        "state": state_word(l.state),
        "place": l.unsettled.unwrap_or("settled"),
        "booked_at": when(desk, l.booked_at),
    })
}

fn roster_json(desk: &Desk, r: &EventRoster) -> serde_json::Value {
    let lines = |ls: &[EventBookingLine]| ls.iter().map(|l| line_json(desk, l)).collect::<Vec<_>>();
    serde_json::json!({
        "capacity": r.capacity,
        "taken": r.tally.taken,
        "waiting_count": r.tally.waiting,
        "attended_count": r.tally.attended,
        "booked": lines(&r.booked),
        "waiting": lines(&r.waiting),
        "attended": lines(&r.attended),
        "absent": lines(&r.absent),
    })
}

fn roster_text(desk: &Desk, r: &EventRoster) -> String {
    let mut out = format!(
        "{} of {} places taken, {} waiting, {} attended\n",
        r.tally.taken, r.capacity, r.tally.waiting, r.tally.attended
    );
    let mut t = Table::new(&["STATE", "#", "STUDENT", "NAME", "BOOKED", "BOOKING"]);
    let mut rows = |ls: &[EventBookingLine], numbered: bool| {
        for (i, l) in ls.iter().enumerate() {
            t.row(vec![
                match l.unsettled {
                    Some(word) => format!("{} ({word})", state_word(l.state)),
                    None => state_word(l.state).to_string(),
                },
                if numbered { (i + 1).to_string() } else { String::new() },
                l.number().to_string(),
                l.name.clone(),
                when(desk, l.booked_at),
                l.id.to_string(),
            ]);
        }
    };
    rows(&r.booked, false);
    rows(&r.attended, false);
    rows(&r.absent, false);
    rows(&r.waiting, true);
    out.push_str(&t.render());
    out
}

/// Runs an event booking command.
pub fn run(format: Format, desk: &Desk, cmd: &EventBookingCmd) -> Result<(), DeskError> {
    match cmd {
        EventBookingCmd::Book { event, client } => {
            let sn = args::student_number(client)?;
            let done = desk.book_event(event, &sn)?;
            let position = match done.placement {
                Placement::Place => None,
                Placement::Waiting { position } => Some(position),
            };
            let json = serde_json::json!({
                "booking": done.booking.id.to_string(),
                "state": state_word(done.booking.state),
                "waiting_position": position,
                "place": done.booking.confirmation.word().unwrap_or("settled"),
            });
            emit(format, &json, || match (position, &done.booking.confirmation) {
                (None, crate::domain::event::PlaceConfirmation::Provisional { .. }) => format!(
                    "{sn} has a provisional place (booking {}): the sync server decides at the next sync\n",
                    done.booking.id
                ),
                (None, crate::domain::event::PlaceConfirmation::Leased { .. }) => {
                    format!("{sn} has a place in this desk's lease (booking {})\n", done.booking.id)
                }
                (None, _) => format!("{sn} has a place (booking {})\n", done.booking.id),
                (Some(p), _) => format!(
                    "the event is full: {sn} is number {p} on the waiting list (booking {})\n",
                    done.booking.id
                ),
            });
        }
        EventBookingCmd::Cancel { event, client } => {
            let sn = args::student_number(client)?;
            let done = desk.cancel_event_booking(event, &sn)?;
            let json = serde_json::json!({
                "booking": done.booking.id.to_string(),
                "promoted": done.promoted.iter().map(|(l, n)| {
                    let mut j = line_json(desk, l);
                    j["messages_queued"] = serde_json::json!(n);
                    j
                }).collect::<Vec<_>>(),
            });
            emit(format, &json, || {
                let mut out = format!("cancelled {sn}'s booking {}\n", done.booking.id);
                for (l, n) in &done.promoted {
                    out.push_str(&format!(
                        "{} {} was first on the waiting list and now has the place ({n} message(s) queued)\n",
                        l.number(),
                        l.name
                    ));
                }
                out
            });
        }
        EventBookingCmd::Attend { event, client, card } => {
            let who = match (client, card) {
                (Some(c), _) => Attendee::Client(args::student_number(c)?),
                (None, Some(card)) => Attendee::Card(card.clone()),
                (None, None) => {
                    return Err(DeskError::Invalid(
                        "give the client as --client SN or --card DATA".into(),
                    ))
                }
            };
            let b = desk.attend_event(event, &who)?;
            let json = serde_json::json!({
                "booking": b.id.to_string(),
                "state": state_word(b.state),
            });
            emit(format, &json, || format!("marked as attending (booking {})\n", b.id));
        }
        EventBookingCmd::Absent { event, message } => match message {
            None => {
                let absent = desk.event_absentees(event)?;
                let rows: Vec<serde_json::Value> = absent.iter().map(|l| line_json(desk, l)).collect();
                emit(format, &rows, || {
                    let mut t = Table::new(&["STUDENT", "NAME", "BOOKED", "BOOKING"]);
                    for l in &absent {
                        t.row(vec![
                            l.number().to_string(),
                            l.name.clone(),
                            when(desk, l.booked_at),
                            l.id.to_string(),
                        ]);
                    }
                    t.render()
                });
            }
            Some(text) => {
                let done = desk.message_event_absentees(event, text)?;
                emit(format, &done, || {
                    format!(
                        "queued {} message(s) to {} absent client(s); {} allow no contact this terminal can make\n",
                        done.messages, done.messaged, done.not_contactable
                    )
                });
            }
        },
        EventBookingCmd::Bookings { event } => {
            let r = desk.event_roster(event)?;
            emit(format, &roster_json(desk, &r), || roster_text(desk, &r));
        }
    }
    Ok(())
}
