//! Relocated toolchains: exact autoconf/automake/libtool versions unpacked from Debian's
//! packages into a versioned cache, and the variables that make them run from there.
//!
//! `tarseal toolchain fetch autoconf=2.69` ([`Fetcher::fetch`]): the suite's `InRelease` is
//! verified with `gpgv` against Debian's archive keyring, the `main/binary-all/Packages.xz`
//! index against the SHA-256 the signed `InRelease` names, and the `.deb` against the SHA-256
//! the index names; then `dpkg-deb -x` unpacks it into `<cache>/toolchains/autoconf-2.69/`
//! and [`relocate`] makes the tree runnable from its mount point inside the sandbox
//! (`/toolchain/autoconf-2.69`). A fetched toolchain is one directory per tool and version,
//! laid out as `dpkg-deb -x` leaves it, plus a manifest [`MANIFEST`] (`tool=version`,
//! `package=`, `sha256=`, `suite=`, `mount=`).
//!
//! The tools hard-code /usr paths; each reads an environment variable instead
//! ([`relocation_env`]): autoconf's `AC_MACRODIR`, `autom4te_perllibdir`, `AUTOM4TE_CFG` (a
//! copy of autom4te.cfg rewritten for the mount point), `trailer_m4`,
//! `autom4te_buildauxdir`, `AUTOCONF`/`AUTOHEADER`/`AUTOM4TE`; automake's
//! `AUTOMAKE_UNINSTALLED` + `PERL5LIB` (its perl modules), `AUTOMAKE_LIBDIR` (am/ fragments,
//! aux scripts), `ACLOCAL_AUTOMAKE_DIR`, `ACLOCAL_PATH` (third-party m4 of /usr/share/aclocal
//! and libtool's); libtool's `_lt_pkgdatadir` (with `m4` linked to its aclocal directory).

use crate::toolchain::TOOLCHAIN_MOUNT;
use crate::versions::{closest, Tool};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The manifest file name inside a toolchain directory.
pub const MANIFEST: &str = "tarseal-toolchain";

/// Debian's suites searched, oldest first.
pub const SUITES: &[&str] = &["bullseye", "bookworm", "trixie"];

/// Where the packages come from. Plain HTTP, as apt uses it: what makes the bytes
/// trustworthy is the signed InRelease and the SHA-256 chain from it to the .deb, not the
/// transport (and an intercepting proxy's CA is not in the bundled TLS roots).
pub const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";

/// The keyring `InRelease` must be signed with (Debian package `debian-archive-keyring`).
pub const DEFAULT_KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

/// The upstream versions Debian's suites provide (bullseye, bookworm, trixie, as of
/// 2026-12), for naming the closest one without the network.
pub fn debian_versions(tool: Tool) -> &'static [&'static str] {
    match tool {
        Tool::Autoconf => &["2.69", "2.71", "2.72"],
        Tool::Automake => &["1.16.3", "1.16.5", "1.17"],
        Tool::Libtool => &["2.4.6", "2.4.7", "2.5.4"],
    }
}

/// The Debian binary package of a tool.
pub fn package_name(tool: Tool) -> &'static str {
    match tool {
        Tool::Autoconf => "autoconf",
        Tool::Automake => "automake",
        Tool::Libtool => "libtool",
    }
}

/// Why a toolchain could not be fetched or read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: {source}")]
    Http {
        url: String,
        #[source]
        source: Box<ureq::Error>,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: SHA-256 is {actual}, but {authority} says {expected}")]
    Hash {
        what: String,
        authority: String,
        expected: String,
        actual: String,
    },
    #[error("{suite}'s InRelease is not validly signed by {keyring}: {detail}")]
    Signature {
        suite: String,
        keyring: PathBuf,
        detail: String,
    },
    #[error("{suite}'s signed InRelease does not list main/binary-all/Packages.xz")]
    NoIndex { suite: String },
    #[error("{0}")]
    Unavailable(Box<Missing>),
    #[error("cannot decompress {what}: {source}")]
    Decompress {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("dpkg-deb -x {deb}: {detail}")]
    Unpack { deb: PathBuf, detail: String },
    #[error("no cache directory: neither XDG_CACHE_HOME nor HOME is set")]
    NoCache,
}

/// A version no suite packages: what was asked, what there is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub tool: &'static str,
    pub version: String,
    pub suites: String,
    pub closest: Option<String>,
    pub available: Vec<String>,
    /// Suites whose index could not be read or verified (why, per suite).
    pub unread: Vec<String>,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} is not packaged in Debian's {}; {}{}",
            self.tool,
            self.version,
            self.suites,
            closest_text(self.closest.as_deref(), &self.available),
            unread_text(&self.unread)
        )
    }
}

fn unread_text(unread: &[String]) -> String {
    if unread.is_empty() {
        String::new()
    } else {
        format!(" (not searched: {})", unread.join("; "))
    }
}

fn closest_text(closest: Option<&str>, available: &[String]) -> String {
    match closest {
        Some(c) => format!(
            "closest available: {c} (all: {})",
            if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            }
        ),
        None => "none is available".into(),
    }
}

impl FetchError {
    /// A version that no suite has (exit 3: what was asked cannot be had), as opposed to
    /// network, signature or disk failures (exit 2).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, FetchError::Unavailable(_))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One binary package of a suite's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub suite: String,
    pub name: String,
    /// Debian's version (`1:1.16.5-1.3`).
    pub version: String,
    /// The upstream version in it (`1.16.5`).
    pub upstream: String,
    /// Relative to the mirror (`pool/main/a/automake-1.16/automake_1.16.5-1.3_all.deb`).
    pub filename: String,
    pub sha256: String,
    pub size: u64,
}

/// `1:1.16.5-1.3` → `1.16.5`; `2.4.7-7~deb12u1` → `2.4.7`; `2.71-3` → `2.71`: without the
/// epoch and the Debian revision (and a `+dfsg`-like repack suffix).
pub fn upstream_version(debian: &str) -> String {
    let v = debian.split_once(':').map(|(_, v)| v).unwrap_or(debian);
    let v = v.rsplit_once('-').map(|(u, _)| u).unwrap_or(v);
    let v = v.split(['+', '~']).next().unwrap_or(v);
    v.to_string()
}

/// The stanzas of a Packages index for the binary packages `names`.
pub fn parse_packages(suite: &str, text: &str, names: &[&str]) -> Vec<Package> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let mut name = None;
        let mut version = None;
        let mut filename = None;
        let mut sha = None;
        let mut size = None;
        for line in stanza.lines() {
            if let Some((k, v)) = line.split_once(": ") {
                match k {
                    "Package" => name = Some(v.trim()),
                    "Version" => version = Some(v.trim()),
                    "Filename" => filename = Some(v.trim()),
                    "SHA256" => sha = Some(v.trim()),
                    "Size" => size = v.trim().parse::<u64>().ok(),
                    _ => {}
                }
            }
        }
        if let (Some(n), Some(v), Some(f), Some(s), Some(z)) = (name, version, filename, sha, size)
        {
            let hex_ok = s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
            let path_ok = !f.starts_with('/') && !f.split('/').any(|c| c == ".." || c.is_empty());
            if names.contains(&n) && hex_ok && path_ok {
                out.push(Package {
                    suite: suite.to_string(),
                    name: n.to_string(),
                    version: v.to_string(),
                    upstream: upstream_version(v),
                    filename: f.to_string(),
                    sha256: s.to_ascii_lowercase(),
                    size: z,
                });
            }
        }
    }
    out
}

/// The SHA-256 and size that a (verified) Release file names for `path`.
pub fn release_hash(release: &str, path: &str) -> Option<(String, u64)> {
    let mut in_sha = false;
    for line in release.lines() {
        if !line.starts_with(' ') {
            in_sha = line.trim_end() == "SHA256:";
            continue;
        }
        if in_sha {
            let mut w = line.split_whitespace();
            if let (Some(h), Some(s), Some(p)) = (w.next(), w.next(), w.next()) {
                if p == path {
                    return Some((h.to_ascii_lowercase(), s.parse().ok()?));
                }
            }
        }
    }
    None
}

/// Downloads and installs toolchains.
pub struct Fetcher {
    pub mirror: String,
    pub keyring: PathBuf,
    /// `<cache root>/toolchains`.
    pub dir: PathBuf,
    agent: ureq::Agent,
}

impl Fetcher {
    /// With the defaults: deb.debian.org, Debian's archive keyring, the XDG cache.
    pub fn new() -> Result<Fetcher, FetchError> {
        Ok(Fetcher::with(
            DEFAULT_MIRROR.into(),
            DEFAULT_KEYRING.into(),
            cache_dir().ok_or(FetchError::NoCache)?,
        ))
    }

    pub fn with(mirror: String, keyring: PathBuf, dir: PathBuf) -> Fetcher {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_recv_body(Some(Duration::from_secs(600)))
            .http_status_as_error(true)
            .build()
            .into();
        Fetcher {
            mirror: mirror.trim_end_matches('/').to_string(),
            keyring,
            dir,
            agent,
        }
    }

    fn get(&self, rel: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        let url = format!("{}/{rel}", self.mirror);
        let resp = self.agent.get(&url).call().map_err(|e| FetchError::Http {
            url: url.clone(),
            source: Box::new(e),
        })?;
        let mut v = Vec::new();
        resp.into_body()
            .into_reader()
            .take(limit)
            .read_to_end(&mut v)
            .map_err(|e| FetchError::Http {
                url,
                source: Box::new(ureq::Error::Io(e)),
            })?;
        Ok(v)
    }

    /// The tool packages of one suite, from its signature-checked index.
    pub fn index(&self, suite: &str) -> Result<Vec<Package>, FetchError> {
        let inrelease = self.get(&format!("dists/{suite}/InRelease"), 64 << 20)?;
        let tmp = tempfile::tempdir().map_err(io(Path::new("/tmp")))?;
        let signed = tmp.path().join("InRelease");
        let verified = tmp.path().join("Release");
        std::fs::write(&signed, &inrelease).map_err(io(&signed))?;
        // --output: only the signed text, never what an attacker appended around it.
        let out = Command::new("gpgv")
            .arg("--keyring")
            .arg(&self.keyring)
            .arg("--output")
            .arg(&verified)
            .arg(&signed)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .output()
            .map_err(|e| FetchError::Signature {
                suite: suite.into(),
                keyring: self.keyring.clone(),
                detail: format!("cannot run gpgv: {e}"),
            })?;
        if !out.status.success() {
            return Err(FetchError::Signature {
                suite: suite.into(),
                keyring: self.keyring.clone(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        let release = std::fs::read_to_string(&verified).map_err(io(&verified))?;
        let rel = "main/binary-all/Packages.xz";
        let (want, size) = release_hash(&release, rel).ok_or(FetchError::NoIndex {
            suite: suite.into(),
        })?;
        // By hash first, as apt does: the plain name may already hold the next index while
        // the InRelease in hand names this one (a mirror mid-update, a cache in between).
        let by_hash = format!("dists/{suite}/main/binary-all/by-hash/SHA256/{want}");
        let xz = match self.get(&by_hash, size + 1) {
            Ok(b) => b,
            Err(_) => self.get(&format!("dists/{suite}/{rel}"), size + 1)?,
        };
        let got = hex::encode(Sha256::digest(&xz));
        if got != want || xz.len() as u64 != size {
            return Err(FetchError::Hash {
                what: format!("dists/{suite}/{rel}"),
                authority: format!("{suite}'s signed InRelease"),
                expected: want,
                actual: got,
            });
        }
        let mut text = String::new();
        liblzma::read::XzDecoder::new(&xz[..])
            .take(1 << 30)
            .read_to_string(&mut text)
            .map_err(|source| FetchError::Decompress {
                what: format!("dists/{suite}/{rel}"),
                source,
            })?;
        Ok(parse_packages(
            suite,
            &text,
            &[
                package_name(Tool::Autoconf),
                package_name(Tool::Automake),
                package_name(Tool::Libtool),
            ],
        ))
    }

    /// Installs `tool` `version` (an upstream version: `2.71`) unless it is already in the
    /// cache; returns its directory.
    pub fn fetch(&self, tool: Tool, version: &str) -> Result<PathBuf, FetchError> {
        let name = format!("{}-{version}", tool.name());
        let final_dir = self.dir.join(&name);
        if versions_in(&final_dir).contains(&(tool, version.to_string())) {
            return Ok(final_dir);
        }
        let mut all = Vec::new();
        let mut found = None;
        let mut unread = Vec::new();
        for suite in SUITES {
            // A suite whose index cannot be verified is skipped (and named): the others may
            // still have the version.
            let pkgs = match self.index(suite) {
                Ok(p) => p,
                Err(e) => {
                    unread.push(e);
                    continue;
                }
            };
            if let Some(p) = pkgs
                .iter()
                .find(|p| p.name == package_name(tool) && p.upstream == version)
            {
                found = Some(p.clone());
                break;
            }
            all.extend(pkgs.into_iter().filter(|p| p.name == package_name(tool)));
        }
        let Some(pkg) = found else {
            if unread.len() == SUITES.len() {
                return Err(unread.remove(0));
            }
            let mut available: Vec<String> = all.iter().map(|p| p.upstream.clone()).collect();
            available.sort_by_key(|v| crate::versions::version_key(v));
            available.dedup();
            return Err(FetchError::Unavailable(Box::new(Missing {
                tool: tool.name(),
                version: version.into(),
                suites: SUITES.join(", "),
                closest: closest(version, &available).cloned(),
                available,
                unread: unread.iter().map(|e| e.to_string()).collect(),
            })));
        };
        let deb = self.get(&pkg.filename, pkg.size + 1)?;
        let got = hex::encode(Sha256::digest(&deb));
        if got != pkg.sha256 || deb.len() as u64 != pkg.size {
            return Err(FetchError::Hash {
                what: pkg.filename.clone(),
                authority: format!("{}'s Packages index", pkg.suite),
                expected: pkg.sha256.clone(),
                actual: got,
            });
        }
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let work = tempfile::Builder::new()
            .prefix(".fetch-")
            .tempdir_in(&self.dir)
            .map_err(io(&self.dir))?;
        let deb_path = work.path().join("package.deb");
        std::fs::write(&deb_path, &deb).map_err(io(&deb_path))?;
        let tree = work.path().join("tree");
        unpack(&deb_path, &tree)?;
        let manifest = Manifest {
            tool,
            version: version.to_string(),
            package: format!("{}_{}", pkg.name, pkg.version),
            sha256: pkg.sha256.clone(),
            suite: pkg.suite.clone(),
        };
        relocate(&tree, &manifest, &mount_point(&name)).map_err(io(&tree))?;
        if final_dir.exists() {
            std::fs::remove_dir_all(&final_dir).map_err(io(&final_dir))?;
        }
        std::fs::rename(&tree, &final_dir).map_err(io(&final_dir))?;
        Ok(final_dir)
    }
}

/// `dpkg-deb -x DEB DIR` (a hash-verified Debian package; dpkg-deb is the host's).
pub fn unpack(deb: &Path, dir: &Path) -> Result<(), FetchError> {
    let out = Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .map_err(|e| FetchError::Unpack {
            deb: deb.into(),
            detail: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(FetchError::Unpack {
            deb: deb.into(),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(())
}

/// What a toolchain directory holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub tool: Tool,
    /// Upstream version.
    pub version: String,
    /// `automake_1:1.16.5-1.3` (package and Debian version), or a free description.
    pub package: String,
    pub sha256: String,
    pub suite: String,
}

/// Where a toolchain directory named `name` appears inside the sandbox.
pub fn mount_point(name: &str) -> String {
    format!("{TOOLCHAIN_MOUNT}/{name}")
}

/// The mount point of a toolchain directory: its manifest's `mount=`, else by its name.
pub fn mount_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(MANIFEST))
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("mount=").map(|m| m.trim().to_string()))
        })
        .unwrap_or_else(|| {
            mount_point(
                &dir.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| "tree".into()),
            )
        })
}

/// Makes an unpacked tree (`usr/bin`, `usr/share/...`, as `dpkg-deb -x` leaves it) runnable
/// from `inside` in the sandbox, and writes its manifest:
/// - autoconf: `usr/share/autoconf/autom4te.cfg.relocated`, the shipped autom4te.cfg with
///   every `/usr/share/autoconf` turned into `<inside>/usr/share/autoconf`;
/// - automake: `usr/bin/aclocal` and `usr/bin/automake` linked to the versioned programs
///   (Debian installs the unversioned names as alternatives, outside the package);
/// - libtool: `usr/share/libtool/m4` linked to `../aclocal`, where libtoolize looks for its
///   macros under `_lt_pkgdatadir`, and a placeholder `usr/share/libtool/libltdl`;
/// - links out of the package (config.guess → `../misc/config.guess` of autotools-dev) point
///   at the installed location instead (`/usr/share/misc/config.guess`, the system's).
pub fn relocate(tree: &Path, m: &Manifest, inside: &str) -> std::io::Result<()> {
    let share = tree.join("usr/share");
    let cfg = share.join("autoconf/autom4te.cfg");
    if cfg.is_file() {
        let text = std::fs::read_to_string(&cfg)?;
        let relocated = text.replace(
            "/usr/share/autoconf",
            &format!("{inside}/usr/share/autoconf"),
        );
        std::fs::write(share.join("autoconf/autom4te.cfg.relocated"), relocated)?;
    }
    if let Some(api) = automake_api(tree) {
        for t in ["aclocal", "automake"] {
            let link = tree.join("usr/bin").join(t);
            if !link.exists() && tree.join(format!("usr/bin/{t}-{api}")).is_file() {
                std::os::unix::fs::symlink(format!("{t}-{api}"), &link)?;
            }
        }
    }
    if share.join("libtool/build-aux/ltmain.sh").is_file() {
        if !share.join("libtool/m4").exists() {
            std::os::unix::fs::symlink("../aclocal", share.join("libtool/m4"))?;
        }
        // libtoolize refuses to run without a non-empty one; its files (libltdl-dev, an
        // architecture's package, not fetched) only matter to projects that bundle libltdl
        // (LTDL_INIT), whose libltdl files then stay unreproduced.
        let ltdl = share.join("libtool/libltdl");
        std::fs::create_dir_all(&ltdl)?;
        std::fs::write(
            ltdl.join("README.tarseal"),
            "libltdl's files are in Debian's libltdl-dev package, which tarseal does not fetch.\n",
        )?;
    }
    relink_outside(tree, tree)?;
    std::fs::write(
        tree.join(MANIFEST),
        format!(
            "{}={}\npackage={}\nsha256={}\nsuite={}\nmount={inside}\n",
            m.tool.name(),
            m.version,
            m.package,
            m.sha256,
            m.suite
        ),
    )
}

/// Links that leave the package (Debian's automake and libtool link config.guess and
/// config.sub to autotools-dev's `../misc/config.guess`) are made to point where they would
/// when installed: an absolute /usr path, the system's file in the sandbox.
fn relink_outside(tree: &Path, dir: &Path) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        let ft = e.file_type()?;
        if ft.is_dir() {
            relink_outside(tree, &p)?;
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&p)?;
            if target.is_absolute() || p.exists() {
                continue;
            }
            // The link's installed location: its path relative to the tree, under /.
            let Ok(rel) = p.strip_prefix(tree) else {
                continue;
            };
            let mut installed = PathBuf::from("/");
            installed.push(rel);
            installed.pop();
            for c in target.components() {
                match c {
                    std::path::Component::ParentDir => {
                        installed.pop();
                    }
                    std::path::Component::Normal(n) => installed.push(n),
                    _ => {}
                }
            }
            std::fs::remove_file(&p)?;
            std::os::unix::fs::symlink(&installed, &p)?;
        }
    }
    Ok(())
}

/// automake's API version (`1.16`) from `usr/share/automake-1.16`.
fn automake_api(tree: &Path) -> Option<String> {
    std::fs::read_dir(tree.join("usr/share"))
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find_map(|n| n.strip_prefix("automake-").map(str::to_string))
}

/// The `tool=version` lines of a toolchain directory's manifest.
pub fn versions_in(dir: &Path) -> Vec<(Tool, String)> {
    let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let (t, v) = l.split_once('=')?;
            Some((Tool::from_name(t.trim())?, v.trim().to_string()))
        })
        .collect()
}

/// One installed toolchain directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Installed {
    pub tool: Tool,
    pub version: String,
    pub dir: PathBuf,
    pub package: String,
    pub sha256: String,
    pub suite: String,
}

/// The toolchains in a cache directory, by tool and version.
pub fn list(dir: &Path) -> Vec<Installed> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(text) = std::fs::read_to_string(p.join(MANIFEST)) else {
            continue;
        };
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")).map(str::to_string))
                .unwrap_or_default()
        };
        for (tool, version) in versions_in(&p) {
            out.push(Installed {
                tool,
                version,
                dir: p.clone(),
                package: field("package"),
                sha256: field("sha256"),
                suite: field("suite"),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.tool, crate::versions::version_key(&a.version))
            .cmp(&(b.tool, crate::versions::version_key(&b.version)))
    });
    out
}

/// The environment that points the tools at relocated trees: `(inside path, host path)` per
/// tree, earlier trees first on PATH. The variables are the ones the tools read instead of
/// their compiled-in /usr paths.
pub fn relocation_env(roots: &[(String, PathBuf)]) -> Vec<(String, String)> {
    let mut path: Vec<String> = roots.iter().map(|(i, _)| format!("{i}/usr/bin")).collect();
    path.push("/usr/bin".into());
    path.push("/bin".into());
    let mut env = vec![("PATH".to_string(), path.join(":"))];
    let mut aclocal_path = Vec::new();
    for (inside, host) in roots {
        let share = host.join("usr/share");
        let ishare = format!("{inside}/usr/share");
        if share.join("autoconf/autoconf/autoconf.m4f").is_file() {
            let ac = format!("{ishare}/autoconf");
            env.push(("AC_MACRODIR".into(), ac.clone()));
            env.push(("autom4te_perllibdir".into(), ac.clone()));
            // The shipped autom4te.cfg names /usr/share/autoconf; relocate() wrote a copy
            // for this mount point.
            env.push((
                "AUTOM4TE_CFG".into(),
                format!("{ac}/autom4te.cfg.relocated"),
            ));
            env.push(("trailer_m4".into(), format!("{ac}/autoconf/trailer.m4")));
            env.push(("autom4te_buildauxdir".into(), format!("{ac}/build-aux")));
            for t in ["autoconf", "autoheader", "autom4te"] {
                env.push((t.to_uppercase(), format!("{inside}/usr/bin/{t}")));
            }
        }
        if let Some(api) = automake_api(host) {
            let amdir = format!("{ishare}/automake-{api}");
            // Without it the programs put /usr/share/automake-X first on @INC: the system's
            // modules of another release would win over PERL5LIB.
            env.push(("AUTOMAKE_UNINSTALLED".into(), "1".into()));
            env.push(("PERL5LIB".into(), amdir.clone()));
            env.push(("AUTOMAKE_LIBDIR".into(), amdir.clone()));
            env.push((
                "ACLOCAL_AUTOMAKE_DIR".into(),
                format!("{ishare}/aclocal-{api}"),
            ));
            env.push(("ACLOCAL".into(), format!("{inside}/usr/bin/aclocal-{api}")));
            env.push((
                "AUTOMAKE".into(),
                format!("{inside}/usr/bin/automake-{api}"),
            ));
        }
        if share.join("libtool/build-aux/ltmain.sh").is_file() {
            env.push(("_lt_pkgdatadir".into(), format!("{ishare}/libtool")));
            env.push(("LIBTOOLIZE".into(), format!("{inside}/usr/bin/libtoolize")));
            aclocal_path.push(format!("{ishare}/aclocal"));
        }
        if share.join("gettext").is_dir() {
            env.push(("gettext_datadir".into(), format!("{ishare}/gettext")));
        }
    }
    // AUTOMAKE_UNINSTALLED also empties aclocal's system directory: the third-party macros
    // (pkg.m4, gettext's) come back through ACLOCAL_PATH, after a relocated libtool's. With
    // the system's automake, /usr/share/aclocal is its system directory already.
    if env.iter().any(|(k, _)| k == "AUTOMAKE_UNINSTALLED") {
        aclocal_path.push("/usr/share/aclocal".into());
    }
    if aclocal_path.is_empty() {
        return env;
    }
    env.push(("ACLOCAL_PATH".into(), aclocal_path.join(":")));
    env
}

/// tarseal's XDG cache directory: `$XDG_CACHE_HOME/tarseal`, else `~/.cache/tarseal`.
pub fn cache_root() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("tarseal"))
}

/// The directory of fetched toolchains: `<cache root>/toolchains`; for root without
/// `XDG_CACHE_HOME`, `/var/cache/tarseal/toolchains`: the sandbox then runs as nobody, who
/// cannot walk through /root to mount them.
pub fn cache_dir() -> Option<PathBuf> {
    let root = unsafe { libc::geteuid() } == 0;
    if root && std::env::var_os("XDG_CACHE_HOME").is_none_or(|v| v.is_empty()) {
        return Some(PathBuf::from("/var/cache/tarseal/toolchains"));
    }
    cache_root().map(|r| r.join("toolchains"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_versions() {
        assert_eq!(upstream_version("1:1.16.5-1.3"), "1.16.5");
        assert_eq!(upstream_version("2.4.7-7~deb12u1"), "2.4.7");
        assert_eq!(upstream_version("2.71-3"), "2.71");
        assert_eq!(upstream_version("2.72-3.1"), "2.72");
        assert_eq!(upstream_version("1:1.17-4"), "1.17");
        assert_eq!(upstream_version("2.69"), "2.69");
    }

    const INDEX: &str = "Package: autoconf\nVersion: 2.69-14\nInstalled-Size: 2000\nFilename: pool/main/a/autoconf/autoconf_2.69-14_all.deb\nSize: 321304\nSHA256: 8dbfaa6c5bd14ee0057e4cfadc655b41aba3667a5e36f14a6e37e707d61e2d1c\n\nPackage: autoconf-archive\nVersion: 20190106-2.1\nFilename: pool/main/a/autoconf-archive/x.deb\nSize: 1\nSHA256: 0000000000000000000000000000000000000000000000000000000000000000\n\nPackage: automake\nVersion: 1:1.16.3-2\nFilename: ../../etc/passwd\nSize: 1\nSHA256: 720feb778ab6c33a28edf5815b747a7082b01ba358551cd35e99db8dfe73a136\n\nPackage: libtool\nVersion: 2.4.6-15\nFilename: pool/main/libt/libtool/libtool_2.4.6-15_all.deb\nSize: 513396\nSHA256: nothex\n";

    #[test]
    fn packages_index_keeps_only_well_formed_tool_stanzas() {
        let p = parse_packages("bullseye", INDEX, &["autoconf", "automake", "libtool"]);
        // autoconf-archive: another package; automake: a path out of the mirror; libtool: a
        // malformed hash.
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].name, "autoconf");
        assert_eq!(p[0].upstream, "2.69");
        assert_eq!(p[0].size, 321304);
        assert_eq!(p[0].suite, "bullseye");
    }

    #[test]
    fn release_hash_reads_the_sha256_section_only() {
        let r = "Origin: Debian\nMD5Sum:\n 0123 4231936 main/binary-all/Packages.xz\nSHA256:\n 743228b0bd99db92c91c5c133952cea0ff0c93a2b5b47a058973f3cab40d6481  4231936 main/binary-all/Packages.xz\n 11 12 main/binary-all/Packages\n";
        assert_eq!(
            release_hash(r, "main/binary-all/Packages.xz"),
            Some((
                "743228b0bd99db92c91c5c133952cea0ff0c93a2b5b47a058973f3cab40d6481".into(),
                4231936
            ))
        );
        assert_eq!(release_hash(r, "main/binary-amd64/Packages.xz"), None);
    }

    #[test]
    fn relocate_a_fake_tree() {
        let t = tempfile::tempdir().unwrap();
        let ac = t.path().join("autoconf-2.71");
        std::fs::create_dir_all(ac.join("usr/share/autoconf/autoconf")).unwrap();
        std::fs::create_dir_all(ac.join("usr/bin")).unwrap();
        std::fs::write(
            ac.join("usr/share/autoconf/autom4te.cfg"),
            "args: --prepend-include '/usr/share/autoconf'\n",
        )
        .unwrap();
        std::fs::write(ac.join("usr/share/autoconf/autoconf/autoconf.m4f"), "").unwrap();
        let am = t.path().join("automake-1.16.5");
        std::fs::create_dir_all(am.join("usr/share/automake-1.16")).unwrap();
        std::fs::create_dir_all(am.join("usr/bin")).unwrap();
        std::fs::write(am.join("usr/bin/automake-1.16"), "#!/usr/bin/perl\n").unwrap();
        std::fs::write(am.join("usr/bin/aclocal-1.16"), "#!/usr/bin/perl\n").unwrap();
        std::os::unix::fs::symlink(
            "../misc/config.guess",
            am.join("usr/share/automake-1.16/config.guess"),
        )
        .unwrap();
        let m = |tool, v: &str| Manifest {
            tool,
            version: v.into(),
            package: "p".into(),
            sha256: "s".into(),
            suite: "bookworm".into(),
        };
        relocate(
            &ac,
            &m(Tool::Autoconf, "2.71"),
            &mount_point("autoconf-2.71"),
        )
        .unwrap();
        relocate(
            &am,
            &m(Tool::Automake, "1.16.5"),
            &mount_point("automake-1.16.5"),
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(ac.join("usr/share/autoconf/autom4te.cfg.relocated")).unwrap(),
            "args: --prepend-include '/toolchain/autoconf-2.71/usr/share/autoconf'\n"
        );
        assert_eq!(
            std::fs::read_link(am.join("usr/share/automake-1.16/config.guess")).unwrap(),
            Path::new("/usr/share/misc/config.guess")
        );
        assert_eq!(
            std::fs::read_link(am.join("usr/bin/automake")).unwrap(),
            Path::new("automake-1.16")
        );
        assert_eq!(mount_of(&ac), "/toolchain/autoconf-2.71");
        assert_eq!(versions_in(&am), [(Tool::Automake, "1.16.5".to_string())]);
        let env: std::collections::BTreeMap<String, String> =
            relocation_env(&[(mount_of(&ac), ac.clone()), (mount_of(&am), am.clone())])
                .into_iter()
                .collect();
        assert_eq!(
            env["PATH"],
            "/toolchain/autoconf-2.71/usr/bin:/toolchain/automake-1.16.5/usr/bin:/usr/bin:/bin"
        );
        assert_eq!(
            env["AUTOM4TE_CFG"],
            "/toolchain/autoconf-2.71/usr/share/autoconf/autom4te.cfg.relocated"
        );
        assert_eq!(env["AUTOCONF"], "/toolchain/autoconf-2.71/usr/bin/autoconf");
        assert_eq!(
            env["PERL5LIB"],
            "/toolchain/automake-1.16.5/usr/share/automake-1.16"
        );
        assert_eq!(env["AUTOMAKE_UNINSTALLED"], "1");
        // The uninstalled automake has no system directory: /usr/share/aclocal comes back.
        assert_eq!(env["ACLOCAL_PATH"], "/usr/share/aclocal");
        let l = list(t.path());
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].tool, Tool::Autoconf);
    }
}
