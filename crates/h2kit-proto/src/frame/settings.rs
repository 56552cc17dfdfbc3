//! SETTINGS frames (RFC 9113 §6.5) and the setting identifiers of RFC 9113
//! §6.5.2, RFC 8441 §3 and RFC 9218 §2.1.

use super::error::{FrameError, FrameErrorKind};
use super::head::{
    DEFAULT_MAX_FRAME_SIZE, FrameHeader, FrameType, MAX_FRAME_SIZE_LIMIT, StreamId, flags,
};
use crate::ErrorCode;
use bytes::{Buf, BufMut, Bytes};
use std::fmt;

/// A 16-bit SETTINGS identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SettingId(u16);

impl SettingId {
    /// SETTINGS_HEADER_TABLE_SIZE (0x1).
    pub const HEADER_TABLE_SIZE: SettingId = SettingId(0x1);
    /// SETTINGS_ENABLE_PUSH (0x2).
    pub const ENABLE_PUSH: SettingId = SettingId(0x2);
    /// SETTINGS_MAX_CONCURRENT_STREAMS (0x3).
    pub const MAX_CONCURRENT_STREAMS: SettingId = SettingId(0x3);
    /// SETTINGS_INITIAL_WINDOW_SIZE (0x4).
    pub const INITIAL_WINDOW_SIZE: SettingId = SettingId(0x4);
    /// SETTINGS_MAX_FRAME_SIZE (0x5).
    pub const MAX_FRAME_SIZE: SettingId = SettingId(0x5);
    /// SETTINGS_MAX_HEADER_LIST_SIZE (0x6).
    pub const MAX_HEADER_LIST_SIZE: SettingId = SettingId(0x6);
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL (0x8), RFC 8441 §3.
    pub const ENABLE_CONNECT_PROTOCOL: SettingId = SettingId(0x8);
    /// SETTINGS_NO_RFC7540_PRIORITIES (0x9), RFC 9218 §2.1.
    pub const NO_RFC7540_PRIORITIES: SettingId = SettingId(0x9);

    /// Wraps an identifier.
    pub const fn new(id: u16) -> SettingId {
        SettingId(id)
    }

    /// The identifier's number.
    pub const fn code(self) -> u16 {
        self.0
    }

    /// The registry name (`"SETTINGS_ENABLE_PUSH"`), or `None` when unknown.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x1 => "SETTINGS_HEADER_TABLE_SIZE",
            0x2 => "SETTINGS_ENABLE_PUSH",
            0x3 => "SETTINGS_MAX_CONCURRENT_STREAMS",
            0x4 => "SETTINGS_INITIAL_WINDOW_SIZE",
            0x5 => "SETTINGS_MAX_FRAME_SIZE",
            0x6 => "SETTINGS_MAX_HEADER_LIST_SIZE",
            0x8 => "SETTINGS_ENABLE_CONNECT_PROTOCOL",
            0x9 => "SETTINGS_NO_RFC7540_PRIORITIES",
            _ => return None,
        })
    }

    /// The slot of a known identifier in [`Settings`].
    const fn slot(self) -> Option<usize> {
        match self.0 {
            0x1..=0x6 => Some(self.0 as usize - 1),
            0x8 | 0x9 => Some(self.0 as usize - 2),
            _ => None,
        }
    }
}

impl fmt::Debug for SettingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "SettingId({:#x})", self.0),
        }
    }
}

/// The identifiers h2kit knows, in the order of their slots.
const KNOWN: [SettingId; 8] = [
    SettingId::HEADER_TABLE_SIZE,
    SettingId::ENABLE_PUSH,
    SettingId::MAX_CONCURRENT_STREAMS,
    SettingId::INITIAL_WINDOW_SIZE,
    SettingId::MAX_FRAME_SIZE,
    SettingId::MAX_HEADER_LIST_SIZE,
    SettingId::ENABLE_CONNECT_PROTOCOL,
    SettingId::NO_RFC7540_PRIORITIES,
];

/// The parameters of one SETTINGS frame: the values it sets, each absent
/// when the frame leaves that setting unchanged.
///
/// Identifiers h2kit does not know are kept in [`Settings::unknown`] (for
/// logs) but have no effect: §6.5.2, "An endpoint that receives a SETTINGS
/// frame with any unknown or unsupported identifier MUST ignore that
/// setting."
///
/// ```
/// use h2kit_proto::frame::{Settings, SettingId};
/// let mut settings = Settings::default();
/// settings.set(SettingId::MAX_CONCURRENT_STREAMS, 100);
/// assert_eq!(settings.max_concurrent_streams(), Some(100));
/// assert_eq!(settings.get(SettingId::ENABLE_PUSH), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    known: [Option<u32>; 8],
    /// Unknown identifiers with their values, in the order received.
    pub unknown: Vec<(u16, u32)>,
}

impl Settings {
    /// The value this frame gives `id`, if any.
    pub fn get(&self, id: SettingId) -> Option<u32> {
        match id.slot() {
            Some(slot) => self.known[slot],
            None => self
                .unknown
                .iter()
                .rev()
                .find(|(u, _)| *u == id.0)
                .map(|(_, v)| *v),
        }
    }

    /// Sets `id` to `value`; a later value for the same identifier replaces
    /// an earlier one, as in §6.5 ("Each parameter in a SETTINGS frame
    /// replaces any existing value for that parameter").
    pub fn set(&mut self, id: SettingId, value: u32) {
        match id.slot() {
            Some(slot) => self.known[slot] = Some(value),
            None => match self.unknown.iter_mut().find(|(u, _)| *u == id.0) {
                Some(entry) => entry.1 = value,
                None => self.unknown.push((id.0, value)),
            },
        }
    }

    /// The known settings present, in identifier order.
    pub fn iter(&self) -> impl Iterator<Item = (SettingId, u32)> + '_ {
        KNOWN
            .iter()
            .zip(self.known.iter())
            .filter_map(|(id, v)| v.map(|v| (*id, v)))
    }

    /// How many parameters the frame carries on the wire.
    pub fn len(&self) -> usize {
        self.known.iter().flatten().count() + self.unknown.len()
    }

    /// True when the frame sets nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SETTINGS_HEADER_TABLE_SIZE, if present.
    pub fn header_table_size(&self) -> Option<u32> {
        self.get(SettingId::HEADER_TABLE_SIZE)
    }
    /// SETTINGS_ENABLE_PUSH as a boolean, if present.
    pub fn enable_push(&self) -> Option<bool> {
        self.get(SettingId::ENABLE_PUSH).map(|v| v == 1)
    }
    /// SETTINGS_MAX_CONCURRENT_STREAMS, if present.
    pub fn max_concurrent_streams(&self) -> Option<u32> {
        self.get(SettingId::MAX_CONCURRENT_STREAMS)
    }
    /// SETTINGS_INITIAL_WINDOW_SIZE, if present.
    pub fn initial_window_size(&self) -> Option<u32> {
        self.get(SettingId::INITIAL_WINDOW_SIZE)
    }
    /// SETTINGS_MAX_FRAME_SIZE, if present.
    pub fn max_frame_size(&self) -> Option<u32> {
        self.get(SettingId::MAX_FRAME_SIZE)
    }
    /// SETTINGS_MAX_HEADER_LIST_SIZE, if present.
    pub fn max_header_list_size(&self) -> Option<u32> {
        self.get(SettingId::MAX_HEADER_LIST_SIZE)
    }
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL as a boolean, if present.
    pub fn enable_connect_protocol(&self) -> Option<bool> {
        self.get(SettingId::ENABLE_CONNECT_PROTOCOL).map(|v| v == 1)
    }
    /// SETTINGS_NO_RFC7540_PRIORITIES as a boolean, if present.
    pub fn no_rfc7540_priorities(&self) -> Option<bool> {
        self.get(SettingId::NO_RFC7540_PRIORITIES).map(|v| v == 1)
    }

    /// Checks one parameter against the ranges of §6.5.2, RFC 8441 §3 and
    /// RFC 9218 §2.1, returning the error code a violation calls for.
    pub fn validate(id: SettingId, value: u32) -> Result<(), ErrorCode> {
        match id {
            // §6.5.2 ENABLE_PUSH: "Any value other than 0 or 1 MUST be
            // treated as a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR."  RFC 8441 §3: "The value of the parameter
            // MUST be 0 or 1."  RFC 9218 §2.1: "Any value other than 0 or 1
            // MUST be treated as a connection error ... of type
            // PROTOCOL_ERROR."
            SettingId::ENABLE_PUSH
            | SettingId::ENABLE_CONNECT_PROTOCOL
            | SettingId::NO_RFC7540_PRIORITIES
                if value > 1 =>
            {
                Err(ErrorCode::PROTOCOL_ERROR)
            }
            // §6.5.2 INITIAL_WINDOW_SIZE: "Values above the maximum
            // flow-control window size of 2^31-1 MUST be treated as a
            // connection error (Section 5.4.1) of type FLOW_CONTROL_ERROR."
            SettingId::INITIAL_WINDOW_SIZE if value > 0x7fff_ffff => {
                Err(ErrorCode::FLOW_CONTROL_ERROR)
            }
            // §6.5.2 MAX_FRAME_SIZE: "Values outside this range MUST be
            // treated as a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR."
            SettingId::MAX_FRAME_SIZE
                if !(DEFAULT_MAX_FRAME_SIZE..=MAX_FRAME_SIZE_LIMIT).contains(&value) =>
            {
                Err(ErrorCode::PROTOCOL_ERROR)
            }
            _ => Ok(()),
        }
    }

    pub(super) fn decode(header: &FrameHeader, mut payload: Bytes) -> Result<Frame, FrameError> {
        let conn_err = |code, kind| Err(FrameError::connection(FrameType::SETTINGS, code, kind));
        // §6.5: "If an endpoint receives a SETTINGS frame whose Stream
        // Identifier field is anything other than 0x00, the endpoint MUST
        // respond with a connection error (Section 5.4.1) of type
        // PROTOCOL_ERROR."
        if !header.stream_id.is_connection() {
            return conn_err(ErrorCode::PROTOCOL_ERROR, FrameErrorKind::StreamIdForbidden);
        }
        if header.has(flags::ACK) {
            // §6.5: "Receipt of a SETTINGS frame with the ACK flag set and a
            // length field value other than 0 MUST be treated as a connection
            // error (Section 5.4.1) of type FRAME_SIZE_ERROR."
            if header.length != 0 {
                return conn_err(
                    ErrorCode::FRAME_SIZE_ERROR,
                    FrameErrorKind::SettingsAckWithPayload,
                );
            }
            return Ok(Frame::Ack);
        }
        // §6.5: "A SETTINGS frame with a length other than a multiple of 6
        // octets MUST be treated as a connection error (Section 5.4.1) of
        // type FRAME_SIZE_ERROR."
        if header.length % 6 != 0 {
            return conn_err(
                ErrorCode::FRAME_SIZE_ERROR,
                FrameErrorKind::BadLength {
                    length: header.length,
                },
            );
        }
        let mut settings = Settings::default();
        while payload.has_remaining() {
            let id = SettingId(payload.get_u16());
            let value = payload.get_u32();
            if let Err(code) = Settings::validate(id, value) {
                return conn_err(code, FrameErrorKind::InvalidSetting { id: id.0, value });
            }
            settings.set(id, value);
        }
        Ok(Frame::Values(settings))
    }

    /// The frame's payload length on the wire.
    pub fn payload_len(&self) -> u32 {
        6 * self.len() as u32
    }

    /// Writes the whole frame (not an ACK; see [`Settings::encode_ack`]).
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        FrameHeader {
            length: self.payload_len(),
            kind: FrameType::SETTINGS,
            flags: 0,
            stream_id: StreamId::CONNECTION,
        }
        .encode(dst);
        for (id, value) in self.iter() {
            dst.put_u16(id.0);
            dst.put_u32(value);
        }
        for (id, value) in &self.unknown {
            dst.put_u16(*id);
            dst.put_u32(*value);
        }
    }

    /// Writes a SETTINGS frame with the ACK flag and no payload.
    pub fn encode_ack<B: BufMut>(dst: &mut B) {
        FrameHeader {
            length: 0,
            kind: FrameType::SETTINGS,
            flags: flags::ACK,
            stream_id: StreamId::CONNECTION,
        }
        .encode(dst);
    }
}

/// What a decoded SETTINGS frame is: new values, or an acknowledgement.
pub(super) enum Frame {
    Values(Settings),
    Ack,
}
