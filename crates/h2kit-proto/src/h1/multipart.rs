//! A streaming `multipart/form-data` parser (RFC 7578, framing from
//! RFC 2046 §5.1).
//!
//! Part bodies are handed to the handler as they arrive, straight from the
//! input; a delimiter cut by the end of an input is held back (at most its
//! own length, in a fixed buffer) until the next input shows whether it was
//! a delimiter or data. Only each part's header block is buffered, up to
//! [`MultipartConfig::max_part_header_size`].
//!
//! ```
//! use h2kit_proto::h1::multipart::{Boundary, Multipart, PartHandler, PartInfo};
//!
//! #[derive(Default)]
//! struct Collect(Vec<(Option<String>, Vec<u8>)>);
//! impl PartHandler for Collect {
//!     fn on_part_begin(&mut self, part: &PartInfo) { self.0.push((part.name.clone(), Vec::new())) }
//!     fn on_part_data(&mut self, data: &[u8]) { self.0.last_mut().unwrap().1.extend_from_slice(data) }
//! }
//!
//! let boundary = Boundary::from_content_type(b"multipart/form-data; boundary=xyz").unwrap();
//! let mut parser = Multipart::new(&boundary);
//! let mut parts = Collect::default();
//! let body = b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--xyz--\r\n";
//! for piece in body.chunks(3) {
//!     parser.feed(&mut parts, piece).unwrap();
//! }
//! parser.finish().unwrap();
//! assert_eq!(parts.0, vec![(Some("a".to_string()), b"hello".to_vec())]);
//! ```

use core::fmt;

use super::scan::{Level, ScanTask, Scanner, TCHAR, VALUE};

/// Longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY_LEN: usize = 70;
const MAX_DELIMITER_LEN: usize = MAX_BOUNDARY_LEN + 4;

/// What went wrong in a multipart body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MultipartErrorKind {
    /// The Content-Type is not `multipart/form-data` (or not parseable).
    InvalidContentType,
    /// The Content-Type has no usable boundary parameter (RFC 2046: 1-70
    /// bchars, not ending in a space).
    InvalidBoundary,
    /// Bytes after a delimiter other than `--` or padding and CRLF.
    InvalidDelimiter,
    /// A part's header block exceeds the configured size.
    PartHeadersTooLarge,
    /// A part header line is malformed.
    InvalidPartHeader,
    /// A part lacks `Content-Disposition: form-data; name=...` (RFC 7578 §4.2).
    InvalidContentDisposition,
    /// The body ended before the close delimiter.
    Incomplete,
}

/// A multipart error and the body offset where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MultipartError {
    /// What was wrong.
    pub kind: MultipartErrorKind,
    /// Offset in the multipart body (0 for Content-Type errors).
    pub offset: u64,
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "multipart error {:?} at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for MultipartError {}

fn error(kind: MultipartErrorKind, offset: u64) -> MultipartError {
    MultipartError { kind, offset }
}

/// `bchars` of RFC 2046 §5.1.1.
fn is_bchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b)
}

/// A multipart boundary, stored inline (no allocation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    bytes: [u8; MAX_BOUNDARY_LEN],
    len: usize,
}

impl fmt::Debug for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Boundary({:?})",
            String::from_utf8_lossy(self.as_bytes())
        )
    }
}

impl Boundary {
    /// A boundary from its bytes, checked against RFC 2046.
    pub fn new(bytes: &[u8]) -> Result<Boundary, MultipartError> {
        if bytes.is_empty()
            || bytes.len() > MAX_BOUNDARY_LEN
            || !bytes.iter().all(|&b| is_bchar(b))
            || bytes.last() == Some(&b' ')
        {
            return Err(error(MultipartErrorKind::InvalidBoundary, 0));
        }
        let mut b = Boundary {
            bytes: [0; MAX_BOUNDARY_LEN],
            len: bytes.len(),
        };
        b.bytes[..bytes.len()].copy_from_slice(bytes);
        Ok(b)
    }

    /// The boundary of a `multipart/form-data` Content-Type value, e.g.
    /// `multipart/form-data; boundary="abc"` (RFC 7578 §4.1).
    pub fn from_content_type(value: &[u8]) -> Result<Boundary, MultipartError> {
        let bad_type = error(MultipartErrorKind::InvalidContentType, 0);
        let (media, params) = split_params(value).ok_or(bad_type)?;
        if !media.eq_ignore_ascii_case(b"multipart/form-data") {
            return Err(bad_type);
        }
        let boundary = params
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(b"boundary"))
            .map(|(_, v)| v)
            .ok_or(error(MultipartErrorKind::InvalidBoundary, 0))?;
        Boundary::new(&boundary)
    }

    /// The boundary bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Parameters of a header value: names as sent, values unescaped.
type Params<'a> = Vec<(&'a [u8], Vec<u8>)>;

/// Splits `type; a=b; c="d"` into the first token and its parameters
/// (quoted strings unescaped). `None` if the syntax is broken.
fn split_params(value: &[u8]) -> Option<(&[u8], Params<'_>)> {
    let trim = |s: &[u8]| -> usize { s.iter().take_while(|&&b| b == b' ' || b == b'\t').count() };
    let mut i = trim(value);
    let start = i;
    while i < value.len() && (TCHAR[value[i] as usize] || value[i] == b'/') {
        i += 1;
    }
    let first = &value[start..i];
    if first.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    loop {
        i += trim(&value[i..]);
        if i == value.len() {
            return Some((first, params));
        }
        if value[i] != b';' {
            return None;
        }
        i += 1;
        i += trim(&value[i..]);
        let n_start = i;
        while i < value.len() && TCHAR[value[i] as usize] {
            i += 1;
        }
        let name = &value[n_start..i];
        i += trim(&value[i..]);
        if name.is_empty() || value.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        i += trim(&value[i..]);
        let mut v = Vec::new();
        if value.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match value.get(i) {
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        v.push(*value.get(i + 1)?);
                        i += 2;
                    }
                    Some(&b) if VALUE[b as usize] => {
                        v.push(b);
                        i += 1;
                    }
                    _ => return None,
                }
            }
        } else {
            let v_start = i;
            while i < value.len() && TCHAR[value[i] as usize] {
                i += 1;
            }
            if i == v_start {
                return None;
            }
            v.extend_from_slice(&value[v_start..i]);
        }
        params.push((name, v));
    }
}

/// One part's headers, as the handler sees them at the start of the part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartInfo {
    /// The header fields in order (names as sent).
    pub headers: Vec<(String, Vec<u8>)>,
    /// `name` from Content-Disposition (RFC 7578 §4.2), lossily UTF-8.
    pub name: Option<String>,
    /// `filename` from Content-Disposition, lossily UTF-8.
    pub filename: Option<String>,
    /// The part's Content-Type, if given (RFC 7578 §4.4: default text/plain).
    pub content_type: Option<Vec<u8>>,
}

/// Receives the parts of a multipart body.
#[allow(unused_variables)]
pub trait PartHandler {
    /// A part starts; its headers are parsed.
    fn on_part_begin(&mut self, part: &PartInfo) {}
    /// A piece of the current part's body.
    fn on_part_data(&mut self, data: &[u8]) {}
    /// The current part ended.
    fn on_part_end(&mut self) {}
    /// The close delimiter was read; the rest is epilogue.
    fn on_end(&mut self) {}
}

/// Limits for [`Multipart`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartConfig {
    /// Most bytes in one part's header block. Default 8 KiB.
    pub max_part_header_size: usize,
}

impl Default for MultipartConfig {
    fn default() -> Self {
        MultipartConfig {
            max_part_header_size: 8 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first delimiter: bytes are discarded.
    Preamble,
    /// Just after a delimiter.
    AfterDelimiter,
    /// Read one `-` of a close delimiter.
    CloseDash,
    /// Transport padding after a delimiter.
    Padding,
    /// A CR after a delimiter; LF must follow.
    DelimiterLf,
    Headers,
    Body,
    Epilogue,
}

/// The streaming parser. Create one per body with [`Multipart::new`].
#[derive(Debug, Clone)]
pub struct Multipart {
    delimiter: [u8; MAX_DELIMITER_LEN],
    delimiter_len: usize,
    /// How much of the delimiter the last bytes seen matched.
    matched: usize,
    state: State,
    headers: Vec<u8>,
    config: MultipartConfig,
    offset: u64,
    level: Level,
}

/// Finds a byte with the best scanner.
struct Find<'a>(&'a [u8], usize, u8);
impl ScanTask for Find<'_> {
    type Output = usize;
    #[inline(always)]
    fn run<S: Scanner>(self, s: S) -> usize {
        s.find_byte(self.0, self.1, self.2)
    }
}

impl Multipart {
    /// A parser for a body with `boundary`.
    pub fn new(boundary: &Boundary) -> Multipart {
        Multipart::with_config(boundary, MultipartConfig::default())
    }

    /// A parser with explicit limits.
    pub fn with_config(boundary: &Boundary, config: MultipartConfig) -> Multipart {
        let mut delimiter = [0u8; MAX_DELIMITER_LEN];
        delimiter[..4].copy_from_slice(b"\r\n--");
        delimiter[4..4 + boundary.len].copy_from_slice(boundary.as_bytes());
        Multipart {
            delimiter,
            delimiter_len: 4 + boundary.len,
            // The body is read as if preceded by CRLF, so a delimiter at its
            // very start ("--boundary") is found like any other.
            matched: 2,
            state: State::Preamble,
            headers: Vec::new(),
            config,
            offset: 0,
            level: Level::detect(),
        }
    }

    /// Parses the next piece of the body.
    pub fn feed<H: PartHandler>(&mut self, h: &mut H, input: &[u8]) -> Result<(), MultipartError> {
        let mut i = 0;
        while i < input.len() {
            let at = self.offset + i as u64;
            i = match self.state {
                State::Preamble | State::Body => self.scan_body(h, input, i),
                State::Epilogue => input.len(),
                State::AfterDelimiter | State::CloseDash | State::Padding | State::DelimiterLf => {
                    self.after_delimiter(h, input[i], at)?;
                    i + 1
                }
                State::Headers => self.header_bytes(h, input, i)?,
            };
        }
        self.offset += input.len() as u64;
        Ok(())
    }

    /// The body ended: anything but a completed close delimiter is an error.
    pub fn finish(&self) -> Result<(), MultipartError> {
        match self.state {
            State::Epilogue => Ok(()),
            _ => Err(error(MultipartErrorKind::Incomplete, self.offset)),
        }
    }

    /// Looks for the delimiter, passing body bytes on (or dropping preamble).
    fn scan_body<H: PartHandler>(&mut self, h: &mut H, input: &[u8], mut i: usize) -> usize {
        let data = self.state == State::Body;
        let delimiter_len = self.delimiter_len;
        loop {
            if self.matched == 0 {
                let j = self.level.dispatch(Find(input, i, b'\r'));
                if data && j > i {
                    h.on_part_data(&input[i..j]);
                }
                i = j;
                if i == input.len() {
                    return i;
                }
            }
            let held = self.matched;
            let start = i;
            while self.matched < delimiter_len
                && i < input.len()
                && input[i] == self.delimiter[self.matched]
            {
                self.matched += 1;
                i += 1;
            }
            if self.matched == delimiter_len {
                self.matched = 0;
                if data {
                    h.on_part_end();
                }
                self.state = State::AfterDelimiter;
                return i;
            }
            if i == input.len() {
                // A possible delimiter cut by the end of the input: held
                // back (as a count; its bytes are the delimiter's prefix).
                return i;
            }
            // Not a delimiter after all: what was held and matched is data.
            // CR appears only at the delimiter's start, so no delimiter can
            // begin inside the matched bytes; the current byte is re-examined.
            if data {
                if held > 0 {
                    h.on_part_data(&self.delimiter[..held]);
                }
                if i > start {
                    h.on_part_data(&input[start..i]);
                }
            }
            self.matched = 0;
        }
    }

    fn after_delimiter<H: PartHandler>(
        &mut self,
        h: &mut H,
        b: u8,
        at: u64,
    ) -> Result<(), MultipartError> {
        self.state = match (self.state, b) {
            (State::AfterDelimiter, b'-') => State::CloseDash,
            (State::CloseDash, b'-') => {
                h.on_end();
                State::Epilogue
            }
            (State::AfterDelimiter | State::Padding, b' ' | b'\t') => State::Padding,
            (State::AfterDelimiter | State::Padding, b'\r') => State::DelimiterLf,
            (State::DelimiterLf, b'\n') => {
                self.headers.clear();
                State::Headers
            }
            _ => return Err(error(MultipartErrorKind::InvalidDelimiter, at)),
        };
        Ok(())
    }

    /// Buffers a part's header block until the empty line, then parses it.
    fn header_bytes<H: PartHandler>(
        &mut self,
        h: &mut H,
        input: &[u8],
        mut i: usize,
    ) -> Result<usize, MultipartError> {
        while i < input.len() {
            self.headers.push(input[i]);
            i += 1;
            let done = self.headers.as_slice() == b"\r\n" || self.headers.ends_with(b"\r\n\r\n");
            if done {
                let at = self.offset + i as u64;
                let info = parse_part_headers(&self.headers)
                    .map_err(|kind| error(kind, at - self.headers.len() as u64))?;
                h.on_part_begin(&info);
                self.state = State::Body;
                return Ok(i);
            }
            if self.headers.len() > self.config.max_part_header_size {
                return Err(error(
                    MultipartErrorKind::PartHeadersTooLarge,
                    self.offset + i as u64 - 1,
                ));
            }
        }
        Ok(i)
    }
}

/// Parses a part's header block (ending in an empty line).
fn parse_part_headers(block: &[u8]) -> Result<PartInfo, MultipartErrorKind> {
    let mut info = PartInfo::default();
    for line in block.split(|&b| b == b'\n') {
        let Some(line) = line.strip_suffix(b"\r") else {
            if line.is_empty() {
                continue;
            }
            return Err(MultipartErrorKind::InvalidPartHeader);
        };
        if line.is_empty() {
            continue;
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(MultipartErrorKind::InvalidPartHeader)?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty()
            || !name.iter().all(|&b| TCHAR[b as usize])
            || !value.iter().all(|&b| VALUE[b as usize])
        {
            return Err(MultipartErrorKind::InvalidPartHeader);
        }
        let value = value.trim_ascii();
        let name = String::from_utf8_lossy(name).into_owned();
        if name.eq_ignore_ascii_case("content-disposition") {
            let (kind, params) =
                split_params(value).ok_or(MultipartErrorKind::InvalidContentDisposition)?;
            if !kind.eq_ignore_ascii_case(b"form-data") {
                return Err(MultipartErrorKind::InvalidContentDisposition);
            }
            for (n, v) in params {
                let v = String::from_utf8_lossy(&v).into_owned();
                if n.eq_ignore_ascii_case(b"name") {
                    info.name = Some(v);
                } else if n.eq_ignore_ascii_case(b"filename") {
                    info.filename = Some(v);
                }
            }
        } else if name.eq_ignore_ascii_case("content-type") {
            info.content_type = Some(value.to_vec());
        }
        info.headers.push((name, value.to_vec()));
    }
    if info.name.is_none() {
        return Err(MultipartErrorKind::InvalidContentDisposition);
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Default, PartialEq, Eq, Clone)]
    struct Parts {
        parts: Vec<(PartInfo, Vec<u8>, bool)>,
        ended: bool,
    }

    impl PartHandler for Parts {
        fn on_part_begin(&mut self, part: &PartInfo) {
            self.parts.push((part.clone(), Vec::new(), false));
        }
        fn on_part_data(&mut self, data: &[u8]) {
            if let Some(p) = self.parts.last_mut() {
                p.1.extend_from_slice(data);
            }
        }
        fn on_part_end(&mut self) {
            if let Some(p) = self.parts.last_mut() {
                p.2 = true;
            }
        }
        fn on_end(&mut self) {
            self.ended = true;
        }
    }

    fn parse(boundary: &[u8], body: &[u8], piece: usize) -> Result<Parts, MultipartError> {
        let mut m = Multipart::new(&Boundary::new(boundary).unwrap());
        let mut parts = Parts::default();
        for chunk in body.chunks(piece.max(1)) {
            m.feed(&mut parts, chunk)?;
        }
        m.finish()?;
        Ok(parts)
    }

    const BODY: &[u8] = b"preamble\r\n--AaB03x\r\nContent-Disposition: form-data; name=\"field1\"\r\n\r\nJoe Blow\r\nalmost tricked you!\r\n--AaB03x\r\nContent-Disposition: form-data; name=\"pics\"; filename=\"file1.txt\"\r\nContent-Type: text/plain\r\n\r\n ...contents of file1.txt...\r\r\n--AaB0\r\n--AaB03x--\r\nepilogue";

    #[test]
    fn rfc7578_4_1_boundary_comes_from_the_content_type() {
        let b =
            Boundary::from_content_type(b"multipart/form-data; charset=utf-8; boundary=\"AaB03x\"")
                .unwrap();
        assert_eq!(b.as_bytes(), b"AaB03x");
        let b = Boundary::from_content_type(
            b"Multipart/Form-Data;boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
        )
        .unwrap();
        assert_eq!(b.as_bytes(), b"----WebKitFormBoundary7MA4YWxkTrZu0gW");
        assert!(Boundary::from_content_type(b"text/plain; boundary=x").is_err());
        assert!(Boundary::from_content_type(b"multipart/form-data").is_err());
        assert!(Boundary::from_content_type(b"multipart/form-data; boundary=\"a b \"").is_err());
        assert!(Boundary::new(&[b'a'; 71]).is_err());
    }

    #[test]
    fn rfc7578_4_2_parts_names_filenames_and_bodies_are_surfaced() {
        let parts = parse(b"AaB03x", BODY, BODY.len()).unwrap();
        assert!(parts.ended);
        assert_eq!(parts.parts.len(), 2);
        let (a, body_a, done_a) = &parts.parts[0];
        assert_eq!(
            (a.name.as_deref(), a.filename.as_deref()),
            (Some("field1"), None)
        );
        assert_eq!(
            (body_a.as_slice(), *done_a),
            (&b"Joe Blow\r\nalmost tricked you!"[..], true)
        );
        let (b, body_b, _) = &parts.parts[1];
        assert_eq!(
            (b.name.as_deref(), b.filename.as_deref()),
            (Some("pics"), Some("file1.txt"))
        );
        assert_eq!(b.content_type.as_deref(), Some(&b"text/plain"[..]));
        // A CR and a cut-off delimiter inside the body are data.
        assert_eq!(
            body_b.as_slice(),
            &b" ...contents of file1.txt...\r\r\n--AaB0"[..]
        );
    }

    #[test]
    fn rfc2046_5_1_delimiter_split_anywhere_gives_the_same_parts() {
        let whole = parse(b"AaB03x", BODY, BODY.len()).unwrap();
        for piece in 1..BODY.len() {
            assert_eq!(
                parse(b"AaB03x", BODY, piece).unwrap(),
                whole,
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn rfc7578_4_2_part_without_form_data_name_is_rejected() {
        let body = b"--x\r\nContent-Type: text/plain\r\n\r\nabc\r\n--x--";
        assert_eq!(
            parse(b"x", body, 100).unwrap_err().kind,
            MultipartErrorKind::InvalidContentDisposition
        );
    }

    #[test]
    fn rfc2046_5_1_1_garbage_after_delimiter_and_truncation_are_rejected() {
        let e = parse(b"x", b"--xy\r\n", 100).unwrap_err();
        assert_eq!(
            (e.kind, e.offset),
            (MultipartErrorKind::InvalidDelimiter, 3)
        );
        let e = parse(
            b"x",
            b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nabc",
            100,
        )
        .unwrap_err();
        assert_eq!(e.kind, MultipartErrorKind::Incomplete);
    }

    #[test]
    fn part_headers_are_limited() {
        let mut m = Multipart::with_config(
            &Boundary::new(b"x").unwrap(),
            MultipartConfig {
                max_part_header_size: 16,
            },
        );
        let e = m
            .feed(
                &mut Parts::default(),
                b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n",
            )
            .unwrap_err();
        assert_eq!(e.kind, MultipartErrorKind::PartHeadersTooLarge);
    }

    proptest! {
        #[test]
        fn bodies_with_boundary_lookalikes_survive_any_split(
            bodies in proptest::collection::vec(
                proptest::collection::vec(prop_oneof![
                    4 => any::<u8>(), 2 => Just(b'\r'), 2 => Just(b'\n'), 2 => Just(b'-'), 2 => Just(b'b')], 0..60),
                1..4),
            piece in 1usize..30,
        ) {
            let mut body = Vec::new();
            for (i, b) in bodies.iter().enumerate() {
                body.extend_from_slice(format!("--bb\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n").as_bytes());
                body.extend_from_slice(b);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"--bb--");
            // Skip bodies that contain the delimiter themselves.
            prop_assume!(!bodies.iter().any(|b| b.windows(4).any(|w| w == b"--bb") || b.ends_with(b"\r\n--b") || b.ends_with(b"\r\n--") || b.ends_with(b"\r\n-") || b.ends_with(b"\r\n") || b.ends_with(b"\r")));
            let whole = parse(b"bb", &body, body.len()).unwrap();
            let got: Vec<Vec<u8>> = whole.parts.iter().map(|p| p.1.clone()).collect();
            prop_assert_eq!(&got, &bodies);
            prop_assert_eq!(parse(b"bb", &body, piece).unwrap(), whole);
        }
    }
}
