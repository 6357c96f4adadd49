#!/bin/sh
# tests/run.sh -- run every test of llm; `make test` calls it with the environment below.
#
# Unit tests: tests/unit_*.c, each a C program that does `#define LLM_NO_MAIN` and
# `#include "../llm.c"`, built one at a time with the compiler and flags of ./llm plus -g
# and linked with BearSSL, then run one at a time (from the repository root).
# Integration tests: tests/t_*.sh, run with sh and the environment below.
#
# Protocol: every program and script prints one line per check:
#     PASS name | FAIL name: reason | SKIP name: reason
# Other lines are echoed as they are. A test that exits non-zero without printing a FAIL
# line (a crash, a sanitizer report, a failed compile) counts as one failure named after
# it. The last line is "N passed, N failed"; the exit status is 1 when anything failed.
#
# Environment (set by the Makefile; defaults for a manual run from the repository root):
#   LLM            path of the llm binary under test          (./llm)
#   LLM_TEST_DATA  reference data, ../shared/testdata if present (else unset: SKIP)
#   TESTS_TMP      a fresh temp dir for this run, removed at the end (KEEP_TMP=1 keeps it)
#   PYTHON         python3 with the Debian modules (regex, numpy): /usr/bin/python3 first
#   TEST_CC TEST_CFLAGS TEST_LDFLAGS TEST_LIBS   how unit tests are built
#   BUILD_DIR      where unit test binaries go (build/tests)
#   TESTS          optional: only tests whose file name contains this string
#   TEST_TIMEOUT   seconds per unit program or script (default 600)
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 1

LLM=${LLM:-$ROOT/llm}
if [ -z "${LLM_TEST_DATA:-}" ] && [ -d "$ROOT/../shared/testdata" ]; then
  LLM_TEST_DATA=$(cd "$ROOT/../shared/testdata" && pwd)
fi
if [ -z "${PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
TEST_CC=${TEST_CC:-musl-gcc}
TEST_CFLAGS=${TEST_CFLAGS:--std=c11 -O2 -Wall -Wextra -g -Ivendor/bearssl-src/inc}
TEST_LDFLAGS=${TEST_LDFLAGS--static}
TEST_LIBS=${TEST_LIBS:-vendor/build/musl-gcc/libbearssl.a -lm -lpthread}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/tests}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
TESTS=${TESTS:-}
TESTS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/llm-tests.XXXXXX") || exit 1
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$TESTS_TMP"' EXIT
trap 'exit 130' INT TERM
export LLM LLM_TEST_DATA TESTS_TMP PYTHON ROOT TEST_LDFLAGS
mkdir -p "$BUILD_DIR"

if [ -n "${LLM_TEST_DATA:-}" ]; then echo "# LLM_TEST_DATA=$LLM_TEST_DATA"
else echo "# LLM_TEST_DATA not set and ../shared/testdata absent: reference tests will SKIP"; fi

RESULTS=$TESTS_TMP/.results
: > "$RESULTS"

# run_one NAME CMD...: runs CMD with a timeout, echoes its output line by line, records
# the PASS/FAIL/SKIP lines, and counts a non-zero exit without a FAIL line as a failure.
run_one() {
  name=$1; shift
  out=$TESTS_TMP/.out
  # output streams as it comes (tee); the exit status goes through a file
  { if command -v timeout >/dev/null 2>&1; then timeout -k 10 "$TEST_TIMEOUT" "$@" 2>&1
    else "$@" 2>&1; fi; echo $? > "$TESTS_TMP/.rc"; } | tee "$out"
  rc=$(cat "$TESTS_TMP/.rc")
  grep -E '^(PASS|FAIL|SKIP) ' "$out" >> "$RESULTS"
  if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
    if [ "$rc" -eq 124 ]; then why="timed out after ${TEST_TIMEOUT}s"
    elif [ "$rc" -gt 128 ]; then why="killed by signal $((rc - 128))"
    else why="exit status $rc without a FAIL line"; fi
    echo "FAIL $name: $why" | tee -a "$RESULTS"
  elif ! grep -Eq '^(PASS|FAIL|SKIP) ' "$out"; then
    echo "FAIL $name: printed no PASS/FAIL/SKIP line" | tee -a "$RESULTS"
  fi
}

selected() { [ -z "$TESTS" ] || case $1 in *"$TESTS"*) return 0 ;; *) return 1 ;; esac; }

for src in tests/unit_*.c; do
  [ -f "$src" ] || continue
  selected "$src" || continue
  name=$(basename "$src" .c)
  bin=$BUILD_DIR/$name
  echo "# build $name"
  # shellcheck disable=SC2086
  if $TEST_CC $TEST_CFLAGS $TEST_LDFLAGS -o "$bin" "$src" $TEST_LIBS > "$TESTS_TMP/.cc" 2>&1; then
    sed 's/^/# /' "$TESTS_TMP/.cc"
    echo "# run $name"
    run_one "$name" "$bin"
  else
    sed 's/^/# /' "$TESTS_TMP/.cc"
    echo "FAIL $name: does not compile" | tee -a "$RESULTS"
  fi
done

for script in tests/t_*.sh; do
  [ -f "$script" ] || continue
  selected "$script" || continue
  name=$(basename "$script" .sh)
  echo "# run $name"
  run_one "$name" sh "$script"
done

passed=$(grep -c '^PASS ' "$RESULTS")
failed=$(grep -c '^FAIL ' "$RESULTS")
skipped=$(grep -c '^SKIP ' "$RESULTS")
if [ "$failed" -gt 0 ]; then
  echo "# failed:"; grep '^FAIL ' "$RESULTS" | sed 's/^/#   /'
fi
echo "$skipped skipped"
[ $((passed + failed)) -gt 0 ] || echo "# no test ran"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
