//! A body of N bytes made of slices of one shared 1 MiB block sent again
//! and again (each frame is a reference count, not a copy), so a 1 GiB
//! response never sits in memory.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

const BLOCK_LEN: usize = 1 << 20;

fn block() -> Bytes {
    static BLOCK: OnceLock<Bytes> = OnceLock::new();
    BLOCK
        .get_or_init(|| Bytes::from(vec![b'b'; BLOCK_LEN]))
        .clone()
}

/// `len` bytes of the shared block, in chunks of `chunk` (1..=1 MiB).
pub struct Repeat {
    left: u64,
    block: Bytes,
}

impl Repeat {
    pub fn new(len: u64, chunk: Option<usize>) -> Repeat {
        let chunk = chunk.unwrap_or(BLOCK_LEN).clamp(1, BLOCK_LEN);
        Repeat {
            left: len,
            block: block().slice(..chunk),
        }
    }
}

impl Body for Repeat {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let size = self.block.len();
        let take = usize::try_from(self.left).map_or(size, |l| l.min(size));
        self.left -= take as u64;
        Poll::Ready(Some(Ok(Frame::data(self.block.slice(..take)))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}
