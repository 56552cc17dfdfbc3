//! Fuzzes the HPACK decoder: two header blocks sharing one decoder, with a
//! table size and a header list limit picked by the input. Beyond "no panic",
//! it checks the decoder's invariants, and re-encodes whatever decoded to see
//! it decode again to the same list.
#![no_main]

use bytes::Bytes;
use h2kit_proto::hpack::{Decoder, Encoder, HeaderField};
use libfuzzer_sys::fuzz_target;

const TABLE_SIZES: [usize; 4] = [0, 64, 256, 4096];
const LIST_LIMITS: [usize; 4] = [usize::MAX, 65536, 1024, 100];

fuzz_target!(|data: &[u8]| {
    let [config, cut, rest @ ..] = data else { return };
    let table_size = TABLE_SIZES[(config & 3) as usize];
    let list_limit = LIST_LIMITS[((config >> 2) & 3) as usize];
    let cut = (*cut as usize).min(rest.len());
    let (first, second) = rest.split_at(cut);

    let mut decoder = Decoder::new(table_size);
    decoder.set_max_header_list_size(list_limit);
    if config & 0x10 != 0 {
        // Our SETTINGS lowered between blocks: the second block must announce it.
        decoder.set_max_table_size(table_size / 2);
    }
    for block in [first, second] {
        let mut fields: Vec<HeaderField> = Vec::new();
        let result = decoder.decode(&Bytes::copy_from_slice(block), |f| fields.push(f));
        let table = decoder.dynamic_table();
        assert!(table.size() <= table.max_size());
        assert!(table.max_size() <= table_size);
        match result {
            Ok(()) => {
                let total: usize = fields.iter().map(HeaderField::size).sum();
                assert!(total <= list_limit);
                roundtrip(&fields);
            }
            Err(e) if e.is_compression_error() => return,
            Err(_) => {}
        }
    }
});

/// Encodes `fields` and decodes them again: the list must come back, with
/// never-indexed fields still marked.
fn roundtrip(fields: &[HeaderField]) {
    let mut encoder = Encoder::new();
    let mut block = Vec::new();
    encoder.encode(fields, &mut block);
    let mut decoder = Decoder::new(4096);
    decoder.set_max_header_list_size(usize::MAX);
    let mut again = Vec::new();
    decoder
        .decode(&Bytes::from(block), |f| again.push(f))
        .expect("h2kit decodes what it encodes");
    assert_eq!(again.len(), fields.len());
    for (a, b) in again.iter().zip(fields) {
        assert_eq!((&a.name, &a.value), (&b.name, &b.value));
        assert!(a.never_indexed || !b.never_indexed);
    }
}
