//! Allocation behaviour of the HPACK codec, counted by a global allocator:
//! a connection's steady state allocates nothing per header block, and an
//! "HPACK bomb" is refused without allocating its expansion.

use bytes::Bytes;
use h2kit_proto::hpack::{
    DEFAULT_MAX_HEADER_LIST_SIZE, DecodeError, Decoder, Encoder, HeaderField,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts allocations and allocated bytes of the current thread while
/// enabled, so tests running in parallel do not disturb each other.
struct CountingAlloc;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

fn record(size: usize) {
    if ENABLED.with(Cell::get) {
        COUNT.with(|c| c.set(c.get() + 1));
        BYTES.with(|b| b.set(b.get() + size));
    }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Runs `f` and returns (allocations, bytes allocated) it made.
fn counted(f: impl FnOnce()) -> (usize, usize) {
    COUNT.with(|c| c.set(0));
    BYTES.with(|b| b.set(0));
    ENABLED.with(|e| e.set(true));
    f();
    ENABLED.with(|e| e.set(false));
    (COUNT.with(Cell::get), BYTES.with(Cell::get))
}

fn request(i: usize) -> Vec<(String, String)> {
    [
        (":method", "GET".to_string()),
        (":scheme", "https".to_string()),
        (":authority", "example.org".to_string()),
        (":path", format!("/item/{i}?view=full")),
        (
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) h2kit-test/1.0".to_string(),
        ),
        ("accept", "text/html,application/xhtml+xml".to_string()),
        ("accept-language", "en-US,en;q=0.8".to_string()),
        ("cookie", format!("id={}", i % 7)),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), v))
    .collect()
}

#[test]
fn steady_state_encoding_allocates_nothing_per_block() {
    let requests: Vec<_> = (0..200).map(request).collect();
    let mut encoder = Encoder::new();
    let mut out = Vec::with_capacity(64 * 1024);
    let encode = |encoder: &mut Encoder, out: &mut Vec<u8>, r: &[(String, String)]| {
        encoder.encode(r.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())), out);
    };
    // The first block fills the table and sizes its containers.
    let (first, _) = counted(|| encode(&mut encoder, &mut out, &requests[0]));
    assert!(first <= 8, "{first} allocations for the first block");
    let (rest, _) = counted(|| {
        for r in &requests[1..] {
            encode(&mut encoder, &mut out, r);
        }
    });
    assert_eq!(rest, 0, "allocations over 199 further blocks");
}

#[test]
fn steady_state_decoding_allocates_nothing_per_block() {
    let mut encoder = Encoder::new();
    let blocks: Vec<Bytes> = (0..200)
        .map(|i| {
            let mut b = Vec::new();
            encoder.encode(
                request(i).iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
                &mut b,
            );
            Bytes::from(b)
        })
        .collect();
    let mut decoder = Decoder::new(4096);
    let mut fields: Vec<HeaderField> = Vec::with_capacity(16);
    let (first, _) = counted(|| {
        decoder.decode(&blocks[0], |f| fields.push(f)).unwrap();
        fields.clear();
    });
    assert!(first <= 8, "{first} allocations for the first block");
    let (rest, _) = counted(|| {
        for block in &blocks[1..] {
            decoder.decode(block, |f| fields.push(f)).unwrap();
            assert_eq!(fields.len(), 8);
            fields.clear();
        }
    });
    // Huffman-coded literals go to a reusable buffer: once the fields of a
    // block are dropped, the next block reuses it.
    assert_eq!(rest, 0, "allocations over 199 further blocks");
}

#[test]
fn hpack_bomb_is_refused_before_its_expansion_is_allocated() {
    // A 4,000-octet entry, then a 20,000-octet block of one-octet references
    // to it: 80 MB of header list.
    let mut decoder = Decoder::new(4096);
    let mut insert = Vec::new();
    let mut encoder = Encoder::new();
    let big = "b".repeat(3000);
    encoder.encode([("x-big", big.as_str())], &mut insert);
    decoder.decode(&Bytes::from(insert), |_| {}).unwrap();
    assert_eq!(decoder.dynamic_table().len(), 1);

    let bomb = Bytes::from(vec![0x80 | 62; 20_000]);
    let mut fields = Vec::new();
    let (allocations, bytes) = counted(|| {
        let err = decoder.decode(&bomb, |f| fields.push(f)).unwrap_err();
        assert_eq!(
            err,
            DecodeError::HeaderListTooLarge {
                max: DEFAULT_MAX_HEADER_LIST_SIZE
            }
        );
    });
    // Only the fields within the limit (21 of them) were delivered, as
    // shared references: the Vec holding them is all that was allocated.
    assert!(
        fields.len() <= DEFAULT_MAX_HEADER_LIST_SIZE / 3000,
        "{} fields",
        fields.len()
    );
    assert!(
        bytes < 8 * 1024,
        "{bytes} bytes in {allocations} allocations"
    );
}
