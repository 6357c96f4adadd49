#!/bin/sh
# tests/t_cross.sh -- the aarch64 and armv7 builds of `make cross`, run under qemu-user:
#   - the kernel unit tests (tests/unit_kernels.c, tests/unit_simd*.c, unit_attention.c, unit_gemv.c, unit_pp.c) built with the
#     cross compiler (make cross-ARCH builds them into $CROSS_BUILD_DIR/ARCH/);
#   - greedy generation with dist/llm-ARCH: stories260K from BOS must tell the recorded
#     story (and equal ./llm's output), and on the K-quant synth-llama-*.gguf of the
#     reference data the SIMD kernels must give the tokens of LLM_FORCE_REF=1 (same
#     binary): the NEON K-quant dots equal the reference bit for bit. (Not the 32-blocks:
#     their NEON dots sum blocks in another order, and these random-weight models have
#     near-flat logits, PPL ~540, so greedy ties flip; unit_simd checks them numerically.)
#   - the dispatch: --verbose names the NEON K-quant kernels (tile, batch, gemv) and the NEON attention.
# Configurations: aarch64 on qemu's default CPU ("max": NEON with dotprod), aarch64 with
# QEMU_CPU=cortex-a72 (NEON, no dotprod: the Pi 4 path), armv7 (armhf, NEON).
# SKIP when qemu-user-static or a cross compiler (gcc-aarch64-linux-gnu / musl-dev:arm64,
# gcc-arm-linux-gnueabihf / musl-dev:armhf) is missing: `make cross` installs them.
set -u
# sanitizer builds (make test-asan) are dynamic and need their shadow memory: not for qemu
[ -z "${LLM_SANITIZED:-}" ] || { echo "SKIP cross: sanitizer build (make test-asan)"; exit 0; }
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 1
MAKE=${MAKE:-make}
LLM=${LLM:-./llm}
T=${TESTS_TMP:-/tmp}
D=${LLM_TEST_DATA:-}
CB=${CROSS_BUILD_DIR:-$ROOT/build/cross}
DIST=${DIST:-$ROOT/dist}
STORY="Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One"

# prefix LABEL: the PASS/FAIL/SKIP lines of stdin get "LABEL " after the keyword.
prefix() { sed -E "s/^(PASS|FAIL|SKIP) /\\1 $1 /"; }

for arch in aarch64 armv7; do
  case $arch in
    aarch64) qemu=qemu-aarch64-static; cc=aarch64-linux-gnu-gcc; specs=/usr/lib/aarch64-linux-musl/musl-gcc.specs
             cpus="max cortex-a72" ;;
    armv7)   qemu=qemu-arm-static; cc=arm-linux-gnueabihf-gcc; specs=/usr/lib/arm-linux-musleabihf/musl-gcc.specs
             cpus="max" ;;
  esac
  if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "SKIP cross.$arch: $qemu not installed (apt-get install qemu-user-static, or make cross)"; continue
  fi
  if ! command -v "$cc" >/dev/null 2>&1 || [ ! -f "$specs" ]; then
    echo "SKIP cross.$arch: $cc or $specs missing (make cross installs them)"; continue
  fi
  # Build the binary and the unit tests (quietly; the log is shown on failure).
  if ! $MAKE --no-print-directory -C "$ROOT" NO_SETUP=1 "cross-$arch" > "$T/cross-$arch.log" 2>&1; then
    sed 's/^/# /' "$T/cross-$arch.log" | tail -n 30
    echo "FAIL cross.$arch.build: make cross-$arch failed"; continue
  fi
  grep -i 'warning' "$T/cross-$arch.log" | sed 's/^/# /' | head -n 5
  echo "PASS cross.$arch.build"
  bin=$DIST/llm-$arch
  for cpu in $cpus; do
    label="$arch"
    [ "$cpu" = max ] || label="$arch-$cpu"
    # unit tests of the kernels
    for src in tests/unit_kernels.c tests/unit_simd*.c tests/unit_attention.c tests/unit_gemv.c tests/unit_pp.c; do
      [ -f "$src" ] || continue
      u=$(basename "$src" .c)
      QEMU_CPU=$cpu "$qemu" "$CB/$arch/$u" > "$T/cross.out" 2>&1; rc=$?
      prefix "$label:" < "$T/cross.out" | grep -E '^(PASS|FAIL|SKIP) '
      grep -E '^# (ISAs|kern_impl)' "$T/cross.out" | sed "s/^# /# $label: /"
      if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$T/cross.out"; then
        echo "FAIL $label: $u: exit status $rc without a FAIL line"; tail -n 5 "$T/cross.out" | sed 's/^/# /'
      fi
    done
    # end to end
    if [ -z "$D" ] || [ ! -f "$D/models/stories260K.gguf" ]; then
      echo "SKIP $label: generation: LLM_TEST_DATA not set"; continue
    fi
    out=$(QEMU_CPU=$cpu "$qemu" "$bin" -m "$D/models/stories260K.gguf" -p "" --temp 0 -n 32 2>"$T/cross.err")
    nat=$("$LLM" -m "$D/models/stories260K.gguf" -p "" --temp 0 -n 32 2>/dev/null)
    if [ "$out" = "$STORY" ] && [ "$out" = "$nat" ]; then echo "PASS $label: greedy stories260K from BOS"
    else echo "FAIL $label: greedy stories260K from BOS: got [$out] ($(head -c 200 "$T/cross.err")), x86 [$nat]"; fi
    n=0; bad=""
    for f in "$D"/reference/synth-llama-*_K*.gguf; do
      [ -f "$f" ] || continue
      simd=$(QEMU_CPU=$cpu "$qemu" "$bin" -m "$f" -p "Once upon a time" --temp 0 -n 12 2>/dev/null)
      ref=$(LLM_FORCE_REF=1 QEMU_CPU=$cpu "$qemu" "$bin" -m "$f" -p "Once upon a time" --temp 0 -n 12 2>/dev/null)
      n=$((n + 1))
      if [ -z "$simd" ] || [ "$simd" != "$ref" ]; then bad="$bad $(basename "$f" .gguf)"; fi
    done
    if [ $n -eq 0 ]; then echo "SKIP $label: synth-llama greedy: no reference models"
    elif [ -z "$bad" ]; then echo "PASS $label: greedy = LLM_FORCE_REF=1 on $n K-quant synth-llama models"
    else echo "FAIL $label: greedy differs from LLM_FORCE_REF=1 (or is empty) on:$bad"; fi
    # the dispatch: --verbose names the K-quant kernels (tile, batch, gemv) and the NEON attention
    f="$D/reference/synth-llama-Q4_K_M.gguf"
    if [ -f "$f" ]; then
      want=neon
      [ "$arch" = aarch64 ] && [ "$cpu" = max ] && want=neon-dotprod
      QEMU_CPU=$cpu "$qemu" "$bin" -m "$f" -p "Hi" --temp 0 -n 1 --verbose >/dev/null 2>"$T/cross.err"
      if grep -q "Q4_K $want tiled batch gemv" "$T/cross.err" && grep -q "Q6_K $want tiled batch gemv" "$T/cross.err" &&
         grep -q "attention+swiglu neon-vfpv4" "$T/cross.err"; then
        echo "PASS $label: --verbose: Q4_K and Q6_K $want tiled batch gemv, attention+swiglu neon-vfpv4"
      else echo "FAIL $label: --verbose: want Q4_K/Q6_K $want tiled batch gemv and attention neon-vfpv4: $(grep kernels "$T/cross.err")"; fi
    fi
  done
done
exit 0
