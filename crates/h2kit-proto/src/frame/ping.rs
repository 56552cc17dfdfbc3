//! PING frames (RFC 9113 §6.7).

use super::error::{FrameError, FrameErrorKind};
use super::head::{FrameHeader, FrameType, StreamId, flags};
use crate::ErrorCode;
use bytes::{BufMut, Bytes};

/// A PING frame: eight opaque octets, echoed back with ACK set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ping {
    /// ACK: this is the answer to a PING.
    pub ack: bool,
    /// The opaque data.
    pub payload: [u8; 8],
}

impl Ping {
    pub(super) fn decode(header: &FrameHeader, payload: Bytes) -> Result<Ping, FrameError> {
        // §6.7: "If a PING frame is received with a Stream Identifier field
        // value other than 0x00, the recipient MUST respond with a connection
        // error (Section 5.4.1) of type PROTOCOL_ERROR."
        if !header.stream_id.is_connection() {
            return Err(FrameError::connection(
                FrameType::PING,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::StreamIdForbidden,
            ));
        }
        // §6.7: "Receipt of a PING frame with a length field value other
        // than 8 MUST be treated as a connection error (Section 5.4.1) of
        // type FRAME_SIZE_ERROR."
        let Ok(data) = <[u8; 8]>::try_from(&payload[..]) else {
            return Err(FrameError::connection(
                FrameType::PING,
                ErrorCode::FRAME_SIZE_ERROR,
                FrameErrorKind::BadLength {
                    length: header.length,
                },
            ));
        };
        Ok(Ping {
            ack: header.has(flags::ACK),
            payload: data,
        })
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: 8,
            kind: FrameType::PING,
            flags: if self.ack { flags::ACK } else { 0 },
            stream_id: StreamId::CONNECTION,
        }
        .encode(dst);
        dst.put_slice(&self.payload);
    }
}
