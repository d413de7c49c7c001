//! A throw-away GnuPG home per test, driven through the real `gpg` command.
//!
//! tarseal verifies what GnuPG and `git tag -s` produce, so its interop tests make keys and
//! signatures with GnuPG itself rather than with the library under test. The home lives
//! directly under /tmp (a short path keeps the agent's socket path within the unix limit)
//! and its agent is killed when the [`Gpg`] is dropped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::run_ok;

/// A fixed time (gpg `--faked-system-time` form) at which tests make keys, so that
/// signatures made "now" are later than the key and time-window tests have a known origin.
pub const T0: &str = "20200101T000000";

/// A GnuPG home in a temporary directory; every command runs non-interactively with an
/// empty passphrase and the `always` trust model, so tests never block on a prompt.
pub struct Gpg {
    /// The temporary `GNUPGHOME` (public so a test can keep it alive or inspect it).
    pub home: tempfile::TempDir,
}

impl Default for Gpg {
    /// The same as [`Gpg::new`], for structs of fixtures that derive `Default`.
    fn default() -> Self {
        Self::new()
    }
}

impl Gpg {
    /// Creates an empty home under /tmp (short path for the agent socket).
    pub fn new() -> Gpg {
        Gpg {
            home: tempfile::Builder::new()
                .prefix("tsk")
                .tempdir_in("/tmp")
                .unwrap(),
        }
    }

    /// The `GNUPGHOME` directory, for tools (git) that must find these keys.
    pub fn path(&self) -> &Path {
        self.home.path()
    }

    /// Points `cmd` (typically `git`) at this home, so its `gpg` calls use these keys.
    pub fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("GNUPGHOME", self.path())
    }

    /// A `gpg` command on this home with the non-interactive options set, at the faked
    /// system time `time` (gpg `--faked-system-time` form) when given. For the rare test
    /// that must inspect a failing gpg run; most use [`Gpg::run`].
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

    /// Runs `gpg --batch ARGS`; returns stdout, panics with stderr when gpg fails.
    pub fn run(&self, time: Option<&str>, args: &[&str]) -> Vec<u8> {
        run_ok(self.cmd(time).arg("--batch").args(args))
    }

    /// Runs gpg (not in batch mode) answering its prompts from `answers` (`--command-fd 0`),
    /// for the dialogs batch mode refuses (`--gen-revoke`).
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
            "gpg {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Generates a key (`--quick-gen-key UID ALGO USAGE EXPIRE`); returns its primary
    /// fingerprint.
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

    /// Adds a subkey to `primary` (`--quick-add-key`); returns the new subkey's fingerprint.
    pub fn add_subkey(
        &self,
        time: Option<&str>,
        primary: &str,
        algo: &str,
        usage: &str,
        expire: &str,
    ) -> String {
        let before = self.fingerprints(primary);
        self.run(time, &["--quick-add-key", primary, algo, usage, expire]);
        self.fingerprints(primary)
            .into_iter()
            .find(|f| !before.contains(f))
            .expect("gpg --quick-add-key added no subkey")
    }

    /// Fingerprints of the certificate(s) matching `who`: primary first, then subkeys.
    pub fn fingerprints(&self, who: &str) -> Vec<String> {
        String::from_utf8(self.run(None, &["--with-colons", "--list-keys", who]))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("fpr:"))
            .map(|l| l.split(':').nth(9).unwrap().to_string())
            .collect()
    }

    /// `gpg --export [--armor] WHO...`: the public certificates, as a keyring.
    pub fn export(&self, armor: bool, who: &[&str]) -> Vec<u8> {
        let mut args = vec!["--export"];
        if armor {
            args.insert(0, "--armor");
        }
        args.extend_from_slice(who);
        self.run(None, &args)
    }

    /// [`Gpg::export`] written to `path`; returns `path`.
    pub fn export_to(&self, armor: bool, who: &[&str], path: &Path) -> PathBuf {
        std::fs::write(path, self.export(armor, who)).unwrap();
        path.to_path_buf()
    }

    /// `gpg --export-secret-keys [--armor] WHO`: the unprotected secret key, as tarseal's
    /// signing commands read it.
    pub fn export_secret(&self, armor: bool, who: &str) -> Vec<u8> {
        let mut args = vec!["--export-secret-keys", who];
        if armor {
            args.insert(0, "--armor");
        }
        self.run(None, &args)
    }

    /// The binary secret key written to `path` with permission bits `mode` (tarseal
    /// refuses secret keys readable by others, so tests choose the mode).
    pub fn export_secret_to(&self, who: &str, path: &Path, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(path, self.export_secret(false, who)).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.to_path_buf()
    }

    /// A binary detached signature by `key` over the file `data` (`KEYID!` forces that
    /// exact (sub)key); `extra` adds gpg options (`--armor`, `--digest-algo`, ...).
    pub fn sign(&self, time: Option<&str>, key: &str, data: &Path, extra: &[&str]) -> Vec<u8> {
        let mut args = vec!["--local-user", key, "--detach-sign", "--output", "-"];
        args.extend_from_slice(extra);
        args.push(data.to_str().unwrap());
        self.run(time, &args)
    }

    /// An armored detached signature ([`Gpg::sign`] with `--armor`), the form of `.asc`
    /// release signatures and of the signature block in a signed git tag.
    pub fn sign_armored(
        &self,
        time: Option<&str>,
        key: &str,
        data: &Path,
        extra: &[&str],
    ) -> Vec<u8> {
        let mut args = vec!["--armor"];
        args.extend_from_slice(extra);
        self.sign(time, key, data, &args)
    }

    /// Revokes certificate `fpr` as of `time` with the `--gen-revoke` menu reason `menu`
    /// ("1" compromised = hard, "2" superseded = soft, ...), and imports the revocation.
    pub fn revoke_with(&self, time: &str, fpr: &str, menu: &str) {
        let rev = self.run_with_answers(
            Some(time),
            &["--armor", "--output", "-", "--gen-revoke", fpr],
            &format!("y\n{menu}\nrevoked in a test\n\ny\n"),
        );
        let p = self.file("rev.asc", &rev);
        self.run(None, &["--import", p.to_str().unwrap()]);
    }

    /// Hard-revokes `fpr` as of `time` (reason: key compromised), which voids even the
    /// signatures made before the revocation.
    pub fn revoke(&self, time: &str, fpr: &str) {
        self.revoke_with(time, fpr, "1");
    }

    /// Writes `bytes` to a file named `name` in the home and returns its path: a scratch
    /// place for keyrings and signatures that lives as long as the keys.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Gpg {
    /// Kills this home's gpg-agent (and keyboxd), which would otherwise outlive the test.
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.path())
            .args(["--kill", "all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
