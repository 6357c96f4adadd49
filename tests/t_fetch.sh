#!/bin/sh
# tests/t_fetch.sh -- ./llm --fetch end to end against the mock Hub (tests/mock_hub.py):
# HTTPS on 127.0.0.1 with a test CA, the CDN on 127.0.0.2, a CONNECT proxy, and fault
# repositories. The expectations come from the mock (its tree API's sizes and SHA-256,
# its request log), never from llm itself. No network beyond loopback.
set -u
LLM=${LLM:-./llm}
PY=${PYTHON:-/usr/bin/python3}
D=${LLM_TEST_DATA:-}
T=${TESTS_TMP:-/tmp}/fetch
rm -rf "$T"; mkdir -p "$T/home"
pass() { echo "PASS fetch $1"; }
fail() { echo "FAIL fetch $1: $2"; }
skip() { echo "SKIP fetch $1: $2"; }

command -v openssl >/dev/null 2>&1 || { skip "all" "openssl is not installed (the mock makes its certificates with it)"; exit 0; }

# ---- the mock ----
GG=""
if [ -n "$D" ] && [ -f "$D/models/stories260K.gguf" ]; then GG="--gguf $D/models/stories260K.gguf"; fi
# shellcheck disable=SC2086
"$PY" tests/mock_hub.py --dir "$T/mock" $GG >"$T/mock.log" 2>&1 &
MPID=$!
trap 'kill $MPID 2>/dev/null' EXIT
i=0
while [ ! -s "$T/mock/ports.json" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/mock/ports.json" ] || { fail "mock hub starts" "$(cat "$T/mock.log")"; exit 1; }
port() { "$PY" -c "import json;print(json.load(open('$T/mock/ports.json'))['$1'])"; }
HUB=$(port hub); HTTP=$(port http); PROXY=$(port proxy)
BADCA=$(port badca); EXPIRED=$(port expired); WRONGHOST=$(port wronghost)
CA=$T/mock/certs/ca.pem
LOG=$T/mock/requests.jsonl
VALID=hf_testTOKENvalid0000abcd
NOACCESS=hf_testTOKENnoaccess0000wxyz
BADTOK=hf_wrongTOKEN0000zzzz9876

unset HF_TOKEN HF_TOKEN_PATH HF_HOME HTTPS_PROXY https_proxy NO_PROXY no_proxy SSL_CERT_FILE HF_HUB_OFFLINE LLM_MODELS XDG_CACHE_HOME
export HOME="$T/home" HF_ENDPOINT="https://127.0.0.1:$HUB"
M=$T/models

# run NAME ARGS...: llm with the test CA and models folder; output in $T/NAME.out/.err, status in $rc
run() {
  n=$1; shift
  "$LLM" "$@" >"$T/$n.out" 2>"$T/$n.err"; rc=$?
}
fetch() { n=$1; shift; run "$n" --timeout 5 --retries 2 --cacert "$CA" --models-dir "${MD:-$M}" --fetch "$@"; }
reset() { "$PY" tests/mock_hub.py --dir "$T/mock" --reset >/dev/null 2>&1; }
# expect NAME RC TEXT: the last run exited RC and its stderr says TEXT
expect() {
  if [ "$rc" -eq "$2" ] && grep -qF -- "$3" "$T/$1.err"; then pass "$1"
  else fail "$1" "rc $rc, wanted $2 and [$3]; stderr: $(tail -3 "$T/$1.err")"; fi
}
# the SHA-256 the mock's tree API lists for REPO's PATH
mock_sha() {
  "$PY" - "$1" "$2" <<EOF
import json, ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile="$CA")
url = "https://127.0.0.1:$HUB/api/models/%s/tree/main?recursive=true" % sys.argv[1]
while url:
    r = urllib.request.urlopen(url, context=ctx)
    for f in json.load(r):
        if f["path"] == sys.argv[2]:
            print(f["lfs"]["oid"] if "lfs" in f else "")
    link = r.headers.get("Link") or ""
    url = link[link.find("<") + 1:link.find(">")] if 'rel="next"' in link else None
EOF
}
sha_of() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
# cdn_requests [FIELD-TEST]: number of logged requests on the CDN
count_log() { "$PY" -c "
import json, sys
n = 0
for line in open('$LOG'):
    r = json.loads(line)
    if eval(sys.argv[1]): n += 1
print(n)" "$1"; }
files_in() { (cd "$1" 2>/dev/null && find . -type f | sed "s|^\./||" | LC_ALL=C sort | tr '\n' ' '); }

BIG=tiny-model.Q4_K_M.gguf
BIGSHA=$(mock_sha test/tiny-GGUF $BIG)
[ ${#BIGSHA} -eq 64 ] || { fail "mock tree API" "no SHA-256 for $BIG"; exit 1; }

# ---- a full fetch, verified, then the model runs offline ----
fetch full test/tiny-GGUF
if [ $rc -eq 0 ] && [ "$(sha_of "$M/test/tiny-GGUF/$BIG")" = "$BIGSHA" ]; then pass "full fetch: SHA-256 as the Hub lists"
else fail "full fetch: SHA-256 as the Hub lists" "rc $rc: $(tail -2 "$T/full.err")"; fi
got=$(files_in "$M/test/tiny-GGUF")
[ "$got" = "manifest.json $BIG " ] && pass "full fetch: the Q4_K_M file only (no other quants, no mmproj)" \
  || fail "full fetch: the Q4_K_M file only (no other quants, no mmproj)" "files: $got"
mf=$("$PY" -c "
import json, hashlib
m = json.load(open('$M/test/tiny-GGUF/manifest.json'))
ok = m['commit'] == hashlib.sha1(b'test/tiny-GGUF').hexdigest() and m['repo'] == 'test/tiny-GGUF' and m['format'] == 'gguf'
ok = ok and [(f['path'], f['sha256']) for f in m['files']] == [('$BIG', '$BIGSHA')] and m['model'] == '$BIG'
print('ok' if ok else m)")
[ "$mf" = ok ] && pass "manifest: repository, pinned commit, files, SHA-256" || fail "manifest" "$mf"
[ -z "$(find "$M" -name '*.part' -o -name '*.tmp')" ] && pass "no partial files left after success" || fail "no partial files left" "$(find "$M" -name '*.part')"

if [ -n "$GG" ]; then
  ref=$("$LLM" -m "$D/models/stories260K.gguf" -p "Once upon a time" -n 16 --temp 0 2>/dev/null)
  run offline -m test/tiny-GGUF --models-dir "$M" --offline -p "Once upon a time" -n 16 --temp 0
  [ $rc -eq 0 ] && [ "$(cat "$T/offline.out")" = "$ref" ] && pass "-m ORG/NAME --offline runs the fetched model" \
    || fail "-m ORG/NAME --offline runs the fetched model" "rc $rc: $(cat "$T/offline.err")"
  HF_HUB_OFFLINE=1 run offline2 -m test/tiny-GGUF --models-dir "$M" -p "Once upon a time" -n 16 --temp 0
  [ $rc -eq 0 ] && [ "$(cat "$T/offline2.out")" = "$ref" ] && pass "HF_HUB_OFFLINE=1: runs from disk" \
    || fail "HF_HUB_OFFLINE=1: runs from disk" "rc $rc: $(cat "$T/offline2.err")"
  if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
    strace -f -e trace=socket,connect -o "$T/strace.run" "$LLM" -m test/tiny-GGUF --models-dir "$M" -p "Once" -n 8 --temp 0 >/dev/null 2>&1
    strace -f -e trace=socket,connect -o "$T/strace.fetch" "$LLM" --fetch test/tiny-GGUF --cacert "$CA" --models-dir "$M" >/dev/null 2>&1
    nr=$(grep -cE '(socket|connect)\(' "$T/strace.run"); nf=$(grep -cE '(socket|connect)\(' "$T/strace.fetch")
    [ "$nr" -eq 0 ] && [ "$nf" -gt 0 ] && pass "running a model opens no socket (strace; --fetch opens $nf)" \
      || fail "running a model opens no socket" "socket/connect calls: run $nr, fetch $nf"
  else skip "running a model opens no socket" "strace missing or not permitted"; fi
else
  skip "-m ORG/NAME --offline runs the fetched model" "LLM_TEST_DATA not set (no real GGUF to serve)"
fi

fetch off test/tiny-GGUF --offline; expect off 1 "offline mode is on"
HF_HUB_OFFLINE=1 fetch off2 test/tiny-GGUF; expect off2 1 "offline mode is on"

reset
fetch again test/tiny-GGUF
n=$(count_log "r['listener'] == 'cdn'")
[ $rc -eq 0 ] && [ "$n" -eq 0 ] && grep -q "already here and verified" "$T/again.err" \
  && pass "fetching again downloads nothing" || fail "fetching again downloads nothing" "rc $rc, $n CDN requests"

reset
fetch dry test/tiny-GGUF:q8_0 --dry-run
[ $rc -eq 0 ] && grep -q "tiny-model.Q8_0.gguf" "$T/dry.out" && [ ! -e "$M/test/tiny-GGUF/tiny-model.Q8_0.gguf" ] \
  && [ "$(count_log "r['listener'] == 'cdn'")" -eq 0 ] && pass "--dry-run lists the file and downloads nothing" \
  || fail "--dry-run lists the file and downloads nothing" "rc $rc: $(cat "$T/dry.out" "$T/dry.err")"

run noq8 -m test/tiny-GGUF:Q8_0 --models-dir "$M" -p hi; expect noq8 1 "has no Q8_0 file on disk"
fetch q8 test/tiny-GGUF:q8_0
[ $rc -eq 0 ] && [ "$(sha_of "$M/test/tiny-GGUF/tiny-model.Q8_0.gguf")" = "$(mock_sha test/tiny-GGUF tiny-model.Q8_0.gguf)" ] \
  && grep -q "\"$BIG\"" "$M/test/tiny-GGUF/manifest.json" && pass ":q8_0 picks Q8_0 case-insensitively; the manifest keeps both" \
  || fail ":q8_0 picks Q8_0" "rc $rc: $(tail -2 "$T/q8.err")"
fetch nomatch test/tiny-GGUF:Q5_K; expect nomatch 1 "no GGUF file in test/tiny-GGUF matches 'Q5_K'; it has: tiny-model.Q4_0.gguf"
fetch q8only test/q8-only-GGUF
[ $rc -eq 0 ] && [ "$(files_in "$M/test/q8-only-GGUF")" = "m.Q8_0.gguf manifest.json " ] \
  && pass "no Q4_K_M: Q8_0 is the default" || fail "no Q4_K_M: Q8_0 is the default" "rc $rc: $(files_in "$M/test/q8-only-GGUF")"

run list --list --models-dir "$M"
grep -q "^test/tiny-GGUF  *gguf" "$T/list.out" && grep -q "^test/q8-only-GGUF" "$T/list.out" \
  && pass "--list shows the fetched models" || fail "--list shows the fetched models" "$(cat "$T/list.out")"

# ---- split GGUF and safetensors ----
fetch split test/split-GGUF
got=$(files_in "$M/test/split-GGUF")
want="Q4_K_M/model-Q4_K_M-00001-of-00003.gguf Q4_K_M/model-Q4_K_M-00002-of-00003.gguf Q4_K_M/model-Q4_K_M-00003-of-00003.gguf manifest.json "
[ $rc -eq 0 ] && [ "$got" = "$want" ] && grep -q '"model": "Q4_K_M/model-Q4_K_M-00001-of-00003.gguf"' "$M/test/split-GGUF/manifest.json" \
  && pass "split GGUF: all parts of the chosen quant" || fail "split GGUF: all parts of the chosen quant" "rc $rc: $got"
fetch st test/tiny-st
got=$(files_in "$M/test/tiny-st")
want="config.json generation_config.json manifest.json model-00001-of-00002.safetensors model-00002-of-00002.safetensors model.safetensors.index.json special_tokens_map.json tokenizer.json tokenizer_config.json "
[ $rc -eq 0 ] && [ "$got" = "$want" ] && [ "$(sha_of "$M/test/tiny-st/model-00002-of-00002.safetensors")" = "$(mock_sha test/tiny-st model-00002-of-00002.safetensors)" ] \
  && pass "safetensors: config, tokenizer files and the index's shards, nothing else" || fail "safetensors set" "rc $rc: $got"
run stinfo --info -m test/tiny-st --models-dir "$M"
[ $rc -eq 0 ] && grep -q "architecture: *LlamaForCausalLM" "$T/stinfo.out" && grep -q "num_hidden_layers *2" "$T/stinfo.out" \
  && pass "--info reads a safetensors model's config.json" || fail "--info reads config.json" "rc $rc: $(cat "$T/stinfo.out" "$T/stinfo.err")"
run strun -m test/tiny-st --models-dir "$M" -p hi; expect strun 1 "was fetched as safetensors; converting it to GGUF is not implemented yet"
reset
fetch vision test/vision; expect vision 1 "test/vision is multimodal (its config.json has 'vision_config')"
fetch bert test/bert; expect bert 1 "test/bert is a BertModel model (model_type bert), which llm cannot run"
[ "$(count_log "r['listener'] == 'cdn' or 'model.safetensors' in r['path']")" -eq 0 ] && [ ! -e "$M/test/vision" ] \
  && pass "refused models: no weights requested, nothing on disk" || fail "refused models download nothing" "$(files_in "$M/test/vision")"

# ---- interrupted downloads resume ----
reset
fetch drop test/drop-once
n=$(count_log "r['listener'] == 'cdn' and 'range' in r['headers']")
[ $rc -eq 0 ] && [ "$(sha_of "$M/test/drop-once/$BIG")" = "$BIGSHA" ] && [ "$n" -ge 1 ] \
  && pass "dropped half-way: resumed with Range, verified" || fail "dropped half-way: resumed" "rc $rc, $n range requests: $(tail -2 "$T/drop.err")"
reset
MD=$T/m-resume fetch cut1 test/drop-once --retries 0
part=$(find "$T/m-resume" -name '*.part' | head -1)
psize=$(stat -c %s "$part" 2>/dev/null || echo 0)
[ $rc -eq 1 ] && grep -q "run the same command again to resume" "$T/cut1.err" && [ "$psize" -gt 0 ] && [ ! -e "$T/m-resume/test/drop-once/manifest.json" ] \
  && pass "cut off: the partial file is kept, nothing looks complete" || fail "cut off: partial kept" "rc $rc, part $psize: $(tail -1 "$T/cut1.err")"
MD=$T/m-resume fetch cut2 test/drop-once
n=$(count_log "r['listener'] == 'cdn' and r['headers'].get('range') == 'bytes=$psize-'")
[ $rc -eq 0 ] && [ "$n" -eq 1 ] && [ "$(sha_of "$T/m-resume/test/drop-once/$BIG")" = "$BIGSHA" ] \
  && pass "the next run resumes at byte $psize (Range: bytes=$psize-)" || fail "the next run resumes" "rc $rc, $n: $(tail -2 "$T/cut2.err")"
fetch each test/drop-each
[ $rc -eq 0 ] && [ "$(sha_of "$M/test/drop-each/$BIG")" = "$BIGSHA" ] && pass "cut every 400 KiB: resumed until complete" \
  || fail "cut every 400 KiB" "rc $rc: $(tail -2 "$T/each.err")"
fetch norange test/no-range
[ $rc -eq 0 ] && [ "$(sha_of "$M/test/no-range/$BIG")" = "$BIGSHA" ] && grep -q "does not resume downloads; starting this file again" "$T/norange.err" \
  && pass "a server that ignores Range (200): starts over and ends right" || fail "server ignoring Range" "rc $rc: $(tail -2 "$T/norange.err")"
fetch chunked test/chunked
[ $rc -eq 0 ] && [ "$(sha_of "$M/test/chunked/$BIG")" = "$BIGSHA" ] && pass "chunked body" || fail "chunked body" "rc $rc: $(tail -2 "$T/chunked.err")"
fetch relredir test/relative-redirect
[ $rc -eq 0 ] && [ "$(sha_of "$M/test/relative-redirect/$BIG")" = "$BIGSHA" ] && pass "relative redirect" || fail "relative redirect" "rc $rc: $(tail -2 "$T/relredir.err")"

fetch corrupt test/corrupt; expect corrupt 1 "the SHA-256 of the download is"
got=$(files_in "$M/test/corrupt")
[ -z "$got" ] && pass "corrupted body: nothing left in place" || fail "corrupted body: nothing left in place" "$got"

# ---- errors, each with its message ----
reset
fetch ratelimit test/rate-limit
n=$(count_log "r['path'].startswith('/api/models/test/rate-limit/revision')")
[ $rc -eq 0 ] && grep -q "answered 429" "$T/ratelimit.err" && [ "$n" -eq 2 ] && pass "429 then success (Retry-After honoured)" \
  || fail "429 then success" "rc $rc, $n revision requests: $(tail -2 "$T/ratelimit.err")"
fetch flaky test/flaky
[ $rc -eq 0 ] && grep -q "answered 500" "$T/flaky.err" && pass "500 then success" || fail "500 then success" "rc $rc: $(tail -2 "$T/flaky.err")"
fetch a500 test/always-500 --retries 1
expect a500 1 "the server answered 500 Internal Server Error for"
fetch nofile test/missing-file; expect nofile 1 "file $BIG not found in test/missing-file at commit"
fetch norev test/tiny-GGUF@nope; expect norev 1 "revision 'nope' not found in test/tiny-GGUF"
fetch tag test/q8-only-GGUF@v1.0 --dry-run
[ $rc -eq 0 ] && grep -q "test/q8-only-GGUF@$(printf test/q8-only-GGUF | sha1sum | cut -c1-12)" "$T/tag.err" \
  && pass "@tag resolves to the commit the Hub reports" || fail "@tag resolves" "rc $rc: $(cat "$T/tag.err")"
HF_TOKEN=$VALID fetch norepo test/nope; expect norepo 1 "test/nope not found on https://127.0.0.1:$HUB: check the spelling"
fetch private test/private; expect private 1 "test/private was not found, or it is private and needs a token"
HF_TOKEN=$BADTOK fetch badtok test/tiny-GGUF; expect badtok 1 "the Hub rejected the token hf_****9876 (from HF_TOKEN)"
fetch gated test/gated; expect gated 1 "test/gated is gated: accept its licence at https://127.0.0.1:$HUB/test/gated"
HF_TOKEN=$NOACCESS fetch gated403 test/gated; expect gated403 1 "test/gated is gated and the token hf_****wxyz (from HF_TOKEN) has not been granted access"
reset
HF_TOKEN=$VALID fetch gatedok test/gated
nh=$(count_log "r['listener'] == 'hub' and r['headers'].get('authorization') == 'Bearer $VALID'")
nc=$(count_log "r['listener'] == 'cdn' and 'authorization' in r['headers']")
ncdn=$(count_log "r['listener'] == 'cdn'")
[ $rc -eq 0 ] && [ "$nh" -gt 0 ] && [ "$nc" -eq 0 ] && [ "$ncdn" -gt 0 ] \
  && pass "gated with an accepted token; the CDN never sees Authorization" || fail "gated with a token" "rc $rc, hub auth $nh, cdn auth $nc"
printf '%s\n' "$VALID" > "$T/tokfile"
HF_TOKEN=$BADTOK fetch tokfile test/private --token-file "$T/tokfile"
[ $rc -eq 0 ] && pass "--token-file comes before HF_TOKEN" || fail "--token-file comes before HF_TOKEN" "rc $rc: $(tail -1 "$T/tokfile.err")"
mkdir -p "$T/hfhome" && printf '%s\n' "$NOACCESS" > "$T/hfhome/token"
HF_HOME=$T/hfhome MD=$T/m-hfhome fetch hfhome test/gated; expect hfhome 1 "the token hf_****wxyz (from \$HF_HOME/token)"
mkdir -p "$T/home/.cache/huggingface" && printf '%s\n' "$VALID" > "$T/home/.cache/huggingface/token"
rm -rf "$M/test/private"
fetch hometok test/private
[ $rc -eq 0 ] && pass "~/.cache/huggingface/token is read" || fail "~/.cache/huggingface/token is read" "rc $rc: $(tail -1 "$T/hometok.err")"
rm -f "$T/home/.cache/huggingface/token"

reset
HF_ENDPOINT=http://127.0.0.1:$HTTP HF_TOKEN=$VALID MD=$T/m-http fetch plain test/q8-only-GGUF
n=$(count_log "'authorization' in r['headers']")
[ $rc -eq 0 ] && [ "$n" -eq 0 ] && grep -q "plain http: the token is not sent" "$T/plain.err" \
  && pass "a plain-http endpoint never gets the token" || fail "plain-http endpoint and the token" "rc $rc, $n requests with Authorization"

# ---- certificates and the clock ----
HF_ENDPOINT=https://127.0.0.1:$BADCA fetch badca test/tiny-GGUF; expect badca 1 "the certificate of 127.0.0.1 is not signed by an authority in the trust store"
HF_ENDPOINT=https://127.0.0.1:$EXPIRED fetch expired test/tiny-GGUF; expect expired 1 "the certificate of 127.0.0.1 has expired or is not valid yet"
HF_ENDPOINT=https://127.0.0.1:$WRONGHOST fetch wronghost test/tiny-GGUF; expect wronghost 1 "the certificate presented by 127.0.0.1 is for another host name"
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
  run sysca --fetch test/tiny-GGUF --models-dir "$M" --retries 0; expect sysca 1 "is not signed by an authority in the trust store"
else skip "system trust store refuses the test CA" "no /etc/ssl/certs/ca-certificates.crt"; fi
SSL_CERT_FILE=$CA run sslcf --fetch test/q8-only-GGUF --models-dir "$M"
[ $rc -eq 0 ] && pass "SSL_CERT_FILE is the trust store" || fail "SSL_CERT_FILE" "rc $rc: $(tail -1 "$T/sslcf.err")"

# ---- timeouts and malformed answers ----
fetch slow test/slow --timeout 2 --retries 0; expect slow 1 "sent nothing for 2 s"
fetch stall test/stall --timeout 2 --retries 0; expect stall 1 "sent nothing for 2 s"
grep -q "bytes are kept" "$T/stall.err" && pass "a stalled download keeps its bytes" || fail "a stalled download keeps its bytes" "$(tail -1 "$T/stall.err")"
fetch loop test/redirect-loop; expect loop 1 "more than 10 redirects"
fetch bighdr test/big-headers; expect bighdr 1 "response headers from 127.0.0.1 are larger than 64 KiB"
fetch badchunk test/bad-chunk; expect badchunk 1 "bad chunk size"
fetch short test/short-body --retries 1; expect short 1 "closed the connection after 0 of 1000 bytes"

# ---- no network, progress display ----
HF_ENDPOINT=https://no-such-host.invalid fetch nodns test/tiny-GGUF --retries 0; expect nodns 1 "cannot resolve host name 'no-such-host.invalid'"
HF_ENDPOINT=https://127.0.0.1:1 fetch refused test/tiny-GGUF --retries 0; expect refused 1 "cannot connect to 127.0.0.1:1: Connection refused"
if grep -q "$(printf '\r')" "$T"/*.err; then fail "progress on a pipe: plain lines, no carriage returns" "$(grep -l "$(printf '\r')" "$T"/*.err)"
else pass "progress on a pipe: plain lines, no carriage returns"; fi
if command -v script >/dev/null 2>&1; then
  rm -rf "$T/m-tty"
  script -qec "'$LLM' --cacert '$CA' --models-dir '$T/m-tty' --fetch test/tiny-GGUF 2>&1" /dev/null > "$T/tty.log" 2>&1
  grep -q "$(printf '\r')tiny-model.Q4_K_M.gguf \[########################\] 100%" "$T/tty.log" \
    && pass "progress on a terminal: a one-line bar" || fail "progress on a terminal: a one-line bar" "$(tr '\r' '\n' < "$T/tty.log" | tail -3)"
else skip "progress on a terminal" "script (util-linux) missing"; fi
HF_TOKEN_PATH=$T/tokfile MD=$T/m-tokpath fetch tokpath test/private
[ $rc -eq 0 ] && pass "HF_TOKEN_PATH is read" || fail "HF_TOKEN_PATH is read" "rc $rc: $(tail -1 "$T/tokpath.err")"

# ---- proxy ----
reset
HTTPS_PROXY=http://127.0.0.1:$PROXY MD=$T/m-proxy fetch proxy test/single-st
np=$(count_log "r['listener'] == 'proxy' and r['method'] == 'CONNECT' and r['path'] == '127.0.0.1:$HUB'")
[ $rc -eq 0 ] && [ "$np" -gt 0 ] && pass "HTTPS_PROXY: tunnelled through CONNECT" || fail "HTTPS_PROXY" "rc $rc, $np CONNECTs: $(tail -1 "$T/proxy.err")"
reset
https_proxy=http://127.0.0.1:$PROXY NO_PROXY=localhost,127.0.0.1,127.0.0.2 MD=$T/m-proxy2 fetch noproxy test/single-st
[ $rc -eq 0 ] && [ "$(count_log "r['listener'] == 'proxy'")" -eq 0 ] && pass "NO_PROXY bypasses the proxy" || fail "NO_PROXY" "rc $rc"
HF_ENDPOINT=https://blocked.example HTTPS_PROXY=http://127.0.0.1:$PROXY fetch proxyno test/tiny-GGUF
expect proxyno 1 "the proxy 127.0.0.1:$PROXY refused the tunnel to blocked.example:443: 403"

# ---- disk full ----
reset
(ulimit -f 400; MD=$T/m-full fetch full1 test/tiny-GGUF --retries 0; exit $rc); rc=$?
part=$(find "$T/m-full" -name '*.part' | head -1)
[ $rc -eq 1 ] && grep -q "cannot write $BIG" "$T/full1.err" && grep -q "run the same command to resume" "$T/full1.err" \
  && [ -n "$part" ] && [ "$(stat -c %s "$part")" -gt 0 ] && pass "file size limit mid-download: clear error, partial kept" \
  || fail "file size limit mid-download" "rc $rc: $(tail -1 "$T/full1.err")"
MD=$T/m-full fetch full2 test/tiny-GGUF
[ $rc -eq 0 ] && [ "$(sha_of "$T/m-full/test/tiny-GGUF/$BIG")" = "$BIGSHA" ] && grep -q "resuming at" "$T/full2.err" \
  && pass "after the disk is freed the same command resumes" || fail "resume after disk full" "rc $rc: $(tail -1 "$T/full2.err")"
mkdir -p "$T/small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k tmpfs "$T/small" 2>/dev/null; then
  MD=$T/small fetch small test/tiny-GGUF; expect small 1 "not enough disk space for test/tiny-GGUF"
  umount "$T/small"
else skip "a small disk is refused before downloading" "cannot mount a tmpfs here (needs root)"; fi

# ---- lists of models, --rm, the catalog, --login ----
printf '# models for the board\n\ntest/nope\ntest/q8-only-GGUF   # small\n' > "$T/list.txt"
MD=$T/m-list run flist --fetch-list "$T/list.txt" --cacert "$CA" --models-dir "$T/m-list"
[ $rc -eq 1 ] && grep -q "list.txt line 3 (test/nope)" "$T/flist.err" && [ ! -e "$T/m-list/test/q8-only-GGUF" ] \
  && pass "--fetch-list stops at the first failure" || fail "--fetch-list stops at the first failure" "rc $rc: $(tail -1 "$T/flist.err")"
run flist2 --fetch-list "$T/list.txt" --continue-on-error --cacert "$CA" --models-dir "$T/m-list"
[ $rc -eq 1 ] && grep -q "1 of 2 models" "$T/flist2.err" && [ -e "$T/m-list/test/q8-only-GGUF/m.Q8_0.gguf" ] \
  && pass "--fetch-list --continue-on-error fetches the rest" || fail "--continue-on-error" "rc $rc: $(tail -1 "$T/flist2.err")"
run rm --rm test/q8-only-GGUF --models-dir "$T/m-list"
[ $rc -eq 0 ] && grep -q "removed test/q8-only-GGUF" "$T/rm.out" && [ ! -e "$T/m-list/test" ] \
  && pass "--rm removes the model and its empty folders" || fail "--rm" "rc $rc: $(cat "$T/rm.out" "$T/rm.err")"
run rm2 --rm test/q8-only-GGUF --models-dir "$T/m-list"; expect rm2 1 "test/q8-only-GGUF is not in"
run nomodel -m test/never --models-dir "$M" -p hi; expect nomodel 1 "test/never is not in $M: fetch it first with llm --fetch test/never"
fetch catalog TinyLlama/TinyLlama-1.1B-Chat-v1.0 --retries 0
expect catalog 1 "the catalog's GGUF build is TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF"

if command -v setsid >/dev/null 2>&1; then
  printf '%s\n' "$VALID" | HF_TOKEN_PATH=$T/tok/token setsid "$LLM" --login --cacert "$CA" >"$T/login.out" 2>"$T/login.err"; rc=$?
  [ $rc -eq 0 ] && [ "$(cat "$T/tok/token" 2>/dev/null)" = "$VALID" ] && [ "$(stat -c %a "$T/tok/token")" = 600 ] \
    && grep -qF "token hf_****abcd stored" "$T/login.err" && pass "--login stores the token with mode 0600" \
    || fail "--login stores the token" "rc $rc: $(cat "$T/login.err")"
  printf '%s\n' "$BADTOK" | HF_TOKEN_PATH=$T/tok2/token setsid "$LLM" --login --cacert "$CA" >"$T/login2.out" 2>"$T/login2.err"; rc=$?
  [ $rc -eq 1 ] && [ ! -e "$T/tok2/token" ] && grep -qF "the Hub rejected the token hf_****9876" "$T/login2.err" \
    && pass "--login refuses a token the Hub rejects" || fail "--login refuses a bad token" "rc $rc: $(cat "$T/login2.err")"
else skip "--login" "setsid missing"; fi

# ---- the token never shows ----
leak=$(grep -lF -e "$VALID" -e "$NOACCESS" -e "$BADTOK" "$T"/*.out "$T"/*.err 2>/dev/null)
[ -z "$leak" ] && pass "no token appears in any output" || fail "no token appears in any output" "in $leak"
exit 0
