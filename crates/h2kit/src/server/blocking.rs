//! The blocking models, on `std::net`: `single` serves one connection at a
//! time on the accepting thread, `thread` gives each connection its own.
//!
//! A connection uses two threads around its [`Session`]: a reader that
//! blocks in `read` and feeds the session, and a writer (the connection's
//! own thread) that sleeps until there is output, a response, a timer or
//! a shutdown, and blocks in `write`. Neither holds the session's lock
//! while blocked on the socket.

use super::session::Session;
use super::{Shared, configure};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Wake, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Which blocking model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Single,
    Thread,
}

/// Starts one accept thread per listener.
pub(crate) fn start(
    listeners: Vec<TcpListener>,
    shared: Arc<Shared>,
    mode: Mode,
) -> io::Result<Vec<JoinHandle<()>>> {
    let mut threads = Vec::new();
    for listener in listeners {
        let shared = shared.clone();
        threads.push(
            std::thread::Builder::new()
                .name("h2kit-accept".into())
                .spawn(move || accept_loop(listener, shared, mode))?,
        );
    }
    Ok(threads)
}

/// Wakes an accept loop blocked in `accept` by connecting to it.
struct SelfConnect(SocketAddr);

impl Wake for SelfConnect {
    fn wake(self: Arc<Self>) {
        let _ = TcpStream::connect_timeout(&self.0, Duration::from_secs(1));
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mode: Mode) {
    let Ok(mut local) = listener.local_addr() else {
        return;
    };
    if local.ip().is_unspecified() {
        local.set_ip(match local {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let _registration = shared
        .shutdown
        .register(Waker::from(Arc::new(SelfConnect(local))));
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !shared.shutdown.is_requested() {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                // Out of descriptors and the like: wait rather than spin.
                tracing::warn!(%err, "accept failed");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        if shared.shutdown.is_requested() {
            break;
        }
        configure(&stream, &shared);
        match mode {
            Mode::Single => serve(stream, peer, &shared),
            Mode::Thread => {
                connections.retain(|t| !t.is_finished());
                let shared = shared.clone();
                let spawned = std::thread::Builder::new()
                    .name("h2kit-conn".into())
                    .spawn(move || serve(stream, peer, &shared));
                match spawned {
                    Ok(thread) => connections.push(thread),
                    Err(err) => tracing::warn!(%err, "cannot start a connection thread"),
                }
            }
        }
    }
    for thread in connections {
        let _ = thread.join();
    }
}

/// A flag with a condition variable: "something happened, look again".
struct Signal {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl Signal {
    fn new() -> Arc<Signal> {
        Arc::new(Signal {
            flag: Mutex::new(false),
            cv: Condvar::new(),
        })
    }

    fn notify(&self) {
        *self.flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_all();
    }

    /// Waits for a notification or `deadline`, and clears the flag.
    fn wait_until(&self, deadline: Option<Instant>) {
        let mut flag = self.flag.lock().unwrap_or_else(|p| p.into_inner());
        while !*flag {
            match deadline {
                None => flag = self.cv.wait(flag).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    flag = self
                        .cv
                        .wait_timeout(flag, deadline - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        *flag = false;
    }
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.notify();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.notify();
    }
}

fn lock(session: &Mutex<Session>) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(|p| p.into_inner())
}

/// Serves one connection until it is done.
fn serve(stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>) {
    let local = stream
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    // Wakes the writer: output, responses, timers, shutdown.
    let wake = Signal::new();
    // Wakes the reader once output has drained below the high-water mark.
    let read_gate = Signal::new();
    let waker = Waker::from(wake.clone());
    let session = match Session::new(shared.clone(), peer, local, waker.clone(), Instant::now()) {
        Ok(s) => Arc::new(Mutex::new(s)),
        Err(err) => {
            tracing::warn!(%err, "cannot start a session");
            return;
        }
    };
    let _registration = shared.shutdown.register(waker);
    // A peer that stops reading cannot hold a writer forever.
    let _ = stream.set_write_timeout(Some(shared.idle_timeout));
    let reader = match stream.try_clone().and_then(|read_half| {
        let session = session.clone();
        let wake = wake.clone();
        let read_gate = read_gate.clone();
        std::thread::Builder::new()
            .name("h2kit-read".into())
            .spawn(move || read_loop(read_half, &session, &wake, &read_gate))
    }) {
        Ok(thread) => thread,
        Err(err) => {
            tracing::warn!(%err, "cannot start a reader thread");
            return;
        }
    };
    write_loop(&stream, &session, shared, &wake, &read_gate);
    let _ = stream.shutdown(Shutdown::Both);
    read_gate.notify();
    let _ = reader.join();
}

fn read_loop(mut stream: TcpStream, session: &Mutex<Session>, wake: &Signal, read_gate: &Signal) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        loop {
            let s = lock(session);
            if s.wants_read() {
                break;
            }
            if s.is_done(Instant::now()) {
                return;
            }
            drop(s);
            // Output is backed up (or the session reads no more): wait for
            // the writer to drain it.
            read_gate.wait_until(Some(Instant::now() + Duration::from_millis(200)));
        }
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => 0,
        };
        let mut s = lock(session);
        if n == 0 {
            s.on_eof();
        } else {
            s.on_read(&buf[..n], Instant::now());
            s.dispatch_jobs();
        }
        s.flush();
        drop(s);
        wake.notify();
        if n == 0 {
            return;
        }
    }
}

fn write_loop(
    mut stream: &TcpStream,
    session: &Mutex<Session>,
    shared: &Shared,
    wake: &Signal,
    read_gate: &Signal,
) {
    loop {
        let mut s = lock(session);
        let now = Instant::now();
        if let Some(deadline) = shared.shutdown.deadline() {
            s.shutdown(deadline);
        }
        if s.poll_timeout().is_some_and(|t| t <= now) {
            s.handle_timeout(now);
        }
        // Jobs also come from `flush` itself: the next pipelined HTTP/1.1
        // request is parsed once the previous response is written.
        s.dispatch_jobs();
        s.flush();
        if s.is_done(now) {
            return;
        }
        let out = s.take_output();
        if out.is_empty() {
            let deadline = s.poll_timeout();
            drop(s);
            wake.wait_until(deadline);
            continue;
        }
        drop(s);
        if let Err(err) = stream.write_all(&out) {
            tracing::debug!(%err, "write failed");
            return;
        }
        read_gate.notify();
    }
}
