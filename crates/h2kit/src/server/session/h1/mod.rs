//! One HTTP/1.x connection (RFC 9112): requests parsed in order —
//! keep-alive and pipelining — and answered one at a time, so responses
//! leave in the order the requests came; and the switch to HTTP/2 when a
//! cleartext request asks for `Upgrade: h2c` (RFC 7540 §3.2).
//!
//! The next pipelined request is parsed only once the current response is
//! complete; until then its bytes wait in `input`, which the session bounds
//! by not reading while a request body is backed up.

mod incoming;
mod outgoing;

use super::mailbox::Responder;
use super::source::{Pull, Source};
use super::{Ctx, Job};
use crate::{Body, ConnInfo};
use bytes::{Buf, BufMut, BytesMut};
use h2kit_proto::h1::{self, BodyKind, ErrorKind, Parser, Status};
use h2kit_proto::h2::{Connection, decode_http2_settings};
use http::{Method, Request, Response, StatusCode};
use incoming::{Incoming, Parsed};
use outgoing::{Framing, HeadPlan};
use std::time::{Duration, Instant};

/// Request body octets parsed ahead of the handler's reading: the parser
/// is fed no more than this, so an upload never piles up in memory.
const BODY_BACKLOG: usize = 256 * 1024;

/// Request body octets the server reads and throws away, after answering
/// without reading the whole body, to keep the connection; beyond this it
/// closes instead.
const DRAIN_LIMIT: usize = 1 << 20;

/// Received bytes held while a response is in progress (pipelined
/// requests); the session stops reading beyond this.
const INPUT_HIGH_WATER: usize = 64 * 1024;

/// The answer that accepts `Upgrade: h2c`.
pub(super) const SWITCHING_TO_H2C: &[u8] = outgoing::SWITCHING_TO_H2C;

/// A cleartext connection switching to HTTP/2: what the session needs to
/// go on over HTTP/2.
pub(super) struct Switch {
    /// The connection, with stream 1 opened for the upgrading request.
    pub conn: Connection,
    /// The upgrading request, to be answered on stream 1.
    pub request: Request<Body>,
    /// Bytes that arrived after the request: the client's preface and
    /// frames.
    pub rest: BytesMut,
}

/// One request and its response.
struct Exchange {
    id: u32,
    http10: bool,
    head_only: bool,
    /// Whether the connection may carry another request afterwards.
    keep_alive: bool,
    expect_continue: bool,
    continue_sent: bool,
    /// The request has been read to its end.
    request_done: bool,
    /// Request body octets discarded after the response ended.
    drained: usize,
    reply: Reply,
}

enum Reply {
    /// The handler is running.
    Waiting,
    /// The handler answered; the head is not written yet.
    Ready(Response<Body>),
    /// The head is written; the body is being written.
    Sending { source: Source, framing: Framing },
    /// The response is written.
    Done,
}

/// An HTTP/1.x connection; see the [module docs](self).
pub(super) struct H1 {
    parser: Parser,
    /// Received bytes the parser has not taken yet.
    input: BytesMut,
    incoming: Incoming,
    info: ConnInfo,
    /// `Upgrade: h2c` is possible (cleartext only).
    cleartext: bool,
    exchange: Option<Exchange>,
    next_id: u32,
    /// No request is read after the current one.
    last: bool,
    /// Nothing more is parsed: the input was malformed, or the connection
    /// switched protocols.
    stopped: bool,
    /// The peer closed its side.
    eof: bool,
    /// A request head must be complete by then.
    head_deadline: Option<Instant>,
    head_timeout: Duration,
    now: Instant,
}

impl H1 {
    /// An HTTP/1.x connection; its first bytes go to [`receive`](H1::receive).
    pub fn new(info: ConnInfo, ctx: &Ctx, head_timeout: Duration, now: Instant) -> H1 {
        H1 {
            parser: Parser::request(),
            input: BytesMut::new(),
            incoming: Incoming::new(ctx.waker.clone()),
            cleartext: info.tls().is_none(),
            info,
            exchange: None,
            next_id: 1,
            last: false,
            stopped: false,
            eof: false,
            head_deadline: None,
            head_timeout,
            now,
        }
    }

    /// Bytes from the peer. Error answers go to `out`.
    pub fn receive(
        &mut self,
        ctx: &mut Ctx,
        data: &[u8],
        out: &mut BytesMut,
        now: Instant,
    ) -> Option<Switch> {
        self.now = now;
        if self.stopped {
            return None;
        }
        self.input.extend_from_slice(data);
        self.advance(ctx, out)
    }

    /// The peer closed its side: a request cut short ends its body with an
    /// error; complete requests already received are still answered.
    pub fn on_eof(&mut self, ctx: &mut Ctx, out: &mut BytesMut) {
        if self.eof {
            return;
        }
        self.eof = true;
        let _ = self.advance(ctx, out);
    }

    /// Whether the session should read more now.
    pub fn wants_read(&self) -> bool {
        !self.stopped && self.input.len() < INPUT_HIGH_WATER
    }

    /// Requests in progress (0 or 1).
    pub fn in_flight(&self) -> usize {
        usize::from(self.exchange.is_some())
    }

    /// True once no more requests will be answered.
    pub fn is_done(&self) -> bool {
        self.exchange.is_none()
            && (self.last || self.stopped || (self.eof && self.input.is_empty()))
    }

    /// No more requests after the current one (a graceful shutdown).
    pub fn shutdown(&mut self) {
        self.last = true;
    }

    /// The request head deadline, while a head is being received.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.head_deadline
    }

    /// Answers a request head that did not complete in time with 408.
    pub fn handle_timeout(&mut self, now: Instant, out: &mut BytesMut) {
        self.now = now;
        if self.head_deadline.is_some_and(|d| now >= d) && self.exchange.is_none() {
            tracing::debug!("request head timed out");
            self.head_deadline = None;
            outgoing::write_error(out, StatusCode::REQUEST_TIMEOUT, "request head timed out");
            self.stop();
        }
    }

    /// The handler's answer to request `id` (`None`: it failed).
    pub fn respond(&mut self, id: u32, response: Option<Response<Body>>) {
        let Some(ex) = self.exchange.as_mut().filter(|ex| ex.id == id) else {
            return;
        };
        if !matches!(ex.reply, Reply::Waiting) {
            return;
        }
        ex.reply = match response {
            Some(response) => Reply::Ready(response),
            None => {
                tracing::warn!("handler ended without a response");
                let mut response = Response::new(Body::from("handler failed\n"));
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                ex.keep_alive = false;
                Reply::Ready(response)
            }
        };
    }

    /// Writes what is ready into `out` (up to about `high_water` octets),
    /// then moves on to the next pipelined request.
    pub fn pump(&mut self, ctx: &mut Ctx, out: &mut BytesMut, high_water: usize) -> Option<Switch> {
        if let Some(switch) = self.advance(ctx, out) {
            return Some(switch);
        }
        loop {
            let ex = self.exchange.as_mut()?;
            match &mut ex.reply {
                Reply::Waiting => {
                    if ex.expect_continue && !ex.continue_sent && !ex.request_done {
                        out.put_slice(outgoing::CONTINUE);
                        ex.continue_sent = true;
                    }
                    return None;
                }
                Reply::Ready(_) => {
                    if let Reply::Ready(response) = std::mem::replace(&mut ex.reply, Reply::Done) {
                        self.start_response(ctx, response, out);
                    }
                }
                Reply::Sending { source, framing } => {
                    match send_body(source, framing, out, high_water, ctx) {
                        Sent::More => return None,
                        Sent::Done => ex.reply = Reply::Done,
                        Sent::Failed => {
                            // Closing without the body's end tells the
                            // client the response is incomplete.
                            ex.reply = Reply::Done;
                            self.stop();
                        }
                    }
                }
                Reply::Done => {
                    let keep_alive = ex.keep_alive;
                    if !ex.request_done && !self.stopped {
                        if ex.drained <= DRAIN_LIMIT {
                            return None; // reading the rest of the body
                        }
                        self.stop();
                    }
                    if !keep_alive {
                        self.last = true;
                    }
                    self.exchange = None;
                    if let Some(switch) = self.advance(ctx, out) {
                        return Some(switch);
                    }
                    if self.exchange.is_some() {
                        // The next pipelined request is a job the driver
                        // has yet to run.
                        ctx.waker.wake_by_ref();
                    }
                }
            }
        }
    }

    fn start_response(&mut self, ctx: &Ctx, response: Response<Body>, out: &mut BytesMut) {
        let Some(ex) = self.exchange.as_mut() else {
            return;
        };
        if ex.expect_continue && !ex.continue_sent && !ex.request_done {
            // The client may be holding its body back for a 100 Continue
            // that will not come: it cannot reuse the connection.
            ex.keep_alive = false;
        }
        let (parts, body) = response.into_parts();
        let plan = HeadPlan {
            http10: ex.http10,
            head_only: ex.head_only,
            keep_alive: ex.keep_alive && !self.last,
            exact_len: body.exact_len(),
        };
        tracing::debug!(status = parts.status.as_u16(), "response");
        let written = outgoing::write_head(out, &parts, plan);
        ex.keep_alive = written.keep_alive;
        ex.reply = match written.framing {
            Framing::None => Reply::Done,
            framing => Reply::Sending {
                source: Source::new(body, ctx),
                framing,
            },
        };
    }

    /// Parses what the input allows: the next request's head, or more of
    /// the current request's body.
    fn advance(&mut self, ctx: &mut Ctx, out: &mut BytesMut) -> Option<Switch> {
        loop {
            if self.stopped {
                return None;
            }
            let parsing = match &self.exchange {
                None => !self.last,
                Some(ex) => !ex.request_done,
            };
            if !parsing || self.input.is_empty() {
                break;
            }
            if self.exchange.is_none() && self.head_deadline.is_none() {
                self.head_deadline = Some(self.now + self.head_timeout);
            }
            let room = BODY_BACKLOG.saturating_sub(self.incoming.body_backlog());
            if room == 0 {
                break; // the handler reads on; its reading wakes us
            }
            let window = room.min(self.input.len());
            let progress = match self
                .parser
                .execute(&mut self.incoming, &self.input[..window])
            {
                Ok(progress) => progress,
                Err(err) => {
                    self.on_parse_error(err, out);
                    return None;
                }
            };
            self.input.advance(progress.consumed);
            if let Some(ex) = self.exchange.as_mut() {
                if matches!(ex.reply, Reply::Done) {
                    ex.drained += progress.consumed;
                }
            }
            let mut upgrade = None;
            match self.incoming.take_request() {
                Some(Ok(parsed)) => upgrade = self.start_exchange(ctx, parsed),
                Some(Err(why)) => {
                    tracing::debug!(why, "request not representable");
                    outgoing::write_error(out, StatusCode::BAD_REQUEST, why);
                    self.stop();
                    return None;
                }
                None => {}
            }
            let complete = self.incoming.take_complete();
            if complete {
                if let Some(ex) = &mut self.exchange {
                    ex.request_done = true;
                }
            }
            match (progress.status, upgrade) {
                (Status::Upgraded, Some(parsed)) => {
                    match upgraded_connection(ctx, &parsed.request) {
                        Some(conn) => return Some(self.switch_to_h2c(conn, parsed)),
                        None => self.dispatch(ctx, parsed),
                    }
                }
                // Not at the message's end after all: serve it over HTTP/1.1.
                (_, Some(parsed)) => self.dispatch(ctx, parsed),
                // A declined upgrade (CONNECT, websocket): the parser goes
                // on with HTTP/1 if anything follows.
                (_, None) => {}
            }
            if progress.consumed == 0 && !complete {
                break;
            }
        }
        if self.eof {
            let cut_short = self.incoming.reading_body();
            if cut_short {
                tracing::debug!("connection closed in the middle of a request body");
                self.incoming.abort_body();
            }
            if self.exchange.is_none() || cut_short {
                // What is left can never become a whole request.
                self.stop();
            }
        }
        None
    }

    /// Starts answering a request whose head is complete; returns it back
    /// when it is an `Upgrade: h2c` the server accepts instead.
    fn start_exchange(&mut self, ctx: &mut Ctx, parsed: Parsed) -> Option<Parsed> {
        self.head_deadline = None;
        if self.accepts_h2c(&parsed) {
            return Some(parsed);
        }
        self.dispatch(ctx, parsed);
        None
    }

    fn dispatch(&mut self, ctx: &mut Ctx, parsed: Parsed) {
        let Parsed { request, head } = parsed;
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let connect = head.method == Some(h1::Method::Connect);
        if connect {
            // No tunnels over HTTP/1.1 here: answer, then close.
            self.last = true;
        }
        self.exchange = Some(Exchange {
            id,
            http10: head.version.minor == 0,
            head_only: request.method() == Method::HEAD,
            keep_alive: head.keep_alive && !connect,
            expect_continue: head.expect_continue,
            continue_sent: false,
            request_done: false,
            drained: 0,
            reply: Reply::Waiting,
        });
        let info = self.info.clone();
        let request = request.map(|body| body.with_conn_info(info));
        ctx.jobs.push_back(Job {
            request,
            responder: Responder::new(ctx.mailbox.clone(), id),
        });
    }

    /// RFC 7540 §3.2: a cleartext request with `Upgrade: h2c`, one
    /// `HTTP2-Settings` and no body (a body would have to be read in full
    /// before switching; such a request is simply served over HTTP/1.1).
    fn accepts_h2c(&self, parsed: &Parsed) -> bool {
        self.cleartext
            && !self.last
            && parsed.head.h2c_upgrade
            && matches!(parsed.head.body, BodyKind::None | BodyKind::Length(0))
    }

    /// Hands the connection over to HTTP/2.
    fn switch_to_h2c(&mut self, conn: Connection, parsed: Parsed) -> Switch {
        let mut request = parsed.request;
        for name in ["connection", "upgrade", "http2-settings"] {
            request.headers_mut().remove(name);
        }
        *request.version_mut() = http::Version::HTTP_2;
        self.stopped = true;
        Switch {
            conn,
            request,
            rest: self.input.split(),
        }
    }

    fn on_parse_error(&mut self, err: h1::Error, out: &mut BytesMut) {
        tracing::debug!(
            kind = err.kind().as_str(),
            offset = err.offset(),
            "malformed request"
        );
        match self.exchange.as_mut() {
            // In a body the handler is reading: it sees the body fail, its
            // response still goes out, then the connection closes.
            Some(ex) => {
                self.incoming.abort_body();
                ex.request_done = true;
                ex.keep_alive = false;
            }
            None => {
                let status = error_status(err.kind());
                outgoing::write_error(out, status, err.kind().as_str());
            }
        }
        self.stop();
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.last = true;
        self.head_deadline = None;
    }
}

/// The HTTP/2 connection an `Upgrade: h2c` request asks for, unless its
/// HTTP2-Settings are not acceptable (then it is served over HTTP/1.1).
fn upgraded_connection(ctx: &Ctx, request: &Request<Body>) -> Option<Connection> {
    let value = request.headers().get("http2-settings")?;
    let settings = decode_http2_settings(value.as_bytes())?;
    match Connection::server_upgraded_shared(ctx.shared.h2.clone(), &settings) {
        Ok(conn) => Some(conn),
        Err(code) => {
            tracing::debug!(%code, "HTTP2-Settings not acceptable: staying on HTTP/1.1");
            None
        }
    }
}

enum Sent {
    /// Waiting for output room or for the handler's next chunk.
    More,
    Done,
    /// The body failed or did not match its declared length.
    Failed,
}

fn send_body(
    source: &mut Source,
    framing: &mut Framing,
    out: &mut BytesMut,
    high_water: usize,
    ctx: &Ctx,
) -> Sent {
    loop {
        if out.len() >= high_water {
            return Sent::More;
        }
        let room = high_water - out.len();
        let max = match *framing {
            Framing::Length(0) => return Sent::Done,
            Framing::Length(n) => room.min(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => room,
        };
        match source.pull(max, &ctx.waker) {
            Pull::Data { chunk, last } => {
                outgoing::write_data(out, *framing, &chunk);
                if let Framing::Length(n) = framing {
                    *n -= chunk.len() as u64;
                }
                if last {
                    return finish_body(framing, out, None);
                }
            }
            Pull::End(trailers) => return finish_body(framing, out, trailers.as_ref()),
            Pull::Pending => return Sent::More,
            Pull::Failed(err) => {
                tracing::debug!(%err, "response body failed");
                return Sent::Failed;
            }
        }
    }
}

fn finish_body(framing: &Framing, out: &mut BytesMut, trailers: Option<&http::HeaderMap>) -> Sent {
    match framing {
        Framing::Chunked => {
            outgoing::write_last_chunk(out, trailers);
            Sent::Done
        }
        Framing::Length(0) | Framing::Close | Framing::None => Sent::Done,
        Framing::Length(missing) => {
            tracing::warn!(missing, "response body shorter than its Content-Length");
            Sent::Failed
        }
    }
}

/// The status that answers a malformed request (RFC 9112 and 9110 §15.5).
fn error_status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::TooManyHeaders | ErrorKind::HeadTooLarge => {
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        }
        ErrorKind::TargetTooLong => StatusCode::URI_TOO_LONG,
        ErrorKind::UnknownTransferCoding => StatusCode::NOT_IMPLEMENTED,
        ErrorKind::UnsupportedVersion => StatusCode::HTTP_VERSION_NOT_SUPPORTED,
        _ => StatusCode::BAD_REQUEST,
    }
}
