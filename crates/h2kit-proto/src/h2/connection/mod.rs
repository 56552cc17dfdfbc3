//! [`Connection`]: one HTTP/2 connection's protocol logic, with no I/O.
//!
//! The application (or a driver) feeds received bytes to
//! [`recv`](Connection::recv), writes what
//! [`poll_transmit`](Connection::poll_transmit) hands out, takes
//! [`Event`]s from [`poll_event`](Connection::poll_event), and tells the
//! connection the time with [`handle_timeout`](Connection::handle_timeout).
//! Everything is deterministic: the same inputs give the same outputs.
//!
//! The code is split by direction: `recv.rs` handles frames from the peer,
//! `send.rs` the application's actions and the outgoing byte stream,
//! `settings.rs` the SETTINGS exchange, `timers.rs` time.

mod autotune;
mod park;
mod push;
mod recv;
mod scratch;
mod send;
mod settings;
mod streams;
mod timers;
mod transmit;

use super::config::Config;
use super::error::{ConnectionError, UserError};
use super::event::{Event, Initiator};
use super::flow::{DEFAULT_WINDOW, RecvWindow, SendWindow};
use super::message::{HeadPool, RequestHead};
use super::schedule::Scheduler;
use super::state::StreamState;
use crate::ErrorCode;
use crate::frame::{FrameDecoder, GoAway, StreamId};
use crate::hpack;
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

pub use park::ParkedConnection;
pub use scratch::Scratch;
pub use settings::{PeerSettings, decode_http2_settings};
pub use streams::StreamIdHasher;
use streams::StreamMap;

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Which end of the connection we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// We opened the connection and send requests.
    Client,
    /// We accepted it and answer requests.
    Server,
}

/// One HTTP/2 connection's protocol state machine.
///
/// ```
/// use h2kit_proto::h2::{Config, Connection, Event};
/// use bytes::BytesMut;
///
/// let mut client = Connection::client(Config::default());
/// let mut server = Connection::server(Config::default());
/// let stream = client
///     .send_request(&[(":method", "GET"), (":scheme", "http"), (":authority", "example"), (":path", "/")], true)
///     .unwrap();
///
/// // Move bytes until both sides are quiet.
/// let mut wire = BytesMut::new();
/// loop {
///     client.poll_transmit(&mut wire);
///     let to_server = wire.split();
///     server.recv(&to_server).unwrap();
///     server.poll_transmit(&mut wire);
///     let to_client = wire.split();
///     client.recv(&to_client).unwrap();
///     if to_server.is_empty() && to_client.is_empty() { break; }
///     while let Some(event) = server.poll_event() {
///         if let Event::Request { stream_id, .. } = event {
///             server.send_response(stream_id, 200, &[("content-type", "text/plain")], false).unwrap();
///             server.send_data(stream_id, "hello".into(), true).unwrap();
///         }
///     }
/// }
/// let mut body = Vec::new();
/// while let Some(event) = client.poll_event() {
///     if let Event::Data { data, .. } = event { body.extend_from_slice(&data); }
/// }
/// assert_eq!(body, b"hello");
/// assert_eq!(stream.value(), 1);
/// ```
pub struct Connection {
    role: Role,
    /// Shared by all connections of a server (see `with_shared_config`).
    config: Arc<Config>,
    now: Option<Instant>,

    // ---- receiving ----
    recv_buf: BytesMut,
    /// Server: octets of the client preface still expected.
    /// (24 at most: a byte keeps the connection small.)
    preface_remaining: u8,
    /// The peer's first SETTINGS has arrived (§3.4: it must come first).
    peer_settings_seen: bool,
    decoder: FrameDecoder,
    hpack_decoder: hpack::Decoder,
    /// A field block being reassembled from HEADERS/PUSH_PROMISE and
    /// CONTINUATION frames.
    field_block: Option<Box<recv::FieldBlock>>,

    // ---- sending ----
    /// Encoded frames waiting for `poll_transmit`, in order.
    out: BytesMut,
    hpack_encoder: hpack::Encoder,
    /// Scratch buffer for encoding header blocks.
    block_buf: BytesMut,

    // ---- settings ----
    settings: settings::SettingsState,

    // ---- streams ----
    streams: StreamMap,
    /// The next stream id we will open.
    next_local_id: u32,
    /// The highest stream id the peer has opened (or promised to us).
    max_peer_id: u32,
    /// The highest peer stream id whose request we processed (for GOAWAY).
    last_processed_peer_id: u32,
    /// Our stream opens waiting for the peer's MAX_CONCURRENT_STREAMS.
    pending_opens: VecDeque<send::PendingOpen>,
    /// Recently closed stream ids and whether we reset them, so late frames
    /// get the answer §5.1 gives for "closed" (bounded).
    recently_closed: VecDeque<(u32, bool)>,
    /// Streams with DATA to send and window to send it.
    scheduler: Scheduler,

    // ---- flow control ----
    conn_send: SendWindow,
    conn_recv: RecvWindow,

    // ---- events ----
    events: VecDeque<Event>,

    // ---- ping, goaway, shutdown ----
    timers: timers::Timers,
    goaway_sent: Option<StreamId>,
    goaway_received: Option<StreamId>,
    /// Graceful shutdown: the first GOAWAY went out and a PING is
    /// measuring one round trip before the final GOAWAY.
    shutdown_pending: bool,
    /// Receive-window auto-tuning state, allocated once data flows.
    bdp: Option<Box<autotune::Bdp>>,
    /// Boxed: rarely set, and an idle connection should stay small.
    closed: Option<Box<ConnectionError>>,
    /// Request heads the application gave back, reused for the next
    /// requests (see `recycle_request_head`). Several, because one read
    /// may decode a whole batch of requests before any is handled.
    spare_heads: HeadPool,
    flood: timers::FloodCounters,
}

impl Connection {
    /// A client connection: the preface and our SETTINGS are queued at once.
    pub fn client(config: Config) -> Connection {
        Connection::with_shared_config(Role::Client, Arc::new(config))
    }

    /// A server connection: it expects the client preface, then answers
    /// with its own SETTINGS (queued at once, as §3.4 allows).
    pub fn server(config: Config) -> Connection {
        Connection::with_shared_config(Role::Server, Arc::new(config))
    }

    /// A connection using a configuration shared with others — what a
    /// server accepting many connections should use, so each one does not
    /// carry its own copy.
    pub fn with_shared_config(role: Role, config: Arc<Config>) -> Connection {
        match role {
            Role::Client => Connection::start_client(config),
            Role::Server => Connection::start_server(config),
        }
    }

    fn start_client(config: Arc<Config>) -> Connection {
        let mut conn = Connection::new(Role::Client, config);
        conn.out.extend_from_slice(PREFACE);
        conn.send_initial_settings();
        conn
    }

    fn start_server(config: Arc<Config>) -> Connection {
        let mut conn = Connection::new(Role::Server, config);
        conn.preface_remaining = PREFACE.len() as u8;
        conn.send_initial_settings();
        conn
    }

    /// A server connection taking over from an HTTP/1.1 request with
    /// `Upgrade: h2c` (RFC 7540 §3.2): `http2_settings` is the decoded
    /// HTTP2-Settings header (a SETTINGS payload), applied as if received;
    /// stream 1 is the upgraded request, already "half-closed (remote)".
    /// The driver sends `101 Switching Protocols` itself; the client's
    /// preface is still expected next.
    pub fn server_upgraded(config: Config, http2_settings: &[u8]) -> Result<Connection, ErrorCode> {
        Connection::server_upgraded_shared(Arc::new(config), http2_settings)
    }

    /// [`server_upgraded`](Self::server_upgraded) with a configuration
    /// shared among a server's connections.
    pub fn server_upgraded_shared(
        config: Arc<Config>,
        http2_settings: &[u8],
    ) -> Result<Connection, ErrorCode> {
        let mut conn = Connection::with_shared_config(Role::Server, config);
        conn.apply_upgrade_settings(http2_settings)?;
        conn.open_upgraded_stream();
        Ok(conn)
    }

    fn new(role: Role, config: Arc<Config>) -> Connection {
        let mut decoder = FrameDecoder::new();
        // Our own SETTINGS_MAX_FRAME_SIZE is in force only once
        // acknowledged; until then the decoder keeps the protocol default.
        decoder.set_max_frame_size(crate::frame::DEFAULT_MAX_FRAME_SIZE);
        let mut hpack_decoder = hpack::Decoder::new(4096);
        // The header list limit is ours to enforce from the start: it only
        // protects us, and a peer that has not seen our SETTINGS yet can at
        // worst be refused one request.
        hpack_decoder.set_max_header_list_size(config.max_header_list_size as usize);
        let flood = timers::FloodCounters::default();
        Connection {
            role,
            now: None,
            recv_buf: BytesMut::new(),
            preface_remaining: 0,
            peer_settings_seen: false,
            decoder,
            hpack_decoder,
            field_block: None,
            out: BytesMut::new(),
            hpack_encoder: hpack::Encoder::new(),
            block_buf: BytesMut::new(),
            settings: settings::SettingsState::new(),
            streams: StreamMap::default(),
            next_local_id: if role == Role::Client { 1 } else { 2 },
            max_peer_id: 0,
            last_processed_peer_id: 0,
            pending_opens: VecDeque::new(),
            recently_closed: VecDeque::new(),
            scheduler: Scheduler::default(),
            conn_send: SendWindow::new(DEFAULT_WINDOW),
            conn_recv: RecvWindow::new(DEFAULT_WINDOW),
            events: VecDeque::new(),
            timers: timers::Timers::default(),
            goaway_sent: None,
            goaway_received: None,
            shutdown_pending: false,
            bdp: None,
            closed: None,
            flood,
            config,
            spare_heads: HeadPool::default(),
        }
    }

    /// Gives back the head of an [`Event::Request`] once the application
    /// has taken what it needs from it: the next request's head reuses its
    /// allocation and its field list's capacity. Optional; a head not
    /// given back is simply freed.
    pub fn recycle_request_head(&mut self, head: Box<RequestHead>) {
        self.spare_heads.give_back(head);
    }

    /// Which end we are.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The next event, if any.
    ///
    /// With automatic flow control, taking a [`Event::Data`] gives its
    /// octets back to the peer as window.
    pub fn poll_event(&mut self) -> Option<Event> {
        let event = self.events.pop_front()?;
        if let Event::Data {
            stream_id, data, ..
        } = &event
        {
            if self.config.flow_control == super::config::FlowControl::Automatic {
                self.release_received(*stream_id, data.len() as u32);
            }
        }
        Some(event)
    }

    /// The state of a stream (`Closed` for streams that are gone or never
    /// existed below the highest id seen, `Idle` above it).
    pub fn stream_state(&self, stream_id: StreamId) -> StreamState {
        if let Some(stream) = self.streams.get(stream_id) {
            return stream.state;
        }
        let highest = if self.is_local(stream_id) {
            self.next_local_id.saturating_sub(2)
        } else {
            self.max_peer_id
        };
        if stream_id.value() <= highest {
            StreamState::Closed
        } else {
            StreamState::Idle
        }
    }

    /// Octets we may send on a stream now (its window, and the
    /// connection's), or `None` for an unknown stream.
    pub fn stream_window(&self, stream_id: StreamId) -> Option<u32> {
        self.streams
            .get(stream_id)
            .map(|s| s.send_window.available().min(self.conn_send.available()))
    }

    /// Octets the peer may still send us on a stream before it must wait
    /// for a WINDOW_UPDATE, or `None` for an unknown stream.
    pub fn stream_recv_window(&self, stream_id: StreamId) -> Option<i64> {
        self.streams
            .get(stream_id)
            .map(|s| s.recv_window.available())
    }

    /// Octets the peer may still send us on the connection as a whole.
    pub fn connection_recv_window(&self) -> i64 {
        self.conn_recv.available()
    }

    /// Octets we may send on the connection as a whole now.
    pub fn connection_window(&self) -> u32 {
        self.conn_send.available()
    }

    /// Octets of body buffered on a stream, waiting for window.
    pub fn buffered_amount(&self, stream_id: StreamId) -> usize {
        self.streams.get(stream_id).map_or(0, |s| s.buffered)
    }

    /// Octets of body buffered on all streams.
    pub fn total_buffered_amount(&self) -> usize {
        self.streams.iter().map(|s| s.buffered).sum()
    }

    /// How many more octets to hand `send_data` on a stream now: up to
    /// `Config::max_send_buffer_per_stream` buffered, or with
    /// `Config::min_send_buffer_per_stream` up to what the windows allow
    /// (at least that minimum).
    pub fn send_capacity(&self, stream_id: StreamId) -> usize {
        let max = self.config.max_send_buffer_per_stream;
        self.streams.get(stream_id).map_or(0, |s| {
            let limit = match self.config.min_send_buffer_per_stream {
                None => max,
                Some(floor) => {
                    let window = s.send_window.available().min(self.conn_send.available());
                    (window as usize).max(floor).min(max)
                }
            };
            limit.saturating_sub(s.buffered)
        })
    }

    /// The number of streams that count toward the concurrency limits.
    pub fn active_streams(&self) -> usize {
        self.streams.active(true) + self.streams.active(false)
    }

    /// The peer's settings currently in force.
    pub fn peer_settings(&self) -> &PeerSettings {
        &self.settings.peer
    }

    /// True once the connection has ended; after the last `poll_transmit`
    /// the driver may close the transport.
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    /// Why the connection ended, once it has.
    pub fn close_reason(&self) -> Option<&ConnectionError> {
        self.closed.as_deref()
    }

    /// True when a GOAWAY has been sent or received and no streams remain,
    /// so the driver can close the transport once output is flushed.
    pub fn is_done(&self) -> bool {
        self.closed.is_some()
            || ((self.goaway_sent.is_some() || self.goaway_received.is_some())
                && !self.shutdown_pending
                && self.streams.is_empty()
                && self.pending_opens.is_empty())
    }

    /// True when output is waiting for `poll_transmit`.
    pub fn wants_write(&self) -> bool {
        !self.out.is_empty() || (!self.scheduler.is_empty() && self.conn_send.available() > 0)
    }

    /// True when buffers hold memory an idle connection could give back.
    fn has_trimmable_memory(&self) -> bool {
        if !self.streams.is_empty() || self.field_block.is_some() {
            return false;
        }
        (self.recv_buf.is_empty() && self.recv_buf.capacity() > 0)
            || (self.out.is_empty() && self.out.capacity() > 0)
            || self.block_buf.capacity() > 0
            || (self.events.is_empty() && self.events.capacity() > 0)
            || (self.settings.pending.is_empty() && self.settings.pending.capacity() > 0)
            || self.spare_heads.holds_memory()
    }

    /// Gives back buffer memory once no stream is live, so an idle
    /// connection holds almost nothing (a server may keep thousands). Called
    /// from `handle_timeout` after `Config::idle_trim_delay` of quiet, so
    /// busy connections keep their buffers and the hot path does not
    /// allocate.
    fn trim_if_idle(&mut self) {
        if !self.streams.is_empty() || self.field_block.is_some() {
            return;
        }
        if self.recv_buf.is_empty() && self.recv_buf.capacity() > 0 {
            self.recv_buf = BytesMut::new();
        }
        if self.out.is_empty() && self.out.capacity() > 0 {
            self.out = BytesMut::new();
        }
        if self.block_buf.capacity() > 0 {
            self.block_buf = BytesMut::new();
        }
        if self.events.is_empty() {
            self.events = VecDeque::new();
        }
        self.spare_heads = HeadPool::default();
        if self.settings.pending.is_empty() {
            self.settings.pending = VecDeque::new();
        }
    }

    /// A stream with the windows the current settings give it.
    fn new_stream(&self, id: StreamId) -> super::stream::Stream {
        super::stream::Stream::new(
            id,
            self.settings.peer.initial_window_size,
            self.settings.local_initial_window,
        )
    }

    fn is_local(&self, id: StreamId) -> bool {
        id.is_client_initiated() == (self.role == Role::Client)
    }

    fn check_open(&self) -> Result<(), UserError> {
        match &self.closed {
            Some(err) => Err(UserError::Closed(err.code)),
            None => Ok(()),
        }
    }

    /// Ends the connection with a connection error (§5.4.1): GOAWAY with the
    /// code, then nothing more is processed.
    fn connection_error(&mut self, code: ErrorCode, reason: impl Into<String>) -> ConnectionError {
        let reason = reason.into();
        let last = StreamId::new(self.last_processed_peer_id);
        if self.closed.is_none() {
            crate::frame::Frame::GoAway(GoAway {
                last_stream_id: last,
                error_code: code,
                debug_data: Bytes::copy_from_slice(reason.as_bytes()),
            })
            .encode(&mut self.out);
            self.goaway_sent = Some(last);
            self.terminate(
                code,
                last,
                Bytes::copy_from_slice(reason.as_bytes()),
                Initiator::Local,
            );
        }
        let err = ConnectionError {
            code,
            reason,
            remote: false,
        };
        (**self.closed.get_or_insert(Box::new(err))).clone()
    }

    /// Marks the connection over and reports it, failing every open stream.
    fn terminate(&mut self, code: ErrorCode, last: StreamId, debug: Bytes, by: Initiator) {
        for stream in self.streams.drain() {
            self.events.push_back(Event::StreamReset {
                stream_id: stream.id,
                code,
                by,
                retry_safe: false,
            });
        }
        for pending in self.pending_opens.drain(..) {
            self.events.push_back(Event::StreamReset {
                stream_id: pending.stream_id,
                code: ErrorCode::REFUSED_STREAM,
                by: Initiator::Local,
                retry_safe: true,
            });
        }
        self.scheduler.clear();
        self.events.push_back(Event::ConnectionTerminated {
            code,
            last_stream_id: last,
            debug_data: debug.clone(),
            by,
        });
        if self.closed.is_none() {
            self.closed = Some(Box::new(ConnectionError {
                code,
                reason: String::from_utf8_lossy(&debug).into_owned(),
                remote: by == Initiator::Peer,
            }));
        }
    }
}
