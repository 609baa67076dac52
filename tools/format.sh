#!/usr/bin/env bash
# Formats every C++ file git knows of with the committed .clang-format (clang-format 14,
# Debian 12's `clang-format`).
# Usage: tools/format.sh [--check]   --check: change nothing, list unformatted files, exit 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$tool" ] || { echo "format: clang-format not found (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' '*.h' '*.cc')
if [ "${1:-}" = --check ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! "$tool" --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
      echo "format: $f differs from .clang-format (run bash tools/format.sh)"
      bad=1
    fi
  done
  [ $bad -eq 0 ] && echo "format: ${#files[@]} files follow .clang-format"
  exit $bad
fi
"$tool" --style=file -i "${files[@]}"
echo "format: ${#files[@]} files formatted"
