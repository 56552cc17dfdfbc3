//! Parking: a quiet connection reduced to what it must remember.
//!
//! A server may hold tens of thousands of connections that are open and
//! doing nothing. A live [`Connection`] is about a kilobyte before its
//! buffers; a [`ParkedConnection`] keeps only the state that outlives a
//! quiet moment — settings, windows, stream-id counters, the HPACK
//! contexts (their limits alone while the tables are empty) — and is
//! resumed into an equivalent connection when the peer speaks again.
//!
//! A connection can be parked only when nothing is in progress: no
//! stream, no partial frame, no output or event waiting, no SETTINGS
//! awaiting acknowledgement, no PING outstanding, no GOAWAY either way.
//! Everything else it holds is scratch that a resumed connection
//! allocates again when it needs it.

use super::settings::{PeerSettings, SettingsState};
use super::timers::{FloodCounters, Timers};
use super::{Connection, Role};
use crate::frame::FrameDecoder;
use crate::h2::config::Config;
use crate::h2::flow::{RecvWindow, SendWindow};
use crate::hpack::{self, DecoderLimits, EncoderLimits};
use bytes::BytesMut;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

/// A quiet [`Connection`] in a few hundred bytes; see
/// [`Connection::park`].
///
/// ```
/// use h2kit_proto::h2::{Config, Connection};
///
/// // A fresh server connection still expects the client preface: busy.
/// let conn = Connection::server(Config::default());
/// assert!(!conn.can_park());
/// assert!(conn.park().is_err());
/// ```
pub struct ParkedConnection {
    config: Arc<Config>,
    now: Option<Instant>,
    last_recv: Option<Instant>,
    flood: FloodCounters,
    peer: PeerSettings,
    conn_recv: RecvWindow,
    conn_send: SendWindow,
    hpack: ParkedHpack,
    /// Closed streams we reset: late frames on them are still ignored
    /// (RFC 9113 §5.4.2). Streams that closed normally need no entry: any
    /// id at or below the highest seen and not open is "closed".
    reset_by_us: Box<[u32]>,
    next_local_id: u32,
    max_peer_id: u32,
    last_processed_peer_id: u32,
    local_initial_window: u32,
    max_frame_size: u32,
    role: Role,
    local_enable_connect: bool,
}

/// The HPACK contexts: their limits while both tables are empty, the
/// contexts themselves (boxed) once either holds entries.
enum ParkedHpack {
    Empty(DecoderLimits, EncoderLimits),
    Kept(Box<(hpack::Decoder, hpack::Encoder)>),
}

impl Connection {
    /// True when nothing is in progress, so [`park`](Self::park) would
    /// succeed.
    pub fn can_park(&self) -> bool {
        self.closed.is_none()
            && self.preface_remaining == 0
            && self.peer_settings_seen
            && self.recv_buf.is_empty()
            && self.decoder.is_between_frames()
            && self.field_block.is_none()
            && self.out.is_empty()
            && self.events.is_empty()
            && self.streams.is_empty()
            && self.pending_opens.is_empty()
            && self.scheduler.is_idle()
            && self.settings.pending.is_empty()
            && self.timers.is_quiet()
            && self.goaway_sent.is_none()
            && self.goaway_received.is_none()
            && !self.shutdown_pending
    }

    /// Reduces a quiet connection to what it must remember, giving back
    /// everything else; the connection is returned unchanged when
    /// something is in progress (see [`can_park`](Self::can_park)).
    ///
    /// [`ParkedConnection::resume`] gives back a connection that behaves
    /// exactly as this one would have.
    // The refusal hands the caller's own connection back by value: boxing
    // it would cost an allocation for nothing.
    #[allow(clippy::result_large_err)]
    pub fn park(self) -> Result<ParkedConnection, Connection> {
        if !self.can_park() {
            return Err(self);
        }
        let hpack = match (
            self.hpack_decoder.limits_if_empty(),
            self.hpack_encoder.limits_if_empty(),
        ) {
            (Some(decoder), Some(encoder)) => ParkedHpack::Empty(decoder, encoder),
            _ => ParkedHpack::Kept(Box::new((self.hpack_decoder, self.hpack_encoder))),
        };
        let reset_by_us = self
            .recently_closed
            .iter()
            .filter(|(_, reset)| *reset)
            .map(|(id, _)| *id)
            .collect();
        Ok(ParkedConnection {
            now: self.now,
            last_recv: self.timers.last_recv(),
            flood: self.flood,
            peer: self.settings.peer,
            conn_recv: self.conn_recv,
            conn_send: self.conn_send,
            hpack,
            reset_by_us,
            next_local_id: self.next_local_id,
            max_peer_id: self.max_peer_id,
            last_processed_peer_id: self.last_processed_peer_id,
            local_initial_window: self.settings.local_initial_window,
            max_frame_size: self.decoder.max_frame_size(),
            role: self.role,
            local_enable_connect: self.settings.local_enable_connect,
            config: self.config,
        })
    }
}

impl ParkedConnection {
    /// The connection again, ready for the peer's next bytes.
    pub fn resume(self) -> Connection {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_frame_size(self.max_frame_size);
        let (hpack_decoder, hpack_encoder) = match self.hpack {
            ParkedHpack::Empty(decoder, encoder) => (
                hpack::Decoder::from_limits(decoder),
                hpack::Encoder::from_limits(encoder),
            ),
            ParkedHpack::Kept(contexts) => *contexts,
        };
        let recently_closed: VecDeque<(u32, bool)> =
            self.reset_by_us.iter().map(|&id| (id, true)).collect();
        Connection {
            role: self.role,
            config: self.config,
            now: self.now,
            recv_buf: BytesMut::new(),
            preface_remaining: 0,
            peer_settings_seen: true,
            decoder,
            hpack_decoder,
            field_block: None,
            out: BytesMut::new(),
            hpack_encoder,
            block_buf: BytesMut::new(),
            settings: SettingsState {
                peer: self.peer,
                pending: VecDeque::new(),
                local_initial_window: self.local_initial_window,
                local_enable_connect: self.local_enable_connect,
            },
            streams: Default::default(),
            next_local_id: self.next_local_id,
            max_peer_id: self.max_peer_id,
            last_processed_peer_id: self.last_processed_peer_id,
            pending_opens: VecDeque::new(),
            recently_closed,
            scheduler: Default::default(),
            conn_send: self.conn_send,
            conn_recv: self.conn_recv,
            events: VecDeque::new(),
            timers: Timers::resumed(self.last_recv),
            goaway_sent: None,
            goaway_received: None,
            shutdown_pending: false,
            bdp: None,
            closed: None,
            flood: self.flood,
            spare_heads: Default::default(),
        }
    }

    /// Which end the connection is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// When the resumed connection would have a timer due: the keep-alive
    /// PING, if the configuration asks for one. A driver resumes the
    /// connection then and calls `handle_timeout`.
    pub fn poll_timeout(&self) -> Option<Instant> {
        Some(self.last_recv? + self.config.keepalive_interval?)
    }

    /// When the parked connection last heard from its peer.
    pub fn last_recv(&self) -> Option<Instant> {
        self.last_recv
    }
}
