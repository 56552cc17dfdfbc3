//! WINDOW_UPDATE frames (RFC 9113 §6.9).

use super::error::{FrameError, FrameErrorKind};
use super::head::{FrameHeader, FrameType, StreamId};
use crate::ErrorCode;
use bytes::{Buf, BufMut, Bytes};

/// A WINDOW_UPDATE frame: the sender can take `increment` more octets of
/// DATA on a stream (or on the connection, for stream 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowUpdate {
    /// The stream, or 0 for the connection window.
    pub stream_id: StreamId,
    /// The window increment (1 to 2^31-1).
    pub increment: u32,
}

impl WindowUpdate {
    /// The largest increment the 31-bit field can carry.
    pub const MAX_INCREMENT: u32 = 0x7fff_ffff;

    pub(super) fn decode(
        header: &FrameHeader,
        mut payload: Bytes,
    ) -> Result<WindowUpdate, FrameError> {
        // §6.9: "A WINDOW_UPDATE frame with a length other than 4 octets MUST
        // be treated as a connection error (Section 5.4.1) of type
        // FRAME_SIZE_ERROR."
        if payload.len() != 4 {
            return Err(FrameError::connection(
                FrameType::WINDOW_UPDATE,
                ErrorCode::FRAME_SIZE_ERROR,
                FrameErrorKind::BadLength {
                    length: header.length,
                },
            ));
        }
        // The high bit is reserved and ignored on receipt (§6.9).
        let increment = payload.get_u32() & Self::MAX_INCREMENT;
        // §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame
        // with a flow-control window increment of 0 as a stream error
        // (Section 5.4.2) of type PROTOCOL_ERROR; errors on the connection
        // flow-control window MUST be treated as a connection error (Section
        // 5.4.1)."
        if increment == 0 {
            let kind = FrameErrorKind::ZeroWindowIncrement;
            return Err(if header.stream_id.is_connection() {
                FrameError::connection(FrameType::WINDOW_UPDATE, ErrorCode::PROTOCOL_ERROR, kind)
            } else {
                FrameError::stream(
                    FrameType::WINDOW_UPDATE,
                    header.stream_id,
                    ErrorCode::PROTOCOL_ERROR,
                    kind,
                )
            });
        }
        Ok(WindowUpdate {
            stream_id: header.stream_id,
            increment,
        })
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: 4,
            kind: FrameType::WINDOW_UPDATE,
            flags: 0,
            stream_id: self.stream_id,
        }
        .encode(dst);
        dst.put_u32(self.increment & Self::MAX_INCREMENT);
    }
}
