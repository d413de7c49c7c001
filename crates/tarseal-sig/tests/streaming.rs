//! Signing and verifying stream: memory stays bounded whatever the data's size. Its own
//! test binary (own process), so the peak-RSS measurement sees no other test.

use std::io::Read;
use std::path::Path;

use tarseal_sig::{verify_detached, Keyring, SigningKey};

/// Generates `left` pseudo-random bytes without ever holding them.
struct Generated {
    left: u64,
    state: u64,
    pos: u64,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Depends only on the position (not on how the reader is called); cheap enough for
        // debug builds.
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            let word = (self.pos >> 12).wrapping_mul(6364136223846793005) ^ self.state;
            *b = word.to_le_bytes()[(self.pos & 7) as usize];
            self.pos += 1;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn large_stream_in_bounded_memory() {
    use openpgp::serialize::Serialize;
    use sequoia_openpgp as openpgp;
    let (cert, _) = openpgp::cert::CertBuilder::general_purpose(Some("Big <big@example.org>"))
        .generate()
        .unwrap();
    let mut tsk = Vec::new();
    cert.as_tsk().serialize(&mut tsk).unwrap();
    let key = SigningKey::from_bytes(&tsk, Path::new("mem")).unwrap();
    let mut keyring = Keyring::new();
    keyring.add_cert(cert);

    // Debug builds hash slowly: 16 MiB keeps the test short and still exposes a reader
    // that buffers the whole stream (the bound below is half of it).
    const SIZE: u64 = 16 << 20;
    let before = peak_rss_kib();
    let sig = key
        .sign_detached(Generated {
            left: SIZE,
            state: 1,
            pos: 0,
        })
        .unwrap();
    let statuses = verify_detached(
        &keyring,
        sig.as_bytes(),
        Generated {
            left: SIZE,
            state: 1,
            pos: 0,
        },
        None,
    )
    .unwrap();
    assert!(statuses[0].good().is_some(), "{}", statuses[0]);
    let bad = verify_detached(
        &keyring,
        sig.as_bytes(),
        Generated {
            left: SIZE,
            state: 2,
            pos: 0,
        },
        None,
    )
    .unwrap();
    assert!(bad[0].good().is_none());
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(
        grown < 8 * 1024,
        "peak RSS grew by {grown} KiB over a {} MiB stream",
        SIZE >> 20
    );
}
