//! # h2kit
//!
//! HTTP/2 servers (and, later, a client) built on the sans-IO core in
//! [`h2kit_proto`]. The drivers only move bytes between sockets (or TLS)
//! and the core and call the handler; every protocol decision lives in the
//! core.
//!
//! - [`Handler`]: the one handler type, `Fn(Request<Body>) -> Response<Body>`,
//!   that every dispatch model runs unchanged;
//! - [`Body`]: streaming bodies both ways, with trailers;
//! - [`push::Pusher`]: server push from a handler;
//! - [`server`]: the four dispatch models, TLS, graceful shutdown;
//! - [`tls::TlsConfig`]: certificates from PEM or self-signed.
//!
//! ```no_run
//! use h2kit::server::{Server, ServerConfig};
//! use h2kit::Body;
//! use http::{Request, Response};
//!
//! let config = ServerConfig::new("127.0.0.1:8080".parse().unwrap());
//! let server = Server::start(config, |req: Request<Body>| {
//!     // Echo: the request body streams straight back.
//!     Response::new(req.into_body())
//! })?;
//! server.join();
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod body;
pub mod handler;
pub mod httpdate;
pub mod push;
pub mod server;
pub mod tls;

pub use body::{Body, BodyError, BodySender};
pub use h2kit_proto as proto;
pub use handler::{ConnInfo, Handler, Protocol, RequestExt, TlsInfo, nonblocking};
