//! Requests as the HTTP/1 parser reports them, turned into
//! `http::Request<Body>`: the head is collected from the parser's callbacks,
//! the body streams into a pipe the handler reads.

use crate::Body;
use crate::body::pipe;
use bytes::Bytes;
use h2kit_proto::h1::{self, BodyKind, Flow, Head, HeadAction};
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Uri, Version};
use std::task::Waker;

/// Collects one request at a time from the parser's callbacks.
pub(super) struct Incoming {
    method: Vec<u8>,
    target: Vec<u8>,
    version: h1::Version,
    headers: HeaderMap,
    trailers: HeaderMap,
    /// A field line arriving in pieces (split across reads).
    name: Vec<u8>,
    value: Vec<u8>,
    /// Why the head cannot be represented as `http` types, if it cannot.
    unrepresentable: Option<&'static str>,
    /// The summary of the head, once it is complete.
    head: Option<Head>,
    /// Writes the request body for the handler, from the end of the head
    /// to the end of the message.
    body: Option<pipe::Sender>,
    /// The reading end, until the request is handed out.
    body_reader: Option<pipe::Receiver>,
    /// Woken when the handler reads the body, so more can be parsed.
    waker: Waker,
    /// The whole message (head and body) has been parsed.
    complete: bool,
}

/// A request head ready for the handler.
pub(super) struct Parsed {
    pub request: Request<Body>,
    pub head: Head,
}

impl Incoming {
    pub fn new(waker: Waker) -> Incoming {
        Incoming {
            method: Vec::new(),
            target: Vec::new(),
            version: h1::Version::HTTP_11,
            headers: HeaderMap::new(),
            trailers: HeaderMap::new(),
            name: Vec::new(),
            value: Vec::new(),
            unrepresentable: None,
            head: None,
            body: None,
            body_reader: None,
            waker,
            complete: false,
        }
    }

    /// Whether the message that was being parsed ended.
    pub fn take_complete(&mut self) -> bool {
        std::mem::take(&mut self.complete)
    }

    /// Whether a request body is still being read.
    pub fn reading_body(&self) -> bool {
        self.body.is_some()
    }

    /// Octets of the request body parsed but not yet read by the handler.
    pub fn body_backlog(&self) -> usize {
        self.body.as_ref().map_or(0, pipe::Sender::queued)
    }

    /// Ends the body the handler is reading with an error (the request
    /// turned out malformed, or the connection ended).
    pub fn abort_body(&mut self) {
        if let Some(tx) = self.body.take() {
            tx.fail(crate::BodyError::Aborted);
        }
    }

    /// The request whose head was just completed, if any; `Err` with a
    /// reason when it cannot be represented.
    pub fn take_request(&mut self) -> Option<Result<Parsed, &'static str>> {
        let head = self.head.take()?;
        if let Some(why) = self.unrepresentable.take() {
            self.abort_body();
            self.reset_head();
            return Some(Err(why));
        }
        let body = match self.body_reader.take() {
            Some(rx) => Body::from_pipe(rx),
            None => Body::empty(),
        };
        let result = self.build(body).map(|request| Parsed { request, head });
        if result.is_err() {
            self.abort_body();
        }
        self.reset_head();
        Some(result)
    }

    fn build(&mut self, body: Body) -> Result<Request<Body>, &'static str> {
        let method = Method::from_bytes(&self.method).map_err(|_| "method not representable")?;
        let uri = Uri::from_maybe_shared(Bytes::copy_from_slice(&self.target))
            .map_err(|_| "request target not representable")?;
        let mut request = Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.version_mut() = if self.version.minor == 0 {
            Version::HTTP_10
        } else {
            Version::HTTP_11
        };
        *request.headers_mut() = std::mem::take(&mut self.headers);
        Ok(request)
    }

    fn reset_head(&mut self) {
        self.method.clear();
        self.target.clear();
        self.headers.clear();
    }

    fn push_field(&mut self, trailer: bool) {
        let name = std::mem::take(&mut self.name);
        let value = std::mem::take(&mut self.value);
        self.add_field(&name, &value, trailer);
        // Keep the buffers' capacity for the next split field.
        self.name = name;
        self.value = value;
        self.name.clear();
        self.value.clear();
    }

    fn add_field(&mut self, name: &[u8], value: &[u8], trailer: bool) {
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        else {
            if !trailer {
                self.unrepresentable = Some("header field not representable");
            }
            return;
        };
        if trailer {
            self.trailers.append(name, value);
        } else {
            self.headers.append(name, value);
        }
    }
}

impl<'b> h1::Handler<'b> for Incoming {
    fn on_message_begin(&mut self) {
        self.reset_head();
        self.trailers.clear();
        self.unrepresentable = None;
    }

    fn on_method(&mut self, part: &'b [u8]) {
        self.method.extend_from_slice(part);
    }

    fn on_target(&mut self, part: &'b [u8]) {
        self.target.extend_from_slice(part);
    }

    fn on_version(&mut self, version: h1::Version) {
        self.version = version;
    }

    fn on_header_name(&mut self, part: &'b [u8]) {
        self.name.extend_from_slice(part);
    }

    fn on_header_value(&mut self, part: &'b [u8]) {
        self.value.extend_from_slice(part);
    }

    fn on_header_end(&mut self) {
        self.push_field(false);
    }

    fn on_header(&mut self, name: &'b [u8], value: &'b [u8]) {
        self.add_field(name, value, false);
    }

    fn on_headers_complete(&mut self, head: &Head) -> HeadAction {
        self.head = Some(*head);
        let has_body = !matches!(head.body, BodyKind::None | BodyKind::Length(0));
        if has_body {
            // Unbounded: the session bounds the backlog by feeding the
            // parser no more than the handler has room for.
            let (tx, rx) = pipe::pipe(usize::MAX, Some(self.waker.clone()));
            self.body = Some(tx);
            self.body_reader = Some(rx);
        }
        HeadAction::Continue
    }

    fn on_body(&mut self, part: &'b [u8]) {
        if let Some(tx) = &self.body {
            tx.push(Bytes::copy_from_slice(part));
        }
    }

    fn on_trailer_name(&mut self, part: &'b [u8]) {
        self.name.extend_from_slice(part);
    }

    fn on_trailer_value(&mut self, part: &'b [u8]) {
        self.value.extend_from_slice(part);
    }

    fn on_trailer_end(&mut self) {
        self.push_field(true);
    }

    fn on_trailer(&mut self, name: &'b [u8], value: &'b [u8]) {
        self.add_field(name, value, true);
    }

    fn on_message_complete(&mut self) -> Flow {
        if let Some(tx) = self.body.take() {
            let trailers = std::mem::take(&mut self.trailers);
            tx.finish((!trailers.is_empty()).then_some(trailers));
        }
        self.complete = true;
        // One request at a time: the next pipelined one is parsed once
        // this one is answered, so responses go out in order.
        Flow::Pause
    }
}
