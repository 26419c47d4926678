//! Notes on clients and appointments, with revisions (SEC-04, APPT-07), and who may read a
//! note's body at which access level ([`read_access`], the one place that decides it).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{AppointmentId, ClientId, NoteId, OperatorId};
use super::operator::Role;

/// Whether a note was taken in a confidential setting (APPT-07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidentiality {
    /// Taken in a private room or pod.
    Confidential,
    /// Taken in an open area (drop-in, desk, applications advice): labelled so.
    NotConfidential,
}

/// Who may read a note's body without a break-glass reason (SEC-04). Desk staff never may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    /// Everyone in the service who reads notes: consultants, supervisors, administrators and
    /// employer-relations staff. The default for notes taken in an open setting.
    WholeService,
    /// Consultants, supervisors and administrators. The default in a confidential setting.
    Consultants,
    /// The note's author alone; anyone else who reads notes must give a break-glass reason.
    AuthorOnly,
}

impl AccessLevel {
    /// Every level, loosest first.
    pub const ALL: [AccessLevel; 3] = [
        AccessLevel::WholeService,
        AccessLevel::Consultants,
        AccessLevel::AuthorOnly,
    ];

    /// The level a note gets when its author names none, from its setting's label (APPT-07):
    /// a confidential setting keeps it among consultants, an open one opens it to the service.
    pub fn default_for(confidentiality: Confidentiality) -> AccessLevel {
        match confidentiality {
            Confidentiality::Confidential => AccessLevel::Consultants,
            Confidentiality::NotConfidential => AccessLevel::WholeService,
        }
    }

    /// The code typed and shown: `author-only`, `consultants`, `whole-service`.
    pub fn code(self) -> &'static str {
        match self {
            AccessLevel::WholeService => "whole-service",
            AccessLevel::Consultants => "consultants",
            AccessLevel::AuthorOnly => "author-only",
        }
    }

    /// The level with this code, or a message listing the codes.
    pub fn parse(text: &str) -> Result<AccessLevel, String> {
        let t = text.trim();
        AccessLevel::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                format!(
                    "{} is not a note level; use author-only, consultants or whole-service",
                    super::text::quote(t)
                )
            })
    }

    /// Whether a note of this setting may be given `self`: never looser than the setting's
    /// default, so a note from a private room cannot be opened to the whole service.
    pub fn allowed_for(self, confidentiality: Confidentiality) -> bool {
        self >= AccessLevel::default_for(confidentiality)
    }
}

/// Whether a reader may see a note's body (SEC-04).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAccess {
    /// Within the reader's level.
    Allowed,
    /// Above the reader's level: allowed only with a break-glass reason, which is audited and
    /// flagged to supervisors.
    BreakGlass,
    /// Never, reason or not (desk staff; employer relations above whole-service notes).
    Never,
}

/// Decides whether an operator with `roles` (id `reader`) may read the body of a note written
/// by `author` at `level`. Desk staff never; the author always; consultants, supervisors and
/// administrators up to consultants' notes and by break-glass above; employer-relations staff
/// whole-service notes only.
pub fn read_access(roles: &[Role], reader: OperatorId, author: Option<OperatorId>, level: AccessLevel) -> ReadAccess {
    let guidance = roles
        .iter()
        .any(|r| matches!(r, Role::Consultant | Role::Supervisor | Role::Admin));
    let service = guidance || roles.contains(&Role::EmployerRelations);
    if !service {
        return ReadAccess::Never;
    }
    if author == Some(reader) {
        return ReadAccess::Allowed;
    }
    match (level, guidance) {
        (AccessLevel::WholeService, _) | (AccessLevel::Consultants, true) => ReadAccess::Allowed,
        (AccessLevel::AuthorOnly, true) => ReadAccess::BreakGlass,
        (_, false) => ReadAccess::Never,
    }
}

/// One version of a note's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRevision {
    /// Who wrote this version.
    pub by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// The text.
    pub body: String,
}

/// A note: every revision is kept, the last is current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Record id.
    pub id: NoteId,
    /// The client it is about.
    pub client: ClientId,
    /// The appointment it was written for, if any.
    pub appointment: Option<AppointmentId>,
    /// Confidentiality label from the setting.
    pub confidentiality: Confidentiality,
    /// Who may read the body without a break-glass reason (format 2; older notes read with the
    /// default for their label).
    pub level: AccessLevel,
    /// Revisions, oldest first; never empty.
    pub revisions: Vec<NoteRevision>,
    /// Set when concurrent edits from two devices were both kept and need a person to look.
    pub needs_review: bool,
}

impl Note {
    /// The current revision.
    pub fn current(&self) -> Option<&NoteRevision> {
        self.revisions.last()
    }

    /// Who wrote the first revision: the note's author, whom the level always admits.
    pub fn author(&self) -> Option<OperatorId> {
        self.revisions.first().map(|r| r.by)
    }
}

/// A note as written before it carried an access level (record format 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteV1 {
    /// Record id.
    pub id: NoteId,
    /// The client.
    pub client: ClientId,
    /// The appointment.
    pub appointment: Option<AppointmentId>,
    /// Label.
    pub confidentiality: Confidentiality,
    /// Revisions.
    pub revisions: Vec<NoteRevision>,
    /// Needs review.
    pub needs_review: bool,
}

impl From<NoteV1> for Note {
    fn from(v: NoteV1) -> Note {
        Note {
            id: v.id,
            client: v.client,
            appointment: v.appointment,
            confidentiality: v.confidentiality,
            level: AccessLevel::default_for(v.confidentiality),
            revisions: v.revisions,
            needs_review: v.needs_review,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccessLevel::*;
    use ReadAccess::*;

    const AUTHOR: OperatorId = OperatorId(1);
    const OTHER: OperatorId = OperatorId(2);

    fn access(roles: &[Role], reader: OperatorId, level: AccessLevel) -> ReadAccess {
        read_access(roles, reader, Some(AUTHOR), level)
    }

    #[test]
    fn sec_04_desk_staff_never_read_a_body_at_any_level() {
        for level in AccessLevel::ALL {
            assert_eq!(access(&[Role::Desk], OTHER, level), Never, "{level:?}");
            // Not even a note they are somehow recorded as writing.
            assert_eq!(access(&[Role::Desk], AUTHOR, level), Never, "{level:?}");
            assert_eq!(access(&[], OTHER, level), Never, "{level:?}");
        }
    }

    #[test]
    fn sec_04_the_author_always_reads_their_own_note() {
        for roles in [&[Role::Consultant][..], &[Role::Supervisor], &[Role::EmployerRelations]] {
            for level in AccessLevel::ALL {
                assert_eq!(access(roles, AUTHOR, level), Allowed, "{roles:?} {level:?}");
            }
        }
    }

    #[test]
    fn sec_04_consultants_supervisors_and_admins_read_up_to_consultants_and_break_glass_above() {
        for role in [Role::Consultant, Role::Supervisor, Role::Admin] {
            assert_eq!(access(&[role], OTHER, WholeService), Allowed, "{role:?}");
            assert_eq!(access(&[role], OTHER, Consultants), Allowed, "{role:?}");
            assert_eq!(access(&[role], OTHER, AuthorOnly), BreakGlass, "{role:?}");
            // A desk role beside it takes nothing away.
            assert_eq!(access(&[Role::Desk, role], OTHER, Consultants), Allowed, "{role:?}");
        }
    }

    #[test]
    fn sec_04_employer_relations_read_whole_service_notes_only() {
        let er = [Role::EmployerRelations];
        assert_eq!(access(&er, OTHER, WholeService), Allowed);
        assert_eq!(access(&er, OTHER, Consultants), Never);
        assert_eq!(access(&er, OTHER, AuthorOnly), Never);
        // A note with no recorded author admits nobody as its author.
        assert_eq!(read_access(&er, OTHER, None, Consultants), Never);
        assert_eq!(read_access(&[Role::Consultant], OTHER, None, AuthorOnly), BreakGlass);
    }

    #[test]
    fn appt_07_the_default_level_follows_the_setting_and_is_a_floor() {
        assert_eq!(AccessLevel::default_for(Confidentiality::Confidential), Consultants);
        assert_eq!(AccessLevel::default_for(Confidentiality::NotConfidential), WholeService);
        assert!(!WholeService.allowed_for(Confidentiality::Confidential));
        assert!(Consultants.allowed_for(Confidentiality::Confidential));
        assert!(AuthorOnly.allowed_for(Confidentiality::Confidential));
        for level in AccessLevel::ALL {
            assert!(level.allowed_for(Confidentiality::NotConfidential));
            assert_eq!(AccessLevel::parse(level.code()), Ok(level));
        }
        assert!(AccessLevel::parse("secret").unwrap_err().contains("author-only"));
    }
}
