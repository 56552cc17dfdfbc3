//! What a session has to write: chunks shared with their producers (large
//! DATA payloads, handed over without a copy for `writev`) followed by a
//! contiguous tail that protocols write into (frame headers, HTTP/1 heads,
//! TLS records).

use bytes::{Buf, Bytes, BytesMut};
use std::collections::VecDeque;
use std::io::IoSlice;

/// A tail this much larger than what it holds is let go once written.
const SHRINK_ABOVE: usize = 1 << 20;

/// Octets waiting to be written, in order: `chunks`, then `tail`.
#[derive(Default)]
pub(super) struct Output {
    chunks: VecDeque<Bytes>,
    chunks_len: usize,
    tail: BytesMut,
}

impl Output {
    /// Octets waiting.
    pub fn len(&self) -> usize {
        self.chunks_len + self.tail.len()
    }

    /// Octets of the contiguous tail (copies, not shared chunks).
    pub fn copied_len(&self) -> usize {
        self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The contiguous end, to write into; it goes out after every chunk
    /// queued so far.
    pub fn tail_mut(&mut self) -> &mut BytesMut {
        &mut self.tail
    }

    /// Appends `chunks` (emptying it) after everything queued so far.
    pub fn push_chunks(&mut self, chunks: &mut Vec<Bytes>) {
        if chunks.is_empty() {
            return;
        }
        if !self.tail.is_empty() {
            let tail = self.tail.split().freeze();
            self.push(tail);
        }
        for chunk in chunks.drain(..) {
            self.push(chunk);
        }
    }

    fn push(&mut self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.chunks_len += chunk.len();
            self.chunks.push_back(chunk);
        }
    }

    /// Fills `dst` with the first pieces to write; returns how many.
    pub fn slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        let pieces = self
            .chunks
            .iter()
            .map(|c| &c[..])
            .chain((!self.tail.is_empty()).then_some(&self.tail[..]));
        for (slot, piece) in dst.iter_mut().zip(pieces) {
            *slot = IoSlice::new(piece);
            n += 1;
        }
        n
    }

    /// `n` octets were written.
    pub fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else {
                break;
            };
            let take = n.min(front.len());
            front.advance(take);
            self.chunks_len -= take;
            n -= take;
            if front.is_empty() {
                self.chunks.pop_front();
            }
        }
        self.tail.advance(n.min(self.tail.len()));
        if self.tail.is_empty() && self.tail.capacity() > SHRINK_ABOVE {
            self.tail = BytesMut::new();
        }
    }

    /// Everything waiting, as one buffer (for a driver that writes without
    /// holding the session).
    pub fn take_all(&mut self) -> BytesMut {
        if self.chunks.is_empty() {
            return std::mem::take(&mut self.tail);
        }
        let mut all = BytesMut::with_capacity(self.len());
        for chunk in self.chunks.drain(..) {
            all.extend_from_slice(&chunk);
        }
        self.chunks_len = 0;
        all.extend_from_slice(&self.tail);
        self.tail.clear();
        all
    }

    /// A copy of everything waiting, in order (for tests).
    #[cfg(test)]
    pub fn to_vec(&self) -> Vec<u8> {
        let mut all: Vec<u8> = self.chunks.iter().flat_map(|c| c.iter().copied()).collect();
        all.extend_from_slice(&self.tail);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_then_tail_come_out_in_order_across_partial_writes() {
        let mut out = Output::default();
        out.tail_mut().extend_from_slice(b"ab");
        out.push_chunks(&mut vec![Bytes::from_static(b"cde"), Bytes::new()]);
        out.tail_mut().extend_from_slice(b"fg");
        assert_eq!(out.len(), 7);
        assert_eq!(out.to_vec(), b"abcdefg");
        let mut slices = [IoSlice::new(&[]); 8];
        assert_eq!(out.slices(&mut slices), 3);
        out.consume(3);
        assert_eq!(out.to_vec(), b"defg");
        out.consume(2);
        assert_eq!(out.to_vec(), b"fg");
        assert_eq!(&out.take_all()[..], b"fg");
        assert!(out.is_empty());
    }
}
