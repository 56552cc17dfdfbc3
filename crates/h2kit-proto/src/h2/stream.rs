//! What a connection remembers about one stream.

use super::flow::{RecvWindow, SendWindow};
use super::priority::Priority;
use super::send_queue::SendQueue;
use super::state::StreamState;
use crate::frame::StreamId;
use crate::hpack::HeaderField;

/// One stream's state, windows and outgoing buffer.
#[derive(Debug)]
pub(crate) struct Stream {
    pub id: StreamId,
    pub state: StreamState,
    pub send_window: SendWindow,
    pub recv_window: RecvWindow,
    /// Outgoing body chunks not yet framed.
    pub send_queue: SendQueue,
    /// Octets in `send_queue`.
    pub buffered: usize,
    /// The application has finished the body: END_STREAM goes out after the
    /// last queued chunk (or on the trailers).
    pub send_end: bool,
    /// Trailers to send once the queue drains.
    pub send_trailers: Option<Vec<HeaderField>>,
    /// The stream is in the scheduler's ready queue.
    pub scheduled: bool,
    /// We have received the final (non-1xx) header section.
    pub recv_final_headers: bool,
    /// `content-length` the peer declared, checked against the DATA sum.
    pub recv_content_length: Option<u64>,
    /// DATA payload octets received so far.
    pub recv_body_len: u64,
    /// (Client) the request was HEAD, so the response has no body whatever
    /// its content-length says.
    pub head_request: bool,
    /// Octets delivered to the application but not yet released (manual flow
    /// control) — kept for `release_capacity` bounds.
    pub unreleased: u64,
    /// Counted among the active streams of the map (see `StreamMap`).
    pub counted_active: bool,
    /// Its RFC 9218 priority, for the scheduler.
    pub priority: Priority,
}

impl Stream {
    pub fn new(id: StreamId, send_window: u32, recv_window: u32) -> Stream {
        Stream {
            id,
            state: StreamState::Idle,
            send_window: SendWindow::new(send_window),
            recv_window: RecvWindow::new(recv_window),
            send_queue: SendQueue::default(),
            buffered: 0,
            send_end: false,
            send_trailers: None,
            scheduled: false,
            recv_final_headers: false,
            recv_content_length: None,
            recv_body_len: 0,
            head_request: false,
            unreleased: 0,
            counted_active: false,
            priority: Priority::default(),
        }
    }

    /// True when there is something to frame: body bytes, or an END_STREAM
    /// (empty DATA or trailers) still to go out.
    pub fn has_pending_send(&self) -> bool {
        self.buffered > 0 || (self.send_end && self.state.can_send_data())
    }
}
