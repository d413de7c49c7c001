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

/// Every finding of the differential fuzz target, kept as it was found: under `accept/` what
/// every extractor reads (tarseal must read it too), under `refuse/` what they disagree on
/// (tarseal must refuse it). See fuzz/fuzz_targets/archive_diff.rs.
#[test]
fn fuzz_regressions_keep_their_verdict() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/archive_diff");
    let mut n = 0;
    for (sub, must_read) in [("accept", true), ("refuse", false)] {
        let Ok(dir) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        for entry in dir {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let got = tarseal_archive::fuzzing::read_paths(&data);
            assert_eq!(got.is_ok(), must_read, "{}: {got:?}", path.display());
            n += 1;
        }
    }
    assert!(n >= 1, "no regressions under {}", root.display());
}
