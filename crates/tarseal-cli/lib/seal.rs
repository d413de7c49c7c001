//! Sealing: after a passing check, sign the tarball from the check's own read and write
//! NAME.asc, NAME.md5/.sha256/.sha512, SHA256SUMS/SHA512SUMS (+ .asc), NAME.report.json and
//! the record NAME.seal (+ .asc), all or nothing.

pub use tarseal_seal::atomic;
pub use tarseal_seal::{project_from_file_name, Hashing, SealError, SealOptions, Sealer};

use crate::check::{CheckError, CheckOptions, Report, Verdict};
use std::path::PathBuf;

/// What [`seal`] did.
#[derive(Debug)]
pub enum Sealed {
    /// The check passed and every output was written.
    Written {
        /// The check's report (also written as NAME.report.json).
        report: Box<Report>,
        /// The files written.
        files: Vec<PathBuf>,
    },
    /// The check did not pass: nothing was signed or written.
    NotPassed(Box<Report>),
}

/// Why [`seal`] stopped without a verdict (exit 2, or 1 for a rejected tag signature).
#[derive(Debug, thiserror::Error)]
pub enum SealFailure {
    /// The check could not run (or the tag's signature was rejected).
    #[error(transparent)]
    Check(#[from] CheckError),
    /// The key, the names or the writing failed.
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// Checks `check.archive` (with its digests, and the signature's hash fed by the same read)
/// and, only on pass, signs and writes the outputs.
pub fn seal(mut check: CheckOptions, opts: &SealOptions) -> Result<Sealed, SealFailure> {
    let sealer = Sealer::new(opts)?;
    check.raw_digests = true;
    check.raw_observer = sealer.observer();
    let report = crate::check::check(&check)?;
    if report.verdict != Verdict::Pass {
        return Ok(Sealed::NotPassed(Box::new(report)));
    }
    let files = sealer.write(&report)?;
    Ok(Sealed::Written {
        report: Box::new(report),
        files,
    })
}
