#!/usr/bin/env bash
# The benchmarks in BENCHMARKS.md: `bash scripts/bench.sh vault|consent|tlog|risk` (default: all).
# Each runs its native cargo bench, then its headless-Chromium script; builds what it needs first.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install-toolchain.sh"
"$REPO_ROOT/scripts/build-app.sh"
cargo build --locked --release --bin assent
# The risk benchmark's tract-nnef module (never shipped): the model converted to NNEF natively,
# then a wasm32 module with tract-nnef only, through wasm-bindgen and wasm-opt -Oz as Trunk does.
build_risk_nnef() {
  local out="$REPO_ROOT/target/bench/risk-nnef"
  mkdir -p "$out/bindgen"
  cargo run --locked --release -p assent-risk-nnef-convert -- public/model/pima-logistic-v1.onnx \
    model/reference-predictions.json "$REPO_ROOT/target/bench/pima-logistic-v1.nnef.tar"
  cargo build --locked --profile wasm-release --target wasm32-unknown-unknown -p assent-risk-nnef
  wasm-bindgen --target web --no-typescript --out-dir "$out/bindgen" \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/assent-risk-nnef.wasm"
  wasm-opt -Oz --output="$out/assent-risk-nnef_bg.wasm" "$out/bindgen/assent-risk-nnef_bg.wasm"
  cp "$out/bindgen/assent-risk-nnef.js" "$out/"
}
for name in "${@:-vault consent tlog risk}"; do
  for bench in $name; do
    case "$bench" in
      vault) native=vault_unlock browser=bench/vault-unlock.mjs ;;
      consent) native=consent browser=bench/consent-scan.mjs ;;
      tlog) native="tlog_verify revmap_fold" browser=bench/tlog-verify.mjs ;;
      # No native counterpart: ours against onnxruntime-web, both in the browser.
      risk) native="" browser=bench/risk-inference.mjs; build_risk_nnef ;;
      *) echo "unknown benchmark: $bench (use vault, consent, tlog or risk)" >&2; exit 2 ;;
    esac
    log "benchmark: $bench"
    for bench_name in $native; do cargo bench --locked -p wasm-core --bench "$bench_name"; done
    ASSENT_BIN="$CARGO_TARGET_DIR/release/assent" node "$browser"
  done
done
