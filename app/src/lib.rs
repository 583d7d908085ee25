//! The Assent browser app: the patient's wallet and the provider's page, a leptos
//! client-side-rendered UI over `wasm-core`.
#![forbid(unsafe_code)]

mod app;
mod browser;
pub mod ledger_client;
pub mod ledger_state;
mod pages;
pub mod records_view;
mod scanner;
pub mod storage;
pub mod trail_view;
mod vault_worker;
mod wallet;

pub use app::App;
