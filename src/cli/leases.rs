//! `careerdesk lease`: leases of a consultant's slots, or of some of an event's places, to
//! this desk before it goes offline (a fair).

use super::output::emit;
use crate::desk::DeskError;

/// A lease as a row: id, consultant, period and end, in local time.
fn lease_json(desk: &crate::desk::Desk, l: &crate::domain::booking_claim::Lease) -> serde_json::Value {
    let consultant = desk
        .store()
        .get::<crate::domain::operator::Operator>(l.consultant.0)
        .ok()
        .flatten()
        .map_or_else(|| l.consultant.to_string(), |o| o.login.to_string());
    let t = |at| desk.local_time(at).format("%Y-%m-%d %H:%M").to_string();
    serde_json::json!({
        "lease": format!("{:032x}", l.id),
        "consultant": consultant,
        "from": t(l.from),
        "to": t(l.to),
        "until": t(l.expires),
    })
}

/// A lease of event places as a row: id, event, places and end, in local time.
fn place_lease_json(desk: &crate::desk::Desk, l: &crate::domain::place_claim::PlaceLease) -> serde_json::Value {
    let title = desk
        .store()
        .get::<crate::domain::event::Event>(l.event.0)
        .ok()
        .flatten()
        .map_or_else(|| l.event.to_string(), |e| e.title);
    serde_json::json!({
        "lease": format!("{:032x}", l.id),
        "event": l.event.to_string(),
        "title": title,
        "places": l.places,
        "until": desk.local_time(l.expires).format("%Y-%m-%d %H:%M").to_string(),
    })
}

fn line(v: &serde_json::Value) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    if v.get("places").is_some() {
        format!(
            "lease {}: {} place(s) on event {} \"{}\", until {}\n",
            s("lease"),
            v["places"],
            s("event"),
            s("title"),
            s("until")
        )
    } else {
        format!(
            "lease {}: {}'s slots {} to {}, until {}\n",
            s("lease"),
            s("consultant"),
            s("from"),
            s("to"),
            s("until")
        )
    }
}

/// `careerdesk lease take|places|list|return`.
pub fn lease(format: super::output::Format, desk: &crate::desk::Desk, cmd: &super::LeaseCmd) -> Result<(), DeskError> {
    use super::LeaseCmd as L;
    match cmd {
        L::Take {
            consultant,
            from,
            to,
            hours,
        } => {
            let l = desk.lease_slots(
                &super::args::login(consultant)?,
                super::args::local_time(desk, "from", from)?,
                super::args::local_time(desk, "to", to)?,
                *hours,
            )?;
            let v = lease_json(desk, &l);
            emit(format, &v, || line(&v));
        }
        L::Places { event, places, hours } => {
            let l = desk.lease_event_places(event, *places, *hours)?;
            let v = place_lease_json(desk, &l);
            emit(format, &v, || line(&v));
        }
        L::List => {
            let mut rows: Vec<serde_json::Value> = desk.leases()?.iter().map(|l| lease_json(desk, l)).collect();
            rows.extend(desk.place_leases()?.iter().map(|l| place_lease_json(desk, l)));
            emit(format, &rows, || {
                if rows.is_empty() {
                    "this desk holds no lease\n".into()
                } else {
                    rows.iter().map(line).collect()
                }
            });
        }
        L::Return { id } => {
            let id = u128::from_str_radix(id.trim(), 16).map_err(|_| {
                DeskError::Invalid(format!(
                    "lease: {id:?} is not a lease id; `careerdesk lease list` shows them"
                ))
            })?;
            let held = desk.return_lease(id)?;
            let v = serde_json::json!({ "returned": format!("{id:032x}"), "held_by_server": held });
            emit(format, &v, || {
                if held {
                    "lease handed back: what it held is any desk's again\n".into()
                } else {
                    "the server no longer held that lease (it had ended); forgotten here\n".into()
                }
            });
        }
    }
    Ok(())
}
