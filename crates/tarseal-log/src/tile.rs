//! C2SP tlog-tiles (c2sp.org/tlog-tiles, "Merkle Tree" and "Log entries"): tile paths, which
//! tiles a tree has, tile contents from stored hashes, and entry bundles.
//!
//! Tiles have height 8: a tile at level `L` holds up to 256 consecutive Merkle hashes of tree
//! level `8L` (level-0 tiles hold leaf hashes), each the root of a full tile of the level below.

use crate::merkle::{stored_hash_index, HashReader, HASH_SIZE};
use crate::LogError;

/// Tile height: each tile spans 8 tree levels (tlog-tiles "Merkle Tree").
pub const TILE_HEIGHT: u8 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u16 = 256;
/// Longest entry an entry bundle can hold (big-endian uint16 length prefix).
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// Highest level the path syntax allows (tlog-tiles: `<L>` is 0 to 63).
const MAX_LEVEL: u8 = 63;

/// One Merkle tree tile: the `index`-th tile at `level`, `width` hashes wide (256: full, served
/// without `.p/`; 1..=255: partial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub level: u8,
    pub index: u64,
    pub width: u16,
}

impl TileId {
    /// `tile/<L>/<N>[.p/<W>]` (tlog-tiles "Merkle Tree").
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}",
            self.level,
            index_width_path(self.index, self.width)
        )
    }

    /// Parses `tile/<L>/<N>[.p/<W>]` strictly (no leading zeroes in `<L>` and `<W>`, 3-digit
    /// `<N>` elements, `x` on all but the last, no superfluous leading `x000` element).
    pub fn parse(path: &str) -> Result<TileId, LogError> {
        let bad = |reason| LogError::TilePath {
            path: path.to_owned(),
            reason,
        };
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| bad("no tile/ prefix"))?;
        let (level, rest) = rest.split_once('/').ok_or_else(|| bad("no tile index"))?;
        if level == "entries" {
            return Err(bad("an entry bundle path, not a hash tile"));
        }
        let level = parse_decimal(level)
            .filter(|&l| l <= u64::from(MAX_LEVEL))
            .ok_or_else(|| bad("level is not a decimal 0 to 63"))? as u8;
        let (index, width) = parse_index_width(rest).map_err(bad)?;
        Ok(TileId {
            level,
            index,
            width,
        })
    }

    /// Whether every hash of this tile is in a tree of `size` leaves (so the tile can be
    /// served for that size): tlog-tiles, the tile spans `D[start : start + width * 256^L]`.
    pub fn exists_in(&self, size: u64) -> bool {
        if self.width == 0 || self.width > TILE_WIDTH {
            return false;
        }
        let shift = u32::from(self.level) * u32::from(TILE_HEIGHT);
        let Some(hashes_at_level) = size.checked_shr(shift) else {
            return false;
        };
        self.index
            .checked_mul(u64::from(TILE_WIDTH))
            .and_then(|start| start.checked_add(u64::from(self.width)))
            .is_some_and(|end| end <= hashes_at_level)
    }

    /// Whether this is a full (256-wide) tile.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path())
    }
}

/// `<N>[.p/<W>]`: `N` as 3-digit elements, `x` on all but the last (`1234067` →
/// `x001/x234/067`).
fn index_width_path(index: u64, width: u16) -> String {
    let mut n = index;
    let mut s = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        s = format!("x{:03}/{s}", n % 1000);
    }
    if width < TILE_WIDTH {
        s.push_str(&format!(".p/{width}"));
    }
    s
}

/// A decimal with no sign and no leading zeroes (unless it is `0`).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

fn parse_index_width(s: &str) -> Result<(u64, u16), &'static str> {
    let (index_part, width) = match s.split_once(".p/") {
        Some((index, w)) => {
            let w = parse_decimal(w)
                .filter(|&w| (1..u64::from(TILE_WIDTH)).contains(&w))
                .ok_or("partial width is not a decimal 1 to 255")?;
            (index, w as u16)
        }
        None => (s, TILE_WIDTH),
    };
    let elements: Vec<&str> = index_part.split('/').collect();
    let mut index: u64 = 0;
    for (i, element) in elements.iter().enumerate() {
        let last = i + 1 == elements.len();
        let digits = if last {
            *element
        } else {
            element
                .strip_prefix('x')
                .ok_or("index element other than the last lacks its x")?
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("index element is not 3 digits");
        }
        if i == 0 && !last && digits == "000" {
            return Err("index has a superfluous leading x000");
        }
        let d: u64 = digits
            .parse()
            .map_err(|_| "index element is not 3 digits")?;
        index = index
            .checked_mul(1000)
            .and_then(|n| n.checked_add(d))
            .ok_or("index overflows 64 bits")?;
    }
    Ok((index, width))
}

/// `tile/entries/<N>[.p/<W>]` (tlog-tiles "Log entries"); `width` 256 is a full bundle.
pub fn entries_tile_path(index: u64, width: u16) -> String {
    format!("tile/entries/{}", index_width_path(index, width))
}

/// Parses `tile/entries/<N>[.p/<W>]` into `(index, width)`, as strictly as [`TileId::parse`].
pub fn parse_entries_tile_path(path: &str) -> Result<(u64, u16), LogError> {
    let rest = path
        .strip_prefix("tile/entries/")
        .ok_or_else(|| LogError::TilePath {
            path: path.to_owned(),
            reason: "no tile/entries/ prefix",
        })?;
    parse_index_width(rest).map_err(|reason| LogError::TilePath {
        path: path.to_owned(),
        reason,
    })
}

/// The tiles whose contents change when the tree grows from `old_size` to `new_size` leaves:
/// at each level, the full tiles completed and the partial tile of the new size (x/mod tlog
/// `NewTiles`). The level-0 tiles of the result are also the entry bundles to publish.
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<TileId> {
    let mut tiles = Vec::new();
    let w = u64::from(TILE_WIDTH);
    for level in 0..=MAX_LEVEL {
        let shift = u32::from(level) * u32::from(TILE_HEIGHT);
        let new_n = new_size.checked_shr(shift).unwrap_or(0);
        if new_n == 0 {
            break;
        }
        let old_n = old_size.checked_shr(shift).unwrap_or(0);
        if old_n >= new_n {
            continue;
        }
        for index in old_n / w..new_n / w {
            tiles.push(TileId {
                level,
                index,
                width: TILE_WIDTH,
            });
        }
        let partial = (new_n % w) as u16;
        if partial > 0 {
            tiles.push(TileId {
                level,
                index: new_n / w,
                width: partial,
            });
        }
    }
    tiles
}

/// Every tile of a tree of `size` leaves (full tiles and the partial tile of each level), for
/// example for a tree of 70,000: 273 full and one partial (112) at level 0, one full and one
/// partial (17) at level 1, one partial (1) at level 2.
pub fn tiles_for_size(size: u64) -> Vec<TileId> {
    new_tiles(0, size)
}

/// The stored hash indexes that make up `tile`, in tile order: the hashes of tree level `8L`,
/// positions `index * 256 ..` `+ width`. The caller checks [`TileId::exists_in`] first (or uses
/// [`read_tile`]); for a tile in no tree the indexes are meaningless (but nothing panics).
pub fn tile_hash_indexes(tile: &TileId) -> Vec<u64> {
    let level = tile.level.saturating_mul(TILE_HEIGHT);
    let start = tile.index.wrapping_mul(u64::from(TILE_WIDTH));
    (0..u64::from(tile.width))
        .map(|i| stored_hash_index(level, start.wrapping_add(i)))
        .collect()
}

/// The bytes of `tile` in a tree of `size` leaves: its hashes concatenated (8,192 bytes for a
/// full tile). Fails with [`LogError::TileNotInTree`] unless the tile [exists in](TileId::exists_in)
/// that tree.
pub fn read_tile(
    tile: &TileId,
    size: u64,
    reader: &(impl HashReader + ?Sized),
) -> Result<Vec<u8>, LogError> {
    if !tile.exists_in(size) {
        return Err(LogError::TileNotInTree {
            tile: tile.path(),
            size,
        });
    }
    let indexes = tile_hash_indexes(tile);
    let hashes = reader
        .read_hashes(&indexes)
        .map_err(|e| LogError::Store(Box::new(e)))?;
    if hashes.len() != indexes.len() {
        return Err(LogError::ShortRead {
            wanted: indexes.len(),
            got: hashes.len(),
        });
    }
    let mut data = Vec::with_capacity(hashes.len() * HASH_SIZE);
    for h in &hashes {
        data.extend_from_slice(h);
    }
    Ok(data)
}

/// An entry bundle: each entry prefixed by its length as a big-endian uint16 (tlog-tiles "Log
/// entries"). Fails with [`LogError::EntryTooLarge`] for an entry over 65,535 bytes.
pub fn encode_entry_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, LogError> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.len() + 2).sum());
    for entry in entries {
        let len = u16::try_from(entry.len()).map_err(|_| LogError::EntryTooLarge(entry.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Decodes an entry bundle (see [`encode_entry_bundle`]); a truncated length or entry, or more
/// than 256 entries, is an error.
pub fn decode_entry_bundle(data: &[u8]) -> Result<Vec<Vec<u8>>, LogError> {
    let mut entries = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if entries.len() == usize::from(TILE_WIDTH) {
            return Err(LogError::EntryBundle("more than 256 entries"));
        }
        let [a, b, tail @ ..] = rest else {
            return Err(LogError::EntryBundle("truncated length prefix"));
        };
        let len = usize::from(u16::from_be_bytes([*a, *b]));
        if tail.len() < len {
            return Err(LogError::EntryBundle("truncated entry"));
        }
        entries.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    Ok(entries)
}
