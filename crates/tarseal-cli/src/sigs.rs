//! `tarseal sigs add|check`: co-signatures contributed on a `release-sigs` branch that goes
//! through code review.
//!
//! Layout of the branch: `sigs/<project>/<tag>/<file>.<KEYID16>.asc`, a detached armored
//! OpenPGP signature over the release file `<file>`, by the key whose primary fingerprint
//! ends in `KEYID16` (16 upper-case hex digits).
//!
//! * `sigs add` runs the check (same flags), signs the tarball and commits the signature
//!   onto the branch with git plumbing (`hash-object -w`, a temporary index, `write-tree`,
//!   `commit-tree`, `update-ref` with the old value): the user's work tree, index and HEAD
//!   are never touched.
//! * `sigs check` is what CI runs on a proposed change of the branch: every added or
//!   modified file must be such a signature, good over the release file, by the key the
//!   path names; anything else touched is refused by name.
//!
//! git is run as a command (`git -C REPO`, hooks disabled with `core.hooksPath=/dev/null`).
//!
//! With `--publish URL`, the co-signatures go into the transparency log as `tarseal/v1
//! cosign` records (docs/formats.md): `sigs add` publishes the maintainer's own, signed with
//! the same `--key`; `sigs check` publishes one per accepted signature file, signed with
//! the CI's `--key`, and only when the whole change is accepted. A signature the log already
//! holds for the same file and digest is not published again. The log's time of the record
//! is the time `tarseal gate --server` judges the signing key at.

use crate::seal::{project_from_file_name, Hashing};
use crate::verify::{self, Ctx, Origin, StreamError};
use crate::{fail, load_keyring, print_report, run_check_args, CheckArgs, Format, EXIT_USAGE};
use clap::{Args, Subcommand};
use sha2::Digest;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use tarseal_check::{CheckError, Verdict};
use tarseal_sig::{SigStatus, SigningKey};

/// Largest signature file read from git.
const SIG_MAX: usize = 1 << 20;

// Parsed once per run: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub(crate) enum SigsCommand {
    /// Check the tarball (same flags as check), sign it, and commit the signature onto the
    /// release-sigs branch of --repo at sigs/<project>/<tag>/<file>.<KEYID16>.asc, without
    /// touching the work tree or the index.
    Add(AddArgs),
    /// CI of a proposed change of the release-sigs branch: every added or modified file must
    /// be a good signature over the release file, by the key its path names.
    Check(CheckSigsArgs),
}

#[derive(Args)]
pub(crate) struct AddArgs {
    #[command(flatten)]
    check: CheckArgs,
    /// The OpenPGP secret key to sign with (`gpg --export-secret-keys`, no passphrase,
    /// `chmod 600`).
    #[arg(long, value_name = "SECRET_KEY")]
    key: PathBuf,
    /// The branch that collects signatures (created as an orphan if missing).
    #[arg(long, value_name = "NAME", default_value = "release-sigs")]
    branch: String,
    /// The project directory name (default: the tarball's name before its version).
    #[arg(long, value_name = "NAME")]
    project: Option<String>,
    /// Also publish the signature to the log at URL as a `tarseal/v1 cosign` record, signed
    /// with --key (which the project's trust file on the log must allow).
    #[arg(long, value_name = "URL")]
    publish: Option<String>,
}

#[derive(Args)]
pub(crate) struct CheckSigsArgs {
    /// The git repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// The proposed state of the branch.
    #[arg(long = "ref", value_name = "REF", default_value = "release-sigs")]
    git_ref: String,
    /// The state it is compared with (the target branch; its merge base with --ref is
    /// used). For the first change of a new branch, the empty tree
    /// (`git hash-object -t tree /dev/null`).
    #[arg(long, value_name = "REV")]
    base: String,
    /// Keys whose signatures are accepted (repeatable; OpenPGP exports). Required.
    #[arg(long, value_name = "FILE", required = true)]
    keyring: Vec<PathBuf>,
    /// Directory holding the release files (DIR/<file>).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "url_base",
        conflicts_with = "url_base"
    )]
    tarball_dir: Option<PathBuf>,
    /// URL prefix of the release files (URL-BASE/<file>, streamed, never stored).
    #[arg(long, value_name = "URL")]
    url_base: Option<String>,
    /// Seconds allowed to connect and to receive a response's head (the body: 20 times this).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
    /// When every added signature is accepted, publish one `tarseal/v1 cosign` record per
    /// signature file to the log at URL (nothing when the change is refused).
    #[arg(long, value_name = "URL", requires = "key")]
    publish: Option<String>,
    /// The OpenPGP secret key that signs the cosign records (the CI's; `chmod 600`; the
    /// project's trust file on the log must allow it).
    #[arg(long, value_name = "SECRET_KEY", requires = "publish")]
    key: Option<PathBuf>,
    /// Output format: text for people, json (schema tarseal.sigs-check/v1) for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub(crate) fn sigs(cmd: SigsCommand) -> ExitCode {
    match cmd {
        SigsCommand::Add(a) => add(a),
        SigsCommand::Check(c) => check(c),
    }
}

/// A path of the branch, parsed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SigPath {
    pub project: String,
    pub tag: String,
    pub file: String,
    pub keyid16: String,
}

/// Parses `sigs/<project>/<tag>/<file>.<KEYID16>.asc`; the error says what is wrong.
pub(crate) fn parse_sig_path(path: &str) -> Result<SigPath, String> {
    let parts: Vec<&str> = path.split('/').collect();
    let [sigs, project, tag, name] = parts[..] else {
        return Err("not of the form sigs/<project>/<tag>/<file>.<KEYID16>.asc".into());
    };
    if sigs != "sigs" {
        return Err("not under sigs/".into());
    }
    for c in [project, tag, name] {
        if c.is_empty() || c == "." || c == ".." {
            return Err(format!("bad path component {c:?}"));
        }
        // The file name becomes part of a URL (--url-base) and a path: nothing that could
        // change what either names.
        if c.chars().any(|ch| ch.is_control() || "?#%\\".contains(ch)) {
            return Err(format!(
                "path component {c:?} holds a control character or one of ? # % \\"
            ));
        }
    }
    let stem = name
        .strip_suffix(".asc")
        .ok_or("the file name does not end in .asc")?;
    let (file, keyid) = stem.rsplit_once('.').ok_or("no .<KEYID16> before .asc")?;
    if keyid.len() != 16
        || !keyid
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    {
        return Err(format!(
            "{keyid:?} is not a key id of 16 upper-case hex digits"
        ));
    }
    if file.is_empty() {
        return Err("no release file name".into());
    }
    Ok(SigPath {
        project: project.into(),
        tag: tag.into(),
        file: file.into(),
        keyid16: keyid.into(),
    })
}

/// The last 16 hex digits of a fingerprint, upper case.
pub(crate) fn keyid16(fingerprint: &str) -> String {
    let f = fingerprint.to_ascii_uppercase();
    f[f.len().saturating_sub(16)..].to_string()
}

/// Runs `git -C repo ARGS` (hooks off), feeding `stdin`; stdout, or an error with stderr.
fn git(
    repo: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    index: Option<&Path>,
) -> Result<Vec<u8>, String> {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(repo)
        .args(["-c", "core.hooksPath=/dev/null"])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(i) = index {
        c.env("GIT_INDEX_FILE", i);
    }
    let mut child = c.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    if let Some(data) = stdin {
        let mut w = child.stdin.take().expect("piped");
        w.write_all(data)
            .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

fn git_text(repo: &Path, args: &[&str]) -> Result<String, String> {
    git(repo, args, None, None).map(|o| String::from_utf8_lossy(&o).trim().to_string())
}

/// The commit a rev names, `None` when it does not exist.
fn resolve_commit(repo: &Path, rev: &str) -> Result<Option<String>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    match out.status.code() {
        Some(0) => Ok(Some(
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        )),
        Some(1) => Ok(None),
        _ => Err(format!(
            "{}: not a git repository? {}",
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

/// `(mode, type, id, path)` of every file under `sigs/` in `rev` (recursive).
fn ls_tree(repo: &Path, rev: &str) -> Result<Vec<(String, String, String, String)>, String> {
    let out = git(
        repo,
        &["ls-tree", "-r", "-z", "--full-tree", rev, "--", "sigs"],
        None,
        None,
    )?;
    let mut v = Vec::new();
    for rec in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let rec = String::from_utf8_lossy(rec);
        let Some((meta, path)) = rec.split_once('\t') else {
            continue;
        };
        let m: Vec<&str> = meta.split(' ').collect();
        if m.len() == 3 {
            v.push((m[0].into(), m[1].into(), m[2].into(), path.to_string()));
        }
    }
    Ok(v)
}

fn read_blob(repo: &Path, id: &str) -> Result<Vec<u8>, String> {
    let b = git(repo, &["cat-file", "blob", id], None, None)?;
    if b.len() > SIG_MAX {
        return Err(format!("blob {id} is larger than {SIG_MAX} bytes"));
    }
    Ok(b)
}

/// The signatures for release file `name` in `rev`: `(path, bytes)` of every
/// `sigs/*/*/<name>.<KEYID16>.asc` (for `tarseal gate --sigs-from`).
pub(crate) fn signatures_in_ref(
    repo: &Path,
    rev: &str,
    name: &str,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    if resolve_commit(repo, rev)?.is_none() {
        return Err(format!("{}: no commit {rev}", repo.display()));
    }
    let mut v = Vec::new();
    for (mode, kind, id, path) in ls_tree(repo, rev)? {
        let Ok(p) = parse_sig_path(&path) else {
            continue;
        };
        if p.file == name && kind == "blob" && mode == "100644" {
            v.push((path, read_blob(repo, &id)?));
        }
    }
    Ok(v)
}

fn component_ok(what: &str, s: &str) -> Result<(), String> {
    if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
        return Err(format!(
            "the {what} {s:?} cannot be one component of sigs/<project>/<tag>/<file> (no '/', not empty, not . or ..)"
        ));
    }
    Ok(())
}

fn add(args: AddArgs) -> ExitCode {
    let format = args.check.format;
    let usage = |msg: String| fail(&CheckError::Usage(msg), format);
    let Some(tag) = args.check.tag.clone() else {
        return usage("sigs add needs --tag: the signature is filed under the tag".into());
    };
    let key = match SigningKey::from_file(&args.key) {
        Ok(k) => k,
        Err(e) => return usage(e.to_string()),
    };
    let tarball = &args.check.tarball;
    let Some(file_name) = tarball
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
    else {
        return usage(format!("{}: not a file name in UTF-8", tarball.display()));
    };
    let Some(project) = args
        .project
        .clone()
        .or_else(|| project_from_file_name(&file_name))
    else {
        return usage(format!(
            "cannot tell the project from the file name {file_name:?}: give --project NAME"
        ));
    };
    for (what, s) in [
        ("project", &project),
        ("tag", &tag),
        ("file name", &file_name),
    ] {
        if let Err(e) = component_ok(what, s) {
            return usage(e);
        }
    }
    // The path must be one that `sigs check` accepts.
    if let Err(e) = parse_sig_path(&format!(
        "sigs/{project}/{tag}/{file_name}.0000000000000000.asc"
    )) {
        return usage(format!(
            "cannot file a signature under sigs/{project}/{tag}/{file_name}: {e}"
        ));
    }
    let branch_ref = format!("refs/heads/{}", args.branch);
    if let Err(e) = git(
        &args.check.repo,
        &["check-ref-format", &branch_ref],
        None,
        None,
    ) {
        return usage(format!(
            "--branch {:?} is not a valid branch name: {e}",
            args.branch
        ));
    }

    // Moving the checked-out branch under the user's feet would leave the index and the
    // work tree describing another commit.
    if let Ok(head) = git_text(&args.check.repo, &["symbolic-ref", "-q", "HEAD"]) {
        if head == branch_ref {
            return usage(format!(
                "{} is the branch checked out in {}: switch to another branch first (sigs add never touches the work tree), or use another --branch",
                args.branch,
                args.check.repo.display()
            ));
        }
    }

    let report = match run_check_args(&args.check, true) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if print_report(&report, format).is_err() {
        return ExitCode::from(EXIT_USAGE);
    }
    if report.verdict != Verdict::Pass {
        eprintln!("tarseal: the check did not pass; nothing was signed or committed");
        return ExitCode::from(report.verdict.exit_code() as u8);
    }
    let signed = match sign_and_commit(
        &args,
        &key,
        &report,
        &project,
        &tag,
        &file_name,
        &branch_ref,
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tarseal: error: {e}; nothing was committed");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    eprintln!("{}", signed.message);
    let Some(server) = &args.publish else {
        return ExitCode::SUCCESS;
    };
    let c = CosignOut {
        path: signed.path,
        project,
        tag,
        file: file_name,
        size: report.archive.size,
        sha256: signed.sha256,
        cosigner: key.fingerprint(),
        bytes: signed.signature.into_bytes(),
    };
    match publish_cosign(server, &key, &c) {
        Ok(line) => {
            // stderr: stdout holds the check's report (JSON with --format json).
            eprintln!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tarseal: error: committed, but publishing to the log failed: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// What `sigs add` signed and filed.
struct Signed {
    message: String,
    path: String,
    signature: String,
    sha256: String,
}

/// An accepted co-signature, as its cosign record describes it.
struct CosignOut {
    /// The branch path (for messages).
    path: String,
    project: String,
    tag: String,
    file: String,
    size: u64,
    sha256: String,
    /// Primary fingerprint of the key that made the signature.
    cosigner: String,
    /// The `.asc` bytes exactly as on the branch.
    bytes: Vec<u8>,
}

/// Signs `record` with `key` and `POST`s it to the log; the log's answer on 200.
pub(crate) fn publish_record(
    server: &str,
    key: &SigningKey,
    record: &str,
) -> Result<tarseal_server::app::Published, String> {
    let sig = key
        .sign_detached(record.as_bytes())
        .map_err(|e| e.to_string())?;
    let a = tarseal_server::client::publish(server, record, &sig)?;
    if a.status != 200 {
        let msg = serde_json::from_str::<serde_json::Value>(&a.body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or_else(|| a.body.trim_end().to_string());
        return Err(format!("the log answered {}: {msg}", a.status));
    }
    tarseal_server::client::parse_published(&a.body)
}

/// Publishes `c` as a `tarseal/v1 cosign` record signed with `key`, unless the log already
/// holds a cosign record with the same signature bytes for the same file and digest (the
/// unverified answer is enough here: a log that lies only loses the signature's time, which
/// the gate then does not count). Returns what was logged.
fn publish_cosign(server: &str, key: &SigningKey, c: &CosignOut) -> Result<Finding, String> {
    let signature = base64_encode(&c.bytes);
    let a = tarseal_server::client::query(server, &c.project, &c.tag, None)?;
    if a.status == 200 {
        if let Ok(answer) = serde_json::from_str::<tarseal_server::app::QueryAnswer>(&a.body) {
            for r in &answer.records {
                let Ok(rec) = tarseal_record::Record::parse(&r.record) else {
                    continue;
                };
                if rec.kind == tarseal_record::Kind::Cosign
                    && rec.get("file") == c.file
                    && rec.get("sha256") == c.sha256
                    && rec.try_get("signature") == Some(signature.as_str())
                {
                    return Ok(Finding::new(
                        "logged",
                        c.path.clone(),
                        format!(
                            "already in the log as entry {} (logged {})",
                            r.index, r.logged_at
                        ),
                    ));
                }
            }
        }
    }
    let record = tarseal_record::Record::with_kind(
        tarseal_record::Kind::Cosign,
        &[
            ("project", c.project.clone()),
            ("tag", c.tag.clone()),
            ("file", c.file.clone()),
            ("size", c.size.to_string()),
            ("sha256", c.sha256.clone()),
            ("cosigner", c.cosigner.to_ascii_uppercase()),
            ("signature", signature),
            ("signer", key.fingerprint()),
            (
                "signed-at",
                tarseal_sig::format_utc(std::time::SystemTime::now()),
            ),
        ],
    )?
    .to_text();
    let p = publish_record(server, key, &record)?;
    Ok(Finding::new(
        "logged",
        c.path.clone(),
        format!(
            "cosign record {} entry {} (logged {})",
            if p.existing {
                "already logged as"
            } else {
                "as"
            },
            p.index,
            p.logged_at
        ),
    ))
}

/// Base64, standard alphabet, with padding (RFC 4648 section 4): how a cosign record carries
/// the armored `.asc`.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Strict inverse of [`base64_encode`]: padded, standard alphabet, canonical (unused bits
/// zero, no white space); `None` otherwise.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

fn sign_and_commit(
    args: &AddArgs,
    key: &SigningKey,
    report: &tarseal_check::Report,
    project: &str,
    tag: &str,
    file_name: &str,
    branch_ref: &str,
) -> Result<Signed, String> {
    let repo = &args.check.repo;
    let digests = report
        .archive
        .digests
        .as_ref()
        .ok_or("internal: the check computed no file digests")?;
    let file = std::fs::File::open(&args.check.tarball)
        .map_err(|e| format!("cannot open {}: {e}", args.check.tarball.display()))?;
    let mut hashing = Hashing {
        inner: std::io::BufReader::with_capacity(1 << 20, file),
        sha256: sha2::Sha256::new(),
        bytes: 0,
    };
    let sig = key.sign_detached(&mut hashing).map_err(|e| e.to_string())?;
    let now = hex::encode(hashing.sha256.finalize());
    if now != digests.sha256 || hashing.bytes != report.archive.size {
        return Err(format!(
            "{} changed while it was being signed (SHA-256 {} when checked, {now} when signed)",
            args.check.tarball.display(),
            digests.sha256
        ));
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
            return Err(format!(
                "{path} already exists on {branch_ref} with different content (a signature by the same key for the same file); remove it there first if it is to be replaced"
            ));
        }
    }
    let blob = git_text_stdin(repo, &["hash-object", "-w", "--stdin"], sig.as_bytes())?;
    // A temporary index: the user's index and work tree are never touched.
    let tmp = tempfile::Builder::new()
        .prefix("tarseal-index-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
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

fn git_text_stdin(repo: &Path, args: &[&str], stdin: &[u8]) -> Result<String, String> {
    git(repo, args, Some(stdin), None).map(|o| String::from_utf8_lossy(&o).trim().to_string())
}

/// A signature file of the branch: (path, KEYID16 of the path, bytes).
type BranchSig = (String, String, Vec<u8>);

/// One changed file of the proposed change.
struct Change {
    status: char,
    mode: String,
    id: String,
    path: String,
}

fn diff(repo: &Path, from: &str, to: &str) -> Result<Vec<Change>, String> {
    let out = git(
        repo,
        &["diff-tree", "-r", "-z", "--no-renames", "--raw", from, to],
        None,
        None,
    )?;
    let mut fields = out.split(|&b| b == 0).filter(|r| !r.is_empty());
    let mut v = Vec::new();
    while let Some(meta) = fields.next() {
        let meta = String::from_utf8_lossy(meta);
        let path = fields
            .next()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .ok_or("git diff-tree: truncated output")?;
        // ":old_mode new_mode old_id new_id STATUS"
        let m: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        if m.len() != 5 {
            return Err(format!("git diff-tree: unexpected line {meta:?}"));
        }
        v.push(Change {
            status: m[4].chars().next().unwrap_or('?'),
            mode: m[1].into(),
            id: m[3].into(),
            path,
        });
    }
    Ok(v)
}

/// Schema of `sigs check --format json`.
pub const CHECK_SCHEMA: &str = "tarseal.sigs-check/v1";

/// One finding of `sigs check`: a line for people, an object for programs.
#[derive(serde::Serialize, Debug, Clone)]
pub(crate) struct Finding {
    /// `ok` (an accepted signature file), `rejected` (the change must not be merged),
    /// `warning`, `file` (a release file and the digest its signatures were checked
    /// against), `logged` (a cosign record in the log), `note`.
    pub(crate) kind: &'static str,
    /// The path in the branch (or the release file's location for `file`).
    pub(crate) path: String,
    /// What was found.
    pub(crate) detail: String,
}

impl Finding {
    fn new(kind: &'static str, path: impl Into<String>, detail: impl Into<String>) -> Finding {
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

fn check(args: CheckSigsArgs) -> ExitCode {
    let json = args.format == Format::Json;
    // Text: each finding as it is known; JSON: one document at the end.
    let mut out = CheckReport {
        schema: CHECK_SCHEMA,
        verdict: "error",
        exit_code: EXIT_USAGE,
        findings: Vec::new(),
        error: None,
    };
    let finish = |mut out: CheckReport, verdict: &'static str, code: u8| {
        out.verdict = verdict;
        out.exit_code = code;
        if json {
            match serde_json::to_string_pretty(&out) {
                Ok(t) => println!("{t}"),
                Err(_) => return ExitCode::from(EXIT_USAGE),
            }
        }
        ExitCode::from(code)
    };
    let error = |mut out: CheckReport, e: String| {
        eprintln!("tarseal: error: {e}");
        out.error = Some(e);
        finish(out, "error", EXIT_USAGE)
    };
    let show = |f: &Finding| {
        if !json {
            println!("{f}");
        }
    };
    // A key that cannot sign the records is a usage error before any work.
    let key = match &args.key {
        Some(k) => match SigningKey::from_file(k) {
            Ok(k) => Some(k),
            Err(e) => return error(out, e.to_string()),
        },
        None => None,
    };
    let (lines, ok, accepted) = match run_check_sigs(&args) {
        Ok(x) => x,
        Err(e) => return error(out, e),
    };
    for l in &lines {
        show(l);
    }
    out.findings = lines;
    if !ok {
        if !json {
            println!("verdict  FAIL: the change must not be merged");
            if args.publish.is_some() {
                println!("log      nothing published");
            }
        }
        return finish(out, "fail", 1);
    }
    if let (Some(server), Some(key)) = (&args.publish, &key) {
        for c in &accepted {
            match publish_cosign(server, key, c) {
                Ok(f) => {
                    show(&f);
                    out.findings.push(f);
                }
                Err(e) => return error(out, format!("publishing {} to the log: {e}", c.path)),
            }
        }
    }
    if !json {
        println!("verdict  PASS: every added or modified file is a good signature by the key its path names");
    }
    finish(out, "pass", 0)
}

/// `sigs check --format json` (schema [`CHECK_SCHEMA`]).
#[derive(serde::Serialize)]
struct CheckReport {
    schema: &'static str,
    /// `pass` (0), `fail` (1: the change must not be merged), `error` (2).
    verdict: &'static str,
    exit_code: u8,
    /// Every finding in order, and the records logged with --publish.
    findings: Vec<Finding>,
    /// What went wrong when the verdict is `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The lines to print, whether the change is accepted, and the accepted signatures.
type CheckOutcome = (Vec<Finding>, bool, Vec<CosignOut>);

fn run_check_sigs(args: &CheckSigsArgs) -> Result<CheckOutcome, String> {
    let repo = &args.repo;
    let keyring = load_keyring(&args.keyring)?.unwrap_or_default();
    let to = resolve_commit(repo, &args.git_ref)?
        .ok_or_else(|| format!("{}: no commit {}", repo.display(), args.git_ref))?;
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
        .map_err(|_| format!("--base {}: no such commit or tree", args.base))?,
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
        agent: verify::agent(args.timeout),
        keyring,
    };
    let mut accepted = Vec::new();
    for (file, sigs) in &by_file {
        let (origin, loc) = match (&args.tarball_dir, &args.url_base) {
            (Some(d), _) => {
                let p = d.join(file);
                if !p.is_file() {
                    return Err(format!(
                        "{}: no such file (needed by {})",
                        p.display(),
                        sigs[0].0
                    ));
                }
                (Origin::Local(p.clone()), p.display().to_string())
            }
            (None, Some(u)) => {
                let u = format!("{}/{file}", u.trim_end_matches('/'));
                (Origin::Url(u.clone()), u)
            }
            (None, None) => return Err("give --tarball-dir or --url-base".into()),
        };
        let bytes: Vec<Vec<u8>> = sigs.iter().map(|(_, _, b)| b.clone()).collect();
        let streamed = match verify::stream(&ctx, &origin, &bytes) {
            Ok(s) => s,
            Err(StreamError::Io(e)) => return Err(e),
            Err(StreamError::Rejected(e)) => {
                ok = false;
                for (path, _, _) in sigs {
                    lines.push(Finding::new("rejected", path.clone(), e.clone()));
                }
                continue;
            }
        };
        lines.push(Finding::new(
            "file",
            loc.clone(),
            format!("sha256 {}", streamed.sha256),
        ));
        for ((path, kid, bytes), result) in sigs.iter().zip(&streamed.sig_results) {
            let judged = judge_sig(kid, result).and_then(|msg| {
                // The log carries the armored .asc exactly (base64 in the record).
                if args.publish.is_some() && !bytes.starts_with(b"-----BEGIN PGP SIGNATURE-----")
                {
                    return Err("not an ASCII-armored signature; --publish carries the armored .asc into the log".into());
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
                        .ok_or("internal: an accepted signature without a good status")?;
                    if args.publish.is_some() {
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
                    accepted.push(CosignOut {
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
                    lines.push(Finding::new("rejected", path.clone(), why));
                }
            }
        }
    }
    Ok((lines, ok, accepted))
}

/// A signature file of the branch passes when every signature packet in it is good and
/// made by the key (certificate) the path names.
fn judge_sig(kid: &str, result: &Result<Vec<SigStatus>, String>) -> Result<String, String> {
    let statuses = result
        .as_ref()
        .map_err(|e| format!("not a usable signature: {e}"))?;
    let mut goods = Vec::new();
    for st in statuses {
        match st {
            SigStatus::Good(g) => {
                if keyid16(&g.key.primary) != kid {
                    return Err(format!(
                        "{st}, but the path names key id {kid}: the file must be named <file>.{}.asc",
                        keyid16(&g.key.primary)
                    ));
                }
                goods.push(st.to_string());
            }
            other => return Err(other.to_string()),
        }
    }
    Ok(goods.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_strictness() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), enc);
            assert_eq!(base64_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(base64_decode(&base64_encode(&all)), Some(all));
        for bad in [
            "Zg", "Zg=", "Zh==", "Z===", "Zg==Zg==", "Zm9v\n", "Zm-v", "Zm_v",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn sig_paths() {
        let p = parse_sig_path("sigs/nova/27.1.0/nova-27.1.0.tar.gz.0123456789ABCDEF.asc").unwrap();
        assert_eq!(p.project, "nova");
        assert_eq!(p.tag, "27.1.0");
        assert_eq!(p.file, "nova-27.1.0.tar.gz");
        assert_eq!(p.keyid16, "0123456789ABCDEF");
        for bad in [
            "README",
            "sigs/nova/27.1.0/x.tar.gz.asc",
            "sigs/nova/27.1.0/x.tar.gz.0123456789abcdef.asc",
            "sigs/nova/27.1.0/x.tar.gz.0123456789ABCDEF",
            "sigs/nova/a/b/x.0123456789ABCDEF.asc",
            "sigs/nova/../x.0123456789ABCDEF.asc",
            "other/nova/1/x.0123456789ABCDEF.asc",
            "sigs/nova/1/.0123456789ABCDEF.asc",
            "sigs/nova/1/x.tar.gz?a.0123456789ABCDEF.asc",
            "sigs/nova/1/x#.0123456789ABCDEF.asc",
            "sigs/nova/1\n/x.0123456789ABCDEF.asc",
        ] {
            assert!(parse_sig_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            keyid16("0123456789abcdef0123456789abcdef01234567"),
            "89ABCDEF01234567"
        );
    }
}
