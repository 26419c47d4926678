//! Retention (DATA-02): clients whose retention period has ended are erased, keeping only
//! de-identified counts. `careerdesk purge [--dry-run]`.

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::paths::Paths;
use crate::store::{Progress, WriteSet};

use super::erasure::ErasedIds;
use super::{Desk, DeskError};

/// One client past the retention limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PastRetention {
    /// Student number (shown in a dry run, to supervisors).
    pub student_number: String,
    /// When their course ended.
    pub course_end: chrono::NaiveDate,
    /// The last day the policy let their data be kept.
    pub kept_until: chrono::NaiveDate,
}

/// What a purge found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purge {
    /// Whether anything was erased (false for a dry run).
    pub erased: bool,
    /// The clients past the limit, oldest limit first.
    pub clients: Vec<PastRetention>,
    /// Records removed in all.
    pub records: usize,
    /// Resolved enquiries whose correspondence is past its keeping (DATA-03): removed, or for
    /// a dry run, to be removed. Their summaries stay.
    pub enquiry_bodies: usize,
    /// Who was erased, for the lookups kept in memory (never shown, written out or logged).
    #[serde(skip)]
    pub erased_ids: ErasedIds,
}

/// Clients erased per commit by a purge: one pass over the trees without a client index, one
/// sync of the key file and one visit to each backup serve the whole batch.
const PURGE_BATCH: usize = 100;

/// The setting naming the last day the start-up purge ran on this store.
const PURGE_DAY: &str = "retention-purge-day";

/// What the start-up purge came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoPurge {
    /// It already ran today.
    NotDue,
    /// This desk syncs, and the server takes erasures only from those who may erase
    /// (decision 0022): it waits for a supervisor's or an administrator's sign-in, on any desk
    /// (the purge done there reaches every desk).
    LeftToEraser,
    /// It ran: how many clients were erased, records removed and e-mail bodies removed.
    Ran {
        /// Clients erased.
        clients: usize,
        /// Records removed with them.
        records: usize,
        /// Resolved enquiries' correspondence removed.
        enquiry_bodies: usize,
        /// Who was erased (for the screen's lookup; its `Debug` says only how many).
        erased: ErasedIds,
    },
}

impl AutoPurge {
    /// Whether it erased any client (the screen's lookup must then be loaded again).
    pub fn erased_anyone(&self) -> bool {
        matches!(self, AutoPurge::Ran { clients, .. } if *clients > 0)
    }

    /// Who was erased (none when it did not run).
    pub fn erased(&self) -> &[crate::domain::ids::ClientId] {
        match self {
            AutoPurge::Ran { erased, .. } => erased.ids(),
            AutoPurge::NotDue | AutoPurge::LeftToEraser => &[],
        }
    }

    /// A line for the status bar when something went, else `None`.
    pub fn summary(&self) -> Option<String> {
        match *self {
            AutoPurge::Ran {
                clients,
                enquiry_bodies,
                ..
            } if clients + enquiry_bodies > 0 => Some(format!(
                "Retention purge: {clients} client(s) past the policy's limit erased, the correspondence of {enquiry_bodies} resolved enquiry(ies) removed."
            )),
            _ => None,
        }
    }
}

impl Desk {
    /// Finds the clients whose retention period has ended (DATA-02: the policy's years after
    /// the end of the academic year in which their course ended) and, unless `dry_run`,
    /// erases each as [`Desk::erase_client`] does, telling `progress` how far it has got.
    /// Clients with no course end are kept. Supervisors and administrators; audited.
    pub fn purge(&self, paths: &Paths, dry_run: bool, progress: Progress<'_>) -> Result<Purge, DeskError> {
        self.require(Permission::Erase)?;
        self.run_purge(paths, dry_run, progress)
    }

    /// The retention purge a session runs when it starts (DATA-02, DATA-03): at most once a
    /// day on this store, whoever is signed in, since the policy asks for it. Erases exactly
    /// what [`Desk::purge`] would, and says how much, never who.
    pub fn purge_if_due(&self, paths: &Paths) -> Result<AutoPurge, DeskError> {
        self.require(Permission::AutomaticPurge)?;
        if !self.may(Permission::Erase) && self.is_enrolled()? {
            return Ok(AutoPurge::LeftToEraser);
        }
        let today = self.today().format("%Y-%m-%d").to_string();
        if self.store.setting(PURGE_DAY)?.as_deref() == Some(today.as_bytes()) {
            return Ok(AutoPurge::NotDue);
        }
        let done = self.run_purge(paths, false, &crate::store::no_progress)?;
        self.store.set_setting(PURGE_DAY, Some(today.as_bytes()))?;
        Ok(AutoPurge::Ran {
            clients: done.clients.len(),
            records: done.records,
            enquiry_bodies: done.enquiry_bodies,
            erased: done.erased_ids,
        })
    }

    fn run_purge(&self, paths: &Paths, dry_run: bool, progress: Progress<'_>) -> Result<Purge, DeskError> {
        let today = self.today();
        let mut due: Vec<(Client, PastRetention)> = Vec::new();
        for c in self.store.scan::<Client>()? {
            let c = match c {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("purge: {e}");
                    continue;
                }
            };
            if let Some(end) = c.course_end {
                if self.policy.past_retention(end, today) {
                    let line = PastRetention {
                        student_number: c.student_number.to_string(),
                        course_end: end,
                        kept_until: self.policy.retention_until(end),
                    };
                    due.push((c, line));
                }
            }
        }
        due.sort_by(|a, b| {
            a.1.kept_until
                .cmp(&b.1.kept_until)
                .then_with(|| a.1.student_number.cmp(&b.1.student_number))
        });
        let mut done = Purge {
            erased: !dry_run,
            clients: due.iter().map(|(_, l)| l.clone()).collect(),
            records: 0,
            enquiry_bodies: self.purge_enquiry_bodies(dry_run)?,
            erased_ids: ErasedIds::default(),
        };
        if dry_run || due.is_empty() {
            return Ok(done);
        }
        let total = due.len() as u64;
        let reason = format!(
            "retention period ended (DATA-02: {} year(s) after the academic year the course ended)",
            self.policy.retention.years
        );
        let mut left = due.into_iter().map(|(c, _)| c).peekable();
        let mut erased = 0u64;
        while left.peek().is_some() {
            progress("erasing clients past retention", erased, total);
            let batch: Vec<Client> = left.by_ref().take(PURGE_BATCH).collect();
            erased += batch.len() as u64;
            let one = self.erase_each(paths, batch, &reason)?;
            done.records += one.records;
            done.erased_ids.extend(one.erased);
        }
        progress("erasing clients past retention", total, total);
        let mut ws = WriteSet::new();
        ws.audit_kept(self.audit(
            AuditAction::Erase,
            None,
            format!("retention purge: {total} client(s) erased, {} record(s)", done.records),
        ));
        self.commit(ws)?;
        Ok(done)
    }
}
