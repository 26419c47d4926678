//! `employer export --for-students`: the employer directory meant for students (DATA-13), with
//! only the contacts visible to students; as a table, JSON or CSV (one row per visible contact),
//! to standard output or a new file.

use std::path::Path;

use crate::desk::{Desk, DeskError, StudentDirectory};

use super::output::{emit, render, Format};

/// One CSV row: an employer and one of its visible contacts (blank when it has none).
fn csv_rows(d: &StudentDirectory) -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    for e in &d.employers {
        let row = |name: Option<&str>, title: Option<&str>, email: Option<&str>, phone: Option<&str>| {
            serde_json::json!({
                "employer": e.name,
                "sector": e.sector,
                "website": e.website,
                "contact": name,
                "title": title,
                "email": email,
                "phone": phone,
                "vacancies": e.vacancies.len(),
            })
        };
        if e.contacts.is_empty() {
            rows.push(row(None, None, None, None));
        }
        for c in &e.contacts {
            rows.push(row(
                Some(&c.name),
                c.title.as_deref(),
                c.email.as_deref(),
                c.phone.as_deref(),
            ));
        }
    }
    rows
}

fn text(d: &StudentDirectory) -> String {
    let mut out = String::new();
    for e in &d.employers {
        out.push_str(&format!("{} ({})", e.name, e.sector));
        if let Some(w) = &e.website {
            out.push_str(&format!("  {w}"));
        }
        out.push('\n');
        for c in &e.contacts {
            let title = c.title.as_deref().map(|t| format!(", {t}")).unwrap_or_default();
            let mut line = format!("  {}{title}", c.name);
            for detail in [&c.email, &c.phone].into_iter().flatten() {
                line.push_str(&format!("  {detail}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
        for v in &e.vacancies {
            let closes = v.closes.map(|d| format!(" (closes {d})")).unwrap_or_default();
            let url = v.url.as_deref().map(|u| format!("  {u}")).unwrap_or_default();
            out.push_str(&format!("  vacancy: {}{closes}{url}\n", v.title));
        }
    }
    out
}

/// Runs `employer export --for-students [--out FILE]`.
pub fn run(format: Format, desk: &Desk, out: Option<&Path>) -> Result<(), DeskError> {
    if let Some(path) = out {
        if path.exists() {
            return Err(DeskError::Invalid(format!(
                "{} already exists; name a new file (nothing was exported)",
                path.display()
            )));
        }
    }
    let d = desk.student_employer_directory()?;
    let rows = csv_rows(&d);
    let table = || text(&d);
    match out {
        None if format == Format::Csv => emit(format, &rows, table),
        None => emit(format, &d.employers, table),
        Some(path) => {
            let rendered = if format == Format::Csv {
                render(format, &rows, table)
            } else {
                render(format, &d.employers, table)
            }
            .map_err(DeskError::Invalid)?;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, rendered.as_bytes()))
                .map_err(DeskError::file("write", path))?;
            super::output::error(&format!(
                "wrote {} employer(s) for students to {} ({} contact(s) not visible to students left out)\n",
                d.employers.len(),
                path.display(),
                d.hidden_contacts
            ));
        }
    }
    Ok(())
}
