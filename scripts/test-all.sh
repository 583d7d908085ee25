#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting, clippy (native and
# wasm32), native tests, wasm-core's tests in headless Chromium, and the end-to-end suite.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install-toolchain.sh"

log "cargo fmt --check"
cargo fmt --all --check

log "clippy, native"
cargo clippy --locked --workspace --exclude assent-app --all-targets -- -D warnings
cargo clippy --locked -p wasm-core --features inference --all-targets -- -D warnings
log "clippy, wasm32"
cargo clippy --locked -p wasm-core -p assent-app --all-targets --target wasm32-unknown-unknown -- -D warnings

log "native tests (the gateway's S3 storage against a real S3 server on loopback)"
s3_env="$("$REPO_ROOT/scripts/s3-server.sh" start)"
eval "$s3_env"
trap '"$REPO_ROOT/scripts/s3-server.sh" stop' EXIT
cargo test --locked --workspace --exclude assent-app
log "the risk model through tract (wasm-core's inference feature): tract against onnxruntime's answers"
cargo test --locked -p wasm-core --features inference --test risk
"$REPO_ROOT/scripts/s3-server.sh" stop
trap - EXIT

log "wasm tests in headless Chromium (wasm-core; the app's storage on real IndexedDB)"
WASM_BINDGEN_USE_BROWSER=1 cargo test --locked -p wasm-core --target wasm32-unknown-unknown
WASM_BINDGEN_USE_BROWSER=1 cargo test --locked -p assent-app --target wasm32-unknown-unknown --test '*' 

log "fuzz targets: build, and run each once over its seed corpus (fuzzing itself: scripts/fuzz.sh)"
cargo build --release --locked --manifest-path fuzz/Cargo.toml --target-dir "$CARGO_TARGET_DIR/fuzz"
for target in consent_decoders vault_record log_entry tlog_decoders records_import revmap_proof access_trail ed25519_paths; do
  "$CARGO_TARGET_DIR/fuzz/release/$target" -runs=0 "fuzz/corpus/$target"
done

"$REPO_ROOT/scripts/build-app.sh"
log "building the gateway (release)"
cargo build --locked --release --bin assent

log "end-to-end tests in Chromium"
ASSENT_BIN="$CARGO_TARGET_DIR/release/assent" node --test --test-reporter=spec tests/e2e/
