//! The appointment commands: slots, booking, outcomes, waivers, blocks, the queue, the outbox,
//! triage and reports.

use chrono::NaiveDate;

use crate::desk::{Desk, DeskError, NewBooking, NewSeries, NewSlot, QueueTarget, SeriesReport, WithdrawReport};
use crate::domain::appointment::{Appointment, Outcome, Slot};
use crate::domain::ids::QueueEntryId;
use crate::domain::outbox::Delivery;
use crate::domain::validate::StudentNumber;
use crate::notify::NotifyConfig;
use crate::paths::Paths;

use super::args;
use super::output::{emit, Format, Table};
use super::{ExportCmd, OutboxCmd, QueueCmd, SlotCmd};

fn booking_json(desk: &Desk, a: &Appointment) -> serde_json::Value {
    serde_json::json!({
        "booking": a.id.to_string(),
        "type": a.appointment_type,
        "start": desk.local_time(a.start).format("%Y-%m-%d %H:%M").to_string(),
        "location": a.location,
        "state": a.state_code(),
        "waived": a.waiver.is_some(),
        "confirmation": a.confirmation.word().unwrap_or("confirmed"),
        "recording_consent": matches!(a.recording_consent, crate::domain::appointment::RecordingConsent::Given),
    })
}

fn print_booking(format: Format, desk: &Desk, a: &Appointment, verb: &str) {
    let v = booking_json(desk, a);
    emit(format, &v, || {
        let setting = match desk.policy().location(&a.location) {
            Some(l) if l.confidential => "confidential setting",
            _ => "not a confidential setting",
        };
        let state = match a.state {
            crate::domain::appointment::AppointmentState::CheckedIn { at } => {
                format!("checked in at {}", desk.local_time(at).format("%H:%M"))
            }
            _ => a.state_code().to_string(),
        };
        let waived = if a.waiver.is_some() { ", waived" } else { "" };
        let decided = match &a.confirmation {
            crate::domain::appointment::Confirmation::Provisional { .. } => {
                "\nprovisional: the sync server decides at this desk's next sync; its confirmation message goes once it is confirmed\n"
                    .to_string()
            }
            crate::domain::appointment::Confirmation::NeedsRebooking { reason, .. } => {
                format!("\nneeds rebooking: {reason}\n")
            }
            _ => "\n".to_string(),
        };
        format!(
            "{verb} {} ({state}{waived}{})\n{} at {} in {} ({setting}){decided}",
            a.id,
            a.confirmation.word().map(|w| format!(", {w}")).unwrap_or_default(),
            a.appointment_type,
            desk.local_time(a.start).format("%a %-d %b %Y %H:%M"),
            a.location
        )
    });
}

fn slot_rows(desk: &Desk, slots: &[Slot]) -> (Vec<serde_json::Value>, Table) {
    let mut t = Table::new(&["SLOT", "START", "MIN", "TYPE", "CONSULTANT", "LOCATION", "STATE"]);
    let mut rows = Vec::new();
    for s in slots {
        let consultant = desk
            .store()
            .get::<crate::domain::operator::Operator>(s.consultant.0)
            .ok()
            .flatten()
            .map(|o| o.login.to_string())
            .unwrap_or_default();
        let state = if s.withdrawn {
            "withdrawn"
        } else if s.booking.is_some() {
            "booked"
        } else {
            "free"
        };
        let start = desk.local_time(s.start).format("%Y-%m-%d %H:%M").to_string();
        t.row(vec![
            s.id.to_string(),
            start.clone(),
            s.minutes.to_string(),
            s.appointment_type.to_string(),
            consultant.clone(),
            s.location.to_string(),
            state.into(),
        ]);
        rows.push(serde_json::json!({
            "slot": s.id.to_string(), "start": start, "minutes": s.minutes, "type": s.appointment_type,
            "consultant": consultant, "location": s.location, "state": state,
            "series": s.series.map(|id| id.to_string()),
        }));
    }
    (rows, t)
}

/// `slot add|list`.
pub fn slot(format: Format, desk: &Desk, cmd: &SlotCmd) -> Result<(), DeskError> {
    match cmd {
        SlotCmd::Add {
            consultant,
            appointment_type,
            at,
            minutes,
            location,
        } => {
            let s = desk.add_slot(&NewSlot {
                consultant: args::login(consultant)?,
                appointment_type: args::appointment_type(appointment_type),
                start: args::local_time(desk, "at", at)?,
                minutes: *minutes,
                location: location.as_deref().map(args::location),
            })?;
            let (rows, t) = slot_rows(desk, std::slice::from_ref(&s));
            emit(format, &rows[0], || t.render());
        }
        SlotCmd::Series {
            consultant,
            appointment_type,
            days,
            from,
            to,
            every,
            minutes,
            start,
            until,
            location,
            skip,
            dry_run,
        } => {
            let input = NewSeries {
                consultant: args::login(consultant)?,
                appointment_type: args::appointment_type(appointment_type),
                days: args::days(days)?,
                from: args::clock("from", from)?,
                to: args::clock("to", to)?,
                every: args::minutes("every", every)?,
                minutes: *minutes,
                start: args::date("start", start)?,
                until: args::date("until", until)?,
                location: location.as_deref().map(args::location),
                skip: skip.iter().map(|d| args::date("skip", d)).collect::<Result<_, _>>()?,
            };
            let report = desk.add_series(&input, *dry_run)?;
            print_series(format, desk, &report);
        }
        SlotCmd::Withdraw {
            slot,
            series,
            from,
            until,
        } => match (slot, series) {
            (Some(slot), _) => {
                let s = desk.withdraw_slot(args::slot(slot)?)?;
                let (rows, t) = slot_rows(desk, std::slice::from_ref(&s));
                emit(format, &rows[0], || t.render());
            }
            (None, Some(series)) => {
                let from = from.as_deref().map(|d| args::date("from", d)).transpose()?;
                let until = until.as_deref().map(|d| args::date("until", d)).transpose()?;
                let report = desk.withdraw_series(args::series_id(series)?, from, until)?;
                print_withdrawal(format, desk, &report);
            }
            (None, None) => return Err(DeskError::Invalid("give a slot id, or --series ID".into())),
        },
        SlotCmd::List { date, consultant } => {
            let day = match date {
                Some(d) => args::date("date", d)?,
                None => desk.today(),
            };
            let (from, to) = local_day(desk, day);
            let mut slots = desk.slots_between(from, to)?;
            if let Some(login) = consultant {
                let op = desk.operator_by_login(&args::login(login)?)?;
                slots.retain(|s| s.consultant == op.id);
            }
            let (rows, t) = slot_rows(desk, &slots);
            emit(format, &rows, || t.render());
        }
    }
    Ok(())
}

fn print_series(format: Format, desk: &Desk, report: &SeriesReport) {
    let (rows, t) = slot_rows(desk, &report.made);
    let skipped: Vec<serde_json::Value> = report
        .skipped
        .iter()
        .map(|k| {
            serde_json::json!({
                "date": k.date, "time": k.time.map(|t| t.format("%H:%M").to_string()),
                "reason": k.reason.describe(),
            })
        })
        .collect();
    let v = serde_json::json!({
        "series": report.series.to_string(), "dry_run": report.dry_run,
        "made": rows, "skipped": skipped,
    });
    emit(format, &v, || {
        let mut out = if report.dry_run {
            format!(
                "dry run: series would make {} slot(s) and skip {}; nothing was made\n",
                report.made.len(),
                report.skipped.len()
            )
        } else {
            format!(
                "series {}: made {} slot(s), skipped {}\n",
                report.series,
                report.made.len(),
                report.skipped.len()
            )
        };
        for k in &report.skipped {
            let when = match k.time {
                Some(t) => format!("{} {}", k.date.format("%a %Y-%m-%d"), t.format("%H:%M")),
                None => format!("{} (all day)", k.date.format("%a %Y-%m-%d")),
            };
            out.push_str(&format!("skipped {when}: {}\n", k.reason.describe()));
        }
        if !report.made.is_empty() {
            out.push_str(&t.render());
        }
        out
    });
}

fn print_withdrawal(format: Format, desk: &Desk, report: &WithdrawReport) {
    let (withdrawn, _) = slot_rows(desk, &report.withdrawn);
    let (booked, booked_table) = slot_rows(desk, &report.booked);
    let v = serde_json::json!({
        "withdrawn": withdrawn, "booked_kept": booked,
        "already_withdrawn": report.already_withdrawn, "past": report.past,
    });
    emit(format, &v, || {
        let mut out = format!("withdrew {} free slot(s)\n", report.withdrawn.len());
        if report.already_withdrawn > 0 {
            out.push_str(&format!("{} were already withdrawn\n", report.already_withdrawn));
        }
        if report.past > 0 {
            out.push_str(&format!("{} had already begun and stay as history\n", report.past));
        }
        if !report.booked.is_empty() {
            out.push_str(&format!(
                "kept {} booked slot(s): cancel their bookings first, then withdraw them\n",
                report.booked.len()
            ));
            out.push_str(&booked_table.render());
        }
        out
    });
}

fn local_day(desk: &Desk, day: NaiveDate) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    let tz = desk.policy().institution.time_zone;
    let at = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|n| chrono::TimeZone::from_local_datetime(&tz, &n).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    };
    (at(day), at(day.succ_opt().unwrap_or(day)))
}

/// `book`.
pub fn book(format: Format, desk: &Desk, input: &super::BookArgs) -> Result<(), DeskError> {
    let a = desk.book(&NewBooking {
        client: args::student_number(&input.client)?,
        appointment_type: args::appointment_type(&input.appointment_type),
        start: args::local_time(desk, "at", &input.at)?,
        consultant: input.consultant.as_deref().map(args::login).transpose()?,
    })?;
    print_booking(format, desk, &a, "booked");
    Ok(())
}

/// `cancel`, `check-in`, `outcome`, `waive`.
pub fn settle(format: Format, desk: &Desk, cmd: &super::Command) -> Result<(), DeskError> {
    use super::Command as C;
    let (a, verb) = match cmd {
        C::Cancel { booking } => {
            let a = desk.cancel(args::booking(booking)?)?;
            let verb = if a.outcome() == Some(Outcome::LateCancel) {
                "late-cancelled (it had started, so it counts)"
            } else {
                "cancelled"
            };
            (a, verb)
        }
        C::CheckIn { booking } => (desk.check_in(args::booking(booking)?)?, "checked in"),
        C::RecordingConsent { booking, consent } => {
            let given = consent == "given";
            let verb = if given {
                "recording permitted for"
            } else {
                "no recording for"
            };
            (desk.set_recording_consent(args::booking(booking)?, given)?, verb)
        }
        C::Outcome { booking, outcome } => {
            let o = match outcome.as_str() {
                "attended" => Outcome::Attended,
                "no-show" => Outcome::NoShow,
                "late-cancel" => Outcome::LateCancel,
                _ => Outcome::EndedTechnical,
            };
            (desk.record_outcome(args::booking(booking)?, o)?, "recorded outcome for")
        }
        C::Waive { booking, reason } => (desk.waive(args::booking(booking)?, reason)?, "waived"),
        _ => return Err(DeskError::Invalid("not a booking command".into())),
    };
    print_booking(format, desk, &a, verb);
    Ok(())
}

/// `rebook`.
pub fn rebook(format: Format, desk: &Desk, booking: &str, limit: usize, into: Option<&str>) -> Result<(), DeskError> {
    if let Some(slot) = into {
        let a = desk.rebook_into(args::booking(booking)?, args::slot(slot)?)?;
        print_booking(format, desk, &a, "rebooked as");
        return Ok(());
    }
    let offers = desk.rebook_offers(args::booking(booking)?, limit)?;
    let (rows, t) = slot_rows(desk, &offers);
    emit(format, &rows, || {
        if offers.is_empty() {
            "no free slots of that type in the next weeks; refer the client to the enquiries team\n".into()
        } else {
            t.render()
        }
    });
    Ok(())
}

/// `queue ...`.
pub fn queue(format: Format, desk: &Desk, cmd: &QueueCmd) -> Result<(), DeskError> {
    match cmd {
        QueueCmd::Add { card } => {
            let e = desk.queue_add(card)?;
            let lines = desk.queue_list()?;
            let me = lines.iter().find(|l| l.id == e.id);
            emit(format, &me, || match me {
                Some(l) => format!(
                    "{} is number {} in the queue (about {} min)\n",
                    l.name,
                    l.position,
                    l.estimated_wait_minutes.unwrap_or(0)
                ),
                None => "added to the queue\n".into(),
            });
        }
        QueueCmd::Next => {
            let next = desk.queue_next()?;
            let line = match &next {
                Some(e) => desk.queue_list()?.into_iter().find(|l| l.id == e.id),
                None => None,
            };
            emit(format, &line, || match &line {
                Some(l) => format!("next: {} ({})\n", l.name, l.number()),
                None => "nobody is waiting\n".into(),
            });
        }
        QueueCmd::List => {
            let lines = desk.queue_list()?;
            emit(format, &lines, || {
                let mut t = Table::new(&["#", "STUDENT NUMBER", "NAME", "STATE", "WAITED", "EST. WAIT"]);
                for l in &lines {
                    t.row(vec![
                        if l.position == 0 {
                            "-".into()
                        } else {
                            l.position.to_string()
                        },
                        l.number().to_string(),
                        l.name.clone(),
                        l.state.word().into(),
                        format!("{} min", l.waited_minutes),
                        l.estimated_wait_minutes.map_or("-".into(), |m| format!("{m} min")),
                    ]);
                }
                t.render()
            });
        }
        QueueCmd::Done { who } => {
            let who = match who.trim().parse::<QueueEntryId>() {
                Ok(id) => QueueTarget::Entry(id),
                Err(_) => QueueTarget::Client(desk.client_by_card(who)?.id),
            };
            let e = desk.queue_done(&who)?;
            emit(
                format,
                &serde_json::json!({ "entry": e.id.to_string(), "done": true }),
                || "done\n".into(),
            );
        }
    }
    Ok(())
}

/// `outbox list|flush`.
pub fn outbox(format: Format, desk: &Desk, paths: &Paths, cmd: &OutboxCmd) -> Result<(), DeskError> {
    match cmd {
        OutboxCmd::List => {
            let entries = desk.outbox()?;
            let rows: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let (state, detail) = match &e.state {
                        Delivery::Pending {
                            attempts,
                            next_at,
                            last_error,
                        } => (
                            "pending",
                            format!(
                                "next {} ({} attempts){}",
                                desk.local_time(*next_at).format("%Y-%m-%d %H:%M"),
                                attempts,
                                last_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
                            ),
                        ),
                        Delivery::Failed { attempts, error } => {
                            ("failed", format!("after {attempts} attempts: {error}"))
                        }
                        Delivery::Sent { .. } => ("sent", String::new()),
                        Delivery::Withdrawn => ("withdrawn", String::new()),
                    };
                    serde_json::json!({
                        "message": e.id.to_string(), "kind": e.message.kind.code(), "channel": e.message.channel.code(),
                        "to": e.message.to, "state": state, "detail": detail,
                    })
                })
                .collect();
            emit(format, &rows, || {
                let mut t = Table::new(&["MESSAGE", "KIND", "CHANNEL", "TO", "STATE", "DETAIL"]);
                for r in &rows {
                    let cell = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                    t.row(vec![
                        cell("message"),
                        cell("kind"),
                        cell("channel"),
                        cell("to"),
                        cell("state"),
                        cell("detail"),
                    ]);
                }
                t.render()
            });
        }
        OutboxCmd::Flush => {
            let config = NotifyConfig::load(&paths.config).map_err(|e| DeskError::Invalid(e.to_string()))?;
            let transports = config
                .transports(&paths.data.join(crate::notify::OUTBOX_DIR))
                .map_err(|e| DeskError::Invalid(e.to_string()))?;
            let sms = transports.sms.as_deref().map(|t| t as &dyn crate::notify::Transport);
            let report = desk.flush_outbox(transports.email.as_ref(), sms, &config.email.from)?;
            emit(format, &report, || {
                let later = if report.deferred > 0 {
                    format!(
                        "; {} left for the next run (the server could not be reached)",
                        report.deferred
                    )
                } else {
                    String::new()
                };
                let withheld = if report.withheld > 0 {
                    format!(
                        "; {} withheld (the client no longer allows that channel)",
                        report.withheld
                    )
                } else {
                    String::new()
                };
                format!(
                    "sent {}, retrying {}, failed {} (through {}){later}{withheld}\n",
                    report.sent,
                    report.retrying,
                    report.failed,
                    transports.email.name()
                )
            });
        }
    }
    Ok(())
}

/// `triage`.
pub fn triage(format: Format, desk: &Desk) -> Result<(), DeskError> {
    let unresolved = desk.unresolved(200)?;
    let flagged = desk.flagged_clients()?;
    let waivers = desk.recent_waivers(28)?;
    let employers = desk.flagged_employers()?;
    let all = serde_json::json!({
        "unresolved": unresolved,
        "flagged": flagged,
        "waivers": waivers,
        "flagged_employers": employers,
    });
    emit(format, &all, || {
        let mut out = format!(
            "Unresolved outcomes ({}): settle with `careerdesk outcome BOOKING ...`\n",
            unresolved.len()
        );
        let mut t = Table::new(&["BOOKING", "START", "TYPE", "CONSULTANT", "STUDENT NUMBER", "NAME"]);
        for u in &unresolved {
            t.row(vec![
                u.booking.to_string(),
                u.start.clone(),
                u.appointment_type.to_string(),
                u.consultant.clone(),
                StudentNumber::shown(u.student_number.as_ref()).to_string(),
                u.name.clone(),
            ]);
        }
        out.push_str(&t.render());
        out.push_str(&format!(
            "\nClients over a no-show threshold ({}): confirm with `block`, dismiss with `unblock`\n",
            flagged.len()
        ));
        let mut t = Table::new(&["FLAG", "STUDENT NUMBER", "NAME", "WHY"]);
        for f in &flagged {
            let flag = match f.flag {
                crate::domain::client::FlagKind::BlockProposed => "block proposed",
                crate::domain::client::FlagKind::NoShowConcern => "no-show concern",
                crate::domain::client::FlagKind::WellbeingConcern => "wellbeing",
            };
            t.row(vec![
                flag.into(),
                f.student_number.to_string(),
                f.name.clone(),
                f.reason.clone(),
            ]);
        }
        out.push_str(&t.render());
        out.push_str(&format!("\nWaivers in the last 28 days ({})\n", waivers.len()));
        let mut t = Table::new(&["BOOKING", "STUDENT NUMBER", "WHEN", "REASON"]);
        for w in &waivers {
            t.row(vec![
                w.booking.to_string(),
                StudentNumber::shown(w.student_number.as_ref()).to_string(),
                desk.local_time(w.at).format("%Y-%m-%d %H:%M").to_string(),
                w.reason.clone(),
            ]);
        }
        out.push_str(&t.render());
        out.push_str(&format!(
            "\nEmployers complained about by several students ({}): `complaint list --employer ID` (CMP-01)\n",
            employers.len()
        ));
        let mut t = Table::new(&["EMPLOYER", "NAME", "STUDENTS"]);
        for e in &employers {
            t.row(vec![e.employer.to_string(), e.name.clone(), e.clients.to_string()]);
        }
        out.push_str(&t.render());
        out
    });
    Ok(())
}

/// `export ics`.
pub fn export(desk: &Desk, cmd: &ExportCmd) -> Result<(), DeskError> {
    match cmd {
        ExportCmd::Ics { consultant, days } => {
            let ics = desk.consultant_ics(&args::login(consultant)?, desk.now(), *days)?;
            super::output::print_text(&ics);
        }
        ExportCmd::Subject { client, out } => super::privacy::export_subject(desk, client, out.as_deref())?,
    }
    Ok(())
}
