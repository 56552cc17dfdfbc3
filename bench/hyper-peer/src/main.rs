//! hyper as a benchmark peer:
//!
//! ```text
//! hyper-peer ADDR WORKERS [--tls CERT KEY] [--congestion NAME]
//! ```
//!
//! serves the 12-byte body to every request over h2c (HTTP/2 with prior
//! knowledge), or over TLS with ALPN h2 when given a PEM certificate and
//! key; `GET /bytes/N[?chunk=C]` answers exactly N bytes in C-byte chunks
//! (default and most 1 MiB) cut from one shared block (the lab's
//! single-stream throughput test). WORKERS = 1 runs
//! tokio's current-thread runtime, as a single-threaded server would.
//! `--congestion` sets TCP_CONGESTION on the listener, which accepted
//! sockets inherit.

mod body;
mod tls;

use bytes::Bytes;
use http_body_util::Either;
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const BODY: &[u8; 12] = b"hello world\n";

type Reply = Either<http_body_util::Full<Bytes>, body::Repeat>;

async fn handle(req: Request<hyper::body::Incoming>) -> Result<Response<Reply>, Infallible> {
    let len = req
        .uri()
        .path()
        .strip_prefix("/bytes/")
        .and_then(|n| n.parse::<u64>().ok());
    let chunk = req
        .uri()
        .query()
        .and_then(|q| q.strip_prefix("chunk="))
        .and_then(|c| c.parse::<usize>().ok());
    Ok(match len {
        Some(len) => Response::new(Either::Right(body::Repeat::new(len, chunk))),
        None => Response::new(Either::Left(http_body_util::Full::new(Bytes::from_static(
            BODY,
        )))),
    })
}

async fn serve_h2<I>(io: I)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let _ = http2::Builder::new(TokioExecutor::new())
        .max_concurrent_streams(1000)
        .serve_connection(TokioIo::new(io), service_fn(handle))
        .await;
}

struct Options {
    addr: SocketAddr,
    workers: usize,
    tls: Option<(String, String)>,
    congestion: Option<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut tls = None;
    let mut congestion = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tls" => {
                let cert = args.next().ok_or("--tls CERT KEY")?;
                let key = args.next().ok_or("--tls CERT KEY")?;
                tls = Some((cert, key));
            }
            "--congestion" => congestion = Some(args.next().ok_or("--congestion NAME")?),
            _ => positional.push(arg),
        }
    }
    let addr = positional.first().map_or("127.0.0.1:8091", String::as_str);
    Ok(Options {
        addr: addr
            .parse()
            .map_err(|e| format!("bad address {addr}: {e}"))?,
        workers: positional.get(1).and_then(|w| w.parse().ok()).unwrap_or(1),
        tls,
        congestion,
    })
}

fn listener(opts: &Options) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(opts.addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if let Some(name) = &opts.congestion {
        socket.set_tcp_congestion(name.as_bytes())?;
    }
    socket.bind(&opts.addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

async fn serve(opts: Options) {
    let acceptor = opts.tls.as_ref().map(|(cert, key)| {
        TlsAcceptor::from(Arc::new(
            tls::server_config(cert, key).expect("TLS configuration"),
        ))
    });
    let listener = TcpListener::from_std(listener(&opts).expect("listen")).expect("listener");
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    println!(
        "listening on {scheme}://{}",
        listener.local_addr().expect("addr")
    );
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        match &acceptor {
            None => {
                tokio::spawn(serve_h2(stream));
            }
            Some(acceptor) => {
                let accept = acceptor.accept(stream);
                tokio::spawn(async move {
                    if let Ok(tls) = accept.await {
                        serve_h2(tls).await;
                    }
                });
            }
        }
    }
}

fn main() {
    let opts = match parse_args() {
        Ok(opts) => opts,
        Err(err) => {
            eprintln!("usage: hyper-peer ADDR WORKERS [--tls CERT KEY] [--congestion NAME]: {err}");
            std::process::exit(2);
        }
    };
    let runtime = if opts.workers <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(opts.workers)
            .enable_all()
            .build()
    };
    runtime.expect("runtime").block_on(serve(opts));
}
