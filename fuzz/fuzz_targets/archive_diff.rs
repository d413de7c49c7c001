//! Differential target: tarseal's reading of mutated archives against the `tar` and `zip`
//! crates plus strict header checks (fuzz/oracle.rs). A panic here means tarseal accepted an
//! archive that another reader extracts differently, or a construct extractors disagree on.
//! Run with `nice -n 19 cargo +nightly fuzz run archive_diff` from `fuzz/`; every finding is
//! kept under `fuzz/regressions/archive_diff/{accept,refuse}/` (what tarseal must read, or
//! refuse) and replayed by `crates/tarseal-archive/tests/fuzz_corpus.rs` on stable.
#![no_main]

#[path = "../oracle.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // No panic in tarseal itself either (read_archive runs inside check).
    if let Err(why) = oracle::check(data) {
        panic!("differential: {why}");
    }
});
