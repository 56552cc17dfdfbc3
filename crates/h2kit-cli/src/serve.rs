//! `h2kit serve`: the demo site or a directory, on any dispatch model.

use clap::Args;
use h2kit::Handler;
use h2kit::server::{Dispatch, Server, ServerConfig};
use h2kit::tls::TlsConfig;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long in-flight requests get to finish after Ctrl-C or SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Serve the files under this directory instead of the demo site.
    dir: Option<PathBuf>,
    /// Address to listen on (port 0: any free port; the real one is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Dispatch model: single, thread, event-loop or runtime.
    #[arg(long, default_value = "event-loop")]
    dispatch: Dispatch,
    /// Worker threads of the runtime model (default: number of cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Listen with one SO_REUSEPORT socket per runtime worker.
    #[arg(long)]
    reuse_port: bool,
    /// Serve HTTPS (ALPN h2); without --cert/--key a self-signed
    /// certificate for localhost is made at start.
    #[arg(long)]
    tls: bool,
    /// PEM certificate chain (implies --tls).
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key (implies --tls).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Leave Nagle's algorithm on (TCP_NODELAY off).
    #[arg(long)]
    no_nodelay: bool,
    /// TCP congestion control of accepted connections (Linux
    /// TCP_CONGESTION, e.g. cubic; see
    /// /proc/sys/net/ipv4/tcp_available_congestion_control).
    #[arg(long, value_name = "NAME")]
    congestion: Option<String>,
    /// Print every HTTP/2 frame sent and received, nghttp -v style.
    #[arg(long)]
    trace_frames: bool,
    /// Log level on stderr: error, warn, info, debug or trace (also
    /// RUST_LOG).
    #[arg(long)]
    log: Option<String>,
}

pub fn run(args: ServeArgs) -> io::Result<()> {
    init_logs(args.log.as_deref());
    let mut config = ServerConfig::new(args.addr);
    config.dispatch = args.dispatch;
    config.workers = args.workers;
    config.reuse_port = args.reuse_port;
    config.nodelay = !args.no_nodelay;
    config.trace_frames = args.trace_frames;
    config.tcp_congestion = args.congestion.clone();
    let tls = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(TlsConfig::from_pem_files(cert, key)?),
        _ if args.tls => Some(TlsConfig::self_signed()?),
        _ => None,
    };
    config.tls = tls.clone();
    let handler: Arc<dyn Handler> = match &args.dir {
        Some(dir) => Arc::new(crate::files::StaticFiles::new(dir)?),
        None => Arc::new(crate::demo::Demo::new()),
    };
    let server = Server::start_shared(config, handler)?;
    let (scheme, protocols) = match &tls {
        Some(_) => ("https", "h2, http/1.1"),
        None => ("http", "h2c, http/1.1"),
    };
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "listening on {scheme}://{} ({protocols}; dispatch={})",
        server.local_addr(),
        args.dispatch
    )?;
    if let Some(tls) = tls.as_ref().filter(|t| t.is_self_signed()) {
        writeln!(
            out,
            "self-signed certificate for localhost, SHA-256 fingerprint {}",
            tls.fingerprint()
        )?;
    }
    if let Some(dir) = &args.dir {
        writeln!(out, "serving files from {}", dir.display())?;
    }
    out.flush()?;
    drop(out);
    wait_for_signal()?;
    eprintln!(
        "shutting down (up to {}s for requests in flight)",
        SHUTDOWN_GRACE.as_secs()
    );
    server.shutdown(SHUTDOWN_GRACE);
    server.join();
    Ok(())
}

/// Blocks until Ctrl-C or SIGTERM.
fn wait_for_signal() -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await
        }
    })
}

fn init_logs(level: Option<&str>) {
    let level = level
        .map(str::to_owned)
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|l| l.parse::<tracing::level_filters::LevelFilter>().ok())
        .unwrap_or(tracing::level_filters::LevelFilter::WARN);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(io::stderr)
        .init();
}
