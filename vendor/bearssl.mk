# vendor/bearssl.mk -- how BearSSL 0.6 is obtained and built (included by the Makefile).
#
# Source: `apt-get source bearssl` (Debian bookworm, 0.6+dfsg.1) unpacked into
# vendor/bearssl-src, or any BearSSL 0.6 tree named by BEARSSL_SRC=DIR (used as is,
# never modified). Nothing of BearSSL is committed.
#
# Library: built from the tree's src/**/*.c directly (not with BearSSL's own Makefile,
# which would also build tools, tests and a shared library, and may try to regenerate
# T0 code) with the compiler that uses it, one library per compiler:
#     vendor/build/<compiler name>/libbearssl.a
# so musl-gcc (./llm), clang (fuzz, sanitizer builds) and the cross compilers of
# `make cross` (aarch64-linux-gnu-gcc / arm-linux-gnueabihf-gcc with musl's specs) each
# get their own. A change of compiler, flags or source tree rebuilds the library.
#
# Interface for the including Makefile:
#   BEARSSL_SRC              source tree (default vendor/bearssl-src)
#   BEARSSL_INC              include dir, i.e. $(BEARSSL_SRC)/inc (use -I$(BEARSSL_INC))
#   BEARSSL_CFLAGS           flags for BearSSL's own objects (default -O2)
#   $(call bearssl_lib,CC)   path of libbearssl.a for compiler CC
#   $(eval $(call bearssl_rules,CC))   defines the rule that builds it (idempotent)
#   bearssl-src              target: the source tree is present
#   bearssl-clean            target: remove vendor/build (keeps the fetched source)
#   bearssl-distclean        target: also remove vendor/bearssl-src

BEARSSL_DIR          := vendor
BEARSSL_DEFAULT_SRC  := $(BEARSSL_DIR)/bearssl-src
BEARSSL_SRC          ?= $(BEARSSL_DEFAULT_SRC)
BEARSSL_INC          := $(BEARSSL_SRC)/inc
BEARSSL_CFLAGS       ?= -O2
BEARSSL_BUILD        := $(BEARSSL_DIR)/build
BEARSSL_JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
# The file whose presence means "the source tree is there".
BEARSSL_STAMP        := $(BEARSSL_SRC)/inc/bearssl.h

bearssl__empty :=
bearssl__space := $(bearssl__empty) $(bearssl__empty)
# Directory name for a compiler command: "musl-gcc", "/usr/bin/clang-14" -> "clang-14",
# "ccache gcc" -> "ccache_gcc"; options are left out of the name, their arguments are
# not: "aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs" ->
# "aarch64-linux-gnu-gcc_musl-gcc.specs" (the config file below still records the
# whole command, so a change of options rebuilds).
bearssl_ccname = $(subst $(bearssl__space),_,$(strip $(notdir $(filter-out -%,$(1)))))
bearssl_lib    = $(BEARSSL_BUILD)/$(call bearssl_ccname,$(1))/libbearssl.a

.PHONY: bearssl-src bearssl-clean bearssl-distclean bearssl-FORCE
bearssl-src: $(BEARSSL_STAMP)

ifeq ($(BEARSSL_SRC),$(BEARSSL_DEFAULT_SRC))
# Fetch with apt-get source (needs a deb-src entry and dpkg-dev; no root needed).
$(BEARSSL_STAMP):
	@command -v apt-get >/dev/null 2>&1 || { \
	  echo "vendor: apt-get not found. Get the BearSSL 0.6 source (https://bearssl.org)"; \
	  echo "        and build with: make BEARSSL_SRC=/path/to/bearssl-0.6"; exit 1; }
	@command -v dpkg-source >/dev/null 2>&1 || { \
	  echo "vendor: 'apt-get source' needs dpkg-source: apt-get install dpkg-dev"; \
	  echo "        (or run tools/setup-deps.sh, or use BEARSSL_SRC=DIR)"; exit 1; }
	@echo "  FETCH   bearssl (apt-get source bearssl) -> $(BEARSSL_DEFAULT_SRC)"
	@rm -rf $(BEARSSL_DIR)/.fetch.*; \
	tmp=$$(mktemp -d $(BEARSSL_DIR)/.fetch.XXXXXX) && chmod 755 $$tmp && \
	if ! ( cd $$tmp && apt-get source bearssl ) >$$tmp.log 2>&1; then \
	  sed 's/^/  | /' $$tmp.log; rm -rf $$tmp $$tmp.log; \
	  echo "vendor: 'apt-get source bearssl' failed. It needs a deb-src entry for bookworm:"; \
	  echo "        run tools/setup-deps.sh (adds one), or see vendor/README; or use BEARSSL_SRC=DIR"; \
	  exit 1; fi; \
	src=$$(ls -d $$tmp/bearssl-0.6*/ 2>/dev/null | head -n 1); \
	if [ -z "$$src" ] || [ ! -f "$$src/inc/bearssl.h" ]; then \
	  echo "vendor: apt-get source gave no bearssl-0.6* tree (need BearSSL 0.6):"; ls $$tmp; \
	  rm -rf $$tmp $$tmp.log; exit 1; fi; \
	rm -rf $(BEARSSL_DEFAULT_SRC) && mv "$$src" $(BEARSSL_DEFAULT_SRC) && \
	rm -rf $$tmp $$tmp.log && touch $@
else
$(BEARSSL_STAMP):
	@echo "vendor: BEARSSL_SRC=$(BEARSSL_SRC) is not a BearSSL tree (no inc/bearssl.h)"; exit 1
endif

# bearssl_rules(CC): the rule for $(call bearssl_lib,CC). Objects are compiled in
# parallel (BEARSSL_JOBS) straight from src/**/*.c (file names are unique in 0.6);
# a small config file records compiler, flags and source path so that a change of any
# of them rebuilds the library.
define bearssl_rules
ifndef bearssl__done_$(call bearssl_ccname,$(1))
bearssl__done_$(call bearssl_ccname,$(1)) := 1
$(BEARSSL_BUILD)/$(call bearssl_ccname,$(1))/config: bearssl-FORCE
	@mkdir -p $$(@D); \
	want='$(1) | $(BEARSSL_CFLAGS) | $(abspath $(BEARSSL_SRC))'; \
	[ -f $$@ ] && [ "$$$$(cat $$@)" = "$$$$want" ] || printf '%s\n' "$$$$want" > $$@

$(call bearssl_lib,$(1)): $(BEARSSL_STAMP) $(BEARSSL_BUILD)/$(call bearssl_ccname,$(1))/config
	@echo "  BEARSSL $$@ ($(1) $(BEARSSL_CFLAGS))"
	@set -e; out=$$(@D); rm -rf $$$$out/obj; mkdir -p $$$$out/obj; \
	find $(BEARSSL_SRC)/src -name '*.c' | sort > $$$$out/sources; \
	xargs -P $(BEARSSL_JOBS) -n 8 sh -c 'for f; do \
	  o=$$$$0/obj/$$$${f##*/}; \
	  $(1) $(BEARSSL_CFLAGS) -I$(BEARSSL_SRC)/inc -I$(BEARSSL_SRC)/src -c "$$$$f" -o "$$$${o%.c}.o" || exit 255; \
	done' $$$$out < $$$$out/sources; \
	n=$$$$(wc -l < $$$$out/sources); m=$$$$(ls $$$$out/obj | wc -l); \
	[ "$$$$n" -gt 200 ] && [ "$$$$n" = "$$$$m" ] || { echo "vendor: $$$$m of $$$$n objects built"; exit 1; }; \
	rm -f $$@.tmp; ar rcs $$@.tmp $$$$out/obj/*.o; mv $$@.tmp $$@
endif
endef

bearssl-FORCE:

bearssl-clean:
	rm -rf $(BEARSSL_BUILD) $(BEARSSL_DIR)/.fetch.*

bearssl-distclean: bearssl-clean
	rm -rf $(BEARSSL_DEFAULT_SRC)
