//! `tarseal seal`: check, then — only on pass — sign the tarball and write its checksum files
//! and the signed record, atomically (every file to a temporary name first, renamed at the
//! end; if anything fails before the renames, nothing is left behind).

use crate::sums::{self, SumLine};
use crate::{fail, print_report, CheckArgs, Format, EXIT_USAGE};
use clap::Args;
use sha2::Digest;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use tarseal_archive::{RawObserver, RawSink};
use tarseal_check::report::SignatureStatus;
use tarseal_check::{CheckError, Verdict};
use tarseal_record::Record;
use tarseal_sig::{DetachedHasher, Keyring, SigningKey};

#[derive(Args)]
pub(crate) struct SealArgs {
    #[command(flatten)]
    check: CheckArgs,
    /// The OpenPGP secret key to sign with (`gpg --export-secret-keys`, no passphrase,
    /// `chmod 600`).
    #[arg(long, value_name = "SECRET_KEY")]
    key: PathBuf,
    /// Where to write the outputs (default: beside the tarball).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The project name for the record (default: the tarball's name before its version,
    /// `python-novaclient-18.0.0.tar.gz` -> `python-novaclient`).
    #[arg(long, value_name = "NAME")]
    project: Option<String>,
    /// After sealing, publish NAME.seal to the log at URL (as `tarseal publish`): writes
    /// NAME.tlog-proof. The seal outputs stay even when publishing fails (exit 1 or 2).
    #[arg(long, value_name = "URL")]
    publish: Option<String>,
    /// With --publish: the log's verifier key (pinned). After publishing, the log's build
    /// and upload records of this file are compared with the sealed bytes; a difference
    /// (the tarball changed between the build and the seal) exits 1, the outputs kept.
    #[arg(long, value_name = "KEY", requires = "publish")]
    log_key: Option<String>,
}

/// Archive suffixes stripped before looking for the version.
const SUFFIXES: [&str; 12] = [
    ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst", ".tzst", ".tar", ".zip",
    ".crate", ".gem",
];

/// `nova-27.1.0.tar.gz` -> `nova`: everything before the first `-` or `_` that is followed by
/// a digit (the version), after stripping the archive suffix.
pub(crate) fn project_from_file_name(name: &str) -> Option<String> {
    let stem = SUFFIXES
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name);
    let b = stem.as_bytes();
    (1..b.len())
        .find(|&i| (b[i - 1] == b'-' || b[i - 1] == b'_') && b[i].is_ascii_digit())
        .map(|i| stem[..i - 1].to_string())
        .filter(|p| !p.is_empty())
}

fn usage(msg: impl Into<String>, format: Format) -> ExitCode {
    fail(&CheckError::Usage(msg.into()), format)
}

pub(crate) fn seal(args: SealArgs) -> ExitCode {
    let format = args.check.format;
    if args.check.commit.is_some() {
        return usage(
            "seal needs --tag: a record names the project's tag (use check --commit to compare only)",
            format,
        );
    }
    // The key first: a missing or loose key must not cost a whole check.
    let key = match SigningKey::from_file(&args.key) {
        Ok(k) => k,
        Err(e) => return usage(e.to_string(), format),
    };
    let tarball = &args.check.tarball;
    let Some(file_name) = tarball
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
    else {
        return usage(
            format!("{}: not a file name in UTF-8", tarball.display()),
            format,
        );
    };
    let project = match args
        .project
        .clone()
        .or_else(|| project_from_file_name(&file_name))
    {
        Some(p) => p,
        None => {
            return usage(
                format!("cannot tell the project from the file name {file_name:?} (no NAME-VERSION): give --project NAME"),
                format,
            )
        }
    };
    let out_dir = match &args.out {
        Some(d) => d.clone(),
        None => match tarball.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    if !out_dir.is_dir() {
        return usage(
            format!("output directory {} does not exist", out_dir.display()),
            format,
        );
    }

    // The signature's hash rides on the check's one read of the tarball (v4 keys; a v6 key
    // is signed from a second read in write_outputs).
    let prehash = match key.start_detached(std::time::SystemTime::now()) {
        Ok(h) => h.map(|h| Arc::new(Mutex::new(SignatureSink(Some(h))))),
        Err(e) => return usage(e.to_string(), format),
    };
    let observer = prehash.clone().map(RawObserver::new);
    let (report, proof) = match crate::run_check_args_observed(&args.check, true, observer, true) {
        Ok(c) => (c.report, c.proof),
        Err(code) => return code,
    };
    let prehashed = prehash.and_then(|p| {
        p.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
            .take()
    });
    if print_report(&report, format).is_err() {
        return ExitCode::from(EXIT_USAGE);
    }
    if report.verdict != Verdict::Pass {
        eprintln!(
            "tarseal: the check did not pass ({}); nothing was signed or written",
            serde_json::to_value(report.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        );
        return ExitCode::from(report.verdict.exit_code() as u8);
    }
    let sealed = Sealed {
        report: &report,
        proof: proof.as_deref(),
    };
    match write_outputs(
        &args, &key, &sealed, &project, &file_name, &out_dir, prehashed,
    ) {
        Ok(written) => {
            eprintln!("tarseal: sealed {file_name} with {}:", key.fingerprint());
            for w in written {
                eprintln!("  {}", w.display());
            }
            if let Some(url) = &args.publish {
                let record = out_dir.join(format!("{file_name}.seal"));
                let code = match crate::logcmd::publish_file(&record, url) {
                    Ok(code) => code,
                    Err(e) => {
                        eprintln!("tarseal: error: sealed, but publishing failed: {e}");
                        return ExitCode::from(EXIT_USAGE);
                    }
                };
                if code != ExitCode::SUCCESS {
                    return code;
                }
                if let Some(log_key) = &args.log_key {
                    let sha256 = report
                        .archive
                        .digests
                        .as_ref()
                        .map(|d| d.sha256.clone())
                        .unwrap_or_default();
                    return compare_with_build(
                        url,
                        log_key,
                        &project,
                        &report.git.target,
                        &file_name,
                        &sha256,
                    );
                }
                return code;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tarseal: error: {e}; nothing was written");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// After publishing: the log's other records of this file (the build's above all) must name
/// the sealed bytes. 0 same (or no other record: said so), 1 different, 2 log unavailable.
fn compare_with_build(
    server: &str,
    log_key: &str,
    project: &str,
    tag: &str,
    file_name: &str,
    sha256: &str,
) -> ExitCode {
    use tarseal_server::client::{query_verified, QueryError};
    let v = match query_verified(server, project, tag, log_key) {
        Ok(Some(v)) => v,
        Ok(None) => {
            eprintln!("tarseal: error: the log has no record of {project} {tag} right after publishing one");
            return ExitCode::from(1);
        }
        Err(QueryError::Unavailable(e)) => {
            eprintln!("tarseal: error: sealed and published, but the log cannot be asked: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            eprintln!("tarseal: rejected: {e}");
            return ExitCode::from(1);
        }
    };
    let found = crate::logview::findings(&v.records, file_name, sha256);
    if !found.iter().any(|f| f.kind == "build") {
        eprintln!("tarseal: note: the log has no build record of {file_name} (tarseal record in the build job makes one)");
    }
    let mut code = ExitCode::SUCCESS;
    for f in found.iter().filter(|f| f.kind != "artifact" || !f.agrees) {
        if f.agrees {
            eprintln!("tarseal: log: {}", f.describe(sha256));
        } else {
            eprintln!("tarseal: REJECTED: log: {}", f.describe(sha256));
            code = ExitCode::from(1);
        }
    }
    code
}

/// A reader that hashes what it passes on (to bind the signature to the checked bytes).
pub(crate) struct Hashing<R> {
    pub(crate) inner: R,
    pub(crate) sha256: sha2::Sha256,
    pub(crate) bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha256.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Feeds the raw bytes of the archive into the detached signature's hash.
struct SignatureSink(Option<DetachedHasher>);

impl RawSink for SignatureSink {
    fn update(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.0 {
            h.update(data);
        }
    }

    // The signature's SHA-512 context is also the file's SHA-512: one SHA-512 pass, not two.
    fn computes_sha512(&self) -> bool {
        self.0.as_ref().is_some_and(|h| h.data_sha512().is_some())
    }

    fn sha512(&mut self) -> Option<[u8; 64]> {
        self.0.as_ref().and_then(DetachedHasher::data_sha512)
    }
}

/// What the check produced for the outputs: the report and the git proof of what it read.
struct Sealed<'a> {
    report: &'a tarseal_check::Report,
    proof: Option<&'a [u8]>,
}

fn write_outputs(
    args: &SealArgs,
    key: &SigningKey,
    sealed: &Sealed<'_>,
    project: &str,
    file_name: &str,
    out_dir: &Path,
    prehashed: Option<DetachedHasher>,
) -> Result<Vec<PathBuf>, String> {
    let report = sealed.report;
    let digests = report
        .archive
        .digests
        .as_ref()
        .ok_or("internal: the check computed no file digests")?;
    let sign = |data: &[u8]| key.sign_detached(data).map_err(|e| e.to_string());

    let tar_sig = match prehashed {
        // Signed from the check's own read: exactly the bytes that were checked and digested.
        Some(h) => {
            if h.bytes() != report.archive.size {
                return Err(format!(
                    "{} changed while it was being sealed ({} bytes when opened, {} read)",
                    args.check.tarball.display(),
                    report.archive.size,
                    h.bytes()
                ));
            }
            key.finish_detached(h).map_err(|e| e.to_string())?
        }
        // A key that cannot sign prehashed: read the file again, and make sure it is the same.
        None => {
            let file = std::fs::File::open(&args.check.tarball)
                .map_err(|e| format!("cannot open {}: {e}", args.check.tarball.display()))?;
            let mut hashing = Hashing {
                inner: std::io::BufReader::with_capacity(1 << 20, file),
                sha256: sha2::Sha256::new(),
                bytes: 0,
            };
            let sig = key.sign_detached(&mut hashing).map_err(|e| e.to_string())?;
            let now_sha256 = hex::encode(hashing.sha256.finalize());
            if now_sha256 != digests.sha256 || hashing.bytes != report.archive.size {
                return Err(format!(
                    "{} changed while it was being sealed (SHA-256 {} when checked, {} when signed)",
                    args.check.tarball.display(),
                    digests.sha256,
                    now_sha256
                ));
            }
            sig
        }
    };

    let mut report_json = serde_json::to_vec_pretty(report).map_err(|e| e.to_string())?;
    report_json.push(b'\n');
    let report_sha256 = hex::encode(sha2::Sha256::digest(&report_json));

    let g = &report.git;
    let sig = &report.signature;
    let tag_signature = match sig.status {
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
    let record = Record::new(&[
        ("project", project.to_string()),
        ("tag", g.target.clone()),
        (
            "tag-object",
            g.tag_object.clone().unwrap_or_else(|| "-".into()),
        ),
        ("tag-signature", tag_signature),
        ("commit", g.commit.clone()),
        ("tree", g.tree.clone()),
        ("file", file_name.to_string()),
        ("size", report.archive.size.to_string()),
        ("sha256", digests.sha256.clone()),
        ("sha512", digests.sha512.clone()),
        ("md5", digests.md5.clone()),
        ("verdict", "pass".to_string()),
        ("report-sha256", report_sha256),
        ("producer", format!("tarseal {}", env!("CARGO_PKG_VERSION"))),
        ("signer", key.fingerprint()),
        (
            "signed-at",
            tarseal_sig::format_utc(std::time::SystemTime::now()),
        ),
    ])
    .map_err(|e| format!("cannot write the record: {e}"))?;
    let record_text = record.to_text();

    // Existing SUMS lines are kept only if a key we trust signed them: our signature must not
    // vouch for lines nobody checked.
    let mut trusted = Keyring::new();
    trusted
        .add_openpgp_bytes(key.public_cert_armored().as_bytes(), &args.key)
        .map_err(|e| e.to_string())?;
    for k in &args.check.keyring {
        trusted.add_file(k).map_err(|e| e.to_string())?;
    }
    let merged = |sums_name: &str, hex: &str, hex_len: usize| -> Result<String, String> {
        let path = out_dir.join(sums_name);
        let old = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(sums::render(&[SumLine {
                    hex: hex.into(),
                    name: file_name.into(),
                }]))
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let asc = out_dir.join(format!("{sums_name}.asc"));
        let sig = std::fs::read(&asc).map_err(|_| {
            format!(
                "{} exists but {} does not: its other lines are vouched for by nobody; remove it or sign it",
                path.display(),
                asc.display()
            )
        })?;
        let statuses = tarseal_sig::verify_detached(&trusted, &sig, &old[..], None)
            .map_err(|e| format!("{}: {e}", asc.display()))?;
        if tarseal_sig::count_distinct_keys(&statuses) == 0 {
            let what: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
            return Err(format!(
                "{} is not signed by the sealing key or a --keyring key ({}): remove it or re-sign it",
                path.display(),
                what.join("; ")
            ));
        }
        let text =
            String::from_utf8(old).map_err(|_| format!("{} is not UTF-8", path.display()))?;
        let lines = sums::parse(&text, hex_len).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(sums::render(&sums::upsert(lines, file_name, hex)))
    };
    let sha256sums = merged("SHA256SUMS", &digests.sha256, 64)?;
    let sha512sums = merged("SHA512SUMS", &digests.sha512, 128)?;
    let line = |hex: &str| format!("{hex}  {file_name}\n");

    let mut outputs: Vec<(String, Vec<u8>)> = vec![
        (format!("{file_name}.asc"), tar_sig.into_bytes()),
        (format!("{file_name}.md5"), line(&digests.md5).into_bytes()),
        (
            format!("{file_name}.sha256"),
            line(&digests.sha256).into_bytes(),
        ),
        (
            format!("{file_name}.sha512"),
            line(&digests.sha512).into_bytes(),
        ),
        (
            "SHA256SUMS.asc".into(),
            sign(sha256sums.as_bytes())?.into_bytes(),
        ),
        ("SHA256SUMS".into(), sha256sums.into_bytes()),
        (
            "SHA512SUMS.asc".into(),
            sign(sha512sums.as_bytes())?.into_bytes(),
        ),
        ("SHA512SUMS".into(), sha512sums.into_bytes()),
        (format!("{file_name}.report.json"), report_json),
        (
            format!("{file_name}.seal.asc"),
            sign(record_text.as_bytes())?.into_bytes(),
        ),
        (format!("{file_name}.seal"), record_text.into_bytes()),
    ];
    if let Some(proof) = sealed.proof {
        outputs.push((format!("{file_name}.git-proof"), proof.to_vec()));
    }
    crate::atomic::write_all(out_dir, &outputs)
}

#[cfg(test)]
mod tests {
    use super::project_from_file_name as p;

    #[test]
    fn project_names() {
        assert_eq!(p("nova-27.1.0.tar.gz").as_deref(), Some("nova"));
        assert_eq!(
            p("python-novaclient-18.0.0.tar.gz").as_deref(),
            Some("python-novaclient")
        );
        assert_eq!(p("foo_bar-1.0.zip").as_deref(), Some("foo_bar"));
        assert_eq!(p("tarseal-0.1.0.crate").as_deref(), Some("tarseal"));
        assert_eq!(p("pkg_2.0.tar").as_deref(), Some("pkg"));
        assert_eq!(p("noversion.tar.gz"), None);
        assert_eq!(p("1.0.tar.gz"), None);
    }
}
