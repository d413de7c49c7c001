//! `tarseal trust verify-chain V1 V2 ...`: a project's trust file may be replaced only by a
//! version signed by a threshold of the previous one (TUF's root rule). V(n+1) needs
//! threshold(Vn) good signatures from distinct keys of Vn, each inside its Vn validity
//! window at the signature's time, **and** threshold(V(n+1)) from keys of V(n+1) (the new
//! keys accept their role). V1 is the root of trust: it must come from the trusted side and
//! is not itself verified.
//!
//! Signatures of `FILE` are read from `FILE.asc` and `FILE.*.asc` beside it, plus
//! `--sig FILE=SIG`. The certificates come from `--keyring` (old and new keys).

use crate::{load_keyring, Format, EXIT_USAGE};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tarseal_sig::{SigStatus, TrustFile};

#[derive(Subcommand)]
pub(crate) enum TrustCommand {
    /// Verify a trust file's history from its first version: each version must be signed by
    /// a threshold of the previous one's keys (and of its own).
    VerifyChain(ChainArgs),
}

#[derive(Args)]
pub(crate) struct ChainArgs {
    /// The versions, oldest first (at least two).
    #[arg(value_name = "FILE_V", num_args = 2.., required = true)]
    files: Vec<PathBuf>,
    /// Certificates of the old and new keys (repeatable; OpenPGP exports).
    #[arg(long, value_name = "FILE", required = true)]
    keyring: Vec<PathBuf>,
    /// An extra detached signature of a version: `FILE_V=SIG` (FILE_V as given above).
    #[arg(long, value_name = "FILE_V=SIG")]
    sig: Vec<String>,
    /// Output format: text for people, json (schema tarseal.trust-chain/v1) for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Schema of `trust verify-chain --format json`.
pub const SCHEMA: &str = "tarseal.trust-chain/v1";

/// One version of the trust file and how it was judged.
#[derive(serde::Serialize)]
struct Version {
    /// 1-based.
    version: usize,
    file: String,
    /// `root` (v1, taken as given), `ok`, `rejected`; versions after a rejected one are not
    /// listed (nothing is trusted through a broken link).
    status: &'static str,
    threshold: usize,
    keys: usize,
    /// The previous version's threshold (what `signed_by_previous` must reach).
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_threshold: Option<usize>,
    /// Distinct keys of the previous version with a good signature in their window.
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_by_previous: Option<usize>,
    /// Distinct keys of this version with a good signature (the new keys accept their role).
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_by_own: Option<usize>,
    /// Every signature found for this version: its file and status.
    signatures: Vec<SigLine>,
}

#[derive(serde::Serialize)]
struct SigLine {
    file: String,
    status: String,
    bad: bool,
}

#[derive(serde::Serialize)]
struct ChainReport {
    schema: &'static str,
    verdict: &'static str,
    exit_code: u8,
    versions: Vec<Version>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub(crate) fn trust(cmd: TrustCommand) -> ExitCode {
    match cmd {
        TrustCommand::VerifyChain(a) => {
            let (verdict, code, versions, error) = match verify_chain(&a) {
                Ok((versions, true)) => ("pass", 0, versions, None),
                Ok((versions, false)) => ("fail", 1, versions, None),
                Err(e) => {
                    eprintln!("tarseal: error: {e}");
                    ("error", EXIT_USAGE, Vec::new(), Some(e))
                }
            };
            match a.format {
                Format::Json => {
                    let r = ChainReport {
                        schema: SCHEMA,
                        verdict,
                        exit_code: code,
                        versions,
                        error,
                    };
                    match serde_json::to_string_pretty(&r) {
                        Ok(t) => println!("{t}"),
                        Err(_) => return ExitCode::from(EXIT_USAGE),
                    }
                }
                Format::Text => {
                    for v in &versions {
                        print!("{}", render(v));
                    }
                    match verdict {
                        "pass" => println!("verdict  PASS: every version is signed by a threshold of the previous one and of itself"),
                        "fail" => println!(
                            "verdict  FAIL: the chain is broken; the last version must not be used"
                        ),
                        _ => {}
                    }
                }
            }
            ExitCode::from(code)
        }
    }
}

/// The signature files of `file`: `FILE.asc`, `FILE.*.asc` beside it, sorted.
fn beside(file: &Path) -> Result<Vec<PathBuf>, String> {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: not a UTF-8 file name", file.display()))?;
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut v = Vec::new();
    for e in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
        let n = e.file_name().to_string_lossy().into_owned();
        if n == format!("{name}.asc") || (n.starts_with(&format!("{name}.")) && n.ends_with(".asc"))
        {
            v.push(dir.join(n));
        }
    }
    v.sort();
    Ok(v)
}

/// The text lines of one version (the same content as the JSON).
fn render(v: &Version) -> String {
    let mut o = String::new();
    for sl in &v.signatures {
        o.push_str(&format!("sig      {}: {}\n", sl.file, sl.status));
    }
    if v.status == "root" {
        o.push_str(&format!(
            "v1       {} (root of trust, not verified: threshold {}, {} key(s))\n",
            v.file, v.threshold, v.keys
        ));
    } else {
        o.push_str(&format!(
            "v{}       {} {}: {} key(s) of v{} signed (threshold {}), {} key(s) of v{} signed (threshold {}){}\n",
            v.version,
            v.file,
            if v.status == "ok" { "ok" } else { "REJECTED" },
            v.signed_by_previous.unwrap_or(0),
            v.version - 1,
            v.previous_threshold.unwrap_or(0),
            v.signed_by_own.unwrap_or(0),
            v.version,
            v.threshold,
            if v.signatures.iter().any(|s| s.bad) {
                "; a BAD signature by a keyring key"
            } else {
                ""
            }
        ));
    }
    o
}

fn verify_chain(a: &ChainArgs) -> Result<(Vec<Version>, bool), String> {
    let keyring = load_keyring(&a.keyring)?.unwrap_or_default();
    let mut versions = Vec::new();
    for f in &a.files {
        versions.push(TrustFile::from_file(f).map_err(|e| e.to_string())?);
    }
    let mut extra: Vec<(String, PathBuf)> = Vec::new();
    for s in &a.sig {
        let (f, sig) = s
            .split_once('=')
            .ok_or_else(|| format!("--sig {s:?}: expected FILE_V=SIG"))?;
        if !a.files.iter().any(|p| p.as_os_str() == f) {
            return Err(format!("--sig {s:?}: {f} is not one of the versions given"));
        }
        extra.push((f.to_string(), PathBuf::from(sig)));
    }
    let mut out = vec![Version {
        version: 1,
        file: a.files[0].display().to_string(),
        status: "root",
        threshold: versions[0].threshold,
        keys: versions[0].keys.len(),
        previous_threshold: None,
        signed_by_previous: None,
        signed_by_own: None,
        signatures: Vec::new(),
    }];
    let mut ok = true;
    for i in 1..a.files.len() {
        let file = &a.files[i];
        let (old, new) = (&versions[i - 1], &versions[i]);
        let data = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut sig_files = beside(file)?;
        for (f, s) in &extra {
            if file.as_os_str() == f.as_str() && !sig_files.contains(s) {
                sig_files.push(s.clone());
            }
        }
        let mut statuses: Vec<SigStatus> = Vec::new();
        let mut sigs = Vec::new();
        for s in &sig_files {
            let sig = std::fs::read(s).map_err(|e| format!("{}: {e}", s.display()))?;
            match tarseal_sig::verify_detached(&keyring, &sig, &data[..], None) {
                Ok(st) => {
                    for x in &st {
                        sigs.push(SigLine {
                            file: s.display().to_string(),
                            status: x.to_string(),
                            bad: matches!(x, SigStatus::Bad { .. }),
                        });
                    }
                    statuses.extend(st);
                }
                Err(e) => sigs.push(SigLine {
                    file: s.display().to_string(),
                    status: format!("unusable: {e}"),
                    bad: false,
                }),
            }
        }
        let bad = sigs.iter().any(|s| s.bad);
        let by_old = old.count_trusted(&statuses);
        let by_new = new.count_trusted(&statuses);
        let step_ok = !bad && by_old >= old.threshold && by_new >= new.threshold;
        out.push(Version {
            version: i + 1,
            file: file.display().to_string(),
            status: if step_ok { "ok" } else { "rejected" },
            threshold: new.threshold,
            keys: new.keys.len(),
            previous_threshold: Some(old.threshold),
            signed_by_previous: Some(by_old),
            signed_by_own: Some(by_new),
            signatures: sigs,
        });
        if !step_ok {
            ok = false;
            // Later versions cannot be trusted through a broken link.
            break;
        }
    }
    Ok((out, ok))
}
