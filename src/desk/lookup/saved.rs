//! The lookup as one value, so a desk reads it in one go at sign-in instead of opening every
//! client record and building the index again: the packed directory and the built index,
//! arrays of little-endian numbers and the two `fst` sets as they are. The value is sealed by
//! the store; reading it still checks every length and every number, so a damaged value is
//! refused (and the index built afresh), never trusted.

use super::build::Built;
use super::recent::Recent;
use super::Lookup;
use crate::desk::ClientDirectory;
use crate::domain::ids::ClientId;

const MAGIC: &[u8; 4] = b"CDLK";
/// Bump when the layout below or the terms (see `terms`) change: older values are rebuilt.
/// Format 2 added the merges from other desks it covers.
const FORMAT: u32 = 2;

/// What a saved lookup covers: the op log up to `op_seq`, and bulk loads up to `bulk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covers {
    /// The last op of this store the lookup includes.
    pub op_seq: u64,
    /// The store's count of bulk loads when it was built.
    pub bulk: u64,
    /// The last merge of another desk's op it includes (see `Store::applied_seq`).
    pub applied: u64,
}

/// Why a saved lookup was not used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SavedError {
    /// Made by another format of this program.
    #[error("saved client lookup has format {0}, this program reads {FORMAT}")]
    Format(u32),
    /// Cut short or inconsistent.
    #[error("saved client lookup is damaged: {0}")]
    Damaged(&'static str),
    /// Changed since its build (only a fully built lookup is saved).
    #[error("the client lookup has changes since its build; build it afresh before saving")]
    NotFresh,
}

impl Lookup {
    /// The lookup as bytes, with what it covers. Only a lookup with no changes since its build
    /// can be saved.
    pub fn to_bytes(&self, covers: Covers) -> Result<Vec<u8>, SavedError> {
        if !self.recent.is_empty() || self.stale.iter().any(|w| *w != 0) {
            return Err(SavedError::NotFresh);
        }
        let (ids, bounds, text) = self.dir.parts();
        let b = &self.built;
        let mut out = Vec::with_capacity(text.len() + ids.len() * 48 + b.bytes() + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&covers.op_seq.to_le_bytes());
        out.extend_from_slice(&covers.bulk.to_le_bytes());
        out.extend_from_slice(&covers.applied.to_le_bytes());
        put_len(&mut out, ids.len());
        for id in ids {
            out.extend_from_slice(&id.0.to_le_bytes());
        }
        put_u32s(&mut out, bounds.iter().flatten().copied(), bounds.len() * 5);
        put_bytes(&mut out, text.as_bytes());
        for list in [
            &b.docs,
            &b.doc_of,
            &b.post_starts,
            &b.postings,
            &b.union_starts,
            &b.unions,
        ] {
            put_u32s(&mut out, list.iter().copied(), list.len());
        }
        put_bytes(&mut out, b.terms.as_fst().as_bytes());
        put_bytes(&mut out, b.prefixes.as_fst().as_bytes());
        Ok(out)
    }

    /// Reads a saved lookup, checking it throughout.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Lookup, Covers), SavedError> {
        let mut r = Reader(bytes);
        if r.take(4)? != MAGIC {
            return Err(SavedError::Damaged("not a saved lookup"));
        }
        let format = r.u32()?;
        if format != FORMAT {
            return Err(SavedError::Format(format));
        }
        let covers = Covers {
            op_seq: r.u64()?,
            bulk: r.u64()?,
            applied: r.u64()?,
        };
        let n = r.len()?;
        let raw_ids = r.take(n.checked_mul(16).ok_or(SavedError::Damaged("size"))?)?;
        let ids: Vec<ClientId> = raw_ids
            .chunks_exact(16)
            .map(|c| ClientId(u128::from_le_bytes(c.try_into().unwrap_or([0; 16]))))
            .collect();
        let flat = r.u32s()?;
        if flat.len() != n * 5 {
            return Err(SavedError::Damaged("entry bounds"));
        }
        let bounds: Vec<[u32; 5]> = flat.chunks_exact(5).map(|c| [c[0], c[1], c[2], c[3], c[4]]).collect();
        let text = String::from_utf8(r.bytes()?.to_vec()).map_err(|_| SavedError::Damaged("text"))?;
        let dir = ClientDirectory::from_parts(ids, bounds, text).ok_or(SavedError::Damaged("entries"))?;
        let (docs, doc_of, post_starts, postings, union_starts, unions) =
            (r.u32s()?, r.u32s()?, r.u32s()?, r.u32s()?, r.u32s()?, r.u32s()?);
        let terms = set_of(r.bytes()?, "terms")?;
        let prefixes = set_of(r.bytes()?, "prefixes")?;
        if !r.0.is_empty() {
            return Err(SavedError::Damaged("trailing bytes"));
        }
        let built = Built {
            docs,
            doc_of,
            terms,
            post_starts,
            postings,
            prefixes,
            union_starts,
            unions,
        };
        check(&built, n)?;
        let stale = vec![0; n.div_ceil(64)];
        Ok((
            Lookup {
                dir,
                built,
                stale,
                recent: Recent::default(),
                covers: Some(covers),
            },
            covers,
        ))
    }
}

/// An fst map, its checksum verified: fst trusts its bytes when searching.
fn set_of(bytes: &[u8], what: &'static str) -> Result<fst::Map<Vec<u8>>, SavedError> {
    let map = fst::Map::new(bytes.to_vec()).map_err(|_| SavedError::Damaged(what))?;
    map.as_fst().verify().map_err(|_| SavedError::Damaged(what))?;
    Ok(map)
}

/// Every number points where it may: a damaged value must fail here, not panic in a search.
fn check(b: &Built, n: usize) -> Result<(), SavedError> {
    let below = |list: &[u32], max: usize| list.iter().all(|&x| (x as usize) < max);
    if b.docs.len() != n || b.doc_of.len() != n || !below(&b.docs, n) || !below(&b.doc_of, n) {
        return Err(SavedError::Damaged("document order"));
    }
    if b.doc_of
        .iter()
        .enumerate()
        .any(|(i, &d)| b.docs[d as usize] as usize != i)
    {
        return Err(SavedError::Damaged("document order"));
    }
    let starts_ok = |starts: &[u32], len: usize| {
        starts.first() == Some(&0)
            && starts.last().map(|&l| l as usize) == Some(len)
            && starts.windows(2).all(|w| w[0] <= w[1])
    };
    if b.post_starts.len() != b.terms.len() + 1
        || !starts_ok(&b.post_starts, b.postings.len())
        || !below(&b.postings, n)
    {
        return Err(SavedError::Damaged("term lists"));
    }
    if b.union_starts.len() != b.prefixes.len() + 1
        || !starts_ok(&b.union_starts, b.unions.len())
        || !below(&b.unions, n)
    {
        return Err(SavedError::Damaged("prefix lists"));
    }
    let ascending = |starts: &[u32], list: &[u32]| {
        starts
            .windows(2)
            .all(|w| list[w[0] as usize..w[1] as usize].windows(2).all(|p| p[0] < p[1]))
    };
    if !ascending(&b.post_starts, &b.postings) || !ascending(&b.union_starts, &b.unions) {
        return Err(SavedError::Damaged("list order"));
    }
    // The fsts' values are term and list numbers; an out-of-range one reads as an empty list.
    Ok(())
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&(len as u64).to_le_bytes());
}

fn put_u32s(out: &mut Vec<u8>, items: impl Iterator<Item = u32>, len: usize) {
    put_len(out, len);
    for x in items {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SavedError> {
        if self.0.len() < n {
            return Err(SavedError::Damaged("cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, SavedError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, SavedError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn len(&mut self) -> Result<usize, SavedError> {
        usize::try_from(self.u64()?).map_err(|_| SavedError::Damaged("size"))
    }

    fn u32s(&mut self) -> Result<Vec<u32>, SavedError> {
        let n = self.len()?;
        let raw = self.take(n.checked_mul(4).ok_or(SavedError::Damaged("size"))?)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    fn bytes(&mut self) -> Result<&'a [u8], SavedError> {
        let n = self.len()?;
        self.take(n)
    }
}
