//! `tarseal trust verify-chain V1 V2 ...`: a project's trust file may be replaced only by a
//! version signed by a threshold of the previous one (TUF's root rule). V(n+1) needs
//! threshold(Vn) good signatures from distinct keys of Vn, each inside its Vn validity
//! window at the signature's time, **and** threshold(V(n+1)) from keys of V(n+1) (the new
//! keys accept their role). V1 is the root of trust: it must come from the trusted side and
//! is not itself verified.
//!
//! Signatures of `FILE` are read from `FILE.asc` and `FILE.*.asc` beside it, plus
//! `--sig FILE=SIG`. The certificates come from `--keyring` (old and new keys).

use crate::{load_keyring, EXIT_USAGE};
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
}

pub(crate) fn trust(cmd: TrustCommand) -> ExitCode {
    match cmd {
        TrustCommand::VerifyChain(a) => match verify_chain(&a) {
            Ok((lines, ok)) => {
                for l in lines {
                    println!("{l}");
                }
                if ok {
                    println!("verdict  PASS: every version is signed by a threshold of the previous one and of itself");
                    ExitCode::SUCCESS
                } else {
                    println!(
                        "verdict  FAIL: the chain is broken; the last version must not be used"
                    );
                    ExitCode::from(1)
                }
            }
            Err(e) => {
                eprintln!("tarseal: error: {e}");
                ExitCode::from(EXIT_USAGE)
            }
        },
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

fn verify_chain(a: &ChainArgs) -> Result<(Vec<String>, bool), String> {
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
    let mut lines = vec![format!(
        "v1       {} (root of trust, not verified: threshold {}, {} key(s))",
        a.files[0].display(),
        versions[0].threshold,
        versions[0].keys.len()
    )];
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
        let mut bad = false;
        for s in &sig_files {
            let sig = std::fs::read(s).map_err(|e| format!("{}: {e}", s.display()))?;
            match tarseal_sig::verify_detached(&keyring, &sig, &data[..], None) {
                Ok(st) => {
                    for x in &st {
                        if matches!(x, SigStatus::Bad { .. }) {
                            bad = true;
                        }
                        lines.push(format!("sig      {}: {x}", s.display()));
                    }
                    statuses.extend(st);
                }
                Err(e) => lines.push(format!("sig      {}: unusable: {e}", s.display())),
            }
        }
        let by_old = old.count_trusted(&statuses);
        let by_new = new.count_trusted(&statuses);
        let step_ok = !bad && by_old >= old.threshold && by_new >= new.threshold;
        lines.push(format!(
            "v{}       {} {}: {by_old} key(s) of v{} signed (threshold {}), {by_new} key(s) of v{} signed (threshold {}){}",
            i + 1,
            file.display(),
            if step_ok { "ok" } else { "REJECTED" },
            i,
            old.threshold,
            i + 1,
            new.threshold,
            if bad { "; a BAD signature by a keyring key" } else { "" }
        ));
        if !step_ok {
            ok = false;
            // Later versions cannot be trusted through a broken link.
            break;
        }
    }
    Ok((lines, ok))
}
