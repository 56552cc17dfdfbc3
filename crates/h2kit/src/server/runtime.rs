//! The `runtime` model: tokio with N worker threads. Each connection is a
//! task that drives its [`Session`] with non-blocking reads and writes on
//! readiness, and sleeps on a `Notify` that handlers, body writers, timers
//! and the shutdown signal wake. With `SO_REUSEPORT` each worker thread
//! can have its own listener.

use super::Shared;
use super::session::{ParkedSession, Session};
use std::io::{self, IoSlice};
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::thread::JoinHandle;
use std::time::Instant;
use tokio::io::Interest;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
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
            runtime.block_on(async move {
                let mut accepts = JoinSet::new();
                for listener in listeners {
                    match TcpListener::from_std(listener) {
                        Ok(listener) => {
                            accepts.spawn(accept_loop(listener, shared.clone()));
                        }
                        Err(err) => tracing::error!(%err, "cannot use a listener"),
                    }
                }
                while accepts.join_next().await.is_some() {}
            });
        })?;
    Ok(vec![thread])
}

/// Wakes a task waiting on a `Notify`; a wake that comes while the task is
/// busy is kept as a permit, so none is lost.
struct NotifyWake(Arc<Notify>);

impl Wake for NotifyWake {
    fn wake(self: Arc<Self>) {
        self.0.notify_one();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.notify_one();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let stop = Arc::new(Notify::new());
    let _registration = shared
        .shutdown
        .register(Waker::from(Arc::new(NotifyWake(stop.clone()))));
    let mut connections = JoinSet::new();
    while !shared.shutdown.is_requested() {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if let Err(err) = stream.set_nodelay(shared.nodelay) {
                        tracing::debug!(%err, "cannot set TCP_NODELAY");
                    }
                    connections.spawn(serve(stream, peer, shared.clone()));
                }
                Err(err) => {
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            _ = stop.notified() => {}
            // Reap finished connections so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Reads into `session` until the socket has nothing more or the session
/// wants no more; true when the socket failed.
fn read_available(stream: &TcpStream, session: &mut Session, buf: &mut [u8]) -> bool {
    while session.wants_read() {
        match stream.try_read(buf) {
            Ok(0) => session.on_eof(),
            Ok(n) => session.on_read(&buf[..n], Instant::now()),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
    false
}

/// Parks a boxed session: the box is given back before this returns, so
/// a parked connection holds only the parked state.
fn park_boxed(session: Box<Session>) -> Result<Box<ParkedSession>, Box<Session>> {
    match (*session).park() {
        Ok(parked) => Ok(Box::new(parked)),
        Err(session) => Err(Box::new(session)),
    }
}

async fn serve(stream: TcpStream, peer: std::net::SocketAddr, shared: Arc<Shared>) {
    let notify = Arc::new(Notify::new());
    let waker = Waker::from(Arc::new(NotifyWake(notify.clone())));
    let local = stream.local_addr().unwrap_or(peer);
    // Boxed: the task's future stays small, and a parked connection
    // drops the session entirely.
    let mut session = match Session::new(shared.clone(), peer, local, waker.clone(), Instant::now())
    {
        Ok(session) => Box::new(session),
        Err(err) => {
            tracing::warn!(%err, "cannot start a session");
            return;
        }
    };
    session.allow_parking();
    let _registration = shared.shutdown.register(waker.clone());
    loop {
        if !serve_active(&stream, &mut session, &notify, &shared).await {
            return;
        }
        let parked = match park_boxed(session) {
            Ok(parked) => parked,
            Err(busy) => {
                session = busy;
                continue;
            }
        };
        // Quiet: wait for the peer, a timer or the shutdown signal.
        let due = parked
            .poll_timeout(&shared)
            .map(tokio::time::Instant::from_std);
        tokio::select! {
            ready = stream.readable() => {
                if ready.is_err() {
                    return;
                }
            }
            _ = notify.notified() => {}
            _ = async { tokio::time::sleep_until(due.unwrap_or_else(tokio::time::Instant::now)).await }, if due.is_some() => {}
        }
        session = Box::new(Session::resume(
            *parked,
            shared.clone(),
            waker.clone(),
            peer,
            local,
        ));
    }
}

/// Drives an active session until it is done (false) or should be parked
/// (true).
async fn serve_active(
    stream: &TcpStream,
    session: &mut Session,
    notify: &Notify,
    shared: &Shared,
) -> bool {
    loop {
        if let Some(deadline) = shared.shutdown.deadline() {
            session.shutdown(deadline);
        }
        let now = Instant::now();
        if session.poll_timeout().is_some_and(|t| t <= now) {
            session.handle_timeout(now);
        }
        // Read what is there.
        let mut failed = READ_SCRATCH.with_borrow_mut(|buf| read_available(stream, session, buf));
        session.dispatch_jobs();
        session.flush();
        // Write what is ready.
        while !failed && session.output_len() > 0 {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let count = session.output_slices(&mut slices);
            match stream.try_write_vectored(&slices[..count]) {
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
            return false;
        }
        if session.should_park(now) {
            return true;
        }
        let mut interest = None;
        if session.wants_read() {
            interest = Some(Interest::READABLE);
        }
        if session.output_len() > 0 {
            interest = Some(interest.map_or(Interest::WRITABLE, |i| i | Interest::WRITABLE));
        }
        let deadline = session.poll_timeout().map(tokio::time::Instant::from_std);
        tokio::select! {
            ready = async { stream.ready(interest.unwrap_or(Interest::READABLE)).await }, if interest.is_some() => {
                if ready.is_err() {
                    return false;
                }
            }
            _ = notify.notified() => {}
            _ = async { tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)).await }, if deadline.is_some() => {}
        }
    }
}
