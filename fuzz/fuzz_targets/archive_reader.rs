//! Feeds arbitrary bytes to the archive reader (every format, small limits).
//! Run with `cargo +nightly fuzz run archive_reader` from `fuzz/`; seeds are in
//! `corpus/archive_reader/`. The same function runs over that corpus in
//! `crates/tarseal-archive/tests/fuzz_corpus.rs` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tarseal_archive::fuzzing::read_bytes(data);
});
