//! Policy: which differences between archive and git are vouched for, by which rule, and why.
//!
//! A policy is a built-in profile ([`profiles`]) plus project rules from a `--policy` file or from
//! `.tarseal.toml` in the tag's tree (signed content, unlike anything in the tarball). Every rule
//! names a path pattern, the classes of difference it allows, and a reason that ends up in the
//! report. A rule may pin the file's SHA-256 or run a content check ([`checks`]) that narrows it
//! further: "setup.cfg may differ" is never a rule; "setup.cfg may gain an `[egg_info]` section
//! and nothing else" is.
//!
//! No built-in rule allows a directory of arbitrary extras. The xz-utils backdoor was an added
//! `m4/build-to-host.m4`; `m4/*.m4` would have passed it. Extra m4 files are accepted only when
//! byte-identical to a file that a known release of its tool ships.

mod cargo_lock;
pub mod cdefine;
pub mod checks;
mod gmo;
mod gnulib;
mod maturin;
pub mod pbr;
pub mod po;
pub mod profiles;
pub mod setup_cfg;
pub mod stamp;
pub mod suggest;

use crate::report::Class;
use globset::GlobMatcher;
use serde::Deserialize;

pub use checks::ContentCheck;

/// A kind of difference a rule can allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allow {
    Extra,
    Missing,
    Modified,
    Mode,
    Type,
    /// A hard link whose target's bytes equal what git has at the link's own path.
    Hardlink,
    /// A regular file where git has a symlink, holding exactly the bytes of the blob the
    /// link resolves to inside the tree (tools that copy link targets: setuptools' sdist).
    Dereferenced,
    /// Content below a submodule.
    Unverifiable,
}

impl Allow {
    /// Whether this allowance covers a finding of `class` (hard links are hostile findings).
    pub fn covers(self, class: Class) -> bool {
        matches!(
            (self, class),
            (Allow::Extra, Class::Extra)
                | (Allow::Missing, Class::Missing)
                | (Allow::Modified, Class::Modified)
                | (Allow::Mode, Class::Mode)
                | (Allow::Type, Class::Type)
                | (Allow::Unverifiable, Class::Unverifiable)
        )
    }
}

/// A rule's path pattern that globset refuses.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid path pattern {pattern:?}: {source}")]
pub struct PatternError {
    pub pattern: String,
    pub source: globset::Error,
}

/// Why a policy file or a profile name cannot be used. The messages of a file's errors start
/// with the file's origin (`policy file p.toml: rule 2 (a/*): ...`).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file is not valid TOML or does not have the policy file's shape.
    #[error("{origin}: {source}")]
    Toml {
        origin: String,
        source: toml::de::Error,
    },
    /// `profile = "..."` names no built-in profile.
    #[error("{origin}: unknown profile {profile:?} (known: {})", profiles::NAMES.join(", "))]
    UnknownProfileInFile { origin: String, profile: String },
    /// A `[[rule]]` (numbered from 1) with an empty reason.
    #[error("{origin}: rule {rule} ({path}) has no reason; every allowance must say why")]
    NoReason {
        origin: String,
        rule: usize,
        path: String,
    },
    #[error("{origin}: rule {rule} ({path}) allows nothing")]
    AllowsNothing {
        origin: String,
        rule: usize,
        path: String,
    },
    #[error("{origin}: rule {rule}: {source}")]
    Pattern {
        origin: String,
        rule: usize,
        source: PatternError,
    },
    #[error("{origin}: rule {rule} ({path}): sha256 must be 64 hex digits")]
    Sha256 {
        origin: String,
        rule: usize,
        path: String,
    },
    #[error(
        "{origin}: rule {rule} ({path}): unknown check {check:?} (known: {})",
        ContentCheck::NAMES.join(", ")
    )]
    UnknownCheck {
        origin: String,
        rule: usize,
        path: String,
        check: String,
    },
    /// A `regenerate_scripts` entry that is absolute, empty or climbs out with `..`.
    #[error("{origin}: regenerate_scripts: {script:?} must be a path inside the tag's tree")]
    ScriptOutsideTree { origin: String, script: String },
    /// A `[[regenerate_git_log]]` statement (numbered from 1) whose arguments, path or
    /// filter cannot be used.
    #[error("{origin}: regenerate_git_log {index} ({path}): {detail}")]
    GitLog {
        origin: String,
        index: usize,
        path: String,
        detail: GitLogStatementError,
    },
    /// `--profile NAME` (or [`Policy::new`]) with a name that is no built-in profile.
    #[error("unknown profile {profile:?} (known: {})", profiles::NAMES.join(", "))]
    UnknownProfile { profile: String },
    /// The tree's policy file is not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
}

/// What is wrong with one `[[regenerate_git_log]]` statement.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GitLogStatementError {
    #[error(transparent)]
    Arg(#[from] tarseal_regen::gitlog::ArgError),
    #[error("path must be a plain relative path of the release")]
    Path,
    #[error("filter {0:?} must be a plain relative path of the tag's tree")]
    Filter(String),
    #[error("has no reason; every statement must say why")]
    NoReason,
    #[error("names the same path as statement {0}")]
    Duplicate(usize),
}

/// One rule: a path pattern, what it allows there, and why.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable identifier used in reports: `profile:pbr/ChangeLog`, `policy:2` (the second
    /// `[[rule]]` of the project policy).
    pub id: String,
    /// Glob on the path relative to the archive prefix; `*` does not cross `/`, `**` does.
    pub pattern: String,
    /// One matcher per expansion of a brace group with an empty alternative (globset drops
    /// the empty alternative of `{,build-aux/}x`, so such groups are expanded here).
    matchers: Vec<GlobMatcher>,
    pub allow: Vec<Allow>,
    pub reason: String,
    /// When set, the archive's file must have exactly this SHA-256.
    pub sha256: Option<[u8; 32]>,
    /// When set, the content must pass this check.
    pub check: Option<ContentCheck>,
    /// True for project rules (reported as stale when they match nothing).
    pub project: bool,
}

impl Rule {
    /// Builds a rule, validating the pattern.
    pub fn new(
        id: impl Into<String>,
        pattern: &str,
        allow: &[Allow],
        reason: impl Into<String>,
    ) -> Result<Rule, PatternError> {
        let mut matchers = Vec::new();
        for p in expand_empty_alternatives(pattern) {
            let glob = globset::GlobBuilder::new(&p)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|source| PatternError {
                    pattern: pattern.to_string(),
                    source,
                })?;
            matchers.push(glob.compile_matcher());
        }
        Ok(Rule {
            id: id.into(),
            pattern: pattern.to_string(),
            matchers,
            allow: allow.to_vec(),
            reason: reason.into(),
            sha256: None,
            check: None,
            project: false,
        })
    }

    /// Attaches a content check.
    pub fn with_check(mut self, check: ContentCheck) -> Rule {
        self.check = Some(check);
        self
    }

    /// Whether the rule's pattern matches `path`.
    pub fn matches(&self, path: &str) -> bool {
        self.matchers.iter().any(|m| m.is_match(path))
    }

    /// Whether the rule could need the content or SHA-256 of the file at `path` to decide;
    /// `in_git` says whether git has the path (a rule that only allows extras never judges
    /// a path git has).
    pub fn needs_content(&self, path: &str, in_git: bool) -> bool {
        let only_extra = self.allow.iter().all(|a| *a == Allow::Extra);
        (self.sha256.is_some() || self.check.is_some())
            && !(in_git && only_extra)
            && self.matches(path)
    }

    /// Whether the rule's content check reads the file's *bytes* and can apply to `path` as
    /// far as the tag's tree tells before the read (`version_files`:
    /// [`checks::declared_version_files`]). A SHA-256 pin or a blob comparison needs no bytes.
    fn reads_bytes(&self, path: &str, version_files: &[String]) -> bool {
        self.check
            .as_ref()
            .is_some_and(|c| c.needs_bytes() && c.may_apply_before_read(path, version_files))
    }
}

/// Expands every `{...}` group that has an empty alternative (`{,build-aux/,config/}NAME`)
/// into one pattern per alternative; other groups are left to globset. Without this, globset
/// compiles `{,a/}x` so that the root's `x` does not match.
fn expand_empty_alternatives(pattern: &str) -> Vec<String> {
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'{' => {
                let Some(len) = bytes[i..].iter().position(|&b| b == b'}') else {
                    return vec![pattern.to_string()];
                };
                let inner = &pattern[i + 1..i + len];
                if inner.contains('{') {
                    return vec![pattern.to_string()];
                }
                let alts: Vec<&str> = inner.split(',').collect();
                if alts.iter().any(|a| a.is_empty()) {
                    let (head, tail) = (&pattern[..i], &pattern[i + len + 1..]);
                    return alts
                        .iter()
                        .flat_map(|a| {
                            expand_empty_alternatives(tail)
                                .into_iter()
                                .map(move |t| format!("{head}{a}{t}"))
                        })
                        .collect();
                }
                i += len + 1;
            }
            _ => i += 1,
        }
    }
    vec![pattern.to_string()]
}

/// The rules in force for one check, in order of precedence (project rules first).
#[derive(Debug, Clone)]
pub struct Policy {
    pub profile: String,
    pub rules: Vec<Rule>,
    /// Human-readable origins of the rules, in order.
    pub sources: Vec<String>,
    /// The project policy asks for regeneration (`regenerate = true`).
    pub regenerate: bool,
    /// Tag scripts the project policy lets regeneration run.
    pub regenerate_scripts: Vec<String>,
    /// Release files the project policy says were written from `git log`.
    pub regenerate_git_log: Vec<tarseal_regen::gitlog::GitLogSpec>,
}

/// The TOML form of a policy file (`--policy FILE` or `.tarseal.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    profile: Option<String>,
    #[serde(default)]
    regenerate: bool,
    #[serde(default)]
    regenerate_scripts: Vec<String>,
    #[serde(default)]
    regenerate_git_log: Vec<GitLogFile>,
    #[serde(default)]
    rule: Vec<RuleFile>,
}

/// `[[regenerate_git_log]]`: the release's `path` was written by `git log ARGS` (piped
/// through the tag's `filter` script when given) at the tag's commit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GitLogFile {
    path: String,
    #[serde(default)]
    args: Vec<String>,
    filter: Option<String>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    path: String,
    allow: Vec<Allow>,
    reason: String,
    sha256: Option<String>,
    check: Option<String>,
}

/// Project rules parsed from one policy file.
#[derive(Debug, Clone)]
pub struct ProjectPolicy {
    /// The profile the file asks for, if any.
    pub profile: Option<String>,
    pub rules: Vec<Rule>,
    /// `regenerate = true`: judge generated files by regenerating them (as `--regenerate`).
    pub regenerate: bool,
    /// `regenerate_scripts = ["autogen.sh"]`: the tag's own scripts regeneration may run (in
    /// the sandbox); none unless named here.
    pub regenerate_scripts: Vec<String>,
    /// `[[regenerate_git_log]]`: files written from `git log` (they take precedence over what
    /// the tag's Makefile.am dist-hook says for the same path).
    pub regenerate_git_log: Vec<tarseal_regen::gitlog::GitLogSpec>,
}

impl ProjectPolicy {
    /// Parses a policy file. `origin` names it in errors (`policy.toml`, `.tarseal.toml in tag
    /// v1.0`). Every rule must carry a non-empty reason: an allowance nobody can explain is
    /// exactly what this tool exists to refuse.
    pub fn parse(text: &str, origin: &str) -> Result<ProjectPolicy, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|source| PolicyError::Toml {
            origin: origin.to_string(),
            source,
        })?;
        if let Some(p) = &file.profile {
            if p != profiles::AUTO && profiles::by_name(p).is_none() {
                return Err(PolicyError::UnknownProfileInFile {
                    origin: origin.to_string(),
                    profile: p.clone(),
                });
            }
        }
        let mut rules = Vec::with_capacity(file.rule.len());
        for (i, r) in file.rule.into_iter().enumerate() {
            let n = i + 1;
            let id = format!("policy:{n}");
            if r.reason.trim().is_empty() {
                return Err(PolicyError::NoReason {
                    origin: origin.to_string(),
                    rule: n,
                    path: r.path,
                });
            }
            if r.allow.is_empty() {
                return Err(PolicyError::AllowsNothing {
                    origin: origin.to_string(),
                    rule: n,
                    path: r.path,
                });
            }
            let mut rule = Rule::new(id, &r.path, &r.allow, r.reason).map_err(|source| {
                PolicyError::Pattern {
                    origin: origin.to_string(),
                    rule: n,
                    source,
                }
            })?;
            rule.project = true;
            if let Some(h) = r.sha256 {
                let bytes = hex::decode(h.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| PolicyError::Sha256 {
                        origin: origin.to_string(),
                        rule: n,
                        path: r.path.clone(),
                    })?;
                rule.sha256 = Some(bytes);
            }
            if let Some(c) = r.check {
                rule.check =
                    Some(
                        ContentCheck::from_name(&c).ok_or_else(|| PolicyError::UnknownCheck {
                            origin: origin.to_string(),
                            rule: n,
                            path: r.path.clone(),
                            check: c.clone(),
                        })?,
                    );
            }
            rules.push(rule);
        }
        for sc in &file.regenerate_scripts {
            if sc.is_empty() || sc.starts_with('/') || sc.split('/').any(|c| c == "..") {
                return Err(PolicyError::ScriptOutsideTree {
                    origin: origin.to_string(),
                    script: sc.clone(),
                });
            }
        }
        let mut git_logs: Vec<tarseal_regen::gitlog::GitLogSpec> = Vec::new();
        for (i, g) in file.regenerate_git_log.into_iter().enumerate() {
            let index = i + 1;
            let err = |detail: GitLogStatementError| PolicyError::GitLog {
                origin: origin.to_string(),
                index,
                path: g.path.clone(),
                detail,
            };
            if g.reason.trim().is_empty() {
                return Err(err(GitLogStatementError::NoReason));
            }
            if !tarseal_regen::gitlog::plain_path(&g.path) {
                return Err(err(GitLogStatementError::Path));
            }
            if let Some(f) = &g.filter {
                if !tarseal_regen::gitlog::plain_path(f) {
                    return Err(err(GitLogStatementError::Filter(f.clone())));
                }
            }
            if let Some(j) = git_logs.iter().position(|s| s.path == g.path) {
                return Err(err(GitLogStatementError::Duplicate(j + 1)));
            }
            tarseal_regen::gitlog::validate_args(&g.args)
                .map_err(|e| err(GitLogStatementError::Arg(e)))?;
            git_logs.push(tarseal_regen::gitlog::GitLogSpec {
                path: g.path,
                args: g.args,
                filter: g.filter,
                origin: tarseal_regen::gitlog::Origin::Policy { index },
            });
        }
        Ok(ProjectPolicy {
            profile: file.profile,
            rules,
            regenerate: file.regenerate,
            regenerate_scripts: file.regenerate_scripts,
            regenerate_git_log: git_logs,
        })
    }
}

impl Policy {
    /// Combines project rules (which take precedence) with a built-in profile.
    pub fn new(
        profile: &str,
        project: Option<(ProjectPolicy, String)>,
    ) -> Result<Policy, PolicyError> {
        let builtin = profiles::by_name(profile).ok_or_else(|| PolicyError::UnknownProfile {
            profile: profile.to_string(),
        })?;
        let mut rules = Vec::new();
        let mut sources = Vec::new();
        let (mut regenerate, mut regenerate_scripts, mut regenerate_git_log) =
            (false, Vec::new(), Vec::new());
        if let Some((p, origin)) = project {
            sources.push(origin);
            rules.extend(p.rules);
            regenerate = p.regenerate;
            regenerate_scripts = p.regenerate_scripts;
            regenerate_git_log = p.regenerate_git_log;
        }
        sources.push(format!("profile {profile}"));
        rules.extend(builtin);
        Ok(Policy {
            profile: profile.to_string(),
            rules,
            sources,
            regenerate,
            regenerate_scripts,
            regenerate_git_log,
        })
    }

    /// Whether any rule might need the file's content or SHA-256 to judge `path`.
    pub fn needs_content(&self, path: &str, in_git: bool) -> bool {
        self.rules.iter().any(|r| r.needs_content(path, in_git))
    }

    /// What the rules need of the file at `path`, in one pass over them (the reader asks for
    /// every entry): whether any needs its SHA-256 or bytes ([`Rule::needs_content`]), and
    /// whether any needs the bytes kept. Without the second answer a `**` rule with a
    /// version-file check (or a check that compares blob ids only) kept every extra file's
    /// content, up to 8 MiB each.
    pub fn content_needs(
        &self,
        path: &str,
        in_git: bool,
        version_files: &[String],
    ) -> (bool, bool) {
        let mut any = false;
        for r in self.rules.iter().filter(|r| r.needs_content(path, in_git)) {
            any = true;
            if r.reads_bytes(path, version_files) {
                return (true, true);
            }
        }
        (any, false)
    }

    /// The project rules and every built-in profile's rules together: what the reader must
    /// keep before the profile is chosen (`--profile auto`, and the hint that names another).
    pub fn union(project: Option<(ProjectPolicy, String)>) -> Policy {
        let mut rules = Vec::new();
        if let Some((p, _)) = project {
            rules.extend(p.rules);
        }
        for name in profiles::NAMES {
            rules.extend(profiles::by_name(name).unwrap_or_default());
        }
        Policy {
            profile: "union".into(),
            rules,
            sources: Vec::new(),
            regenerate: false,
            regenerate_scripts: Vec::new(),
            regenerate_git_log: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_brace_alternative_matches_at_the_root() {
        let r = Rule::new(
            "t",
            "{,build-aux/,config/}config.guess",
            &[Allow::Extra],
            "x",
        )
        .unwrap();
        for p in [
            "config.guess",
            "build-aux/config.guess",
            "config/config.guess",
        ] {
            assert!(r.matches(p), "{p}");
        }
        for p in [
            "lib/config.guess",
            "build-aux/x/config.guess",
            "config.guess.evil",
        ] {
            assert!(!r.matches(p), "{p}");
        }
        let r = Rule::new("t", "{doc,man}/*.[1-9]", &[Allow::Extra], "x").unwrap();
        assert!(r.matches("doc/a.1") && r.matches("man/b.8") && !r.matches("a.1"));
        let r = Rule::new("t", "src/{,x/}{a,b}.c", &[Allow::Extra], "x").unwrap();
        assert!(r.matches("src/a.c") && r.matches("src/x/b.c") && !r.matches("src/y/a.c"));
    }
}
