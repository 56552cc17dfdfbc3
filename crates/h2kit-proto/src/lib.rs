//! # h2kit-proto
//!
//! The sans-IO protocol core of h2kit: no sockets, threads, clocks or async.
//! Bytes go in, typed frames, events and bytes come out, so any event loop
//! (blocking, mio, tokio, or a unit test) can drive the same logic.
//!
//! - [`frame`]: typed HTTP/2 frames (RFC 9113 §4, §6), a streaming decoder
//!   and an encoder.
//! - [`hpack`]: header compression (RFC 7541).
//! - [`h1`]: the HTTP/1.x parser (RFC 9112).
//! - [`error`]: the HTTP/2 error-code registry (RFC 9113 §7).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod frame;
pub mod h1;
pub mod h2;
pub mod hpack;

pub use error::ErrorCode;
