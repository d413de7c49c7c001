//! Compiled catalogues: a `po/LANG.gmo` that `make dist` built with `msgfmt` from
//! `po/LANG.po` holds exactly that file's translations in force, and nothing else.
//!
//! The GNU MO format (gettext manual, "The Format of GNU MO Files") is a table of original
//! strings and a table of translations, sorted, plus a hash table for lookup. Byte-identical
//! reproduction would need the same `msgfmt` version (the hash table's size and the order of
//! equal keys are its choices); what a program prints depends only on the pairs. So the pairs
//! are read and compared with the `.po` beside it, which is itself judged against the tag
//! (equal to git's, or msgmerge-refreshed with the tag's translations: [`super::po`]):
//!
//! - every entry msgfmt compiles (not fuzzy, not obsolete, every `msgstr[N]` non-empty) is in
//!   the catalogue with exactly the `.po`'s text (plural forms joined by NUL, the context
//!   joined to the msgid by EOT, as msgfmt writes them);
//! - the catalogue holds no other message: a translation the `.po` does not put in force
//!   (fuzzy, untranslated, absent) is exactly what a backdoored catalogue would carry;
//! - partly translated plural entries may be present with the `.po`'s texts or absent (msgfmt
//!   versions differ there); the header may be absent only when it is fuzzy, and may lack its
//!   `POT-Creation-Date` line (msgfmt of Debian 12, gettext 0.21, drops it; xz 5.4.1's catalogues lack it).
//!
//! The hash table is not read: libintl finds a message through it but then compares the
//! original string at the index it found, so a forged table can only hide translations (the
//! program prints the original), never change one.
//!
//! Catalogues with system-dependent strings (revision 1: `%<PRIu64>` in format strings) keep
//! those in tables of their own, static pieces and named segments that libintl expands for
//! the platform; they are read back in the `.po`'s spelling and compared like the others. A
//! segment other than an `<inttypes.h>` macro is undecided.

use super::po::{self, PoEntry};
use std::borrow::Cow;
use std::collections::HashMap;

/// Why a catalogue is not the `.po`'s translations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GmoError {
    /// Not a GNU MO file, or its tables point outside it.
    #[error("not a GNU MO catalogue: {0}")]
    Format(String),
    /// A system-dependent string (MO revision 1) names a segment other than an
    /// `<inttypes.h>` macro, whose `.po` spelling tarseal does not write back.
    #[error("the catalogue has a system-dependent {0} that tarseal does not read")]
    SystemDependent(String),
    /// The `.po` beside it does not parse.
    #[error("the .po it is compiled from: {0}")]
    Po(po::PoSyntaxError),
    /// A message whose text differs from the `.po`'s, or that the `.po` does not put in force.
    #[error("msgid {msgid:?}: {why}")]
    Message {
        /// The msgid (shortened).
        msgid: String,
        /// What differs.
        why: String,
    },
    /// An entry the `.po` puts in force is not in the catalogue.
    #[error(
        "msgid {msgid:?} (line {line} of the .po) is translated there but not in the catalogue"
    )]
    Missing {
        /// The msgid (shortened).
        msgid: String,
        /// Its line in the `.po`.
        line: usize,
    },
}

/// What a passing comparison established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GmoSame {
    /// Messages in the catalogue, each the `.po`'s.
    pub messages: usize,
}

/// Compares the catalogue `mo` with the `.po` it was compiled from.
pub fn compare(po_text: &[u8], mo: &[u8]) -> Result<GmoSame, GmoError> {
    let pairs = read_mo(mo)?;
    let entries = po::parse_entries(po_text).map_err(GmoError::Po)?;
    // Key as msgfmt writes it: CTXT EOT MSGID [NUL PLURAL]; value: the forms joined by NUL.
    let mut expected: HashMap<Vec<u8>, (&PoEntry, bool)> = HashMap::new();
    for e in entries.iter().filter(|e| !e.obsolete) {
        let header = e.id.is_empty() && e.ctxt.is_none();
        let all = !e.strs.is_empty() && e.strs.iter().all(|(_, s)| !s.is_empty());
        let some = e.strs.iter().any(|(_, s)| !s.is_empty());
        if !some || (e.fuzzy && !header) {
            continue;
        }
        // Required: a complete, non-fuzzy translation. Optional: a partial plural, a fuzzy
        // header.
        let required = all && !e.fuzzy;
        expected.insert(mo_key(e), (e, required));
    }
    let mut seen: HashMap<&[u8], ()> = HashMap::with_capacity(pairs.len());
    for (key, value) in &pairs {
        let (key, value): (&[u8], &[u8]) = (key, value);
        if seen.insert(key, ()).is_some() {
            return Err(GmoError::Message {
                msgid: show(key),
                why: "appears twice in the catalogue".into(),
            });
        }
        let Some((e, _)) = expected.get(key) else {
            return Err(GmoError::Message {
                msgid: show(key),
                why: "is in the catalogue, but the .po puts no translation of it in force (absent, fuzzy or untranslated)".into(),
            });
        };
        let want = mo_value(e);
        // msgfmt leaves the header's POT-Creation-Date out of the catalogue (gettext 0.21
        // does, as xz 5.4.1's catalogues show); accepted with or without it.
        let header_without_date = key.is_empty() && without_pot_date(&want).as_slice() == value;
        if want.as_slice() != value && !header_without_date {
            return Err(GmoError::Message {
                msgid: show(key),
                why: format!(
                    "the catalogue says {:?}, the .po {:?}",
                    show(value),
                    show(&want)
                ),
            });
        }
    }
    for (key, (e, required)) in &expected {
        if *required && !seen.contains_key(key.as_slice()) {
            return Err(GmoError::Missing {
                msgid: show(&e.id),
                line: e.line,
            });
        }
    }
    Ok(GmoSame {
        messages: pairs.len(),
    })
}

fn without_pot_date(header: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len());
    for line in header.split_inclusive(|&b| b == b'\n') {
        if !line.starts_with(b"POT-Creation-Date:") {
            out.extend_from_slice(line);
        }
    }
    out
}

fn mo_key(e: &PoEntry) -> Vec<u8> {
    let mut k = Vec::new();
    if let Some(c) = &e.ctxt {
        k.extend_from_slice(c);
        k.push(0x04);
    }
    k.extend_from_slice(&e.id);
    if let Some(p) = &e.plural {
        k.push(0);
        k.extend_from_slice(p);
    }
    k
}

fn mo_value(e: &PoEntry) -> Vec<u8> {
    let mut forms: Vec<&(usize, Vec<u8>)> = e.strs.iter().collect();
    forms.sort_by_key(|(i, _)| *i);
    let mut v = Vec::new();
    for (n, (_, s)) in forms.iter().enumerate() {
        if n > 0 {
            v.push(0);
        }
        v.extend_from_slice(s);
    }
    v
}

/// The (original, translation) pairs of a GNU MO file, either byte order.
/// One (original, translation) pair of a catalogue: borrowed from the file, or written back
/// from a system-dependent string's pieces.
type Pair<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

fn read_mo(mo: &[u8]) -> Result<Vec<Pair<'_>>, GmoError> {
    let bad = |why: &str| GmoError::Format(why.to_string());
    let word_at = |at: usize, big: bool| -> Option<u32> {
        let b: [u8; 4] = mo.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let big = match word_at(0, false) {
        Some(0x9504_12de) => false,
        Some(0xde12_0495) => true,
        _ => return Err(bad("no MO magic number")),
    };
    let word = |at: usize| word_at(at, big).ok_or_else(|| bad("cut short in its header"));
    let revision = word(4)?;
    if revision >> 16 > 1 {
        return Err(GmoError::Format(format!(
            "unknown major revision {}",
            revision >> 16
        )));
    }
    let n = word(8)? as usize;
    let originals = word(12)? as usize;
    let translations = word(16)? as usize;
    if n.checked_mul(8).is_none_or(|len| len > mo.len()) {
        return Err(bad("more strings than the file can hold"));
    }
    let string = |table: usize, i: usize| -> Result<&[u8], GmoError> {
        let at = table + i * 8;
        let len = word(at)? as usize;
        let off = word(at + 4)? as usize;
        let s = mo
            .get(
                off..off
                    .checked_add(len)
                    .ok_or_else(|| bad("string past the end"))?,
            )
            .ok_or_else(|| bad("string past the end"))?;
        // msgfmt ends every string with a NUL that its length does not count.
        if mo.get(off + len) != Some(&0) {
            return Err(bad("string not NUL-terminated"));
        }
        Ok(s)
    };
    let mut pairs: Vec<Pair<'_>> = (0..n)
        .map(|i| {
            Ok((
                Cow::Borrowed(string(originals, i)?),
                Cow::Borrowed(string(translations, i)?),
            ))
        })
        .collect::<Result<_, GmoError>>()?;
    // Revision 1 (major or minor): system-dependent strings (`%<PRIu64>` in a format string)
    // in tables of their own, each a list of static pieces and named segments; written back
    // in the `.po`'s spelling (`<PRIu64>` where a segment goes) to be compared like the rest.
    if revision != 0 {
        let segments = word(28)? as usize;
        let segment_table = word(32)? as usize;
        let count = word(36)? as usize;
        let (orig_table, trans_table) = (word(40)? as usize, word(44)? as usize);
        if segments
            .max(count)
            .checked_mul(8)
            .is_none_or(|len| len > mo.len())
        {
            return Err(bad("more system-dependent strings than the file can hold"));
        }
        let names: Vec<&[u8]> = (0..segments)
            .map(|i| {
                let at = segment_table + i * 8;
                let (len, off) = (word(at)? as usize, word(at + 4)? as usize);
                let name = mo
                    .get(off..off.saturating_add(len))
                    .ok_or_else(|| bad("segment name past the end"))?;
                let name = name.strip_suffix(b"\0").unwrap_or(name);
                // Only the <inttypes.h> macros have a spelling tarseal can write back.
                if !name.starts_with(b"PRI") || !name.iter().all(u8::is_ascii_alphanumeric) {
                    return Err(GmoError::SystemDependent(format!(
                        "segment {:?}",
                        String::from_utf8_lossy(name)
                    )));
                }
                Ok(name)
            })
            .collect::<Result<_, GmoError>>()?;
        let sysdep = |table: usize, i: usize| -> Result<Vec<u8>, GmoError> {
            let mut at = word(table + i * 4)? as usize;
            let mut pos = word(at)? as usize;
            at += 4;
            let mut out = Vec::new();
            // At most one pair per byte of the file: a descriptor that does not end is corrupt.
            for _ in 0..mo.len() / 8 + 1 {
                let (size, seg) = (word(at)? as usize, word(at + 4)?);
                at += 8;
                let piece = mo
                    .get(pos..pos.saturating_add(size))
                    .ok_or_else(|| bad("system-dependent piece past the end"))?;
                pos += size;
                if seg == u32::MAX {
                    out.extend_from_slice(piece.strip_suffix(b"\0").unwrap_or(piece));
                    return Ok(out);
                }
                let name = names
                    .get(seg as usize)
                    .ok_or_else(|| bad("system-dependent segment out of range"))?;
                out.extend_from_slice(piece);
                out.push(b'<');
                out.extend_from_slice(name);
                out.push(b'>');
            }
            Err(bad("a system-dependent string that does not end"))
        };
        for i in 0..count {
            pairs.push((
                Cow::Owned(sysdep(orig_table, i)?),
                Cow::Owned(sysdep(trans_table, i)?),
            ));
        }
    }
    Ok(pairs)
}

fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b).replace(['\0', '\x04'], " | ");
    match s.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &s[..cut]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const PO: &str = r#"msgid ""
msgstr ""
"POT-Creation-Date: 2023-01-11 20:00+0200\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "hello"
msgstr "bonjour"

msgctxt "menu"
msgid "File"
msgstr "Fichier"

msgid "one file"
msgid_plural "%d files"
msgstr[0] "un fichier"
msgstr[1] "%d fichiers"

#, fuzzy
msgid "bye"
msgstr "au revoir"

msgid "untranslated"
msgstr ""
"#;

    /// A minimal little-endian MO writer (no hash table), for the tests that do not need
    /// msgfmt.
    fn mo(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut pairs = pairs.to_vec();
        pairs.sort();
        let n = pairs.len() as u32;
        let (orig, trans) = (28u32, 28 + 8 * n);
        let mut strings = Vec::new();
        let mut table = Vec::new();
        let mut at = 28 + 16 * n;
        let mut put = |s: &[u8], table: &mut Vec<u8>| {
            table.extend_from_slice(&(s.len() as u32).to_le_bytes());
            table.extend_from_slice(&at.to_le_bytes());
            strings.extend_from_slice(s);
            strings.push(0);
            at += s.len() as u32 + 1;
        };
        let mut t2 = Vec::new();
        for (o, _) in &pairs {
            put(o, &mut table);
        }
        for (_, t) in &pairs {
            put(t, &mut t2);
        }
        let mut out = Vec::new();
        for w in [0x9504_12de_u32, 0, n, orig, trans, 0, 0] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend(table);
        out.extend(t2);
        out.extend(strings);
        out
    }

    fn header() -> Vec<u8> {
        b"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"
            .to_vec()
    }

    fn good() -> Vec<(Vec<u8>, Vec<u8>)> {
        vec![
            (b"".to_vec(), header()),
            (b"hello".to_vec(), b"bonjour".to_vec()),
            (b"menu\x04File".to_vec(), b"Fichier".to_vec()),
            (
                b"one file\0%d files".to_vec(),
                b"un fichier\0%d fichiers".to_vec(),
            ),
        ]
    }

    fn build(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let p: Vec<(&[u8], &[u8])> = pairs.iter().map(|(a, b)| (&a[..], &b[..])).collect();
        mo(&p)
    }

    #[test]
    fn the_po_s_translations_in_force_pass() {
        assert_eq!(
            compare(PO.as_bytes(), &build(&good())),
            Ok(GmoSame { messages: 4 })
        );
    }

    #[test]
    fn a_changed_an_added_or_a_dropped_message_fails() {
        let mut changed = good();
        changed[1].1 = b"bonjour; rm -rf ~".to_vec();
        assert!(matches!(
            compare(PO.as_bytes(), &build(&changed)),
            Err(GmoError::Message { .. })
        ));
        // The fuzzy entry's text compiled in: msgfmt would not.
        let mut fuzzy = good();
        fuzzy.push((b"bye".to_vec(), b"au revoir".to_vec()));
        assert!(matches!(
            compare(PO.as_bytes(), &build(&fuzzy)),
            Err(GmoError::Message { .. })
        ));
        let mut extra = good();
        extra.push((b"untranslated".to_vec(), b"surprise".to_vec()));
        assert!(compare(PO.as_bytes(), &build(&extra)).is_err());
        let dropped = good()[..3].to_vec();
        assert!(matches!(
            compare(PO.as_bytes(), &build(&dropped)),
            Err(GmoError::Missing { .. })
        ));
    }

    #[test]
    fn garbage_and_cut_catalogues_are_errors_not_panics() {
        let m = build(&good());
        for cut in [0, 3, 10, 27, 40, m.len() - 1] {
            assert!(compare(PO.as_bytes(), &m[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge = m.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(compare(PO.as_bytes(), &huge).is_err());
        let mut off = m.clone();
        off[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(compare(PO.as_bytes(), &off).is_err());
        assert!(compare(PO.as_bytes(), b"\x95\x04\x12\xde").is_err());
    }

    /// The real compiler as the oracle: what GNU msgfmt makes of the `.po` passes (either byte
    /// order), and so does it after the hash table it writes. Skipped where gettext is absent.
    #[test]
    fn what_msgfmt_compiles_passes() {
        let dir = std::env::temp_dir().join(format!("tarseal-gmo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let po_path = dir.join("fr.po");
        // Plus a system-dependent format string, which msgfmt puts in the revision-1 tables.
        let po =
            format!("{PO}\n#, c-format\nmsgid \"%<PRIu64> bytes\"\nmsgstr \"%<PRIu64> octets\"\n");
        std::fs::write(&po_path, &po).unwrap();
        for endian in ["little", "big"] {
            let out = dir.join(format!("fr-{endian}.gmo"));
            let status = Command::new("msgfmt")
                .arg(format!("--endianness={endian}"))
                .arg("-o")
                .arg(&out)
                .arg(&po_path)
                .status();
            let Ok(status) = status else {
                eprintln!("msgfmt not installed: skipped");
                return;
            };
            assert!(status.success());
            let mo = std::fs::read(&out).unwrap();
            assert_eq!(
                compare(po.as_bytes(), &mo),
                Ok(GmoSame { messages: 5 }),
                "{endian}"
            );
            // The system-dependent translation changed in the catalogue: caught.
            let forged = mo
                .windows(7)
                .position(|w| w == b" octets")
                .map(|at| {
                    let mut m = mo.clone();
                    m[at + 1] = b'O';
                    m
                })
                .expect("the translation is in the catalogue");
            assert!(compare(po.as_bytes(), &forged).is_err(), "{endian}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
