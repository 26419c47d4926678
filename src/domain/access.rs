//! Who may do what (SEC-03, SEC-04, SEC-05, SEC-06): the one place that decides permissions.

use chrono::NaiveDate;

use super::operator::{Grant, Operator, Role};
use super::EntityKind;

/// An action that needs a right. Every write path in `desk` names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Look up clients and see their card (name, programme, status).
    ViewClients,
    /// See a client's e-mail and phone.
    ViewContactDetails,
    /// Add clients and edit their contact details (e-mail, phone, contact preferences).
    EditClients,
    /// Change a client's study record: programme, school, level, status, course end. These
    /// decide eligibility (APPT-01) and retention (DATA-02), so desk staff may not.
    EditStudyRecord,
    /// Import clients from a file.
    ImportClients,
    /// Book, cancel and check in appointments.
    Book,
    /// Add and withdraw calendar slots.
    ManageSlots,
    /// Read the body of a note (SEC-04) up to one's level (`note::read_access`); every read is
    /// audited.
    ReadNoteBodies,
    /// Read the content of a client's uploaded files (DATA-01); every read is audited.
    ReadAttachments,
    /// Write notes and record outcomes.
    WriteNotes,
    /// Waive a no-show or late cancellation (APPT-03).
    Waive,
    /// Confirm or lift a booking block (APPT-04).
    Block,
    /// Create, edit and suspend operator accounts.
    ManageOperators,
    /// Employer profiles, contacts, engagement notes and events.
    ManageEmployers,
    /// Bulk e-mail to employer contacts (SEC-06).
    BulkEmail,
    /// Identifying reports and the audit log.
    SupervisorReports,
    /// Erase a client (DATA-05).
    Erase,
    /// Raise, refer and see wellbeing concerns about a client (DATA-06).
    Wellbeing,
    /// Fill the store with generated demo data.
    GenerateDemo,
    /// Check, re-index, compact, back up and restore the store (maintenance).
    MaintainStore,
    /// Make the policy's automatic daily backup: any signed-in operator's session may, since
    /// the policy asks for it, not the operator.
    AutomaticBackup,
    /// Run the policy's retention purge when a session starts (DATA-02): any signed-in
    /// operator's session may, since the policy asks for it, not the operator.
    AutomaticPurge,
    /// Record complaints and read them (CMP-01, CMP-02).
    RecordComplaints,
    /// Escalate a complaint about the service to its next stage (CMP-02).
    EscalateComplaints,
    /// Sync this desk with the server: every role's desk syncs; each op carries its own
    /// operator, whose rights are what count.
    Sync,
    /// Take a change the sync server refused off the conflicts queue, once it has been done
    /// again by someone whose role allows it (decision 0022).
    DismissRefused,
}

impl Permission {
    /// Every permission, in the order of the role matrix in `docs/security.md`.
    pub const ALL: [Permission; 26] = [
        Permission::ViewClients,
        Permission::ViewContactDetails,
        Permission::EditClients,
        Permission::EditStudyRecord,
        Permission::ImportClients,
        Permission::Book,
        Permission::ManageSlots,
        Permission::ReadNoteBodies,
        Permission::ReadAttachments,
        Permission::WriteNotes,
        Permission::Waive,
        Permission::Block,
        Permission::ManageOperators,
        Permission::ManageEmployers,
        Permission::BulkEmail,
        Permission::SupervisorReports,
        Permission::Erase,
        Permission::Wellbeing,
        Permission::GenerateDemo,
        Permission::MaintainStore,
        Permission::AutomaticBackup,
        Permission::AutomaticPurge,
        Permission::RecordComplaints,
        Permission::EscalateComplaints,
        Permission::Sync,
        Permission::DismissRefused,
    ];

    /// Whether the permission changes data: writes need completed training (SEC-05).
    pub fn is_write(self) -> bool {
        !matches!(
            self,
            Permission::ViewClients
                | Permission::ViewContactDetails
                | Permission::ReadNoteBodies
                | Permission::ReadAttachments
                | Permission::SupervisorReports
                | Permission::AutomaticBackup
                | Permission::AutomaticPurge
                | Permission::Sync
        )
    }

    /// A short phrase for messages, e.g. "edit clients".
    pub fn describe(self) -> &'static str {
        match self {
            Permission::ViewClients => "look up clients",
            Permission::ViewContactDetails => "see client contact details",
            Permission::EditClients => "edit clients",
            Permission::EditStudyRecord => "change a client's programme, school, level, status or course end",
            Permission::ImportClients => "import clients",
            Permission::Book => "book appointments and event places, mark attendance",
            Permission::ManageSlots => "manage calendar slots",
            Permission::ReadNoteBodies => "read note bodies",
            Permission::ReadAttachments => "read attachments",
            Permission::WriteNotes => "write notes and record outcomes",
            Permission::Waive => "waive no-shows",
            Permission::Block => "block clients",
            Permission::ManageOperators => "manage operator accounts",
            Permission::ManageEmployers => "manage employers and events (and message those absent from an event)",
            Permission::BulkEmail => "send bulk e-mail to employer contacts",
            Permission::SupervisorReports => "run identifying reports and read the audit log",
            Permission::Erase => "erase clients",
            Permission::Wellbeing => "raise, refer and see wellbeing concerns",
            Permission::GenerateDemo => "generate demo data",
            Permission::MaintainStore => "maintain the store",
            Permission::AutomaticBackup => "make the automatic daily backup",
            Permission::AutomaticPurge => "run the retention purge at start-up",
            Permission::RecordComplaints => "record and read complaints",
            Permission::EscalateComplaints => "escalate complaints about the service",
            Permission::Sync => "sync this desk with the server",
            Permission::DismissRefused => "dismiss a change the sync server refused",
        }
    }
}

/// Whether a role carries a permission, training aside.
fn role_allows(role: Role, p: Permission) -> bool {
    use Permission as P;
    match role {
        Role::Admin => true,
        Role::Supervisor => !matches!(
            p,
            P::ManageOperators | P::GenerateDemo | P::BulkEmail | P::MaintainStore
        ),
        _ if matches!(p, P::AutomaticBackup | P::AutomaticPurge | P::Sync) => true,
        Role::Consultant => matches!(
            p,
            P::ViewClients
                | P::ViewContactDetails
                | P::EditClients
                | P::EditStudyRecord
                | P::Book
                | P::ManageSlots
                | P::ReadNoteBodies
                | P::ReadAttachments
                | P::WriteNotes
                | P::Waive
                | P::Wellbeing
                | P::RecordComplaints
        ),
        Role::Desk => matches!(
            p,
            P::ViewClients | P::ViewContactDetails | P::EditClients | P::Book | P::ManageSlots | P::RecordComplaints
        ),
        // Note bodies at the whole-service level only: `note::read_access` decides per note.
        Role::EmployerRelations => matches!(p, P::ViewClients | P::ManageEmployers | P::ReadNoteBodies),
    }
}

/// The permissions any one of which lets an op change records of `kind` (decision 0022, step
/// 4): what the desk's write paths for that kind require. The desk checks every commit against
/// it and the sync server every op it is pushed, so a desk that is not running this code, or
/// whose records were edited, cannot change what its operator's roles do not reach. An erasure
/// is checked on its own ([`Permission::Erase`]) and may remove records of every kind.
///
/// Appointments, slots, event places and messages also list [`Permission::Sync`]: the server's
/// decisions about bookings and places (decisions 0020, 0023) are settled on the desk that made
/// them by whoever is signed in there at the time.
pub fn writers(kind: EntityKind) -> &'static [Permission] {
    use Permission as P;
    match kind {
        EntityKind::Client => &[
            P::EditClients,
            P::EditStudyRecord,
            P::ImportClients,
            P::Book,
            P::WriteNotes,
            P::Waive,
            P::Block,
        ],
        EntityKind::Operator => &[P::ManageOperators],
        EntityKind::Slot => &[P::ManageSlots, P::Book, P::Sync],
        EntityKind::Appointment => &[P::Book, P::WriteNotes, P::Waive, P::Block, P::Sync],
        EntityKind::Note => &[P::WriteNotes],
        EntityKind::Enquiry | EntityKind::Consent | EntityKind::Attachment | EntityKind::AttachmentContent => {
            &[P::EditClients]
        }
        EntityKind::Employer | EntityKind::Contact | EntityKind::Vacancy => &[P::ManageEmployers],
        EntityKind::Engagement => &[P::ManageEmployers, P::BulkEmail],
        EntityKind::Event => &[P::ManageEmployers, P::Book],
        EntityKind::EventBooking => &[P::Book, P::ManageEmployers, P::Sync],
        EntityKind::Complaint => &[P::RecordComplaints, P::EscalateComplaints],
        EntityKind::Feedback => &[P::EditClients, P::ManageEmployers],
        EntityKind::QueueEntry => &[P::Book],
        EntityKind::Message => &[P::Book, P::BulkEmail, P::ManageEmployers, P::Sync],
        EntityKind::Concern => &[P::Wellbeing],
    }
}

/// Decides whether `op` may change records of each of `kinds` on `today` ([`writers`]). A
/// suspension or missing training is named before a missing role.
pub fn check_changes(op: &Operator, kinds: &[EntityKind], today: NaiveDate) -> Result<(), Denial> {
    for &kind in kinds {
        let denials: Vec<Denial> = writers(kind)
            .iter()
            .filter_map(|p| check(op, *p, today).err())
            .collect();
        if denials.len() < writers(kind).len() {
            continue;
        }
        let first = |f: fn(&Denial) -> bool| denials.iter().find(|d| f(d)).cloned();
        return Err(first(|d| matches!(d, Denial::Suspended { .. }))
            .or_else(|| first(|d| matches!(d, Denial::Untrained { .. })))
            .unwrap_or_else(|| Denial::MayNotChange {
                login: op.login.to_string(),
                roles: op.roles_text(),
                records: kind.noun(),
            }));
    }
    Ok(())
}

/// Why an operator may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// The account is suspended (SEC-03).
    #[error("{login}'s account is suspended ({reason}); ask an administrator")]
    Suspended {
        /// Who.
        login: String,
        /// Why.
        reason: String,
    },
    /// No role of the operator carries the right (SEC-05).
    #[error("{login} ({roles}) may not {action}; ask a supervisor or administrator")]
    NoRole {
        /// Who.
        login: String,
        /// Their roles.
        roles: String,
        /// What they tried.
        action: &'static str,
    },
    /// The operator has not completed training, so may only read (SEC-05).
    #[error("{login} may not {action} until training is recorded as completed; ask an administrator to set the training date")]
    Untrained {
        /// Who.
        login: String,
        /// What they tried.
        action: &'static str,
    },
    /// No role of the operator writes records of a kind (decision 0022, step 4).
    #[error("{login} ({roles}) may not change {records} records; ask a supervisor or administrator")]
    MayNotChange {
        /// Who.
        login: String,
        /// Their roles.
        roles: String,
        /// The kind of record.
        records: &'static str,
    },
    /// Bulk e-mail needs its own grant (SEC-06).
    #[error("{login} may not send bulk e-mail to employer contacts: it needs the bulk-email grant, given only to trained staff")]
    NoGrant {
        /// Who.
        login: String,
    },
}

/// Decides whether `op` may do `p` on `today`.
pub fn check(op: &Operator, p: Permission, today: NaiveDate) -> Result<(), Denial> {
    if let Some(s) = &op.suspension {
        return Err(Denial::Suspended {
            login: op.login.to_string(),
            reason: s.reason.clone(),
        });
    }
    if p == Permission::BulkEmail {
        if !op.grants.contains(&Grant::BulkEmail) && !op.has_role(Role::Admin) {
            return Err(Denial::NoGrant {
                login: op.login.to_string(),
            });
        }
    } else if !op.roles.iter().any(|r| role_allows(*r, p)) {
        return Err(Denial::NoRole {
            login: op.login.to_string(),
            roles: op.roles_text(),
            action: p.describe(),
        });
    }
    if p.is_write() && !op.is_trained(today) {
        return Err(Denial::Untrained {
            login: op.login.to_string(),
            action: p.describe(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client::Suspension;
    use crate::domain::ids::OperatorId;
    use crate::domain::operator::Login;
    use chrono::{TimeZone, Utc};

    fn op(roles: &[Role], trained: Option<&str>) -> Operator {
        Operator {
            id: OperatorId(1),
            login: Login::parse("sam").unwrap(),
            name: "Sam".into(),
            roles: roles.to_vec(),
            grants: vec![],
            trained_on: trained.map(|d| d.parse().unwrap()),
            suspension: None,
            created_at: Utc.timestamp_opt(0, 0).unwrap(),
        }
    }

    fn today() -> NaiveDate {
        "2026-11-20".parse().unwrap()
    }

    #[test]
    fn sec_04_desk_staff_never_read_note_bodies() {
        let desk = op(&[Role::Desk], Some("2026-01-01"));
        assert!(matches!(
            check(&desk, Permission::ReadNoteBodies, today()),
            Err(Denial::NoRole { .. })
        ));
        let consultant = op(&[Role::Consultant], Some("2026-01-01"));
        assert!(check(&consultant, Permission::ReadNoteBodies, today()).is_ok());
    }

    #[test]
    fn sec_05_writes_need_completed_training() {
        let untrained = op(&[Role::Desk], None);
        assert!(check(&untrained, Permission::ViewClients, today()).is_ok());
        assert!(matches!(
            check(&untrained, Permission::EditClients, today()),
            Err(Denial::Untrained { .. })
        ));
        let future = op(&[Role::Desk], Some("2026-12-01"));
        assert!(matches!(
            check(&future, Permission::Book, today()),
            Err(Denial::Untrained { .. })
        ));
        let trained = op(&[Role::Desk], Some("2026-11-20"));
        assert!(check(&trained, Permission::Book, today()).is_ok());
        assert!(matches!(
            check(&trained, Permission::ManageOperators, today()),
            Err(Denial::NoRole { .. })
        ));
    }

    #[test]
    fn sec_05_desk_staff_edit_contact_details_but_not_the_study_record() {
        let desk = op(&[Role::Desk], Some("2026-01-01"));
        assert!(check(&desk, Permission::EditClients, today()).is_ok());
        assert!(matches!(
            check(&desk, Permission::EditStudyRecord, today()),
            Err(Denial::NoRole { .. })
        ));
        assert!(matches!(
            check(&desk, Permission::Block, today()),
            Err(Denial::NoRole { .. })
        ));
        for role in [Role::Consultant, Role::Supervisor, Role::Admin] {
            let who = op(&[role], Some("2026-01-01"));
            assert!(check(&who, Permission::EditStudyRecord, today()).is_ok(), "{role:?}");
        }
        let er = op(&[Role::EmployerRelations], Some("2026-01-01"));
        assert!(check(&er, Permission::EditClients, today()).is_err());
        assert!(check(&er, Permission::EditStudyRecord, today()).is_err());
        // A write: untrained consultants may not change a study record either.
        let untrained = op(&[Role::Consultant], None);
        assert!(matches!(
            check(&untrained, Permission::EditStudyRecord, today()),
            Err(Denial::Untrained { .. })
        ));
    }

    #[test]
    fn sec_05_every_kind_of_record_is_written_by_some_role_and_each_role_only_by_its_rights() {
        use crate::domain::EntityKind as K;
        let all = [
            K::Client,
            K::Operator,
            K::Slot,
            K::Appointment,
            K::Note,
            K::Enquiry,
            K::Employer,
            K::Contact,
            K::Engagement,
            K::Vacancy,
            K::Event,
            K::EventBooking,
            K::Consent,
            K::Complaint,
            K::Feedback,
            K::Attachment,
            K::AttachmentContent,
            K::QueueEntry,
            K::Message,
            K::Concern,
        ];
        let admin = op(&[Role::Admin], Some("2026-01-01"));
        assert_eq!(check_changes(&admin, &all, today()), Ok(()));
        let may = |roles: &[Role], k: K| check_changes(&op(roles, Some("2026-01-01")), &[k], today()).is_ok();
        // What each role may not touch, beside what it may.
        assert!(!may(&[Role::Consultant], K::Employer) && !may(&[Role::Consultant], K::Operator));
        assert!(may(&[Role::Consultant], K::Note) && may(&[Role::Consultant], K::Concern));
        assert!(!may(&[Role::Desk], K::Note) && !may(&[Role::Desk], K::Concern) && !may(&[Role::Desk], K::Vacancy));
        assert!(may(&[Role::Desk], K::Client) && may(&[Role::Desk], K::EventBooking));
        assert!(!may(&[Role::EmployerRelations], K::Client) && !may(&[Role::EmployerRelations], K::Note));
        assert!(may(&[Role::EmployerRelations], K::Vacancy));
        assert!(!may(&[Role::Supervisor], K::Operator) && may(&[Role::Supervisor], K::Employer));
        // Untrained and suspended are said as such, not as a missing role.
        let untrained = op(&[Role::Consultant], None);
        assert!(matches!(
            check_changes(&untrained, &[K::Note], today()),
            Err(Denial::Untrained { .. })
        ));
        let denied = check_changes(&op(&[Role::Desk], Some("2026-01-01")), &[K::Client, K::Note], today());
        assert!(
            matches!(&denied, Err(Denial::MayNotChange { records: "note", .. })),
            "{denied:?}"
        );
    }

    #[test]
    fn sec_03_suspended_operator_may_do_nothing() {
        let mut admin = op(&[Role::Admin], Some("2026-01-01"));
        admin.suspension = Some(Suspension {
            reason: "suspected breach".into(),
            by: OperatorId(2),
            at: Utc.timestamp_opt(0, 0).unwrap(),
        });
        assert!(matches!(
            check(&admin, Permission::ViewClients, today()),
            Err(Denial::Suspended { .. })
        ));
    }

    #[test]
    fn sec_06_bulk_email_needs_the_grant() {
        let mut er = op(&[Role::EmployerRelations], Some("2026-01-01"));
        assert!(matches!(
            check(&er, Permission::BulkEmail, today()),
            Err(Denial::NoGrant { .. })
        ));
        er.grants.push(Grant::BulkEmail);
        assert!(check(&er, Permission::BulkEmail, today()).is_ok());
        er.trained_on = None;
        assert!(matches!(
            check(&er, Permission::BulkEmail, today()),
            Err(Denial::Untrained { .. })
        ));
    }
}
