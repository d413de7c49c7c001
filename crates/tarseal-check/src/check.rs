//! The check driver: git side first, then one streaming pass over the archive, then judgement.

use crate::compare::{self, ArchiveIndex, ArchivedEntry, Comparison, Diff, GitSide, TreeIndex};
use crate::error::CheckError;
use crate::policy::checks::{CheckContext, GitSymlink, Gitlink, Outcome, Subject};
use crate::policy::{Allow, ContentCheck, Policy, ProjectPolicy};
use crate::report::{
    ArchiveDigests, ArchiveInfo, Class, CrossCheck, CrossCheckStatus, Finding, GitInfo, Judgement,
    PolicyInfo, Report, SignatureInfo, SignatureStatus, StaleRule, Summary, ToolInfo, TrustSurface,
    Verdict, VouchedBy, SCHEMA,
};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::PathBuf;
use tarseal_archive::{ContentWants, EntryKind, EntryProblem, Limits, ReadOptions};
use tarseal_git::{HashKind, ObjectId, Repo, Resolved, Target, TreeEntry, TreeEntryKind};

/// The project policy file looked up in the tag's tree (at the `--subdir` root).
pub const TREE_POLICY_FILE: &str = ".tarseal.toml";

/// Most differences for which the other profiles are tried for a hint.
const HINT_MAX_DIFFS: usize = 20_000;

/// Largest file whose content is kept in memory for a content check.
const KEEP_CONTENT_MAX: u64 = 8 << 20;

/// Largest file kept for comparison with its regeneration (configure scripts reach a few MB).
const KEEP_REGEN_MAX: u64 = 64 << 20;

/// Everything a check needs to know.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub archive: PathBuf,
    pub repo: PathBuf,
    pub target: Target,
    /// Compare with this sub-directory of the tree.
    pub subdir: Option<String>,
    /// The archive's top-level directory; detected when `None`. `Some("")` means none.
    pub prefix: Option<String>,
    /// Built-in profile; when `None` or `auto`, the tree's `.tarseal.toml` may name one, else
    /// it is chosen from the tag's tree and the archive's layout ([`crate::detect`]).
    pub profile: Option<String>,
    /// Submodules' repositories (`--submodule PATH=REPO`): the commit the tag's gitlink at
    /// PATH pins is read from REPO and compared as if inlined.
    pub submodules: Vec<(String, PathBuf)>,
    /// A project policy from the trusted side; replaces the tree's `.tarseal.toml`.
    pub policy_file: Option<PathBuf>,
    pub limits: Limits,
    /// The keys the tag's signature must verify against (from the trusted side: `--keyring`
    /// files, never the repository or the archive). `None`: no keyring was given.
    pub keyring: Option<tarseal_sig::Keyring>,
    /// Go on without a verified signature (`--allow-unsigned`): the report then says so
    /// loudly and `signature.status` is `not-checked`. With a keyring, a signature that is
    /// present is still verified (a bad signature is never accepted).
    pub allow_unsigned: bool,
    /// Also hash the archive file's raw bytes (MD5, SHA-256, SHA-512) during the one read;
    /// they land in `archive.digests`.
    pub raw_digests: bool,
    /// With `raw_digests`, also feed every raw byte to this observer (a signature's hash).
    pub raw_observer: Option<tarseal_archive::RawObserver>,
    /// `--regenerate`: regenerate the generated files in the sandbox and judge them by their
    /// bytes. A policy's `regenerate = true` turns it on with the defaults.
    pub regenerate: Option<crate::regen::RegenOptions>,
    /// Read the git side from this git proof (`NAME.git-proof`, see [`tarseal_git::proof`])
    /// instead of `repo`: no repository is needed. The target must then be a tag; an empty
    /// tag name means the tag the proof names.
    pub proof: Option<PathBuf>,
}

/// What [`run_check_proving`] returns: the report and, when asked for, the git proof of
/// everything the check read from the repository.
#[derive(Debug)]
pub struct Checked {
    /// The report, as [`run_check`] returns it.
    pub report: Report,
    /// The `NAME.git-proof` bytes (a git bundle), when a proof was asked for and the target is
    /// an annotated tag (a commit or lightweight tag has no signed object to chain from).
    pub proof: Option<Vec<u8>>,
}

/// Runs a check and returns the report. `progress(done, total)` reports compressed bytes.
pub fn run_check(
    opts: &CheckOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report, CheckError> {
    run_check_proving(opts, false, progress).map(|c| c.report)
}

/// Runs a check; with `write_proof`, also records every object it reads from the repository
/// and returns them as a git proof (seal writes it as `NAME.git-proof`), so that the same
/// check can be re-run with [`CheckOptions::proof`] and no repository.
pub fn run_check_proving(
    opts: &CheckOptions,
    write_proof: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Checked, CheckError> {
    let Some(proof_path) = &opts.proof else {
        let mut repo = Repo::open(&opts.repo)?;
        if write_proof {
            repo.record_reads();
        }
        let report = check_with(opts, &repo, &opts.target, false, progress)?;
        let proof = if write_proof {
            Some(proof_of(&repo, &report)?)
        } else {
            None
        };
        return Ok(Checked {
            report,
            proof: proof.flatten(),
        });
    };
    let shown = proof_path.display().to_string();
    let proof = tarseal_git::proof::read(proof_path)?;
    let target = match &opts.target {
        Target::Tag {
            name,
            allow_lightweight,
        } => {
            if !name.is_empty() && *name != proof.tag_name {
                return Err(CheckError::Usage(format!(
                    "{shown} is the proof of tag {}, not of --tag {name}",
                    proof.tag_name
                )));
            }
            Target::Tag {
                name: proof.tag_name.clone(),
                allow_lightweight: *allow_lightweight,
            }
        }
        Target::Commit { rev } => {
            return Err(CheckError::Usage(format!(
                "--commit {rev} with --proof: a git proof holds a signed tag; give --tag or nothing"
            )))
        }
    };
    let mut unpacked = proof.unpack()?;
    if write_proof {
        unpacked.repo.record_reads();
    }
    let mut report = match check_with(opts, &unpacked.repo, &target, true, progress) {
        Ok(r) => r,
        // Whatever the check misses or cannot parse came from the proof: it is incomplete,
        // damaged or altered (an altered object has another id, so it is not found).
        Err(CheckError::Git(tarseal_git::GitError::Object { id, detail })) => {
            return Err(tarseal_git::ProofError::Incomplete { id, detail }.into())
        }
        Err(e) => return Err(e),
    };
    report.git.repo = shown.clone();
    report.notes.push(format!(
        "checked against the git proof {shown} ({} objects, no repository): every object's id recomputed from its bytes, each reached from the tag object through ids",
        unpacked.objects
    ));
    let proof = if write_proof {
        proof_of(&unpacked.repo, &report)?
    } else {
        None
    };
    Ok(Checked { report, proof })
}

/// The proof of what `repo` read for `report`: `None` without an annotated tag.
fn proof_of(repo: &Repo, report: &Report) -> Result<Option<Vec<u8>>, CheckError> {
    let Some(tag_object) = &report.git.tag_object else {
        return Ok(None);
    };
    let tag_id = ObjectId::from_hex(tag_object.as_bytes()).map_err(|_| {
        CheckError::Usage(format!(
            "internal: the report's tag object {tag_object:?} is not an id"
        ))
    })?;
    Ok(Some(tarseal_git::proof::write(
        repo,
        &report.git.target,
        tag_id,
        &repo.objects_read(),
    )?))
}

/// The check itself, on an opened repository (a real one or an unpacked proof).
fn check_with(
    opts: &CheckOptions,
    repo: &Repo,
    target: &Target,
    from_proof: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report, CheckError> {
    let resolved = repo.resolve(target)?;
    // The signature first: nothing of the archive is read for a tag that is not accepted.
    let signature = verify_signature(opts, target, &resolved)?;
    let mut notes: Vec<String> = Vec::new();
    let requested = opts
        .profile
        .as_deref()
        .filter(|p| *p != crate::policy::profiles::AUTO);
    let mut subdir_owned = opts
        .subdir
        .as_deref()
        .map(|s| s.trim_matches('/').to_string())
        .filter(|s| !s.is_empty());
    // A crate packaged from a workspace member names its directory in .cargo_vcs_info.json:
    // with auto and no --subdir, that directory is compared (the cargo-vcs-info check then
    // verifies the path and the commit).
    if requested.is_none() && subdir_owned.is_none() {
        if let Some(p) = cargo_path_in_vcs(opts, repo, &resolved)? {
            notes.push(format!(
                "--subdir {p} taken from .cargo_vcs_info.json's path_in_vcs (the crate was packaged from that directory)"
            ));
            subdir_owned = Some(p);
        }
    }
    let subdir = subdir_owned.as_deref();
    let attrs = repo.export_attributes(resolved.commit.tree, subdir)?;
    let hash = resolved.object_hash;
    // What the tag holds is listed twice: once for what must be known before the read (the
    // project policy, the version files, which paths git has), and again after it. In between,
    // while the decompressor's dictionary (up to 64 MiB) is alive, only a set of path hashes
    // is kept: the listing is 7 MB at 80,000 paths and takes 25 ms to make again.
    let (git_paths, project, selection, version_files, makefile_am) = {
        let (tree, _, sub_repos) = list_compared_tree(opts, repo, &resolved, subdir)?;
        for (path, _, commit) in &sub_repos {
            notes.push(format!(
                "submodule {path} compared as if inlined: commit {commit} pinned by the tag's gitlink, read from --submodule"
            ));
        }
        let (project, selection) = load_project_policy(opts, repo, &resolved, &tree)?;
        let version_files = crate::policy::checks::declared_version_files(
            TreeIndex::new(&tree)
                .get("pyproject.toml")
                .and_then(|e| read_blob_any(repo, &sub_repos, e.oid))
                .and_then(|b| String::from_utf8(b).ok())
                .as_deref(),
        );
        // The dist-hook that may write files from `git log` (read for --regenerate).
        let makefile_am = TreeIndex::new(&tree)
            .get("Makefile.am")
            .and_then(|e| read_blob_any(repo, &sub_repos, e.oid));
        (
            compare::PathHashes::new(tree.iter().map(|e| e.path.as_str())),
            project,
            selection,
            version_files,
            makefile_am,
        )
    };
    // What any profile might need to see of an entry: the reader keeps it, so that the
    // profile chosen after the read (and the alternatives a hint is computed from) can judge.
    let union = Policy::union(project.clone());
    let regenerate = opts.regenerate.clone().or_else(|| {
        project
            .as_ref()
            .is_some_and(|(p, _)| p.regenerate)
            .then(crate::regen::RegenOptions::default)
    });

    // Files written from `git log` (the policy's statements, the tag's dist-hook): their
    // bytes are kept to be compared with git log's output in the sandbox.
    let (git_logs, git_logs_refused) = match &regenerate {
        Some(_) => crate::regen::git_log_specs(
            project
                .as_ref()
                .map(|(p, _)| p.regenerate_git_log.as_slice())
                .unwrap_or_default(),
            makefile_am.as_deref(),
        ),
        None => (Vec::new(), Vec::new()),
    };

    let file = File::open(&opts.archive).map_err(|source| CheckError::Open {
        path: opts.archive.display().to_string(),
        source,
    })?;
    let archive_size = file.metadata().map(|m| m.len()).unwrap_or(0);

    // A wheel (PEP 427: always named *.whl) has no top-level directory; its files are paired
    // with the tag's after the read (crate::wheel).
    let is_wheel = requested == Some("wheel")
        || (requested.is_none()
            && opts
                .archive
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("whl")));
    let given_prefix = opts
        .prefix
        .as_deref()
        .map(|p| p.trim_matches('/').to_string())
        .or_else(|| is_wheel.then(String::new));
    let mut candidate: Option<String> = given_prefix.clone();
    // Filled in fixed chunks while the decompressor is alive (liblzma's dictionary, up to
    // 64 MiB, is the other half of the peak), then moved into one vector of exact size once
    // it is gone: a doubling vector was 16.8 MB at 85,000 entries for 10 MB of records.
    let mut chunks: Vec<Vec<ArchivedEntry>> = Vec::new();
    let read_opts = ReadOptions {
        limits: opts.limits,
        object_hash: hash,
        raw_digests: opts.raw_digests,
        raw_observer: opts.raw_observer.clone(),
    };
    let summary = {
        let candidate = &mut candidate;
        let wants = |path: &str, kind: EntryKind| -> ContentWants {
            // The archive root itself (`./`, as `tar -C dir -cf x.tar .` writes first) names
            // no directory: it proposes nothing, the next entry does.
            if path.is_empty() && candidate.is_none() {
                return ContentWants::default();
            }
            // The first entry proposes the prefix when it is a directory or lies in one.
            let prefix = candidate.get_or_insert_with(|| {
                let in_dir = kind == EntryKind::Directory || path.contains('/');
                match path.split('/').next() {
                    Some(first) if in_dir => first.to_string(),
                    _ => String::new(),
                }
            });
            let rel = strip_prefix(path, prefix).unwrap_or(path);
            if kind != EntryKind::File {
                return ContentWants::default();
            }
            if is_wheel {
                // RECORD lists every file's SHA-256; version files and metadata are read.
                return ContentWants {
                    sha256: true,
                    keep_up_to: union.needs_content(rel, false).then_some(1 << 20),
                };
            }
            let in_git = git_paths.contains(rel);
            // The reading without the prefix (settle_prefix may choose it) only for paths that
            // reading finds in git: asked for paths outside git too, every `**` rule for extra
            // files kept every file of every release (1.1 GB RSS for a 1 GiB archive). Under
            // that rare reading a version file's check then lacks content and does not pass.
            // Bytes only where a check reads them and can apply to this path (a version-file
            // check: only the file the tag's pyproject.toml names).
            let (mut needs, mut keep) = union.content_needs(rel, in_git, &version_files);
            if rel != path && git_paths.contains(path) {
                let (n, k) = union.content_needs(path, true, &version_files);
                needs |= n;
                keep |= k;
            }
            // Regeneration compares every file git does not back, and generated files that
            // git holds too (a committed configure the release replaced).
            let regen = regenerate.is_some()
                && (!in_git
                    || tarseal_regen::autotools::may_be_generated(rel)
                    || git_logs.iter().any(|g| g.path == rel));
            ContentWants {
                sha256: !in_git || needs,
                keep_up_to: if regen {
                    Some(KEEP_REGEN_MAX)
                } else {
                    keep.then_some(KEEP_CONTENT_MAX)
                },
            }
        };
        tarseal_archive::read_archive(
            file,
            &read_opts,
            wants,
            |e| push_chunked(&mut chunks, ArchivedEntry::new(e)),
            |done| progress(done, archive_size),
        )
        .map_err(|source| CheckError::Archive {
            archive: opts.archive.display().to_string(),
            source,
        })?
    };

    drop(git_paths);
    let (tree, gitlinks, sub_repos) = list_compared_tree(opts, repo, &resolved, subdir)?;
    // The whole tree of the tag, for what lies outside --subdir (symlink targets, license
    // files copied from the root). Without --subdir it is the compared tree itself (with the
    // submodules given inlined), not a second copy: 80,000 entries are 5 MB.
    let full_tree_owned = match subdir {
        Some(_) => Some(repo.list_tree(resolved.commit.tree, None)?),
        None => None,
    };
    let full_tree: &[TreeEntry] = full_tree_owned.as_deref().unwrap_or(&tree);
    let git_index = TreeIndex::new(&tree);
    let read_any_blob = |id: ObjectId| read_blob_any(repo, &sub_repos, id);
    let mut archived: Vec<ArchivedEntry> = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    for chunk in chunks {
        archived.extend(chunk);
    }
    let prefix = settle_prefix(
        given_prefix.is_some(),
        candidate.unwrap_or_default(),
        &mut archived,
        &git_index,
    );
    let archive_index = ArchiveIndex::new(&archived);

    let (policy, selection_note, auto_profile) = {
        let read_text = |p: &str| -> Option<String> {
            let e = git_index.get(p)?;
            String::from_utf8(read_any_blob(e.oid)?).ok()
        };
        let tree_paths: HashSet<&str> = tree.iter().map(|e| e.path.as_str()).collect();
        let archive_has = |p: &str| archive_index.contains(&archived, p);
        let commit = resolved.commit.id.to_string();
        let pax_ok = summary
            .pax_comment
            .as_deref()
            .is_some_and(|c| c.trim() == commit);
        let auto = crate::detect::choose(
            &crate::detect::TreeFacts {
                paths: &tree_paths,
                read: &read_text,
            },
            &crate::detect::ArchiveFacts {
                prefix: &prefix,
                has: &archive_has,
                git_archive_comment: pax_ok,
            },
        );
        let (name, why) = match &selection {
            Selection::Requested(n) => (n.clone(), "given with --profile".to_string()),
            Selection::Project(n, origin) => (n.clone(), format!("named by {origin}")),
            Selection::Auto if is_wheel => (
                "wheel".to_string(),
                "auto: a wheel (.whl): each file paired with the tag's at the backend's package root, .dist-info cross-checked".to_string(),
            ),
            Selection::Auto => (auto.profile.clone(), format!("auto: {}", auto.why)),
        };
        let policy = Policy::new(&name, project.clone()).map_err(|detail| CheckError::Policy {
            origin: "--profile".into(),
            detail: Box::new(detail),
        })?;
        (policy, why, auto.profile)
    };

    // What `git archive` may have written instead of the raw blob: it converts line ends
    // (`eol=crlf`) and then expands `$Format:...$` (`export-subst`), both decided by the tag's
    // own .gitattributes. Computed only for paths whose bytes differ. Abbreviated ids (%h %t
    // %p) depend on the object count of the repository `git archive` ran in, so both this
    // repository's abbreviation and git's minimum (7) are accepted.
    let abbreviations = repo.abbreviations(&resolved.commit);
    // A proof's repository holds a handful of objects, so git's automatic abbreviation there
    // is always the minimum; the repository the tarball was made in may have had millions.
    // Longer lengths (up to 12 digits, git's choice at 2^22 packed objects) are tried too:
    // each is still a prefix of the true id.
    let longer: Vec<tarseal_git::Abbreviations> = if from_proof {
        let cut = |id: &ObjectId, n: usize| id.to_string()[..n].to_string();
        (8..=12)
            .map(|n| tarseal_git::Abbreviations {
                commit: cut(&resolved.commit.id, n),
                tree: cut(&resolved.commit.tree, n),
                parents: resolved.commit.parents.iter().map(|p| cut(p, n)).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let derived_blobs = |path: &str, oid: ObjectId| -> Vec<ObjectId> {
        let subst = attrs.is_export_subst(path);
        let crlf = attrs
            .content_conversions(path)
            .iter()
            .any(|c| c == "eol=crlf");
        if !subst && !crlf {
            return Vec::new();
        }
        let Ok(raw) = repo.read_blob(oid) else {
            return Vec::new();
        };
        let mut bases = vec![raw];
        if crlf {
            let converted = lf_to_crlf(&bases[0]);
            bases.push(converted);
        }
        let mut out: Vec<Vec<u8>> = Vec::new();
        for base in &bases {
            if subst {
                // Abbreviation length and `%(describe)` (expanded once per archive, in tree
                // order) depend on where and how git archive ran: try each plausible variant.
                let first = tarseal_git::subst::expand_with(
                    base,
                    &resolved.commit,
                    hash,
                    Some(&abbreviations),
                );
                let dependent = !first.repo_dependent.is_empty();
                out.push(first.bytes);
                if dependent {
                    let tried = [(None, 1), (Some(&abbreviations), 0), (None, 0)];
                    let longer = longer.iter().flat_map(|a| [(Some(a), 1), (Some(a), 0)]);
                    for (abbrev, describes) in tried.into_iter().chain(longer) {
                        let e = tarseal_git::subst::expand_with_describe_budget(
                            base,
                            &resolved.commit,
                            hash,
                            abbrev,
                            describes,
                        );
                        out.push(e.bytes);
                    }
                }
            }
        }
        if crlf {
            out.push(bases.pop().expect("converted base"));
        }
        out.iter().filter_map(|b| blob_id(hash, b)).collect()
    };
    // Conversions tarseal does not reproduce: a difference there stays undecided.
    let unreproduced = |p: &str| -> Vec<String> {
        attrs
            .content_conversions(p)
            .into_iter()
            .filter(|c| c != "eol=crlf")
            .collect()
    };
    let ignored = |p: &str| attrs.is_export_ignored(p);
    // Where a symlink of the tree leads, inside the tree (for archives that hold the target's
    // bytes instead of the link). Links are followed up to 8 hops; anything that leaves the
    // compared tree, dangles or names a directory resolves to nothing.
    let full_index = TreeIndex::new(full_tree);
    let subdir_prefix = subdir.map(|s| format!("{s}/")).unwrap_or_default();
    let symlink_target_blob = |path: &str, oid: ObjectId| -> Option<ObjectId> {
        // Resolved in the whole tree: a package directory's `LICENSE -> ../LICENSE` names a
        // file of the repository outside --subdir (cargo packages its content).
        let (mut path, mut oid) = (format!("{subdir_prefix}{path}"), oid);
        for _ in 0..8 {
            let raw = read_any_blob(oid)?;
            let target = std::str::from_utf8(&raw).ok()?;
            if target.starts_with('/') {
                return None;
            }
            let mut parts: Vec<&str> = path.split('/').collect();
            parts.pop();
            for c in target.split('/') {
                match c {
                    "" | "." => {}
                    ".." => {
                        parts.pop()?;
                    }
                    c => parts.push(c),
                }
            }
            let next = parts.join("/");
            let e = full_index
                .get(next.as_str())
                .or_else(|| git_index.get(next.strip_prefix(&subdir_prefix)?))?;
            match e.kind {
                TreeEntryKind::File | TreeEntryKind::Executable => return Some(e.oid),
                TreeEntryKind::Symlink => (path, oid) = (next, e.oid),
                _ => return None,
            }
        }
        None
    };
    // For a wheel, the git side is the tag's files at the wheel's paths.
    let wheel_tree = is_wheel.then(|| {
        let files: Vec<&str> = archived
            .iter()
            .filter(|a| a.inside_prefix && a.entry.kind == EntryKind::File)
            .map(|a| a.rel())
            .collect();
        crate::wheel::map_tree(&files, &tree)
    });
    if let Some((_, roots)) = &wheel_tree {
        let roots: Vec<String> = roots
            .iter()
            .map(|r| {
                if r.is_empty() {
                    "the root".into()
                } else {
                    r.clone()
                }
            })
            .collect();
        notes.push(format!(
            "wheel files paired with the tag's files at package root(s): {}",
            if roots.is_empty() {
                "none found".into()
            } else {
                roots.join(", ")
            }
        ));
    }
    let cmp_tree: &[TreeEntry] = match &wheel_tree {
        Some((t, _)) => t,
        None => &tree,
    };
    let side = GitSide {
        entries: cmp_tree,
        is_export_ignored: &ignored,
        derived_blobs: &derived_blobs,
        content_conversions: &unreproduced,
        symlink_target_blob: &symlink_target_blob,
    };
    let comparison = compare::compare(&side, &archived);

    let mut report = Report {
        schema: SCHEMA,
        tool: ToolInfo::current(),
        verdict: Verdict::Pass,
        archive: ArchiveInfo {
            path: opts.archive.display().to_string(),
            format: summary
                .format
                .map(|f| f.name().to_string())
                .unwrap_or_default(),
            size: archive_size,
            prefix: prefix.clone(),
            prefix_given: given_prefix.is_some(),
            entries: summary.entries,
            uncompressed_bytes: summary.uncompressed_bytes,
            pax_comment: summary.pax_comment.clone(),
            digests: summary.raw_digests.as_ref().map(|d| ArchiveDigests {
                md5: hex::encode(d.md5),
                sha256: hex::encode(d.sha256),
                sha512: hex::encode(d.sha512),
            }),
        },
        git: git_info(opts, target, &resolved, subdir, cmp_tree.len() as u64),
        policy: PolicyInfo {
            profile: policy.profile.clone(),
            sources: policy.sources.clone(),
            stale_rules: Vec::new(),
            selection: selection_note,
            hint: None,
        },
        signature,
        summary: Summary::default(),
        trust_surface: TrustSurface::default(),
        findings: Vec::new(),
        findings_omitted: 0,
        omitted_summary: Summary::default(),
        listed_unexpected: 0,
        cross_checks: Vec::new(),
        notes,
        review_surface: Vec::new(),
        regeneration: None,
    };

    let subdir_tree: &[TreeEntry] = if full_tree_owned.is_some() {
        &tree
    } else {
        &[]
    };
    let blob_paths: HashMap<ObjectId, &str> = full_tree
        .iter()
        .chain(subdir_tree)
        .filter(|e| matches!(e.kind, TreeEntryKind::File | TreeEntryKind::Executable))
        .map(|e| (e.oid, e.path.as_str()))
        .collect();
    let repo_blob_path = |id: ObjectId| blob_paths.get(&id).map(|p| p.to_string());
    let judge = |report: &mut Report, policy: &Policy| {
        judge_all(
            report,
            &git_index,
            &comparison,
            cmp_tree,
            &archived,
            &archive_index,
            // The tag's own tree: content checks read its pyproject.toml, configure.ac ...
            // (for a wheel, the paired entries are only the comparison's git side).
            &tree,
            full_tree,
            &gitlinks,
            policy,
            &resolved,
            subdir,
            repo,
            &read_any_blob,
            &repo_blob_path,
            &symlink_target_blob,
        )
    };
    judge(&mut report, &policy);
    // Would another profile explain what this one leaves unexpected? Judged on the same
    // comparison, so it costs no second read; only said, never applied.
    // Skipped past HINT_MAX_DIFFS differences: each alternative judges every difference
    // again, and an archive that far from its tag is not one profile away from it.
    {
        let mut probe = report.clone();
        probe.finish(comparison.matched);
        if probe.verdict == Verdict::Fail
            && probe.summary.hostile == 0
            && !is_wheel
            && comparison.len() <= HINT_MAX_DIFFS
        {
            let mut best: Option<(String, Verdict)> = None;
            let mut skeleton = report.clone();
            skeleton.clear_judgement();
            // The profile auto would pick first: it is what the tree says.
            let candidates = std::iter::once(auto_profile.as_str())
                .chain(crate::policy::profiles::NAMES.iter().copied());
            for name in candidates {
                if name == policy.profile || name == "git-archive" {
                    continue;
                }
                let Ok(alt) = Policy::new(name, project.clone()) else {
                    continue;
                };
                let mut r = skeleton.clone();
                judge(&mut r, &alt);
                r.finish(comparison.matched);
                let better = match &best {
                    None => r.verdict != Verdict::Fail,
                    Some((_, v)) => r.verdict < *v,
                };
                if better {
                    best = Some((name.to_string(), r.verdict));
                }
            }
            if let Some((name, v)) = best {
                report.policy.hint = Some(format!(
                    "try `--profile {name}`: it explains every difference that profile {} leaves unexpected{}",
                    policy.profile,
                    if v == Verdict::Indeterminate {
                        " (some would stay undecided)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }

    if let Some(regen) = &regenerate {
        let contents: std::collections::BTreeMap<String, Vec<u8>> = archived
            .iter()
            .filter(|a| a.inside_prefix && a.entry.kind == EntryKind::File)
            .filter_map(|a| Some((a.rel().to_string(), a.entry.content()?.to_vec())))
            .collect();
        crate::regen::apply(
            &mut report,
            regen,
            &policy.regenerate_scripts,
            repo,
            &tree,
            &contents,
        );
        crate::regen::apply_git_log(
            &mut report,
            regen,
            repo,
            &resolved.commit.id.to_string(),
            &tree,
            &git_logs,
            &git_logs_refused,
            &contents,
        );
    }

    if let Some(comment) = &summary.pax_comment {
        let commit = resolved.commit.id.to_string();
        let ok = comment.trim() == commit;
        report.cross_checks.push(CrossCheck {
            name: "git-archive-commit".into(),
            status: if ok { CrossCheckStatus::Ok } else { CrossCheckStatus::Failed },
            detail: if ok {
                format!("the pax comment names commit {commit}, the checked commit")
            } else {
                format!(
                    "the pax comment that git archive writes names {:?}, but the checked commit is {commit}: the archive was made from another commit",
                    comment.trim()
                )
            },
        });
    }
    if summary.trailing_data {
        report.findings.push(Finding {
            path: String::new(),
            class: Class::Hostile,
            judgement: Judgement::Unexpected,
            rule: None,
            reason: "data after the end of the archive: tools that read past the end-of-archive marker see content that this check did not".into(),
            detail: None,
            problem: Some("trailing-data".into()),
            size: 0,
            sha256: None,
            vouched_by: None,
        });
    }
    if !comparison.empty_dirs.is_empty() {
        report.notes.push(format!(
            "{} empty director{} in the archive (git cannot hold an empty directory; nothing to compare): {}",
            comparison.empty_dirs.len(),
            if comparison.empty_dirs.len() == 1 { "y" } else { "ies" },
            list_some(&comparison.empty_dirs)
        ));
    }
    let odd_modes: Vec<String> = archived
        .iter()
        .filter_map(|a| {
            tarseal_archive::mode_warning_of(a.entry.kind, a.entry.mode)
                .map(|w| format!("{} ({w})", a.entry.path))
        })
        .collect();
    if !odd_modes.is_empty() {
        report.notes.push(format!(
            "warning: {} entr{} with unusual modes (not a failure; git keeps only the executable bit): {}",
            odd_modes.len(),
            if odd_modes.len() == 1 { "y" } else { "ies" },
            list_some(&odd_modes)
        ));
    }
    if !comparison.derived_matched.is_empty() {
        report.notes.push(format!(
            "{} file(s) matched git's blob as git archive writes it (export-subst expansion or eol=crlf conversion from the tag's .gitattributes): {}",
            comparison.derived_matched.len(),
            comparison.derived_matched.join(", ")
        ));
    }
    if resolved.tag.as_ref().is_some_and(|t| !t.annotated) {
        report.notes.push(
            "LIGHTWEIGHT TAG accepted (--allow-lightweight): the tag name is bound to nothing and carries no signature".into(),
        );
    }
    report.finish(comparison.matched);
    Ok(report)
}

/// The first few items of a long list, joined, with how many were left out: a note must stay
/// readable when a hostile archive holds a million of something.
fn list_some(items: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut s = items
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    s
}

/// Git's `eol=crlf` conversion: every LF not already preceded by CR becomes CRLF.
fn lf_to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// The git blob id of `bytes`; `None` only on a SHA-1 collision attempt.
fn blob_id(hash: HashKind, bytes: &[u8]) -> Option<ObjectId> {
    gix::objs::compute_hash(hash, gix::objs::Kind::Blob, bytes).ok()
}

/// Verifies the tag's signature against the keyring (DESIGN.md §4), before anything else.
///
/// * a keyring and a signed tag: the signature must verify, whatever `--allow-unsigned` says;
/// * a keyring and an unsigned (or lightweight) tag: rejected, unless `--allow-unsigned`;
/// * no keyring: only with `--allow-unsigned` (content comparison only), else a usage error;
/// * `--commit`: there is no tag signature; only with `--allow-unsigned`.
fn verify_signature(
    opts: &CheckOptions,
    target: &Target,
    resolved: &Resolved,
) -> Result<SignatureInfo, CheckError> {
    let not_checked = |detail: String| SignatureInfo {
        status: SignatureStatus::NotChecked,
        format: None,
        fingerprint: None,
        primary: None,
        user_id: None,
        principals: None,
        created: None,
        detail,
    };
    let tag = match (target, resolved.tag.as_ref()) {
        (Target::Commit { rev }, _) => {
            if !opts.allow_unsigned {
                return Err(CheckError::Usage(format!(
                    "--commit {rev} has no tag signature to verify: add --allow-unsigned to compare content only"
                )));
            }
            return Ok(not_checked(
                "NOT VERIFIED: checked against a commit (--commit), not a signed tag; content comparison only".into(),
            ));
        }
        (Target::Tag { name, .. }, tag) => (name, tag),
    };
    let (name, tag) = tag;
    let signature = tag
        .filter(|t| t.annotated)
        .and_then(|t| t.signature.as_deref());
    let Some(keyring) = &opts.keyring else {
        if !opts.allow_unsigned {
            return Err(CheckError::Usage(
                "no keyring to verify the tag's signature with: give --keyring FILE (OpenPGP export or allowed_signers), or --allow-unsigned to compare content only".into(),
            ));
        }
        return Ok(not_checked(match signature {
            Some(_) => "NOT VERIFIED (--allow-unsigned, no --keyring): the tag carries a signature that was not checked; content comparison only".into(),
            None => "NOT VERIFIED (--allow-unsigned): the tag carries no signature; content comparison only".into(),
        }));
    };
    if signature.is_none() && opts.allow_unsigned {
        return Ok(not_checked(
            "NOT VERIFIED (--allow-unsigned): the tag carries no signature; content comparison only".into(),
        ));
    }
    let tag = tag.filter(|t| t.annotated);
    let payload = tag.map(|t| t.signed_payload.as_slice()).unwrap_or_default();
    let tagger_time = tag.and_then(|t| t.tagger.as_ref()).map(|p| p.time);
    let signer = tarseal_sig::verify_tag(keyring, payload, signature, tagger_time, None).map_err(
        |rejection| CheckError::Signature {
            tag: name.clone(),
            rejection,
        },
    )?;
    Ok(match &signer {
        tarseal_sig::TagSigner::OpenPgp(g) => {
            // Which of the keyring's keys applied, in which window, and whether it was
            // revoked later (a keyring of several release cycles' keys).
            let mut detail = signer.to_string();
            if let Some(w) = keyring.key_window(&g.key.key, g.created) {
                detail.push_str(&format!(
                    "; key {} valid from {} {}",
                    w.key,
                    tarseal_sig::format_utc(w.created),
                    match w.expires {
                        Some(e) => format!("until {}", tarseal_sig::format_utc(e)),
                        None => "with no expiry".into(),
                    }
                ));
                if let Some((t, why)) = &w.revoked_later {
                    detail.push_str(&format!(
                        "; WARNING: this key was revoked later ({why}, at {}): the signature was made before, so it stays good, but gpg warns about it",
                        tarseal_sig::format_utc(*t)
                    ));
                }
            }
            SignatureInfo {
                status: SignatureStatus::Good,
                format: Some("openpgp".into()),
                fingerprint: Some(g.key.key.clone()),
                primary: Some(g.key.primary.clone()),
                user_id: g.user_id.clone(),
                principals: None,
                created: Some(tarseal_sig::format_utc(g.created)),
                detail,
            }
        }
        tarseal_sig::TagSigner::Ssh(s) => SignatureInfo {
            status: SignatureStatus::Good,
            format: Some("ssh".into()),
            fingerprint: Some(s.fingerprint.clone()),
            primary: None,
            user_id: None,
            principals: Some(s.principals.clone()),
            created: None,
            detail: signer.to_string(),
        },
    })
}

/// Strips `prefix/` from `path`; `None` when the path lies outside it.
fn strip_prefix<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return Some(path);
    }
    if path == prefix {
        return Some("");
    }
    path.strip_prefix(prefix).and_then(|r| r.strip_prefix('/'))
}

/// Entries per chunk while reading: 512 KB of records, so the last chunk's slack is small
/// next to a whole archive's and growing never copies what is already kept.
const ENTRY_CHUNK: usize = 4096;

/// Appends `e` to the last chunk, opening a new one of [`ENTRY_CHUNK`] entries when it is full.
fn push_chunked(chunks: &mut Vec<Vec<ArchivedEntry>>, e: ArchivedEntry) {
    match chunks.last_mut() {
        Some(last) if last.len() < ENTRY_CHUNK => last.push(e),
        _ => {
            let mut chunk = Vec::with_capacity(ENTRY_CHUNK);
            chunk.push(e);
            chunks.push(chunk);
        }
    }
}

/// Decides the prefix for good and makes every path relative to it.
///
/// A detected prefix must hold every entry; if it does not, the archive has no single top-level
/// directory and paths are compared as they are. If both readings are possible (a tree whose
/// only top-level entry is a directory), the one that matches more git paths wins.
fn settle_prefix(
    given: bool,
    candidate: String,
    entries: &mut [ArchivedEntry],
    git: &TreeIndex<'_>,
) -> String {
    let mut prefix = candidate;
    if !given && !prefix.is_empty() {
        // Entries whose very name is hostile (absolute, empty) are reported as such; they must
        // not also cost the prefix, which would bury them under every git path as "missing".
        let all_inside = entries
            .iter()
            .map(|a| &a.entry)
            .filter(|e| {
                // The archive root (`./`) holds the prefix directory; it is not beside it.
                !e.path.is_empty()
                    && !e
                        .problems()
                        .iter()
                        .any(|p| matches!(p, EntryProblem::AbsolutePath | EntryProblem::EmptyName))
            })
            .all(|e| strip_prefix(&e.path, &prefix).is_some());
        let matches = |p: &str| {
            entries
                .iter()
                .map(|a| &a.entry)
                .filter(|e| strip_prefix(&e.path, p).is_some_and(|r| git.contains_key(r)))
                .count()
        };
        if !all_inside || matches("") > matches(&prefix) {
            prefix = String::new();
        }
    }
    for a in entries.iter_mut() {
        // The archive root (`./`) is the directory the prefix lies in: nothing to compare.
        let root = a.entry.path.is_empty() && a.entry.kind == EntryKind::Directory;
        let rel_len = if root {
            Some(0)
        } else {
            strip_prefix(&a.entry.path, &prefix).map(str::len)
        };
        // strip_prefix returns a suffix of the path: its start is the length difference (a
        // prefix past 4 GiB, possible only with a raised --max-path-bytes, counts as outside).
        let start = u32::try_from(a.entry.path.len() - rel_len.unwrap_or(0)).ok();
        a.inside_prefix = rel_len.is_some() && start.is_some();
        a.rel_start = start.unwrap_or(0);
    }
    prefix
}

fn git_info(
    opts: &CheckOptions,
    target: &Target,
    r: &Resolved,
    subdir: Option<&str>,
    n: u64,
) -> GitInfo {
    let (target_kind, target) = match target {
        Target::Tag { name, .. } => ("tag", name.clone()),
        Target::Commit { rev } => ("commit", rev.clone()),
    };
    GitInfo {
        repo: opts.repo.display().to_string(),
        target_kind: target_kind.into(),
        target,
        tag_object: r
            .tag
            .as_ref()
            .filter(|t| t.annotated)
            .map(|t| t.id.to_string()),
        annotated: r.tag.as_ref().is_some_and(|t| t.annotated),
        tag_signature_present: r.tag.as_ref().is_some_and(|t| t.signature.is_some()),
        commit: r.commit.id.to_string(),
        tree: r.commit.tree.to_string(),
        subdir: subdir.map(str::to_string),
        object_format: match r.object_hash {
            HashKind::Sha1 => "sha1".into(),
            _ => "sha256".into(),
        },
        tree_entries: n,
    }
}

/// How the profile is to be chosen.
enum Selection {
    /// `--profile NAME` (not `auto`).
    Requested(String),
    /// The project policy names one (its origin).
    Project(String, String),
    /// From the tree and the archive's layout, after the read.
    Auto,
}

/// Loads the project policy: `--policy FILE` (trusted side) wins over the tree's
/// `.tarseal.toml` (signed content); `--profile` wins over a profile the file names, and
/// without either the profile is chosen automatically.
fn load_project_policy(
    opts: &CheckOptions,
    repo: &Repo,
    resolved: &Resolved,
    tree: &[TreeEntry],
) -> Result<(Option<(ProjectPolicy, String)>, Selection), CheckError> {
    let project = if let Some(path) = &opts.policy_file {
        let origin = format!("policy file {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|source| CheckError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Some((
            ProjectPolicy::parse(&text, &origin).map_err(|detail| CheckError::Policy {
                origin: origin.clone(),
                detail: Box::new(detail),
            })?,
            origin,
        ))
    } else if let Some(e) = tree
        .iter()
        .find(|e| e.path == TREE_POLICY_FILE && e.kind == TreeEntryKind::File)
    {
        let origin = format!(
            "{TREE_POLICY_FILE} in the tag's tree (commit {})",
            resolved.commit.id
        );
        let bytes = repo.read_blob(e.oid)?;
        let text = String::from_utf8(bytes).map_err(|_| CheckError::Policy {
            origin: origin.clone(),
            detail: Box::new(crate::policy::PolicyError::NotUtf8),
        })?;
        Some((
            ProjectPolicy::parse(&text, &origin).map_err(|detail| CheckError::Policy {
                origin: origin.clone(),
                detail: Box::new(detail),
            })?,
            origin,
        ))
    } else {
        None
    };
    let requested = opts
        .profile
        .clone()
        .filter(|p| p != crate::policy::profiles::AUTO);
    let selection = match (requested, &project) {
        (Some(p), _) => Selection::Requested(p),
        (None, Some((pp, origin)))
            if pp
                .profile
                .as_deref()
                .is_some_and(|p| p != crate::policy::profiles::AUTO) =>
        {
            Selection::Project(pp.profile.clone().unwrap_or_default(), origin.clone())
        }
        _ => Selection::Auto,
    };
    if let Selection::Requested(p) = &selection {
        // An unknown name is a usage error before anything is read.
        Policy::new(p, None).map_err(|detail| CheckError::Policy {
            origin: "--profile".into(),
            detail: Box::new(detail),
        })?;
    }
    Ok((project, selection))
}

/// With `--profile auto` and no `--subdir`: the `path_in_vcs` of a crate's
/// `.cargo_vcs_info.json`, when the tag's tree has that directory with a Cargo.toml. Read in
/// a quick first pass only for crates (a `.crate` file, or a tree whose Cargo.toml files are
/// all below the root).
fn cargo_path_in_vcs(
    opts: &CheckOptions,
    repo: &Repo,
    resolved: &Resolved,
) -> Result<Option<String>, CheckError> {
    let is_crate = opts
        .archive
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("crate"));
    if !is_crate {
        return Ok(None);
    }
    let file = File::open(&opts.archive).map_err(|source| CheckError::Open {
        path: opts.archive.display().to_string(),
        source,
    })?;
    let read_opts = ReadOptions {
        limits: opts.limits,
        object_hash: resolved.object_hash,
        raw_digests: false,
        raw_observer: None,
    };
    let mut found: Option<Vec<u8>> = None;
    let wants = |path: &str, kind: EntryKind| ContentWants {
        sha256: false,
        keep_up_to: (kind == EntryKind::File
            && path.split('/').count() == 2
            && path.ends_with("/.cargo_vcs_info.json"))
        .then_some(64 << 10),
    };
    // A broken archive is reported by the real read that follows.
    let _ = tarseal_archive::read_archive(
        file,
        &read_opts,
        wants,
        |e| {
            if e.content.is_some() && found.is_none() {
                found = e.content;
            }
        },
        |_| {},
    );
    let Some(bytes) = found else {
        return Ok(None);
    };
    let Some(p) = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("path_in_vcs")?.as_str().map(str::to_string))
    else {
        return Ok(None);
    };
    let p = p.trim_matches('/').to_string();
    if p.is_empty() || p.split('/').any(|c| c == ".." || c == "." || c.is_empty()) {
        return Ok(None);
    }
    // Only a directory of the signed tree that holds a Cargo.toml.
    let listing = repo.list_tree(resolved.commit.tree, Some(&p));
    Ok(listing
        .ok()
        .filter(|l| l.iter().any(|e| e.path == "Cargo.toml"))
        .map(|_| p))
}

/// A blob of the tag's repository or of a submodule given with `--submodule`.
fn read_blob_any(
    repo: &Repo,
    sub_repos: &[(String, Repo, ObjectId)],
    id: ObjectId,
) -> Option<Vec<u8>> {
    repo.read_blob(id)
        .ok()
        .or_else(|| sub_repos.iter().find_map(|(_, r, _)| r.read_blob(id).ok()))
}

/// The compared tree (`subdir` of the tag's), its gitlinks as the tag has them, and the
/// tree with the submodules given by `--submodule` inlined, with their repositories.
#[allow(clippy::type_complexity)]
fn list_compared_tree(
    opts: &CheckOptions,
    repo: &Repo,
    resolved: &Resolved,
    subdir: Option<&str>,
) -> Result<(Vec<TreeEntry>, Vec<Gitlink>, Vec<(String, Repo, ObjectId)>), CheckError> {
    let mut tree = repo.list_tree(resolved.commit.tree, subdir)?;
    // The compared tree's submodules, before the ones given are inlined (content checks
    // name them: gnulib-tool's copies come from one).
    let mut gitlinks: Vec<Gitlink> = tree
        .iter()
        .filter(|e| e.kind == TreeEntryKind::Gitlink)
        .map(|e| Gitlink {
            path: e.path.clone(),
            pinned: e.oid,
            inlined: false,
        })
        .collect();
    let sub_repos = inline_submodules(opts, &mut tree)?;
    for g in &mut gitlinks {
        g.inlined = sub_repos.iter().any(|(p, _, _)| *p == g.path);
    }
    Ok((tree, gitlinks, sub_repos))
}

/// Replaces each gitlink named by `--submodule PATH=REPO` with the tree of the commit it
/// pins, read from REPO (paths prefixed with PATH/). Returns the opened repositories (their
/// blobs are read too) with the pinned commits.
fn inline_submodules(
    opts: &CheckOptions,
    tree: &mut Vec<TreeEntry>,
) -> Result<Vec<(String, Repo, ObjectId)>, CheckError> {
    let mut out = Vec::new();
    for (path, dir) in &opts.submodules {
        let path = path.trim_matches('/').to_string();
        let err = |detail: String| CheckError::Submodule {
            path: path.clone(),
            repo: dir.display().to_string(),
            detail,
        };
        let Some(pos) = tree
            .iter()
            .position(|e| e.path == path && e.kind == TreeEntryKind::Gitlink)
        else {
            let gitlinks: Vec<&str> = tree
                .iter()
                .filter(|e| e.kind == TreeEntryKind::Gitlink)
                .map(|e| e.path.as_str())
                .collect();
            return Err(err(format!(
                "the tag's tree has no submodule at {path} (its submodules: {})",
                if gitlinks.is_empty() {
                    "none".into()
                } else {
                    gitlinks.join(", ")
                }
            )));
        };
        let pinned = tree[pos].oid;
        let sub = Repo::open(dir).map_err(|e| err(e.to_string()))?;
        let info = sub.commit_info(pinned).map_err(|e| {
            err(format!(
                "the repository does not hold commit {pinned}, which the tag's gitlink pins ({e}); fetch it there"
            ))
        })?;
        let entries = sub
            .list_tree(info.tree, None)
            .map_err(|e| err(e.to_string()))?;
        tree.remove(pos);
        tree.extend(entries.into_iter().map(|e| TreeEntry {
            path: format!("{path}/{}", e.path),
            kind: e.kind,
            oid: e.oid,
        }));
        out.push((path, sub, pinned));
    }
    if !out.is_empty() {
        tree.sort_unstable_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn judge_all(
    report: &mut Report,
    git_index: &TreeIndex<'_>,
    comparison: &Comparison,
    compared_tree: &[TreeEntry],
    archived: &[ArchivedEntry],
    archive_index: &ArchiveIndex,
    tree: &[TreeEntry],
    full_tree: &[TreeEntry],
    gitlinks: &[Gitlink],
    policy: &Policy,
    resolved: &Resolved,
    subdir: Option<&str>,
    repo: &Repo,
    read_blob: &dyn Fn(ObjectId) -> Option<Vec<u8>>,
    repo_blob_path: &dyn Fn(ObjectId) -> Option<String>,
    symlink_target_blob: &dyn Fn(&str, ObjectId) -> Option<ObjectId>,
) {
    // The compared tree's map, built once by the caller (a map per judgement, and per profile
    // the hint tries, was 11 MB for 80,000 paths).
    let git_blob = |p: &str| {
        git_index
            .get(p)
            .filter(|e| matches!(e.kind, TreeEntryKind::File | TreeEntryKind::Executable))
            .map(|e| e.oid)
    };
    let read_git_blob = |id: ObjectId| read_blob(id);
    // The regular file extraction leaves at a path.
    let archive_file = |p: &str| {
        Some(&archived[archive_index.at(archived, p)?]).filter(|a| a.entry.kind == EntryKind::File)
    };
    let archive_content = |p: &str| archive_file(p)?.entry.content();
    let archive_blob = |p: &str| archive_file(p)?.entry.blob_id;
    let git_dirs: HashSet<&str> = tree
        .iter()
        .filter_map(|e| e.path.rsplit_once('/').map(|(d, _)| d))
        .flat_map(|d| {
            let mut v = vec![d];
            let mut p = d;
            while let Some((up, _)) = p.rsplit_once('/') {
                v.push(up);
                p = up;
            }
            v
        })
        .collect();
    let git_has_dir = |p: &str| git_dirs.contains(p);
    let git_symlink = |p: &str| {
        let e = git_index
            .get(p)
            .filter(|e| e.kind == TreeEntryKind::Symlink)?;
        let target = String::from_utf8_lossy(&read_blob(e.oid)?).into_owned();
        Some(GitSymlink {
            target,
            resolves_to: symlink_target_blob(p, e.oid),
        })
    };
    // pbr's ChangeLog and AUTHORS come from the history, read once and only when asked for.
    let history_cell: std::cell::OnceCell<Option<std::rc::Rc<crate::policy::pbr::History>>> =
        std::cell::OnceCell::new();
    let history = || {
        history_cell
            .get_or_init(|| {
                let read = |p: &str| git_blob(p).and_then(|id| repo.read_blob(id).ok());
                crate::policy::pbr::History::compute(
                    repo,
                    resolved.commit.id,
                    read(".mailmap").as_deref(),
                    read("AUTHORS.in").as_deref(),
                )
                .ok()
                .map(std::rc::Rc::new)
            })
            .clone()
    };
    let all_archive_files = || -> Vec<(String, Option<[u8; 32]>)> {
        archived
            .iter()
            .filter(|a| a.inside_prefix && a.entry.kind == EntryKind::File)
            .map(|a| (a.rel().to_string(), a.entry.sha256()))
            .collect()
    };
    let gnulib_layout = std::cell::OnceCell::new();
    let ctx = CheckContext {
        commit: &resolved.commit,
        // A lightweight tag accepted with --allow-lightweight still names the version the
        // checker asked for (refs/tags/NAME points at this commit); only --commit has none.
        tag_name: resolved.tag.as_ref().map(|t| t.name.as_str()),
        subdir,
        git_blob: &git_blob,
        read_git_blob: &read_git_blob,
        archive_blob: &archive_blob,
        repo_blob_path,
        git_has_dir: &git_has_dir,
        git_symlink: &git_symlink,
        history: &history,
        archive_files: &all_archive_files,
        archive_content: &archive_content,
        tree,
        full_tree,
        gitlinks,
        gnulib_layout: &gnulib_layout,
    };
    let mut used_rules: HashSet<&str> = HashSet::new();
    for d in comparison.diffs(compared_tree, archived) {
        let d = d.as_ref();
        let a = d.archive_index.map(|i| &archived[i]);
        let size = a.map(|a| a.entry.size).unwrap_or(0);
        let sha256 = a.and_then(|a| a.entry.sha256()).map(hex::encode);
        let mut f = Finding {
            path: d.path.clone(),
            class: d.class,
            judgement: Judgement::Unexpected,
            rule: None,
            reason: String::new(),
            detail: Some(d.detail.clone()),
            problem: d
                .problem
                .as_ref()
                .map(|p| compare::problem_name(p).to_string()),
            size,
            sha256,
            vouched_by: None,
        };
        match d.class {
            Class::Hostile => judge_hostile(&mut f, d, policy, git_index, &mut used_rules),
            Class::Missing if comparison.export_ignored.contains(&d.path) => {
                f.judgement = Judgement::Allowed;
                f.rule = Some("builtin:export-ignore".into());
                f.vouched_by = Some(VouchedBy::Git);
                f.reason = ".gitattributes in the tag's tree marks it export-ignore, so git archive leaves it out".into();
            }
            _ => judge_by_rules(
                &mut f,
                d,
                a,
                policy,
                &ctx,
                &mut used_rules,
                &mut report.cross_checks,
            ),
        }
        report.push_finding(f);
    }
    for r in &policy.rules {
        if r.project && !used_rules.contains(r.id.as_str()) {
            report.policy.stale_rules.push(StaleRule {
                rule: r.id.clone(),
                path: r.pattern.clone(),
                reason: r.reason.clone(),
            });
        }
    }
}

fn judge_hostile<'p>(
    f: &mut Finding,
    d: &Diff,
    policy: &'p Policy,
    git_paths: &TreeIndex<'_>,
    used: &mut HashSet<&'p str>,
) {
    match &d.problem {
        Some(EntryProblem::Hardlink) => {
            if d.hardlink_verified {
                if let Some(r) = policy
                    .rules
                    .iter()
                    .find(|r| r.allow.contains(&Allow::Hardlink) && r.matches(&d.path))
                {
                    used.insert(r.id.as_str());
                    f.judgement = Judgement::Allowed;
                    f.vouched_by = Some(VouchedBy::Git);
                    f.rule = Some(r.id.clone());
                    f.reason = format!(
                        "{} (the linked content equals git's at this path)",
                        r.reason
                    );
                    return;
                }
                f.reason = "hard link whose content equals git's; allow it with a policy rule `allow = [\"hardlink\"]` if your release tool writes hard links".into();
            } else {
                f.reason = "hard link whose content is not what git has at this path; release archives should not contain hard links".into();
            }
        }
        Some(EntryProblem::CaseOrUnicodeCollision { other }) => {
            let other_rel = other.split_once('/').map(|(_, r)| r).unwrap_or(other);
            if git_paths.contains_key(d.path.as_str())
                && (git_paths.contains_key(other.as_str()) || git_paths.contains_key(other_rel))
            {
                f.judgement = Judgement::Allowed;
                f.vouched_by = Some(VouchedBy::Git);
                f.rule = Some("builtin:collision-in-git".into());
                f.reason = "both colliding names are in git too; the archive did not introduce the collision".into();
                return;
            }
            f.reason = "the archive introduces names that collide on case-insensitive or normalising file systems; rename one in git or rebuild the archive".into();
        }
        _ => {
            f.reason = "hostile entry: never allowed; rebuild the archive from the tag with a trusted tool (git archive)".into();
        }
    }
    f.judgement = Judgement::Unexpected;
}

fn judge_by_rules<'p>(
    f: &mut Finding,
    d: &Diff,
    a: Option<&ArchivedEntry>,
    policy: &'p Policy,
    ctx: &CheckContext<'_>,
    used: &mut HashSet<&'p str>,
    cross_checks: &mut Vec<CrossCheck>,
) {
    let mut failures: Vec<String> = Vec::new();
    let mut undecided: Vec<String> = Vec::new();
    for r in &policy.rules {
        let allows = |al: &Allow| {
            al.covers(d.class)
                || (*al == Allow::Dereferenced && d.class == Class::Type && d.dereferenced)
        };
        if !r.allow.iter().any(allows) || !r.matches(&d.path) {
            continue;
        }
        if r.check.as_ref().is_some_and(|c| !c.applies(&d.path, ctx)) {
            continue;
        }
        used.insert(r.id.as_str());
        if let Some(pin) = r.sha256 {
            match a.and_then(|a| a.entry.sha256()) {
                Some(h) if h == pin => {}
                Some(h) => {
                    failures.push(format!(
                        "{}: sha256 {} is not the pinned {}",
                        r.id,
                        hex::encode(h),
                        hex::encode(pin)
                    ));
                    continue;
                }
                None => {
                    undecided.push(format!("{}: no sha256 computed for a pinned rule", r.id));
                    continue;
                }
            }
        }
        // What vouches if this rule accepts: the pin, the check, or the name alone.
        let mut vouched = match d.class {
            // Nothing present, or git's own bytes under another mode / in place of a link.
            Class::Missing | Class::Mode => VouchedBy::Git,
            Class::Type if d.dereferenced => VouchedBy::Git,
            _ if r.sha256.is_some() => VouchedBy::Pinned,
            _ => VouchedBy::NameOnly,
        };
        let note = match &r.check {
            None => None,
            Some(check) => {
                let subject = match a {
                    Some(a) => Subject {
                        path: &d.path,
                        content: a.entry.content(),
                        blob: a.entry.blob_id,
                    },
                    // A check of git's side alone vouches for an absence.
                    None if check.judges_absence() => Subject {
                        path: &d.path,
                        content: None,
                        blob: None,
                    },
                    None => {
                        failures.push(format!(
                            "{}: {} needs a file in the archive",
                            r.id,
                            check.name()
                        ));
                        continue;
                    }
                };
                let outcome = check.run(&subject, ctx);
                if matches!(
                    check,
                    ContentCheck::CargoVcsInfo
                        | ContentCheck::PkgInfoVersion
                        | ContentCheck::PbrPkgInfo
                ) {
                    let (status, detail) = match &outcome {
                        Outcome::Pass(n) | Outcome::PassAs(_, n) | Outcome::Reproduced(n) => {
                            (CrossCheckStatus::Ok, n.clone())
                        }
                        Outcome::Fail(n) | Outcome::Undecided(n) => {
                            (CrossCheckStatus::Failed, n.clone())
                        }
                    };
                    cross_checks.push(CrossCheck {
                        name: format!("{} ({})", check.name(), d.path),
                        status,
                        detail,
                    });
                }
                if vouched == VouchedBy::NameOnly {
                    vouched = match (&outcome, check) {
                        (Outcome::Reproduced(_), _) => VouchedBy::Reproduced,
                        (Outcome::PassAs(v, _), _) => *v,
                        // The bytes are git's own blob, at another path.
                        (_, ContentCheck::EqualsGitFile(_)) => VouchedBy::Git,
                        (_, ContentCheck::KnownM4) => VouchedBy::KnownFile,
                        (_, ContentCheck::RoffThStamp | ContentCheck::CVersionDefines) => {
                            VouchedBy::Stamped
                        }
                        _ => VouchedBy::ContentCheck,
                    };
                }
                match outcome {
                    Outcome::Pass(n) | Outcome::PassAs(_, n) | Outcome::Reproduced(n) => Some(n),
                    Outcome::Fail(why) => {
                        failures.push(format!("{}: {why}", r.id));
                        continue;
                    }
                    Outcome::Undecided(why) => {
                        undecided.push(why);
                        continue;
                    }
                }
            }
        };
        f.judgement = Judgement::Allowed;
        f.vouched_by = Some(vouched);
        f.rule = Some(r.id.clone());
        f.reason = r.reason.clone();
        // Accepted by name after a check could not vouch: say what it found.
        let note = match (
            note,
            vouched == VouchedBy::NameOnly && !undecided.is_empty(),
        ) {
            (n, true) => Some(
                n.into_iter()
                    .chain([format!(
                        "not vouched for by content: {}",
                        undecided.join("; ")
                    )])
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            (n, false) => n,
        };
        if let Some(n) = note {
            f.detail = Some(match f.detail.take() {
                Some(d) => format!("{d}; {n}"),
                None => n,
            });
        }
        return;
    }
    if failures.is_empty() && (d.class == Class::Unverifiable || d.converted_by.is_some()) {
        undecided.push(d.detail.clone());
    }
    if !undecided.is_empty() && failures.is_empty() {
        f.judgement = Judgement::Indeterminate;
        f.reason = undecided.join("; ");
        return;
    }
    f.judgement = Judgement::Unexpected;
    let what_to_do = match d.class {
        Class::Extra => "nothing in git backs it: remove it from the release, commit it, or name it in the project policy with a reason",
        Class::Missing => "the release lacks a file the tag has: rebuild the archive from the tag, or allow it in the project policy with a reason",
        Class::Modified => "the release changes a file the tag has: rebuild the archive from the tag",
        Class::Mode => "the executable bit differs from git's: rebuild the archive from the tag",
        Class::Type => "the entry type differs from git's: rebuild the archive from the tag",
        Class::Unverifiable => "submodule content cannot be verified from this repository: check the submodule's own release, or allow it with `allow = [\"unverifiable\"]`",
        _ => "",
    };
    f.reason = if failures.is_empty() && undecided.is_empty() {
        what_to_do.to_string()
    } else {
        let mut v = failures;
        v.extend(undecided);
        format!("{} ({})", what_to_do, v.join("; "))
    };
}

#[cfg(test)]
mod tests {
    use super::strip_prefix;

    #[test]
    fn crlf_conversion_leaves_existing_crlf() {
        assert_eq!(super::lf_to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(super::lf_to_crlf(b""), b"");
    }

    #[test]
    fn prefix_stripping() {
        assert_eq!(strip_prefix("a-1/x", "a-1"), Some("x"));
        assert_eq!(strip_prefix("a-1", "a-1"), Some(""));
        assert_eq!(strip_prefix("a-10/x", "a-1"), None);
        assert_eq!(strip_prefix("x", ""), Some("x"));
    }
}
