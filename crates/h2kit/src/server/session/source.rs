//! Where a response body comes from while it is being sent, whatever the
//! protocol: bytes in memory, an iterator of chunks pulled in place, or a
//! pipe fed by the handler (or by a worker thread reading a
//! `Body::from_reader`). Both protocols pull from it in
//! pieces no larger than what they can take right now.

use super::Ctx;
use crate::body::{Kind, pipe};
use crate::{Body, BodyError};
use bytes::Bytes;
use http::HeaderMap;
use std::task::Waker;

/// A response body being sent.
pub(super) enum Source {
    Full(Bytes),
    Pipe {
        rx: pipe::Receiver,
        /// The part of a chunk the protocol could not take yet.
        partial: Bytes,
    },
    Chunks {
        chunks: Box<dyn Iterator<Item = Bytes> + Send>,
        partial: Bytes,
    },
}

/// One step of pulling from a [`Source`].
pub(super) enum Pull {
    /// Bytes to send; `last` when the body ends right after them with no
    /// trailers (so the end can ride on the same frame).
    Data { chunk: Bytes, last: bool },
    /// The body ended, with trailers if the handler sent any.
    End(Option<HeaderMap>),
    /// Nothing yet; the waker given to [`Source::pull`] fires when there is.
    Pending,
    /// The body failed: the message cannot be completed.
    Failed(BodyError),
}

impl Source {
    /// The source of a handler's response body. A reader is read on a
    /// worker thread, never here: a file or a process may block.
    pub fn new(body: Body, ctx: &Ctx) -> Source {
        Source::from_kind(body.into_kind(), ctx)
    }

    /// The source of a body already taken apart.
    pub fn from_kind(kind: Kind, ctx: &Ctx) -> Source {
        match kind {
            Kind::Full(bytes) => Source::Full(bytes),
            Kind::Pipe(rx) => Source::Pipe {
                rx,
                partial: Bytes::new(),
            },
            Kind::Reader(reader) => {
                let (tx, rx) = pipe::pipe(crate::body::CHANNEL_CAPACITY, None);
                ctx.shared
                    .pool
                    .spawn(move || crate::body::pump_reader(reader, tx));
                Source::Pipe {
                    rx,
                    partial: Bytes::new(),
                }
            }
            Kind::Chunks(chunks) => Source::Chunks {
                chunks,
                partial: Bytes::new(),
            },
            Kind::Empty | Kind::Done => Source::Full(Bytes::new()),
        }
    }

    /// Takes at most `max` octets (`max` > 0), or the end.
    pub fn pull(&mut self, max: usize, waker: &Waker) -> Pull {
        match self {
            Source::Full(bytes) => {
                let chunk = bytes.split_to(max.min(bytes.len()));
                Pull::Data {
                    chunk,
                    last: bytes.is_empty(),
                }
            }
            Source::Pipe { rx, partial } => {
                while partial.is_empty() {
                    let next = match rx.try_next() {
                        Some(next) => next,
                        None => {
                            rx.register(waker);
                            // The writer may have raced the registration.
                            match rx.try_next() {
                                Some(next) => next,
                                None => return Pull::Pending,
                            }
                        }
                    };
                    match next {
                        pipe::Next::Chunk(chunk) => *partial = chunk,
                        pipe::Next::End(trailers) => return Pull::End(trailers),
                        pipe::Next::Failed(err) => return Pull::Failed(err),
                    }
                }
                Pull::Data {
                    chunk: partial.split_to(max.min(partial.len())),
                    last: false,
                }
            }
            Source::Chunks { chunks, partial } => {
                while partial.is_empty() {
                    match chunks.next() {
                        Some(chunk) => *partial = chunk,
                        None => return Pull::End(None),
                    }
                }
                Pull::Data {
                    chunk: partial.split_to(max.min(partial.len())),
                    last: false,
                }
            }
        }
    }
}
