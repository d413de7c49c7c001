//! Relocated toolchains: exact autoconf/automake/libtool versions unpacked from Debian's
//! packages into a versioned cache, and the variables that make them run from there.
//!
//! A fetched toolchain is one directory per tool and version (`autoconf-2.71/`), laid out as
//! `dpkg-deb -x` leaves it, plus a manifest `tarseal-toolchain` (`tool=version`, one line).

use crate::versions::Tool;
use std::path::{Path, PathBuf};

/// The manifest file name inside a toolchain directory.
pub const MANIFEST: &str = "tarseal-toolchain";

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

/// The environment that points the tools at relocated trees: `(inside path, host path)` per
/// tree, earlier trees first on PATH. The variables are the ones the tools read instead of
/// their compiled-in /usr paths.
pub fn relocation_env(roots: &[(String, PathBuf)]) -> Vec<(String, String)> {
    let mut path: Vec<String> = roots.iter().map(|(i, _)| format!("{i}/usr/bin")).collect();
    path.push("/usr/bin".into());
    path.push("/bin".into());
    let mut env = vec![("PATH".to_string(), path.join(":"))];
    for (inside, host) in roots {
        let share = host.join("usr/share");
        let ishare = format!("{inside}/usr/share");
        if share.join("autoconf/autoconf/autoconf.m4f").is_file() {
            let ac = format!("{ishare}/autoconf");
            env.push(("AC_MACRODIR".into(), ac.clone()));
            env.push(("autom4te_perllibdir".into(), ac.clone()));
            env.push(("AUTOM4TE".into(), format!("{inside}/usr/bin/autom4te")));
            // The shipped autom4te.cfg names /usr/share/autoconf; fetch writes a copy for
            // this mount point.
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
        if let Some(am) = std::fs::read_dir(&share)
            .ok()
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .find(|n| n.starts_with("automake-"))
        {
            let api = am.trim_start_matches("automake-").to_string();
            let amdir = format!("{ishare}/{am}");
            env.push(("AUTOMAKE_UNINSTALLED".into(), "1".into()));
            env.push(("PERL5LIB".into(), amdir.clone()));
            env.push(("AUTOMAKE_LIBDIR".into(), amdir.clone()));
            env.push((
                "ACLOCAL_AUTOMAKE_DIR".into(),
                format!("{ishare}/aclocal-{api}"),
            ));
            env.push((
                "ACLOCAL".into(),
                format!("{inside}/usr/bin/aclocal-{api} --system-acdir=/usr/share/aclocal"),
            ));
            env.push((
                "AUTOMAKE".into(),
                format!("{inside}/usr/bin/automake-{api}"),
            ));
        }
        if share.join("libtool/build-aux/ltmain.sh").is_file() {
            env.push(("_lt_pkgdatadir".into(), format!("{ishare}/libtool")));
            env.push(("LIBTOOLIZE".into(), format!("{inside}/usr/bin/libtoolize")));
        }
        if share.join("gettext").is_dir() {
            env.push(("gettext_datadir".into(), format!("{ishare}/gettext")));
        }
    }
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

/// The directory of fetched toolchains: `<cache root>/toolchains`.
pub fn cache_dir() -> Option<PathBuf> {
    cache_root().map(|r| r.join("toolchains"))
}
