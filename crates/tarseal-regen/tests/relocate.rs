//! Relocated toolchains for real, in the bubblewrap sandbox.
//!
//! Without the network: the installed Debian autoconf, automake and libtool are copied from
//! /usr into a cache laid out as `tarseal toolchain fetch` leaves it (one tree per tool,
//! config.guess links to autotools-dev and all), relocated with `fetch::relocate`, and used
//! to regenerate a small libtool project: the output must be byte-identical to the system
//! toolchain's, and markers put into the copies (an automake fragment, ltmain.sh) and
//! autom4te's own trace must show that the copies ran, not /usr's.
//!
//! With `TARSEAL_TEST_NETWORK=1`: `Fetcher` downloads bullseye's autoconf 2.69, automake
//! 1.16.3 and libtool 2.4.6 from deb.debian.org (signature, index and package hashes
//! checked), and the regenerated files carry those versions; automake 1.15.1 is unavailable,
//! naming 1.16.3 as the closest.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tarseal_regen::autotools::environment;
use tarseal_regen::fetch::{self, Manifest};
use tarseal_regen::sandbox::Spec;
use tarseal_regen::versions::Tool;
use tarseal_regen::{Isolation, Limits, Sandbox, Toolchain};

fn sandbox() -> Sandbox {
    Sandbox {
        isolation: Isolation::Bubblewrap,
        limits: Limits {
            time: Duration::from_secs(300),
            ..Limits::default()
        },
    }
}

fn tools_present() -> bool {
    let ok = ["autoreconf", "automake", "libtoolize", "bwrap", "m4"]
        .iter()
        .all(|t| {
            Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        && sandbox().probe().is_ok();
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have autoconf, automake, libtool and bubblewrap (.ci/run installs them)"
        );
        eprintln!("NOTICE: autotools or bubblewrap missing; relocation tests skipped");
    }
    ok
}

/// A temporary directory others may search: a root caller's sandbox runs as nobody, who
/// must walk to the mounted toolchains.
fn searchable_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    t
}

/// `cp -a` of installed paths into `tree` at the same place.
fn copy_installed(tree: &Path, paths: &[&str]) {
    for p in paths {
        let src = Path::new("/").join(p);
        if !src.exists() && !src.is_symlink() {
            continue;
        }
        let dst = tree.join(p);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        let st = Command::new("cp")
            .arg("-a")
            .arg(&src)
            .arg(&dst)
            .status()
            .unwrap();
        assert!(st.success(), "cp -a {}", src.display());
    }
}

/// A fake cache of the installed tools, as versions `autoconf-9.99`, `automake-9.98`,
/// `libtool-9.97` (versions the system does not have, so that `Toolchain::select` must pick
/// them), relocated.
/// The installed automake's API version (`1.16`, `1.17`).
fn automake_api() -> String {
    std::fs::read_dir("/usr/share")
        .unwrap()
        .flatten()
        .find_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix("automake-")
                .map(str::to_string)
        })
        .expect("an installed automake")
}

fn fake_cache(root: &Path) -> Vec<PathBuf> {
    let api = automake_api();
    let am = [
        format!("usr/bin/aclocal-{api}"),
        format!("usr/bin/automake-{api}"),
        format!("usr/share/automake-{api}"),
        format!("usr/share/aclocal-{api}"),
    ];
    let trees = [
        (
            Tool::Autoconf,
            "9.99",
            vec![
                "usr/bin/autoconf",
                "usr/bin/autoheader",
                "usr/bin/autom4te",
                "usr/bin/autoreconf",
                "usr/bin/autoscan",
                "usr/bin/autoupdate",
                "usr/bin/ifnames",
                "usr/share/autoconf",
            ],
        ),
        (
            Tool::Automake,
            "9.98",
            am.iter().map(String::as_str).collect(),
        ),
        (
            Tool::Libtool,
            "9.97",
            vec![
                "usr/bin/libtoolize",
                "usr/share/libtool/build-aux",
                "usr/share/aclocal/libtool.m4",
                "usr/share/aclocal/ltoptions.m4",
                "usr/share/aclocal/ltsugar.m4",
                "usr/share/aclocal/ltversion.m4",
                "usr/share/aclocal/lt~obsolete.m4",
            ],
        ),
    ];
    let mut dirs = Vec::new();
    for (tool, version, paths) in trees {
        let name = format!("{}-{version}", tool.name());
        let tree = root.join(&name);
        copy_installed(&tree, &paths);
        let m = Manifest {
            tool,
            version: version.into(),
            package: format!("copy of the installed {}", tool.name()),
            sha256: "0".repeat(64),
            suite: "local".into(),
        };
        fetch::relocate(&tree, &m, &fetch::mount_point(&name)).unwrap();
        dirs.push(tree);
    }
    // Markers: only the copies carry them.
    let hv = dirs[1].join(format!("usr/share/automake-{api}/am/header-vars.am"));
    let mut text = std::fs::read_to_string(&hv).unwrap();
    text.push_str("# tarseal relocation marker (automake)\n");
    std::fs::write(&hv, text).unwrap();
    let lt = dirs[2].join("usr/share/libtool/build-aux/ltmain.sh");
    let mut text = std::fs::read_to_string(&lt).unwrap();
    text.push_str("# tarseal relocation marker (libtool)\n");
    std::fs::remove_file(&lt).unwrap();
    std::fs::write(&lt, text).unwrap();
    dirs
}

/// The small libtool project, as a tar stream with the tree under `src/`.
fn project_tar() -> Vec<u8> {
    let files: [(&str, &str); 3] = [
        (
            "configure.ac",
            "AC_INIT([mini], [1.0])\nAC_CONFIG_AUX_DIR([build-aux])\nAC_CONFIG_MACRO_DIR([m4])\nAM_INIT_AUTOMAKE([foreign])\nAC_PROG_CC\nLT_INIT\nAC_CONFIG_HEADERS([config.h])\nAC_CONFIG_FILES([Makefile])\nAC_OUTPUT\n",
        ),
        (
            "Makefile.am",
            "ACLOCAL_AMFLAGS = -I m4\nlib_LTLIBRARIES = libm.la\nlibm_la_SOURCES = m.c\n",
        ),
        ("m.c", "int m(void) { return 1; }\n"),
    ];
    let mut b = tar::Builder::new(Vec::new());
    for (p, t) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(t.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1);
        b.append_data(&mut h, format!("src/{p}"), t.as_bytes())
            .unwrap();
    }
    b.into_inner().unwrap()
}

/// `autoreconf -fi` of the project with `toolchain`: the files it made, and stderr.
fn regenerate(toolchain: &Toolchain) -> (BTreeMap<String, Vec<u8>>, String) {
    let (env, mounts) = environment(toolchain);
    let spec = Spec {
        script: "set -e\nexec 3>&1 1>&2\ncd \"$W\"\ntar -xf -\ncd src\nautoreconf -fi\nautoconf --verbose -o /tmp/c.verbose\ntar -cf - --exclude=./autom4te.cache . >&3\n".into(),
        env,
        mounts,
    };
    let out = sandbox().run(&spec, &project_tar()).unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status, Some(0), "{}: {err}", toolchain.describe());
    let mut files = BTreeMap::new();
    let mut ar = tar::Archive::new(&out.stdout[..]);
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let p = e
            .path()
            .unwrap()
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        let mut v = Vec::new();
        e.read_to_end(&mut v).unwrap();
        files.insert(p, v);
    }
    (files, err)
}

fn text(files: &BTreeMap<String, Vec<u8>>, p: &str) -> String {
    String::from_utf8_lossy(files.get(p).unwrap_or_else(|| panic!("{p} not produced"))).into()
}

#[test]
fn copied_system_toolchain_relocated_reproduces_the_system_output() {
    if !tools_present() {
        return;
    }
    let tmp = searchable_tempdir();
    let dirs = fake_cache(tmp.path());

    // The layout relocate() leaves.
    assert!(dirs[0]
        .join("usr/share/autoconf/autom4te.cfg.relocated")
        .is_file());
    let cfg =
        std::fs::read_to_string(dirs[0].join("usr/share/autoconf/autom4te.cfg.relocated")).unwrap();
    assert!(cfg.contains("'/toolchain/autoconf-9.99/usr/share/autoconf'"));
    assert!(!cfg.contains("'/usr/share/autoconf'"));
    let api = automake_api();
    assert_eq!(
        std::fs::read_link(dirs[1].join("usr/bin/aclocal")).unwrap(),
        Path::new(&format!("aclocal-{api}"))
    );
    let cg = dirs[1].join(format!("usr/share/automake-{api}/config.guess"));
    if cg.is_symlink() {
        // Debian links it to autotools-dev's copy: out of the package, so made absolute.
        assert_eq!(
            std::fs::read_link(&cg).unwrap(),
            Path::new("/usr/share/misc/config.guess")
        );
    }
    assert!(dirs[2].join("usr/share/libtool/m4").is_symlink());

    // list() and select().
    let listed = fetch::list(tmp.path());
    let names: Vec<(Tool, &str)> = listed
        .iter()
        .map(|i| (i.tool, i.version.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (Tool::Autoconf, "9.99"),
            (Tool::Automake, "9.98"),
            (Tool::Libtool, "9.97")
        ]
    );
    let wanted: BTreeMap<Tool, String> = [
        (Tool::Autoconf, "9.99".to_string()),
        (Tool::Automake, "9.98".to_string()),
        (Tool::Libtool, "9.97 Debian-9.97-1".to_string()),
    ]
    .into();
    let relocated = Toolchain::select(&wanted, Some(tmp.path()));
    assert_eq!(relocated, Toolchain::Dirs(dirs.clone()));
    let v = relocated.versions();
    assert_eq!(v[&Tool::Autoconf], "9.99");
    assert_eq!(v[&Tool::Automake], "9.98");
    // libtool's version is its ltmain.sh's, as release files carry it.
    assert!(v[&Tool::Libtool].starts_with("2."), "{v:?}");
    // A version the cache does not have either: the system's (a mismatch, reported).
    let other: BTreeMap<Tool, String> = [(Tool::Autoconf, "9.50".to_string())].into();
    assert_eq!(
        Toolchain::select(&other, Some(tmp.path())),
        Toolchain::System
    );
    let sys_v = Toolchain::System.versions();
    let same: BTreeMap<Tool, String> = sys_v.clone();
    assert_eq!(
        Toolchain::select(&same, Some(tmp.path())),
        Toolchain::System
    );

    let (sys, _) = regenerate(&Toolchain::System);
    let (rel, err) = regenerate(&relocated);
    // autoconf: the copy's autom4te, reading the copy's frozen state and macros.
    assert!(
        err.contains("/toolchain/autoconf-9.99/usr/bin/autom4te"),
        "{err}"
    );
    assert!(
        err.contains("/toolchain/autoconf-9.99/usr/share/autoconf/autoconf/autoconf.m4f"),
        "{err}"
    );
    assert!(!err.contains(" /usr/share/autoconf"), "{err}");
    assert!(!err.contains("=/usr/share/autoconf"), "{err}");
    // automake and libtool: the copies' files.
    assert!(text(&rel, "Makefile.in").contains("# tarseal relocation marker (automake)"));
    assert!(!text(&sys, "Makefile.in").contains("relocation marker"));
    assert!(text(&rel, "build-aux/ltmain.sh").contains("# tarseal relocation marker (libtool)"));
    // Byte for byte what the system makes (but for the markers).
    for p in [
        "configure",
        "aclocal.m4",
        "config.h.in",
        "m4/libtool.m4",
        "build-aux/install-sh",
    ] {
        assert!(
            sys.get(p) == rel.get(p),
            "{p} differs between /usr and the relocated copy"
        );
    }
    assert_eq!(
        text(&rel, "Makefile.in").replace("# tarseal relocation marker (automake)\n", ""),
        text(&sys, "Makefile.in")
    );
    if let Ok(cg) = std::fs::read("/usr/share/misc/config.guess") {
        assert_eq!(rel.get("build-aux/config.guess"), Some(&cg));
    }
}

#[test]
fn relocated_tree_without_a_manifest_lists_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("autoconf-2.71/usr/bin")).unwrap();
    assert!(fetch::list(tmp.path()).is_empty());
    let wanted: BTreeMap<Tool, String> = [(Tool::Autoconf, "2.71".to_string())].into();
    // Not a toolchain (no manifest): never picked, whatever its name says.
    if Toolchain::System.versions().get(&Tool::Autoconf) != Some(&"2.71".to_string()) {
        assert_eq!(
            Toolchain::select(&wanted, Some(tmp.path())),
            Toolchain::System
        );
    }
}

/// Real downloads; only with TARSEAL_TEST_NETWORK=1 (CI may not reach deb.debian.org).
#[test]
fn fetch_bullseye_toolchain_from_debian() {
    if std::env::var("TARSEAL_TEST_NETWORK").ok().as_deref() != Some("1") {
        eprintln!("NOTICE: TARSEAL_TEST_NETWORK is not 1; the download test is skipped");
        return;
    }
    if !tools_present() {
        return;
    }
    let tmp = searchable_tempdir();
    let f = fetch::Fetcher::with(
        fetch::DEFAULT_MIRROR.into(),
        fetch::DEFAULT_KEYRING.into(),
        tmp.path().to_path_buf(),
    );
    let mut dirs = Vec::new();
    for (tool, v) in [
        (Tool::Autoconf, "2.69"),
        (Tool::Automake, "1.16.3"),
        (Tool::Libtool, "2.4.6"),
    ] {
        let d = f.fetch(tool, v).unwrap();
        assert_eq!(d, tmp.path().join(format!("{}-{v}", tool.name())));
        assert_eq!(fetch::versions_in(&d), [(tool, v.to_string())]);
        // A second fetch finds it in the cache.
        assert_eq!(f.fetch(tool, v).unwrap(), d);
        dirs.push(d);
    }
    let listed = fetch::list(tmp.path());
    assert_eq!(listed.len(), 3);
    assert!(listed
        .iter()
        .all(|i| i.suite == "bullseye" && i.sha256.len() == 64));
    let wanted: BTreeMap<Tool, String> = [
        (Tool::Autoconf, "2.69".to_string()),
        (Tool::Automake, "1.16.3".to_string()),
        (Tool::Libtool, "2.4.6 Debian-2.4.6-15".to_string()),
    ]
    .into();
    let tc = Toolchain::select(&wanted, Some(tmp.path()));
    assert_eq!(tc, Toolchain::Dirs(dirs));
    assert_eq!(tc.versions()[&Tool::Libtool], "2.4.6 Debian-2.4.6-15");
    let (files, _) = regenerate(&tc);
    assert!(text(&files, "configure").contains("Generated by GNU Autoconf 2.69 for mini 1.0."));
    assert!(text(&files, "Makefile.in").starts_with("# Makefile.in generated by automake 1.16.3"));
    assert!(text(&files, "aclocal.m4").contains("generated automatically by aclocal 1.16.3"));
    assert!(text(&files, "build-aux/ltmain.sh").contains("VERSION=\"2.4.6 Debian-2.4.6-15\""));

    let e = f.fetch(Tool::Automake, "1.15.1").unwrap_err();
    assert!(e.is_unavailable(), "{e}");
    assert!(e.to_string().contains("closest available: 1.16.3"), "{e}");
}
