//! The check report: what was compared, every difference, how each was judged, what vouches
//! for each accepted file, and the verdict.
//!
//! The JSON form (`serde_json::to_string(&report)`) is the `tarseal.report/v2` schema documented
//! in `docs/report-schema.md`. Fields are only ever added within v2; renaming or removing one
//! means v3. Scripts should key on `verdict`, on `findings[].judgement` and on `trust_surface`.
//!
//! # Trust surface: who vouches for an accepted file
//!
//! Every finding carries [`Finding::vouched_by`] ([`VouchedBy`]): `git` (the bytes present are
//! git's, or nothing is present), `reproduced` (regenerated from the tag and byte-identical),
//! `known-file` (byte-identical to a file of a known upstream release), `pinned` (the policy
//! pins its SHA-256), `stamped` (git's bytes but for version/date stamp lines), `content-check` (a check narrowed what the file may hold), or `name-only`
//! (a rule accepted it by its name alone). Findings that were not accepted (unexpected,
//! indeterminate) have `vouched_by: null`. The report's [`Report::trust_surface`] lists exactly
//! the `name-only` files: what a reader still takes on the policy's word.
//!
//! ## API for regenerators and content checks
//!
//! A step that runs after the comparison (a regenerator in a sandbox, a decomposition) upgrades
//! or rejects accepted findings by path and then lets the report recompute itself:
//!
//! ```
//! # use tarseal_check::report::{Report, VouchedBy};
//! # fn after_check(report: &mut Report, regenerated_ok: bool) -> Result<(), tarseal_check::report::VouchError> {
//! if regenerated_ok {
//!     // byte-identical to what the regenerator produced from the tag's tree
//!     report.vouch("configure", VouchedBy::Reproduced, "autoconf 2.71 in the sandbox: byte-identical")?;
//! } else {
//!     // proven different: the finding becomes unexpected and the verdict fail
//!     report.reject("configure", "regenerated configure differs", Some("--- diff excerpt ...".into()))?;
//! }
//! report.recompute(); // summary, trust_surface and verdict follow the findings again
//! # Ok(()) }
//! ```
//!
//! Inside the check, a content check says how it vouched through its outcome
//! ([`crate::policy::checks::Outcome::Reproduced`] for byte-exact regeneration,
//! `Outcome::Pass` for a narrowing check; `known-m4` passes count as `known-file`), and a rule's
//! `sha256` pin makes `pinned`. An accepted finding that nothing marked is `name-only` (the safe
//! default: forgetting to mark keeps a file in the trust surface, never takes it out).

use serde::Serialize;

/// The schema identifier written into every JSON report.
pub const SCHEMA: &str = "tarseal.report/v2";

/// The outcome of a check, in the order of severity used to combine findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every path matches git or is vouched for by a rule: exit 0.
    Pass,
    /// Nothing is unexpected, but something could not be decided (an m4 file no known release
    /// ships, submodule content): exit 3.
    Indeterminate,
    /// Something is unexpected or hostile: exit 1.
    Fail,
}

impl Verdict {
    /// The process exit code of DESIGN.md §3.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Indeterminate => 3,
        }
    }
}

/// How one path of the archive relates to the git tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Same type, bytes (or symlink target) and executable bit.
    Match,
    /// Same type, different bytes or symlink target.
    Modified,
    /// Same bytes, different executable bit.
    Mode,
    /// File in one, symlink or directory in the other.
    Type,
    /// In git, not in the archive.
    Missing,
    /// In the archive, not in git.
    Extra,
    /// Content below a submodule (gitlink): this repository cannot vouch for it.
    Unverifiable,
    /// A hostile or suspicious entry (see `problem`).
    Hostile,
}

impl Class {
    /// Stable lower-case name (as in JSON and in policy files).
    pub fn name(self) -> &'static str {
        match self {
            Class::Match => "match",
            Class::Modified => "modified",
            Class::Mode => "mode",
            Class::Type => "type",
            Class::Missing => "missing",
            Class::Extra => "extra",
            Class::Unverifiable => "unverifiable",
            Class::Hostile => "hostile",
        }
    }
}

/// How a non-matching path was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Judgement {
    /// A policy rule vouches for the difference; the rule and its reason are named.
    Allowed,
    /// Nothing vouches for it: the check fails.
    Unexpected,
    /// Nothing could decide it: the check is indeterminate unless something fails.
    Indeterminate,
}

/// What vouches for the content of an accepted finding (`findings[].vouched_by`).
///
/// Ordered from the strongest evidence to the weakest; only `NameOnly` counts towards the
/// trust surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum VouchedBy {
    /// The bytes present are git's (a mode or dereferenced-link difference, a verified hard
    /// link), or the archive holds nothing at this path (an allowed missing file).
    Git,
    /// Byte-identical to the file a copying tool took it from, in the commit a gitlink of the
    /// tag pins (gnulib-tool's copies from the `gnulib` submodule, read with `--submodule`):
    /// the bytes are pinned by the tag through the submodule's commit id.
    SubmoduleCopy,
    /// Regenerated from the tag (its tree and history) and byte-identical.
    Reproduced,
    /// Byte-identical to a file of a known upstream release (`data/known-m4.tsv`, ...).
    KnownFile,
    /// The policy pins the file's SHA-256 and the bytes have it.
    Pinned,
    /// Git's bytes except version/date stamp lines, each of which is git's line with only
    /// the release's version and a date put in (a man page's `.TH` line).
    Stamped,
    /// A content check established what the file may hold (derived from the tag, not
    /// reproduced byte for byte).
    ContentCheck,
    /// A rule accepted it by its path alone: the reader trusts the policy for these bytes.
    NameOnly,
}

impl VouchedBy {
    /// Stable name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            VouchedBy::Git => "git",
            VouchedBy::SubmoduleCopy => "submodule-copy",
            VouchedBy::Reproduced => "reproduced",
            VouchedBy::KnownFile => "known-file",
            VouchedBy::Pinned => "pinned",
            VouchedBy::Stamped => "stamped",
            VouchedBy::ContentCheck => "content-check",
            VouchedBy::NameOnly => "name-only",
        }
    }
}

/// Why [`Report::vouch`] or [`Report::reject`] could not change a finding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VouchError {
    /// No finding has this path (a matching file is already vouched for by git).
    #[error("no finding at {path:?}: only differences from git can be vouched for or rejected")]
    NoFinding {
        /// The path asked for.
        path: String,
    },
    /// The finding was not accepted by the policy, so nothing may vouch for it.
    #[error("{path:?} is {judgement:?}, not allowed: a regenerator may only vouch for a file the policy accepted")]
    NotAccepted {
        /// The path asked for.
        path: String,
        /// Its judgement.
        judgement: Judgement,
    },
    /// The archive holds nothing at this path, so there are no bytes to reproduce.
    #[error("{path:?} is absent from the archive: there is nothing to reproduce")]
    Absent {
        /// The path asked for.
        path: String,
    },
}

/// The files accepted by name only (`trust_surface` of the JSON report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrustSurface {
    /// How many findings are `name-only`.
    pub files: u64,
    /// Their bytes in the archive.
    pub bytes: u64,
    /// Their paths, sorted.
    pub paths: Vec<String>,
}

/// One difference between archive and git, or one hostile entry, and its judgement.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Path relative to the archive's prefix (and to `--subdir` on the git side).
    pub path: String,
    pub class: Class,
    pub judgement: Judgement,
    /// The rule that decided (`profile:pbr/ChangeLog`, `policy:3`, `builtin:export-ignore`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Why the rule allows it, or why it is unexpected.
    pub reason: String,
    /// Facts behind the judgement (hashes, modes, targets, the problem found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For hostile entries: the problem's stable name (`dot-dot`, `duplicate`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Bytes in the archive at this path (0 when absent), for "not backed by git" totals.
    pub size: u64,
    /// SHA-256 of the archive's content when it was computed (extra files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// What vouches for the content of an accepted finding; `None` (JSON `null`) when the
    /// finding was not accepted. [`Report::recompute`] turns an accepted finding that nothing
    /// marked into `name-only`.
    pub vouched_by: Option<VouchedBy>,
}

impl Finding {
    /// Marks this accepted finding as vouched for by `how`, appending `evidence` to its detail.
    pub fn vouch(&mut self, how: VouchedBy, evidence: impl Into<String>) -> Result<(), VouchError> {
        if self.judgement != Judgement::Allowed {
            return Err(VouchError::NotAccepted {
                path: self.path.clone(),
                judgement: self.judgement,
            });
        }
        if self.class == Class::Missing && how != VouchedBy::Git {
            return Err(VouchError::Absent {
                path: self.path.clone(),
            });
        }
        self.vouched_by = Some(how);
        self.add_detail(evidence.into());
        Ok(())
    }

    /// Rejects this finding: something proved its bytes wrong (a regenerator produced others).
    /// `detail` (a diff excerpt, say) is appended to the finding's detail.
    pub fn reject(&mut self, reason: impl Into<String>, detail: Option<String>) {
        self.judgement = Judgement::Unexpected;
        self.vouched_by = None;
        self.reason = reason.into();
        if let Some(d) = detail {
            self.add_detail(d);
        }
    }

    fn add_detail(&mut self, more: String) {
        if more.is_empty() {
            return;
        }
        self.detail = Some(match self.detail.take() {
            Some(d) if !d.is_empty() => format!("{d}; {more}"),
            _ => more,
        });
    }
}

/// What was read from the archive.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveInfo {
    pub path: String,
    pub format: String,
    /// Size of the archive file in bytes.
    pub size: u64,
    /// The top-level directory stripped from every path (`name-1.0`), or empty.
    pub prefix: String,
    /// True when the prefix came from `--prefix`, false when detected.
    pub prefix_given: bool,
    pub entries: u64,
    pub uncompressed_bytes: u64,
    /// The pax global `comment` (`git archive` writes the commit id there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pax_comment: Option<String>,
    /// Digests of the archive file's bytes, computed during the same read (`tarseal seal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digests: Option<ArchiveDigests>,
}

/// Digests of the archive file itself (lower-case hex).
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveDigests {
    /// Informational only (legacy tools); never a match criterion.
    pub md5: String,
    pub sha256: String,
    pub sha512: String,
}

/// What the archive was compared with.
#[derive(Debug, Clone, Serialize)]
pub struct GitInfo {
    pub repo: String,
    /// `tag` or `commit`: what was asked for.
    pub target_kind: String,
    /// The tag name or revision as given.
    pub target: String,
    /// The tag object's id (annotated tags only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_object: Option<String>,
    pub annotated: bool,
    /// Whether the tag carries a signature block. What its verification established is in
    /// the report's `signature` object.
    pub tag_signature_present: bool,
    pub commit: String,
    pub tree: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdir: Option<String>,
    /// `sha1` or `sha256`.
    pub object_format: String,
    /// Non-tree entries in the compared tree.
    pub tree_entries: u64,
}

/// The policy that judged the differences.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub profile: String,
    /// Where rules came from, in order of precedence (`policy file x.toml`, `.tarseal.toml in
    /// the tag's tree`, `profile pbr`).
    pub sources: Vec<String>,
    /// Project rules that matched no path: probably out of date.
    pub stale_rules: Vec<StaleRule>,
    /// How the profile was chosen: `given with --profile`, `named by ...`, or `auto: ...`
    /// with what in the tree and the archive decided it.
    pub selection: String,
    /// Another profile that would explain the differences this one leaves unexpected
    /// (`try --profile pbr`); only said, never applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// What the signature step established about the tag, before any content was compared.
///
/// A rejected signature never reaches a report: the check stops with exit 1 and an error
/// naming the key. So `status` is one of the accepted states.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureInfo {
    pub status: SignatureStatus,
    /// `openpgp` or `ssh` (when a signature was verified).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// OpenPGP: fingerprint of the key that made the signature (a subkey, or the primary);
    /// SSH: `SHA256:...` key fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// OpenPGP: the certificate's primary fingerprint (the identity a keyring lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// OpenPGP: the certificate's primary user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// SSH: the principals of the allowed_signers line that accepted the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principals: Option<String>,
    /// OpenPGP: the signature's creation time (UTC, RFC 3339); SSH: absent (SSHSIG has none,
    /// the tagger time was judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// One sentence for people.
    pub detail: String,
}

/// Outcome of the signature step that let the check go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// The tag's signature verified against the keyring given with `--keyring`.
    Good,
    /// Not verified: `--allow-unsigned` (content comparison only), or `--commit` (no tag).
    NotChecked,
}

/// A project rule that matched nothing.
#[derive(Debug, Clone, Serialize)]
pub struct StaleRule {
    pub rule: String,
    pub path: String,
    pub reason: String,
}

/// A consistency check between metadata the artifact carries and the git side.
#[derive(Debug, Clone, Serialize)]
pub struct CrossCheck {
    /// `git-archive-commit`, `cargo-vcs-info`, `pkg-info-version`, ...
    pub name: String,
    pub status: CrossCheckStatus,
    pub detail: String,
}

/// Result of one cross-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CrossCheckStatus {
    Ok,
    Failed,
}

/// How many unexpected findings a report lists; the rest are counted only
/// ([`Report::findings_omitted`]). Allowed and undecided findings are always all listed:
/// they are what a seal vouches for.
pub const UNEXPECTED_KEPT: u64 = 1_000;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Counts per class and judgement, and the bytes nobody verified against git.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub matched: u64,
    pub modified: u64,
    pub mode: u64,
    #[serde(rename = "type")]
    pub type_: u64,
    pub missing: u64,
    pub extra: u64,
    pub unverifiable: u64,
    pub hostile: u64,
    pub allowed: u64,
    pub unexpected: u64,
    pub indeterminate: u64,
    /// Tracked files accepted as git's bytes plus version/date stamps (`vouched_by: stamped`).
    pub stamped: u64,
    /// Files present in the archive whose bytes git does not back (allowed extras and
    /// modifications): the bytes a reader must trust the policy for.
    pub not_backed_files: u64,
    pub not_backed_bytes: u64,
}

impl Summary {
    /// Counts one finding's class and judgement (not `matched`).
    fn count(&mut self, f: &Finding) {
        match f.class {
            Class::Match => {}
            Class::Modified => self.modified += 1,
            Class::Mode => self.mode += 1,
            Class::Type => self.type_ += 1,
            Class::Missing => self.missing += 1,
            Class::Extra => self.extra += 1,
            Class::Unverifiable => self.unverifiable += 1,
            Class::Hostile => self.hostile += 1,
        }
        match f.judgement {
            Judgement::Allowed => {
                self.allowed += 1;
                if f.vouched_by == Some(VouchedBy::Stamped) {
                    self.stamped += 1;
                }
                if matches!(f.class, Class::Extra | Class::Modified) && f.size > 0 {
                    self.not_backed_files += 1;
                    self.not_backed_bytes += f.size;
                } else if f.class == Class::Extra {
                    self.not_backed_files += 1;
                }
            }
            Judgement::Unexpected => self.unexpected += 1,
            Judgement::Indeterminate => self.indeterminate += 1,
        }
    }

    /// Adds `other`'s counts to these.
    fn add(&mut self, o: &Summary) {
        self.matched += o.matched;
        self.modified += o.modified;
        self.mode += o.mode;
        self.type_ += o.type_;
        self.missing += o.missing;
        self.extra += o.extra;
        self.unverifiable += o.unverifiable;
        self.hostile += o.hostile;
        self.allowed += o.allowed;
        self.stamped += o.stamped;
        self.unexpected += o.unexpected;
        self.indeterminate += o.indeterminate;
        self.not_backed_files += o.not_backed_files;
        self.not_backed_bytes += o.not_backed_bytes;
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: ToolInfo,
    pub verdict: Verdict,
    pub archive: ArchiveInfo,
    pub git: GitInfo,
    pub policy: PolicyInfo,
    /// The tag's signature, verified before any content was compared.
    pub signature: SignatureInfo,
    pub summary: Summary,
    /// The accepted files nothing but their name vouches for (`vouched_by: name-only`).
    pub trust_surface: TrustSurface,
    /// Every non-matching path and hostile entry, sorted by path — except unexpected findings
    /// beyond the first [`UNEXPECTED_KEPT`] (see `findings_omitted`).
    pub findings: Vec<Finding>,
    /// Unexpected findings counted in `summary` but not listed in `findings`: a hostile
    /// archive of a million stray files is rejected just as surely by the first thousand
    /// named, and listing all would cost a gigabyte of memory and of JSON.
    #[serde(skip_serializing_if = "is_zero")]
    pub findings_omitted: u64,
    /// The summary of the omitted findings, added in by [`Report::recompute`].
    #[serde(skip)]
    pub omitted_summary: Summary,
    /// How many unexpected findings [`Report::push_finding`] listed.
    #[serde(skip)]
    pub listed_unexpected: u64,
    pub cross_checks: Vec<CrossCheck>,
    /// Things a reader should know that do not change the verdict.
    pub notes: Vec<String>,
    /// With `--regenerate`: every generated file that differs from its regeneration, with
    /// the number of differing lines and a diff excerpt — what a person reviews instead of
    /// the whole file. Empty without differences (or without `--regenerate`).
    pub review_surface: Vec<ReviewItem>,
    /// With `--regenerate`: the toolchain, the versions the release names, and each strategy
    /// run in the sandbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regeneration: Option<RegenerationInfo>,
}

/// One file of the review surface.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    pub path: String,
    /// Lines only in the release plus lines only in the regenerated file.
    pub lines: u64,
    /// The strategy whose output came closest.
    pub strategy: String,
    /// Unified-diff excerpt (regenerated → release), at most 40 lines.
    pub diff: String,
}

/// What `--regenerate` ran (`regeneration` in the report).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegenerationInfo {
    /// `system (/usr)` or the toolchain directories.
    pub toolchain: String,
    /// Tool → version the toolchain provides.
    pub toolchain_versions: std::collections::BTreeMap<String, String>,
    /// Tool → versions the release's generated files name.
    pub release_versions: std::collections::BTreeMap<String, Vec<String>>,
    /// Release versions the toolchain does not have (each makes differences indeterminate).
    pub mismatches: Vec<tarseal_regen::autotools::VersionMismatch>,
    /// Each strategy run in the sandbox, in order.
    pub runs: Vec<tarseal_regen::autotools::RunInfo>,
    /// False only with `--unsafe-no-sandbox`.
    pub sandboxed: bool,
    /// Release files used as inputs because a known-file check vouched for them.
    pub inputs_from_release: Vec<String>,
    /// Why regeneration could not run at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The producer of a report.
#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
}

impl ToolInfo {
    /// This build of tarseal.
    pub fn current() -> Self {
        ToolInfo {
            name: "tarseal",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

impl Report {
    /// Recomputes the summary and the verdict from the findings and cross-checks, so that the
    /// two can never disagree.
    /// Adds a finding, or only counts it when it is unexpected and [`UNEXPECTED_KEPT`]
    /// unexpected findings are already listed: memory stays bounded on an archive of a
    /// million stray files, and the verdict and counts stay exact.
    pub fn push_finding(&mut self, f: Finding) {
        if f.judgement == Judgement::Unexpected && self.listed_unexpected >= UNEXPECTED_KEPT {
            self.findings_omitted += 1;
            self.omitted_summary.count(&f);
            return;
        }
        if f.judgement == Judgement::Unexpected {
            self.listed_unexpected += 1;
        }
        self.findings.push(f);
    }

    /// Clears the findings (listed and omitted) and the cross-checks: the report is then a
    /// skeleton to judge again, with another profile.
    pub fn clear_judgement(&mut self) {
        self.findings.clear();
        self.cross_checks.clear();
        self.findings_omitted = 0;
        self.omitted_summary = Summary::default();
        self.listed_unexpected = 0;
    }

    pub fn finish(&mut self, matched: u64) {
        self.summary.matched = matched;
        self.recompute();
    }

    /// Marks the accepted finding at `path` as vouched for by `how` (see the module doc).
    /// Call [`Report::recompute`] afterwards.
    pub fn vouch(
        &mut self,
        path: &str,
        how: VouchedBy,
        evidence: impl Into<String>,
    ) -> Result<(), VouchError> {
        self.finding_mut(path)?.vouch(how, evidence)
    }

    /// Rejects the accepted finding at `path` with `reason` (exit 1 after
    /// [`Report::recompute`]).
    pub fn reject(
        &mut self,
        path: &str,
        reason: impl Into<String>,
        detail: Option<String>,
    ) -> Result<(), VouchError> {
        self.finding_mut(path)?.reject(reason, detail);
        Ok(())
    }

    /// The finding for a file at `path` (not a hostile-entry finding of the same path).
    pub fn finding_mut(&mut self, path: &str) -> Result<&mut Finding, VouchError> {
        self.findings
            .iter_mut()
            .find(|f| f.path == path && f.class != Class::Hostile)
            .ok_or_else(|| VouchError::NoFinding { path: path.into() })
    }

    /// Recomputes the summary, the trust surface and the verdict from the findings and
    /// cross-checks (keeping `summary.matched`), so that they can never disagree.
    pub fn recompute(&mut self) {
        let matched = self.summary.matched;
        for f in &mut self.findings {
            f.vouched_by = match f.judgement {
                Judgement::Allowed => Some(f.vouched_by.unwrap_or(VouchedBy::NameOnly)),
                _ => None,
            };
        }
        self.findings
            .sort_by(|a, b| a.path.cmp(&b.path).then(a.class.cmp(&b.class)));
        let mut s = Summary {
            matched,
            ..Summary::default()
        };
        let mut verdict = Verdict::Pass;
        for f in &self.findings {
            s.count(f);
            verdict = verdict.max(match f.judgement {
                Judgement::Allowed => Verdict::Pass,
                Judgement::Unexpected => Verdict::Fail,
                Judgement::Indeterminate => Verdict::Indeterminate,
            });
        }
        s.add(&self.omitted_summary);
        if self.omitted_summary.unexpected > 0 {
            verdict = Verdict::Fail;
        }
        if self
            .cross_checks
            .iter()
            .any(|c| c.status == CrossCheckStatus::Failed)
        {
            verdict = Verdict::Fail;
        }
        let mut surface = TrustSurface::default();
        for f in &self.findings {
            if f.vouched_by == Some(VouchedBy::NameOnly) {
                surface.files += 1;
                surface.bytes += f.size;
                surface.paths.push(f.path.clone());
            }
        }
        surface.paths.sort();
        self.trust_surface = surface;
        self.summary = s;
        self.verdict = verdict;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, class: Class, judgement: Judgement, size: u64) -> Finding {
        Finding {
            path: path.into(),
            class,
            judgement,
            rule: None,
            reason: String::new(),
            detail: None,
            problem: None,
            size,
            sha256: None,
            vouched_by: None,
        }
    }

    #[test]
    fn unexpected_findings_beyond_the_cap_are_counted_not_listed() {
        let mut r = report(Vec::new());
        let n = UNEXPECTED_KEPT + 500;
        for i in 0..n {
            r.push_finding(finding(
                &format!("x{i:05}"),
                Class::Extra,
                Judgement::Unexpected,
                3,
            ));
        }
        // Allowed and undecided findings are always listed, after the cap too.
        r.push_finding(finding("ok", Class::Extra, Judgement::Allowed, 7));
        r.push_finding(finding(
            "maybe",
            Class::Modified,
            Judgement::Indeterminate,
            1,
        ));
        r.finish(4);
        assert_eq!(r.findings.len() as u64, UNEXPECTED_KEPT + 2);
        assert_eq!(r.findings_omitted, 500);
        assert_eq!(r.summary.unexpected, n);
        assert_eq!(r.summary.extra, n + 1);
        assert_eq!(r.summary.allowed, 1);
        assert_eq!(r.summary.indeterminate, 1);
        assert_eq!(r.summary.matched, 4);
        assert_eq!(r.verdict, Verdict::Fail);
        // A second recompute (as vouching does) keeps the omitted counts.
        r.recompute();
        assert_eq!(r.summary.unexpected, n);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["findings_omitted"], 500);
        // A skeleton for another profile's judgement starts from nothing.
        r.clear_judgement();
        r.finish(4);
        assert_eq!(r.summary.unexpected, 0);
        assert_eq!(r.verdict, Verdict::Pass);
        assert!(serde_json::to_value(&r)
            .unwrap()
            .get("findings_omitted")
            .is_none());
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            schema: SCHEMA,
            tool: ToolInfo::current(),
            verdict: Verdict::Pass,
            archive: ArchiveInfo {
                path: "x.tar".into(),
                format: "tar".into(),
                size: 0,
                prefix: String::new(),
                prefix_given: false,
                entries: 0,
                uncompressed_bytes: 0,
                pax_comment: None,
                digests: None,
            },
            git: GitInfo {
                repo: ".".into(),
                target_kind: "tag".into(),
                target: "v1".into(),
                tag_object: None,
                annotated: true,
                tag_signature_present: false,
                commit: String::new(),
                tree: String::new(),
                subdir: None,
                object_format: "sha1".into(),
                tree_entries: 0,
            },
            policy: PolicyInfo {
                profile: "autotools".into(),
                sources: vec![],
                stale_rules: vec![],
                selection: "given with --profile".into(),
                hint: None,
            },
            signature: SignatureInfo {
                status: SignatureStatus::NotChecked,
                format: None,
                fingerprint: None,
                primary: None,
                user_id: None,
                principals: None,
                created: None,
                detail: String::new(),
            },
            summary: Summary::default(),
            trust_surface: TrustSurface::default(),
            findings,
            cross_checks: vec![],
            notes: vec![],
            review_surface: vec![],
            findings_omitted: 0,
            omitted_summary: Summary::default(),
            listed_unexpected: 0,
            regeneration: None,
        }
    }

    /// Unmarked accepted files are name-only (the safe default); a regenerator's vouch takes
    /// a file out of the surface, its rejection fails the report; unaccepted and absent files
    /// cannot be vouched for.
    #[test]
    fn vouching_moves_files_out_of_the_trust_surface() {
        let mut r = report(vec![
            finding("configure", Class::Extra, Judgement::Allowed, 100),
            finding("Makefile.in", Class::Extra, Judgement::Allowed, 20),
            finding(".gitignore", Class::Missing, Judgement::Allowed, 0),
            finding("evil.sh", Class::Extra, Judgement::Unexpected, 5),
        ]);
        r.findings[2].vouched_by = Some(VouchedBy::Git);
        r.finish(7);
        assert_eq!(r.summary.matched, 7);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.trust_surface.paths, vec!["Makefile.in", "configure"]);
        assert_eq!((r.trust_surface.files, r.trust_surface.bytes), (2, 120));
        let evil = r.findings.iter().find(|f| f.path == "evil.sh").unwrap();
        assert_eq!(evil.vouched_by, None);

        r.vouch(
            "configure",
            VouchedBy::Reproduced,
            "autoconf 2.71: identical",
        )
        .unwrap();
        assert_eq!(
            r.vouch("evil.sh", VouchedBy::Reproduced, ""),
            Err(VouchError::NotAccepted {
                path: "evil.sh".into(),
                judgement: Judgement::Unexpected
            })
        );
        assert_eq!(
            r.vouch(".gitignore", VouchedBy::Reproduced, "")
                .unwrap_err(),
            VouchError::Absent {
                path: ".gitignore".into()
            }
        );
        assert!(matches!(
            r.vouch("nope", VouchedBy::Reproduced, ""),
            Err(VouchError::NoFinding { .. })
        ));
        r.recompute();
        assert_eq!(r.summary.matched, 7);
        assert_eq!(r.trust_surface.paths, vec!["Makefile.in"]);
        let c = r.findings.iter().find(|f| f.path == "configure").unwrap();
        assert_eq!(c.vouched_by, Some(VouchedBy::Reproduced));
        assert_eq!(c.detail.as_deref(), Some("autoconf 2.71: identical"));

        r.reject(
            "Makefile.in",
            "regenerated Makefile.in differs",
            Some("-a\n+b".into()),
        )
        .unwrap();
        r.recompute();
        assert!(r.trust_surface.paths.is_empty());
        assert_eq!(r.summary.unexpected, 2);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["schema"], "tarseal.report/v2");
        assert_eq!(json["trust_surface"]["files"], 0);
        let m = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "Makefile.in")
            .unwrap();
        assert!(m["vouched_by"].is_null());
        assert_eq!(m["judgement"], "unexpected");
    }
}
