//! One canonical tar reading: every header construct that extractors read differently is
//! refused with the entry and the construct named; the forms every extractor reads alike are
//! accepted. Each archive is built byte by byte. What GNU tar 1.34, bsdtar (libarchive 3.6),
//! Python 3.11 tarfile, node-tar 7 and the tar crate do with each construct was checked by
//! hand while building the parser; docs/formats.md has the table.

mod common;
use common::*;
use tarseal_archive::{ArchiveError, EntryKind, EntryProblem};

/// Expects a refusal of entry `index` whose construct contains `construct`.
#[track_caller]
fn refused(t: Vec<u8>, index: u64, construct: &str) -> String {
    match read(t) {
        Err(e @ ArchiveError::Refused { .. }) => {
            let ArchiveError::Refused {
                index: i,
                construct: c,
                ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(*i, index, "{e}");
            assert!(c.contains(construct), "{e}");
            e.to_string()
        }
        other => panic!("expected a refusal of {construct:?}, got {other:?}"),
    }
}

fn file(name: &[u8], content: &[u8]) -> [u8; 512] {
    raw_header(name, b'0', content.len() as u64, 0o644, b"", true)
}

/// A tar of `prefix` blocks, then one clean file entry, then the end marker.
fn with_entry(prefix: Vec<u8>, name: &[u8]) -> Vec<u8> {
    let mut t = prefix;
    push_entry(&mut t, file(name, b"x"), b"x");
    finish_tar(&mut t);
    t
}

/// A GNU 'L' or 'K' header with `body` as content (GNU magic, as GNU tar writes it).
fn push_gnu_long(t: &mut Vec<u8>, tf: u8, body: &[u8], link: &[u8]) {
    let mut h = raw_header(b"././@LongLink", tf, body.len() as u64, 0o644, link, false);
    h[257..265].copy_from_slice(b"ustar  \0");
    set_checksum(&mut h);
    push_entry(t, h, body);
}

#[test]
fn the_message_names_entry_path_and_construct() {
    let mut t = Vec::new();
    push_entry(&mut t, file(b"pkg/a", b"1"), b"1");
    push_pax(
        &mut t,
        b'x',
        &[("GNU.sparse.map", b"0,1"), ("path", b"pkg/x.c")],
    );
    let t = with_entry(t, b"pkg/x.c");
    let msg = refused(t, 1, "pax key GNU.sparse.map");
    assert_eq!(
        msg,
        "entry 1 `pkg/x.c`: pax key GNU.sparse.map — sparse files are not allowed in release tarballs"
    );
}

#[test]
fn two_pax_headers_before_one_entry() {
    let mut t = Vec::new();
    push_pax(&mut t, b'x', &[("path", b"pkg/a")]);
    push_pax(&mut t, b'x', &[("path", b"pkg/b")]);
    refused(with_entry(t, b"pkg/c"), 0, "two pax extended headers");
}

#[test]
fn same_pax_key_twice() {
    let mut t = Vec::new();
    push_pax(&mut t, b'x', &[("path", b"pkg/a"), ("path", b"pkg/b")]);
    refused(with_entry(t, b"pkg/c"), 0, "pax key path twice");
}

#[test]
fn pax_path_and_gnu_long_name_must_agree() {
    let long = format!("pkg/{}", "n".repeat(120));
    for pax_first in [true, false] {
        let mut t = Vec::new();
        if pax_first {
            push_pax(&mut t, b'x', &[("path", b"pkg/other")]);
            push_gnu_long(&mut t, b'L', format!("{long}\0").as_bytes(), b"");
        } else {
            push_gnu_long(&mut t, b'L', format!("{long}\0").as_bytes(), b"");
            push_pax(&mut t, b'x', &[("path", b"pkg/other")]);
        }
        refused(with_entry(t, b"pkg/short"), 0, "differ");
    }
    // Both naming the same path: every extractor writes that path.
    let mut t = Vec::new();
    push_pax(&mut t, b'x', &[("path", long.as_bytes())]);
    push_gnu_long(&mut t, b'L', format!("{long}\0").as_bytes(), b"");
    let (_, e) = read(with_entry(t, b"pkg/short")).unwrap();
    assert_eq!(e[0].path, long);
}

#[test]
fn two_gnu_long_names_and_long_link_mismatch() {
    let mut t = Vec::new();
    push_gnu_long(&mut t, b'L', b"pkg/first\0", b"");
    push_gnu_long(&mut t, b'L', b"pkg/second\0", b"");
    refused(with_entry(t, b"pkg/x"), 0, "two GNU long name headers");

    let mut t = Vec::new();
    push_gnu_long(&mut t, b'K', b"pkg/target-a\0", b"");
    push_pax(&mut t, b'x', &[("linkpath", b"pkg/target-b")]);
    push_entry(
        &mut t,
        raw_header(b"pkg/l", b'2', 0, 0o777, b"t", true),
        b"",
    );
    finish_tar(&mut t);
    refused(t, 0, "differ");
}

#[test]
fn gnu_long_name_with_a_linkname_or_garbage_after_nul() {
    let mut t = Vec::new();
    push_gnu_long(&mut t, b'L', b"pkg/long\0", b"pkg/evil");
    refused(
        with_entry(t, b"pkg/x"),
        0,
        "metadata header with a link name",
    );
    let mut t = Vec::new();
    push_gnu_long(&mut t, b'L', b"pkg/long\0pkg/hidden", b"");
    refused(with_entry(t, b"pkg/x"), 0, "bytes after its NUL");
}

#[test]
fn magic_less_metadata_headers() {
    for tf in [b'x', b'L'] {
        let mut t = Vec::new();
        let body = b"16 path=pkg/zz\n";
        push_entry(
            &mut t,
            raw_header(b"meta", tf, body.len() as u64, 0o644, b"", false),
            body,
        );
        refused(with_entry(t, b"pkg/x"), 0, "without ustar magic");
    }
}

#[test]
fn pax_keys_outside_the_allowlist() {
    for (key, value, want) in [
        (
            "GNU.sparse.size",
            &b"10"[..],
            "sparse files are not allowed",
        ),
        ("GNU.sparse.major", b"1", "sparse files are not allowed"),
        ("SCHILY.realsize", b"10", "sparse files are not allowed"),
        ("SCHILY.acl.access", b"user::rwx", "allowlist"),
        ("SCHILY.fflags", b"schg", "allowlist"),
        ("SCHILY.xattr.security.capability", b"x", "capabilities"),
        ("hdrcharset", b"EBCDIC", "not one the pax format allows"),
        ("size", b"", "empty value"),
        ("path", b"", "empty value"),
        ("path", b"pkg/a\nb", "newline or NUL"),
        ("size", b"1x", "not one the pax format allows"),
        ("mtime", b"yesterday", "not one the pax format allows"),
    ] {
        let mut t = Vec::new();
        push_pax(&mut t, b'x', &[(key, value)]);
        let msg = match read(with_entry(t, b"pkg/f")) {
            Err(e @ ArchiveError::Refused { .. }) => e.to_string(),
            other => panic!("{key}={value:?}: {other:?}"),
        };
        assert!(msg.contains(want), "{key}: {msg}");
        assert!(msg.starts_with("entry 0 `"), "{msg}");
    }
}

#[test]
fn allowed_pax_keys_are_read() {
    let mut t = Vec::new();
    push_pax(
        &mut t,
        b'x',
        &[
            ("path", b"pkg/long-name"),
            ("mtime", b"1700000000.123456789"),
            ("atime", b"1700000000"),
            ("ctime", b"-12.5"),
            ("uid", b"1000"),
            ("uname", b"builder"),
            ("SCHILY.xattr.user.origin", b"x"),
            ("LIBARCHIVE.xattr.com.apple.provenance", b"AQ=="),
            ("SCHILY.dev", b"2049"),
        ],
    );
    let (_, e) = read(with_entry(t, b"pkg/short")).unwrap();
    assert_eq!(e[0].path, "pkg/long-name");
}

#[test]
fn global_headers_comment_only_once() {
    // What `git archive` writes: accepted, the comment captured.
    let mut t = Vec::new();
    push_pax(
        &mut t,
        b'g',
        &[("comment", b"0123456789abcdef0123456789abcdef01234567")],
    );
    let (s, _) = read(with_entry(t, b"pkg/a")).unwrap();
    assert_eq!(
        s.pax_comment.as_deref(),
        Some("0123456789abcdef0123456789abcdef01234567")
    );
    for key in ["path", "size", "linkpath", "mtime", "uid"] {
        let mut t = Vec::new();
        push_pax(&mut t, b'g', &[(key, b"1")]);
        refused(with_entry(t, b"pkg/a"), 0, &format!("pax global key {key}"));
    }
    let mut t = Vec::new();
    push_pax(&mut t, b'g', &[("comment", b"a")]);
    push_pax(&mut t, b'g', &[("comment", b"b")]);
    refused(with_entry(t, b"pkg/a"), 0, "a second pax global header");
}

#[test]
fn numeric_fields_must_be_plain_octal() {
    // (field offset, bytes)
    for (at, bytes, what) in [
        (100, &b"0644xx\0\0"[..], "mode"),
        (100, b"\x000000644", "mode"),
        (108, b"12 34\0\0\0", "uid"),
        (116, b"abc\0\0\0\0\0", "gid"),
        (136, b"1400000000z\0", "mtime"),
        (136, b"\xff\0\0\0\0\0\0\0\0\0\0\x01", "mtime"),
        (136, b"\x81\0\0\0\0\0\0\0\0\0\0\x01", "mtime"),
        (329, b"00x\0\0\0\0\0", "devmajor"),
    ] {
        let mut h = file(b"pkg/a", b"x");
        h[at..at + bytes.len()].copy_from_slice(bytes);
        set_checksum(&mut h);
        let mut t = Vec::new();
        push_entry(&mut t, h, b"x");
        finish_tar(&mut t);
        refused(t, 0, &format!("{what} field"));
    }
    // Leading spaces and a space terminator are what old tars wrote; all readers take them.
    let mut h = file(b"pkg/a", b"x");
    h[100..108].copy_from_slice(b"   644 \0");
    set_checksum(&mut h);
    let mut t = Vec::new();
    push_entry(&mut t, h, b"x");
    finish_tar(&mut t);
    assert_eq!(read(t).unwrap().1[0].mode, 0o644);
    // GNU base-256 for a large uid: accepted.
    let mut h = file(b"pkg/a", b"x");
    h[108..116].copy_from_slice(&[0x80, 0, 0, 0, 0, 0x20, 0, 0]);
    set_checksum(&mut h);
    let mut t = Vec::new();
    push_entry(&mut t, h, b"x");
    finish_tar(&mut t);
    assert!(read(t).is_ok());
}

#[test]
fn signed_checksum_is_refused() {
    // A high byte in the name makes the signed and unsigned sums differ.
    let mut h = file(b"pkg/\xe9", b"x");
    h[148..156].copy_from_slice(b"        ");
    let signed: i64 = h.iter().map(|&b| i64::from(b as i8)).sum();
    h[148..156].copy_from_slice(format!("{signed:06o}\0 ").as_bytes());
    let mut t = Vec::new();
    push_entry(&mut t, h, b"x");
    finish_tar(&mut t);
    refused(t, 0, "signed bytes");
}

#[test]
fn ustar_version_and_unknown_magic() {
    for (magic, ok) in [
        (&b"ustar\x0000"[..], true),
        (b"ustar  \0", true),
        (b"ustar\0  ", false),
        (b"ustar\0\0\0", false),
        (b"ustaR\x0000", false),
    ] {
        let mut h = file(b"pkg/a", b"x");
        h[257..265].copy_from_slice(magic);
        set_checksum(&mut h);
        let mut t = Vec::new();
        push_entry(&mut t, h, b"x");
        finish_tar(&mut t);
        if ok {
            assert!(read(t).is_ok(), "{magic:?}");
        } else {
            refused(t, 0, "magic/version");
        }
    }
}

#[test]
fn prefix_bytes_outside_ustar_and_bytes_after_nul() {
    // A GNU header with bytes where ustar has its prefix (Python prepends them).
    let mut h = file(b"a.c", b"x");
    h[257..265].copy_from_slice(b"ustar  \0");
    h[345..348].copy_from_slice(b"pkg");
    set_checksum(&mut h);
    let mut t = Vec::new();
    push_entry(&mut t, h, b"x");
    finish_tar(&mut t);
    refused(t, 0, "prefix area of a GNU header");
    // Bytes after the NUL of the name.
    let mut t = Vec::new();
    push_entry(&mut t, file(b"pkg/a\0evil", b"x"), b"x");
    finish_tar(&mut t);
    refused(t, 0, "after the NUL that ends the name");
    // In ustar, the prefix is part of the name.
    let mut h = file(b"a.c", b"x");
    h[345..348].copy_from_slice(b"pkg");
    set_checksum(&mut h);
    let mut t = Vec::new();
    push_entry(&mut t, h, b"x");
    finish_tar(&mut t);
    assert_eq!(read(t).unwrap().1[0].path, "pkg/a.c");
}

#[test]
fn regular_file_named_like_a_directory() {
    for name in [&b"pkg/x/"[..], b"pkg/x/."] {
        let mut t = Vec::new();
        push_entry(&mut t, file(name, b"data"), b"data");
        finish_tar(&mut t);
        refused(t, 0, "ends in `/` or `/.`");
    }
    // An old-style (NUL type flag) empty entry with a trailing slash is a directory for
    // every reader.
    let mut t = Vec::new();
    push_entry(&mut t, raw_header(b"pkg/d/", 0, 0, 0o755, b"", false), b"");
    finish_tar(&mut t);
    assert_eq!(read(t).unwrap().1[0].kind, EntryKind::Directory);
}

#[test]
fn hard_link_with_content_is_refused() {
    let mut t = Vec::new();
    push_entry(&mut t, file(b"pkg/a", b"1"), b"1");
    push_entry(
        &mut t,
        raw_header(b"pkg/b", b'1', 3, 0o644, b"pkg/a", true),
        b"xyz",
    );
    finish_tar(&mut t);
    refused(t, 1, "hard link entry that declares 3 content bytes");
}

#[test]
fn trailing_zeros_are_padding_non_zero_bytes_are_flagged() {
    let mut t = with_entry(Vec::new(), b"pkg/a");
    t.extend([0u8; 10 * 512]);
    let (s, _) = read(t.clone()).unwrap();
    assert!(!s.trailing_data);
    t.extend(b"hidden");
    let (s, _) = read(t).unwrap();
    assert!(s.trailing_data);
}

#[test]
fn modes_git_cannot_hold_are_problems() {
    let mut t = Vec::new();
    for (name, tf, mode) in [
        (&b"pkg/sticky"[..], b'0', 0o1644),
        (b"pkg/unreadable", b'0', 0o244),
        (b"pkg/closed", b'5', 0o644),
        (b"pkg/wx", b'5', 0o300),
        (b"pkg/ok", b'5', 0o755),
        (b"pkg/link", b'2', 0o000),
    ] {
        let link: &[u8] = if tf == b'2' { b"ok" } else { b"" };
        push_entry(&mut t, raw_header(name, tf, 0, mode, link, true), b"");
    }
    finish_tar(&mut t);
    let (_, e) = read(t).unwrap();
    let p: Vec<_> = e.iter().map(|e| e.problems.clone()).collect();
    assert_eq!(p[0], [EntryProblem::Sticky]);
    assert_eq!(p[1], [EntryProblem::OwnerCannotRead]);
    assert_eq!(p[2], [EntryProblem::OwnerCannotEnter]);
    assert_eq!(p[3], [EntryProblem::OwnerCannotEnter]);
    assert!(p[4].is_empty() && p[5].is_empty(), "{p:?}");
    // World-writable and inverted modes are warnings, not problems.
    let warn = |mode: u32| {
        let mut t = Vec::new();
        push_entry(&mut t, raw_header(b"pkg/w", b'0', 0, mode, b"", true), b"");
        finish_tar(&mut t);
        let (_, e) = read(t).unwrap();
        assert!(e[0].problems.is_empty());
        tarseal_archive::mode_warning(&e[0])
    };
    assert!(warn(0o666).unwrap().contains("world-writable"));
    assert!(warn(0o464).unwrap().contains("owner does not have"));
    assert_eq!(warn(0o644), None);
    // A setgid directory (Debian's make-dfsg 4.3 orig tarball has them): a warning.
    let mut t = Vec::new();
    push_entry(
        &mut t,
        raw_header(b"pkg/d", b'5', 0, 0o2755, b"", true),
        b"",
    );
    finish_tar(&mut t);
    let (_, e) = read(t).unwrap();
    assert!(e[0].problems.is_empty(), "{:?}", e[0].problems);
    assert!(tarseal_archive::mode_warning(&e[0])
        .unwrap()
        .contains("setgid directory"));
    assert_eq!(warn(0o775), None);
}

#[test]
fn path_length_and_depth_limits() {
    let deep = "d/".repeat(300) + "f";
    let mut t = Vec::new();
    push_pax(&mut t, b'x', &[("path", deep.as_bytes())]);
    match read(with_entry(t, b"x")) {
        Err(ArchiveError::LimitExceeded { flag, limit, .. }) => {
            assert_eq!((flag, limit), ("--max-path-depth", 256))
        }
        other => panic!("{other:?}"),
    }
    let long = "a".repeat(5000);
    let mut t = Vec::new();
    push_pax(&mut t, b'x', &[("path", long.as_bytes())]);
    match read(with_entry(t, b"x")) {
        Err(ArchiveError::LimitExceeded { flag, limit, .. }) => {
            assert_eq!((flag, limit), ("--max-path-bytes", 4096))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pax_record_length_with_a_leading_zero() {
    // node-tar reads `020 path=pkg/evil.c` as the key ` path` and ignores it.
    let body = b"020 path=pkg/evil.c\n";
    assert_eq!(body.len(), 20);
    let mut t = Vec::new();
    let h = raw_header(b"pax_header", b'x', body.len() as u64, 0o644, b"", true);
    push_entry(&mut t, h, body);
    refused(with_entry(t, b"pkg/a"), 0, "with a leading zero");
}

#[test]
fn gnu_long_name_with_two_nuls() {
    // The tar crate (cargo) strips one NUL and fails on the name that still holds one.
    let mut t = Vec::new();
    push_gnu_long(&mut t, b'L', b"pkg/long.c\0\0", b"");
    refused(with_entry(t, b"pkg/a"), 0, "more than one NUL");
    // One NUL (GNU tar, Python, bsdtar) or none: read.
    for body in [&b"pkg/long.c\0"[..], b"pkg/long.c"] {
        let mut t = Vec::new();
        push_gnu_long(&mut t, b'L', body, b"");
        assert_eq!(
            read(with_entry(t, b"pkg/a")).unwrap().1[0].path,
            "pkg/long.c"
        );
    }
}

#[test]
fn old_style_directory_rule_only_where_every_reader_applies_it() {
    // Renamed by a pax path: Python judges the header's own name, the others the final one.
    for (own, pax) in [(&b"pkg/x"[..], &b"pkg/d/"[..]), (b"pkg/d/", b"pkg/x")] {
        let mut t = Vec::new();
        push_pax(&mut t, b'x', &[("path", pax)]);
        push_entry(&mut t, raw_header(own, 0, 0, 0o755, b"", true), b"");
        finish_tar(&mut t);
        refused(t, 0, "renamed by a pax path or GNU long name");
    }
    // A ustar header: the tar crate makes a file there.
    let mut t = Vec::new();
    push_entry(&mut t, raw_header(b"pkg/d/", 0, 0, 0o755, b"", true), b"");
    finish_tar(&mut t);
    refused(t, 0, "in a ustar header");
    // A GNU header: a directory for all.
    let mut h = raw_header(b"pkg/d/", 0, 0, 0o755, b"", false);
    h[257..265].copy_from_slice(b"ustar  \0");
    set_checksum(&mut h);
    let mut t = Vec::new();
    push_entry(&mut t, h, b"");
    finish_tar(&mut t);
    assert_eq!(read(t).unwrap().1[0].kind, EntryKind::Directory);
}

#[test]
fn blank_and_digitless_numeric_fields() {
    // Only spaces: GNU tar errors (and makes the file 0777 for a mode), the others read 0.
    for (range, what) in [
        (100..108, "mode"),
        (108..116, "uid"),
        (116..124, "gid"),
        (124..136, "size"),
        (136..148, "mtime"),
    ] {
        let mut h = file(b"pkg/a", b"");
        h[range].fill(b' ');
        set_checksum(&mut h);
        let mut t = Vec::new();
        push_entry(&mut t, h, b"");
        finish_tar(&mut t);
        let msg = refused(t, 0, &format!("{what} field"));
        assert!(msg.contains("only spaces"), "{msg}");
    }
    // A size of only NUL bytes: the tar crate fails on it.
    let mut h = file(b"pkg/a", b"");
    h[124..136].fill(0);
    set_checksum(&mut h);
    let mut t = Vec::new();
    push_entry(&mut t, h, b"");
    finish_tar(&mut t);
    refused(t, 0, "no digit");
    // Empty uid, gid, mtime and device fields are read as 0 by every reader.
    let mut h = file(b"pkg/a", b"");
    h[108..124].fill(0);
    h[136..148].fill(0);
    h[329..345].fill(0);
    set_checksum(&mut h);
    let mut t = Vec::new();
    push_entry(&mut t, h, b"");
    finish_tar(&mut t);
    assert!(read(t).is_ok());
}

#[test]
fn hard_link_to_a_symlink_or_directory() {
    for (kind, target) in [(b'2', &b"a"[..]), (b'5', b"")] {
        let mut t = Vec::new();
        push_entry(&mut t, file(b"pkg/a", b"1"), b"1");
        push_entry(
            &mut t,
            raw_header(b"pkg/s", kind, 0, 0o755, target, true),
            b"",
        );
        push_entry(
            &mut t,
            raw_header(b"pkg/h", b'1', 0, 0o644, b"pkg/s", true),
            b"",
        );
        finish_tar(&mut t);
        let (_, entries) = read(t).unwrap();
        assert!(
            entries[2]
                .problems
                .contains(&EntryProblem::HardlinkToNonFile {
                    target: "pkg/s".into()
                }),
            "{:?}",
            entries[2].problems
        );
    }
    // A target ending in `/` or `/.`: link(2) fails, Python and node-tar make the file.
    for target in [&b"pkg/a/"[..], b"pkg/./a/."] {
        let mut t = Vec::new();
        push_entry(&mut t, file(b"pkg/a", b"1"), b"1");
        push_entry(
            &mut t,
            raw_header(b"pkg/h", b'1', 0, 0o644, target, true),
            b"",
        );
        finish_tar(&mut t);
        let (_, entries) = read(t).unwrap();
        assert!(
            matches!(
                entries[1].problems[..],
                [_, EntryProblem::HardlinkToNonFile { .. }]
            ),
            "{:?}",
            entries[1].problems
        );
    }
    // A hard link to a file is only a hard link.
    let mut t = Vec::new();
    push_entry(&mut t, file(b"pkg/a", b"1"), b"1");
    push_entry(
        &mut t,
        raw_header(b"pkg/h", b'1', 0, 0o644, b"pkg/a", true),
        b"",
    );
    finish_tar(&mut t);
    assert_eq!(read(t).unwrap().1[1].problems, vec![EntryProblem::Hardlink]);
}

#[test]
fn link_name_field_on_a_non_link() {
    // node-tar: "linkpath forbidden"; the others ignore the field.
    for (name, tf) in [(&b"pkg/x"[..], b'0'), (b"pkg/x/", b'5')] {
        let mut t = Vec::new();
        let h = raw_header(name, tf, 0, 0o755, b"pkg/a", true);
        push_entry(&mut t, h, b"");
        finish_tar(&mut t);
        refused(t, 0, "a link name field on an entry that is not a link");
    }
}
