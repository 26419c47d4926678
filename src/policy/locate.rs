//! Maps field paths such as `appointment_types[1].allocation.count` to places in the policy
//! text, and places back to field paths, using the spans `toml_edit` keeps when parsing.

use std::ops::Range;

use toml_edit::{ImDocument, Item, Table, Value};

/// One step of a field path: a key or an index into an array.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `a.b[2].c` into steps; `None` if the path is malformed.
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    if path.is_empty() {
        return Some(out);
    }
    for part in path.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !name.is_empty() {
            out.push(Step::Key(name));
        } else if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let close = rest.find(']')?;
            let index = rest.get(1..close)?.parse().ok()?;
            out.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return None;
            }
        }
    }
    Some(out)
}

/// The 1-based line containing byte `offset` of `text`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a Table),
    Item(&'a Item),
    Value(&'a Value),
}

/// The span of the field at `path`, or of its nearest ancestor that exists (a missing field is
/// placed at its section). `None` if not even the first step exists.
pub fn span_of(doc: &ImDocument<&str>, path: &str) -> Option<Range<usize>> {
    let steps = steps(path)?;
    let mut node = Node::Table(doc.as_table());
    let mut best: Option<Range<usize>> = None;
    for step in steps {
        let next = match (node, step) {
            (Node::Table(t), Step::Key(k)) | (Node::Item(Item::Table(t)), Step::Key(k)) => t
                .get_key_value(k)
                .map(|(key, item)| (key.span().or_else(|| item.span()), Node::Item(item))),
            (Node::Item(Item::Value(Value::InlineTable(t))), Step::Key(k))
            | (Node::Value(Value::InlineTable(t)), Step::Key(k)) => t
                .get_key_value(k)
                .map(|(key, item)| (key.span().or_else(|| item.span()), Node::Item(item))),
            (Node::Item(Item::ArrayOfTables(a)), Step::Index(i)) => a.get(i).map(|t| (t.span(), Node::Table(t))),
            (Node::Item(Item::Value(Value::Array(a))), Step::Index(i))
            | (Node::Value(Value::Array(a)), Step::Index(i)) => a.get(i).map(|v| (v.span(), Node::Value(v))),
            _ => None,
        };
        match next {
            Some((span, n)) => {
                if span.is_some() {
                    best = span;
                }
                node = n;
            }
            None => break,
        }
    }
    best
}

/// The 1-based line of the field at `path` (or of its nearest existing ancestor).
pub fn line_of(doc: &ImDocument<&str>, path: &str) -> Option<usize> {
    span_of(doc, path).map(|s| line_of_offset(doc.raw(), s.start))
}

/// The path of the innermost key or value whose span contains byte `offset`.
pub fn path_at(doc: &ImDocument<&str>, offset: usize) -> Option<String> {
    let mut best = None;
    visit_table(doc.as_table(), "", offset, &mut best);
    best
}

fn hit(span: Option<Range<usize>>, offset: usize) -> bool {
    span.is_some_and(|s| s.contains(&offset) || (s.is_empty() && s.start == offset))
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn visit_table(t: &Table, prefix: &str, offset: usize, best: &mut Option<String>) {
    for (k, item) in t.iter() {
        let path = join(prefix, k);
        if hit(t.key(k).and_then(|key| key.span()), offset) {
            *best = Some(path.clone());
        }
        visit_item(item, &path, offset, best);
    }
}

fn visit_item(item: &Item, path: &str, offset: usize, best: &mut Option<String>) {
    match item {
        Item::Table(t) => {
            if hit(t.span(), offset) {
                *best = Some(path.to_string());
            }
            visit_table(t, path, offset, best);
        }
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                let p = format!("{path}[{i}]");
                if hit(t.span(), offset) {
                    *best = Some(p.clone());
                }
                visit_table(t, &p, offset, best);
            }
        }
        Item::Value(v) => visit_value(v, path, offset, best),
        Item::None => {}
    }
}

fn visit_value(v: &Value, path: &str, offset: usize, best: &mut Option<String>) {
    if hit(v.span(), offset) {
        *best = Some(path.to_string());
    }
    match v {
        Value::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                visit_value(e, &format!("{path}[{i}]"), offset, best);
            }
        }
        Value::InlineTable(t) => {
            for (k, e) in t.iter() {
                let p = join(path, k);
                if hit(t.key(k).and_then(|key| key.span()), offset) {
                    *best = Some(p.clone());
                }
                visit_value(e, &p, offset, best);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# a comment
[institution]
name = "X"
time_zone = "Europe/London"

[[appointment_types]]
id = "guidance"
minutes = 45

[[appointment_types]]
id = "drop-in"
[appointment_types.allocation]
count = 2
period = "7 days"
[appointment_types.eligibility]
levels = ["ug", "pgt"]
inline = { a = 1, b = [3, 4] }
"#;

    fn doc() -> ImDocument<&'static str> {
        ImDocument::parse(TEXT).unwrap()
    }

    #[test]
    fn steps_split_keys_and_indices() {
        assert_eq!(
            steps("a[1].b.c[2][3]").unwrap(),
            vec![
                Step::Key("a"),
                Step::Index(1),
                Step::Key("b"),
                Step::Key("c"),
                Step::Index(2),
                Step::Index(3)
            ]
        );
        assert!(steps("a[x]").is_none());
        assert!(steps("a..b").is_none());
        assert!(steps("a[1]b").is_none());
    }

    #[test]
    fn top_level_keys_map_to_their_lines() {
        let d = doc();
        assert_eq!(line_of(&d, "institution"), Some(2));
        assert_eq!(line_of(&d, "institution.time_zone"), Some(4));
    }

    #[test]
    fn array_of_tables_entries_map_to_their_lines() {
        let d = doc();
        assert_eq!(line_of(&d, "appointment_types[0].minutes"), Some(8));
        assert_eq!(line_of(&d, "appointment_types[1].id"), Some(11));
        assert_eq!(line_of(&d, "appointment_types[1].allocation.count"), Some(13));
        assert_eq!(line_of(&d, "appointment_types[1].eligibility.levels[1]"), Some(16));
        assert_eq!(line_of(&d, "appointment_types[1].eligibility.inline.b[1]"), Some(17));
    }

    #[test]
    fn missing_field_falls_back_to_its_section() {
        let d = doc();
        assert_eq!(line_of(&d, "appointment_types[0].setting"), Some(6));
        assert_eq!(line_of(&d, "institution.academic_year_end"), Some(2));
        assert_eq!(line_of(&d, "retention.years"), None);
    }

    #[test]
    fn path_at_finds_the_innermost_field() {
        let d = doc();
        let at = |needle: &str| path_at(&d, TEXT.find(needle).unwrap());
        assert_eq!(at("time_zone").as_deref(), Some("institution.time_zone"));
        assert_eq!(at("\"Europe").as_deref(), Some("institution.time_zone"));
        assert_eq!(
            at("\"7 days").as_deref(),
            Some("appointment_types[1].allocation.period")
        );
        assert_eq!(
            at("\"pgt").as_deref(),
            Some("appointment_types[1].eligibility.levels[1]")
        );
    }

    #[test]
    fn line_of_offset_counts_newlines() {
        assert_eq!(line_of_offset("a\nb\nc", 0), 1);
        assert_eq!(line_of_offset("a\nb\nc", 2), 2);
        assert_eq!(line_of_offset("a\nb\nc", 99), 3);
    }
}
