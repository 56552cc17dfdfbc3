//! What a connection tells the application: plain data, no callbacks, so any
//! driver — blocking, mio, tokio or a test — can consume them the same way.

use super::message::{RequestHead, ResponseHead};
use crate::ErrorCode;
use crate::frame::{Settings, StreamId};
use crate::hpack::HeaderField;
use bytes::Bytes;

/// Who ended a stream or a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initiator {
    /// This endpoint (the application asked, or we detected a peer error).
    Local,
    /// The peer.
    Peer,
}

/// Something that happened on the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// (Server) a request arrived and opened a stream.
    Request {
        /// The new stream.
        stream_id: StreamId,
        /// Pseudo-headers and header fields. Boxed, so that every other
        /// event (several per request) stays small to queue and move.
        head: Box<RequestHead>,
        /// No body follows.
        end_stream: bool,
    },
    /// (Client) the final response to a request arrived.
    Response {
        /// The request's stream.
        stream_id: StreamId,
        /// Status and header fields.
        head: ResponseHead,
        /// No body follows.
        end_stream: bool,
    },
    /// (Client) an informational (1xx) response arrived, such as 100
    /// Continue or 103 Early Hints; the final response is still to come.
    Informational {
        /// The request's stream.
        stream_id: StreamId,
        /// Status and header fields.
        head: ResponseHead,
    },
    /// (Client) the server promised to push a response (RFC 9113 §8.4).
    PushPromise {
        /// The request the push is associated with.
        parent: StreamId,
        /// The reserved stream the pushed response will arrive on.
        promised: StreamId,
        /// The request the server answers.
        head: Box<RequestHead>,
    },
    /// Trailer fields arrived; they always end the stream.
    Trailers {
        /// The stream.
        stream_id: StreamId,
        /// The trailer fields.
        fields: Vec<HeaderField>,
    },
    /// Body bytes arrived (a slice of the received bytes, not a copy).
    Data {
        /// The stream.
        stream_id: StreamId,
        /// The bytes (padding removed).
        data: Bytes,
        /// This is the last of the body.
        end_stream: bool,
    },
    /// A stream was reset, by the peer's RST_STREAM, by our own `reset`, by
    /// a stream error we detected, or by the peer's GOAWAY not covering it.
    StreamReset {
        /// The stream.
        stream_id: StreamId,
        /// The error code.
        code: ErrorCode,
        /// Who reset it.
        by: Initiator,
        /// The peer has certainly not processed the request, so it can be
        /// retried on another connection (REFUSED_STREAM, or above a GOAWAY's
        /// last stream id).
        retry_safe: bool,
    },
    /// A stream entered "open" or "half-closed" and counts toward the
    /// concurrency limit (only with `LifecycleEvents::All`).
    StreamActive {
        /// The stream.
        stream_id: StreamId,
    },
    /// One direction of a stream finished (only with
    /// `LifecycleEvents::All`).
    StreamHalfClosed {
        /// The stream.
        stream_id: StreamId,
        /// `Local`: we sent END_STREAM; `Peer`: the peer did.
        side: Initiator,
    },
    /// A stream reached "closed" and its state is gone (with
    /// `LifecycleEvents::Closed` or `All`).
    StreamClosed {
        /// The stream.
        stream_id: StreamId,
    },
    /// The peer gave us more send window on a stream, or on the connection
    /// (stream 0); buffered data may now flow.
    WindowUpdated {
        /// The stream, or 0 for the connection.
        stream_id: StreamId,
        /// Octets that may now be sent on that window.
        available: u32,
    },
    /// The peer's SETTINGS arrived and were applied (and acknowledged).
    SettingsReceived(Settings),
    /// The peer acknowledged our SETTINGS; they are now in force.
    SettingsAcknowledged(Settings),
    /// The peer sent a PING (already answered).
    PingReceived([u8; 8]),
    /// The peer answered one of our PINGs.
    PingAcknowledged([u8; 8]),
    /// The peer is shutting down: no new streams; those above
    /// `last_stream_id` were not processed (and were reported as reset,
    /// retry-safe).
    GoAwayReceived {
        /// The highest of our streams the peer may have processed.
        last_stream_id: StreamId,
        /// Why.
        code: ErrorCode,
        /// The peer's diagnostic bytes.
        debug_data: Bytes,
    },
    /// The connection is over: nothing more will be received or sent after
    /// the bytes already queued by `poll_transmit`.
    ConnectionTerminated {
        /// The error code (NO_ERROR for a clean shutdown).
        code: ErrorCode,
        /// The last stream id the GOAWAY named.
        last_stream_id: StreamId,
        /// Diagnostic bytes.
        debug_data: Bytes,
        /// Who ended it.
        by: Initiator,
    },
}
