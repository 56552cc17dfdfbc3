//! Static files from a directory: content types, `index.html`, `HEAD`,
//! conditional requests (`If-None-Match`, `If-Modified-Since` → 304),
//! single byte ranges (→ 206, or 416), and no way out of the directory.

use h2kit::httpdate;
use h2kit::{Body, Handler};
use http::header::{
    ACCEPT_RANGES, ALLOW, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, IF_RANGE, LAST_MODIFIED, RANGE,
};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Serves the files under one directory.
pub struct StaticFiles {
    root: PathBuf,
}

impl StaticFiles {
    /// Serves `root`, which must be a directory.
    pub fn new(root: &Path) -> io::Result<StaticFiles> {
        let root = root.canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(StaticFiles { root })
    }

    /// The file a request path names, if it is inside the root.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let decoded = percent_decode(path)?;
        let mut relative = PathBuf::new();
        for component in Path::new(&decoded).components() {
            match component {
                Component::Normal(part) => relative.push(part),
                Component::RootDir | Component::CurDir => {}
                // `..` or a drive prefix: never walk up.
                Component::ParentDir | Component::Prefix(_) => return None,
            }
        }
        let mut full = self.root.join(relative);
        if full.is_dir() {
            full.push("index.html");
        }
        // Symbolic links must not lead out either.
        let real = full.canonicalize().ok()?;
        real.starts_with(&self.root).then_some(real)
    }
}

impl Handler for StaticFiles {
    fn call(&self, req: Request<Body>) -> Response<Body> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let mut r = status(StatusCode::METHOD_NOT_ALLOWED);
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
        let Some(path) = self.resolve(req.uri().path()) else {
            return status(StatusCode::NOT_FOUND);
        };
        match serve_file(&path, req.headers()) {
            Ok(response) => response,
            Err(err) if err.kind() == io::ErrorKind::NotFound => status(StatusCode::NOT_FOUND),
            Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
                status(StatusCode::FORBIDDEN)
            }
            Err(err) => {
                tracing::warn!(%err, path = %path.display(), "cannot serve file");
                status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

fn serve_file(path: &Path, headers: &HeaderMap) -> io::Result<Response<Body>> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::ErrorKind::NotFound.into());
    }
    let len = meta.len();
    let etag = etag(&meta);
    let modified = modified_secs(&meta);
    let mut common = HeaderMap::new();
    common.insert(ETAG, header(&etag));
    if let Some(secs) = modified {
        let time = UNIX_EPOCH + std::time::Duration::from_secs(secs);
        common.insert(LAST_MODIFIED, header(&httpdate::format(time)));
    }
    common.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if not_modified(headers, &etag, modified) {
        let mut r = status(StatusCode::NOT_MODIFIED);
        r.headers_mut().extend(common);
        return Ok(r);
    }
    common.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    let range = match headers.get(RANGE).and_then(|v| v.to_str().ok()) {
        Some(spec) if if_range_holds(headers, &etag) => parse_range(spec, len),
        _ => RangeRequest::Whole,
    };
    let (code, start, count) = match range {
        RangeRequest::Whole => (StatusCode::OK, 0, len),
        RangeRequest::Part(start, end) => {
            common.insert(CONTENT_RANGE, header(&format!("bytes {start}-{end}/{len}")));
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        RangeRequest::Unsatisfiable => {
            let mut r = status(StatusCode::RANGE_NOT_SATISFIABLE);
            r.headers_mut()
                .insert(CONTENT_RANGE, header(&format!("bytes */{len}")));
            return Ok(r);
        }
    };
    common.insert(CONTENT_LENGTH, header(&count.to_string()));
    if start > 0 {
        file.seek(SeekFrom::Start(start))?;
    }
    let mut response = Response::new(Body::from_reader(file.take(count)));
    *response.status_mut() = code;
    *response.headers_mut() = common;
    Ok(response)
}

/// RFC 9110 §13.1.2: If-None-Match decides when present; otherwise
/// If-Modified-Since (§13.1.3).
fn not_modified(headers: &HeaderMap, etag: &str, modified: Option<u64>) -> bool {
    if let Some(value) = headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        let value = value.trim();
        // Weak comparison (§8.8.3.2): W/ prefixes do not matter.
        let bare = etag.trim_start_matches("W/");
        return value == "*"
            || value
                .split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == bare);
    }
    match (
        headers
            .get(IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(httpdate::parse),
        modified,
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// RFC 9110 §13.1.5: a Range applies only if If-Range (when present)
/// still names the current representation (strong comparison).
fn if_range_holds(headers: &HeaderMap, etag: &str) -> bool {
    match headers.get(IF_RANGE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(value) => value.trim() == etag,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    Whole,
    /// First and last byte, inclusive.
    Part(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range (RFC 9110 §14.1.2). Several ranges, or a syntax this
/// does not know, get the whole file, which §14.2 allows ("A server MAY
/// ignore the Range header field").
fn parse_range(spec: &str, len: u64) -> RangeRequest {
    let Some(set) = spec.trim().strip_prefix("bytes=") else {
        return RangeRequest::Whole;
    };
    if set.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = set.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || len == 0 {
                RangeRequest::Unsatisfiable
            } else {
                RangeRequest::Part(len.saturating_sub(suffix), len - 1)
            }
        }
        (false, Some(start), last) if last.is_some() || last_is_empty(last, set) => {
            if start >= len {
                return RangeRequest::Unsatisfiable;
            }
            let end = last.map_or(len - 1, |l| l.min(len - 1));
            if end < start {
                return RangeRequest::Whole; // invalid range-spec: ignore
            }
            RangeRequest::Part(start, end)
        }
        _ => RangeRequest::Whole,
    }
}

fn last_is_empty(last: Option<u64>, set: &str) -> bool {
    last.is_none() && set.trim().ends_with('-')
}

fn etag(meta: &Metadata) -> String {
    let nanos = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("\"{:x}-{:x}\"", meta.len(), nanos)
}

fn modified_secs(meta: &Metadata) -> Option<u64> {
    meta.modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("wasm") => "application/wasm",
        Some("pdf") => "application/pdf",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("mp4") => "video/mp4",
        Some("gz") => "application/gzip",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Decodes `%XX` escapes; `None` for bad escapes, NUL, or invalid UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let value = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(value);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    if out.contains(&0) || out.contains(&b'\\') {
        return None;
    }
    String::from_utf8(out).ok()
}

fn header(s: &str) -> HeaderValue {
    // Only called with ASCII we built ourselves.
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn status(code: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = code;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A directory with a few files, removed at the end.
    struct Site {
        dir: PathBuf,
        files: StaticFiles,
    }

    impl Site {
        fn new(name: &str) -> Site {
            let dir =
                std::env::temp_dir().join(format!("h2kit-files-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("www/sub")).unwrap();
            std::fs::write(dir.join("www/index.html"), "<h1>home</h1>").unwrap();
            std::fs::write(dir.join("www/sub/data.json"), "{}").unwrap();
            let mut f = File::create(dir.join("www/digits.txt")).unwrap();
            f.write_all(b"0123456789").unwrap();
            std::fs::write(dir.join("secret.txt"), "outside").unwrap();
            let files = StaticFiles::new(&dir.join("www")).unwrap();
            Site { dir, files }
        }

        fn get(&self, path: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
            self.request("GET", path, headers)
        }

        fn request(
            &self,
            method: &str,
            path: &str,
            headers: &[(&str, &str)],
        ) -> (StatusCode, HeaderMap, Vec<u8>) {
            let mut req = Request::builder().method(method).uri(path);
            for (n, v) in headers {
                req = req.header(*n, *v);
            }
            let (parts, body) = self
                .files
                .call(req.body(Body::empty()).unwrap())
                .into_parts();
            let body = body.collect(1 << 20).unwrap().to_vec();
            (parts.status, parts.headers, body)
        }
    }

    impl Drop for Site {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    #[test]
    fn files_come_with_their_content_type_and_length() {
        let site = Site::new("types");
        let (status, headers, body) = site.get("/sub/data.json", &[]);
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_TYPE], "application/json");
        assert_eq!(headers[CONTENT_LENGTH], "2");
        assert_eq!(body, b"{}");
    }

    #[test]
    fn a_directory_serves_its_index_html() {
        let site = Site::new("index");
        let (status, headers, body) = site.get("/", &[]);
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(body, b"<h1>home</h1>");
    }

    #[test]
    fn no_path_leads_outside_the_directory() {
        let site = Site::new("escape");
        for path in [
            "/../secret.txt",
            "/sub/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/sub/%2E%2E/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/%00",
        ] {
            assert_eq!(site.get(path, &[]).0, 404, "{path}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(site.dir.join("secret.txt"), site.dir.join("www/link"))
                .unwrap();
            assert_eq!(site.get("/link", &[]).0, 404, "a symlink out is refused");
        }
    }

    #[test]
    fn rfc9110_9_3_2_head_has_the_headers_of_get() {
        let site = Site::new("head");
        let (status, headers, _) = site.request("HEAD", "/digits.txt", &[]);
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_LENGTH], "10");
        assert_eq!(site.request("POST", "/digits.txt", &[]).0, 405);
    }

    #[test]
    fn rfc9110_13_1_2_if_none_match_with_the_etag_is_304() {
        let site = Site::new("etag");
        let (_, headers, _) = site.get("/digits.txt", &[]);
        let etag = headers[ETAG].to_str().unwrap().to_owned();
        let (status, headers, body) = site.get("/digits.txt", &[("if-none-match", &etag)]);
        assert_eq!(status, 304);
        assert_eq!(headers[ETAG], etag.as_str());
        assert!(body.is_empty());
        let (status, ..) = site.get("/digits.txt", &[("if-none-match", "\"other\"")]);
        assert_eq!(status, 200);
    }

    #[test]
    fn rfc9110_13_1_3_if_modified_since_the_last_change_is_304() {
        let site = Site::new("ims");
        let (_, headers, _) = site.get("/digits.txt", &[]);
        let last = headers[LAST_MODIFIED].to_str().unwrap().to_owned();
        assert_eq!(
            site.get("/digits.txt", &[("if-modified-since", &last)]).0,
            304
        );
        let old = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(
            site.get("/digits.txt", &[("if-modified-since", old)]).0,
            200
        );
    }

    #[test]
    fn rfc9110_14_2_a_byte_range_is_206_with_content_range() {
        let site = Site::new("range");
        let (status, headers, body) = site.get("/digits.txt", &[("range", "bytes=2-5")]);
        assert_eq!(status, 206);
        assert_eq!(headers[CONTENT_RANGE], "bytes 2-5/10");
        assert_eq!(body, b"2345");
        let (_, _, body) = site.get("/digits.txt", &[("range", "bytes=7-")]);
        assert_eq!(body, b"789");
        let (_, headers, body) = site.get("/digits.txt", &[("range", "bytes=-3")]);
        assert_eq!(headers[CONTENT_RANGE], "bytes 7-9/10");
        assert_eq!(body, b"789");
        let (_, _, body) = site.get("/digits.txt", &[("range", "bytes=8-100")]);
        assert_eq!(body, b"89");
    }

    #[test]
    fn rfc9110_15_5_17_a_range_past_the_end_is_416() {
        let site = Site::new("416");
        let (status, headers, _) = site.get("/digits.txt", &[("range", "bytes=10-")]);
        assert_eq!(status, 416);
        assert_eq!(headers[CONTENT_RANGE], "bytes */10");
    }

    #[test]
    fn rfc9110_13_1_5_a_stale_if_range_gets_the_whole_file() {
        let site = Site::new("ifrange");
        let (status, _, body) = site.get(
            "/digits.txt",
            &[("range", "bytes=0-0"), ("if-range", "\"stale\"")],
        );
        assert_eq!(status, 200);
        assert_eq!(body.len(), 10);
    }

    #[test]
    fn range_specs_are_parsed_strictly() {
        assert_eq!(parse_range("bytes=0-0", 5), RangeRequest::Part(0, 0));
        assert_eq!(parse_range("bytes=0-1,3-4", 5), RangeRequest::Whole);
        assert_eq!(parse_range("bytes=3-1", 5), RangeRequest::Whole);
        assert_eq!(parse_range("items=0-1", 5), RangeRequest::Whole);
        assert_eq!(parse_range("bytes=-0", 5), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=x-1", 5), RangeRequest::Whole);
        assert_eq!(parse_range("bytes=-", 5), RangeRequest::Whole);
    }

    #[test]
    fn missing_files_are_404() {
        let site = Site::new("404");
        assert_eq!(site.get("/nope.txt", &[]).0, 404);
    }
}
