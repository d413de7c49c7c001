//! Git reading: what a tag (or commit) holds, read through gix from a local repository.
//!
//! This crate owns the trusted side of the comparison. It resolves a tag name to an annotated
//! tag object and insists that the tag object's own `tag` header equals the name asked for (a
//! signed tag re-published under another name is refused), peels it to a commit and tree, lists
//! the tree recursively (optionally below a sub-directory), and reads `.gitattributes` *from that
//! tree only* to know which paths `git archive` leaves out (`export-ignore`) or rewrites
//! (`export-subst`, whose placeholders [`subst`] expands the way `git archive` does).
//!
//! Nothing here runs code from the repository, consults the work tree, or reads config that
//! could change what an object means.

#![warn(missing_docs)]

pub mod attributes;
pub mod error;
pub mod repo;
pub mod subst;

pub use attributes::ExportAttributes;
pub use error::GitError;
pub use repo::{
    Abbreviations, CommitInfo, Person, Repo, Resolved, TagInfo, Target, TreeEntry, TreeEntryKind,
};
pub use subst::Expansion;

/// The object format of a repository (SHA-1 or SHA-256); blob ids must be computed with it.
pub use gix::hash::Kind as HashKind;
/// A git object id of either format.
pub use gix::ObjectId;
