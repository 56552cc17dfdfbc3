//! Servers: one handler, four dispatch models, chosen by name.
//!
//! | model | threads | handler runs on |
//! |---|---|---|
//! | [`Dispatch::Single`] | one connection at a time, blocking `std::net` (plus a reader thread per connection) | worker threads |
//! | [`Dispatch::Thread`] | a thread (and a reader thread) per connection | worker threads |
//! | [`Dispatch::EventLoop`] | one `mio` thread for every connection, non-blocking TLS | worker threads |
//! | [`Dispatch::Runtime`] | tokio, N worker threads (default: cores), optional `SO_REUSEPORT` | worker threads |
//!
//! In every model a [`Handler`] that may block runs on an elastic pool of
//! worker threads, and one that declares it never blocks
//! ([`Handler::may_block`] → `false`) runs on the I/O thread. So the same
//! blocking-style handler, `Fn(Request<Body>) -> Response<Body>`, runs
//! unchanged everywhere.
//!
//! Every model accepts HTTP/2 with prior knowledge on plain TCP (the client
//! preface is recognised) and HTTP/2 over TLS (ALPN `h2`).
//!
//! ```no_run
//! use h2kit::server::{Dispatch, ServerConfig, Server};
//! use h2kit::Body;
//! use http::{Request, Response};
//! use std::time::Duration;
//!
//! let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap());
//! config.dispatch = Dispatch::EventLoop;
//! let server = Server::start(config, |_req: Request<Body>| Response::new(Body::from("hi\n")))?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown(Duration::from_secs(5));
//! server.join();
//! # Ok::<(), std::io::Error>(())
//! ```

mod blocking;
mod date;
mod event_loop;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod pool;
mod runtime;
pub(crate) mod session;
mod shutdown;

pub use shutdown::ShutdownHandle;

use crate::handler::Handler;
use crate::tls::TlsConfig;
use h2kit_proto::h2;
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::str::FromStr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How a server waits for I/O and where connections run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dispatch {
    /// One connection at a time, blocking; the next client waits.
    Single,
    /// A thread per connection, blocking.
    Thread,
    /// One readiness-driven `mio` thread for all connections.
    EventLoop,
    /// tokio with N worker threads.
    Runtime,
}

impl Dispatch {
    /// Every model, in the order of the table above.
    pub const ALL: [Dispatch; 4] = [
        Dispatch::Single,
        Dispatch::Thread,
        Dispatch::EventLoop,
        Dispatch::Runtime,
    ];

    /// The model's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dispatch::Single => "single",
            Dispatch::Thread => "thread",
            Dispatch::EventLoop => "event-loop",
            Dispatch::Runtime => "runtime",
        }
    }
}

impl fmt::Display for Dispatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dispatch {
    type Err = String;

    fn from_str(s: &str) -> Result<Dispatch, String> {
        Dispatch::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| {
                format!("unknown dispatch model {s:?} (single, thread, event-loop, runtime)")
            })
    }
}

/// Everything a server can be told before it starts.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free port ([`Server::local_addr`]
    /// tells which).
    pub addr: SocketAddr,
    /// The dispatch model.
    pub dispatch: Dispatch,
    /// Runtime worker threads (`Runtime` only; default: the number of
    /// cores).
    pub workers: Option<usize>,
    /// TLS; `None` serves cleartext (h2c).
    pub tls: Option<TlsConfig>,
    /// TCP_NODELAY on accepted sockets.
    pub nodelay: bool,
    /// `Runtime` with several workers: one `SO_REUSEPORT` listener per
    /// worker, so the kernel spreads connections.
    pub reuse_port: bool,
    /// Print every HTTP/2 frame in the `nghttp -v` style on stdout.
    pub trace_frames: bool,
    /// The HTTP/2 settings and limits of each connection.
    pub h2: h2::Config,
    /// A connection with no stream in flight and nothing received for this
    /// long is closed gracefully; also the bound on a blocked write.
    pub idle_timeout: Duration,
    /// The TLS handshake (or, in cleartext, the client preface) must
    /// complete this fast.
    pub handshake_timeout: Duration,
    /// Most worker threads for handlers that may block.
    pub max_handler_threads: usize,
    /// TCP congestion control for every accepted connection (Linux
    /// `TCP_CONGESTION`, e.g. `"cubic"`); `None` keeps the system default.
    /// Set on the listening socket, from which Linux copies it to each
    /// accepted socket. Starting fails if the kernel refuses the name.
    pub tcp_congestion: Option<String>,
}

impl ServerConfig {
    /// Defaults: event loop, cleartext, TCP_NODELAY on, 60 s idle and 10 s
    /// handshake timeouts, and the HTTP/2 settings of [`server_h2_config`].
    pub fn new(addr: SocketAddr) -> ServerConfig {
        ServerConfig {
            addr,
            dispatch: Dispatch::EventLoop,
            workers: None,
            tls: None,
            nodelay: true,
            reuse_port: false,
            trace_frames: false,
            h2: server_h2_config(),
            idle_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            max_handler_threads: 512,
            tcp_congestion: None,
        }
    }
}

/// The HTTP/2 configuration servers start from: manual flow control, so a
/// request body is taken from the client only as fast as the handler reads
/// it; `StreamClosed` events (not the other lifecycle events), so the
/// server can forget finished streams;
/// and a per-stream send buffer of up to 1 MiB, of which a stream uses as
/// much as the peer's window for it (at least 64 KiB): a client that grants
/// large windows gets large writes, one that does not leaves response
/// bodies waiting in their (bounded) channels rather than in the
/// connection. The core checks response fields only for edge whitespace
/// (`check_sent_fields: false`): they come from `http` types, valid by
/// construction otherwise.
pub fn server_h2_config() -> h2::Config {
    h2::Config {
        flow_control: h2::FlowControl::Manual,
        lifecycle_events: h2::LifecycleEvents::Closed,
        initial_stream_window: 256 * 1024,
        initial_connection_window: 1 << 20,
        max_send_buffer_per_stream: 1024 * 1024,
        min_send_buffer_per_stream: Some(64 * 1024),
        check_sent_fields: false,
        ..h2::Config::default()
    }
}

/// What every connection of a server shares.
pub(crate) struct Shared {
    pub h2: Arc<h2::Config>,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub pool: pool::Pool,
    pub handler: Arc<dyn Handler>,
    pub idle_timeout: Duration,
    pub handshake_timeout: Duration,
    pub trace_frames: bool,
    pub nodelay: bool,
    pub shutdown: ShutdownHandle,
}

impl Shared {
    /// What the connections of a server started with `config` share.
    fn new(config: &ServerConfig, handler: Arc<dyn Handler>, shutdown: ShutdownHandle) -> Shared {
        Shared {
            h2: Arc::new(config.h2.clone()),
            tls: config.tls.as_ref().map(|t| t.config.clone()),
            pool: pool::Pool::new(config.max_handler_threads),
            handler,
            idle_timeout: config.idle_timeout,
            handshake_timeout: config.handshake_timeout,
            trace_frames: config.trace_frames,
            nodelay: config.nodelay,
            shutdown,
        }
    }
}

/// A running server.
pub struct Server {
    local_addr: SocketAddr,
    shutdown: ShutdownHandle,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds, starts the dispatch model's threads and returns at once.
    pub fn start(config: ServerConfig, handler: impl Handler) -> io::Result<Server> {
        Server::start_shared(config, Arc::new(handler))
    }

    /// Like [`start`](Server::start), for a handler already in an `Arc`.
    pub fn start_shared(config: ServerConfig, handler: Arc<dyn Handler>) -> io::Result<Server> {
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        let listeners = bind(&config, workers)?;
        let local_addr = listeners[0].local_addr()?;
        let shutdown = ShutdownHandle::new();
        let shared = Arc::new(Shared::new(&config, handler, shutdown.clone()));
        let threads = match config.dispatch {
            Dispatch::Single => blocking::start(listeners, shared, blocking::Mode::Single)?,
            Dispatch::Thread => blocking::start(listeners, shared, blocking::Mode::Thread)?,
            Dispatch::EventLoop => event_loop::start(listeners, shared)?,
            Dispatch::Runtime => runtime::start(listeners, shared, workers)?,
        };
        tracing::info!(addr = %local_addr, dispatch = %config.dispatch, "listening");
        Ok(Server {
            local_addr,
            shutdown,
            threads,
        })
    }

    /// The address the server listens on (with the real port when port 0
    /// was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that can shut the server down from anywhere.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Starts a graceful shutdown: no new connections; each connection
    /// sends GOAWAY and closes once its streams are done, or after `grace`.
    pub fn shutdown(&self, grace: Duration) {
        self.shutdown.shutdown(grace);
    }

    /// Waits until every thread of the server has ended (after a
    /// shutdown).
    pub fn join(self) {
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

/// One listener, or one per worker with `SO_REUSEPORT`.
fn bind(config: &ServerConfig, workers: usize) -> io::Result<Vec<TcpListener>> {
    let count = if config.reuse_port && config.dispatch == Dispatch::Runtime {
        workers
    } else {
        1
    };
    let congestion = config.tcp_congestion.as_deref();
    let first = listen(config.addr, config.reuse_port, congestion)?;
    let addr = first.local_addr()?;
    let mut all = vec![first];
    for _ in 1..count {
        all.push(listen(addr, true, congestion)?);
    }
    Ok(all)
}

fn listen(addr: SocketAddr, reuse_port: bool, congestion: Option<&str>) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    if let Some(name) = congestion {
        set_congestion(&socket, name)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// Sets TCP_CONGESTION. On a listening socket it is inherited by every
/// socket `accept` returns (Linux copies a congestion control chosen with
/// setsockopt to the child in `tcp_ca_openreq_child`), so the dispatch
/// models need not set it per connection.
#[cfg(target_os = "linux")]
fn set_congestion(socket: &socket2::Socket, name: &str) -> io::Result<()> {
    socket.set_tcp_congestion(name.as_bytes()).map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("TCP congestion control {name:?} refused: {err}"),
        )
    })
}

#[cfg(not(target_os = "linux"))]
fn set_congestion(_socket: &socket2::Socket, name: &str) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!("TCP congestion control {name:?}: only on Linux"),
    ))
}

/// Applies the per-connection socket options.
pub(crate) fn configure(stream: &std::net::TcpStream, shared: &Shared) {
    if let Err(err) = stream.set_nodelay(shared.nodelay) {
        tracing::debug!(%err, "cannot set TCP_NODELAY");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The option set on the listener is what accepted sockets run with.
    #[test]
    fn accepted_sockets_inherit_the_congestion_control() {
        // Allowed to everyone on any kernel (tcp_allowed_congestion_control
        // always lists reno), so the test needs no privileges.
        let listener = listen("127.0.0.1:0".parse().unwrap(), false, Some("reno")).unwrap();
        let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let name = socket2::SockRef::from(&accepted).tcp_congestion().unwrap();
        assert_eq!(name.split(|&b| b == 0).next().unwrap(), b"reno");
    }

    #[test]
    fn an_unknown_congestion_control_fails_the_start() {
        let err = listen("127.0.0.1:0".parse().unwrap(), false, Some("no-such-cc")).unwrap_err();
        assert!(err.to_string().contains("no-such-cc"), "{err}");
    }
}
