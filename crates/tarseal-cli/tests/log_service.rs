//! The log service end to end with the real binary on loopback, on SQLite and on
//! PostgreSQL: check -> seal -> publish -> query (sha256sum -c / md5sum -c accept the answer,
//! exit 3 when nothing is logged, graceful SIGTERM), the build record against a substituted
//! tarball (seal --publish, query and verify --server fail), verify offline with the
//! tlog-proof, query --checkpoint-file against a forked log, SIGHUP reloading the trust
//! directory. The kill -9 fault tests are in log_crash.rs.

mod common;

use common::gpg::*;
use common::logserve::{show, Serve};
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "proj-2.0.tar.gz";

/// `tarseal serve` on 127.0.0.1:0 (SQLite in `data`, or the PostgreSQL database `db`);
/// returns the process (killed when dropped), its URL and its log key.
fn serve_on(data: &Path, trust: &Path, db: Option<&str>) -> (Serve, String, String) {
    let log = Serve::start(data, trust, db);
    let (url, key) = (log.url.clone(), log.key.clone());
    (log, url, key)
}

fn serve(data: &Path, trust: &Path) -> (Serve, String, String) {
    serve_on(data, trust, None)
}

struct Setup {
    f: Fixture,
    _g: Gpg,
    secret: PathBuf,
    dir: PathBuf,
    trust: PathBuf,
}

/// A repository with tag v2 signed by Alice, its git archive in `rel/`, and a trust
/// directory in which project `proj` trusts Alice.
fn setup() -> Setup {
    let (f, g, alice, dir) = signed_release(NAME);
    let trust = f.dir.path().join("trust");
    std::fs::create_dir(&trust).unwrap();
    g.export_to(true, &[&alice], &trust.join("proj.keys"));
    std::fs::write(
        trust.join("proj.toml"),
        format!("threshold = 1\n[[key]]\nname = \"Alice\"\nopenpgp = \"{alice}\"\n"),
    )
    .unwrap();
    let secret = g.export_secret_to(&alice, &f.dir.path().join("alice.key"), 0o600);
    Setup {
        f,
        _g: g,
        secret,
        dir,
        trust,
    }
}

impl Setup {
    /// `tarseal seal FILE` against tag v2 with Alice's key and the project's keyring, plus
    /// `extra` flags (`--publish URL`, ...).
    fn seal(&self, file: &Path, extra: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .arg("seal")
            .arg(file)
            .args(["--repo", self.f.repo().to_str().unwrap(), "--tag", "v2"])
            .arg("--keyring")
            .arg(self.trust.join("proj.keys"))
            .arg("--key")
            .arg(&self.secret)
            .args(extra)
            .output()
            .unwrap()
    }
}

/// A canonical artifact record of `project`/`tag` for NAME whose sha256 is made from `n`
/// (the other values are placeholders: the log checks only the names and digests).
fn artifact_record(project: &str, tag: &str, n: u64) -> String {
    let mut r = String::from("tarseal/v1 artifact\n");
    for k in tarseal_server::record::KEYS {
        let v = match k {
            "project" => project.to_string(),
            "tag" => tag.to_string(),
            "file" => NAME.to_string(),
            "sha256" => format!("{n:064x}"),
            "verdict" => "pass".to_string(),
            _ => format!("x-{k}"),
        };
        r.push_str(&format!("{k} {v}\n"));
    }
    r
}

#[test]
fn check_seal_publish_query() {
    tarseal_testkit::pg::each_store(|db| check_seal_publish_query_on(db.as_deref()));
}

fn check_seal_publish_query_on(db: Option<&str>) {
    let s = setup();
    let out = s.seal(&s.dir.join(NAME), &[]);
    assert!(out.status.success(), "{}", show(&out));
    let data = s.f.dir.path().join("data");
    let (mut child, url, key) = serve_on(&data, &s.trust, db);
    let query = |tag: &str, extra: &[&str]| {
        Command::new(BIN)
            .args(["query", "proj", tag, "--server", &url, "--log-key", &key])
            .args(extra)
            .output()
            .unwrap()
    };
    // Nothing logged yet: indeterminate.
    let out = query("v2", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let seal = s.dir.join(format!("{NAME}.seal"));
    let publish = || {
        Command::new(BIN)
            .arg("publish")
            .arg(&seal)
            .args(["--server", &url])
            .output()
            .unwrap()
    };
    let out = publish();
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");
    let proof = std::fs::read_to_string(s.dir.join(format!("{NAME}.tlog-proof"))).unwrap();
    // The proof carries its leaf (the log entry holding the .seal) and verifies offline.
    let p = tarseal_log::TlogProof::parse(&proof).unwrap();
    assert_eq!(p.index, 0);
    let leaf = p.extra.clone().expect("leaf in extra");
    let entry = tarseal_server::record::LogEntry::parse(&leaf).unwrap();
    assert_eq!(entry.record, std::fs::read(&seal).unwrap());
    let v = tarseal_log::NoteVerifier::from_key_string(&key).unwrap();
    p.verify(&leaf, &v).unwrap();
    // Again: the same entry.
    let out = publish();
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");

    for (flag, tool, file) in [
        ("--sha256", "sha256sum", "got.sha256"),
        ("--md5", "md5sum", "got.md5"),
    ] {
        let out = query("v2", &[flag]);
        assert!(out.status.success(), "{}", show(&out));
        let p = s.dir.join(file);
        std::fs::write(&p, &out.stdout).unwrap();
        let c = Command::new(tool)
            .args(["-c", file])
            .current_dir(&s.dir)
            .output()
            .unwrap();
        assert!(c.status.success(), "{tool}: {}", show(&c));
    }
    let out = query("v2", &["--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["records"][0]["file"], NAME);
    // A wrong log key: the answer does not verify (1).
    let other = Command::new(BIN)
        .args(["query", "proj", "v2", "--server", &url, "--log-key"])
        .arg(key.replace("+A", "+B"))
        .output()
        .unwrap();
    assert!(
        matches!(other.status.code(), Some(1) | Some(2)),
        "{}",
        show(&other)
    );
    // seal --publish: a second tarball of the same tag, sealed and logged in one go.
    // (plain tar: the project has a symlink, which a zip may not carry)
    let second = "proj-2.0.tar";
    s.f.git(&[
        "archive",
        "--format=tar",
        "--prefix=proj-2.0/",
        "-o",
        s.dir.join(second).to_str().unwrap(),
        "v2",
    ]);
    let out = s.seal(&s.dir.join(second), &["--publish", &url]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).ends_with("\n1\n"),
        "{}",
        show(&out)
    );
    assert!(s.dir.join(format!("{second}.tlog-proof")).exists());
    let out = query("v2", &["--sha256"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let out = query("v3", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("indeterminate"));
    // SIGTERM: a graceful stop, exit 0.
    let term = Command::new("kill")
        .args(["-TERM", &child.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = child.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

fn sha256_file(p: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(p).unwrap()))
}

/// The build-time record: `tarseal record` in the build job, then a substitution on the way
/// to the tarball host (the same content re-compressed: it still passes check and seal) is
/// shown by seal --publish, query and verify --server, which all exit 1; the honest bytes
/// verify against the log.
#[test]
fn build_record_catches_a_substituted_tarball() {
    tarseal_testkit::pg::each_store(|db| {
        build_record_catches_a_substituted_tarball_on(db.as_deref())
    });
}

fn build_record_catches_a_substituted_tarball_on(db: Option<&str>) {
    let s = setup();
    let data = s.f.dir.path().join("data");
    let (mut child, url, key) = serve_on(&data, &s.trust, db);
    let keyring = s.trust.join("proj.keys");
    let tarball = s.dir.join(NAME);
    let run = |args: &[&str], extra: &[&Path]| {
        let mut c = Command::new(BIN);
        c.args(args);
        for p in extra {
            c.arg(p);
        }
        c.output().unwrap()
    };
    let record = |file: &Path, project: &str| {
        Command::new(BIN)
            .arg("record")
            .arg(file)
            .args(["--project", project, "--tag", "v2", "--server", &url])
            .args(["--builder", "test job 1"])
            .arg("--key")
            .arg(&s.secret)
            .output()
            .unwrap()
    };

    // Refused before anything is read or written: a traversal in the project name.
    let out = record(&tarball, "../proj");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(!s.dir.join(format!("{NAME}.build")).exists());
    // A project whose trust file does not allow Alice: the log refuses (403), nothing kept.
    let out = record(&tarball, "other");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(!s.dir.join(format!("{NAME}.build")).exists());

    // The build job.
    let out = record(&tarball, "proj");
    assert!(out.status.success(), "{}", show(&out));
    let build = std::fs::read_to_string(s.dir.join(format!("{NAME}.build"))).unwrap();
    let sha = sha256_file(&tarball);
    assert!(
        build.starts_with("tarseal/v1 build\nproject proj\ntag v2\n"),
        "{build}"
    );
    assert!(build.contains(&format!("\nsha256 {sha}\n")), "{build}");
    assert!(build.contains("\nbuilder test job 1\n"), "{build}");
    let proof = std::fs::read_to_string(s.dir.join(format!("{NAME}.build.tlog-proof"))).unwrap();
    let p = tarseal_log::TlogProof::parse(&proof).unwrap();
    let leaf = p.extra.clone().unwrap();
    assert_eq!(
        tarseal_server::record::LogEntry::parse(&leaf)
            .unwrap()
            .record,
        build.as_bytes()
    );
    p.verify(
        &leaf,
        &tarseal_log::NoteVerifier::from_key_string(&key).unwrap(),
    )
    .unwrap();

    // On the way to the host the tarball is replaced: same files, other compression.
    let host = s.f.dir.path().join("host");
    std::fs::create_dir(&host).unwrap();
    let swapped = host.join(NAME);
    let sh = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gzip -dc '{}' | gzip -1 -n > '{}'",
            tarball.display(),
            swapped.display()
        ))
        .status()
        .unwrap();
    assert!(sh.success());
    assert_ne!(sha256_file(&swapped), sha);

    // seal of the swapped file passes the check, publishes, and then fails on the build
    // record, naming both digests.
    let out = s.seal(&swapped, &["--publish", &url, "--log-key", &key]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("REJECTED") && err.contains(&format!("sha256 {sha}, but these bytes are")),
        "{err}"
    );

    // query shows the two records of one file with different bytes, and exits 1.
    let out = run(
        &["query", "proj", "v2", "--server", &url, "--log-key", &key],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("name different bytes") && err.contains("build"),
        "{err}"
    );

    // verify --server: the swapped bytes match the seal record but not the build record.
    let verify = |file: &Path, log_key: &str, tag: &str| {
        Command::new(BIN)
            .arg("verify")
            .arg(file)
            .arg("--keyring")
            .arg(&keyring)
            .args(["--server", &url, "--project", "proj", "--tag", tag])
            .args(["--log-key", log_key, "--format", "json"])
            .output()
            .unwrap()
    };
    let out = verify(&swapped, &key, "v2");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let log: Vec<&serde_json::Value> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "log")
        .collect();
    assert!(
        log.iter()
            .any(|x| x["status"] == "mismatch" && x["algorithm"] == "build record sha256"),
        "{v:#}"
    );
    assert!(
        log.iter()
            .any(|x| x["status"] == "match" && x["algorithm"] == "artifact record sha256"),
        "{v:#}"
    );

    // The honest bytes: a project whose build and seal agree.
    let other_name = "proj-2.0.tar.xz";
    let honest = s.f.dir.path().join("honest");
    std::fs::create_dir(&honest).unwrap();
    let honest_file = honest.join(other_name);
    let sh = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gzip -dc '{}' | xz -1 > '{}'",
            tarball.display(),
            honest_file.display()
        ))
        .status()
        .unwrap();
    assert!(sh.success());
    let out = record(&honest_file, "proj");
    assert!(out.status.success(), "{}", show(&out));
    let out = s.seal(&honest_file, &["--publish", &url, "--log-key", &key]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("build record (the bytes as built)"),
        "{}",
        show(&out)
    );
    // Without its sidecars: only the log vouches.
    let bare = s.f.dir.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    std::fs::copy(&honest_file, bare.join(other_name)).unwrap();
    let out = verify(&bare.join(other_name), &key, "v2");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // A log key that is not the log's: the answer proves nothing, rejected.
    let wrong = tarseal_log::generate_signer("tarseal.localhost/log")
        .unwrap()
        .1;
    let out = verify(&bare.join(other_name), &wrong, "v2");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // A tag the log never saw: indeterminate, never clean.
    let out = verify(&bare.join(other_name), &key, "v9");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    // The log down: an I/O error, not a verdict.
    child.kill9();
    let out = verify(&bare.join(other_name), &key, "v2");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

/// `query --checkpoint-file`: the first answer's checkpoint is kept; later answers must be
/// consistent with it (the log grew), and a log with the same key but another history (a
/// fork, or history rewritten after a restore) is rejected.
#[test]
fn query_keeps_a_checkpoint_and_rejects_a_forked_log() {
    use tarseal_server::client;
    let s = setup();
    let signer = tarseal_sig::SigningKey::from_file(&s.secret).unwrap();
    let data = s.f.dir.path().join("data");
    let (mut child, url, key) = serve(&data, &s.trust);
    // The fork: another data directory holding the same log key.
    let fork_data = s.f.dir.path().join("fork");
    std::fs::create_dir(&fork_data).unwrap();
    std::fs::copy(data.join("log-key"), fork_data.join("log-key")).unwrap();
    let (mut fork, fork_url, fork_key) = serve(&fork_data, &s.trust);
    assert_eq!(key, fork_key);

    let record = |tag: &str, n: u64| artifact_record("proj", tag, n);
    let publish = |url: &str, tag: &str, n: u64| {
        let r = record(tag, n);
        let a = client::publish(url, &r, &signer.sign_detached(r.as_bytes()).unwrap()).unwrap();
        assert_eq!(a.status, 200, "{}", a.body);
    };
    let state = s.f.dir.path().join("seen.checkpoint");
    let query = |url: &str| {
        Command::new(BIN)
            .args(["query", "proj", "v1", "--server", url, "--log-key", &key])
            .arg("--checkpoint-file")
            .arg(&state)
            .output()
            .unwrap()
    };
    publish(&url, "v1", 1);
    publish(&fork_url, "v1", 1);
    publish(&fork_url, "v0", 7); // the fork's history differs from here on
    let out = query(&url);
    assert!(out.status.success(), "{}", show(&out));
    let kept = std::fs::read_to_string(&state).unwrap();
    assert!(kept.contains("\n1\n"), "{kept}");
    // The log grows: consistent, and the kept checkpoint moves on.
    publish(&url, "v2", 2);
    publish(&url, "v3", 3);
    let out = query(&url);
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is consistent with the one of size 1"));
    let kept = std::fs::read_to_string(&state).unwrap();
    assert!(kept.contains("\n3\n"), "{kept}");
    // The fork (size 2, same key, valid signatures) is not an extension of size 3... nor
    // can a smaller tree be: rejected.
    let out = query(&fork_url);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("REJECTED"),
        "{}",
        show(&out)
    );
    // Grown past the kept size, the fork's root still does not extend the kept one.
    publish(&fork_url, "v4", 4);
    publish(&fork_url, "v5", 5);
    let out = query(&fork_url);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not consistent"),
        "{}",
        show(&out)
    );
    assert!(
        std::fs::read_to_string(&state).unwrap().contains("\n3\n"),
        "state kept"
    );

    // The endpoint itself: bad sizes are 400, sizes beyond the tree 404.
    for (path, status) in [
        ("v1/proofs/consistency/1/3", 200),
        ("v1/proofs/consistency/3/1", 400),
        ("v1/proofs/consistency/01/3", 400),
        ("v1/proofs/consistency/x/3", 400),
        ("v1/proofs/consistency/1/99", 404),
    ] {
        let a = client::get(&url, path).unwrap();
        assert_eq!(a.status, status, "{path}: {}", a.body);
    }
    for c in [&mut child, &mut fork] {
        c.kill9();
    }
}

/// `verify --log-key` offline: NAME.tlog-proof beside the file (or --proof) is verified
/// against the pinned key with the log down; other bytes, another key, or a proof whose
/// carried entry was altered are rejected.
#[test]
fn verify_offline_with_the_tlog_proof() {
    let s = setup();
    let keyring = s.trust.join("proj.keys");
    let data = s.f.dir.path().join("data");
    let (mut child, url, key) = serve(&data, &s.trust);
    let out = s.seal(&s.dir.join(NAME), &["--publish", &url]);
    assert!(out.status.success(), "{}", show(&out));
    child.kill9();
    // Only the tarball and its proof, elsewhere: the proof alone must vouch.
    let bare = s.f.dir.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    std::fs::copy(s.dir.join(NAME), bare.join(NAME)).unwrap();
    let proof_text = std::fs::read_to_string(s.dir.join(format!("{NAME}.tlog-proof"))).unwrap();
    std::fs::write(bare.join(format!("{NAME}.tlog-proof")), &proof_text).unwrap();
    let verify = |file: &Path, log_key: &str, extra: &[&str]| {
        Command::new(BIN)
            .arg("verify")
            .arg(file)
            .arg("--keyring")
            .arg(&keyring)
            .args(["--log-key", log_key, "--format", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = verify(&bare.join(NAME), &key, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "log"
                && x["status"] == "match"
                && x["file"].as_str().unwrap().contains("tlog-proof")),
        "{v:#}"
    );
    // Without the proof file and without a server, --log-key has nothing to go on: 3.
    let lone = s.f.dir.path().join("lone");
    std::fs::create_dir(&lone).unwrap();
    std::fs::copy(s.dir.join(NAME), lone.join(NAME)).unwrap();
    let out = verify(&lone.join(NAME), &key, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    // --proof given explicitly works from anywhere.
    let p = bare.join(format!("{NAME}.tlog-proof"));
    let out = verify(&lone.join(NAME), &key, &["--proof", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // Another log's key: rejected.
    let wrong = tarseal_log::generate_signer("tarseal.localhost/log")
        .unwrap()
        .1;
    let out = verify(&bare.join(NAME), &wrong, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // Other bytes under the same name with the honest proof: rejected.
    let other = s.f.dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let mut bytes = std::fs::read(s.dir.join(NAME)).unwrap();
    bytes.push(0);
    std::fs::write(other.join(NAME), bytes).unwrap();
    std::fs::write(other.join(format!("{NAME}.tlog-proof")), &proof_text).unwrap();
    let out = verify(&other.join(NAME), &key, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // The entry carried in the proof altered (its logged time): the inclusion fails.
    let mut p = tarseal_log::TlogProof::parse(&proof_text).unwrap();
    let leaf = String::from_utf8(p.extra.clone().unwrap()).unwrap();
    let year = &leaf[leaf.find("logged-at ").unwrap() + 10..][..4];
    p.extra = Some(
        leaf.replacen(&format!("logged-at {year}"), "logged-at 1999", 1)
            .into_bytes(),
    );
    std::fs::write(bare.join(format!("{NAME}.tlog-proof")), p.encode()).unwrap();
    let out = verify(&bare.join(NAME), &key, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("does not verify"));
}

/// SIGHUP re-reads the trust directory: a project added afterwards may publish without a
/// restart; a broken trust file keeps the configuration in force (nobody locked out).
#[test]
fn sighup_reloads_the_trust_directory() {
    use tarseal_server::client;
    let s = setup();
    let signer = tarseal_sig::SigningKey::from_file(&s.secret).unwrap();
    let data = s.f.dir.path().join("data");
    let (mut child, url, _key) = serve(&data, &s.trust);
    let record = |project: &str| artifact_record(project, "v1", 5);
    let publish = |project: &str| {
        let r = record(project);
        client::publish(&url, &r, &signer.sign_detached(r.as_bytes()).unwrap())
            .unwrap()
            .status
    };
    let hup = || child.hup();
    // Polls until the reload took effect (the signal is handled asynchronously).
    let until = |project: &str, want: u16| {
        for _ in 0..200 {
            if publish(project) == want {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    };
    assert_eq!(publish("newproj"), 403);
    std::fs::copy(s.trust.join("proj.toml"), s.trust.join("newproj.toml")).unwrap();
    std::fs::copy(s.trust.join("proj.keys"), s.trust.join("newproj.keys")).unwrap();
    assert_eq!(publish("newproj"), 403, "not before the signal");
    hup();
    assert!(until("newproj", 200), "newproj not allowed after SIGHUP");
    // A broken file: the reload fails, both projects keep publishing.
    std::fs::write(s.trust.join("broken.toml"), "threshold = \"x\"\n").unwrap();
    hup();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(publish("proj"), 200);
    assert_eq!(publish("newproj"), 200);
    // Fixed and a project removed: the removal takes effect.
    std::fs::remove_file(s.trust.join("broken.toml")).unwrap();
    std::fs::remove_file(s.trust.join("newproj.toml")).unwrap();
    hup();
    assert!(
        until("newproj", 403),
        "newproj still allowed after its removal"
    );
    assert_eq!(publish("proj"), 200);
    child.kill9();
}

/// The per-client publish limit: a burst, then 429 with Retry-After and nothing written; the
/// reads are not limited; an insane setting is a usage error.
#[test]
fn publish_rate_limit_per_client() {
    use tarseal_server::client;
    let s = setup();
    let signer = tarseal_sig::SigningKey::from_file(&s.secret).unwrap();
    let data = s.f.dir.path().join("data");
    let log = Serve::start_with(
        &data,
        &s.trust,
        None,
        &["--publish-rate", "0.01", "--publish-burst", "3"],
    );
    let mut codes = Vec::new();
    for i in 0..5 {
        let r = artifact_record("proj", &format!("t{i}"), i);
        let a =
            client::publish(&log.url, &r, &signer.sign_detached(r.as_bytes()).unwrap()).unwrap();
        codes.push(a.status);
        if a.status == 429 {
            assert!(a.body.contains("retry in"), "{}", a.body);
        }
    }
    assert_eq!(codes, [200, 200, 200, 429, 429]);
    let cp = client::open_checkpoint(
        &client::get(&log.url, "checkpoint").unwrap().body,
        Some(&log.key),
    )
    .unwrap();
    assert_eq!(cp.size, 3, "a refused publish wrote nothing");
    for _ in 0..20 {
        assert_eq!(
            client::query(&log.url, "proj", "t0", None).unwrap().status,
            200
        );
    }
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--publish-burst",
            "0",
            "--data-dir",
        ])
        .arg(s.f.dir.path().join("other"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

/// `verify --server URL --project P --tag T` (issue 14, item 4): when the log holds records
/// of P/T and none has the bytes' digest, the bytes are not the ones built or sealed for that
/// tag — exit 1 naming the logged digests, whatever the file is called (it used to be 3 when
/// the name differed too); a digest the log holds under another name is not a contradiction
/// (3: nothing logged vouches for this name); no record of the tag at all is 3.
#[test]
fn verify_server_names_the_logged_digests_when_none_is_the_files() {
    let s = setup();
    let data = s.f.dir.path().join("data");
    let (_child, url, key) = serve(&data, &s.trust);
    let keyring = s.trust.join("proj.keys");
    let tarball = s.dir.join(NAME);
    let out = s.seal(&tarball, &["--publish", &url, "--log-key", &key]);
    assert!(out.status.success(), "{}", show(&out));
    let logged = sha256_file(&tarball);

    // Bare directories: only the file, so only the log can speak about it.
    let put = |dir: &str, name: &str, from: &Path, recompress: bool| {
        let d = s.f.dir.path().join(dir);
        std::fs::create_dir_all(&d).unwrap();
        let to = d.join(name);
        if recompress {
            let sh = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "gzip -dc '{}' | gzip -1 -n > '{}'",
                    from.display(),
                    to.display()
                ))
                .status()
                .unwrap();
            assert!(sh.success());
        } else {
            std::fs::copy(from, &to).unwrap();
        }
        to
    };
    let verify = |file: &Path, tag: &str| {
        let out = Command::new(BIN)
            .arg("verify")
            .arg(file)
            .arg("--keyring")
            .arg(&keyring)
            .args(["--server", &url, "--project", "proj", "--tag", tag])
            .args(["--log-key", &key, "--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)));
        let problems: Vec<String> = v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        (out, problems)
    };
    let names_logged = |problems: &[String]| {
        problems.iter().any(|p| {
            p.contains("none has these bytes' sha256")
                && p.contains(&format!(
                    "sha256 {logged} (artifact record of {NAME}, entry"
                ))
        })
    };

    // The honest bytes: 0.
    let honest = put("honest", NAME, &tarball, false);
    let (out, problems) = verify(&honest, "v2");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(problems.is_empty(), "{problems:?}");

    // Other bytes under the logged name: 1, naming the logged digest.
    let swapped = put("swapped", NAME, &tarball, true);
    assert_ne!(sha256_file(&swapped), logged);
    let (out, problems) = verify(&swapped, "v2");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(names_logged(&problems), "{problems:?}");

    // Other bytes under another name: no record is about this name, but the log holds
    // records of the tag and none is these bytes: 1, naming the logged digest (was 3).
    let renamed = put("renamed", "proj-2.0-final.tar.gz", &swapped, false);
    let (out, problems) = verify(&renamed, "v2");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(names_logged(&problems), "{problems:?}");
    let text = Command::new(BIN)
        .arg("verify")
        .arg(&renamed)
        .arg("--keyring")
        .arg(&keyring)
        .args(["--server", &url, "--project", "proj", "--tag", "v2"])
        .args(["--log-key", &key])
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(1), "{}", show(&text));
    assert!(
        String::from_utf8_lossy(&text.stdout).contains(&format!("PROBLEM  the log at {url}")),
        "{}",
        show(&text)
    );

    // The logged bytes under another name: the digest is in the log, no contradiction,
    // but nothing logged vouches for this name: 3.
    let copy = put("copy", "proj-2.0-final.tar.gz", &tarball, false);
    let (out, problems) = verify(&copy, "v2");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(problems.is_empty(), "{problems:?}");

    // No record of the tag at all: 3, never 1.
    let (out, problems) = verify(&swapped, "v9");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(problems.is_empty(), "{problems:?}");
}
