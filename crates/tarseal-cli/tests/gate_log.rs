//! Co-signing and gating with the log, against a real `tarseal serve` on loopback and real
//! gpg keys: `sigs add/check --publish` put exactly one `cosign` record per accepted
//! signature into the log (nothing when the change is refused); `gate --server` judges each
//! key at the time the log first recorded its signature (an expiry before that time voids a
//! back-dated signature, an expiry after it does not), does not count signatures the log
//! never recorded, and writes one `upload` record naming the digest only when it passes.

mod common;

use common::cosign::*;
use common::gpg::T0;
use common::{isolate, sha256_hex};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// `tarseal serve` on 127.0.0.1:0 with SQLite (killed on drop); its URL and log key.
type Log = common::logserve::Serve;

fn serve(data: &Path, trust: &Path) -> Log {
    Log::start(data, trust, None)
}

/// A log whose trust directory lets `signers` publish records for project `proj`.
fn log_for(c: &Cosign, signers: &[&str]) -> Log {
    let trust = c.f.dir.path().join("log-trust");
    std::fs::create_dir_all(&trust).unwrap();
    c.g.export_to(true, signers, &trust.join("proj.keys"));
    let mut toml = String::from("threshold = 1\n");
    for s in signers {
        toml.push_str(&format!("[[key]]\nopenpgp = \"{s}\"\n"));
    }
    std::fs::write(trust.join("proj.toml"), toml).unwrap();
    serve(&c.f.dir.path().join("log-data"), &trust)
}

/// The log's records for proj v2 (inclusion proofs and checkpoint verified against the
/// pinned key): `(kind, record text, logged_at)`.
fn records(log: &Log) -> Vec<(String, String, String)> {
    match tarseal_server::client::query_verified(&log.url, "proj", "v2", &log.key).unwrap() {
        None => Vec::new(),
        Some(v) => v
            .records
            .into_iter()
            .map(|r| (r.kind, r.record, r.logged_at))
            .collect(),
    }
}

fn of_kind(log: &Log, kind: &str) -> Vec<String> {
    records(log)
        .into_iter()
        .filter(|r| r.0 == kind)
        .map(|r| r.1)
        .collect()
}

/// The value of `key` in a canonical record.
fn field<'a>(record: &'a str, key: &str) -> &'a str {
    record
        .lines()
        .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {key} in {record}"))
}

/// Base64 (standard alphabet, padded) decoding of a record's `signature`.
fn b64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = A
            .iter()
            .position(|&x| x == c)
            .unwrap_or_else(|| panic!("{s}")) as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn path_for(fpr: &str) -> String {
    format!("sigs/proj/v2/{NAME}.{}.asc", &fpr[fpr.len() - 16..])
}

/// Commits `files` (path, bytes) on top of `branch` (an orphan when missing) with git
/// plumbing; returns the new commit.
fn commit_on(c: &Cosign, branch: &str, files: &[(String, Vec<u8>)]) -> String {
    let repo = c.f.repo();
    let git = |args: &[&str], index: Option<&Path>, stdin: Option<&[u8]>| -> String {
        let mut cmd = Command::new("git");
        isolate(&mut cmd).args(args).current_dir(&repo);
        if let Some(i) = index {
            cmd.env("GIT_INDEX_FILE", i);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.unwrap_or_default())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let index = c.f.scratch("index");
    let old = {
        let out = isolate(&mut Command::new("git"))
            .args([
                "rev-parse",
                "--verify",
                "-q",
                &format!("refs/heads/{branch}"),
            ])
            .current_dir(&repo)
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    match &old {
        Some(o) => git(&["read-tree", o], Some(&index), None),
        None => git(&["read-tree", "--empty"], Some(&index), None),
    };
    for (path, bytes) in files {
        let blob = git(&["hash-object", "-w", "--stdin"], None, Some(bytes));
        git(
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("100644,{blob},{path}"),
            ],
            Some(&index),
            None,
        );
    }
    let tree = git(&["write-tree"], Some(&index), None);
    let mut ct = vec!["commit-tree", tree.as_str(), "-m", "sigs"];
    if let Some(o) = &old {
        ct.extend(["-p", o.as_str()]);
    }
    let commit = git(&ct, None, None);
    git(
        &["update-ref", &format!("refs/heads/{branch}"), &commit],
        None,
        None,
    );
    commit
}

fn empty_tree(c: &Cosign) -> String {
    c.f.git(&["hash-object", "-t", "tree", "/dev/null"])
}

/// `sigs check --publish` of `git_ref` against `base`.
fn check_publish(c: &Cosign, log: &Log, kr: &str, ci_key: &str, git_ref: &str, base: &str) -> Run {
    c.tarseal(&[
        "sigs",
        "check",
        "--repo",
        c.f.repo().to_str().unwrap(),
        "--ref",
        git_ref,
        "--base",
        base,
        "--keyring",
        kr,
        "--tarball-dir",
        c.dir.to_str().unwrap(),
        "--publish",
        &log.url,
        "--key",
        ci_key,
    ])
}

/// `gate TARBALL --format json --server ... ARGS` → (exit code, JSON, everything).
fn gate_log(c: &Cosign, log: &Log, ci_key: &str, args: &[&str]) -> (i32, Value, String) {
    let t = c.tarball_s();
    let mut a = vec![
        "gate",
        t.as_str(),
        "--format",
        "json",
        "--server",
        &log.url,
        "--log-key",
        &log.key,
        "--project",
        "proj",
        "--tag",
        "v2",
        "--key",
        ci_key,
    ];
    a.extend_from_slice(args);
    let r = c.tarseal(&a);
    let json = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r.code, json, r.all)
}

fn sig_entry<'a>(json: &'a Value, primary: &str) -> &'a Value {
    json["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["primary"] == primary)
        .unwrap_or_else(|| panic!("no signature by {primary}: {json:#}"))
}

/// Expiration time (unix seconds) of `fpr`'s primary key, from gpg's colon listing.
fn expires(c: &Cosign, fpr: &str) -> u64 {
    let out = String::from_utf8(c.g.run(None, &["--with-colons", "--list-keys", fpr])).unwrap();
    let pub_line = out.lines().find(|l| l.starts_with("pub:")).unwrap();
    pub_line.split(':').nth(6).unwrap().parse().unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn an_expired_key_counts_only_when_the_log_recorded_its_signature_before_the_expiry() {
    let c = Cosign::new();
    let tar = c.tarball();
    let ci = c.key("CI <ci@example.org>");
    let ci_key = c.secret(&ci);
    // Before: a key valid for one day from T0 (2020-01-01) signs "at noon that day"
    // (gpg's faked clock: a back-dated signature inside the key's validity), and the
    // signature reaches the log years after the key expired.
    let old =
        c.g.gen_key(Some(T0), "Old <old@example.org>", "ed25519", "sign", "1d");
    let old_sig = c.g.sign(Some("20200101T120000"), &old, &tar, &[]);
    let log = log_for(&c, &[&ci]);
    let kr_old = c.keyring(&[&c.alice, &old]);
    commit_on(&c, "release-sigs", &[(path_for(&old), old_sig.clone())]);
    let r = check_publish(&c, &log, &kr_old, &ci_key, "release-sigs", &empty_tree(&c));
    assert_eq!(r.code, 0, "{}", r.all);
    // Accepted (good at its own time), but sigs check says now that it will not count.
    assert!(
        r.all.contains("a gate that uses the log will not count it"),
        "{}",
        r.all
    );
    let cosigns = of_kind(&log, "cosign");
    assert_eq!(cosigns.len(), 1, "{}", r.all);
    assert_eq!(b64(field(&cosigns[0], "signature")), old_sig);

    // Without the log the signature is judged at its own (claimed) time: it counts.
    let sig_file = c.f.scratch("old.asc");
    std::fs::write(&sig_file, &old_sig).unwrap();
    let sig_s = sig_file.to_str().unwrap();
    let r = c.tarseal(&[
        "gate",
        &c.tarball_s(),
        "--keyring",
        &kr_old,
        "--threshold",
        "1",
        sig_s,
    ]);
    assert_eq!(r.code, 0, "{}", r.all);
    // With the log: judged when the log first recorded it, after the expiry.
    let (code, json, all) = gate_log(
        &c,
        &log,
        &ci_key,
        &["--keyring", &kr_old, "--threshold", "1"],
    );
    assert_eq!(code, 3, "{all}");
    let s = sig_entry(&json, &old);
    assert_eq!(s["status"], "expired", "{all}");
    assert_eq!(s["counted"], false, "{all}");
    assert!(s["logged_at"].as_str().unwrap().starts_with("20"), "{all}");
    assert!(s["file"].as_str().unwrap().starts_with("log:"), "{all}");
    // Given on the command line as well, it is the same signature: still judged at its
    // logged time.
    let (code, json, all) = gate_log(
        &c,
        &log,
        &ci_key,
        &["--keyring", &kr_old, "--threshold", "1", sig_s],
    );
    assert_eq!(code, 3, "{all}");
    assert_eq!(json["signatures"].as_array().unwrap().len(), 1, "{all}");
    assert_eq!(sig_entry(&json, &old)["status"], "expired", "{all}");
    // Given twice: both copies carry the log's time.
    let (code, json, all) = gate_log(
        &c,
        &log,
        &ci_key,
        &["--keyring", &kr_old, "--threshold", "1", sig_s, sig_s],
    );
    assert_eq!(code, 3, "{all}");
    for s in json["signatures"].as_array().unwrap() {
        assert_eq!(s["status"], "expired", "{all}");
        assert_eq!(s["log_index"], 0, "{all}");
    }
    assert_eq!(json["signatures"].as_array().unwrap().len(), 2, "{all}");
    assert_eq!(json["log"]["cosign_records"], 1, "{all}");
    assert!(
        of_kind(&log, "upload").is_empty(),
        "a failed gate logs nothing"
    );

    // After: a key with a few seconds of validity signs, the signature is published at
    // once, and the gate runs after the key expired: it counts, judged at the log's time.
    let short = c.g.gen_key(
        None,
        "Short <short@example.org>",
        "ed25519",
        "sign",
        "seconds=20",
    );
    let short_sig = c.g.sign(None, &short, &tar, &[]);
    // A second signature by the same key that never reaches the log (another digest
    // algorithm: EdDSA is deterministic, the same data in the same second would give the
    // same bytes).
    let unlogged = c.f.scratch("unlogged.asc");
    std::fs::write(
        &unlogged,
        c.g.sign(None, &short, &tar, &["--digest-algo", "SHA384"]),
    )
    .unwrap();
    assert_ne!(std::fs::read(&unlogged).unwrap(), short_sig);
    let unlogged = unlogged.to_str().unwrap().to_string();
    let base = c.f.rev("release-sigs");
    commit_on(&c, "release-sigs", &[(path_for(&short), short_sig.clone())]);
    let kr = c.keyring(&[&c.alice, &old, &short]);
    let r = check_publish(&c, &log, &kr, &ci_key, "release-sigs", &base);
    assert_eq!(r.code, 0, "{}", r.all);
    let expiry = expires(&c, &short);
    let logged = records(&log)
        .into_iter()
        .find(|r| r.0 == "cosign" && b64(field(&r.1, "signature")) == short_sig)
        .expect("short's cosign record")
        .2;
    let logged_unix = tarseal_sig::parse_utc(&logged)
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        logged_unix < expiry,
        "the machine took too long: logged {logged}, key expired at {expiry}"
    );
    while now() <= expiry + 1 {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let (code, json, all) = gate_log(&c, &log, &ci_key, &["--keyring", &kr, "--threshold", "1"]);
    assert_eq!(code, 0, "{all}");
    let s = sig_entry(&json, &short);
    assert_eq!(
        (&s["status"], &s["counted"]),
        (&"good".into(), &true.into()),
        "{all}"
    );
    assert_eq!(s["logged_at"], logged.as_str(), "{all}");
    assert_eq!(sig_entry(&json, &old)["status"], "expired", "{all}");
    assert_eq!(
        json["threshold"]["keys"],
        serde_json::json!([short]),
        "{all}"
    );

    assert_eq!(of_kind(&log, "upload").len(), 1, "one upload record: {all}");
    // The signature the log never recorded does not count, even by a key that counts
    // through another signature: its time cannot be established.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, json, all) = gate_log(
        &c,
        &log,
        &ci_key,
        &["--keyring", &kr, "--threshold", "1", &unlogged],
    );
    assert_eq!(code, 0, "{all}");
    let u = json["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"] == unlogged.as_str())
        .unwrap_or_else(|| panic!("{all}"));
    assert_eq!(
        (&u["status"], &u["counted"]),
        (&"not-logged".into(), &false.into()),
        "{all}"
    );
    assert!(u.get("logged_at").is_none(), "{all}");
    assert_eq!(
        of_kind(&log, "upload").len(),
        2,
        "one upload record per passed gate"
    );
}

#[test]
fn publish_cosigns_then_gate_and_record_the_upload() {
    let c = Cosign::new();
    let bob = c.key("Bob <bob@example.org>");
    let carol = c.key("Carol <carol@example.org>");
    let mallory = c.key("Mallory <mallory@example.org>");
    let ci = c.key("CI <ci@example.org>");
    let ci_key = c.secret(&ci);
    let kr = c.keyring(&[&c.alice, &bob, &carol]);
    let (ska, skb) = (c.secret(&c.alice), c.secret(&bob));
    // Maintainers may publish their own co-signatures; the CI its records.
    let log = log_for(&c, &[&ci, &c.alice, &bob]);
    let digest = sha256_hex(&std::fs::read(c.tarball()).unwrap());
    let repo = c.f.repo();
    let add = |secret: &str, publish: bool| {
        let tarball = c.tarball_s();
        let mut a = vec![
            "sigs",
            "add",
            tarball.as_str(),
            "--repo",
            repo.to_str().unwrap(),
            "--tag",
            "v2",
            "--keyring",
            kr.as_str(),
            "--key",
            secret,
            "-q",
        ];
        if publish {
            a.extend(["--publish", log.url.as_str()]);
        }
        c.tarseal(&a)
    };

    // Alice adds and publishes her own: one cosign record, signed by her.
    let r = add(&ska, true);
    assert_eq!(r.code, 0, "{}", r.all);
    let cosigns = of_kind(&log, "cosign");
    assert_eq!(cosigns.len(), 1, "{}", r.all);
    let alice_blob =
        c.f.git_raw(&["show", &format!("release-sigs:{}", path_for(&c.alice))]);
    assert_eq!(b64(field(&cosigns[0], "signature")), alice_blob);
    assert_eq!(field(&cosigns[0], "cosigner"), c.alice);
    assert_eq!(field(&cosigns[0], "signer"), c.alice);
    assert_eq!(field(&cosigns[0], "sha256"), digest);
    assert_eq!(field(&cosigns[0], "file"), NAME);
    // Bob adds without publishing; the CI's sigs check publishes what is not logged yet.
    assert_eq!(add(&skb, false).code, 0);
    assert_eq!(of_kind(&log, "cosign").len(), 1);
    let r = check_publish(&c, &log, &kr, &ci_key, "release-sigs", &empty_tree(&c));
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(r.stdout.contains("already in the log"), "{}", r.all);
    let cosigns = of_kind(&log, "cosign");
    assert_eq!(cosigns.len(), 2, "one per accepted signature: {}", r.all);
    let bob_blob =
        c.f.git_raw(&["show", &format!("release-sigs:{}", path_for(&bob))]);
    assert_eq!(b64(field(&cosigns[1], "signature")), bob_blob);
    assert_eq!(
        (field(&cosigns[1], "cosigner"), field(&cosigns[1], "signer")),
        (bob.as_str(), ci.as_str())
    );
    // Run again: nothing new.
    let r = check_publish(&c, &log, &kr, &ci_key, "release-sigs", &empty_tree(&c));
    assert_eq!(r.code, 0, "{}", r.all);
    assert_eq!(of_kind(&log, "cosign").len(), 2, "{}", r.all);

    // A refused change (Carol's good signature next to Mallory's, an unknown key):
    // nothing is published, not even the good one.
    let carol_sig = c.g.sign(None, &carol, &c.tarball(), &[]);
    commit_on(
        &c,
        "proposed",
        &[
            (path_for(&carol), carol_sig.clone()),
            (
                path_for(&mallory),
                c.g.sign(None, &mallory, &c.tarball(), &[]),
            ),
        ],
    );
    // (proposed starts as an orphan holding only these two: compare with the empty tree.)
    let r = check_publish(&c, &log, &kr, &ci_key, "proposed", &empty_tree(&c));
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(r.stdout.contains("nothing published"), "{}", r.all);
    assert_eq!(of_kind(&log, "cosign").len(), 2, "{}", r.all);

    // The gate reads the signatures from the log (no SIG, no --sigs-from) and passes 2 of
    // 3; it logs one upload record naming the digest and prints its index.
    let (code, json, all) = gate_log(&c, &log, &ci_key, &["--keyring", &kr, "--threshold", "2"]);
    assert_eq!(code, 0, "{all}");
    for who in [&c.alice, &bob] {
        let s = sig_entry(&json, who);
        assert_eq!(
            (&s["status"], &s["counted"]),
            (&"good".into(), &true.into()),
            "{all}"
        );
        assert!(s["log_index"].is_u64(), "{all}");
    }
    let uploads = of_kind(&log, "upload");
    assert_eq!(uploads.len(), 1, "{all}");
    let up = &uploads[0];
    assert!(up.starts_with("tarseal/v1 upload\n"), "{up}");
    assert_eq!(field(up, "sha256"), digest);
    assert_eq!(field(up, "file"), NAME);
    assert_eq!(
        field(up, "size"),
        std::fs::metadata(c.tarball()).unwrap().len().to_string()
    );
    assert_eq!(field(up, "source"), format!("file:{NAME}"));
    let mut keys = [c.alice.clone(), bob.clone()];
    keys.sort();
    assert_eq!(field(up, "gate"), format!("2-of-3 {}", keys.join(",")));
    assert_eq!(field(up, "signer"), ci);
    assert!(field(up, "producer").starts_with("tarseal "), "{up}");
    let index = json["upload_record"]["index"].as_u64().expect("index");
    let logged: Vec<_> = records(&log);
    assert_eq!(
        logged.iter().position(|r| r.0 == "upload"),
        Some(index as usize)
    );
    // Text output prints the index. (A second later: another signed-at, another record;
    // the same second would give the same record, which the log keeps once.)
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let t = c.tarball_s();
    let r = c.tarseal(&[
        "gate",
        &t,
        "--keyring",
        &kr,
        "--threshold",
        "2",
        "--server",
        &log.url,
        "--log-key",
        &log.key,
        "--project",
        "proj",
        "--tag",
        "v2",
        "--key",
        &ci_key,
    ]);
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(
        r.stdout.contains("upload   record logged at index"),
        "{}",
        r.all
    );
    assert_eq!(of_kind(&log, "upload").len(), 2);

    // Carol's signature given on the command line is valid but was never logged: it does
    // not count; 3 of 3 is not reached and nothing is recorded.
    let carol_file = c.f.scratch("carol.asc");
    std::fs::write(&carol_file, &carol_sig).unwrap();
    let (code, json, all) = gate_log(
        &c,
        &log,
        &ci_key,
        &[
            "--keyring",
            &kr,
            "--threshold",
            "3",
            carol_file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 3, "{all}");
    let s = sig_entry(&json, &carol);
    assert_eq!(
        (&s["status"], &s["counted"]),
        (&"not-logged".into(), &false.into()),
        "{all}"
    );
    assert!(
        s["detail"]
            .as_str()
            .unwrap()
            .contains("cannot be established"),
        "{all}"
    );
    assert_eq!(of_kind(&log, "upload").len(), 2, "{all}");
    // A tampered copy: every logged signature is BAD over it; exit 1, nothing recorded.
    let tampered_dir = c.f.dir.path().join("tampered");
    std::fs::create_dir(&tampered_dir).unwrap();
    let mut bytes = std::fs::read(c.tarball()).unwrap();
    bytes.push(0);
    std::fs::write(tampered_dir.join(NAME), &bytes).unwrap();
    let tampered = tampered_dir.join(NAME);
    let r = c.tarseal(&[
        "gate",
        tampered.to_str().unwrap(),
        "--format",
        "json",
        "--keyring",
        &kr,
        "--threshold",
        "2",
        "--server",
        &log.url,
        "--log-key",
        &log.key,
        "--project",
        "proj",
        "--tag",
        "v2",
        "--key",
        &ci_key,
    ]);
    // The log's cosign records name another digest: known keys signed other bytes.
    assert_eq!(r.code, 1, "{}", r.all);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["verdict"], "fail", "{}", r.all);
    assert_eq!(json["threshold"]["distinct_keys"], 0, "{}", r.all);
    assert!(
        json["problems"][0].as_str().unwrap().contains(&digest),
        "names the digest the maintainers signed: {}",
        r.all
    );
    assert_eq!(of_kind(&log, "upload").len(), 2, "{}", r.all);

    // Usage: --server without --key (or the other log flags) is exit 2.
    let r = c.tarseal(&[
        "gate",
        &t,
        "--keyring",
        &kr,
        "--threshold",
        "2",
        "--server",
        &log.url,
        "--log-key",
        &log.key,
        "--project",
        "proj",
        "--tag",
        "v2",
    ]);
    assert_eq!(r.code, 2, "{}", r.all);
    let r = c.tarseal(&[
        "gate",
        &t,
        "--keyring",
        &kr,
        "--threshold",
        "2",
        "--server",
        &log.url,
    ]);
    assert_eq!(r.code, 2, "{}", r.all);
    // A wrong pinned log key: the answer does not verify, the gate fails (1).
    let other = {
        let d = c.f.dir.path().join("other-log");
        let l = serve(&d, &c.f.dir.path().join("log-trust"));
        l.key.clone()
    };
    let r = c.tarseal(&[
        "gate",
        &t,
        "--keyring",
        &kr,
        "--threshold",
        "2",
        "--server",
        &log.url,
        "--log-key",
        &other,
        "--project",
        "proj",
        "--tag",
        "v2",
        "--key",
        &ci_key,
    ]);
    assert_eq!(r.code, 1, "{}", r.all);
    assert_eq!(of_kind(&log, "upload").len(), 2, "{}", r.all);
}

/// Base64 (standard alphabet, padded).
fn b64_encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for ch in data.chunks(3) {
        let n = (ch[0] as u32) << 16
            | (*ch.get(1).unwrap_or(&0) as u32) << 8
            | *ch.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(if i <= ch.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

#[test]
fn a_signature_made_after_the_log_recorded_it_does_not_count() {
    let c = Cosign::new();
    let tar = c.tarball();
    let ci = c.key("CI <ci@example.org>");
    let ci_key = c.secret(&ci);
    let ahead = c.key("Ahead <ahead@example.org>");
    let kr = c.keyring(&[&c.alice, &ahead]);
    let log = log_for(&c, &[&ci]);
    // A clock ahead of the log's: the signature claims to be made 8 seconds from now, and
    // its cosign record reaches the log at once (by hand: sigs check would refuse a
    // signature from the future).
    let created = now() + 8;
    let sig = c.g.sign(Some(&created.to_string()), &ahead, &tar, &[]);
    let bytes = std::fs::read(&tar).unwrap();
    let record = tarseal_record::Record::with_kind(
        tarseal_record::Kind::Cosign,
        &[
            ("project", "proj".into()),
            ("tag", "v2".into()),
            ("file", NAME.into()),
            ("size", bytes.len().to_string()),
            ("sha256", sha256_hex(&bytes)),
            ("cosigner", ahead.clone()),
            ("signature", b64_encode(&sig)),
            ("signer", ci.clone()),
            ("signed-at", "2026-01-01T00:00:00Z".into()),
        ],
    )
    .unwrap()
    .to_text();
    let rec_file = c.f.scratch("cosign.record");
    std::fs::write(&rec_file, &record).unwrap();
    let rec_sig = c.g.sign(None, &ci, &rec_file, &[]);
    let a =
        tarseal_server::client::publish(&log.url, &record, &String::from_utf8(rec_sig).unwrap())
            .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let p = tarseal_server::client::parse_published(&a.body).unwrap();
    let logged = tarseal_sig::parse_utc(&p.logged_at)
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        logged < created,
        "logged {logged}, signature made {created}"
    );
    // Once the signature's time has passed, it verifies; without the log it counts.
    while now() <= created + 1 {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let sig_file = c.f.scratch("ahead.asc");
    std::fs::write(&sig_file, &sig).unwrap();
    let r = c.tarseal(&[
        "gate",
        &c.tarball_s(),
        "--keyring",
        &kr,
        "--threshold",
        "1",
        sig_file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.all);
    // Judged at the log's time it was not yet made: refused.
    let (code, json, all) = gate_log(&c, &log, &ci_key, &["--keyring", &kr, "--threshold", "1"]);
    assert_eq!(code, 3, "{all}");
    let s = sig_entry(&json, &ahead);
    assert_eq!(
        (&s["status"], &s["counted"]),
        (&"not-alive".into(), &false.into()),
        "{all}"
    );
    assert_eq!(s["logged_at"], p.logged_at.as_str(), "{all}");
    assert!(of_kind(&log, "upload").is_empty(), "{all}");
}
