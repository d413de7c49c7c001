//! The check report: what was compared, every difference, how each was judged, and the verdict.
//!
//! The JSON form (`serde_json::to_string(&report)`) is the `tarseal.report/v1` schema documented
//! in `docs/report-schema.md`. Fields are only ever added within v1; renaming or removing one
//! means v2. Scripts should key on `verdict` and on `findings[].judgement`.

use serde::Serialize;

/// The schema identifier written into every JSON report.
pub const SCHEMA: &str = "tarseal.report/v1";

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
    /// Files present in the archive whose bytes git does not back (allowed extras and
    /// modifications): the bytes a reader must trust the policy for.
    pub not_backed_files: u64,
    pub not_backed_bytes: u64,
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
    /// Every non-matching path and hostile entry, sorted by path.
    pub findings: Vec<Finding>,
    pub cross_checks: Vec<CrossCheck>,
    /// Things a reader should know that do not change the verdict.
    pub notes: Vec<String>,
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
    pub fn finish(&mut self, matched: u64) {
        self.findings
            .sort_by(|a, b| a.path.cmp(&b.path).then(a.class.cmp(&b.class)));
        let mut s = Summary {
            matched,
            ..Summary::default()
        };
        let mut verdict = Verdict::Pass;
        for f in &self.findings {
            match f.class {
                Class::Match => {}
                Class::Modified => s.modified += 1,
                Class::Mode => s.mode += 1,
                Class::Type => s.type_ += 1,
                Class::Missing => s.missing += 1,
                Class::Extra => s.extra += 1,
                Class::Unverifiable => s.unverifiable += 1,
                Class::Hostile => s.hostile += 1,
            }
            match f.judgement {
                Judgement::Allowed => {
                    s.allowed += 1;
                    if matches!(f.class, Class::Extra | Class::Modified) && f.size > 0 {
                        s.not_backed_files += 1;
                        s.not_backed_bytes += f.size;
                    } else if f.class == Class::Extra {
                        s.not_backed_files += 1;
                    }
                }
                Judgement::Unexpected => {
                    s.unexpected += 1;
                    verdict = verdict.max(Verdict::Fail);
                }
                Judgement::Indeterminate => {
                    s.indeterminate += 1;
                    verdict = verdict.max(Verdict::Indeterminate);
                }
            }
        }
        if self
            .cross_checks
            .iter()
            .any(|c| c.status == CrossCheckStatus::Failed)
        {
            verdict = Verdict::Fail;
        }
        self.summary = s;
        self.verdict = verdict;
    }
}
