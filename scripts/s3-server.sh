#!/usr/bin/env bash
# A real S3-compatible server on loopback for the gateway's S3 storage tests.
#
#   scripts/s3-server.sh install      install the server if it is missing (idempotent)
#   eval "$(scripts/s3-server.sh start)"   start it (or reuse a running one); prints the
#                                     AWS_* and ASSENT_S3_BUCKET exports the tests read
#   scripts/s3-server.sh stop         stop it and delete its data
#
# The server is s3s-fs (crates.io), an S3 server over a directory. It was chosen over Garage
# because the gateway's single-sequencer lock needs conditional writes (PutObject with
# `If-None-Match: *` and `If-Match: <etag>`): s3s-fs implements both, Garage 2.5 ignores them
# on PutObject. s3s-fs 0.14.1 is the newest release that builds with rustc 1.95 (0.15+ needs
# 1.96); a cold `cargo install --locked` takes about 7 minutes on 2 cores.
set -euo pipefail
source "$(dirname "$0")/env.sh"

S3S_FS_VERSION="0.14.1"
STATE_DIR="${ASSENT_S3_DIR:-${TMPDIR:-/tmp}/assent-s3-server}"
BUCKET="assent-test"
REGION="us-east-1"

install() {
  if [ "$(s3s-fs --version 2>/dev/null || true)" != "s3s-fs $S3S_FS_VERSION" ]; then
    log "installing s3s-fs $S3S_FS_VERSION, the S3 test server (about 7 minutes on 2 cores)"
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR/s3s-fs" \
      cargo install s3s-fs --version "$S3S_FS_VERSION" --locked --features binary --force
  fi
}

running() {
  [ -f "$STATE_DIR/pid" ] && kill -0 "$(cat "$STATE_DIR/pid")" 2>/dev/null
}

print_exports() {
  cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$STATE_DIR/port")
export AWS_REGION=$REGION
export AWS_ACCESS_KEY_ID=$(cat "$STATE_DIR/access-key")
export AWS_SECRET_ACCESS_KEY=$(cat "$STATE_DIR/secret-key")
export AWS_ALLOW_HTTP=true
export ASSENT_S3_BUCKET=$BUCKET
EOF
}

start() {
  install
  if running; then
    log "reusing the S3 test server already running (pid $(cat "$STATE_DIR/pid"))"
    print_exports
    return
  fi
  rm -rf "$STATE_DIR"
  mkdir -p "$STATE_DIR/data/$BUCKET"
  chmod 700 "$STATE_DIR"
  # A free loopback port, chosen by the kernel.
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
    > "$STATE_DIR/port"
  echo "assent-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')" > "$STATE_DIR/access-key"
  od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$STATE_DIR/secret-key"
  # A bucket is a directory under the server's root; it was made above.
  nohup s3s-fs --host 127.0.0.1 --port "$(cat "$STATE_DIR/port")" \
    --access-key "$(cat "$STATE_DIR/access-key")" --secret-key "$(cat "$STATE_DIR/secret-key")" \
    "$STATE_DIR/data" > "$STATE_DIR/server.log" 2>&1 < /dev/null &
  echo $! > "$STATE_DIR/pid"
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$(cat "$STATE_DIR/port")/"; then
      log "S3 test server (s3s-fs) listening on 127.0.0.1:$(cat "$STATE_DIR/port"), bucket $BUCKET"
      print_exports
      return
    fi
    if ! running; then break; fi
    sleep 0.1
  done
  log "the S3 test server did not start; its log:"
  cat "$STATE_DIR/server.log" >&2
  exit 1
}

stop() {
  if running; then
    kill "$(cat "$STATE_DIR/pid")"
    log "stopped the S3 test server"
  fi
  rm -rf "$STATE_DIR"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 install|start|stop" >&2
    exit 2
    ;;
esac
