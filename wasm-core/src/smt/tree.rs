//! [`Tree`]: a map in memory.
//!
//! Nodes live in one arena. An inner node at depth `d` splits on key bit `d`; where two keys
//! share bits past the current depth, a chain of inner nodes with one child each leads to the
//! node that splits them, exactly as `H` in the module docs recurses. Changing a leaf (adding
//! one, or giving one a new value) marks the inner nodes on its path stale; [`Tree::rehash`]
//! rehashes only those, once per batch.
//!
//! The arena is split into chunks shared by reference count, and a chunk is copied only when a
//! node in it changes while a clone of the tree still holds it: so cloning a tree (the gateway
//! keeps recent versions of its maps) costs a pointer per 256 nodes, and each later change
//! copies only the chunks it touches.

use std::sync::Arc;

use super::proof::{Proof, Terminal};
use super::{empty_hash, first_difference, key_bit, leaf_hash, node_hash, MapSpec, SmtError, MAX_DEPTH};
use crate::hash::Digest256;

type NodeId = u32;

/// Nodes per arena chunk.
const CHUNK: usize = 256;

/// A growable arena of nodes in shared, copy-on-write chunks of `CHUNK` nodes.
#[derive(Clone, Debug)]
struct Arena<T: Clone> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T: Clone> Arena<T> {
    fn new() -> Arena<T> {
        Arena { chunks: Vec::new(), len: 0 }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, node: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        if let Some(last) = self.chunks.last_mut() {
            Arc::make_mut(last).push(node);
            self.len += 1;
        }
    }

    fn get(&self, id: usize) -> Option<&T> {
        self.chunks.get(id / CHUNK)?.get(id % CHUNK)
    }

    fn get_mut(&mut self, id: usize) -> Option<&mut T> {
        Arc::make_mut(self.chunks.get_mut(id / CHUNK)?).get_mut(id % CHUNK)
    }
}

#[derive(Clone, Debug)]
enum Node<S: MapSpec> {
    Leaf { key: S::Key, value: S::Value, hash: Digest256 },
    // `stale`: a leaf below changed since `hash` was computed.
    Inner { children: [Option<NodeId>; 2], hash: Digest256, stale: bool },
}

/// A sparse Merkle tree of the spec `S`. Reading hashes ([`Tree::root`], [`Tree::prove`]) needs
/// them current: the owner calls [`Tree::rehash`] after changing leaves, before reading.
#[derive(Clone, Debug)]
pub(crate) struct Tree<S: MapSpec> {
    nodes: Arena<Node<S>>,
    root: Option<NodeId>,
    leaf_count: usize,
    empty: Digest256,
    /// Leaves changed since the last rehash.
    stale: bool,
}

impl<S: MapSpec> Tree<S> {
    /// The empty tree.
    pub(crate) fn new() -> Tree<S> {
        Tree { nodes: Arena::new(), root: None, leaf_count: 0, empty: empty_hash::<S>(), stale: false }
    }

    /// The number of leaves.
    pub(crate) fn len(&self) -> usize {
        self.leaf_count
    }

    /// The root hash. The hashes must be current.
    pub(crate) fn root(&self) -> Digest256 {
        debug_assert!(!self.stale, "rehash before reading the root");
        self.root.map_or(self.empty, |id| self.hash_of(id))
    }

    /// The value at `key`, if there is a leaf for it.
    pub(crate) fn get(&self, key: &S::Key) -> Option<S::Value> {
        let bytes = S::key_bytes(key);
        let mut current = self.root;
        let mut depth = 0;
        while let Some(id) = current {
            match self.node(id) {
                Node::Leaf { key: found, value, .. } => return (found == key).then_some(*value),
                Node::Inner { children, .. } => {
                    current = children[key_bit(bytes, depth)];
                    depth += 1;
                }
            }
        }
        None
    }

    /// The proof of what the tree holds for `key`. The hashes must be current.
    pub(crate) fn prove(&self, key: &S::Key) -> Proof<S> {
        debug_assert!(!self.stale, "rehash before proving");
        let bytes = S::key_bytes(key);
        let mut siblings = Vec::new();
        let mut current = self.root;
        let mut depth = 0;
        loop {
            let Some(id) = current else {
                return Proof::from_parts(siblings, Terminal::Empty);
            };
            match self.node(id) {
                Node::Leaf { key: found, value, .. } => {
                    let terminal = if found == key {
                        Terminal::Present(*value)
                    } else {
                        Terminal::OtherLeaf { key: *found, value: *value }
                    };
                    return Proof::from_parts(siblings, terminal);
                }
                Node::Inner { children, .. } => {
                    let bit = key_bit(bytes, depth);
                    siblings.push(children[1 - bit].map(|sibling| self.hash_of(sibling)));
                    current = children[bit];
                    depth += 1;
                }
            }
        }
    }

    /// Sets the value at `key` to `change(current value)`; `None` from `change` leaves the tree
    /// as it was. Returns the value before. Leaves the hashes stale until [`Tree::rehash`].
    pub(crate) fn modify(
        &mut self,
        key: S::Key,
        change: impl FnOnce(Option<S::Value>) -> Option<S::Value>,
    ) -> Result<Option<S::Value>, SmtError> {
        self.stale = true;
        let bytes = *S::key_bytes(&key);
        // The slot being looked at: the root, or child `bit` of an inner node.
        let mut parent: Option<(NodeId, usize)> = None;
        let mut depth = 0;
        loop {
            let slot = match parent {
                None => self.root,
                Some((id, bit)) => match self.node(id) {
                    Node::Inner { children, .. } => children[bit],
                    Node::Leaf { .. } => None,
                },
            };
            let Some(id) = slot else {
                if let Some(value) = change(None) {
                    let leaf = self.push(Node::Leaf { key, value, hash: leaf_hash::<S>(&key, &value) })?;
                    self.set_slot(parent, leaf);
                    self.leaf_count += 1;
                }
                return Ok(None);
            };
            match self.node_mut(id) {
                Node::Inner { stale, .. } => {
                    *stale = true;
                    parent = Some((id, key_bit(&bytes, depth)));
                    depth += 1;
                }
                Node::Leaf { key: found, value: old, hash } => {
                    let found = *found;
                    // Every key below this slot shares its first `depth` bits with `key`, so
                    // they part at `depth` or later.
                    let Some(split) = first_difference(&bytes, S::key_bytes(&found)) else {
                        let before = *old;
                        if let Some(value) = change(Some(before)) {
                            *old = value;
                            *hash = leaf_hash::<S>(&key, &value);
                        }
                        return Ok(Some(before));
                    };
                    let Some(value) = change(None) else { return Ok(None) };
                    let leaf = self.push(Node::Leaf { key, value, hash: leaf_hash::<S>(&key, &value) })?;
                    let mut children = [None; 2];
                    children[key_bit(&bytes, split)] = Some(leaf);
                    children[key_bit(S::key_bytes(&found), split)] = Some(id);
                    let mut top = self.push(Node::Inner { children, hash: self.empty, stale: true })?;
                    for chain_depth in (depth..split).rev() {
                        let mut children = [None; 2];
                        children[key_bit(&bytes, chain_depth)] = Some(top);
                        top = self.push(Node::Inner { children, hash: self.empty, stale: true })?;
                    }
                    self.set_slot(parent, top);
                    self.leaf_count += 1;
                    return Ok(None);
                }
            }
        }
    }

    /// Adds a leaf unless its key is present (then returns `false` and changes nothing).
    pub(crate) fn insert(&mut self, key: S::Key, value: S::Value) -> Result<bool, SmtError> {
        let mut added = false;
        let before = self.modify(key, |current| {
            added = current.is_none();
            added.then_some(value)
        })?;
        debug_assert_eq!(added, before.is_none());
        Ok(added)
    }

    /// Rehashes the inner nodes stale since the last call.
    pub(crate) fn rehash(&mut self) {
        if let Some(root) = self.root {
            self.refresh(root, 0);
        }
        self.stale = false;
    }

    /// Every leaf, in key order.
    pub(crate) fn leaves(&self) -> Leaves<'_, S> {
        Leaves { tree: self, stack: self.root.into_iter().collect() }
    }

    fn push(&mut self, node: Node<S>) -> Result<NodeId, SmtError> {
        let id = NodeId::try_from(self.nodes.len()).map_err(|_| SmtError::MapFull)?;
        self.nodes.push(node);
        Ok(id)
    }

    fn set_slot(&mut self, parent: Option<(NodeId, usize)>, child: NodeId) {
        match parent {
            None => self.root = Some(child),
            Some((id, bit)) => {
                if let Node::Inner { children, .. } = self.node_mut(id) {
                    children[bit] = Some(child);
                }
            }
        }
    }

    fn node(&self, id: NodeId) -> &Node<S> {
        self.nodes.get(id as usize).expect("invariant: node ids are only made by push, into this arena")
    }

    fn node_mut(&mut self, id: NodeId) -> &mut Node<S> {
        self.nodes.get_mut(id as usize).expect("invariant: node ids are only made by push, into this arena")
    }

    /// The hash of a node whose hash is current.
    fn hash_of(&self, id: NodeId) -> Digest256 {
        match self.node(id) {
            Node::Leaf { hash, .. } | Node::Inner { hash, .. } => *hash,
        }
    }

    /// Rehashes the stale inner nodes under `id`. Recursion follows one key's bits, so it is at
    /// most [`MAX_DEPTH`] + 1 calls deep.
    fn refresh(&mut self, id: NodeId, depth: usize) -> Digest256 {
        let children = match self.node(id) {
            Node::Leaf { hash, .. } | Node::Inner { hash, stale: false, .. } => return *hash,
            Node::Inner { children, .. } => *children,
        };
        debug_assert!(depth < MAX_DEPTH, "inner nodes split on one of a key's 256 bits");
        let [left, right] = children.map(|child| match child {
            Some(child) => self.refresh(child, depth + 1),
            None => self.empty,
        });
        let fresh = node_hash::<S>(&left, &right);
        if let Node::Inner { hash, stale, .. } = self.node_mut(id) {
            *hash = fresh;
            *stale = false;
        }
        fresh
    }
}

/// A map's leaves in key order.
#[derive(Debug)]
pub struct Leaves<'a, S: MapSpec> {
    tree: &'a Tree<S>,
    stack: Vec<NodeId>,
}

impl<S: MapSpec> Iterator for Leaves<'_, S> {
    type Item = (S::Key, S::Value);

    fn next(&mut self) -> Option<(S::Key, S::Value)> {
        while let Some(id) = self.stack.pop() {
            match self.tree.node(id) {
                Node::Leaf { key, value, .. } => return Some((*key, *value)),
                Node::Inner { children: [left, right], .. } => {
                    // Right first, so the left (0) side comes out first.
                    self.stack.extend(right.iter().chain(left.iter()));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accessmap::{AccessKey, AccessSpec, AccessTrail};
    use crate::hash::{tagged_hash, Domain};

    fn tree_of(keys: &[AccessKey], count: u64) -> Tree<AccessSpec> {
        let mut tree = Tree::new();
        for (i, key) in keys.iter().enumerate() {
            let trail = AccessTrail { count, last_index: 100 + i as u64, chain: [count as u8; 32] };
            assert!(tree.insert(*key, trail).expect("room"));
        }
        tree.rehash();
        tree
    }

    #[test]
    fn a_clone_keeps_its_version_while_the_original_moves_on() {
        // Clones share chunks until one of them changes a node: the other must not see it.
        let keys: Vec<AccessKey> = (0..700u32)
            .map(|i| AccessKey::from_bytes(tagged_hash(Domain::AccessMapKey, &[&i.to_be_bytes()])))
            .collect();
        let mut tree = tree_of(&keys, 1);
        assert!(tree.nodes.len() > 2 * CHUNK, "several chunks");
        let kept = tree.clone();
        let root = kept.root();
        for (i, key) in keys.iter().enumerate() {
            let before = tree
                .modify(*key, |trail| trail.map(|trail| AccessTrail { count: 2, chain: [2; 32], ..trail }))
                .expect("updates");
            assert_eq!(before.map(|trail| trail.last_index), Some(100 + i as u64));
        }
        tree.rehash();
        assert_eq!(tree.root(), tree_of(&keys, 2).root());
        assert_ne!(tree.root(), root);
        assert_eq!(kept.root(), root);
        assert_eq!(kept.get(&keys[5]).map(|trail| trail.count), Some(1));
        assert_eq!(
            kept.prove(&keys[5]).verify(&root, &keys[5]).map(|trail| trail.map(|t| t.count)),
            Ok(Some(1))
        );
        // Growing the original after the clone leaves the clone's leaves as they were.
        let mut grown = kept.clone();
        let extra = AccessKey::from_bytes([0xee; 32]);
        assert!(grown.insert(extra, AccessTrail { count: 1, last_index: 1, chain: [0; 32] }).expect("room"));
        grown.rehash();
        assert_eq!((kept.len(), kept.get(&extra), kept.root()), (700, None, root));
        assert_eq!(grown.leaves().count(), 701);
    }
}
