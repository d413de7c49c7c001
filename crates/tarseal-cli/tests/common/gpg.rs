//! GnuPG and signed-tag helpers for the signature, seal and verify tests: a throw-away
//! `GNUPGHOME` per test under /tmp (short path for the agent socket), killed on drop.

use super::{isolate, run_ok, Fixture};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A fixed time before which keys are made (gpg `--faked-system-time` form).
pub const T0: &str = "20200101T000000";

pub struct Gpg {
    pub home: tempfile::TempDir,
}

impl Gpg {
    pub fn new() -> Gpg {
        Gpg {
            home: tempfile::Builder::new()
                .prefix("tsc")
                .tempdir_in("/tmp")
                .unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.home.path()
    }

    pub fn cmd(&self, time: Option<&str>) -> Command {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", self.path())
            .args([
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args([
                "--yes",
                "--trust-model",
                "always",
                "--no-auto-check-trustdb",
            ]);
        if let Some(t) = time {
            c.args(["--faked-system-time", t]);
        }
        c.stdin(Stdio::null());
        c
    }

    pub fn run(&self, time: Option<&str>, args: &[&str]) -> Vec<u8> {
        run_ok(self.cmd(time).arg("--batch").args(args))
    }

    pub fn run_with_answers(&self, time: Option<&str>, args: &[&str], answers: &str) -> Vec<u8> {
        let mut child = self
            .cmd(time)
            .args(["--command-fd", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answers.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Generates a key; returns its primary fingerprint.
    pub fn gen_key(
        &self,
        time: Option<&str>,
        uid: &str,
        algo: &str,
        usage: &str,
        expire: &str,
    ) -> String {
        self.run(time, &["--quick-gen-key", uid, algo, usage, expire]);
        self.fingerprints(uid)[0].clone()
    }

    pub fn add_subkey(&self, time: Option<&str>, primary: &str, algo: &str, usage: &str) -> String {
        let before = self.fingerprints(primary);
        self.run(time, &["--quick-add-key", primary, algo, usage, "never"]);
        self.fingerprints(primary)
            .into_iter()
            .find(|f| !before.contains(f))
            .unwrap()
    }

    pub fn fingerprints(&self, who: &str) -> Vec<String> {
        String::from_utf8(self.run(None, &["--with-colons", "--list-keys", who]))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("fpr:"))
            .map(|l| l.split(':').nth(9).unwrap().to_string())
            .collect()
    }

    /// Writes `gpg --export [--armor] WHO...` to `path`.
    pub fn export_to(&self, armor: bool, who: &[&str], path: &Path) -> PathBuf {
        let mut args = vec!["--export"];
        if armor {
            args.insert(0, "--armor");
        }
        args.extend_from_slice(who);
        std::fs::write(path, self.run(None, &args)).unwrap();
        path.to_path_buf()
    }

    /// Writes the unprotected secret key to `path` with the given mode.
    pub fn export_secret_to(&self, who: &str, path: &Path, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path, self.run(None, &["--export-secret-keys", who])).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.to_path_buf()
    }

    /// An armored detached signature by `key` over `data`.
    pub fn sign(&self, time: Option<&str>, key: &str, data: &Path, extra: &[&str]) -> Vec<u8> {
        let mut args = vec![
            "--armor",
            "--local-user",
            key,
            "--detach-sign",
            "--output",
            "-",
        ];
        args.extend_from_slice(extra);
        args.push(data.to_str().unwrap());
        self.run(time, &args)
    }

    /// Revokes the certificate (menu 1 = compromised: hard) as of `time`.
    pub fn revoke(&self, time: &str, fpr: &str) {
        let rev = self.run_with_answers(
            Some(time),
            &["--armor", "--output", "-", "--gen-revoke", fpr],
            "y\n1\nrevoked in a test\n\ny\n",
        );
        let p = self.path().join("rev.asc");
        std::fs::write(&p, rev).unwrap();
        self.run(None, &["--import", p.to_str().unwrap()]);
    }

    /// `git` in the fixture's repository with this GNUPGHOME.
    pub fn git(&self, f: &Fixture, args: &[&str]) -> String {
        let out = run_ok(
            isolate(Command::new("git").args(args).current_dir(f.repo()))
                .env("GNUPGHOME", self.path()),
        );
        String::from_utf8_lossy(&out).trim().to_string()
    }

    pub fn git_ok(&self, f: &Fixture, args: &[&str]) -> bool {
        isolate(Command::new("git").args(args).current_dir(f.repo()))
            .env("GNUPGHOME", self.path())
            .output()
            .unwrap()
            .status
            .success()
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.path())
            .args(["--kill", "all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
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
