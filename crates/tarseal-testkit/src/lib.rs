//! Test support shared by tarseal's test suites, so that each external tool has one harness
//! instead of a copy per crate. Used only as a dev-dependency (`publish = false`).
//!
//! - [`gpg`]: a throw-away GnuPG home driven through the `gpg` command (keys, exports,
//!   signatures, revocations), as the interop tests of tarseal-sig and the CLI need.
//! - [`pg`]: a throw-away PostgreSQL cluster on a unix socket, for the PostgreSQL store of
//!   the log service (tarseal-server and the CLI's `tarseal serve` tests).
//! - [`release`]: a throw-away release made with `git` (repository, annotated tag, `git
//!   archive` tarball), as the library's doc examples need.
//!
//! Every helper panics with the tool's output when the tool fails: a test that cannot set
//! up its fixture must fail loudly, not pass vacuously.

pub mod gpg;
pub mod pg;
pub mod release;

use std::process::Command;

/// Runs `cmd` and returns its stdout; panics with the command, its exit status, stdout and
/// stderr when it cannot start or exits unsuccessfully. One checked runner for every
/// harness, so a failing fixture step always says what went wrong.
pub fn run_ok(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
