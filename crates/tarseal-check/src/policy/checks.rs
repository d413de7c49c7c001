//! Content checks: the narrow conditions under which a generated or rewritten file is vouched for.
//!
//! Each check looks at the archive's bytes for one path and the trusted side (git tree, commit,
//! tag) and answers pass, fail (with what differs) or undecided (with what could not be known).

use super::setup_cfg;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;
use tarseal_git::{CommitInfo, ObjectId};

/// A named content check a rule can carry (`check = "..."` in policy files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentCheck {
    /// `setup.cfg` equals git's except for an added `[egg_info]` section (`tag_build`,
    /// `tag_date`, `tag_svn_revision`) and re-indentation, as pbr and setuptools write it.
    SetupCfgEggInfo,
    /// `PKG-INFO` (or `*.egg-info/PKG-INFO`) has a `Version` equal to the tag's version.
    PkgInfoVersion,
    /// The file's bytes equal git's file at this other path (`Cargo.toml.orig` = `Cargo.toml`).
    EqualsGitFile(String),
    /// `.cargo_vcs_info.json` names the checked commit and `--subdir`.
    CargoVcsInfo,
    /// `Cargo.toml` is cargo's normalisation of git's: `Cargo.toml.orig` equals git's
    /// `Cargo.toml`, and the package name, version and dependency names agree with it.
    CargoTomlNormalized,
    /// An m4 file byte-identical to one a known release of its tool ships (`data/known-m4.tsv`).
    KnownM4,
}

impl ContentCheck {
    /// The names accepted in policy files.
    pub const NAMES: &'static [&'static str] = &[
        "setup-cfg-egg-info",
        "pkg-info-version",
        "cargo-vcs-info",
        "cargo-toml-normalized",
        "known-m4",
        "equals-git:PATH",
    ];

    /// Parses a policy file's `check = "..."`.
    pub fn from_name(name: &str) -> Option<ContentCheck> {
        Some(match name {
            "setup-cfg-egg-info" => ContentCheck::SetupCfgEggInfo,
            "pkg-info-version" => ContentCheck::PkgInfoVersion,
            "cargo-vcs-info" => ContentCheck::CargoVcsInfo,
            "cargo-toml-normalized" => ContentCheck::CargoTomlNormalized,
            "known-m4" => ContentCheck::KnownM4,
            _ => {
                let p = name.strip_prefix("equals-git:")?;
                if p.is_empty() {
                    return None;
                }
                ContentCheck::EqualsGitFile(p.to_string())
            }
        })
    }

    /// Stable name for reports.
    pub fn name(&self) -> String {
        match self {
            ContentCheck::SetupCfgEggInfo => "setup-cfg-egg-info".into(),
            ContentCheck::PkgInfoVersion => "pkg-info-version".into(),
            ContentCheck::EqualsGitFile(p) => format!("equals-git:{p}"),
            ContentCheck::CargoVcsInfo => "cargo-vcs-info".into(),
            ContentCheck::CargoTomlNormalized => "cargo-toml-normalized".into(),
            ContentCheck::KnownM4 => "known-m4".into(),
        }
    }

    /// True when the check reads the file's content (so the reader must keep it).
    pub fn needs_bytes(&self) -> bool {
        !matches!(self, ContentCheck::EqualsGitFile(_))
    }
}

/// The trusted side, as the checks see it.
pub struct CheckContext<'a> {
    pub commit: &'a CommitInfo,
    /// The tag's own name, when checking a tag.
    pub tag_name: Option<&'a str>,
    pub subdir: Option<&'a str>,
    /// Git's blob id of the regular file at a path (relative, like archive paths).
    pub git_blob: &'a dyn Fn(&str) -> Option<ObjectId>,
    /// The bytes of a git blob.
    pub read_git_blob: &'a dyn Fn(ObjectId) -> Option<Vec<u8>>,
    /// The archive's blob id of the file at a path.
    pub archive_blob: &'a dyn Fn(&str) -> Option<ObjectId>,
}

/// The archive file a check judges.
pub struct Subject<'a> {
    pub path: &'a str,
    /// The content, when it was kept (small files the policy asked for).
    pub content: Option<&'a [u8]>,
    pub blob: Option<ObjectId>,
}

/// A check's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Vouched for; the string adds what was established.
    Pass(String),
    /// Proven wrong; the string says what differs.
    Fail(String),
    /// Cannot decide; the string says what is unknown and what would decide it.
    Undecided(String),
}

impl ContentCheck {
    /// Runs the check.
    pub fn run(&self, subject: &Subject<'_>, ctx: &CheckContext<'_>) -> Outcome {
        let content = match (self.needs_bytes(), subject.content) {
            (true, None) => {
                return Outcome::Undecided(format!(
                    "{} needs the content of {}, which was too large to inspect",
                    self.name(),
                    subject.path
                ))
            }
            (_, c) => c.unwrap_or_default(),
        };
        match self {
            ContentCheck::SetupCfgEggInfo => {
                let Some(git_id) = (ctx.git_blob)(subject.path) else {
                    return Outcome::Fail("git has no setup.cfg at this path".into());
                };
                let Some(git_bytes) = (ctx.read_git_blob)(git_id) else {
                    return Outcome::Undecided(format!("cannot read git blob {git_id}"));
                };
                match setup_cfg::only_egg_info_added(&git_bytes, content) {
                    Ok(note) => Outcome::Pass(note),
                    Err(why) => Outcome::Fail(why),
                }
            }
            ContentCheck::PkgInfoVersion => pkg_info_version(content, ctx.tag_name),
            ContentCheck::EqualsGitFile(other) => {
                let git = (ctx.git_blob)(other);
                match (git, subject.blob) {
                    (Some(g), Some(a)) if g == a => {
                        Outcome::Pass(format!("identical to git's {other} ({g})"))
                    }
                    (Some(g), Some(a)) => Outcome::Fail(format!(
                        "differs from git's {other}: archive blob {a}, git blob {g}"
                    )),
                    (None, _) => Outcome::Fail(format!("git has no file {other} to compare with")),
                    (_, None) => Outcome::Fail("not a regular file".into()),
                }
            }
            ContentCheck::CargoVcsInfo => cargo_vcs_info(content, ctx),
            ContentCheck::CargoTomlNormalized => cargo_toml_normalized(subject.path, content, ctx),
            ContentCheck::KnownM4 => known_m4(subject.path, content),
        }
    }
}

fn pkg_info_version(content: &[u8], tag: Option<&str>) -> Outcome {
    let text = String::from_utf8_lossy(content);
    // Metadata headers end at the first blank line (the description body follows).
    let version = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Version:").map(|v| v.trim().to_string()));
    let Some(version) = version else {
        return Outcome::Fail("no Version: header".into());
    };
    let Some(tag) = tag else {
        return Outcome::Pass(format!(
            "Version {version} (no tag to compare with: checked against a commit)"
        ));
    };
    let want = tag_version(tag);
    if normalise_version(&version) == normalise_version(want) {
        Outcome::Pass(format!("Version {version} matches tag {tag}"))
    } else {
        Outcome::Fail(format!(
            "Version {version} does not match tag {tag} (expected {want})"
        ))
    }
}

/// The version a tag names: `v1.2.3` and `1.2.3` both give `1.2.3`; a `name-1.2.3` tag gives
/// `1.2.3`.
pub fn tag_version(tag: &str) -> &str {
    let t = tag.rsplit('/').next().unwrap_or(tag);
    if let Some(rest) = t.strip_prefix(['v', 'V']) {
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return rest;
        }
    }
    if let Some(pos) = t.rfind('-') {
        let rest = &t[pos + 1..];
        if rest.starts_with(|c: char| c.is_ascii_digit())
            && !t.starts_with(|c: char| c.is_ascii_digit())
        {
            return rest;
        }
    }
    t
}

/// PEP 440-ish normalisation that is enough to compare a PKG-INFO version with a tag:
/// case-insensitive, `-`/`_` separators before pre-release markers dropped, a leading `v` dropped.
fn normalise_version(v: &str) -> String {
    let v = v.trim().to_ascii_lowercase();
    let v = v.strip_prefix('v').unwrap_or(&v).to_string();
    let mut out = String::with_capacity(v.len());
    let bytes: Vec<char> = v.chars().collect();
    for (i, &c) in bytes.iter().enumerate() {
        if (c == '-' || c == '_' || c == '.')
            && bytes.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic())
        {
            continue;
        }
        out.push(c);
    }
    out
}

fn cargo_vcs_info(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    #[derive(serde::Deserialize)]
    struct Git {
        sha1: String,
    }
    #[derive(serde::Deserialize)]
    struct VcsInfo {
        git: Git,
        #[serde(default)]
        path_in_vcs: String,
    }
    let info: VcsInfo = match serde_json::from_slice(content) {
        Ok(i) => i,
        Err(e) => return Outcome::Fail(format!("not valid .cargo_vcs_info.json: {e}")),
    };
    let commit = ctx.commit.id.to_string();
    if !info.git.sha1.eq_ignore_ascii_case(&commit) {
        return Outcome::Fail(format!(
            "names commit {} but the tag's commit is {commit}: the crate was packaged from another commit",
            info.git.sha1
        ));
    }
    let want = ctx.subdir.unwrap_or("").trim_matches('/');
    if info.path_in_vcs.trim_matches('/') != want {
        return Outcome::Fail(format!(
            "path_in_vcs is {:?} but the package was compared with {:?} (--subdir)",
            info.path_in_vcs, want
        ));
    }
    Outcome::Pass(format!("names commit {commit}, path_in_vcs {want:?}"))
}

fn cargo_toml_normalized(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let orig_path = format!("{path}.orig");
    let (Some(git_id), Some(orig_id)) = ((ctx.git_blob)(path), (ctx.archive_blob)(&orig_path))
    else {
        return Outcome::Fail(format!(
            "a rewritten {path} is allowed only next to {orig_path} holding git's {path}"
        ));
    };
    if git_id != orig_id {
        return Outcome::Fail(format!("{orig_path} differs from git's {path}"));
    }
    let Some(orig) = (ctx.read_git_blob)(git_id) else {
        return Outcome::Undecided(format!("cannot read git blob {git_id}"));
    };
    let parse = |b: &[u8], what: &str| -> Result<toml::Table, String> {
        std::str::from_utf8(b)
            .map_err(|_| format!("{what} is not UTF-8"))?
            .parse::<toml::Table>()
            .map_err(|e| format!("{what} is not valid TOML: {e}"))
    };
    let (orig, norm) = match (
        parse(&orig, "git's Cargo.toml"),
        parse(content, "the archive's Cargo.toml"),
    ) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => return Outcome::Fail(e),
    };
    let pkg = |t: &toml::Table, k: &str| -> Option<String> {
        t.get("package")?.get(k).map(|v| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let name = pkg(&norm, "name");
    if name != pkg(&orig, "name") {
        return Outcome::Fail(format!("package.name differs from git's ({name:?})"));
    }
    // Workspace-inherited versions (`version.workspace = true`) are resolved by cargo; only a
    // literal version in git can be compared literally.
    if let Some(v) = orig
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
    {
        if pkg(&norm, "version").as_deref() != Some(v) {
            return Outcome::Fail(format!(
                "package.version {:?} differs from git's {v:?}",
                pkg(&norm, "version")
            ));
        }
    }
    // A dependency that git's manifest does not name could pull any code into the build.
    let orig_deps = dependency_names(&orig);
    for d in dependency_names(&norm) {
        if !orig_deps.contains(&d) {
            return Outcome::Fail(format!(
                "adds dependency {d} that git's Cargo.toml does not name"
            ));
        }
    }
    // The build script must be the one git's manifest implies.
    match (
        orig.get("package").and_then(|p| p.get("build")),
        norm.get("package").and_then(|p| p.get("build")),
    ) {
        (_, None) | (_, Some(toml::Value::Boolean(false))) => {}
        (Some(a), Some(b)) if a == b => {}
        (None, Some(toml::Value::String(s))) if s == "build.rs" => {}
        (_, Some(b)) => {
            return Outcome::Fail(format!(
                "package.build is {b} but git's manifest implies otherwise"
            ))
        }
    }
    Outcome::Pass(format!(
        "normalised form of git's {path} ({orig_path} is identical to git's)"
    ))
}

fn dependency_names(t: &toml::Table) -> Vec<String> {
    let mut out = Vec::new();
    let tables = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut push = |tbl: &toml::Table| {
        for k in tables {
            if let Some(toml::Value::Table(d)) = tbl.get(k) {
                out.extend(d.keys().cloned());
            }
        }
    };
    push(t);
    if let Some(toml::Value::Table(targets)) = t.get("target") {
        for v in targets.values() {
            if let toml::Value::Table(tt) = v {
                push(tt);
            }
        }
    }
    out
}

/// SHA-256 → every (basename, source) that ships those bytes.
type KnownM4Table = HashMap<[u8; 32], Vec<(&'static str, &'static str)>>;

/// The known m4 files, from `data/known-m4.tsv` (compiled in: the list is trusted data that
/// must not come from the repository or archive being checked).
fn known_m4_table() -> &'static KnownM4Table {
    static TABLE: OnceLock<KnownM4Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: HashMap<[u8; 32], Vec<(&str, &str)>> = HashMap::new();
        for line in include_str!("../../../../data/known-m4.tsv").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut cols = line.splitn(3, '\t');
            let (Some(h), Some(name)) = (cols.next(), cols.next()) else {
                continue;
            };
            let source = cols.next().unwrap_or("");
            if let Some(d) = hex::decode(h)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
            {
                map.entry(d).or_default().push((name, source));
            }
        }
        map
    })
}

/// Number of distinct m4 files in the known list (for reports and tests).
pub fn known_m4_count() -> usize {
    known_m4_table().len()
}

fn known_m4(path: &str, content: &[u8]) -> Outcome {
    let digest: [u8; 32] = Sha256::digest(content).into();
    let base = path.rsplit('/').next().unwrap_or(path);
    match known_m4_table().get(&digest) {
        Some(sources) => {
            if let Some((_, src)) = sources.iter().find(|(n, _)| *n == base) {
                Outcome::Pass(format!("byte-identical to {base} of {src}"))
            } else {
                let (n, src) = sources[0];
                Outcome::Pass(format!("byte-identical to {n} of {src} (shipped under another name)"))
            }
        }
        None => Outcome::Undecided(format!(
            "{path} (sha256 {}) is byte-identical to no m4 file of a known release of gettext, libtool, automake, autoconf, autoconf-archive or pkg-config; \
             if it is genuine, pin its sha256 with a reason in the project policy",
            hex::encode(digest)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_versions() {
        assert_eq!(tag_version("v1.2.3"), "1.2.3");
        assert_eq!(tag_version("1.2.3"), "1.2.3");
        assert_eq!(tag_version("nova-27.1.0"), "27.1.0");
        assert_eq!(tag_version("release/v2.0"), "2.0");
        assert_eq!(tag_version("version"), "version");
    }

    #[test]
    fn pkg_info_versions() {
        let pi = b"Metadata-Version: 2.1\nName: x\nVersion: 1.0.0rc1\n\nVersion: 9\n";
        assert!(matches!(
            pkg_info_version(pi, Some("v1.0.0.rc1")),
            Outcome::Pass(_)
        ));
        assert!(matches!(
            pkg_info_version(pi, Some("1.0.0rc1")),
            Outcome::Pass(_)
        ));
        assert!(matches!(
            pkg_info_version(pi, Some("1.0.1")),
            Outcome::Fail(_)
        ));
        assert!(matches!(
            pkg_info_version(b"Name: x\n", Some("1")),
            Outcome::Fail(_)
        ));
    }

    #[test]
    fn unknown_m4_is_undecided_and_names_the_file() {
        match known_m4("m4/build-to-host.m4", b"dnl serial 30\nevil\n") {
            Outcome::Undecided(msg) => assert!(msg.contains("m4/build-to-host.m4")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn check_names_round_trip() {
        for n in [
            "setup-cfg-egg-info",
            "pkg-info-version",
            "cargo-vcs-info",
            "cargo-toml-normalized",
            "known-m4",
            "equals-git:Cargo.toml",
        ] {
            assert_eq!(ContentCheck::from_name(n).unwrap().name(), n);
        }
        assert!(ContentCheck::from_name("equals-git:").is_none());
        assert!(ContentCheck::from_name("anything").is_none());
    }
}
