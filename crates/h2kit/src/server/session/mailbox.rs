//! How answers get back to their connection from the thread that ran the
//! handler: a per-connection queue plus the connection's waker. Mail is
//! taken in the order it was posted, so a push promised before the
//! response that refers to it is promised first.

use crate::Body;
use http::{Request, Response};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;

/// One message from a handler to its connection.
pub(crate) enum Mail {
    /// The response to a request (`None`: the handler ended without
    /// answering — it panicked).
    Response {
        stream: u32,
        response: Option<Response<Body>>,
    },
    /// A server push (RFC 9113 §8.4) on behalf of request `parent`; its
    /// response comes later as [`Mail::Pushed`] with the same `token`.
    Promise {
        parent: u32,
        token: u64,
        request: Request<()>,
    },
    /// The response to a promised push (`None`: abandoned).
    Pushed {
        token: u64,
        response: Option<Response<Body>>,
    },
}

/// Mail waiting for its connection to pick it up.
pub(crate) struct Mailbox {
    queue: Mutex<Vec<Mail>>,
    /// Set when mail is posted, cleared when drained: lets the connection
    /// skip the lock when nothing came.
    posted: AtomicBool,
    waker: Waker,
    next_token: AtomicU64,
}

impl Mailbox {
    pub fn new(waker: Waker) -> Arc<Mailbox> {
        Arc::new(Mailbox {
            queue: Mutex::new(Vec::new()),
            posted: AtomicBool::new(false),
            waker,
            next_token: AtomicU64::new(0),
        })
    }

    pub fn post(&self, mail: Mail) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(mail);
        self.posted.store(true, Ordering::Release);
        self.waker.wake_by_ref();
    }

    /// A token no other push of this connection has.
    pub fn push_token(&self) -> u64 {
        self.next_token.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether mail may be waiting.
    pub fn has_mail(&self) -> bool {
        self.posted.load(Ordering::Acquire)
    }

    /// Moves the waiting mail into `into`.
    pub fn drain(&self, into: &mut Vec<Mail>) {
        if !self.has_mail() {
            return;
        }
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        // Cleared under the lock: a post after this finds it set again.
        self.posted.store(false, Ordering::Release);
        into.append(&mut queue);
    }
}

/// The right to answer one request. Dropping it unanswered (a panicking
/// handler) resets the stream instead of leaving the client waiting.
pub(crate) struct Responder {
    mailbox: Arc<Mailbox>,
    stream: u32,
    answered: bool,
}

impl Responder {
    pub fn new(mailbox: Arc<Mailbox>, stream: u32) -> Responder {
        Responder {
            mailbox,
            stream,
            answered: false,
        }
    }

    /// Sends the response to the connection.
    pub fn send(mut self, response: Response<Body>) {
        self.answered = true;
        self.mailbox.post(Mail::Response {
            stream: self.stream,
            response: Some(response),
        });
    }

    /// The stream, for a caller that delivers the response itself.
    pub fn into_stream(mut self) -> u32 {
        self.answered = true;
        self.stream
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if !self.answered {
            self.mailbox.post(Mail::Response {
                stream: self.stream,
                response: None,
            });
        }
    }
}
