//! The role x action matrix (SEC-05, SEC-06): every cell of the table in `docs/security.md`
//! checked against what the desk allows an operator of that role, signed in.

mod common;

use careerdesk::domain::access::Permission;
use careerdesk::domain::operator::Role;
use common::{at, login, World};

const ROLES: [(&str, Option<Role>); 5] = [
    ("desk", Some(Role::Desk)),
    ("consultant", Some(Role::Consultant)),
    ("employer-relations", Some(Role::EmployerRelations)),
    ("supervisor", Some(Role::Supervisor)),
    ("admin", None),
];

/// The matrix as `docs/security.md` writes it: action -> one cell per role.
fn matrix() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/security.md")).unwrap();
    let start = text.find("| action | desk |").expect("the matrix's header");
    text[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<String> = l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect();
            (cells[0].clone(), cells[1..].to_vec())
        })
        .collect()
}

#[test]
fn sec_05_every_cell_of_the_role_matrix_is_what_the_desk_allows() {
    let w = World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("desk1", Role::Desk),
            ("cons1", Role::Consultant),
            ("er1", Role::EmployerRelations),
            ("sup1", Role::Supervisor),
        ],
        &[],
    );
    let rows = matrix();
    assert_eq!(rows.len(), Permission::ALL.len(), "one row per permission");
    for p in Permission::ALL {
        assert!(
            rows.iter().any(|(a, _)| a == p.describe()),
            "no row for `{}`",
            p.describe()
        );
    }
    let logins = ["desk1", "cons1", "er1", "sup1", "admin"];
    for (i, ((role, _), login_name)) in ROLES.iter().zip(logins).enumerate() {
        let desk = if login_name == "admin" {
            None
        } else {
            Some(w.as_(login_name))
        };
        let desk = desk.as_ref().unwrap_or(&w.admin);
        for (action, cells) in &rows {
            let p = Permission::ALL.into_iter().find(|p| p.describe() == action).unwrap();
            let expected = cells[i].as_str();
            assert!(
                ["yes", "-", "with grant"].contains(&expected),
                "{action}/{role}: `{expected}`"
            );
            assert_eq!(desk.may(p), expected == "yes", "{action} for {role} (no grant)");
        }
    }
    // With the grant, "with grant" cells open and nothing else changes.
    for login_name in ["desk1", "cons1", "er1", "sup1"] {
        w.admin.set_bulk_email_grant(&login(login_name), true).unwrap();
        let desk = w.as_(login_name);
        assert!(desk.may(Permission::BulkEmail), "{login_name} with the grant");
    }
}

#[test]
fn sec_06_the_bulk_email_grant_is_only_for_trained_operators_and_only_admins_give_it() {
    let w = World::new(at(2026, 11, 30, 8, 0), &[("sup1", Role::Supervisor)], &[]);
    w.admin
        .add_operator(&common::staff("new1", &[Role::EmployerRelations], None))
        .unwrap();
    let err = w
        .admin
        .set_bulk_email_grant(&login("new1"), true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("training") && err.contains("SEC-06"), "{err}");
    let sup = w.as_("sup1");
    let err = sup.set_bulk_email_grant(&login("sup1"), true).unwrap_err();
    assert_eq!(err.exit_code(), 4, "{err}");
    // Given to a trained operator, then taken back.
    let op = w.admin.set_bulk_email_grant(&login("sup1"), true).unwrap();
    assert_eq!(op.grants.len(), 1);
    assert!(w.as_("sup1").may(Permission::BulkEmail));
    w.admin.set_bulk_email_grant(&login("sup1"), false).unwrap();
    assert!(!w.as_("sup1").may(Permission::BulkEmail));
    let audited = w
        .admin
        .audit_log()
        .unwrap()
        .into_iter()
        .flatten()
        .filter(|e| e.detail.contains("bulk-email grant"))
        .count();
    assert_eq!(audited, 2);
}

#[test]
fn sec_06_operator_grant_and_revoke_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::cli_init(dir);
    let admin = || common::bin_as(dir, "admin", common::ADMIN_PASSWORD);
    for (who, trained) in [("er1", Some("2026-01-05")), ("er2", None)] {
        let mut c = admin();
        c.args(["operator", "add", who, "--name", who, "--role", "employer-relations"]);
        if let Some(t) = trained {
            c.args(["--trained", t]);
        }
        c.arg("--password-stdin")
            .write_stdin(format!("{}\n", common::STAFF_PASSWORD))
            .assert()
            .success();
    }
    admin()
        .args(["operator", "grant", "er1", "bulk-email"])
        .assert()
        .success()
        .stdout(predicates::str::contains("er1 has the bulk-email grant"));
    admin()
        .args(["operator", "grant", "er2", "bulk-email"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("SEC-06"));
    common::bin_as(dir, "er1", common::STAFF_PASSWORD)
        .args(["operator", "grant", "er1", "bulk-email"])
        .assert()
        .code(4);
    admin()
        .args(["operator", "revoke", "er1", "bulk-email"])
        .assert()
        .success()
        .stdout(predicates::str::contains("er1 does not have the bulk-email grant"));
}

#[test]
fn data_01_desk_staff_may_attach_and_list_but_only_consultants_and_up_read_attachments() {
    let w = World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("desk1", Role::Desk),
            ("cons1", Role::Consultant),
            ("er1", Role::EmployerRelations),
            ("sup1", Role::Supervisor),
        ],
        &[],
    );
    for (login_name, attach, read) in [
        ("desk1", true, false),
        ("cons1", true, true),
        ("er1", false, false),
        ("sup1", true, true),
    ] {
        let desk = w.as_(login_name);
        assert_eq!(desk.may(Permission::EditClients), attach, "{login_name} attaches");
        assert_eq!(desk.may(Permission::ReadAttachments), read, "{login_name} reads");
    }
}
