//! Wellbeing concerns (DATA-06): a concern raised about a client (who, when, why) and the
//! referrals made for it to a named school or support service (who, when, to whom). A referral
//! is always a person's recorded action; nothing refers a client automatically.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ClientId, ConcernId, OperatorId};

/// A referral of a concern to a school or support service, made by a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// Who referred.
    pub by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// The school or service referred to, by name.
    pub to: String,
    /// What was passed on or agreed, if anything.
    pub note: Option<String>,
}

/// A wellbeing concern about a client, sealed with the client's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    /// Record id.
    pub id: ConcernId,
    /// The client it is about.
    pub client: ClientId,
    /// Who raised it.
    pub raised_by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub raised_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Referrals made for it, oldest first; empty until someone refers.
    pub referrals: Vec<Referral>,
}

impl Concern {
    /// A concern raised now, not yet referred anywhere.
    pub fn raise(id: ConcernId, client: ClientId, by: OperatorId, at: DateTime<Utc>, reason: String) -> Concern {
        Concern {
            id,
            client,
            raised_by: by,
            raised_at: at,
            reason,
            referrals: Vec::new(),
        }
    }

    /// Records a referral made by `by`: the only way a referral comes about.
    pub fn refer(&mut self, by: OperatorId, at: DateTime<Utc>, to: String, note: Option<String>) {
        self.referrals.push(Referral { by, at, to, note });
    }

    /// The latest referral, if any.
    pub fn last_referral(&self) -> Option<&Referral> {
        self.referrals.last()
    }
}

/// The concern a referral belongs to: the newest raised (they arrive oldest first).
pub fn latest(concerns: &[Concern]) -> Option<&Concern> {
    concerns.iter().max_by_key(|c| (c.raised_at, c.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn data_06_a_concern_starts_unreferred_and_each_referral_is_kept() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap();
        let mut c = Concern::raise(ConcernId(1), ClientId(2), OperatorId(3), at, "seemed very low".into());
        assert!(c.referrals.is_empty() && c.last_referral().is_none());
        c.refer(OperatorId(4), at, "Student Wellbeing Service".into(), None);
        c.refer(OperatorId(3), at, "School of Physics".into(), Some("tutor told".into()));
        assert_eq!(c.referrals.len(), 2);
        assert_eq!(c.last_referral().map(|r| r.to.as_str()), Some("School of Physics"));
        let older = Concern::raise(
            ConcernId(0),
            ClientId(2),
            OperatorId(3),
            at - chrono::Duration::days(1),
            "x".into(),
        );
        assert_eq!(latest(&[c.clone(), older]).map(|c| c.id), Some(ConcernId(1)));
        assert!(latest(&[]).is_none());
    }
}
