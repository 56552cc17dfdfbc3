//! The decoder's dynamic table (RFC 7541 §2.3.2, §4).
//!
//! Entries are kept newest first, so HPACK index 62 is `entries[0]`. Their
//! bytes are shared [`Bytes`], handed out to decoded fields by reference
//! count. Names taken from the static table stay static (handing them out
//! costs nothing, not even a reference count); copied names and
//! values are written into an arena of chunks, so inserting an entry does not
//! allocate: because entries are evicted oldest first, the live entries
//! always lie in the last few chunks, and an older chunk is freed once its
//! entries are evicted and the fields decoded from them are dropped.

use super::field::{Checked, FIELD_OVERHEAD};
use super::huffman;
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;

/// The most entries room is made for in advance.
const MAX_PRESIZED_ENTRIES: usize = 512;

/// The entry size room is made for in advance: the 32 octets of overhead
/// plus 32 of name and value, less than real request fields take
/// (`user-agent`, `accept`, `cookie` run to 100 and more).
const PRESIZED_ENTRY_SIZE: usize = 64;

/// The smallest arena chunk: small tables still get a few entries per chunk.
const MIN_CHUNK: usize = 512;

/// The largest arena chunk made for the table's size (a larger entry gets
/// a chunk of its own size).
const MAX_CHUNK: usize = 16 * 1024;

/// Where a name or value the decoder hands out lives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Src<'a> {
    /// In the static table.
    Static(&'static [u8]),
    /// In a shared buffer.
    Shared(&'a Bytes),
}

impl Src<'_> {
    #[inline]
    pub(crate) fn len(self) -> usize {
        match self {
            Src::Static(s) => s.len(),
            Src::Shared(b) => b.len(),
        }
    }

    /// A `Bytes` for it: built in place for a static string, a reference
    /// count otherwise.
    #[inline]
    pub(crate) fn to_bytes(self) -> Bytes {
        match self {
            Src::Static(s) => Bytes::from_static(s),
            Src::Shared(b) => b.clone(),
        }
    }
}

/// An entry's name: static when it came from the static table.
#[derive(Debug)]
pub(crate) enum EntryName {
    Static(&'static [u8]),
    Shared(Bytes),
}

impl EntryName {
    #[inline]
    pub(crate) fn src(&self) -> Src<'_> {
        match self {
            EntryName::Static(s) => Src::Static(s),
            EntryName::Shared(b) => Src::Shared(b),
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            EntryName::Static(s) => s,
            EntryName::Shared(b) => b,
        }
    }
}

/// A table entry.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) name: EntryName,
    pub(crate) value: Bytes,
    /// What the entry's bytes were found to be when it was added.
    pub(crate) checked: Checked,
}

impl Entry {
    /// An entry, its name and value checked once for all the fields that
    /// will be copied from it.
    pub(crate) fn new(name: EntryName, value: Bytes) -> Entry {
        let checked = Checked::of(name.as_slice(), &value);
        Entry {
            name,
            value,
            checked,
        }
    }

    fn size(&self) -> usize {
        self.name.as_slice().len() + self.value.len() + FIELD_OVERHEAD
    }
}

/// The decoder's dynamic table, readable for inspection and tests.
#[derive(Debug)]
pub struct DynamicTable {
    entries: VecDeque<Entry>,
    size: usize,
    max_size: usize,
    arena: BytesMut,
}

impl DynamicTable {
    pub(crate) fn new(max_size: usize) -> Self {
        DynamicTable {
            entries: VecDeque::new(),
            size: 0,
            max_size,
            arena: BytesMut::new(),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The table's size: the sum of its entries' sizes (name + value + 32).
    pub fn size(&self) -> usize {
        self.size
    }

    /// The maximum size, as last set by a dynamic table size update.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// The entry at `i`, counted from the newest (HPACK index `62 + i`).
    pub fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        self.entries
            .get(i)
            .map(|e| (e.name.as_slice(), &e.value[..]))
    }

    /// The entry at `i` as stored, for the decoder.
    #[inline]
    pub(crate) fn get_entry(&self, i: usize) -> Option<&Entry> {
        self.entries.get(i)
    }

    /// The entries, newest first.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries
            .iter()
            .map(|e| (e.name.as_slice(), &e.value[..]))
    }

    /// Applies a dynamic table size update, evicting as needed (§4.3).
    pub(crate) fn set_max_size(&mut self, max_size: usize) {
        self.max_size = max_size;
        self.evict_to(max_size);
    }

    fn evict_to(&mut self, target: usize) {
        while self.size > target {
            match self.entries.pop_back() {
                Some(entry) => self.size -= entry.size(),
                None => break,
            }
        }
    }

    /// True when an entry of this name and value length would fit at all:
    /// a larger one empties the table and is not added (§4.4).
    pub(crate) fn fits(&self, name_len: usize, value_len: usize) -> bool {
        name_len
            .saturating_add(value_len)
            .saturating_add(FIELD_OVERHEAD)
            <= self.max_size
    }

    /// Adds an entry, evicting older ones to make room (§4.4). The caller
    /// has checked [`fits`](Self::fits); an entry that does not fit empties
    /// the table.
    pub(crate) fn insert(&mut self, entry: Entry) {
        let entry_size = entry.size();
        if entry_size > self.max_size {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.max_size - entry_size);
        if self.entries.capacity() == 0 {
            // Room for a full table of small entries, so the deque does
            // not grow step by step; a table of tinier ones doubles it once
            // or twice. Room for entries of the 32-octet minimum would
            // cost every connection twice the memory (8 KiB at 4,096).
            self.entries
                .reserve((self.max_size / PRESIZED_ENTRY_SIZE + 1).min(MAX_PRESIZED_ENTRIES));
        }
        self.size += entry_size;
        self.entries.push_front(entry);
    }

    /// Empties the table, as an entry too large for it does (§4.4).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.size = 0;
    }

    /// Makes room in the arena for `n` bytes.
    fn reserve(&mut self, n: usize) {
        if self.arena.capacity() == 0 {
            // A chunk the size of the table, within bounds: a large table
            // fills several chunks rather than reserving all its room for a
            // first small entry.
            let chunk = self.max_size.clamp(MIN_CHUNK, MAX_CHUNK);
            self.arena = BytesMut::with_capacity(n.max(chunk));
        } else {
            // Reuses the chunk when nothing else refers to it any more, else
            // starts a new chunk at least as large as the first.
            self.arena.reserve(n);
        }
    }

    /// Copies `src` into the arena, for a new entry.
    pub(crate) fn copy(&mut self, src: &[u8]) -> Bytes {
        self.reserve(src.len());
        self.arena.extend_from_slice(src);
        self.arena.split().freeze()
    }

    /// Huffman-decodes `src` into the arena, for a new entry.
    pub(crate) fn decode_huffman(&mut self, src: &[u8]) -> Result<Bytes, huffman::HuffmanError> {
        self.reserve(huffman::decoded_len_bound(src.len()));
        decode_huffman_into(&mut self.arena, src)
    }
}

/// Huffman-decodes `src` at the end of `buf`, which should have room for
/// [`huffman::decoded_len_bound`] more bytes, and splits the result off.
pub(crate) fn decode_huffman_into(
    buf: &mut BytesMut,
    src: &[u8],
) -> Result<Bytes, huffman::HuffmanError> {
    let bound = huffman::decoded_len_bound(src.len());
    let start = buf.len();
    buf.resize(start + bound, 0);
    match huffman::decode(src, &mut buf[start..]) {
        Ok(n) => {
            buf.truncate(start + n);
            Ok(buf.split().freeze())
        }
        Err(e) => {
            buf.truncate(start);
            Err(e)
        }
    }
}
