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
//!    core and encodes what is ready; [`output_slices`](Session::output_slices) is what
//!    to write, [`consume_output`](Session::consume_output) drops what was
//!    written;
//! 4. the session's waker (given at creation) fires when a handler answers
//!    or a body has more: go to 3;
//! 5. [`poll_timeout`](Session::poll_timeout) / [`handle_timeout`](Session::handle_timeout)
//!    drive the protocol's timers, the TLS handshake and idle deadlines;
//! 6. close once [`is_done`](Session::is_done).

pub(super) mod convert;
pub(super) mod digits;
mod h1;
mod h2;
pub(crate) mod mailbox;
mod output;
mod park;
mod source;
mod trace;

use super::Shared;
use crate::Body;
use crate::handler::{ConnInfo, Handler, Protocol, TlsInfo};
use bytes::{BufMut, BytesMut};
use h2kit_proto::h2::{Connection, PREFACE, Role};
use http::Request;
use mailbox::{Mail, Mailbox, Responder};
use output::Output;
pub(crate) use park::ParkedSession;
use std::collections::VecDeque;
use std::io::{self, BufRead, IoSlice, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

/// Reading stops while this many octets wait to be written, so a peer that
/// does not read cannot make the server buffer without bound. Most of it is
/// large DATA payloads queued by reference (shared with the bodies they
/// come from); copies count against [`COPIED_HIGH_WATER`] as well.
const OUTPUT_HIGH_WATER: usize = 1024 * 1024;

/// The part of the output the session copied (frame headers, small
/// payloads, HTTP/1 messages, TLS records) is bounded tighter.
const COPIED_HIGH_WATER: usize = 256 * 1024;

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

/// Statuses whose responses never have a body (RFC 9110 §6.4.1).
pub(super) fn no_body_status(status: http::StatusCode) -> bool {
    status.is_informational()
        || status == http::StatusCode::NO_CONTENT
        || status == http::StatusCode::NOT_MODIFIED
}

/// Whether `out` has reached one of its bounds.
fn output_full(out: &Output) -> bool {
    out.len() >= OUTPUT_HIGH_WATER || out.copied_len() >= COPIED_HIGH_WATER
}

/// Calls a handler that never blocks on the calling thread; `None` when
/// it panicked (the stream is then reset, the connection goes on).
pub(super) fn call_inline(
    handler: &dyn Handler,
    request: Request<Body>,
) -> Option<http::Response<Body>> {
    let span = stream_span(&request);
    // Entered as a guard rather than with `in_scope`, whose closure would
    // move the request once more.
    let _entered = span.enter();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler.call(request))).ok()
}

fn stream_span(request: &Request<Body>) -> tracing::Span {
    tracing::debug_span!("stream", method = %request.method(), path = request.uri().path())
}

thread_local! {
    /// The working memory this thread's HTTP/2 connections take turns
    /// with: each borrows it for a read and gives back what it left empty
    /// once its output is taken (see `h2kit_proto::h2::Scratch`).
    static SCRATCH: std::cell::RefCell<h2::Scratch> = Default::default();
}

/// What the stream bookkeeping needs from its session.
pub(crate) struct Ctx {
    shared: Arc<Shared>,
    waker: Waker,
    mailbox: Arc<Mailbox>,
    jobs: VecDeque<Job>,
    /// Requests wait in `jobs` even for a handler that never blocks (see
    /// [`Session::defer_requests`]).
    defer_requests: bool,
}

enum Phase {
    /// TLS handshake in progress.
    Handshake,
    /// Waiting for enough bytes to recognise the protocol.
    Detect(BytesMut),
    /// Speaking HTTP/2.
    H2(Box<h2::H2>),
    /// Speaking HTTP/1.x.
    H1(Box<h1::H1>),
}

/// One accepted connection; see the [module docs](self).
pub(crate) struct Session {
    ctx: Ctx,
    peer: SocketAddr,
    local: SocketAddr,
    tls: Option<Box<rustls::ServerConnection>>,
    /// What the TLS handshake settled, once it is done.
    tls_info: Option<TlsInfo>,
    phase: Phase,
    /// Octets to write to the socket (ciphertext under TLS).
    out: Output,
    /// Scratch for the chunks of a vectored HTTP/2 write.
    chunks: Vec<bytes::Bytes>,
    /// Plaintext scratch between the core and TLS.
    plain: BytesMut,
    tracer: Option<trace::FrameTracer>,
    /// Scratch for the mail taken from the mailbox (HTTP/1).
    mail: Vec<Mail>,
    last_activity: Instant,
    /// Since when the output has been backed up (reading paused) without
    /// the peer taking any of it.
    stalled_since: Option<Instant>,
    /// The TLS handshake (or protocol detection) must end by then.
    handshake_deadline: Option<Instant>,
    /// A graceful shutdown gives up waiting for streams then.
    close_deadline: Option<Instant>,
    shutting_down: bool,
    peer_eof: bool,
    /// The connection is over once `out` is written.
    finished: bool,
    /// The driver parks quiet sessions (see `park.rs`).
    parking: bool,
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
        Ok(Session::with_phase(
            shared, peer, local, waker, tls, phase, now,
        ))
    }

    /// A session in `phase`, active as of `now`.
    fn with_phase(
        shared: Arc<Shared>,
        peer: SocketAddr,
        local: SocketAddr,
        waker: Waker,
        tls: Option<Box<rustls::ServerConnection>>,
        phase: Phase,
        now: Instant,
    ) -> Session {
        let span = tracing::debug_span!("conn", %peer);
        let tracer = shared
            .trace_frames
            .then(|| trace::FrameTracer::new(peer.to_string()));
        let handshake_deadline = Some(now + shared.handshake_timeout);
        Session {
            ctx: Ctx {
                mailbox: Mailbox::new(waker.clone()),
                shared,
                waker,
                jobs: VecDeque::new(),
                defer_requests: false,
            },
            peer,
            local,
            tls,
            tls_info: None,
            phase,
            out: Output::default(),
            chunks: Vec::new(),
            plain: BytesMut::new(),
            tracer,
            mail: Vec::new(),
            last_activity: now,
            stalled_since: None,
            handshake_deadline,
            close_deadline: None,
            shutting_down: false,
            peer_eof: false,
            finished: false,
            parking: false,
            span,
        }
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
            // The plaintext is handed on where rustls holds it: no copy,
            // and no scratch buffer to clear for each read.
            loop {
                let mut reader = tls.reader();
                match reader.fill_buf() {
                    Ok([]) => {
                        self.peer_eof = true;
                        break;
                    }
                    Ok(plain) => {
                        let n = plain.len();
                        self.on_plaintext(plain, now);
                        reader.consume(n);
                    }
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
        self.tls_info = Some(info.clone());
        tracing::debug!(alpn = ?info.alpn.as_deref().map(String::from_utf8_lossy), version = %info.version, "TLS handshake done");
        match tls.alpn_protocol() {
            Some(b"h2") => self.start_h2(Protocol::H2, Some(info), now),
            Some(b"http/1.1") => self.start_h1(Some(info), now),
            // No ALPN: the first bytes tell (the HTTP/2 preface or not).
            _ => self.phase = Phase::Detect(BytesMut::new()),
        }
    }

    fn on_plaintext(&mut self, data: &[u8], now: Instant) {
        match &mut self.phase {
            Phase::H2(h2) => {
                if let Some(tracer) = &mut self.tracer {
                    tracer.received(data);
                }
                SCRATCH.with_borrow_mut(|scratch| h2.borrow_scratch(scratch));
                if let Err(err) = h2.conn.recv(data) {
                    tracing::debug!(%err, "connection error");
                }
                h2.process_events(&mut self.ctx);
            }
            Phase::H1(_) => {
                let switch = self.with_h1(|h1, ctx, out| h1.receive(ctx, data, out, now));
                if let Some(Some(switch)) = switch {
                    self.switch_to_h2c(switch, now);
                }
            }
            Phase::Detect(seen) => {
                seen.extend_from_slice(data);
                let n = seen.len().min(PREFACE.len());
                if seen[..n] != PREFACE[..n] {
                    let seen = std::mem::take(seen);
                    self.start_h1(self.tls_info.clone(), now);
                    self.on_plaintext(&seen, now);
                    return;
                }
                if seen.len() >= PREFACE.len() {
                    let seen = std::mem::take(seen);
                    let tls = self.tls_info.clone();
                    let protocol = if tls.is_some() {
                        Protocol::H2
                    } else {
                        Protocol::H2c
                    };
                    self.start_h2(protocol, tls, now);
                    self.on_plaintext(&seen, now);
                }
            }
            Phase::Handshake => {}
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

    fn start_h1(&mut self, tls: Option<TlsInfo>, now: Instant) {
        tracing::debug!("HTTP/1.x connection");
        let info = ConnInfo::new(self.peer, self.local, Protocol::Http11, tls);
        self.handshake_deadline = None;
        let timeout = self.ctx.shared.handshake_timeout;
        let mut h1 = h1::H1::new(info, &self.ctx, timeout, now);
        if self.shutting_down {
            h1.shutdown();
        }
        self.phase = Phase::H1(Box::new(h1));
    }

    /// RFC 7540 §3.2: answers `101 Switching Protocols`, then speaks
    /// HTTP/2, with the upgrading request as stream 1.
    fn switch_to_h2c(&mut self, switch: h1::Switch, now: Instant) {
        tracing::debug!("upgraded to h2c");
        self.queue_plain(h1::SWITCHING_TO_H2C);
        let mut conn = switch.conn;
        conn.handle_timeout(now);
        if self.shutting_down {
            conn.shutdown();
        }
        let info = ConnInfo::new(self.peer, self.local, Protocol::H2c, None);
        let mut h2 = h2::H2::new(conn, info);
        h2.adopt_upgraded(&mut self.ctx, switch.request);
        // The request is a job for the driver, which may be in `flush`.
        self.ctx.waker.wake_by_ref();
        self.phase = Phase::H2(Box::new(h2));
        if !switch.rest.is_empty() {
            self.on_plaintext(&switch.rest, now);
        }
    }

    /// Runs `f` on the HTTP/1 connection with the buffer its output goes
    /// to: the socket's, or under TLS the plaintext that `flush` encrypts.
    fn with_h1<R>(
        &mut self,
        f: impl FnOnce(&mut h1::H1, &mut Ctx, &mut BytesMut) -> R,
    ) -> Option<R> {
        let Phase::H1(h1) = &mut self.phase else {
            return None;
        };
        let out = if self.tls_info.is_some() {
            &mut self.plain
        } else {
            self.out.tail_mut()
        };
        Some(f(h1, &mut self.ctx, out))
    }

    /// The peer closed its side.
    pub fn on_eof(&mut self) {
        self.peer_eof = true;
        self.with_h1(|h1, ctx, out| h1.on_eof(ctx, out));
    }

    /// The next request to run, if any.
    pub fn next_job(&mut self) -> Option<Job> {
        self.ctx.jobs.pop_front()
    }

    /// While `defer` holds, requests wait as jobs ([`next_job`],
    /// [`dispatch_jobs`]) even for a handler that never blocks, which is
    /// otherwise called as soon as a request arrives. The runtime takes
    /// some turns on one thread for all connections, and leaves requests
    /// to the connections' tasks on the workers.
    ///
    /// [`next_job`]: Session::next_job
    /// [`dispatch_jobs`]: Session::dispatch_jobs
    pub fn defer_requests(&mut self, defer: bool) {
        self.ctx.defer_requests = defer;
    }

    /// True when requests wait to be run.
    pub fn has_jobs(&self) -> bool {
        !self.ctx.jobs.is_empty()
    }

    /// Runs a job on the calling thread and takes its response at once:
    /// for handlers that never block.
    pub fn run_inline(&mut self, job: Job, handler: &dyn Handler) {
        let stream = job.responder.into_stream();
        let response = call_inline(handler, job.request);
        match &mut self.phase {
            Phase::H2(h2) => {
                h2.deliver_mail(&mut self.ctx);
                h2.respond(&mut self.ctx, stream, response)
            }
            Phase::H1(h1) => h1.respond(stream, response),
            _ => {}
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
        match &self.phase {
            Phase::H2(_) => self.flush_h2(),
            Phase::H1(_) => self.flush_h1(),
            Phase::Handshake | Phase::Detect(_) => {
                if self.peer_eof {
                    self.finish();
                }
            }
        }
        if let Some(mut tls) = self.tls.take() {
            self.tls_encode(&mut tls);
            self.tls = Some(tls);
        }
        if self.output_full() && self.stalled_since.is_none() {
            self.stalled_since = Some(Instant::now());
        }
    }

    fn flush_h2(&mut self) {
        let Phase::H2(h2) = &mut self.phase else {
            return;
        };
        h2.new_batch();
        h2.deliver_mail(&mut self.ctx);
        loop {
            let more_bodies = h2.pump(&mut self.ctx);
            h2.process_events(&mut self.ctx);
            let mut sent = 0;
            while !output_full(&self.out) {
                let n = match &mut self.tls {
                    None => match &mut self.tracer {
                        // Cleartext: DATA payloads are queued as they are,
                        // for a vectored write without a copy.
                        None => {
                            let n = h2.conn.poll_transmit_vectored(&mut self.chunks);
                            self.out.push_chunks(&mut self.chunks);
                            n
                        }
                        Some(tracer) => {
                            let tail = self.out.tail_mut();
                            let start = tail.len();
                            let n = h2.conn.poll_transmit(tail);
                            tracer.sent(&tail[start..]);
                            n
                        }
                    },
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
                sent += n;
            }
            // Sending emptied stream buffers that bodies with more ready
            // can refill now: one write then carries up to the high-water
            // mark instead of one buffer's worth.
            if !more_bodies || sent == 0 || output_full(&self.out) {
                break;
            }
        }
        SCRATCH.with_borrow_mut(|scratch| h2.return_scratch(scratch));
        if h2.conn.is_closed()
            || (h2.conn.is_done() && h2.in_flight() == 0)
            || (self.peer_eof && h2.in_flight() == 0)
        {
            self.finish();
        }
    }

    fn flush_h1(&mut self) {
        if self.peer_eof {
            // Under TLS the end arrives as close_notify, seen only here.
            self.with_h1(|h1, ctx, out| h1.on_eof(ctx, out));
        }
        self.ctx.mailbox.drain(&mut self.mail);
        let mut mail = std::mem::take(&mut self.mail);
        self.with_h1(|h1, _, _| {
            for mail in mail.drain(..) {
                // Nothing is pushed over HTTP/1.1.
                if let Mail::Response { stream, response } = mail {
                    h1.respond(stream, response);
                }
            }
        });
        self.mail = mail;
        // Under TLS the bound counts the ciphertext not yet written.
        let high_water = match self.tls {
            Some(_) => COPIED_HIGH_WATER.saturating_sub(self.out.len()),
            None => COPIED_HIGH_WATER,
        };
        let switch = self
            .with_h1(|h1, ctx, out| h1.pump(ctx, out, high_water))
            .flatten();
        if let Some(tls) = &mut self.tls {
            if tls.writer().write_all(&self.plain).is_err() {
                self.finished = true;
            }
            self.plain.clear();
        }
        if let Some(switch) = switch {
            self.switch_to_h2c(switch, Instant::now());
            // The upgrading request's answer goes out over HTTP/2.
            self.flush_h2();
            return;
        }
        if let Phase::H1(h1) = &self.phase {
            if h1.is_done() {
                self.finish();
            }
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
            let mut w = self.out.tail_mut().writer();
            if tls.write_tls(&mut w).is_err() {
                break;
            }
        }
    }

    fn queue_plain(&mut self, bytes: &[u8]) {
        self.out.tail_mut().extend_from_slice(bytes);
    }

    fn output_full(&self) -> bool {
        output_full(&self.out)
    }

    /// Octets waiting to be written.
    pub fn output_len(&self) -> usize {
        self.out.len()
    }

    /// Fills `dst` with the next pieces to write, for `write_vectored`;
    /// returns how many.
    pub fn output_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        self.out.slices(dst)
    }

    /// `n` octets of the output were written.
    pub fn consume_output(&mut self, n: usize) {
        if n > 0 {
            self.stalled_since = None;
        }
        self.out.consume(n);
    }

    /// Takes all pending output, for a driver that writes without holding
    /// the session.
    pub fn take_output(&mut self) -> BytesMut {
        self.stalled_since = None;
        self.out.take_all()
    }

    /// True when the driver should read more from the socket.
    pub fn wants_read(&self) -> bool {
        let protocol_wants = match &self.phase {
            Phase::H1(h1) => h1.wants_read(),
            _ => true,
        };
        protocol_wants && !self.finished && !self.peer_eof && !self.output_full()
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
            Phase::H1(h1) => h1.in_flight(),
            _ => 0,
        }
    }

    /// When [`handle_timeout`](Session::handle_timeout) must next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let protocol = match &self.phase {
            Phase::H2(h2) => h2.conn.poll_timeout(),
            Phase::H1(h1) => h1.poll_timeout(),
            _ => None,
        };
        let idle = (self.in_flight() == 0 && !self.shutting_down)
            .then(|| self.last_activity + self.ctx.shared.idle_timeout);
        let stall = self
            .stalled_since
            .map(|since| since + self.ctx.shared.idle_timeout);
        [
            protocol,
            idle,
            stall,
            self.handshake_deadline,
            self.close_deadline,
            self.park_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Fires what is due: protocol timers, the handshake deadline, the
    /// idle timeout (a graceful close), and the end of a peer that stopped
    /// reading (an abrupt close: nothing it would read is lost to it).
    pub fn handle_timeout(&mut self, now: Instant) {
        let span = self.span.clone();
        let _entered = span.enter();
        if self
            .stalled_since
            .is_some_and(|since| now >= since + self.ctx.shared.idle_timeout)
        {
            tracing::debug!("the peer stopped reading: closing");
            self.finished = true;
            self.close_deadline = Some(now);
            return;
        }
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
        self.with_h1(|h1, _, out| h1.handle_timeout(now, out));
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
            Phase::H1(h1) if h1.in_flight() > 0 => h1.shutdown(),
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
    use crate::server::{ServerConfig, ShutdownHandle};
    use bytes::Bytes;
    use h2kit_proto::h2::{Config, Event};
    use http::Response;
    use std::time::Duration;

    const BODY_LEN: usize = 4 << 20;

    pub(super) fn shared() -> Arc<Shared> {
        let body = Bytes::from(vec![b'x'; BODY_LEN]);
        let handler = crate::nonblocking(move |_req| Response::new(Body::from(body.clone())));
        let config = ServerConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)));
        Arc::new(Shared::new(
            &config,
            Arc::new(handler),
            ShutdownHandle::new(),
        ))
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
        let pending = session.output_len();
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
        assert!(session.output_len() > 0, "output resumes");
        assert!(session.output_len() < 2 * OUTPUT_HIGH_WATER);
        // A peer that stops reading for the idle timeout is closed.
        let stuck_at = Instant::now();
        let deadline = session.poll_timeout().unwrap();
        assert!(deadline <= stuck_at + Duration::from_secs(60));
        assert!(!session.is_done(stuck_at));
        session.handle_timeout(stuck_at + Duration::from_secs(60));
        assert!(session.is_done(stuck_at + Duration::from_secs(60)));
        let mut got = 0;
        while let Some(event) = client.poll_event() {
            if let Event::Data { data, .. } = event {
                got += data.len();
            }
        }
        assert!(got > 0);
    }

    /// With `check_sent_fields` off the core still catches the one rule
    /// `http::HeaderValue` lets through: RFC 9113 §8.2.1 "A field value
    /// MUST NOT start or end with an ASCII whitespace character".
    #[test]
    fn rfc9113_8_2_1_a_response_field_with_edge_whitespace_is_never_sent() {
        for trailer in [false, true] {
            let mut shared = Arc::into_inner(shared()).unwrap();
            shared.handler = Arc::new(crate::nonblocking(move |_req| {
                let bad = http::HeaderValue::from_static(" padded");
                if trailer {
                    let (mut tx, body) = Body::channel();
                    let mut trailers = http::HeaderMap::new();
                    trailers.insert("x-edge", bad);
                    tx.send(Bytes::from_static(b"body")).unwrap();
                    tx.finish_with_trailers(trailers);
                    Response::new(body)
                } else {
                    let mut response = Response::new(Body::from("body"));
                    response.headers_mut().insert("x-edge", bad);
                    response
                }
            }));
            let now = Instant::now();
            let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
            let mut session =
                Session::new(Arc::new(shared), addr, addr, Waker::noop().clone(), now).unwrap();
            let (mut client, wire) = greedy_client(1);
            session.on_read(&wire, now);
            session.dispatch_jobs();
            session.flush();
            client.recv(&session.take_output()).unwrap();
            let mut reset = None;
            while let Some(event) = client.poll_event() {
                match event {
                    Event::Response { head, .. } => {
                        assert!(trailer, "headers with edge whitespace were sent");
                        assert!(head.fields.iter().all(|f| &f.name[..] != b"x-edge"));
                    }
                    Event::Trailers { .. } => panic!("trailers with edge whitespace were sent"),
                    Event::StreamReset { code, .. } => reset = Some(code),
                    _ => {}
                }
            }
            assert_eq!(
                reset,
                Some(h2kit_proto::ErrorCode::INTERNAL_ERROR),
                "trailer: {trailer}"
            );
        }
    }

    #[test]
    fn a_cleartext_client_without_the_preface_is_served_over_http11() {
        let now = Instant::now();
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut session = Session::new(shared(), addr, addr, Waker::noop().clone(), now).unwrap();
        session.on_read(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n", now);
        session.dispatch_jobs();
        session.flush();
        assert!(session.out.to_vec().starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert_eq!(session.in_flight(), 1, "the 4 MiB body is still going out");
        assert!(
            session.output_len() < 2 * OUTPUT_HIGH_WATER,
            "HTTP/1.1 output is bounded too"
        );
    }

    /// A handler that never reads its request body, holding it.
    fn hoarding_shared() -> (Arc<Shared>, Arc<std::sync::Mutex<Vec<Body>>>) {
        let held = Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = held.clone();
        let mut shared = Arc::into_inner(shared()).unwrap();
        shared.handler = Arc::new(crate::nonblocking(move |req: Request<Body>| {
            keep.lock().unwrap().push(req.into_body());
            Response::new(Body::empty())
        }));
        (Arc::new(shared), held)
    }

    #[test]
    fn an_http11_upload_nobody_reads_stops_the_reading() {
        let now = Instant::now();
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let (shared, held) = hoarding_shared();
        let mut session = Session::new(shared, addr, addr, Waker::noop().clone(), now).unwrap();
        session.on_read(
            b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000000\r\n\r\n",
            now,
        );
        session.dispatch_jobs();
        let chunk = vec![b'u'; 16 * 1024];
        let mut fed = 0;
        while session.wants_read() && fed < 100_000_000 {
            session.on_read(&chunk, now);
            session.flush();
            fed += chunk.len();
        }
        assert!(
            fed < 1 << 20,
            "reading stops once the unread body is backed up ({fed} octets taken)"
        );
        // The handler answered without reading; it still holds the body.
        assert_eq!(held.lock().unwrap().len(), 1);
    }

    #[test]
    fn an_http11_upload_cut_short_by_the_peer_ends_the_connection() {
        let now = Instant::now();
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let (shared, held) = hoarding_shared();
        let mut session = Session::new(shared, addr, addr, Waker::noop().clone(), now).unwrap();
        session.on_read(
            b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n0123456789",
            now,
        );
        session.dispatch_jobs();
        session.flush();
        session.on_eof();
        session.flush();
        let n = session.output_len();
        session.consume_output(n);
        assert!(
            session.is_done(now),
            "nothing more can come: the connection ends"
        );
        let mut body = held.lock().unwrap().pop().unwrap();
        let mut read = 0;
        let err = loop {
            match body.next_chunk() {
                Some(Ok(chunk)) => read += chunk.len(),
                Some(Err(err)) => break err,
                None => panic!("a cut-short body must not end cleanly"),
            }
        };
        assert_eq!(read, 10);
        assert_eq!(err, crate::BodyError::Aborted);
    }

    #[test]
    fn rfc9110_15_5_9_a_slow_request_head_gets_408() {
        let now = Instant::now();
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut session = Session::new(shared(), addr, addr, Waker::noop().clone(), now).unwrap();
        session.on_read(b"GET / HTTP/1.1\r\nhost:", now);
        session.flush();
        let deadline = session.poll_timeout().unwrap();
        assert!(deadline <= now + Duration::from_secs(10));
        session.handle_timeout(deadline);
        session.flush();
        assert!(session.out.to_vec().starts_with(b"HTTP/1.1 408 "));
        let n = session.output_len();
        session.consume_output(n);
        assert!(session.is_done(deadline));
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

    /// A session behind TLS (ALPN `http/1.1` only) answering `ok`, and an
    /// in-memory rustls client for it.
    fn tls_session(now: Instant) -> (Session, rustls::ClientConnection) {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let server = crate::tls::TlsConfig::from_pem(
            certified.cert.pem().as_bytes(),
            certified.key_pair.serialize_pem().as_bytes(),
        )
        .unwrap();
        let mut shared = Arc::into_inner(shared()).unwrap();
        shared.tls = Some(server.config.clone());
        shared.handler = Arc::new(crate::nonblocking(|_req| Response::new(Body::from("ok"))));
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let session =
            Session::new(Arc::new(shared), addr, addr, Waker::noop().clone(), now).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(certified.cert.der().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let client = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        (session, client)
    }

    /// Moves bytes both ways until neither side has any to send; returns
    /// the plaintext the client received.
    fn exchange(
        session: &mut Session,
        client: &mut rustls::ClientConnection,
        now: Instant,
    ) -> Vec<u8> {
        let mut received = Vec::new();
        loop {
            let mut wire = Vec::new();
            while client.wants_write() {
                client.write_tls(&mut wire).unwrap();
            }
            if !wire.is_empty() {
                session.on_read(&wire, now);
            }
            session.dispatch_jobs();
            session.flush();
            let reply = session.take_output();
            if wire.is_empty() && reply.is_empty() {
                return received;
            }
            let mut reply = &reply[..];
            while !reply.is_empty() {
                client.read_tls(&mut reply).unwrap();
                client.process_new_packets().unwrap();
            }
            let _ = std::io::Read::read_to_end(&mut client.reader(), &mut received);
        }
    }

    #[test]
    fn tls_plaintext_spanning_records_is_served_and_close_notify_ends_the_connection() {
        let now = Instant::now();
        let (mut session, mut client) = tls_session(now);
        exchange(&mut session, &mut client, now);
        assert!(!client.is_handshaking());
        // 500 pipelined requests: about 30 KB of plaintext, so more than
        // one TLS record (at most 16 KiB each) reaches the session at once.
        let requests = b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n".repeat(500);
        std::io::Write::write_all(&mut client.writer(), &requests).unwrap();
        client.send_close_notify();
        let received = exchange(&mut session, &mut client, now);
        let text = String::from_utf8_lossy(&received);
        assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 500);
        assert!(text.ends_with("ok"));
        assert!(
            session.is_done(now),
            "after close_notify and the answers, the connection ends"
        );
    }
}
