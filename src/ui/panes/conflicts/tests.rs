//! The conflicts pane drawn from a queue made in memory: each row cut to the pane's width, the
//! selected one in full, a booking's free slots with their consultants, the question before a
//! cancellation, and an empty queue or a refusal said in words.

use chrono::{TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::view::fit;
use super::*;
use crate::desk::ConflictView;
use crate::domain::appointment::{Appointment, AppointmentState, RecordingConsent, Slot};
use crate::domain::ids::{AppointmentId, ClientId, DeviceId, OperatorId, SlotId};
use crate::domain::policy::{AppointmentTypeId, LocationId};
use crate::ui::theme::ThemeKind;

fn at(h: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 11, h, 0, 0).unwrap()
}

fn slot(id: u128, h: u32) -> Slot {
    Slot {
        id: SlotId(id),
        consultant: OperatorId(7),
        appointment_type: AppointmentTypeId("applications".into()),
        start: at(h),
        minutes: 45,
        location: LocationId("atrium-pod-1".into()),
        booking: None,
        withdrawn: false,
        series: None,
    }
}

fn booking_row(offers: Vec<Offer>) -> ConflictRow {
    let appointment = Appointment {
        id: AppointmentId(0xab),
        slot: SlotId(1),
        client: ClientId(2),
        consultant: OperatorId(7),
        appointment_type: AppointmentTypeId("applications".into()),
        start: at(10),
        minutes: 45,
        location: LocationId("atrium-pod-1".into()),
        booked_at: at(8),
        booked_by: OperatorId(1),
        state: AppointmentState::Booked,
        recording_consent: RecordingConsent::NotGiven,
        waiver: None,
        confirmation: Confirmation::NeedsRebooking {
            desk: DeviceId(9),
            reason: "the slot went to a booking made first on another desk".into(),
            taken_by: None,
            alternatives: offers.iter().map(|o| o.slot.id).collect(),
        },
    };
    ConflictRow {
        view: ConflictView {
            device: format!("{:032x}", 9),
            seq: 0,
            kind: "appointments",
            record: format!("{:032x}", 0xab),
            what: "booking 000ab of Bo Two (10000002), applications Fri 11 Dec 2026 10:00, needs rebooking: \
                   the slot went to a booking made first on another desk; free: Fri 11 Dec 11:00"
                .into(),
            at: at(8),
            settle: crate::desk::Settling::Rebook,
        },
        rebooking: Some(Rebooking {
            appointment,
            client: "Bo Two (10000002)".into(),
            offers: Ok(offers),
            offered_then: true,
        }),
    }
}

fn op_row() -> ConflictRow {
    ConflictRow {
        view: ConflictView {
            device: format!("{:032x}", 5),
            seq: 12,
            kind: "clients",
            record: format!("{:032x}", 3),
            what: "student number 10000003 is given to two people on two desks; correct one of the two records".into(),
            at: at(9),
            settle: crate::desk::Settling::MergeAgain,
        },
        rebooking: None,
    }
}

fn pane(data: Option<Result<ConflictsData, String>>) -> ConflictsPane {
    ConflictsPane {
        tz: chrono_tz::Europe::London,
        data,
        loading: false,
        loads: Latest::default(),
        selected: 0,
        mode: Mode::Browse,
        list_area: Rect::default(),
        offset: 0,
        count: None,
        reason: Input::new(),
    }
}

fn offer() -> Offer {
    Offer {
        slot: slot(11, 11),
        consultant: "cons1 (Sam Lee)".into(),
    }
}

fn screen(p: &mut ConflictsPane, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let th = Theme::of(ThemeKind::Plain);
    t.draw(|f| p.draw(f, f.area(), &th)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            format!("{}\n", line.trim_end())
        })
        .collect()
}

#[test]
fn fit_cuts_long_text_with_an_ellipsis_and_leaves_short_text_alone() {
    assert_eq!(fit("short", 10), "short");
    assert_eq!(fit("a longer text", 8), "a longe…");
    assert_eq!(fit("x", 0), "");
}

#[test]
fn conflict_rows_fit_the_pane_width_with_the_state_in_words_and_the_selected_one_in_full() {
    let mut p = pane(Some(Ok(ConflictsData {
        rows: vec![booking_row(vec![offer()]), op_row()],
    })));
    let s = screen(&mut p, 80, 24);
    let lines: Vec<&str> = s.lines().collect();
    let row = lines
        .iter()
        .find(|l| l.contains("⚠ needs rebooking") && l.contains("appointments"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains("Fri 11 Dec 08:00"), "{s}");
    assert!(row.ends_with("…│"), "a long row is cut at the border: {row}");
    assert!(row.chars().count() <= 80);
    let other = lines
        .iter()
        .find(|l| l.contains("✗ not merged"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(other.contains("clients"), "{other}");
    // The selected booking in full (wrapped: the row above was cut), with its offer and who
    // holds it.
    assert!(s.contains("desk; free: Fri 11"), "{s}");
    assert!(
        s.contains("1. Fri 11 Dec 2026 11:00–11:45 · applications · cons1 (Sam Lee)"),
        "{s}"
    );
    assert!(s.contains("m or enter chooses a slot"), "{s}");
    assert!(s.contains("Conflicts: 2 waiting"), "{s}");
}

#[test]
fn choosing_an_offer_marks_it_and_the_cancel_question_says_what_happens() {
    let mut p = pane(Some(Ok(ConflictsData {
        rows: vec![booking_row(vec![
            offer(),
            Offer {
                slot: slot(12, 14),
                consultant: "cons2 (Kim Ng)".into(),
            },
        ])],
    })));
    p.mode = Mode::Offers { selected: 1 };
    let s = screen(&mut p, 100, 30);
    assert!(s.contains("> 2. Fri 11 Dec 2026 14:00–14:45"), "{s}");
    assert!(s.contains("enter moves the booking there"), "{s}");
    p.mode = Mode::Cancel;
    let s = screen(&mut p, 100, 30);
    assert!(s.contains("Cancel the booking of Bo Two (10000002)"), "{s}");
    assert!(s.contains("enter cancels it · esc keeps it"), "{s}");
}

#[test]
fn an_empty_queue_and_a_refusal_are_said_in_words() {
    let s = screen(&mut pane(Some(Ok(ConflictsData::default()))), 80, 12);
    assert!(s.contains("Nothing waits in the conflicts queue."), "{s}");
    let s = screen(
        &mut pane(Some(Err(
            "permission denied: sam may not sync this desk with the server".into(),
        ))),
        80,
        12,
    );
    assert!(s.contains("The conflicts queue cannot be shown"), "{s}");
    assert!(s.contains("may not sync this desk"), "{s}");
    let s = screen(&mut pane(None), 80, 12);
    assert!(s.contains("Reading the conflicts queue"), "{s}");
}
