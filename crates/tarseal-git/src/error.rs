//! Errors of the git side.
//!
//! Every variant names the ref, object or path at fault and, where there is one, the way out:
//! the person reading the message is usually a release manager looking at a failed CI job,
//! and "something is wrong with git" helps nobody.

/// Why the trusted side could not be read. Each variant names the ref, object or path at fault.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The directory is not a git repository (or one gix cannot read); nothing can be checked.
    #[error("cannot open a git repository at {path}: {detail}")]
    Open {
        /// The directory that was given.
        path: String,
        /// What gix reported.
        detail: String,
    },
    /// `refs/tags/<name>` does not exist; branches of the same name are deliberately not
    /// consulted, so a branch cannot stand in for a release tag.
    #[error("no tag named {name} in the repository (looked up refs/tags/{name} only; list tags with `git tag`, or fetch them with `git fetch --tags`)")]
    TagNotFound {
        /// The short tag name asked for.
        name: String,
    },
    /// The tag ref points directly at a commit (or other object), so there is no tag object
    /// binding the name and carrying a signature.
    #[error("refs/tags/{name} is a lightweight tag (it points at a {kind}, not a tag object): it carries no name binding or signature; pass --allow-lightweight to accept it")]
    Lightweight {
        /// The short tag name asked for.
        name: String,
        /// The kind of object the ref points at (`commit`, `tree`, `blob`).
        kind: String,
    },
    /// The annotated tag found under `refs/tags/<requested>` was made under another name: a
    /// signed tag for one release re-published under another release's name.
    #[error("refs/tags/{requested} points at tag object {object} whose own name is {actual}: a tag re-published under another name is refused (check out the real {requested} tag, or ask for {actual})")]
    NameMismatch {
        /// The short tag name asked for.
        requested: String,
        /// The `tag` header inside the tag object.
        actual: String,
        /// The tag object's id.
        object: String,
    },
    /// The tag (after peeling nested tags) points at a tree or blob, which has no commit,
    /// author or history to compare a release against.
    #[error("tag {name} points (through tag object {object}) at a {kind}, not a commit: only tags of commits can be checked; use --commit with the release commit instead")]
    TagNotCommit {
        /// The short tag name asked for.
        name: String,
        /// The id of the non-commit object at the end of the chain.
        object: String,
        /// Its kind (`tree`, `blob`).
        kind: String,
    },
    /// A `--commit` revision that does not exist or does not peel to a commit.
    #[error("cannot resolve {rev} to a commit: {detail}")]
    BadRevision {
        /// The revision as given.
        rev: String,
        /// What went wrong.
        detail: String,
    },
    /// `--subdir` names nothing, or something that is not a directory, in the target's tree.
    #[error("--subdir {path} is not a directory in tree {tree} (list the tree with `git ls-tree {tree}`)")]
    SubdirNotFound {
        /// The sub-directory as given.
        path: String,
        /// The tree it was looked up in.
        tree: String,
    },
    /// A tree entry that cannot be compared faithfully: a name git itself would reject
    /// (`..`, `/`, NUL, empty), a duplicate, a non-UTF-8 name (which could collide with
    /// another name after lossy conversion), or an unknown mode.
    #[error("tree {tree} has an entry {path:?} that cannot be checked: {detail} (`git fsck` reports such trees)")]
    BadTreeEntry {
        /// The tree object holding the entry.
        tree: String,
        /// The entry's path (lossily converted when not UTF-8).
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// An object is missing, of the wrong kind, or does not parse: the repository is incomplete
    /// (shallow clone, partial clone) or corrupt or hostile.
    #[error("corrupt or missing git object {id}: {detail} (run `git fsck`; a shallow or partial clone may lack objects)")]
    Object {
        /// The object id.
        id: String,
        /// What went wrong.
        detail: String,
    },
}
