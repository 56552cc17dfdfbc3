//! Huffman encoding.

use super::codes::CODES;

/// Bit length of each octet's code, as a compact table for [`encoded_len`].
const LENGTHS: [u8; 256] = {
    let mut lengths = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        lengths[i] = CODES[i].1;
        i += 1;
    }
    lengths
};

/// The number of octets `src` takes once Huffman-encoded, padding included.
pub(crate) fn encoded_len(src: &[u8]) -> usize {
    let bits: usize = src.iter().map(|&b| LENGTHS[b as usize] as usize).sum();
    bits.div_ceil(8)
}

/// Huffman-encodes `src` into `dst`, whose length must be exactly
/// [`encoded_len`]`(src)`. The last octet is padded with the most significant
/// bits of EOS (all ones), as RFC 7541 §5.2 requires.
pub(crate) fn encode(src: &[u8], dst: &mut [u8]) {
    debug_assert_eq!(dst.len(), encoded_len(src));
    // The pending bits are the low `pending` bits of `acc`; codes are at most
    // 30 bits, so at most 31 + 30 bits are ever pending.
    let mut acc: u64 = 0;
    let mut pending: u32 = 0;
    let mut out = 0;
    for &b in src {
        let (code, len) = CODES[b as usize];
        acc = (acc << len) | code as u64;
        pending += len as u32;
        if pending >= 32 {
            pending -= 32;
            let word = (acc >> pending) as u32;
            dst[out..out + 4].copy_from_slice(&word.to_be_bytes());
            out += 4;
        }
    }
    let pad = (8 - pending % 8) % 8;
    acc = (acc << pad) | ((1u64 << pad) - 1);
    pending += pad;
    while pending > 0 {
        pending -= 8;
        dst[out] = (acc >> pending) as u8;
        out += 1;
    }
}
