//! Co-signatures on a release-sigs branch: [`add`] checks, signs and commits one;
//! [`check_branch`] is CI for a proposed change; [`publish_cosign`] logs one.

pub use tarseal_cosign::*;

use crate::check::{CheckError, CheckOptions, Report, Verdict};

/// What [`add`] did.
#[derive(Debug)]
pub enum Added {
    /// The check passed and the signature is on the branch.
    Committed {
        /// The check's report.
        report: Box<Report>,
        /// What was signed and where it was filed.
        signed: Signed,
    },
    /// The check did not pass: nothing was signed or committed.
    NotPassed(Box<Report>),
}

/// Why [`add`] stopped without a verdict.
#[derive(Debug, thiserror::Error)]
pub enum AddFailure {
    /// The check could not run (or the tag's signature was rejected).
    #[error(transparent)]
    Check(#[from] CheckError),
    /// Validation, signing or committing failed.
    #[error(transparent)]
    Cosign(#[from] CosignError),
}

/// Validates `opts`, runs the check (with digests), and only on pass signs the tarball and
/// commits the signature onto the branch.
pub fn add(mut check: CheckOptions, opts: &AddOptions) -> Result<Added, AddFailure> {
    let adder = Adder::new(opts)?;
    check.raw_digests = true;
    let report = crate::check::check(&check)?;
    if report.verdict != Verdict::Pass {
        return Ok(Added::NotPassed(Box::new(report)));
    }
    let signed = adder.sign_and_commit(&report)?;
    Ok(Added::Committed {
        report: Box::new(report),
        signed,
    })
}
