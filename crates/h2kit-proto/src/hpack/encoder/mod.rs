//! The HPACK encoder (RFC 7541 §3.2, §6).

mod hash;
mod table;

use super::buf::EncodeBuf;
use super::field::{FIELD_OVERHEAD, FieldRef};
use super::huffman;
use super::integer;
use super::static_table::{self, StaticMatch};
use table::EncoderTable;

/// The table size HTTP/2 starts with (SETTINGS_HEADER_TABLE_SIZE default).
const DEFAULT_TABLE_SIZE: usize = 4096;

/// Cookies shorter than this are sent never-indexed: a short value can be
/// guessed by probing the table (RFC 7541 §7.1.3).
const SHORT_COOKIE: usize = 20;

// Static-table indices of the names the encoder treats specially.
const PATH: usize = 4;
const AGE: usize = 21;
const AUTHORIZATION: usize = 23;
const CONTENT_LENGTH: usize = 28;
const COOKIE: usize = 32;
const ETAG: usize = 34;
const IF_MODIFIED_SINCE: usize = 40;
const IF_NONE_MATCH: usize = 41;
const LOCATION: usize = 46;
const PROXY_AUTHORIZATION: usize = 49;
const SET_COOKIE: usize = 55;

/// When the encoder Huffman-codes string literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HuffmanMode {
    /// When the Huffman code is shorter than the raw string (the default).
    /// A raw literal of the same length is preferred: the decoder can hand
    /// it out without copying.
    WhenShorter,
    /// Always, even when it is no shorter. RFC 7541 Appendix C.4 and C.6
    /// encode this way.
    Always,
    /// Never: every literal is sent raw.
    Never,
}

/// Encodes header lists for one connection direction.
///
/// One encoder per connection: its dynamic table mirrors the peer decoder's.
/// Blocks must be sent in the order they are encoded.
///
/// What it does with each field, in order of preference:
/// - a field in the static table, then in the dynamic table, becomes a
///   one- or two-octet index;
/// - a sensitive field becomes a literal *never indexed*: one the caller
///   marked ([`FieldRef::sensitive`], or a decoded field that came in that
///   way), `authorization`, `proxy-authorization`, a `cookie` shorter than
///   20 octets, and `set-cookie` if
///   [`set_never_index_set_cookie`](Self::set_never_index_set_cookie) is on;
/// - a field whose value changes from request to request (`:path`,
///   `content-length`, `etag`, `age`, `location`, `if-modified-since`,
///   `if-none-match`, `set-cookie`) becomes a literal without indexing, so it
///   does not push reusable entries out of the table (see
///   [`set_index_everything`](Self::set_index_everything));
/// - anything else becomes a literal with incremental indexing, unless it
///   would take more than three quarters of the table;
/// - names are sent as an index when either table has them.
///
/// ```
/// use h2kit_proto::hpack::{Encoder, FieldRef};
///
/// let mut encoder = Encoder::new();
/// let mut block = Vec::new();
/// encoder.encode(
///     [
///         FieldRef::new(b":method", b"GET"),
///         FieldRef::new(b"authorization", b"Basic dXNlcjpwYXNz"),
///     ],
///     &mut block,
/// );
/// assert_eq!(block[0], 0x82); // :method GET, static index 2
/// assert_eq!(block[1], 0x10 | 0x0f); // never indexed, name index 23 = 15 + 8
/// ```
#[derive(Debug)]
pub struct Encoder {
    table: EncoderTable,
    /// The table size the peer allows (its SETTINGS_HEADER_TABLE_SIZE).
    peer_max_table_size: u32,
    /// The largest table this encoder uses, whatever the peer allows.
    table_size_limit: u32,
    /// The table size to switch to at the next block.
    target_table_size: u32,
    /// The smallest table size since the last block, when it changed.
    pending_min_table_size: Option<u32>,
    huffman: HuffmanMode,
    index_everything: bool,
    never_index_set_cookie: bool,
    /// For each position of the previous block, the table entry (absolute
    /// number) its field was sent as or added to. Clients send the same
    /// fields in the same order request after request, so checking that
    /// entry first finds most repeats with one comparison and no hashing.
    hints: Vec<u64>,
}

/// Table sizes are SETTINGS values, 32 bits in HTTP/2; keeping them in
/// `u32` keeps the encoder small, which idle connections pay for.
fn to_u32(size: usize) -> u32 {
    u32::try_from(size).unwrap_or(u32::MAX)
}

/// A hint that points at no entry.
const NO_HINT: u64 = u64::MAX;

impl Default for Encoder {
    fn default() -> Self {
        Encoder::new()
    }
}

/// An encoder with an empty dynamic table, reduced to its settings: what a
/// parked HTTP/2 connection keeps of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EncoderLimits {
    table_max_size: u32,
    peer_max_table_size: u32,
    table_size_limit: u32,
    target_table_size: u32,
    pending_min_table_size: Option<u32>,
    huffman: HuffmanMode,
    index_everything: bool,
    never_index_set_cookie: bool,
}

impl Encoder {
    /// The encoder's settings when its table is empty; `None` when the
    /// table holds entries. The repeat hints point into the table, so an
    /// empty one has none worth keeping.
    pub(crate) fn limits_if_empty(&self) -> Option<EncoderLimits> {
        if !self.table.is_empty() {
            return None;
        }
        Some(EncoderLimits {
            table_max_size: u32::try_from(self.table.max_size()).ok()?,
            peer_max_table_size: self.peer_max_table_size,
            table_size_limit: self.table_size_limit,
            target_table_size: self.target_table_size,
            pending_min_table_size: self.pending_min_table_size,
            huffman: self.huffman,
            index_everything: self.index_everything,
            never_index_set_cookie: self.never_index_set_cookie,
        })
    }

    /// The encoder [`limits_if_empty`](Self::limits_if_empty) described.
    pub(crate) fn from_limits(limits: EncoderLimits) -> Encoder {
        Encoder {
            table: EncoderTable::new(limits.table_max_size as usize),
            peer_max_table_size: limits.peer_max_table_size,
            table_size_limit: limits.table_size_limit,
            target_table_size: limits.target_table_size,
            pending_min_table_size: limits.pending_min_table_size,
            huffman: limits.huffman,
            index_everything: limits.index_everything,
            never_index_set_cookie: limits.never_index_set_cookie,
            hints: Vec::new(),
        }
    }

    /// An encoder with HTTP/2's initial table size, 4,096 octets, which is
    /// also its default limit (see
    /// [`set_table_size_limit`](Self::set_table_size_limit)).
    pub fn new() -> Self {
        Encoder::with_table_size(DEFAULT_TABLE_SIZE)
    }

    /// An encoder whose peer starts with a table of `size` octets, without
    /// announcing it: for protocols or tests that agree on another initial
    /// size than HTTP/2's (RFC 7541 Appendix C.5 uses 256). The limit is
    /// the larger of `size` and 4,096.
    pub fn with_table_size(size: usize) -> Self {
        Encoder {
            table: EncoderTable::new(size),
            peer_max_table_size: to_u32(size),
            table_size_limit: to_u32(size.max(DEFAULT_TABLE_SIZE)),
            target_table_size: to_u32(size),
            pending_min_table_size: None,
            huffman: HuffmanMode::WhenShorter,
            index_everything: false,
            never_index_set_cookie: false,
            hints: Vec::new(),
        }
    }

    /// Sets the table size the peer allows: its SETTINGS_HEADER_TABLE_SIZE,
    /// on receipt.
    ///
    /// The encoder uses the smaller of this and its own limit, and announces
    /// a change with dynamic table size updates at the start of the next
    /// block (RFC 7541 §4.2): if the size went down and back up between two
    /// blocks, both the smallest and the final size are sent.
    pub fn set_max_table_size(&mut self, max: usize) {
        let max = to_u32(max);
        self.peer_max_table_size = max;
        let size = max.min(self.table_size_limit);
        let smallest = self
            .pending_min_table_size
            .unwrap_or(to_u32(self.table.max_size()));
        self.pending_min_table_size = Some(smallest.min(size));
        self.target_table_size = size;
    }

    /// Caps the dynamic table this encoder uses, whatever the peer allows:
    /// the table costs about that much memory. The default is 4,096; a
    /// lower value is announced at the start of the next block.
    pub fn set_table_size_limit(&mut self, limit: usize) {
        self.table_size_limit = to_u32(limit);
        self.set_max_table_size(self.peer_max_table_size as usize);
    }

    /// Chooses when string literals are Huffman-coded.
    pub fn set_huffman(&mut self, mode: HuffmanMode) {
        self.huffman = mode;
    }

    /// When on, every field that is not sensitive is indexed if it fits,
    /// including the volatile ones (`:path`, `date`-like values, ...) that
    /// are otherwise sent without indexing. RFC 7541 Appendix C encodes this
    /// way. Off by default.
    pub fn set_index_everything(&mut self, on: bool) {
        self.index_everything = on;
    }

    /// When on, `set-cookie` fields are sent never-indexed. Off by default.
    pub fn set_never_index_set_cookie(&mut self, on: bool) {
        self.never_index_set_cookie = on;
        // An entry added while it was off must not be referred to now.
        self.hints.clear();
    }

    /// The current size of the dynamic table (name + value + 32 per entry).
    pub fn dynamic_table_size(&self) -> usize {
        self.table.size()
    }

    /// The maximum size of the dynamic table, as last announced or about
    /// to be announced.
    pub fn dynamic_table_max_size(&self) -> usize {
        self.target_table_size as usize
    }

    /// The dynamic table's entries, newest first.
    pub fn dynamic_table_entries(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.table.iter()
    }

    /// Encodes one header list as a header block, appended to `dst`.
    ///
    /// Takes anything that converts to [`FieldRef`]: `(&str, &str)`,
    /// `(&[u8], &[u8])`, `&HeaderField` (keeping its never-indexed mark) or
    /// `FieldRef` itself.
    pub fn encode<'a, I>(&mut self, fields: I, dst: &mut impl EncodeBuf)
    where
        I: IntoIterator,
        I::Item: Into<FieldRef<'a>>,
    {
        self.encode_size_updates(dst);
        if self.hints.capacity() == 0 {
            self.hints.reserve(32);
        }
        let mut position = 0;
        for field in fields {
            let entry = self.encode_field(position, field.into(), dst);
            match self.hints.get_mut(position) {
                Some(hint) => *hint = entry,
                None => self.hints.push(entry),
            }
            position += 1;
        }
        self.hints.truncate(position);
    }

    /// Emits the pending dynamic table size updates (§6.3).
    fn encode_size_updates(&mut self, dst: &mut impl EncodeBuf) {
        let Some(smallest) = self.pending_min_table_size.take() else {
            return;
        };
        let smallest = smallest as usize;
        let announced = self.table.max_size();
        let target = self.target_table_size as usize;
        if smallest < announced && smallest < target {
            integer::encode(smallest, 5, 0x20, dst);
            self.table.set_max_size(smallest);
        }
        if target != self.table.max_size() || smallest < announced {
            integer::encode(target, 5, 0x20, dst);
            self.table.set_max_size(target);
        }
    }

    /// Encodes one field, the `position`-th of its block; returns the table
    /// entry it was sent as or added to, or `NO_HINT`.
    #[inline]
    fn encode_field(
        &mut self,
        position: usize,
        field: FieldRef<'_>,
        dst: &mut impl EncodeBuf,
    ) -> u64 {
        let FieldRef { name, value, .. } = field;
        // Only fields that passed every check below are ever added to the
        // table, so a field equal to the hinted entry can be indexed as is.
        if !field.sensitive {
            if let Some(&hint) = self.hints.get(position) {
                if let Some(index) = self.table.index_if_equal(hint, name, value) {
                    integer::encode(index, 7, 0x80, dst);
                    return hint;
                }
            }
        }

        let StaticMatch {
            name: static_name,
            field: static_field,
        } = static_table::lookup(name, value);
        let sensitive = field.sensitive
            || match static_name {
                AUTHORIZATION | PROXY_AUTHORIZATION => true,
                COOKIE => value.len() < SHORT_COOKIE,
                SET_COOKIE => self.never_index_set_cookie,
                _ => false,
            };
        if sensitive {
            let name_index = if static_name != 0 {
                static_name
            } else if self.table.is_empty() {
                0
            } else {
                let name_hash = hash::finish(hash::hash_bytes(0, name));
                self.table.find_name(name, name_hash).unwrap_or(0)
            };
            // §6.2.3 Literal Header Field Never Indexed: 0001xxxx.
            self.encode_literal(name_index, 4, 0x10, name, value, dst);
            return NO_HINT;
        }
        if static_field != 0 {
            // §6.1 Indexed Header Field: 1xxxxxxx.
            integer::encode(static_field, 7, 0x80, dst);
            return NO_HINT;
        }

        let volatile = matches!(
            static_name,
            PATH | AGE
                | CONTENT_LENGTH
                | ETAG
                | IF_MODIFIED_SINCE
                | IF_NONE_MATCH
                | LOCATION
                | SET_COOKIE
        );
        if volatile && !self.index_everything {
            // Never added to the table, so never found there either: no
            // hashing, straight to a literal with the static name.
            self.encode_literal(static_name, 4, 0x00, name, value, dst);
            return NO_HINT;
        }
        let name_state = hash::hash_bytes(0, name);
        let field_hash = hash::finish(hash::hash_bytes(name_state, value));
        if !self.table.is_empty() {
            if let Some((index, entry)) = self.table.find_field(name, value, field_hash) {
                integer::encode(index, 7, 0x80, dst);
                return entry;
            }
        }
        let name_hash = hash::finish(name_state);
        let name_index = if static_name != 0 || self.table.is_empty() {
            static_name
        } else {
            self.table.find_name(name, name_hash).unwrap_or(0)
        };

        let entry_size = name.len() + value.len() + FIELD_OVERHEAD;
        let worth_indexing = entry_size <= self.table.max_size() / 4 * 3;
        if worth_indexing {
            // §6.2.1 Literal Header Field with Incremental Indexing: 01xxxxxx.
            self.encode_literal(name_index, 6, 0x40, name, value, dst);
            self.table.insert(name, value, name_hash, field_hash)
        } else {
            // §6.2.2 Literal Header Field without Indexing: 0000xxxx.
            self.encode_literal(name_index, 4, 0x00, name, value, dst);
            NO_HINT
        }
    }

    /// Writes a literal representation: the pattern and name index (0 for
    /// a literal name), the name if not indexed, then the value.
    #[inline]
    fn encode_literal(
        &self,
        name_index: usize,
        prefix_bits: u32,
        pattern: u8,
        name: &[u8],
        value: &[u8],
        dst: &mut impl EncodeBuf,
    ) {
        integer::encode(name_index, prefix_bits, pattern, dst);
        if name_index == 0 {
            self.encode_string(name, dst);
        }
        self.encode_string(value, dst);
    }

    /// Writes a string literal (§5.2), Huffman-coded when that is shorter.
    #[inline]
    fn encode_string(&self, s: &[u8], dst: &mut impl EncodeBuf) {
        if self.huffman != HuffmanMode::Never {
            let encoded_len = huffman::encoded_len(s);
            if encoded_len < s.len() || self.huffman == HuffmanMode::Always {
                integer::encode(encoded_len, 7, 0x80, dst);
                huffman::encode(s, dst.extend_zeroed(encoded_len));
                return;
            }
        }
        integer::encode(s.len(), 7, 0x00, dst);
        dst.put_slice(s);
    }
}

#[cfg(test)]
mod tests;
