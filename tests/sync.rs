//! Sync's transport and op replication, against an in-process server on 127.0.0.1:0: enrolment
//! with a pinned fingerprint, push and pull between two desks through the desk's own calls,
//! idempotent pushes, refused gaps, revoked and impostor terminals, broken connections at
//! every point, a restored server, and hostile frames.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use careerdesk::desk::{Desk, DeskError};
use careerdesk::domain::ids::TerminalId;
use careerdesk::domain::operator::Role;
use careerdesk::store::relay::RelayStore;
use careerdesk::sync::client::{self, Session};
use careerdesk::sync::message::{ErrorCode, Reply, Request};
use careerdesk::sync::tls::{self, show_fingerprint};
use careerdesk::sync::SyncError;
use common::desks::{holds_all_the_server_has, no_progress, sync, twin};
use common::server::Running;
use common::{add, new_client, World};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn enrolled(world: &World, server: &Running, name: &str) {
    server.enrol(&world.admin, name);
}

fn enrol_desk(desk: &Desk, server: &Running, name: &str) {
    server.enrol(desk, name);
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

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

/// A TCP relay between desks and the server that cuts each connection after the next limit in
/// its list of bytes come back from the server (no limit once the list is used up).
fn cutting_proxy(to: SocketAddr, limits: Vec<usize>) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let mut limits = limits.into_iter();
            while let Ok((mut desk, _)) = listener.accept().await {
                let limit = limits.next().unwrap_or(usize::MAX);
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(to).await else {
                        return;
                    };
                    let (mut dr, mut dw) = desk.split();
                    let (mut sr, mut sw) = server.split();
                    let up = tokio::io::copy(&mut dr, &mut sw);
                    let down = async {
                        let mut sent = 0;
                        let mut buf = vec![0u8; 4096];
                        while sent < limit {
                            let n = match sr.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            let take = n.min(limit - sent);
                            if dw.write_all(&buf[..take]).await.is_err() {
                                return;
                            }
                            sent += take;
                        }
                    };
                    tokio::select! { _ = up => {}, _ = down => {} }
                });
            }
        });
    });
    addr
}

#[test]
fn sync_a_connection_cut_at_any_point_loses_nothing_and_stores_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    let (_b_dir, b) = twin(&a, a.clock.clone());
    let base = a.admin.store().op_seq().unwrap();
    for n in 2..40 {
        add(&a.admin, &new_client(&format!("A00000{n:02}"), "Some Client")).unwrap();
    }
    for n in 1..20 {
        add(&b, &new_client(&format!("B00000{n:02}"), "Some Client")).unwrap();
    }
    // Both enrol through the relay (its first two connections are not cut); every sync after
    // goes through it, each cut shorter or longer, in turn.
    let cuts = [200usize, 1_500, 3_000, 6_000, 12_000, 40_000];
    let limits: Vec<usize> = [usize::MAX, usize::MAX]
        .into_iter()
        .chain(cuts.iter().flat_map(|&c| [c, c]))
        .collect();
    let proxy = cutting_proxy(server.addr, limits).to_string();
    for (desk, name) in [(&a.admin, "Main desk"), (&b, "Fair laptop")] {
        desk.enrol(&proxy, &server.fingerprint(), &server.code(), name).unwrap();
    }
    let a_ops = a.admin.store().op_seq().unwrap();
    let b_own = b.store().op_seq().unwrap() - base;

    let mut broken = 0;
    for _ in cuts {
        for desk in [&a.admin, &b] {
            match desk.sync_now(&no_progress) {
                Ok(_) => {}
                Err(DeskError::Sync(SyncError::Broken(_) | SyncError::Unreachable { .. } | SyncError::Frame(_))) => {
                    broken += 1
                }
                Err(e) => panic!("a cut connection must be reported as broken, got {e}"),
            }
        }
    }
    assert!(broken >= 6, "the relay cut at least the short runs ({broken})");
    sync(&a.admin);
    sync(&b);
    sync(&a.admin);
    assert_eq!(
        server.relay().head().unwrap(),
        a_ops + b_own,
        "each op once on the server"
    );
    assert_eq!(a.admin.store().remote_ops().unwrap().len() as u64, b_own);
    assert_eq!(b.store().remote_ops().unwrap().len() as u64, a_ops - base);
    holds_all_the_server_has(&a.admin, &server);
    holds_all_the_server_has(&b, &server);
    server.stop();
}

#[test]
fn sync_a_server_restored_from_an_older_backup_is_given_again_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("server");
    let backup_dir = dir.path().join("backup");
    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    let (_b_dir, b) = twin(&a, a.clock.clone());
    let (_c_dir, c) = twin(&a, a.clock.clone());
    let server = Running::start(&server_dir);
    enrolled(&a, &server, "Main desk");
    enrol_desk(&b, &server, "Fair laptop");
    sync(&a.admin);
    sync(&b);
    let listen = server.addr.to_string();
    server.stop();
    common::copy_dir(&server_dir, &backup_dir);

    let server = Running::start_on(&server_dir, &listen);
    for n in 2..6 {
        add(&a.admin, &new_client(&format!("A000000{n}"), "Later Client")).unwrap();
    }
    sync(&a.admin);
    sync(&b);
    server.stop();

    // The disk is lost; the backup from before A's later clients is put back, with a new epoch.
    std::fs::remove_dir_all(&server_dir).unwrap();
    common::copy_dir(&backup_dir, &server_dir);
    RelayStore::open(&server_dir).unwrap().new_epoch().unwrap();
    let server = Running::start_on(&server_dir, &listen);
    enrol_desk(&c, &server, "New desk");

    let back = sync(&a.admin);
    assert!(back.server_restored, "the desk saw the server had been restored");
    assert_eq!(back.pushed, 4, "A gives back its four later ops");
    sync(&b);
    let c_report = sync(&c);
    assert_eq!(c_report.new, 4, "a new desk sees A's later clients, nothing lost");
    for desk in [&a.admin, &b, &c] {
        holds_all_the_server_has(desk, &server);
    }
    let base = a.admin.store().op_seq().unwrap() - 4;
    let own = |d: &Desk| d.store().op_seq().unwrap() - base;
    assert_eq!(
        server.relay().head().unwrap(),
        base + 4 + own(&b) + own(&c),
        "every op once"
    );
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_bad_frames_get_a_clean_refusal_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_path_buf();
    let server = tokio::task::spawn_blocking(move || Running::start(&dir_path))
        .await
        .unwrap();
    let endpoint = server.endpoint();
    let connector = tokio_rustls::TlsConnector::from(tls::client_config(endpoint.fingerprint).unwrap());
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(tls::SERVER_NAME).unwrap();
    let garbage: Vec<Vec<u8>> = vec![
        // Over the size limit.
        vec![0x7f, 0xff, 0xff, 0xff, 1],
        // Another protocol version.
        [&5u32.to_be_bytes()[..], &[9, 0, 0, 0, 0]].concat(),
        // Random bytes in a well-sized frame.
        [&9u32.to_be_bytes()[..], &[1, 250, 3, 99, 7, 255, 0, 13, 200]].concat(),
        // Empty frame.
        0u32.to_be_bytes().to_vec(),
    ];
    for bytes in garbage {
        let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let mut tls = connector.connect(name.clone(), tcp).await.unwrap();
        tls.write_all(&bytes).await.unwrap();
        tls.flush().await.unwrap();
        let reply: Result<Reply, _> = careerdesk::sync::frame::read(&mut tls).await;
        match reply {
            Ok(Reply::Error {
                code: ErrorCode::BadRequest,
                message,
                ..
            }) => assert!(!message.is_empty()),
            other => panic!("a bad frame must get a refusal, got {other:?}"),
        }
    }
    // Still serving: an enrolment works.
    let code = server.code();
    assert!(client::enrol(&endpoint, &code, "After the noise").await.is_ok());
    tokio::task::spawn_blocking(move || server.stop()).await.unwrap();
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p.display().to_string(), bytes));
        }
    }
}

#[test]
fn data_05_an_erasure_reaches_the_server_and_every_desk_and_a_stale_desk_s_ops_about_the_client_are_dropped() {
    const CANARY: &[u8] = b"Zyqsynccanary";
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("server"));
    let a = World::new(common::t0(), &[], &[("A0000001", "Zyqsynccanary Person")]);
    // Two more desks of the institution, set up from A's backup: both hold the client.
    let (b_dir, b) = twin(&a, a.clock.clone());
    let (_c_dir, c) = twin(&a, a.clock.clone());
    enrolled(&a, &server, "Main desk");
    enrol_desk(&b, &server, "Second desk");
    sync(&a.admin);
    sync(&b);
    let sn = common::sn("A0000001");
    let client = a.admin.client_by_student_number(&sn).unwrap().id.0;

    // A laptop leaves with a copy of desk A's data (its backup, restored there): it is stale.
    let a_paths = careerdesk::paths::Paths::resolve(a.admin.store().path().parent());
    let backup = dir.path().join("laptop-backup");
    std::fs::write(a_paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    a.admin.backup(&a_paths, &backup).unwrap();
    let laptop_dir = tempfile::tempdir().unwrap();
    let laptop_paths = careerdesk::paths::Paths::resolve(Some(laptop_dir.path()));
    Desk::restore(&laptop_paths, &backup, "admin", common::ADMIN_PASSWORD, a.clock.clone()).unwrap();
    let laptop = common::sign_in(laptop_dir.path(), "admin", common::ADMIN_PASSWORD, a.clock.clone()).unwrap();

    // A supervisor erases the client on desk A, which syncs.
    a.admin
        .erase_client(&a_paths, &sn, "the student asked (DATA-05)")
        .unwrap();
    sync(&a.admin);
    assert!(server.relay().is_erased(client).unwrap());

    // Offline, the laptop still has the client and changes them; then it syncs.
    laptop.block_client(&sn, "late for three appointments", None).unwrap();
    let report = sync(&laptop);
    assert_eq!(report.erasures_applied, 1, "the laptop carries out the erasure");
    assert!(
        laptop.client_by_student_number(&sn).is_err(),
        "the client is gone from the laptop"
    );
    assert!(!laptop.store().holds_subject_key(client), "and so is their key");
    assert_eq!(sync(&b).erasures_applied, 1, "desk B carries it out too");
    assert!(b.client_by_student_number(&sn).is_err());

    // On the server, every op about the client has lost its content, the laptop's late one too.
    let all = server.relay().pull(0, 100_000, usize::MAX).unwrap();
    let about: Vec<_> = all.iter().filter(|(_, o)| o.subjects.contains(&client)).collect();
    assert!(
        about.len() >= 2,
        "the create and the laptop's later change: {}",
        about.len()
    );
    assert!(
        report.pushed >= 1,
        "the laptop's change reached the server, which dropped it"
    );
    assert!(about
        .iter()
        .all(|(_, o)| o.body == careerdesk::domain::sync::OpBody::Dropped));
    for desk in [&b, &laptop] {
        for op in desk.store().remote_ops().unwrap() {
            if op.subjects.contains(&client) {
                assert_eq!(op.body, careerdesk::domain::sync::OpBody::Dropped);
            }
        }
        for v in desk.store().every_value().unwrap() {
            if let Some(p) = &v.plain {
                assert!(
                    !p.windows(CANARY.len()).any(|w| w == CANARY),
                    "readable canary in `{}`",
                    v.tree
                );
            }
        }
        desk.store().flush().unwrap();
    }
    // No file anywhere, server included, holds the name in the clear.
    let mut all_files = Vec::new();
    for d in [dir.path(), laptop_dir.path(), a._tmp.path(), b_dir.path()] {
        files_under(d, &mut all_files);
    }
    for (path, bytes) in &all_files {
        assert!(
            !bytes.windows(CANARY.len()).any(|w| w == CANARY),
            "plain canary in {path}"
        );
    }
    // A desk that comes online only now erases the client at its first sync and takes
    // nothing of them.
    enrol_desk(&c, &server, "New desk");
    assert_eq!(sync(&c).erasures_applied, 1);
    assert!(c.client_by_student_number(&sn).is_err());
    for op in c.store().remote_ops().unwrap() {
        if op.subjects.contains(&client) {
            assert_eq!(op.body, careerdesk::domain::sync::OpBody::Dropped);
        }
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
fn sync_a_client_made_on_one_desk_opens_on_another_and_their_key_goes_at_an_erasure() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    let (_b_dir, b) = twin(&a, a.clock.clone());
    enrolled(&a, &server, "Main desk");
    enrol_desk(&b, &server, "Second desk");
    // Made on A after B was set up: B has no key for them but the one that travels.
    let made = add(&a.admin, &new_client("A0000002", "Zyqtravel Person")).unwrap();
    let id = made.id.0;
    assert!(!b.store().holds_subject_key(id));
    sync(&a.admin);
    sync(&b);
    assert!(b.store().holds_subject_key(id), "the key came with the op");
    let about: Vec<_> = b
        .store()
        .remote_ops()
        .unwrap()
        .into_iter()
        .filter(|o| o.subjects.contains(&id))
        .collect();
    assert!(!about.is_empty());
    let opened = b.store().open_remote_op(&about[0]).unwrap().expect("not dropped");
    let created = opened.changes.iter().any(|c| match c {
        careerdesk::domain::change::Change::Create { record, fields, .. } => {
            record.id == id && fields.values().any(|v| v.contains("Zyqtravel Person"))
        }
        _ => false,
    });
    assert!(created, "B reads the client A made: {:?}", opened.changes);

    // A erases them: the op and the key go from B at its next sync.
    let a_paths = careerdesk::paths::Paths::resolve(a.admin.store().path().parent());
    a.admin
        .erase_client(&a_paths, &common::sn("A0000002"), "the student asked (DATA-05)")
        .unwrap();
    sync(&a.admin);
    sync(&b);
    assert!(
        !b.store().holds_subject_key(id),
        "B destroyed the key it had been given"
    );
    for op in b
        .store()
        .remote_ops()
        .unwrap()
        .iter()
        .filter(|o| o.subjects.contains(&id))
    {
        assert_eq!(b.store().open_remote_op(op).unwrap(), None, "dropped");
    }
    server.stop();
}

/// Whether any op in `ops` creates a record with a field holding `text`, opened with `store`.
fn opens_a_creation_with(
    store: &careerdesk::store::Store,
    ops: &[careerdesk::domain::sync::SealedOp],
    text: &str,
) -> bool {
    ops.iter().any(|o| match store.open_remote_op(o) {
        Ok(Some(op)) => op.changes.iter().any(|c| match c {
            careerdesk::domain::change::Change::Create { fields, .. } => fields.values().any(|v| v.contains(text)),
            _ => false,
        }),
        _ => false,
    })
}

fn join_request<'a>(
    server: &'a str,
    fingerprint: &'a str,
    code: &'a str,
    password: &'a str,
) -> careerdesk::desk::JoinRequest<'a> {
    careerdesk::desk::JoinRequest {
        server,
        fingerprint,
        code,
        name: "Second desk",
        login: "admin",
        password,
    }
}

fn standard_policy() -> &'static str {
    careerdesk::policy::example("standard").unwrap().text
}

#[test]
fn sec_01_a_desk_joined_from_the_server_opens_with_the_first_desk_s_password_and_its_ops_travel_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    server.relay().set_policy(standard_policy()).unwrap();
    let a = World::new(common::t0(), &[("desk1", Role::Desk)], &[]);
    add(&a.admin, &new_client("A0000001", "Zyqjoin Person")).unwrap();
    enrolled(&a, &server, "Main desk");
    sync(&a.admin);
    // Key slots travel with the sync: every operator's, as A stores them.
    let mut logins: Vec<String> = server
        .relay()
        .key_slots()
        .unwrap()
        .into_iter()
        .map(|s| s.login)
        .collect();
    logins.sort();
    assert_eq!(logins, ["admin", "desk1"]);

    let b_dir = tempfile::tempdir().unwrap();
    let b_paths = careerdesk::paths::Paths::resolve(Some(b_dir.path()));
    let (addr, fp, code) = (server.addr.to_string(), server.fingerprint(), server.code());
    let pulled = std::sync::Mutex::new(Vec::new());
    let joined = careerdesk::desk::join(
        &b_paths,
        join_request(&addr, &fp, &code, common::ADMIN_PASSWORD),
        None,
        &|what: &str, done: u64, of: u64| pulled.lock().unwrap().push((what.to_string(), done, of)),
    )
    .unwrap();
    assert_eq!(joined.key_slots, 2);
    assert_eq!(joined.policy_version, Some(1));
    assert_eq!(
        joined.sync.new,
        a.admin.store().op_seq().unwrap(),
        "every op of A pulled at join"
    );
    assert!(
        pulled.lock().unwrap().iter().any(|(w, _, _)| w == "pulling"),
        "the progress was told"
    );
    assert_eq!(std::fs::read_to_string(b_paths.policy()).unwrap(), standard_policy());

    // B opens with A's administrator's own password (and any other operator's), not a wrong one.
    let locked = careerdesk::store::LockedStore::open(&b_paths.store()).unwrap();
    assert!(matches!(
        locked.unlock("admin", "not-the-password", common::t0()),
        Err(careerdesk::store::StoreError::BadCredentials)
    ));
    assert!(locked.unlock("desk1", common::STAFF_PASSWORD, common::t0()).is_ok());
    let b_store = locked.unlock("admin", common::ADMIN_PASSWORD, common::t0()).unwrap();
    assert_eq!(b_store.institution_check(), a.admin.store().institution_check());
    assert_ne!(
        b_store.replicas().unwrap(),
        a.admin.store().replicas().unwrap(),
        "a device of its own"
    );
    let held = b_store.remote_ops().unwrap();
    assert!(
        opens_a_creation_with(&b_store, &held, "Zyqjoin Person"),
        "B reads A's client"
    );

    // The first sync merged A's records: its operators sign in here, and A's client is here.
    assert!(joined.sync.merged >= 1, "A's ops merged at join");
    drop(b_store);
    drop(locked);
    let b = common::sign_in(b_dir.path(), "admin", common::ADMIN_PASSWORD, a.clock.clone()).unwrap();
    assert_eq!(
        b.client_by_student_number(&common::sn("A0000001")).unwrap().name,
        "Zyqjoin Person"
    );
    assert!(
        b.staff_names().unwrap().values().any(|s| s.login == "desk1"),
        "A's other operator is here too"
    );
    let made = add(&b, &new_client("B0000001", "Zyqfromb Person")).unwrap();
    let from_b = sync(&b);
    assert_eq!(
        from_b.pushed,
        b.store().op_seq().unwrap(),
        "the server takes B's ops: one institution"
    );
    let at_a = sync(&a.admin);
    assert_eq!(at_a.new, from_b.pushed);
    let about: Vec<_> = a
        .admin
        .store()
        .remote_ops()
        .unwrap()
        .into_iter()
        .filter(|o| o.subjects.contains(&made.id.0))
        .collect();
    assert!(
        opens_a_creation_with(a.admin.store(), &about, "Zyqfromb Person"),
        "A reads B's client"
    );
    // B offered the slots back as they came: nothing changed on the server.
    assert_eq!(server.relay().key_slots().unwrap().len(), 2);
    server.stop();
}

#[test]
fn sync_joining_is_refused_clearly_and_leaves_no_store_for_each_wrong_thing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let b_dir = tempfile::tempdir().unwrap();
    let b_paths = careerdesk::paths::Paths::resolve(Some(b_dir.path()));
    let addr = server.addr.to_string();
    let fp = server.fingerprint();
    let nothing_made = |what: &str| {
        assert!(!b_paths.store().exists(), "{what}: no store");
        assert!(!b_paths.policy().exists(), "{what}: no policy file");
    };
    let try_join = |code: &str, fingerprint: &str, password: &str| {
        careerdesk::desk::join(
            &b_paths,
            join_request(&addr, fingerprint, code, password),
            Some((standard_policy(), "standard")),
            &no_progress,
        )
    };

    // A server no desk has synced with holds no institution.
    let code = server.code();
    let e = try_join(&code, &fp, common::ADMIN_PASSWORD).unwrap_err();
    assert!(
        matches!(
            &e,
            DeskError::Sync(SyncError::Refused {
                code: ErrorCode::NoInstitution,
                ..
            })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("careerdesk init"), "{e}");
    nothing_made("no institution");

    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    enrolled(&a, &server, "Main desk");
    sync(&a.admin);

    let e = try_join("AAAA-BBBB-CCCC-DDDD", &fp, common::ADMIN_PASSWORD).unwrap_err();
    assert!(
        e.to_string()
            .contains("enrolment code is unknown, already used or expired"),
        "{e}"
    );
    nothing_made("a wrong code");

    let other = show_fingerprint(&[9; 32]);
    let e = try_join(&code, &other, common::ADMIN_PASSWORD).unwrap_err();
    assert!(matches!(&e, DeskError::Sync(SyncError::WrongServer { .. })), "{e}");
    nothing_made("another fingerprint");

    let e = try_join(&code, &fp, "not-the-password").unwrap_err();
    assert!(e.to_string().contains("wrong login or password"), "{e}");
    nothing_made("a wrong password");
    let e = careerdesk::desk::join(
        &b_paths,
        careerdesk::desk::JoinRequest {
            login: "nobody",
            ..join_request(&addr, &fp, &code, common::ADMIN_PASSWORD)
        },
        Some((standard_policy(), "standard")),
        &no_progress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("wrong login or password"), "{e}");
    nothing_made("an unknown login");

    // The code was not spent by the refusals: it joins now, once (the login taken as sign-in
    // takes it).
    let joined = careerdesk::desk::join(
        &b_paths,
        careerdesk::desk::JoinRequest {
            login: " Admin ",
            ..join_request(&addr, &fp, &code, common::ADMIN_PASSWORD)
        },
        Some((standard_policy(), "standard")),
        &no_progress,
    )
    .unwrap();
    assert_eq!(joined.policy_version, None, "the server serves none: the policy given");
    assert!(b_paths.store().exists());

    // A data folder that already holds a store is refused before anything is asked of the server.
    let again = server.code();
    let e = try_join(&again, &fp, common::ADMIN_PASSWORD).unwrap_err();
    assert!(e.to_string().contains("already holds careerdesk data"), "{e}");
    assert!(
        server.relay().institution(&again, 0).is_ok(),
        "the code is still unspent"
    );
    let terminals = server.relay().terminals().unwrap().len();
    assert_eq!(terminals, 2, "the refusals enrolled nothing");
    server.stop();
}

#[test]
fn sync_a_changed_password_s_key_slot_replaces_the_older_one_and_a_desk_joined_after_opens_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    server.relay().set_policy(standard_policy()).unwrap();
    let a = World::new(common::t0(), &[], &[]);
    let (_c_dir, c) = twin(&a, a.clock.clone());
    enrolled(&a, &server, "Main desk");
    enrol_desk(&c, &server, "Copy desk");
    sync(&a.admin);
    let before = server.relay().key_slots().unwrap();

    // The password changes on A; C, a copy made before, still holds the old slot.
    a.admin
        .set_password(&common::login("admin"), "a-newer-password-2")
        .unwrap();
    sync(&a.admin);
    let after = server.relay().key_slots().unwrap();
    assert_ne!(after, before, "the changed slot replaced the older one");
    assert!(after[0].changed_ms > before[0].changed_ms);
    sync(&c);
    assert_eq!(server.relay().key_slots().unwrap(), after, "an older slot never wins");

    // A desk joined now opens with the new password, not the old one.
    let b_dir = tempfile::tempdir().unwrap();
    let b_paths = careerdesk::paths::Paths::resolve(Some(b_dir.path()));
    let (addr, fp, code) = (server.addr.to_string(), server.fingerprint(), server.code());
    let e = careerdesk::desk::join(
        &b_paths,
        join_request(&addr, &fp, &code, common::ADMIN_PASSWORD),
        None,
        &no_progress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("wrong login or password"), "{e}");
    careerdesk::desk::join(
        &b_paths,
        join_request(&addr, &fp, &code, "a-newer-password-2"),
        None,
        &no_progress,
    )
    .unwrap();
    let locked = careerdesk::store::LockedStore::open(&b_paths.store()).unwrap();
    assert!(locked.unlock("admin", "a-newer-password-2", common::t0()).is_ok());
    server.stop();
}

#[test]
fn sync_a_join_stopped_after_its_store_was_made_takes_the_store_away_again() {
    // The server's clock moves ten seconds at each request, and the code is valid only for
    // the first: it lets the institution be fetched, then has expired when the desk enrols.
    let ticks = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let t = ticks.clone();
    let clock: careerdesk::sync::server::Clock =
        Arc::new(move || t.fetch_add(10_000, std::sync::atomic::Ordering::SeqCst) + 10_000);
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start_with(dir.path(), "127.0.0.1:0", clock);
    let a = World::new(common::t0(), &[], &[]);
    server
        .relay()
        .check_institution(&a.admin.store().institution_check())
        .unwrap();
    let slots = a.admin.store().key_slot_copies(0).unwrap();
    server.relay().keep_key_slots(&slots, 0).unwrap();
    let code = server.relay().issue_code(10_000).unwrap();

    let b_dir = tempfile::tempdir().unwrap();
    let b_paths = careerdesk::paths::Paths::resolve(Some(b_dir.path()));
    let (addr, fp) = (server.addr.to_string(), server.fingerprint());
    let e = careerdesk::desk::join(
        &b_paths,
        join_request(&addr, &fp, &code, common::ADMIN_PASSWORD),
        Some((standard_policy(), "standard")),
        &no_progress,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("enrolment code is unknown, already used or expired"),
        "{e}"
    );
    // Three requests: the institution, that session's bye, and the enrolment refused.
    assert_eq!(
        ticks.load(std::sync::atomic::Ordering::SeqCst),
        30_000,
        "it got as far as enrolling"
    );
    assert!(!b_paths.store().exists(), "the store made is taken away again");
    assert!(!b_paths.policy().exists());
    assert!(server.relay().terminals().unwrap().is_empty());
    server.stop();
}
