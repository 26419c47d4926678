//! End to end: planned appointment messages through the real transports (APPT-09).
//!
//! A small SMTP server written here (plain text, 127.0.0.1 only, with socket time-outs) takes
//! a confirmation from the lettre-based `Smtp` transport; the message is then taken apart as
//! MIME and its calendar part parsed with an independent iCalendar parser (`ical`). The `.eml`
//! outbox and the SMS command are checked the same way.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use careerdesk::domain::client::ContactPreferences;
use careerdesk::domain::validate::{Email, Phone};
use careerdesk::notify::compose::CONFIDENTIAL;
use careerdesk::notify::{
    plan_booking_messages, BookingFacts, Channel, EmlDir, MessageKind, PlannedMessage, Security, SendError, SmsCommand,
    Smtp, SmtpSettings, Transport,
};
use careerdesk::policy::Reminders;
use chrono::{TimeZone, Utc};

const FROM: &str = "Careers Service <careers@example.ac.uk>";
const IO_TIMEOUT: Duration = Duration::from_secs(10);

fn facts() -> BookingFacts {
    let start = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    BookingFacts {
        appointment_id: "01JD8ZK6M3V9Q2W4E5R6T7Y8U9".into(),
        client_name: "Zoë Ångström".into(),
        email: Some(Email::parse("zoe.angstrom@example.ac.uk").unwrap()),
        phone: Some(Phone::parse("07700 900123").unwrap()),
        contact: ContactPreferences::all(),
        type_name: "Careers guidance".into(),
        consultant_name: "Dr Grace Hopper".into(),
        location_name: "Room 2.14, Careers Centre; Level 2 (Café side) — a very long location name to force folding"
            .into(),
        confidential: true,
        online: false,
        start,
        minutes: 45,
        booked_at: start - chrono::Duration::days(4),
        local_start: "Tue 24 Nov 2026 10:00".into(),
        service_name: "Careers Service".into(),
    }
}

fn planned(kind: MessageKind, channel: Channel) -> PlannedMessage {
    plan_booking_messages(
        &facts(),
        &Reminders::default(),
        careerdesk::notify::Channels { sms: true },
    )
    .into_iter()
    .find(|m| m.kind == kind && m.channel == channel)
    .expect("the booking plans this message")
}

// ---------------------------------------------------------------------------------------------
// A minimal SMTP server (RFC 5321 subset: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, QUIT).

#[derive(Debug, Default)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: Option<String>,
}

/// The address between angle brackets in `MAIL FROM:<a> ...` / `RCPT TO:<a>`.
fn angle_addr(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_string()
}

/// Accepts one connection on 127.0.0.1 and answers it; `rcpt_reply` is sent for RCPT TO.
fn smtp_server(rcpt_reply: &'static str) -> (u16, JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + IO_TIMEOUT;
        let stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => panic!("no SMTP client connected: {e}"),
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        converse(stream, rcpt_reply)
    });
    (port, handle)
}

fn converse(stream: TcpStream, rcpt_reply: &str) -> Received {
    let mut out = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut got = Received::default();
    let mut say = |text: &str| out.write_all(text.as_bytes()).unwrap();
    say("220 mock.test ESMTP ready\r\n");
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            return got;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => say("250-mock.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"),
            "HELO" => say("250 mock.test\r\n"),
            "MAIL" => {
                got.mail_from = angle_addr(line);
                say("250 2.1.0 OK\r\n");
            }
            "RCPT" => {
                got.rcpt_to.push(angle_addr(line));
                say(rcpt_reply);
            }
            "DATA" => {
                say("354 End data with <CR><LF>.<CR><LF>\r\n");
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    assert!(reader.read_line(&mut l).unwrap() > 0, "connection closed during DATA");
                    if l == ".\r\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 section 4.5.2).
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                got.data = Some(data);
                say("250 2.0.0 queued\r\n");
            }
            "RSET" | "NOOP" => say("250 OK\r\n"),
            "QUIT" => {
                say("221 bye\r\n");
                return got;
            }
            _ => say("502 command not implemented\r\n"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Just enough MIME to take the message apart.

struct Part {
    headers: Vec<(String, String)>,
    body: String,
}

/// Splits at the blank line and unfolds the header lines.
fn parse_entity(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let headers = unfolded
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A parameter of a structured header value, e.g. `boundary`.
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Undoes the part's Content-Transfer-Encoding, whichever lettre chose.
fn decode(headers: &[(String, String)], body: &str) -> String {
    let cte = header(headers, "content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let bytes = match cte.as_str() {
        "quoted-printable" => quoted_printable::decode(body, quoted_printable::ParseMode::Robust).unwrap(),
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(compact).unwrap()
        }
        "7bit" | "8bit" | "binary" => body.as_bytes().to_vec(),
        other => panic!("unexpected Content-Transfer-Encoding {other}"),
    };
    String::from_utf8(bytes).unwrap()
}

/// The top-level headers and the decoded parts of a multipart message.
fn mime_parts(raw: &str) -> (Vec<(String, String)>, Vec<Part>) {
    let (headers, body) = parse_entity(raw);
    let content_type = header(&headers, "content-type").expect("Content-Type").to_string();
    assert!(content_type.starts_with("multipart/mixed"), "{content_type}");
    let boundary = param(&content_type, "boundary").expect("boundary");
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    for segment in body.split(delimiter.as_str()).skip(1) {
        if segment.starts_with("--") {
            break;
        }
        let segment = segment.strip_prefix("\r\n").unwrap_or(segment);
        let segment = segment.strip_suffix("\r\n").unwrap_or(segment);
        let (h, b) = parse_entity(segment);
        let body = decode(&h, b);
        parts.push(Part { headers: h, body });
    }
    (headers, parts)
}

/// RFC 5545 TEXT unescaping.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks a delivered confirmation: subject, text part, and a calendar part that an
/// independent parser reads back with the booking's times, title, place and UID.
fn check_confirmation(raw: &str, msg: &PlannedMessage) {
    let (headers, parts) = mime_parts(raw);
    assert_eq!(header(&headers, "subject"), Some(msg.subject.as_str()));
    assert_eq!(header(&headers, "to"), Some("zoe.angstrom@example.ac.uk"));
    assert!(header(&headers, "from").unwrap().contains("careers@example.ac.uk"));
    assert_eq!(parts.len(), 2, "a text part and a calendar part");

    let text = &parts[0];
    assert!(header(&text.headers, "content-type").unwrap().starts_with("text/plain"));
    assert_eq!(text.body.replace("\r\n", "\n").trim_end(), msg.body.trim_end());
    assert!(text.body.contains("Dear Zoë Ångström,"));
    assert!(text.body.contains(CONFIDENTIAL));

    let cal = &parts[1];
    let ct = header(&cal.headers, "content-type").unwrap();
    assert!(ct.starts_with("text/calendar"), "{ct}");
    assert_eq!(param(ct, "method").as_deref(), Some("REQUEST"), "{ct}");
    assert_eq!(cal.body.trim_end(), msg.ics.as_deref().unwrap().trim_end());

    let calendar = ical::IcalParser::new(BufReader::new(cal.body.as_bytes()))
        .next()
        .expect("one calendar")
        .expect("the calendar parses");
    let method = calendar
        .properties
        .iter()
        .find(|p| p.name == "METHOD")
        .and_then(|p| p.value.clone());
    assert_eq!(method.as_deref(), Some("REQUEST"));
    assert_eq!(calendar.events.len(), 1);
    let event = &calendar.events[0];
    let prop = |name: &str| {
        event
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(prop("DTSTART"), "20261124T100000Z");
    assert_eq!(prop("DTEND"), "20261124T104500Z");
    assert_eq!(unescape(&prop("SUMMARY")), "Careers guidance with Dr Grace Hopper");
    assert_eq!(unescape(&prop("LOCATION")), facts().location_name);
    assert_eq!(prop("UID"), "01JD8ZK6M3V9Q2W4E5R6T7Y8U9@careerdesk");
    assert!(unescape(&prop("DESCRIPTION")).contains(CONFIDENTIAL));
}

fn smtp(port: u16) -> Smtp {
    Smtp::new(&SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: None,
        password: None,
        timeout: IO_TIMEOUT,
    })
    .unwrap()
}

#[test]
fn appt_09_confirmation_goes_through_smtp_with_a_valid_ics() {
    let msg = planned(MessageKind::Confirmation, Channel::Email);
    let (port, server) = smtp_server("250 2.1.5 OK\r\n");
    smtp(port).send(&msg, FROM).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.mail_from, "careers@example.ac.uk");
    assert_eq!(got.rcpt_to, vec!["zoe.angstrom@example.ac.uk".to_string()]);
    check_confirmation(got.data.as_deref().expect("a message was sent"), &msg);
}

#[test]
fn appt_09_smtp_refusals_are_permanent_and_deferrals_temporary() {
    let msg = planned(MessageKind::Reminder, Channel::Email);
    let (port, server) = smtp_server("550 5.1.1 no such user\r\n");
    let e = smtp(port).send(&msg, FROM).unwrap_err();
    assert!(matches!(e, SendError::Permanent(_)), "{e:?}");
    assert!(server.join().unwrap().data.is_none());

    let (port, server) = smtp_server("451 4.3.0 try again later\r\n");
    let e = smtp(port).send(&msg, FROM).unwrap_err();
    assert!(e.is_temporary(), "{e:?}");
    assert!(server.join().unwrap().data.is_none());
}

#[test]
fn appt_09_an_unreachable_smtp_server_is_a_temporary_failure() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = smtp(port)
        .send(&planned(MessageKind::Confirmation, Channel::Email), FROM)
        .unwrap_err();
    assert!(e.is_temporary(), "{e:?}");
}

#[test]
fn appt_09_eml_outbox_file_has_the_same_parts() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let msg = planned(MessageKind::Confirmation, Channel::Email);
    let path = EmlDir::new(&outbox).write(&msg, FROM).unwrap();
    assert_eq!(path.extension().and_then(|e| e.to_str()), Some("eml"));
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files, vec![path.clone()], "only the finished file is left");
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(raw.contains("\r\nDate: ") || raw.starts_with("Date: "));
    assert!(raw.contains("Message-ID: <"));
    check_confirmation(&raw, &msg);

    // A reminder has no calendar: a single text part.
    let reminder = planned(MessageKind::Reminder, Channel::Email);
    EmlDir::new(&outbox).send(&reminder, FROM).unwrap();
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 2);
}

// ---------------------------------------------------------------------------------------------
// SMS through a command.

fn sms_command(parts: &[&str]) -> SmsCommand {
    SmsCommand::new(&parts.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[cfg(unix)]
#[test]
fn appt_09_sms_command_gets_the_number_and_text_as_separate_arguments_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("send-sms.sh");
    let log = dir.path().join("sent.txt");
    let pwned = dir.path().join("pwned");
    std::fs::write(
        &script,
        "out=\"$1\"\nshift\nfor a in \"$@\"; do printf '%s\\n--\\n' \"$a\" >> \"$out\"; done\n",
    )
    .unwrap();
    let mut msg = planned(MessageKind::Reminder, Channel::Sms);
    msg.body = format!(
        "{} $(touch {}); `touch {}` 'q' \"d\" *",
        msg.body,
        pwned.display(),
        pwned.display()
    );
    // Run through /bin/sh with the script as a file argument: the test never execs a file it
    // has just written (which can fail with ETXTBSY under a parallel test harness).
    let cmd = sms_command(&["/bin/sh", path_str(&script), path_str(&log)]);
    assert_eq!(cmd.name(), "sms-command");
    cmd.send(&msg, FROM).unwrap();
    let sent = std::fs::read_to_string(&log).unwrap();
    assert_eq!(sent, format!("+447700900123\n--\n{}\n--\n", msg.body));
    assert!(sent.contains("Tue 24 Nov 2026 10:00"));
    assert!(!pwned.exists(), "the text must never reach a shell");
}

#[cfg(unix)]
#[test]
fn appt_09_a_failing_sms_command_is_a_temporary_error() {
    let msg = planned(MessageKind::Reminder, Channel::Sms);
    let e = sms_command(&["/bin/sh", "-c", "echo gateway down >&2; exit 3"])
        .send(&msg, FROM)
        .unwrap_err();
    match &e {
        SendError::Temporary(text) => {
            assert!(text.contains("gateway down"), "{text}");
            assert!(text.contains('3'), "{text}");
        }
        other => panic!("expected a temporary error, got {other:?}"),
    }

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-program");
    let e = sms_command(&[path_str(&missing)]).send(&msg, FROM).unwrap_err();
    assert!(e.is_temporary(), "{e:?}");
}

#[cfg(unix)]
#[test]
fn appt_09_a_hanging_sms_command_is_stopped() {
    let msg = planned(MessageKind::Reminder, Channel::Sms);
    let started = Instant::now();
    let e = sms_command(&["/bin/sh", "-c", "exec sleep 20"])
        .with_timeout(Duration::from_millis(300))
        .send(&msg, FROM)
        .unwrap_err();
    assert!(e.is_temporary(), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn appt_09_transports_refuse_the_wrong_channel() {
    let sms = planned(MessageKind::Reminder, Channel::Sms);
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        EmlDir::new(dir.path()).send(&sms, FROM),
        Err(SendError::Permanent(_))
    ));
    let email = planned(MessageKind::Confirmation, Channel::Email);
    assert!(matches!(
        sms_command(&["/bin/true"]).send(&email, FROM),
        Err(SendError::Permanent(_))
    ));
}
