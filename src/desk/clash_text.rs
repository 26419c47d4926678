//! A clash as staff read it (EVT-01): the other event's start in the institution's local time
//! and its employers by name. One place words a clash for the CLI's refusal, the screen's
//! reason step and the audit entry of an override.

use super::Desk;
use crate::domain::clash::{Clash, Shared};

/// A clash found by the check, with the words staff are shown for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClashReport {
    /// The clash as the rule found it.
    pub clash: Clash,
    /// What staff read: "EVT-01: \"Title\" (Wed 10 Mar 2027 10:00) overlaps it and shares ...".
    pub text: String,
}

impl Desk {
    /// Words `clash` for staff: local time, employers named.
    pub fn describe_clash(&self, c: &Clash) -> String {
        let shared: Vec<String> = c
            .shared
            .iter()
            .map(|s| match s {
                Shared::Employer(id) => {
                    let name = self
                        .resolve_employer(&id.to_string())
                        .map(|e| e.name)
                        .unwrap_or_else(|_| id.to_string());
                    format!("employer {name}")
                }
                other => other.to_string(),
            })
            .collect();
        format!(
            "EVT-01: \"{}\" ({}) {} and shares {}",
            c.title,
            self.local_time(c.start).format("%a %-d %b %Y %H:%M"),
            c.timing,
            shared.join(", ")
        )
    }

    /// Each clash with its words.
    pub(super) fn clash_reports(&self, clashes: Vec<Clash>) -> Vec<ClashReport> {
        clashes
            .into_iter()
            .map(|clash| ClashReport {
                text: self.describe_clash(&clash),
                clash,
            })
            .collect()
    }
}
