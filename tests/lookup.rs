//! The client lookup through the paths users take: the saved copy read at sign-in and kept
//! current by the op log, and the command line and the desk screen giving the same results.

mod common;

use std::sync::Arc;

use careerdesk::desk::{ClientEdit, LookupSource};
use careerdesk::ui::lookup::SharedIndex;
use careerdesk::ui::panes::clients::ClientsPane;
use common::panes::*;
use common::*;

fn numbers(found: &[careerdesk::desk::DirectoryEntry]) -> Vec<String> {
    found.iter().map(|e| e.student_number.clone()).collect()
}

#[test]
fn the_saved_lookup_is_read_at_sign_in_and_kept_current_by_the_op_log() {
    let tmp = tempfile::tempdir().unwrap();
    let desk = init(tmp.path(), clock());
    for (i, name) in ["Ada Lovelace", "Bo Smithers", "Cy Smit", "Di Blacksmith"]
        .iter()
        .enumerate()
    {
        add(&desk, &new_client(&format!("1000000{i}"), name)).unwrap();
    }
    // The first load builds from the records and saves.
    let (first, source) = desk.load_lookup().unwrap();
    assert_eq!(source, LookupSource::Built);
    assert_eq!(first.len(), 4);
    drop(desk);

    let desk = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()).unwrap();
    let (_, source) = desk.load_lookup().unwrap();
    assert_eq!(source, LookupSource::Saved { changed: 0 });
    // Changes after the save: a new client, and a changed e-mail.
    add(&desk, &new_client("10000009", "Eve Montgomery")).unwrap();
    let bo = desk.client_by_student_number(&sn("10000001")).unwrap();
    let edit = ClientEdit {
        email: Some("bo.renamed@student.example.ac.uk".into()),
        ..ClientEdit::default()
    };
    desk.edit_client(bo.id, &edit.parse().unwrap()).unwrap();
    drop(desk);

    let desk = sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()).unwrap();
    let (lookup, source) = desk.load_lookup().unwrap();
    assert_eq!(source, LookupSource::Saved { changed: 2 });
    assert_eq!(lookup.len(), 5);
    assert_eq!(numbers(&lookup.search("montgomery", 5)), ["10000009"]);
    assert_eq!(numbers(&lookup.search("bo.renamed", 5)), ["10000001"]);
    // Bo's old e-mail finds them no more; the command line's lookup is the same one.
    // (Others' e-mails are one typo from it, so they are found; Bo is not.)
    let by_old = lookup.search(bo.email.as_str(), 5);
    assert!(!by_old.is_empty() && by_old.iter().all(|e| e.student_number != "10000001"));
    assert_eq!(
        numbers(&desk.find_clients("smit", 5).unwrap()),
        ["10000002", "10000001"]
    );

    // A damaged saved copy is not trusted: the lookup is built again from the records.
    desk.store()
        .set_setting("client-lookup", Some(b"not a lookup"))
        .unwrap();
    let (lookup, source) = desk.load_lookup().unwrap();
    assert_eq!(source, LookupSource::Built);
    assert_eq!(lookup.len(), 5);
    let (_, source) = desk.load_lookup().unwrap();
    assert_eq!(source, LookupSource::Saved { changed: 0 });
}

#[test]
fn a_bulk_load_after_the_save_makes_the_saved_lookup_be_built_again() {
    let tmp = tempfile::tempdir().unwrap();
    let desk = init(tmp.path(), clock());
    let (empty, _) = desk.load_lookup().unwrap();
    assert!(empty.is_empty());
    careerdesk::demo::generate(&desk, 40, 3, &careerdesk::demo::Progress::Hidden).unwrap();
    let (lookup, source) = desk.load_lookup().unwrap();
    assert_eq!(source, LookupSource::Built);
    assert_eq!(lookup.len(), 40);
}

#[test]
fn the_command_line_and_the_screen_give_the_same_top_results() {
    let tmp = tempfile::tempdir().unwrap();
    let desk = init(tmp.path(), clock());
    let text = careerdesk::policy::example("standard").unwrap().text;
    std::fs::write(tmp.path().join("policy.toml"), text).unwrap();
    careerdesk::demo::generate(&desk, 300, 5, &careerdesk::demo::Progress::Hidden).unwrap();
    // Queries cut from generated clients: a surname, its start, a slip in it, a number, an
    // e-mail start, two words.
    let c = desk.find_clients("1000012", 1).unwrap().remove(0);
    let last = c.name.split(' ').next_back().unwrap().to_lowercase();
    let mut slipped: Vec<char> = last.chars().collect();
    slipped.swap(1, 2);
    let slipped: String = slipped.into_iter().collect();
    let first = c.name.split(' ').next().unwrap().to_string();
    let queries = [
        last.clone(),
        last[..3].to_string(),
        slipped,
        c.student_number.clone(),
        c.email[..8].to_string(),
        format!("{} {}", &first[..2], &last[..2]),
    ];
    drop(desk);
    // The command line first (it opens the store itself), then the screen on the same store.
    let found: Vec<Vec<String>> = queries.iter().map(|q| careerdesk_cli(tmp.path(), q)).collect();
    let desk = Arc::new(sign_in(tmp.path(), "admin", ADMIN_PASSWORD, clock()).unwrap());
    let index = SharedIndex::default();
    index.set(desk.build_lookup().unwrap());
    let mut ui = Ui::new(&desk);
    for (q, out) in queries.iter().zip(&found) {
        assert!(!out.is_empty(), "the command line finds {q:?}");
        let mut pane = ClientsPane::new(&desk, index.clone());
        ui.shown(&mut pane);
        ui.type_text(&mut pane, q);
        let s = screen(&mut pane, 160, 48);
        // The screen lists the same clients in the same order (as many as fit).
        let mut at = 0;
        for number in out.iter().take(10) {
            let Some(found) = s[at..].find(number.as_str()) else {
                panic!("{number} from `client find {q}` is not in its place on the screen:\n{s}");
            };
            at += found + number.len();
        }
    }
}

/// `careerdesk client find QUERY`'s student numbers, in order.
fn careerdesk_cli(data: &std::path::Path, q: &str) -> Vec<String> {
    let out = assert_cmd::Command::cargo_bin("careerdesk")
        .unwrap()
        .env("CAREERDESK_DATA_DIR", data)
        .env("HOME", data)
        .env("CAREERDESK_PASSWORD", ADMIN_PASSWORD)
        .args([
            "--as", "admin", "--format", "json", "client", "find", q, "--limit", "10",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["student_number"].as_str().unwrap().to_string())
        .collect()
}
