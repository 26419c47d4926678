//! Which entries of a report's grid to hide (DATA-08): primary suppression of small counts,
//! secondary suppression of what the line totals, with the markers' bounds, would give away.

/// Which entries of `grid` (counts plus a totals row and column) to hide. Primary: every value
/// from 1 to `threshold - 1`. Secondary: each row and column of the grid (its total included)
/// is a sum with one known answer, so a line with exactly one hidden entry gives it away; such
/// a line gets a second entry hidden (its smallest other non-zero count, else its total),
/// repeated until no line has exactly one. Then, because the markers say which hidden entries
/// are small (`<t`: 1 to t-1) and which are not (withheld: t or more), the bounds each line's sum
/// puts on its hidden entries are worked through ([`pinned`]); while one comes out exact,
/// another entry in its row or column is hidden and the whole is done again.
pub(super) fn suppress(grid: &[Vec<u64>], threshold: u64) -> Vec<Vec<bool>> {
    let mut hidden: Vec<Vec<bool>> = grid
        .iter()
        .map(|l| l.iter().map(|v| *v > 0 && *v < threshold).collect())
        .collect();
    let lines = lines_of(grid);
    loop {
        hide_lone_entries(grid, &lines, &mut hidden);
        let Some((i, j)) = pinned(grid, &lines, &hidden, threshold) else {
            return hidden;
        };
        let open = |p: &&(usize, usize)| !hidden[p.0][p.1] && grid[p.0][p.1] > 0;
        let through: Vec<&Vec<(usize, usize)>> = lines.iter().filter(|l| l.contains(&(i, j))).collect();
        let pick = through
            .iter()
            .find_map(|l| l.iter().filter(open).min_by_key(|(a, b)| grid[*a][*b]))
            .copied();
        match pick {
            Some((a, b)) => hidden[a][b] = true,
            // Nothing left to hide beside it: hide every non-zero entry.
            None => {
                for (a, line) in grid.iter().enumerate() {
                    for (b, v) in line.iter().enumerate() {
                        hidden[a][b] |= *v > 0;
                    }
                }
                return hidden;
            }
        }
    }
}

/// Every row and column of the grid, each ending with its total.
fn lines_of(grid: &[Vec<u64>]) -> Vec<Vec<(usize, usize)>> {
    let height = grid.len();
    let width = grid.first().map_or(0, Vec::len);
    let mut lines: Vec<Vec<(usize, usize)>> = (0..height).map(|i| (0..width).map(|j| (i, j)).collect()).collect();
    lines.extend((0..width).map(|j| (0..height).map(|i| (i, j)).collect::<Vec<_>>()));
    lines
}

fn hide_lone_entries(grid: &[Vec<u64>], lines: &[Vec<(usize, usize)>], hidden: &mut [Vec<bool>]) {
    loop {
        let mut changed = false;
        for line in lines {
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
            return;
        }
    }
}

/// A hidden entry whose value the published table gives away exactly, if any: each entry
/// starts with the bounds its marker gives (a shown one is exact), and every line (counts
/// summing to its total) narrows them until nothing changes.
fn pinned(
    grid: &[Vec<u64>],
    lines: &[Vec<(usize, usize)>],
    hidden: &[Vec<bool>],
    threshold: u64,
) -> Option<(usize, usize)> {
    const OPEN: i128 = 1 << 80;
    let t = i128::from(threshold);
    let start = |i: usize, j: usize| {
        let v = i128::from(grid[i][j]);
        match (hidden[i][j], v > 0 && v < t) {
            (false, _) => (v, v),
            (true, true) => (1, t - 1),
            (true, false) if v == 0 => (0, OPEN),
            (true, false) => (t, OPEN),
        }
    };
    let mut b: Vec<Vec<(i128, i128)>> = grid
        .iter()
        .enumerate()
        .map(|(i, l)| (0..l.len()).map(|j| start(i, j)).collect())
        .collect();
    for _ in 0..64 {
        let mut changed = false;
        for line in lines {
            let Some((&(ti, tj), counts)) = line.split_last() else {
                continue;
            };
            let lo: i128 = counts.iter().map(|(i, j)| b[*i][*j].0).sum();
            let hi: i128 = counts.iter().map(|(i, j)| b[*i][*j].1.min(OPEN)).sum();
            let total = b[ti][tj];
            let new_total = (total.0.max(lo), total.1.min(hi));
            for &(i, j) in counts {
                let (clo, chi) = b[i][j];
                let nlo = clo.max(total.0 - (hi - chi.min(OPEN)));
                let nhi = chi.min(total.1 - (lo - clo));
                if (nlo, nhi) != (clo, chi) {
                    b[i][j] = (nlo, nhi);
                    changed = true;
                }
            }
            if new_total != b[ti][tj] {
                b[ti][tj] = new_total;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    (0..grid.len())
        .flat_map(|i| (0..grid[i].len()).map(move |j| (i, j)))
        .find(|&(i, j)| hidden[i][j] && b[i][j].0 == b[i][j].1 && start(i, j).0 != start(i, j).1)
}
