//! The pages: each function turns one view of [`crate::model`] into a whole HTML document.
//! maud escapes every interpolated value; links come from [`crate::href`].

use maud::{html, Markup, DOCTYPE};

use crate::href;
use crate::model::{
    EntryRow, EntryView, FileView, HomeView, LogHead, LogView, ProjectView, RecordView,
    ReleaseView, SearchQuery, SearchView,
};

/// The frame of every page: title, style sheet, navigation, footer.
fn layout(title: &str, log: Option<&LogHead>, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — tarseal log" }
                link rel="stylesheet" href=(crate::STYLE_PATH);
            }
            body {
                header {
                    nav {
                        a href=(href::home()) { "tarseal log" }
                        a href=(href::log(0)) { "log" }
                        a href="/checkpoint" { "checkpoint" }
                        a href="/openapi.yaml" { "API" }
                    }
                }
                main { (body) }
                footer {
                    @if let Some(log) = log {
                        "Log " code { (log.origin) } ", " (log.size) " entries. "
                    }
                    "Every page is plain HTML; the same data is JSON with "
                    code { "Accept: application/json" } "."
                }
            }
        }
    }
    .into_string()
}

fn entry_table(rows: &[EntryRow]) -> Markup {
    html! {
        table {
            thead { tr { th { "#" } th { "kind" } th { "release" } th { "file" } th { "logged at" } } }
            tbody {
                @for e in rows {
                    tr {
                        td { a href=(href::entry(e.index)) { (e.index) } }
                        td { (kind_label(&e.kind)) }
                        td {
                            a href=(href::project(&e.project)) { (e.project) } " "
                            a href=(href::release(&e.project, &e.tag)) { (e.tag) }
                        }
                        td { (e.file) }
                        td { (e.logged_at) }
                    }
                }
            }
        }
    }
}

/// What a record kind means to a person.
fn kind_label(kind: &str) -> &str {
    match kind {
        "artifact" => "seal",
        "build" => "build",
        "cosign" => "co-signature",
        "upload" => "upload",
        other => other,
    }
}

fn log_summary(log: &LogHead) -> Markup {
    html! {
        dl {
            dt { "origin" } dd { code { (log.origin) } }
            dt { "tree size" } dd { (log.size) }
            dt { "root hash" } dd { span.hash { (log.root) } }
            dt { "newest entry logged" } dd { (log.latest_logged_at.as_deref().unwrap_or("—")) }
            dt { "signed by" }
            dd {
                @for s in &log.signatures {
                    div {
                        code { (s.name) } " "
                        span.note { "key " (s.key_id) " · " (if s.role == "log" { "the log" } else { "witness cosignature" }) }
                    }
                }
                @if !log.signatures.iter().any(|s| s.role != "log") {
                    div.note { "no witness cosignatures on this checkpoint" }
                }
            }
        }
    }
}

fn search_form(q: &SearchQuery) -> Markup {
    html! {
        form method="get" action="/search" role="search" {
            label { "project" input type="text" name="project" value=(q.project) size="16"; }
            label { "tag" input type="text" name="tag" value=(q.tag) size="16"; }
            label { "or SHA-256" input type="text" name="sha256" value=(q.sha256) size="24" pattern="[0-9a-fA-F]{64}"; }
            button type="submit" { "search" }
        }
    }
}

/// `/`.
pub fn home(v: &HomeView) -> String {
    let body = html! {
        h1 { "tarseal transparency log" }
        p {
            "Every release tarball checked against its signed git tag and sealed is recorded here, "
            "append-only, with inclusion proofs anyone can verify."
        }
        (log_summary(&v.log))
        h2 { "Search" }
        (search_form(&SearchQuery::default()))
        h2 { "Recent entries" }
        @if v.recent.is_empty() { p { "The log is empty." } } @else { (entry_table(&v.recent)) }
        h2 { "Projects" }
        @if v.projects.is_empty() {
            p { "No project has records yet." }
        } @else {
            ul {
                @for p in &v.projects {
                    li {
                        a href=(href::project(&p.project)) { (p.project) }
                        span.note { " — " (p.tags) (if p.tags == 1 { " tag" } else { " tags" }) }
                    }
                }
            }
        }
    };
    layout("log", Some(&v.log), body)
}

/// A project's page.
pub fn project(v: &ProjectView) -> String {
    let body = html! {
        h1 { "Project " (v.project) }
        h2 { "Tags" }
        @if v.tags.is_empty() { p { "No records for this project." } }
        @else {
            table {
                thead { tr { th { "tag" } th { "files" } th { "records" } th { "last logged" } } }
                tbody {
                    @for t in &v.tags {
                        tr {
                            td { a href=(href::release(&v.project, &t.tag)) { (t.tag) } }
                            td { @for (i, f) in t.files.iter().enumerate() { @if i > 0 { ", " } (f) } }
                            td { @for (i, k) in t.kinds.iter().enumerate() { @if i > 0 { ", " } (kind_label(k)) } }
                            td { (t.latest_logged_at) }
                        }
                    }
                }
            }
        }
        h2 { "Keyring" }
        @match &v.keys {
            None => p { "This log has no trust file for " (v.project) ": it accepts no new records for it." },
            Some(k) => {
                p {
                    "Records are accepted when signed by one of these keys; an upload gate needs "
                    (k.threshold) " distinct co-signatures. "
                    a href=(href::keys(&v.project)) { "certificates (keys.asc)" }
                }
                table {
                    thead { tr { th { "key" } th { "label" } th { "valid" } } }
                    tbody {
                        @for key in &k.keys {
                            tr {
                                td { span.hash { (key.id) } }
                                td { (key.label.as_deref().unwrap_or("")) }
                                td {
                                    (key.valid_after.as_deref().unwrap_or("…")) " – "
                                    (key.valid_before.as_deref().unwrap_or("…"))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&format!("project {}", v.project), None, body)
}

fn field<'a>(r: &'a RecordView, key: &str) -> Option<&'a str> {
    r.fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn file_section(f: &FileView) -> Markup {
    html! {
        section {
            h2 { (f.file) }
            @if f.digests_differ {
                p.fail {
                    "The records of this file name different bytes (see SHA-256 below): the file "
                    "that was built is not the file that was sealed or uploaded."
                }
            }
            dl {
                @if let Some(s) = &f.size { dt { "size" } dd { (s) " bytes" } }
                dt { "SHA-256" } dd { span.hash.sha256 { (f.sha256) } }
                @if let Some(s) = &f.sha512 { dt { "SHA-512" } dd { span.hash { (s) } } }
                @if let Some(s) = &f.md5 { dt { "MD5" } dd { span.hash { (s) } span.note { " (informational)" } } }
                @if let Some(s) = &f.commit { dt { "commit" } dd { span.hash { (s) } } }
                @if let Some(s) = &f.tag_object { dt { "tag object" } dd { span.hash { (s) } } }
                dt { "check verdict" }
                dd {
                    @match f.verdict.as_deref() {
                        Some("pass") => span.pass { "pass" },
                        Some(other) => span.fail { (other) },
                        None => span.note { "not sealed: no seal record for this file" },
                    }
                }
                @if let Some(s) = &f.report_sha256 { dt { "report SHA-256" } dd { span.hash { (s) } } }
            }
            @if let Some(r) = &f.report {
                h3 { "What the check found" }
                p {
                    "Verdict " strong { (r.verdict) }
                    @if let Some(p) = &r.profile { ", profile " code { (p) } }
                    "."
                }
                ul { @for (by, n) in &r.vouched_by { li { (n) " vouched by " code { (by) } } } }
                p {
                    "Trust surface: " (r.trust_surface_files) " files, " (r.trust_surface_bytes)
                    " bytes accepted by name only."
                }
                @if !r.trust_surface_paths.is_empty() {
                    ul { @for p in &r.trust_surface_paths { li { code { (p) } } } }
                }
            }
            h3 { "Records" }
            table {
                thead { tr { th { "#" } th { "kind" } th { "signed by" } th { "logged at" } th { "files" } } }
                tbody {
                    @for r in &f.records {
                        tr {
                            td { a href=(href::entry(r.entry.index)) { (r.entry.index) } }
                            td { (kind_label(&r.entry.kind)) }
                            td {
                                span.hash { (r.entry.signer) }
                                @if let Some(at) = field(r, "signed-at") { div.note { "signed " (at) } }
                            }
                            td { (r.entry.logged_at) }
                            td {
                                a href=(href::entry_part(r.entry.index, "record")) { "record" } " · "
                                a href=(href::entry_part(r.entry.index, "signature")) { "signature" } " · "
                                a href=(href::entry_part(r.entry.index, "tlog-proof")) { "inclusion proof" } " · "
                                a href=(href::entry_part(r.entry.index, "sha256")) { "sha256" }
                                @if field(r, "sha512").is_some() {
                                    " · " a href=(href::entry_part(r.entry.index, "sha512")) { "sha512" }
                                }
                                @if field(r, "md5").is_some_and(|m| m != "-") {
                                    " · " a href=(href::entry_part(r.entry.index, "md5")) { "md5" }
                                }
                            }
                        }
                    }
                }
            }
            p.note {
                "Beside the file, its release carries the detached signature (" code { (f.file) ".asc" }
                "), the seal (" code { (f.file) ".seal" } "), the git proof (" code { (f.file) ".git-proof" }
                ") and the in-toto statement (" code { (f.file) ".intoto.jsonl" } ") where the release made them."
            }
            h3 { "Check your copy" }
            pre { code { (f.verify_command) } }
        }
    }
}

/// A release's page.
pub fn release(v: &ReleaseView) -> String {
    let body = html! {
        p { a href=(href::project(&v.project)) { (v.project) } " › " (v.tag) }
        h1 { (v.project) " " (v.tag) }
        @if v.files.is_empty() { p { "The log has no record for this tag." } }
        @for f in &v.files { (file_section(f)) }
        h2 { "Proofs are against" }
        (log_summary(&v.log))
    };
    layout(&format!("{} {}", v.project, v.tag), Some(&v.log), body)
}

/// The log page.
pub fn log(v: &LogView) -> String {
    let body = html! {
        h1 { "The log" }
        (log_summary(&v.log))
        h2 { "Checkpoints" }
        p {
            "The log signs a checkpoint after every batch. Each is consistent with every earlier one: "
            "the links give the RFC 9162 consistency proof between two sizes."
        }
        table {
            thead { tr { th { "size" } th { "root hash" } th { "consistency" } } }
            tbody {
                @for (i, c) in v.checkpoints.iter().enumerate() {
                    tr {
                        td { (c.size) }
                        td { span.hash { (c.root) } }
                        td {
                            @if let Some(older) = v.checkpoints.get(i + 1) {
                                @if older.size > 0 {
                                    a href=(format!("/v1/proofs/consistency/{}/{}", older.size, c.size)) {
                                        (older.size) " → " (c.size)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if v.checkpoints_total > v.checkpoints.len() {
            p.note { (v.checkpoints_total - v.checkpoints.len()) " older checkpoints not shown." }
        }
        h2 { "Entries " (v.start) "–" (v.start + v.entries.len() as u64) }
        @if v.entries.is_empty() { p { "No entries here." } } @else { (entry_table(&v.entries)) }
        nav {
            @if v.start > 0 { a href=(href::log(v.start.saturating_sub(v.page))) { "← older" } }
            @if v.start + v.page < v.log.size { a href=(href::log(v.start + v.page)) { "newer →" } }
        }
    };
    layout("entries", Some(&v.log), body)
}

/// One entry's page.
pub fn entry(v: &EntryView) -> String {
    let e = &v.entry;
    let body = html! {
        h1 { "Entry " (e.index) }
        p {
            (kind_label(&e.kind)) " record of "
            a href=(href::release(&e.project, &e.tag)) { (e.project) " " (e.tag) }
            ", logged " (e.logged_at) "."
        }
        dl {
            @for (k, val) in &v.fields {
                dt { (k) }
                dd { span.hash { (val) } }
            }
            dt { "accepted signer" } dd { span.hash { (e.signer) } }
        }
        p {
            a href=(href::entry_part(e.index, "record")) { "record" } " · "
            a href=(href::entry_part(e.index, "signature")) { "signature" } " · "
            a href=(href::entry_part(e.index, "tlog-proof")) { "inclusion proof (tree size " (v.tree_size) ")" }
        }
        h2 { "Record" }
        pre { (v.record) }
    };
    layout(&format!("entry {}", e.index), None, body)
}

/// A search's answer page.
pub fn search(v: &SearchView) -> String {
    let body = html! {
        h1 { "Search" }
        (search_form(&v.query))
        @if let Some(m) = &v.message { p { (m) } }
        @if !v.results.is_empty() { (entry_table(&v.results)) }
    };
    layout("search", None, body)
}

/// A page for "not found" and bad requests: the message, and a way back.
pub fn not_found(message: &str) -> String {
    let body = html! {
        h1 { "Not found" }
        p { (message) }
        p { a href=(href::home()) { "Back to the log" } }
    };
    layout("not found", None, body)
}
