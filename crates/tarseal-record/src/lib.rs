//! tarseal's signed records and the log's entries: canonical text that one crate writes and
//! parses, so that the writers (`tarseal seal`, `record`, `sigs`, `gate`), the readers
//! (`tarseal verify`, `query`, `gate`) and the log (`tarseal-server`, which adds its own name
//! rules on top) can never disagree on what a canonical record is (docs/formats.md).
//!
//! A record is `tarseal/v1 <kind>` then one `key value` line per key of its kind, in a fixed
//! order. The kinds follow a tarball through its life:
//!
//! * [`Kind::Build`]: the digests where the tarball was built, before anything copied it;
//! * [`Kind::Artifact`]: what `tarseal seal` checked against the signed tag (the `.seal` file);
//! * [`Kind::Cosign`]: a maintainer's detached signature over the tarball, carried into the log
//!   so that its key's validity is judged at the time the log first saw it;
//! * [`Kind::Upload`]: the digest an upload gate saw and let through.
//!
//! [`LogEntry`] is what the log commits to in its Merkle tree: the record, its signature, and
//! the time the log first recorded it. That time is inside the leaf, so it is proven by the
//! same inclusion proof as the record and no one can assert another.

/// First line of an artifact record (the `.seal` file).
pub const HEADER: &str = "tarseal/v1 artifact";

/// The artifact record's keys, in their canonical order (kept for callers that only know
/// artifacts; [`Kind::keys`] has every kind's).
pub const KEYS: [&str; 16] = ARTIFACT_KEYS;

const ARTIFACT_KEYS: [&str; 16] = [
    "project",
    "tag",
    "tag-object",
    "tag-signature",
    "commit",
    "tree",
    "file",
    "size",
    "sha256",
    "sha512",
    "md5",
    "verdict",
    "report-sha256",
    "producer",
    "signer",
    "signed-at",
];

const BUILD_KEYS: [&str; 11] = [
    "project",
    "tag",
    "file",
    "size",
    "sha256",
    "sha512",
    "md5",
    "builder",
    "producer",
    "signer",
    "signed-at",
];

const COSIGN_KEYS: [&str; 9] = [
    "project",
    "tag",
    "file",
    "size",
    "sha256",
    "cosigner",
    "signature",
    "signer",
    "signed-at",
];

const UPLOAD_KEYS: [&str; 10] = [
    "project",
    "tag",
    "file",
    "size",
    "sha256",
    "source",
    "gate",
    "producer",
    "signer",
    "signed-at",
];

/// What a record says happened to the tarball.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `tarseal record` in the build job: the bytes as built (`builder` says where).
    Build,
    /// `tarseal seal`: the bytes checked against the signed tag (verdict `pass`).
    Artifact,
    /// A maintainer's detached OpenPGP signature over the tarball (`signature`: the armored
    /// `.asc`, base64), published by `sigs add --publish` or `sigs check --publish`.
    Cosign,
    /// `tarseal gate`: the bytes an upload job let through (`source`: the file or URL read,
    /// `gate`: the threshold met and the keys that met it).
    Upload,
}

impl Kind {
    /// Every kind, in the order of a tarball's life.
    pub const ALL: [Kind; 4] = [Kind::Build, Kind::Artifact, Kind::Cosign, Kind::Upload];

    /// The name in the header line and in the log's `kind` field.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Build => "build",
            Kind::Artifact => "artifact",
            Kind::Cosign => "cosign",
            Kind::Upload => "upload",
        }
    }

    /// The kind of this name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The keys, in their canonical order. Every record has `project`, `tag`, `file`, `size`,
    /// `sha256`, `signer` and `signed-at`.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Build => &BUILD_KEYS,
            Kind::Artifact => &ARTIFACT_KEYS,
            Kind::Cosign => &COSIGN_KEYS,
            Kind::Upload => &UPLOAD_KEYS,
        }
    }
}

/// Why a record is not canonical. Names the key or line (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A writer passed other keys than its kind's, or in another order (a bug).
    #[error("internal: {kind} record keys {keys:?} are not {expected:?}")]
    Keys {
        /// The kind.
        kind: &'static str,
        /// The keys given.
        keys: Vec<String>,
        /// The kind's keys.
        expected: &'static [&'static str],
    },
    /// An empty value (`-` stands for none).
    #[error("value of \"{key}\" is empty (use \"-\" for none)")]
    Empty {
        /// The key.
        key: String,
    },
    /// A value with a newline or another control character.
    #[error("value of \"{key}\" contains a newline or control character: {value:?}")]
    Control {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// A value with leading or trailing white space.
    #[error("value of \"{key}\" has leading or trailing white space: {value:?}")]
    Space {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// The text does not end with `\n`.
    #[error("the record does not end with a newline")]
    NoFinalNewline,
    /// The first line is not a known header.
    #[error("the first line {0:?} is not \"tarseal/v1 KIND\" with KIND one of build, artifact, cosign, upload")]
    Header(String),
    /// A key of the kind is missing.
    #[error("line {line}: missing key \"{key}\"")]
    MissingKey {
        /// The line where it belongs.
        line: usize,
        /// The key.
        key: &'static str,
    },
    /// A line that is not `key value`.
    #[error("line {line}: not \"key value\"")]
    NotKeyValue {
        /// The line.
        line: usize,
    },
    /// Another key than the one that belongs there.
    #[error("line {line}: key \"{found}\" where \"{key}\" belongs")]
    WrongKey {
        /// The line.
        line: usize,
        /// The key found.
        found: String,
        /// The key that belongs there.
        key: &'static str,
    },
    /// A value refused on a line (`Empty`, `Control`, `Space`).
    #[error("line {line}: {source}")]
    Value {
        /// The line.
        line: usize,
        /// What is wrong with the value.
        source: Box<RecordError>,
    },
    /// A line after the last key.
    #[error("unexpected line after \"{last}\": {extra:?}")]
    Extra {
        /// The last key.
        last: &'static str,
        /// The line.
        extra: String,
    },
}

/// Why log entry bytes are not a canonical entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// A header line is missing (no newline).
    #[error("log entry: missing {0} line")]
    MissingLine(&'static str),
    /// A header line is not UTF-8.
    #[error("log entry: {0} line is not UTF-8")]
    NotUtf8(&'static str),
    /// The first line is not the entry header.
    #[error("log entry: first line is not {ENTRY_HEADER:?}")]
    Header,
    /// A header line is not what belongs there.
    #[error("log entry: {0}")]
    Line(&'static str),
    /// The time does not parse.
    #[error("log entry: logged-at: {0}")]
    Time(#[from] TimeError),
    /// The lengths do not add up to the rest.
    #[error("log entry: {rest} bytes follow the header, not record-bytes + signature-bytes = {record} + {signature}")]
    Lengths {
        /// Bytes after the header.
        rest: usize,
        /// `record-bytes`.
        record: usize,
        /// `signature-bytes`.
        signature: usize,
    },
}

/// A time that is not `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not YYYY-MM-DDTHH:MM:SSZ")]
pub struct TimeError(pub String);

/// A record: its kind and the values in the order of [`Kind::keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// What the record says happened.
    pub kind: Kind,
    /// The values, in the order of `kind.keys()`.
    pub values: Vec<String>,
}

impl Record {
    /// Builds an artifact record from `(key, value)` pairs (see [`Record::with_kind`]).
    pub fn new(pairs: &[(&str, String)]) -> Result<Record, RecordError> {
        Record::with_kind(Kind::Artifact, pairs)
    }

    /// Builds a record of `kind` from `(key, value)` pairs, which must be exactly
    /// `kind.keys()` in order. Refuses a value that is empty, has a newline (or any control
    /// character), or leading or trailing white space: the text must stay canonical.
    pub fn with_kind(kind: Kind, pairs: &[(&str, String)]) -> Result<Record, RecordError> {
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
        if keys != kind.keys() {
            return Err(RecordError::Keys {
                kind: kind.name(),
                keys: keys.iter().map(|k| k.to_string()).collect(),
                expected: kind.keys(),
            });
        }
        for (k, v) in pairs {
            check_value(k, v)?;
        }
        Ok(Record {
            kind,
            values: pairs.iter().map(|(_, v)| v.clone()).collect(),
        })
    }

    /// The value of `key`; `None` when this kind has no such key.
    pub fn try_get(&self, key: &str) -> Option<&str> {
        let i = self.kind.keys().iter().position(|k| *k == key)?;
        Some(&self.values[i])
    }

    /// The value of `key`, which must be one of this kind's keys (a programming error
    /// otherwise: every kind has `project`, `tag`, `file`, `size`, `sha256`, `signer`,
    /// `signed-at`).
    pub fn get(&self, key: &str) -> &str {
        self.try_get(key)
            .unwrap_or_else(|| panic!("internal: a {} record has no key {key:?}", self.kind.name()))
    }

    /// The canonical text: UTF-8, `\n` line ends, a final `\n`.
    pub fn to_text(&self) -> String {
        let mut s = format!("tarseal/v1 {}\n", self.kind.name());
        for (k, v) in self.kind.keys().iter().zip(&self.values) {
            s.push_str(k);
            s.push(' ');
            s.push_str(v);
            s.push('\n');
        }
        s
    }

    /// Parses canonical text strictly (a known header, every key of its kind once in order,
    /// nothing else): a record that is not byte-for-byte canonical is refused.
    pub fn parse(text: &str) -> Result<Record, RecordError> {
        let body = text.strip_suffix('\n').ok_or(RecordError::NoFinalNewline)?;
        let mut lines = body.split('\n');
        let first = lines.next().unwrap_or_default();
        let kind = first
            .strip_prefix("tarseal/v1 ")
            .and_then(Kind::from_name)
            .ok_or_else(|| RecordError::Header(first.to_string()))?;
        let keys = kind.keys();
        let mut values = Vec::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            let line = lines
                .next()
                .ok_or(RecordError::MissingKey { line: i + 2, key })?;
            let (k, v) = line
                .split_once(' ')
                .ok_or(RecordError::NotKeyValue { line: i + 2 })?;
            if k != *key {
                return Err(RecordError::WrongKey {
                    line: i + 2,
                    found: k.to_string(),
                    key,
                });
            }
            check_value(k, v).map_err(|e| RecordError::Value {
                line: i + 2,
                source: Box::new(e),
            })?;
            values.push(v.to_string());
        }
        if let Some(extra) = lines.next() {
            return Err(RecordError::Extra {
                last: keys[keys.len() - 1],
                extra: extra.to_string(),
            });
        }
        Ok(Record { kind, values })
    }
}

fn check_value(key: &str, v: &str) -> Result<(), RecordError> {
    if v.is_empty() {
        return Err(RecordError::Empty { key: key.into() });
    }
    if v.chars().any(char::is_control) {
        return Err(RecordError::Control {
            key: key.into(),
            value: v.into(),
        });
    }
    if v.trim() != v {
        return Err(RecordError::Space {
            key: key.into(),
            value: v.into(),
        });
    }
    Ok(())
}

/// First line of a log entry.
pub const ENTRY_HEADER: &str = "tarseal/v1 log-entry";

/// A log entry (the Merkle leaf's data): when the log first recorded a record, the record's
/// text and its signature exactly as submitted.
///
/// Text: `tarseal/v1 log-entry`, `logged-at YYYY-MM-DDTHH:MM:SSZ`, `record-bytes N`,
/// `signature-bytes M` (one line each), then the N record bytes and the M signature bytes.
/// The lengths make the split unambiguous whatever the signature holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// UTC time the log first recorded the record (the log's clock, not the signer's).
    pub logged_at: String,
    /// The record's canonical text.
    pub record: Vec<u8>,
    /// Its signature as submitted (armored OpenPGP).
    pub signature: Vec<u8>,
}

impl LogEntry {
    /// The entry's bytes (what the leaf hash is over).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "{ENTRY_HEADER}\nlogged-at {}\nrecord-bytes {}\nsignature-bytes {}\n",
            self.logged_at,
            self.record.len(),
            self.signature.len()
        )
        .into_bytes();
        out.extend_from_slice(&self.record);
        out.extend_from_slice(&self.signature);
        out
    }

    /// Parses entry bytes strictly (exact header, a well-formed time, lengths that add up
    /// to the rest, decimal without leading zeros).
    pub fn parse(bytes: &[u8]) -> Result<LogEntry, EntryError> {
        let mut rest = bytes;
        let mut line = |what: &'static str| -> Result<&str, EntryError> {
            let nl = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or(EntryError::MissingLine(what))?;
            let l = std::str::from_utf8(&rest[..nl]).map_err(|_| EntryError::NotUtf8(what))?;
            rest = &rest[nl + 1..];
            Ok(l)
        };
        if line("header")? != ENTRY_HEADER {
            return Err(EntryError::Header);
        }
        let logged_at = line("logged-at")?
            .strip_prefix("logged-at ")
            .ok_or(EntryError::Line("second line is not \"logged-at TIME\""))?
            .to_string();
        check_time(&logged_at)?;
        let n = decimal(line("record-bytes")?.strip_prefix("record-bytes "))
            .ok_or(EntryError::Line("third line is not \"record-bytes N\""))?;
        let m = decimal(line("signature-bytes")?.strip_prefix("signature-bytes "))
            .ok_or(EntryError::Line("fourth line is not \"signature-bytes M\""))?;
        if n.checked_add(m) != Some(rest.len()) {
            return Err(EntryError::Lengths {
                rest: rest.len(),
                record: n,
                signature: m,
            });
        }
        Ok(LogEntry {
            logged_at,
            record: rest[..n].to_vec(),
            signature: rest[n..].to_vec(),
        })
    }
}

fn decimal(s: Option<&str>) -> Option<usize> {
    let s = s?;
    if s.is_empty() || (s.len() > 1 && s.starts_with('0')) || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse().ok()
}

/// Checks `YYYY-MM-DDTHH:MM:SSZ` (the only time form in records and log entries).
pub fn check_time(t: &str) -> Result<(), TimeError> {
    let b = t.as_bytes();
    let shape = b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if shape {
        Ok(())
    } else {
        Err(TimeError(t.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kind: Kind) -> Vec<(&'static str, String)> {
        kind.keys().iter().map(|k| (*k, format!("v-{k}"))).collect()
    }

    #[test]
    fn round_trip_and_refusals() {
        let r = Record::new(&sample(Kind::Artifact)).unwrap();
        let text = r.to_text();
        assert!(text.starts_with("tarseal/v1 artifact\nproject v-project\n"));
        assert_eq!(Record::parse(&text).unwrap(), r);
        let mut bad = sample(Kind::Artifact);
        bad[0].1 = "a\nb".into();
        assert!(Record::new(&bad)
            .unwrap_err()
            .to_string()
            .contains("newline"));
        bad[0].1 = "a ".into();
        assert!(Record::new(&bad).is_err());
        assert!(Record::parse(&text.replace("tag v-tag\n", "")).is_err());
        assert!(Record::parse(&format!("{text}x y\n")).is_err());
        assert!(Record::parse(&text.replace('\n', "\r\n")).is_err());
        assert!(Record::parse(text.trim_end()).is_err());
        assert!(Record::parse(&text.replace("tarseal/v1 artifact", "tarseal/v1 other")).is_err());
    }

    #[test]
    fn every_kind_round_trips_and_shares_the_common_keys() {
        for kind in Kind::ALL {
            let r = Record::with_kind(kind, &sample(kind)).unwrap();
            let text = r.to_text();
            assert!(text.starts_with(&format!("tarseal/v1 {}\n", kind.name())));
            let back = Record::parse(&text).unwrap();
            assert_eq!(back, r);
            for k in [
                "project",
                "tag",
                "file",
                "size",
                "sha256",
                "signer",
                "signed-at",
            ] {
                assert_eq!(back.get(k), format!("v-{k}"), "{kind:?} {k}");
            }
            // Another kind's header over these lines is not canonical.
            for other in Kind::ALL.into_iter().filter(|o| *o != kind) {
                let swapped = text.replacen(kind.name(), other.name(), 1);
                assert!(Record::parse(&swapped).is_err(), "{kind:?} as {other:?}");
            }
            assert!(
                Record::with_kind(kind, &sample(Kind::Artifact)).is_err() || kind == Kind::Artifact
            );
        }
    }

    #[test]
    fn log_entry_round_trip_and_refusals() {
        let e = LogEntry {
            logged_at: "2026-11-24T22:10:00Z".into(),
            record: b"tarseal/v1 build\nproject p\n".to_vec(),
            signature: b"-----BEGIN PGP SIGNATURE-----\n\nrecord-bytes 1\n".to_vec(),
        };
        let b = e.to_bytes();
        assert_eq!(LogEntry::parse(&b).unwrap(), e);
        // One byte more or less, anywhere after the header, is refused.
        let mut longer = b.clone();
        longer.push(b'x');
        assert!(LogEntry::parse(&longer).is_err());
        assert!(LogEntry::parse(&b[..b.len() - 1]).is_err());
        let s = String::from_utf8(b.clone()).unwrap();
        for bad in [
            s.replacen(
                "logged-at 2026-11-24T22:10:00Z",
                "logged-at 2026-11-24 22:10:00",
                1,
            ),
            s.replacen("record-bytes 27", "record-bytes 027", 1),
            s.replacen("record-bytes 27", "record-bytes 26", 1),
            s.replacen("tarseal/v1 log-entry", "tarseal/v2 log-entry", 1),
            s.replacen("signature-bytes ", "signature-bytes +", 1),
        ] {
            assert!(LogEntry::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(LogEntry::parse(b"").is_err());
    }
}
