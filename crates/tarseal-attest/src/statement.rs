//! The in-toto Statement v1 with its SLSA verification summary (VSA v1) predicate, built
//! from a [`Summary`] (what the seal's check established). Field names follow
//! slsa.dev/spec/v1.0/verification_summary; `verifier.version` is the map of later VSA
//! versions (`{"tarseal": "0.1.0"}`), which v1.0 consumers ignore like any unknown field.

use crate::{
    LEVEL_SIGNED_TAG, LEVEL_UNSIGNED_TAG, PREDICATE_TYPE, STATEMENT_TYPE, TRUST_SURFACE_FIELD,
    VERIFIER_ID,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// An in-toto ResourceDescriptor (the inputs, the policy): at least a name, URI or digest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource {
    /// `name` (empty: left out).
    pub name: String,
    /// `uri` (empty: left out).
    pub uri: String,
    /// `digest`, a DigestSet: algorithm → lower-case hex (`sha256`, `gitTag`, `gitCommit`).
    pub digest: BTreeMap<String, String>,
    /// `content`: the resource's bytes, inline (base64 in JSON); empty: left out.
    pub content: Vec<u8>,
    /// `mediaType` (empty: left out).
    pub media_type: String,
    /// `annotations`: string values only (empty: left out).
    pub annotations: BTreeMap<String, String>,
}

impl Resource {
    fn to_json(&self) -> Value {
        let mut o = Map::new();
        let mut put = |k: &str, v: &str| {
            if !v.is_empty() {
                o.insert(k.into(), Value::String(v.into()));
            }
        };
        put("name", &self.name);
        put("uri", &self.uri);
        put("mediaType", &self.media_type);
        if !self.content.is_empty() {
            o.insert("content".into(), STANDARD.encode(&self.content).into());
        }
        if !self.digest.is_empty() {
            o.insert("digest".into(), json!(self.digest));
        }
        if !self.annotations.is_empty() {
            o.insert("annotations".into(), json!(self.annotations));
        }
        Value::Object(o)
    }
}

/// The files of the archive that only their name vouches for (the check report's
/// `trust_surface`): what a reader of the summary still takes on the policy's word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustSurface {
    /// How many files.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Their paths, sorted.
    pub paths: Vec<String>,
}

/// What a verification established about one file: the statement's input.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The subject's name (the file name, no directory).
    pub file_name: String,
    /// The file's SHA-256 (lower-case hex).
    pub sha256: String,
    /// The file's SHA-512.
    pub sha512: String,
    /// `verifier.version.tarseal`.
    pub verifier_version: String,
    /// `timeVerified`, RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    pub time_verified: String,
    /// `resourceUri`.
    pub resource_uri: String,
    /// `policy` (must have a `uri`).
    pub policy: Resource,
    /// `inputAttestations`: the signed tag and the commit compared with.
    pub inputs: Vec<Resource>,
    /// `verificationResult`: `PASSED` when true, else `FAILED`.
    pub passed: bool,
    /// Whether the tag's signature was verified against a keyring (chooses the level).
    pub tag_signature_verified: bool,
    /// The trust surface extension.
    pub trust_surface: TrustSurface,
}

impl Summary {
    /// `verifiedLevels`: one tarseal level when passed, `["FAILED"]` otherwise.
    pub fn verified_levels(&self) -> Vec<&'static str> {
        match (self.passed, self.tag_signature_verified) {
            (false, _) => vec!["FAILED"],
            (true, true) => vec![LEVEL_SIGNED_TAG],
            (true, false) => vec![LEVEL_UNSIGNED_TAG],
        }
    }

    /// The statement as a JSON value.
    pub fn to_json(&self) -> Value {
        let mut predicate = Map::new();
        predicate.insert(
            "verifier".into(),
            json!({"id": VERIFIER_ID, "version": {"tarseal": self.verifier_version}}),
        );
        predicate.insert("timeVerified".into(), json!(self.time_verified));
        predicate.insert("resourceUri".into(), json!(self.resource_uri));
        predicate.insert("policy".into(), self.policy.to_json());
        predicate.insert(
            "inputAttestations".into(),
            Value::Array(self.inputs.iter().map(Resource::to_json).collect()),
        );
        predicate.insert(
            "verificationResult".into(),
            json!(if self.passed { "PASSED" } else { "FAILED" }),
        );
        predicate.insert("verifiedLevels".into(), json!(self.verified_levels()));
        predicate.insert(
            TRUST_SURFACE_FIELD.into(),
            json!({
                "files": self.trust_surface.files,
                "bytes": self.trust_surface.bytes,
                "paths": self.trust_surface.paths,
            }),
        );
        json!({
            "_type": STATEMENT_TYPE,
            "subject": [{
                "name": self.file_name,
                "digest": {"sha256": self.sha256, "sha512": self.sha512},
            }],
            "predicateType": PREDICATE_TYPE,
            "predicate": Value::Object(predicate),
        })
    }

    /// The statement's bytes: compact JSON, keys sorted (the envelope's payload).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }
}

/// `pkg:generic/PROJECT@TAG` (Package URL), each part percent-encoded: the default
/// `resourceUri` of a sealed file (seal does not know where it will be published).
pub fn package_url(project: &str, tag: &str) -> String {
    fn enc(s: &str) -> String {
        let mut o = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                o.push(b as char);
            } else {
                o.push_str(&format!("%{b:02X}"));
            }
        }
        o
    }
    format!("pkg:generic/{}@{}", enc(project), enc(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Summary {
        Summary {
            file_name: "demo-1.0.tar.gz".into(),
            sha256: "a".repeat(64),
            sha512: "b".repeat(128),
            verifier_version: "0.1.0".into(),
            time_verified: "2026-12-02T18:00:00Z".into(),
            resource_uri: package_url("demo", "v1.0"),
            policy: Resource {
                uri: "tarseal:policy".into(),
                ..Resource::default()
            },
            inputs: vec![Resource {
                name: "refs/tags/v1.0".into(),
                digest: [("gitTag".to_string(), "c".repeat(40))].into(),
                ..Resource::default()
            }],
            passed: true,
            tag_signature_verified: true,
            trust_surface: TrustSurface {
                files: 1,
                bytes: 10,
                paths: vec!["PKG-INFO".into()],
            },
        }
    }

    #[test]
    fn the_statement_has_the_vsa_fields() {
        let s = summary();
        let v: Value = serde_json::from_slice(&s.to_bytes()).unwrap();
        assert_eq!(v["_type"], STATEMENT_TYPE);
        assert_eq!(v["predicateType"], PREDICATE_TYPE);
        assert_eq!(v["subject"][0]["digest"]["sha512"], "b".repeat(128));
        let p = &v["predicate"];
        assert_eq!(p["verifier"]["version"]["tarseal"], "0.1.0");
        assert_eq!(p["resourceUri"], "pkg:generic/demo@v1.0");
        assert_eq!(p["verificationResult"], "PASSED");
        assert_eq!(p["verifiedLevels"][0], LEVEL_SIGNED_TAG);
        assert_eq!(
            p["inputAttestations"][0]["digest"]["gitTag"],
            "c".repeat(40)
        );
        assert!(p["inputAttestations"][0].get("uri").is_none());
        assert_eq!(p[TRUST_SURFACE_FIELD]["paths"][0], "PKG-INFO");
        let failed = Summary {
            passed: false,
            ..summary()
        };
        assert_eq!(failed.to_json()["predicate"]["verifiedLevels"][0], "FAILED");
        assert_eq!(package_url("a b", "v/1"), "pkg:generic/a%20b@v%2F1");
    }
}
