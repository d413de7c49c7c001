//! C2SP tlog-cosignature (Ed25519, type 0x04) and a real cosigned checkpoint.

use tarseal_log::*;

/// A checkpoint of the arche2025h1 static-ct staging log, signed by the log (an RFC 6962 type
/// 0x05 line, then an Ed25519 type 0x01 line under the same name) and cosigned by four public
/// witnesses. Copied, with the two verifier keys, from the checkpoint verification tests of a
/// Python C2SP implementation (`TestCheckpointVerification.CHECKPOINT`/`VKEYS`), found with the
/// search tool; the key strings are the ones the log and the remora witness publish.
const ARCHE_NOTE: &str = "arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

\u{2014} arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
\u{2014} arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
\u{2014} transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
\u{2014} witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
\u{2014} remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
\u{2014} witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
";
const ARCHE_VKEY: &str =
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f";
/// Also in transparency-dev/formats `note/note_cosigv1_test.go`.
const REMORA_VKEY: &str = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";

#[test]
fn real_cosigned_checkpoint_verifies() {
    let log = NoteVerifier::from_key_string(ARCHE_VKEY).unwrap();
    let body = log.verify(ARCHE_NOTE).unwrap();
    let cp = Checkpoint::parse(body).unwrap();
    assert_eq!(cp.origin, "arche2025h1.staging.ct.transparency.dev");
    assert_eq!(cp.size, 1_432_088_532);

    let remora = CosignatureVerifier::from_key_string(REMORA_VKEY).unwrap();
    assert_eq!(remora.key_string(), REMORA_VKEY);
    let (text, timestamp) = remora.verify(ARCHE_NOTE).unwrap();
    assert_eq!(text, body);
    assert_eq!(timestamp, 0x6a12_2120); // the 8 bytes after the key ID, big-endian

    // A changed size breaks both (the log's and the witness's signature cover the text).
    let clobbered = ARCHE_NOTE.replacen("1432088532", "42", 1);
    assert!(log.verify(&clobbered).is_err());
    assert!(remora.verify(&clobbered).is_err());
    // A type 0x01 key string is not a cosignature key, and the other way round.
    assert!(CosignatureVerifier::from_key_string(ARCHE_VKEY).is_err());
    assert!(NoteVerifier::from_key_string(REMORA_VKEY).is_err());
}

#[test]
fn cosign_round_trip() {
    let log = NoteSigner::new("log.example/tarseal", &[1; 32]).unwrap();
    let witness = CosignatureSigner::new("witness.example/w1", &[2; 32]).unwrap();
    let other = CosignatureSigner::new("witness.example/w2", &[3; 32]).unwrap();
    let cp = Checkpoint {
        origin: "log.example/tarseal".into(),
        size: 5,
        root: [9; 32],
        extensions: vec![],
    };
    let note = log.sign(&cp.to_note_body()).unwrap();
    let cosigned = witness.cosign(&note, 1_679_315_147).unwrap();
    // The log's signature still verifies; the witness's verifies with its timestamp.
    assert_eq!(log.verifier().verify(&cosigned).unwrap(), cp.to_note_body());
    let v = witness.verifier();
    assert_eq!(
        CosignatureVerifier::from_key_string(&v.key_string()).unwrap(),
        v
    );
    assert_eq!(v.verify(&cosigned).unwrap().1, 1_679_315_147);
    assert!(matches!(
        other.verifier().verify(&cosigned),
        Err(LogError::UnsignedNote(_))
    ));
    // Another timestamp in the line breaks it (the time is signed).
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let line_start = cosigned.rfind('\u{2014}').unwrap();
    let line = &cosigned[line_start..];
    let (prefix, sig) = line.trim_end().rsplit_once(' ').unwrap();
    let mut blob = b64.decode(sig).unwrap();
    assert_eq!(blob.len(), 4 + 8 + 64);
    assert_eq!(&blob[4..12], &1_679_315_147u64.to_be_bytes());
    blob[11] ^= 1;
    let forged = format!(
        "{}{prefix} {}\n",
        &cosigned[..line_start],
        b64.encode(&blob)
    );
    assert!(matches!(v.verify(&forged), Err(LogError::BadSignature(_))));
    assert!(witness.cosign(&note, u64::MAX).is_err());
}

#[test]
fn garbled_cosignature_lines_never_verify() {
    let remora = CosignatureVerifier::from_key_string(REMORA_VKEY).unwrap();
    let start = ARCHE_NOTE.find("\u{2014} remora").unwrap();
    let end = start + ARCHE_NOTE[start..].find('\n').unwrap();
    for i in start..=end {
        let mut b = ARCHE_NOTE.as_bytes().to_vec();
        b[i] ^= 1;
        if let Ok(g) = String::from_utf8(b) {
            assert!(
                remora.verify(&g).is_err(),
                "byte {i} changed still verifies"
            );
        }
        if ARCHE_NOTE.is_char_boundary(i) {
            assert!(remora.verify(&ARCHE_NOTE[..i]).is_err());
        }
    }
}

#[test]
fn cosigner_key_string_round_trip() {
    let w = CosignatureSigner::new("witness.example/w1", &[2; 32]).unwrap();
    let s = w.key_string();
    assert!(s.starts_with("PRIVATE+KEY+witness.example/w1+"));
    let back = CosignatureSigner::from_key_string(&s).unwrap();
    assert_eq!(back.verifier(), w.verifier());
    assert_eq!(back.name(), "witness.example/w1");
    // A log (note) signer key is not a cosigner key, nor the other way round.
    let log = NoteSigner::new("witness.example/w1", &[2; 32]).unwrap();
    assert!(CosignatureSigner::from_key_string(&log.key_string()).is_err());
    assert!(NoteSigner::from_key_string(&s).is_err());
    // A wrong key ID is refused.
    let (head, tail) = s.rsplit_once('+').unwrap();
    let (head, id) = head.rsplit_once('+').unwrap();
    let bad_id = if id == "00000000" {
        "00000001"
    } else {
        "00000000"
    };
    assert!(CosignatureSigner::from_key_string(&format!("{head}+{bad_id}+{tail}")).is_err());
    let g = CosignatureSigner::generate("w2").unwrap();
    assert_ne!(
        g.verifier(),
        CosignatureSigner::generate("w2").unwrap().verifier()
    );
}
