use super::codes::CODES;
use super::*;
use proptest::prelude::*;

fn encode_vec(src: &[u8]) -> Vec<u8> {
    let mut out = vec![0; encoded_len(src)];
    encode(src, &mut out);
    out
}

fn decode_vec(src: &[u8]) -> Result<Vec<u8>, HuffmanError> {
    let mut out = vec![0; decoded_len_bound(src.len())];
    let n = decode(src, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// A deliberately naive reference decoder: one bit at a time, matching the
/// accumulated bits against every code. Used to check the table decoder.
fn reference_decode(src: &[u8]) -> Result<Vec<u8>, HuffmanError> {
    let mut out = Vec::new();
    let (mut code, mut len) = (0u32, 0u8);
    for i in 0..src.len() * 8 {
        let bit = (src[i / 8] >> (7 - i % 8)) & 1;
        code = (code << 1) | bit as u32;
        len += 1;
        if let Some(sym) = CODES.iter().position(|&(c, l)| l == len && c == code) {
            if sym == 256 {
                return Err(HuffmanError::Eos);
            }
            out.push(sym as u8);
            code = 0;
            len = 0;
        }
    }
    if len > 7 {
        return Err(HuffmanError::PaddingTooLong);
    }
    if code != (1 << len) - 1 {
        return Err(HuffmanError::PaddingNotEos);
    }
    Ok(out)
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn rfc7541_appendix_b_code_is_canonical_and_prefix_free() {
    // Sort by (length, code) and check each code is the previous one plus one,
    // shifted to the new length: that is what "canonical" means, and it
    // implies the code is prefix-free.
    let mut codes: Vec<(u8, u32)> = CODES.iter().map(|&(c, l)| (l, c)).collect();
    codes.sort();
    for pair in codes.windows(2) {
        let ((l0, c0), (l1, c1)) = (pair[0], pair[1]);
        assert_eq!(
            c1,
            (c0 + 1) << (l1 - l0),
            "codes {c0:x}/{l0} then {c1:x}/{l1}"
        );
    }
    assert_eq!(CODES[256], (0x3fff_ffff, 30), "EOS");
}

#[test]
fn rfc7541_c_4_huffman_examples() {
    let cases = [
        ("www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"),
        ("no-cache", "a8eb 1064 9cbf"),
        ("custom-key", "25a8 49e9 5ba9 7d7f"),
        ("custom-value", "25a8 49e9 5bb8 e8b4 bf"),
        ("302", "6402"),
        ("private", "aec3 771a 4b"),
        (
            "Mon, 21 Oct 2013 20:13:21 GMT",
            "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff",
        ),
        (
            "https://www.example.com",
            "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3",
        ),
    ];
    for (plain, wire) in cases {
        assert_eq!(encode_vec(plain.as_bytes()), hex(wire), "encode {plain}");
        assert_eq!(
            decode_vec(&hex(wire)).unwrap(),
            plain.as_bytes(),
            "decode {plain}"
        );
    }
}

#[test]
fn every_octet_roundtrips() {
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(decode_vec(&encode_vec(&all)).unwrap(), all);
    for b in 0..=255u8 {
        for n in 1..12 {
            let s = vec![b; n];
            assert_eq!(decode_vec(&encode_vec(&s)).unwrap(), s, "octet {b} x{n}");
        }
    }
}

#[test]
fn empty_input_decodes_to_empty() {
    assert_eq!(decode_vec(&[]).unwrap(), b"");
    assert_eq!(encoded_len(b""), 0);
}

#[test]
fn rfc7541_5_2_eos_symbol_is_rejected() {
    // EOS (30 ones) padded with two ones: 32 ones.
    assert_eq!(decode_vec(&[0xff; 4]), Err(HuffmanError::Eos));
    // 'a' (00011) then EOS then padding.
    let mut bits = String::from("00011");
    bits.push_str(&"1".repeat(30));
    bits.push_str("11111");
    let bytes: Vec<u8> = (0..bits.len() / 8)
        .map(|i| u8::from_str_radix(&bits[i * 8..i * 8 + 8], 2).unwrap())
        .collect();
    assert_eq!(decode_vec(&bytes), Err(HuffmanError::Eos));
    // EOS in the middle of a long input (exercising the bulk loop).
    let mut long = encode_vec(b"0123456789abcdef");
    long.truncate(long.len() - 1);
    long.extend_from_slice(&[0xff; 4]);
    long.extend_from_slice(&encode_vec(b"0123456789abcdef"));
    assert_eq!(decode_vec(&long), Err(HuffmanError::Eos));
}

#[test]
fn rfc7541_5_2_padding_longer_than_7_bits_is_rejected() {
    // "a" is 5 bits; "a" + 11 one-bits of padding is two octets.
    assert_eq!(decode_vec(&[0x1f, 0xff]), Err(HuffmanError::PaddingTooLong));
    // A whole octet of ones alone is 8 bits of padding.
    assert_eq!(decode_vec(&[0xff]), Err(HuffmanError::PaddingTooLong));
    // After a long run of valid symbols.
    let mut s = encode_vec(b"abcdefghijklmnopq");
    s.push(0xff);
    assert_eq!(decode_vec(&s), Err(HuffmanError::PaddingTooLong));
}

#[test]
fn rfc7541_5_2_padding_not_matching_eos_is_rejected() {
    // "a" (00011) followed by 000 instead of 111.
    assert_eq!(decode_vec(&[0x18]), Err(HuffmanError::PaddingNotEos));
    // "a" followed by 101.
    assert_eq!(decode_vec(&[0x1d]), Err(HuffmanError::PaddingNotEos));
    assert_eq!(decode_vec(&[0x1f]).unwrap(), b"a");
}

#[test]
fn decoded_len_bound_covers_five_bit_codes() {
    // '0' has a 5-bit code: 8 of them fill exactly 5 octets.
    let s = b"00000000";
    let enc = encode_vec(s);
    assert_eq!(enc.len(), 5);
    assert_eq!(decoded_len_bound(5), 9);
    assert_eq!(decode_vec(&enc).unwrap(), s);
}

proptest! {
    #[test]
    fn roundtrip_arbitrary_octets(s in proptest::collection::vec(any::<u8>(), 0..200)) {
        let enc = encode_vec(&s);
        prop_assert_eq!(decode_vec(&enc).unwrap(), s);
    }

    #[test]
    fn roundtrip_header_like_text(s in "[ -~]{0,300}") {
        let enc = encode_vec(s.as_bytes());
        prop_assert_eq!(decode_vec(&enc).unwrap(), s.as_bytes());
    }

    #[test]
    fn table_decoder_agrees_with_reference(s in proptest::collection::vec(any::<u8>(), 0..40)) {
        prop_assert_eq!(decode_vec(&s), reference_decode(&s));
    }

    #[test]
    fn table_decoder_agrees_with_reference_on_text_with_noise(
        s in "[ -~]{0,60}", flip in any::<usize>(), tail in proptest::collection::vec(any::<u8>(), 0..3)
    ) {
        let mut enc = encode_vec(s.as_bytes());
        if !enc.is_empty() {
            let i = flip % (enc.len() * 8);
            enc[i / 8] ^= 0x80 >> (i % 8);
        }
        enc.extend_from_slice(&tail);
        prop_assert_eq!(decode_vec(&enc), reference_decode(&enc));
    }
}
