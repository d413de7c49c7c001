//! tarseal as a library: prove that a release tarball holds exactly what its signed git tag
//! holds, and carry that proof through signing, co-signing, upload gates and a
//! transparency log — the same entry points the `tarseal` command uses.
//!
//! Each job takes a plain options struct and returns a typed report or a typed error (a
//! `thiserror` enum naming what was wrong and where); nothing prints. The work is done by
//! one crate per concept, re-exported here:
//!
//! | module | job | crate |
//! |---|---|---|
//! | [`check`] | archive vs tag, the report | tarseal-check (+ -git, -archive) |
//! | [`seal`] | sign a checked tarball, checksum files, record | tarseal-seal |
//! | [`verify`] | re-hash a file or URL against its sidecars, signatures, the log | tarseal-verify |
//! | [`sigs`] | co-signatures on a release-sigs branch | tarseal-cosign |
//! | [`gate`] | k-of-n upload gate | tarseal-gate |
//! | [`log`] | publish, build records, verified queries | tarseal-seal, tarseal-server |
//! | [`trust`] | a trust file's history | tarseal-sig |
//!
//! Exit codes, where a job has one: 0 pass, 1 rejected, 2 usage or input error,
//! 3 indeterminate.

#![warn(missing_docs)]

pub mod check;
pub mod log;
pub mod seal;
pub mod sigs;

/// Re-hash a release file (path or http(s) URL) and hold it against its checksum files, its
/// seal record, detached signatures and the log's records: [`verify::verify`].
pub mod verify {
    pub use tarseal_verify::*;
}

/// The upload gate: [`gate::gate`] passes only when enough distinct keys signed exactly these
/// bytes (judged at the log's time with a log).
pub mod gate {
    pub use tarseal_gate::*;
}

/// A project trust file's history: [`trust::verify_chain`].
pub mod trust {
    pub use tarseal_sig::chain::*;
}

/// Keys, keyrings, signing and signature statuses (tarseal-sig).
pub use tarseal_sig as sig;

/// The transparency log service and its blocking client (tarseal-server).
pub use tarseal_server as server;

/// The canonical records (tarseal-record).
pub use tarseal_record as record;
