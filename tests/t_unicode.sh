#!/bin/sh
# tests/t_unicode.sh -- the Unicode table committed in llm.c is exactly what
# tools/gen_unicode.py generates from Debian's unicode-data (SKIP without it).
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
T=${TESTS_TMP:-/tmp}
PY=${PYTHON:-python3}
[ -f /usr/share/unicode/UnicodeData.txt ] || { echo "SKIP unicode table: install unicode-data"; exit 0; }
cp "$ROOT/llm.c" "$T/llm-unicode.c"
if ! "$PY" "$ROOT/tools/gen_unicode.py" "$T/llm-unicode.c" > "$T/gen.log" 2>&1; then
  echo "FAIL unicode table: gen_unicode.py failed: $(head -c 300 "$T/gen.log")"; exit 0
fi
if cmp -s "$ROOT/llm.c" "$T/llm-unicode.c"; then echo "PASS unicode table equals tools/gen_unicode.py's output"
else echo "FAIL unicode table: llm.c differs from tools/gen_unicode.py's output (rerun it)"; fi
