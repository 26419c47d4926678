//! `careerdesk wellbeing flag|refer|close|show` (DATA-06): a concern about a client and its explicit,
//! recorded referrals to a school or support service.

use clap::Subcommand;

use crate::desk::{Desk, DeskError};
use crate::domain::wellbeing::Concern;

use super::args;
use super::output::{emit, Format, Table};

/// `wellbeing ...`.
#[derive(Debug, Subcommand)]
pub enum WellbeingCmd {
    /// Raise a wellbeing concern about a client (consultants and supervisors; audited).
    Flag {
        /// The client's student number.
        client: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
    },
    /// Record that the client's latest concern was referred to a school or support service.
    /// Nothing is referred unless someone runs this.
    Refer {
        /// The client's student number.
        client: String,
        /// The school or service, by name.
        #[arg(long, value_name = "NAME")]
        to: String,
        /// What was passed on or agreed.
        #[arg(long)]
        note: Option<String>,
    },
    /// Close the client's latest open concern with its outcome; it and its referrals are kept.
    Close {
        /// The client's student number.
        client: String,
        /// What came of it (required).
        #[arg(long)]
        outcome: String,
    },
    /// A client's concerns and referrals (audited).
    Show {
        /// The client's student number.
        client: String,
    },
}

/// Runs one `wellbeing` subcommand.
pub(super) fn run(format: Format, desk: &Desk, cmd: &WellbeingCmd) -> Result<(), DeskError> {
    match cmd {
        WellbeingCmd::Flag { client, reason } => {
            let sn = args::student_number(client)?;
            let c = desk.raise_concern(&sn, reason)?;
            emit(format, &serde_json::json!({ "concern": c.id.to_string() }), || {
                format!("wellbeing concern {} raised for {sn}; it is referred only when you record it (`wellbeing refer`)\n", c.id)
            });
        }
        WellbeingCmd::Refer { client, to, note } => {
            let sn = args::student_number(client)?;
            let c = desk.refer_concern(&sn, to, note.as_deref())?;
            let to = c.last_referral().map(|r| r.to.clone()).unwrap_or_default();
            emit(
                format,
                &serde_json::json!({ "concern": c.id.to_string(), "referred_to": to }),
                || format!("wellbeing concern {} for {sn} referred to {to}\n", c.id),
            );
        }
        WellbeingCmd::Close { client, outcome } => {
            let sn = args::student_number(client)?;
            let c = desk.close_concern(&sn, outcome)?;
            emit(
                format,
                &serde_json::json!({ "concern": c.id.to_string(), "closed": true }),
                || format!("wellbeing concern {} for {sn} closed\n", c.id),
            );
        }
        WellbeingCmd::Show { client } => {
            let (client, concerns) = desk.concerns(&args::student_number(client)?)?;
            emit(format, &concerns, || {
                if concerns.is_empty() {
                    format!("no wellbeing concern is recorded for {}\n", client.student_number)
                } else {
                    table(desk, &concerns)
                }
            });
        }
    }
    Ok(())
}

fn table(desk: &Desk, concerns: &[Concern]) -> String {
    let staff = desk.staff_names().unwrap_or_default();
    let who = |id| staff.get(&id).map_or_else(|| "?".to_string(), |s| s.login.clone());
    let when = |at| desk.local_time(at).format("%Y-%m-%d %H:%M").to_string();
    let mut t = Table::new(&["WHEN", "WHO", "WHAT", "DETAIL"]);
    for c in concerns {
        t.row(vec![
            when(c.raised_at),
            who(c.raised_by),
            "concern raised".into(),
            c.reason.clone(),
        ]);
        for r in &c.referrals {
            let detail = match &r.note {
                Some(n) => format!("{}: {n}", r.to),
                None => r.to.clone(),
            };
            t.row(vec![when(r.at), who(r.by), "referred".into(), detail]);
        }
        if let Some(x) = &c.closed {
            t.row(vec![when(x.at), who(x.by), "closed".into(), x.outcome.clone()]);
        }
    }
    t.render()
}
