//! The streaming frame decoder: bytes split anywhere in, whole frames out
//! (large DATA frames in pieces as they arrive).

use super::Frame;
use super::data::Data;
use super::error::{FrameError, FrameErrorKind};
use super::head::flags;
use super::head::{
    DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_LEN, FrameHeader, FrameType, MAX_FRAME_SIZE_LIMIT,
    StreamId,
};
use crate::ErrorCode;
use bytes::{Buf, BytesMut};

/// The smallest piece of a DATA frame handed out before the whole frame
/// arrived: the default SETTINGS_MAX_FRAME_SIZE, so only frames a receiver
/// allowed to be larger are ever split.
pub const DATA_PIECE_MIN: usize = DEFAULT_MAX_FRAME_SIZE as usize;

/// Turns a byte stream into frames.
///
/// The caller appends received bytes to a `BytesMut` and calls
/// [`decode`](Self::decode) until it returns `Ok(None)` ("need more").
/// Each frame's header is read once and remembered, so a frame arriving one
/// byte at a time costs no re-scanning. Payloads are split off the buffer
/// and frozen, so DATA and field blocks are shared slices, not copies.
///
/// A DATA frame larger than what has arrived of it is handed out in
/// pieces of at least [`DATA_PIECE_MIN`] octets as they come, each a
/// `Frame::Data` without END_STREAM but the last, which carries the
/// frame's flag (padded frames arrive whole). A receiver that allowed
/// large frames thus never buffers one whole.
///
/// Besides each frame's own rules, the decoder enforces two that span
/// frames: the size limit of SETTINGS_MAX_FRAME_SIZE (checked as soon as the
/// header arrives, before any payload is buffered) and the rule that a field
/// block, once started, continues only with CONTINUATION frames on the same
/// stream (§6.2, §6.10).
///
/// A connection error is sticky: every later call returns it again, since
/// nothing after it can be trusted. A stream error consumes the offending
/// frame and leaves the decoder ready for the next one.
#[derive(Debug)]
pub struct FrameDecoder {
    max_frame_size: u32,
    /// The header of the frame whose payload is still arriving.
    pending: Option<FrameHeader>,
    /// The stream whose field block awaits CONTINUATION frames.
    open_field_block: Option<StreamId>,
    failed: Option<FrameError>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new()
    }
}

impl FrameDecoder {
    /// A decoder accepting frames up to the initial SETTINGS_MAX_FRAME_SIZE
    /// of 16,384 octets.
    pub fn new() -> FrameDecoder {
        FrameDecoder {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            pending: None,
            open_field_block: None,
            failed: None,
        }
    }

    /// The largest payload currently accepted.
    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }

    /// Changes the largest payload accepted: call it once the peer has
    /// acknowledged our SETTINGS_MAX_FRAME_SIZE. The value is clamped to the
    /// range §6.5.2 allows.
    pub fn set_max_frame_size(&mut self, max: u32) {
        self.max_frame_size = max.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT);
    }

    /// True when no frame is partly read, no field block awaits its
    /// CONTINUATION frames and no error was met: a fresh decoder with the
    /// same frame size limit would behave the same.
    pub(crate) fn is_between_frames(&self) -> bool {
        self.pending.is_none() && self.open_field_block.is_none() && self.failed.is_none()
    }

    /// True while a HEADERS or PUSH_PROMISE without END_HEADERS awaits its
    /// CONTINUATION frames.
    pub fn in_field_block(&self) -> bool {
        self.open_field_block.is_some()
    }

    /// Decodes the next frame from the front of `buf`, consuming its bytes.
    ///
    /// Returns `Ok(None)` when `buf` holds no complete frame yet; the bytes
    /// already there stay in `buf` (or, for a frame header, in the decoder).
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        let header = match self.pending {
            Some(header) => header,
            None => {
                let Some(header) = FrameHeader::parse(buf) else {
                    return Ok(None);
                };
                self.check_header(&header).map_err(|e| self.fail(e))?;
                buf.advance(FRAME_HEADER_LEN);
                self.pending = Some(header);
                header
            }
        };
        let length = header.length as usize;
        if buf.len() < length {
            if let Some(piece) = Self::data_piece(&header, buf) {
                // The rest of the frame, END_STREAM included, comes later.
                self.pending = Some(FrameHeader {
                    length: header.length - piece.payload.len() as u32,
                    ..header
                });
                return Ok(Some(Frame::Data(piece)));
            }
            // The size is bounded by max_frame_size, so reserving it now
            // saves the buffer from growing step by step as the rest arrives.
            buf.reserve(length - buf.len());
            return Ok(None);
        }
        self.pending = None;
        let payload = buf.split_to(length).freeze();
        let frame = Frame::parse(&header, payload).map_err(|e| self.fail(e))?;
        self.track_field_block(&frame);
        Ok(Some(frame))
    }

    /// What has arrived of a large DATA frame, handed out before the rest
    /// (without END_STREAM, which stays with the frame's last piece): a
    /// receiver that allowed frames of a megabyte would otherwise hold a
    /// megabyte per frame, and copy every byte into a buffer that no
    /// longer fits in the cache. Only unpadded frames on a stream are
    /// split (padding sits at the end; DATA on stream 0 must fail as a
    /// whole), and only pieces of at least [`DATA_PIECE_MIN`] octets, so
    /// frames of the default size arrive whole.
    fn data_piece(header: &FrameHeader, buf: &mut BytesMut) -> Option<Data> {
        let splittable = header.kind == FrameType::DATA
            && !header.has(flags::PADDED)
            && !header.stream_id.is_connection()
            && buf.len() >= DATA_PIECE_MIN;
        splittable.then(|| Data::new(header.stream_id, buf.split().freeze(), false))
    }

    /// The checks that need only the header: size and field-block order.
    fn check_header(&self, header: &FrameHeader) -> Result<(), FrameError> {
        // §4.2: "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a
        // frame exceeds the size defined in SETTINGS_MAX_FRAME_SIZE".  It is
        // treated as a connection error for every type: the payload is never
        // read, so the byte stream could not be resynchronised otherwise.
        if header.length > self.max_frame_size {
            return Err(FrameError::connection(
                header.kind,
                ErrorCode::FRAME_SIZE_ERROR,
                FrameErrorKind::TooLarge {
                    length: header.length,
                    max: self.max_frame_size,
                },
            ));
        }
        match self.open_field_block {
            // §6.2: "A HEADERS frame without the END_HEADERS flag set MUST be
            // followed by a CONTINUATION frame for the same stream. A
            // receiver MUST treat the receipt of any other type of frame or a
            // frame on a different stream as a connection error (Section
            // 5.4.1) of type PROTOCOL_ERROR."  (§6.6 says the same of
            // PUSH_PROMISE.)
            Some(open) if header.kind != FrameType::CONTINUATION || header.stream_id != open => {
                Err(FrameError::connection(
                    header.kind,
                    ErrorCode::PROTOCOL_ERROR,
                    FrameErrorKind::ExpectedContinuation {
                        open_stream: open,
                        got: header.kind,
                    },
                ))
            }
            // §6.10: "A CONTINUATION frame MUST be preceded by a HEADERS,
            // PUSH_PROMISE or CONTINUATION frame without the END_HEADERS flag
            // set. A recipient that observes violation of this rule MUST
            // respond with a connection error (Section 5.4.1) of type
            // PROTOCOL_ERROR."
            None if header.kind == FrameType::CONTINUATION => Err(FrameError::connection(
                header.kind,
                ErrorCode::PROTOCOL_ERROR,
                FrameErrorKind::UnexpectedContinuation,
            )),
            _ => Ok(()),
        }
    }

    fn track_field_block(&mut self, frame: &Frame) {
        match frame {
            Frame::Headers(f) if !f.end_headers => self.open_field_block = Some(f.stream_id),
            Frame::PushPromise(f) if !f.end_headers => self.open_field_block = Some(f.stream_id),
            Frame::Continuation(f) if f.end_headers => self.open_field_block = None,
            _ => {}
        }
    }

    /// Records a connection error so later calls repeat it.
    fn fail(&mut self, err: FrameError) -> FrameError {
        if err.is_connection_error() {
            self.failed = Some(err);
        }
        err
    }
}
