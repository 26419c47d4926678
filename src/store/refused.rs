//! Refused sign-ins, recorded before any key is known and never in plain text.
//!
//! The store keeps an X25519 key pair for this: the public key in the clear in `meta`, the
//! secret key sealed under the data key. A refused sign-in seals the login typed to the public
//! key (a sealed box: anyone can seal, only the secret key opens) into `sign_in_refused`; the
//! next unlock opens each one and moves it into the audit log. A store made before the key
//! pair existed gets one at its next unlock; a refusal recorded before then keeps no login.
//!
//! The sign-in lock (SEC-01) needs each operator's recent wrong passwords before unlock, so
//! they are also counted in the clear in `sign_in_failures`: only for logins that have a key
//! slot (whose keys are already plain), and only the times, nothing about any client.

use chrono::{DateTime, Utc};
use crypto_box::{PublicKey, SecretKey};
use sled::Transactional;

use super::audit_chain::{self, AUDIT_CHAIN};
use super::crypto::KeyRing;
use super::gate::Gate;
use super::{Store, StoreError, AUDIT, META};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::AuditId;
use crate::domain::sign_in::Refusal;

/// Refusals waiting for the next unlock: audit id -> `[FORMAT_SEALED][sealed box]`, or
/// `[FORMAT_NO_LOGIN]` when the store had no key pair yet.
const REFUSED: &str = "sign_in_refused";
/// Where earlier versions kept refusals, the login in plain text; emptied at the next unlock.
const LEGACY_PENDING: &str = "auth_pending";
const PUBLIC_KEY: &[u8] = b"sign_in_public_key";
const SECRET_KEY: &[u8] = b"sign_in_secret_key";
/// Recent wrong passwords of existing operators, in the clear: login -> times (u64 ms, big
/// endian, oldest first), emptied by a successful sign-in or an administrator's unlock.
const FAILURES: &str = "sign_in_failures";
/// The most wrong-password times kept per login: above any policy's `lock_after`.
const MAX_FAILURES_KEPT: usize = 128;
const FORMAT_NO_LOGIN: u8 = 0;
const FORMAT_SEALED: u8 = 1;
/// Sealed login of a try refused unheard because the account was locked.
const FORMAT_SEALED_LOCKED: u8 = 2;
/// Sealed login of a try refused unheard because it came too soon after a wrong password.
const FORMAT_SEALED_TOO_SOON: u8 = 3;

fn format_of(cause: Refusal) -> u8 {
    match cause {
        Refusal::WrongPassword => FORMAT_SEALED,
        Refusal::Locked => FORMAT_SEALED_LOCKED,
        Refusal::TooSoon => FORMAT_SEALED_TOO_SOON,
    }
}

fn cause_of(format: u8) -> Refusal {
    match format {
        FORMAT_SEALED_LOCKED => Refusal::Locked,
        FORMAT_SEALED_TOO_SOON => Refusal::TooSoon,
        _ => Refusal::WrongPassword,
    }
}

/// The most characters of a typed login that are ever recorded.
pub const MAX_RECORDED_LOGIN_CHARS: usize = 64;

/// A typed login as it may be recorded: at most [`MAX_RECORDED_LOGIN_CHARS`] characters,
/// control and invisible characters escaped, a cut marked with `…`.
pub fn recordable_login(typed: &str) -> String {
    use crate::domain::text::{shorten, terminal, Breaks};
    terminal(&shorten(typed, MAX_RECORDED_LOGIN_CHARS), Breaks::Escape).into_owned()
}

/// Makes the sign-in key pair if the store has none (stores made before it existed).
pub(super) fn ensure_key_pair(db: &sled::Db, keys: &KeyRing) -> Result<(), StoreError> {
    let meta = db.open_tree(META)?;
    if meta.get(PUBLIC_KEY)?.is_some() && meta.get(SECRET_KEY)?.is_some() {
        return Ok(());
    }
    let secret = SecretKey::generate(&mut rand::rngs::OsRng);
    let sealed = keys
        .seal(META, SECRET_KEY, &secret.to_bytes())
        .map_err(|e| StoreError::Encode {
            what: "sign-in key".into(),
            reason: e.to_string(),
        })?;
    let public = secret.public_key().to_bytes();
    // Both or neither: a public key without its secret would seal logins nobody can read.
    meta.transaction(|tx| {
        tx.insert(SECRET_KEY, sealed.as_slice())?;
        tx.insert(PUBLIC_KEY, &public[..])?;
        Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
    })
    .map_err(|e| match e {
        sled::transaction::TransactionError::Storage(e) => StoreError::from(e),
        sled::transaction::TransactionError::Abort(()) => StoreError::Io("the sign-in key was not stored".into()),
    })?;
    db.flush()?;
    Ok(())
}

/// Records a refused sign-in: the login sealed to the store's public key, or no login at all
/// when the store has no key pair yet.
pub(super) fn record(
    db: &sled::Db,
    gate: &Gate,
    typed: &str,
    cause: Refusal,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let login = recordable_login(typed);
    let meta = db.open_tree(META)?;
    let value = match meta.get(PUBLIC_KEY)?.and_then(|k| PublicKey::from_slice(&k).ok()) {
        Some(public) => match public.seal(&mut rand::rngs::OsRng, login.as_bytes()) {
            Ok(sealed) => [&[format_of(cause)][..], &sealed].concat(),
            Err(_) => vec![FORMAT_NO_LOGIN],
        },
        None => vec![FORMAT_NO_LOGIN],
    };
    let _open = gate.pass();
    let id = AuditId::sequenced(now.timestamp_millis().max(0) as u64, db.generate_id()?);
    db.open_tree(REFUSED)?.insert(id.key(), value)?;
    db.flush()?;
    Ok(())
}

/// Counts a wrong password for `login` when it is an operator's (has a key slot); a login
/// nobody has is not kept in the clear.
pub(super) fn count_failure(db: &sled::Db, gate: &Gate, login: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    if !db.open_tree(super::KEY_SLOTS)?.contains_key(login.as_bytes())? {
        return Ok(());
    }
    let mut times = failures(db, login)?;
    times.push(now);
    let skip = times.len().saturating_sub(MAX_FAILURES_KEPT);
    let value: Vec<u8> = times[skip..]
        .iter()
        .flat_map(|t| (t.timestamp_millis().max(0) as u64).to_be_bytes())
        .collect();
    let _open = gate.pass();
    db.open_tree(FAILURES)?.insert(login.as_bytes(), value)?;
    db.flush()?;
    Ok(())
}

/// The wrong passwords counted for `login`, oldest first (a damaged tail is ignored).
pub(super) fn failures(db: &sled::Db, login: &str) -> Result<Vec<DateTime<Utc>>, StoreError> {
    let Some(raw) = db.open_tree(FAILURES)?.get(login.as_bytes())? else {
        return Ok(Vec::new());
    };
    Ok(raw
        .chunks_exact(8)
        .filter_map(|c| <[u8; 8]>::try_from(c).ok())
        .filter_map(|b| DateTime::from_timestamp_millis(i64::try_from(u64::from_be_bytes(b)).ok()?))
        .collect())
}

/// Forgets `login`'s wrong passwords; says how many there were.
pub(super) fn clear_failures(db: &sled::Db, gate: &Gate, login: &str) -> Result<usize, StoreError> {
    let tree = db.open_tree(FAILURES)?;
    if !tree.contains_key(login.as_bytes())? {
        return Ok(0);
    }
    let count = failures(db, login)?.len();
    let _open = gate.pass();
    tree.remove(login.as_bytes())?;
    db.flush()?;
    Ok(count)
}

impl Store {
    /// The wrong passwords counted for `login` since its last sign-in (SEC-01).
    pub fn sign_in_failures(&self, login: &str) -> Result<Vec<DateTime<Utc>>, StoreError> {
        failures(&self.db, login)
    }

    /// Unlocks `login` after wrong passwords: forgets them; says how many there were.
    pub fn clear_sign_in_failures(&self, login: &str) -> Result<usize, StoreError> {
        clear_failures(&self.db, &self.gate, login)
    }

    /// Moves refused sign-ins recorded while locked into the sealed audit log, each in one
    /// transaction with its removal, so none is lost or doubled.
    pub(super) fn absorb_refused_sign_ins(&self) -> Result<(), StoreError> {
        let refused = self.tree(REFUSED)?;
        let legacy = self.tree(LEGACY_PENDING)?;
        if refused.is_empty() && legacy.is_empty() {
            return Ok(());
        }
        let secret = self.sign_in_secret()?;
        let audit = self.tree(AUDIT)?;
        let meta = self.tree(META)?;
        let chain = self.tree(AUDIT_CHAIN)?;
        let _open = self.gate.pass();
        for (tree, legacy_format) in [(&refused, false), (&legacy, true)] {
            for item in tree.iter() {
                let (k, v) = item?;
                let Some(id) = AuditId::from_key(&k) else { continue };
                let cause = v.first().map_or(Refusal::WrongPassword, |&f| cause_of(f));
                let login = if legacy_format {
                    Some(recordable_login(&String::from_utf8_lossy(&v)))
                } else {
                    match v.split_first() {
                        Some((&(FORMAT_SEALED | FORMAT_SEALED_LOCKED | FORMAT_SEALED_TOO_SOON), sealed)) => secret
                            .as_ref()
                            .and_then(|s| s.unseal(sealed).ok())
                            .map(|plain| recordable_login(&String::from_utf8_lossy(&plain))),
                        _ => None,
                    }
                };
                let at_ms = (id.0 >> 80) as i64;
                let entry = AuditEntry {
                    id,
                    at: DateTime::from_timestamp_millis(at_ms).unwrap_or_default(),
                    operator: None,
                    login,
                    action: AuditAction::SignInRefused,
                    subject: None,
                    detail: if legacy_format {
                        Refusal::WrongPassword.detail().into()
                    } else {
                        cause.detail().into()
                    },
                    reason: None,
                };
                let (key, sealed) = self.seal_audit(&entry, None)?;
                [audit.clone(), tree.clone(), meta.clone(), chain.clone()][..]
                    .transaction(|tx| {
                        tx[0].insert(&key, sealed.as_slice())?;
                        tx[1].remove(&k)?;
                        audit_chain::tx_append(&tx[2], &tx[3], &key, &sealed)?;
                        Ok(())
                    })
                    .map_err(|e| match e {
                        sled::transaction::TransactionError::Storage(e) => StoreError::from(e),
                        sled::transaction::TransactionError::Abort(e) => e,
                    })?;
            }
        }
        self.db.flush()?;
        Ok(())
    }

    fn sign_in_secret(&self) -> Result<Option<SecretKey>, StoreError> {
        let Some(sealed) = self.tree(META)?.get(SECRET_KEY)? else {
            return Ok(None);
        };
        let plain = self
            .keys()
            .open(META, SECRET_KEY, &sealed)
            .map_err(|e| StoreError::Corrupt {
                tree: META.into(),
                key: String::from_utf8_lossy(SECRET_KEY).into_owned(),
                reason: e.to_string(),
            })?;
        Ok(SecretKey::from_slice(&plain).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_login_is_short_and_escaped() {
        let long = "x".repeat(100_000);
        let r = recordable_login(&long);
        assert_eq!(r.chars().count(), MAX_RECORDED_LOGIN_CHARS + 1);
        assert!(r.ends_with('…'));
        assert_eq!(recordable_login("ann\u{1b}[2J\n"), "ann\\x1b[2J\\n");
        assert_eq!(recordable_login("ann\u{202e}"), "ann\\u{202e}");
        assert_eq!(recordable_login("sam"), "sam");
    }

    #[test]
    fn sec_01_wrong_passwords_are_counted_in_the_clear_only_for_operators_logins() {
        let (tmp, store) = crate::store::temp_store();
        let locked = store.locked();
        let t = Utc::now();
        assert!(locked.unlock("admin", "nope", t).is_err());
        assert!(locked.unlock("admin", "nope", t).is_err());
        assert!(locked.unlock("canary-login-7xq", "nope", t).is_err());
        assert_eq!(locked.sign_in_failures("admin").unwrap().len(), 2);
        assert!(locked.sign_in_failures("canary-login-7xq").unwrap().is_empty());
        let keys: Vec<Vec<u8>> = store
            .tree(FAILURES)
            .unwrap()
            .iter()
            .map(|r| r.unwrap().0.to_vec())
            .collect();
        assert_eq!(keys, [b"admin".to_vec()]);
        locked.record_refusal("admin", Refusal::Locked, t).unwrap();
        assert_eq!(locked.sign_in_failures("admin").unwrap().len(), 2);
        let again = locked.unlock("admin", "password-1", t).unwrap();
        assert!(again.sign_in_failures("admin").unwrap().is_empty());
        let details: Vec<String> = again
            .audit_entries()
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.action == AuditAction::SignInRefused)
            .map(|e| e.detail)
            .collect();
        assert_eq!(details.len(), 4);
        assert_eq!(details.iter().filter(|d| *d == Refusal::Locked.detail()).count(), 1);
        drop(tmp);
    }

    #[test]
    fn sec_01_a_damaged_count_is_read_as_far_as_it_goes_and_never_stops_a_sign_in() {
        let (tmp, store) = crate::store::temp_store();
        let at = Utc::now().timestamp_millis() as u64;
        let mut raw = at.to_be_bytes().to_vec();
        raw.extend_from_slice(&u64::MAX.to_be_bytes());
        raw.extend_from_slice(&[1, 2, 3]);
        store.tree(FAILURES).unwrap().insert(b"admin", raw).unwrap();
        let locked = store.locked();
        assert_eq!(locked.sign_in_failures("admin").unwrap().len(), 1);
        let again = locked.unlock("admin", "password-1", Utc::now()).unwrap();
        assert!(again.sign_in_failures("admin").unwrap().is_empty());
        drop(tmp);
    }

    #[test]
    fn a_refusal_is_sealed_and_read_back_at_the_next_unlock() {
        let (tmp, store) = crate::store::temp_store();
        let locked = store.locked();
        let typed = "canary-login-7xq";
        assert!(locked.unlock(typed, "nope", Utc::now()).is_err());
        let raw: Vec<Vec<u8>> = store
            .tree(REFUSED)
            .unwrap()
            .iter()
            .map(|r| r.unwrap().1.to_vec())
            .collect();
        assert_eq!(raw.len(), 1);
        assert_eq!(raw[0][0], FORMAT_SEALED);
        assert!(!raw[0].windows(typed.len()).any(|w| w == typed.as_bytes()));
        let again = locked.unlock("admin", "password-1", Utc::now()).unwrap();
        let logins: Vec<_> = again
            .audit_entries()
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.action == AuditAction::SignInRefused)
            .map(|e| e.login)
            .collect();
        assert_eq!(logins, [Some(typed.to_string())]);
        assert!(again.tree(REFUSED).unwrap().is_empty());
        drop(tmp);
    }
}
