//! Signed tags: the split into payload and signature must be what gpg / ssh-keygen verify.

mod common;

use common::{oid, TestRepo};
use std::path::Path;
use std::process::Command;
use tarseal_git::{HashKind, Target};

fn tag(name: &str) -> Target {
    Target::Tag {
        name: name.into(),
        allow_lightweight: false,
    }
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

fn gpg(home: &Path) -> Command {
    let mut c = Command::new("gpg");
    c.env("GNUPGHOME", home).args([
        "--batch",
        "--no-tty",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
    ]);
    c
}

fn gpg_signed_tag(extra_init: &[&str]) {
    if !have("gpg") {
        eprintln!("gpg not installed; skipping");
        return;
    }
    let r = TestRepo::init(extra_init);
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let st = gpg(home.path())
        .args([
            "--quick-gen-key",
            "Tar Seal <seal@example.com>",
            "ed25519",
            "sign",
            "never",
        ])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    r.write("f", "x\n");
    let c = r.commit_all("c");
    let out = common::git_in(r.path())
        .env("GNUPGHOME", home.path())
        .args([
            "-c",
            "user.signingkey=seal@example.com",
            "tag",
            "-s",
            "v1",
            "-m",
            "signed release\n\n-----BEGIN PGP SIGNATURE----- in text is not at line start",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let res = r.open().resolve(&tag("v1")).unwrap();
    assert_eq!(res.commit.id, oid(&c));
    let t = res.tag.unwrap();
    let sig = t.signature.expect("signature found");
    assert!(sig.starts_with(b"-----BEGIN PGP SIGNATURE-----"));
    assert!(sig.ends_with(b"-----END PGP SIGNATURE-----\n"));
    assert!(t.message.starts_with("signed release\n"));
    assert!(!t.message.contains("-----BEGIN PGP SIGNATURE-----\n"));
    let raw = r.git_bytes(&["cat-file", "tag", "v1"]);
    assert_eq!([t.signed_payload.clone(), sig.clone()].concat(), raw);

    let dir = tempfile::tempdir().unwrap();
    let (p, s) = (dir.path().join("payload"), dir.path().join("sig.asc"));
    std::fs::write(&p, &t.signed_payload).unwrap();
    std::fs::write(&s, &sig).unwrap();
    let v = gpg(home.path())
        .arg("--verify")
        .arg(&s)
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "gpg --verify: {}",
        String::from_utf8_lossy(&v.stderr)
    );
    // And a tampered payload does not verify.
    let mut bad = t.signed_payload.clone();
    bad.extend_from_slice(b"x");
    std::fs::write(&p, &bad).unwrap();
    let v = gpg(home.path())
        .arg("--verify")
        .arg(&s)
        .arg(&p)
        .output()
        .unwrap();
    assert!(!v.status.success());
    assert_eq!(
        res.object_hash,
        if extra_init.is_empty() {
            HashKind::Sha1
        } else {
            HashKind::Sha256
        }
    );
}

#[test]
fn gpg_signed_tag_verifies() {
    gpg_signed_tag(&[]);
}

#[test]
fn gpg_signed_tag_verifies_sha256() {
    gpg_signed_tag(&["--object-format=sha256"]);
}

#[test]
fn ssh_signed_tag_verifies() {
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        eprintln!("ssh-keygen not installed; skipping");
        return;
    }
    let r = TestRepo::init(&[]);
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("id");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "seal", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    r.write("f", "x\n");
    r.commit_all("c");
    let pubkey = format!("{}.pub", key.display());
    r.git(&[
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!("user.signingkey={pubkey}"),
        "tag",
        "-s",
        "v1",
        "-m",
        "ssh signed",
    ]);
    let t = r.open().resolve(&tag("v1")).unwrap().tag.unwrap();
    let sig = t.signature.expect("signature");
    assert!(sig.starts_with(b"-----BEGIN SSH SIGNATURE-----"));
    assert_eq!(t.message, "ssh signed\n");
    let allowed = keys.path().join("allowed");
    let pk = std::fs::read_to_string(&pubkey).unwrap();
    std::fs::write(&allowed, format!("seal@example.com {pk}")).unwrap();
    let sigfile = keys.path().join("sig");
    std::fs::write(&sigfile, &sig).unwrap();
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", "git", "-I", "seal@example.com", "-f"])
        .arg(&allowed)
        .arg("-s")
        .arg(&sigfile)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&t.signed_payload)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "ssh-keygen -Y verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sha256_tags_resolve_and_bind_names() {
    let r = TestRepo::init(&["--object-format=sha256"]);
    r.write("a", "a\n");
    let c = r.commit_all("c");
    assert_eq!(c.len(), 64);
    r.git(&["tag", "-a", "v1", "-m", "one"]);
    r.git(&["tag", "-a", "v1-of-v1", "-m", "nested", "v1"]);
    let id = r.git(&["rev-parse", "v1"]);
    r.git(&["update-ref", "refs/tags/v2", &id]);
    r.git(&["tag", "light"]);
    let repo = r.open();
    let res = repo.resolve(&tag("v1")).unwrap();
    assert_eq!(res.object_hash, HashKind::Sha256);
    assert_eq!(res.commit.id, oid(&c));
    assert_eq!(res.tag.unwrap().id, oid(&id));
    assert_eq!(repo.resolve(&tag("v1-of-v1")).unwrap().commit.id, oid(&c));
    assert!(matches!(
        repo.resolve(&tag("v2")),
        Err(tarseal_git::GitError::NameMismatch { .. })
    ));
    assert!(matches!(
        repo.resolve(&tag("light")),
        Err(tarseal_git::GitError::Lightweight { .. })
    ));
    assert_eq!(
        repo.resolve(&Target::Commit {
            rev: c[..10].into()
        })
        .unwrap()
        .commit
        .id,
        oid(&c)
    );
    let listing = repo.list_tree(res.commit.tree, None).unwrap();
    assert_eq!(listing.len(), 1);
    assert_eq!(listing[0].oid, oid(&r.git(&["rev-parse", "HEAD:a"])));
}
