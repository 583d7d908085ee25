//! The transparency log: RFC 6962 / RFC 9162 Merkle trees, and (as they land) C2SP
//! tlog-checkpoint, signed-note, tlog-cosignature and tlog-tiles.

pub mod bundle;
pub mod checkpoint;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod proof;
pub mod tiles;
