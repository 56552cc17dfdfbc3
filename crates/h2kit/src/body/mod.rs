//! [`Body`]: a message body that streams both ways, for requests and
//! responses alike.
//!
//! A body is one of:
//! - nothing ([`Body::empty`]),
//! - bytes already in memory ([`Body::from`] a `Bytes`, `Vec<u8>`, `String`
//!   or `&'static str`/`[u8]`),
//! - a channel ([`Body::channel`]): a [`BodySender`] writes chunks (and
//!   optional trailers) from any thread, blocking while the peer is slow,
//! - a reader ([`Body::from_reader`]): the server pulls from any
//!   `std::io::Read` on a worker thread, never on its I/O thread.
//!
//! A request body arrives as a channel fed by the connection; the server
//! gives flow-control window back to the client only as the handler reads,
//! so an upload of any size never sits in memory.
//!
//! Reading is blocking ([`Body::next_chunk`], [`Body::reader`],
//! [`Body::collect`]) or async ([`Body::chunk`], [`Body::poll_chunk`]).
//!
//! ```
//! use h2kit::Body;
//! let (mut tx, body) = Body::channel();
//! std::thread::spawn(move || {
//!     tx.send("hello, ").unwrap();
//!     tx.send("world").unwrap();
//!     tx.finish();
//! });
//! assert_eq!(body.collect(1024).unwrap(), "hello, world");
//! ```

pub(crate) mod pipe;

use crate::ConnInfo;
use bytes::Bytes;
use http::HeaderMap;
use std::fmt;
use std::io::{self, Read};
use std::task::{Context, Poll};

/// Default bound of a [`Body::channel`]: a writer blocks once this many
/// octets wait to be sent.
pub const CHANNEL_CAPACITY: usize = 256 * 1024;

/// Size of the chunks read from a [`Body::from_reader`] source.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// Why a body could not be read or written to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// The writer went away without finishing (the stream was reset, the
    /// connection closed, or a [`BodySender`] was dropped unfinished).
    Aborted,
    /// The reader went away: nobody will read what is written.
    Closed,
    /// The body is longer than the limit given to [`Body::collect`].
    TooLarge,
    /// Reading the source of a [`Body::from_reader`] failed.
    Io(io::ErrorKind),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Aborted => f.write_str("body aborted before its end"),
            BodyError::Closed => f.write_str("body reader is gone"),
            BodyError::TooLarge => f.write_str("body larger than the limit"),
            BodyError::Io(kind) => write!(f, "body source failed: {kind}"),
        }
    }
}

impl std::error::Error for BodyError {}

impl From<BodyError> for io::Error {
    fn from(err: BodyError) -> io::Error {
        let kind = match err {
            BodyError::Io(kind) => kind,
            BodyError::Aborted => io::ErrorKind::ConnectionReset,
            BodyError::Closed => io::ErrorKind::BrokenPipe,
            BodyError::TooLarge => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, err)
    }
}

/// A request or response body. See the [module docs](self).
pub struct Body {
    kind: Kind,
    /// Trailers, once the end has been read.
    /// Boxed: rare, and a `HeaderMap` inline would make every request and
    /// response larger to move.
    trailers: Option<Box<HeaderMap>>,
    /// The connection a request body arrived on. Carried by the body, not
    /// the request's extensions: one reference count instead of three
    /// allocations per request (a `http::Extensions` map costs a box, a
    /// table and a boxed value).
    conn: Option<ConnInfo>,
}

pub(crate) enum Kind {
    Empty,
    Full(Bytes),
    Pipe(pipe::Receiver),
    Reader(Box<dyn Read + Send>),
    Chunks(Box<dyn Iterator<Item = Bytes> + Send>),
    /// Read to the end.
    Done,
}

impl Body {
    /// A body with no bytes.
    pub fn empty() -> Body {
        Body::with_kind(Kind::Empty)
    }

    /// A streaming body and the sender that writes it, bounded by
    /// [`CHANNEL_CAPACITY`].
    pub fn channel() -> (BodySender, Body) {
        Body::channel_with_capacity(CHANNEL_CAPACITY)
    }

    /// A streaming body whose sender blocks once `capacity` octets wait.
    pub fn channel_with_capacity(capacity: usize) -> (BodySender, Body) {
        let (tx, rx) = pipe::pipe(capacity.max(1), None);
        (BodySender { tx: Some(tx) }, Body::with_kind(Kind::Pipe(rx)))
    }

    /// A body pulled from `reader` in chunks. A server reads it on a worker
    /// thread, so a slow source (a file, a process) never stalls other
    /// connections.
    pub fn from_reader(reader: impl Read + Send + 'static) -> Body {
        Body::with_kind(Kind::Reader(Box::new(reader)))
    }

    /// A body made of the chunks an iterator yields, pulled as the peer
    /// reads, on the connection's own thread: for bodies computed in
    /// memory (generated, sliced from a shared buffer), which never block.
    /// No thread and no channel stand between the chunks and the socket.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use h2kit::Body;
    /// // 1 GiB of zeros, 1 MiB at a time, without holding more than one.
    /// let chunk = Bytes::from(vec![0u8; 1 << 20]);
    /// let body = Body::from_chunks(std::iter::repeat(chunk).take(1024));
    /// assert_eq!(body.exact_len(), None);
    /// ```
    pub fn from_chunks<I>(chunks: I) -> Body
    where
        I: IntoIterator<Item = Bytes>,
        I::IntoIter: Send + 'static,
    {
        Body::with_kind(Kind::Chunks(Box::new(chunks.into_iter())))
    }

    pub(crate) fn from_pipe(rx: pipe::Receiver) -> Body {
        Body::with_kind(Kind::Pipe(rx))
    }

    fn with_kind(kind: Kind) -> Body {
        Body {
            kind,
            trailers: None,
            conn: None,
        }
    }

    /// The connection this request body arrived on: set on every request a
    /// server hands to a handler, `None` on bodies built by hand. Handlers
    /// usually ask the request instead ([`RequestExt::conn_info`]).
    ///
    /// [`RequestExt::conn_info`]: crate::RequestExt::conn_info
    pub fn conn_info(&self) -> Option<&ConnInfo> {
        self.conn.as_ref()
    }

    /// The body, marked as arriving on `info`'s connection.
    pub(crate) fn with_conn_info(mut self, info: ConnInfo) -> Body {
        self.conn = Some(info);
        self
    }

    pub(crate) fn into_kind(self) -> Kind {
        self.kind
    }

    /// The body's length when it is known without reading it.
    pub fn exact_len(&self) -> Option<u64> {
        match &self.kind {
            Kind::Empty | Kind::Done => Some(0),
            Kind::Full(b) => Some(b.len() as u64),
            Kind::Pipe(_) | Kind::Reader(_) | Kind::Chunks(_) => None,
        }
    }

    /// The next chunk, blocking until it comes; `None` at the end (then
    /// [`trailers`](Body::trailers) holds the trailers, if any).
    pub fn next_chunk(&mut self) -> Option<Result<Bytes, BodyError>> {
        match std::mem::replace(&mut self.kind, Kind::Done) {
            Kind::Empty | Kind::Done => None,
            Kind::Full(b) => Some(Ok(b)),
            Kind::Pipe(rx) => {
                let next = rx.next_blocking();
                self.on_pipe_step(rx, next)
            }
            Kind::Chunks(mut chunks) => {
                let next = chunks.next()?;
                self.kind = Kind::Chunks(chunks);
                Some(Ok(next))
            }
            Kind::Reader(mut reader) => {
                let mut buf = vec![0; READ_CHUNK];
                match read_some(&mut *reader, &mut buf) {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        self.kind = Kind::Reader(reader);
                        Some(Ok(Bytes::from(buf)))
                    }
                    Err(e) => Some(Err(BodyError::Io(e.kind()))),
                }
            }
        }
    }

    /// The next chunk, for async code; `Ready(None)` at the end. A
    /// [`from_reader`](Body::from_reader) body is read in place (blocking),
    /// so async code should prefer channel bodies.
    pub fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BodyError>>> {
        match std::mem::replace(&mut self.kind, Kind::Done) {
            Kind::Pipe(rx) => match rx.poll_next(cx) {
                Poll::Ready(next) => Poll::Ready(self.on_pipe_step(rx, next)),
                Poll::Pending => {
                    self.kind = Kind::Pipe(rx);
                    Poll::Pending
                }
            },
            other => {
                self.kind = other;
                Poll::Ready(self.next_chunk())
            }
        }
    }

    /// The next chunk, for async code; `None` at the end.
    pub async fn chunk(&mut self) -> Option<Result<Bytes, BodyError>> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }

    fn on_pipe_step(
        &mut self,
        rx: pipe::Receiver,
        next: pipe::Next,
    ) -> Option<Result<Bytes, BodyError>> {
        match next {
            pipe::Next::Chunk(b) => {
                self.kind = Kind::Pipe(rx);
                Some(Ok(b))
            }
            pipe::Next::End(trailers) => {
                self.trailers = trailers.map(Box::new);
                None
            }
            pipe::Next::Failed(err) => Some(Err(err)),
        }
    }

    /// The trailers that ended the body, once it has been read to the end.
    pub fn trailers(&self) -> Option<&HeaderMap> {
        self.trailers.as_deref()
    }

    /// Reads the whole body into memory, failing if it is longer than
    /// `limit` octets.
    pub fn collect(mut self, limit: usize) -> Result<Bytes, BodyError> {
        if let Kind::Full(b) = &self.kind {
            if b.len() > limit {
                return Err(BodyError::TooLarge);
            }
        }
        let mut first: Option<Bytes> = None;
        let mut all = Vec::new();
        while let Some(chunk) = self.next_chunk() {
            let chunk = chunk?;
            let have = first.as_ref().map_or(0, Bytes::len) + all.len();
            if have + chunk.len() > limit {
                return Err(BodyError::TooLarge);
            }
            match first.take() {
                None if all.is_empty() => first = Some(chunk),
                None => all.extend_from_slice(&chunk),
                Some(f) => {
                    all.extend_from_slice(&f);
                    all.extend_from_slice(&chunk);
                }
            }
        }
        Ok(first.unwrap_or_else(|| Bytes::from(all)))
    }

    /// A blocking [`std::io::Read`] over the body.
    pub fn reader(self) -> BodyReader {
        BodyReader {
            body: self,
            current: Bytes::new(),
        }
    }
}

fn read_some(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Moves a reader-backed body into a pipe, blocking as the pipe fills: run
/// on a worker thread.
pub(crate) fn pump_reader(mut reader: Box<dyn Read + Send>, tx: pipe::Sender) {
    loop {
        let mut buf = vec![0; READ_CHUNK];
        match read_some(&mut *reader, &mut buf) {
            Ok(0) => return tx.finish(None),
            Ok(n) => {
                buf.truncate(n);
                if tx.send_blocking(Bytes::from(buf)).is_err() {
                    return; // nobody reads any more: the stream is gone
                }
            }
            Err(e) => return tx.fail(BodyError::Io(e.kind())),
        }
    }
}

impl Default for Body {
    fn default() -> Body {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Empty => "empty",
            Kind::Full(_) => "full",
            Kind::Pipe(_) => "channel",
            Kind::Reader(_) => "reader",
            Kind::Chunks(_) => "chunks",
            Kind::Done => "done",
        };
        f.debug_struct("Body").field("kind", &kind).finish()
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Body {
        if b.is_empty() {
            Body::empty()
        } else {
            Body::with_kind(Kind::Full(b))
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Body {
        Body::from(Bytes::from(v))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body::from(Bytes::from(s))
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Body {
        Body::from(Bytes::from_static(s.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Body {
        Body::from(Bytes::from_static(s))
    }
}

impl From<()> for Body {
    fn from((): ()) -> Body {
        Body::empty()
    }
}

/// Writes a [`Body::channel`] body. Call [`finish`](BodySender::finish) or
/// [`finish_with_trailers`](BodySender::finish_with_trailers) at the end:
/// a sender dropped unfinished aborts the body (over HTTP/2 the stream is
/// reset), so the peer never takes a truncated body for a whole one.
pub struct BodySender {
    tx: Option<pipe::Sender>,
}

impl BodySender {
    /// Sends a chunk, blocking while the channel is full. Fails with
    /// [`BodyError::Closed`] once nobody reads the body any more.
    pub fn send(&mut self, chunk: impl Into<Bytes>) -> Result<(), BodyError> {
        let chunk = chunk.into();
        if chunk.is_empty() {
            return Ok(());
        }
        self.sender()?.send_blocking(chunk)
    }

    /// Sends a chunk, waiting asynchronously while the channel is full.
    pub async fn send_async(&mut self, chunk: impl Into<Bytes>) -> Result<(), BodyError> {
        let chunk = chunk.into();
        let tx = self.sender()?;
        std::future::poll_fn(|cx| tx.poll_ready(cx)).await?;
        tx.push(chunk);
        Ok(())
    }

    /// Ends the body.
    pub fn finish(mut self) {
        if let Some(tx) = self.tx.take() {
            tx.finish(None);
        }
    }

    /// Ends the body with trailer fields.
    pub fn finish_with_trailers(mut self, trailers: HeaderMap) {
        if let Some(tx) = self.tx.take() {
            tx.finish(Some(trailers));
        }
    }

    /// Ends the body with an error: the peer sees the stream reset.
    pub fn abort(mut self) {
        if let Some(tx) = self.tx.take() {
            tx.fail(BodyError::Aborted);
        }
    }

    fn sender(&self) -> Result<&pipe::Sender, BodyError> {
        self.tx.as_ref().ok_or(BodyError::Closed)
    }
}

impl fmt::Debug for BodySender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodySender").finish_non_exhaustive()
    }
}

/// A blocking [`std::io::Read`] over a [`Body`] (from [`Body::reader`]).
pub struct BodyReader {
    body: Body,
    current: Bytes,
}

impl BodyReader {
    /// The trailers, once the body has been read to the end.
    pub fn trailers(&self) -> Option<&HeaderMap> {
        self.body.trailers()
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.body.next_chunk() {
                None => return Ok(0),
                Some(chunk) => self.current = chunk?,
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        bytes::Buf::advance(&mut self.current, n);
        Ok(n)
    }
}

impl fmt::Debug for BodyReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyReader").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_refuses_bodies_over_the_limit() {
        let (mut tx, body) = Body::channel();
        std::thread::spawn(move || {
            for _ in 0..10 {
                if tx.send(vec![0u8; 100]).is_err() {
                    return;
                }
            }
            tx.finish();
        });
        assert_eq!(body.collect(500), Err(BodyError::TooLarge));
        assert_eq!(Body::from("abc").collect(2), Err(BodyError::TooLarge));
    }

    #[test]
    fn a_reader_body_reads_through() {
        let body = Body::from_reader(io::Cursor::new(vec![7u8; 200_000]));
        let mut out = Vec::new();
        body.reader().read_to_end(&mut out).unwrap();
        assert_eq!(out, vec![7u8; 200_000]);
    }

    #[test]
    fn trailers_are_available_after_the_end() {
        let (mut tx, mut body) = Body::channel();
        tx.send("x").unwrap();
        let mut t = HeaderMap::new();
        t.insert("grpc-status", "0".parse().unwrap());
        tx.finish_with_trailers(t);
        assert_eq!(body.next_chunk().unwrap().unwrap(), "x");
        assert!(body.next_chunk().is_none());
        assert_eq!(body.trailers().unwrap()["grpc-status"], "0");
    }

    #[test]
    fn an_unfinished_sender_aborts_the_body() {
        let (mut tx, body) = Body::channel();
        tx.send("partial").unwrap();
        drop(tx);
        assert_eq!(body.collect(100), Err(BodyError::Aborted));
    }
}
