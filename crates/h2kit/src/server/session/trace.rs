//! `--trace-frames`: every HTTP/2 frame a connection reads or writes,
//! printed in the `nghttp -v` style. The driver's byte streams are decoded
//! a second time by a private decoder, so tracing costs nothing when off
//! and cannot change what the connection does when on.

use bytes::BytesMut;
use h2kit_proto::frame::{Direction, FrameDecoder, FrameLog, MAX_FRAME_SIZE_LIMIT};
use std::io::Write;
use std::time::Instant;

/// Decodes both directions of one connection for display.
pub(crate) struct FrameTracer {
    start: Instant,
    peer: String,
    recv: Side,
    send: Side,
}

struct Side {
    decoder: FrameDecoder,
    buf: BytesMut,
    /// Client preface octets still to skip (received side only).
    skip: usize,
    failed: bool,
}

impl Side {
    fn new(skip: usize) -> Side {
        let mut decoder = FrameDecoder::new();
        // Accept every legal size: the tracer must not judge, only show.
        decoder.set_max_frame_size(MAX_FRAME_SIZE_LIMIT);
        Side {
            decoder,
            buf: BytesMut::new(),
            skip,
            failed: false,
        }
    }
}

impl FrameTracer {
    /// A tracer for a connection whose received bytes start with the
    /// client preface.
    pub fn new(peer: String) -> FrameTracer {
        FrameTracer {
            start: Instant::now(),
            peer,
            recv: Side::new(h2kit_proto::h2::PREFACE.len()),
            send: Side::new(0),
        }
    }

    /// Shows the frames completed by `bytes`, received from the peer.
    pub fn received(&mut self, bytes: &[u8]) {
        self.feed(Direction::Recv, bytes);
    }

    /// Shows the frames completed by `bytes`, sent to the peer.
    pub fn sent(&mut self, bytes: &[u8]) {
        self.feed(Direction::Send, bytes);
    }

    fn feed(&mut self, direction: Direction, mut bytes: &[u8]) {
        let side = match direction {
            Direction::Recv => &mut self.recv,
            Direction::Send => &mut self.send,
        };
        if side.failed {
            return;
        }
        if side.skip > 0 {
            let n = side.skip.min(bytes.len());
            side.skip -= n;
            bytes = &bytes[n..];
        }
        side.buf.extend_from_slice(bytes);
        let mut text = String::new();
        loop {
            match side.decoder.decode(&mut side.buf) {
                Ok(Some(frame)) => {
                    let log = FrameLog {
                        frame: &frame,
                        direction,
                        elapsed: self.start.elapsed(),
                    };
                    text.push_str(&format!("{log}\n"));
                }
                Ok(None) => break,
                Err(err) => {
                    text.push_str(&format!("[{}] undecodable frame: {err}\n", self.peer));
                    side.failed = err.is_connection_error();
                    if side.failed {
                        break;
                    }
                }
            }
        }
        if !text.is_empty() {
            // One write per batch keeps concurrent connections' lines whole.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
}
