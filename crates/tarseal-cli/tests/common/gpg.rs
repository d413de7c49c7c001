//! GnuPG and signed-tag helpers for the signature, seal and verify tests. The GnuPG home
//! itself is tarseal-testkit's [`tarseal_testkit::gpg::Gpg`]; this module adds the CLI
//! tests' conventions on top of it and the tag helpers that need a [`Fixture`].

use super::{isolate, run_ok, Fixture};
use std::ops::Deref;
use std::path::Path;
use std::process::Command;

pub use tarseal_testkit::gpg::T0;

/// tarseal-testkit's GnuPG home with the CLI tests' conventions: signatures are armored
/// (the form of `.asc` release files and of tag signatures), subkeys never expire, and git
/// runs in a [`Fixture`] with this home. Every other method is the testkit's (through
/// `Deref`).
pub struct Gpg(tarseal_testkit::gpg::Gpg);

impl Deref for Gpg {
    type Target = tarseal_testkit::gpg::Gpg;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Gpg {
    pub fn new() -> Gpg {
        Gpg(tarseal_testkit::gpg::Gpg::new())
    }

    /// An armored detached signature by `key` over `data`.
    pub fn sign(&self, time: Option<&str>, key: &str, data: &Path, extra: &[&str]) -> Vec<u8> {
        self.0.sign_armored(time, key, data, extra)
    }

    /// Adds a subkey that never expires; returns its fingerprint.
    pub fn add_subkey(&self, time: Option<&str>, primary: &str, algo: &str, usage: &str) -> String {
        self.0.add_subkey(time, primary, algo, usage, "never")
    }

    /// `git` in the fixture's repository with this GNUPGHOME.
    pub fn git(&self, f: &Fixture, args: &[&str]) -> String {
        let out = run_ok(self.env(isolate(
            Command::new("git").args(args).current_dir(f.repo()),
        )));
        String::from_utf8_lossy(&out).trim().to_string()
    }

    /// Whether `git ARGS` succeeds in the fixture's repository with this GNUPGHOME.
    pub fn git_ok(&self, f: &Fixture, args: &[&str]) -> bool {
        self.env(isolate(
            Command::new("git").args(args).current_dir(f.repo()),
        ))
        .output()
        .unwrap()
        .status
        .success()
    }
}

/// The unsigned payload of an annotated tag `name` of HEAD, tagger time `unix`.
pub fn tag_payload(f: &Fixture, name: &str, unix: i64) -> String {
    format!(
        "object {}\ntype commit\ntag {name}\ntagger Carl Committer <carl@example.org> {unix} +0000\n\n{name}\n",
        f.rev("HEAD")
    )
}

/// Writes a tag object from raw bytes and points `refs/tags/NAME` at it.
pub fn write_tag(f: &Fixture, name: &str, raw: &[u8]) -> String {
    let p = f.scratch("tag-object");
    std::fs::write(&p, raw).unwrap();
    let id = f.git(&[
        "hash-object",
        "-t",
        "tag",
        "-w",
        "--literally",
        p.to_str().unwrap(),
    ]);
    f.git(&["update-ref", &format!("refs/tags/{name}"), &id]);
    id
}

/// A tag `name` signed by `key` with gpg at `time` (gpg options `extra`), made by hand the
/// way `git tag -s` makes it (payload, then the armored signature).
pub fn gpg_tag(
    f: &Fixture,
    g: &Gpg,
    name: &str,
    key: &str,
    time: Option<&str>,
    extra: &[&str],
) -> String {
    let payload = tag_payload(f, name, 1_600_000_000);
    let p = f.scratch("payload");
    std::fs::write(&p, &payload).unwrap();
    let sig = g.sign(time, key, &p, extra);
    let mut raw = payload.into_bytes();
    raw.extend_from_slice(&sig);
    write_tag(f, name, &raw)
}

/// The raw bytes of tag `name`.
pub fn cat_tag(f: &Fixture, name: &str) -> Vec<u8> {
    f.git_raw(&["cat-file", "tag", name])
}

/// The starting point of the seal, log and co-signing tests: a repository with tag `v2` signed
/// by Alice (`git tag -s`) and its `git archive` as `rel/<name>` (prefix `proj-2.0/`).
/// Returns the fixture, the GnuPG home, Alice's fingerprint and the `rel/` directory.
pub fn signed_release(name: &str) -> (super::Fixture, Gpg, String, std::path::PathBuf) {
    let f = super::Fixture::standard();
    let g = Gpg::new();
    let alice = g.gen_key(
        Some(T0),
        "Alice <alice@example.org>",
        "ed25519",
        "sign",
        "never",
    );
    g.git(
        &f,
        &[
            "-c",
            &format!("user.signingkey={alice}"),
            "tag",
            "-s",
            "v2",
            "-m",
            "v2",
        ],
    );
    let dir = f.dir.path().join("rel");
    std::fs::create_dir(&dir).unwrap();
    f.git(&[
        "archive",
        "--format=tar.gz",
        "--prefix=proj-2.0/",
        "-o",
        dir.join(name).to_str().unwrap(),
        "v2",
    ]);
    (f, g, alice, dir)
}
