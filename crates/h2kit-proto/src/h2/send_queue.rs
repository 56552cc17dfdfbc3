//! One stream's outgoing body chunks, in order. Most responses queue a
//! single chunk at a time, so the first waits inline and only a backlog
//! allocates.

use bytes::Bytes;
use std::collections::VecDeque;

/// A FIFO of chunks whose first element needs no allocation.
#[derive(Debug, Default)]
pub(crate) struct SendQueue {
    front: Option<Bytes>,
    rest: VecDeque<Bytes>,
}

impl SendQueue {
    /// Appends a chunk.
    pub fn push_back(&mut self, chunk: Bytes) {
        if self.front.is_none() {
            self.front = Some(chunk);
        } else {
            self.rest.push_back(chunk);
        }
    }

    /// The oldest chunk, to take part of it.
    pub fn front_mut(&mut self) -> Option<&mut Bytes> {
        self.front.as_mut()
    }

    /// Removes the oldest chunk.
    pub fn pop_front(&mut self) -> Option<Bytes> {
        let front = self.front.take();
        self.front = self.rest.pop_front();
        front
    }
}

#[cfg(test)]
mod tests {
    use super::SendQueue;
    use bytes::Bytes;

    #[test]
    fn chunks_come_out_in_order() {
        let mut q = SendQueue::default();
        assert!(q.front_mut().is_none());
        for s in ["a", "b", "c"] {
            q.push_back(Bytes::from_static(s.as_bytes()));
        }
        let _ = q.front_mut().map(|f| f.split_to(0));
        assert_eq!(q.pop_front().as_deref(), Some(&b"a"[..]));
        q.push_back(Bytes::from_static(b"d"));
        let order: Vec<_> = std::iter::from_fn(|| q.pop_front()).collect();
        assert_eq!(order, ["b", "c", "d"]);
        assert!(q.pop_front().is_none());
    }
}
