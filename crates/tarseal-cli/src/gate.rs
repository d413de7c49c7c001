//! `tarseal gate FILE|URL`: the upload gate. Re-hashes the bytes it is given (a download is
//! hashed as it streams, with verify's code) and verifies every co-signature over exactly
//! these bytes; passes only when `--threshold` distinct keys of the keyring (or of the
//! `--trust` file, each inside its validity window at the signature's time) signed them.
//!
//! Decision (docs/formats.md, `tarseal.gate/v1`): exit 1 when a keyring key's signature
//! does not verify over the bytes (BAD: the bytes or the signature were altered, or it
//! signs another file) or a download is cut short; 3 when fewer than the threshold of
//! distinct keys have good signatures; 0 otherwise. Unknown keys, expired, revoked,
//! not-alive and weak signatures do not count and do not fail.

use crate::sigs;
use crate::verify::{self, Ctx, StreamError};
use crate::{load_keyring, Format, EXIT_USAGE};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal_sig::{SigStatus, TrustFile};

/// Schema of `--format json`.
pub const SCHEMA: &str = "tarseal.gate/v1";

#[derive(Args)]
pub(crate) struct GateArgs {
    /// The file to gate: a path, or an http(s) URL (downloaded and hashed as it arrives,
    /// never stored).
    file: String,
    /// Detached signatures over FILE (armored or binary; one or more signature packets each).
    #[arg(value_name = "SIG")]
    sigs: Vec<PathBuf>,
    /// Keys whose signatures count (repeatable; OpenPGP exports). Required.
    #[arg(long, value_name = "FILE", required = true)]
    keyring: Vec<PathBuf>,
    /// Distinct keys (a certificate counts once, whatever subkeys signed) whose good
    /// signatures are required. Defaults to the --trust file's threshold.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    threshold: Option<u32>,
    /// Read the signatures from `sigs/*/*/<FILE's name>.<KEYID16>.asc` in this ref of --repo
    /// (a release-sigs branch).
    #[arg(long, value_name = "REF", requires = "repo")]
    sigs_from: Option<String>,
    /// The git repository holding --sigs-from.
    #[arg(long, value_name = "DIR", requires = "sigs_from")]
    repo: Option<PathBuf>,
    /// The project trust file (tarseal-sig TrustFile): only its keys count, each judged at
    /// the signature's creation time against its validity window; its threshold is the
    /// default of --threshold.
    #[arg(long, value_name = "FILE")]
    trust: Option<PathBuf>,
    /// Output format: text, or json (schema tarseal.gate/v1).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Seconds allowed to connect and to receive a response's head (the body: 20 times this).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
}

#[derive(Serialize)]
struct FileInfo {
    source: String,
    name: String,
    size: u64,
    sha256: String,
    sha512: String,
    md5: String,
}

#[derive(Serialize)]
struct SigReport {
    /// Where the signature was read (a path, or `REF:PATH` for --sigs-from).
    file: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary: Option<String>,
    /// Whether this signature counts towards the threshold.
    counted: bool,
    detail: String,
}

#[derive(Serialize)]
struct Threshold {
    required: u32,
    /// `--threshold` or `trust-file`.
    from: &'static str,
    distinct_keys: usize,
    keys: Vec<String>,
}

#[derive(Serialize)]
struct GateReport {
    schema: &'static str,
    tool: tarseal_check::report::ToolInfo,
    verdict: &'static str,
    exit_code: u8,
    file: Option<FileInfo>,
    signatures: Vec<SigReport>,
    threshold: Threshold,
    problems: Vec<String>,
    warnings: Vec<String>,
}

pub(crate) fn gate(args: GateArgs) -> ExitCode {
    match run(&args) {
        Ok(report) => {
            match args.format {
                Format::Json => match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(_) => return ExitCode::from(EXIT_USAGE),
                },
                Format::Text => print!("{}", render(&report)),
            }
            ExitCode::from(report.exit_code)
        }
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            if args.format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({"schema": "tarseal.error/v1", "verdict": "error", "exit_code": 2, "error": e})
                );
            }
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run(args: &GateArgs) -> Result<GateReport, String> {
    let keyring = load_keyring(&args.keyring)?.unwrap_or_default();
    let trust = match &args.trust {
        Some(p) => Some(TrustFile::from_file(p).map_err(|e| e.to_string())?),
        None => None,
    };
    let (required, from) = match (args.threshold, &trust) {
        (Some(n), _) => (n, "--threshold"),
        (None, Some(t)) => (t.threshold as u32, "trust-file"),
        (None, None) => return Err("give --threshold N (or --trust FILE with a threshold)".into()),
    };
    let (origin, name) = verify::origin_of(&args.file)?;

    let mut sig_files: Vec<(String, Vec<u8>)> = Vec::new();
    for p in &args.sigs {
        let b = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        sig_files.push((p.display().to_string(), b));
    }
    if let (Some(r), Some(repo)) = (&args.sigs_from, &args.repo) {
        for (path, bytes) in sigs::signatures_in_ref(repo, r, &name)? {
            sig_files.push((format!("{r}:{path}"), bytes));
        }
    }
    let ctx = Ctx {
        agent: verify::agent(args.timeout),
        keyring,
    };
    let bytes: Vec<Vec<u8>> = sig_files.iter().map(|(_, b)| b.clone()).collect();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let streamed = match verify::stream(&ctx, &origin, &bytes) {
        Ok(s) => Some(s),
        Err(StreamError::Io(e)) => return Err(e),
        Err(StreamError::Rejected(e)) => {
            problems.push(e);
            None
        }
    };
    let mut signatures = Vec::new();
    let mut good: Vec<SigStatus> = Vec::new();
    if let Some(s) = &streamed {
        for ((loc, _), result) in sig_files.iter().zip(s.sig_results.iter()) {
            match result {
                Ok(statuses) => {
                    for st in statuses {
                        let (counted, why) = judge(st, trust.as_ref(), &good);
                        if let SigStatus::Bad { .. } = st {
                            problems.push(format!("{loc}: {st}"));
                        }
                        if counted {
                            good.push(st.clone());
                        }
                        signatures.push(SigReport {
                            file: loc.clone(),
                            status: verify::status_name(st),
                            key: st.key().map(|k| k.key.clone()).or_else(|| match st {
                                SigStatus::UnknownKey { issuers } => issuers.first().cloned(),
                                _ => None,
                            }),
                            primary: st.key().map(|k| k.primary.clone()),
                            counted,
                            detail: match why {
                                Some(w) => format!("{st}; {w}"),
                                None => st.to_string(),
                            },
                        });
                    }
                }
                Err(e) => {
                    warnings.push(format!("{loc}: unusable signature file: {e}"));
                    signatures.push(SigReport {
                        file: loc.clone(),
                        status: "malformed",
                        key: None,
                        primary: None,
                        counted: false,
                        detail: e.clone(),
                    });
                }
            }
        }
    }
    let mut keys: Vec<String> = good
        .iter()
        .filter_map(|s| s.good().map(|g| g.key.primary.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let distinct = keys.len();
    let (verdict, exit_code) = if !problems.is_empty() {
        ("fail", 1)
    } else if distinct < required as usize {
        warnings.push(format!(
            "threshold not reached: {distinct} distinct key(s) signed these bytes, {required} required"
        ));
        ("indeterminate", 3)
    } else {
        ("pass", 0)
    };
    Ok(GateReport {
        schema: SCHEMA,
        tool: tarseal_check::report::ToolInfo::current(),
        verdict,
        exit_code,
        file: streamed.map(|s| FileInfo {
            source: args.file.clone(),
            name,
            size: s.size,
            sha256: s.sha256,
            sha512: s.sha512,
            md5: s.md5,
        }),
        signatures,
        threshold: Threshold {
            required,
            from,
            distinct_keys: distinct,
            keys,
        },
        problems,
        warnings,
    })
}

/// Whether a status counts towards the threshold, and if a good one does not, why.
fn judge(
    st: &SigStatus,
    trust: Option<&TrustFile>,
    counted: &[SigStatus],
) -> (bool, Option<String>) {
    let Some(g) = st.good() else {
        return (false, None);
    };
    if let Some(t) = trust {
        match t.openpgp_key(&g.key.primary) {
            None => {
                return (
                    false,
                    Some("not a key of the trust file: not counted".into()),
                )
            }
            Some(k) if !k.valid_at(g.created) => {
                return (
                    false,
                    Some(format!(
                    "outside the key's validity window in the trust file ({} .. {}): not counted",
                    k.valid_after
                        .map(tarseal_sig::format_utc)
                        .unwrap_or_else(|| "-".into()),
                    k.valid_before
                        .map(tarseal_sig::format_utc)
                        .unwrap_or_else(|| "-".into())
                )),
                )
            }
            Some(_) => {}
        }
    }
    let again = counted
        .iter()
        .filter_map(SigStatus::good)
        .any(|c| c.key.primary == g.key.primary);
    if again {
        // Still "counted" in the sense that it is a valid vouch; the key counts once.
        return (
            true,
            Some("the same key signed already: it counts once".into()),
        );
    }
    (true, None)
}

fn render(r: &GateReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    if let Some(f) = &r.file {
        let _ = writeln!(o, "file     {} ({} bytes)", f.source, f.size);
        let _ = writeln!(o, "sha256   {}", f.sha256);
        let _ = writeln!(o, "sha512   {}", f.sha512);
    }
    if r.signatures.is_empty() {
        let _ = writeln!(o, "sig      none given");
    }
    for s in &r.signatures {
        let _ = writeln!(
            o,
            "sig      {:<19} {} {}: {}",
            s.status,
            if s.counted { "[counts]" } else { "[ignored]" },
            s.file,
            s.detail
        );
    }
    for p in &r.problems {
        let _ = writeln!(o, "PROBLEM  {p}");
    }
    for w in &r.warnings {
        let _ = writeln!(o, "warning  {w}");
    }
    let _ = writeln!(
        o,
        "keys     {} distinct key(s) signed these bytes ({} required, from {}){}",
        r.threshold.distinct_keys,
        r.threshold.required,
        r.threshold.from,
        if r.threshold.keys.is_empty() {
            String::new()
        } else {
            format!(": {}", r.threshold.keys.join(", "))
        }
    );
    let v = match r.verdict {
        "pass" => "PASS: enough distinct keys signed exactly these bytes; upload may proceed",
        "fail" => "FAIL: a signature by a known key does not verify over these bytes (or the download is incomplete); do not upload",
        _ => "INDETERMINATE: not enough distinct keys signed these bytes; do not upload yet",
    };
    let _ = writeln!(o, "verdict  {v}");
    o
}
