//! Complaint rules (CMP-01, CMP-02): the escalation ladder for complaints about the service and
//! the alert on employers that several students complain about. Pure: no IO, time passed in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::ids::{ClientId, EmployerId};
use super::records::{Complaint, ComplaintSubject, EscalationStage};

/// The stages in the order a service complaint climbs them (CMP-02).
pub const LADDER: [EscalationStage; 3] = [
    EscalationStage::Director,
    EscalationStage::Committee,
    EscalationStage::University,
];

/// A stage's name, as typed on the command line.
pub fn stage_name(s: EscalationStage) -> &'static str {
    match s {
        EscalationStage::Director => "director",
        EscalationStage::Committee => "committee",
        EscalationStage::University => "university",
    }
}

/// Reads a stage a user typed; `None` when it is none of them.
pub fn parse_stage(raw: &str) -> Option<EscalationStage> {
    let raw = raw.trim().to_ascii_lowercase();
    LADDER.into_iter().find(|s| stage_name(*s) == raw)
}

/// The stage a service complaint has reached, if any.
pub fn current_stage(history: &[(EscalationStage, DateTime<Utc>)]) -> Option<EscalationStage> {
    history.last().map(|(s, _)| *s)
}

/// The one stage a complaint may go to next; `None` at the top of the ladder.
pub fn next_stage(history: &[(EscalationStage, DateTime<Utc>)]) -> Option<EscalationStage> {
    match current_stage(history) {
        None => Some(LADDER[0]),
        Some(s) => LADDER
            .iter()
            .position(|l| *l == s)
            .and_then(|i| LADDER.get(i + 1).copied()),
    }
}

/// Why an escalation is refused (CMP-02).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscalationRefused {
    /// Complaints about an employer do not escalate through the service's stages.
    #[error("only complaints about the service escalate; this one is about an employer")]
    NotAboutTheService,
    /// The stage asked for is not the next one.
    #[error("{}", skip_message(*.current, *.asked))]
    OutOfOrder {
        /// Where the complaint stands.
        current: Option<EscalationStage>,
        /// Where it was asked to go.
        asked: EscalationStage,
    },
}

fn skip_message(current: Option<EscalationStage>, asked: EscalationStage) -> String {
    let at = current.map_or_else(
        || "has not been escalated yet".to_string(),
        |s| format!("is with the {}", stage_name(s)),
    );
    let next = next_stage(&current.map(|s| vec![(s, DateTime::UNIX_EPOCH)]).unwrap_or_default());
    let then = match next {
        Some(n) => format!("it can go to the {} next", stage_name(n)),
        None => "it is at the last stage and goes no further".to_string(),
    };
    format!(
        "the complaint {at}, so it cannot go to the {}: complaints about the service go to the director, then the committee, then the university, one stage at a time and never back; {then}",
        stage_name(asked)
    )
}

/// The complaint escalated to `to` at `at`, or why not: only the next stage on the ladder.
pub fn escalate(complaint: &Complaint, to: EscalationStage, at: DateTime<Utc>) -> Result<Complaint, EscalationRefused> {
    let ComplaintSubject::Service { history } = &complaint.subject else {
        return Err(EscalationRefused::NotAboutTheService);
    };
    if next_stage(history) != Some(to) {
        return Err(EscalationRefused::OutOfOrder {
            current: current_stage(history),
            asked: to,
        });
    }
    let mut out = complaint.clone();
    let mut history = history.clone();
    history.push((to, at));
    out.subject = ComplaintSubject::Service { history };
    Ok(out)
}

/// Employers complained about by at least `threshold` distinct clients, with how many (CMP-01).
pub fn flagged_employers<'a>(
    complaints: impl IntoIterator<Item = &'a Complaint>,
    threshold: u32,
) -> BTreeMap<EmployerId, usize> {
    let mut by_employer: BTreeMap<EmployerId, BTreeSet<ClientId>> = BTreeMap::new();
    for c in complaints {
        if let ComplaintSubject::Employer { employer, .. } = &c.subject {
            by_employer.entry(*employer).or_default().insert(c.client);
        }
    }
    by_employer
        .into_iter()
        .map(|(e, clients)| (e, clients.len()))
        .filter(|(_, n)| *n >= threshold.max(1) as usize)
        .collect()
}

/// Whether the service may take a complaint up with the employer: with the student's
/// permission, or when the employer is flagged by several students' complaints (CMP-01).
pub fn may_take_up(complaint: &Complaint, employer_flagged: bool) -> bool {
    match &complaint.subject {
        ComplaintSubject::Employer { permission, .. } => *permission || employer_flagged,
        ComplaintSubject::Service { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::ComplaintId;

    fn service() -> Complaint {
        Complaint {
            id: ComplaintId(1),
            client: ClientId(1),
            subject: ComplaintSubject::Service { history: Vec::new() },
            summary: "waited an hour".into(),
            received_at: DateTime::UNIX_EPOCH,
        }
    }

    fn about(employer: u128, client: u128, permission: bool) -> Complaint {
        Complaint {
            id: ComplaintId(client * 100 + employer),
            client: ClientId(client),
            subject: ComplaintSubject::Employer {
                employer: EmployerId(employer),
                permission,
            },
            summary: "unpaid trial shift".into(),
            received_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn cmp_02_stages_go_in_order_only() {
        let t = DateTime::UNIX_EPOCH;
        let c = service();
        assert!(matches!(
            escalate(&c, EscalationStage::Committee, t),
            Err(EscalationRefused::OutOfOrder { current: None, .. })
        ));
        let c = escalate(&c, EscalationStage::Director, t).unwrap();
        let c = escalate(&c, EscalationStage::Committee, t).unwrap();
        assert!(escalate(&c, EscalationStage::Director, t).is_err(), "never back");
        assert!(escalate(&c, EscalationStage::Committee, t).is_err(), "not twice");
        let c = escalate(&c, EscalationStage::University, t).unwrap();
        let err = escalate(&c, EscalationStage::University, t).unwrap_err().to_string();
        assert!(err.contains("last stage"), "{err}");
        assert_eq!(
            escalate(&about(1, 1, true), EscalationStage::Director, t),
            Err(EscalationRefused::NotAboutTheService)
        );
    }

    #[test]
    fn cmp_01_an_employer_is_flagged_by_distinct_clients_only() {
        let list = [
            about(7, 1, false),
            about(7, 1, false),
            about(7, 2, false),
            about(8, 3, true),
        ];
        assert!(flagged_employers(&list, 3).is_empty(), "one client twice counts once");
        let flagged = flagged_employers(&list, 2);
        assert_eq!(flagged.get(&EmployerId(7)), Some(&2));
        assert!(!flagged.contains_key(&EmployerId(8)));
        assert!(!may_take_up(&list[0], false));
        assert!(may_take_up(&list[0], true));
        assert!(may_take_up(&list[3], false));
    }
}
