//! `tarseal check --keyring`: the tag's signature is verified before any content is compared,
//! against OpenPGP tags made by gpg (`git tag -s` and by hand) and SSH tags made by
//! `git tag -s` with `gpg.format=ssh`; `git verify-tag` must agree. One test per rejection,
//! each asserting exit 1 and the key id in the message.

mod common;

use common::gpg::*;
use common::*;
use std::path::PathBuf;
use std::process::Command;

struct Setup {
    f: Fixture,
    g: Gpg,
    tar: PathBuf,
}

/// The standard project, a gpg home, and a `git archive` of HEAD.
fn setup() -> Setup {
    let f = Fixture::standard();
    let g = Gpg::new();
    let tar = f.archive("HEAD", "proj-1.0", "tar", "proj-1.0.tar");
    Setup { f, g, tar }
}

impl Setup {
    fn key(&self, uid: &str) -> String {
        self.g.gen_key(Some(T0), uid, "ed25519", "sign", "never")
    }

    fn keyring(&self, who: &[&str]) -> PathBuf {
        self.g.export_to(true, who, &self.f.scratch("keyring.asc"))
    }

    fn check(&self, tag: &str, extra: &[&str]) -> Run {
        let mut args = vec!["--tag", tag];
        args.extend_from_slice(extra);
        self.f.check(&self.tar, &args)
    }

    /// Asserts a rejection before the archive was read: exit 1, message naming `key`.
    fn assert_rejected(&self, r: &Run, key: &str, what: &str) {
        r.assert_code(1);
        assert!(
            r.stderr.contains(key),
            "the message names the key {key}\n{r}"
        );
        assert!(r.stderr.contains(what), "the message says {what:?}\n{r}");
        assert_eq!(r.json["schema"], "tarseal.error/v1", "{r}");
    }
}

#[test]
fn gpg_signed_tag_passes_and_git_agrees() {
    let s = setup();
    let fpr = s.key("Alice <alice@example.org>");
    s.g.git(
        &s.f,
        &[
            "-c",
            &format!("user.signingkey={fpr}"),
            "tag",
            "-s",
            "v2",
            "-m",
            "v2",
        ],
    );
    assert!(
        s.g.git_ok(&s.f, &["verify-tag", "v2"]),
        "git verify-tag accepts it"
    );
    let kr = s.keyring(&[&fpr]);
    let r = s.check("v2", &["--keyring", kr.to_str().unwrap()]);
    r.assert_clean_pass();
    let sig = &r.json["signature"];
    assert_eq!(sig["status"], "good", "{r}");
    assert_eq!(sig["format"], "openpgp", "{r}");
    assert_eq!(sig["primary"], fpr.as_str(), "{r}");
    assert_eq!(sig["user_id"], "Alice <alice@example.org>", "{r}");
    r.assert_text_mentions(&fpr);

    // A binary export works alike; so does an allowed_signers file next to it.
    let bin = s.g.export_to(false, &[&fpr], &s.f.scratch("keyring.gpg"));
    s.check("v2", &["--keyring", bin.to_str().unwrap()])
        .assert_clean_pass();
}

#[test]
fn ssh_signed_tag_passes_and_git_agrees() {
    let s = setup();
    let key = s.f.scratch("id_ed25519");
    run_ok(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f"])
            .arg(&key),
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = s.f.scratch("allowed_signers");
    std::fs::write(&allowed, format!("alice@example.org {}", public.trim())).unwrap();
    let cfg = [
        "-c".to_string(),
        "gpg.format=ssh".into(),
        "-c".into(),
        format!("user.signingkey={}", key.display()),
        "-c".into(),
        format!("gpg.ssh.allowedSignersFile={}", allowed.display()),
    ];
    let with = |args: &[&str]| -> Vec<String> {
        cfg.iter()
            .cloned()
            .chain(args.iter().map(|s| s.to_string()))
            .collect()
    };
    let a = with(&["tag", "-s", "v2", "-m", "v2"]);
    s.g.git(&s.f, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let v = with(&["verify-tag", "v2"]);
    assert!(s
        .g
        .git_ok(&s.f, &v.iter().map(String::as_str).collect::<Vec<_>>()));
    let r = s.check("v2", &["--keyring", allowed.to_str().unwrap()]);
    r.assert_clean_pass();
    assert_eq!(r.json["signature"]["format"], "ssh", "{r}");
    assert_eq!(
        r.json["signature"]["principals"], "alice@example.org",
        "{r}"
    );
    assert!(
        r.json["signature"]["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("SHA256:"),
        "{r}"
    );

    // Another SSH key's allowed_signers: unknown key, named by its fingerprint.
    let other = s.f.scratch("id_other");
    run_ok(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&other),
    );
    let pub2 = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let allowed2 = s.f.scratch("allowed_signers2");
    std::fs::write(&allowed2, format!("bob@example.org {}", pub2.trim())).unwrap();
    let r = s.check("v2", &["--keyring", allowed2.to_str().unwrap()]);
    let fp = r
        .stderr
        .split("SSH key ")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    s.assert_rejected(&r, "SHA256:", "not in the keyring");
    assert!(!fp.is_empty(), "{r}");
}

#[test]
fn unsigned_tag_needs_allow_unsigned() {
    let s = setup();
    let fpr = s.key("Alice <alice@example.org>");
    let kr = s.keyring(&[&fpr]);
    s.f.git(&["tag", "-a", "v2", "-m", "v2"]);
    let r = s.check("v2", &["--keyring", kr.to_str().unwrap()]);
    r.assert_code(1);
    assert!(r.stderr.contains("not signed"), "{r}");
    // No keyring, no --allow-unsigned: a usage error that says what to give.
    let out = Command::new(BIN)
        .args([
            "check",
            s.tar.to_str().unwrap(),
            "--repo",
            s.f.repo().to_str().unwrap(),
            "--tag",
            "v2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--keyring FILE") && err.contains("--allow-unsigned"),
        "{err}"
    );
    // --allow-unsigned: content compared, and the report says so loudly.
    let r = s.check("v2", &["--allow-unsigned"]);
    r.assert_clean_pass();
    assert_eq!(r.json["signature"]["status"], "not-checked", "{r}");
    r.assert_text_mentions("!!! NOT VERIFIED");
    // --commit has no tag signature: it needs --allow-unsigned too.
    let out = Command::new(BIN)
        .args([
            "check",
            s.tar.to_str().unwrap(),
            "--repo",
            s.f.repo().to_str().unwrap(),
            "--commit",
            "HEAD",
            "--keyring",
            kr.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn key_not_in_keyring() {
    let s = setup();
    let alice = s.key("Alice <alice@example.org>");
    let mallory = s.key("Mallory <mallory@example.org>");
    gpg_tag(&s.f, &s.g, "v2", &mallory, None, &[]);
    let kr = s.keyring(&[&alice]);
    let r = s.check("v2", &["--keyring", kr.to_str().unwrap()]);
    // The issuer fingerprint subpacket names Mallory's key.
    s.assert_rejected(&r, &mallory, "not in the keyring");
}

#[test]
fn bad_signature_on_an_altered_tag() {
    let s = setup();
    let fpr = s.key("Alice <alice@example.org>");
    gpg_tag(&s.f, &s.g, "v2", &fpr, None, &[]);
    let raw = String::from_utf8(cat_tag(&s.f, "v2")).unwrap();
    let altered = raw.replacen("\nv2\n", "\nv2 (the real one)\n", 1);
    assert_ne!(raw, altered);
    let id = write_tag(&s.f, "v2", altered.as_bytes());
    assert!(
        !s.g.git_ok(&s.f, &["verify-tag", &id]),
        "git verify-tag refuses it too"
    );
    let r = s.check("v2", &["--keyring", s.keyring(&[&fpr]).to_str().unwrap()]);
    s.assert_rejected(&r, &fpr, "BAD signature");
}

#[test]
fn valid_signature_copied_from_another_tag() {
    let s = setup();
    let fpr = s.key("Alice <alice@example.org>");
    gpg_tag(&s.f, &s.g, "v1.9", &fpr, None, &[]);
    let old = String::from_utf8(cat_tag(&s.f, "v1.9")).unwrap();
    let sig = &old[old.find("-----BEGIN PGP SIGNATURE-----").unwrap()..];
    // The same commit, a new name, and the old tag's (valid) signature block.
    let raw = format!("{}{sig}", tag_payload(&s.f, "v2", 1_600_000_000));
    write_tag(&s.f, "v2", raw.as_bytes());
    let r = s.check("v2", &["--keyring", s.keyring(&[&fpr]).to_str().unwrap()]);
    s.assert_rejected(&r, &fpr, "BAD signature");
}

#[test]
fn key_expired_at_signature_time() {
    let s = setup();
    let fpr = s.key("Exp <exp@example.org>");
    gpg_tag(&s.f, &s.g, "v2", &fpr, Some("20200101T120000"), &[]);
    s.g.run(
        Some("20200101T010000"),
        &["--quick-set-expire", &fpr, "seconds=3600"],
    );
    let r = s.check("v2", &["--keyring", s.keyring(&[&fpr]).to_str().unwrap()]);
    s.assert_rejected(&r, &fpr, "expired");
}

#[test]
fn revoked_key() {
    let s = setup();
    let fpr = s.key("Rev <rev@example.org>");
    gpg_tag(&s.f, &s.g, "v2", &fpr, Some("20200102T000000"), &[]);
    s.g.revoke("20200103T000000", &fpr);
    let r = s.check("v2", &["--keyring", s.keyring(&[&fpr]).to_str().unwrap()]);
    s.assert_rejected(&r, &fpr, "revoked");
}

#[test]
fn sha1_signature_is_weak() {
    let s = setup();
    let fpr = s.g.gen_key(
        Some(T0),
        "Old <old@example.org>",
        "rsa2048",
        "sign",
        "never",
    );
    gpg_tag(&s.f, &s.g, "v2", &fpr, None, &["--digest-algo", "SHA1"]);
    let r = s.check("v2", &["--keyring", s.keyring(&[&fpr]).to_str().unwrap()]);
    s.assert_rejected(&r, &fpr, "rejected algorithm");
}
