//! Toolchains: which autoconf, automake and libtool regenerate a release, and how the sandbox
//! reaches them.
//!
//! The system toolchain is Debian's installed packages under /usr (mounted read-only into the
//! sandbox). A relocated toolchain is a directory made by `tarseal toolchain fetch` (Debian
//! packages of exact versions unpacked with `dpkg-deb -x`, see [`crate::fetch`]) or given with
//! `--toolchain DIR`; it is mounted read-only at [`TOOLCHAIN_MOUNT`] and found through the
//! variables the tools read instead of their compiled-in paths.

use crate::versions::Tool;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where a relocated toolchain appears inside the sandbox.
pub const TOOLCHAIN_MOUNT: &str = "/toolchain";

/// A toolchain that can regenerate files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toolchain {
    /// The packages installed under /usr.
    System,
    /// A tree laid out like `/` (usr/bin/autoconf, usr/share/autoconf, ...), as `dpkg-deb -x`
    /// leaves it; several such trees (one per tool) are layered in order.
    Dirs(Vec<PathBuf>),
}

impl Toolchain {
    /// A short name for reports.
    pub fn describe(&self) -> String {
        match self {
            Toolchain::System => "system (/usr)".into(),
            Toolchain::Dirs(d) => d
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + "),
        }
    }

    /// The versions this toolchain provides, read from the tools themselves (trusted files:
    /// Debian's packages, never the release).
    pub fn versions(&self) -> BTreeMap<Tool, String> {
        let mut out = BTreeMap::new();
        if let Toolchain::Dirs(dirs) = self {
            for d in dirs {
                for (tool, v) in crate::fetch::versions_in(d) {
                    // libtool's build as its own ltmain.sh states it (with Debian's label),
                    // the form release files carry.
                    let v = match tool {
                        Tool::Libtool => {
                            ltmain_version(&d.join("usr/share/libtool/build-aux/ltmain.sh"))
                                .unwrap_or(v)
                        }
                        _ => v,
                    };
                    out.entry(tool).or_insert(v);
                }
            }
        }
        // The system's tools serve what no relocated tree provides (they stay on PATH).
        for (tool, cmd) in [(Tool::Autoconf, "autoconf"), (Tool::Automake, "automake")] {
            if let std::collections::btree_map::Entry::Vacant(e) = out.entry(tool) {
                if let Some(v) = command_version(Command::new(cmd).arg("--version")) {
                    e.insert(v);
                }
            }
        }
        if let std::collections::btree_map::Entry::Vacant(e) = out.entry(Tool::Libtool) {
            if let Some(v) = ltmain_version(Path::new("/usr/share/libtool/build-aux/ltmain.sh")) {
                e.insert(v);
            }
        }
        out
    }

    /// The toolchain for a release made with `wanted` (tool → the version its files name):
    /// per tool the system's when it is that version, else a fetched tree of exactly that
    /// version from `cache` (`<cache>/autoconf-2.69`), else the system's (the difference is
    /// then reported as a version mismatch: indeterminate, never a pass).
    pub fn select(wanted: &BTreeMap<Tool, String>, cache: Option<&Path>) -> Toolchain {
        let system = Toolchain::System.versions();
        let mut dirs = Vec::new();
        for (tool, want) in wanted {
            let upstream = |v: &str| v.split_whitespace().next().unwrap_or("").to_string();
            let have = system.get(tool).map(|v| upstream(v));
            if have.as_deref() == Some(upstream(want).as_str()) {
                continue;
            }
            let Some(cache) = cache else { continue };
            let dir = cache.join(format!("{}-{}", tool.name(), upstream(want)));
            if crate::fetch::versions_in(&dir)
                .iter()
                .any(|(t, v)| t == tool && *v == upstream(want))
            {
                dirs.push(dir);
            }
        }
        if dirs.is_empty() {
            Toolchain::System
        } else {
            Toolchain::Dirs(dirs)
        }
    }
}

/// Files whose bytes identify a toolchain build (for the regeneration cache key): the tools
/// and their frozen macro state, relative to a root.
const FINGERPRINT_FILES: &[&str] = &[
    "usr/bin/autoconf",
    "usr/bin/autoheader",
    "usr/bin/autom4te",
    "usr/bin/autoreconf",
    "usr/bin/aclocal",
    "usr/bin/automake",
    "usr/bin/libtoolize",
    "usr/bin/autopoint",
    "usr/share/autoconf/autoconf/autoconf.m4f",
    "usr/share/autoconf/autom4te.cfg",
    "usr/share/libtool/build-aux/ltmain.sh",
    "usr/share/autoconf/autom4te.cfg.relocated",
    "tarseal-toolchain",
    "usr/bin/m4",
    "usr/bin/perl",
];

impl Toolchain {
    /// SHA-256 over the toolchain's identifying files: two runs with equal fingerprints ran
    /// the same tools.
    pub fn fingerprint(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let roots: Vec<PathBuf> = match self {
            Toolchain::System => vec![PathBuf::from("/")],
            Toolchain::Dirs(d) => {
                let mut v = d.clone();
                v.push(PathBuf::from("/"));
                v
            }
        };
        for r in &roots {
            h.update(r.as_os_str().as_encoded_bytes());
            for f in FINGERPRINT_FILES {
                h.update(f.as_bytes());
                if let Ok(b) = std::fs::read(r.join(f)) {
                    h.update(Sha256::digest(&b));
                }
            }
        }
        h.finalize().into()
    }
}

/// `autoconf (GNU Autoconf) 2.71` → `2.71`: the last word of the first line.
fn command_version(cmd: &mut Command) -> Option<String> {
    let out = cmd.env_clear().env("PATH", "/usr/bin:/bin").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .next()?
        .split_whitespace()
        .last()
        .map(str::to_string)
}

/// libtool's release as its ltmain.sh states it.
pub fn ltmain_version(path: &Path) -> Option<String> {
    crate::versions::libtool_version(&std::fs::read(path).ok()?)
}
