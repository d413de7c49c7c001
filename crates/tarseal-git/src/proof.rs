//! Git proofs (`NAME.git-proof`): the objects a check read from the repository, and nothing
//! more, so that anyone can re-run the check without the repository.
//!
//! # Format
//!
//! A proof is a **git bundle** (gitformat-bundle(5)): a short text header that names the tag,
//! then a standard version-2 packfile. SHA-1 repositories get a v2 bundle, SHA-256 ones a v3
//! bundle with `@object-format=sha256`:
//!
//! ```text
//! # v2 git bundle
//! <tag object id> refs/tags/<name>
//! <empty line>
//! PACK ... (undeltified objects, zlib-compressed, hash trailer)
//! ```
//!
//! `git bundle list-heads`, `git bundle unbundle` (which runs `git index-pack`), then
//! `git verify-pack` and `git verify-tag <id>` all read it. A full `git fetch`/`clone` from it
//! fails its connectivity check on purpose: the blobs the check did not read are not there.
//!
//! # Why it can be trusted
//!
//! Nothing in the proof is believed by itself. [`parse`] recomputes every object's id from
//! its bytes (collision-detecting SHA-1, or SHA-256) and the pack's trailer; the check then
//! verifies the tag's signature against the user's keyring and follows ids from the signed
//! tag: tag → commit → trees → blobs. An object that is missing or altered breaks that chain
//! (a missing object is an error, an altered one has another id and is simply not found).
//!
//! What goes in is decided by [`crate::Repo::record_reads`]: every object the check read,
//! which is the tag chain, the commit, every tree of the compared tree, and only the blobs it
//! opened (`.gitattributes`, `.tarseal.toml`, files a profile parses, the raw blob of a file
//! whose bytes differ under `export-subst`/`eol=crlf`, symlink targets).

use crate::{GitError, HashKind, ObjectId, Repo};
use gix::object::Kind;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Largest proof file read (a proof of a 100,000-file tree is a few MiB).
pub const MAX_PROOF_BYTES: u64 = 1 << 30;

/// Largest single object inflated from a proof's pack.
const MAX_OBJECT_BYTES: u64 = 256 << 20;

/// Most objects a proof's pack may declare (far above any real tree's object count).
const MAX_OBJECTS: u32 = 10_000_000;

/// Why a proof cannot be written or read. Every variant says where (a header line, a pack
/// offset, an object id) and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The proof file cannot be read or the temporary object store cannot be written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_PROOF_BYTES`].
    #[error("{path}: {size} bytes is more than a git proof may hold ({MAX_PROOF_BYTES})")]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
    },
    /// The bundle header is not what tarseal writes (signature line, one tag ref, empty line).
    #[error("not a tarseal git proof: header line {line}: {detail} (a proof is a git bundle with one refs/tags/ ref, written by `tarseal seal`)")]
    Header {
        /// 1-based line of the header.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// The packfile is truncated, corrupt or not the kind tarseal writes.
    #[error("the proof's pack is corrupt at byte {offset} of the pack: {detail} (the proof was damaged or altered: get it again from where the release is published)")]
    Pack {
        /// Offset inside the pack (after the header).
        offset: usize,
        /// What is wrong.
        detail: String,
    },
    /// The tag named in the header is not in the pack.
    #[error("the proof names tag object {id} (refs/tags/{name}) but does not hold it")]
    TagMissing {
        /// The tag's short name.
        name: String,
        /// The id the header names.
        id: String,
    },
    /// An object the check needs is not in the proof: it was not recorded, or it was altered
    /// (an altered object has another id).
    #[error("the proof lacks git object {id} that the check needs ({detail}): the proof is incomplete or was altered, or the file holds content the sealed check never read")]
    Incomplete {
        /// The object id.
        id: String,
        /// What the check wanted it for.
        detail: String,
    },
    /// An object could not be read from the repository while writing a proof.
    #[error("cannot write the git proof: {0}")]
    Git(#[from] GitError),
}

/// A parsed and verified proof: every object's id is recomputed from its bytes.
#[derive(Debug)]
pub struct Proof {
    /// The object format of the repository the proof came from.
    pub object_hash: HashKind,
    /// The tag's short name (below `refs/tags/`).
    pub tag_name: String,
    /// The tag object's id, as the header names it.
    pub tag_id: ObjectId,
    /// The objects, in pack order, with their verified ids.
    pub objects: Vec<(ObjectId, Kind, Vec<u8>)>,
}

/// Writes the proof of `objects` (as read from `repo`, see [`Repo::objects_read`]) for the
/// annotated tag `tag_name` whose object is `tag_id`. Objects are written undeltified, in the
/// order given, each once.
pub fn write(
    repo: &Repo,
    tag_name: &str,
    tag_id: ObjectId,
    objects: &[ObjectId],
) -> Result<Vec<u8>, ProofError> {
    let hash = repo.object_hash();
    let mut out = Vec::new();
    match hash {
        HashKind::Sha1 => out.extend_from_slice(b"# v2 git bundle\n"),
        _ => {
            out.extend_from_slice(b"# v3 git bundle\n@object-format=sha256\n");
        }
    }
    writeln!(out, "{tag_id} refs/tags/{tag_name}").expect("write to a Vec");
    out.push(b'\n');
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<ObjectId> = objects
        .iter()
        .copied()
        .filter(|i| seen.insert(*i))
        .collect();
    if !seen.contains(&tag_id) {
        return Err(ProofError::TagMissing {
            name: tag_name.to_owned(),
            id: tag_id.to_string(),
        });
    }
    let pack_start = out.len();
    out.extend_from_slice(b"PACK");
    out.extend_from_slice(&2u32.to_be_bytes());
    let count = u32::try_from(ids.len()).map_err(|_| ProofError::Pack {
        offset: 0,
        detail: "more objects than a pack can count".into(),
    })?;
    out.extend_from_slice(&count.to_be_bytes());
    for id in &ids {
        let (kind, data) = repo.raw_object(id)?;
        let type_code: u8 = match kind {
            Kind::Commit => 1,
            Kind::Tree => 2,
            Kind::Blob => 3,
            Kind::Tag => 4,
        };
        let mut size = data.len() as u64;
        let mut c = (type_code << 4) | (size & 0x0f) as u8;
        size >>= 4;
        while size != 0 {
            out.push(c | 0x80);
            c = (size & 0x7f) as u8;
            size >>= 7;
        }
        out.push(c);
        let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
        z.write_all(&data).expect("write to a Vec");
        z.finish().expect("write to a Vec");
    }
    let mut hasher = gix::hash::hasher(hash);
    hasher.update(&out[pack_start..]);
    let trailer = hasher.try_finalize().map_err(|e| ProofError::Pack {
        offset: out.len() - pack_start,
        detail: format!("the pack's own checksum cannot be computed: {e}"),
    })?;
    out.extend_from_slice(trailer.as_bytes());
    Ok(out)
}

/// Reads a proof file (at most [`MAX_PROOF_BYTES`]) and [`parse`]s it.
pub fn read(path: &Path) -> Result<Proof, ProofError> {
    let io = |source| ProofError::Io {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_PROOF_BYTES {
        return Err(ProofError::TooLarge {
            path: path.display().to_string(),
            size,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse(&bytes)
}

/// Parses and verifies a proof: the bundle header (exactly one `refs/tags/` ref, no
/// prerequisites, known capabilities only), then the pack (version 2, undeltified objects,
/// every declared object present, nothing after the trailer, the trailer's hash right), and
/// recomputes every object's id.
pub fn parse(bytes: &[u8]) -> Result<Proof, ProofError> {
    let header = |line: usize, detail: &str| ProofError::Header {
        line,
        detail: detail.to_owned(),
    };
    let mut pos = 0usize;
    let mut lines: Vec<&[u8]> = Vec::new();
    // The header is text lines up to an empty one; the pack follows.
    loop {
        if lines.len() > 64 {
            return Err(header(lines.len(), "no empty line ends the header"));
        }
        let rest = &bytes[pos..];
        let Some(eol) = rest.iter().take(4096).position(|&b| b == b'\n') else {
            return Err(header(
                lines.len() + 1,
                "the line does not end (truncated, or not a bundle)",
            ));
        };
        let line = &rest[..eol];
        pos += eol + 1;
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let text = |n: usize| -> Result<&str, ProofError> {
        std::str::from_utf8(lines[n]).map_err(|_| header(n + 1, "not UTF-8"))
    };
    let mut object_hash = match lines.first().map(|l| &l[..]) {
        Some(b"# v2 git bundle") => HashKind::Sha1,
        Some(b"# v3 git bundle") => HashKind::Sha1,
        _ => {
            return Err(header(
                1,
                "does not start with `# v2 git bundle` or `# v3 git bundle`",
            ))
        }
    };
    let v3 = lines[0] == b"# v3 git bundle";
    let mut refs: Vec<(ObjectId, String)> = Vec::new();
    for n in 1..lines.len() {
        let line = text(n)?;
        if let Some(cap) = line.strip_prefix('@') {
            if !v3 || !refs.is_empty() {
                return Err(header(n + 1, "a capability outside a v3 header's start"));
            }
            match cap {
                "object-format=sha1" => object_hash = HashKind::Sha1,
                "object-format=sha256" => object_hash = HashKind::Sha256,
                other => {
                    return Err(header(
                        n + 1,
                        &format!("unknown bundle capability @{other}"),
                    ))
                }
            }
            continue;
        }
        if line.starts_with('-') {
            return Err(header(
                n + 1,
                "a prerequisite: a proof must hold every object it needs",
            ));
        }
        let Some((hex, name)) = line.split_once(' ') else {
            return Err(header(n + 1, "not `<object id> <ref name>`"));
        };
        let id = ObjectId::from_hex(hex.as_bytes())
            .ok()
            .filter(|id| id.kind() == object_hash)
            .ok_or_else(|| header(n + 1, &format!("{hex:?} is not a {object_hash} object id")))?;
        refs.push((id, name.to_owned()));
    }
    let (tag_id, tag_ref) = match refs.as_slice() {
        [one] => one.clone(),
        [] => return Err(header(lines.len(), "no ref: a proof names its tag")),
        _ => {
            return Err(header(
                lines.len(),
                "more than one ref: a proof names one tag",
            ))
        }
    };
    // The name becomes a file below the temporary repository's refs/tags/: it must be a
    // valid ref name (no `..`, no empty or dot components), as git itself requires.
    let valid = gix::refs::FullName::try_from(tag_ref.as_str()).is_ok()
        && tag_ref
            .split('/')
            .all(|c| !c.is_empty() && !c.starts_with('.'));
    let tag_name = tag_ref
        .strip_prefix("refs/tags/")
        .filter(|n| valid && !n.is_empty())
        .ok_or_else(|| {
            header(
                lines.len(),
                &format!("{tag_ref:?} is not a valid ref name under refs/tags/"),
            )
        })?
        .to_owned();
    let objects = parse_pack(&bytes[pos..], object_hash)?;
    if !objects
        .iter()
        .any(|(id, kind, _)| *id == tag_id && *kind == Kind::Tag)
    {
        return Err(ProofError::TagMissing {
            name: tag_name,
            id: tag_id.to_string(),
        });
    }
    Ok(Proof {
        object_hash,
        tag_name,
        tag_id,
        objects,
    })
}

/// Parses a version-2 pack of undeltified objects, verifying its trailer and computing ids.
fn parse_pack(pack: &[u8], hash: HashKind) -> Result<Vec<(ObjectId, Kind, Vec<u8>)>, ProofError> {
    let bad = |offset: usize, detail: String| ProofError::Pack { offset, detail };
    let trailer_len = hash.len_in_bytes();
    if pack.len() < 12 + trailer_len {
        return Err(bad(
            0,
            format!("{} bytes is too short for a pack", pack.len()),
        ));
    }
    if &pack[..4] != b"PACK" {
        return Err(bad(0, "no `PACK` signature".into()));
    }
    let version = u32::from_be_bytes([pack[4], pack[5], pack[6], pack[7]]);
    if version != 2 {
        return Err(bad(4, format!("pack version {version}, tarseal writes 2")));
    }
    let count = u32::from_be_bytes([pack[8], pack[9], pack[10], pack[11]]);
    if count > MAX_OBJECTS {
        return Err(bad(
            8,
            format!("{count} objects declared, more than {MAX_OBJECTS}"),
        ));
    }
    let body_end = pack.len() - trailer_len;
    let mut hasher = gix::hash::hasher(hash);
    hasher.update(&pack[..body_end]);
    let sum = hasher
        .try_finalize()
        .map_err(|e| bad(body_end, format!("the pack's checksum: {e}")))?;
    if sum.as_bytes() != &pack[body_end..] {
        return Err(bad(
            body_end,
            format!(
                "the pack's trailer is {}, its content hashes to {sum}",
                hex_of(&pack[body_end..])
            ),
        ));
    }
    let mut pos = 12usize;
    let mut out = Vec::with_capacity(count.min(100_000) as usize);
    let mut total: u64 = 0;
    for _ in 0..count {
        let start = pos;
        let byte = *pack
            .get(pos)
            .filter(|_| pos < body_end)
            .ok_or_else(|| bad(pos, "the pack ends before its declared objects".into()))?;
        pos += 1;
        let kind = match (byte >> 4) & 7 {
            1 => Kind::Commit,
            2 => Kind::Tree,
            3 => Kind::Blob,
            4 => Kind::Tag,
            6 | 7 => {
                return Err(bad(
                    start,
                    "a deltified object: tarseal writes and reads undeltified proofs only".into(),
                ))
            }
            t => return Err(bad(start, format!("unknown object type {t}"))),
        };
        let mut size = u64::from(byte & 0x0f);
        let mut shift = 4u32;
        let mut b = byte;
        while b & 0x80 != 0 {
            b = *pack
                .get(pos)
                .filter(|_| pos < body_end)
                .ok_or_else(|| bad(pos, "an object header is truncated".into()))?;
            pos += 1;
            if shift > 57 {
                return Err(bad(start, "an object size does not fit 64 bits".into()));
            }
            size |= u64::from(b & 0x7f) << shift;
            shift += 7;
        }
        if size > MAX_OBJECT_BYTES {
            return Err(bad(
                start,
                format!("an object of {size} bytes, more than {MAX_OBJECT_BYTES}"),
            ));
        }
        total += size;
        if total > MAX_PROOF_BYTES * 4 {
            return Err(bad(start, "the objects inflate to more than 4 GiB".into()));
        }
        let mut z = flate2::Decompress::new(true);
        let mut data: Vec<u8> = Vec::with_capacity(size as usize + 1);
        loop {
            if data.len() == data.capacity() {
                data.reserve(4096);
            }
            let (before_in, before_out) = (z.total_in(), z.total_out());
            let status = z
                .decompress_vec(
                    &pack[pos + z.total_in() as usize..body_end],
                    &mut data,
                    flate2::FlushDecompress::Finish,
                )
                .map_err(|e| bad(start, format!("an object does not inflate: {e}")))?;
            if status == flate2::Status::StreamEnd {
                break;
            }
            if data.len() as u64 > size {
                return Err(bad(
                    start,
                    format!("an object inflates to more than its declared {size} bytes"),
                ));
            }
            let stuck = z.total_in() == before_in && z.total_out() == before_out;
            if stuck && data.len() < data.capacity() {
                return Err(bad(
                    start,
                    "an object's compressed data is truncated".into(),
                ));
            }
        }
        if data.len() as u64 != size {
            return Err(bad(
                start,
                format!(
                    "an object inflates to {} bytes, its header says {size}",
                    data.len()
                ),
            ));
        }
        pos += z.total_in() as usize;
        let id = gix::objs::compute_hash(hash, kind, &data)
            .map_err(|e| bad(start, format!("the object's id cannot be computed: {e}")))?;
        out.push((id, kind, data));
    }
    if pos != body_end {
        return Err(bad(
            pos,
            format!("{} bytes after the last declared object", body_end - pos),
        ));
    }
    Ok(out)
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A proof unpacked into a throw-away bare repository (loose objects and the one tag ref),
/// so that the check reads it through the same code as any repository. Removed on drop.
pub struct ProofRepo {
    dir: tempfile::TempDir,
    /// The repository over the proof's objects.
    pub repo: Repo,
    /// The tag the proof names (short name).
    pub tag_name: String,
    /// How many objects the proof holds.
    pub objects: usize,
}

impl std::fmt::Debug for ProofRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProofRepo")
            .field("dir", &self.dir.path())
            .field("tag_name", &self.tag_name)
            .field("objects", &self.objects)
            .finish()
    }
}

impl ProofRepo {
    /// The temporary repository's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Proof {
    /// Writes the proof's objects into a new temporary bare repository with
    /// `refs/tags/<tag>` and opens it.
    pub fn unpack(&self) -> Result<ProofRepo, ProofError> {
        let dir = tempfile::Builder::new()
            .prefix("tarseal-proof-")
            .tempdir()
            .map_err(|source| ProofError::Io {
                path: std::env::temp_dir().display().to_string(),
                source,
            })?;
        let root = dir.path().to_path_buf();
        let io = |p: &PathBuf| {
            let p = p.display().to_string();
            move |source| ProofError::Io { path: p, source }
        };
        let write = |rel: &str, data: &[u8]| -> Result<(), ProofError> {
            let p = root.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(io(&p))?;
            }
            std::fs::write(&p, data).map_err(io(&p))
        };
        let config = match self.object_hash {
            HashKind::Sha1 => "[core]\n\trepositoryformatversion = 0\n\tbare = true\n".to_owned(),
            _ => "[core]\n\trepositoryformatversion = 1\n\tbare = true\n[extensions]\n\tobjectFormat = sha256\n".to_owned(),
        };
        write("config", config.as_bytes())?;
        write("HEAD", b"ref: refs/heads/main\n")?;
        std::fs::create_dir_all(root.join("refs/heads")).map_err(io(&root))?;
        write(
            &format!("refs/tags/{}", self.tag_name),
            format!("{}\n", self.tag_id).as_bytes(),
        )?;
        for (id, kind, data) in &self.objects {
            let hex = id.to_string();
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            let head = gix::objs::encode::loose_header(*kind, data.len() as u64);
            z.write_all(&head)
                .and_then(|_| z.write_all(data))
                .expect("write to a Vec");
            let bytes = z.finish().expect("write to a Vec");
            write(&format!("objects/{}/{}", &hex[..2], &hex[2..]), &bytes)?;
        }
        let repo = Repo::open(&root).map_err(ProofError::Git)?;
        Ok(ProofRepo {
            dir,
            repo,
            tag_name: self.tag_name.clone(),
            objects: self.objects.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG: &str = "0123456789abcdef0123456789abcdef01234567";

    fn pack_of(objects: &[(u8, &[u8])]) -> Vec<u8> {
        let mut out = b"PACK\0\0\0\x02".to_vec();
        out.extend_from_slice(&(objects.len() as u32).to_be_bytes());
        for (t, data) in objects {
            let mut size = data.len();
            let mut c = (t << 4) | (size & 15) as u8;
            size >>= 4;
            while size != 0 {
                out.push(c | 0x80);
                c = (size & 0x7f) as u8;
                size >>= 7;
            }
            out.push(c);
            let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::fast());
            z.write_all(data).unwrap();
            z.finish().unwrap();
        }
        let mut h = gix::hash::hasher(HashKind::Sha1);
        h.update(&out);
        out.extend_from_slice(h.try_finalize().unwrap().as_bytes());
        out
    }

    fn bundle(header: &str, pack: &[u8]) -> Vec<u8> {
        let mut b = header.as_bytes().to_vec();
        b.extend_from_slice(pack);
        b
    }

    #[test]
    fn a_pack_round_trips_and_ids_are_recomputed() {
        let tag = b"object 0123456789abcdef0123456789abcdef01234567\ntype commit\ntag v1\n\nmsg\n";
        let id = gix::objs::compute_hash(HashKind::Sha1, Kind::Tag, tag).unwrap();
        let big = vec![b'x'; 70_000];
        let pack = pack_of(&[(4, tag), (3, &big), (3, b"")]);
        let p = parse(&bundle(
            &format!("# v2 git bundle\n{id} refs/tags/v1\n\n"),
            &pack,
        ))
        .unwrap();
        assert_eq!(p.tag_name, "v1");
        assert_eq!(p.objects.len(), 3);
        assert_eq!(p.objects[0].0, id);
        assert_eq!(p.objects[1].2.len(), 70_000);
        // The header naming an id the pack does not hold.
        let e = parse(&bundle(
            &format!("# v2 git bundle\n{TAG} refs/tags/v1\n\n"),
            &pack,
        ));
        assert!(matches!(e, Err(ProofError::TagMissing { .. })), "{e:?}");
    }

    #[test]
    fn hostile_headers_and_packs_are_errors_not_panics() {
        let tag = b"object 0123456789abcdef0123456789abcdef01234567\ntype commit\ntag v1\n\nmsg\n";
        let id = gix::objs::compute_hash(HashKind::Sha1, Kind::Tag, tag).unwrap();
        let pack = pack_of(&[(4, tag)]);
        let ok = format!("# v2 git bundle\n{id} refs/tags/v1\n\n");
        for header in [
            String::new(),
            "# v9 git bundle\n\n".to_string(),
            "# v2 git bundle\n\n".to_string(),
            format!("# v2 git bundle\n-{id} prerequisite\n{id} refs/tags/v1\n\n"),
            format!("# v2 git bundle\n{id} refs/tags/../../x\n\n"),
            format!("# v2 git bundle\n{id} refs/heads/main\n\n"),
            format!("# v2 git bundle\n{id} refs/tags/v1\n{id} refs/tags/v2\n\n"),
            format!("# v2 git bundle\n@object-format=sha256\n{id} refs/tags/v1\n\n"),
            format!("# v3 git bundle\n@filter=blob:none\n{id} refs/tags/v1\n\n"),
            format!("# v2 git bundle\n{id}refs/tags/v1\n\n"),
            format!("# v2 git bundle\n{id} refs/tags/v1\n"),
        ] {
            let e = parse(&bundle(&header, &pack));
            assert!(
                matches!(e, Err(ProofError::Header { .. })),
                "{header:?}: {e:?}"
            );
        }
        // Every truncation and every single-bit flip of the pack: an error, never a panic.
        for cut in 0..pack.len() {
            assert!(parse(&bundle(&ok, &pack[..cut])).is_err(), "cut at {cut}");
        }
        for i in 0..pack.len() {
            let mut p = pack.clone();
            p[i] ^= 0x10;
            assert!(parse(&bundle(&ok, &p)).is_err(), "flip at {i}");
        }
        // A delta object, a huge declared count, a size over the limit (trailers right).
        let delta = pack_of(&[(7, b"x")]);
        let e = parse(&bundle(&ok, &delta)).unwrap_err().to_string();
        assert!(e.contains("deltified"), "{e}");
        let mut many = pack_of(&[]);
        many[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse(&bundle(&ok, &many)).is_err());
    }
}
