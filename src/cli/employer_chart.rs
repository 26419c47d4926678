//! `employer contacts` and `employer busiest`: the contact-time chart (EVT-04) as text for
//! people (a bar per week, with the total and the busiest week), as weeks and counts for JSON
//! and CSV.

use crate::desk::{Desk, DeskError};
use crate::domain::contact_chart::ContactChart;
use crate::domain::employer::Employer;

use super::output::{emit, Format, Table};

/// The longest bar in the text chart, in characters.
const BAR: usize = 40;

/// The chart as text: a heading, the one-line chart, then one bar per week.
fn chart_text(name: &str, chart: &ContactChart) -> String {
    let weeks = chart.weeks.len();
    let mut out = format!("Contacts with {name} per week, last {weeks} week(s) (EVT-04)\n");
    out.push_str(&match chart.busiest_week() {
        Some(w) => format!(
            "{} contact(s) in all; most in one week: {} (w/c {})\n",
            chart.total(),
            w.contacts,
            w.monday
        ),
        None => "no contacts recorded in these weeks\n".to_string(),
    });
    out.push_str(&format!("{}\n", chart.sparkline()));
    let max = chart.max().max(1) as usize;
    out.push_str("w/c         contacts\n");
    for w in &chart.weeks {
        let bar = "█".repeat((w.contacts as usize * BAR).div_ceil(max));
        out.push_str(&format!("{} │{bar} {}\n", w.monday, w.contacts));
    }
    out
}

/// `employer contacts EMPLOYER [--weeks N]`.
pub fn contacts(format: Format, desk: &Desk, employer: &Employer, weeks: u32) -> Result<(), DeskError> {
    let chart = desk.contact_chart(employer.id, weeks)?;
    let rows: Vec<serde_json::Value> = chart
        .weeks
        .iter()
        .map(|w| serde_json::json!({ "week": w.monday.to_string(), "contacts": w.contacts }))
        .collect();
    emit(format, &rows, || chart_text(&employer.name, &chart));
    Ok(())
}

/// `employer busiest [--weeks N] [--limit N]`.
pub fn busiest(format: Format, desk: &Desk, weeks: u32, limit: usize) -> Result<(), DeskError> {
    let busy = desk.busiest_employers(weeks, limit)?;
    let rows: Vec<serde_json::Value> = busy
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let top = b.chart.busiest_week();
            serde_json::json!({
                "rank": i + 1,
                "id": b.employer.id.to_string(),
                "employer": b.employer.name,
                "contacts": b.chart.total(),
                "busiest_week": top.map(|w| w.monday.to_string()),
                "most_in_a_week": top.map_or(0, |w| w.contacts),
            })
        })
        .collect();
    emit(format, &rows, || {
        if busy.is_empty() {
            return format!("no employer has contacts in the last {weeks} week(s)\n");
        }
        let mut t = Table::new(&["#", "EMPLOYER", "CONTACTS", "BUSIEST WEEK", "PER WEEK"]);
        for (i, b) in busy.iter().enumerate() {
            let top = b
                .chart
                .busiest_week()
                .map_or_else(String::new, |w| format!("{} ({})", w.monday, w.contacts));
            t.row(vec![
                (i + 1).to_string(),
                b.employer.name.clone(),
                b.chart.total().to_string(),
                top,
                b.chart.sparkline(),
            ]);
        }
        format!(
            "Employers with the most contacts, last {weeks} week(s) (EVT-04)\n{}",
            t.render()
        )
    });
    Ok(())
}
