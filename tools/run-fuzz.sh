#!/usr/bin/env bash
# Runs every adapter fuzz target for FUZZ_SECONDS (default 60) each, FUZZ_JOBS
# (default 2) at a time, seeded with the channel examples; new interesting inputs are merged
# (minimized) into fuzz/corpus/<target>, which `make test` replays.
# Usage: tools/run-fuzz.sh [seconds]   (after building build-fuzz; see `make fuzz`)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
BIN=build-fuzz/bin
FIXTURES="${OMNIGATE_FIXTURES_DIR:-$(pwd)/tests/fixtures/channels}"
[ -d "$FIXTURES" ] || { echo "fixtures not found (set OMNIGATE_FIXTURES_DIR)" >&2; exit 1; }
OUT=build-fuzz/runs
mkdir -p "$OUT"

run_one() {
  local target="$1" prefix="${1%%_*}__"
  [ "$prefix" = "x__" ] && prefix="twitter__"
  local seeds="$OUT/$target.seeds" fresh="$OUT/$target.new"
  rm -rf "$seeds" "$fresh"; mkdir -p "$seeds" "$fresh" "fuzz/corpus/$target"
  find "$FIXTURES" -name "${prefix}*" ! -name '*.expected.json' -exec cp {} "$seeds/" \;
  [ -d "fuzz/regressions/$target" ] && cp fuzz/regressions/"$target"/* "$seeds/" 2>/dev/null || true
  "$BIN/fuzz_$target" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -max_len=65536 \
    -rss_limit_mb=2048 "$fresh" "fuzz/corpus/$target" "$seeds" >"$OUT/$target.log" 2>&1 || {
    echo "$target: CRASH, see $OUT/$target.log" >&2; return 1; }
  # Keep a minimized corpus: only inputs that add coverage.
  local merged="$OUT/$target.merged"; rm -rf "$merged"; mkdir -p "$merged"
  "$BIN/fuzz_$target" -merge=1 "$merged" "fuzz/corpus/$target" "$fresh" >>"$OUT/$target.log" 2>&1
  rm -rf "fuzz/corpus/$target"; mv "$merged" "fuzz/corpus/$target"
  local execs; execs=$(grep -m1 'stat::number_of_executed_units' "$OUT/$target.log" | awk '{print $2}')
  echo "$target: ${execs:-?} executions in ${SECONDS_PER_TARGET}s, corpus $(ls "fuzz/corpus/$target" | wc -l) files, no crash"
}

status=0
# FUZZ_TARGETS="a b" runs only those.
read -r -a targets <<<"${FUZZ_TARGETS:-whatsapp messenger instagram telegram line twilio viber x webchat email_sendgrid email_mailgun}"
jobs="${FUZZ_JOBS:-2}"
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  pids=()
  for t in "${targets[@]:i:jobs}"; do run_one "$t" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
done
exit $status
