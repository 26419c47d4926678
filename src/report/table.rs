//! The one aggregation engine every report goes through (DATA-08, DATA-14): raw counts go in,
//! and what comes out holds only [`Cell`]s, with row, column and grand totals. Publishing
//! applies primary suppression (1..threshold-1 hidden) and then secondary suppression, so that
//! no hidden count can be worked out from the published totals by subtraction.

use super::suppress::Entry;
use super::Cell;

/// Raw counts by row and column, before publishing. Never printed: only [`Counts::publish`]
/// and [`Counts::unsuppressed`] make something to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    rows: Vec<String>,
    columns: Vec<String>,
    values: Vec<Vec<u64>>,
}

impl Counts {
    /// An empty table with these columns and no rows.
    pub fn new(columns: Vec<String>) -> Counts {
        Counts {
            rows: Vec::new(),
            columns,
            values: Vec::new(),
        }
    }

    /// A table with these rows and columns, every count zero (e.g. every week of a range).
    pub fn with_rows(rows: Vec<String>, columns: Vec<String>) -> Counts {
        let values = vec![vec![0; columns.len()]; rows.len()];
        Counts { rows, columns, values }
    }

    /// Adds `n` to the count at (`row`, `column`), adding the row or column if it is new.
    pub fn add(&mut self, row: &str, column: &str, n: u64) {
        let c = match self.columns.iter().position(|x| x == column) {
            Some(c) => c,
            None => {
                self.columns.push(column.to_string());
                for r in &mut self.values {
                    r.push(0);
                }
                self.columns.len() - 1
            }
        };
        let r = match self.rows.iter().position(|x| x == row) {
            Some(r) => r,
            None => {
                self.rows.push(row.to_string());
                self.values.push(vec![0; self.columns.len()]);
                self.rows.len() - 1
            }
        };
        if let Some(v) = self.values.get_mut(r).and_then(|line| line.get_mut(c)) {
            *v = v.saturating_add(n);
        }
    }

    /// The rows merged by `parent` (a programme's school, say), in order of first appearance:
    /// larger groups, so fewer cells need hiding (DATA-08: "shown at a higher level").
    pub fn roll_up(&self, parent: impl Fn(&str) -> String) -> Counts {
        let mut out = Counts::new(self.columns.clone());
        for (label, line) in self.rows.iter().zip(&self.values) {
            let p = parent(label);
            for (column, n) in self.columns.iter().zip(line) {
                out.add(&p, column, *n);
            }
        }
        out
    }

    /// Rows in label order.
    pub fn sorted(mut self) -> Counts {
        let mut pairs: Vec<(String, Vec<u64>)> = self.rows.drain(..).zip(self.values.drain(..)).collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        (self.rows, self.values) = pairs.into_iter().unzip();
        self
    }

    /// Row labels.
    pub fn rows(&self) -> &[String] {
        &self.rows
    }

    /// The publishable form (DATA-14): primary and secondary suppression under `threshold`.
    pub fn publish(&self, threshold: u32) -> Published {
        let grid = self.grid();
        let entries = super::suppress::suppress(&grid, u64::from(threshold));
        self.published(&grid, |i, j| entries[i][j], threshold)
    }

    /// Every count shown: for supervisors only (the desk checks), never for publishing.
    pub fn unsuppressed(&self) -> Published {
        self.published(&self.grid(), |_, _| Entry::Shown, 0)
    }

    /// The counts with their totals: one more row (column totals) and one more column (row
    /// totals); the corner is the grand total.
    fn grid(&self) -> Vec<Vec<u64>> {
        let cols = self.columns.len();
        let mut grid: Vec<Vec<u64>> = self
            .values
            .iter()
            .map(|line| {
                let mut l = line.clone();
                l.push(line.iter().fold(0u64, |a, b| a.saturating_add(*b)));
                l
            })
            .collect();
        let mut totals = vec![0u64; cols + 1];
        for line in &grid {
            for (t, v) in totals.iter_mut().zip(line) {
                *t = t.saturating_add(*v);
            }
        }
        grid.push(totals);
        grid
    }

    fn published(&self, grid: &[Vec<u64>], entry: impl Fn(usize, usize) -> Entry, threshold: u32) -> Published {
        let cell = |i: usize, j: usize| {
            let v = grid.get(i).and_then(|l| l.get(j)).copied().unwrap_or(0);
            // One place decides the marker: small counts as `<t`, the rest as withheld, and
            // those whose bound would give a count away with none.
            match entry(i, j) {
                Entry::Shown => Cell::Count(v),
                Entry::Unbounded => Cell::Unbounded,
                Entry::Hidden => match Cell::of(v, threshold) {
                    Cell::Suppressed(t) => Cell::Suppressed(t),
                    _ => Cell::Withheld,
                },
            }
        };
        let (r, c) = (self.rows.len(), self.columns.len());
        Published {
            rows: self.rows.clone(),
            columns: self.columns.clone(),
            cells: (0..r).map(|i| (0..c).map(|j| cell(i, j)).collect()).collect(),
            row_totals: (0..r).map(|i| cell(i, c)).collect(),
            column_totals: (0..c).map(|j| cell(r, j)).collect(),
            total: cell(r, c),
            threshold: (threshold > 0).then_some(threshold),
        }
    }
}

/// A report table as it may be shown: labels and [`Cell`]s only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    rows: Vec<String>,
    columns: Vec<String>,
    cells: Vec<Vec<Cell>>,
    row_totals: Vec<Cell>,
    column_totals: Vec<Cell>,
    total: Cell,
    threshold: Option<u32>,
}

impl Published {
    /// Row labels.
    pub fn rows(&self) -> &[String] {
        &self.rows
    }

    /// Column labels.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The cell at row `r`, column `c` (`Count(0)` outside the table).
    pub fn cell(&self, r: usize, c: usize) -> Cell {
        self.cells
            .get(r)
            .and_then(|l| l.get(c))
            .copied()
            .unwrap_or(Cell::Count(0))
    }

    /// One row's cells.
    pub fn row(&self, r: usize) -> &[Cell] {
        self.cells.get(r).map_or(&[], Vec::as_slice)
    }

    /// Row totals, one per row.
    pub fn row_totals(&self) -> &[Cell] {
        &self.row_totals
    }

    /// Column totals, one per column.
    pub fn column_totals(&self) -> &[Cell] {
        &self.column_totals
    }

    /// The grand total.
    pub fn total(&self) -> Cell {
        self.total
    }

    /// The suppression threshold applied, or `None` for the unsuppressed (supervisor) form.
    pub fn threshold(&self) -> Option<u32> {
        self.threshold
    }

    /// How many cells and totals are hidden.
    pub fn suppressed(&self) -> usize {
        self.cells
            .iter()
            .flatten()
            .chain(&self.row_totals)
            .chain(&self.column_totals)
            .chain(std::iter::once(&self.total))
            .filter(|c| c.is_hidden())
            .count()
    }

    /// Every cell of the table, row by row (totals not included).
    pub fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        self.cells.iter().flatten().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counts(values: &[Vec<u64>]) -> Counts {
        let columns: Vec<String> = (0..values.first().map_or(0, Vec::len))
            .map(|j| format!("c{j}"))
            .collect();
        let mut t = Counts::new(columns.clone());
        for (i, line) in values.iter().enumerate() {
            for (j, v) in line.iter().enumerate() {
                t.add(&format!("r{i}"), &columns[j], *v);
            }
        }
        t
    }

    /// The published table as a grid like `Counts::grid`: `None` where hidden.
    fn shown(p: &Published) -> Vec<Vec<Option<u64>>> {
        let open = |c: Cell| match c {
            Cell::Count(n) => Some(n),
            Cell::Suppressed(_) | Cell::Withheld | Cell::Unbounded => None,
        };
        let mut g: Vec<Vec<Option<u64>>> = (0..p.rows().len())
            .map(|i| {
                let mut l: Vec<Option<u64>> = p.row(i).iter().map(|c| open(*c)).collect();
                l.push(open(p.row_totals()[i]));
                l
            })
            .collect();
        let mut last: Vec<Option<u64>> = p.column_totals().iter().map(|c| open(*c)).collect();
        last.push(open(p.total()));
        g.push(last);
        g
    }

    /// A simple solver: a hidden entry is recovered when it is the only hidden one in a row or
    /// column of the grid, the line's sum being known; recovered entries help recover others.
    /// Returns the hidden entries it could recover.
    fn recoverable(shown: &[Vec<Option<u64>>]) -> Vec<(usize, usize)> {
        let mut known: Vec<Vec<bool>> = shown.iter().map(|l| l.iter().map(Option::is_some).collect()).collect();
        let (h, w) = (shown.len(), shown.first().map_or(0, Vec::len));
        let mut found = Vec::new();
        loop {
            let mut lines: Vec<Vec<(usize, usize)>> = (0..h).map(|i| (0..w).map(|j| (i, j)).collect()).collect();
            lines.extend((0..w).map(|j| (0..h).map(|i| (i, j)).collect::<Vec<_>>()));
            let single = lines.iter().find_map(|l| {
                let unknown: Vec<&(usize, usize)> = l.iter().filter(|(i, j)| !known[*i][*j]).collect();
                (unknown.len() == 1).then(|| *unknown[0])
            });
            match single {
                Some((i, j)) => {
                    known[i][j] = true;
                    found.push((i, j));
                }
                None => return found,
            }
        }
    }

    #[test]
    fn data_08_counts_under_the_threshold_are_hidden_and_totals_protect_them() {
        let t = counts(&[vec![3, 10, 12], vec![8, 9, 20]]);
        let p = t.publish(5);
        assert_eq!(p.cell(0, 0), Cell::Suppressed(5));
        // Row 0 and column 0 would give the 3 away: each has a second cell hidden.
        assert!(p.row(0).iter().filter(|c| c.is_hidden()).count() >= 2);
        assert!((0..2).filter(|i| p.cell(*i, 0).is_hidden()).count() >= 2);
        assert!(recoverable(&shown(&p)).is_empty(), "{p:?}");
        assert_eq!(p.total(), Cell::Count(62));
    }

    #[test]
    fn data_08_a_small_total_is_hidden_too() {
        let p = counts(&[vec![2, 0], vec![0, 0]]).publish(5);
        assert_eq!(p.row_totals()[0], Cell::Suppressed(5));
        assert_eq!(p.total(), Cell::Suppressed(5));
        assert_eq!(p.cell(1, 1), Cell::Count(0));
    }

    #[test]
    fn data_08_the_unsuppressed_form_shows_every_count() {
        let p = counts(&[vec![3, 1]]).unsuppressed();
        assert_eq!(p.suppressed(), 0);
        assert_eq!(p.row_totals()[0], Cell::Count(4));
        assert_eq!(p.threshold(), None);
    }

    #[test]
    fn data_08_rolling_programmes_up_to_schools_hides_fewer_cells() {
        let mut t = Counts::new(vec!["guidance".into(), "cv".into()]);
        for (programme, g, cv) in [
            ("BSc Physics", 3, 2),
            ("MSc Physics", 4, 3),
            ("BA Law", 6, 7),
            ("LLM", 1, 9),
        ] {
            t.add(programme, "guidance", g);
            t.add(programme, "cv", cv);
        }
        let school = |p: &str| {
            if p.contains("Physics") {
                "Science".into()
            } else {
                "Law".into()
            }
        };
        let by_school = t.roll_up(school);
        assert_eq!(by_school.rows(), ["Science", "Law"]);
        let (fine, coarse) = (t.publish(5), by_school.publish(5));
        assert!(coarse.suppressed() < fine.suppressed(), "{fine:?}\n{coarse:?}");
        assert_eq!(coarse.cell(0, 0), Cell::Count(7));
        assert_eq!(coarse.total(), fine.total());
    }

    /// Every value each hidden entry can take, given what is published: the shown counts, the
    /// markers (`<t`: 1 to t-1; withheld: at least t; `?`: any but 0, as only non-zero counts are
    /// ever hidden) and that lines add up. By brute force
    /// over the counts (each up to `max`), so only for small tables. `None` where shown.
    fn possible(p: &Published, max: u64) -> Vec<Vec<Option<std::collections::BTreeSet<u64>>>> {
        let (r, c) = (p.rows().len(), p.columns().len());
        let marker = |i: usize, j: usize| -> Cell {
            match (i < r, j < c) {
                (true, true) => p.cell(i, j),
                (true, false) => p.row_totals()[i],
                (false, true) => p.column_totals()[j],
                (false, false) => p.total(),
            }
        };
        let fits = |cell: Cell, v: u64| match cell {
            Cell::Count(n) => n == v,
            Cell::Suppressed(t) => v > 0 && v < u64::from(t),
            Cell::Withheld => v >= u64::from(p.threshold().unwrap_or(0)),
            Cell::Unbounded => v > 0,
        };
        let mut out: Vec<Vec<Option<std::collections::BTreeSet<u64>>>> = (0..=r)
            .map(|i| {
                (0..=c)
                    .map(|j| marker(i, j).is_hidden().then(Default::default))
                    .collect()
            })
            .collect();
        let n = r * c;
        let mut values = vec![0u64; n];
        loop {
            let g = |i: usize, j: usize| -> u64 {
                match (i < r, j < c) {
                    (true, true) => values[i * c + j],
                    (true, false) => (0..c).map(|b| values[i * c + b]).sum(),
                    (false, true) => (0..r).map(|a| values[a * c + j]).sum(),
                    (false, false) => values.iter().sum(),
                }
            };
            if (0..=r).all(|i| (0..=c).all(|j| fits(marker(i, j), g(i, j)))) {
                for (i, line) in out.iter_mut().enumerate() {
                    for (j, set) in line.iter_mut().enumerate() {
                        if let Some(set) = set {
                            set.insert(g(i, j));
                        }
                    }
                }
            }
            // The next combination of counts.
            let mut k = 0;
            while k < n && values[k] == max {
                values[k] = 0;
                k += 1;
            }
            if k == n {
                return out;
            }
            values[k] += 1;
        }
    }

    #[test]
    fn data_08_a_count_hidden_to_protect_another_has_its_own_marker_and_gives_nothing_away() {
        // Row 0: the 1 is small; its total (6) would then give away a second cell hidden as
        // "<5" only if that cell were small. The 5 is hidden to protect the 1, so it is marked
        // as withheld, not as under 5.
        let p = counts(&[vec![1, 5], vec![9, 7]]).publish(5);
        assert_eq!(p.cell(0, 0), Cell::Suppressed(5));
        let withheld: Vec<Cell> = p.cells().filter(|c| *c == Cell::Withheld).collect();
        assert!(!withheld.is_empty(), "{p:?}");
        assert_ne!(Cell::Withheld.to_string(), Cell::Suppressed(5).to_string());
        assert_eq!(Cell::Withheld.to_string(), "*");
        assert_eq!(serde_json::to_string(&Cell::Withheld).unwrap(), "\"*\"");
        let legend = super::super::legend(&p).unwrap();
        assert!(legend.contains("<5: a count from 1 to 4") && legend.contains("*: hidden to protect another cell"));
        // Knowing that "*" is at least 5 must not pin any hidden count: with row 0's total shown
        // as 6 the 1 and the 5 would be exact, so more is hidden.
        for (i, line) in possible(&p, 12).iter().enumerate() {
            for (j, set) in line.iter().enumerate() {
                if let Some(set) = set {
                    assert!(set.len() > 1, "entry ({i}, {j}) is exactly {set:?} in {p:?}");
                }
            }
        }
        assert!(super::super::legend(&counts(&[vec![5, 6]]).publish(5)).is_none());
    }

    #[test]
    fn data_08_small_counts_that_only_their_markers_would_give_away_keep_no_bound_on_a_total() {
        // Two "<3" adding up to a "<3" are both 1: every non-zero entry of the line is hidden
        // already, so a total gives up its bound instead and shows as "?".
        let p = counts(&[vec![1, 1]]).publish(3);
        assert_eq!(p.row(0), [Cell::Suppressed(3), Cell::Suppressed(3)]);
        assert_eq!(p.column_totals(), [Cell::Suppressed(3), Cell::Suppressed(3)]);
        assert_eq!(p.row_totals()[0], Cell::Unbounded);
        assert_eq!(p.total(), Cell::Unbounded);
        assert_eq!(Cell::Unbounded.to_string(), "?");
        assert_eq!(serde_json::to_string(&Cell::Unbounded).unwrap(), "\"?\"");
        let legend = super::super::legend(&p).unwrap();
        assert!(
            legend.contains("?: hidden, any count") && legend.contains("(2 hidden)"),
            "{legend}"
        );
        // Three "<4" in a row adding up to a "<4", in a larger table: no hidden entry is exact,
        // and the three keep their small marker.
        let p = counts(&[vec![1, 1, 1], vec![6, 5, 7]]).publish(4);
        for (i, line) in possible(&p, 9).iter().enumerate() {
            for (j, set) in line.iter().enumerate() {
                if let Some(set) = set {
                    assert!(set.len() > 1, "entry ({i}, {j}) is exactly {set:?} in {p:?}");
                }
            }
        }
        assert!(p.row(0).iter().all(|c| *c == Cell::Suppressed(4)), "{p:?}");
    }

    #[test]
    fn data_08_where_a_shown_grand_total_pins_small_counts_it_is_hidden_before_any_bound_is_given_up() {
        // Six rows of one "<5" each: their totals, each 1 to 4, adding up to a shown 6 would
        // make every one 1. Hiding the grand total is enough; no marker loses its bound.
        let values: Vec<Vec<u64>> = (0..6)
            .map(|i| (0..3).map(|j| u64::from((i + j) % 3 == 0)).collect())
            .collect();
        let p = counts(&values).publish(5);
        assert_eq!(p.total(), Cell::Withheld);
        assert!(p.row_totals().iter().all(|c| *c == Cell::Suppressed(5)), "{p:?}");
        assert!(
            p.cells().all(|c| matches!(c, Cell::Count(0) | Cell::Suppressed(5))),
            "{p:?}"
        );
        assert!(recoverable(&shown(&p)).is_empty(), "{p:?}");
    }

    proptest! {
        #[test]
        fn data_08_no_hidden_cell_is_recoverable_from_its_marker_and_the_totals(
            values in (1usize..3, 1usize..3).prop_flat_map(|(r, c)| {
                prop::collection::vec(prop::collection::vec(prop_oneof![Just(0u64), 1u64..5, 0u64..8], c), r)
            }),
            threshold in 2u32..6,
        ) {
            let t = counts(&values);
            let p = t.publish(threshold);
            for (i, line) in possible(&p, 9).iter().enumerate() {
                for (j, set) in line.iter().enumerate() {
                    if let Some(set) = set {
                        // The threshold 2 marker "<2" says 1 by itself; anything else must stay open.
                        let only_marker = threshold == 2 && set.len() == 1 && set.contains(&1);
                        prop_assert!(set.len() > 1 || only_marker, "({}, {}) is exactly {:?} in {:?}", i, j, set, p);
                    }
                }
            }
        }

        #[test]
        fn data_08_no_suppressed_cell_is_recoverable_from_totals(
            values in (1usize..6, 1usize..6).prop_flat_map(|(r, c)| {
                prop::collection::vec(prop::collection::vec(prop_oneof![Just(0u64), 1u64..5, 0u64..30], c), r)
            }),
            threshold in 1u32..8,
        ) {
            let t = counts(&values);
            let p = t.publish(threshold);
            let grid = t.grid();
            let seen = shown(&p);
            for (i, line) in grid.iter().enumerate() {
                for (j, v) in line.iter().enumerate() {
                    match seen[i][j] {
                        // What is shown is the true count, and never a small one.
                        Some(n) => {
                            prop_assert_eq!(n, *v);
                            prop_assert!(n == 0 || n >= u64::from(threshold));
                        }
                        None => prop_assert!(*v > 0),
                    }
                }
            }
            let found = recoverable(&seen);
            prop_assert!(found.is_empty(), "recovered {:?} from {:?}", found, seen);
        }
    }
}
