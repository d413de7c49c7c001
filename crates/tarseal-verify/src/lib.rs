//! Verifying a release file's bytes (concept: "are these the bytes that were signed for?").
//!
//! [`stream`] reads the bytes once (a path, or an HTTP(S) download hashed as it arrives and
//! never stored) and verifies every detached signature from the same chunks; [`verify()`]
//! holds the digests against the checksum files, the seal record, the signatures and the
//! log's records found beside the file or given, and derives the verdict of `tarseal verify`
//! (`tarseal.verify/v1`). [`sums`] owns the coreutils checksum-file format that seal writes
//! and verify reads; [`logview`] sets the log's records about one file against the bytes in
//! hand (seal, verify and query all show a difference the same way).
//!
//! The upload gate, `sigs check` and `record` reuse [`stream`], so one code path hashes every
//! download.

#![warn(missing_docs)]

pub mod logview;
pub mod stream;
pub mod sums;
mod verify;

pub use stream::{
    agent, origin_of, status_name, stream, Ctx, FetchError, Origin, OriginError, SigFileError,
    StreamError, Streamed,
};
pub use verify::{
    render, verify, FileInfo, SigReport, SourceReport, Threshold, VerifyError, VerifyOptions,
    VerifyReport, SCHEMA,
};
