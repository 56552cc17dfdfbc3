//! The 9-octet frame header shared by every frame type (RFC 9113 §4.1).

use bytes::BufMut;

/// Size of the fixed frame header, in octets.
pub const FRAME_HEADER_LEN: usize = 9;

/// The largest frame payload SETTINGS_MAX_FRAME_SIZE may allow (2^24-1).
pub const MAX_FRAME_SIZE_LIMIT: u32 = (1 << 24) - 1;

/// The initial SETTINGS_MAX_FRAME_SIZE every endpoint must accept (2^14).
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 1 << 14;

/// A 31-bit stream identifier (RFC 9113 §5.1.1).
///
/// The reserved high bit of the wire field is dropped on read
/// ("MUST be ignored when receiving", §4.1) and never set on write.
///
/// ```
/// use h2kit_proto::frame::StreamId;
/// let id = StreamId::new(0x8000_0003);
/// assert_eq!(id.value(), 3);
/// assert!(id.is_client_initiated());
/// assert!(StreamId::CONNECTION.is_connection());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId(u32);

impl StreamId {
    /// Stream 0, which stands for the connection as a whole.
    pub const CONNECTION: StreamId = StreamId(0);
    /// The largest stream identifier (2^31-1).
    pub const MAX: StreamId = StreamId(0x7fff_ffff);

    /// Makes an identifier from a number, dropping the reserved high bit.
    pub const fn new(value: u32) -> StreamId {
        StreamId(value & 0x7fff_ffff)
    }

    /// The identifier as a number (always below 2^31).
    pub const fn value(self) -> u32 {
        self.0
    }

    /// True for stream 0, the connection control stream.
    pub const fn is_connection(self) -> bool {
        self.0 == 0
    }

    /// True for odd identifiers, which clients open (§5.1.1).
    pub const fn is_client_initiated(self) -> bool {
        self.0 % 2 == 1
    }

    /// True for even, non-zero identifiers, which servers open (§5.1.1).
    pub const fn is_server_initiated(self) -> bool {
        self.0 != 0 && self.0 % 2 == 0
    }
}

impl From<u32> for StreamId {
    fn from(value: u32) -> Self {
        StreamId::new(value)
    }
}

impl std::fmt::Debug for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StreamId({})", self.0)
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The 8-bit frame type code (RFC 9113 §6, RFC 9218 §7.1).
///
/// Unknown codes are kept so that the connection can ignore the frame as
/// §5.5 requires: "Implementations MUST ignore unknown or unsupported values
/// in all extensible protocol elements."
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameType(u8);

impl FrameType {
    /// DATA (0x0), §6.1.
    pub const DATA: FrameType = FrameType(0x0);
    /// HEADERS (0x1), §6.2.
    pub const HEADERS: FrameType = FrameType(0x1);
    /// PRIORITY (0x2), §6.3.
    pub const PRIORITY: FrameType = FrameType(0x2);
    /// RST_STREAM (0x3), §6.4.
    pub const RST_STREAM: FrameType = FrameType(0x3);
    /// SETTINGS (0x4), §6.5.
    pub const SETTINGS: FrameType = FrameType(0x4);
    /// PUSH_PROMISE (0x5), §6.6.
    pub const PUSH_PROMISE: FrameType = FrameType(0x5);
    /// PING (0x6), §6.7.
    pub const PING: FrameType = FrameType(0x6);
    /// GOAWAY (0x7), §6.8.
    pub const GOAWAY: FrameType = FrameType(0x7);
    /// WINDOW_UPDATE (0x8), §6.9.
    pub const WINDOW_UPDATE: FrameType = FrameType(0x8);
    /// CONTINUATION (0x9), §6.10.
    pub const CONTINUATION: FrameType = FrameType(0x9);
    /// PRIORITY_UPDATE (0x10), RFC 9218 §7.1.
    pub const PRIORITY_UPDATE: FrameType = FrameType(0x10);

    /// Wraps a type code.
    pub const fn new(code: u8) -> FrameType {
        FrameType(code)
    }

    /// The type code.
    pub const fn code(self) -> u8 {
        self.0
    }

    /// The registry name, or `None` for a type h2kit does not know.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0 => "DATA",
            0x1 => "HEADERS",
            0x2 => "PRIORITY",
            0x3 => "RST_STREAM",
            0x4 => "SETTINGS",
            0x5 => "PUSH_PROMISE",
            0x6 => "PING",
            0x7 => "GOAWAY",
            0x8 => "WINDOW_UPDATE",
            0x9 => "CONTINUATION",
            0x10 => "PRIORITY_UPDATE",
            _ => return None,
        })
    }
}

impl std::fmt::Debug for FrameType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "FrameType({:#04x})", self.0),
        }
    }
}

/// Frame flag bits (RFC 9113 §6). Which bits mean something depends on the
/// frame type; bits a type does not define are ignored on receipt and sent
/// as zero (§4.1).
pub mod flags {
    /// END_STREAM on DATA and HEADERS.
    pub const END_STREAM: u8 = 0x1;
    /// ACK on SETTINGS and PING.
    pub const ACK: u8 = 0x1;
    /// END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION.
    pub const END_HEADERS: u8 = 0x4;
    /// PADDED on DATA, HEADERS and PUSH_PROMISE.
    pub const PADDED: u8 = 0x8;
    /// PRIORITY on HEADERS.
    pub const PRIORITY: u8 = 0x20;
}

/// A decoded frame header: the nine octets in front of every payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Payload length in octets (24 bits).
    pub length: u32,
    /// The frame type.
    pub kind: FrameType,
    /// The raw flag octet, unknown bits included (they are ignored later).
    pub flags: u8,
    /// The stream the frame belongs to (0 for the connection).
    pub stream_id: StreamId,
}

impl FrameHeader {
    /// Parses the first nine octets of `src`, or returns `None` when fewer
    /// are available.
    pub fn parse(src: &[u8]) -> Option<FrameHeader> {
        let head: &[u8; FRAME_HEADER_LEN] = src.get(..FRAME_HEADER_LEN)?.try_into().ok()?;
        Some(FrameHeader {
            length: u32::from_be_bytes([0, head[0], head[1], head[2]]),
            kind: FrameType(head[3]),
            flags: head[4],
            stream_id: StreamId::new(u32::from_be_bytes([head[5], head[6], head[7], head[8]])),
        })
    }

    /// Writes the nine header octets. `length` must fit in 24 bits; larger
    /// values are a caller bug and are truncated to their low 24 bits.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        let len = self.length.to_be_bytes();
        dst.put_slice(&[len[1], len[2], len[3], self.kind.0, self.flags]);
        dst.put_u32(self.stream_id.value());
    }

    /// True when every bit of `flag` is set.
    pub const fn has(&self, flag: u8) -> bool {
        self.flags & flag == flag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9113_4_1_header_layout_round_trips() {
        let header = FrameHeader {
            length: 0x01_02_03,
            kind: FrameType::HEADERS,
            flags: 0x25,
            stream_id: StreamId::new(7),
        };
        let mut out = Vec::new();
        header.encode(&mut out);
        assert_eq!(out, [0x01, 0x02, 0x03, 0x01, 0x25, 0, 0, 0, 7]);
        assert_eq!(FrameHeader::parse(&out), Some(header));
    }

    #[test]
    fn rfc9113_4_1_reserved_bit_is_ignored_on_receipt() {
        let wire = [0, 0, 0, 0, 0, 0x80, 0, 0, 1];
        let header = FrameHeader::parse(&wire).unwrap();
        assert_eq!(header.stream_id.value(), 1);
    }

    #[test]
    fn short_input_is_not_a_header() {
        assert_eq!(FrameHeader::parse(&[0; 8]), None);
    }
}
