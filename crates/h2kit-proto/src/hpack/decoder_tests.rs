//! Decoder behaviour, one test per rule of RFC 7541 (and the header list
//! limit of RFC 9113).

use super::*;
use crate::ErrorCode;

fn decode(decoder: &mut Decoder, block: &[u8]) -> Result<Vec<HeaderField>, DecodeError> {
    let mut out = Vec::new();
    decoder.decode(&Bytes::copy_from_slice(block), |f| out.push(f))?;
    Ok(out)
}

fn pairs(fields: &[HeaderField]) -> Vec<(&[u8], &[u8])> {
    fields.iter().map(|f| (&f.name[..], &f.value[..])).collect()
}

/// A literal with incremental indexing and a literal name: 0x40, name, value.
fn indexed_literal(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut b = vec![0x40];
    b.push(name.len() as u8);
    b.extend_from_slice(name);
    b.push(value.len() as u8);
    b.extend_from_slice(value);
    b
}

#[test]
fn rfc7541_6_1_index_zero_is_rejected() {
    let mut d = Decoder::new(4096);
    assert_eq!(decode(&mut d, &[0x80]), Err(DecodeError::ZeroIndex));
    assert_eq!(
        DecodeError::ZeroIndex.connection_error_code(),
        Some(ErrorCode::COMPRESSION_ERROR)
    );
    // In a literal, name index 0 means "literal name" instead (§6.2).
    let mut d = Decoder::new(4096);
    assert_eq!(
        pairs(&decode(&mut d, &[0x00, 0x01, b'n', 0x01, b'v']).unwrap()),
        [(&b"n"[..], &b"v"[..])]
    );
}

#[test]
fn rfc7541_2_3_3_index_beyond_both_tables_is_rejected() {
    let mut d = Decoder::new(4096);
    // 61 is the last static entry; the dynamic table is empty.
    assert_eq!(
        pairs(&decode(&mut d, &[0x80 | 61]).unwrap()),
        [(&b"www-authenticate"[..], &b""[..])]
    );
    assert_eq!(
        decode(&mut d, &[0x80 | 62]),
        Err(DecodeError::IndexOutOfRange { index: 62 })
    );
    // One entry: 62 is valid, 63 is not.
    let mut d = Decoder::new(4096);
    decode(&mut d, &indexed_literal(b"k", b"v")).unwrap();
    assert_eq!(
        pairs(&decode(&mut d, &[0x80 | 62]).unwrap()),
        [(&b"k"[..], &b"v"[..])]
    );
    assert_eq!(
        decode(&mut d, &[0x80 | 63]),
        Err(DecodeError::IndexOutOfRange { index: 63 })
    );
    // As a name index.
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x0f, 0x30, 0x00]),
        Err(DecodeError::IndexOutOfRange { index: 63 })
    );
    // A huge index.
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0xff, 0x80, 0xff, 0xff, 0xff, 0x0f]),
        Err(DecodeError::IndexOutOfRange { index: 0xffff_ffff })
    );
}

#[test]
fn rfc7541_5_1_integer_overflow_in_a_block_is_rejected() {
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        Err(DecodeError::IntegerOverflow)
    );
    // A string length that overflows.
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x04, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
        Err(DecodeError::IntegerOverflow)
    );
}

#[test]
fn rfc7541_5_2_string_longer_than_the_block_is_rejected() {
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x04, 0x05, b'/', b'a']),
        Err(DecodeError::Truncated)
    );
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x40, 0x01, b'a']),
        Err(DecodeError::Truncated),
        "value missing"
    );
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x04]),
        Err(DecodeError::Truncated),
        "value length missing"
    );
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x04, 0x7f, 0xff, 0xff, 0xff, 0x0f]),
        Err(DecodeError::Truncated)
    );
}

#[test]
fn rfc7541_5_2_huffman_errors_in_a_block_are_compression_errors() {
    // :path with a Huffman value of one 0xff octet (8 bits of padding).
    let mut d = Decoder::new(4096);
    let err = decode(&mut d, &[0x04, 0x81, 0xff]).unwrap_err();
    assert_eq!(err, DecodeError::HuffmanPaddingTooLong);
    assert_eq!(
        err.connection_error_code(),
        Some(ErrorCode::COMPRESSION_ERROR)
    );
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x04, 0x81, 0x18]),
        Err(DecodeError::HuffmanPaddingNotEos)
    );
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x44, 0x84, 0xff, 0xff, 0xff, 0xff]),
        Err(DecodeError::HuffmanEos)
    );
    // In a literal name that would enter the table.
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x40, 0x81, 0xff, 0x00]),
        Err(DecodeError::HuffmanPaddingTooLong)
    );
}

#[test]
fn rfc7541_6_2_literal_representations_decode() {
    let mut d = Decoder::new(4096);
    // Without indexing, literal name; never indexed, indexed name.
    let mut block = vec![0x00, 0x03];
    block.extend_from_slice(b"x-a");
    block.extend_from_slice(&[0x01, b'1']);
    block.extend_from_slice(&[0x10 | 0x0f, 0x08, 0x03]);
    block.extend_from_slice(b"tok");
    let fields = decode(&mut d, &block).unwrap();
    assert_eq!(
        pairs(&fields),
        [
            (&b"x-a"[..], &b"1"[..]),
            (&b"authorization"[..], &b"tok"[..])
        ]
    );
    assert!(!fields[0].never_indexed);
    assert!(
        fields[1].never_indexed,
        "never-indexed is reported (§6.2.3)"
    );
    assert!(
        d.dynamic_table().is_empty(),
        "neither is added to the table"
    );
}

#[test]
fn rfc7541_6_3_size_update_after_a_field_is_rejected() {
    let mut d = Decoder::new(4096);
    assert_eq!(
        decode(&mut d, &[0x82, 0x20]),
        Err(DecodeError::TableSizeUpdateNotAtStart)
    );
}

#[test]
fn rfc7541_6_3_size_update_above_the_protocol_maximum_is_rejected() {
    let mut d = Decoder::new(4096);
    // 4097 = 31 + 4066: 0x3f, 0xe2, 0x1f.
    assert_eq!(
        decode(&mut d, &[0x3f, 0xe2, 0x1f]),
        Err(DecodeError::TableSizeUpdateTooLarge {
            requested: 4097,
            max: 4096
        })
    );
    let mut d = Decoder::new(4096);
    assert!(
        decode(&mut d, &[0x3f, 0xe1, 0x1f]).is_ok(),
        "4096 itself is allowed"
    );
    assert_eq!(d.dynamic_table().max_size(), 4096);
}

#[test]
fn rfc7541_4_3_size_update_evicts_entries() {
    let mut d = Decoder::new(4096);
    decode(&mut d, &indexed_literal(b"aaaa", b"1111")).unwrap(); // 40
    decode(&mut d, &indexed_literal(b"bbbb", b"2222")).unwrap(); // 40
    assert_eq!(d.dynamic_table().size(), 80);
    // Size update to 79: the older entry goes, then the fields see the rest.
    let fields = decode(&mut d, &[0x3f, 0x30, 0x80 | 62]).unwrap();
    assert_eq!(pairs(&fields), [(&b"bbbb"[..], &b"2222"[..])]);
    assert_eq!(d.dynamic_table().len(), 1);
    assert_eq!(d.dynamic_table().max_size(), 79);
    // Size 0 clears the table; two updates at the start are allowed.
    decode(&mut d, &[0x20, 0x3f, 0x30]).unwrap();
    assert!(d.dynamic_table().is_empty());
    assert_eq!(d.dynamic_table().max_size(), 79);
}

#[test]
fn rfc7541_4_4_adding_evicts_oldest_first() {
    let mut d = Decoder::new(100);
    decode(&mut d, &indexed_literal(b"a", b"1")).unwrap(); // 34
    decode(&mut d, &indexed_literal(b"b", b"2")).unwrap(); // 34
    decode(&mut d, &indexed_literal(b"c", b"3")).unwrap(); // 34: "a" goes
    let t = d.dynamic_table();
    let names: Vec<&[u8]> = t.iter().map(|(n, _)| n).collect();
    assert_eq!(names, [&b"c"[..], b"b"]);
    assert_eq!(t.size(), 68);
}

#[test]
fn rfc7541_4_4_entry_larger_than_the_table_empties_it() {
    let mut d = Decoder::new(100);
    decode(&mut d, &indexed_literal(b"a", b"1")).unwrap();
    let big = vec![b'x'; 70];
    let fields = decode(&mut d, &indexed_literal(b"big", &big)).unwrap();
    assert_eq!(fields[0].value.len(), 70, "the field is still delivered");
    assert!(d.dynamic_table().is_empty());
    assert_eq!(d.dynamic_table().size(), 0);
    // A Huffman-coded entry that is too large only once decoded.
    let mut d = Decoder::new(60);
    decode(&mut d, &indexed_literal(b"a", b"1")).unwrap();
    // 'a' x 24 Huffman-codes in 15 octets: 1 + 24 + 32 = 57 <= 60 fits...
    let mut block = vec![0x40, 0x01, b'k', 0x80 | 15];
    let mut coded = vec![0; 15];
    crate::hpack::huffman::encode(&[b'a'; 24], &mut coded);
    block.extend_from_slice(&coded);
    let fields = decode(&mut d, &block).unwrap();
    assert_eq!(&fields[0].value[..], &[b'a'; 24]);
    assert_eq!(d.dynamic_table().len(), 1, "...and fits");
    // ...but 'a' x 30 (19 octets) makes 63 > 60.
    let mut block = vec![0x40, 0x01, b'k', 0x80 | 19];
    let mut coded = vec![0; 19];
    crate::hpack::huffman::encode(&[b'a'; 30], &mut coded);
    block.extend_from_slice(&coded);
    let fields = decode(&mut d, &block).unwrap();
    assert_eq!(&fields[0].value[..], &[b'a'; 30]);
    assert!(d.dynamic_table().is_empty());
}

#[test]
fn rfc7541_4_4_name_may_refer_to_the_entry_being_evicted() {
    // Table of 70: one entry "name: 1" (39). Adding "name: 2" with name
    // index 62 evicts that very entry; the name must survive.
    let mut d = Decoder::new(70);
    decode(&mut d, &indexed_literal(b"name", b"1")).unwrap();
    let fields = decode(&mut d, &[0x40 | 62, 0x01, b'2']).unwrap();
    assert_eq!(pairs(&fields), [(&b"name"[..], &b"2"[..])]);
    let t = d.dynamic_table();
    assert_eq!(t.len(), 1);
    assert_eq!(t.get(0), Some((&b"name"[..], &b"2"[..])));
}

#[test]
fn rfc7541_4_2_lowered_maximum_requires_a_size_update() {
    let mut d = Decoder::new(4096);
    decode(&mut d, &indexed_literal(b"a", b"1")).unwrap();
    d.set_max_table_size(100);
    assert_eq!(
        decode(&mut d, &[0x82]),
        Err(DecodeError::TableSizeUpdateMissing { max: 100 })
    );

    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    // An update to 200 is above the new maximum.
    assert_eq!(
        decode(&mut d, &[0x3f, 0xa9, 0x01, 0x82]),
        Err(DecodeError::TableSizeUpdateTooLarge {
            requested: 200,
            max: 100
        })
    );

    let mut d = Decoder::new(4096);
    d.set_max_table_size(100);
    assert!(
        decode(&mut d, &[0x3f, 0x45, 0x82]).is_ok(),
        "update to 100 first"
    );
    assert_eq!(d.dynamic_table().max_size(), 100);
    assert!(
        decode(&mut d, &[0x82]).is_ok(),
        "only the first block needs it"
    );
}

#[test]
fn rfc7541_4_2_smallest_of_two_changes_must_be_signalled() {
    // 4096 -> 0 -> 4096 between two blocks: the encoder must send 0, then
    // 4096 (§4.2).
    let mut d = Decoder::new(4096);
    decode(&mut d, &indexed_literal(b"a", b"1")).unwrap();
    d.set_max_table_size(0);
    d.set_max_table_size(4096);
    assert_eq!(
        decode(&mut d, &[0x3f, 0xe1, 0x1f, 0x82]),
        Err(DecodeError::TableSizeUpdateMissing { max: 0 }),
        "only the final size"
    );

    let mut d = Decoder::new(4096);
    decode(&mut d, &indexed_literal(b"a", b"1")).unwrap();
    d.set_max_table_size(0);
    d.set_max_table_size(4096);
    let fields = decode(&mut d, &[0x20, 0x3f, 0xe1, 0x1f, 0x82]).unwrap();
    assert_eq!(fields.len(), 1);
    assert!(
        d.dynamic_table().is_empty(),
        "the update to 0 evicted everything"
    );
    assert_eq!(d.dynamic_table().max_size(), 4096);
}

#[test]
fn rfc7541_4_2_raised_maximum_needs_no_update() {
    let mut d = Decoder::new(4096);
    d.set_max_table_size(8192);
    assert!(decode(&mut d, &[0x82]).is_ok());
    assert_eq!(
        d.dynamic_table().max_size(),
        4096,
        "the encoder has not said it uses more"
    );
    assert!(
        decode(&mut d, &[0x3f, 0xe1, 0x3f]).is_ok(),
        "8192 may now be announced"
    );
    assert_eq!(d.dynamic_table().max_size(), 8192);
}

#[test]
fn rfc9113_6_5_2_header_list_size_counts_name_value_and_32() {
    // ":method: GET" is 7 + 3 + 32 = 42; two of them 84.
    let mut d = Decoder::new(4096);
    d.set_max_header_list_size(84);
    assert_eq!(decode(&mut d, &[0x82, 0x82]).unwrap().len(), 2);
    d.set_max_header_list_size(83);
    let mut got = Vec::new();
    let err = d
        .decode(&Bytes::from_static(&[0x82, 0x82]), |f| got.push(f))
        .unwrap_err();
    assert_eq!(err, DecodeError::HeaderListTooLarge { max: 83 });
    assert_eq!(got.len(), 1, "fields past the limit are not delivered");
    assert_eq!(err.connection_error_code(), None, "not a compression error");
    assert!(!err.is_compression_error());
}

#[test]
fn rfc9113_10_5_1_oversized_list_keeps_the_table_in_step() {
    // The block over the limit still adds its entries, so the next block,
    // which refers to them, decodes.
    let mut d = Decoder::new(4096);
    d.set_max_header_list_size(50);
    let mut block = indexed_literal(b"first", b"1");
    block.extend(indexed_literal(b"second-name", &[b'v'; 40]));
    block.extend(indexed_literal(b"third", b"3"));
    assert_eq!(
        decode(&mut d, &block),
        Err(DecodeError::HeaderListTooLarge { max: 50 })
    );
    assert_eq!(d.dynamic_table().len(), 3);
    let fields = decode(&mut d, &[0x80 | 62]).unwrap();
    assert_eq!(pairs(&fields), [(&b"third"[..], &b"3"[..])]);
}

#[test]
fn hpack_bomb_is_refused_without_expanding() {
    // One 4000-octet entry, then a block of 10,000 one-octet references to
    // it: 40 MB of header list from 10 KB.
    let mut d = Decoder::new(4096);
    let mut insert = vec![0x40, 0x01, b'x', 0x7f];
    let value_len = 3960usize;
    let mut rest = value_len - 127;
    while rest >= 0x80 {
        insert.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    insert.push(rest as u8);
    insert.extend(std::iter::repeat_n(b'v', value_len));
    decode(&mut d, &insert).unwrap();
    assert_eq!(d.dynamic_table().size(), 1 + value_len + 32);

    let bomb = vec![0x80 | 62; 10_000];
    let mut delivered = 0usize;
    let err = d
        .decode(&Bytes::from(bomb), |f| delivered += f.value.len())
        .unwrap_err();
    assert_eq!(
        err,
        DecodeError::HeaderListTooLarge {
            max: DEFAULT_MAX_HEADER_LIST_SIZE
        }
    );
    assert!(
        delivered <= DEFAULT_MAX_HEADER_LIST_SIZE,
        "{delivered} octets delivered"
    );
}

#[test]
fn raw_literals_and_table_hits_share_memory() {
    let block = Bytes::from_static(b"\x04\x05/abcd\x40\x01k\x01v\xbe");
    let mut d = Decoder::new(4096);
    let mut fields = Vec::new();
    d.decode(&block, |f| fields.push(f)).unwrap();
    // The raw :path value points into the block.
    let range = block.as_ptr_range();
    assert!(
        range.contains(&fields[0].value.as_ptr()),
        "raw literal is a slice of the block"
    );
    // The indexed field shares the table entry's bytes.
    let (_, table_value) = d.dynamic_table().get(0).unwrap();
    assert_eq!(fields[2].value.as_ptr(), table_value.as_ptr());
    assert_eq!(fields[1].value.as_ptr(), table_value.as_ptr());
}

#[test]
fn no_panic_on_truncations_of_a_valid_block() {
    // Every prefix of a valid block either decodes or fails cleanly.
    // RFC 7541 C.6.1 and C.6.3 (Huffman literals, indexed fields).
    let mut block = Vec::new();
    for hex in [
        "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
    ] {
        block.extend(
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()),
        );
    }
    let mut d = Decoder::new(4096);
    assert_eq!(decode(&mut d, &block).unwrap().len(), 10);
    for end in 0..block.len() {
        let mut d = Decoder::new(4096);
        let _ = decode(&mut d, &block[..end]);
    }
}
