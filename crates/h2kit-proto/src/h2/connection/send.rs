//! The application's actions and the outgoing byte stream.

use super::super::error::UserError;
use super::super::event::Initiator;
use super::super::message::{has_edge_whitespace, valid_name, valid_value};
use super::super::priority::Priority;
use super::super::state::{Outcome, StreamState, Transition};
use super::super::stream::Stream;
use super::{Connection, Role};
use crate::ErrorCode;
use crate::frame::{FrameHeader, FrameType, StreamId, flags};
use crate::hpack::{self, FieldRef, HeaderField};
use bytes::{Bytes, BytesMut};

/// A stream open waiting for a slot under the peer's
/// MAX_CONCURRENT_STREAMS. Its id is already assigned, so ids still go out
/// in increasing order (§5.1.1).
pub(super) struct PendingOpen {
    pub stream_id: StreamId,
    pub fields: Vec<HeaderField>,
    pub end_stream: bool,
}

impl Connection {
    /// (Client) Sends a request: pseudo-header fields first (`:method`,
    /// `:scheme`, `:authority`, `:path`), then the header fields, all
    /// lower-case. Returns the new stream's id.
    ///
    /// If the peer's MAX_CONCURRENT_STREAMS is reached the request waits in
    /// a fair queue and goes out as streams finish; `send_data` may already
    /// be called for it.
    pub fn send_request<'a, F>(
        &mut self,
        fields: &[F],
        end_stream: bool,
    ) -> Result<StreamId, UserError>
    where
        F: Into<FieldRef<'a>> + Copy,
    {
        self.check_open()?;
        if self.role != Role::Client {
            return Err(UserError::ClientOnly);
        }
        if self.goaway_sent.is_some() || self.goaway_received.is_some() {
            return Err(UserError::GoingAway);
        }
        let head_request = check_request(fields)?;
        // RFC 8441 §4: a client uses `:protocol` only "upon receipt of
        // SETTINGS_ENABLE_CONNECT_PROTOCOL with a value of 1".
        let extended_connect = fields.iter().any(|f| (*f).into().name == b":protocol");
        if extended_connect && !self.settings.peer.enable_connect_protocol {
            return Err(UserError::InvalidHeaders(
                "extended CONNECT needs the server's SETTINGS_ENABLE_CONNECT_PROTOCOL",
            ));
        }
        if self.next_local_id > StreamId::MAX.value() {
            return Err(UserError::StreamIdsExhausted);
        }
        let id = StreamId::new(self.next_local_id);
        let must_wait = !self.pending_opens.is_empty() || !self.can_open_local();
        if must_wait && self.pending_opens.len() >= self.config.max_pending_opens {
            return Err(UserError::TooManyPendingStreams);
        }
        self.next_local_id += 2;
        let mut stream = self.new_stream(id);
        stream.head_request = head_request;
        self.streams.insert(stream);
        if must_wait {
            let fields = to_owned_fields(fields);
            self.pending_opens.push_back(PendingOpen {
                stream_id: id,
                fields,
                end_stream,
            });
        } else {
            self.open_local_stream(id, fields.iter().map(|f| (*f).into()), end_stream);
        }
        Ok(id)
    }

    /// (Server) Sends response headers: `status` becomes `:status`. A 1xx
    /// status is informational (several may precede the final response);
    /// it cannot end the stream.
    pub fn send_response<'a, F>(
        &mut self,
        stream_id: StreamId,
        status: u16,
        fields: &[F],
        end_stream: bool,
    ) -> Result<(), UserError>
    where
        F: Into<FieldRef<'a>> + Copy,
    {
        self.check_open()?;
        if self.role != Role::Server {
            return Err(UserError::ServerOnly);
        }
        if !(100..=999).contains(&status) || status == 101 {
            return Err(UserError::InvalidHeaders(
                "status must be 100-999 and not 101",
            ));
        }
        let informational = status < 200;
        if informational && end_stream {
            return Err(UserError::InvalidHeaders(
                "an informational response cannot end the stream",
            ));
        }
        self.check_regular_fields(fields)?;
        self.transition(stream_id, Transition::SendHeaders)?;
        let digits = status_digits(status);
        let status_field = FieldRef::new(b":status", &digits);
        let all = std::iter::once(status_field).chain(fields.iter().map(|f| (*f).into()));
        let max_frame = self.settings.peer.max_frame_size;
        encode_field_block(
            &mut self.hpack_encoder,
            &mut self.block_buf,
            max_frame,
            stream_id,
            all,
            FirstFrame::Headers { end_stream },
            &mut self.out,
        );
        if end_stream {
            self.end_local_side(stream_id);
        }
        Ok(())
    }

    /// Queues body bytes; they go out as the peer's windows allow, framed to
    /// its SETTINGS_MAX_FRAME_SIZE. `end_stream` ends the body.
    pub fn send_data(
        &mut self,
        stream_id: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), UserError> {
        self.check_open()?;
        let max_buffer = self.config.max_send_buffer_per_stream;
        let stream = self
            .streams
            .get_mut(stream_id)
            .ok_or(UserError::UnknownStream(stream_id))?;
        // A stream waiting to open (Idle, in the pending queue) may already
        // buffer its body.
        let allowed = stream.state.can_send_data() || stream.state == StreamState::Idle;
        if !allowed || stream.send_end {
            return Err(UserError::InvalidState {
                stream_id,
                state: stream.state,
            });
        }
        if stream.buffered + data.len() > max_buffer && !data.is_empty() {
            return Err(UserError::SendBufferFull {
                stream_id,
                capacity: max_buffer.saturating_sub(stream.buffered),
            });
        }
        if end_stream
            && data.len() <= INLINE_DATA_MAX
            && stream.buffered == 0
            && !stream.scheduled
            && stream.state.can_send_data()
            && stream.send_window.available() as usize >= data.len()
            && self.conn_send.available() as usize >= data.len()
        {
            // A tiny last chunk costs less to write now, after the stream's
            // HEADERS, than to queue and schedule: it skips the scheduler,
            // whose order matters for bodies that compete for the windows.
            let n = data.len();
            stream.send_window.consume(n as u32);
            stream.send_end = true;
            self.conn_send.consume(n as u32);
            super::transmit::data_header(&mut self.out, stream_id, n, true);
            self.out.extend_from_slice(&data);
            self.scheduler.charge(stream_id, n);
            self.end_local_side(stream_id);
            return Ok(());
        }
        stream.buffered += data.len();
        if !data.is_empty() {
            stream.send_queue.push_back(data);
        }
        stream.send_end = end_stream;
        let ready = stream.state != StreamState::Idle;
        if ready {
            self.schedule(stream_id);
        }
        Ok(())
    }

    /// Sends trailer fields after the body; they end the stream.
    pub fn send_trailers<'a, F>(
        &mut self,
        stream_id: StreamId,
        fields: &[F],
    ) -> Result<(), UserError>
    where
        F: Into<FieldRef<'a>> + Copy,
    {
        self.check_open()?;
        self.check_regular_fields(fields)?;
        let stream = self
            .streams
            .get_mut(stream_id)
            .ok_or(UserError::UnknownStream(stream_id))?;
        if !stream.state.can_send_data() || stream.send_end {
            return Err(UserError::InvalidState {
                stream_id,
                state: stream.state,
            });
        }
        stream.send_trailers = Some(to_owned_fields(fields));
        stream.send_end = true;
        self.schedule(stream_id);
        Ok(())
    }

    /// Resets a stream (RST_STREAM with `code`); buffered data is dropped.
    pub fn reset(&mut self, stream_id: StreamId, code: ErrorCode) -> Result<(), UserError> {
        self.check_open()?;
        let stream = self
            .streams
            .get_mut(stream_id)
            .ok_or(UserError::UnknownStream(stream_id))?;
        if stream.state == StreamState::Idle {
            // Never sent: §6.4 "RST_STREAM frames MUST NOT be sent for a
            // stream in the "idle" state." Just withdraw the open.
            self.pending_opens.retain(|p| p.stream_id != stream_id);
            self.streams.remove(stream_id);
            return Ok(());
        }
        match stream.state.apply(Transition::SendReset) {
            Outcome::Move(_) => {}
            _ => {
                return Err(UserError::InvalidState {
                    stream_id,
                    state: stream.state,
                });
            }
        }
        self.send_reset(stream_id, code);
        self.close_stream(stream_id, true);
        Ok(())
    }

    /// Sends a PING; its acknowledgement arrives as
    /// [`Event::PingAcknowledged`](super::super::Event::PingAcknowledged).
    pub fn ping(&mut self, payload: [u8; 8]) -> Result<(), UserError> {
        self.check_open()?;
        crate::frame::Frame::Ping(crate::frame::Ping {
            ack: false,
            payload,
        })
        .encode(&mut self.out);
        Ok(())
    }

    /// (Manual flow control) Gives `n` received octets of a stream back to
    /// the peer as window.
    pub fn release_capacity(&mut self, stream_id: StreamId, n: u32) -> Result<(), UserError> {
        let stream = self
            .streams
            .get(stream_id)
            .ok_or(UserError::UnknownStream(stream_id))?;
        if u64::from(n) > stream.unreleased {
            return Err(UserError::ReleaseTooLarge);
        }
        self.release_received(stream_id, n);
        Ok(())
    }

    /// Puts a stream in the scheduler if it is not there already.
    pub(super) fn schedule(&mut self, id: StreamId) {
        if let Some(stream) = self.streams.get_mut(id) {
            if !stream.scheduled {
                stream.scheduled = true;
                self.scheduler.push(id, stream.priority);
            }
        }
    }

    /// Sets the RFC 9218 priority this endpoint uses to order its own DATA
    /// on a stream (a server's view of a response, or a client's of an
    /// upload). A server also takes priorities from the `priority` request
    /// field and PRIORITY_UPDATE frames by itself.
    pub fn set_priority(
        &mut self,
        stream_id: StreamId,
        priority: Priority,
    ) -> Result<(), UserError> {
        let stream = self
            .streams
            .get_mut(stream_id)
            .ok_or(UserError::UnknownStream(stream_id))?;
        stream.priority = priority;
        self.scheduler.reprioritize(stream_id, priority);
        Ok(())
    }

    /// (Client) Sends a PRIORITY_UPDATE (RFC 9218 §7.1) asking the server to
    /// reprioritise a response.
    pub fn send_priority_update(
        &mut self,
        stream_id: StreamId,
        priority: Priority,
    ) -> Result<(), UserError> {
        self.check_open()?;
        if self.role != Role::Client {
            // RFC 9218 §7.1: "Servers MUST NOT send PRIORITY_UPDATE frames."
            return Err(UserError::ClientOnly);
        }
        crate::frame::Frame::PriorityUpdate(crate::frame::PriorityUpdate {
            prioritized_stream_id: stream_id,
            field_value: Bytes::from(priority.to_string()),
        })
        .encode(&mut self.out);
        Ok(())
    }

    /// Applies a local transition, or explains why it is not allowed.
    fn transition(&mut self, stream_id: StreamId, t: Transition) -> Result<(), UserError> {
        let stream = self
            .streams
            .get_mut(stream_id)
            .ok_or(UserError::UnknownStream(stream_id))?;
        match stream.state.apply(t) {
            Outcome::Move(next) => {
                stream.state = next;
                self.streams.mark_active(stream_id);
                Ok(())
            }
            _ => Err(UserError::InvalidState {
                stream_id,
                state: stream.state,
            }),
        }
    }

    /// We sent END_STREAM on a stream.
    pub(super) fn end_local_side(&mut self, id: StreamId) {
        let Some(stream) = self.streams.get_mut(id) else {
            return;
        };
        stream.send_end = true;
        if let Outcome::Move(next) = stream.state.apply(Transition::SendEndStream) {
            stream.state = next;
            if self.config.lifecycle_events.all() {
                self.events
                    .push_back(super::super::Event::StreamHalfClosed {
                        stream_id: id,
                        side: Initiator::Local,
                    });
            }
            if next == StreamState::Closed {
                self.close_stream(id, false);
            }
        }
    }

    /// True when the peer's MAX_CONCURRENT_STREAMS leaves room for one more
    /// stream of ours.
    fn can_open_local(&self) -> bool {
        let limit = self
            .settings
            .peer
            .max_concurrent_streams
            .unwrap_or(u32::MAX) as usize;
        let active = self.streams.active(self.role == Role::Client);
        active < limit
    }

    /// Sends the HEADERS of a stream we open (already in the map, idle).
    fn open_local_stream<'a>(
        &mut self,
        id: StreamId,
        fields: impl Iterator<Item = FieldRef<'a>>,
        end_stream: bool,
    ) {
        let max_frame = self.settings.peer.max_frame_size;
        encode_field_block(
            &mut self.hpack_encoder,
            &mut self.block_buf,
            max_frame,
            id,
            fields,
            FirstFrame::Headers { end_stream },
            &mut self.out,
        );
        if let Some(stream) = self.streams.get_mut(id) {
            stream.state = StreamState::Open;
            self.streams.mark_active(id);
            if self.config.lifecycle_events.all() {
                self.events
                    .push_back(super::super::Event::StreamActive { stream_id: id });
            }
        }
        if end_stream {
            self.end_local_side(id);
        }
        if self.streams.get(id).is_some_and(Stream::has_pending_send) {
            self.schedule(id);
        }
    }

    /// Opens queued streams while the peer's limit allows.
    pub(super) fn open_pending_streams(&mut self) {
        while !self.pending_opens.is_empty() && self.can_open_local() && self.closed.is_none() {
            let Some(open) = self.pending_opens.pop_front() else {
                break;
            };
            if self.streams.get(open.stream_id).is_none() {
                continue; // reset by the application while waiting
            }
            self.open_local_stream(
                open.stream_id,
                open.fields.iter().map(FieldRef::from),
                open.end_stream,
            );
        }
    }
}

/// The frame a field block starts with.
#[derive(Clone, Copy)]
pub(super) enum FirstFrame {
    /// HEADERS, possibly ending the stream.
    Headers { end_stream: bool },
    /// PUSH_PROMISE reserving `promised`.
    PushPromise { promised: StreamId },
}

/// HPACK-encodes a field section and frames it as HEADERS (or PUSH_PROMISE)
/// plus as many CONTINUATION frames as the peer's SETTINGS_MAX_FRAME_SIZE
/// requires.
pub(super) fn encode_field_block<'a>(
    encoder: &mut hpack::Encoder,
    block: &mut BytesMut,
    max_frame: u32,
    id: StreamId,
    fields: impl Iterator<Item = FieldRef<'a>>,
    first: FirstFrame,
    dst: &mut BytesMut,
) {
    block.clear();
    encoder.encode(fields, block);
    let mut rest: &[u8] = block;
    let mut kind = match first {
        FirstFrame::Headers { .. } => FrameType::HEADERS,
        FirstFrame::PushPromise { .. } => FrameType::PUSH_PROMISE,
    };
    loop {
        // The promised stream id takes four octets of the first frame.
        let room = match (kind, first) {
            (FrameType::PUSH_PROMISE, _) => max_frame as usize - 4,
            _ => max_frame as usize,
        };
        let n = rest.len().min(room);
        let last = n == rest.len();
        let mut bits = if last { flags::END_HEADERS } else { 0 };
        let mut length = n as u32;
        match (kind, first) {
            (FrameType::HEADERS, FirstFrame::Headers { end_stream: true }) => {
                bits |= flags::END_STREAM
            }
            (FrameType::PUSH_PROMISE, _) => length += 4,
            _ => {}
        }
        FrameHeader {
            length,
            kind,
            flags: bits,
            stream_id: id,
        }
        .encode(dst);
        if let (FrameType::PUSH_PROMISE, FirstFrame::PushPromise { promised }) = (kind, first) {
            dst.extend_from_slice(&promised.value().to_be_bytes());
        }
        dst.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        if last {
            break;
        }
        kind = FrameType::CONTINUATION;
    }
}

/// Copies borrowed fields into owned ones, keeping their sensitivity, for
/// sections that are sent later (queued opens, trailers).
fn to_owned_fields<'a, F>(fields: &[F]) -> Vec<HeaderField>
where
    F: Into<FieldRef<'a>> + Copy,
{
    fields
        .iter()
        .map(|f| {
            let f: FieldRef<'_> = (*f).into();
            HeaderField {
                name: Bytes::copy_from_slice(f.name),
                value: Bytes::copy_from_slice(f.value),
                never_indexed: f.sensitive,
            }
        })
        .collect()
}

/// Checks a request's fields as we send them; returns whether it is HEAD.
pub(super) fn check_request<'a, F>(fields: &[F]) -> Result<bool, UserError>
where
    F: Into<FieldRef<'a>> + Copy,
{
    let mut method = None;
    let mut has_scheme = false;
    let mut has_path = false;
    let mut regular = false;
    for f in fields {
        let f: FieldRef<'_> = (*f).into();
        if let Some(pseudo) = f.name.strip_prefix(b":") {
            if regular {
                return Err(UserError::InvalidHeaders(
                    "pseudo-header after a regular field",
                ));
            }
            match pseudo {
                b"method" => method = Some(f.value),
                b"scheme" => has_scheme = true,
                b"path" => has_path = !f.value.is_empty(),
                b"authority" | b"protocol" => {}
                _ => return Err(UserError::InvalidHeaders("unknown request pseudo-header")),
            }
        } else {
            regular = true;
            check_field(f)?;
        }
    }
    let method = method.ok_or(UserError::InvalidHeaders(":method is required"))?;
    if method != b"CONNECT" && !(has_scheme && has_path) {
        return Err(UserError::InvalidHeaders(
            ":scheme and a non-empty :path are required",
        ));
    }
    Ok(method == b"HEAD")
}

impl Connection {
    /// Checks fields to send: fully, or, when the configuration trusts the
    /// caller's characters (`Config::check_sent_fields` off), only for the
    /// edge whitespace that `http::HeaderValue` lets through.
    fn check_regular_fields<'a, F>(&self, fields: &[F]) -> Result<(), UserError>
    where
        F: Into<FieldRef<'a>> + Copy,
    {
        if self.config.check_sent_fields {
            return fields.iter().try_for_each(|f| check_field((*f).into()));
        }
        let edge_space = fields
            .iter()
            .any(|f| has_edge_whitespace((*f).into().value));
        if edge_space {
            return Err(UserError::InvalidHeaders("field value has edge whitespace"));
        }
        Ok(())
    }
}

fn check_field(f: FieldRef<'_>) -> Result<(), UserError> {
    if !valid_name(f.name) {
        return Err(UserError::InvalidHeaders(
            "field names must be lower-case tokens",
        ));
    }
    if !valid_value(f.value) {
        return Err(UserError::InvalidHeaders(
            "field value has CR, LF, NUL or edge whitespace",
        ));
    }
    if matches!(
        f.name,
        b"connection" | b"proxy-connection" | b"keep-alive" | b"transfer-encoding" | b"upgrade"
    ) {
        return Err(UserError::InvalidHeaders(
            "connection-specific fields are not allowed in HTTP/2",
        ));
    }
    Ok(())
}

/// The largest last DATA chunk `send_data` writes at once instead of
/// handing it to the scheduler (see there).
const INLINE_DATA_MAX: usize = 256;

fn status_digits(status: u16) -> [u8; 3] {
    [
        b'0' + (status / 100) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
    ]
}
