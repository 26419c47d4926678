//! The sync bench's network side: the in-process server on its own runtime thread, enrolled
//! terminals speaking the protocol through `client::Session`, a bare pull that keeps nothing,
//! and the raw TLS copy the pull is anchored to.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use careerdesk::domain::ids::{DeviceId, TerminalId};
use careerdesk::domain::sync::SealedOp;
use careerdesk::sync::client::{self, Endpoint, Session};
use careerdesk::sync::frame;
use careerdesk::sync::message::{Reply, Request, MAX_OPS_PER_FRAME};
use careerdesk::sync::server::Clock;
use careerdesk::sync::tls;
use careerdesk::sync::SyncError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::ServerName;

/// The in-process server the tests use too (`tests/common/server.rs`), on its own runtime
/// thread until stopped.
pub use crate::server_harness::Running;

/// A server on 127.0.0.1:0 over its store in `dir`, its clock pinned to the bench's day.
pub fn start_server(dir: &Path) -> Running {
    let at = crate::support::busy_weekday().timestamp_millis() as u64;
    let clock: Clock = Arc::new(move || at);
    Running::start_with(dir, "127.0.0.1:0", clock)
}

/// An enrolled terminal's credential.
#[derive(Clone, Copy)]
pub struct Terminal {
    /// Its id.
    pub id: TerminalId,
    /// Its secret.
    pub secret: [u8; 32],
    /// The institution check its Hello carries (the bench desk's store's).
    pub institution: [u8; 32],
}

impl Terminal {
    /// Enrols a terminal with a one-time code.
    pub async fn enrol(endpoint: &Endpoint, code: &str, name: &str, institution: [u8; 32]) -> Terminal {
        let (id, secret, _) = client::enrol(endpoint, code, name).await.expect("enrol");
        Terminal {
            id,
            secret,
            institution,
        }
    }

    /// An open session after Hello, naming `replicas`.
    pub async fn session(&self, endpoint: &Endpoint, replicas: Vec<DeviceId>) -> Session {
        let (s, _) = self.hello(endpoint, replicas).await.expect("hello");
        s
    }

    /// Connects and says Hello: the session, the head and the high-water marks.
    pub async fn hello(
        &self,
        endpoint: &Endpoint,
        replicas: Vec<DeviceId>,
    ) -> Result<(Session, (u64, Vec<(DeviceId, u64)>)), SyncError> {
        let mut s = Session::connect(endpoint).await?;
        let reply = s
            .call(&Request::Hello {
                terminal: self.id,
                secret: self.secret,
                replicas,
                institution: self.institution,
            })
            .await?;
        match reply {
            Reply::Welcome { head, high_water, .. } => Ok((s, (head, high_water))),
            other => Err(SyncError::Protocol(format!("{other:?}").chars().take(60).collect())),
        }
    }
}

/// Pushes one batch of a replica's ops (base 0): the replica's high-water mark after.
pub async fn push(s: &mut Session, ops: Vec<SealedOp>) -> Result<u64, SyncError> {
    match s.call(&Request::Push { base: 0, ops }).await? {
        Reply::PushAck { high_water, .. } => Ok(high_water),
        other => Err(SyncError::Protocol(format!("{other:?}").chars().take(60).collect())),
    }
}

/// Pulls one page after `after`: the ops and the head.
pub async fn pull(s: &mut Session, after: u64) -> Result<(Vec<(u64, SealedOp)>, u64), SyncError> {
    let reply = s
        .call(&Request::Pull {
            after,
            max_ops: MAX_OPS_PER_FRAME,
        })
        .await?;
    match reply {
        Reply::Batch { ops, head } => Ok((ops, head)),
        other => Err(SyncError::Protocol(format!("{other:?}").chars().take(60).collect())),
    }
}

/// The transport alone: everything the server holds pulled from 0, kept nowhere. The time
/// spent in the protocol (connect, hello, pulls) and the bytes of the reply frames.
pub async fn pull_all(terminal: &Terminal, endpoint: &Endpoint) -> (Duration, u64) {
    let t = Instant::now();
    let mut s = terminal.session(endpoint, vec![]).await;
    let mut spent = t.elapsed();
    let (mut cursor, mut bytes) = (0, 0u64);
    loop {
        let t = Instant::now();
        let (ops, head) = pull(&mut s, cursor).await.expect("pull");
        spent += t.elapsed();
        let Some(&(last, _)) = ops.last() else { break };
        cursor = last;
        // The frame's size, outside the timing.
        bytes += frame::encode(&Reply::Batch { ops, head }).map_or(0, |f| f.len() as u64);
    }
    s.close().await;
    (spent, bytes)
}

/// The raw floor for the pull: `bytes` copied over a loopback TLS 1.3 connection with the
/// server's own identity and the desk's pinned verifier, handshake included.
pub async fn raw_tls_copy(server: &Running, bytes: u64) -> Duration {
    let (cert, key) = tls::server_identity(server.relay()).expect("identity");
    let acceptor = tokio_rustls::TlsAcceptor::from(tls::server_config(&cert, &key).expect("server config"));
    let connector =
        tokio_rustls::TlsConnector::from(tls::client_config(tls::fingerprint(&cert)).expect("client config"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let sender = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let _ = tcp.set_nodelay(true);
        let mut tls = acceptor.accept(tcp).await.expect("handshake");
        let chunk = vec![5u8; 64 * 1024];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            tls.write_all(&chunk[..n]).await.expect("write");
            left -= n as u64;
        }
        tls.flush().await.expect("flush");
        // Hold the connection until the reader has it all.
        let _ = tls.read_u8().await;
    });
    let t = Instant::now();
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = tcp.set_nodelay(true);
    let name = ServerName::try_from(tls::SERVER_NAME).expect("name");
    let mut tls = connector.connect(name, tcp).await.expect("handshake");
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0u64;
    while got < bytes {
        let n = tls.read(&mut buf).await.expect("read");
        assert!(n > 0, "the copy ended early");
        got += n as u64;
    }
    let spent = t.elapsed();
    drop(tls);
    let _ = sender.await;
    spent
}
