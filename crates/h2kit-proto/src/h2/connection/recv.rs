//! Frames from the peer: the receive half of the connection.

use super::super::event::{Event, Initiator};
use super::super::message::{Section, SectionBuilder, SectionKind};
use super::super::state::{Outcome, StreamState, Transition};
use super::autotune::BDP_PING;
use super::timers::{Flood, KEEPALIVE_PING, SHUTDOWN_PING};
use super::{Connection, ConnectionError, PREFACE, Role};
use crate::ErrorCode;
use crate::frame::{
    Continuation, Data, Frame, GoAway, Headers, Ping, PriorityBlock, PushPromise, RstStream,
    StreamId, WindowUpdate,
};
use crate::hpack::DecodeError;
use bytes::{Bytes, BytesMut};

/// How many closed stream ids are remembered for §5.1's late-frame rules.
const RECENTLY_CLOSED: usize = 128;

/// A field block being reassembled.
pub(super) struct FieldBlock {
    stream_id: StreamId,
    kind: BlockKind,
    fragments: BytesMut,
    /// The first fragment, kept as is while it is the only one, so a block
    /// in a single HEADERS frame is never copied.
    first: Bytes,
    frames: u32,
}

#[derive(Clone, Copy)]
enum BlockKind {
    Headers {
        end_stream: bool,
        priority: Option<PriorityBlock>,
    },
    PushPromise {
        promised: StreamId,
    },
}

/// Moves an empty buffer's writing position back to the start of its
/// allocation when nothing else still points into it (never allocates).
///
/// The receive and send buffers hand out their contents as `Bytes` and
/// are written further along each time; left alone, a busy connection's
/// writes walk through the whole allocation before wrapping, so every
/// turn writes to memory last touched many turns ago. From the start,
/// each turn reuses the few cache lines the turn before used.
fn rewind(buf: &mut BytesMut) {
    if buf.is_empty() {
        // Asking for one octet more than is left past the position can
        // only be met by going back to the start. False when the buffer
        // is already there or still shared: nothing to do then.
        let _ = buf.try_reclaim(buf.capacity() + 1);
    }
}

/// A protocol violation found while handling a frame.
enum Violation {
    /// Reset one stream (§5.4.2).
    Stream(StreamId, ErrorCode),
    /// End the connection (§5.4.1).
    Connection(ErrorCode, &'static str),
}

type Handled = Result<(), Violation>;

fn conn(code: ErrorCode, why: &'static str) -> Violation {
    Violation::Connection(code, why)
}

impl From<(ErrorCode, &'static str)> for Violation {
    fn from((code, why): (ErrorCode, &'static str)) -> Self {
        Violation::Connection(code, why)
    }
}

impl Connection {
    /// Feeds bytes received from the peer, split anywhere.
    ///
    /// Frames are processed at once; what they cause is available from
    /// [`poll_event`](Self::poll_event) and
    /// [`poll_transmit`](Self::poll_transmit). On a connection error the
    /// GOAWAY is queued for `poll_transmit` and the error is returned; later
    /// calls return it again.
    pub fn recv(&mut self, bytes: &[u8]) -> Result<(), ConnectionError> {
        if let Some(err) = &self.closed {
            return Err((**err).clone());
        }
        if bytes.is_empty() {
            return Ok(());
        }
        self.note_peer_activity();
        rewind(&mut self.recv_buf);
        rewind(&mut self.out);
        let mut bytes = bytes;
        if self.preface_remaining > 0 {
            // §3.4: "The server connection preface consists of a potentially
            // empty SETTINGS frame" and the client's preface must be exactly
            // PREFACE; anything else is a connection error PROTOCOL_ERROR.
            let remaining = usize::from(self.preface_remaining);
            let offset = PREFACE.len() - remaining;
            let n = remaining.min(bytes.len());
            if bytes[..n] != PREFACE[offset..offset + n] {
                return Err(
                    self.connection_error(ErrorCode::PROTOCOL_ERROR, "invalid connection preface")
                );
            }
            // n <= remaining, which fits in a u8.
            self.preface_remaining -= n as u8;
            bytes = &bytes[n..];
        }
        self.recv_buf.extend_from_slice(bytes);
        loop {
            let frame = match self.decoder.decode(&mut self.recv_buf) {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(err) => match err.scope() {
                    crate::frame::ErrorScope::Connection => {
                        return Err(self.connection_error(err.code(), err.to_string()));
                    }
                    crate::frame::ErrorScope::Stream(id) => {
                        self.stream_error(id, err.code())?;
                        continue;
                    }
                },
            };
            match self.on_frame(frame) {
                Ok(()) => {}
                Err(Violation::Stream(id, code)) => self.stream_error(id, code)?,
                Err(Violation::Connection(code, why)) => {
                    return Err(self.connection_error(code, why));
                }
            }
            if self.closed.is_some() {
                break;
            }
        }
        // A buffer that once held a large frame is not kept forever.
        if self.recv_buf.is_empty() && self.recv_buf.capacity() > 64 * 1024 {
            self.recv_buf = BytesMut::new();
        }
        Ok(())
    }

    fn on_frame(&mut self, frame: Frame) -> Handled {
        // §3.4: "The server connection preface consists of a potentially
        // empty SETTINGS frame (Section 6.5) that MUST be the first frame
        // the server sends" (and likewise for the client); "Clients and
        // servers MUST treat an invalid connection preface as a connection
        // error (Section 5.4.1) of type PROTOCOL_ERROR."
        if !self.peer_settings_seen {
            if !matches!(frame, Frame::Settings(_)) {
                return Err(conn(
                    ErrorCode::PROTOCOL_ERROR,
                    "first frame is not SETTINGS",
                ));
            }
            self.peer_settings_seen = true;
        }
        match frame {
            Frame::Data(f) => self.on_data(f),
            Frame::Headers(f) => self.on_headers(f),
            Frame::Continuation(f) => self.on_continuation(f),
            Frame::PushPromise(f) => self.on_push_promise(f),
            Frame::RstStream(f) => self.on_rst_stream(f),
            Frame::Settings(s) => {
                self.count_flood(Flood::Control)?;
                self.on_settings(s)?;
                Ok(())
            }
            Frame::SettingsAck => {
                self.on_settings_ack();
                Ok(())
            }
            Frame::Ping(f) => self.on_ping(f),
            Frame::GoAway(f) => {
                self.on_goaway(f);
                Ok(())
            }
            Frame::WindowUpdate(f) => self.on_window_update(f),
            // RFC 9218 §7.1: "Servers MUST NOT send PRIORITY_UPDATE frames.
            // If a client receives a PRIORITY_UPDATE frame, it MUST respond
            // with a connection error of type PROTOCOL_ERROR."
            Frame::PriorityUpdate(_) if self.role == Role::Client => Err(conn(
                ErrorCode::PROTOCOL_ERROR,
                "PRIORITY_UPDATE sent by a server",
            )),
            Frame::Priority(p) => {
                // §5.3.2 deprecates these signals, but a peer may still send
                // them; the tree scheduler uses them.
                self.scheduler
                    .set_dependency(self.config.scheduler, p.stream_id, p.priority);
                Ok(())
            }
            Frame::PriorityUpdate(u) => {
                self.on_priority_update(u.prioritized_stream_id, &u.field_value)
            }
            // §5.5: "Implementations MUST discard frames that have unknown or
            // unsupported types."
            Frame::Unknown(_) => Ok(()),
        }
    }

    // ---- DATA ----

    fn on_data(&mut self, frame: Data) -> Handled {
        let len = frame.flow_controlled_len();
        // The connection window counts every DATA frame, whatever its
        // stream's fate (§5.1: "the content of DATA frames counts toward the
        // connection flow-control window").
        self.conn_recv
            .receive(len)
            .map_err(|code| conn(code, "DATA beyond the connection window"))?;
        if len == 0 && !frame.end_stream {
            self.count_flood(Flood::Empty)?;
        }
        let id = frame.stream_id;
        let Some(stream) = self.streams.get_mut(id) else {
            // Not delivered to anyone: give the window straight back.
            self.conn_recv.release(len);
            return self.on_frame_for_missing_stream(id, Transition::RecvData);
        };
        match stream.state.apply(Transition::RecvData) {
            Outcome::Move(_) => {}
            other => {
                self.conn_recv.release(len);
                return outcome_error(id, other);
            }
        }
        // §6.9: a stream-level overrun is a stream error.
        if stream.recv_window.receive(len).is_err() {
            self.conn_recv.release(len);
            return Err(Violation::Stream(id, ErrorCode::FLOW_CONTROL_ERROR));
        }
        // Padding is never delivered, so it is released at once.
        let padding = len - frame.payload.len() as u32;
        stream.recv_window.release(padding);
        self.conn_recv.release(padding);
        stream.recv_body_len += frame.payload.len() as u64;
        // §8.1.1: "A request or response is also malformed if the value of
        // a content-length header field does not equal the sum of the DATA
        // frame payload lengths that form the content".
        if let Some(declared) = stream.recv_content_length {
            let over = stream.recv_body_len > declared;
            let short = frame.end_stream && stream.recv_body_len != declared;
            if over || short {
                self.conn_recv.release(frame.payload.len() as u32);
                return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR));
            }
        }
        stream.unreleased += frame.payload.len() as u64;
        self.autotune_on_data(len);
        if !frame.payload.is_empty() || frame.end_stream {
            self.events.push_back(Event::Data {
                stream_id: id,
                data: frame.payload,
                end_stream: frame.end_stream,
            });
        }
        if frame.end_stream {
            self.recv_end_stream(id);
        }
        self.queue_window_updates(id);
        Ok(())
    }

    /// §5.1 for frames on streams we no longer (or never) had.
    fn on_frame_for_missing_stream(&mut self, id: StreamId, t: Transition) -> Handled {
        match self.missing_stream_state(id) {
            MissingStream::Idle => outcome_error(id, StreamState::Idle.apply(t)),
            // "An endpoint MUST minimally process and then discard any frames
            // it receives in this state" after it sent RST_STREAM.
            MissingStream::ResetByUs => Ok(()),
            MissingStream::Closed => outcome_error(id, StreamState::Closed.apply(t)),
        }
    }

    fn missing_stream_state(&self, id: StreamId) -> MissingStream {
        let highest = if self.is_local(id) {
            self.next_local_id.saturating_sub(2)
        } else {
            self.max_peer_id
        };
        if id.value() > highest {
            return MissingStream::Idle;
        }
        match self
            .recently_closed
            .iter()
            .rev()
            .find(|(sid, _)| *sid == id.value())
        {
            Some((_, true)) => MissingStream::ResetByUs,
            _ => MissingStream::Closed,
        }
    }

    // ---- field blocks: HEADERS, PUSH_PROMISE, CONTINUATION ----

    fn on_headers(&mut self, frame: Headers) -> Handled {
        let kind = BlockKind::Headers {
            end_stream: frame.end_stream,
            priority: frame.priority,
        };
        self.start_block(frame.stream_id, kind, frame.fragment, frame.end_headers)
    }

    fn on_push_promise(&mut self, frame: PushPromise) -> Handled {
        // §8.4: "A client cannot push. Thus, servers MUST treat the receipt
        // of a PUSH_PROMISE frame as a connection error (Section 5.4.1) of
        // type PROTOCOL_ERROR."
        if self.role == Role::Server {
            return Err(conn(
                ErrorCode::PROTOCOL_ERROR,
                "PUSH_PROMISE sent by a client",
            ));
        }
        let kind = BlockKind::PushPromise {
            promised: frame.promised_id,
        };
        self.start_block(frame.stream_id, kind, frame.fragment, frame.end_headers)
    }

    fn on_continuation(&mut self, frame: Continuation) -> Handled {
        if frame.fragment.is_empty() && !frame.end_headers {
            self.count_flood(Flood::Empty)?;
        }
        // An encoded block is never much larger than the list it decodes to,
        // so twice the list limit plus slack bounds reassembly for any honest
        // peer, and the frame count bounds CONTINUATION floods.
        let max_block = self.config.max_header_list_size as usize * 2 + 16 * 1024;
        let max_frames = self.config.max_continuation_frames;
        // The frame decoder guarantees a block is open on this stream.
        let Some(block) = self.field_block.as_mut() else {
            return Err(conn(
                ErrorCode::PROTOCOL_ERROR,
                "CONTINUATION without a field block",
            ));
        };
        block.frames += 1;
        if block.frames > max_frames {
            return Err(conn(
                ErrorCode::ENHANCE_YOUR_CALM,
                "too many CONTINUATION frames",
            ));
        }
        if block.fragments.len() + block.first.len() + frame.fragment.len() > max_block {
            return Err(conn(ErrorCode::ENHANCE_YOUR_CALM, "field block too large"));
        }
        if !block.first.is_empty() {
            let first = std::mem::take(&mut block.first);
            block.fragments.extend_from_slice(&first);
        }
        block.fragments.extend_from_slice(&frame.fragment);
        if !frame.end_headers {
            return Ok(());
        }
        match self.field_block.take() {
            Some(block) => self.finish_block(*block),
            None => Ok(()),
        }
    }

    fn start_block(
        &mut self,
        stream_id: StreamId,
        kind: BlockKind,
        fragment: Bytes,
        end: bool,
    ) -> Handled {
        let block = FieldBlock {
            stream_id,
            kind,
            fragments: BytesMut::new(),
            first: fragment,
            frames: 1,
        };
        if end {
            self.finish_block(block)
        } else {
            self.field_block = Some(Box::new(block));
            Ok(())
        }
    }

    /// Decodes a complete field block — always, so the HPACK context stays
    /// in step (§4.3: "A receiver MUST terminate the connection with a
    /// connection error (Section 5.4.1) of type COMPRESSION_ERROR if it does
    /// not decompress a field block") — checking the fields as they come
    /// out, then applies it to its stream.
    fn finish_block(&mut self, block: FieldBlock) -> Handled {
        let bytes = if block.fragments.is_empty() {
            block.first
        } else {
            block.fragments.freeze()
        };
        let kind = self.section_kind(block.stream_id, block.kind);
        let mut builder = SectionBuilder::reusing(kind, &mut self.spare_heads);
        let decoded = self
            .hpack_decoder
            .decode_checked(&bytes, |f, checked| builder.push(f, checked));
        let too_large = match decoded {
            Ok(()) => false,
            Err(DecodeError::HeaderListTooLarge { .. }) => true,
            Err(_) => return Err(conn(ErrorCode::COMPRESSION_ERROR, "HPACK decoding failed")),
        };
        let section = builder.finish();
        match block.kind {
            BlockKind::Headers {
                end_stream,
                priority,
            } => {
                let self_dependent = priority.is_some_and(|p| p.dependency == block.stream_id);
                // RFC 7540 §5.3.1 (still in force for peers that send it): "A
                // stream cannot depend on itself. An endpoint MUST treat this
                // as a stream error (Section 5.4.2) of type PROTOCOL_ERROR."
                // A header list over our limit is refused the same way.
                let refused = self_dependent || too_large;
                if let (Some(p), false) = (priority, self_dependent) {
                    self.scheduler
                        .set_dependency(self.config.scheduler, block.stream_id, p);
                }
                self.on_header_block(block.stream_id, section, end_stream, refused)
            }
            BlockKind::PushPromise { promised } => {
                self.on_push_block(block.stream_id, promised, section, too_large)
            }
        }
    }

    /// What a field block on `id` must be, from the stream's state.
    fn section_kind(&self, id: StreamId, kind: BlockKind) -> SectionKind {
        if let BlockKind::PushPromise { .. } = kind {
            return SectionKind::Request {
                connect_protocol: false,
            };
        }
        match (self.role, self.streams.get(id)) {
            (Role::Server, None) => SectionKind::Request {
                connect_protocol: self.settings.local_enable_connect,
            },
            (Role::Server, Some(_)) => SectionKind::Trailers,
            (Role::Client, Some(s)) if s.recv_final_headers => SectionKind::Trailers,
            (Role::Client, _) => SectionKind::Response,
        }
    }

    fn on_header_block(
        &mut self,
        id: StreamId,
        section: Section,
        end_stream: bool,
        refused: bool,
    ) -> Handled {
        let Some(stream) = self.streams.get_mut(id) else {
            return self.on_new_stream_headers(id, section, end_stream, refused);
        };
        match stream.state.apply(Transition::RecvHeaders) {
            Outcome::Move(next) => stream.state = next,
            other => return outcome_error(id, other),
        }
        // A reserved (pushed) stream becomes active with its HEADERS.
        self.streams.mark_active(id);
        let Some(stream) = self.streams.get_mut(id) else {
            return Ok(());
        };
        if refused {
            return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR));
        }
        let parsed = match section {
            Section::Trailers(fields) => {
                // A second header section is a trailer section (§8.1), which
                // must end the stream; without END_STREAM the message is
                // malformed.
                let fields =
                    fields.map_err(|_| Violation::Stream(id, ErrorCode::PROTOCOL_ERROR))?;
                if !end_stream
                    || stream
                        .recv_content_length
                        .is_some_and(|n| n != stream.recv_body_len)
                {
                    return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR));
                }
                self.events.push_back(Event::Trailers {
                    stream_id: id,
                    fields,
                });
                self.recv_end_stream(id);
                return Ok(());
            }
            Section::Response(parsed) => {
                parsed.map_err(|_| Violation::Stream(id, ErrorCode::PROTOCOL_ERROR))?
            }
            Section::Request(_) => return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR)),
        };
        // The client's response (or a pushed response on a reserved stream).
        let status = parsed.head.status;
        if (100..200).contains(&status) {
            // §8.1: "A HEADERS frame with the END_STREAM flag set that
            // carries an informational status code is malformed"; 101 is not
            // usable in HTTP/2 (§8.6).
            if end_stream || status == 101 {
                return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR));
            }
            self.events.push_back(Event::Informational {
                stream_id: id,
                head: parsed.head,
            });
            return Ok(());
        }
        stream.recv_final_headers = true;
        // A response to HEAD, and 204/304, carry no content whatever
        // content-length says (RFC 9110 §8.6).
        if !stream.head_request && status != 204 && status != 304 {
            stream.recv_content_length = parsed.content_length;
        }
        if end_stream && stream.recv_content_length.is_some_and(|n| n != 0) {
            return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR));
        }
        self.events.push_back(Event::Response {
            stream_id: id,
            head: parsed.head,
            end_stream,
        });
        if end_stream {
            self.recv_end_stream(id);
        }
        Ok(())
    }

    fn on_new_stream_headers(
        &mut self,
        id: StreamId,
        section: Section,
        end_stream: bool,
        refused: bool,
    ) -> Handled {
        if self.is_local(id) || id.value() <= self.max_peer_id {
            // A stream of ours that is gone, or a peer stream that is closed
            // (or skipped, and so implicitly closed by §5.1.1).
            return match self.missing_stream_state(id) {
                // §5.1.1: "If this stream is initiated by the server ... then
                // receiving a HEADERS frame MUST also be treated as a
                // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                MissingStream::Idle => Err(conn(
                    ErrorCode::PROTOCOL_ERROR,
                    "HEADERS on an idle stream of ours",
                )),
                MissingStream::ResetByUs => Ok(()),
                // §5.1.1: "The identifier of a newly established stream MUST
                // be numerically greater than all streams that the initiating
                // endpoint has opened or reserved. ... An endpoint that
                // receives an unexpected stream identifier MUST respond with
                // a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
                // A stream we remember closing gets STREAM_CLOSED (§5.1).
                MissingStream::Closed => {
                    if self
                        .recently_closed
                        .iter()
                        .any(|(sid, _)| *sid == id.value())
                    {
                        Err(conn(ErrorCode::STREAM_CLOSED, "HEADERS on a closed stream"))
                    } else {
                        Err(conn(
                            ErrorCode::PROTOCOL_ERROR,
                            "stream id not greater than previous ones",
                        ))
                    }
                }
            };
        }
        // The peer opens a stream: §5.1.1 "The first use of a new stream
        // identifier implicitly closes all streams in the "idle" state that
        // might have been initiated by that peer with a lower-valued stream
        // identifier."
        self.max_peer_id = id.value();
        // §6.8: after our GOAWAY, "the sender will ignore frames sent on
        // streams initiated by the receiver if the stream has an identifier
        // higher than the included last stream identifier".
        if self.goaway_sent.is_some_and(|last| id > last) {
            self.remember_closed(id, true);
            return Ok(());
        }
        if self.role == Role::Client {
            // Servers open streams only by PUSH_PROMISE.
            return Err(conn(
                ErrorCode::PROTOCOL_ERROR,
                "server opened a stream with HEADERS",
            ));
        }
        // §5.1.2: "An endpoint that receives a HEADERS frame that causes its
        // advertised concurrent stream limit to be exceeded MUST treat this
        // as a stream error (Section 5.4.2) of type PROTOCOL_ERROR or
        // REFUSED_STREAM." REFUSED_STREAM tells the client it may retry.
        if self.streams.active(true) >= self.config.max_concurrent_streams as usize {
            return Err(Violation::Stream(id, ErrorCode::REFUSED_STREAM));
        }
        self.last_processed_peer_id = id.value();
        if refused {
            return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR));
        }
        let Section::Request(parsed) = section else {
            return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR));
        };
        let parsed = parsed.map_err(|_| Violation::Stream(id, ErrorCode::PROTOCOL_ERROR))?;
        if end_stream && parsed.content_length.is_some_and(|n| n != 0) {
            return Err(Violation::Stream(id, ErrorCode::PROTOCOL_ERROR));
        }
        let mut stream = self.new_stream(id);
        stream.state = StreamState::Open;
        stream.recv_content_length = parsed.content_length;
        // RFC 9218 §5: the `priority` request field; a PRIORITY_UPDATE that
        // arrived before the request is the more recent signal and wins.
        let from_field = parsed
            .head
            .fields
            .iter()
            .filter(|f| &f.name[..] == b"priority");
        stream.priority = from_field.fold(stream.priority, |p, f| p.updated(&f.value));
        if let Some(early) = self.scheduler.take_early(id) {
            stream.priority = early;
        }
        self.streams.insert(stream);
        if self.config.lifecycle_events.all() {
            self.events.push_back(Event::StreamActive { stream_id: id });
        }
        self.events.push_back(Event::Request {
            stream_id: id,
            head: parsed.head,
            end_stream,
        });
        if end_stream {
            self.recv_end_stream(id);
        }
        Ok(())
    }

    fn on_push_block(
        &mut self,
        parent: StreamId,
        promised: StreamId,
        section: Section,
        too_large: bool,
    ) -> Handled {
        // §6.5.2: "A client that has both set this parameter to 0 and had it
        // acknowledged MUST treat the receipt of a PUSH_PROMISE frame as a
        // connection error (Section 5.4.1) of type PROTOCOL_ERROR." We never
        // advertise 1 and then change it, so our configuration decides.
        if !self.config.enable_push {
            return Err(conn(
                ErrorCode::PROTOCOL_ERROR,
                "PUSH_PROMISE with push disabled",
            ));
        }
        // §6.6: "A receiver MUST treat the receipt of a PUSH_PROMISE that
        // promises an illegal stream identifier (Section 5.1.1) as a
        // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if !promised.is_server_initiated() || promised.value() <= self.max_peer_id {
            return Err(conn(
                ErrorCode::PROTOCOL_ERROR,
                "PUSH_PROMISE promises an illegal stream id",
            ));
        }
        self.max_peer_id = promised.value();
        match self.streams.get(parent).map(|s| s.state) {
            // §6.6: "A receiver MUST treat the receipt of a PUSH_PROMISE on a
            // stream that is neither "open" nor "half-closed (local)" as a
            // connection error (Section 5.4.1) of type PROTOCOL_ERROR.
            // However, an endpoint that has sent RST_STREAM on the associated
            // stream MUST handle PUSH_PROMISE frames that might have been
            // created before the RST_STREAM frame is received and processed."
            Some(StreamState::Open | StreamState::HalfClosedLocal) => {}
            None if self.missing_stream_state(parent) == MissingStream::ResetByUs => {
                // Reserve-and-refuse: the promised stream is reset at once.
                self.remember_closed(promised, true);
                self.send_reset(promised, ErrorCode::CANCEL);
                return Ok(());
            }
            _ => {
                return Err(conn(
                    ErrorCode::PROTOCOL_ERROR,
                    "PUSH_PROMISE on a stream that is not open",
                ));
            }
        }
        let mut stream = self.new_stream(promised);
        stream.state = StreamState::ReservedRemote;
        self.streams.insert(stream);
        if too_large {
            return Err(Violation::Stream(promised, ErrorCode::PROTOCOL_ERROR));
        }
        let Section::Request(Ok(parsed)) = section else {
            return Err(Violation::Stream(promised, ErrorCode::PROTOCOL_ERROR));
        };
        // §8.4: "Promised requests MUST be safe ... and cacheable" and carry
        // no content; "the client MUST respond with a stream error ... of
        // type PROTOCOL_ERROR" otherwise.
        if !matches!(&parsed.head.method[..], b"GET" | b"HEAD") {
            return Err(Violation::Stream(promised, ErrorCode::PROTOCOL_ERROR));
        }
        if let Some(stream) = self.streams.get_mut(promised) {
            stream.head_request = &parsed.head.method[..] == b"HEAD";
        }
        self.events.push_back(Event::PushPromise {
            parent,
            promised,
            head: parsed.head,
        });
        Ok(())
    }

    // ---- control frames ----

    fn on_rst_stream(&mut self, frame: RstStream) -> Handled {
        self.count_flood(Flood::Reset)?;
        let id = frame.stream_id;
        let Some(stream) = self.streams.get_mut(id) else {
            return self.on_frame_for_missing_stream(id, Transition::RecvReset);
        };
        if let outcome @ (Outcome::ConnectionError(_) | Outcome::StreamError(_)) =
            stream.state.apply(Transition::RecvReset)
        {
            return outcome_error(id, outcome);
        }
        let retry_safe = frame.error_code == ErrorCode::REFUSED_STREAM;
        self.close_stream(id, false);
        self.events.push_back(Event::StreamReset {
            stream_id: id,
            code: frame.error_code,
            by: Initiator::Peer,
            retry_safe,
        });
        Ok(())
    }

    fn on_ping(&mut self, frame: Ping) -> Handled {
        if !frame.ack {
            self.count_flood(Flood::Control)?;
            // §6.7: "Receivers of a PING frame that does not include an ACK
            // flag MUST send a PING frame with the ACK flag set in response,
            // with an identical frame payload."
            Frame::Ping(Ping {
                ack: true,
                payload: frame.payload,
            })
            .encode(&mut self.out);
            self.events.push_back(Event::PingReceived(frame.payload));
            return Ok(());
        }
        // §6.7: "An endpoint MUST NOT respond to PING frames containing this
        // flag."
        if frame.payload == SHUTDOWN_PING && self.shutdown_pending {
            self.shutdown_ping_acked();
        } else if frame.payload == BDP_PING {
            self.autotune_on_ack();
        } else if frame.payload == KEEPALIVE_PING {
            self.keepalive_acked();
        } else {
            self.events
                .push_back(Event::PingAcknowledged(frame.payload));
        }
        Ok(())
    }

    fn on_goaway(&mut self, frame: GoAway) {
        let last = frame.last_stream_id;
        // §6.8: "Endpoints MUST NOT increase the value they send in the last
        // stream identifier, since the peers might already have retried
        // unprocessed requests on another connection." Keep the smallest.
        let last = self.goaway_received.map_or(last, |prev| prev.min(last));
        self.goaway_received = Some(last);
        // Streams we opened above `last` were not processed: report them as
        // refused and safe to retry.
        let refused: Vec<StreamId> = self
            .streams
            .iter()
            .filter(|s| self.is_local(s.id) && s.id > last)
            .map(|s| s.id)
            .collect();
        for id in refused {
            self.close_stream(id, false);
            self.events.push_back(Event::StreamReset {
                stream_id: id,
                code: ErrorCode::REFUSED_STREAM,
                by: Initiator::Peer,
                retry_safe: true,
            });
        }
        for pending in std::mem::take(&mut self.pending_opens) {
            self.events.push_back(Event::StreamReset {
                stream_id: pending.stream_id,
                code: ErrorCode::REFUSED_STREAM,
                by: Initiator::Local,
                retry_safe: true,
            });
        }
        self.events.push_back(Event::GoAwayReceived {
            last_stream_id: frame.last_stream_id,
            code: frame.error_code,
            debug_data: frame.debug_data.clone(),
        });
        if frame.error_code != ErrorCode::NO_ERROR {
            // An error GOAWAY ends the connection now.
            self.terminate(frame.error_code, last, frame.debug_data, Initiator::Peer);
        }
    }

    fn on_window_update(&mut self, frame: WindowUpdate) -> Handled {
        let increment = i64::from(frame.increment);
        if frame.stream_id.is_connection() {
            // §6.9.1: overflow "MUST terminate ... the connection".
            self.conn_send
                .grow(increment)
                .map_err(|code| conn(code, "connection window above 2^31-1"))?;
            self.events.push_back(Event::WindowUpdated {
                stream_id: StreamId::CONNECTION,
                available: self.conn_send.available(),
            });
            return Ok(());
        }
        let id = frame.stream_id;
        let Some(stream) = self.streams.get_mut(id) else {
            return self.on_frame_for_missing_stream(id, Transition::RecvWindowUpdate);
        };
        if let outcome @ (Outcome::ConnectionError(_) | Outcome::StreamError(_)) =
            stream.state.apply(Transition::RecvWindowUpdate)
        {
            return outcome_error(id, outcome);
        }
        if stream.send_window.grow(increment).is_err() {
            return Err(Violation::Stream(id, ErrorCode::FLOW_CONTROL_ERROR));
        }
        let available = stream.send_window.available();
        let pending = stream.has_pending_send();
        self.events.push_back(Event::WindowUpdated {
            stream_id: id,
            available,
        });
        if pending {
            self.schedule(id);
        }
        Ok(())
    }

    /// RFC 9218 §7.1: a client reprioritises a response.
    fn on_priority_update(&mut self, id: StreamId, value: &[u8]) -> Handled {
        if let Some(stream) = self.streams.get_mut(id) {
            stream.priority = stream.priority.updated(value);
            let priority = stream.priority;
            self.scheduler.reprioritize(id, priority);
            return Ok(());
        }
        if self.missing_stream_state(id) != MissingStream::Idle {
            // "Servers can discard frames where the prioritized stream ID
            // refers to a stream in the "half-closed (local)" or "closed"
            // state".
            return Ok(());
        }
        if id.is_server_initiated() {
            // "Servers that receive a PRIORITY_UPDATE for a push stream in the
            // "idle" state MUST respond with a connection error of type
            // PROTOCOL_ERROR."
            return Err(conn(
                ErrorCode::PROTOCOL_ERROR,
                "PRIORITY_UPDATE for an idle push stream",
            ));
        }
        let priority = super::super::Priority::parse(value);
        let remembered = self.scheduler.remember_early(id, priority);
        // "The number of streams that have been prioritized but remain in the
        // "idle" state plus the number of active streams ... MUST NOT exceed
        // the value of the SETTINGS_MAX_CONCURRENT_STREAMS parameter. Servers
        // that receive such a PRIORITY_UPDATE MUST respond with a connection
        // error of type PROTOCOL_ERROR."
        if remembered + self.streams.active(true) > self.config.max_concurrent_streams as usize {
            return Err(conn(
                ErrorCode::PROTOCOL_ERROR,
                "too many PRIORITY_UPDATEs for idle streams",
            ));
        }
        Ok(())
    }

    // ---- helpers ----

    /// The peer ended its side of a stream.
    fn recv_end_stream(&mut self, id: StreamId) {
        let Some(stream) = self.streams.get_mut(id) else {
            return;
        };
        if let Outcome::Move(next) = stream.state.apply(Transition::RecvEndStream) {
            stream.state = next;
            if self.config.lifecycle_events.all() {
                self.events.push_back(Event::StreamHalfClosed {
                    stream_id: id,
                    side: Initiator::Peer,
                });
            }
            if next == StreamState::Closed {
                self.close_stream(id, false);
            }
        }
    }

    /// Answers a stream error (§5.4.2): "An endpoint that detects a stream
    /// error sends a RST_STREAM frame (Section 6.4) that contains the stream
    /// identifier of the stream where the error occurred."
    fn stream_error(&mut self, id: StreamId, code: ErrorCode) -> Result<(), ConnectionError> {
        if let Err((code, why)) = self.count_flood(Flood::LocalReset) {
            return Err(self.connection_error(code, why));
        }
        self.send_reset(id, code);
        if self.streams.get(id).is_some() {
            self.close_stream(id, true);
            self.events.push_back(Event::StreamReset {
                stream_id: id,
                code,
                by: Initiator::Local,
                retry_safe: code == ErrorCode::REFUSED_STREAM,
            });
        } else {
            self.remember_closed(id, true);
        }
        Ok(())
    }

    pub(super) fn send_reset(&mut self, id: StreamId, code: ErrorCode) {
        Frame::RstStream(RstStream {
            stream_id: id,
            error_code: code,
        })
        .encode(&mut self.out);
    }

    /// Forgets a closed stream, remembering its id for late frames.
    pub(super) fn close_stream(&mut self, id: StreamId, reset_by_us: bool) {
        if let Some(stream) = self.streams.remove(id) {
            self.scheduler.remove(id, stream.scheduled);
            // Whatever the application had not yet released is released now,
            // so the connection window does not leak.
            let unreleased = stream.unreleased.min(u64::from(u32::MAX)) as u32;
            if unreleased > 0 {
                self.conn_recv.release(unreleased);
                self.queue_window_updates(StreamId::CONNECTION);
            }
            if self.config.lifecycle_events.closed() {
                self.events.push_back(Event::StreamClosed { stream_id: id });
            }
            self.remember_closed(id, reset_by_us);
            if self.is_local(id) {
                self.open_pending_streams();
            }
        }
    }

    fn remember_closed(&mut self, id: StreamId, reset_by_us: bool) {
        if self.recently_closed.len() == RECENTLY_CLOSED {
            self.recently_closed.pop_front();
        }
        self.recently_closed.push_back((id.value(), reset_by_us));
    }

    /// Gives received octets back as window (automatic mode on event
    /// delivery, or `release_capacity`).
    pub(super) fn release_received(&mut self, id: StreamId, n: u32) {
        if let Some(stream) = self.streams.get_mut(id) {
            let n = n.min(stream.unreleased.min(u64::from(u32::MAX)) as u32);
            stream.unreleased -= u64::from(n);
            stream.recv_window.release(n);
            self.conn_recv.release(n);
            self.queue_window_updates(id);
        }
        // A stream that is gone already released its octets in
        // `close_stream`.
    }

    /// Queues WINDOW_UPDATEs for the connection and `id` if enough credit
    /// has been released.
    pub(super) fn queue_window_updates(&mut self, id: StreamId) {
        if let Some(increment) = self.conn_recv.take_update() {
            Frame::WindowUpdate(WindowUpdate {
                stream_id: StreamId::CONNECTION,
                increment,
            })
            .encode(&mut self.out);
        }
        if id.is_connection() {
            return;
        }
        if let Some(stream) = self.streams.get_mut(id) {
            // No point in growing the window of a stream the peer has ended.
            if stream.state.can_recv_data() {
                if let Some(increment) = stream.recv_window.take_update() {
                    Frame::WindowUpdate(WindowUpdate {
                        stream_id: id,
                        increment,
                    })
                    .encode(&mut self.out);
                }
            }
        }
    }

    /// Opens the upgraded HTTP/1.1 request as stream 1, "half-closed
    /// (remote)" (RFC 7540 §3.2: "The HTTP/1.1 request that is sent prior to
    /// upgrade is assigned a stream identifier of 1 ... with default priority
    /// values. Stream 1 is implicitly "half-closed" from the client toward
    /// the server").
    pub(super) fn open_upgraded_stream(&mut self) {
        let id = StreamId::new(1);
        let mut stream = self.new_stream(id);
        stream.state = StreamState::HalfClosedRemote;
        self.streams.insert(stream);
        self.max_peer_id = 1;
        self.last_processed_peer_id = 1;
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum MissingStream {
    Idle,
    ResetByUs,
    Closed,
}

fn outcome_error(id: StreamId, outcome: Outcome) -> Handled {
    match outcome {
        Outcome::Move(_) | Outcome::Ignore => Ok(()),
        Outcome::StreamError(code) => Err(Violation::Stream(id, code)),
        Outcome::ConnectionError(code) => {
            Err(conn(code, "frame not allowed in the stream's state"))
        }
        // Only local actions produce NotAllowed; for a received frame it
        // means the table has no row for it, which §5.1 calls a protocol
        // error.
        Outcome::NotAllowed => Err(conn(ErrorCode::PROTOCOL_ERROR, "unexpected frame")),
    }
}

#[cfg(test)]
mod tests {
    use super::rewind;
    use bytes::BytesMut;

    #[test]
    fn an_empty_buffer_nobody_shares_goes_back_to_its_start() {
        let mut buf = BytesMut::with_capacity(1024);
        let start = buf.as_ptr();
        buf.extend_from_slice(&[1; 100]);
        drop(buf.split_to(100).freeze());
        assert_ne!(buf.as_ptr(), start);
        rewind(&mut buf);
        assert_eq!(buf.as_ptr(), start);
        assert!(buf.capacity() >= 1024);
    }

    #[test]
    fn a_shared_or_non_empty_buffer_stays_where_it_is() {
        let mut buf = BytesMut::with_capacity(1024);
        buf.extend_from_slice(&[1; 100]);
        let held = buf.split_to(100).freeze();
        let position = buf.as_ptr();
        rewind(&mut buf);
        assert_eq!(
            buf.as_ptr(),
            position,
            "the split-off bytes still point into it"
        );
        drop(held);
        buf.extend_from_slice(&[2; 10]);
        let position = buf.as_ptr();
        rewind(&mut buf);
        assert_eq!(buf.as_ptr(), position, "it holds bytes");
        assert_eq!(&buf[..], &[2; 10]);
    }
}
