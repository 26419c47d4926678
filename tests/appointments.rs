//! The appointments engine through the service layer, clause by clause (APPT-01..APPT-10,
//! SEC-02, SEC-03), with a fixed clock and the shipped `standard` policy.

mod common;

use careerdesk::desk::{Desk, DeskError, NewSlot, Variant};
use careerdesk::domain::appointment::{Appointment, Outcome};
use careerdesk::domain::audit::AuditAction;
use careerdesk::domain::client::FlagKind;
use careerdesk::domain::operator::Role;
use careerdesk::domain::outbox::Delivery;
use careerdesk::notify::{Channel, MessageKind};
use careerdesk::report::Cell;
use chrono::{DateTime, Utc};
use common::*;

/// A store with consultants cons1 and cons2, desk1, sup1, and clients 10000001..=10000003,
/// the clock at Monday 30 November 2026 08:00 UTC (after the autumn peak period).
fn world() -> World {
    world_at(at(2026, 11, 30, 8, 0))
}

fn world_at(now: DateTime<Utc>) -> World {
    World::new(
        now,
        &[
            ("cons1", Role::Consultant),
            ("cons2", Role::Consultant),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[
            ("10000001", "Ada One"),
            ("10000002", "Bo Two"),
            ("10000003", "Cy Three"),
        ],
    )
}

trait Booking {
    fn book(&self, desk: &Desk, sn: &str, ty: &str, local: &str) -> Result<Appointment, DeskError>;
    fn slot_and_book(&self, sn: &str, ty: &str, local: &str) -> Appointment;
}

impl Booking for World {
    fn book(&self, desk: &Desk, sn: &str, ty: &str, local: &str) -> Result<Appointment, DeskError> {
        self.book_with(desk, sn, ty, local, None)
    }

    fn slot_and_book(&self, sn: &str, ty: &str, local: &str) -> Appointment {
        self.slot("cons1", ty, local);
        self.book(&self.admin, sn, ty, local).unwrap()
    }
}

#[test]
fn appt_05_fourth_contact_in_28_days_is_refused_with_the_next_possible_date() {
    let w = world();
    w.slot_and_book("10000001", "guidance", "2026-12-01 10:00");
    w.slot_and_book("10000001", "applications", "2026-12-03 10:00");
    w.slot_and_book("10000001", "guidance", "2026-12-07 10:00");
    w.slot("cons1", "applications", "2026-12-09 10:00");
    let err = w
        .book(&w.as_("desk1"), "10000001", "applications", "2026-12-09 10:00")
        .unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err}");
    let msg = err.to_string();
    assert!(msg.contains("APPT-05"), "{msg}");
    assert!(msg.contains("next possible 29 Dec"), "{msg}");
    // Another client can still have that slot.
    w.book(&w.admin, "10000002", "applications", "2026-12-09 10:00")
        .unwrap();
    // Drop-ins are not consultant contacts.
    w.slot("desk1", "drop-in", "2026-12-09 11:00");
    w.book(&w.admin, "10000001", "drop-in", "2026-12-09 11:00").unwrap();
}

#[test]
fn appt_05_the_window_after_the_new_slot_counts_too() {
    let w = world();
    w.slot_and_book("10000001", "applications", "2026-12-14 10:00");
    w.slot_and_book("10000001", "applications", "2026-12-16 10:00");
    w.slot_and_book("10000001", "guidance", "2026-12-18 10:00");
    // Earlier than all three, but inside a 28-day window with them.
    w.slot("cons1", "guidance", "2026-12-02 10:00");
    let err = w
        .book(&w.admin, "10000001", "guidance", "2026-12-02 10:00")
        .unwrap_err();
    assert!(err.to_string().contains("APPT-05"), "{err}");
}

#[test]
fn appt_06_peak_period_allows_fewer_contacts() {
    let w = world_at(at(2026, 10, 12, 8, 0));
    w.slot_and_book("10000001", "applications", "2026-10-13 10:00");
    w.slot_and_book("10000001", "guidance", "2026-10-15 10:00");
    w.slot("cons1", "applications", "2026-10-20 10:00");
    let err = w
        .book(&w.admin, "10000001", "applications", "2026-10-20 10:00")
        .unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.to_string().contains("APPT-06") && err.to_string().contains("Autumn applications peak"),
        "{err}"
    );
}

#[test]
fn appt_01_ineligible_client_is_refused_with_the_rule_that_failed() {
    let w = world();
    w.slot("cons1", "mock-interview", "2026-12-02 10:00");
    let err = w
        .book(&w.admin, "10000001", "mock-interview", "2026-12-02 10:00")
        .unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.to_string().contains("APPT-01") && err.to_string().contains("interview-workshop"),
        "{err}"
    );
}

#[test]
fn appt_01_term_allocation_is_enforced_until_the_term_ends() {
    let w = world();
    w.slot_and_book("10000001", "guidance", "2026-12-01 10:00");
    w.slot_and_book("10000001", "guidance", "2026-12-08 10:00");
    w.slot("cons1", "guidance", "2026-12-10 10:00");
    let err = w
        .book(&w.admin, "10000001", "guidance", "2026-12-10 10:00")
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("APPT-01") && msg.contains("Autumn 2026") && msg.contains("next possible 12 Dec"),
        "{msg}"
    );
}

#[test]
fn appt_02_cancel_in_time_frees_the_slot_and_consumes_nothing_late_cancel_counts() {
    let w = world();
    let a = w.slot_and_book("10000001", "guidance", "2026-12-01 10:00");
    let cancelled = w.admin.cancel(a.id).unwrap();
    assert_eq!(cancelled.outcome(), Some(Outcome::Cancelled));
    // The slot is free again for someone else.
    w.book(&w.admin, "10000002", "guidance", "2026-12-01 10:00").unwrap();
    // Two more guidance bookings fit the term allocation of 2: the cancelled one did not count.
    let attended = w.slot_and_book("10000001", "guidance", "2026-12-02 10:00");
    let b = w.slot_and_book("10000001", "guidance", "2026-12-03 10:00");
    // Cancelling after the start is a late cancellation and still counts.
    w.clock.set(at(2026, 12, 3, 10, 5));
    w.as_("cons1").record_outcome(attended.id, Outcome::Attended).unwrap();
    let late = w.admin.cancel(b.id).unwrap();
    assert_eq!(late.outcome(), Some(Outcome::LateCancel));
    w.slot("cons2", "guidance", "2026-12-09 10:00");
    let err = w
        .book(&w.admin, "10000001", "guidance", "2026-12-09 10:00")
        .unwrap_err();
    assert!(err.to_string().contains("late"), "{err}");
}

#[test]
fn appt_02_a_past_appointment_without_outcome_is_unresolved_never_a_no_show() {
    let w = world();
    let a = w.slot_and_book("10000001", "guidance", "2026-12-01 10:00");
    w.clock.set(at(2026, 12, 2, 9, 0));
    let unresolved = w.as_("sup1").unresolved(50).unwrap();
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unresolved[0].booking, a.id);
    assert_eq!(w.as_("sup1").flagged_clients().unwrap().len(), 0);
    let report = w.admin.no_shows_table(2, Variant::Unsuppressed).unwrap();
    let column = |name: &str| report.columns().iter().position(|c| c == name).unwrap();
    assert_eq!(report.column_totals()[column("no-show")], Cell::Count(0));
    assert_eq!(report.column_totals()[column("unresolved")], Cell::Count(1));
    // Settling it takes it off the list.
    w.as_("cons1").record_outcome(a.id, Outcome::Attended).unwrap();
    assert!(w.as_("sup1").unresolved(50).unwrap().is_empty());
}

#[test]
fn appt_03_waived_no_show_stops_counting_and_the_reason_is_audited() {
    let w = world();
    let a = w.slot_and_book("10000001", "guidance", "2026-12-01 10:00");
    let b = w.slot_and_book("10000001", "guidance", "2026-12-02 10:00");
    w.clock.set(at(2026, 12, 2, 12, 0));
    let cons = w.as_("cons1");
    cons.record_outcome(a.id, Outcome::NoShow).unwrap();
    cons.record_outcome(b.id, Outcome::Attended).unwrap();
    w.slot("cons2", "guidance", "2026-12-09 10:00");
    assert_eq!(
        w.book(&w.admin, "10000001", "guidance", "2026-12-09 10:00")
            .unwrap_err()
            .exit_code(),
        3
    );
    assert_eq!(cons.waive(a.id, "  ").unwrap_err().exit_code(), 2);
    assert_eq!(w.as_("desk1").waive(a.id, "bus strike").unwrap_err().exit_code(), 4);
    cons.waive(a.id, "bus strike; emailed the service").unwrap();
    w.book(&w.admin, "10000001", "guidance", "2026-12-09 10:00").unwrap();
    let log: Vec<_> = w.admin.audit_log().unwrap().into_iter().map(Result::unwrap).collect();
    assert!(log
        .iter()
        .any(|e| e.action == AuditAction::Override && e.reason.as_deref() == Some("bus strike; emailed the service")));
    assert_eq!(w.as_("sup1").recent_waivers(28).unwrap().len(), 1);
}

#[test]
fn appt_04_no_shows_flag_then_propose_a_block_a_supervisor_confirms() {
    let w = world();
    let mut ids = Vec::new();
    for (i, day) in [1, 2, 3].iter().enumerate() {
        let ty = if i == 1 { "applications" } else { "guidance" };
        ids.push(w.slot_and_book("10000003", ty, &format!("2026-12-0{day} 10:00")).id);
    }
    w.clock.set(at(2026, 12, 4, 9, 0));
    let cons = w.as_("cons1");
    cons.record_outcome(ids[0], Outcome::NoShow).unwrap();
    assert!(w.as_("sup1").flagged_clients().unwrap().is_empty());
    cons.record_outcome(ids[1], Outcome::NoShow).unwrap();
    let flagged = w.as_("sup1").flagged_clients().unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].flag, FlagKind::NoShowConcern);
    cons.record_outcome(ids[2], Outcome::NoShow).unwrap();
    let kinds: Vec<FlagKind> = w
        .as_("sup1")
        .flagged_clients()
        .unwrap()
        .iter()
        .map(|f| f.flag)
        .collect();
    assert!(kinds.contains(&FlagKind::BlockProposed), "{kinds:?}");
    // A proposal is not a block: the client can still book until a supervisor confirms.
    w.slot("cons2", "drop-in", "2026-12-04 11:00");
    w.book(&w.admin, "10000003", "drop-in", "2026-12-04 11:00").unwrap();
    assert_eq!(
        w.as_("desk1")
            .block_client(&sn("10000003"), "three no-shows", None)
            .unwrap_err()
            .exit_code(),
        4
    );
    let blocked = w
        .as_("sup1")
        .block_client(&sn("10000003"), "three no-shows, no mitigation", None)
        .unwrap();
    assert_eq!(blocked.block.as_ref().unwrap().expires.to_string(), "2027-03-04");
    assert!(!blocked.has_flag(FlagKind::BlockProposed));
    w.slot("cons2", "drop-in", "2026-12-04 12:00");
    let err = w.book(&w.admin, "10000003", "drop-in", "2026-12-04 12:00").unwrap_err();
    assert!(
        err.to_string().contains("APPT-04") && err.to_string().contains("4 Mar 2027"),
        "{err}"
    );
    w.as_("sup1")
        .unblock_client(&sn("10000003"), "met the student; circumstances explained")
        .unwrap();
    w.book(&w.admin, "10000003", "drop-in", "2026-12-04 12:00").unwrap();
}

#[test]
fn sec_02_a_booking_cannot_be_transferred_to_another_client() {
    let w = world();
    let a = w.slot_and_book("10000001", "guidance", "2026-12-01 10:00");
    let err = w.admin.transfer(a.id, &sn("10000002")).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.to_string().contains("SEC-02") && err.to_string().contains("cancel"),
        "{err}"
    );
    let still = w.admin.appointment(a.id).unwrap();
    assert_eq!(still.client, a.client);
    // The slot is held once: a second booking of it is refused.
    let err = w
        .book(&w.admin, "10000002", "guidance", "2026-12-01 10:00")
        .unwrap_err();
    assert!(err.to_string().contains("already booked"), "{err}");
}

#[test]
fn sec_03_a_suspended_client_cannot_be_booked() {
    let w = world();
    w.as_("sup1")
        .suspend_client(&sn("10000002"), "suspected account sharing")
        .unwrap();
    w.slot("cons1", "guidance", "2026-12-01 10:00");
    let err = w
        .book(&w.admin, "10000002", "guidance", "2026-12-01 10:00")
        .unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.to_string().contains("SEC-03") && err.to_string().contains("suspended"),
        "{err}"
    );
}

#[test]
fn appt_10_technical_failure_consumes_nothing_and_offers_the_same_consultant_first() {
    let w = world();
    w.slot("cons1", "guidance", "2026-12-01 10:00");
    w.slot("cons1", "guidance", "2026-12-01 15:00");
    w.slot("cons2", "guidance", "2026-12-01 11:00");
    w.slot("cons2", "guidance", "2026-12-02 09:00");
    let a = w.book(&w.admin, "10000001", "guidance", "2026-12-01 10:00").unwrap();
    w.clock.set(at(2026, 12, 1, 10, 20));
    w.as_("cons1").record_outcome(a.id, Outcome::EndedTechnical).unwrap();
    let offers = w.admin.rebook_offers(a.id, 3).unwrap();
    let times: Vec<String> = offers
        .iter()
        .map(|s| w.admin.local_time(s.start).format("%d %H:%M").to_string())
        .collect();
    assert_eq!(times, ["01 15:00", "01 11:00", "02 09:00"]);
    // Nothing was consumed: two guidance bookings still fit this term's allocation of 2.
    w.book(&w.admin, "10000001", "guidance", "2026-12-01 15:00").unwrap();
    w.book(&w.admin, "10000001", "guidance", "2026-12-02 09:00").unwrap();
}

#[test]
fn appt_09_reminder_only_for_bookings_made_more_than_a_day_ahead() {
    let mut w = world();
    // This terminal has an SMS command configured (notify.toml's [sms]).
    w.admin.set_channels(careerdesk::notify::Channels { sms: true });
    w.slot("cons1", "guidance", "2026-12-01 07:00"); // 23 h ahead (GMT = UTC)
    w.slot("cons1", "guidance", "2026-12-01 09:00"); // 25 h ahead
    w.book(&w.admin, "10000001", "guidance", "2026-12-01 07:00").unwrap();
    w.book(&w.admin, "10000002", "guidance", "2026-12-01 09:00").unwrap();
    let outbox = w.admin.outbox().unwrap();
    let kinds = |to: &str| {
        let mut k: Vec<(MessageKind, Channel)> = outbox
            .iter()
            .filter(|e| e.message.to.contains(to))
            .map(|e| (e.message.kind, e.message.channel))
            .collect();
        k.sort_by_key(|(k, c)| (k.code(), c.code()));
        k
    };
    assert_eq!(kinds("10000001"), [(MessageKind::Confirmation, Channel::Email)]);
    let phone_reminders = outbox.iter().filter(|e| e.message.channel == Channel::Sms).count();
    assert_eq!(
        phone_reminders, 1,
        "the 25-hour booking gets an SMS reminder on the client's mobile"
    );
    assert_eq!(
        kinds("10000002"),
        [
            (MessageKind::Confirmation, Channel::Email),
            (MessageKind::Reminder, Channel::Email)
        ]
    );
}

#[test]
fn appt_09_no_sms_reminder_is_planned_where_no_sms_command_is_configured() {
    let mut w = world();
    w.slot("cons1", "guidance", "2026-12-01 09:00"); // 25 h ahead
    w.slot("cons1", "guidance", "2026-12-02 09:00");
    // No SMS command (the default until notify.toml says otherwise): e-mail only.
    assert!(!w.admin.channels().sms);
    w.book(&w.admin, "10000001", "guidance", "2026-12-01 09:00").unwrap();
    let channels =
        |w: &World| -> Vec<Channel> { w.admin.outbox().unwrap().iter().map(|e| e.message.channel).collect() };
    assert_eq!(
        channels(&w),
        [Channel::Email, Channel::Email],
        "a confirmation and a reminder"
    );
    // The same booking made where an SMS command exists also gets a text reminder.
    w.admin.set_channels(careerdesk::notify::Channels { sms: true });
    w.book(&w.admin, "10000002", "guidance", "2026-12-02 09:00").unwrap();
    assert_eq!(channels(&w).iter().filter(|c| **c == Channel::Sms).count(), 1);
}

#[test]
fn appt_07_and_appt_09_confirmation_is_written_as_eml_with_the_setting_and_an_ics() {
    let w = world();
    w.slot("cons1", "guidance", "2026-12-03 10:00");
    let a = w.book(&w.admin, "10000001", "guidance", "2026-12-03 10:00").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let eml = careerdesk::notify::EmlDir::new(dir.path());
    let report = w
        .admin
        .flush_outbox(&eml, None, "Careers <careers@example.ac.uk>")
        .unwrap();
    assert_eq!(report.sent, 1, "only the confirmation is due now");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("10000001@student.example.ac.uk"));
    assert!(text.contains("text/calendar"));
    assert!(text.to_lowercase().contains("confidential"), "{text}");
    // Cancelling withdraws the pending reminder and sends a cancellation with the same UID.
    w.admin.cancel(a.id).unwrap();
    let pending: Vec<_> = w.admin.outbox().unwrap();
    assert!(
        pending.iter().all(|e| e.message.kind == MessageKind::Cancellation),
        "{pending:?}"
    );
    assert!(pending.iter().all(|e| matches!(e.state, Delivery::Pending { .. })));
}

#[test]
fn appt_09_failed_sends_are_retried_then_shown_as_failed() {
    struct Down;
    impl careerdesk::notify::Transport for Down {
        fn send(&self, _: &careerdesk::notify::PlannedMessage, _: &str) -> Result<(), careerdesk::notify::SendError> {
            Err(careerdesk::notify::SendError::Temporary("connection refused".into()))
        }
        fn name(&self) -> &'static str {
            "down"
        }
    }
    let w = world();
    w.slot("cons1", "guidance", "2026-12-03 10:00");
    w.book(&w.admin, "10000001", "guidance", "2026-12-03 10:00").unwrap();
    let r = w.admin.flush_outbox(&Down, None, "x@example.ac.uk").unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (0, 1, 0));
    // Not due again until the backoff has passed.
    let r = w.admin.flush_outbox(&Down, None, "x@example.ac.uk").unwrap();
    assert_eq!((r.sent, r.retrying, r.failed), (0, 0, 0));
    let mut now = at(2026, 11, 30, 8, 0);
    let mut failed = 0;
    for _ in 0..20 {
        now += chrono::Duration::hours(7);
        w.clock.set(now);
        failed += w.admin.flush_outbox(&Down, None, "x@example.ac.uk").unwrap().failed;
    }
    assert!(failed >= 1);
    assert!(w.admin.outbox_counts().unwrap().failed >= 1);
}

#[test]
fn slots_may_not_overlap_and_times_that_do_not_exist_are_refused() {
    let w = world();
    w.slot("cons1", "guidance", "2026-12-01 10:00");
    let overlap = w.admin.add_slot(&NewSlot {
        consultant: login("cons1"),
        appointment_type: "applications".into(),
        start: local("2026-12-01 10:30"),
        minutes: None,
        location: None,
    });
    assert!(overlap.unwrap_err().to_string().contains("already has a slot"));
    // 01:30 on the night the clocks go forward does not exist in London.
    let gap = careerdesk::domain::validate::local_datetime("at", "2027-03-28 01:30", policy().institution.time_zone);
    assert!(gap.is_err());
    let bad_type = w.admin.add_slot(&NewSlot {
        consultant: login("cons1"),
        appointment_type: "astrology".into(),
        start: local("2026-12-02 10:00"),
        minutes: None,
        location: None,
    });
    assert!(bad_type.unwrap_err().to_string().contains("guidance"));
}

#[test]
fn drop_in_queue_checks_in_by_card_estimates_waits_and_calls_in_order() {
    let w = world();
    let desk = w.as_("desk1");
    desk.queue_add(";10000001?").unwrap();
    w.clock.set(at(2026, 11, 30, 8, 1));
    desk.queue_add("%B10000002^TWO/BO^2712?").unwrap();
    desk.queue_add("10000001").unwrap(); // already waiting: keeps the place
    let list = desk.queue_list().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!((list[0].number(), list[0].position), ("10000001", 1));
    assert_eq!(list[1].estimated_wait_minutes, Some(20));
    assert!(desk.queue_add("99999999").is_err());
    let next = desk.queue_next().unwrap().unwrap();
    w.clock.set(at(2026, 11, 30, 8, 7));
    desk.queue_done(&careerdesk::desk::QueueTarget::Entry(next.id)).unwrap();
    let list = desk.queue_list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].number(), "10000002");
    assert_eq!(
        list[0].estimated_wait_minutes,
        Some(6),
        "from the measured 6-minute service"
    );
}

#[test]
fn appt_08_online_appointments_are_not_recorded_without_permission() {
    let w = world();
    w.admin
        .add_slot(&NewSlot {
            consultant: login("cons1"),
            appointment_type: "guidance".into(),
            start: local("2026-12-01 10:00"),
            minutes: None,
            location: Some("online".into()),
        })
        .unwrap();
    let a = w.book(&w.admin, "10000001", "guidance", "2026-12-01 10:00").unwrap();
    assert_eq!(
        a.recording_consent,
        careerdesk::domain::appointment::RecordingConsent::NotGiven
    );
    let given = w.admin.set_recording_consent(a.id, true).unwrap();
    assert_eq!(
        given.recording_consent,
        careerdesk::domain::appointment::RecordingConsent::Given
    );
    // In-person appointments are never recorded, so there is nothing to consent to.
    let b = w.slot_and_book("10000002", "guidance", "2026-12-02 10:00");
    assert_eq!(w.admin.set_recording_consent(b.id, true).unwrap_err().exit_code(), 2);
}
