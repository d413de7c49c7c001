//! Opening a repository, resolving the target and listing its tree.

use crate::{ExportAttributes, GitError, HashKind, ObjectId};
use std::path::Path;

/// What to compare against.
#[derive(Debug, Clone)]
pub enum Target {
    /// An annotated tag by short name (`v1.2.3`, looked up as `refs/tags/v1.2.3`).
    Tag { name: String, allow_lightweight: bool },
    /// Any revision that peels to a commit (`--commit REV`).
    Commit { rev: String },
}

/// A person line of a tag or commit (`Name <email> seconds +hhmm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch.
    pub time: i64,
    /// Offset from UTC in seconds (east positive).
    pub offset: i32,
}

/// The annotated tag object, when the target was one.
#[derive(Debug, Clone)]
pub struct TagInfo {
    /// The tag object's id.
    pub id: ObjectId,
    /// The tag object's own `tag` header.
    pub name: String,
    pub tagger: Option<Person>,
    pub message: String,
    /// The signature block appended to the message (OpenPGP or SSH armour), if any.
    pub signature: Option<Vec<u8>>,
    /// The bytes the signature covers (the tag object without the signature block).
    pub signed_payload: Vec<u8>,
    /// False when a lightweight tag was accepted with `allow_lightweight` (then `id` is the
    /// commit id and there is no name binding).
    pub annotated: bool,
}

/// The commit the target peels to, with what `export-subst` needs.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: ObjectId,
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    pub author: Person,
    pub committer: Person,
    /// The first line of the message.
    pub subject: String,
    /// Full message.
    pub message: String,
    /// Ref names pointing at this commit, as `git log --decorate=short` spells them
    /// (`HEAD -> main`, `tag: v1.0`, ...), for `%d`/`%D`.
    pub decorations: Vec<String>,
}

/// A resolved target.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub tag: Option<TagInfo>,
    pub commit: CommitInfo,
    pub object_hash: HashKind,
}

/// The kind of a tree entry, from its git mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TreeEntryKind {
    /// 100644
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
    pub kind: TreeEntryKind,
    pub oid: ObjectId,
}

/// An opened repository (bare or not). Only the object database and refs are used.
pub struct Repo {
    // implementation detail
}

impl Repo {
    /// Opens the repository at `dir` (a work tree with `.git`, or a bare repository).
    pub fn open(dir: &Path) -> Result<Repo, GitError> {
        let _ = dir;
        todo!()
    }

    /// Resolves the target, binding a tag to its own name.
    pub fn resolve(&self, target: &Target) -> Result<Resolved, GitError> {
        let _ = target;
        todo!()
    }

    /// Lists every non-tree entry under `tree` (below `subdir` when given), sorted by path.
    /// Directories are implied by the paths.
    pub fn list_tree(&self, tree: ObjectId, subdir: Option<&str>) -> Result<Vec<TreeEntry>, GitError> {
        let _ = (tree, subdir);
        todo!()
    }

    /// The export attributes of `tree`, from every `.gitattributes` in it (paths relative to the
    /// same root as [`Repo::list_tree`] with the same `subdir`).
    pub fn export_attributes(&self, tree: ObjectId, subdir: Option<&str>) -> Result<ExportAttributes, GitError> {
        let _ = (tree, subdir);
        todo!()
    }

    /// Reads a blob's bytes.
    pub fn read_blob(&self, id: ObjectId) -> Result<Vec<u8>, GitError> {
        let _ = id;
        todo!()
    }
}
