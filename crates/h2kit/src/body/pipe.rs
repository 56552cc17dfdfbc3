//! A bounded channel of body chunks between one writer and one reader, each
//! of which may block (a handler on a worker thread) or poll (a driver on
//! an event loop or a tokio task).
//!
//! The reader counts what it has taken (`take_consumed`), so the
//! connection can give exactly that much flow-control window back to the
//! peer: an upload is never buffered beyond what the handler has read plus
//! one window.

use super::BodyError;
use bytes::Bytes;
use http::HeaderMap;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The state both ends share.
struct Shared {
    state: Mutex<State>,
    /// Signalled when a chunk, the end or an error arrives.
    readable: Condvar,
    /// Signalled when room frees up or the reader goes away.
    writable: Condvar,
}

struct State {
    chunks: VecDeque<Bytes>,
    /// Octets in `chunks`.
    queued: usize,
    /// `send` blocks (and `try_send` refuses) while `queued` is at least
    /// this; `usize::MAX` makes the pipe unbounded (request bodies, which
    /// flow control bounds instead).
    capacity: usize,
    /// Octets the reader took (or dropped) that the writer has not yet
    /// collected with `take_consumed`.
    consumed: usize,
    end: End,
    reader_gone: bool,
    reader_waker: Option<Waker>,
    writer_waker: Option<Waker>,
}

enum End {
    Open,
    Finished(Option<HeaderMap>),
    Failed(BodyError),
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    // A panic while holding the lock leaves the queue consistent (every
    // update is a single push or pop), so a poisoned lock is still usable.
    shared.state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Makes a pipe; `capacity` bounds the octets queued (`usize::MAX`: no
/// bound). `writer_waker` is woken whenever the reader takes a chunk or
/// goes away.
pub(crate) fn pipe(capacity: usize, writer_waker: Option<Waker>) -> (Sender, Receiver) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            chunks: VecDeque::new(),
            queued: 0,
            capacity,
            consumed: 0,
            end: End::Open,
            reader_gone: false,
            reader_waker: None,
            writer_waker,
        }),
        readable: Condvar::new(),
        writable: Condvar::new(),
    });
    (
        Sender {
            shared: shared.clone(),
            done: false,
        },
        Receiver { shared },
    )
}

/// The writing end. Dropping it without [`finish`](Sender::finish) ends the
/// body with [`BodyError::Aborted`], so a truncated body is never mistaken
/// for a complete one.
pub(crate) struct Sender {
    shared: Arc<Shared>,
    done: bool,
}

impl Sender {
    /// Queues a chunk even past the capacity (the caller bounds the total
    /// some other way, as flow control bounds a request body).
    pub fn push(&self, chunk: Bytes) {
        let mut st = lock(&self.shared);
        if st.reader_gone {
            st.consumed += chunk.len();
            return;
        }
        st.queued += chunk.len();
        st.chunks.push_back(chunk);
        let waker = st.reader_waker.take();
        drop(st);
        self.shared.readable.notify_one();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Waits for room (or the reader's departure), registering `cx` to be
    /// woken when it comes.
    pub fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), BodyError>> {
        let mut st = lock(&self.shared);
        if st.reader_gone {
            return Poll::Ready(Err(BodyError::Closed));
        }
        if st.queued < st.capacity {
            return Poll::Ready(Ok(()));
        }
        set_waker(&mut st.writer_waker, cx.waker());
        Poll::Pending
    }

    /// Queues a chunk, blocking while the pipe is full.
    pub fn send_blocking(&self, chunk: Bytes) -> Result<(), BodyError> {
        let mut st = lock(&self.shared);
        while !st.reader_gone && st.queued >= st.capacity {
            st = self
                .shared
                .writable
                .wait(st)
                .unwrap_or_else(|p| p.into_inner());
        }
        if st.reader_gone {
            return Err(BodyError::Closed);
        }
        drop(st);
        self.push(chunk);
        Ok(())
    }

    /// Ends the body, with optional trailers.
    pub fn finish(mut self, trailers: Option<HeaderMap>) {
        self.close(End::Finished(trailers));
    }

    /// Ends the body with an error (the reader sees it after the queued
    /// chunks).
    pub fn fail(mut self, err: BodyError) {
        self.close(End::Failed(err));
    }

    /// Octets queued and not yet taken by the reader.
    pub fn queued(&self) -> usize {
        lock(&self.shared).queued
    }

    /// Octets the reader has taken since the last call.
    pub fn take_consumed(&self) -> usize {
        std::mem::take(&mut lock(&self.shared).consumed)
    }

    fn close(&mut self, end: End) {
        if self.done {
            return;
        }
        self.done = true;
        let mut st = lock(&self.shared);
        st.end = end;
        let waker = st.reader_waker.take();
        drop(st);
        self.shared.readable.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.close(End::Failed(BodyError::Aborted));
    }
}

/// The reading end.
pub(crate) struct Receiver {
    shared: Arc<Shared>,
}

/// One step of reading.
pub(crate) enum Next {
    /// A chunk.
    Chunk(Bytes),
    /// The body ended; trailers, if the writer sent any.
    End(Option<HeaderMap>),
    /// The body ended with an error.
    Failed(BodyError),
}

impl Receiver {
    /// The next chunk without waiting; `None` when nothing is there yet.
    pub fn try_next(&self) -> Option<Next> {
        let mut st = lock(&self.shared);
        self.take(&mut st)
    }

    /// The next chunk, registering `cx` to be woken when one comes.
    pub fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Next> {
        let mut st = lock(&self.shared);
        match self.take(&mut st) {
            Some(next) => Poll::Ready(next),
            None => {
                set_waker(&mut st.reader_waker, cx.waker());
                Poll::Pending
            }
        }
    }

    /// Registers a waker for the next chunk without taking anything.
    pub fn register(&self, waker: &Waker) {
        let mut st = lock(&self.shared);
        set_waker(&mut st.reader_waker, waker);
    }

    /// The next chunk, blocking until one comes.
    pub fn next_blocking(&self) -> Next {
        let mut st = lock(&self.shared);
        loop {
            if let Some(next) = self.take(&mut st) {
                return next;
            }
            st = self
                .shared
                .readable
                .wait(st)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    fn take(&self, st: &mut State) -> Option<Next> {
        if let Some(chunk) = st.chunks.pop_front() {
            st.queued -= chunk.len();
            st.consumed += chunk.len();
            self.shared.writable.notify_one();
            // Not taken: the writer may be a connection that must hear of
            // every read, to give the window back (`take_consumed`).
            if let Some(w) = &st.writer_waker {
                w.wake_by_ref();
            }
            return Some(Next::Chunk(chunk));
        }
        match &mut st.end {
            End::Open => None,
            End::Finished(trailers) => Some(Next::End(trailers.take())),
            End::Failed(err) => Some(Next::Failed(*err)),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let mut st = lock(&self.shared);
        st.reader_gone = true;
        // What was never read still counts as consumed: its window goes back.
        st.consumed += st.queued;
        st.queued = 0;
        st.chunks.clear();
        let waker = st.writer_waker.clone();
        drop(st);
        self.shared.writable.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

fn set_waker(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(old) if old.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_arrive_in_order_then_trailers() {
        let (tx, rx) = pipe(usize::MAX, None);
        tx.push(Bytes::from_static(b"ab"));
        tx.push(Bytes::from_static(b"cd"));
        let mut trailers = HeaderMap::new();
        trailers.insert("x-sum", "1".parse().unwrap());
        tx.finish(Some(trailers));
        assert!(matches!(rx.next_blocking(), Next::Chunk(c) if c == "ab"));
        assert!(matches!(rx.next_blocking(), Next::Chunk(c) if c == "cd"));
        match rx.next_blocking() {
            Next::End(Some(t)) => assert_eq!(t["x-sum"], "1"),
            _ => panic!("expected trailers"),
        }
    }

    #[test]
    fn dropping_the_sender_unfinished_is_an_abort() {
        let (tx, rx) = pipe(usize::MAX, None);
        tx.push(Bytes::from_static(b"x"));
        drop(tx);
        assert!(matches!(rx.next_blocking(), Next::Chunk(_)));
        assert!(matches!(
            rx.next_blocking(),
            Next::Failed(BodyError::Aborted)
        ));
    }

    #[test]
    fn a_full_pipe_blocks_the_writer_until_read() {
        let (tx, rx) = pipe(4, None);
        tx.send_blocking(Bytes::from_static(b"1234")).unwrap();
        let writer = std::thread::spawn(move || {
            tx.send_blocking(Bytes::from_static(b"5")).unwrap();
            tx.finish(None);
        });
        assert!(matches!(rx.next_blocking(), Next::Chunk(c) if c == "1234"));
        assert!(matches!(rx.next_blocking(), Next::Chunk(c) if c == "5"));
        assert!(matches!(rx.next_blocking(), Next::End(None)));
        writer.join().unwrap();
    }

    /// A connection feeding a request body must hear of every read, not
    /// just the first, or the client's window is never given back.
    #[test]
    fn the_writer_is_woken_on_every_read() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Count(AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let (tx, rx) = pipe(usize::MAX, Some(Waker::from(count.clone())));
        for _ in 0..3 {
            tx.push(Bytes::from_static(b"x"));
        }
        for _ in 0..3 {
            assert!(matches!(rx.next_blocking(), Next::Chunk(_)));
        }
        assert_eq!(count.0.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn consumed_counts_read_and_discarded_octets() {
        let (tx, rx) = pipe(usize::MAX, None);
        tx.push(Bytes::from_static(b"abc"));
        tx.push(Bytes::from_static(b"defg"));
        let _ = rx.try_next();
        assert_eq!(tx.take_consumed(), 3);
        assert_eq!(tx.take_consumed(), 0);
        drop(rx);
        assert_eq!(tx.take_consumed(), 4);
        tx.push(Bytes::from_static(b"hi"));
        assert_eq!(tx.take_consumed(), 2);
    }
}
