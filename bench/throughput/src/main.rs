//! `throughput`: one large transfer over loopback, timed.
//!
//! ```text
//! throughput source ADDR [--congestion NAME] [--write-size N|mss]
//!                         [--io blocking|nonblocking]
//!     a raw TCP server: each client sends an 8-byte big-endian length and
//!     gets that many bytes, written `--write-size` at a time (on a
//!     blocking socket, or a non-blocking one waiting in poll), then EOF
//! throughput raw ADDR BYTES [--congestion NAME] [--read-size N]
//!     fetch BYTES from a `source`
//! throughput h2 ADDR PATH BYTES [--congestion NAME] [--read-size N]
//!                               [--window N] [--frame N]
//!     GET PATH over h2c (prior knowledge) and read the BYTES-long body
//! ```
//!
//! The clients print one line, `bytes=… seconds=… gbps=…` (GB = 10^9
//! bytes), timed from before `connect` to the last byte.

mod h2get;
mod opts;
mod raw;
mod sock;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("source") => raw::source(&args[1..]),
        Some("raw") => raw::fetch(&args[1..]).map(|r| r.print()),
        Some("h2") => h2get::fetch(&args[1..]).map(|r| r.print()),
        _ => Err("usage: throughput source|raw|h2 … (see the source's doc comment)".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("throughput: {err}");
            ExitCode::FAILURE
        }
    }
}

/// What a timed transfer measured.
pub struct Transfer {
    /// Body octets received.
    pub bytes: u64,
    /// From before `connect` to the last byte.
    pub seconds: f64,
    /// Anything else worth printing (`key=value` pairs).
    pub detail: String,
}

impl Transfer {
    fn print(&self) {
        let gbps = self.bytes as f64 / self.seconds / 1e9;
        println!(
            "bytes={} seconds={:.4} gbps={gbps:.3} {}",
            self.bytes, self.seconds, self.detail
        );
    }
}
