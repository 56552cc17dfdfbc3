//! Everything a connection lets the application tune, with safe defaults.
//!
//! Every quantity a peer controls has a limit here (DESIGN.md, rule 5): the
//! number of streams, header list size, HPACK table size, buffered bytes,
//! resets, pings, settings, empty frames and queued stream opens.

use super::schedule::SchedulerKind;
use std::time::Duration;

/// Which moments of a stream's life are reported as events, beyond the
/// messages themselves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LifecycleEvents {
    /// None: the messages tell most drivers all they need.
    #[default]
    None,
    /// Only [`Event::StreamClosed`](super::Event::StreamClosed): enough to
    /// forget a stream's state once the core has, at one event per stream
    /// instead of four.
    Closed,
    /// [`StreamActive`](super::Event::StreamActive),
    /// [`StreamHalfClosed`](super::Event::StreamHalfClosed) (each side) and
    /// [`StreamClosed`](super::Event::StreamClosed).
    All,
}

impl LifecycleEvents {
    /// Whether stream openings and half-closes are reported.
    pub(crate) fn all(self) -> bool {
        self == LifecycleEvents::All
    }

    /// Whether stream closes are reported.
    pub(crate) fn closed(self) -> bool {
        self != LifecycleEvents::None
    }
}

/// How received DATA is given back to the peer as flow-control window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowControl {
    /// Window is returned as soon as the application takes a
    /// [`Event::Data`](super::Event::Data) from `poll_event`.
    Automatic,
    /// Window is returned only when the application calls
    /// [`Connection::release_capacity`](super::Connection::release_capacity),
    /// so a slow consumer pushes back on the peer.
    Manual,
}

/// Configuration of one HTTP/2 connection.
///
/// ```
/// use h2kit_proto::h2::Config;
/// let config = Config {
///     max_concurrent_streams: 256,
///     initial_stream_window: 1 << 20,
///     ..Config::default()
/// };
/// assert_eq!(config.max_frame_size, 16_384);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// SETTINGS_HEADER_TABLE_SIZE we advertise: the HPACK table the peer's
    /// encoder may use against our decoder.
    pub header_table_size: u32,
    /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise: streams the peer may
    /// open at once. Streams over it are refused (REFUSED_STREAM).
    pub max_concurrent_streams: u32,
    /// SETTINGS_INITIAL_WINDOW_SIZE we advertise for each stream.
    pub initial_stream_window: u32,
    /// The connection-level receive window we grow to right after the
    /// preface (the protocol starts it at 65,535).
    pub initial_connection_window: u32,
    /// SETTINGS_MAX_FRAME_SIZE we advertise: the largest frame we accept.
    pub max_frame_size: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise and enforce (bytes, with
    /// 32 octets counted per field as RFC 9113 §6.5.2 says).
    pub max_header_list_size: u32,
    /// Whether we accept server push (client) — SETTINGS_ENABLE_PUSH.
    pub enable_push: bool,
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441): a server accepts
    /// extended CONNECT.
    pub enable_connect_protocol: bool,
    /// How received DATA returns window to the peer.
    pub flow_control: FlowControl,
    /// Most outgoing DATA bytes buffered per stream beyond what the peer's
    /// window lets us send; `send_data` refuses more.
    pub max_send_buffer_per_stream: usize,
    /// When set, [`send_capacity`](super::Connection::send_capacity)
    /// offers a stream only what the peer's window lets it send now, but
    /// at least this many octets (and never past
    /// `max_send_buffer_per_stream`): a peer granting large windows gets
    /// large writes, one that does not cannot make us buffer much for it.
    /// `None` (the default): the full `max_send_buffer_per_stream`.
    pub min_send_buffer_per_stream: Option<usize>,
    /// How many of our stream opens may wait for the peer's
    /// MAX_CONCURRENT_STREAMS to free a slot before `send_request` fails.
    pub max_pending_opens: usize,
    /// How long the peer has to acknowledge our SETTINGS before the
    /// connection ends with SETTINGS_TIMEOUT.
    pub settings_timeout: Duration,
    /// Send a PING after this much silence from the peer (None: never).
    pub keepalive_interval: Option<Duration>,
    /// End the connection if a keep-alive PING gets no answer this fast.
    pub keepalive_timeout: Duration,
    /// Most RST_STREAM frames the peer may send per `flood_window` before
    /// the connection ends with ENHANCE_YOUR_CALM (the "rapid reset" attack,
    /// CVE-2023-44487).
    pub max_resets_per_window: u32,
    /// Most PINGs and SETTINGS the peer may send per `flood_window` (each
    /// costs us a reply).
    pub max_control_frames_per_window: u32,
    /// Most empty DATA frames without END_STREAM, and empty CONTINUATIONs,
    /// the peer may send per `flood_window` (CVE-2019-9518).
    pub max_empty_frames_per_window: u32,
    /// The period the flood limits above count over.
    pub flood_window: Duration,
    /// Most CONTINUATION frames in one field block (CVE-2024-27316 style
    /// floods are also bounded by `max_header_list_size`).
    pub max_continuation_frames: u32,
    /// Most stream errors we send (RST_STREAM) per `flood_window` before
    /// we decide the peer is misbehaving and end the connection.
    pub max_local_resets_per_window: u32,
    /// After this long with no stream and no bytes from the peer, the
    /// connection gives its buffers back (checked in `handle_timeout`).
    pub idle_trim_delay: Duration,
    /// Which stream's DATA goes next when several can send.
    pub scheduler: SchedulerKind,
    /// Which stream lifecycle moments (active, half-closed, closed) are
    /// also reported as events; none by default since most drivers do not
    /// need them.
    pub lifecycle_events: LifecycleEvents,
    /// Grow receive windows toward the measured bandwidth-delay product.
    pub auto_tune_windows: bool,
    /// Upper bound for auto-tuned stream and connection windows.
    pub max_auto_tuned_window: u32,
    /// Check the regular fields of the responses and trailers we are asked
    /// to send against RFC 9113 §8.2.1 and §8.2.2 (name characters, value
    /// characters and edge whitespace, connection-specific fields; requests
    /// and promised requests are always checked); a failing field block is
    /// refused with [`UserError::InvalidHeaders`](super::UserError) before
    /// anything is encoded. On by default. A driver whose fields come from
    /// `http` types may turn it off and save the per-byte checks on every
    /// response: `http::HeaderName` guarantees the name and
    /// `http::HeaderValue` every value character, and the core then checks
    /// only what `HeaderValue` allows and §8.2.1 does not, edge whitespace.
    /// Such a driver must leave out connection-specific fields itself and
    /// must not pass fields from anywhere else.
    pub check_sent_fields: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            header_table_size: 4096,
            max_concurrent_streams: 100,
            initial_stream_window: 65_535,
            initial_connection_window: 1 << 20,
            max_frame_size: 16_384,
            max_header_list_size: 64 * 1024,
            enable_push: false,
            enable_connect_protocol: false,
            flow_control: FlowControl::Automatic,
            max_send_buffer_per_stream: 1 << 20,
            min_send_buffer_per_stream: None,
            max_pending_opens: 1024,
            settings_timeout: Duration::from_secs(10),
            keepalive_interval: None,
            keepalive_timeout: Duration::from_secs(20),
            max_resets_per_window: 200,
            max_control_frames_per_window: 1000,
            max_empty_frames_per_window: 100,
            flood_window: Duration::from_secs(1),
            max_continuation_frames: 64,
            max_local_resets_per_window: 200,
            idle_trim_delay: Duration::from_millis(500),
            scheduler: SchedulerKind::Rfc9218,
            lifecycle_events: LifecycleEvents::None,
            auto_tune_windows: false,
            max_auto_tuned_window: 16 << 20,
            check_sent_fields: true,
        }
    }
}
