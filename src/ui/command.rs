//! Every command a person can give the desk screen: a kebab-case name, a description and the
//! context it belongs to. Keymaps bind keys to these names; the help overlay, the command bar
//! and the palette are generated from this list and the active keymap.

/// Where a command applies. Global commands work in every pane unless the pane binds the key;
/// the help overlay, the palette and the forms (set-up, sign-in, lock) are contexts of their
/// own whose keys are only those bound in their section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Everywhere.
    Global,
    /// The calendar pane.
    Calendar,
    /// The clients pane.
    Clients,
    /// The notes pane.
    Notes,
    /// The employers pane.
    Employers,
    /// The supervisor triage pane.
    Triage,
    /// The drop-in queue pane.
    Queue,
    /// The events pane.
    Events,
    /// The sync conflicts pane.
    Conflicts,
    /// The help overlay.
    Help,
    /// The command palette.
    Palette,
    /// The set-up, sign-in and lock forms.
    Form,
}

impl Context {
    /// All contexts, in the order the help overlay lists them.
    pub const ALL: [Context; 12] = [
        Context::Global,
        Context::Calendar,
        Context::Clients,
        Context::Notes,
        Context::Employers,
        Context::Triage,
        Context::Queue,
        Context::Events,
        Context::Conflicts,
        Context::Help,
        Context::Palette,
        Context::Form,
    ];

    /// The section name in a keymap file.
    pub fn section(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Calendar => "calendar",
            Context::Clients => "clients",
            Context::Notes => "notes",
            Context::Employers => "employers",
            Context::Triage => "triage",
            Context::Queue => "queue",
            Context::Events => "events",
            Context::Conflicts => "conflicts",
            Context::Help => "help",
            Context::Palette => "palette",
            Context::Form => "form",
        }
    }

    /// Whether keys not bound here run their `[global]` binding: true for the panes; the help
    /// overlay, the palette and the forms take only their own keys.
    pub fn falls_back_to_global(self) -> bool {
        !matches!(self, Context::Global | Context::Help | Context::Palette | Context::Form)
    }

    /// The context for a keymap section name.
    pub fn from_section(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.section() == name)
    }
}

macro_rules! commands {
    ($( $variant:ident => $name:literal, $ctx:ident, $desc:literal; )*) => {
        /// A command a person can give (see the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command {
            $(
                #[doc = $desc]
                $variant,
            )*
        }

        impl Command {
            /// Every command, in the order help and the palette list them.
            pub const ALL: &'static [Command] = &[$(Command::$variant),*];

            /// The kebab-case name used in keymaps and the palette.
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name),* }
            }

            /// A one-line description for help and the palette.
            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $desc),* }
            }

            /// Where the command applies.
            pub fn context(self) -> Context {
                match self { $(Command::$variant => Context::$ctx),* }
            }
        }
    };
}

commands! {
    Quit => "quit", Global, "Quit careerdesk";
    Help => "help", Global, "Show or hide the keys for this screen";
    Palette => "palette", Global, "Run any command by name";
    Lock => "lock", Global, "Lock the screen now (unlock with your password)";
    SignOut => "sign-out", Global, "Sign out so another operator can sign in";
    NextPane => "next-pane", Global, "Go to the next pane";
    PrevPane => "prev-pane", Global, "Go to the previous pane";
    ShowCalendar => "show-calendar", Global, "Go to the calendar";
    ShowClients => "show-clients", Global, "Go to client lookup";
    ShowNotes => "show-notes", Global, "Go to the notes of the selected client";
    ShowEmployers => "show-employers", Global, "Go to employers";
    ShowTriage => "show-triage", Global, "Go to supervisor triage";
    ShowQueue => "show-queue", Global, "Go to the drop-in queue";
    ShowEvents => "show-events", Global, "Go to events and their bookings";
    ShowConflicts => "show-conflicts", Global, "Go to the sync conflicts queue: other desks' changes not merged, and bookings here that need rebooking";
    Up => "up", Global, "Move up";
    Down => "down", Global, "Move down";
    PageUp => "page-up", Global, "Move up a page";
    PageDown => "page-down", Global, "Move down a page";
    First => "first", Global, "Go to the first row";
    Last => "last", Global, "Go to the last row";
    Select => "select", Global, "Open or choose the selected row";
    Back => "back", Global, "Close, cancel or go back";
    Search => "search", Global, "Type to search this pane";
    Refresh => "refresh", Global, "Reload this pane's data";
    NextTheme => "next-theme", Global, "Switch between the normal and high-contrast themes";
    SyncNow => "sync-now", Global, "Sync with the server now (an enrolled desk also syncs by itself; the status bar says how it went)";
    CalendarToday => "calendar-today", Calendar, "Jump to today";
    CalendarPrev => "calendar-prev", Calendar, "Previous day (or week in week view); in a grid the column to the left, in the month the day before";
    CalendarNext => "calendar-next", Calendar, "Next day (or week in week view); in a grid the column to the right, in the month the day after";
    CalendarWeek => "calendar-week", Calendar, "Switch between day and week view";
    CalendarDay => "calendar-day", Calendar, "Show one day (from the month: the selected day)";
    CalendarMonth => "calendar-month", Calendar, "Show the month: each day's free slots, bookings and events (again: back to the day)";
    CalendarGrid => "calendar-grid", Calendar, "Switch the day and the week between a list and a grid of half hours";
    CalendarRooms => "calendar-rooms", Calendar, "Switch the day grid's columns between consultants and rooms";
    CalendarEarlier => "calendar-earlier", Calendar, "Previous day, week or month, in any view";
    CalendarLater => "calendar-later", Calendar, "Next day, week or month, in any view";
    CalendarConsultant => "calendar-consultant", Calendar, "Show the next consultant's calendar, or everyone's";
    CalendarGoto => "calendar-goto", Calendar, "Jump to a date (YYYY-MM-DD)";
    BookSlot => "book-slot", Calendar, "Book a client into the selected free slot";
    AddSeries => "add-series", Calendar, "Make a series of slots over a term (a form; enter previews, enter again makes)";
    WithdrawSlot => "withdraw-slot", Calendar, "Withdraw the selected free slot (asks to confirm)";
    Book => "book", Clients, "Book the selected client: choose a type, then a free slot";
    CancelBooking => "cancel-booking", Clients, "Cancel the selected client's selected upcoming booking";
    CheckIn => "check-in", Clients, "Check the client in for their appointment today";
    QueueAdd => "queue-add", Clients, "Add the selected client to the drop-in queue";
    AddClient => "add-client", Clients, "Add a walk-in client who is not in the store yet";
    EditClient => "edit-client", Clients, "Edit the selected client's contact details (and study record, by role)";
    EraseClient => "erase-client", Clients, "Erase the selected client for good (supervisors; asks a reason and the student number)";
    CardSection => "card-section", Clients, "Show the card's next section (consents, attachments, enquiries, feedback, complaints); ↑/↓ choose in it, esc back";
    OpenAttachment => "open-attachment", Clients, "Open the selected attachment (consultants and up; the read is logged)";
    GiveConsent => "give-consent", Clients, "Record the client's consent to a third-party service (a form)";
    WithdrawConsent => "withdraw-consent", Clients, "Record that the client withdraws a consent (a form)";
    AddEnquiry => "add-enquiry", Clients, "Record an enquiry from the client (a form)";
    AddFeedback => "add-feedback", Clients, "Record the client's feedback on their latest past appointment (a form)";
    EscalateComplaint => "escalate-complaint", Clients, "Escalate the chosen complaint about the service to its next stage (supervisors; in the complaints section)";
    ReadNote => "read-note", Notes, "Read the selected note (the read is logged)";
    WriteNote => "write-note", Notes, "Write a note for the selected appointment";
    SaveNote => "save-note", Notes, "Save the note being written";
    RecordOutcome => "record-outcome", Notes, "Record how the selected appointment ended";
    Mark => "mark", Triage, "Mark or unmark the selected unresolved appointment, to settle several at once";
    Waive => "waive", Triage, "Waive the selected no-show (a reason is asked for)";
    ConfirmBlock => "confirm-block", Triage, "Confirm the proposed block of the selected client";
    DismissBlock => "dismiss-block", Triage, "Dismiss the proposed block of the selected client";
    AuditLog => "audit-log", Triage, "Show the audit log, break-glass reads first; / filters by operator, client, action, dates (esc back)";
    Reports => "reports", Triage, "Show the reports (usage, no-shows, contacts per week, programme usage) with small counts hidden; ↑/↓ choose one, esc back";
    FilterTags => "filter-tags", Employers, "Filter employers by tags (comma-separated)";
    AddEmployer => "add-employer", Employers, "Add an employer (a form: name, sector, website, tags, owner or multi-owner)";
    EditEmployer => "edit-employer", Employers, "Edit the selected employer's name, sector, website or key-account owner";
    TagEmployer => "tag-employer", Employers, "Add or remove the selected employer's tags";
    AddContact => "add-contact", Employers, "Add a contact at the selected employer";
    LogEngagement => "log-engagement", Employers, "Log an engagement with the selected employer (the liaison gate applies, EMP-04)";
    RecordLiaison => "record-liaison", Employers, "Record a liaison with the key account's owner: who, when, what was agreed";
    BusiestEmployers => "busiest-employers", Employers, "Show the employers with the most contacts over the last year (esc back)";
    MailEmployers => "mail-employers", Employers, "Bulk mail employer contacts about events: enter previews who gets it and who is left out, enter again sends (bulk-email grant)";
    AddComplaint => "add-complaint", Employers, "Record a student's complaint about the selected employer (student number, permission, what happened)";
    AddVacancy => "add-vacancy", Employers, "Add a vacancy at the selected employer (title, closing date, where to apply)";
    EditVacancy => "edit-vacancy", Employers, "Edit or close one of the selected employer's vacancies (chosen by its number in the profile)";
    QueueNext => "queue-next", Queue, "Call the next client in the queue";
    QueueDone => "queue-done", Queue, "Mark the selected client as seen";
    QueueCheckIn => "queue-check-in", Queue, "Check a client in by student number or card swipe";
    AddEvent => "add-event", Events, "Create an event (a form; a clash asks for a reason to go ahead)";
    MoveEvent => "move-event", Events, "Move the selected event to a new time (clashes are checked again)";
    OpenEvent => "open-event", Events, "Open the selected event to another school, naming who was consulted";
    BookEvent => "book-event", Events, "Book a student onto the selected event by student number (the waiting list when full)";
    CancelEventBooking => "cancel-event-booking", Events, "Cancel a student's booking on the selected event (the first waiting gets the place)";
    AttendEvent => "attend-event", Events, "Mark attendance at the selected event: swipe the card or type the number";
    MessageAbsent => "message-absent", Events, "After the event: message everyone who booked but did not come";
    PromoteEvent => "promote-event", Events, "Bulk mail employer contacts promoting the selected event (and others): preview the recipients, then send (bulk-email grant)";
    RebookInto => "rebook-into", Conflicts, "Move the selected booking that needs rebooking into a free slot: choose one with ↑/↓, enter moves it";
    CancelRebooking => "cancel-rebooking", Conflicts, "Cancel the selected booking that needs rebooking (asks to confirm)";
    MergeAgain => "merge-again", Conflicts, "Merge the selected change from another desk again, once what stopped it is settled (the record holding its student number erased, careerdesk updated)";
    ClientTold => "client-told", Conflicts, "Record that the client of the selected event booking that lost its place was told (it stays on the waiting list)";
    DismissRefused => "dismiss-refused", Conflicts, "Dismiss the selected change made here that the sync server refused, once someone whose role allows it has done it again (asks for a reason, audited)";
    NextField => "next-field", Form, "Move to the next field of the form";
    PrevField => "prev-field", Form, "Move to the previous field of the form";
    NextChoice => "next-choice", Form, "Change the focused choice to the next option";
    PrevChoice => "prev-choice", Form, "Change the focused choice to the previous option";
}

impl Command {
    /// The command with this name.
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_described() {
        let mut seen = std::collections::HashSet::new();
        for c in Command::ALL {
            assert!(seen.insert(c.name()), "duplicate {}", c.name());
            assert!(
                c.name().chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{}",
                c.name()
            );
            assert!(!c.description().is_empty());
            assert_eq!(Command::from_name(c.name()), Some(*c));
        }
    }
}
