//! The one error type of the crate: every variant names what was wrong.

/// An error from the log math or from parsing or verifying a log format.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The [`HashReader`](crate::HashReader) failed (the store's own error, boxed).
    #[error("reading stored hashes: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The [`HashReader`](crate::HashReader) returned a different number of hashes than asked.
    #[error("hash reader returned {got} hashes for {wanted} indexes")]
    ShortRead { wanted: usize, got: usize },
    /// A stored hash index the in-memory reader does not hold.
    #[error("stored hash index {0} is not stored")]
    MissingHash(u64),
    /// A leaf index not inside the tree.
    #[error("index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("tree size {old} is larger than tree size {new}")]
    SizeOrder { old: u64, new: u64 },
    /// An inclusion proof that does not prove the leaf is in the tree with that root.
    #[error("inclusion proof does not verify: {0}")]
    InclusionProof(&'static str),
    /// A consistency proof that does not prove the smaller tree is a prefix of the larger.
    #[error("consistency proof does not verify: {0}")]
    ConsistencyProof(&'static str),
    /// A tile path that is not `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`.
    #[error("malformed tile path {path:?}: {reason}")]
    TilePath { path: String, reason: &'static str },
    /// A tile whose hashes are not all in a tree of that size.
    #[error("tile {tile} is not in a tree of size {size}")]
    TileNotInTree { tile: String, size: u64 },
    /// An entry bundle that does not decode.
    #[error("malformed entry bundle: {0}")]
    EntryBundle(&'static str),
    /// A log entry longer than an entry bundle's 16-bit length prefix can say.
    #[error("log entry of {0} bytes is longer than the 65535 an entry bundle allows")]
    EntryTooLarge(usize),
    /// A checkpoint body that does not follow c2sp.org/tlog-checkpoint.
    #[error("malformed checkpoint: {0}")]
    Checkpoint(&'static str),
    /// A note that does not follow c2sp.org/signed-note.
    #[error("malformed signed note: {0}")]
    Note(&'static str),
    /// A signer or verifier key string that does not parse, or whose key ID is wrong.
    #[error("malformed note key: {0}")]
    Key(&'static str),
    /// A key name that signed-note forbids (empty, a space, a `+`).
    #[error("invalid key name {0:?}: must be non-empty, without spaces or '+'")]
    KeyName(String),
    /// A signature line by the known key whose signature does not verify.
    #[error("signature by {0} does not verify")]
    BadSignature(String),
    /// No signature line by the known key (signed-note: the note MUST be rejected).
    #[error("note has no signature by {0}")]
    UnsignedNote(String),
    /// A tlog-proof file that does not follow c2sp.org/tlog-proof.
    #[error("malformed tlog-proof: {0}")]
    ProofFile(&'static str),
    /// The operating system's random source failed (key generation).
    #[error("random source: {0}")]
    Random(String),
}
