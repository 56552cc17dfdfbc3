//! HTTP/2 frames (RFC 9113 §4 and §6; PRIORITY_UPDATE from RFC 9218 §7.1).
//!
//! [`Frame`] is a typed frame; [`FrameDecoder`] turns a byte stream, split
//! anywhere, into frames, validating each against the rules of its section
//! and answering violations with a [`FrameError`] that carries the RFC's
//! error code and whether the stream or the whole connection must end.
//! Payloads are `Bytes` slices of the receive buffer, never copies.
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use h2kit_proto::frame::{Data, Frame, FrameDecoder, StreamId};
//!
//! let frame = Frame::Data(Data::new(StreamId::new(1), Bytes::from_static(b"hello"), true));
//! let mut wire = BytesMut::new();
//! frame.encode(&mut wire);
//!
//! let mut decoder = FrameDecoder::new();
//! assert_eq!(decoder.decode(&mut wire).unwrap(), Some(frame));
//! assert_eq!(decoder.decode(&mut wire).unwrap(), None); // needs more bytes
//! ```

mod data;
mod decode;
mod display;
mod error;
mod goaway;
mod head;
mod headers;
mod padding;
mod ping;
mod priority;
mod rst_stream;
mod settings;
mod window_update;

pub use data::Data;
pub use decode::{DATA_PIECE_MIN, FrameDecoder};
pub use display::{Direction, FrameLog};
pub use error::{ErrorScope, FrameError, FrameErrorKind};
pub use goaway::GoAway;
pub use head::{
    DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_LEN, FrameHeader, FrameType, MAX_FRAME_SIZE_LIMIT,
    StreamId, flags,
};
pub use headers::{Continuation, Headers, PushPromise};
pub use ping::Ping;
pub use priority::{Priority, PriorityBlock, PriorityUpdate};
pub use rst_stream::RstStream;
pub use settings::{SettingId, Settings};
pub use window_update::WindowUpdate;

use bytes::{BufMut, Bytes};

/// One HTTP/2 frame, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// DATA (§6.1).
    Data(Data),
    /// HEADERS (§6.2).
    Headers(Headers),
    /// PRIORITY (§6.3).
    Priority(Priority),
    /// RST_STREAM (§6.4).
    RstStream(RstStream),
    /// SETTINGS with parameters (§6.5).
    Settings(Settings),
    /// SETTINGS with the ACK flag (§6.5.3).
    SettingsAck,
    /// PUSH_PROMISE (§6.6).
    PushPromise(PushPromise),
    /// PING (§6.7).
    Ping(Ping),
    /// GOAWAY (§6.8).
    GoAway(GoAway),
    /// WINDOW_UPDATE (§6.9).
    WindowUpdate(WindowUpdate),
    /// CONTINUATION (§6.10).
    Continuation(Continuation),
    /// PRIORITY_UPDATE (RFC 9218 §7.1).
    PriorityUpdate(PriorityUpdate),
    /// A frame of a type h2kit does not know. §5.5: "Implementations MUST
    /// discard frames that have unknown or unsupported types."
    Unknown(Unknown),
}

/// A frame of an unknown type, kept whole so it can be logged or relayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    /// The type code.
    pub kind: FrameType,
    /// The raw flags.
    pub flags: u8,
    /// The stream identifier.
    pub stream_id: StreamId,
    /// The payload, uninterpreted.
    pub payload: Bytes,
}

impl Frame {
    /// The frame's type code.
    pub fn kind(&self) -> FrameType {
        match self {
            Frame::Data(_) => FrameType::DATA,
            Frame::Headers(_) => FrameType::HEADERS,
            Frame::Priority(_) => FrameType::PRIORITY,
            Frame::RstStream(_) => FrameType::RST_STREAM,
            Frame::Settings(_) | Frame::SettingsAck => FrameType::SETTINGS,
            Frame::PushPromise(_) => FrameType::PUSH_PROMISE,
            Frame::Ping(_) => FrameType::PING,
            Frame::GoAway(_) => FrameType::GOAWAY,
            Frame::WindowUpdate(_) => FrameType::WINDOW_UPDATE,
            Frame::Continuation(_) => FrameType::CONTINUATION,
            Frame::PriorityUpdate(_) => FrameType::PRIORITY_UPDATE,
            Frame::Unknown(u) => u.kind,
        }
    }

    /// The stream the frame is sent on (0 for connection frames).
    pub fn stream_id(&self) -> StreamId {
        match self {
            Frame::Data(f) => f.stream_id,
            Frame::Headers(f) => f.stream_id,
            Frame::Priority(f) => f.stream_id,
            Frame::RstStream(f) => f.stream_id,
            Frame::PushPromise(f) => f.stream_id,
            Frame::WindowUpdate(f) => f.stream_id,
            Frame::Continuation(f) => f.stream_id,
            Frame::Unknown(f) => f.stream_id,
            Frame::Settings(_)
            | Frame::SettingsAck
            | Frame::Ping(_)
            | Frame::GoAway(_)
            | Frame::PriorityUpdate(_) => StreamId::CONNECTION,
        }
    }

    /// The flag octet the frame is sent with.
    pub fn flags(&self) -> u8 {
        match self {
            Frame::Data(f) => f.flags(),
            Frame::Headers(f) => f.flags(),
            Frame::PushPromise(f) => f.flags(),
            Frame::Continuation(f) => f.flags(),
            Frame::SettingsAck => flags::ACK,
            Frame::Ping(f) if f.ack => flags::ACK,
            Frame::Unknown(f) => f.flags,
            _ => 0,
        }
    }

    /// The payload length on the wire (without the 9-octet header).
    pub fn payload_len(&self) -> u32 {
        match self {
            Frame::Data(f) => f.payload_len(),
            Frame::Headers(f) => f.payload_len(),
            Frame::Priority(_) => PriorityBlock::LEN as u32,
            Frame::RstStream(_) | Frame::WindowUpdate(_) => 4,
            Frame::Settings(f) => f.payload_len(),
            Frame::SettingsAck => 0,
            Frame::PushPromise(f) => f.payload_len(),
            Frame::Ping(_) => 8,
            Frame::GoAway(f) => f.payload_len(),
            Frame::Continuation(f) => f.payload_len(),
            Frame::PriorityUpdate(f) => f.payload_len(),
            Frame::Unknown(f) => f.payload.len() as u32,
        }
    }

    /// The frame's header as it goes on the wire.
    pub fn header(&self) -> FrameHeader {
        FrameHeader {
            length: self.payload_len(),
            kind: self.kind(),
            flags: self.flags(),
            stream_id: self.stream_id(),
        }
    }

    /// Appends the encoded frame to `dst`.
    ///
    /// The caller is responsible for keeping the payload within the peer's
    /// SETTINGS_MAX_FRAME_SIZE; the connection splits DATA and field blocks
    /// accordingly.
    pub fn encode<B: BufMut>(&self, dst: &mut B) {
        match self {
            Frame::Data(f) => f.encode(dst),
            Frame::Headers(f) => f.encode(dst),
            Frame::Priority(f) => f.encode(dst),
            Frame::RstStream(f) => f.encode(dst),
            Frame::Settings(f) => f.encode(dst),
            Frame::SettingsAck => Settings::encode_ack(dst),
            Frame::PushPromise(f) => f.encode(dst),
            Frame::Ping(f) => f.encode(dst),
            Frame::GoAway(f) => f.encode(dst),
            Frame::WindowUpdate(f) => f.encode(dst),
            Frame::Continuation(f) => f.encode(dst),
            Frame::PriorityUpdate(f) => f.encode(dst),
            Frame::Unknown(f) => {
                self.header().encode(dst);
                dst.put_slice(&f.payload);
            }
        }
    }

    /// Decodes one frame whose header has been read and whose whole payload
    /// is at hand. Size limits and frame ordering are the decoder's job.
    pub(crate) fn parse(header: &FrameHeader, payload: Bytes) -> Result<Frame, FrameError> {
        Ok(match header.kind {
            FrameType::DATA => Frame::Data(Data::decode(header, payload)?),
            FrameType::HEADERS => Frame::Headers(Headers::decode(header, payload)?),
            FrameType::PRIORITY => Frame::Priority(Priority::decode(header, payload)?),
            FrameType::RST_STREAM => Frame::RstStream(RstStream::decode(header, payload)?),
            FrameType::SETTINGS => match Settings::decode(header, payload)? {
                settings::Frame::Values(values) => Frame::Settings(values),
                settings::Frame::Ack => Frame::SettingsAck,
            },
            FrameType::PUSH_PROMISE => Frame::PushPromise(PushPromise::decode(header, payload)?),
            FrameType::PING => Frame::Ping(Ping::decode(header, payload)?),
            FrameType::GOAWAY => Frame::GoAway(GoAway::decode(header, payload)?),
            FrameType::WINDOW_UPDATE => Frame::WindowUpdate(WindowUpdate::decode(header, payload)?),
            FrameType::CONTINUATION => Frame::Continuation(Continuation::decode(header, payload)?),
            FrameType::PRIORITY_UPDATE => {
                Frame::PriorityUpdate(PriorityUpdate::decode(header, payload)?)
            }
            kind => Frame::Unknown(Unknown {
                kind,
                flags: header.flags,
                stream_id: header.stream_id,
                payload,
            }),
        })
    }
}

#[cfg(test)]
mod tests;
