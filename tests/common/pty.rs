//! The real binary in a pseudo-terminal, its screen read back through a VT100 parser (for
//! the end-to-end tests of the desk screen).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

/// The administrator's password in the stores these tests make.
pub const ADMIN_PW: &str = "admin-password-1";
/// The terminal's rows.
pub const ROWS: u16 = 40;
/// The terminal's columns.
pub const COLS: u16 = 140;

/// The binary running in a pseudo-terminal, its output parsed into a screen.
pub struct Screen {
    /// The parsed screen.
    pub parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    /// The running binary.
    pub child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Screen {
    /// The binary on the data folder `data`.
    pub fn start(data: &Path) -> Screen {
        Screen::start_with(data, &[])
    }

    /// The binary with extra environment variables.
    pub fn start_with(data: &Path, env: &[(&str, &str)]) -> Screen {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_careerdesk"));
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", data);
        cmd.env("TERM", "xterm-256color");
        cmd.env("CAREERDESK_DATA_DIR", data);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(data);
        let child = pair.slave.spawn_command(cmd).expect("the binary starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(ROWS).unwrap(),
            std::num::NonZeroU16::new(COLS).unwrap(),
            0,
        )));
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        Screen {
            parser,
            writer,
            child,
            _master: pair.master,
        }
    }

    /// The screen's text.
    pub fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `what`, failing with the screen's text after 20 s.
    pub fn wait_for(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.text().contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the screen never showed {what:?}; it shows:\n{}", self.text());
    }

    /// Sends keys as one burst.
    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let the app read each burst on its own (a lone ESC is only a key when nothing follows).
        std::thread::sleep(Duration::from_millis(120));
    }

    /// Types text.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.writer.write_all(c.to_string().as_bytes()).unwrap();
        }
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(120));
    }

    /// Waits for the program to end by itself.
    pub fn wait_exit(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The bytes of tab.
pub const TAB: &str = "\t";
/// The bytes of enter.
pub const ENTER: &str = "\r";
/// The bytes of esc.
pub const ESC: &str = "\x1b";
/// The bytes of the down arrow.
pub const DOWN: &str = "\x1b[B";
/// The bytes of ctrl-s.
pub const CTRL_S: &str = "\x13";
/// The bytes of ctrl-l.
pub const CTRL_L: &str = "\x0c";
/// The bytes of ctrl-u.
pub const CTRL_U: &str = "\x15";
/// The bytes of ctrl-r.
pub const CTRL_R: &str = "\x12";
/// The bytes of f9.
pub const F9: &str = "\x1b[20~";

/// Signs in on the sign-in screen.
pub fn sign_in(s: &mut Screen, login: &str, password: &str) {
    s.wait_for("sign in");
    s.type_text(login);
    s.send(ENTER);
    s.type_text(password);
    s.send(ENTER);
}
