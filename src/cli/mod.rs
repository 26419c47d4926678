//! The command line: clap definitions and dispatch to the desk. No subcommand opens the TUI.

mod appointments;
mod args;
mod attachments;
mod audit_verify;
mod bulk_mail;
mod commands;

mod complaints;
mod consents;
mod employer_chart;
mod employer_export;
mod employers;
mod enquiries;
mod event_bookings;
mod events;
mod feedback;
mod import;
mod leases;
mod notes;
mod output;
mod privacy;
mod reports;
mod secret;
mod store;
mod sync;
mod vacancies;
mod wellbeing;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::domain::limits;

pub use commands::{main, run};
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

/// `store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Open every record and index entry and list each damaged one; exit 1 if any is.
    Check,
    /// Rebuild every index from the records, in a checked copy (keeps the old store beside it).
    Reindex,
    /// Rewrite the store into a fresh copy holding only live data (keeps the old copy beside it).
    Compact,
    /// Re-seal records about clients still sealed with the institution key under each client's own key.
    Reseal,
    /// Give clients' keys a new generation, re-seal with it and destroy the old one.
    RotateKeys {
        /// Only this client's key (a student number); without it, every client's.
        #[arg(long, value_name = "STUDENT_NUMBER")]
        client: Option<String>,
    },
    /// Make a consistent backup of the store and the policy file in a new folder.
    Backup {
        /// The folder to make (it must not exist yet).
        #[arg(required_unless_present = "auto", conflicts_with = "auto")]
        dir: Option<PathBuf>,
        /// Make today's automatic backup in DATA_DIR/backups if it is not made yet, and remove
        /// those beyond the policy's `[backups] keep` (for cron).
        #[arg(long)]
        auto: bool,
    },
    /// Check a backup and put it in the store's place (the current store is kept beside it).
    Restore {
        /// The backup folder (`store backup` made it).
        backup: PathBuf,
    },
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
    /// Enquiries by e-mail, phone, at the desk or by chat (DATA-03, DATA-04).
    #[command(subcommand)]
    Enquiry(EnquiryCmd),
    /// Erase every client past the policy's retention limit (DATA-02; supervisors and
    /// administrators). --dry-run lists them and erases nothing.
    Purge {
        /// List who would be erased; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Erase a client and everything held about them, for good (DATA-05; supervisors and
    /// administrators). Asks for the student number again unless --yes.
    Erase {
        /// Student number.
        client: String,
        /// Why (required; kept in the audit log after the erasure: write why, not who).
        #[arg(long)]
        reason: String,
        /// Do not ask for the student number again (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Store maintenance (administrators).
    #[command(subcommand)]
    Store(StoreCmd),
    /// Run the sync server: desks enrol with it and sync through it (`docs/operations.md`).
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:7441 (port 0 picks a free one).
        #[arg(long, value_name = "ADDR")]
        listen: String,
    },
    /// The sync server's administration, on its own machine: enrolment codes, devices, revocation.
    #[command(subcommand)]
    Server(sync::ServerCmd),
    /// Enrol this desk with a sync server (administrators), pinning the server's fingerprint.
    Enrol {
        /// The server, HOST:PORT.
        #[arg(long, value_name = "HOST:PORT")]
        server: String,
        /// The one-time code from `careerdesk server enrol-code`.
        #[arg(long)]
        code: String,
        /// The fingerprint `careerdesk serve` printed.
        #[arg(long)]
        fingerprint: String,
        /// A name for this terminal (a place, not a person).
        #[arg(long, default_value = "desk")]
        name: String,
    },
    /// Set up this data folder (no store yet) as a new desk of the institution a sync server
    /// serves: an existing operator (--as) signs in with their password from the first desk.
    Join {
        /// The server, HOST:PORT.
        #[arg(long, value_name = "HOST:PORT")]
        server: String,
        /// The one-time code from `careerdesk server enrol-code`.
        #[arg(long)]
        code: String,
        /// The fingerprint `careerdesk serve` printed.
        #[arg(long)]
        fingerprint: String,
        /// A name for this terminal (a place, not a person).
        #[arg(long, default_value = "desk")]
        name: String,
        /// The policy file (or a shipped example's name), used only when the server serves none.
        #[arg(long, value_name = "FILE")]
        policy: Option<String>,
    },
    /// Sync this desk with its server now, with a progress bar; --status says where it stands.
    Sync {
        /// Say where sync stands; change nothing.
        #[arg(long)]
        status: bool,
    },
    /// Other desks' changes that could not be merged here and wait for a person;
    /// --retry DEVICE:OP merges one again once what stopped it is settled; --told BOOKING
    /// records that the client of an event booking that lost its place was told; --dismiss
    /// DEVICE:OP --reason TEXT takes off a change made here that the sync server refused,
    /// once someone whose role allows it has done it again.
    Conflicts {
        /// The change to merge again, as the list names it.
        #[arg(long, value_name = "DEVICE:OP", conflicts_with_all = ["told", "dismiss"])]
        retry: Option<String>,
        /// The event booking whose client was told it lost its place (it stays waiting).
        #[arg(long, value_name = "BOOKING", conflicts_with = "dismiss")]
        told: Option<String>,
        /// The refused change to take off the queue, as the list names it.
        #[arg(long, value_name = "DEVICE:OP", requires = "reason")]
        dismiss: Option<String>,
        /// Why it may go: who did it again, or why it is not needed (audited).
        #[arg(long, requires = "dismiss")]
        reason: Option<String>,
    },
    /// Calendar slots.
    #[command(subcommand)]
    Slot(SlotCmd),
    /// Book a client into a free slot (prints the booking id).
    Book(BookArgs),
    /// Cancel a booking (after its start it counts as a late cancellation).
    Cancel {
        /// Booking id.
        booking: String,
    },
    /// Record whether the client allows an online appointment to be recorded (default: no).
    RecordingConsent {
        /// Booking id.
        booking: String,
        /// given or not-given.
        #[arg(value_parser = ["given", "not-given"])]
        consent: String,
    },
    /// Mark a booked client as arrived.
    CheckIn {
        /// Booking id.
        booking: String,
    },
    /// Record how an appointment ended.
    Outcome {
        /// Booking id.
        booking: String,
        /// attended, no-show, late-cancel or technical.
        #[arg(value_parser = ["attended", "no-show", "late-cancel", "technical"])]
        outcome: String,
    },
    /// Waive a no-show or late cancellation so it stops counting (reason required).
    Waive {
        /// Booking id.
        booking: String,
        /// Why (required, audited).
        #[arg(long)]
        reason: String,
    },
    /// Block a client from booking, or confirm a proposed block (supervisors).
    Block {
        /// Student number.
        client: String,
        /// Why (required, audited).
        #[arg(long)]
        reason: String,
        /// First day the client may book again [default: the policy's block length].
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<String>,
    },
    /// Lift a block or dismiss a proposed one (supervisors).
    Unblock {
        /// Student number.
        client: String,
        /// Why (required, audited).
        #[arg(long)]
        reason: String,
    },
    /// Move a booking to another client: always refused (SEC-02); cancel and book instead.
    Transfer {
        /// Booking id.
        booking: String,
        /// The other client's student number.
        #[arg(long)]
        to: String,
    },
    /// Free slots to offer after an online appointment failed (APPT-10), or for a booking the
    /// sync server gave away; `--into SLOT` moves a booking that needs rebooking there.
    Rebook {
        /// The booking's id.
        booking: String,
        /// How many offers (1 to 100).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=i64::from(limits::REBOOK_OFFERS)))]
        limit: u32,
        /// Book the client of a booking that needs rebooking into this slot, and cancel it.
        #[arg(long, value_name = "SLOT")]
        into: Option<String>,
    },
    /// The drop-in queue.
    #[command(subcommand)]
    Queue(QueueCmd),
    /// Leases of a consultant's slots or an event's places to this desk, for a fair with no
    /// network.
    #[command(subcommand)]
    Lease(LeaseCmd),
    /// Confirmation and reminder messages.
    #[command(subcommand)]
    Outbox(OutboxCmd),
    /// Reports: counts by week, type, school or programme (suppressed with --publishable) and programme usage.
    #[command(subcommand)]
    Report(reports::ReportCmd),
    /// Supervisor triage: unresolved outcomes, no-show flags, proposed blocks, waivers.
    Triage,
    /// Export data.
    #[command(subcommand)]
    Export(ExportCmd),
    /// Employer relations: profiles, contacts, engagement, liaison (EMP-01..EMP-05).
    #[command(subcommand)]
    Employer(employers::EmployerCmd),
    /// Bulk mail to employer contacts promoting events (EVT-04; needs the bulk-email grant).
    #[command(subcommand)]
    Mail(bulk_mail::MailCmd),
    /// Complaints about employers and about the service (CMP-01, CMP-02).
    #[command(subcommand)]
    Complaint(complaints::ComplaintCmd),
    /// Employability events on the combined calendar: clash check, audience (EVT-01, EVT-02).
    #[command(subcommand)]
    Event(events::EventCmd),
    /// Notes on clients, with access levels and break-glass reads (SEC-04, APPT-07).
    #[command(subcommand)]
    Note(notes::NoteCmd),
    /// Wellbeing concerns and referrals (DATA-06; consultants and supervisors).
    #[command(subcommand)]
    Wellbeing(wellbeing::WellbeingCmd),
    /// The consent register for third-party services (DATA-11).
    #[command(subcommand)]
    Consent(consents::ConsentCmd),
    /// Attach a file (CV, application, feedback form) to a client (DATA-01).
    Attach(attachments::AttachArgs),
    /// A client's attached files: list, get (audited), remove (DATA-01).
    #[command(subcommand)]
    Attachment(attachments::AttachmentCmd),
    /// Feedback on appointments and events; the quotable comments (DATA-10).
    #[command(subcommand)]
    Feedback(feedback::FeedbackCmd),
}

/// `slot ...`.
#[derive(Debug, Subcommand)]
pub enum SlotCmd {
    /// Add a bookable slot.
    Add {
        /// The consultant's login.
        #[arg(long)]
        consultant: String,
        /// Appointment type id from the policy.
        #[arg(long = "type")]
        appointment_type: String,
        /// Local start time.
        #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
        at: String,
        /// Length, 1 to 480 [default: the type's].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=i64::from(limits::SLOT_MINUTES)))]
        minutes: Option<u16>,
        /// Location id [default: one whose setting suits the type].
        #[arg(long)]
        location: Option<String>,
    },
    /// Make every slot of a term in one go: on these weekdays, every so often from --from while
    /// each slot ends by --to, between two dates; closed days, --skip days and clashes are
    /// skipped and reported.
    Series {
        /// The consultant's login.
        #[arg(long)]
        consultant: String,
        /// Appointment type id from the policy.
        #[arg(long = "type")]
        appointment_type: String,
        /// Weekdays, e.g. mon,tue,thu or mon-fri.
        #[arg(long, value_name = "DAYS")]
        days: String,
        /// Local time of each day's first slot.
        #[arg(long, value_name = "HH:MM")]
        from: String,
        /// Local time by which each day's last slot has ended.
        #[arg(long, value_name = "HH:MM")]
        to: String,
        /// Time from one slot's start to the next, e.g. 45m, 1h, 1h30m.
        #[arg(long, value_name = "LENGTH")]
        every: String,
        /// Length of each slot in minutes [default: the type's].
        #[arg(long)]
        minutes: Option<u16>,
        /// First day.
        #[arg(long, value_name = "YYYY-MM-DD")]
        start: String,
        /// Last day (included).
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: String,
        /// Location id [default: the first whose setting suits the type].
        #[arg(long)]
        location: Option<String>,
        /// A day to leave out (repeat for several).
        #[arg(long, value_name = "YYYY-MM-DD")]
        skip: Vec<String>,
        /// Print what would be made and skipped, and make nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Withdraw a free slot, or the free slots of a series (booked slots are kept and listed).
    Withdraw {
        /// The slot's id.
        #[arg(required_unless_present = "series", conflicts_with = "series")]
        slot: Option<String>,
        /// A series id (printed by `slot series`).
        #[arg(long)]
        series: Option<String>,
        /// With --series: only slots on or after this local day [default: today].
        #[arg(long, value_name = "YYYY-MM-DD", requires = "series")]
        from: Option<String>,
        /// With --series: only slots on or before this local day.
        #[arg(long, value_name = "YYYY-MM-DD", requires = "series")]
        until: Option<String>,
    },
    /// List slots on a day.
    List {
        /// Local date [default: today].
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// Only this consultant's.
        #[arg(long)]
        consultant: Option<String>,
    },
}

/// `book`.
#[derive(Debug, Args)]
pub struct BookArgs {
    /// The client's student number.
    #[arg(long)]
    pub client: String,
    /// Appointment type id.
    #[arg(long = "type")]
    pub appointment_type: String,
    /// Local start time.
    #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
    pub at: String,
    /// A particular consultant.
    #[arg(long)]
    pub consultant: Option<String>,
}

/// `queue ...`.
#[derive(Debug, Subcommand)]
pub enum QueueCmd {
    /// Check a client in: a student number or a card swipe.
    Add {
        /// Student number or card data.
        card: String,
    },
    /// Call the next client.
    Next,
    /// Show the queue with estimated waits.
    List,
    /// Mark a client as seen.
    Done {
        /// Queue entry id or student number.
        who: String,
    },
}

/// `lease ...`.
#[derive(Debug, Subcommand)]
pub enum LeaseCmd {
    /// Lease a consultant's slots in a period to this desk: no other desk gets a booking in
    /// them until the lease ends, so bookings here are certain while offline.
    Take {
        /// The consultant's login.
        #[arg(long)]
        consultant: String,
        /// The period's start, local time (YYYY-MM-DD HH:MM).
        #[arg(long)]
        from: String,
        /// The period's end, local time (YYYY-MM-DD HH:MM).
        #[arg(long)]
        to: String,
        /// How many hours from now the lease lasts (1 to 72).
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=72))]
        hours: u32,
    },
    /// Lease some of an event's places to this desk: no other desk gets them until the lease
    /// ends, so places given here are certain while offline.
    Places {
        /// The event (id or title).
        #[arg(long)]
        event: String,
        /// How many places.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        places: u32,
        /// How many hours from now the lease lasts (1 to 72).
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=72))]
        hours: u32,
    },
    /// This desk's leases still running.
    List,
    /// Hand a lease back: its slots are any desk's again.
    Return {
        /// The lease's id, as `lease list` shows it.
        id: String,
    },
}

/// `outbox ...`.
#[derive(Debug, Subcommand)]
pub enum OutboxCmd {
    /// Messages waiting to be sent and messages that failed.
    List,
    /// Send what is due now (transport from notify.toml in the config dir; default: .eml files).
    Flush,
}

/// `enquiry ...`.
#[derive(Debug, Subcommand)]
pub enum EnquiryCmd {
    /// Record an enquiry (prints its id).
    Add {
        /// email, phone, desk or chat.
        #[arg(long)]
        channel: String,
        /// What was asked, in brief (a chat keeps only this, never the transcript).
        #[arg(long)]
        summary: String,
        /// The client's student number, when known.
        #[arg(long)]
        client: Option<String>,
        /// For an e-mail enquiry: a file holding the query and the reply (kept until the
        /// policy's days after it is resolved).
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
    },
    /// Mark an enquiry resolved today.
    Resolve {
        /// Enquiry id.
        id: String,
    },
    /// List enquiries, newest first.
    List {
        /// Only those not resolved yet.
        #[arg(long)]
        open: bool,
    },
}

/// `export ...`.
#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// A consultant's booked appointments as an iCalendar file on standard output.
    Ics {
        /// The consultant's login.
        #[arg(long)]
        consultant: String,
        /// Days ahead from today (1 to 732).
        #[arg(long, default_value_t = 28, value_parser = clap::value_parser!(i64).range(1..=i64::from(limits::CALENDAR_DAYS)))]
        days: i64,
    },
    /// Everything held on one client as JSON, for a subject-access request (DATA-05;
    /// supervisors and administrators; audited).
    Subject {
        /// Student number.
        client: String,
        /// Write to this new file instead of standard output (it must not exist).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
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
    /// Give the bulk-email grant to a trained operator (SEC-06; administrators; audited).
    Grant {
        /// Login.
        login: String,
        /// What to grant.
        #[arg(value_parser = ["bulk-email"])]
        grant: String,
    },
    /// Take the bulk-email grant back (administrators; audited).
    Revoke {
        /// Login.
        login: String,
        /// What to take back.
        #[arg(value_parser = ["bulk-email"])]
        grant: String,
    },
    /// Unlock an operator locked by repeated wrong passwords (administrators; audited).
    Unlock {
        /// Login.
        login: String,
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
    /// Change a client's details: only the fields given change. `--phone ""`, `--school ""`
    /// and `--course-end ""` clear those fields. Desk staff may change contact details only.
    Edit {
        /// Student number.
        student_number: String,
        /// E-mail.
        #[arg(long)]
        email: Option<String>,
        /// Phone (`""` clears it).
        #[arg(long)]
        phone: Option<String>,
        /// Contact preferences: email,phone,post or none.
        #[arg(long)]
        contact: Option<String>,
        /// Programme of study.
        #[arg(long)]
        programme: Option<String>,
        /// School or faculty (`""` clears it).
        #[arg(long)]
        school: Option<String>,
        /// Level of study: ug, pgt or pgr.
        #[arg(long)]
        level: Option<String>,
        /// Student or graduate.
        #[arg(long)]
        status: Option<String>,
        /// Course end date (`""` clears it).
        #[arg(long, value_name = "YYYY-MM-DD")]
        course_end: Option<String>,
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
        /// At most this many (1 to 1000).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=i64::from(limits::FIND_RESULTS)))]
        limit: u32,
    },
    /// Suspend a client pending investigation: they cannot be booked (supervisors).
    Suspend {
        /// Student number.
        student_number: String,
        /// Why (required, audited).
        #[arg(long)]
        reason: String,
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
    /// Import employers from an employer portal's export, CSV or JSON (columns: name,sector,website,tags).
    Employers(import::PortalArgs),
    /// Import vacancies from an employer portal's export, CSV or JSON (columns: employer,title,closes,url).
    Vacancies(import::PortalArgs),
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many clients (1 to 1,000,000).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=i64::from(limits::DEMO_CLIENTS)))]
    pub clients: u32,
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
    /// Show the last N entries (1 to 1,000,000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=i64::from(limits::AUDIT_ENTRIES)))]
    pub last: u32,
    /// Only entries by this login.
    #[arg(long)]
    pub operator: Option<String>,
    /// Only entries about this client (student number).
    #[arg(long)]
    pub client: Option<String>,
    /// Only entries with this action (e.g. sign-in, read-note, update).
    #[arg(long)]
    pub action: Option<String>,
    /// Only entries on or after this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    pub from: Option<String>,
    /// Only entries on or before this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// `audit verify`.
    #[command(subcommand)]
    pub cmd: Option<AuditCmd>,
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check that no audit entry was edited, removed or reordered (exit 1 names the first).
    Verify,
    /// Note reads made above the reader's level with a break-glass reason, newest first (SEC-04).
    BreakGlass,
}
