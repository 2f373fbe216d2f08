# pfsyncd - top-level Makefile (plain GNU make).
#
#   make          build lib, pfsyncd and pfsyncctl (optimised)
#   make check    install deps, build with ASan+UBSan, run every test
#   make fuzz     run each libFuzzer harness for FUZZ_SECONDS (default 60)
#   make bench    run the benchmarks and print figures
#   make demo     two firewalls in namespaces syncing, then a failover
#   make deps     install the Debian packages the build and tests need
#   make deb      build build/deb/pfsyncd_<version>_<arch>.deb (dpkg tools)
#   make systemd-check  the package in a booted systemd container

CC      ?= cc
FUZZCC  ?= clang
WARN    := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wcast-qual -Wformat=2 -Wpointer-arith -Wundef -Wvla
ifeq ($(CI),true)
WARN    += -Werror
endif
ifneq ($(WERROR),)
WARN    += -Werror
endif
# CPPFLAGS and LDFLAGS from the environment are kept (dpkg-buildflags)
CPPFLAGS := -Iinclude -D_GNU_SOURCE $(CPPFLAGS)
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 $(WARN)
LIBS    := -lmnl -lsodium
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined

B        := build
LIB_SRC  := $(wildcard lib/*/*.c)
DMN_MAIN := daemon/pfsyncd.c
DMN_SRC  := $(filter-out $(DMN_MAIN),$(wildcard daemon/*.c daemon/*/*.c))
CTL_MAIN := ctl/pfsyncctl.c
CTL_SRC  := $(filter-out $(CTL_MAIN),$(wildcard ctl/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
HDRS     := $(wildcard include/pfsync/*.h lib/*/*.h daemon/*.h daemon/*/*.h \
            ctl/*.h tests/unit/*.h tests/bench/*.h)

# --- optimised build (rel) and sanitizer build (asan) ----------------------
define objs
$(patsubst %.c,$(B)/$(1)/%.o,$(2))
endef

REL_LIB := $(B)/rel/libpfsync.a
REL_DMN := $(B)/rel/libpfsyncd.a
REL_CTL := $(B)/rel/libpfsyncctl.a
ASAN_LIB := $(B)/asan/libpfsync.a
ASAN_DMN := $(B)/asan/libpfsyncd.a
ASAN_CTL := $(B)/asan/libpfsyncctl.a

PFSYNCD   := $(B)/pfsyncd
PFSYNCCTL := $(B)/pfsyncctl

all: $(PFSYNCD) $(PFSYNCCTL)

# the daemon's files include its headers from the top of daemon/
# ("net/tp.h", "config.h"),
# as the tests do
$(B)/rel/daemon/%.o $(B)/asan/daemon/%.o: CPPFLAGS += -Idaemon

$(B)/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(B)/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c $< -o $@

$(REL_LIB): $(call objs,rel,$(LIB_SRC))
$(REL_DMN): $(call objs,rel,$(DMN_SRC))
$(REL_CTL): $(call objs,rel,$(CTL_SRC))
$(ASAN_LIB): $(call objs,asan,$(LIB_SRC))
$(ASAN_DMN): $(call objs,asan,$(DMN_SRC))
$(ASAN_CTL): $(call objs,asan,$(CTL_SRC))
$(B)/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(PFSYNCD): $(B)/rel/$(DMN_MAIN:.c=.o) $(REL_DMN) $(REL_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)
$(PFSYNCCTL): $(B)/rel/$(CTL_MAIN:.c=.o) $(REL_CTL) $(REL_LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# sanitizer builds of the programs, used by the namespace tests
$(B)/asan/pfsyncd: $(B)/asan/$(DMN_MAIN:.c=.o) $(ASAN_DMN) $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LIBS)
$(B)/asan/pfsyncctl: $(B)/asan/$(CTL_MAIN:.c=.o) $(ASAN_CTL) $(ASAN_LIB)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LIBS)

# --- unit tests: one binary per file, linked against everything -------------
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/test/%,$(UNIT_SRC))
$(B)/test/%: tests/unit/%.c $(ASAN_DMN) $(ASAN_CTL) $(ASAN_LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Idaemon -Ictl -Itests/unit $(CFLAGS) $(SANFLAGS) \
		-o $@ $< $(ASAN_DMN) $(ASAN_CTL) $(ASAN_LIB) $(LIBS)

# --- fuzzers (clang libFuzzer) ----------------------------------------------
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60
$(B)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(DMN_SRC) $(CTL_SRC) $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(CPPFLAGS) -Idaemon -Ictl -std=c11 -g -O1 \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRC) \
		$(DMN_SRC) $(CTL_SRC) $(LIBS)

# --- benchmarks (optimised, figures printed, never asserted) -----------------
BENCH_BIN := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRC))
$(B)/bench/%: tests/bench/%.c $(REL_DMN) $(REL_LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Idaemon -Itests/unit $(CFLAGS) -O2 -DNDEBUG \
		-o $@ $< $(REL_DMN) $(REL_LIB) $(LIBS)

# the bare ctnetlink batch writer: load generator and ceiling (not run
# on its own; the namespace benchmarks and tests call it)
CT_INJECT := $(B)/bench/ct_inject
$(CT_INJECT): tests/bench/ct_inject.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O2 -o $@ $< -lmnl

# --- entry points -----------------------------------------------------------
deps:
	scripts/deps.sh

build-tests: $(UNIT_BIN) $(B)/asan/pfsyncd $(B)/asan/pfsyncctl all $(CT_INJECT)

check: deps
	$(MAKE) -j$$(nproc) build-tests $(FUZZ_BIN)
	scripts/run-tests.sh

check-unit: build-tests
	scripts/run-tests.sh unit

fuzz: $(FUZZ_BIN)
	scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

bench: deps all $(BENCH_BIN) $(CT_INJECT)
	scripts/run-bench.sh $(BENCH_BIN)

demo: deps all
	scripts/demo.sh

# DEB_VERSION=x overrides the package version (debian/changelog's)
deb:
	scripts/deps-deb.sh
	scripts/build-deb.sh

# the package under a real systemd: a booted container (slow: 2-4 min;
# CI runs it after make check)
systemd-check:
	bash tests/pkg/test_systemd_boot.sh

# the package on a clean Debian root made by mmdebstrap (slow: 1-2 min)
deb-chroot-check: all build/asan/pfsyncd
	bash tests/pkg/test_deb_chroot.sh

format:
	clang-format -i $(wildcard include/pfsync/*.h lib/*/*.c lib/*/*.h daemon/*.c \
		daemon/*.h daemon/*/*.c daemon/*/*.h ctl/*.c ctl/*.h \
		tests/*/*.c tests/*/*.h)

clean:
	rm -rf $(B)

.PHONY: all deps build-tests check check-unit fuzz bench demo deb \
	deb-chroot-check systemd-check format clean
.SECONDARY:
