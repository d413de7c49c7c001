//! Signed notes and checkpoints against the golang.org/x/mod/sumdb/note test vectors
//! (`note_test.go`, `example_test.go`: the PeterNeumann key and message).

use tarseal_log::*;

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                          then you don't know what your problem is.\n";
const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
    then you don't know what your problem is.\n\
    \n\
    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
/// x/mod note_test.go TestOpen: a second key and its signature of the same text.
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

#[test]
fn go_note_sign_vector() {
    let signer = NoteSigner::from_key_string(PETER_SKEY).unwrap();
    assert_eq!(signer.name(), "PeterNeumann");
    assert_eq!(signer.key_id(), 0xc74f20a3);
    assert_eq!(signer.key_string(), PETER_SKEY);
    assert_eq!(signer.verifier().key_string(), PETER_VKEY);
    // Ed25519 is deterministic: the same bytes as Go's note.Sign.
    assert_eq!(signer.sign(PETER_TEXT).unwrap(), PETER_NOTE);
}

#[test]
fn go_note_open_vector() {
    let verifier = NoteVerifier::from_key_string(PETER_VKEY).unwrap();
    assert_eq!(verifier.key_id(), 0xc74f20a3);
    assert_eq!(verifier.verify(PETER_NOTE).unwrap(), PETER_TEXT);

    // Signed by both keys: each verifier finds its own line and ignores the other.
    let both = format!("{PETER_NOTE}{ENOCH_SIG}");
    let enoch = NoteVerifier::from_key_string(ENOCH_VKEY).unwrap();
    assert_eq!(verifier.verify(&both).unwrap(), PETER_TEXT);
    assert_eq!(enoch.verify(&both).unwrap(), PETER_TEXT);
    // Only Enoch's signature: not signed by Peter.
    let only_enoch = format!("{PETER_TEXT}\n{ENOCH_SIG}");
    assert!(matches!(
        verifier.verify(&only_enoch),
        Err(LogError::UnsignedNote(_))
    ));
    // The same key twice is rejected.
    let twice = format!("{PETER_NOTE}{}", &PETER_NOTE[PETER_TEXT.len() + 1..]);
    assert!(verifier.verify(&twice).is_err());
    // A changed text fails the signature.
    let changed = PETER_NOTE.replacen("answer", "Answer", 1);
    assert!(matches!(
        verifier.verify(&changed),
        Err(LogError::BadSignature(_))
    ));
}

#[test]
fn go_verifier_key_manglings_are_rejected() {
    // x/mod note_test.go TestNewVerifier: every proper substring and every single-byte change
    // of the key must be rejected.
    NoteVerifier::from_key_string(PETER_VKEY).unwrap();
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let s = std::str::from_utf8(&b[i..j]).unwrap();
            assert!(NoteVerifier::from_key_string(s).is_err(), "accepted {s:?}");
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&m) {
            assert!(NoteVerifier::from_key_string(s).is_err(), "accepted {s:?}");
        }
    }
}

#[test]
fn generated_keys_round_trip() {
    let (skey, vkey) = generate_signer("log.example/tarseal").unwrap();
    assert!(skey.starts_with("PRIVATE+KEY+log.example/tarseal+"));
    let signer = NoteSigner::from_key_string(&skey).unwrap();
    let verifier = NoteVerifier::from_key_string(&vkey).unwrap();
    assert_eq!(signer.verifier(), verifier);
    let note = signer.sign("hello\n").unwrap();
    assert_eq!(verifier.verify(&note).unwrap(), "hello\n");
    // Key names with a space or a '+' are refused.
    assert!(generate_signer("a b").is_err());
    assert!(generate_signer("a+b").is_err());
    assert!(generate_signer("").is_err());
    // Texts that are not notes are refused.
    assert!(signer.sign("no newline").is_err());
    assert!(signer.sign("tab\there\n").is_err());
}

#[test]
fn checkpoint_round_trip_and_spec_example() {
    // c2sp.org/tlog-checkpoint example body.
    let body =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let cp = Checkpoint::parse(body).unwrap();
    assert_eq!(cp.origin, "example.com/behind-the-sofa");
    assert_eq!(cp.size, 20852163);
    assert!(cp.extensions.is_empty());
    assert_eq!(cp.to_note_body(), body);
    let with_ext = format!("{body}ext one\n");
    let cp = Checkpoint::parse(&with_ext).unwrap();
    assert_eq!(cp.extensions, ["ext one"]);
    assert_eq!(cp.to_note_body(), with_ext);
    for bad in [
        "",
        "example.com/log\n",
        "example.com/log\n1\n",
        "example.com/log\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", // no final newline
        "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",              // empty origin
        "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",            // leading zero
        "o\n+1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",            // sign
        "o\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", // > u64
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n",              // 31 bytes
        "o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n",             // URL alphabet
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",           // empty extension
    ] {
        assert!(Checkpoint::parse(bad).is_err(), "accepted {bad:?}");
    }
    assert_eq!(
        Checkpoint::parse("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
            .unwrap()
            .root,
        empty_root()
    );
}
