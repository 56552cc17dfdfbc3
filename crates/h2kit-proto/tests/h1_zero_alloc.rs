//! The low-level API allocates nothing: a counting global allocator (only in
//! this test binary) sees no allocation while requests and responses with
//! chunked bodies, trailers and pipelining are parsed, whole and byte by byte
//! (and neither does the borrowed API, whole or partial).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use h2kit_proto::h1::{EMPTY_HEADER, Handler, Parser, Request, Response};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts what it sees without allocating.
#[derive(Default)]
struct Sums {
    bytes: usize,
    fields: usize,
    messages: usize,
}

impl<'b> Handler<'b> for Sums {
    fn on_method(&mut self, p: &'b [u8]) {
        self.bytes += p.len();
    }
    fn on_target(&mut self, p: &'b [u8]) {
        self.bytes += p.len();
    }
    fn on_header_name(&mut self, p: &'b [u8]) {
        self.bytes += p.len();
    }
    fn on_header_value(&mut self, p: &'b [u8]) {
        self.bytes += p.len();
    }
    fn on_header_end(&mut self) {
        self.fields += 1;
    }
    fn on_body(&mut self, p: &'b [u8]) {
        self.bytes += p.len();
    }
    fn on_trailer_end(&mut self) {
        self.fields += 1;
    }
    fn on_message_complete(&mut self) -> h2kit_proto::h1::Flow {
        self.messages += 1;
        h2kit_proto::h1::Flow::Continue
    }
}

const REQUESTS: &[u8] = b"GET /cookies HTTP/1.1\r\nHost: 127.0.0.1:8090\r\nConnection: keep-alive\r\nAccept: text/html\r\nX-Long:    spaced   value   \r\n\r\nPOST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;x=\"y\"\r\nhello\r\n0\r\nChecksum: 1\r\n\r\nPUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc";
const RESPONSES: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil close";

#[test]
fn low_level_api_does_not_allocate() {
    // Warm up anything lazily initialised (CPU feature detection).
    let mut p = Parser::request();
    p.execute(&mut Sums::default(), REQUESTS).unwrap();

    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let mut req = Parser::request();
    let mut whole = Sums::default();
    req.execute(&mut whole, REQUESTS).unwrap();
    let mut req = Parser::request();
    let mut bytewise = Sums::default();
    for b in REQUESTS.chunks(1) {
        req.execute(&mut bytewise, b).unwrap();
    }
    let mut resp = Parser::response();
    let mut r = Sums::default();
    for piece in RESPONSES.chunks(7) {
        resp.execute(&mut r, piece).unwrap();
    }
    resp.finish(&mut r).unwrap();
    // The borrowed API: the one-pass path (whole heads) and the engine
    // behind it (a partial head).
    let mut headers = [EMPTY_HEADER; 16];
    let parsed = Request::new(&mut headers).parse(REQUESTS).unwrap();
    let partial = Request::new(&mut headers).parse(&REQUESTS[..40]).unwrap();
    let response = Response::new(&mut headers).parse(RESPONSES).unwrap();
    let after = ALLOCATIONS.load(Ordering::SeqCst);

    assert_eq!(after - before, 0, "the parser allocated");
    // The runs really parsed what they were given.
    assert_eq!((whole.messages, whole.fields), (3, 10));
    assert_eq!(
        (bytewise.messages, bytewise.fields, bytewise.bytes),
        (whole.messages, whole.fields, whole.bytes)
    );
    assert_eq!(r.messages, 4);
    assert!(parsed.is_complete() && !partial.is_complete() && response.is_complete());
}
