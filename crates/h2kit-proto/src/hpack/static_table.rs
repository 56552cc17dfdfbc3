//! The static table (RFC 7541 Appendix A) and the encoder's lookup into it.
//!
//! Indices 1 to 61 address the static table; HPACK numbers entries from 1,
//! so `STATIC_TABLE[i - 1]` is index `i`.

/// The number of entries in the static table.
pub(crate) const STATIC_LEN: usize = 61;

/// The static table, RFC 7541 Appendix A: `(name, value)` for indices 1..=61.
pub(crate) static STATIC_TABLE: [(&[u8], &[u8]); STATIC_LEN] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// What the static table offers for one header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StaticMatch {
    /// The lowest index with this name, or 0.
    pub(crate) name: usize,
    /// The index with this name and value, or 0.
    pub(crate) field: usize,
}

/// Finds a field in the static table. A `match` on the name's length, then
/// on its bytes, compiles to a few comparisons; the values are checked only
/// for the five names the table lists values for.
#[inline]
pub(crate) fn lookup(name: &[u8], value: &[u8]) -> StaticMatch {
    let index = name_index(name);
    let field = match index {
        0 => 0,
        2 => match value {
            b"GET" => 2,
            b"POST" => 3,
            _ => 0,
        },
        4 => match value {
            b"/" => 4,
            b"/index.html" => 5,
            _ => 0,
        },
        6 => match value {
            b"http" => 6,
            b"https" => 7,
            _ => 0,
        },
        8 => match value {
            b"200" => 8,
            b"204" => 9,
            b"206" => 10,
            b"304" => 11,
            b"400" => 12,
            b"404" => 13,
            b"500" => 14,
            _ => 0,
        },
        16 => match value {
            b"gzip, deflate" => 16,
            _ => 0,
        },
        _ => 0,
    };
    StaticMatch { name: index, field }
}

/// The lowest static index with this name, or 0.
#[inline]
fn name_index(name: &[u8]) -> usize {
    match name.len() {
        3 => match name {
            b"age" => 21,
            b"via" => 60,
            _ => 0,
        },
        4 => match name {
            b"date" => 33,
            b"etag" => 34,
            b"from" => 37,
            b"host" => 38,
            b"link" => 45,
            b"vary" => 59,
            _ => 0,
        },
        5 => match name {
            b":path" => 4,
            b"allow" => 22,
            b"range" => 50,
            _ => 0,
        },
        6 => match name {
            b"accept" => 19,
            b"cookie" => 32,
            b"expect" => 35,
            b"server" => 54,
            _ => 0,
        },
        7 => match name {
            b":method" => 2,
            b":scheme" => 6,
            b":status" => 8,
            b"expires" => 36,
            b"referer" => 51,
            b"refresh" => 52,
            _ => 0,
        },
        8 => match name {
            b"if-match" => 39,
            b"if-range" => 42,
            b"location" => 46,
            _ => 0,
        },
        10 => match name {
            b":authority" => 1,
            b"set-cookie" => 55,
            b"user-agent" => 58,
            _ => 0,
        },
        11 => match name {
            b"retry-after" => 53,
            _ => 0,
        },
        12 => match name {
            b"content-type" => 31,
            b"max-forwards" => 47,
            _ => 0,
        },
        13 => match name {
            b"accept-ranges" => 18,
            b"authorization" => 23,
            b"cache-control" => 24,
            b"content-range" => 30,
            b"if-none-match" => 41,
            b"last-modified" => 44,
            _ => 0,
        },
        14 => match name {
            b"accept-charset" => 15,
            b"content-length" => 28,
            _ => 0,
        },
        15 => match name {
            b"accept-encoding" => 16,
            b"accept-language" => 17,
            _ => 0,
        },
        16 => match name {
            b"content-encoding" => 26,
            b"content-language" => 27,
            b"content-location" => 29,
            b"www-authenticate" => 61,
            _ => 0,
        },
        17 => match name {
            b"if-modified-since" => 40,
            b"transfer-encoding" => 57,
            _ => 0,
        },
        18 => match name {
            b"proxy-authenticate" => 48,
            _ => 0,
        },
        19 => match name {
            b"content-disposition" => 25,
            b"if-unmodified-since" => 43,
            b"proxy-authorization" => 49,
            _ => 0,
        },
        25 => match name {
            b"strict-transport-security" => 56,
            _ => 0,
        },
        27 => match name {
            b"access-control-allow-origin" => 20,
            _ => 0,
        },
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpack::Checked;

    /// The decoder hands out static entries as [`Checked::BOTH`]: every
    /// one must pass the checks a dynamic entry gets.
    #[test]
    fn static_entries_meet_http2_character_rules() {
        for &(name, value) in STATIC_TABLE.iter() {
            assert_eq!(
                Checked::of(name, value),
                Checked::BOTH,
                "{name:?}: {value:?}"
            );
        }
    }

    #[test]
    fn rfc7541_appendix_a_lookup_agrees_with_table() {
        for (i, &(name, value)) in STATIC_TABLE.iter().enumerate() {
            let index = i + 1;
            let first_with_name = STATIC_TABLE.iter().position(|&(n, _)| n == name).unwrap() + 1;
            let found = lookup(name, value);
            assert_eq!(
                found.name,
                first_with_name,
                "{:?}",
                std::str::from_utf8(name)
            );
            if value.is_empty() {
                assert_eq!(found.field, 0, "entry {index} has no value to match");
            } else {
                assert_eq!(found.field, index, "entry {index} not matched");
            }
            let other = lookup(name, b"some other value");
            assert_eq!((other.name, other.field), (first_with_name, 0));
        }
        const NONE: StaticMatch = StaticMatch { name: 0, field: 0 };
        assert_eq!(lookup(b"x-custom", b""), NONE);
        assert_eq!(lookup(b"Accept", b""), NONE, "names are case-sensitive");
    }

    #[test]
    fn rfc7541_appendix_a_spot_checks() {
        assert_eq!(STATIC_TABLE.len(), 61);
        assert_eq!(STATIC_TABLE[0], (&b":authority"[..], &b""[..]));
        assert_eq!(
            STATIC_TABLE[15],
            (&b"accept-encoding"[..], &b"gzip, deflate"[..])
        );
        assert_eq!(STATIC_TABLE[60], (&b"www-authenticate"[..], &b""[..]));
    }
}
