//! RFC 9112 (HTTP/1.1) rules, each checked through the callback API under
//! every split of the input, and through the borrowed API where it applies.

mod h1_common;

use h1_common::*;
use h2kit_proto::h1::{
    BodyKind, Config, EMPTY_HEADER, ErrorKind, Flow, Handler, Head, HeadAction, HeaderMap, Method,
    Parsed, Parser, Request, Response, ResponseTo, Status, Version,
};

fn err_kind(o: &Outcome) -> Option<ErrorKind> {
    o.error.map(|e| e.kind())
}

fn borrowed_req(input: &[u8]) -> Result<Parsed<usize>, h2kit_proto::h1::Error> {
    let mut headers = [EMPTY_HEADER; 32];
    Request::new(&mut headers).parse(input)
}

// ---- §2: message format and parsing ----

#[test]
fn rfc9112_2_1_request_message_is_parsed() {
    let o = req(b"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n");
    assert_eq!(o.error, None);
    let m = &o.messages[0];
    assert_eq!(m.method.as_deref(), Some(&b"GET"[..]));
    assert_eq!(m.target.as_deref(), Some(&b"/a?b=c"[..]));
    assert_eq!(m.version, Some(Version::HTTP_11));
    assert_eq!(
        m.headers,
        vec![
            (b"Host".to_vec(), b"example.com".to_vec()),
            (b"Accept".to_vec(), b"*/*".to_vec())
        ]
    );
    let head = m.head.unwrap();
    assert_eq!(
        (head.method, head.body, head.keep_alive),
        (Some(Method::Get), BodyKind::None, true)
    );
    assert!(m.complete);
}

#[test]
fn rfc9112_2_2_bare_cr_is_rejected() {
    for input in [
        &b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"[..],
        b"GET / HTTP/1.1\rHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\n\rx",
    ] {
        let o = req(input);
        assert_eq!(err_kind(&o), Some(ErrorKind::BareCr), "{input:?}");
    }
    let o = req(b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n");
    assert_eq!(o.error.unwrap().offset(), 23);
    assert!(borrowed_req(b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n").is_err());
}

#[test]
fn rfc9112_2_2_bare_lf_is_rejected_unless_lenient() {
    let input = b"GET / HTTP/1.1\nHost: a\nX: y\n\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_eq!(err_kind(&req(input)), Some(ErrorKind::BareLf));
    let lenient = Config {
        lenient_bare_lf: true,
        ..Config::default()
    };
    let o = req_with(lenient, input);
    assert_eq!(o.error, None);
    assert_eq!(o.messages.len(), 2);
    assert_eq!(o.messages[0].headers.len(), 2);
    let mut headers = [EMPTY_HEADER; 4];
    assert!(Request::new(&mut headers).parse(input).is_err());
    let mut headers = [EMPTY_HEADER; 4];
    let mut r = Request::new(&mut headers);
    assert_eq!(r.parse_with(input, &lenient).unwrap(), Parsed::Complete(29));
    assert_eq!(r.headers[1].value, b"y");
}

#[test]
fn rfc9112_2_2_empty_lines_before_the_request_line_are_ignored() {
    let o = req(b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(o.error, None);
    assert_eq!(o.messages.len(), 1);
}

#[test]
fn rfc9112_2_2_whitespace_between_start_line_and_first_field_is_rejected() {
    let o = req(b"GET / HTTP/1.1\r\n Host: a\r\n\r\n");
    assert_eq!(err_kind(&o), Some(ErrorKind::WhitespaceAfterStartLine));
    assert_eq!(o.error.unwrap().offset(), 16);
}

#[test]
fn rfc9112_2_3_version_must_be_http_digit_dot_digit() {
    for bad in [
        &b"GET / HTTP/1.x\r\n\r\n"[..],
        b"GET / http/1.1\r\n\r\n",
        b"GET / HTTP/11\r\n\r\n",
        b"GET / HTTP/1.1 \r\n\r\n",
    ] {
        assert_eq!(
            err_kind(&req(bad)),
            Some(ErrorKind::InvalidVersion),
            "{bad:?}"
        );
    }
    assert_eq!(
        err_kind(&req(b"GET / HTTP/2.0\r\n\r\n")),
        Some(ErrorKind::UnsupportedVersion)
    );
    assert_eq!(
        err_kind(&resp(b"HTTP/3.0 200 OK\r\n\r\n")),
        Some(ErrorKind::UnsupportedVersion)
    );
    let o = req(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(o.messages[0].version, Some(Version::HTTP_10));
    // A higher minor version is accepted and treated as 1.1 (RFC 9110 §2.5).
    let o = req(b"GET / HTTP/1.2\r\nHost: a\r\n\r\n");
    assert_eq!(
        (o.error, o.messages[0].head.unwrap().keep_alive),
        (None, true)
    );
}

// ---- §3: request line ----

#[test]
fn rfc9112_3_request_line_needs_single_spaces() {
    assert_eq!(
        err_kind(&req(b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n")),
        Some(ErrorKind::InvalidTarget)
    );
    assert_eq!(
        err_kind(&req(b"GET /  HTTP/1.1\r\nHost: a\r\n\r\n")),
        Some(ErrorKind::InvalidVersion)
    );
    assert_eq!(
        err_kind(&req(b"GET /\r\n\r\n")),
        Some(ErrorKind::InvalidRequestLine)
    );
    assert_eq!(
        err_kind(&req(b" GET / HTTP/1.1\r\n\r\n")),
        Some(ErrorKind::InvalidMethod)
    );
}

#[test]
fn rfc9112_3_1_method_is_a_case_sensitive_token() {
    let o = req(b"M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(o.messages[0].head.unwrap().method, Some(Method::Other));
    let o = req(b"get / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(o.messages[0].head.unwrap().method, Some(Method::Other));
    let o = req(b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::InvalidMethod), 1)
    );
    assert!(borrowed_req(b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n").is_err());
}

#[test]
fn rfc9112_3_2_target_bytes_are_checked() {
    for bad in [
        &b"GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"[..],
        b"GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /\0 HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(
            err_kind(&req(bad)),
            Some(ErrorKind::InvalidTarget),
            "{bad:?}"
        );
        assert!(borrowed_req(bad).is_err());
    }
}

#[test]
fn rfc9112_3_2_target_length_is_limited() {
    let config = Config {
        max_target_len: 10,
        ..Config::default()
    };
    let ok = b"GET /123456789 HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_eq!(req_with(config, ok).error, None);
    let long = b"GET /1234567890 HTTP/1.1\r\nHost: a\r\n\r\n";
    let o = req_with(config, long);
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::TargetTooLong), 14)
    );
}

#[test]
fn rfc9112_3_2_http11_request_needs_exactly_one_host() {
    let o = req(b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::InvalidHost), 29)
    );
    assert_eq!(
        err_kind(&req(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")),
        Some(ErrorKind::InvalidHost)
    );
    assert_eq!(
        err_kind(&req(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n")),
        Some(ErrorKind::InvalidHost)
    );
    // An empty Host is valid (no authority), and HTTP/1.0 needs none.
    assert_eq!(req(b"GET / HTTP/1.1\r\nHost:\r\n\r\n").error, None);
    assert_eq!(req(b"GET / HTTP/1.0\r\n\r\n").error, None);
    let lenient = Config {
        require_host: false,
        ..Config::default()
    };
    assert_eq!(req_with(lenient, b"GET / HTTP/1.1\r\n\r\n").error, None);
    let mut headers = [EMPTY_HEADER; 4];
    assert_eq!(
        Request::new(&mut headers)
            .parse(b"GET / HTTP/1.1\r\n\r\n")
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidHost
    );
}

// ---- §4: status line ----

#[test]
fn rfc9112_4_status_line_is_parsed() {
    let o = resp(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    let m = &o.messages[0];
    assert_eq!(
        (m.status, m.reason.as_deref()),
        (Some(404), Some(&b"Not Found"[..]))
    );
    assert_eq!(m.method, None);
    // The reason phrase may be empty, and the SP before it may be missing.
    let o = resp(b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n");
    assert_eq!(o.messages[0].reason.as_deref(), Some(&b""[..]));
    let o = resp(b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
    assert_eq!((o.error, o.messages[0].status), (None, Some(200)));
    for bad in [
        &b"HTTP/1.1 20 OK\r\n\r\n"[..],
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 099 X\r\n\r\n",
        b"HTTP/1.1  200 OK\r\n\r\n",
    ] {
        assert_eq!(
            err_kind(&resp(bad)),
            Some(ErrorKind::InvalidStatusLine),
            "{bad:?}"
        );
    }
    assert_eq!(
        err_kind(&resp(b"HTTP/1.1 200 O\x01K\r\n\r\n")),
        Some(ErrorKind::InvalidReason)
    );
    let mut headers = [EMPTY_HEADER; 4];
    let mut r = Response::new(&mut headers);
    assert_eq!(
        r.parse(b"HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n")
            .unwrap(),
        Parsed::Complete(36)
    );
    assert_eq!(
        (r.status, r.reason, r.headers.len()),
        (Some(301), Some(&b"Moved"[..]), 1)
    );
}

// ---- §5: field syntax ----

#[test]
fn rfc9112_5_1_whitespace_before_colon_is_rejected() {
    let o = req(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n");
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::WhitespaceBeforeColon), 20)
    );
    assert_eq!(
        err_kind(&req(b"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n")),
        Some(ErrorKind::WhitespaceBeforeColon)
    );
    assert!(borrowed_req(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n").is_err());
}

#[test]
fn rfc9112_5_1_leading_and_trailing_ows_is_not_part_of_the_value() {
    let input = b"GET / HTTP/1.1\r\nHost:a\r\nX: \t v a l \t \r\nY:   \r\nZ:\t\r\n\r\n";
    let o = req(input);
    let m = &o.messages[0];
    assert_eq!(header(m, "x"), Some(&b"v a l"[..]));
    assert_eq!(header(m, "y"), Some(&b""[..]));
    assert_eq!(header(m, "z"), Some(&b""[..]));
    let mut headers = [EMPTY_HEADER; 8];
    let mut r = Request::new(&mut headers);
    assert!(r.parse(input).unwrap().is_complete());
    assert_eq!(
        r.headers[1],
        h2kit_proto::h1::Header {
            name: b"X",
            value: b"v a l"
        }
    );
    assert_eq!(r.headers[2].value, b"");
}

#[test]
fn rfc9112_5_1_inner_whitespace_survives_any_split() {
    // A long inner run and a mixed SP/HTAB run, split everywhere.
    let mut input = b"GET / HTTP/1.1\r\nHost: a\r\nX: a".to_vec();
    input.extend(std::iter::repeat_n(b' ', 100));
    input.extend_from_slice(b"b \t \t c\r\n\r\n");
    let o = req(&input);
    let mut want = b"a".to_vec();
    want.extend(std::iter::repeat_n(b' ', 100));
    want.extend_from_slice(b"b \t \t c");
    assert_eq!(header(&o.messages[0], "x"), Some(&want[..]));
}

#[test]
fn rfc9112_5_1_very_long_trailing_whitespace_is_rejected_under_any_split() {
    let mut input = b"GET / HTTP/1.1\r\nHost: a\r\nX: a".to_vec();
    input.extend(std::iter::repeat_n(b' ', 65));
    input.extend_from_slice(b"\r\n\r\n");
    assert_eq!(
        err_kind(&req(&input)),
        Some(ErrorKind::TrailingWhitespaceTooLong)
    );
}

#[test]
fn rfc9112_5_1_long_trailing_whitespace_is_not_checked_as_part_of_the_value() {
    // Found by fuzzing: a Host value "a" with 117 trailing tabs. The tabs are
    // not part of the value, so the error is the whitespace, not the Host.
    let mut input = b"GET / HTTP/1.1\r\nHost: a".to_vec();
    input.extend(std::iter::repeat_n(b'\t', 117));
    input.extend_from_slice(b"\r\n\r\n");
    let o = req(&input);
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::TrailingWhitespaceTooLong), 140)
    );
    // And when the long run is inside the value, the Host check sees it.
    let mut input = b"GET / HTTP/1.1\r\nHost: a".to_vec();
    input.extend(std::iter::repeat_n(b'\t', 117));
    input.extend_from_slice(b"b\r\n\r\n");
    let o = req(&input);
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::InvalidHost), 23)
    );
}

#[test]
fn rfc9112_5_1_field_names_must_be_tokens() {
    for bad in [
        &b"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\n: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost\r\n\r\n",
        b"GET / HTTP/1.1\r\nH\xc3st: a\r\n\r\n",
    ] {
        assert_eq!(
            err_kind(&req(bad)),
            Some(ErrorKind::InvalidHeaderName),
            "{bad:?}"
        );
        assert!(borrowed_req(bad).is_err());
    }
}

#[test]
fn rfc9110_5_5_field_values_reject_control_bytes() {
    for bad in [
        &b"GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x1bb\r\n\r\n",
    ] {
        let o = req(bad);
        assert_eq!(
            (err_kind(&o), o.error.unwrap().offset()),
            (Some(ErrorKind::InvalidHeaderValue), 29),
            "{bad:?}"
        );
        assert!(borrowed_req(bad).is_err());
    }
    // obs-text (bytes >= 0x80) is allowed.
    let o = req(b"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n");
    assert_eq!(header(&o.messages[0], "x"), Some(&b"caf\xc3\xa9"[..]));
}

#[test]
fn rfc9112_5_2_obs_fold_is_rejected_by_default() {
    let input = b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n  b\r\n\r\n";
    let o = req(input);
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::ObsFold), 31)
    );
    assert_eq!(borrowed_req(input).unwrap_err().kind(), ErrorKind::ObsFold);
}

#[test]
fn rfc9112_5_2_obs_fold_is_replaced_by_sp_when_lenient() {
    let lenient = Config {
        lenient_obs_fold: true,
        ..Config::default()
    };
    let input =
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a \r\n \t b\r\n\tc\r\nY:\r\n z\r\nW: w\r\n  \r\n\r\n";
    let o = req_with(lenient, input);
    assert_eq!(o.error, None);
    let m = &o.messages[0];
    assert_eq!(header(m, "x"), Some(&b"a b c"[..]));
    assert_eq!(header(m, "y"), Some(&b"z"[..]));
    assert_eq!(header(m, "w"), Some(&b"w"[..]));
    assert_eq!(m.headers.len(), 4);
    // The borrowed API keeps the raw folded bytes.
    let mut headers = [EMPTY_HEADER; 8];
    let mut r = Request::new(&mut headers);
    assert!(r.parse_with(input, &lenient).unwrap().is_complete());
    assert_eq!(r.headers[1].value, b"a \r\n \t b\r\n\tc");
}

#[test]
fn rfc9112_5_field_section_limits_are_enforced() {
    let config = Config {
        max_headers: 2,
        ..Config::default()
    };
    let o = req_with(config, b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n");
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::TooManyHeaders), 31)
    );
    let mut headers = [EMPTY_HEADER; 2];
    let err = Request::new(&mut headers)
        .parse(b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooManyHeaders);
    let config = Config {
        max_head_size: 30,
        ..Config::default()
    };
    let o = req_with(config, b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\n\r\n");
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::HeadTooLarge), 30)
    );
    assert_eq!(
        req_with(config, b"GET / HTTP/1.1\r\nHost: abcd\r\n\r\n").error,
        None
    );
}

// ---- §6: message body ----

#[test]
fn rfc9112_6_1_chunked_not_last_in_a_request_is_rejected() {
    for te in [
        "chunked, gzip",
        "gzip",
        "chunked, chunked",
        "chunked;q=1, identity",
    ] {
        let input = format!("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: {te}\r\n\r\n");
        let o = req(input.as_bytes());
        assert_eq!(err_kind(&o), Some(ErrorKind::ChunkedNotLast), "{te}");
        assert!(borrowed_req(input.as_bytes()).is_err());
    }
    // Split over two fields, chunked is still not last.
    let o = req(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n");
    assert_eq!(err_kind(&o), Some(ErrorKind::ChunkedNotLast));
}

#[test]
fn rfc9112_6_1_unknown_transfer_coding_in_a_request_is_rejected() {
    let o = req(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n");
    assert_eq!(err_kind(&o), Some(ErrorKind::UnknownTransferCoding));
    let o = req(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
    assert_eq!(o.error, None);
    assert!(o.messages[0].head.unwrap().transfer_coded);
}

#[test]
fn rfc9112_6_1_transfer_encoding_in_an_http10_request_is_rejected() {
    let o = req(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    assert_eq!(err_kind(&o), Some(ErrorKind::TransferEncodingInHttp10));
}

#[test]
fn rfc9112_6_1_transfer_coding_grammar_is_checked_before_a_later_bad_byte() {
    // Found by fuzzing: the list grammar fails at '/' before the NUL is
    // reached, however the input is split.
    let o = resp(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chuTTP/1.1 \x001\r\nT: v\r\n\r\n");
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::InvalidTransferEncoding), 42)
    );
}

#[test]
fn rfc9112_6_1_invalid_transfer_encoding_syntax_is_rejected() {
    for te in ["", "chunked;", "chunked, \"x\"", "chu nked"] {
        let input = format!("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: {te}\r\n\r\n");
        assert_eq!(
            err_kind(&req(input.as_bytes())),
            Some(ErrorKind::InvalidTransferEncoding),
            "{te:?}"
        );
    }
}

#[test]
fn rfc9112_6_3_rule1_no_body_for_head_responses_1xx_204_304() {
    let o = resp_to(ResponseTo::Head, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
    assert_eq!(o.error, None);
    assert_eq!(o.messages[0].head.unwrap().body, BodyKind::None);
    // The HEAD context applies to one response only.
    assert_eq!(o.messages[1].body, b"x");
    for status in [100, 103, 204, 304] {
        let input = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let o = resp(input.as_bytes());
        assert_eq!(o.error, None, "{status}");
        assert_eq!(o.messages[0].head.unwrap().body, BodyKind::None);
        assert!(o.messages[0].complete);
    }
    // 100 Continue, then the final response on the same connection.
    let o = resp(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    assert_eq!(o.messages.len(), 2);
    assert_eq!(o.messages[1].body, b"ok");
    let mut headers = [EMPTY_HEADER; 4];
    let mut r = Response::new(&mut headers);
    r.parse_with(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
        &Config::default(),
        ResponseTo::Head,
    )
    .unwrap();
    assert_eq!(r.head.unwrap().body, BodyKind::None);
}

#[test]
fn rfc9112_6_3_rule1_handler_can_skip_the_body() {
    struct Skip(Vec<u8>);
    impl<'b> Handler<'b> for Skip {
        fn on_headers_complete(&mut self, _: &Head) -> HeadAction {
            HeadAction::SkipBody
        }
        fn on_body(&mut self, part: &'b [u8]) {
            self.0.extend_from_slice(part);
        }
    }
    let mut p = Parser::response();
    let mut h = Skip(Vec::new());
    let input = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 204 No\r\n\r\n";
    let progress = p.execute(&mut h, input).unwrap();
    assert_eq!(progress.consumed, input.len());
    assert!(h.0.is_empty());
}

#[test]
fn rfc9112_6_3_rule2_2xx_to_connect_is_a_tunnel() {
    let input = b"HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\n\x16\x03\x01tls";
    let o = resp_to(ResponseTo::Connect, input);
    assert_eq!(o.error, None);
    assert!(o.messages[0].head.unwrap().upgrade);
    assert_eq!(o.rest.as_deref(), Some(&b"\x16\x03\x01tls"[..]));
    // A non-2xx answer to CONNECT is an ordinary response.
    let o = resp_to(
        ResponseTo::Connect,
        b"HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\nno",
    );
    assert_eq!((o.rest, o.messages[0].body.as_slice()), (None, &b"no"[..]));
}

#[test]
fn rfc9112_6_3_rule3_content_length_and_transfer_encoding_in_a_request_is_rejected() {
    // The error points at the second of the two fields.
    for (input, at) in [
        (&b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"[..], 45),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 54),
    ] {
        let o = req(input);
        assert_eq!((err_kind(&o), o.error.unwrap().offset()), (Some(ErrorKind::ContentLengthAndTransferEncoding), at));
        assert_eq!(borrowed_req(input).unwrap_err().kind(), ErrorKind::ContentLengthAndTransferEncoding);
    }
}

#[test]
fn rfc9112_6_3_rule3_in_a_response_transfer_encoding_wins_and_the_connection_closes() {
    let o = resp(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    assert_eq!(o.error, None);
    let head = o.messages[0].head.unwrap();
    assert_eq!((head.body, head.keep_alive), (BodyKind::Chunked, false));
    assert_eq!(o.messages[0].body, b"abc");
}

#[test]
fn rfc9112_6_3_rule4_response_with_chunked_not_last_is_close_delimited() {
    let o =
        resp(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw bytes\r\n0\r\n\r\n");
    assert_eq!(o.error, None);
    let m = &o.messages[0];
    assert_eq!(
        (m.head.unwrap().body, m.head.unwrap().keep_alive),
        (BodyKind::CloseDelimited, false)
    );
    assert_eq!(m.body, b"raw bytes\r\n0\r\n\r\n");
    assert!(m.complete);
}

#[test]
fn rfc9112_6_3_rule5_differing_content_lengths_are_rejected() {
    for cl in [
        "Content-Length: 5\r\nContent-Length: 6",
        "Content-Length: 5, 6",
        "Content-Length: 5,5,7",
    ] {
        let input = format!("POST / HTTP/1.1\r\nHost: a\r\n{cl}\r\n\r\n");
        assert_eq!(
            err_kind(&req(input.as_bytes())),
            Some(ErrorKind::ConflictingContentLength),
            "{cl}"
        );
        assert!(borrowed_req(input.as_bytes()).is_err());
        let input = format!("HTTP/1.1 200 OK\r\n{cl}\r\n\r\n");
        assert_eq!(
            err_kind(&resp(input.as_bytes())),
            Some(ErrorKind::ConflictingContentLength),
            "{cl}"
        );
    }
    // The same value repeated is one value.
    let o =
        req(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc");
    assert_eq!(
        (o.error, o.messages[0].body.as_slice()),
        (None, &b"abc"[..])
    );
}

#[test]
fn rfc9112_6_3_rule5_invalid_or_overflowing_content_length_is_rejected() {
    for (cl, kind) in [
        ("-1", ErrorKind::InvalidContentLength),
        ("0x5", ErrorKind::InvalidContentLength),
        ("", ErrorKind::InvalidContentLength),
        ("5 5", ErrorKind::InvalidContentLength),
        ("99999999999999999999", ErrorKind::ContentLengthOverflow),
    ] {
        let input = format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {cl}\r\n\r\n");
        assert_eq!(err_kind(&req(input.as_bytes())), Some(kind), "{cl:?}");
    }
}

#[test]
fn rfc9112_6_3_rule6_content_length_delimits_the_body() {
    let o = req(b"POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello worldGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(o.error, None);
    assert_eq!(o.messages[0].body, b"hello world");
    assert_eq!(o.messages[0].head.unwrap().body, BodyKind::Length(11));
    assert_eq!(o.messages[1].target.as_deref(), Some(&b"/"[..]));
    // Ending early is an incomplete message.
    let o = req(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::IncompleteMessage), 51)
    );
    // Content-Length: 0 is no body.
    let o = req(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(o.messages[0].head.unwrap().body, BodyKind::None);
}

#[test]
fn rfc9112_6_3_rule7_request_without_framing_has_no_body() {
    let o = req(b"DELETE /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(o.messages.len(), 2);
    assert!(o.messages[0].body.is_empty());
}

#[test]
fn rfc9112_6_3_rule8_response_without_framing_reads_until_close() {
    let o = resp(b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of this\r\nis body");
    assert_eq!(o.error, None);
    let m = &o.messages[0];
    assert_eq!(m.body, b"all of this\r\nis body");
    assert_eq!(
        (m.head.unwrap().body, m.head.unwrap().keep_alive),
        (BodyKind::CloseDelimited, false)
    );
    assert!(m.complete);
    // finish() before the head ends is an error.
    assert_eq!(
        err_kind(&resp(b"HTTP/1.1 200 OK\r\nServer")),
        Some(ErrorKind::IncompleteMessage)
    );
}

// ---- §7: chunked transfer coding ----

#[test]
fn rfc9112_7_1_chunked_body_is_decoded() {
    let input = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n000\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let o = req(input);
    assert_eq!(o.error, None);
    let m = &o.messages[0];
    assert_eq!(m.head.unwrap().body, BodyKind::Chunked);
    assert_eq!(m.body, b"helloabcdefghijklmnopqrstuvwxyz");
    assert_eq!(
        m.chunks.iter().map(|c| c.0).collect::<Vec<_>>(),
        vec![5, 26, 0]
    );
    assert_eq!(o.messages.len(), 2);
}

#[test]
fn rfc9112_7_1_invalid_chunk_sizes_are_rejected() {
    for (chunks, kind) in [
        ("x\r\n", ErrorKind::InvalidChunkSize),
        ("\r\n", ErrorKind::InvalidChunkSize),
        ("-1\r\n", ErrorKind::InvalidChunkSize),
        ("5 \r\nhello\r\n", ErrorKind::InvalidChunkExtension),
        ("10000000000000000\r\n", ErrorKind::ChunkSizeOverflow),
        ("3\r\nabcd\r\n", ErrorKind::InvalidChunkData),
        ("3\r\nabc\n0\r\n\r\n", ErrorKind::BareLf),
    ] {
        let input =
            format!("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{chunks}");
        assert_eq!(err_kind(&req(input.as_bytes())), Some(kind), "{chunks:?}");
    }
    let o = req(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF0\r\n",
    );
    assert_eq!(
        (err_kind(&o), o.error.unwrap().offset()),
        (Some(ErrorKind::ChunkSizeOverflow), 72)
    );
}

#[test]
fn rfc9112_7_1_1_chunk_extensions_are_validated_and_passed_on() {
    let input = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=1 ; b = \"x\\\"y\";c\r\nabc\r\n0;last\r\n\r\n";
    let o = req(input);
    assert_eq!(o.error, None);
    let m = &o.messages[0];
    assert_eq!(m.chunks[0], (3, b";a=1 ; b = \"x\\\"y\";c".to_vec()));
    assert_eq!(m.chunks[1], (0, b";last".to_vec()));
    for bad in ["3;\r\n", "3;a=\r\n", "3;a=\"x\r\n", "3;a b\r\n", "3;=b\r\n"] {
        let input = format!(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{bad}abc\r\n0\r\n\r\n"
        );
        assert_eq!(
            err_kind(&req(input.as_bytes())),
            Some(ErrorKind::InvalidChunkExtension),
            "{bad:?}"
        );
    }
    let config = Config {
        max_chunk_line_len: 8,
        ..Config::default()
    };
    let input = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;abcdefgh\r\nabc\r\n0\r\n\r\n";
    assert_eq!(
        err_kind(&req_with(config, input)),
        Some(ErrorKind::ChunkLineTooLong)
    );
}

#[test]
fn rfc9112_7_1_2_trailers_are_delivered() {
    let input = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nExpires: never\r\nX-Sum:  42 \r\n\r\n";
    let o = req(input);
    assert_eq!(o.error, None);
    let m = &o.messages[0];
    assert_eq!(
        m.trailers,
        vec![
            (b"Expires".to_vec(), b"never".to_vec()),
            (b"X-Sum".to_vec(), b"42".to_vec())
        ]
    );
    assert!(m.complete);
    let o = req(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: x\r\n\r\n",
    );
    assert_eq!(err_kind(&o), Some(ErrorKind::WhitespaceBeforeColon));
}

// ---- §9: connection management ----

#[test]
fn rfc9112_9_3_persistence_follows_version_and_connection() {
    let cases: [(&[u8], bool); 6] = [
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n",
            false,
        ),
        (b"GET / HTTP/1.0\r\n\r\n", false),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        (b"GET / HTTP/1.0\r\nConnection: x, keep-alive\r\n\r\n", true),
    ];
    for (input, keep_alive) in cases {
        assert_eq!(
            req(input).messages[0].head.unwrap().keep_alive,
            keep_alive,
            "{input:?}"
        );
        let mut headers = [EMPTY_HEADER; 4];
        let mut r = Request::new(&mut headers);
        r.parse(input).unwrap();
        assert_eq!(r.head.unwrap().keep_alive, keep_alive);
    }
    assert!(
        !resp(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").messages[0]
            .head
            .unwrap()
            .keep_alive
    );
    assert!(
        resp(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").messages[0]
            .head
            .unwrap()
            .keep_alive
    );
    assert_eq!(
        err_kind(&req(
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close;x\r\n\r\n"
        )),
        Some(ErrorKind::InvalidConnection)
    );
}

#[test]
fn rfc9112_9_3_2_pipelined_requests_are_parsed_in_order() {
    let input = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.1\r\nHost: a\r\n\r\n";
    let o = req(input);
    let targets: Vec<_> = o
        .messages
        .iter()
        .map(|m| m.target.clone().unwrap())
        .collect();
    assert_eq!(
        targets,
        vec![b"/1".to_vec(), b"/2".to_vec(), b"/3".to_vec()]
    );
    // The borrowed API: parse a head, skip its body, parse the next.
    let mut at = 0;
    let mut seen = Vec::new();
    while at < input.len() {
        let mut headers = [EMPTY_HEADER; 8];
        let mut r = Request::new(&mut headers);
        let Parsed::Complete(n) = r.parse(&input[at..]).unwrap() else {
            panic!("partial")
        };
        seen.push(r.target.unwrap().to_vec());
        at += n + match r.head.unwrap().body {
            BodyKind::Length(l) => l as usize,
            _ => 0,
        };
    }
    assert_eq!(seen, targets);
    // Pausing after each message lets the caller act between them.
    let mut p = Parser::request();
    let mut rec = h2kit_proto::h1::Recorder::pausing();
    let first = p.execute(&mut rec, input).unwrap();
    assert_eq!((first.consumed, first.status), (28, Status::Paused));
    assert_eq!(rec.messages.len(), 1);
}

// ---- upgrade, CONNECT, Expect (RFC 9110 §7.8, §9.3.6, §10.1.1) ----

#[test]
fn rfc9110_7_8_h2c_upgrade_is_detected_and_the_rest_is_left() {
    let input = b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let o = req(input);
    assert_eq!(o.error, None);
    let head = o.messages[0].head.unwrap();
    assert!(head.upgrade && head.h2c_upgrade && !head.websocket_upgrade);
    assert_eq!(
        o.rest.as_deref(),
        Some(&b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..])
    );
    let mut headers = [EMPTY_HEADER; 8];
    let mut r = Request::new(&mut headers);
    assert_eq!(r.parse(input).unwrap(), Parsed::Complete(input.len() - 24));
    assert!(r.head.unwrap().h2c_upgrade);
    // Two HTTP2-Settings: no h2c upgrade (RFC 7540 §3.2.1).
    let o = req(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: A\r\nHTTP2-Settings: B\r\n\r\n");
    assert!(!o.messages[0].head.unwrap().h2c_upgrade);
    // Upgrade without the "upgrade" connection option is ignored.
    let o =
        req(b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!((o.messages.len(), o.rest), (2, None));
}

#[test]
fn rfc9110_7_8_upgrade_request_body_is_read_before_stopping() {
    let input = b"POST / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 3\r\n\r\nabc\x81\x05hello";
    let o = req(input);
    let m = &o.messages[0];
    assert!(m.head.unwrap().websocket_upgrade);
    assert_eq!(m.body, b"abc");
    assert_eq!(o.rest.as_deref(), Some(&b"\x81\x05hello"[..]));
}

#[test]
fn rfc9110_7_8_switching_protocols_response_stops_after_the_head() {
    let o = resp(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n\x00\x00\x12\x04");
    assert!(o.messages[0].head.unwrap().upgrade);
    assert_eq!(o.rest.as_deref(), Some(&b"\x00\x00\x12\x04"[..]));
}

#[test]
fn rfc9110_9_3_6_connect_request_stops_after_the_head() {
    let o = req(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 4\r\n\r\n\x16\x03\x01\x00");
    let head = o.messages[0].head.unwrap();
    assert_eq!(
        (head.method, head.upgrade, head.body),
        (Some(Method::Connect), true, BodyKind::None)
    );
    assert_eq!(o.rest.as_deref(), Some(&b"\x16\x03\x01\x00"[..]));
    // Declining: calling execute again parses HTTP/1 on.
    let mut p = Parser::request();
    let input = b"CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut rec = h2kit_proto::h1::Recorder::new();
    let first = p.execute(&mut rec, input).unwrap();
    assert_eq!(first.status, Status::Upgraded);
    let second = p.execute(&mut rec, &input[first.consumed..]).unwrap();
    assert_eq!((second.status, rec.messages.len()), (Status::NeedMore, 2));
}

#[test]
fn rfc9110_10_1_1_expect_100_continue_is_surfaced() {
    let o = req(b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
    assert!(o.messages[0].head.unwrap().expect_continue);
    // A 1.0 request's expectation is ignored.
    let o = req(b"PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
    assert!(!o.messages[0].head.unwrap().expect_continue);
}

// ---- API behaviour ----

#[test]
fn borrowed_api_reports_partial_for_every_prefix() {
    let input = b"GET /x HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
    for n in 0..input.len() {
        assert_eq!(
            borrowed_req(&input[..n]).unwrap(),
            Parsed::Partial,
            "prefix {n}"
        );
    }
    assert_eq!(borrowed_req(input).unwrap(), Parsed::Complete(input.len()));
}

#[test]
fn borrowed_api_parses_the_grown_buffer_with_the_same_request() {
    // After Partial the header slice is whole again, so more fields than
    // had arrived still fit.
    let input = b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    let mut headers = [EMPTY_HEADER; 8];
    let mut r = Request::new(&mut headers);
    for n in [0, 10, 30, 45, input.len() - 1] {
        assert_eq!(r.parse(&input[..n]).unwrap(), Parsed::Partial, "prefix {n}");
        assert_eq!(r.headers.len(), 8);
    }
    assert_eq!(r.parse(input).unwrap(), Parsed::Complete(input.len()));
    assert_eq!(r.headers.len(), 5);
    assert_eq!(r.headers[4].value, b"4");
    // The same after an error.
    let mut headers = [EMPTY_HEADER; 8];
    let mut r = Request::new(&mut headers);
    assert!(
        r.parse(b"GET / HTTP/1.1\r\nHost: a\r\nA : 1\r\n\r\n")
            .is_err()
    );
    assert_eq!(r.headers.len(), 8);
    let mut headers = [EMPTY_HEADER; 4];
    let mut r = Response::new(&mut headers);
    assert_eq!(
        r.parse(b"HTTP/1.1 200 OK\r\nA: 1\r\n").unwrap(),
        Parsed::Partial
    );
    assert_eq!(r.headers.len(), 4);
}

#[test]
fn errors_are_sticky_until_reset() {
    let mut p = Parser::request();
    let e = p.execute(&mut (), b"G(T").unwrap_err();
    assert_eq!(
        p.execute(&mut (), b"GET / HTTP/1.0\r\n\r\n").unwrap_err(),
        e
    );
    p.reset();
    assert!(p.execute(&mut (), b"GET / HTTP/1.0\r\n\r\n").is_ok());
}

#[test]
fn pause_in_message_complete_returns_and_resumes() {
    struct PauseOnce(u32);
    impl Handler<'_> for PauseOnce {
        fn on_message_complete(&mut self) -> Flow {
            self.0 += 1;
            Flow::Pause
        }
    }
    let mut p = Parser::request();
    let mut h = PauseOnce(0);
    let input = b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n";
    let a = p.execute(&mut h, input).unwrap();
    assert_eq!((a.consumed, a.status), (18, Status::Paused));
    let b = p.execute(&mut h, &input[18..]).unwrap();
    assert_eq!((b.consumed, b.status, h.0), (18, Status::Paused, 2));
}

#[test]
fn header_map_combines_repeated_fields_and_keeps_set_cookie_apart() {
    let o = resp(b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nVary: Accept\r\nset-cookie: b=2\r\nVARY: Origin\r\nContent-Length: 0\r\n\r\n");
    let map: HeaderMap = o.messages[0].header_map();
    assert_eq!(map.get("vary"), Some(&b"Accept, Origin"[..]));
    assert_eq!(
        map.get_all("Set-Cookie"),
        &[b"a=1".to_vec(), b"b=2".to_vec()]
    );
    assert_eq!(map.len(), 3);
    let mut headers = [EMPTY_HEADER; 8];
    let mut r = Response::new(&mut headers);
    r.parse(b"HTTP/1.1 200 OK\r\nX: 1\r\nx: 2\r\n\r\n").unwrap();
    let map: HeaderMap = r.headers.iter().collect();
    assert_eq!(map.get("X"), Some(&b"1, 2"[..]));
}
