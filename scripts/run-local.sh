#!/usr/bin/env bash
# Installs what is missing, builds the app and the gateway, and starts both on one loopback
# origin with embedded storage under .assent/ (override with ASSENT_DATA, ASSENT_LISTEN).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/install-toolchain.sh"
"$REPO_ROOT/scripts/build-app.sh"
log "building the gateway"
cargo build --release --locked --bin assent
state="${ASSENT_DATA:-$REPO_ROOT/.assent}"
log "starting the gateway; open the URL below (Ctrl-C stops it)"
exec "$CARGO_TARGET_DIR/release/assent" serve \
  --data "$state/data" --key "$state/keys" --app "$REPO_ROOT/dist" \
  --listen "${ASSENT_LISTEN:-127.0.0.1:8080}"
