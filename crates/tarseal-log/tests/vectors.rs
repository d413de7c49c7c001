//! Known-answer tests from published reference vectors.

use tarseal_log::*;

fn h(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// The 8 leaves of the RFC 6962 reference test tree (certificate-transparency
/// `merkle_tree_test.cc`; transparency-dev/merkle `testonly/constants.go`, `LeafInputs`).
fn leaves() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| hex::decode(s).unwrap())
    .collect()
}

/// A store holding the stored hashes of the reference tree, built through the public API.
fn store(leaves: &[Vec<u8>]) -> Vec<Hash> {
    let mut stored = Vec::new();
    for (n, leaf) in leaves.iter().enumerate() {
        assert_eq!(stored.len() as u64, stored_hash_count(n as u64));
        let new = stored_hashes_for_leaf(n as u64, &leaf_hash(leaf), &stored).unwrap();
        stored.extend(new);
    }
    stored
}

/// Roots of the reference tree at sizes 1..=8 (transparency-dev/merkle
/// `testonly/constants.go`, `RootHashes`; CT `merkle_tree_test.cc` `kSHA256Roots`).
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[test]
fn empty_tree_root_is_sha256_of_nothing() {
    // RFC 6962 §2.1: MTH({}) = SHA-256().
    let root = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(empty_root(), root);
    assert_eq!(tree_hash(0, &Vec::<Hash>::new()).unwrap(), root);
}

#[test]
fn reference_tree_roots() {
    let stored = store(&leaves());
    for (i, want) in ROOTS.iter().enumerate() {
        assert_eq!(
            tree_hash(i as u64 + 1, &stored).unwrap(),
            h(want),
            "size {}",
            i + 1
        );
    }
}

#[test]
fn reference_inclusion_proofs() {
    // CT merkle_tree_test.cc kInclusionProofs / transparency-dev/merkle
    // proof/verify_test.go `inclusionProofs` (leaf indexes here zero-based).
    let cases: &[(u64, u64, &[&str])] = &[
        (0, 1, &[]),
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    let leaves = leaves();
    let stored = store(&leaves);
    for &(index, size, want) in cases {
        let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
        let got = inclusion_proof(size, index, &stored).unwrap();
        assert_eq!(got, want, "leaf {index} tree {size}");
        let root = h(ROOTS[size as usize - 1]);
        verify_inclusion(
            &want,
            size,
            &root,
            index,
            &leaf_hash(&leaves[index as usize]),
        )
        .unwrap();
        // The wrong leaf, index or size fails.
        let other = leaf_hash(b"not a leaf");
        assert!(verify_inclusion(&want, size, &root, index, &other).is_err());
        if size > 1 {
            let wrong = (index + 1) % size;
            let leaf = leaf_hash(&leaves[index as usize]);
            assert!(verify_inclusion(&want, size, &root, wrong, &leaf).is_err());
        }
    }
}

#[test]
fn reference_consistency_proofs() {
    // CT merkle_tree_test.cc kConsistencyProofs / transparency-dev/merkle
    // proof/verify_test.go `consistencyProofs`.
    let cases: &[(u64, u64, &[&str])] = &[
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    let stored = store(&leaves());
    for &(m, n, want) in cases {
        let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
        let got = consistency_proof(n, m, &stored).unwrap();
        assert_eq!(got, want, "{m} -> {n}");
        let (root_m, root_n) = (h(ROOTS[m as usize - 1]), h(ROOTS[n as usize - 1]));
        verify_consistency(&want, n, &root_n, m, &root_m).unwrap();
        assert!(verify_consistency(&want, n, &root_m, m, &root_n).is_err() || m == n);
    }
}
