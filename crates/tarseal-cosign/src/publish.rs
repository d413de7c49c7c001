//! Co-signatures into the transparency log as `tarseal/v1 cosign` records (docs/formats.md):
//! the `.asc` carried verbatim (base64), so that a gate judges the signing key at the time
//! the log first saw exactly these signature bytes.

use crate::check::Finding;
use crate::CosignError;
use tarseal_seal::publish_record;
use tarseal_sig::SigningKey;

/// An accepted co-signature, as its cosign record describes it.
#[derive(Debug, Clone)]
pub struct Cosignature {
    /// The branch path (for messages).
    pub path: String,
    /// The project.
    pub project: String,
    /// The tag.
    pub tag: String,
    /// The release file.
    pub file: String,
    /// Its size.
    pub size: u64,
    /// Its hex SHA-256.
    pub sha256: String,
    /// Primary fingerprint of the key that made the signature.
    pub cosigner: String,
    /// The `.asc` bytes exactly as on the branch.
    pub bytes: Vec<u8>,
}

/// Base64, standard alphabet, with padding (RFC 4648 section 4): how a cosign record carries
/// the armored `.asc`.
pub fn base64_encode(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Strict inverse of [`base64_encode`]: padded, standard alphabet, canonical (unused bits
/// zero, no white space); `None` otherwise.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

/// Publishes `c` as a `tarseal/v1 cosign` record signed with `key`, unless the log already
/// holds a cosign record with the same signature bytes for the same file and digest (the
/// unverified answer is enough here: a log that lies only loses the signature's time, which
/// the gate then does not count). Returns what was logged, as a `logged` finding.
pub fn publish_cosign(
    server: &str,
    key: &SigningKey,
    c: &Cosignature,
) -> Result<Finding, CosignError> {
    let signature = base64_encode(&c.bytes);
    let a = tarseal_server::client::query(server, &c.project, &c.tag, None)?;
    if a.status == 200 {
        if let Ok(answer) = serde_json::from_str::<tarseal_server::app::QueryAnswer>(&a.body) {
            for r in &answer.records {
                let Ok(rec) = tarseal_record::Record::parse(&r.record) else {
                    continue;
                };
                if rec.kind == tarseal_record::Kind::Cosign
                    && rec.get("file") == c.file
                    && rec.get("sha256") == c.sha256
                    && rec.try_get("signature") == Some(signature.as_str())
                {
                    return Ok(Finding::new(
                        "logged",
                        c.path.clone(),
                        format!(
                            "already in the log as entry {} (logged {})",
                            r.index, r.logged_at
                        ),
                    ));
                }
            }
        }
    }
    let record = tarseal_record::Record::with_kind(
        tarseal_record::Kind::Cosign,
        &[
            ("project", c.project.clone()),
            ("tag", c.tag.clone()),
            ("file", c.file.clone()),
            ("size", c.size.to_string()),
            ("sha256", c.sha256.clone()),
            ("cosigner", c.cosigner.to_ascii_uppercase()),
            ("signature", signature),
            ("signer", key.fingerprint()),
            (
                "signed-at",
                tarseal_sig::format_utc(std::time::SystemTime::now()),
            ),
        ],
    )
    .map_err(|e| CosignError::Record(e.to_string()))?
    .to_text();
    let p = publish_record(server, key, &record)?;
    Ok(Finding::new(
        "logged",
        c.path.clone(),
        format!(
            "cosign record {} entry {} (logged {})",
            if p.existing {
                "already logged as"
            } else {
                "as"
            },
            p.index,
            p.logged_at
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_strictness() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), enc);
            assert_eq!(base64_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(base64_decode(&base64_encode(&all)), Some(all));
        for bad in [
            "Zg", "Zg=", "Zh==", "Z===", "Zg==Zg==", "Zm9v\n", "Zm-v", "Zm_v",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }
}
