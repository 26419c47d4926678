//! Sealing at rest (XChaCha20-Poly1305) and key slots (argon2id-wrapped data keys).
//!
//! Every stored value is an envelope: `[ENVELOPE_V1][key ref][nonce][ciphertext+tag]`. The key
//! ref names which key sealed it: the institution data key, or a subject key (a client's own
//! data key, or another key kept only to be destroyed) named by its id and generation, so that
//! destroying that key makes every copy unreadable (crypto-erasure; see `subject_keys`). The
//! tree name and record key, and the key ref itself, are bound in as associated data, so a value
//! moved to another key or tree fails to open.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

const ENVELOPE_V1: u8 = 1;
const KEYREF_INSTITUTION: u8 = 0;
const KEYREF_SUBJECT: u8 = 1;
const NONCE_LEN: usize = 24;

/// Which key sealed a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRef {
    /// The institution data key.
    Institution,
    /// A subject key: a client's own data key (by client id), or another destroyable key.
    Subject {
        /// Whose key: a client id, or a reserved id (see `subject_keys`).
        id: u128,
        /// Which generation of that subject's key (a rotation makes a new one).
        generation: u32,
    },
}

impl KeyRef {
    /// The key ref a sealed value names, read from its header without opening it.
    pub fn of(sealed: &[u8]) -> Result<(KeyRef, usize), SealError> {
        let (&version, rest) = sealed.split_first().ok_or(SealError::Malformed("empty"))?;
        if version != ENVELOPE_V1 {
            return Err(SealError::Malformed("unknown envelope version"));
        }
        let (&kref, rest) = rest.split_first().ok_or(SealError::Malformed("no key ref"))?;
        match kref {
            KEYREF_INSTITUTION => Ok((KeyRef::Institution, 2)),
            KEYREF_SUBJECT if rest.len() >= 20 => {
                let id = u128::from_be_bytes(rest[..16].try_into().map_err(|_| SealError::Malformed("key ref"))?);
                let generation =
                    u32::from_be_bytes(rest[16..20].try_into().map_err(|_| SealError::Malformed("key ref"))?);
                Ok((KeyRef::Subject { id, generation }, 22))
            }
            _ => Err(SealError::Malformed("unknown key ref")),
        }
    }

    fn header(self) -> Vec<u8> {
        match self {
            KeyRef::Institution => vec![ENVELOPE_V1, KEYREF_INSTITUTION],
            KeyRef::Subject { id, generation } => {
                let mut h = Vec::with_capacity(22);
                h.extend_from_slice(&[ENVELOPE_V1, KEYREF_SUBJECT]);
                h.extend_from_slice(&id.to_be_bytes());
                h.extend_from_slice(&generation.to_be_bytes());
                h
            }
        }
    }
}

/// A subject's data key, ready to seal and open (wiped from memory on drop by the cipher).
#[derive(Clone)]
pub struct SubjectKey {
    key_ref: KeyRef,
    cipher: XChaCha20Poly1305,
}

impl SubjectKey {
    /// The key ref values sealed with it carry.
    pub fn key_ref(&self) -> KeyRef {
        self.key_ref
    }

    /// Seals `plain` for storage under `tree`/`key` with this key.
    pub fn seal(&self, tree: &str, key: &[u8], plain: &[u8]) -> Result<Vec<u8>, SealError> {
        seal_with(&self.cipher, &self.key_ref.header(), tree, key, plain)
    }

    /// Opens a value this key sealed for the same `tree`/`key`.
    pub fn open(&self, tree: &str, key: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        let (found, header_len) = KeyRef::of(sealed)?;
        if found != self.key_ref {
            return Err(SealError::UnknownKey);
        }
        open_with(&self.cipher, tree, key, sealed, header_len)
    }
}

/// Length of a wrapped subject key: nonce, the 32-byte key, tag.
pub const WRAPPED_SUBJECT_KEY: usize = NONCE_LEN + 32 + 16;

fn seal_with(
    cipher: &XChaCha20Poly1305,
    header: &[u8],
    tree: &str,
    key: &[u8],
    plain: &[u8],
) -> Result<Vec<u8>, SealError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::thread_rng().fill_bytes(&mut nonce);
    let aad = aad(tree, key, header);
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: &aad })
        // Encryption only fails for messages over 256 GiB.
        .map_err(|_| SealError::Malformed("too large to seal"))?;
    let mut out = Vec::with_capacity(header.len() + NONCE_LEN + ct.len());
    out.extend_from_slice(header);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open_with(
    cipher: &XChaCha20Poly1305,
    tree: &str,
    key: &[u8],
    sealed: &[u8],
    header_len: usize,
) -> Result<Vec<u8>, SealError> {
    let rest = &sealed[header_len..];
    if rest.len() < NONCE_LEN + 16 {
        return Err(SealError::Malformed("too short"));
    }
    let (nonce, ct) = rest.split_at(NONCE_LEN);
    let aad = aad(tree, key, &sealed[..header_len]);
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
        .map_err(|_| SealError::Decrypt)
}

/// Why a value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The envelope is shorter than its header or has an unknown version.
    #[error("the sealed value is malformed ({0})")]
    Malformed(&'static str),
    /// Authentication failed: wrong key, or the bytes were changed.
    #[error("the value failed to decrypt (wrong key or damaged bytes)")]
    Decrypt,
    /// The value names a key this store does not hold.
    #[error("the value is sealed with a key this store does not hold")]
    UnknownKey,
}

/// The institution data key: 32 random bytes, wiped from memory on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Self(k)
    }
}

/// The keys an unlocked store holds, and the index-hashing key derived from them.
#[derive(Clone)]
pub struct KeyRing {
    institution: DataKey,
    cipher: XChaCha20Poly1305,
    index_key: [u8; 32],
}

impl KeyRing {
    /// A key ring around the institution data key.
    pub fn new(institution: DataKey) -> Self {
        let cipher = XChaCha20Poly1305::new((&institution.0).into());
        let index_key = blake3::derive_key("careerdesk 2026 index keys v1", &institution.0);
        Self {
            institution,
            cipher,
            index_key,
        }
    }

    /// A value that tells whether two stores hold the same institution key, and nothing of
    /// the key itself (sync's server keeps it to refuse another institution's desks).
    pub fn institution_check(&self) -> [u8; 32] {
        blake3::derive_key("careerdesk 2026 institution check v1", &self.institution.0)
    }

    /// The institution data key (to wrap it in a new key slot).
    pub(crate) fn institution(&self) -> &DataKey {
        &self.institution
    }

    /// Seals `plain` for storage under `tree`/`key` with the institution key.
    pub fn seal(&self, tree: &str, key: &[u8], plain: &[u8]) -> Result<Vec<u8>, SealError> {
        seal_with(&self.cipher, &KeyRef::Institution.header(), tree, key, plain)
    }

    /// Opens a value sealed by [`KeyRing::seal`] for the same `tree`/`key`; a value sealed with
    /// a subject key is [`SealError::UnknownKey`] here (the store opens those).
    pub fn open(&self, tree: &str, key: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        match KeyRef::of(sealed)? {
            (KeyRef::Institution, header_len) => open_with(&self.cipher, tree, key, sealed, header_len),
            (KeyRef::Subject { .. }, _) => Err(SealError::UnknownKey),
        }
    }

    /// A fresh random subject key, and its wrapped form (sealed with the institution key and
    /// bound to its id and generation) for the key file.
    pub fn new_subject_key(
        &self,
        id: u128,
        generation: u32,
    ) -> Result<(SubjectKey, [u8; WRAPPED_SUBJECT_KEY]), SealError> {
        let mut raw = DataKey::generate();
        let key_ref = KeyRef::Subject { id, generation };
        let sealed = seal_with(&self.cipher, &[], "subject key", &key_ref.header(), &raw.0)?;
        let wrapped: [u8; WRAPPED_SUBJECT_KEY] = sealed
            .as_slice()
            .try_into()
            .map_err(|_| SealError::Malformed("wrapped key length"))?;
        let key = SubjectKey {
            key_ref,
            cipher: XChaCha20Poly1305::new((&raw.0).into()),
        };
        raw.0.zeroize();
        Ok((key, wrapped))
    }

    /// Unwraps a subject key from the key file.
    pub fn unwrap_subject_key(
        &self,
        id: u128,
        generation: u32,
        wrapped: &[u8; WRAPPED_SUBJECT_KEY],
    ) -> Result<SubjectKey, SealError> {
        let key_ref = KeyRef::Subject { id, generation };
        let mut plain = open_with(&self.cipher, "subject key", &key_ref.header(), wrapped, 0)?;
        if plain.len() != 32 {
            plain.zeroize();
            return Err(SealError::Malformed("wrapped key length"));
        }
        let cipher = XChaCha20Poly1305::new(plain.as_slice().into());
        plain.zeroize();
        Ok(SubjectKey { key_ref, cipher })
    }

    /// A keyed hash for a secondary-index key, so index trees hold no readable personal data.
    pub fn index_hash(&self, purpose: &str, value: &str) -> [u8; 16] {
        let mut h = blake3::Hasher::new_keyed(&self.index_key);
        h.update(purpose.as_bytes());
        h.update(&[0]);
        h.update(value.as_bytes());
        let mut out = [0u8; 16];
        out.copy_from_slice(&h.finalize().as_bytes()[..16]);
        out
    }
}

fn aad(tree: &str, key: &[u8], header: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(tree.len() + key.len() + header.len() + 2);
    a.extend_from_slice(tree.as_bytes());
    a.push(0);
    a.extend_from_slice(key);
    a.push(0);
    a.extend_from_slice(header);
    a
}

/// argon2id cost settings for a key slot (stored with it so they can be raised later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for KdfParams {
    /// OWASP's recommended argon2id settings (19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        Self {
            m_kib: 19 * 1024,
            t: 2,
            p: 1,
        }
    }
}

/// The data key wrapped under one operator's password (SEC-01: each operator their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySlot {
    /// The operator's login.
    pub login: String,
    /// argon2id salt.
    pub salt: [u8; 16],
    /// argon2id settings.
    pub kdf: KdfParams,
    /// Nonce for the wrap.
    pub nonce: [u8; NONCE_LEN],
    /// The sealed data key.
    pub wrapped: Vec<u8>,
}

fn derive(password: &str, salt: &[u8; 16], kdf: KdfParams) -> Result<[u8; 32], SealError> {
    let params = Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(|_| SealError::Malformed("kdf params"))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, &mut out)
        .map_err(|_| SealError::Malformed("kdf"))?;
    Ok(out)
}

impl KeySlot {
    /// Wraps `key` under `password` for `login`.
    pub fn wrap(login: &str, password: &str, key: &DataKey, kdf: KdfParams) -> Result<Self, SealError> {
        Self::wrap_signing(login, password, key, kdf).map(|(slot, _)| slot)
    }

    /// [`KeySlot::wrap`], with the seed of the operator's signing key this password gives.
    pub fn wrap_signing(
        login: &str,
        password: &str,
        key: &DataKey,
        kdf: KdfParams,
    ) -> Result<(Self, SigningSeed), SealError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut kek = derive(password, &salt, kdf)?;
        let cipher = XChaCha20Poly1305::new((&kek).into());
        let seed = SigningSeed::from_kek(&kek);
        kek.zeroize();
        let wrapped = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key.0,
                    aad: login.as_bytes(),
                },
            )
            .map_err(|_| SealError::Decrypt)?;
        let slot = Self {
            login: login.to_string(),
            salt,
            kdf,
            nonce,
            wrapped,
        };
        Ok((slot, seed))
    }

    /// Unwraps the data key; fails with [`SealError::Decrypt`] on a wrong password.
    pub fn unwrap_key(&self, password: &str) -> Result<DataKey, SealError> {
        self.unwrap_signing(password).map(|(key, _)| key)
    }

    /// [`KeySlot::unwrap_key`], with the seed of the operator's signing key.
    pub fn unwrap_signing(&self, password: &str) -> Result<(DataKey, SigningSeed), SealError> {
        let mut kek = derive(password, &self.salt, self.kdf)?;
        let cipher = XChaCha20Poly1305::new((&kek).into());
        let seed = SigningSeed::from_kek(&kek);
        kek.zeroize();
        let mut plain = cipher
            .decrypt(
                XNonce::from_slice(&self.nonce),
                Payload {
                    msg: &self.wrapped,
                    aad: self.login.as_bytes(),
                },
            )
            .map_err(|_| SealError::Decrypt)?;
        let mut k = [0u8; 32];
        if plain.len() != 32 {
            plain.zeroize();
            return Err(SealError::Malformed("wrapped key length"));
        }
        k.copy_from_slice(&plain);
        plain.zeroize();
        Ok((DataKey(k), seed))
    }
}

/// The seed of an operator's Ed25519 signing key (decision 0022): derived from the key their
/// password gives for their slot, never stored, wiped when dropped.
#[derive(ZeroizeOnDrop)]
pub struct SigningSeed(pub(crate) [u8; 32]);

impl SigningSeed {
    fn from_kek(kek: &[u8; 32]) -> Self {
        Self(blake3::derive_key("careerdesk 2026 operator signing key v1", kek))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_under_their_tree_and_key() {
        let ring = KeyRing::new(DataKey::generate());
        let sealed = ring.seal("clients", b"k1", b"hello canary").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"canary"));
        assert_eq!(ring.open("clients", b"k1", &sealed).unwrap(), b"hello canary");
        assert_eq!(ring.open("clients", b"k2", &sealed), Err(SealError::Decrypt));
        assert_eq!(ring.open("notes", b"k1", &sealed), Err(SealError::Decrypt));
        let other = KeyRing::new(DataKey::generate());
        assert_eq!(other.open("clients", b"k1", &sealed), Err(SealError::Decrypt));
        let mut damaged = sealed.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert_eq!(ring.open("clients", b"k1", &damaged), Err(SealError::Decrypt));
        assert!(matches!(
            ring.open("clients", b"k1", &sealed[..10]),
            Err(SealError::Malformed(_))
        ));
    }

    #[test]
    fn data_05_subject_keys_open_only_their_own_values_and_unwrap_only_as_themselves() {
        let ring = KeyRing::new(DataKey::generate());
        let (key, wrapped) = ring.new_subject_key(7, 1).unwrap();
        let sealed = key.seal("clients", b"k", b"canary").unwrap();
        assert_eq!(KeyRef::of(&sealed).unwrap().0, KeyRef::Subject { id: 7, generation: 1 });
        assert_eq!(key.open("clients", b"k", &sealed).unwrap(), b"canary");
        // The institution key alone cannot open it: that is what erasure relies on.
        assert_eq!(ring.open("clients", b"k", &sealed), Err(SealError::UnknownKey));
        let back = ring.unwrap_subject_key(7, 1, &wrapped).unwrap();
        assert_eq!(back.open("clients", b"k", &sealed).unwrap(), b"canary");
        // A wrapped key moved to another subject or generation does not unwrap.
        assert_eq!(ring.unwrap_subject_key(8, 1, &wrapped).err(), Some(SealError::Decrypt));
        assert_eq!(ring.unwrap_subject_key(7, 2, &wrapped).err(), Some(SealError::Decrypt));
        let (other, _) = ring.new_subject_key(7, 2).unwrap();
        assert_eq!(other.open("clients", b"k", &sealed), Err(SealError::UnknownKey));
    }

    #[test]
    fn sec_01_key_slot_opens_only_with_the_operators_password() {
        let key = DataKey::generate();
        let kdf = KdfParams { m_kib: 64, t: 1, p: 1 };
        let slot = KeySlot::wrap("sam", "correct horse", &key, kdf).unwrap();
        let back = slot.unwrap_key("correct horse").unwrap();
        assert_eq!(back.0, key.0);
        assert_eq!(slot.unwrap_key("wrong").err(), Some(SealError::Decrypt));
        let mut renamed = slot.clone();
        renamed.login = "alex".into();
        assert!(renamed.unwrap_key("correct horse").is_err());
    }
}
