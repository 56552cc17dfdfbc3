//! The stream state machine of RFC 9113 §5.1, written down as a table.
//!
//! Each row of [`TABLE`] is one state; each column one thing that can happen
//! to a stream. The cell says what follows: a new state, no change, or the
//! error the RFC prescribes. The quotes beside the rows are the sentences of
//! §5.1 they implement, so the table can be checked against the text.
//!
//! ```text
//!                          +--------+
//!                  send PP |        | recv PP
//!                 ,--------+  idle  +--------.
//!                /         |        |         \
//!               v          +--------+          v
//!        +----------+          |           +----------+
//!        |          |          | send H /  |          |
//! ,------+ reserved |          | recv H    | reserved +------.
//! |      | (local)  |          |           | (remote) |      |
//! |      +---+------+          v           +------+---+      |
//! |          |             +--------+             |          |
//! |          |     recv ES |        | send ES     |          |
//! |   send H |     ,-------+  open  +-------.     | recv H   |
//! |          |    /        |        |        \    |          |
//! |          v   v         +---+----+         v   v          |
//! |      +----------+          |           +----------+      |
//! |      |   half-  |          |           |   half-  |      |
//! |      |  closed  |          | send R /  |  closed  |      |
//! |      | (remote) |          | recv R    | (local)  |      |
//! |      +----+-----+          |           +-----+----+      |
//! |           |                |                 |           |
//! |           | send ES /      |       recv ES / |           |
//! |           |  send R /      v        send R / |           |
//! |           |  recv R    +--------+   recv R   |           |
//! | send R /  `----------->|        |<-----------'  send R / |
//! | recv R                 | closed |               recv R   |
//! `----------------------->|        |<-----------------------'
//!                          +--------+
//! ```

use crate::ErrorCode;

/// Where a stream is in its life (RFC 9113 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamState {
    /// Not yet used.
    Idle,
    /// We promised it with PUSH_PROMISE and have not sent its HEADERS.
    ReservedLocal,
    /// The peer promised it to us.
    ReservedRemote,
    /// Both sides may send.
    Open,
    /// We have sent END_STREAM; the peer may still send.
    HalfClosedLocal,
    /// The peer has sent END_STREAM; we may still send.
    HalfClosedRemote,
    /// Done.
    Closed,
}

/// Something that happens to a stream: a frame sent or received, or the
/// END_STREAM flag on one. A HEADERS or DATA frame with END_STREAM is two
/// steps: the frame, then the end of stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// We send HEADERS.
    SendHeaders,
    /// We send DATA.
    SendData,
    /// We send END_STREAM (on HEADERS or DATA).
    SendEndStream,
    /// We send RST_STREAM.
    SendReset,
    /// We send a PUSH_PROMISE reserving this stream.
    SendPushPromise,
    /// The peer sends HEADERS.
    RecvHeaders,
    /// The peer sends DATA.
    RecvData,
    /// The peer sends END_STREAM.
    RecvEndStream,
    /// The peer sends RST_STREAM.
    RecvReset,
    /// The peer sends a PUSH_PROMISE reserving this stream.
    RecvPushPromise,
    /// The peer sends WINDOW_UPDATE for this stream.
    RecvWindowUpdate,
}

/// What the table says happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The stream moves to this state (possibly the same one).
    Move(StreamState),
    /// The frame is discarded without changing anything.
    Ignore,
    /// A stream error (§5.4.2): reset this stream with the code.
    StreamError(ErrorCode),
    /// A connection error (§5.4.1): GOAWAY with the code, then close.
    ConnectionError(ErrorCode),
    /// Our own application asked for something the state forbids; nothing
    /// is sent and the call fails.
    NotAllowed,
}

use Outcome::{ConnectionError as Conn, Ignore, Move, NotAllowed as No, StreamError as Strm};
use StreamState::*;

const PROTO: ErrorCode = ErrorCode::PROTOCOL_ERROR;
const CLOSED: ErrorCode = ErrorCode::STREAM_CLOSED;

/// Columns, in the order of [`Transition`].
const COLUMNS: usize = 11;

/// The transition table: `TABLE[state][transition]`.
///
/// Columns: SendHeaders, SendData, SendEndStream, SendReset, SendPushPromise,
/// RecvHeaders, RecvData, RecvEndStream, RecvReset, RecvPushPromise,
/// RecvWindowUpdate.
#[rustfmt::skip]
pub const TABLE: [[Outcome; COLUMNS]; 7] = [
    // idle: "Sending a HEADERS frame as a client, or receiving a HEADERS
    // frame as a server, causes the stream to become "open"." "Sending a
    // PUSH_PROMISE frame on another stream reserves the idle stream ...
    // "reserved (local)"." "Receiving a PUSH_PROMISE ... "reserved (remote)"."
    // "Receiving any frame other than HEADERS or PRIORITY on a stream in this
    // state MUST be treated as a connection error (Section 5.4.1) of type
    // PROTOCOL_ERROR."  RST_STREAM: §6.4 "If a RST_STREAM frame identifying
    // an idle stream is received, the recipient MUST treat this as a
    // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    [Move(Open), No, No, No, Move(ReservedLocal),
     Move(Open), Conn(PROTO), Conn(PROTO), Conn(PROTO), Move(ReservedRemote), Conn(PROTO)],
    // reserved (local): "The endpoint can send a HEADERS frame. This causes
    // the stream to open in a "half-closed (remote)" state." "Either endpoint
    // can send a RST_STREAM frame to cause the stream to become "closed"."
    // "Receiving any type of frame other than RST_STREAM, PRIORITY, or
    // WINDOW_UPDATE on a stream in this state MUST be treated as a
    // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    [Move(HalfClosedRemote), No, No, Move(Closed), No,
     Conn(PROTO), Conn(PROTO), Conn(PROTO), Move(Closed), Conn(PROTO), Move(ReservedLocal)],
    // reserved (remote): "Receiving a HEADERS frame causes the stream to
    // transition to "half-closed (local)"." "An endpoint MUST NOT send any
    // type of frame other than RST_STREAM, WINDOW_UPDATE, or PRIORITY in this
    // state." "Receiving any type of frame other than HEADERS, RST_STREAM, or
    // PRIORITY on a stream in this state MUST be treated as a connection
    // error (Section 5.4.1) of type PROTOCOL_ERROR."
    [No, No, No, Move(Closed), No,
     Move(HalfClosedLocal), Conn(PROTO), Conn(PROTO), Move(Closed), Conn(PROTO), Conn(PROTO)],
    // open: "An endpoint sending an END_STREAM flag causes the stream state
    // to become "half-closed (local)"; an endpoint receiving an END_STREAM
    // flag causes the stream state to become "half-closed (remote)"." "Either
    // endpoint can send a RST_STREAM frame from this state, causing it to
    // transition immediately to "closed"."  A PUSH_PROMISE never reserves an
    // open stream: §6.6 "A receiver MUST treat the receipt of a PUSH_PROMISE
    // that promises an illegal stream identifier (Section 5.1.1) as a
    // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    [Move(Open), Move(Open), Move(HalfClosedLocal), Move(Closed), No,
     Move(Open), Move(Open), Move(HalfClosedRemote), Move(Closed), Conn(PROTO), Move(Open)],
    // half-closed (local): "cannot be used for sending frames other than
    // WINDOW_UPDATE, PRIORITY, and RST_STREAM." "A stream transitions from
    // this state to "closed" when a frame is received with the END_STREAM
    // flag set or when either peer sends a RST_STREAM frame." "An endpoint
    // can receive any type of frame in this state."
    [No, No, No, Move(Closed), No,
     Move(HalfClosedLocal), Move(HalfClosedLocal), Move(Closed), Move(Closed), Conn(PROTO),
     Move(HalfClosedLocal)],
    // half-closed (remote): "If an endpoint receives additional frames, other
    // than WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in
    // this state, it MUST respond with a stream error (Section 5.4.2) of type
    // STREAM_CLOSED." "A stream can transition from this state to "closed"
    // by sending a frame with the END_STREAM flag set or when either peer
    // sends a RST_STREAM frame."
    [Move(HalfClosedRemote), Move(HalfClosedRemote), Move(Closed), Move(Closed), No,
     Strm(CLOSED), Strm(CLOSED), Strm(CLOSED), Move(Closed), Conn(PROTO), Move(HalfClosedRemote)],
    // closed: "An endpoint MUST NOT send frames other than PRIORITY on a
    // closed stream."  "An endpoint that sends a frame with the END_STREAM
    // flag set or a RST_STREAM frame might receive a WINDOW_UPDATE or
    // RST_STREAM frame from its peer in the time before the peer receives
    // and processes the frame that closes the stream" — so those are
    // ignored. HEADERS and DATA get a stream error STREAM_CLOSED (the RFC
    // allows a connection error; a stream error is the gentler answer that
    // nghttp2 also gives). Streams we reset ourselves are handled before the
    // table: everything on them is discarded, as §5.1 requires.
    [No, No, No, Ignore, No,
     Strm(CLOSED), Strm(CLOSED), Strm(CLOSED), Ignore, Conn(PROTO), Ignore],
];

impl StreamState {
    /// What `transition` does to a stream in this state.
    pub const fn apply(self, transition: Transition) -> Outcome {
        TABLE[self as usize][transition as usize]
    }

    /// True in the states §5.1.2 counts toward MAX_CONCURRENT_STREAMS:
    /// "open" and both "half-closed" states.
    pub const fn is_active(self) -> bool {
        matches!(self, Open | HalfClosedLocal | HalfClosedRemote)
    }

    /// True when we may still send DATA (§6.1: "DATA frames are subject to
    /// flow control and can only be sent when a stream is in the "open" or
    /// "half-closed (remote)" state").
    pub const fn can_send_data(self) -> bool {
        matches!(self, Open | HalfClosedRemote)
    }

    /// True when the peer may still send DATA to us.
    pub const fn can_recv_data(self) -> bool {
        matches!(self, Open | HalfClosedLocal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9113_5_1_request_response_walks_the_diagram() {
        // §8.8.1's GET from the client's side: send HEADERS+ES, recv HEADERS,
        // recv DATA+ES.
        let mut s = Idle;
        for (t, want) in [
            (Transition::SendHeaders, Open),
            (Transition::SendEndStream, HalfClosedLocal),
            (Transition::RecvHeaders, HalfClosedLocal),
            (Transition::RecvData, HalfClosedLocal),
            (Transition::RecvEndStream, Closed),
        ] {
            let Move(next) = s.apply(t) else {
                panic!("{s:?} {t:?}")
            };
            assert_eq!(next, want);
            s = next;
        }
    }

    #[test]
    fn rfc9113_5_1_idle_frames_other_than_headers_are_connection_errors() {
        for t in [
            Transition::RecvData,
            Transition::RecvReset,
            Transition::RecvWindowUpdate,
        ] {
            assert_eq!(Idle.apply(t), Conn(PROTO), "{t:?}");
        }
    }

    #[test]
    fn rfc9113_5_1_half_closed_remote_rejects_data_with_stream_closed() {
        assert_eq!(HalfClosedRemote.apply(Transition::RecvData), Strm(CLOSED));
        assert_eq!(
            HalfClosedRemote.apply(Transition::RecvHeaders),
            Strm(CLOSED)
        );
        assert_eq!(
            HalfClosedRemote.apply(Transition::RecvWindowUpdate),
            Move(HalfClosedRemote)
        );
    }

    #[test]
    fn rfc9113_5_1_reserved_local_opens_half_closed_remote() {
        assert_eq!(Idle.apply(Transition::SendPushPromise), Move(ReservedLocal));
        assert_eq!(
            ReservedLocal.apply(Transition::SendHeaders),
            Move(HalfClosedRemote)
        );
        assert_eq!(ReservedLocal.apply(Transition::RecvData), Conn(PROTO));
    }

    #[test]
    fn rfc9113_5_1_reserved_remote_opens_half_closed_local() {
        assert_eq!(
            Idle.apply(Transition::RecvPushPromise),
            Move(ReservedRemote)
        );
        assert_eq!(
            ReservedRemote.apply(Transition::RecvHeaders),
            Move(HalfClosedLocal)
        );
        assert_eq!(
            ReservedRemote.apply(Transition::RecvWindowUpdate),
            Conn(PROTO)
        );
    }

    #[test]
    fn rfc9113_5_1_closed_tolerates_late_window_updates_and_resets() {
        assert_eq!(Closed.apply(Transition::RecvWindowUpdate), Ignore);
        assert_eq!(Closed.apply(Transition::RecvReset), Ignore);
        assert_eq!(Closed.apply(Transition::RecvData), Strm(CLOSED));
    }

    #[test]
    fn rfc9113_5_1_nothing_but_priority_is_sent_on_closed() {
        for t in [
            Transition::SendHeaders,
            Transition::SendData,
            Transition::SendEndStream,
        ] {
            assert_eq!(Closed.apply(t), No);
        }
    }

    #[test]
    fn rfc9113_5_1_reset_closes_every_live_state() {
        for s in [
            ReservedLocal,
            ReservedRemote,
            Open,
            HalfClosedLocal,
            HalfClosedRemote,
        ] {
            assert_eq!(s.apply(Transition::SendReset), Move(Closed), "{s:?}");
            assert_eq!(s.apply(Transition::RecvReset), Move(Closed), "{s:?}");
        }
    }
}
