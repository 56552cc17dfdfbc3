//! Decoding errors.

use super::huffman::HuffmanError;
use super::integer::IntegerError;
use crate::ErrorCode;
use std::fmt;

/// Why a header block could not be decoded.
///
/// Every variant but [`HeaderListTooLarge`](Self::HeaderListTooLarge) means
/// the compression context is lost: HTTP/2 requires closing the connection
/// with COMPRESSION_ERROR (RFC 9113 §4.3), and the decoder must not be used
/// again. [`connection_error_code`](Self::connection_error_code) says which
/// is which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The block ends inside a representation (an integer, a string, or a
    /// string length reaching past the end).
    Truncated,
    /// An integer exceeds 2^32 - 1 or is padded with superfluous
    /// continuation octets (RFC 7541 §5.1).
    IntegerOverflow,
    /// A Huffman-coded string contains the EOS symbol (RFC 7541 §5.2).
    HuffmanEos,
    /// A Huffman-coded string ends with more than 7 bits of padding
    /// (RFC 7541 §5.2).
    HuffmanPaddingTooLong,
    /// A Huffman-coded string's padding is not the most significant bits of
    /// EOS, i.e. not all ones (RFC 7541 §5.2).
    HuffmanPaddingNotEos,
    /// A representation refers to index 0 (RFC 7541 §6.1).
    ZeroIndex,
    /// A representation refers to an index beyond the static and dynamic
    /// tables (RFC 7541 §2.3.3).
    IndexOutOfRange {
        /// The index received.
        index: u64,
    },
    /// A dynamic table size update follows a header field representation
    /// (RFC 7541 §4.2, §6.3: it must come first in the block).
    TableSizeUpdateNotAtStart,
    /// A dynamic table size update asks for more than the protocol allows,
    /// our SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §6.3).
    TableSizeUpdateTooLarge {
        /// The size asked for.
        requested: u64,
        /// The limit in force.
        max: usize,
    },
    /// Our SETTINGS_HEADER_TABLE_SIZE went below the table's size, but the
    /// next block did not start with a size update at or below the smallest
    /// value it took (RFC 7541 §4.2).
    TableSizeUpdateMissing {
        /// The size the encoder had to signal, at most.
        max: usize,
    },
    /// The decoded header list exceeds the limit we advertise as
    /// SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2), counting name, value
    /// and 32 octets per field. This one is not a compression error: the
    /// rest of the block was still processed, so the dynamic table is in
    /// step with the peer's (RFC 9113 §10.5.1 requires that) and the
    /// connection can carry on. The request is refused (431, or RST_STREAM).
    /// Fields delivered before the limit was reached should be discarded.
    HeaderListTooLarge {
        /// The limit in force.
        max: usize,
    },
}

impl DecodeError {
    /// The error code to close the connection with (COMPRESSION_ERROR), or
    /// `None` for [`HeaderListTooLarge`](Self::HeaderListTooLarge), which is
    /// a stream-level refusal.
    ///
    /// ```
    /// use h2kit_proto::{ErrorCode, hpack::DecodeError};
    /// assert_eq!(DecodeError::ZeroIndex.connection_error_code(), Some(ErrorCode::COMPRESSION_ERROR));
    /// assert_eq!(DecodeError::HeaderListTooLarge { max: 100 }.connection_error_code(), None);
    /// ```
    pub fn connection_error_code(&self) -> Option<ErrorCode> {
        match self {
            DecodeError::HeaderListTooLarge { .. } => None,
            _ => Some(ErrorCode::COMPRESSION_ERROR),
        }
    }

    /// True when the compression context is lost and the connection must end
    /// with COMPRESSION_ERROR.
    pub fn is_compression_error(&self) -> bool {
        self.connection_error_code().is_some()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => f.write_str("header block ends inside a representation"),
            DecodeError::IntegerOverflow => f.write_str("HPACK integer too large"),
            DecodeError::HuffmanEos => f.write_str("Huffman string contains EOS"),
            DecodeError::HuffmanPaddingTooLong => {
                f.write_str("Huffman string padding longer than 7 bits")
            }
            DecodeError::HuffmanPaddingNotEos => f.write_str("Huffman string padding is not EOS"),
            DecodeError::ZeroIndex => f.write_str("header field index 0"),
            DecodeError::IndexOutOfRange { index } => {
                write!(f, "header field index {index} out of range")
            }
            DecodeError::TableSizeUpdateNotAtStart => {
                f.write_str("dynamic table size update after a header field")
            }
            DecodeError::TableSizeUpdateTooLarge { requested, max } => {
                write!(f, "dynamic table size update to {requested} exceeds {max}")
            }
            DecodeError::TableSizeUpdateMissing { max } => {
                write!(f, "expected a dynamic table size update to at most {max}")
            }
            DecodeError::HeaderListTooLarge { max } => {
                write!(f, "header list larger than {max} octets")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<IntegerError> for DecodeError {
    fn from(e: IntegerError) -> Self {
        match e {
            IntegerError::Truncated => DecodeError::Truncated,
            IntegerError::Overflow => DecodeError::IntegerOverflow,
        }
    }
}

impl From<HuffmanError> for DecodeError {
    fn from(e: HuffmanError) -> Self {
        match e {
            HuffmanError::Eos => DecodeError::HuffmanEos,
            HuffmanError::PaddingTooLong => DecodeError::HuffmanPaddingTooLong,
            HuffmanError::PaddingNotEos => DecodeError::HuffmanPaddingNotEos,
        }
    }
}
