//! Translation between the core's message heads and `http` types. Only
//! representation changes here; the core has already enforced the
//! protocol's rules on what arrived.

use bytes::Bytes;
use h2kit_proto::h2::RequestHead;
use h2kit_proto::hpack::HeaderField;
use http::header::{HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, Method, Request, Uri, Version};
use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Why a request the core accepted cannot be represented as `http` types
/// (the `http` crate is stricter in places, e.g. about URI characters).
#[derive(Debug)]
pub(crate) struct Unrepresentable(pub &'static str);

/// The `:authority` and `:path` of a connection's requests often repeat
/// (one host; an API or gRPC method called again and again): each is
/// parsed once, then shared while it stays the same.
#[derive(Default)]
struct UriCache {
    authority: LastParsed<Authority>,
    path: LastParsed<PathAndQuery>,
}

impl UriCache {
    /// `raw` as an `Authority`, from the cache when it is the last one seen.
    fn authority(&mut self, raw: Bytes) -> Result<Authority, Unrepresentable> {
        self.authority
            .get_or_parse(raw, Authority::from_maybe_shared)
            .map_err(|_| Unrepresentable("invalid :authority"))
    }

    /// `raw` as a `PathAndQuery`, from the cache when it is the last one
    /// seen.
    fn path(&mut self, raw: Bytes) -> Result<PathAndQuery, Unrepresentable> {
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

/// What a connection remembers to turn its requests into `http` types
/// cheaply: the last URI parts, the header names seen, and an emptied
/// header map to fill.
#[derive(Default)]
pub(crate) struct Converter {
    uris: UriCache,
    names: NameCache,
    spare: SpareHeaders,
}

impl Converter {
    /// Builds an `http::Request` head from a decoded HTTP/2 request,
    /// taking its parts out of `head` (whose allocations the core can
    /// reuse).
    pub fn request<B>(
        &mut self,
        head: &mut RequestHead,
        body: B,
    ) -> Result<Request<B>, Unrepresentable> {
        let method = Method::from_bytes(&head.method)
            .map_err(|_| Unrepresentable("method not representable"))?;
        let mut parts = http::uri::Parts::default();
        if let Some(scheme) = head.scheme.take() {
            parts.scheme = Some(
                Scheme::try_from(&scheme[..]).map_err(|_| Unrepresentable("invalid :scheme"))?,
            );
        }
        if let Some(authority) = head.authority.take() {
            parts.authority = Some(self.uris.authority(authority)?);
        }
        if let Some(path) = head.path.take() {
            parts.path_and_query = Some(self.uris.path(path)?);
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
        let map = self.spare.take();
        *request.headers_mut() = self.fill(map, head.fields.drain(..), FieldList::Request)?;
        Ok(request)
    }

    /// Header fields (trailers) as a `HeaderMap`, without copying values.
    pub fn header_map(
        &mut self,
        fields: impl ExactSizeIterator<Item = HeaderField>,
    ) -> Result<HeaderMap, Unrepresentable> {
        self.fill(HeaderMap::new(), fields, FieldList::Trailers)
    }

    /// `raw` as an `Authority` (see [`UriCache`]).
    pub fn authority(&mut self, raw: Bytes) -> Result<Authority, Unrepresentable> {
        self.uris.authority(raw)
    }

    /// Keeps a sent response's header map for the next request (see
    /// [`SpareHeaders`]).
    pub fn keep(&mut self, map: HeaderMap) {
        self.spare.keep(map);
    }

    /// Adds `fields` to `map`, which is empty.
    fn fill(
        &mut self,
        mut map: HeaderMap,
        fields: impl ExactSizeIterator<Item = HeaderField>,
        list: FieldList,
    ) -> Result<HeaderMap, Unrepresentable> {
        map.reserve(fields.len());
        for (position, field) in fields.enumerate() {
            let name = match list {
                FieldList::Request => self.names.get(position, &field.name)?,
                FieldList::Trailers => self.names.lookup(&field.name)?,
            };
            let mut value = HeaderValue::from_maybe_shared(field.value)
                .map_err(|_| Unrepresentable("header value not representable"))?;
            value.set_sensitive(field.never_indexed);
            map.append(name, value);
        }
        Ok(map)
    }
}

/// Which kind of field list [`Converter::fill`] converts.
#[derive(Clone, Copy)]
enum FieldList {
    /// A request's fields: their names are remembered by position.
    Request,
    /// Trailers: looked up by name only, so that they do not overwrite
    /// the positions of the request fields that come again next request.
    Trailers,
}

/// The header names a connection has seen. A client sends the same names
/// on every request, and each name outside `http`'s list of standard ones
/// costs an allocation (and later a free) to become a `HeaderName`; a
/// clone of a remembered one shares its bytes.
///
/// A client also sends them in the same order, so the name last seen at a
/// field's position is tried first: one comparison, where the set needs
/// a hash, a probe and the same comparison.
#[derive(Default)]
struct NameCache {
    names: HashSet<KnownName, BuildHasherDefault<NameHasher>>,
    /// The name of each position of the last request's fields.
    by_position: Vec<HeaderName>,
}

impl NameCache {
    /// Most names remembered, in the set and by position; past that the
    /// set starts again, so a peer that sends ever new names cannot make
    /// it grow (or make lookups in it slow).
    const MAX_NAMES: usize = 64;

    /// `raw`, the name of a request's `position`-th field, as a
    /// `HeaderName`.
    fn get(&mut self, position: usize, raw: &[u8]) -> Result<HeaderName, Unrepresentable> {
        if let Some(name) = self.by_position.get(position) {
            if name.as_str().as_bytes() == raw {
                return Ok(name.clone());
            }
        }
        let name = self.lookup(raw)?;
        if let Some(slot) = self.by_position.get_mut(position) {
            *slot = name.clone();
        } else if position == self.by_position.len() && position < Self::MAX_NAMES {
            self.by_position.push(name.clone());
        }
        Ok(name)
    }

    /// `raw` as a `HeaderName`, from the set when it is there.
    fn lookup(&mut self, raw: &[u8]) -> Result<HeaderName, Unrepresentable> {
        if let Some(known) = self.names.get(raw) {
            return Ok(known.0.clone());
        }
        let name = HeaderName::from_bytes(raw)
            .map_err(|_| Unrepresentable("header name not representable"))?;
        if self.names.len() >= Self::MAX_NAMES {
            self.names.clear();
        }
        self.names.insert(KnownName(name.clone()));
        Ok(name)
    }
}

/// A `HeaderName` looked up by its bytes.
#[derive(PartialEq, Eq)]
struct KnownName(HeaderName);

impl Borrow<[u8]> for KnownName {
    fn borrow(&self) -> &[u8] {
        self.0.as_str().as_bytes()
    }
}

impl Hash for KnownName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `[u8]` hashes, which `Borrow` requires.
        self.0.as_str().as_bytes().hash(state);
    }
}

/// A fast hash for short names, a word at a time. Not flood-proof on its
/// own: the cache it serves holds at most `NameCache::MAX_NAMES` names.
#[derive(Default)]
struct NameHasher(u64);

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for chunk in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = words.remainder();
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(word));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The header map of a response the connection has sent, emptied and
/// kept for the next request: a map costs two allocations to build and two
/// to free, and a response's map comes back to the connection while the
/// request's goes to the handler, so passing one on halves that.
#[derive(Default)]
struct SpareHeaders(Option<HeaderMap>);

impl SpareHeaders {
    /// A map that holds more than this many fields is let go: one
    /// connection's unusual response must not pin its memory.
    const MAX_KEPT_CAPACITY: usize = 64;

    /// An empty map, with room from an earlier response when there is one.
    fn take(&mut self) -> HeaderMap {
        self.0.take().unwrap_or_default()
    }

    /// Keeps `map`, emptied, for the next [`take`](Self::take).
    fn keep(&mut self, mut map: HeaderMap) {
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
        let req = Converter::default()
            .request(&mut head("/a/b?c=d"), ())
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
        let req = Converter::default().request(&mut h, ()).unwrap();
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
        let mut convert = Converter::default();
        let mut sent = HeaderMap::new();
        sent.insert("x-response", HeaderValue::from_static("1"));
        let room = sent.capacity();
        convert.keep(sent);
        let map = convert.spare.take();
        assert!(map.is_empty());
        assert_eq!(map.capacity(), room, "the allocation is passed on");
        convert.keep(map);
        let req = convert.request(&mut head("/"), ()).unwrap();
        assert_eq!(req.headers().len(), 2);
        assert!(!req.headers().contains_key("x-response"));
        assert!(req.headers().capacity() >= room);
        assert_eq!(convert.spare.take().capacity(), 0, "handed out once");
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
    fn the_name_cache_gives_back_the_names_it_was_given() {
        let mut names = NameCache::default();
        for round in 0..2 {
            for (position, raw) in [
                "accept",
                "x-custom",
                "sec-fetch-mode",
                "x-custom-longer-than-a-word",
            ]
            .into_iter()
            .enumerate()
            {
                let name = names.get(position, raw.as_bytes()).unwrap();
                assert_eq!(name.as_str(), raw, "round {round}");
            }
        }
        assert_eq!(names.names.len(), 4, "each name is kept once");
        assert!(names.get(0, b"Bad Name").is_err());
        assert!(names.get(0, b"").is_err());
    }

    #[test]
    fn the_name_cache_stays_bounded() {
        let mut names = NameCache::default();
        for i in 0..10 * NameCache::MAX_NAMES {
            let raw = format!("x-name-{i}");
            assert_eq!(names.get(i, raw.as_bytes()).unwrap().as_str(), raw);
            assert!(names.names.len() <= NameCache::MAX_NAMES);
            assert!(names.by_position.len() <= NameCache::MAX_NAMES);
        }
    }

    #[test]
    fn a_name_at_a_new_position_or_a_new_name_at_an_old_one_is_not_mistaken() {
        let mut names = NameCache::default();
        assert_eq!(names.get(0, b"accept").unwrap(), http::header::ACCEPT);
        assert_eq!(names.get(1, b"x-a").unwrap().as_str(), "x-a");
        // The same names, the other way round: each position's name changes.
        assert_eq!(names.get(0, b"x-a").unwrap().as_str(), "x-a");
        assert_eq!(names.get(1, b"accept").unwrap(), http::header::ACCEPT);
        assert_eq!(names.by_position[0].as_str(), "x-a");
        assert_eq!(names.by_position[1], http::header::ACCEPT);
        // A name that is a prefix of the remembered one is another name.
        assert_eq!(names.get(0, b"x-").unwrap().as_str(), "x-");
        // A position past the end and with a gap is served, not remembered.
        assert_eq!(names.get(9, b"x-far").unwrap().as_str(), "x-far");
        assert_eq!(names.by_position.len(), 2);
    }

    #[test]
    fn trailers_leave_the_names_remembered_by_position_alone() {
        let mut convert = Converter::default();
        convert.request(&mut head("/"), ()).unwrap();
        let before = convert.names.by_position.clone();
        let trailers = convert
            .header_map([HeaderField::new("x-checksum", "abc")].into_iter())
            .unwrap();
        assert_eq!(trailers["x-checksum"], "abc");
        assert_eq!(convert.names.by_position, before);
        assert_eq!(before[0], http::header::ACCEPT);
    }

    #[test]
    fn names_that_differ_past_a_word_are_told_apart() {
        let mut names = NameCache::default();
        let a = names.get(0, b"x-common-prefix-a").unwrap();
        let b = names.get(0, b"x-common-prefix-b").unwrap();
        assert_ne!(a, b);
        assert_eq!(names.get(0, b"x-common-prefix-a").unwrap(), a);
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
