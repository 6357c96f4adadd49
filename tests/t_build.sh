#!/bin/sh
# tests/t_build.sh -- the shipped binary is one static file.
set -u
LLM=${LLM:-./llm}
if [ ! -x "$LLM" ]; then echo "FAIL build.exists: $LLM is not an executable"; exit 0; fi
echo "PASS build.exists"
if ! command -v file >/dev/null 2>&1; then echo "SKIP build.static: 'file' not installed"; exit 0; fi
case $(file -L "$LLM") in
  *"statically linked"*|*"static-pie linked"*) echo "PASS build.static" ;;
  *) case ${TEST_LDFLAGS-} in
       *-static*) echo "FAIL build.static: file says: $(file -b -L "$LLM" | cut -c1-120)" ;;
       *) echo "SKIP build.static: not a -static build (LDFLAGS='${TEST_LDFLAGS-}')" ;;
     esac ;;
esac
