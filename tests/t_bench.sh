#!/bin/sh
# tests/t_bench.sh -- --bench works (not how fast: speed is measured by `make bench`,
# never asserted): the table, llama-bench's JSON keys, synthetic models of every shape,
# and the reference kernels giving the same greedy tokens as the SIMD ones.
set -u
LLM=${LLM:-./llm}
T=${TESTS_TMP:-/tmp}
D=${LLM_TEST_DATA:-}
PY=${PYTHON:-python3}
pass() { echo "PASS bench $1"; }
fail() { echo "FAIL bench $1: $2"; }

out=$(TMPDIR=$T "$LLM" --bench --synthetic smollm2-135m:Q8_0 -p 8 -n 4 -r 2 -t 2 2>"$T/err")
if echo "$out" | grep -q "| pp8 |" && echo "$out" | grep -q "| tg4 |" && echo "$out" | grep -q "memory read bandwidth"; then
  pass "table with pp, tg and the bandwidth limit"
else fail "table with pp, tg and the bandwidth limit" "$out $(cat "$T/err")"; fi
# the fraction of the limit compares each tg repetition with reads of the same weights
# just before and after it (not asserted: speed is never a test), so the line names the
# range of those reads
if echo "$out" | grep -Eq "^tg4 reaches [0-9]+% of the limit with the file mapping \(the weights read at ([0-9.]+)-([0-9.]+) GB/s just before and after each run; each run against the faster read\)$"; then
  pass "tg's fraction of the limit against the weights' own read bandwidth"
else fail "tg's fraction of the limit against the weights' own read bandwidth" "$out"; fi
ls "$T"/llm-synthetic-* >/dev/null 2>&1 && fail "synthetic model removed" "left in $T" || pass "synthetic model removed"

TMPDIR=$T "$LLM" --bench --synthetic smollm2-135m:Q4_K_M -p 8 -n 4 -r 2 --json --no-hugepages > "$T/b.json" 2>"$T/err"
if "$PY" - "$T/b.json" <<'PYEOF'
import json, sys
a = json.load(open(sys.argv[1]))
assert isinstance(a, list) and len(a) == 2, a
keys = ["model_filename", "model_size", "model_n_params", "n_threads", "n_prompt", "n_gen", "avg_ts", "stddev_ts", "samples_ts"]
for o in a:
    for k in keys: assert k in o, k
    assert len(o["samples_ts"]) == 2 and all(x > 0 for x in o["samples_ts"])
    assert o["model_n_params"] > 100e6 and o["model_size"] > 50e6
assert a[0]["n_prompt"] == 8 and a[0]["n_gen"] == 0 and a[1]["n_prompt"] == 0 and a[1]["n_gen"] == 4
PYEOF
then pass "--json has llama-bench's keys"; else fail "--json has llama-bench's keys" "$(head -c 400 "$T/b.json") $(cat "$T/err")"; fi

# -d N: each test after N tokens in the context, named and keyed as llama-bench does
out=$(TMPDIR=$T "$LLM" --bench --synthetic smollm2-135m:Q8_0 -p 4 -n 2 -r 1 -d 40 -t 2 --no-hugepages 2>"$T/err")
if echo "$out" | grep -q "| pp4 @ d40 |" && echo "$out" | grep -q "| tg2 @ d40 |" &&
   echo "$out" | grep -Eq "^generation reads [0-9.]+ MiB of weights and [0-9.]+ [KM]iB of KV cache per token"; then
  pass "-d: tests named pp4 @ d40, tg2 @ d40, the KV cache in the limit"
else fail "-d: tests named pp4 @ d40, tg2 @ d40, the KV cache in the limit" "$out $(cat "$T/err")"; fi
TMPDIR=$T "$LLM" --bench --synthetic smollm2-135m:Q8_0 -p 4 -n 2 -r 1 -d 40 --json --no-hugepages > "$T/d.json" 2>"$T/err"
if "$PY" -c 'import json,sys; a=json.load(open(sys.argv[1])); assert [o["n_depth"] for o in a] == [40, 40], a' "$T/d.json"; then
  pass "-d: n_depth in the JSON"
else fail "-d: n_depth in the JSON" "$(head -c 400 "$T/d.json") $(cat "$T/err")"; fi

for shape in tinyllama-1.1b llama-3.2-1b qwen2.5-0.5b; do
  # a tiny run of each shape: the file is written, loads and generates (pp 1, tg 1)
  if TMPDIR=$T "$LLM" --bench --synthetic "$shape:Q4_0" -p 1 -n 1 -r 1 -t 2 --no-hugepages >/dev/null 2>"$T/err"; then
    pass "synthetic $shape"
  else fail "synthetic $shape" "$(cat "$T/err")"; fi
done
out=$(TMPDIR=$T "$LLM" --bench --synthetic smollm2-135m:q5_k_m -p 4 -n 1 -r 1 -t 2 --no-hugepages 2>"$T/err")
echo "$out" | grep -q "| llama 0.1B Q5_K_M |" && pass "synthetic q5_k_m runs, labelled Q5_K_M" ||
  fail "synthetic q5_k_m runs, labelled Q5_K_M" "$out $(cat "$T/err")"
"$LLM" --bench --synthetic nosuch:Q4_0 >/dev/null 2>"$T/err"
grep -q "unknown shape 'nosuch'" "$T/err" && pass "unknown shape named" || fail "unknown shape named" "$(cat "$T/err")"

# ---- LLM_FORCE_REF=1 gives the same greedy tokens ----
if [ -n "$D" ] && [ -f "$D/models/stories260K.gguf" ]; then
  for m in "$D/models/stories260K.gguf" "$D/reference/synth-llama-Q4_K_M.gguf" "$D/reference/synth-llama-Q8_0.gguf"; do
    [ -f "$m" ] || continue
    a=$("$LLM" -m "$m" -p "Once upon a time" --temp 0 -n 24 --ignore-eos 2>/dev/null | od -An -tx1)
    b=$(LLM_FORCE_REF=1 "$LLM" -m "$m" -p "Once upon a time" --temp 0 -n 24 --ignore-eos 2>/dev/null | od -An -tx1)
    [ -n "$a" ] && [ "$a" = "$b" ] && pass "LLM_FORCE_REF=1 same greedy text ($(basename "$m"))" \
      || fail "LLM_FORCE_REF=1 same greedy text ($(basename "$m"))" "differs"
  done
else
  echo "SKIP bench LLM_FORCE_REF comparison: LLM_TEST_DATA not set"
fi
