//! Plain data that describes a message: version, method, the head summary
//! handed to `on_headers_complete`, and the parser's flow-control answers.

use core::fmt;

use super::body::BodyKind;

/// An HTTP/1 version. The parser accepts major version 1 only; a minor
/// version above 1 is treated as 1.1 (RFC 9110 §2.5) but reported as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Always 1 for a parsed message.
    pub major: u8,
    /// 0 or 1 (or higher, treated as 1).
    pub minor: u8,
}

impl Version {
    /// HTTP/1.0.
    pub const HTTP_10: Version = Version { major: 1, minor: 0 };
    /// HTTP/1.1.
    pub const HTTP_11: Version = Version { major: 1, minor: 1 };
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The request method, recognised case-sensitively (RFC 9110 §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// HEAD
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// CONNECT: the parser stops after the head (a tunnel may follow).
    Connect,
    /// OPTIONS
    Options,
    /// TRACE
    Trace,
    /// PATCH
    Patch,
    /// Any other token; the bytes were delivered to `on_method`.
    Other,
}

/// The method names, indexed like [`METHODS`].
pub(crate) const METHOD_NAMES: [&[u8]; 9] = [
    b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"CONNECT", b"OPTIONS", b"TRACE", b"PATCH",
];
pub(crate) const METHODS: [Method; 9] = [
    Method::Get,
    Method::Head,
    Method::Post,
    Method::Put,
    Method::Delete,
    Method::Connect,
    Method::Options,
    Method::Trace,
    Method::Patch,
];

impl Method {
    /// Recognises a whole method token.
    #[inline(always)]
    pub fn from_bytes(token: &[u8]) -> Method {
        match token {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"CONNECT" => Method::Connect,
            b"OPTIONS" => Method::Options,
            b"TRACE" => Method::Trace,
            b"PATCH" => Method::Patch,
            _ => Method::Other,
        }
    }
}

/// What the request was that a response answers, when that changes its
/// framing (RFC 9112 §6.3 rules 1 and 2). See `Parser::set_response_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseTo {
    /// Any request whose method does not change the response's framing.
    #[default]
    Other,
    /// A HEAD request: the response has no body whatever its fields say.
    Head,
    /// A CONNECT request: a 2xx response turns the connection into a tunnel.
    Connect,
}

/// A summary of a parsed head, handed to `Handler::on_headers_complete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Head {
    /// The HTTP version of the start line.
    pub version: Version,
    /// The method, for requests.
    pub method: Option<Method>,
    /// The status code, for responses.
    pub status: Option<u16>,
    /// How the body is delimited (RFC 9112 §6.3).
    pub body: BodyKind,
    /// Whether the connection can carry another message after this one (§9.3).
    pub keep_alive: bool,
    /// The parser will stop with `Status::Upgraded`: right after this head
    /// for CONNECT, 101 and a 2xx answer to CONNECT; after the body for a
    /// request carrying `Connection: upgrade` and `Upgrade`.
    pub upgrade: bool,
    /// An `Upgrade: h2c` request with exactly one `HTTP2-Settings` (RFC 7540 §3.2).
    pub h2c_upgrade: bool,
    /// An upgrade whose Upgrade list includes `websocket`.
    pub websocket_upgrade: bool,
    /// An HTTP/1.1 request with `Expect: 100-continue` (RFC 9110 §10.1.1).
    pub expect_continue: bool,
    /// A transfer coding other than chunked was applied (the body handed to
    /// `on_body` is still encoded with it, e.g. gzip).
    pub transfer_coded: bool,
    /// How many field lines the head had.
    pub header_count: usize,
}

/// What `on_headers_complete` wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeadAction {
    /// Parse the body as the head framed it.
    #[default]
    Continue,
    /// This message has no body (e.g. the handler knows it answers a HEAD).
    SkipBody,
    /// Stop right after the head; `execute` returns `Status::Paused`, and the
    /// next call parses the body.
    Pause,
}

/// What `on_message_complete` wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    /// Go on with the next message in the input.
    #[default]
    Continue,
    /// Return from `execute` now with `Status::Paused`.
    Pause,
}

/// Why `execute` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// All input was used; call again when more arrives.
    NeedMore,
    /// A callback asked to pause; call again with the unused input.
    Paused,
    /// The connection leaves HTTP/1 (upgrade or tunnel): input from
    /// `consumed` on belongs to the new protocol. Calling `execute` again
    /// parses it as HTTP/1 (the upgrade was declined).
    Upgraded,
}

/// The result of one `execute` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the input used; the rest must be offered again (or, after
    /// `Upgraded`, handed to the new protocol).
    pub consumed: usize,
    /// Why the call returned.
    pub status: Status,
}
