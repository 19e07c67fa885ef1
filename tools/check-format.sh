#!/usr/bin/env bash
# Fails when a C++ file of the repository differs from what clang-format
# (.clang-format at the root) makes of it; `make format` rewrites them.
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
while IFS= read -r f; do
  [[ -f "$f" && "$f" != fuzz/corpus/* ]] && files+=("$f")
done < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h')
report=$(clang-format --dry-run --Werror "${files[@]}" 2>&1) && status=0 || status=$?
if ((status != 0)); then
  grep -o '^[^:]*:[0-9]*:[0-9]*: error' <<<"$report" | cut -d: -f1 | sort -u |
    sed 's/^/not formatted: /' >&2 || true
  echo "check-format: run 'make format'" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
