//! `NAME.git-proof`: seal writes it, `check --proof` re-runs the check from it with the
//! repository deleted, and git's own tools (bundle, index-pack, verify-pack, verify-tag) read
//! it. The "Must show" of issue 14 is `must_show_offline_check_from_the_proof`.

mod common;

use common::gpg::*;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NAME: &str = "proj-2.0.tar.gz";

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A signed release sealed into `out/`: the fixture, GnuPG home, Alice's keyring and the
/// output directory.
struct Sealed {
    f: Fixture,
    g: Gpg,
    alice: String,
    keyring: PathBuf,
    out: PathBuf,
}

impl Sealed {
    /// `tarseal seal X --repo R --tag v2 --keyring K --key S --out D`, asserted to pass.
    fn new(prepare: impl FnOnce(&Fixture)) -> Sealed {
        let (f, g, alice, dir) = signed_release_with(NAME, prepare);
        let keyring = g.export_to(true, &[&alice], &f.dir.path().join("alice.asc"));
        let secret = g.export_secret_to(&alice, &f.dir.path().join("alice.key"), 0o600);
        let out = f.dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let run = Command::new(BIN)
            .arg("seal")
            .arg(dir.join(NAME))
            .args(["--repo", f.repo().to_str().unwrap(), "--tag", "v2"])
            .args(["--keyring", keyring.to_str().unwrap()])
            .args(["--key", secret.to_str().unwrap()])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", show(&run));
        std::fs::copy(dir.join(NAME), out.join(NAME)).unwrap();
        Sealed {
            f,
            g,
            alice,
            keyring,
            out,
        }
    }

    fn proof(&self) -> PathBuf {
        self.out.join(format!("{NAME}.git-proof"))
    }

    /// `tarseal check FILE --proof PROOF --keyring K ARGS...` (JSON), no repository given.
    fn check(&self, file: &Path, proof: &Path, keyring: &Path, args: &[&str]) -> Output {
        let out = Command::new(BIN)
            .arg("check")
            .arg(file)
            .arg("--proof")
            .arg(proof)
            .arg("--keyring")
            .arg(keyring)
            .args(args)
            .current_dir(self.f.dir.path())
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{}",
            show(&out)
        );
        out
    }

    /// Deletes the repository: what follows must not need it.
    fn delete_repo(&self) {
        std::fs::remove_dir_all(self.f.repo()).unwrap();
        assert!(!self.f.repo().exists());
    }
}

/// [`signed_release`] with `prepare` run on the repository before the tag is made.
fn signed_release_with(
    name: &str,
    prepare: impl FnOnce(&Fixture),
) -> (Fixture, Gpg, String, PathBuf) {
    let f = Fixture::new();
    f.populate_standard();
    prepare(&f);
    f.commit("initial");
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

/// The tarball with one byte of `rel` changed, re-packed with GNU tar under the same prefix.
fn with_one_byte_changed(s: &Sealed, rel: &str) -> PathBuf {
    let tree = s.f.extract(&s.out.join(NAME));
    let path = tree.join("proj-2.0").join(rel);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 0x20;
    std::fs::write(&path, bytes).unwrap();
    let tar = s.f.pack(&tree, "proj-2.0", "gnu", "changed.tar");
    let gz = s.f.scratch("proj-2.0.tar.gz");
    let out = Command::new("gzip").arg("-c").arg(&tar).output().unwrap();
    assert!(out.status.success());
    std::fs::write(&gz, out.stdout).unwrap();
    gz
}

#[test]
fn must_show_offline_check_from_the_proof() {
    let s = Sealed::new(|_| {});
    let file = s.out.join(NAME);
    assert!(s.proof().is_file(), "seal wrote no {NAME}.git-proof");
    // The tampered tarball is made before the repository goes (it needs nothing of it).
    let changed = with_one_byte_changed(&s, "src/main.c");
    let bob = s.g.gen_key(
        Some(T0),
        "Bob <bob@example.org>",
        "ed25519",
        "sign",
        "never",
    );
    let bob_ring =
        s.g.export_to(true, &[&bob], &s.f.dir.path().join("bob.asc"));
    s.delete_repo();

    // The repository deleted: the check passes from the proof alone.
    let ok = s.check(&file, &s.proof(), &s.keyring, &["--format", "json"]);
    assert_eq!(ok.status.code(), Some(0), "{}", show(&ok));
    let report: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["signature"]["status"], "good");
    assert_eq!(report["git"]["target"], "v2");
    assert_eq!(report["git"]["repo"], s.proof().display().to_string());
    assert!(
        report["summary"]["matched"].as_u64().unwrap() >= 5,
        "{report}"
    );

    // One byte changed in one file inside: rejected, the file named.
    let bad = s.check(&changed, &s.proof(), &s.keyring, &["--format", "json"]);
    assert_eq!(bad.status.code(), Some(1), "{}", show(&bad));
    let report: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["path"] == "src/main.c" && f["class"] == "modified"),
        "{report}"
    );

    // A keyring that did not sign the tag: rejected before the archive is read.
    let other = s.check(&file, &s.proof(), &bob_ring, &[]);
    assert_eq!(other.status.code(), Some(1), "{}", show(&other));
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("signature"),
        "{}",
        show(&other)
    );

    // A proof with one byte flipped, anywhere: 1 or 2 with an error, never a pass.
    let proof = std::fs::read(s.proof()).unwrap();
    let mut positions: Vec<usize> = (0..proof.len()).step_by(proof.len() / 23 + 1).collect();
    positions.extend([1, 17, proof.len() / 2, proof.len() - 1]);
    for pos in positions {
        let mut flipped = proof.clone();
        flipped[pos] ^= 0x01;
        let p = s.f.scratch("flipped.git-proof");
        std::fs::write(&p, &flipped).unwrap();
        let out = s.check(&file, &p, &s.keyring, &[]);
        let code = out.status.code();
        assert!(
            code == Some(1) || code == Some(2),
            "byte {pos} flipped: {}",
            show(&out)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("tarseal:"),
            "byte {pos} flipped, no error said why: {}",
            show(&out)
        );
    }
}

#[test]
fn a_truncated_or_foreign_proof_is_refused() {
    let s = Sealed::new(|_| {});
    let file = s.out.join(NAME);
    let proof = std::fs::read(s.proof()).unwrap();
    s.delete_repo();
    for len in [0, 10, proof.len() / 3, proof.len() - 21, proof.len() - 1] {
        let p = s.f.scratch("short.git-proof");
        std::fs::write(&p, &proof[..len]).unwrap();
        let out = s.check(&file, &p, &s.keyring, &[]);
        let code = out.status.code();
        assert!(
            code == Some(1) || code == Some(2),
            "{len} bytes: {}",
            show(&out)
        );
    }
    // Junk after the pack: refused, not ignored.
    let p = s.f.scratch("long.git-proof");
    let mut long = proof.clone();
    long.extend_from_slice(b"junk");
    std::fs::write(&p, &long).unwrap();
    let out = s.check(&file, &p, &s.keyring, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // The tarball itself given as a proof.
    let out = s.check(&file, &file, &s.keyring, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a tarseal git proof"));
    // --tag must be the proof's tag.
    let out = s.check(&file, &s.proof(), &s.keyring, &["--tag", "v3"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

/// `git bundle`, `git index-pack`, `git verify-pack` and `git verify-tag` read the proof, and
/// it holds the tag, the commit, every tree and only the blobs the check read.
#[test]
fn git_reads_the_proof_and_it_holds_only_what_the_check_read() {
    // .gitattributes is read by the check (export-subst of VERSION), so its blob and
    // VERSION's (expanded, so its bytes differ from the blob) are in; no other blob is.
    // core.abbrev 10: the sealing repository abbreviates to 10 digits, the proof's (a few
    // objects) to 7; the offline check must still accept the tarball's 10-digit `%h`.
    let s = Sealed::new(|f| {
        f.git(&["config", "core.abbrev", "10"]);
        f.write(".gitattributes", "VERSION export-subst\n");
        f.write("VERSION", "$Format:%H %h$\n");
    });
    let git = |dir: &Path, args: &[&str]| -> String {
        let out =
            s.g.env(isolate(Command::new("git").args(args).current_dir(dir)))
                .output()
                .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", show(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tag_id = s.f.rev("refs/tags/v2");
    let commit = s.f.rev("v2^{commit}");
    let trees: Vec<String> =
        s.f.git(&["ls-tree", "-r", "-t", "v2^{tree}"])
            .lines()
            .filter(|l| l.split_whitespace().nth(1) == Some("tree"))
            .map(|l| l.split_whitespace().nth(2).unwrap().to_owned())
            .chain([s.f.rev("v2^{tree}")])
            .collect();
    let blob = |p: &str| s.f.rev(&format!("v2:{p}"));
    let wanted_blobs = [blob(".gitattributes"), blob("VERSION")];
    s.delete_repo();

    let heads = git(
        s.f.dir.path(),
        &["bundle", "list-heads", s.proof().to_str().unwrap()],
    );
    assert_eq!(heads.trim(), format!("{tag_id} refs/tags/v2"));

    // unbundle = index-pack into a fresh repository; verify-pack lists every object.
    let bare = s.f.dir.path().join("bare.git");
    git(
        s.f.dir.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    git(&bare, &["bundle", "unbundle", s.proof().to_str().unwrap()]);
    let idx: Vec<PathBuf> = std::fs::read_dir(bare.join("objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect();
    assert_eq!(idx.len(), 1);
    let listing = git(&bare, &["verify-pack", "-v", idx[0].to_str().unwrap()]);
    let mut by_kind: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in listing.lines() {
        let mut w = line.split_whitespace();
        if let (Some(id), Some(kind)) = (w.next(), w.next()) {
            if ["commit", "tree", "blob", "tag"].contains(&kind) && id.len() == 40 {
                by_kind.entry(kind.into()).or_default().push(id.into());
            }
        }
    }
    assert_eq!(by_kind["tag"], vec![tag_id.clone()]);
    assert_eq!(by_kind["commit"], vec![commit]);
    let mut got_trees = by_kind["tree"].clone();
    let mut want_trees = trees;
    got_trees.sort();
    want_trees.sort();
    assert_eq!(got_trees, want_trees, "every tree of the tag, and no other");
    let mut got_blobs = by_kind["blob"].clone();
    got_blobs.sort();
    let mut want = wanted_blobs.to_vec();
    want.sort();
    assert_eq!(got_blobs, want, "only the blobs the check read");

    // git verify-tag with Alice's key, from the proof's objects alone.
    let out =
        s.g.env(isolate(
            Command::new("git")
                .args(["verify-tag", "--raw", &tag_id])
                .current_dir(&bare),
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("VALIDSIG {}", s.alice)),
        "{}",
        show(&out)
    );

    // git index-pack on the pack part (after the header's empty line) agrees.
    let bytes = std::fs::read(s.proof()).unwrap();
    let start = bytes.windows(6).position(|w| w == b"\n\nPACK").unwrap() + 2;
    let pack = s.f.dir.path().join("p.pack");
    std::fs::write(&pack, &bytes[start..]).unwrap();
    git(s.f.dir.path(), &["index-pack", pack.to_str().unwrap()]);

    // And the check passes offline, the export-subst file included.
    let out = s.check(
        &s.out.join(NAME),
        &s.proof(),
        &s.keyring,
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

/// Python that rewrites a proof's pack: the tree entry `main.c` gets the blob id of the
/// tampered file (argv[3], hex), the pack is recompressed and its trailer recomputed, so only
/// the ids chaining from the signed tag can tell.
const REWRITE_PROOF: &str = r#"
import sys, zlib, hashlib
src, dst, new_blob = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
data = open(src, 'rb').read()
start = data.index(b'\n\nPACK') + 2
header, pack = data[:start], data[start:-20]
count = int.from_bytes(pack[8:12], 'big')
pos, objs = 12, []
for _ in range(count):
    b = pack[pos]; pos += 1
    kind, size, shift = (b >> 4) & 7, b & 15, 4
    while b & 0x80:
        b = pack[pos]; pos += 1
        size |= (b & 0x7f) << shift; shift += 7
    d = zlib.decompressobj()
    body = d.decompress(pack[pos:])
    pos = len(pack) - len(d.unused_data)
    objs.append((kind, body))
out, changed = bytearray(b'PACK' + (2).to_bytes(4, 'big') + count.to_bytes(4, 'big')), 0
for kind, body in objs:
    if kind == 2 and b' main.c\0' in body:
        i = body.index(b' main.c\0') + len(b' main.c\0')
        body = body[:i] + new_blob + body[i + 20:]
        changed += 1
    size = len(body)
    c = (kind << 4) | (size & 15); size >>= 4
    while size:
        out.append(c | 0x80); c = size & 0x7f; size >>= 7
    out.append(c)
    out += zlib.compress(body)
assert changed == 1, changed
out += hashlib.sha1(out).digest()
open(dst, 'wb').write(header + bytes(out))
"#;

/// An attacker who rewrites the proof consistently (the tree names the tampered file's blob,
/// the pack's checksum is right) still fails: the changed tree has another id, and the
/// signed tag's commit names the original one.
#[test]
fn a_consistently_rewritten_proof_is_refused() {
    let s = Sealed::new(|_| {});
    let changed = with_one_byte_changed(&s, "src/main.c");
    let tree = s.f.extract(&changed);
    let new_blob = run_ok(
        Command::new("git")
            .args(["hash-object", "--no-filters"])
            .arg(tree.join("proj-2.0/src/main.c")),
    );
    let new_blob = String::from_utf8(new_blob).unwrap().trim().to_string();
    s.delete_repo();
    let forged = s.f.scratch("forged.git-proof");
    run_ok(
        Command::new("python3")
            .arg("-c")
            .arg(REWRITE_PROOF)
            .arg(s.proof())
            .arg(&forged)
            .arg(&new_blob),
    );
    let out = s.check(&changed, &forged, &s.keyring, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the proof lacks git object"),
        "{}",
        show(&out)
    );
    // The honest proof and the tampered tarball: the file is named as modified.
    let out = s.check(&changed, &s.proof(), &s.keyring, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
}
