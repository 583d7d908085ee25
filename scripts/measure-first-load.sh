#!/usr/bin/env bash
# Prints the app's first-load bytes (what a browser fetches to show the first page): raw,
# gzip -9 and brotli -q 11 for each file in dist/, as a Markdown table. Build dist/ first.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT/dist"
if ! command -v brotli >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli >/dev/null
fi
# Everything index.html pulls in before the first page renders (the manifest and icon too; the
# service worker then caches the rest of the shell in the background).
files=(index.html boot.js styles.css assent-app.js assent-app_bg.wasm manifest.webmanifest icons/icon-192.png)
printf '| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|\n'
total_raw=0 total_gz=0 total_br=0
for file in "${files[@]}"; do
  raw=$(wc -c <"$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  br=$(brotli -q 11 -c "$file" | wc -c)
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz)) total_br=$((total_br + br))
  printf '| %s | %d | %d | %d |\n' "$file" "$raw" "$gz" "$br"
done
printf '| **total** | **%d** | **%d** | **%d** |\n' "$total_raw" "$total_gz" "$total_br"
