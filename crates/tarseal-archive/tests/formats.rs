//! Every format reads to the same entries and blob ids; tar dialects; zip specifics.

mod common;
use common::*;
use std::process::Command;
use tarseal_archive::{ArchiveError, ContentWants, Entry, EntryKind, Format, Limits};

fn git_hash_object(data: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    std::fs::write(&p, data).unwrap();
    let out = Command::new("git")
        .arg("hash-object")
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// (path, kind, mode, blob id, link target) of an entry.
type Shape = (String, EntryKind, u32, Option<String>, Option<String>);

fn shape(entries: &[Entry]) -> Vec<Shape> {
    entries
        .iter()
        .map(|e| {
            (
                e.path.clone(),
                e.kind,
                e.mode,
                e.blob_id.map(|b| b.to_string()),
                e.link_target.clone(),
            )
        })
        .collect()
}

fn sample_zip() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default();
    w.add_directory("pkg-1.0/", o.unix_permissions(0o755))
        .unwrap();
    w.start_file("pkg-1.0/README", o.unix_permissions(0o644))
        .unwrap();
    std::io::Write::write_all(&mut w, b"hello\n").unwrap();
    w.start_file("pkg-1.0/run.sh", o.unix_permissions(0o755))
        .unwrap();
    std::io::Write::write_all(&mut w, b"#!/bin/sh\necho hi\n").unwrap();
    w.start_file("pkg-1.0/data/big.bin", o.unix_permissions(0o644))
        .unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::io::Write::write_all(&mut w, &big).unwrap();
    // No symlink: zip symlinks are refused (unzip makes a link, zipfile a regular file).
    w.finish().unwrap().into_inner()
}

#[test]
fn every_format_round_trips_the_same_entries() {
    let tar = sample_tar();
    let (summary, reference) = read(tar.clone()).unwrap();
    assert_eq!(summary.format, Some(Format::Tar));
    assert_eq!(summary.entries, 5);
    assert!(!summary.trailing_data);
    let expected = shape(&reference);
    assert_eq!(
        expected[1],
        (
            "pkg-1.0/README".into(),
            EntryKind::File,
            0o644,
            Some(git_hash_object(b"hello\n")),
            None
        )
    );
    assert_eq!(expected[0].1, EntryKind::Directory);
    assert_eq!(expected[2].2, 0o755);
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(expected[3].3, Some(git_hash_object(&big)));
    assert_eq!(reference[3].size, 300_000);
    // A symlink's blob is the blob of its target, as in git.
    assert_eq!(expected[4].3, Some(git_hash_object(b"README")));
    assert_eq!(expected[4].4.as_deref(), Some("README"));
    assert!(
        reference.iter().all(|e| e.problems.is_empty()),
        "{reference:?}"
    );

    for (bytes, format) in [
        (gz(&tar), Format::TarGz),
        (xz(&tar), Format::TarXz),
        (bz2(&tar), Format::TarBz2),
        (zst(&tar), Format::TarZst),
    ] {
        let len = bytes.len() as u64;
        let (s, entries) = read(bytes).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(s.format, Some(format));
        assert_eq!(shape(&entries), expected, "{format:?}");
        assert_eq!(s.compressed_bytes, len, "{format:?}");
        assert!(
            entries.iter().all(|e| e.problems.is_empty()),
            "{format:?}: {entries:?}"
        );
    }
    let zip = sample_zip();
    let len = zip.len() as u64;
    let (s, entries) = read(zip).unwrap();
    assert_eq!(s.format, Some(Format::Zip));
    assert_eq!(shape(&entries), expected[..4], "zip");
    assert_eq!(s.compressed_bytes, len);
    assert!(entries.iter().all(|e| e.problems.is_empty()), "{entries:?}");
}

/// A second gzip member is refused (cargo's flate2 `GzDecoder` stops after the first member,
/// GNU tar, bsdtar, Python and node-tar read every member, checked by hand with each), zero
/// padding after the member is accepted (gzip and Python skip it), and concatenated xz and
/// bzip2 streams are read whole (every reader of those formats decodes all streams).
#[test]
fn concatenated_gzip_members_are_refused_xz_and_bzip2_streams_read() {
    let mut b = tar::Builder::new(Vec::new());
    add_file(&mut b, "a", b"1", 0o644);
    let first = b.into_inner().unwrap(); // no end marker
    let mut b = tar::Builder::new(Vec::new());
    add_file(&mut b, "b", b"2", 0o644);
    let second = b.into_inner().unwrap();
    let first = &first[..first.len() - 1024];
    let mut bytes = gz(first);
    bytes.extend(gz(&second));
    let err = read(bytes).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Refused { index: 1, construct, .. }
            if construct.starts_with("a second gzip member at compressed byte")),
        "{err}"
    );
    assert!(err.to_string().contains("cargo"), "{err}");

    let mut padded = gz(&second);
    padded.extend([0u8; 4096]);
    let (_, entries) = read(padded).unwrap();
    assert_eq!(entries.len(), 1);

    for (name, enc) in [("xz", xz as fn(&[u8]) -> Vec<u8>), ("bzip2", bz2)] {
        let mut bytes = enc(first);
        bytes.extend(enc(&second));
        let (_, entries) = read(bytes).unwrap();
        let paths: Vec<_> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a", "b"], "{name}");
    }
}

#[test]
fn git_archive_output_matches_git_and_carries_the_commit_id() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(dir.path())
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    git(&["init", "-q"]);
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/a.c"), "int main(){}\n").unwrap();
    std::fs::write(dir.path().join("README"), "read me\n").unwrap();
    std::os::unix::fs::symlink("src/a.c", dir.path().join("link")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "x"]);
    let commit = String::from_utf8(git(&["rev-parse", "HEAD"])).unwrap();
    let archive = git(&["archive", "--format=tar.gz", "--prefix=pkg-1.0/", "HEAD"]);
    let tree = String::from_utf8(git(&["ls-tree", "-r", "HEAD"])).unwrap();

    let (summary, entries) = read(archive).unwrap();
    assert_eq!(summary.format, Some(Format::TarGz));
    assert_eq!(summary.pax_comment.as_deref(), Some(commit.trim()));
    for line in tree.lines() {
        let (meta, path) = line.split_once('\t').unwrap();
        let id = meta.split(' ').nth(2).unwrap();
        let e = entries
            .iter()
            .find(|e| e.path == format!("pkg-1.0/{path}"))
            .unwrap_or_else(|| panic!("{path} missing"));
        assert_eq!(e.blob_id.unwrap().to_string(), id, "{path}");
    }
    assert!(entries.iter().all(|e| e.problems.is_empty()));
}

#[test]
fn old_v7_tar_with_nul_typeflag() {
    let mut t = Vec::new();
    push_entry(&mut t, raw_header(b"old/", 0, 0, 0o755, b"", false), b"");
    push_entry(
        &mut t,
        raw_header(b"old/file", 0, 6, 0o644, b"", false),
        b"hello\n",
    );
    finish_tar(&mut t);
    assert_eq!(Format::sniff(&t), Some(Format::Tar));
    let (_, entries) = read(t).unwrap();
    assert_eq!(entries[0].kind, EntryKind::Directory);
    assert_eq!(entries[0].path, "old");
    assert_eq!(entries[1].kind, EntryKind::File);
    assert_eq!(
        entries[1].blob_id.unwrap().to_string(),
        git_hash_object(b"hello\n")
    );
}

#[test]
fn gnu_long_name_over_100_bytes() {
    let long = format!("pkg/{}/file.txt", "d".repeat(150));
    let mut b = tar::Builder::new(Vec::new());
    add_file(&mut b, &long, b"x", 0o644);
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    let long_target = format!("{}/target", "t".repeat(120));
    b.append_link(&mut link, "pkg/l", &long_target).unwrap();
    let (_, entries) = read(b.into_inner().unwrap()).unwrap();
    assert_eq!(entries[0].path, long);
    assert_eq!(
        entries[1].link_target.as_deref(),
        Some(long_target.as_str())
    );
    assert_eq!(entries.len(), 2);
}

#[test]
fn pax_path_linkpath_and_size_override_the_header() {
    let mut t = Vec::new();
    let long = format!("pkg/{}/é.txt", "p".repeat(200));
    push_pax(&mut t, b'x', &[("path", long.as_bytes()), ("size", b"3")]);
    // The ustar header says size 0 and another name; pax wins.
    push_entry(
        &mut t,
        raw_header(b"short", b'0', 0, 0o644, b"", true),
        b"abc",
    );
    push_pax(&mut t, b'x', &[("linkpath", b"pkg/target")]);
    push_entry(
        &mut t,
        raw_header(b"pkg/l", b'2', 0, 0o777, b"wrong", true),
        b"",
    );
    finish_tar(&mut t);
    let (_, entries) = read(t).unwrap();
    assert_eq!(entries[0].path, long);
    assert_eq!(entries[0].size, 3);
    assert_eq!(
        entries[0].blob_id.unwrap().to_string(),
        git_hash_object(b"abc")
    );
    assert_eq!(entries[1].link_target.as_deref(), Some("pkg/target"));
    assert_eq!(entries.len(), 2);
}

#[test]
fn pax_global_comment_is_captured_and_not_an_entry() {
    let mut t = Vec::new();
    push_pax(
        &mut t,
        b'g',
        &[("comment", b"0123456789abcdef0123456789abcdef01234567")],
    );
    push_entry(&mut t, raw_header(b"a", b'0', 1, 0o644, b"", true), b"x");
    finish_tar(&mut t);
    let (s, entries) = read(t).unwrap();
    assert_eq!(
        s.pax_comment.as_deref(),
        Some("0123456789abcdef0123456789abcdef01234567")
    );
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].index, 0);
}

#[test]
fn ustar_prefix_field_is_joined() {
    let mut h = raw_header(b"name.txt", b'0', 0, 0o644, b"", true);
    h[345..352].copy_from_slice(b"pkg/dir");
    set_checksum(&mut h);
    let mut t = Vec::new();
    push_entry(&mut t, h, b"");
    finish_tar(&mut t);
    assert_eq!(read(t).unwrap().1[0].path, "pkg/dir/name.txt");
}

#[test]
fn trailing_garbage_after_the_end_marker_is_flagged() {
    let mut t = sample_tar();
    assert!(!read(t.clone()).unwrap().0.trailing_data);
    t.extend_from_slice(&[0u8; 4096]);
    assert!(!read(gz(&t)).unwrap().0.trailing_data, "zeros are padding");
    t.extend_from_slice(b"evil extra bytes");
    let (s, entries) = read(gz(&t)).unwrap();
    assert!(s.trailing_data);
    assert_eq!(entries.len(), 5);
}

#[test]
fn stream_without_end_marker_is_accepted_on_an_entry_boundary() {
    let mut t = Vec::new();
    push_entry(
        &mut t,
        raw_header(b"a", b'0', 5, 0o644, b"", true),
        b"12345",
    );
    let (_, entries) = read(t).unwrap();
    assert_eq!(entries.len(), 1);
}

#[test]
fn content_wants_sha256_and_keep() {
    let wants = ContentWants {
        sha256: true,
        keep_up_to: Some(10),
    };
    let (_, entries) = read_with(sample_tar(), Limits::default(), wants).unwrap();
    let readme = &entries[1];
    assert_eq!(readme.content.as_deref(), Some(&b"hello\n"[..]));
    // sha256("hello\n")
    assert_eq!(
        hex(&readme.sha256.unwrap()),
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
    assert_eq!(entries[3].content, None, "300 kB is over the cap");
    assert!(entries[3].sha256.is_some());
    assert_eq!(entries[0].content, None, "directories have no content");
    assert_eq!(
        entries[4].content.as_deref(),
        Some(&b"README"[..]),
        "symlink target"
    );
    let (_, plain) = read(sample_tar()).unwrap();
    assert!(plain
        .iter()
        .all(|e| e.sha256.is_none() && e.content.is_none()));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn progress_reports_compressed_bytes() {
    let bytes = gz(&sample_tar());
    let total = bytes.len() as u64;
    let mut seen = Vec::new();
    let options = tarseal_archive::ReadOptions {
        limits: Limits::default(),
        object_hash: tarseal_archive::HashKind::Sha1,
        raw_digests: false,
        raw_observer: None,
    };
    tarseal_archive::read_archive(
        std::io::Cursor::new(bytes),
        &options,
        |_, _| ContentWants::default(),
        |_| {},
        |n| seen.push(n),
    )
    .unwrap();
    assert_eq!(seen.len(), 5);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert!(*seen.last().unwrap() <= total);
}

#[test]
fn sha256_object_format_blob_ids() {
    let options = tarseal_archive::ReadOptions {
        limits: Limits::default(),
        object_hash: tarseal_archive::HashKind::Sha256,
        raw_digests: false,
        raw_observer: None,
    };
    let mut ids = Vec::new();
    tarseal_archive::read_archive(
        std::io::Cursor::new(sample_tar()),
        &options,
        |_, _| ContentWants::default(),
        |e| ids.push(e.blob_id),
        |_| {},
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), b"hello\n").unwrap();
    let out = Command::new("git")
        .current_dir(dir.path())
        .args(["init", "-q", "--object-format=sha256", "r"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = Command::new("git")
        .current_dir(dir.path().join("r"))
        .args(["hash-object", "../f"])
        .output()
        .unwrap();
    let expected = String::from_utf8(out.stdout).unwrap();
    assert_eq!(ids[1].unwrap().to_string(), expected.trim());
}

#[test]
fn sniff_formats() {
    assert_eq!(Format::sniff(&[0x1f, 0x8b, 8]), Some(Format::TarGz));
    assert_eq!(Format::sniff(b"\xfd7zXZ\0rest"), Some(Format::TarXz));
    assert_eq!(Format::sniff(b"BZh91AY"), Some(Format::TarBz2));
    assert_eq!(
        Format::sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
        Some(Format::TarZst)
    );
    assert_eq!(Format::sniff(b"PK\x03\x04"), Some(Format::Zip));
    assert_eq!(Format::sniff(b"PK\x05\x06"), Some(Format::Zip));
    assert_eq!(Format::sniff(&sample_tar()), Some(Format::Tar));
    assert_eq!(Format::sniff(b"hello world"), None);
    assert_eq!(Format::sniff(&[b'x'; 600]), None);
    assert_eq!(Format::sniff(&[]), None);
    assert!(matches!(
        read(b"just some text that is not an archive".to_vec()),
        Err(tarseal_archive::ArchiveError::UnknownFormat)
    ));
    assert!(matches!(
        read(Vec::new()),
        Err(tarseal_archive::ArchiveError::UnknownFormat)
    ));
}

#[test]
fn empty_archives() {
    let (s, e) = read(vec![0u8; 10240]).unwrap();
    assert_eq!((s.entries, e.len(), s.trailing_data), (0, 0, false));
    let z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()))
        .finish()
        .unwrap()
        .into_inner();
    assert!(z.starts_with(b"PK\x05\x06"));
    let (s, _) = read(z).unwrap();
    assert_eq!(s.entries, 0);
}

#[test]
fn zip_without_unix_attributes_gets_default_modes() {
    let out = tempfile::tempdir().unwrap();
    let src = out.path().join("src");
    std::fs::create_dir_all(src.join("d")).unwrap();
    std::fs::write(src.join("d/f.txt"), b"hello\n").unwrap();
    // `zip -X` drops extra attributes; Info-ZIP still writes unix modes, so build with the
    // crate and a DOS "made by" instead.
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("f.txt", SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut w, b"hello\n").unwrap();
    let mut z = w.finish().unwrap().into_inner();
    // Patch "version made by" (central directory offset 4..6) to MS-DOS (host 0).
    let cd = z.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    z[cd + 5] = 0;
    let (_, entries) = read(z).unwrap();
    assert_eq!(entries[0].mode, 0o644);
    assert_eq!(
        entries[0].blob_id.unwrap().to_string(),
        git_hash_object(b"hello\n")
    );

    // And Info-ZIP's own output, with unix modes.
    let zip_path = out.path().join("x.zip");
    let st = Command::new("zip")
        .current_dir(&src)
        .args(["-qry", zip_path.to_str().unwrap(), "d"])
        .status();
    if let Ok(st) = st {
        assert!(st.success());
        let (_, entries) = read(std::fs::read(&zip_path).unwrap()).unwrap();
        let f = entries.iter().find(|e| e.path == "d/f.txt").unwrap();
        assert_eq!(f.blob_id.unwrap().to_string(), git_hash_object(b"hello\n"));
        assert!(entries.iter().all(|e| e.problems.is_empty()), "{entries:?}");
    }
}

#[test]
fn zip_local_header_name_differing_from_central_directory_is_flagged() {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("pkg/good.txt", o).unwrap();
    std::io::Write::write_all(&mut w, b"x").unwrap();
    let mut z = w.finish().unwrap().into_inner();
    // The first occurrence of the name is in the local header.
    let at = z.windows(12).position(|w| w == b"pkg/good.txt").unwrap();
    z[at + 4..at + 8].copy_from_slice(b"evil");
    let err = read(z).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Refused { construct, path, index: 0, .. }
            if construct.starts_with("zip central/local header mismatch") && path == "pkg/good.txt"),
        "{err}"
    );
    assert!(err.to_string().contains("pkg/evil.txt"), "{err}");
}
