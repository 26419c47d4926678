//! Ops travelling between desks through an in-process server on 127.0.0.1:0: two desks exchange
//! their ops once each, a request sent twice changes nothing more than once, each op carries the
//! policy version it was decided under, and a desk clock a day ahead is refused until the
//! server's passes it.

mod common;

use std::sync::Arc;

use careerdesk::desk::DeskError;
use careerdesk::domain::operator::Role;
use careerdesk::sync::client::{self, Session};
use careerdesk::sync::message::{ErrorCode, Reply, Request};
use careerdesk::sync::SyncError;
use common::desks::{enrol_desk, enrolled, holds_all_the_server_has, no_progress, sync, twin};
use common::server::{rt, Running};
use common::{add, new_client, World};

#[test]
fn sync_two_desks_exchange_their_ops_through_the_server_and_a_second_sync_moves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(common::t0(), &[("desk1", Role::Desk)], &[("A0000001", "First Client")]);
    let (_b_dir, b) = twin(&a, a.clock.clone());
    let base = a.admin.store().op_seq().unwrap();
    enrolled(&a, &server, "Main desk");
    enrol_desk(&b, &server, "Fair laptop");

    let a_ops = a.admin.store().op_seq().unwrap();
    let first = sync(&a.admin);
    assert_eq!(first.pushed, a_ops, "every op of desk A reaches the server");
    assert_eq!(server.relay().head().unwrap(), a_ops);

    // B began as a copy of A: the ops they share are not sent or taken again.
    let from_b = sync(&b);
    assert_eq!(from_b.new, 0);
    let b_own = b.store().op_seq().unwrap() - base;
    assert_eq!(from_b.pushed, b_own);

    // A client added on each desk travels on the next syncs, once.
    add(&a.admin, &new_client("A0000002", "Second Client")).unwrap();
    add(&b, &new_client("B0000001", "Third Client")).unwrap();
    let again = sync(&a.admin);
    assert_eq!(again.pushed, 1);
    assert_eq!(again.new, b_own, "A holds B's ops made before");
    let b_again = sync(&b);
    assert_eq!((b_again.pushed, b_again.new), (1, 1));
    let a_last = sync(&a.admin);
    assert_eq!((a_last.pushed, a_last.new), (0, 1));
    let quiet = sync(&b);
    assert_eq!((quiet.pushed, quiet.new, quiet.pulled), (0, 0, 0));
    assert_eq!(
        server.relay().head().unwrap(),
        a_ops + 1 + b_own + 1,
        "no op was stored twice"
    );
    holds_all_the_server_has(&a.admin, &server);
    holds_all_the_server_has(&b, &server);

    let status = b.sync_status().unwrap();
    assert_eq!(status.remote_ops, 1);
    assert_eq!(status.cursor, server.relay().head().unwrap());
    server.stop();
}

#[test]
fn sync_every_request_sent_twice_changes_nothing_more_than_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    let endpoint = server.endpoint();
    let (terminal, secret, _) = rt()
        .block_on(client::enrol(&endpoint, &server.code(), "Main desk"))
        .unwrap();
    let ops = a.admin.store().sealed_ops_after(0, 100).unwrap();
    let device = ops[0].device;
    let replies = rt().block_on(async {
        let mut s = Session::connect(&endpoint).await.unwrap();
        let hello = Request::Hello {
            terminal,
            secret,
            replicas: vec![device],
            institution: a.admin.store().institution_check(),
        };
        let push = Request::Push {
            base: 0,
            ops: ops.clone(),
        };
        let pull = Request::Pull { after: 0, max_ops: 100 };
        let mut replies = Vec::new();
        for request in [&hello, &hello, &push, &push, &pull, &pull] {
            replies.push(s.call(request).await.unwrap());
        }
        replies
    });
    let head = server.relay().head().unwrap();
    assert_eq!(head, ops.len() as u64, "the second push stored nothing");
    assert_eq!(replies[2], replies[3], "the same acknowledgement both times");
    assert_eq!(replies[4], replies[5], "the same batch both times");
    match (&replies[0], &replies[1]) {
        (Reply::Welcome { head: h0, .. }, Reply::Welcome { head: h1, .. }) => assert_eq!((h0, h1), (&0, &0)),
        other => panic!("two welcomes expected, got {other:?}"),
    }
    server.stop();
}

#[test]
fn sync_each_op_records_the_policy_version_it_was_decided_under() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    enrolled(&a, &server, "Main desk");
    let text = careerdesk::policy::example("standard").unwrap().text;
    assert_eq!(server.relay().set_policy(text).unwrap(), 1);
    let report = sync(&a.admin);
    assert_eq!(report.policy_taken, Some(1));
    assert_eq!(a.admin.store().policy_version().unwrap(), 1);
    add(&a.admin, &new_client("A0000002", "Second Client")).unwrap();
    let ops = a.admin.store().sealed_ops_after(0, 1_000).unwrap();
    let (last, before) = ops.split_last().unwrap();
    assert_eq!(last.policy_version, 1, "decided under the server's policy");
    assert!(
        before.iter().all(|o| o.policy_version == 0),
        "decided under the desk's own file"
    );
    // The server sees it too, in the clear, once pushed.
    sync(&a.admin);
    let held = server.relay().pull(0, 1_000, usize::MAX).unwrap();
    assert_eq!(held.last().unwrap().1.policy_version, 1);
    server.stop();
}

#[test]
fn sync_a_desk_clock_a_day_ahead_is_refused_until_the_server_s_passes_it_and_one_a_year_behind_syncs() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let server_now = Arc::new(AtomicU64::new(common::t0().timestamp_millis() as u64));
    let clock_of = server_now.clone();
    let server = Running::start_with(
        dir.path(),
        "127.0.0.1:0",
        Arc::new(move || clock_of.load(Ordering::SeqCst)),
    );
    let behind = World::new(
        common::t0() - chrono::Duration::days(365),
        &[],
        &[("B0000001", "Behind Client")],
    );
    let ahead_clock = common::clock();
    ahead_clock.set(common::t0() + chrono::Duration::days(1));
    let (_ahead_dir, ahead) = twin(&behind, ahead_clock);
    let base = behind.admin.store().op_seq().unwrap();
    add(&ahead, &new_client("A0000001", "Ahead Client")).unwrap();
    enrolled(&behind, &server, "Slow clock");
    enrol_desk(&ahead, &server, "Fast clock");
    let behind_report = sync(&behind.admin);
    assert_eq!(behind_report.pushed, base, "a clock a year behind syncs");

    match ahead.sync_now(&no_progress) {
        Err(
            e @ DeskError::Sync(SyncError::Refused {
                code: ErrorCode::ClockAhead,
                ..
            }),
        ) => {
            assert!(e.to_string().contains("clock is 24 hour(s) ahead"), "{e}");
        }
        other => panic!("a clock a day ahead must be refused, got {other:?}"),
    }
    assert_eq!(server.relay().head().unwrap(), base, "nothing of it was taken");

    // A day later by the server's clock, the same changes go, none lost.
    server_now.fetch_add(86_400_000 + 60_000, Ordering::SeqCst);
    let later = sync(&ahead);
    assert_eq!(later.pushed, ahead.store().op_seq().unwrap() - base);
    server.stop();
}
