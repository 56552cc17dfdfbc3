//! How a response gets back to its connection from the thread that ran the
//! handler: a per-connection queue plus the connection's waker.

use crate::Body;
use http::Response;
use std::sync::{Arc, Mutex};
use std::task::Waker;

/// Responses waiting for their connection to pick them up; `None` marks a
/// handler that ended without answering (it panicked).
pub(crate) struct Mailbox {
    queue: Mutex<Vec<(u32, Option<Response<Body>>)>>,
    waker: Waker,
}

impl Mailbox {
    pub fn new(waker: Waker) -> Arc<Mailbox> {
        Arc::new(Mailbox {
            queue: Mutex::new(Vec::new()),
            waker,
        })
    }

    fn post(&self, stream: u32, response: Option<Response<Body>>) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((stream, response));
        self.waker.wake_by_ref();
    }

    /// Moves the waiting responses into `into`.
    pub fn drain(&self, into: &mut Vec<(u32, Option<Response<Body>>)>) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if !queue.is_empty() {
            into.append(&mut queue);
        }
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
        self.mailbox.post(self.stream, Some(response));
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
            self.mailbox.post(self.stream, None);
        }
    }
}
