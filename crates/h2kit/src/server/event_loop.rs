//! The `event-loop` model: one `mio` thread serves every connection,
//! readiness-driven and non-blocking (TLS included, since sessions do TLS
//! in memory). Handlers that may block run on worker threads and wake the
//! loop when they answer.
//!
//! Each wake-up reads what is there, runs the sessions, and writes each
//! connection's output in one go (writes batched per wake-up).

use super::Shared;
use super::session::Session;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, IoSlice, Read, Write};
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
    /// The deadline pushed to the timer heap last.
    deadline: Option<Instant>,
}

struct EventLoop {
    poll: Poll,
    listeners: Vec<TcpListener>,
    /// Connections by token minus the listener count.
    /// Boxed, so the table itself stays small and growing it moves no
    /// sessions (a connection costs its own memory, not a share of a
    /// doubled array).
    conns: Vec<Option<Box<Conn>>>,
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
                if let Some(Some(conn)) = self.conns.get_mut(index) {
                    conn.readable |= event.is_readable() || event.is_read_closed();
                    conn.read_closed |= event.is_read_closed();
                    conn.writable |= event.is_writable() || event.is_write_closed();
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
                if let Some(Some(conn)) = self.conns.get_mut(token) {
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
            if let Some(conn) = &mut self.conns[index] {
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
                self.conns.push(None);
                self.conns.len() - 1
            });
            let wake = Arc::new(ConnWake {
                token: index,
                queued: AtomicBool::new(false),
                woken: self.woken.clone(),
                mio_waker: self.mio_waker.clone(),
            });
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
                deadline: None,
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
            self.conns[index] = Some(Box::new(conn));
            self.live += 1;
            self.drive(index);
        }
    }

    /// Reads, runs and writes one connection as far as it can go now.
    fn drive(&mut self, index: usize) {
        let Some(conn) = self.conns[index].as_mut() else {
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
        let deadline = conn.session.poll_timeout();
        if deadline != conn.deadline {
            conn.deadline = deadline;
            if let Some(at) = deadline {
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
            let Some(Some(conn)) = self.conns.get_mut(index) else {
                continue;
            };
            if conn.deadline != Some(at) {
                continue; // stale
            }
            conn.deadline = None;
            conn.session.handle_timeout(now);
            self.drive(index);
        }
    }

    fn close(&mut self, index: usize) {
        if let Some(mut conn) = self.conns[index].take() {
            let _ = self.poll.registry().deregister(&mut conn.stream);
            self.free.push(index);
            self.live -= 1;
        }
    }
}
