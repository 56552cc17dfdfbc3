//! Working memory that many connections on one thread can share.

use super::Connection;
use super::streams::StreamTable;
use crate::h2::event::Event;
use crate::h2::message::HeadPool;
use std::collections::VecDeque;

/// The containers a connection needs only while it has work in hand: the
/// event queue, the stream table and the request heads kept for reuse.
///
/// Between two reads a busy server connection usually has all three
/// empty, yet each would keep its own allocation, untouched (and so out
/// of the CPU caches) until its next turn. A driver that serves many
/// connections on one thread can instead keep one `Scratch` and lend it
/// to each connection for its turn ([`Connection::borrow_scratch`], then
/// [`Connection::return_scratch`]): every turn then works in the same
/// memory, still cached from the turn before. With 100 connections and 10
/// requests each per read (`h2load -c 100 -m 10`) this cut h2kit's server
/// CPU per request by 6.5% on its event loop, and by about 12% on its
/// tokio runtime once connections let go of their own empty containers
/// on return (see [`Connection::return_scratch`]); with one connection
/// it changed nothing beyond the noise.
///
/// Lending is optional and changes no protocol behaviour: a connection
/// never given a `Scratch` allocates its own containers, and one that
/// still holds something (an open stream, a queued event) keeps it.
///
/// ```
/// use h2kit_proto::h2::{Config, Connection, Scratch};
///
/// let mut scratch = Scratch::default();
/// let mut server = Connection::server(Config::default());
/// server.borrow_scratch(&mut scratch);
/// // ... server.recv(..), poll_event, respond, poll_transmit ...
/// server.return_scratch(&mut scratch);
/// ```
#[derive(Debug, Default)]
pub struct Scratch {
    events: VecDeque<Event>,
    streams: StreamTable,
    heads: HeadPool,
}

impl Connection {
    /// Takes `scratch`'s containers in place of this connection's own empty
    /// ones, for the work that follows (see [`Scratch`]). The connection's
    /// own empty containers are freed.
    pub fn borrow_scratch(&mut self, scratch: &mut Scratch) {
        if self.events.is_empty() && scratch.events.capacity() > 0 {
            self.events = std::mem::take(&mut scratch.events);
        }
        if self.streams.is_empty() && scratch.streams.capacity() > 0 {
            self.streams
                .replace_table(std::mem::take(&mut scratch.streams));
        }
        if self.spare_heads.is_empty() && scratch.heads.holds_memory() {
            self.spare_heads = std::mem::take(&mut scratch.heads);
        }
    }

    /// Lets go of the containers this connection holds empty: to `scratch`
    /// when it has none of that kind, else to the allocator (see
    /// [`Scratch`]). What still holds something stays with the connection.
    ///
    /// Keeping an empty container when `scratch` is full would leave the
    /// connection with memory of its own that goes cold between turns and
    /// that it keeps using, since it borrows only in place of empty ones.
    /// That happens when connections' turns overlap (a connection whose
    /// first turns ran on another thread, with that thread's scratch).
    pub fn return_scratch(&mut self, scratch: &mut Scratch) {
        if self.events.is_empty() {
            let events = std::mem::take(&mut self.events);
            if scratch.events.capacity() == 0 {
                scratch.events = events;
            }
        }
        if self.streams.is_empty() {
            let table = self.streams.replace_table(StreamTable::default());
            if scratch.streams.capacity() == 0 {
                scratch.streams = table;
            }
        }
        let heads = std::mem::take(&mut self.spare_heads);
        if !scratch.heads.holds_memory() {
            scratch.heads = heads;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h2::Event;
    use crate::h2::tests::{GET, Pair};
    use bytes::BytesMut;

    /// A client and a server connection, their SETTINGS exchanged.
    fn pair() -> Pair {
        let mut p = Pair::default();
        p.pump();
        p
    }

    /// Sends `n` requests from the client, and has the server answer them
    /// with `scratch` lent for its turn; returns the bodies the client got.
    fn turn(p: &mut Pair, scratch: &mut Scratch, n: usize) -> Vec<Vec<u8>> {
        let Pair { client, server, .. } = p;
        for i in 0..n {
            let path = format!("/{i}");
            let fields = [
                (":method", "GET"),
                (":scheme", "http"),
                (":authority", "a"),
                (":path", path.as_str()),
            ];
            client.send_request(&fields, true).unwrap();
        }
        let mut buf = BytesMut::new();
        client.poll_transmit(&mut buf);
        server.borrow_scratch(scratch);
        server.recv(&buf).unwrap();
        while let Some(event) = server.poll_event() {
            if let Event::Request {
                stream_id, head, ..
            } = event
            {
                let body = head.path.clone().unwrap();
                server.recycle_request_head(head);
                server
                    .send_response(stream_id, 200, &[("x", "y")], false)
                    .unwrap();
                server.send_data(stream_id, body, true).unwrap();
            }
        }
        let mut out = BytesMut::new();
        server.poll_transmit(&mut out);
        server.return_scratch(scratch);
        client.recv(&out).unwrap();
        let mut bodies = Vec::new();
        while let Some(event) = client.poll_event() {
            if let Event::Data { data, .. } = event {
                bodies.push(data.to_vec());
            }
        }
        bodies
    }

    #[test]
    fn connections_taking_turns_with_one_scratch_are_served_as_without() {
        let (mut pair_a, mut pair_b) = (pair(), pair());
        let mut scratch = Scratch::default();
        for _ in 0..3 {
            let a = turn(&mut pair_a, &mut scratch, 10);
            let b = turn(&mut pair_b, &mut scratch, 5);
            // Each request was answered with its own path, in order.
            let paths = |n: usize| {
                (0..n)
                    .map(|i| format!("/{i}").into_bytes())
                    .collect::<Vec<_>>()
            };
            assert_eq!(a, paths(10));
            assert_eq!(b, paths(5));
        }
    }

    #[test]
    fn a_finished_turn_leaves_its_memory_in_the_scratch() {
        let mut p = pair();
        let mut scratch = Scratch::default();
        turn(&mut p, &mut scratch, 10);
        let server = &p.server;
        assert!(scratch.events.capacity() > 0);
        assert!(scratch.streams.capacity() >= 10);
        assert!(scratch.heads.holds_memory());
        assert_eq!(server.events.capacity(), 0);
        assert_eq!(server.streams.capacity(), 0);
        assert!(!server.spare_heads.holds_memory());

        // The next turn, of this or another connection, works in it.
        let mut other = pair().server;
        other.borrow_scratch(&mut scratch);
        assert!(other.streams.capacity() >= 10);
        assert_eq!(scratch.streams.capacity(), 0);
    }

    #[test]
    fn turns_that_overlap_leave_the_later_connection_nothing_of_its_own() {
        let (mut a, mut b) = (pair(), pair());
        let mut scratch = Scratch::default();
        turn(&mut a, &mut scratch, 10);
        // B's turn starts while A holds the scratch: B works in memory of
        // its own (kept aside in `own`, then borrowed back).
        a.server.borrow_scratch(&mut scratch);
        let mut own = Scratch::default();
        turn(&mut b, &mut own, 10);
        b.server.borrow_scratch(&mut own);
        assert!(b.server.spare_heads.holds_memory());
        a.server.return_scratch(&mut scratch);
        assert!(scratch.streams.capacity() > 0, "A's went back");
        // B ends its turn with the scratch full: its own memory is let go.
        b.server.return_scratch(&mut scratch);
        assert_eq!(b.server.events.capacity(), 0);
        assert_eq!(b.server.streams.capacity(), 0);
        assert!(!b.server.spare_heads.holds_memory());
        // And B's next turn works in the scratch.
        let bodies = turn(&mut b, &mut scratch, 3);
        assert_eq!(bodies.len(), 3);
        assert_eq!(b.server.streams.capacity(), 0);
    }

    #[test]
    fn a_connection_with_an_open_stream_keeps_its_table() {
        let mut p = pair();
        let mut scratch = Scratch::default();
        // No END_STREAM: the stream stays open, waiting for a body.
        p.client.send_request(&GET, false).unwrap();
        // Delivers the request and takes the server's events.
        p.pump();
        p.server.return_scratch(&mut scratch);
        assert_eq!(scratch.streams.capacity(), 0, "the stream is still open");
        assert!(p.server.streams.capacity() > 0);
    }
}
