//! `tarseal sigs add` (check, sign, commit onto release-sigs without touching the work tree
//! or the index), `tarseal sigs check` (the review CI of that branch), `gate --sigs-from`,
//! and docs/ci/local-e2e.sh run end to end.

mod common;

use common::cosign::*;
use common::BIN;
use std::path::Path;
use std::process::Command;

fn state(c: &Cosign) -> (String, String, String, Vec<u8>) {
    (
        c.f.git(&["status", "--porcelain=v1", "--untracked-files=all"]),
        c.f.rev("HEAD"),
        c.f.git(&["symbolic-ref", "HEAD"]),
        std::fs::read(c.f.repo().join(".git/index")).unwrap(),
    )
}

fn add(c: &Cosign, tarball: &str, keyring: &str, secret: &str, extra: &[&str]) -> Run {
    let repo = c.f.repo();
    let mut a = vec![
        "sigs",
        "add",
        tarball,
        "--repo",
        repo.to_str().unwrap(),
        "--tag",
        "v2",
        "--keyring",
        keyring,
        "--key",
        secret,
        "-q",
    ];
    a.extend_from_slice(extra);
    c.tarseal(&a)
}

/// `tarseal sigs check --repo REPO --ref HEAD --base BASE --keyring KR --tarball-dir DIR EXTRA`.
fn sigs_check(c: &Cosign, repo: &str, base: &str, kr: &str, dir: &str, extra: &[&str]) -> Run {
    let mut a = vec![
        "sigs",
        "check",
        "--repo",
        repo,
        "--ref",
        "HEAD",
        "--base",
        base,
        "--keyring",
        kr,
        "--tarball-dir",
        dir,
    ];
    a.extend_from_slice(extra);
    c.tarseal(&a)
}

fn path_for(fpr: &str) -> String {
    format!("sigs/proj/v2/{NAME}.{}.asc", &fpr[fpr.len() - 16..])
}

#[test]
fn sigs_add_commits_the_right_path_and_leaves_the_work_tree_alone() {
    let c = Cosign::new();
    let bob = c.key("Bob <bob@example.org>");
    let kr = c.keyring(&[&c.alice, &bob]);
    let (ska, skb) = (c.secret(&c.alice), c.secret(&bob));
    // A work tree in the middle of something: staged, unstaged and untracked changes.
    c.f.write("README", "staged change\n");
    c.f.git(&["add", "README"]);
    c.f.write("src/main.c", "unstaged change\n");
    c.f.write("notes.txt", "untracked\n");
    let before = state(&c);

    let r = add(&c, &c.tarball_s(), &kr, &ska, &[]);
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(r.all.contains("push"), "says what to push: {}", r.all);
    assert_eq!(state(&c), before, "work tree, index and HEAD untouched");
    assert_eq!(
        c.f.git(&["ls-tree", "-r", "--name-only", "release-sigs"]),
        path_for(&c.alice)
    );
    assert_eq!(
        c.f.git(&["rev-list", "--count", "release-sigs"]),
        "1",
        "an orphan"
    );
    // The blob is gpg's idea of a good signature over the tarball.
    let blob =
        c.f.git_raw(&["show", &format!("release-sigs:{}", path_for(&c.alice))]);
    let sigfile = c.f.scratch("a.asc");
    std::fs::write(&sigfile, &blob).unwrap();
    let ok = Command::new("gpg")
        .env("GNUPGHOME", c.g.path())
        .args(["--batch", "--verify"])
        .arg(&sigfile)
        .arg(c.tarball())
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // Bob adds his on top; Alice again with another signature (new timestamp) is refused.
    let r = add(&c, &c.tarball_s(), &kr, &skb, &[]);
    assert_eq!(r.code, 0, "{}", r.all);
    let mut want = [path_for(&c.alice), path_for(&bob)];
    want.sort();
    assert_eq!(
        c.f.git(&["ls-tree", "-r", "--name-only", "release-sigs"]),
        want.join("\n")
    );
    assert_eq!(c.f.git(&["rev-list", "--count", "release-sigs"]), "2");
    let tip = c.f.rev("release-sigs");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r = add(&c, &c.tarball_s(), &kr, &ska, &[]);
    assert_eq!(r.code, 2, "{}", r.all);
    assert!(r.all.contains("already exists"), "{}", r.all);
    assert_eq!(c.f.rev("release-sigs"), tip);
    assert_eq!(state(&c), before);

    // The gate reads them from the branch.
    let repo = c.f.repo();
    let gate = |threshold: &str| {
        c.tarseal(&[
            "gate",
            &c.tarball_s(),
            "--keyring",
            &kr,
            "--threshold",
            threshold,
            "--sigs-from",
            "release-sigs",
            "--repo",
            repo.to_str().unwrap(),
        ])
    };
    let r = gate("2");
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(
        r.all.contains(&format!("release-sigs:{}", path_for(&bob))),
        "{}",
        r.all
    );
    assert_eq!(gate("3").code, 3);

    // A tarball that fails the check: exit 1, nothing signed or committed.
    let bad = c.f.dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    c.f.write("extra.txt", "not in the tag\n");
    c.f.git(&["add", "extra.txt"]);
    c.f.git(&["commit", "-q", "-m", "more"]);
    c.f.git(&[
        "archive",
        "--format=tar.gz",
        "--prefix=proj-2.0/",
        "-o",
        bad.join(NAME).to_str().unwrap(),
        "HEAD",
    ]);
    let r = add(
        &c,
        bad.join(NAME).to_str().unwrap(),
        &kr,
        &skb,
        &["--branch", "other"],
    );
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(!c
        .g
        .git_ok(&c.f, &["rev-parse", "--verify", "-q", "refs/heads/other"]));
    // --branch names another branch.
    let r = add(&c, &c.tarball_s(), &kr, &skb, &["--branch", "other"]);
    assert_eq!(r.code, 0, "{}", r.all);
    assert_eq!(
        c.f.git(&["ls-tree", "-r", "--name-only", "other"]),
        path_for(&bob)
    );
    // The branch checked out in the repository is refused (its index would go stale).
    c.f.git(&["symbolic-ref", "HEAD", "refs/heads/other"]);
    let r = add(&c, &c.tarball_s(), &kr, &ska, &["--branch", "other"]);
    assert_eq!(r.code, 2, "{}", r.all);
    assert!(r.all.contains("checked out"), "{}", r.all);
    assert_eq!(
        c.f.git(&["ls-tree", "-r", "--name-only", "other"]),
        path_for(&bob)
    );
}

/// A clone of the repository on branch `proposed` (from release-sigs) where a change is
/// made; `sigs check` then compares it with `origin/release-sigs`.
fn clone(c: &Cosign) -> std::path::PathBuf {
    let dir = c.f.scratch("clone");
    c.f.git(&[
        "clone",
        "-q",
        "-b",
        "release-sigs",
        c.f.repo().to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    dir
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = common::run_ok(common::isolate(
        Command::new("git").args(args).current_dir(dir),
    ));
    String::from_utf8_lossy(&out).trim().to_string()
}

#[test]
fn sigs_check_accepts_good_signatures_and_refuses_everything_else() {
    let c = Cosign::new();
    let bob = c.key("Bob <bob@example.org>");
    let mallory = c.key("Mallory <mallory@example.org>");
    let kr = c.keyring(&[&c.alice, &bob]);
    let (ska, skb) = (c.secret(&c.alice), c.secret(&bob));
    let dir = c.dir.to_str().unwrap().to_string();
    let check =
        |repo: &Path, base: &str| sigs_check(&c, repo.to_str().unwrap(), base, &kr, &dir, &[]);

    // The first change creates the branch: compared with the empty tree.
    assert_eq!(add(&c, &c.tarball_s(), &kr, &ska, &[]).code, 0);
    let empty = c.f.git(&["hash-object", "-t", "tree", "/dev/null"]);
    let first = clone(&c);
    let r = check(&first, &empty);
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(
        r.stdout
            .contains(&format!("ok       {}", path_for(&c.alice))),
        "{}",
        r.all
    );
    // The same for programs: tarseal.sigs-check/v1, one finding per file, the same verdict.
    let r = sigs_check(
        &c,
        first.to_str().unwrap(),
        &empty,
        &kr,
        &dir,
        &["--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.all);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is only JSON");
    assert_eq!(v["schema"], "tarseal.sigs-check/v1");
    assert_eq!(
        (v["verdict"].as_str(), v["exit_code"].as_u64()),
        (Some("pass"), Some(0))
    );
    let kinds: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert!(
        kinds.contains(&("ok", path_for(&c.alice).as_str())),
        "{v:#}"
    );
    assert!(kinds.iter().any(|(k, _)| *k == "file"), "{v:#}");
    let base = c.f.rev("release-sigs");

    // Bob's addition, reviewed against the branch before it.
    assert_eq!(add(&c, &c.tarball_s(), &kr, &skb, &[]).code, 0);
    let r = check(&c.f.repo(), &base);
    // (--ref HEAD of the main repository is main: nothing under sigs/ changed there.)
    assert_eq!(r.code, 1, "main's own files are not signatures: {}", r.all);
    let cl = clone(&c);
    let r = check(&cl, &base);
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(r.stdout.contains(&path_for(&bob)), "{}", r.all);
    assert!(
        !r.stdout.contains(&path_for(&c.alice)),
        "only the change: {}",
        r.all
    );

    let commit = |dir: &Path| {
        git_in(dir, &["add", "-A"]);
        git_in(dir, &["commit", "-q", "-m", "proposed"]);
    };
    let fresh = || {
        let d = clone(&c);
        (d.clone(), d.join("sigs/proj/v2"))
    };

    // A change that also edits another file is refused, naming it.
    let (d, s) = fresh();
    std::fs::write(
        s.join(format!("{NAME}.{}.asc", &mallory[24..])),
        c.g.sign(None, &mallory, &c.tarball(), &[]),
    )
    .unwrap();
    std::fs::create_dir_all(d.join(".github/workflows")).unwrap();
    std::fs::write(d.join(".github/workflows/upload.yml"), "on: push\n").unwrap();
    commit(&d);
    let r = check(&d, "origin/release-sigs");
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(
        r.stdout
            .contains("REJECTED .github/workflows/upload.yml: not a signature file"),
        "{}",
        r.all
    );
    // ... and the unknown key's signature at its own path too.
    assert!(r.stdout.contains("unknown key"), "{}", r.all);

    // A modified signature (Alice signs again) is verified again, and accepted.
    let (d, s) = fresh();
    std::fs::write(
        s.join(format!("{NAME}.{}.asc", &c.alice[24..])),
        c.g.sign(None, &c.alice, &c.tarball(), &[]),
    )
    .unwrap();
    commit(&d);
    let r = check(&d, "origin/release-sigs");
    assert_eq!(r.code, 0, "a modified signature is re-verified: {}", r.all);
    // A good signature at the wrong path (Alice's signature filed under Carol's key id).
    let (d, s) = fresh();
    let carol = c.key("Carol <carol@example.org>");
    let kr2 = c.keyring(&[&c.alice, &bob, &carol]);
    std::fs::write(
        s.join(format!("{NAME}.{}.asc", &carol[24..])),
        c.g.sign(None, &c.alice, &c.tarball(), &[]),
    )
    .unwrap();
    commit(&d);
    let r = sigs_check(
        &c,
        d.to_str().unwrap(),
        "origin/release-sigs",
        &kr2,
        &dir,
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(r.stdout.contains("the path names key id"), "{}", r.all);

    // A signature over another file.
    let (d, s) = fresh();
    let other = c.f.scratch("other");
    std::fs::write(&other, "other bytes\n").unwrap();
    std::fs::write(
        s.join(format!("{NAME}.{}.asc", &carol[24..])),
        c.g.sign(None, &carol, &other, &[]),
    )
    .unwrap();
    commit(&d);
    let r = sigs_check(
        &c,
        d.to_str().unwrap(),
        "origin/release-sigs",
        &kr2,
        &dir,
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(r.stdout.contains("BAD signature"), "{}", r.all);
    let r = sigs_check(
        &c,
        d.to_str().unwrap(),
        "origin/release-sigs",
        &kr2,
        &dir,
        &["--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.all);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is only JSON");
    assert_eq!(v["verdict"], "fail");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "rejected"
                && f["detail"].as_str().unwrap().contains("BAD signature")),
        "{v:#}"
    );

    // A deletion.
    let (d, _) = fresh();
    git_in(&d, &["rm", "-q", &path_for(&bob)]);
    git_in(&d, &["commit", "-q", "-m", "drop"]);
    let r = check(&d, "origin/release-sigs");
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(
        r.stdout
            .contains(&format!("REJECTED {}: deleted", path_for(&bob))),
        "{}",
        r.all
    );

    // The release files over HTTP: --url-base streams them (an altered copy: BAD).
    let files = vec![(NAME.to_string(), std::fs::read(c.tarball()).unwrap())];
    let url_check = |mode| {
        c.tarseal(&[
            "sigs",
            "check",
            "--repo",
            cl.to_str().unwrap(),
            "--ref",
            "HEAD",
            "--base",
            &base,
            "--keyring",
            &kr,
            "--url-base",
            &serve(files.clone(), mode),
            "--timeout",
            "5",
        ])
    };
    let r = url_check(Serve::Honest);
    assert_eq!(r.code, 0, "{}", r.all);
    let r = url_check(Serve::Altered);
    assert_eq!(r.code, 1, "{}", r.all);
    assert!(r.stdout.contains("BAD signature"), "{}", r.all);

    // A release file that is not there: an I/O error.
    let (d, s) = fresh();
    std::fs::create_dir_all(s.parent().unwrap().join("v3")).unwrap();
    std::fs::write(
        s.parent()
            .unwrap()
            .join("v3")
            .join(format!("proj-3.0.tar.gz.{}.asc", &bob[24..])),
        c.g.sign(None, &bob, &c.tarball(), &[]),
    )
    .unwrap();
    commit(&d);
    let r = check(&d, "origin/release-sigs");
    assert_eq!(r.code, 2, "{}", r.all);
}

#[test]
fn local_e2e_script() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ci/local-e2e.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env("TARSEAL", BIN)
        .env_remove("GNUPGHOME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all steps passed"));
}

#[test]
fn a_subkey_signature_is_filed_under_the_primary_key_id() {
    let c = Cosign::new();
    let bob = c.key("Bob <bob@example.org>");
    let sub =
        c.g.add_subkey(Some(common::gpg::T0), &bob, "ed25519", "sign");
    let kr = c.keyring(&[&c.alice, &bob]);
    // Only the subkey's secret (`--export-secret-subkeys SUB!`): the subkey signs.
    let secret = c.f.scratch("sub.key");
    std::fs::write(
        &secret,
        c.g.run(None, &["--export-secret-subkeys", &format!("{sub}!")]),
    )
    .unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let r = add(&c, &c.tarball_s(), &kr, secret.to_str().unwrap(), &[]);
    assert_eq!(r.code, 0, "{}", r.all);
    assert_eq!(
        c.f.git(&["ls-tree", "-r", "--name-only", "release-sigs"]),
        path_for(&bob),
        "the primary's key id, not the subkey's ({sub})"
    );
    let empty = c.f.git(&["hash-object", "-t", "tree", "/dev/null"]);
    let r = c.tarseal(&[
        "sigs",
        "check",
        "--repo",
        c.f.repo().to_str().unwrap(),
        "--ref",
        "release-sigs",
        "--base",
        &empty,
        "--keyring",
        &kr,
        "--tarball-dir",
        c.dir.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.all);
    assert!(
        r.stdout.contains(&format!("subkey {sub}")),
        "signed by the subkey: {}",
        r.all
    );
}
