//! Each record's field clocks (`domain::merge::FieldClocks`): written in the same transaction
//! as every local commit and every change merged from another desk, and read when merging.
//! A client's records' clocks are sealed with the client's key, like the records themselves.

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::codec;
use super::{Store, StoreError};
use crate::domain::merge::FieldClocks;
use crate::domain::RecordRef;

/// Kind's tree name ++ `/` ++ id (16) -> sealed [`FieldClocks`].
pub(crate) const FIELD_CLOCKS: &str = "field_clocks";

/// Where a record's clocks are kept.
pub(crate) fn clock_key(record: RecordRef) -> Vec<u8> {
    let mut k = record.kind.tree().as_bytes().to_vec();
    k.push(b'/');
    k.extend_from_slice(&record.id.to_be_bytes());
    k
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

impl Store {
    /// A record's clocks as stored (none yet: the default).
    pub(crate) fn field_clocks(&self, record: RecordRef) -> Result<FieldClocks, StoreError> {
        let key = clock_key(record);
        match self.tree(FIELD_CLOCKS)?.get(&key)? {
            Some(sealed) => self.open_clocks(&key, &sealed),
            None => Ok(FieldClocks::default()),
        }
    }

    fn open_clocks(&self, key: &[u8], sealed: &[u8]) -> Result<FieldClocks, StoreError> {
        match self.open_sealed(FIELD_CLOCKS, key, sealed) {
            Ok(plain) => super::decode_plain(FIELD_CLOCKS, key, &plain),
            // The client was erased: nothing of theirs is merged again.
            Err(super::crypto::SealError::UnknownKey) => Ok(FieldClocks::default()),
            Err(e) => Err(StoreError::Corrupt {
                tree: FIELD_CLOCKS.into(),
                key: super::show_key(key),
                reason: e.to_string(),
            }),
        }
    }

    /// The sealed bytes of a record's clocks, under its client's key if it has one.
    pub(crate) fn seal_clocks(
        &self,
        record: RecordRef,
        subject: Option<u128>,
        clocks: &FieldClocks,
    ) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
        let key = clock_key(record);
        let sealed = self.seal_for(subject, FIELD_CLOCKS, &key, codec::encode_versioned(1, clocks))?;
        Ok((key, sealed))
    }

    /// Reads a record's clocks inside a transaction, lets `change` alter them, and writes them.
    pub(crate) fn tx_touch_clocks(
        &self,
        tx: &TransactionalTree,
        record: RecordRef,
        subject: Option<u128>,
        change: impl FnOnce(&mut FieldClocks),
    ) -> TxResult<()> {
        let key = clock_key(record);
        let mut clocks = match tx.get(&key)? {
            Some(sealed) => self
                .open_clocks(&key, &sealed)
                .map_err(ConflictableTransactionError::Abort)?,
            None => FieldClocks::default(),
        };
        change(&mut clocks);
        let (_, sealed) = self
            .seal_clocks(record, subject, &clocks)
            .map_err(ConflictableTransactionError::Abort)?;
        tx.insert(key, sealed)?;
        Ok(())
    }
}
