//! A handler that copies every message into owned values: for tests, tools
//! (`h1dump`) and code that prefers data to callbacks. It allocates as much
//! as the input it is given; the engine below it still allocates nothing.

use super::handler::Handler;
use super::headers::HeaderMap;
use super::message::{Flow, Head, HeadAction, Version};

/// One message, as the parser saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedMessage {
    /// The method (requests).
    pub method: Option<Vec<u8>>,
    /// The request-target (requests).
    pub target: Option<Vec<u8>>,
    /// The status code (responses).
    pub status: Option<u16>,
    /// The reason phrase (responses).
    pub reason: Option<Vec<u8>>,
    /// The version.
    pub version: Option<Version>,
    /// Field lines in order, names as sent.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The summary given to `on_headers_complete`.
    pub head: Option<Head>,
    /// Chunk sizes and raw extensions, for chunked bodies.
    pub chunks: Vec<(u64, Vec<u8>)>,
    /// The body, decoded from chunked framing.
    pub body: Vec<u8>,
    /// Trailer field lines in order.
    pub trailers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Whether `on_message_complete` was called.
    pub complete: bool,
}

impl OwnedMessage {
    /// The header fields as a map (lower-cased names, combined values).
    pub fn header_map(&self) -> HeaderMap {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
            .collect()
    }
}

/// Collects messages; the last one may be incomplete.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    /// Messages in the order they started.
    pub messages: Vec<OwnedMessage>,
    /// Pause after each complete message (to inspect or set state between
    /// pipelined messages).
    pub pause_each: bool,
    in_name: bool,
}

impl Recorder {
    /// A recorder that does not pause.
    pub fn new() -> Self {
        Recorder::default()
    }

    /// A recorder that pauses after each complete message.
    pub fn pausing() -> Self {
        Recorder {
            pause_each: true,
            ..Recorder::default()
        }
    }

    fn cur(&mut self) -> &mut OwnedMessage {
        if self.messages.is_empty() {
            self.messages.push(OwnedMessage::default());
        }
        let last = self.messages.len() - 1;
        &mut self.messages[last]
    }

    fn field(
        list: &mut Vec<(Vec<u8>, Vec<u8>)>,
        in_name: &mut bool,
        name: Option<&[u8]>,
        value: Option<&[u8]>,
    ) {
        if let Some(n) = name {
            if !*in_name {
                list.push((Vec::new(), Vec::new()));
                *in_name = true;
            }
            if let Some(last) = list.last_mut() {
                last.0.extend_from_slice(n);
            }
        }
        if let Some(v) = value {
            *in_name = false;
            if let Some(last) = list.last_mut() {
                last.1.extend_from_slice(v);
            }
        }
    }
}

impl<'b> Handler<'b> for Recorder {
    fn on_message_begin(&mut self) {
        self.messages.push(OwnedMessage::default());
        self.in_name = false;
    }
    fn on_method(&mut self, part: &'b [u8]) {
        self.cur()
            .method
            .get_or_insert_with(Vec::new)
            .extend_from_slice(part);
    }
    fn on_target(&mut self, part: &'b [u8]) {
        self.cur()
            .target
            .get_or_insert_with(Vec::new)
            .extend_from_slice(part);
    }
    fn on_version(&mut self, version: Version) {
        self.cur().version = Some(version);
    }
    fn on_status(&mut self, code: u16) {
        let m = self.cur();
        m.status = Some(code);
        m.reason = Some(Vec::new());
    }
    fn on_reason(&mut self, part: &'b [u8]) {
        self.cur()
            .reason
            .get_or_insert_with(Vec::new)
            .extend_from_slice(part);
    }
    fn on_header_name(&mut self, part: &'b [u8]) {
        let mut in_name = self.in_name;
        Self::field(&mut self.cur().headers, &mut in_name, Some(part), None);
        self.in_name = in_name;
    }
    fn on_header_value(&mut self, part: &'b [u8]) {
        let mut in_name = self.in_name;
        Self::field(&mut self.cur().headers, &mut in_name, None, Some(part));
        self.in_name = in_name;
    }
    fn on_header_end(&mut self) {
        self.in_name = false;
    }
    fn on_headers_complete(&mut self, head: &Head) -> HeadAction {
        self.cur().head = Some(*head);
        HeadAction::Continue
    }
    fn on_chunk_header(&mut self, size: u64) {
        self.cur().chunks.push((size, Vec::new()));
    }
    fn on_chunk_extension(&mut self, part: &'b [u8]) {
        if let Some(c) = self.cur().chunks.last_mut() {
            c.1.extend_from_slice(part);
        }
    }
    fn on_body(&mut self, part: &'b [u8]) {
        self.cur().body.extend_from_slice(part);
    }
    fn on_trailer_name(&mut self, part: &'b [u8]) {
        let mut in_name = self.in_name;
        Self::field(&mut self.cur().trailers, &mut in_name, Some(part), None);
        self.in_name = in_name;
    }
    fn on_trailer_value(&mut self, part: &'b [u8]) {
        let mut in_name = self.in_name;
        Self::field(&mut self.cur().trailers, &mut in_name, None, Some(part));
        self.in_name = in_name;
    }
    fn on_trailer_end(&mut self) {
        self.in_name = false;
    }
    fn on_message_complete(&mut self) -> Flow {
        self.cur().complete = true;
        if self.pause_each {
            Flow::Pause
        } else {
            Flow::Continue
        }
    }
}
