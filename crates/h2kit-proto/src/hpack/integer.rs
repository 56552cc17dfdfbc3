//! Integers with an N-bit prefix (RFC 7541 §5.1).
//!
//! A value below `2^N - 1` fits in the prefix; larger values fill the prefix
//! with ones and continue in 7-bit groups, least significant first, with the
//! top bit of each octet saying whether another follows.

/// The largest integer the decoder accepts. Every HPACK integer is an index,
/// a string length or a table size, none of which can exceed a 32-bit
/// SETTINGS value or a header block's length; refusing larger values keeps
/// arithmetic on them from overflowing on any platform.
pub const MAX_INTEGER: u64 = u32::MAX as u64;

/// Why a prefixed integer could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntegerError {
    /// The block ended inside the integer.
    Truncated,
    /// The value exceeds [`MAX_INTEGER`], or uses more continuation octets
    /// than such a value needs.
    Overflow,
}

/// Decodes an integer with a `prefix_bits`-bit prefix (1..=8) starting at
/// `src[*pos]`, whose high bits (the representation's flags) are ignored.
/// Advances `*pos` past the integer.
#[inline]
pub(crate) fn decode(src: &[u8], pos: &mut usize, prefix_bits: u32) -> Result<u64, IntegerError> {
    debug_assert!((1..=8).contains(&prefix_bits));
    let max_prefix = (1u32 << prefix_bits) - 1;
    let first = *src.get(*pos).ok_or(IntegerError::Truncated)?;
    *pos += 1;
    let prefix = first as u32 & max_prefix;
    if prefix < max_prefix {
        return Ok(prefix as u64);
    }
    decode_continuation(src, pos, prefix as u64)
}

/// The multi-octet part of [`decode`], kept out of line: most integers fit
/// in their prefix.
#[cold]
fn decode_continuation(src: &[u8], pos: &mut usize, mut value: u64) -> Result<u64, IntegerError> {
    let mut shift = 0u32;
    loop {
        let b = *src.get(*pos).ok_or(IntegerError::Truncated)?;
        *pos += 1;
        value += ((b & 0x7f) as u64) << shift;
        if value > MAX_INTEGER {
            return Err(IntegerError::Overflow);
        }
        if b & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        // Five continuation octets carry 35 bits, more than MAX_INTEGER
        // needs; a sixth could only add zeros, which is a way to make the
        // decoder spin on a long run of 0x80 octets.
        if shift > 28 {
            return Err(IntegerError::Overflow);
        }
    }
}

/// Encodes `value` with a `prefix_bits`-bit prefix, OR-ing `flags` (the
/// representation's pattern, in the bits above the prefix) into the first
/// octet.
#[inline]
pub(crate) fn encode(
    value: usize,
    prefix_bits: u32,
    flags: u8,
    dst: &mut impl crate::hpack::EncodeBuf,
) {
    let max_prefix = (1usize << prefix_bits) - 1;
    if value < max_prefix {
        dst.put_u8(flags | value as u8);
        return;
    }
    dst.put_u8(flags | max_prefix as u8);
    let mut rest = value - max_prefix;
    while rest >= 0x80 {
        dst.put_u8(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    dst.put_u8(rest as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(value: usize, prefix_bits: u32) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, prefix_bits, 0, &mut out);
        out
    }

    fn dec(src: &[u8], prefix_bits: u32) -> Result<(u64, usize), IntegerError> {
        let mut pos = 0;
        decode(src, &mut pos, prefix_bits).map(|v| (v, pos))
    }

    #[test]
    fn rfc7541_c_1_1_ten_with_5_bit_prefix() {
        assert_eq!(enc(10, 5), [0x0a]);
        assert_eq!(
            dec(&[0xea], 5),
            Ok((10, 1)),
            "flag bits above the prefix are ignored"
        );
    }

    #[test]
    fn rfc7541_c_1_2_1337_with_5_bit_prefix() {
        assert_eq!(enc(1337, 5), [0x1f, 0x9a, 0x0a]);
        assert_eq!(dec(&[0x1f, 0x9a, 0x0a], 5), Ok((1337, 3)));
    }

    #[test]
    fn rfc7541_c_1_3_42_at_octet_boundary() {
        assert_eq!(enc(42, 8), [0x2a]);
        assert_eq!(dec(&[0x2a], 8), Ok((42, 1)));
    }

    #[test]
    fn rfc7541_5_1_prefix_boundaries_roundtrip() {
        for prefix_bits in 1..=8 {
            let max_prefix = (1usize << prefix_bits) - 1;
            for value in [
                0,
                1,
                max_prefix - 1,
                max_prefix,
                max_prefix + 1,
                127,
                128,
                255,
                256,
                16383,
                16384,
                1 << 21,
            ] {
                let bytes = enc(value, prefix_bits);
                assert_eq!(
                    dec(&bytes, prefix_bits),
                    Ok((value as u64, bytes.len())),
                    "{value} /{prefix_bits}"
                );
            }
            let bytes = enc(MAX_INTEGER as usize, prefix_bits);
            assert_eq!(dec(&bytes, prefix_bits), Ok((MAX_INTEGER, bytes.len())));
        }
    }

    #[test]
    fn rfc7541_5_1_integer_overflow_is_rejected() {
        // 2^32 with a 5-bit prefix: one past the largest accepted value.
        let bytes = enc(1 << 32, 5);
        assert_eq!(dec(&bytes, 5), Err(IntegerError::Overflow));
        // A value that would wrap a 64-bit integer.
        let mut huge = vec![0x1f];
        huge.extend_from_slice(&[0xff; 10]);
        huge.push(0x01);
        assert_eq!(dec(&huge, 5), Err(IntegerError::Overflow));
    }

    #[test]
    fn rfc7541_5_1_endless_zero_continuations_are_rejected() {
        // 0x80 continuation octets add nothing; the decoder must still stop.
        let mut zeros = vec![0x1f];
        zeros.extend_from_slice(&[0x80; 100]);
        zeros.push(0x00);
        assert_eq!(dec(&zeros, 5), Err(IntegerError::Overflow));
    }

    #[test]
    fn rfc7541_5_1_truncated_integer_is_rejected() {
        assert_eq!(dec(&[], 5), Err(IntegerError::Truncated));
        assert_eq!(dec(&[0x1f], 5), Err(IntegerError::Truncated));
        assert_eq!(dec(&[0x1f, 0x9a], 5), Err(IntegerError::Truncated));
    }
}
