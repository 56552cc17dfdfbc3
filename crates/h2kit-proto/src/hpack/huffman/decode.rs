//! Table-driven Huffman decoding.
//!
//! The input is read into a 64-bit accumulator, most significant bit first.
//! Each step looks up the next [`LOOKUP_BITS`] bits in [`SHORT`], built at
//! compile time from the code table: an entry holds the one or two symbols
//! whose codes fit in those bits. HTTP header text is made almost entirely of
//! 5- to 8-bit codes, so most steps emit two octets. A code longer than
//! [`LOOKUP_BITS`] (rare octets, and EOS) is found by a canonical-code search
//! over [`LONG`].
//!
//! At the end of the input, the bits left over must be a padding of at most 7
//! bits that matches the most significant bits of EOS, i.e. all ones
//! (RFC 7541 §5.2); an EOS symbol in the string is an error.

use super::codes::CODES;

/// Why a Huffman-encoded string literal is invalid (RFC 7541 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HuffmanError {
    /// The string contains the EOS symbol.
    Eos,
    /// More than 7 bits are left after the last symbol.
    PaddingTooLong,
    /// The bits left after the last symbol are not all ones.
    PaddingNotEos,
}

const EOS: u16 = 256;
const LOOKUP_BITS: u32 = 12;

// Layout of a `SHORT` entry. An entry of 0 means "the next code is longer
// than LOOKUP_BITS".
const SYM2_SHIFT: u32 = 8;
const LEN1_SHIFT: u32 = 16;
const LEN_TOTAL_SHIFT: u32 = 21;
const COUNT_SHIFT: u32 = 26;
const LEN_MASK: u32 = 0x1f;

/// For every `LOOKUP_BITS`-bit pattern: the first symbol (bits 0..8), an
/// optional second symbol (8..16), the first code's length (16..21), the
/// length of both codes together (21..26) and the symbol count, 0 to 2
/// (26..28).
static SHORT: [u32; 1 << LOOKUP_BITS] = build_short_table();

const fn build_short_table() -> [u32; 1 << LOOKUP_BITS] {
    // First pass: the single symbol each pattern starts with.
    let mut single = [0u32; 1 << LOOKUP_BITS];
    let mut sym = 0;
    while sym < 256 {
        let (code, len) = CODES[sym];
        let len = len as u32;
        if len <= LOOKUP_BITS {
            let free = LOOKUP_BITS - len;
            let base = (code << free) as usize;
            let mut low = 0;
            while low < (1 << free) {
                single[base + low] = sym as u32 | (len << LEN1_SHIFT) | (1 << COUNT_SHIFT);
                low += 1;
            }
        }
        sym += 1;
    }
    // Second pass: append a second symbol when its code also fits. Its code
    // is looked up with the consumed bits shifted out and zeros shifted in;
    // the result counts only when the code lies within the real bits.
    let mut table = single;
    let mut pattern = 0;
    while pattern < (1 << LOOKUP_BITS) {
        let first = single[pattern];
        if first != 0 {
            let len1 = (first >> LEN1_SHIFT) & LEN_MASK;
            let rest = (pattern << len1) & ((1 << LOOKUP_BITS) - 1);
            let second = single[rest];
            let len2 = (second >> LEN1_SHIFT) & LEN_MASK;
            if second != 0 && len1 + len2 <= LOOKUP_BITS {
                table[pattern] = (first & 0xff)
                    | ((second & 0xff) << SYM2_SHIFT)
                    | (len1 << LEN1_SHIFT)
                    | ((len1 + len2) << LEN_TOTAL_SHIFT)
                    | (2 << COUNT_SHIFT);
            } else {
                table[pattern] = first | (len1 << LEN_TOTAL_SHIFT);
            }
        }
        pattern += 1;
    }
    table
}

/// The canonical-code search tables for codes longer than `LOOKUP_BITS`.
struct LongCodes {
    /// `limit[len]`: one past the last code of length `len`, aligned to the
    /// top of 32 bits (0 when no code has that length).
    limit: [u64; 31],
    /// `first[len]`: the first (smallest) code of length `len`.
    first: [u32; 31],
    /// `base[len]`: where the symbols of length `len` start in `symbols`.
    base: [u16; 31],
    /// All symbols ordered by (code length, code).
    symbols: [u16; 257],
}

static LONG: LongCodes = build_long_codes();

const fn build_long_codes() -> LongCodes {
    let mut long = LongCodes {
        limit: [0; 31],
        first: [0; 31],
        base: [0; 31],
        symbols: [0; 257],
    };
    let mut next = 0;
    let mut len = 1;
    while len <= 30 {
        long.base[len] = next as u16;
        let mut count = 0u32;
        let mut first = u32::MAX;
        // The code is canonical: within one length, codes ascend with the
        // symbol value, so scanning symbols in order lists them by code.
        let mut sym = 0;
        while sym < 257 {
            let (code, l) = CODES[sym];
            if l as usize == len {
                long.symbols[next] = sym as u16;
                next += 1;
                count += 1;
                if code < first {
                    first = code;
                }
            }
            sym += 1;
        }
        if count > 0 {
            long.first[len] = first;
            long.limit[len] = ((first + count) as u64) << (32 - len);
        }
        len += 1;
    }
    long
}

/// Finds the code longer than `LOOKUP_BITS` at the top of `bits`: returns the
/// symbol (256 for EOS) and its length.
fn decode_long(bits: u64) -> (u16, u32) {
    let top = bits >> 32;
    let mut len = LOOKUP_BITS as usize + 1;
    while len <= 30 {
        if top < LONG.limit[len] {
            let offset = (top >> (32 - len)) as u32 - LONG.first[len];
            let sym = LONG.symbols[LONG.base[len] as usize + offset as usize];
            return (sym, len as u32);
        }
        len += 1;
    }
    // Unreachable: thirty one-bits are EOS, the largest code, so the last
    // length's limit (2^32) is above any 32-bit value.
    (EOS, 30)
}

/// The output length to provide for decoding `encoded_len` octets: every code
/// is at least 5 bits, plus one octet of slack the decoder may scribble on.
pub(crate) fn decoded_len_bound(encoded_len: usize) -> usize {
    encoded_len / 5 * 8 + (encoded_len % 5) * 8 / 5 + 1
}

/// Decodes the Huffman-encoded `src` into `dst`, which must be at least
/// [`decoded_len_bound`]`(src.len())` long, and returns the decoded length.
pub(crate) fn decode(src: &[u8], dst: &mut [u8]) -> Result<usize, HuffmanError> {
    // The input is read as if followed by one-bits, the padding EOS calls
    // for: the last octets are copied into `tail`, so that every refill
    // reads 8 octets. A code that would end past the real bits marks the
    // end of the string.
    let len = src.len();
    let total_bits = len.saturating_mul(8);
    let tail_start = len.saturating_sub(8);
    let mut tail = [0xffu8; 24];
    tail[..len - tail_start].copy_from_slice(&src[tail_start..]);

    // The unread bits sit at the top of `acc`; `nbits` of them are valid.
    // Bits below those are either zero or the next input bits, so OR-ing the
    // next input into place is always correct.
    let mut acc: u64 = 0;
    let mut nbits: u32 = 0;
    let mut pos = 0;
    let mut consumed = 0usize;
    let mut out = 0;
    loop {
        let word = if pos + 8 <= len {
            src.get(pos..).and_then(|rest| rest.first_chunk::<8>())
        } else {
            tail.get(pos - tail_start..)
                .and_then(|rest| rest.first_chunk::<8>())
        };
        // Always `Some`: the reads stay within `src` or `tail` (see above).
        acc |= word.map_or(u64::MAX, |w| u64::from_be_bytes(*w)) >> nbits;
        pos += ((63 - nbits) >> 3) as usize;
        nbits |= 56;

        // With 30 bits or more buffered, any code is whole.
        while nbits >= 30 {
            let entry = SHORT[(acc >> (64 - LOOKUP_BITS)) as usize];
            if entry != 0 {
                let len_total = (entry >> LEN_TOTAL_SHIFT) & LEN_MASK;
                if consumed + len_total as usize <= total_bits {
                    dst[out] = entry as u8;
                    dst[out + 1] = (entry >> SYM2_SHIFT) as u8;
                    out += (entry >> COUNT_SHIFT) as usize;
                    acc <<= len_total;
                    nbits -= len_total;
                    consumed += len_total as usize;
                    continue;
                }
                // The second symbol, or the only one, runs into the padding.
                let len1 = (entry >> LEN1_SHIFT) & LEN_MASK;
                if len1 < len_total && consumed + len1 as usize <= total_bits {
                    dst[out] = entry as u8;
                    out += 1;
                    acc <<= len1;
                    consumed += len1 as usize;
                }
                return check_padding(acc, total_bits - consumed, out);
            }
            // A long code is longer than LOOKUP_BITS: when fewer real bits
            // remain, what is left can only be padding.
            let remaining = total_bits - consumed;
            if remaining <= LOOKUP_BITS as usize {
                return check_padding(acc, remaining, out);
            }
            let (sym, code_len) = decode_long(acc);
            if consumed + code_len as usize > total_bits {
                return check_padding(acc, total_bits - consumed, out);
            }
            if sym == EOS {
                return Err(HuffmanError::Eos);
            }
            dst[out] = sym as u8;
            out += 1;
            acc <<= code_len;
            nbits -= code_len;
            consumed += code_len as usize;
        }
    }
}

/// Checks the bits left after the last symbol, the top `remaining` bits of
/// `acc`: at most 7, all ones (RFC 7541 §5.2).
fn check_padding(acc: u64, remaining: usize, decoded: usize) -> Result<usize, HuffmanError> {
    if remaining > 7 {
        return Err(HuffmanError::PaddingTooLong);
    }
    if remaining > 0 && (acc >> (64 - remaining)) != (1 << remaining) - 1 {
        return Err(HuffmanError::PaddingNotEos);
    }
    Ok(decoded)
}
