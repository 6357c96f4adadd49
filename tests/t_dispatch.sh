#!/bin/sh
# tests/t_dispatch.sh -- one x86_64 binary on every x86_64 CPU: the kernel tests and a
# greedy generation under qemu-x86_64 emulating a CPU with AVX2 but no AVX-512
# (-cpu max: the AVX2 kernels, prompt processing too) and one without AVX at all
# (-cpu qemu64, the plain reference kernels).
# SKIP on other machines or without qemu-user-static.
set -u
# sanitizer builds (make test-asan) are dynamic and need their shadow memory: not for qemu
[ -z "${LLM_SANITIZED:-}" ] || { echo "SKIP dispatch: sanitizer build (make test-asan)"; exit 0; }
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
LLM=${LLM:-$ROOT/llm}
D=${LLM_TEST_DATA:-}
T=${TESTS_TMP:-/tmp}
B=${BUILD_DIR:-$ROOT/build/tests}
[ "$(uname -m)" = x86_64 ] || { echo "SKIP dispatch: not an x86_64 machine"; exit 0; }
command -v qemu-x86_64-static >/dev/null 2>&1 || { echo "SKIP dispatch: qemu-user-static not installed"; exit 0; }
STORY="Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One"
for cpu in max qemu64; do
  case $cpu in max) want=avx2 ;; qemu64) want=ref ;; esac
  for u in unit_simd unit_attention unit_pp; do
    [ -x "$B/$u" ] || { echo "SKIP dispatch.$cpu.$u: $B/$u not built"; continue; }
    qemu-x86_64-static -cpu $cpu "$B/$u" > "$T/d.out" 2>&1; rc=$?
    sed -E "s/^(PASS|FAIL|SKIP) /\\1 dispatch.$cpu: /" "$T/d.out" | grep -E '^(PASS|FAIL|SKIP) '
    [ $rc -eq 0 ] || grep -q '^FAIL' "$T/d.out" || echo "FAIL dispatch.$cpu.$u: exit status $rc"
  done
  if [ -n "$D" ] && [ -f "$D/models/stories260K.gguf" ]; then
    out=$(qemu-x86_64-static -cpu $cpu "$LLM" -m "$D/models/stories260K.gguf" -p "" --temp 0 -n 32 --verbose 2>"$T/d.err")
    if [ "$out" = "$STORY" ] && grep -q "kernels: F32 $want" "$T/d.err"; then
      echo "PASS dispatch.$cpu: greedy story with the $want kernels"
    else echo "FAIL dispatch.$cpu: greedy story with the $want kernels: [$out] $(grep kernels "$T/d.err")"; fi
  fi
done
