//! Property tests of the HPACK codec: whatever header lists, table size
//! changes and encoder options, encode → decode gives the lists back, and the
//! two dynamic tables stay identical; whatever bytes, the decoder returns
//! rather than panics.

use bytes::Bytes;
use h2kit_proto::hpack::{Decoder, Encoder, FieldRef, HuffmanMode};
use proptest::prelude::*;

/// A field: a name (often one the static table or the encoder's rules know),
/// a value (often repeated), and a sensitive flag.
fn field() -> impl Strategy<Value = (Vec<u8>, Vec<u8>, bool)> {
    let name = prop_oneof![
        prop::sample::select(vec![
            ":method",
            ":path",
            ":authority",
            ":status",
            "cookie",
            "set-cookie",
            "authorization",
            "accept-encoding",
            "user-agent",
            "content-length",
            "x-custom",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        "[a-z0-9-]{1,12}".prop_map(|s| s.into_bytes()),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    let value = prop_oneof![
        prop::sample::select(vec!["", "GET", "/", "200", "gzip, deflate", "same-value"])
            .prop_map(|s| s.as_bytes().to_vec()),
        "[ -~]{0,40}".prop_map(|s| s.into_bytes()),
        prop::collection::vec(any::<u8>(), 0..300),
    ];
    (name, value, prop::bool::weighted(0.1))
}

/// Between blocks: nothing, or the peer's table size changing once or twice.
fn size_changes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![Just(0usize), 0usize..300, 0usize..5000], 0..3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_gives_the_lists_back(
        blocks in prop::collection::vec(
            (size_changes(), prop::collection::vec(field(), 0..12)),
            1..8,
        ),
        huffman in prop::sample::select(vec![HuffmanMode::WhenShorter, HuffmanMode::Never, HuffmanMode::Always]),
        index_everything in any::<bool>(),
        limit in prop_oneof![Just(4096usize), 0usize..600, 4096usize..20000],
    ) {
        let mut encoder = Encoder::new();
        encoder.set_huffman(huffman);
        encoder.set_index_everything(index_everything);
        encoder.set_table_size_limit(limit);
        let mut decoder = Decoder::new(4096);
        decoder.set_max_header_list_size(usize::MAX);
        for (changes, list) in &blocks {
            for &size in changes {
                encoder.set_max_table_size(size);
                decoder.set_max_table_size(size);
            }
            let mut block = Vec::new();
            encoder.encode(
                list.iter().map(|(n, v, s)| FieldRef { name: n, value: v, sensitive: *s }),
                &mut block,
            );
            let mut decoded = Vec::new();
            decoder.decode(&Bytes::from(block), |f| decoded.push(f)).map_err(|e| {
                TestCaseError::fail(format!("decode failed: {e}"))
            })?;
            prop_assert_eq!(decoded.len(), list.len());
            for (got, (name, value, sensitive)) in decoded.iter().zip(list) {
                prop_assert_eq!(&got.name[..], &name[..]);
                prop_assert_eq!(&got.value[..], &value[..]);
                if *sensitive {
                    prop_assert!(got.never_indexed, "sensitive field sent indexable");
                }
            }
            let enc: Vec<(&[u8], &[u8])> = encoder.dynamic_table_entries().collect();
            let dec: Vec<(&[u8], &[u8])> =
                decoder.dynamic_table().iter().collect();
            prop_assert_eq!(enc, dec);
            prop_assert!(decoder.dynamic_table().size() <= decoder.max_table_size());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        blocks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..4),
        table_size in prop_oneof![Just(4096usize), 0usize..300],
        list_limit in prop_oneof![Just(usize::MAX), 0usize..2000],
    ) {
        let mut decoder = Decoder::new(table_size);
        decoder.set_max_header_list_size(list_limit);
        for block in blocks {
            let mut total = 0usize;
            let result = decoder.decode(&Bytes::from(block), |f| total += f.size());
            if result.is_ok() {
                prop_assert!(total <= list_limit);
            }
            prop_assert!(decoder.dynamic_table().size() <= decoder.dynamic_table().max_size());
            if let Err(e) = result {
                if e.is_compression_error() {
                    break;
                }
            }
        }
    }

    #[test]
    fn mutated_valid_blocks_never_panic(
        list in prop::collection::vec(field(), 1..10),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        cut in any::<usize>(),
    ) {
        let mut block = Vec::new();
        Encoder::new().encode(list.iter().map(|(n, v, s)| FieldRef { name: n, value: v, sensitive: *s }), &mut block);
        for (at, x) in flips {
            if !block.is_empty() {
                let i = at % block.len();
                block[i] ^= x;
            }
        }
        block.truncate(cut % (block.len() + 1));
        let mut decoder = Decoder::new(4096);
        let _ = decoder.decode(&Bytes::from(block), |_| {});
    }
}
