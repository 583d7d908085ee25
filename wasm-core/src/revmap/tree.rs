//! [`RevocationMap`]: the map in memory, folded from log entries in index order.
//!
//! Nodes live in one arena. An inner node at depth `d` splits on key bit `d`; where two keys
//! share bits past the current depth, a chain of inner nodes with one child each leads to the
//! node that splits them, exactly as `H` in the module docs recurses. Folding marks the inner
//! nodes on each new leaf's path stale and rehashes only those, once per batch.

use super::hashing::{empty_root, leaf_hash, node_hash};
use super::proof::{MapProof, Terminal};
use super::{MapKey, RevMapError, Revoked, MAX_DEPTH};
use crate::consent::entry::KIND_REVOCATION;
use crate::consent::{ConsentError, LogEntry};
use crate::hash::Digest256;

type NodeId = u32;

#[derive(Clone, Debug)]
enum Node {
    Leaf { key: MapKey, value: Revoked, hash: Digest256 },
    // `stale`: a leaf was added below since `hash` was computed.
    Inner { children: [Option<NodeId>; 2], hash: Digest256, stale: bool },
}

/// What folding one log entry did to the map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Folded {
    /// A revocation, now in the map under this key.
    Revoked(MapKey),
    /// A revocation of a key the map already holds: the first revocation stands.
    AlreadyRevoked(MapKey),
    /// A revocation naming another log: not part of this log's map.
    OtherLog,
    /// A grant, access event or model release (any other kind byte; not verified, as it
    /// cannot change the map).
    NotARevocation,
    /// Bytes that do not verify as a log entry: not part of the map.
    Unreadable(ConsentError),
}

/// The revocation map of one log, as of the first [`size`](RevocationMap::size) entries.
///
/// Every public method leaves the node hashes current, so [`root`](RevocationMap::root) and
/// [`prove`](RevocationMap::prove) only read.
#[derive(Clone, Debug)]
pub struct RevocationMap {
    origin: String,
    size: u64,
    nodes: Vec<Node>,
    root: Option<NodeId>,
    leaf_count: usize,
    empty: Digest256,
}

impl RevocationMap {
    /// The empty map of the log named `origin`, before its first entry.
    pub fn new(origin: &str) -> RevocationMap {
        RevocationMap {
            origin: origin.to_owned(),
            size: 0,
            nodes: Vec::new(),
            root: None,
            leaf_count: 0,
            empty: empty_root(),
        }
    }

    /// Rebuilds a map from leaves kept by its owner (see [`leaves`](RevocationMap::leaves)), as of
    /// `size` entries, without re-reading the log. Refuses a key given twice and a leaf past
    /// `size`; it trusts its storage for the rest, so restore only what this code stored.
    pub fn restore(
        origin: &str,
        size: u64,
        leaves: impl IntoIterator<Item = (MapKey, Revoked)>,
    ) -> Result<RevocationMap, RevMapError> {
        let mut map = RevocationMap::new(origin);
        map.size = size;
        for (key, value) in leaves {
            if value.log_index >= size {
                return Err(RevMapError::LeafBeyondSize { log_index: value.log_index, size });
            }
            if !map.insert(key, value)? {
                return Err(RevMapError::DuplicateLeaf { key: hex::encode(key.as_bytes()) });
            }
        }
        map.refresh_root();
        Ok(map)
    }

    /// The log this map belongs to.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of log entries folded: the map is `M(size)`, and the next entry to fold is `size`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The number of revoked keys.
    pub fn len(&self) -> usize {
        self.leaf_count
    }

    /// Whether no key is revoked.
    pub fn is_empty(&self) -> bool {
        self.leaf_count == 0
    }

    /// The map's root hash.
    pub fn root(&self) -> Digest256 {
        self.root.map_or(self.empty, |id| self.hash_of(id))
    }

    /// What the map holds for `key`, if it is revoked.
    pub fn get(&self, key: &MapKey) -> Option<Revoked> {
        match self.prove(key).terminal() {
            Terminal::Revoked(value) => Some(*value),
            Terminal::Empty | Terminal::OtherLeaf { .. } => None,
        }
    }

    /// Folds log entry `index` (its bytes as the log stores them), which must be the next one:
    /// [`size`](RevocationMap::size). Checks its signature with [`LogEntry::verify`].
    pub fn fold(&mut self, index: u64, entry: &[u8]) -> Result<Folded, RevMapError> {
        self.check_next(index, 1)?;
        let outcome = self.fold_bytes(entry);
        self.refresh_root();
        outcome
    }

    /// Folds entries `first_index ..` in order and rehashes once: `first_index` must be
    /// [`size`](RevocationMap::size). Returns what each entry did. Checks every signature with
    /// [`LogEntry::verify`]. If the order is wrong, nothing is folded.
    pub fn fold_batch<E: AsRef<[u8]>>(
        &mut self,
        first_index: u64,
        entries: &[E],
    ) -> Result<Vec<Folded>, RevMapError> {
        self.check_next(first_index, entries.len())?;
        let outcomes: Result<Vec<_>, _> =
            entries.iter().map(|entry| self.fold_bytes(entry.as_ref())).collect();
        self.refresh_root();
        outcomes
    }

    /// [`fold_batch`](RevocationMap::fold_batch) for entries whose signatures were already
    /// checked: a [`LogEntry`] is only made by [`LogEntry::verify`] (or by signing), so the
    /// sequencer can fold what it has just verified without checking it again.
    pub fn fold_verified(
        &mut self,
        first_index: u64,
        entries: &[LogEntry],
    ) -> Result<Vec<Folded>, RevMapError> {
        self.check_next(first_index, entries.len())?;
        let outcomes: Result<Vec<_>, _> = entries.iter().map(|entry| self.fold_entry(entry)).collect();
        self.refresh_root();
        outcomes
    }

    /// The proof of what the map holds for `key`: its revocation, or that it has none.
    pub fn prove(&self, key: &MapKey) -> MapProof {
        let mut siblings = Vec::new();
        let mut current = self.root;
        let mut depth = 0;
        loop {
            let Some(id) = current else {
                return MapProof::from_parts(siblings, Terminal::Empty);
            };
            match self.node(id) {
                Node::Leaf { key: found, value, .. } => {
                    let terminal = if found == key {
                        Terminal::Revoked(*value)
                    } else {
                        Terminal::OtherLeaf { key: *found, value: *value }
                    };
                    return MapProof::from_parts(siblings, terminal);
                }
                Node::Inner { children, .. } => {
                    let bit = key.bit(depth);
                    siblings.push(children[1 - bit].map(|sibling| self.hash_of(sibling)));
                    current = children[bit];
                    depth += 1;
                }
            }
        }
    }

    /// Every leaf, in key order: what an owner stores to [`restore`](RevocationMap::restore) the map.
    pub fn leaves(&self) -> Leaves<'_> {
        Leaves { map: self, stack: self.root.into_iter().collect() }
    }

    fn check_next(&self, first_index: u64, count: usize) -> Result<(), RevMapError> {
        if first_index != self.size {
            return Err(RevMapError::OutOfOrder { expected: self.size, got: first_index });
        }
        let count = u64::try_from(count).map_err(|_| RevMapError::IndexOverflow)?;
        self.size.checked_add(count).ok_or(RevMapError::IndexOverflow)?;
        Ok(())
    }

    /// Folds the entry at index `self.size`, without rehashing.
    fn fold_bytes(&mut self, entry: &[u8]) -> Result<Folded, RevMapError> {
        // Only a revocation can change the map: any other kind byte is passed over unverified,
        // as it would be ignored verified or not. Rebuilding a map from a log stays fast.
        if entry.first().is_some_and(|&kind| kind != KIND_REVOCATION) {
            self.size += 1;
            return Ok(Folded::NotARevocation);
        }
        match LogEntry::verify(entry) {
            Ok(entry) => self.fold_entry(&entry),
            Err(error) => {
                self.size += 1;
                Ok(Folded::Unreadable(error))
            }
        }
    }

    /// Folds the verified entry at index `self.size`, without rehashing. `check_next` made sure
    /// the index does not overflow.
    fn fold_entry(&mut self, entry: &LogEntry) -> Result<Folded, RevMapError> {
        let index = self.size;
        let outcome = match entry {
            LogEntry::Revocation(revocation) if revocation.log_origin == self.origin => {
                let key = MapKey::of_revocation(revocation);
                let value = Revoked { log_index: index, revoked_at: revocation.revoked_at };
                if self.insert(key, value)? {
                    Folded::Revoked(key)
                } else {
                    Folded::AlreadyRevoked(key)
                }
            }
            LogEntry::Revocation(_) => Folded::OtherLog,
            LogEntry::Grant(_) | LogEntry::Access(_) | LogEntry::Model(_) => Folded::NotARevocation,
        };
        self.size = index + 1;
        Ok(outcome)
    }

    /// Adds a leaf unless its key is present (then returns `false` and changes nothing but
    /// marking its path stale, which rehashing turns back into the same hashes).
    fn insert(&mut self, key: MapKey, value: Revoked) -> Result<bool, RevMapError> {
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
                let leaf = self.push(Node::Leaf { key, value, hash: leaf_hash(&key, &value) })?;
                self.set_slot(parent, leaf);
                self.leaf_count += 1;
                return Ok(true);
            };
            match self.node_mut(id) {
                Node::Inner { stale, .. } => {
                    *stale = true;
                    parent = Some((id, key.bit(depth)));
                    depth += 1;
                }
                Node::Leaf { key: found, .. } => {
                    let found = *found;
                    // Every key below this slot shares its first `depth` bits with `key`, so
                    // they part at `depth` or later.
                    let Some(split) = key.first_difference(&found) else {
                        return Ok(false);
                    };
                    let leaf = self.push(Node::Leaf { key, value, hash: leaf_hash(&key, &value) })?;
                    let mut children = [None; 2];
                    children[key.bit(split)] = Some(leaf);
                    children[found.bit(split)] = Some(id);
                    let mut top = self.push(Node::Inner { children, hash: self.empty, stale: true })?;
                    for chain_depth in (depth..split).rev() {
                        let mut children = [None; 2];
                        children[key.bit(chain_depth)] = Some(top);
                        top = self.push(Node::Inner { children, hash: self.empty, stale: true })?;
                    }
                    self.set_slot(parent, top);
                    self.leaf_count += 1;
                    return Ok(true);
                }
            }
        }
    }

    fn push(&mut self, node: Node) -> Result<NodeId, RevMapError> {
        let id = NodeId::try_from(self.nodes.len()).map_err(|_| RevMapError::MapFull)?;
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

    fn node(&self, id: NodeId) -> &Node {
        self.nodes.get(id as usize).expect("node ids are only made by push, into this arena")
    }

    fn node_mut(&mut self, id: NodeId) -> &mut Node {
        self.nodes.get_mut(id as usize).expect("node ids are only made by push, into this arena")
    }

    /// The hash of a node whose hash is current (every public method leaves them current).
    fn hash_of(&self, id: NodeId) -> Digest256 {
        match self.node(id) {
            Node::Leaf { hash, .. } | Node::Inner { hash, .. } => *hash,
        }
    }

    fn refresh_root(&mut self) {
        if let Some(root) = self.root {
            self.refresh(root, 0);
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
        let fresh = node_hash(&left, &right);
        if let Node::Inner { hash, stale, .. } = self.node_mut(id) {
            *hash = fresh;
            *stale = false;
        }
        fresh
    }
}

/// The map's leaves in key order ([`RevocationMap::leaves`]).
#[derive(Debug)]
pub struct Leaves<'a> {
    map: &'a RevocationMap,
    stack: Vec<NodeId>,
}

impl Iterator for Leaves<'_> {
    type Item = (MapKey, Revoked);

    fn next(&mut self) -> Option<(MapKey, Revoked)> {
        while let Some(id) = self.stack.pop() {
            match self.map.node(id) {
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
