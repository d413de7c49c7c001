//! Malformed input never panics, and a garbled signed object never verifies: every truncation
//! and every single-byte change of a signed note, a checkpoint note and a tlog-proof file,
//! plus pseudo-random garbage for every parser.

use tarseal_log::*;

/// xorshift64*: deterministic pseudo-random bytes, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self, n: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize])
            .collect()
    }
}

fn signer() -> NoteSigner {
    NoteSigner::new("log.example/tarseal", &[42; 32]).unwrap()
}

/// Stored hashes of a 13-leaf tree, leaves `i.to_be_bytes()`.
fn store(n: u64) -> Vec<Hash> {
    let mut stored = Vec::new();
    for i in 0..n {
        let new = stored_hashes_for_leaf(i, &leaf_hash(&i.to_be_bytes()), &stored).unwrap();
        stored.extend(new);
    }
    stored
}

/// Every variant of `s` with one byte changed (kept only if still UTF-8) or cut short.
fn garbles(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] ^= 1;
        if let Ok(m) = String::from_utf8(m) {
            out.push(m);
        }
        if s.is_char_boundary(i) {
            out.push(s[..i].to_owned());
            let mut dropped = s[..i].to_owned();
            if let Some(c) = s[i..].chars().nth(1) {
                dropped.push(c);
                dropped.push_str(&s[i..].chars().skip(2).collect::<String>());
                out.push(dropped);
            }
        }
    }
    out
}

#[test]
fn garbled_signed_checkpoints_never_verify() {
    let signer = signer();
    let verifier = signer.verifier();
    let stored = store(13);
    let cp = Checkpoint {
        origin: "log.example/tarseal".into(),
        size: 13,
        root: tree_hash(13, &stored).unwrap(),
        extensions: vec!["ext".into()],
    };
    let note = signer.sign(&cp.to_note_body()).unwrap();
    assert_eq!(
        Checkpoint::parse(verifier.verify(&note).unwrap()).unwrap(),
        cp
    );
    for g in garbles(&note) {
        let _ = split_note(&g);
        if let Ok(body) = verifier.verify(&g) {
            panic!("garbled note verified: {g:?} -> {body:?}");
        }
        let _ = Checkpoint::parse(&g);
    }
}

#[test]
fn garbled_tlog_proofs_never_verify() {
    let signer = signer();
    let verifier = signer.verifier();
    let stored = store(13);
    let cp = Checkpoint {
        origin: "log.example/tarseal".into(),
        size: 13,
        root: tree_hash(13, &stored).unwrap(),
        extensions: vec![],
    };
    let entry = 6u64.to_be_bytes();
    let proof = TlogProof {
        index: 6,
        proof: inclusion_proof(13, 6, &stored).unwrap(),
        checkpoint: signer.sign(&cp.to_note_body()).unwrap(),
        extra: Some(b"hello".to_vec()),
    };
    let text = proof.encode();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra aGVsbG8=\nindex 6\n"));
    assert_eq!(
        TlogProof::parse(&text)
            .unwrap()
            .verify(&entry, &verifier)
            .unwrap(),
        cp
    );
    let extra_line = text.find("extra ").unwrap()..text.find("index").unwrap();
    for g in garbles(&text) {
        let Ok(parsed) = TlogProof::parse(&g) else {
            continue;
        };
        // The extra data is not authenticated (tlog-proof "Format"): a change there alone
        // still verifies, as long as the rest is intact.
        if parsed.extra != proof.extra
            && parsed.index == proof.index
            && parsed.proof == proof.proof
            && parsed.checkpoint == proof.checkpoint
        {
            assert!(g.len() >= extra_line.start);
            continue;
        }
        if let Ok(cp) = parsed.verify(&entry, &verifier) {
            panic!("garbled proof verified: {g:?} -> {cp:?}");
        }
    }
    // Without the extra line; with an empty proof of a one-entry tree.
    let mut no_extra = proof.clone();
    no_extra.extra = None;
    let t = no_extra.encode();
    assert!(t.starts_with("c2sp.org/tlog-proof@v1\nindex 6\n"));
    assert_eq!(TlogProof::parse(&t).unwrap(), no_extra);
    for bad in [
        "",
        "c2sp.org/tlog-proof@v1",
        "c2sp.org/tlog-proof@v1\n",
        "c2sp.org/tlog-proof@v2\nindex 0\n\nx\n",
        "c2sp.org/tlog-proof@v1\nindex 01\n\nx\n",
        "c2sp.org/tlog-proof@v1\nindex -1\n\nx\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\nx\n",
        "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\nx\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nextra AA==\n\nx\n",
    ] {
        assert!(TlogProof::parse(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn garbled_keys_are_rejected() {
    let signer = signer();
    let skey = signer.key_string();
    let vkey = signer.verifier().key_string();
    for g in garbles(&skey) {
        if let Ok(s) = NoteSigner::from_key_string(&g) {
            // A changed seed with a matching key ID would be a different, valid key: only the
            // exact string may parse.
            assert_eq!(s.key_string(), skey, "{g:?}");
        }
    }
    for g in garbles(&vkey) {
        assert!(NoteVerifier::from_key_string(&g).is_err(), "accepted {g:?}");
    }
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let verifier = signer().verifier();
    let note_alphabet = "ab+/=\n \u{2014}0123456789log.example/tarsealPRIVATEKEY".as_bytes();
    let path_alphabet = b"tile/entries.px0123456789";
    for _ in 0..3000 {
        let len = (rng.next() % 120) as usize;
        let raw = rng.bytes(len, note_alphabet);
        let s = String::from_utf8_lossy(&raw);
        let _ = split_note(&s);
        assert!(verifier.verify(&s).is_err());
        let _ = Checkpoint::parse(&s);
        if let Ok(p) = TlogProof::parse(&s) {
            assert!(p.verify(b"x", &verifier).is_err());
        }
        let _ = NoteVerifier::from_key_string(&s);
        let _ = NoteSigner::from_key_string(&s);
        let path = String::from_utf8(rng.bytes(len % 40, path_alphabet)).unwrap();
        let _ = TileId::parse(&path);
        let _ = parse_entries_tile_path(&path);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = decode_entry_bundle(&bytes);
    }
    // Structured near-misses of tile paths.
    for _ in 0..3000 {
        let mut p = String::from("tile/");
        for _ in 0..(rng.next() % 6) {
            let e = [
                "x", "0", "12", "123", "x123", "x000", "entries", ".p/", "256", "-1", "/",
            ];
            p.push_str(e[(rng.next() % e.len() as u64) as usize]);
            if rng.next() & 1 == 0 {
                p.push('/');
            }
        }
        if let Ok(t) = TileId::parse(&p) {
            assert_eq!(t.path(), p, "parse is not canonical");
        }
        if let Ok((n, w)) = parse_entries_tile_path(&p) {
            assert_eq!(entries_tile_path(n, w), p, "parse is not canonical");
        }
    }
}

#[test]
fn truncated_entry_bundles_are_errors() {
    let entries: Vec<&[u8]> = vec![b"one", b"", b"three", &[9; 1000]];
    let bundle = encode_entry_bundle(&entries).unwrap();
    let boundaries = [0, 5, 7, 14, bundle.len()];
    for cut in 0..bundle.len() {
        let r = decode_entry_bundle(&bundle[..cut]);
        assert_eq!(r.is_ok(), boundaries.contains(&cut), "cut at {cut}");
    }
}

#[test]
fn wrong_stores_are_errors_not_panics() {
    // A reader that holds too few hashes, or answers with the wrong count.
    let stored = store(5);
    assert!(tree_hash(9, &stored).is_err());
    assert!(inclusion_proof(9, 7, &stored).is_err());
    assert!(consistency_proof(9, 3, &stored).is_err());
    assert!(stored_hashes_for_leaf(7, &[0; 32], &stored).is_err());
    struct Short;
    impl HashReader for Short {
        type Error = LogError;
        fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, LogError> {
            Ok(vec![[0; 32]])
        }
    }
    assert!(matches!(
        tree_hash(7, &Short),
        Err(LogError::ShortRead { wanted: 3, got: 1 })
    ));
    assert!(read_tile(
        &TileId {
            level: 0,
            index: 0,
            width: 7
        },
        7,
        &Short
    )
    .is_err());
    // Verifiers with absurd sizes.
    let h = [0u8; 32];
    assert!(verify_inclusion(&[h; 70], u64::MAX, &h, u64::MAX - 1, &h).is_err());
    assert!(verify_inclusion(&[], 0, &h, 0, &h).is_err());
    assert!(verify_consistency(&[h; 130], u64::MAX, &h, u64::MAX - 1, &h).is_err());
    assert!(verify_consistency(&[h; 3], u64::MAX, &h, 1 << 63, &h).is_err());
    // Index math on absurd inputs does not panic (debug builds check overflow).
    for level in [0u8, 7, 8, 63, 255] {
        for index in [0, 1 << 40, u64::MAX / 256, u64::MAX] {
            let t = TileId {
                level,
                index,
                width: 256,
            };
            let _ = tile_hash_indexes(&t);
            let _ = t.exists_in(u64::MAX);
        }
        let _ = stored_hash_index(level, u64::MAX);
    }
    for x in [u64::MAX, u64::MAX - 1, 1 << 63, (1 << 63) + 5] {
        let _ = split_stored_hash_index(x);
    }
    let _ = stored_hash_count(1 << 62);
}
