//! The HTTP/2 error-code registry (RFC 9113 §7).
//!
//! Error codes travel in RST_STREAM and GOAWAY frames. The registry is open:
//! RFC 9113 §7 says "Unknown or unsupported error codes MUST NOT trigger any
//! special behavior", so a code we do not know is kept as its number rather
//! than rejected.

use std::fmt;

/// A 32-bit HTTP/2 error code, as carried in RST_STREAM and GOAWAY.
///
/// The named constants are the codes of RFC 9113 §7; any other value is kept
/// as is and displayed as its number.
///
/// ```
/// use h2kit_proto::ErrorCode;
/// assert_eq!(ErrorCode::PROTOCOL_ERROR.as_u32(), 0x1);
/// assert_eq!(ErrorCode::from(0x1).to_string(), "PROTOCOL_ERROR");
/// assert_eq!(ErrorCode::from(0xabc).to_string(), "0xabc");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(u32);

impl ErrorCode {
    /// 0x0: the condition is not a result of an error (graceful shutdown).
    pub const NO_ERROR: ErrorCode = ErrorCode(0x0);
    /// 0x1: an unspecific protocol error was detected.
    pub const PROTOCOL_ERROR: ErrorCode = ErrorCode(0x1);
    /// 0x2: the endpoint encountered an unexpected internal error.
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(0x2);
    /// 0x3: the peer violated the flow-control protocol.
    pub const FLOW_CONTROL_ERROR: ErrorCode = ErrorCode(0x3);
    /// 0x4: a SETTINGS frame was not acknowledged in time.
    pub const SETTINGS_TIMEOUT: ErrorCode = ErrorCode(0x4);
    /// 0x5: a frame was received after the stream was half-closed.
    pub const STREAM_CLOSED: ErrorCode = ErrorCode(0x5);
    /// 0x6: a frame had an invalid size.
    pub const FRAME_SIZE_ERROR: ErrorCode = ErrorCode(0x6);
    /// 0x7: the stream was refused before any application processing.
    pub const REFUSED_STREAM: ErrorCode = ErrorCode(0x7);
    /// 0x8: the stream is no longer needed.
    pub const CANCEL: ErrorCode = ErrorCode(0x8);
    /// 0x9: the field-section compression context cannot be maintained.
    pub const COMPRESSION_ERROR: ErrorCode = ErrorCode(0x9);
    /// 0xa: the connection made for a CONNECT request was reset or closed.
    pub const CONNECT_ERROR: ErrorCode = ErrorCode(0xa);
    /// 0xb: the peer is generating excessive load.
    pub const ENHANCE_YOUR_CALM: ErrorCode = ErrorCode(0xb);
    /// 0xc: the transport does not meet minimum security requirements.
    pub const INADEQUATE_SECURITY: ErrorCode = ErrorCode(0xc);
    /// 0xd: the endpoint requires HTTP/1.1 instead of HTTP/2.
    pub const HTTP_1_1_REQUIRED: ErrorCode = ErrorCode(0xd);

    /// The code's numeric value.
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The registry name (`"PROTOCOL_ERROR"`), or `None` for a code RFC 9113
    /// does not define.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0 => "NO_ERROR",
            0x1 => "PROTOCOL_ERROR",
            0x2 => "INTERNAL_ERROR",
            0x3 => "FLOW_CONTROL_ERROR",
            0x4 => "SETTINGS_TIMEOUT",
            0x5 => "STREAM_CLOSED",
            0x6 => "FRAME_SIZE_ERROR",
            0x7 => "REFUSED_STREAM",
            0x8 => "CANCEL",
            0x9 => "COMPRESSION_ERROR",
            0xa => "CONNECT_ERROR",
            0xb => "ENHANCE_YOUR_CALM",
            0xc => "INADEQUATE_SECURITY",
            0xd => "HTTP_1_1_REQUIRED",
            _ => return None,
        })
    }
}

impl From<u32> for ErrorCode {
    fn from(value: u32) -> Self {
        ErrorCode(value)
    }
}

impl From<ErrorCode> for u32 {
    fn from(code: ErrorCode) -> Self {
        code.0
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{:#x}", self.0),
        }
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}({:#x})", self.0),
            None => write!(f, "ErrorCode({:#x})", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9113_7_registry_numbers_match_names() {
        let expected = [
            (0x0, "NO_ERROR"),
            (0x1, "PROTOCOL_ERROR"),
            (0x2, "INTERNAL_ERROR"),
            (0x3, "FLOW_CONTROL_ERROR"),
            (0x4, "SETTINGS_TIMEOUT"),
            (0x5, "STREAM_CLOSED"),
            (0x6, "FRAME_SIZE_ERROR"),
            (0x7, "REFUSED_STREAM"),
            (0x8, "CANCEL"),
            (0x9, "COMPRESSION_ERROR"),
            (0xa, "CONNECT_ERROR"),
            (0xb, "ENHANCE_YOUR_CALM"),
            (0xc, "INADEQUATE_SECURITY"),
            (0xd, "HTTP_1_1_REQUIRED"),
        ];
        for (number, name) in expected {
            assert_eq!(ErrorCode::from(number).to_string(), name);
        }
    }

    #[test]
    fn rfc9113_7_unknown_codes_are_preserved() {
        let code = ErrorCode::from(0xdead_beef);
        assert_eq!(code.as_u32(), 0xdead_beef);
        assert_eq!(code.name(), None);
        assert_eq!(code.to_string(), "0xdeadbeef");
    }
}
