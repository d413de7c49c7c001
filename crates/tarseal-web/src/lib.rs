//! The log's web view: HTML pages for people, rendered from plain data.
//!
//! This crate owns the *presentation* of the log — the home page, a project's releases, a
//! release's files with their checksums, signers and proofs, and the log's checkpoints and
//! entries. It does no I/O (as rustls' core, it is driven by its caller): `tarseal-server`
//! reads the store, fills the view structs of [`model`] and serves what [`pages`] returns.
//! So every page can be tested without a socket, and the same structs are the JSON answer
//! when a client asks for `application/json`.
//!
//! Safety properties, and why:
//! * every string that comes from a record is untrusted (a tag may be named
//!   `<script>alert(1)</script>`): maud escapes all interpolated text and attribute values,
//!   and URLs are built with [`href`] (percent-encoded path segments), never by hand;
//! * pages need no JavaScript and load nothing but [`STYLE_PATH`]; [`CSP`] forbids scripts,
//!   frames, plugins and foreign origins, so even an escaping bug could not run a script;
//! * layout is a single column that wraps long hashes, so a phone-width screen and a text
//!   browser show everything.

pub mod model;
pub mod pages;

pub use pages::{entry, home, log, not_found, project, release, search};

/// The Content-Security-Policy every page is sent with: nothing but this origin's style
/// sheet and form posts to itself; no script of any kind.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Where [`STYLE`] is served.
pub const STYLE_PATH: &str = "/static/style.css";

/// The style sheet: one column, readable on a phone, hashes wrap.
pub const STYLE: &str = include_str!("style.css");

/// Percent-encodes one path segment (everything but unreserved characters), so a
/// record's project, tag or file name can never end a URL or an attribute early.
pub fn segment(s: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Links to the pages, in one place so that the router and the pages agree.
pub mod href {
    use super::segment;

    /// The home page.
    pub fn home() -> String {
        "/".into()
    }
    /// A project's page.
    pub fn project(project: &str) -> String {
        format!("/projects/{}", segment(project))
    }
    /// A release's page: every file of one project's tag. A tag may hold `/`: each
    /// component is encoded on its own and the router takes the rest of the path.
    pub fn release(project: &str, tag: &str) -> String {
        let tag: Vec<String> = tag.split('/').map(segment).collect();
        format!("/projects/{}/tags/{}", segment(project), tag.join("/"))
    }
    /// The log page, starting at entry `start`.
    pub fn log(start: u64) -> String {
        if start == 0 {
            "/log".into()
        } else {
            format!("/log?start={start}")
        }
    }
    /// An entry's page.
    pub fn entry(index: u64) -> String {
        format!("/log/entries/{index}")
    }
    /// An entry's raw parts: `record` (the record text, e.g. NAME.seal), `signature` (its
    /// armored signature, NAME.seal.asc), `tlog-proof` (the C2SP tlog-proof against the
    /// current checkpoint), `sha256` / `sha512` / `md5` (a checksum file line).
    pub fn entry_part(index: u64, part: &str) -> String {
        format!("/log/entries/{index}/{part}")
    }
    /// A project's keyring (the certificates of its trust file).
    pub fn keys(project: &str) -> String {
        format!("/projects/{}/keys.asc", segment(project))
    }
}
