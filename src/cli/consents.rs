//! `careerdesk consent give|withdraw|list` (DATA-11): the consent register for third-party
//! services.

use clap::Subcommand;

use crate::desk::{consent_state_code, ConsentLine, Desk, DeskError};

use super::args;
use super::output::{emit, Format, Table};

/// `consent ...`.
#[derive(Debug, Subcommand)]
pub enum ConsentCmd {
    /// Record that the client opts in to a third-party service (e.g. cv-scoring).
    Give {
        /// Student number.
        client: String,
        /// The service's name: letters, digits and dashes.
        #[arg(long)]
        service: String,
    },
    /// Record that the client withdraws their consent to a service.
    Withdraw {
        /// Student number.
        client: String,
        /// The service's name.
        #[arg(long)]
        service: String,
    },
    /// The client's current consent per service, with when and who recorded it, and the history.
    List {
        /// Student number.
        client: String,
    },
}

/// Runs one `consent` subcommand.
pub(super) fn run(format: Format, desk: &Desk, cmd: &ConsentCmd) -> Result<(), DeskError> {
    match cmd {
        ConsentCmd::Give { client, service } | ConsentCmd::Withdraw { client, service } => {
            let sn = args::student_number(client)?;
            let c = if matches!(cmd, ConsentCmd::Give { .. }) {
                desk.give_consent(&sn, service)?
            } else {
                desk.withdraw_consent(&sn, service)?
            };
            let state = consent_state_code(c.state);
            emit(
                format,
                &serde_json::json!({ "consent": c.id.to_string(), "service": c.service, "state": state }),
                || format!("consent to {} {state} for {sn}\n", c.service),
            );
        }
        ConsentCmd::List { client } => {
            let reg = desk.consents(&args::student_number(client)?)?;
            emit(format, &reg, || {
                let mut s = String::from("Current\n");
                s.push_str(&table(desk, &reg.current));
                s.push_str("\nHistory\n");
                s.push_str(&table(desk, &reg.history));
                s
            });
        }
    }
    Ok(())
}

fn table(desk: &Desk, lines: &[ConsentLine]) -> String {
    let mut t = Table::new(&["SERVICE", "STATE", "WHEN", "RECORDED BY"]);
    for l in lines {
        t.row(vec![
            l.consent.service.clone(),
            consent_state_code(l.consent.state).into(),
            desk.local_time(l.consent.at).format("%Y-%m-%d %H:%M").to_string(),
            l.recorded_by_login.clone(),
        ]);
    }
    t.render()
}
