//! Priority signals: the RFC 7540 dependency block carried by HEADERS and
//! PRIORITY frames (RFC 9113 §5.3.2, §6.3, deprecated but still sent by
//! peers) and the RFC 9218 PRIORITY_UPDATE frame (§7.1).

use super::error::{FrameError, FrameErrorKind};
use super::head::{FrameHeader, FrameType, StreamId};
use crate::ErrorCode;
use bytes::{Buf, BufMut, Bytes};

/// The RFC 7540 priority fields: exclusive bit, stream dependency, weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityBlock {
    /// The exclusive flag.
    pub exclusive: bool,
    /// The stream this one depends on (0 for the root).
    pub dependency: StreamId,
    /// The weight field as sent (0–255); the weight it means is one more.
    pub weight: u8,
}

impl PriorityBlock {
    /// Size of the block on the wire.
    pub const LEN: usize = 5;

    /// The weight this block means (1–256).
    pub fn effective_weight(&self) -> u16 {
        u16::from(self.weight) + 1
    }

    pub(super) fn read(src: &mut Bytes) -> PriorityBlock {
        let word = src.get_u32();
        PriorityBlock {
            exclusive: word & 0x8000_0000 != 0,
            dependency: StreamId::new(word),
            weight: src.get_u8(),
        }
    }

    pub(super) fn write<B: BufMut>(&self, dst: &mut B) {
        let exclusive = if self.exclusive { 0x8000_0000 } else { 0 };
        dst.put_u32(exclusive | self.dependency.value());
        dst.put_u8(self.weight);
    }
}

/// A PRIORITY frame (RFC 9113 §6.3): a stream's RFC 7540 priority, sent in
/// any stream state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priority {
    /// The stream whose priority is given.
    pub stream_id: StreamId,
    /// The priority fields.
    pub priority: PriorityBlock,
}

impl Priority {
    pub(super) fn decode(header: &FrameHeader, mut payload: Bytes) -> Result<Priority, FrameError> {
        // §6.3: "If a PRIORITY frame is received with a stream identifier of
        // 0x00, the recipient MUST respond with a connection error (Section
        // 5.4.1) of type PROTOCOL_ERROR."
        if header.stream_id.is_connection() {
            return Err(FrameError::connection(
                FrameType::PRIORITY,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::StreamIdRequired,
            ));
        }
        // §6.3: "A PRIORITY frame with a length other than 5 octets MUST be
        // treated as a stream error (Section 5.4.2) of type FRAME_SIZE_ERROR."
        if payload.len() != PriorityBlock::LEN {
            return Err(FrameError::stream(
                FrameType::PRIORITY,
                header.stream_id,
                ErrorCode::FRAME_SIZE_ERROR,
                FrameErrorKind::BadLength {
                    length: header.length,
                },
            ));
        }
        let priority = PriorityBlock::read(&mut payload);
        // RFC 9113 §5.3.1 (RFC 7540 §5.3.1): "A stream cannot depend on
        // itself. An endpoint MUST treat this as a stream error (Section
        // 5.4.2) of type PROTOCOL_ERROR."
        if priority.dependency == header.stream_id {
            return Err(FrameError::stream(
                FrameType::PRIORITY,
                header.stream_id,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::SelfDependency,
            ));
        }
        Ok(Priority {
            stream_id: header.stream_id,
            priority,
        })
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: PriorityBlock::LEN as u32,
            kind: FrameType::PRIORITY,
            flags: 0,
            stream_id: self.stream_id,
        }
        .encode(dst);
        self.priority.write(dst);
    }
}

/// A PRIORITY_UPDATE frame (RFC 9218 §7.1): a new `priority` field value for
/// a request stream, sent on stream 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorityUpdate {
    /// The stream being reprioritised (never 0).
    pub prioritized_stream_id: StreamId,
    /// The Priority Field Value, in Structured Fields dictionary syntax
    /// (for example `u=3, i`). Parsed by the priorities module, not here.
    pub field_value: Bytes,
}

impl PriorityUpdate {
    pub(super) fn decode(
        header: &FrameHeader,
        mut payload: Bytes,
    ) -> Result<PriorityUpdate, FrameError> {
        // RFC 9218 §7.1: "If a PRIORITY_UPDATE frame is received with a
        // Stream Identifier other than 0x0, the recipient MUST respond with a
        // connection error of type PROTOCOL_ERROR."
        if !header.stream_id.is_connection() {
            return Err(FrameError::connection(
                FrameType::PRIORITY_UPDATE,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::StreamIdForbidden,
            ));
        }
        // A frame too short for its Prioritized Stream ID is a frame size
        // error (RFC 9113 §4.2), on stream 0 so a connection error.
        if payload.len() < 4 {
            return Err(FrameError::connection(
                FrameType::PRIORITY_UPDATE,
                ErrorCode::FRAME_SIZE_ERROR,
                FrameErrorKind::BadLength {
                    length: header.length,
                },
            ));
        }
        let prioritized_stream_id = StreamId::new(payload.get_u32());
        // RFC 9218 §7.1: "If a PRIORITY_UPDATE frame is received with a
        // prioritized stream ID of 0x0, the recipient MUST respond with a
        // connection error of type PROTOCOL_ERROR."
        if prioritized_stream_id.is_connection() {
            return Err(FrameError::connection(
                FrameType::PRIORITY_UPDATE,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::PriorityUpdateForConnection,
            ));
        }
        Ok(PriorityUpdate {
            prioritized_stream_id,
            field_value: payload,
        })
    }

    /// The frame's payload length on the wire.
    pub fn payload_len(&self) -> u32 {
        4 + self.field_value.len() as u32
    }

    /// Writes the whole frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: self.payload_len(),
            kind: FrameType::PRIORITY_UPDATE,
            flags: 0,
            stream_id: StreamId::CONNECTION,
        }
        .encode(dst);
        dst.put_u32(self.prioritized_stream_id.value());
        dst.put_slice(&self.field_value);
    }
}
