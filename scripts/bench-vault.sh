#!/usr/bin/env bash
# The vault benchmarks in BENCHMARKS.md: native open, then headless Chromium (ours vs hash-wasm,
# and the wallet page's unlock). Builds what it needs first.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install-toolchain.sh"
cargo bench --locked -p wasm-core --bench vault_unlock
"$REPO_ROOT/scripts/build-app.sh"
cargo build --locked --release --bin assent
ASSENT_BIN="$CARGO_TARGET_DIR/release/assent" node bench/vault-unlock.mjs
