//! The pages rendered from views holding hostile strings: nothing from a record may become
//! markup, a link, or a script, and the data a person looks for is on the page.

use tarseal_web::model::*;
use tarseal_web::{href, CSP};

const EVIL: &str = "<script>alert(1)</script>";
const EVIL_ATTR: &str = "x\" onmouseover=\"alert(1)";

fn head() -> LogHead {
    LogHead {
        origin: "test.localhost/log".into(),
        size: 2,
        root: "AAAA".into(),
        checkpoint: "test.localhost/log\n2\nAAAA\n\n— test.localhost/log abcd\n".into(),
        signatures: vec![
            NoteSigner {
                name: "test.localhost/log".into(),
                key_id: "0a0b0c0d".into(),
                role: "log".into(),
            },
            NoteSigner {
                name: format!("witness{EVIL}"),
                key_id: "01020304".into(),
                role: "cosignature".into(),
            },
        ],
        latest_logged_at: Some("2026-12-02T10:00:00Z".into()),
    }
}

fn row(index: u64, tag: &str, file: &str) -> EntryRow {
    EntryRow {
        index,
        kind: "artifact".into(),
        logged_at: "2026-12-02T10:00:00Z".into(),
        project: "nova".into(),
        tag: tag.into(),
        file: file.into(),
        sha256: "ab".repeat(32),
        signer: "F00D".into(),
    }
}

/// Every `<` in the page belongs to a tag the template wrote, never to a value.
fn assert_inert(page: &str) {
    assert!(!page.contains("<script"), "a script element:\n{page}");
    assert!(
        !page.contains("onmouseover=\""),
        "an injected attribute:\n{page}"
    );
    assert!(!page.contains(" src="), "the page loads something:\n{page}");
}

#[test]
fn home_escapes_record_values_and_links_encode_them() {
    let v = HomeView {
        log: head(),
        recent: vec![row(1, EVIL, EVIL_ATTR)],
        projects: vec![ProjectRow {
            project: "nova".into(),
            tags: 1,
            latest: 1,
        }],
    };
    let page = tarseal_web::home(&v);
    assert_inert(&page);
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    // The tag's `/` separates path components; each one is percent-encoded.
    assert!(
        page.contains("href=\"/projects/nova/tags/%3Cscript%3Ealert%281%29%3C/script%3E\""),
        "{page}"
    );
    assert!(page.contains("href=\"/projects/nova\""));
    assert!(page.contains("witness cosignature"));
    assert!(page.contains("<form method=\"get\" action=\"/search\""));
}

#[test]
fn release_page_shows_checksums_signers_and_the_verify_command() {
    let mut rec = RecordView {
        entry: row(0, "27.1.0", "nova-27.1.0.tar.gz"),
        fields: vec![
            ("signed-at".into(), "2026-12-01T00:00:00Z".into()),
            ("sha512".into(), "cd".repeat(64)),
        ],
    };
    rec.entry.signer = EVIL.into();
    let f = FileView {
        file: "nova-27.1.0.tar.gz".into(),
        size: Some("123".into()),
        sha256: "ab".repeat(32),
        sha512: Some("cd".repeat(64)),
        md5: Some("ef".repeat(16)),
        commit: Some("12".repeat(20)),
        tag_object: Some("34".repeat(20)),
        verdict: Some("pass".into()),
        report_sha256: None,
        report: Some(ReportSummary {
            verdict: "pass".into(),
            profile: Some("pbr".into()),
            vouched_by: vec![("git".into(), 10), ("reproduced".into(), 2)],
            trust_surface_files: 1,
            trust_surface_bytes: 42,
            trust_surface_paths: vec![EVIL.into()],
        }),
        digests_differ: true,
        records: vec![rec],
        verify_command: "tarseal verify nova-27.1.0.tar.gz --keyring nova-keys.asc".into(),
    };
    let v = ReleaseView {
        project: "nova".into(),
        tag: "27.1.0".into(),
        log: head(),
        files: vec![f],
    };
    let page = tarseal_web::release(&v);
    assert_inert(&page);
    for needle in [
        &"ab".repeat(32),
        &"cd".repeat(64),
        &"ef".repeat(16),
        &"12".repeat(20),
        "tarseal verify nova-27.1.0.tar.gz --keyring nova-keys.asc",
        "href=\"/log/entries/0/signature\"",
        "href=\"/log/entries/0/tlog-proof\"",
        "href=\"/log/entries/0/sha512\"",
        "Trust surface: 1 files, 42 bytes",
        "2 vouched by <code>reproduced</code>",
        "name different bytes",
        "signed 2026-12-01T00:00:00Z",
    ] {
        assert!(page.contains(needle), "{needle} missing:\n{page}");
    }
}

#[test]
fn every_page_renders_inert_with_hostile_values() {
    let e = row(3, EVIL, EVIL);
    let pages = [
        tarseal_web::project(&ProjectView {
            project: "nova".into(),
            tags: vec![TagRow {
                tag: EVIL.into(),
                latest: 3,
                latest_logged_at: EVIL.into(),
                files: vec![EVIL_ATTR.into()],
                kinds: vec!["artifact".into(), EVIL.into()],
            }],
            keys: Some(ProjectKeys {
                threshold: 2,
                keys: vec![TrustKeyRow {
                    label: Some(EVIL.into()),
                    id: "F00D".into(),
                    valid_after: None,
                    valid_before: Some("2027-01-01T00:00:00Z".into()),
                }],
            }),
        }),
        tarseal_web::log(&LogView {
            log: head(),
            checkpoints: vec![
                CheckpointRow {
                    size: 4,
                    root: "R4".into(),
                },
                CheckpointRow {
                    size: 2,
                    root: "R2".into(),
                },
            ],
            checkpoints_total: 5,
            entries: vec![e.clone()],
            start: 0,
            page: 100,
        }),
        tarseal_web::entry(&EntryView {
            entry: e.clone(),
            fields: vec![("tag".into(), EVIL.into())],
            record: EVIL.into(),
            signature: EVIL.into(),
            tree_size: 4,
        }),
        tarseal_web::search(&SearchView {
            query: SearchQuery {
                project: EVIL_ATTR.into(),
                tag: EVIL.into(),
                sha256: String::new(),
            },
            results: vec![e],
            message: Some(EVIL.into()),
        }),
        tarseal_web::not_found(EVIL),
    ];
    for page in &pages {
        assert_inert(page);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("name=\"viewport\""));
    }
    assert!(pages[1].contains("href=\"/v1/proofs/consistency/2/4\""));
    assert!(pages[1].contains("3 older checkpoints not shown"));
    assert!(pages[0].contains("2 distinct co-signatures"));
}

#[test]
fn links_and_policy() {
    assert_eq!(href::project("a.b_c-d"), "/projects/a.b_c-d");
    assert_eq!(href::release("p", "v1/rc 1"), "/projects/p/tags/v1/rc%201");
    assert_eq!(href::release("p", "a\"b"), "/projects/p/tags/a%22b");
    assert_eq!(href::log(0), "/log");
    assert_eq!(href::log(200), "/log?start=200");
    assert!(CSP.contains("default-src 'none'"));
    assert!(
        !CSP.contains("script-src"),
        "no script source may be allowed"
    );
}
