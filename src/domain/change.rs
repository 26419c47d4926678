//! The change log's record types: hybrid logical clock timestamps and field-level operations.
//!
//! Every change made through the service layer is appended as an [`Op`]. Ops carry the changed
//! fields one by one (JSON-encoded values keyed by field name) so that sync can merge two
//! replicas' edits to different fields of one record, last-writer-wins per field by [`Hlc`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids::{DeviceId, OperatorId};
use super::RecordRef;

/// A hybrid logical clock timestamp: wall time in ms, a counter, and the device to break ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hlc {
    /// Physical part, milliseconds since the epoch.
    pub wall_ms: u64,
    /// Logical counter within one millisecond.
    pub counter: u32,
    /// The device that issued it.
    pub device: DeviceId,
}

impl Hlc {
    /// The next timestamp for a local event, given the last one issued and the wall clock.
    pub fn tick(last: Option<Hlc>, now_ms: u64, device: DeviceId) -> Hlc {
        match last {
            Some(l) if l.wall_ms >= now_ms => Hlc {
                wall_ms: l.wall_ms,
                counter: l.counter.saturating_add(1),
                device,
            },
            _ => Hlc {
                wall_ms: now_ms,
                counter: 0,
                device,
            },
        }
    }

    /// The next timestamp after receiving `remote`; `None` when `remote` is further ahead of
    /// the wall clock than `max_drift_ms` (such clocks are refused).
    pub fn observe(last: Option<Hlc>, remote: Hlc, now_ms: u64, device: DeviceId, max_drift_ms: u64) -> Option<Hlc> {
        if remote.wall_ms > now_ms.saturating_add(max_drift_ms) {
            return None;
        }
        let last_wall = last.map_or(0, |l| l.wall_ms);
        let wall = now_ms.max(last_wall).max(remote.wall_ms);
        let counter = match (wall == last_wall, wall == remote.wall_ms) {
            (true, true) => last.map_or(0, |l| l.counter).max(remote.counter).saturating_add(1),
            (true, false) => last.map_or(0, |l| l.counter).saturating_add(1),
            (false, true) => remote.counter.saturating_add(1),
            (false, false) => 0,
        };
        Some(Hlc {
            wall_ms: wall,
            counter,
            device,
        })
    }
}

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// Created, with every field.
    Create {
        /// The record.
        record: RecordRef,
        /// The record's layout version the fields are written in (0: not recorded, an op
        /// written before changes carried it).
        format: u8,
        /// Field name -> JSON value.
        fields: BTreeMap<String, String>,
    },
    /// Changed: only the fields that differ.
    Update {
        /// The record.
        record: RecordRef,
        /// The record's layout version (0: not recorded).
        format: u8,
        /// Field name -> new JSON value.
        fields: BTreeMap<String, String>,
        /// For the fields that are sets (flags, tags, audiences, a note's revisions): the
        /// elements added and removed, so two desks' edits of one set both survive a merge.
        sets: BTreeMap<String, SetEdit>,
    },
    /// Removed.
    Delete {
        /// The record.
        record: RecordRef,
    },
    /// A change to a record of a client who has since been erased: that it happened is kept,
    /// what it changed can no longer be read (DATA-05).
    Erased {
        /// The record.
        record: RecordRef,
    },
}

impl Change {
    /// The record the change is about.
    pub fn record(&self) -> RecordRef {
        match self {
            Change::Create { record, .. }
            | Change::Update { record, .. }
            | Change::Delete { record }
            | Change::Erased { record } => *record,
        }
    }
}

/// What one change did to a field that is a set: elements as JSON text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetEdit {
    /// Elements put in.
    pub added: Vec<String>,
    /// Elements taken out.
    pub removed: Vec<String>,
}

/// How a record type is written as fields: its layout version and which of its fields are sets.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// The layout version.
    pub format: u8,
    /// Fields merged element by element.
    pub set_fields: &'static [&'static str],
}

/// One entry in the op log: the unit sync pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// Device that made the change.
    pub device: DeviceId,
    /// Dense per-device sequence number, from 1.
    pub seq: u64,
    /// Timestamp for field-level last-writer-wins.
    pub hlc: Hlc,
    /// The operator who made it.
    pub operator: OperatorId,
    /// The changes, applied together.
    pub changes: Vec<Change>,
}

/// A record's top-level fields as JSON text, for field-level diffs.
///
/// The record is written as JSON once and cut at its top-level fields, rather than built as a
/// tree of JSON values and each field written again: every commit diffs its records, and the
/// tree cost a tenth of a booking's time (decision 0021).
pub fn fields_of<T: Serialize>(value: &T) -> Result<BTreeMap<String, String>, serde_json::Error> {
    let text = serde_json::to_string(value)?;
    if !text.starts_with('{') {
        return Ok(BTreeMap::from([(String::new(), text)]));
    }
    let fields: BTreeMap<String, &serde_json::value::RawValue> = serde_json::from_str(&text)?;
    Ok(fields.into_iter().map(|(k, v)| (k, v.get().to_owned())).collect())
}

/// The elements of a set field's JSON value, each as JSON text (none when it is no array).
pub fn set_elements(json: &str) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Array(items)) => items.iter().map(|v| v.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The change between two versions of a record: `Create` with no old version, else the
/// fields whose values differ (`None` when nothing changed), with each changed set field's
/// additions and removals. A record that cannot be written as fields is an error, never an
/// empty or made-up change.
pub fn diff<T: Serialize>(
    record: RecordRef,
    shape: Shape,
    old: Option<&T>,
    new: &T,
) -> Result<Option<Change>, serde_json::Error> {
    let new_fields = fields_of(new)?;
    let format = shape.format;
    Ok(match old {
        None => Some(Change::Create {
            record,
            format,
            fields: new_fields,
        }),
        Some(old) => {
            let old_fields = fields_of(old)?;
            let fields: BTreeMap<String, String> = new_fields
                .into_iter()
                .filter(|(k, v)| old_fields.get(k) != Some(v))
                .collect();
            let mut sets = BTreeMap::new();
            for (name, value) in fields.iter().filter(|(k, _)| shape.set_fields.contains(&k.as_str())) {
                let before = old_fields.get(name).map(|v| set_elements(v)).unwrap_or_default();
                let after = set_elements(value);
                let edit = SetEdit {
                    added: after.iter().filter(|e| !before.contains(e)).cloned().collect(),
                    removed: before.iter().filter(|e| !after.contains(e)).cloned().collect(),
                };
                sets.insert(name.clone(), edit);
            }
            (!fields.is_empty()).then_some(Change::Update {
                record,
                format,
                fields,
                sets,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EntityKind;

    const D1: DeviceId = DeviceId(1);
    const D2: DeviceId = DeviceId(2);

    /// The fields as a tree of JSON values gives them: what every op written before held.
    fn fields_as_values<T: Serialize>(value: &T) -> BTreeMap<String, String> {
        match serde_json::to_value(value).expect("a value") {
            serde_json::Value::Object(map) => map.into_iter().map(|(k, v)| (k, v.to_string())).collect(),
            other => BTreeMap::from([(String::new(), other.to_string())]),
        }
    }

    #[test]
    fn fields_of_writes_each_field_as_the_json_value_tree_did() {
        #[derive(Serialize)]
        struct Inner {
            b: f64,
            a: Option<u32>,
        }
        #[derive(Serialize)]
        struct Record {
            name: String,
            tags: Vec<String>,
            inner: Inner,
            map: BTreeMap<u32, String>,
            none: Option<String>,
            big: u64,
            neg: i64,
            unit: (),
        }
        let r = Record {
            name: "Zoë \"Q\" O'Neil\n\u{1F600}\\".into(),
            tags: vec!["a".into(), "b,c".into()],
            inner: Inner {
                b: 0.1 + 0.2,
                a: Some(7),
            },
            map: BTreeMap::from([(2, "two".into()), (10, "ten".into())]),
            none: None,
            big: u64::MAX,
            neg: -42,
            unit: (),
        };
        let fields = fields_of(&r).expect("fields");
        assert_eq!(fields, fields_as_values(&r));
        assert_eq!(fields["inner"], r#"{"b":0.30000000000000004,"a":7}"#);
        assert_eq!(fields.len(), 8);
        // Something that is no object is one field with no name.
        assert_eq!(fields_of(&vec![1, 2]).expect("a list"), fields_as_values(&vec![1, 2]));
        assert_eq!(fields_of(&"text").expect("a string")[""], r#""text""#);
    }

    #[test]
    fn hlc_is_monotonic_when_the_wall_clock_goes_back() {
        let a = Hlc::tick(None, 1_000, D1);
        let b = Hlc::tick(Some(a), 900, D1);
        assert!(b > a);
        let c = Hlc::tick(Some(b), 2_000, D1);
        assert!(c > b && c.counter == 0);
    }

    #[test]
    fn hlc_observe_moves_past_remote_and_refuses_far_future() {
        let local = Hlc::tick(None, 1_000, D1);
        let remote = Hlc {
            wall_ms: 1_500,
            counter: 4,
            device: D2,
        };
        let next = Hlc::observe(Some(local), remote, 1_200, D1, 60_000).unwrap();
        assert!(next > remote && next > local);
        let far = Hlc {
            wall_ms: 10_000_000,
            counter: 0,
            device: D2,
        };
        assert!(Hlc::observe(Some(local), far, 1_200, D1, 60_000).is_none());
    }

    #[derive(Serialize)]
    struct R {
        a: u32,
        b: String,
    }

    #[test]
    fn diff_names_only_changed_fields() {
        let rec = RecordRef {
            kind: EntityKind::Client,
            id: 7,
        };
        let old = R { a: 1, b: "x".into() };
        let new = R { a: 1, b: "y".into() };
        let shape = Shape {
            format: 1,
            set_fields: &[],
        };
        match diff(rec, shape, Some(&old), &new).unwrap() {
            Some(Change::Update { fields, .. }) => {
                assert_eq!(fields.len(), 1);
                assert_eq!(fields.get("b").map(String::as_str), Some("\"y\""));
            }
            other => panic!("expected an update, got {other:?}"),
        }
        assert!(diff(rec, shape, Some(&old), &old).unwrap().is_none());
        assert!(
            matches!(diff(rec, shape, None, &new).unwrap(), Some(Change::Create { fields, .. }) if fields.len() == 2)
        );
    }

    #[derive(Serialize)]
    struct Tagged {
        tags: Vec<String>,
    }

    #[test]
    fn a_set_field_s_change_names_what_was_added_and_removed() {
        let rec = RecordRef {
            kind: EntityKind::Employer,
            id: 3,
        };
        let shape = Shape {
            format: 2,
            set_fields: &["tags"],
        };
        let old = Tagged {
            tags: vec!["a".into(), "b".into()],
        };
        let new = Tagged {
            tags: vec!["b".into(), "c".into()],
        };
        let Some(Change::Update { sets, format, .. }) = diff(rec, shape, Some(&old), &new).unwrap() else {
            panic!("expected an update");
        };
        assert_eq!(format, 2);
        assert_eq!(sets["tags"].added, vec!["\"c\"".to_string()]);
        assert_eq!(sets["tags"].removed, vec!["\"a\"".to_string()]);
    }
}
