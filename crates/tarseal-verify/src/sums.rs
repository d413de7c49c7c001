//! Checksum files in coreutils format: `HEX  NAME` (two spaces; `HEX *NAME` is read too),
//! one per line, as `sha256sum`, `sha512sum` and `md5sum` write and `-c` reads them.

/// One line of a checksum file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumLine {
    /// The digest, lower-case hex.
    pub hex: String,
    /// The file it is of (`./` stripped); empty for a file holding only a digest.
    pub name: String,
}

/// A checksum file that is not in coreutils format. Names the line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SumsError {
    /// The file is not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
    /// A line is not `HEX  NAME` (or `HEX *NAME`).
    #[error("line {line}: not \"HEX  NAME\"")]
    NotHexName {
        /// The line.
        line: usize,
    },
    /// The digest is not `len` hex digits.
    #[error("line {line}: {hex:?} is not a {len}-digit hex digest")]
    BadDigest {
        /// The line.
        line: usize,
        /// What the line holds.
        hex: String,
        /// Digits expected (64 SHA-256, 128 SHA-512, 32 MD5).
        len: usize,
    },
}

/// Parses a checksum file. A file holding only a digest (no name) yields one line with an
/// empty name. Blank lines and `#` comments are skipped; anything else is an error.
pub fn parse(text: &str, hex_len: usize) -> Result<Vec<SumLine>, SumsError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (hex, name) = match line.split_once(' ') {
            Some((h, rest)) => {
                let name = rest
                    .strip_prefix(' ')
                    .or_else(|| rest.strip_prefix('*'))
                    .ok_or(SumsError::NotHexName { line: i + 1 })?;
                (h, name)
            }
            None => (line.trim(), ""),
        };
        if hex.len() != hex_len || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SumsError::BadDigest {
                line: i + 1,
                hex: hex.to_string(),
                len: hex_len,
            });
        }
        out.push(SumLine {
            hex: hex.to_ascii_lowercase(),
            name: name.strip_prefix("./").unwrap_or(name).to_string(),
        });
    }
    Ok(out)
}

/// Renders lines sorted by name, coreutils format.
pub fn render(lines: &[SumLine]) -> String {
    let mut v = lines.to_vec();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v.iter()
        .map(|l| format!("{}  {}\n", l.hex, l.name))
        .collect()
}

/// `lines` with `name`'s line replaced (or added).
pub fn upsert(mut lines: Vec<SumLine>, name: &str, hex: &str) -> Vec<SumLine> {
    lines.retain(|l| l.name != name);
    lines.push(SumLine {
        hex: hex.to_string(),
        name: name.to_string(),
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_render() {
        let a = "a".repeat(64);
        let b = "B".repeat(64);
        let l = parse(&format!("{a}  z.tar\n{b} *./a.tar\n\n"), 64).unwrap();
        assert_eq!(l[1].name, "a.tar");
        assert_eq!(l[1].hex, "b".repeat(64));
        let l = upsert(l, "z.tar", &"c".repeat(64));
        assert_eq!(
            render(&l),
            format!("{}  a.tar\n{}  z.tar\n", "b".repeat(64), "c".repeat(64))
        );
        assert!(parse("xyz  a\n", 64).is_err());
        assert_eq!(parse(&a, 64).unwrap()[0].name, "");
    }
}
