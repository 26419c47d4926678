//! `employer vacancy add|edit|close`: vacancies typed in by staff (EMP-01), beside the portal
//! import (`import vacancies FILE`, EMP-02).

use clap::Subcommand;

use super::output::{emit, Format};
use crate::desk::{Desk, DeskError, NewVacancy, VacancyChanges};
use crate::domain::employer::Vacancy;
use crate::domain::ids::VacancyId;

/// `employer vacancy ...`.
#[derive(Debug, Subcommand)]
pub enum VacancyCmd {
    /// Add a vacancy at an employer.
    Add {
        /// Employer id or unique name.
        employer: String,
        /// Job title.
        #[arg(long)]
        title: String,
        /// Closing date, YYYY-MM-DD (leave out for open-ended).
        #[arg(long, default_value = "")]
        closes: String,
        /// Where to apply.
        #[arg(long, default_value = "")]
        url: String,
    },
    /// Change a vacancy (`--closes ""` makes it open-ended, `--url ""` clears the address).
    Edit {
        /// Vacancy id (`employer show` lists them).
        id: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// New closing date, YYYY-MM-DD.
        #[arg(long)]
        closes: Option<String>,
        /// New address to apply at.
        #[arg(long)]
        url: Option<String>,
    },
    /// Close a vacancy today.
    Close {
        /// Vacancy id.
        id: String,
    },
}

fn vacancy_id(raw: &str) -> Result<VacancyId, DeskError> {
    raw.trim().parse().map_err(|_| {
        DeskError::Invalid(format!(
            "`{raw}` is not a vacancy id; `employer show EMPLOYER` lists them"
        ))
    })
}

fn said(v: &Vacancy, what: &str) -> String {
    let closes = v
        .closes
        .map_or_else(|| "open-ended".to_string(), |d| format!("closes {d}"));
    format!("{what} vacancy {} \"{}\" ({closes})\n", v.id, v.title)
}

/// Runs one `employer vacancy` subcommand.
pub fn run(format: Format, desk: &Desk, cmd: &VacancyCmd) -> Result<(), DeskError> {
    let (v, what) = match cmd {
        VacancyCmd::Add {
            employer,
            title,
            closes,
            url,
        } => {
            let employer = desk.resolve_employer(employer)?.id;
            let new = NewVacancy {
                title: title.clone(),
                closes: closes.clone(),
                url: url.clone(),
            };
            (desk.add_vacancy(employer, &new)?, "added")
        }
        VacancyCmd::Edit { id, title, closes, url } => {
            let changes = VacancyChanges {
                title: title.clone(),
                closes: closes.clone(),
                url: url.clone(),
            };
            (desk.edit_vacancy(vacancy_id(id)?, &changes)?, "changed")
        }
        VacancyCmd::Close { id } => (desk.close_vacancy(vacancy_id(id)?)?, "closed"),
    };
    emit(format, &v, || said(&v, what));
    Ok(())
}
