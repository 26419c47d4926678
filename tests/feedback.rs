//! Feedback (DATA-10): ratings and comments on appointments and events, used internally; only
//! comments consented for anonymous quotation are listed for publicity, never naming the client.

mod common;

use careerdesk::desk::NewFeedback;
use careerdesk::domain::operator::Role;
use careerdesk::domain::records::{Feedback, FeedbackSubject};
use careerdesk::paths::Paths;
use common::{at, sn, World};
use predicates::prelude::PredicateBooleanExt;

fn on(subject: FeedbackSubject, rating: u8, comment: &str, may_quote: bool) -> NewFeedback {
    NewFeedback {
        subject,
        rating,
        comment: comment.into(),
        may_quote,
    }
}

#[test]
fn data_10_only_comments_consented_for_quotation_are_quotable_and_never_name_the_client() {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[
            ("cons1", Role::Consultant),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[("10000001", "Ada Zyqquotename")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    w.slot("cons1", "guidance", "2026-12-01 10:00");
    let a = w
        .book_with(&w.admin, "10000001", "guidance", "2026-12-01 10:00", None)
        .unwrap();
    let desk = w.as_("desk1");
    let subject = FeedbackSubject::Appointment(a.id);
    for bad in [0, 6] {
        let e = desk.add_feedback(&on(subject, bad, "x", false)).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
    }
    assert_eq!(
        desk.add_feedback(&on(subject, 3, "  ", false)).unwrap_err().exit_code(),
        2
    );
    desk.add_feedback(&on(subject, 2, "internal only: the room was cold", false))
        .unwrap();
    w.clock.set(at(2026, 12, 1, 12, 0));
    desk.add_feedback(&on(subject, 5, "really helpful with my CV", true))
        .unwrap();
    assert_eq!(desk.feedback().unwrap().len(), 2, "both are kept for internal use");

    let quotes = desk.quotable_feedback().unwrap();
    assert_eq!(quotes.len(), 1);
    assert_eq!(quotes[0].comment, "really helpful with my CV");
    assert_eq!(quotes[0].rating, 5);
    let shown = serde_json::to_string(&quotes).unwrap();
    for who in ["10000001", "Zyqquotename", &a.id.to_string(), &a.client.to_string()] {
        assert!(!shown.contains(who), "{who} in {shown}");
    }

    // Feedback on a client's appointment is theirs: in their export, gone with their erasure.
    let sup = w.as_("sup1");
    assert_eq!(
        sup.subject_access_export(&sn("10000001")).unwrap().held.feedback.len(),
        2
    );
    sup.erase_client(&paths, &sn("10000001"), "the student asked").unwrap();
    let left: Vec<Feedback> = w.admin.store().sealed_for(a.client.0).unwrap_or_default();
    assert!(left.is_empty());
    assert!(desk.feedback().unwrap().is_empty());
}

#[test]
fn data_10_feedback_through_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::cli_init_with(dir, &[("er1", "employer-relations")]);
    let out = common::as_op(dir, "er1")
        .args([
            "--format",
            "json",
            "event",
            "add",
            "--title",
            "Engineering Fair",
            "--sector",
            "engineering",
        ])
        .args(["--at", "2027-05-02 10:00", "--minutes", "60", "--capacity", "50"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let event = v["id"].as_str().unwrap().to_string();
    common::as_op(dir, "er1")
        .args(["feedback", "add", "--event", &event, "--rating", "4"])
        .args(["--comment", "met three employers", "--may-quote"])
        .assert()
        .success();
    common::as_op(dir, "er1")
        .args(["feedback", "add", "--event", &event, "--rating", "1"])
        .args(["--comment", "too crowded"])
        .assert()
        .success();
    common::as_op(dir, "er1")
        .args(["feedback", "add", "--event", &event, "--rating", "9", "--comment", "x"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("rating"));
    common::as_op(dir, "er1")
        .args(["feedback", "add", "--rating", "3", "--comment", "about nothing"])
        .assert()
        .code(2);
    common::as_op(dir, "er1")
        .args(["feedback", "list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("too crowded").and(predicates::str::contains("met three employers")));
    common::as_op(dir, "er1")
        .args(["feedback", "list", "--quotable"])
        .assert()
        .success()
        .stdout(
            predicates::str::contains("met three employers")
                .and(predicates::str::contains("Engineering Fair"))
                .and(predicates::str::contains("too crowded").not()),
        );
}
