//! Re-sealing and key rotation (DATA-05): records about a client written before per-client
//! keys (sealed with the institution key) are re-sealed under the client's key by `store
//! reseal`, and `store rotate-keys` gives clients' keys a new generation; in both cases a later
//! erasure leaves nothing readable, and the store and its audit chain check clean.

mod common;

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use careerdesk::desk::NewClient;
use careerdesk::domain::audit::{AuditAction, AuditEntry};
use careerdesk::domain::change::{Change, Hlc};
use careerdesk::domain::ids::{AuditId, DeviceId, OperatorId};
use careerdesk::domain::operator::Role;
use careerdesk::domain::records::AttachmentKind;
use careerdesk::domain::EntityKind;
use careerdesk::domain::RecordRef;
use careerdesk::paths::Paths;
use careerdesk::store::codec;
use careerdesk::store::crypto::{KeyRef, KeyRing, KeySlot, SubjectKey, WRAPPED_SUBJECT_KEY};
use common::{add, new_client, World, ADMIN_PASSWORD};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

const NAME: &str = "Zyqcanaryname Person";
const MAIL: &str = "zyqcanarymail@student.example.ac.uk";
const NOTE: &str = "zyqcanarynote: talked about applying for a placement";
const ENQUIRY: &str = "zyqcanaryenquiry: asked by e-mail about a placement";
const FILE_NAME: &str = "zyqcanaryfile.pdf";
const FILE_BYTES: &[u8] = b"%PDF placement applications";
const AUDITED: &str = "zyqcanaryaudit: a file named after the student was removed";
const CANARIES: [&[u8]; 6] = [
    b"zyqcanaryname",
    b"zyqcanarymail",
    b"zyqcanarynote",
    b"zyqcanaryenquiry",
    b"zyqcanaryfile",
    b"zyqcanaryaudit",
];

fn holds_canary(bytes: &[u8]) -> Option<&'static str> {
    CANARIES
        .iter()
        .find(|c| bytes.windows(c.len()).any(|w| w == **c))
        .map(|c| std::str::from_utf8(c).unwrap_or("?"))
}

/// A change as op format 1 wrote it (mirrors `store/op_formats.rs`).
#[derive(serde::Serialize)]
enum ChangeV1 {
    Create {
        record: RecordRef,
        fields: std::collections::BTreeMap<String, String>,
    },
    Update {
        record: RecordRef,
        fields: std::collections::BTreeMap<String, String>,
    },
    Delete {
        record: RecordRef,
    },
    Erased {
        record: RecordRef,
    },
}

impl From<Change> for ChangeV1 {
    fn from(c: Change) -> ChangeV1 {
        match c {
            Change::Create { record, fields, .. } => ChangeV1::Create { record, fields },
            Change::Update { record, fields, .. } => ChangeV1::Update { record, fields },
            Change::Delete { record } => ChangeV1::Delete { record },
            Change::Erased { record } => ChangeV1::Erased { record },
        }
    }
}

/// An op as format 1 wrote it, whole.
#[derive(serde::Serialize)]
struct OpV1 {
    device: DeviceId,
    seq: u64,
    hlc: Hlc,
    operator: OperatorId,
    changes: Vec<ChangeV1>,
}

/// An op as format 4 stores it (mirrors `store/oplog.rs`).
#[derive(serde::Serialize, serde::Deserialize)]
enum StoredChange {
    Open(Change),
    Sealed {
        record: RecordRef,
        subject: u128,
        sealed: Vec<u8>,
    },
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredOp {
    device: DeviceId,
    seq: u64,
    hlc: Hlc,
    operator: OperatorId,
    changes: Vec<StoredChange>,
    policy_version: u32,
}

/// A store with one client (canaries in their name, e-mail, a note and an enquiry) and one
/// other client; returns the world, the data folder's paths and the canary client's id.
fn world() -> (World, Paths, u128) {
    let w = World::new(
        common::at(2026, 11, 16, 9, 0),
        &[("cons1", Role::Consultant)],
        &[("10000001", "Kept Person")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    let client = add(
        &w.admin,
        &NewClient {
            name: NAME.into(),
            email: MAIL.into(),
            ..new_client("10000009", "x")
        },
    )
    .unwrap();
    w.slot("cons1", "guidance", "2026-11-18 10:00");
    let booked = w
        .book_with(&w.admin, "10000009", "guidance", "2026-11-18 10:00", None)
        .unwrap();
    w.as_("cons1").write_note(client.id, Some(booked.id), NOTE).unwrap();
    w.admin
        .add_enquiry(&careerdesk::desk::NewEnquiry {
            channel: careerdesk::domain::enquiry::EnquiryChannel::Email,
            client: Some(common::sn("10000009")),
            summary: "a placement question".into(),
            body: Some(ENQUIRY.into()),
        })
        .unwrap();
    w.admin.store().flush().unwrap();
    (w, paths, client.id.0)
}

/// Makes a closed store look as one written before per-client keys did: every value sealed
/// with `client`'s key (records, op-log changes, audit entries) sealed with the institution key
/// instead, ops in format 1, the client's key gone from the key file, and the audit chain
/// unmade (an older store's entries are linked at its next unlock).
fn seal_like_before_client_keys(store: &Path, client: u128) {
    let db = common::raw_sled(store);
    let raw_slot = db.open_tree("key_slots").unwrap().get("admin").unwrap().unwrap();
    let slot: KeySlot = codec::decode_body(&raw_slot[1..]).unwrap();
    let ring = KeyRing::new(slot.unwrap_key(ADMIN_PASSWORD).unwrap());
    // Find and remove the client's key in the slot file.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(store.join("subject-keys"))
        .unwrap();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    let (n, raw) = bytes[16..]
        .chunks_exact(96)
        .enumerate()
        .find(|(_, s)| s[..16] == client.to_be_bytes())
        .expect("the client has a key");
    let generation = u32::from_be_bytes(raw[16..20].try_into().unwrap());
    let wrapped: [u8; WRAPPED_SUBJECT_KEY] = raw[20..20 + WRAPPED_SUBJECT_KEY].try_into().unwrap();
    let key: SubjectKey = ring.unwrap_subject_key(client, generation, &wrapped).unwrap();
    let mine = |v: &[u8]| matches!(KeyRef::of(v), Ok((KeyRef::Subject { id, .. }, _)) if id == client);
    let mut changed = 0;
    for name in db.tree_names() {
        let tree = db.open_tree(&name).unwrap();
        let name = String::from_utf8_lossy(&name).into_owned();
        for item in tree.iter() {
            let (k, v) = item.unwrap();
            if name == "oplog" {
                let plain = ring.open("oplog", &k, &v).unwrap();
                if plain[0] != 4 {
                    continue;
                }
                let stored: StoredOp = codec::decode_body(&plain[1..]).unwrap();
                let sealed_for = |id: Option<u128>| {
                    stored.changes.iter().any(
                        |c| matches!(c, StoredChange::Sealed { subject, .. } if id.is_none_or(|id| *subject != id)),
                    )
                };
                // Ops about this client only (others keep their clients' keys).
                if !sealed_for(None) || sealed_for(Some(client)) {
                    continue;
                }
                let seq = stored.seq;
                let changes = stored
                    .changes
                    .into_iter()
                    .enumerate()
                    .map(|(n, c)| match c {
                        StoredChange::Open(c) => ChangeV1::from(c),
                        StoredChange::Sealed { sealed, .. } => {
                            let mut at = seq.to_be_bytes().to_vec();
                            at.extend_from_slice(&(n as u32).to_be_bytes());
                            let inner = key.open("oplog", &at, &sealed).unwrap();
                            assert_eq!(inner[0], 2, "a change sealed alone, today's layout");
                            ChangeV1::from(codec::decode_body::<Change>(&inner[1..]).unwrap())
                        }
                    })
                    .collect();
                let op = OpV1 {
                    device: stored.device,
                    seq,
                    hlc: stored.hlc,
                    operator: stored.operator,
                    changes,
                };
                let old = ring
                    .seal("oplog", &k, &codec::encode_versioned(1, &op).unwrap())
                    .unwrap();
                tree.insert(&k, old).unwrap();
                changed += 1;
            } else if mine(&v) {
                let plain = key.open(&name, &k, &v).unwrap();
                tree.insert(&k, ring.seal(&name, &k, &plain).unwrap()).unwrap();
                changed += 1;
            }
        }
    }
    assert!(changed > 5, "{changed}");
    db.open_tree("audit_chain").unwrap().clear().unwrap();
    db.open_tree("meta").unwrap().remove("audit_head").unwrap();
    db.flush().unwrap();
    file.seek(SeekFrom::Start(16 + n as u64 * 96)).unwrap();
    file.write_all(&[0u8; 96]).unwrap();
    file.sync_all().unwrap();
}

/// Adds audit entries to a closed store as a release before per-client keys wrote them (the
/// whole entry sealed with the institution key), and unmakes the audit chain again so that they
/// are linked at the next unlock.
fn add_old_audit_entries(store: &Path, entries: &[AuditEntry]) {
    let db = common::raw_sled(store);
    let raw_slot = db.open_tree("key_slots").unwrap().get("admin").unwrap().unwrap();
    let slot: KeySlot = codec::decode_body(&raw_slot[1..]).unwrap();
    let ring = KeyRing::new(slot.unwrap_key(ADMIN_PASSWORD).unwrap());
    let audit = db.open_tree("audit").unwrap();
    for entry in entries {
        let key = entry.id.key();
        let plain = codec::encode_versioned(1, entry).unwrap();
        audit.insert(key, ring.seal("audit", &key, &plain).unwrap()).unwrap();
    }
    db.open_tree("audit_chain").unwrap().clear().unwrap();
    db.open_tree("meta").unwrap().remove("audit_head").unwrap();
    db.flush().unwrap();
}

fn admin(dir: &Path) -> assert_cmd::Command {
    common::bin_as(dir, "admin", ADMIN_PASSWORD)
}

/// Every value the store can open, as (tree, key ref, plain bytes), read through a fresh
/// sign-in on the closed store.
fn readable(dir: &Path) -> Vec<(String, Option<KeyRef>, Vec<u8>)> {
    let desk = common::sign_in(dir, "admin", ADMIN_PASSWORD, common::clock()).unwrap();
    let out = desk
        .store()
        .every_value()
        .unwrap()
        .into_iter()
        .filter_map(|v| v.plain.map(|p| (v.tree, v.sealed_with, p)))
        .collect();
    drop(desk);
    out
}

fn checks_clean(dir: &Path) {
    admin(dir).args(["store", "check"]).assert().success();
    admin(dir).args(["audit", "verify"]).assert().success();
}

fn erase_and_find_nothing(dir: &Path) {
    admin(dir)
        .args(["erase", "10000009", "--reason", "the student asked", "--yes"])
        .assert()
        .success();
    for (tree, with, plain) in readable(dir) {
        assert_eq!(holds_canary(&plain), None, "readable in `{tree}` sealed with {with:?}");
    }
    let mut files = Vec::new();
    collect(&dir.join("store"), &mut files);
    for (path, bytes) in files {
        assert_eq!(holds_canary(&bytes), None, "plain canary in {path}");
    }
    checks_clean(dir);
    admin(dir).args(["client", "show", "10000001"]).assert().success();
}

fn collect(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p.display().to_string(), bytes));
        }
    }
}

#[test]
fn data_05_reseal_puts_old_records_under_the_clients_key_so_erasure_leaves_nothing_readable() {
    let (w, paths, client) = world();
    let dir = w._tmp.path().to_path_buf();
    let store = paths.store();
    let World {
        _tmp: _keep,
        admin: desk,
        ..
    } = w;
    drop(desk);
    seal_like_before_client_keys(&store, client);
    // As written before per-client keys: the canaries open with the institution key.
    let before = readable(&dir);
    let old: Vec<_> = before
        .iter()
        .filter(|(_, with, p)| *with == Some(KeyRef::Institution) && holds_canary(p).is_some())
        .collect();
    assert!(old.len() >= 4, "{}", old.len());
    assert!(old.iter().any(|(t, ..)| t == "oplog"));
    checks_clean(&dir);

    // Desk staff and consultants may not reseal (exit 4).
    admin(&dir)
        .args(["operator", "add", "desk1", "--name", "Desk", "--role", "desk"])
        .args(["--trained", "2026-01-05", "--password-stdin"])
        .write_stdin(format!("{}\n", common::STAFF_PASSWORD))
        .assert()
        .success();
    common::bin_as(&dir, "desk1", common::STAFF_PASSWORD)
        .args(["store", "reseal"])
        .assert()
        .code(4);

    admin(&dir)
        .args(["store", "reseal"])
        .assert()
        .success()
        .stdout(contains("for 1 clients"));
    // Nothing that holds a canary is sealed with the institution key any more.
    for (tree, with, plain) in readable(&dir) {
        if let Some(c) = holds_canary(&plain) {
            assert_eq!(
                with,
                Some(KeyRef::Subject {
                    id: client,
                    generation: 1
                }),
                "{c} in `{tree}`"
            );
        }
    }
    checks_clean(&dir);
    // Again: nothing to do.
    let out = admin(&dir)
        .args(["--format", "json", "store", "reseal"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["records", "ops", "audit", "clients", "unplaced"] {
        assert_eq!(again[field], 0, "{field}: {again}");
    }
    // Audited with counts only.
    admin(&dir)
        .args(["audit"])
        .assert()
        .success()
        .stdout(contains("re-sealed under clients' own keys"))
        .stdout(contains("zyqcanary").not());
    erase_and_find_nothing(&dir);
}

#[test]
fn data_05_rotate_keys_makes_a_new_generation_destroys_the_old_and_erasure_still_leaves_nothing() {
    let (w, paths, client) = world();
    let dir = w._tmp.path().to_path_buf();
    let store = paths.store();
    // The automatic backup, made before the rotation, holds the old generation.
    assert!(matches!(
        w.admin.backup_if_due(&paths).unwrap(),
        careerdesk::desk::AutoBackup::Made { .. }
    ));
    let World {
        _tmp: _keep,
        admin: desk,
        ..
    } = w;
    drop(desk);
    let old_key_file = std::fs::read(store.join("subject-keys")).unwrap();
    admin(&dir)
        .args(["store", "rotate-keys", "--client", "10000009"])
        .assert()
        .success()
        .stdout(contains("rotated the keys of 1 clients"))
        .stdout(contains("1 older keys destroyed"));
    let after = readable(&dir);
    let canaries: Vec<_> = after.iter().filter(|(_, _, p)| holds_canary(p).is_some()).collect();
    assert!(canaries.len() >= 4, "everything still reads: {}", canaries.len());
    for (tree, with, _) in &canaries {
        assert_eq!(
            *with,
            Some(KeyRef::Subject {
                id: client,
                generation: 2
            }),
            "`{tree}`"
        );
    }
    // The old generation is gone from the key file: its slot holds the client no more.
    let keys = std::fs::read(store.join("subject-keys")).unwrap();
    let gens: Vec<u32> = keys[16..]
        .chunks_exact(96)
        .filter(|s| s[..16] == client.to_be_bytes())
        .map(|s| u32::from_be_bytes(s[16..20].try_into().unwrap()))
        .collect();
    assert_eq!(gens, vec![2]);
    assert_ne!(old_key_file, keys);
    checks_clean(&dir);
    admin(&dir)
        .args(["client", "show", "10000009"])
        .assert()
        .success()
        .stdout(contains(NAME));
    // Every client at once; then the client's key is at generation 3.
    admin(&dir)
        .args(["store", "rotate-keys"])
        .assert()
        .success()
        .stdout(contains("rotated the keys of 2 clients"));
    checks_clean(&dir);
    // An unknown student is refused and nothing changes.
    admin(&dir)
        .args(["store", "rotate-keys", "--client", "19999999"])
        .assert()
        .failure()
        .stderr(contains("19999999"));
    erase_and_find_nothing(&dir);
    // The backup made before the rotation lost the client's old key too.
    let mut backups = Vec::new();
    collect(&dir.join("backups"), &mut backups);
    let key_files: Vec<_> = backups.iter().filter(|(p, _)| p.ends_with("subject-keys")).collect();
    assert_eq!(key_files.len(), 1);
    for (path, bytes) in key_files {
        assert!(!bytes.windows(16).any(|x| x == client.to_be_bytes()), "{path}");
    }
}

#[test]
fn data_05_reseal_places_removed_records_from_the_op_logs_history_so_erasure_leaves_nothing_readable() {
    let (w, paths, client) = world();
    let dir = w._tmp.path().to_path_buf();
    let store = paths.store();
    // A file attached and removed again: only the op log still holds its name and bytes.
    let attached = w
        .admin
        .attach(
            &common::sn("10000009"),
            FILE_NAME,
            AttachmentKind::Cv,
            FILE_BYTES.to_vec(),
        )
        .unwrap();
    w.admin.remove_attachment(attached.id).unwrap();
    w.admin.store().flush().unwrap();
    let World {
        _tmp: _keep,
        admin: desk,
        ..
    } = w;
    drop(desk);
    seal_like_before_client_keys(&store, client);
    let entry = |n: u64, subject: RecordRef, detail: &str| AuditEntry {
        id: AuditId::sequenced(1_763_200_000_000 + n, n),
        at: chrono::DateTime::from_timestamp_millis(1_763_200_000_000).unwrap(),
        operator: None,
        login: None,
        action: AuditAction::Delete,
        subject: Some(subject),
        detail: detail.into(),
        reason: None,
    };
    let removed = RecordRef {
        kind: EntityKind::Attachment,
        id: attached.id.0,
    };
    // A note no longer in the store and never in the op log: nothing says whose it was.
    let unknown = RecordRef {
        kind: EntityKind::Note,
        id: 0x0191_0000_0000_0000_0000_0000_0000_0042,
    };
    add_old_audit_entries(
        &store,
        &[entry(1, removed, AUDITED), entry(2, unknown, "a note was removed")],
    );
    // As written the old way: the removed file's canaries open with the institution key, in
    // the op log and in the audit log.
    let before = readable(&dir);
    let old = |tree: &str, canary: &str| {
        before
            .iter()
            .any(|(t, with, p)| t == tree && *with == Some(KeyRef::Institution) && holds_canary(p) == Some(canary))
    };
    assert!(old("oplog", "zyqcanaryfile"));
    assert!(old("audit", "zyqcanaryaudit"));
    checks_clean(&dir);

    admin(&dir)
        .args(["store", "reseal"])
        .assert()
        .success()
        .stdout(contains("for 1 clients"))
        .stdout(contains(
            "1 op-log and audit entries about records no record or history places with a client",
        ));
    for (tree, with, plain) in readable(&dir) {
        if let Some(c) = holds_canary(&plain) {
            assert_eq!(
                with,
                Some(KeyRef::Subject {
                    id: client,
                    generation: 1
                }),
                "{c} in `{tree}`"
            );
        }
    }
    checks_clean(&dir);
    // Again: nothing to do, and the entry nothing places is counted again, never guessed.
    let out = admin(&dir)
        .args(["--format", "json", "store", "reseal"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["records", "ops", "audit", "clients"] {
        assert_eq!(again[field], 0, "{field}: {again}");
    }
    assert_eq!(again["unplaced"], 1, "{again}");
    let kept = readable(&dir)
        .into_iter()
        .filter(|(t, with, p)| {
            t == "audit"
                && *with == Some(KeyRef::Institution)
                && p.windows(b"a note was removed".len())
                    .any(|x| x == b"a note was removed")
        })
        .count();
    assert_eq!(kept, 1);
    erase_and_find_nothing(&dir);
    // Re-sealing after the erasure makes no key for the erased client and re-seals nothing.
    let out = admin(&dir)
        .args(["--format", "json", "store", "reseal"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["records", "ops", "audit", "clients"] {
        assert_eq!(after[field], 0, "{field}: {after}");
    }
    let keys = std::fs::read(store.join("subject-keys")).unwrap();
    assert!(!keys.windows(16).any(|x| x == client.to_be_bytes()));
    for (tree, with, plain) in readable(&dir) {
        assert_eq!(holds_canary(&plain), None, "readable in `{tree}` sealed with {with:?}");
    }
}
