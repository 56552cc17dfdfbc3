//! The high-level borrowed API, in the spirit of `httparse`: parse a head
//! from a buffer into a caller's header slice, without allocating.
//!
//! A head that is wholly in the buffer and well formed is read in one pass
//! (`whole_head`); anything else — a partial head, an error, a lenient
//! switch — goes to the same engine as [`Parser`], with a handler that
//! records slices of the buffer and pauses at the end of the head. Both
//! give the same result. Like `httparse`, `parse` starts from the
//! beginning of the buffer each time: call it again with the grown buffer
//! after [`Parsed::Partial`].

use super::config::Config;
use super::error::Error;
use super::handler::Handler;
use super::message::{Head, HeadAction, ResponseTo, Status, Version};
use super::parser::{MessageKind, Parser};
use super::whole_head::{self, Sink, WholeHead};

/// One field line: name as sent, value without surrounding whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'b> {
    /// The field name, as sent (a token, so ASCII).
    pub name: &'b [u8],
    /// The field value. With `lenient_obs_fold`, a folded value spans the
    /// raw bytes of all its lines (CRLF and indentation included).
    pub value: &'b [u8],
}

/// An empty header, to fill a slice before parsing.
pub const EMPTY_HEADER: Header<'static> = Header {
    name: b"",
    value: b"",
};

/// The outcome of a borrowed parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed<T> {
    /// The head is complete; the value is its length in bytes.
    Complete(T),
    /// The buffer ends before the head does.
    Partial,
}

impl<T> Parsed<T> {
    /// Whether the head was complete.
    pub fn is_complete(&self) -> bool {
        matches!(self, Parsed::Complete(_))
    }
}

/// A parsed request head.
///
/// ```
/// use h2kit_proto::h1::{BodyKind, EMPTY_HEADER, Parsed, Request};
///
/// let buf = b"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
/// let mut headers = [EMPTY_HEADER; 16];
/// let mut req = Request::new(&mut headers);
/// assert_eq!(req.parse(buf).unwrap(), Parsed::Complete(49));
/// assert_eq!(req.method, Some(&b"POST"[..]));
/// assert_eq!(req.headers.len(), 2);
/// assert_eq!(req.head.unwrap().body, BodyKind::Length(5));
/// ```
#[derive(Debug)]
pub struct Request<'h, 'b> {
    /// The method token.
    pub method: Option<&'b [u8]>,
    /// The request-target, as sent.
    pub target: Option<&'b [u8]>,
    /// The HTTP version.
    pub version: Option<Version>,
    /// The field lines of a complete head. After `Partial` or an error it
    /// is the whole slice again (its contents unspecified), ready for the
    /// next call.
    pub headers: &'h mut [Header<'b>],
    /// Framing, persistence and upgrade facts, once the head is complete.
    pub head: Option<Head>,
}

/// A parsed response head.
#[derive(Debug)]
pub struct Response<'h, 'b> {
    /// The HTTP version.
    pub version: Option<Version>,
    /// The status code.
    pub status: Option<u16>,
    /// The reason phrase (possibly empty).
    pub reason: Option<&'b [u8]>,
    /// The field lines of a complete head. After `Partial` or an error it
    /// is the whole slice again (its contents unspecified), ready for the
    /// next call.
    pub headers: &'h mut [Header<'b>],
    /// Framing, persistence and upgrade facts, once the head is complete.
    pub head: Option<Head>,
}

/// Records the head into the caller's slice.
struct Collector<'h, 'b> {
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
    count: usize,
    /// A field delivered in pieces is open (name seen, end not yet).
    open: bool,
    method: Option<&'b [u8]>,
    target: Option<&'b [u8]>,
    reason: Option<&'b [u8]>,
    version: Option<Version>,
    status: Option<u16>,
    head: Option<Head>,
}

impl<'h, 'b> Collector<'h, 'b> {
    fn new(buf: &'b [u8], headers: &'h mut [Header<'b>]) -> Self {
        Collector {
            buf,
            headers,
            count: 0,
            open: false,
            method: None,
            target: None,
            reason: None,
            version: None,
            status: None,
            head: None,
        }
    }

    /// `prev` extended to the end of `part`, when both lie in the buffer
    /// (pieces of one token are contiguous in it; static pieces, such as the
    /// SP that replaces a fold, are not and are skipped).
    fn extend(&self, prev: Option<&'b [u8]>, part: &'b [u8]) -> Option<&'b [u8]> {
        let base = self.buf.as_ptr() as usize;
        let offset_of = |s: &[u8]| {
            let p = s.as_ptr() as usize;
            (p >= base && p + s.len() <= base + self.buf.len()).then(|| p - base)
        };
        let Some(end) = offset_of(part).map(|o| o + part.len()) else {
            return prev;
        };
        match prev.filter(|p| !p.is_empty()).and_then(offset_of) {
            Some(start) if start <= end => self.buf.get(start..end),
            _ => Some(part),
        }
    }
}

impl<'b> Handler<'b> for Collector<'_, 'b> {
    #[inline(always)]
    fn on_method(&mut self, part: &'b [u8]) {
        self.method = match self.method {
            None => Some(part),
            prev => self.extend(prev, part),
        };
    }
    #[inline(always)]
    fn on_target(&mut self, part: &'b [u8]) {
        self.target = match self.target {
            None => Some(part),
            prev => self.extend(prev, part),
        };
    }
    fn on_version(&mut self, version: Version) {
        self.version = Some(version);
    }
    fn on_status(&mut self, code: u16) {
        self.status = Some(code);
    }
    fn on_reason(&mut self, part: &'b [u8]) {
        self.reason = self.extend(self.reason, part);
    }
    #[inline(always)]
    fn on_header(&mut self, name: &'b [u8], value: &'b [u8]) {
        // The engine never delivers more fields than `max_headers`, which
        // `parse_with` caps at the slice length.
        if let Some(slot) = self.headers.get_mut(self.count) {
            *slot = Header { name, value };
            self.count += 1;
        }
    }
    fn on_header_name(&mut self, part: &'b [u8]) {
        if !self.open {
            self.open = true;
            if let Some(slot) = self.headers.get_mut(self.count) {
                *slot = Header {
                    name: b"",
                    value: b"",
                };
            }
        }
        let prev = self.headers.get(self.count).map(|h| h.name);
        let name = self.extend(prev, part).unwrap_or(b"");
        if let Some(slot) = self.headers.get_mut(self.count) {
            slot.name = name;
        }
    }
    fn on_header_value(&mut self, part: &'b [u8]) {
        let prev = self.headers.get(self.count).map(|h| h.value);
        let value = self.extend(prev, part).unwrap_or(b"");
        if let Some(slot) = self.headers.get_mut(self.count) {
            slot.value = value;
        }
    }
    fn on_header_end(&mut self) {
        self.open = false;
        self.count += 1;
    }
    fn on_headers_complete(&mut self, head: &Head) -> HeadAction {
        self.head = Some(*head);
        HeadAction::Pause
    }
}

/// Runs the engine over `buf` and reports whether the head completed.
fn parse_head<'b>(
    kind: MessageKind,
    config: &Config,
    to: ResponseTo,
    collector: &mut Collector<'_, 'b>,
    buf: &'b [u8],
) -> Result<Parsed<usize>, Error> {
    let config = Config {
        max_headers: config.max_headers.min(collector.headers.len()),
        ..*config
    };
    let mut parser = Parser::new(kind, config);
    parser.set_response_to(to);
    let progress = parser.execute(collector, buf)?;
    Ok(match (collector.head, progress.status) {
        (Some(_), Status::Paused | Status::Upgraded) => Parsed::Complete(progress.consumed),
        _ => Parsed::Partial,
    })
}

/// The first `count` entries of `headers` (all of them if there are fewer).
#[inline(always)]
fn truncate<'h, 'b>(headers: &'h mut [Header<'b>], count: usize) -> &'h mut [Header<'b>] {
    let count = count.min(headers.len());
    &mut headers[..count]
}

/// The header slice to hand back: the `count` fields of a complete head,
/// or, after `Partial` or an error, the whole slice, so that the same
/// `Request` or `Response` can parse the grown buffer (as with `httparse`).
fn complete_or_whole<'h, 'b>(
    headers: &'h mut [Header<'b>],
    count: usize,
    result: &Result<Parsed<usize>, Error>,
) -> &'h mut [Header<'b>] {
    match result {
        Ok(Parsed::Complete(_)) => truncate(headers, count),
        _ => headers,
    }
}

impl<'b> Sink<'b> for Request<'_, 'b> {
    #[inline(always)]
    fn headers(&mut self) -> &mut [Header<'b>] {
        self.headers
    }
    #[inline(always)]
    fn complete(&mut self, w: WholeHead<'b>) {
        self.method = Some(w.method);
        self.target = Some(w.target);
        self.version = Some(w.version);
        self.head = Some(w.head);
        self.headers = truncate(core::mem::take(&mut self.headers), w.count);
    }
}

impl<'b> Sink<'b> for Response<'_, 'b> {
    #[inline(always)]
    fn headers(&mut self) -> &mut [Header<'b>] {
        self.headers
    }
    #[inline(always)]
    fn complete(&mut self, w: WholeHead<'b>) {
        self.version = Some(w.version);
        self.status = w.head.status;
        self.reason = Some(w.reason);
        self.head = Some(w.head);
        self.headers = truncate(core::mem::take(&mut self.headers), w.count);
    }
}

impl<'h, 'b> Request<'h, 'b> {
    /// An empty request that will store up to `headers.len()` fields.
    pub fn new(headers: &'h mut [Header<'b>]) -> Self {
        Request {
            method: None,
            target: None,
            version: None,
            headers,
            head: None,
        }
    }

    /// Parses a request head with the default (strict) configuration.
    /// More field lines than the slice holds is `ErrorKind::TooManyHeaders`.
    pub fn parse(&mut self, buf: &'b [u8]) -> Result<Parsed<usize>, Error> {
        self.parse_with(buf, &Config::default())
    }

    /// Parses a request head with `config`.
    pub fn parse_with(&mut self, buf: &'b [u8], config: &Config) -> Result<Parsed<usize>, Error> {
        let kind = MessageKind::Request;
        match whole_head::parse(kind, ResponseTo::Other, config, buf, self) {
            Some(len) => Ok(Parsed::Complete(len)),
            None => self.parse_with_engine(buf, config),
        }
    }

    /// [`Request::parse_with`] without the one-pass path: always the
    /// resumable engine. The reference the one-pass path is tested against.
    #[doc(hidden)]
    pub fn parse_with_engine(
        &mut self,
        buf: &'b [u8],
        config: &Config,
    ) -> Result<Parsed<usize>, Error> {
        let headers = core::mem::take(&mut self.headers);
        let mut c = Collector::new(buf, headers);
        let result = parse_head(MessageKind::Request, config, ResponseTo::Other, &mut c, buf);
        self.method = c.method;
        self.target = c.target;
        self.version = c.version;
        self.head = c.head;
        self.headers = complete_or_whole(c.headers, c.count, &result);
        result
    }
}

impl<'h, 'b> Response<'h, 'b> {
    /// An empty response that will store up to `headers.len()` fields.
    pub fn new(headers: &'h mut [Header<'b>]) -> Self {
        Response {
            version: None,
            status: None,
            reason: None,
            headers,
            head: None,
        }
    }

    /// Parses a response head with the default configuration.
    pub fn parse(&mut self, buf: &'b [u8]) -> Result<Parsed<usize>, Error> {
        self.parse_with(buf, &Config::default(), ResponseTo::Other)
    }

    /// Parses a response head with `config`, answering a request of kind `to`
    /// (which decides `head.body` for HEAD and CONNECT).
    pub fn parse_with(
        &mut self,
        buf: &'b [u8],
        config: &Config,
        to: ResponseTo,
    ) -> Result<Parsed<usize>, Error> {
        match whole_head::parse(MessageKind::Response, to, config, buf, self) {
            Some(len) => Ok(Parsed::Complete(len)),
            None => self.parse_with_engine(buf, config, to),
        }
    }

    /// [`Response::parse_with`] without the one-pass path: always the
    /// resumable engine. The reference the one-pass path is tested against.
    #[doc(hidden)]
    pub fn parse_with_engine(
        &mut self,
        buf: &'b [u8],
        config: &Config,
        to: ResponseTo,
    ) -> Result<Parsed<usize>, Error> {
        let headers = core::mem::take(&mut self.headers);
        let mut c = Collector::new(buf, headers);
        let result = parse_head(MessageKind::Response, config, to, &mut c, buf);
        self.version = c.version;
        self.status = c.status;
        self.reason = c.reason.or(c.status.map(|_| &b""[..]));
        self.head = c.head;
        self.headers = complete_or_whole(c.headers, c.count, &result);
        result
    }
}
