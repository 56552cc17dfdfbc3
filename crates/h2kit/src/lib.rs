//! # h2kit
//!
//! HTTP/2 and HTTP/1.1 servers and a client, built on the sans-IO core in
//! [`h2kit_proto`]. The drivers only move bytes between sockets and the core;
//! every protocol decision lives in the core.
//!
//! The servers and client are still being built; for now this crate re-exports
//! the protocol core so users can depend on one crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use h2kit_proto as proto;
