#!/bin/sh
# tests/t_cli.sh -- ./llm end to end: generation, tokenisation and perplexity against
# the reference data (llama.cpp's outputs, the published stories260K text), errors on
# bad input, the memory plan, seeds, standard input and --stop.
set -u
LLM=${LLM:-./llm}
T=${TESTS_TMP:-/tmp}
D=${LLM_TEST_DATA:-}
pass() { echo "PASS cli $1"; }
fail() { echo "FAIL cli $1: $2"; }
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected [$3] got [$2]"; fi; }

# ---- flags and errors that need no model ----
"$LLM" --version >/dev/null 2>&1 && pass "--version" || fail "--version" "exit status $?"
"$LLM" --help | grep -q -- "--perplexity" && pass "--help lists the flags" || fail "--help lists the flags" "missing"
"$LLM" --no-such-flag >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown option '--no-such-flag'" "$T/err" && pass "unknown flag exits 2 with its name" \
  || fail "unknown flag exits 2 with its name" "rc $rc: $(cat "$T/err")"
"$LLM" -m /nonexistent.gguf -p hi >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "cannot open '/nonexistent.gguf'" "$T/err" \
  && pass "missing model file: one line, exit 1" || fail "missing model file: one line, exit 1" "rc $rc: $(cat "$T/err")"
"$LLM" -n abc -p x >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "needs a whole number" "$T/err" && pass "bad number" || fail "bad number" "rc $rc: $(cat "$T/err")"
LLM_MODELS=$T/empty-models HOME=$T "$LLM" -p hi >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no model given and none in $T/empty-models" "$T/err" && grep -q "TinyLlama" "$T/err" \
  && pass "no model: says what to do" || fail "no model: says what to do" "rc $rc: $(cat "$T/err")"

# ---- --render-template: a built-in template and a file, errors ----
printf '{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi {{ there }}"}],"add_generation_prompt":true}' > "$T/ctx.json"
out=$("$LLM" --render-template chatml --context "$T/ctx.json" 2>"$T/err")
exp=$(printf '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi {{ there }}<|im_end|>\n<|im_start|>assistant\n')
check "--render-template chatml" "$out" "$exp"
printf '{%% for m in messages %%}[{{ m.role|upper }}] {{ m.content }}\n{%% endfor %%}{%% if add_generation_prompt %%}>{%% endif %%}' > "$T/t.jinja"
out=$("$LLM" --render-template "$T/t.jinja" --context "$T/ctx.json" 2>"$T/err")
check "--render-template FILE" "$out" "$(printf '[SYSTEM] Be brief.\n[USER] Hi {{ there }}\n>')"
printf '{{ raise_exception("no system messages here") }}' > "$T/r.jinja"
"$LLM" --render-template "$T/r.jinja" --context "$T/ctx.json" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no system messages here" "$T/err" && pass "--render-template: raise_exception's message, exit 1" \
  || fail "--render-template: raise_exception's message, exit 1" "rc $rc: $(cat "$T/err")"
printf '{"messages": [' > "$T/bad.json"
"$LLM" --render-template chatml --context "$T/bad.json" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "json: .* at byte" "$T/err" && pass "--render-template: bad JSON named with its byte" \
  || fail "--render-template: bad JSON named with its byte" "rc $rc: $(cat "$T/err")"

if [ -z "$D" ] || [ ! -f "$D/models/stories260K.gguf" ]; then
  echo "SKIP cli reference: LLM_TEST_DATA not set"; exit 0
fi
M=$D/models/stories260K.gguf
R=$D/reference
PROMPT="Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. One day, she saw a big red ball under a tree."

# ---- corrupt files: one clear line, exit 1, never a crash ----
head -c 100000 "$M" > "$T/trunc.gguf"
: > "$T/empty.gguf"
printf 'this is not a model at all, just some text that is long enough' > "$T/text.gguf"
for f in trunc empty text; do
  "$LLM" -m "$T/$f.gguf" -p hi >/dev/null 2>"$T/err"; rc=$?
  if [ $rc -eq 1 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -Eq "truncated|not a GGUF" "$T/err"; then
    pass "corrupt file ($f) refused"
  else fail "corrupt file ($f) refused" "rc $rc: $(head -c 300 "$T/err")"; fi
done
if [ -f "$R/synth-qwen2-Q8_0.gguf" ] && ! "$LLM" -m "$R/synth-qwen2-Q8_0.gguf" --info >/dev/null 2>"$T/err"; then
  if grep -q "architecture 'qwen2' is not supported" "$T/err"; then pass "unsupported architecture named"
  else fail "unsupported architecture named" "$(cat "$T/err")"; fi
fi

# ---- greedy generation equals llama.cpp's (MANIFEST 8.4: BOS alone, and the prompt) ----
out=$("$LLM" -m "$M" -p "" --temp 0 -n 32 2>"$T/err")
check "greedy from BOS alone tells the recorded story" "$out" \
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One"
out=$("$LLM" -m "$M" -p "$PROMPT" --temp 0 -n 32 2>/dev/null)
exp=$(printf " She wanted to play with it, but she didn't want to play with it.\nLily's friend, Timmy, cam")
check "greedy continuation equals the reference" "$out" "$exp"
out=$("$LLM" -m "$M" -p "$PROMPT" --temp 0 -n 32 -b 7 -t 2 2>/dev/null)
check "same continuation with -b 7 -t 2" "$out" "$exp"
out=$(printf '%s' "$PROMPT" | "$LLM" -m "$M" --temp 0 -n 32 2>/dev/null)
check "prompt from standard input" "$out" "$exp"
printf '%s' "$PROMPT" > "$T/prompt.txt"
out=$("$LLM" -m "$M" -f "$T/prompt.txt" --temp 0 -n 32 2>/dev/null)
check "prompt from -f FILE" "$out" "$exp"

# ---- tokenisation equals llama-tokenize's (the reference token file minus BOS) ----
out=$("$LLM" -m "$M" --tokenize -p "$PROMPT" 2>/dev/null)
check "--tokenize equals llama-tokenize" "1 $out" "$(cat "$R/stories260K.tokens.txt")"

# ---- --stop: generation ends before the stop text, which is not printed ----
out=$("$LLM" -m "$M" -p "$PROMPT" --temp 0 -n 32 --stop "play with" 2>/dev/null)
check "--stop" "$out" " She wanted to "

# ---- seeds: same seed, same text; sampling differs from greedy ----
a=$("$LLM" -m "$M" -p "Once upon" -n 40 --seed 7 --temp 1 2>/dev/null)
b=$("$LLM" -m "$M" -p "Once upon" -n 40 --seed 7 --temp 1 2>/dev/null)
c=$("$LLM" -m "$M" -p "Once upon" -n 40 --seed 8 --temp 1 2>/dev/null)
[ -n "$a" ] && [ "$a" = "$b" ] && pass "same seed, same output" || fail "same seed, same output" "[$a] vs [$b]"
[ "$a" != "$c" ] && pass "another seed, another output" || fail "another seed, another output" "both [$a]"

# ---- perplexity within 0.5% of llama-perplexity's ----
ppl_check() {  # name model expected
  out=$("$LLM" -m "$2" --perplexity -f "$R/ppl-text.txt" -c 64 -b 64 2>/dev/null | grep "Final estimate")
  v=$(echo "$out" | sed -n 's/Final estimate: PPL = \([0-9.]*\) +\/- .*/\1/p')
  if [ -n "$v" ] && awk -v v="$v" -v e="$3" 'BEGIN { d = (v - e) / e; if (d < 0) d = -d; exit !(d <= 0.005) }'; then
    pass "perplexity $1 $v (llama.cpp $3)"
  else fail "perplexity $1" "got [$out], llama.cpp $3"; fi
}
ppl_check stories260K "$M" 4.5718
[ -f "$R/synth-llama-F32.gguf" ] && ppl_check synth-llama-F32 "$R/synth-llama-F32.gguf" 535.1767
[ -f "$R/synth-llama-Q4_K_M.gguf" ] && ppl_check synth-llama-Q4_K_M "$R/synth-llama-Q4_K_M.gguf" 535.6505

# ---- --info and --mem-limit ----
"$LLM" -m "$M" --info > "$T/info" 2>&1
grep -q "^architecture   llama" "$T/info" && grep -q "KV cache" "$T/info" && grep -q "arena total" "$T/info" \
  && grep -q "F32 x48" "$T/info" && pass "--info: architecture, tensor types, memory plan" \
  || fail "--info: architecture, tensor types, memory plan" "$(cat "$T/info")"
"$LLM" -m "$M" -p hi --mem-limit 1M >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "needs .* but --mem-limit is 1.0 MiB" "$T/err" && pass "--mem-limit refuses with the numbers" \
  || fail "--mem-limit refuses with the numbers" "rc $rc: $(cat "$T/err")"
"$LLM" -m "$M" -p hi -n 1 --mem-limit 64M >/dev/null 2>"$T/err" && pass "--mem-limit allows what fits" \
  || fail "--mem-limit allows what fits" "$(cat "$T/err")"
