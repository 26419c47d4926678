//! The lookup index's and the palette's tests.

use std::collections::HashMap;

use super::query::SUBSTRING_MIN;
use super::*;
use crate::desk::DirectoryEntry;
use crate::domain::ids::ClientId;
use crate::ui::command::Command;

fn entry(i: u128, name: &str, sn: &str) -> DirectoryEntry {
    DirectoryEntry {
        id: ClientId(i),
        name: name.to_string(),
        student_number: sn.to_string(),
        email: format!("{}@student.example.ac.uk", name.to_lowercase().replace(' ', ".")),
        programme: "BSc Testing".to_string(),
    }
}

fn sample() -> Vec<DirectoryEntry> {
    vec![
        entry(1, "Amara Okonkwo", "20230001"),
        entry(2, "Bilal Haddad", "20230002"),
        entry(3, "Carys Pritchard", "20230003"),
        entry(4, "Dmitri Volkov", "20230004"),
        entry(5, "Zofia Brennan", "20230031"),
        entry(6, "Tomasz Prit", "2023000"),
    ]
}

fn generated(n: u32) -> Vec<DirectoryEntry> {
    let first = ["Ana", "Bo", "Cai", "Dee", "Eli", "Fen", "Gus", "Hal", "Ivo", "Jun"];
    let last = ["Marsh", "Vale", "Brook", "Stone", "Field", "Ridge", "Moor", "Glen"];
    (0..n)
        .map(|i| {
            let name = format!("{} {}", first[(i % 10) as usize], last[((i / 10) % 8) as usize]);
            entry(u128::from(i), &name, &format!("9{i:07}"))
        })
        .collect()
}

fn names(v: Vec<DirectoryEntry>) -> Vec<String> {
    v.into_iter().map(|e| e.name.clone()).collect()
}

fn client(i: u128, name: &str, sn: &str, email: &str) -> crate::domain::client::Client {
    use crate::domain::client::{Client, ContactPreferences, Level, Status};
    use crate::domain::validate::{Email, StudentNumber};
    Client {
        id: ClientId(i),
        student_number: StudentNumber::parse(sn).unwrap(),
        name: name.into(),
        programme: "BSc Testing".into(),
        school: None,
        level: Level::Ug,
        status: Status::Student,
        course_end: None,
        email: Email::parse(email).unwrap(),
        phone: None,
        contact: ContactPreferences::all(),
        flags: Vec::new(),
        activities: Vec::new(),
        suspension: None,
        block: None,
        created_at: chrono::DateTime::UNIX_EPOCH,
    }
}

#[test]
fn clients_added_or_changed_after_the_build_are_found_as_they_are_now() {
    let mut idx = ClientIndex::new(sample());
    assert!(idx.search("quentin", 5).is_empty());
    idx.upsert(&client(90, "Quentin Walk-In", "20239999", "qw@example.ac.uk"));
    assert_eq!(names(idx.search("quentin", 5)), ["Quentin Walk-In"]);
    assert_eq!(idx.search("20239999", 5)[0].id, ClientId(90));
    // Bilal's e-mail changes: the new one finds him, once; the old entry is not shown.
    idx.upsert(&client(2, "Bilal Haddad", "20230002", "bilal.new@example.ac.uk"));
    let hits = idx.search("had", 5);
    assert_eq!(hits.iter().filter(|e| e.id == ClientId(2)).count(), 1);
    assert_eq!(hits[0].email, "bilal.new@example.ac.uk");
    assert_eq!(idx.search("bilal.new", 5)[0].id, ClientId(2));
    // Everyone else is found as before.
    assert_eq!(idx.search("crs", 3)[0].name, "Carys Pritchard");
    // Text as typed in one part and only loose matches in the other: the loose ones are
    // left out, as they would be in one index.
    let mut one = ClientIndex::new(vec![entry(1, "Zephyrine Quarrington", "10234567")]);
    assert_eq!(
        names(one.search("que", 5)),
        ["Zephyrine Quarrington"],
        "a loose match alone"
    );
    one.upsert(&client(2, "Quentin Walkin", "20249999", "qw@example.ac.uk"));
    assert_eq!(names(one.search("que", 5)), ["Quentin Walkin"]);
    let all = idx.search("20230", 50);
    assert_eq!(all.len(), 6, "each built entry once, Bilal as he is now");
    assert_eq!(all.iter().filter(|e| e.id == ClientId(2)).count(), 1);
}

#[test]
fn three_letters_of_a_name_find_it() {
    let mut idx = ClientIndex::new(sample());
    assert_eq!(idx.search("crs", 3)[0].name, "Carys Pritchard");
    assert_eq!(idx.search("vlk", 3)[0].name, "Dmitri Volkov");
    assert_eq!(idx.search("had", 3)[0].name, "Bilal Haddad");
    assert!(idx.search("", 3).is_empty());
    assert!(idx.search("qqq", 3).is_empty());
}

#[test]
fn text_as_typed_comes_first_and_loose_matching_is_the_fallback() {
    let mut entries: Vec<DirectoryEntry> = (0..40u128)
        .map(|i| entry(i, &format!("Aisha Person{i}"), &format!("300{i:05}")))
        .collect();
    // Matches "ais" only loosely (a..i..s), not as typed.
    entries.push(entry(99, "Alina Ibsen", "30099999"));
    let mut idx = ClientIndex::new(entries);
    let hits = idx.search("ais", 10);
    assert_eq!(hits.len(), 10);
    assert!(hits.iter().all(|e| e.name.starts_with("Aisha")), "{hits:?}");
    let all = idx.search("ais", 45);
    assert_eq!(all.len(), 40, "only the entries containing the text as typed");
    // When nobody contains the text as typed, loose (fuzzy) matches come back.
    let loose = idx.search("aln", 45);
    assert!(loose.iter().any(|e| e.name == "Alina Ibsen"), "{loose:?}");
    assert!(!idx.search("asha", 5).is_empty(), "a typo still finds people");
    // One or two letters: words starting with them, first names first.
    let short = idx.search("ib", 5);
    assert_eq!(short[0].name, "Alina Ibsen");
}

#[test]
fn exact_student_number_ranks_first() {
    let mut idx = ClientIndex::new(sample());
    // "2023000" fuzzily matches most entries; the exact number wins.
    let hits = idx.search("2023000", 6);
    assert_eq!(hits[0].name, "Tomasz Prit");
    assert!(hits.len() >= 5);
    assert_eq!(idx.search("20230031", 6)[0].name, "Zofia Brennan");
}

#[test]
fn the_shared_domain_is_not_searched_but_others_are() {
    let mut data = sample();
    data[2].email = "carys.p@mailbox.example.org".to_string();
    let mut idx = ClientIndex::new(data);
    assert!(idx.search("'student.example", 10).is_empty());
    assert_eq!(names(idx.search("'mailbox", 10)), ["Carys Pritchard"]);
    assert_eq!(names(idx.search("'bilal.haddad", 10)), ["Bilal Haddad"]);
}

#[test]
fn matches_are_the_text_as_typed_or_else_exactly_the_optimal_matchers() {
    let mut data = generated(3000);
    data.push(entry(90_001, "José Núñez", "77"));
    data.push(entry(90_002, "Zoë Ölander", "78"));
    let ids: HashMap<u128, usize> = data.iter().enumerate().map(|(i, e)| (e.id.0, i)).collect();
    let mut idx = ClientIndex::new(data);
    let mut m = matcher();
    for q in [
        "a", "an", "jose", "Jo", "nun", "zoe", "ÖLA", "9 ana", "'Ana", "^an", "lde$", "xq", "ñ",
    ] {
        let p = pattern(q);
        let lowered: Vec<String> = (0..idx.len())
            .map(|i| idx.haystacks[i].to_string().to_lowercase())
            .collect();
        let ql = q.to_lowercase();
        let plain_query = ql.is_ascii() && !ql.contains(['!', '\\', '^', '$', '\'']);
        let as_typed: Vec<usize> = if !plain_query {
            Vec::new()
        } else if ql.len() >= SUBSTRING_MIN {
            (0..idx.len()).filter(|&i| lowered[i].contains(&ql)).collect()
        } else if ql.bytes().all(|b| b.is_ascii_alphanumeric()) {
            (0..idx.len())
                .filter(|&i| lowered[i].split(' ').any(|w| w.starts_with(&ql)))
                .collect()
        } else {
            Vec::new()
        };
        let expected: Vec<usize> = if as_typed.is_empty() {
            (0..idx.len())
                .filter(|&i| p.score(idx.haystacks[i].slice(..), &mut m).is_some())
                .collect()
        } else {
            as_typed
        };
        idx.reset();
        let mut got: Vec<usize> = idx.search(q, usize::MAX).iter().map(|e| ids[&e.id.0]).collect();
        got.sort_unstable();
        assert_eq!(got, expected, "query {q:?}");
    }
    assert_eq!(names(idx.search("jose", 1)), ["José Núñez"]);
    assert_eq!(names(idx.search("zoe ola", 1)), ["Zoë Ölander"]);
}

#[test]
fn ties_are_broken_by_name() {
    let mut idx = ClientIndex::new(vec![entry(1, "Bob Same", "1"), entry(2, "Ann Same", "2")]);
    assert_eq!(names(idx.search("Same", 5)), ["Ann Same", "Bob Same"]);
}

#[test]
fn incremental_search_equals_fresh_search() {
    // Enough entries to take the parallel path too.
    let data = generated(30_000);
    let mut typed = ClientIndex::new(data.clone());
    let mut fresh = ClientIndex::new(data);
    for query in [
        "a", "an", "ana", "ana ", "ana m", "ana ma", "ana m", "an", "g", "gl", "glen", "gle", "9001", "90012",
    ] {
        let a = names(typed.search(query, 20));
        fresh.reset();
        let b = names(fresh.search(query, 20));
        assert_eq!(a, b, "query {query:?}");
    }
    let mut small = ClientIndex::new(sample());
    let first = names(small.search("pri", 10));
    small.search("prit", 10);
    assert_eq!(names(small.search("pri", 10)), first);
    // Negation narrows a fresh search but widens as typed: never reused.
    assert_eq!(names(small.search("pr !t", 10)).len(), 0);
    assert!(names(small.search("pr !tz", 10)).contains(&"Carys Pritchard".to_string()));
}

#[test]
fn palette_ranking() {
    let items: Vec<(Command, String)> = Command::ALL.iter().map(|&c| (c, String::new())).collect();
    let ranked = rank_commands("quit", &items);
    assert_eq!(items[ranked[0]].0, Command::Quit);
    let ranked = rank_commands("wrnote", &items);
    assert_eq!(items[ranked[0]].0, Command::WriteNote);
    assert_eq!(rank_commands("", &items).len(), items.len());
}
