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
//!
//! This file holds the settings as the rest of careerdesk reads them and the transports they
//! describe; reading and checking the file is in `parse.rs`, and naming the line and field of
//! what is wrong in `locate.rs`.

mod locate;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::transport::{EmlDir, Security, SmsCommand, Smtp, SmtpSettings, Transports};

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
