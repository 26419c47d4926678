//! Joining a desk from the sync server (SEC-01): the new desk opens with the first desk's
//! operators' own passwords and its ops travel both ways; each wrong thing is refused with no store
//! left and the code unspent; a changed password's key slot replaces the older one; and a join
//! stopped after its store was made takes the store away again.

mod common;

use std::sync::Arc;

use careerdesk::desk::DeskError;
use careerdesk::domain::operator::Role;
use careerdesk::sync::message::ErrorCode;
use careerdesk::sync::tls::show_fingerprint;
use careerdesk::sync::SyncError;
use common::desks::{enrol_desk, enrolled, no_progress, sync, twin};
use common::server::Running;
use common::{add, new_client, World};

/// Whether any op in `ops` creates a record with a field holding `text`, opened with `store`.
fn opens_a_creation_with(
    store: &careerdesk::store::Store,
    ops: &[careerdesk::domain::sync::SealedOp],
    text: &str,
) -> bool {
    ops.iter().any(|o| match store.open_remote_op(o) {
        Ok(Some(op)) => op.changes.iter().any(|c| match c {
            careerdesk::domain::change::Change::Create { fields, .. } => fields.values().any(|v| v.contains(text)),
            _ => false,
        }),
        _ => false,
    })
}

fn join_request<'a>(
    server: &'a str,
    fingerprint: &'a str,
    code: &'a str,
    password: &'a str,
) -> careerdesk::desk::JoinRequest<'a> {
    careerdesk::desk::JoinRequest {
        server,
        fingerprint,
        code,
        name: "Second desk",
        login: "admin",
        password,
    }
}

fn standard_policy() -> &'static str {
    careerdesk::policy::example("standard").unwrap().text
}

#[test]
fn sec_01_a_desk_joined_from_the_server_opens_with_the_first_desk_s_password_and_its_ops_travel_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    server.relay().set_policy(standard_policy()).unwrap();
    let a = World::new(common::t0(), &[("desk1", Role::Desk)], &[]);
    add(&a.admin, &new_client("A0000001", "Zyqjoin Person")).unwrap();
    enrolled(&a, &server, "Main desk");
    sync(&a.admin);
    // Key slots travel with the sync: every operator's, as A stores them.
    let mut logins: Vec<String> = server
        .relay()
        .key_slots()
        .unwrap()
        .into_iter()
        .map(|s| s.login)
        .collect();
    logins.sort();
    assert_eq!(logins, ["admin", "desk1"]);

    let b_dir = tempfile::tempdir().unwrap();
    let b_paths = careerdesk::paths::Paths::resolve(Some(b_dir.path()));
    let (addr, fp, code) = (server.addr.to_string(), server.fingerprint(), server.code());
    let pulled = std::sync::Mutex::new(Vec::new());
    let joined = careerdesk::desk::join(
        &b_paths,
        join_request(&addr, &fp, &code, common::ADMIN_PASSWORD),
        None,
        &|what: &str, done: u64, of: u64| pulled.lock().unwrap().push((what.to_string(), done, of)),
    )
    .unwrap();
    assert_eq!(joined.key_slots, 2);
    assert_eq!(joined.policy_version, Some(1));
    assert_eq!(
        joined.sync.new,
        a.admin.store().op_seq().unwrap(),
        "every op of A pulled at join"
    );
    assert!(
        pulled.lock().unwrap().iter().any(|(w, _, _)| w == "pulling"),
        "the progress was told"
    );
    assert_eq!(std::fs::read_to_string(b_paths.policy()).unwrap(), standard_policy());

    // B opens with A's administrator's own password (and any other operator's), not a wrong one.
    let locked = careerdesk::store::LockedStore::open(&b_paths.store()).unwrap();
    assert!(matches!(
        locked.unlock("admin", "not-the-password", common::t0()),
        Err(careerdesk::store::StoreError::BadCredentials)
    ));
    assert!(locked.unlock("desk1", common::STAFF_PASSWORD, common::t0()).is_ok());
    let b_store = locked.unlock("admin", common::ADMIN_PASSWORD, common::t0()).unwrap();
    assert_eq!(b_store.institution_check(), a.admin.store().institution_check());
    assert_ne!(
        b_store.replicas().unwrap(),
        a.admin.store().replicas().unwrap(),
        "a device of its own"
    );
    let held = b_store.remote_ops().unwrap();
    assert!(
        opens_a_creation_with(&b_store, &held, "Zyqjoin Person"),
        "B reads A's client"
    );

    // The first sync merged A's records: its operators sign in here, and A's client is here.
    assert!(joined.sync.merged >= 1, "A's ops merged at join");
    drop(b_store);
    drop(locked);
    let b = common::sign_in(b_dir.path(), "admin", common::ADMIN_PASSWORD, a.clock.clone()).unwrap();
    assert_eq!(
        b.client_by_student_number(&common::sn("A0000001")).unwrap().name,
        "Zyqjoin Person"
    );
    assert!(
        b.staff_names().unwrap().values().any(|s| s.login == "desk1"),
        "A's other operator is here too"
    );
    let made = add(&b, &new_client("B0000001", "Zyqfromb Person")).unwrap();
    let from_b = sync(&b);
    assert_eq!(
        from_b.pushed,
        b.store().op_seq().unwrap(),
        "the server takes B's ops: one institution"
    );
    let at_a = sync(&a.admin);
    assert_eq!(at_a.new, from_b.pushed);
    let about: Vec<_> = a
        .admin
        .store()
        .remote_ops()
        .unwrap()
        .into_iter()
        .filter(|o| o.subjects.contains(&made.id.0))
        .collect();
    assert!(
        opens_a_creation_with(a.admin.store(), &about, "Zyqfromb Person"),
        "A reads B's client"
    );
    // B offered the slots back as they came: nothing changed on the server.
    assert_eq!(server.relay().key_slots().unwrap().len(), 2);
    server.stop();
}

#[test]
fn sync_joining_is_refused_clearly_and_leaves_no_store_for_each_wrong_thing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let b_dir = tempfile::tempdir().unwrap();
    let b_paths = careerdesk::paths::Paths::resolve(Some(b_dir.path()));
    let addr = server.addr.to_string();
    let fp = server.fingerprint();
    let nothing_made = |what: &str| {
        assert!(!b_paths.store().exists(), "{what}: no store");
        assert!(!b_paths.policy().exists(), "{what}: no policy file");
    };
    let try_join = |code: &str, fingerprint: &str, password: &str| {
        careerdesk::desk::join(
            &b_paths,
            join_request(&addr, fingerprint, code, password),
            Some((standard_policy(), "standard")),
            &no_progress,
        )
    };

    // A server no desk has synced with holds no institution.
    let code = server.code();
    let e = try_join(&code, &fp, common::ADMIN_PASSWORD).unwrap_err();
    assert!(
        matches!(
            &e,
            DeskError::Sync(SyncError::Refused {
                code: ErrorCode::NoInstitution,
                ..
            })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("careerdesk init"), "{e}");
    nothing_made("no institution");

    let a = World::new(common::t0(), &[], &[("A0000001", "First Client")]);
    enrolled(&a, &server, "Main desk");
    sync(&a.admin);

    let e = try_join("AAAA-BBBB-CCCC-DDDD", &fp, common::ADMIN_PASSWORD).unwrap_err();
    assert!(
        e.to_string()
            .contains("enrolment code is unknown, already used or expired"),
        "{e}"
    );
    nothing_made("a wrong code");

    let other = show_fingerprint(&[9; 32]);
    let e = try_join(&code, &other, common::ADMIN_PASSWORD).unwrap_err();
    assert!(matches!(&e, DeskError::Sync(SyncError::WrongServer { .. })), "{e}");
    nothing_made("another fingerprint");

    let e = try_join(&code, &fp, "not-the-password").unwrap_err();
    assert!(e.to_string().contains("wrong login or password"), "{e}");
    nothing_made("a wrong password");
    let e = careerdesk::desk::join(
        &b_paths,
        careerdesk::desk::JoinRequest {
            login: "nobody",
            ..join_request(&addr, &fp, &code, common::ADMIN_PASSWORD)
        },
        Some((standard_policy(), "standard")),
        &no_progress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("wrong login or password"), "{e}");
    nothing_made("an unknown login");

    // The code was not spent by the refusals: it joins now, once (the login taken as sign-in
    // takes it).
    let joined = careerdesk::desk::join(
        &b_paths,
        careerdesk::desk::JoinRequest {
            login: " Admin ",
            ..join_request(&addr, &fp, &code, common::ADMIN_PASSWORD)
        },
        Some((standard_policy(), "standard")),
        &no_progress,
    )
    .unwrap();
    assert_eq!(joined.policy_version, None, "the server serves none: the policy given");
    assert!(b_paths.store().exists());

    // A data folder that already holds a store is refused before anything is asked of the server.
    let again = server.code();
    let e = try_join(&again, &fp, common::ADMIN_PASSWORD).unwrap_err();
    assert!(e.to_string().contains("already holds careerdesk data"), "{e}");
    assert!(
        server.relay().institution(&again, 0).is_ok(),
        "the code is still unspent"
    );
    let terminals = server.relay().terminals().unwrap().len();
    assert_eq!(terminals, 2, "the refusals enrolled nothing");
    server.stop();
}

#[test]
fn sync_a_changed_password_s_key_slot_replaces_the_older_one_and_a_desk_joined_after_opens_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    server.relay().set_policy(standard_policy()).unwrap();
    let a = World::new(common::t0(), &[], &[]);
    let (_c_dir, c) = twin(&a, a.clock.clone());
    enrolled(&a, &server, "Main desk");
    enrol_desk(&c, &server, "Copy desk");
    sync(&a.admin);
    let before = server.relay().key_slots().unwrap();

    // The password changes on A; C, a copy made before, still holds the old slot.
    a.admin
        .set_password(&common::login("admin"), "a-newer-password-2")
        .unwrap();
    sync(&a.admin);
    let after = server.relay().key_slots().unwrap();
    assert_ne!(after, before, "the changed slot replaced the older one");
    assert!(after[0].changed_ms > before[0].changed_ms);
    sync(&c);
    assert_eq!(server.relay().key_slots().unwrap(), after, "an older slot never wins");

    // A desk joined now opens with the new password, not the old one.
    let b_dir = tempfile::tempdir().unwrap();
    let b_paths = careerdesk::paths::Paths::resolve(Some(b_dir.path()));
    let (addr, fp, code) = (server.addr.to_string(), server.fingerprint(), server.code());
    let e = careerdesk::desk::join(
        &b_paths,
        join_request(&addr, &fp, &code, common::ADMIN_PASSWORD),
        None,
        &no_progress,
    )
    .unwrap_err();
    assert!(e.to_string().contains("wrong login or password"), "{e}");
    careerdesk::desk::join(
        &b_paths,
        join_request(&addr, &fp, &code, "a-newer-password-2"),
        None,
        &no_progress,
    )
    .unwrap();
    let locked = careerdesk::store::LockedStore::open(&b_paths.store()).unwrap();
    assert!(locked.unlock("admin", "a-newer-password-2", common::t0()).is_ok());
    server.stop();
}

#[test]
fn sync_a_join_stopped_after_its_store_was_made_takes_the_store_away_again() {
    // The server's clock moves ten seconds at each request, and the code is valid only for
    // the first: it lets the institution be fetched, then has expired when the desk enrols.
    let ticks = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let t = ticks.clone();
    let clock: careerdesk::sync::server::Clock =
        Arc::new(move || t.fetch_add(10_000, std::sync::atomic::Ordering::SeqCst) + 10_000);
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start_with(dir.path(), "127.0.0.1:0", clock);
    let a = World::new(common::t0(), &[], &[]);
    server
        .relay()
        .check_institution(&a.admin.store().institution_check())
        .unwrap();
    let slots = a.admin.store().key_slot_copies(0).unwrap();
    server.relay().keep_key_slots(&slots, 0).unwrap();
    let code = server.relay().issue_code(10_000).unwrap();

    let b_dir = tempfile::tempdir().unwrap();
    let b_paths = careerdesk::paths::Paths::resolve(Some(b_dir.path()));
    let (addr, fp) = (server.addr.to_string(), server.fingerprint());
    let e = careerdesk::desk::join(
        &b_paths,
        join_request(&addr, &fp, &code, common::ADMIN_PASSWORD),
        Some((standard_policy(), "standard")),
        &no_progress,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("enrolment code is unknown, already used or expired"),
        "{e}"
    );
    // Three requests: the institution, that session's bye, and the enrolment refused.
    assert_eq!(
        ticks.load(std::sync::atomic::Ordering::SeqCst),
        30_000,
        "it got as far as enrolling"
    );
    assert!(!b_paths.store().exists(), "the store made is taken away again");
    assert!(!b_paths.policy().exists());
    assert!(server.relay().terminals().unwrap().is_empty());
    server.stop();
}
