//! The employer commands: profiles, tags, contacts, engagement notes, liaison and hand-over
//! (EMP-01, EMP-03..EMP-05).

use clap::Subcommand;

use crate::desk::{Desk, DeskError, EmployerChanges, EmployerProfile, NewContact, NewEmployer};
use crate::domain::employer::{Employer, EngagementKind, EngagementNote, Ownership};

use super::args;
use super::output::{emit, fields, Format, Table};

/// `employer ...`.
#[derive(Debug, Subcommand)]
pub enum EmployerCmd {
    /// Add an employer profile.
    Add {
        /// Organisation name.
        #[arg(long)]
        name: String,
        /// Sector, e.g. engineering.
        #[arg(long)]
        sector: String,
        /// Website.
        #[arg(long)]
        website: Option<String>,
        /// Tags (repeat for several).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// A key account owned by this operator (EMP-03).
        #[arg(long, value_name = "LOGIN", conflicts_with = "multi_owner")]
        owner: Option<String>,
        /// Many touch points, no single owner (EMP-05).
        #[arg(long)]
        multi_owner: bool,
    },
    /// Change an employer's name, sector or website (`--website ""` clears it).
    Edit {
        /// Employer id or unique name.
        employer: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New sector.
        #[arg(long)]
        sector: Option<String>,
        /// New website.
        #[arg(long)]
        website: Option<String>,
    },
    /// Show an employer's profile: owner, contacts (key contacts `*` with guidance), notes.
    Show {
        /// Employer id or unique name.
        employer: String,
    },
    /// Find employers by text in the name or sector and every tag given.
    Find {
        /// Words to look for.
        text: Option<String>,
        /// Tags the employer must carry (repeat for several).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
    },
    /// Add tags to an employer.
    Tag {
        /// Employer id or unique name.
        employer: String,
        /// Tags to add.
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Remove tags from an employer.
    Untag {
        /// Employer id or unique name.
        employer: String,
        /// Tags to remove.
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Employer contacts.
    #[command(subcommand)]
    Contact(ContactCmd),
    /// An employer's vacancies typed in by staff (EMP-01).
    #[command(subcommand)]
    Vacancy(super::vacancies::VacancyCmd),
    /// Chart an employer's contacts (engagement notes) per week, this week last (EVT-04).
    Contacts {
        /// Employer id or unique name.
        employer: String,
        /// How many weeks back.
        #[arg(long, default_value_t = crate::domain::contact_chart::YEAR_WEEKS)]
        weeks: u32,
    },
    /// The employers with the most contacts over the last weeks, most first (EVT-04).
    Busiest {
        /// How many weeks back.
        #[arg(long, default_value_t = crate::domain::contact_chart::YEAR_WEEKS)]
        weeks: u32,
        /// How many employers to list.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Log an engagement: meeting, call, email, fair, visit, event or other.
    Note {
        /// Employer id or unique name.
        employer: String,
        /// What kind of engagement.
        #[arg(long)]
        kind: String,
        /// What happened.
        #[arg(long)]
        text: String,
        /// A contact involved, by name (repeat for several).
        #[arg(long = "contact", value_name = "NAME")]
        contacts: Vec<String>,
        /// When it happened, `YYYY-MM-DD HH:MM` local time (default: now).
        #[arg(long)]
        when: Option<String>,
    },
    /// Record a liaison with a key account's owner before contacting its key contacts (EMP-04).
    Liaise {
        /// Employer id or unique name.
        employer: String,
        /// The owner's login.
        #[arg(long = "with", value_name = "LOGIN")]
        with: String,
        /// What was agreed.
        #[arg(long)]
        note: String,
        /// When it happened, `YYYY-MM-DD HH:MM` local time (default: now).
        #[arg(long)]
        when: Option<String>,
    },
    /// The employer directory for students (DATA-13): only the contacts visible to students,
    /// no guidance, ownership, tags or notes; table, JSON or CSV (--format). Audited.
    Export {
        /// Say that the export is meant for students (the only kind there is).
        #[arg(long, required = true)]
        for_students: bool,
        /// Write to this new file instead of standard output (it must not exist).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Hand a key account over to another operator (audited).
    HandOver {
        /// Employer id or unique name.
        employer: String,
        /// The new owner's login.
        #[arg(long, value_name = "LOGIN")]
        to: String,
    },
}

/// `employer contact ...`.
#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Add a contact at an employer.
    Add {
        /// Employer id or unique name.
        employer: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// E-mail.
        #[arg(long)]
        email: String,
        /// Job title.
        #[arg(long)]
        title: Option<String>,
        /// Phone.
        #[arg(long)]
        phone: Option<String>,
        /// A key contact of the key account (shown with `*`).
        #[arg(long)]
        key: bool,
        /// Students may see these details.
        #[arg(long)]
        visible_to_students: bool,
        /// Guidance on contacting them, shown beside them.
        #[arg(long, default_value = "")]
        guidance: String,
    },
}

fn ownership_text(desk: &Desk, o: &Ownership) -> String {
    match o {
        Ownership::Open => "none".into(),
        Ownership::MultiOwner => "multi-owner (no single gate)".into(),
        Ownership::KeyAccount { owner } => format!("key account of {}", desk.operator_login(*owner)),
    }
}

fn employer_json(desk: &Desk, e: &Employer) -> serde_json::Value {
    serde_json::json!({
        "id": e.id.to_string(),
        "name": e.name,
        "sector": e.sector,
        "website": e.website,
        "tags": e.tags,
        "owner": ownership_text(desk, &e.ownership),
        "self_registered": e.self_registered,
    })
}

fn note_line(desk: &Desk, n: &EngagementNote) -> String {
    let what = match (n.kind, n.liaised_with) {
        (EngagementKind::Liaison, Some(o)) => format!("liaison with {}", desk.operator_login(o)),
        (k, _) => k.as_str().to_string(),
    };
    format!(
        "{}  {what} by {}: {}",
        desk.local_time(n.at).format("%Y-%m-%d %H:%M"),
        desk.operator_login(n.author),
        n.text
    )
}

fn profile_text(desk: &Desk, p: &EmployerProfile) -> String {
    let e = &p.employer;
    let mut out = fields(&[
        ("id", e.id.to_string()),
        ("name", e.name.clone()),
        ("sector", e.sector.clone()),
        ("website", e.website.clone().unwrap_or_default()),
        ("tags", e.tags.join(", ")),
        ("owner", ownership_text(desk, &e.ownership)),
        ("self-registered", if e.self_registered { "yes" } else { "no" }.into()),
    ]);
    out.push_str("contacts:\n");
    if p.contacts.is_empty() {
        out.push_str("  (none)\n");
    }
    for c in &p.contacts {
        let email = c.email.as_ref().map(|m| m.as_str().to_string()).unwrap_or_default();
        let shown = if c.visible_to_students {
            "visible to students"
        } else {
            "hidden from students"
        };
        out.push_str(&format!("  {}  {email}  ({shown})\n", c.display_name()));
        if !c.guidance.is_empty() {
            out.push_str(&format!("      guidance: {}\n", c.guidance));
        }
    }
    out.push_str("engagement:\n");
    if p.engagement.is_empty() {
        out.push_str("  (none)\n");
    }
    for n in &p.engagement {
        out.push_str(&format!("  {}\n", note_line(desk, n)));
    }
    out.push_str("vacancies:\n");
    if p.vacancies.is_empty() {
        out.push_str("  (none)\n");
    }
    for v in &p.vacancies {
        let closes = v
            .closes
            .map_or_else(|| "open-ended".to_string(), |d| format!("closes {d}"));
        out.push_str(&format!(
            "  {}  {}  ({closes})  {}\n",
            v.id,
            v.title,
            v.url.as_deref().unwrap_or("")
        ));
    }
    out
}

/// Runs an `employer` command.
pub fn run(format: Format, desk: &Desk, cmd: &EmployerCmd) -> Result<(), DeskError> {
    match cmd {
        EmployerCmd::Add {
            name,
            sector,
            website,
            tags,
            owner,
            multi_owner,
        } => {
            let new = NewEmployer {
                name: name.clone(),
                sector: sector.clone(),
                website: website.clone(),
                tags: tags.clone(),
                owner: owner.as_deref().map(args::login).transpose()?,
                multi_owner: *multi_owner,
                self_registered: false,
            };
            let e = desk.add_employer(&new)?;
            emit(format, &employer_json(desk, &e), || {
                format!("added employer {} {}\n", e.id, e.name)
            });
        }
        EmployerCmd::Edit {
            employer,
            name,
            sector,
            website,
        } => {
            let id = desk.resolve_employer(employer)?.id;
            let changes = EmployerChanges {
                name: name.clone(),
                sector: sector.clone(),
                website: website.clone(),
            };
            let e = desk.edit_employer(id, &changes)?;
            emit(format, &employer_json(desk, &e), || {
                format!("saved employer {} {}\n", e.id, e.name)
            });
        }
        EmployerCmd::Show { employer } => {
            let id = desk.resolve_employer(employer)?.id;
            let p = desk.employer_profile(id)?;
            let mut v = employer_json(desk, &p.employer);
            v["contacts"] = serde_json::json!(p
                .contacts
                .iter()
                .map(|c| serde_json::json!({
                    "name": c.display_name(),
                    "email": c.email.as_ref().map(|m| m.as_str()),
                    "key_contact": c.key_contact,
                    "guidance": c.guidance,
                    "visible_to_students": c.visible_to_students,
                }))
                .collect::<Vec<_>>());
            v["engagement"] = serde_json::json!(p.engagement.iter().map(|n| note_line(desk, n)).collect::<Vec<_>>());
            v["vacancies"] = serde_json::json!(p.vacancies);
            // Supervisors see the complaint flag (CMP-01); others get `None`.
            let flag = desk.employer_complaint_flag(id)?;
            if let Some(n) = flag {
                v["complaint_flag"] = serde_json::json!({ "distinct_clients": n });
            }
            emit(format, &v, || {
                let mut out = String::new();
                if let Some(n) = flag {
                    out.push_str(&format!(
                        "FLAGGED (CMP-01): complaints from {n} students; `complaint list --employer {}`\n",
                        p.employer.id
                    ));
                }
                out.push_str(&profile_text(desk, &p));
                out
            });
        }
        EmployerCmd::Find { text, tags } => {
            let hits = desk.find_employers(text.as_deref().unwrap_or(""), tags)?;
            let rows: Vec<serde_json::Value> = hits.iter().map(|e| employer_json(desk, e)).collect();
            emit(format, &rows, || {
                let mut t = Table::new(&["ID", "NAME", "SECTOR", "TAGS", "OWNER"]);
                for e in &hits {
                    t.row(vec![
                        e.id.to_string(),
                        e.name.clone(),
                        e.sector.clone(),
                        e.tags.join(","),
                        ownership_text(desk, &e.ownership),
                    ]);
                }
                t.render()
            });
        }
        EmployerCmd::Tag { employer, tags } => {
            let id = desk.resolve_employer(employer)?.id;
            let e = desk.tag_employer(id, tags)?;
            emit(format, &employer_json(desk, &e), || {
                format!("{} is tagged {}\n", e.name, e.tags.join(", "))
            });
        }
        EmployerCmd::Untag { employer, tags } => {
            let id = desk.resolve_employer(employer)?.id;
            let e = desk.untag_employer(id, tags)?;
            emit(format, &employer_json(desk, &e), || match e.tags.is_empty() {
                true => format!("{} has no tags now\n", e.name),
                false => format!("{} is tagged {}\n", e.name, e.tags.join(", ")),
            });
        }
        EmployerCmd::Contacts { employer, weeks } => {
            let e = desk.resolve_employer(employer)?;
            super::employer_chart::contacts(format, desk, &e, *weeks)?;
        }
        EmployerCmd::Busiest { weeks, limit } => super::employer_chart::busiest(format, desk, *weeks, *limit)?,
        EmployerCmd::Vacancy(cmd) => super::vacancies::run(format, desk, cmd)?,
        EmployerCmd::Contact(ContactCmd::Add {
            employer,
            name,
            email,
            title,
            phone,
            key,
            visible_to_students,
            guidance,
        }) => {
            let id = desk.resolve_employer(employer)?.id;
            let c = desk.add_contact(
                id,
                &NewContact {
                    name: name.clone(),
                    title: title.clone(),
                    email: Some(email.clone()),
                    phone: phone.clone(),
                    key_contact: *key,
                    visible_to_students: *visible_to_students,
                    guidance: guidance.clone(),
                },
            )?;
            emit(
                format,
                &serde_json::json!({ "id": c.id.to_string(), "name": c.display_name() }),
                || format!("added contact {}\n", c.display_name()),
            );
        }
        EmployerCmd::Note {
            employer,
            kind,
            text,
            contacts,
            when,
        } => {
            let id = desk.resolve_employer(employer)?.id;
            let kind = EngagementKind::parse(kind)?;
            let at = when.as_deref().map(|w| args::local_time(desk, "when", w)).transpose()?;
            let logged = desk.log_engagement_at(id, kind, text, contacts, at)?;
            let recent: Vec<String> = logged.recent.iter().map(|n| note_line(desk, n)).collect();
            emit(
                format,
                &serde_json::json!({ "id": logged.note.id.to_string(), "recent_engagement": recent }),
                || {
                    let mut s = String::new();
                    if !recent.is_empty() {
                        s.push_str("multi-owner employer: recent engagement by others to check:\n");
                        for r in &recent {
                            s.push_str(&format!("  {r}\n"));
                        }
                    }
                    s.push_str(&format!("logged {} {}\n", kind.as_str(), logged.note.id));
                    s
                },
            );
        }
        EmployerCmd::Liaise {
            employer,
            with,
            note,
            when,
        } => {
            let id = desk.resolve_employer(employer)?.id;
            let at = when.as_deref().map(|w| args::local_time(desk, "when", w)).transpose()?;
            let n = desk.record_liaison_at(id, &args::login(with)?, note, at)?;
            emit(format, &serde_json::json!({ "id": n.id.to_string() }), || {
                format!("recorded liaison with {with}\n")
            });
        }
        EmployerCmd::Export { out, .. } => super::employer_export::run(format, desk, out.as_deref())?,
        EmployerCmd::HandOver { employer, to } => {
            let id = desk.resolve_employer(employer)?.id;
            let e = desk.hand_over(id, &args::login(to)?)?;
            emit(format, &employer_json(desk, &e), || {
                format!("{} is now {}\n", e.name, ownership_text(desk, &e.ownership))
            });
        }
    }
    Ok(())
}
