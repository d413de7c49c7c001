//! `tarseal gate` (k-of-n distinct keys over exactly the given bytes) and
//! `tarseal trust verify-chain` (a trust file rotated only by a threshold of the old one).

mod common;

use common::cosign::*;
use common::gpg::T0;
use serde_json::Value;

/// `tarseal gate FILE --format json ARGS...` → (exit code, JSON, everything for messages).
fn gate(c: &Cosign, file: &str, args: &[&str]) -> (i32, Value, String) {
    let mut a = vec!["gate", file, "--format", "json"];
    a.extend_from_slice(args);
    let r = c.tarseal(&a);
    let json = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r.code, json, r.all)
}

fn statuses(json: &Value) -> Vec<(String, bool)> {
    json["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["status"].as_str().unwrap().to_string(),
                s["counted"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn thresholds_distinct_keys_unknown_and_bad() {
    let c = Cosign::new();
    let tar = c.tarball();
    let t = c.tarball_s();
    let bob = c.key("Bob <bob@example.org>");
    let carol = c.key("Carol <carol@example.org>");
    let carol_sub = c.g.add_subkey(Some(T0), &carol, "ed25519", "sign");
    let mallory = c.key("Mallory <mallory@example.org>");
    let kr = c.keyring(&[&c.alice, &bob, &carol]);
    let a = c.sig(&c.alice, &tar, None);
    let b = c.sig(&bob, &tar, None);
    let cp = c.sig(&format!("{carol}!"), &tar, None);
    let cs = c.sig(&format!("{carol_sub}!"), &tar, None);
    let m = c.sig(&mallory, &tar, None);

    // k = 2: 0, k-1, k and k+1 good signatures from distinct keys.
    let base = ["--keyring", kr.as_str(), "--threshold", "2"];
    let (code, json, all) = gate(&c, &t, &base);
    assert_eq!(code, 3, "{all}");
    assert_eq!(json["schema"], "tarseal.gate/v1", "{all}");
    assert_eq!(json["verdict"], "indeterminate", "{all}");
    let (code, json, all) = gate(&c, &t, &[&base[..], &[&a]].concat());
    assert_eq!(
        (code, &json["threshold"]["distinct_keys"]),
        (3, &1.into()),
        "{all}"
    );
    let (code, json, all) = gate(&c, &t, &[&base[..], &[&a, &b]].concat());
    assert_eq!(
        (code, &json["threshold"]["distinct_keys"]),
        (0, &2.into()),
        "{all}"
    );
    assert_eq!(json["verdict"], "pass", "{all}");
    assert_eq!(json["file"]["sha256"].as_str().unwrap().len(), 64, "{all}");
    let (code, json, all) = gate(&c, &t, &[&base[..], &[&a, &b, &cp]].concat());
    assert_eq!(
        (code, &json["threshold"]["distinct_keys"]),
        (0, &3.into()),
        "{all}"
    );

    // One certificate twice (primary and subkey, and the same file given twice): one key.
    let (code, json, all) = gate(&c, &t, &[&base[..], &[&cp, &cs, &cs]].concat());
    assert_eq!(
        (code, &json["threshold"]["distinct_keys"]),
        (3, &1.into()),
        "{all}"
    );
    let keys: Vec<&str> = json["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [carol.as_str(), &carol_sub, &carol_sub], "{all}");
    assert!(all.contains("counts once"), "{all}");

    // An unknown key is ignored: it neither counts nor fails.
    let (code, json, all) = gate(&c, &t, &[&base[..], &[&a, &m]].concat());
    assert_eq!(code, 3, "{all}");
    assert_eq!(
        statuses(&json)[1],
        ("unknown-key".to_string(), false),
        "{all}"
    );
    let (code, _, all) = gate(&c, &t, &[&base[..], &[&a, &m, &b]].concat());
    assert_eq!(code, 0, "{all}");

    // A known key's signature over another file is BAD over these bytes: the gate fails,
    // however many good signatures there are.
    let other = c.f.scratch("other.txt");
    std::fs::write(&other, "another release\n").unwrap();
    let wrong = c.sig(&bob, &other, None);
    let (code, json, all) = gate(&c, &t, &[&base[..], &[&a, &b, &cp, &wrong]].concat());
    assert_eq!(code, 1, "{all}");
    assert_eq!(json["verdict"], "fail", "{all}");
    assert_eq!(statuses(&json)[3], ("bad".to_string(), false), "{all}");
    assert!(
        json["problems"][0].as_str().unwrap().contains(&bob),
        "{all}"
    );

    // A tampered copy: every signature is BAD over it.
    let tampered = c.f.scratch(NAME);
    let mut bytes = std::fs::read(&tar).unwrap();
    bytes.push(0);
    std::fs::write(&tampered, bytes).unwrap();
    let (code, _, all) = gate(
        &c,
        tampered.to_str().unwrap(),
        &[&base[..], &[&a, &b]].concat(),
    );
    assert_eq!(code, 1, "{all}");

    // Text output names the verdict; usage errors are 2.
    let r = c.tarseal(&["gate", &t, "--keyring", &kr, "--threshold", "2", &a, &b]);
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(r.stdout.contains("verdict  PASS"), "{}", r.all);
    let r = c.tarseal(&["gate", &t, "--keyring", &kr, &a]);
    assert_eq!(r.code, 2, "no threshold: {}", r.all);
    let r = c.tarseal(&[
        "gate",
        "/nonexistent/x.tar.gz",
        "--keyring",
        &kr,
        "--threshold",
        "1",
    ]);
    assert_eq!(r.code, 2, "{}", r.all);
}

#[test]
fn expired_and_revoked_keys_do_not_count() {
    let c = Cosign::new();
    let tar = c.tarball();
    let t = c.tarball_s();
    // Expired: the key expires at 01:00+1h; it signs at 12:00 (gpg with a faked clock).
    let exp = c.key("Exp <exp@example.org>");
    let late = c.sig(&exp, &tar, Some("20200101T120000"));
    c.g.run(
        Some("20200101T010000"),
        &["--quick-set-expire", &exp, "seconds=3600"],
    );
    // Hard-revoked (key compromised) after it signed: every signature it made is void.
    let rev = c.key("Rev <rev@example.org>");
    let before = c.sig(&rev, &tar, Some("20200102T000000"));
    c.g.revoke("20200103T000000", &rev);
    let kr = c.keyring(&[&c.alice, &exp, &rev]);
    let a = c.sig(&c.alice, &tar, None);

    let (code, json, all) = gate(&c, &t, &["--keyring", &kr, "--threshold", "1", &late]);
    assert_eq!(code, 3, "{all}");
    assert_eq!(statuses(&json)[0], ("expired".to_string(), false), "{all}");
    let (code, json, all) = gate(&c, &t, &["--keyring", &kr, "--threshold", "1", &before]);
    assert_eq!(code, 3, "{all}");
    assert_eq!(statuses(&json)[0], ("revoked".to_string(), false), "{all}");
    assert!(
        json["signatures"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("hard"),
        "{all}"
    );
    let (code, json, all) = gate(
        &c,
        &t,
        &["--keyring", &kr, "--threshold", "2", &a, &late, &before],
    );
    assert_eq!(
        (code, &json["threshold"]["distinct_keys"]),
        (3, &1.into()),
        "{all}"
    );
    let (code, _, all) = gate(
        &c,
        &t,
        &["--keyring", &kr, "--threshold", "1", &a, &late, &before],
    );
    assert_eq!(code, 0, "{all}");
}

fn trust_file(c: &Cosign, name: &str, threshold: usize, keys: &[(&str, &str)]) -> String {
    let mut s = format!("version = 1\nthreshold = {threshold}\n");
    for (fpr, extra) in keys {
        s.push_str(&format!("\n[[key]]\nopenpgp = \"{fpr}\"\n{extra}"));
    }
    let p = c.f.dir.path().join(name);
    std::fs::write(&p, s).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn trust_file_keys_and_validity_windows() {
    let c = Cosign::new();
    let tar = c.tarball();
    let t = c.tarball_s();
    let bob = c.key("Bob <bob@example.org>");
    let carol = c.key("Carol <carol@example.org>");
    let kr = c.keyring(&[&c.alice, &bob, &carol]);
    // Alice's window closed in 2021; signatures are made now. Carol is not in the file.
    let trust = trust_file(
        &c,
        "trust.toml",
        2,
        &[
            (&c.alice, "valid_before = 2021-01-01T00:00:00Z\n"),
            (&bob, "valid_after = 2020-01-01T00:00:00Z\n"),
        ],
    );
    let (a, b, cs) = (
        c.sig(&c.alice, &tar, None),
        c.sig(&bob, &tar, None),
        c.sig(&carol, &tar, None),
    );
    let (code, json, all) = gate(&c, &t, &["--keyring", &kr, "--trust", &trust, &a, &b, &cs]);
    assert_eq!(code, 3, "{all}");
    assert_eq!(
        json["threshold"]["required"], 2,
        "from the trust file: {all}"
    );
    assert_eq!(json["threshold"]["from"], "trust-file", "{all}");
    assert_eq!(json["threshold"]["keys"], serde_json::json!([bob]), "{all}");
    let st = statuses(&json);
    assert_eq!(
        st,
        [
            ("good".to_string(), false),
            ("good".to_string(), true),
            ("good".to_string(), false)
        ],
        "{all}"
    );
    assert!(
        json["signatures"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("validity window"),
        "{all}"
    );
    assert!(
        json["signatures"][2]["detail"]
            .as_str()
            .unwrap()
            .contains("not a key of the trust file"),
        "{all}"
    );
    // --threshold overrides the file's; still only trust-file keys count.
    let (code, _, all) = gate(
        &c,
        &t,
        &[
            "--keyring",
            &kr,
            "--trust",
            &trust,
            "--threshold",
            "1",
            &a,
            &b,
            &cs,
        ],
    );
    assert_eq!(code, 0, "{all}");
    let (code, _, all) = gate(
        &c,
        &t,
        &[
            "--keyring",
            &kr,
            "--trust",
            &trust,
            "--threshold",
            "1",
            &a,
            &cs,
        ],
    );
    assert_eq!(code, 3, "{all}");
}

#[test]
fn rotation_needs_a_threshold_of_the_old_keys() {
    let c = Cosign::new();
    let tar = c.tarball();
    let t = c.tarball_s();
    let bob = c.key("Bob <bob@example.org>");
    let carol = c.key("Carol <carol@example.org>");
    let dave = c.key("Dave <dave@example.org>");
    let kr = c.keyring(&[&c.alice, &bob, &carol, &dave]);
    // v1: Alice and Bob, 2 of 2. v2: Carol and Dave, 1 of 2 (Alice and Bob retire).
    let v1 = trust_file(&c, "trust-v1.toml", 2, &[(&c.alice, ""), (&bob, "")]);
    let v2 = trust_file(&c, "trust-v2.toml", 1, &[(&carol, ""), (&dave, "")]);
    let v2p = std::path::PathBuf::from(&v2);
    let sign_v2 = |key: &str| {
        let p = format!("{v2}.{}.asc", &key[24..]);
        std::fs::write(&p, c.g.sign(None, key, &v2p, &[])).unwrap();
        p
    };
    let chain = |extra: &[&str]| {
        let mut a = vec![
            "trust",
            "verify-chain",
            v1.as_str(),
            v2.as_str(),
            "--keyring",
            kr.as_str(),
        ];
        a.extend_from_slice(extra);
        c.tarseal(&a)
    };

    // Signed by Alice only (1 of v1's threshold 2) and Carol: refused.
    let sa = sign_v2(&c.alice);
    sign_v2(&carol);
    let r = chain(&[]);
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(
        r.stdout.contains("1 key(s) of v1 signed (threshold 2)"),
        "{}",
        r.all
    );
    // The same refusal for programs (tarseal.trust-chain/v1).
    let r = chain(&["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.all);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is only JSON");
    assert_eq!(
        (v["schema"].as_str(), v["verdict"].as_str()),
        (Some("tarseal.trust-chain/v1"), Some("fail"))
    );
    assert_eq!(v["versions"][0]["status"], "root");
    assert_eq!(v["versions"][1]["status"], "rejected");
    assert_eq!(v["versions"][1]["signed_by_previous"], 1);
    assert_eq!(v["versions"][1]["previous_threshold"], 2);
    assert_eq!(v["versions"][1]["signatures"].as_array().unwrap().len(), 2);
    // Bob too: accepted.
    let sb = sign_v2(&bob);
    let r = chain(&[]);
    assert_eq!(r.code, 0, "{}", r.all);
    let r = chain(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is only JSON");
    assert_eq!(
        (r.code, v["verdict"].as_str(), v["exit_code"].as_u64()),
        (0, Some("pass"), Some(0))
    );
    assert_eq!(v["versions"][1]["status"], "ok");
    // Without a signature by a key of v2 itself: refused (the new keys must accept).
    let carol_sig = format!("{v2}.{}.asc", &carol[24..]);
    std::fs::rename(&carol_sig, c.f.dir.path().join("elsewhere.asc")).unwrap();
    let r = chain(&[]);
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(
        r.stdout.contains("0 key(s) of v2 signed (threshold 1)"),
        "{}",
        r.all
    );
    // ... given with --sig it is found again.
    let spec = format!("{v2}={}", c.f.dir.path().join("elsewhere.asc").display());
    let r = chain(&["--sig", &spec]);
    assert_eq!(r.code, 0, "{}", r.all);
    // An edited v2 after signing: every signature is BAD.
    let mut text = std::fs::read_to_string(&v2).unwrap();
    text.push_str("# edited\n");
    std::fs::write(&v2, &text).unwrap();
    let r = chain(&["--sig", &spec]);
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(r.stdout.contains("BAD"), "{}", r.all);
    text.truncate(text.len() - "# edited\n".len());
    std::fs::write(&v2, &text).unwrap();
    let _ = (sa, sb);

    // Once v2 is in force, the old keys no longer count at the gate.
    let (a, b, d) = (
        c.sig(&c.alice, &tar, None),
        c.sig(&bob, &tar, None),
        c.sig(&dave, &tar, None),
    );
    let (code, json, all) = gate(&c, &t, &["--keyring", &kr, "--trust", &v2, &a, &b]);
    assert_eq!(
        (code, &json["threshold"]["distinct_keys"]),
        (3, &0.into()),
        "{all}"
    );
    let (code, _, all) = gate(&c, &t, &["--keyring", &kr, "--trust", &v1, &a, &b]);
    assert_eq!(code, 0, "{all}");
    let (code, _, all) = gate(&c, &t, &["--keyring", &kr, "--trust", &v2, &a, &b, &d]);
    assert_eq!(code, 0, "{all}");
}

#[test]
fn gate_over_http_hashes_what_it_downloads() {
    let c = Cosign::new();
    let tar = c.tarball();
    let bob = c.key("Bob <bob@example.org>");
    let kr = c.keyring(&[&c.alice, &bob]);
    let (a, b) = (c.sig(&c.alice, &tar, None), c.sig(&bob, &tar, None));
    let files = vec![(NAME.to_string(), std::fs::read(&tar).unwrap())];
    let args = [
        "--keyring",
        kr.as_str(),
        "--threshold",
        "2",
        "--timeout",
        "5",
        &a,
        &b,
    ];

    let url = format!("{}{NAME}", serve(files.clone(), Serve::Honest));
    let (code, json, all) = gate(&c, &url, &args);
    assert_eq!(code, 0, "{all}");
    assert_eq!(json["file"]["source"], url.as_str(), "{all}");
    let url = format!("{}{NAME}", serve(files.clone(), Serve::Altered));
    let (code, _, all) = gate(&c, &url, &args);
    assert_eq!(code, 1, "{all}");
    let url = format!("{}{NAME}", serve(files, Serve::CutShort));
    let (code, json, all) = gate(&c, &url, &args);
    assert_eq!(code, 1, "{all}");
    assert!(json["file"].is_null(), "{all}");
    let (code, _, all) = gate(&c, "http://127.0.0.1:9/nothing.tar.gz", &args);
    assert_eq!(code, 2, "{all}");
}
