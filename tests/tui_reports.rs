//! The supervisor's reports view in triage and triage's no-show chart (DATA-07, DATA-08,
//! DATA-14): every table on the screen is the report engine's publishable form, the same the
//! desk gives `careerdesk report ... --publishable`; a small count is drawn as suppressed, the
//! drawn totals never give it away, and no report view shows a person.

mod common;

use std::sync::Arc;

use careerdesk::desk::{Desk, Grouping, NewClient, Variant};
use careerdesk::domain::appointment::Outcome;
use careerdesk::domain::operator::Role;
use careerdesk::report::{Cell, Published};
use careerdesk::ui::command::Command;
use careerdesk::ui::panes::triage::{ReportKind, TriagePane};

use common::panes::*;
use common::*;

const W: u16 = 180;
const H: u16 = 60;

/// (programme, school, clients) of the demo clients; MSc Physics and LLB are tiny groups.
const GROUPS: [(&str, &str, usize); 4] = [
    ("BSc Physics", "Natural Sciences", 6),
    ("MSc Physics", "Natural Sciences", 1),
    ("BA Law", "Law", 4),
    ("LLB", "Law", 2),
];

/// A store on Monday 2 Nov 2026: the clients of [`GROUPS`] each had a guidance appointment
/// that week, all attended but the first two (no-shows); six history students each missed
/// one the week after. The clock is then Monday 16 Nov.
fn world() -> (World, Vec<(String, String)>) {
    let w = World::new(
        at(2026, 11, 2, 8, 0),
        &[("cons1", Role::Consultant), ("sup1", Role::Supervisor)],
        &[],
    );
    let mut people = Vec::new();
    let mut booked = Vec::new();
    let mut n = 10000001;
    let history = [("MA History", "Humanities", 6)];
    for (week, groups) in [(0, &GROUPS[..]), (1, &history[..])] {
        let mut i = 0;
        for (programme, school, count) in groups {
            for _ in 0..*count {
                let sn = n.to_string();
                let name = format!("Person{n} Surname{n}");
                n += 1;
                add(
                    &w.admin,
                    &NewClient {
                        programme: (*programme).into(),
                        school: Some((*school).into()),
                        ..new_client(&sn, &name)
                    },
                )
                .unwrap();
                let local = format!("2026-11-{:02} {}:00", 3 + 7 * week + i / 6, 10 + i % 6);
                w.slot("cons1", "guidance", &local);
                booked.push((week, w.book_with(&w.admin, &sn, "guidance", &local, None).unwrap()));
                people.push((sn, name));
                i += 1;
            }
        }
    }
    w.clock.set(at(2026, 11, 16, 8, 0));
    let cons = w.as_("cons1");
    for (i, (week, b)) in booked.iter().enumerate() {
        let outcome = if *week == 1 || i < 2 {
            Outcome::NoShow
        } else {
            Outcome::Attended
        };
        cons.record_outcome(b.id, outcome).unwrap();
    }
    (w, people)
}

/// The reports view open in triage for `desk`.
fn reports_view(desk: &Arc<Desk>) -> (Ui<'_>, TriagePane) {
    let mut ui = Ui::new(desk);
    let mut pane = TriagePane::new(desk);
    ui.shown(&mut pane);
    assert!(ui.cmd(&mut pane, Command::Reports));
    (ui, pane)
}

/// The service's publishable table for a report of the view.
fn service_table(desk: &Desk, kind: ReportKind) -> Published {
    match kind {
        ReportKind::Usage => desk.usage_report(Grouping::School, Variant::Publishable),
        ReportKind::NoShows => desk.no_shows_table(12, Variant::Publishable),
        ReportKind::ContactsPerWeek => desk.contacts_per_week(12, Variant::Publishable),
        ReportKind::ProgrammeUsage => desk.programme_usage_table(Variant::Publishable),
    }
    .unwrap()
}

/// The cells (and total) of the table line labelled `label`, as drawn.
fn drawn_row(s: &str, label: &str) -> Vec<String> {
    let key = format!("│{label} ");
    let line = s
        .lines()
        .find(|l| l.contains(&key))
        .unwrap_or_else(|| panic!("no table line `{label}`:\n{s}"));
    let at = line.find(&key).unwrap() + key.len();
    line[at..]
        .split('│')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// What the service's table says each drawn line should hold: every row, then the totals.
fn expected(p: &Published) -> Vec<(String, Vec<String>)> {
    let text = |cells: &[Cell], total: Cell| {
        cells
            .iter()
            .chain(std::iter::once(&total))
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    let mut out: Vec<(String, Vec<String>)> = (0..p.rows().len())
        .map(|i| (p.rows()[i].clone(), text(p.row(i), p.row_totals()[i])))
        .collect();
    out.push(("total".into(), text(p.column_totals(), p.total())));
    out
}

#[test]
fn data_08_each_report_view_draws_the_numbers_the_service_gives() {
    let (w, _) = world();
    let sup = Arc::new(w.as_("sup1"));
    let (mut ui, mut pane) = reports_view(&sup);
    for (i, kind) in ReportKind::ALL.into_iter().enumerate() {
        if i > 0 {
            ui.cmd(&mut pane, Command::Down);
        }
        let s = screen(&mut pane, W, H);
        has(&s, &format!("{} (publishable, DATA-08)", kind.title()));
        let p = service_table(&sup, kind);
        assert!(!p.rows().is_empty(), "{kind:?} has rows");
        for (label, cells) in expected(&p) {
            assert_eq!(drawn_row(&s, &label), cells, "{kind:?}, line {label}:\n{s}");
        }
    }
    // The publishable form is the one drawn, also for a supervisor: the small groups are hidden.
    let full = sup.programme_usage_table(Variant::Unsuppressed).unwrap();
    let shown = sup.programme_usage_table(Variant::Publishable).unwrap();
    assert_ne!(full, shown);
}

/// A solver: a hidden entry is recovered when it is the only hidden one in a row or column of
/// the grid (counts plus a totals row and column), the line's sum being known; recovered
/// entries help recover others. Returns what it recovered.
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
fn data_08_suppressed_cells_are_drawn_as_suppressed_and_the_drawn_totals_do_not_reveal_them() {
    let (w, _) = world();
    let sup = Arc::new(w.as_("sup1"));
    let (mut ui, mut pane) = reports_view(&sup);
    for (i, kind) in ReportKind::ALL.into_iter().enumerate() {
        if i > 0 {
            ui.cmd(&mut pane, Command::Down);
        }
        let s = screen(&mut pane, W, H);
        let full = match kind {
            ReportKind::Usage => sup.usage_report(Grouping::School, Variant::Unsuppressed),
            ReportKind::NoShows => sup.no_shows_table(12, Variant::Unsuppressed),
            ReportKind::ContactsPerWeek => sup.contacts_per_week(12, Variant::Unsuppressed),
            ReportKind::ProgrammeUsage => sup.programme_usage_table(Variant::Unsuppressed),
        }
        .unwrap();
        // The grid as drawn, the true one beside it (counts, then each line's total).
        let mut labels: Vec<String> = full.rows().to_vec();
        labels.push("total".into());
        let drawn: Vec<Vec<Option<u64>>> = labels
            .iter()
            .map(|l| {
                drawn_row(&s, l)
                    .iter()
                    .map(|t| match t.as_str() {
                        "<5" | "*" | "?" => None,
                        n => Some(n.parse::<u64>().unwrap_or_else(|_| panic!("`{n}` in {l}:\n{s}"))),
                    })
                    .collect()
            })
            .collect();
        let truth: Vec<Vec<u64>> = expected(&full)
            .into_iter()
            .map(|(_, cells)| cells.iter().map(|c| c.parse().unwrap()).collect())
            .collect();
        for (drawn_line, true_line) in drawn.iter().zip(&truth) {
            for (d, t) in drawn_line.iter().zip(true_line) {
                match d {
                    // What is drawn is the true count, and never a small one.
                    Some(n) => assert!(*n == *t && (*n == 0 || *n >= 5), "{kind:?}: {n} drawn for {t}:\n{s}"),
                    None => assert!(*t > 0, "{kind:?}: a zero hidden"),
                }
            }
        }
        assert!(
            recoverable(&drawn).is_empty(),
            "{kind:?}: recovered from the drawn totals:\n{s}"
        );
        if kind == ReportKind::ProgrammeUsage {
            // MSc Physics' one client and LLB's two are hidden, and so is enough else.
            has(&s, "<5");
            has(&s, "<5: a count from 1 to 4");
            assert_eq!(drawn_row(&s, "MA History")[0], "0", "nobody in MA History attended");
        }
    }
}

#[test]
fn data_14_a_report_view_shows_no_client_even_with_tiny_groups() {
    let (w, people) = world();
    let sup = Arc::new(w.as_("sup1"));
    let (mut ui, mut pane) = reports_view(&sup);
    for i in 0..ReportKind::ALL.len() {
        if i > 0 {
            ui.cmd(&mut pane, Command::Down);
        }
        let s = screen(&mut pane, W, H);
        has(&s, "publishable, DATA-08");
        for (sn, name) in &people {
            lacks(&s, sn);
            lacks(&s, name);
            lacks(&s, &name[..name.find(' ').unwrap()]);
        }
        lacks(&s, "@student.example.ac.uk");
    }
    // esc goes back to the triage lists, which are for settling outcomes by name.
    ui.cmd(&mut pane, Command::Back);
    has(&screen(&mut pane, W, H), "Triage: select");
}

#[test]
fn data_08_the_triage_no_show_chart_is_the_engines_publishable_table() {
    let (w, _) = world();
    let sup = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&sup);
    let mut pane = TriagePane::new(&sup);
    ui.shown(&mut pane);
    let s = screen(&mut pane, W, H);
    let p = sup.no_shows_table(12, Variant::Publishable).unwrap();
    let no_show = p.columns().iter().position(|c| c == "no-show").unwrap();
    for (i, monday) in p.rows().iter().enumerate() {
        let week = chrono::NaiveDate::parse_from_str(monday, "%Y-%m-%d")
            .unwrap()
            .format("%d %b");
        let line = s
            .lines()
            .find(|l| l.contains(&format!("{week} │")))
            .unwrap_or_else(|| panic!("no chart line for {week}:\n{s}"));
        let drawn = format!(" {} of {}", p.cell(i, no_show), p.row_totals()[i]);
        assert!(line.contains(&drawn), "`{drawn}` not in `{line}`");
    }
    // The week of six no-shows is hidden too: alone, its column total would give away the
    // other week's two (secondary suppression, not only counts under five).
    let full = sup.no_shows_table(12, Variant::Unsuppressed).unwrap();
    let week = p.rows().iter().position(|r| r == "2026-11-09").unwrap();
    assert_eq!(full.cell(week, no_show), Cell::Count(6));
    // Marked as hidden to protect another cell, not as under five.
    assert_eq!(p.cell(week, no_show), Cell::Withheld);
}

#[test]
fn data_14_the_usage_view_draws_what_the_command_line_prints_as_publishable() {
    let (w, _) = world();
    let (drawn, p) = {
        let sup = Arc::new(w.as_("sup1"));
        let (_ui, mut pane) = reports_view(&sup);
        let s = screen(&mut pane, W, H);
        let p = service_table(&sup, ReportKind::Usage);
        let drawn: Vec<(String, Vec<String>)> = expected(&p)
            .into_iter()
            .map(|(label, _)| {
                let cells = drawn_row(&s, &label);
                (label, cells)
            })
            .collect();
        (drawn, p)
    };
    // The store handed to the command line, the desk's lock released.
    let paths = careerdesk::paths::Paths::resolve(Some(w._tmp.path()));
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    let World { _tmp, admin, .. } = w;
    drop(admin);
    let out = as_op(_tmp.path(), "sup1")
        .args(["--format", "json", "report", "usage", "--publishable"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed.len(), drawn.len());
    let mut keys: Vec<String> = p.columns().to_vec();
    keys.push("total".into());
    for (line, (label, cells)) in printed.iter().zip(&drawn) {
        assert_eq!(line["school"], serde_json::Value::String(label.clone()));
        let from_cli: Vec<String> = keys
            .iter()
            .map(|k| match &line[k.as_str()] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(&from_cli, cells, "line {label}");
    }
}
