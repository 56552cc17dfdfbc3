//! Encoder behaviour: representation choices, sensitivity, Huffman, and the
//! table size protocol, checked on the bytes and through the decoder.

use super::*;
use crate::hpack::{Decoder, HeaderField};
use bytes::Bytes;

fn encode(encoder: &mut Encoder, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    encoder.encode(fields.iter(), &mut out);
    out
}

fn decode(decoder: &mut Decoder, block: &[u8]) -> Vec<HeaderField> {
    let mut out = Vec::new();
    decoder
        .decode(&Bytes::copy_from_slice(block), |f| out.push(f))
        .expect("decodes");
    out
}

/// The representation pattern of a block's first field.
fn kind(first: u8) -> &'static str {
    match first {
        b if b & 0x80 != 0 => "indexed",
        b if b & 0x40 != 0 => "incremental",
        b if b & 0x20 != 0 => "size update",
        b if b & 0x10 != 0 => "never indexed",
        _ => "without indexing",
    }
}

#[test]
fn rfc7541_6_1_static_fields_are_indexed() {
    let mut e = Encoder::new();
    assert_eq!(
        encode(
            &mut e,
            &[
                (":method", "GET"),
                (":status", "404"),
                ("accept-encoding", "gzip, deflate")
            ]
        ),
        [0x82, 0x8d, 0x90]
    );
    assert_eq!(e.dynamic_table_size(), 0);
}

#[test]
fn rfc7541_2_3_repeated_fields_become_dynamic_indices() {
    let mut e = Encoder::new();
    let list = [
        (":authority", "example.org"),
        ("user-agent", "h2kit/0.1"),
        ("x-trace", "abc"),
    ];
    let first = encode(&mut e, &list);
    assert_eq!(kind(first[0]), "incremental");
    let second = encode(&mut e, &list);
    // Newest first: x-trace is 62, user-agent 63, :authority 64.
    assert_eq!(second, [0x80 | 64, 0x80 | 63, 0x80 | 62]);
    let mut d = Decoder::new(4096);
    decode(&mut d, &first);
    let fields = decode(&mut d, &second);
    assert_eq!(fields[1].value, "h2kit/0.1");
}

#[test]
fn rfc7541_6_2_names_are_reused_from_the_dynamic_table() {
    let mut e = Encoder::new();
    encode(&mut e, &[("x-custom", "one")]);
    let block = encode(&mut e, &[("x-custom", "two")]);
    // Incremental indexing with name index 62.
    assert_eq!(block[0], 0x40 | 62);
}

#[test]
fn rfc7541_6_2_3_authorization_is_never_indexed() {
    for name in ["authorization", "proxy-authorization"] {
        let mut e = Encoder::new();
        let block = encode(
            &mut e,
            &[(name, "Bearer abcdefghijklmnopqrstuvwxyz0123456789")],
        );
        assert_eq!(kind(block[0]), "never indexed", "{name}");
        assert_eq!(e.dynamic_table_size(), 0, "{name} stays out of the table");
        let fields = decode(&mut Decoder::new(4096), &block);
        assert!(fields[0].never_indexed);
        // Sent again, it is still a literal, not an index.
        let again = encode(
            &mut e,
            &[(name, "Bearer abcdefghijklmnopqrstuvwxyz0123456789")],
        );
        assert_eq!(kind(again[0]), "never indexed");
    }
}

#[test]
fn rfc7541_7_1_3_short_cookies_are_never_indexed_long_ones_are_indexed() {
    let mut e = Encoder::new();
    let block = encode(&mut e, &[("cookie", "name=wookie")]);
    assert_eq!(kind(block[0]), "never indexed");
    let block = encode(&mut e, &[("cookie", "session=0123456789abcdef0123456789")]);
    assert_eq!(kind(block[0]), "incremental");
    let again = encode(&mut e, &[("cookie", "session=0123456789abcdef0123456789")]);
    assert_eq!(again, [0x80 | 62]);
}

#[test]
fn set_cookie_is_never_indexed_by_option() {
    let mut e = Encoder::new();
    let block = encode(&mut e, &[("set-cookie", "id=a3fWa; Max-Age=2592000")]);
    assert_eq!(kind(block[0]), "without indexing", "volatile by default");
    e.set_never_index_set_cookie(true);
    let block = encode(&mut e, &[("set-cookie", "id=a3fWa; Max-Age=2592000")]);
    assert_eq!(kind(block[0]), "never indexed");
}

#[test]
fn caller_marked_fields_are_never_indexed() {
    let mut e = Encoder::new();
    let mut block = Vec::new();
    e.encode(
        [
            FieldRef::sensitive(b"x-api-key", b"k"),
            FieldRef::sensitive(b":method", b"GET"),
        ],
        &mut block,
    );
    let fields = decode(&mut Decoder::new(4096), &block);
    assert!(fields.iter().all(|f| f.never_indexed));
    assert_eq!(
        (&fields[1].name[..], &fields[1].value[..]),
        (&b":method"[..], &b"GET"[..])
    );
    // Even a field in the static table is sent as a literal: index 2's name.
    assert_eq!(block[block.len() - 5], 0x10 | 2);
    assert_eq!(e.dynamic_table_size(), 0);
}

#[test]
fn rfc7541_6_2_3_decoded_never_indexed_fields_are_forwarded_as_such() {
    let mut upstream = Vec::new();
    Encoder::new().encode([FieldRef::sensitive(b"x-secret", b"s3cr3t")], &mut upstream);
    let fields = decode(&mut Decoder::new(4096), &upstream);
    let mut downstream = Vec::new();
    Encoder::new().encode(&fields, &mut downstream);
    assert_eq!(kind(downstream[0]), "never indexed");
}

#[test]
fn volatile_fields_are_not_indexed() {
    let mut e = Encoder::new();
    for (name, value) in [
        (":path", "/a/b/c"),
        ("content-length", "1234"),
        ("etag", "\"abc\""),
        ("age", "12"),
        ("location", "/x"),
        ("if-none-match", "\"abc\""),
        ("if-modified-since", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ] {
        let block = encode(&mut e, &[(name, value)]);
        assert_eq!(kind(block[0]), "without indexing", "{name}");
    }
    assert_eq!(e.dynamic_table_size(), 0);
    e.set_index_everything(true);
    let block = encode(&mut e, &[(":path", "/a/b/c")]);
    assert_eq!(kind(block[0]), "incremental");
}

#[test]
fn entries_over_three_quarters_of_the_table_are_not_indexed() {
    let mut e = Encoder::new();
    // 4096 * 3/4 = 3072 = 5 + 3035 + 32.
    let big = "v".repeat(3036);
    let block = encode(&mut e, &[("x-big", &big)]);
    assert_eq!(kind(block[0]), "without indexing");
    let fits = "v".repeat(3035);
    let block = encode(&mut e, &[("x-big", &fits)]);
    assert_eq!(kind(block[0]), "incremental");
}

#[test]
fn rfc7541_5_2_huffman_only_when_shorter() {
    let mut e = Encoder::new();
    // "www.example.com": 12 octets Huffman-coded instead of 15.
    let block = encode(&mut e, &[(":authority", "www.example.com")]);
    assert_eq!(block[1], 0x80 | 12);
    // "307": 3 octets either way, so raw.
    let block = encode(&mut e, &[(":status", "307")]);
    assert_eq!(&block[1..], b"\x03307");
    // Bytes with long codes are longer Huffman-coded: raw.
    let block = encode(&mut e, &[("x-bin", "\u{1}\u{2}\u{3}")]);
    assert_eq!(&block[block.len() - 4..], b"\x03\x01\x02\x03");
    let mut e = Encoder::new();
    e.set_huffman(HuffmanMode::Never);
    let block = encode(&mut e, &[(":authority", "www.example.com")]);
    assert_eq!(block[1], 15);
}

#[test]
fn rfc7541_4_2_lowered_table_size_is_announced_at_the_next_block() {
    let mut e = Encoder::new();
    let mut d = Decoder::new(4096);
    let first = encode(&mut e, &[("x-a", "1"), ("x-b", "2")]);
    decode(&mut d, &first);
    e.set_max_table_size(100);
    d.set_max_table_size(100);
    let block = encode(&mut e, &[(":method", "GET")]);
    // 100 with a 5-bit prefix: 0x3f, 100 - 31 = 69.
    assert_eq!(block, [0x3f, 69, 0x82]);
    assert_eq!(
        e.dynamic_table_size(),
        72,
        "the encoder evicted as the decoder will"
    );
    decode(&mut d, &block);
    assert_eq!(d.dynamic_table().size(), 72);
    // Announced once only.
    assert_eq!(encode(&mut e, &[(":method", "GET")]), [0x82]);
}

#[test]
fn rfc7541_4_2_smallest_then_final_size_are_announced() {
    let mut e = Encoder::new();
    let mut d = Decoder::new(4096);
    decode(&mut d, &encode(&mut e, &[("x-a", "1")]));
    e.set_max_table_size(0);
    e.set_max_table_size(4096);
    d.set_max_table_size(0);
    d.set_max_table_size(4096);
    let block = encode(&mut e, &[(":method", "GET")]);
    assert_eq!(block, [0x20, 0x3f, 0xe1, 0x1f, 0x82]);
    assert_eq!(e.dynamic_table_size(), 0);
    decode(&mut d, &block);
    assert!(d.dynamic_table().is_empty());

    // Down twice: the smallest, then the final.
    let mut e = Encoder::new();
    e.set_max_table_size(100);
    e.set_max_table_size(200);
    let block = encode(&mut e, &[(":method", "GET")]);
    assert_eq!(block, [0x3f, 69, 0x3f, 0xa9, 0x01, 0x82]);
    // Down to a value, then a larger one still below the start: only 100,
    // then 200... and a plain decrease sends just the final size.
    let mut e = Encoder::new();
    e.set_max_table_size(200);
    e.set_max_table_size(100);
    assert_eq!(encode(&mut e, &[(":method", "GET")]), [0x3f, 69, 0x82]);
}

#[test]
fn table_size_limit_caps_what_the_peer_allows() {
    let mut e = Encoder::new();
    e.set_max_table_size(65536);
    assert_eq!(
        encode(&mut e, &[(":method", "GET")]),
        [0x82],
        "4096 is the default limit: no change"
    );
    e.set_table_size_limit(16384);
    let block = encode(&mut e, &[(":method", "GET")]);
    // 16384 - 31 = 16353 = 0x3fe1: 0xe1, 0x7f.
    assert_eq!(block, [0x3f, 0xe1, 0x7f, 0x82]);
    assert_eq!(e.dynamic_table_max_size(), 16384);
    e.set_table_size_limit(0);
    assert_eq!(encode(&mut e, &[(":method", "GET")]), [0x20, 0x82]);
    let block = encode(&mut e, &[("x-a", "1")]);
    assert_eq!(
        kind(block[0]),
        "without indexing",
        "nothing fits in a table of 0"
    );
}

#[test]
fn many_entries_use_multi_octet_indices() {
    let mut e = Encoder::with_table_size(65536);
    let mut d = Decoder::new(65536);
    let list: Vec<(String, String)> = (0..300)
        .map(|i| (format!("x-h{i}"), format!("v{i}")))
        .collect();
    let refs: Vec<(&str, &str)> = list.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    decode(&mut d, &encode(&mut e, &refs));
    let again = encode(&mut e, &refs);
    let fields = decode(&mut d, &again);
    let got: Vec<(&[u8], &[u8])> = fields.iter().map(|f| (&f.name[..], &f.value[..])).collect();
    let want: Vec<(&[u8], &[u8])> = refs
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    assert_eq!(got, want);
    // Indices 62..=361: 65 below 127 take one octet, the next 128 two,
    // the last 107 three.
    assert_eq!(again.len(), 65 + 2 * 128 + 3 * 107);
}

#[test]
fn encoder_and_decoder_tables_stay_identical_under_eviction() {
    let mut e = Encoder::with_table_size(256);
    let mut d = Decoder::new(256);
    for round in 0..50 {
        let value = format!("value-{}", round % 7);
        let list = [
            ("x-round", value.as_str()),
            ("x-const", "same"),
            ("x-other", "abcdefghijklmnopqrstuvwxyz"),
        ];
        let fields = decode(&mut d, &encode(&mut e, &list));
        assert_eq!(fields.len(), 3);
        let enc: Vec<(&[u8], &[u8])> = e.dynamic_table_entries().collect();
        let dec: Vec<(&[u8], &[u8])> = d.dynamic_table().iter().collect();
        assert_eq!(enc, dec, "round {round}");
        assert_eq!(e.dynamic_table_size(), d.dynamic_table().size());
    }
}

#[test]
fn same_fields_in_another_order_are_still_indexed() {
    let mut e = Encoder::new();
    let list = [("x-a", "1"), ("x-b", "2"), ("x-c", "3")];
    encode(&mut e, &list);
    assert_eq!(encode(&mut e, &list), [0x80 | 64, 0x80 | 63, 0x80 | 62]);
    let reversed = [("x-c", "3"), ("x-b", "2"), ("x-a", "1")];
    assert_eq!(encode(&mut e, &reversed), [0x80 | 62, 0x80 | 63, 0x80 | 64]);
    // A changed value at a hinted position falls back to the full search.
    let changed = [("x-a", "1"), ("x-b", "9"), ("x-c", "3")];
    let block = encode(&mut e, &changed);
    assert_eq!(block[0], 0x80 | 64);
    assert_eq!(kind(block[1]), "incremental");
    assert_eq!(block[block.len() - 1], 0x80 | 63, "x-c moved one down");
}

#[test]
fn set_cookie_indexed_before_the_option_is_not_referred_to_after() {
    let mut e = Encoder::new();
    e.set_index_everything(true);
    let list = [("set-cookie", "id=a3fWa; Max-Age=2592000")];
    encode(&mut e, &list);
    assert_eq!(encode(&mut e, &list), [0x80 | 62]);
    e.set_never_index_set_cookie(true);
    assert_eq!(kind(encode(&mut e, &list)[0]), "never indexed");
}
