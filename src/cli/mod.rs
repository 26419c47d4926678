//! The command line: clap definitions and dispatch to the desk. No subcommand opens the TUI.

mod commands;
mod output;
mod secret;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use commands::run;
pub use output::Format;

/// careerdesk: the careers service front desk.
#[derive(Debug, Parser)]
#[command(name = "careerdesk", version, about, long_about = None)]
pub struct Cli {
    /// Where the store, policy and outbox live [default: the platform data directory].
    #[arg(long, global = true, env = "CAREERDESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The operator acting; the password comes from CAREERDESK_PASSWORD or a hidden prompt.
    #[arg(long = "as", global = true, env = "CAREERDESK_OPERATOR", value_name = "LOGIN")]
    pub as_login: Option<String>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// What to do; none opens the desk screen.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new store with its policy and first administrator.
    Init(InitArgs),
    /// Operator accounts.
    #[command(subcommand)]
    Operator(OperatorCmd),
    /// Clients.
    #[command(subcommand)]
    Client(ClientCmd),
    /// Import records from a file.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Fill the store with generated demo data (deterministic for a seed).
    Demo(DemoArgs),
    /// Check a policy file, or list the shipped examples.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Show the audit log (supervisors and administrators).
    Audit(AuditArgs),
}

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// A policy file, or the name of a shipped example (`careerdesk policy examples`).
    #[arg(long, value_name = "FILE")]
    pub policy: String,
    /// The first administrator's login; the password comes from CAREERDESK_PASSWORD or a prompt.
    #[arg(long, value_name = "LOGIN")]
    pub admin: String,
    /// The administrator's display name [default: the login].
    #[arg(long)]
    pub name: Option<String>,
}

/// `operator ...`.
#[derive(Debug, Subcommand)]
pub enum OperatorCmd {
    /// Add an operator; their password from a hidden prompt, or standard input with --password-stdin.
    Add {
        /// Login.
        login: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Role(s): desk, consultant, employer-relations, supervisor, admin (repeat or comma-separate).
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
        /// Training completed on (YYYY-MM-DD); without it the operator may only read.
        #[arg(long, value_name = "YYYY-MM-DD")]
        trained: Option<String>,
        /// Read the new operator's password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Suspend an operator pending investigation.
    Suspend {
        /// Login.
        login: String,
        /// Why (required, audited).
        #[arg(long)]
        reason: String,
    },
    /// Set a password: your own, or anyone's as an administrator.
    Passwd {
        /// Login [default: yours].
        login: Option<String>,
        /// Read the new password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List operators.
    List,
}

/// `client ...`.
// Parsed once per run: the size of `Add` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ClientCmd {
    /// Add a client.
    Add {
        /// Student number.
        #[arg(long)]
        student_number: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// E-mail.
        #[arg(long)]
        email: String,
        /// Phone.
        #[arg(long)]
        phone: Option<String>,
        /// Programme of study.
        #[arg(long)]
        programme: String,
        /// School or faculty.
        #[arg(long)]
        school: Option<String>,
        /// Level of study.
        #[arg(long, value_parser = ["ug", "pgt", "pgr"])]
        level: String,
        /// Student or graduate.
        #[arg(long, value_parser = ["student", "graduate"])]
        status: String,
        /// Course end date.
        #[arg(long, value_name = "YYYY-MM-DD")]
        course_end: Option<String>,
        /// Contact preferences: email,phone,post or none [default: all].
        #[arg(long)]
        contact: Option<String>,
    },
    /// Show a client by student number.
    Show {
        /// Student number.
        student_number: String,
    },
    /// Find clients by part of a name, student number or e-mail.
    Find {
        /// Text to look for.
        text: String,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

/// `import ...`.
#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Import clients from CSV (header: student_number,name,email,phone,programme,school,level,status,course_end,contact).
    Clients {
        /// The CSV file.
        file: PathBuf,
        /// Import the good rows and report the bad ones, instead of importing nothing.
        #[arg(long)]
        skip_bad: bool,
    },
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many clients.
    #[arg(long, default_value_t = 500)]
    pub clients: usize,
    /// Seed: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `policy ...`.
#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// Check a policy file and report every problem with its line.
    Check {
        /// The file.
        file: PathBuf,
    },
    /// List the shipped example policies.
    Examples,
    /// Print a shipped example policy (to start your own).
    Show {
        /// Example name.
        name: String,
    },
}

/// `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Show the last N entries.
    #[arg(long, default_value_t = 50)]
    pub last: usize,
}
