//! Refused sign-ins, recorded before any key is known and never in plain text.
//!
//! The store keeps an X25519 key pair for this: the public key in the clear in `meta`, the
//! secret key sealed under the data key. A refused sign-in seals the login typed to the public
//! key (a sealed box: anyone can seal, only the secret key opens) into `sign_in_refused`; the
//! next unlock opens each one and moves it into the audit log. A store made before the key
//! pair existed gets one at its next unlock; a refusal recorded before then keeps no login.

use chrono::{DateTime, Utc};
use crypto_box::{PublicKey, SecretKey};
use sled::Transactional;

use super::audit_chain::{self, AUDIT_CHAIN};
use super::crypto::KeyRing;
use super::gate::Gate;
use super::{Store, StoreError, AUDIT, META};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::AuditId;

/// Refusals waiting for the next unlock: audit id -> `[FORMAT_SEALED][sealed box]`, or
/// `[FORMAT_NO_LOGIN]` when the store had no key pair yet.
const REFUSED: &str = "sign_in_refused";
/// Where earlier versions kept refusals, the login in plain text; emptied at the next unlock.
const LEGACY_PENDING: &str = "auth_pending";
const PUBLIC_KEY: &[u8] = b"sign_in_public_key";
const SECRET_KEY: &[u8] = b"sign_in_secret_key";
const FORMAT_NO_LOGIN: u8 = 0;
const FORMAT_SEALED: u8 = 1;

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
pub(super) fn record(db: &sled::Db, gate: &Gate, typed: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let login = recordable_login(typed);
    let meta = db.open_tree(META)?;
    let value = match meta.get(PUBLIC_KEY)?.and_then(|k| PublicKey::from_slice(&k).ok()) {
        Some(public) => match public.seal(&mut rand::rngs::OsRng, login.as_bytes()) {
            Ok(sealed) => [&[FORMAT_SEALED][..], &sealed].concat(),
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

impl Store {
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
                let login = if legacy_format {
                    Some(recordable_login(&String::from_utf8_lossy(&v)))
                } else {
                    match v.split_first() {
                        Some((&FORMAT_SEALED, sealed)) => secret
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
                    detail: "wrong password or unknown login".into(),
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
