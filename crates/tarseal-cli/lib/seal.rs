//! Sealing: after a passing check, sign the tarball from the check's own read and write
//! NAME.asc, NAME.md5/.sha256/.sha512, SHA256SUMS/SHA512SUMS (+ .asc), NAME.report.json,
//! the record NAME.seal (+ .asc), the git proof NAME.git-proof and the signed verification
//! summary NAME.intoto.jsonl ([`crate::attest`]), all or nothing.

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
///
/// Seal a release, then verify the tarball against what seal wrote beside it:
///
/// ```
/// use tarseal::check::{self, Target};
/// use tarseal::seal::{seal, SealOptions, Sealed};
/// use tarseal::verify::{verify, VerifyOptions};
/// # use tarseal_testkit::{gpg::Gpg, release::Release};
/// # let gpg = Gpg::new();
/// # gpg.gen_key(None, "RM <rm@example.org>", "ed25519", "sign", "never");
/// # let key = gpg.export_secret_to("rm@example.org", &gpg.path().join("rm.key"), 0o600);
/// # let public = gpg.export_to(false, &["rm@example.org"], &gpg.path().join("rm.pgp"));
/// # let release = Release::signed(&gpg, "rm@example.org");
/// let mut opts = check::options(&release.tarball, &release.repo, Target::Tag {
///     name: "v1.0".into(),
///     allow_lightweight: false,
/// });
/// opts.keyring = tarseal::sig::Keyring::from_files(&[&public])?; // the tag's signers
/// let sealed = seal(opts, &SealOptions {
///     tarball: release.tarball.clone(),
///     key: key.clone(),       // the secret key (chmod 600)
///     out: None,              // beside the tarball
///     project: None,          // "demo", from demo-1.0.tar.gz
///     keyring: vec![public.clone()],
/// })?;
/// let Sealed::Written { files, .. } = sealed else { panic!("not sealed") };
/// assert!(files.iter().any(|f| f.ends_with("demo-1.0.tar.gz.seal")));
///
/// let mut v = VerifyOptions::new(release.tarball.display().to_string());
/// v.keyring = vec![public];
/// let report = verify(&v)?;
/// assert_eq!(report.verdict, "pass", "{}", tarseal::verify::render(&report));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn seal(mut check: CheckOptions, opts: &SealOptions) -> Result<Sealed, SealFailure> {
    let sealer = Sealer::new(opts)?;
    check.raw_digests = true;
    check.raw_observer = sealer.observer();
    let checked = crate::check::run_proving(&check, true, &mut |_, _| {})?;
    let report = checked.report;
    if report.verdict != Verdict::Pass {
        return Ok(Sealed::NotPassed(Box::new(report)));
    }
    let files = sealer.write_with_proof(&report, checked.proof.as_deref())?;
    Ok(Sealed::Written {
        report: Box::new(report),
        files,
    })
}
