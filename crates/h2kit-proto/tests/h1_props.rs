//! Property tests: any split of a valid message parses like the whole, and
//! arbitrary bytes never panic.

mod h1_common;

use h1_common::*;
use h2kit_proto::h1::{Config, EMPTY_HEADER, MessageKind, Parser, Request, Response, ResponseTo};
use proptest::prelude::*;

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn value() -> impl Strategy<Value = String> {
    // Inner whitespace and obs-text included; no leading/trailing OWS.
    "([!-~\u{80}-\u{ff}]([ \t!-~\u{80}-\u{ff}]{0,30}[!-~])?)?".prop_map(|s| {
        s.chars()
            .map(|c| if (c as u32) < 0x100 { c } else { 'x' })
            .collect()
    })
}

fn latin1(s: &str) -> Vec<u8> {
    s.chars().map(|c| c as u32 as u8).collect()
}

#[derive(Debug, Clone)]
enum Framing {
    None,
    Length(Vec<u8>),
    Chunked(Vec<Vec<u8>>, Vec<(String, String)>),
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        Just(Framing::None),
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(Framing::Length),
        (
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..40), 0..4),
            proptest::collection::vec((token(), value()), 0..3),
        )
            .prop_map(|(c, t)| Framing::Chunked(c, t)),
    ]
}

fn message(request: bool) -> impl Strategy<Value = Vec<u8>> {
    (
        token(),
        "/[!-~]{0,20}",
        100u16..600,
        proptest::collection::vec((token(), value(), "[ \t]{0,3}", "[ \t]{0,3}"), 0..8),
        framing(),
    )
        .prop_map(move |(method, target, status, fields, framing)| {
            // Statuses without a body (1xx, 204, 304) would leave the body
            // bytes to be read as the next message.
            let status = if status < 200 || status == 204 || status == 304 {
                200
            } else {
                status
            };
            let mut m = if request {
                format!("{method} {target} HTTP/1.1\r\nHost: example\r\n").into_bytes()
            } else {
                format!("HTTP/1.1 {status} Reason phrase\r\n").into_bytes()
            };
            for (name, value, lead, trail) in &fields {
                // Skip names the parser acts on, so the framing stays as chosen.
                let lower = name.to_ascii_lowercase();
                if [
                    "content-length",
                    "transfer-encoding",
                    "host",
                    "connection",
                    "upgrade",
                    "expect",
                ]
                .contains(&lower.as_str())
                {
                    continue;
                }
                m.extend_from_slice(name.as_bytes());
                m.push(b':');
                m.extend_from_slice(lead.as_bytes());
                m.extend(latin1(value));
                m.extend_from_slice(trail.as_bytes());
                m.extend_from_slice(b"\r\n");
            }
            match &framing {
                Framing::None => m.extend_from_slice(b"Content-Length: 0\r\n\r\n"),
                Framing::Length(body) => {
                    m.extend_from_slice(
                        format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes(),
                    );
                    m.extend_from_slice(body);
                }
                Framing::Chunked(chunks, trailers) => {
                    m.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                    for c in chunks {
                        m.extend_from_slice(format!("{:x};ext=\"q\"\r\n", c.len()).as_bytes());
                        m.extend_from_slice(c);
                        m.extend_from_slice(b"\r\n");
                    }
                    m.extend_from_slice(b"0\r\n");
                    for (n, v) in trailers {
                        m.extend_from_slice(format!("{n}: ").as_bytes());
                        m.extend(latin1(v));
                        m.extend_from_slice(b"\r\n");
                    }
                    m.extend_from_slice(b"\r\n");
                }
            }
            m
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_split_of_valid_requests_gives_the_same_result(
        msgs in proptest::collection::vec(message(true), 1..4),
        cuts in proptest::collection::vec(1usize..40, 1..6),
    ) {
        let input = msgs.concat();
        let whole = run_split(MessageKind::Request, Config::default(), ResponseTo::Other, &input, &[0]);
        prop_assert_eq!(whole.error, None);
        prop_assert_eq!(whole.messages.len(), msgs.len());
        prop_assert!(whole.messages.iter().all(|m| m.complete));
        let split = run_split(MessageKind::Request, Config::default(), ResponseTo::Other, &input, &cuts);
        prop_assert_eq!(&split, &whole);
        let bytewise = run_split(MessageKind::Request, Config::default(), ResponseTo::Other, &input, &[1]);
        prop_assert_eq!(&bytewise, &whole);
        // The borrowed API agrees on the first head.
        let mut headers = [EMPTY_HEADER; 16];
        let mut r = Request::new(&mut headers);
        prop_assert!(r.parse(&input).unwrap().is_complete());
        let first = &whole.messages[0];
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = r.headers.iter().map(|h| (h.name.to_vec(), h.value.to_vec())).collect();
        prop_assert_eq!(&pairs, &first.headers);
        prop_assert_eq!(r.head, first.head);
    }

    #[test]
    fn any_split_of_valid_responses_gives_the_same_result(
        msgs in proptest::collection::vec(message(false), 1..4),
        cuts in proptest::collection::vec(1usize..40, 1..6),
    ) {
        let input = msgs.concat();
        let whole = run_split(MessageKind::Response, Config::default(), ResponseTo::Other, &input, &[0]);
        prop_assert_eq!(whole.error, None);
        let split = run_split(MessageKind::Response, Config::default(), ResponseTo::Other, &input, &cuts);
        prop_assert_eq!(&split, &whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..300),
        cut in 1usize..50,
        flags in any::<u8>(),
    ) {
        let config = Config {
            lenient_bare_lf: flags & 1 != 0,
            lenient_obs_fold: flags & 2 != 0,
            require_host: flags & 4 != 0,
            ..Config::default()
        };
        for kind in [MessageKind::Request, MessageKind::Response] {
            let a = comparable(&run_split(kind, config, ResponseTo::Other, &data, &[0]));
            let b = comparable(&run_split(kind, config, ResponseTo::Other, &data, &[cut]));
            prop_assert_eq!(a, b);
        }
        let mut headers = [EMPTY_HEADER; 8];
        let _ = Request::new(&mut headers).parse_with(&data, &config);
        let mut headers = [EMPTY_HEADER; 8];
        let _ = Response::new(&mut headers).parse(&data);
    }

    #[test]
    fn mostly_valid_bytes_never_panic(
        data in proptest::collection::vec(prop_oneof![
            8 => "[a-zA-Z0-9:/ ]".prop_map(|s| s.as_bytes()[0]),
            2 => Just(b'\r'), 2 => Just(b'\n'), 1 => Just(b'\t'), 1 => any::<u8>(),
        ], 0..200),
        prefix in prop_oneof![
            Just(&b"GET / HTTP/1.1\r\nHost: a\r\n"[..]),
            Just(&b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"[..]),
            Just(&b"HTTP/1.1 200 OK\r\n"[..]),
        ],
        cut in 1usize..20,
    ) {
        let input = [prefix, &data[..]].concat();
        for kind in [MessageKind::Request, MessageKind::Response] {
            let a = comparable(&run_split(kind, Config::default(), ResponseTo::Other, &input, &[0]));
            let b = comparable(&run_split(kind, Config::default(), ResponseTo::Other, &input, &[cut]));
            prop_assert_eq!(a, b);
        }
        let mut p = Parser::request();
        let _ = p.execute(&mut (), &input);
    }
}
