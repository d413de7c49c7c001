//! The witness's decisions (c2sp.org/tlog-witness "add-checkpoint") against real trees and
//! real signatures, on a real data directory, including a restart on the same directory.

use tarseal_log::{
    consistency_proof, leaf_hash, stored_hashes_for_leaf, tree_hash, Checkpoint, Hash, NoteSigner,
};
use tarseal_witness::witness::request_body;
use tarseal_witness::{AddError, Witness, WitnessPolicy};

/// An in-memory log: its stored hashes and its key.
struct Log {
    hashes: Vec<Hash>,
    size: u64,
    key: NoteSigner,
}

impl Log {
    fn new(name: &str, seed: u8) -> Log {
        Log {
            hashes: Vec::new(),
            size: 0,
            key: NoteSigner::new(name, &[seed; 32]).unwrap(),
        }
    }
    fn add(&mut self, data: &[u8]) {
        let new = stored_hashes_for_leaf(self.size, &leaf_hash(data), &self.hashes).unwrap();
        self.hashes.extend(new);
        self.size += 1;
    }
    fn note(&self) -> String {
        let root = tree_hash(self.size, &self.hashes).unwrap();
        let cp = Checkpoint {
            origin: self.key.name().to_string(),
            size: self.size,
            root,
            extensions: vec![],
        };
        self.key.sign(&cp.to_note_body()).unwrap()
    }
    fn body(&self, old: u64) -> String {
        let proof = if old == 0 {
            vec![]
        } else {
            consistency_proof(self.size, old, &self.hashes).unwrap()
        };
        request_body(old, &proof, &self.note())
    }
    fn vkey(&self) -> String {
        self.key.verifier().key_string()
    }
}

const T: u64 = 1_700_000_000;

#[test]
fn cosigns_growth_refuses_conflicts_forks_and_bad_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new("example.org/log", 1);
    let w = Witness::open(dir.path(), "witness.example/a", &[log.vkey()]).unwrap();
    for i in 0..5u8 {
        log.add(&[i]);
    }
    // First contact: old 0.
    let lines = w.add_checkpoint(&log.body(0), T).unwrap();
    assert!(lines.starts_with("\u{2014} witness.example/a "), "{lines}");
    let cosigned = format!("{}{lines}", log.note());
    let (_, ts) = w.verifier().verify(&cosigned).unwrap();
    assert_eq!(ts, T);
    let policy = WitnessPolicy::new(&[w.verifier_key()], Some(1))
        .unwrap()
        .unwrap();
    assert_eq!(policy.check(&cosigned).unwrap(), vec!["witness.example/a"]);
    assert!(policy.check(&log.note()).is_err());
    // The same checkpoint again: old must now be 5.
    match w.add_checkpoint(&log.body(0), T) {
        Err(e @ AddError::Conflict { known: 5, .. }) => assert_eq!(e.status(), 409),
        other => panic!("{other:?}"),
    }
    assert!(w.add_checkpoint(&log.body(5), T).is_ok());
    // Growth with a proof from 5.
    for i in 5..300u16 {
        log.add(&i.to_be_bytes());
    }
    assert!(w.add_checkpoint(&log.body(5), T).is_ok());
    assert_eq!(w.known("example.org/log").unwrap().0, 300);
    // A wrong proof: 422, state unchanged.
    log.add(b"x");
    let mut body = log.body(300);
    let first_hash_line = body.find('\n').unwrap() + 1;
    body.replace_range(first_hash_line..first_hash_line + 4, "AAAA");
    let e = w.add_checkpoint(&body, T).unwrap_err();
    assert_eq!(e.status(), 422, "{e}");
    assert_eq!(w.known("example.org/log").unwrap().0, 300);

    // A fork signed with the same key: another history of 300 and of 301 entries.
    let mut fork = Log::new("example.org/log", 1);
    for i in 0..300u16 {
        fork.add(&(i + 1).to_be_bytes());
    }
    let e = w.add_checkpoint(&fork.body(300), T).unwrap_err();
    assert!(matches!(e, AddError::Fork { .. }), "{e}");
    assert_eq!(e.status(), 409);
    fork.add(b"y");
    let e = w.add_checkpoint(&fork.body(300), T).unwrap_err();
    assert_eq!(e.status(), 422, "{e}");
    let e = w.add_checkpoint(&fork.body(0), T).unwrap_err();
    assert_eq!(e.status(), 409, "{e}");

    // Restarted on the same directory: the same state, the same refusals, the same key.
    let key = w.verifier_key();
    drop(w);
    let w = Witness::open(dir.path(), "witness.example/a", &[log.vkey()]).unwrap();
    assert_eq!(w.verifier_key(), key);
    assert_eq!(w.known("example.org/log").unwrap().0, 300);
    assert_eq!(
        w.add_checkpoint(&fork.body(300), T).unwrap_err().status(),
        422
    );
    assert!(w.add_checkpoint(&log.body(300), T).is_ok());
    // Another name on the same directory is refused (the key has its name).
    assert!(Witness::open(dir.path(), "witness.example/b", &[log.vkey()]).is_err());
}

#[test]
fn unknown_origin_bad_signature_and_malformed_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new("example.org/log", 1);
    log.add(b"a");
    let w = Witness::open(dir.path(), "w", &[log.vkey()]).unwrap();
    let mut other = Log::new("example.org/other", 2);
    other.add(b"a");
    assert_eq!(
        w.add_checkpoint(&other.body(0), T).unwrap_err().status(),
        404
    );
    // Same origin, another key: 403.
    let mut impostor = Log::new("example.org/log", 3);
    impostor.add(b"a");
    assert_eq!(
        w.add_checkpoint(&impostor.body(0), T).unwrap_err().status(),
        403
    );
    for body in [
        String::new(),
        "old 01\n\n".to_string(),
        "old x\n\n".to_string(),
        format!("old 0\nAAAA\n\n{}", log.note()),
        format!("old 0\n{}", log.note()),
        "old 0\n\nnot a note\n".to_string(),
        format!(
            "old 0\n{}\n{}",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(64),
            log.note()
        ),
    ] {
        let e = w.add_checkpoint(&body, T).unwrap_err();
        assert_eq!(e.status(), 400, "{body:?}: {e}");
    }
    assert_eq!(
        w.add_checkpoint(&log.body(0).replacen("old 0", "old 2", 1), T)
            .unwrap_err()
            .status(),
        400
    );
    // Nothing refused changed the state.
    assert_eq!(w.known("example.org/log").unwrap().0, 0);
    assert!(w.add_checkpoint(&log.body(0), T).is_ok());
}

#[test]
fn damaged_state_stops_the_witness() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::new("example.org/log", 1);
    log.add(b"a");
    let w = Witness::open(dir.path(), "w", &[log.vkey()]).unwrap();
    w.add_checkpoint(&log.body(0), T).unwrap();
    let state = tarseal_witness::state::StateDir::open(dir.path())
        .unwrap()
        .path("example.org/log");
    drop(w);
    std::fs::write(&state, "garbage").unwrap();
    let e = Witness::open(dir.path(), "w", &[log.vkey()]).err().unwrap();
    assert!(e.to_string().contains("damaged"), "{e}");
}

#[test]
fn policy_counts_distinct_pinned_witnesses() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut log = Log::new("example.org/log", 1);
    log.add(b"a");
    let a = Witness::open(dirs[0].path(), "a", &[log.vkey()]).unwrap();
    let b = Witness::open(dirs[1].path(), "b", &[log.vkey()]).unwrap();
    let note = log.note();
    let with_a = format!("{note}{}", a.add_checkpoint(&log.body(0), T).unwrap());
    let ka = a.verifier_key();
    let kb = b.verifier_key();
    let p = |keys: &[&String], n: Option<usize>| {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        WitnessPolicy::new(&keys, n)
    };
    assert!(p(&[&ka], Some(1)).unwrap().unwrap().check(&with_a).is_ok());
    let e = p(&[&kb], Some(1))
        .unwrap()
        .unwrap()
        .check(&with_a)
        .unwrap_err();
    assert!(e.to_string().contains("missing: b"), "{e}");
    assert!(!e.is_usage());
    let e = p(&[&ka, &kb], Some(2))
        .unwrap()
        .unwrap()
        .check(&with_a)
        .unwrap_err();
    assert!(e.to_string().contains("1 of the 2"), "{e}");
    // The same key twice is one witness.
    assert!(p(&[&ka, &ka], Some(2)).unwrap_err().is_usage());
    assert!(p(&[], Some(1)).unwrap_err().is_usage());
    assert!(p(&[], None).unwrap().is_none());
    // A log key is not a witness key.
    assert!(p(&[&log.vkey()], Some(1)).unwrap_err().is_usage());
    // A forged cosignature line (a's name and key ID, bytes changed) does not count.
    let forged = with_a.replace(
        &with_a[with_a.rfind(' ').unwrap() + 1..with_a.rfind(' ').unwrap() + 9],
        "AAAAAAAA",
    );
    assert!(p(&[&ka], Some(1)).unwrap().unwrap().check(&forged).is_err());
}
