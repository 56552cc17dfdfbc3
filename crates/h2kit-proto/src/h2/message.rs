//! HTTP message rules for HTTP/2 field blocks (RFC 9113 §8.1–§8.3): which
//! pseudo-header fields a request or response must carry, in what order,
//! which field names and values are well-formed, and which HTTP/1 fields
//! are forbidden. A block that breaks them is *malformed*, answered with a
//! stream error of type PROTOCOL_ERROR (§8.1.1).

use crate::hpack::{Checked, HeaderField};
use bytes::Bytes;
use std::fmt;

/// The control data and header fields of a request.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RequestHead {
    /// `:method`.
    pub method: Bytes,
    /// `:scheme` (absent for CONNECT).
    pub scheme: Option<Bytes>,
    /// `:authority`.
    pub authority: Option<Bytes>,
    /// `:path` (absent for CONNECT).
    pub path: Option<Bytes>,
    /// `:protocol`, for extended CONNECT (RFC 8441 §4).
    pub protocol: Option<Bytes>,
    /// The regular header fields, in order.
    pub fields: Vec<HeaderField>,
}

/// Request heads the application gave back, for the next requests to
/// reuse (their boxes and field lists). Eight bytes until first used, so
/// idle connections pay nothing for it.
// The heads stay boxed: `Event::Request` hands them out as boxes. The
// list is boxed too: 8 bytes inline instead of a `Vec`'s 24, which every
// idle connection would pay.
#[allow(clippy::vec_box, clippy::box_collection)]
#[derive(Debug, Default)]
pub(crate) struct HeadPool(Option<Box<Vec<Box<RequestHead>>>>);

impl HeadPool {
    /// A huge field list is not worth keeping for every request after.
    const MAX_KEPT_FIELDS: usize = 64;
    /// Enough for a batch of requests decoded from one read: a client
    /// may open all its concurrent streams (100 by default) at once, and
    /// every head of such a batch is decoded before the first is given
    /// back. The pool lives only while the connection is busy (idle
    /// connections trim it).
    const MAX_KEPT_HEADS: usize = 128;

    /// A head to reuse, if one was given back.
    pub fn take(&mut self) -> Option<Box<RequestHead>> {
        self.0.as_mut()?.pop()
    }

    /// Keeps `head` for reuse (emptied), unless the pool is full or the
    /// head's field list is too large to be worth keeping.
    pub fn give_back(&mut self, mut head: Box<RequestHead>) {
        let heads = self.0.get_or_insert_default();
        if heads.len() >= Self::MAX_KEPT_HEADS || head.fields.capacity() > Self::MAX_KEPT_FIELDS {
            return;
        }
        head.fields.clear();
        head.method = Bytes::new();
        head.scheme = None;
        head.authority = None;
        head.path = None;
        head.protocol = None;
        heads.push(head);
    }

    /// True when no head is kept.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|heads| heads.is_empty())
    }

    /// True when the pool has allocated anything.
    pub fn holds_memory(&self) -> bool {
        self.0.is_some()
    }
}

/// The status and header fields of a response.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ResponseHead {
    /// `:status`.
    pub status: u16,
    /// The regular header fields, in order.
    pub fields: Vec<HeaderField>,
}

/// Why a field block is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// A field name with uppercase or other forbidden characters (§8.2.1).
    InvalidName,
    /// A field value with NUL, CR, LF, or leading/trailing whitespace
    /// (§8.2.1).
    InvalidValue,
    /// A connection-specific field such as `connection` (§8.2.2).
    ConnectionSpecific,
    /// `te` with a value other than `trailers` (§8.2.2).
    InvalidTe,
    /// A pseudo-header that is not defined, or not for this kind of message
    /// (§8.3).
    UnknownPseudo,
    /// A pseudo-header after a regular field (§8.3).
    PseudoAfterRegular,
    /// The same pseudo-header twice (§8.3.1).
    DuplicatePseudo,
    /// A required pseudo-header is missing, or one that must be absent is
    /// there (§8.3.1, §8.5, RFC 8441 §4).
    MissingOrExtraPseudo,
    /// `:path` is empty (§8.3.1).
    EmptyPath,
    /// `:status` is not three digits (§8.3.2).
    InvalidStatus,
    /// Pseudo-headers in trailers (§8.1).
    PseudoInTrailers,
    /// `content-length` is not a number, or two differ (§8.1.1).
    InvalidContentLength,
    /// The body's length differs from `content-length` (§8.1.1).
    ContentLengthMismatch,
    /// `host` and `:authority` name different things (§8.3.1).
    HostMismatch,
    /// `:protocol` without SETTINGS_ENABLE_CONNECT_PROTOCOL or without
    /// CONNECT (RFC 8441 §4).
    UnexpectedProtocol,
    /// A 1xx response with END_STREAM, a second final response, or HEADERS
    /// in the middle of a body without END_STREAM (§8.1).
    UnexpectedHeaders,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Bytes forbidden in field names (§8.2.1): "A field name MUST NOT contain
/// characters in the ranges 0x00-0x20, 0x41-0x5a, or 0x7f-0xff (all ranges
/// inclusive)." The colon is allowed only as the first character of a
/// pseudo-header, which is checked separately.
const fn name_table() -> [bool; 256] {
    let mut ok = [true; 256];
    let mut i = 0;
    while i < 256 {
        if i <= 0x20 || (i >= 0x41 && i <= 0x5a) || i >= 0x7f || i == b':' as usize {
            ok[i] = false;
        }
        i += 1;
    }
    ok
}

static NAME_OK: [bool; 256] = name_table();

/// Checks a regular field name (§8.2.1). Names must be non-empty.
pub fn valid_name(name: &[u8]) -> bool {
    // Branch-free over the bytes: names are short and almost always valid.
    let all_ok = name
        .iter()
        .fold(true, |ok, &b| ok & NAME_OK[usize::from(b)]);
    !name.is_empty() && all_ok
}

/// Checks a field value (§8.2.1): "A field value MUST NOT contain the zero
/// value (ASCII NUL, 0x00), line feed (ASCII LF, 0x0a), or carriage return
/// (ASCII CR, 0x0d) at any position. A field value MUST NOT start or end
/// with an ASCII whitespace character (ASCII SP or HTAB, 0x20 or 0x09)."
pub fn valid_value(value: &[u8]) -> bool {
    !has_edge_whitespace(value) && !has_nul_cr_or_lf(value)
}

/// Whether `value` starts or ends with a space or tab (§8.2.1).
pub(crate) fn has_edge_whitespace(value: &[u8]) -> bool {
    let edge = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    edge(value.first()) || edge(value.last())
}

/// Whether `bytes` holds a NUL, CR or LF, eight bytes at a time: values
/// are checked on every field sent and received, and are rarely bad.
fn has_nul_cr_or_lf(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Sets the high bit of each byte of `x` that is zero (exactly, for the
    // first zero byte; any flag means at least one zero byte).
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        if zero_bytes(x)
            | zero_bytes(x ^ (ONES * u64::from(b'\r')))
            | zero_bytes(x ^ (ONES * u64::from(b'\n')))
            != 0
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b == 0 || b == b'\n' || b == b'\r')
}

/// §8.2.2: "An endpoint MUST NOT generate an HTTP/2 message containing
/// connection-specific header fields. This includes the Connection header
/// field and those listed as having connection-specific semantics in
/// Section 7.6.1 of [HTTP] (that is, Proxy-Connection, Keep-Alive,
/// Transfer-Encoding, and Upgrade). Any message containing
/// connection-specific header fields MUST be treated as malformed".
fn is_connection_specific(name: &[u8]) -> bool {
    matches!(
        name,
        b"connection" | b"proxy-connection" | b"keep-alive" | b"transfer-encoding" | b"upgrade"
    )
}

/// Checks a regular (non-pseudo) field and tracks `content-length`; the
/// character checks are skipped for what `checked` vouches for.
fn check_regular(
    field: &HeaderField,
    checked: Checked,
    content_length: &mut Option<u64>,
) -> Result<(), Malformed> {
    if !checked.name && !valid_name(&field.name) {
        return Err(Malformed::InvalidName);
    }
    if !checked.value && !valid_value(&field.value) {
        return Err(Malformed::InvalidValue);
    }
    if is_connection_specific(&field.name) {
        return Err(Malformed::ConnectionSpecific);
    }
    // §8.2.2: "The only exception to this is the TE header field, which MAY
    // be present in an HTTP/2 request; when it is, it MUST NOT contain any
    // value other than "trailers"."
    if &field.name[..] == b"te" && !field.value.eq_ignore_ascii_case(b"trailers") {
        return Err(Malformed::InvalidTe);
    }
    if &field.name[..] == b"content-length" {
        let value = parse_content_length(&field.value).ok_or(Malformed::InvalidContentLength)?;
        if content_length.is_some_and(|seen| seen != value) {
            return Err(Malformed::InvalidContentLength);
        }
        *content_length = Some(value);
    }
    Ok(())
}

/// Parses a `content-length` value: digits, optionally a comma-separated
/// list of identical values (RFC 9110 §8.6).
fn parse_content_length(value: &[u8]) -> Option<u64> {
    let mut result = None;
    for part in value.split(|&b| b == b',') {
        let part = part.trim_ascii();
        if part.is_empty() || part.len() > 19 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = part.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        if result.is_some_and(|r| r != n) {
            return None;
        }
        result = Some(n);
    }
    result
}

/// A validated request plus its declared body length.
pub(crate) struct ParsedRequest {
    pub head: Box<RequestHead>,
    pub content_length: Option<u64>,
}

/// A validated response plus its declared body length.
pub(crate) struct ParsedResponse {
    pub head: ResponseHead,
    pub content_length: Option<u64>,
}

/// What a field block is expected to be, known from the stream's state
/// before the block is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SectionKind {
    /// A request (or a pushed request); `connect_protocol` says whether we
    /// advertised SETTINGS_ENABLE_CONNECT_PROTOCOL.
    Request { connect_protocol: bool },
    /// A response (final or informational).
    Response,
    /// A trailer section.
    Trailers,
}

/// A decoded and checked field block.
pub(crate) enum Section {
    Request(Result<ParsedRequest, Malformed>),
    Response(Result<ParsedResponse, Malformed>),
    Trailers(Result<Vec<HeaderField>, Malformed>),
}

/// Checks fields one at a time as HPACK decodes them, filing pseudo-headers
/// into their slots and regular fields into one vector — so a block costs
/// at most one allocation (none when it has only pseudo-headers). The first
/// violation is kept; later fields are still consumed, because the whole
/// block must be decoded to keep the HPACK context in step.
pub(crate) struct SectionBuilder {
    kind: SectionKind,
    method: Option<Bytes>,
    scheme: Option<Bytes>,
    authority: Option<Bytes>,
    path: Option<Bytes>,
    protocol: Option<Bytes>,
    status: Option<u16>,
    host: Option<Bytes>,
    fields: Vec<HeaderField>,
    content_length: Option<u64>,
    error: Option<Malformed>,
    /// A request head given back by the application: its box and field
    /// list are reused, so a request costs no allocation for them.
    spare: Option<Box<RequestHead>>,
}

impl SectionBuilder {
    /// A builder that, for a request section, reuses a head from `pool`
    /// (one the application gave back). Other sections leave the pool be.
    pub fn reusing(kind: SectionKind, pool: &mut HeadPool) -> SectionBuilder {
        let mut builder = SectionBuilder::new(kind);
        if let SectionKind::Request { .. } = kind {
            if let Some(mut spare) = pool.take() {
                builder.fields = std::mem::take(&mut spare.fields);
                builder.spare = Some(spare);
            }
        }
        builder
    }

    pub fn new(kind: SectionKind) -> SectionBuilder {
        SectionBuilder {
            kind,
            method: None,
            scheme: None,
            authority: None,
            path: None,
            protocol: None,
            status: None,
            host: None,
            fields: Vec::new(),
            content_length: None,
            error: None,
            spare: None,
        }
    }

    /// Takes the next decoded field; `checked` says which of its parts
    /// HPACK already knows to be good.
    pub fn push(&mut self, field: HeaderField, checked: Checked) {
        if self.error.is_none() {
            if let Err(e) = self.check(field, checked) {
                self.error = Some(e);
            }
        }
    }

    fn check(&mut self, field: HeaderField, checked: Checked) -> Result<(), Malformed> {
        if field.name.first() != Some(&b':') {
            check_regular(&field, checked, &mut self.content_length)?;
            if self.kind != SectionKind::Response && &field.name[..] == b"host" {
                self.host = Some(field.value.clone());
            }
            self.fields.push(field);
            return Ok(());
        }
        // §8.1: "Trailers MUST NOT include pseudo-header fields".
        if self.kind == SectionKind::Trailers {
            return Err(Malformed::PseudoInTrailers);
        }
        // §8.3: "All pseudo-header fields MUST appear in a field block
        // before all regular field lines".
        if !self.fields.is_empty() {
            return Err(Malformed::PseudoAfterRegular);
        }
        if !checked.value && !valid_value(&field.value) {
            return Err(Malformed::InvalidValue);
        }
        if self.kind == SectionKind::Response {
            // §8.3.2: ":status" is the only response pseudo-header.
            if &field.name[..] != b":status" {
                return Err(Malformed::UnknownPseudo);
            }
            if self.status.is_some() {
                return Err(Malformed::DuplicatePseudo);
            }
            let v = &field.value[..];
            if v.len() != 3 || !v.iter().all(u8::is_ascii_digit) || v[0] == b'0' {
                return Err(Malformed::InvalidStatus);
            }
            self.status = Some(v.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')));
            return Ok(());
        }
        let slot = match &field.name[..] {
            b":method" => &mut self.method,
            b":scheme" => &mut self.scheme,
            b":authority" => &mut self.authority,
            b":path" => &mut self.path,
            b":protocol" => &mut self.protocol,
            // §8.3: "Endpoints MUST treat a request or response that
            // contains undefined or invalid pseudo-header fields as
            // malformed".
            _ => return Err(Malformed::UnknownPseudo),
        };
        // §8.3.1: "The same pseudo-header field name MUST NOT appear more
        // than once in a field block."
        if slot.replace(field.value).is_some() {
            return Err(Malformed::DuplicatePseudo);
        }
        Ok(())
    }

    /// The checked section.
    pub fn finish(self) -> Section {
        match self.kind {
            SectionKind::Request { connect_protocol } => {
                Section::Request(self.finish_request(connect_protocol))
            }
            SectionKind::Response => Section::Response(self.finish_response()),
            SectionKind::Trailers => Section::Trailers(match self.error {
                Some(e) => Err(e),
                None => Ok(self.fields),
            }),
        }
    }

    fn finish_request(self, connect_protocol: bool) -> Result<ParsedRequest, Malformed> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let head = RequestHead {
            method: self.method.ok_or(Malformed::MissingOrExtraPseudo)?,
            scheme: self.scheme,
            authority: self.authority,
            path: self.path,
            protocol: self.protocol,
            fields: self.fields,
        };
        let head = match self.spare {
            Some(mut spare) => {
                *spare = head;
                spare
            }
            None => Box::new(head),
        };
        let is_connect = &head.method[..] == b"CONNECT";
        if head.protocol.is_some() {
            // RFC 8441 §4: ":protocol" is only valid with CONNECT, and only
            // after SETTINGS_ENABLE_CONNECT_PROTOCOL was sent.
            if !connect_protocol || !is_connect {
                return Err(Malformed::UnexpectedProtocol);
            }
            // RFC 8441 §4: "On requests bearing the :protocol pseudo-header
            // field, the :scheme and :path pseudo-header fields of the target
            // URI (see Section 5) MUST also be included."
            if head.scheme.is_none() || head.path.is_none() || head.authority.is_none() {
                return Err(Malformed::MissingOrExtraPseudo);
            }
        } else if is_connect {
            // §8.5: "The ":scheme" and ":path" pseudo-header fields MUST be
            // omitted." and "The ":authority" pseudo-header field contains
            // the host and port to connect to".
            if head.scheme.is_some() || head.path.is_some() || head.authority.is_none() {
                return Err(Malformed::MissingOrExtraPseudo);
            }
        } else if head.scheme.is_none() || head.path.is_none() {
            // §8.3.1: "All HTTP/2 requests MUST include exactly one valid
            // value for the ":method", ":scheme", and ":path" pseudo-header
            // fields, unless they are CONNECT requests".
            return Err(Malformed::MissingOrExtraPseudo);
        }
        // §8.3.1: "This pseudo-header field MUST NOT be empty for "http" or
        // "https" URIs".
        if head.path.as_ref().is_some_and(|p| p.is_empty()) {
            return Err(Malformed::EmptyPath);
        }
        // §8.3.1: "A server SHOULD treat a request as malformed if it
        // contains a Host header field that identifies an entity that
        // differs from the entity in the ":authority" pseudo-header field."
        if let (Some(host), Some(authority)) = (&self.host, &head.authority) {
            if !host.eq_ignore_ascii_case(authority) {
                return Err(Malformed::HostMismatch);
            }
        }
        Ok(ParsedRequest {
            head,
            content_length: self.content_length,
        })
    }

    fn finish_response(self) -> Result<ParsedResponse, Malformed> {
        if let Some(e) = self.error {
            return Err(e);
        }
        // §8.3.2: "This pseudo-header field MUST be included in all
        // responses, including interim responses; otherwise, the response is
        // malformed".
        let status = self.status.ok_or(Malformed::MissingOrExtraPseudo)?;
        Ok(ParsedResponse {
            head: ResponseHead {
                status,
                fields: self.fields,
            },
            content_length: self.content_length,
        })
    }
}

/// Builds a [`RequestHead`] from a decoded field block, enforcing §8.3.1.
#[cfg(test)]
fn parse_request(
    fields: Vec<HeaderField>,
    connect_protocol: bool,
) -> Result<ParsedRequest, Malformed> {
    let mut builder = SectionBuilder::new(SectionKind::Request { connect_protocol });
    fields
        .into_iter()
        .for_each(|f| builder.push(f, Checked::NOTHING));
    match builder.finish() {
        Section::Request(r) => r,
        _ => unreachable!("built as a request"),
    }
}

/// Builds a [`ResponseHead`] from a decoded field block, enforcing §8.3.2.
#[cfg(test)]
fn parse_response(fields: Vec<HeaderField>) -> Result<ParsedResponse, Malformed> {
    let mut builder = SectionBuilder::new(SectionKind::Response);
    fields
        .into_iter()
        .for_each(|f| builder.push(f, Checked::NOTHING));
    match builder.finish() {
        Section::Response(r) => r,
        _ => unreachable!("built as a response"),
    }
}

/// Checks a trailer section (§8.1).
#[cfg(test)]
fn check_trailers(fields: &[HeaderField]) -> Result<(), Malformed> {
    let mut builder = SectionBuilder::new(SectionKind::Trailers);
    fields
        .iter()
        .cloned()
        .for_each(|f| builder.push(f, Checked::NOTHING));
    match builder.finish() {
        Section::Trailers(r) => r.map(|_| ()),
        _ => unreachable!("built as trailers"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_at_a_time_value_check_agrees_with_the_byte_loop() {
        let naive = |v: &[u8]| v.iter().any(|&b| b == 0 || b == b'\n' || b == b'\r');
        // Every bad byte at every position, among neighbours that sit
        // next to them in value (0x01, 0x0c, 0x0e, 0x0b, 0x80, 0xff).
        for len in 0..40 {
            for fill in [b'a', 0x01, 0x0b, 0x0c, 0x0e, 0x80, 0xff] {
                let clean = vec![fill; len];
                assert_eq!(has_nul_cr_or_lf(&clean), naive(&clean));
                for at in 0..len {
                    for bad in [0u8, b'\n', b'\r'] {
                        let mut v = clean.clone();
                        v[at] = bad;
                        assert!(has_nul_cr_or_lf(&v), "{bad} at {at} of {len}");
                    }
                }
            }
        }
        // And pseudo-random bytes.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = x.to_le_bytes();
            let len = (x % 9) as usize;
            assert_eq!(has_nul_cr_or_lf(&v[..len]), naive(&v[..len]), "{v:?}");
        }
    }

    fn fields(list: &[(&str, &str)]) -> Vec<HeaderField> {
        list.iter()
            .map(|(n, v)| {
                HeaderField::new(
                    Bytes::copy_from_slice(n.as_bytes()),
                    Bytes::copy_from_slice(v.as_bytes()),
                )
            })
            .collect()
    }

    fn request(list: &[(&str, &str)]) -> Result<RequestHead, Malformed> {
        parse_request(fields(list), false).map(|p| *p.head)
    }

    const GET: [(&str, &str); 4] = [
        (":method", "GET"),
        (":scheme", "https"),
        (":authority", "a"),
        (":path", "/"),
    ];

    #[test]
    fn rfc9113_8_3_1_valid_request() {
        let head = request(&GET).unwrap();
        assert_eq!(&head.method[..], b"GET");
        assert_eq!(head.path.as_deref(), Some(&b"/"[..]));
    }

    #[test]
    fn rfc9113_8_3_1_missing_method_scheme_or_path_is_malformed() {
        for skip in [0, 1, 3] {
            let list: Vec<_> = GET
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, f)| *f)
                .collect();
            assert_eq!(
                request(&list),
                Err(Malformed::MissingOrExtraPseudo),
                "without {}",
                GET[skip].0
            );
        }
    }

    #[test]
    fn rfc9113_8_3_1_duplicate_pseudo_header_is_malformed() {
        let mut list = GET.to_vec();
        list.insert(1, (":method", "POST"));
        assert_eq!(request(&list), Err(Malformed::DuplicatePseudo));
    }

    #[test]
    fn rfc9113_8_3_pseudo_after_regular_is_malformed() {
        let list = [
            (":method", "GET"),
            (":scheme", "https"),
            ("accept", "*/*"),
            (":path", "/"),
        ];
        assert_eq!(request(&list), Err(Malformed::PseudoAfterRegular));
    }

    #[test]
    fn rfc9113_8_3_undefined_or_response_pseudo_in_request_is_malformed() {
        let mut list = GET.to_vec();
        list.push((":status", "200"));
        assert_eq!(request(&list), Err(Malformed::UnknownPseudo));
        let mut list = GET.to_vec();
        list.push((":foo", "x"));
        assert_eq!(request(&list), Err(Malformed::UnknownPseudo));
    }

    #[test]
    fn rfc9113_8_3_1_empty_path_is_malformed() {
        let list = [(":method", "GET"), (":scheme", "https"), (":path", "")];
        assert_eq!(request(&list), Err(Malformed::EmptyPath));
    }

    #[test]
    fn rfc9113_8_2_1_uppercase_field_name_is_malformed() {
        let mut list = GET.to_vec();
        list.push(("Accept", "*/*"));
        assert_eq!(request(&list), Err(Malformed::InvalidName));
    }

    #[test]
    fn rfc9113_8_2_1_value_with_cr_lf_nul_or_edge_whitespace_is_malformed() {
        for bad in ["a\r\nb", "a\0", " a", "a\t"] {
            let mut list = GET.to_vec();
            list.push(("x", bad));
            assert_eq!(request(&list), Err(Malformed::InvalidValue), "{bad:?}");
        }
    }

    #[test]
    fn rfc9113_8_2_2_connection_specific_fields_are_malformed() {
        for name in [
            "connection",
            "keep-alive",
            "proxy-connection",
            "transfer-encoding",
            "upgrade",
        ] {
            let mut list = GET.to_vec();
            list.push((name, "x"));
            assert_eq!(request(&list), Err(Malformed::ConnectionSpecific), "{name}");
        }
    }

    #[test]
    fn rfc9113_8_2_2_te_other_than_trailers_is_malformed() {
        let mut list = GET.to_vec();
        list.push(("te", "gzip"));
        assert_eq!(request(&list), Err(Malformed::InvalidTe));
        let mut list = GET.to_vec();
        list.push(("te", "trailers"));
        assert!(request(&list).is_ok());
    }

    #[test]
    fn rfc9113_8_5_connect_has_only_method_and_authority() {
        assert!(request(&[(":method", "CONNECT"), (":authority", "example.com:443")]).is_ok());
        assert_eq!(
            request(&[
                (":method", "CONNECT"),
                (":authority", "a:443"),
                (":path", "/")
            ]),
            Err(Malformed::MissingOrExtraPseudo)
        );
        assert_eq!(
            request(&[(":method", "CONNECT")]),
            Err(Malformed::MissingOrExtraPseudo)
        );
    }

    #[test]
    fn rfc8441_4_protocol_needs_the_setting_and_connect() {
        let list = [
            (":method", "CONNECT"),
            (":protocol", "websocket"),
            (":scheme", "https"),
            (":path", "/chat"),
            (":authority", "a"),
        ];
        assert_eq!(request(&list).unwrap_err(), Malformed::UnexpectedProtocol);
        let head = parse_request(fields(&list), true).unwrap().head;
        assert_eq!(head.protocol.as_deref(), Some(&b"websocket"[..]));
        let list = [
            (":method", "CONNECT"),
            (":protocol", "websocket"),
            (":authority", "a"),
        ];
        assert_eq!(
            parse_request(fields(&list), true).err(),
            Some(Malformed::MissingOrExtraPseudo)
        );
    }

    #[test]
    fn rfc9113_8_1_1_differing_content_lengths_are_malformed() {
        let mut list = GET.to_vec();
        list.push(("content-length", "5"));
        list.push(("content-length", "6"));
        assert_eq!(request(&list), Err(Malformed::InvalidContentLength));
        let mut list = GET.to_vec();
        list.push(("content-length", "5, 5"));
        assert_eq!(
            parse_request(fields(&list), false).unwrap().content_length,
            Some(5)
        );
        let mut list = GET.to_vec();
        list.push(("content-length", "-1"));
        assert_eq!(request(&list), Err(Malformed::InvalidContentLength));
    }

    #[test]
    fn rfc9113_8_3_1_host_differing_from_authority_is_malformed() {
        let mut list = GET.to_vec();
        list.push(("host", "b"));
        assert_eq!(request(&list), Err(Malformed::HostMismatch));
    }

    #[test]
    fn rfc9113_8_3_2_response_needs_a_three_digit_status() {
        assert_eq!(
            parse_response(fields(&[(":status", "200")]))
                .unwrap()
                .head
                .status,
            200
        );
        assert_eq!(
            parse_response(fields(&[("server", "x")])).err(),
            Some(Malformed::MissingOrExtraPseudo)
        );
        assert_eq!(
            parse_response(fields(&[(":status", "20")])).err(),
            Some(Malformed::InvalidStatus)
        );
        assert_eq!(
            parse_response(fields(&[(":status", "200"), (":path", "/")])).err(),
            Some(Malformed::UnknownPseudo)
        );
    }

    #[test]
    fn rfc9113_8_1_trailers_must_not_carry_pseudo_headers() {
        assert_eq!(
            check_trailers(&fields(&[(":status", "200")])),
            Err(Malformed::PseudoInTrailers)
        );
        assert_eq!(check_trailers(&fields(&[("grpc-status", "0")])), Ok(()));
    }
}
