//! A small, fast hash for the encoder's table index.
//!
//! The index maps a 64-bit hash of a name (or of a name and value) to the
//! newest matching entry; a hit is confirmed by comparing the bytes, so a
//! collision can only cost compression, never correctness. The keys are
//! already hashes, so the map's own hasher just passes them through.

use std::hash::{BuildHasherDefault, Hasher};

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

#[inline]
fn mix(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER)
}

/// Hashes `bytes` on top of `seed`, eight octets at a time.
#[inline]
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = mix(seed, bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = mix(h, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = mix(h, u64::from_le_bytes(word));
    }
    h
}

/// Spreads the hash's entropy over all bits: the map uses both the low bits
/// (bucket) and the high bits (tag).
#[inline]
pub(crate) fn finish(h: u64) -> u64 {
    let h = (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

/// A `Hasher` for keys that are already hashes.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are used; fold anything else in anyway.
        self.0 = hash_bytes(self.0, bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The map type of the encoder's index: hash → absolute entry number.
pub(crate) type HashIndex = std::collections::HashMap<u64, u64, BuildHasherDefault<PassThrough>>;
