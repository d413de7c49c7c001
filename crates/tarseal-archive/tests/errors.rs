//! Limits, truncation, corruption and random mutations: errors name the entry, never a panic.

mod common;
use common::*;
use tarseal_archive::{ArchiveError, ContentWants, Limits};

fn limits(total: u64, entries: u64, entry: u64) -> Limits {
    Limits {
        max_total_bytes: total,
        max_entries: entries,
        max_entry_bytes: entry,
        ..Limits::default()
    }
}

/// Counts the compressed bytes the reader pulls from its input.
struct Counted {
    inner: std::io::Cursor<Vec<u8>>,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::io::Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

impl std::io::Seek for Counted {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn gzip_bomb_stops_at_the_total_limit() {
    // One tar header declaring 1 GB, then 1 GB of zeros, through `gzip -9`: ~1 MB.
    let header = raw_header(b"pkg/zeros", b'0', 1_000_000_000, 0o644, b"", true);
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("h");
    std::fs::write(&h, header).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "(cat '{}'; head -c 1000000000 /dev/zero) | gzip -9",
            h.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success());
    let bomb = out.stdout;
    assert!(bomb.len() < 2_000_000, "{}", bomb.len());
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let input = Counted {
        inner: std::io::Cursor::new(bomb.clone()),
        read: read.clone(),
    };
    let options = tarseal_archive::ReadOptions {
        limits: limits(10_000_000, 100, u64::MAX),
        object_hash: tarseal_archive::HashKind::Sha1,
        raw_digests: false,
        raw_observer: None,
    };
    let err = tarseal_archive::read_archive(
        input,
        &options,
        |_, _| ContentWants::default(),
        |_| {},
        |_| {},
    )
    .unwrap_err();
    match err {
        ArchiveError::LimitExceeded {
            where_,
            flag,
            limit,
            ..
        } => {
            assert_eq!(flag, "--max-total-bytes");
            assert_eq!(limit, 10_000_000);
            assert!(where_.contains("pkg/zeros"), "{where_}");
        }
        other => panic!("{other}"),
    }
    // No timing: the reader stopped near the limit instead of inflating the whole bomb. 10 MB
    // of output is ~1 % of the 1 GB; the decoder's read-ahead (a 64 KiB input buffer, four
    // 256 KiB output buffers) adds a few more per cent at most.
    let consumed = read.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        consumed < bomb.len() as u64 / 10,
        "read {consumed} of {} compressed bytes",
        bomb.len()
    );
}

#[test]
fn entry_larger_than_the_entry_limit_is_refused_before_reading() {
    let err = read_with(
        sample_tar(),
        limits(u64::MAX, 100, 1000),
        ContentWants::default(),
    )
    .unwrap_err();
    match err {
        ArchiveError::LimitExceeded { where_, flag, .. } => {
            assert_eq!(flag, "--max-entry-bytes");
            assert_eq!(where_, "in entry #3 'pkg-1.0/data/big.bin'");
        }
        other => panic!("{other}"),
    }
    // The header's declared size is checked, not the bytes present: a header declaring 1 TB
    // followed by nothing is a limit error, not a truncation.
    let mut t = Vec::new();
    t.extend_from_slice(&raw_header(b"huge", b'0', 1 << 40, 0o644, b"", true));
    assert!(matches!(
        read_with(t, limits(u64::MAX, 10, 1 << 30), ContentWants::default()),
        Err(ArchiveError::LimitExceeded {
            flag: "--max-entry-bytes",
            ..
        })
    ));
}

#[test]
fn too_many_entries() {
    let err = read_with(
        gz(&sample_tar()),
        limits(u64::MAX, 3, u64::MAX),
        ContentWants::default(),
    )
    .unwrap_err();
    match err {
        ArchiveError::LimitExceeded {
            where_,
            flag,
            limit,
            ..
        } => {
            assert_eq!(flag, "--max-entries");
            assert_eq!(limit, 3);
            assert_eq!(where_, "at entry #3 'pkg-1.0/data/big.bin'");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn zip_limits() {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for n in ["a", "b", "c"] {
        w.start_file(n, SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, &[0u8; 5000]).unwrap();
    }
    let z = w.finish().unwrap().into_inner();
    let e = |l| read_with(z.clone(), l, ContentWants::default()).unwrap_err();
    assert!(matches!(
        e(limits(u64::MAX, 2, u64::MAX)),
        ArchiveError::LimitExceeded {
            flag: "--max-entries",
            ..
        }
    ));
    assert!(matches!(
        e(limits(u64::MAX, 9, 4999)),
        ArchiveError::LimitExceeded {
            flag: "--max-entry-bytes",
            ..
        }
    ));
    assert!(matches!(
        e(limits(12_000, 9, u64::MAX)),
        ArchiveError::LimitExceeded {
            flag: "--max-total-bytes",
            ..
        }
    ));
}

/// Cuts `bytes` at several points; every cut must be an error (not a panic, not success).
fn assert_cuts_fail(name: &str, bytes: &[u8], expect_truncated: bool) {
    let n = bytes.len();
    for cut in [n / 5, n / 3, n / 2, 2 * n / 3, n - n / 10, n - 3, n - 1] {
        match read(bytes[..cut].to_vec()) {
            Ok(_) => panic!("{name} cut at {cut}/{n} read successfully"),
            Err(ArchiveError::Truncated { .. }) => {}
            Err(ArchiveError::Corrupt { .. }) if !expect_truncated => {}
            Err(e) => panic!("{name} cut at {cut}/{n}: {e}"),
        }
    }
}

#[test]
fn truncated_compressed_streams() {
    let tar = sample_tar();
    assert_cuts_fail("gzip", &gz(&tar), true);
    assert_cuts_fail("xz", &xz(&tar), false);
    assert_cuts_fail("bzip2", &bz2(&tar), false);
    assert_cuts_fail("zstd", &zst(&tar), false);
}

#[test]
fn truncated_gzip_names_the_entry_and_the_offset() {
    let bytes = gz(&sample_tar());
    let err = read(bytes[..bytes.len() / 2].to_vec()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ArchiveError::Truncated { .. }), "{msg}");
    assert!(
        msg.contains("in the gzip stream at compressed byte"),
        "{msg}"
    );
    assert!(msg.contains("in entry #3 'pkg-1.0/data/big.bin'"), "{msg}");
}

#[test]
fn truncated_plain_tar() {
    let tar = sample_tar();
    // Inside the big file's content.
    let err = read(tar[..5000].to_vec()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the archive is truncated in entry #3 'pkg-1.0/data/big.bin': the content ends after 1928 of 300000 bytes"
    );
    // Inside a header.
    let err = read(tar[..512 * 3 + 100].to_vec()).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Truncated { where_, .. } if where_ == "after entry #1 'pkg-1.0/README'"),
        "{err}"
    );
    // Inside padding.
    let err = read(tar[..512 * 2 + 10].to_vec()).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Truncated { where_, .. } if where_ == "in entry #1 'pkg-1.0/README'"),
        "{err}"
    );
    // Right after a pax header, before its entry.
    let mut t = Vec::new();
    push_pax(&mut t, b'x', &[("path", b"a")]);
    assert!(matches!(
        read(t).unwrap_err(),
        ArchiveError::Truncated { .. }
    ));
    // On an entry boundary: fine.
    assert_eq!(read(tar[..512 * 3].to_vec()).unwrap().0.entries, 2);
}

#[test]
fn corrupt_bytes_in_the_middle() {
    let tar = sample_tar();
    for (name, mut bytes) in [
        ("gzip", gz(&tar)),
        ("xz", xz(&tar)),
        ("bzip2", bz2(&tar)),
        ("zstd", zst(&tar)),
    ] {
        let mid = bytes.len() / 2;
        for b in &mut bytes[mid..mid + 16] {
            *b ^= 0x55;
        }
        match read(bytes) {
            Err(ArchiveError::Corrupt { .. }) | Err(ArchiveError::Truncated { .. }) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
    // A plain tar whose header checksum no longer matches.
    let mut t = tar.clone();
    t[512 + 10] ^= 1;
    let err = read(t).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the archive is corrupt after entry #0 'pkg-1.0': header checksum mismatch (not a tar header)"
    );
}

#[test]
fn non_file_entries_with_a_size_are_refused() {
    let mut t = Vec::new();
    push_entry(
        &mut t,
        raw_header(b"pkg/l", b'2', 3, 0o777, b"x", true),
        b"abc",
    );
    finish_tar(&mut t);
    let err = read(t).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Refused { index: 0, path, construct, .. }
            if path == "pkg/l" && construct.contains("symlink entry that declares 3 content bytes")),
        "{err}"
    );
}

#[test]
fn pax_global_path_is_refused() {
    let mut t = Vec::new();
    push_pax(&mut t, b'g', &[("path", b"evil")]);
    finish_tar(&mut t);
    let err = read(t).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::Refused { construct, .. } if construct == "pax global key path"),
        "{err}"
    );
}

#[test]
fn malformed_pax_records_are_refused() {
    for body in [&b"5 a=b\n"[..], b"99 path=x\n", b"x path=y\n", b"7 pathx\n"] {
        let mut t = Vec::new();
        let h = raw_header(b"pax", b'x', body.len() as u64, 0o644, b"", true);
        push_entry(&mut t, h, body);
        push_entry(&mut t, raw_header(b"a", b'0', 0, 0o644, b"", true), b"");
        finish_tar(&mut t);
        let err = read(t).unwrap_err();
        assert!(
            matches!(&err, ArchiveError::Refused { index: 0, construct, .. } if construct.starts_with("malformed pax record")),
            "{:?}: {err}",
            String::from_utf8_lossy(body)
        );
    }
}

/// Random byte mutations of valid archives: any result but a panic (or a hang) is fine.
#[test]
fn random_mutations_never_panic() {
    let tar = sample_tar();
    let mut small = Vec::new();
    push_pax(&mut small, b'g', &[("comment", b"abc")]);
    push_pax(&mut small, b'x', &[("path", b"pkg/long")]);
    push_entry(
        &mut small,
        raw_header(b"x", b'0', 3, 0o644, b"", true),
        b"abc",
    );
    push_entry(
        &mut small,
        raw_header(b"pkg/l", b'2', 0, 0o777, b"../x", true),
        b"",
    );
    finish_tar(&mut small);
    let zip = {
        use zip::write::SimpleFileOptions;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("a.txt", SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, b"hello hello hello\n").unwrap();
        w.add_symlink("l", "a.txt", SimpleFileOptions::default())
            .unwrap();
        w.finish().unwrap().into_inner()
    };
    let inputs = [
        small.clone(),
        gz(&small),
        xz(&small),
        bz2(&small),
        zst(&small),
        zip,
        gz(&tar),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let lim = limits(50 << 20, 1000, 10 << 20);
    for base in &inputs {
        for _ in 0..60 {
            let mut m = base.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(m.len());
                match rng.below(4) {
                    0 => m[i] ^= 1 << rng.below(8),
                    1 => m[i] = rng.next() as u8,
                    2 => m.truncate(i.max(1)),
                    _ => m.insert(i, rng.next() as u8),
                }
            }
            let _ = read_with(
                m,
                lim,
                ContentWants {
                    sha256: true,
                    keep_up_to: Some(100),
                },
            );
        }
    }
}

/// Non-gzip bytes after the last gzip member: `gzip -d` warns "trailing garbage ignored";
/// we refuse, since bytes no extractor looks at are a place to hide things.
#[test]
fn garbage_after_the_last_gzip_member_is_an_error() {
    let mut bytes = gz(&sample_tar());
    bytes.extend_from_slice(b"hidden payload");
    match read(bytes) {
        Err(ArchiveError::Corrupt { where_, .. }) => {
            assert!(
                where_.starts_with("in the gzip stream at compressed byte"),
                "{where_}"
            )
        }
        other => panic!("{other:?}"),
    }
}

/// A zstd frame that declares a 128 MiB window (what `zstd --long=27` writes): refused with
/// the flag named under the 64 MiB default, read when the flag raises the limit.
#[test]
fn zstd_window_above_the_dictionary_limit_names_the_flag() {
    use std::io::Write;
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    enc.set_parameter(zstd::stream::raw::CParameter::WindowLog(27))
        .unwrap();
    enc.write_all(&sample_tar()).unwrap();
    let z = enc.finish().unwrap();
    let err = read_with(z.clone(), Limits::default(), ContentWants::default()).unwrap_err();
    match &err {
        ArchiveError::LimitExceeded { flag, limit, .. } => {
            assert_eq!(*flag, "--max-dictionary-bytes", "{err}");
            assert_eq!(*limit, 64 << 20);
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("--max-dictionary-bytes"), "{err}");
    let raised = Limits {
        max_dictionary_bytes: 128 << 20,
        ..Limits::default()
    };
    let (summary, entries) = read_with(z, raised, ContentWants::default()).unwrap();
    assert!(summary.entries > 0 && !entries.is_empty());
}

/// The metadata budget bounds what a million entries, or many kept contents, cost a caller
/// that keeps every entry: the read stops at the entry that crosses it, naming the flag.
#[test]
fn metadata_budget_stops_many_entries_and_many_kept_contents() {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..2000 {
        add_file(
            &mut b,
            &format!("pkg/d{}/file-{i:05}.txt", i / 100),
            b"",
            0o644,
        );
    }
    let many = b.into_inner().unwrap();
    let budget = |bytes: u64| Limits {
        max_metadata_bytes: bytes,
        ..Limits::default()
    };
    // 2,000 entries of ~300 bytes each do not fit 100 KB.
    match read_with(many.clone(), budget(100_000), ContentWants::default()).unwrap_err() {
        ArchiveError::LimitExceeded {
            flag,
            limit,
            where_,
            ..
        } => {
            assert_eq!(flag, "--max-metadata-bytes");
            assert_eq!(limit, 100_000);
            assert!(where_.contains("pkg/d"), "{where_}");
        }
        other => panic!("{other}"),
    }
    let (summary, entries) = read_with(many, Limits::default(), ContentWants::default()).unwrap();
    assert_eq!(summary.entries, 2000);
    assert_eq!(entries.len(), 2000);

    // Kept contents count too: 40 files of 256 KiB, each kept, are 10 MiB.
    let mut b = tar::Builder::new(Vec::new());
    let blob = vec![b'v'; 256 << 10];
    for i in 0..40 {
        add_file(&mut b, &format!("pkg/_version{i}.py"), &blob, 0o644);
    }
    let kept = b.into_inner().unwrap();
    let keep = ContentWants {
        sha256: true,
        keep_up_to: Some(8 << 20),
    };
    assert!(matches!(
        read_with(kept.clone(), budget(4 << 20), keep),
        Err(ArchiveError::LimitExceeded {
            flag: "--max-metadata-bytes",
            ..
        })
    ));
    // Not kept, the same archive fits the small budget.
    assert!(read_with(kept.clone(), budget(4 << 20), ContentWants::default()).is_ok());
    assert!(read_with(kept, budget(16 << 20), keep).is_ok());
}
