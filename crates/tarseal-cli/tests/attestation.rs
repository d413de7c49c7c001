//! `NAME.intoto.jsonl` (issue 14, item 3): seal writes a DSSE envelope holding an in-toto
//! Statement v1 with a SLSA verification summary v1 about the sealed file, signed over the
//! DSSE PAE with the seal key; `verify --attestation` checks it (0 / 1 / 2), and two
//! independent implementations read it: GnuPG verifies the signature over PAE bytes this test
//! rebuilds itself (payload decoded by coreutils `base64`), and Python's securesystemslib
//! (DSSE) and in-toto-attestation (Statement) from PyPI parse it and compute the same PAE.

mod common;

use common::gpg::*;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NAME: &str = "proj-2.0.tar.gz";

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A signed release sealed into `out/` (with the tarball copied there).
struct Sealed {
    f: Fixture,
    g: Gpg,
    alice: String,
    keyring: PathBuf,
    out: PathBuf,
}

impl Sealed {
    fn new() -> Sealed {
        let (f, g, alice, dir) = signed_release(NAME);
        let keyring = g.export_to(true, &[&alice], &f.dir.path().join("alice.asc"));
        let secret = g.export_secret_to(&alice, &f.dir.path().join("alice.key"), 0o600);
        let out = f.dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let run = Command::new(BIN)
            .arg("seal")
            .arg(dir.join(NAME))
            .args(["--repo", f.repo().to_str().unwrap(), "--tag", "v2"])
            .args(["--keyring", keyring.to_str().unwrap()])
            .args(["--key", secret.to_str().unwrap()])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", show(&run));
        std::fs::copy(dir.join(NAME), out.join(NAME)).unwrap();
        Sealed {
            f,
            g,
            alice,
            keyring,
            out,
        }
    }

    fn envelope(&self) -> PathBuf {
        self.out.join(format!("{NAME}.intoto.jsonl"))
    }

    /// A directory holding only `file` (as NAME) and `attestation`: nothing else vouches.
    fn bare(&self, tag: &str, file: &[u8], attestation: &[u8]) -> (PathBuf, PathBuf) {
        let d = self.f.dir.path().join(format!("bare-{tag}"));
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join(NAME), file).unwrap();
        std::fs::write(d.join("a.intoto.jsonl"), attestation).unwrap();
        (d.join(NAME), d.join("a.intoto.jsonl"))
    }
}

/// `tarseal verify FILE --attestation A --keyring K --format json`.
fn verify(file: &Path, attestation: &Path, keyring: &Path) -> (Output, serde_json::Value) {
    let out = Command::new(BIN)
        .arg("verify")
        .arg(file)
        .arg("--attestation")
        .arg(attestation)
        .arg("--keyring")
        .arg(keyring)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        show(&out)
    );
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out, v)
}

fn problems(v: &serde_json::Value) -> String {
    v["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn pj_profile(content: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(content).unwrap();
    v["profile"].as_str().unwrap().to_string()
}

/// coreutils `base64 -d` (not the code under test).
fn b64d(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("base64")
        .arg("-d")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "base64 -d {text:?}");
    out.stdout
}

/// The envelope's JSON, its payload type, payload and first signature, decoded here.
fn decode(envelope: &[u8]) -> (serde_json::Value, String, Vec<u8>, String, Vec<u8>) {
    let text = std::str::from_utf8(envelope).unwrap();
    assert_eq!(text.lines().count(), 1, "one envelope, one line: {text}");
    assert!(text.ends_with('\n'));
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let ty = v["payloadType"].as_str().unwrap().to_string();
    let payload = b64d(v["payload"].as_str().unwrap());
    let sigs = v["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 1, "{v}");
    let keyid = sigs[0]["keyid"].as_str().unwrap().to_string();
    let sig = b64d(sigs[0]["sig"].as_str().unwrap());
    (v, ty, payload, keyid, sig)
}

/// DSSE protocol 1.0: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, written out here.
fn pae(ty: &str, body: &[u8]) -> Vec<u8> {
    let mut p = format!("DSSEv1 {} {} {} ", ty.len(), ty, body.len()).into_bytes();
    p.extend_from_slice(body);
    p
}

/// Replaces the base64 character at `at` of the string field `field` (of signature 0 when
/// `sig`) with another base64 character: the JSON stays well-formed, the bytes change.
fn flip_b64(envelope: &[u8], sig: bool, at: f64) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(envelope).unwrap();
    let slot = if sig {
        &mut v["signatures"][0]["sig"]
    } else {
        &mut v["payload"]
    };
    let s = slot.as_str().unwrap().to_string();
    let body = s.trim_end_matches('=');
    let i = (body.len() as f64 * at) as usize;
    let c = body.as_bytes()[i];
    let to = if c == b'A' { 'B' } else { 'A' };
    let flipped = format!("{}{to}{}", &s[..i], &s[i + 1..]);
    assert_ne!(b64d(&flipped), b64d(&s));
    *slot = serde_json::Value::String(flipped);
    let mut line = v.to_string();
    line.push('\n');
    line.into_bytes()
}

#[test]
fn seal_writes_a_signed_verification_summary_that_verify_checks() {
    let s = Sealed::new();
    let tarball = std::fs::read(s.out.join(NAME)).unwrap();
    let envelope = std::fs::read(s.envelope()).unwrap();
    let (_, ty, payload, keyid, _) = decode(&envelope);
    assert_eq!(ty, "application/vnd.in-toto+json");
    assert_eq!(keyid, s.alice, "keyid = the seal key's fingerprint");

    // The statement: subject, predicate type, the VSA fields, the inputs, the extension.
    let st: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        st["predicateType"],
        "https://slsa.dev/verification_summary/v1"
    );
    let subject = &st["subject"][0];
    assert_eq!(subject["name"], NAME);
    assert_eq!(subject["digest"]["sha256"], sha256_hex(&tarball));
    use sha2::Digest;
    assert_eq!(
        subject["digest"]["sha512"],
        hex::encode(sha2::Sha512::digest(&tarball))
    );
    let p = &st["predicate"];
    assert!(p["verifier"]["id"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert_eq!(
        p["verifier"]["version"]["tarseal"],
        env!("CARGO_PKG_VERSION")
    );
    assert!(p["timeVerified"].as_str().unwrap().ends_with('Z'), "{p}");
    assert_eq!(p["resourceUri"], "pkg:generic/proj@v2");
    assert_eq!(p["verificationResult"], "PASSED");
    assert_eq!(p["verifiedLevels"][0], "TARSEAL_CONTENT_MATCHES_SIGNED_TAG");
    // The policy's digest is the SHA-256 of its inline content.
    let policy = &p["policy"];
    let content = b64d(policy["content"].as_str().unwrap());
    let uri = policy["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("https://") && uri.contains("/policy/"),
        "{policy}"
    );
    assert_eq!(policy["name"], format!("profile {}", pj_profile(&content)));
    assert_eq!(policy["digest"]["sha256"], sha256_hex(&content));
    let pj: serde_json::Value = serde_json::from_slice(&content).unwrap();
    assert!(pj["profile"].is_string(), "{pj}");
    // The signed tag and the commit as inputs.
    let inputs = p["inputAttestations"].as_array().unwrap();
    let tag_id = s.f.git(&["rev-parse", "v2"]);
    let commit = s.f.git(&["rev-parse", "v2^{commit}"]);
    assert_eq!(inputs[0]["name"], "refs/tags/v2");
    assert_eq!(inputs[0]["digest"]["gitTag"], tag_id.as_str());
    assert!(inputs[0]["annotations"]["signature"]
        .as_str()
        .unwrap()
        .contains(&s.alice));
    assert_eq!(inputs[1]["digest"]["gitCommit"], commit.as_str());
    assert_eq!(
        inputs[1]["annotations"]["tree"],
        s.f.git(&["rev-parse", "v2^{tree}"]).as_str()
    );
    let surface = p
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.ends_with("/attestation/trust-surface/v1"))
        .expect("trust surface extension")
        .1;
    assert_eq!(surface["files"], 0, "{surface}");

    // (a) tarseal verify, beside the other outputs and with the attestation alone.
    let (out, v) = verify(&s.out.join(NAME), &s.envelope(), &s.keyring);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let (file, att) = s.bare("ok", &tarball, &envelope);
    let (out, v2) = verify(&file, &att, &s.keyring);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let src: Vec<&serde_json::Value> = v2["sources"].as_array().unwrap().iter().collect();
    assert_eq!(src.len(), 1, "only the attestation vouches: {v2:#}");
    assert_eq!(src[0]["kind"], "attestation");
    assert_eq!(src[0]["status"], "match");
    assert_eq!(src[0]["signed_by"][0], s.alice.as_str());
    assert!(v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["kind"] == "attestation" && x["status"] == "match"));

    // (b) One byte of the file changed: the subject is not these bytes.
    let mut changed = tarball.clone();
    let mid = changed.len() / 2;
    changed[mid] ^= 1;
    let (file, att) = s.bare("changed", &changed, &envelope);
    let (out, v) = verify(&file, &att, &s.keyring);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        problems(&v).contains("no subject of the statement has these bytes' digests"),
        "{}",
        show(&out)
    );

    // (c) One flipped byte in the payload, or in the signature: the signature is BAD.
    for (what, sig) in [("payload", false), ("sig", true)] {
        let flipped = flip_b64(&envelope, sig, 0.8);
        let (file, att) = s.bare(what, &tarball, &flipped);
        let (out, v) = verify(&file, &att, &s.keyring);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", show(&out));
        let p = problems(&v);
        assert!(p.contains("signature 0"), "{what}: {p}");
    }
    // Another payloadType is signed too (PAE): changing it breaks the signature.
    let mut other: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
    other["payloadType"] = "application/json".into();
    let (file, att) = s.bare("type", &tarball, format!("{other}\n").as_bytes());
    let (out, v) = verify(&file, &att, &s.keyring);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let p = problems(&v);
    assert!(p.contains("BAD") && p.contains("payloadType"), "{p}");

    // A keyring without the seal key: unknown key id, rejected.
    let bob = s.g.gen_key(
        Some(T0),
        "Bob <bob@example.org>",
        "ed25519",
        "sign",
        "never",
    );
    let bobs =
        s.g.export_to(true, &[&bob], &s.f.dir.path().join("bob.asc"));
    let (out, v) = verify(&s.out.join(NAME), &s.envelope(), &bobs);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let p = problems(&v);
    assert!(p.contains(&format!("unknown key id {}", s.alice)), "{p}");

    // Malformed JSON (a truncated file): an input error, 2.
    let (file, att) = s.bare("truncated", &tarball, &envelope[..envelope.len() / 2]);
    let (out, _) = verify(&file, &att, &s.keyring);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not JSON"),
        "{}",
        show(&out)
    );
}

/// (d) GnuPG, not tarseal, verifies the detached signature over PAE bytes rebuilt here from
/// the envelope; and over PAE bytes of a changed payload it fails.
#[test]
fn gpg_verifies_the_signature_over_the_pae_bytes() {
    let s = Sealed::new();
    let envelope = std::fs::read(s.envelope()).unwrap();
    let (_, ty, payload, keyid, sig) = decode(&envelope);
    let dir = s.f.dir.path().join("gpgcheck");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("pae"), pae(&ty, &payload)).unwrap();
    std::fs::write(dir.join("sig"), &sig).unwrap();
    // Binary OpenPGP signature packet (tag 2), not armor.
    assert!(sig[0] & 0x80 != 0 && !sig.starts_with(b"-----"), "{sig:?}");
    let keyring =
        s.g.export_to(false, &[&s.alice], &s.f.dir.path().join("alice.gpg"));
    let gpgv = |data: &str| {
        Command::new("gpgv")
            .arg("--status-fd")
            .arg("1")
            .arg("--keyring")
            .arg(&keyring)
            .arg(dir.join("sig"))
            .arg(dir.join(data))
            .output()
            .unwrap()
    };
    let out = gpgv("pae");
    assert!(out.status.success(), "{}", show(&out));
    let status = String::from_utf8_lossy(&out.stdout);
    let validsig = status
        .lines()
        .find(|l| l.starts_with("[GNUPG:] VALIDSIG "))
        .unwrap_or_else(|| panic!("{status}"));
    // The last field of VALIDSIG is the primary key's fingerprint: the envelope's keyid.
    assert_eq!(validsig.split(' ').next_back(), Some(keyid.as_str()));
    let home = s.g.path().to_str().unwrap().to_string();
    let out = Command::new("gpg")
        .args(["--homedir", &home, "--batch", "--verify"])
        .arg(dir.join("sig"))
        .arg(dir.join("pae"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));

    // The payload alone (not its PAE) does not verify: the signature covers the type too.
    std::fs::write(dir.join("payload"), &payload).unwrap();
    assert!(!gpgv("payload").status.success());
    let mut changed = payload.clone();
    let i = changed.len() / 2;
    changed[i] ^= 0x20;
    std::fs::write(dir.join("changed"), pae(&ty, &changed)).unwrap();
    let out = gpgv("changed");
    assert!(!out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BADSIG"));
}

/// A venv with securesystemslib and in-toto-attestation from PyPI (inheriting what .ci/run
/// installed system-wide); `None` with a NOTICE when pip cannot install them — a failure
/// under `CI=true`.
fn python_with_dsse(dir: &Path) -> Option<PathBuf> {
    let venv = dir.join("venv");
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let skip = |why: String| {
        assert!(!ci, "CI: {why}");
        eprintln!("NOTICE: {why}; the Python DSSE check is skipped");
        None
    };
    let made = Command::new("python3")
        .args(["-m", "venv", "--system-site-packages"])
        .arg(&venv)
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        Ok(o) => return skip(format!("python3 -m venv failed: {}", show(&o))),
        Err(e) => return skip(format!("no python3: {e}")),
    }
    let py = venv.join("bin/python");
    let pip = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--retries", "1", "--timeout", "30"])
        .args(["securesystemslib>=1.0", "in-toto-attestation>=0.9"])
        .output()
        .unwrap();
    if !pip.status.success() {
        return skip(format!(
            "pip cannot install securesystemslib and in-toto-attestation from PyPI: {}",
            show(&pip)
        ));
    }
    Some(py)
}

const PY_CHECK: &str = r#"
import base64, json, sys
from securesystemslib.dsse import Envelope
from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement

env_path, pae_out, sha256, sha512 = sys.argv[1:5]
line = open(env_path, encoding="utf-8").read()
assert line.count("\n") == 1 and line.endswith("\n"), "one JSON line"
data = json.loads(line)
env = Envelope.from_dict(json.loads(line))
assert env.payload_type == "application/vnd.in-toto+json", env.payload_type
open(pae_out, "wb").write(env.pae())
# securesystemslib writes the same envelope back (standard base64).
back = env.to_dict()
assert back["payload"] == data["payload"], "payload re-encoded differently"
assert [s["sig"] for s in back["signatures"]] == [s["sig"] for s in data["signatures"]]
assert [s["keyid"] for s in back["signatures"]] == [s["keyid"] for s in data["signatures"]]
# in-toto-attestation's Statement v1 (protobuf, unknown fields refused) validates it.
pb = json_format.Parse(env.payload.decode("utf-8"), statement_pb2.Statement())
st = Statement.copy_from_pb(pb)
st.validate()
assert pb.predicate_type == "https://slsa.dev/verification_summary/v1", pb.predicate_type
assert pb.subject[0].digest["sha256"] == sha256
assert pb.subject[0].digest["sha512"] == sha512
assert pb.predicate["verificationResult"] == "PASSED"
print("ok", len(env.pae()))
"#;

/// (e) Python's DSSE and in-toto implementations parse the envelope and compute the same PAE
/// bytes as this test (and so as the signature covers).
#[test]
fn python_dsse_and_in_toto_libraries_read_the_envelope() {
    let s = Sealed::new();
    let Some(py) = python_with_dsse(s.f.dir.path()) else {
        return;
    };
    let envelope = std::fs::read(s.envelope()).unwrap();
    let (_, ty, payload, _, _) = decode(&envelope);
    let tarball = std::fs::read(s.out.join(NAME)).unwrap();
    use sha2::Digest;
    let pae_out = s.f.dir.path().join("python.pae");
    let out = Command::new(&py)
        .arg("-c")
        .arg(PY_CHECK)
        .arg(s.envelope())
        .arg(&pae_out)
        .arg(sha256_hex(&tarball))
        .arg(hex::encode(sha2::Sha512::digest(&tarball)))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok "));
    let python_pae = std::fs::read(&pae_out).unwrap();
    assert_eq!(python_pae, pae(&ty, &payload), "Python's PAE differs");
    // And those bytes are the ones the seal key signed (tarseal's own verifier agrees with
    // gpg in the test above).
    let (_, _, _, _, sig) = decode(&envelope);
    std::fs::write(s.f.dir.path().join("python.sig"), sig).unwrap();
    let keyring =
        s.g.export_to(false, &[&s.alice], &s.f.dir.path().join("alice.gpg"));
    let out = Command::new("gpgv")
        .arg("--keyring")
        .arg(&keyring)
        .arg(s.f.dir.path().join("python.sig"))
        .arg(&pae_out)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
}
