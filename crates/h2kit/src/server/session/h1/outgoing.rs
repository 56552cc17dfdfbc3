//! Responses on the wire in HTTP/1.1 (RFC 9112): the status line and
//! fields, and the body's framing — Content-Length when the length is
//! known, chunked (with trailers) when it is not, and close-delimited for an
//! HTTP/1.0 client that cannot read chunks.

use crate::server::date;
use crate::server::session::convert::is_connection_specific;
use crate::server::session::digits::Digits;
use crate::server::session::no_body_status;
use bytes::{BufMut, Bytes, BytesMut};
use http::header::{self, HeaderMap};
use http::{StatusCode, response};

/// How the response body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// No body (HEAD, 1xx, 204, 304).
    None,
    /// Exactly this many octets remain.
    Length(u64),
    /// Chunked transfer coding (§7.1).
    Chunked,
    /// Until the connection closes (§6.3 rule 8).
    Close,
}

/// What the response head needs to know about the exchange.
pub(super) struct HeadPlan {
    /// The request was HTTP/1.0.
    pub http10: bool,
    /// The request was HEAD: the fields are those of a GET, without a body.
    pub head_only: bool,
    /// The connection stays open after this exchange, as far as the
    /// request and the server are concerned.
    pub keep_alive: bool,
    /// The body's length when known without reading it.
    pub exact_len: Option<u64>,
}

/// The response head as written, and what it settled.
pub(super) struct Written {
    pub framing: Framing,
    /// Whether the connection stays open after the response.
    pub keep_alive: bool,
}

/// Writes the status line and fields of `parts` into `out`.
///
/// The server owns the framing and connection fields: a handler's
/// `Transfer-Encoding`, `Connection`, `Keep-Alive` and `Upgrade` are
/// replaced by what the exchange needs; its `Content-Length` is trusted (and
/// enforced while sending), and `Connection: close` from the handler is
/// honoured.
pub(super) fn write_head(out: &mut BytesMut, parts: &response::Parts, plan: HeadPlan) -> Written {
    let status = parts.status;
    let mut keep_alive = plan.keep_alive && !asks_close(&parts.headers);
    let body_allowed = !no_body_status(status);
    let declared = declared_length(&parts.headers);
    let framing = if !body_allowed || plan.head_only {
        Framing::None
    } else if let Some(n) = declared.or(plan.exact_len) {
        Framing::Length(n)
    } else if !plan.http10 {
        Framing::Chunked
    } else {
        keep_alive = false;
        Framing::Close
    };

    out.put_slice(b"HTTP/1.1 ");
    out.put_slice(status.as_str().as_bytes());
    out.put_u8(b' ');
    out.put_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.put_slice(b"\r\n");
    for (name, value) in &parts.headers {
        if is_connection_specific(name) {
            continue;
        }
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    if !parts.headers.contains_key(header::DATE) {
        out.put_slice(b"date: ");
        out.put_slice(&date::now());
        out.put_slice(b"\r\n");
    }
    let announce_length = body_allowed && declared.is_none() && status != StatusCode::NOT_MODIFIED;
    match (framing, plan.exact_len) {
        (Framing::Length(n), _) if announce_length => put_length(out, n),
        // HEAD: the length a GET would have had, when it is known.
        (Framing::None, Some(n)) if plan.head_only && announce_length => put_length(out, n),
        (Framing::Chunked, _) => out.put_slice(b"transfer-encoding: chunked\r\n"),
        _ => {}
    }
    if !keep_alive {
        out.put_slice(b"connection: close\r\n");
    } else if plan.http10 {
        out.put_slice(b"connection: keep-alive\r\n");
    }
    out.put_slice(b"\r\n");
    Written {
        framing,
        keep_alive,
    }
}

fn put_length(out: &mut BytesMut, n: u64) {
    out.put_slice(b"content-length: ");
    out.put_slice(Digits::new().decimal(n));
    out.put_slice(b"\r\n");
}

/// Writes one piece of body under `framing`.
pub(super) fn write_data(out: &mut BytesMut, framing: Framing, chunk: &Bytes) {
    if chunk.is_empty() {
        return;
    }
    if framing == Framing::Chunked {
        out.put_slice(Digits::new().hex(chunk.len() as u64));
        out.put_slice(b"\r\n");
        out.put_slice(chunk);
        out.put_slice(b"\r\n");
    } else {
        out.put_slice(chunk);
    }
}

/// Writes the end of a chunked body: the last chunk and the trailer
/// section (§7.1.2), leaving out fields that must not be trailers.
pub(super) fn write_last_chunk(out: &mut BytesMut, trailers: Option<&HeaderMap>) {
    out.put_slice(b"0\r\n");
    for (name, value) in trailers.into_iter().flatten() {
        if is_connection_specific(name) || name == header::CONTENT_LENGTH {
            continue;
        }
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"\r\n");
}

/// A complete response the server writes on its own (errors, timeouts):
/// a short text body, then the connection closes.
pub(super) fn write_error(out: &mut BytesMut, status: StatusCode, why: &str) {
    let mut parts = http::Response::new(()).into_parts().0;
    parts.status = status;
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    let body = format!("{why}\n");
    let plan = HeadPlan {
        http10: false,
        head_only: false,
        keep_alive: false,
        exact_len: Some(body.len() as u64),
    };
    write_head(out, &parts, plan);
    out.put_slice(body.as_bytes());
}

/// The `101 Switching Protocols` that accepts `Upgrade: h2c` (RFC 7540 §3.2).
pub(super) const SWITCHING_TO_H2C: &[u8] =
    b"HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n";

/// `100 Continue`, for a client that waits for it before sending its body
/// (RFC 9110 §10.1.1).
pub(super) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Whether the handler asked for the connection to close after this
/// response.
fn asks_close(headers: &HeaderMap) -> bool {
    headers.get_all(header::CONNECTION).iter().any(|v| {
        v.as_bytes()
            .split(|&b| b == b',')
            .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
    })
}

/// A handler's own Content-Length, when it is one valid number.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(header::CONTENT_LENGTH)?;
    let digits = value.as_bytes();
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(status: u16, fields: &[(&'static str, &'static str)], plan: HeadPlan) -> String {
        let mut response = http::Response::new(());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        for (n, v) in fields {
            response
                .headers_mut()
                .append(*n, header::HeaderValue::from_static(v));
        }
        let mut out = BytesMut::new();
        let written = write_head(&mut out, &response.into_parts().0, plan);
        let text = String::from_utf8(out.to_vec()).unwrap();
        format!("{:?} {}\n{text}", written.framing, written.keep_alive)
    }

    fn plan(exact_len: Option<u64>) -> HeadPlan {
        HeadPlan {
            http10: false,
            head_only: false,
            keep_alive: true,
            exact_len,
        }
    }

    #[test]
    fn rfc9112_6_2_a_known_length_is_sent_as_content_length() {
        let text = head(200, &[], plan(Some(12)));
        assert!(
            text.starts_with("Length(12) true\nHTTP/1.1 200 OK\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\ncontent-length: 12\r\n"));
        assert!(text.contains("\r\ndate: "));
        assert!(text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn rfc9112_7_1_an_unknown_length_is_chunked_for_http11() {
        let text = head(200, &[], plan(None));
        assert!(text.starts_with("Chunked true\n"));
        assert!(text.contains("\r\ntransfer-encoding: chunked\r\n"));
    }

    #[test]
    fn rfc9112_6_3_an_http10_client_gets_a_close_delimited_body() {
        let text = head(
            200,
            &[],
            HeadPlan {
                http10: true,
                ..plan(None)
            },
        );
        assert!(text.starts_with("Close false\n"));
        assert!(text.contains("\r\nconnection: close\r\n"));
        assert!(!text.contains("transfer-encoding"));
    }

    #[test]
    fn rfc9112_9_3_an_http10_keep_alive_is_confirmed() {
        let text = head(
            200,
            &[],
            HeadPlan {
                http10: true,
                ..plan(Some(1))
            },
        );
        assert!(text.contains("\r\nconnection: keep-alive\r\n"), "{text}");
    }

    #[test]
    fn rfc9110_6_4_1_no_body_for_204_and_304() {
        let text = head(204, &[], plan(Some(0)));
        assert!(text.starts_with("None true\n"));
        assert!(!text.contains("content-length"));
        let text = head(304, &[("etag", "\"x\"")], plan(None));
        assert!(text.starts_with("None true\n"));
        assert!(!text.contains("transfer-encoding"));
    }

    #[test]
    fn rfc9110_9_3_2_head_gets_the_length_of_get_without_a_body() {
        let text = head(
            200,
            &[],
            HeadPlan {
                head_only: true,
                ..plan(Some(5))
            },
        );
        assert!(text.starts_with("None true\n"));
        assert!(text.contains("\r\ncontent-length: 5\r\n"));
    }

    #[test]
    fn the_handlers_connection_fields_are_replaced_and_close_is_honoured() {
        let text = head(
            200,
            &[
                ("connection", "close"),
                ("transfer-encoding", "gzip"),
                ("keep-alive", "timeout=5"),
                ("x-kept", "yes"),
            ],
            plan(Some(0)),
        );
        assert!(text.starts_with("Length(0) false\n"), "{text}");
        assert!(!text.contains("gzip") && !text.contains("timeout=5"));
        assert!(text.contains("\r\nx-kept: yes\r\n"));
        assert_eq!(text.matches("connection: close").count(), 1);
    }

    #[test]
    fn a_declared_content_length_frames_the_body() {
        let text = head(200, &[("content-length", "7")], plan(None));
        assert!(text.starts_with("Length(7) true\n"));
        assert_eq!(text.matches("content-length").count(), 1);
    }

    #[test]
    fn rfc9112_7_1_2_trailers_follow_the_last_chunk() {
        let mut out = BytesMut::new();
        write_data(
            &mut out,
            Framing::Chunked,
            &Bytes::from_static(b"hello, world"),
        );
        let mut trailers = HeaderMap::new();
        trailers.insert("x-sum", header::HeaderValue::from_static("abc"));
        trailers.insert(header::CONNECTION, header::HeaderValue::from_static("x"));
        write_last_chunk(&mut out, Some(&trailers));
        assert_eq!(&out[..], b"c\r\nhello, world\r\n0\r\nx-sum: abc\r\n\r\n");
    }
}
