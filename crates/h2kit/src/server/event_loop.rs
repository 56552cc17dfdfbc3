//! The `event-loop` model: one `mio` thread serves every connection,
//! readiness-driven and non-blocking (TLS included, since sessions do TLS
//! in memory). Handlers that may block run on worker threads and wake the
//! loop when they answer.
//!
//! Each wake-up reads what is there, runs the sessions, and writes each
//! connection's output in one go (writes batched per wake-up).

use super::Shared;
use super::session::{ParkedSession, Session};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, IoSlice, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::thread::JoinHandle;
use std::time::Instant;

/// The token of the cross-thread waker.
const WAKE: Token = Token(usize::MAX);
/// Reads per connection per wake-up, so one busy peer cannot starve the
/// others.
const READS_PER_TURN: usize = 16;

/// Most pieces handed to one `writev`.
const MAX_SLICES: usize = 16;
const READ_BUF: usize = 64 * 1024;

/// Starts the loop thread.
pub(crate) fn start(
    listeners: Vec<std::net::TcpListener>,
    shared: Arc<Shared>,
) -> io::Result<Vec<JoinHandle<()>>> {
    let poll = Poll::new()?;
    let mio_waker = Arc::new(mio::Waker::new(poll.registry(), WAKE)?);
    let mut mio_listeners = Vec::new();
    for (i, listener) in listeners.into_iter().enumerate() {
        listener.set_nonblocking(true)?;
        let mut listener = TcpListener::from_std(listener);
        poll.registry()
            .register(&mut listener, Token(i), Interest::READABLE)?;
        mio_listeners.push(listener);
    }
    let thread = std::thread::Builder::new()
        .name("h2kit-loop".into())
        .spawn(move || {
            let mut event_loop = EventLoop {
                poll,
                listeners: mio_listeners,
                conns: Vec::new(),
                free: Vec::new(),
                timers: BinaryHeap::new(),
                woken: Arc::new(Mutex::new(Vec::new())),
                mio_waker,
                shared,
                buf: vec![0; READ_BUF],
                live: 0,
            };
            if let Err(err) = event_loop.run() {
                tracing::error!(%err, "event loop failed");
            }
        })?;
    Ok(vec![thread])
}

/// Wakes the loop for one connection, from any thread.
struct ConnWake {
    token: usize,
    queued: AtomicBool,
    woken: Arc<Mutex<Vec<usize>>>,
    mio_waker: Arc<mio::Waker>,
}

impl Wake for ConnWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Coalesce: one queue entry until the loop has looked.
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.woken
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(self.token);
            let _ = self.mio_waker.wake();
        }
    }
}

struct Conn {
    stream: TcpStream,
    session: Session,
    wake: Arc<ConnWake>,
    readable: bool,
    /// The peer's FIN was signalled (EPOLLRDHUP).
    read_closed: bool,
    writable: bool,
    /// The earliest entry in the timer heap for this connection. Entries
    /// are pushed only when a deadline moves earlier; one that comes up
    /// early just runs the timers (nothing is due) and schedules again,
    /// so busy connections do not push an entry per wake-up.
    scheduled: Option<Instant>,
}

/// A connection's place in the loop's table.
enum Slot {
    Free,
    Active(Box<Conn>),
    /// Quiet: only its socket and protocol state are kept (see
    /// `Session::park`), until the peer speaks or a timer is due.
    Parked(Box<ParkedConn>),
}

struct ParkedConn {
    stream: TcpStream,
    session: ParkedSession,
    /// The earliest entry in the timer heap for this connection.
    scheduled: Option<Instant>,
}

struct EventLoop {
    poll: Poll,
    listeners: Vec<TcpListener>,
    /// Connections by token minus the listener count.
    /// Boxed, so the table itself stays small and growing it moves no
    /// sessions (a connection costs its own memory, not a share of a
    /// doubled array).
    conns: Vec<Slot>,
    free: Vec<usize>,
    /// Deadlines; stale entries are skipped when they come up.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    woken: Arc<Mutex<Vec<usize>>>,
    mio_waker: Arc<mio::Waker>,
    shared: Arc<Shared>,
    buf: Vec<u8>,
    live: usize,
}

impl EventLoop {
    fn run(&mut self) -> io::Result<()> {
        let _registration = self
            .shared
            .shutdown
            .register(Waker::from(Arc::new(ConnWake {
                token: usize::MAX,
                queued: AtomicBool::new(false),
                woken: self.woken.clone(),
                mio_waker: self.mio_waker.clone(),
            })));
        let mut events = Events::with_capacity(1024);
        let mut woken = Vec::new();
        let mut shutting_down = false;
        loop {
            if !shutting_down && self.shared.shutdown.is_requested() {
                shutting_down = true;
                self.begin_shutdown();
            }
            if shutting_down && self.live == 0 {
                return Ok(());
            }
            let timeout = self
                .timers
                .peek()
                .map(|Reverse((t, _))| t.saturating_duration_since(Instant::now()));
            if let Err(err) = self.poll.poll(&mut events, timeout) {
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(err);
            }
            for event in events.iter() {
                let token = event.token();
                if token == WAKE {
                    continue;
                }
                if token.0 < self.listeners.len() {
                    if !shutting_down {
                        self.accept(token.0);
                    }
                    continue;
                }
                let index = token.0 - self.listeners.len();
                let readable = event.is_readable() || event.is_read_closed();
                let writable = event.is_writable() || event.is_write_closed();
                if let Some(Slot::Parked(_)) = self.conns.get(index) {
                    if !readable {
                        continue; // nothing to write on a quiet connection
                    }
                    self.resume(index);
                }
                if let Some(Slot::Active(conn)) = self.conns.get_mut(index) {
                    conn.readable |= readable;
                    conn.read_closed |= event.is_read_closed();
                    conn.writable |= writable;
                    self.drive(index);
                }
            }
            std::mem::swap(
                &mut woken,
                &mut *self.woken.lock().unwrap_or_else(|p| p.into_inner()),
            );
            for token in woken.drain(..) {
                if token == usize::MAX {
                    continue; // the shutdown signal; checked at the top
                }
                // A parked connection has no handler that could wake it.
                if let Some(Slot::Active(conn)) = self.conns.get_mut(token) {
                    conn.wake.queued.store(false, Ordering::Release);
                    self.drive(token);
                }
            }
            self.fire_timers();
        }
    }

    fn begin_shutdown(&mut self) {
        for listener in &mut self.listeners {
            let _ = self.poll.registry().deregister(listener);
        }
        let deadline = self.shared.shutdown.deadline().unwrap_or_else(Instant::now);
        for index in 0..self.conns.len() {
            // Parked connections are told too: each gets its GOAWAY.
            self.resume(index);
            if let Slot::Active(conn) = &mut self.conns[index] {
                conn.session.shutdown(deadline);
                self.drive(index);
            }
        }
    }

    fn accept(&mut self, listener: usize) {
        loop {
            let (stream, peer) = match self.listeners[listener].accept() {
                Ok(accepted) => accepted,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    tracing::warn!(%err, "accept failed");
                    return;
                }
            };
            if let Err(err) = stream.set_nodelay(self.shared.nodelay) {
                tracing::debug!(%err, "cannot set TCP_NODELAY");
            }
            let index = self.free.pop().unwrap_or_else(|| {
                self.conns.push(Slot::Free);
                self.conns.len() - 1
            });
            let wake = self.conn_wake(index);
            let local = stream.local_addr().unwrap_or(peer);
            let session = match Session::new(
                self.shared.clone(),
                peer,
                local,
                Waker::from(wake.clone()),
                Instant::now(),
            ) {
                Ok(session) => session,
                Err(err) => {
                    tracing::warn!(%err, "cannot start a session");
                    self.free.push(index);
                    continue;
                }
            };
            let mut conn = Conn {
                stream,
                session,
                wake,
                readable: false,
                read_closed: false,
                writable: false,
                scheduled: None,
            };
            let token = Token(index + self.listeners.len());
            if let Err(err) = self.poll.registry().register(
                &mut conn.stream,
                token,
                Interest::READABLE | Interest::WRITABLE,
            ) {
                tracing::warn!(%err, "cannot register a connection");
                self.free.push(index);
                continue;
            }
            if let Some(deadline) = self.shared.shutdown.deadline() {
                conn.session.shutdown(deadline);
            }
            conn.session.allow_parking();
            self.conns[index] = Slot::Active(Box::new(conn));
            self.live += 1;
            self.drive(index);
        }
    }

    /// The waker handed to connection `index`'s session.
    fn conn_wake(&self, index: usize) -> Arc<ConnWake> {
        Arc::new(ConnWake {
            token: index,
            queued: AtomicBool::new(false),
            woken: self.woken.clone(),
            mio_waker: self.mio_waker.clone(),
        })
    }

    /// Reads, runs and writes one connection as far as it can go now.
    fn drive(&mut self, index: usize) {
        let Slot::Active(conn) = &mut self.conns[index] else {
            return;
        };
        let now = Instant::now();
        let mut failed = false;
        loop {
            let mut progress = false;
            let mut reads = 0;
            while conn.readable && conn.session.wants_read() && reads < READS_PER_TURN {
                match conn.stream.read(&mut self.buf) {
                    Ok(0) => {
                        conn.readable = false;
                        conn.session.on_eof();
                    }
                    Ok(n) => {
                        conn.session.on_read(&self.buf[..n], now);
                        progress = true;
                        if n < self.buf.len() && !conn.read_closed {
                            // A short read emptied the socket: skip the
                            // read that would only say so (the next edge
                            // brings more). Not once the peer's FIN was
                            // signalled: its EOF must still be read.
                            conn.readable = false;
                        }
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => conn.readable = false,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        failed = true;
                        break;
                    }
                }
                reads += 1;
            }
            conn.session.dispatch_jobs();
            conn.session.flush();
            while conn.writable && conn.session.output_len() > 0 {
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let count = conn.session.output_slices(&mut slices);
                match conn.stream.write_vectored(&slices[..count]) {
                    Ok(n) => {
                        conn.session.consume_output(n);
                        progress = true;
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => conn.writable = false,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        failed = true;
                        break;
                    }
                }
            }
            if failed || conn.session.is_done(now) {
                break;
            }
            if reads == READS_PER_TURN && conn.readable {
                // Come back after the others had their turn.
                conn.wake.clone().wake();
                break;
            }
            if !progress {
                break;
            }
        }
        if failed || conn.session.is_done(now) {
            self.close(index);
            return;
        }
        // Bytes may still wait in the socket (the turn's reads ran out, or
        // the peer's FIN is not read yet); with edge-triggered readiness no
        // new event would come for them, so such a connection stays active.
        if !conn.readable && !conn.read_closed && conn.session.should_park(now) {
            self.park(index);
            return;
        }
        if let Some(at) = conn.session.poll_timeout() {
            if conn.scheduled.is_none_or(|s| at < s) {
                conn.scheduled = Some(at);
                self.timers.push(Reverse((at, index)));
            }
        }
    }

    fn fire_timers(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((at, index))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            let scheduled = match self.conns.get(index) {
                Some(Slot::Active(conn)) => conn.scheduled,
                Some(Slot::Parked(parked)) => parked.scheduled,
                _ => continue,
            };
            if scheduled != Some(at) {
                continue; // superseded by an earlier entry
            }
            if let Some(Slot::Parked(parked)) = self.conns.get(index) {
                if parked
                    .session
                    .poll_timeout(&self.shared)
                    .is_some_and(|due| due > now)
                {
                    // Nothing due yet: no need to wake the session.
                    self.schedule_parked(index);
                    continue;
                }
            }
            self.resume(index);
            if let Slot::Active(conn) = &mut self.conns[index] {
                conn.scheduled = None;
                conn.session.handle_timeout(now);
                self.drive(index);
            }
        }
    }

    /// Parks connection `index` (see `Session::park`); it stays active
    /// when its session turns out to be busy after all.
    fn park(&mut self, index: usize) {
        let Slot::Active(conn) = std::mem::replace(&mut self.conns[index], Slot::Free) else {
            return;
        };
        let Conn {
            stream,
            session,
            wake,
            readable,
            read_closed,
            writable,
            scheduled,
        } = *conn;
        match session.park() {
            Ok(session) => {
                self.conns[index] = Slot::Parked(Box::new(ParkedConn {
                    stream,
                    session,
                    scheduled,
                }));
                self.schedule_parked(index);
            }
            Err(session) => {
                self.conns[index] = Slot::Active(Box::new(Conn {
                    stream,
                    session,
                    wake,
                    readable,
                    read_closed,
                    writable,
                    scheduled,
                }));
            }
        }
    }

    /// Makes sure a timer entry comes up by parked connection `index`'s
    /// next deadline.
    fn schedule_parked(&mut self, index: usize) {
        let Some(Slot::Parked(parked)) = self.conns.get_mut(index) else {
            return;
        };
        if let Some(due) = parked.session.poll_timeout(&self.shared) {
            if parked
                .scheduled
                .is_none_or(|s| due < s || s <= Instant::now())
            {
                parked.scheduled = Some(due);
                self.timers.push(Reverse((due, index)));
            }
        }
    }

    /// Makes a parked connection `index` active again; does nothing to
    /// others.
    fn resume(&mut self, index: usize) {
        if !matches!(self.conns[index], Slot::Parked(_)) {
            return;
        }
        let Slot::Parked(parked) = std::mem::replace(&mut self.conns[index], Slot::Free) else {
            return;
        };
        let ParkedConn {
            stream,
            session,
            scheduled,
        } = *parked;
        let wake = self.conn_wake(index);
        // A peer that is gone has no address; the session ends at once.
        let unknown = SocketAddr::from(([0, 0, 0, 0], 0));
        let peer = stream.peer_addr().unwrap_or(unknown);
        let local = stream.local_addr().unwrap_or(unknown);
        let session = Session::resume(
            session,
            self.shared.clone(),
            Waker::from(wake.clone()),
            peer,
            local,
        );
        self.conns[index] = Slot::Active(Box::new(Conn {
            stream,
            session,
            wake,
            readable: false,
            read_closed: false,
            // Assumed: a write that cannot go ahead says so, and the next
            // edge tells when it can.
            writable: true,
            scheduled,
        }));
    }

    fn close(&mut self, index: usize) {
        let mut stream = match std::mem::replace(&mut self.conns[index], Slot::Free) {
            Slot::Active(conn) => conn.stream,
            Slot::Parked(parked) => parked.stream,
            Slot::Free => return,
        };
        let _ = self.poll.registry().deregister(&mut stream);
        self.free.push(index);
        self.live -= 1;
    }
}
