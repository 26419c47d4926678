//! Which entries of a report's grid to hide (DATA-08): primary suppression of small counts,
//! secondary suppression of what the line totals, with the markers' bounds, would give away.

/// How one entry of the grid is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// Shown as its count.
    Shown,
    /// Hidden behind the marker its count gives (`<t` for 1..t-1, else withheld).
    Hidden,
    /// Hidden with no bound at all: the marker's bound would give a count away.
    Unbounded,
}

/// How to publish each entry of `grid` (counts plus a totals row and column). Primary: every
/// value from 1 to `threshold - 1` is hidden. Secondary: each row and column of the grid (its
/// total included) is a sum with one known answer, so a line with exactly one hidden entry gives
/// it away; such a line gets a second entry hidden (its smallest other non-zero count, else its
/// total), repeated until no line has exactly one. Then, because the markers say which hidden
/// entries are small (`<t`: 1 to t-1) and which are not (withheld: t or more), the bounds each
/// line's sum puts on its hidden entries are worked through ([`pinned`]); while one comes out
/// exact, another entry in its row or column is hidden and the whole is done again. When
/// nothing beside it is left to hide (every non-zero entry of its lines is hidden already, as in
/// two `<3` adding up to a `<3`), a shown total elsewhere is hidden or a marker gives up its
/// bound instead ([`free_exact`]).
pub(super) fn suppress(grid: &[Vec<u64>], threshold: u64) -> Vec<Vec<Entry>> {
    let mut hidden: Vec<Vec<bool>> = grid
        .iter()
        .map(|l| l.iter().map(|v| *v > 0 && *v < threshold).collect())
        .collect();
    let mut loose: Vec<Vec<bool>> = grid.iter().map(|l| vec![false; l.len()]).collect();
    let lines = lines_of(grid);
    loop {
        hide_lone_entries(grid, &lines, &mut hidden);
        let Some((i, j)) = pinned(grid, &lines, &hidden, &loose, threshold) else {
            return entries(&hidden, &loose);
        };
        let open = |p: &&(usize, usize)| !hidden[p.0][p.1] && grid[p.0][p.1] > 0;
        let through: Vec<&Vec<(usize, usize)>> = lines.iter().filter(|l| l.contains(&(i, j))).collect();
        let pick = through
            .iter()
            .find_map(|l| l.iter().filter(open).min_by_key(|(a, b)| grid[*a][*b]))
            .copied();
        match pick {
            Some((a, b)) => hidden[a][b] = true,
            None => {
                if !free_exact(grid, &lines, &mut hidden, &mut loose, threshold, (i, j)) {
                    // No bound left to give up: every non-zero entry hidden with none. Nothing
                    // is then exact (doubling every count fits what is published just as well).
                    for (a, line) in grid.iter().enumerate() {
                        for (b, v) in line.iter().enumerate() {
                            hidden[a][b] |= *v > 0;
                            loose[a][b] |= *v > 0;
                        }
                    }
                    return entries(&hidden, &loose);
                }
            }
        }
    }
}

fn entries(hidden: &[Vec<bool>], loose: &[Vec<bool>]) -> Vec<Vec<Entry>> {
    hidden
        .iter()
        .zip(loose)
        .map(|(h, l)| {
            h.iter()
                .zip(l)
                .map(|(h, l)| match (*h, *l) {
                    (false, _) => Entry::Shown,
                    (true, false) => Entry::Hidden,
                    (true, true) => Entry::Unbounded,
                })
                .collect()
        })
        .collect()
}

/// Frees `exact`, whose lines have nothing left to hide, by one step, choosing in this order:
/// hiding a shown total elsewhere (the grand total, say) whose sum pins it, if one alone frees
/// it; giving up the bound of a hidden total (those of the lines through `exact` first), if
/// one alone frees it; giving up the bound of a hidden count in those lines, if one alone frees
/// it; else the first hidden total (or, with none left, count) in that order loses its bound
/// and the search goes on. A count keeps its marker longest. Returns false when no hidden
/// entry has a bound left.
fn free_exact(
    grid: &[Vec<u64>],
    lines: &[Vec<(usize, usize)>],
    hidden: &mut [Vec<bool>],
    loose: &mut [Vec<bool>],
    threshold: u64,
    exact: (usize, usize),
) -> bool {
    let (h, w) = (grid.len(), grid.first().map_or(0, Vec::len));
    let is_total = |p: &(usize, usize)| p.0 + 1 == h || p.1 + 1 == w;
    let through: Vec<&Vec<(usize, usize)>> = lines.iter().filter(|l| l.contains(&exact)).collect();
    let mut order: Vec<(usize, usize)> = through.iter().filter_map(|l| l.last().copied()).collect();
    let every = || (0..h).flat_map(|i| (0..w).map(move |j| (i, j)));
    order.extend(every().filter(is_total));
    order.extend(through.iter().flat_map(|l| l.iter().copied()));
    order.extend(every().filter(|p| !is_total(p)));
    let mut seen = vec![vec![false; w]; h];
    order.retain(|&(i, j)| !std::mem::replace(&mut seen[i][j], true));
    let frees = |hidden: &[Vec<bool>], loose: &[Vec<bool>]| {
        let b = bounds(grid, lines, hidden, loose, threshold)[exact.0][exact.1];
        b.0 != b.1
    };
    // Hiding a shown total.
    for &(i, j) in order.iter().filter(|p| is_total(p)) {
        if hidden[i][j] || grid[i][j] == 0 {
            continue;
        }
        hidden[i][j] = true;
        if frees(hidden, loose) {
            return true;
        }
        hidden[i][j] = false;
    }
    // Giving up a bound: totals, then the counts of the lines through `exact`.
    let bounded: Vec<(usize, usize)> = order
        .iter()
        .copied()
        .filter(|&(i, j)| hidden[i][j] && !loose[i][j])
        .collect();
    let near = |p: &(usize, usize)| is_total(p) || through.iter().any(|l| l.contains(p));
    for &(i, j) in bounded.iter().filter(|p| near(p)) {
        loose[i][j] = true;
        if frees(hidden, loose) {
            return true;
        }
        loose[i][j] = false;
    }
    match bounded.first() {
        Some(&(i, j)) => {
            loose[i][j] = true;
            true
        }
        None => false,
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

/// A hidden entry whose value the published table gives away exactly, if any (see [`bounds`]).
fn pinned(
    grid: &[Vec<u64>],
    lines: &[Vec<(usize, usize)>],
    hidden: &[Vec<bool>],
    loose: &[Vec<bool>],
    threshold: u64,
) -> Option<(usize, usize)> {
    let b = bounds(grid, lines, hidden, loose, threshold);
    (0..grid.len())
        .flat_map(|i| (0..grid[i].len()).map(move |j| (i, j)))
        .find(|&(i, j)| {
            let s = start(grid[i][j], hidden[i][j], loose[i][j], threshold);
            hidden[i][j] && b[i][j].0 == b[i][j].1 && s.0 != s.1
        })
}

/// Above any count: an entry with no upper bound.
const OPEN: i128 = 1 << 80;

/// The bounds an entry's marker gives: exact when shown, 1..t-1 for `<t`, t or more when
/// withheld, 1 or more with no bound.
fn start(value: u64, hidden: bool, loose: bool, threshold: u64) -> (i128, i128) {
    let (v, t) = (i128::from(value), i128::from(threshold));
    match (hidden, loose, v > 0 && v < t) {
        (false, _, _) => (v, v),
        (true, true, _) => (1, OPEN),
        (true, false, true) => (1, t - 1),
        (true, false, false) if v == 0 => (0, OPEN),
        (true, false, false) => (t, OPEN),
    }
}

/// What the published table tells of each entry: each starts with the bounds its marker gives
/// ([`start`]), and every line (counts summing to its total) narrows them until nothing changes.
fn bounds(
    grid: &[Vec<u64>],
    lines: &[Vec<(usize, usize)>],
    hidden: &[Vec<bool>],
    loose: &[Vec<bool>],
    threshold: u64,
) -> Vec<Vec<(i128, i128)>> {
    let mut b: Vec<Vec<(i128, i128)>> = grid
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (0..l.len())
                .map(|j| start(grid[i][j], hidden[i][j], loose[i][j], threshold))
                .collect()
        })
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
    b
}
