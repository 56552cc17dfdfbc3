//! A small, fast hash for the encoder's table index.
//!
//! The index maps a 64-bit hash of a name (or of a name and value) to the
//! newest matching entry; a hit is confirmed by comparing the bytes, so a
//! collision can only cost compression, never correctness, and since the map
//! keeps one entry per hash, colliding keys cannot build long chains. The
//! keys are already hashes, so the map's own hasher just passes them
//! through.
//!
//! The hash folds 16 octets per 64×64→128-bit multiplication, so a long
//! user-agent costs a handful of multiplications.

use std::hash::{BuildHasherDefault, Hasher};

const K0: u64 = 0x9e37_79b9_7f4a_7c15;
const K1: u64 = 0xbf58_476d_1ce4_e5b9;
const K2: u64 = 0x94d0_49bb_1331_11eb;

/// Multiplies and folds the 128-bit product into 64 bits.
#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let product = (a as u128) * (b as u128);
    (product as u64) ^ ((product >> 64) as u64)
}

#[inline]
fn read_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

#[inline]
fn read_u32(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(word) as u64
}

/// Hashes `bytes` on top of `seed`.
#[inline]
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let seed = seed ^ (len as u64).wrapping_mul(K0);
    // Short inputs: two reads that may overlap cover every octet.
    let (a, b) = if len <= 16 {
        if len >= 8 {
            (read_u64(bytes), read_u64(&bytes[len - 8..]))
        } else if len >= 4 {
            (read_u32(bytes), read_u32(&bytes[len - 4..]))
        } else if len > 0 {
            let mixed =
                (bytes[0] as u64) << 16 | (bytes[len / 2] as u64) << 8 | bytes[len - 1] as u64;
            (mixed, 0)
        } else {
            (0, 0)
        }
    } else {
        let mut h = seed;
        let mut rest = bytes;
        while rest.len() > 16 {
            h = fold_mul(read_u64(rest) ^ K1, read_u64(&rest[8..]) ^ h);
            rest = &rest[16..];
        }
        // The last 16 octets, overlapping what came before.
        let tail = &bytes[len - 16..];
        return fold_mul(read_u64(tail) ^ K2, read_u64(&tail[8..]) ^ h);
    };
    fold_mul(a ^ K1, b ^ seed ^ K2)
}

/// Spreads the hash's entropy over all bits: the map uses both the low bits
/// (bucket) and the high bits (tag).
#[inline]
pub(crate) fn finish(h: u64) -> u64 {
    fold_mul(h, K0)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn distinct_inputs_of_every_length_hash_apart() {
        // Every length from 0 to 80, and a one-octet change at every
        // position: no collisions among these few thousand inputs.
        let mut seen = HashSet::new();
        let mut count = 0;
        for len in 0..80 {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(seen.insert(finish(hash_bytes(0, &base))));
            count += 1;
            for i in 0..len {
                let mut changed = base.clone();
                changed[i] ^= 1;
                assert!(
                    seen.insert(finish(hash_bytes(0, &changed))),
                    "len {len} pos {i}"
                );
                count += 1;
            }
        }
        assert_eq!(seen.len(), count);
    }

    #[test]
    fn seed_separates_name_from_value() {
        // ("ab", "c") and ("a", "bc") must differ.
        let h1 = hash_bytes(hash_bytes(0, b"ab"), b"c");
        let h2 = hash_bytes(hash_bytes(0, b"a"), b"bc");
        assert_ne!(h1, h2);
    }
}
