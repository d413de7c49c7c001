//! Times the listing of a tag's tree: `cargo run --release --example list_tree -- REPO TAG`.
//!
//! Kept as an example so the performance claim in the crate docs can be re-measured on any
//! repository without writing code.

use std::time::{Duration, Instant};
use tarseal_git::{Repo, Target};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(tag)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: list_tree REPO TAG");
        std::process::exit(2);
    };
    let run = || -> Result<(), tarseal_git::GitError> {
        let t = Instant::now();
        let repo = Repo::open(std::path::Path::new(dir))?;
        let res = repo.resolve(&Target::Tag {
            name: tag.clone(),
            allow_lightweight: true,
        })?;
        let open = t.elapsed();

        let t = Instant::now();
        let entries = repo.list_tree(res.commit.tree, None)?;
        let cold = t.elapsed();

        // The machine may be busy: the fastest of several warm runs says more.
        let mut warm = Duration::MAX;
        for _ in 0..10 {
            let t = Instant::now();
            let again = repo.list_tree(res.commit.tree, None)?;
            warm = warm.min(t.elapsed());
            drop(again);
        }

        let t = Instant::now();
        let attrs = repo.export_attributes(res.commit.tree, None)?;
        let attributes = t.elapsed();

        let t = Instant::now();
        let ignored = entries
            .iter()
            .filter(|e| attrs.is_export_ignored(&e.path))
            .count();
        let queries = t.elapsed();

        println!("open+resolve {open:?}");
        println!(
            "list_tree: {} entries, first {cold:?}, warm best of 10 {warm:?}",
            entries.len()
        );
        println!("export_attributes {attributes:?}; is_export_ignored on every entry ({ignored} ignored) {queries:?}");
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
