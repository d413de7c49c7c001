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
///
/// A maintainer adds a co-signature, and CI accepts the change of the branch:
///
/// ```
/// use tarseal::check::{self, Target};
/// use tarseal::sigs::{add, check_branch, Added, AddOptions, CheckSigsOptions};
/// # use tarseal_testkit::{gpg::Gpg, release::Release};
/// # let gpg = Gpg::new();
/// # gpg.gen_key(None, "Co <co@example.org>", "ed25519", "sign", "never");
/// # let key = gpg.export_secret_to("co@example.org", &gpg.path().join("co.key"), 0o600);
/// # let public = gpg.export_to(false, &["co@example.org"], &gpg.path().join("co.pgp"));
/// # let release = Release::new();
/// let mut opts = check::options(&release.tarball, &release.repo, Target::Tag {
///     name: "v1.0".into(),
///     allow_lightweight: false,
/// });
/// opts.allow_unsigned = true; // the demo tag is not signed
/// let added = add(opts, &AddOptions {
///     tarball: release.tarball.clone(),
///     repo: release.repo.clone(),
///     tag: "v1.0".into(),
///     key,
///     branch: "release-sigs".into(),
///     project: None,
/// })?;
/// let Added::Committed { signed, .. } = added else { panic!("not committed") };
/// assert!(signed.path.starts_with("sigs/demo/v1.0/demo-1.0.tar.gz."));
///
/// // CI: everything the branch adds since the empty tree must be a good signature.
/// let checked = check_branch(&CheckSigsOptions {
///     repo: release.repo.clone(),
///     git_ref: "release-sigs".into(),
///     base: "4b825dc642cb6eb9a060e54bf8d69288fbee4904".into(), // the empty tree
///     keyring: vec![public],
///     tarball_dir: Some(release.dir.path().to_path_buf()),
///     url_base: None,
///     timeout: 30,
///     publish: false,
/// })?;
/// assert!(checked.ok, "{:?}", checked.findings);
/// assert_eq!(checked.accepted.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
