//! One test per hostile entry: each is reported in `Entry::problems`, and reading goes on.

mod common;
use common::*;
use tarseal_archive::{Entry, EntryKind, EntryProblem};

/// Builds a ustar archive of raw (name, typeflag, mode, link, content) entries and reads it.
/// (name, typeflag, mode, link target, content) of a raw tar entry.
type Raw<'a> = (&'a [u8], u8, u32, &'a [u8], &'a [u8]);

fn entries(items: &[Raw<'_>]) -> Vec<Entry> {
    let mut t = Vec::new();
    for (name, tf, mode, link, content) in items {
        push_entry(
            &mut t,
            raw_header(name, *tf, content.len() as u64, *mode, link, true),
            content,
        );
    }
    // A clean entry after the hostile ones proves that reading continued.
    push_entry(
        &mut t,
        raw_header(b"pkg/after", b'0', 2, 0o644, b"", true),
        b"ok",
    );
    finish_tar(&mut t);
    let (summary, entries) = read(t).unwrap();
    assert_eq!(summary.entries as usize, items.len() + 1);
    assert!(entries.last().unwrap().problems.is_empty(), "{entries:?}");
    entries
}

fn problems_of(items: &[Raw<'_>]) -> Vec<Vec<EntryProblem>> {
    entries(items).into_iter().map(|e| e.problems).collect()
}

#[test]
fn absolute_path() {
    let e = entries(&[(b"/etc/passwd", b'0', 0o644, b"", b"x")]);
    assert_eq!(e[0].problems, [EntryProblem::AbsolutePath]);
    assert_eq!(e[0].raw_path(), "/etc/passwd");
    assert_eq!(e[0].path, "etc/passwd");
}

#[test]
fn dot_dot() {
    let e = entries(&[(b"pkg/../../x", b'0', 0o644, b"", b"x")]);
    assert_eq!(e[0].problems, [EntryProblem::DotDot]);
    assert_eq!(
        e[0].path, "pkg/../../x",
        "'..' is kept, never resolved away"
    );
}

/// A NUL inside a pax path: readers that stop at it and readers that do not write different
/// files, so the header is refused before any entry is made of it.
#[test]
fn nul_in_name_through_pax() {
    let mut t = Vec::new();
    push_pax(&mut t, b'x', &[("path", b"pkg/a\0b")]);
    push_entry(&mut t, raw_header(b"x", b'0', 0, 0o644, b"", true), b"");
    finish_tar(&mut t);
    match read(t) {
        Err(tarseal_archive::ArchiveError::Refused {
            index, construct, ..
        }) => assert_eq!(
            (index, construct.as_str()),
            (0, "pax key path whose value holds a newline or NUL byte")
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_name() {
    assert_eq!(
        problems_of(&[(b"", b'0', 0o644, b"", b"x")])[0],
        [EntryProblem::EmptyName]
    );
    // `./` as a regular file is a name ending in `/`: refused (extractors make a directory).
    let mut t = Vec::new();
    push_entry(&mut t, raw_header(b"./", b'0', 1, 0o644, b"", true), b"x");
    finish_tar(&mut t);
    assert!(matches!(
        read(t),
        Err(tarseal_archive::ArchiveError::Refused { index: 0, .. })
    ));
    // `./` as a directory is the archive root that `tar -C dir -cf x.tar .` writes.
    assert!(problems_of(&[(b"./", b'5', 0o755, b"", b"")])[0].is_empty());
}

#[test]
fn not_utf8() {
    assert_eq!(
        problems_of(&[(b"pkg/\xff", b'0', 0o644, b"", b"")])[0],
        [EntryProblem::NotUtf8]
    );
}

#[test]
fn duplicate_names_the_first_index() {
    let p = problems_of(&[
        (b"pkg/", b'5', 0o755, b"", b""),
        (b"pkg/a", b'0', 0o644, b"", b"good"),
        (b"./pkg/a", b'0', 0o644, b"", b"evil"),
        (b"pkg/", b'5', 0o755, b"", b""),
    ]);
    assert!(p[1].is_empty());
    assert_eq!(p[2], [EntryProblem::Duplicate { first_index: 1 }]);
    assert_eq!(
        p[3],
        [EntryProblem::Duplicate { first_index: 0 }],
        "repeated dirs too"
    );
}

#[test]
fn hardlink() {
    let p = problems_of(&[
        (b"pkg/a", b'0', 0o644, b"", b"x"),
        (b"pkg/h", b'1', 0o644, b"pkg/a", b""),
        (b"pkg/h2", b'1', 0o644, b"pkg/missing", b""),
        (b"pkg/h3", b'1', 0o644, b"/etc/shadow", b""),
    ]);
    assert_eq!(p[1], [EntryProblem::Hardlink]);
    assert_eq!(
        p[2],
        [
            EntryProblem::Hardlink,
            EntryProblem::LinkEscapes {
                target: "pkg/missing".into()
            }
        ]
    );
    assert_eq!(
        p[3],
        [
            EntryProblem::Hardlink,
            EntryProblem::LinkEscapes {
                target: "/etc/shadow".into()
            }
        ]
    );
}

#[test]
fn device_nodes() {
    let e = entries(&[
        (b"pkg/c", b'3', 0o644, b"", b""),
        (b"pkg/b", b'4', 0o644, b"", b""),
    ]);
    assert_eq!(
        (e[0].kind, &e[0].problems[..]),
        (EntryKind::CharDevice, &[EntryProblem::DeviceNode][..])
    );
    assert_eq!(
        (e[1].kind, &e[1].problems[..]),
        (EntryKind::BlockDevice, &[EntryProblem::DeviceNode][..])
    );
}

#[test]
fn fifo() {
    let e = entries(&[(b"pkg/f", b'6', 0o644, b"", b"")]);
    assert_eq!(
        (e[0].kind, &e[0].problems[..]),
        (EntryKind::Fifo, &[EntryProblem::Fifo][..])
    );
}

#[test]
fn setuid_and_setgid() {
    let e = entries(&[
        (b"pkg/su", b'0', 0o4755, b"", b""),
        (b"pkg/sg", b'0', 0o2755, b"", b""),
    ]);
    assert_eq!(e[0].problems, [EntryProblem::Setuid]);
    assert_eq!(e[0].mode, 0o4755);
    assert_eq!(e[1].problems, [EntryProblem::Setgid]);
}

/// Sparse and unknown entry types end the read with a refusal naming the entry and the
/// type: a GNU sparse header may be followed by extension blocks this parser would take for
/// content, so no later entry could be trusted.
#[test]
fn sparse_and_unknown_types_are_refused_by_name() {
    for (tf, want) in [
        (b'S', "a GNU sparse file (type 'S')"),
        (b'7', "a contiguous file (type '7')"),
        (b'V', "a GNU volume label (type 'V')"),
        (b'Z', "an unknown entry type 'Z'"),
    ] {
        let mut t = Vec::new();
        push_entry(
            &mut t,
            raw_header(b"pkg/ok", b'0', 1, 0o644, b"", true),
            b"x",
        );
        push_entry(
            &mut t,
            raw_header(b"pkg/s", tf, 3, 0o644, b"", true),
            b"abc",
        );
        finish_tar(&mut t);
        match read(t) {
            Err(tarseal_archive::ArchiveError::Refused {
                index,
                path,
                construct,
                ..
            }) => assert_eq!(
                (index, path.as_str(), construct.as_str()),
                (1, "pkg/s", want)
            ),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn case_collision() {
    let p = problems_of(&[
        (b"pkg/README", b'0', 0o644, b"", b""),
        (b"pkg/readme", b'0', 0o644, b"", b""),
        (b"pkg/ReadMe", b'0', 0o644, b"", b""),
    ]);
    assert!(p[0].is_empty());
    assert_eq!(
        p[1],
        [EntryProblem::CaseOrUnicodeCollision {
            other: "pkg/README".into()
        }]
    );
    assert_eq!(
        p[2],
        [EntryProblem::CaseOrUnicodeCollision {
            other: "pkg/README".into()
        }]
    );
    // The reverse order: lowercase first.
    let p = problems_of(&[
        (b"pkg/x", b'0', 0o644, b"", b""),
        (b"pkg/X", b'0', 0o644, b"", b""),
    ]);
    assert_eq!(
        p[1],
        [EntryProblem::CaseOrUnicodeCollision {
            other: "pkg/x".into()
        }]
    );
}

#[test]
fn nfc_nfd_collision() {
    let nfc = "pkg/caf\u{e9}".as_bytes();
    let nfd = "pkg/cafe\u{301}".as_bytes();
    let p = problems_of(&[(nfc, b'0', 0o644, b"", b""), (nfd, b'0', 0o644, b"", b"")]);
    assert!(p[0].is_empty());
    assert_eq!(
        p[1],
        [EntryProblem::CaseOrUnicodeCollision {
            other: "pkg/caf\u{e9}".into()
        }]
    );
    let p = problems_of(&[(nfd, b'0', 0o644, b"", b""), (nfc, b'0', 0o644, b"", b"")]);
    assert_eq!(
        p[1],
        [EntryProblem::CaseOrUnicodeCollision {
            other: "pkg/cafe\u{301}".into()
        }]
    );
}

#[test]
fn symlink_escaping_with_dot_dot() {
    let e = entries(&[
        (b"pkg/sub/ok", b'2', 0o777, b"../README", b""),
        (b"pkg/sub/evil", b'2', 0o777, b"../../etc/passwd", b""),
    ]);
    assert!(e[0].problems.is_empty());
    assert_eq!(
        e[1].problems,
        [EntryProblem::LinkEscapes {
            target: "../../etc/passwd".into()
        }]
    );
    assert_eq!(e[1].kind, EntryKind::Symlink);
}

#[test]
fn absolute_symlink() {
    let p = problems_of(&[(b"pkg/l", b'2', 0o777, b"/etc/passwd", b"")]);
    assert_eq!(
        p[0],
        [EntryProblem::LinkEscapes {
            target: "/etc/passwd".into()
        }]
    );
}

#[test]
fn entry_through_symlink() {
    let p = problems_of(&[
        (b"pkg/link", b'2', 0o777, b"sub", b""),
        (b"pkg/link/file", b'0', 0o644, b"", b"x"),
        (b"pkg/link/deeper/file", b'0', 0o644, b"", b"x"),
    ]);
    assert_eq!(
        p[1],
        [EntryProblem::ThroughSymlink {
            link: "pkg/link".into()
        }]
    );
    assert_eq!(
        p[2],
        [EntryProblem::ThroughSymlink {
            link: "pkg/link".into()
        }]
    );
}

#[test]
fn zip_hostile_names() {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default();
    for name in ["C:/evil", "../evil", "pkg/setuid"] {
        let o = o.unix_permissions(0o755);
        w.start_file(name, o).unwrap();
    }
    let mut z = w.finish().unwrap().into_inner();
    // The writer masks modes to 0o777: patch the central directory's external attributes.
    let cd = z
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x01\x02")
        .map(|(i, _)| i)
        .find(|&i| z[i + 46..].starts_with(b"pkg/setuid"))
        .unwrap();
    z[cd + 38..cd + 42].copy_from_slice(&((0o100000u32 | 0o4755) << 16).to_le_bytes());
    let (_, e) = read(z).unwrap();
    assert_eq!(e[0].problems, [EntryProblem::AbsolutePath]);
    assert_eq!(e[1].problems, [EntryProblem::DotDot]);
    assert_eq!(e[2].problems, [EntryProblem::Setuid], "{e:?}");

    // Backslash names and symlinks are refused outright: unzip and zipfile extract them
    // differently (a directory separator or part of the name; a link or a file).
    type Writer = zip::ZipWriter<std::io::Cursor<Vec<u8>>>;
    let one = |f: &dyn Fn(&mut Writer)| {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        f(&mut w);
        read(w.finish().unwrap().into_inner())
            .unwrap_err()
            .to_string()
    };
    let err = one(&|w| w.start_file("..\\evil", o).unwrap());
    assert!(
        err.contains("backslash in name") && err.contains("evil"),
        "{err}"
    );
    let err = one(&|w| w.add_symlink("pkg/l", "../../x", o).unwrap());
    assert!(
        err.contains("symlink in zip") && err.contains("pkg/l"),
        "{err}"
    );
}

/// A one-member zip (`pkg/x`, "a.txt") whose central header gets `made_by`, `needed` and the
/// unix mode `mode` in the upper external attributes.
fn zip_patched(made_by: u16, needed: u16, mode: u32) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("pkg/x", SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut w, b"a.txt").unwrap();
    let mut z = w.finish().unwrap().into_inner();
    let cd = z.windows(4).position(|s| s == b"PK\x01\x02").unwrap();
    z[cd + 4..cd + 6].copy_from_slice(&made_by.to_le_bytes());
    z[cd + 6..cd + 8].copy_from_slice(&needed.to_le_bytes());
    z[cd + 38..cd + 42].copy_from_slice(&(mode << 16).to_le_bytes());
    z
}

#[test]
fn zip_unix_modes_from_other_hosts() {
    // unzip applies the mode of a VMS or BeOS member (executable, a link), of an MS-DOS one
    // whose owner bits match the DOS flags; pip makes any "regular, executable" one
    // executable; bsdtar and zipfile ignore them all.
    for (made_by, mode) in [
        (0x101e, 0o100755),
        (0x021e, 0o120777),
        (0x0014, 0o120644),
        (0x0014, 0o100755),
    ] {
        let err = read(zip_patched(made_by, 20, mode))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unix mode from a non-unix host") && err.contains("pkg/x"),
            "{made_by:#06x} {mode:o}: {err}"
        );
    }
    // Python's zipfile on Windows: host 0 with st_mode 0o100666 — a plain 0644 file for all.
    let (_, e) = read(zip_patched(0x0014, 20, 0o100666)).unwrap();
    assert_eq!((e[0].kind, e[0].mode & 0o111), (EntryKind::File, 0));
}

#[test]
fn zip_version_needed_above_what_unzip_extracts() {
    let err = read(zip_patched(0x031e, 51, 0o100644))
        .unwrap_err()
        .to_string();
    assert!(err.contains("version needed to extract"), "{err}");
    assert!(read(zip_patched(0x031e, 46, 0o100644)).is_ok());
}
