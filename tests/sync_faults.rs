//! Sync when things go wrong between desks and an in-process server: connections cut at every
//! point lose nothing and store nothing twice, a server restored from an older backup is given
//! again what it lacks, and hostile frames get a clean refusal while the server keeps serving.

mod common;

use std::net::SocketAddr;

use careerdesk::desk::{Desk, DeskError};
use careerdesk::store::relay::RelayStore;
use careerdesk::sync::client;
use careerdesk::sync::message::{ErrorCode, Reply};
use careerdesk::sync::tls;
use careerdesk::sync::SyncError;
use common::desks::{enrol_desk, enrolled, holds_all_the_server_has, no_progress, sync, twin};
use common::server::Running;
use common::{add, new_client, World};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
