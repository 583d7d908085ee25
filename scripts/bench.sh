#!/usr/bin/env bash
# The benchmarks in BENCHMARKS.md: `bash scripts/bench.sh vault|consent|tlog` (default: all). Each
# runs its native cargo bench, then its headless-Chromium script; builds what it needs first.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install-toolchain.sh"
"$REPO_ROOT/scripts/build-app.sh"
cargo build --locked --release --bin assent
for name in "${@:-vault consent tlog}"; do
  for bench in $name; do
    case "$bench" in
      vault) native=vault_unlock browser=bench/vault-unlock.mjs ;;
      consent) native=consent browser=bench/consent-scan.mjs ;;
      tlog) native=tlog_verify browser=bench/tlog-verify.mjs ;;
      *) echo "unknown benchmark: $bench (use vault, consent or tlog)" >&2; exit 2 ;;
    esac
    log "benchmark: $bench"
    cargo bench --locked -p wasm-core --bench "$native"
    ASSENT_BIN="$CARGO_TARGET_DIR/release/assent" node "$browser"
  done
done
