//! HTTP/1.x message parsing (RFC 9112).
pub mod config;
pub mod error;
pub(crate) mod scan;
