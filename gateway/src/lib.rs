//! The Assent gateway: the ledger server and the operator and provider CLI, built as the
//! `assent` binary. It is a thin shell over `wasm-core`: all hashing and verification is there,
//! so the browser and the CLI run the same code.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
pub mod bench_append;
pub mod cli;
pub mod grant_cli;
pub mod keygen;
pub mod ledger;
pub mod ledger_client;
pub mod log_key;
pub mod model_cli;
pub mod risk_cli;
pub mod serve;
pub mod trail_cli;
pub mod tree_head;
pub mod vault_cli;
pub mod verify_cli;
pub mod witness;
