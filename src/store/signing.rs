//! The signed-in operator's signing key (decision 0022): ops this desk commits in their name
//! are signed in the commit's transaction, and the signatures kept beside the op log
//! (sequence -> [`Signed`]), since the op-log entry's own bytes are what is signed.

use ring::signature::{Ed25519KeyPair, KeyPair};

use super::crypto::SigningSeed;
use super::StoreError;
use crate::domain::roster::{PublicKey, Signed};

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
