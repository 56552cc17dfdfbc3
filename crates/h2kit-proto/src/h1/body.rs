//! Message body framing (RFC 9112 §6.3) and persistence (§9.3): from what
//! the fields said to how the body is delimited and whether the connection
//! can carry another message.

use super::error::{Error, ErrorKind};
use super::message::{Head, Method, ResponseTo, Version};
use super::semantics::Facts;

/// How the body of a message is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body: the message ends with its head.
    None,
    /// Exactly this many bytes follow the head (Content-Length, §6.2).
    Length(u64),
    /// The chunked transfer coding (§7.1).
    Chunked,
    /// The body runs until the connection closes (responses only, §6.3 rule 8).
    CloseDelimited,
}

/// The framing decision for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Framing {
    pub body: BodyKind,
    pub keep_alive: bool,
    /// The parser stops right after the head: the bytes that follow are a
    /// tunnel (CONNECT) or another protocol (101).
    pub switch_after_head: bool,
    /// A request asked to upgrade (Connection: upgrade + Upgrade): its body
    /// is parsed, then the parser stops so the server can switch or decline.
    pub upgrade_requested: bool,
}

/// The start line of the message being framed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StartLine {
    Request(Method),
    Response(u16, ResponseTo),
}

/// The summary of a complete head and its framing: checks Host (RFC 9112
/// §3.2), decides the framing ([`decide`]) and fills in the [`Head`] that
/// `on_headers_complete` and the borrowed API report. `at` is the offset of
/// the empty line that ends the head (where head-wide errors point).
#[inline(always)]
pub(crate) fn summarize(
    start: StartLine,
    version: Version,
    facts: &Facts,
    header_count: usize,
    require_host: bool,
    at: u64,
) -> Result<(Head, Framing), Error> {
    let is_request = matches!(start, StartLine::Request(_));
    // §3.2: exactly one Host in an HTTP/1.1 request.
    if is_request && require_host && version.minor >= 1 && facts.host_count != 1 {
        return Err(Error::new(ErrorKind::InvalidHost, at));
    }
    let framing = decide(start, version, facts, at)?;
    let (method, status) = match start {
        StartLine::Request(m) => (Some(m), None),
        StartLine::Response(s, _) => (None, Some(s)),
    };
    let upgrade = framing.switch_after_head || framing.upgrade_requested;
    let head = Head {
        version,
        method,
        status,
        body: framing.body,
        keep_alive: framing.keep_alive,
        upgrade,
        h2c_upgrade: framing.upgrade_requested
            && facts.upgrade_h2c
            && facts.http2_settings_count == 1,
        websocket_upgrade: upgrade && facts.upgrade_websocket,
        expect_continue: is_request && version.minor >= 1 && facts.expect_continue,
        transfer_coded: facts.other_coding,
        header_count,
    };
    Ok((head, framing))
}

/// Applies RFC 9112 §6.3 (in its order of precedence) and §9.3.
///
/// `at` is the offset reported for errors that concern the head as a whole.
#[inline]
pub(crate) fn decide(
    start: StartLine,
    version: Version,
    facts: &Facts,
    at: u64,
) -> Result<Framing, Error> {
    let http11 = version.minor >= 1;
    // §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
    let mut keep_alive = !facts.conn_close && (http11 || facts.conn_keep_alive);
    let mut framing = Framing {
        body: BodyKind::None,
        keep_alive,
        switch_after_head: false,
        upgrade_requested: false,
    };
    match start {
        StartLine::Request(method) => {
            if facts.transfer_encoding {
                // §6.1: "A server ... that receives an HTTP/1.0 message containing
                // a Transfer-Encoding header field MUST treat the message as if
                // the framing is faulty".
                if !http11 {
                    return Err(Error::new(ErrorKind::TransferEncodingInHttp10, at));
                }
                // §6.3 rule 4: chunked not final in a request -> 400.
                if !facts.chunked_last || facts.chunked_misplaced {
                    return Err(Error::new(ErrorKind::ChunkedNotLast, at));
                }
                // §6.1: a coding the server does not understand -> 501.
                if facts.unknown_coding {
                    return Err(Error::new(ErrorKind::UnknownTransferCoding, at));
                }
                framing.body = BodyKind::Chunked;
            } else if let Some(n) = facts.content_length {
                framing.body = if n == 0 {
                    BodyKind::None
                } else {
                    BodyKind::Length(n)
                };
            }
            // §6.3 rule 7: otherwise a request has no body.
            if method == Method::Connect {
                // RFC 9110 §9.3.6: "A CONNECT request message does not have content."
                framing.body = BodyKind::None;
                framing.switch_after_head = true;
            } else if http11 && facts.conn_upgrade && facts.upgrade_field {
                // RFC 9110 §7.8: Upgrade counts only with the "upgrade"
                // connection option, and a server MUST ignore it in HTTP/1.0.
                framing.upgrade_requested = true;
            }
        }
        StartLine::Response(status, to) => {
            if to == ResponseTo::Head
                || (100..200).contains(&status)
                || status == 204
                || status == 304
            {
                // §6.3 rule 1: never a body.
                framing.switch_after_head = status == 101;
            } else if to == ResponseTo::Connect && (200..300).contains(&status) {
                // §6.3 rule 2: a tunnel from the empty line on.
                framing.switch_after_head = true;
            } else if facts.transfer_encoding {
                // §6.3 rule 3: Transfer-Encoding overrides Content-Length, and
                // such a message is suspect: do not reuse the connection.
                if facts.content_length.is_some() || !http11 {
                    keep_alive = false;
                }
                if facts.chunked_last && !facts.chunked_misplaced && http11 {
                    framing.body = BodyKind::Chunked;
                } else {
                    // §6.3 rule 4 (responses), and §6.1 for HTTP/1.0.
                    framing.body = BodyKind::CloseDelimited;
                }
            } else if let Some(n) = facts.content_length {
                framing.body = if n == 0 {
                    BodyKind::None
                } else {
                    BodyKind::Length(n)
                };
            } else {
                // §6.3 rule 8.
                framing.body = BodyKind::CloseDelimited;
            }
            if framing.body == BodyKind::CloseDelimited {
                keep_alive = false;
            }
            framing.keep_alive = keep_alive;
        }
    }
    Ok(framing)
}
