//! The log as transparency infrastructure, end to end with the real binary on loopback:
//! `tarseal witness` (A, configured in `serve --witness`; B, running but not configured),
//! `verify`/`query --witness-key --witness-threshold`, the cosignature line on /checkpoint,
//! a second log started with a copy of the first log's key and another history (refused by
//! A, failing verify that needs A), and A killed with -9 and restarted still refusing that
//! fork; `tarseal monitor` listing new entries on each run through the log and through a
//! plain static server (`python3 -m http.server`) over `serve --tiles-dir`, and exiting 1 on
//! the fork, on a tampered tile and on a record signed outside --keyring.

mod common;

use common::gpg::*;
use common::logserve::{show, Serve};
use common::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const NAME: &str = "proj-2.0.tar.gz";
/// The second artifact: a plain tar (a zip may not carry the fixture's symlink, which the
/// zip reader refuses).
const ZIP: &str = "proj-2.0.tar";
const ORIGIN: &str = "tarseal.localhost/log";

/// A running `tarseal witness`.
struct Witness {
    child: Child,
    url: String,
    key: String,
}

impl Witness {
    fn start(name: &str, data: &Path, log_key: &str) -> Witness {
        let mut child = Command::new(BIN)
            .args([
                "witness",
                "--name",
                name,
                "--listen",
                "127.0.0.1:0",
                "--log",
                log_key,
            ])
            .arg("--data-dir")
            .arg(data)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = loop {
            match lines.next() {
                Some(Ok(l)) if l.contains("listening on ") => break l,
                Some(Ok(_)) => {}
                _ => panic!("tarseal witness did not start: {:?}", child.wait()),
            }
        };
        std::thread::spawn(move || for _ in lines {});
        let url = line
            .split("listening on ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap()
            .to_string();
        let key = line
            .split("witness key ")
            .nth(1)
            .unwrap()
            .trim()
            .to_string();
        Witness { child, url, key }
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// `python3 -m http.server` over `dir` on a free loopback port: a plain static server.
struct Static {
    child: Child,
    url: String,
}

impl Static {
    fn start(dir: &Path) -> Static {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                "0",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        std::thread::spawn(move || for _ in lines {});
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("http.server: {line}"));
        Static {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Static {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn get(url: &str) -> String {
    tarseal_server::client::get(url, "checkpoint").unwrap().body
}

/// The log key, made before the log starts so that the witness can pin it first.
fn log_key_file(data: &Path) -> String {
    std::fs::create_dir_all(data).unwrap();
    let (skey, vkey) = tarseal_log::generate_signer(ORIGIN).unwrap();
    std::fs::write(data.join("log-key"), format!("{skey}\n")).unwrap();
    vkey
}

#[test]
fn witnesses_cosign_clients_require_them_forks_are_refused() {
    let (f, g, alice, dir) = signed_release(NAME);
    let trust = f.dir.path().join("trust");
    std::fs::create_dir(&trust).unwrap();
    let keyring = g.export_to(true, &[&alice], &trust.join("proj.keys"));
    std::fs::write(
        trust.join("proj.toml"),
        format!("threshold = 1\n[[key]]\nname = \"Alice\"\nopenpgp = \"{alice}\"\n"),
    )
    .unwrap();
    let secret = g.export_secret_to(&alice, &f.dir.path().join("alice.key"), 0o600);
    f.git(&[
        "archive",
        "--format=tar",
        "--prefix=proj-2.0/",
        "-o",
        dir.join(ZIP).to_str().unwrap(),
        "v2",
    ]);
    for file in [NAME, ZIP] {
        let out = Command::new(BIN)
            .arg("seal")
            .arg(dir.join(file))
            .args(["--repo", f.repo().to_str().unwrap(), "--tag", "v2"])
            .arg("--keyring")
            .arg(&keyring)
            .arg("--key")
            .arg(&secret)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", show(&out));
    }
    let data = f.dir.path().join("data");
    let log_key = log_key_file(&data);
    let wa_dir = f.dir.path().join("wa");
    let mut wa = Witness::start("witness.example/a", &wa_dir, &log_key);
    let wb = Witness::start("witness.example/b", &f.dir.path().join("wb"), &log_key);
    let tiles = f.dir.path().join("tiles");
    let log = Serve::start_with(
        &data,
        &trust,
        None,
        &["--witness", &wa.url, "--tiles-dir", tiles.to_str().unwrap()],
    );
    assert_eq!(log.key, log_key);
    let statics = Static::start(&tiles);
    let monitor = |url: &str, state: &Path, extra: &[&str]| {
        let mut c = Command::new(BIN);
        c.args(["monitor", "--server", url, "--log-key", &log_key, "--state"]);
        c.arg(state).args(extra);
        c.output().unwrap()
    };
    let live_state = f.dir.path().join("monitor-live.json");
    let static_state = f.dir.path().join("monitor-static.json");
    // Before anything is logged: nothing new.
    for (url, state) in [(&log.url, &live_state), (&statics.url, &static_state)] {
        let out = monitor(url, state, &[]);
        assert_eq!(out.status.code(), Some(0), "{url}: {}", show(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    }

    let out = Command::new(BIN)
        .arg("publish")
        .arg(dir.join(format!("{NAME}.seal")))
        .args(["--server", &log.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    // /checkpoint carries A's cosignature line; the tlog-proof's checkpoint too.
    let cp = get(&log.url);
    assert!(cp.contains("\n\u{2014} witness.example/a "), "{cp}");
    assert!(!cp.contains("witness.example/b"), "{cp}");
    let proof = std::fs::read_to_string(dir.join(format!("{NAME}.tlog-proof"))).unwrap();
    assert!(proof.contains("\n\u{2014} witness.example/a "), "{proof}");
    // The static checkpoint is the cosigned one too.
    let static_cp = std::fs::read_to_string(tiles.join("checkpoint")).unwrap();
    assert_eq!(static_cp, cp);

    // The monitor lists the new entry, through the log and through the static server.
    for (url, state) in [(&log.url, &live_state), (&statics.url, &static_state)] {
        let out = monitor(url, state, &[]);
        assert_eq!(out.status.code(), Some(0), "{url}: {}", show(&out));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.starts_with(&format!("0 artifact proj v2 {NAME} sha256 ")),
            "{text}"
        );
        assert!(text.contains(&format!("signer {alice}")), "{text}");
        // Again: nothing new.
        let out = monitor(url, state, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    }
    // A second record: each run lists only what is new.
    let out = Command::new(BIN)
        .arg("publish")
        .arg(dir.join(format!("{ZIP}.seal")))
        .args(["--server", &log.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    for (url, state) in [(&log.url, &live_state), (&statics.url, &static_state)] {
        let out = monitor(url, state, &["--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{url}: {}", show(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["schema"], "tarseal.monitor/v1");
        assert_eq!(v["old_size"], 1);
        assert_eq!(v["new_size"], 2);
        assert_eq!(v["records"].as_array().unwrap().len(), 1, "{v}");
        assert_eq!(v["records"][0]["file"], ZIP);
        assert_eq!(v["records"][0]["index"], 1);
    }
    // --keyring: records of the project by Alice pass; a keyring without her exits 1.
    let bob = g.gen_key(None, "Bob <bob@example.org>", "ed25519", "sign", "never");
    let bob_keys = g.export_to(true, &[&bob], &f.dir.path().join("bob.keys"));
    let k_state = f.dir.path().join("monitor-k.json");
    let out = monitor(
        &statics.url,
        &k_state,
        &["--project", "proj", "--keyring", keyring.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let b_state = f.dir.path().join("monitor-b.json");
    let out = monitor(
        &statics.url,
        &b_state,
        &["--project", "proj", "--keyring", bob_keys.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        show(&out).contains("signed by a key outside --keyring"),
        "{}",
        show(&out)
    );
    // A tile that does not hash to the tree (a tampered static copy): exit 1.
    let bad_tiles = f.dir.path().join("bad-tiles");
    let cp_r = Command::new("cp")
        .arg("-r")
        .arg(&tiles)
        .arg(&bad_tiles)
        .status()
        .unwrap();
    assert!(cp_r.success());
    let bundle = bad_tiles.join("tile/entries/000.p/2");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&bundle, bytes).unwrap();
    let bad = Static::start(&bad_tiles);
    let out = monitor(&bad.url, &f.dir.path().join("monitor-bad.json"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));

    let tarball = dir.join(NAME);
    let verify = |server: Option<&str>, file: &Path, witness: &[&str]| {
        let mut c = Command::new(BIN);
        c.arg("verify").arg(file).arg("--keyring").arg(&keyring);
        c.args(["--log-key", &log_key]);
        if let Some(url) = server {
            c.args(["--server", url, "--project", "proj", "--tag", "v2"]);
        }
        c.args(witness);
        c.output().unwrap()
    };
    let (a, b) = (wa.key.clone(), wb.key.clone());
    for server in [None, Some(log.url.as_str())] {
        let out = verify(
            server,
            &tarball,
            &["--witness-key", &a, "--witness-threshold", "1"],
        );
        assert_eq!(out.status.code(), Some(0), "{server:?}: {}", show(&out));
        let out = verify(
            server,
            &tarball,
            &["--witness-key", &b, "--witness-threshold", "1"],
        );
        assert_eq!(out.status.code(), Some(1), "{server:?}: {}", show(&out));
        let text = show(&out);
        assert!(text.contains("missing: witness.example/b"), "{text}");
        let out = verify(
            server,
            &tarball,
            &[
                "--witness-key",
                &a,
                "--witness-key",
                &b,
                "--witness-threshold",
                "2",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{server:?}: {}", show(&out));
        let text = show(&out);
        assert!(text.contains("1 of the 2"), "{text}");
        assert!(text.contains("missing: witness.example/b"), "{text}");
    }
    // A threshold above the keys given is a usage error.
    let out = verify(
        None,
        &tarball,
        &["--witness-key", &a, "--witness-threshold", "2"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let query = |url: &str, witness: &[&str]| {
        let mut args = vec![
            "query",
            "proj",
            "v2",
            "--server",
            url,
            "--log-key",
            &log_key,
        ];
        args.extend_from_slice(witness);
        run(&args)
    };
    assert_eq!(
        query(&log.url, &["--witness-key", &a]).status.code(),
        Some(0)
    );
    let out = query(&log.url, &["--witness-key", &b]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(show(&out).contains("missing: witness.example/b"));

    // A second log with a copy of the first log's key and another history.
    let data2 = f.dir.path().join("data2");
    std::fs::create_dir_all(&data2).unwrap();
    std::fs::copy(data.join("log-key"), data2.join("log-key")).unwrap();
    let fork = Serve::start_with(&data2, &trust, None, &["--witness", &wa.url]);
    assert_eq!(fork.key, log_key);
    let out = Command::new(BIN)
        .arg("publish")
        .arg(dir.join(format!("{ZIP}.seal")))
        .args(["--server", &fork.url])
        .output()
        .unwrap();
    // The fork publishes (its witness refuses, which does not stop it) ...
    assert!(out.status.success(), "{}", show(&out));
    let out = Command::new(BIN)
        .arg("publish")
        .arg(dir.join(format!("{NAME}.seal")))
        .args(["--server", &fork.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let fork_cp = get(&fork.url);
    // ... but A did not cosign it.
    assert!(!fork_cp.contains("witness.example/a"), "{fork_cp}");
    let zip = dir.join(ZIP);
    let out = verify(Some(&fork.url), &zip, &["--witness-key", &a]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(show(&out).contains("missing: witness.example/a"));
    // Offline too: the fork's tlog-proof is not cosigned by A.
    let out = verify(None, &zip, &["--witness-key", &a]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // Without the witness rule the fork verifies (that is what witnesses are for).
    let out = verify(Some(&fork.url), &zip, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // The monitor with the real log's state: the fork (same size, another root) exits 1,
    // and the state is left as it was.
    let before = std::fs::read(&live_state).unwrap();
    let out = monitor(&fork.url, &live_state, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(show(&out).contains("fork"), "{}", show(&out));
    assert_eq!(std::fs::read(&live_state).unwrap(), before);
    // The real log still passes with that state.
    let out = monitor(&log.url, &live_state, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    // A killed with -9 and restarted on its directory: the same key, still refusing the fork.
    wa.kill9();
    let wa2 = Witness::start("witness.example/a", &wa_dir, &log_key);
    assert_eq!(wa2.key, a);
    let agent = tarseal_witness::submit::agent(std::time::Duration::from_secs(10));
    use tarseal_witness::submit::{add_checkpoint, SubmitError, Submitted};
    let fork_note = fork_cp.clone();
    assert_eq!(
        add_checkpoint(&agent, &wa2.url, 0, &[], &fork_note).unwrap(),
        Submitted::Conflict(2)
    );
    match add_checkpoint(&agent, &wa2.url, 2, &[], &fork_note) {
        Err(SubmitError::Refused { status: 409, .. }) => {}
        other => panic!("the restarted witness did not refuse the fork: {other:?}"),
    }
    // And the real log's checkpoint is still cosigned by the restarted witness.
    let real = get(&log.url);
    let plain = real
        .split("\u{2014} witness.example/a")
        .next()
        .unwrap()
        .to_string();
    let lines = match add_checkpoint(&agent, &wa2.url, 2, &[], &plain) {
        Ok(Submitted::Cosigned(l)) => l,
        other => panic!("{other:?}"),
    };
    let v = tarseal_log::CosignatureVerifier::from_key_string(&a).unwrap();
    v.verify(&format!("{plain}{lines}")).unwrap();
}
