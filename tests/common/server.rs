//! An in-process sync server on 127.0.0.1, for the tests that drive a desk against one: it runs
//! on its own thread until stopped, and can be started again on the same address.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use careerdesk::desk::Desk;
use careerdesk::store::relay::{RelayBackend, RelayStore};
use careerdesk::sync::client::Endpoint;
use careerdesk::sync::server::{system_clock, Clock, Server};
use careerdesk::sync::tls::show_fingerprint;

/// A runtime on the test's own thread, for calling the protocol directly from a plain test.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A server running on its own thread until stopped.
pub struct Running {
    pub addr: SocketAddr,
    pub server: Arc<Server>,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// A server keeping its store in `dir`, on a free port.
    pub fn start(dir: &Path) -> Running {
        Running::start_on(dir, "127.0.0.1:0")
    }

    /// On a given address (a restarted server keeps its port, as desks are enrolled with it).
    pub fn start_on(dir: &Path, listen: &str) -> Running {
        Running::start_with(dir, listen, system_clock())
    }

    /// With the server's clock given.
    pub fn start_with(dir: &Path, listen: &str, clock: Clock) -> Running {
        let listen = listen.to_string();
        let relay = RelayStore::open(dir).unwrap();
        let server = Arc::new(Server::new(relay, [3; 32], clock).unwrap());
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let s = server.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                s.serve(listener, stop_rx).await;
            });
        });
        let addr = addr_rx.recv().unwrap();
        Running {
            addr,
            server,
            stop,
            thread: Some(thread),
        }
    }

    /// Where it is and who it must be, for the protocol's own calls.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            addr: self.addr.to_string(),
            fingerprint: self.server.fingerprint(),
        }
    }

    /// Its certificate's fingerprint as `careerdesk serve` prints it.
    pub fn fingerprint(&self) -> String {
        show_fingerprint(&self.server.fingerprint())
    }

    /// A fresh one-time enrolment code.
    pub fn code(&self) -> String {
        self.server.relay().issue_code(u64::MAX).unwrap()
    }

    /// The server's store.
    pub fn relay(&self) -> &dyn RelayBackend {
        self.server.relay()
    }

    /// Enrols `desk` (an administrator's) with this server as terminal `name`.
    pub fn enrol(&self, desk: &Desk, name: &str) {
        desk.enrol(&self.addr.to_string(), &self.fingerprint(), &self.code(), name)
            .unwrap();
    }

    /// Stops the server and waits for its thread, freeing its store and its port.
    pub fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}
