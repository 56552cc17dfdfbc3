//! The `runtime` model: tokio with N worker threads. Each active
//! connection is a task that drives its [`Session`] with non-blocking
//! reads and writes on readiness, and sleeps until the socket is ready,
//! the session's next deadline comes ([`Alarm`]) or its [`Signal`] is
//! raised (by handlers, body writers and the shutdown signal). With
//! `SO_REUSEPORT` there is a listener per worker (the kernel spreads
//! connections over them; all are accepted on the runtime's own thread).
//!
//! A quiet h2c session is parked (see `Session::park`), and its task
//! ends: the socket and the parked session wait in the runtime's parking
//! [`lot`] — one task and one tokio registration for all of them — until
//! the peer speaks, a timer is due or the server shuts down. The lot then
//! takes the connection's turn itself and keeps it if it is quiet again
//! (a PING, the SETTINGS exchange), or starts a task for it (requests
//! always run in tasks on the workers). A new
//! cleartext connection goes to the lot at once if its peer has sent
//! nothing yet, and otherwise takes its first turn on the accept loop:
//! an idle connection never has a task. The accept loops and the lot run
//! as local tasks on the runtime's own thread, not on the workers. An
//! idle connection so costs 350–400 bytes of the server's memory with two
//! workers (the lab's measure, 2,000 idle connections; see the README)
//! instead of the 1,800 a parked task with its own I/O registration
//! held.

mod alarm;
mod lot;
mod signal;

use super::Shared;
use super::session::{ParkedSession, Session};
use alarm::Alarm;
use lot::{LotHandle, Parked, Reason};
use signal::Signal;
use std::io::{self, IoSlice, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::thread::JoinHandle;
use std::time::Instant;
use tokio::io::Interest;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

const READ_BUF: usize = 64 * 1024;

thread_local! {
    /// The read buffer of the connections this worker thread runs: reads
    /// happen between awaits, so one per thread serves them all, and an
    /// idle connection holds none.
    static READ_SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; READ_BUF]);
}

/// Most pieces handed to one `writev`.
const MAX_SLICES: usize = 16;

/// Starts the runtime on a thread of its own, which returns once every
/// connection is done after a shutdown.
pub(crate) fn start(
    listeners: Vec<std::net::TcpListener>,
    shared: Arc<Shared>,
    workers: usize,
) -> io::Result<Vec<JoinHandle<()>>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("h2kit-rt")
        .enable_io()
        .enable_time()
        .build()?;
    for listener in &listeners {
        listener.set_nonblocking(true)?;
    }
    let thread = std::thread::Builder::new()
        .name("h2kit-runtime".into())
        .spawn(move || {
            // The accept loops and the parking lot run here, on this
            // thread, as local tasks, not on the workers: the first turns
            // of new connections and the turns of parked ones then all
            // allocate from one thread's heap (freeing in the order they
            // allocate), and the workers' heaps, stacks and read buffers
            // are not touched by connections that stay idle. Connections
            // with work to do get tasks on the workers.
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, run(listeners, shared));
        })?;
    Ok(vec![thread])
}

/// Runs the parking lot and the accept loops, as local tasks of the
/// current thread, until every connection is done after a shutdown.
async fn run(listeners: Vec<std::net::TcpListener>, shared: Arc<Shared>) {
    let resume_shared = shared.clone();
    let lot = lot::start(shared.shutdown.clone(), move |parked, reason, lot| {
        resume_here(parked, reason, lot, &resume_shared)
    });
    let (lot, lot_run) = match lot {
        Ok((lot, run)) => (Some(lot), Some(run)),
        Err(err) => {
            tracing::warn!(%err, "no parking lot: quiet connections stay in their tasks");
            (None, None)
        }
    };
    let mut accepts = JoinSet::new();
    for listener in listeners {
        match TcpListener::from_std(listener) {
            Ok(listener) => {
                accepts.spawn_local(accept_loop(listener, shared.clone(), lot.clone()));
            }
            Err(err) => tracing::error!(%err, "cannot use a listener"),
        }
    }
    let lot_task = lot_run.map(tokio::task::spawn_local);
    drop(lot);
    while accepts.join_next().await.is_some() {}
    // The lot ends once the shutdown began and every task
    // that holds or could park a connection is gone.
    if let Some(task) = lot_task {
        if let Err(err) = task.await {
            tracing::error!(%err, "the parking lot's task failed");
        }
    }
}

/// Accepts connections until the shutdown, then waits for the tasks it
/// started (not for connections they left in the lot: the lot's task
/// waits for those).
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    lot: Option<LotHandle<ParkedSession>>,
) {
    let stop = Arc::new(Signal::default());
    let _registration = shared.shutdown.register(Waker::from(stop.clone()));
    let mut connections = JoinSet::new();
    while !shared.shutdown.is_requested() {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if let Err(err) = stream.set_nodelay(shared.nodelay) {
                        tracing::debug!(%err, "cannot set TCP_NODELAY");
                    }
                    match &lot {
                        // TLS sessions never park; their handshakes run
                        // in their tasks, not on the accept loop.
                        Some(lot) if shared.tls.is_none() => {
                            start_here(stream, peer, &shared, lot, &mut connections);
                        }
                        _ => {
                            connections.spawn(serve(stream, peer, shared.clone(), lot.clone()));
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            _ = stop.taken() => {}
            // Reap finished connections so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    drop(lot);
    while connections.join_next().await.is_some() {}
}

/// Reads into `session` from `socket` until the socket has nothing more
/// or the session wants no more; true when the socket failed.
fn read_available(socket: &impl Socket, session: &mut Session, buf: &mut [u8]) -> bool {
    while session.wants_read() {
        match socket.read_now(buf) {
            Ok(0) => session.on_eof(),
            Ok(n) => {
                session.on_read(&buf[..n], Instant::now());
                // A short read emptied the socket: skip the read that
                // would only say so, where the socket noted it.
                if n < buf.len() && socket.notes_short_reads() {
                    break;
                }
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
    false
}

/// Parks a boxed session: the box is given back before this returns, so
/// a parked connection holds only the parked state.
fn park_boxed(session: Box<Session>) -> Result<ParkedSession, Box<Session>> {
    (*session).park().map_err(Box::new)
}

/// What a connection task knows besides its session: the socket (tokio's
/// in a task, a plain one between tasks) and the rest.
struct Conn<S = TcpStream> {
    stream: S,
    peer: SocketAddr,
    local: SocketAddr,
    signal: Arc<Signal>,
    /// Keeps the lot alive while the task runs (see `lot`); `None` when
    /// the runtime has no lot.
    lot: Option<LotHandle<ParkedSession>>,
    /// Parks in the lot; false once the lot refused the connection, which
    /// then waits in its task.
    use_lot: bool,
}

impl Conn<std::net::TcpStream> {
    /// Registers the socket with tokio, for a task to wait on.
    fn register(self) -> io::Result<Conn> {
        self.map_stream(TcpStream::from_std)
    }
}

impl Conn {
    /// Takes the socket from tokio, for the lot (or a turn outside a
    /// task); tokio closes it when that fails.
    fn unregister(self) -> io::Result<Conn<std::net::TcpStream>> {
        self.map_stream(TcpStream::into_std)
    }
}

impl<S> Conn<S> {
    /// A connection on `stream`, with a fresh signal for its session and
    /// the shutdown signal to wake its task with.
    fn new(
        stream: S,
        peer: SocketAddr,
        local: SocketAddr,
        lot: Option<LotHandle<ParkedSession>>,
        use_lot: bool,
    ) -> Conn<S> {
        Conn {
            stream,
            peer,
            local,
            signal: Arc::new(Signal::default()),
            lot,
            use_lot,
        }
    }

    /// A waker that raises this connection's signal: for its session's
    /// handlers and body pipes, and for the shutdown signal.
    fn waker(&self) -> Waker {
        Waker::from(self.signal.clone())
    }

    /// The same connection on `stream` instead, and the socket it had.
    fn replace_stream<T>(self, stream: T) -> (S, Conn<T>) {
        let conn = Conn {
            stream,
            peer: self.peer,
            local: self.local,
            signal: self.signal,
            lot: self.lot,
            use_lot: self.use_lot,
        };
        (self.stream, conn)
    }

    /// The same connection on another form of its socket.
    fn map_stream<T>(self, f: impl FnOnce(S) -> io::Result<T>) -> io::Result<Conn<T>> {
        let (stream, rest) = self.replace_stream(());
        Ok(rest.replace_stream(f(stream)?).1)
    }
}

/// Serves a freshly accepted connection.
async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    lot: Option<LotHandle<ParkedSession>>,
) {
    let local = stream.local_addr().unwrap_or(peer);
    let use_lot = lot.is_some();
    let conn = Conn::new(stream, peer, local, lot, use_lot);
    // Boxed: the task's future stays small, and a parked connection
    // drops the session entirely.
    let waker = conn.waker();
    let mut session = match Session::new(shared.clone(), peer, local, waker, Instant::now()) {
        Ok(session) => Box::new(session),
        Err(err) => {
            tracing::warn!(%err, "cannot start a session");
            return;
        }
    };
    session.allow_parking();
    drive(conn, session, shared).await;
}

/// Takes up a connection the lot handed back, on the lot's task: one turn
/// outside any task, then back to the lot (returned) if it is quiet
/// again, or a task if it has something to wait for. A peer that only
/// sent its preface, acknowledged our SETTINGS or pinged so never gets a
/// task, a boxed session or a tokio registration.
fn resume_here(
    parked: Parked<ParkedSession>,
    reason: Reason,
    lot: LotHandle<ParkedSession>,
    shared: &Arc<Shared>,
) -> Option<Parked<ParkedSession>> {
    let Parked { stream, state, .. } = parked;
    // A peer that is gone has no address; the session ends at once.
    let unknown = SocketAddr::from(([0, 0, 0, 0], 0));
    let peer = stream.peer_addr().unwrap_or(unknown);
    let local = stream.local_addr().unwrap_or(unknown);
    let conn = Conn::new(stream, peer, local, Some(lot), reason != Reason::Refused);
    let session = Session::resume(state, shared.clone(), conn.waker(), peer, local);
    // The turn also has to come before tokio takes the socket: a new
    // tokio registration knows of no readiness until the reactor's next
    // turn, and its reads say WouldBlock without trying until then (the
    // still quiet session would park again at once, and again).
    match turn_outside(conn, session, shared) {
        Outcome::Closed => {}
        Outcome::Busy(conn, session) => {
            tokio::spawn(drive(conn, session, shared.clone()));
        }
        Outcome::Quiet(conn, state) if conn.use_lot => {
            let due = state.poll_timeout(shared);
            return Some(Parked {
                stream: conn.stream,
                state,
                due,
            });
        }
        Outcome::Quiet(conn, state) => {
            if let Some((conn, session)) = keep_in_task(conn, state, shared) {
                tokio::spawn(drive(conn, session, shared.clone()));
            }
        }
    }
    None
}

/// Starts a freshly accepted cleartext connection on the accept loop
/// itself, outside any task. One whose peer has sent nothing yet goes to
/// the lot as it is, with no session (see `ParkedSession::fresh`); one
/// whose peer has takes a first turn here and, quiet after it (the
/// SETTINGS exchanged), goes to the lot too. Such connections never have
/// a task, a boxed session or a registration with tokio's reactor (past
/// the moment `accept` takes): each would live for a few milliseconds
/// amid long-lived parked state, and the holes they leave in the heap
/// stay in the server's memory. A connection with more to do gets its
/// task.
fn start_here(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    lot: &LotHandle<ParkedSession>,
    connections: &mut JoinSet<()>,
) {
    let local = stream.local_addr().unwrap_or(peer);
    let mut stream = match stream.into_std() {
        Ok(stream) => stream,
        Err(err) => {
            tracing::debug!(%err, "cannot take a new connection from tokio; closed");
            return;
        }
    };
    let mut state = ParkedSession::fresh(Instant::now());
    if nothing_waiting(&stream) {
        let due = state.poll_timeout(shared);
        match lot.park(Box::new(Parked { stream, state, due })) {
            Ok(()) => return,
            // The lot is gone: go on as if the peer had spoken.
            Err(parked) => (stream, state) = (parked.stream, parked.state),
        }
    }
    let conn = Conn::new(stream, peer, local, Some(lot.clone()), true);
    let session = Session::resume(state, shared.clone(), conn.waker(), peer, local);
    let task = match turn_outside(conn, session, shared) {
        Outcome::Closed => None,
        Outcome::Busy(conn, session) => Some((conn, session)),
        Outcome::Quiet(conn, state) => park_in_lot(conn, state, shared)
            .and_then(|(conn, state)| keep_in_task(conn, state, shared)),
    };
    if let Some((conn, session)) = task {
        connections.spawn(drive(conn, session, shared.clone()));
    }
}

/// True when the peer has sent nothing yet (nor closed its side).
fn nothing_waiting(stream: &std::net::TcpStream) -> bool {
    matches!(stream.peek(&mut [0; 1]), Err(err) if err.kind() == io::ErrorKind::WouldBlock)
}

/// Where one turn outside a task left a connection.
// The parked state moves by value on its way into the lot: boxing it
// would allocate once more for every parking.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    /// The connection is over (closed).
    Closed,
    /// Quiet: its plain socket and parked state, for the lot.
    Quiet(Conn<std::net::TcpStream>, ParkedSession),
    /// It has something to wait for: registered with tokio, with its
    /// session, for a task.
    Busy(Conn, Box<Session>),
}

/// One turn of a connection on its plain socket, outside any task. The
/// session is boxed, and the socket registered with tokio, only when a
/// task needs them.
///
/// The turn runs on the accept loop or the lot, which serve every
/// connection: a panic in it (a bug; handlers' panics are caught where
/// they are called) ends this connection only, as it would end only the
/// connection's task, and not the loop or the lot.
fn turn_outside(conn: Conn<std::net::TcpStream>, session: Session, shared: &Shared) -> Outcome {
    let turned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        turn_and_sort(conn, session, shared)
    }));
    turned.unwrap_or_else(|_| {
        tracing::error!("a connection's turn panicked; closed");
        Outcome::Closed
    })
}

/// [`turn_outside`]'s work: the turn, then where it leaves the connection.
/// Requests are not run here but by the task the connection then gets,
/// on a worker: the accept loop and the lot, one thread for all
/// connections, keep to what quiet connections need (the preface, the
/// SETTINGS exchange, a PING).
fn turn_and_sort(
    conn: Conn<std::net::TcpStream>,
    mut session: Session,
    shared: &Shared,
) -> Outcome {
    // Requests wait as jobs, whatever the handler, for the task.
    session.defer_requests(true);
    let failed = take_input(&conn.stream, &mut session, shared);
    let step = if !failed && session.has_jobs() {
        Step::Wait(None)
    } else {
        give_output(&conn.stream, &mut session, failed)
    };
    let mut session = match step {
        Step::Done => return Outcome::Closed,
        Step::Park => match session.park() {
            Ok(state) => return Outcome::Quiet(conn, state),
            Err(session) => Box::new(session),
        },
        Step::Wait(_) => Box::new(session),
    };
    session.defer_requests(false);
    match conn.register() {
        Ok(conn) => Outcome::Busy(conn, session),
        Err(err) => {
            tracing::debug!(%err, "cannot register a connection; closed");
            Outcome::Closed
        }
    }
}

/// A quiet connection the lot would not take, for a task that keeps it
/// (and parks it there).
fn keep_in_task(
    conn: Conn<std::net::TcpStream>,
    state: ParkedSession,
    shared: &Arc<Shared>,
) -> Option<(Conn, Box<Session>)> {
    let session = Box::new(Session::resume(
        state,
        shared.clone(),
        conn.waker(),
        conn.peer,
        conn.local,
    ));
    match conn.register() {
        Ok(conn) => Some((conn, session)),
        Err(err) => {
            tracing::debug!(%err, "cannot register a quiet connection; closed");
            None
        }
    }
}

/// Serves a connection until it is done or handed to the lot.
async fn drive(mut conn: Conn, mut session: Box<Session>, shared: Arc<Shared>) {
    let _registration = shared.shutdown.register(conn.waker());
    let mut alarm = Alarm::default();
    loop {
        if !serve_active(
            &conn.stream,
            &mut session,
            &conn.signal,
            &mut alarm,
            &shared,
        )
        .await
        {
            return;
        }
        let mut parked = match park_boxed(session) {
            Ok(parked) => parked,
            Err(busy) => {
                session = busy;
                continue;
            }
        };
        match hand_to_lot(conn, parked, &shared) {
            None => return,
            Some((kept, state)) => {
                conn = kept;
                parked = state;
            }
        }
        // Quiet, and kept here: wait for the peer, a timer or the
        // shutdown signal.
        alarm.set_no_later_than(parked.poll_timeout(&shared));
        if !wait(
            &conn.stream,
            Some(Interest::READABLE),
            &conn.signal,
            &mut alarm,
        )
        .await
        {
            return;
        }
        session = Box::new(Session::resume(
            parked,
            shared.clone(),
            conn.waker(),
            conn.peer,
            conn.local,
        ));
    }
}

/// Offers a parked connection to the lot: `None` when the lot has it
/// (or it was lost), the connection back when the lot is gone and the
/// task must keep it from now on.
fn hand_to_lot(conn: Conn, state: ParkedSession, shared: &Shared) -> Option<(Conn, ParkedSession)> {
    if !conn.use_lot || conn.lot.is_none() {
        return Some((conn, state));
    }
    let conn = match conn.unregister() {
        Ok(conn) => conn,
        Err(err) => {
            // tokio closed the socket when it failed to let it go.
            tracing::debug!(%err, "cannot take a quiet connection from tokio; closed");
            return None;
        }
    };
    let (conn, state) = park_in_lot(conn, state, shared)?;
    match conn.register() {
        Ok(conn) => Some((conn, state)),
        Err(err) => {
            tracing::debug!(%err, "cannot register a quiet connection again; closed");
            None
        }
    }
}

/// Offers a parked connection on its plain socket to the lot: `None` when
/// the lot has it, the connection back (no longer using the lot) when the
/// lot is gone or the connection does not use it.
fn park_in_lot(
    conn: Conn<std::net::TcpStream>,
    state: ParkedSession,
    shared: &Shared,
) -> Option<(Conn<std::net::TcpStream>, ParkedSession)> {
    let lot = match &conn.lot {
        Some(lot) if conn.use_lot => lot.clone(),
        _ => return Some((conn, state)),
    };
    let due = state.poll_timeout(shared);
    let (stream, rest) = conn.replace_stream(());
    match lot.park(Box::new(Parked { stream, state, due })) {
        Ok(()) => None,
        Err(parked) => {
            let Parked { stream, state, .. } = *parked;
            let (_, mut conn) = rest.replace_stream(stream);
            conn.use_lot = false;
            Some((conn, state))
        }
    }
}

/// Drives an active session until it is done (false) or should be parked
/// (true).
async fn serve_active(
    stream: &TcpStream,
    session: &mut Session,
    signal: &Signal,
    alarm: &mut Alarm,
    shared: &Shared,
) -> bool {
    loop {
        let interest = match turn(stream, session, shared) {
            Step::Done => return false,
            Step::Park => return true,
            Step::Wait(interest) => interest,
        };
        alarm.set_no_later_than(session.poll_timeout());
        if !wait(stream, interest, signal, alarm).await {
            return false;
        }
    }
}

/// Waits until the socket is ready for `interest` (when there is one),
/// `signal` is raised or `alarm` goes off; false when the socket failed.
///
/// One future polled in place, where `tokio::select!` over the socket's
/// `ready`, a `Notify` and a fresh `sleep_until` built three futures each
/// turn, with a waiter list entry for the first two and a trip through
/// the timer wheel for the third.
async fn wait(
    stream: &TcpStream,
    interest: Option<Interest>,
    signal: &Signal,
    alarm: &mut Alarm,
) -> bool {
    std::future::poll_fn(|cx| {
        if signal.poll_take(cx).is_ready() || alarm.poll_due(cx).is_ready() {
            return Poll::Ready(true);
        }
        let Some(interest) = interest else {
            return Poll::Pending;
        };
        let readable = interest.is_readable().then(|| stream.poll_read_ready(cx));
        let writable = interest.is_writable().then(|| stream.poll_write_ready(cx));
        match (readable, writable) {
            (Some(Poll::Ready(Err(_))), _) | (_, Some(Poll::Ready(Err(_)))) => Poll::Ready(false),
            (Some(Poll::Ready(Ok(()))), _) | (_, Some(Poll::Ready(Ok(())))) => Poll::Ready(true),
            _ => Poll::Pending,
        }
    })
    .await
}

/// Reads and vectored writes that never wait: a session's [`turn`] runs
/// on tokio's socket in a task and on the plain socket outside one.
trait Socket {
    /// What the socket has now (`WouldBlock` when nothing).
    fn read_now(&self, buf: &mut [u8]) -> io::Result<usize>;
    /// As much of `bufs` as the socket takes now.
    fn write_now(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;
    /// True when a short read from [`read_now`](Socket::read_now) counts
    /// as the socket found empty, as `WouldBlock` would: the next wait is
    /// then for new data, and the reading may stop there. False when the
    /// reading must go on until `WouldBlock`.
    fn notes_short_reads(&self) -> bool;
}

impl Socket for TcpStream {
    /// A short read clears tokio's read readiness, as a `WouldBlock`
    /// does, without the system call that would return it. The read runs
    /// inside `try_io`, whose readiness snapshot is taken before it: an
    /// event the reactor records during or after the read has a newer
    /// tick and is not cleared, so data that arrives meanwhile still
    /// wakes the task. (Clearing after the read returned could drop such
    /// an event, and with edge-triggered polling it would not come again.)
    fn read_now(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut read = None;
        let result = self.try_io(Interest::READABLE, || {
            let n = self.try_read(buf)?;
            read = Some(n);
            if n > 0 && n < buf.len() {
                // Not an error: tells `try_io` to clear readiness.
                Err(io::ErrorKind::WouldBlock.into())
            } else {
                Ok(n)
            }
        });
        match read {
            Some(n) => Ok(n),
            None => result,
        }
    }

    fn write_now(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.try_write_vectored(bufs)
    }

    fn notes_short_reads(&self) -> bool {
        true
    }
}

/// A non-blocking socket no runtime watches.
impl Socket for std::net::TcpStream {
    fn read_now(&self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }

    fn write_now(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        (&*self).write_vectored(bufs)
    }

    /// Nothing here tracks this socket's readiness: reading goes on until
    /// `WouldBlock`, so the lot's poll finds the socket drained.
    fn notes_short_reads(&self) -> bool {
        false
    }
}

/// What a session needs after a [`turn`].
enum Step {
    /// The connection is over.
    Done,
    /// It is quiet: park it.
    Park,
    /// Wait until the socket is ready for this (`None`: only for a wake
    /// or a timer).
    Wait(Option<Interest>),
}

/// One turn of an active session: the shutdown and due timers, then what
/// the socket has, the jobs, and as much output as the socket takes.
fn turn(socket: &impl Socket, session: &mut Session, shared: &Shared) -> Step {
    let failed = take_input(socket, session, shared);
    session.dispatch_jobs();
    give_output(socket, session, failed)
}

/// The first part of a [`turn`]: the shutdown and due timers, then what
/// the socket has. True when the socket failed.
fn take_input(socket: &impl Socket, session: &mut Session, shared: &Shared) -> bool {
    if let Some(deadline) = shared.shutdown.deadline() {
        session.shutdown(deadline);
    }
    let now = Instant::now();
    if session.poll_timeout().is_some_and(|t| t <= now) {
        session.handle_timeout(now);
    }
    READ_SCRATCH.with_borrow_mut(|buf| read_available(socket, session, buf))
}

/// The last part of a [`turn`], once the jobs are handed out: encodes
/// what is ready, writes as much as the socket takes, and says what the
/// session needs next.
fn give_output(socket: &impl Socket, session: &mut Session, mut failed: bool) -> Step {
    session.flush();
    while !failed && session.output_len() > 0 {
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let count = session.output_slices(&mut slices);
        match socket.write_now(&slices[..count]) {
            Ok(n) => {
                session.consume_output(n);
                if session.output_len() == 0 {
                    // Writing may let the core emit more.
                    session.flush();
                }
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => failed = true,
        }
    }
    let now = Instant::now();
    if failed || session.is_done(now) {
        return Step::Done;
    }
    if session.should_park(now) {
        return Step::Park;
    }
    let mut interest = None;
    if session.wants_read() {
        interest = Some(Interest::READABLE);
    }
    if session.output_len() > 0 {
        interest = Some(interest.map_or(Interest::WRITABLE, |i| i | Interest::WRITABLE));
    }
    Step::Wait(interest)
}
