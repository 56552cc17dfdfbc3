//! The send scheduler: which stream's DATA goes out next when several have
//! data and window. Pluggable by [`SchedulerKind`].

mod tree;

use super::priority::Priority;
use crate::frame::{PriorityBlock, StreamId};
pub(crate) use tree::Tree;

/// How DATA frames of different streams are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SchedulerKind {
    /// One frame per stream in turn, ignoring priorities.
    RoundRobin,
    /// RFC 9218 extensible priorities: lower urgency first; among equal
    /// urgency, non-incremental streams one at a time in stream order, then
    /// incremental ones in turn (§4.2: "Serving non-incremental responses
    /// with the same urgency one by one, in the order in which those
    /// requests were generated, is considered to be the best strategy").
    #[default]
    Rfc9218,
    /// The RFC 7540 §5.3 dependency tree with weights, for peers that still
    /// send those signals: a stream is served before its dependents, and
    /// siblings share in proportion to their weights.
    Rfc7540Tree,
}

/// A stream waiting to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub id: StreamId,
    pub priority: Priority,
    /// Arrival order, for round-robin among equals.
    seq: u64,
}

/// The streams that have DATA and window. The policy (a
/// [`SchedulerKind`]) is passed in from the configuration, so the scheduler
/// itself stays small on idle connections.
#[derive(Debug, Default)]
pub(crate) struct Scheduler {
    ready: Vec<Entry>,
    next_seq: u64,
    /// Priority signals received for streams, kept only once a peer sends
    /// them.
    signals: Option<Box<Signals>>,
}

/// Priority signals that need memory: the RFC 7540 tree, and RFC 9218
/// PRIORITY_UPDATEs for streams not yet open.
#[derive(Debug, Default)]
struct Signals {
    tree: Option<Tree>,
    early: Vec<(StreamId, Priority)>,
}

impl Scheduler {
    pub fn is_empty(&self) -> bool {
        self.ready.is_empty()
    }

    /// Nothing ready and no priority signal remembered: a fresh scheduler
    /// would behave the same.
    pub fn is_idle(&self) -> bool {
        self.ready.is_empty() && self.signals.is_none()
    }

    pub fn clear(&mut self) {
        self.ready.clear();
    }

    /// Adds a stream that just became able to send.
    pub fn push(&mut self, id: StreamId, priority: Priority) {
        let seq = self.bump();
        if let Some(tree) = self.tree_mut() {
            tree.wake(id);
        }
        self.ready.push(Entry { id, priority, seq });
    }

    /// Takes the stream that should send next.
    pub fn pop(&mut self, kind: SchedulerKind) -> Option<Entry> {
        let index = match kind {
            SchedulerKind::RoundRobin => self.min_by_key(|e| (0, 0, e.seq)),
            SchedulerKind::Rfc9218 => self.min_by_key(|e| {
                let order = if e.priority.incremental {
                    e.seq
                } else {
                    u64::from(e.id.value())
                };
                (e.priority.urgency, u8::from(e.priority.incremental), order)
            }),
            SchedulerKind::Rfc7540Tree => match self.signals.as_ref().and_then(|s| s.tree.as_ref())
            {
                Some(tree) => {
                    let id = tree.choose(self.ready.iter().map(|e| e.id))?;
                    self.ready.iter().position(|e| e.id == id)
                }
                None => self.min_by_key(|e| (0, 0, e.seq)),
            },
        }?;
        Some(self.ready.swap_remove(index))
    }

    /// Puts back a stream that sent a frame and has more: it keeps its place
    /// if the policy serves it to completion, otherwise goes to the back of
    /// its class.
    pub fn requeue(&mut self, kind: SchedulerKind, mut entry: Entry) {
        let keeps_place = kind == SchedulerKind::Rfc9218 && !entry.priority.incremental;
        if !keeps_place {
            entry.seq = self.bump();
        }
        self.ready.push(entry);
    }

    /// Puts back a stream that could not send at all (connection window
    /// exhausted): it keeps its place.
    pub fn put_back(&mut self, entry: Entry) {
        self.ready.push(entry);
    }

    /// Charges octets a stream sent, in the tree.
    pub fn charge(&mut self, id: StreamId, sent: usize) {
        if let Some(tree) = self.tree_mut() {
            tree.charge(id, sent);
        }
    }

    /// A stream's RFC 9218 priority changed.
    pub fn reprioritize(&mut self, id: StreamId, priority: Priority) {
        if let Some(entry) = self.ready.iter_mut().find(|e| e.id == id) {
            entry.priority = priority;
        }
    }

    /// Applies an RFC 7540 priority signal (HEADERS priority block or
    /// PRIORITY frame) to the tree.
    pub fn set_dependency(&mut self, kind: SchedulerKind, id: StreamId, block: PriorityBlock) {
        if kind != SchedulerKind::Rfc7540Tree {
            return;
        }
        let signals = self.signals.get_or_insert_with(Box::default);
        signals
            .tree
            .get_or_insert_with(Tree::default)
            .set(id, block);
    }

    /// A stream closed: it leaves the ready set and the tree (its
    /// dependents move up).
    pub fn remove(&mut self, id: StreamId, was_ready: bool) {
        if was_ready {
            self.ready.retain(|e| e.id != id);
        }
        if let Some(tree) = self.tree_mut() {
            tree.remove(id);
        }
    }

    /// Remembers a PRIORITY_UPDATE for a stream that is not open yet.
    /// Returns how many such streams are remembered.
    pub fn remember_early(&mut self, id: StreamId, priority: Priority) -> usize {
        let early = &mut self.signals.get_or_insert_with(Box::default).early;
        match early.iter_mut().find(|(s, _)| *s == id) {
            Some(entry) => entry.1 = priority,
            None => early.push((id, priority)),
        }
        early.len()
    }

    /// The priority a PRIORITY_UPDATE gave a stream before it opened.
    pub fn take_early(&mut self, id: StreamId) -> Option<Priority> {
        let early = &mut self.signals.as_mut()?.early;
        let index = early.iter().position(|(s, _)| *s == id)?;
        Some(early.swap_remove(index).1)
    }

    fn tree_mut(&mut self) -> Option<&mut Tree> {
        self.signals.as_mut()?.tree.as_mut()
    }

    fn bump(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn min_by_key<K: Ord>(&self, key: impl Fn(&Entry) -> K) -> Option<usize> {
        self.ready
            .iter()
            .enumerate()
            .min_by_key(|(_, e)| key(e))
            .map(|(i, _)| i)
    }
}
