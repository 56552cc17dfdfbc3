//! HTTP/1.x message parsing (RFC 9112): strict by default, resumable,
//! zero-allocation, SIMD-accelerated.
//!
//! Two APIs over one engine:
//! - [`Parser`] + [`Handler`]: the low-level, callback-driven API. Feed bytes
//!   as they arrive; tokens split across inputs come in pieces; nothing is
//!   allocated or re-scanned. Bodies (Content-Length, chunked with
//!   extensions and trailers, close-delimited), pipelining, keep-alive,
//!   upgrade and CONNECT are handled here.
//! - [`Request`] / [`Response`]: the borrowed API in the spirit of
//!   `httparse`: `parse(&buf)` gives [`Parsed::Partial`] or
//!   [`Parsed::Complete`] with the head length, headers in a caller's slice.
//!
//! [`HeaderMap`] is an owned map with lower-cased names, [`Recorder`] an
//! owned copy of whole messages, and [`multipart`] a streaming
//! `multipart/form-data` parser (RFC 7578).
//!
//! Errors are typed ([`ErrorKind`]) and carry the byte offset. The lenient
//! switches in [`Config`] are all off by default.
pub mod body;
pub mod borrowed;
pub mod config;
pub mod error;
pub mod handler;
pub mod headers;
pub(crate) mod line;
pub mod message;
pub mod multipart;
pub mod parser;
pub mod record;
pub(crate) mod scan;
pub(crate) mod semantics;
pub(crate) mod whole_head;

pub use body::BodyKind;
pub use borrowed::{EMPTY_HEADER, Header, Parsed, Request, Response};
pub use config::Config;
pub use error::{Error, ErrorKind};
pub use handler::Handler;
pub use headers::HeaderMap;
pub use message::{Flow, Head, HeadAction, Method, Progress, ResponseTo, Status, Version};
pub use parser::{MessageKind, Parser};
pub use record::{OwnedMessage, Recorder};
