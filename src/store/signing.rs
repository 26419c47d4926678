//! The signed-in operator's signing key (decision 0022): ops this desk commits in their name
//! are signed in the commit's transaction, and the signatures kept beside the op log
//! (sequence -> [`Signed`]), since the op-log entry's own bytes are what is signed.

use ring::signature::{Ed25519KeyPair, KeyPair};

use super::crypto::SigningSeed;
use super::StoreError;
use crate::domain::roster::{op_message, PublicKey, Signed};
use crate::domain::sync::OpBody;

/// Op-log sequence (8) -> the op's [`Signed`].
pub(crate) const OP_SIGNATURES: &str = "op_signatures";

/// An operator's key pair, in memory only while they are signed in.
pub struct OpSigner {
    pair: Ed25519KeyPair,
    public: PublicKey,
}

impl std::fmt::Debug for OpSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpSigner")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl OpSigner {
    /// The key pair a slot's password gives.
    pub fn from_seed(seed: &SigningSeed) -> Result<Self, StoreError> {
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed.0)
            .map_err(|_| StoreError::Io("cannot make a signing key".into()))?;
        let mut public = [0u8; 32];
        public.copy_from_slice(pair.public_key().as_ref());
        Ok(Self { pair, public })
    }

    /// Its public key.
    pub fn public(&self) -> PublicKey {
        self.public
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signed {
        Signed {
            key: self.public,
            signature: self.pair.sign(message).as_ref().to_vec(),
        }
    }
}

impl super::Store {
    /// After op-log entries were sealed again (a key rotation, an administrator's): each
    /// that was signed is signed again over its new bytes by the operator signed in here,
    /// which the server takes from an administrator as a re-sealing (decision 0022). With
    /// nobody signed in, a signature that can no longer match is removed.
    pub(super) fn sign_resealed(&self, seqs: &[u64]) -> Result<(), StoreError> {
        let tree = self.tree(OP_SIGNATURES)?;
        for &seq in seqs {
            let key = seq.to_be_bytes();
            if !tree.contains_key(key)? {
                continue;
            }
            let Some(op) = self
                .sealed_ops_after(seq.saturating_sub(1), 1)?
                .into_iter()
                .find(|o| o.seq == seq)
            else {
                continue;
            };
            let signed = match (&op.body, &self.signer) {
                (OpBody::Sealed { entry, .. }, Some((signer, _))) => {
                    Some(signer.sign(&op_message(&op.claims(), entry)))
                }
                _ => None,
            };
            match signed {
                Some(signed) => {
                    let raw = super::codec::encode_versioned(1, &signed).map_err(|e| StoreError::Io(e.to_string()))?;
                    tree.insert(key, raw)?;
                }
                None => {
                    tree.remove(key)?;
                }
            }
        }
        self.db.flush()?;
        Ok(())
    }
}
