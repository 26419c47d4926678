//! The store check's pass over what is not a record: key slots, the audit log, the op log
//! and the store settings.

use std::collections::HashSet;

use super::{CheckReport, Finding};
use crate::domain::ids::DeviceId;
use crate::domain::EntityKind;
use crate::store::crypto::KeySlot;
use crate::store::{decode_plain, show_key, Store, StoreError, AUDIT, KEY_SLOTS, META, STORE_FORMAT};

impl Store {
    pub(super) fn check_key_slots(&self, report: &mut CheckReport, logins: &HashSet<String>) -> Result<(), StoreError> {
        self.read_tree(KEY_SLOTS, report, None, &mut |report, k, v| {
            let login = String::from_utf8_lossy(k).into_owned();
            match decode_plain::<KeySlot>(KEY_SLOTS, k, v) {
                Ok(_) => {
                    report.key_slots += 1;
                    if !logins.contains(&login) {
                        report.add(
                            KEY_SLOTS,
                            login,
                            Some(EntityKind::Operator),
                            None,
                            Finding::KeySlotWithoutOperator,
                        );
                    }
                }
                Err(e) => {
                    let reason = match e {
                        StoreError::Corrupt { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    report.add(
                        KEY_SLOTS,
                        login,
                        Some(EntityKind::Operator),
                        None,
                        Finding::DamagedKeySlot { reason },
                    );
                }
            }
        })?;
        Ok(())
    }

    pub(super) fn check_sealed_log<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        report: &mut CheckReport,
        damaged: impl Fn(&mut CheckReport, String, String),
    ) -> Result<(), StoreError> {
        self.read_tree(
            name,
            report,
            None,
            &mut |report, k, v| match self.open_log_entry::<T>(name, k, v) {
                // An entry about an erased client is whole: only its content is gone.
                Ok(_) | Err(StoreError::Erased { .. }) if name == AUDIT => report.audit_entries += 1,
                Ok(_) => report.ops += 1,
                Err(e) => {
                    let reason = match e {
                        StoreError::Corrupt { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    damaged(report, show_key(k), reason)
                }
            },
        )?;
        Ok(())
    }

    fn open_log_entry<T: serde::de::DeserializeOwned>(&self, name: &str, k: &[u8], v: &[u8]) -> Result<(), StoreError> {
        if name == crate::store::OPLOG {
            self.open_op(k, v).map(drop)
        } else {
            self.open_plain::<T>(name, k, v).map(drop)
        }
    }

    pub(super) fn check_meta(&self, report: &mut CheckReport) -> Result<(), StoreError> {
        let meta = self.tree(META)?;
        let damaged = |report: &mut CheckReport, key: &str, reason: &str| {
            report.add(
                META,
                key.into(),
                None,
                None,
                Finding::DamagedMeta {
                    reason: reason.to_string(),
                },
            )
        };
        match meta.get(b"format") {
            Ok(Some(f)) if f.as_ref() == [STORE_FORMAT] => {}
            Ok(_) => damaged(report, "format", "missing or not this careerdesk's layout"),
            Err(e) => damaged(report, "format", &StoreError::from(e).to_string()),
        }
        match meta.get(b"device_id") {
            Ok(Some(d)) if DeviceId::from_key(&d).is_some() => {}
            Ok(_) => damaged(report, "device_id", "missing or not a device id"),
            Err(e) => damaged(report, "device_id", &StoreError::from(e).to_string()),
        }
        self.read_tree(META, report, None, &mut |report, k, v| {
            let sealed = k.starts_with(crate::store::SETTING_PREFIX) || k == b"sign_in_secret_key";
            // A saved copy sealed with a destroyed key is stale, not damaged (see subject_keys).
            let opens = match self.open_sealed(META, k, v) {
                Ok(_) | Err(crate::store::crypto::SealError::UnknownKey) => true,
                Err(_) => false,
            };
            if sealed && !opens {
                damaged(report, &String::from_utf8_lossy(k), "does not open");
            }
        })?;
        Ok(())
    }
}
