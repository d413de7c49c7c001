//! Micro-benchmarks of the archive reader's hot paths: `cargo bench -p tarseal-archive`.
//!
//! - `blob_id/{sha1dc,sha256}/{100B,4KiB,1MiB}`: the git blob id of one entry (header +
//!   content, SHA-1 with collision detection or SHA-256), through the same per-entry sink
//!   `read_archive` uses; throughput in bytes of content.
//! - `raw/{md5,sha256,sha512,all}/1MiB`: the digests of the raw (compressed) bytes that
//!   `tarseal seal` computes on its tee thread, one by one and together (`all` = the
//!   crate's own `RawHasher`).
//! - `read_archive/tar/16MiB`: one whole read of an in-memory tar of 2,000 files (parse,
//!   pipeline hand-offs, SHA-1DC), throughput in bytes of tar.
//!
//! Filter with criterion's usual argument: `cargo bench -p tarseal-archive -- raw/`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sha2::Digest as _;
use std::hint::black_box;
use std::time::Duration;
use tarseal_archive::benching;
use tarseal_archive::{read_archive, ContentWants, HashKind, Limits, ReadOptions};

/// Deterministic bytes that look like source text (hash speed does not depend on content,
/// but the generated tar should compress like a real one if anyone writes it out).
fn text(len: usize, seed: u32) -> Vec<u8> {
    const WORDS: [&[u8]; 8] = [
        b"fn ", b"let ", b"value", b" = ", b"(x);", b"\n    ", b"return ", b"0x1f",
    ];
    let mut out = Vec::with_capacity(len + 16);
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    while out.len() < len {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        out.extend_from_slice(WORDS[(s & 7) as usize]);
    }
    out.truncate(len);
    out
}

const SIZES: [(usize, &str); 3] = [(100, "100B"), (4 << 10, "4KiB"), (1 << 20, "1MiB")];

fn blob_ids(c: &mut Criterion) {
    let mut g = c.benchmark_group("blob_id");
    for (kind, name) in [(HashKind::Sha1, "sha1dc"), (HashKind::Sha256, "sha256")] {
        for (size, label) in SIZES {
            let data = text(size, size as u32);
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_with_input(BenchmarkId::new(name, label), &data, |b, d| {
                b.iter(|| benching::blob_id(kind, black_box(d)).expect("no collision"))
            });
        }
    }
    g.finish();
}

fn raw_digests(c: &mut Criterion) {
    let data = text(1 << 20, 7);
    let mut g = c.benchmark_group("raw");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("md5/1MiB", |b| {
        b.iter(|| md5::Md5::digest(black_box(&data)))
    });
    g.bench_function("sha256/1MiB", |b| {
        b.iter(|| sha2::Sha256::digest(black_box(&data)))
    });
    g.bench_function("sha512/1MiB", |b| {
        b.iter(|| sha2::Sha512::digest(black_box(&data)))
    });
    g.bench_function("all/1MiB", |b| {
        b.iter(|| benching::raw_digests(black_box(&data)))
    });
    g.finish();
}

/// An in-memory tar of `files` entries, sizes spread like a source tree (mostly small).
fn make_tar(files: usize) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for i in 0..files {
        let size = match i % 50 {
            0 => 256 << 10,
            1..=5 => 32 << 10,
            _ => 200 + (i * 37) % 4000,
        };
        let data = text(size, i as u32);
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(
                &mut h,
                format!("pkg-1.0/dir{}/file{i}.rs", i % 40),
                &data[..],
            )
            .expect("in-memory tar");
    }
    builder.into_inner().expect("in-memory tar")
}

fn whole_read(c: &mut Criterion) {
    let tar = make_tar(2_000);
    let options = ReadOptions {
        limits: Limits::default(),
        object_hash: HashKind::Sha1,
        raw_digests: false,
        raw_observer: None,
    };
    let mut g = c.benchmark_group("read_archive");
    g.throughput(Throughput::Bytes(tar.len() as u64));
    g.sample_size(20);
    g.bench_function(format!("tar/{}MiB", tar.len() >> 20), |b| {
        b.iter(|| {
            let mut entries = 0u64;
            read_archive(
                std::io::Cursor::new(tar.clone()),
                &options,
                |_, _| ContentWants::default(),
                |_| entries += 1,
                |_| {},
            )
            .expect("a valid tar");
            entries
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = blob_ids, raw_digests, whole_read
}
criterion_main!(benches);
