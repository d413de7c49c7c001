//! End to end: hostile and broken archives. Each must be rejected (exit 1) with the entry named
//! in the JSON report (`findings[].problem` and `path`) and in the text output, or — when the
//! archive cannot be read at all — with an error on stderr that says why. Never a panic.

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};

const TAG: [&str; 2] = ["--tag", "v1.0"];

/// The standard project's git archive with `body` (Python, see `PY_PRELUDE`) appended; the
/// body usually calls `copy_all()` first.
fn crafted(f: &Fixture, body: &str) -> PathBuf {
    let base = f.tar_v1();
    f.py_tar(Some(&base), body, "crafted.tar")
}

/// Asserts exit 1 / verdict fail, the hostile finding (path + problem, unexpected), that the
/// text names the path and the problem, and that no finding lies outside `paths`.
fn assert_hostile(r: &Run, path: &str, problem: &str, paths: &[&str]) {
    r.assert_report(1, "fail");
    let h = r.hostile(path, problem);
    assert_eq!(h["judgement"], "unexpected", "{r}");
    r.assert_paths_only(paths);
    if !path.is_empty() {
        r.assert_text_mentions(path);
    }
    r.assert_text_mentions(&format!("[{problem}]"));
    r.assert_text_mentions("verdict  FAIL");
    // The rest of the archive still matched: the prefix was kept.
    assert_eq!(r.json["archive"]["prefix"], "proj-1.0", "{r}");
    assert_eq!(r.json["summary"]["matched"], 6, "{r}");
}

#[test]
fn absolute_path() {
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all(); file('/etc/cron.d/evil', '* * * * * root sh\\n')",
    );
    let r = f.check(&t, &TAG);
    // Outside the prefix: named by its normalised archive path.
    assert_hostile(&r, "etc/cron.d/evil", "absolute-path", &["etc/cron.d/evil"]);
}

#[test]
fn absolute_path_inside_the_prefix() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); file('/proj-1.0/evil.sh', 'x')");
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "evil.sh", "absolute-path", &["evil.sh"]);
}

#[test]
fn dot_dot_component() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); file('proj-1.0/../evil.sh', 'x')");
    let r = f.check(&t, &TAG);
    let h = r.findings_at("../evil.sh");
    assert!(!h.is_empty(), "{r}");
    assert_hostile(&r, "../evil.sh", "dot-dot", &["../evil.sh"]);
}

#[test]
fn dot_dot_that_lands_on_a_git_path() {
    // `proj-1.0/src/../README` must never be mistaken for `README`.
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all(skip=('proj-1.0/README',)); file('proj-1.0/src/../README', 'evil\\n')",
    );
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    r.hostile("src/../README", "dot-dot");
    r.finding("README", "missing");
    r.assert_text_mentions("src/../README");
}

/// A NUL inside a pax path: readers that stop at the NUL and readers that keep it write
/// different files, so the header is refused (exit 1) naming the entry and the construct.
#[test]
fn nul_in_pax_path() {
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all()\nt = ti('proj-1.0/evil.txt')\nt.pax_headers = {'path': 'proj-1.0/evil\\x00.txt'}\nraw(t, 'x')",
    );
    let r = f.check(&t, &TAG);
    r.assert_code(1);
    assert_eq!(r.json["schema"], "tarseal.error/v1", "{r}");
    r.assert_stderr_mentions("pax key path whose value holds a newline or NUL byte")
        .assert_stderr_mentions("entry ");
}

#[test]
fn empty_name() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); file('', 'hidden payload\\n')");
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    let h: Vec<_> = r
        .findings()
        .into_iter()
        .filter(|x| x["problem"] == "empty-name")
        .collect();
    assert_eq!(h.len(), 1, "{r}");
    assert_eq!(h[0]["judgement"], "unexpected");
    r.assert_text_mentions("[empty-name]");
    // One nameless entry must not cost the prefix (every git path would be "missing").
    assert_eq!(r.json["archive"]["prefix"], "proj-1.0", "{r}");
    assert_eq!(r.json["summary"]["matched"], 6, "{r}");
}

#[test]
fn duplicate_second_copy_differs() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); file('proj-1.0/README', 'evil twin\\n')");
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    r.hostile("README", "duplicate");
    // The copy an extractor keeps is the second: it is what was compared.
    assert_eq!(r.finding("README", "modified")["judgement"], "unexpected");
    r.assert_paths_only(&["README"]);
    r.assert_text_mentions("README [duplicate]");
}

#[test]
fn duplicate_identical_copies() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); file('proj-1.0/README', 'hello, world\\n')");
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "README", "duplicate", &["README"]);
}

fn hardlink_fixture() -> Fixture {
    let f = Fixture::new();
    f.populate_standard();
    f.write("COPYING", "same text\n");
    f.write("docs/COPYING", "same text\n");
    f.commit("c");
    f.tag("v1.0");
    f
}

const HARDLINK: &str =
    "copy_all(skip=('proj-1.0/docs/COPYING',)); hardlink('proj-1.0/docs/COPYING', 'proj-1.0/COPYING')";

#[test]
fn hardlink_flagged() {
    let f = hardlink_fixture();
    let t = crafted(&f, HARDLINK);
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    let h = r.hostile("docs/COPYING", "hardlink");
    assert_eq!(h["judgement"], "unexpected");
    r.assert_paths_only(&["docs/COPYING"]);
    r.assert_text_mentions("docs/COPYING [hardlink]");
}

#[test]
fn hardlink_allowed_by_policy_when_content_equals_git() {
    let f = hardlink_fixture();
    let t = crafted(&f, HARDLINK);
    let p = f.policy_file(
        "[[rule]]\npath = \"**\"\nallow = [\"hardlink\"]\nreason = \"our release tool writes hard links for identical files\"\n",
    );
    let r = f.check(&t, &["--tag", "v1.0", "--policy", p.to_str().unwrap()]);
    r.assert_report(0, "pass")
        .assert_findings(&[("docs/COPYING", "hostile", "allowed")]);
    let h = r.hostile("docs/COPYING", "hardlink");
    assert_eq!(h["rule"], "policy:1", "{r}");
}

#[test]
fn hardlink_to_other_content_not_allowed_by_policy() {
    let f = hardlink_fixture();
    // docs/COPYING becomes a hard link to README, whose bytes differ from git's docs/COPYING.
    let t = crafted(
        &f,
        "copy_all(skip=('proj-1.0/docs/COPYING',)); hardlink('proj-1.0/docs/COPYING', 'proj-1.0/README')",
    );
    let p = f.policy_file(
        "[[rule]]\npath = \"**\"\nallow = [\"hardlink\"]\nreason = \"our release tool writes hard links\"\n",
    );
    let r = f.check(&t, &["--tag", "v1.0", "--policy", p.to_str().unwrap()]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.hostile("docs/COPYING", "hardlink")["judgement"],
        "unexpected",
        "{r}"
    );
    r.assert_paths_only(&["docs/COPYING"]);
}

#[test]
fn char_device() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); node('proj-1.0/null', tarfile.CHRTYPE)");
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "null", "device-node", &["null"]);
}

#[test]
fn block_device() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); node('proj-1.0/sda', tarfile.BLKTYPE)");
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "sda", "device-node", &["sda"]);
}

#[test]
fn fifo() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); node('proj-1.0/pipe', tarfile.FIFOTYPE)");
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "pipe", "fifo", &["pipe"]);
}

#[test]
fn setuid() {
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all(skip=('proj-1.0/bin/run.sh',)); file('proj-1.0/bin/run.sh', '#!/bin/sh\\necho run\\n', 0o4755)",
    );
    let r = f.check(&t, &TAG);
    // Same bytes and executable bit as git: the only finding is the setuid bit.
    assert_hostile(&r, "bin/run.sh", "setuid", &["bin/run.sh"]);
    r.assert_findings(&[("bin/run.sh", "hostile", "unexpected")]);
}

#[test]
fn setgid() {
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all(skip=('proj-1.0/bin/run.sh',)); file('proj-1.0/bin/run.sh', '#!/bin/sh\\necho run\\n', 0o2755)",
    );
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "bin/run.sh", "setgid", &["bin/run.sh"]);
    r.assert_findings(&[("bin/run.sh", "hostile", "unexpected")]);
}

#[test]
fn case_folding_collision() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); file('proj-1.0/readme', 'shadow\\n')");
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "readme", "name-collision", &["readme"]);
    let h = r.hostile("readme", "name-collision");
    assert!(h["detail"].as_str().unwrap().contains("README"), "{r}");
}

#[test]
fn case_collision_already_in_git_is_allowed() {
    let f = Fixture::new();
    f.populate_standard();
    f.write("readme", "lower\n");
    f.commit("c");
    f.tag("v1.0");
    let r = f.check(&f.tar_v1(), &TAG);
    r.assert_report(0, "pass");
    for x in r.findings() {
        assert_eq!(x["problem"], "name-collision", "{r}");
        assert_eq!(x["judgement"], "allowed", "{r}");
        assert_eq!(x["rule"], "builtin:collision-in-git", "{r}");
    }
    assert_eq!(r.findings().len(), 1, "{r}");
}

#[test]
fn unicode_normalisation_collision() {
    let f = Fixture::new();
    f.populate_standard();
    f.write("caf\u{e9}.txt", "nfc\n");
    f.commit("c");
    f.tag("v1.0");
    let t = crafted(&f, "copy_all(); file('proj-1.0/cafe\\u0301.txt', 'nfd\\n')");
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    let nfd = "cafe\u{301}.txt";
    let h = r.hostile(nfd, "name-collision");
    assert_eq!(h["judgement"], "unexpected");
    r.assert_paths_only(&[nfd]);
    r.assert_text_mentions(nfd);
}

#[test]
fn symlink_escapes_relative() {
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all(); symlink('proj-1.0/docs/passwd', '../../etc/passwd')",
    );
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "docs/passwd", "link-escapes", &["docs/passwd"]);
    assert!(
        r.hostile("docs/passwd", "link-escapes")["detail"]
            .as_str()
            .unwrap()
            .contains("../../etc/passwd"),
        "{r}"
    );
}

#[test]
fn symlink_escapes_absolute() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); symlink('proj-1.0/passwd', '/etc/passwd')");
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "passwd", "link-escapes", &["passwd"]);
}

#[test]
fn git_symlink_retargeted_outside() {
    // A symlink git has, pointed outside the tree: modified AND hostile.
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all(skip=('proj-1.0/link',)); symlink('proj-1.0/link', '/etc/shadow')",
    );
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    r.hostile("link", "link-escapes");
    r.finding("link", "modified");
    r.assert_paths_only(&["link"]);
}

#[test]
fn entry_through_symlink() {
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all(); symlink('proj-1.0/tmp', '/tmp'); file('proj-1.0/tmp/x', 'dropped outside\\n')",
    );
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    r.hostile("tmp/x", "through-symlink");
    r.hostile("tmp", "link-escapes");
    r.assert_paths_only(&["tmp", "tmp/x"]);
    r.assert_text_mentions("tmp/x [through-symlink]");
}

#[test]
fn entry_through_a_git_symlink() {
    // `link` is a symlink in git (to README); writing `link/x` goes through it.
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); file('proj-1.0/link/x', 'x')");
    let r = f.check(&t, &TAG);
    assert_hostile(&r, "link/x", "through-symlink", &["link/x"]);
}

// ---------------------------------------------------------------------------------------------
// Bombs and limits.
// ---------------------------------------------------------------------------------------------

/// A tar.gz whose single entry is `mb` MiB of zeros. Generated in a blink: one MiB of zeros is
/// deflated once after a full flush (which resets the compressor's history), and those bytes
/// are repeated `mb` times; the gzip header and trailer (CRC-32, size) are written by hand.
fn zero_bomb(f: &Fixture, mb: u64) -> PathBuf {
    let out = f.scratch("bomb.tar.gz");
    let script = format!(
        r#"
import sys, tarfile, zlib, struct
size = {mb} << 20
t = tarfile.TarInfo('proj-1.0/zeros.bin'); t.size = size; t.mtime = 1700000000
hdr = t.tobuf(format=tarfile.USTAR_FORMAT)
z = zlib.compressobj(9, zlib.DEFLATED, -15)
chunk = bytes(1 << 20)
end = bytes(1024)
with open(sys.argv[1], 'wb') as o:
    o.write(b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03')
    o.write(z.compress(hdr) + z.flush(zlib.Z_FULL_FLUSH))
    crc = zlib.crc32(hdr)
    c = z.compress(chunk) + z.flush(zlib.Z_FULL_FLUSH)
    for _ in range(size >> 20):
        o.write(c)
        crc = zlib.crc32(chunk, crc)
    o.write(z.compress(end) + z.flush())
    crc = zlib.crc32(end, crc)
    o.write(struct.pack('<II', crc & 0xffffffff, (len(hdr) + size + len(end)) & 0xffffffff))
"#
    );
    run_ok(
        std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&out),
    );
    out
}

#[test]
fn zero_bomb_is_a_valid_gzip() {
    // The generator itself: gzip -t accepts it and it expands to what it claims.
    let f = Fixture::new();
    let t = zero_bomb(&f, 3);
    let out = run_ok(std::process::Command::new("gzip").arg("-dc").arg(&t));
    assert_eq!(out.len(), 512 + (3 << 20) + 1024);
    assert!(out[512..].iter().all(|&b| b == 0));
}

#[test]
fn decompression_bomb_total_bytes() {
    let f = Fixture::standard();
    let t = zero_bomb(&f, 200);
    assert!(fs::metadata(&t).unwrap().len() < 1 << 20, "a bomb is small");
    let r = f.check(&t, &["--tag", "v1.0", "--max-total-bytes", "10M"]);
    // Stopped inside the first (and only) entry, which it names, and says which flag raises it.
    r.assert_code(1)
        .assert_stderr_mentions("--max-total-bytes")
        .assert_stderr_mentions("limit")
        .assert_stderr_mentions("zeros.bin");
}

#[test]
fn decompression_bomb_entry_bytes() {
    let f = Fixture::standard();
    let t = zero_bomb(&f, 20);
    let r = f.check(&t, &["--tag", "v1.0", "--max-entry-bytes", "1M"]);
    r.assert_code(1)
        .assert_stderr_mentions("--max-entry-bytes")
        .assert_stderr_mentions("zeros.bin");
}

#[test]
fn too_many_entries() {
    let f = Fixture::standard();
    let body: String = (0..10)
        .map(|i| format!("file('proj-1.0/f{i}', 'x')\n"))
        .collect();
    let t = f.py_tar(None, &body, "many.tar");
    let r = f.check(&t, &["--tag", "v1.0", "--max-entries", "5"]);
    r.assert_code(1).assert_stderr_mentions("--max-entries");
    // Within the limit: read to the end (and then fails on content, not on the limit).
    let r = f.check(&t, &["--tag", "v1.0", "--max-entries", "10"]);
    r.assert_report(1, "fail");
    assert!(!r.stderr.contains("--max-entries"), "{r}");
}

/// Many entries the tag lacks: the check keeps every entry until it judges them, so the memory
/// budget stops it (exit 1, the flag named, no report half made); raised, the same archive is
/// read to its end and judged entry by entry.
#[test]
fn too_many_extra_entries_for_the_metadata_budget() {
    let f = Fixture::standard();
    let body =
        "copy_all()\nfor i in range(3000):\n    file(f'proj-1.0/gen/d{i // 100}/f{i}.txt', '')\n";
    let t = f.py_tar(Some(&f.tar_v1()), body, "many-extra.tar");
    let r = f.check(&t, &["--tag", "v1.0", "--max-metadata-bytes", "200K"]);
    r.assert_code(1)
        .assert_stderr_mentions("--max-metadata-bytes")
        .assert_stderr_mentions("proj-1.0/gen/d");
    let r = f.check(&t, &["--tag", "v1.0"]);
    r.assert_report(1, "fail");
    assert!(!r.stderr.contains("--max-metadata-bytes"), "{r}");
    assert_eq!(r.json["summary"]["extra"], 3000, "{r}");
    assert_eq!(r.json["summary"]["matched"], 6, "{r}");
}

// ---------------------------------------------------------------------------------------------
// Broken streams.
// ---------------------------------------------------------------------------------------------

/// The standard project plus a 256 KiB incompressible file, so that cuts land in content.
fn big_fixture() -> Fixture {
    let f = Fixture::new();
    f.populate_standard();
    f.write("data.bin", noise(256 << 10, 7));
    f.commit("c");
    f.tag("v1.0");
    f
}

fn truncate_half(p: &Path) -> PathBuf {
    let b = fs::read(p).unwrap();
    let out = PathBuf::from(format!("{}.cut", p.display()));
    fs::write(&out, &b[..b.len() / 2]).unwrap();
    out
}

fn assert_truncated_or_corrupt(r: &Run) {
    r.assert_code(1);
    let e = r.stderr.to_lowercase();
    assert!(
        e.contains("truncated") || e.contains("corrupt"),
        "says truncated/corrupt\n{r}"
    );
    assert_eq!(r.json["schema"], "tarseal.error/v1", "{r}");
}

#[test]
fn truncated_tar_gz() {
    let f = big_fixture();
    let t = f.archive("v1.0", "proj-1.0", "tar.gz", "p.tar.gz");
    f.check(&t, &TAG).assert_clean_pass();
    assert_truncated_or_corrupt(&f.check(&truncate_half(&t), &TAG));
}

#[test]
fn truncated_tar_xz() {
    let f = big_fixture();
    let t = compress(&f.tar_v1(), "xz");
    assert_truncated_or_corrupt(&f.check(&truncate_half(&t), &TAG));
}

#[test]
fn truncated_tar_zst() {
    let f = big_fixture();
    let t = compress(&f.tar_v1(), "zstd");
    assert_truncated_or_corrupt(&f.check(&truncate_half(&t), &TAG));
}

#[test]
fn truncated_tar_bz2() {
    let f = big_fixture();
    let t = compress(&f.tar_v1(), "bzip2");
    assert_truncated_or_corrupt(&f.check(&truncate_half(&t), &TAG));
}

#[test]
fn truncated_plain_tar() {
    let f = big_fixture();
    let t = f.tar_v1();
    assert_truncated_or_corrupt(&f.check(&truncate_half(&t), &TAG));
}

#[test]
fn truncated_zip() {
    let f = big_fixture();
    let t = f.archive("v1.0", "proj-1.0", "zip", "p.zip");
    assert_truncated_or_corrupt(&f.check(&truncate_half(&t), &TAG));
}

#[test]
fn corrupt_bytes_in_the_middle_of_gz() {
    let f = big_fixture();
    let t = f.archive("v1.0", "proj-1.0", "tar.gz", "p.tar.gz");
    let mut b = fs::read(&t).unwrap();
    let mid = b.len() / 2;
    for x in &mut b[mid..mid + 64] {
        *x ^= 0x5a;
    }
    let bad = f.scratch("bad.tar.gz");
    fs::write(&bad, b).unwrap();
    assert_truncated_or_corrupt(&f.check(&bad, &TAG));
}

#[test]
fn data_after_the_tar_end() {
    let f = Fixture::standard();
    let t = f.tar_v1();
    append(
        &t,
        b"#!/bin/sh\necho hidden payload after the end-of-archive marker\n",
    );
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    let h: Vec<_> = r
        .findings()
        .into_iter()
        .filter(|x| x["problem"] == "trailing-data")
        .collect();
    assert_eq!(h.len(), 1, "{r}");
    assert_eq!(h[0]["judgement"], "unexpected", "{r}");
    r.assert_findings(&[("", "hostile", "unexpected")]);
    r.assert_text_mentions("[trailing-data]");
}

#[test]
fn data_after_the_tar_end_compressed() {
    let f = Fixture::standard();
    let t = f.tar_v1();
    append(&t, &noise(4096, 3));
    let r = f.check(&compress(&t, "xz"), &TAG);
    r.assert_report(1, "fail")
        .assert_findings(&[("", "hostile", "unexpected")]);
}

#[test]
fn not_an_archive() {
    let f = Fixture::standard();
    let p = f.scratch("notes.txt");
    fs::write(&p, "just some text, not an archive\n".repeat(100)).unwrap();
    let r = f.check(&p, &TAG);
    r.assert_code(1)
        .assert_stderr_mentions("not a recognised archive");
    let empty = f.scratch("empty.tar.gz");
    fs::write(&empty, b"").unwrap();
    f.check(&empty, &TAG).assert_code(1);
}

#[test]
fn missing_tarball_path() {
    let f = Fixture::standard();
    let p = f.scratch("does-not-exist.tar.gz");
    let r = f.check(&p, &TAG);
    r.assert_code(2)
        .assert_stderr_mentions("does-not-exist.tar.gz");
}

#[test]
fn repo_that_is_not_a_repository() {
    let f = Fixture::standard();
    let t = f.tar_v1();
    let not_repo = f.scratch("plain-dir");
    fs::create_dir(&not_repo).unwrap();
    let r = check_in(&not_repo, &t, &TAG);
    r.assert_code(2).assert_stderr_mentions("plain-dir");
    let nowhere = f.scratch("nowhere");
    check_in(&nowhere, &t, &TAG).assert_code(2);
}

#[test]
fn missing_tag() {
    let f = Fixture::standard();
    let t = f.tar_v1();
    let r = f.check(&t, &["--tag", "v9.9"]);
    r.assert_code(2).assert_stderr_mentions("v9.9");
    assert_eq!(r.json["schema"], "tarseal.error/v1", "{r}");
    // A branch of that name does not stand in for the tag.
    f.git(&["branch", "v9.9"]);
    f.check(&t, &["--tag", "v9.9"]).assert_code(2);
}

#[test]
fn missing_commit() {
    let f = Fixture::standard();
    let t = f.tar_v1();
    let r = f.check(
        &t,
        &["--commit", "0123456789abcdef0123456789abcdef01234567"],
    );
    r.assert_code(2);
}

#[test]
fn usage_errors() {
    let f = Fixture::standard();
    let t = f.tar_v1();
    // Neither --tag nor --commit, both, a bad size.
    f.check(&t, &[]).assert_code(2);
    f.check(&t, &["--tag", "v1.0", "--commit", "HEAD"])
        .assert_code(2);
    f.check(&t, &["--tag", "v1.0", "--max-total-bytes", "12Q"])
        .assert_code(2);
}

// ---------------------------------------------------------------------------------------------
// Zip archives with hostile names (Python's zipfile writes any name).
// ---------------------------------------------------------------------------------------------

/// The standard project's git-archive zip with extra members `(name, data)` appended.
fn crafted_zip(f: &Fixture, extra: &[(&str, &str)]) -> PathBuf {
    let base = f.archive("v1.0", "proj-1.0", "zip", "base.zip");
    let out = f.scratch("crafted.zip");
    let adds: String = extra
        .iter()
        .map(|(n, d)| format!("    z.writestr({n:?}, {d:?})\n"))
        .collect();
    let script = format!(
        "import sys, zipfile\nsrc = zipfile.ZipFile(sys.argv[2])\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    for i in src.infolist():\n        z.writestr(i, src.read(i))\n{adds}"
    );
    run_ok(
        std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&out)
            .arg(&base),
    );
    out
}

/// The standard project without its symlink: tarseal refuses any zip symlink (unzip makes a
/// link, zipfile a file), so the hostile-name zips are built on a project without one.
fn zip_fixture() -> Fixture {
    let f = Fixture::new();
    f.populate_standard();
    fs::remove_file(f.repo().join("link")).unwrap();
    f.commit("initial");
    f.tag("v1.0");
    f
}

#[test]
fn zip_dot_dot() {
    let f = zip_fixture();
    let t = crafted_zip(&f, &[("proj-1.0/../../evil.sh", "x")]);
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    assert_eq!(
        r.hostile("../../evil.sh", "dot-dot")["judgement"],
        "unexpected",
        "{r}"
    );
    assert_eq!(r.json["summary"]["matched"], 5, "{r}");
}

#[test]
fn zip_backslash_dot_dot() {
    // unzip makes backslashes separators, zipfile keeps them in the name: refused outright.
    let f = zip_fixture();
    let t = crafted_zip(&f, &[("proj-1.0\\..\\..\\evil.sh", "x")]);
    let r = f.check(&t, &TAG);
    r.assert_code(1)
        .assert_stderr_mentions("backslash in name")
        .assert_stderr_mentions("evil.sh");
    assert_eq!(r.json["schema"], "tarseal.error/v1", "{r}");
}

#[test]
fn zip_duplicate_names_the_entry() {
    // Both copies are read (the central directory is parsed here, not keyed by name): the
    // later one is what extraction leaves, and the repeat is hostile.
    let f = zip_fixture();
    let t = crafted_zip(&f, &[("proj-1.0/README", "evil twin\n")]);
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    assert_eq!(
        r.hostile("README", "duplicate")["judgement"],
        "unexpected",
        "{r}"
    );
    r.assert_text_mentions("README");
}

/// A sparse file (pax key GNU.sparse.*): refused with exit 1, the message naming the entry
/// index, its path and the construct (issue 11's example).
#[test]
fn sparse_pax_key_refused_naming_the_entry() {
    let f = Fixture::standard();
    let t = crafted(
        &f,
        "copy_all()\nt = ti('proj-1.0/src/x.c')\nt.pax_headers = {'GNU.sparse.map': '0,1'}\nraw(t, 'x')",
    );
    let r = f.check(&t, &TAG);
    r.assert_code(1);
    assert_eq!(r.json["schema"], "tarseal.error/v1", "{r}");
    r.assert_stderr_mentions(
        "`proj-1.0/src/x.c`: pax key GNU.sparse.map — sparse files are not allowed in release tarballs",
    );
}

/// A name that is not UTF-8 (Python writes `hdrcharset=BINARY`): a verdict naming the entry
/// (exit 1, finding `not-utf8`), not an input error.
#[test]
fn non_utf8_name_is_a_verdict() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); file('proj-1.0/\\udcff.txt', 'x')");
    let r = f.check(&t, &TAG);
    r.assert_report(1, "fail");
    let h: Vec<_> = r
        .findings()
        .into_iter()
        .filter(|x| x["problem"] == "not-utf8")
        .collect();
    assert_eq!(h.len(), 1, "{r}");
    assert_eq!(h[0]["judgement"], "unexpected", "{r}");
}

/// An empty directory git cannot hold is a note, not a failure; a world-writable file a
/// warning note.
#[test]
fn empty_directory_is_a_note_and_odd_modes_a_warning() {
    let f = Fixture::standard();
    let t = crafted(&f, "copy_all(); dir('proj-1.0/empty')");
    let r = f.check(&t, &TAG);
    r.assert_code(0);
    let notes = r.json["notes"].to_string();
    assert!(
        notes.contains("empty director") && notes.contains("empty"),
        "{r}"
    );

    let t = crafted(
        &f,
        "copy_all(skip=('proj-1.0/bin/run.sh',)); file('proj-1.0/bin/run.sh', '#!/bin/sh\\necho run\\n', 0o777)",
    );
    let r = f.check(&t, &TAG);
    r.assert_code(0);
    assert!(
        r.json["notes"].to_string().contains("world-writable"),
        "{r}"
    );
}
