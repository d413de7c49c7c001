//! The check's flags (check, seal and sigs add take them), the options they make, and
//! running the check with a progress bar; errors are reported as [`super::fail`] does.

use super::{fail, Format};
use crate::progress;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::check::{CheckError, CheckOptions, Limits, Report, Target};

/// The metadata budget under `--regenerate` when `--max-metadata-bytes` is not given.
const REGENERATE_METADATA_BYTES: u64 = 512 << 20;

#[derive(Args)]
pub struct CheckArgs {
    /// The release archive (tar, tar.gz, tar.xz, tar.bz2, tar.zst, zip, .crate), detected by its
    /// magic bytes.
    pub tarball: PathBuf,
    /// The git repository (a work tree or a bare repository).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Compare with a git proof (`NAME.git-proof`, written by seal) instead of a repository:
    /// the tag it names (or --tag, which must be the same) with its signature verified
    /// against --keyring, and the trees and blobs the sealed check read.
    #[arg(long, value_name = "FILE.git-proof", conflicts_with = "commit")]
    pub proof: Option<PathBuf>,
    /// The annotated tag the archive claims to be made from; its own `tag` header must equal it.
    #[arg(
        long,
        value_name = "TAG",
        required_unless_present_any = ["commit", "proof"],
        conflicts_with = "commit"
    )]
    pub tag: Option<String>,
    /// Compare with a commit (any revision) instead of a tag.
    #[arg(long, value_name = "REV")]
    pub commit: Option<String>,
    /// Accept a lightweight tag (no tag object: no name binding, no signature; needs
    /// --allow-unsigned too).
    #[arg(long)]
    pub allow_lightweight: bool,
    /// Keys the tag's signature must verify against (repeatable): OpenPGP certificates as
    /// `gpg --export [--armor]` writes them, or an SSH allowed_signers file (told apart by
    /// content). Give it from the trusted side, never from the repository or the tarball.
    #[arg(long, value_name = "FILE")]
    pub keyring: Vec<PathBuf>,
    /// Compare content without a verified tag signature (unsigned tags, --commit, or no
    /// --keyring). The report says so loudly. A signature that is present is still verified
    /// when --keyring is given.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Compare with this sub-directory of the tree (a package built from a monorepo folder).
    #[arg(long, value_name = "PATH")]
    pub subdir: Option<String>,
    /// The archive's top-level directory (`name-1.2.3`); detected when absent. `--prefix ''`
    /// means the archive has none.
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<String>,
    /// Built-in policy profile: auto (the default: chosen from the tag's tree and the archive's
    /// layout, printed with why), git-archive (exact), pbr, setuptools, hatchling, flit-core,
    /// pdm-backend, poetry-core, maturin, meson-python, scikit-build-core, autotools, meson,
    /// cargo, npm. A name given here overrides the tag's .tarseal.toml.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// A submodule's repository (repeatable): the commit the tag's gitlink at PATH pins is read
    /// from REPO and compared as if inlined. Without it, content under a submodule is
    /// undecided (exit 3).
    #[arg(long, value_name = "PATH=REPO", value_parser = parse_submodule)]
    pub submodule: Vec<(String, PathBuf)>,
    /// Project policy file (TOML); replaces the .tarseal.toml of the tag's tree.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Output format: text for people, json (schema tarseal.report/v2) for programs.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Text output: every finding with its detail and rule (the default prints a count per
    /// cause), and the files of the trust surface (accepted by name only).
    #[arg(long, short)]
    pub verbose: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Most decompressed bytes the archive may hold (suffixes K, M, G, T).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_total_bytes: Option<u64>,
    /// Most entries the archive may hold.
    #[arg(long, value_name = "N")]
    pub max_entries: Option<u64>,
    /// Largest single entry (suffixes K, M, G, T).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_entry_bytes: Option<u64>,
    /// Longest entry name or link target in bytes (default 4096, Linux's PATH_MAX).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_path_bytes: Option<u64>,
    /// Most `/`-separated components in one entry name (default 256).
    #[arg(long, value_name = "N")]
    pub max_path_depth: Option<u64>,
    /// Largest xz/zstd dictionary (window) the archive may make the decoder allocate
    /// (default 64M, what xz -9 and zstd -19 use; suffixes K, M, G).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_dictionary_bytes: Option<u64>,
    /// Zip: the most a member may inflate (declared size / compressed size; default 1100).
    #[arg(long, value_name = "N")]
    pub max_zip_ratio: Option<u64>,
    /// Most memory the entries' metadata may take while they are judged: names, records and
    /// the contents kept for content checks (default 64M, about 200,000 entries; 512M with
    /// --regenerate, which keeps every generated file; suffixes K, M, G). Peak memory of a
    /// check is about this plus what the tag's tree takes.
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_metadata_bytes: Option<u64>,
    /// Regenerate the generated files (autotools: configure, aclocal.m4, config.h.in,
    /// Makefile.in, aux files) from the tag's tree in a bubblewrap sandbox and judge them by
    /// their bytes: identical = reproduced, different = rejected with a diff, made with a
    /// toolchain version that is not available = indeterminate.
    #[arg(long)]
    pub regenerate: bool,
    /// Run regeneration WITHOUT the sandbox (the tag's build code gets this user's files and
    /// network). Only for trusted input where bubblewrap cannot run.
    #[arg(long, requires = "regenerate")]
    pub unsafe_no_sandbox: bool,
    /// Regenerate with this toolchain directory (repeatable; as `tarseal toolchain fetch`
    /// leaves them) instead of the system's /usr. Without it, the versions the release's
    /// files name are taken from the system or, when it has others, from the fetched
    /// toolchains ($XDG_CACHE_HOME/tarseal/toolchains).
    #[arg(long, value_name = "DIR", requires = "regenerate")]
    pub toolchain: Vec<PathBuf>,
    /// Run every regeneration strategy again instead of reusing an identical earlier run
    /// from $XDG_CACHE_HOME/tarseal/regen (same inputs, script and toolchain bytes).
    #[arg(long, requires = "regenerate")]
    pub no_regen_cache: bool,
}

/// Parses `PATH=REPO` of `--submodule`.
fn parse_submodule(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((p, r)) if !p.trim_matches('/').is_empty() && !r.is_empty() => {
            Ok((p.trim_matches('/').to_string(), PathBuf::from(r)))
        }
        _ => Err(format!(
            "{s:?} is not PATH=REPO (the submodule's path in the tag's tree = its repository)"
        )),
    }
}

/// Parses `1024`, `64K`, `512M`, `32G`, `1T` (binary multiples).
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, shift) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("unknown size suffix {c:?} (use K, M, G or T)")),
            };
            (&s[..i], shift)
        }
        _ => (s, 0),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (a number with an optional K, M, G or T)"))?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// The check's options from its flags (the keyring loaded); a usage error otherwise.
pub fn check_options(args: &CheckArgs, raw_digests: bool) -> Result<CheckOptions, CheckError> {
    let keyring = tarseal::sig::Keyring::from_files(&args.keyring)
        .map_err(|e| CheckError::Usage(e.to_string()))?;
    let defaults = Limits::default();
    let target = match (&args.tag, &args.commit) {
        (Some(t), _) => Target::Tag {
            name: t.clone(),
            allow_lightweight: args.allow_lightweight,
        },
        (None, Some(c)) => Target::Commit { rev: c.clone() },
        // With --proof alone: the tag the proof names.
        (None, None) => Target::Tag {
            name: String::new(),
            allow_lightweight: args.allow_lightweight,
        },
    };
    Ok(CheckOptions {
        archive: args.tarball.clone(),
        repo: args.repo.clone(),
        target,
        subdir: args.subdir.clone(),
        prefix: args.prefix.clone(),
        profile: args.profile.clone(),
        submodules: args.submodule.clone(),
        policy_file: args.policy.clone(),
        limits: Limits {
            max_total_bytes: args.max_total_bytes.unwrap_or(defaults.max_total_bytes),
            max_entries: args.max_entries.unwrap_or(defaults.max_entries),
            max_entry_bytes: args.max_entry_bytes.unwrap_or(defaults.max_entry_bytes),
            max_path_bytes: args.max_path_bytes.unwrap_or(defaults.max_path_bytes),
            max_path_depth: args.max_path_depth.unwrap_or(defaults.max_path_depth),
            max_dictionary_bytes: args
                .max_dictionary_bytes
                .unwrap_or(defaults.max_dictionary_bytes),
            max_zip_ratio: args.max_zip_ratio.unwrap_or(defaults.max_zip_ratio),
            // --regenerate keeps every file git does not back (up to 64 MiB each) to compare
            // it with its regeneration: a make-dist release's generated files can pass the
            // default on their own, and the user asked for the heavy check.
            max_metadata_bytes: args.max_metadata_bytes.unwrap_or(if args.regenerate {
                defaults.max_metadata_bytes.max(REGENERATE_METADATA_BYTES)
            } else {
                defaults.max_metadata_bytes
            }),
        },
        keyring,
        allow_unsigned: args.allow_unsigned,
        raw_digests,
        raw_observer: None,
        regenerate: args.regenerate.then(|| regen_options(args)),
        proof: args.proof.clone(),
    })
}

/// `--regenerate`'s sandbox, toolchain and cache.
fn regen_options(args: &CheckArgs) -> tarseal::check::RegenOptions {
    use tarseal::regen::{fetch, Isolation, Limits, Sandbox, Toolchain};
    tarseal::check::RegenOptions {
        sandbox: Sandbox {
            isolation: if args.unsafe_no_sandbox {
                Isolation::UnsafeNone
            } else {
                Isolation::Bubblewrap
            },
            limits: Limits::default(),
        },
        toolchain: if args.toolchain.is_empty() {
            Toolchain::System
        } else {
            Toolchain::Dirs(args.toolchain.clone())
        },
        cache: if args.no_regen_cache {
            None
        } else {
            fetch::cache_root().map(|d| d.join("regen"))
        },
        toolchains: fetch::cache_dir(),
    }
}

/// Runs the check of `args` (`raw_digests` also hashes the archive file, for seal and sigs
/// add; `observer` sees every raw byte of that same read). Returns the report, or the exit
/// code of an error already reported.
pub fn run_check(
    args: &CheckArgs,
    raw_digests: bool,
    observer: Option<tarseal::check::RawObserver>,
) -> Result<Report, ExitCode> {
    run_check_proving(args, raw_digests, observer, false).map(|c| c.report)
}

/// As [`run_check`]; with `write_proof` also returns the git proof of what the check read
/// (seal writes it as NAME.git-proof).
pub fn run_check_proving(
    args: &CheckArgs,
    raw_digests: bool,
    observer: Option<tarseal::check::RawObserver>,
    write_proof: bool,
) -> Result<tarseal::check::Checked, ExitCode> {
    let mut opts = check_options(args, raw_digests).map_err(|e| fail(&e, args.format))?;
    opts.raw_observer = observer;
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let mut bar = progress::Bar::new(show_progress, &args.tarball);
    let result = tarseal::check::run_proving(&opts, write_proof, &mut |done, total| {
        bar.update(done, total)
    });
    bar.finish();
    result.map_err(|e| fail(&e, args.format))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
