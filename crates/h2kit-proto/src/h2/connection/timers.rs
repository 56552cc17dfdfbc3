//! Time: the SETTINGS acknowledgement deadline, keep-alive pings, and the
//! windows over which peer floods are counted. The connection never reads a
//! clock; `handle_timeout(now)` tells it the time.

use super::super::event::Initiator;
use super::Connection;
use crate::ErrorCode;
use crate::frame::{Frame, Ping, StreamId};
use bytes::Bytes;
use std::time::{Duration, Instant};

/// The PING payload of keep-alive probes, so their ACKs are recognised.
pub(super) const KEEPALIVE_PING: [u8; 8] = *b"h2kitKA\0";
/// The PING payload measuring the round trip of a graceful shutdown.
pub(super) const SHUTDOWN_PING: [u8; 8] = *b"h2kitGA\0";

#[derive(Default, Debug)]
pub(super) struct Timers {
    /// When our oldest unacknowledged SETTINGS must be acknowledged by.
    settings_deadline: Option<Instant>,
    /// SETTINGS were sent before we knew the time; start the clock at the
    /// next `handle_timeout`.
    settings_unstarted: bool,
    /// When we last heard from the peer.
    last_recv: Option<Instant>,
    /// When the outstanding keep-alive PING must be answered by.
    keepalive_deadline: Option<Instant>,
}

impl Timers {
    pub fn settings_sent(&mut self, now: Option<Instant>, timeout: Duration) {
        if self.settings_deadline.is_some() || self.settings_unstarted {
            return; // the oldest outstanding SETTINGS sets the deadline
        }
        match now {
            Some(now) => self.settings_deadline = Some(now + timeout),
            None => self.settings_unstarted = true,
        }
    }

    /// Nothing is awaited from the peer (no SETTINGS acknowledgement, no
    /// keep-alive PING answer): a connection may be parked.
    pub fn is_quiet(&self) -> bool {
        self.settings_deadline.is_none()
            && !self.settings_unstarted
            && self.keepalive_deadline.is_none()
    }

    /// When we last heard from the peer.
    pub fn last_recv(&self) -> Option<Instant> {
        self.last_recv
    }

    /// The timers of a resumed connection, quiet by construction.
    pub fn resumed(last_recv: Option<Instant>) -> Timers {
        Timers {
            last_recv,
            ..Timers::default()
        }
    }

    pub fn settings_acked(&mut self) {
        self.settings_deadline = None;
        self.settings_unstarted = false;
    }
}

/// Counts of costly peer behaviour within the current flood window.
#[derive(Default, Debug)]
pub(super) struct FloodCounters {
    window_start: Option<Instant>,
    pub resets: u32,
    pub control: u32,
    pub empty: u32,
    pub local_resets: u32,
}

impl FloodCounters {
    fn roll(&mut self, now: Instant, window: Duration) {
        match self.window_start {
            Some(start) if now.duration_since(start) < window => {}
            _ => {
                *self = FloodCounters {
                    window_start: Some(now),
                    ..FloodCounters::default()
                };
            }
        }
    }
}

/// Which counter a peer action adds to.
#[derive(Clone, Copy, Debug)]
pub(super) enum Flood {
    Reset,
    Control,
    Empty,
    LocalReset,
}

impl Connection {
    /// Tells the connection the time and fires whatever is due: the SETTINGS
    /// acknowledgement deadline (§6.5.3: "If the sender of a SETTINGS frame
    /// does not receive an acknowledgment within a reasonable amount of
    /// time, it MAY issue a connection error (Section 5.4.1) of type
    /// SETTINGS_TIMEOUT"), keep-alive pings and their timeout.
    ///
    /// Call it whenever the driver wakes up (before `recv` is best), and at
    /// the latest at [`poll_timeout`](Self::poll_timeout).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = Some(now);
        if self.closed.is_some() {
            return;
        }
        let t = &mut self.timers;
        if std::mem::take(&mut t.settings_unstarted) {
            t.settings_deadline = Some(now + self.config.settings_timeout);
        }
        if t.last_recv.is_none() {
            t.last_recv = Some(now);
        }
        if t.settings_deadline.is_some_and(|d| now >= d) {
            self.connection_error(
                ErrorCode::SETTINGS_TIMEOUT,
                "SETTINGS not acknowledged in time",
            );
            return;
        }
        if t.keepalive_deadline.is_some_and(|d| now >= d) {
            // The peer is gone; there is no one to tell, but the GOAWAY is
            // queued in case the transport still works one way.
            self.connection_error(ErrorCode::NO_ERROR, "keep-alive ping timed out");
            return;
        }
        if t.last_recv
            .is_some_and(|last| now.duration_since(last) >= self.config.idle_trim_delay)
        {
            self.trim_if_idle();
        }
        let t = &mut self.timers;
        if let (Some(interval), Some(last)) = (self.config.keepalive_interval, t.last_recv) {
            if t.keepalive_deadline.is_none() && now.duration_since(last) >= interval {
                t.keepalive_deadline = Some(now + self.config.keepalive_timeout);
                Frame::Ping(Ping {
                    ack: false,
                    payload: KEEPALIVE_PING,
                })
                .encode(&mut self.out);
            }
        }
    }

    /// When `handle_timeout` must next be called, if anything is scheduled.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed.is_some() {
            return None;
        }
        let t = &self.timers;
        let keepalive = match (self.config.keepalive_interval, t.last_recv) {
            (Some(interval), Some(last)) if t.keepalive_deadline.is_none() => Some(last + interval),
            _ => None,
        };
        let trim = match t.last_recv {
            Some(last) if self.has_trimmable_memory() => Some(last + self.config.idle_trim_delay),
            _ => None,
        };
        [t.settings_deadline, t.keepalive_deadline, keepalive, trim]
            .into_iter()
            .flatten()
            .min()
    }

    /// Notes that the peer said something (any bytes count as liveness).
    pub(super) fn note_peer_activity(&mut self) {
        if let Some(now) = self.now {
            self.timers.last_recv = Some(now);
        }
    }

    /// A keep-alive PING was answered.
    pub(super) fn keepalive_acked(&mut self) {
        self.timers.keepalive_deadline = None;
    }

    /// Counts a costly peer action and ends the connection with
    /// ENHANCE_YOUR_CALM when it passes its limit within the flood window.
    /// Without a clock the counts never reset, which only makes the limits
    /// stricter.
    pub(super) fn count_flood(&mut self, kind: Flood) -> Result<(), (ErrorCode, &'static str)> {
        if let Some(now) = self.now {
            self.flood.roll(now, self.config.flood_window);
        }
        let c = &self.config;
        let f = &mut self.flood;
        let (count, limit, what) = match kind {
            Flood::Reset => (
                &mut f.resets,
                c.max_resets_per_window,
                "too many RST_STREAM frames",
            ),
            Flood::Control => (
                &mut f.control,
                c.max_control_frames_per_window,
                "too many PING/SETTINGS frames",
            ),
            Flood::Empty => (
                &mut f.empty,
                c.max_empty_frames_per_window,
                "too many empty frames",
            ),
            Flood::LocalReset => (
                &mut f.local_resets,
                c.max_local_resets_per_window,
                "too many stream errors",
            ),
        };
        *count += 1;
        if *count > limit {
            return Err((ErrorCode::ENHANCE_YOUR_CALM, what));
        }
        Ok(())
    }

    /// Starts a graceful shutdown (§6.8): a GOAWAY with the largest stream
    /// id, so the client stops opening streams without losing the ones in
    /// flight, and a PING; when the PING returns, the final GOAWAY names the
    /// last stream actually processed. Streams in progress finish normally.
    pub fn shutdown(&mut self) {
        if self.closed.is_some() || self.shutdown_pending || self.goaway_sent.is_some() {
            return;
        }
        if self.role == super::Role::Client {
            // A client has nothing to protect against races: its GOAWAY
            // only stops pushes. One GOAWAY with the last processed push.
            self.send_goaway(
                ErrorCode::NO_ERROR,
                StreamId::new(self.last_processed_peer_id),
                Bytes::new(),
            );
            return;
        }
        self.send_goaway(ErrorCode::NO_ERROR, StreamId::MAX, Bytes::new());
        Frame::Ping(Ping {
            ack: false,
            payload: SHUTDOWN_PING,
        })
        .encode(&mut self.out);
        self.shutdown_pending = true;
    }

    /// The shutdown PING returned: every stream the client opened before
    /// our first GOAWAY has reached us, so the final GOAWAY can name it.
    pub(super) fn shutdown_ping_acked(&mut self) {
        self.shutdown_pending = false;
        let last = StreamId::new(self.last_processed_peer_id);
        self.send_goaway(ErrorCode::NO_ERROR, last, Bytes::new());
    }

    /// Sends GOAWAY without ending the connection: streams up to `last`
    /// continue.
    pub fn goaway(&mut self, code: ErrorCode, debug_data: Bytes) {
        if self.closed.is_some() {
            return;
        }
        let last = StreamId::new(self.last_processed_peer_id);
        if code == ErrorCode::NO_ERROR {
            self.send_goaway(code, last, debug_data);
        } else {
            // An error GOAWAY ends the connection.
            Frame::GoAway(crate::frame::GoAway {
                last_stream_id: last,
                error_code: code,
                debug_data: debug_data.clone(),
            })
            .encode(&mut self.out);
            self.goaway_sent = Some(last);
            self.terminate(code, last, debug_data, Initiator::Local);
        }
    }

    fn send_goaway(&mut self, code: ErrorCode, last: StreamId, debug_data: Bytes) {
        Frame::GoAway(crate::frame::GoAway {
            last_stream_id: last,
            error_code: code,
            debug_data,
        })
        .encode(&mut self.out);
        self.goaway_sent = Some(last);
    }
}
