//! The one handler type every dispatch model runs, and what a handler can
//! learn about the connection a request came on.
//!
//! A handler is blocking-style: `Fn(Request<Body>) -> Response<Body>`. It
//! may block (read the whole upload, query a database); the server then
//! runs it on a worker thread so no connection waits for it. A handler that
//! never blocks can say so ([`Handler::may_block`] returns `false`, or wrap
//! a closure in [`nonblocking`]) and is called directly on the I/O thread,
//! saving a thread hop per request. The same handler value runs unchanged
//! on `single`, `thread`, `event-loop` and `runtime`.
//!
//! ```
//! use h2kit::{Body, RequestExt};
//! use http::{Request, Response};
//!
//! fn hello(req: Request<Body>) -> Response<Body> {
//!     let proto = req.conn_info().map(|c| c.protocol().as_str());
//!     Response::new(Body::from(format!("hello over {}\n", proto.unwrap_or("?"))))
//! }
//! let _handler: std::sync::Arc<dyn h2kit::Handler> = std::sync::Arc::new(hello);
//! ```

use crate::Body;
use crate::push::Pusher;
use http::{Request, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// Answers requests. Implemented for every
/// `Fn(Request<Body>) -> Response<Body> + Send + Sync + 'static`.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request. The response's body may stream: it is sent as
    /// the peer reads it.
    fn call(&self, request: Request<Body>) -> Response<Body>;

    /// Whether `call` may block the calling thread (blocking reads of the
    /// request body, sleeping, disk or network I/O). When `false`, servers
    /// call it on their I/O thread.
    fn may_block(&self) -> bool {
        true
    }
}

impl<F> Handler for F
where
    F: Fn(Request<Body>) -> Response<Body> + Send + Sync + 'static,
{
    fn call(&self, request: Request<Body>) -> Response<Body> {
        self(request)
    }
}

/// Wraps a closure that never blocks, so servers call it on their I/O
/// thread. Returning a streaming body is fine; reading the request body
/// with blocking calls is not (hand the body on instead, as an echo does).
pub fn nonblocking<F>(f: F) -> NonBlocking<F>
where
    F: Fn(Request<Body>) -> Response<Body> + Send + Sync + 'static,
{
    NonBlocking(f)
}

/// A handler declared not to block; see [`nonblocking`].
#[derive(Clone, Copy, Debug)]
pub struct NonBlocking<F>(F);

impl<F> Handler for NonBlocking<F>
where
    F: Fn(Request<Body>) -> Response<Body> + Send + Sync + 'static,
{
    fn call(&self, request: Request<Body>) -> Response<Body> {
        (self.0)(request)
    }

    fn may_block(&self) -> bool {
        false
    }
}

/// What a server attached to a request: the connection it came on and,
/// when the client accepts pushes, the [`Pusher`].
///
/// ```
/// use h2kit::{Body, RequestExt};
/// use http::{Request, Response};
///
/// fn peer(req: Request<Body>) -> Response<Body> {
///     match req.conn_info() {
///         Some(info) => Response::new(Body::from(format!("{}\n", info.peer_addr()))),
///         None => Response::new(Body::from("built by hand\n")),
///     }
/// }
/// // A request built by hand has none.
/// assert_eq!(peer(Request::new(Body::empty())).into_body().collect(64).unwrap(), "built by hand\n");
/// ```
///
/// The connection travels with the request's body rather than in its
/// extensions, which would cost three allocations per request. A handler
/// that replaces the body (`Request::map`) and still wants it later can
/// move it into the extensions first; `conn_info` looks there too.
pub trait RequestExt {
    /// The connection the request came on; `None` for a request built by
    /// hand.
    fn conn_info(&self) -> Option<&ConnInfo>;

    /// The means to push responses alongside this request's (RFC 9113
    /// §8.4); `None` when the client disabled push or the protocol has
    /// none.
    fn pusher(&self) -> Option<&Pusher>;
}

impl RequestExt for Request<Body> {
    fn conn_info(&self) -> Option<&ConnInfo> {
        self.body()
            .conn_info()
            .or_else(|| self.extensions().get::<ConnInfo>())
    }

    fn pusher(&self) -> Option<&Pusher> {
        self.extensions().get::<Pusher>()
    }
}

/// The protocol a request arrived over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// HTTP/2 over TLS (ALPN `h2`).
    H2,
    /// HTTP/2 over cleartext TCP (prior knowledge or `Upgrade: h2c`).
    H2c,
    /// HTTP/1.1, over TLS or not.
    Http11,
}

impl Protocol {
    /// The protocol's usual name: `h2`, `h2c` or `http/1.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::H2 => "h2",
            Protocol::H2c => "h2c",
            Protocol::Http11 => "http/1.1",
        }
    }
}

/// What the TLS handshake settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsInfo {
    /// The server name the client asked for (SNI), if any.
    pub server_name: Option<String>,
    /// The ALPN protocol agreed, if any.
    pub alpn: Option<Vec<u8>>,
    /// The TLS version, e.g. `TLSv1_3`.
    pub version: String,
    /// The cipher suite, e.g. `TLS13_AES_128_GCM_SHA256`.
    pub cipher_suite: String,
}

/// The connection a request came on. Every request a server hands to a
/// handler carries one, in its body: ask with [`RequestExt::conn_info`].
/// Cloning is cheap.
#[derive(Clone, Debug)]
pub struct ConnInfo(Arc<ConnInfoInner>);

#[derive(Debug)]
struct ConnInfoInner {
    peer_addr: SocketAddr,
    local_addr: SocketAddr,
    protocol: Protocol,
    tls: Option<TlsInfo>,
}

impl ConnInfo {
    pub(crate) fn new(
        peer_addr: SocketAddr,
        local_addr: SocketAddr,
        protocol: Protocol,
        tls: Option<TlsInfo>,
    ) -> ConnInfo {
        ConnInfo(Arc::new(ConnInfoInner {
            peer_addr,
            local_addr,
            protocol,
            tls,
        }))
    }

    /// The client's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.0.peer_addr
    }

    /// The server's address the client connected to.
    pub fn local_addr(&self) -> SocketAddr {
        self.0.local_addr
    }

    /// The protocol spoken.
    pub fn protocol(&self) -> Protocol {
        self.0.protocol
    }

    /// The TLS details, for a TLS connection.
    pub fn tls(&self) -> Option<&TlsInfo> {
        self.0.tls.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ConnInfo {
        let addr = "127.0.0.1:8080".parse().unwrap();
        ConnInfo::new(addr, addr, Protocol::H2c, None)
    }

    #[test]
    fn conn_info_comes_from_the_body() {
        let req = Request::new(Body::empty().with_conn_info(info()));
        assert_eq!(req.conn_info().map(ConnInfo::protocol), Some(Protocol::H2c));
    }

    #[test]
    fn conn_info_moved_into_the_extensions_is_still_found() {
        let req = Request::new(Body::empty().with_conn_info(info()));
        let (mut parts, body) = req.into_parts();
        parts.extensions.insert(body.conn_info().cloned().unwrap());
        let req = Request::from_parts(parts, Body::from("replaced"));
        assert_eq!(req.conn_info().map(ConnInfo::protocol), Some(Protocol::H2c));
        assert!(Request::new(Body::empty()).conn_info().is_none());
    }
}
