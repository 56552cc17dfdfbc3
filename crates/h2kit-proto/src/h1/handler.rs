//! The callback interface of the low-level parser.

use super::message::{Flow, Head, HeadAction, Version};

/// Receives what the parser sees, in order, as it sees it.
///
/// Every method has a no-op default, so a handler implements only what it
/// needs. Byte slices borrow the input given to `Parser::execute` (lifetime
/// `'b`) or are static; nothing is copied and nothing is allocated.
///
/// A token that straddles two `execute` calls arrives in several pieces:
/// `on_method`, `on_target`, `on_reason`, `on_header_name`,
/// `on_header_value`, `on_chunk_extension`, `on_body` and the trailer
/// methods may each be called several times for one token; the pieces
/// concatenate to the token. Field values come without leading and trailing
/// whitespace (RFC 9112 §5.1), and a value can have no piece at all (an empty
/// value); `on_header_end` marks the end of each field line.
///
/// When a whole field line is in one input, the parser calls `on_header`
/// (and `on_trailer`) instead; their defaults forward to the piecewise
/// methods, so a handler may override either style.
///
/// Order for a request: `on_message_begin`, `on_method`*, `on_target`*,
/// `on_version`, fields, `on_headers_complete`, then either `on_body`* or
/// chunks (`on_chunk_header`, `on_chunk_extension`*, `on_body`*, ..., the
/// last chunk with size 0, trailers), and `on_message_complete`. A response
/// starts with `on_version`, `on_status`, `on_reason`*.
#[allow(unused_variables)]
pub trait Handler<'b> {
    /// A new message starts.
    fn on_message_begin(&mut self) {}
    /// A piece of the request method.
    fn on_method(&mut self, part: &'b [u8]) {}
    /// A piece of the request-target (the URL as sent).
    fn on_target(&mut self, part: &'b [u8]) {}
    /// The HTTP version of the start line.
    fn on_version(&mut self, version: Version) {}
    /// The status code of a response.
    fn on_status(&mut self, code: u16) {}
    /// A piece of the reason phrase.
    fn on_reason(&mut self, part: &'b [u8]) {}
    /// A piece of a field name, as sent (not lower-cased).
    fn on_header_name(&mut self, part: &'b [u8]) {}
    /// A piece of a field value.
    fn on_header_value(&mut self, part: &'b [u8]) {}
    /// The current field line ended.
    fn on_header_end(&mut self) {}
    /// A whole field line, when it was in one input.
    fn on_header(&mut self, name: &'b [u8], value: &'b [u8]) {
        self.on_header_name(name);
        if !value.is_empty() {
            self.on_header_value(value);
        }
        self.on_header_end();
    }
    /// The head is complete. The answer can skip the body or pause.
    fn on_headers_complete(&mut self, head: &Head) -> HeadAction {
        HeadAction::Continue
    }
    /// A chunk starts; `size` 0 is the last chunk (RFC 9112 §7.1).
    fn on_chunk_header(&mut self, size: u64) {}
    /// A piece of a chunk's extensions, raw (from the first `;` or
    /// whitespace after the size up to the line end), already validated.
    fn on_chunk_extension(&mut self, part: &'b [u8]) {}
    /// A piece of the body (decoded from chunked framing if it was chunked).
    fn on_body(&mut self, part: &'b [u8]) {}
    /// A piece of a trailer field name.
    fn on_trailer_name(&mut self, part: &'b [u8]) {}
    /// A piece of a trailer field value.
    fn on_trailer_value(&mut self, part: &'b [u8]) {}
    /// The current trailer field line ended.
    fn on_trailer_end(&mut self) {}
    /// A whole trailer field line, when it was in one input.
    fn on_trailer(&mut self, name: &'b [u8], value: &'b [u8]) {
        self.on_trailer_name(name);
        if !value.is_empty() {
            self.on_trailer_value(value);
        }
        self.on_trailer_end();
    }
    /// The message is complete. The answer can pause the parser.
    fn on_message_complete(&mut self) -> Flow {
        Flow::Continue
    }
}

/// A handler that ignores everything (useful to validate or skip input).
impl Handler<'_> for () {}
