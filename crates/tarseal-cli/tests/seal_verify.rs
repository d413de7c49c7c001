//! `tarseal seal` and `tarseal verify`: outputs accepted by gpg, gpgv and coreutils; the
//! record names the right commit; refusals write nothing; verify of local files and over
//! HTTP (a tiny server in the test), with thresholds over distinct keys.

mod common;

use common::gpg::*;
use common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

const NAME: &str = "proj-2.0.tar.gz";

struct Release {
    f: Fixture,
    g: Gpg,
    alice: String,
    /// Armored export of Alice's certificate.
    keyring: PathBuf,
    /// Binary export (for gpgv).
    keyring_gpg: PathBuf,
    secret: PathBuf,
    dir: PathBuf,
}

impl Release {
    /// A repository with tag v2 signed by Alice (`git tag -s`), its `git archive` as
    /// `rel/proj-2.0.tar.gz`, and Alice's secret key file (mode 0600).
    fn new() -> Release {
        let (f, g, alice, dir) = signed_release(NAME);
        let keyring = g.export_to(true, &[&alice], &f.dir.path().join("alice.asc"));
        let keyring_gpg = g.export_to(false, &[&alice], &f.dir.path().join("alice.gpg"));
        let secret = g.export_secret_to(&alice, &f.dir.path().join("alice.key"), 0o600);
        Release {
            f,
            g,
            alice,
            keyring,
            keyring_gpg,
            secret,
            dir,
        }
    }

    fn tarball(&self) -> PathBuf {
        self.dir.join(NAME)
    }

    fn seal(&self, tarball: &Path, extra: &[&str]) -> Output {
        Command::new(BIN)
            .arg("seal")
            .arg(tarball)
            .args(["--repo", self.f.repo().to_str().unwrap(), "--tag", "v2"])
            .args(["--keyring", self.keyring.to_str().unwrap()])
            .args(["--key", self.secret.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn ok(out: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `tarseal verify TARGET --format json ARGS...` → (exit code, JSON, text of a second run).
fn verify(target: &str, args: &[&str]) -> (i32, Value, String) {
    let run = |format: &str| {
        Command::new(BIN)
            .args(["verify", target, "--format", format])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run("json");
    let text = run("text");
    assert_eq!(out.status.code(), text.status.code(), "{}", ok(&text));
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let all = format!("{}\n{}", ok(&out), ok(&text));
    assert!(!all.contains("panicked"), "{all}");
    (out.status.code().unwrap_or(-1), json, all)
}

fn in_dir(dir: &Path, cmd: &str, args: &[&str]) {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{cmd} {args:?}: {}", ok(&out));
}

#[test]
fn seal_outputs_pass_gpg_gpgv_coreutils_and_verify() {
    let r = Release::new();
    let out = r.seal(&r.tarball(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", ok(&out));
    let want: Vec<String> = [
        "SHA256SUMS",
        "SHA256SUMS.asc",
        "SHA512SUMS",
        "SHA512SUMS.asc",
        NAME,
        &format!("{NAME}.asc"),
        &format!("{NAME}.git-proof"),
        &format!("{NAME}.intoto.jsonl"),
        &format!("{NAME}.md5"),
        &format!("{NAME}.report.json"),
        &format!("{NAME}.seal"),
        &format!("{NAME}.seal.asc"),
        &format!("{NAME}.sha256"),
        &format!("{NAME}.sha512"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut want = want;
    want.sort();
    assert_eq!(files_in(&r.dir), want);

    // Real tools accept every output.
    let home = r.g.path().to_str().unwrap().to_string();
    for (sig, data) in [
        (format!("{NAME}.asc"), NAME.to_string()),
        ("SHA256SUMS.asc".into(), "SHA256SUMS".into()),
        ("SHA512SUMS.asc".into(), "SHA512SUMS".into()),
        (format!("{NAME}.seal.asc"), format!("{NAME}.seal")),
    ] {
        in_dir(
            &r.dir,
            "gpg",
            &["--homedir", &home, "--batch", "--verify", &sig, &data],
        );
        in_dir(
            &r.dir,
            "gpgv",
            &["--keyring", r.keyring_gpg.to_str().unwrap(), &sig, &data],
        );
    }
    in_dir(
        &r.dir,
        "sha256sum",
        &["-c", "--strict", &format!("{NAME}.sha256")],
    );
    in_dir(
        &r.dir,
        "sha512sum",
        &["-c", "--strict", &format!("{NAME}.sha512")],
    );
    in_dir(
        &r.dir,
        "md5sum",
        &["-c", "--strict", &format!("{NAME}.md5")],
    );
    in_dir(&r.dir, "sha256sum", &["-c", "--strict", "SHA256SUMS"]);
    in_dir(&r.dir, "sha512sum", &["-c", "--strict", "SHA512SUMS"]);

    // The record: canonical, names the tag's commit, binds the report.
    let record = std::fs::read_to_string(r.dir.join(format!("{NAME}.seal"))).unwrap();
    let mut lines = record.lines();
    assert_eq!(lines.next(), Some("tarseal/v1 artifact"));
    let kv: HashMap<&str, &str> = lines.map(|l| l.split_once(' ').unwrap()).collect();
    assert_eq!(kv["project"], "proj");
    assert_eq!(kv["tag"], "v2");
    assert_eq!(kv["commit"], r.f.rev("v2^{commit}"));
    assert_eq!(kv["tag-object"], r.f.rev("v2"));
    assert_eq!(kv["tag-signature"], format!("good openpgp {}", r.alice));
    assert_eq!(kv["file"], NAME);
    let bytes = std::fs::read(r.tarball()).unwrap();
    assert_eq!(kv["size"], bytes.len().to_string());
    assert_eq!(kv["sha256"], sha256_hex(&bytes));
    assert_eq!(kv["signer"], r.alice);
    assert_eq!(kv["verdict"], "pass");
    assert!(kv["producer"].starts_with("tarseal "));
    let report = std::fs::read(r.dir.join(format!("{NAME}.report.json"))).unwrap();
    assert_eq!(kv["report-sha256"], sha256_hex(&report));
    let report: Value = serde_json::from_slice(&report).unwrap();
    assert_eq!(report["archive"]["digests"]["sha256"], sha256_hex(&bytes));
    assert_eq!(report["signature"]["status"], "good");
    assert!(!record.contains('\r') && record.ends_with('\n'));
    assert!(record.lines().all(|l| l.trim_end() == l));

    // verify: the sealed file passes; every signature is named.
    let kr = r.keyring.to_str().unwrap();
    let (code, json, all) = verify(r.tarball().to_str().unwrap(), &["--keyring", kr]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(json["schema"], "tarseal.verify/v1", "{all}");
    assert_eq!(json["threshold"]["distinct_keys"], 1, "{all}");
    let sigs = json["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 4, "{all}");
    assert!(
        sigs.iter()
            .all(|s| s["status"] == "good" && s["primary"] == r.alice.as_str()),
        "{all}"
    );
    assert!(all.contains(&r.alice), "{all}");

    // Sealing again (a second release file in the same directory keeps the SUMS lines).
    let other = r.dir.join("proj-extra-2.0.tar.gz");
    std::fs::copy(r.tarball(), &other).unwrap();
    let out = r.seal(&other, &["--project", "proj"]);
    assert_eq!(out.status.code(), Some(0), "{}", ok(&out));
    let sums = std::fs::read_to_string(r.dir.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 2, "{sums}");
    assert!(
        sums.lines().next().unwrap().ends_with(NAME),
        "sorted: {sums}"
    );
    in_dir(&r.dir, "sha256sum", &["-c", "--strict", "SHA256SUMS"]);
    in_dir(
        &r.dir,
        "gpgv",
        &[
            "--keyring",
            r.keyring_gpg.to_str().unwrap(),
            "SHA256SUMS.asc",
            "SHA256SUMS",
        ],
    );

    // A modified copy (with all the sidecars) is rejected.
    let copy = r.f.dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for n in files_in(&r.dir) {
        std::fs::copy(r.dir.join(&n), copy.join(&n)).unwrap();
    }
    let mut b = bytes.clone();
    let last = b.len() - 1;
    b[last] ^= 1;
    std::fs::write(copy.join(NAME), &b).unwrap();
    let (code, json, all) = verify(copy.join(NAME).to_str().unwrap(), &["--keyring", kr]);
    assert_eq!(code, 1, "{all}");
    assert_eq!(json["verdict"], "fail", "{all}");
    assert!(all.contains("BAD signature"), "{all}");
}

#[test]
fn seal_refuses_loose_key_and_failing_tarball_writing_nothing() {
    let r = Release::new();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&r.secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = r.seal(&r.tarball(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", ok(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("chmod 600"),
        "{}",
        ok(&out)
    );
    assert!(
        !ok(&out).contains("PRIVATE KEY"),
        "key material never echoed"
    );
    assert_eq!(files_in(&r.dir), vec![NAME.to_string()]);
    std::fs::set_permissions(&r.secret, std::fs::Permissions::from_mode(0o600)).unwrap();

    // An extra file in the tarball: the check fails (1), nothing is written.
    let tree = r.f.extract(&r.tarball());
    std::fs::write(tree.join("proj-2.0/evil.m4"), "dnl\n").unwrap();
    let bad_dir = r.f.dir.path().join("bad");
    std::fs::create_dir(&bad_dir).unwrap();
    let packed = r.f.pack(&tree, "proj-2.0", "gnu", "proj-2.0.tar");
    let bad = bad_dir.join("proj-2.0.tar");
    std::fs::copy(&packed, &bad).unwrap();
    let out = r.seal(&bad, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", ok(&out));
    assert_eq!(files_in(&bad_dir), vec!["proj-2.0.tar".to_string()]);

    // A SHA256SUMS nobody signed is not co-signed.
    std::fs::write(
        r.dir.join("SHA256SUMS"),
        format!("{}  other.tar\n", "0".repeat(64)),
    )
    .unwrap();
    let out = r.seal(&r.tarball(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", ok(&out));
    assert_eq!(
        files_in(&r.dir),
        vec!["SHA256SUMS".to_string(), NAME.to_string()]
    );
}

#[test]
fn verify_thresholds_and_unknown_keys() {
    let r = Release::new();
    let tar = r.tarball();
    let tar_s = tar.to_str().unwrap();
    let bob = r.g.gen_key(
        Some(T0),
        "Bob <bob@example.org>",
        "ed25519",
        "sign",
        "never",
    );
    let carol = r.g.gen_key(
        Some(T0),
        "Carol <carol@example.org>",
        "ed25519",
        "sign",
        "never",
    );
    let carol_sub = r.g.add_subkey(Some(T0), &carol, "ed25519", "sign");
    let sig = |key: &str, name: &str| -> String {
        let p = r.f.dir.path().join(name);
        std::fs::write(&p, r.g.sign(None, key, &tar, &[])).unwrap();
        p.to_str().unwrap().to_string()
    };
    let keyring = |who: &[&str]| -> String {
        r.g.export_to(true, who, &r.f.scratch("kr.asc"))
            .to_str()
            .unwrap()
            .to_string()
    };

    // Nothing beside the file: indeterminate.
    let (code, _, all) = verify(tar_s, &["--keyring", &keyring(&[&r.alice])]);
    assert_eq!(code, 3, "{all}");

    // Only a signature by a key outside the keyring (+ an unsigned checksum): 3.
    std::fs::write(
        r.dir.join(format!("{NAME}.sha256")),
        format!("{}  {NAME}\n", sha256_hex(&std::fs::read(&tar).unwrap())),
    )
    .unwrap();
    let bob_sig = sig(&bob, "bob.asc");
    let (code, json, all) = verify(
        tar_s,
        &["--keyring", &keyring(&[&r.alice]), "--sig", &bob_sig],
    );
    assert_eq!(code, 3, "{all}");
    assert_eq!(json["signatures"][0]["status"], "unknown-key", "{all}");
    assert!(all.contains(&bob[24..]), "the unknown key is named\n{all}");

    // Two distinct keys: threshold 2 met.
    let alice_sig = sig(&r.alice, "alice.asc");
    let both = keyring(&[&r.alice, &bob]);
    let (code, json, all) = verify(
        tar_s,
        &[
            "--keyring",
            &both,
            "--sig",
            &alice_sig,
            "--sig",
            &bob_sig,
            "--threshold",
            "2",
        ],
    );
    assert_eq!(code, 0, "{all}");
    assert_eq!(json["threshold"]["distinct_keys"], 2, "{all}");
    let (code, _, all) = verify(
        tar_s,
        &[
            "--keyring",
            &both,
            "--sig",
            &alice_sig,
            "--sig",
            &bob_sig,
            "--threshold",
            "3",
        ],
    );
    assert_eq!(code, 3, "{all}");
    // The same signature file named twice is one signature (listed once).
    let (code, json, all) = verify(
        tar_s,
        &["--keyring", &both, "--sig", &alice_sig, "--sig", &alice_sig],
    );
    assert_eq!(code, 0, "{all}");
    assert_eq!(json["signatures"].as_array().unwrap().len(), 1, "{all}");

    // One certificate twice (primary and subkey): one key, threshold 2 not met.
    let p = sig(&format!("{carol}!"), "carol-primary.asc");
    let s = sig(&format!("{carol_sub}!"), "carol-sub.asc");
    let (code, json, all) = verify(
        tar_s,
        &[
            "--keyring",
            &keyring(&[&carol]),
            "--sig",
            &p,
            "--sig",
            &s,
            "--threshold",
            "2",
        ],
    );
    assert_eq!(code, 3, "{all}");
    assert_eq!(json["threshold"]["distinct_keys"], 1, "{all}");
    let keys: Vec<&str> = json["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec![carol.as_str(), carol_sub.as_str()], "{all}");

    // A checksum that disagrees: 1 even with a good signature over the file.
    std::fs::write(
        r.dir.join(format!("{NAME}.sha256")),
        format!("{}  {NAME}\n", "0".repeat(64)),
    )
    .unwrap();
    let (code, _, all) = verify(tar_s, &["--keyring", &both, "--sig", &alice_sig]);
    assert_eq!(code, 1, "{all}");
}

/// How the test server misbehaves for the tarball.
#[derive(Clone, Copy)]
enum Mode {
    Honest,
    OtherBytes,
    StopsEarly,
}

/// Serves `files` on 127.0.0.1 (one thread, one request per connection); returns the base URL.
fn serve(files: HashMap<String, Vec<u8>>, mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let files = Arc::new(files);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut req = Vec::new();
            let mut b = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") {
                match conn.read(&mut b) {
                    Ok(1) => req.push(b[0]),
                    _ => break,
                }
            }
            let req = String::from_utf8_lossy(&req).to_string();
            let path = req
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_string();
            match files.get(&path) {
                None => {
                    let _ = conn.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
                Some(body) => {
                    let mut body = body.clone();
                    let mut len = body.len();
                    if path == NAME {
                        match mode {
                            Mode::Honest => {}
                            Mode::OtherBytes => body[len / 2] ^= 0x55,
                            Mode::StopsEarly => {
                                body.truncate(len / 2);
                                len += 1000;
                            }
                        }
                    }
                    let _ = conn.write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    let _ = conn.write_all(&body);
                }
            }
        }
    });
    format!("http://{addr}/")
}

#[test]
fn verify_over_http() {
    let r = Release::new();
    let out = r.seal(&r.tarball(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", ok(&out));
    let files: HashMap<String, Vec<u8>> = files_in(&r.dir)
        .into_iter()
        .map(|n| {
            let b = std::fs::read(r.dir.join(&n)).unwrap();
            (n, b)
        })
        .collect();
    let kr = r.keyring.to_str().unwrap();
    let started = std::time::Instant::now();

    let base = serve(files.clone(), Mode::Honest);
    let (code, json, all) = verify(&format!("{base}{NAME}"), &["--keyring", kr]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        json["file"]["content_length"], json["file"]["size"],
        "{all}"
    );
    assert_eq!(json["signatures"].as_array().unwrap().len(), 4, "{all}");

    let base = serve(files.clone(), Mode::OtherBytes);
    let (code, _, all) = verify(&format!("{base}{NAME}"), &["--keyring", kr]);
    assert_eq!(code, 1, "{all}");

    let base = serve(files, Mode::StopsEarly);
    let (code, json, all) = verify(
        &format!("{base}{NAME}"),
        &["--keyring", kr, "--timeout", "5"],
    );
    assert_eq!(code, 1, "{all}");
    assert_eq!(json["verdict"], "fail", "{all}");
    assert!(started.elapsed().as_secs() < 30, "no hang");
}
