//! An outbox run against an SMTP server that accepts the connection and never answers: the
//! run gives up on the server after its first time-out and leaves the other messages due for
//! the next run, instead of waiting for every message in turn (APPT-09).

mod common;

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use careerdesk::domain::operator::Role;
use careerdesk::domain::outbox::Delivery;
use careerdesk::notify::{Channel, MessageKind, Security, Smtp, SmtpSettings};
use common::*;

/// Accepts connections on 127.0.0.1 and holds them open without a word until stopped.
fn silent_server() -> (u16, Arc<AtomicBool>, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        while !stopped.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        held.len()
    });
    (port, stop, handle)
}

#[test]
fn appt_09_a_silent_smtp_server_costs_one_time_out_per_run_and_the_rest_stay_due() {
    let w = World::new(
        t0(),
        &[("cons1", Role::Consultant)],
        &[
            ("10000001", "Ada One"),
            ("10000002", "Bo Two"),
            ("10000003", "Cy Three"),
            ("10000004", "Di Four"),
            ("10000005", "Ed Five"),
        ],
    );
    for (i, sn) in ["10000001", "10000002", "10000003", "10000004", "10000005"]
        .iter()
        .enumerate()
    {
        let at = format!("2026-11-2{} 10:00", 4 + i);
        w.slot("cons1", "guidance", &at);
        w.book_with(&w.admin, sn, "guidance", &at, Some("cons1")).unwrap();
    }
    let emails = |desk: &careerdesk::desk::Desk| {
        desk.outbox()
            .unwrap()
            .into_iter()
            .filter(|e| e.message.channel == Channel::Email && e.message.kind == MessageKind::Confirmation)
            .collect::<Vec<_>>()
    };
    let due_before = emails(&w.admin)
        .iter()
        .filter(|e| matches!(e.state, Delivery::Pending { next_at, .. } if next_at <= t0()))
        .count();
    assert_eq!(due_before, 5, "five confirmations are due (the reminders are not yet)");

    let (port, stop, server) = silent_server();
    let smtp = Smtp::new(&SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: None,
        password: None,
        timeout: Duration::from_secs(1),
    })
    .unwrap();
    // The run happens on another thread only so that a hang fails the test instead of stalling it.
    let (tx, rx) = std::sync::mpsc::channel();
    let desk = w.as_("cons1");
    let runner = std::thread::spawn(move || {
        let report = desk.flush_outbox(&smtp, None, "Careers Service <careers@example.ac.uk>");
        let _ = tx.send(report.map_err(|e| e.to_string()));
        desk
    });
    let report = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the run finished")
        .expect("the run itself succeeded");
    let desk = runner.join().unwrap();
    stop.store(true, Ordering::SeqCst);
    let connections = server.join().unwrap();
    assert_eq!(connections, 1, "one connection was tried, not one per message");
    assert_eq!((report.sent, report.retrying), (0, 1), "{report:?}");
    assert_eq!(report.deferred, 4, "{report:?}");

    let after = emails(&desk);
    assert_eq!(after.len(), 5);
    let mut tried = 0;
    for e in &after {
        let Delivery::Pending {
            attempts, last_error, ..
        } = &e.state
        else {
            panic!("every message is still pending: {:?}", e.state);
        };
        match attempts {
            1 => {
                tried += 1;
                let err = last_error.as_deref().unwrap_or_default();
                assert!(err.contains("temporary failure, server unreachable"), "{err}");
            }
            0 => assert!(last_error.is_none()),
            n => panic!("{n} attempts"),
        }
    }
    assert_eq!(tried, 1);
}
