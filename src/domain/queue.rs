//! The drop-in queue at the desk: check-in, position, estimated wait, call next, done.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ClientId, OperatorId, QueueEntryId};
use super::limits;
use super::validate::FieldError;

/// Where a queue entry stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueState {
    /// Waiting to be seen.
    Waiting,
    /// Called by a member of staff.
    Called {
        /// Who called them.
        by: OperatorId,
        /// When.
        #[serde(with = "chrono::serde::ts_milliseconds")]
        at: DateTime<Utc>,
    },
    /// Seen.
    Done {
        /// Called at (for service times).
        #[serde(with = "chrono::serde::ts_milliseconds")]
        called_at: DateTime<Utc>,
        /// Finished at.
        #[serde(with = "chrono::serde::ts_milliseconds")]
        at: DateTime<Utc>,
    },
    /// Left before being seen.
    Left,
}

/// One client in the drop-in queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// Record id (time-ordered: the queue order).
    pub id: QueueEntryId,
    /// The client.
    pub client: ClientId,
    /// When they checked in.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub joined_at: DateTime<Utc>,
    /// State.
    pub state: QueueState,
}

/// Service time assumed before any has been measured.
pub const DEFAULT_SERVICE_MINUTES: i64 = 10;

/// The mean service time of recently finished entries (the last 20), or the default.
pub fn mean_service_time(done: &[QueueEntry]) -> Duration {
    let times: Vec<Duration> = done
        .iter()
        .rev()
        .filter_map(|e| match e.state {
            QueueState::Done { called_at, at } if at > called_at => Some(at - called_at),
            _ => None,
        })
        .take(20)
        .collect();
    if times.is_empty() {
        return Duration::minutes(DEFAULT_SERVICE_MINUTES);
    }
    let total: i64 = times.iter().map(|d| d.num_seconds()).sum();
    Duration::seconds(total / times.len() as i64)
}

/// Estimated wait for the client at 0-based `position` among those waiting.
pub fn estimated_wait(position: usize, service: Duration, desks_serving: usize) -> Duration {
    let per = service.num_seconds() / desks_serving.max(1) as i64;
    // Saturates: service times come from stored clock readings, which may be far apart.
    let ahead = i64::try_from(position).unwrap_or(i64::MAX).saturating_add(1);
    Duration::try_seconds(per.saturating_mul(ahead)).unwrap_or(Duration::MAX)
}

/// What was typed or swiped at the queue, refused when longer than any card holds
/// ([`limits::CARD`]).
pub fn card_input(raw: &str) -> Result<&str, FieldError> {
    let s = raw.trim();
    limits::check("card", s, limits::CARD)?;
    Ok(s)
}

/// Candidate student numbers from what a card reader (or a person) typed: plain numbers,
/// magnetic-stripe track data (`;10234567?`, `%B10234567^NAME^...?`), prefixed forms
/// (`ID:10234567`), and numbers padded with leading zeros.
pub fn card_candidates(raw: &str) -> Vec<String> {
    let s = raw.trim();
    let mut out: Vec<String> = Vec::new();
    let mut push = |c: String| {
        if (4..=16).contains(&c.len()) && !out.contains(&c) {
            out.push(c);
        }
    };
    let body = s
        .trim_start_matches([';', '%'])
        .trim_end_matches('?')
        .trim_start_matches(['B', 'b']);
    let body = body.split(['^', '=']).next().unwrap_or(body);
    let body = match body.rsplit_once(':') {
        Some((_, rest)) => rest,
        None => body,
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        push(compact.to_ascii_uppercase());
        let trimmed = compact.trim_start_matches('0');
        if trimmed.len() != compact.len() {
            push(trimmed.to_ascii_uppercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_data_longer_than_any_card_is_refused() {
        assert_eq!(card_input(" ;10234567? ").unwrap(), ";10234567?");
        let e = card_input(&"9".repeat(limits::CARD + 1)).unwrap_err();
        assert_eq!(e.field, "card");
    }

    #[test]
    fn card_reader_formats_yield_the_student_number() {
        assert_eq!(card_candidates("10234567\n"), ["10234567"]);
        assert_eq!(card_candidates(";10234567?"), ["10234567"]);
        assert_eq!(card_candidates("%B10234567^DOE/JANE^2712?"), ["10234567"]);
        assert_eq!(card_candidates("ID:10234567"), ["10234567"]);
        assert_eq!(card_candidates("0010234567"), ["0010234567", "10234567"]);
        assert_eq!(card_candidates("1023 4567"), ["10234567"]);
        assert!(card_candidates("??").is_empty());
    }

    #[test]
    fn wait_estimates_use_recent_service_times() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let done = |mins: i64| QueueEntry {
            id: QueueEntryId(1),
            client: ClientId(1),
            joined_at: t,
            state: QueueState::Done {
                called_at: t,
                at: t + Duration::minutes(mins),
            },
        };
        assert_eq!(mean_service_time(&[]), Duration::minutes(DEFAULT_SERVICE_MINUTES));
        let svc = mean_service_time(&[done(6), done(12)]);
        assert_eq!(svc, Duration::minutes(9));
        assert_eq!(estimated_wait(0, svc, 1), Duration::minutes(9));
        assert_eq!(estimated_wait(2, svc, 1), Duration::minutes(27));
        assert_eq!(estimated_wait(2, svc, 3), Duration::minutes(9));
    }
}
