//! Merging another desk's change into a record: the rules alone, on fields as JSON text, so
//! they are tested without a store. Each field keeps the clock of its last writer and the
//! later clock wins (the [`Hlc`] order breaks ties by device); a set field merges element by
//! element, each element with its own clock, so two desks' additions both survive and a
//! removal is kept; a delete beats every update, before or after it. The result depends only
//! on which changes were merged, never on the order they arrived in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::change::{set_elements, Change, Hlc, SetEdit};

/// The clocks of one record's fields, as this desk last wrote or merged them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldClocks {
    /// When the record was made: the clock of every field not named in `fields`.
    pub base: Option<Hlc>,
    /// The fields written since it was made.
    pub fields: BTreeMap<String, Hlc>,
    /// A set field's elements added or removed since: (field, [`element_key`]) -> clock.
    pub elements: BTreeMap<(String, String), Hlc>,
    /// When the record was removed; nothing is merged into it after.
    pub deleted: Option<Hlc>,
}

impl FieldClocks {
    /// The clock of a field's value.
    pub fn field(&self, name: &str) -> Option<Hlc> {
        self.fields.get(name).copied().or(self.base)
    }

    /// The clock of one element of a set field: its own, else the field's (its last write as
    /// one value, or the record's making).
    fn element(&self, field: &str, element: &str) -> Option<Hlc> {
        self.elements
            .get(&(field.to_string(), element_key(element)))
            .copied()
            .or_else(|| self.field(field))
    }

    /// Notes a change this desk made (every field it names was written at `at`).
    pub fn record_local(&mut self, change: &Change, at: Hlc) {
        match change {
            Change::Create { .. } => {
                self.base = Some(self.base.map_or(at, |b| b.max(at)));
            }
            Change::Update { fields, sets, .. } => {
                // A set field edited element by element keeps its clocks on the elements, so an
                // element another desk added unseen is not taken as older than this edit.
                for name in fields.keys().filter(|n| !sets.contains_key(*n)) {
                    bump(self.fields.entry(name.clone()).or_insert(at), at);
                }
                for (name, edit) in sets {
                    for e in edit.added.iter().chain(&edit.removed) {
                        bump(self.elements.entry((name.clone(), element_key(e))).or_insert(at), at);
                    }
                }
            }
            // Only the tombstone is kept: nothing more is merged into a removed record.
            Change::Delete { .. } => {
                *self = FieldClocks {
                    deleted: Some(self.deleted.map_or(at, |d| d.max(at))),
                    ..Default::default()
                }
            }
            Change::Erased { .. } => {}
        }
    }
}

/// What names a set's element among the clocks: a digest, so the clocks never hold what the
/// element says (a note's revision, a flag's reason).
pub fn element_key(element: &str) -> String {
    let digest = blake3::hash(element.as_bytes());
    digest.as_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn bump(slot: &mut Hlc, at: Hlc) {
    if at > *slot {
        *slot = at;
    }
}

/// Why a change was not merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// The record was removed here: a delete beats any change.
    Deleted,
    /// The record is not here (made on a desk whose change never came, or of an erased client).
    Missing,
    /// Every field it names was written here later.
    Older,
    /// Its content was erased (DATA-05).
    Erased,
}

/// What merging one change comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Write the record with these fields and these clocks.
    Write {
        /// Every field of the record after the merge, as JSON text.
        fields: BTreeMap<String, String>,
        /// The record's clocks after the merge.
        clocks: FieldClocks,
        /// Set fields that both desks changed without seeing the other's change.
        concurrent: Vec<String>,
    },
    /// Remove the record, keeping these clocks (its tombstone).
    Remove(FieldClocks),
    /// Leave the record as it is.
    Skip(Skipped),
}

/// Merges `change`, made at `at` on another desk, into a record held here as `local` (its
/// fields) with `clocks`; `set_fields` names the record's set fields.
pub fn merge(
    local: Option<&BTreeMap<String, String>>,
    clocks: &FieldClocks,
    change: &Change,
    at: Hlc,
    set_fields: &[&str],
) -> Merged {
    if clocks.deleted.is_some() {
        return Merged::Skip(Skipped::Deleted);
    }
    match (change, local) {
        (Change::Erased { .. }, _) => Merged::Skip(Skipped::Erased),
        (Change::Delete { .. }, _) => {
            let mut clocks = clocks.clone();
            clocks.record_local(change, at);
            Merged::Remove(clocks)
        }
        (Change::Create { fields, .. }, None) => {
            let mut clocks = clocks.clone();
            clocks.base = Some(at);
            Merged::Write {
                fields: fields.clone(),
                clocks,
                concurrent: Vec::new(),
            }
        }
        (Change::Update { .. }, None) => Merged::Skip(Skipped::Missing),
        (Change::Create { fields, .. }, Some(local)) => {
            merge_fields(local, clocks, fields, &BTreeMap::new(), at, set_fields)
        }
        (Change::Update { fields, sets, .. }, Some(local)) => merge_fields(local, clocks, fields, sets, at, set_fields),
    }
}

fn merge_fields(
    local: &BTreeMap<String, String>,
    clocks: &FieldClocks,
    fields: &BTreeMap<String, String>,
    sets: &BTreeMap<String, SetEdit>,
    at: Hlc,
    set_fields: &[&str],
) -> Merged {
    let mut out = local.clone();
    let mut clocks_out = clocks.clone();
    let mut concurrent = Vec::new();
    let mut changed = false;
    for (name, value) in fields {
        match sets.get(name) {
            Some(edit) if set_fields.contains(&name.as_str()) => {
                let here = local.get(name).map(|v| set_elements(v)).unwrap_or_default();
                let mut kept: Vec<String> = here.clone();
                for e in &edit.removed {
                    if Some(at) > clocks.element(name, e) {
                        kept.retain(|k| k != e);
                        clocks_out.elements.insert((name.clone(), element_key(e)), at);
                    }
                }
                for e in &edit.added {
                    if Some(at) > clocks.element(name, e) {
                        if !kept.contains(e) {
                            kept.push(e.clone());
                        }
                        clocks_out.elements.insert((name.clone(), element_key(e)), at);
                    }
                }
                // Elements here that the other desk neither had nor removed: it changed the
                // set without seeing them.
                let theirs = set_elements(value);
                if here.iter().any(|e| !theirs.contains(e) && !edit.removed.contains(e)) {
                    concurrent.push(name.clone());
                }
                if kept != here {
                    out.insert(name.clone(), format!("[{}]", kept.join(",")));
                    changed = true;
                }
            }
            _ => {
                if Some(at) > clocks.field(name) {
                    if local.get(name) != Some(value) {
                        changed = true;
                    }
                    out.insert(name.clone(), value.clone());
                    clocks_out.fields.insert(name.clone(), at);
                }
            }
        }
    }
    // The same value written later still moves the field's clock: a desk that kept the older
    // clock would let a change made between the two win here and lose everywhere else.
    if !changed && clocks_out == *clocks {
        return Merged::Skip(Skipped::Older);
    }
    Merged::Write {
        fields: out,
        clocks: clocks_out,
        concurrent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::DeviceId;
    use crate::domain::{EntityKind, RecordRef};

    const R: RecordRef = RecordRef {
        kind: EntityKind::Client,
        id: 9,
    };

    fn at(ms: u64, device: u128) -> Hlc {
        Hlc {
            wall_ms: ms,
            counter: 0,
            device: DeviceId(device),
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn update(pairs: &[(&str, &str)], sets: &[(&str, &[&str], &[&str])]) -> Change {
        Change::Update {
            record: R,
            format: 1,
            fields: fields(pairs),
            sets: sets
                .iter()
                .map(|(n, a, r)| {
                    (
                        n.to_string(),
                        SetEdit {
                            added: a.iter().map(|s| s.to_string()).collect(),
                            removed: r.iter().map(|s| s.to_string()).collect(),
                        },
                    )
                })
                .collect(),
        }
    }

    fn made_at(ms: u64) -> FieldClocks {
        FieldClocks {
            base: Some(at(ms, 1)),
            ..Default::default()
        }
    }

    #[test]
    fn the_later_writer_of_a_field_wins_and_other_fields_are_kept() {
        // Made at 10 as Ada, a@x; the e-mail changed here to b@x at 30.
        let mut clocks = made_at(10);
        clocks.record_local(&update(&[("email", "\"b@x\"")], &[]), at(30, 1));
        let local = fields(&[("name", "\"Ada\""), ("email", "\"b@x\"")]);
        // The other desk changed the name at 20 and the e-mail at 20: the name is theirs,
        // the e-mail (written here at 30) stays.
        let change = update(&[("name", "\"Ann\""), ("email", "\"c@x\"")], &[]);
        let Merged::Write {
            fields: out, clocks, ..
        } = merge(Some(&local), &clocks, &change, at(20, 2), &[])
        else {
            panic!("expected a write");
        };
        assert_eq!(out["name"], "\"Ann\"");
        assert_eq!(out["email"], "\"b@x\"");
        assert_eq!(clocks.field("name"), Some(at(20, 2)));
        assert_eq!(clocks.field("email"), Some(at(30, 1)));
    }

    #[test]
    fn one_millisecond_ties_are_broken_by_device_the_same_way_everywhere() {
        let local = fields(&[("name", "\"Ada\"")]);
        let mut clocks = made_at(1);
        clocks.record_local(&update(&[("name", "\"Ada\"")], &[]), at(50, 1));
        let theirs = update(&[("name", "\"Ann\"")], &[]);
        assert!(matches!(
            merge(Some(&local), &clocks, &theirs, at(50, 2), &[]),
            Merged::Write { .. }
        ));
        let mut clocks2 = made_at(1);
        clocks2.record_local(&theirs, at(50, 2));
        assert_eq!(
            merge(
                Some(&local),
                &clocks2,
                &update(&[("name", "\"Ada\"")], &[]),
                at(50, 1),
                &[]
            ),
            Merged::Skip(Skipped::Older)
        );
    }

    #[test]
    fn the_same_value_written_later_moves_the_clock_so_an_edit_between_loses_on_every_desk() {
        // Here the e-mail is "a" from our own edit at 10; another desk wrote "a" again at 30.
        let local = fields(&[("email", "\"a\"")]);
        let mut clocks = made_at(1);
        clocks.record_local(&update(&[("email", "\"a\"")], &[]), at(10, 1));
        let Merged::Write {
            fields: out, clocks, ..
        } = merge(
            Some(&local),
            &clocks,
            &update(&[("email", "\"a\"")], &[]),
            at(30, 2),
            &[],
        )
        else {
            panic!("the later clock must be kept");
        };
        assert_eq!(out, local, "the value is as it was");
        // A third desk's "b" made at 20 arrives last: older than 30, it loses, as it does on
        // the desk that merged "a" at 30 over its own "b".
        assert_eq!(
            merge(Some(&out), &clocks, &update(&[("email", "\"b\"")], &[]), at(20, 3), &[]),
            Merged::Skip(Skipped::Older)
        );
    }

    #[test]
    fn a_delete_beats_an_update_made_after_it_and_one_made_before() {
        let local = fields(&[("name", "\"Ada\"")]);
        let clocks = made_at(1);
        let Merged::Remove(tomb) = merge(Some(&local), &clocks, &Change::Delete { record: R }, at(5, 2), &[]) else {
            panic!("expected a removal");
        };
        let later = update(&[("name", "\"Ann\"")], &[]);
        assert_eq!(
            merge(None, &tomb, &later, at(99, 1), &[]),
            Merged::Skip(Skipped::Deleted)
        );
        let created_again = Change::Create {
            record: R,
            format: 1,
            fields: local.clone(),
        };
        assert_eq!(
            merge(None, &tomb, &created_again, at(99, 1), &[]),
            Merged::Skip(Skipped::Deleted)
        );
    }

    #[test]
    fn two_desks_additions_to_one_set_both_survive_and_a_later_removal_is_kept() {
        // Both desks hold tags ["a"]; here "b" was added at 20; there "c" at 30.
        let here = fields(&[("tags", "[\"a\",\"b\"]")]);
        let mut clocks = made_at(1);
        clocks.record_local(
            &update(&[("tags", "[\"a\",\"b\"]")], &[("tags", &["\"b\""], &[])]),
            at(20, 1),
        );
        let theirs = update(&[("tags", "[\"a\",\"c\"]")], &[("tags", &["\"c\""], &[])]);
        let Merged::Write {
            fields: out,
            clocks,
            concurrent,
        } = merge(Some(&here), &clocks, &theirs, at(30, 2), &["tags"])
        else {
            panic!("expected a write");
        };
        assert_eq!(set_elements(&out["tags"]), vec!["\"a\"", "\"b\"", "\"c\""]);
        assert_eq!(concurrent, vec!["tags".to_string()], "each desk changed it unseen");
        // A removal of "b" made at 10, before "b" was added here at 20, loses.
        let stale = update(&[("tags", "[\"a\"]")], &[("tags", &[], &["\"b\""])]);
        let merged = merge(Some(&out), &clocks, &stale, at(10, 3), &["tags"]);
        assert_eq!(merged, Merged::Skip(Skipped::Older));
        // One made at 40 wins.
        let removal = update(&[("tags", "[\"a\",\"c\"]")], &[("tags", &[], &["\"b\""])]);
        let Merged::Write { fields: out, .. } = merge(Some(&out), &clocks, &removal, at(40, 3), &["tags"]) else {
            panic!("expected a write");
        };
        assert_eq!(set_elements(&out["tags"]), vec!["\"a\"", "\"c\""]);
    }

    #[test]
    fn a_change_merged_twice_changes_nothing_the_second_time() {
        let local = fields(&[("name", "\"Ada\"")]);
        let clocks = made_at(1);
        let change = update(&[("name", "\"Ann\"")], &[]);
        let Merged::Write {
            fields: out, clocks, ..
        } = merge(Some(&local), &clocks, &change, at(7, 2), &[])
        else {
            panic!("expected a write");
        };
        assert_eq!(
            merge(Some(&out), &clocks, &change, at(7, 2), &[]),
            Merged::Skip(Skipped::Older)
        );
    }

    #[test]
    fn an_update_of_a_record_not_held_is_skipped_as_missing() {
        let change = update(&[("name", "\"Ann\"")], &[]);
        assert_eq!(
            merge(None, &FieldClocks::default(), &change, at(7, 2), &[]),
            Merged::Skip(Skipped::Missing)
        );
    }
}
