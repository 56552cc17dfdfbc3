//! The SETTINGS exchange (RFC 9113 §6.5): ours, sent and acknowledged; the
//! peer's, applied on receipt.

use super::super::event::Event;
use super::super::flow::DEFAULT_WINDOW;
use super::{Connection, Role};
use crate::ErrorCode;
use crate::frame::{
    DEFAULT_MAX_FRAME_SIZE, Frame, FrameHeader, FrameType, SettingId, Settings, StreamId,
    WindowUpdate,
};
use bytes::Bytes;
use std::collections::VecDeque;

/// The peer's settings in force (its values, which constrain what we send).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerSettings {
    /// HPACK table size our encoder may use.
    pub header_table_size: u32,
    /// Whether we (a server) may push.
    pub enable_push: bool,
    /// Streams we may have open at once (`None`: no limit announced).
    pub max_concurrent_streams: Option<u32>,
    /// Initial send window of each stream.
    pub initial_window_size: u32,
    /// Largest frame payload we may send.
    pub max_frame_size: u32,
    /// Largest header list the peer accepts (advisory).
    pub max_header_list_size: Option<u32>,
    /// Extended CONNECT allowed (RFC 8441).
    pub enable_connect_protocol: bool,
    /// The peer ignores RFC 7540 priority signals (RFC 9218).
    pub no_rfc7540_priorities: bool,
}

impl Default for PeerSettings {
    /// The initial values of §6.5.2.
    fn default() -> Self {
        PeerSettings {
            header_table_size: 4096,
            enable_push: true,
            max_concurrent_streams: None,
            initial_window_size: DEFAULT_WINDOW,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_header_list_size: None,
            enable_connect_protocol: false,
            no_rfc7540_priorities: false,
        }
    }
}

pub(super) struct SettingsState {
    pub peer: PeerSettings,
    /// Our SETTINGS frames sent and not yet acknowledged, oldest first.
    pub pending: VecDeque<Settings>,
    /// The receive window new streams start with: our
    /// SETTINGS_INITIAL_WINDOW_SIZE once it is safe to assume.
    pub local_initial_window: u32,
    /// We have advertised SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, so requests
    /// may carry `:protocol` (RFC 8441 §4).
    pub local_enable_connect: bool,
}

impl SettingsState {
    pub fn new() -> SettingsState {
        SettingsState {
            peer: PeerSettings::default(),
            pending: VecDeque::new(),
            local_initial_window: DEFAULT_WINDOW,
            local_enable_connect: false,
        }
    }
}

impl Connection {
    /// The first SETTINGS frame, from the configuration (§3.4: "the
    /// connection preface ... MUST be followed by a SETTINGS frame"), and a
    /// WINDOW_UPDATE growing the connection window past 65,535.
    pub(super) fn send_initial_settings(&mut self) {
        let c = &self.config;
        let mut s = Settings::default();
        if c.header_table_size != 4096 {
            s.set(SettingId::HEADER_TABLE_SIZE, c.header_table_size);
        }
        if self.role == Role::Client {
            s.set(SettingId::ENABLE_PUSH, u32::from(c.enable_push));
        }
        s.set(SettingId::MAX_CONCURRENT_STREAMS, c.max_concurrent_streams);
        if c.initial_stream_window != DEFAULT_WINDOW {
            s.set(SettingId::INITIAL_WINDOW_SIZE, c.initial_stream_window);
        }
        if c.max_frame_size != DEFAULT_MAX_FRAME_SIZE {
            s.set(SettingId::MAX_FRAME_SIZE, c.max_frame_size);
        }
        s.set(SettingId::MAX_HEADER_LIST_SIZE, c.max_header_list_size);
        if self.role == Role::Server && c.enable_connect_protocol {
            s.set(SettingId::ENABLE_CONNECT_PROTOCOL, 1);
        }
        // RFC 9218 §2.1: we say we ignore RFC 7540 signals unless the tree
        // scheduler, which uses them, is configured.
        if c.scheduler != super::super::SchedulerKind::Rfc7540Tree {
            s.set(SettingId::NO_RFC7540_PRIORITIES, 1);
        }
        self.send_settings(s);

        let target = self.config.initial_connection_window;
        if target > DEFAULT_WINDOW {
            self.conn_recv.set_target(target);
            if let Some(increment) = self.conn_recv.take_update_now() {
                Frame::WindowUpdate(WindowUpdate {
                    stream_id: StreamId::CONNECTION,
                    increment,
                })
                .encode(&mut self.out);
            }
        }
    }

    /// Sends new settings of ours. Values take effect when the peer
    /// acknowledges them, except a larger initial stream window, which is
    /// applied at once (the peer may use it as soon as it reads the frame).
    pub fn update_settings(&mut self, settings: Settings) -> Result<(), super::UserError> {
        self.check_open()?;
        for (id, value) in settings.iter() {
            if Settings::validate(id, value).is_err() {
                return Err(super::UserError::InvalidHeaders("invalid settings value"));
            }
        }
        self.send_settings(settings);
        Ok(())
    }

    pub(super) fn send_settings_frame(&mut self, settings: Settings) {
        self.send_settings(settings);
    }

    fn send_settings(&mut self, settings: Settings) {
        if let Some(window) = settings.initial_window_size() {
            if window > self.settings.local_initial_window {
                self.shift_recv_windows(window);
            }
        }
        if settings.enable_connect_protocol() == Some(true) {
            self.settings.local_enable_connect = true;
        }
        Frame::Settings(settings.clone()).encode(&mut self.out);
        self.settings.pending.push_back(settings);
        self.timers
            .settings_sent(self.now, self.config.settings_timeout);
    }

    /// Moves every stream's receive window by the change in our initial
    /// window (§6.9.2), and makes it the start value for new streams.
    fn shift_recv_windows(&mut self, window: u32) {
        let delta = i64::from(window) - i64::from(self.settings.local_initial_window);
        self.settings.local_initial_window = window;
        let mut ids = Vec::new();
        for stream in self.streams.iter_mut() {
            stream.recv_window.shift(delta);
            ids.push(stream.id);
        }
        // Credit held back for batching may now be due under the new size.
        for id in ids {
            self.queue_window_updates(id);
        }
    }

    /// The peer acknowledged our oldest outstanding SETTINGS.
    pub(super) fn on_settings_ack(&mut self) {
        let Some(settings) = self.settings.pending.pop_front() else {
            // An ACK for nothing: the RFC gives no rule; ignoring it is
            // harmless.
            return;
        };
        if self.settings.pending.is_empty() {
            self.timers.settings_acked();
        }
        if let Some(size) = settings.max_frame_size() {
            self.decoder.set_max_frame_size(size);
        }
        if let Some(size) = settings.header_table_size() {
            self.hpack_decoder.set_max_table_size(size as usize);
        }
        if let Some(size) = settings.max_header_list_size() {
            self.hpack_decoder.set_max_header_list_size(size as usize);
        }
        if let Some(window) = settings.initial_window_size() {
            // The peer now uses `window`, or a larger value from SETTINGS
            // still in flight that it may already have read; tolerate the
            // largest of them.
            let in_flight = self
                .settings
                .pending
                .iter()
                .filter_map(Settings::initial_window_size);
            let effective = in_flight.fold(window, u32::max);
            if effective != self.settings.local_initial_window {
                self.shift_recv_windows(effective);
            }
        }
        self.events.push_back(Event::SettingsAcknowledged(settings));
    }

    /// Applies the peer's SETTINGS (§6.5.3: "the recipient of a SETTINGS
    /// frame in which the ACK flag is not set MUST apply the updated settings
    /// as soon as possible upon receipt") and acknowledges them ("Once all
    /// values have been processed, the recipient MUST immediately emit a
    /// SETTINGS frame with the ACK flag set").
    pub(super) fn on_settings(
        &mut self,
        settings: Settings,
    ) -> Result<(), (ErrorCode, &'static str)> {
        self.apply_peer_settings(&settings)?;
        Frame::SettingsAck.encode(&mut self.out);
        self.events.push_back(Event::SettingsReceived(settings));
        Ok(())
    }

    fn apply_peer_settings(
        &mut self,
        settings: &Settings,
    ) -> Result<(), (ErrorCode, &'static str)> {
        let peer = &mut self.settings.peer;
        if let Some(size) = settings.header_table_size() {
            peer.header_table_size = size;
            self.hpack_encoder.set_max_table_size(size as usize);
        }
        if let Some(push) = settings.enable_push() {
            // §6.5.2: "A client MUST treat receipt of a SETTINGS frame with
            // SETTINGS_ENABLE_PUSH set to 1 as a connection error (Section
            // 5.4.1) of type PROTOCOL_ERROR."
            if push && self.role == Role::Client {
                return Err((
                    ErrorCode::PROTOCOL_ERROR,
                    "server set SETTINGS_ENABLE_PUSH to 1",
                ));
            }
            peer.enable_push = push;
        }
        if let Some(max) = settings.max_concurrent_streams() {
            peer.max_concurrent_streams = Some(max);
        }
        if let Some(size) = settings.max_frame_size() {
            peer.max_frame_size = size;
        }
        if let Some(size) = settings.max_header_list_size() {
            peer.max_header_list_size = Some(size);
        }
        if let Some(on) = settings.enable_connect_protocol() {
            // RFC 8441 §3: "A sender MUST NOT send a
            // SETTINGS_ENABLE_CONNECT_PROTOCOL parameter with the value of 0
            // after previously sending a value of 1."
            if peer.enable_connect_protocol && !on {
                return Err((
                    ErrorCode::PROTOCOL_ERROR,
                    "SETTINGS_ENABLE_CONNECT_PROTOCOL withdrawn",
                ));
            }
            peer.enable_connect_protocol = on;
        }
        if let Some(on) = settings.no_rfc7540_priorities() {
            peer.no_rfc7540_priorities = on;
        }
        if let Some(window) = settings.initial_window_size() {
            let delta = i64::from(window) - i64::from(peer.initial_window_size);
            peer.initial_window_size = window;
            // §6.9.2: "When the value of SETTINGS_INITIAL_WINDOW_SIZE
            // changes, a receiver MUST adjust the size of all stream
            // flow-control windows that it maintains by the difference
            // between the new value and the old value." ... "An endpoint MUST
            // treat a change to SETTINGS_INITIAL_WINDOW_SIZE that causes any
            // flow-control window to exceed the maximum size as a connection
            // error (Section 5.4.1) of type FLOW_CONTROL_ERROR."
            let mut grown = Vec::new();
            for stream in self.streams.iter_mut() {
                if stream.send_window.grow(delta).is_err() {
                    return Err((
                        ErrorCode::FLOW_CONTROL_ERROR,
                        "initial window overflows a stream",
                    ));
                }
                if delta > 0 && stream.has_pending_send() {
                    grown.push(stream.id);
                }
            }
            for id in grown {
                self.schedule(id);
            }
        }
        self.open_pending_streams();
        Ok(())
    }

    /// Applies an HTTP2-Settings payload from an h2c upgrade (RFC 7540
    /// §3.2.1): "A server decodes and interprets these values as it would any
    /// other SETTINGS frame. Explicit acknowledgement of these settings
    /// (Section 6.5.3) is not necessary, since a 101 response serves as
    /// implicit acknowledgement."
    pub(super) fn apply_upgrade_settings(&mut self, payload: &[u8]) -> Result<(), ErrorCode> {
        let header = FrameHeader {
            length: payload.len() as u32,
            kind: FrameType::SETTINGS,
            flags: 0,
            stream_id: StreamId::CONNECTION,
        };
        let frame = Frame::parse(&header, Bytes::copy_from_slice(payload)).map_err(|e| e.code())?;
        let Frame::Settings(settings) = frame else {
            return Err(ErrorCode::PROTOCOL_ERROR);
        };
        self.apply_peer_settings(&settings)
            .map_err(|(code, _)| code)
    }
}

/// Decodes an `HTTP2-Settings` header value (RFC 7540 §3.2.1: "the base64url
/// encoding of a SETTINGS frame payload", without padding) into the SETTINGS
/// payload. Returns `None` for invalid base64url.
///
/// ```
/// use h2kit_proto::h2::decode_http2_settings;
/// // SETTINGS_MAX_CONCURRENT_STREAMS = 100
/// assert_eq!(decode_http2_settings(b"AAMAAABk"), Some(vec![0, 3, 0, 0, 0, 100]));
/// assert_eq!(decode_http2_settings(b"AA*"), None);
/// ```
pub fn decode_http2_settings(value: &[u8]) -> Option<Vec<u8>> {
    let value = value.trim_ascii();
    let value = value
        .strip_suffix(b"==")
        .or_else(|| value.strip_suffix(b"="))
        .unwrap_or(value);
    let mut out = Vec::with_capacity(value.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in value {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // A single leftover character (6 bits) cannot encode a whole octet.
    if bits >= 6 {
        return None;
    }
    Some(out)
}
