//! Translation between the core's message heads and `http` types. Only
//! representation changes here; the core has already enforced the
//! protocol's rules on what arrived.

use bytes::Bytes;
use h2kit_proto::h2::RequestHead;
use h2kit_proto::hpack::HeaderField;
use http::header::{HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, Method, Request, Uri, Version};

/// Why a request the core accepted cannot be represented as `http` types
/// (the `http` crate is stricter in places, e.g. about URI characters).
#[derive(Debug)]
pub(crate) struct Unrepresentable(pub &'static str);

/// The `:authority` and `:path` of a connection's requests often repeat
/// (one host; an API or gRPC method called again and again): each is
/// parsed once, then shared while it stays the same.
#[derive(Default)]
pub(crate) struct UriCache {
    authority: LastParsed<Authority>,
    path: LastParsed<PathAndQuery>,
}

impl UriCache {
    /// `raw` as an `Authority`, from the cache when it is the last one seen.
    pub fn authority(&mut self, raw: Bytes) -> Result<Authority, Unrepresentable> {
        self.authority
            .get_or_parse(raw, Authority::from_maybe_shared)
            .map_err(|_| Unrepresentable("invalid :authority"))
    }

    /// `raw` as a `PathAndQuery`, from the cache when it is the last one
    /// seen.
    pub fn path(&mut self, raw: Bytes) -> Result<PathAndQuery, Unrepresentable> {
        self.path
            .get_or_parse(raw, PathAndQuery::from_maybe_shared)
            .map_err(|_| Unrepresentable("invalid :path"))
    }
}

/// The last value parsed and the bytes it came from. Clones of the `http`
/// URI parts share their bytes, so an answer from here costs a comparison
/// and a reference count.
struct LastParsed<T>(Option<(Bytes, T)>);

impl<T> Default for LastParsed<T> {
    fn default() -> Self {
        LastParsed(None)
    }
}

impl<T: Clone> LastParsed<T> {
    fn get_or_parse<E>(
        &mut self,
        raw: Bytes,
        parse: impl FnOnce(Bytes) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some((seen, parsed)) = &self.0 {
            if *seen == raw {
                return Ok(parsed.clone());
            }
        }
        let parsed = parse(raw.clone())?;
        self.0 = Some((raw, parsed.clone()));
        Ok(parsed)
    }
}

/// Builds an `http::Request` head from a decoded HTTP/2 request, taking
/// its parts out of `head` (whose allocations the core can reuse). The
/// header fields go into `spare`, an empty map whose allocation is reused
/// (see [`SpareHeaders`]).
pub(crate) fn request<B>(
    head: &mut RequestHead,
    body: B,
    uris: &mut UriCache,
    spare: HeaderMap,
) -> Result<Request<B>, Unrepresentable> {
    let method = Method::from_bytes(&head.method)
        .map_err(|_| Unrepresentable("method not representable"))?;
    let mut parts = http::uri::Parts::default();
    if let Some(scheme) = head.scheme.take() {
        parts.scheme =
            Some(Scheme::try_from(&scheme[..]).map_err(|_| Unrepresentable("invalid :scheme"))?);
    }
    if let Some(authority) = head.authority.take() {
        parts.authority = Some(uris.authority(authority)?);
    }
    if let Some(path) = head.path.take() {
        parts.path_and_query = Some(uris.path(path)?);
    }
    // `Uri` requires an authority alongside a scheme; a request without
    // :authority (allowed by RFC 9113 §8.3.1) keeps just the path.
    if parts.authority.is_none() {
        parts.scheme = None;
    }
    let uri = Uri::from_parts(parts).map_err(|_| Unrepresentable("invalid request target"))?;
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_2;
    *request.headers_mut() = fill_header_map(spare, head.fields.drain(..))?;
    Ok(request)
}

/// Header fields (or trailers) as a `HeaderMap`, without copying values.
pub(crate) fn header_map(
    fields: impl ExactSizeIterator<Item = HeaderField>,
) -> Result<HeaderMap, Unrepresentable> {
    fill_header_map(HeaderMap::new(), fields)
}

/// Adds `fields` to `map`, which is empty.
fn fill_header_map(
    mut map: HeaderMap,
    fields: impl ExactSizeIterator<Item = HeaderField>,
) -> Result<HeaderMap, Unrepresentable> {
    map.reserve(fields.len());
    for field in fields {
        let name = HeaderName::from_bytes(&field.name)
            .map_err(|_| Unrepresentable("header name not representable"))?;
        let mut value = HeaderValue::from_maybe_shared(field.value)
            .map_err(|_| Unrepresentable("header value not representable"))?;
        value.set_sensitive(field.never_indexed);
        map.append(name, value);
    }
    Ok(map)
}

/// The header map of a response the connection has sent, emptied and
/// kept for the next request: a map costs two allocations to build and two
/// to free, and a response's map comes back to the connection while the
/// request's goes to the handler, so passing one on halves that.
#[derive(Default)]
pub(crate) struct SpareHeaders(Option<HeaderMap>);

impl SpareHeaders {
    /// A map that holds more than this many fields is let go: one
    /// connection's unusual response must not pin its memory.
    const MAX_KEPT_CAPACITY: usize = 64;

    /// An empty map, with room from an earlier response when there is one.
    pub fn take(&mut self) -> HeaderMap {
        self.0.take().unwrap_or_default()
    }

    /// Keeps `map`, emptied, for the next [`take`](Self::take).
    pub fn keep(&mut self, mut map: HeaderMap) {
        if map.capacity() <= Self::MAX_KEPT_CAPACITY {
            map.clear();
            self.0 = Some(map);
        }
    }
}

/// True for the fields HTTP/2 forbids (RFC 9113 §8.2.2): HTTP/1 connection
/// management that has no meaning on a multiplexed stream. A handler
/// written for any protocol may set them; on HTTP/2 they are left out.
pub(crate) fn is_connection_specific(name: &HeaderName) -> bool {
    use http::header::{CONNECTION, TRANSFER_ENCODING, UPGRADE};
    name == CONNECTION
        || name == TRANSFER_ENCODING
        || name == UPGRADE
        || name.as_str() == "keep-alive"
        || name.as_str() == "proxy-connection"
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn head(path: &'static str) -> RequestHead {
        RequestHead {
            method: Bytes::from_static(b"GET"),
            scheme: Some(Bytes::from_static(b"https")),
            authority: Some(Bytes::from_static(b"example.com:8443")),
            path: Some(Bytes::from_static(path.as_bytes())),
            protocol: None,
            fields: vec![
                HeaderField::new("accept", "*/*"),
                HeaderField {
                    name: Bytes::from_static(b"authorization"),
                    value: Bytes::from_static(b"secret"),
                    never_indexed: true,
                },
            ],
        }
    }

    #[test]
    fn a_request_head_becomes_an_http_request() {
        let req = request(
            &mut head("/a/b?c=d"),
            (),
            &mut UriCache::default(),
            HeaderMap::new(),
        )
        .unwrap();
        assert_eq!(req.method(), Method::GET);
        assert_eq!(req.uri(), "https://example.com:8443/a/b?c=d");
        assert_eq!(req.version(), Version::HTTP_2);
        assert_eq!(req.headers()["accept"], "*/*");
        assert!(req.headers()["authorization"].is_sensitive());
    }

    #[test]
    fn a_request_without_authority_keeps_its_path() {
        let mut h = head("/x");
        h.authority = None;
        let req = request(&mut h, (), &mut UriCache::default(), HeaderMap::new()).unwrap();
        assert_eq!(req.uri(), "/x");
    }

    #[test]
    fn the_uri_cache_answers_for_the_last_authority_only() {
        let mut cache = UriCache::default();
        let a = cache
            .authority(Bytes::from_static(b"a.example:8443"))
            .unwrap();
        assert_eq!(a.as_str(), "a.example:8443");
        let again = cache
            .authority(Bytes::from_static(b"a.example:8443"))
            .unwrap();
        assert_eq!(again, a);
        let b = cache.authority(Bytes::from_static(b"b.example")).unwrap();
        assert_eq!(b.as_str(), "b.example");
        assert!(cache.authority(Bytes::from_static(b"bad host")).is_err());
        assert_eq!(
            cache.authority(Bytes::from_static(b"b.example")).unwrap(),
            b
        );
    }

    #[test]
    fn the_uri_cache_answers_for_the_last_path_only() {
        let mut cache = UriCache::default();
        let a = cache.path(Bytes::from_static(b"/a?x=1")).unwrap();
        assert_eq!((a.path(), a.query()), ("/a", Some("x=1")));
        assert_eq!(cache.path(Bytes::from_static(b"/a?x=1")).unwrap(), a);
        let b = cache.path(Bytes::from_static(b"/b")).unwrap();
        assert_eq!((b.path(), b.query()), ("/b", None));
        // A path `http` refuses is refused every time, cached or not.
        assert!(cache.path(Bytes::from_static(b"/bad\x7f")).is_err());
        assert!(cache.path(Bytes::from_static(b"/bad\x7f")).is_err());
        assert_eq!(cache.path(Bytes::from_static(b"/b")).unwrap(), b);
    }

    #[test]
    fn a_request_built_on_a_spare_map_holds_only_its_own_fields() {
        let mut spare = SpareHeaders::default();
        let mut sent = HeaderMap::new();
        sent.insert("x-response", HeaderValue::from_static("1"));
        let room = sent.capacity();
        spare.keep(sent);
        let map = spare.take();
        assert!(map.is_empty());
        assert_eq!(map.capacity(), room, "the allocation is passed on");
        let req = request(&mut head("/"), (), &mut UriCache::default(), map).unwrap();
        assert_eq!(req.headers().len(), 2);
        assert!(!req.headers().contains_key("x-response"));
        assert_eq!(spare.take().capacity(), 0, "a spare map is handed out once");
    }

    #[test]
    fn a_spare_map_too_large_is_let_go() {
        let mut spare = SpareHeaders::default();
        spare.keep(HeaderMap::with_capacity(
            SpareHeaders::MAX_KEPT_CAPACITY + 1,
        ));
        assert_eq!(spare.take().capacity(), 0);
    }

    #[test]
    fn connection_specific_fields_are_recognised() {
        assert!(is_connection_specific(&http::header::CONNECTION));
        assert!(is_connection_specific(&HeaderName::from_static(
            "keep-alive"
        )));
        assert!(!is_connection_specific(&http::header::CONTENT_TYPE));
    }
}
