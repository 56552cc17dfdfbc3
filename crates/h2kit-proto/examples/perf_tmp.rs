use h2kit_proto::h1::{EMPTY_HEADER, Request, Parser, Handler};
use std::hint::black_box;
const REQ: &[u8] = b"GET /cookies HTTP/1.1\r\nHost: 127.0.0.1:8090\r\nConnection: keep-alive\r\nCache-Control: max-age=0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.17 (KHTML, like Gecko) Chrome/24.0.1312.56 Safari/537.17\r\nAccept-Encoding: gzip,deflate,sdch\r\nAccept-Language: en-US,en;q=0.8\r\nAccept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.3\r\nCookie: name=wookie\r\n\r\n";
const MIN: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
struct Slices<'b> { headers: [(&'b [u8], &'b [u8]); 16], count: usize }
impl<'b> Handler<'b> for Slices<'b> {
    #[inline(always)]
    fn on_header(&mut self, name: &'b [u8], value: &'b [u8]) {
        if let Some(slot) = self.headers.get_mut(self.count) { *slot = (name, value); self.count += 1; }
    }
}
fn run(which: u8, n: u32) -> f64 {
    let t = std::time::Instant::now();
    let mut parser = Parser::request();
    for _ in 0..n {
        match which {
            0 => { let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut req = httparse::Request::new(&mut headers);
            black_box(req.parse(black_box(REQ)).unwrap()); }
            1 => { let mut headers = [EMPTY_HEADER; 16];
            let mut req = Request::new(&mut headers);
            let r = req.parse(black_box(REQ)).unwrap();
            black_box((r, req.headers.len())); }
            3 => { let p = parser.execute(&mut (), black_box(REQ)).unwrap(); black_box(p); }
            4 => { let p = parser.execute(&mut (), black_box(MIN)).unwrap(); black_box(p); }
            5 => { let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut req = httparse::Request::new(&mut headers);
            black_box(req.parse(black_box(MIN)).unwrap()); }
            6 => { let mut headers = [EMPTY_HEADER; 16];
            let mut req = Request::new(&mut headers);
            let r = req.parse(black_box(MIN)).unwrap();
            black_box((r, req.headers.len())); }
            _ => { let mut h = Slices { headers: [(b"", b""); 16], count: 0 };
            let p = parser.execute(&mut h, black_box(REQ)).unwrap(); black_box((p, h.count, &h.headers)); }
        }
    }
    t.elapsed().as_nanos() as f64 / n as f64
}
fn main() {
    let n: u32 = std::env::var("N").ok().and_then(|s| s.parse().ok()).unwrap_or(4_000);
    eprintln!("parser size {}", std::mem::size_of::<Parser>());
    if let Some(w) = std::env::args().nth(1) { println!("{}", run(w.parse().unwrap(), n)); return; }
    let mut best = [f64::MAX; 7];
    for _ in 0..300 { for w in 0..7 { best[w as usize] = best[w as usize].min(run(w, n)); } }
    println!("noop-handler {:.1} min-callbacks {:.1} min-httparse {:.1} min-borrowed {:.1}", best[3], best[4], best[5], best[6]);
    println!("httparse {:.1} borrowed {:.1} ({:.2}x) callbacks {:.1} ({:.2}x)", best[0], best[1], best[0]/best[1], best[2], best[0]/best[2]);
}
