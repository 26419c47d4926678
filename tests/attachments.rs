//! Attachments (DATA-01): a client's uploaded files held sealed with the client's key, limited
//! in size by the policy, their hash checked on read; desk staff attach and list, consultants
//! and supervisors read (audited); erasure and the subject-access export reach them.

mod common;

use careerdesk::domain::operator::Role;
use careerdesk::domain::records::{AttachmentContent, AttachmentKind};
use careerdesk::paths::Paths;
use careerdesk::store::crypto::KeyRef;
use common::{at, sn, World};
use predicates::prelude::PredicateBooleanExt;

const CANARY: &[u8] = b"zyqcanaryattachment: a CV for a placement application";

fn holds(bytes: &[u8]) -> bool {
    bytes.windows(19).any(|w| w == &CANARY[..19])
}

#[test]
fn data_01_desk_staff_attach_and_list_consultants_read_audited_and_remove() {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("desk1", Role::Desk), ("cons1", Role::Consultant)],
        &[("10000001", "Ada One")],
    );
    let desk = w.as_("desk1");
    let ada = sn("10000001");
    let a = desk
        .attach(&ada, "cv.pdf", AttachmentKind::Cv, CANARY.to_vec())
        .unwrap();
    assert_eq!(a.size, CANARY.len() as u64);
    assert_eq!(a.hash, blake3::hash(CANARY).to_hex().to_string());
    assert_eq!(desk.attachments(&ada).unwrap(), std::slice::from_ref(&a));
    // Desk staff may attach but not read the content.
    assert_eq!(desk.read_attachment(a.id).unwrap_err().exit_code(), 4);
    let cons = w.as_("cons1");
    let (_, bytes) = cons.read_attachment(a.id).unwrap();
    assert_eq!(bytes, CANARY);
    let log = w.admin.audit_log().unwrap();
    assert!(log
        .iter()
        .flatten()
        .any(|e| e.detail == "attachment read" && e.subject.is_some_and(|s| s.id == a.id.0)));
    // An empty file or an unknown kind is bad input.
    assert_eq!(
        desk.attach(&ada, "x", AttachmentKind::Cv, Vec::new())
            .unwrap_err()
            .exit_code(),
        2
    );
    assert!(careerdesk::desk::parse_attachment_kind("photo").is_err());

    desk.remove_attachment(a.id).unwrap();
    assert!(desk.attachments(&ada).unwrap().is_empty());
    assert_eq!(
        w.admin.store().get::<AttachmentContent>(a.id.0).unwrap(),
        None,
        "the content went too"
    );
}

#[test]
fn data_01_erasure_leaves_the_attachment_content_unreadable_and_the_export_holds_it() {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("sup1", Role::Supervisor)],
        &[("10000001", "Ada One")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    let ada = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    let a = w
        .admin
        .attach(&sn("10000001"), "cv.pdf", AttachmentKind::Cv, CANARY.to_vec())
        .unwrap();
    let sup = w.as_("sup1");
    let export = sup.subject_access_export(&sn("10000001")).unwrap();
    assert_eq!(export.held.attachments.len(), 1);
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&export.attachment_files[0].base64)
        .unwrap();
    assert_eq!(decoded, CANARY);

    // Before: the content is stored only sealed with the client's own key.
    let mut seen = 0;
    for v in w.admin.store().every_value().unwrap() {
        assert!(!holds(&v.raw), "plain canary in `{}`", v.tree);
        if v.plain.as_deref().is_some_and(holds) {
            seen += 1;
            assert!(
                matches!(v.sealed_with, Some(KeyRef::Subject { id, .. }) if id == ada.id.0),
                "`{}` sealed with {:?}",
                v.tree,
                v.sealed_with
            );
        }
    }
    assert!(seen >= 1, "the content was stored");

    sup.erase_client(&paths, &sn("10000001"), "the student asked").unwrap();
    for v in w.admin.store().every_value().unwrap() {
        assert!(
            !v.plain.as_deref().is_some_and(holds),
            "readable canary in `{}`",
            v.tree
        );
    }
    assert!(w
        .admin
        .store()
        .get::<AttachmentContent>(a.id.0)
        .ok()
        .flatten()
        .is_none());
}

#[test]
fn data_01_attachments_through_the_command_line_and_an_over_size_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::cli_init_with(dir, &[("desk1", "desk"), ("cons1", "consultant")]);
    common::cli_add_clients(|| common::as_op(dir, "admin"), &["10000001"]);
    let policy = Paths::resolve(Some(dir)).policy();
    let text = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("max_bytes = 10485760", "max_bytes = 1000");
    std::fs::write(&policy, text).unwrap();

    let big = dir.join("big.pdf");
    std::fs::write(&big, vec![b'x'; 1001]).unwrap();
    common::as_op(dir, "desk1")
        .args(["attach", "10000001"])
        .arg(&big)
        .args(["--kind", "cv"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("max_bytes").and(predicates::str::contains("nothing was stored")));
    common::as_op(dir, "desk1")
        .args(["attach", "10000001"])
        .arg(&big)
        .args(["--kind", "photo"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cv, application, feedback-form"));
    let listed = |login: &str| -> serde_json::Value {
        let out = common::as_op(dir, login)
            .args(["--format", "json", "attachment", "list", "10000001"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    assert_eq!(listed("desk1").as_array().map(Vec::len), Some(0), "nothing was stored");

    let cv = dir.join("cv.pdf");
    std::fs::write(&cv, CANARY).unwrap();
    common::as_op(dir, "desk1")
        .args(["attach", "10000001"])
        .arg(&cv)
        .args(["--kind", "cv"])
        .assert()
        .success();
    let list = listed("desk1");
    assert_eq!(list[0]["name"], "cv.pdf");
    assert_eq!(list[0]["kind"], "cv");
    let id = list[0]["id"].as_str().unwrap().to_string();
    let out = dir.join("got.pdf");
    common::as_op(dir, "desk1")
        .args(["attachment", "get", &id, "--out"])
        .arg(&out)
        .assert()
        .code(4);
    assert!(!out.exists());
    common::as_op(dir, "cons1")
        .args(["attachment", "get", &id, "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(std::fs::read(&out).unwrap(), CANARY);
    common::as_op(dir, "cons1")
        .args(["attachment", "get", &id, "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
    common::as_op(dir, "desk1")
        .args(["attachment", "remove", &id])
        .assert()
        .success();
    assert_eq!(listed("desk1").as_array().map(Vec::len), Some(0));
}

#[test]
fn data_01_the_attachment_limit_defaults_and_is_checked() {
    let text = include_str!("../assets/policies/standard.toml");
    let p = careerdesk::policy::Policy::parse(text, "p.toml").unwrap();
    assert_eq!(p.attachments.max_bytes, 10_485_760);
    for bad in ["0", "104857601"] {
        let t = text.replace("max_bytes = 10485760", &format!("max_bytes = {bad}"));
        let e = careerdesk::policy::Policy::parse(&t, "p.toml").unwrap_err();
        assert!(e.0.iter().any(|e| e.field == "attachments.max_bytes"), "{e}");
    }
}
