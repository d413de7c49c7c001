//! Runs the cargo-fuzz target's function over its seed corpus on stable, so the fuzzed path
//! is exercised by `cargo test` even where nightly/cargo-fuzz are unavailable.

#[test]
fn fuzz_corpus_does_not_panic() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/archive_reader");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        tarseal_archive::fuzzing::read_bytes(&data);
        // Every prefix of a seed too: the fuzzer's first mutations are cuts.
        for cut in (0..data.len()).step_by(97) {
            tarseal_archive::fuzzing::read_bytes(&data[..cut]);
        }
        n += 1;
    }
    assert!(n >= 5, "seed corpus missing in {}", dir.display());
}
