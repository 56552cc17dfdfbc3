//! The borrowed API's one-pass path must be invisible: `Request::parse_with`
//! and `Response::parse_with` (one-pass path, engine on decline) give
//! exactly what the engine alone gives (`parse_with_engine`) — the same
//! `Parsed` or the same error kind and offset, the same start line, the
//! same headers (as the same slices of the buffer) and the same `Head` — on
//! valid, mutated and truncated heads, with any configuration and header
//! slice size, for every prefix of the buffer.

use h2kit_proto::h1::{
    Config, EMPTY_HEADER, Error, Head, Header, Parsed, Request, Response, ResponseTo, Version,
};
use proptest::prelude::*;

/// Where a slice lies in the buffer; empty slices compare equal wherever
/// they point (the engine may hand out a static empty slice).
type Span = Option<(usize, usize)>;

fn span(buf: &[u8], s: &[u8]) -> Span {
    if s.is_empty() {
        return None;
    }
    let at = (s.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
    Some((at, s.len()))
}

/// Everything a borrowed parse reports.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    result: Result<Parsed<usize>, Error>,
    method: Option<Span>,
    target: Option<Span>,
    status: Option<u16>,
    reason: Option<Span>,
    version: Option<Version>,
    headers: Vec<(Span, Span)>,
    head: Option<Head>,
}

fn headers_seen(buf: &[u8], headers: &[Header<'_>]) -> Vec<(Span, Span)> {
    headers
        .iter()
        .map(|h| (span(buf, h.name), span(buf, h.value)))
        .collect()
}

fn request(buf: &[u8], config: &Config, slots: usize, engine_only: bool) -> Seen {
    let mut headers = vec![EMPTY_HEADER; slots];
    let mut r = Request::new(&mut headers);
    let result = if engine_only {
        r.parse_with_engine(buf, config)
    } else {
        r.parse_with(buf, config)
    };
    Seen {
        result,
        method: r.method.map(|m| span(buf, m)),
        target: r.target.map(|t| span(buf, t)),
        status: None,
        reason: None,
        version: r.version,
        headers: headers_seen(buf, r.headers),
        head: r.head,
    }
}

fn response(buf: &[u8], config: &Config, to: ResponseTo, slots: usize, engine_only: bool) -> Seen {
    let mut headers = vec![EMPTY_HEADER; slots];
    let mut r = Response::new(&mut headers);
    let result = if engine_only {
        r.parse_with_engine(buf, config, to)
    } else {
        r.parse_with(buf, config, to)
    };
    Seen {
        result,
        method: None,
        target: None,
        status: r.status,
        reason: r.reason.map(|s| span(buf, s)),
        version: r.version,
        headers: headers_seen(buf, r.headers),
        head: r.head,
    }
}

/// A field whose name the parser acts on, with values that exercise its
/// grammar and the head summary; or any token with any value.
fn field() -> impl Strategy<Value = (String, String)> {
    let known = |name: &'static str, values: &'static [&'static str]| {
        proptest::sample::select(values).prop_map(move |v| (name.to_string(), v.to_string()))
    };
    prop_oneof![
        6 => ("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}", "[ -~\t\u{80}-\u{ff}]{0,40}"),
        1 => ("[A-Za-z: \t\"@\u{80}-]{0,5}", "[ -~]{0,10}"),
        1 => ("[A-Za-z-]{30,40}", "[ -~]{0,10}"),
        1 => known("Content-Length", &["0", "5", "5, 5", "5,6", "x", "18446744073709551616", ""]),
        1 => known("transfer-encoding", &["chunked", "gzip, chunked", "chunked, gzip", "Chunked", "chunky", "gzip", ""]),
        1 => known("Connection", &["keep-alive", "close", "Upgrade", "upgrade, Keep-Alive", "close;x", "HTTP2-Settings, Upgrade"]),
        1 => known("Upgrade", &["h2c", "websocket", "foo/1", "h2c, websocket", "@"]),
        1 => known("Host", &["a", "127.0.0.1:8090", "bad host", "", "[::1]:80"]),
        1 => known("Expect", &["100-continue", "100-Continue", "100-continued"]),
        1 => known("HTTP2-Settings", &["AAMAAABkAAQAAP__", ""]),
    ]
}

/// Leading or trailing whitespace around a value, sometimes a lot of it.
fn ows() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[ \t]{0,2}",
        1 => (60usize..70).prop_map(|n| " ".repeat(n)),
    ]
}

fn latin1(s: &str) -> Vec<u8> {
    s.chars().map(|c| c as u32 as u8).collect()
}

fn fields() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec((field(), ows(), ows()), 0..10).prop_map(|fields| {
        let mut out = Vec::new();
        for ((name, value), lead, trail) in fields {
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            out.extend_from_slice(lead.as_bytes());
            out.extend(latin1(&value));
            out.extend_from_slice(trail.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    })
}

fn request_head() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(&["GET", "HEAD", "POST", "CONNECT", "OPTIONS", "M-SEARCH"][..]),
        "/[!-~]{0,30}",
        proptest::sample::select(&["1.1", "1.0", "1.9", "2.0"][..]),
        fields(),
    )
        .prop_map(|(method, target, version, fields)| {
            let mut m = format!("{method} {target} HTTP/{version}\r\n").into_bytes();
            m.extend(fields);
            m
        })
}

fn response_head() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(&[100u16, 101, 200, 204, 304, 404, 500, 999][..]),
        "[ -~\t]{0,12}",
        proptest::sample::select(&["1.1", "1.0"][..]),
        fields(),
    )
        .prop_map(|(status, reason, version, fields)| {
            let mut m = format!("HTTP/{version} {status} {reason}\r\n").into_bytes();
            m.extend(fields);
            m
        })
}

/// Up to three edits: a byte replaced, inserted or removed, with bytes
/// that matter to the grammar.
fn mutate(head: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let byte = proptest::sample::select(
        &[
            b'\r', b'\n', b' ', b'\t', 0, b':', 0x7f, 0x80, b'a', b'"', b',', b';',
        ][..],
    );
    proptest::collection::vec((0u8..3, any::<prop::sample::Index>(), byte), 0..4).prop_map(
        move |edits| {
            let mut m = head.clone();
            for (op, at, b) in edits {
                if m.is_empty() {
                    break;
                }
                let i = at.index(m.len());
                match op {
                    0 => m[i] = b,
                    1 => m.insert(i, b),
                    _ => {
                        m.remove(i);
                    }
                }
            }
            m
        },
    )
}

fn config() -> impl Strategy<Value = Config> {
    prop_oneof![
        3 => Just(Config::default()),
        2 => (
            proptest::sample::select(&[0usize, 1, 2, 3, 100][..]),
            proptest::sample::select(&[16usize, 40, 64, 100, 65536][..]),
            proptest::sample::select(&[4usize, 8192][..]),
            any::<bool>(),
            proptest::bits::u8::between(0, 2),
        )
            .prop_map(|(max_headers, max_head_size, max_target_len, require_host, lenient)| Config {
                max_headers,
                max_head_size,
                max_target_len,
                require_host,
                lenient_bare_lf: lenient & 1 != 0,
                lenient_obs_fold: lenient & 2 != 0,
                ..Config::default()
            }),
    ]
}

/// A buffer: the head, maybe mutated, maybe followed by more bytes (a body
/// or the next message).
fn buffer(head: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (
        head.prop_flat_map(|h| prop_oneof![1 => Just(h.clone()), 2 => mutate(h)]),
        proptest::collection::vec(any::<u8>(), 0..70),
    )
        .prop_map(|(mut h, rest)| {
            h.extend(rest);
            h
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn one_pass_requests_agree_with_the_engine_on_every_prefix(
        buf in buffer(request_head()),
        config in config(),
        slots in 0usize..14,
    ) {
        for end in 0..=buf.len() {
            let b = &buf[..end];
            prop_assert_eq!(
                request(b, &config, slots, false),
                request(b, &config, slots, true),
                "prefix {} of {:?}", end, String::from_utf8_lossy(&buf)
            );
        }
    }

    #[test]
    fn one_pass_responses_agree_with_the_engine_on_every_prefix(
        buf in buffer(response_head()),
        config in config(),
        to in proptest::sample::select(&[ResponseTo::Other, ResponseTo::Head, ResponseTo::Connect][..]),
        slots in 0usize..14,
    ) {
        for end in 0..=buf.len() {
            let b = &buf[..end];
            prop_assert_eq!(
                response(b, &config, to, slots, false),
                response(b, &config, to, slots, true),
                "prefix {} of {:?}", end, String::from_utf8_lossy(&buf)
            );
        }
    }

    #[test]
    fn one_pass_agrees_with_the_engine_on_arbitrary_bytes(
        data in proptest::collection::vec(any::<u8>(), 0..300),
        config in config(),
        slots in 0usize..14,
    ) {
        prop_assert_eq!(request(&data, &config, slots, false), request(&data, &config, slots, true));
        let to = ResponseTo::Other;
        prop_assert_eq!(
            response(&data, &config, to, slots, false),
            response(&data, &config, to, slots, true)
        );
    }
}

/// The classic benchmark request, whole and cut anywhere, and followed by
/// a pipelined copy of itself.
#[test]
fn the_benchmark_request_agrees_with_the_engine() {
    const REQ: &[u8] = b"GET /cookies HTTP/1.1\r\nHost: 127.0.0.1:8090\r\nConnection: keep-alive\r\nCache-Control: max-age=0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.17 (KHTML, like Gecko) Chrome/24.0.1312.56 Safari/537.17\r\nAccept-Encoding: gzip,deflate,sdch\r\nAccept-Language: en-US,en;q=0.8\r\nAccept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.3\r\nCookie: name=wookie\r\n\r\n";
    let twice = [REQ, REQ].concat();
    for end in 0..=twice.len() {
        let b = &twice[..end];
        let config = Config::default();
        assert_eq!(
            request(b, &config, 16, false),
            request(b, &config, 16, true),
            "prefix {end}"
        );
    }
    let seen = request(REQ, &Config::default(), 16, false);
    assert_eq!(seen.result, Ok(Parsed::Complete(REQ.len())));
    assert_eq!(seen.headers.len(), 9);
}
