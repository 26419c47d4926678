//! Walking the term set's `fst` by hand: the terms under a prefix are one run of term numbers
//! (terms are numbered in term order), so their documents lie end to end in `postings` and
//! are taken as one slice instead of term by term.

use fst::raw::{Fst, Node};

use super::build::Built;

/// The node reached by `prefix` from the root and the output gathered on the way.
pub(super) fn descend<'f>(fst: &'f Fst<Vec<u8>>, prefix: &[u8]) -> Option<(Node<'f>, u64)> {
    let mut node = fst.root();
    let mut out = 0u64;
    for &b in prefix {
        let t = node.transition(node.find_input(b)?);
        out = out.wrapping_add(t.out.value());
        node = fst.node(t.addr);
    }
    Some((node, out))
}

/// The term numbers of every term below `node` (reached with output `out`): from the
/// smallest term's to one past the largest's.
pub(super) fn ranks(fst: &Fst<Vec<u8>>, node: Node<'_>, out: u64) -> Option<(u64, u64)> {
    let (mut n, mut o) = (node, out);
    let lo = loop {
        if n.is_final() {
            break o.wrapping_add(n.final_output().value());
        }
        let t = (!n.is_empty()).then(|| n.transition(0))?;
        o = o.wrapping_add(t.out.value());
        n = fst.node(t.addr);
    };
    let (mut n, mut o) = (node, out);
    let hi = loop {
        if n.is_empty() {
            break n.is_final().then(|| o.wrapping_add(n.final_output().value()))?;
        }
        let t = n.transition(n.len() - 1);
        o = o.wrapping_add(t.out.value());
        n = fst.node(t.addr);
    };
    (lo <= hi).then(|| (lo, hi.wrapping_add(1)))
}

/// The documents of every term starting with `prefix`, term after term (not merged), or
/// `None` when no term does.
pub(super) fn prefix_postings<'b>(built: &'b Built, prefix: &[u8]) -> Option<&'b [u32]> {
    let fst = built.terms.as_fst();
    let (node, out) = descend(fst, prefix)?;
    let (lo, hi) = ranks(fst, node, out)?;
    built.postings_between(lo, hi)
}

/// Sets the bits of `docs`.
pub(super) fn set_bits(bits: &mut [u64], docs: &[u32]) {
    for &d in docs {
        if let Some(w) = bits.get_mut(d as usize / 64) {
            *w |= 1 << (d % 64);
        }
    }
}
