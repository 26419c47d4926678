//! Complaints through the desk (CMP-01, CMP-02): about an employer (taken up with the student's
//! permission, or once several students complain about the same employer) or about the service
//! (escalating director, committee, university, one stage at a time, each dated).

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::complaint::{self, stage_name};
use crate::domain::employer::Employer;
use crate::domain::ids::{ComplaintId, EmployerId};
use crate::domain::limits;
use crate::domain::records::{Complaint, ComplaintSubject, EscalationStage};
use crate::domain::validate::{self, StudentNumber};
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// The longest complaint summary, in characters.
pub const COMPLAINT_SUMMARY_CHARS: usize = 2_000;

/// What a new complaint is about, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintAbout {
    /// An employer, by id or unique name; `permission`: the student allows the service to take
    /// it up with the employer (CMP-01).
    Employer {
        /// Employer id or unique name.
        employer: String,
        /// The student's permission to take it up.
        permission: bool,
    },
    /// The careers service itself (CMP-02).
    Service,
}

/// A new complaint, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    /// The complaining client.
    pub client: StudentNumber,
    /// What about.
    pub about: ComplaintAbout,
    /// What happened, in brief.
    pub summary: String,
}

/// A complaint as listed: with the student number, the employer's name and whether it may be
/// taken up with the employer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintLine {
    /// The complaint.
    pub complaint: Complaint,
    /// The client's student number.
    pub student_number: Option<StudentNumber>,
    /// The employer's name, for a complaint about an employer.
    pub employer_name: Option<String>,
    /// For a complaint about an employer: the student gave permission, or (for a supervisor) the
    /// employer is flagged.
    pub may_take_up: bool,
    /// For a supervisor: the distinct clients complaining about this employer, when it is flagged.
    pub employer_flag: Option<usize>,
}

/// An employer flagged to supervisors by complaints from several distinct clients (CMP-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlaggedEmployer {
    /// The employer.
    pub employer: EmployerId,
    /// Its name.
    pub name: String,
    /// Distinct complaining clients.
    pub clients: usize,
}

fn complaint_ref(id: ComplaintId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Complaint,
        id: id.0,
    })
}

impl Desk {
    /// Records a complaint (desk staff, consultants, supervisors; audited).
    pub fn add_complaint(&self, input: &NewComplaint) -> Result<Complaint, DeskError> {
        self.require(Permission::RecordComplaints)?;
        let summary = validate::line("summary", &input.summary, COMPLAINT_SUMMARY_CHARS.min(limits::NOTE))
            .map_err(DeskError::from)?;
        let client = self.client_by_student_number(&input.client)?;
        let (subject, about) = match &input.about {
            ComplaintAbout::Employer { employer, permission } => {
                let e = self.resolve_employer(employer)?;
                (
                    ComplaintSubject::Employer {
                        employer: e.id,
                        permission: *permission,
                    },
                    format!(
                        "complaint about employer {} recorded ({})",
                        e.id,
                        if *permission {
                            "the student allows it to be taken up"
                        } else {
                            "no permission to take it up"
                        }
                    ),
                )
            }
            ComplaintAbout::Service => (
                ComplaintSubject::Service { history: Vec::new() },
                "complaint about the service recorded".to_string(),
            ),
        };
        let now = self.now();
        let complaint = Complaint {
            id: ComplaintId::new_at(now_ms(now)),
            client: client.id,
            subject,
            summary,
            received_at: now,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &complaint);
        ws.audit(self.audit(AuditAction::Create, complaint_ref(complaint.id), about));
        self.commit(ws)?;
        Ok(complaint)
    }

    /// Escalates a complaint about the service to the next stage, dated now (supervisors;
    /// CMP-02). Skipping a stage or going back is refused.
    pub fn escalate_complaint(&self, id: ComplaintId, to: EscalationStage) -> Result<Complaint, DeskError> {
        self.require(Permission::EscalateComplaints)?;
        let old = self.stored_complaint(id)?;
        let new = complaint::escalate(&old, to, self.now()).map_err(DeskError::Escalation)?;
        self.update(
            &old,
            &new,
            self.audit(
                AuditAction::Update,
                complaint_ref(id),
                format!("complaint escalated to the {}", stage_name(to)),
            ),
        )?;
        Ok(new)
    }

    /// Every complaint, newest first; only those about `employer` (id or unique name) if given.
    pub fn complaints(&self, employer: Option<&str>) -> Result<Vec<ComplaintLine>, DeskError> {
        self.require(Permission::RecordComplaints)?;
        let only = match employer {
            Some(e) => Some(self.resolve_employer(e)?.id),
            None => None,
        };
        let all = self.all_complaints()?;
        let flagged = complaint::flagged_employers(&all, self.policy.complaints.alert_threshold);
        let mut out = Vec::new();
        for c in &all {
            let employer = match &c.subject {
                ComplaintSubject::Employer { employer, .. } => Some(*employer),
                ComplaintSubject::Service { .. } => None,
            };
            if only.is_some() && employer != only {
                continue;
            }
            out.push(self.complaint_line(c.clone(), &flagged)?);
        }
        out.sort_by_key(|l| std::cmp::Reverse(l.complaint.received_at));
        Ok(out)
    }

    /// One complaint, with its dated escalation history.
    pub fn complaint(&self, id: ComplaintId) -> Result<ComplaintLine, DeskError> {
        self.require(Permission::RecordComplaints)?;
        let c = self.stored_complaint(id)?;
        let flagged = complaint::flagged_employers(&self.all_complaints()?, self.policy.complaints.alert_threshold);
        self.complaint_line(c, &flagged)
    }

    /// Employers complained about by at least the policy's `[complaints] alert_threshold`
    /// distinct clients, most first (supervisors; CMP-01).
    pub fn flagged_employers(&self) -> Result<Vec<FlaggedEmployer>, DeskError> {
        self.require(Permission::SupervisorReports)?;
        let flagged = complaint::flagged_employers(&self.all_complaints()?, self.policy.complaints.alert_threshold);
        let mut out = Vec::new();
        for (id, clients) in flagged {
            let name = self
                .store
                .get::<Employer>(id.0)?
                .map_or_else(|| format!("employer {id}"), |e| e.name);
            out.push(FlaggedEmployer {
                employer: id,
                name,
                clients,
            });
        }
        out.sort_by(|a, b| b.clients.cmp(&a.clients).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
    }

    /// For a supervisor, the distinct clients complaining about `employer` when that flags it;
    /// `None` for everyone else and for employers not flagged.
    pub fn employer_complaint_flag(&self, employer: EmployerId) -> Result<Option<usize>, DeskError> {
        if !self.may(Permission::SupervisorReports) {
            return Ok(None);
        }
        Ok(self
            .flagged_employers()?
            .into_iter()
            .find(|f| f.employer == employer)
            .map(|f| f.clients))
    }

    fn all_complaints(&self) -> Result<Vec<Complaint>, DeskError> {
        Ok(self.store.scan::<Complaint>()?.filter_map(Result::ok).collect())
    }

    fn stored_complaint(&self, id: ComplaintId) -> Result<Complaint, DeskError> {
        self.store
            .get::<Complaint>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no complaint has id {id}; `complaint list` shows them")))
    }

    fn complaint_line(
        &self,
        c: Complaint,
        flagged: &std::collections::BTreeMap<EmployerId, usize>,
    ) -> Result<ComplaintLine, DeskError> {
        let student_number = self
            .store
            .get::<crate::domain::client::Client>(c.client.0)?
            .map(|cl| cl.student_number);
        let supervisor = self.may(Permission::SupervisorReports);
        let (employer_name, may_take_up, employer_flag) = match &c.subject {
            ComplaintSubject::Employer { employer, .. } => {
                let name = self
                    .store
                    .get::<Employer>(employer.0)?
                    .map_or_else(|| format!("employer {employer}"), |e| e.name);
                // The flag is for supervisors (CMP-01): others see only the student's permission.
                let flag = flagged.get(employer).copied().filter(|_| supervisor);
                (Some(name), complaint::may_take_up(&c, flag.is_some()), flag)
            }
            ComplaintSubject::Service { .. } => (None, false, None),
        };
        Ok(ComplaintLine {
            complaint: c,
            student_number,
            employer_name,
            may_take_up,
            employer_flag,
        })
    }
}
