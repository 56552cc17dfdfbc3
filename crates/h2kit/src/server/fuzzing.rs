//! One server session driven over memory by arbitrary peer bytes: what the
//! `server_session` fuzz target runs (`fuzz/`, with this crate's
//! `fuzzing` feature), and what the seed tests below run in CI.
//!
//! The core's own targets feed its frame decoder, HPACK decoder, HTTP/1
//! parser and `Connection`; this one feeds everything a server's socket
//! feeds: detecting the protocol, HTTP/1.1 with pipelining and bodies,
//! `Upgrade: h2c` with its `HTTP2-Settings`, the conversion of requests to
//! `http` types and of responses back, request bodies streamed to a
//! handler and back out, pushes, timeouts and the shutdown.

use super::session::Session;
use super::{ServerConfig, Shared, ShutdownHandle};
use crate::{Body, RequestExt as _, nonblocking};
use h2kit_proto::h2::PREFACE;
use http::{Request, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

/// The most output one flush may leave queued: the session's high-water
/// mark (1 MiB) plus what one frame or record can overshoot it by.
const OUTPUT_BOUND: usize = 2 * 1024 * 1024;

/// An `Upgrade: h2c` request, up to its `HTTP2-Settings` value, which the
/// input then supplies (with the rest of the head after it).
const UPGRADE_HEAD: &[u8] = b"GET /u HTTP/1.1\r\nHost: fuzz\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: ";

/// Runs one session on `data`: its first octet picks how the input starts
/// (low two bits: 1 after the HTTP/2 preface, 2 inside an `Upgrade: h2c`
/// request, else as it comes) and the size of the reads (the other six);
/// the rest is what the peer sends.
/// Returns everything the session wrote. Panics if the session does (the
/// point), or if it leaves more output queued after a flush than its
/// bound.
pub fn drive_session(data: &[u8]) -> Vec<u8> {
    let mut written = Vec::new();
    let Some((&mode, input)) = data.split_first() else {
        return written;
    };
    let start = Instant::now();
    let peer = SocketAddr::from(([127, 0, 0, 1], 1));
    let Ok(mut session) = Session::new(shared(), peer, peer, Waker::noop().clone(), start) else {
        return written;
    };
    let mut now = start;
    match mode & 3 {
        1 => turn(&mut session, &mut written, PREFACE, now),
        2 => turn(&mut session, &mut written, UPGRADE_HEAD, now),
        _ => {}
    }
    let read_size = usize::from(mode >> 2) % 32 + 1;
    for piece in input.chunks(read_size) {
        if session.is_done(now) {
            return written;
        }
        // A driver stops reading when the session wants no more; what the
        // peer sends meanwhile waits in the socket.
        if session.wants_read() {
            turn(&mut session, &mut written, piece, now);
        } else {
            turn(&mut session, &mut written, &[], now);
        }
        now += Duration::from_millis(1);
        if session.poll_timeout().is_some_and(|due| due <= now) {
            session.handle_timeout(now);
        }
    }
    session.on_eof();
    turn(&mut session, &mut written, &[], now);
    // The idle timeout, then a shutdown with its deadline passed.
    now += Duration::from_secs(120);
    session.handle_timeout(now);
    session.shutdown(now);
    turn(&mut session, &mut written, &[], now);
    session.handle_timeout(now + Duration::from_secs(60));
    turn(&mut session, &mut written, &[], now);
    written
}

/// One turn as a driver takes it: what was read, the handlers, then all
/// the output, which the peer takes at once (appended to `written`).
fn turn(session: &mut Session, written: &mut Vec<u8>, read: &[u8], now: Instant) {
    if !read.is_empty() {
        session.on_read(read, now);
    }
    session.dispatch_jobs();
    for _ in 0..4 {
        session.flush();
        let queued = session.output_len();
        assert!(
            queued <= OUTPUT_BOUND,
            "{queued} octets queued after a flush"
        );
        if queued == 0 {
            break;
        }
        written.extend_from_slice(&session.take_output());
    }
}

/// The shared state of a server with the default configuration and a
/// handler that exercises the response paths: it echoes the request body
/// with a header of its own, and pushes a resource for paths under `/p`.
fn shared() -> Arc<Shared> {
    let handler = nonblocking(|req: Request<Body>| {
        if req.uri().path().starts_with("/p") {
            if let Some(pusher) = req.pusher() {
                if let Ok(pushed) =
                    pusher.push(Request::get("/pushed").body(()).unwrap_or_default())
                {
                    pushed.send(Response::new(Body::from("pushed")));
                }
            }
        }
        let mut response = Response::new(req.into_body());
        response
            .headers_mut()
            .insert("x-fuzz", http::HeaderValue::from_static("echo"));
        response
    });
    let config = ServerConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    Arc::new(Shared::new(
        &config,
        Arc::new(handler),
        ShutdownHandle::new(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request over HTTP/1.1 with a body, then a pipelined one.
    #[test]
    fn an_http1_exchange_runs_through() {
        let mut data = vec![7u8 << 2];
        data.extend_from_slice(
            b"POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /p HTTP/1.1\r\nHost: a\r\n\r\n",
        );
        let written = String::from_utf8_lossy(&drive_session(&data)).into_owned();
        assert_eq!(
            written.matches("HTTP/1.1 200 OK\r\n").count(),
            2,
            "{written}"
        );
        assert!(written.contains("x-fuzz: echo\r\n"), "{written}");
        assert!(written.contains("hello"), "the body is echoed: {written}");
    }

    /// The preface, SETTINGS, and a HEADERS frame with a body after it.
    #[test]
    fn an_h2_exchange_runs_through() {
        let mut data = vec![1u8 | (31 << 2)];
        data.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        // HEADERS on stream 1: :method POST, :scheme http, :path /p,
        // :authority a (literal), END_HEADERS.
        let block = [0x83, 0x86, 0x44, 0x02, b'/', b'p', 0x41, 0x01, b'a'];
        data.extend_from_slice(&[0, 0, block.len() as u8, 1, 4, 0, 0, 0, 1]);
        data.extend_from_slice(&block);
        data.extend_from_slice(&[0, 0, 3, 0, 1, 0, 0, 0, 1, b'a', b'b', b'c']);
        let written = drive_session(&data);
        let frames = frame_types(&written);
        // SETTINGS, our ACK of the client's, the PUSH_PROMISE, HEADERS
        // and DATA for both streams, in some order.
        for kind in [4, 5, 1, 0] {
            assert!(
                frames.contains(&kind),
                "frame type {kind} missing: {frames:?}"
            );
        }
        assert!(
            written.windows(3).any(|w| w == b"abc"),
            "the body is echoed"
        );
        assert!(
            written.windows(6).any(|w| w == b"pushed"),
            "the push is sent"
        );
    }

    /// The types of the HTTP/2 frames in `wire`, which a server's output
    /// is from its first octet.
    fn frame_types(mut wire: &[u8]) -> Vec<u8> {
        let mut types = Vec::new();
        while wire.len() >= 9 {
            let len = usize::from(wire[0]) << 16 | usize::from(wire[1]) << 8 | usize::from(wire[2]);
            types.push(wire[3]);
            wire = &wire[(9 + len).min(wire.len())..];
        }
        types
    }

    /// An upgrade whose settings the input completes, then garbage.
    #[test]
    fn an_upgrade_and_garbage_run_through() {
        let mut data = vec![2u8];
        data.extend_from_slice(b"AAMAAABkAAQAAP__\r\n\r\n\x00\xff\x00\x00\x01PRI");
        let written = drive_session(&data);
        assert!(
            written.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"),
            "{}",
            String::from_utf8_lossy(&written)
        );
    }

    /// Arbitrary octets, every mode and read size: nothing panics.
    #[test]
    fn pseudo_random_inputs_run_through() {
        let mut state: u32 = 0x9e37_79b9;
        for len in 0..200 {
            let data: Vec<u8> = (0..len * 4)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state as u8
                })
                .collect();
            drive_session(&data);
        }
    }
}
