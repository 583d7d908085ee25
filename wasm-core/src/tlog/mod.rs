//! The transparency log: RFC 6962 / RFC 9162 Merkle trees, C2SP signed-note, tlog-checkpoint,
//! tlog-cosignature, tlog-policy, tlog-tiles and tlog-proof, and a client's verified view of a
//! log ([`view`]) kept up to date through untrusted gateways ([`sync`]).

pub mod bundle;
pub mod checkpoint;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod proof;
pub mod sync;
#[cfg(test)]
pub(crate) mod test_log;
pub mod tiles;
pub mod view;
