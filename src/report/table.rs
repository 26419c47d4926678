//! The one aggregation engine every report goes through (DATA-08, DATA-14): raw counts go in,
//! and what comes out holds only [`Cell`]s, with row, column and grand totals. Publishing
//! applies primary suppression (1..threshold-1 hidden) and then secondary suppression, so that
//! no hidden count can be worked out from the published totals by subtraction.

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
        let hidden = suppress(&grid, u64::from(threshold));
        self.published(&grid, |i, j| hidden[i][j], threshold)
    }

    /// Every count shown: for supervisors only (the desk checks), never for publishing.
    pub fn unsuppressed(&self) -> Published {
        self.published(&self.grid(), |_, _| false, 0)
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

    fn published(&self, grid: &[Vec<u64>], hide: impl Fn(usize, usize) -> bool, threshold: u32) -> Published {
        let cell = |i: usize, j: usize| {
            let v = grid.get(i).and_then(|l| l.get(j)).copied().unwrap_or(0);
            if hide(i, j) {
                Cell::Suppressed(threshold)
            } else {
                Cell::Count(v)
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

/// Which entries of `grid` (counts plus a totals row and column) to hide. Primary: every value
/// from 1 to `threshold - 1`. Secondary: each row and column of the grid (its total included)
/// is a sum with one known answer, so a line with exactly one hidden entry gives it away; such
/// a line gets a second entry hidden (its smallest other non-zero count, else its total),
/// repeated until no line has exactly one.
fn suppress(grid: &[Vec<u64>], threshold: u64) -> Vec<Vec<bool>> {
    let mut hidden: Vec<Vec<bool>> = grid
        .iter()
        .map(|l| l.iter().map(|v| *v > 0 && *v < threshold).collect())
        .collect();
    let height = grid.len();
    let width = grid.first().map_or(0, Vec::len);
    let mut lines: Vec<Vec<(usize, usize)>> = (0..height).map(|i| (0..width).map(|j| (i, j)).collect()).collect();
    lines.extend((0..width).map(|j| (0..height).map(|i| (i, j)).collect::<Vec<_>>()));
    loop {
        let mut changed = false;
        for line in &lines {
            if line.iter().filter(|(i, j)| hidden[*i][*j]).count() != 1 {
                continue;
            }
            // The line's last entry is its total: hide a count before a total where one will do.
            let Some((total, counts)) = line.split_last() else {
                continue;
            };
            let open = |p: &&(usize, usize)| !hidden[p.0][p.1] && grid[p.0][p.1] > 0;
            let pick = counts
                .iter()
                .filter(open)
                .min_by_key(|(i, j)| grid[*i][*j])
                .or(Some(total).filter(open));
            if let Some((i, j)) = pick {
                hidden[*i][*j] = true;
                changed = true;
            }
        }
        if !changed {
            return hidden;
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
            .filter(|c| matches!(c, Cell::Suppressed(_)))
            .count()
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
            Cell::Suppressed(_) => None,
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
        assert!(p.row(0).iter().filter(|c| matches!(c, Cell::Suppressed(_))).count() >= 2);
        assert!((0..2).filter(|i| matches!(p.cell(*i, 0), Cell::Suppressed(_))).count() >= 2);
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

    proptest! {
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
