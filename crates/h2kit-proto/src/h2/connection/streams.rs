//! The table of live streams, keyed by id.

use super::super::stream::Stream;
use crate::frame::StreamId;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Stream ids are small, mostly sequential integers chosen by us or the
/// peer; a multiplicative hash spreads them well and is far cheaper than
/// SipHash. (A peer cannot steer collisions usefully: ids must increase,
/// and the number of live streams is bounded by MAX_CONCURRENT_STREAMS.)
/// Drivers keying their own per-stream state by id can use it too:
/// `HashMap<u32, T, BuildHasherDefault<StreamIdHasher>>`.
#[derive(Default, Debug, Clone, Copy)]
pub struct StreamIdHasher(u64);

impl Hasher for StreamIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The stream table's storage, which a [`Scratch`](super::Scratch) can lend.
pub(super) type StreamTable = HashMap<u32, Stream, BuildHasherDefault<StreamIdHasher>>;

/// The live streams, with a count of the active ones (§5.1.2: "open" or
/// "half-closed") per initiator, so concurrency limits cost O(1) per check.
/// A stream is counted when it becomes active and uncounted when removed;
/// streams are removed as soon as they reach "closed".
#[derive(Default)]
pub(super) struct StreamMap {
    map: StreamTable,
    /// Active streams with odd ids (client-initiated) and even ids.
    active_odd: usize,
    active_even: usize,
}

impl StreamMap {
    pub fn get(&self, id: StreamId) -> Option<&Stream> {
        self.map.get(&id.value())
    }
    pub fn get_mut(&mut self, id: StreamId) -> Option<&mut Stream> {
        self.map.get_mut(&id.value())
    }
    pub fn insert(&mut self, mut stream: Stream) {
        let id = stream.id;
        // Counted here rather than by `mark_active`, saving a second
        // lookup in a table that is usually cold by the time a request
        // arrives.
        stream.counted_active = stream.state.is_active();
        if stream.counted_active {
            *self.counter(id) += 1;
        }
        if let Some(old) = self.map.insert(id.value(), stream) {
            if old.counted_active {
                *self.counter(id) -= 1;
            }
        }
    }
    pub fn remove(&mut self, id: StreamId) -> Option<Stream> {
        let stream = self.map.remove(&id.value())?;
        if stream.counted_active {
            *self.counter(id) -= 1;
        }
        Some(stream)
    }
    /// Counts a stream that has just become active (no-op otherwise).
    pub fn mark_active(&mut self, id: StreamId) {
        let Some(stream) = self.map.get_mut(&id.value()) else {
            return;
        };
        if stream.counted_active || !stream.state.is_active() {
            return;
        }
        stream.counted_active = true;
        *self.counter(id) += 1;
    }
    /// Active streams opened by clients (`true`) or servers (`false`).
    pub fn active(&self, client_initiated: bool) -> usize {
        if client_initiated {
            self.active_odd
        } else {
            self.active_even
        }
    }
    fn counter(&mut self, id: StreamId) -> &mut usize {
        if id.is_client_initiated() {
            &mut self.active_odd
        } else {
            &mut self.active_even
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = &Stream> {
        self.map.values()
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Stream> {
        self.map.values_mut()
    }
    pub fn drain(&mut self) -> impl Iterator<Item = Stream> + '_ {
        self.active_odd = 0;
        self.active_even = 0;
        self.map.drain().map(|(_, s)| s)
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }
    /// Puts `table` (empty) in place of this map's storage, which must be
    /// empty too, and returns the old storage.
    pub fn replace_table(&mut self, table: StreamTable) -> StreamTable {
        debug_assert!(self.map.is_empty() && table.is_empty());
        std::mem::replace(&mut self.map, table)
    }
}
