//! DATA frames (RFC 9113 §6.1).

use super::error::{FrameError, FrameErrorKind};
use super::head::{FrameHeader, FrameType, StreamId, flags};
use super::padding;
use crate::ErrorCode;
use bytes::{BufMut, Bytes};

/// A DATA frame: a piece of a stream's content.
///
/// The payload is a slice of the received buffer, never a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Data {
    /// The stream the data belongs to (never 0).
    pub stream_id: StreamId,
    /// END_STREAM: the sender's last frame on this stream.
    pub end_stream: bool,
    /// Pad Length, when the frame is padded.
    pub pad_len: Option<u8>,
    /// The application data, without padding.
    pub payload: Bytes,
}

impl Data {
    /// A DATA frame without padding.
    pub fn new(stream_id: StreamId, payload: Bytes, end_stream: bool) -> Data {
        Data {
            stream_id,
            end_stream,
            pad_len: None,
            payload,
        }
    }

    /// The octets this frame counts against flow-control windows: the whole
    /// payload, padding included (§6.1: "The entire DATA frame payload is
    /// included in flow control, including the Pad Length and Padding fields
    /// if present").
    pub fn flow_controlled_len(&self) -> u32 {
        self.payload_len()
    }

    /// The frame's payload length on the wire.
    pub fn payload_len(&self) -> u32 {
        self.payload.len() as u32 + padding::overhead(self.pad_len)
    }

    /// The flag octet this frame is sent with.
    pub fn flags(&self) -> u8 {
        padding::flag(self.pad_len)
            | if self.end_stream {
                flags::END_STREAM
            } else {
                0
            }
    }

    pub(super) fn decode(header: &FrameHeader, mut payload: Bytes) -> Result<Data, FrameError> {
        // §6.1: "If a DATA frame is received whose Stream Identifier field
        // is 0x00, the recipient MUST respond with a connection error
        // (Section 5.4.1) of type PROTOCOL_ERROR."
        if header.stream_id.is_connection() {
            return Err(FrameError::connection(
                FrameType::DATA,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::StreamIdRequired,
            ));
        }
        let pad_len = padding::strip(header, &mut payload, 0)?;
        Ok(Data {
            stream_id: header.stream_id,
            end_stream: header.has(flags::END_STREAM),
            pad_len,
            payload,
        })
    }

    /// Writes the frame header and the Pad Length octet, everything in front
    /// of the payload, so a driver can send the payload `Bytes` itself with a
    /// vectored write instead of copying it.
    pub fn encode_head<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: self.payload_len(),
            kind: FrameType::DATA,
            flags: self.flags(),
            stream_id: self.stream_id,
        }
        .encode(dst);
        padding::put_len(dst, self.pad_len);
    }

    /// Writes the padding that follows the payload (nothing when unpadded).
    pub fn encode_tail<B: BufMut>(&self, dst: &mut B) {
        padding::put_padding(dst, self.pad_len);
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        self.encode_head(dst);
        dst.put_slice(&self.payload);
        self.encode_tail(dst);
    }
}
