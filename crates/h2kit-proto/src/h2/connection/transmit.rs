//! The outgoing byte stream: queued control frames and headers first (with
//! tiny last DATA chunks written right after their stream's HEADERS; see
//! `send_data`), then DATA in the scheduler's order. Two ways out: copied into one buffer
//! (`poll_transmit`), or as a list of chunks for a vectored write
//! (`poll_transmit_vectored`), where DATA payloads are the application's own
//! `Bytes`, never copied.

use super::Connection;
use super::send::{FirstFrame, encode_field_block};
use crate::frame::{FrameHeader, FrameType, StreamId, flags};
use crate::hpack::FieldRef;
use bytes::{Bytes, BytesMut};

/// How many bytes one call hands out at most (soft: the last frame may
/// cross it). Large enough for good syscall batching, small enough that
/// control frames are not stuck behind megabytes of DATA.
const TRANSMIT_BATCH: usize = 256 * 1024;

/// Where frames go.
trait Sink {
    /// Bytes written through this sink so far.
    fn written(&self) -> usize;
    /// The buffer small pieces (frame headers, header blocks) go into.
    fn small(&mut self) -> &mut BytesMut;
    /// A DATA payload.
    fn payload(&mut self, data: Bytes);
}

/// Copies everything into one buffer.
struct Contiguous<'a> {
    dst: &'a mut BytesMut,
    start: usize,
}

impl Sink for Contiguous<'_> {
    fn written(&self) -> usize {
        self.dst.len() - self.start
    }
    fn small(&mut self) -> &mut BytesMut {
        self.dst
    }
    fn payload(&mut self, data: Bytes) {
        self.dst.extend_from_slice(&data);
    }
}

/// Collects chunks for `writev`: small pieces are gathered in a scratch
/// buffer and frozen into chunks between payloads.
struct Vectored<'a> {
    chunks: &'a mut Vec<Bytes>,
    scratch: BytesMut,
    flushed: usize,
}

impl Vectored<'_> {
    fn flush(&mut self) {
        if !self.scratch.is_empty() {
            self.flushed += self.scratch.len();
            self.chunks.push(self.scratch.split().freeze());
        }
    }
}

impl Sink for Vectored<'_> {
    fn written(&self) -> usize {
        self.flushed + self.scratch.len()
    }
    fn small(&mut self) -> &mut BytesMut {
        &mut self.scratch
    }
    fn payload(&mut self, data: Bytes) {
        // Small payloads are cheaper to copy than to write as a piece of
        // their own (each iovec costs the kernel too).
        if data.len() < COPY_BELOW {
            self.scratch.extend_from_slice(&data);
            return;
        }
        self.flush();
        self.flushed += data.len();
        self.chunks.push(data);
    }
}

/// DATA payloads shorter than this are copied into the vectored output's
/// scratch buffer rather than referenced.
const COPY_BELOW: usize = 4096;

/// What writing one frame of a stream left behind.
enum FrameResult {
    /// The stream has more to send and window to send it.
    More,
    /// The stream's own window is exhausted; a WINDOW_UPDATE reschedules it.
    Blocked,
    /// The connection window is exhausted.
    ConnectionBlocked,
    /// Nothing more to send for now.
    Done,
}

impl Connection {
    /// Appends bytes to send to `dst` and returns how many. Control frames
    /// and headers come first, in the order they were queued, then DATA from
    /// the streams that have both data and window, in the order of
    /// `Config::scheduler`. Call it until it returns 0.
    pub fn poll_transmit(&mut self, dst: &mut BytesMut) -> usize {
        let start = dst.len();
        if start == 0 {
            // Hand over the queued control bytes without copying them (and
            // take the caller's empty buffer, to be reused).
            std::mem::swap(dst, &mut self.out);
        } else {
            dst.extend_from_slice(&self.out);
            self.out.clear();
        }
        let mut sink = Contiguous { dst, start };
        self.transmit_data(&mut sink);
        sink.written()
    }

    /// Like [`poll_transmit`](Self::poll_transmit), but appends the bytes
    /// to `chunks` as a list for a vectored write (`writev`): DATA payloads
    /// are the very `Bytes` given to `send_data`, so large bodies reach the
    /// socket without a copy. Returns how many bytes were appended.
    pub fn poll_transmit_vectored(&mut self, chunks: &mut Vec<Bytes>) -> usize {
        let mut sink = Vectored {
            chunks,
            scratch: std::mem::take(&mut self.out),
            flushed: 0,
        };
        self.transmit_data(&mut sink);
        sink.flush();
        // Keep the scratch allocation for the next frames.
        self.out = sink.scratch;
        sink.flushed
    }

    fn transmit_data(&mut self, sink: &mut impl Sink) {
        let kind = self.config.scheduler;
        while sink.written() < TRANSMIT_BATCH && self.closed.is_none() {
            let Some(entry) = self.scheduler.pop(kind) else {
                break;
            };
            match self.write_data_frame(entry.id, sink) {
                FrameResult::More => self.scheduler.requeue(kind, entry),
                FrameResult::Blocked | FrameResult::Done => {
                    if let Some(stream) = self.streams.get_mut(entry.id) {
                        stream.scheduled = false;
                    }
                }
                FrameResult::ConnectionBlocked => {
                    // Keep the stream's place for when the connection window
                    // opens.
                    self.scheduler.put_back(entry);
                    break;
                }
            }
        }
    }

    /// Writes the next frame of a stream's body (or its END_STREAM, or its
    /// trailers).
    fn write_data_frame(&mut self, id: StreamId, sink: &mut impl Sink) -> FrameResult {
        let conn_window = self.conn_send.available();
        let max_frame = self.settings.peer.max_frame_size as usize;
        let Some(stream) = self.streams.get_mut(id) else {
            return FrameResult::Done;
        };
        // "Send capacity is never assigned to a stream that is not open."
        if !stream.state.can_send_data() {
            return FrameResult::Done;
        }
        if stream.buffered > 0 {
            let window = stream.send_window.available();
            if window == 0 {
                return FrameResult::Blocked;
            }
            if conn_window == 0 {
                return FrameResult::ConnectionBlocked;
            }
            let Some(front) = stream.send_queue.front_mut() else {
                return FrameResult::Done;
            };
            let n = front
                .len()
                .min(window as usize)
                .min(conn_window as usize)
                .min(max_frame);
            let chunk = if n == front.len() {
                stream.send_queue.pop_front().unwrap_or_default()
            } else {
                front.split_to(n)
            };
            stream.buffered -= n;
            stream.send_window.consume(n as u32);
            self.conn_send.consume(n as u32);
            let end = stream.buffered == 0 && stream.send_end && stream.send_trailers.is_none();
            data_header(sink.small(), id, n, end);
            sink.payload(chunk);
            // Charged before the stream may close and leave the tree.
            self.scheduler.charge(id, n);
            if end {
                self.end_local_side(id);
                return FrameResult::Done;
            }
            return match self.streams.get(id) {
                Some(s) if s.has_pending_send() => FrameResult::More,
                _ => FrameResult::Done,
            };
        }
        if !stream.send_end {
            return FrameResult::Done;
        }
        match stream.send_trailers.take() {
            Some(trailers) => {
                let fields = trailers.iter().map(FieldRef::from);
                let max = self.settings.peer.max_frame_size;
                let end = FirstFrame::Headers { end_stream: true };
                encode_field_block(
                    &mut self.hpack_encoder,
                    &mut self.block_buf,
                    max,
                    id,
                    fields,
                    end,
                    sink.small(),
                );
            }
            None => data_header(sink.small(), id, 0, true),
        }
        self.end_local_side(id);
        FrameResult::Done
    }
}

pub(super) fn data_header(dst: &mut BytesMut, id: StreamId, len: usize, end_stream: bool) {
    FrameHeader {
        length: len as u32,
        kind: FrameType::DATA,
        flags: if end_stream { flags::END_STREAM } else { 0 },
        stream_id: id,
    }
    .encode(dst);
}
