//! The log API against a real server on loopback: publish, query, tiles, and every refusal
//! (each asserting its status and that the log did not grow).

mod common;

use common::*;
use tarseal_server::app::{QueryAnswer, ROUTES};
use tarseal_server::client;
use tarseal_server::record::LogEntry;

/// The record inside a stored leaf.
fn leaf_record(leaf: &[u8]) -> Vec<u8> {
    LogEntry::parse(leaf).unwrap().record
}

fn tarseal_record_time_ok(t: &str) -> bool {
    t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T'
}

fn publish(url: &str, rec: &str, sig: &str) -> (u16, serde_json::Value) {
    let a = client::publish(url, rec, sig).unwrap();
    let v = serde_json::from_str(&a.body).unwrap_or(serde_json::Value::String(a.body.clone()));
    (a.status, v)
}

#[test]
fn publish_query_tiles() {
    each_store(publish_query_tiles_on);
}

fn publish_query_tiles_on(db: Option<String>) {
    let alice = new_key("alice");
    let s = TestServer::start(&db, &[("nova", &[&alice])]);
    assert_eq!(s.size(), 0);
    let rec = record("nova", "27.1.0", "nova-27.1.0.tar.gz", &digest(1));
    let (st, v) = publish(&s.url, &rec, &sign(&alice, &rec));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["index"], 0);
    assert_eq!(v["existing"], false);
    let proof = v["tlog_proof"].as_str().unwrap();
    // The proof file carries the leaf (the log entry) in its `extra` line.
    assert!(
        proof.starts_with("c2sp.org/tlog-proof@v1\nextra ") && proof.contains("\nindex 0\n"),
        "{proof}"
    );
    let logged_at = v["logged_at"].as_str().unwrap();
    assert!(tarseal_record_time_ok(logged_at), "{logged_at}");
    let rec2 = record("nova", "27.1.0", "nova-27.1.0.tar.xz", &digest(2));
    let (st, v) = publish(&s.url, &rec2, &sign(&alice, &rec2));
    assert_eq!((st, v["index"].as_u64()), (200, Some(1)));
    assert_eq!(s.size(), 2);

    // JSON with proofs, verified against the log key.
    let a = client::query(&s.url, "nova", "27.1.0", None).unwrap();
    assert_eq!(a.status, 200);
    let ans: QueryAnswer = serde_json::from_str(&a.body).unwrap();
    assert_eq!(ans.records.len(), 2);
    let cp = client::verify_answer(&ans, Some(&s.verifier_key)).unwrap();
    assert_eq!(cp.size, 2);
    // A record altered in the answer fails its proof.
    let mut bad: QueryAnswer = serde_json::from_str(&a.body).unwrap();
    bad.records[0].record = bad.records[0].record.replace("x-producer", "x-produced");
    assert!(client::verify_answer(&bad, Some(&s.verifier_key)).is_err());
    // Another log key does not verify the checkpoint.
    let other = tarseal_log::generate_signer("test.localhost/log")
        .unwrap()
        .1;
    assert!(client::verify_answer(&ans, Some(&other)).is_err());

    let a = client::query(&s.url, "nova", "27.1.0", Some("sha256sums")).unwrap();
    assert_eq!(
        a.body,
        format!(
            "{}  nova-27.1.0.tar.gz\n{}  nova-27.1.0.tar.xz\n",
            digest(1),
            digest(2)
        )
    );
    let a = client::query(&s.url, "nova", "27.1.0", Some("md5sums")).unwrap();
    assert!(a
        .body
        .starts_with("d41d8cd98f00b204e9800998ecf8427e  nova-27.1.0.tar.gz\n"));
    let a = client::get(&s.url, &format!("v1/digests/sha256/{}", digest(2))).unwrap();
    assert_eq!(a.status, 200);
    let ans: QueryAnswer = serde_json::from_str(&a.body).unwrap();
    assert_eq!(ans.records[0].index, 1);

    // Not found is indeterminate.
    let a = client::query(&s.url, "nova", "99", None).unwrap();
    assert_eq!(a.status, 404);
    assert!(a.body.starts_with("indeterminate: no record"), "{}", a.body);
    let a = client::get(&s.url, &format!("v1/digests/sha256/{}", digest(9))).unwrap();
    assert_eq!(a.status, 404);

    // Tiles and the checkpoint.
    let a = client::get(&s.url, "checkpoint").unwrap();
    assert!(a.body.starts_with("test.localhost/log\n2\n"), "{}", a.body);
    let a = client::get(&s.url, "tile/entries/000.p/2").unwrap();
    assert_eq!(a.status, 200);
    let bundle = tarseal_log::decode_entry_bundle(&a.bytes).unwrap();
    // The entry bundle holds the leaves: each a log entry with the record inside.
    assert_eq!(
        bundle.iter().map(|l| leaf_record(l)).collect::<Vec<_>>(),
        vec![rec.as_bytes().to_vec(), rec2.as_bytes().to_vec()]
    );
    let a = client::get(&s.url, "tile/0/000.p/2").unwrap();
    assert_eq!((a.status, a.bytes.len()), (200, 64));
    assert_eq!(client::get(&s.url, "tile/0/000.p/3").unwrap().status, 404);
    assert_eq!(client::get(&s.url, "tile/entries/000").unwrap().status, 404);
    assert_eq!(
        client::get(&s.url, "tile/../etc/passwd").unwrap().status,
        404
    );
    assert_eq!(client::get(&s.url, "healthz").unwrap().status, 200);
    let a = client::get(&s.url, "openapi.yaml").unwrap();
    assert!(a.body.starts_with("openapi: 3"));
}

#[test]
fn refusals_write_nothing() {
    each_store(refusals_write_nothing_on);
}

fn refusals_write_nothing_on(db: Option<String>) {
    let alice = new_key("alice");
    let mallory = new_key("mallory");
    let s = TestServer::start(&db, &[("nova", &[&alice]), ("evil", &[&mallory])]);
    let rec = record("nova", "1.0", "nova-1.0.tar.gz", &digest(1));
    let sig = sign(&alice, &rec);
    assert_eq!(publish(&s.url, &rec, &sig).0, 200);
    assert_eq!(s.size(), 1);

    let check = |what: &str, status: u16, got: (u16, serde_json::Value)| {
        assert_eq!(got.0, status, "{what}: {}", got.1);
        assert_eq!(s.size(), 1, "{what}: the log grew");
        assert_eq!(s.store.checkpoints().unwrap().len(), 2, "{what}");
    };
    let rec2 = record("nova", "2.0", "nova-2.0.tar.gz", &digest(2));
    // Unsigned: an empty signature, no signature field.
    check("empty signature", 403, publish(&s.url, &rec2, ""));
    let (st, _) = post_raw(
        &s.url,
        "/v1/records",
        serde_json::json!({ "record": rec2 }).to_string().as_bytes(),
    );
    check("no signature field", 400, (st, serde_json::Value::Null));
    // Signed by another project's key; by a key signing a different text.
    check(
        "other project's key",
        403,
        publish(&s.url, &rec2, &sign(&mallory, &rec2)),
    );
    check(
        "signature over other bytes",
        403,
        publish(&s.url, &rec2, &sig),
    );
    // Unknown project.
    let rec3 = record("glance", "1.0", "glance-1.0.tar.gz", &digest(3));
    check(
        "unknown project",
        403,
        publish(&s.url, &rec3, &sign(&alice, &rec3)),
    );
    // Replay: 200 with the existing entry.
    let (st, v) = publish(&s.url, &rec, &sig);
    assert_eq!(
        (v["index"].as_u64(), v["existing"].as_bool()),
        (Some(0), Some(true))
    );
    check("replay", 200, (st, v));
    // Conflicting digest for the same project, tag and file: 409 naming entry 0.
    let conflict = record("nova", "1.0", "nova-1.0.tar.gz", &digest(7));
    let (st, v) = publish(&s.url, &conflict, &sign(&alice, &conflict));
    assert_eq!(v["existing_index"], 0, "{v}");
    check("conflict", 409, (st, v));
    // Too large.
    let big = serde_json::json!({ "record": "x".repeat(70_000), "signature": "" }).to_string();
    let (st, _) = post_raw(&s.url, "/v1/records", big.as_bytes());
    check("oversized", 413, (st, serde_json::Value::Null));
    // Not UTF-8, not JSON, not a record.
    let mut raw = serde_json::json!({ "record": rec2, "signature": "" })
        .to_string()
        .into_bytes();
    raw[20] = 0xff;
    let (st, _) = post_raw(&s.url, "/v1/records", &raw);
    check("malformed UTF-8", 400, (st, serde_json::Value::Null));
    let (st, _) = post_raw(&s.url, "/v1/records", b"record=x");
    check("not JSON", 400, (st, serde_json::Value::Null));
    check("not a record", 400, publish(&s.url, "hello\n", &sig));
    // Path traversal and control characters in project, tag and file.
    for (p, t, f) in [
        ("../nova", "1", "f.tar.gz"),
        ("nova", "../../etc", "f.tar.gz"),
        ("nova", "1/../2", "f.tar.gz"),
        ("nova", "1\u{1b}[2J", "f.tar.gz"),
        ("nova", "1", "../f.tar.gz"),
        ("nova", "1", "a/f.tar.gz"),
    ] {
        let r = record(p, t, f, &digest(4));
        check(
            &format!("{p} {t} {f}"),
            400,
            publish(&s.url, &r, &sign(&alice, &r)),
        );
    }
    // Query paths are checked too.
    assert_eq!(
        client::query(&s.url, "nova", "..", None).unwrap().status,
        400
    );
    assert_eq!(
        client::query(&s.url, "..", "1.0", None).unwrap().status,
        400
    );
    assert_eq!(
        client::query(&s.url, "nova", "a\u{7}b", None)
            .unwrap()
            .status,
        400
    );
}

/// Every route of the router is in docs/openapi.yaml and every path there is routed.
#[test]
fn openapi_lists_every_route() {
    let doc = tarseal_server::app::OPENAPI;
    let mut documented = Vec::new();
    let mut path = None;
    for line in doc.lines() {
        if let Some(p) = line.strip_prefix("  /") {
            path = Some(format!("/{}", p.trim_end_matches(':')));
        } else if let (Some(p), Some(m)) = (&path, line.strip_prefix("    ")) {
            let m = m.trim_end_matches(':');
            if ["get", "post", "put", "delete", "patch", "head"].contains(&m) {
                documented.push((m.to_string(), p.clone()));
            }
        } else if !line.starts_with("    ") {
            path = None;
        }
    }
    let mut routed: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed);
    // And each GET route answers (not 404/405 for its own path shape).
    let s = TestServer::start(&None, &[]);
    for (m, p) in ROUTES {
        if *m == "get" {
            let p = p
                .replace("{tile_path}", "entries/000.p/1")
                .replace("{project}", "nova")
                .replace("{tag}", "1")
                .replace("{hex}", &digest(1))
                .replace("{old}", "0")
                .replace("{new}", "0")
                .replace("{index}", "0")
                .replace("{part}", "record");
            let st = client::get(&s.url, &p).unwrap().status;
            assert!(st == 200 || st == 404, "{p}: {st}");
            // The empty log has no entry, project or release page to show.
            let empty = ["tile", "/v1/", "/projects/", "/entries/"];
            if !empty.iter().any(|e| p.contains(e)) {
                assert_eq!(st, 200, "{p}");
            }
        }
    }
}

/// Eight publishers at once: nothing lost, nothing duplicated, indexes dense, and every
/// checkpoint handed out is consistent with the final one.
#[test]
fn concurrent_publishers() {
    each_store(concurrent_publishers_on);
}

fn concurrent_publishers_on(db: Option<String>) {
    let alice = new_key("alice");
    let s = TestServer::start(&db, &[("nova", &[&alice])]);
    let url = s.url.clone();
    let alice = std::sync::Arc::new(alice);
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let url = url.clone();
            let alice = alice.clone();
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                for i in 0..20u64 {
                    let rec = record(
                        "nova",
                        &format!("{t}.{i}"),
                        "nova.tar.gz",
                        &digest(t * 1000 + i),
                    );
                    let sig = sign(&alice, &rec);
                    let a = client::publish(&url, &rec, &sig).unwrap();
                    assert_eq!(a.status, 200, "{}", a.body);
                    let p = client::parse_published(&a.body).unwrap();
                    acked.push((p.index, rec, p.checkpoint));
                    // Every fourth record is sent twice: no duplicate.
                    if i % 4 == 0 {
                        let a = client::publish(&url, &acked.last().unwrap().1, &sig).unwrap();
                        let q = client::parse_published(&a.body).unwrap();
                        assert!(q.existing);
                        assert_eq!(q.index, p.index);
                    }
                }
                acked
            })
        })
        .collect();
    let acked: Vec<(u64, String, String)> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(acked.len(), 160);
    let last = s.store.latest_checkpoint().unwrap();
    assert_eq!(last.size, 160);
    let records = s.store.records(0, 160).unwrap();
    let mut indexes: Vec<u64> = acked.iter().map(|a| a.0).collect();
    indexes.sort();
    assert_eq!(indexes, (0..160).collect::<Vec<_>>());
    for (i, rec, _) in &acked {
        assert_eq!(leaf_record(&records[*i as usize]), rec.as_bytes());
    }
    let reader = tarseal_server::store::StoreReader(&*s.store);
    let root = tarseal_log::tree_hash(160, &reader).unwrap();
    assert_eq!(root, last.root);
    let handed: Vec<String> = acked.iter().map(|a| a.2.clone()).collect();
    for note in handed
        .iter()
        .chain(s.store.checkpoints().unwrap().iter().map(|c| &c.note))
    {
        let cp = client::open_checkpoint(note, Some(&s.verifier_key)).unwrap();
        let proof = tarseal_log::consistency_proof(160, cp.size, &reader).unwrap();
        tarseal_log::verify_consistency(&proof, 160, &root, cp.size, &cp.root).unwrap();
    }
}

/// The tlog-proof a publish returns verifies with tarseal-log against the log key.
#[test]
fn tlog_proof_verifies() {
    each_store(tlog_proof_verifies_on);
}

fn tlog_proof_verifies_on(db: Option<String>) {
    let alice = new_key("alice");
    let s = TestServer::start(&db, &[("nova", &[&alice])]);
    for i in 0..5 {
        let rec = record("nova", &format!("{i}"), "nova.tar.gz", &digest(i));
        let a = client::publish(&s.url, &rec, &sign(&alice, &rec)).unwrap();
        let p = client::parse_published(&a.body).unwrap();
        let proof = tarseal_log::TlogProof::parse(&p.tlog_proof).unwrap();
        let v = tarseal_log::NoteVerifier::from_key_string(&s.verifier_key).unwrap();
        // The leaf is the log entry in the proof's `extra`: it holds this record and its
        // signature, and verifies; the bare record (or anything else) does not.
        let leaf = proof.extra.clone().expect("the proof carries its leaf");
        let entry = LogEntry::parse(&leaf).unwrap();
        assert_eq!(entry.record, rec.as_bytes());
        assert_eq!(entry.logged_at, p.logged_at);
        let cp = proof.verify(&leaf, &v).unwrap();
        assert_eq!((proof.index, cp.size), (i, i + 1));
        assert!(proof.verify(rec.as_bytes(), &v).is_err());
        assert!(proof.verify(b"other", &v).is_err());
    }
}

/// Two stateless instances on one PostgreSQL database (sharing the log key), publishers on
/// both at once: one dense log, every acknowledged record once.
#[test]
fn two_instances_on_postgres() {
    let Some(pg) = PgCluster::start() else {
        return;
    };
    let db = Some(pg.new_database());
    let alice = std::sync::Arc::new(new_key("alice"));
    let a = TestServer::start(&db, &[("nova", &[&alice])]);
    let dir = tempfile::tempdir().unwrap();
    write_trust(&dir.path().join("trust"), &[("nova", &[&alice])]);
    std::fs::copy(a.dir.path().join("log-key"), dir.path().join("log-key")).unwrap();
    let b = TestServer::start_in(dir, db);
    assert_eq!(a.verifier_key, b.verifier_key);
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let url = if t % 2 == 0 {
                a.url.clone()
            } else {
                b.url.clone()
            };
            let alice = alice.clone();
            std::thread::spawn(move || {
                (0..10u64)
                    .map(|i| {
                        let rec = record(
                            "nova",
                            &format!("{t}.{i}"),
                            "n.tar.gz",
                            &digest(t * 100 + i),
                        );
                        let r = client::publish(&url, &rec, &sign(&alice, &rec)).unwrap();
                        assert_eq!(r.status, 200, "{}", r.body);
                        (client::parse_published(&r.body).unwrap().index, rec)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut acked: Vec<(u64, String)> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    acked.sort();
    assert_eq!(
        acked.iter().map(|x| x.0).collect::<Vec<_>>(),
        (0..80).collect::<Vec<_>>()
    );
    let records = a.store.records(0, 80).unwrap();
    for (i, rec) in &acked {
        assert_eq!(leaf_record(&records[*i as usize]), rec.as_bytes());
    }
    let reader = tarseal_server::store::StoreReader(&*a.store);
    let last = a.store.latest_checkpoint().unwrap();
    assert_eq!(last.size, 80);
    for cp in a.store.checkpoints().unwrap() {
        let proof = tarseal_log::consistency_proof(80, cp.size, &reader).unwrap();
        tarseal_log::verify_consistency(&proof, 80, &last.root, cp.size, &cp.root).unwrap();
        client::open_checkpoint(&cp.note, Some(&a.verifier_key)).unwrap();
    }
}

/// The trust file's window is judged at the log's time as well as at the signature's: a
/// key whose window closed cannot bring in a record by back-dating its signature into it.
#[test]
fn closed_window_refused_even_for_a_backdated_signature() {
    let alice = new_key("alice"); // created an hour ago
    let dir = tempfile::tempdir().unwrap();
    let trust = dir.path().join("trust");
    write_trust(&trust, &[("nova", &[&alice])]);
    let now = std::time::SystemTime::now();
    let fmt = |t: std::time::SystemTime| tarseal_sig::format_utc(t);
    let window = |before: std::time::SystemTime| {
        format!(
            "threshold = 1\n[[key]]\nopenpgp = \"{}\"\nvalid_after = \"{}\"\nvalid_before = \"{}\"\n",
            alice.fingerprint(),
            fmt(now - std::time::Duration::from_secs(3000)),
            fmt(before)
        )
    };
    // Closed ten minutes ago.
    std::fs::write(
        trust.join("nova.toml"),
        window(now - std::time::Duration::from_secs(600)),
    )
    .unwrap();
    let s = TestServer::start_in(dir, None);
    let rec = record("nova", "1.0", "nova-1.0.tar.gz", &digest(1));
    let backdated = {
        let mut h = alice
            .start_detached(now - std::time::Duration::from_secs(1800))
            .unwrap()
            .unwrap();
        h.update(rec.as_bytes());
        alice.finish_detached(h).unwrap()
    };
    let (st, v) = publish(&s.url, &rec, &backdated);
    assert_eq!(st, 403, "{v}");
    assert!(v["error"].as_str().unwrap().contains("window"), "{v}");
    assert_eq!(s.size(), 0);
    let (st, _) = publish(&s.url, &rec, &sign(&alice, &rec));
    assert_eq!(st, 403, "a signature made now is outside the window too");
    assert_eq!(s.size(), 0);
}

/// An OpenPGP key that expired cannot publish by back-dating a signature to its lifetime:
/// the key is judged at the log's time too.
#[test]
fn expired_key_refused_even_for_a_backdated_signature() {
    use openpgp::serialize::stream::{Armorer, Message, Signer};
    use openpgp::serialize::Serialize;
    use sequoia_openpgp as openpgp;
    use std::io::Write;
    use std::time::{Duration, SystemTime};
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let (cert, _) = openpgp::cert::CertBuilder::general_purpose(Some("old <old@example.org>"))
        .set_creation_time(hour_ago)
        .set_validity_period(Duration::from_secs(1800)) // expired 30 min ago
        .generate()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let trust = dir.path().join("trust");
    std::fs::create_dir(&trust).unwrap();
    std::fs::write(
        trust.join("nova.toml"),
        format!(
            "threshold = 1\n[[key]]\nopenpgp = \"{}\"\n",
            cert.fingerprint().to_hex()
        ),
    )
    .unwrap();
    let mut certs = Vec::new();
    cert.serialize(&mut certs).unwrap();
    std::fs::write(trust.join("nova.keys"), certs).unwrap();
    let s = TestServer::start_in(dir, None);

    let rec = record("nova", "1.0", "nova-1.0.tar.gz", &digest(1));
    let signed_at = hour_ago + Duration::from_secs(600); // inside the key's life
    let policy = openpgp::policy::StandardPolicy::new();
    let keypair = cert
        .keys()
        .secret()
        .with_policy(&policy, Some(signed_at))
        .for_signing()
        .next()
        .unwrap()
        .key()
        .clone()
        .into_keypair()
        .unwrap();
    let mut backdated = Vec::new();
    {
        let m = Message::new(&mut backdated);
        let m = Armorer::new(m)
            .kind(openpgp::armor::Kind::Signature)
            .build()
            .unwrap();
        let mut w = Signer::new(m, keypair)
            .unwrap()
            .detached()
            .creation_time(signed_at)
            .build()
            .unwrap();
        w.write_all(rec.as_bytes()).unwrap();
        w.finalize().unwrap();
    }
    let (st, v) = publish(&s.url, &rec, std::str::from_utf8(&backdated).unwrap());
    assert_eq!(st, 403, "{v}");
    assert!(v["error"].as_str().unwrap().contains("expired"), "{v}");
    assert_eq!(s.size(), 0);
}
