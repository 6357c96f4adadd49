#!/bin/sh
# tests/t_chat.sh -- chat mode and the REPL: piped turns, KV-cache reuse per turn, the
# end-of-turn markers of the built-in templates, /save and /load, a full context, and
# the terminal REPL driven through a pseudo-terminal (tests/pty_drive.py) with
# TERM=dumb and TERM=xterm: no escape codes, line editing, history, multi-line input,
# Ctrl-C during an answer and at the prompt, Ctrl-D. Expectations come from the
# templates' own renderings (--render-template, checked against jinja2 elsewhere) and
# the tokenizer (checked against llama.cpp's vectors elsewhere).
set -u
LLM=${LLM:-./llm}
PY=${PYTHON:-/usr/bin/python3}
D=${LLM_TEST_DATA:-}
T=${TESTS_TMP:-/tmp}/chat
rm -rf "$T"; mkdir -p "$T"
pass() { echo "PASS chat $1"; }
fail() { echo "FAIL chat $1: $2"; }
skip() { echo "SKIP chat $1: $2"; }
if [ -z "$D" ] || [ ! -f "$D/models/stories260K.gguf" ]; then skip "all" "LLM_TEST_DATA not set (needs stories260K)"; exit 0; fi
M=$D/models/stories260K.gguf
SLOW=$D/reference/synth-llama-F32.gguf

# ---- piped: one turn per line ----
printf 'hi\nbye\n' | "$LLM" -m "$M" --template chatml --temp 0 -n 12 --verbose >"$T/pipe.out" 2>"$T/pipe.err"; rc=$?
turns=$(grep -c "^llm: turn:" "$T/pipe.err")
[ $rc -eq 0 ] && [ "$turns" -eq 2 ] && pass "piped: two lines, two answers, exit 0" || fail "piped: two answers" "rc $rc, $turns turns: $(tail -2 "$T/pipe.err")"
grep -q "has no chat template" "$T/pipe.err" && fail "no notice with a template" "$(grep 'no chat template' "$T/pipe.err")" \
  || pass "a template given: no plain-completion notice"

# the second turn evaluates only what is new: reused + evaluated = the tokens of the
# whole conversation as the template renders it, and reused covers the first turn
e1=$(sed -n 's/^llm: turn: \([0-9]*\) prompt tokens evaluated, \([0-9]*\) reused.*/\1 \2/p' "$T/pipe.err" | sed -n 1p)
e2=$(sed -n 's/^llm: turn: \([0-9]*\) prompt tokens evaluated, \([0-9]*\) reused.*/\1 \2/p' "$T/pipe.err" | sed -n 2p)
ans1=$(sed -n 1p "$T/pipe.out")
"$PY" -c "
import json, sys
json.dump({'messages': [{'role': 'user', 'content': 'hi'}], 'add_generation_prompt': True}, open('$T/c1.json', 'w'))
json.dump({'messages': [{'role': 'user', 'content': 'hi'}, {'role': 'assistant', 'content': sys.argv[1]},
           {'role': 'user', 'content': 'bye'}], 'add_generation_prompt': True}, open('$T/c2.json', 'w'))" "$ans1"
"$LLM" --render-template chatml --context "$T/c1.json" > "$T/r1.txt"
n1=$("$LLM" -m "$M" --tokenize -f "$T/r1.txt" 2>/dev/null | wc -w)
"$LLM" --render-template chatml --context "$T/c2.json" > "$T/r2.txt"
n2=$("$LLM" -m "$M" --tokenize -f "$T/r2.txt" 2>/dev/null | wc -w)
set -- $e1; ev1=$1; re1=$2
set -- $e2; ev2=$1; re2=$2
# +1: the BOS llm adds (the model wants one and chatml does not write it)
if [ "$ev1" -eq $((n1 + 1)) ] && [ "$re1" -eq 0 ] && [ $((ev2 + re2)) -eq $((n2 + 1)) ] && [ "$re2" -gt "$ev1" ]; then
  pass "turn 2 evaluates only the new tokens ($ev2 evaluated, $re2 reused of $((n2 + 1)))"
else fail "KV-cache reuse" "turn 1: $ev1 eval / $re1 reused (render $n1 tokens); turn 2: $ev2 / $re2 (render $n2)"; fi

# ---- --chat with -p: one turn through the template; --no-chat; no template ----
"$LLM" -m "$M" --chat --template zephyr -p "hello" --temp 0 -n 8 >"$T/one.out" 2>"$T/one.err"; rc=$?
[ $rc -eq 0 ] && [ -s "$T/one.out" ] && pass "--chat -p: one turn" || fail "--chat -p" "rc $rc: $(cat "$T/one.err")"
"$LLM" -m "$M" --chat -p hello >/dev/null 2>"$T/nochat.err"; rc=$?
[ $rc -eq 1 ] && grep -q "needs a chat template and this model has none" "$T/nochat.err" && pass "--chat without a template: says what to do" \
  || fail "--chat without a template" "rc $rc: $(cat "$T/nochat.err")"
printf 'Once upon a time' | "$LLM" -m "$M" --temp 0 -n 8 >"$T/plain.out" 2>"$T/plain.err"
ref=$("$LLM" -m "$M" -p "Once upon a time" --temp 0 -n 8 2>/dev/null)
[ "$(cat "$T/plain.out")" = "$ref" ] && grep -q "has no chat template: plain completion" "$T/plain.err" \
  && pass "no template: standard input is the prompt, with a notice" || fail "no template: completion" "$(cat "$T/plain.err")"
printf 'Once upon a time' | "$LLM" -m "$M" --template chatml --no-chat --temp 0 -n 8 >"$T/nc.out" 2>/dev/null
[ "$(cat "$T/nc.out")" = "$ref" ] && pass "--no-chat: plain completion" || fail "--no-chat" "$(cat "$T/nc.out")"

# ---- the end-of-turn marker of each built-in template ----
bad=""
for pair in chatml:'<|im_end|>' llama2:'</s>' llama3:'<|eot_id|>' zephyr:'</s>' gemma:'<end_of_turn>' mistral:'</s>' phi3:'<|end|>'; do
  name=${pair%%:*}; want=${pair#*:}
  printf '' | "$LLM" -m "$M" --template "$name" --verbose -n 1 2>"$T/end.err" >/dev/null
  grep -qF "chat: end of turn '$want'" "$T/end.err" || bad="$bad $name($(grep 'end of turn' "$T/end.err"))"
done
[ -z "$bad" ] && pass "end-of-turn markers found for all 7 built-in templates" || fail "end-of-turn markers" "$bad"

# ---- /save, /load, /system, /set, /info, /reset ----
printf '/system Be brief.\nhi\n/save %s\n' "$T/conv.json" | "$LLM" -m "$M" --template chatml --temp 0 -n 6 >"$T/s1.out" 2>&1
printf '/load %s\n/save %s\n/info\n' "$T/conv.json" "$T/conv2.json" | "$LLM" -m "$M" --template chatml >"$T/s2.out" 2>&1
ok=$("$PY" -c "
import json
a = json.load(open('$T/conv.json')); b = json.load(open('$T/conv2.json'))
print('ok' if a == b and [m['role'] for m in a] == ['system', 'user', 'assistant'] and a[0]['content'] == 'Be brief.' and a[1]['content'] == 'hi' else (a, b))")
[ "$ok" = ok ] && grep -q "loaded 3 messages" "$T/s2.out" && pass "/save then /load restores the conversation" || fail "/save /load" "$ok $(cat "$T/s2.out")"
grep -q "^context: 0 of 2048 tokens used, 2048 left" "$T/s2.out" && pass "/info: context used and left" || fail "/info" "$(cat "$T/s2.out")"
printf '/set temp 0\n/set top-k 5\n/set n 3\n/set bogus 1\n/set temp x\n/reset\n/load %s/none.json\n/help\n/quit\nnever answered\n' "$T" \
  | "$LLM" -m "$M" --template chatml >"$T/s3.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^temp = 0" "$T/s3.out" && grep -q "^n = 3" "$T/s3.out" && grep -q "/set: bogus 1 is not a known setting" "$T/s3.out" \
  && grep -q "usage: /set" "$T/s3.out" && grep -q "conversation cleared" "$T/s3.out" && grep -q "/load: cannot open" "$T/s3.out" \
  && grep -q "^/save FILE" "$T/s3.out" && pass "/set, /reset, /help, /quit; bad commands get a message" || fail "commands" "$(cat "$T/s3.out")"

# ---- a full context: the oldest turns go, said once ----
yes "tell me a story about a cat and a dog" | head -12 | "$LLM" -m "$M" --template chatml --temp 0 -n 24 -c 160 --verbose >"$T/full.out" 2>"$T/full.err"; rc=$?
nd=$(grep -c "dropping the oldest turns" "$T/full.err")
[ $rc -eq 0 ] && [ "$nd" -eq 1 ] && [ "$(grep -c '^llm: turn:' "$T/full.err")" -eq 12 ] \
  && pass "a full context drops the oldest turns, says so once, goes on" || fail "full context" "rc $rc, notices $nd: $(tail -3 "$T/full.err")"

# ---- the terminal REPL, through a pseudo-terminal ----
drive() {  # drive NAME TERM ARGS... < SCRIPT
  n=$1; term=$2; shift 2
  "$PY" tests/pty_drive.py --term "$term" --timeout 30 --log "$T/$n.log" -- "$LLM" "$@" 2>"$T/$n.err"; rc=$?
}
for term in dumb xterm; do
  drive repl-$term $term -m "$M" --template chatml --temp 0 -n 6 <<EOF
expect > 
type hx\x7fi\r
expect > 
type garbage\x15there\r
expect > 
type \e[A\e[A\r
expect > 
type line one\\\\\r
expect ... 
type line two\r
expect > 
type """\r
expect ... 
type a\r
expect ... 
type b\r
expect ... 
type """\r
expect > 
type abc\x03
expect ^C
expect > 
type /save $T/tty-$term.json\r
expect saved 10 messages
eof
wait-exit 0
EOF
  if [ $rc -ne 0 ]; then fail "REPL on TERM=$term" "$(cat "$T/repl-$term.err")"; continue; fi
  pass "REPL on TERM=$term: prompt, answers, Ctrl-D leaves with status 0"
  if grep -q "$(printf '\033')" "$T/repl-$term.log"; then fail "TERM=$term: no escape codes" "ESC in the transcript"
  else pass "TERM=$term: no escape codes in the output"; fi
  got=$("$PY" -c "
import json
m = json.load(open('$T/tty-$term.json'))
print(json.dumps([x['content'] for x in m if x['role'] == 'user']))")
  want='["hi", "there", "hi", "line one\nline two", "a\nb"]'
  [ "$got" = "$want" ] && pass "TERM=$term: backspace, Ctrl-U, history, \\\\ and \"\"\" multi-line, Ctrl-C at the prompt" \
    || fail "TERM=$term: line editing" "user messages $got, wanted $want"
done

# no template on a terminal: each line is completed; chat commands say they need a template
drive notmpl dumb -m "$M" --temp 0 -n 4 <<EOF
expect > 
type Once upon\r
expect Once upon\r\n
expect \n> 
type /system hi\r
expect /system needs chat mode
eof
wait-exit 0
EOF
[ $rc -eq 0 ] && pass "no template on a terminal: lines completed, chat commands say they need a template" \
  || fail "no template on a terminal" "$(cat "$T/notmpl.err")"

# ---- --template with a tokenizer_config.json (a string, or named templates) ----
J=$D/templates/chat_templates/chatml.jinja
"$PY" -c "
import json
src = open('$J', encoding='utf-8').read()
json.dump({'chat_template': src, 'bos_token': '<s>'}, open('$T/tc1.json', 'w'))
json.dump({'chat_template': [{'name': 'tool_use', 'template': 'TOOLS'}, {'name': 'default', 'template': src}]}, open('$T/tc2.json', 'w'))
json.dump({'messages': [{'role': 'system', 'content': 'S'}, {'role': 'user', 'content': 'U é'}], 'add_generation_prompt': True}, open('$T/ctx.json', 'w'))"
ref=$("$LLM" --render-template "$J" --context "$T/ctx.json")
r1=$("$LLM" --render-template "$T/tc1.json" --context "$T/ctx.json")
r2=$("$LLM" --render-template "$T/tc2.json" --context "$T/ctx.json")
[ -n "$ref" ] && [ "$r1" = "$ref" ] && [ "$r2" = "$ref" ] && pass "tokenizer_config.json templates: a string, and the \"default\" of a list" \
  || fail "tokenizer_config.json templates" "[$r1] [$r2] vs [$ref]"
printf 'hi\n' | "$LLM" -m "$M" --template "$T/tc2.json" --temp 0 -n 4 --verbose 2>"$T/tc.err" >/dev/null
grep -qF "chat: end of turn '<|im_end|>'" "$T/tc.err" && pass "--template tokenizer_config.json runs a chat" || fail "--template tokenizer_config.json" "$(tail -2 "$T/tc.err")"

# ---- which model, without -m ----
MD=$T/models; mkdir -p "$MD/a" "$MD/TinyLlama/TinyLlama-1.1B-Chat-v1.0"
cp "$M" "$MD/a/one.gguf"; cp "$M" "$MD/two.gguf"
LLM_MODELS=$MD "$LLM" -p hi -n 2 </dev/null >/dev/null 2>"$T/which.err"; rc=$?
[ $rc -eq 1 ] && grep -q "2 models in $MD (.*one.gguf.*two.gguf\|.*two.gguf.*one.gguf.*); choose one with -m" "$T/which.err" \
  && pass "several models and no default: listed, choose with -m" || fail "several models" "rc $rc: $(cat "$T/which.err")"
LLM_MODELS=$MD drive choose dumb -p "Once upon a time" -n 4 --temp 0 <<EOF
expect which one (1-2)? 
type 2\r
expect , there was
wait-exit 0
EOF
[ $rc -eq 0 ] && pass "on a terminal: a numbered list to choose from" || fail "choose from a list" "$(cat "$T/choose.err")"
cp "$M" "$MD/TinyLlama/TinyLlama-1.1B-Chat-v1.0/tiny.gguf"
printf '{"id": "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "format": "gguf", "model": "tiny.gguf", "files": []}\n' > "$MD/TinyLlama/TinyLlama-1.1B-Chat-v1.0/manifest.json"
LLM_MODELS=$MD "$LLM" -p hi -n 2 </dev/null >/dev/null 2>"$T/which2.err"; rc=$?
[ $rc -eq 0 ] && grep -q "3 models in $MD; running the default, TinyLlama/TinyLlama-1.1B-Chat-v1.0" "$T/which2.err" \
  && pass "several models: the catalog's default is run" || fail "the catalog's default" "rc $rc: $(cat "$T/which2.err")"

# Ctrl-C during an answer: the slow reference kernels on a 3.4M-parameter model, asked
# for 2000 tokens, are stopped after a second; the next answer comes and the
# conversation holds the cut answer.
LLM_FORCE_REF=1 drive ctrlc dumb -m "$SLOW" --template chatml --ignore-eos -n 2000 -c 4096 -t 1 <<EOF
expect > 
type tell me\r
sleep 1.5
send \x03
expect [stopped]
expect > 
type /set n 4\r
expect n = 4
type again\r
expect again\r\n
expect \n> 
type /save $T/ctrlc.json\r
expect saved 4 messages
type /quit\r
wait-exit 0
EOF
if [ $rc -eq 0 ]; then
  ok=$("$PY" -c "
import json
m = json.load(open('$T/ctrlc.json'))
print('ok' if [x['role'] for x in m] == ['user', 'assistant', 'user', 'assistant'] and 0 < len(m[1]['content']) and m[2]['content'] == 'again' else m)")
  [ "$ok" = ok ] && pass "Ctrl-C stops an answer; the next turn answers; the conversation stays consistent" || fail "Ctrl-C mid-answer" "$ok"
else fail "Ctrl-C mid-answer" "$(cat "$T/ctrlc.err")"; fi
exit 0
