//! Errors of the git side.

/// Why the trusted side could not be read. Each variant names the ref, object or path at fault.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot open a git repository at {path}: {detail}")]
    Open { path: String, detail: String },
    #[error("no tag named {name} in the repository (list them with `git tag`)")]
    TagNotFound { name: String },
    #[error("refs/tags/{name} is a lightweight tag (it points at a {kind}, not a tag object): it carries no name binding or signature; pass --allow-lightweight to accept it")]
    Lightweight { name: String, kind: String },
    #[error("refs/tags/{requested} points at tag object {object} whose own name is {actual}: a tag re-published under another name is refused")]
    NameMismatch { requested: String, actual: String, object: String },
    #[error("cannot resolve {rev} to a commit: {detail}")]
    BadRevision { rev: String, detail: String },
    #[error("--subdir {path} is not a directory in tree {tree}")]
    SubdirNotFound { path: String, tree: String },
    #[error("corrupt or missing git object {id}: {detail}")]
    Object { id: String, detail: String },
}
