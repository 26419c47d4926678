//! Aggregate reports with small-number suppression (DATA-08, DATA-14): no count from 1 to
//! `threshold - 1` is ever shown; it prints as `<threshold`. A count hidden only to protect
//! another cell (secondary suppression) prints as [`WITHHELD`], since `<threshold` would misstate it.
//! A count whose marker's bound would itself give a count away (every non-zero count of its
//! lines hidden, two `<3` adding up to a `<3`) prints as [`UNBOUNDED`]: hidden, with no bound.

use serde::Serialize;

mod suppress;
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
    /// A count hidden to protect another cell (secondary suppression): it is not small.
    #[serde(serialize_with = "withheld")]
    Withheld,
    /// A count hidden with no bound: `<threshold` or [`WITHHELD`] would give a count away.
    #[serde(serialize_with = "unbounded")]
    Unbounded,
}

/// The marker of a count hidden to protect another cell.
pub const WITHHELD: &str = "*";

/// The marker of a count hidden with no bound at all.
pub const UNBOUNDED: &str = "?";

fn unbounded<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(UNBOUNDED)
}

fn withheld<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(WITHHELD)
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

    /// Whether the count is hidden, for either reason.
    pub fn is_hidden(self) -> bool {
        !matches!(self, Cell::Count(_))
    }
}

/// The legend under a published table: what each marker in it means (`None` when nothing is
/// hidden). The CLI and the screen both print it.
pub fn legend(p: &Published) -> Option<String> {
    let t = p.threshold()?;
    let all = || {
        p.cells()
            .chain(p.row_totals().iter().copied())
            .chain(p.column_totals().iter().copied())
            .chain(std::iter::once(p.total()))
    };
    let small = all().filter(|c| matches!(c, Cell::Suppressed(_))).count();
    let kept = all().filter(|c| matches!(c, Cell::Withheld)).count();
    let open = all().filter(|c| matches!(c, Cell::Unbounded)).count();
    let mut parts = Vec::new();
    if small > 0 {
        parts.push(format!(
            "<{t}: a count from 1 to {} ({small} hidden)",
            t.saturating_sub(1)
        ));
    }
    if kept > 0 {
        parts.push(format!(
            "{WITHHELD}: hidden to protect another cell, not a small count ({kept} hidden)"
        ));
    }
    if open > 0 {
        parts.push(format!(
            "{UNBOUNDED}: hidden, any count, as a bound would give a count away ({open} hidden)"
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Suppressed(t) => write!(f, "<{t}"),
            Cell::Withheld => f.write_str(WITHHELD),
            Cell::Unbounded => f.write_str(UNBOUNDED),
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
