//! HPACK side by side: h2kit, the `h2` crate (hyper's HTTP/2; its HPACK is
//! private, so HEADERS frames go through `h2::Codec` over memory, and h2kit's
//! blocks go through its frame layer the way its connection sends and reads
//! them) and `httlib-hpack` (pure HPACK).
//!
//! Workloads:
//! - `request`: one connection's 1,000 requests shaped like the HTTP/1
//!   benchmark request (same fields as h2 pseudo-headers, varying path and
//!   cookie), with a fresh encoder and decoder per round.
//! - `corpus`: every hpack-test-case story: decoding each implementation's
//!   wire blocks, and encoding the raw-data header lists.
//!
//! ```sh
//! cargo bench -p h2kit-proto --bench hpack -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! After criterion's report, a summary prints per-block times, ratios,
//! output sizes and allocation counts (counted in a separate, untimed pass).

#[path = "../examples/hpack_conformance/stories.rs"]
mod stories;

use bytes::{Buf, Bytes, BytesMut};
use criterion::{BatchSize, Criterion, Throughput};
use h2kit_proto::frame::{
    FRAME_HEADER_LEN, Frame, FrameDecoder, FrameHeader, FrameType, StreamId, flags,
};
use h2kit_proto::hpack::{Decoder, Encoder, HeaderField};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Allocation counting (enabled only in the untimed counting pass).

struct CountingAlloc;
static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn count_allocations(f: impl FnOnce()) -> usize {
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    f();
    COUNTING.store(false, Ordering::SeqCst);
    ALLOCATIONS.load(Ordering::SeqCst)
}

// ---------------------------------------------------------------------------
// The request workload.

const REQUESTS: usize = 1000;

/// One request's fields, in h2 pseudo-header form. `Connection: keep-alive`
/// of the HTTP/1 request is dropped: it is connection-specific, not allowed
/// in HTTP/2 (RFC 9113 §8.2.2).
fn request_workload() -> Vec<Vec<(String, String)>> {
    (0..REQUESTS)
        .map(|i| {
            let fields = [
                (":method", "GET".to_string()),
                (":scheme", "http".to_string()),
                (":authority", "127.0.0.1:8090".to_string()),
                (":path", format!("/items/{}/detail.html?page={}", i % 97, i)),
                ("cache-control", "max-age=0".to_string()),
                (
                    "accept",
                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8".to_string(),
                ),
                (
                    "user-agent",
                    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.17 (KHTML, like Gecko) \
                     Chrome/24.0.1312.56 Safari/537.17"
                        .to_string(),
                ),
                ("accept-encoding", "gzip,deflate,sdch".to_string()),
                ("accept-language", "en-US,en;q=0.8".to_string()),
                (
                    "accept-charset",
                    "ISO-8859-1,utf-8;q=0.7,*;q=0.3".to_string(),
                ),
                ("cookie", format!("name=wookie{}", i % 10)),
            ];
            fields
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------
// h2kit: HPACK blocks in HEADERS frames, framed as the h2kit connection does
// (`frame::FrameHeader` plus the block) and read back with `FrameDecoder`.

/// Encodes one field list as a HEADERS frame (END_STREAM, END_HEADERS)
/// appended to `out`, via the reusable `block` buffer.
fn h2kit_encode_frame<'a, I, F>(
    encoder: &mut Encoder,
    block: &mut BytesMut,
    stream_id: u32,
    fields: I,
    out: &mut BytesMut,
) where
    I: IntoIterator<Item = F>,
    F: Into<h2kit_proto::hpack::FieldRef<'a>>,
{
    block.clear();
    encoder.encode(fields, block);
    assert!(block.len() < 1 << 14, "block fits one frame");
    FrameHeader {
        length: block.len() as u32,
        kind: FrameType::HEADERS,
        flags: flags::END_STREAM | flags::END_HEADERS,
        stream_id: StreamId::new(stream_id),
    }
    .encode(out);
    out.extend_from_slice(block);
}

fn h2kit_encode_requests(
    requests: &[Vec<(String, String)>],
    block: &mut BytesMut,
    out: &mut BytesMut,
) {
    let mut encoder = Encoder::new();
    out.clear();
    for (i, req) in requests.iter().enumerate() {
        let fields = req.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes()));
        h2kit_encode_frame(&mut encoder, block, 2 * i as u32 + 1, fields, out);
    }
}

/// Decodes a stream of HEADERS frames with `FrameDecoder` and the HPACK
/// decoder; returns the number of fields.
fn h2kit_decode_frames(stream: &Bytes, fields: &mut Vec<HeaderField>) -> usize {
    let mut frames = FrameDecoder::new();
    let mut decoder = Decoder::new(4096);
    let mut buf = BytesMut::from(&stream[..]);
    let mut count = 0;
    while let Some(frame) = frames.decode(&mut buf).expect("h2kit frames decode") {
        let Frame::Headers(headers) = frame else {
            panic!("unexpected frame {frame:?}")
        };
        decoder
            .decode(&headers.fragment, |f| fields.push(f))
            .expect("h2kit decodes");
        count += fields.len();
        fields.clear();
    }
    count
}

// ---------------------------------------------------------------------------
// h2: HEADERS frames through h2::Codec over an in-memory transport.

#[derive(Default)]
struct MemIo {
    read: Bytes,
    written: Vec<u8>,
}

impl tokio::io::AsyncRead for MemIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = buf.remaining().min(self.read.len());
        buf.put_slice(&self.read[..n]);
        self.read.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for MemIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

type H2Codec = h2::Codec<MemIo, Bytes>;

/// An h2 HEADERS frame for a field list: pseudo-headers into `Pseudo`, the
/// rest into a `HeaderMap`. `None` if h2's types refuse a name or value.
fn h2_frame(stream_id: u32, list: &[(Vec<u8>, Vec<u8>)]) -> Option<h2::frame::Headers> {
    use h2::frame::{BytesStr, Pseudo};
    let mut pseudo = Pseudo {
        method: None,
        scheme: None,
        authority: None,
        path: None,
        protocol: None,
        status: None,
    };
    let mut map = http::HeaderMap::new();
    let text = |v: &[u8]| BytesStr::try_from(Bytes::copy_from_slice(v)).ok();
    for (name, value) in list {
        match &name[..] {
            b":method" => pseudo.method = Some(http::Method::from_bytes(value).ok()?),
            b":scheme" => pseudo.scheme = Some(text(value)?),
            b":authority" => pseudo.authority = Some(text(value)?),
            b":path" => pseudo.path = Some(text(value)?),
            b":status" => {
                pseudo.status = Some(http::StatusCode::from_bytes(value).ok()?);
            }
            n if n.starts_with(b":") => return None,
            _ => {
                let name = http::HeaderName::from_bytes(name).ok()?;
                let value = http::HeaderValue::from_bytes(value).ok()?;
                map.append(name, value);
            }
        }
    }
    let mut frame = h2::frame::Headers::new(h2::frame::StreamId::from(stream_id), pseudo, map);
    frame.set_end_stream();
    Some(frame)
}

fn h2_encode(frames: Vec<h2::frame::Headers>) -> Vec<u8> {
    let mut cx = Context::from_waker(Waker::noop());
    // The transport's buffer is sized up front, as h2kit's output buffer
    // is, so that only the codec's own allocations are counted.
    let io = MemIo {
        read: Bytes::new(),
        written: Vec::with_capacity(1 << 20),
    };
    let mut codec: H2Codec = h2::Codec::new(io);
    for frame in frames {
        assert!(matches!(codec.poll_ready(&mut cx), Poll::Ready(Ok(()))));
        codec.buffer(frame.into()).expect("h2 buffers");
    }
    assert!(matches!(codec.flush(&mut cx), Poll::Ready(Ok(()))));
    std::mem::take(&mut codec.get_mut().written)
}

/// Reads every frame of `stream` with h2's codec; returns (headers frames
/// read, errors).
fn h2_decode(stream: &Bytes, table_sizes: &[(usize, usize)]) -> (usize, usize) {
    use futures_core::Stream;
    let mut cx = Context::from_waker(Waker::noop());
    let mut codec: H2Codec = h2::Codec::new(MemIo {
        read: stream.clone(),
        written: Vec::new(),
    });
    codec.set_max_recv_header_list_size(usize::MAX >> 1);
    let (mut frames, mut errors) = (0, 0);
    let mut sizes = table_sizes.iter().peekable();
    loop {
        if let Some(&&(at, size)) = sizes.peek() {
            if at == frames + errors {
                codec.set_recv_header_table_size(size);
                sizes.next();
            }
        }
        match Pin::new(&mut codec).poll_next(&mut cx) {
            Poll::Ready(Some(Ok(h2::frame::Frame::Headers(h)))) => {
                black_box(h);
                frames += 1;
            }
            Poll::Ready(Some(Ok(_))) => {}
            Poll::Ready(Some(Err(e))) => {
                if errors == 0 && std::env::var_os("H2KIT_BENCH_DEBUG").is_some() {
                    eprintln!("h2 refused a frame: {e:?}");
                }
                errors += 1
            }
            Poll::Ready(None) | Poll::Pending => break,
        }
    }
    (frames, errors)
}

// ---------------------------------------------------------------------------
// httlib-hpack: pure HPACK.

fn httlib_flags(name: &[u8], value: &[u8]) -> u8 {
    use httlib_hpack::Encoder as E;
    let base = E::HUFFMAN_NAME | E::HUFFMAN_VALUE | E::BEST_FORMAT;
    match name {
        b"authorization" | b"proxy-authorization" => base | E::NEVER_INDEXED,
        b"cookie" if value.len() < 20 => base | E::NEVER_INDEXED,
        b":path" | b"content-length" | b"etag" | b"age" | b"location" | b"set-cookie" => base,
        _ => base | E::WITH_INDEXING,
    }
}

fn httlib_encode_blocks(blocks: &[Vec<(Vec<u8>, Vec<u8>)>]) -> Vec<Vec<u8>> {
    let mut encoder = httlib_hpack::Encoder::default();
    blocks
        .iter()
        .map(|list| {
            let mut dst = Vec::new();
            for (n, v) in list {
                let flags = httlib_flags(n, v);
                encoder
                    .encode((n.clone(), v.clone(), flags), &mut dst)
                    .expect("httlib encodes");
            }
            dst
        })
        .collect()
}

/// Decodes one story's blocks, applying its table size changes.
fn httlib_decode_story(sizes: &[(usize, usize)], blocks: &[Vec<u8>]) -> usize {
    let mut decoder = httlib_hpack::Decoder::default();
    let mut buf = Vec::new();
    let mut fields = Vec::new();
    let mut count = 0;
    for (i, block) in blocks.iter().enumerate() {
        if let Some(&(_, size)) = sizes.iter().find(|&&(at, _)| at == i) {
            decoder.set_max_dynamic_size(size as u32);
        }
        buf.clear();
        buf.extend_from_slice(block);
        decoder
            .decode(&mut buf, &mut fields)
            .expect("httlib decodes");
        count += fields.len();
        fields.clear();
    }
    count
}

fn httlib_decode_blocks(blocks: &[Vec<u8>]) -> usize {
    let mut decoder = httlib_hpack::Decoder::default();
    let mut buf = Vec::new();
    let mut fields = Vec::new();
    let mut count = 0;
    for block in blocks {
        buf.clear();
        buf.extend_from_slice(block);
        decoder
            .decode(&mut buf, &mut fields)
            .expect("httlib decodes");
        count += fields.len();
        fields.clear();
    }
    count
}

// ---------------------------------------------------------------------------
// The corpus.

/// A header list as owned (name, value) pairs.
type HeaderList = Vec<(Vec<u8>, Vec<u8>)>;
/// Table size changes in a story: (case number, new size).
type TableSizeChanges = Vec<(usize, usize)>;

struct Corpus {
    /// Per story with wire blocks: (table size changes as (case, size),
    /// blocks).
    wired: Vec<(TableSizeChanges, Vec<Bytes>)>,
    /// Per raw-data story: its header lists.
    raw: Vec<Vec<HeaderList>>,
}

fn shared_dir() -> PathBuf {
    match std::env::var_os("H2KIT_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn load_corpus() -> Corpus {
    let root = shared_dir().join("testdata/hpack-test-case");
    let mut corpus = Corpus {
        wired: Vec::new(),
        raw: Vec::new(),
    };
    for (dir, paths) in stories::corpus(&root).expect("hpack-test-case corpus") {
        for path in paths {
            let story = stories::load_story(&path).expect("story");
            if dir == "raw-data" {
                corpus
                    .raw
                    .push(story.cases.iter().map(|c| c.headers.clone()).collect());
                continue;
            }
            let mut sizes = Vec::new();
            // One contiguous buffer per story, as h2 reads its frames from
            // one stream, so that both decoders see the same memory layout.
            let mut all = Vec::new();
            let mut ranges = Vec::new();
            for (i, case) in story.cases.iter().enumerate() {
                let Some(wire) = &case.wire else { continue };
                if let Some(size) = case.header_table_size {
                    if size != 4096 || i > 0 {
                        sizes.push((i, size));
                    }
                }
                ranges.push(all.len()..all.len() + wire.len());
                all.extend_from_slice(wire);
            }
            let all = Bytes::from(all);
            let blocks = ranges.into_iter().map(|r| all.slice(r)).collect();
            corpus.wired.push((sizes, blocks));
        }
    }
    assert!(
        !corpus.wired.is_empty() && !corpus.raw.is_empty(),
        "corpus is empty"
    );
    corpus
}

fn h2kit_decode_corpus(corpus: &Corpus, fields: &mut Vec<HeaderField>) -> usize {
    let mut count = 0;
    for (sizes, blocks) in &corpus.wired {
        let mut decoder = Decoder::new(4096);
        let mut sizes = sizes.iter().peekable();
        for (i, block) in blocks.iter().enumerate() {
            if let Some(&&(at, size)) = sizes.peek() {
                if at == i {
                    decoder.set_max_table_size(size);
                    sizes.next();
                }
            }
            decoder.decode(block, |f| fields.push(f)).expect("decodes");
            count += fields.len();
            fields.clear();
        }
    }
    count
}

fn h2kit_encode_corpus(corpus: &Corpus, out: &mut Vec<u8>) -> usize {
    let mut total = 0;
    for story in &corpus.raw {
        let mut encoder = Encoder::new();
        for list in story {
            out.clear();
            encoder.encode(list.iter().map(|(n, v)| (&n[..], &v[..])), out);
            total += out.len();
        }
    }
    total
}

/// h2-framed corpus streams: per wired story, its blocks as HEADERS frames.
fn frame_corpus(corpus: &Corpus) -> Vec<(TableSizeChanges, Bytes)> {
    corpus
        .wired
        .iter()
        .map(|(sizes, blocks)| {
            let mut out = BytesMut::new();
            for (i, block) in blocks.iter().enumerate() {
                FrameHeader {
                    length: block.len() as u32,
                    kind: FrameType::HEADERS,
                    flags: flags::END_STREAM | flags::END_HEADERS,
                    stream_id: StreamId::new(2 * i as u32 + 1),
                }
                .encode(&mut out);
                out.extend_from_slice(block);
            }
            (sizes.clone(), out.freeze())
        })
        .collect()
}

// ---------------------------------------------------------------------------

fn criterion_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CRITERION_HOME") {
        PathBuf::from(dir)
    } else if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        PathBuf::from(dir).join("criterion")
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/criterion")
    }
}

/// Benchmarks run by this process (criterion skips filtered-out ones), so
/// the summary never shows figures left over from an earlier run.
static RAN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn mark(group: &str, id: &str) {
    RAN.lock().unwrap().push(format!("{group}/{id}"));
}

/// The median criterion measured for a benchmark in this run, in ns per
/// iteration.
fn median_ns(group: &str, id: &str) -> Option<f64> {
    if !RAN.lock().unwrap().contains(&format!("{group}/{id}")) {
        return None;
    }
    let path = criterion_dir()
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// Times `ours` and `theirs` alternately, `pairs` times each (each closure
/// does its own untimed setup and returns the time of its work), and returns
/// the medians of each and of the ratio theirs/ours. On a machine shared with
/// other work, load changes between criterion's separate measurements;
/// alternating exposes both sides to the same load.
fn interleaved(
    pairs: usize,
    mut ours: impl FnMut() -> Duration,
    mut theirs: impl FnMut() -> Duration,
) -> (f64, f64, f64) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut a, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..pairs {
        let (x, y) = if i % 2 == 0 {
            let x = ours();
            (x, theirs())
        } else {
            let y = theirs();
            (ours(), y)
        };
        let (x, y) = (x.as_secs_f64() * 1e9, y.as_secs_f64() * 1e9);
        a.push(x);
        b.push(y);
        r.push(y / x);
    }
    (median(a), median(b), median(r))
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn main() {
    let requests = request_workload();
    let request_lists: Vec<Vec<(Vec<u8>, Vec<u8>)>> = requests
        .iter()
        .map(|r| {
            r.iter()
                .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect()
        })
        .collect();

    // Encoded once, to decode in the timed loops (each codec decodes its own
    // encoding).
    let mut h2kit_stream = BytesMut::new();
    let mut block = BytesMut::with_capacity(1024);
    h2kit_encode_requests(&requests, &mut block, &mut h2kit_stream);
    let h2kit_stream = h2kit_stream.freeze();
    let h2_frames = || -> Vec<h2::frame::Headers> {
        request_lists
            .iter()
            .enumerate()
            .map(|(i, l)| h2_frame(2 * i as u32 + 1, l).expect("h2 accepts the request"))
            .collect()
    };
    let h2_stream = Bytes::from(h2_encode(h2_frames()));
    let httlib_blocks = httlib_encode_blocks(&request_lists);

    // Everyone decodes to the same lists.
    let mut fields = Vec::new();
    assert_eq!(
        h2kit_decode_frames(&h2kit_stream, &mut fields),
        REQUESTS * 11
    );
    assert_eq!(h2_decode(&h2_stream, &[]), (REQUESTS, 0));
    assert_eq!(httlib_decode_blocks(&httlib_blocks), REQUESTS * 11);

    let corpus = load_corpus();
    let corpus_blocks: usize = corpus.wired.iter().map(|(_, b)| b.len()).sum();
    let corpus_lists: usize = corpus.raw.iter().map(Vec::len).sum();
    let h2_corpus = frame_corpus(&corpus);
    let httlib_corpus: Vec<(TableSizeChanges, Vec<Vec<u8>>)> = corpus
        .wired
        .iter()
        .map(|(sizes, blocks)| (sizes.clone(), blocks.iter().map(|b| b.to_vec()).collect()))
        .collect();
    let (h2_read, h2_errors) = h2_corpus
        .iter()
        .map(|(sizes, stream)| h2_decode(stream, sizes))
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    let h2_corpus_frames = || -> Vec<Vec<h2::frame::Headers>> {
        corpus
            .raw
            .iter()
            .map(|story| {
                story
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| h2_frame(2 * i as u32 + 1, l))
                    .collect()
            })
            .collect()
    };
    let h2_encodable: usize = h2_corpus_frames().iter().map(Vec::len).sum();

    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();

    {
        let mut g = c.benchmark_group("hpack_request");
        g.throughput(Throughput::Elements(REQUESTS as u64));
        let mut out = BytesMut::with_capacity(h2kit_stream.len());
        g.bench_function("h2kit_encode", |b| {
            mark("hpack_request", "h2kit_encode");
            b.iter(|| h2kit_encode_requests(black_box(&requests), &mut block, &mut out))
        });
        g.bench_function("h2_encode", |b| {
            mark("hpack_request", "h2_encode");
            b.iter_batched(
                h2_frames,
                |frames| black_box(h2_encode(frames)),
                BatchSize::LargeInput,
            )
        });
        g.bench_function("httlib_encode", |b| {
            mark("hpack_request", "httlib_encode");
            b.iter(|| black_box(httlib_encode_blocks(black_box(&request_lists))))
        });
        let mut fields = Vec::with_capacity(16);
        g.bench_function("h2kit_decode", |b| {
            mark("hpack_request", "h2kit_decode");
            b.iter(|| h2kit_decode_frames(black_box(&h2kit_stream), &mut fields))
        });
        g.bench_function("h2_decode", |b| {
            mark("hpack_request", "h2_decode");
            b.iter(|| h2_decode(black_box(&h2_stream), &[]))
        });
        g.bench_function("httlib_decode", |b| {
            mark("hpack_request", "httlib_decode");
            b.iter(|| httlib_decode_blocks(black_box(&httlib_blocks)))
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("hpack_corpus");
        let mut fields = Vec::with_capacity(64);
        let mut out = Vec::with_capacity(4096);
        g.bench_function("h2kit_decode", |b| {
            mark("hpack_corpus", "h2kit_decode");
            b.iter(|| h2kit_decode_corpus(black_box(&corpus), &mut fields))
        });
        g.bench_function("h2_decode", |b| {
            mark("hpack_corpus", "h2_decode");
            b.iter(|| {
                for (sizes, stream) in &h2_corpus {
                    black_box(h2_decode(stream, sizes));
                }
            })
        });
        g.bench_function("httlib_decode", |b| {
            mark("hpack_corpus", "httlib_decode");
            b.iter(|| {
                for (sizes, blocks) in &httlib_corpus {
                    black_box(httlib_decode_story(sizes, blocks));
                }
            })
        });
        g.bench_function("h2kit_encode", |b| {
            mark("hpack_corpus", "h2kit_encode");
            b.iter(|| h2kit_encode_corpus(black_box(&corpus), &mut out))
        });
        g.bench_function("h2_encode", |b| {
            mark("hpack_corpus", "h2_encode");
            b.iter_batched(
                h2_corpus_frames,
                |stories| {
                    for frames in stories {
                        black_box(h2_encode(frames));
                    }
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function("httlib_encode", |b| {
            mark("hpack_corpus", "httlib_encode");
            b.iter(|| {
                for story in &corpus.raw {
                    black_box(httlib_encode_blocks(story));
                }
            })
        });
        g.finish();
    }
    c.final_summary();

    // ---- Summary: per block, ratios, sizes, allocations. ----
    let per = |group: &str, id: &str, n: usize| median_ns(group, id).map(|t| t / n as f64);
    let show = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.0}"));
    let ratio = |peer: Option<f64>, ours: Option<f64>| match (peer, ours) {
        (Some(p), Some(o)) => format!("{:.2}x", p / o),
        _ => "n/a".into(),
    };

    let mut out = BytesMut::with_capacity(h2kit_stream.len());
    let enc_allocs = count_allocations(|| h2kit_encode_requests(&requests, &mut block, &mut out));
    let mut fields = Vec::with_capacity(16);
    let dec_allocs = count_allocations(|| {
        h2kit_decode_frames(&h2kit_stream, &mut fields);
    });
    let frames = h2_frames();
    let h2_enc_allocs = count_allocations(|| {
        black_box(h2_encode(frames));
    });
    let h2_dec_allocs = count_allocations(|| {
        black_box(h2_decode(&h2_stream, &[]));
    });
    let httlib_enc_allocs = count_allocations(|| {
        black_box(httlib_encode_blocks(&request_lists));
    });
    let httlib_dec_allocs = count_allocations(|| {
        black_box(httlib_decode_blocks(&httlib_blocks));
    });
    let httlib_bytes: usize = httlib_blocks.iter().map(Vec::len).sum();

    let g = "hpack_request";
    let (ke, kd) = (
        per(g, "h2kit_encode", REQUESTS),
        per(g, "h2kit_decode", REQUESTS),
    );
    let (he, hd) = (per(g, "h2_encode", REQUESTS), per(g, "h2_decode", REQUESTS));
    let (te, td) = (
        per(g, "httlib_encode", REQUESTS),
        per(g, "httlib_decode", REQUESTS),
    );
    let pa = |n: usize| n.to_string();
    println!();
    println!("== HPACK, request workload: {REQUESTS} requests per connection, per header block ==");
    println!(
        "{:<14} {:>10} {:>10} {:>14} {:>12} {:>12}",
        "", "encode ns", "decode ns", "octets/block", "allocs/1k enc", "allocs/1k dec"
    );
    println!(
        "{:<14} {:>10} {:>10} {:>14.1} {:>12} {:>12}   (HEADERS frames, 9-octet header included)",
        "h2kit",
        show(ke),
        show(kd),
        h2kit_stream.len() as f64 / REQUESTS as f64,
        pa(enc_allocs),
        pa(dec_allocs)
    );
    println!(
        "{:<14} {:>10} {:>10} {:>14.1} {:>12} {:>12}   (h2::Codec HEADERS frames)",
        "h2",
        show(he),
        show(hd),
        h2_stream.len() as f64 / REQUESTS as f64,
        pa(h2_enc_allocs),
        pa(h2_dec_allocs)
    );
    println!(
        "{:<14} {:>10} {:>10} {:>14.1} {:>12} {:>12}   (HPACK only, no frame header)",
        "httlib-hpack",
        show(te),
        show(td),
        httlib_bytes as f64 / REQUESTS as f64,
        pa(httlib_enc_allocs),
        pa(httlib_dec_allocs)
    );
    println!(
        "h2kit speed-up: vs h2 encode {} decode {}; vs httlib-hpack encode {} decode {}",
        ratio(he, ke),
        ratio(hd, kd),
        ratio(te, ke),
        ratio(td, kd)
    );

    let g = "hpack_corpus";
    let mut out = Vec::new();
    let h2kit_corpus_bytes = h2kit_encode_corpus(&corpus, &mut out);
    let h2_corpus_bytes: usize = h2_corpus_frames()
        .into_iter()
        .map(|frames| {
            let n = frames.len();
            h2_encode(frames).len() - FRAME_HEADER_LEN * n
        })
        .sum();
    let (kd, hd, td) = (
        per(g, "h2kit_decode", corpus_blocks),
        per(g, "h2_decode", corpus_blocks),
        per(g, "httlib_decode", corpus_blocks),
    );
    let (ke, he, te) = (
        per(g, "h2kit_encode", corpus_lists),
        per(g, "h2_encode", h2_encodable),
        per(g, "httlib_encode", corpus_lists),
    );
    println!();
    println!(
        "== HPACK, hpack-test-case corpus: {corpus_blocks} blocks decoded, {corpus_lists} raw-data lists encoded ({h2_encodable} of them by h2) =="
    );
    println!(
        "{:<14} {:>16} {:>16}",
        "", "decode ns/block", "encode ns/list"
    );
    println!("{:<14} {:>16} {:>16}", "h2kit", show(kd), show(ke));
    println!("{:<14} {:>16} {:>16}", "h2", show(hd), show(he));
    println!("{:<14} {:>16} {:>16}", "httlib-hpack", show(td), show(te));
    println!(
        "h2kit speed-up: vs h2 decode {} encode {}; vs httlib-hpack decode {} encode {}",
        ratio(hd, kd),
        ratio(he, ke),
        ratio(td, kd),
        ratio(te, ke)
    );
    println!("h2 read {h2_read} corpus HEADERS frames, {h2_errors} refused");
    println!(
        "raw-data lists encoded: h2kit {h2kit_corpus_bytes} octets; h2 {h2_corpus_bytes} octets (its {h2_encodable} lists)"
    );

    // ---- The same comparisons, interleaved (robust to changing load). ----
    if std::env::var_os("H2KIT_BENCH_NO_INTERLEAVED").is_none() {
        const PAIRS: usize = 101;
        let report = |what: &str, n: usize, (ours, theirs, ratio): (f64, f64, f64)| {
            println!(
                "{what:<24} h2kit {:>7.0} ns  h2 {:>7.0} ns  h2/h2kit {ratio:.2}x",
                ours / n as f64,
                theirs / n as f64
            );
        };
        println!();
        println!("== interleaved h2kit/h2 rounds, medians of {PAIRS} pairs, per block or list ==");
        let mut block = BytesMut::with_capacity(1024);
        let mut out = BytesMut::with_capacity(h2kit_stream.len());
        report(
            "request encode",
            REQUESTS,
            interleaved(
                PAIRS,
                || timed(|| h2kit_encode_requests(&requests, &mut block, &mut out)),
                || {
                    let frames = h2_frames();
                    timed(|| {
                        black_box(h2_encode(frames));
                    })
                },
            ),
        );
        let mut fields = Vec::with_capacity(16);
        report(
            "request decode",
            REQUESTS,
            interleaved(
                PAIRS,
                || {
                    timed(|| {
                        black_box(h2kit_decode_frames(&h2kit_stream, &mut fields));
                    })
                },
                || {
                    timed(|| {
                        black_box(h2_decode(&h2_stream, &[]));
                    })
                },
            ),
        );
        let mut fields = Vec::with_capacity(64);
        report(
            "corpus decode",
            corpus_blocks,
            interleaved(
                PAIRS / 4,
                || {
                    timed(|| {
                        black_box(h2kit_decode_corpus(&corpus, &mut fields));
                    })
                },
                || {
                    timed(|| {
                        for (sizes, stream) in &h2_corpus {
                            black_box(h2_decode(stream, sizes));
                        }
                    })
                },
            ),
        );
        let mut out = Vec::with_capacity(4096);
        report(
            "corpus encode",
            corpus_lists,
            interleaved(
                PAIRS / 4,
                || {
                    timed(|| {
                        black_box(h2kit_encode_corpus(&corpus, &mut out));
                    })
                },
                || {
                    let stories = h2_corpus_frames();
                    timed(|| {
                        for frames in stories {
                            black_box(h2_encode(frames));
                        }
                    })
                },
            ),
        );
    }
}
