//! `notify.toml`: how messages are sent. An absent file means the defaults: e-mail written as
//! `.eml` files to the outbox folder, no text messages.
//!
//! ```toml
//! [email]
//! transport = "smtp"                      # or "eml" (the default)
//! from = "Careers Service <careers@example.ac.uk>"
//!
//! [email.smtp]
//! host = "smtp.example.ac.uk"
//! port = 587                              # default from security: 587, 465 or 25
//! security = "starttls"                   # or "tls" or "none"
//! username = "careers"
//! password_env = "CAREERDESK_SMTP_PASSWORD"   # the password itself is never in the file
//! timeout_secs = 5                        # the longest wait to connect and for each reply
//!
//! [sms]
//! command = ["/usr/local/bin/send-sms"]   # run with the number and the text appended
//! timeout_secs = 10                       # the longest the command may run
//! ```

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml_edit::ImDocument;
use zeroize::Zeroizing;

use super::transport::{
    EmlDir, Security, SmsCommand, Smtp, SmtpSettings, Transports, DEFAULT_SMS_TIMEOUT, DEFAULT_TIMEOUT,
};

/// The longest time-out `notify.toml` may set, in seconds.
const MAX_TIMEOUT_SECS: u64 = 300;
use crate::policy::locate::{line_of, line_of_offset, path_at};

/// The file's name in the configuration directory.
pub const FILE_NAME: &str = "notify.toml";

/// The sender used when `[email] from` is not given.
pub const DEFAULT_FROM: &str = "Careers Service <careers@example.ac.uk>";

/// Which transport sends e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    /// Write `.eml` files into the outbox folder.
    #[default]
    Eml,
    /// Send through the `[email.smtp]` server.
    Smtp,
}

/// A password read from the environment; never printed.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password.
    pub fn new(password: String) -> Self {
        Self(Zeroizing::new(password))
    }

    /// The password itself, for handing to the transport.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Password {}

/// The whole `notify.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// The file the settings came from (named in error messages).
    pub source: String,
    /// The `[email]` section.
    pub email: EmailConfig,
    /// The `[sms]` section; `None` means no text messages are sent.
    pub sms: Option<SmsConfig>,
}

/// The `[email]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// Which transport sends e-mail.
    pub transport: EmailTransport,
    /// The sender, `Name <address>`.
    pub from: String,
    /// The `[email.smtp]` section, if present.
    pub smtp: Option<SmtpConfig>,
}

/// The `[email.smtp]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Server port (default from `security`).
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// User name, when the server needs authentication.
    pub username: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
    /// The password read from `password_env` (only when SMTP is the transport in use).
    pub password: Option<Password>,
    /// The longest wait for the server to accept the connection and for each reply.
    pub timeout: std::time::Duration,
}

impl SmtpConfig {
    /// The transport settings these stand for.
    pub fn settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: self.host.clone(),
            port: self.port,
            security: self.security,
            username: self.username.clone(),
            password: self.password.as_ref().map(|p| p.expose().to_string()),
            timeout: self.timeout,
        }
    }
}

/// The `[sms]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsConfig {
    /// The program and its leading arguments; the number and text are appended.
    pub command: Vec<String>,
    /// The longest the command may run before the message counts as not sent.
    pub timeout: std::time::Duration,
}

/// A problem in `notify.toml`: the file, the line when known, the field and what is wrong
/// (the same shape, and the same message form, as a policy-file problem).
pub type NotifyConfigError = crate::policy::PolicyError;

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            source: FILE_NAME.to_string(),
            email: EmailConfig {
                transport: EmailTransport::Eml,
                from: DEFAULT_FROM.to_string(),
                smtp: None,
            },
            sms: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    email: RawEmail,
    sms: Option<RawSms>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    #[serde(default)]
    transport: EmailTransport,
    from: Option<String>,
    smtp: Option<RawSmtp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: String,
    port: Option<u16>,
    #[serde(default)]
    security: Security,
    username: Option<String>,
    password_env: Option<String>,
    timeout_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSms {
    command: Vec<String>,
    timeout_secs: Option<u64>,
}

/// Joins a multi-line parser message into one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The text between backticks after `prefix` in `message`.
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    rest.get(..rest.find('`')?)
}

/// Best guess at the field written on 1-based `line` when the file does not parse at all.
fn field_on_line(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(key) = lines
        .get(line.saturating_sub(1))
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.starts_with('['))
    else {
        return String::new();
    };
    let section = lines[..line.saturating_sub(1).min(lines.len())]
        .iter()
        .rev()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .find(|l| l.starts_with('['))
        .map(|h| h.trim_matches(['[', ']', ' ']).to_string());
    match section {
        Some(s) if !s.is_empty() => format!("{s}.{key}"),
        _ => key,
    }
}

struct Checker<'a> {
    doc: &'a ImDocument<&'a str>,
    file: &'a str,
}

impl Checker<'_> {
    fn error(&self, field: &str, message: impl Into<String>) -> NotifyConfigError {
        NotifyConfigError {
            file: self.file.to_string(),
            line: line_of(self.doc, field),
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// A deserialisation error (wrong type, unknown or missing field, bad value).
    fn type_error(&self, e: &toml::de::Error) -> NotifyConfigError {
        let message = one_line(e.message());
        let span = e.span().filter(|s| Some(s) != self.doc.as_table().span().as_ref());
        let line = span.clone().map(|s| line_of_offset(self.doc.raw(), s.start));
        let mut field = span.and_then(|s| path_at(self.doc, s.start)).unwrap_or_default();
        for prefix in ["missing field `", "unknown field `"] {
            if let Some(name) = backticked(&message, prefix) {
                if field.rsplit(['.', '[']).next() != Some(name) {
                    field = if field.is_empty() {
                        name.to_string()
                    } else {
                        format!("{field}.{name}")
                    };
                }
            }
        }
        let message = if message.starts_with("unknown field `") {
            format!("{message} (is it misspelt?)")
        } else {
            message
        };
        NotifyConfigError {
            file: self.file.to_string(),
            line,
            field,
            message,
        }
    }

    fn build(&self, raw: RawConfig, env: &dyn Fn(&str) -> Option<String>) -> Result<NotifyConfig, NotifyConfigError> {
        let from = raw.email.from.unwrap_or_else(|| DEFAULT_FROM.to_string());
        if from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(self.error(
                "email.from",
                format!("`{from}` is not a sender address; expected e.g. \"{DEFAULT_FROM}\""),
            ));
        }
        let transport = raw.email.transport;
        if transport == EmailTransport::Smtp && raw.email.smtp.is_none() {
            return Err(self.error(
                "email.transport",
                "transport = \"smtp\" needs an [email.smtp] section with at least `host`",
            ));
        }
        let smtp = match raw.email.smtp {
            Some(s) => Some(self.smtp(s, transport == EmailTransport::Smtp, env)?),
            None => None,
        };
        let sms = match raw.sms {
            Some(s) => {
                if s.command.first().is_none_or(|p| p.trim().is_empty()) {
                    return Err(self.error(
                        "sms.command",
                        "give the program to run and any leading arguments, e.g. [\"/usr/local/bin/send-sms\"]",
                    ));
                }
                let timeout = self.timeout("sms.timeout_secs", s.timeout_secs, DEFAULT_SMS_TIMEOUT)?;
                Some(SmsConfig {
                    command: s.command,
                    timeout,
                })
            }
            None => None,
        };
        Ok(NotifyConfig {
            source: self.file.to_string(),
            email: EmailConfig { transport, from, smtp },
            sms,
        })
    }

    /// A time-out in whole seconds, 1 to [`MAX_TIMEOUT_SECS`], or `default` when not given.
    fn timeout(
        &self,
        field: &str,
        secs: Option<u64>,
        default: std::time::Duration,
    ) -> Result<std::time::Duration, NotifyConfigError> {
        match secs {
            None => Ok(default),
            Some(s) if (1..=MAX_TIMEOUT_SECS).contains(&s) => Ok(std::time::Duration::from_secs(s)),
            Some(s) => Err(self.error(
                field,
                format!("{s} is not a time-out careerdesk uses; give whole seconds from 1 to {MAX_TIMEOUT_SECS}"),
            )),
        }
    }

    fn smtp(
        &self,
        s: RawSmtp,
        in_use: bool,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<SmtpConfig, NotifyConfigError> {
        let host = s.host.trim().to_string();
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(self.error(
                "email.smtp.host",
                "give the server's host name, e.g. smtp.example.ac.uk",
            ));
        }
        if s.port == Some(0) {
            return Err(self.error("email.smtp.port", "the port must be from 1 to 65535"));
        }
        match (&s.username, &s.password_env) {
            (Some(_), None) => {
                return Err(self.error(
                    "email.smtp.username",
                    "a username needs password_env, the environment variable that holds the password",
                ))
            }
            (None, Some(_)) => {
                return Err(self.error(
                    "email.smtp.password_env",
                    "password_env needs a username to authenticate with",
                ))
            }
            (Some(_), Some(_)) if s.security == Security::None => {
                return Err(self.error(
                    "email.smtp.security",
                    "security = \"none\" would send the password unencrypted; use \"starttls\" or \"tls\"",
                ))
            }
            _ => {}
        }
        let mut password = None;
        if let (true, Some(var)) = (in_use, &s.password_env) {
            match env(var) {
                Some(p) if !p.is_empty() => password = Some(Password::new(p)),
                _ => {
                    return Err(self.error(
                        "email.smtp.password_env",
                        format!("the environment variable `{var}` is not set; set it to the SMTP password"),
                    ))
                }
            }
        }
        let timeout = self.timeout("email.smtp.timeout_secs", s.timeout_secs, DEFAULT_TIMEOUT)?;
        Ok(SmtpConfig {
            timeout,
            port: s.port.unwrap_or(s.security.default_port()),
            host,
            security: s.security,
            username: s.username,
            password_env: s.password_env,
            password,
        })
    }
}

impl NotifyConfig {
    /// The ways of sending these settings give: e-mail always, texts when `[sms]` names a command.
    pub fn channels(&self) -> crate::notify::Channels {
        crate::notify::Channels {
            sms: self.sms.is_some(),
        }
    }

    /// The ways of sending the `notify.toml` in `config_dir` gives. A file that cannot be read
    /// gives e-mail only: no text is planned that `outbox flush` could not send (it reports the
    /// file's problem itself).
    pub fn channels_in(config_dir: &Path) -> crate::notify::Channels {
        match Self::load(config_dir) {
            Ok(config) => config.channels(),
            Err(e) => {
                tracing::warn!("notify.toml not used for planning messages: {e}");
                crate::notify::Channels::default()
            }
        }
    }

    /// Reads `notify.toml` from `config_dir`; an absent file gives the defaults.
    pub fn load(config_dir: &Path) -> Result<Self, NotifyConfigError> {
        let path = config_dir.join(FILE_NAME);
        let source = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &source),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self {
                source,
                ..Self::default()
            }),
            Err(e) => Err(NotifyConfigError {
                file: source,
                line: None,
                field: String::new(),
                message: format!("cannot read the file: {e}"),
            }),
        }
    }

    /// Parses and checks `text`, reading the SMTP password from the process environment;
    /// `source` names the file in errors.
    pub fn parse(text: &str, source: &str) -> Result<Self, NotifyConfigError> {
        Self::parse_with_env(text, source, &|var| std::env::var(var).ok())
    }

    /// Like [`NotifyConfig::parse`], looking environment variables up with `env`.
    pub fn parse_with_env(
        text: &str,
        source: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, NotifyConfigError> {
        let doc = ImDocument::parse(text).map_err(|e| {
            let line = e.span().map(|s| line_of_offset(text, s.start));
            NotifyConfigError {
                file: source.to_string(),
                line,
                field: line.map(|l| field_on_line(text, l)).unwrap_or_default(),
                message: format!("TOML syntax error: {}", one_line(e.message())),
            }
        })?;
        let checker = Checker {
            doc: &doc,
            file: source,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| checker.type_error(&e))?;
        checker.build(raw, env)
    }

    /// The transports these settings describe; `outbox` is the folder for `.eml` files.
    pub fn transports(&self, outbox: &Path) -> Result<Transports, NotifyConfigError> {
        let fail = |field: &str, message: String| NotifyConfigError {
            file: self.source.clone(),
            line: None,
            field: field.to_string(),
            message,
        };
        let email: Box<dyn super::Transport + Send + Sync> = match (self.email.transport, &self.email.smtp) {
            (EmailTransport::Eml, _) => Box::new(EmlDir::new(outbox)),
            (EmailTransport::Smtp, Some(smtp)) => {
                Box::new(Smtp::new(&smtp.settings()).map_err(|e| fail("email.smtp", e.0))?)
            }
            (EmailTransport::Smtp, None) => {
                return Err(fail(
                    "email.transport",
                    "transport = \"smtp\" needs an [email.smtp] section".into(),
                ))
            }
        };
        let sms: Option<Box<dyn super::Transport + Send + Sync>> = match &self.sms {
            Some(s) => Some(Box::new(
                SmsCommand::new(&s.command)
                    .map_err(|e| fail("sms.command", e.0))?
                    .with_timeout(s.timeout),
            )),
            None => None,
        };
        Ok(Transports { email, sms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> Result<NotifyConfig, NotifyConfigError> {
        NotifyConfig::parse_with_env(text, "notify.toml", &no_env)
    }

    #[test]
    fn an_absent_file_means_eml_and_no_sms() {
        let dir = tempfile::tempdir().unwrap();
        let c = NotifyConfig::load(dir.path()).unwrap();
        assert_eq!(c.email.transport, EmailTransport::Eml);
        assert_eq!(c.email.from, DEFAULT_FROM);
        assert!(c.sms.is_none());
        let t = c.transports(&dir.path().join("outbox")).unwrap();
        assert_eq!(t.email.name(), "eml");
        assert!(t.sms.is_none());
    }

    #[test]
    fn an_empty_file_means_the_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.email, NotifyConfig::default().email);
    }

    #[test]
    fn a_full_file_is_read_with_the_password_from_the_environment() {
        let text = r#"
[email]
transport = "smtp"
from = "Careers Service <careers@example.ac.uk>"

[email.smtp]
host = "smtp.example.ac.uk"
security = "tls"
username = "careers"
password_env = "CD_TEST_SMTP_PASSWORD"

[sms]
command = ["/usr/local/bin/send-sms", "--account", "careers"]
"#;
        let env = |v: &str| (v == "CD_TEST_SMTP_PASSWORD").then(|| "s3cret".to_string());
        let c = NotifyConfig::parse_with_env(text, "notify.toml", &env).unwrap();
        assert_eq!(c.email.transport, EmailTransport::Smtp);
        let smtp = c.email.smtp.as_ref().unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.security),
            ("smtp.example.ac.uk", 465, Security::Tls)
        );
        assert_eq!(smtp.password.as_ref().unwrap().expose(), "s3cret");
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(c.sms.as_ref().unwrap().command.len(), 3);
        let t = c.transports(Path::new("outbox")).unwrap();
        assert_eq!(t.email.name(), "smtp");
        assert_eq!(t.sms.as_ref().unwrap().name(), "sms-command");
    }

    #[test]
    fn a_missing_password_variable_names_the_file_line_and_field() {
        let text = "[email]\ntransport = \"smtp\"\n[email.smtp]\nhost = \"smtp.example.ac.uk\"\nusername = \"u\"\npassword_env = \"CD_UNSET_VARIABLE\"\n";
        let e = parse(text).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(6), "email.smtp.password_env"));
        assert!(e.message.contains("CD_UNSET_VARIABLE"), "{e}");
        assert!(
            e.to_string().starts_with("notify.toml:6: email.smtp.password_env: "),
            "{e}"
        );
    }

    #[test]
    fn an_unused_smtp_section_does_not_need_its_password() {
        let text = "[email.smtp]\nhost = \"h.example\"\nusername = \"u\"\npassword_env = \"CD_UNSET_VARIABLE\"\n";
        let c = parse(text).unwrap();
        assert_eq!(c.email.transport, EmailTransport::Eml);
        assert_eq!(c.email.smtp.unwrap().port, 587);
    }

    #[test]
    fn type_errors_name_the_line_and_field() {
        let e = parse("[email]\nfrom = \"Careers <c@example.ac.uk>\"\n\n[email.smtp]\nhost = \"h\"\nport = \"five\"\n")
            .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(6), "email.smtp.port"), "{e}");

        let e = parse("[email]\ntransport = \"carrier-pigeon\"\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(2), "email.transport"), "{e}");

        let e = parse("[email.smtp]\nhots = \"h\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.field, "email.smtp.hots", "{e}");
        assert!(e.message.contains("misspelt"), "{e}");

        let e = parse("[email.smtp]\nport = 25\nsecurity = \"none\"\n").unwrap_err();
        assert_eq!(e.field, "email.smtp.host", "{e}");
        assert_eq!(e.line, Some(1), "{e}");

        let e = parse("[email.smtp]\nhost = \"h\"\nsecurity = \"smtps\"\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(3), "email.smtp.security"), "{e}");
    }

    #[test]
    fn time_outs_default_to_a_few_seconds_and_are_checked() {
        let c = parse("[email.smtp]\nhost = \"h.example\"\n[sms]\ncommand = [\"x\"]\n").unwrap();
        assert_eq!(c.email.smtp.unwrap().timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.sms.unwrap().timeout, DEFAULT_SMS_TIMEOUT);
        let c =
            parse("[email.smtp]\nhost = \"h.example\"\ntimeout_secs = 2\n[sms]\ncommand = [\"x\"]\ntimeout_secs = 7\n")
                .unwrap();
        assert_eq!(
            c.email.smtp.unwrap().settings().timeout,
            std::time::Duration::from_secs(2)
        );
        assert_eq!(c.sms.unwrap().timeout, std::time::Duration::from_secs(7));
        let e = parse("[email.smtp]\nhost = \"h.example\"\ntimeout_secs = 0\n").unwrap_err();
        assert_eq!(e.field, "email.smtp.timeout_secs", "{e}");
        assert!(e.message.contains("from 1 to 300"), "{e}");
        let e = parse("[sms]\ncommand = [\"x\"]\ntimeout_secs = 301\n").unwrap_err();
        assert_eq!(e.field, "sms.timeout_secs", "{e}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = parse("[email]\nfrom = \"unterminated\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.field, "email.from", "{e}");
        assert!(e.message.starts_with("TOML syntax error"), "{e}");
    }

    #[test]
    fn semantic_errors_name_the_line_and_field() {
        let e = parse("[email]\nfrom = \"not an address\"\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(2), "email.from"), "{e}");

        let e = parse("[email]\ntransport = \"smtp\"\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(2), "email.transport"), "{e}");

        let e = parse("\n[sms]\ncommand = []\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(3), "sms.command"), "{e}");

        let e = parse("[email.smtp]\nhost = \"h\"\nsecurity = \"none\"\nusername = \"u\"\npassword_env = \"P\"\n")
            .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(3), "email.smtp.security"), "{e}");

        let e = parse("[email.smtp]\nhost = \"h\"\nusername = \"u\"\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (Some(3), "email.smtp.username"), "{e}");
    }

    #[test]
    fn a_file_that_exists_is_read_and_errors_name_its_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "[sms]\ncommand = [\"\"]\n").unwrap();
        let e = NotifyConfig::load(dir.path()).unwrap_err();
        assert!(e.file.ends_with(FILE_NAME));
        assert_eq!(e.line, Some(2));
    }
}
