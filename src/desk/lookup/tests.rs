use super::terms::{client_terms, fold, query_words, typos_allowed};
use super::*;
use crate::desk::DirectoryEntry;

fn entry(n: u128, name: &str, number: &str, email: &str) -> DirectoryEntry {
    DirectoryEntry {
        id: ClientId(n),
        name: name.into(),
        student_number: number.into(),
        email: email.into(),
        programme: "BSc Physics".into(),
    }
}

fn people() -> Lookup {
    Lookup::new(vec![
        entry(1, "Ada Lovelace", "20231847", "ada.lovelace@student.example.ac.uk"),
        entry(2, "Adam Smith", "20239561", "adam.smith@student.example.ac.uk"),
        entry(3, "Bo Smithers", "20190422", "bo.smithers@student.example.ac.uk"),
        entry(4, "Cy Smit", "20184736", "cy.smit@student.example.ac.uk"),
        entry(5, "Di Blacksmith", "20217093", "di.blacksmith@student.example.ac.uk"),
        entry(6, "Ed Montgomery", "20226658", "ed.montgomery@student.example.ac.uk"),
        entry(7, "Flo Zoë Ng", "30000007", "flo.ng7@student.example.ac.uk"),
        entry(8, "Gus Roberts", "20205124", "gus.roberts@student.example.ac.uk"),
        entry(9, "Hal Robertson", "20248390", "hal.robertson@student.example.ac.uk"),
    ])
}

fn client(i: u128, name: &str, sn: &str) -> Client {
    use crate::domain::client::{ContactPreferences, Level, Status};
    use crate::domain::validate::{Email, StudentNumber};
    Client {
        id: ClientId(i),
        student_number: StudentNumber::parse(sn).expect("valid number"),
        name: name.into(),
        programme: "BSc Testing".into(),
        school: None,
        level: Level::Ug,
        status: Status::Student,
        course_end: None,
        email: Email::parse(&format!("c{i}@student.example.ac.uk")).expect("valid e-mail"),
        phone: None,
        contact: ContactPreferences::all(),
        flags: Vec::new(),
        activities: Vec::new(),
        suspension: None,
        block: None,
        created_at: chrono::DateTime::UNIX_EPOCH,
    }
}

fn names(l: &Lookup, q: &str) -> Vec<String> {
    l.search(q, 20).into_iter().map(|e| e.name).collect()
}

#[test]
fn exact_words_rank_before_prefixes_before_typos_then_by_name() {
    let l = people();
    // "smith" exactly (Adam), as a start (Smithers), one typo away at the start (Smit:
    // a missing letter); Blacksmith has "smith" only inside a word: not found.
    assert_eq!(names(&l, "smith"), ["Adam Smith", "Bo Smithers", "Cy Smit"]);
    // Within one level, by name.
    assert_eq!(names(&l, "rob"), ["Gus Roberts", "Hal Robertson"]);
    assert_eq!(names(&l, "roberts"), ["Gus Roberts", "Hal Robertson"]);
}

#[test]
fn five_letter_words_match_with_one_typo_of_each_kind() {
    let l = people();
    for slip in ["lvoelace", "lovelacr", "lovlace", "lovvelace"] {
        // Eight and nine letters: one typo always, two from nine.
        assert_eq!(names(&l, slip), ["Ada Lovelace"], "{slip}");
    }
    // Five and six letters: a transposition, a wrong letter, a missing and an extra letter.
    for slip in ["smtih", "smiht", "snith", "robrts", "smiith"] {
        let want = if slip.starts_with('r') {
            "Gus Roberts"
        } else {
            "Adam Smith"
        };
        assert!(names(&l, slip).contains(&want.to_string()), "{slip}");
    }
    for slip in ["smtih", "smiht", "snith", "smiith"] {
        assert!(names(&l, slip).contains(&"Adam Smith".to_string()), "{slip}");
    }
    // Four letters: no typo allowed.
    assert!(names(&l, "smtj").is_empty());
    // Two typos in five letters: too many.
    assert!(!names(&l, "snitj").contains(&"Adam Smith".to_string()));
}

#[test]
fn nine_letter_words_match_with_two_typos() {
    let l = people();
    // Transposed and a wrong letter; missing and extra letters.
    assert_eq!(names(&l, "montgoemrr"), ["Ed Montgomery"]);
    assert_eq!(names(&l, "mntgomeyy"), ["Ed Montgomery"]);
    assert_eq!(names(&l, "moontgommery"), ["Ed Montgomery"]);
    // Three typos: not found.
    assert!(names(&l, "mnotgoemrr").is_empty());
}

#[test]
fn letters_left_out_before_the_rest_matches_count_as_typos_at_any_length() {
    let l = Lookup::new(vec![
        entry(1, "Jo Abbott", "20230001", "jo.abbott158064@student.example.ac.uk"),
        entry(2, "Jo Abbott", "20230002", "jo.abbott87394@student.example.ac.uk"),
        entry(3, "Jo Abbott", "20230003", "jo.abbott15@student.example.ac.uk"),
        entry(4, "Jo Abbott", "20230004", "jo.abbott9@student.example.ac.uk"),
    ]);
    let numbers = |q: &str| -> Vec<String> { l.search(q, 10).into_iter().map(|e| e.student_number).collect() };
    // As typed, then one typo ("jo.abbott15", the "8" left out), then two ("jo.abbott8", the
    // "15" left out, though more follows: the least distance to any start of the e-mail).
    assert_eq!(numbers("jo.abbott158"), ["20230001", "20230003", "20230002"]);
    // "jo.abbott15@student" is one away; "jo.abbott158064@student" three.
    assert_eq!(numbers("jo.abbott158@student"), ["20230003"]);
    // Three typos away: not found.
    assert!(!numbers("jo.abbott158").contains(&"20230004".to_string()));
}

#[test]
fn student_numbers_match_exactly_as_a_start_and_with_a_slip() {
    let l = people();
    assert_eq!(names(&l, "20217093"), ["Di Blacksmith"]);
    assert_eq!(names(&l, "202170"), ["Di Blacksmith"]);
    assert_eq!(names(&l, "3000"), ["Flo Zoë Ng"]);
    assert_eq!(names(&l, "20").len(), 8);
    // Transposed, wrong, missing, and (nine digits: two typos) extra digits.
    for slip in ["20271093", "20217083", "2021793", "202170933", "220217093"] {
        assert_eq!(names(&l, slip), ["Di Blacksmith"], "{slip}");
    }
}

#[test]
fn emails_match_whole_with_typos_and_by_their_parts() {
    let l = people();
    assert_eq!(names(&l, "flo.ng7@student.example.ac.uk"), ["Flo Zoë Ng"]);
    assert_eq!(names(&l, "flo.ng7@stu"), ["Flo Zoë Ng"]);
    assert_eq!(names(&l, "hal.robertsno@student"), ["Hal Robertson"]);
    assert_eq!(names(&l, "ng7"), ["Flo Zoë Ng"]);
    // The shared domain is not a word of anyone's: it finds no one.
    assert!(names(&l, "student").is_empty());
}

#[test]
fn every_word_must_match_and_accents_fold() {
    let l = people();
    assert_eq!(names(&l, "ed smith"), Vec::<String>::new());
    assert_eq!(names(&l, "ada smith"), ["Adam Smith"]);
    assert_eq!(names(&l, "ad smi"), ["Adam Smith"]);
    assert_eq!(names(&l, "smith ADAM"), ["Adam Smith"]);
    assert_eq!(names(&l, "zoe"), ["Flo Zoë Ng"]);
    assert_eq!(names(&l, "Zoë"), ["Flo Zoë Ng"]);
}

#[test]
fn one_or_two_letters_find_word_starts_only() {
    let l = people();
    assert_eq!(names(&l, "s"), ["Adam Smith", "Bo Smithers", "Cy Smit"]);
    assert_eq!(names(&l, "ng"), ["Flo Zoë Ng"]);
    // "x" starts no word: nobody, rather than everyone containing it.
    assert!(names(&l, "x").is_empty());
    assert!(names(&l, "oi").is_empty());
    assert!(names(&l, "  !! ").is_empty());
}

#[test]
fn the_limit_is_kept_and_results_come_in_name_order() {
    let l = people();
    let all = l.search("2", 3);
    assert_eq!(
        all.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["Ada Lovelace", "Adam Smith", "Bo Smithers"]
    );
    assert!(l.search("2", 0).is_empty());
}

#[test]
fn changed_and_new_clients_are_found_as_they_are_now() {
    let mut l = people();
    l.upsert(&client(2, "Adam Smythe", "20000002"));
    // One typo from "smithe", the start of Smithers.
    assert_eq!(names(&l, "smythe"), ["Adam Smythe", "Bo Smithers"]);
    // The old name finds them no more (Smithers and Smit remain).
    assert_eq!(names(&l, "smith"), ["Bo Smithers", "Adam Smythe", "Cy Smit"]);
    l.upsert(&client(50, "Aaron Smith", "40000050"));
    assert_eq!(
        names(&l, "smith"),
        ["Aaron Smith", "Bo Smithers", "Adam Smythe", "Cy Smit"]
    );
    assert_eq!(l.len(), 10);
    l.remove(ClientId(50));
    l.remove(ClientId(1));
    assert!(names(&l, "aaron").is_empty());
    assert!(names(&l, "lovelace").is_empty());
    assert_eq!(l.len(), 8);
}

/// A reference written the slow, plain way: every client's every term, prefix edit distance
/// by dynamic programming (a transposition counting as one), sorted by cost then name.
fn reference(entries: &[DirectoryEntry], query: &str, limit: usize) -> Vec<String> {
    let words = query_words(query, MAX_WORDS);
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<((u8, u8), String, usize)> = Vec::new();
    // Typo matches count only when fewer than the threshold match without one.
    'entries: for (i, e) in entries.iter().enumerate() {
        let mut terms = Vec::new();
        client_terms(&e.name, &e.student_number, &e.email, &mut terms);
        let mut cost = (0u8, 0u8);
        for w in &words {
            let best = terms
                .iter()
                .filter_map(|t| {
                    if t == w {
                        Some((0, 0))
                    } else if t.starts_with(w.as_str()) {
                        Some((0, 1))
                    } else if t.chars().next() != w.chars().next() {
                        None
                    } else {
                        let d = prefix_distance(w, t);
                        (d >= 1 && d <= typos_allowed(w)).then_some((d, 1))
                    }
                })
                .min();
            let Some(b) = best else { continue 'entries };
            cost = (cost.0 + b.0, cost.1 + b.1);
        }
        hits.push((cost, fold(&e.name), i));
    }
    if hits.iter().filter(|h| h.0 .0 == 0).count() >= search::TYPO_THRESHOLD {
        hits.retain(|h| h.0 .0 == 0);
    }
    hits.sort();
    hits.into_iter()
        .take(limit)
        .map(|h| entries[h.2].name.clone())
        .collect()
}

/// The least restricted-Damerau distance between `w` and any start of `t`.
pub(super) fn prefix_distance(w: &str, t: &str) -> u8 {
    let a: Vec<char> = w.chars().collect();
    let b: Vec<char> = t.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let sub = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + sub);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()].iter().copied().min().unwrap_or(0).min(255) as u8
}

#[test]
fn ranking_matches_a_plain_reference_on_generated_clients() {
    let entries = generated(1200);
    let l = Lookup::new(entries.clone());
    let mut checked = 0;
    // Queries cut from the clients' own names, numbers and e-mails, with slips made in them.
    for (n, e) in entries.iter().enumerate().step_by(37) {
        let last = e.name.split(' ').next_back().unwrap_or_default().to_string();
        let slips = [
            last.clone(),
            last[..last.len().min(2)].to_string(),
            last[..last.len().min(4)].to_string(),
            swap(&last, 1),
            drop_char(&last, 2),
            format!("{} {}", &e.name[..1], &last[..last.len().min(3)]),
            e.student_number[..5].to_string(),
            swap(&e.student_number, 3),
            e.email[..e.email.len().min(12)].to_string(),
            drop_char(&e.email, 4),
        ];
        for q in slips {
            let got: Vec<String> = l.search(&q, 25).into_iter().map(|e| e.name).collect();
            let want = reference(&entries, &q, 25);
            assert_eq!(got, want, "query {q:?} (client {n})");
            checked += 1;
        }
    }
    assert!(checked > 300);
}

fn swap(s: &str, at: usize) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if at + 1 < c.len() {
        c.swap(at, at + 1);
    }
    c.into_iter().collect()
}

fn drop_char(s: &str, at: usize) -> String {
    s.chars()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, c)| c)
        .collect()
}

/// Made-up clients from syllables (no list of real people).
pub(super) fn generated(n: usize) -> Vec<DirectoryEntry> {
    const ONSETS: &[&str] = &["b", "d", "f", "k", "l", "m", "n", "r", "s", "t", "v", "th"];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou"];
    const CODAS: &[&str] = &["", "n", "r", "l", "s", "m"];
    let mut x: u64 = 0x5eed_cafe_f00d_1234;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as usize
    };
    let mut word = |syllables: usize| {
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(ONSETS[next() % ONSETS.len()]);
            w.push_str(VOWELS[next() % VOWELS.len()]);
            w.push_str(CODAS[next() % CODAS.len()]);
        }
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    (0..n)
        .map(|i| {
            let first = word(1 + i % 2);
            let last = word(2 + i % 3 / 2);
            entry(
                i as u128 + 1,
                &format!("{first} {last}"),
                &format!("{}", 10_000_000 + i * 7),
                &format!(
                    "{}.{}{i}@student.example.ac.uk",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
            )
        })
        .collect()
}

#[test]
fn a_saved_lookup_reads_back_and_answers_the_same() {
    let l = Lookup::new(generated(400));
    let covers = Covers {
        op_seq: 7,
        bulk: 2,
        applied: 3,
    };
    let bytes = l.to_bytes(covers).expect("fresh");
    let (back, got) = Lookup::from_bytes(&bytes).expect("reads back");
    assert_eq!(got, covers);
    assert_eq!(back.len(), l.len());
    for q in ["ta", "thoun", "10000", "lai", "s", "dmosa"] {
        assert_eq!(back.search(q, 30), l.search(q, 30), "{q}");
    }
}

#[test]
fn a_changed_lookup_is_not_saved_until_built_again() {
    let mut l = people();
    l.upsert(&client(60, "Iris New", "40000060"));
    assert_eq!(
        l.to_bytes(Covers {
            op_seq: 1,
            bulk: 0,
            applied: 0
        }),
        Err(SavedError::NotFresh)
    );
    let again = Lookup::new(l.current_directory());
    assert_eq!(again.len(), 10);
    assert_eq!(names(&again, "iris"), ["Iris New"]);
    assert!(again
        .to_bytes(Covers {
            op_seq: 1,
            bulk: 0,
            applied: 0
        })
        .is_ok());
}

#[test]
fn a_damaged_saved_lookup_is_refused_never_trusted() {
    let bytes = people()
        .to_bytes(Covers {
            op_seq: 1,
            bulk: 0,
            applied: 0,
        })
        .expect("fresh");
    // Every cut, and a changed byte at many places: refused or, where the change is harmless,
    // read; never a panic, and searching what was read never panics either.
    for cut in 0..bytes.len() {
        assert!(Lookup::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut refused = 0;
    for at in (0..bytes.len()).step_by(3) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[at] ^= flip;
            match Lookup::from_bytes(&b) {
                Ok((l, _)) => {
                    for q in ["smith", "s", "2021", "lovelace", "montgoemrr"] {
                        l.search(q, 20);
                    }
                }
                Err(_) => refused += 1,
            }
        }
    }
    assert!(refused > 0);
    let mut other = bytes.clone();
    other[4] = 9;
    assert_eq!(Lookup::from_bytes(&other).err(), Some(SavedError::Format(9)));
}
