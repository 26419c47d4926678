//! The panes of the main screen.

pub mod bulk_mail;
pub mod calendar;
pub mod client_form;
pub mod clients;
pub mod conflicts;
pub mod employers;
pub mod events;
pub mod form;
pub mod notes;
pub mod queue;
pub mod series_form;
pub mod triage;
pub mod widgets;

use crate::desk::Desk;
use crate::ui::lookup::SharedIndex;
use crate::ui::pane::Pane;

/// Every pane, in tab order.
pub fn all(desk: &Desk, clients: &SharedIndex) -> Vec<Box<dyn Pane>> {
    vec![
        Box::new(calendar::CalendarPane::new(desk, clients.clone())),
        Box::new(clients::ClientsPane::new(desk, clients.clone())),
        Box::new(notes::NotesPane::new(desk)),
        Box::new(employers::EmployersPane::new(desk)),
        Box::new(triage::TriagePane::new(desk)),
        Box::new(queue::QueuePane::new(desk)),
        Box::new(events::EventsPane::new(desk)),
        Box::new(conflicts::ConflictsPane::new(desk)),
    ]
}
