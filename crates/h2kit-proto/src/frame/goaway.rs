//! GOAWAY frames (RFC 9113 §6.8).

use super::error::{FrameError, FrameErrorKind};
use super::head::{FrameHeader, FrameType, StreamId};
use crate::ErrorCode;
use bytes::{Buf, BufMut, Bytes};

/// A GOAWAY frame: the sender will process no stream above `last_stream_id`
/// and is shutting the connection down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoAway {
    /// The highest stream the sender may have processed.
    pub last_stream_id: StreamId,
    /// Why the connection is ending.
    pub error_code: ErrorCode,
    /// Opaque diagnostic data (often a short reason in ASCII).
    pub debug_data: Bytes,
}

impl GoAway {
    pub(super) fn decode(header: &FrameHeader, mut payload: Bytes) -> Result<GoAway, FrameError> {
        // §6.8: "An endpoint MUST treat a GOAWAY frame with a stream
        // identifier other than 0x00 as a connection error (Section 5.4.1)
        // of type PROTOCOL_ERROR."
        if !header.stream_id.is_connection() {
            return Err(FrameError::connection(
                FrameType::GOAWAY,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::StreamIdForbidden,
            ));
        }
        // Shorter than Last-Stream-ID and Error Code: "too small to contain
        // mandatory frame data" (§4.2), on stream 0 so a connection error.
        if payload.len() < 8 {
            return Err(FrameError::connection(
                FrameType::GOAWAY,
                ErrorCode::FRAME_SIZE_ERROR,
                FrameErrorKind::BadLength {
                    length: header.length,
                },
            ));
        }
        let last_stream_id = StreamId::new(payload.get_u32());
        let error_code = ErrorCode::from(payload.get_u32());
        Ok(GoAway {
            last_stream_id,
            error_code,
            debug_data: payload,
        })
    }

    /// The frame's payload length on the wire.
    pub fn payload_len(&self) -> u32 {
        8 + self.debug_data.len() as u32
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: self.payload_len(),
            kind: FrameType::GOAWAY,
            flags: 0,
            stream_id: StreamId::CONNECTION,
        }
        .encode(dst);
        dst.put_u32(self.last_stream_id.value());
        dst.put_u32(self.error_code.as_u32());
        dst.put_slice(&self.debug_data);
    }
}
