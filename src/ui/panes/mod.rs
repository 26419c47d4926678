//! The panes of the main screen.

pub mod calendar;
pub mod clients;
pub mod employers;
pub mod notes;
pub mod queue;
pub mod triage;
pub mod widgets;

use crate::desk::{ClientDirectory, Desk};
use crate::ui::pane::Pane;

/// Every pane, in tab order.
pub fn all(desk: &Desk, directory: ClientDirectory) -> Vec<Box<dyn Pane>> {
    vec![
        Box::new(calendar::CalendarPane::new(desk)),
        Box::new(clients::ClientsPane::new(desk, directory)),
        Box::new(notes::NotesPane::new(desk)),
        Box::new(employers::EmployersPane::new(desk)),
        Box::new(triage::TriagePane::new(desk)),
        Box::new(queue::QueuePane::new(desk)),
    ]
}
