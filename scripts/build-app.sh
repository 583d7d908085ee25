#!/usr/bin/env bash
# Builds the browser app into dist/ with Trunk (release, size-tuned, offline, pinned tools).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
log "building the app with trunk"
trunk build --release
