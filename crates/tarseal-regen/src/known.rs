//! Known auxiliary scripts: SHA-256 → (basename, releases) of every config.guess, config.sub,
//! install-sh, ltmain.sh, ... that automake, autoconf, libtool, gettext and gnulib ship in
//! Debian's suites (`data/known-aux.tsv`, built by `scripts/gen-known-aux.sh`).
//!
//! Compiled in: trusted data must not come from the repository or the archive being checked.
//! A release's aux script byte-identical to a known copy (under the same name) is vouched
//! `known-file` and given to regeneration as an input, the way known m4 files are.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

type Table = HashMap<[u8; 32], Vec<(&'static str, &'static str)>>;

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut map: Table = HashMap::new();
        for line in include_str!("../../../data/known-aux.tsv").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut cols = line.splitn(3, '\t');
            let (Some(h), Some(name)) = (cols.next(), cols.next()) else {
                continue;
            };
            if let Some(d) = hex::decode(h)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
            {
                map.entry(d)
                    .or_default()
                    .push((name, cols.next().unwrap_or("")));
            }
        }
        map
    })
}

/// The releases that ship exactly these bytes under the basename of `path`, if any.
pub fn known_aux(path: &str, bytes: &[u8]) -> Option<&'static str> {
    let base = path.rsplit('/').next().unwrap_or(path);
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    table()
        .get(&digest)?
        .iter()
        .find(|(n, _)| *n == base)
        .map(|(_, src)| *src)
}

/// Distinct known copies (for reports and tests).
pub fn known_aux_count() -> usize {
    table().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_toolchain_copies_are_known_and_edits_are_not() {
        assert!(known_aux_count() > 100, "{}", known_aux_count());
        let Ok(guess) = std::fs::read("/usr/share/automake-1.16/config.guess") else {
            eprintln!("NOTICE: no automake installed; skipped");
            return;
        };
        assert!(known_aux("build-aux/config.guess", &guess).is_some());
        // Same bytes, other name: not the same script as far as a build is concerned.
        assert!(known_aux("build-aux/config.sub", &guess).is_none());
        let mut edited = guess.clone();
        edited.extend_from_slice(b"\neval \"$x\"\n");
        assert!(known_aux("config.guess", &edited).is_none());
    }
}
