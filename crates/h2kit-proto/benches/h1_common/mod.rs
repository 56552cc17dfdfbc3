//! What the HTTP/1 request benchmarks share: the request and a handler that
//! records what httparse records, so both APIs do the same work as the peer.

use h2kit_proto::h1::Handler;

/// The classic benchmark request of fast-http and http-parser.
pub const REQ: &[u8] = b"GET /cookies HTTP/1.1\r\nHost: 127.0.0.1:8090\r\nConnection: keep-alive\r\nCache-Control: max-age=0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.17 (KHTML, like Gecko) Chrome/24.0.1312.56 Safari/537.17\r\nAccept-Encoding: gzip,deflate,sdch\r\nAccept-Language: en-US,en;q=0.8\r\nAccept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.3\r\nCookie: name=wookie\r\n\r\n";

/// Records what httparse records (method, path, version, header slices), so
/// the callback API does the same work as its peer.
pub struct Slices<'b> {
    pub method: &'b [u8],
    pub target: &'b [u8],
    pub headers: [(&'b [u8], &'b [u8]); 16],
    pub count: usize,
}

impl<'b> Handler<'b> for Slices<'b> {
    fn on_method(&mut self, part: &'b [u8]) {
        self.method = part;
    }
    fn on_target(&mut self, part: &'b [u8]) {
        self.target = part;
    }
    #[inline(always)]
    fn on_header(&mut self, name: &'b [u8], value: &'b [u8]) {
        if let Some(slot) = self.headers.get_mut(self.count) {
            *slot = (name, value);
            self.count += 1;
        }
    }
}
