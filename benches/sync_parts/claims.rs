//! The sync bench's claims run: a fair's worth of bookings made offline on desk A, each
//! provisional, then one sync in which the server decides every claim (decision 0020, step 6),
//! against a sync of as many ops with no booking in them, in the same run.

use std::time::{Duration, Instant};

use careerdesk::desk::{Desk, NewSlot};
use careerdesk::domain::operator::Login;

/// Provisional bookings made before the timed sync (a busy fair day at one desk).
pub const CLAIMS: usize = 200;

/// What the claims run measured.
pub struct Claimed {
    /// The sync that pushed the bookings' ops and had every claim decided.
    pub with_claims: Duration,
    /// The sync that pushed as many ops of new clients, with nothing to claim.
    pub without: Duration,
    /// How many ops each of the two pushed.
    pub ops: u64,
}

/// Desk A first syncs `3 * CLAIMS` ops of new clients, then makes `CLAIMS` clients, a slot
/// each and a provisional booking into it (as many ops again) and syncs: every claim must be
/// confirmed. `next` is the next free client number.
pub fn run(a: &Desk, next: &mut usize) -> Claimed {
    let ops = 3 * CLAIMS as u64;
    let before = a.store().op_seq().expect("op seq");
    while a.store().op_seq().expect("op seq") < before + ops {
        super::add_client(a, "7", *next);
        *next += 1;
    }
    let t = Instant::now();
    let plain = a.sync_now(&super::no_progress).expect("A syncs new clients");
    let without = t.elapsed();
    assert_eq!(plain.pushed, ops, "the clients' ops");
    assert_eq!(plain.bookings.confirmed, 0, "nothing to claim");

    let consultant = Login::parse("cons1").expect("login");
    // Days no earlier run booked: the template bookings fill the first weeks after the pin.
    let mut starts = super::weekday_hours(70, 200);
    let before = a.store().op_seq().expect("op seq");
    for _ in 0..CLAIMS {
        let c = super::add_client(a, "7", *next);
        *next += 1;
        let start = starts.next().expect("enough weekdays for the claims");
        let slot = a
            .add_slot(&NewSlot {
                consultant: consultant.clone(),
                appointment_type: "guidance".into(),
                start,
                minutes: None,
                location: None,
            })
            .expect("a slot");
        a.book_slot(&c, slot.id, a.now()).expect("a provisional booking");
    }
    let made = a.store().op_seq().expect("op seq") - before;
    let t = Instant::now();
    let r = a.sync_now(&super::no_progress).expect("A syncs its bookings");
    let with_claims = t.elapsed();
    assert_eq!(r.bookings.confirmed, CLAIMS as u64, "every claim confirmed");
    assert_eq!(r.bookings.needs_rebooking, 0, "no slot was anyone else's");
    assert!(r.pushed >= made, "the bookings' ops and the answers written");
    Claimed {
        with_claims,
        without,
        ops: made,
    }
}
