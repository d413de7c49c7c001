//! Content hashing while streaming: the git blob id, plus SHA-256 and a kept copy on request.
//!
//! One [`ContentSink`] per entry; it allocates nothing unless the caller asked to keep the
//! content, so the hot path (a file git also has) costs one hasher on the stack.

use crate::{ArchiveError, ContentWants, HashKind, ObjectId};
use sha2::Digest;

/// Receives one entry's content in chunks and produces its hashes.
pub(crate) struct ContentSink {
    blob: gix::hash::Hasher,
    sha256: Option<sha2::Sha256>,
    keep: Option<Vec<u8>>,
}

/// The hashes of one entry's content.
pub(crate) struct ContentDigests {
    pub(crate) blob_id: ObjectId,
    pub(crate) sha256: Option<[u8; 32]>,
    pub(crate) content: Option<Vec<u8>>,
}

impl ContentSink {
    /// Starts hashing content of `size` bytes (the size goes into the git blob header, so it
    /// must be the exact number of bytes that [`ContentSink::update`] will receive).
    pub(crate) fn new(kind: HashKind, size: u64, wants: ContentWants) -> ContentSink {
        let mut blob = gix::hash::hasher(kind);
        // "blob <size>\0" without allocating: u64 has at most 20 decimal digits.
        let mut header = [0u8; 32];
        header[..5].copy_from_slice(b"blob ");
        let mut digits = [0u8; 20];
        let mut n = size;
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let d = &digits[i..];
        header[5..5 + d.len()].copy_from_slice(d);
        blob.update(&header[..5 + d.len() + 1]); // the byte after the digits is the NUL
        let keep = match wants.keep_up_to {
            // Capacity is bounded by the caller's cap and the declared size, never by a
            // larger attacker-chosen number.
            Some(cap) if size <= cap => Some(Vec::with_capacity(size.min(cap) as usize)),
            _ => None,
        };
        ContentSink {
            blob,
            sha256: wants.sha256.then(sha2::Sha256::new),
            keep,
        }
    }

    /// Feeds the next chunk of content.
    #[inline]
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.blob.update(chunk);
        if let Some(s) = &mut self.sha256 {
            s.update(chunk);
        }
        if let Some(k) = &mut self.keep {
            k.extend_from_slice(chunk);
        }
    }

    /// Finishes; `path` names the entry in a collision error.
    pub(crate) fn finish(self, path: &str) -> Result<ContentDigests, ArchiveError> {
        let blob_id = finish_blob(self.blob, path)?;
        Ok(ContentDigests {
            blob_id,
            sha256: self.sha256.map(|s| s.finalize().into()),
            content: self.keep,
        })
    }
}

/// Finalises a git hasher, turning a detected SHA-1 collision attack into
/// [`ArchiveError::Sha1Collision`] naming `path`.
pub(crate) fn finish_blob(hasher: gix::hash::Hasher, path: &str) -> Result<ObjectId, ArchiveError> {
    hasher
        .try_finalize()
        .map_err(|_| ArchiveError::Sha1Collision {
            path: path.to_string(),
        })
}

/// The git blob id of `data` (used for symlink targets).
pub(crate) fn blob_of(kind: HashKind, data: &[u8], path: &str) -> Result<ObjectId, ArchiveError> {
    let mut sink = ContentSink::new(kind, data.len() as u64, ContentWants::default());
    sink.update(data);
    Ok(sink.finish(path)?.blob_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_blob_and_hello_match_git() {
        // `git hash-object /dev/null` and `printf 'hello\n' | git hash-object --stdin`.
        assert_eq!(
            blob_of(HashKind::Sha1, b"", "x").unwrap().to_string(),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
        assert_eq!(
            blob_of(HashKind::Sha1, b"hello\n", "x")
                .unwrap()
                .to_string(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    #[test]
    fn sha256_object_format() {
        // `git init --object-format=sha256; git hash-object /dev/null`
        assert_eq!(
            blob_of(HashKind::Sha256, b"", "x").unwrap().to_string(),
            "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813"
        );
    }

    /// The SHAttered PDFs are not available offline, and a collision only triggers detection
    /// when its blocks sit at the right offset of the hashed message, which the `blob <n>\0`
    /// prefix shifts. So this feeds the SHAmbles chosen-prefix collision file (640 bytes,
    /// shipped with the sha1dc crate's tests, copied here) directly into gix's hasher and
    /// checks that our finaliser maps the detection to `Sha1Collision` naming the entry.
    #[test]
    fn collision_is_reported_with_the_path() {
        let data = include_bytes!("../tests/data/sha-mbles-1.bin");
        let mut h = gix::hash::hasher(HashKind::Sha1);
        h.update(data);
        match finish_blob(h, "pkg/evil.pdf") {
            Err(ArchiveError::Sha1Collision { path }) => assert_eq!(path, "pkg/evil.pdf"),
            other => panic!("expected a collision, got {other:?}"),
        }
    }
}
