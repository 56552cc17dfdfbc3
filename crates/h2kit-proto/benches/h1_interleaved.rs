//! The request benchmark of `benches/h1.rs`, measured so that machine load
//! cannot bias the ratio: the three parsers take turns in short rounds
//! (4,000 parses each), 300 rounds, and each keeps its fastest round. On a
//! shared machine criterion's sequential runs can land one parser in a busy
//! second and the next in a quiet one; interleaving gives each the same
//! chances, and the minimum is the least disturbed figure.
//!
//! `cargo bench -p h2kit-proto --bench h1_interleaved`

use std::hint::black_box;
use std::time::Instant;

use h2kit_proto::h1::{EMPTY_HEADER, Parser, Request};

mod h1_common;
use h1_common::{REQ, Slices};

const ROUNDS: usize = 300;
const PER_ROUND: u32 = 4_000;

/// Nanoseconds per parse over one round.
fn round(which: usize, parser: &mut Parser) -> f64 {
    let start = Instant::now();
    for _ in 0..PER_ROUND {
        match which {
            0 => {
                let mut headers = [httparse::EMPTY_HEADER; 16];
                let mut req = httparse::Request::new(&mut headers);
                let status = req.parse(black_box(REQ)).unwrap();
                black_box((status, req.method, req.path, req.headers.len()));
            }
            1 => {
                let mut headers = [EMPTY_HEADER; 16];
                let mut req = Request::new(&mut headers);
                let status = req.parse(black_box(REQ)).unwrap();
                black_box((status, req.method, req.target, req.headers.len()));
            }
            _ => {
                let mut h = Slices {
                    method: b"",
                    target: b"",
                    headers: [(b"", b""); 16],
                    count: 0,
                };
                let p = parser.execute(&mut h, black_box(REQ)).unwrap();
                black_box((p, h.method, h.target, h.count, &h.headers));
            }
        }
    }
    start.elapsed().as_nanos() as f64 / f64::from(PER_ROUND)
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent; keep that quick.
    let rounds = if std::env::args().any(|a| a == "--bench") {
        ROUNDS
    } else {
        3
    };
    let mut parser = Parser::request();
    let mut best = [f64::MAX; 3];
    let only: Option<usize> = std::env::var("H1_ONLY").ok().and_then(|v| v.parse().ok());
    for _ in 0..rounds {
        for (which, b) in best.iter_mut().enumerate() {
            if only.is_some_and(|o| o != which) {
                continue;
            }
            *b = b.min(round(which, &mut parser));
        }
    }
    let [peer, borrowed, callbacks] = best;
    println!(
        "request, fastest of {rounds} interleaved rounds of {PER_ROUND} parses ({} bytes):",
        REQ.len()
    );
    println!("  httparse         {peer:7.1} ns");
    println!(
        "  h2kit borrowed   {borrowed:7.1} ns  ({:.2}x httparse)",
        peer / borrowed
    );
    println!(
        "  h2kit callbacks  {callbacks:7.1} ns  ({:.2}x httparse)",
        peer / callbacks
    );
}
