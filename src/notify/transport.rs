//! The ways a planned message leaves the building: `.eml` files in an outbox folder (the
//! default), SMTP through lettre, and text messages through a configured command.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lettre::message::header::{ContentDisposition, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::SmtpTransport;
use lettre::Message;
use serde::{Deserialize, Serialize};

use super::{ics, Channel, MessageKind, PlannedMessage, SendError, Transport};

/// How long careerdesk waits for the SMTP server at each step (connecting, and each reply)
/// unless `notify.toml` says otherwise: a silent server fails a message after this long.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an SMS command may run unless `notify.toml` says otherwise.
pub const DEFAULT_SMS_TIMEOUT: Duration = Duration::from_secs(10);

/// A transport that could not be set up from its settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

/// Refuses a message on the wrong channel for a transport.
fn wrong_channel(transport: &str, msg: &PlannedMessage) -> SendError {
    SendError::Permanent(format!(
        "the {transport} transport cannot send {} messages",
        msg.channel.code()
    ))
}

/// Builds the RFC 5322 message for an e-mail: plain text alone, or multipart/mixed with the
/// text and a `text/calendar; method=...` part when the message carries an ICS.
pub fn build_email(msg: &PlannedMessage, from: &str) -> Result<Message, SendError> {
    if msg.channel != Channel::Email {
        return Err(wrong_channel("e-mail", msg));
    }
    let from: Mailbox = from
        .parse()
        .map_err(|e| SendError::Permanent(format!("the sender `{from}` is not a valid address: {e}")))?;
    let to: Mailbox = msg
        .to
        .parse()
        .map_err(|e| SendError::Permanent(format!("the recipient `{}` is not a valid address: {e}", msg.to)))?;
    let message_id = format!("<{}@{}>", ulid::Ulid::new(), from.email.domain());
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(msg.subject.as_str())
        .message_id(Some(message_id));
    let text = SinglePart::plain(msg.body.clone());
    let built = match &msg.ics {
        None => builder.singlepart(text),
        Some(ics) => {
            let method = ics::method_of(ics).unwrap_or("PUBLISH");
            let content_type = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                .map_err(|e| SendError::Permanent(format!("bad calendar method `{method}`: {e}")))?;
            let file_name = if msg.kind == MessageKind::Cancellation {
                "cancel.ics"
            } else {
                "invite.ics"
            };
            let calendar = SinglePart::builder()
                .header(content_type)
                .header(ContentDisposition::attachment(file_name))
                .body(ics.clone());
            builder.multipart(MultiPart::mixed().singlepart(text).singlepart(calendar))
        }
    };
    built.map_err(|e| SendError::Permanent(format!("cannot build the e-mail: {e}")))
}

/// Writes each e-mail as an RFC 5322 `.eml` file into a folder (the default transport).
#[derive(Debug, Clone)]
pub struct EmlDir {
    dir: PathBuf,
}

impl EmlDir {
    /// A transport writing into `dir` (created when the first message is written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The outbox folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `msg` and returns the new file's path; the file appears whole or not at all.
    pub fn write(&self, msg: &PlannedMessage, from: &str) -> Result<PathBuf, SendError> {
        let message = build_email(msg, from)?;
        let io = |what: &str, e: std::io::Error| SendError::Temporary(format!("cannot {what}: {e}"));
        std::fs::create_dir_all(&self.dir).map_err(|e| io(&format!("create {}", self.dir.display()), e))?;
        let name = format!("{}-{}.eml", ulid::Ulid::new(), msg.kind.code());
        let path = self.dir.join(&name);
        let part = self.dir.join(format!(".{name}.part"));
        let written = std::fs::File::create(&part).and_then(|mut f| {
            f.write_all(&message.formatted())?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&part, &path)) {
            let _ = std::fs::remove_file(&part);
            return Err(io(&format!("write {}", path.display()), e));
        }
        Ok(path)
    }
}

impl Transport for EmlDir {
    fn send(&self, msg: &PlannedMessage, from: &str) -> Result<(), SendError> {
        self.write(msg, from).map(|_| ())
    }

    fn name(&self) -> &'static str {
        "eml"
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which is required (port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption (port 25 by default): only for a relay on the same host or network.
    None,
}

impl Security {
    /// The usual port for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }

    /// The value as written in `notify.toml`.
    pub fn code(self) -> &'static str {
        match self {
            Security::Starttls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }
}

/// Everything needed to reach an SMTP server.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Host name (also the name its TLS certificate must carry).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// User name for authentication, if the server needs it.
    pub username: Option<String>,
    /// Password for authentication (never logged or printed).
    pub password: Option<String>,
    /// Longest wait for the server at each step: connecting, and each reply.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends e-mail through an SMTP server (blocking, one connection per message).
#[derive(Clone)]
pub struct Smtp {
    inner: SmtpTransport,
    host: String,
    port: u16,
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish()
    }
}

impl Smtp {
    /// A transport for `settings`; fails only if TLS cannot be set up for the host name.
    pub fn new(settings: &SmtpSettings) -> Result<Self, SetupError> {
        let tls =
            |e: lettre::transport::smtp::Error| SetupError(format!("cannot set up TLS for `{}`: {e}", settings.host));
        let builder = match settings.security {
            Security::Starttls => SmtpTransport::starttls_relay(&settings.host).map_err(tls)?,
            Security::Tls => SmtpTransport::relay(&settings.host).map_err(tls)?,
            Security::None => SmtpTransport::builder_dangerous(settings.host.as_str()),
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            inner: builder.build(),
            host: settings.host.clone(),
            port: settings.port,
        })
    }

    /// Connects and says hello without sending anything: whether the server answers.
    pub fn test_connection(&self) -> Result<bool, SendError> {
        self.inner.test_connection().map_err(|e| self.classify(e))
    }

    /// Server refusals (5xx) and messages the client cannot send are permanent; a 4xx reply
    /// is temporary; no connection, no answer in time or a failed TLS handshake means the
    /// server is unreachable for now.
    fn classify(&self, e: lettre::transport::smtp::Error) -> SendError {
        let text = format!("SMTP {}:{}: {e}", self.host, self.port);
        if e.is_permanent() || e.is_client() {
            SendError::Permanent(text)
        } else if e.is_transient() || e.is_response() {
            SendError::Temporary(text)
        } else {
            SendError::Unreachable(text)
        }
    }
}

impl Transport for Smtp {
    fn send(&self, msg: &PlannedMessage, from: &str) -> Result<(), SendError> {
        let message = build_email(msg, from)?;
        lettre::Transport::send(&self.inner, &message)
            .map(|_| ())
            .map_err(|e| self.classify(e))
    }

    fn name(&self) -> &'static str {
        "smtp"
    }
}

/// Sends text messages by running a program with the number and the text as its last two
/// arguments (no shell is involved); exit status 0 means sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsCommand {
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
}

/// How much of the command's standard error is kept for the error message.
const STDERR_KEPT: usize = 2048;

impl SmsCommand {
    /// A transport running `command[0]` with `command[1..]` before the number and text.
    pub fn new(command: &[String]) -> Result<Self, SetupError> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| SetupError("the SMS command is empty; give the program to run".into()))?;
        if program.trim().is_empty() {
            return Err(SetupError("the SMS command's program is empty".into()));
        }
        Ok(Self {
            program: PathBuf::from(program),
            args: args.to_vec(),
            timeout: DEFAULT_SMS_TIMEOUT,
        })
    }

    /// The same command with a different time limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs the command for `msg`; every failure is temporary except a malformed number.
    fn run(&self, msg: &PlannedMessage) -> Result<(), SendError> {
        let number_ok = msg
            .to
            .strip_prefix('+')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        if !number_ok {
            return Err(SendError::Permanent(format!(
                "`{}` is not a phone number in international form (+44...)",
                msg.to
            )));
        }
        let program = self.program.display();
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .arg(&msg.to)
            .arg(&msg.body)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| SendError::Temporary(format!("cannot run the SMS command {program}: {e}")))?;
        // Drain standard error on a thread so a chatty command cannot block on a full pipe.
        let (tx, rx) = mpsc::channel();
        if let Some(mut stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let mut buf = [0u8; 1024];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let room = STDERR_KEPT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
                let _ = tx.send(kept);
            });
        }
        let deadline = Instant::now() + self.timeout;
        let mut pause = Duration::from_millis(2);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(SendError::Temporary(format!(
                        "the SMS command {program} did not finish within {} s and was stopped",
                        self.timeout.as_secs_f32()
                    )));
                }
                Ok(None) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => {
                    let _ = child.kill();
                    return Err(SendError::Temporary(format!("the SMS command {program} failed: {e}")));
                }
            }
        };
        if status.success() {
            return Ok(());
        }
        let stderr = rx
            .recv_timeout(Duration::from_secs(1))
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            .unwrap_or_default();
        let mut text = format!("the SMS command {program} failed ({status})");
        if !stderr.is_empty() {
            text.push_str(": ");
            text.push_str(&stderr);
        }
        Err(SendError::Temporary(text))
    }
}

impl Transport for SmsCommand {
    fn send(&self, msg: &PlannedMessage, _from: &str) -> Result<(), SendError> {
        if msg.channel != Channel::Sms {
            return Err(wrong_channel("SMS", msg));
        }
        self.run(msg)
    }

    fn name(&self) -> &'static str {
        "sms-command"
    }
}

/// The configured transports, sending each message on its channel's transport.
pub struct Transports {
    /// Sends e-mail.
    pub email: Box<dyn Transport + Send + Sync>,
    /// Sends text messages, when an SMS command is configured.
    pub sms: Option<Box<dyn Transport + Send + Sync>>,
}

impl fmt::Debug for Transports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transports")
            .field("email", &self.email.name())
            .field("sms", &self.sms.as_ref().map(|t| t.name()))
            .finish()
    }
}

impl Transports {
    /// Whether messages on `channel` can be sent at all (no SMS without an SMS command).
    pub fn accepts(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => true,
            Channel::Sms => self.sms.is_some(),
        }
    }
}

impl Transport for Transports {
    fn send(&self, msg: &PlannedMessage, from: &str) -> Result<(), SendError> {
        match (msg.channel, &self.sms) {
            (Channel::Email, _) => self.email.send(msg, from),
            (Channel::Sms, Some(sms)) => sms.send(msg, from),
            (Channel::Sms, None) => Err(SendError::Permanent(
                "no SMS command is configured (`[sms] command` in notify.toml)".into(),
            )),
        }
    }

    fn name(&self) -> &'static str {
        "routed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn email(ics: Option<&str>) -> PlannedMessage {
        PlannedMessage {
            kind: MessageKind::Confirmation,
            channel: Channel::Email,
            to: "ada@example.ac.uk".into(),
            subject: "Appointment confirmed".into(),
            body: "Dear Ada,\nSee you.\n".into(),
            ics: ics.map(str::to_string),
            due_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        }
    }

    const FROM: &str = "Careers Service <careers@example.ac.uk>";

    #[test]
    fn plain_email_has_one_text_part() {
        let m = String::from_utf8(build_email(&email(None), FROM).unwrap().formatted()).unwrap();
        assert!(m.contains("Subject: Appointment confirmed\r\n"));
        assert!(m.contains("Message-ID: <"));
        assert!(m.contains("@example.ac.uk>"));
        assert!(m.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(!m.contains("multipart"));
    }

    #[test]
    fn email_with_ics_is_multipart_mixed_with_a_calendar_part() {
        let ics = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n";
        let mut msg = email(Some(ics));
        msg.kind = MessageKind::Cancellation;
        let m = String::from_utf8(build_email(&msg, FROM).unwrap().formatted()).unwrap();
        assert!(m.contains("multipart/mixed"));
        assert!(m.contains("text/calendar; charset=utf-8; method=CANCEL"), "{m}");
        assert!(m.contains("cancel.ics"));
    }

    #[test]
    fn bad_addresses_are_permanent_failures() {
        let mut msg = email(None);
        msg.to = "not an address".into();
        assert!(matches!(build_email(&msg, FROM), Err(SendError::Permanent(_))));
        assert!(matches!(
            build_email(&email(None), "nobody"),
            Err(SendError::Permanent(_))
        ));
    }

    #[test]
    fn transports_route_by_channel_and_refuse_sms_without_a_command() {
        let dir = tempfile::tempdir().unwrap();
        let t = Transports {
            email: Box::new(EmlDir::new(dir.path())),
            sms: None,
        };
        assert!(t.accepts(Channel::Email));
        assert!(!t.accepts(Channel::Sms));
        t.send(&email(None), FROM).unwrap();
        let mut sms = email(None);
        sms.channel = Channel::Sms;
        sms.to = "+447700900123".into();
        assert!(matches!(t.send(&sms, FROM), Err(SendError::Permanent(_))));
        assert!(matches!(
            EmlDir::new(dir.path()).send(&sms, FROM),
            Err(SendError::Permanent(_))
        ));
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(files.len(), 1);
    }

    #[test]
    fn sms_numbers_must_be_international() {
        let cmd = SmsCommand::new(&["/bin/true".to_string()]).unwrap();
        let mut sms = email(None);
        sms.channel = Channel::Sms;
        sms.to = "--help".into();
        assert!(matches!(cmd.send(&sms, FROM), Err(SendError::Permanent(_))));
        assert!(SmsCommand::new(&[]).is_err());
    }

    #[test]
    fn smtp_settings_debug_hides_the_password() {
        let s = SmtpSettings {
            host: "smtp.example.ac.uk".into(),
            port: 587,
            security: Security::Starttls,
            username: Some("careers".into()),
            password: Some("hunter2".into()),
            timeout: DEFAULT_TIMEOUT,
        };
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(Smtp::new(&s).unwrap().name(), "smtp");
    }
}
