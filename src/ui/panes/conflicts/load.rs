//! Reading the conflicts queue for the pane, as one job: every conflict, and for each booking
//! that needs rebooking the booking, its client and the free slots to offer with their
//! consultants. A refusal of the offers (an operator who may not book) is kept as their content.

use crate::desk::{ConflictView, Desk, DeskError, StaffName};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::ids::OperatorId;

/// How many free slots the pane offers a booking at most.
pub const OFFERS: usize = 5;

/// A free slot offered, with who holds it.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The slot.
    pub slot: Slot,
    /// The consultant's login and name, e.g. "cons1 (Sam Lee)".
    pub consultant: String,
}

/// A booking of this desk's that needs rebooking.
#[derive(Debug, Clone)]
pub struct Rebooking {
    /// The booking.
    pub appointment: Appointment,
    /// The client's name and student number, when this operator may see them.
    pub client: String,
    /// The free slots to offer (or why there are none to offer).
    pub offers: Result<Vec<Offer>, String>,
    /// Whether the offers are those made when the slot was lost (else others of the type).
    pub offered_then: bool,
}

/// One conflict as the pane lists it.
#[derive(Debug, Clone)]
pub struct ConflictRow {
    /// The conflict as the desk describes it.
    pub view: ConflictView,
    /// The booking, for a booking that needs rebooking.
    pub rebooking: Option<Rebooking>,
}

/// The conflicts queue as the pane shows it, oldest first.
#[derive(Debug, Clone, Default)]
pub struct ConflictsData {
    /// One row per conflict.
    pub rows: Vec<ConflictRow>,
}

/// "cons1 (Sam Lee)", or the login alone, or "someone".
fn consultant(staff: Option<&std::collections::HashMap<OperatorId, StaffName>>, id: OperatorId) -> String {
    match staff.and_then(|s| s.get(&id)) {
        Some(s) => format!("{} ({})", s.login, s.name),
        None => "a consultant".to_string(),
    }
}

/// Reads the queue (the Sync permission is the desk's to check: a refusal is the result).
pub fn fetch(desk: &Desk) -> Result<ConflictsData, DeskError> {
    let views = desk.sync_conflicts()?;
    let to_rebook = desk.bookings_to_rebook()?;
    let staff = desk.staff_names().ok();
    let mut rows = Vec::with_capacity(views.len());
    for view in views {
        let appointment = (view.kind == "appointments")
            .then(|| to_rebook.iter().find(|a| format!("{:032x}", a.id.0) == view.record))
            .flatten();
        let rebooking = appointment.map(|a| {
            let client = desk
                .client_label(Some(a))
                .map_or_else(|| "the client".to_string(), |(name, sn)| format!("{name} ({sn})"));
            let (offers, offered_then) = match desk.rebooking_choices(a.id, OFFERS) {
                Ok(c) => (
                    Ok(c.slots
                        .into_iter()
                        .map(|slot| Offer {
                            consultant: consultant(staff.as_ref(), slot.consultant),
                            slot,
                        })
                        .collect()),
                    c.offered,
                ),
                Err(e) => (Err(e.to_string()), false),
            };
            Rebooking {
                appointment: a.clone(),
                client,
                offers,
                offered_then,
            }
        });
        rows.push(ConflictRow { view, rebooking });
    }
    Ok(ConflictsData { rows })
}
