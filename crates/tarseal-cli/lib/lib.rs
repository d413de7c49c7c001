//! tarseal as a library: prove that a release tarball holds exactly what its signed git tag
//! holds, and carry that proof through signing, co-signing, upload gates and a
//! transparency log — the same entry points the `tarseal` command uses.
//!
//! Each job takes a plain options struct and returns a typed report or a typed error (a
//! `thiserror` enum naming what was wrong and where); nothing prints. The work is done by
//! one crate per concept, re-exported here:
//!
//! | module | job | crate |
//! |---|---|---|
//! | [`check`] | archive vs tag, the report | tarseal-check (+ -git, -archive) |
//! | [`seal`] | sign a checked tarball, checksum files, record | tarseal-seal |
//! | [`verify`] | re-hash a file or URL against its sidecars, signatures, the log | tarseal-verify |
//! | [`attest`] | the signed verification summary (in-toto, SLSA VSA, DSSE) | tarseal-attest |
//! | [`sigs`] | co-signatures on a release-sigs branch | tarseal-cosign |
//! | [`gate`] | k-of-n upload gate | tarseal-gate |
//! | [`log`] | publish, build records, verified queries | tarseal-seal, tarseal-server |
//! | [`witness`] | witness service, cosignature policy | tarseal-witness |
//! | [`monitor`] | read every new entry, detect forks | tarseal-monitor |
//! | [`trust`] | a trust file's history | tarseal-sig |
//!
//! Exit codes, where a job has one: 0 pass, 1 rejected, 2 usage or input error,
//! 3 indeterminate.
//!
//! # Example
//!
//! Check a `git archive` tarball against its tag (made here with the real `git`; a real
//! check gives `keyring` instead of `allow_unsigned`):
//!
//! ```
//! use tarseal::check::{self, Target, Verdict};
//! # let release = tarseal_testkit::release::Release::new();
//! # let (tarball, repo) = (&release.tarball, &release.repo);
//! let mut opts = check::options(tarball, repo, Target::Tag {
//!     name: "v1.0".into(),
//!     allow_lightweight: false,
//! });
//! opts.allow_unsigned = true; // the demo tag is not signed
//! let report = check::check(&opts)?;
//! assert_eq!(report.verdict, Verdict::Pass);
//! assert_eq!(report.verdict.exit_code(), 0);
//!
//! // One byte more in the archive than in the tag, and the verdict is no longer a pass.
//! # let extra = release.dir.path().join("extra.tar");
//! # let status = std::process::Command::new("tar")
//! #     .args(["-cf", extra.to_str().unwrap(), "-C", release.dir.path().to_str().unwrap(), "repo/README"])
//! #     .status()?;
//! # assert!(status.success());
//! let mut opts = check::options(&extra, repo, Target::Tag {
//!     name: "v1.0".into(),
//!     allow_lightweight: false,
//! });
//! opts.allow_unsigned = true;
//! opts.prefix = Some("repo".into());
//! let report = check::check(&opts)?;
//! assert_ne!(report.verdict, Verdict::Pass); // src/main.c is missing
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod check;
pub mod log;
pub mod seal;
pub mod sigs;

/// Re-hash a release file (path or http(s) URL) and hold it against its checksum files, its
/// seal record, detached signatures and the log's records: [`verify::verify`].
///
/// A checksum file beside the file that names other bytes is proven wrong (exit 1); one
/// that matches but that no keyring key signed vouches for nothing (exit 3):
///
/// ```
/// use tarseal::verify::{verify, VerifyOptions};
/// let dir = tempfile::tempdir()?;
/// let file = dir.path().join("demo-1.0.tar.gz");
/// std::fs::write(&file, b"the release")?;
/// std::fs::write(dir.path().join("demo-1.0.tar.gz.sha256"), format!("{}  demo-1.0.tar.gz\n", "0".repeat(64)))?;
/// let report = verify(&VerifyOptions::new(file.display().to_string()))?;
/// assert_eq!((report.verdict, report.exit_code), ("fail", 1));
///
/// let right = report.file.as_ref().unwrap().sha256.clone();
/// std::fs::write(dir.path().join("demo-1.0.tar.gz.sha256"), format!("{right}  demo-1.0.tar.gz\n"))?;
/// let report = verify(&VerifyOptions::new(file.display().to_string()))?;
/// assert_eq!((report.verdict, report.exit_code), ("indeterminate", 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod verify {
    pub use tarseal_verify::*;
}

/// The upload gate: [`gate::gate`] passes only when enough distinct keys signed exactly these
/// bytes (judged at the log's time with a log).
///
/// ```
/// use tarseal::gate::{gate, GateOptions};
/// # use tarseal_testkit::gpg::Gpg;
/// # let gpg = Gpg::new();
/// # gpg.gen_key(None, "A <a@example.org>", "ed25519", "sign", "never");
/// # let keyring = gpg.export_to(false, &["a@example.org"], &gpg.path().join("a.pgp"));
/// let dir = tempfile::tempdir()?;
/// let file = dir.path().join("demo-1.0.tar.gz");
/// std::fs::write(&file, b"the release")?;
/// let sig = dir.path().join("demo-1.0.tar.gz.asc");
/// std::fs::write(&sig, gpg.sign_armored(None, "a@example.org", &file, &[]))?;
///
/// let mut opts = GateOptions::new(file.display().to_string());
/// opts.sigs = vec![sig];
/// opts.keyring = vec![keyring];
/// opts.threshold = Some(1);
/// let report = gate(&opts)?;
/// assert_eq!((report.verdict, report.exit_code), ("pass", 0));
///
/// opts.threshold = Some(2); // one key cannot be two
/// assert_eq!(gate(&opts)?.verdict, "indeterminate");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod gate {
    pub use tarseal_gate::*;
}

/// A project trust file's history: [`trust::verify_chain`].
///
/// ```
/// use tarseal::trust::{verify_chain, ChainError, ChainOptions};
/// // The first version is the root of trust: a chain needs a second one to judge.
/// let err = verify_chain(&ChainOptions {
///     files: vec!["trust-v1.toml".into()],
///     keyring: vec![],
///     sig: vec![],
/// })
/// .unwrap_err();
/// assert!(matches!(err, ChainError::TooFew));
/// ```
pub mod trust {
    pub use tarseal_sig::chain::*;
}

/// Keys, keyrings, signing and signature statuses (tarseal-sig).
pub use tarseal_sig as sig;

/// The transparency log service and its blocking client (tarseal-server).
pub use tarseal_server as server;

/// Regeneration of generated files in a sandbox, for `check` with
/// [`check::RegenOptions`] (tarseal-regen).
pub use tarseal_regen as regen;

/// Transparency log witnesses: the `tarseal witness` service, the log's submit client and
/// the verifier's k-of-n cosignature policy (tarseal-witness).
pub use tarseal_witness as witness;

/// The log monitor: every new entry read through the tiles, the tree recomputed
/// (tarseal-monitor).
pub use tarseal_monitor as monitor;

/// The canonical records (tarseal-record).
pub use tarseal_record as record;

/// Verification summaries: the in-toto statement with its SLSA VSA predicate that seal
/// writes as `NAME.intoto.jsonl`, DSSE's PAE, the envelope and its verification
/// (tarseal-attest).
///
/// ```
/// use tarseal::attest::{pae, Envelope, PAYLOAD_TYPE};
/// let env = Envelope::sign(PAYLOAD_TYPE, b"{}".to_vec(), |bytes| {
///     assert_eq!(bytes, pae(PAYLOAD_TYPE, b"{}"));
///     Ok::<_, std::convert::Infallible>(("KEYID".to_string(), vec![1, 2, 3]))
/// })
/// .unwrap();
/// assert_eq!(Envelope::parse(env.to_json_line().as_bytes()).unwrap(), env);
/// ```
pub use tarseal_attest as attest;
