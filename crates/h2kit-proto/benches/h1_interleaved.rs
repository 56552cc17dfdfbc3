//! The request benchmark of `benches/h1.rs`, measured so that machine load
//! cannot bias the ratio: the three parsers take turns in short rounds
//! (4,000 parses each, the order rotating from round to round), 300 rounds.
//! On a shared machine criterion's sequential runs can land one parser in a
//! busy second and the next in a quiet one; interleaving gives each the
//! same chances. Two figures per API: the fastest round of each parser (the
//! least disturbed), and the median over rounds of the ratio within a round
//! (each pair measured back to back, so under the same load).
//!
//! `cargo bench -p h2kit-proto --bench h1_interleaved`
//! (`H1_ONLY=0|1|2` runs httparse, the borrowed API or the callbacks alone,
//! for a profiler.)

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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent; keep that quick.
    let rounds = if std::env::args().any(|a| a == "--bench") {
        ROUNDS
    } else {
        3
    };
    let only: Option<usize> = std::env::var("H1_ONLY").ok().and_then(|v| v.parse().ok());
    let mut parser = Parser::request();
    let mut times: [Vec<f64>; 3] = Default::default();
    for r in 0..rounds {
        for k in 0..3 {
            let which = (r + k) % 3;
            if only.is_none_or(|o| o == which) {
                times[which].push(round(which, &mut parser));
            }
        }
    }
    let best = times
        .clone()
        .map(|t| t.into_iter().fold(f64::INFINITY, f64::min));
    let ratio_median = |ours: usize| {
        median(
            times[0]
                .iter()
                .zip(&times[ours])
                .map(|(peer, t)| peer / t)
                .collect(),
        )
    };
    let [peer, borrowed, callbacks] = best;
    println!(
        "request ({} bytes), {rounds} interleaved rounds of {PER_ROUND} parses:",
        REQ.len()
    );
    println!("                   fastest round   ratio   median ratio per round");
    println!("  httparse         {peer:7.1} ns");
    println!(
        "  h2kit borrowed   {borrowed:7.1} ns      {:.2}x   {:.2}x",
        peer / borrowed,
        ratio_median(1)
    );
    println!(
        "  h2kit callbacks  {callbacks:7.1} ns      {:.2}x   {:.2}x",
        peer / callbacks,
        ratio_median(2)
    );
}
