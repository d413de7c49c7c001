//! RFC 6962 / RFC 9162 Merkle tree math over the stored-hash layout of
//! `golang.org/x/mod/sumdb/tlog`.
//!
//! Every hash of the tree (leaf hashes at level 0, the hash of each complete subtree of 2^L
//! leaves at level L) is stored once, in one sequence, at [`stored_hash_index`]`(L, K)`, where K
//! is the subtree's position among those of its level. The sequence only grows: adding leaf `n`
//! appends [`stored_hashes_for_leaf`] (the leaf hash, then every subtree it completes), so the
//! store is an append-only table of hashes keyed by that index.

use sha2::{Digest, Sha256};

use crate::LogError;

/// A SHA-256 Merkle tree hash.
pub type Hash = [u8; 32];

/// Bytes in a [`Hash`].
pub const HASH_SIZE: usize = 32;

/// Reads stored hashes by [`stored_hash_index`]; the store implements it.
///
/// `read_hashes` must return exactly one hash per index, in the order asked. Callers only ask for
/// hashes that are stored for the tree size they pass (see each function).
pub trait HashReader {
    /// The store's error; it reaches the caller as [`LogError::Store`].
    type Error: std::error::Error + Send + Sync + 'static;
    /// The hashes at these stored hash indexes, in this order.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Self::Error>;
}

/// An in-memory store: the stored hashes in index order (tests, small tools).
impl HashReader for [Hash] {
    type Error = LogError;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|u| self.get(u))
                    .copied()
                    .ok_or(LogError::MissingHash(i))
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    type Error = LogError;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    type Error = R::Error;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, R::Error> {
        (**self).read_hashes(indexes)
    }
}

fn read(reader: &(impl HashReader + ?Sized), indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader
        .read_hashes(indexes)
        .map_err(|e| LogError::Store(Box::new(e)))?;
    if hashes.len() != indexes.len() {
        return Err(LogError::ShortRead {
            wanted: indexes.len(),
            got: hashes.len(),
        });
    }
    Ok(hashes)
}

/// RFC 6962 §2.1 leaf hash: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// RFC 6962 §2.1 interior node hash: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// RFC 6962 §2.1 hash of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Where the hash of the `n`-th complete subtree of `2^level` leaves is stored (x/mod tlog
/// `StoredHashIndex`). Exact for trees below 2^63 leaves (the index is about twice the leaf
/// count); beyond, the result wraps rather than panics.
///
/// A node's hash is stored right after its right child's (the node is complete when its
/// rightmost leaf is added), so the sequence is: leaf 0, leaf 1, node(0..2), leaf 2, leaf 3,
/// node(2..4), node(0..4), leaf 4, ...
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    // Move down to the rightmost leaf under the node, whose stored index is
    // n + n/2 + n/4 + ... (the leaf, plus every node completed before it),
    // then add back one index per level above that leaf.
    // Wrapping: exact for every subtree of a tree below 2^63 leaves; no panic beyond.
    let mut n = n;
    for _ in 0..level {
        n = n.wrapping_mul(2).wrapping_add(1);
    }
    let mut i = 0u64;
    while n > 0 {
        i = i.wrapping_add(n);
        n >>= 1;
    }
    i.wrapping_add(u64::from(level))
}

/// The inverse of [`stored_hash_index`]: the `(level, n)` of the subtree whose hash is stored at
/// `index` (x/mod tlog `SplitStoredHashIndex`).
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    // stored_hash_index(0, n) <= 2n, so the leaf whose hashes include `index` is in
    // [index/2, index/2 + log2(index)]: step forward while leaf n+1's hashes start at or
    // before `index` (leaf n adds 1 + trailing_ones(n) hashes).
    let mut n = index / 2;
    let mut at = stored_hash_index(0, n);
    // At most log2(index) steps for any index of a tree below 2^63 leaves; the bound keeps
    // absurd indexes (where the index math wraps) from looping.
    for _ in 0..130 {
        let next = at.saturating_add(1 + u64::from(n.trailing_ones()));
        if next > index || n == u64::MAX {
            break;
        }
        n += 1;
        at = next;
    }
    // The hash was stored with leaf n: it is one of (0, n), (1, n/2), (2, n/4), ...
    let level = index.saturating_sub(at).min(63) as u8;
    (level, n >> level)
}

/// How many hashes are stored for a tree of `n` leaves (x/mod tlog `StoredHashCount`): the
/// index at which the hashes of leaf `n` go.
pub fn stored_hash_count(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    // Up to and including the last leaf hash, then each subtree that leaf completes.
    let mut count = stored_hash_index(0, n - 1) + 1;
    let mut i = n - 1;
    while i & 1 == 1 {
        count += 1;
        i >>= 1;
    }
    count
}

/// The hashes to append to the store when leaf `n` (zero-based; the tree has `n` leaves) with
/// leaf hash `leaf` is added, starting at stored index [`stored_hash_count`]`(n)`: the leaf hash,
/// then the hash of every subtree it completes (x/mod tlog `StoredHashesForRecordHash`).
///
/// Reads the stored hashes of the left siblings, all stored for a tree of size `n`.
pub fn stored_hashes_for_leaf(
    n: u64,
    leaf: &Hash,
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, LogError> {
    // Each trailing 1 bit of n completes a subtree with the adjacent left one.
    let m = (!n).trailing_zeros() as u8;
    let indexes: Vec<u64> = (0..m)
        .rev()
        .map(|level| stored_hash_index(level, (n >> level) - 1))
        .collect();
    let old = read(reader, &indexes)?;
    let mut hashes = Vec::with_capacity(usize::from(m) + 1);
    let mut h = *leaf;
    hashes.push(h);
    for level in 0..usize::from(m) {
        h = node_hash(&old[usize::from(m) - 1 - level], &h);
        hashes.push(h);
    }
    Ok(hashes)
}

/// Largest power of two `<= n` (`n >= 1`), and its log2.
fn max_pow2_le(n: u64) -> (u64, u8) {
    let level = 63 - n.leading_zeros() as u8;
    (1 << level, level)
}

/// Largest power of two `< n` (`n >= 2`): RFC 6962's split point `k`.
fn split(n: u64) -> u64 {
    max_pow2_le(n - 1).0
}

/// Stored hash indexes whose fold is MTH(D[lo:hi]): the complete subtrees covering
/// `[lo, hi)`, largest first (x/mod tlog `subTreeIndex`).
fn subtree_indexes(mut lo: u64, hi: u64, out: &mut Vec<u64>) {
    while lo < hi {
        let (k, level) = max_pow2_le(hi - lo);
        debug_assert_eq!(lo & (k - 1), 0, "unaligned subtree");
        out.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
}

fn subtree_count(mut lo: u64, hi: u64) -> usize {
    let mut count = 0;
    while lo < hi {
        lo += max_pow2_le(hi - lo).0;
        count += 1;
    }
    count
}

/// MTH(D[lo:hi]) from the stored hashes of its complete subtrees, largest (leftmost) first.
fn fold_subtrees(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let mut h = *iter.next().expect("a non-empty range has a subtree");
    for left in iter {
        h = node_hash(left, &h);
    }
    h
}

/// The RFC 6962 hashes MTH(D[lo:hi]) of these ranges, with one read.
fn range_hashes(
    ranges: &[(u64, u64)],
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, LogError> {
    let mut indexes = Vec::new();
    for &(lo, hi) in ranges {
        subtree_indexes(lo, hi, &mut indexes);
    }
    let stored = read(reader, &indexes)?;
    let mut out = Vec::with_capacity(ranges.len());
    let mut at = 0;
    for &(lo, hi) in ranges {
        let count = subtree_count(lo, hi);
        out.push(fold_subtrees(&stored[at..at + count]));
        at += count;
    }
    Ok(out)
}

/// RFC 6962 §2.1 MTH of the first `n` leaves; [`empty_root`] for `n == 0`.
///
/// Reads only hashes stored for a tree of size `n`.
pub fn tree_hash(n: u64, reader: &(impl HashReader + ?Sized)) -> Result<Hash, LogError> {
    if n == 0 {
        return Ok(empty_root());
    }
    Ok(range_hashes(&[(0, n)], reader)?[0])
}

/// RFC 9162 §2.1.3.1 inclusion proof (RFC 6962 §2.1.1 PATH) of leaf `index` in the tree of the
/// first `n` leaves: sibling hashes from the leaf's up to the root's children.
pub fn inclusion_proof(
    n: u64,
    index: u64,
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, LogError> {
    if index >= n {
        return Err(LogError::IndexOutOfRange { index, size: n });
    }
    // PATH(m, D[lo:hi]) = PATH(m, D[lo:lo+k]) : MTH(D[lo+k:hi]) if m < lo+k, else
    // PATH(m, D[lo+k:hi]) : MTH(D[lo:lo+k]). Walk down from the root; reverse at the end.
    let (mut lo, mut hi) = (0, n);
    let mut ranges = Vec::new();
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index < lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
        }
    }
    ranges.reverse();
    range_hashes(&ranges, reader)
}

/// RFC 9162 §2.1.4.1 consistency proof (RFC 6962 §2.1.2 PROOF) from the tree of the first `m`
/// leaves to the tree of the first `n` leaves, `m <= n`. Empty when `m == 0` or `m == n`.
pub fn consistency_proof(
    n: u64,
    m: u64,
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<Hash>, LogError> {
    if m > n {
        return Err(LogError::SizeOrder { old: m, new: n });
    }
    if m == 0 || m == n {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[lo:hi], b): if m == hi: [] if b else [MTH(D[lo:hi])]; otherwise split at
    // k: m <= lo+k: SUBPROOF(m, D[lo:lo+k], b) : MTH(D[lo+k:hi]); else
    // SUBPROOF(m, D[lo+k:hi], false) : MTH(D[lo:lo+k]).
    let (mut lo, mut hi, mut complete) = (0, n, true);
    let mut ranges = Vec::new();
    loop {
        if m == hi {
            if !complete {
                ranges.push((lo, hi));
            }
            break;
        }
        let k = split(hi - lo);
        if m <= lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
            complete = false;
        }
    }
    ranges.reverse();
    range_hashes(&ranges, reader)
}

/// RFC 9162 §2.1.3.2: verify that `leaf` (a [`leaf_hash`]) is at `index` in the tree of size
/// `n` with root `root`.
pub fn verify_inclusion(
    proof: &[Hash],
    n: u64,
    root: &Hash,
    index: u64,
    leaf: &Hash,
) -> Result<(), LogError> {
    if index >= n {
        return Err(LogError::IndexOutOfRange { index, size: n });
    }
    let (mut fn_, mut sn) = (index, n - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(LogError::InclusionProof("proof is too long"));
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(LogError::InclusionProof("proof is too short"));
    }
    if r != *root {
        return Err(LogError::InclusionProof("root hash does not match"));
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: verify that the tree of size `m` with root `root_m` is a prefix of the
/// tree of size `n` with root `root_n`.
///
/// `m == n` needs an empty proof and equal roots; `m == 0` needs an empty proof and `root_m`
/// equal to [`empty_root`] (every tree extends the empty one).
pub fn verify_consistency(
    proof: &[Hash],
    n: u64,
    root_n: &Hash,
    m: u64,
    root_m: &Hash,
) -> Result<(), LogError> {
    if m > n {
        return Err(LogError::SizeOrder { old: m, new: n });
    }
    if m == 0 || m == n {
        if !proof.is_empty() {
            return Err(LogError::ConsistencyProof("proof is not empty"));
        }
        if m == 0 && *root_m != empty_root() {
            return Err(LogError::ConsistencyProof(
                "root of size 0 is not the empty root",
            ));
        }
        if m == n && root_m != root_n {
            return Err(LogError::ConsistencyProof("roots of the same size differ"));
        }
        return Ok(());
    }
    // 1. An empty path fails.
    if proof.is_empty() {
        return Err(LogError::ConsistencyProof("proof is empty"));
    }
    // 2. If m is an exact power of 2, the path starts with root_m.
    let path: Vec<&Hash> = if m.is_power_of_two() {
        std::iter::once(root_m).chain(proof).collect()
    } else {
        proof.iter().collect()
    };
    // 3.-4.
    let (mut fn_, mut sn) = (m - 1, n - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5.
    let (mut fr, mut sr) = (*path[0], *path[0]);
    // 6.
    for c in &path[1..] {
        if sn == 0 {
            return Err(LogError::ConsistencyProof("proof is too long"));
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // 7.
    if sn != 0 {
        return Err(LogError::ConsistencyProof("proof is too short"));
    }
    if fr != *root_m {
        return Err(LogError::ConsistencyProof("old root does not match"));
    }
    if sr != *root_n {
        return Err(LogError::ConsistencyProof("new root does not match"));
    }
    Ok(())
}
