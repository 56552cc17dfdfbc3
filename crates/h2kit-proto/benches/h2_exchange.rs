//! Complete GET exchanges (request, 200 response, 12-byte body) between an
//! in-memory client and server, single thread, no sockets: h2kit's sans-IO
//! `Connection` pair against the `h2` crate's client and server over a
//! `tokio::io::duplex` pipe on a current-thread runtime, in the same run.
//! Also counts heap allocations per exchange for both.

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use h2kit_proto::h2::{Config, Connection, Event};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: defers to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BODY: &[u8; 12] = b"hello world\n";
const GET: [(&str, &str); 4] = [
    (":method", "GET"),
    (":scheme", "http"),
    (":authority", "bench"),
    (":path", "/"),
];

/// A client and server `Connection` after the preface and SETTINGS
/// exchange, with the buffers a driver would keep.
struct H2kitPair {
    client: Connection,
    server: Connection,
    buf: BytesMut,
}

impl H2kitPair {
    fn new() -> H2kitPair {
        let mut pair = H2kitPair {
            client: Connection::client(Config::default()),
            server: Connection::server(Config::default()),
            buf: BytesMut::with_capacity(64 * 1024),
        };
        pair.flush();
        while pair.client.poll_event().is_some() {}
        while pair.server.poll_event().is_some() {}
        pair
    }

    fn flush(&mut self) {
        loop {
            let mut moved = 0;
            while self.client.poll_transmit(&mut self.buf) > 0 {
                moved += self.buf.len();
                self.server.recv(&self.buf).expect("server");
                self.buf.clear();
            }
            self.serve();
            while self.server.poll_transmit(&mut self.buf) > 0 {
                moved += self.buf.len();
                self.client.recv(&self.buf).expect("client");
                self.buf.clear();
            }
            if moved == 0 {
                return;
            }
        }
    }

    fn serve(&mut self) {
        while let Some(event) = self.server.poll_event() {
            if let Event::Request { stream_id, .. } = event {
                self.server
                    .send_response(stream_id, 200, &[("content-length", "12")], false)
                    .expect("response");
                self.server
                    .send_data(stream_id, Bytes::from_static(BODY), true)
                    .expect("data");
            }
        }
    }

    /// Runs `n` exchanges at once and waits for all their bodies.
    fn exchanges(&mut self, n: usize) {
        for _ in 0..n {
            self.client.send_request(&GET, true).expect("request");
        }
        self.flush();
        let mut done = 0;
        while let Some(event) = self.client.poll_event() {
            if let Event::Data {
                end_stream: true, ..
            } = event
            {
                done += 1;
            }
        }
        assert_eq!(done, n);
    }
}

/// The h2 crate's client and server over an in-memory duplex pipe.
struct H2Pair {
    rt: tokio::runtime::Runtime,
    client: h2::client::SendRequest<Bytes>,
}

impl H2Pair {
    fn new() -> H2Pair {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let client = rt.block_on(async {
            let (client_io, server_io) = tokio::io::duplex(64 * 1024);
            tokio::spawn(async move {
                let mut conn = h2::server::handshake(server_io)
                    .await
                    .expect("server handshake");
                while let Some(Ok((_request, mut respond))) = conn.accept().await {
                    let response = http::Response::builder()
                        .status(200)
                        .header("content-length", "12")
                        .body(())
                        .expect("response");
                    let mut send = respond
                        .send_response(response, false)
                        .expect("send response");
                    send.send_data(Bytes::from_static(BODY), true)
                        .expect("send data");
                }
            });
            let (client, conn) = h2::client::handshake(client_io)
                .await
                .expect("client handshake");
            tokio::spawn(async move {
                let _ = conn.await;
            });
            client
        });
        H2Pair { rt, client }
    }

    fn exchanges(&mut self, n: usize) {
        let client = self.client.clone();
        self.rt.block_on(async move {
            let mut pending = Vec::with_capacity(n);
            for _ in 0..n {
                let mut client = client.clone().ready().await.expect("ready");
                let request = http::Request::get("http://bench/")
                    .body(())
                    .expect("request");
                let (response, _) = client.send_request(request, true).expect("send request");
                pending.push(response);
            }
            for response in pending {
                let mut body = response.await.expect("response").into_body();
                while let Some(chunk) = body.data().await {
                    let chunk = chunk.expect("chunk");
                    let _ = body.flow_control().release_capacity(chunk.len());
                }
            }
        });
    }
}

fn allocations_per_exchange(mut run: impl FnMut(usize), batch: usize) -> f64 {
    run(batch); // warm up buffers and tables
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let rounds = 100;
    for _ in 0..rounds {
        run(batch);
    }
    (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / (rounds * batch) as f64
}

fn bench(c: &mut Criterion) {
    let mut h2kit = H2kitPair::new();
    let mut h2 = H2Pair::new();
    for (name, batch) in [("sequential", 1usize), ("concurrent_100", 100)] {
        let mut group = c.benchmark_group(format!("h2_exchange/{name}"));
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function("h2kit", |b| b.iter(|| h2kit.exchanges(batch)));
        group.bench_function("h2", |b| b.iter(|| h2.exchanges(batch)));
        group.finish();
        let ours = allocations_per_exchange(|n| h2kit.exchanges(n), batch);
        let theirs = allocations_per_exchange(|n| h2.exchanges(n), batch);
        println!("allocations per exchange ({name}): h2kit {ours:.2}, h2 {theirs:.2}");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
