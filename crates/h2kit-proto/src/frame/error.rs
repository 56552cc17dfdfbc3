//! What the frame decoder says when a frame breaks a rule of RFC 9113 §4–§6.

use super::head::{FrameType, StreamId};
use crate::ErrorCode;
use std::fmt;

/// Whether a violation ends the whole connection or only one stream
/// (RFC 9113 §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorScope {
    /// A connection error: send GOAWAY with the code and close (§5.4.1).
    Connection,
    /// A stream error: send RST_STREAM for this stream only (§5.4.2).
    Stream(StreamId),
}

/// Which rule a frame broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameErrorKind {
    /// The payload is longer than our SETTINGS_MAX_FRAME_SIZE (§4.2).
    TooLarge {
        /// The frame's declared length.
        length: u32,
        /// The limit in force.
        max: u32,
    },
    /// A fixed-size frame, or a frame too short for its mandatory fields
    /// (§4.2, §6.3, §6.4, §6.5, §6.7, §6.8, §6.9).
    BadLength {
        /// The frame's declared length.
        length: u32,
    },
    /// A frame that must name a stream arrived on stream 0.
    StreamIdRequired,
    /// A connection-level frame arrived on a non-zero stream.
    StreamIdForbidden,
    /// The Pad Length is not smaller than the room left for padding
    /// (§6.1, §6.2, §6.6).
    PaddingTooLong,
    /// A SETTINGS ACK carried a payload (§6.5).
    SettingsAckWithPayload,
    /// A SETTINGS value outside its allowed range (§6.5.2).
    InvalidSetting {
        /// The setting's identifier.
        id: u16,
        /// The offending value.
        value: u32,
    },
    /// A WINDOW_UPDATE with an increment of 0 (§6.9).
    ZeroWindowIncrement,
    /// A stream declared a dependency on itself (§5.3.1).
    SelfDependency,
    /// A PRIORITY_UPDATE that names stream 0 as the stream to prioritise
    /// (RFC 9218 §7.1).
    PriorityUpdateForConnection,
    /// A field block was interrupted: the frame after a HEADERS or
    /// PUSH_PROMISE without END_HEADERS was not a CONTINUATION on the same
    /// stream (§6.2, §6.6, §6.10).
    ExpectedContinuation {
        /// The stream whose field block is open.
        open_stream: StreamId,
        /// The type of frame that arrived instead.
        got: FrameType,
    },
    /// A CONTINUATION arrived with no field block open (§6.10).
    UnexpectedContinuation,
}

/// A frame that breaks a rule, with the RFC's answer: the error code and
/// whether it is a connection or a stream error.
///
/// ```
/// use h2kit_proto::frame::{FrameDecoder, ErrorScope};
/// use h2kit_proto::ErrorCode;
/// // A PING of 7 octets: FRAME_SIZE_ERROR for the whole connection.
/// let wire = [0, 0, 7, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7];
/// let mut decoder = FrameDecoder::new();
/// let mut buf = bytes::BytesMut::from(&wire[..]);
/// let err = decoder.decode(&mut buf).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::FRAME_SIZE_ERROR);
/// assert_eq!(err.scope(), ErrorScope::Connection);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameError {
    kind: FrameErrorKind,
    code: ErrorCode,
    scope: ErrorScope,
    frame_type: FrameType,
}

impl FrameError {
    pub(crate) fn connection(frame_type: FrameType, code: ErrorCode, kind: FrameErrorKind) -> Self {
        FrameError {
            kind,
            code,
            scope: ErrorScope::Connection,
            frame_type,
        }
    }

    pub(crate) fn stream(
        frame_type: FrameType,
        stream: StreamId,
        code: ErrorCode,
        kind: FrameErrorKind,
    ) -> Self {
        FrameError {
            kind,
            code,
            scope: ErrorScope::Stream(stream),
            frame_type,
        }
    }

    /// Which rule was broken.
    pub fn kind(&self) -> FrameErrorKind {
        self.kind
    }

    /// The error code to send (in GOAWAY or RST_STREAM).
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// Whether the connection or only one stream must be ended.
    pub fn scope(&self) -> ErrorScope {
        self.scope
    }

    /// True when the whole connection must end.
    pub fn is_connection_error(&self) -> bool {
        self.scope == ErrorScope::Connection
    }

    /// The type of the offending frame.
    pub fn frame_type(&self) -> FrameType {
        self.frame_type
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scope {
            ErrorScope::Connection => write!(f, "connection error {}: ", self.code)?,
            ErrorScope::Stream(id) => write!(f, "stream error {} on stream {id}: ", self.code)?,
        }
        write!(f, "{:?} frame: ", self.frame_type)?;
        match self.kind {
            FrameErrorKind::TooLarge { length, max } => {
                write!(f, "length {length} exceeds SETTINGS_MAX_FRAME_SIZE {max}")
            }
            FrameErrorKind::BadLength { length } => write!(f, "invalid length {length}"),
            FrameErrorKind::StreamIdRequired => f.write_str("must not be sent on stream 0"),
            FrameErrorKind::StreamIdForbidden => f.write_str("must be sent on stream 0"),
            FrameErrorKind::PaddingTooLong => f.write_str("padding does not fit in the payload"),
            FrameErrorKind::SettingsAckWithPayload => f.write_str("ACK with a payload"),
            FrameErrorKind::InvalidSetting { id, value } => {
                write!(f, "setting {id:#x} has invalid value {value}")
            }
            FrameErrorKind::ZeroWindowIncrement => f.write_str("window increment of 0"),
            FrameErrorKind::SelfDependency => f.write_str("stream depends on itself"),
            FrameErrorKind::PriorityUpdateForConnection => {
                f.write_str("prioritized stream id is 0")
            }
            FrameErrorKind::ExpectedContinuation { open_stream, got } => write!(
                f,
                "field block on stream {open_stream} interrupted by {got:?}"
            ),
            FrameErrorKind::UnexpectedContinuation => f.write_str("no field block is open"),
        }
    }
}

impl std::error::Error for FrameError {}
