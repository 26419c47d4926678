//! Grouped index entries, and reading index trees whatever their layout.
//!
//! sled 0.34 splits a B-tree leaf once it holds 16 entries and keeps one page-table entry per
//! node in memory from the moment the store opens. Millions of small index keys therefore cost
//! memory and start-up time in proportion to their number (measured on a 200,000-client store:
//! 7.3 million keys, 300 MB and 0.45 s just to open). Entries that are read together (a
//! client's appointments, a consultant's week, the slots starting at one time) are stored as
//! one sled value under their shared prefix instead: see [`Layout::Grouped`].
//!
//! A group value is a format byte, then its entries sorted by suffix, each as
//! `suffix length (u8) ++ suffix ++ value length (u8) ++ value`.

use super::index::{IndexTree, Layout};
use super::{show_key, KeyValues, Store, StoreError};

const GROUP_FORMAT: u8 = 1;

/// Why a group value could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum GroupError {
    /// The value does not follow the group format.
    #[error("index group is damaged ({0}); rebuild the indexes with `careerdesk store reindex`")]
    Damaged(&'static str),
    /// An entry's suffix or value is longer than a group can hold.
    #[error("index entry too long for a group ({0} bytes)")]
    TooLong(usize),
}

/// One index entry as `(key, value)`.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// A group's entries as `(suffix, value)`, borrowed from its stored value.
pub(crate) type Entries<'a> = Vec<(&'a [u8], &'a [u8])>;

impl GroupError {
    /// This error as a damaged record: the index tree and the group's key.
    pub(crate) fn at(self, tree: IndexTree, group: &[u8]) -> StoreError {
        StoreError::Corrupt {
            tree: tree.name.into(),
            key: show_key(group),
            reason: self.to_string(),
        }
    }
}

/// The entries of a group value, in suffix order.
pub(crate) fn decode(raw: &[u8]) -> Result<Entries<'_>, GroupError> {
    let (&format, mut rest) = raw.split_first().ok_or(GroupError::Damaged("empty"))?;
    if format != GROUP_FORMAT {
        return Err(GroupError::Damaged("unknown format"));
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (suffix, after) = take(rest)?;
        let (value, after) = take(after)?;
        out.push((suffix, value));
        rest = after;
    }
    Ok(out)
}

fn take(raw: &[u8]) -> Result<(&[u8], &[u8]), GroupError> {
    let (&len, rest) = raw.split_first().ok_or(GroupError::Damaged("truncated"))?;
    if rest.len() < usize::from(len) {
        return Err(GroupError::Damaged("truncated"));
    }
    Ok(rest.split_at(usize::from(len)))
}

/// A group value holding `entries` (which must be in suffix order, without repeats).
pub(crate) fn encode<'a>(entries: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Result<Vec<u8>, GroupError> {
    let mut out = vec![GROUP_FORMAT];
    for (suffix, value) in entries {
        for part in [suffix, value] {
            let len = u8::try_from(part.len()).map_err(|_| GroupError::TooLong(part.len()))?;
            out.push(len);
            out.extend_from_slice(part);
        }
    }
    Ok(out)
}

/// The value stored for `suffix` in a group.
pub(crate) fn lookup<'a>(raw: &'a [u8], suffix: &[u8]) -> Result<Option<&'a [u8]>, GroupError> {
    Ok(decode(raw)?.into_iter().find(|(s, _)| *s == suffix).map(|(_, v)| v))
}

/// The group after setting (`Some`) or removing (`None`) the entry for `suffix`; `None` when
/// the group is left empty (its key should then be removed).
pub(crate) fn with_entry(
    raw: Option<&[u8]>,
    suffix: &[u8],
    value: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, GroupError> {
    let mut entries = match raw {
        Some(raw) => decode(raw)?,
        None => Vec::new(),
    };
    match (entries.binary_search_by(|(s, _)| (*s).cmp(suffix)), value) {
        (Ok(i), Some(v)) => entries[i].1 = v,
        (Ok(i), None) => {
            entries.remove(i);
        }
        (Err(i), Some(v)) => entries.insert(i, (suffix, v)),
        (Err(_), None) => {}
    }
    if entries.is_empty() {
        return Ok(None);
    }
    encode(entries).map(Some)
}

/// Expands sled `(key, value)` items of an index tree into its logical entries, keeping those
/// in `[from, to)`; stops at the first sled key past `to`.
fn expand(
    tree: IndexTree,
    items: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    from: &[u8],
    to: Option<&[u8]>,
) -> Result<KeyValues, StoreError> {
    let mut out = Vec::new();
    for item in items {
        let (k, v) = item?;
        match tree.layout {
            Layout::Single => {
                if to.is_some_and(|to| k.as_ref() >= to) {
                    break;
                }
                out.push((k.to_vec(), v.to_vec()));
            }
            Layout::Grouped(n) => {
                if let Some(to) = to {
                    let t = &to[..n.min(to.len())];
                    // Every key in this group is at or past `to`.
                    if k.as_ref() > t || (k.as_ref() == t && to.len() <= n) {
                        break;
                    }
                }
                let entries = decode(&v).map_err(|e| e.at(tree, &k))?;
                for (suffix, value) in entries {
                    let key = [k.as_ref(), suffix].concat();
                    if key.as_slice() >= from && to.is_none_or(|to| key.as_slice() < to) {
                        out.push((key, value.to_vec()));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The sled key a logical key's group starts at: the key itself, or its first `n` bytes.
fn group_start(tree: IndexTree, key: &[u8]) -> &[u8] {
    match tree.layout {
        Layout::Single => key,
        Layout::Grouped(n) => &key[..n.min(key.len())],
    }
}

impl Store {
    /// Reads an index entry.
    pub fn index_get(&self, tree: IndexTree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let sled_tree = self.tree(tree.name)?;
        match tree.layout {
            Layout::Grouped(n) if key.len() >= n => {
                let (group, suffix) = key.split_at(n);
                let Some(raw) = sled_tree.get(group)? else {
                    return Ok(None);
                };
                lookup(&raw, suffix)
                    .map(|v| v.map(<[u8]>::to_vec))
                    .map_err(|e| e.at(tree, group))
            }
            Layout::Grouped(_) => Ok(None),
            Layout::Single => Ok(sled_tree.get(key)?.map(|v| v.to_vec())),
        }
    }

    /// Index entries under a prefix, in key order.
    pub fn index_prefix(&self, tree: IndexTree, prefix: &[u8]) -> Result<KeyValues, StoreError> {
        let sled_tree = self.tree(tree.name)?;
        let start = group_start(tree, prefix);
        let mut out = expand(tree, sled_tree.scan_prefix(start), prefix, None)?;
        out.retain(|(k, _)| k.starts_with(prefix));
        Ok(out)
    }

    /// The index entry with the greatest key, if the tree holds any.
    pub fn index_last(&self, tree: IndexTree) -> Result<Option<KeyValue>, StoreError> {
        let Some((k, v)) = self.tree(tree.name)?.last()? else {
            return Ok(None);
        };
        match tree.layout {
            Layout::Single => Ok(Some((k.to_vec(), v.to_vec()))),
            Layout::Grouped(_) => {
                let entries = decode(&v).map_err(|e| e.at(tree, &k))?;
                Ok(entries
                    .last()
                    .map(|(suffix, value)| ([k.as_ref(), suffix].concat(), value.to_vec())))
            }
        }
    }

    /// Index entries in a key range `[from, to)`, in key order.
    pub fn index_range(&self, tree: IndexTree, from: &[u8], to: &[u8]) -> Result<KeyValues, StoreError> {
        let sled_tree = self.tree(tree.name)?;
        expand(tree, sled_tree.range(group_start(tree, from)..), from, Some(to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_stay_sorted_and_replace_in_place() {
        let g = with_entry(None, b"m", Some(b"1")).unwrap().unwrap();
        let g = with_entry(Some(&g), b"a", Some(b"")).unwrap().unwrap();
        let g = with_entry(Some(&g), b"z", Some(b"3")).unwrap().unwrap();
        let g = with_entry(Some(&g), b"m", Some(b"2")).unwrap().unwrap();
        let entries = decode(&g).unwrap();
        assert_eq!(entries, vec![(&b"a"[..], &b""[..]), (b"m", b"2"), (b"z", b"3")]);
        assert_eq!(lookup(&g, b"m").unwrap(), Some(&b"2"[..]));
        assert_eq!(lookup(&g, b"q").unwrap(), None);
    }

    #[test]
    fn removing_the_last_entry_empties_the_group() {
        let g = with_entry(None, b"k", Some(b"v")).unwrap().unwrap();
        let g2 = with_entry(Some(&g), b"nope", None).unwrap().unwrap();
        assert_eq!(g, g2);
        assert_eq!(with_entry(Some(&g), b"k", None).unwrap(), None);
    }

    #[test]
    fn a_damaged_group_is_an_error_not_a_panic() {
        assert_eq!(decode(&[]), Err(GroupError::Damaged("empty")));
        assert_eq!(decode(&[9]), Err(GroupError::Damaged("unknown format")));
        assert_eq!(decode(&[GROUP_FORMAT, 5, 1, 2]), Err(GroupError::Damaged("truncated")));
        assert_eq!(decode(&[GROUP_FORMAT, 1, 7]), Err(GroupError::Damaged("truncated")));
        assert!(with_entry(Some(&[GROUP_FORMAT, 200]), b"k", Some(b"v")).is_err());
    }

    /// Random sets and removals through commits, on a grouped and a one-key-per-entry tree,
    /// read back by key, prefix and range and compared with a plain ordered map.
    #[test]
    fn grouped_and_single_trees_read_like_an_ordered_map() {
        use crate::domain::ids::OperatorId;
        use crate::store::WriteSet;
        use std::collections::BTreeMap;

        let (_tmp, store) = crate::store::temp_store();
        let now = chrono::Utc::now();
        let trees = [
            IndexTree {
                name: "idx_model_grouped",
                layout: Layout::Grouped(2),
            },
            IndexTree {
                name: "idx_model_single",
                layout: Layout::Single,
            },
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        // Keys are 3 to 5 bytes; bounds and prefixes 0 to 5, shorter and longer than a group's.
        let random_key = |next: &mut dyn FnMut(u64) -> u64, min: u64| -> Vec<u8> {
            let len = min + next(6 - min);
            (0..len).map(|_| b"abc"[next(3) as usize]).collect()
        };
        for _ in 0..300 {
            let mut ws = WriteSet::new();
            let mut changes = Vec::new();
            for _ in 0..1 + next(4) {
                let key = random_key(&mut next, 3);
                let value = (next(2) == 0).then(|| vec![next(250) as u8; next(3) as usize]);
                changes.push((key, value));
            }
            for (key, value) in &changes {
                for t in trees {
                    match value {
                        Some(v) => ws.index(t, key.clone(), v.clone()),
                        None => ws.unindex(t, key.clone()),
                    }
                }
            }
            store.commit(OperatorId::new_at(0), ws, now).unwrap();
            for (key, value) in changes {
                match value {
                    Some(v) => model.insert(key, v),
                    None => model.remove(&key),
                };
            }
        }
        let all: Vec<(Vec<u8>, Vec<u8>)> = model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert!(all.len() > 20, "the model holds {} entries", all.len());
        for t in trees {
            assert_eq!(store.index_prefix(t, &[]).unwrap(), all, "{}", t.name);
            for _ in 0..200 {
                let key = random_key(&mut next, 3);
                assert_eq!(
                    store.index_get(t, &key).unwrap().as_ref(),
                    model.get(&key),
                    "{}",
                    t.name
                );
                let prefix = random_key(&mut next, 0);
                let want: Vec<_> = all.iter().filter(|(k, _)| k.starts_with(&prefix)).cloned().collect();
                assert_eq!(
                    store.index_prefix(t, &prefix).unwrap(),
                    want,
                    "{} prefix {prefix:?}",
                    t.name
                );
                let (a, b) = (random_key(&mut next, 0), random_key(&mut next, 0));
                let (from, to) = if a <= b { (a, b) } else { (b, a) };
                let want: Vec<_> = all
                    .iter()
                    .filter(|(k, _)| k.as_slice() >= from.as_slice() && k.as_slice() < to.as_slice())
                    .cloned()
                    .collect();
                assert_eq!(
                    store.index_range(t, &from, &to).unwrap(),
                    want,
                    "{} {from:?}..{to:?}",
                    t.name
                );
            }
        }
    }

    #[test]
    fn an_entry_too_long_for_a_group_is_refused() {
        let long = vec![0u8; 300];
        assert_eq!(with_entry(None, &long, Some(b"")), Err(GroupError::TooLong(300)));
    }
}
