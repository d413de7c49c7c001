//! What the log says about one file, set against the bytes in hand: the build, seal and
//! upload records of a project's tag must all name the same digest for the same file name.
//! A difference is proof that the bytes changed between two of those steps (corruption or
//! substitution on the way to the tarball host), so every caller shows it and `verify`,
//! `seal --publish` and `query` fail on it.

use tarseal_server::app::QueryRecord;

/// One log record about the file, and whether it agrees with the bytes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogFinding {
    /// Entry index in the log.
    pub index: u64,
    /// `build`, `artifact`, `cosign` or `upload`.
    pub kind: String,
    /// The log's time for the entry (proven with it).
    pub logged_at: String,
    /// The digest the record names.
    pub sha256: String,
    /// Whether it is the digest of the bytes in hand.
    pub agrees: bool,
}

/// What a record of `kind` stands for, for people.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "build" => "build record (the bytes as built)",
        "artifact" => "seal record (the bytes checked against the tag)",
        "upload" => "upload record (the bytes an upload gate let through)",
        "cosign" => "co-signature record",
        _ => "record",
    }
}

impl LogFinding {
    /// A line for people: `build record (entry 3, logged 2026-...): same bytes`.
    pub fn describe(&self, bytes_sha256: &str) -> String {
        let what = kind_label(&self.kind);
        if self.agrees {
            format!(
                "{what}, entry {} logged {}: same sha256",
                self.index, self.logged_at
            )
        } else {
            format!(
                "{what}, entry {} logged {}: sha256 {}, but these bytes are {bytes_sha256}",
                self.index, self.logged_at, self.sha256
            )
        }
    }
}

/// The records about `file` (co-signatures excluded: a signature over other bytes is the
/// gate's business, not a contradiction), each compared with `sha256`.
pub fn findings(records: &[QueryRecord], file: &str, sha256: &str) -> Vec<LogFinding> {
    records
        .iter()
        .filter(|r| r.file == file && r.kind != "cosign")
        .map(|r| LogFinding {
            index: r.index,
            kind: r.kind.clone(),
            logged_at: r.logged_at.clone(),
            sha256: r.sha256.clone(),
            agrees: r.sha256 == sha256,
        })
        .collect()
}

/// When no record of `records` (a project's tag, every kind) names `sha256`: the digests
/// they do name, one line each (`HEX (build record of FILE, entry N)`), in log order; empty
/// when some record names it (or there is none).
pub fn none_with_digest(records: &[QueryRecord], sha256: &str) -> Vec<String> {
    if records
        .iter()
        .any(|r| r.sha256.eq_ignore_ascii_case(sha256))
    {
        return Vec::new();
    }
    records
        .iter()
        .map(|r| {
            format!(
                "sha256 {} ({} record of {}, entry {})",
                r.sha256, r.kind, r.file, r.index
            )
        })
        .collect()
}

/// Files whose build, seal and upload records do not all name one digest, with the
/// records that disagree (for `query`, which has no bytes in hand).
pub fn disagreements(records: &[QueryRecord]) -> Vec<(String, Vec<&QueryRecord>)> {
    let mut files: Vec<&str> = records.iter().map(|r| r.file.as_str()).collect();
    files.sort();
    files.dedup();
    let mut out = Vec::new();
    for f in files {
        let rs: Vec<&QueryRecord> = records
            .iter()
            .filter(|r| r.file == f && r.kind != "cosign")
            .collect();
        if rs.iter().any(|r| r.sha256 != rs[0].sha256) {
            out.push((f.to_string(), rs));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(index: u64, kind: &str, file: &str, sha: &str) -> QueryRecord {
        QueryRecord {
            index,
            kind: kind.into(),
            logged_at: "2026-11-24T22:00:00Z".into(),
            project: "p".into(),
            tag: "t".into(),
            file: file.into(),
            sha256: sha.into(),
            md5: "-".into(),
            signer: "S".into(),
            record: String::new(),
            signature: String::new(),
            inclusion_proof: vec![],
        }
    }

    #[test]
    fn a_build_that_differs_from_the_seal_is_found() {
        let rs = vec![
            rec(0, "build", "a.tar.gz", "aa"),
            rec(1, "artifact", "a.tar.gz", "bb"),
            rec(2, "cosign", "a.tar.gz", "cc"),
            rec(3, "artifact", "b.tar.gz", "dd"),
            rec(4, "build", "b.tar.gz", "dd"),
        ];
        let d = disagreements(&rs);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, "a.tar.gz");
        assert_eq!(d[0].1.len(), 2, "the co-signature is not a contradiction");
        let f = findings(&rs, "a.tar.gz", "bb");
        assert_eq!(
            f.iter()
                .map(|x| (x.kind.as_str(), x.agrees))
                .collect::<Vec<_>>(),
            vec![("build", false), ("artifact", true)]
        );
        assert!(f[0]
            .describe("bb")
            .contains("sha256 aa, but these bytes are bb"));
        assert!(findings(&rs, "c.tar.gz", "bb").is_empty());
        // Any record with the digest (a co-signature too, another name too): not strangers.
        assert!(none_with_digest(&rs, "cc").is_empty());
        assert!(none_with_digest(&rs, "DD").is_empty());
        let none = none_with_digest(&rs, "ee");
        assert_eq!(none.len(), 5);
        assert_eq!(none[0], "sha256 aa (build record of a.tar.gz, entry 0)");
        assert!(none_with_digest(&[], "ee").is_empty());
    }
}
