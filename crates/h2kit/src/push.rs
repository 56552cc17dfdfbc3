//! Server push from handlers (RFC 9113 §8.4).
//!
//! A request that arrived over HTTP/2 from a client that accepts pushes
//! carries a [`Pusher`] in its extensions
//! ([`RequestExt::pusher`](crate::RequestExt::pusher)). [`Pusher::push`] promises a
//! response to a GET or HEAD request the client has not made yet, and
//! returns a [`PushedResponse`] through which the handler (now or later, on
//! any thread) sends that response. The promise is sent before the
//! response of the request that pushed, as long as `push` is called before
//! the handler returns.
//!
//! Over HTTP/1.1, or when the client disabled push, there is no `Pusher`:
//! handlers simply skip pushing.
//!
//! ```
//! use h2kit::{Body, RequestExt};
//! use http::{Request, Response};
//!
//! fn page(req: Request<Body>) -> Response<Body> {
//!     if let Some(pusher) = req.pusher() {
//!         let css = Request::get("/style.css").body(()).unwrap();
//!         if let Ok(pushed) = pusher.push(css) {
//!             pushed.send(Response::new(Body::from("body { color: teal }")));
//!         }
//!     }
//!     Response::new(Body::from("<link rel=stylesheet href=/style.css>"))
//! }
//! # let _ = page;
//! ```

use crate::Body;
use crate::server::session::mailbox::{Mail, Mailbox};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Method, Request, Response, Uri};
use std::fmt;
use std::sync::Arc;

/// Promises pushed responses on behalf of one request; see the
/// [module docs](self). Cloning is cheap.
#[derive(Clone)]
pub struct Pusher {
    mailbox: Arc<Mailbox>,
    parent: u32,
    /// The scheme and authority of the request that pushes, for promised
    /// requests given as a path only.
    origin: Option<(Scheme, Authority)>,
}

/// Why a push was refused at once. Later refusals (the client reset the
/// request, or its stream limit leaves no room) are only logged: the
/// [`PushedResponse`] is then dropped unsent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushError {
    /// Only GET and HEAD can be pushed: a promised request must be safe and
    /// cacheable (RFC 9113 §8.4).
    MethodNotPushable,
    /// The request has a body; a promised request cannot have one.
    HasBody,
    /// The promised request names no authority and the request that
    /// pushes had none to lend.
    NoAuthority,
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::MethodNotPushable => f.write_str("only GET and HEAD can be pushed"),
            PushError::HasBody => f.write_str("a pushed request has no body"),
            PushError::NoAuthority => f.write_str("a pushed request needs an authority"),
        }
    }
}

impl std::error::Error for PushError {}

impl Pusher {
    pub(crate) fn new(
        mailbox: Arc<Mailbox>,
        parent: u32,
        origin: Option<(Scheme, Authority)>,
    ) -> Pusher {
        Pusher {
            mailbox,
            parent,
            origin,
        }
    }

    /// Promises a response to `request` (GET or HEAD; a path-only URI
    /// takes the scheme and authority of the request that pushes).
    pub fn push(&self, request: Request<()>) -> Result<PushedResponse, PushError> {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return Err(PushError::MethodNotPushable);
        }
        if request
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
        {
            return Err(PushError::HasBody);
        }
        let mut request = request;
        if request.uri().authority().is_none() {
            let Some((scheme, authority)) = self.origin.clone() else {
                return Err(PushError::NoAuthority);
            };
            let mut parts = request.uri().clone().into_parts();
            parts.scheme = Some(scheme);
            parts.authority = Some(authority);
            if parts.path_and_query.is_none() {
                parts.path_and_query = Some(PathAndQuery::from_static("/"));
            }
            *request.uri_mut() = Uri::from_parts(parts).map_err(|_| PushError::NoAuthority)?;
        }
        let token = self.mailbox.push_token();
        self.mailbox.post(Mail::Promise {
            parent: self.parent,
            token,
            request,
        });
        Ok(PushedResponse {
            mailbox: self.mailbox.clone(),
            token,
            sent: false,
        })
    }
}

impl fmt::Debug for Pusher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pusher")
            .field("parent", &self.parent)
            .finish()
    }
}

/// The response sink of one promised push. Dropping it unsent cancels the
/// push (the promised stream is reset).
pub struct PushedResponse {
    mailbox: Arc<Mailbox>,
    token: u64,
    sent: bool,
}

impl PushedResponse {
    /// Sends the pushed response; its body streams like any other.
    pub fn send(mut self, response: Response<Body>) {
        self.sent = true;
        self.mailbox.post(Mail::Pushed {
            token: self.token,
            response: Some(response),
        });
    }
}

impl Drop for PushedResponse {
    fn drop(&mut self) {
        if !self.sent {
            self.mailbox.post(Mail::Pushed {
                token: self.token,
                response: None,
            });
        }
    }
}

impl fmt::Debug for PushedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushedResponse")
            .field("token", &self.token)
            .finish()
    }
}
