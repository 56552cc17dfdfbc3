//! Typed parse errors with the byte offset at which they were detected.

use core::fmt;

/// What was wrong with the input. Each kind names one rule of RFC 9112 (or
/// one configured limit), so a server can map it to a status code and a log
/// line without parsing a message string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A byte that is not a `tchar` in the method (RFC 9112 §3.1).
    InvalidMethod,
    /// A byte outside `%x21-7E` in the request-target, or an empty target (§3.2).
    InvalidTarget,
    /// The request line is not `method SP target SP version CRLF` (§3).
    InvalidRequestLine,
    /// The status line is not `version SP 3DIGIT SP reason CRLF` (§4).
    InvalidStatusLine,
    /// The HTTP-version is not `HTTP/DIGIT.DIGIT` (§2.3).
    InvalidVersion,
    /// A well-formed version whose major number is not 1.
    UnsupportedVersion,
    /// A byte that is not valid in the reason phrase (§4).
    InvalidReason,
    /// A byte that is not a `tchar` in a field name, or an empty name (§5.1).
    InvalidHeaderName,
    /// A byte that is not valid in a field value (RFC 9110 §5.5).
    InvalidHeaderValue,
    /// Whitespace between a field name and its colon (§5.1).
    WhitespaceBeforeColon,
    /// A line that starts with whitespace: obsolete line folding (§5.2).
    ObsFold,
    /// Whitespace between the start line and the first field line (§2.2).
    WhitespaceAfterStartLine,
    /// More trailing whitespace after a field value than the parser holds.
    TrailingWhitespaceTooLong,
    /// A CR that is not followed by LF (§2.2).
    BareCr,
    /// A LF without a preceding CR, while `lenient_bare_lf` is off (§2.2).
    BareLf,
    /// Both Content-Length and Transfer-Encoding in a request (§6.3 rule 3, §11.2).
    ContentLengthAndTransferEncoding,
    /// A Content-Length that is not a list of decimal numbers (§6.3 rule 5).
    InvalidContentLength,
    /// Content-Length values that differ (§6.3 rule 5).
    ConflictingContentLength,
    /// A Content-Length that does not fit in 64 bits.
    ContentLengthOverflow,
    /// A Transfer-Encoding value that is not a list of transfer codings (§6.1).
    InvalidTransferEncoding,
    /// chunked is not the final coding of a request, or is applied twice (§6.1, §6.3 rule 4).
    ChunkedNotLast,
    /// A transfer coding this parser does not know, in a request (§6.1: 501).
    UnknownTransferCoding,
    /// Transfer-Encoding in an HTTP/1.0 request (§6.1).
    TransferEncodingInHttp10,
    /// An HTTP/1.1 request without Host, or with more than one (§3.2).
    InvalidHost,
    /// A chunk size that is not hexadecimal (§7.1).
    InvalidChunkSize,
    /// A chunk size that does not fit in 64 bits (§7.1).
    ChunkSizeOverflow,
    /// A chunk extension that does not follow the grammar of §7.1.1.
    InvalidChunkExtension,
    /// Chunk data not followed by CRLF (§7.1).
    InvalidChunkData,
    /// A Connection header that is not a list of tokens (RFC 9110 §7.6.1).
    InvalidConnection,
    /// More field lines than `Config::max_headers`.
    TooManyHeaders,
    /// A header (or trailer) section larger than `Config::max_head_size`.
    HeadTooLarge,
    /// A request-target longer than `Config::max_target_len`.
    TargetTooLong,
    /// A chunk-size line longer than `Config::max_chunk_line_len`.
    ChunkLineTooLong,
    /// The input ended in the middle of a message (see `Parser::finish`).
    IncompleteMessage,
}

impl ErrorKind {
    /// A stable snake_case name, used by `h1dump` and in logs.
    pub fn as_str(self) -> &'static str {
        use ErrorKind::*;
        match self {
            InvalidMethod => "invalid_method",
            InvalidTarget => "invalid_target",
            InvalidRequestLine => "invalid_request_line",
            InvalidStatusLine => "invalid_status_line",
            InvalidVersion => "invalid_version",
            UnsupportedVersion => "unsupported_version",
            InvalidReason => "invalid_reason",
            InvalidHeaderName => "invalid_header_name",
            InvalidHeaderValue => "invalid_header_value",
            WhitespaceBeforeColon => "whitespace_before_colon",
            ObsFold => "obs_fold",
            WhitespaceAfterStartLine => "whitespace_after_start_line",
            TrailingWhitespaceTooLong => "trailing_whitespace_too_long",
            BareCr => "bare_cr",
            BareLf => "bare_lf",
            ContentLengthAndTransferEncoding => "content_length_and_transfer_encoding",
            InvalidContentLength => "invalid_content_length",
            ConflictingContentLength => "conflicting_content_length",
            ContentLengthOverflow => "content_length_overflow",
            InvalidTransferEncoding => "invalid_transfer_encoding",
            ChunkedNotLast => "chunked_not_last",
            UnknownTransferCoding => "unknown_transfer_coding",
            TransferEncodingInHttp10 => "transfer_encoding_in_http10",
            InvalidHost => "invalid_host",
            InvalidChunkSize => "invalid_chunk_size",
            ChunkSizeOverflow => "chunk_size_overflow",
            InvalidChunkExtension => "invalid_chunk_extension",
            InvalidChunkData => "invalid_chunk_data",
            InvalidConnection => "invalid_connection",
            TooManyHeaders => "too_many_headers",
            HeadTooLarge => "head_too_large",
            TargetTooLong => "target_too_long",
            ChunkLineTooLong => "chunk_line_too_long",
            IncompleteMessage => "incomplete_message",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parse error: what went wrong and where.
///
/// `offset` counts bytes from the first byte given to the parser (for the
/// borrowed API: from the start of the buffer), and points at the byte that
/// broke the rule. Errors about a whole field (conflicting framing headers)
/// point at the start of the field line that revealed the conflict; errors
/// about a whole head (missing Host) point at the empty line that ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    offset: u64,
}

impl Error {
    /// An error of `kind` at stream offset `offset`.
    pub fn new(kind: ErrorKind, offset: u64) -> Self {
        Error { kind, offset }
    }
    /// What was wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The byte offset at which it was detected.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP/1 parse error {} at byte {}",
            self.kind, self.offset
        )
    }
}

impl std::error::Error for Error {}
