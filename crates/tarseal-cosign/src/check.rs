//! `sigs check`: what CI runs on a proposed change of the release-sigs branch. Every added
//! or modified file must be a signature file (`sigs/<project>/<tag>/<file>.<KEYID16>.asc`)
//! whose every packet is good over the release file and made by the key its path names;
//! anything else touched is refused by name. All of a file's signatures are verified in ONE
//! stream of DIR/<file> or URL/<file> (tarseal_verify::stream).

use crate::git::{diff, git_text, read_blob, resolve_commit};
use crate::path::{keyid16, parse_sig_path};
use crate::publish::Cosignature;
use crate::CosignError;
use std::path::PathBuf;
use tarseal_sig::{Keyring, SigStatus};
use tarseal_verify::{Ctx, Origin, SigFileError};

/// Schema of `sigs check --format json`.
pub const CHECK_SCHEMA: &str = "tarseal.sigs-check/v1";

/// The flags of `sigs check`.
#[derive(Debug, Clone)]
pub struct CheckSigsOptions {
    /// The git repository.
    pub repo: PathBuf,
    /// The proposed state of the branch.
    pub git_ref: String,
    /// The state it is compared with (its merge base with `git_ref` when a commit; a tree
    /// as it is, e.g. the empty tree for a new branch).
    pub base: String,
    /// Keys whose signatures are accepted.
    pub keyring: Vec<PathBuf>,
    /// Directory holding the release files (DIR/<file>).
    pub tarball_dir: Option<PathBuf>,
    /// URL prefix of the release files (URL-BASE/<file>, streamed, never stored).
    pub url_base: Option<String>,
    /// HTTP timeout in seconds (the body: 20 times this).
    pub timeout: u64,
    /// Whether the accepted signatures are to be published (they must then be armored,
    /// and a key that no longer holds is warned about).
    pub publish: bool,
}

/// The outcome of a branch check.
#[derive(Debug)]
pub struct BranchCheck {
    /// Every finding, in order.
    pub findings: Vec<Finding>,
    /// Whether the change is accepted.
    pub ok: bool,
    /// The accepted signatures (what `--publish` logs).
    pub accepted: Vec<Cosignature>,
}

/// One finding of `sigs check`: a line for people, an object for programs.
#[derive(serde::Serialize, Debug, Clone)]
pub struct Finding {
    /// `ok` (an accepted signature file), `rejected` (the change must not be merged),
    /// `warning`, `file` (a release file and the digest its signatures were checked
    /// against), `logged` (a cosign record in the log), `note`.
    pub kind: &'static str,
    /// The path in the branch (or the release file's location for `file`).
    pub path: String,
    /// What was found.
    pub detail: String,
}

impl Finding {
    /// A finding of `kind` about `path`.
    pub fn new(kind: &'static str, path: impl Into<String>, detail: impl Into<String>) -> Finding {
        Finding {
            kind,
            path: path.into(),
            detail: detail.into(),
        }
    }
}

/// The line for people (the text output).
impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tag = match self.kind {
            "rejected" => "REJECTED",
            k => k,
        };
        match self.kind {
            "note" => write!(f, "{}", self.detail),
            "file" => write!(f, "{tag:<8} {} {}", self.path, self.detail),
            _ => write!(f, "{tag:<8} {}: {}", self.path, self.detail),
        }
    }
}

/// Checks the proposed change `base..git_ref` of the branch.
pub fn check_branch(args: &CheckSigsOptions) -> Result<BranchCheck, CosignError> {
    let repo = &args.repo;
    let keyring = Keyring::from_files(&args.keyring)?.unwrap_or_default();
    let to = resolve_commit(repo, &args.git_ref)?.ok_or_else(|| {
        CosignError::Git(crate::git::GitError::NoCommit {
            repo: repo.clone(),
            rev: args.git_ref.clone(),
        })
    })?;
    // The merge base when the base is a commit (what a review shows); a tree as it is.
    let from = match resolve_commit(repo, &args.base)? {
        Some(b) => git_text(repo, &["merge-base", &b, &to]).unwrap_or(b),
        None => git_text(
            repo,
            &[
                "rev-parse",
                "--verify",
                "--end-of-options",
                &format!("{}^{{tree}}", args.base),
            ],
        )
        .map_err(|_| CosignError::Base(args.base.clone()))?,
    };
    let changes = diff(repo, &from, &to)?;
    let mut lines = Vec::new();
    let mut ok = true;
    if changes.is_empty() {
        lines.push(Finding::new(
            "note",
            "",
            format!("nothing changed between {} and {}", args.base, args.git_ref),
        ));
    }
    // Signatures to verify, grouped by release file: (path, keyid16, bytes).
    let mut by_file: Vec<(String, Vec<BranchSig>)> = Vec::new();
    for c in &changes {
        let reject = |why: String| Finding::new("rejected", c.path.clone(), why);
        match c.status {
            'A' | 'M' => {}
            'D' => {
                ok = false;
                lines.push(reject(
                    "deleted: signatures are never removed through this branch".into(),
                ));
                continue;
            }
            s => {
                ok = false;
                lines.push(reject(format!("change of type {s} is not allowed")));
                continue;
            }
        }
        let p = match parse_sig_path(&c.path) {
            Ok(p) => p,
            Err(e) => {
                ok = false;
                lines.push(reject(format!(
                    "not a signature file ({e}); only sigs/<project>/<tag>/<file>.<KEYID16>.asc may change"
                )));
                continue;
            }
        };
        if c.mode != "100644" {
            ok = false;
            lines.push(reject(format!(
                "mode {} (only regular files, 100644)",
                c.mode
            )));
            continue;
        }
        let bytes = read_blob(repo, &c.id)?;
        match by_file.iter_mut().find(|(f, _)| *f == p.file) {
            Some((_, v)) => v.push((c.path.clone(), p.keyid16, bytes)),
            None => by_file.push((p.file.clone(), vec![(c.path.clone(), p.keyid16, bytes)])),
        }
    }
    let ctx = Ctx {
        agent: tarseal_verify::agent(args.timeout),
        keyring,
    };
    let mut accepted = Vec::new();
    for (file, sigs) in &by_file {
        let (origin, loc) = match (&args.tarball_dir, &args.url_base) {
            (Some(d), _) => {
                let p = d.join(file);
                if !p.is_file() {
                    return Err(CosignError::NoReleaseFile {
                        path: p,
                        needed_by: sigs[0].0.clone(),
                    });
                }
                (Origin::Local(p.clone()), p.display().to_string())
            }
            (None, Some(u)) => {
                let u = format!("{}/{file}", u.trim_end_matches('/'));
                (Origin::Url(u.clone()), u)
            }
            (None, None) => return Err(CosignError::NoReleaseSource),
        };
        let bytes: Vec<Vec<u8>> = sigs.iter().map(|(_, _, b)| b.clone()).collect();
        let streamed = match tarseal_verify::stream(&ctx, &origin, &bytes) {
            Ok(s) => s,
            Err(e) if e.is_rejection() => {
                ok = false;
                for (path, _, _) in sigs {
                    lines.push(Finding::new("rejected", path.clone(), e.to_string()));
                }
                continue;
            }
            Err(e) => return Err(CosignError::Stream(e)),
        };
        lines.push(Finding::new(
            "file",
            loc.clone(),
            format!("sha256 {}", streamed.sha256),
        ));
        for ((path, kid, bytes), result) in sigs.iter().zip(&streamed.sig_results) {
            let judged = judge_sig(kid, result).and_then(|msg| {
                // The log carries the armored .asc exactly (base64 in the record).
                if args.publish && !bytes.starts_with(b"-----BEGIN PGP SIGNATURE-----") {
                    return Err(Rejection::NotArmored);
                }
                Ok(msg)
            });
            match judged {
                Ok(msg) => {
                    lines.push(Finding::new("ok", path.clone(), msg));
                    let p = parse_sig_path(path)?;
                    let cosigner = result
                        .as_ref()
                        .ok()
                        .and_then(|v| v.iter().find_map(SigStatus::good))
                        .map(|g| g.key.primary.clone())
                        .ok_or(CosignError::Internal(
                            "an accepted signature without a good status",
                        ))?;
                    if args.publish {
                        // The log will record it now, and a gate judges the key at that
                        // time: say so here if the key no longer holds (expired, revoked).
                        let now = std::time::SystemTime::now();
                        for st in result.as_deref().unwrap_or_default() {
                            let at_log = tarseal_sig::judge_as_of(&ctx.keyring, st, now);
                            if at_log.good().is_none() {
                                lines.push(Finding::new(
                                    "warning",
                                    path.clone(),
                                    format!("good at its signature time, but as of now {at_log}: a gate that uses the log will not count it"),
                                ));
                            }
                        }
                    }
                    accepted.push(Cosignature {
                        path: path.clone(),
                        project: p.project,
                        tag: p.tag,
                        file: file.clone(),
                        size: streamed.size,
                        sha256: streamed.sha256.clone(),
                        cosigner,
                        bytes: bytes.clone(),
                    });
                }
                Err(why) => {
                    ok = false;
                    lines.push(Finding::new("rejected", path.clone(), why.to_string()));
                }
            }
        }
    }
    Ok(BranchCheck {
        findings: lines,
        ok,
        accepted,
    })
}

/// Why a signature file of the branch is refused (the detail of a `rejected` finding).
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// Not an OpenPGP signature at all.
    #[error("not a usable signature: {0}")]
    Unusable(String),
    /// Good, but by another key than the path names.
    #[error(
        "{status}, but the path names key id {kid}: the file must be named <file>.{actual}.asc"
    )]
    WrongKey {
        /// The status, for people.
        status: String,
        /// The key id of the path.
        kid: String,
        /// The key id of the signer.
        actual: String,
    },
    /// A packet that is not good (bad, unknown key, expired, ...).
    #[error("{0}")]
    NotGood(String),
    /// Binary, while `--publish` carries the armored `.asc` into the log.
    #[error("not an ASCII-armored signature; --publish carries the armored .asc into the log")]
    NotArmored,
}

/// A signature file of the branch passes when every signature packet in it is good and
/// made by the key (certificate) the path names.
fn judge_sig(
    kid: &str,
    result: &Result<Vec<SigStatus>, SigFileError>,
) -> Result<String, Rejection> {
    let statuses = result
        .as_ref()
        .map_err(|e| Rejection::Unusable(e.to_string()))?;
    let mut goods = Vec::new();
    for st in statuses {
        match st {
            SigStatus::Good(g) => {
                if keyid16(&g.key.primary) != kid {
                    return Err(Rejection::WrongKey {
                        status: st.to_string(),
                        kid: kid.to_string(),
                        actual: keyid16(&g.key.primary),
                    });
                }
                goods.push(st.to_string());
            }
            other => return Err(Rejection::NotGood(other.to_string())),
        }
    }
    Ok(goods.join("; "))
}

/// A signature file of the branch: (path, KEYID16 of the path, bytes).
type BranchSig = (String, String, Vec<u8>);
