//! The slots the desk screen offers a booking that needs rebooking: those the desk offered
//! when the server gave its slot away, while they are still free, else the next free slots of
//! the same type.

use crate::domain::access::Permission;
use crate::domain::appointment::{Confirmation, Slot};
use crate::domain::ids::AppointmentId;

use super::{Desk, DeskError};

/// Which slots [`Desk::rebooking_choices`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebookingChoices {
    /// The free slots, soonest first.
    pub slots: Vec<Slot>,
    /// Whether they are the ones offered when the slot was lost (else others of the type).
    pub offered: bool,
}

impl Desk {
    /// The free slots to move a booking that needs rebooking into: the ones offered when the
    /// server gave its slot away that are still free, or, when none is, the next free slots of
    /// its type (the same consultant's later today first), up to `limit`.
    pub fn rebooking_choices(&self, booking: AppointmentId, limit: usize) -> Result<RebookingChoices, DeskError> {
        self.require(Permission::Book)?;
        let appt = self.appointment(booking)?;
        let Confirmation::NeedsRebooking { alternatives, .. } = &appt.confirmation else {
            return Err(DeskError::Invalid(format!(
                "booking {} does not need rebooking",
                appt.id
            )));
        };
        let now = self.now();
        let mut slots = Vec::new();
        for id in alternatives {
            if let Some(s) = self
                .store
                .get::<Slot>(id.0)?
                .filter(|s| s.booking.is_none() && !s.withdrawn && s.start > now)
            {
                slots.push(s);
            }
        }
        if !slots.is_empty() {
            slots.truncate(limit);
            return Ok(RebookingChoices { slots, offered: true });
        }
        Ok(RebookingChoices {
            slots: self.free_slots_like(&appt, limit)?,
            offered: false,
        })
    }
}
