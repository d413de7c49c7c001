//! `sigs add`: after a passing check, sign the tarball and commit the signature onto the
//! release-sigs branch at `sigs/<project>/<tag>/<file>.<KEYID16>.asc` with git plumbing
//! (`hash-object -w`, a temporary index, `write-tree`, `commit-tree`, `update-ref` with the
//! old value): the user's work tree, index and HEAD are never touched.

use crate::git::{git, git_text, git_text_stdin, read_blob, resolve_commit};
use crate::path::{keyid16, parse_sig_path};
use crate::publish::Cosignature;
use crate::CosignError;
use sha2::Digest;
use std::path::PathBuf;
use tarseal_check::{Report, Verdict};
use tarseal_seal::{project_from_file_name, Hashing};
use tarseal_sig::SigningKey;

/// The flags of `sigs add` beyond the check's.
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// The tarball (the check's archive).
    pub tarball: PathBuf,
    /// The repository holding the branch (the check's `--repo`).
    pub repo: PathBuf,
    /// The tag the signature is filed under (the check's `--tag`).
    pub tag: String,
    /// The OpenPGP secret key to sign with (`chmod 600`).
    pub key: PathBuf,
    /// The branch that collects signatures (created as an orphan if missing).
    pub branch: String,
    /// The project directory name (default: the tarball's name before its version).
    pub project: Option<String>,
}

/// What `sigs add` signed and filed.
#[derive(Debug, Clone)]
pub struct Signed {
    /// For people: what was committed, and how to push it.
    pub message: String,
    /// The path on the branch.
    pub path: String,
    /// The armored signature.
    pub signature: String,
    /// SHA-256 of the bytes signed.
    pub sha256: String,
}

/// A co-signature about to be added: the key loaded, the names checked, the branch known
/// not to be checked out — all before the check reads a byte.
pub struct Adder {
    opts: AddOptions,
    key: SigningKey,
    project: String,
    file_name: String,
    branch_ref: String,
}

fn component_ok(what: &'static str, s: &str) -> Result<(), CosignError> {
    if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
        return Err(CosignError::Component {
            what,
            value: s.to_string(),
        });
    }
    Ok(())
}

impl Adder {
    /// Validates everything that can be refused before the check (usage errors).
    pub fn new(opts: &AddOptions) -> Result<Adder, CosignError> {
        let key = SigningKey::from_file(&opts.key)?;
        let tarball = &opts.tarball;
        let file_name = tarball
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
            .ok_or_else(|| CosignError::FileName(tarball.clone()))?;
        let project = opts
            .project
            .clone()
            .or_else(|| project_from_file_name(&file_name))
            .ok_or_else(|| CosignError::Project(file_name.clone()))?;
        let tag = &opts.tag;
        for (what, s) in [
            ("project", &project),
            ("tag", tag),
            ("file name", &file_name),
        ] {
            component_ok(what, s)?;
        }
        // The path must be one that `sigs check` accepts.
        let dir = format!("sigs/{project}/{tag}/{file_name}");
        parse_sig_path(&format!("{dir}.0000000000000000.asc"))
            .map_err(|e| CosignError::Unfileable { dir, source: e })?;
        let branch_ref = format!("refs/heads/{}", opts.branch);
        git(&opts.repo, &["check-ref-format", &branch_ref], None, None).map_err(|e| {
            CosignError::Branch {
                branch: opts.branch.clone(),
                source: e,
            }
        })?;
        // Moving the checked-out branch under the user's feet would leave the index and the
        // work tree describing another commit.
        if let Ok(head) = git_text(&opts.repo, &["symbolic-ref", "-q", "HEAD"]) {
            if head == branch_ref {
                return Err(CosignError::CheckedOut {
                    branch: opts.branch.clone(),
                    repo: opts.repo.clone(),
                });
            }
        }
        Ok(Adder {
            opts: opts.clone(),
            key,
            project,
            file_name,
            branch_ref,
        })
    }

    /// The signing key (also signs the cosign record with `--publish`).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// After a passing check (with `raw_digests`): signs the tarball (a second read whose
    /// SHA-256 must equal the check's) and commits the signature onto the branch.
    pub fn sign_and_commit(&self, report: &Report) -> Result<Signed, CosignError> {
        if report.verdict != Verdict::Pass {
            return Err(CosignError::NotPassed(report.verdict));
        }
        let (repo, key) = (&self.opts.repo, &self.key);
        let (project, tag, file_name) = (&self.project, &self.opts.tag, &self.file_name);
        let branch_ref = self.branch_ref.as_str();
        let digests = report
            .archive
            .digests
            .as_ref()
            .ok_or(CosignError::NoDigests)?;
        let tarball = &self.opts.tarball;
        let file = std::fs::File::open(tarball).map_err(|e| CosignError::Open {
            path: tarball.clone(),
            source: e,
        })?;
        let mut hashing = Hashing::new(std::io::BufReader::with_capacity(1 << 20, file));
        let sig = key.sign_detached(&mut hashing)?;
        let now = hex::encode(hashing.sha256.finalize());
        if now != digests.sha256 || hashing.bytes != report.archive.size {
            return Err(CosignError::Changed {
                path: tarball.clone(),
                checked: digests.sha256.clone(),
                signed: now,
            });
        }
        let kid = keyid16(&key.fingerprint());
        let path = format!("sigs/{project}/{tag}/{file_name}.{kid}.asc");

        let old = resolve_commit(repo, branch_ref)?;
        if let Some(old) = &old {
            let have = git_text(repo, &["ls-tree", "--full-tree", old, "--", &path])?;
            if let Some((meta, _)) = have.split_once('\t') {
                let id = meta.split(' ').nth(2).unwrap_or_default().to_string();
                let existing = read_blob(repo, &id)?;
                if existing == sig.as_bytes() {
                    return Ok(Signed {
                        message: format!("{path} is already on {branch_ref} with this content"),
                        path,
                        signature: sig,
                        sha256: now,
                    });
                }
                return Err(CosignError::Exists {
                    path,
                    branch_ref: branch_ref.to_string(),
                });
            }
        }
        let blob = git_text_stdin(repo, &["hash-object", "-w", "--stdin"], sig.as_bytes())?;
        // A temporary index: the user's index and work tree are never touched.
        let tmp = tempfile::Builder::new()
            .prefix("tarseal-index-")
            .tempdir()
            .map_err(CosignError::TempDir)?;
        let index = tmp.path().join("index");
        match &old {
            Some(o) => git(repo, &["read-tree", o], None, Some(&index))?,
            None => git(repo, &["read-tree", "--empty"], None, Some(&index))?,
        };
        git(
            repo,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("100644,{blob},{path}"),
            ],
            None,
            Some(&index),
        )?;
        let tree = String::from_utf8_lossy(&git(repo, &["write-tree"], None, Some(&index))?)
            .trim()
            .to_string();
        let message = format!(
            "sigs: {project} {tag} {file_name} signed by {}\n\nsha256 {}\nsize {}\nchecked by tarseal {} (verdict pass)\n",
            key.fingerprint(),
            digests.sha256,
            report.archive.size,
            env!("CARGO_PKG_VERSION")
        );
        let mut ct = vec!["commit-tree", tree.as_str()];
        if let Some(o) = &old {
            ct.extend(["-p", o.as_str()]);
        }
        ct.extend(["-F", "-"]);
        let commit = git_text_stdin(repo, &ct, message.as_bytes())?;
        git(
            repo,
            &[
                "update-ref",
                "-m",
                "tarseal sigs add",
                branch_ref,
                &commit,
                old.as_deref().unwrap_or(""),
            ],
            None,
            None,
        )?;
        let branch = branch_ref.trim_start_matches("refs/heads/");
        Ok(Signed {
            message: format!(
                "tarseal: signed {file_name} with {} and committed {path}\n  {branch_ref}: {} -> {commit}\nto publish it for review:\n  git -C {} push <remote> {branch}   (or open a change/pull request from it)",
                key.fingerprint(),
                old.as_deref().unwrap_or("(new orphan branch)"),
                repo.display()
            ),
            path,
            signature: sig,
            sha256: now,
        })
    }

    /// The cosign record's content for what [`Adder::sign_and_commit`] filed.
    pub fn cosignature(&self, signed: &Signed, report: &Report) -> Cosignature {
        Cosignature {
            path: signed.path.clone(),
            project: self.project.clone(),
            tag: self.opts.tag.clone(),
            file: self.file_name.clone(),
            size: report.archive.size,
            sha256: signed.sha256.clone(),
            cosigner: self.key.fingerprint(),
            bytes: signed.signature.clone().into_bytes(),
        }
    }
}
