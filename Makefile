# llm -- build, test and run. See README (quick start: `make run`, `make test`).
#
#   make            ./llm: static, musl-gcc, BearSSL linked in
#   make vendor     fetch BearSSL 0.6 source (apt-get source) and build libbearssl.a
#   make run        install missing build dependencies, build, start ./llm
#   make test       install missing dependencies, build, run every test
#   make fuzz       build and run the GGUF fuzz target (clang, ASan+UBSan) FUZZ_SECONDS
#   make bench      the standard speed set: synthetic TinyLlama-1.1B, Q4_0 / Q4_K_M / Q8_0,
#                   1 and 2 threads, pp128 and tg64, file mapping and huge pages
#   make cross      static musl binaries dist/llm-x86_64, dist/llm-aarch64, dist/llm-armv7
#                   (Debian's cross gcc with musl's specs; installs what is missing)
#   make clean      remove build outputs (make distclean: also the fetched BearSSL)
#
# Variables (override on the command line): CC CFLAGS ALIGN LDFLAGS LDLIBS SRC BIN
# BEARSSL_SRC BEARSSL_CFLAGS FUZZ_CC FUZZ_CFLAGS FUZZ_SECONDS FUZZ_MAX_LEN LLM_TEST_DATA
# NO_SETUP=1 (skip the dependency check) V=1 (show commands).
# Cross builds: CROSS_CC_x86_64 CROSS_CC_aarch64 CROSS_CC_armv7 CROSS_CFLAGS CROSS_TEST_CFLAGS DIST.

# make's built-in default for CC is "cc": replace it unless the user set CC.
ifeq ($(origin CC),default)
CC := musl-gcc
endif
CSTD     ?= -std=c11 -ffp-contract=off
# Loops start on 64-byte boundaries: where a kernel's loop starts decided its speed on a
# Zen 5 (Q5_1 generation 24 or 38 t/s from one build to the next; Q4_0 in cache 51 or 59
# GB/s); 16 KB more code.
ALIGN    ?= -falign-loops=64
CFLAGS   ?= -O2 -Wall -Wextra
LDFLAGS  ?= -static
LDLIBS   ?= -lm -lpthread
SRC      ?= llm.c
EMBED    := models/catalog   # built into the binary (.incbin in section 7)
BIN      ?= llm
RUN_ARGS ?=

FUZZ_CC      ?= clang
FUZZ_CFLAGS  ?= -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 30
FUZZ_MAX_LEN ?= 2097152
FUZZ_TARGET  ?= gguf
BUILD        := build

# LLM_TEST_DATA: ../shared/testdata beside the repository, when it exists.
ifeq ($(origin LLM_TEST_DATA),undefined)
LLM_TEST_DATA := $(wildcard $(abspath ../shared/testdata))
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

include vendor/bearssl.mk

BEARSSL_LIB      := $(call bearssl_lib,$(CC))
FUZZ_BEARSSL_LIB := $(call bearssl_lib,$(FUZZ_CC))
$(eval $(call bearssl_rules,$(CC)))
$(eval $(call bearssl_rules,$(FUZZ_CC)))

ALL_CFLAGS := $(CSTD) $(ALIGN) $(CFLAGS) $(CPPFLAGS) -I$(BEARSSL_INC)

# Cross builds (make cross): one static musl binary per architecture in $(DIST)/, each
# linked with a BearSSL built by the same compiler command (vendor/bearssl.mk).
# aarch64 and armv7 (armhf: ARMv7-A, hard float; the NEON kernels are chosen at run
# time) use Debian's cross compilers (gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf)
# with the specs file of musl-dev:arm64 / musl-dev:armhf. tests/t_cross.sh runs them
# under qemu-user-static.
DIST             ?= dist
CROSS_ARCHS      := x86_64 aarch64 armv7
CROSS_CC_x86_64  ?= musl-gcc
CROSS_CC_aarch64 ?= aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs
CROSS_CC_armv7   ?= arm-linux-gnueabihf-gcc -specs /usr/lib/arm-linux-musleabihf/musl-gcc.specs
CROSS_CFLAGS     ?= -O2 -Wall -Wextra
# Unit tests: Debian's aarch64 GCC 12.2 crashes (ICE in vect_transform_reduction) on
# tests/unit_kernels.c at -O2; the kernels under test are intrinsics, so the tests are
# built without the auto-vectoriser.
CROSS_TEST_CFLAGS ?= $(CROSS_CFLAGS) -g -fno-tree-vectorize
CROSS_BINS       := $(addprefix $(DIST)/llm-,$(CROSS_ARCHS))
# Kernel unit tests built per architecture for tests/t_cross.sh (run under qemu).
CROSS_UNIT_TESTS ?= $(sort $(wildcard tests/unit_kernels.c tests/unit_simd*.c tests/unit_attention.c tests/unit_gemv.c tests/unit_pp.c))

$(foreach a,$(CROSS_ARCHS),$(eval $(call bearssl_rules,$(CROSS_CC_$(a)))))

define cross_rules
$(DIST)/llm-$(1): $(SRC) $(EMBED) $(call bearssl_lib,$(CROSS_CC_$(1))) Makefile vendor/bearssl.mk
	@mkdir -p $$(@D)
	@echo "  CROSS   $$@"
	$(Q)$(CROSS_CC_$(1)) $(CSTD) $(ALIGN) $(CROSS_CFLAGS) $(CPPFLAGS) -I$(BEARSSL_INC) -static -o $$@.tmp $(SRC) \
	  $(call bearssl_lib,$(CROSS_CC_$(1))) $(LDLIBS) && mv $$@.tmp $$@

$(BUILD)/cross/$(1)/%: tests/%.c tests/test.h $(SRC) $(EMBED) $(call bearssl_lib,$(CROSS_CC_$(1))) Makefile
	@mkdir -p $$(@D)
	@echo "  CROSS   $$@"
	$(Q)$(CROSS_CC_$(1)) $(CSTD) $(ALIGN) $(CROSS_TEST_CFLAGS) $(CPPFLAGS) -I$(BEARSSL_INC) -static -o $$@ $$< \
	  $(call bearssl_lib,$(CROSS_CC_$(1))) $(LDLIBS)

cross-$(1): $(DIST)/llm-$(1) $(patsubst tests/%.c,$(BUILD)/cross/$(1)/%,$(CROSS_UNIT_TESTS))
endef
$(foreach a,$(CROSS_ARCHS),$(eval $(call cross_rules,$(a))))

.PHONY: all vendor run test fuzz bench deps deps-test deps-cross clean distclean test-asan \
        cross $(addprefix cross-,$(CROSS_ARCHS))
.DEFAULT_GOAL := all

all: $(BIN)

$(BIN): $(SRC) $(EMBED) $(BEARSSL_LIB) Makefile vendor/bearssl.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(SRC) $(BEARSSL_LIB) $(LDLIBS)

vendor: $(BEARSSL_LIB)

# Dependency check/installation (fast no-op when everything is there).
deps:
	$(Q)$(if $(NO_SETUP),true,BEARSSL_SRC='$(BEARSSL_SRC)' sh tools/setup-deps.sh build)
deps-test:
	$(Q)$(if $(NO_SETUP),true,BEARSSL_SRC='$(BEARSSL_SRC)' sh tools/setup-deps.sh test)

deps-cross:
	$(Q)$(if $(NO_SETUP),true,BEARSSL_SRC='$(BEARSSL_SRC)' sh tools/setup-deps.sh cross)

# The three binaries (one at a time: each needs its own BearSSL first).
cross: deps-cross
	$(Q)$(MAKE) --no-print-directory $(CROSS_BINS)

# With no RUN_ARGS and no model fetched yet, the catalog's default is fetched first
# (online, once); then ./llm starts (a chat when the model has a chat template).
run: deps
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)if [ -z "$(RUN_ARGS)" ] && ./$(BIN) --list | grep -q '^no models in'; then \
	  id=$$(awk '!/^#/ && NF { print $$1; exit }' models/catalog); \
	  echo "make run: no model yet: fetching the catalog's default, $$id (online, once)"; \
	  ./$(BIN) --fetch "$$id" || echo "make run: the fetch failed (see above)"; fi
	./$(BIN) $(RUN_ARGS)

# The tests get the toolchain through the environment (see tests/run.sh).
test: deps-test
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)MAKE='$(MAKE)' ROOT='$(CURDIR)' LLM='$(abspath $(BIN))' \
	  LLM_TEST_DATA='$(LLM_TEST_DATA)' BUILD_DIR='$(abspath $(BUILD))/tests' \
	  TEST_CC='$(CC)' TEST_CFLAGS='$(ALL_CFLAGS) -g' TEST_LDFLAGS='$(LDFLAGS)' \
	  TEST_LIBS='$(abspath $(BEARSSL_LIB)) $(LDLIBS)' \
	  CROSS_BUILD_DIR='$(abspath $(BUILD))/cross' DIST='$(abspath $(DIST))' \
	  sh tests/run.sh

# Tests again with clang, AddressSanitizer and UBSan (dynamic; not the shipped binary).
test-asan:
	$(Q)LLM_SANITIZED=1 $(MAKE) --no-print-directory test CC=clang BIN=$(BUILD)/asan/llm LDFLAGS= \
	  CFLAGS='-O1 -g -Wall -Wextra -fsanitize=address,undefined -fno-omit-frame-pointer' \
	  LDLIBS='-fsanitize=address,undefined -lm -lpthread'

# Fuzz: tests/fuzz_$(FUZZ_TARGET).c (gguf, template, http) with libFuzzer for FUZZ_SECONDS on a
# corpus seeded from tests/corpus/$(FUZZ_TARGET)/, the chat templates (template) and
# (for gguf) the GGUF files < 2 MB in
# LLM_TEST_DATA, copied into a temp dir. Crashes are kept in build/fuzz/artifacts/.
FUZZ_BIN := $(BUILD)/fuzz/fuzz_$(FUZZ_TARGET)

$(FUZZ_BIN): tests/fuzz_$(FUZZ_TARGET).c $(SRC) $(EMBED) $(FUZZ_BEARSSL_LIB)
	@mkdir -p $(@D)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(CSTD) $(FUZZ_CFLAGS) $(CPPFLAGS) -I$(BEARSSL_INC) -o $@ $< $(FUZZ_BEARSSL_LIB) -lm -lpthread

BENCH_SHAPE  ?= tinyllama-1.1b
BENCH_QUANTS ?= Q4_0 Q4_K_M Q8_0
BENCH_THREADS ?= 1 2
bench: $(BIN)
	@for q in $(BENCH_QUANTS); do for t in $(BENCH_THREADS); do \
	  echo "## $(BENCH_SHAPE):$$q, $$t thread(s)"; \
	  ./$(BIN) --bench --synthetic $(BENCH_SHAPE):$$q -t $$t -p 128 -n 64 -r 3 || exit 1; echo; \
	done; done

fuzz: $(FUZZ_BIN)
	$(Q)set -e; corpus=$$(mktemp -d "$${TMPDIR:-/tmp}/llm-fuzz.XXXXXX"); \
	trap 'rm -rf "$$corpus"' EXIT; \
	if [ -d tests/corpus/$(FUZZ_TARGET) ]; then cp tests/corpus/$(FUZZ_TARGET)/* "$$corpus"/ 2>/dev/null || true; fi; \
	if [ "$(FUZZ_TARGET)" = gguf ] && [ -n "$(LLM_TEST_DATA)" ] && [ -d "$(LLM_TEST_DATA)" ]; then \
	  find "$(LLM_TEST_DATA)" -name '*.gguf' -size -2097152c -exec cp {} "$$corpus"/ \; ; fi; \
	if [ "$(FUZZ_TARGET)" = template ] && [ -n "$(LLM_TEST_DATA)" ] && [ -d "$(LLM_TEST_DATA)/templates" ]; then \
	  find "$(LLM_TEST_DATA)/templates" -name '*.jinja' -exec cp {} "$$corpus"/ \; ; fi; \
	mkdir -p $(BUILD)/fuzz/artifacts; \
	echo "  FUZZ    $(FUZZ_BIN) for $(FUZZ_SECONDS) s on $$(ls "$$corpus" | wc -l) seed files"; \
	./$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -max_len=$(FUZZ_MAX_LEN) \
	  -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/artifacts/ "$$corpus"

clean: bearssl-clean
	rm -rf $(BUILD) $(BIN) $(DIST)

distclean: clean bearssl-distclean
