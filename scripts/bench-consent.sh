#!/usr/bin/env bash
# The consent benchmarks in BENCHMARKS.md: native, then headless Chromium (rqrr vs jsQR,
# scan-to-verdict, sign). Builds what it needs first.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install-toolchain.sh"
cargo bench --locked -p wasm-core --bench consent
"$REPO_ROOT/scripts/build-app.sh"
cargo build --locked --release --bin assent
ASSENT_BIN="$CARGO_TARGET_DIR/release/assent" node bench/consent-scan.mjs
