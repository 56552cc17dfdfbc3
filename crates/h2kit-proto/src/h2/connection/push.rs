//! Server push (RFC 9113 §8.4): promising a response the client has not
//! asked for yet.

use super::super::error::UserError;
use super::super::state::{Outcome, StreamState, Transition};
use super::send::{FirstFrame, check_request, encode_field_block};
use super::{Connection, Role};
use crate::frame::StreamId;
use crate::hpack::FieldRef;

impl Connection {
    /// (Server) Promises a response to `request` — its pseudo-header
    /// fields (`:method` GET or HEAD, `:scheme`, `:authority`, `:path`) and
    /// header fields — on behalf of the client's stream `parent`. Returns the
    /// promised stream, "reserved (local)"; answer it with `send_response`
    /// and `send_data` like any request.
    ///
    /// Refused locally, with nothing sent, when the client disabled push
    /// (SETTINGS_ENABLE_PUSH = 0), when the request is not safe and
    /// cacheable, when `parent` is not open, or when the client's
    /// MAX_CONCURRENT_STREAMS leaves no room.
    pub fn push_promise<'a, F>(
        &mut self,
        parent: StreamId,
        request: &[F],
    ) -> Result<StreamId, UserError>
    where
        F: Into<FieldRef<'a>> + Copy,
    {
        self.check_open()?;
        if self.role != Role::Server {
            return Err(UserError::ServerOnly);
        }
        // §8.4: "A server MUST NOT send a PUSH_PROMISE frame if it receives
        // this parameter set to a value of 0" (SETTINGS_ENABLE_PUSH).
        if !self.settings.peer.enable_push {
            return Err(UserError::PushDisabled);
        }
        if self.goaway_sent.is_some() || self.goaway_received.is_some() {
            return Err(UserError::GoingAway);
        }
        // §6.6: "PUSH_PROMISE frames MUST only be sent on a peer-initiated
        // stream that is in either the "open" or "half-closed (remote)"
        // state."
        let parent_state = self.stream_state(parent);
        if self.is_local(parent)
            || !matches!(
                parent_state,
                StreamState::Open | StreamState::HalfClosedRemote
            )
        {
            return Err(UserError::InvalidState {
                stream_id: parent,
                state: parent_state,
            });
        }
        // §8.4: "Promised requests MUST be safe (see Section 9.2.1 of
        // [HTTP]) and cacheable" — GET and HEAD — and "MUST NOT include any
        // content or a trailer section".
        check_request(request)?;
        let method = request
            .iter()
            .map(|f| (*f).into())
            .find(|f: &FieldRef<'_>| f.name == b":method");
        if !method.is_some_and(|m| m.value == b"GET" || m.value == b"HEAD") {
            return Err(UserError::InvalidHeaders(
                "pushed requests must be GET or HEAD",
            ));
        }
        // Pushed responses count against the client's
        // MAX_CONCURRENT_STREAMS once they open; reserved ones are counted
        // here too, so a promise never has to be broken for lack of room.
        let limit = self
            .settings
            .peer
            .max_concurrent_streams
            .unwrap_or(u32::MAX) as usize;
        let reserved = self
            .streams
            .iter()
            .filter(|s| s.state == StreamState::ReservedLocal)
            .count();
        if self.streams.active(false) + reserved >= limit {
            return Err(UserError::StreamLimit);
        }
        if self.next_local_id > StreamId::MAX.value() {
            return Err(UserError::StreamIdsExhausted);
        }
        let promised = StreamId::new(self.next_local_id);
        self.next_local_id += 2;
        let max_frame = self.settings.peer.max_frame_size;
        encode_field_block(
            &mut self.hpack_encoder,
            &mut self.block_buf,
            max_frame,
            parent,
            request.iter().map(|f| (*f).into()),
            FirstFrame::PushPromise { promised },
            &mut self.out,
        );
        let mut stream = self.new_stream(promised);
        if let Outcome::Move(next) = StreamState::Idle.apply(Transition::SendPushPromise) {
            stream.state = next;
        }
        stream.head_request = method.is_some_and(|m| m.value == b"HEAD");
        self.streams.insert(stream);
        Ok(promised)
    }
}
