//! HTTP/1 parsing, side by side with httparse in the same run.
//!
//! `cargo bench -p h2kit-proto --bench h1 -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use h2kit_proto::h1::{EMPTY_HEADER, Handler, Parser, Request};

mod h1_common;
use h1_common::{REQ, Slices};

fn request(c: &mut Criterion) {
    let mut g = c.benchmark_group("request");
    g.throughput(Throughput::Bytes(REQ.len() as u64));
    g.bench_function("httparse", |b| {
        b.iter(|| {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut req = httparse::Request::new(&mut headers);
            let status = req.parse(black_box(REQ)).unwrap();
            black_box((status, req.method, req.path, req.headers.len()));
        })
    });
    g.bench_function("h2kit_borrowed", |b| {
        b.iter(|| {
            let mut headers = [EMPTY_HEADER; 16];
            let mut req = Request::new(&mut headers);
            let status = req.parse(black_box(REQ)).unwrap();
            black_box((status, req.method, req.target, req.headers.len()));
        })
    });
    let mut parser = Parser::request();
    g.bench_function("h2kit_callbacks", |b| {
        b.iter(|| {
            let mut h = Slices {
                method: b"",
                target: b"",
                headers: [(b"", b""); 16],
                count: 0,
            };
            let p = parser.execute(&mut h, black_box(REQ)).unwrap();
            black_box((p, h.method, h.target, h.count, &h.headers));
        })
    });
    g.finish();
}

/// A 1 MiB body in 4 KiB chunks, decoded by the callback API.
fn chunked_body(c: &mut Criterion) {
    let body_len = 1 << 20;
    let chunk = 4096;
    let mut msg =
        b"POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for i in 0..body_len / chunk {
        msg.extend_from_slice(format!("{chunk:x}\r\n").as_bytes());
        msg.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, chunk));
        msg.extend_from_slice(b"\r\n");
    }
    msg.extend_from_slice(b"0\r\n\r\n");
    struct Sum(usize);
    impl Handler<'_> for Sum {
        fn on_body(&mut self, part: &[u8]) {
            self.0 += part.len();
        }
    }
    let mut g = c.benchmark_group("chunked_1MiB");
    g.throughput(Throughput::Bytes(msg.len() as u64));
    let mut parser = Parser::request();
    g.bench_with_input(
        BenchmarkId::new("h2kit_callbacks", "4KiB_chunks"),
        &msg,
        |b, msg| {
            b.iter(|| {
                let mut sum = Sum(0);
                parser.execute(&mut sum, black_box(msg)).unwrap();
                assert_eq!(sum.0, body_len);
            })
        },
    );
    g.finish();
}

criterion_group!(benches, request, chunked_body);
criterion_main!(benches);
