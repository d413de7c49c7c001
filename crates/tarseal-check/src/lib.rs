//! The check: compares a release archive with the git tree it claims to come from.
//!
//! This crate owns the verdict. It drives the two readers (`tarseal-archive` for the untrusted
//! archive, `tarseal-git` for the trusted tag), classifies every path ([`compare`]), lets the
//! [`policy`] vouch for each difference with a named rule and reason, runs the cross-checks that
//! the artifact carries (the `git archive` commit id, `.cargo_vcs_info.json`, `PKG-INFO`), and
//! produces a [`report::Report`] whose JSON form is the stable `tarseal.report/v2` schema.
//!
//! It does no network I/O and writes nothing to disk: the archive is streamed once, the
//! repository is only read.

pub mod check;
pub mod compare;
pub mod detect;
pub mod error;
pub mod npm;
pub mod pep440;
pub mod policy;
pub mod regen;
pub mod report;
pub mod text;
pub mod wheel;

pub use check::{run_check, run_check_proving, CheckOptions, Checked};
pub use error::CheckError;
pub use regen::RegenOptions;
pub use report::{Report, Verdict};
