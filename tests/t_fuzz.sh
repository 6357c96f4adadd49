#!/bin/sh
# tests/t_fuzz.sh -- `make fuzz` as checks of `make test`: the GGUF reader, the JSON
# parser with the Jinja interpreter, and the HTTP response parser, under libFuzzer with
# AddressSanitizer and UBSan for FUZZ_SECONDS (default 30) seconds each.
# SKIP when the fuzz target or clang's fuzzer runtime is missing.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
TESTS_TMP=${TESTS_TMP:-$(mktemp -d)}
name=fuzz_gguf
log=$TESTS_TMP/$name.log

if [ ! -f "$ROOT/tests/$name.c" ]; then
  echo "SKIP $name: tests/$name.c does not exist"; exit 0
fi
FUZZ_CC=${FUZZ_CC:-clang}
if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
  echo "SKIP $name: $FUZZ_CC not installed (apt-get install clang libclang-rt-dev)"; exit 0
fi
probe=$TESTS_TMP/$name.probe
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > "$probe.c"
if ! "$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" >/dev/null 2>&1; then
  echo "SKIP $name: $FUZZ_CC cannot link -fsanitize=fuzzer (install libclang-rt-dev)"; exit 0
fi

secs=${FUZZ_SECONDS:-30}
for target in gguf template http; do
  name=fuzz_$target
  log=$TESTS_TMP/$name.log
  [ -f "$ROOT/tests/$name.c" ] || { echo "SKIP $name: tests/$name.c does not exist"; continue; }
  if ${MAKE:-make} --no-print-directory -C "$ROOT" fuzz FUZZ_TARGET=$target FUZZ_SECONDS="$secs" > "$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "PASS $name (${secs}s, ${execs:-?} runs, ASan+UBSan)"
  else
    tail -n 40 "$log" | sed 's/^/# /'
    if ! grep -q '^  FUZZ    ' "$log"; then
      echo "FAIL $name: the fuzz target does not build (log above)"
    else
      why=$(grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error:|SUMMARY:' "$log" | cut -c1-160)
      art=$(ls -t "$ROOT"/build/fuzz/artifacts/ 2>/dev/null | head -n 1)
      echo "FAIL $name: ${why:-make fuzz failed}${art:+ (input: build/fuzz/artifacts/$art)}"
    fi
  fi
done
