//! The RFC 7540 §5.3 priority tree: streams depend on other streams and
//! share their parent's resources by weight.
//!
//! Scheduling is weighted fair queueing over the tree: each node keeps a
//! virtual time that grows by `octets × 65536 / weight` when its subtree
//! sends, and at each level the child with the smallest virtual time whose
//! subtree has something to send goes next (start-time fair queueing: a
//! newly busy subtree sends one frame early, then shares by weight). A stream with data is served
//! before its dependents (RFC 7540 §5.3.1: "Streams that are dependent ...
//! SHOULD only be allocated resources if all of the streams that they
//! depend on ... are either closed or it is not possible to make progress
//! on them").

use crate::frame::{PriorityBlock, StreamId};
use std::collections::{HashMap, HashSet};

/// The most nodes kept (streams plus idle placeholders); beyond it new
/// signals get the default priority, so a peer cannot grow the tree without
/// bound.
const MAX_NODES: usize = 1024;

/// RFC 7540 §5.3.5: "All streams are initially assigned a non-exclusive
/// dependency on stream 0x0 ... with a default weight of 16".
const DEFAULT_WEIGHT: u16 = 16;

#[derive(Debug, Clone)]
struct Node {
    parent: u32,
    weight: u16,
    children: Vec<u32>,
    vt: u64,
}

impl Node {
    fn new(parent: u32, weight: u16) -> Node {
        Node {
            parent,
            weight,
            children: Vec::new(),
            vt: 0,
        }
    }
}

/// The dependency tree; stream 0 is the root.
#[derive(Debug)]
pub(crate) struct Tree {
    nodes: HashMap<u32, Node>,
}

impl Default for Tree {
    fn default() -> Self {
        let mut nodes = HashMap::new();
        nodes.insert(0, Node::new(0, DEFAULT_WEIGHT));
        Tree { nodes }
    }
}

impl Tree {
    /// Applies a priority signal for `id` (RFC 7540 §5.3.1–§5.3.3).
    pub fn set(&mut self, id: StreamId, block: PriorityBlock) {
        let id = id.value();
        let mut parent = block.dependency.value();
        // Self-dependency is a stream error the connection reports; the
        // tree ignores the signal.
        if parent == id || id == 0 {
            return;
        }
        let weight = block.effective_weight();
        if !self.nodes.contains_key(&id) && !self.ensure(id) {
            return;
        }
        if !self.nodes.contains_key(&parent) && !self.ensure(parent) {
            // RFC 7540 §5.3.1: a dependency on a stream not in the tree
            // "results in that stream being given a default priority".
            parent = 0;
        }
        // §5.3.3: "If a stream is made dependent on one of its own
        // dependencies, the formerly dependent stream is first moved to be
        // dependent on the reprioritized stream's previous parent. The
        // moved dependency retains its weight."
        if self.is_descendant(parent, id) {
            let old_parent = self.nodes[&id].parent;
            self.move_under(parent, old_parent);
        }
        self.move_under(id, parent);
        if block.exclusive {
            // §5.3.1: "An exclusive flag allows for the insertion of a new
            // level of dependencies. The exclusive flag causes the stream to
            // become the sole dependency of its parent stream, causing other
            // dependencies to become dependent on the exclusive stream."
            let siblings: Vec<u32> = self.nodes[&parent]
                .children
                .iter()
                .copied()
                .filter(|c| *c != id)
                .collect();
            for s in siblings {
                self.move_under(s, id);
            }
        }
        if let Some(node) = self.nodes.get_mut(&id) {
            node.weight = weight;
        }
    }

    /// Removes a closed stream; §5.3.4: "its dependencies can be moved to
    /// become dependent on the parent of the closed stream ... the weight of
    /// the dependency is distributed among its dependencies proportionally".
    pub fn remove(&mut self, id: StreamId) {
        let id = id.value();
        let Some(node) = self.nodes.get(&id).cloned() else {
            return;
        };
        let total: u32 = node
            .children
            .iter()
            .map(|c| u32::from(self.nodes[c].weight))
            .sum();
        for child in &node.children {
            let share = u32::from(self.nodes[child].weight) * u32::from(node.weight) / total.max(1);
            let weight = share.clamp(1, 256) as u16;
            self.move_under(*child, node.parent);
            if let Some(c) = self.nodes.get_mut(child) {
                c.weight = weight;
                // The dependents take over the closed stream's place in the
                // virtual clock; starting from their own (often zero) time
                // would let them crowd out their new siblings.
                c.vt = c.vt.max(node.vt);
            }
        }
        if let Some(parent) = self.nodes.get_mut(&node.parent) {
            parent.children.retain(|c| *c != id);
        }
        self.nodes.remove(&id);
    }

    /// A stream became ready after idling: it does not get to spend the
    /// credit it saved while idle, or it would starve its siblings.
    pub fn wake(&mut self, id: StreamId) {
        let id = id.value();
        let Some(parent) = self.nodes.get(&id).map(|n| n.parent) else {
            return;
        };
        let floor = self.nodes[&parent]
            .children
            .iter()
            .filter(|c| **c != id)
            .map(|c| self.nodes[c].vt)
            .min();
        if let (Some(floor), Some(node)) = (floor, self.nodes.get_mut(&id)) {
            node.vt = node.vt.max(floor);
        }
    }

    /// Charges `octets` to a stream and every ancestor below the root.
    pub fn charge(&mut self, id: StreamId, octets: usize) {
        let mut current = id.value();
        while current != 0 {
            let Some(node) = self.nodes.get_mut(&current) else {
                return;
            };
            node.vt += octets as u64 * 65_536 / u64::from(node.weight);
            current = node.parent;
        }
    }

    /// The ready stream to serve next.
    pub fn choose(&self, ready: impl Iterator<Item = StreamId>) -> Option<StreamId> {
        let ready: HashSet<u32> = ready.map(StreamId::value).collect();
        // Streams unknown to the tree hang off the root with defaults.
        let mut loose: Vec<u32> = ready
            .iter()
            .copied()
            .filter(|id| !self.nodes.contains_key(id))
            .collect();
        loose.sort_unstable();
        let mut with_ready: HashSet<u32> = HashSet::new();
        for id in &ready {
            let mut current = *id;
            while let Some(node) = self.nodes.get(&current) {
                if !with_ready.insert(current) || current == 0 {
                    break;
                }
                current = node.parent;
            }
        }
        with_ready.insert(0);
        let mut at = 0u32;
        loop {
            if at != 0 && ready.contains(&at) {
                return Some(StreamId::new(at));
            }
            let node = &self.nodes[&at];
            let next = node
                .children
                .iter()
                .filter(|c| with_ready.contains(c))
                .min_by_key(|c| (self.nodes[c].vt, **c));
            match next {
                Some(child) => at = *child,
                None => return loose.first().map(|id| StreamId::new(*id)),
            }
        }
    }

    /// Adds a default node under the root if there is room.
    fn ensure(&mut self, id: u32) -> bool {
        if self.nodes.len() >= MAX_NODES {
            return false;
        }
        self.nodes.insert(id, Node::new(0, DEFAULT_WEIGHT));
        if let Some(root) = self.nodes.get_mut(&0) {
            root.children.push(id);
        }
        true
    }

    fn is_descendant(&self, candidate: u32, ancestor: u32) -> bool {
        let mut current = candidate;
        while current != 0 {
            let Some(node) = self.nodes.get(&current) else {
                return false;
            };
            if node.parent == ancestor {
                return true;
            }
            current = node.parent;
        }
        false
    }

    fn move_under(&mut self, id: u32, parent: u32) {
        let Some(old) = self.nodes.get(&id).map(|n| n.parent) else {
            return;
        };
        if let Some(p) = self.nodes.get_mut(&old) {
            p.children.retain(|c| *c != id);
        }
        if let Some(p) = self.nodes.get_mut(&parent) {
            p.children.push(id);
        }
        if let Some(n) = self.nodes.get_mut(&id) {
            n.parent = parent;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(dep: u32, weight: u16, exclusive: bool) -> PriorityBlock {
        PriorityBlock {
            exclusive,
            dependency: StreamId::new(dep),
            weight: (weight - 1) as u8,
        }
    }

    fn ids(v: &[u32]) -> Vec<StreamId> {
        v.iter().map(|i| StreamId::new(*i)).collect()
    }

    #[test]
    fn rfc7540_5_3_1_parent_before_dependent() {
        let mut t = Tree::default();
        t.set(StreamId::new(1), block(0, 16, false));
        t.set(StreamId::new(3), block(1, 16, false));
        assert_eq!(t.choose(ids(&[1, 3]).into_iter()), Some(StreamId::new(1)));
        assert_eq!(t.choose(ids(&[3]).into_iter()), Some(StreamId::new(3)));
    }

    #[test]
    fn rfc7540_5_3_1_exclusive_adopts_siblings() {
        let mut t = Tree::default();
        t.set(StreamId::new(1), block(0, 16, false));
        t.set(StreamId::new(3), block(0, 16, false));
        t.set(StreamId::new(5), block(0, 16, true));
        assert_eq!(t.nodes[&0].children, vec![5]);
        assert_eq!(t.nodes[&1].parent, 5);
        assert_eq!(t.nodes[&3].parent, 5);
    }

    #[test]
    fn rfc7540_5_3_3_moving_under_a_descendant_lifts_it_first() {
        let mut t = Tree::default();
        t.set(StreamId::new(1), block(0, 16, false));
        t.set(StreamId::new(3), block(1, 16, false));
        t.set(StreamId::new(1), block(3, 16, false));
        assert_eq!(t.nodes[&3].parent, 0);
        assert_eq!(t.nodes[&1].parent, 3);
    }

    #[test]
    fn rfc7540_5_3_4_closing_a_stream_moves_its_dependents_up() {
        let mut t = Tree::default();
        t.set(StreamId::new(1), block(0, 16, false));
        t.set(StreamId::new(3), block(1, 8, false));
        t.set(StreamId::new(5), block(1, 24, false));
        t.remove(StreamId::new(1));
        assert_eq!(t.nodes[&3].parent, 0);
        assert_eq!(t.nodes[&5].parent, 0);
        assert_eq!((t.nodes[&3].weight, t.nodes[&5].weight), (4, 12));
    }

    #[test]
    fn rfc7540_5_3_2_siblings_share_by_weight() {
        let mut t = Tree::default();
        t.set(StreamId::new(1), block(0, 64, false));
        t.set(StreamId::new(3), block(0, 32, false));
        let mut sent = HashMap::new();
        for _ in 0..90 {
            let id = t.choose(ids(&[1, 3]).into_iter()).unwrap();
            t.charge(id, 1000);
            *sent.entry(id.value()).or_insert(0) += 1;
        }
        assert_eq!((sent[&1], sent[&3]), (60, 30));
    }
}
