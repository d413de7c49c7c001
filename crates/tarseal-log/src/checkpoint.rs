//! C2SP tlog-checkpoint note bodies (c2sp.org/tlog-checkpoint, "Note text"):
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <base64 root hash>
//! [<extension line>]...
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::merkle::Hash;
use crate::LogError;

/// A checkpoint: the log's origin, tree size and root hash, and optional extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64(root)\n`, then each extension line and a newline.
    pub fn to_note_body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for ext in &self.extensions {
            body.push_str(ext);
            body.push('\n');
        }
        body
    }

    /// Parses a note text (a verified note's body) strictly: at least three non-empty lines,
    /// each ended by a newline; a non-empty origin; the size in decimal without leading zeroes;
    /// the root as canonical standard base64 of 32 bytes; non-empty extension lines.
    pub fn parse(body: &str) -> Result<Checkpoint, LogError> {
        let Some(body) = body.strip_suffix('\n') else {
            return Err(LogError::Checkpoint("does not end in a newline"));
        };
        if body.chars().any(|c| c.is_ascii_control() && c != '\n') {
            return Err(LogError::Checkpoint("control character"));
        }
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(LogError::Checkpoint("fewer than three lines"));
        };
        if origin.is_empty() {
            return Err(LogError::Checkpoint("empty origin"));
        }
        let size_ok = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let size: u64 = size
            .parse()
            .ok()
            .filter(|_| size_ok)
            .ok_or(LogError::Checkpoint(
                "tree size is not a decimal without leading zeroes",
            ))?;
        let root: Hash = B64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(LogError::Checkpoint("root hash is not base64 of 32 bytes"))?;
        let mut extensions = Vec::new();
        for ext in lines {
            if ext.is_empty() {
                return Err(LogError::Checkpoint("empty extension line"));
            }
            extensions.push(ext.to_owned());
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}
