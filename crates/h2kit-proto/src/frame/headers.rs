//! Frames that carry field blocks: HEADERS (RFC 9113 §6.2), PUSH_PROMISE
//! (§6.6) and CONTINUATION (§6.10). The HPACK block itself is opaque here;
//! the connection reassembles fragments and decodes them.

use super::error::{FrameError, FrameErrorKind};
use super::head::{FrameHeader, FrameType, StreamId, flags};
use super::padding;
use super::priority::PriorityBlock;
use crate::ErrorCode;
use bytes::{Buf, BufMut, Bytes};

/// A HEADERS frame: opens a stream or carries a header or trailer section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headers {
    /// The stream (never 0).
    pub stream_id: StreamId,
    /// END_STREAM: no DATA follows this field block.
    pub end_stream: bool,
    /// END_HEADERS: the field block is complete (no CONTINUATION follows).
    pub end_headers: bool,
    /// The deprecated RFC 7540 priority block, when PRIORITY is set.
    pub priority: Option<PriorityBlock>,
    /// Pad Length, when the frame is padded.
    pub pad_len: Option<u8>,
    /// The field block fragment (HPACK bytes), without padding.
    pub fragment: Bytes,
}

impl Headers {
    /// A complete, unpadded HEADERS frame without priority.
    pub fn new(stream_id: StreamId, fragment: Bytes, end_stream: bool) -> Headers {
        Headers {
            stream_id,
            end_stream,
            end_headers: true,
            priority: None,
            pad_len: None,
            fragment,
        }
    }

    /// The frame's payload length on the wire.
    pub fn payload_len(&self) -> u32 {
        let priority = if self.priority.is_some() {
            PriorityBlock::LEN as u32
        } else {
            0
        };
        self.fragment.len() as u32 + priority + padding::overhead(self.pad_len)
    }

    /// The flag octet this frame is sent with.
    pub fn flags(&self) -> u8 {
        let mut bits = padding::flag(self.pad_len);
        if self.end_stream {
            bits |= flags::END_STREAM;
        }
        if self.end_headers {
            bits |= flags::END_HEADERS;
        }
        if self.priority.is_some() {
            bits |= flags::PRIORITY;
        }
        bits
    }

    pub(super) fn decode(header: &FrameHeader, mut payload: Bytes) -> Result<Headers, FrameError> {
        // §6.2: "If a HEADERS frame is received whose Stream Identifier field
        // is 0x00, the recipient MUST respond with a connection error
        // (Section 5.4.1) of type PROTOCOL_ERROR."
        require_stream(header)?;
        let has_priority = header.has(flags::PRIORITY);
        let fixed = if has_priority { PriorityBlock::LEN } else { 0 };
        let pad_len = padding::strip(header, &mut payload, fixed)?;
        // A self-dependency in HEADERS is a stream error (§5.3.1), but the
        // field block must still reach HPACK or the compression context would
        // be lost, so the frame is returned and the connection checks it.
        let priority = has_priority.then(|| PriorityBlock::read(&mut payload));
        Ok(Headers {
            stream_id: header.stream_id,
            end_stream: header.has(flags::END_STREAM),
            end_headers: header.has(flags::END_HEADERS),
            priority,
            pad_len,
            fragment: payload,
        })
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: self.payload_len(),
            kind: FrameType::HEADERS,
            flags: self.flags(),
            stream_id: self.stream_id,
        }
        .encode(dst);
        padding::put_len(dst, self.pad_len);
        if let Some(priority) = &self.priority {
            priority.write(dst);
        }
        dst.put_slice(&self.fragment);
        padding::put_padding(dst, self.pad_len);
    }
}

/// A PUSH_PROMISE frame: the server reserves a stream for a response it will
/// push, and sends the request it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushPromise {
    /// The client-initiated stream the promise is associated with.
    pub stream_id: StreamId,
    /// The (even) stream the server reserves.
    pub promised_id: StreamId,
    /// END_HEADERS: the field block is complete.
    pub end_headers: bool,
    /// Pad Length, when the frame is padded.
    pub pad_len: Option<u8>,
    /// The field block fragment (HPACK bytes), without padding.
    pub fragment: Bytes,
}

impl PushPromise {
    /// The frame's payload length on the wire.
    pub fn payload_len(&self) -> u32 {
        4 + self.fragment.len() as u32 + padding::overhead(self.pad_len)
    }

    /// The flag octet this frame is sent with.
    pub fn flags(&self) -> u8 {
        padding::flag(self.pad_len)
            | if self.end_headers {
                flags::END_HEADERS
            } else {
                0
            }
    }

    pub(super) fn decode(
        header: &FrameHeader,
        mut payload: Bytes,
    ) -> Result<PushPromise, FrameError> {
        // §6.6: "If the Stream Identifier field specifies the value 0x00, a
        // recipient MUST respond with a connection error (Section 5.4.1) of
        // type PROTOCOL_ERROR."
        require_stream(header)?;
        let pad_len = padding::strip(header, &mut payload, 4)?;
        let promised_id = StreamId::new(payload.get_u32());
        Ok(PushPromise {
            stream_id: header.stream_id,
            promised_id,
            end_headers: header.has(flags::END_HEADERS),
            pad_len,
            fragment: payload,
        })
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: self.payload_len(),
            kind: FrameType::PUSH_PROMISE,
            flags: self.flags(),
            stream_id: self.stream_id,
        }
        .encode(dst);
        padding::put_len(dst, self.pad_len);
        dst.put_u32(self.promised_id.value());
        dst.put_slice(&self.fragment);
        padding::put_padding(dst, self.pad_len);
    }
}

/// A CONTINUATION frame: the next fragment of a field block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Continuation {
    /// The stream whose field block continues (never 0).
    pub stream_id: StreamId,
    /// END_HEADERS: this is the last fragment.
    pub end_headers: bool,
    /// The field block fragment.
    pub fragment: Bytes,
}

impl Continuation {
    /// The frame's payload length on the wire.
    pub fn payload_len(&self) -> u32 {
        self.fragment.len() as u32
    }

    /// The flag octet this frame is sent with.
    pub fn flags(&self) -> u8 {
        if self.end_headers {
            flags::END_HEADERS
        } else {
            0
        }
    }

    pub(super) fn decode(header: &FrameHeader, payload: Bytes) -> Result<Continuation, FrameError> {
        // §6.10: "If a CONTINUATION frame is received with a Stream
        // Identifier field of 0x00, the recipient MUST respond with a
        // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        require_stream(header)?;
        Ok(Continuation {
            stream_id: header.stream_id,
            end_headers: header.has(flags::END_HEADERS),
            fragment: payload,
        })
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: self.payload_len(),
            kind: FrameType::CONTINUATION,
            flags: self.flags(),
            stream_id: self.stream_id,
        }
        .encode(dst);
        dst.put_slice(&self.fragment);
    }
}

fn require_stream(header: &FrameHeader) -> Result<(), FrameError> {
    if header.stream_id.is_connection() {
        return Err(FrameError::connection(
            header.kind,
            ErrorCode::PROTOCOL_ERROR,
            FrameErrorKind::StreamIdRequired,
        ));
    }
    Ok(())
}
