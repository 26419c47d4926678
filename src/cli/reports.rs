//! `report ...`: every aggregate report prints a table from the engine in `crate::report`
//! (DATA-08, DATA-14); `--publishable` gives the suppressed form, the only one open to staff
//! without the supervisor role. `programme-usage` names clients and is for supervisors (DATA-07).

use clap::{Subcommand, ValueEnum};
use serde_json::{Map, Value};

use crate::desk::{Desk, DeskError, Grouping, ProgrammeUsageLine, Variant};
use crate::domain::limits;
use crate::report::Published;

use super::output::{emit, Format, Table};

/// How the usage report's rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// One row per school: programmes rolled up, so fewer counts are hidden.
    School,
    /// One row per programme.
    Programme,
}

/// `report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Appointments attended by appointment type and school (or programme).
    Usage {
        /// Rows by school or by programme.
        #[arg(long, value_enum, default_value_t = By::School)]
        by: By,
        /// The suppressed form, safe to publish (the only one without the supervisor role).
        #[arg(long)]
        publishable: bool,
    },
    /// Appointments due by week and how they ended (attended, late-cancel, no-show, unresolved).
    NoShows {
        /// How many weeks back (1 to 520).
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=i64::from(limits::REPORT_WEEKS)))]
        weeks: u32,
        /// The suppressed form, safe to publish (the only one without the supervisor role).
        #[arg(long)]
        publishable: bool,
    },
    /// Appointments attended per week by appointment type.
    ContactsPerWeek {
        /// How many weeks back (1 to 520).
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=i64::from(limits::REPORT_WEEKS)))]
        weeks: u32,
        /// The suppressed form, safe to publish (the only one without the supervisor role).
        #[arg(long)]
        publishable: bool,
    },
    /// For a programme's staff: which of its clients used which service, and when (supervisors).
    ProgrammeUsage {
        /// The programme, as client records name it.
        #[arg(long)]
        programme: String,
        /// A required service (appointment type id); repeat for several. Default: every type.
        #[arg(long = "service")]
        services: Vec<String>,
    },
}

fn variant(publishable: bool) -> Variant {
    if publishable {
        Variant::Publishable
    } else {
        Variant::Unsuppressed
    }
}

/// Runs one `report` subcommand.
pub fn run(format: Format, desk: &Desk, cmd: &ReportCmd) -> Result<(), DeskError> {
    match cmd {
        ReportCmd::Usage { by, publishable } => {
            let grouping = match by {
                By::School => Grouping::School,
                By::Programme => Grouping::Programme,
            };
            let label = match by {
                By::School => "school",
                By::Programme => "programme",
            };
            print_table(format, label, &desk.usage_report(grouping, variant(*publishable))?);
        }
        ReportCmd::NoShows { weeks, publishable } => {
            print_table(format, "week_of", &desk.no_shows_table(*weeks, variant(*publishable))?);
        }
        ReportCmd::ContactsPerWeek { weeks, publishable } => {
            print_table(
                format,
                "week_of",
                &desk.contacts_per_week(*weeks, variant(*publishable))?,
            );
        }
        ReportCmd::ProgrammeUsage { programme, services } => {
            print_programme_usage(format, &desk.programme_usage(programme, services)?);
        }
    }
    Ok(())
}

/// A published table as rows of `{label: row, column: cell, ..., total: cell}`, the column
/// totals last under the label `total`; JSON and CSV carry the same rows.
fn print_table(format: Format, label: &str, p: &Published) {
    let line = |name: &str, cells: &[crate::report::Cell], total: crate::report::Cell| {
        let mut m = Map::new();
        m.insert(label.to_string(), Value::String(name.to_string()));
        for (c, cell) in p.columns().iter().zip(cells) {
            // A column named like the label or the total keeps its own key.
            let key = if c == label || c == "total" {
                format!("{c}_column")
            } else {
                c.clone()
            };
            m.insert(key, serde_json::to_value(cell).unwrap_or(Value::Null));
        }
        m.insert("total".into(), serde_json::to_value(total).unwrap_or(Value::Null));
        Value::Object(m)
    };
    let mut rows: Vec<Value> = (0..p.rows().len())
        .map(|i| line(&p.rows()[i], p.row(i), p.row_totals()[i]))
        .collect();
    rows.push(line("total", p.column_totals(), p.total()));
    emit(format, &rows, || {
        let mut header = vec![label.to_uppercase().replace('_', " ")];
        header.extend(p.columns().iter().cloned());
        header.push("TOTAL".into());
        let mut t = Table::with_header(header);
        for i in 0..p.rows().len() {
            let mut r = vec![p.rows()[i].clone()];
            r.extend(p.row(i).iter().map(ToString::to_string));
            r.push(p.row_totals()[i].to_string());
            t.row(r);
        }
        let mut r = vec!["total".to_string()];
        r.extend(p.column_totals().iter().map(ToString::to_string));
        r.push(p.total().to_string());
        t.row(r);
        let note = match p.threshold() {
            Some(th) => match crate::report::legend(p) {
                Some(legend) => format!("publishable (DATA-08): {legend}\n"),
                None => format!("publishable (DATA-08): nothing hidden, every count is 0 or at least {th}\n"),
            },
            None => {
                "unsuppressed: for supervisors, not for publishing; use --publishable for a copy to share (DATA-14)\n"
                    .into()
            }
        };
        format!("{}{note}", t.render())
    });
}

fn print_programme_usage(format: Format, lines: &[ProgrammeUsageLine]) {
    let rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            let mut m = Map::new();
            m.insert("student_number".into(), Value::String(l.student_number.to_string()));
            m.insert("name".into(), Value::String(l.name.clone()));
            for (service, day) in &l.used {
                m.insert(
                    service.clone(),
                    Value::String(if day.is_some() { "yes" } else { "no" }.into()),
                );
                m.insert(
                    format!("{service}_last"),
                    day.map_or(Value::Null, |d| Value::String(d.to_string())),
                );
            }
            Value::Object(m)
        })
        .collect();
    emit(format, &rows, || {
        let mut header = vec!["STUDENT NO".to_string(), "NAME".to_string()];
        if let Some(first) = lines.first() {
            header.extend(first.used.iter().map(|(s, _)| s.clone()));
        }
        let mut t = Table::with_header(header);
        for l in lines {
            let mut r = vec![l.student_number.to_string(), l.name.clone()];
            r.extend(l.used.iter().map(|(_, d)| match d {
                Some(d) => format!("yes {d}"),
                None => "no".into(),
            }));
            t.row(r);
        }
        format!(
            "{}{} client(s); usage only, no notes or reasons (DATA-07, DATA-09)\n",
            t.render(),
            lines.len()
        )
    });
}
