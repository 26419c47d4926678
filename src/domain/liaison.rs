//! The liaison gate (EMP-04, EMP-05): whether an operator may contact an employer's key
//! contacts now. Pure: the employer's ownership, its notes and the time come in as arguments.

use chrono::{DateTime, Duration, Utc};

use super::employer::{EngagementKind, EngagementNote, Ownership};
use super::ids::OperatorId;

/// How far back the engagement notes shown for a multi-owner employer reach (EMP-05).
pub const RECENT_DAYS: i64 = 90;

/// What the gate decides for one contact attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate<'n> {
    /// No key contact is involved, or the employer is not a key account: no gate.
    Open,
    /// The operator owns the key account.
    Owner,
    /// The operator liaised with the owner first: this is the liaison.
    Liaised(&'n EngagementNote),
    /// A multi-owner employer: no gate, but the operator should read these recent notes first.
    CheckRecent(Vec<&'n EngagementNote>),
    /// Refused: the operator must liaise with this owner first.
    LiaiseFirst {
        /// The key account's owner.
        owner: OperatorId,
    },
}

impl Gate<'_> {
    /// Whether the contact may go ahead.
    pub fn allows(&self) -> bool {
        !matches!(self, Gate::LiaiseFirst { .. })
    }
}

/// Decides the gate for `operator` contacting an employer with `ownership` at `now`;
/// `key_contact` says whether any of the contacts involved is a key contact, `notes` are the
/// employer's engagement notes. A liaison counts only when it was with the current owner, by
/// this operator, and not dated after `now`; a hand-over therefore needs a fresh liaison.
pub fn decide<'n>(
    ownership: &Ownership,
    operator: OperatorId,
    key_contact: bool,
    notes: &'n [EngagementNote],
    now: DateTime<Utc>,
) -> Gate<'n> {
    match ownership {
        Ownership::Open => Gate::Open,
        Ownership::MultiOwner => {
            let since = now - Duration::days(RECENT_DAYS);
            let mut recent: Vec<&EngagementNote> = notes.iter().filter(|n| n.at >= since && n.at <= now).collect();
            recent.sort_by_key(|n| std::cmp::Reverse(n.at));
            Gate::CheckRecent(recent)
        }
        Ownership::KeyAccount { owner } if *owner == operator => Gate::Owner,
        Ownership::KeyAccount { .. } if !key_contact => Gate::Open,
        Ownership::KeyAccount { owner } => notes
            .iter()
            .filter(|n| {
                n.kind == EngagementKind::Liaison
                    && n.author == operator
                    && n.liaised_with == Some(*owner)
                    && n.at <= now
            })
            .max_by_key(|n| n.at)
            .map_or(Gate::LiaiseFirst { owner: *owner }, Gate::Liaised),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{EmployerId, EngagementId};

    const OWNER: OperatorId = OperatorId(1);
    const OTHER: OperatorId = OperatorId(2);

    fn now() -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::days(400)
    }

    fn note(author: OperatorId, kind: EngagementKind, with: Option<OperatorId>, days_ago: i64) -> EngagementNote {
        EngagementNote {
            id: EngagementId(days_ago as u128),
            employer: EmployerId(1),
            contacts: Vec::new(),
            author,
            at: now() - Duration::days(days_ago),
            kind,
            liaised_with: with,
            text: "agreed".into(),
        }
    }

    #[test]
    fn emp_04_owner_passes_the_gate() {
        let key = Ownership::KeyAccount { owner: OWNER };
        assert_eq!(decide(&key, OWNER, true, &[], now()), Gate::Owner);
    }

    #[test]
    fn emp_04_non_owner_without_liaison_is_refused_naming_the_owner() {
        let key = Ownership::KeyAccount { owner: OWNER };
        // A call is not a liaison, and a liaison by someone else does not count for OTHER.
        let notes = [
            note(OTHER, EngagementKind::Call, None, 1),
            note(OperatorId(3), EngagementKind::Liaison, Some(OWNER), 1),
        ];
        assert_eq!(
            decide(&key, OTHER, true, &notes, now()),
            Gate::LiaiseFirst { owner: OWNER }
        );
        assert!(!decide(&key, OTHER, true, &notes, now()).allows());
    }

    #[test]
    fn emp_04_non_owner_after_liaison_passes() {
        let key = Ownership::KeyAccount { owner: OWNER };
        let notes = [note(OTHER, EngagementKind::Liaison, Some(OWNER), 2)];
        assert_eq!(decide(&key, OTHER, true, &notes, now()), Gate::Liaised(&notes[0]));
    }

    #[test]
    fn emp_04_liaison_with_a_previous_owner_or_in_the_future_does_not_count() {
        let key = Ownership::KeyAccount { owner: OWNER };
        let notes = [
            note(OTHER, EngagementKind::Liaison, Some(OperatorId(9)), 2),
            note(OTHER, EngagementKind::Liaison, Some(OWNER), -1),
        ];
        assert_eq!(
            decide(&key, OTHER, true, &notes, now()),
            Gate::LiaiseFirst { owner: OWNER }
        );
    }

    #[test]
    fn emp_04_no_gate_for_non_key_contacts_or_open_employers() {
        let key = Ownership::KeyAccount { owner: OWNER };
        assert_eq!(decide(&key, OTHER, false, &[], now()), Gate::Open);
        assert_eq!(decide(&Ownership::Open, OTHER, true, &[], now()), Gate::Open);
    }

    #[test]
    fn emp_05_multi_owner_has_no_gate_and_shows_recent_notes_newest_first() {
        let notes = [
            note(OWNER, EngagementKind::Call, None, 200),
            note(OWNER, EngagementKind::Meeting, None, 10),
            note(OWNER, EngagementKind::Email, None, 3),
        ];
        let gate = decide(&Ownership::MultiOwner, OTHER, true, &notes, now());
        assert!(gate.allows());
        assert_eq!(gate, Gate::CheckRecent(vec![&notes[2], &notes[1]]));
    }
}
