//! The web view as a person meets it: a real `tarseal serve` holding a release sealed and
//! published by `tarseal seal --publish`, loaded in a real headless Chromium and followed
//! link by link from `/` to the release page, which must show the file's SHA-256; then the
//! same walk in a text browser (w3m), which has no JavaScript engine at all — so no page
//! needs JavaScript. (Chromium's own switch that turns scripts off also stops headless
//! `--dump-dom` and `--screenshot`, which run on scripts; in Chromium the pages' CSP,
//! `default-src 'none'` with no script source, forbids every script, and the DOM is checked
//! to hold none.) Screenshots of the three main pages at phone width are written to
//! `$TARSEAL_WEB_SCREENSHOTS` when it is set (that is how docs/web/*.png were made).
//!
//! Without Chromium the test prints a NOTICE and passes; under `CI=true` it fails instead
//! (.ci/run installs chromium and w3m).

mod common;

use common::gpg::*;
use common::logserve::{show, Serve};
use common::*;
use std::path::Path;
use std::process::Command;

const NAME: &str = "proj-2.0.tar.gz";

/// Chromium, headless, no network but loopback, a fresh profile.
fn chromium(profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium")
}

/// The DOM Chromium built for `url`.
fn dom(profile: &Path, url: &str) -> String {
    let out = chromium(profile, &["--dump-dom", url]);
    assert!(out.status.success(), "chromium {url}: {}", show(&out));
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        page.contains("</html>"),
        "chromium rendered nothing for {url}: {}",
        show(&out)
    );
    assert!(!page.contains("<script"), "{url} holds a script:\n{page}");
    page
}

/// w3m's rendering of `url` and its numbered links (`[N]label`, then `[N] URL` under
/// "References:").
fn w3m(url: &str) -> String {
    let out = Command::new("w3m")
        .args(["-dump", "-cols", "60", "-o", "display_link_number=1", url])
        .output()
        .unwrap();
    assert!(out.status.success(), "w3m {url}: {}", show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The URL of w3m's first link whose label contains `text` and whose URL contains `path`.
fn w3m_follow(page: &str, path: &str, text: &str) -> String {
    let (body, refs) = page
        .split_once("\nReferences:")
        .expect("w3m lists references");
    let urls: std::collections::HashMap<&str, &str> = refs
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split_once("] "))
        .collect();
    for part in body.split('[').skip(1) {
        let Some((n, label)) = part.split_once(']') else {
            continue;
        };
        if let Some(url) = urls.get(n) {
            if label.starts_with(text) && url.contains(path) {
                return url.to_string();
            }
        }
    }
    panic!("w3m shows no link to {path} labelled {text:?}:\n{page}");
}

/// The target of the first link whose text contains `text` and whose target starts with
/// `prefix` — what a person clicks.
fn follow(page: &str, prefix: &str, text: &str) -> String {
    for part in page.split("href=\"").skip(1) {
        let (target, rest) = part.split_once('"').unwrap();
        let label = rest.split("</a>").next().unwrap_or("");
        if target.starts_with(prefix) && label.contains(text) {
            return target.replace("&amp;", "&");
        }
    }
    panic!("no link to {prefix}… labelled {text:?} on the page:\n{page}");
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_person_reaches_the_release_page_from_home_without_javascript() {
    if !have("chromium") {
        assert!(
            std::env::var("CI").is_err(),
            "chromium is missing under CI (.ci/run installs it)"
        );
        eprintln!("NOTICE: chromium not installed; web browser test skipped");
        return;
    }
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
    let log = Serve::start(&f.dir.path().join("data"), &trust, None);
    let out = Command::new(BIN)
        .arg("seal")
        .arg(dir.join(NAME))
        .args(["--repo", f.repo().to_str().unwrap(), "--tag", "v2"])
        .arg("--keyring")
        .arg(trust.join("proj.keys"))
        .arg("--key")
        .arg(&secret)
        .args(["--publish", &log.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let seal = std::fs::read_to_string(dir.join(format!("{NAME}.seal"))).unwrap();
    let sha256 = seal
        .lines()
        .find_map(|l| l.strip_prefix("sha256 "))
        .unwrap()
        .to_string();
    assert_eq!(sha256.len(), 64, "{seal}");

    let profile = tempfile::tempdir().unwrap();
    let home_url = format!("{}/", log.url);
    let home = dom(profile.path(), &home_url);
    assert!(home.contains("tarseal transparency log"), "{home}");
    let project_url = format!("{}{}", log.url, follow(&home, "/projects/", "proj"));
    let project = dom(profile.path(), &project_url);
    assert!(
        project.contains(&alice),
        "the project page names the key:\n{project}"
    );
    let release_url = format!(
        "{}{}",
        log.url,
        follow(&project, "/projects/proj/tags/", "v2")
    );
    let release = dom(profile.path(), &release_url);
    assert!(
        release.contains(&sha256),
        "the release page reached from / lacks the file's SHA-256 {sha256}:\n{release}"
    );
    // The seal's report reached the log with the record: the page summarises it.
    assert!(release.contains("What the check found"), "{release}");
    assert!(
        release.contains("tarseal verify proj-2.0.tar.gz"),
        "{release}"
    );

    // Phone width: the page renders to a picture (the hashes wrap; checked by eye in docs/).
    let shots = tempfile::tempdir().unwrap();
    for (name, url) in [
        ("home", &home_url),
        ("project", &project_url),
        ("release", &release_url),
    ] {
        let png = shots.path().join(format!("{name}.png"));
        let out = chromium(
            profile.path(),
            &[
                &format!("--screenshot={}", png.display()),
                "--window-size=412,1400",
                "--hide-scrollbars",
                url,
            ],
        );
        assert!(out.status.success(), "screenshot {url}: {}", show(&out));
        let bytes = std::fs::read(&png).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{name}.png is not a PNG");
        if let Ok(keep) = std::env::var("TARSEAL_WEB_SCREENSHOTS") {
            std::fs::create_dir_all(&keep).unwrap();
            std::fs::copy(&png, Path::new(&keep).join(format!("{name}.png"))).unwrap();
        }
    }

    // The same walk in a browser without JavaScript: w3m, from / to the release page.
    if have("w3m") {
        let home = w3m(&home_url);
        let project = w3m(&w3m_follow(&home, "/projects/proj", "proj"));
        let release = w3m(&w3m_follow(&project, "/projects/proj/tags/v2", "v2"));
        assert!(
            release.replace(char::is_whitespace, "").contains(&sha256),
            "w3m does not show the SHA-256 on the release page:\n{release}"
        );
    } else {
        assert!(std::env::var("CI").is_err(), "w3m is missing under CI");
    }
}
