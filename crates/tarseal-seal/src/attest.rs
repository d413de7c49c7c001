//! `NAME.intoto.jsonl`: the check's verdict as an in-toto statement with a SLSA verification
//! summary, in a DSSE envelope signed by the seal key (tarseal-attest builds and signs over
//! the PAE; this module maps the report onto it).

use sha2::Digest;
use std::collections::BTreeMap;
use tarseal_attest::statement::package_url;
use tarseal_attest::{Envelope, Resource, Summary, TrustSurface, PAYLOAD_TYPE, POLICY_URI_BASE};
use tarseal_check::report::SignatureStatus;
use tarseal_check::{Report, Verdict};
use tarseal_sig::{SignError, SigningKey};

/// The verification summary of `report` about `file_name` (the check's digests must be in
/// the report), verified at `time` (RFC 3339 UTC, the record's `signed-at`).
pub fn summary(report: &Report, project: &str, file_name: &str, time: &str) -> Option<Summary> {
    let digests = report.archive.digests.as_ref()?;
    let g = &report.git;
    let sig = &report.signature;
    let verified = sig.status == SignatureStatus::Good;
    let signature = match sig.status {
        SignatureStatus::Good => format!(
            "good {} {}",
            sig.format.as_deref().unwrap_or("?"),
            sig.primary
                .as_deref()
                .or(sig.fingerprint.as_deref())
                .unwrap_or("?")
        ),
        SignatureStatus::NotChecked => "not-checked".to_string(),
    };
    let mut inputs = Vec::new();
    if g.target_kind == "tag" {
        let digest: BTreeMap<String, String> = match &g.tag_object {
            Some(id) => [("gitTag".to_string(), id.clone())].into(),
            // A lightweight tag is the commit itself.
            None => [("gitCommit".to_string(), g.commit.clone())].into(),
        };
        inputs.push(Resource {
            name: format!("refs/tags/{}", g.target),
            digest,
            annotations: [("signature".to_string(), signature)].into(),
            ..Resource::default()
        });
    }
    let mut commit_notes: BTreeMap<String, String> = [
        ("tree".to_string(), g.tree.clone()),
        ("objectFormat".to_string(), g.object_format.clone()),
    ]
    .into();
    if let Some(sub) = &g.subdir {
        commit_notes.insert("subdir".into(), sub.clone());
    }
    inputs.push(Resource {
        name: "commit".into(),
        digest: [("gitCommit".to_string(), g.commit.clone())].into(),
        annotations: commit_notes,
        ..Resource::default()
    });
    // The policy as the report states it (profile, rule sources, selection), inline: its
    // digest can be recomputed from the statement alone.
    let policy_json = serde_json::to_vec(&report.policy).unwrap_or_default();
    let policy = Resource {
        name: format!("profile {}", report.policy.profile),
        uri: format!("{POLICY_URI_BASE}{}", report.policy.profile),
        digest: [(
            "sha256".to_string(),
            hex::encode(sha2::Sha256::digest(&policy_json)),
        )]
        .into(),
        media_type: "application/json".into(),
        content: policy_json,
        ..Resource::default()
    };
    Some(Summary {
        file_name: file_name.to_string(),
        sha256: digests.sha256.clone(),
        sha512: digests.sha512.clone(),
        verifier_version: env!("CARGO_PKG_VERSION").to_string(),
        time_verified: time.to_string(),
        resource_uri: package_url(project, &g.target),
        policy,
        inputs,
        passed: report.verdict == Verdict::Pass,
        tag_signature_verified: verified,
        trust_surface: TrustSurface {
            files: report.trust_surface.files,
            bytes: report.trust_surface.bytes,
            paths: report.trust_surface.paths.clone(),
        },
    })
}

/// The envelope's line: the statement signed over its PAE bytes with `key` (a binary
/// detached OpenPGP signature; keyid = the key's primary fingerprint).
pub fn envelope_line(summary: &Summary, key: &SigningKey) -> Result<String, SignError> {
    let env = Envelope::sign(PAYLOAD_TYPE, summary.to_bytes(), |pae| {
        Ok::<_, SignError>((key.fingerprint(), key.sign_detached_binary(pae)?))
    })?;
    Ok(env.to_json_line())
}
