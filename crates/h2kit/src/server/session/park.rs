//! Parking: an HTTP/2 session with nothing in progress is reduced to its
//! protocol state ([`ParkedConnection`]) and its addresses, a few hundred
//! bytes, until the peer speaks again — so a server holding thousands of
//! idle connections does not hold thousands of sessions, buffers and
//! mailboxes.
//!
//! A session is parked as soon as it is quiet if it has carried no
//! request since it started (a fresh connection after the SETTINGS
//! exchange, or one woken only by a PING), and otherwise once it has been
//! quiet for the core's `idle_trim_delay`: a busy connection keeps its
//! warm buffers between requests. Only cleartext HTTP/2 parks; a TLS
//! session's state lives in rustls.

use super::{Phase, Session, h2};
use crate::handler::{ConnInfo, Protocol};
use crate::server::Shared;
use bytes::BytesMut;
use h2kit_proto::h2::ParkedConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

/// A quiet session, as [`Session::park`] left it, or a new cleartext
/// connection that has sent nothing yet ([`ParkedSession::fresh`]). The
/// addresses are not kept: the socket knows them, and only cleartext
/// connections park.
pub(crate) struct ParkedSession {
    /// The HTTP/2 state; `None` for a fresh connection.
    conn: Option<ParkedConnection>,
    last_activity: Instant,
}

impl Session {
    /// Tells the session its driver parks quiet sessions: it then asks for
    /// a timer when one that served requests is due to be parked.
    pub fn allow_parking(&mut self) {
        self.parking = true;
    }

    /// The HTTP/2 state, when nothing at all is in progress on the
    /// session: no stream, no job, no output, no deadline but the idle
    /// one, and a protocol state that can park.
    fn quiet_h2(&self) -> Option<&h2::H2> {
        let Phase::H2(h2) = &self.phase else {
            return None;
        };
        let quiet = self.parking
            && self.tls.is_none()
            && h2.info().protocol() == Protocol::H2c
            && self.tracer.is_none()
            && !self.shutting_down
            && !self.finished
            && !self.peer_eof
            && self.out.is_empty()
            && self.ctx.jobs.is_empty()
            && !self.ctx.mailbox.has_mail()
            && self.stalled_since.is_none()
            && self.handshake_deadline.is_none()
            && self.close_deadline.is_none()
            && h2.is_quiet()
            && h2.conn.can_park();
        quiet.then_some(&**h2)
    }

    /// When a quiet session that has served requests will be parked.
    pub(super) fn park_deadline(&self) -> Option<Instant> {
        self.quiet_h2()
            .map(|_| self.last_activity + self.ctx.shared.h2.idle_trim_delay)
    }

    /// True when the driver should [`park`](Self::park) the session now.
    pub fn should_park(&self, now: Instant) -> bool {
        self.quiet_h2().is_some_and(|h2| {
            !h2.has_served() || now >= self.last_activity + self.ctx.shared.h2.idle_trim_delay
        })
    }

    /// Reduces a quiet session to its [`ParkedSession`]; the session comes
    /// back unchanged when something is in progress.
    // The refusal hands the caller's own session back by value.
    #[allow(clippy::result_large_err)]
    pub fn park(mut self) -> Result<ParkedSession, Session> {
        if self.quiet_h2().is_none() {
            return Err(self);
        }
        let h2 = match std::mem::replace(&mut self.phase, Phase::Handshake) {
            Phase::H2(h2) => h2,
            other => {
                self.phase = other;
                return Err(self);
            }
        };
        let info: ConnInfo = h2.info().clone();
        match h2.into_conn().park() {
            Ok(conn) => Ok(ParkedSession {
                conn: Some(conn),
                last_activity: self.last_activity,
            }),
            Err(conn) => {
                self.phase = Phase::H2(Box::new(h2::H2::new(conn, info)));
                Err(self)
            }
        }
    }

    /// The session again, for the peer's next bytes (or a timer), on the
    /// connection between `peer` and `local`; for a
    /// [fresh](ParkedSession::fresh) connection, the session
    /// [`Session::new`] makes for it, as of when it was accepted.
    pub fn resume(
        parked: ParkedSession,
        shared: Arc<Shared>,
        waker: Waker,
        peer: SocketAddr,
        local: SocketAddr,
    ) -> Session {
        let phase = match parked.conn {
            Some(conn) => {
                let info = ConnInfo::new(peer, local, Protocol::H2c, None);
                Phase::H2(Box::new(h2::H2::new(conn.resume(), info)))
            }
            None => {
                debug_assert!(shared.tls.is_none(), "only cleartext connections park");
                Phase::Detect(BytesMut::new())
            }
        };
        let mut session = Session::with_phase(
            shared,
            peer,
            local,
            waker,
            None,
            phase,
            parked.last_activity,
        );
        if let Phase::H2(_) = session.phase {
            // The preface came long ago; only a fresh connection still
            // has its protocol detection to finish in time.
            session.handshake_deadline = None;
        }
        session.parking = true;
        session
    }
}

impl ParkedSession {
    /// A cleartext connection accepted at `now` that has sent nothing yet:
    /// it can wait as a parked one does, with no session, until it speaks
    /// (or its handshake or idle deadline comes); it then
    /// [resumes](Session::resume) as a new session.
    pub fn fresh(now: Instant) -> ParkedSession {
        ParkedSession {
            conn: None,
            last_activity: now,
        }
    }

    /// When the session must be resumed for a timer: its idle timeout, or
    /// the protocol's keep-alive; for a fresh connection, the deadline of
    /// its protocol detection (the `handshake_timeout`) if sooner.
    pub fn poll_timeout(&self, shared: &Shared) -> Option<Instant> {
        let idle = self.last_activity + shared.idle_timeout;
        let other = match &self.conn {
            Some(conn) => conn.poll_timeout(),
            None => Some(self.last_activity + shared.handshake_timeout),
        };
        Some(other.map_or(idle, |t| t.min(idle)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::shared;
    use super::*;
    use crate::{Body, RequestExt};
    use bytes::BytesMut;
    use h2kit_proto::h2::{Config, Connection, Event};
    use http::{Request, Response};
    use std::time::Duration;

    const GET: [(&str, &str); 4] = [
        (":method", "GET"),
        (":scheme", "http"),
        (":authority", "test"),
        (":path", "/"),
    ];

    fn small_shared() -> Arc<Shared> {
        let mut shared = Arc::into_inner(shared()).unwrap();
        shared.handler = Arc::new(crate::nonblocking(|req: Request<Body>| {
            let info = req.conn_info().unwrap();
            Response::new(Body::from(format!(
                "{} {}",
                info.protocol().as_str(),
                info.peer_addr()
            )))
        }));
        Arc::new(shared)
    }

    fn addr() -> SocketAddr {
        "127.0.0.1:4000".parse().unwrap()
    }

    /// Moves bytes between `client` and `session` until both are quiet.
    fn settle(session: &mut Session, client: &mut Connection, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        for _ in 0..100 {
            let mut wire = BytesMut::new();
            while client.poll_transmit(&mut wire) > 0 {}
            if !wire.is_empty() {
                session.on_read(&wire, now);
            }
            session.dispatch_jobs();
            session.flush();
            let out = session.take_output();
            if !out.is_empty() {
                client.recv(&out).unwrap();
            }
            while let Some(event) = client.poll_event() {
                events.push(event);
            }
            if wire.is_empty() && out.is_empty() && !client.wants_write() {
                return events;
            }
        }
        panic!("did not settle");
    }

    fn fresh_session(now: Instant) -> (Session, Connection) {
        let mut session =
            Session::new(small_shared(), addr(), addr(), Waker::noop().clone(), now).unwrap();
        session.allow_parking();
        let mut client = Connection::client(Config::default());
        client.handle_timeout(now);
        settle(&mut session, &mut client, now);
        (session, client)
    }

    fn body(events: &[Event]) -> Vec<u8> {
        let mut all = Vec::new();
        for event in events {
            if let Event::Data { data, .. } = event {
                all.extend_from_slice(data);
            }
        }
        all
    }

    #[test]
    fn a_fresh_quiet_connection_parks_at_once_and_serves_after_resuming() {
        let now = Instant::now();
        let (session, mut client) = fresh_session(now);
        assert!(session.should_park(now), "settled and never asked anything");
        let parked = session.park().ok().expect("quiet");
        let other: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let mut session =
            Session::resume(parked, small_shared(), Waker::noop().clone(), other, addr());
        client.send_request(&GET, true).unwrap();
        let events = settle(&mut session, &mut client, now);
        // The request is served, and the handler sees the addresses the
        // driver gave on resuming.
        assert_eq!(body(&events), b"h2c 127.0.0.1:5000");
        assert_eq!(session.in_flight(), 0);
    }

    #[test]
    fn a_fresh_connection_waits_as_parked_and_resumes_as_a_new_session() {
        let now = Instant::now();
        let shared = small_shared();
        let fresh = ParkedSession::fresh(now);
        // Due when a new session would time out its protocol detection.
        let handshake = shared.handshake_timeout.min(shared.idle_timeout);
        assert_eq!(fresh.poll_timeout(&shared), Some(now + handshake));
        let new = Session::new(shared.clone(), addr(), addr(), Waker::noop().clone(), now).unwrap();
        let mut session = Session::resume(fresh, shared, Waker::noop().clone(), addr(), addr());
        assert_eq!(session.poll_timeout(), new.poll_timeout());
        assert!(
            !session.should_park(now),
            "nothing to park before the preface"
        );
        let mut client = Connection::client(Config::default());
        client.handle_timeout(now);
        settle(&mut session, &mut client, now);
        assert!(
            session.should_park(now),
            "parks again after the SETTINGS exchange"
        );
        client.send_request(&GET, true).unwrap();
        let events = settle(&mut session, &mut client, now);
        assert_eq!(body(&events), b"h2c 127.0.0.1:4000");
    }

    #[test]
    fn a_connection_that_served_requests_parks_after_the_trim_delay() {
        let now = Instant::now();
        let (mut session, mut client) = fresh_session(now);
        client.send_request(&GET, true).unwrap();
        let events = settle(&mut session, &mut client, now);
        assert_eq!(body(&events), b"h2c 127.0.0.1:4000");
        // Busy a moment ago: kept warm until the delay has passed.
        let delay = session.ctx.shared.h2.idle_trim_delay;
        assert!(!session.should_park(now));
        assert_eq!(session.poll_timeout(), Some(now + delay));
        assert!(session.should_park(now + delay));
        let parked = session.park().ok().expect("quiet");
        let idle_timeout = Duration::from_secs(60);
        assert_eq!(
            parked.poll_timeout(&small_shared()),
            Some(now + idle_timeout)
        );
        let mut session = Session::resume(
            parked,
            small_shared(),
            Waker::noop().clone(),
            addr(),
            addr(),
        );
        // Stream ids go on from where they were; HPACK state was kept.
        client.send_request(&GET, true).unwrap();
        let events = settle(&mut session, &mut client, now + delay);
        assert_eq!(body(&events), b"h2c 127.0.0.1:4000");
    }

    #[test]
    fn a_parked_connection_still_times_out_when_idle() {
        let now = Instant::now();
        let (session, mut client) = fresh_session(now);
        let parked = session.park().ok().expect("quiet");
        let due = parked.poll_timeout(&small_shared()).unwrap();
        let mut session = Session::resume(
            parked,
            small_shared(),
            Waker::noop().clone(),
            addr(),
            addr(),
        );
        session.handle_timeout(due);
        session.flush();
        let out = session.take_output();
        client.recv(&out).unwrap();
        let goaway = std::iter::from_fn(|| client.poll_event())
            .any(|e| matches!(e, Event::GoAwayReceived { .. }));
        assert!(goaway, "the idle timeout sends GOAWAY");
    }

    #[test]
    fn sessions_with_work_in_progress_do_not_park() {
        let now = Instant::now();
        // A driver that does not park (the blocking models, the runtime).
        let mut session =
            Session::new(small_shared(), addr(), addr(), Waker::noop().clone(), now).unwrap();
        let mut client = Connection::client(Config::default());
        settle(&mut session, &mut client, now);
        assert!(!session.should_park(now + Duration::from_secs(10)));
        assert_eq!(session.park_deadline(), None, "no timer for parking either");

        // Output not yet written.
        let (mut session, mut client) = fresh_session(now);
        client.send_request(&GET, true).unwrap();
        let mut wire = BytesMut::new();
        while client.poll_transmit(&mut wire) > 0 {}
        session.on_read(&wire, now);
        session.dispatch_jobs();
        session.flush();
        assert!(session.output_len() > 0);
        assert!(!session.should_park(now + Duration::from_secs(10)));
        let session = session.park().err().expect("busy");

        // Shutting down.
        let mut session = session;
        session.take_output();
        session.shutdown(now + Duration::from_secs(1));
        assert!(!session.should_park(now + Duration::from_secs(10)));

        // HTTP/1.1.
        let mut session =
            Session::new(small_shared(), addr(), addr(), Waker::noop().clone(), now).unwrap();
        session.allow_parking();
        session.on_read(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n", now);
        session.dispatch_jobs();
        session.flush();
        session.take_output();
        assert!(!session.should_park(now + Duration::from_secs(10)));
    }
}
