//! `careerdesk serve` as a process of its own, for tests that drive real binaries.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::as_op;

/// `careerdesk serve` in `dir` on a free port, with the address and fingerprint it printed.
pub struct Serving {
    child: Child,
    /// The address it listens on.
    pub addr: String,
    /// Its TLS fingerprint.
    pub fingerprint: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `careerdesk serve` in `dir` on a free port.
pub fn serve(dir: &Path) -> Serving {
    serve_on(dir, "127.0.0.1:0")
}

/// `careerdesk serve` listening on `listen`.
pub fn serve_on(dir: &Path, listen: &str) -> Serving {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("careerdesk"))
        .env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .args(["serve", "--listen", listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("careerdesk serve starts");
    let out = child.stdout.take().expect("its output");
    let mut lines = BufReader::new(out).lines();
    let first = lines.next().expect("a first line").expect("text");
    let second = lines.next().expect("a second line").expect("text");
    let addr = first
        .strip_prefix("careerdesk sync server listening on ")
        .expect("the address is printed")
        .to_string();
    let fingerprint = second
        .strip_prefix("fingerprint ")
        .expect("the fingerprint is printed")
        .to_string();
    assert!(fingerprint.starts_with("SHA256:"), "{fingerprint}");
    Serving {
        child,
        addr,
        fingerprint,
    }
}

/// The binary with the server's folder as its data folder.
pub fn server_cmd(dir: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("careerdesk").expect("the binary");
    c.env("CAREERDESK_DATA_DIR", dir).env("HOME", dir);
    c
}

/// A one-time enrolment code from the server in `dir`.
pub fn enrol_code(dir: &Path) -> String {
    let out = server_cmd(dir).args(["server", "enrol-code"]).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .next()
        .expect("the code")
        .to_string()
}

/// Sets up `to` as a second desk of `from`'s service: `from`'s backup restored there.
pub fn cli_twin(from: &Path, to: &Path) {
    let keep = tempfile::tempdir().unwrap();
    let backup = keep.path().join("backup");
    as_op(from, "admin")
        .args(["store", "backup", backup.to_str().unwrap()])
        .assert()
        .success();
    as_op(to, "admin")
        .args(["store", "restore", backup.to_str().unwrap()])
        .assert()
        .success();
}

/// Enrols the desk in `dir` with the running server `s` (whose folder is `server_dir`).
pub fn enrol(dir: &Path, server_dir: &Path, s: &Serving) {
    let code = enrol_code(server_dir);
    as_op(dir, "admin")
        .args(["enrol", "--server", &s.addr, "--code", &code])
        .args(["--fingerprint", &s.fingerprint])
        .assert()
        .success();
}
