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
//!
//! # Choices, checked against git 2.47
//!
//! * **Opening**: `gix::open::Options::isolated()` — no system/global config, no environment,
//!   no includes; the repository's own `config` is still read (that is where
//!   `extensions.objectFormat = sha256` lives), and repositories owned by another user open.
//! * **Tag binding**: only `refs/tags/<name>`; the tag object's own `tag` header must equal
//!   `<name>`; nested tags are peeled with a check that each object is of the type its
//!   referrer declares. The signature split is git's `parse_signed_buffer`: from the *last*
//!   line starting with a known armour to the end; the payload is everything before it
//!   (verified with `gpg --verify` and `ssh-keygen -Y verify` in the tests).
//! * **Trees**: entries are parsed directly and walked in git's order, which is also the byte
//!   order of full paths, so the listing needs no sort. Names git's fsck rejects (`..`, `/`,
//!   NUL, empty, duplicates, unsorted, a file and a directory of one name) and non-UTF-8 names
//!   are errors, never silently converted.
//! * **Attributes**: `git archive` checks each directory as `dir/` before descending, so a
//!   `dir/ export-ignore` pattern *does* drop the whole directory (although in
//!   gitattributes `dir/` never matches the files below it), and a gitlink matches like a
//!   directory. See [`attributes`] and [`Repo::export_attributes`] for `--subdir`.
//! * **`export-subst`**: see [`subst`]. Abbreviated ids follow git's automatic length (at
//!   least 7, growing with the number of *packed* objects: 8 digits from 2^14 packed objects,
//!   9 from 2^16, ...) only through [`Repo::abbreviations`]; the tarball may have been built
//!   in a clone with another object count, so a difference confined to an abbreviated id or
//!   to `%d`/`%D` (which list the refs of the building clone) is weak evidence, and
//!   [`subst::Expansion::repo_dependent`] says when a file has such placeholders.
//!
//! # Speed
//!
//! Listing an 80,000-file tree (2,000 directories, one pack) takes 5-9 ms warm and 30-85 ms
//! on first access on a busy 2-core machine, where `git ls-tree -r` takes 50-60 ms;
//! `examples/list_tree.rs` measures it on any repository.

#![warn(missing_docs)]

pub mod attributes;
pub mod commit;
pub mod error;
pub mod history;
pub mod proof;
pub mod repo;
pub mod subst;

pub use attributes::ExportAttributes;
pub use commit::{Abbreviations, CommitInfo, Person, TagHere};
pub use error::GitError;
pub use history::{LogCommit, Mailmap};
pub use proof::{Proof, ProofError, ProofRepo};
pub use repo::{Repo, Resolved, TagInfo, Target, TreeEntry, TreeEntryKind};
pub use subst::Expansion;

/// The object format of a repository (SHA-1 or SHA-256); blob ids must be computed with it.
pub use gix::hash::Kind as HashKind;
/// A git object id of either format.
pub use gix::ObjectId;

/// The check crate may hash archive entries on several threads and ask the attributes from
/// each; this fails to compile if a gix feature change makes them thread-bound again (without
/// gix's `parallel` feature its shared strings are `Rc`).
#[cfg(test)]
mod thread_safety {
    fn send_sync<T: Send + Sync>() {}
    #[test]
    fn results_cross_threads() {
        send_sync::<crate::ExportAttributes>();
        send_sync::<crate::Resolved>();
        send_sync::<crate::TreeEntry>();
    }
}
