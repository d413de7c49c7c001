//! The web view against a real server on loopback, on both stores: pages reached by links
//! from `/`, hostile tag names inert, the CSP on every page, JSON for `Accept:
//! application/json`, an entry's parts equal to what was published.

#[allow(unused_imports)]
mod common;

use common::*;

const EVIL_TAG: &str = "<script>alert(1)</script>";

/// GET with an Accept header; (status, headers we look at, body).
fn get(url: &str, path: &str, accept: &str) -> (u16, Option<String>, Option<String>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let r = agent
        .get(&format!("{url}{path}"))
        .header("Accept", accept)
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = r.status().as_u16();
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (csp, location) = (h("content-security-policy"), h("location"));
    let body = r.into_body().read_to_string().unwrap_or_default();
    (status, csp, location, body)
}

fn html(url: &str, path: &str) -> String {
    let (st, csp, _, body) = get(url, path, "text/html");
    assert_eq!(st, 200, "{path}: {body}");
    assert_eq!(csp.as_deref(), Some(tarseal_web::CSP), "{path}");
    assert!(!body.contains("<script"), "{path} holds a script:\n{body}");
    body
}

/// The first `href="..."` whose target starts with `prefix` and whose link text contains
/// `text`.
fn link(page: &str, prefix: &str, text: &str) -> String {
    for part in page.split("href=\"").skip(1) {
        let (target, rest) = part.split_once('"').unwrap();
        let label = rest.split("</a>").next().unwrap_or("");
        if target.starts_with(prefix) && label.contains(text) {
            return target.replace("&amp;", "&");
        }
    }
    panic!("no link to {prefix}… labelled {text:?} in:\n{page}");
}

#[test]
fn pages_by_links_from_home() {
    each_store(pages_by_links_on);
}

fn pages_by_links_on(db: Option<String>) {
    let alice = new_key("alice");
    let s = TestServer::start(&db, &[("nova", &[&alice])]);
    let sha = digest(7);
    let rec = record("nova", "27.1.0", "nova-27.1.0.tar.gz", &sha);
    let sig = sign(&alice, &rec);
    assert_eq!(client_publish(&s.url, &rec, &sig), 200);
    let evil = record("nova", EVIL_TAG, "evil.tar.gz", &digest(8));
    assert_eq!(client_publish(&s.url, &evil, &sign(&alice, &evil)), 200);

    let home = html(&s.url, "/");
    assert!(home.contains("test.localhost/log"), "{home}");
    assert!(
        home.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{home}"
    );
    let project = link(&home, "/projects/", "nova");
    assert_eq!(project, "/projects/nova");
    let page = html(&s.url, &project);
    assert!(
        page.contains(&alice.fingerprint()),
        "keyring fingerprint:\n{page}"
    );
    // Newest first: the hostile tag was published last.
    let evil_at = page.find("&lt;script&gt;").unwrap();
    let good_at = page.find(">27.1.0<").unwrap();
    assert!(evil_at < good_at, "tags are not newest first:\n{page}");
    let release = link(&page, "/projects/nova/tags/", "27.1.0");
    let page = html(&s.url, &release);
    assert!(
        page.contains(&sha),
        "the release page lacks the file's SHA-256:\n{page}"
    );
    assert!(page.contains(
        "tarseal verify nova-27.1.0.tar.gz --keyring nova-keys.asc --server http://127.0.0.1:"
    ));
    assert!(
        page.contains(&s.verifier_key),
        "the verify command names the log key"
    );

    // The entry's parts are what was published, and its checksum line is sha256sum's.
    let rec_link = link(&page, "/log/entries/", "record");
    assert_eq!(get(&s.url, &rec_link, "*/*").3, rec);
    let sig_link = link(&page, "/log/entries/", "signature");
    assert_eq!(get(&s.url, &sig_link, "*/*").3, sig);
    let sum = link(&page, "/log/entries/", "sha256");
    assert_eq!(
        get(&s.url, &sum, "*/*").3,
        format!("{sha}  nova-27.1.0.tar.gz\n")
    );
    let proof = link(&page, "/log/entries/", "inclusion proof");
    let (st, _, _, text) = get(&s.url, &proof, "*/*");
    assert_eq!(st, 200);
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\n"), "{text}");

    // The hostile tag's release page: reached by its link, inert.
    let home = html(&s.url, "/");
    let evil_release = link(&home, "/projects/nova/tags/", "&lt;script&gt;");
    let page = html(&s.url, &evil_release);
    assert!(page.contains(&digest(8)), "{page}");

    // The log page and an entry page.
    let log = html(&s.url, &link(&home, "/log", "log"));
    assert!(log.contains("/v1/proofs/consistency/1/2"), "{log}");
    let entry = html(&s.url, &link(&log, "/log/entries/", "0"));
    assert!(entry.contains("nova-27.1.0.tar.gz"));

    // Keys as served are the trust directory's certificates.
    let (st, _, _, keys) = get(&s.url, "/projects/nova/keys.asc", "*/*");
    assert_eq!(st, 200);
    let on_disk = std::fs::read_to_string(s.dir.path().join("trust/nova.keys")).unwrap();
    assert_eq!(keys, on_disk);
}

#[test]
fn json_search_and_not_found() {
    let alice = new_key("alice");
    let s = TestServer::start(&None, &[("nova", &[&alice])]);
    let sha = digest(9);
    let rec = record("nova", "v1/rc1", "nova-1.tar.gz", &sha);
    assert_eq!(client_publish(&s.url, &rec, &sign(&alice, &rec)), 200);

    // The same data as JSON.
    let (st, csp, _, body) = get(&s.url, "/projects/nova/tags/v1/rc1", "application/json");
    assert_eq!(st, 200, "{body}");
    assert!(csp.is_some());
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["files"][0]["sha256"], sha.as_str());
    assert_eq!(v["files"][0]["verdict"], "pass");
    assert_eq!(v["tag"], "v1/rc1");
    let (_, _, _, body) = get(&s.url, "/", "application/json");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["log"]["size"], 1);
    assert_eq!(v["recent"][0]["file"], "nova-1.tar.gz");

    // Search: a digest or project+tag goes straight to its release page.
    let (st, _, loc, _) = get(
        &s.url,
        &format!("/search?sha256={}", sha.to_uppercase()),
        "text/html",
    );
    assert_eq!(st, 303);
    assert_eq!(loc.as_deref(), Some("/projects/nova/tags/v1/rc1"));
    let (st, _, loc, _) = get(&s.url, "/search?project=nova&tag=v1%2Frc1", "text/html");
    assert_eq!(
        (st, loc.as_deref()),
        (303, Some("/projects/nova/tags/v1/rc1"))
    );
    let (st, _, loc, _) = get(&s.url, "/search?project=nova", "text/html");
    assert_eq!((st, loc.as_deref()), (303, Some("/projects/nova")));
    let (st, _, _, body) = get(&s.url, "/search?sha256=zz", "text/html");
    assert_eq!(st, 200);
    assert!(body.contains("64 hex digits"), "{body}");
    let (_, _, _, body) = get(
        &s.url,
        &format!("/search?sha256={}", digest(1)),
        "text/html",
    );
    assert!(body.contains("No record names SHA-256"), "{body}");
    let (st, _, _, body) = get(&s.url, "/search?project=%3Cb%3E", "text/html");
    assert_eq!(st, 200);
    assert!(!body.contains("<b>"), "{body}");

    // Not found, as a page with the message (and as JSON).
    for path in [
        "/projects/glance",
        "/projects/nova/tags/2.0",
        "/log/entries/1",
        "/log/entries/x",
        "/log/entries/0/nope",
        "/projects/glance/keys.asc",
    ] {
        let (st, csp, _, body) = get(&s.url, path, "text/html");
        assert_eq!(st, 404, "{path}: {body}");
        assert!(csp.is_some(), "{path}");
        assert!(body.contains("Not found"), "{path}: {body}");
    }
    let (st, _, _, body) = get(&s.url, "/log/entries/5", "application/json");
    assert_eq!(st, 404);
    assert!(body.contains("\"error\""), "{body}");
}

fn client_publish(url: &str, rec: &str, sig: &str) -> u16 {
    tarseal_server::client::publish(url, rec, sig)
        .unwrap()
        .status
}

/// A seal's report, handed to the log after the record: kept only when the record names its
/// digest, then summarised on the release page and served as the entry's `report` part.
#[test]
fn report_kept_only_when_the_seal_names_it() {
    let alice = new_key("alice");
    let s = TestServer::start(&None, &[("nova", &[&alice])]);
    let report = serde_json::json!({
        "schema": "tarseal.report/v2",
        "verdict": "pass",
        "policy": { "profile": "pbr" },
        "summary": { "matched": 40 },
        "entries": [
            { "path": "a.py", "vouched_by": "git" },
            { "path": "ChangeLog", "vouched_by": "reproduced" },
            { "path": "<b>odd</b>.txt", "vouched_by": "name-only" }
        ],
        "trust_surface": { "files": 1, "bytes": 17, "paths": ["<b>odd</b>.txt"] }
    })
    .to_string();
    let digest_hex = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(report.as_bytes()))
    };
    let rec = record("nova", "28.0.0", "nova-28.0.0.tar.gz", &digest(3)).replace(
        "report-sha256 x-report-sha256",
        &format!("report-sha256 {digest_hex}"),
    );
    assert_eq!(client_publish(&s.url, &rec, &sign(&alice, &rec)), 200);
    let other = record("nova", "28.0.1", "nova-28.0.1.tar.gz", &digest(4));
    assert_eq!(client_publish(&s.url, &other, &sign(&alice, &other)), 200);

    let post = |index: u64, text: &str| {
        tarseal_server::client::publish_report(&s.url, index, text).unwrap()
    };
    // Not the digest entry 1 names; not an entry; not JSON: refused, nothing kept.
    assert_eq!(post(1, &report).status, 400);
    assert_eq!(post(9, &report).status, 404);
    let a = post(0, "not json");
    assert_eq!(a.status, 400, "{}", a.body);
    let (st, _, _, _) = get(&s.url, "/log/entries/0/report", "*/*");
    assert_eq!(st, 404);
    // The right one: kept (twice is fine), summarised, served as it was sent.
    assert_eq!(post(0, &report).status, 200);
    assert_eq!(post(0, &report).status, 200);
    let (st, _, _, body) = get(&s.url, "/log/entries/0/report", "*/*");
    assert_eq!((st, body.as_str()), (200, report.as_str()));
    let page = html(&s.url, "/projects/nova/tags/28.0.0");
    for needle in [
        "What the check found",
        "1 vouched by <code>reproduced</code>",
        "Trust surface: 1 files, 17 bytes",
        "&lt;b&gt;odd&lt;/b&gt;.txt",
    ] {
        assert!(page.contains(needle), "{needle} missing:\n{page}");
    }
    assert!(!page.contains("<b>odd"));
    // Too large for the general limit, within the report limit: still accepted by size.
    let big = serde_json::json!({ "verdict": "pass", "pad": "x".repeat(200_000) }).to_string();
    assert_eq!(
        post(0, &big).status,
        400,
        "refused for its digest, not its size"
    );
}
