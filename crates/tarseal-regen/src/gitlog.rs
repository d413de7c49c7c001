//! Git-history files: a release file that `make dist` (or a release script) wrote from
//! `git log` — xz's `ChangeLog` from its dist-hook, curl's `CHANGES` from `git log | perl
//! scripts/log2changes.pl` — produced again from the repository and compared byte for byte.
//!
//! The repository is untrusted data (its config, its objects, its refs), so git runs only in
//! the [`Sandbox`]: the host's `/usr/bin/git` from the read-only `/usr`, the git directory
//! mounted read-only, a cleared environment without HOME, no system or global config, no
//! pager, colour, external diff or textconv, signatures not shown, and the repository
//! config's keys that change `git log`'s output overridden on the command line. `HEAD` (the
//! release manager's checkout) is replaced by the tag's commit id. A filter script of the tag
//! (a Perl script such as log2changes.pl or gnulib's gitlog-to-changelog) runs in the same
//! sandbox with git's output on its standard input, under the host's `/usr/bin/perl`.
//!
//! The arguments come from two places, both conservative: the tag's top-level `Makefile.am`
//! `dist-hook` ([`dist_hook_git_logs`]: only `git log ARGS > "$(distdir)/FILE"` with
//! allowlisted ARGS is read, anything else is refused and never run), or a statement of the
//! trusted policy. Every argument passes [`validate_args`] either way.

use crate::diff::{difference, Difference};
use crate::sandbox::{Isolation, Mount, Sandbox, SandboxError, Spec};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The git binary used: the host's, mounted read-only with /usr.
pub const GIT: &str = "/usr/bin/git";
/// The interpreter of filter scripts.
pub const PERL: &str = "/usr/bin/perl";

/// Where one git-log file's instructions came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The tag's top-level Makefile.am, its `dist-hook` recipe (line number, 1-based).
    DistHook { line: usize },
    /// A `[[regenerate_git_log]]` statement of the trusted policy (numbered from 1).
    Policy { index: usize },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::DistHook { line } => write!(f, "the tag's Makefile.am dist-hook, line {line}"),
            Origin::Policy { index } => write!(f, "the policy's regenerate_git_log {index}"),
        }
    }
}

/// One file to regenerate from the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLogSpec {
    /// The release file (relative to the archive prefix).
    pub path: String,
    /// `git log` arguments, validated; `HEAD` is still `HEAD` here.
    pub args: Vec<String>,
    /// A script of the tag's tree that git's output is piped through (run by perl).
    pub filter: Option<String>,
    pub origin: Origin,
}

/// Why a `git log` argument is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    #[error("`{0}` is not an accepted git log option (accepted: --date=FIXED, --stat, --numstat, --shortstat, --summary, --name-only, --name-status, --no-merges, --first-parent, --topo-order, --date-order, --reverse, --abbrev-commit, --pretty=/--format=, -M, --no-renames, --no-color, --decorate[=short|full|no], --no-decorate, -N, --max-count=N)")]
    Option(String),
    #[error("`{0}` is not an accepted revision (hex commit ids, HEAD, X^, X..Y)")]
    Revision(String),
    #[error("--date={0} depends on when or where git runs (relative, local, human, format:)")]
    Date(String),
}

/// Date formats whose output depends only on the commit (not on now, nor the local zone).
const DATES: &[&str] = &[
    "iso",
    "iso8601",
    "iso-strict",
    "iso8601-strict",
    "rfc",
    "rfc2822",
    "short",
    "raw",
    "unix",
    "default",
];

/// Options without a value that only select or shape what git prints.
const FLAGS: &[&str] = &[
    "--stat",
    "--numstat",
    "--shortstat",
    "--summary",
    "--name-only",
    "--name-status",
    "--no-merges",
    "--first-parent",
    "--topo-order",
    "--date-order",
    "--reverse",
    "--abbrev-commit",
    "--no-abbrev-commit",
    "-M",
    "--no-renames",
    "--no-color",
    "--decorate",
    "--no-decorate",
];

/// Checks every argument against the allowlist. Revisions may be hex ids (4 to 64 digits)
/// or `HEAD`, each optionally with one `^`, alone or as `A..B`.
pub fn validate_args(args: &[String]) -> Result<(), ArgError> {
    for a in args {
        if let Some(d) = a.strip_prefix("--date=") {
            if !DATES.contains(&d) {
                return Err(ArgError::Date(d.to_string()));
            }
            continue;
        }
        let ok = if let Some(v) = a
            .strip_prefix("--pretty=")
            .or_else(|| a.strip_prefix("--format="))
        {
            // A format string is interpreted by git alone (placeholders), never by a shell;
            // a newline or NUL could not have come from one make recipe line.
            !v.is_empty() && !v.contains(['\n', '\0'])
        } else if let Some(v) = a.strip_prefix("--decorate=") {
            matches!(v, "short" | "full" | "no")
        } else if let Some(n) = a
            .strip_prefix("--max-count=")
            .or_else(|| a.strip_prefix('-').filter(|r| !r.starts_with('-')))
        {
            (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) || FLAGS.contains(&a.as_str())
        } else if a.starts_with('-') {
            FLAGS.contains(&a.as_str())
        } else if is_revision(a) {
            true
        } else {
            return Err(ArgError::Revision(a.clone()));
        };
        if !ok {
            return Err(ArgError::Option(a.clone()));
        }
    }
    Ok(())
}

fn is_revision(s: &str) -> bool {
    let side = |x: &str| {
        let x = x.strip_suffix('^').unwrap_or(x);
        x == "HEAD" || ((4..=64).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    match s.split_once("..") {
        Some((a, b)) => side(a) && side(b),
        None => side(s),
    }
}

/// The arguments git runs with: `HEAD` replaced by `commit` (the release was made from the
/// tag's checkout; the repository's HEAD is wherever its branch is now), and `commit` added
/// when no revision is given (git log's default is HEAD).
pub fn resolve_head(args: &[String], commit: &str) -> Vec<String> {
    let mut any_rev = false;
    let mut out: Vec<String> = args
        .iter()
        .map(|a| {
            if a.starts_with('-') {
                return a.clone();
            }
            any_rev = true;
            let side = |x: &str| match x.strip_suffix('^') {
                Some("HEAD") => format!("{commit}^"),
                _ if x == "HEAD" => commit.to_string(),
                _ => x.to_string(),
            };
            match a.split_once("..") {
                Some((l, r)) => format!("{}..{}", side(l), side(r)),
                None => side(a),
            }
        })
        .collect();
    if !any_rev {
        out.push(commit.to_string());
    }
    out
}

/// Why a `git log` command of the dist-hook is not accepted (it is then not run at all).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookRefusal {
    #[error("Makefile.am line {line}: `{text}`: {reason}")]
    Refused {
        line: usize,
        text: String,
        reason: String,
    },
}

/// Characters a dist-hook `git log` command must not hold between `git log` and its
/// redirection: anything a shell or make would expand or split on.
const SHELL_META: &[char] = &[
    '$', '`', '\'', '"', '\\', ';', '|', '&', '<', '(', '*', '?', '[', ']', '{', '}', '~', '#', '!',
];

/// Reads the `git log ARGS > "$(distdir)/FILE"` commands of the `dist-hook` recipe of a
/// top-level Makefile.am. Only that exact shape is accepted: the command may sit inside
/// `( cd "$(srcdir)" && ... )` and an `if ...; then ...; fi`, the arguments must pass
/// [`validate_args`] and hold no shell or make syntax, and the target must be a plain
/// relative path under `$(distdir)`. Every other `git log` of the recipe is refused with the
/// reason; nothing of the recipe is ever executed.
pub fn dist_hook_git_logs(makefile_am: &str) -> Vec<Result<GitLogSpec, HookRefusal>> {
    let mut out = Vec::new();
    for (line, text) in dist_hook_recipe(makefile_am) {
        let mut rest = text.as_str();
        while let Some(at) = find_git_log(rest) {
            let cmd = &rest[at..];
            let refuse = |reason: &str| HookRefusal::Refused {
                line,
                text: cmd.split(['\n']).next().unwrap_or(cmd).trim().to_string(),
                reason: reason.to_string(),
            };
            out.push(parse_git_log(cmd, line).map_err(|r| refuse(&r)));
            rest = &rest[at + "git log".len()..];
        }
    }
    out
}

/// `git log` as a command word (not part of `mygit log`).
fn find_git_log(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find("git log") {
        let at = from + i;
        let before = s[..at].chars().next_back();
        let after = s[at + 7..].chars().next();
        if before.is_none_or(|c| c.is_whitespace() || c == '(')
            && after.is_none_or(|c| c.is_whitespace())
        {
            return Some(at);
        }
        from = at + 7;
    }
    None
}

fn parse_git_log(cmd: &str, line: usize) -> Result<GitLogSpec, String> {
    let body = &cmd["git log".len()..];
    let Some(redir) = body.find('>') else {
        return Err("no `> \"$(distdir)/FILE\"` redirection: not a file the hook writes".into());
    };
    let (argtext, after) = (&body[..redir], &body[redir + 1..]);
    // `( cd "$(srcdir)" && git log ... ) > "$(distdir)/ChangeLog"`: one closing parenthesis
    // of the subshell may stand between the arguments and the redirection.
    let argtext = match argtext.trim_end().strip_suffix(')') {
        Some(a) => a,
        None => argtext,
    };
    if let Some(c) = argtext
        .chars()
        .find(|c| SHELL_META.contains(c) || *c == ')')
    {
        return Err(format!(
            "the arguments hold `{c}` (shell or make syntax): only plain git log options and revisions are read"
        ));
    }
    let args: Vec<String> = argtext.split_whitespace().map(str::to_string).collect();
    validate_args(&args).map_err(|e| e.to_string())?;
    let after = after.trim_start();
    if after.starts_with('>') {
        return Err("appends (`>>`) to the file: its content is not git log's alone".into());
    }
    let (target, tail) = match after.strip_prefix('"') {
        Some(q) => match q.find('"') {
            Some(end) => (&q[..end], &q[end + 1..]),
            None => return Err("unterminated quote in the redirection".into()),
        },
        None => {
            let end = after
                .find(|c: char| c.is_whitespace() || c == ';')
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        }
    };
    let Some(path) = target.strip_prefix("$(distdir)/") else {
        return Err(format!(
            "writes to `{target}`, not to a file under $(distdir)"
        ));
    };
    if !plain_path(path) {
        return Err(format!("target `{path}` is not a plain relative path"));
    }
    let tail = tail.trim_start();
    if !(tail.is_empty()
        || tail.starts_with(';')
        || tail.starts_with("&&")
        || tail.starts_with("fi"))
    {
        return Err(format!(
            "the command goes on after its redirection (`{}`)",
            tail.chars().take(20).collect::<String>()
        ));
    }
    Ok(GitLogSpec {
        path: path.to_string(),
        args,
        filter: None,
        origin: Origin::DistHook { line },
    })
}

/// A relative path of plain names (no `..`, no empty component, no make or shell syntax).
pub fn plain_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && p.split('/').all(|c| {
            !c.is_empty()
                && c != "."
                && c != ".."
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b))
        })
}

/// The logical lines (backslash continuations joined) of the `dist-hook:` recipe, each with
/// the number of its first physical line.
fn dist_hook_recipe(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| {
        l.strip_prefix("dist-hook")
            .is_some_and(|r| r.trim_start().starts_with(':'))
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut i = start + 1;
    while i < lines.len() && lines[i].starts_with('\t') {
        let first = i + 1;
        let mut joined = String::new();
        loop {
            let l = lines[i].strip_prefix('\t').unwrap_or(lines[i]);
            match l.strip_suffix('\\') {
                Some(head) if i + 1 < lines.len() => {
                    joined.push_str(head);
                    joined.push(' ');
                    i += 1;
                }
                _ => {
                    joined.push_str(l);
                    i += 1;
                    break;
                }
            }
        }
        out.push((first, joined));
    }
    out
}

/// One way of running the log tried before a mismatch is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mailmap {
    /// `-c mailmap.blob=<commit>:.mailmap --use-mailmap`: the tag's `.mailmap`, as the release
    /// manager's work tree had it (the repository's branch head may have another).
    Tag,
    /// `--no-use-mailmap`: names as committed.
    Off,
}

impl Mailmap {
    pub fn describe(self) -> &'static str {
        match self {
            Mailmap::Tag => "the tag's .mailmap",
            Mailmap::Off => "no mailmap",
        }
    }
}

/// What to run and compare.
#[derive(Debug, Clone)]
pub struct GitLogRequest<'a> {
    pub spec: &'a GitLogSpec,
    /// The repository's git directory (mounted read-only).
    pub git_dir: &'a Path,
    /// The tag's commit id (hex).
    pub commit: &'a str,
    /// Whether the tag's tree has a `.mailmap` (then [`Mailmap::Tag`] is tried first).
    pub tag_has_mailmap: bool,
    /// The filter script's bytes, from the tag's tree.
    pub filter_script: Option<&'a [u8]>,
    /// The release's file.
    pub release: &'a [u8],
}

/// How one git-log file came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitLogResult {
    Reproduced {
        mailmap: Mailmap,
        /// The command, as run (for the report).
        command: String,
        elapsed: Duration,
    },
    /// Different under every variant; the diff is from the first.
    Differs {
        command: String,
        diff: Difference,
        elapsed: Duration,
    },
}

/// Why a git-log file could not be regenerated (the file is then undecided, never passed).
#[derive(Debug, thiserror::Error)]
pub enum GitLogError {
    #[error("{GIT} is not installed on this host (the sandbox runs the host's git from the read-only /usr); install git to decide this file")]
    NoGit,
    #[error("{PERL} is not installed on this host (filter script {0})")]
    NoPerl(String),
    #[error("the filter script {0} is not a file of the tag's tree")]
    NoFilter(String),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("`{command}` failed in the sandbox (status {status:?}): {stderr}")]
    Failed {
        command: String,
        status: Option<i32>,
        stderr: String,
    },
}

/// Repository config keys that change `git log`'s output, set to git's defaults on the
/// command line: the repository's config is untrusted data, and the release manager's git
/// read their own config, not this mirror's.
const CONFIG_OVERRIDES: &[&str] = &[
    "safe.directory=*",
    "log.showSignature=false",
    "log.decorate=auto",
    "log.date=default",
    "log.abbrevCommit=false",
    "log.follow=false",
    "log.showRoot=true",
    "format.pretty=medium",
    "diff.renames=true",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "diff.context=3",
    "color.ui=never",
    "core.abbrev=auto",
    "core.quotePath=true",
    "i18n.logOutputEncoding=UTF-8",
];

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The git command line, shell-quoted, with `$G` as the git directory.
fn git_command(spec: &GitLogSpec, commit: &str, mailmap: Mailmap) -> (String, String) {
    let mut words: Vec<String> = vec![GIT.into(), "--git-dir=$G".into(), "--no-pager".into()];
    for c in CONFIG_OVERRIDES {
        words.push("-c".into());
        words.push(c.to_string());
    }
    if mailmap == Mailmap::Tag {
        words.push("-c".into());
        words.push(format!("mailmap.blob={commit}:.mailmap"));
    }
    words.push("log".into());
    words.push(
        match mailmap {
            Mailmap::Tag => "--use-mailmap",
            Mailmap::Off => "--no-use-mailmap",
        }
        .into(),
    );
    for w in ["--no-color", "--no-ext-diff", "--no-textconv"] {
        words.push(w.into());
    }
    words.extend(resolve_head(&spec.args, commit));
    // The overrides and the mount point are the same for every file: left out of what the
    // report shows.
    let mut shown_words: Vec<&str> = Vec::new();
    let mut i = 1;
    while i < words.len() {
        let w = words[i].as_str();
        if w == "-c"
            && words
                .get(i + 1)
                .is_some_and(|n| CONFIG_OVERRIDES.contains(&n.as_str()))
        {
            i += 2;
            continue;
        }
        if w != "--git-dir=$G" {
            shown_words.push(w);
        }
        i += 1;
    }
    let shown = shown_words.join(" ");
    let quoted = words
        .iter()
        .map(|w| {
            if w == "--git-dir=$G" {
                "--git-dir=\"$G\"".to_string()
            } else {
                shell_quote(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let shown = match &spec.filter {
        Some(f) => format!("git {shown} | perl {f}"),
        None => format!("git {shown}"),
    };
    (quoted, shown)
}

/// Runs the spec's `git log` in the sandbox under each mailmap variant until one is
/// byte-identical to the release's file.
pub fn regenerate_git_log(
    sandbox: &Sandbox,
    req: &GitLogRequest<'_>,
) -> Result<GitLogResult, GitLogError> {
    if !Path::new(GIT).is_file() {
        return Err(GitLogError::NoGit);
    }
    if let Some(f) = &req.spec.filter {
        if req.filter_script.is_none() {
            return Err(GitLogError::NoFilter(f.clone()));
        }
        if !Path::new(PERL).is_file() {
            return Err(GitLogError::NoPerl(f.clone()));
        }
    }
    let variants: &[Mailmap] = if req.tag_has_mailmap {
        &[Mailmap::Tag, Mailmap::Off]
    } else {
        &[Mailmap::Off]
    };
    // Output past twice the release's size cannot be the release's file; the cap keeps a
    // hostile repository from filling memory.
    let mut limits = sandbox.limits;
    limits.output = limits
        .output
        .min((req.release.len() as u64).saturating_mul(2).max(1 << 20));
    limits.time = limits.time.min(Duration::from_secs(300));
    let sb = Sandbox {
        isolation: sandbox.isolation.clone(),
        limits,
    };
    let (gdir, mounts): (String, Vec<Mount>) = match sb.isolation {
        Isolation::Bubblewrap => (
            "/repo".into(),
            vec![Mount {
                host: PathBuf::from(req.git_dir),
                inside: "/repo".into(),
            }],
        ),
        Isolation::UnsafeNone => (req.git_dir.display().to_string(), Vec::new()),
    };
    let mut first: Option<(String, Vec<u8>)> = None;
    let mut elapsed = Duration::ZERO;
    for &mm in variants {
        let (git, shown) = git_command(req.spec, req.commit, mm);
        let script = match &req.spec.filter {
            // sh has no pipefail: git's status is kept in a file and checked after the pipe.
            Some(_) => format!(
                "cat > \"$W/filter\" || exit 97\n{{ {git}; echo $? > \"$W/git.status\"; }} | {PERL} \"$W/filter\"\nst=$?\n[ \"$(cat \"$W/git.status\")\" = 0 ] || exit 98\nexit $st\n"
            ),
            None => format!("exec {git} </dev/null\n"),
        };
        let spec = Spec {
            script,
            env: vec![
                ("PATH".into(), "/usr/bin:/bin".into()),
                ("G".into(), gdir.clone()),
                ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
                ("GIT_CONFIG_GLOBAL".into(), "/dev/null".into()),
                ("LC_ALL".into(), "C".into()),
            ],
            mounts: mounts.clone(),
        };
        let out = sb.run(&spec, req.filter_script.unwrap_or_default())?;
        elapsed += out.elapsed;
        if out.status != Some(0) {
            let err = String::from_utf8_lossy(&out.stderr);
            let tail: String = err
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join(" | ");
            return Err(GitLogError::Failed {
                command: shown,
                status: out.status,
                stderr: tail,
            });
        }
        if out.stdout == req.release {
            return Ok(GitLogResult::Reproduced {
                mailmap: mm,
                command: shown,
                elapsed,
            });
        }
        first.get_or_insert((shown, out.stdout));
    }
    let (command, regenerated) = first.expect("at least one variant ran");
    let diff = difference(&req.spec.path, req.release, &regenerated)
        .expect("bytes differ, so a difference exists");
    Ok(GitLogResult::Differs {
        command,
        diff,
        elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn xz_dist_hook_is_read() {
        let am = "EXTRA_DIST = x\n\ndist-hook:\n\tif test -d \"$(srcdir)/.git\" && type git > /dev/null 2>&1; then \\\n\t\t( cd \"$(srcdir)\" && git log --date=iso --stat \\\n\t\t\t6060f7dc76fd6c2a8a1f8e85d0e4d86bb78273e6^..HEAD ) \\\n\t\t\t> \"$(distdir)/ChangeLog\"; \\\n\tfi\n\tif type groff > /dev/null; then echo; fi\n\nmydist:\n\tgit log > $(distdir)/Other\n";
        let got = dist_hook_git_logs(am);
        assert_eq!(got.len(), 1, "{got:?}");
        let s = got[0].as_ref().unwrap();
        assert_eq!(s.path, "ChangeLog");
        assert_eq!(
            s.args,
            args("--date=iso --stat 6060f7dc76fd6c2a8a1f8e85d0e4d86bb78273e6^..HEAD")
        );
        assert_eq!(s.origin, Origin::DistHook { line: 4 });
        assert_eq!(
            resolve_head(&s.args, "abc1"),
            args("--date=iso --stat 6060f7dc76fd6c2a8a1f8e85d0e4d86bb78273e6^..abc1")
        );
        assert_eq!(resolve_head(&args("--stat"), "abc1"), args("--stat abc1"));
        assert_eq!(resolve_head(&args("HEAD^..HEAD"), "c"), args("c^..c"));
    }

    #[test]
    fn plain_forms_are_read() {
        let am = "dist-hook:\n\tgit log --no-merges --format=%H > $(distdir)/ChangeLog\n\tgit log -M --max-count=5 > \"$(distdir)/doc/HISTORY\" && true\n";
        let got: Vec<_> = dist_hook_git_logs(am)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got[0].path, "ChangeLog");
        assert_eq!(got[0].args, args("--no-merges --format=%H"));
        assert_eq!(got[1].path, "doc/HISTORY");
        assert!(dist_hook_git_logs("all:\n\tgit log > $(distdir)/x\n").is_empty());
    }

    #[test]
    fn hostile_hooks_are_refused() {
        for hook in [
            "git log --output=/x > $(distdir)/ChangeLog",
            "git log $(shell touch /tmp/pwned) > $(distdir)/ChangeLog",
            "git log `id` > $(distdir)/ChangeLog",
            "git log --ext-diff -p > $(distdir)/ChangeLog",
            "git log --date=relative > $(distdir)/ChangeLog",
            "git log | sh > $(distdir)/ChangeLog",
            "git log > $(distdir)/../../etc/x",
            "git log > /tmp/ChangeLog",
            "git log >> $(distdir)/ChangeLog",
            "git log > $(distdir)/ChangeLog; rm -rf /",
            "git log > $(distdir)/ChangeLog | tee x",
            "git log origin/master > $(distdir)/ChangeLog",
            "git log -c core.pager=x > $(distdir)/ChangeLog",
            "git log --stat",
        ] {
            let am = format!("dist-hook:\n\t{hook}\n");
            let got = dist_hook_git_logs(&am);
            assert_eq!(got.len(), 1, "{hook}: {got:?}");
            let tail_ok = hook.ends_with("; rm -rf /");
            assert!(got[0].is_err() || tail_ok, "{hook} accepted: {:?}", got[0]);
        }
        // `; rm -rf /` after the redirection: the git log itself is plain, the rest is
        // another command of the recipe that is never run.
        let got = dist_hook_git_logs("dist-hook:\n\tgit log > $(distdir)/ChangeLog; rm -rf /\n");
        assert_eq!(got[0].as_ref().unwrap().path, "ChangeLog");
    }

    #[test]
    fn arguments_allowlist() {
        assert!(validate_args(&args(
            "--pretty=fuller --no-color --date=short --decorate=full -1000"
        ))
        .is_ok());
        assert!(validate_args(&args("abcd..HEAD HEAD 0123456789abcdef^")).is_ok());
        for bad in [
            "--output=x",
            "-p",
            "--textconv",
            "--exec=x",
            "--date=local",
            "--date=format:%c",
            "main",
            "v1.0..HEAD",
            "HEAD~3",
            "--all",
            "-n",
            "--decorate=weird",
            "--",
        ] {
            assert!(validate_args(&args(bad)).is_err(), "{bad}");
        }
    }
}
