#!/usr/bin/env bash
# Coverage-guided fuzzing of the targets in fuzz/ on the stable toolchain.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS] [LIBFUZZER_FLAG...]
#
# (default: all targets, 60 seconds each; extra flags such as -seed=1 go to libFuzzer).
#
# Builds the targets with the SanitizerCoverage flags `cargo fuzz build -s none` passes (no
# AddressSanitizer, which needs nightly), in "$CARGO_TARGET_DIR/fuzz-cov" so it does not clash
# with the plain smoke build of scripts/test-all.sh, then runs libFuzzer on each target for
# SECONDS. Each target grows a working corpus in "$CARGO_TARGET_DIR/fuzz-cov/corpus/<target>",
# seeded from fuzz/corpus/<target>, which stays untouched. A crash, timeout or out-of-memory
# fails the script and leaves the input in "$CARGO_TARGET_DIR/fuzz-cov/artifacts/<target>/";
# replay it with `<binary> <input>`. Logs are in "$CARGO_TARGET_DIR/fuzz-cov/logs/".
#
# To keep a new seed, add only inputs that reach new coverage:
#   <binary> -merge=1 fuzz/corpus/<target> "$CARGO_TARGET_DIR/fuzz-cov/corpus/<target>"
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

all_targets=(access_trail consent_decoders ed25519_paths log_entry records_import revmap_proof tlog_decoders vault_record)
which="${1:-all}"
seconds="${2:-60}"
extra_flags=("${@:3}")
if [[ "$which" == "-h" || "$which" == "--help" ]]; then
  sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, not '$seconds'" >&2
  exit 2
fi
if [[ "$which" == all ]]; then
  targets=("${all_targets[@]}")
elif [[ " ${all_targets[*]} " == *" $which "* ]]; then
  targets=("$which")
else
  echo "fuzz.sh: unknown target '$which'; use one of: all ${all_targets[*]}" >&2
  exit 2
fi

# libFuzzer limits per target: the largest input, peak memory, and seconds per input. Inputs are
# short texts and signed objects; 8 KiB holds any of them (a full hash tile is 8 KiB). A sealed
# record's checks do not depend on its length past the header, so the vault target's inputs stay
# short (longer ones only cost SHA-256 time). It runs Argon2id on its seed (19 MiB at the floor
# parameters, up to 256 MiB at the ceiling a valid header may ask for), so it gets more memory
# and time per input. The largest revocation-map proof (depth 256, every sibling) is 8,275 bytes;
# an access trail answer holds a proof of up to 8,307 bytes and its events.
max_len() { case "$1" in vault_record) echo 1024 ;; revmap_proof) echo 8448 ;; access_trail) echo 16384 ;; *) echo 8192 ;; esac; }
rss_limit_mb() { case "$1" in vault_record) echo 4096 ;; *) echo 2048 ;; esac; }
timeout_s() { case "$1" in vault_record) echo 60 ;; *) echo 10 ;; esac; }

# What `cargo fuzz build --sanitizer none --debug-assertions` passes, all of it on stable.
# --target makes cargo apply RUSTFLAGS to the fuzzed crates only, not to build scripts and
# proc macros (which would then need libFuzzer's symbols to link).
host="$(rustc -vV | sed -n 's/^host: //p')"
fuzz_dir="$CARGO_TARGET_DIR/fuzz-cov"
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
-Cllvm-args=-sanitizer-coverage-stack-depth \
--cfg fuzzing \
-Clink-dead-code \
-Cdebug-assertions \
-Coverflow-checks \
-Ccodegen-units=1"
# Line tables so a crash's backtrace names files and lines.
export CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
export RUST_BACKTRACE=1

log "building the fuzz targets with coverage instrumentation ($fuzz_dir)"
build_args=()
for target in "${targets[@]}"; do build_args+=(--bin "$target"); done
cargo build --release --locked --manifest-path fuzz/Cargo.toml --target "$host" \
  --target-dir "$fuzz_dir" "${build_args[@]}"

failed=()
for target in "${targets[@]}"; do
  binary="$fuzz_dir/$host/release/$target"
  corpus="$fuzz_dir/corpus/$target"
  artifacts="$fuzz_dir/artifacts/$target"
  log_file="$fuzz_dir/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log_file")"
  cp fuzz/corpus/"$target"/* "$corpus/"
  log "fuzzing $target for ${seconds}s (corpus $corpus, log $log_file)"
  rc=0
  "$binary" "$corpus" \
    -max_total_time="$seconds" \
    -max_len="$(max_len "$target")" \
    -rss_limit_mb="$(rss_limit_mb "$target")" \
    -timeout="$(timeout_s "$target")" \
    -artifact_prefix="$artifacts/" \
    -print_final_stats=1 \
    "${extra_flags[@]}" \
    >"$log_file" 2>&1 || rc=$?

  # Without instrumentation libFuzzer would run blind: make sure the flags took.
  counters="$(sed -n 's/^INFO: Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log_file" | head -n1)"
  if [[ "$rc" -eq 0 && "${counters:-0}" -eq 0 ]]; then
    echo "fuzz.sh: $target has no coverage counters: the instrumentation flags did not apply" >&2
    rc=1
  fi
  grep -E '^INFO: Loaded|^#[0-9]+[[:space:]]+(INITED|DONE)' "$log_file" >&2 || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)' "$log_file" >&2 || true
  if [[ "$rc" -ne 0 ]]; then
    echo "fuzz.sh: $target FAILED (exit $rc); from $log_file:" >&2
    # From the panic, crash, timeout or out-of-memory report on; else the last lines.
    first="$(grep -n -m1 -E 'panicked at|ERROR: libFuzzer|ALARM: working on|out-of-memory' "$log_file" | cut -d: -f1 || true)"
    if [[ -n "$first" ]]; then sed -n "${first},\$p" "$log_file" >&2; else tail -n 60 "$log_file" >&2; fi
    sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log_file" | while read -r input; do
      [[ -f "$input" ]] || continue
      echo "fuzz.sh: $target input $input (base64): $(base64 -w0 "$input" | head -c 4096)" >&2
      echo "fuzz.sh: replay with: $binary $input" >&2
    done
    failed+=("$target")
  fi
done

if [[ "${#failed[@]}" -gt 0 ]]; then
  echo "fuzz.sh: failures in: ${failed[*]} (inputs under $fuzz_dir/artifacts/)" >&2
  exit 1
fi
log "fuzzing done: ${targets[*]}, ${seconds}s each, no crash"
