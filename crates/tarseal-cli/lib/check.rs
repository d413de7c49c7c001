//! The check: compare a release archive with a git tag (or commit), entry by entry, without
//! extracting anything; the tag's signature is verified first. The report
//! (`tarseal.report/v2`) carries the verdict, every finding, and with `raw_digests` the
//! archive file's digests (what seal signs).

pub use tarseal_archive::{Limits, RawObserver, RawSink};
pub use tarseal_check::report;
pub use tarseal_check::{CheckError, CheckOptions, Checked, RegenOptions, Report, Verdict};
pub use tarseal_git::Target;

/// Runs the check; `progress(done, total)` is called with the compressed bytes read.
pub fn run(opts: &CheckOptions, progress: &mut dyn FnMut(u64, u64)) -> Result<Report, CheckError> {
    tarseal_check::run_check(opts, progress)
}

/// Runs the check; with `write_proof` also returns the git proof of every object it read
/// (NAME.git-proof), so it can be re-run with [`CheckOptions::proof`] and no repository.
pub fn run_proving(
    opts: &CheckOptions,
    write_proof: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Checked, CheckError> {
    tarseal_check::run_check_proving(opts, write_proof, progress)
}

/// Runs the check without progress reports.
///
/// A check that cannot run is an error, not a report: here a missing tag (exit 2).
///
/// ```
/// use tarseal::check::{self, CheckError, Target};
/// # let release = tarseal_testkit::release::Release::new();
/// let mut opts = check::options(&release.tarball, &release.repo, Target::Tag {
///     name: "v9.9".into(),
///     allow_lightweight: false,
/// });
/// opts.allow_unsigned = true;
/// let err: CheckError = check::check(&opts).unwrap_err();
/// assert_eq!(err.exit_code(), 2);
/// assert!(err.to_string().contains("v9.9"), "{err}");
/// ```
pub fn check(opts: &CheckOptions) -> Result<Report, CheckError> {
    tarseal_check::run_check(opts, &mut |_, _| {})
}

/// Options to compare `archive` with `target` of `repo`, with the command line's defaults:
/// no keyring (so `allow_unsigned` must be set for the check to run), the default limits,
/// profile and policy from the tag's tree, no raw digests, no regeneration.
pub fn options(
    archive: impl Into<std::path::PathBuf>,
    repo: impl Into<std::path::PathBuf>,
    target: Target,
) -> CheckOptions {
    CheckOptions {
        archive: archive.into(),
        repo: repo.into(),
        target,
        subdir: None,
        prefix: None,
        profile: None,
        submodules: Vec::new(),
        policy_file: None,
        limits: Limits::default(),
        keyring: None,
        allow_unsigned: false,
        raw_digests: false,
        raw_observer: None,
        regenerate: None,
        proof: None,
    }
}

/// The report for people (what `tarseal check` prints); `colour` adds ANSI colours.
pub fn render(report: &Report, colour: bool) -> String {
    tarseal_check::text::render(report, colour)
}

/// As [`render`]; `verbose` also lists the trust surface's paths (`check --verbose`).
pub fn render_with(report: &Report, colour: bool, verbose: bool) -> String {
    tarseal_check::text::render_with(report, colour, verbose)
}

/// A starting policy for what `report` could not explain: commented rules to review; never
/// an allowance for a changed tracked file (`tarseal policy suggest`).
pub fn suggest_policy(report: &Report) -> String {
    tarseal_check::policy::suggest::suggest(report)
}

/// The report on one screen (a count per cause; `render_with` lists every finding).
pub fn render_compact(report: &Report, colour: bool) -> String {
    tarseal_check::text::render_compact(report, colour)
}
