//! Interop with GnuPG, both directions: gpg-made signatures verified here, signatures made
//! here verified by `gpg --verify` and `gpgv`, and one negative test per status.

mod common;

use std::path::Path;
use std::process::Command;

use common::Gpg;
use tarseal_sig::{
    count_distinct_keys, verify_detached, KeyRole, Keyring, SigStatus, SignError, SigningKey,
};

const T0: &str = "20200101T000000";

fn keyring_from(bytes: &[u8]) -> Keyring {
    let mut k = Keyring::new();
    k.add_openpgp_bytes(bytes, Path::new("test-keyring"))
        .unwrap();
    k
}

fn verify(keyring: &Keyring, sig: &[u8], data: &[u8]) -> Vec<SigStatus> {
    verify_detached(keyring, sig, data, None).unwrap()
}

fn only(statuses: Vec<SigStatus>) -> SigStatus {
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    statuses.into_iter().next().unwrap()
}

#[test]
fn gpg_signatures_verify_with_binary_and_armored_keyrings() {
    let g = Gpg::new();
    let fpr = g.gen_key(None, "Alice <alice@example.org>", "ed25519", "sign", "1y");
    let data = g.file("data", b"release bytes\n");
    let binary_sig = g.sign(None, &fpr, &data, &[]);
    let armored_sig = g.sign(None, &fpr, &data, &["--armor"]);
    for armor in [false, true] {
        let path = g.file("keyring", &g.export(armor, &[&fpr]));
        let mut keyring = Keyring::new();
        assert_eq!(
            keyring.add_file(&path).unwrap(),
            tarseal_sig::KeyringFileKind::OpenPgp(1)
        );
        for sig in [&binary_sig, &armored_sig] {
            let status = only(verify(&keyring, sig, b"release bytes\n"));
            let good = status.good().unwrap_or_else(|| panic!("{status}"));
            assert_eq!(good.key.primary, fpr);
            assert_eq!(good.key.key, fpr);
            assert_eq!(good.user_id.as_deref(), Some("Alice <alice@example.org>"));
            assert!(status.to_string().contains(&fpr));
        }
    }
}

#[test]
fn many_certificates_in_one_file_and_several_files() {
    let g = Gpg::new();
    let a = g.gen_key(None, "Alice <alice@example.org>", "ed25519", "sign", "1y");
    let b = g.gen_key(None, "Bob <bob@example.org>", "ed25519", "sign", "1y");
    let c = g.gen_key(None, "Carol <carol@example.org>", "ed25519", "cert", "1y");
    let c_sub = g.add_subkey(None, &c, "ed25519", "sign", "1y");
    let data = g.file("data", b"x");
    // One signature file with three packets: Alice twice, Bob once; Carol via her subkey.
    let mut sigs = g.sign(None, &a, &data, &[]);
    sigs.extend(g.sign(None, &a, &data, &[]));
    sigs.extend(g.sign(None, &b, &data, &[]));
    let carol_sig = g.sign(None, &format!("{c_sub}!"), &data, &[]);

    // Alice and Bob in one binary export, Carol in an armored file, plus a file that is two
    // armored blocks back to back.
    let mut keyring = Keyring::new();
    let ab = g.file("ab.gpg", &g.export(false, &[&a, &b]));
    assert_eq!(keyring.add_openpgp_file(&ab).unwrap(), 2);
    let cfile = g.file("c.asc", &g.export(true, &[&c]));
    assert_eq!(keyring.add_openpgp_file(&cfile).unwrap(), 1);
    let mut two = g.export(true, &[&a]);
    two.extend(g.export(true, &[&c]));
    let two = g.file("two.asc", &two);
    assert_eq!(keyring.add_openpgp_file(&two).unwrap(), 2);
    assert_eq!(keyring.certs().len(), 3, "duplicates merge");

    let statuses = verify(&keyring, &sigs, b"x");
    assert_eq!(statuses.len(), 3);
    assert!(statuses.iter().all(|s| s.good().is_some()), "{statuses:?}");
    assert_eq!(count_distinct_keys(&statuses), 2, "Alice counts once");

    let mut all = sigs.clone();
    all.extend(&carol_sig);
    let statuses = verify(&keyring, &all, b"x");
    assert_eq!(count_distinct_keys(&statuses), 3);
    let carol = statuses[3].good().unwrap();
    assert_eq!(carol.key.key, c_sub);
    assert_eq!(carol.key.primary, c);
    // The trust file counts only its keys, once each, inside their windows.
    let trust = tarseal_sig::TrustFile::parse(
        &format!(
            "threshold = 2\n[[key]]\nopenpgp = \"{a}\"\n[[key]]\nopenpgp = \"{c}\"\nvalid_before = 2000-01-01T00:00:00Z\n"
        ),
        Path::new("trust.toml"),
    )
    .unwrap();
    assert_eq!(
        trust.count_trusted(&statuses),
        1,
        "Bob is not in it, Carol's window closed"
    );
    // A subkey signature and a primary signature of one certificate: one key.
    let statuses = verify(&keyring, &[carol_sig.clone(), carol_sig].concat(), b"x");
    assert_eq!(count_distinct_keys(&statuses), 1);
}

#[test]
fn tarseal_signatures_verify_with_gpg_and_gpgv() {
    let g = Gpg::new();
    let fpr = g.gen_key(None, "Alice <alice@example.org>", "ed25519", "cert", "1y");
    let sub = g.add_subkey(None, &fpr, "ed25519", "sign", "1y");
    let key_file = g.file("secret.asc", &g.export_secret(true, &fpr));
    std::fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let err = SigningKey::from_file(&key_file).unwrap_err();
    assert!(
        matches!(err, SignError::Permissions { mode: 0o644, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("chmod 600 {}", key_file.display())),
        "{err}"
    );
    std::fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let key = SigningKey::from_file(&key_file).unwrap();
    let debug = format!("{key:?}");
    assert!(
        debug.contains("redacted") && debug.contains(&fpr),
        "{debug}"
    );
    assert_eq!(key.signing_key_fingerprint().unwrap(), sub);

    // Binary secret export works too.
    let bin_file = g.file("secret.gpg", &g.export_secret(false, &fpr));
    std::fs::set_permissions(
        &bin_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    SigningKey::from_file(&bin_file).unwrap();

    let data = g.file("data", &vec![7u8; 100_000]);
    let asc = key
        .sign_detached(std::fs::File::open(&data).unwrap())
        .unwrap();
    assert!(asc.starts_with("-----BEGIN PGP SIGNATURE-----"), "{asc}");
    let asc_path = g.file("data.asc", asc.as_bytes());

    let out = g
        .cmd(None)
        .arg("--batch")
        .arg("--verify")
        .arg(&asc_path)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Good signature"), "{stderr}");

    let keyring = g.file("pub.gpg", &g.export(false, &[&fpr]));
    let out = Command::new("gpgv")
        .env("GNUPGHOME", g.path())
        .arg("--keyring")
        .arg(&keyring)
        .arg(&asc_path)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gpgv: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // And by ourselves, with the public part the key publishes.
    let mut k = Keyring::new();
    k.add_openpgp_bytes(key.public_cert_armored().as_bytes(), Path::new("pub"))
        .unwrap();
    let status = only(verify(&k, asc.as_bytes(), &std::fs::read(&data).unwrap()));
    assert_eq!(status.good().unwrap().hash_algo, "SHA512");
    assert_eq!(status.good().unwrap().key.key, sub);

    // The prehashed path (data fed in pieces, as seal's digest thread does) makes a signature
    // that gpg, gpgv and we accept too; over other bytes it is bad.
    let bytes = std::fs::read(&data).unwrap();
    let mut h = key
        .start_detached(std::time::SystemTime::now())
        .unwrap()
        .expect("a v4 key can sign prehashed");
    for chunk in bytes.chunks(7_777) {
        h.update(chunk);
    }
    assert_eq!(h.bytes(), bytes.len() as u64);
    let pre = key.finish_detached(h).unwrap();
    assert!(pre.starts_with("-----BEGIN PGP SIGNATURE-----"), "{pre}");
    let pre_path = g.file("data.pre.asc", pre.as_bytes());
    let out = g
        .cmd(None)
        .arg("--batch")
        .arg("--verify")
        .arg(&pre_path)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("gpgv")
        .env("GNUPGHOME", g.path())
        .arg("--keyring")
        .arg(&keyring)
        .arg(&pre_path)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gpgv: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = only(verify(&k, pre.as_bytes(), &bytes));
    assert_eq!(status.good().unwrap().key.key, sub);
    let mut other = bytes.clone();
    other[0] ^= 1;
    assert!(only(verify(&k, pre.as_bytes(), &other)).good().is_none());
}

/// gpg signs with a signing subkey rather than a sign-capable primary key, even when both were
/// made in the same second (`--quick-gen-key ... sign` then `--quick-add-key ... sign`).
#[test]
fn a_signing_subkey_made_in_the_same_second_wins_over_the_primary() {
    let g = Gpg::new();
    let t = Some("20250101T000000");
    let fpr = g.gen_key(t, "Tie <tie@example.org>", "ed25519", "sign", "never");
    let sub = g.add_subkey(t, &fpr, "ed25519", "sign", "never");
    let key_file = g.file("tie.asc", &g.export_secret(true, &fpr));
    std::fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let key = SigningKey::from_file(&key_file).unwrap();
    assert_eq!(key.signing_key_fingerprint().unwrap(), sub);
    // And gpg agrees: its signature names the same subkey.
    let data = g.file("tie-data", b"tie");
    let out = g
        .cmd(None)
        .args(["--batch", "--detach-sign", "--armor", "-u", &fpr, "-o"])
        .arg(g.path().join("tie-data.asc"))
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut k = Keyring::new();
    k.add_openpgp_bytes(key.public_cert_armored().as_bytes(), Path::new("pub"))
        .unwrap();
    let gpg_sig = std::fs::read(g.path().join("tie-data.asc")).unwrap();
    let status = only(verify(&k, &gpg_sig, b"tie"));
    assert_eq!(
        status.good().unwrap().key.key,
        sub,
        "gpg chose the subkey too"
    );
}

#[test]
fn encrypted_and_public_only_keys_are_refused_clearly() {
    let g = Gpg::new();
    let out = g
        .cmd(None)
        .args([
            "--batch",
            "--passphrase",
            "hunter2",
            "--quick-gen-key",
            "Enc <enc@example.org>",
            "ed25519",
            "sign",
            "1y",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fpr = g.fingerprints("enc@example.org")[0].clone();
    let out = g
        .cmd(None)
        .args([
            "--batch",
            "--passphrase",
            "hunter2",
            "--armor",
            "--export-secret-keys",
            &fpr,
        ])
        .output()
        .unwrap();
    let err = SigningKey::from_bytes(&out.stdout, Path::new("enc.asc")).unwrap_err();
    assert!(matches!(err, SignError::Encrypted { .. }), "{err}");
    assert!(
        err.to_string().contains("passphrase") && err.to_string().contains(&fpr),
        "{err}"
    );

    let err = SigningKey::from_bytes(&g.export(true, &[&fpr]), Path::new("pub.asc")).unwrap_err();
    assert!(matches!(err, SignError::NoSecretKey { .. }), "{err}");
}

#[test]
fn unknown_key() {
    let g = Gpg::new();
    let alice = g.gen_key(None, "Alice <alice@example.org>", "ed25519", "sign", "1y");
    let bob = g.gen_key(None, "Bob <bob@example.org>", "ed25519", "sign", "1y");
    let data = g.file("data", b"x");
    let sig = g.sign(None, &bob, &data, &[]);
    let status = only(verify(
        &keyring_from(&g.export(false, &[&alice])),
        &sig,
        b"x",
    ));
    assert!(
        matches!(&status, SigStatus::UnknownKey { issuers } if issuers.iter().any(|i| bob.ends_with(i.as_str()))),
        "{status:?}"
    );
    assert!(status.to_string().contains(&bob[24..]), "{status}");
}

#[test]
fn bad_signature_on_flipped_byte() {
    let g = Gpg::new();
    let fpr = g.gen_key(None, "Alice <alice@example.org>", "ed25519", "sign", "1y");
    let data = g.file("data", b"release bytes\n");
    let sig = g.sign(None, &fpr, &data, &[]);
    let status = only(verify(
        &keyring_from(&g.export(false, &[&fpr])),
        &sig,
        b"release bytez\n",
    ));
    assert!(
        matches!(&status, SigStatus::Bad { key, .. } if key.key == fpr),
        "{status:?}"
    );
    assert!(status.to_string().contains(&fpr), "{status}");
}

/// Key made 2020-01-01 without expiry; signatures at 01:30 and 12:00; then a new binding
/// made at 01:00 says the key expires at 02:00 (gpg replaces the old self-signature, so
/// nothing before 01:00 has a binding). The 12:00 signature was made by an expired key;
/// the 01:30 one stays good although the key is expired now.
#[test]
fn primary_key_expired_at_signature_time() {
    let g = Gpg::new();
    let fpr = g.gen_key(
        Some(T0),
        "Exp <exp@example.org>",
        "ed25519",
        "sign",
        "never",
    );
    let data = g.file("data", b"x");
    let inside = g.sign(Some("20200101T013000"), &fpr, &data, &[]);
    let late = g.sign(Some("20200101T120000"), &fpr, &data, &[]);
    g.run(
        Some("20200101T010000"),
        &["--quick-set-expire", &fpr, "seconds=3600"],
    );
    let keyring = keyring_from(&g.export(false, &[&fpr]));
    let status = only(verify(&keyring, &late, b"x"));
    assert!(
        matches!(&status, SigStatus::Expired { key, role: KeyRole::Primary, .. } if key.primary == fpr),
        "{status:?}"
    );
    assert!(status.to_string().contains(&fpr), "{status}");
    let status = only(verify(&keyring, &inside, b"x"));
    assert!(status.good().is_some(), "{status}");
}

#[test]
fn signing_subkey_expired_primary_valid() {
    let g = Gpg::new();
    let fpr = g.gen_key(
        Some(T0),
        "Sub <sub@example.org>",
        "ed25519",
        "cert",
        "never",
    );
    let sub = g.add_subkey(Some(T0), &fpr, "ed25519", "sign", "never");
    let data = g.file("data", b"x");
    let late = g.sign(Some("20200101T120000"), &format!("{sub}!"), &data, &[]);
    g.run(
        Some("20200101T010000"),
        &["--quick-set-expire", &fpr, "seconds=3600", &sub],
    );
    let status = only(verify(
        &keyring_from(&g.export(false, &[&fpr])),
        &late,
        b"x",
    ));
    assert!(
        matches!(&status, SigStatus::Expired { key, role: KeyRole::Subkey, .. } if key.key == sub && key.primary == fpr),
        "{status:?}"
    );
    assert!(status.to_string().contains(&sub), "{status}");
}

/// gpg's interactive `--gen-revoke`, answered on the command fd. Menu: 1 = compromised
/// (hard), 2 = superseded (soft).
fn revoke(g: &Gpg, time: &str, fpr: &str, menu: &str) {
    let rev = g.run_with_answers(
        Some(time),
        &["--armor", "--output", "-", "--gen-revoke", fpr],
        &format!("y\n{menu}\nrevoked in a test\n\ny\n"),
    );
    let path = g.file("rev.asc", &rev);
    g.run(None, &["--import", path.to_str().unwrap()]);
}

#[test]
fn hard_revocation_voids_earlier_signatures() {
    let g = Gpg::new();
    let fpr = g.gen_key(
        Some(T0),
        "Rev <rev@example.org>",
        "ed25519",
        "sign",
        "never",
    );
    let data = g.file("data", b"x");
    let before = g.sign(Some("20200102T000000"), &fpr, &data, &[]);
    revoke(&g, "20200103T000000", &fpr, "1");
    let status = only(verify(
        &keyring_from(&g.export(false, &[&fpr])),
        &before,
        b"x",
    ));
    assert!(
        matches!(&status, SigStatus::Revoked { key, hard: true, reason, .. } if key.primary == fpr && reason == "KeyCompromised"),
        "{status:?}"
    );
    assert!(status.to_string().contains(&fpr), "{status}");
}

#[test]
fn soft_revocation_voids_only_later_signatures() {
    let g = Gpg::new();
    let fpr = g.gen_key(
        Some(T0),
        "Soft <soft@example.org>",
        "ed25519",
        "sign",
        "never",
    );
    let data = g.file("data", b"x");
    let before = g.sign(Some("20200102T000000"), &fpr, &data, &[]);
    let after = g.sign(Some("20200104T000000"), &fpr, &data, &[]);
    revoke(&g, "20200103T000000", &fpr, "2");
    let keyring = keyring_from(&g.export(false, &[&fpr]));
    let status = only(verify(&keyring, &before, b"x"));
    assert!(status.good().is_some(), "{status}");
    let status = only(verify(&keyring, &after, b"x"));
    assert!(
        matches!(&status, SigStatus::Revoked { hard: false, reason, .. } if reason == "KeySuperseded"),
        "{status:?}"
    );
    assert!(status.to_string().contains(&fpr), "{status}");
}

/// gpg will not sign with a subkey that lacks the signing flag, so the signature is
/// crafted with sequoia, using the secret of a gpg-made authentication-only subkey.
#[test]
fn subkey_without_signing_flag() {
    use openpgp::parse::Parse;
    use openpgp::serialize::stream::{Message, Signer};
    use sequoia_openpgp as openpgp;
    use std::io::Write;

    let g = Gpg::new();
    let fpr = g.gen_key(None, "Auth <auth@example.org>", "ed25519", "cert", "1y");
    let auth = g.add_subkey(None, &fpr, "ed25519", "auth", "1y");
    let tsk = openpgp::Cert::from_bytes(&g.export_secret(false, &fpr)).unwrap();
    let key = tsk
        .keys()
        .subkeys()
        .find(|k| k.key().fingerprint().to_hex() == auth)
        .unwrap();
    let keypair = key
        .key()
        .clone()
        .parts_into_secret()
        .unwrap()
        .into_keypair()
        .unwrap();
    let mut sig = Vec::new();
    {
        let m = Message::new(&mut sig);
        let mut s = Signer::new(m, keypair).unwrap().detached().build().unwrap();
        s.write_all(b"x").unwrap();
        s.finalize().unwrap();
    }
    let status = only(verify(&keyring_from(&g.export(false, &[&fpr])), &sig, b"x"));
    assert!(
        matches!(&status, SigStatus::NotSigningCapable { key } if key.key == auth && key.primary == fpr),
        "{status:?}"
    );
    assert!(status.to_string().contains(&auth), "{status}");
}

#[test]
fn sha1_signature_is_weak() {
    let g = Gpg::new();
    let fpr = g.gen_key(None, "Old <old@example.org>", "rsa2048", "sign", "1y");
    let data = g.file("data", b"x");
    let sig = g.sign(None, &fpr, &data, &["--digest-algo", "SHA1"]);
    let status = only(verify(&keyring_from(&g.export(false, &[&fpr])), &sig, b"x"));
    assert!(
        matches!(&status, SigStatus::WeakAlgorithm { key, .. } if key.key == fpr),
        "{status:?}"
    );
    let msg = status.to_string();
    assert!(msg.contains(&fpr) && msg.contains("SHA1"), "{msg}");
}

#[test]
fn garbage_signature_is_an_error() {
    let err = verify_detached(&Keyring::new(), b"not a signature", &b"x"[..], None).unwrap_err();
    assert!(
        matches!(err, tarseal_sig::VerifyError::Malformed { .. }),
        "{err}"
    );
}

#[test]
fn empty_keyring_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.gpg");
    std::fs::write(&empty, b"").unwrap();
    let err = Keyring::new().add_file(&empty).unwrap_err();
    assert!(
        matches!(err, tarseal_sig::KeyringError::Empty { .. }),
        "{err}"
    );
    let comments = dir.path().join("allowed_signers");
    std::fs::write(&comments, b"# nobody yet\n").unwrap();
    assert!(Keyring::new().add_file(&comments).is_err());
}

/// OpenStack publishes its per-cycle release keys as `gpg --list-keys` text followed by the
/// armored block (openstack/releases doc/source/static/0x*.txt); `gpg --import` reads them,
/// so must the keyring. Two cycles' files concatenated make one keyring of both keys.
#[test]
fn armored_blocks_after_list_keys_text_load_like_gpg_import() {
    let g = Gpg::new();
    let a = g.gen_key(None, "Cycle A <a@example.org>", "ed25519", "sign", "1y");
    let b = g.gen_key(None, "Cycle B <b@example.org>", "ed25519", "sign", "1y");
    let data = g.file("data", b"tag bytes\n");
    let sig_b = g.sign(None, &b, &data, &[]);
    let mut text = Vec::new();
    for who in [&a, &b] {
        text.extend(g.run(None, &["--list-keys", "--fingerprint", who]));
        text.extend(b"\n");
        text.extend(g.export(true, &[who]));
        text.extend(b"\nSome words after the block.\n");
    }
    let path = g.file("0xkeys.txt", &text);
    // gpg itself accepts the file: the reference behaviour.
    let other = Gpg::new();
    other.run(None, &["--import", path.to_str().unwrap()]);
    assert_eq!(other.fingerprints(&a)[0], a);
    assert_eq!(other.fingerprints(&b)[0], b);
    let mut keyring = Keyring::new();
    assert_eq!(
        keyring.add_file(&path).unwrap(),
        tarseal_sig::KeyringFileKind::OpenPgp(2)
    );
    let status = only(verify(&keyring, &sig_b, b"tag bytes\n"));
    assert_eq!(status.good().unwrap().key.primary, b);
    // Text with no block at all is still not a keyring.
    let words = g.file("words.txt", b"pub rsa4096 2024-03-01 [SC]\n  ABCDEF\n");
    assert!(Keyring::new().add_file(&words).is_err());
}
