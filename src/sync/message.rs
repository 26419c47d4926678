//! The protocol's messages: what a desk asks ([`Request`]) and what the server answers
//! ([`Reply`]). One request, one reply, in turn.

use serde::{Deserialize, Serialize};

use crate::domain::appointment::Appointment;
use crate::domain::booking_claim::{Answer, Claim, Lease, Release};
use crate::domain::ids::{AppointmentId, DeviceId, EventBookingId, OperatorId, TerminalId};
use crate::domain::place_claim::{PlaceAnswer, PlaceClaim, PlaceLease, PlaceRelease};
use crate::domain::roster::RosterEntry;
use crate::domain::sync::{SealedOp, TerminalEntry};
use crate::store::relay::{KeySlotCopy, TerminalOps};

/// Most ops a desk sends in one push, or asks for in one pull.
pub const MAX_OPS_PER_FRAME: u32 = 1_000;

/// What a desk (or the server's administrator) sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Opens a session as an enrolled terminal, naming the replicas whose ops it pushes.
    Hello {
        /// The terminal's credential id.
        terminal: TerminalId,
        /// Its secret.
        secret: [u8; 32],
        /// Its replicas (the current one last).
        replicas: Vec<DeviceId>,
        /// Its store's institution check: the server serves one institution.
        institution: [u8; 32],
    },
    /// Enrols a new terminal with a one-time code.
    Enrol {
        /// The code from `careerdesk server enrol-code`.
        code: String,
        /// A name for the terminal (a place, never a person).
        name: String,
    },
    /// Ops of one replica, oldest first; `base` is the sequence before its first op.
    Push {
        /// The sequence before the replica's first op.
        base: u64,
        /// The ops.
        ops: Vec<SealedOp>,
    },
    /// The institution's policy the server serves.
    GetPolicy,
    /// Ops after server sequence `after`.
    Pull {
        /// The cursor.
        after: u64,
        /// At most this many.
        max_ops: u32,
    },
    /// A server administrator's request, with the token in the server's data folder.
    Admin {
        /// The token.
        token: [u8; 32],
        /// What to do.
        action: AdminAction,
    },
    /// Ends the session.
    Bye,
    /// After `Welcome`: this desk's key slots, for the server to keep merged by login.
    OfferKeySlots {
        /// Every operator's slot the desk holds, each with when it last changed there.
        slots: Vec<KeySlotCopy>,
    },
    /// For a desk joining the institution, before it has a store: what it needs to make one.
    /// The code must be a valid enrolment code; it is not spent (`Enrol` spends it).
    Institution {
        /// The one-time code from `careerdesk server enrol-code`.
        code: String,
    },
    /// After `Welcome`: provisional bookings for the server to decide, in order, and slots
    /// whose confirmed bookings were cancelled, to let go (at most `MAX_CLAIMS` of each).
    Bookings {
        /// The claims.
        claims: Vec<Claim>,
        /// The releases.
        releases: Vec<Release>,
    },
    /// After `Welcome`: a lease of a consultant's slots for a period, to this desk (the
    /// server sets its id and desk).
    Lease {
        /// The lease asked for (its id, desk and expiry are the server's to set).
        lease: Lease,
        /// How many hours from now, by the server's clock, it lasts.
        hours: u32,
    },
    /// After `Welcome`: hands one of this desk's leases (of slots or of places) back.
    ReturnLease {
        /// The lease's id.
        id: u128,
    },
    // New variants go last: the encoding names a variant by its place.
    /// After `Welcome`: event places this desk gave provisionally, for the server to decide
    /// in order, and places of bookings cancelled since, to let go (at most `MAX_CLAIMS` of
    /// each).
    Places {
        /// The claims.
        claims: Vec<PlaceClaim>,
        /// The releases.
        releases: Vec<PlaceRelease>,
    },
    /// After `Welcome`: a lease of some of an event's places for a period, to this desk (the
    /// server sets its id and desk).
    LeasePlaces {
        /// The lease asked for (its id, desk and expiry are the server's to set).
        lease: PlaceLease,
        /// The event's places, as this desk knows them.
        capacity: u32,
        /// Places decided before their desks synced, as this desk knows them.
        settled: u32,
        /// How many hours from now, by the server's clock, it lasts.
        hours: u32,
    },
    /// After `Welcome`, to a server restored from an older backup: bookings and event places
    /// this desk holds as confirmed, for it to take back where nothing else holds them now (at
    /// most `MAX_CLAIMS` of each).
    Reinstate {
        /// Confirmed, live bookings.
        slots: Vec<Appointment>,
        /// Confirmed places, each with its event as this desk knows it.
        places: Vec<PlaceClaim>,
    },
    /// After `Welcome`: the roster entries this desk holds (at most `MAX_ROSTER` of them),
    /// for the server to take those its rules allow (decision 0022).
    Roster {
        /// Signed entries.
        entries: Vec<RosterEntry>,
    },
}

/// Most roster entries in one request.
pub const MAX_ROSTER: usize = 2_000;

/// What an administrator may ask a running server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminAction {
    /// A one-time enrolment code valid for this many minutes.
    EnrolCode {
        /// Minutes.
        valid_minutes: u32,
    },
    /// The enrolled terminals.
    Terminals,
    /// Revoke a terminal.
    Revoke {
        /// Which.
        terminal: TerminalId,
    },
    /// Serve a new version of the institution's policy (the TOML text; checked first).
    SetPolicy {
        /// The policy file's text.
        text: String,
    },
    /// The policy served now.
    ShowPolicy,
    /// Each terminal's unsigned ops taken and ops refused.
    TerminalOps,
}

/// What the server answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// The session is open.
    Welcome {
        /// The server's id.
        server_id: u128,
        /// Its epoch: new when it was restored from a backup.
        epoch: u128,
        /// Its clock, ms since the epoch.
        server_time_ms: u64,
        /// Its newest server sequence.
        head: u64,
        /// For each replica the hello named, the newest op the server holds.
        high_water: Vec<(DeviceId, u64)>,
        /// The version of the institution's policy it serves (0: none set).
        policy_version: u32,
    },
    /// The institution's policy.
    Policy {
        /// Its version.
        version: u32,
        /// The policy file's text.
        text: String,
    },
    /// The terminal is enrolled: keep the secret, it is not shown again.
    Enrolled {
        /// The terminal's credential id.
        terminal: TerminalId,
        /// Its secret.
        secret: [u8; 32],
        /// The server's id.
        server_id: u128,
    },
    /// The push was taken.
    PushAck {
        /// The replica.
        device: DeviceId,
        /// Its newest op the server now holds.
        high_water: u64,
        /// The ops pushed that the server refused against the roster (decision 0022): each
        /// keeps its place, and no desk is given its content. Sequence and why.
        refused: Vec<(u64, String)>,
    },
    /// Ops after the cursor, each with its server sequence.
    Batch {
        /// The ops, oldest first.
        ops: Vec<(u64, SealedOp)>,
        /// The server's newest sequence.
        head: u64,
    },
    /// An administrator's request was done.
    Admin(AdminReply),
    /// Refused.
    Error {
        /// What kind.
        code: ErrorCode,
        /// What to tell the user.
        message: String,
        /// When to try again, for a busy server.
        retry_after_ms: Option<u64>,
    },
    // New variants go last: the encoding names a variant by its place.
    /// The key slots offered were merged.
    KeySlotsKept {
        /// How many replaced or added one the server held.
        taken: u32,
    },
    /// What a joining desk makes its store from.
    Institution {
        /// The institution check.
        check: [u8; 32],
        /// Every operator's key slot.
        key_slots: Vec<KeySlotCopy>,
        /// The policy served, if any: version and text.
        policy: Option<(u32, String)>,
    },
    /// The bookings were decided.
    Bookings {
        /// Each claim's answer, in the order asked.
        answers: Vec<(AppointmentId, Answer)>,
        /// The bookings whose slots were let go.
        released: Vec<AppointmentId>,
    },
    /// The lease is given.
    Leased {
        /// It, with its id.
        lease: Lease,
    },
    /// The lease is handed back (or was not held).
    LeaseReturned {
        /// Whether it was held.
        held: bool,
    },
    /// The event places were decided.
    Places {
        /// Each claim's answer, in the order asked.
        answers: Vec<(EventBookingId, PlaceAnswer)>,
        /// The bookings whose places were let go.
        released: Vec<EventBookingId>,
    },
    /// The lease of event places is given.
    LeasedPlaces {
        /// It, with its id.
        lease: PlaceLease,
    },
    /// What was given back: the bookings whose slots went to another booking since, and the
    /// places whose event filled since.
    Reinstated {
        /// (booking, the booking holding its slot now).
        slots_taken: Vec<(AppointmentId, AppointmentId)>,
        /// Event bookings whose event is full now.
        places_full: Vec<EventBookingId>,
    },
    /// The roster after the entries offered: which were refused, and every entry it holds.
    Roster {
        /// Entries refused: operator and why.
        refused: Vec<(OperatorId, String)>,
        /// The whole roster, for the desk to check and keep.
        entries: Vec<RosterEntry>,
    },
}

/// What an administrator's request gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminReply {
    /// A new code.
    Code(String),
    /// The terminals.
    Terminals(Vec<TerminalEntry>),
    /// Whether the terminal was found (and is now revoked).
    Revoked(bool),
    /// The version now served.
    PolicyVersion(u32),
    /// The policy served, if any: version and text.
    Policy(Option<(u32, String)>),
    /// Each terminal's unsigned ops taken and ops refused.
    TerminalOps(Vec<TerminalOps>),
}

/// The kinds of refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    /// Not enrolled, wrong secret or wrong code.
    Unauthorised,
    /// Revoked.
    Revoked,
    /// A push with a gap, a rewritten op, or another terminal's replica.
    BadPush,
    /// A request out of turn or malformed.
    BadRequest,
    /// Busy or failing: try again after `retry_after_ms`.
    Unavailable,
    /// The desk's store holds another institution's key.
    OtherInstitution,
    /// An op's clock is too far ahead of the server's.
    ClockAhead,
    /// A desk asked to join a server that holds no institution yet.
    NoInstitution,
}
