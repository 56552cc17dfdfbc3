//! The encoder's copy of the dynamic table, with an index for finding
//! entries by field and by name.
//!
//! Entry bytes live in one arena (`Vec<u8>`), appended on insertion; the
//! evicted prefix is dropped once it outgrows the table, so inserting does
//! not allocate once the arena has reached its working size. Entries are
//! numbered absolutely from the first ever inserted, which keeps the index
//! valid across evictions: entry number `n` is at `entries[n - evicted]`.

use super::hash::HashIndex;
use crate::hpack::field::FIELD_OVERHEAD;
use crate::hpack::static_table::STATIC_LEN;
use std::collections::VecDeque;

/// The most entries room is made for in advance; a larger table grows as
/// it fills.
const MAX_PRESIZED_ENTRIES: usize = 512;

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Absolute arena offset of the name; the value follows it.
    start: u64,
    name_len: usize,
    value_len: usize,
    name_hash: u64,
    field_hash: u64,
}

impl Entry {
    fn size(&self) -> usize {
        self.name_len + self.value_len + FIELD_OVERHEAD
    }
}

#[derive(Debug, Default)]
pub(crate) struct EncoderTable {
    /// Oldest first.
    entries: VecDeque<Entry>,
    arena: Vec<u8>,
    /// Absolute offset of `arena[0]`.
    arena_base: u64,
    /// How many entries were ever evicted: the absolute number of
    /// `entries[0]`.
    evicted: u64,
    size: usize,
    max_size: usize,
    /// Field hash → absolute number of the newest entry with that hash.
    by_field: HashIndex,
    /// Name hash → absolute number of the newest entry with that hash.
    by_name: HashIndex,
}

impl EncoderTable {
    pub(crate) fn new(max_size: usize) -> Self {
        EncoderTable {
            max_size,
            ..Default::default()
        }
    }

    pub(crate) fn max_size(&self) -> usize {
        self.max_size
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn name_of(&self, e: &Entry) -> &[u8] {
        let start = (e.start - self.arena_base) as usize;
        &self.arena[start..start + e.name_len]
    }

    fn value_of(&self, e: &Entry) -> &[u8] {
        let start = (e.start - self.arena_base) as usize + e.name_len;
        &self.arena[start..start + e.value_len]
    }

    /// The HPACK index of the entry with absolute number `n`.
    fn hpack_index(&self, n: u64) -> usize {
        let newest = self.evicted + self.entries.len() as u64 - 1;
        STATIC_LEN + 1 + (newest - n) as usize
    }

    #[inline]
    fn entry(&self, n: u64) -> Option<&Entry> {
        self.entries
            .get(usize::try_from(n.checked_sub(self.evicted)?).ok()?)
    }

    /// The HPACK index and absolute number of an entry with this name and
    /// value.
    #[inline]
    pub(crate) fn find_field(
        &self,
        name: &[u8],
        value: &[u8],
        field_hash: u64,
    ) -> Option<(usize, u64)> {
        let n = *self.by_field.get(&field_hash)?;
        Some((self.index_if_equal(n, name, value)?, n))
    }

    /// The HPACK index of entry number `n`, if it is still in the table and
    /// holds this name and value.
    #[inline]
    pub(crate) fn index_if_equal(&self, n: u64, name: &[u8], value: &[u8]) -> Option<usize> {
        let e = self.entry(n)?;
        (self.name_of(e) == name && self.value_of(e) == value).then(|| self.hpack_index(n))
    }

    /// The HPACK index of an entry with this name.
    #[inline]
    pub(crate) fn find_name(&self, name: &[u8], name_hash: u64) -> Option<usize> {
        let n = *self.by_name.get(&name_hash)?;
        let e = self.entry(n)?;
        (self.name_of(e) == name).then(|| self.hpack_index(n))
    }

    /// Changes the maximum size, evicting as needed (§4.3).
    pub(crate) fn set_max_size(&mut self, max_size: usize) {
        self.max_size = max_size;
        self.evict_to(max_size);
    }

    fn evict_to(&mut self, target: usize) {
        while self.size > target {
            let Some(e) = self.entries.pop_front() else {
                break;
            };
            let n = self.evicted;
            self.evicted += 1;
            self.size -= e.size();
            if self.by_field.get(&e.field_hash) == Some(&n) {
                self.by_field.remove(&e.field_hash);
            }
            if self.by_name.get(&e.name_hash) == Some(&n) {
                self.by_name.remove(&e.name_hash);
            }
        }
        if self.entries.is_empty() {
            self.arena_base += self.arena.len() as u64;
            self.arena.clear();
        }
    }

    /// Adds an entry, evicting older ones (§4.4), and returns its absolute
    /// number. An entry larger than the table empties it and is not added,
    /// as on the decoder's side; then the number returned is one no entry
    /// will have.
    pub(crate) fn insert(
        &mut self,
        name: &[u8],
        value: &[u8],
        name_hash: u64,
        field_hash: u64,
    ) -> u64 {
        let entry_size = name.len() + value.len() + FIELD_OVERHEAD;
        if entry_size > self.max_size {
            self.evict_to(0);
            return u64::MAX;
        }
        self.evict_to(self.max_size - entry_size);
        if self.entries.capacity() == 0 {
            self.reserve_for_table();
        }
        // Drop the evicted prefix of the arena once it is larger than the
        // table: the copy moves at most one table's worth of bytes and
        // happens at most once per table's worth of insertions.
        if let Some(oldest) = self.entries.front() {
            let dead = (oldest.start - self.arena_base) as usize;
            if dead > self.max_size {
                self.arena.drain(..dead);
                self.arena_base += dead as u64;
            }
        }
        let start = self.arena_base + self.arena.len() as u64;
        self.arena.extend_from_slice(name);
        self.arena.extend_from_slice(value);
        let n = self.evicted + self.entries.len() as u64;
        self.entries.push_back(Entry {
            start,
            name_len: name.len(),
            value_len: value.len(),
            name_hash,
            field_hash,
        });
        self.size += entry_size;
        self.by_field.insert(field_hash, n);
        self.by_name.insert(name_hash, n);
        n
    }

    /// Sizes the containers for a full table at the first insertion, so
    /// that a connection's encoder allocates a handful of times, not once per
    /// growth step. Entries take at least 32 octets each.
    fn reserve_for_table(&mut self) {
        let entries = (self.max_size / FIELD_OVERHEAD + 1).min(MAX_PRESIZED_ENTRIES);
        self.entries.reserve(entries);
        self.by_field.reserve(entries);
        self.by_name.reserve(entries);
        self.arena
            .reserve((2 * self.max_size).min(MAX_PRESIZED_ENTRIES * FIELD_OVERHEAD));
    }

    /// The entries, newest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries
            .iter()
            .rev()
            .map(|e| (self.name_of(e), self.value_of(e)))
    }
}
