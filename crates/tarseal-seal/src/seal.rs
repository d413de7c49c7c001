//! Sealing: after a passing check, sign the tarball and write its checksum files and the
//! signed record, atomically (every file to a temporary name first, renamed at the end; if
//! anything fails before the renames, nothing is left behind).

use crate::atomic::{self, AtomicError};
use sha2::Digest;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tarseal_archive::{RawObserver, RawSink};
use tarseal_check::report::SignatureStatus;
use tarseal_check::{Report, Verdict};
use tarseal_record::Record;
use tarseal_sig::{DetachedHasher, Keyring, SigningKey};
use tarseal_verify::sums::{self, SumLine, SumsError};

/// What to seal with, and where (the flags of `tarseal seal` beyond the check's).
#[derive(Debug, Clone)]
pub struct SealOptions {
    /// The tarball (the check's archive).
    pub tarball: PathBuf,
    /// The OpenPGP secret key to sign with (no passphrase, `chmod 600`).
    pub key: PathBuf,
    /// Where to write the outputs (default: beside the tarball).
    pub out: Option<PathBuf>,
    /// The project name for the record (default: from the tarball's file name).
    pub project: Option<String>,
    /// The check's `--keyring` files: an existing SHA256SUMS signed by one of them (or by
    /// the sealing key) is merged, any other is refused.
    pub keyring: Vec<PathBuf>,
}

/// Why nothing was sealed (exit 2, nothing written).
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The secret key cannot be used, or signing failed.
    #[error(transparent)]
    Key(#[from] tarseal_sig::SignError),
    /// The tarball's file name is not UTF-8 (records and checksum files name it).
    #[error("{}: not a file name in UTF-8", .0.display())]
    FileName(PathBuf),
    /// No project given and none in the file name.
    #[error(
        "cannot tell the project from the file name {0:?} (no NAME-VERSION): give --project NAME"
    )]
    Project(String),
    /// The output directory is missing.
    #[error("output directory {} does not exist", .0.display())]
    OutDir(PathBuf),
    /// The check was not asked for raw digests (a caller's mistake).
    #[error("internal: the check computed no file digests")]
    NoDigests,
    /// The check did not pass: nothing is signed.
    #[error("the check did not pass ({0:?}); nothing was signed or written")]
    NotPassed(Verdict),
    /// The file was replaced or grew while being sealed.
    #[error("{} changed while it was being sealed ({expected} bytes when opened, {read} read)", path.display())]
    SizeChanged {
        /// The tarball.
        path: PathBuf,
        /// Size the check saw.
        expected: u64,
        /// Bytes the signature hashed.
        read: u64,
    },
    /// The bytes signed (v6 key: second read) are not the bytes checked.
    #[error("{} changed while it was being sealed (SHA-256 {checked} when checked, {signed} when signed)", path.display())]
    Changed {
        /// The tarball.
        path: PathBuf,
        /// SHA-256 of the check.
        checked: String,
        /// SHA-256 of the signing read.
        signed: String,
    },
    /// The tarball could not be opened for the signing read.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The tarball.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The report could not be serialised.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A record value is not canonical (a control character in a name, ...).
    #[error("cannot write the record: {0}")]
    Record(#[from] tarseal_record::RecordError),
    /// A `--keyring` file could not be loaded.
    #[error(transparent)]
    Keyring(#[from] tarseal_sig::KeyringError),
    /// An existing SHA256SUMS/SHA512SUMS cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    SumsRead {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An existing checksum file has no signature: its lines are vouched for by nobody.
    #[error("{} exists but {} does not: its other lines are vouched for by nobody; remove it or sign it", path.display(), asc.display())]
    SumsUnsigned {
        /// The checksum file.
        path: PathBuf,
        /// Its missing signature.
        asc: PathBuf,
    },
    /// Its signature is not an OpenPGP signature.
    #[error("{}: {source}", asc.display())]
    SumsSignature {
        /// The signature file.
        asc: PathBuf,
        /// The cause.
        source: tarseal_sig::VerifyError,
    },
    /// Its signature is by no key we trust.
    #[error("{} is not signed by the sealing key or a --keyring key ({statuses}): remove it or re-sign it", path.display())]
    SumsUntrusted {
        /// The checksum file.
        path: PathBuf,
        /// The statuses found, for people.
        statuses: String,
    },
    /// It is not in coreutils format.
    #[error("{}: {source}", path.display())]
    Sums {
        /// The checksum file.
        path: PathBuf,
        /// The bad line.
        source: SumsError,
    },
    /// It is not UTF-8.
    #[error("{} is not UTF-8", .0.display())]
    SumsNotUtf8(PathBuf),
    /// Writing the outputs failed (none was left behind).
    #[error(transparent)]
    Write(#[from] AtomicError),
}

/// A seal in progress: the key loaded and the names decided before the check reads a byte
/// (a missing or loose key must not cost a whole check), the signature's hash fed by the
/// check's own read (v4 keys) through [`Sealer::observer`].
pub struct Sealer {
    key: SigningKey,
    opts: SealOptions,
    file_name: String,
    project: String,
    out_dir: PathBuf,
    prehash: Option<Arc<Mutex<SignatureSink>>>,
}

impl Sealer {
    /// Loads the key and decides project, file name and output directory.
    pub fn new(opts: &SealOptions) -> Result<Sealer, SealError> {
        let key = SigningKey::from_file(&opts.key)?;
        let tarball = &opts.tarball;
        let file_name = tarball
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
            .ok_or_else(|| SealError::FileName(tarball.clone()))?;
        let project = opts
            .project
            .clone()
            .or_else(|| project_from_file_name(&file_name))
            .ok_or_else(|| SealError::Project(file_name.clone()))?;
        let out_dir = match &opts.out {
            Some(d) => d.clone(),
            None => match tarball.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
        };
        if !out_dir.is_dir() {
            return Err(SealError::OutDir(out_dir));
        }
        // The signature's hash rides on the check's one read of the tarball (v4 keys; a
        // v6 key is signed from a second read in write).
        let prehash = key
            .start_detached(std::time::SystemTime::now())?
            .map(|h| Arc::new(Mutex::new(SignatureSink(Some(h)))));
        Ok(Sealer {
            key,
            opts: opts.clone(),
            file_name,
            project,
            out_dir,
            prehash,
        })
    }

    /// The observer to put in the check's [`tarseal_check::CheckOptions::raw_observer`]
    /// (with `raw_digests`), so that the bytes signed are the bytes checked.
    pub fn observer(&self) -> Option<RawObserver> {
        self.prehash.clone().map(RawObserver::new)
    }

    /// The signing key's primary fingerprint.
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint()
    }

    /// The project named in the record.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The tarball's file name.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Where the outputs go.
    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    /// After a passing check (run with `raw_digests` and [`Sealer::observer`]): signs and
    /// writes every output all or nothing; returns the paths written.
    pub fn write(&self, report: &Report) -> Result<Vec<PathBuf>, SealError> {
        self.write_with_proof(report, None)
    }

    /// As [`Sealer::write`], also writing `NAME.git-proof` (the check's git proof, from
    /// `tarseal_check::run_check_proving`) with the other outputs.
    pub fn write_with_proof(
        &self,
        report: &Report,
        git_proof: Option<&[u8]>,
    ) -> Result<Vec<PathBuf>, SealError> {
        if report.verdict != Verdict::Pass {
            return Err(SealError::NotPassed(report.verdict));
        }
        let prehashed = self.prehash.as_ref().and_then(|p| {
            p.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0
                .take()
        });
        write_outputs(
            &self.opts,
            &self.key,
            report,
            &self.project,
            &self.file_name,
            &self.out_dir,
            prehashed,
            git_proof,
        )
    }
}

/// Archive suffixes stripped before looking for the version.
const SUFFIXES: [&str; 12] = [
    ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst", ".tzst", ".tar", ".zip",
    ".crate", ".gem",
];

/// `nova-27.1.0.tar.gz` -> `nova`: everything before the first `-` or `_` that is followed by
/// a digit (the version), after stripping the archive suffix.
pub fn project_from_file_name(name: &str) -> Option<String> {
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

/// A reader that hashes what it passes on (to bind the signature to the checked bytes).
pub struct Hashing<R> {
    /// The reader.
    pub inner: R,
    /// SHA-256 of what passed.
    pub sha256: sha2::Sha256,
    /// Bytes that passed.
    pub bytes: u64,
}

impl<R> Hashing<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            sha256: sha2::Sha256::new(),
            bytes: 0,
        }
    }
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

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    args: &SealOptions,
    key: &SigningKey,
    report: &tarseal_check::Report,
    project: &str,
    file_name: &str,
    out_dir: &Path,
    prehashed: Option<DetachedHasher>,
    git_proof: Option<&[u8]>,
) -> Result<Vec<PathBuf>, SealError> {
    let digests = report
        .archive
        .digests
        .as_ref()
        .ok_or(SealError::NoDigests)?;
    let sign = |data: &[u8]| key.sign_detached(data).map_err(SealError::from);

    let tar_sig = match prehashed {
        // Signed from the check's own read: exactly the bytes that were checked and digested.
        Some(h) => {
            if h.bytes() != report.archive.size {
                return Err(SealError::SizeChanged {
                    path: args.tarball.clone(),
                    expected: report.archive.size,
                    read: h.bytes(),
                });
            }
            key.finish_detached(h)?
        }
        // A key that cannot sign prehashed: read the file again, and make sure it is the same.
        None => {
            let file = std::fs::File::open(&args.tarball).map_err(|e| SealError::Open {
                path: args.tarball.clone(),
                source: e,
            })?;
            let mut hashing = Hashing::new(std::io::BufReader::with_capacity(1 << 20, file));
            let sig = key.sign_detached(&mut hashing)?;
            let now_sha256 = hex::encode(hashing.sha256.finalize());
            if now_sha256 != digests.sha256 || hashing.bytes != report.archive.size {
                return Err(SealError::Changed {
                    path: args.tarball.clone(),
                    checked: digests.sha256.clone(),
                    signed: now_sha256,
                });
            }
            sig
        }
    };

    let mut report_json = serde_json::to_vec_pretty(report)?;
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
    let signed_at = tarseal_sig::format_utc(std::time::SystemTime::now());
    let summary = crate::attest::summary(report, project, file_name, &signed_at)
        .ok_or(SealError::NoDigests)?;
    let attestation = crate::attest::envelope_line(&summary, key)?;
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
        ("signed-at", signed_at),
    ])?;
    let record_text = record.to_text();

    // Existing SUMS lines are kept only if a key we trust signed them: our signature must not
    // vouch for lines nobody checked.
    let mut trusted = Keyring::new();
    trusted.add_openpgp_bytes(key.public_cert_armored().as_bytes(), &args.key)?;
    for k in &args.keyring {
        trusted.add_file(k)?;
    }
    let merged = |sums_name: &str, hex: &str, hex_len: usize| -> Result<String, SealError> {
        let path = out_dir.join(sums_name);
        let old = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(sums::render(&[SumLine {
                    hex: hex.into(),
                    name: file_name.into(),
                }]))
            }
            Err(e) => return Err(SealError::SumsRead { path, source: e }),
        };
        let asc = out_dir.join(format!("{sums_name}.asc"));
        let Ok(sig) = std::fs::read(&asc) else {
            return Err(SealError::SumsUnsigned { path, asc });
        };
        let statuses = tarseal_sig::verify_detached(&trusted, &sig, &old[..], None)
            .map_err(|e| SealError::SumsSignature { asc, source: e })?;
        if tarseal_sig::count_distinct_keys(&statuses) == 0 {
            let what: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
            return Err(SealError::SumsUntrusted {
                path,
                statuses: what.join("; "),
            });
        }
        let Ok(text) = String::from_utf8(old) else {
            return Err(SealError::SumsNotUtf8(path));
        };
        let lines = sums::parse(&text, hex_len).map_err(|e| SealError::Sums { path, source: e })?;
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
        (
            format!("{file_name}{}", tarseal_attest::FILE_SUFFIX),
            attestation.into_bytes(),
        ),
    ];
    if let Some(proof) = git_proof {
        outputs.push((format!("{file_name}.git-proof"), proof.to_vec()));
    }
    Ok(atomic::write_all(out_dir, &outputs)?)
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
