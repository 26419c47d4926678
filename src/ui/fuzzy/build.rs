//! Building the client lookup index: every entry's search text, letter masks, name and
//! student-number orders and word starts, prepared once; clients changed since the build go
//! into a small index of their own.

use std::collections::HashMap;

use nucleo_matcher::Utf32String;

use super::{matcher, ClientIndex};
use crate::desk::ClientDirectory;

/// At most this many scoring threads.
const MAX_THREADS: usize = 4;

impl ClientIndex {
    /// Prepares the search text of every entry.
    pub fn new(entries: impl Into<ClientDirectory>) -> Self {
        let entries: ClientDirectory = entries.into();
        let shared = shared_domain(&entries);
        let haystacks: Vec<Utf32String> = (0..entries.len())
            .map(|i| {
                let [name, number, email, _] = entries.fields(i);
                let email = match &shared {
                    Some(domain) => email.strip_suffix(domain.as_str()).unwrap_or(email),
                    None => email,
                };
                Utf32String::from(format!("{name}  {number}  {email}"))
            })
            .collect();
        let masks = haystacks.iter().map(text_mask).collect();
        let mut by_name: Vec<u32> = (0..entries.len() as u32).collect();
        by_name.sort_unstable_by(|&a, &b| entries.name(a as usize).cmp(entries.name(b as usize)).then(a.cmp(&b)));
        let mut name_pos = vec![0u32; entries.len()];
        for (pos, &i) in by_name.iter().enumerate() {
            name_pos[i as usize] = pos as u32;
        }
        let mut by_number: Vec<u32> = (0..entries.len() as u32).collect();
        by_number.sort_unstable_by(|&a, &b| number_order(&entries, a, b));
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_THREADS);
        let mut lower = Vec::new();
        let mut starts = Vec::with_capacity(haystacks.len());
        for h in &haystacks {
            starts.push(lower.len() as u32);
            lower.extend(h.to_string().to_lowercase().replace('\n', " ").into_bytes());
            lower.push(b'\n');
        }
        let mut word_heads = Vec::new();
        let mut word_offsets = Vec::with_capacity(starts.len() + 1);
        for (i, &start) in starts.iter().enumerate() {
            word_offsets.push(word_heads.len() as u32);
            let end = starts.get(i + 1).map_or(lower.len(), |&e| e as usize);
            for word in lower[start as usize..end].split(|b| *b == b' ' || *b == b'\n') {
                if let Some(&a) = word.first() {
                    word_heads.push([a, word.get(1).copied().unwrap_or(0)]);
                }
            }
        }
        word_offsets.push(word_heads.len() as u32);
        ClientIndex {
            word_heads,
            word_offsets,
            lower,
            starts,
            entries,
            haystacks,
            masks,
            name_pos,
            by_name,
            by_number,
            matchers: (0..threads).map(|_| matcher()).collect(),
            history: Vec::new(),
            recent: ClientDirectory::new(),
            recent_index: None,
        }
    }

    /// Takes in a client added or changed at this desk, so lookups find them as they are now
    /// without rebuilding the whole index: they are kept in a small index searched first.
    pub fn upsert(&mut self, c: &crate::domain::client::Client) {
        self.recent.upsert(c);
        self.recent_index = Some(Box::new(ClientIndex::new(self.recent.clone())));
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A student number's bytes, ASCII letters lower-cased (student numbers are ASCII letters and
/// digits: see `StudentNumber::parse`).
pub(super) fn folded(number: &str) -> impl Iterator<Item = u8> + '_ {
    number.bytes().map(|b| b.to_ascii_lowercase())
}

/// Orders entries by student number ignoring case, then by position.
fn number_order(entries: &ClientDirectory, a: u32, b: u32) -> std::cmp::Ordering {
    let key = |i: u32| folded(entries.student_number(i as usize));
    key(a).cmp(key(b)).then(a.cmp(&b))
}

/// The e-mail domain (with its `@`) that most entries share, if at least half do. It is left
/// out of the search text: it matches every short query and tells no one apart.
fn shared_domain(entries: &ClientDirectory) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for i in 0..entries.len() {
        let email = entries.email(i);
        if let Some(at) = email.rfind('@') {
            *counts.entry(&email[at..]).or_default() += 1;
        }
    }
    let (domain, count) = counts.into_iter().max_by_key(|&(d, n)| (n, std::cmp::Reverse(d)))?;
    (count * 2 >= entries.len() && count > 1).then(|| domain.to_string())
}

/// The bit for a letter (either case) or digit; 0 for anything else.
pub(super) fn char_bit(c: char) -> u64 {
    match c.to_ascii_lowercase() {
        l @ 'a'..='z' => 1 << (l as u32 - 'a' as u32),
        d @ '0'..='9' => 1 << (26 + d as u32 - '0' as u32),
        _ => 0,
    }
}

/// The letters and digits in a search text; every bit for non-ASCII text, which matching may
/// normalise (é matches e).
fn text_mask(text: &Utf32String) -> u64 {
    match text {
        Utf32String::Ascii(s) => s.chars().fold(0, |m, c| m | char_bit(c)),
        Utf32String::Unicode(_) => u64::MAX,
    }
}
