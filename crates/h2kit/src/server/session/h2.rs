//! One HTTP/2 connection's streams as the driver sees them: each request
//! becomes a [`Job`] with a body fed from DATA frames, and each
//! response body is moved into the core as its send buffer frees up.

use super::convert;
use super::digits::Digits;
use super::mailbox::{Mail, Responder};
use super::no_body_status;
use super::source::{Pull, Source};
use super::{Ctx, Job};
use crate::body::{Kind, pipe};
use crate::push::Pusher;
use crate::{Body, BodyError, ConnInfo};
use bytes::Bytes;
use h2kit_proto::ErrorCode;
use h2kit_proto::frame::StreamId;
use h2kit_proto::h2::{Connection, Event, StreamIdHasher};
use h2kit_proto::hpack::FieldRef;
use http::{HeaderMap, Response, StatusCode};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::task::Waker;

/// The driver's side of one stream.
struct Slot {
    /// Feeds the request body to the handler; `None` once it ended.
    request_body: Option<pipe::Sender>,
    response: ResponseState,
    /// A HEAD request: the response has no body.
    head_only: bool,
}

enum ResponseState {
    /// The handler is running.
    Waiting,
    /// Headers are sent; the body is being moved into the core.
    Sending(Source),
    /// Everything is handed to the core.
    Done,
}

/// The driver's streams by id.
type SlotTable = HashMap<u32, Slot, BuildHasherDefault<StreamIdHasher>>;

/// The working memory a thread's HTTP/2 sessions take turns with: the
/// core's [`h2kit_proto::h2::Scratch`] and the driver's stream table (see
/// [`H2::borrow_scratch`]).
#[derive(Default)]
pub(super) struct Scratch {
    core: h2kit_proto::h2::Scratch,
    slots: SlotTable,
}

/// An HTTP/2 connection plus the state of its streams.
pub(super) struct H2 {
    pub conn: Connection,
    slots: SlotTable,
    info: ConnInfo,
    /// Promised pushes: the handler's token to the promised stream.
    promised: HashMap<u64, u32>,
    /// The allocation behind each response's field list, kept between
    /// responses (always empty here).
    refs: Vec<FieldRef<'static>>,
    /// The `Date` of the responses of the current batch of events: reading
    /// the clock once per batch instead of once per response.
    date: Option<[u8; crate::httpdate::IMF_FIXDATE_LEN]>,
    /// The streams `pump` visits: those with a request body being read or a
    /// response body still being sent. Short responses finish in `respond`
    /// and never join, so pumping costs nothing for them.
    pumping: Vec<u32>,
    convert: convert::Converter,
    /// Scratch for the mail taken from the mailbox.
    mail: Vec<Mail>,
    /// A request arrived since this state was created (or resumed).
    served: bool,
}

impl H2 {
    pub fn new(conn: Connection, info: ConnInfo) -> H2 {
        H2 {
            conn,
            slots: HashMap::default(),
            info,
            promised: HashMap::new(),
            refs: Vec::new(),
            date: None,
            pumping: Vec::new(),
            convert: convert::Converter::default(),
            mail: Vec::new(),
            served: false,
        }
    }

    /// No stream, promise or body in progress.
    pub fn is_quiet(&self) -> bool {
        self.slots.is_empty() && self.promised.is_empty() && self.pumping.is_empty()
    }

    /// The protocol state, for parking; the rest is scratch.
    pub fn into_conn(self) -> Connection {
        self.conn
    }

    /// A request arrived since this state was created (or resumed).
    pub fn has_served(&self) -> bool {
        self.served
    }

    /// The connection's description, for a parked session to rebuild.
    pub fn info(&self) -> &ConnInfo {
        &self.info
    }

    /// Takes `scratch`'s containers in place of this connection's own
    /// empty ones, for a read and what follows: the connections of one
    /// thread then work in the same memory, still cached from the last
    /// turn, instead of each in its own (see `h2kit_proto::h2::Scratch`).
    pub fn borrow_scratch(&mut self, scratch: &mut Scratch) {
        self.conn.borrow_scratch(&mut scratch.core);
        if self.slots.is_empty() && scratch.slots.capacity() > 0 {
            self.slots = std::mem::take(&mut scratch.slots);
        }
    }

    /// Lets go of the containers this connection holds empty: to
    /// `scratch` when it has none of that kind, else to the allocator.
    pub fn return_scratch(&mut self, scratch: &mut Scratch) {
        self.conn.return_scratch(&mut scratch.core);
        if self.slots.is_empty() {
            let slots = std::mem::take(&mut self.slots);
            if scratch.slots.capacity() == 0 {
                scratch.slots = slots;
            }
        }
    }

    /// Streams whose request or response is still in progress.
    pub fn in_flight(&self) -> usize {
        self.slots.len()
    }

    /// Starts a batch of work: the clock is read again for the next
    /// response's `Date`.
    pub fn new_batch(&mut self) {
        self.date = None;
    }

    /// Handles everything the core reported.
    pub fn process_events(&mut self, ctx: &mut Ctx) {
        self.new_batch();
        while let Some(event) = self.conn.poll_event() {
            match event {
                Event::Request {
                    stream_id,
                    head,
                    end_stream,
                } => self.on_request(ctx, stream_id, head, end_stream),
                Event::Data {
                    stream_id,
                    data,
                    end_stream,
                } => self.on_data(stream_id, data, end_stream),
                Event::Trailers { stream_id, fields } => {
                    let trailers = self.convert.header_map(fields.into_iter()).ok();
                    if let Some(tx) = self
                        .slots
                        .get_mut(&stream_id.value())
                        .and_then(|s| s.request_body.take())
                    {
                        match trailers {
                            Some(t) => tx.finish(Some(t)),
                            None => tx.fail(BodyError::Aborted),
                        }
                    }
                }
                Event::StreamReset {
                    stream_id, code, ..
                } => {
                    tracing::debug!(stream = stream_id.value(), %code, "stream reset");
                    // Dropping the slot aborts the request body the handler
                    // may be reading and the response body it may be writing.
                    self.slots.remove(&stream_id.value());
                }
                Event::StreamClosed { stream_id } => {
                    self.slots.remove(&stream_id.value());
                }
                Event::ConnectionTerminated { code, by, .. } => {
                    tracing::debug!(%code, ?by, "connection terminated");
                    self.slots.clear();
                }
                Event::GoAwayReceived { code, .. } => {
                    tracing::debug!(%code, "GOAWAY received");
                }
                _ => {}
            }
        }
    }

    fn on_request(
        &mut self,
        ctx: &mut Ctx,
        stream_id: StreamId,
        head: Box<h2kit_proto::h2::RequestHead>,
        end_stream: bool,
    ) {
        let id = stream_id.value();
        self.served = true;
        let (request_body, body) = if end_stream {
            (None, Body::empty())
        } else {
            // Unbounded: flow control bounds it, since window goes back
            // to the client only as the handler reads (`release_consumed`).
            let (tx, rx) = pipe::pipe(usize::MAX, Some(ctx.waker.clone()));
            (Some(tx), Body::from_pipe(rx))
        };
        let body = body.with_conn_info(self.info.clone());
        let head_only = head.method[..] == *b"HEAD";
        if request_body.is_some() {
            self.pumping.push(id);
        }
        self.slots.insert(
            id,
            Slot {
                request_body,
                response: ResponseState::Waiting,
                head_only,
            },
        );
        let origin = self
            .conn
            .peer_settings()
            .enable_push
            .then(|| push_origin(&head, &mut self.convert))
            .flatten();
        let pusher = origin.map(|o| Pusher::new(ctx.mailbox.clone(), id, Some(o)));
        let mut head = head;
        let converted = self.convert.request(&mut head, body);
        self.conn.recycle_request_head(head);
        match converted {
            Ok(mut request) => {
                if let Some(pusher) = pusher {
                    request.extensions_mut().insert(pusher);
                }
                if ctx.shared.handler.may_block() || ctx.defer_requests {
                    ctx.jobs.push_back(Job {
                        request,
                        responder: Responder::new(ctx.mailbox.clone(), id),
                    });
                } else {
                    // Answered right here: no queueing, no thread hop.
                    let response = super::call_inline(&*ctx.shared.handler, request);
                    self.deliver_mail(ctx);
                    self.respond(ctx, id, response);
                }
            }
            Err(why) => {
                tracing::debug!(stream = id, why = why.0, "request not representable");
                let mut response = Response::new(Body::from(why.0));
                *response.status_mut() = StatusCode::BAD_REQUEST;
                self.respond(ctx, id, Some(response));
            }
        }
    }

    /// Takes the request that upgraded the connection from HTTP/1.1 as
    /// stream 1 (RFC 7540 §3.2); its body, if any, was read over HTTP/1.1.
    pub fn adopt_upgraded(&mut self, ctx: &mut Ctx, request: http::Request<crate::Body>) {
        let head_only = request.method() == http::Method::HEAD;
        self.slots.insert(
            1,
            Slot {
                request_body: None,
                response: ResponseState::Waiting,
                head_only,
            },
        );
        let info = self.info.clone();
        let request = request.map(|body| body.with_conn_info(info));
        ctx.jobs.push_back(Job {
            request,
            responder: Responder::new(ctx.mailbox.clone(), 1),
        });
    }

    fn on_data(&mut self, stream_id: StreamId, data: Bytes, end_stream: bool) {
        let id = stream_id.value();
        let len = data.len() as u32;
        let Some(tx) = self
            .slots
            .get_mut(&id)
            .and_then(|s| s.request_body.as_ref())
        else {
            // Nobody reads this stream's body: give the window straight back.
            if len > 0 {
                let _ = self.conn.release_capacity(stream_id, len);
            }
            return;
        };
        if !data.is_empty() {
            tx.push(data);
        }
        if end_stream {
            if let Some(tx) = self.slots.get_mut(&id).and_then(|s| s.request_body.take()) {
                tx.finish(None);
            }
        }
    }

    /// Acts on the mail handlers posted so far — before a response from an
    /// inline handler, so the pushes it promised go out first.
    pub fn deliver_mail(&mut self, ctx: &mut Ctx) {
        if !ctx.mailbox.has_mail() {
            return;
        }
        let mut mail = std::mem::take(&mut self.mail);
        ctx.mailbox.drain(&mut mail);
        for m in mail.drain(..) {
            self.deliver(ctx, m);
        }
        self.mail = mail;
    }

    /// Acts on one message from a handler.
    fn deliver(&mut self, ctx: &mut Ctx, mail: Mail) {
        match mail {
            Mail::Response { stream, response } => self.respond(ctx, stream, response),
            Mail::Promise {
                parent,
                token,
                request,
            } => self.promise(parent, token, request),
            Mail::Pushed { token, response } => {
                let Some(id) = self.promised.remove(&token) else {
                    return; // the push was refused or reset already
                };
                match response {
                    Some(response) => self.respond(ctx, id, Some(response)),
                    None => {
                        // Abandoned by the handler: §8.4.2 lets a server
                        // cancel a push it will not complete with CANCEL.
                        tracing::debug!(stream = id, "push abandoned");
                        let _ = self.conn.reset(StreamId::new(id), ErrorCode::CANCEL);
                        self.slots.remove(&id);
                    }
                }
            }
        }
    }

    /// Sends a PUSH_PROMISE on `parent` (RFC 9113 §8.4) and opens the slot
    /// its response will fill.
    fn promise(&mut self, parent: u32, token: u64, request: http::Request<()>) {
        let (parts, ()) = request.into_parts();
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let authority = parts.uri.authority().map_or("", |a| a.as_str());
        let scheme = parts.uri.scheme_str().unwrap_or("https");
        let mut refs: Vec<FieldRef<'_>> = vec![
            FieldRef::new(b":method", parts.method.as_str().as_bytes()),
            FieldRef::new(b":scheme", scheme.as_bytes()),
            FieldRef::new(b":authority", authority.as_bytes()),
            FieldRef::new(b":path", path.as_bytes()),
        ];
        refs.extend(
            parts
                .headers
                .iter()
                .filter(|(n, _)| !convert::is_connection_specific(n))
                .map(|(n, v)| FieldRef::new(n.as_str().as_bytes(), v.as_bytes())),
        );
        match self.conn.push_promise(StreamId::new(parent), &refs) {
            Ok(promised) => {
                tracing::debug!(parent, promised = promised.value(), path, "push promised");
                self.slots.insert(
                    promised.value(),
                    Slot {
                        request_body: None,
                        response: ResponseState::Waiting,
                        head_only: parts.method == http::Method::HEAD,
                    },
                );
                self.promised.insert(token, promised.value());
            }
            Err(err) => tracing::debug!(parent, %err, path, "push refused"),
        }
    }

    /// Starts sending a handler's response (`None`: the handler failed).
    pub fn respond(&mut self, ctx: &mut Ctx, id: u32, response: Option<Response<Body>>) {
        let stream_id = StreamId::new(id);
        let Some(slot) = self.slots.get_mut(&id) else {
            return; // reset while the handler ran
        };
        if !matches!(slot.response, ResponseState::Waiting) {
            return;
        }
        let Some(response) = response else {
            tracing::warn!(stream = id, "handler ended without a response");
            let _ = self.conn.reset(stream_id, ErrorCode::INTERNAL_ERROR);
            self.slots.remove(&id);
            return;
        };
        let (parts, body) = response.into_parts();
        let head_only = slot.head_only;
        let exact_len = body.exact_len();
        let headers = &parts.headers;
        let mut length_digits = Digits::new();
        let (mut has_length, mut has_date) = (false, false);
        let mut refs = recycle(std::mem::take(&mut self.refs));
        for (name, value) in headers {
            has_length |= name == http::header::CONTENT_LENGTH;
            has_date |= name == http::header::DATE;
            if !convert::is_connection_specific(name) {
                refs.push(FieldRef {
                    name: name.as_str().as_bytes(),
                    value: value.as_bytes(),
                    sensitive: value.is_sensitive(),
                });
            }
        }
        let date = *self.date.get_or_insert_with(crate::server::date::now);
        if !has_date {
            refs.push(FieldRef::new(b"date", &date));
        }
        let body_allowed = !no_body_status(parts.status);
        if let (false, true, Some(len)) = (has_length, body_allowed, exact_len) {
            refs.push(FieldRef::new(b"content-length", length_digits.decimal(len)));
        }
        let empty = head_only || !body_allowed || exact_len == Some(0);
        let status = parts.status.as_u16();
        tracing::debug!(stream = id, status, "response");
        if let Err(err) = self.conn.send_response(stream_id, status, &refs, empty) {
            tracing::warn!(stream = id, %err, "response refused by the connection");
            let _ = self.conn.reset(stream_id, ErrorCode::INTERNAL_ERROR);
            self.slots.remove(&id);
            return;
        }
        refs.clear();
        self.refs = recycle(refs);
        self.convert.keep(parts.headers);
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        if empty {
            slot.response = ResponseState::Done;
            return;
        }
        let mut source = match body.into_kind() {
            // Bytes in memory that the stream takes whole: sent now, with no
            // source to pull them from.
            Kind::Full(bytes) if bytes.len() <= self.conn.send_capacity(stream_id) => {
                if self.conn.send_data(stream_id, bytes, true).is_ok() {
                    slot.response = ResponseState::Done;
                } else {
                    let _ = self.conn.reset(stream_id, ErrorCode::INTERNAL_ERROR);
                    self.slots.remove(&id);
                }
                return;
            }
            kind => Source::from_kind(kind, ctx),
        };
        // Most other bodies fit at once too: sent now, the stream never
        // needs pumping.
        match pump_body(&mut self.conn, stream_id, &mut source, &ctx.waker) {
            Pumped::Done => slot.response = ResponseState::Done,
            Pumped::Failed => {
                let _ = self.conn.reset(stream_id, ErrorCode::INTERNAL_ERROR);
                self.slots.remove(&id);
            }
            Pumped::BufferFull | Pumped::Waiting => {
                slot.response = ResponseState::Sending(source);
                if !self.pumping.contains(&id) {
                    self.pumping.push(id);
                }
            }
        }
    }

    /// Gives back window for what handlers have read, and moves response
    /// bodies into the core as far as its send buffers allow.
    ///
    /// Returns true when a body has more ready than the core's send buffer
    /// took: once the core's output is taken, pumping again moves more.
    pub fn pump(&mut self, ctx: &mut Ctx) -> bool {
        let mut buffer_full = false;
        let mut i = 0;
        while i < self.pumping.len() {
            let id = self.pumping[i];
            let stream_id = StreamId::new(id);
            let Some(slot) = self.slots.get_mut(&id) else {
                self.pumping.swap_remove(i);
                continue;
            };
            if let Some(tx) = &slot.request_body {
                let consumed = tx.take_consumed();
                if consumed > 0 {
                    let _ = self.conn.release_capacity(stream_id, consumed as u32);
                }
            }
            if let ResponseState::Sending(source) = &mut slot.response {
                match pump_body(&mut self.conn, stream_id, source, &ctx.waker) {
                    Pumped::BufferFull => buffer_full = true,
                    Pumped::Waiting => {}
                    Pumped::Done => slot.response = ResponseState::Done,
                    Pumped::Failed => {
                        let _ = self.conn.reset(stream_id, ErrorCode::INTERNAL_ERROR);
                        self.slots.remove(&id);
                        self.pumping.swap_remove(i);
                        continue;
                    }
                }
            }
            let still_needed =
                slot.request_body.is_some() || matches!(slot.response, ResponseState::Sending(_));
            if still_needed {
                i += 1;
            } else {
                self.pumping.swap_remove(i);
            }
        }
        buffer_full
    }
}

enum Pumped {
    /// The stream's send buffer is full; the body has more.
    BufferFull,
    /// Waiting for the body's writer.
    Waiting,
    /// The body's end is handed to the core.
    Done,
    /// The body failed: the stream must be reset.
    Failed,
}

fn pump_body(conn: &mut Connection, id: StreamId, source: &mut Source, waker: &Waker) -> Pumped {
    loop {
        let capacity = conn.send_capacity(id);
        if capacity == 0 {
            return Pumped::BufferFull;
        }
        let sent = match source.pull(capacity, waker) {
            Pull::Data { chunk, last } => {
                if conn.send_data(id, chunk, last).is_err() {
                    return Pumped::Failed;
                }
                if !last {
                    continue;
                }
                true
            }
            Pull::End(None) => conn.send_data(id, Bytes::new(), true).is_ok(),
            Pull::End(Some(trailers)) => conn.send_trailers(id, &trailer_fields(&trailers)).is_ok(),
            Pull::Pending => return Pumped::Waiting,
            Pull::Failed(err) => {
                tracing::debug!(stream = id.value(), %err, "response body failed");
                false
            }
        };
        return if sent { Pumped::Done } else { Pumped::Failed };
    }
}

fn trailer_fields(trailers: &HeaderMap) -> Vec<FieldRef<'_>> {
    trailers
        .iter()
        .filter(|(n, _)| !convert::is_connection_specific(n))
        .map(|(n, v)| FieldRef::new(n.as_str().as_bytes(), v.as_bytes()))
        .collect()
}

/// An empty vector's allocation, for field references of another lifetime
/// (collecting an empty vector in place keeps its buffer).
fn recycle<'a, 'b>(mut v: Vec<FieldRef<'a>>) -> Vec<FieldRef<'b>> {
    v.clear();
    v.into_iter().map(|_| FieldRef::new(b"", b"")).collect()
}

/// The scheme and authority a request's pushes inherit, when it has them
/// in a form `http` accepts.
fn push_origin(
    head: &h2kit_proto::h2::RequestHead,
    convert: &mut convert::Converter,
) -> Option<(http::uri::Scheme, http::uri::Authority)> {
    let scheme = http::uri::Scheme::try_from(head.scheme.as_deref()?).ok()?;
    let authority = convert.authority(head.authority.clone()?).ok()?;
    Some((scheme, authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycling_a_field_list_keeps_its_allocation() {
        let name = String::from("x-name");
        let mut refs: Vec<FieldRef<'_>> = Vec::with_capacity(10);
        refs.push(FieldRef::new(name.as_bytes(), b"v"));
        let ptr = refs.as_ptr() as usize;
        let kept: Vec<FieldRef<'static>> = recycle(refs);
        assert!(kept.is_empty());
        assert!(kept.capacity() >= 10);
        assert_eq!(kept.as_ptr() as usize, ptr, "the same buffer");
    }
}
