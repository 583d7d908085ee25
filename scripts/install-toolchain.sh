#!/usr/bin/env bash
# Installs what building and testing Assent needs, skipping whatever is already there at the
# right version. Versions and methods are the ones measured to work in TOOLCHAIN.md.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The wasm-bindgen version pinned (with `=`) in Cargo.toml and resolved in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding rustup component $component"
    rustup component add "$component"
  fi
done

if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  log "installing trunk $TRUNK_VERSION (about 7 minutes on 2 cores)"
  # Trunk's own fat LTO would triple the install time.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [ ! -f Cargo.lock ]; then cargo generate-lockfile; fi
wbg="$(wasm_bindgen_version)"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wbg" ] \
  || ! command -v wasm-bindgen-test-runner >/dev/null; then
  log "installing wasm-bindgen-cli $wbg (about 8 minutes on 2 cores)"
  # Without --locked: the locked set asks for a webpki-roots version the registry lacks.
  cargo install wasm-bindgen-cli --version "$wbg" --force
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing Debian's chromium and chromium-driver"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver
fi

# npm tools (binaryen's wasm-opt, playwright-core), exactly as locked. Reinstalled only when
# the lockfile changes.
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.assent-lock-sha256 2>/dev/null || true)" != "$lock_sum" ]; then
  log "installing npm packages from package-lock.json"
  # An interrupted install must not leave the marker of a finished one behind.
  rm -f node_modules/.assent-lock-sha256
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.assent-lock-sha256
fi

# Trunk runs cargo offline, so every crate must already be in the local registry cache.
cargo fetch --locked >/dev/null
