//! Bulk mail from the employers pane (EVT-04, SEC-06): the composer (`ui/panes/bulk_mail.rs`)
//! opens on the selected employer, or on the tag filter when one is set.

use crate::ui::command::Command;
use crate::ui::pane::Cx;
use crate::ui::panes::bulk_mail::{Composed, Composer};

use super::{EmployersPane, Focus, Mode};

impl EmployersPane {
    /// Opens the bulk mail composer: the selected employer, or the tag filter when one is set.
    pub(super) fn compose(&mut self, cx: &mut Cx<'_>) {
        let tags = self.tag_list().join(", ");
        let employer = match tags.is_empty() {
            true => self.profile.as_ref().map_or(String::new(), |p| p.employer.name.clone()),
            false => String::new(),
        };
        match Composer::open(cx.desk, "", &employer, &tags) {
            Ok(c) => {
                self.focus = Focus::List;
                self.mode = Mode::Mail(Box::new(c));
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    /// A command while the composer is open.
    pub(super) fn mail_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let Mode::Mail(composer) = &mut self.mode else {
            return false;
        };
        match composer.command(cmd, cx.desk) {
            None => return false,
            Some(Composed::Stay) => {}
            Some(Composed::Closed) => {
                self.mode = Mode::Profile;
                cx.done("Closed the bulk mail; nothing was sent.");
            }
            Some(Composed::Sent(said)) => {
                self.mode = Mode::Profile;
                *cx.messages_queued = true;
                cx.done(said);
                self.load_profile(cx);
            }
        }
        true
    }
}
