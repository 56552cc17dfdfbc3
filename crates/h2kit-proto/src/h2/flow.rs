//! Flow-control windows (RFC 9113 §5.2, §6.9).
//!
//! Windows are kept as `i64` because SETTINGS_INITIAL_WINDOW_SIZE changes can
//! drive a send window negative (§6.9.2: "A change to
//! SETTINGS_INITIAL_WINDOW_SIZE can cause the available space in a
//! flow-control window to become negative"), and so arithmetic on them
//! cannot overflow before the 2^31-1 limit is checked.

use crate::ErrorCode;

/// The largest a flow-control window may be (§6.9.1).
pub const MAX_WINDOW: i64 = (1 << 31) - 1;

/// The window the protocol starts every stream and the connection with
/// (§6.9.2).
pub const DEFAULT_WINDOW: u32 = 65_535;

/// How much we may still send: grows with WINDOW_UPDATE, shrinks with DATA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendWindow(i64);

impl SendWindow {
    /// A window of `size` octets.
    pub fn new(size: u32) -> SendWindow {
        SendWindow(i64::from(size))
    }

    /// Octets that may be sent now (0 when the window is exhausted or
    /// negative).
    pub fn available(&self) -> u32 {
        self.0.clamp(0, MAX_WINDOW) as u32
    }

    /// The raw value, possibly negative.
    #[cfg(test)]
    pub fn value(&self) -> i64 {
        self.0
    }

    /// Adds a WINDOW_UPDATE increment or a SETTINGS_INITIAL_WINDOW_SIZE
    /// delta. §6.9.1: "A sender MUST NOT allow a flow-control window to
    /// exceed 2^31-1 octets. If a sender receives a WINDOW_UPDATE that causes
    /// a flow-control window to exceed this maximum, it MUST terminate either
    /// the stream or the connection, as appropriate" — with
    /// FLOW_CONTROL_ERROR, which is returned here.
    pub fn grow(&mut self, delta: i64) -> Result<(), ErrorCode> {
        let next = self.0 + delta;
        if next > MAX_WINDOW {
            return Err(ErrorCode::FLOW_CONTROL_ERROR);
        }
        self.0 = next;
        Ok(())
    }

    /// Records `n` octets sent. Callers never send more than
    /// [`available`](Self::available).
    pub fn consume(&mut self, n: u32) {
        self.0 -= i64::from(n);
    }
}

/// What the peer may still send us, and what the application has consumed
/// but we have not yet announced back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvWindow {
    /// Octets the peer may send before it must wait for WINDOW_UPDATE.
    window: i64,
    /// The size we aim to keep the window at.
    target: i64,
    /// Octets consumed by the application and not yet given back.
    released: i64,
}

impl RecvWindow {
    /// A window of `size` octets, kept at that size.
    pub fn new(size: u32) -> RecvWindow {
        RecvWindow {
            window: i64::from(size),
            target: i64::from(size),
            released: 0,
        }
    }

    /// Octets the peer may still send.
    pub fn available(&self) -> i64 {
        self.window
    }

    /// The size the window is kept at.
    pub fn target(&self) -> u32 {
        self.target.clamp(0, MAX_WINDOW) as u32
    }

    /// Records `n` octets of received DATA. §6.9: "A receiver MAY respond
    /// with a stream error (Section 5.4.2) or connection error (Section
    /// 5.4.1) of type FLOW_CONTROL_ERROR if it is unable to accept a frame"
    /// — a sender that overruns the window we gave it gets exactly that.
    pub fn receive(&mut self, n: u32) -> Result<(), ErrorCode> {
        let n = i64::from(n);
        if n > self.window {
            return Err(ErrorCode::FLOW_CONTROL_ERROR);
        }
        self.window -= n;
        Ok(())
    }

    /// The application is done with `n` octets; they may be re-announced.
    pub fn release(&mut self, n: u32) {
        self.released += i64::from(n);
    }

    /// Changes the size the window is kept at (auto-tuning, or a larger
    /// connection window than the protocol's 65,535). Growth is announced by
    /// the next [`take_update`](Self::take_update); a smaller target takes
    /// effect as the peer uses up what it was already given (§6.9.3).
    pub fn set_target(&mut self, size: u32) {
        let size = i64::from(size);
        if size > self.target {
            self.released += size - self.target;
        }
        self.target = size;
    }

    /// Moves a settings-driven delta into the window without announcing it
    /// (the peer applies SETTINGS_INITIAL_WINDOW_SIZE to its side itself).
    pub fn shift(&mut self, delta: i64) {
        self.window += delta;
        self.target += delta;
    }

    /// The WINDOW_UPDATE increment to send now, if any.
    ///
    /// Updates are batched: nothing is sent until the window has fallen to
    /// half its target, so a stream of small DATA frames does not draw a
    /// WINDOW_UPDATE each.
    pub fn take_update(&mut self) -> Option<u32> {
        let missing = self.target - self.window;
        let grant = self.released.min(missing);
        if grant <= 0 || (self.window >= self.target / 2 && grant < self.target / 2) {
            return None;
        }
        self.released -= grant;
        self.window += grant;
        Some(grant as u32)
    }

    /// Like [`take_update`](Self::take_update) but with no batching: any
    /// released credit is announced now.
    pub fn take_update_now(&mut self) -> Option<u32> {
        let grant = self.released.min(self.target - self.window);
        if grant <= 0 {
            return None;
        }
        self.released -= grant;
        self.window += grant;
        Some(grant as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9113_6_9_1_window_above_2_31_minus_1_is_flow_control_error() {
        let mut w = SendWindow::new(DEFAULT_WINDOW);
        assert_eq!(w.grow(MAX_WINDOW - 65_535), Ok(()));
        assert_eq!(w.grow(1), Err(ErrorCode::FLOW_CONTROL_ERROR));
        assert_eq!(w.value(), MAX_WINDOW, "a refused update changes nothing");
    }

    #[test]
    fn rfc9113_6_9_2_send_window_may_go_negative() {
        let mut w = SendWindow::new(100);
        w.consume(100);
        w.grow(-50).unwrap();
        assert_eq!(w.value(), -50);
        assert_eq!(w.available(), 0);
        w.grow(60).unwrap();
        assert_eq!(w.available(), 10);
    }

    #[test]
    fn rfc9113_6_9_data_beyond_the_receive_window_is_flow_control_error() {
        let mut w = RecvWindow::new(10);
        assert_eq!(w.receive(10), Ok(()));
        assert_eq!(w.receive(1), Err(ErrorCode::FLOW_CONTROL_ERROR));
    }

    #[test]
    fn window_updates_are_batched_until_half_the_window_is_used() {
        let mut w = RecvWindow::new(100);
        w.receive(30).unwrap();
        w.release(30);
        assert_eq!(w.take_update(), None);
        w.receive(30).unwrap();
        w.release(30);
        assert_eq!(w.take_update(), Some(60));
        assert_eq!(w.available(), 100);
    }

    #[test]
    fn unreleased_data_keeps_the_window_closed() {
        let mut w = RecvWindow::new(100);
        w.receive(100).unwrap();
        assert_eq!(w.take_update(), None, "the application has not consumed it");
        w.release(100);
        assert_eq!(w.take_update(), Some(100));
    }

    #[test]
    fn growing_the_target_announces_the_difference() {
        let mut w = RecvWindow::new(DEFAULT_WINDOW);
        w.set_target(1 << 20);
        assert_eq!(w.take_update_now(), Some((1 << 20) - DEFAULT_WINDOW));
        assert_eq!(w.available(), 1 << 20);
    }
}
