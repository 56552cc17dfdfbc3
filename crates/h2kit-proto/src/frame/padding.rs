//! Padding shared by DATA, HEADERS and PUSH_PROMISE (RFC 9113 §6.1, §6.2,
//! §6.6): an optional Pad Length octet in front, that many zero octets behind.

use super::error::{FrameError, FrameErrorKind};
use super::head::{FrameHeader, flags};
use crate::ErrorCode;
use bytes::{Buf, BufMut, Bytes};

/// Removes the Pad Length octet and the padding from `payload` when the
/// frame has PADDED set, returning the pad length.
///
/// `fixed` is how many octets of mandatory fields follow the Pad Length
/// octet (5 for a HEADERS priority block, 4 for a promised stream id); the
/// padding must leave room for them.
pub(super) fn strip(
    header: &FrameHeader,
    payload: &mut Bytes,
    fixed: usize,
) -> Result<Option<u8>, FrameError> {
    if !header.has(flags::PADDED) {
        if payload.len() < fixed {
            return Err(too_short(header));
        }
        return Ok(None);
    }
    if payload.is_empty() {
        return Err(too_short(header));
    }
    let pad_len = payload.get_u8();
    // §6.1: "If the length of the padding is the length of the frame
    // payload or greater, the recipient MUST treat this as a connection
    // error (Section 5.4.1) of type PROTOCOL_ERROR."  The mandatory fields
    // are part of the payload too, so the padding must also leave them room.
    if usize::from(pad_len) + fixed > payload.len() {
        if payload.len() < fixed {
            return Err(too_short(header));
        }
        return Err(FrameError::connection(
            header.kind,
            ErrorCode::PROTOCOL_ERROR,
            FrameErrorKind::PaddingTooLong,
        ));
    }
    payload.truncate(payload.len() - usize::from(pad_len));
    Ok(Some(pad_len))
}

/// §4.2: a frame "too small to contain mandatory frame data" is a
/// FRAME_SIZE_ERROR; every padded frame type alters connection state (flow
/// control or the field-block context), so it is a connection error.
fn too_short(header: &FrameHeader) -> FrameError {
    FrameError::connection(
        header.kind,
        ErrorCode::FRAME_SIZE_ERROR,
        FrameErrorKind::BadLength {
            length: header.length,
        },
    )
}

/// Octets padding adds to a payload: the Pad Length octet plus the padding.
pub(super) fn overhead(pad_len: Option<u8>) -> u32 {
    pad_len.map_or(0, |n| 1 + u32::from(n))
}

/// The PADDED flag when padding is present.
pub(super) fn flag(pad_len: Option<u8>) -> u8 {
    if pad_len.is_some() { flags::PADDED } else { 0 }
}

/// Writes the Pad Length octet (when padded).
pub(super) fn put_len<B: BufMut>(dst: &mut B, pad_len: Option<u8>) {
    if let Some(n) = pad_len {
        dst.put_u8(n);
    }
}

/// Writes the padding octets, which "MUST be set to zero when sending".
pub(super) fn put_padding<B: BufMut>(dst: &mut B, pad_len: Option<u8>) {
    if let Some(n) = pad_len {
        dst.put_bytes(0, usize::from(n));
    }
}
