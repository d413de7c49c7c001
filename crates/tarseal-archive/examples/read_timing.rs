//! Times one read of an archive: `cargo run --release --example read_timing -- FILE`.
//! Prints entries, decompressed bytes and MB/s of decompressed output, to compare against
//! e.g. `time gzip -dc FILE > /dev/null`. With `RAW_DIGESTS=1` in the environment the raw
//! bytes are also hashed (MD5, SHA-256, SHA-512), as `tarseal seal` does.

use std::time::Instant;
use tarseal_archive::{read_archive, ContentWants, HashKind, Limits, ReadOptions};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: read_timing FILE");
        std::process::exit(2);
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let options = ReadOptions {
        limits: Limits::default(),
        object_hash: HashKind::Sha1,
        raw_digests: std::env::var_os("RAW_DIGESTS").is_some_and(|v| v == "1"),
        raw_observer: None,
    };
    let start = Instant::now();
    let result = read_archive(
        file,
        &options,
        |_, _| ContentWants::default(),
        |_| {},
        |_| {},
    );
    let secs = start.elapsed().as_secs_f64();
    match result {
        Ok(s) => println!(
            "{} entries, {} bytes decompressed in {secs:.3}s = {:.0} MB/s",
            s.entries,
            s.uncompressed_bytes,
            s.uncompressed_bytes as f64 / secs / 1e6
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
