//! Receive-window auto-tuning: grow the windows we give the peer toward the
//! connection's bandwidth-delay product, so one fast stream is not throttled
//! by the 64 KiB default (the complaint of hyper#1960).
//!
//! While DATA flows, one PING at a time measures a round trip; the DATA
//! octets that arrived during it are a sample of the bandwidth-delay
//! product. When a sample fills most of the current window, the window was
//! what limited the transfer, so it doubles (up to
//! `Config::max_auto_tuned_window`): the connection window by WINDOW_UPDATE,
//! the stream windows by a new SETTINGS_INITIAL_WINDOW_SIZE.

use super::Connection;
use crate::frame::{Frame, Ping, SettingId, Settings, StreamId, WindowUpdate};
use std::time::Instant;

/// The PING payload of bandwidth-delay probes.
pub(super) const BDP_PING: [u8; 8] = *b"h2kitBDP";

/// Octets counted while a probe is out, and when it left.
#[derive(Debug, Default)]
pub(super) struct Bdp {
    sample: u64,
    sent_at: Option<Instant>,
}

impl Connection {
    /// Counts received DATA and starts a probe if none is out.
    pub(super) fn autotune_on_data(&mut self, len: u32) {
        if !self.config.auto_tune_windows || self.now.is_none() || self.closed.is_some() {
            return;
        }
        let bdp = self.bdp.get_or_insert_with(Box::default);
        bdp.sample += u64::from(len);
        if bdp.sent_at.is_none() {
            bdp.sent_at = self.now;
            bdp.sample = u64::from(len);
            Frame::Ping(Ping {
                ack: false,
                payload: BDP_PING,
            })
            .encode(&mut self.out);
        }
    }

    /// A probe returned: grow the windows if the sample filled them.
    pub(super) fn autotune_on_ack(&mut self) {
        let Some(bdp) = self.bdp.as_mut() else {
            return;
        };
        if bdp.sent_at.take().is_none() {
            return;
        }
        let sample = bdp.sample;
        bdp.sample = 0;
        let max = self.config.max_auto_tuned_window;
        let stream_window = self.settings.local_initial_window;
        // Two thirds full: the peer was sending about as fast as the window
        // let it, so the window, not the link, set the pace.
        if stream_window < max && sample * 3 >= u64::from(stream_window) * 2 {
            let grown = stream_window.saturating_mul(2).min(max);
            let mut settings = Settings::default();
            settings.set(SettingId::INITIAL_WINDOW_SIZE, grown);
            // A larger initial window applies at once (see `send_settings`)
            // and the peer raises every stream window by the difference.
            self.send_settings_frame(settings);
        }
        let conn_target = self.conn_recv.target();
        if conn_target < max && sample * 3 >= u64::from(conn_target) * 2 {
            self.conn_recv
                .set_target(conn_target.saturating_mul(2).min(max));
            if let Some(increment) = self.conn_recv.take_update_now() {
                Frame::WindowUpdate(WindowUpdate {
                    stream_id: StreamId::CONNECTION,
                    increment,
                })
                .encode(&mut self.out);
            }
        }
    }
}
