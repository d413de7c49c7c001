//! The seal record (`NAME.seal`): canonical text, `tarseal/v1 artifact` then one
//! `key value` per line in a fixed order (docs/formats.md).
//!
//! One crate owns the format so that the writer (`tarseal seal`), the readers (`tarseal
//! verify`) and the log (`tarseal-server`, which adds its own name rules on top) can never
//! disagree on what a canonical record is.

/// First line of an artifact record.
pub const HEADER: &str = "tarseal/v1 artifact";

/// The keys, in their canonical order. Every one is present exactly once.
pub const KEYS: [&str; 16] = [
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

/// An artifact record: values in the order of [`KEYS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub values: Vec<String>,
}

impl Record {
    /// Builds a record from `(key, value)` pairs, which must be exactly [`KEYS`] in order.
    /// Refuses a value that is empty, has a newline (or any control character), or leading
    /// or trailing white space: the text must stay canonical.
    pub fn new(pairs: &[(&str, String)]) -> Result<Record, String> {
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
        if keys != KEYS {
            return Err(format!("internal: record keys {keys:?} are not {KEYS:?}"));
        }
        for (k, v) in pairs {
            check_value(k, v)?;
        }
        Ok(Record {
            values: pairs.iter().map(|(_, v)| v.clone()).collect(),
        })
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> &str {
        let i = KEYS.iter().position(|k| *k == key).expect("known key");
        &self.values[i]
    }

    /// The canonical text: UTF-8, `\n` line ends, a final `\n`.
    pub fn to_text(&self) -> String {
        let mut s = String::from(HEADER);
        s.push('\n');
        for (k, v) in KEYS.iter().zip(&self.values) {
            s.push_str(k);
            s.push(' ');
            s.push_str(v);
            s.push('\n');
        }
        s
    }

    /// Parses canonical text strictly (the exact header, every key once in order, nothing
    /// else): a record that is not byte-for-byte canonical is refused.
    pub fn parse(text: &str) -> Result<Record, String> {
        let body = text
            .strip_suffix('\n')
            .ok_or("the record does not end with a newline")?;
        let mut lines = body.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(format!("the first line is not \"{HEADER}\""));
        }
        let mut values = Vec::new();
        for (i, key) in KEYS.iter().enumerate() {
            let line = lines
                .next()
                .ok_or_else(|| format!("line {}: missing key \"{key}\"", i + 2))?;
            let (k, v) = line
                .split_once(' ')
                .ok_or_else(|| format!("line {}: not \"key value\"", i + 2))?;
            if k != *key {
                return Err(format!(
                    "line {}: key \"{k}\" where \"{key}\" belongs",
                    i + 2
                ));
            }
            check_value(k, v).map_err(|e| format!("line {}: {e}", i + 2))?;
            values.push(v.to_string());
        }
        if let Some(extra) = lines.next() {
            return Err(format!("unexpected line after \"signed-at\": {extra:?}"));
        }
        Ok(Record { values })
    }
}

fn check_value(key: &str, v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err(format!("value of \"{key}\" is empty (use \"-\" for none)"));
    }
    if v.chars().any(char::is_control) {
        return Err(format!(
            "value of \"{key}\" contains a newline or control character: {v:?}"
        ));
    }
    if v.trim() != v {
        return Err(format!(
            "value of \"{key}\" has leading or trailing white space: {v:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<(&'static str, String)> {
        KEYS.iter().map(|k| (*k, format!("v-{k}"))).collect()
    }

    #[test]
    fn round_trip_and_refusals() {
        let r = Record::new(&sample()).unwrap();
        let text = r.to_text();
        assert!(text.starts_with("tarseal/v1 artifact\nproject v-project\n"));
        assert_eq!(Record::parse(&text).unwrap(), r);
        let mut bad = sample();
        bad[0].1 = "a\nb".into();
        assert!(Record::new(&bad).unwrap_err().contains("newline"));
        bad[0].1 = "a ".into();
        assert!(Record::new(&bad).is_err());
        assert!(Record::parse(&text.replace("tag v-tag\n", "")).is_err());
        assert!(Record::parse(&format!("{text}x y\n")).is_err());
        assert!(Record::parse(&text.replace('\n', "\r\n")).is_err());
        assert!(Record::parse(text.trim_end()).is_err());
    }
}
