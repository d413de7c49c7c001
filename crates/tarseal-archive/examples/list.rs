//! Reads archives with tarseal's reader and prints, per file, either `OK <entries>` (with
//! `-v`: every entry as `kind mode path [-> target] problems`) or the error. Used to run the
//! reader over real releases (docs/formats.md) and to compare listings with other extractors.
//!
//! `cargo run --release -p tarseal-archive --example list -- [-v] FILE...`; exit 1 if any
//! file was refused or failed.

use std::fs::File;
use tarseal_archive::{read_archive, ContentWants, HashKind, Limits, ReadOptions};

fn main() {
    let mut verbose = false;
    let mut failed = false;
    for arg in std::env::args().skip(1) {
        if arg == "-v" {
            verbose = true;
            continue;
        }
        let file = match File::open(&arg) {
            Ok(f) => f,
            Err(e) => {
                println!("{arg}: ERROR {e}");
                failed = true;
                continue;
            }
        };
        let options = ReadOptions {
            // This listing keeps no entry, so the budget for kept entries does not apply.
            limits: Limits {
                max_metadata_bytes: u64::MAX,
                ..Limits::default()
            },
            object_hash: HashKind::Sha1,
            raw_digests: false,
            raw_observer: None,
        };
        let mut lines = Vec::new();
        let mut problems = 0u64;
        let r = read_archive(
            file,
            &options,
            |_, _| ContentWants::default(),
            |e| {
                problems += u64::from(!e.problems.is_empty());
                if verbose {
                    let target = e
                        .link_target
                        .as_deref()
                        .map(|t| format!(" -> {t}"))
                        .unwrap_or_default();
                    lines.push(format!(
                        "{:?} {:04o} {}{target} {:?}",
                        e.kind, e.mode, e.path, e.problems
                    ));
                }
            },
            |_| {},
        );
        match r {
            Ok(s) => {
                println!(
                    "{arg}: OK {} entries, {problems} with problems{}",
                    s.entries,
                    if s.trailing_data {
                        ", TRAILING DATA"
                    } else {
                        ""
                    }
                );
                for l in lines {
                    println!("  {l}");
                }
            }
            Err(e) => {
                println!("{arg}: REFUSED {e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
