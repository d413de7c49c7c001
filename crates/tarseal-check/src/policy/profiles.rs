//! Built-in profiles: what each release tool is known to add, drop or rewrite.
//!
//! Each profile is a *narrow* list of rules, one reason each, derived from real releases (see
//! `docs/profiles.md` for the evidence). Extras are named file by file, or by a pattern that a
//! content check narrows to known bytes; missing files are allowed where the tool selects files
//! (an absent file adds no code). `git-archive` is exact: it has no rules at all.

use super::{Allow, ContentCheck, Rule};

/// The profile names, for `--profile` and error messages.
pub const NAMES: &[&str] = &[
    "git-archive",
    "pbr",
    "setuptools",
    "hatchling",
    "flit-core",
    "pdm-backend",
    "poetry-core",
    "maturin",
    "meson-python",
    "scikit-build-core",
    "autotools",
    "meson",
    "cargo",
    "npm",
    "wheel",
];

/// The name `--profile auto` is asked with (chosen per release, see [`crate::detect`]).
pub const AUTO: &str = "auto";

/// The rules of a built-in profile, or `None` for an unknown name.
pub fn by_name(name: &str) -> Option<Vec<Rule>> {
    let spec: &[Spec] = match name {
        "git-archive" => &[],
        "pbr" => PBR,
        "setuptools" => SETUPTOOLS,
        "autotools" => AUTOTOOLS,
        "cargo" => CARGO,
        "npm" => NPM,
        "meson" => MESON,
        "wheel" => WHEEL,
        other => return python_backend(other),
    };
    Some(build(name, spec))
}

fn build(name: &str, spec: &[Spec]) -> Vec<Rule> {
    spec.iter()
        .map(|s| {
            let id = format!("profile:{name}/{}", s.pattern);
            let rule = Rule::new(id, s.pattern, s.allow, s.reason)
                .expect("built-in patterns are valid globs");
            match &s.check {
                Some(c) => rule.with_check(c.to_check()),
                None => rule,
            }
        })
        .collect()
}

/// The sdist profiles of the PEP 517 backends other than setuptools and pbr: the metadata
/// every backend writes (reasons name the backend), what this backend adds, and what it may
/// leave out.
fn python_backend(name: &str) -> Option<Vec<Rule>> {
    let (backend, specific): (&str, &[Spec]) = match name {
        "hatchling" => ("hatchling", HATCHLING),
        "flit-core" => ("flit-core", FLIT),
        "pdm-backend" => ("pdm-backend", PDM),
        "poetry-core" => ("poetry-core", POETRY),
        "maturin" => ("maturin", MATURIN),
        "meson-python" => ("meson-python (meson dist)", MESON_PYTHON),
        "scikit-build-core" => ("scikit-build-core", SCIKIT_BUILD),
        _ => return None,
    };
    let id = |p: &str| format!("profile:{name}/{p}");
    let mut rules = vec![Rule::new(
        id("PKG-INFO"),
        "PKG-INFO",
        EXTRA,
        format!("core metadata written by {backend} at sdist time; Version must match the tag"),
    )
    .expect("valid")
    .with_check(ContentCheck::PkgInfoVersion)];
    rules.extend(build(name, specific));
    rules.push(
        Rule::new(
            id("LICENSE"),
            "{LICEN[CS]E,COPYING,NOTICE,AUTHORS}{,.*,-*}",
            EXTRA,
            format!("license file {backend} copies from elsewhere in the repository (license-files); the bytes equal a file of the tag's tree"),
        )
        .expect("valid")
        .with_check(ContentCheck::EqualsRepoBlob),
    );
    rules.push(
        Rule::new(
            id(".gitignore"),
            ".gitignore",
            EXTRA,
            format!("{backend} copies the repository's .gitignore into the sdist (its exclude list); the bytes equal a file of the tag's tree"),
        )
        .expect("valid")
        .with_check(ContentCheck::EqualsRepoBlob),
    );
    rules.push(
        Rule::new(
            id("**/.pytest_cache/**"),
            "**/.pytest_cache/**",
            EXTRA,
            PYTEST_REASON,
        )
        .expect("valid")
        .with_check(ContentCheck::PytestCache),
    );
    if name != "meson-python" {
        rules.push(
            Rule::new(
                id("**"),
                "**",
                MISSING,
                format!("{backend} includes only the files its configuration (and .gitignore) selects; an absent file adds nothing"),
            )
            .expect("valid"),
        );
    }
    rules.push(Rule::new(id("**"), "**", DEREFERENCED, DEREF_REASON).expect("valid"));
    Some(rules)
}

/// A static rule description (rules need compiled globs, so they are built on demand).
struct Spec {
    pattern: &'static str,
    allow: &'static [Allow],
    reason: &'static str,
    check: Option<StaticCheck>,
}

enum StaticCheck {
    SetupCfg,
    PkgInfo,
    EqualsGit(&'static str),
    CargoVcs,
    CargoToml,
    MaturinCargoToml,
    MaturinWorkspacePyproject,
    CargoLock,
    CargoPackageLock,
    GnulibCopy,
    KnownM4,
    PbrJson,
    ScmVersionFile,
    AutoheaderTemplate,
    VersionStamp,
    VersionTexi,
    TexinfoAux,
    CoherentLicense,
    Gnulib,
    PyprojectStaticVersion,
    PdmVersionFile,
    NpmPackageJson,
    NpmBuildOutput,
    NpmCleanDocs,
    Unreproducible(&'static str),
    Pbr(fn() -> ContentCheck),
    WheelFile,
    WheelRecord,
    WheelEntryPoints,
    WheelMetadata,
    WheelVersionFile,
    ScmMetadataJson,
    PytestCache,
    EqualsRepoBlob,
    RoffThStamp,
    PoTranslations,
    GmoCatalogue,
    StampPo,
    PotTemplate,
    UnresolvableSymlink,
}

impl StaticCheck {
    fn to_check(&self) -> ContentCheck {
        match self {
            StaticCheck::SetupCfg => ContentCheck::SetupCfgEggInfo,
            StaticCheck::PkgInfo => ContentCheck::PkgInfoVersion,
            StaticCheck::EqualsGit(p) => ContentCheck::EqualsGitFile((*p).to_string()),
            StaticCheck::CargoVcs => ContentCheck::CargoVcsInfo,
            StaticCheck::CargoToml => ContentCheck::CargoTomlNormalized,
            StaticCheck::MaturinCargoToml => ContentCheck::MaturinCargoToml,
            StaticCheck::MaturinWorkspacePyproject => ContentCheck::MaturinWorkspacePyproject,
            StaticCheck::CargoLock => ContentCheck::CargoLock,
            StaticCheck::CargoPackageLock => ContentCheck::CargoPackageLock,
            StaticCheck::GnulibCopy => ContentCheck::GnulibCopy,
            StaticCheck::KnownM4 => ContentCheck::KnownM4,
            StaticCheck::PbrJson => ContentCheck::PbrJson,
            StaticCheck::ScmVersionFile => ContentCheck::ScmVersionFile,
            StaticCheck::AutoheaderTemplate => ContentCheck::AutoheaderTemplate,
            StaticCheck::VersionStamp => ContentCheck::VersionStamp,
            StaticCheck::VersionTexi => ContentCheck::VersionTexi,
            StaticCheck::TexinfoAux => ContentCheck::TexinfoAux,
            StaticCheck::CoherentLicense => ContentCheck::CoherentLicense,
            StaticCheck::Gnulib => ContentCheck::GnulibGenerated,
            StaticCheck::PyprojectStaticVersion => ContentCheck::PyprojectStaticVersion,
            StaticCheck::PdmVersionFile => ContentCheck::PdmVersionFile,
            StaticCheck::NpmPackageJson => ContentCheck::NpmPackageJson,
            StaticCheck::NpmBuildOutput => ContentCheck::NpmBuildOutput,
            StaticCheck::NpmCleanDocs => ContentCheck::NpmCleanDocs,
            StaticCheck::Unreproducible(why) => ContentCheck::Unreproducible((*why).to_string()),
            StaticCheck::Pbr(f) => f(),
            StaticCheck::WheelFile => ContentCheck::WheelFile,
            StaticCheck::WheelRecord => ContentCheck::WheelRecord,
            StaticCheck::WheelEntryPoints => ContentCheck::WheelEntryPoints,
            StaticCheck::WheelMetadata => ContentCheck::WheelMetadata,
            StaticCheck::WheelVersionFile => ContentCheck::WheelVersionFile,
            StaticCheck::ScmMetadataJson => ContentCheck::ScmMetadataJson,
            StaticCheck::PytestCache => ContentCheck::PytestCache,
            StaticCheck::RoffThStamp => ContentCheck::RoffThStamp,
            StaticCheck::PoTranslations => ContentCheck::PoTranslations,
            StaticCheck::GmoCatalogue => ContentCheck::GmoCatalogue,
            StaticCheck::StampPo => ContentCheck::StampPo,
            StaticCheck::PotTemplate => ContentCheck::PotTemplate,
            StaticCheck::EqualsRepoBlob => ContentCheck::EqualsRepoBlob,
            StaticCheck::UnresolvableSymlink => ContentCheck::UnresolvableSymlink,
        }
    }
}

const EXTRA: &[Allow] = &[Allow::Extra];
const MISSING: &[Allow] = &[Allow::Missing];
const MODIFIED: &[Allow] = &[Allow::Modified];
const EXTRA_OR_MODIFIED: &[Allow] = &[Allow::Extra, Allow::Modified];
const DEREFERENCED: &[Allow] = &[Allow::Dereferenced];

/// Why an sdist may hold a link's target instead of the link (seen in nova 33.0.0's sdist).
const DEREF_REASON: &str = "the backend's sdist copies the file a symlink points to (setuptools, maturin and others store the target's bytes): the archive holds exactly the bytes of the blob the link resolves to inside the tag's tree";

macro_rules! rule {
    ($p:expr, $a:expr, $r:expr) => {
        Spec {
            pattern: $p,
            allow: $a,
            reason: $r,
            check: None,
        }
    };
    ($p:expr, $a:expr, $r:expr, $c:expr) => {
        Spec {
            pattern: $p,
            allow: $a,
            reason: $r,
            check: Some($c),
        }
    };
}

/// Files that `egg_info` writes into `NAME.egg-info/` of an sdist.
const EGG_INFO_REASON: &str =
    "package metadata written by setuptools' egg_info at sdist time (not code)";

const PBR: &[Spec] = &[
    rule!(
        "PKG-INFO",
        EXTRA,
        "core metadata written by setuptools sdist; Version must match the tag, every Requires-Dist must be declared by the tag",
        StaticCheck::Pbr(|| ContentCheck::PbrPkgInfo)
    ),
    rule!(
        "*.egg-info/PKG-INFO",
        EXTRA,
        "core metadata written by egg_info; the same file as PKG-INFO",
        StaticCheck::Pbr(|| ContentCheck::PbrPkgInfo)
    ),
    rule!(
        "*.egg-info/SOURCES.txt",
        EXTRA,
        "egg_info's list of the sdist's files",
        StaticCheck::Pbr(|| ContentCheck::EggInfoSources)
    ),
    rule!(
        "*.egg-info/dependency_links.txt",
        EXTRA,
        EGG_INFO_REASON,
        StaticCheck::Pbr(|| ContentCheck::SingleNewline)
    ),
    rule!(
        "*.egg-info/entry_points.txt",
        EXTRA,
        "entry points written by egg_info; each must be declared by the tag's setup.cfg or pyproject.toml",
        StaticCheck::Pbr(|| ContentCheck::PbrEntryPoints)
    ),
    rule!(
        "*.egg-info/not-zip-safe",
        EXTRA,
        EGG_INFO_REASON,
        StaticCheck::Pbr(|| ContentCheck::SingleNewline)
    ),
    rule!(
        "*.egg-info/pbr.json",
        EXTRA,
        "pbr records the git commit it built from; it must be the checked commit",
        StaticCheck::PbrJson
    ),
    rule!(
        "*.egg-info/requires.txt",
        EXTRA,
        "requirements written by egg_info; each must be declared by the tag",
        StaticCheck::Pbr(|| ContentCheck::PbrRequires)
    ),
    rule!(
        "*.egg-info/top_level.txt",
        EXTRA,
        "top-level packages written by egg_info; each must be in the tag's tree",
        StaticCheck::Pbr(|| ContentCheck::PbrTopLevel)
    ),
    rule!(
        "AUTHORS",
        EXTRA,
        "generated by pbr from the git log's author names; regenerated from the tag",
        StaticCheck::Pbr(|| ContentCheck::PbrAuthors)
    ),
    rule!(
        "ChangeLog",
        EXTRA,
        "generated by pbr from the git log; regenerated from the tag",
        StaticCheck::Pbr(|| ContentCheck::PbrChangeLog)
    ),
    rule!(
        "setup.cfg",
        MODIFIED,
        "pbr/setuptools add an [egg_info] section and may re-indent; nothing else may change",
        StaticCheck::SetupCfg
    ),
    rule!(
        ".gitignore",
        MISSING,
        "pbr leaves .gitignore out of the sdist"
    ),
    rule!(
        ".gitreview",
        MISSING,
        "pbr leaves .gitreview out of the sdist"
    ),
    rule!(
        "**/*.pyc",
        MISSING,
        "pbr leaves compiled Python files out of the sdist"
    ),
    rule!("**", DEREFERENCED, DEREF_REASON),
];

const SETUPTOOLS: &[Spec] = &[
    rule!("PKG-INFO", EXTRA, "core metadata written by the build backend; Version must match the tag", StaticCheck::PkgInfo),
    rule!("*.egg-info/PKG-INFO", EXTRA, "core metadata written by egg_info; Version must match the tag", StaticCheck::PkgInfo),
    rule!("src/*.egg-info/PKG-INFO", EXTRA, "core metadata written by egg_info (src layout); Version must match the tag", StaticCheck::PkgInfo),
    rule!("*.egg-info/SOURCES.txt", EXTRA, EGG_INFO_REASON),
    rule!("*.egg-info/dependency_links.txt", EXTRA, EGG_INFO_REASON),
    rule!("*.egg-info/entry_points.txt", EXTRA, EGG_INFO_REASON),
    rule!("*.egg-info/not-zip-safe", EXTRA, EGG_INFO_REASON),
    rule!("*.egg-info/requires.txt", EXTRA, EGG_INFO_REASON),
    rule!("*.egg-info/top_level.txt", EXTRA, EGG_INFO_REASON),
    rule!("src/*.egg-info/SOURCES.txt", EXTRA, EGG_INFO_REASON),
    rule!("src/*.egg-info/dependency_links.txt", EXTRA, EGG_INFO_REASON),
    rule!("src/*.egg-info/entry_points.txt", EXTRA, EGG_INFO_REASON),
    rule!("src/*.egg-info/not-zip-safe", EXTRA, EGG_INFO_REASON),
    rule!("src/*.egg-info/requires.txt", EXTRA, EGG_INFO_REASON),
    rule!("src/*.egg-info/top_level.txt", EXTRA, EGG_INFO_REASON),
    rule!("setup.cfg", EXTRA_OR_MODIFIED, "setuptools adds an [egg_info] section (writing setup.cfg if git has none) and may re-indent; nothing else may change", StaticCheck::SetupCfg),
    rule!("{,src/}*.egg-info/scm_{version,file_list}.json", EXTRA, "setuptools-scm's record of the commit and the files it built from; must be the checked commit at the tag", StaticCheck::ScmMetadataJson),
    rule!("**/.pytest_cache/**", EXTRA, PYTEST_REASON, StaticCheck::PytestCache),
    rule!("LICENSE", EXTRA, "LICENSE written by the coherent.licensed plugin that git's pyproject.toml requires, from its SPDX project.license (text, not code)", StaticCheck::CoherentLicense),
    rule!("**", EXTRA, "the version file setuptools-scm writes, at the path git's pyproject.toml names, holding only its template and the tag's version", StaticCheck::ScmVersionFile),
    rule!("**", MISSING, "an sdist holds only what MANIFEST.in and the build backend select; an absent file adds nothing"),
    rule!("**", DEREFERENCED, DEREF_REASON),
];

const PYTEST_REASON: &str = "pytest's cache directory swept into the sdist from the maintainer's work tree (pytest's fixed files and JSON data, never imported)";

const SCM_REASON: &str = "the version file setuptools-scm / hatch-vcs writes, at the path git's pyproject.toml names, holding only its template and the tag's version";

const HATCHLING: &[Spec] = &[rule!("**", EXTRA, SCM_REASON, StaticCheck::ScmVersionFile)];

const FLIT: &[Spec] = &[];

const PDM: &[Spec] = &[
    rule!("pyproject.toml", MODIFIED, "pdm-backend writes the computed version into pyproject.toml ([project] version, `version` dropped from dynamic); nothing else may change", StaticCheck::PyprojectStaticVersion),
    rule!("**", EXTRA, "the version file pdm-backend writes (tool.pdm.version write_to in git's pyproject.toml), holding only the tag's version", StaticCheck::PdmVersionFile),
];

const POETRY: &[Spec] = &[rule!(
    "setup.py",
    EXTRA,
    "poetry-core (before 2.0) generates a setup.py from pyproject.toml",
    StaticCheck::Unreproducible("setup.py generated by poetry-core from pyproject.toml: code tarseal does not regenerate; pin its sha256 in the project policy after review")
)];

const MATURIN: &[Spec] = &[
    rule!(
        "pyproject.toml",
        EXTRA,
        "maturin puts a workspace member's pyproject.toml at the sdist's root with [tool.maturin] manifest-path added; nothing else may differ from git's",
        StaticCheck::MaturinWorkspacePyproject
    ),
    rule!(
        "{README,README.*,**/README,**/README.*}",
        EXTRA_OR_MODIFIED,
        "maturin copies the readme that pyproject.toml or Cargo.toml names to the sdist's root or beside the manifest; the bytes equal a file of the tag's tree",
        StaticCheck::EqualsRepoBlob
    ),
    rule!(
        "**/Cargo.toml",
        MODIFIED,
        "maturin writes Cargo.toml again at sdist time (readme/license-file pointed at the copy beside it, path dependencies and workspace members narrowed to what is packaged, targets whose sources are not packaged dropped); every other key must hold git's value",
        StaticCheck::MaturinCargoToml
    ),
    rule!(
        "Cargo.lock",
        EXTRA,
        "maturin ships the workspace's Cargo.lock; the tag's own lock must be these bytes, and a lock cargo generated at packaging time (the tag commits none) must agree with the tag's manifests, its registry pins and checksums staying in the trust surface",
        StaticCheck::CargoLock
    ),
    rule!("**", EXTRA, SCM_REASON, StaticCheck::ScmVersionFile),
];

const MESON_SUBPROJECT: &str = "meson dist includes subprojects (wraps and their downloads), whose content this repository does not hold: give --submodule PATH=REPO for a git subproject, or pin the files' sha256 in the project policy";

const MESON_PYTHON: &[Spec] = &[
    rule!(
        "subprojects/**",
        EXTRA,
        "subproject content added by meson dist",
        StaticCheck::Unreproducible(MESON_SUBPROJECT)
    ),
    // meson dist archives every tracked file, so nothing else may be missing (no `**`
    // missing rule, unlike the other backends).
    rule!(
        "**",
        MISSING,
        "meson-python stores each symlink of meson dist's archive as its target's bytes and leaves out a link with no file behind it (absolute, dangling, leaving the tree, or a directory): git's link resolves to no file, so its absence adds nothing",
        StaticCheck::UnresolvableSymlink
    ),
];

const SCIKIT_BUILD: &[Spec] = &[rule!("**", EXTRA, SCM_REASON, StaticCheck::ScmVersionFile)];

/// `meson dist`: the tag as `git archive` writes it plus subprojects.
const MESON: &[Spec] = &[rule!(
    "subprojects/**",
    EXTRA,
    "subproject content added by meson dist",
    StaticCheck::Unreproducible(MESON_SUBPROJECT)
)];

const COMPILED: &str = "compiled extension built from the tag's sources; its bytes depend on the compiler and cannot be compared with git: pin its sha256 in the project policy after a reproducible build";

/// A wheel (`check X.whl`): its files were paired with the tag's at the backend's package
/// root (crate::wheel), so what remains are the metadata and build products.
const WHEEL: &[Spec] = &[
    rule!("*.dist-info/METADATA", EXTRA, "core metadata the backend writes into the wheel; Version must be the tag's", StaticCheck::WheelMetadata),
    rule!("*.dist-info/WHEEL", EXTRA, "the wheel format's own file (version, generator, tags)", StaticCheck::WheelFile),
    rule!("*.dist-info/RECORD", EXTRA, "the wheel's manifest; every file must be listed with its own sha256", StaticCheck::WheelRecord),
    rule!("*.dist-info/entry_points.txt", EXTRA, "entry points the tag's pyproject.toml declares", StaticCheck::WheelEntryPoints),
    rule!("*.dist-info/top_level.txt", EXTRA, "the top-level package names setuptools records (not code)"),
    rule!("*.dist-info/{licenses/**,LICEN[CS]E*,COPYING*,NOTICE*,AUTHORS*}", EXTRA, "license file the backend copies into .dist-info; the bytes equal a file of the tag's tree", StaticCheck::EqualsRepoBlob),
    rule!("*.dist-info/licenses/LICENSE", EXTRA, "the LICENSE the coherent.licensed plugin (required by git's pyproject.toml) wrote from the SPDX project.license, copied into .dist-info (text, not code)", StaticCheck::CoherentLicense),
    rule!("**/*.{so,pyd,dylib,dll}", EXTRA, "compiled extension", StaticCheck::Unreproducible(COMPILED)),
    rule!("**/*.so.*", EXTRA, "compiled extension", StaticCheck::Unreproducible(COMPILED)),
    rule!("**/*.py", EXTRA, "the version file hatch-vcs / setuptools-scm / pdm-backend write, declared in git's pyproject.toml", StaticCheck::WheelVersionFile),
    rule!("**", DEREFERENCED, "backends copy the file a symlink points to: the wheel holds exactly the bytes of the blob the link resolves to in the tag's tree"),
];

const CARGO_DEREF: &str = "cargo package writes the file a symlink points to (also targets outside the package directory, inside the repository): the archive holds exactly the bytes of the blob the link resolves to in the tag's tree";

const CARGO: &[Spec] = &[
    rule!("**", DEREFERENCED, CARGO_DEREF),
    rule!("Cargo.toml", MODIFIED, "cargo package normalises Cargo.toml; name, version and dependencies must agree with git's, kept verbatim as Cargo.toml.orig", StaticCheck::CargoToml),
    rule!("Cargo.toml.orig", EXTRA, "cargo package keeps the original manifest; it must equal git's Cargo.toml", StaticCheck::EqualsGit("Cargo.toml")),
    rule!(".cargo_vcs_info.json", EXTRA, "cargo package records the commit it packaged; it must be the tag's commit", StaticCheck::CargoVcs),
    // Modified too: for a crate whose tag commits its lock, cargo package re-resolves from the
    // normalised manifest, which drops path-only dev-dependencies and their packages.
    rule!("Cargo.lock", EXTRA_OR_MODIFIED, "cargo package writes the lock file it resolves for the package at packaging time (dependency pins, not code): its local package and dependencies must agree with the tag's manifests, its pins with the tag's committed Cargo.lock if any; crates.io checksums nobody commits stay in the trust surface", StaticCheck::CargoPackageLock),
    rule!("**", MISSING, "cargo package includes only the package's files (include/exclude, nested packages left out); an absent file adds nothing"),
];

const NPM: &[Spec] = &[
    rule!("package.json", MODIFIED, "npm/pnpm publish rewrite package.json (publishConfig applied, workspace: ranges resolved, fields dropped); every key left must hold git's value", StaticCheck::NpmPackageJson),
    rule!("**", EXTRA, "build output the package's `files`/`main`/`exports` name", StaticCheck::NpmBuildOutput),
    rule!("README.md", MODIFIED, "clean-publish's cleanDocs (asked for in git's package.json) cuts README.md before its first ## heading and links the full docs; rebuilt from git's README", StaticCheck::NpmCleanDocs),
    rule!("**", MISSING, "npm pack includes only the files that package.json `files` / .npmignore select; an absent file adds nothing"),
];

const DOCS_REASON: &str = "documentation rendered at make dist (groff, po4a, texi2any: man pages as PDF/text, translated man pages); not reproduced here: regenerate it from the tag, or pin its sha256 in the project policy";

/// Scripts that automake/autoconf/libtool/gettext copy in at `make dist` time.
const AUX_REASON: &str =
    "auxiliary script copied in by automake/autoconf/libtool at make dist; not backed by git";

const AUTOTOOLS: &[Spec] = &[
    // First, so that a copy gnulib backs is vouched for by its bytes before any name rule.
    rule!("**", EXTRA, "copied by gnulib-tool from the gnulib submodule the tag pins, at the path the tag's gnulib-cache.m4 maps it to", StaticCheck::GnulibCopy),
    rule!("configure", EXTRA, "generated by autoconf from configure.ac at make dist; not backed by git"),
    rule!("Makefile.in", EXTRA, "generated by automake from Makefile.am; not backed by git"),
    rule!("**/Makefile.in", EXTRA, "generated by automake from Makefile.am; not backed by git"),
    rule!("aclocal.m4", EXTRA, "generated by aclocal from the m4 macros; not backed by git"),
    rule!("config.h.in", EXTRA, "generated by autoheader; not backed by git"),
    rule!("build-aux/config.h.in", EXTRA, "generated by autoheader; not backed by git"),
    rule!("**/*.in", EXTRA, "config header template generated by autoheader, at a path git's configure.ac names in AC_CONFIG_HEADERS", StaticCheck::AutoheaderTemplate),
    rule!(".tarball-version", EXTRA, "the version git-version-gen records at make dist; must be the tag's", StaticCheck::VersionStamp),
    rule!(".version", EXTRA, "the version stamp GNU projects write at make dist; must be the tag's", StaticCheck::VersionStamp),
    rule!("**/version{,-*}.texi", EXTRA, "version stamp automake writes for a Texinfo manual; only @set UPDATED/EDITION/VERSION lines", StaticCheck::VersionTexi),
    rule!("**/stamp-{vti,[0-9]*}", EXTRA, "automake's copy of the Texinfo version stamp; only @set UPDATED/EDITION/VERSION lines", StaticCheck::VersionTexi),
    rule!("**/gnulib.mk", EXTRA, "Makefile fragment written by gnulib-tool from the project's gnulib configuration", StaticCheck::Gnulib),
    rule!("**/gnulib-comp.m4", EXTRA, "module list written by gnulib-tool from the project's gnulib configuration", StaticCheck::Gnulib),
    rule!("**/Makefile.am", EXTRA, "Makefile.am written by gnulib-tool into the source or tests base the project's gnulib-cache.m4 names", StaticCheck::Gnulib),
    rule!("{,build-aux/,config/}compile", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}config.guess", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}config.sub", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}config.rpath", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}depcomp", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}install-sh", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}ltmain.sh", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}missing", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}test-driver", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}ar-lib", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}mdate-sh", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}texinfo.tex", EXTRA, AUX_REASON),
    rule!("{,build-aux/,config/}ylwrap", EXTRA, AUX_REASON),
    rule!("**/{texinfo.tex,mdate-sh}", EXTRA, "helper automake installs beside the Makefile.am that lists a Texinfo manual (*_TEXINFOS); not backed by git", StaticCheck::TexinfoAux),
    rule!("{,build-aux/,config/}py-compile", EXTRA, AUX_REASON),
    rule!("INSTALL", EXTRA, "generic installation instructions copied in by automake"),
    rule!("ABOUT-NLS", EXTRA, "copied in by gettextize"),
    rule!("ChangeLog", EXTRA, "generated from the git log at make dist"),
    rule!("po/*.gmo", EXTRA, "message catalogue msgfmt compiles from po/LANG.po at make dist: exactly that file's translations in force", StaticCheck::GmoCatalogue),
    rule!("po/*.pot", EXTRA, "message template extracted by xgettext at make dist: msgids only, no translation", StaticCheck::PotTemplate),
    rule!("po/Makefile.in.in", EXTRA, "gettext infrastructure copied in by gettextize/autopoint"),
    rule!("po/Rules-quot", EXTRA, "gettext infrastructure copied in by autopoint"),
    rule!("po/*.sed", EXTRA, "gettext infrastructure copied in by autopoint"),
    rule!("po/*.sin", EXTRA, "gettext infrastructure copied in by autopoint"),
    rule!("po/*.header", EXTRA, "gettext infrastructure copied in by autopoint"),
    rule!("po/stamp-po", EXTRA, "gettext's timestamp file, written at make dist", StaticCheck::StampPo),
    rule!("**/*.po", MODIFIED, "msgmerge refreshes translations against the new template at make dist; the translations in force must be the tag's", StaticCheck::PoTranslations),
    rule!("**/*.pot", EXTRA, "message template extracted by xgettext/po4a at make dist: msgids only, no translation", StaticCheck::PotTemplate),
    rule!("ChangeLog", MODIFIED, "GNU projects regenerate ChangeLog from the git log at make dist", StaticCheck::Unreproducible("ChangeLog regenerated from the git log at make dist (gitlog-to-changelog); tarseal does not reproduce it: compare it with `git log` of the tag, or pin its sha256")),
    rule!("{doc,docs,man,po4a}/**/*.{pdf,ps,dvi,html,txt,[1-9]}", EXTRA, "documentation rendered at make dist", StaticCheck::Unreproducible(DOCS_REASON)),
    rule!("**/*.[1-9]", MODIFIED, "man page whose .TH line the release script stamps with the release's version and a date (curl's maketgz: updatemanpages.pl); every other line must be git's", StaticCheck::RoffThStamp),
    rule!("**/*.info", EXTRA, "Info manual built by makeinfo from the Texinfo source"),
    rule!("{doc,man}/*.[1-9]", EXTRA, "man page generated at make dist (help2man or similar)"),
    rule!("**/*.m4", EXTRA, "an m4 macro copied in by aclocal/autopoint/libtoolize; accepted only byte-identical to a known release of the tool that ships it", StaticCheck::KnownM4),
    rule!("**", MISSING, "make dist includes only EXTRA_DIST and the sources automake knows; an absent file adds nothing"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_builds_and_every_rule_has_a_reason() {
        for name in NAMES {
            for r in by_name(name).unwrap() {
                assert!(!r.reason.trim().is_empty(), "{}", r.id);
            }
        }
        assert!(by_name("git-archive").unwrap().is_empty());
        assert!(by_name("nope").is_none());
    }

    /// No built-in rule allows arbitrary extra files under a directory.
    #[test]
    fn no_profile_allows_arbitrary_extras() {
        for name in NAMES {
            for r in by_name(name).unwrap() {
                if r.allow.contains(&Allow::Extra) && r.check.is_none() {
                    for p in [
                        "src/evil.c",
                        "lib/evil.py",
                        "evil.sh",
                        "m4/evil.m4",
                        "tests/evil",
                    ] {
                        assert!(!r.matches(p), "{} allows {p}", r.id);
                    }
                }
            }
        }
    }
}
