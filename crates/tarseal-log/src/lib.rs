//! The tarseal transparency log, as math and formats only: no I/O, no async, no database.
//!
//! The caller (the server, a verifier) owns storage and the network; this crate is driven by it,
//! in the manner of rustls:
//!
//! - [`merkle`]: RFC 6962 / RFC 9162 Merkle tree hashes (SHA-256, leaf `H(0x00‖d)`, node
//!   `H(0x01‖l‖r)`), the stored-hash layout of `golang.org/x/mod/sumdb/tlog` (every node hash
//!   of the tree in one sequence, keyed by [`stored_hash_index`]), tree hashes, inclusion and
//!   consistency proofs and their verification. Stored hashes are read through [`HashReader`],
//!   which the store implements.
//! - [`tile`]: C2SP tlog-tiles paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`), which
//!   tiles a tree of a given size has, tile contents from stored hashes, entry bundles.
//! - [`note`]: C2SP signed-note with Ed25519 keys (signer and verifier key strings as in
//!   `golang.org/x/mod/sumdb/note`), and C2SP tlog-cosignature Ed25519 witness cosignatures.
//! - [`checkpoint`]: C2SP tlog-checkpoint note bodies.
//! - [`proof`]: C2SP tlog-proof files, the offline proof for one entry.
//!
//! The rule "never sign a checkpoint inconsistent with an earlier one" (tlog-checkpoint,
//! "Signatures") is the server's to keep; [`verify_consistency`] is the tool for it.

pub mod checkpoint;
mod error;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod tile;

pub use checkpoint::Checkpoint;
pub use error::LogError;
pub use merkle::{
    consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash, split_stored_hash_index,
    stored_hash_count, stored_hash_index, stored_hashes_for_leaf, tree_hash, verify_consistency,
    verify_inclusion, Hash, HashReader, HASH_SIZE,
};
pub use note::{
    generate_signer, split_note, CosignatureSigner, CosignatureVerifier, NoteSignature, NoteSigner,
    NoteVerifier, UnverifiedNote,
};
pub use proof::{TlogProof, TLOG_PROOF_HEADER};
pub use tile::{
    decode_entry_bundle, encode_entry_bundle, entries_tile_path, new_tiles,
    parse_entries_tile_path, read_tile, tile_hash_indexes, tiles_for_size, TileId, MAX_ENTRY_SIZE,
    TILE_HEIGHT, TILE_WIDTH,
};
