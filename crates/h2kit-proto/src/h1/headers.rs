//! An owned header map for convenience: lower-cased names, repeated fields
//! combined as RFC 9110 §5.3 says, `set-cookie` kept as a list.

use std::collections::HashMap;

use super::borrowed::Header;

/// Owned field values by lower-cased name, in first-seen order.
///
/// A field that appears more than once is combined into one value, the
/// line values joined by `", "` in order (RFC 9110 §5.3). `Set-Cookie` is the
/// exception the RFC names: its values cannot be combined, so each is kept.
///
/// ```
/// use h2kit_proto::h1::HeaderMap;
/// let mut map = HeaderMap::new();
/// map.append(b"Accept", b"text/html");
/// map.append(b"accept", b"*/*");
/// map.append(b"Set-Cookie", b"a=1; Path=/");
/// map.append(b"Set-Cookie", b"b=2");
/// assert_eq!(map.get("ACCEPT"), Some(&b"text/html, */*"[..]));
/// assert_eq!(map.get_all("set-cookie").len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    entries: Vec<(String, Vec<Vec<u8>>)>,
    index: HashMap<String, usize>,
}

fn lower(name: &[u8]) -> String {
    name.iter()
        .map(|&b| char::from(b.to_ascii_lowercase()))
        .collect()
}

impl HeaderMap {
    /// An empty map.
    pub fn new() -> Self {
        HeaderMap::default()
    }

    /// Adds one field line.
    pub fn append(&mut self, name: &[u8], value: &[u8]) {
        let name = lower(name);
        match self.index.get(&name) {
            Some(&i) => {
                let values = &mut self.entries[i].1;
                match values.last_mut() {
                    Some(last) if name != "set-cookie" => {
                        last.extend_from_slice(b", ");
                        last.extend_from_slice(value);
                    }
                    _ => values.push(value.to_vec()),
                }
            }
            None => {
                self.index.insert(name.clone(), self.entries.len());
                self.entries.push((name, vec![value.to_vec()]));
            }
        }
    }

    /// The (combined) value of `name`, any case; for `set-cookie`, the first.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.get_all(name).first().map(Vec::as_slice)
    }

    /// Every value of `name`: one combined value, or each `set-cookie`.
    pub fn get_all(&self, name: &str) -> &[Vec<u8>] {
        match self.index.get(&lower(name.as_bytes())) {
            Some(&i) => &self.entries[i].1,
            None => &[],
        }
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(&lower(name.as_bytes()))
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every (name, value) pair, names lower case, in first-seen order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries
            .iter()
            .flat_map(|(n, vs)| vs.iter().map(move |v| (n.as_str(), v.as_slice())))
    }
}

impl<'a, 'b> FromIterator<&'a Header<'b>> for HeaderMap
where
    'b: 'a,
{
    fn from_iter<I: IntoIterator<Item = &'a Header<'b>>>(iter: I) -> Self {
        let mut map = HeaderMap::new();
        for h in iter {
            map.append(h.name, h.value);
        }
        map
    }
}

impl<'n, 'v> FromIterator<(&'n [u8], &'v [u8])> for HeaderMap {
    fn from_iter<I: IntoIterator<Item = (&'n [u8], &'v [u8])>>(iter: I) -> Self {
        let mut map = HeaderMap::new();
        for (n, v) in iter {
            map.append(n, v);
        }
        map
    }
}
