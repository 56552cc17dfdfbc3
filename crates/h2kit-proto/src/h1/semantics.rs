//! The fields the parser itself must understand (framing, persistence,
//! upgrade, Host, Expect), recognised by name and read by streaming value
//! parsers, so a value that arrives in pieces needs no buffer.
//!
//! Both the fast path (whole value in one slice) and the slow path (pieces)
//! feed the same [`ValueParser`], so the two cannot disagree.

use super::error::{Error, ErrorKind};
use super::line::FieldLine;
use super::scan::{HOST, Scanner, TCHAR};

/// A field the parser acts on; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Other,
    ContentLength,
    TransferEncoding,
    Connection,
    Upgrade,
    Host,
    Expect,
    Http2Settings,
}

/// Known field names, lower case, indexed like [`FIELD_KINDS`].
pub(crate) const FIELD_NAMES: [&[u8]; 7] = [
    b"content-length",
    b"transfer-encoding",
    b"connection",
    b"upgrade",
    b"host",
    b"expect",
    b"http2-settings",
];
const FIELD_KINDS: [FieldKind; 7] = [
    FieldKind::ContentLength,
    FieldKind::TransferEncoding,
    FieldKind::Connection,
    FieldKind::Upgrade,
    FieldKind::Host,
    FieldKind::Expect,
    FieldKind::Http2Settings,
];

/// ASCII case-insensitive equality with a lower-case pattern.
#[inline(always)]
pub(crate) fn eq_lower(input: &[u8], lower: &[u8]) -> bool {
    input.len() == lower.len()
        && input
            .iter()
            .zip(lower)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

#[inline(always)]
fn load8(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
        .map_or(0, u64::from_le_bytes)
}

#[inline(always)]
fn load4(s: &[u8], at: usize) -> u32 {
    s.get(at..at + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, u32::from_le_bytes)
}

/// [`eq_lower`] for tokens of 4 to 16 bytes, a word at a time: OR-ing 0x20
/// lower-cases letters and leaves the pattern's bytes (`a-z`, `0-9`, `-`)
/// unchanged, and no other tchar can become one of them.
#[inline(always)]
fn token_eq_lower(token: &[u8], lower: &[u8]) -> bool {
    let n = lower.len();
    if token.len() != n {
        return false;
    }
    if n >= 8 {
        (load8(token, 0) | 0x2020_2020_2020_2020) == load8(lower, 0)
            && (load8(token, n - 8) | 0x2020_2020_2020_2020) == load8(lower, n - 8)
            && (n <= 16 || eq_lower(&token[8..n - 8], &lower[8..n - 8]))
    } else if n >= 4 {
        (load4(token, 0) | 0x2020_2020) == load4(lower, 0)
            && (load4(token, n - 4) | 0x2020_2020) == load4(lower, n - 4)
    } else {
        eq_lower(token, lower)
    }
}

/// [`token_eq_lower`] for field values: the same argument holds, because
/// the bytes that OR-ing 0x20 could turn into `a-z0-9-` are upper-case
/// letters or control bytes, and a parsed value has no control bytes.
#[inline(always)]
fn value_eq_lower(value: &[u8], lower: &[u8]) -> bool {
    token_eq_lower(value, lower)
}

/// Classifies a whole field name (the fast path). The length and the
/// first letter pick at most one candidate, so a common name that is not
/// one of these (Accept, Cookie, User-Agent, ...) costs no comparison.
#[inline(always)]
pub(crate) fn classify(name: &[u8]) -> FieldKind {
    let Some(&first) = name.first() else {
        return FieldKind::Other;
    };
    let idx = match (name.len(), first | 0x20) {
        (14, b'c') => 0,
        (17, b't') => 1,
        (10, b'c') => 2,
        (7, b'u') => 3,
        (4, b'h') => 4,
        (6, b'e') => 5,
        (14, b'h') => 6,
        _ => return FieldKind::Other,
    };
    if token_eq_lower(name, FIELD_NAMES[idx]) {
        FIELD_KINDS[idx]
    } else {
        FieldKind::Other
    }
}

/// Records what one whole field line of a head tells the parser: the rule
/// both whole-line paths (the engine's fast path and the borrowed API's
/// one-pass path) apply, so they cannot differ. `line` starts at
/// `data[line_pos]`, and `base` is the stream offset of `data[0]`.
#[inline(always)]
pub(crate) fn note_whole_field<S: Scanner>(
    s: S,
    request: bool,
    data: &[u8],
    line: &FieldLine<'_>,
    line_pos: usize,
    base: u64,
    facts: &mut Facts,
) -> Result<(), Error> {
    let value_end = line.value_at + line.value.len();
    match classify(line.name) {
        FieldKind::Other => Ok(()),
        // The common case of a valid Host, checked by the scanner (the bytes
        // before the value let it use a full-width load).
        FieldKind::Host if s.host_end(&data[..value_end], line.value_at) == value_end => {
            facts.host_count += 1;
            Ok(())
        }
        kind => {
            let line_at = base + line_pos as u64;
            let value_at = base + line.value_at as u64;
            ValueParser::new(kind).whole(line.value, value_at, line_at, facts)?;
            check_conflicts(request, facts, line_at)
        }
    }
}

/// RFC 9112 §6.3 rule 3 and §11.2: Content-Length and Transfer-Encoding in
/// one request is an error, reported at `line`, the field line that made it so.
#[inline(always)]
pub(crate) fn check_conflicts(request: bool, facts: &Facts, line: u64) -> Result<(), Error> {
    if request && facts.transfer_encoding && facts.content_length.is_some() {
        return Err(Error::new(
            ErrorKind::ContentLengthAndTransferEncoding,
            line,
        ));
    }
    Ok(())
}

/// Matches input that arrives in pieces against a few candidates, without
/// storing the input: it keeps the length seen and which candidates still
/// match (one bit each).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Matcher {
    len: usize,
    alive: u32,
}

impl Matcher {
    pub(crate) fn new(candidates: &[&[u8]]) -> Self {
        Matcher {
            len: 0,
            alive: (1u32 << candidates.len()) - 1,
        }
    }

    /// Feeds more input; `fold_case` compares ASCII case-insensitively
    /// (candidates must then be lower case).
    pub(crate) fn feed(&mut self, part: &[u8], candidates: &[&[u8]], fold_case: bool) {
        if self.alive != 0 {
            for (k, &b) in part.iter().enumerate() {
                let b = if fold_case { b.to_ascii_lowercase() } else { b };
                let at = self.len + k;
                for (i, c) in candidates.iter().enumerate() {
                    if self.alive & (1 << i) != 0 && c.get(at) != Some(&b) {
                        self.alive &= !(1 << i);
                    }
                }
                if self.alive == 0 {
                    break;
                }
            }
        }
        self.len += part.len();
    }

    /// The candidate equal to all input fed, if any.
    pub(crate) fn result(&self, candidates: &[&[u8]]) -> Option<usize> {
        (0..candidates.len())
            .find(|&i| self.alive & (1 << i) != 0 && candidates[i].len() == self.len)
    }
}

/// Recognises a field name fed in pieces (the slow path's [`classify`]).
pub(crate) fn name_matcher() -> Matcher {
    Matcher::new(&FIELD_NAMES)
}

/// The kind of the name fed to `m`.
pub(crate) fn name_kind(m: &Matcher) -> FieldKind {
    m.result(&FIELD_NAMES)
        .map_or(FieldKind::Other, |i| FIELD_KINDS[i])
}

/// What the parser learned from one message's fields.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Facts {
    pub content_length: Option<u64>,
    pub transfer_encoding: bool,
    /// The last coding seen so far is chunked.
    pub chunked_last: bool,
    /// chunked appeared somewhere other than last, or twice.
    pub chunked_misplaced: bool,
    /// A coding other than chunked that this parser knows (gzip, ...).
    pub other_coding: bool,
    /// A coding nobody registered.
    pub unknown_coding: bool,
    pub conn_close: bool,
    pub conn_keep_alive: bool,
    pub conn_upgrade: bool,
    pub upgrade_field: bool,
    pub upgrade_h2c: bool,
    pub upgrade_websocket: bool,
    pub host_count: u32,
    pub http2_settings_count: u32,
    pub expect_continue: bool,
}

const CODINGS: [&[u8]; 6] = [
    b"chunked",
    b"gzip",
    b"deflate",
    b"compress",
    b"x-gzip",
    b"x-compress",
];
const CONNECTION_OPTIONS: [&[u8]; 3] = [b"close", b"keep-alive", b"upgrade"];
const PROTOCOLS: [&[u8]; 2] = [b"h2c", b"websocket"];
const EXPECTATIONS: [&[u8]; 1] = [b"100-continue"];

/// Records one list element: `known` is its index among the list's
/// candidates, if it is one of them.
#[inline]
fn record_element(kind: ListKind, known: Option<usize>, facts: &mut Facts) {
    match kind {
        ListKind::Codings => {
            facts.transfer_encoding = true;
            if facts.chunked_last {
                // Another coding after chunked: chunked is not last.
                facts.chunked_misplaced = true;
            }
            facts.chunked_last = known == Some(0);
            match known {
                Some(0) => {}
                Some(_) => facts.other_coding = true,
                None => facts.unknown_coding = true,
            }
        }
        ListKind::Options => match known {
            Some(0) => facts.conn_close = true,
            Some(1) => facts.conn_keep_alive = true,
            Some(2) => facts.conn_upgrade = true,
            _ => {}
        },
        ListKind::Protocols => {
            facts.upgrade_field = true;
            match known {
                Some(0) => facts.upgrade_h2c = true,
                Some(1) => facts.upgrade_websocket = true,
                _ => {}
            }
        }
    }
}

/// Which list a [`ListParser`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListKind {
    /// `Transfer-Encoding`: codings with parameters.
    Codings,
    /// `Connection`: tokens.
    Options,
    /// `Upgrade`: `protocol-name ["/" protocol-version]`.
    Protocols,
}

impl ListKind {
    fn candidates(self) -> &'static [&'static [u8]] {
        match self {
            ListKind::Codings => &CODINGS,
            ListKind::Options => &CONNECTION_OPTIONS,
            ListKind::Protocols => &PROTOCOLS,
        }
    }
    fn error(self) -> ErrorKind {
        match self {
            ListKind::Codings => ErrorKind::InvalidTransferEncoding,
            ListKind::Options => ErrorKind::InvalidConnection,
            ListKind::Protocols => ErrorKind::InvalidHeaderValue,
        }
    }
}

/// Where a [`ListParser`] is inside `#element` (RFC 9110 §5.6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListPhase {
    /// Before an element: OWS and empty elements are skipped.
    Start,
    Token,
    AfterToken,
    ParamStart,
    ParamName,
    ParamBeforeEq,
    ParamValueStart,
    ParamToken,
    Quoted,
    QuotedEscape,
}

/// Streams a comma-separated list of tokens and acts on the known ones.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListParser {
    kind: ListKind,
    phase: ListPhase,
    matcher: Matcher,
    elements: u32,
}

/// Streams a Content-Length value: `1*DIGIT *(OWS "," OWS 1*DIGIT)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LengthParser {
    value: u64,
    in_digits: bool,
    after_digits: bool,
    numbers: u32,
}

/// The value parser for one field line.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ValueParser {
    Ignore,
    Length(LengthParser),
    List(ListParser),
    Expect(Matcher),
    Host,
    Http2Settings,
}

const fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl ValueParser {
    /// The parser for a field of `kind`.
    #[inline(always)]
    pub(crate) fn new(kind: FieldKind) -> Self {
        let list = |kind: ListKind| {
            ValueParser::List(ListParser {
                kind,
                phase: ListPhase::Start,
                matcher: Matcher::new(kind.candidates()),
                elements: 0,
            })
        };
        match kind {
            FieldKind::Other => ValueParser::Ignore,
            FieldKind::ContentLength => ValueParser::Length(LengthParser {
                value: 0,
                in_digits: false,
                after_digits: false,
                numbers: 0,
            }),
            FieldKind::TransferEncoding => list(ListKind::Codings),
            FieldKind::Connection => list(ListKind::Options),
            FieldKind::Upgrade => list(ListKind::Protocols),
            FieldKind::Host => ValueParser::Host,
            FieldKind::Expect => ValueParser::Expect(Matcher::new(&EXPECTATIONS)),
            FieldKind::Http2Settings => ValueParser::Http2Settings,
        }
    }

    /// Parses a whole value. The commonest values (`Connection: keep-alive`
    /// or `close`, `Transfer-Encoding: chunked`) are recognised by one
    /// comparison and recorded exactly as the list grammar would.
    #[inline(always)]
    pub(crate) fn whole(
        &mut self,
        value: &[u8],
        at: u64,
        line: u64,
        facts: &mut Facts,
    ) -> Result<(), Error> {
        if let ValueParser::List(p) = self {
            let known = match p.kind {
                ListKind::Options if value_eq_lower(value, CONNECTION_OPTIONS[1]) => Some(1),
                ListKind::Options if value_eq_lower(value, CONNECTION_OPTIONS[0]) => Some(0),
                ListKind::Codings if value_eq_lower(value, CODINGS[0]) => Some(0),
                _ => None,
            };
            if known.is_some() {
                record_element(p.kind, known, facts);
                return Ok(());
            }
        }
        self.feed(value, at, facts)?;
        self.finish(line, facts)
    }

    /// Feeds the next piece of the value; `at` is the stream offset of
    /// `part[0]`.
    #[inline]
    pub(crate) fn feed(&mut self, part: &[u8], at: u64, facts: &mut Facts) -> Result<(), Error> {
        match self {
            ValueParser::Ignore | ValueParser::Http2Settings => Ok(()),
            ValueParser::Length(p) => p.feed(part, at, facts),
            ValueParser::List(p) => p.feed(part, at, facts),
            ValueParser::Expect(m) => {
                m.feed(part, &EXPECTATIONS, true);
                Ok(())
            }
            ValueParser::Host => match part.iter().position(|&b| !HOST[b as usize]) {
                Some(i) => Err(Error::new(ErrorKind::InvalidHost, at + i as u64)),
                None => Ok(()),
            },
        }
    }

    /// Ends the value; `at` is the offset of the line end, `line` of the
    /// field line's start.
    #[inline]
    pub(crate) fn finish(&mut self, at: u64, facts: &mut Facts) -> Result<(), Error> {
        match self {
            ValueParser::Ignore => Ok(()),
            ValueParser::Length(p) => p.finish(at, facts),
            ValueParser::List(p) => p.finish(at, facts),
            ValueParser::Expect(m) => {
                if m.result(&EXPECTATIONS).is_some() {
                    facts.expect_continue = true;
                }
                Ok(())
            }
            ValueParser::Host => {
                facts.host_count += 1;
                Ok(())
            }
            ValueParser::Http2Settings => {
                facts.http2_settings_count += 1;
                Ok(())
            }
        }
    }
}

impl LengthParser {
    fn end_number(&mut self, at: u64, facts: &mut Facts) -> Result<(), Error> {
        self.in_digits = false;
        self.numbers += 1;
        match facts.content_length {
            Some(v) if v != self.value => Err(Error::new(ErrorKind::ConflictingContentLength, at)),
            _ => {
                facts.content_length = Some(self.value);
                Ok(())
            }
        }
    }

    fn feed(&mut self, part: &[u8], at: u64, facts: &mut Facts) -> Result<(), Error> {
        for (i, &b) in part.iter().enumerate() {
            let here = at + i as u64;
            if b.is_ascii_digit() {
                if self.after_digits {
                    return Err(Error::new(ErrorKind::InvalidContentLength, here));
                }
                if !self.in_digits {
                    self.in_digits = true;
                    self.value = 0;
                }
                self.value = self
                    .value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(b - b'0')))
                    .ok_or(Error::new(ErrorKind::ContentLengthOverflow, here))?;
            } else if is_ows(b) {
                if self.in_digits {
                    self.end_number(here, facts)?;
                    self.after_digits = true;
                }
            } else if b == b',' {
                if self.in_digits {
                    self.end_number(here, facts)?;
                }
                self.after_digits = false;
            } else {
                return Err(Error::new(ErrorKind::InvalidContentLength, here));
            }
        }
        Ok(())
    }

    fn finish(&mut self, at: u64, facts: &mut Facts) -> Result<(), Error> {
        if self.in_digits {
            self.end_number(at, facts)?;
        }
        if self.numbers == 0 {
            return Err(Error::new(ErrorKind::InvalidContentLength, at));
        }
        Ok(())
    }
}

impl ListParser {
    fn end_token(&mut self, facts: &mut Facts) {
        let known = self.matcher.result(self.kind.candidates());
        self.elements += 1;
        record_element(self.kind, known, facts);
    }

    fn feed(&mut self, part: &[u8], at: u64, facts: &mut Facts) -> Result<(), Error> {
        use ListPhase::*;
        let params = self.kind == ListKind::Codings;
        let mut token_start = None;
        for (i, &b) in part.iter().enumerate() {
            let tchar = TCHAR[b as usize];
            let next = match self.phase {
                Start if is_ows(b) || b == b',' => Start,
                Start | Token if tchar || (b == b'/' && self.kind == ListKind::Protocols) => {
                    if self.phase == Start {
                        self.matcher = Matcher::new(self.kind.candidates());
                    }
                    token_start.get_or_insert(i);
                    Token
                }
                Token | AfterToken if is_ows(b) || b == b',' || (b == b';' && params) => {
                    if self.phase == Token {
                        let from = token_start.take().unwrap_or(0);
                        self.matcher
                            .feed(&part[from..i], self.kind.candidates(), true);
                        self.end_token(facts);
                    }
                    match b {
                        b',' => Start,
                        b';' => ParamStart,
                        _ => AfterToken,
                    }
                }
                ParamStart if is_ows(b) => ParamStart,
                ParamStart | ParamName if tchar => ParamName,
                ParamName | ParamBeforeEq if is_ows(b) => ParamBeforeEq,
                ParamName | ParamBeforeEq if b == b'=' => ParamValueStart,
                ParamValueStart if is_ows(b) => ParamValueStart,
                ParamValueStart if b == b'"' => Quoted,
                ParamValueStart | ParamToken if tchar => ParamToken,
                ParamToken if is_ows(b) => AfterToken,
                ParamToken if b == b',' => Start,
                ParamToken if b == b';' => ParamStart,
                Quoted if b == b'"' => AfterToken,
                Quoted if b == b'\\' => QuotedEscape,
                Quoted if super::scan::VALUE[b as usize] => Quoted,
                QuotedEscape if super::scan::VALUE[b as usize] => Quoted,
                _ => return Err(Error::new(self.kind.error(), at + i as u64)),
            };
            self.phase = next;
        }
        if let Some(from) = token_start {
            // The token continues into the next piece.
            self.matcher
                .feed(&part[from..], self.kind.candidates(), true);
        }
        Ok(())
    }

    fn finish(&mut self, at: u64, facts: &mut Facts) -> Result<(), Error> {
        match self.phase {
            ListPhase::Token => self.end_token(facts),
            ListPhase::Start | ListPhase::AfterToken | ListPhase::ParamToken => {}
            _ => return Err(Error::new(self.kind.error(), at)),
        }
        match self.kind {
            ListKind::Codings if self.elements == 0 => {
                Err(Error::new(ErrorKind::InvalidTransferEncoding, at))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_whole(kind: FieldKind, value: &[u8]) -> Result<Facts, Error> {
        let mut facts = Facts::default();
        let mut p = ValueParser::new(kind);
        p.feed(value, 0, &mut facts)?;
        p.finish(value.len() as u64, &mut facts)?;
        Ok(facts)
    }

    fn parse_split(kind: FieldKind, value: &[u8], cuts: &[usize]) -> Result<Facts, Error> {
        let mut facts = Facts::default();
        let mut p = ValueParser::new(kind);
        let mut from = 0;
        for &c in cuts.iter().chain([value.len()].iter()) {
            let c = c.clamp(from, value.len());
            p.feed(&value[from..c], from as u64, &mut facts)?;
            from = c;
        }
        p.finish(value.len() as u64, &mut facts)?;
        Ok(facts)
    }

    #[test]
    fn classify_knows_the_framing_fields_in_any_case() {
        assert_eq!(classify(b"Content-Length"), FieldKind::ContentLength);
        assert_eq!(classify(b"TRANSFER-ENCODING"), FieldKind::TransferEncoding);
        assert_eq!(classify(b"http2-Settings"), FieldKind::Http2Settings);
        assert_eq!(classify(b"Host"), FieldKind::Host);
        assert_eq!(classify(b"Hostx"), FieldKind::Other);
        assert_eq!(classify(b"Accept"), FieldKind::Other);
    }

    #[test]
    fn rfc9112_6_3_identical_content_length_list_is_one_value() {
        let f = parse_whole(FieldKind::ContentLength, b"42, 42,42").unwrap();
        assert_eq!(f.content_length, Some(42));
    }

    #[test]
    fn rfc9112_6_3_differing_content_length_in_one_list_is_rejected() {
        let e = parse_whole(FieldKind::ContentLength, b"42, 43").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConflictingContentLength);
    }

    #[test]
    fn rfc9112_6_3_content_length_overflow_is_rejected() {
        let e = parse_whole(FieldKind::ContentLength, b"18446744073709551616").unwrap_err();
        assert_eq!(
            (e.kind(), e.offset()),
            (ErrorKind::ContentLengthOverflow, 19)
        );
        assert!(parse_whole(FieldKind::ContentLength, b"18446744073709551615").is_ok());
    }

    #[test]
    fn rfc9112_6_3_content_length_must_be_digits() {
        for bad in [&b"-1"[..], b"1 2", b"0x10", b"", b" ,", b"+5"] {
            assert!(
                parse_whole(FieldKind::ContentLength, bad).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rfc9112_6_1_transfer_codings_are_tracked_in_order() {
        let f = parse_whole(FieldKind::TransferEncoding, b"gzip;q=\"a\\\"b\" , Chunked").unwrap();
        assert!(f.chunked_last && f.other_coding && !f.chunked_misplaced && !f.unknown_coding);
        let f = parse_whole(FieldKind::TransferEncoding, b"chunked, gzip").unwrap();
        assert!(!f.chunked_last && f.chunked_misplaced);
        let f = parse_whole(FieldKind::TransferEncoding, b"chunky").unwrap();
        assert!(f.unknown_coding && !f.chunked_last);
        assert!(parse_whole(FieldKind::TransferEncoding, b"chunked;").is_err());
        assert!(parse_whole(FieldKind::TransferEncoding, b"").is_err());
        assert!(parse_whole(FieldKind::TransferEncoding, b"chunked\"").is_err());
    }

    #[test]
    fn rfc9110_7_6_1_connection_options_are_recognised() {
        let f = parse_whole(
            FieldKind::Connection,
            b"Keep-Alive, Upgrade,,HTTP2-Settings",
        )
        .unwrap();
        assert!(f.conn_keep_alive && f.conn_upgrade && !f.conn_close);
        assert!(parse_whole(FieldKind::Connection, b"close;x").is_err());
    }

    #[test]
    fn rfc9110_7_8_upgrade_protocols_are_recognised() {
        let f = parse_whole(FieldKind::Upgrade, b"h2c, WebSocket, foo/1.1").unwrap();
        assert!(f.upgrade_field && f.upgrade_h2c && f.upgrade_websocket);
        let f = parse_whole(FieldKind::Upgrade, b"h2c/1").unwrap();
        assert!(f.upgrade_field && !f.upgrade_h2c);
    }

    #[test]
    fn rfc9110_10_1_1_expect_100_continue_is_case_insensitive() {
        assert!(
            parse_whole(FieldKind::Expect, b"100-Continue")
                .unwrap()
                .expect_continue
        );
        assert!(
            !parse_whole(FieldKind::Expect, b"100-continued")
                .unwrap()
                .expect_continue
        );
    }

    proptest! {
        #[test]
        fn name_matcher_agrees_with_classify(
            name in prop_oneof![
                proptest::sample::select(FIELD_NAMES.to_vec()).prop_map(|n| n.to_vec()),
                "[a-zA-Z0-9-]{0,20}".prop_map(|s| s.into_bytes()),
            ],
            upper in any::<bool>(),
            cut in 0usize..20,
        ) {
            let name: Vec<u8> = if upper { name.to_ascii_uppercase() } else { name };
            let cut = cut.min(name.len());
            let mut m = name_matcher();
            m.feed(&name[..cut], &FIELD_NAMES, true);
            m.feed(&name[cut..], &FIELD_NAMES, true);
            prop_assert_eq!(name_kind(&m), classify(&name));
        }

        #[test]
        fn value_parsers_give_the_same_answer_for_any_split(
            kind in proptest::sample::select(vec![
                FieldKind::ContentLength, FieldKind::TransferEncoding, FieldKind::Connection,
                FieldKind::Upgrade, FieldKind::Expect, FieldKind::Host]),
            value in "[a-zA-Z0-9 ,;=\"\\\\/.:-]{0,30}",
            cuts in proptest::collection::vec(0usize..30, 0..4),
        ) {
            let mut cuts = cuts;
            cuts.sort();
            let whole = parse_whole(kind, value.as_bytes());
            let split = parse_split(kind, value.as_bytes(), &cuts);
            prop_assert_eq!(format!("{whole:?}"), format!("{split:?}"));
        }
    }
}
