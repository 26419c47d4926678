//! Aggregate reports with small-number suppression (DATA-08, DATA-14): no count from 1 to
//! `threshold - 1` is ever shown; it prints as `<threshold`.

use serde::Serialize;

mod table;

pub use table::{Counts, Published};

/// One cell of an aggregate report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// A count that is safe to show (0, or at least the threshold).
    Count(u64),
    /// A count below the threshold, hidden.
    #[serde(serialize_with = "suppressed")]
    Suppressed(u32),
}

fn suppressed<S: serde::Serializer>(threshold: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("<{threshold}"))
}

impl Cell {
    /// Applies suppression to a count (DATA-08): 1..threshold-1 is hidden.
    pub fn of(count: u64, threshold: u32) -> Cell {
        if count > 0 && count < u64::from(threshold) {
            Cell::Suppressed(threshold)
        } else {
            Cell::Count(count)
        }
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Suppressed(t) => write!(f, "<{t}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_08_counts_under_the_threshold_are_suppressed() {
        assert_eq!(Cell::of(0, 5).to_string(), "0");
        for n in 1..5 {
            assert_eq!(Cell::of(n, 5).to_string(), "<5");
        }
        assert_eq!(Cell::of(5, 5).to_string(), "5");
        assert_eq!(serde_json::to_string(&Cell::of(3, 5)).unwrap(), "\"<5\"");
        assert_eq!(serde_json::to_string(&Cell::of(12, 5)).unwrap(), "12");
    }
}
