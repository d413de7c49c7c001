//! Content checks: the narrow conditions under which a generated or rewritten file is vouched for.
//!
//! Each check looks at the archive's bytes for one path and the trusted side (git tree, commit,
//! tag) and answers pass, fail (with what differs) or undecided (with what could not be known).

use super::setup_cfg;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;
use tarseal_git::{CommitInfo, ObjectId, TreeEntry};

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
    /// maturin's rewritten `Cargo.toml`: git's, except the rewrites maturin makes at sdist
    /// time (readme/license-file, path dependencies, workspace members, unpackaged targets).
    MaturinCargoToml,
    /// The top-level `pyproject.toml` of a maturin sdist of a workspace member: git's
    /// `<member>/pyproject.toml` plus `[tool.maturin] manifest-path`.
    MaturinWorkspacePyproject,
    /// A `Cargo.lock` the compared tree lacks: the workspace's lock of the tag (a directory
    /// above), byte for byte; else a lock generated at packaging time whose local packages,
    /// their dependencies and requirements agree with the tag's manifests (its registry
    /// pins stay `name-only`).
    CargoLock,
    /// The `Cargo.lock` `cargo package` writes into a `.crate`: when the tag commits a lock at
    /// or above the package, every registry pin (version, source, checksum) of the archive's
    /// must be one of it (cargo resolves the package alone, so a subset); else as
    /// [`ContentCheck::CargoLock`]'s generated case.
    CargoPackageLock,
    /// A file gnulib-tool copied from the `gnulib` submodule the tag pins, at the path the
    /// tag's `gnulib-cache.m4` maps it to (`gl_SOURCE_BASE`, `gl_M4_BASE`, ...): byte-equal
    /// to the pinned commit's file (`--submodule`), else undecided without it.
    GnulibCopy,
    /// An m4 file byte-identical to one a known release of its tool ships (`data/known-m4.tsv`).
    KnownM4,
    /// pbr's `*.egg-info/pbr.json`: `git_version` is a prefix of the checked commit and
    /// `is_release` is a boolean; nothing else.
    PbrJson,
    /// The version file setuptools-scm writes: at exactly the path git's `pyproject.toml`
    /// names (`[tool.setuptools_scm] version_file` or `write_to`), holding only lines of
    /// setuptools-scm's templates, with the tag's version.
    ScmVersionFile,
    /// A config header template (`lib/foo_config.h.in`) at exactly a path that git's
    /// `configure.ac` names through `AC_CONFIG_HEADERS` (autoheader writes it at make dist).
    AutoheaderTemplate,
    /// A GNU version stamp (`.tarball-version`, `.version`) holding only the tag's version.
    VersionStamp,
    /// A compiled catalogue `po/LANG.gmo`: exactly the translations in force of the
    /// archive's `po/LANG.po` (itself in git, judged on its own), read pair by pair
    /// ([`super::gmo`]).
    GmoCatalogue,
    /// gettext's `po/stamp-po`: the word `timestamp` and a newline, as po/Makefile writes it.
    StampPo,
    /// A message template (`po/DOMAIN.pot`, po4a's `.pot`): PO syntax whose every entry but
    /// the header is untranslated. msgmerge adds its msgids to the `.po` files untranslated
    /// (or fuzzy, which msgfmt skips), so a template cannot put a translation in force: what
    /// it holds cannot change what the program prints.
    PotTemplate,
    /// Automake's `doc/version.texi` / `doc/stamp-vti`: only `@set UPDATED`, `UPDATED-MONTH`,
    /// `EDITION` and `VERSION` lines, the versions being the tag's.
    VersionTexi,
    /// `texinfo.tex` / `mdate-sh` that automake installs beside a Texinfo manual: only in a
    /// directory whose `Makefile.am` in git lists `*_TEXINFOS`.
    TexinfoAux,
    /// The `LICENSE` the `coherent.licensed` setuptools plugin writes from the SPDX
    /// `project.license` expression (a wheel's `.dist-info/licenses/LICENSE` copy too): only when git's `pyproject.toml` requires the plugin,
    /// states `license` as a string and git has no `LICENSE`.
    CoherentLicense,
    /// A file gnulib-tool writes (`gnulib.mk`, `gnulib-comp.m4`, and `Makefile.am` in the
    /// source or tests base its `gnulib-cache.m4` names) in a project whose signed
    /// tree configures gnulib (`bootstrap.conf` or `gnulib-cache.m4`).
    GnulibGenerated,
    /// A file whose bytes equal a blob somewhere in the tag's whole tree (outside `--subdir`
    /// too): license files that backends copy in from the repository root.
    EqualsRepoBlob,
    /// pdm-backend's rewritten `pyproject.toml`: git's, with `[project] version` set to the
    /// tag's version and `version` dropped from `dynamic`; nothing else.
    PyprojectStaticVersion,
    /// pdm-backend's version file, at the `write_to` path git's pyproject.toml names,
    /// holding only the tag's version.
    PdmVersionFile,
    /// npm's published `package.json`: every key holds git's value, except the rewrites
    /// publishing documents (`publishConfig` applied, `workspace:` ranges resolved, fields
    /// dropped); nothing added.
    NpmPackageJson,
    /// A file not in git under what git's `package.json` publishes (`files`, `main`,
    /// `module`, `exports`, `bin`, `types`): build output, undecided (never passed) unless
    /// pinned; outside them it fails.
    NpmBuildOutput,
    /// `README.md` as clean-publish's `cleanDocs` cuts it (git's `package.json` asks for it):
    /// rebuilt from git's README and compared byte for byte.
    NpmCleanDocs,
    /// A file a tool generates that tarseal does not reproduce: always undecided, saying why.
    Unreproducible(String),
    /// pbr's `ChangeLog`, regenerated from the tag's history and compared byte for byte.
    PbrChangeLog,
    /// pbr's `AUTHORS`, regenerated from the tag's history and `.mailmap`.
    PbrAuthors,
    /// PKG-INFO of a pbr sdist: the version is the tag's, every `Requires-Dist` and
    /// `Provides-Extra` is declared by the tag, the egg-info copy equals the top-level one.
    PbrPkgInfo,
    /// `requires.txt`: every requirement is declared by the tag.
    PbrRequires,
    /// `entry_points.txt`: every entry point is declared by the tag.
    PbrEntryPoints,
    /// `top_level.txt`: names of top-level packages or modules of the tag's tree.
    PbrTopLevel,
    /// `SOURCES.txt`: files of the archive, each once.
    EggInfoSources,
    /// `dependency_links.txt`, `not-zip-safe`: a single newline.
    SingleNewline,
    /// GNU `.tarball-version` / `.version` (`echo $(VERSION) >`): the tag's version and a
    /// newline.
    TarballVersion,
    /// A wheel's `.dist-info/WHEEL`: only the wheel format's keys.
    WheelFile,
    /// A wheel's `.dist-info/RECORD`: every file listed with its own SHA-256.
    WheelRecord,
    /// A wheel's `.dist-info/entry_points.txt`: what the tag's pyproject.toml declares.
    WheelEntryPoints,
    /// A wheel's `.dist-info/METADATA`: Version is the tag's.
    WheelMetadata,
    /// A version file in a wheel: as `scm-version-file`/`pdm-version-file`, at a path the
    /// declared one maps to (`src/pkg/_version.py` is `pkg/_version.py` in the wheel).
    WheelVersionFile,
    /// setuptools-scm's `*.egg-info/scm_version.json` (the tag, distance 0, not dirty, the
    /// checked commit) and `scm_file_list.json` (files git has).
    ScmMetadataJson,
    /// A tracked roff man page that differs from git's only in `.TH` lines stamped with the
    /// release's version and a date (curl's `updatemanpages.pl`; [`super::stamp`]).
    RoffThStamp,
    /// A tracked C header that differs from git's only in `#define` lines stamped with the
    /// release's version and a date (curl's maketgz on curlver.h, tool_version.h;
    /// [`super::cdefine`]).
    CVersionDefines,
    /// A tracked gettext `.po` file refreshed by msgmerge: the translations in force are the
    /// tag's, only the header's template fields, references, wrapping, fuzzy and obsolete
    /// entries differ ([`super::po`]).
    PoTranslations,
    /// A `.pytest_cache/` a maintainer's sdist swept in: pytest's fixed README, CACHEDIR.TAG
    /// and .gitignore, and JSON data under `v/` (never imported, not code).
    PytestCache,
    /// A symlink of the tag that the archive lacks, whose target resolves to no regular file
    /// inside the tag's tree (absolute, dangling, leaving the tree, or a directory):
    /// meson-python stores every link as its target's bytes and drops the links that have
    /// none. Judges git's side only, so it also runs for a missing file.
    UnresolvableSymlink,
}

impl ContentCheck {
    /// The names accepted in policy files.
    pub const NAMES: &'static [&'static str] = &[
        "setup-cfg-egg-info",
        "pkg-info-version",
        "cargo-vcs-info",
        "cargo-toml-normalized",
        "maturin-cargo-toml",
        "maturin-workspace-pyproject",
        "cargo-lock",
        "cargo-package-lock",
        "gnulib-copy",
        "known-m4",
        "pbr-json",
        "scm-version-file",
        "autoheader-template",
        "version-stamp",
        "version-texi",
        "texinfo-aux",
        "coherent-license",
        "gnulib-generated",
        "equals-repo-blob",
        "pyproject-static-version",
        "pdm-version-file",
        "npm-package-json",
        "npm-build-output",
        "npm-clean-docs",
        "pbr-changelog",
        "pbr-authors",
        "pbr-pkg-info",
        "pbr-requires",
        "pbr-entry-points",
        "pbr-top-level",
        "egg-info-sources",
        "single-newline",
        "tarball-version",
        "wheel-file",
        "wheel-record",
        "wheel-entry-points",
        "wheel-metadata",
        "wheel-version-file",
        "scm-metadata-json",
        "pytest-cache",
        "roff-th-stamp",
        "c-version-defines",
        "po-translations",
        "gmo-catalogue",
        "stamp-po",
        "pot-template",
        "unresolvable-symlink",
        "equals-git:PATH",
    ];

    /// Parses a policy file's `check = "..."`.
    pub fn from_name(name: &str) -> Option<ContentCheck> {
        Some(match name {
            "setup-cfg-egg-info" => ContentCheck::SetupCfgEggInfo,
            "pkg-info-version" => ContentCheck::PkgInfoVersion,
            "cargo-vcs-info" => ContentCheck::CargoVcsInfo,
            "cargo-toml-normalized" => ContentCheck::CargoTomlNormalized,
            "maturin-cargo-toml" => ContentCheck::MaturinCargoToml,
            "maturin-workspace-pyproject" => ContentCheck::MaturinWorkspacePyproject,
            "cargo-lock" => ContentCheck::CargoLock,
            "cargo-package-lock" => ContentCheck::CargoPackageLock,
            "gnulib-copy" => ContentCheck::GnulibCopy,
            "known-m4" => ContentCheck::KnownM4,
            "pbr-json" => ContentCheck::PbrJson,
            "scm-version-file" => ContentCheck::ScmVersionFile,
            "autoheader-template" => ContentCheck::AutoheaderTemplate,
            "version-stamp" => ContentCheck::VersionStamp,
            "version-texi" => ContentCheck::VersionTexi,
            "texinfo-aux" => ContentCheck::TexinfoAux,
            "coherent-license" => ContentCheck::CoherentLicense,
            "gnulib-generated" => ContentCheck::GnulibGenerated,
            "equals-repo-blob" => ContentCheck::EqualsRepoBlob,
            "pyproject-static-version" => ContentCheck::PyprojectStaticVersion,
            "pdm-version-file" => ContentCheck::PdmVersionFile,
            "npm-package-json" => ContentCheck::NpmPackageJson,
            "npm-build-output" => ContentCheck::NpmBuildOutput,
            "npm-clean-docs" => ContentCheck::NpmCleanDocs,
            "pbr-changelog" => ContentCheck::PbrChangeLog,
            "pbr-authors" => ContentCheck::PbrAuthors,
            "pbr-pkg-info" => ContentCheck::PbrPkgInfo,
            "pbr-requires" => ContentCheck::PbrRequires,
            "pbr-entry-points" => ContentCheck::PbrEntryPoints,
            "pbr-top-level" => ContentCheck::PbrTopLevel,
            "egg-info-sources" => ContentCheck::EggInfoSources,
            "single-newline" => ContentCheck::SingleNewline,
            "tarball-version" => ContentCheck::TarballVersion,
            "wheel-file" => ContentCheck::WheelFile,
            "wheel-record" => ContentCheck::WheelRecord,
            "wheel-entry-points" => ContentCheck::WheelEntryPoints,
            "wheel-metadata" => ContentCheck::WheelMetadata,
            "wheel-version-file" => ContentCheck::WheelVersionFile,
            "scm-metadata-json" => ContentCheck::ScmMetadataJson,
            "pytest-cache" => ContentCheck::PytestCache,
            "roff-th-stamp" => ContentCheck::RoffThStamp,
            "c-version-defines" => ContentCheck::CVersionDefines,
            "po-translations" => ContentCheck::PoTranslations,
            "gmo-catalogue" => ContentCheck::GmoCatalogue,
            "stamp-po" => ContentCheck::StampPo,
            "pot-template" => ContentCheck::PotTemplate,
            "unresolvable-symlink" => ContentCheck::UnresolvableSymlink,
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
            ContentCheck::MaturinCargoToml => "maturin-cargo-toml".into(),
            ContentCheck::MaturinWorkspacePyproject => "maturin-workspace-pyproject".into(),
            ContentCheck::CargoLock => "cargo-lock".into(),
            ContentCheck::CargoPackageLock => "cargo-package-lock".into(),
            ContentCheck::GnulibCopy => "gnulib-copy".into(),
            ContentCheck::KnownM4 => "known-m4".into(),
            ContentCheck::PbrJson => "pbr-json".into(),
            ContentCheck::ScmVersionFile => "scm-version-file".into(),
            ContentCheck::AutoheaderTemplate => "autoheader-template".into(),
            ContentCheck::VersionStamp => "version-stamp".into(),
            ContentCheck::VersionTexi => "version-texi".into(),
            ContentCheck::TexinfoAux => "texinfo-aux".into(),
            ContentCheck::CoherentLicense => "coherent-license".into(),
            ContentCheck::GnulibGenerated => "gnulib-generated".into(),
            ContentCheck::EqualsRepoBlob => "equals-repo-blob".into(),
            ContentCheck::PyprojectStaticVersion => "pyproject-static-version".into(),
            ContentCheck::PdmVersionFile => "pdm-version-file".into(),
            ContentCheck::NpmPackageJson => "npm-package-json".into(),
            ContentCheck::NpmBuildOutput => "npm-build-output".into(),
            ContentCheck::NpmCleanDocs => "npm-clean-docs".into(),
            ContentCheck::Unreproducible(_) => "unreproducible".into(),
            ContentCheck::PbrChangeLog => "pbr-changelog".into(),
            ContentCheck::PbrAuthors => "pbr-authors".into(),
            ContentCheck::PbrPkgInfo => "pbr-pkg-info".into(),
            ContentCheck::PbrRequires => "pbr-requires".into(),
            ContentCheck::PbrEntryPoints => "pbr-entry-points".into(),
            ContentCheck::PbrTopLevel => "pbr-top-level".into(),
            ContentCheck::EggInfoSources => "egg-info-sources".into(),
            ContentCheck::SingleNewline => "single-newline".into(),
            ContentCheck::TarballVersion => "tarball-version".into(),
            ContentCheck::WheelFile => "wheel-file".into(),
            ContentCheck::WheelRecord => "wheel-record".into(),
            ContentCheck::WheelEntryPoints => "wheel-entry-points".into(),
            ContentCheck::WheelMetadata => "wheel-metadata".into(),
            ContentCheck::WheelVersionFile => "wheel-version-file".into(),
            ContentCheck::ScmMetadataJson => "scm-metadata-json".into(),
            ContentCheck::PytestCache => "pytest-cache".into(),
            ContentCheck::RoffThStamp => "roff-th-stamp".into(),
            ContentCheck::CVersionDefines => "c-version-defines".into(),
            ContentCheck::PoTranslations => "po-translations".into(),
            ContentCheck::GmoCatalogue => "gmo-catalogue".into(),
            ContentCheck::StampPo => "stamp-po".into(),
            ContentCheck::PotTemplate => "pot-template".into(),
            ContentCheck::UnresolvableSymlink => "unresolvable-symlink".into(),
        }
    }

    /// Whether the check has anything to say about `path`; a rule whose check does not apply
    /// is skipped, as if its pattern did not match (`gnulib-copy` judges only paths that
    /// gnulib-tool copies to in a project whose tag pins a gnulib submodule).
    pub fn applies(&self, path: &str, ctx: &CheckContext<'_>) -> bool {
        match self {
            ContentCheck::GnulibCopy => super::gnulib::applies(path, ctx),
            _ => true,
        }
    }

    /// Whether the check can pass for a file at `path`, as far as is known before the archive
    /// is read: a version-file check only for the paths the tag's pyproject.toml names
    /// ([`declared_version_files`]); any other check for any path its rule matches.
    pub fn may_apply_before_read(&self, path: &str, version_files: &[String]) -> bool {
        match self {
            ContentCheck::ScmVersionFile | ContentCheck::PdmVersionFile => {
                version_files.iter().any(|v| v == path)
            }
            _ => true,
        }
    }

    /// True when the check reads the file's content (so the reader must keep it).
    pub fn needs_bytes(&self) -> bool {
        !matches!(
            self,
            ContentCheck::EqualsGitFile(_)
                | ContentCheck::AutoheaderTemplate
                | ContentCheck::TexinfoAux
                | ContentCheck::GnulibGenerated
                | ContentCheck::GnulibCopy
                | ContentCheck::EqualsRepoBlob
                | ContentCheck::NpmBuildOutput
                | ContentCheck::Unreproducible(_)
                | ContentCheck::UnresolvableSymlink
        )
    }

    /// True when the check judges only git's side of a path, so that it can vouch for a file
    /// the archive lacks (a rule allowing `missing` runs no other check).
    pub fn judges_absence(&self) -> bool {
        matches!(self, ContentCheck::UnresolvableSymlink)
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
    /// A path of the tag's whole tree (outside `--subdir` too, submodules given with
    /// `--submodule` included) holding this blob.
    pub repo_blob_path: &'a dyn Fn(ObjectId) -> Option<String>,
    /// Whether the tag's tree has a directory at a path.
    pub git_has_dir: &'a dyn Fn(&str) -> bool,
    /// For a symlink of the compared tree: its target as git stores it, and the blob of the
    /// regular file it resolves to inside the tag's tree (`None` when it dangles, is
    /// absolute, leaves the tree or names a directory); `None` when git has no link there.
    pub git_symlink: &'a dyn Fn(&str) -> Option<GitSymlink>,
    /// The files pbr derives from the tag's history (computed on first use); `None` when the
    /// history cannot be read.
    pub history: &'a dyn Fn() -> Option<std::rc::Rc<super::pbr::History>>,
    /// Every regular file of the archive (relative path, SHA-256 when computed): what a
    /// wheel's RECORD must list.
    pub archive_files: &'a dyn Fn() -> Vec<(String, Option<[u8; 32]>)>,
    /// The kept content of the archive's regular file at a path (relative), when the reader
    /// kept it ([`crate::policy::Policy::content_needs`]): a compiled catalogue is
    /// compared with the `.po` beside it.
    pub archive_content: &'a dyn Fn(&str) -> Option<&'a [u8]>,
    /// The compared tree (relative to `--subdir`, submodules given with `--submodule`
    /// inlined below their paths): for checks that search it (`gnulib-cache.m4`).
    pub tree: &'a [TreeEntry],
    /// The tag's whole tree, paths from the repository's root (outside `--subdir` too, no
    /// submodule inlined): a workspace's lock and manifests above a member.
    pub full_tree: &'a [TreeEntry],
    /// The submodules of the compared tree.
    pub gitlinks: &'a [Gitlink],
    /// gnulib-tool's layout, read from the tree on first use (every extra of an autotools
    /// release asks for it, once per profile the hint tries).
    pub(crate) gnulib_layout: &'a std::cell::OnceCell<Option<super::gnulib::Layout>>,
}

/// A symlink of the compared tree, as [`CheckContext::git_symlink`] resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSymlink {
    /// The target as git stores it (the link blob, lossily decoded).
    pub target: String,
    /// The blob of the regular file it resolves to inside the tag's tree, if any.
    pub resolves_to: Option<ObjectId>,
}

/// A submodule of the compared tree: a gitlink of the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gitlink {
    /// Its path, relative like archive paths.
    pub path: String,
    /// The commit the tag's gitlink pins.
    pub pinned: ObjectId,
    /// Whether its repository was given (`--submodule`): its files are then in
    /// [`CheckContext::tree`] below `path/`.
    pub inlined: bool,
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
    /// Vouched for by a narrowing check (`content-check`); the string adds what was
    /// established.
    Pass(String),
    /// Accepted, and the check itself says what vouches for the bytes: `git` or
    /// `submodule-copy` for a copy of a blob the tag pins, `name-only` for a file whose
    /// checkable parts agree with the tag but whose rest nobody can vouch for (it stays in
    /// the trust surface).
    PassAs(crate::report::VouchedBy, String),
    /// Regenerated from the tag and byte-identical (`reproduced`); the string says from what.
    Reproduced(String),
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
                // Without a setup.cfg in git, setuptools writes one holding only the stub.
                let git_bytes = match (ctx.git_blob)(subject.path) {
                    None => Vec::new(),
                    Some(git_id) => match (ctx.read_git_blob)(git_id) {
                        Some(b) => b,
                        None => {
                            return Outcome::Undecided(format!("cannot read git blob {git_id}"))
                        }
                    },
                };
                match setup_cfg::only_egg_info_added(&git_bytes, content) {
                    Ok(note) => Outcome::Pass(note),
                    Err(why) => Outcome::Fail(why.to_string()),
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
            ContentCheck::MaturinCargoToml => {
                super::maturin::cargo_toml(subject.path, content, ctx)
            }
            ContentCheck::MaturinWorkspacePyproject => {
                super::maturin::workspace_pyproject(subject.path, content, ctx)
            }
            ContentCheck::CargoLock => {
                super::cargo_lock::cargo_lock(subject.path, content, subject.blob, ctx)
            }
            ContentCheck::CargoPackageLock => {
                super::cargo_lock::package_lock(subject.path, content, subject.blob, ctx)
            }
            ContentCheck::GnulibCopy => super::gnulib::copy(subject.path, subject.blob, ctx),
            ContentCheck::KnownM4 => known_m4(subject.path, content),
            ContentCheck::PbrJson => super::pbr::pbr_json(content, ctx),
            ContentCheck::PbrChangeLog | ContentCheck::PbrAuthors => {
                super::pbr::from_history(subject.path, content, ctx)
            }
            ContentCheck::PbrPkgInfo => super::pbr::pkg_info(subject.path, content, ctx),
            ContentCheck::PbrRequires => super::pbr::requires_txt(content, ctx),
            ContentCheck::PbrEntryPoints => super::pbr::entry_points(content, ctx),
            ContentCheck::PbrTopLevel => super::pbr::top_level(content, ctx),
            ContentCheck::EggInfoSources => super::pbr::sources_txt(subject.path, content, ctx),
            ContentCheck::SingleNewline => super::pbr::single_newline(content),
            ContentCheck::TarballVersion => tarball_version(subject.path, content, ctx.tag_name),
            ContentCheck::ScmVersionFile => scm_version_file(subject.path, content, ctx),
            ContentCheck::AutoheaderTemplate => autoheader_template(subject.path, ctx),
            ContentCheck::VersionStamp => version_stamp(content, ctx),
            ContentCheck::VersionTexi => version_texi(content, ctx),
            ContentCheck::TexinfoAux => texinfo_aux(subject.path, ctx),
            ContentCheck::CoherentLicense => coherent_license(subject.path, content, ctx),
            ContentCheck::GnulibGenerated => gnulib_generated(subject.path, ctx),
            ContentCheck::EqualsRepoBlob => {
                match subject.blob.and_then(|b| (ctx.repo_blob_path)(b)) {
                    Some(p) => Outcome::Pass(format!("identical to git's {p} (in the tag's tree)")),
                    None => {
                        Outcome::Fail(format!("{} equals no file of the tag's tree", subject.path))
                    }
                }
            }
            ContentCheck::PyprojectStaticVersion => {
                pyproject_static_version(subject.path, content, ctx)
            }
            ContentCheck::PdmVersionFile => pdm_version_file(subject.path, content, ctx),
            ContentCheck::NpmPackageJson => crate::npm::package_json(subject.path, content, ctx),
            ContentCheck::NpmBuildOutput => crate::npm::build_output(subject.path, ctx),
            ContentCheck::NpmCleanDocs => crate::npm::clean_docs(subject.path, content, ctx),
            ContentCheck::Unreproducible(why) => {
                Outcome::Undecided(format!("{}: {why}", subject.path))
            }
            ContentCheck::ScmMetadataJson => scm_metadata_json(subject.path, content, ctx),
            ContentCheck::PytestCache => pytest_cache(subject.path, content),
            ContentCheck::UnresolvableSymlink => unresolvable_symlink(subject.path, ctx),
            ContentCheck::RoffThStamp => roff_th_stamp(subject.path, content, ctx),
            ContentCheck::CVersionDefines => c_version_defines(subject.path, content, ctx),
            ContentCheck::PoTranslations => po_translations(subject.path, content, ctx),
            ContentCheck::GmoCatalogue => gmo_catalogue(subject.path, content, ctx),
            ContentCheck::PotTemplate => match super::po::untranslated_template(content) {
                Ok(n) => Outcome::Pass(format!(
                    "a message template: {n} msgids, none translated (a template puts no translation in force)"
                )),
                Err(why) => Outcome::Fail(why),
            },
            ContentCheck::StampPo => {
                if content == b"timestamp\n" {
                    Outcome::Reproduced("`timestamp`, as gettext's po/Makefile writes it".into())
                } else {
                    Outcome::Fail(format!(
                        "holds {:?}; gettext's po/Makefile writes only `timestamp` and a newline",
                        String::from_utf8_lossy(&content[..content.len().min(80)])
                    ))
                }
            }
            ContentCheck::WheelFile => crate::wheel::wheel_file(content),
            ContentCheck::WheelRecord => crate::wheel::record(subject.path, content, ctx),
            ContentCheck::WheelEntryPoints => crate::wheel::entry_points(content, ctx),
            ContentCheck::WheelMetadata => crate::wheel::metadata_version(content, ctx.tag_name),
            ContentCheck::WheelVersionFile => {
                // The declared path, seen from the wheel: the same file below a package root.
                let mut last = Outcome::Fail(format!(
                    "{} is not a version file git's pyproject.toml declares",
                    subject.path
                ));
                for root in ["", "src/", "lib/", "python/", "py/"] {
                    let p = format!("{root}{}", subject.path);
                    for o in [
                        scm_version_file(&p, content, ctx),
                        pdm_version_file(&p, content, ctx),
                    ] {
                        match o {
                            Outcome::Pass(n) => return Outcome::Pass(n),
                            Outcome::PassAs(v, n) => return Outcome::PassAs(v, n),
                            Outcome::Reproduced(n) => return Outcome::Reproduced(n),
                            Outcome::Undecided(n) => last = Outcome::Undecided(n),
                            Outcome::Fail(n) => {
                                // A declared path with bad content is the answer that matters.
                                if !n.contains("names") && !n.contains("no [tool") {
                                    last = Outcome::Fail(n);
                                }
                            }
                        }
                    }
                }
                last
            }
        }
    }
}

/// Git's bytes of the file the release modified: what the stamp and po checks compare with.
fn git_bytes(path: &str, ctx: &CheckContext<'_>) -> Result<Vec<u8>, Outcome> {
    let Some(id) = (ctx.git_blob)(path) else {
        return Err(Outcome::Fail(format!(
            "git has no file {path}: only a file the tag has can be compared with it"
        )));
    };
    (ctx.read_git_blob)(id).ok_or_else(|| Outcome::Undecided(format!("cannot read git blob {id}")))
}

/// Git's bytes of `path` and the versions a release stamp may name (from the tag's name and
/// git's `AC_INIT`): what the `.TH` and `#define` stamp checks compare with. `what` names the
/// stamps in the undecided reason.
fn stamp_inputs(
    path: &str,
    what: &str,
    ctx: &CheckContext<'_>,
) -> Result<(Vec<u8>, Vec<String>), Outcome> {
    let git = git_bytes(path, ctx)?;
    let configure_ac = ["configure.ac", "configure.in"]
        .iter()
        .find_map(|n| git_text(ctx, n));
    let versions = super::stamp::release_versions(ctx.tag_name, configure_ac.as_deref());
    if versions.is_empty() {
        return Err(Outcome::Undecided(format!(
            "{path}: no release version to compare its {what} with (the tag name holds none and git's AC_INIT names no literal version)"
        )));
    }
    Ok((git, versions))
}

/// A man page git has, changed only in `.TH` version/date stamps ([`super::stamp`]).
fn roff_th_stamp(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let (git, versions) = match stamp_inputs(path, ".TH stamp", ctx) {
        Ok(i) => i,
        Err(o) => return o,
    };
    match super::stamp::compare(&git, content, &versions) {
        Ok(s) => Outcome::Pass(s.to_string()),
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

/// A C header git has, changed only in version/date `#define` stamps ([`super::cdefine`]).
fn c_version_defines(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let (git, versions) = match stamp_inputs(path, "#define stamps", ctx) {
        Ok(i) => i,
        Err(o) => return o,
    };
    match super::cdefine::compare(&git, content, &versions) {
        Ok(d) => Outcome::Pass(d.to_string()),
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

/// A `.po` file git has, refreshed by msgmerge: the same translations ([`super::po`]).
fn po_translations(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let git = match git_bytes(path, ctx) {
        Ok(g) => g,
        Err(o) => return o,
    };
    match super::po::compare(&git, content) {
        super::po::Judged::Same(s) => Outcome::Pass(format!(
            "the {} translations in force are the tag's word for word ({} fuzzy entries carry the tag's texts, {} of the tag's are no longer in force); only header template fields, references, wrapping, fuzzy and obsolete entries differ",
            s.same, s.fuzzy, s.dropped
        )),
        super::po::Judged::Differs(e) => Outcome::Fail(e.to_string()),
        super::po::Judged::GitUnreadable(e) => Outcome::Undecided(format!(
            "{path}: git's file does not parse as PO ({e}); compare the translations by hand or pin the file's sha256"
        )),
    }
}

/// `po/LANG.gmo` against the archive's `po/LANG.po`, which must be a file git has (the `.po`
/// is judged on its own: equal to git's, or msgmerge-refreshed with git's translations).
fn gmo_catalogue(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let Some(stem) = path.strip_suffix(".gmo") else {
        return Outcome::Fail(format!("{path} is not a .gmo file"));
    };
    let po_path = format!("{stem}.po");
    if (ctx.git_blob)(&po_path).is_none() {
        return Outcome::Fail(format!(
            "git has no {po_path} for this catalogue to be compiled from"
        ));
    }
    let Some(po) = (ctx.archive_content)(&po_path) else {
        return Outcome::Fail(format!(
            "the archive has no {po_path} (or it was too large to keep) to compare the catalogue with"
        ));
    };
    match super::gmo::compare(po, content) {
        Ok(same) => Outcome::Pass(format!(
            "its {} messages are exactly the translations in force of {po_path}",
            same.messages
        )),
        Err(e @ super::gmo::GmoError::SystemDependent(_)) => Outcome::Undecided(format!(
            "{path}: {e}; pin its sha256 after comparing by hand"
        )),
        Err(e) => Outcome::Fail(format!("not compiled from {po_path}: {e}")),
    }
}

/// `.tarball-version` / `.version` as GNU's `make dist` writes them: the version and `\n`.
fn tarball_version(path: &str, content: &[u8], tag: Option<&str>) -> Outcome {
    let Some(tag) = tag else {
        return Outcome::Undecided(format!(
            "{path}: no tag to take the version from (checked against a commit)"
        ));
    };
    let want = format!("{}\n", tag_version(tag));
    if content == want.as_bytes() {
        Outcome::Reproduced(format!("the tag's version {}", want.trim_end()))
    } else {
        Outcome::Fail(format!(
            "holds {:?}, but make dist writes the version and a newline ({:?})",
            String::from_utf8_lossy(content),
            want
        ))
    }
}

/// PKG-INFO's `Version` against the tag (for the pbr check, which adds more).
pub(super) fn pkg_info_version_pub(content: &[u8], tag: Option<&str>) -> Outcome {
    pkg_info_version(content, tag)
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

/// pbr.json's fields, when its bytes are not exactly what pbr writes: `git_version` a 7+
/// digit prefix of the commit, `is_release` a boolean, nothing else.
pub(super) fn pbr_json_fields(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let v: serde_json::Value = match serde_json::from_slice(content) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("not valid JSON: {e}")),
    };
    let Some(obj) = v.as_object() else {
        return Outcome::Fail("not a JSON object".into());
    };
    if let Some(k) = obj
        .keys()
        .find(|k| *k != "git_version" && *k != "is_release")
    {
        return Outcome::Fail(format!(
            "unexpected key {k:?} (pbr writes git_version and is_release)"
        ));
    }
    let Some(sha) = obj.get("git_version").and_then(|g| g.as_str()) else {
        return Outcome::Fail("no git_version string".into());
    };
    let commit = ctx.commit.id.to_string();
    if sha.len() < 7 || !commit.starts_with(&sha.to_ascii_lowercase()) {
        return Outcome::Fail(format!(
            "git_version {sha:?} is not the checked commit {commit}: the sdist was built from another commit"
        ));
    }
    if obj.get("is_release").is_some_and(|r| !r.is_boolean()) {
        return Outcome::Fail("is_release is not a boolean".into());
    }
    Outcome::Pass(format!("git_version {sha} is the checked commit"))
}

/// Lines that setuptools-scm's version-file templates (versions 6 to 8) consist of, besides
/// comments, blank lines and the two assignments that carry the version.
const SCM_TEMPLATE_LINES: &[&str] = &[
    "__all__ = [\"__version__\", \"__version_tuple__\", \"version\", \"version_tuple\"]",
    "__all__ = [\"__version__\", \"__version_tuple__\", \"version\", \"version_tuple\", \"__commit_id__\", \"commit_id\"]",
    "TYPE_CHECKING = False",
    "if TYPE_CHECKING:",
    "else:",
    "from typing import Tuple",
    "from typing import Union",
    "from typing import Tuple, Union",
    "VERSION_TUPLE = Tuple[Union[int, str], ...]",
    "COMMIT_ID = Union[str, None]",
    "VERSION_TUPLE = object",
    "COMMIT_ID = object",
    "version: str",
    "__version__: str",
    "__version_tuple__: VERSION_TUPLE",
    "version_tuple: VERSION_TUPLE",
    "commit_id: COMMIT_ID",
    "__commit_id__: COMMIT_ID",
    "__commit_id__ = commit_id = None",
    // vcs-versioning / setuptools-scm 9+ (multi-line __all__, PEP 604 annotations)
    "from __future__ import annotations",
    "__all__ = [",
    "\"__version__\",",
    "\"__version_tuple__\",",
    "\"version\",",
    "\"version_tuple\",",
    "\"__commit_id__\",",
    "\"commit_id\",",
    "]",
    "__version_tuple__: tuple[int | str, ...]",
    "version_tuple: tuple[int | str, ...]",
    "commit_id: str | None",
    "__commit_id__: str | None",
];

fn scm_version_file(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    // The path must be the one the signed pyproject.toml names.
    let Some(pyproject) = (ctx.git_blob)("pyproject.toml").and_then(|id| (ctx.read_git_blob)(id))
    else {
        return Outcome::Fail(
            "git has no pyproject.toml naming a setuptools-scm version file".into(),
        );
    };
    let declared = std::str::from_utf8(&pyproject)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| scm_declared(&t));
    match declared {
        Some(d) if d == path => {}
        Some(d) => {
            return Outcome::Fail(format!(
                "git's pyproject.toml names {d} as the setuptools-scm version file, not {path}"
            ))
        }
        None => {
            return Outcome::Fail(
                "git's pyproject.toml names no [tool.setuptools_scm] version_file/write_to nor [tool.hatch.build.hooks.vcs] version-file"
                    .into(),
            )
        }
    }
    let Some(tag) = ctx.tag_name else {
        return Outcome::Undecided(
            "no tag to take the version from (checked against a commit)".into(),
        );
    };
    let want = tag_version(tag);
    let Ok(text) = std::str::from_utf8(content) else {
        return Outcome::Fail("not UTF-8".into());
    };
    if !path.ends_with(".py") {
        return if text.trim() == want {
            Outcome::Pass(format!("holds version {want} only"))
        } else {
            Outcome::Fail(format!(
                "holds {:?}, not just the tag's version {want}",
                text.trim()
            ))
        };
    }
    let mut saw_version = false;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || SCM_TEMPLATE_LINES.contains(&line) {
            continue;
        }
        let version_value = line
            .strip_prefix("__version__ = version = ")
            .or_else(|| line.strip_prefix("version = "))
            .map(|v| v.trim_matches(|c| c == '\'' || c == '"'));
        if let Some(v) = version_value {
            if normalise_version(v) != normalise_version(want) {
                return Outcome::Fail(format!(
                    "line {}: version {v:?} is not the tag's {want}",
                    n + 1
                ));
            }
            saw_version = true;
            continue;
        }
        let tuple = line
            .strip_prefix("__version_tuple__ = version_tuple = ")
            .or_else(|| line.strip_prefix("version_tuple = "));
        if let Some(t) = tuple {
            // A tuple of integers and quoted strings, nothing callable.
            let ok = t.starts_with('(')
                && t.ends_with(')')
                && t[1..t.len() - 1].split(',').all(|item| {
                    let i = item.trim();
                    i.is_empty()
                        || i.bytes().all(|b| b.is_ascii_digit())
                        || (i.len() >= 2
                            && (i.starts_with('\'') && i.ends_with('\'')
                                || i.starts_with('"') && i.ends_with('"'))
                            && i[1..i.len() - 1]
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"+.-_".contains(&b)))
                });
            if ok {
                continue;
            }
        }
        if let Some(c) = line.strip_prefix("__commit_id__ = commit_id = ") {
            let c = c.trim_matches(|ch| ch == '\'' || ch == '"');
            if c.bytes().all(|b| b.is_ascii_alphanumeric()) {
                continue;
            }
        }
        return Outcome::Fail(format!(
            "line {}: {line:?} is not part of a setuptools-scm version-file template",
            n + 1
        ));
    }
    if !saw_version {
        return Outcome::Fail("no version assignment".into());
    }
    Outcome::Pass(format!(
        "setuptools-scm version file declared in pyproject.toml, version {want}"
    ))
}

/// Why a TOML file a content check compares cannot be read; `what` names the file.
#[derive(Debug, thiserror::Error)]
pub(super) enum TomlFileError {
    #[error("{what} is not UTF-8")]
    NotUtf8 { what: &'static str },
    #[error("{what} is not valid TOML: {source}")]
    Invalid {
        what: &'static str,
        source: toml::de::Error,
    },
}

pub(super) fn parse_toml(bytes: &[u8], what: &'static str) -> Result<toml::Table, TomlFileError> {
    std::str::from_utf8(bytes)
        .map_err(|_| TomlFileError::NotUtf8 { what })?
        .parse::<toml::Table>()
        .map_err(|source| TomlFileError::Invalid { what, source })
}

fn pyproject_static_version(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let Some(tag) = ctx.tag_name else {
        return Outcome::Undecided(
            "no tag to take the version from (checked against a commit)".into(),
        );
    };
    let want = tag_version(tag);
    let Some(git) = git_text(ctx, path) else {
        return Outcome::Fail(format!("git has no UTF-8 {path} to compare with"));
    };
    let archive = match std::str::from_utf8(content) {
        Ok(t) => t,
        Err(_) => return Outcome::Fail("not UTF-8".into()),
    };
    let (mut g, mut a) = match (
        parse_toml(git.as_bytes(), "git's pyproject.toml"),
        parse_toml(archive.as_bytes(), "the archive's pyproject.toml"),
    ) {
        (Ok(g), Ok(a)) => (g, a),
        (Err(e), _) | (_, Err(e)) => return Outcome::Fail(e.to_string()),
    };
    let Some(toml::Value::Table(ap)) = a.get_mut("project") else {
        return Outcome::Fail("the archive's pyproject.toml has no [project] table".into());
    };
    match ap.remove("version") {
        Some(toml::Value::String(v)) if crate::pep440::same_version(&v, want) => {}
        Some(v) => {
            return Outcome::Fail(format!(
                "[project] version {v} is not the tag's version {want}"
            ))
        }
        None => {}
    }
    let strip_dynamic = |p: &mut toml::Table| {
        if let Some(toml::Value::Array(d)) = p.get_mut("dynamic") {
            d.retain(|x| x.as_str() != Some("version"));
            if d.is_empty() {
                p.remove("dynamic");
            }
        }
    };
    strip_dynamic(ap);
    if let Some(toml::Value::Table(gp)) = g.get_mut("project") {
        strip_dynamic(gp);
    }
    if g == a {
        Outcome::Pass(format!(
            "git's pyproject.toml with the static version {want}"
        ))
    } else {
        let keys = |t: &toml::Table| t.keys().cloned().collect::<Vec<_>>().join(", ");
        Outcome::Fail(format!(
            "differs from git's beyond [project] version (git's tables: {}; the archive's: {})",
            keys(&g),
            keys(&a)
        ))
    }
}

/// The version file setuptools-scm (or hatch-vcs, through it) writes, as the tag's
/// pyproject.toml names it.
fn scm_declared(pyproject: &toml::Table) -> Option<String> {
    let tool = pyproject.get("tool")?;
    let scm = tool.get("setuptools_scm").and_then(|scm| {
        scm.get("version_file")
            .or_else(|| scm.get("write_to"))
            .and_then(|v| v.as_str())
    });
    // hatch-vcs passes its version-file to setuptools-scm's writer.
    let hatch = tool
        .get("hatch")
        .and_then(|h| h.get("build"))
        .and_then(|b| b.get("hooks"))
        .and_then(|h| h.get("vcs"))
        .and_then(|v| v.get("version-file").or_else(|| v.get("version_file")))
        .and_then(|v| v.as_str());
    scm.or(hatch)
        .map(|s| s.trim_start_matches("./").to_string())
}

/// The version file pdm-backend writes (`[tool.pdm.version] write_to`), as named.
fn pdm_declared(pyproject: &toml::Table) -> Option<String> {
    pyproject
        .get("tool")?
        .get("pdm")?
        .get("version")?
        .get("write_to")?
        .as_str()
        .map(str::to_string)
}

/// A missing path that git holds as a symlink with no regular file behind it: a tool that
/// stores link targets as files has nothing to store, so the absence adds nothing.
fn unresolvable_symlink(path: &str, ctx: &CheckContext<'_>) -> Outcome {
    match (ctx.git_symlink)(path) {
        None => Outcome::Fail(format!("git has no symlink at {path}")),
        Some(GitSymlink {
            target,
            resolves_to: Some(blob),
        }) => Outcome::Fail(format!(
            "git's symlink {path} -> {target:?} resolves to a file of the tag's tree (blob {blob}): its bytes belong in the archive"
        )),
        Some(GitSymlink {
            target,
            resolves_to: None,
        }) => Outcome::Pass(format!(
            "git's symlink {path} -> {target:?} resolves to no file inside the tag's tree (absolute, dangling, outside it or a directory)"
        )),
    }
}

/// Every path a version-file check ([`ContentCheck::ScmVersionFile`],
/// [`ContentCheck::PdmVersionFile`]) can pass for, from the tag's pyproject.toml: known
/// before the archive is read, so that the reader keeps the content of these files only, not
/// of every file a `**` rule matches.
pub fn declared_version_files(pyproject: Option<&str>) -> Vec<String> {
    let Some(table) = pyproject.and_then(|t| t.parse::<toml::Table>().ok()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = scm_declared(&table).into_iter().collect();
    if let Some(d) = pdm_declared(&table) {
        let d = d.trim_start_matches("./");
        out.push(format!("src/{d}"));
        out.push(d.to_string());
    }
    out
}

fn pdm_version_file(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let declared = git_text(ctx, "pyproject.toml")
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| pdm_declared(&t));
    let Some(declared) = declared else {
        return Outcome::Fail("git's pyproject.toml names no [tool.pdm.version] write_to".into());
    };
    // write_to is relative to the package directory (`src/` in a src layout).
    let declared = declared.trim_start_matches("./");
    if path != declared && path != format!("src/{declared}") {
        return Outcome::Fail(format!(
            "git's pyproject.toml names {declared} as pdm's version file, not {path}"
        ));
    }
    let Some(tag) = ctx.tag_name else {
        return Outcome::Undecided(
            "no tag to take the version from (checked against a commit)".into(),
        );
    };
    let want = tag_version(tag);
    let Ok(text) = std::str::from_utf8(content) else {
        return Outcome::Fail("not UTF-8".into());
    };
    let mut saw = false;
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if !path.ends_with(".py") && crate::pep440::same_version(l, want) {
            saw = true;
            continue;
        }
        let value = l
            .split_once('=')
            .filter(|(k, _)| {
                k.trim()
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
            .map(|(_, v)| v.trim().trim_matches(|c| c == '"' || c == '\''));
        match value {
            Some(v) if crate::pep440::same_version(v, want) => saw = true,
            _ => {
                return Outcome::Fail(format!(
                    "line {}: {l:?} is not an assignment of the tag's version {want}",
                    n + 1
                ))
            }
        }
    }
    if saw {
        Outcome::Pass(format!("pdm-backend version file with version {want}"))
    } else {
        Outcome::Fail("no version in it".into())
    }
}

fn scm_metadata_json(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let v: serde_json::Value = match serde_json::from_slice(content) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("not valid JSON: {e}")),
    };
    let Some(obj) = v.as_object() else {
        return Outcome::Fail("not a JSON object".into());
    };
    if path.ends_with("scm_file_list.json") {
        let Some(files) = obj.get("files").and_then(|f| f.as_array()) else {
            return Outcome::Fail("no files list".into());
        };
        if let Some(k) = obj.keys().find(|k| *k != "files") {
            return Outcome::Fail(format!("unexpected key {k:?}"));
        }
        return Outcome::Pass(format!(
            "setuptools-scm's list of {} git files",
            files.len()
        ));
    }
    const KEYS: &[&str] = &["tag", "distance", "node", "dirty", "branch", "node_date"];
    if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Outcome::Fail(format!("unexpected key {k:?}"));
    }
    if obj.get("dirty").and_then(|d| d.as_bool()) == Some(true) {
        return Outcome::Fail(
            "says the work tree was dirty: the sdist holds uncommitted changes".into(),
        );
    }
    if obj
        .get("distance")
        .and_then(|d| d.as_u64())
        .is_some_and(|d| d != 0)
    {
        return Outcome::Fail("says the build was not at the tag (distance is not 0)".into());
    }
    let commit = ctx.commit.id.to_string();
    if let Some(node) = obj.get("node").and_then(|n| n.as_str()) {
        let sha = node.strip_prefix('g').unwrap_or(node).to_ascii_lowercase();
        if sha.len() < 7 || !commit.starts_with(&sha) {
            return Outcome::Fail(format!("node {node:?} is not the checked commit {commit}"));
        }
    }
    if let (Some(t), Some(tag)) = (obj.get("tag").and_then(|t| t.as_str()), ctx.tag_name) {
        if !crate::pep440::same_version(tag_version(t), tag_version(tag)) {
            return Outcome::Fail(format!("tag {t:?} is not the checked tag {tag}"));
        }
    }
    Outcome::Pass(format!(
        "setuptools-scm's record of commit {commit} at the tag"
    ))
}

fn pytest_cache(path: &str, content: &[u8]) -> Outcome {
    let rel = path
        .split_once(".pytest_cache/")
        .map(|(_, r)| r)
        .unwrap_or("");
    let text = String::from_utf8_lossy(content);
    let ok = match rel {
        "CACHEDIR.TAG" => text.starts_with("Signature: 8a477f597d28d172789f06886806bc55"),
        ".gitignore" => text.trim() == "# Created by pytest automatically.\n*",
        "README.md" => text.starts_with("# pytest cache directory #"),
        r if r.starts_with("v/") => serde_json::from_slice::<serde_json::Value>(content).is_ok(),
        _ => false,
    };
    if ok {
        Outcome::Pass("pytest's cache directory, swept into the sdist from the maintainer's work tree (data, never imported)".into())
    } else {
        Outcome::Fail(format!(
            "{path} is not a file pytest writes into .pytest_cache"
        ))
    }
}

/// The text of git's file at `path`, if it is a UTF-8 regular file.
fn git_text(ctx: &CheckContext<'_>, path: &str) -> Option<String> {
    let id = (ctx.git_blob)(path)?;
    String::from_utf8((ctx.read_git_blob)(id)?).ok()
}

/// The config header templates `configure.ac` declares: for each `OUT[:IN...]` of
/// `AC_CONFIG_HEADERS` (also the old `AC_CONFIG_HEADER` and `AM_CONFIG_HEADER`), the inputs
/// named, else `OUT.in`. Arguments holding shell or m4 expansions (`$`) are skipped.
pub fn config_header_templates(configure_ac: &str) -> Vec<String> {
    let mut out = Vec::new();
    for macro_name in [
        "AC_CONFIG_HEADERS(",
        "AC_CONFIG_HEADER(",
        "AM_CONFIG_HEADER(",
    ] {
        let mut rest = configure_ac;
        while let Some(pos) = rest.find(macro_name) {
            let after = &rest[pos + macro_name.len()..];
            rest = after;
            // The first argument ends at the first `,` or `)` outside m4 quotes.
            let mut depth = 0i32;
            let mut end = after.len();
            for (i, c) in after.char_indices() {
                match c {
                    '[' => depth += 1,
                    ']' => depth -= 1,
                    ',' | ')' if depth <= 0 => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            let arg: String = after[..end]
                .chars()
                .filter(|c| *c != '[' && *c != ']')
                .collect();
            for item in arg.split_whitespace() {
                if item.contains('$') {
                    continue;
                }
                let mut parts = item.split(':');
                let output = parts.next().unwrap_or_default();
                let inputs: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
                if inputs.is_empty() {
                    out.push(format!("{output}.in"));
                } else {
                    out.extend(inputs.iter().map(|s| s.to_string()));
                }
            }
        }
    }
    out
}

fn autoheader_template(path: &str, ctx: &CheckContext<'_>) -> Outcome {
    let Some((name, text)) = ["configure.ac", "configure.in"]
        .iter()
        .find_map(|n| git_text(ctx, n).map(|t| (*n, t)))
    else {
        return Outcome::Fail("git has no configure.ac declaring config headers".into());
    };
    let declared = config_header_templates(&text);
    if declared.iter().any(|d| d.trim_start_matches("./") == path) {
        Outcome::Pass(format!(
            "config header template declared by AC_CONFIG_HEADERS in git's {name}"
        ))
    } else {
        Outcome::Fail(format!(
            "git's {name} declares no config header with template {path} (AC_CONFIG_HEADERS names: {})",
            if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
        ))
    }
}

/// Automake (`automake --add-missing`) installs `texinfo.tex` and `mdate-sh` beside the
/// Makefile.am that lists a Texinfo manual (`info_TEXINFOS`) when no `AC_CONFIG_AUX_DIR`
/// holds them: a name-only helper, allowed only in such a directory.
fn texinfo_aux(path: &str, ctx: &CheckContext<'_>) -> Outcome {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let am = if dir.is_empty() {
        "Makefile.am".to_string()
    } else {
        format!("{dir}/Makefile.am")
    };
    let Some(text) = git_text(ctx, &am) else {
        return Outcome::Fail(format!(
            "git has no {am}: automake installs this helper only beside a Makefile.am listing a Texinfo manual"
        ));
    };
    let lists = text.lines().any(|l| {
        let l = l.trim_start();
        l.split_once('=').is_some_and(|(k, _)| {
            let k = k.trim().trim_end_matches('+').trim_end();
            k.ends_with("_TEXINFOS") && !k.contains(char::is_whitespace)
        })
    });
    if lists {
        Outcome::PassAs(
            crate::report::VouchedBy::NameOnly,
            format!(
            "git's {am} lists a Texinfo manual (*_TEXINFOS); automake installs the helper beside it"
        ),
        )
    } else {
        Outcome::Fail(format!(
            "git's {am} lists no Texinfo manual (*_TEXINFOS): automake installs no such helper here"
        ))
    }
}

/// `coherent.licensed` (a setuptools plugin, `[build-system] requires`) writes `LICENSE`
/// at build time from the SPDX text of `project.license`, filling in the year and
/// `<copyright holders>`. Text only, nothing to run; its bytes cannot be compared with git.
fn coherent_license(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    // The sdist's top-level LICENSE, and the wheel's copy the backend puts in .dist-info.
    let wheel_copy = path
        .strip_suffix(".dist-info/licenses/LICENSE")
        .is_some_and(|d| !d.is_empty() && !d.contains('/'));
    if path != "LICENSE" && !wheel_copy {
        return Outcome::Fail(
            "coherent.licensed writes only a top-level LICENSE (in a wheel: NAME.dist-info/licenses/LICENSE)".into(),
        );
    }
    let Some(table) = git_text(ctx, "pyproject.toml").and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return Outcome::Fail("git has no pyproject.toml requiring coherent.licensed".into());
    };
    let requires = table
        .get("build-system")
        .and_then(|b| b.get("requires"))
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter().filter_map(|v| v.as_str()).any(|req| {
                let name: String = req
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                    .map(|c| {
                        if c == '_' || c == '-' {
                            '.'
                        } else {
                            c.to_ascii_lowercase()
                        }
                    })
                    .collect();
                name == "coherent.licensed"
            })
        })
        .unwrap_or(false);
    if !requires {
        return Outcome::Fail(
            "git's pyproject.toml [build-system] requires no coherent.licensed: nothing generates LICENSE".into(),
        );
    }
    let Some(expr) = table
        .get("project")
        .and_then(|p| p.get("license"))
        .and_then(|l| l.as_str())
    else {
        return Outcome::Fail(
            "git's pyproject.toml states no SPDX `project.license` string for coherent.licensed to render".into(),
        );
    };
    let Ok(text) = std::str::from_utf8(content) else {
        return Outcome::Fail("LICENSE is not UTF-8 text".into());
    };
    if text.contains('\0') || text.starts_with("#!") {
        return Outcome::Fail("LICENSE does not look like license text".into());
    }
    Outcome::PassAs(
        crate::report::VouchedBy::NameOnly,
        format!(
            "written by coherent.licensed (required by git's pyproject.toml) from the SPDX text of `{expr}`; the text itself is vouched for by nobody"
        ),
    )
}

fn version_stamp(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let Some(tag) = ctx.tag_name else {
        return Outcome::Undecided(
            "no tag to take the version from (checked against a commit)".into(),
        );
    };
    let want = tag_version(tag);
    let text = String::from_utf8_lossy(content);
    let got = text.trim();
    if content == format!("{want}\n").as_bytes() {
        // `echo $(VERSION) > .tarball-version`: exactly what make dist writes.
        Outcome::Reproduced(format!(
            "holds exactly the tag's version {want} and a newline"
        ))
    } else if got.lines().count() == 1 && crate::pep440::same_version(got, want) {
        Outcome::Pass(format!("holds version {got}, the tag's"))
    } else {
        Outcome::Fail(format!("holds {got:?}, not the tag's version {want}"))
    }
}

fn version_texi(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let Some(tag) = ctx.tag_name else {
        return Outcome::Undecided(
            "no tag to take the version from (checked against a commit)".into(),
        );
    };
    let want = tag_version(tag);
    let Ok(text) = std::str::from_utf8(content) else {
        return Outcome::Fail("not UTF-8".into());
    };
    let mut saw_version = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let Some(rest) = line.strip_prefix("@set ") else {
            return Outcome::Fail(format!("line {}: {line:?} is not an @set line", n + 1));
        };
        let (key, value) = rest.split_once(' ').unwrap_or((rest, ""));
        match key {
            "UPDATED" | "UPDATED-MONTH" => {
                if !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b' ')
                {
                    return Outcome::Fail(format!("line {}: odd date {value:?}", n + 1));
                }
            }
            "EDITION" | "VERSION" => {
                if !crate::pep440::same_version(value, want) {
                    return Outcome::Fail(format!(
                        "line {}: {key} {value:?} is not the tag's version {want}",
                        n + 1
                    ));
                }
                saw_version = true;
            }
            _ => {
                return Outcome::Fail(format!(
                    "line {}: @set {key} is not one automake's mdate-sh writes",
                    n + 1
                ))
            }
        }
    }
    if saw_version {
        Outcome::Pass(format!("automake's version stamp for version {want}"))
    } else {
        Outcome::Fail("no @set VERSION line".into())
    }
}

fn gnulib_generated(path: &str, ctx: &CheckContext<'_>) -> Outcome {
    // A Makefile.am is a source everywhere else: only where the cache says gnulib-tool
    // writes one.
    if let Some(o) = super::gnulib::generated_makefile(path, ctx) {
        return o;
    }
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let parent = dir.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut candidates = vec![
        "bootstrap.conf".to_string(),
        "m4/gnulib-cache.m4".to_string(),
    ];
    for d in [dir, parent] {
        if !d.is_empty() {
            candidates.push(format!("{d}/m4/gnulib-cache.m4"));
            candidates.push(format!("{d}/gnulib-cache.m4"));
        }
    }
    match candidates.iter().find(|c| (ctx.git_blob)(c).is_some()) {
        Some(c) => Outcome::Pass(format!("written by gnulib-tool; git's {c} configures gnulib")),
        None => Outcome::Fail(format!(
            "{path} is a gnulib-tool output, but git's tree configures no gnulib (no bootstrap.conf or gnulib-cache.m4)"
        )),
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
        // `hatchling-v1.27.0`: a name, then a v-prefixed version.
        let rest = match rest.strip_prefix(['v', 'V']) {
            Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => r,
            _ => rest,
        };
        if rest.starts_with(|c: char| c.is_ascii_digit())
            && !t.starts_with(|c: char| c.is_ascii_digit())
        {
            return rest;
        }
    }
    t
}

/// The form versions are compared in: PEP 440's normal form when the string is a PEP 440
/// version (`2026.07.22` = `2026.7.22`), else lower-cased without a leading `v`.
pub(crate) fn normalise_version(v: &str) -> String {
    crate::pep440::normalize(v).unwrap_or_else(|| {
        let s = v.trim().to_ascii_lowercase();
        s.strip_prefix('v').map(str::to_string).unwrap_or(s)
    })
}

fn cargo_vcs_info(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    #[derive(serde::Deserialize)]
    struct Git {
        sha1: String,
        #[serde(default)]
        dirty: bool,
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
    if info.git.dirty {
        return Outcome::Fail(format!(
            "says the work tree was dirty when cargo packaged commit {}: the crate holds uncommitted changes",
            info.git.sha1
        ));
    }
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
    // cargo's own bytes (serde_json pretty, two-space indent, no final newline).
    let canonical = format!(
        "{{\n  \"git\": {{\n    \"sha1\": \"{commit}\"\n  }},\n  \"path_in_vcs\": {}\n}}",
        serde_json::Value::String(want.to_string())
    );
    if content == canonical.as_bytes() {
        return Outcome::Reproduced(format!(
            "exactly what cargo package writes for commit {commit}, path_in_vcs {want:?}"
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
    let (orig, norm) = match (
        parse_toml(&orig, "git's Cargo.toml"),
        parse_toml(content, "the archive's Cargo.toml"),
    ) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => return Outcome::Fail(e.to_string()),
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
            // The name must match too: aclocal includes files by name, so a known file under
            // another name is a different macro as far as the build is concerned.
            if let Some((_, src)) = sources.iter().find(|(n, _)| *n == base) {
                Outcome::Pass(format!("byte-identical to {base} of {src}"))
            } else {
                let (n, src) = sources[0];
                Outcome::Undecided(format!(
                    "{path} has the bytes of {n} of {src}, but under another name; pin its sha256 in the project policy if that is intended"
                ))
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
pub(crate) mod tests {
    use super::*;

    #[test]
    fn every_listed_check_name_parses_back_to_itself() {
        // NAMES is what an unknown-check error lists: a name a policy can use must be there.
        for name in ContentCheck::NAMES {
            let name = name.replace("PATH", "docs/x");
            let check = ContentCheck::from_name(&name)
                .unwrap_or_else(|| panic!("{name} is listed but does not parse"));
            if !name.starts_with("equals-git:") {
                assert_eq!(check.name(), name);
            }
        }
    }

    #[test]
    fn tag_versions() {
        assert_eq!(tag_version("v1.2.3"), "1.2.3");
        assert_eq!(tag_version("1.2.3"), "1.2.3");
        assert_eq!(tag_version("nova-27.1.0"), "27.1.0");
        assert_eq!(tag_version("release/v2.0"), "2.0");
        assert_eq!(tag_version("version"), "version");
        assert_eq!(tag_version("hatchling-v1.27.0"), "1.27.0");
    }

    #[test]
    fn tarball_versions() {
        let ok = tarball_version(".tarball-version", b"5.4.1\n", Some("v5.4.1"));
        assert!(matches!(ok, Outcome::Reproduced(_)), "{ok:?}");
        for bad in [&b"5.4.1"[..], b"5.4.2\n", b"5.4.1\n$(id)\n"] {
            let o = tarball_version(".version", bad, Some("v5.4.1"));
            assert!(matches!(o, Outcome::Fail(_)), "{o:?}");
        }
        assert!(matches!(
            tarball_version(".version", b"5.4.1\n", None),
            Outcome::Undecided(_)
        ));
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
        let dated = b"Metadata-Version: 2.1\nName: x\nVersion: 2026.7.22\n";
        assert!(matches!(
            pkg_info_version(dated, Some("2026.07.22")),
            Outcome::Pass(_)
        ));
        assert!(matches!(
            pkg_info_version(dated, Some("2026.07.2")),
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

    fn commit(id: &str) -> tarseal_git::CommitInfo {
        let p = tarseal_git::Person {
            name: "a".into(),
            email: "a@b".into(),
            time: 0,
            offset: 0,
        };
        tarseal_git::CommitInfo {
            id: ObjectId::from_hex(id.as_bytes()).unwrap(),
            tree: ObjectId::from_hex(id.as_bytes()).unwrap(),
            parents: vec![],
            author: p.clone(),
            committer: p,
            subject: String::new(),
            message: String::new(),
            decorations: vec![],
            tags_here: vec![],
        }
    }

    const COMMIT: &str = "e14826601fd7aaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// Runs `f` with a context whose tag tree holds `files` (path, text) with their real
    /// blob ids, as the compared tree and the whole tree.
    pub(crate) fn with_ctx<R>(files: &[(&str, &str)], f: impl FnOnce(&CheckContext<'_>) -> R) -> R {
        let c = commit(COMMIT);
        let blobs: HashMap<String, (ObjectId, Vec<u8>)> = files
            .iter()
            .map(|(p, t)| {
                let id = gix::objs::compute_hash(
                    tarseal_git::HashKind::Sha1,
                    gix::objs::Kind::Blob,
                    t.as_bytes(),
                )
                .unwrap();
                (p.to_string(), (id, t.as_bytes().to_vec()))
            })
            .collect();
        let git_blob = |p: &str| blobs.get(p).map(|b| b.0);
        let read = |id: ObjectId| blobs.values().find(|b| b.0 == id).map(|b| b.1.clone());
        let none = |_: &str| None;
        let repo_blob_path = |id: ObjectId| {
            blobs
                .iter()
                .find(|(_, b)| b.0 == id)
                .map(|(p, _)| p.clone())
        };
        let no_dir = |_: &str| false;
        let no_history = || None;
        let tree: Vec<TreeEntry> = blobs
            .iter()
            .map(|(p, (id, _))| TreeEntry {
                path: p.clone(),
                kind: tarseal_git::TreeEntryKind::File,
                oid: *id,
            })
            .collect();
        let ctx = CheckContext {
            commit: &c,
            tag_name: Some("v1.6.0"),
            subdir: None,
            git_blob: &git_blob,
            read_git_blob: &read,
            archive_blob: &none,
            repo_blob_path: &repo_blob_path,
            git_has_dir: &no_dir,
            git_symlink: &|_: &str| None,
            history: &no_history,
            archive_content: &|_: &str| None,
            archive_files: &Vec::new,
            tree: &tree,
            full_tree: &tree,
            gitlinks: &[],
            gnulib_layout: &Default::default(),
        };
        f(&ctx)
    }

    #[test]
    fn pbr_json() {
        with_ctx(&[], |ctx| {
            assert!(matches!(
                super::pbr_json_fields(br#"{"git_version": "e148266", "is_release": true}"#, ctx),
                Outcome::Pass(_)
            ));
            assert!(matches!(
                super::pbr_json_fields(br#"{"git_version": "0000000", "is_release": true}"#, ctx),
                Outcome::Fail(_)
            ));
            assert!(matches!(
                super::pbr_json_fields(br#"{"git_version": "e148266", "extra": 1}"#, ctx),
                Outcome::Fail(_)
            ));
            assert!(matches!(
                super::pbr_json_fields(br#"{"git_version": "e1"}"#, ctx),
                Outcome::Fail(_)
            ));
        });
    }

    const SCM_FILE: &str = "# file generated by setuptools-scm\n# don't change, don't track in version control\n\n__all__ = [\"__version__\", \"__version_tuple__\", \"version\", \"version_tuple\"]\n\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n    from typing import Tuple\n    from typing import Union\n\n    VERSION_TUPLE = Tuple[Union[int, str], ...]\nelse:\n    VERSION_TUPLE = object\n\nversion: str\n__version__: str\n__version_tuple__: VERSION_TUPLE\nversion_tuple: VERSION_TUPLE\n\n__version__ = version = '1.6.0'\n__version_tuple__ = version_tuple = (1, 6, 0)\n";
    const PYPROJECT: &str = "[tool.setuptools_scm]\nversion_file = \"src/pluggy/_version.py\"\n";

    /// The reader keeps a version file's content only at the paths the tag names: the `**`
    /// rules of setuptools-scm, hatch-vcs and pdm otherwise kept every extra file.
    #[test]
    fn version_files_are_known_before_the_read() {
        assert_eq!(
            declared_version_files(Some(PYPROJECT)),
            ["src/pluggy/_version.py"]
        );
        let hatch = "[tool.hatch.build.hooks.vcs]\nversion-file = \"./pkg/_v.py\"\n";
        assert_eq!(declared_version_files(Some(hatch)), ["pkg/_v.py"]);
        let pdm = "[tool.pdm.version]\nsource = \"scm\"\nwrite_to = \"pkg/__version__.py\"\n";
        assert_eq!(
            declared_version_files(Some(pdm)),
            ["src/pkg/__version__.py", "pkg/__version__.py"]
        );
        assert!(declared_version_files(None).is_empty());
        assert!(declared_version_files(Some("not [toml")).is_empty());

        let union = crate::policy::Policy::union(None);
        let known = declared_version_files(Some(PYPROJECT));
        assert_eq!(
            union.content_needs("src/pluggy/_version.py", false, &known),
            (true, true)
        );
        // The `**` rule still asks for an extra file's digest, no longer for its bytes.
        assert_eq!(
            union.content_needs("gen/d1/f1.txt", false, &known),
            (true, false)
        );
        assert!(union.needs_content("gen/d1/f1.txt", false));
    }

    #[test]
    fn scm_version_file_accepts_the_template_only() {
        with_ctx(&[("pyproject.toml", PYPROJECT)], |ctx| {
            let p = "src/pluggy/_version.py";
            assert!(matches!(
                scm_version_file(p, SCM_FILE.as_bytes(), ctx),
                Outcome::Pass(_)
            ));
            // Another path than the declared one.
            assert!(matches!(
                scm_version_file("src/pluggy/x.py", SCM_FILE.as_bytes(), ctx),
                Outcome::Fail(_)
            ));
            // Code smuggled in.
            let evil = format!("{SCM_FILE}import os; os.system('id')\n");
            match scm_version_file(p, evil.as_bytes(), ctx) {
                Outcome::Fail(m) => assert!(m.contains("os.system"), "{m}"),
                o => panic!("{o:?}"),
            }
            let evil = SCM_FILE.replace("(1, 6, 0)", "(1, 6, __import__('os'))");
            assert!(matches!(
                scm_version_file(p, evil.as_bytes(), ctx),
                Outcome::Fail(_)
            ));
            // Another version.
            let other = SCM_FILE.replace("'1.6.0'", "'1.7.0'");
            assert!(matches!(
                scm_version_file(p, other.as_bytes(), ctx),
                Outcome::Fail(_)
            ));
        });
        with_ctx(&[], |ctx| {
            assert!(matches!(
                scm_version_file("src/pluggy/_version.py", SCM_FILE.as_bytes(), ctx),
                Outcome::Fail(_)
            ));
        });
    }

    /// The xz-utils backdoor was an added m4 file: every built-in rule that could allow an extra
    /// `m4/build-to-host.m4` must carry a content check, and none of them may pass the
    /// backdoor's bytes.
    #[test]
    fn no_profile_vouches_for_the_xz_backdoor_m4() {
        let backdoor = "# build-to-host.m4 serial 30\ndnl evil\ngl_am_configmake=`grep -aErls \"#{4}[[:alnum:]]{5}#{4}$\" $srcdir/ 2>/dev/null`\n";
        let pyproject = "[tool.setuptools_scm]\nversion_file = \"src/x/_version.py\"\n";
        with_ctx(
            &[("pyproject.toml", pyproject), ("configure.ac", "AC_INIT\n")],
            |ctx| {
                for name in crate::policy::profiles::NAMES {
                    for r in crate::policy::profiles::by_name(name).unwrap() {
                        if !(r.matches("m4/build-to-host.m4")
                            && r.allow.contains(&crate::policy::Allow::Extra))
                        {
                            continue;
                        }
                        let check = r
                            .check
                            .as_ref()
                            .unwrap_or_else(|| panic!("{} has no content check", r.id));
                        let subject = Subject {
                            path: "m4/build-to-host.m4",
                            content: Some(backdoor.as_bytes()),
                            blob: None,
                        };
                        let outcome = check.run(&subject, ctx);
                        assert!(
                            !matches!(outcome, Outcome::Pass(_)),
                            "{} passed the backdoor: {outcome:?}",
                            r.id
                        );
                    }
                }
            },
        );
    }

    #[test]
    fn config_headers_from_configure_ac() {
        let ac = "AC_INIT([x],[1])\nAC_CONFIG_HEADERS([lib/foo_config.h])\nAC_CONFIG_HEADERS([config.h:config-h.in other.h], [cmds])\nAM_CONFIG_HEADER(old.h)\nAC_CONFIG_HEADERS([$dyn.h])\n";
        assert_eq!(
            config_header_templates(ac),
            [
                "lib/foo_config.h.in",
                "config-h.in",
                "other.h.in",
                "old.h.in"
            ]
        );
        with_ctx(&[("configure.ac", ac)], |ctx| {
            assert!(matches!(
                autoheader_template("lib/foo_config.h.in", ctx),
                Outcome::Pass(_)
            ));
            assert!(matches!(
                autoheader_template("lib/evil.h.in", ctx),
                Outcome::Fail(_)
            ));
        });
    }

    #[test]
    fn gnu_version_stamps() {
        with_ctx(&[("bootstrap.conf", "gnulib_modules=x\n")], |ctx| {
            // Exactly what make dist writes is reproduced; the same version otherwise spelled passes.
            assert!(matches!(
                version_stamp(b"1.6.0\n", ctx),
                Outcome::Reproduced(_)
            ));
            assert!(matches!(version_stamp(b"1.6.0", ctx), Outcome::Pass(_)));
            assert!(matches!(version_stamp(b"1.6.1\n", ctx), Outcome::Fail(_)));
            assert!(matches!(
                version_stamp(b"1.6.0\nrm -rf /\n", ctx),
                Outcome::Fail(_)
            ));
            let texi = b"@set UPDATED 2 December 2026\n@set UPDATED-MONTH December 2026\n@set EDITION 1.6.0\n@set VERSION 1.6.0\n";
            assert!(matches!(version_texi(texi, ctx), Outcome::Pass(_)));
            let evil = b"@set VERSION 1.6.0\n@macro x\n";
            assert!(matches!(version_texi(evil, ctx), Outcome::Fail(_)));
            assert!(matches!(
                version_texi(b"@set VERSION 1.5\n", ctx),
                Outcome::Fail(_)
            ));
            assert!(matches!(
                gnulib_generated("lib/gnulib.mk", ctx),
                Outcome::Pass(_)
            ));
        });
        with_ctx(&[], |ctx| {
            assert!(matches!(
                gnulib_generated("m4/gnulib-comp.m4", ctx),
                Outcome::Fail(_)
            ));
        });
    }

    #[test]
    fn pdm_rewritten_pyproject() {
        let git = "[project]\nname = \"x\"\ndynamic = [\"version\"]\n[tool.pdm.version]\nsource = \"scm\"\nwrite_to = \"x/_version.py\"\n";
        with_ctx(&[("pyproject.toml", git)], |ctx| {
            let ok = "[project]\nname = \"x\"\nversion = \"1.6.0\"\n[tool.pdm.version]\nsource = \"scm\"\nwrite_to = \"x/_version.py\"\n";
            assert!(matches!(
                pyproject_static_version("pyproject.toml", ok.as_bytes(), ctx),
                Outcome::Pass(_)
            ));
            let other = ok.replace("1.6.0", "1.7.0");
            assert!(matches!(
                pyproject_static_version("pyproject.toml", other.as_bytes(), ctx),
                Outcome::Fail(_)
            ));
            let dep = ok.replace("[tool.pdm", "dependencies = [\"evil\"]\n[tool.pdm");
            assert!(matches!(
                pyproject_static_version("pyproject.toml", dep.as_bytes(), ctx),
                Outcome::Fail(_)
            ));
            assert!(matches!(
                pdm_version_file("src/x/_version.py", b"__version__ = \"1.6.0\"\n", ctx),
                Outcome::Pass(_)
            ));
            assert!(matches!(
                pdm_version_file(
                    "x/_version.py",
                    b"__version__ = \"1.6.0\"\nimport os\n",
                    ctx
                ),
                Outcome::Fail(_)
            ));
            assert!(matches!(
                pdm_version_file("x/other.py", b"__version__ = \"1.6.0\"\n", ctx),
                Outcome::Fail(_)
            ));
        });
    }

    #[test]
    fn check_names_round_trip() {
        for n in [
            "pbr-json",
            "scm-version-file",
            "setup-cfg-egg-info",
            "pkg-info-version",
            "cargo-vcs-info",
            "cargo-toml-normalized",
            "known-m4",
            "pbr-changelog",
            "pbr-authors",
            "pbr-pkg-info",
            "pbr-requires",
            "pbr-entry-points",
            "pbr-top-level",
            "egg-info-sources",
            "single-newline",
            "tarball-version",
            "autoheader-template",
            "version-stamp",
            "version-texi",
            "texinfo-aux",
            "coherent-license",
            "gnulib-generated",
            "equals-repo-blob",
            "pyproject-static-version",
            "pdm-version-file",
            "npm-package-json",
            "npm-build-output",
            "npm-clean-docs",
            "equals-git:Cargo.toml",
        ] {
            assert_eq!(ContentCheck::from_name(n).unwrap().name(), n);
        }
        assert!(ContentCheck::from_name("equals-git:").is_none());
        assert!(ContentCheck::from_name("anything").is_none());
    }
}
