//! Making a release's evidence (concept: "write what vouches for these bytes").
//!
//! [`Sealer`] signs a tarball that passed the check — from the check's own read, so the bytes
//! signed are the bytes checked — and writes NAME.asc, NAME.md5/.sha256/.sha512,
//! SHA256SUMS/SHA512SUMS (+ .asc), NAME.report.json, the record NAME.seal (+ .asc) and the
//! signed verification summary NAME.intoto.jsonl ([`attest`]) all or nothing ([`atomic`]).
//! [`build`] makes the build job's record; [`publish`] sends records to the transparency log
//! and keeps its proof beside them.

#![warn(missing_docs)]

pub mod atomic;
pub mod attest;
pub mod build;
pub mod publish;
mod seal;

pub use build::{write_build_record, BuildError, BuildOptions, BuildRecord};
pub use publish::{publish_file, publish_record, Publication, PublishError, ReportHandover};
pub use seal::{project_from_file_name, Hashing, SealError, SealOptions, Sealer};
