//! Micro-benchmarks of the trusted side: `cargo bench -p tarseal-git`.
//!
//! The repository is generated in a temporary directory with `git fast-import` (10,000 files
//! in 3 directory levels, annotated tag `v1.0`, loose objects repacked into one pack as a
//! cloned repository has), unless `TARSEAL_BENCH_REPO` names an existing repository; its tag
//! is then `TARSEAL_BENCH_TAG` (default `v1.0`), e.g. the 80,000-file repository of
//! `bench/run.sh`:
//!
//! ```sh
//! TARSEAL_BENCH_REPO=/work/bench-data/repo-80000-1024 cargo bench -p tarseal-git
//! ```
//!
//! Group `tree` for the generated repository, `tree_env` for `TARSEAL_BENCH_REPO`:
//!
//! - `tree/resolve`: open the repository and resolve the tag to its commit (what `check`
//!   does first).
//! - `tree/list_tree`: the recursive listing of the tag's tree (throughput in entries).
//! - `tree/export_attributes`: reading every `.gitattributes` of the tree.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tarseal_git::{Repo, Target};

const FILES: usize = 10_000;

fn git(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    c
}

/// A `git fast-import` stream: one commit with `FILES` small files, tagged `v1.0`.
fn fast_import_stream() -> Vec<u8> {
    let mut s = Vec::with_capacity(FILES * 300);
    for i in 0..FILES {
        let body = format!(
            "// file {i}\nfn f{i}() -> u32 {{ {} }}\n",
            i * 7919 % 65_521
        );
        write!(s, "blob\nmark :{}\ndata {}\n{body}\n", i + 1, body.len()).unwrap();
    }
    let who = "Bench <bench@example.invalid> 1700000000 +0000";
    let msg = "bench tree";
    write!(
        s,
        "commit refs/heads/main\nmark :{}\ncommitter {who}\ndata {}\n{msg}\n",
        FILES + 1,
        msg.len()
    )
    .unwrap();
    for i in 0..FILES {
        let mode = if i % 50 == 0 { "100755" } else { "100644" };
        writeln!(
            s,
            "M {mode} :{} src/m{}/s{}/file{i}.rs",
            i + 1,
            i % 20,
            i % 7
        )
        .unwrap();
    }
    let attrs = "*.bin export-ignore\n";
    write!(
        s,
        "M 100644 inline .gitattributes\ndata {}\n{attrs}\n",
        attrs.len()
    )
    .unwrap();
    let tag = "release 1.0";
    write!(
        s,
        "tag v1.0\nfrom :{}\ntagger {who}\ndata {}\n{tag}\n",
        FILES + 1,
        tag.len()
    )
    .unwrap();
    s
}

/// The repository to measure, and the temporary directory that holds it (if generated).
fn repository() -> (PathBuf, String, Option<tempfile::TempDir>) {
    if let Some(dir) = std::env::var_os("TARSEAL_BENCH_REPO") {
        let tag = std::env::var("TARSEAL_BENCH_TAG").unwrap_or_else(|_| "v1.0".into());
        return (PathBuf::from(dir), tag, None);
    }
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("repo");
    let ok = Command::new("git")
        .args(["init", "--quiet", "--bare"])
        .arg(&dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(ok.success(), "git init failed");
    let mut child = git(&dir, &["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&fast_import_stream())
        .expect("feeding fast-import");
    assert!(child.wait().expect("fast-import").success());
    assert!(git(&dir, &["repack", "-a", "-d", "-q"])
        .status()
        .expect("git repack runs")
        .success());
    (dir, "v1.0".into(), Some(tmp))
}

fn tree(c: &mut Criterion) {
    let (dir, tag, keep) = repository();
    let target = Target::Tag {
        name: tag,
        allow_lightweight: true,
    };
    let repo = Repo::open(&dir).expect("the bench repository opens");
    let resolved = repo.resolve(&target).expect("the tag resolves");
    let tree = resolved.commit.tree;
    let n = repo.list_tree(tree, None).expect("listing").len();

    // A separate group for a given repository, so criterion never compares the two.
    let group = if keep.is_some() { "tree" } else { "tree_env" };
    let mut g = c.benchmark_group(group);
    g.bench_function("resolve", |b| {
        b.iter(|| {
            let r = Repo::open(&dir).expect("opens");
            r.resolve(&target).expect("resolves").commit.tree
        })
    });
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("list_tree", |b| {
        b.iter(|| repo.list_tree(tree, None).expect("listing").len())
    });
    g.bench_function("export_attributes", |b| {
        b.iter(|| {
            repo.export_attributes(tree, None)
                .expect("attributes")
                .is_export_ignored("x.bin")
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = tree
}
criterion_main!(benches);
