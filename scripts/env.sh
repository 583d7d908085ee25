# Shared environment for the Makefile's scripts. Source it; do not run it.
# Keeps tool and build caches outside the clone, so a fresh clone reuses a warm machine.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT="$repo_root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/assent/target}"
export PATH="$repo_root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Trunk's background update check can never succeed without internet.
export TRUNK_SKIP_VERSION_CHECK=true
# Tract and others capture backtraces on error paths; timings and tests must not pay for that.
unset RUST_BACKTRACE
export TRUNK_VERSION="0.21.14"
export CHROMIUM_FLAGS="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
