//! Errors the connection's API returns to the application.

use super::state::StreamState;
use crate::ErrorCode;
use crate::frame::StreamId;
use std::fmt;

/// Why an action the application asked for was refused. Nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserError {
    /// No such stream (never opened, or already closed and forgotten).
    UnknownStream(StreamId),
    /// The stream's state does not allow this (RFC 9113 §5.1).
    InvalidState {
        /// The stream.
        stream_id: StreamId,
        /// Its state.
        state: StreamState,
    },
    /// The stream's send buffer is full; wait for window updates.
    SendBufferFull {
        /// The stream.
        stream_id: StreamId,
        /// How many more octets would be accepted now.
        capacity: usize,
    },
    /// Too many stream opens are already waiting for the peer's
    /// MAX_CONCURRENT_STREAMS; retry later or on another connection.
    TooManyPendingStreams,
    /// The stream identifier space is used up; open a new connection.
    StreamIdsExhausted,
    /// A GOAWAY was sent or received: no new streams on this connection.
    /// Safe to retry on a new connection.
    GoingAway,
    /// The connection has ended.
    Closed(ErrorCode),
    /// The header fields are not a valid HTTP/2 message (RFC 9113 §8).
    InvalidHeaders(&'static str),
    /// Only a client may do this.
    ClientOnly,
    /// Only a server may do this.
    ServerOnly,
    /// The peer's MAX_CONCURRENT_STREAMS leaves no room for another stream.
    StreamLimit,
    /// The peer disabled server push (SETTINGS_ENABLE_PUSH = 0).
    PushDisabled,
    /// More outstanding PINGs than allowed.
    TooManyPings,
    /// `release_capacity` for more octets than were received.
    ReleaseTooLarge,
}

impl UserError {
    /// True when the request certainly never reached the peer's application
    /// and can be sent again, on this or another connection.
    pub fn is_retry_safe(&self) -> bool {
        matches!(
            self,
            UserError::GoingAway | UserError::TooManyPendingStreams | UserError::StreamIdsExhausted
        )
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserError::UnknownStream(id) => write!(f, "stream {id} does not exist"),
            UserError::InvalidState { stream_id, state } => {
                write!(f, "stream {stream_id} is {state:?}")
            }
            UserError::SendBufferFull {
                stream_id,
                capacity,
            } => {
                write!(
                    f,
                    "stream {stream_id} send buffer full ({capacity} octets free)"
                )
            }
            UserError::TooManyPendingStreams => f.write_str("too many streams waiting to open"),
            UserError::StreamIdsExhausted => f.write_str("stream identifiers exhausted"),
            UserError::GoingAway => f.write_str("connection is going away"),
            UserError::Closed(code) => write!(f, "connection closed ({code})"),
            UserError::InvalidHeaders(why) => write!(f, "invalid headers: {why}"),
            UserError::ClientOnly => f.write_str("only a client may do this"),
            UserError::ServerOnly => f.write_str("only a server may do this"),
            UserError::StreamLimit => f.write_str("the peer's concurrent stream limit is reached"),
            UserError::PushDisabled => f.write_str("the peer disabled server push"),
            UserError::TooManyPings => f.write_str("too many outstanding pings"),
            UserError::ReleaseTooLarge => f.write_str("released more than was received"),
        }
    }
}

impl std::error::Error for UserError {}

/// Why the connection ended, as `recv` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionError {
    /// The code in the GOAWAY we sent (or received).
    pub code: ErrorCode,
    /// What went wrong, for logs.
    pub reason: String,
    /// True when the peer ended it.
    pub remote: bool,
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = if self.remote { "peer" } else { "local" };
        write!(f, "connection error ({who}) {}: {}", self.code, self.reason)
    }
}

impl std::error::Error for ConnectionError {}
