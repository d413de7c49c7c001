//! git tag signatures: `git tag -s` with gpg and with an SSH key, verified here and by
//! `git verify-tag`, which must agree on good and on tampered tags.

mod common;

use std::path::Path;
use std::process::Command;

use common::{split_tag, Gpg, Repo};
use tarseal_sig::{verify_tag, KeyName, Keyring, TagRejection, TagSigner};

fn tarseal(keyring: &Keyring, raw: &[u8]) -> Result<TagSigner, TagRejection> {
    let (payload, sig, tagger_time) = split_tag(raw);
    verify_tag(keyring, &payload, sig.as_deref(), tagger_time, None)
}

/// A copy of the tag object with its message altered (the signature block kept).
fn tamper(raw: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(raw.to_vec()).unwrap();
    let tampered = text.replacen("release one", "release 0ne", 1);
    assert_ne!(text, tampered);
    tampered.into_bytes()
}

#[test]
fn openpgp_tag_agrees_with_git_verify_tag() {
    let g = Gpg::new();
    let fpr = g.gen_key(None, "Alice <alice@example.org>", "ed25519", "sign", "1y");
    let repo = Repo::new(g.path());
    repo.git(&[
        "-c",
        &format!("user.signingkey={fpr}"),
        "tag",
        "-s",
        "v1",
        "-m",
        "release one",
    ]);
    let raw = repo.git(&["cat-file", "tag", "v1"]);
    let mut keyring = Keyring::new();
    keyring
        .add_openpgp_bytes(&g.export(true, &[&fpr]), Path::new("k.asc"))
        .unwrap();

    assert!(repo.git_output(&["verify-tag", "v1"]).status.success());
    match tarseal(&keyring, &raw).unwrap() {
        TagSigner::OpenPgp(good) => assert_eq!(good.key.primary, fpr),
        other => panic!("{other:?}"),
    }

    let bad = repo.write_tag_object(&tamper(&raw));
    assert!(!repo.git_output(&["verify-tag", &bad]).status.success());
    let err = tarseal(&keyring, &tamper(&raw)).unwrap_err();
    assert!(
        matches!(&err, TagRejection::BadSignature { key: KeyName::OpenPgp(k), .. } if k.primary == fpr),
        "{err:?}"
    );
    assert!(err.to_string().contains(&fpr), "{err}");

    // Unsigned and unknown-key tags.
    repo.git(&["tag", "-a", "v0", "-m", "plain"]);
    let raw0 = repo.git(&["cat-file", "tag", "v0"]);
    assert_eq!(
        tarseal(&keyring, &raw0).unwrap_err(),
        TagRejection::Unsigned
    );
    let err = tarseal(&Keyring::new(), &raw).unwrap_err();
    assert!(matches!(err, TagRejection::UnknownKey { .. }), "{err:?}");
    assert!(err.to_string().contains(&fpr[24..]), "{err}");
}

struct Ssh {
    key: std::path::PathBuf,
    public: String,
}

fn ssh_key(dir: &Path, name: &str) -> Ssh {
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    Ssh {
        key,
        public: public.trim().to_string(),
    }
}

fn fingerprint(public: &str) -> String {
    ssh_key::PublicKey::from_openssh(public)
        .unwrap()
        .fingerprint(ssh_key::HashAlg::Sha256)
        .to_string()
}

struct SshRepo {
    repo: Repo,
    _gpg: Gpg,
    key: Ssh,
    allowed: std::path::PathBuf,
}

impl SshRepo {
    fn new(options: &str) -> Self {
        let gpg = Gpg::new();
        let repo = Repo::new(gpg.path());
        let key = ssh_key(repo.dir.path(), "alice");
        let allowed = repo.dir.path().join("allowed_signers");
        std::fs::write(
            &allowed,
            format!(
                "# project signers\nalice@example.org {options} {}\n",
                key.public
            ),
        )
        .unwrap();
        SshRepo {
            repo,
            _gpg: gpg,
            key,
            allowed,
        }
    }

    fn cfg(&self) -> Vec<String> {
        vec![
            "-c".into(),
            "gpg.format=ssh".into(),
            "-c".into(),
            format!("user.signingkey={}", self.key.key.display()),
            "-c".into(),
            format!("gpg.ssh.allowedSignersFile={}", self.allowed.display()),
        ]
    }

    fn git(&self, args: &[&str]) -> std::process::Output {
        let mut all: Vec<String> = self.cfg();
        all.extend(args.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        self.repo.git_output(&refs)
    }

    fn keyring(&self) -> Keyring {
        let mut k = Keyring::new();
        k.add_file(&self.allowed).unwrap();
        k
    }

    fn signed_tag(&self) -> Vec<u8> {
        let out = self.git(&["tag", "-s", "v1", "-m", "release one"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.repo.git(&["cat-file", "tag", "v1"])
    }
}

#[test]
fn ssh_tag_agrees_with_git_verify_tag() {
    let r = SshRepo::new("namespaces=\"git,file\"");
    let raw = r.signed_tag();
    let out = r.git(&["verify-tag", "v1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match tarseal(&r.keyring(), &raw).unwrap() {
        TagSigner::Ssh(s) => {
            assert_eq!(s.fingerprint, fingerprint(&r.key.public));
            assert_eq!(s.principals, "alice@example.org");
            assert_eq!(s.line, 2);
        }
        other => panic!("{other:?}"),
    }

    let bad = r.repo.write_tag_object(&tamper(&raw));
    assert!(!r.git(&["verify-tag", &bad]).status.success());
    let err = tarseal(&r.keyring(), &tamper(&raw)).unwrap_err();
    assert!(matches!(err, TagRejection::BadSignature { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&fingerprint(&r.key.public)),
        "{err}"
    );

    // A key that is not in allowed_signers.
    let other = ssh_key(r.repo.dir.path(), "mallory");
    let mut k = Keyring::new();
    k.add_allowed_signers(
        &format!("mallory@example.org {}\n", other.public),
        Path::new("a"),
    )
    .unwrap();
    let err = tarseal(&k, &raw).unwrap_err();
    assert!(matches!(err, TagRejection::UnknownKey { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&fingerprint(&r.key.public)),
        "{err}"
    );
}

/// An SSHSIG made for namespace `file` (`ssh-keygen -Y sign -n file`) spliced into a tag.
#[test]
fn ssh_signature_in_wrong_namespace() {
    let r = SshRepo::new("");
    let raw = r.signed_tag();
    let (payload, _, _) = split_tag(&raw);
    let payload_file = r.repo.dir.path().join("payload");
    std::fs::write(&payload_file, &payload).unwrap();
    let out = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "file", "-f"])
        .arg(&r.key.key)
        .arg(&payload_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sig = std::fs::read(payload_file.with_extension("sig")).unwrap();
    let spliced = [payload.clone(), sig].concat();
    let id = r.repo.write_tag_object(&spliced);
    assert!(!r.git(&["verify-tag", &id]).status.success());
    let err = tarseal(&r.keyring(), &spliced).unwrap_err();
    assert!(
        matches!(&err, TagRejection::WrongNamespace { detail, .. } if detail.contains("\"file\"")),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&fingerprint(&r.key.public)),
        "{err}"
    );
}

#[test]
fn allowed_signers_line_without_git_namespace() {
    let r = SshRepo::new("namespaces=\"file\"");
    let raw = r.signed_tag();
    assert!(!r.git(&["verify-tag", "v1"]).status.success());
    let err = tarseal(&r.keyring(), &raw).unwrap_err();
    assert!(
        matches!(err, TagRejection::WrongNamespace { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("alice@example.org"), "{err}");
}

#[test]
fn ssh_key_outside_valid_before() {
    let r = SshRepo::new("valid-before=\"20200101Z\"");
    let raw = r.signed_tag();
    assert!(!r.git(&["verify-tag", "v1"]).status.success());
    let err = tarseal(&r.keyring(), &raw).unwrap_err();
    assert!(matches!(err, TagRejection::Expired { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&fingerprint(&r.key.public)) && msg.contains("2020-01-01"),
        "{msg}"
    );
}

/// gpg replaces the binding self-signature when a key's expiry is extended and exports only
/// the new one, so a tag signed before the extension has no binding "at the signature time"
/// in today's export. gpg calls it good; tarseal judges it with the oldest binding left
/// (good), but never for a revoked key.
#[test]
fn tag_signed_before_an_expiry_extension_stays_good() {
    let g = Gpg::new();
    let t0 = Some("20200101T000000");
    let fpr = g.gen_key(t0, "Ext <ext@example.org>", "ed25519", "sign", "1y");
    let payload =
        b"object 0123456789abcdef0123456789abcdef01234567\ntype commit\ntag v1\ntagger T <t@example.org> 1580515200 +0000\n\nrelease one\n";
    let data = g.file("payload", payload);
    let sig = g.sign_armored(Some("20200201T000000"), &fpr, &data, &[]);
    let keyring_now = |g: &Gpg| {
        let mut k = Keyring::new();
        k.add_openpgp_bytes(&g.export(true, &[&fpr]), Path::new("k.asc"))
            .unwrap();
        k
    };
    let verify = |k: &Keyring| verify_tag(k, payload, Some(&sig), Some(1_580_515_200), None);
    match verify(&keyring_now(&g)).unwrap() {
        TagSigner::OpenPgp(good) => assert_eq!(good.key.primary, fpr),
        other => panic!("{other:?}"),
    }
    // Ten months later the maintainer extends the expiry; the export holds one binding, made
    // after the tag was signed.
    g.run(
        Some("20201201T000000"),
        &["--quick-set-expire", &fpr, "10y"],
    );
    let exported = g.export(true, &[&fpr]);
    let asc = g.file("sig.asc", &sig);
    let gpg_says = g.run(
        None,
        &[
            "--status-fd",
            "1",
            "--verify",
            asc.to_str().unwrap(),
            data.to_str().unwrap(),
        ],
    );
    assert!(
        String::from_utf8_lossy(&gpg_says).contains("GOODSIG"),
        "gpg itself calls it good"
    );
    let k = keyring_now(&g);
    match verify(&k) {
        Ok(TagSigner::OpenPgp(good)) => assert_eq!(good.key.primary, fpr),
        other => panic!("after the extension: {other:?}"),
    }
    // A tampered payload is still BAD, not rescued by the fallback.
    let mut other = payload.to_vec();
    let n = other.len();
    other[n - 2] = b'X';
    let err = verify_tag(&k, &other, Some(&sig), Some(1_580_515_200), None).unwrap_err();
    assert!(
        !matches!(err, TagRejection::Unsigned),
        "tampered payload must be rejected: {err:?}"
    );
    let _ = exported;
    // Revoked (hard) afterwards: no fallback; rejected.
    g.revoke("20210101T000000", &fpr);
    let err = verify(&keyring_now(&g)).unwrap_err();
    assert!(
        matches!(
            err,
            TagRejection::Revoked { .. } | TagRejection::KeyNotValid { .. }
        ),
        "{err:?}"
    );
}
