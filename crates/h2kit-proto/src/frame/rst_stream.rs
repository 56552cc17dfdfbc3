//! RST_STREAM frames (RFC 9113 §6.4).

use super::error::{FrameError, FrameErrorKind};
use super::head::{FrameHeader, FrameType, StreamId};
use crate::ErrorCode;
use bytes::{Buf, BufMut, Bytes};

/// A RST_STREAM frame: ends one stream at once, with an error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RstStream {
    /// The stream being reset (never 0).
    pub stream_id: StreamId,
    /// Why.
    pub error_code: ErrorCode,
}

impl RstStream {
    pub(super) fn decode(
        header: &FrameHeader,
        mut payload: Bytes,
    ) -> Result<RstStream, FrameError> {
        // §6.4: "If a RST_STREAM frame is received with a stream identifier
        // of 0x00, the recipient MUST treat this as a connection error
        // (Section 5.4.1) of type PROTOCOL_ERROR."
        if header.stream_id.is_connection() {
            return Err(FrameError::connection(
                FrameType::RST_STREAM,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::StreamIdRequired,
            ));
        }
        // §6.4: "A RST_STREAM frame with a length other than 4 octets MUST be
        // treated as a connection error (Section 5.4.1) of type
        // FRAME_SIZE_ERROR."
        if payload.len() != 4 {
            return Err(FrameError::connection(
                FrameType::RST_STREAM,
                ErrorCode::FRAME_SIZE_ERROR,
                FrameErrorKind::BadLength {
                    length: header.length,
                },
            ));
        }
        Ok(RstStream {
            stream_id: header.stream_id,
            error_code: ErrorCode::from(payload.get_u32()),
        })
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: 4,
            kind: FrameType::RST_STREAM,
            flags: 0,
            stream_id: self.stream_id,
        }
        .encode(dst);
        dst.put_u32(self.error_code.as_u32());
    }
}
