//! A [`Session`]: everything one accepted connection needs between the
//! socket and the handler — TLS, protocol detection, the HTTP/2 core and
//! the streams' bodies — with no I/O of its own.
//!
//! Every dispatch model drives sessions the same way; only how it waits
//! differs (blocking threads, mio, tokio):
//!
//! 1. bytes from the socket go to [`on_read`](Session::on_read) (while
//!    [`wants_read`](Session::wants_read)), the end of input to
//!    [`on_eof`](Session::on_eof);
//! 2. each [`Job`] from [`next_job`](Session::next_job) is run — on a
//!    worker, or inline with [`run_inline`](Session::run_inline) for a
//!    handler that never blocks;
//! 3. [`flush`](Session::flush) moves responses and body chunks into the
//!    core and encodes what is ready; [`output`](Session::output) is what
//!    to write, [`consume_output`](Session::consume_output) drops what was
//!    written;
//! 4. the session's waker (given at creation) fires when a handler answers
//!    or a body has more: go to 3;
//! 5. [`poll_timeout`](Session::poll_timeout) / [`handle_timeout`](Session::handle_timeout)
//!    drive the protocol's timers, the TLS handshake and idle deadlines;
//! 6. close once [`is_done`](Session::is_done).

mod convert;
mod h2;
mod mailbox;
mod trace;

use super::Shared;
use crate::Body;
use crate::handler::{ConnInfo, Handler, Protocol, TlsInfo};
use bytes::{Buf, BufMut, BytesMut};
use h2kit_proto::h2::{Connection, PREFACE, Role};
use http::{Request, Response};
use mailbox::{Mailbox, Responder};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

/// Reading stops while this many octets wait to be written, so a peer that
/// does not read cannot make the server buffer without bound.
const OUTPUT_HIGH_WATER: usize = 256 * 1024;

/// The answer to a cleartext client that is not speaking HTTP/2, until the
/// HTTP/1.1 parser is wired in.
const NOT_HTTP2: &[u8] = b"HTTP/1.1 505 HTTP Version Not Supported\r\n\
content-type: text/plain\r\ncontent-length: 47\r\nconnection: close\r\n\r\n\
This server speaks HTTP/2 (h2c prior knowledge)\n";

/// A request waiting to be handled, with the way back for its response.
pub(crate) struct Job {
    request: Request<Body>,
    responder: Responder,
}

impl Job {
    /// Calls the handler and sends its response back to the connection;
    /// for worker threads.
    pub fn run(self, handler: &dyn Handler) {
        let span = stream_span(&self.request);
        let _entered = span.enter();
        let response = handler.call(self.request);
        self.responder.send(response);
    }
}

fn stream_span(request: &Request<Body>) -> tracing::Span {
    tracing::debug_span!("stream", method = %request.method(), path = request.uri().path())
}

/// What the stream bookkeeping needs from its session.
pub(crate) struct Ctx {
    shared: Arc<Shared>,
    waker: Waker,
    mailbox: Arc<Mailbox>,
    jobs: VecDeque<Job>,
}

enum Phase {
    /// TLS handshake in progress.
    Handshake,
    /// Waiting for enough bytes to recognise the protocol.
    Detect(BytesMut),
    /// Speaking HTTP/2.
    H2(Box<h2::H2>),
    /// Sending a last answer, then closing.
    Closing,
}

/// One accepted connection; see the [module docs](self).
pub(crate) struct Session {
    ctx: Ctx,
    peer: SocketAddr,
    local: SocketAddr,
    tls: Option<Box<rustls::ServerConnection>>,
    phase: Phase,
    /// Octets to write to the socket (ciphertext under TLS).
    out: BytesMut,
    /// Plaintext scratch between the core and TLS.
    plain: BytesMut,
    tracer: Option<trace::FrameTracer>,
    responses: Vec<(u32, Option<Response<Body>>)>,
    last_activity: Instant,
    /// The TLS handshake (or protocol detection) must end by then.
    handshake_deadline: Option<Instant>,
    /// A graceful shutdown gives up waiting for streams then.
    close_deadline: Option<Instant>,
    shutting_down: bool,
    peer_eof: bool,
    /// The connection is over once `out` is written.
    finished: bool,
    span: tracing::Span,
}

impl Session {
    /// A session for a connection accepted from `peer` on `local`; `waker`
    /// is woken whenever the session has work its driver should do.
    pub fn new(
        shared: Arc<Shared>,
        peer: SocketAddr,
        local: SocketAddr,
        waker: Waker,
        now: Instant,
    ) -> io::Result<Session> {
        let tls = match &shared.tls {
            Some(config) => {
                let mut conn = rustls::ServerConnection::new(config.clone())
                    .map_err(|e| io::Error::other(e.to_string()))?;
                // The session bounds its own output (OUTPUT_HIGH_WATER).
                conn.set_buffer_limit(None);
                Some(Box::new(conn))
            }
            None => None,
        };
        let phase = if tls.is_some() {
            Phase::Handshake
        } else {
            Phase::Detect(BytesMut::new())
        };
        let span = tracing::debug_span!("conn", %peer);
        let tracer = shared
            .trace_frames
            .then(|| trace::FrameTracer::new(peer.to_string()));
        let handshake_deadline = Some(now + shared.handshake_timeout);
        Ok(Session {
            ctx: Ctx {
                mailbox: Mailbox::new(waker.clone()),
                shared,
                waker,
                jobs: VecDeque::new(),
            },
            peer,
            local,
            tls,
            phase,
            out: BytesMut::new(),
            plain: BytesMut::new(),
            tracer,
            responses: Vec::new(),
            last_activity: now,
            handshake_deadline,
            close_deadline: None,
            shutting_down: false,
            peer_eof: false,
            finished: false,
            span,
        })
    }

    /// Bytes read from the socket.
    pub fn on_read(&mut self, data: &[u8], now: Instant) {
        let span = self.span.clone();
        let _entered = span.enter();
        self.last_activity = now;
        match self.tls.take() {
            None => self.on_plaintext(data, now),
            Some(mut tls) => {
                self.on_ciphertext(&mut tls, data, now);
                self.tls = Some(tls);
            }
        }
    }

    fn on_ciphertext(&mut self, tls: &mut rustls::ServerConnection, data: &[u8], now: Instant) {
        let mut rest = data;
        let mut plain = [0u8; 16 * 1024];
        while !rest.is_empty() && !self.finished {
            match tls.read_tls(&mut rest) {
                Ok(0) => break,
                Ok(_) => {}
                Err(err) => {
                    tracing::debug!(%err, "TLS input refused");
                    self.finished = true;
                    return;
                }
            }
            if let Err(err) = tls.process_new_packets() {
                tracing::debug!(%err, "TLS error");
                // The alert, if any, is still written by `flush`.
                self.finished = true;
                self.tls_encode(tls);
                return;
            }
            if matches!(self.phase, Phase::Handshake) && !tls.is_handshaking() {
                self.handshake_done(tls, now);
            }
            loop {
                match tls.reader().read(&mut plain) {
                    Ok(0) => {
                        self.peer_eof = true;
                        break;
                    }
                    Ok(n) => self.on_plaintext(&plain[..n], now),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => {
                        self.peer_eof = true;
                        break;
                    }
                }
            }
        }
    }

    /// The TLS handshake finished: the ALPN result picks the protocol.
    fn handshake_done(&mut self, tls: &rustls::ServerConnection, now: Instant) {
        let info = tls_info(tls);
        tracing::debug!(alpn = ?info.alpn.as_deref().map(String::from_utf8_lossy), version = %info.version, "TLS handshake done");
        match tls.alpn_protocol() {
            Some(b"h2") => self.start_h2(Protocol::H2, Some(info), now),
            // No ALPN: only HTTP/2 is served, so wait for its preface.
            _ => self.phase = Phase::Detect(BytesMut::new()),
        }
    }

    fn on_plaintext(&mut self, data: &[u8], now: Instant) {
        match &mut self.phase {
            Phase::H2(h2) => {
                if let Some(tracer) = &mut self.tracer {
                    tracer.received(data);
                }
                if let Err(err) = h2.conn.recv(data) {
                    tracing::debug!(%err, "connection error");
                }
                h2.process_events(&mut self.ctx);
            }
            Phase::Detect(seen) => {
                seen.extend_from_slice(data);
                let n = seen.len().min(PREFACE.len());
                if seen[..n] != PREFACE[..n] {
                    tracing::debug!("not an HTTP/2 preface");
                    if self.tls.is_none() {
                        self.queue_plain(NOT_HTTP2);
                    }
                    self.phase = Phase::Closing;
                    self.finished = true;
                    return;
                }
                if seen.len() >= PREFACE.len() {
                    let seen = std::mem::take(seen);
                    let (protocol, tls) = match &self.tls {
                        Some(tls) => (Protocol::H2, Some(tls_info(tls))),
                        None => (Protocol::H2c, None),
                    };
                    self.start_h2(protocol, tls, now);
                    self.on_plaintext(&seen, now);
                }
            }
            Phase::Handshake | Phase::Closing => {}
        }
    }

    fn start_h2(&mut self, protocol: Protocol, tls: Option<TlsInfo>, now: Instant) {
        tracing::debug!(protocol = protocol.as_str(), "HTTP/2 connection");
        let mut conn = Connection::with_shared_config(Role::Server, self.ctx.shared.h2.clone());
        conn.handle_timeout(now);
        let info = ConnInfo::new(self.peer, self.local, protocol, tls);
        self.handshake_deadline = None;
        self.phase = Phase::H2(Box::new(h2::H2::new(conn, info)));
        if self.shutting_down {
            if let Phase::H2(h2) = &mut self.phase {
                h2.conn.shutdown();
            }
        }
    }

    /// The peer closed its side.
    pub fn on_eof(&mut self) {
        self.peer_eof = true;
    }

    /// The next request to run, if any.
    pub fn next_job(&mut self) -> Option<Job> {
        self.ctx.jobs.pop_front()
    }

    /// Runs a job on the calling thread and takes its response at once:
    /// for handlers that never block.
    pub fn run_inline(&mut self, job: Job, handler: &dyn Handler) {
        let span = stream_span(&job.request);
        let stream = job.responder.into_stream();
        let request = job.request;
        let result = span.in_scope(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler.call(request)))
        });
        let response = result.ok();
        if let Phase::H2(h2) = &mut self.phase {
            h2.respond(&mut self.ctx, stream, response);
        }
    }

    /// Hands a job to the server's worker threads.
    pub fn run_on_pool(&self, job: Job) {
        let handler = self.ctx.shared.handler.clone();
        self.ctx.shared.pool.spawn(move || job.run(&*handler));
    }

    /// Runs every pending job, inline or on the pool as the handler allows.
    pub fn dispatch_jobs(&mut self) {
        let handler = self.ctx.shared.handler.clone();
        while let Some(job) = self.next_job() {
            if handler.may_block() {
                self.run_on_pool(job);
            } else {
                self.run_inline(job, &*handler);
            }
        }
    }

    /// Moves answered responses and body chunks into the protocol and
    /// encodes what is ready to write.
    pub fn flush(&mut self) {
        let span = self.span.clone();
        let _entered = span.enter();
        if let Phase::H2(h2) = &mut self.phase {
            self.ctx.mailbox.drain(&mut self.responses);
            for (stream, response) in self.responses.drain(..) {
                h2.respond(&mut self.ctx, stream, response);
            }
            h2.pump(&mut self.ctx);
            h2.process_events(&mut self.ctx);
            while self.out.len() < OUTPUT_HIGH_WATER {
                let n = match &mut self.tls {
                    None => {
                        let start = self.out.len();
                        let n = h2.conn.poll_transmit(&mut self.out);
                        if let Some(tracer) = &mut self.tracer {
                            tracer.sent(&self.out[start..]);
                        }
                        n
                    }
                    Some(tls) => {
                        self.plain.clear();
                        let n = h2.conn.poll_transmit(&mut self.plain);
                        if let Some(tracer) = &mut self.tracer {
                            tracer.sent(&self.plain);
                        }
                        if tls.writer().write_all(&self.plain).is_err() {
                            self.finished = true;
                        }
                        n
                    }
                };
                if n == 0 {
                    break;
                }
                // The core may have more once its output is taken (more
                // DATA under the window); body pumping continues next time.
            }
            if h2.conn.is_closed()
                || (h2.conn.is_done() && h2.in_flight() == 0)
                || (self.peer_eof && h2.in_flight() == 0)
            {
                self.finish();
            }
        } else if self.peer_eof {
            self.finish();
        }
        if let Some(mut tls) = self.tls.take() {
            self.tls_encode(&mut tls);
            self.tls = Some(tls);
        }
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            if let Some(tls) = &mut self.tls {
                tls.send_close_notify();
            }
        }
    }

    fn tls_encode(&mut self, tls: &mut rustls::ServerConnection) {
        while tls.wants_write() {
            let mut w = (&mut self.out).writer();
            if tls.write_tls(&mut w).is_err() {
                break;
            }
        }
    }

    fn queue_plain(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// The octets to write next.
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// `n` octets of [`output`](Session::output) were written.
    pub fn consume_output(&mut self, n: usize) {
        self.out.advance(n);
        if self.out.is_empty() && self.out.capacity() > 4 * OUTPUT_HIGH_WATER {
            self.out = BytesMut::new();
        }
    }

    /// Takes all pending output, for a driver that writes without holding
    /// the session.
    pub fn take_output(&mut self) -> BytesMut {
        std::mem::take(&mut self.out)
    }

    /// True when the driver should read more from the socket.
    pub fn wants_read(&self) -> bool {
        !self.finished && !self.peer_eof && self.out.len() < OUTPUT_HIGH_WATER
    }

    /// True once the connection should be closed: nothing more will be
    /// read or written (the output is written, or the grace period is
    /// over).
    pub fn is_done(&self, now: Instant) -> bool {
        (self.finished && self.out.is_empty()) || self.close_deadline.is_some_and(|d| now >= d)
    }

    /// Streams whose request or response is still in progress.
    pub fn in_flight(&self) -> usize {
        match &self.phase {
            Phase::H2(h2) => h2.in_flight(),
            _ => 0,
        }
    }

    /// When [`handle_timeout`](Session::handle_timeout) must next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let protocol = match &self.phase {
            Phase::H2(h2) => h2.conn.poll_timeout(),
            _ => None,
        };
        let idle = (self.in_flight() == 0 && !self.shutting_down)
            .then(|| self.last_activity + self.ctx.shared.idle_timeout);
        [protocol, idle, self.handshake_deadline, self.close_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// Fires what is due: protocol timers, the handshake deadline, the
    /// idle timeout (a graceful close).
    pub fn handle_timeout(&mut self, now: Instant) {
        let span = self.span.clone();
        let _entered = span.enter();
        if self.handshake_deadline.is_some_and(|d| now >= d) {
            tracing::debug!("handshake timed out");
            self.handshake_deadline = None;
            self.finished = true;
            return;
        }
        if let Phase::H2(h2) = &mut self.phase {
            h2.conn.handle_timeout(now);
            h2.process_events(&mut self.ctx);
        }
        let idle_for = now.saturating_duration_since(self.last_activity);
        if self.in_flight() == 0 && !self.shutting_down && idle_for >= self.ctx.shared.idle_timeout
        {
            tracing::debug!("idle timeout");
            let grace = self
                .ctx
                .shared
                .idle_timeout
                .min(std::time::Duration::from_secs(5));
            self.shutdown(now + grace);
        }
    }

    /// Starts a graceful shutdown: GOAWAY, then in-flight streams finish
    /// until `deadline`, after which the connection is closed regardless.
    pub fn shutdown(&mut self, deadline: Instant) {
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        self.close_deadline = Some(deadline);
        match &mut self.phase {
            Phase::H2(h2) => h2.conn.shutdown(),
            _ => self.finish(),
        }
    }
}

fn tls_info(tls: &rustls::ServerConnection) -> TlsInfo {
    TlsInfo {
        server_name: tls.server_name().map(str::to_owned),
        alpn: tls.alpn_protocol().map(<[u8]>::to_vec),
        version: tls
            .protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default(),
        cipher_suite: tls
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{ShutdownHandle, pool::Pool, server_h2_config};
    use bytes::Bytes;
    use h2kit_proto::h2::{Config, Event};
    use std::time::Duration;

    const BODY_LEN: usize = 4 << 20;

    fn shared() -> Arc<Shared> {
        let body = Bytes::from(vec![b'x'; BODY_LEN]);
        Arc::new(Shared {
            h2: Arc::new(server_h2_config()),
            tls: None,
            pool: Pool::new(4),
            handler: Arc::new(crate::nonblocking(move |_req| {
                Response::new(Body::from(body.clone()))
            })),
            idle_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            trace_frames: false,
            nodelay: true,
            shutdown: ShutdownHandle::new(),
        })
    }

    /// A client that grants huge windows, so only the server's own
    /// bounds can stop it from producing output.
    fn greedy_client(requests: usize) -> (Connection, BytesMut) {
        let mut client = Connection::client(Config {
            initial_stream_window: (1 << 31) - 1,
            initial_connection_window: (1 << 31) - 1,
            ..Config::default()
        });
        for _ in 0..requests {
            client
                .send_request(
                    &[
                        (":method", "GET"),
                        (":scheme", "http"),
                        (":authority", "test"),
                        (":path", "/big"),
                    ],
                    true,
                )
                .unwrap();
        }
        let mut wire = BytesMut::new();
        while client.poll_transmit(&mut wire) > 0 {}
        (client, wire)
    }

    #[test]
    fn a_peer_that_stops_reading_gets_bounded_output_and_no_more_reads() {
        let now = Instant::now();
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut session = Session::new(shared(), addr, addr, Waker::noop().clone(), now).unwrap();
        let (mut client, wire) = greedy_client(20);
        session.on_read(&wire, now);
        session.dispatch_jobs();
        // The server's SETTINGS must be acknowledged for the windows to
        // apply; hand the client what the server wrote so far.
        session.flush();
        let first = session.take_output();
        client.recv(&first).unwrap();
        let mut ack = BytesMut::new();
        while client.poll_transmit(&mut ack) > 0 {}
        session.on_read(&ack, now);
        // Now the client stops reading: nothing is consumed any more.
        for _ in 0..100 {
            session.flush();
        }
        let pending = session.output().len();
        assert!(pending > 0, "the server had output to send");
        assert!(
            pending < 2 * OUTPUT_HIGH_WATER,
            "output stays bounded while the peer does not read ({pending} octets for {} requested)",
            20 * BODY_LEN
        );
        assert!(
            !session.wants_read(),
            "reading stops while output is backed up"
        );
        // Once the peer reads again, output resumes.
        let taken = session.take_output();
        assert!(session.wants_read(), "reading resumes once output drains");
        client.recv(&taken).unwrap();
        session.flush();
        assert!(!session.output().is_empty(), "output resumes");
        assert!(session.output().len() < 2 * OUTPUT_HIGH_WATER);
        let mut got = 0;
        while let Some(event) = client.poll_event() {
            if let Event::Data { data, .. } = event {
                got += data.len();
            }
        }
        assert!(got > 0);
    }

    #[test]
    fn a_cleartext_client_without_the_preface_is_answered_and_closed() {
        let now = Instant::now();
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut session = Session::new(shared(), addr, addr, Waker::noop().clone(), now).unwrap();
        session.on_read(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n", now);
        session.flush();
        assert!(session.output().starts_with(b"HTTP/1.1 505 "));
        let n = session.output().len();
        session.consume_output(n);
        assert!(session.is_done(now));
    }

    #[test]
    fn a_silent_client_is_closed_at_the_handshake_deadline() {
        let now = Instant::now();
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut session = Session::new(shared(), addr, addr, Waker::noop().clone(), now).unwrap();
        let deadline = session.poll_timeout().unwrap();
        assert_eq!(deadline, now + Duration::from_secs(10));
        session.handle_timeout(deadline);
        session.flush();
        assert!(session.is_done(deadline));
    }
}
