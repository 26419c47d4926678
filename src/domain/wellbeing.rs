//! Wellbeing concerns (DATA-06): a concern raised about a client (who, when, why) and the
//! referrals made for it to a named school or support service (who, when, to whom). A referral
//! is always a person's recorded action; nothing refers a client automatically. A concern stays
//! open until someone closes it with the outcome; a closed one is kept, and a new concern is
//! raised if the worry comes back.

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
    /// Who closed it, when and with what outcome; `None` while it is open.
    pub closed: Option<Closure>,
}

/// How a concern was closed, by a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Who closed it.
    pub by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// What came of it.
    pub outcome: String,
}

/// A concern as format 1 stored it, before concerns could be closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcernV1 {
    /// Record id.
    pub id: ConcernId,
    /// The client.
    pub client: ClientId,
    /// Who raised it.
    pub raised_by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub raised_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Referrals.
    pub referrals: Vec<Referral>,
}

impl From<ConcernV1> for Concern {
    fn from(v: ConcernV1) -> Concern {
        Concern {
            id: v.id,
            client: v.client,
            raised_by: v.raised_by,
            raised_at: v.raised_at,
            reason: v.reason,
            referrals: v.referrals,
            closed: None,
        }
    }
}

/// Why a concern cannot take a step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConcernError {
    /// It was closed already.
    #[error("the concern was closed on {0}; raise a new one if the worry is back")]
    Closed(String),
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
            closed: None,
        }
    }

    /// Whether it is still open.
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    fn still_open(&self) -> Result<(), ConcernError> {
        match &self.closed {
            Some(c) => Err(ConcernError::Closed(c.at.format("%Y-%m-%d").to_string())),
            None => Ok(()),
        }
    }

    /// Records a referral made by `by`: the only way a referral comes about. A closed concern
    /// takes no more referrals.
    pub fn refer(
        &mut self,
        by: OperatorId,
        at: DateTime<Utc>,
        to: String,
        note: Option<String>,
    ) -> Result<(), ConcernError> {
        self.still_open()?;
        self.referrals.push(Referral { by, at, to, note });
        Ok(())
    }

    /// Closes it with its outcome, by `by` at `at`; closing twice is refused.
    pub fn close(&mut self, by: OperatorId, at: DateTime<Utc>, outcome: String) -> Result<(), ConcernError> {
        self.still_open()?;
        self.closed = Some(Closure { by, at, outcome });
        Ok(())
    }

    /// The latest referral, if any.
    pub fn last_referral(&self) -> Option<&Referral> {
        self.referrals.last()
    }
}

/// The concern a referral or a closure belongs to: the newest raised that is still open.
pub fn latest_open(concerns: &[Concern]) -> Option<&Concern> {
    concerns
        .iter()
        .filter(|c| c.is_open())
        .max_by_key(|c| (c.raised_at, c.id))
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
        c.refer(OperatorId(4), at, "Student Wellbeing Service".into(), None)
            .unwrap();
        c.refer(OperatorId(3), at, "School of Physics".into(), Some("tutor told".into()))
            .unwrap();
        assert_eq!(c.referrals.len(), 2);
        assert_eq!(c.last_referral().map(|r| r.to.as_str()), Some("School of Physics"));
        let older = Concern::raise(
            ConcernId(0),
            ClientId(2),
            OperatorId(3),
            at - chrono::Duration::days(1),
            "x".into(),
        );
        assert_eq!(latest_open(&[c.clone(), older]).map(|c| c.id), Some(ConcernId(1)));
        assert!(latest_open(&[]).is_none());
    }

    #[test]
    fn data_06_a_closed_concern_keeps_its_history_and_takes_no_more_steps() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap();
        let mut c = Concern::raise(ConcernId(5), ClientId(2), OperatorId(3), at, "low".into());
        c.refer(OperatorId(3), at, "Student Wellbeing Service".into(), None)
            .unwrap();
        let older = Concern::raise(
            ConcernId(1),
            ClientId(2),
            OperatorId(3),
            at - chrono::Duration::days(3),
            "x".into(),
        );
        c.close(
            OperatorId(4),
            at + chrono::Duration::days(2),
            "seen by the service".into(),
        )
        .unwrap();
        assert!(!c.is_open());
        assert_eq!(c.referrals.len(), 1, "closing keeps the referrals");
        let again = c.close(OperatorId(4), at, "twice".into());
        assert_eq!(again, Err(ConcernError::Closed("2026-12-02".into())));
        assert!(c.refer(OperatorId(3), at, "School".into(), None).is_err());
        assert_eq!(
            c.closed.as_ref().map(|x| x.outcome.as_str()),
            Some("seen by the service")
        );
        // The newest open concern is the older one now.
        assert_eq!(latest_open(&[c.clone(), older]).map(|c| c.id), Some(ConcernId(1)));
        assert!(latest_open(&[c]).is_none());
    }
}
