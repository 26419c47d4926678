//! The notify configuration's tests.

use super::*;
use crate::notify::transport::{DEFAULT_SMS_TIMEOUT, DEFAULT_TIMEOUT};

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
    let c = parse("[email.smtp]\nhost = \"h.example\"\ntimeout_secs = 2\n[sms]\ncommand = [\"x\"]\ntimeout_secs = 7\n")
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

    let e =
        parse("[email.smtp]\nhost = \"h\"\nsecurity = \"none\"\nusername = \"u\"\npassword_env = \"P\"\n").unwrap_err();
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
