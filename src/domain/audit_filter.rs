//! Which audit entries a supervisor asked to see: by operator, client, action and date range.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::audit::{AuditAction, AuditEntry};

/// A filter over the audit log; an empty filter keeps every entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries by this login (as recorded).
    pub login: Option<String>,
    /// Only entries about one of these records: a client's own and everything held on them
    /// (their notes, appointments, ...), gathered by the desk.
    pub records: Option<BTreeSet<u128>>,
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
                .records
                .as_ref()
                .is_none_or(|r| e.subject.is_some_and(|s| r.contains(&s.id)))
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

/// What a supervisor typed in the screen's audit view, e.g.
/// `operator:cons1 client:10000042 action:read-note from:2026-11-01 to:2026-11-30`: the
/// filter's parts with the client still as a student number, for the desk to resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// `operator:LOGIN`.
    pub login: Option<String>,
    /// `client:STUDENT_NUMBER`, as typed.
    pub student_number: Option<String>,
    /// `action:CODE`.
    pub action: Option<AuditAction>,
    /// `from:YYYY-MM-DD`.
    pub from: Option<NaiveDate>,
    /// `to:YYYY-MM-DD`.
    pub to: Option<NaiveDate>,
}

/// The words a query understands, for messages.
const QUERY_WORDS: &str = "operator:LOGIN client:STUDENT_NUMBER action:CODE from:YYYY-MM-DD to:YYYY-MM-DD";

/// Reads a typed audit query; each wrong part is named with what to type instead.
pub fn parse_query(text: &str) -> Result<AuditQuery, String> {
    let mut q = AuditQuery::default();
    for word in text.split_whitespace() {
        let Some((name, value)) = word.split_once(':').filter(|(_, v)| !v.is_empty()) else {
            return Err(format!(
                "{} is not a filter; type any of {QUERY_WORDS}",
                super::text::quote(word)
            ));
        };
        let date = |v: &str| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| format!("{name}: {} is not a date; type it as YYYY-MM-DD", super::text::quote(v)))
        };
        match name.to_ascii_lowercase().as_str() {
            "operator" | "op" => q.login = Some(value.to_string()),
            "client" => q.student_number = Some(value.to_string()),
            "action" => q.action = Some(parse_action(value)?),
            "from" => q.from = Some(date(value)?),
            "to" => q.to = Some(date(value)?),
            _ => {
                return Err(format!(
                    "{} is not a filter; type any of {QUERY_WORDS}",
                    super::text::quote(name)
                ))
            }
        }
    }
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if t < f {
            return Err(format!("to:{t} is before from:{f}; swap them"));
        }
    }
    Ok(q)
}

/// Orders entries for the supervisor's view: break-glass reads first, then newest first.
pub fn break_glass_first(entries: &mut [AuditEntry]) {
    entries.sort_by(|a, b| {
        b.is_break_glass()
            .cmp(&a.is_break_glass())
            .then_with(|| b.id.cmp(&a.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::AuditId;
    use crate::domain::{EntityKind, RecordRef};
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
            records: Some(BTreeSet::from([3, 7])),
            ..Default::default()
        }));
        assert!(!by(AuditFilter {
            records: Some(BTreeSet::from([8])),
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

    #[test]
    fn sec_04_a_typed_query_reads_each_part_and_names_a_wrong_one() {
        let q = parse_query("operator:cons1 client:10000042 action:read-note from:2026-11-01 to:2026-11-30").unwrap();
        assert_eq!(q.login.as_deref(), Some("cons1"));
        assert_eq!(q.student_number.as_deref(), Some("10000042"));
        assert_eq!(q.action, Some(AuditAction::ReadNote));
        assert_eq!(q.from, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(q.to, NaiveDate::from_ymd_opt(2026, 11, 30));
        assert_eq!(parse_query("  ").unwrap(), AuditQuery::default());
        assert!(parse_query("cons1").unwrap_err().contains("is not a filter"));
        assert!(parse_query("who:cons1").unwrap_err().contains("is not a filter"));
        assert!(parse_query("from:yesterday").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_query("action:peek")
            .unwrap_err()
            .contains("is not an audit action"));
        assert!(parse_query("from:2026-11-30 to:2026-11-01")
            .unwrap_err()
            .contains("swap"));
    }

    #[test]
    fn sec_04_break_glass_reads_come_first_then_newest_first() {
        let mut a = entry("cons1", AuditAction::ReadNote, Some(7), 10);
        a.id = AuditId(1);
        let mut b = entry("cons2", AuditAction::ReadNote, Some(7), 11);
        b.id = AuditId(2);
        b.reason = Some("covering for a colleague".into());
        let mut c = entry("desk1", AuditAction::SignIn, None, 12);
        c.id = AuditId(3);
        let mut list = vec![a, b, c];
        break_glass_first(&mut list);
        let ids: Vec<u128> = list.iter().map(|e| e.id.0).collect();
        assert_eq!(ids, [2, 3, 1]);
    }
}
