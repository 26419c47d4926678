//! Which audit entries a supervisor asked to see: by operator, client, action and date range.

use chrono::NaiveDate;

use super::audit::{AuditAction, AuditEntry};
use super::ids::ClientId;
use super::EntityKind;

/// A filter over the audit log; an empty filter keeps every entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries by this login (as recorded).
    pub login: Option<String>,
    /// Only entries about this client.
    pub client: Option<ClientId>,
    /// Only entries with this action.
    pub action: Option<AuditAction>,
    /// Only entries on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Only entries on or before this day (UTC).
    pub to: Option<NaiveDate>,
    /// Only break-glass note reads (SEC-04).
    pub break_glass: bool,
}

impl AuditFilter {
    /// Whether `e` passes every part of the filter that is set.
    pub fn keeps(&self, e: &AuditEntry) -> bool {
        let day = e.at.date_naive();
        self.login
            .as_deref()
            .is_none_or(|l| e.login.as_deref().is_some_and(|el| el.eq_ignore_ascii_case(l)))
            && self
                .client
                .is_none_or(|c| e.subject.is_some_and(|s| s.kind == EntityKind::Client && s.id == c.0))
            && self.action.is_none_or(|a| a == e.action)
            && self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
            && (!self.break_glass || e.is_break_glass())
    }
}

/// Every audit action, for parsing a filter's action code.
pub const ACTIONS: [AuditAction; 14] = [
    AuditAction::Create,
    AuditAction::Update,
    AuditAction::Delete,
    AuditAction::ReadNote,
    AuditAction::SignIn,
    AuditAction::SignInRefused,
    AuditAction::Import,
    AuditAction::Export,
    AuditAction::Erase,
    AuditAction::Override,
    AuditAction::Demo,
    AuditAction::Init,
    AuditAction::Maintenance,
    AuditAction::ReadWellbeing,
];

/// The action with this code (`sign-in`, `read-note`, ...).
pub fn parse_action(code: &str) -> Result<AuditAction, String> {
    let code = code.trim();
    ACTIONS
        .iter()
        .copied()
        .find(|a| a.code().eq_ignore_ascii_case(code))
        .ok_or_else(|| {
            let known: Vec<&str> = ACTIONS.iter().map(|a| a.code()).collect();
            format!(
                "{} is not an audit action; use one of: {}",
                super::text::quote(code),
                known.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::AuditId;
    use crate::domain::RecordRef;
    use chrono::TimeZone;

    fn entry(login: &str, action: AuditAction, client: Option<u128>, day: u32) -> AuditEntry {
        AuditEntry {
            id: AuditId(1),
            at: chrono::Utc
                .with_ymd_and_hms(2026, 11, day, 10, 0, 0)
                .single()
                .unwrap_or_default(),
            operator: None,
            login: Some(login.into()),
            action,
            subject: client.map(|id| RecordRef {
                kind: EntityKind::Client,
                id,
            }),
            detail: String::new(),
            reason: None,
        }
    }

    #[test]
    fn each_part_of_the_filter_narrows_and_an_empty_filter_keeps_all() {
        let e = entry("desk1", AuditAction::ReadNote, Some(7), 10);
        assert!(AuditFilter::default().keeps(&e));
        let by = |f: AuditFilter| f.keeps(&e);
        assert!(by(AuditFilter {
            login: Some("DESK1".into()),
            ..Default::default()
        }));
        assert!(!by(AuditFilter {
            login: Some("desk2".into()),
            ..Default::default()
        }));
        assert!(by(AuditFilter {
            client: Some(ClientId(7)),
            ..Default::default()
        }));
        assert!(!by(AuditFilter {
            client: Some(ClientId(8)),
            ..Default::default()
        }));
        assert!(!by(AuditFilter {
            action: Some(AuditAction::SignIn),
            ..Default::default()
        }));
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n);
        assert!(by(AuditFilter {
            from: d(10),
            to: d(10),
            ..Default::default()
        }));
        assert!(!by(AuditFilter {
            from: d(11),
            ..Default::default()
        }));
        assert!(!by(AuditFilter {
            to: d(9),
            ..Default::default()
        }));
    }

    #[test]
    fn sec_04_the_break_glass_part_keeps_only_note_reads_with_a_reason() {
        let plain = entry("cons2", AuditAction::ReadNote, None, 10);
        let mut glass = plain.clone();
        glass.reason = Some("client at risk, author away".into());
        let mut waiver = entry("sup1", AuditAction::Override, None, 10);
        waiver.reason = Some("illness".into());
        let f = AuditFilter {
            break_glass: true,
            ..Default::default()
        };
        assert!(f.keeps(&glass) && glass.is_break_glass());
        assert!(!f.keeps(&plain) && !plain.is_break_glass());
        assert!(!f.keeps(&waiver) && !waiver.is_break_glass());
    }

    #[test]
    fn action_codes_parse_and_a_wrong_one_lists_the_choices() {
        for a in ACTIONS {
            assert_eq!(parse_action(a.code()), Ok(a));
        }
        let err = parse_action("reed").unwrap_err();
        assert!(err.contains("read-note"), "{err}");
    }
}
