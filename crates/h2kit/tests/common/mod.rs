//! What the server integration tests share: the test site and a server
//! started on 127.0.0.1 port 0 for a dispatch model.
#![allow(dead_code)] // each test binary uses its own part

use h2kit::server::{Dispatch, Server, ServerConfig};
use h2kit::tls::TlsConfig;
use h2kit::{Body, RequestExt};
use http::{Request, Response, StatusCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub const MIB: usize = 1 << 20;
/// Every test ends within this, pass or fail.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The test site: `/` says hello, `/echo` streams the body back, `/large`
/// is 1 MiB, `/proto` names the protocol, `/slow` answers after 300 ms
/// and counts arrivals in `arrived`.
pub fn site(arrived: Arc<AtomicUsize>) -> impl Fn(Request<Body>) -> Response<Body> + Send + Sync {
    move |req: Request<Body>| match req.uri().path() {
        "/echo" => Response::new(req.into_body()),
        "/peer" => {
            let info = req.conn_info().cloned();
            let text = info.map_or("none".into(), |i| {
                format!("{} {}", i.peer_addr(), i.local_addr())
            });
            Response::new(Body::from(text))
        }
        "/large" => Response::new(Body::from(vec![b'a'; MIB])),
        "/proto" => {
            let info = req.conn_info().cloned();
            let text = match info {
                Some(info) => format!(
                    "{} {}",
                    info.protocol().as_str(),
                    info.tls().map_or("-", |t| t.version.as_str())
                ),
                None => "none".into(),
            };
            Response::new(Body::from(text))
        }
        "/push" => {
            // Pushes two resources, one answered before and one after the
            // page's own response is returned.
            let Some(pusher) = req.pusher() else {
                return Response::new(Body::from("no push"));
            };
            let first = pusher
                .push(Request::get("/pushed/1").body(()).unwrap())
                .unwrap();
            first.send(Response::new(Body::from(vec![b'p'; 100_000])));
            let second = pusher
                .push(Request::get("/pushed/2").body(()).unwrap())
                .unwrap();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                second.send(Response::new(Body::from("late push")));
            });
            Response::new(Body::from("page"))
        }
        "/push-abandoned" => {
            // Promises a push, then drops its sink unsent.
            if let Some(pusher) = req.pusher() {
                drop(
                    pusher
                        .push(Request::get("/never").body(()).unwrap())
                        .unwrap(),
                );
            }
            Response::new(Body::from("page"))
        }
        "/slow" => {
            arrived.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(300));
            Response::new(Body::from(vec![b's'; 100_000]))
        }
        "/upload-size" => {
            // Reads the body in a blocking loop without keeping it, more
            // slowly than the client sends: the client's window must be
            // reopened by these reads alone.
            let mut body = req.into_body();
            let mut n = 0;
            while let Some(chunk) = body.next_chunk() {
                match chunk {
                    Ok(c) => {
                        n += c.len();
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => return status(StatusCode::BAD_REQUEST),
                }
            }
            Response::new(Body::from(n.to_string()))
        }
        _ => Response::new(Body::from("hello\n")),
    }
}

pub fn status(code: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = code;
    r
}

pub struct TestServer {
    pub server: Server,
    pub arrived: Arc<AtomicUsize>,
    pub cert_der: Option<Vec<u8>>,
}

pub fn start(dispatch: Dispatch, tls: bool) -> TestServer {
    start_with(dispatch, tls, |_| {})
}

/// [`start`] with `tweak` applied to the configuration first.
pub fn start_with(
    dispatch: Dispatch,
    tls: bool,
    tweak: impl FnOnce(&mut ServerConfig),
) -> TestServer {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap());
    tweak(&mut config);
    config.dispatch = dispatch;
    config.workers = Some(2);
    let mut cert_der = None;
    if tls {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        cert_der = Some(certified.cert.der().to_vec());
        config.tls = Some(
            TlsConfig::from_pem(
                certified.cert.pem().as_bytes(),
                certified.key_pair.serialize_pem().as_bytes(),
            )
            .unwrap(),
        );
    }
    let arrived = Arc::new(AtomicUsize::new(0));
    let server = Server::start(config, site(arrived.clone())).unwrap();
    assert_ne!(server.local_addr().port(), 0, "the real port is reported");
    TestServer {
        server,
        arrived,
        cert_der,
    }
}

/// Bytes that are not all alike, so a misplaced chunk shows.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// A TLS client configuration that trusts `cert_der` and offers `alpn`.
pub fn tls_client_config(cert_der: &[u8], alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(cert_der.to_vec()))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// Makes one `#[test]` per dispatch model for each function named, each
/// called with its model: `tests_per_model!(a, b)` gives `single::a`,
/// `thread::a`, `event_loop::a`, `runtime::a`, and the same for `b`.
/// `tests_per_model!(for event_loop = Dispatch::EventLoop; a)` makes them
/// for the models named only.
macro_rules! tests_per_model {
    (for $($model:ident = $dispatch:expr),+; $($test:ident),* $(,)?) => {
        tests_per_model!(@models [$($model = $dispatch),+] ($($test),*));
    };
    ($($test:ident),* $(,)?) => {
        tests_per_model!(
            for single = Dispatch::Single,
            thread = Dispatch::Thread,
            event_loop = Dispatch::EventLoop,
            runtime = Dispatch::Runtime;
            $($test),*
        );
    };
    (@models [$($model:ident = $dispatch:expr),+] $tests:tt) => {
        $(tests_per_model!(@model $model, $dispatch, $tests);)+
    };
    (@model $model:ident, $dispatch:expr, ($($test:ident),*)) => {
        mod $model {
            use super::*;
            $(
                #[test]
                fn $test() {
                    super::$test($dispatch)
                }
            )*
        }
    };
}
