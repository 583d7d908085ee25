//! Assent's pure logic, shared by the browser wallet, the provider page, the gateway and the CLI.
//!
//! This crate is sans-IO: it never touches the network, the clock, storage or the DOM.
//! Callers pass in bytes, the current time and a random number generator, so the browser and
//! the native tools run exactly the same code on exactly the same inputs.
//!
//! Modules follow the specs they implement:
//! - [`accessmap`]: the log-backed access map (providers' access events per grant), its trail answers;
//! - [`consent`]: consent grants (COSE_Sign1 over deterministic CBOR), their verdict and commitment;
//! - [`ed25519`]: Ed25519 verification under `verify_strict`'s rule, with prepared tables for keys that sign often;
//! - [`hash`]: domain-separated SHA-256, so a hash made for one purpose is never valid for another;
//! - [`records`]: FHIR R4 bundles imported into the patient's record set (timeline, series);
//! - [`revmap`]: the log-backed revocation map (sparse Merkle tree), its proofs and checkpoint line;
//! - [`risk`]: the on-device risk hint: features from the records, explanation, pinned model;
//! - [`smt`]: the compact sparse Merkle tree and proof format both maps share;
//! - [`tlog`]: the transparency log (RFC 6962 Merkle hashing; C2SP formats as they land);
//! - [`trail`]: hints on the patient's access trail: broken grant terms (red), unusual use (amber);
//! - [`vault`]: the master seed, pairwise keys, recovery phrase and sealed records.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod accessmap;
pub mod consent;
pub mod ed25519;
pub mod hash;
pub mod records;
pub mod revmap;
pub mod risk;
pub mod smt;
pub mod tlog;
pub mod trail;
pub mod vault;
