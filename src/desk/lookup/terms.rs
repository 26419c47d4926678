//! What the lookup searches: each client's terms (name words, student number, e-mail), and a
//! query's words, folded the same way (lower case, accents off) so "Zoë" is found as "zoe".

/// Folds text for matching: lower case, accents and similar marks removed.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(nucleo_matcher::chars::normalize)
        .collect()
}

/// A client's search terms, folded: every word of the name (and, for a word joined by hyphens
/// or apostrophes, its parts and the word without them), the student number, the whole e-mail
/// and the parts of its local part. Duplicates are left in; the index removes them.
pub fn client_terms(name: &str, student_number: &str, email: &str, out: &mut Vec<String>) {
    for word in fold(name).split(|c: char| c.is_whitespace() || c == ',') {
        word_terms(word, out);
    }
    let number = fold(student_number);
    if !number.is_empty() {
        out.push(number);
    }
    let email = fold(email);
    if let Some((local, _)) = email.split_once('@') {
        for part in local.split(|c: char| !c.is_alphanumeric()) {
            if !part.is_empty() {
                out.push(part.to_string());
            }
        }
    }
    if !email.is_empty() {
        out.push(email);
    }
}

/// A name word's terms: the word, its parts split at hyphens and apostrophes, and the word
/// with those marks taken out ("o'brien": "o'brien", "o", "brien", "obrien").
fn word_terms(word: &str, out: &mut Vec<String>) {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    if word.is_empty() {
        return;
    }
    out.push(word.to_string());
    if word.contains(joiner) {
        for part in word.split(joiner).filter(|p| !p.is_empty()) {
            out.push(part.to_string());
        }
        out.push(word.chars().filter(|c| !joiner(*c)).collect());
    }
}

fn joiner(c: char) -> bool {
    matches!(c, '-' | '\'' | '\u{2019}' | '.')
}

/// A query's words, folded: split at spaces and commas, edge punctuation removed except in an
/// e-mail (which keeps its dots and `@`). At most `max` words; the rest are ignored.
pub fn query_words(query: &str, max: usize) -> Vec<String> {
    fold(query)
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| {
            if w.contains('@') {
                w.trim_matches(|c: char| c.is_whitespace())
            } else {
                w.trim_matches(|c: char| !c.is_alphanumeric())
            }
        })
        .filter(|w| !w.is_empty())
        .take(max)
        .map(str::to_string)
        .collect()
}

/// How many typos a query word may have, the way the search engines people like count them:
/// one from 5 letters, two from 9.
pub fn typos_allowed(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(name: &str, number: &str, email: &str) -> Vec<String> {
        let mut out = Vec::new();
        client_terms(name, number, email, &mut out);
        out
    }

    #[test]
    fn a_client_is_found_by_name_words_parts_number_and_email() {
        assert_eq!(
            terms("Zoë O'Brien-Smith", "AB123", "zoe.obrien7@student.example.ac.uk"),
            [
                "zoe",
                "o'brien-smith",
                "o",
                "brien",
                "smith",
                "obriensmith",
                "ab123",
                "zoe",
                "obrien7",
                "zoe.obrien7@student.example.ac.uk"
            ]
        );
    }

    #[test]
    fn queries_fold_like_terms_and_keep_an_email_whole() {
        assert_eq!(query_words("  Zoë,  O'BRIEN! ", 8), ["zoe", "o'brien"]);
        assert_eq!(query_words("ada.l@student.example", 8), ["ada.l@student.example"]);
        assert_eq!(query_words("a b c d", 2), ["a", "b"]);
        assert!(query_words(" ,, !! ", 8).is_empty());
    }

    #[test]
    fn typos_allowed_follow_word_length() {
        assert_eq!(typos_allowed("smit"), 0);
        assert_eq!(typos_allowed("smith"), 1);
        assert_eq!(typos_allowed("lovelaces"), 2);
        assert_eq!(typos_allowed("zoë12"), 1);
    }
}
