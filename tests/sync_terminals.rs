//! Who may sync, against an in-process server on 127.0.0.1:0: enrolment with a pinned
//! fingerprint by an administrator with an unused code, a desk of another institution, a revoked
//! terminal, and an impostor's pushes, wrong secrets and gaps, each refused with nothing kept.

mod common;

use careerdesk::desk::DeskError;
use careerdesk::domain::ids::TerminalId;
use careerdesk::domain::operator::Role;
use careerdesk::sync::client::{self, Session};
use careerdesk::sync::message::{ErrorCode, Request};
use careerdesk::sync::tls::{self, show_fingerprint};
use careerdesk::sync::SyncError;
use common::desks::{enrolled, no_progress, sync};
use common::server::{rt, Running};
use common::{add, new_client, World};

#[test]
fn sync_a_desk_of_another_institution_is_refused_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    let stranger = World::new(common::t0(), &[], &[("Z0000001", "Other Client")]);
    enrolled(&a, &server, "Main desk");
    enrolled(&stranger, &server, "Other university");
    sync(&a.admin);
    let head = server.relay().head().unwrap();
    let slots = server.relay().key_slots().unwrap();
    assert_eq!(slots.len(), 1, "A's administrator's key slot travelled");
    match stranger.admin.sync_now(&no_progress) {
        Err(
            e @ DeskError::Sync(SyncError::Refused {
                code: ErrorCode::OtherInstitution,
                ..
            }),
        ) => {
            assert!(e.to_string().contains("another institution"), "{e}");
        }
        other => panic!("another institution's desk must be refused, got {other:?}"),
    }
    assert_eq!(server.relay().head().unwrap(), head);
    assert_eq!(
        server.relay().key_slots().unwrap(),
        slots,
        "its key slot (for a login A has too) was not kept"
    );
    assert!(
        stranger.admin.store().remote_ops().unwrap().is_empty(),
        "and it took nothing"
    );
    // Key slots are offered only in a session a hello opened.
    let rt = rt();
    let offered = rt.block_on(async {
        let mut s = Session::connect(&server.endpoint()).await.unwrap();
        s.call(&Request::OfferKeySlots {
            slots: stranger.admin.store().key_slot_copies(0).unwrap(),
        })
        .await
    });
    assert!(
        matches!(
            offered,
            Err(SyncError::Refused {
                code: ErrorCode::Unauthorised,
                ..
            })
        ),
        "{offered:?}"
    );
    assert_eq!(server.relay().key_slots().unwrap(), slots);
    server.stop();
}

#[test]
fn sync_enrolment_needs_an_administrator_the_right_fingerprint_and_an_unused_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let w = World::new(common::t0(), &[("desk1", Role::Desk)], &[]);
    let code = server.code();
    let addr = server.addr.to_string();

    let desk = w.as_("desk1");
    assert!(matches!(
        desk.enrol(&addr, &server.fingerprint(), &code, "Main desk"),
        Err(DeskError::Denied(_))
    ));
    // Another server's fingerprint: refused before anything is sent, so the code still works.
    let wrong = show_fingerprint(&tls::fingerprint(b"some other certificate"));
    match w.admin.enrol(&addr, &wrong, &code, "Main desk") {
        Err(DeskError::Sync(SyncError::WrongServer { .. })) => {}
        other => panic!("expected the wrong server to be named, got {other:?}"),
    }
    match w.admin.enrol(&addr, "not a fingerprint", &code, "Main desk") {
        Err(e @ DeskError::Fields(_)) => assert!(e.to_string().contains("fingerprint"), "{e}"),
        r => panic!("a bad fingerprint must be named, got {r:?}"),
    }
    assert!(matches!(
        w.admin.sync_now(&no_progress),
        Err(DeskError::Sync(SyncError::NotEnrolled))
    ));
    w.admin.enrol(&addr, &server.fingerprint(), &code, "Main desk").unwrap();
    // A code works once.
    let other = World::new(common::t0(), &[], &[]);
    match other.admin.enrol(&addr, &server.fingerprint(), &code, "Second desk") {
        Err(DeskError::Sync(SyncError::Refused {
            code: ErrorCode::Unauthorised,
            ..
        })) => {}
        r => panic!("a spent code must be refused, got {r:?}"),
    }
    assert_eq!(server.relay().terminals().unwrap().len(), 1);
    server.stop();
}

#[test]
fn sync_a_revoked_terminal_is_refused_at_once_and_nothing_it_sends_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let w = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    enrolled(&w, &server, "Lost laptop");
    sync(&w.admin);
    let head = server.relay().head().unwrap();
    let terminal = server.relay().terminals().unwrap()[0].id;
    assert!(server.relay().revoke(terminal, 1).unwrap());
    add(&w.admin, &new_client("A0000002", "Second Client")).unwrap();
    match w.admin.sync_now(&no_progress) {
        Err(DeskError::Sync(SyncError::Refused {
            code: ErrorCode::Revoked,
            ..
        })) => {}
        r => panic!("a revoked terminal must be refused, got {r:?}"),
    }
    assert_eq!(server.relay().head().unwrap(), head);
    server.stop();
}

#[test]
fn sync_a_terminal_cannot_push_another_terminal_s_ops_or_leave_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    enrolled(&a, &server, "Main desk");
    sync(&a.admin);
    let head = server.relay().head().unwrap();
    let ops = a.admin.store().sealed_ops_after(0, 100).unwrap();

    let endpoint = server.endpoint();
    let (terminal, secret, _) = rt()
        .block_on(client::enrol(&endpoint, &server.code(), "Impostor"))
        .unwrap();
    let outcome = rt().block_on(async {
        let mut s = Session::connect(&endpoint).await.unwrap();
        s.call(&Request::Hello {
            terminal,
            secret,
            replicas: vec![ops[0].device],
            institution: a.admin.store().institution_check(),
        })
        .await
        .unwrap();
        let posing = s
            .call(&Request::Push {
                base: 0,
                ops: ops.clone(),
            })
            .await;
        let wrong_secret = {
            let mut s2 = Session::connect(&endpoint).await.unwrap();
            s2.call(&Request::Hello {
                terminal,
                secret: [0; 32],
                replicas: vec![],
                institution: a.admin.store().institution_check(),
            })
            .await
        };
        let unknown = {
            let mut s3 = Session::connect(&endpoint).await.unwrap();
            s3.call(&Request::Hello {
                terminal: TerminalId(42),
                secret,
                replicas: vec![],
                institution: a.admin.store().institution_check(),
            })
            .await
        };
        let before_hello = {
            let mut s4 = Session::connect(&endpoint).await.unwrap();
            s4.call(&Request::Pull { after: 0, max_ops: 10 }).await
        };
        (posing, wrong_secret, unknown, before_hello)
    });
    assert!(
        matches!(
            outcome.0,
            Err(SyncError::Refused {
                code: ErrorCode::BadPush,
                ..
            })
        ),
        "{:?}",
        outcome.0
    );
    for refused in [outcome.1, outcome.2, outcome.3] {
        assert!(
            matches!(
                refused,
                Err(SyncError::Refused {
                    code: ErrorCode::Unauthorised,
                    ..
                })
            ),
            "{refused:?}"
        );
    }
    assert_eq!(server.relay().head().unwrap(), head);

    // A's own terminal skipping an op is refused whole.
    let creds_gap = rt().block_on(async {
        let (t, s, _) = client::enrol(&endpoint, &server.code(), "Gap desk").await.unwrap();
        let mut session = Session::connect(&endpoint).await.unwrap();
        let fresh_device = careerdesk::domain::ids::DeviceId(7);
        session
            .call(&Request::Hello {
                terminal: t,
                secret: s,
                replicas: vec![fresh_device],
                institution: a.admin.store().institution_check(),
            })
            .await
            .unwrap();
        let mut gap = ops[1].clone();
        gap.device = fresh_device;
        gap.seq = 2;
        session
            .call(&Request::Push {
                base: 0,
                ops: vec![gap],
            })
            .await
    });
    assert!(
        matches!(
            creds_gap,
            Err(SyncError::Refused {
                code: ErrorCode::BadPush,
                ..
            })
        ),
        "{creds_gap:?}"
    );
    assert_eq!(server.relay().head().unwrap(), head);
    server.stop();
}
