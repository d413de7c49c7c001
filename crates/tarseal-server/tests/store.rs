//! The batched append (group commit) on both stores, through the same test: outcomes in
//! order (a replay and a conflict inside one batch decided as if one by one), one
//! checkpoint per batch, the stored hashes giving that checkpoint's root, and nothing
//! written for a batch with nothing new.

use tarseal_server::store::{Appended, NewEntry, Store, StoreReader};

fn entry(n: u64, file: &str, sha: u64) -> NewEntry {
    NewEntry {
        leaf: format!("leaf {n} {file} {sha}").into_bytes(),
        record_sha256: format!("{n:064x}"),
        kind: "artifact".into(),
        project: "proj".into(),
        tag: "v1".into(),
        file: file.into(),
        sha256: format!("{sha:064x}"),
        md5: "-".into(),
        signer: "F".into(),
    }
}

fn open(db: &Option<String>, dir: &std::path::Path) -> Box<dyn Store> {
    match db {
        None => Box::new(tarseal_server::sqlite::SqliteStore::open(&dir.join("t.db")).unwrap()),
        Some(url) => Box::new(tarseal_server::pg::PgStore::open(url).unwrap()),
    }
}

#[test]
fn batches_on_both_stores() {
    tarseal_testkit::pg::each_store(|db| {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&db, dir.path());
        let key = tarseal_log::NoteSigner::new("test.example/log", &[7; 32]).unwrap();
        let sign = |size: u64, root: &tarseal_log::Hash| {
            let body = tarseal_log::Checkpoint {
                origin: "test.example/log".into(),
                size,
                root: *root,
                extensions: vec![],
            }
            .to_note_body();
            key.sign(&body)
        };
        store.init(&sign).unwrap();
        let a = entry(1, "a.tar.gz", 1);
        let b = entry(2, "b.tar.gz", 2);
        let a_other = entry(3, "a.tar.gz", 9);
        let c = entry(4, "c.tar.gz", 4);
        let out = store
            .append_batch(&[a.clone(), b, a.clone(), a_other, c], &sign)
            .unwrap();
        let kinds: Vec<String> = out
            .iter()
            .map(|o| match o {
                Appended::New(i, cp) => format!("new {i} @{}", cp.size),
                Appended::Existing(i) => format!("existing {i}"),
                Appended::Conflict(i) => format!("conflict {i}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "new 0 @3",
                "new 1 @3",
                "existing 0",
                "conflict 0",
                "new 2 @3"
            ]
        );
        // One checkpoint for the batch (after the empty tree's), matching the stored hashes.
        let cps = store.checkpoints().unwrap();
        assert_eq!(cps.iter().map(|c| c.size).collect::<Vec<_>>(), [0, 3]);
        let root = tarseal_log::tree_hash(3, &StoreReader(&*store)).unwrap();
        assert_eq!(cps[1].root, root);
        assert!(key.verifier().verify(&cps[1].note).is_ok());
        // Nothing new: nothing written.
        let out = store.append_batch(std::slice::from_ref(&a), &sign).unwrap();
        assert!(matches!(out[..], [Appended::Existing(0)]));
        assert_eq!(store.checkpoints().unwrap().len(), 2);
        // A batch of one, and the tree stays consistent across batches.
        let d = entry(5, "d.tar.gz", 5);
        match store.append(&d, &sign).unwrap() {
            Appended::New(3, cp) => {
                assert_eq!(cp.size, 4);
                let proof = tarseal_log::consistency_proof(4, 3, &StoreReader(&*store)).unwrap();
                tarseal_log::verify_consistency(&proof, 4, &cp.root, 3, &root).unwrap();
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            store.records(0, 4).unwrap()[2],
            entry(4, "c.tar.gz", 4).leaf
        );
    });
}
