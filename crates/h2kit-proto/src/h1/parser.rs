//! The resumable HTTP/1 engine behind both APIs.
//!
//! Bytes may arrive split anywhere. The engine keeps its position in a
//! `State` between calls and hands every byte to the handler once, so
//! nothing is scanned twice across calls and nothing is buffered.
//!
//! Two paths share the states:
//! - the **fast path** runs at the start of a line when the whole line is in
//!   the input: it finds each token with the SIMD scanner (field lines end
//!   where 64-byte masks say, see `line::LineEnds`) and calls
//!   `on_header(name, value)` once per line, with no per-byte dispatch;
//! - the **slow path** is the reference state machine. It runs whenever the
//!   fast path declines (a line cut by the end of the input, anything
//!   unusual, every error), so all error reporting and all lenient handling
//!   live in one place, and the fast path only ever accepts what the slow
//!   path would accept, with the same result.

use super::body::{self, BodyKind, Framing, StartLine};
use super::config::Config;
use super::error::{Error, ErrorKind};
use super::handler::Handler;
use super::line::{self, LineEnds};
use super::message::{
    Flow, HeadAction, METHOD_NAMES, METHODS, Method, Progress, ResponseTo, Status, Version,
};
use super::scan::{Level, Scalar, ScanTask, Scanner, TCHAR, VALUE};
use super::semantics::{self, Facts, FieldKind, Matcher, ValueParser};

/// Trailing whitespace after a field value that the parser can hold while
/// waiting to see whether the value goes on (see `take_whitespace_run`).
pub(crate) const MAX_TRAILING_WS: usize = 64;
static SPACES: [u8; MAX_TRAILING_WS] = [b' '; MAX_TRAILING_WS];
static TABS: [u8; MAX_TRAILING_WS] = [b'\t'; MAX_TRAILING_WS];

/// Whether the parser reads requests or responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// Requests (a server's view).
    Request,
    /// Responses (a client's view).
    Response,
}

/// Which line a CR ended (the LF that must follow decides what comes next).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineEnd {
    Empty,
    StartLine,
    Field,
    HeadEnd,
    ChunkLine,
    ChunkData,
}

/// Where in the chunk-extension grammar (RFC 9112 §7.1.1) the parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ext {
    /// Right after the size: only BWS and ";".
    Start,
    /// After a complete extension: BWS, ";" or the line end.
    Between,
    NameStart,
    Name,
    AfterName,
    ValueStart,
    Token,
    Quoted,
    Escape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between messages: empty lines are skipped.
    Idle,
    Method,
    Target,
    /// `n` bytes of "HTTP/x.y" matched (request line).
    ReqVersion(u8),
    /// `n` bytes of "HTTP/x.y" matched (status line).
    RespVersion(u8),
    /// `n` digits of the status code read.
    StatusCode(u8),
    AfterStatus,
    Reason,
    /// A CR was read; a LF must follow.
    Lf(LineEnd),
    FieldStart,
    FieldName,
    /// Whitespace before a value (after the colon, or after a fold).
    FieldOws,
    FieldValue,
    BodyLength,
    BodyClose,
    ChunkSize,
    ChunkExt(Ext),
    ChunkData,
    ChunkDataEnd,
    /// After an error: every call returns it again.
    Dead,
}

/// The low-level, callback-driven, resumable HTTP/1 parser.
///
/// It allocates nothing; feed it bytes as they arrive with [`Parser::execute`]
/// and it calls the [`Handler`]. One parser reads every message of one
/// connection in order (pipelining included).
///
/// ```
/// use h2kit_proto::h1::{Handler, Parser, Status};
///
/// #[derive(Default)]
/// struct Count { headers: usize, body: usize }
/// impl<'b> Handler<'b> for Count {
///     fn on_header_end(&mut self) { self.headers += 1 }
///     fn on_body(&mut self, part: &'b [u8]) { self.body += part.len() }
/// }
///
/// let mut parser = Parser::request();
/// let mut count = Count::default();
/// let input = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
/// for piece in input.chunks(5) {
///     let progress = parser.execute(&mut count, piece).unwrap();
///     assert_eq!((progress.consumed, progress.status), (piece.len(), Status::NeedMore));
/// }
/// assert_eq!((count.headers, count.body), (2, 3));
/// ```
#[derive(Debug, Clone)]
pub struct Parser {
    kind: MessageKind,
    config: Config,
    level: Level,
    state: State,
    error: Option<Error>,
    /// Stream offset of `data[0]` in the current call.
    offset: u64,
    stop: Option<Status>,
    // The message being parsed.
    head_start: u64,
    line_start: u64,
    target_start: u64,
    version: Version,
    method: Method,
    method_matcher: Matcher,
    status: u16,
    response_to: ResponseTo,
    header_count: usize,
    in_trailers: bool,
    facts: Facts,
    framing: Framing,
    // The field line being parsed.
    name_matcher: Matcher,
    value_parser: ValueParser,
    value_started: bool,
    field_open: bool,
    ws_buf: [u8; MAX_TRAILING_WS],
    ws_len: usize,
    ws_overflow: bool,
    /// Whitespace handed to the handler but not yet to the value's grammar.
    ws_unfed: u64,
    ws_unfed_at: u64,
    // Body and chunks.
    remaining: u64,
    chunk_digits: u32,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::request()
    }
}

const fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl Parser {
    /// A request parser with the default (strict) configuration.
    pub fn request() -> Self {
        Parser::new(MessageKind::Request, Config::default())
    }

    /// A response parser with the default (strict) configuration.
    pub fn response() -> Self {
        Parser::new(MessageKind::Response, Config::default())
    }

    /// A parser for `kind` with `config`.
    pub fn new(kind: MessageKind, config: Config) -> Self {
        Parser::with_level(kind, config, Level::detect())
    }

    pub(crate) fn with_level(kind: MessageKind, config: Config, level: Level) -> Self {
        Parser {
            kind,
            config,
            level,
            state: State::Idle,
            error: None,
            offset: 0,
            stop: None,
            head_start: 0,
            line_start: 0,
            target_start: 0,
            version: Version::HTTP_11,
            method: Method::Other,
            method_matcher: Matcher::new(&METHOD_NAMES),
            status: 0,
            response_to: ResponseTo::Other,
            header_count: 0,
            in_trailers: false,
            facts: Facts::default(),
            framing: Framing {
                body: BodyKind::None,
                keep_alive: true,
                switch_after_head: false,
                upgrade_requested: false,
            },
            name_matcher: semantics::name_matcher(),
            value_parser: ValueParser::Ignore,
            value_started: false,
            field_open: false,
            ws_buf: [0; MAX_TRAILING_WS],
            ws_len: 0,
            ws_overflow: false,
            ws_unfed: 0,
            ws_unfed_at: 0,
            remaining: 0,
            chunk_digits: 0,
        }
    }

    /// Forgets everything (including a sticky error) and starts a new stream.
    pub fn reset(&mut self) {
        *self = Parser::with_level(self.kind, self.config, self.level);
    }

    /// Tells a response parser which request the next response answers, when
    /// that changes its framing: a HEAD request (no body) or CONNECT (a 2xx
    /// makes a tunnel). It applies to one response and then reverts to
    /// [`ResponseTo::Other`]. With pipelined responses in one input, pause in
    /// `on_message_complete` to set it between them, or answer
    /// `HeadAction::SkipBody` from `on_headers_complete`.
    pub fn set_response_to(&mut self, to: ResponseTo) {
        self.response_to = to;
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Bytes consumed since the parser was created or reset.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Whether the parser is between messages (nothing half-parsed).
    pub fn is_idle(&self) -> bool {
        self.state == State::Idle
    }

    /// Parses `data`, calling `handler` for what it finds.
    ///
    /// Returns how many bytes were used and why it stopped; see [`Status`].
    /// After an error every later call returns the same error.
    pub fn execute<'b, H: Handler<'b>>(
        &mut self,
        handler: &mut H,
        data: &'b [u8],
    ) -> Result<Progress, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let level = self.level;
        match level.dispatch(Exec {
            parser: self,
            handler,
            data,
        }) {
            Ok(p) => {
                self.offset += p.consumed as u64;
                Ok(p)
            }
            Err(e) => {
                self.state = State::Dead;
                self.error = Some(e);
                Err(e)
            }
        }
    }

    /// Tells the parser the input has ended (the peer closed).
    ///
    /// A close-delimited response completes here (`on_message_complete`).
    /// Ending between messages is fine; ending inside one is
    /// [`ErrorKind::IncompleteMessage`] (RFC 9112 §6.3 rule 6, §8).
    pub fn finish<'b, H: Handler<'b>>(&mut self, handler: &mut H) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.state {
            State::Idle => Ok(()),
            State::BodyClose => {
                self.message_complete(handler);
                self.stop = None;
                Ok(())
            }
            _ => {
                let e = Error::new(ErrorKind::IncompleteMessage, self.offset);
                self.state = State::Dead;
                self.error = Some(e);
                Err(e)
            }
        }
    }

    // ---- the loop ----

    #[inline(always)]
    fn run<'b, S: Scanner, H: Handler<'b>>(
        &mut self,
        s: S,
        h: &mut H,
        data: &'b [u8],
    ) -> Result<Progress, Error> {
        let mut pos = 0;
        loop {
            if let Some(status) = self.stop {
                self.stop = None;
                return Ok(Progress {
                    consumed: pos,
                    status,
                });
            }
            if pos >= data.len() {
                return Ok(Progress {
                    consumed: data.len(),
                    status: Status::NeedMore,
                });
            }
            let fast = match self.state {
                State::Idle => self.fast_start_line(s, h, data, pos)?,
                State::FieldStart => self.fast_fields(s, h, data, pos)?,
                _ => pos,
            };
            pos = if fast != pos {
                fast
            } else {
                self.slow_step(h, data, pos)?
            };
        }
    }

    #[inline(always)]
    fn abs(&self, pos: usize) -> u64 {
        self.offset + pos as u64
    }

    #[inline(always)]
    fn err(&self, kind: ErrorKind, pos: usize) -> Error {
        Error::new(kind, self.abs(pos))
    }

    // ---- message and field bookkeeping shared by both paths ----

    #[inline(always)]
    fn begin_message<'b, H: Handler<'b>>(&mut self, h: &mut H, pos: usize) {
        self.head_start = self.abs(pos);
        self.line_start = self.head_start;
        self.version = Version::HTTP_11;
        self.method = Method::Other;
        self.method_matcher = Matcher::new(&METHOD_NAMES);
        self.status = 0;
        self.header_count = 0;
        self.in_trailers = false;
        self.facts = Facts::default();
        self.field_open = false;
        h.on_message_begin();
    }

    #[inline(always)]
    fn check_conflicts(&self) -> Result<(), Error> {
        semantics::check_conflicts(
            self.kind == MessageKind::Request,
            &self.facts,
            self.line_start,
        )
    }

    /// The empty line after the fields (or trailers) was read; `pos` is just
    /// past it.
    #[inline]
    fn head_complete<'b, H: Handler<'b>>(&mut self, h: &mut H) -> Result<(), Error> {
        if self.in_trailers {
            self.message_complete(h);
            return Ok(());
        }
        let start = match self.kind {
            MessageKind::Request => StartLine::Request(self.method),
            MessageKind::Response => StartLine::Response(self.status, self.response_to),
        };
        let (head, framing) = body::summarize(
            start,
            self.version,
            &self.facts,
            self.header_count,
            self.config.require_host,
            self.line_start,
        )?;
        let action = h.on_headers_complete(&head);
        self.framing = framing;
        let body = if action == HeadAction::SkipBody {
            BodyKind::None
        } else {
            framing.body
        };
        if framing.switch_after_head {
            self.message_complete(h);
            self.stop = Some(Status::Upgraded);
            return Ok(());
        }
        match body {
            BodyKind::None => self.message_complete(h),
            BodyKind::Length(n) => {
                self.remaining = n;
                self.state = State::BodyLength;
            }
            BodyKind::Chunked => self.begin_chunk_line(self.line_start),
            BodyKind::CloseDelimited => self.state = State::BodyClose,
        }
        if action == HeadAction::Pause && self.stop.is_none() {
            self.stop = Some(Status::Paused);
        }
        Ok(())
    }

    #[inline]
    fn message_complete<'b, H: Handler<'b>>(&mut self, h: &mut H) {
        self.state = State::Idle;
        self.response_to = ResponseTo::Other;
        let flow = h.on_message_complete();
        if self.framing.upgrade_requested {
            self.framing.upgrade_requested = false;
            self.stop = Some(Status::Upgraded);
        } else if flow == Flow::Pause {
            self.stop = Some(Status::Paused);
        }
    }

    fn begin_chunk_line(&mut self, at: u64) {
        self.line_start = at;
        self.remaining = 0;
        self.chunk_digits = 0;
        self.state = State::ChunkSize;
    }

    // ---- fast path ----

    /// Parses a whole start line if it is in `data`; returns `pos` unchanged
    /// to hand over to the slow path.
    #[inline(always)]
    fn fast_start_line<'b, S: Scanner, H: Handler<'b>>(
        &mut self,
        s: S,
        h: &mut H,
        data: &'b [u8],
        pos: usize,
    ) -> Result<usize, Error> {
        match self.kind {
            MessageKind::Request => {
                let Some(line) = line::request_line(s, data, pos, &self.config) else {
                    return Ok(pos);
                };
                self.begin_message(h, pos);
                self.method = Method::from_bytes(line.method);
                h.on_method(line.method);
                h.on_target(line.target);
                self.version = Version {
                    major: 1,
                    minor: line.minor,
                };
                h.on_version(self.version);
                self.state = State::FieldStart;
                Ok(line.next)
            }
            MessageKind::Response => {
                let Some(line) = line::status_line(s, data, pos, &self.config) else {
                    return Ok(pos);
                };
                self.begin_message(h, pos);
                self.version = Version {
                    major: 1,
                    minor: line.minor,
                };
                h.on_version(self.version);
                self.status = line.status;
                h.on_status(self.status);
                if !line.reason.is_empty() {
                    h.on_reason(line.reason);
                }
                self.state = State::FieldStart;
                Ok(line.next)
            }
        }
    }

    /// Parses whole field lines while they are in `data`, and the empty line
    /// that ends the section.
    #[inline(always)]
    fn fast_fields<'b, S: Scanner, H: Handler<'b>>(
        &mut self,
        s: S,
        h: &mut H,
        data: &'b [u8],
        pos: usize,
    ) -> Result<usize, Error> {
        // One loop per combination, so the common one tests neither flag per line.
        match (self.in_trailers, self.config.lenient_obs_fold) {
            (false, false) => self.fast_field_lines::<S, H, false, false>(s, h, data, pos),
            (true, false) => self.fast_field_lines::<S, H, true, false>(s, h, data, pos),
            (false, true) => self.fast_field_lines::<S, H, false, true>(s, h, data, pos),
            (true, true) => self.fast_field_lines::<S, H, true, true>(s, h, data, pos),
        }
    }

    #[inline(always)]
    fn fast_field_lines<'b, S: Scanner, H: Handler<'b>, const TRAILERS: bool, const FOLD: bool>(
        &mut self,
        s: S,
        h: &mut H,
        data: &'b [u8],
        mut pos: usize,
    ) -> Result<usize, Error> {
        if self.field_open {
            return Ok(pos);
        }
        // The head may not extend past the limit: the fast path does not
        // look beyond it (a line that would cross it goes to the slow path,
        // which reports the error).
        let head_limit =
            (self.head_start + self.config.max_head_size as u64).saturating_sub(self.offset);
        let head_limit = usize::try_from(head_limit)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let data = &data[..head_limit];
        let max_headers = self.config.max_headers;
        let mut count = self.header_count;
        let mut ends = LineEnds::new(s, data, pos);
        let result = loop {
            let cr = ends.next(s, data, pos);
            if data.get(cr..cr + 2) != Some(b"\r\n") {
                break Ok(pos);
            }
            if cr == pos {
                self.header_count = count;
                self.line_start = self.abs(pos);
                self.head_complete(h)?;
                return Ok(pos + 2);
            }
            if count >= max_headers {
                break Ok(pos);
            }
            let Some(line) = line::split_field(s, data, pos, cr) else {
                break Ok(pos);
            };
            if FOLD && data.get(line.next).is_none_or(|&b| is_ows(b)) {
                break Ok(pos);
            }
            let (name, value) = (line.name, line.value);
            if TRAILERS {
                h.on_trailer(name, value);
            } else {
                let request = self.kind == MessageKind::Request;
                semantics::note_whole_field(
                    s,
                    request,
                    data,
                    &line,
                    pos,
                    self.offset,
                    &mut self.facts,
                )?;
                h.on_header(name, value);
            }
            count += 1;
            pos = line.next;
            ends.pass_crlf();
        };
        self.header_count = count;
        result
    }

    // ---- slow path ----

    /// Advances the state machine over `data[pos..]` by at least one byte.
    #[inline(never)]
    fn slow_step<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        data: &'b [u8],
        pos: usize,
    ) -> Result<usize, Error> {
        let s = Scalar;
        // Bytes past a limit are never examined: the limit error comes first,
        // at the same offset however the input was split.
        let data = match self.state {
            State::Idle
            | State::BodyLength
            | State::BodyClose
            | State::ChunkData
            | State::ChunkDataEnd
            | State::Lf(LineEnd::ChunkData)
            | State::Lf(LineEnd::Empty)
            | State::Dead => data,
            State::ChunkSize | State::ChunkExt(_) | State::Lf(LineEnd::ChunkLine) => {
                let limit = self.line_start + self.config.max_chunk_line_len as u64;
                self.clamp(data, pos, limit, ErrorKind::ChunkLineTooLong)?
            }
            _ => {
                let limit = self.head_start + self.config.max_head_size as u64;
                self.clamp(data, pos, limit, ErrorKind::HeadTooLarge)?
            }
        };
        let b = data[pos];
        let lenient_lf = self.config.lenient_bare_lf;
        match self.state {
            State::Idle => match b {
                b'\r' => {
                    self.state = State::Lf(LineEnd::Empty);
                    Ok(pos + 1)
                }
                b'\n' if lenient_lf => Ok(pos + 1),
                b'\n' => Err(self.err(ErrorKind::BareLf, pos)),
                _ => {
                    self.begin_message(h, pos);
                    self.state = match self.kind {
                        MessageKind::Request => State::Method,
                        MessageKind::Response => State::RespVersion(0),
                    };
                    Ok(pos)
                }
            },
            State::Lf(end) => {
                if b != b'\n' {
                    return Err(Error::new(ErrorKind::BareCr, self.abs(pos) - 1));
                }
                self.line_ended(h, end, pos + 1)?;
                Ok(pos + 1)
            }
            State::Method => {
                let end = s.token_end(data, pos);
                if end > pos {
                    h.on_method(&data[pos..end]);
                    self.method_matcher
                        .feed(&data[pos..end], &METHOD_NAMES, false);
                }
                match data.get(end) {
                    None => Ok(end),
                    Some(b' ') if self.abs(end) > self.head_start => {
                        self.method = self
                            .method_matcher
                            .result(&METHOD_NAMES)
                            .map_or(Method::Other, |i| METHODS[i]);
                        self.state = State::Target;
                        self.target_start = self.abs(end + 1);
                        Ok(end + 1)
                    }
                    Some(b'\r' | b'\n') => Err(self.err(ErrorKind::InvalidRequestLine, end)),
                    Some(_) => Err(self.err(ErrorKind::InvalidMethod, end)),
                }
            }
            State::Target => {
                let end = s.target_end(data, pos);
                if self.abs(end) - self.target_start > self.config.max_target_len as u64 {
                    return Err(Error::new(
                        ErrorKind::TargetTooLong,
                        self.target_start + self.config.max_target_len as u64,
                    ));
                }
                if end > pos {
                    h.on_target(&data[pos..end]);
                }
                match data.get(end) {
                    None => Ok(end),
                    Some(b' ') if self.abs(end) > self.target_start => {
                        self.state = State::ReqVersion(0);
                        Ok(end + 1)
                    }
                    Some(b'\r' | b'\n') => Err(self.err(ErrorKind::InvalidRequestLine, end)),
                    Some(_) => Err(self.err(ErrorKind::InvalidTarget, end)),
                }
            }
            State::ReqVersion(n) | State::RespVersion(n) => self.version_byte(h, b, n, pos),
            State::StatusCode(n) => {
                if !b.is_ascii_digit() || (n == 0 && b == b'0') {
                    return Err(self.err(ErrorKind::InvalidStatusLine, pos));
                }
                self.status = self.status * 10 + u16::from(b - b'0');
                if n == 2 {
                    h.on_status(self.status);
                    self.state = State::AfterStatus;
                } else {
                    self.state = State::StatusCode(n + 1);
                }
                Ok(pos + 1)
            }
            State::AfterStatus => match b {
                b' ' => {
                    self.state = State::Reason;
                    Ok(pos + 1)
                }
                _ => {
                    self.line_end_byte(h, b, pos, LineEnd::StartLine, ErrorKind::InvalidStatusLine)
                }
            },
            State::Reason => {
                let end = s.value_end(data, pos);
                if end > pos {
                    h.on_reason(&data[pos..end]);
                }
                match data.get(end) {
                    None => Ok(end),
                    Some(&c) => {
                        self.line_end_byte(h, c, end, LineEnd::StartLine, ErrorKind::InvalidReason)
                    }
                }
            }
            State::FieldStart => self.field_start(h, b, pos),
            State::FieldName => {
                let end = s.token_end(data, pos);
                if end > pos {
                    let part = &data[pos..end];
                    self.name_matcher.feed(part, &semantics::FIELD_NAMES, true);
                    if self.in_trailers {
                        h.on_trailer_name(part);
                    } else {
                        h.on_header_name(part);
                    }
                }
                match data.get(end) {
                    None => Ok(end),
                    Some(b':') if self.abs(end) > self.line_start => {
                        let kind = if self.in_trailers {
                            FieldKind::Other
                        } else {
                            semantics::name_kind(&self.name_matcher)
                        };
                        self.value_parser = ValueParser::new(kind);
                        self.value_started = false;
                        self.ws_len = 0;
                        self.ws_overflow = false;
                        self.ws_unfed = 0;
                        self.state = State::FieldOws;
                        Ok(end + 1)
                    }
                    Some(b' ' | b'\t') if self.abs(end) > self.line_start => {
                        Err(self.err(ErrorKind::WhitespaceBeforeColon, end))
                    }
                    Some(_) => Err(self.err(ErrorKind::InvalidHeaderName, end)),
                }
            }
            State::FieldOws => {
                let mut end = pos;
                while end < data.len() && is_ows(data[end]) {
                    end += 1;
                }
                if end < data.len() {
                    self.state = State::FieldValue;
                }
                Ok(end)
            }
            State::FieldValue => {
                let end = s.value_end(data, pos);
                let seg = &data[pos..end];
                match data.get(end) {
                    None => {
                        self.value_segment(h, seg, pos, false)?;
                        Ok(end)
                    }
                    Some(b'\r') => {
                        self.value_segment(h, seg, pos, true)?;
                        self.state = State::Lf(LineEnd::Field);
                        Ok(end + 1)
                    }
                    Some(b'\n') if lenient_lf => {
                        self.value_segment(h, seg, pos, true)?;
                        self.line_ended(h, LineEnd::Field, end + 1)?;
                        Ok(end + 1)
                    }
                    // The bytes before the bad one are checked first (the
                    // field's own grammar may fail earlier), as they would
                    // be had they arrived in an earlier input.
                    Some(&c) => {
                        self.value_segment(h, seg, pos, false)?;
                        let kind = if c == b'\n' {
                            ErrorKind::BareLf
                        } else {
                            ErrorKind::InvalidHeaderValue
                        };
                        Err(self.err(kind, end))
                    }
                }
            }
            State::BodyLength | State::ChunkData => {
                let take =
                    (data.len() - pos).min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                h.on_body(&data[pos..pos + take]);
                self.remaining -= take as u64;
                if self.remaining == 0 {
                    if self.state == State::ChunkData {
                        self.state = State::ChunkDataEnd;
                    } else {
                        self.message_complete(h);
                    }
                }
                Ok(pos + take)
            }
            State::BodyClose => {
                h.on_body(&data[pos..]);
                Ok(data.len())
            }
            State::ChunkSize => self.chunk_size_byte(h, b, pos),
            State::ChunkExt(ext) => self.chunk_ext(h, data, pos, ext),
            State::ChunkDataEnd => {
                self.line_end_byte(h, b, pos, LineEnd::ChunkData, ErrorKind::InvalidChunkData)
            }
            State::Dead => Err(self
                .error
                .unwrap_or(self.err(ErrorKind::IncompleteMessage, pos))),
        }
    }

    /// Cuts `data` at stream offset `limit`; at the limit itself, fails.
    #[inline(always)]
    fn clamp<'b>(
        &self,
        data: &'b [u8],
        pos: usize,
        limit: u64,
        kind: ErrorKind,
    ) -> Result<&'b [u8], Error> {
        let end = usize::try_from(limit.saturating_sub(self.offset)).unwrap_or(usize::MAX);
        if pos >= end {
            return Err(Error::new(kind, limit));
        }
        Ok(&data[..data.len().min(end)])
    }

    /// Handles a byte that must end a line: CR (then LF), or LF if lenient.
    fn line_end_byte<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        b: u8,
        pos: usize,
        end: LineEnd,
        otherwise: ErrorKind,
    ) -> Result<usize, Error> {
        match b {
            b'\r' => {
                self.state = State::Lf(end);
                Ok(pos + 1)
            }
            b'\n' if self.config.lenient_bare_lf => {
                self.line_ended(h, end, pos + 1)?;
                Ok(pos + 1)
            }
            b'\n' => Err(self.err(ErrorKind::BareLf, pos)),
            _ => Err(self.err(otherwise, pos)),
        }
    }

    /// A line ended; `next` is the position after its LF.
    fn line_ended<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        end: LineEnd,
        next: usize,
    ) -> Result<(), Error> {
        match end {
            LineEnd::Empty => self.state = State::Idle,
            LineEnd::StartLine => self.state = State::FieldStart,
            LineEnd::Field => {
                self.state = State::FieldStart;
                if self.config.lenient_obs_fold {
                    // The next line may continue this value (RFC 9112 §5.2).
                    self.field_open = true;
                } else {
                    self.end_field(h)?;
                }
            }
            LineEnd::HeadEnd => self.head_complete(h)?,
            LineEnd::ChunkLine => {
                if self.chunk_digits == 0 {
                    return Err(Error::new(ErrorKind::InvalidChunkSize, self.line_start));
                }
                if self.remaining == 0 {
                    // The last chunk: a trailer section follows (§7.1.2).
                    self.in_trailers = true;
                    self.header_count = 0;
                    self.head_start = self.abs(next);
                    self.state = State::FieldStart;
                } else {
                    self.state = State::ChunkData;
                }
            }
            LineEnd::ChunkData => self.begin_chunk_line(self.abs(next)),
        }
        Ok(())
    }

    fn version_byte<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        b: u8,
        n: u8,
        pos: usize,
    ) -> Result<usize, Error> {
        let request = self.kind == MessageKind::Request;
        let ok = match n {
            0..=4 => b == b"HTTP/"[n as usize],
            5 | 7 => b.is_ascii_digit(),
            6 => b == b'.',
            _ => false,
        };
        if n == 8 {
            return if request {
                self.line_end_byte(h, b, pos, LineEnd::StartLine, ErrorKind::InvalidVersion)
            } else if b == b' ' {
                self.state = State::StatusCode(0);
                Ok(pos + 1)
            } else {
                Err(self.err(ErrorKind::InvalidStatusLine, pos))
            };
        }
        if !ok {
            return Err(self.err(ErrorKind::InvalidVersion, pos));
        }
        match n {
            5 if b != b'1' => return Err(self.err(ErrorKind::UnsupportedVersion, pos)),
            7 => {
                self.version = Version {
                    major: 1,
                    minor: b - b'0',
                };
                h.on_version(self.version);
            }
            _ => {}
        }
        self.state = if request {
            State::ReqVersion(n + 1)
        } else {
            State::RespVersion(n + 1)
        };
        Ok(pos + 1)
    }

    fn field_start<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        b: u8,
        pos: usize,
    ) -> Result<usize, Error> {
        if is_ows(b) {
            if self.field_open {
                // obs-fold, accepted: the fold becomes one SP, held like any
                // inner whitespace (and dropped if nothing follows it).
                self.field_open = false;
                if self.value_started {
                    self.ws_buf[0] = b' ';
                    self.ws_len = 1;
                    self.ws_overflow = false;
                }
                self.state = State::FieldOws;
                return Ok(pos + 1);
            }
            let kind = if self.header_count == 0 && !self.in_trailers {
                ErrorKind::WhitespaceAfterStartLine
            } else {
                ErrorKind::ObsFold
            };
            return Err(self.err(kind, pos));
        }
        if self.field_open {
            self.end_field(h)?;
        }
        self.line_start = self.abs(pos);
        match b {
            b'\r' => {
                self.state = State::Lf(LineEnd::HeadEnd);
                Ok(pos + 1)
            }
            b'\n' if self.config.lenient_bare_lf => {
                self.line_ended(h, LineEnd::HeadEnd, pos + 1)?;
                Ok(pos + 1)
            }
            b'\n' => Err(self.err(ErrorKind::BareLf, pos)),
            _ => {
                if self.header_count >= self.config.max_headers {
                    return Err(self.err(ErrorKind::TooManyHeaders, pos));
                }
                self.name_matcher = semantics::name_matcher();
                self.state = State::FieldName;
                Ok(pos)
            }
        }
    }

    fn end_field<'b, H: Handler<'b>>(&mut self, h: &mut H) -> Result<(), Error> {
        self.field_open = false;
        self.value_parser.finish(self.line_start, &mut self.facts)?;
        self.check_conflicts()?;
        if self.in_trailers {
            h.on_trailer_end();
        } else {
            h.on_header_end();
        }
        self.header_count += 1;
        Ok(())
    }

    /// Delivers value bytes `seg` (which start at `pos`), holding back a
    /// whitespace run at its end until it is known whether the value goes on.
    ///
    /// Trailing whitespace is not part of a field value (RFC 9112 §5.1), but
    /// when the input stops inside a whitespace run the parser cannot tell
    /// yet. It keeps up to [`MAX_TRAILING_WS`] such bytes (as a pattern of SP
    /// and HTAB, replayed from static memory). A longer run is passed on as
    /// value bytes, and if it then turns out to be trailing the message is
    /// rejected with `TrailingWhitespaceTooLong`; the fast path applies the
    /// same rule, so the outcome does not depend on how the input was split.
    fn value_segment<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        seg: &'b [u8],
        pos: usize,
        ends_line: bool,
    ) -> Result<(), Error> {
        let run_from = seg.iter().rposition(|&b| !is_ows(b)).map_or(0, |k| k + 1);
        if run_from > 0 {
            // The whitespace before this byte was inner, not trailing.
            if self.ws_overflow {
                self.feed_unfed_ws()?;
            } else {
                self.flush_ws(h, pos)?;
            }
            self.ws_overflow = false;
            self.value_started = true;
            self.emit_value(h, &seg[..run_from], self.abs(pos))?;
        }
        let run = &seg[run_from..];
        let run_at = pos + run_from;
        if ends_line {
            if self.ws_overflow || self.ws_len + run.len() > MAX_TRAILING_WS {
                return Err(self.err(ErrorKind::TrailingWhitespaceTooLong, pos + seg.len()));
            }
            self.ws_len = 0;
        } else if !self.value_started || run.is_empty() {
            // Leading whitespace is skipped, not held.
        } else if self.ws_overflow {
            self.deliver_value(h, run);
            self.ws_unfed += run.len() as u64;
        } else if self.ws_len + run.len() <= MAX_TRAILING_WS {
            self.ws_buf[self.ws_len..self.ws_len + run.len()].copy_from_slice(run);
            self.ws_len += run.len();
        } else {
            // Too long to hold: hand the run to the handler now, but keep it
            // from the field's own grammar until it is known to be inner
            // whitespace (if it is trailing, the error is
            // TrailingWhitespaceTooLong, as in the fast path).
            self.ws_unfed_at = self.abs(run_at) - self.ws_len as u64;
            self.ws_unfed = (self.ws_len + run.len()) as u64;
            self.deliver_held_ws(h);
            self.deliver_value(h, run);
            self.ws_overflow = true;
        }
        Ok(())
    }

    /// The held whitespace from index `i` on: its next run of equal bytes,
    /// as a static piece (it is SP and HTAB only).
    fn held_ws_run(&self, i: usize) -> &'static [u8] {
        let held = &self.ws_buf[..self.ws_len];
        let Some(&b) = held.get(i) else { return &[] };
        let n = held[i..].iter().take_while(|&&c| c == b).count();
        if b == b'\t' { &TABS[..n] } else { &SPACES[..n] }
    }

    /// Delivers and checks the held whitespace, which ended just before `pos`.
    fn flush_ws<'b, H: Handler<'b>>(&mut self, h: &mut H, pos: usize) -> Result<(), Error> {
        let mut at = self.abs(pos).saturating_sub(self.ws_len as u64);
        let mut i = 0;
        while i < self.ws_len {
            let run = self.held_ws_run(i);
            self.emit_value(h, run, at)?;
            at += run.len() as u64;
            i += run.len();
        }
        self.ws_len = 0;
        Ok(())
    }

    /// Hands the held whitespace to the handler only (see `value_segment`).
    fn deliver_held_ws<'b, H: Handler<'b>>(&mut self, h: &mut H) {
        let mut i = 0;
        while i < self.ws_len {
            let run = self.held_ws_run(i);
            self.deliver_value(h, run);
            i += run.len();
        }
        self.ws_len = 0;
    }

    /// Checks whitespace already handed to the handler against the field's
    /// grammar. Every value grammar treats SP and HTAB alike, so SPs stand in.
    fn feed_unfed_ws(&mut self) -> Result<(), Error> {
        while self.ws_unfed > 0 {
            let n = self.ws_unfed.min(MAX_TRAILING_WS as u64) as usize;
            self.value_parser
                .feed(&SPACES[..n], self.ws_unfed_at, &mut self.facts)?;
            self.ws_unfed_at += n as u64;
            self.ws_unfed -= n as u64;
        }
        Ok(())
    }

    fn emit_value<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        part: &'b [u8],
        at: u64,
    ) -> Result<(), Error> {
        self.value_parser.feed(part, at, &mut self.facts)?;
        self.deliver_value(h, part);
        Ok(())
    }

    fn deliver_value<'b, H: Handler<'b>>(&mut self, h: &mut H, part: &'b [u8]) {
        if self.in_trailers {
            h.on_trailer_value(part);
        } else {
            h.on_header_value(part);
        }
    }

    fn chunk_size_byte<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        b: u8,
        pos: usize,
    ) -> Result<usize, Error> {
        if let Some(d) = (b as char).to_digit(16) {
            if self.remaining > u64::MAX >> 4 {
                return Err(self.err(ErrorKind::ChunkSizeOverflow, pos));
            }
            self.remaining = self.remaining << 4 | u64::from(d);
            self.chunk_digits += 1;
            return Ok(pos + 1);
        }
        if self.chunk_digits == 0 {
            return Err(self.err(ErrorKind::InvalidChunkSize, pos));
        }
        h.on_chunk_header(self.remaining);
        match b {
            b';' | b' ' | b'\t' => {
                self.state = State::ChunkExt(Ext::Start);
                Ok(pos)
            }
            _ => self.line_end_byte(h, b, pos, LineEnd::ChunkLine, ErrorKind::InvalidChunkSize),
        }
    }

    /// Validates chunk extensions (RFC 9112 §7.1.1) and passes them on raw.
    fn chunk_ext<'b, H: Handler<'b>>(
        &mut self,
        h: &mut H,
        data: &'b [u8],
        pos: usize,
        mut ext: Ext,
    ) -> Result<usize, Error> {
        let mut i = pos;
        let outcome = loop {
            let Some(&b) = data.get(i) else { break None };
            let tchar = TCHAR[b as usize];
            ext = match ext {
                Ext::Start | Ext::Between | Ext::NameStart | Ext::AfterName | Ext::ValueStart
                    if is_ows(b) =>
                {
                    ext
                }
                Ext::Name | Ext::Token if is_ows(b) => {
                    if ext == Ext::Name {
                        Ext::AfterName
                    } else {
                        Ext::Between
                    }
                }
                Ext::Start | Ext::Between | Ext::Name | Ext::AfterName | Ext::Token
                    if b == b';' =>
                {
                    Ext::NameStart
                }
                Ext::NameStart | Ext::Name if tchar => Ext::Name,
                Ext::Name | Ext::AfterName if b == b'=' => Ext::ValueStart,
                Ext::ValueStart if b == b'"' => Ext::Quoted,
                Ext::ValueStart | Ext::Token if tchar => Ext::Token,
                Ext::Quoted if b == b'"' => Ext::Between,
                Ext::Quoted if b == b'\\' => Ext::Escape,
                Ext::Quoted | Ext::Escape if VALUE[b as usize] => Ext::Quoted,
                Ext::Between | Ext::Name | Ext::AfterName | Ext::Token
                    if b == b'\r' || b == b'\n' =>
                {
                    break Some(b);
                }
                _ => return Err(self.err(ErrorKind::InvalidChunkExtension, i)),
            };
            i += 1;
        };
        if i > pos {
            h.on_chunk_extension(&data[pos..i]);
        }
        match outcome {
            None => {
                self.state = State::ChunkExt(ext);
                Ok(i)
            }
            Some(b) => self.line_end_byte(
                h,
                b,
                i,
                LineEnd::ChunkLine,
                ErrorKind::InvalidChunkExtension,
            ),
        }
    }
}

/// Runs the engine under the scanner chosen by [`Level::dispatch`].
struct Exec<'p, 'h, 'b, H> {
    parser: &'p mut Parser,
    handler: &'h mut H,
    data: &'b [u8],
}

impl<'b, H: Handler<'b>> ScanTask for Exec<'_, '_, 'b, H> {
    type Output = Result<Progress, Error>;
    #[inline(always)]
    fn run<S: Scanner>(self, s: S) -> Self::Output {
        self.parser.run(s, self.handler, self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h1::record::Recorder;
    use proptest::prelude::*;

    /// Parses with a given scanner level; returns the messages seen and the error.
    fn parse_at(
        level: Level,
        kind: MessageKind,
        input: &[u8],
    ) -> (Vec<crate::h1::OwnedMessage>, Option<Error>) {
        let mut p = Parser::with_level(kind, Config::default(), level);
        let mut rec = Recorder::new();
        let r = p.execute(&mut rec, input).err();
        (rec.messages, r)
    }

    proptest! {
        #[test]
        fn simd_and_scalar_parsers_agree(
            fields in proptest::collection::vec(
                ("[A-Za-z-]{1,40}", "[ \t]{0,2}", "[ -~\t\r\n\u{0}]{0,90}"), 0..6),
        ) {
            let mut input = b"GET /x HTTP/1.1\r\nHost: a\r\n".to_vec();
            for (n, ws, v) in &fields {
                input.extend_from_slice(format!("{n}:{ws}{v}\r\n").as_bytes());
            }
            input.extend_from_slice(b"\r\n");
            let scalar = parse_at(Level::Scalar, MessageKind::Request, &input);
            for level in Level::all_available() {
                prop_assert_eq!(&parse_at(level, MessageKind::Request, &input), &scalar, "{:?}", level);
            }
        }
    }
}
