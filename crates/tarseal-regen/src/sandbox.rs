//! The sandbox: where untrusted build code (the tag's configure.ac, Makefile.am, m4 macros and,
//! when the policy names them, its autogen.sh) runs, and the only place it runs.
//!
//! One [`Sandbox::run`] is one fresh bubblewrap container: every namespace unshared (no
//! network, own PIDs, IPC, UTS, cgroup and user namespace), every capability dropped, the
//! toolchain mounted read-only, a fresh size-limited tmpfs as the work directory, and an
//! environment that holds only what the script is given (no HOME, no tokens, no proxy
//! settings). The inputs enter as a tar stream on stdin and the results leave as a tar stream
//! on stdout, so nothing inside ever writes to, or reads from, the host's file system beyond
//! the read-only mounts. Limits: wall time (the whole container is killed), address space,
//! file size and processes (rlimits, inherited by everything inside; the process limit is
//! enforced by the kernel because a root caller is dropped to `nobody` first), the tmpfs
//! size, and the bytes read back from stdout and stderr. See docs/regenerate.md for the
//! threat model.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Resource limits of one sandbox run. The defaults fit a large autotools project (curl,
/// xz) with a wide margin; what exceeds them is reported, never silently cut.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock time for the whole run; the container is killed after it.
    pub time: Duration,
    /// Address space of each process (RLIMIT_AS), bytes.
    pub memory: u64,
    /// Processes of the sandbox user (RLIMIT_NPROC).
    pub processes: u64,
    /// Size of the work tmpfs and of /tmp inside, bytes each; also the largest file
    /// (RLIMIT_FSIZE).
    pub disk: u64,
    /// Bytes read back from stdout (the result tar) and, separately, kept from stderr.
    pub output: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(600),
            memory: 4 << 30,
            processes: 512,
            disk: 2 << 30,
            output: 1 << 30,
        }
    }
}

/// How untrusted code is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// bubblewrap, as described in the module documentation (the default and the only mode a
    /// policy can ask for).
    Bubblewrap,
    /// `--unsafe-no-sandbox`: the same script in a host temporary directory with a cleared
    /// environment and the same rlimits, but with the caller's file system and network. Only
    /// for machines where bubblewrap cannot run and the input is trusted anyway.
    UnsafeNone,
}

/// Extra read-only mount: a host directory (a relocated toolchain) at a path inside.
#[derive(Debug, Clone)]
pub struct Mount {
    pub host: PathBuf,
    pub inside: String,
}

/// What to run and with what.
#[derive(Debug, Clone)]
pub struct Spec {
    /// A POSIX shell script, run by `/bin/sh -c` with the work directory as `$W` and cwd.
    pub script: String,
    /// The whole environment of the script (the sandbox adds nothing else).
    pub env: Vec<(String, String)>,
    /// Read-only mounts besides /usr and the system's small /etc pieces.
    pub mounts: Vec<Mount>,
}

/// What came back.
#[derive(Debug)]
pub struct RunOutput {
    /// Exit status of the script (`None` when killed by a signal).
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    /// At most `Limits::output` bytes of stderr (the tail is cut, the cut is said).
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

/// Why a sandbox run did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("bubblewrap (bwrap) is not installed or not runnable: {0}; install the Debian package `bubblewrap`, or pass --unsafe-no-sandbox only for trusted input")]
    NoBubblewrap(String),
    #[error("cannot start the sandbox: {0}")]
    Spawn(std::io::Error),
    #[error("the sandbox ran longer than the {0:?} time limit and was killed")]
    Timeout(Duration),
    #[error("the sandbox wrote more than {0} bytes to its output and was killed")]
    OutputTooLarge(u64),
    #[error("sandbox I/O: {0}")]
    Io(std::io::Error),
    #[error("{mount} cannot be mounted in the sandbox: the sandbox runs as nobody (the caller is root) and {dir} is not searchable by others; keep toolchains under a world-searchable directory (as root the default is /var/cache/tarseal/toolchains)")]
    Unreachable { mount: PathBuf, dir: PathBuf },
}

/// The first directory on the way to `path` (or `path` itself, a directory) that others
/// cannot search.
fn untraversable(path: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let abs = std::fs::canonicalize(path).ok()?;
    let mut cur = PathBuf::from("/");
    let mut dirs = vec![cur.clone()];
    for c in abs.components().skip(1) {
        cur.push(c);
        dirs.push(cur.clone());
    }
    if !abs.is_dir() {
        dirs.pop();
    }
    dirs.into_iter().find(|d| {
        std::fs::metadata(d)
            .map(|m| m.permissions().mode() & 0o001 == 0)
            .unwrap_or(true)
    })
}

/// `bwrap` as the caller's PATH finds it. Looked up here because the command's environment
/// is cleared: a bare name would then be searched in libc's default path, not the caller's.
fn find_bwrap() -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("bwrap"))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The user a root caller is dropped to before bubblewrap starts: the kernel exempts root
/// from RLIMIT_NPROC, not `nobody`.
const NOBODY: libc::uid_t = 65534;

/// One configured sandbox.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub isolation: Isolation,
    pub limits: Limits,
}

impl Sandbox {
    /// Checks that bubblewrap can create a container here (user namespaces allowed).
    pub fn probe(&self) -> Result<(), SandboxError> {
        if self.isolation == Isolation::UnsafeNone {
            return Ok(());
        }
        let spec = Spec {
            script: "true".into(),
            env: vec![],
            mounts: vec![],
        };
        let out = self.run(&spec, &[])?;
        if out.status == Some(0) {
            Ok(())
        } else {
            Err(SandboxError::NoBubblewrap(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ))
        }
    }

    /// Runs `spec` with `stdin` as its standard input (the input tar).
    pub fn run(&self, spec: &Spec, stdin: &[u8]) -> Result<RunOutput, SandboxError> {
        let host_dir;
        let drop_root = unsafe { libc::geteuid() } == 0;
        let mut cmd = match self.isolation {
            Isolation::Bubblewrap => {
                host_dir = None;
                // bwrap runs as nobody when the caller is root, and must walk to each mount.
                if drop_root {
                    for m in &spec.mounts {
                        if let Some(dir) = untraversable(&m.host) {
                            return Err(SandboxError::Unreachable {
                                mount: m.host.clone(),
                                dir,
                            });
                        }
                    }
                }
                let Some(bwrap) = find_bwrap() else {
                    return Err(SandboxError::NoBubblewrap("no `bwrap` on PATH".into()));
                };
                self.bwrap_command(&bwrap, spec)
            }
            Isolation::UnsafeNone => {
                let dir = tempfile::Builder::new()
                    .prefix("tarseal-unsandboxed.")
                    .tempdir()
                    .map_err(SandboxError::Io)?;
                let mut c = Command::new("/bin/sh");
                c.arg("-c").arg(&spec.script).current_dir(dir.path());
                c.env_clear();
                for (k, v) in &spec.env {
                    c.env(k, v);
                }
                // No mounts here: the caller names toolchains by their host paths.
                c.env("W", dir.path());
                host_dir = Some(dir);
                c
            }
        };
        let limits = self.limits;
        // SAFETY: only async-signal-safe calls (setrlimit, setgroups, setgid, setuid) between
        // fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let set = |res, v: u64| {
                    let l = libc::rlimit {
                        rlim_cur: v as libc::rlim_t,
                        rlim_max: v as libc::rlim_t,
                    };
                    if libc::setrlimit(res, &l) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                };
                set(libc::RLIMIT_AS, limits.memory)?;
                set(libc::RLIMIT_FSIZE, limits.disk)?;
                set(libc::RLIMIT_CORE, 0)?;
                if drop_root
                    && (libc::setgroups(0, std::ptr::null()) != 0
                        || libc::setgid(NOBODY) != 0
                        || libc::setuid(NOBODY) != 0)
                {
                    return Err(std::io::Error::last_os_error());
                }
                // After the switch: setuid itself fails when the target user is over it.
                set(libc::RLIMIT_NPROC, limits.processes)?;
                Ok(())
            });
        }
        if let Some(d) = &host_dir {
            if drop_root {
                // nobody must be able to write the unsandboxed work dir.
                let _ = std::os::unix::fs::chown(d.path(), Some(NOBODY), Some(NOBODY));
            }
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = cmd.spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound && self.isolation == Isolation::Bubblewrap {
                SandboxError::NoBubblewrap(e.to_string())
            } else {
                SandboxError::Spawn(e)
            }
        })?;
        let mut child_in = child.stdin.take().expect("piped stdin");
        let mut child_out = child.stdout.take().expect("piped stdout");
        let mut child_err = child.stderr.take().expect("piped stderr");
        let overflow = Arc::new(AtomicBool::new(false));
        let cap = limits.output;
        let input = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            // A script that stops reading early closes the pipe: not an error of ours.
            let _ = child_in.write_all(&input);
        });
        let of = overflow.clone();
        let out_reader = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
            let mut v = Vec::new();
            let mut buf = [0u8; 64 << 10];
            loop {
                let n = child_out.read(&mut buf)?;
                if n == 0 {
                    return Ok(v);
                }
                if v.len() as u64 + n as u64 > cap {
                    of.store(true, Ordering::SeqCst);
                    return Ok(v);
                }
                v.extend_from_slice(&buf[..n]);
            }
        });
        let err_reader = std::thread::spawn(move || -> Vec<u8> {
            let mut v = Vec::new();
            let mut buf = [0u8; 16 << 10];
            while let Ok(n) = child_err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                // Keep the head and the tail: the error is usually at the end.
                v.extend_from_slice(&buf[..n]);
                if v.len() > 256 << 10 {
                    let cut = v.len() - (128 << 10);
                    v.drain(..cut);
                }
            }
            v
        });
        let status = loop {
            if let Some(s) = child.try_wait().map_err(SandboxError::Io)? {
                break s;
            }
            if overflow.load(Ordering::SeqCst) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(SandboxError::OutputTooLarge(cap));
            }
            if start.elapsed() > limits.time {
                // bwrap's --die-with-parent and PID namespace take everything inside with it.
                let _ = child.kill();
                let _ = child.wait();
                return Err(SandboxError::Timeout(limits.time));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let _ = writer.join();
        let stdout = out_reader
            .join()
            .unwrap_or_else(|_| Ok(Vec::new()))
            .map_err(SandboxError::Io)?;
        if overflow.load(Ordering::SeqCst) {
            return Err(SandboxError::OutputTooLarge(cap));
        }
        let stderr = err_reader.join().unwrap_or_default();
        drop(host_dir);
        Ok(RunOutput {
            status: status.code(),
            stdout,
            stderr,
            elapsed: start.elapsed(),
        })
    }

    fn bwrap_command(&self, bwrap: &Path, spec: &Spec) -> Command {
        let mut c = Command::new(bwrap);
        c.env_clear();
        c.args([
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--ro-bind",
            "/usr",
            "/usr",
        ]);
        // Debian's merged /usr: the top-level names are links into it.
        for (link, target) in [
            ("/bin", "usr/bin"),
            ("/sbin", "usr/sbin"),
            ("/lib", "usr/lib"),
            ("/lib64", "usr/lib64"),
        ] {
            if Path::new(link).is_symlink() {
                c.args(["--symlink", target, link]);
            } else if Path::new(link).is_dir() {
                c.args(["--ro-bind", link, link]);
            }
        }
        // `awk`, `editor` ... are alternatives links; perl reads nothing else from /etc.
        c.args(["--ro-bind-try", "/etc/alternatives", "/etc/alternatives"]);
        c.args(["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]);
        c.args(["--proc", "/proc", "--dev", "/dev"]);
        let size = self.limits.disk.to_string();
        c.args(["--size", &size, "--tmpfs", "/tmp"]);
        c.args(["--size", &size, "--tmpfs", "/build"]);
        for m in &spec.mounts {
            c.arg("--ro-bind").arg(&m.host).arg(&m.inside);
        }
        c.args(["--chdir", "/build", "--clearenv"]);
        for (k, v) in &spec.env {
            c.args(["--setenv", k, v]);
        }
        c.args(["--setenv", "W", "/build", "--setenv", "TMPDIR", "/tmp"]);
        c.args(["/bin/sh", "-c", &spec.script]);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bwrap() -> Sandbox {
        Sandbox {
            isolation: Isolation::Bubblewrap,
            limits: Limits {
                time: Duration::from_secs(20),
                ..Limits::default()
            },
        }
    }

    fn run(sb: &Sandbox, script: &str) -> Result<RunOutput, SandboxError> {
        let spec = Spec {
            script: script.into(),
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            mounts: vec![],
        };
        sb.run(&spec, b"")
    }

    fn have_bwrap() -> bool {
        let ok = bwrap().probe().is_ok();
        if !ok {
            assert!(
                std::env::var("CI").is_err(),
                "bubblewrap must work in CI (.ci/run installs it)"
            );
            eprintln!("NOTICE: bubblewrap unusable here; sandbox tests skipped");
        }
        ok
    }

    #[test]
    fn no_network_no_home_no_host_files() {
        if !have_bwrap() {
            return;
        }
        std::env::set_var("TARSEAL_TEST_SECRET", "leak");
        let out = run(
            &bwrap(),
            "env; ls /root /home /work 2>&1; cat /proc/net/dev; id -u; touch /usr/x 2>&1; echo end",
        )
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(!text.contains("TARSEAL_TEST_SECRET"), "{text}");
        assert!(!text.contains("HOME="), "{text}");
        // Only the loopback device exists in a fresh network namespace.
        assert!(text.contains("lo:"), "{text}");
        assert!(!text.contains("eth0"), "{text}");
        assert!(text.contains("No such file"), "{text}");
        assert!(text.contains("Read-only file system"), "{text}");
        assert!(text.contains("end"));
    }

    #[test]
    fn time_limit_kills_the_whole_container() {
        if !have_bwrap() {
            return;
        }
        let sb = Sandbox {
            limits: Limits {
                time: Duration::from_millis(500),
                ..Limits::default()
            },
            ..bwrap()
        };
        let t = Instant::now();
        let err = run(&sb, "sleep 30 & sleep 30; wait").unwrap_err();
        assert!(matches!(err, SandboxError::Timeout(_)), "{err}");
        assert!(t.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_and_process_limits() {
        if !have_bwrap() {
            return;
        }
        let sb = Sandbox {
            limits: Limits {
                output: 1000,
                ..bwrap().limits
            },
            ..bwrap()
        };
        let err = run(&sb, "head -c 100000 /dev/zero").unwrap_err();
        assert!(matches!(err, SandboxError::OutputTooLarge(1000)), "{err}");
        let sb = Sandbox {
            limits: Limits {
                processes: 24,
                ..bwrap().limits
            },
            ..bwrap()
        };
        let out = run(
            &sb,
            "i=0; while [ $i -lt 40 ]; do sleep 2 & i=$((i+1)); done; echo done",
        )
        .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("fork") || err.contains("Resource temporarily unavailable"),
            "{err}"
        );
    }

    #[test]
    fn stdin_in_stdout_out() {
        if !have_bwrap() {
            return;
        }
        let spec = Spec {
            script: "cat > f; wc -c < f; pwd".into(),
            env: vec![("PATH".into(), "/usr/bin".into())],
            mounts: vec![],
        };
        let out = bwrap().run(&spec, b"hello").unwrap();
        assert_eq!(out.status, Some(0));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "5\n/build\n");
    }
}
