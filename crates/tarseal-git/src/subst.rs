//! `export-subst`: expanding `$Format:...$` the way `git archive` does.

use crate::{CommitInfo, HashKind};

/// Expands every `$Format:<fmt>$` in `content` for `commit`, as `git archive` does for files
/// with the `export-subst` attribute.
pub fn expand(content: &[u8], commit: &CommitInfo, hash: HashKind) -> Vec<u8> {
    let _ = (content, commit, hash);
    todo!()
}
