//! Reading `notify.toml`: the file as written, then each section checked in turn (sender,
//! SMTP server, password from the environment, text-message command, time-outs).

use serde::Deserialize;
use toml_edit::ImDocument;

use super::locate::{field_on_line, one_line, Checker};
use super::{
    EmailConfig, EmailTransport, NotifyConfig, NotifyConfigError, Password, SmsConfig, SmtpConfig, DEFAULT_FROM,
};
use crate::notify::transport::{Security, DEFAULT_SMS_TIMEOUT, DEFAULT_TIMEOUT};
use crate::policy::locate::line_of_offset;

/// The longest time-out `notify.toml` may set, in seconds.
const MAX_TIMEOUT_SECS: u64 = 300;

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

impl Checker<'_> {
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
}
