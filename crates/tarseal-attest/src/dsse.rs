//! DSSE (Dead Simple Signing Envelope, protocol 1.0): the pre-authentication encoding a
//! signature covers, and the JSON envelope.
//!
//! ```text
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//! LEN(s)          = ASCII decimal byte length of s, no leading zeros
//! {"payloadType": type, "payload": Base64(body), "signatures": [{"keyid": K, "sig": Base64(SIG)}]}
//! ```
//!
//! [`Envelope::to_json_line`] writes the envelope as one line (JSON Lines, `.intoto.jsonl`);
//! [`Envelope::parse`] reads one envelope (the file's only line), accepting standard or
//! URL-safe base64 with or without padding as the envelope spec allows.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{json, Map, Value};

/// The bytes a DSSE signature covers.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// The unauthenticated hint naming the key (tarseal: the OpenPGP primary fingerprint);
    /// empty when the envelope has none.
    pub keyid: String,
    /// The signature's bytes (tarseal: a binary detached OpenPGP signature over the PAE).
    pub sig: Vec<u8>,
}

/// A DSSE envelope, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// How to read the payload.
    pub payload_type: String,
    /// The payload's bytes (the serialized statement).
    pub payload: Vec<u8>,
    /// At least one signature (a parsed envelope without any is refused).
    pub signatures: Vec<EnvelopeSignature>,
}

/// Why bytes are not one DSSE envelope.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not UTF-8 JSON at all (or truncated).
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not one envelope of the DSSE shape (a field missing, of the wrong type, no
    /// signature, several lines).
    #[error("not a DSSE envelope: {0}")]
    Shape(String),
    /// A base64 field does not decode (`payload`, or `sig` of the signature at `index`).
    #[error("{field} is not base64: {detail}")]
    Base64 {
        /// `payload` or `signatures[N].sig`.
        field: String,
        /// What the decoder said.
        detail: String,
    },
}

impl EnvelopeError {
    /// Whether the input is malformed JSON (or not shaped as an envelope): an input error
    /// (exit 2), while a base64 field that does not decode is a damaged envelope (exit 1).
    pub fn is_malformed(&self) -> bool {
        matches!(self, EnvelopeError::Json(_) | EnvelopeError::Shape(_))
    }
}

/// Standard and URL-safe alphabets, padding optional (envelope.md allows either).
fn decode(field: &str, text: &str) -> Result<Vec<u8>, EnvelopeError> {
    let cfg = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&alphabet::STANDARD, cfg);
    let url_safe = GeneralPurpose::new(&alphabet::URL_SAFE, cfg);
    standard
        .decode(text)
        .or_else(|e| url_safe.decode(text).map_err(|_| e))
        .map_err(|e| EnvelopeError::Base64 {
            field: field.to_string(),
            detail: e.to_string(),
        })
}

impl Envelope {
    /// An envelope signed by `sign`, which gets the PAE bytes and returns `(keyid, sig)`.
    pub fn sign<E>(
        payload_type: &str,
        payload: Vec<u8>,
        sign: impl FnOnce(&[u8]) -> Result<(String, Vec<u8>), E>,
    ) -> Result<Envelope, E> {
        let (keyid, sig) = sign(&pae(payload_type, &payload))?;
        Ok(Envelope {
            payload_type: payload_type.to_string(),
            payload,
            signatures: vec![EnvelopeSignature { keyid, sig }],
        })
    }

    /// The PAE bytes of this envelope (what every signature must cover).
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }

    /// The envelope as one compact JSON line with its `\n` (standard base64, padded).
    pub fn to_json_line(&self) -> String {
        let sigs: Vec<Value> = self
            .signatures
            .iter()
            .map(|s| json!({"keyid": s.keyid, "sig": STANDARD.encode(&s.sig)}))
            .collect();
        let v = json!({
            "payloadType": self.payload_type,
            "payload": STANDARD.encode(&self.payload),
            "signatures": sigs,
        });
        let mut line = v.to_string();
        line.push('\n');
        line
    }

    /// Parses a `.intoto.jsonl` holding exactly one envelope (one line; a final newline and
    /// surrounding white space are allowed). Unknown fields are ignored, as DSSE says.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| EnvelopeError::Shape(format!("not UTF-8: {e}")))?;
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let v: Value = if lines.len() > 1 {
            // One envelope written over several lines (pretty JSON) is still one envelope;
            // several envelopes (JSON Lines) are refused: which one would vouch?
            serde_json::from_str(text).map_err(|_| {
                EnvelopeError::Shape(format!(
                    "{} lines hold JSON; one envelope expected",
                    lines.len()
                ))
            })?
        } else {
            serde_json::from_str(lines.first().copied().unwrap_or(""))?
        };
        let Value::Object(o) = v else {
            return Err(EnvelopeError::Shape("not a JSON object".into()));
        };
        let string = |o: &Map<String, Value>, k: &str| -> Result<String, EnvelopeError> {
            match o.get(k) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(EnvelopeError::Shape(format!("{k} is not a string"))),
                None => Err(EnvelopeError::Shape(format!("no {k}"))),
            }
        };
        let payload_type = string(&o, "payloadType")?;
        let payload_b64 = string(&o, "payload")?;
        let Some(Value::Array(sigs)) = o.get("signatures") else {
            return Err(EnvelopeError::Shape("no signatures array".into()));
        };
        if sigs.is_empty() {
            return Err(EnvelopeError::Shape("signatures is empty".into()));
        }
        let mut raw = Vec::new();
        for (i, s) in sigs.iter().enumerate() {
            let Value::Object(s) = s else {
                return Err(EnvelopeError::Shape(format!(
                    "signatures[{i}] is not an object"
                )));
            };
            let sig = string(s, "sig").map_err(|e| match e {
                EnvelopeError::Shape(d) => EnvelopeError::Shape(format!("signatures[{i}]: {d}")),
                e => e,
            })?;
            let keyid = match s.get("keyid") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(k)) => k.clone(),
                Some(_) => {
                    return Err(EnvelopeError::Shape(format!(
                        "signatures[{i}].keyid is not a string"
                    )))
                }
            };
            raw.push((keyid, sig));
        }
        let payload = decode("payload", &payload_b64)?;
        let mut signatures = Vec::new();
        for (i, (keyid, sig)) in raw.into_iter().enumerate() {
            signatures.push(EnvelopeSignature {
                keyid,
                sig: decode(&format!("signatures[{i}].sig"), &sig)?,
            });
        }
        Ok(Envelope {
            payload_type,
            payload,
            signatures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_of_the_spec_and_of_multibyte_text() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        // Lengths are bytes, not characters.
        assert_eq!(pae("t", "é".as_bytes()), "DSSEv1 1 t 2 é".as_bytes());
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn round_trip_and_both_alphabets() {
        let env = Envelope {
            payload_type: "application/vnd.in-toto+json".into(),
            payload: vec![0xfb, 0xff, 0x00, b'{'],
            signatures: vec![EnvelopeSignature {
                keyid: "ABCD".into(),
                sig: vec![0xfe, 0xff],
            }],
        };
        let line = env.to_json_line();
        assert!(line.ends_with("}\n") && !line[..line.len() - 1].contains('\n'));
        assert_eq!(Envelope::parse(line.as_bytes()).unwrap(), env);
        // URL-safe, unpadded.
        let url = r#"{"payloadType":"t","payload":"-_8Aew","signatures":[{"sig":"_v8"}]}"#;
        let e = Envelope::parse(url.as_bytes()).unwrap();
        assert_eq!(e.payload, env.payload);
        assert_eq!(e.signatures[0].sig, vec![0xfe, 0xff]);
        assert_eq!(e.signatures[0].keyid, "");
    }

    #[test]
    fn refusals_are_classified() {
        let bad = |s: &str| Envelope::parse(s.as_bytes()).unwrap_err();
        assert!(bad("{\"payloadType\":").is_malformed());
        assert!(bad("[]").is_malformed());
        assert!(bad(r#"{"payloadType":"t","payload":"AA=="}"#).is_malformed());
        assert!(bad(r#"{"payloadType":"t","payload":"AA==","signatures":[]}"#).is_malformed());
        assert!(
            bad(r#"{"payloadType":1,"payload":"AA==","signatures":[{"sig":""}]}"#).is_malformed()
        );
        let two = r#"{"payloadType":"t","payload":"AA==","signatures":[{"sig":""}]}"#;
        assert!(bad(&format!("{two}\n{two}\n")).is_malformed());
        let pretty = "{\n \"payloadType\": \"t\",\n \"payload\": \"AA==\",\n \"signatures\": [{\"sig\": \"\"}]\n}\n";
        assert_eq!(Envelope::parse(pretty.as_bytes()).unwrap().payload, [0]);
        let b64 = bad(r#"{"payloadType":"t","payload":"A*==","signatures":[{"sig":""}]}"#);
        assert!(!b64.is_malformed(), "{b64}");
        assert!(b64.to_string().contains("payload"), "{b64}");
    }
}
