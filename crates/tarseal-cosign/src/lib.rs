//! Co-signatures contributed on a `release-sigs` branch that goes through code review
//! (concept: "many maintainers vouch for one release file").
//!
//! Layout of the branch ([`path`]): `sigs/<project>/<tag>/<file>.<KEYID16>.asc`, a detached
//! armored OpenPGP signature over the release file `<file>`, by the key whose primary
//! fingerprint ends in `KEYID16`.
//!
//! * [`Adder`] (`sigs add`) signs a tarball that passed the check and commits the signature
//!   with git plumbing ([`git`]), never touching the work tree, the index or HEAD;
//! * [`check_branch`] (`sigs check`) is what CI runs on a proposed change of the branch;
//! * [`publish_cosign`] carries a co-signature into the transparency log as a `tarseal/v1
//!   cosign` record; the log's time of the record is the time `tarseal gate --server`
//!   judges the signing key at.

#![warn(missing_docs)]

mod add;
mod check;
pub mod git;
pub mod path;
mod publish;

pub use add::{AddOptions, Adder, Signed};
pub use check::{check_branch, BranchCheck, CheckSigsOptions, Finding, Rejection, CHECK_SCHEMA};
pub use git::{signatures_in_ref, GitError};
pub use path::{keyid16, parse_sig_path, SigPath, SigPathError};
pub use publish::{base64_decode, base64_encode, publish_cosign, Cosignature};

use std::path::PathBuf;

/// Why `sigs add` or `sigs check` stopped without a verdict (exit 2). Says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CosignError {
    /// The secret key cannot be used, or signing failed.
    #[error(transparent)]
    Key(#[from] tarseal_sig::SignError),
    /// A `--keyring` file could not be loaded.
    #[error(transparent)]
    Keyring(#[from] tarseal_sig::KeyringError),
    /// The tarball's file name is not UTF-8.
    #[error("{}: not a file name in UTF-8", .0.display())]
    FileName(PathBuf),
    /// No project given and none in the file name.
    #[error("cannot tell the project from the file name {0:?}: give --project NAME")]
    Project(String),
    /// A name that cannot be one path component.
    #[error("the {what} {value:?} cannot be one component of sigs/<project>/<tag>/<file> (no '/', not empty, not . or ..)")]
    Component {
        /// `project`, `tag` or `file name`.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// The path it would be filed under is not one `sigs check` accepts.
    #[error("cannot file a signature under {dir}: {source}")]
    Unfileable {
        /// `sigs/<project>/<tag>/<file>`.
        dir: String,
        /// What is wrong with it.
        source: SigPathError,
    },
    /// `--branch` is not a valid branch name.
    #[error("--branch {branch:?} is not a valid branch name: {source}")]
    Branch {
        /// The name.
        branch: String,
        /// git's refusal.
        source: GitError,
    },
    /// The branch is checked out: moving it would leave index and work tree behind.
    #[error("{branch} is the branch checked out in {}: switch to another branch first (sigs add never touches the work tree), or use another --branch", repo.display())]
    CheckedOut {
        /// The branch.
        branch: String,
        /// The repository.
        repo: PathBuf,
    },
    /// The check did not pass: nothing is signed.
    #[error("the check did not pass ({0:?}); nothing was signed or committed")]
    NotPassed(tarseal_check::Verdict),
    /// The check was not asked for raw digests (a caller's mistake).
    #[error("internal: the check computed no file digests")]
    NoDigests,
    /// The tarball could not be opened for signing.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The tarball.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The bytes signed are not the bytes checked.
    #[error("{} changed while it was being signed (SHA-256 {checked} when checked, {signed} when signed)", path.display())]
    Changed {
        /// The tarball.
        path: PathBuf,
        /// SHA-256 of the check.
        checked: String,
        /// SHA-256 of the signing read.
        signed: String,
    },
    /// The same key already filed another signature for the file.
    #[error("{path} already exists on {branch_ref} with different content (a signature by the same key for the same file); remove it there first if it is to be replaced")]
    Exists {
        /// The path on the branch.
        path: String,
        /// The branch.
        branch_ref: String,
    },
    /// The temporary index's directory could not be made.
    #[error("cannot create a temporary directory: {0}")]
    TempDir(std::io::Error),
    /// A git command failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// `--base` names neither a commit nor a tree.
    #[error("--base {0}: no such commit or tree")]
    Base(String),
    /// A release file the signatures are over is not in `--tarball-dir`.
    #[error("{}: no such file (needed by {needed_by})", path.display())]
    NoReleaseFile {
        /// DIR/<file>.
        path: PathBuf,
        /// The signature that needs it.
        needed_by: String,
    },
    /// Neither `--tarball-dir` nor `--url-base`.
    #[error("give --tarball-dir or --url-base")]
    NoReleaseSource,
    /// A release file could not be read (not a rejection: those are findings).
    #[error(transparent)]
    Stream(tarseal_verify::StreamError),
    /// A path accepted before no longer parses (a bug).
    #[error(transparent)]
    SigPath(#[from] SigPathError),
    /// The log could not be asked.
    #[error(transparent)]
    Client(#[from] tarseal_server::client::ClientError),
    /// Publishing a cosign record failed or was refused.
    #[error(transparent)]
    Publish(#[from] tarseal_seal::PublishError),
    /// A record value is not canonical.
    #[error("{0}")]
    Record(String),
    /// A broken invariant (a bug).
    #[error("internal: {0}")]
    Internal(&'static str),
}
