//! The built-in demo site, which includes the interop contract of
//! `shared/interop/run-clients`:
//!
//! - `GET /` → 200, a short text page;
//! - `POST /echo` → 200, the request body streamed back as it arrives;
//! - `GET /large` → 200, exactly 1,048,576 bytes;
//! - `GET /headers` → 200, the request headers one per line as
//!   `name: value`;
//! - `GET /hello` → 200, the 12 bytes `hello world\n` (what the benchmark
//!   lab asks every server for);
//! - `GET /push` → 200, a small HTML page, with `/push/style.css` pushed
//!   alongside it over HTTP/2 when the client accepts pushes (try
//!   `nghttp -v http://127.0.0.1:8080/push`);
//! - `GET /bytes/{n}[?chunk=c]` → 200, exactly `n` bytes (the lab's 1 GiB
//!   single-stream transfer), streamed in chunks of `c` bytes (default and
//!   most 1 MiB), slices of one shared block pulled as the client reads
//!   (`Body::from_chunks`), so no size is ever held in memory.
//!
//! Nothing here blocks, so servers run it on their I/O threads.

use bytes::Bytes;
use h2kit::{Body, Handler, RequestExt};
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};

/// Size of the `/large` body.
pub const LARGE_LEN: usize = 1 << 20;

/// The block `/bytes/{n}` repeats: its largest and default chunk.
const BLOCK_LEN: usize = 1 << 20;

const TEXT: &str = "text/plain; charset=utf-8";

/// The demo site.
pub struct Demo {
    large: Bytes,
    block: Bytes,
}

impl Demo {
    pub fn new() -> Demo {
        Demo {
            large: Bytes::from(vec![b'a'; LARGE_LEN]),
            block: Bytes::from(vec![b'b'; BLOCK_LEN]),
        }
    }

    /// `/bytes/{n}?chunk=c`: `n` octets in `c`-octet slices of the shared
    /// block (each a reference count, not a copy), taken as the client
    /// reads.
    fn bytes(&self, n: &str, query: Option<&str>) -> Response<Body> {
        let Some((len, chunk)) = parse_bytes_request(n, query) else {
            let mut response =
                text("expected /bytes/{length}[?chunk={1..=1048576}], decimal\n".to_owned());
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return response;
        };
        let body = Body::from_chunks(slices(self.block.slice(..chunk), len));
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
        response
    }
}

/// `/bytes/` path remainder and query → (length, chunk size).
fn parse_bytes_request(n: &str, query: Option<&str>) -> Option<(u64, usize)> {
    let len = n.parse::<u64>().ok()?;
    let chunk = match query.and_then(|q| q.strip_prefix("chunk=")) {
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|c| (1..=BLOCK_LEN).contains(c))?,
        None if query.is_some() => return None,
        None => BLOCK_LEN,
    };
    Some((len, chunk))
}

/// `len` octets of `block` repeated, as slices of it.
fn slices(block: Bytes, len: u64) -> impl Iterator<Item = Bytes> + Send {
    let mut left = len;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let take = usize::try_from(left).map_or(block.len(), |l| l.min(block.len()));
        left -= take as u64;
        Some(block.slice(..take))
    })
}

impl Handler for Demo {
    fn call(&self, req: Request<Body>) -> Response<Body> {
        let method = req.method().clone();
        match (req.uri().path(), &method) {
            ("/", &Method::GET | &Method::HEAD) => text(root_page(&req)),
            ("/echo", &Method::POST | &Method::PUT) => {
                let content_type = req.headers().get(CONTENT_TYPE).cloned();
                let mut response = Response::new(req.into_body());
                if let Some(ct) = content_type {
                    response.headers_mut().insert(CONTENT_TYPE, ct);
                }
                response
            }
            ("/large", &Method::GET | &Method::HEAD) => {
                let mut response = Response::new(Body::from(self.large.clone()));
                response.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                response
            }
            ("/headers", &Method::GET | &Method::HEAD) => {
                let mut listing = String::new();
                for (name, value) in req.headers() {
                    listing.push_str(name.as_str());
                    listing.push_str(": ");
                    listing.push_str(&String::from_utf8_lossy(value.as_bytes()));
                    listing.push('\n');
                }
                text(listing)
            }
            ("/hello", &Method::GET | &Method::HEAD) => {
                let mut response = Response::new(Body::from(Bytes::from_static(b"hello world\n")));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(TEXT));
                response
            }
            ("/push", &Method::GET | &Method::HEAD) => push_page(&req),
            ("/push/style.css", &Method::GET | &Method::HEAD) => style_sheet(),
            (path, &Method::GET) if path.starts_with("/bytes/") => {
                self.bytes(&path["/bytes/".len()..], req.uri().query())
            }
            ("/" | "/large" | "/headers" | "/hello" | "/push" | "/push/style.css", _) => {
                not_allowed("GET, HEAD")
            }
            ("/echo", _) => not_allowed("POST, PUT"),
            _ => {
                let mut response = text("not found\n".to_owned());
                *response.status_mut() = StatusCode::NOT_FOUND;
                response
            }
        }
    }

    fn may_block(&self) -> bool {
        false
    }
}

/// The style sheet `/push` pushes (and serves to a client that asks).
const STYLE: &str = "body { font-family: sans-serif; color: #234; }\n";

/// `/push`: a page whose style sheet is pushed with it when the client
/// accepts pushes (HTTP/2 only; over HTTP/1.1 the browser asks for it).
fn push_page(req: &Request<Body>) -> Response<Body> {
    if let Some(pusher) = req.pusher() {
        let style = Request::get("/push/style.css").body(());
        if let Ok(pushed) = style
            .map_err(|_| ())
            .and_then(|r| pusher.push(r).map_err(|_| ()))
        {
            pushed.send(style_sheet());
        }
    }
    let mut response = Response::new(Body::from(
        "<!doctype html><link rel=stylesheet href=/push/style.css>\n<p>The style sheet came pushed.\n",
    ));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn style_sheet() -> Response<Body> {
    let mut response = Response::new(Body::from(STYLE));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/css"));
    response
}

fn root_page(req: &Request<Body>) -> String {
    let protocol = req.conn_info().map_or("?", |c| c.protocol().as_str());
    format!(
        "Hello from h2kit over {protocol}.\n\n\
         GET  /         this page\n\
         POST /echo     echoes the request body\n\
         GET  /large    1,048,576 bytes\n\
         GET  /headers  the request headers, one per line\n\
         GET  /bytes/N  exactly N bytes, streamed (?chunk=C: in C-byte chunks)\n\
         GET  /push     a page whose style sheet is pushed with it (HTTP/2)\n"
    )
}

fn text(body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(TEXT));
    response
}

fn not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = text("method not allowed\n".to_owned());
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, path: &str, body: Body) -> (StatusCode, http::HeaderMap, Bytes) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("x-interop-probe", "c0ffee")
            .body(body)
            .unwrap();
        let (parts, body) = Demo::new().call(req).into_parts();
        (parts.status, parts.headers, body.collect(4 << 20).unwrap())
    }

    #[test]
    fn root_is_text() {
        let (status, headers, body) = call("GET", "/", Body::empty());
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_TYPE], TEXT);
        assert!(body.starts_with(b"Hello from h2kit"));
    }

    #[test]
    fn large_is_exactly_one_mebibyte() {
        let (status, _, body) = call("GET", "/large", Body::empty());
        assert_eq!(status, 200);
        assert_eq!(body.len(), 1_048_576);
    }

    #[test]
    fn hello_is_the_twelve_bytes_the_lab_asks_for() {
        let (status, _, body) = call("GET", "/hello", Body::empty());
        assert_eq!(status, 200);
        assert_eq!(body, "hello world\n");
    }

    #[test]
    fn echo_returns_the_body() {
        let (status, _, body) = call("POST", "/echo", Body::from("ping"));
        assert_eq!(status, 200);
        assert_eq!(body, "ping");
    }

    #[test]
    fn headers_are_listed_one_per_line() {
        let (status, _, body) = call("GET", "/headers", Body::empty());
        assert_eq!(status, 200);
        assert_eq!(body, "x-interop-probe: c0ffee\n");
    }

    #[test]
    fn bytes_streams_exactly_the_length_asked_for() {
        for len in [0usize, 1, BLOCK_LEN, 3 * BLOCK_LEN + 7] {
            let (status, headers, body) = call("GET", &format!("/bytes/{len}"), Body::empty());
            assert_eq!(status, 200);
            assert_eq!(headers[CONTENT_LENGTH], len.to_string().as_str());
            assert_eq!(body.len(), len);
        }
        let (status, _, body) = call("GET", "/bytes/100000?chunk=4096", Body::empty());
        assert_eq!((status, body.len()), (StatusCode::OK, 100_000));
        assert_eq!(call("GET", "/bytes/lots", Body::empty()).0, 400);
        assert_eq!(call("GET", "/bytes/10?chunk=0", Body::empty()).0, 400);
        assert_eq!(call("GET", "/bytes/10?chunk=2000000", Body::empty()).0, 400);
        assert_eq!(call("GET", "/bytes/10?size=1", Body::empty()).0, 400);
    }

    #[test]
    fn push_page_and_its_style_sheet() {
        // Without HTTP/2 there is no Pusher: the page alone.
        let (status, headers, body) = call("GET", "/push", Body::empty());
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_TYPE], "text/html; charset=utf-8");
        assert!(body.starts_with(b"<!doctype html>"));
        let (status, headers, body) = call("GET", "/push/style.css", Body::empty());
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_TYPE], "text/css");
        assert_eq!(body, STYLE.as_bytes());
    }

    #[test]
    fn unknown_paths_and_methods_are_refused() {
        assert_eq!(call("GET", "/nope", Body::empty()).0, 404);
        assert_eq!(call("DELETE", "/", Body::empty()).0, 405);
        assert_eq!(call("GET", "/echo", Body::empty()).0, 405);
    }
}
