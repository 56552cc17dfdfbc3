//! The table of live streams, keyed by id.

use super::super::stream::Stream;
use crate::frame::StreamId;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Stream ids are small, mostly sequential integers chosen by us or the
/// peer; a multiplicative hash spreads them well and is far cheaper than
/// SipHash. (A peer cannot steer collisions usefully: ids must increase,
/// and the number of live streams is bounded by MAX_CONCURRENT_STREAMS.)
#[derive(Default)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
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

#[derive(Default)]
pub(super) struct StreamMap {
    map: HashMap<u32, Stream, BuildHasherDefault<IdHasher>>,
}

impl StreamMap {
    pub fn get(&self, id: StreamId) -> Option<&Stream> {
        self.map.get(&id.value())
    }
    pub fn get_mut(&mut self, id: StreamId) -> Option<&mut Stream> {
        self.map.get_mut(&id.value())
    }
    pub fn insert(&mut self, stream: Stream) {
        self.map.insert(stream.id.value(), stream);
    }
    pub fn remove(&mut self, id: StreamId) -> Option<Stream> {
        self.map.remove(&id.value())
    }
    pub fn iter(&self) -> impl Iterator<Item = &Stream> {
        self.map.values()
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Stream> {
        self.map.values_mut()
    }
    pub fn drain(&mut self) -> impl Iterator<Item = Stream> + '_ {
        self.map.drain().map(|(_, s)| s)
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
