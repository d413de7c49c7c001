//! Opening a repository, resolving the target and listing its tree.

use crate::attributes::AttributeFile;
pub use crate::commit::{Abbreviations, CommitInfo, Person, TagHere};
use crate::{ExportAttributes, GitError, HashKind, ObjectId};
use gix::bstr::{BStr, ByteSlice};
use gix::objs::Find;
use std::path::Path;

/// What to compare against.
#[derive(Debug, Clone)]
pub enum Target {
    /// An annotated tag by short name (`v1.2.3`, looked up as `refs/tags/v1.2.3`).
    Tag {
        /// The short tag name; only `refs/tags/<name>` is consulted, never a branch.
        name: String,
        /// Accept a lightweight tag (a ref straight to a commit). It binds no name and
        /// carries no signature, so it is off by default.
        allow_lightweight: bool,
    },
    /// Any revision that peels to a commit (`--commit REV`).
    Commit {
        /// Full or short hex, branch, `HEAD`, tag name, or any other rev-spec gix understands.
        rev: String,
    },
}

/// The annotated tag object, when the target was one.
///
/// Carries what signature verification needs: the signature block and the exact bytes it
/// covers, split the way git splits them (so a verifier outside git sees what gpg/ssh-keygen
/// would see under `git verify-tag`).
#[derive(Debug, Clone)]
pub struct TagInfo {
    /// The tag object's id.
    pub id: ObjectId,
    /// The tag object's own `tag` header.
    pub name: String,
    /// The `tagger` header, when present (very old tags have none).
    pub tagger: Option<Person>,
    /// The tag message, without the signature block.
    pub message: String,
    /// The signature block appended to the message (OpenPGP or SSH armour), if any.
    pub signature: Option<Vec<u8>>,
    /// The bytes the signature covers (the tag object without the signature block).
    pub signed_payload: Vec<u8>,
    /// False when a lightweight tag was accepted with `allow_lightweight` (then `id` is the
    /// commit id and there is no name binding).
    pub annotated: bool,
}

/// A resolved target.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The tag, when the target was a tag (annotated, or lightweight when allowed).
    pub tag: Option<TagInfo>,
    /// The commit the target peels to.
    pub commit: CommitInfo,
    /// The repository's object format; blob ids of archive entries must be computed with it.
    pub object_hash: HashKind,
}

/// The kind of a tree entry, from its git mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TreeEntryKind {
    /// 100644 (and legacy group-writable 100664, which git treats the same).
    File,
    /// 100755
    Executable,
    /// 120000; the blob holds the target.
    Symlink,
    /// 160000; a submodule commit, not verifiable from this repository.
    Gitlink,
}

/// One non-tree entry of the recursive listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// Path relative to the listed tree (or the `--subdir`), `/`-separated.
    pub path: String,
    /// What the mode says the entry is.
    pub kind: TreeEntryKind,
    /// The blob id (for a gitlink, the submodule's commit id).
    pub oid: ObjectId,
}

/// Upper bound on the number of entries a listing may produce. A hostile repository can make a
/// small tree that references the same sub-tree many times over (a "tree bomb"); a bound keeps
/// memory finite while staying far above real projects.
const MAX_ENTRIES: usize = 20_000_000;

/// Upper bound on tag-of-tag nesting; real repositories use one or two levels.
const MAX_TAG_DEPTH: usize = 64;

/// An opened repository (bare or not). Only the object database and refs are used.
pub struct Repo {
    repo: gix::Repository,
    /// With [`Repo::record_reads`]: every object read through [`Repo::read_object`], in first-
    /// read order. This is what a git proof (crate::proof) must carry: the check reads all it
    /// needs through that one function, so the recorded set is exactly what it needed.
    reads: Option<std::sync::Mutex<ReadLog>>,
}

/// The objects read so far, once each, in first-read order.
#[derive(Default)]
struct ReadLog {
    order: Vec<ObjectId>,
    seen: std::collections::HashSet<ObjectId>,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("git_dir", &self.repo.git_dir())
            .finish()
    }
}

impl Repo {
    /// Opens the repository at `dir` (a work tree with `.git`, or a bare repository).
    ///
    /// The repository is opened in isolation: no global or system configuration, no
    /// environment variables, no includes. Only its own `config` is read, which is what makes
    /// `extensions.objectFormat = sha256` work; nothing in it can make this crate run code.
    pub fn open(dir: &Path) -> Result<Repo, GitError> {
        let open_err = |detail: String| GitError::Open {
            path: dir.display().to_string(),
            detail,
        };
        if !dir.exists() {
            return Err(open_err("no such directory".into()));
        }
        let options = gix::open::Options::isolated();
        let mut repo = gix::open_opts(dir, options).map_err(|e| open_err(e.to_string()))?;
        // A small object cache makes repeated reads (tag chains, .gitattributes) cheap. Not
        // more: listing a tree fills it, and it stays full through the archive read (4 MiB
        // were 3.9 MB of a check's peak; tree listing and blob reads do not re-read objects).
        repo.object_cache_size_if_unset(1024 * 1024);
        Ok(Repo { repo, reads: None })
    }

    /// The repository's git directory (`.git` of a work tree, or the bare repository): what
    /// a sandboxed `git log` mounts read-only (tarseal-regen's gitlog).
    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    /// From now on, remember every object this repository reads (tag, commit, trees and the
    /// blobs a check looks into), for [`Repo::objects_read`] and a git proof.
    pub fn record_reads(&mut self) {
        self.reads = Some(std::sync::Mutex::new(ReadLog::default()));
    }

    /// The objects read since [`Repo::record_reads`], once each, in first-read order (empty
    /// when not recording).
    pub fn objects_read(&self) -> Vec<ObjectId> {
        match &self.reads {
            Some(log) => log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .order
                .clone(),
            None => Vec::new(),
        }
    }

    /// The kind and bytes of object `id` (for writing it into a git proof).
    pub fn raw_object(&self, id: &ObjectId) -> Result<(gix::object::Kind, Vec<u8>), GitError> {
        let mut buf = Vec::new();
        let (kind, data) = self.read_object(id, &mut buf)?;
        let data = data.to_vec();
        Ok((kind, data))
    }

    /// The repository's object format (SHA-1 or SHA-256).
    pub fn object_hash(&self) -> HashKind {
        self.repo.object_hash()
    }

    /// Resolves the target, binding a tag to its own name.
    pub fn resolve(&self, target: &Target) -> Result<Resolved, GitError> {
        let (tag, commit_id) = match target {
            Target::Tag {
                name,
                allow_lightweight,
            } => self.resolve_tag(name, *allow_lightweight)?,
            Target::Commit { rev } => (None, self.resolve_rev(rev)?),
        };
        let commit = self.commit_info(commit_id)?;
        Ok(Resolved {
            tag,
            commit,
            object_hash: self.object_hash(),
        })
    }

    fn resolve_tag(
        &self,
        name: &str,
        allow_lightweight: bool,
    ) -> Result<(Option<TagInfo>, ObjectId), GitError> {
        let not_found = || GitError::TagNotFound {
            name: name.to_owned(),
        };
        let full = format!("refs/tags/{name}");
        // A name that is not a valid ref name cannot name a tag; report it as not found
        // rather than leaking a parser error.
        let full_ref: &gix::refs::FullNameRef =
            full.as_str().try_into().map_err(|_| not_found())?;
        let mut reference = match self.repo.try_find_reference(full_ref) {
            Ok(Some(r)) => r,
            Ok(None) => return Err(not_found()),
            Err(e) => {
                return Err(GitError::Object {
                    id: full.clone(),
                    detail: format!("cannot read the ref: {e}"),
                })
            }
        };
        let id = reference
            .follow_to_object()
            .map_err(|e| GitError::Object {
                id: full.clone(),
                detail: format!("cannot follow the ref: {e}"),
            })?
            .detach();

        let mut buf = Vec::new();
        let kind = self.read_object(&id, &mut buf)?.0;
        match kind {
            gix::object::Kind::Tag => {}
            gix::object::Kind::Commit if allow_lightweight => {
                let info = TagInfo {
                    id,
                    name: name.to_owned(),
                    tagger: None,
                    message: String::new(),
                    signature: None,
                    signed_payload: Vec::new(),
                    annotated: false,
                };
                return Ok((Some(info), id));
            }
            other => {
                if allow_lightweight {
                    return Err(GitError::TagNotCommit {
                        name: name.to_owned(),
                        object: id.to_string(),
                        kind: other.to_string(),
                    });
                }
                return Err(GitError::Lightweight {
                    name: name.to_owned(),
                    kind: other.to_string(),
                });
            }
        }

        let hash = self.object_hash();
        let tag = gix::objs::TagRef::from_bytes(&buf, hash).map_err(|e| GitError::Object {
            id: id.to_string(),
            detail: format!("tag object (refs/tags/{name}) does not parse: {e}"),
        })?;
        let actual = tag.name.to_str_lossy().into_owned();
        if tag.name.as_bytes() != name.as_bytes() {
            return Err(GitError::NameMismatch {
                requested: name.to_owned(),
                actual,
                object: id.to_string(),
            });
        }
        let tagger = match tag.tagger() {
            Ok(Some(sig)) => Some(person(sig, &id)?),
            Ok(None) => None,
            Err(e) => {
                return Err(GitError::Object {
                    id: id.to_string(),
                    detail: format!("tagger header does not parse: {e}"),
                })
            }
        };
        let (payload, signature) = split_signature(&buf);
        let message = tag_message(payload);
        let info = TagInfo {
            id,
            name: actual,
            tagger,
            message,
            signature: signature.map(<[u8]>::to_vec),
            signed_payload: payload.to_vec(),
            annotated: true,
        };

        // Peel nested tags down to the commit, checking that every object is what its
        // referrer claims it is.
        let mut target = parse_hex(tag.target, hash, &id)?;
        let mut declared = tag.target_kind;
        let mut via = id;
        let mut depth = 0;
        loop {
            depth += 1;
            if depth > MAX_TAG_DEPTH {
                return Err(GitError::Object {
                    id: via.to_string(),
                    detail: format!("more than {MAX_TAG_DEPTH} nested tag objects"),
                });
            }
            let kind = self.read_object(&target, &mut buf)?.0;
            if kind != declared {
                return Err(GitError::Object {
                    id: target.to_string(),
                    detail: format!("tag object {via} says it is a {declared}, but it is a {kind}"),
                });
            }
            match kind {
                gix::object::Kind::Commit => return Ok((Some(info), target)),
                gix::object::Kind::Tag => {
                    let inner = gix::objs::TagRef::from_bytes(&buf, hash).map_err(|e| {
                        GitError::Object {
                            id: target.to_string(),
                            detail: format!("nested tag object does not parse: {e}"),
                        }
                    })?;
                    via = target;
                    declared = inner.target_kind;
                    target = parse_hex(inner.target, hash, &via)?;
                }
                other => {
                    return Err(GitError::TagNotCommit {
                        name: name.to_owned(),
                        object: target.to_string(),
                        kind: other.to_string(),
                    })
                }
            }
        }
    }

    fn resolve_rev(&self, rev: &str) -> Result<ObjectId, GitError> {
        let bad = |detail: String| GitError::BadRevision {
            rev: rev.to_owned(),
            detail,
        };
        let id = match self.repo.rev_parse_single(rev) {
            Ok(id) => id.detach(),
            Err(e) => match self.lookup_hex_prefix(rev) {
                Some(Ok(id)) => id,
                Some(Err(())) => {
                    return Err(bad(format!(
                        "the short id {rev} is ambiguous; give more hex digits"
                    )))
                }
                None => return Err(bad(e.to_string())),
            },
        };
        let mut buf = Vec::new();
        let mut current = id;
        let mut declared: Option<(gix::object::Kind, ObjectId)> = None;
        for _ in 0..=MAX_TAG_DEPTH {
            let kind = self.read_object(&current, &mut buf)?.0;
            if let Some((declared, via)) = declared {
                if declared != kind {
                    return Err(GitError::Object {
                        id: current.to_string(),
                        detail: format!(
                            "tag object {via} says it is a {declared}, but it is a {kind}"
                        ),
                    });
                }
            }
            match kind {
                gix::object::Kind::Commit => return Ok(current),
                gix::object::Kind::Tag => {
                    let tag =
                        gix::objs::TagRef::from_bytes(&buf, self.object_hash()).map_err(|e| {
                            GitError::Object {
                                id: current.to_string(),
                                detail: format!("tag object does not parse: {e}"),
                            }
                        })?;
                    declared = Some((tag.target_kind, current));
                    current = parse_hex(tag.target, self.object_hash(), &current)?;
                }
                other => return Err(bad(format!("it names {other} {current}, not a commit"))),
            }
        }
        Err(bad(format!("more than {MAX_TAG_DEPTH} nested tag objects")))
    }

    /// Looks up an abbreviated hex id in the object database for the repository's own hash
    /// kind. gix 0.90's rev-spec parser builds short prefixes as SHA-1, so short ids never
    /// match in SHA-256 repositories; this fills that gap. `None` when `rev` is not a hex
    /// prefix or nothing matches, `Some(Err(()))` when it is ambiguous.
    fn lookup_hex_prefix(&self, rev: &str) -> Option<Result<ObjectId, ()>> {
        let hash = self.object_hash();
        let full_len = hash.len_in_hex();
        if rev.len() < 4 || rev.len() > full_len || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut padded = rev.to_ascii_lowercase();
        padded.extend(std::iter::repeat_n('0', full_len - rev.len()));
        let id = ObjectId::from_hex(padded.as_bytes()).ok()?;
        let prefix = gix::hash::Prefix::new(&id, rev.len()).ok()?;
        match self.repo.objects.lookup_prefix(prefix, None) {
            Ok(Some(Ok(id))) => Some(Ok(id)),
            Ok(Some(Err(()))) => Some(Err(())),
            _ => None,
        }
    }

    /// Reads the commit and everything `export-subst` needs from it.
    pub fn commit_info(&self, id: ObjectId) -> Result<CommitInfo, GitError> {
        let mut buf = Vec::new();
        let kind = self.read_object(&id, &mut buf)?.0;
        if kind != gix::object::Kind::Commit {
            return Err(GitError::Object {
                id: id.to_string(),
                detail: format!("expected a commit, found a {kind}"),
            });
        }
        let hash = self.object_hash();
        let bad = |detail: String| GitError::Object {
            id: id.to_string(),
            detail,
        };
        let commit = gix::objs::CommitRef::from_bytes(&buf, hash)
            .map_err(|e| bad(format!("commit does not parse: {e}")))?;
        let tree = parse_hex(commit.tree, hash, &id)?;
        let parents = commit
            .parents
            .iter()
            .map(|p| parse_hex(p, hash, &id))
            .collect::<Result<Vec<_>, _>>()?;
        let author = person(
            commit
                .author()
                .map_err(|e| bad(format!("author does not parse: {e}")))?,
            &id,
        )?;
        let committer = person(
            commit
                .committer()
                .map_err(|e| bad(format!("committer does not parse: {e}")))?,
            &id,
        )?;
        let raw_message = raw_commit_message(&buf);
        Ok(CommitInfo {
            id,
            tree,
            parents,
            author,
            committer,
            subject: String::from_utf8_lossy(&crate::commit::subject_of(raw_message)).into_owned(),
            message: String::from_utf8_lossy(raw_message).into_owned(),
            decorations: self.decorations(id),
            tags_here: self.tags_here(id),
        })
    }

    /// Tags under `refs/tags/` that point at `commit`, directly or through tag objects.
    fn tags_here(&self, commit: ObjectId) -> Vec<TagHere> {
        let mut out = Vec::new();
        let Ok(platform) = self.repo.references() else {
            return out;
        };
        let Ok(iter) = platform.tags() else {
            return out;
        };
        let mut buf = Vec::new();
        for reference in iter.flatten() {
            let full = reference.name().as_bstr().to_str_lossy().into_owned();
            let Some(name) = full.strip_prefix("refs/tags/") else {
                continue;
            };
            let Some(mut current) = reference.target().try_id().map(|id| id.to_owned()) else {
                continue;
            };
            let mut annotated = false;
            for _ in 0..MAX_TAG_DEPTH {
                if current == commit {
                    out.push(TagHere {
                        name: name.to_owned(),
                        annotated,
                    });
                    break;
                }
                match self.repo.objects.try_find(&current, &mut buf) {
                    Ok(Some(data)) if data.kind == gix::object::Kind::Tag => {
                        match gix::objs::TagRef::from_bytes(data.data, self.object_hash())
                            .ok()
                            .and_then(|t| ObjectId::from_hex(t.target).ok())
                        {
                            Some(next) => {
                                annotated = true;
                                current = next;
                            }
                            None => break,
                        }
                    }
                    _ => break,
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// `%d`/`%D` decorations of `commit`, in the order git prints them: `HEAD` (as
    /// `HEAD -> branch` when it is a symbolic ref to a branch pointing here), then every other
    /// ref in reverse name order. Broken refs are skipped, as git skips them.
    fn decorations(&self, commit: ObjectId) -> Vec<String> {
        #[derive(PartialEq)]
        enum DecoKind {
            Local,
            Remote,
            Tag,
            Head,
            Other,
        }
        let mut found: Vec<(DecoKind, String)> = Vec::new();
        let mut buf = Vec::new();
        let mut consider = |refname: &str, id: ObjectId, found: &mut Vec<(DecoKind, String)>| {
            let (kind, short) = if let Some(s) = refname.strip_prefix("refs/heads/") {
                (DecoKind::Local, s)
            } else if let Some(s) = refname.strip_prefix("refs/remotes/") {
                (DecoKind::Remote, s)
            } else if let Some(s) = refname.strip_prefix("refs/tags/") {
                (DecoKind::Tag, s)
            } else if refname == "HEAD" {
                (DecoKind::Head, refname)
            } else {
                (DecoKind::Other, refname)
            };
            if id == commit {
                found.push((kind, short.to_owned()));
            }
            // git decorates every object a tag chain passes through as a tag.
            let mut current = id;
            for _ in 0..MAX_TAG_DEPTH {
                match self.repo.objects.try_find(&current, &mut buf) {
                    Ok(Some(data)) if data.kind == gix::object::Kind::Tag => {
                        match gix::objs::TagRef::from_bytes(data.data, self.object_hash())
                            .ok()
                            .and_then(|t| ObjectId::from_hex(t.target).ok())
                        {
                            Some(next) => {
                                current = next;
                                if current == commit {
                                    found.push((DecoKind::Tag, short.to_owned()));
                                }
                            }
                            None => break,
                        }
                    }
                    _ => break,
                }
            }
        };

        let mut refs: Vec<(String, ObjectId)> = Vec::new();
        if let Ok(platform) = self.repo.references() {
            if let Ok(iter) = platform.all() {
                for reference in iter.flatten() {
                    let name = reference.name().as_bstr().to_str_lossy().into_owned();
                    if name.starts_with("refs/replace/") {
                        continue;
                    }
                    let mut reference = reference;
                    if let Ok(id) = reference.follow_to_object() {
                        refs.push((name, id.detach()));
                    }
                }
            }
        }
        refs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for (name, id) in &refs {
            consider(name, *id, &mut found);
        }
        let mut head_branch = None;
        if let Ok(head) = self.repo.head() {
            head_branch = head
                .referent_name()
                .map(|n| n.as_bstr().to_str_lossy().into_owned());
            if let Some(id) = head.id() {
                consider("HEAD", id.detach(), &mut found);
            }
        }
        found.reverse();

        let current = if found.iter().any(|(k, _)| *k == DecoKind::Head) {
            head_branch
                .as_deref()
                .and_then(|b| b.strip_prefix("refs/heads/"))
                .and_then(|b| {
                    found
                        .iter()
                        .position(|(k, n)| *k == DecoKind::Local && n == b)
                })
        } else {
            None
        };
        let mut out = Vec::new();
        for (i, (kind, name)) in found.iter().enumerate() {
            if Some(i) == current {
                continue;
            }
            let mut s = String::new();
            if *kind == DecoKind::Tag {
                s.push_str("tag: ");
            }
            s.push_str(name);
            if let (Some(c), DecoKind::Head) = (current, kind) {
                s.push_str(" -> ");
                s.push_str(&found[c].1);
            }
            out.push(s);
        }
        out
    }

    /// Computes `%h`, `%t` and `%p` as `git archive` in this repository would: at least
    /// `core.abbrev` hex digits (default: scaled with the number of packed objects, minimum 7,
    /// like git's auto mode), extended until unique among the repository's objects.
    ///
    /// The tarball may have been made in a clone with more or fewer objects, so a mismatch in
    /// an abbreviated id alone is weaker evidence than any other difference.
    pub fn abbreviations(&self, commit: &CommitInfo) -> Abbreviations {
        let short = |id: ObjectId| {
            gix::prelude::ObjectIdExt::attach(id, &self.repo)
                .shorten_or_id()
                .to_string()
        };
        Abbreviations {
            commit: short(commit.id),
            tree: short(commit.tree),
            parents: commit.parents.iter().map(|p| short(*p)).collect(),
        }
    }

    /// Lists every non-tree entry under `tree` (below `subdir` when given), sorted by path.
    /// Directories are implied by the paths.
    pub fn list_tree(
        &self,
        tree: ObjectId,
        subdir: Option<&str>,
    ) -> Result<Vec<TreeEntry>, GitError> {
        let start = self.subdir_tree(tree, subdir)?;
        let mut out = Vec::new();
        self.walk(start, "", &mut |_| true, &mut |path, kind, oid| {
            out.push(TreeEntry { path, kind, oid });
        })?;
        if !out.is_sorted_by(|a, b| a.path.as_bytes() <= b.path.as_bytes()) {
            out.sort_unstable_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        }
        if let Some(pair) = out.windows(2).find(|w| w[0].path == w[1].path) {
            return Err(GitError::BadTreeEntry {
                tree: start.to_string(),
                path: pair[0].path.clone(),
                detail: "the path occurs twice".into(),
            });
        }
        // The listing lives through the whole archive read, beside the decompressor: without
        // the doubling slack 80,000 entries are 5.1 MB instead of 8.4 MB.
        out.shrink_to_fit();
        Ok(out)
    }

    /// The export attributes of `tree`, from every `.gitattributes` in it (paths relative to the
    /// same root as [`Repo::list_tree`] with the same `subdir`).
    ///
    /// With a `subdir`, `.gitattributes` files of the directories above it still apply (and
    /// macros are only honoured in the tree's root file): this is what `git archive TAG subdir/`
    /// and `git archive` run inside that sub-directory do. `git archive TAG:subdir` instead
    /// treats the sub-tree as a root and ignores the files above it; a project that builds its
    /// tarball that way and relies on a parent `.gitattributes` would see those files reported.
    pub fn export_attributes(
        &self,
        tree: ObjectId,
        subdir: Option<&str>,
    ) -> Result<ExportAttributes, GitError> {
        let sub = normalize_subdir(subdir);
        // Fail the same way list_tree does for a missing sub-directory.
        self.subdir_tree(tree, subdir)?;
        let sub_slash = sub.as_ref().map(|s| format!("{s}/"));
        let mut files: Vec<AttributeFile> = Vec::new();
        let mut gitlinks: Vec<String> = Vec::new();
        let mut wanted: Vec<(String, ObjectId)> = Vec::new();
        let descend = |dir: &str| match &sub_slash {
            None => true,
            Some(s) => s.starts_with(dir) || dir.starts_with(s.as_str()),
        };
        let mut dirs: Vec<String> = Vec::new();
        let mut descend_and_note = |dir: &str| {
            let yes = descend(dir);
            if yes {
                dirs.push(dir.to_owned());
            }
            yes
        };
        self.walk(tree, "", &mut descend_and_note, &mut |path, kind, oid| {
            let in_scope = match &sub_slash {
                None => true,
                Some(s) => path.starts_with(s.as_str()),
            };
            match kind {
                // git archive reads `.gitattributes` from the index by path, whatever the
                // mode: a symlink's blob (its target text) is read as attribute lines.
                TreeEntryKind::File | TreeEntryKind::Executable | TreeEntryKind::Symlink => {
                    let (dir, base) = match path.rfind('/') {
                        Some(p) => (&path[..=p], &path[p + 1..]),
                        None => ("", path.as_str()),
                    };
                    if base == ".gitattributes" && descend(dir) {
                        wanted.push((dir.to_owned(), oid));
                    }
                }
                TreeEntryKind::Gitlink if in_scope => gitlinks.push(path),
                _ => {}
            }
        })?;
        let mut buf = Vec::new();
        for (dir, oid) in wanted {
            let (_, data) = self.read_object(&oid, &mut buf)?;
            files.push(AttributeFile {
                dir,
                content: data.to_vec(),
            });
        }
        Ok(ExportAttributes::new(files, sub_slash, gitlinks).with_dirs(dirs))
    }

    /// Reads a blob's bytes.
    pub fn read_blob(&self, id: ObjectId) -> Result<Vec<u8>, GitError> {
        let mut buf = Vec::new();
        let (kind, _) = self.read_object(&id, &mut buf)?;
        if kind != gix::object::Kind::Blob {
            return Err(GitError::Object {
                id: id.to_string(),
                detail: format!("expected a blob, found a {kind}"),
            });
        }
        Ok(buf)
    }

    /// Reads any object into `buf`, returning its kind and bytes.
    fn read_object<'b>(
        &self,
        id: &ObjectId,
        buf: &'b mut Vec<u8>,
    ) -> Result<(gix::object::Kind, &'b [u8]), GitError> {
        self.read_object_from(&self.repo, id, buf)
    }

    /// [`Repo::read_object`] through `objects` (this repository's own handle, or a
    /// [`Repo::detached_objects`] one), recorded the same way.
    fn read_object_from<'b>(
        &self,
        objects: &gix::Repository,
        id: &ObjectId,
        buf: &'b mut Vec<u8>,
    ) -> Result<(gix::object::Kind, &'b [u8]), GitError> {
        match objects.objects.try_find(id, buf) {
            Ok(Some(data)) => {
                if let Some(log) = &self.reads {
                    let mut log = log
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if log.seen.insert(*id) {
                        log.order.push(*id);
                    }
                }
                Ok((data.kind, data.data))
            }
            Ok(None) => Err(GitError::Object {
                id: id.to_string(),
                detail: "not in the object database".into(),
            }),
            Err(e) => Err(GitError::Object {
                id: id.to_string(),
                detail: format!("cannot be read: {e}"),
            }),
        }
    }

    /// The raw bytes of commit `id` (an error if it is not a commit).
    pub(crate) fn read_raw_commit(&self, id: ObjectId) -> Result<Vec<u8>, GitError> {
        let mut buf = Vec::new();
        let kind = self.read_object(&id, &mut buf)?.0;
        if kind != gix::object::Kind::Commit {
            return Err(GitError::Object {
                id: id.to_string(),
                detail: format!("expected a commit, found a {kind}"),
            });
        }
        Ok(buf)
    }

    /// Every `refs/tags/*` reference with the object it names (unpeeled); broken refs skipped.
    pub(crate) fn tag_refs(&self) -> Vec<(String, ObjectId)> {
        let mut out = Vec::new();
        let Ok(platform) = self.repo.references() else {
            return out;
        };
        let Ok(iter) = platform.tags() else {
            return out;
        };
        for reference in iter.flatten() {
            let full = reference.name().as_bstr().to_str_lossy().into_owned();
            let (Some(name), Some(id)) = (
                full.strip_prefix("refs/tags/"),
                reference.target().try_id().map(|id| id.to_owned()),
            ) else {
                continue;
            };
            out.push((name.to_owned(), id));
        }
        out
    }

    /// The commit at the end of a chain of tag objects starting at `id`, if there is one.
    pub(crate) fn peel_to_commit(&self, mut id: ObjectId) -> Option<ObjectId> {
        let mut buf = Vec::new();
        for _ in 0..MAX_TAG_DEPTH {
            let data = self.repo.objects.try_find(&id, &mut buf).ok()??;
            match data.kind {
                gix::object::Kind::Commit => return Some(id),
                gix::object::Kind::Tag => {
                    id = gix::objs::TagRef::from_bytes(data.data, self.object_hash())
                        .ok()
                        .and_then(|t| ObjectId::from_hex(t.target).ok())?;
                }
                _ => return None,
            }
        }
        None
    }

    /// The tree at `subdir` below `tree` (or `tree` itself).
    fn subdir_tree(&self, tree: ObjectId, subdir: Option<&str>) -> Result<ObjectId, GitError> {
        let mut buf = Vec::new();
        let (kind, _) = self.read_object(&tree, &mut buf)?;
        if kind != gix::object::Kind::Tree {
            return Err(GitError::Object {
                id: tree.to_string(),
                detail: format!("expected a tree, found a {kind}"),
            });
        }
        let Some(sub) = normalize_subdir(subdir) else {
            return Ok(tree);
        };
        let not_found = || GitError::SubdirNotFound {
            path: subdir.unwrap_or_default().to_owned(),
            tree: tree.to_string(),
        };
        let mut current = tree;
        for component in sub.split('/') {
            let (_, data) = self.read_object(&current, &mut buf)?;
            let mut next = None;
            for entry in gix::objs::TreeRefIter::from_bytes(data, self.object_hash()) {
                let entry = entry.map_err(|e| GitError::Object {
                    id: current.to_string(),
                    detail: format!("tree does not parse: {e}"),
                })?;
                if entry.filename.as_bytes() == component.as_bytes() {
                    if entry.mode.is_tree() {
                        next = Some(entry.oid.to_owned());
                    }
                    break;
                }
            }
            current = next.ok_or_else(not_found)?;
        }
        Ok(current)
    }

    /// Depth-first walk over `root` in git's tree order, calling `visit` for every non-tree
    /// entry with its path (relative to `root`, prefixed by `prefix`). Because git orders a
    /// directory as `name/`, this order is also the byte order of the full paths, so the
    /// listing needs no sort. Sub-trees are entered when `descend` returns true for their
    /// path (with a trailing `/`). Entry names and order are validated as git's fsck would: a
    /// hostile tree must not produce `..`, absolute or duplicate paths.
    /// A handle on the same repository with an object store of its own and no object cache,
    /// for reading every tree of a listing: the pack and index pages a walk touches (4.4 MB
    /// at 80,000 paths) and the cache it fills are released when the handle is dropped,
    /// instead of staying resident beside the decompressor through the archive read. Falls
    /// back to this repository's handle if the directory cannot be opened again.
    fn detached_objects(&self) -> gix::Repository {
        match gix::open_opts(self.repo.git_dir(), gix::open::Options::isolated()) {
            Ok(mut r) => {
                r.object_cache_size(0);
                r
            }
            Err(_) => self.repo.clone(),
        }
    }

    fn walk(
        &self,
        root: ObjectId,
        prefix: &str,
        descend: &mut dyn FnMut(&str) -> bool,
        visit: &mut dyn FnMut(String, TreeEntryKind, ObjectId),
    ) -> Result<(), GitError> {
        /// One tree being read: its bytes, where we are in them, and the names seen so far.
        struct Frame {
            id: ObjectId,
            dir: String,
            data: Vec<u8>,
            pos: usize,
            /// (start, end, is_tree) of the names already read, for order and duplicate checks.
            names: Vec<(usize, usize, bool)>,
        }
        let hash = self.object_hash();
        let hash_len = hash.len_in_bytes();
        let objects = self.detached_objects();
        let mut scratch = Vec::new();
        let mut pool: Vec<Frame> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut count = 0usize;

        let mut load =
            |id: ObjectId, dir: String, pool: &mut Vec<Frame>| -> Result<Frame, GitError> {
                let (kind, data) = self.read_object_from(&objects, &id, &mut scratch)?;
                if kind != gix::object::Kind::Tree {
                    return Err(GitError::Object {
                        id: id.to_string(),
                        detail: format!("the entry {dir:?} says tree, but the object is a {kind}"),
                    });
                }
                let mut frame = pool.pop().unwrap_or(Frame {
                    id,
                    dir: String::new(),
                    data: Vec::new(),
                    pos: 0,
                    names: Vec::new(),
                });
                frame.id = id;
                frame.dir = dir;
                frame.data.clear();
                frame.data.extend_from_slice(data);
                frame.pos = 0;
                frame.names.clear();
                Ok(frame)
            };
        stack.push(load(root, prefix.to_owned(), &mut pool)?);

        while let Some(frame) = stack.last_mut() {
            if frame.pos >= frame.data.len() {
                if let Some(done) = stack.pop() {
                    pool.push(done);
                }
                continue;
            }
            let corrupt = |detail: &str| GitError::Object {
                id: frame.id.to_string(),
                detail: format!("tree does not parse: {detail}"),
            };
            // `<octal mode> <name>\0<binary id>`
            let rest = &frame.data[frame.pos..];
            let space = rest
                .iter()
                .position(|&b| b == b' ')
                .ok_or_else(|| corrupt("no space after a mode"))?;
            let mode_bytes = &rest[..space];
            if mode_bytes.is_empty()
                || mode_bytes.len() > 6
                || !mode_bytes.iter().all(|b| (b'0'..=b'7').contains(b))
            {
                return Err(corrupt("a mode is not octal"));
            }
            let mode = mode_bytes
                .iter()
                .fold(0u32, |m, b| (m << 3) | u32::from(b - b'0'));
            let nul = rest[space + 1..]
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| corrupt("a name is not terminated"))?;
            let name_start = frame.pos + space + 1;
            let name_end = name_start + nul;
            let id_end = name_end + 1 + hash_len;
            if id_end > frame.data.len() {
                return Err(corrupt("an entry's object id is truncated"));
            }
            let oid = ObjectId::try_from(&frame.data[name_end + 1..id_end])
                .map_err(|_| corrupt("bad object id"))?;
            frame.pos = id_end;

            let name = checked_name(
                frame.data[name_start..name_end].as_bstr(),
                &frame.id,
                &frame.dir,
            )?;
            let is_tree = mode & 0o170000 == 0o040000;
            let bad_entry = |detail: &str| GitError::BadTreeEntry {
                tree: frame.id.to_string(),
                path: format!("{}{name}", frame.dir),
                detail: detail.to_owned(),
            };
            // git writes entries in a strict order (directories compare as `name/`) and each
            // name once; `git fsck` rejects anything else, and git's own lookups and
            // `git archive` behave unpredictably on such trees.
            if let Some(&(ps, pe, pt)) = frame.names.last() {
                match git_tree_order(&frame.data[ps..pe], pt, name.as_bytes(), is_tree) {
                    std::cmp::Ordering::Less => {}
                    std::cmp::Ordering::Equal => {
                        return Err(bad_entry("the name occurs twice in the same tree"))
                    }
                    std::cmp::Ordering::Greater => {
                        return Err(bad_entry("the tree's entries are not in git's order"))
                    }
                }
            }
            if is_tree {
                // A file of the same name sorts before `name/`, with only names that extend
                // `name` by a byte below `/` in between.
                for &(ps, pe, _) in frame.names.iter().rev() {
                    let prev = &frame.data[ps..pe];
                    if !prev.starts_with(name.as_bytes()) {
                        break;
                    }
                    if prev == name.as_bytes() {
                        return Err(bad_entry("a file and a directory share the name"));
                    }
                }
            }
            frame.names.push((name_start, name_end, is_tree));

            count += 1;
            if count > MAX_ENTRIES {
                return Err(GitError::Object {
                    id: root.to_string(),
                    detail: format!(
                        "the tree expands to more than {MAX_ENTRIES} entries (a tree bomb?)"
                    ),
                });
            }
            let mut path = String::with_capacity(frame.dir.len() + name.len() + 1);
            path.push_str(&frame.dir);
            path.push_str(name);
            let kind = match mode & 0o170000 {
                0o040000 => {
                    path.push('/');
                    if descend(&path) {
                        let child = load(oid, path, &mut pool)?;
                        stack.push(child);
                    }
                    continue;
                }
                0o100000 if mode & 0o100 != 0 => TreeEntryKind::Executable,
                0o100000 => TreeEntryKind::File,
                0o120000 => TreeEntryKind::Symlink,
                0o160000 => TreeEntryKind::Gitlink,
                _ => return Err(bad_entry(&format!("unsupported mode {mode:o}"))),
            };
            visit(path, kind, oid);
        }
        Ok(())
    }
}

/// git's `base_name_compare`: names compare bytewise, a tree as if followed by `/`.
fn git_tree_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        std::cmp::Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], tree: bool| match name.get(common) {
        Some(&c) => c,
        None if tree => b'/',
        None => 0,
    };
    next(a, a_tree).cmp(&next(b, b_tree))
}

/// Validates one tree entry name, returning it as UTF-8.
fn checked_name<'a>(name: &'a BStr, tree: &ObjectId, dir: &str) -> Result<&'a str, GitError> {
    let bad = |detail: &str| GitError::BadTreeEntry {
        tree: tree.to_string(),
        path: format!("{dir}{}", name.to_str_lossy()),
        detail: detail.to_owned(),
    };
    let s = std::str::from_utf8(name.as_bytes()).map_err(|_| bad("the name is not valid UTF-8"))?;
    if s.is_empty() || s == "." || s == ".." {
        return Err(bad("the name is empty, `.` or `..`"));
    }
    if s.contains('/') || s.contains('\0') {
        return Err(bad("the name contains `/` or NUL"));
    }
    Ok(s)
}

/// `subdir` without leading/trailing slashes and `.` components; `None` for the root.
fn normalize_subdir(subdir: Option<&str>) -> Option<String> {
    let sub = subdir?;
    let parts: Vec<&str> = sub
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

fn parse_hex(hex: &BStr, hash: HashKind, referrer: &ObjectId) -> Result<ObjectId, GitError> {
    match ObjectId::from_hex(hex) {
        Ok(id) if id.kind() == hash => Ok(id),
        _ => Err(GitError::Object {
            id: referrer.to_string(),
            detail: format!(
                "refers to {:?}, which is not a {hash} object id",
                hex.to_str_lossy()
            ),
        }),
    }
}

fn person(sig: gix::actor::SignatureRef<'_>, object: &ObjectId) -> Result<Person, GitError> {
    let time = sig.time().map_err(|e| GitError::Object {
        id: object.to_string(),
        detail: format!(
            "the date of {:?} does not parse: {e}",
            sig.name.to_str_lossy()
        ),
    })?;
    Ok(Person {
        name: sig.name.to_str_lossy().into_owned(),
        email: sig.email.to_str_lossy().into_owned(),
        time: time.seconds,
        offset: time.offset,
    })
}

/// Splits a signed object the way git's `parse_signed_buffer` does: the signature starts at
/// the *last* line that begins with a known signature armour, and runs to the end.
pub(crate) fn split_signature(raw: &[u8]) -> (&[u8], Option<&[u8]>) {
    const MARKERS: [&[u8]; 4] = [
        b"-----BEGIN PGP SIGNATURE-----",
        b"-----BEGIN PGP MESSAGE-----",
        b"-----BEGIN SIGNED MESSAGE-----",
        b"-----BEGIN SSH SIGNATURE-----",
    ];
    let mut start = None;
    let mut pos = 0;
    while pos < raw.len() {
        let line = &raw[pos..];
        if MARKERS.iter().any(|m| line.starts_with(m)) {
            start = Some(pos);
        }
        pos += match line.iter().position(|&b| b == b'\n') {
            Some(eol) => eol + 1,
            None => line.len(),
        };
    }
    match start {
        Some(s) => (&raw[..s], Some(&raw[s..])),
        None => (raw, None),
    }
}

/// The message part of a (signature-stripped) tag object: everything after the header's
/// blank line.
fn tag_message(payload: &[u8]) -> String {
    let msg = match payload.find(b"\n\n") {
        Some(p) => &payload[p + 2..],
        None => &[][..],
    };
    String::from_utf8_lossy(msg).into_owned()
}

/// The raw message of a commit object: everything after the header's blank line.
fn raw_commit_message(raw: &[u8]) -> &[u8] {
    match raw.find(b"\n\n") {
        Some(p) => &raw[p + 2..],
        None => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_uses_last_armour_line() {
        let raw = b"object x\ntag v\n\nmsg\n-----BEGIN PGP SIGNATURE-----\nq\n-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----\n";
        let (payload, sig) = split_signature(raw);
        assert!(payload.ends_with(b"-----BEGIN PGP SIGNATURE-----\nq\n"));
        assert_eq!(
            sig.unwrap(),
            b"-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----\n"
        );
        let raw = b"object x\n\nno signature -----BEGIN PGP SIGNATURE-----\n";
        let (payload, sig) = split_signature(raw);
        assert!(sig.is_none());
        assert_eq!(payload, raw);
    }

    #[test]
    fn subdir_normalisation() {
        assert_eq!(normalize_subdir(Some("/a//b/./")), Some("a/b".to_owned()));
        assert_eq!(normalize_subdir(Some("./")), None);
        assert_eq!(normalize_subdir(None), None);
    }
}
