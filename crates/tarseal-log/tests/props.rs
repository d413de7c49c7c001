//! Properties of the Merkle math against a direct recursive RFC 6962 §2.1 reference, with
//! exhaustive loops for small trees and proptest for the rest.

use std::sync::OnceLock;

use proptest::prelude::*;
use tarseal_log::*;

const MAX: u64 = 300;

fn leaf_data(i: u64) -> Vec<u8> {
    format!("leaf {i}").into_bytes()
}

/// The stored hashes of a tree of MAX leaves, built with `stored_hashes_for_leaf`.
fn stored() -> &'static Vec<Hash> {
    static STORED: OnceLock<Vec<Hash>> = OnceLock::new();
    STORED.get_or_init(|| {
        let mut stored = Vec::new();
        for i in 0..MAX {
            assert_eq!(stored.len() as u64, stored_hash_count(i));
            let new = stored_hashes_for_leaf(i, &leaf_hash(&leaf_data(i)), &stored).unwrap();
            stored.extend(new);
        }
        stored
    })
}

/// `mth(0, n)` for every n in 0..=MAX+1, computed once.
fn root_of(n: u64) -> Hash {
    static ROOTS: OnceLock<Vec<Hash>> = OnceLock::new();
    ROOTS.get_or_init(|| (0..=MAX + 1).map(|n| mth(0, n)).collect())[n as usize]
}

/// RFC 6962 §2.1 MTH(D[lo:hi]), straight from the definition.
fn mth(lo: u64, hi: u64) -> Hash {
    match hi - lo {
        0 => empty_root(),
        1 => leaf_hash(&leaf_data(lo)),
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&mth(lo, lo + k), &mth(lo + k, hi))
        }
    }
}

#[test]
fn stored_hash_index_sequence() {
    // leaf 0, leaf 1, node(0..2), leaf 2, leaf 3, node(2..4), node(0..4), leaf 4 (x/mod tlog).
    let order = [
        (0, 0),
        (0, 1),
        (1, 0),
        (0, 2),
        (0, 3),
        (1, 1),
        (2, 0),
        (0, 4),
    ];
    for (i, (level, n)) in order.into_iter().enumerate() {
        assert_eq!(stored_hash_index(level, n), i as u64);
    }
    assert_eq!(stored_hash_count(0), 0);
    assert_eq!(stored_hash_count(1), 1);
    assert_eq!(stored_hash_count(2), 3);
    assert_eq!(stored_hash_count(4), 7);
    assert_eq!(stored_hash_count(5), 8);
}

#[test]
fn split_stored_hash_index_inverts() {
    // x/mod tlog TestSplitStoredHashIndex: levels < 10, n < 100; and every index below 5000.
    for level in 0..10u8 {
        for n in 0..100u64 {
            let x = stored_hash_index(level, n);
            assert_eq!(split_stored_hash_index(x), (level, n), "index {x}");
        }
    }
    for x in 0..5000u64 {
        let (level, n) = split_stored_hash_index(x);
        assert_eq!(stored_hash_index(level, n), x);
    }
}

#[test]
fn every_stored_hash_is_its_subtree_root() {
    let stored = stored();
    assert_eq!(stored.len() as u64, stored_hash_count(MAX));
    let mut seen = vec![false; stored.len()];
    for level in 0..9u8 {
        let width = 1u64 << level;
        for k in 0..MAX / width {
            let i = stored_hash_index(level, k) as usize;
            assert!(!seen[i], "index {i} used twice");
            seen[i] = true;
            assert_eq!(
                stored[i],
                mth(k * width, (k + 1) * width),
                "level {level} n {k}"
            );
        }
    }
    assert!(seen.iter().all(|&s| s), "every stored index is a subtree");
}

#[test]
fn tree_hash_matches_reference_for_every_size() {
    for n in 0..=MAX {
        assert_eq!(tree_hash(n, stored()).unwrap(), mth(0, n), "size {n}");
    }
}

#[test]
fn inclusion_verifies_for_every_index_of_trees_up_to_100() {
    for n in 1..=100u64 {
        let root = root_of(n);
        for index in 0..n {
            let proof = inclusion_proof(n, index, stored()).unwrap();
            let leaf = leaf_hash(&leaf_data(index));
            verify_inclusion(&proof, n, &root, index, &leaf).unwrap();
            // Another index, tree size or root must fail.
            if n > 1 {
                let other = (index + 1) % n;
                assert!(verify_inclusion(&proof, n, &root, other, &leaf).is_err());
            }
            // (A larger size with the same proof shape can verify: the size is bound by the
            // signed checkpoint, not by the proof. A different root cannot.)
            assert!(verify_inclusion(&proof, n, &root_of(n + 1), index, &leaf).is_err());
        }
        assert!(matches!(
            inclusion_proof(n, n, stored()),
            Err(LogError::IndexOutOfRange { .. })
        ));
    }
}

#[test]
fn consistency_edges() {
    let stored = stored();
    let r5 = mth(0, 5);
    // From the empty tree: empty proof, empty root.
    assert!(consistency_proof(5, 0, stored).unwrap().is_empty());
    verify_consistency(&[], 5, &r5, 0, &empty_root()).unwrap();
    assert!(verify_consistency(&[], 5, &r5, 0, &r5).is_err());
    // Same size: empty proof, same root.
    verify_consistency(&[], 5, &r5, 5, &r5).unwrap();
    assert!(verify_consistency(&[], 5, &r5, 5, &mth(0, 4)).is_err());
    assert!(verify_consistency(&[r5], 5, &r5, 5, &r5).is_err());
    // Wrong order.
    assert!(matches!(
        consistency_proof(4, 5, stored),
        Err(LogError::SizeOrder { .. })
    ));
    assert!(verify_consistency(&[], 4, &r5, 5, &r5).is_err());
    // An empty proof between different sizes.
    assert!(verify_consistency(&[], 5, &r5, 4, &mth(0, 4)).is_err());
}

fn flip(h: &mut Hash, byte: usize, bit: u8) {
    h[byte % 32] ^= 1 << (bit % 8);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn consistency_proof_verifies(n in 0..=MAX, m_frac in 0.0..=1.0f64) {
        let m = ((n as f64) * m_frac) as u64;
        let proof = consistency_proof(n, m, stored()).unwrap();
        let (root_n, root_m) = (root_of(n), root_of(m));
        verify_consistency(&proof, n, &root_n, m, &root_m).unwrap();
        prop_assert!(proof.len() <= 2 * 64);
        if 0 < m && m < n {
            // A different old size, or swapped roots, must fail.
            prop_assert!(verify_consistency(&proof, n, &root_n, m - 1, &root_of(m - 1)).is_err());
            prop_assert!(verify_consistency(&proof, n, &root_m, m, &root_n).is_err());
        }
    }

    #[test]
    fn changing_any_consistency_proof_byte_fails(
        n in 2..=MAX, m_frac in 0.0..1.0f64, pick in any::<usize>(), byte in 0..32usize, bit in 0..8u8
    ) {
        let m = (((n - 1) as f64) * m_frac) as u64 + 1; // 1..n
        prop_assume!(m < n);
        let mut proof = consistency_proof(n, m, stored()).unwrap();
        let i = pick % proof.len();
        flip(&mut proof[i], byte, bit);
        prop_assert!(verify_consistency(&proof, n, &root_of(n), m, &root_of(m)).is_err());
        // Dropping or adding a hash fails too.
        let good = consistency_proof(n, m, stored()).unwrap();
        prop_assert!(verify_consistency(&good[..good.len() - 1], n, &root_of(n), m, &root_of(m)).is_err());
        let mut longer = good.clone();
        longer.push(good[0]);
        prop_assert!(verify_consistency(&longer, n, &root_of(n), m, &root_of(m)).is_err());
    }

    #[test]
    fn changing_any_leaf_or_proof_byte_breaks_inclusion(
        n in 1..=MAX, index_frac in 0.0..1.0f64, pick in any::<usize>(),
        byte in 0..32usize, bit in 0..8u8, data_byte in any::<usize>(), tamper_leaf in any::<bool>()
    ) {
        let index = ((n as f64) * index_frac) as u64;
        let root = root_of(n);
        let proof = inclusion_proof(n, index, stored()).unwrap();
        let data = leaf_data(index);
        verify_inclusion(&proof, n, &root, index, &leaf_hash(&data)).unwrap();
        if tamper_leaf || proof.is_empty() {
            // Change one byte of the leaf's data.
            let mut data = data.clone();
            let at = data_byte % data.len();
            data[at] ^= 1 << bit;
            prop_assert!(verify_inclusion(&proof, n, &root, index, &leaf_hash(&data)).is_err());
        } else {
            let mut bad = proof.clone();
            let i = pick % bad.len();
            flip(&mut bad[i], byte, bit);
            prop_assert!(verify_inclusion(&bad, n, &root, index, &leaf_hash(&data)).is_err());
        }
        // Any other leaf fails at this index.
        let other = leaf_hash(&leaf_data((index + 1) % MAX));
        prop_assert!(verify_inclusion(&proof, n, &root, index, &other).is_err());
    }
}

proptest! {
    // Ed25519 in a debug build is slow: fewer cases.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn tlog_proof_files_round_trip(n in 1..=MAX, index_frac in 0.0..1.0f64, extra in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40))) {
        let index = ((n as f64) * index_frac) as u64;
        let signer = NoteSigner::new("log.example/tarseal", &[7; 32]).unwrap();
        let cp = Checkpoint { origin: "log.example/tarseal".into(), size: n, root: root_of(n), extensions: vec![] };
        let proof = TlogProof {
            index,
            proof: inclusion_proof(n, index, stored()).unwrap(),
            checkpoint: signer.sign(&cp.to_note_body()).unwrap(),
            extra,
        };
        let text = proof.encode();
        let parsed = TlogProof::parse(&text).unwrap();
        prop_assert_eq!(&parsed, &proof);
        prop_assert_eq!(parsed.verify(&leaf_data(index), &signer.verifier()).unwrap(), cp);
        prop_assert!(parsed.verify(&leaf_data(index + 1), &signer.verifier()).is_err());
    }
}
