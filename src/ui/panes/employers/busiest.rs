//! The busiest employers over the last year (EVT-04), counted by a job; enter shows one.

use crate::domain::contact_chart::YEAR_WEEKS;
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::pane::{is_movement, move_selection, Cx, PaneId};

use super::{EmployersPane, Mode, BUSIEST};

impl EmployersPane {
    /// Counts the busiest employers as a job.
    pub(super) fn busiest(&mut self, cx: &mut Cx<'_>) {
        self.mode = Mode::Busiest {
            busy: None,
            selected: 0,
        };
        cx.spawn(PaneId::Employers, "busiest employers", |desk| {
            PaneDone::Busiest(desk.busiest_employers(YEAR_WEEKS, BUSIEST).map_err(|e| e.to_string()))
        });
    }

    /// A command while the busiest list is shown.
    pub(super) fn busiest_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let Mode::Busiest { busy, selected } = &mut self.mode else {
            return false;
        };
        let n = busy.as_ref().map_or(0, Vec::len);
        if is_movement(cmd) {
            *selected = move_selection(*selected, n, cmd, 10);
            return true;
        }
        match cmd {
            Command::Back => self.mode = Mode::Profile,
            Command::Select => {
                let id = busy.as_ref().and_then(|b| b.get(*selected)).map(|b| b.employer.id);
                self.mode = Mode::Profile;
                if let Some(id) = id {
                    // Clear the filters so the employer is in the list.
                    self.search.clear();
                    self.tags.clear();
                    self.show(id, cx);
                }
            }
            Command::BusiestEmployers | Command::Refresh => self.busiest(cx),
            _ => return false,
        }
        true
    }
}
