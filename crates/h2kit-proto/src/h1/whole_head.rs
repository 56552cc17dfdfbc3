//! The borrowed API's one-pass path: a head that lies wholly in the buffer
//! and is plainly well formed is scanned once, straight into the caller's
//! header slice, with no engine to build and no callbacks to go through.
//!
//! The field section is classified 64 bytes at a time
//! ([`Scanner::value_stops`]): a field line's bytes are all field-value
//! bytes, so each line ends at the next byte that is not one, which must be
//! the CR of a CRLF. Where a line ends is then a bit operation on a mask
//! loaded at a fixed offset, not a vector load at the line's start that
//! waits for the previous line to be found; the per-line checks (name,
//! whitespace, the fields the parser acts on) run off that chain.
//!
//! It is only a shortcut. Whatever it does not accept outright it declines
//! (`None`): a head cut by the end of the buffer, any error, a limit
//! reached, a lenient switch on, empty lines before the start line. The
//! caller then runs the engine, so errors, offsets and partial results come
//! from one place. What it accepts it reads with the engine's own pieces —
//! the whole-line recognisers ([`line`]), the field semantics
//! ([`semantics::note_whole_field`]) and the head summary
//! ([`body::summarize`]) — so the result is the engine's. Property tests
//! (`tests/h1_one_pass.rs`) and the `h1_request` / `h1_response` fuzz
//! targets compare the two.

use super::body::{self, StartLine};
use super::borrowed::Header;
use super::config::Config;
use super::line::{self, LineEnds};
use super::message::{Head, Method, ResponseTo, Version};
use super::parser::MessageKind;
use super::scan::{Level, ScanTask, Scanner};
use super::semantics::{self, Facts};

/// A head parsed in one pass.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WholeHead<'b> {
    pub version: Version,
    /// The method and request-target (requests; empty for responses).
    pub method: &'b [u8],
    pub target: &'b [u8],
    /// The reason phrase (responses; empty for requests). The status code
    /// is in `head`.
    pub reason: &'b [u8],
    /// How many entries of the header slice were filled.
    pub count: usize,
    pub head: Head,
}

/// Where the one-pass path puts what it finds: the borrowed `Request` and
/// `Response`. The calls are inlined into the scanning function, so the
/// results are stored once, straight into their final place.
pub(crate) trait Sink<'b> {
    /// The caller's header slice.
    fn headers(&mut self) -> &mut [Header<'b>];
    /// Takes a complete head; its fields are in the first `head.count`
    /// entries of the header slice.
    fn complete(&mut self, head: WholeHead<'b>);
}

/// Parses the head at the start of `buf` into `out` and returns its length
/// (empty line included), or declines (`None`).
///
/// After `None`, `out`'s header slice may have been written to (the engine
/// overwrites what it reports); nothing else was touched.
#[inline]
pub(crate) fn parse<'b, O: Sink<'b>>(
    kind: MessageKind,
    to: ResponseTo,
    config: &Config,
    buf: &'b [u8],
    out: &mut O,
) -> Option<usize> {
    parse_at(Level::detect(), kind, to, config, buf, out)
}

/// [`parse`] with a given scanner level (tests compare the levels).
#[inline]
pub(crate) fn parse_at<'b, O: Sink<'b>>(
    level: Level,
    kind: MessageKind,
    to: ResponseTo,
    config: &Config,
    buf: &'b [u8],
    out: &mut O,
) -> Option<usize> {
    // The lenient switches change how lines end and continue; the engine
    // alone handles them.
    if config.lenient_bare_lf || config.lenient_obs_fold {
        return None;
    }
    let task = OnePass {
        kind,
        to,
        config,
        buf,
        out,
    };
    level.dispatch(task)
}

/// The one-pass parse, run under the scanner [`Level::dispatch`] picks.
struct OnePass<'c, 'o, 'b, O> {
    kind: MessageKind,
    to: ResponseTo,
    config: &'c Config,
    buf: &'b [u8],
    out: &'o mut O,
}

impl<'b, O: Sink<'b>> ScanTask for OnePass<'_, '_, 'b, O> {
    type Output = Option<usize>;

    #[inline(always)]
    fn run<S: Scanner>(self, s: S) -> Self::Output {
        let OnePass {
            kind,
            to,
            config,
            buf,
            out,
        } = self;
        let headers = out.headers();
        // Bytes past the head size limit are never looked at: a head that
        // needs them is the engine's to reject.
        let data = &buf[..buf.len().min(config.max_head_size)];
        let (mut method, mut target, mut reason): (&[u8], &[u8], &[u8]) = (b"", b"", b"");
        let (start, minor, pos) = match kind {
            MessageKind::Request => {
                let l = line::request_line(s, data, 0, config)?;
                (method, target) = (l.method, l.target);
                let start = StartLine::Request(Method::from_bytes(l.method));
                (start, l.minor, l.next)
            }
            MessageKind::Response => {
                let l = line::status_line(s, data, 0, config)?;
                reason = l.reason;
                (StartLine::Response(l.status, to), l.minor, l.next)
            }
        };
        let version = Version { major: 1, minor };
        let request = kind == MessageKind::Request;
        // A field line past this many is the engine's to reject.
        let headers = headers.get_mut(..config.max_headers.min(headers.len()))?;
        let mut facts = Facts::default();
        let (end, count) = field_section(s, request, data, pos, headers, &mut facts)?;
        let (head, _) = body::summarize(
            start,
            version,
            &facts,
            count,
            config.require_host,
            end as u64,
        )
        .ok()?;
        out.complete(WholeHead {
            version,
            method,
            target,
            reason,
            count,
            head,
        });
        Some(end + 2)
    }
}

/// Reads the field lines from `pos` into `headers` (declining past its
/// end) and their meaning into `facts`; returns where the empty line that
/// ends the section starts and how many lines were read.
#[inline(always)]
fn field_section<'b, S: Scanner>(
    s: S,
    request: bool,
    data: &'b [u8],
    pos: usize,
    headers: &mut [Header<'b>],
    facts: &mut Facts,
) -> Option<(usize, usize)> {
    let mut count = 0;
    let mut line = pos;
    let mut ends = LineEnds::new(s, data, pos);
    loop {
        let cr = ends.next(s, data, line);
        if data.get(cr..cr + 2) != Some(b"\r\n") {
            return None;
        }
        if cr == line {
            return Some((cr, count));
        }
        let field = line::split_field(s, data, line, cr)?;
        semantics::note_whole_field(s, request, data, &field, line, 0, facts).ok()?;
        *headers.get_mut(count)? = Header {
            name: field.name,
            value: field.value,
        };
        count += 1;
        line = field.next;
        ends.pass_crlf();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h1::{EMPTY_HEADER, Request};
    use proptest::prelude::*;

    const REQ: &[u8] = b"GET /cookies HTTP/1.1\r\nHost: 127.0.0.1:8090\r\nConnection: keep-alive\r\nCache-Control: max-age=0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.17 (KHTML, like Gecko) Chrome/24.0.1312.56 Safari/537.17\r\nAccept-Encoding: gzip,deflate,sdch\r\nAccept-Language: en-US,en;q=0.8\r\nAccept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.3\r\nCookie: name=wookie\r\n\r\n";

    #[test]
    fn the_benchmark_request_takes_the_one_pass_path_at_every_level() {
        for level in Level::all_available() {
            let mut headers = [EMPTY_HEADER; 16];
            let mut req = Request::new(&mut headers);
            let kind = MessageKind::Request;
            let len = parse_at(
                level,
                kind,
                ResponseTo::Other,
                &Config::default(),
                REQ,
                &mut req,
            );
            assert_eq!(len, Some(REQ.len()), "{level:?}");
            assert_eq!(
                (req.method, req.target),
                (Some(&b"GET"[..]), Some(&b"/cookies"[..]))
            );
            assert_eq!(req.headers.len(), 9);
            assert_eq!(
                req.headers[8],
                Header {
                    name: b"Cookie",
                    value: b"name=wookie"
                }
            );
        }
    }

    /// What a one-pass parse at `level` gives, as text.
    fn outcome(level: Level, buf: &[u8]) -> String {
        let mut headers = [EMPTY_HEADER; 12];
        let mut req = Request::new(&mut headers);
        let kind = MessageKind::Request;
        let len = parse_at(
            level,
            kind,
            ResponseTo::Other,
            &Config::default(),
            buf,
            &mut req,
        );
        format!("{len:?} {req:?}")
    }

    fn head() -> impl Strategy<Value = Vec<u8>> {
        let line = (
            "[A-Za-z-]{1,40}",
            "[ \t]{0,2}",
            "[ -~\t]{0,100}",
            "[ \t]{0,2}",
        );
        (
            proptest::collection::vec(line, 0..10),
            proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        )
            .prop_map(|(lines, edits)| {
                let mut m = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
                for (name, lead, value, trail) in lines {
                    m.extend(format!("{name}:{lead}{value}{trail}\r\n").bytes());
                }
                m.extend_from_slice(b"\r\n");
                for (at, b) in edits {
                    let i = at.index(m.len());
                    m[i] = b;
                }
                m
            })
    }

    proptest! {
        #[test]
        fn every_scanner_level_reads_the_same_head(buf in head(), cut in any::<prop::sample::Index>()) {
            let cut = cut.index(buf.len() + 1);
            for b in [&buf[..], &buf[..cut]] {
                let want = outcome(Level::Scalar, b);
                for level in Level::all_available() {
                    prop_assert_eq!(&outcome(level, b), &want, "{:?}", level);
                }
            }
        }
    }
}
