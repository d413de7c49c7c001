//! C2SP tlog-tiles paths, tile sets and tile contents.

use tarseal_log::*;

fn tile(level: u8, index: u64, width: u16) -> TileId {
    TileId {
        level,
        index,
        width,
    }
}

#[test]
fn x_mod_tile_path_examples() {
    // golang.org/x/mod/sumdb/tlog tile_test.go `tilePaths`, whose paths are
    // `tile/<H>/<L>/<N>[.p/<W>]`: C2SP tlog-tiles fixes H = 8 and drops it from the path, so
    // the `<L>/<N>[.p/<W>]` part is kept and the height element removed; x/mod's widths are in
    // units of its own height (full = 2^H), here full = 256.
    let cases = [
        ("tile/0/001", tile(0, 1, 256)),
        ("tile/0/001.p/5", tile(0, 1, 5)),
        ("tile/5/x123/x456/078", tile(5, 123_456_078, 256)),
        ("tile/5/x123/x456/078.p/2", tile(5, 123_456_078, 2)),
        ("tile/0/x003/x057/500", tile(0, 3_057_500, 256)),
        // The x/mod `tile/8/0/x001/x234/067.p/1` form, and the tlog-tiles example index.
        ("tile/0/x001/x234/067.p/1", tile(0, 1_234_067, 1)),
        ("tile/2/x001/x234/067", tile(2, 1_234_067, 256)),
        ("tile/0/000.p/40", tile(0, 0, 40)),
        (
            "tile/63/x018/x446/x744/x073/x709/x551/615",
            tile(63, u64::MAX, 256),
        ),
    ];
    for (path, want) in cases {
        assert_eq!(want.path(), path, "{want:?}");
        assert_eq!(TileId::parse(path).unwrap(), want, "{path}");
        assert_eq!(want.to_string(), path);
    }
    // x/mod's invalid examples (without the height element), and more.
    for bad in [
        "tile/5/123/456/078",         // elements without x
        "tile/-1/123/456/078",        // negative level
        "tile/entries/x003/x057/500", // an entry bundle, not a hash tile
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x000/001", // superfluous leading x000
        "tile/0/x01/001",
        "tile/00/001",
        "tile/64/001",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/0/001.p/05",
        "tile/0/001.p/",
        "tile/0/001.p",
        "tile/0/",
        "tile/0",
        "tile//001",
        "/tile/0/001",
        "tile/0/001/",
        "tile/0/x018/x446/x744/x073/x709/x551/616", // > u64::MAX
        "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
    ] {
        assert!(TileId::parse(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn entries_paths() {
    assert_eq!(
        entries_tile_path(1_234_067, 256),
        "tile/entries/x001/x234/067"
    );
    assert_eq!(entries_tile_path(0, 7), "tile/entries/000.p/7");
    assert_eq!(
        parse_entries_tile_path("tile/entries/x001/x234/067").unwrap(),
        (1_234_067, 256)
    );
    assert_eq!(
        parse_entries_tile_path("tile/entries/000.p/7").unwrap(),
        (0, 7)
    );
    for bad in [
        "tile/0/000",
        "tile/entries/0",
        "tile/entries/000.p/256",
        "tile/entries/",
    ] {
        assert!(parse_entries_tile_path(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn tlog_tiles_size_examples() {
    // c2sp.org/tlog-tiles "Partial Tiles": a tree of size 70,000 is 273 full level 0 tiles, a
    // partial level 0 tile of width 112, one full level 1 tile, a partial level 1 tile of width
    // 17 and a partial level 2 tile of width 1.
    let tiles = tiles_for_size(70_000);
    let full0 = tiles.iter().filter(|t| t.level == 0 && t.is_full()).count();
    assert_eq!(full0, 273);
    assert!(tiles.contains(&tile(0, 273, 112)));
    assert!(tiles.contains(&tile(1, 0, 256)));
    assert!(tiles.contains(&tile(1, 1, 17)));
    assert!(tiles.contains(&tile(2, 0, 1)));
    assert_eq!(tiles.len(), 273 + 4);
    assert!(tiles.iter().all(|t| t.exists_in(70_000)));
    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile
    // of width 1."
    assert_eq!(tiles_for_size(256), [tile(0, 0, 256), tile(1, 0, 1)]);
    assert!(tiles_for_size(0).is_empty());
    // Growing 255 -> 257: level 0 tile 0 completes, tile 1 is new (width 1), level 1 appears.
    assert_eq!(
        new_tiles(255, 257),
        [tile(0, 0, 256), tile(0, 1, 1), tile(1, 0, 1)]
    );
    assert!(new_tiles(300, 300).is_empty());
    assert!(!tile(0, 1, 45).exists_in(300));
    assert!(tile(0, 1, 44).exists_in(300));
    assert!(!tile(0, 1, 256).exists_in(300));
    assert!(!tile(8, 0, 1).exists_in(u64::MAX));
    assert!(!tile(0, u64::MAX, 256).exists_in(u64::MAX));
}

/// Store of `n` leaves `i.to_be_bytes()`.
fn store(n: u64) -> Vec<Hash> {
    let mut stored = Vec::new();
    for i in 0..n {
        let new = stored_hashes_for_leaf(i, &leaf_hash(&i.to_be_bytes()), &stored).unwrap();
        stored.extend(new);
    }
    stored
}

/// MTH of 2^k hashes given as the leaves of a perfect subtree.
fn perfect_root(hashes: &[Hash]) -> Hash {
    if hashes.len() == 1 {
        return hashes[0];
    }
    let (l, r) = hashes.split_at(hashes.len() / 2);
    node_hash(&perfect_root(l), &perfect_root(r))
}

fn hashes_of(data: &[u8]) -> Vec<Hash> {
    data.chunks(32).map(|c| c.try_into().unwrap()).collect()
}

#[test]
fn tile_contents_follow_the_spec() {
    // tlog-tiles: level 0 tiles hold leaf hashes; each hash of a level 1 tile is the MTH of a
    // full level 0 tile; MTH(D[(n*256+i)*256^l : (n*256+i+1)*256^l]).
    let size = 256 * 256 + 300;
    let stored = store(size);
    let t0 = read_tile(&tile(0, 3, 256), size, &stored).unwrap();
    assert_eq!(t0.len(), 8192);
    let t0 = hashes_of(&t0);
    assert_eq!(t0[5], leaf_hash(&(3 * 256 + 5u64).to_be_bytes()));
    let t1 = hashes_of(&read_tile(&tile(1, 0, 256), size, &stored).unwrap());
    assert_eq!(t1[3], perfect_root(&t0));
    // Level 2's only hash (partial width 1) is the MTH of the full level 1 tile, which is also
    // the root of the first 65,536 leaves.
    let t2 = hashes_of(&read_tile(&tile(2, 0, 1), size, &stored).unwrap());
    assert_eq!(t2, [perfect_root(&t1)]);
    assert_eq!(t2[0], tree_hash(65_536, &stored).unwrap());
    // A partial level 0 tile is a prefix of the full one.
    let p = read_tile(&tile(0, 3, 10), size, &stored).unwrap();
    assert_eq!(hashes_of(&p), t0[..10]);
    // Tiles beyond the tree are refused.
    assert!(matches!(
        read_tile(&tile(0, 257, 45), size, &stored),
        Err(LogError::TileNotInTree { .. })
    ));
    assert!(read_tile(&tile(0, 257, 44), size, &stored).is_ok());
}

#[test]
fn entry_bundles() {
    let entries: Vec<&[u8]> = vec![b"", b"a", &[0u8; 300], &[7u8; 65535]];
    let bundle = encode_entry_bundle(&entries).unwrap();
    assert_eq!(&bundle[..5], &[0, 0, 0, 1, b'a']);
    assert_eq!(&bundle[5..7], &[0x01, 0x2c]); // 300, big-endian
    assert_eq!(decode_entry_bundle(&bundle).unwrap(), entries);
    assert!(matches!(
        encode_entry_bundle(&[&[0u8; 65536]]),
        Err(LogError::EntryTooLarge(65536))
    ));
    assert!(decode_entry_bundle(&[]).unwrap().is_empty());
    assert!(decode_entry_bundle(&[0]).is_err());
    assert!(decode_entry_bundle(&[0, 2, 1]).is_err());
    let too_many = encode_entry_bundle(&vec![&b"x"[..]; 257]).unwrap();
    assert!(decode_entry_bundle(&too_many).is_err());
    let full = encode_entry_bundle(&vec![&b"x"[..]; 256]).unwrap();
    assert_eq!(decode_entry_bundle(&full).unwrap().len(), 256);
}
