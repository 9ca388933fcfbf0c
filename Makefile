# timelined: plain GNU make with pkg-config. See README.md.
#   make            build ./timelined
#   make check      install missing Debian packages, build, run every test
#   make demo       build and replay the bundled example incident
#   make soak       the daemon's kill -9 test with 200 cycles (not in check)
#   make SANITIZE=1 check   the same under ASan+UBSan

PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
PKGS	 = libevent_core libevent_extra libpcre2-8 jansson zlib
DEBS	 = build-essential pkg-config libevent-dev libpcre2-dev libjansson-dev \
	   zlib1g-dev libcmocka-dev tzdata python3 python3-jsonschema \
	   clang-format
# What make check's tests drive besides (make demo does not need them):
# real logrotate, rsyslog and logger, a real Alertmanager, headless
# Chromium and a font for its screenshots.
TEST_DEBS = logrotate rsyslog bsdutils prometheus-alertmanager chromium \
	    fonts-dejavu-core
# Tests run on Debian's python3 (with the Debian packages above), never
# on another python3 that happens to come first in PATH.
PYTHON	?= /usr/bin/python3
SHARED	?= ../shared

WARN	 = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wvla -Wno-format-nonliteral
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -pthread $(WARN) -Iinclude \
	   -DTIMELINED_RULES_DIR='"$(PREFIX)/share/timelined/rules.d"'
LDFLAGS	+= -pthread
ifdef CI
CFLAGS	+= -Werror
endif
ifdef SANITIZE
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
BUILD	 = build/san
else ifdef TSAN
CFLAGS	+= -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=thread
BUILD	 = build/tsan
else
BUILD	 = build/std
endif

PKG_CFLAGS	= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS	= $(shell pkg-config --libs cmocka 2>/dev/null)

SRCS	 = $(filter-out daemon/main.c,$(wildcard daemon/*.c)) \
	   $(wildcard parsers/*.c)
OBJS	 = $(SRCS:%.c=$(BUILD)/%.o) $(BUILD)/page.o
UNIT	 = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))


.PHONY: FORCE all deps check unit golden system scenarios demo install clean \
	lint format check-format bench profile fuzz rules-check recv-dump \
	template-eval soak corpus-times browser tsan

all: timelined

# make deps installs DEBS; make check asks for TEST_DEBS too.
DEPS	?= $(DEBS)

deps:
	@missing=""; for p in $(DEPS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get \
	    -o DPkg::Lock::Timeout=600 install -y -qq $$missing; \
	fi

# Always refreshed, so ./timelined is the build just asked for (plain or
# sanitized), never a stale one.
timelined: $(BUILD)/timelined FORCE
	@cmp -s $< $@ || cp $< $@

FORCE:

$(BUILD)/timelined: $(BUILD)/daemon/main.o $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# The live page (daemon/page/index.html) is served from the binary and is
# replay's HTML: its bytes become a C array (od is in coreutils).
$(BUILD)/page.c: daemon/page/index.html
	@mkdir -p $(dir $@)
	{ echo '/* Generated from $< by the Makefile. */'; \
	  echo '#include <stddef.h>'; echo '#include "page.h"'; \
	  echo 'const unsigned char page_html[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; echo 'const size_t page_html_len = sizeof(page_html);'; \
	} > $@

$(BUILD)/page.o: $(BUILD)/page.c include/page.h
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJS) \
	    $(PKG_LIBS) $(CMOCKA_LIBS) -lm

unit: $(UNIT)
	@fail=0; for t in $(UNIT); do $$t || fail=1; done; exit $$fail

golden: timelined
	tests/golden/run ./timelined

# Every line of lnav's test logs that shows a time gets one (when a
# ../shared checkout with the corpus is beside us; skipped otherwise).
corpus-times: timelined
	$(PYTHON) tests/tools/visible_times.py ./timelined $(SHARED)/corpus/lnav

rules-check: timelined
	./timelined check
	@mkdir -p build
	@$(PYTHON) tests/tools/labelled.py ./timelined --min 0.85 > build/labelled.txt || \
	    { cat build/labelled.txt; echo "labelled set: a category fell under 0.85"; exit 1; }
	@grep overall build/labelled.txt

# The syslog receivers' test driver (tests/tools/recv_dump.c), for the
# system tests; they find it through RECV_DUMP.
RECV_DUMP = $(BUILD)/tools/recv_dump

recv-dump: $(RECV_DUMP)

$(RECV_DUMP): tests/tools/recv_dump.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJS) \
	    $(PKG_LIBS) -lm

system: timelined $(RECV_DUMP)
	RECV_DUMP=$(RECV_DUMP) $(PYTHON) tests/system/run ./timelined

# make soak: not part of make check. The daemon's kill -9 test
# (tests/system/test_daemon.py) with 200 cycles instead of 20;
# TIMELINED_KILL9_SEED=N repeats a run that failed.
soak: timelined
	TIMELINED_KILL9_CYCLES=200 $(PYTHON) tests/system/run ./timelined \
	    test_daemon_kill9_cycles

# Our scenarios (tests/scenarios/, made by tests/fixtures/gen_scenarios/
# gen.py, expected times written by hand), scored by our own scorer, plus
# the shared acceptance scenarios when a ../shared checkout is beside us.
SCENARIOS = $(dir $(wildcard tests/scenarios/*/expected.json) \
	      $(wildcard $(SHARED)/scenarios/*/expected.json))

scenarios: timelined
	$(PYTHON) tests/tools/score.py --bin ./timelined --require-schema \
	    $(SCENARIOS)

# The page (daemon/page/index.html) in headless Chromium: against the
# mock API (tests/tools/mock_api.py), then against the real daemon
# (tests/browser/daemon_run starts it, kills it once). Screenshots in
# build/browser/.
browser: timelined
	tests/browser/run ./timelined
	$(PYTHON) tests/browser/daemon_run ./timelined

check:
	$(MAKE) deps DEPS='$(DEBS) $(TEST_DEBS)'
	$(MAKE) all
	$(MAKE) lint check-format
	$(MAKE) unit
	$(MAKE) rules-check
	$(MAKE) golden
	$(MAKE) corpus-times
	$(MAKE) system
	$(MAKE) scenarios
	$(MAKE) browser

demo: deps
	$(MAKE) all
	./timelined replay --format md --display-tz Africa/Lagos \
	    --year 2024 --source-tz 'syslog=Africa/Lagos' \
	    examples/driver-update/syslog examples/driver-update/*.log

# make install: the binary, the rule pack, the systemd unit (its paths
# follow PREFIX), the documentation, and /etc/timelined/timelined.json
# unless one is there already (it is never overwritten).
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system

install: timelined
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/timelined/rules.d \
	    $(DESTDIR)$(PREFIX)/share/doc/timelined $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/timelined
	install -m 755 timelined $(DESTDIR)$(PREFIX)/bin/timelined
	install -m 644 config/rules.d/*.json $(DESTDIR)$(PREFIX)/share/timelined/rules.d/
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/timelined/README.md
	install -m 644 config/README.md $(DESTDIR)$(PREFIX)/share/doc/timelined/config.md
	install -m 644 config/timelined.json $(DESTDIR)$(PREFIX)/share/doc/timelined/timelined.json.example
	sed -e 's|/usr/local|$(PREFIX)|g' -e 's|/etc/timelined|$(SYSCONFDIR)/timelined|g' \
	    systemd/timelined.service > $(DESTDIR)$(UNITDIR)/timelined.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/timelined/timelined.json ] || \
	    install -m 644 config/timelined.json $(DESTDIR)$(SYSCONFDIR)/timelined/timelined.json

lint:
	@! grep -nE '\b(atoi|atol|sprintf|strcpy|strcat|strtok|gets)\(' \
	    daemon/*.c parsers/*.c include/*.h || { echo "lint: banned function"; exit 1; }
	@! grep -nE '\b(malloc|calloc|realloc|strdup|strndup)\(' \
	    $(filter-out parsers/xmalloc.c,$(wildcard daemon/*.c parsers/*.c)) \
	    || { echo "lint: raw allocation outside xmalloc.c"; exit 1; }
	@# parsers/ is the bottom layer: it includes only its own modules.
	@for h in $$(sed -n 's/^#include "\(.*\)\.h"/\1/p' parsers/*.c | sort -u); do \
	  [ -f parsers/$$h.c ] || { echo "lint: parsers/ includes $$h.h," \
	    "a module of daemon/"; exit 1; }; done

FORMAT_SRCS = daemon/*.c parsers/*.c include/*.h tests/unit/*.c tests/fuzz/*.c \
	      bench/*.c tests/tools/*.c

format:
	clang-format -i $(FORMAT_SRCS)

check-format:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

# make tsan: ThreadSanitizer on replay's threads: the binary built with
# TSAN=1 under build/tsan runs tests/system/test_threads.py (a race makes
# it exit 66, which the tests refuse). Minutes: not part of make check.
TSAN_TESTS = $(shell sed -n 's/^def \(test_threads_[a-z0-9_]*\).*/\1/p' \
	     tests/system/test_threads.py)

tsan:
	$(MAKE) TSAN=1 build/tsan/timelined
	TSAN_OPTIONS='halt_on_error=1' TIMELINED_RULES_DIR=$(CURDIR)/config/rules.d \
	    $(PYTHON) tests/system/run \
	    build/tsan/timelined $(TSAN_TESTS)

# make fuzz: libFuzzer on the per-line path (tests/fuzz/fuzz_parse.c). The
# objects are rebuilt with clang under build/fuzz through the pattern rule
# above; new corpus entries go to build/fuzz/corpus, never into the repo.
FUZZ_CC		 = clang
FUZZ_SAN	 = -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS	 = -O1 -g -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude $(FUZZ_SAN)
FUZZ_OBJS	 = $(SRCS:%.c=build/fuzz/%.o) build/fuzz/page.o \
		   build/fuzz/tests/fuzz/fuzz_parse.o
FUZZ_TIME	?= 60
FUZZ_ARGS	?= -max_total_time=$(FUZZ_TIME) -max_len=4096 \
		   -print_final_stats=1

fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: needs clang and" \
	    "libclang-rt-dev (apt-get install clang libclang-rt-dev)"; exit 2; }
	$(MAKE) BUILD=build/fuzz CC=$(FUZZ_CC) CFLAGS='$(FUZZ_CFLAGS)' \
	    $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -o build/fuzz/fuzz_parse $(FUZZ_OBJS) \
	    $(PKG_LIBS) -lm
	@mkdir -p build/fuzz/corpus build/fuzz/artifacts
	build/fuzz/fuzz_parse $(FUZZ_ARGS) \
	    -artifact_prefix=build/fuzz/artifacts/ \
	    build/fuzz/corpus tests/fuzz/corpus

# make bench: not part of make check. BENCH_MB of generated logs in
# bench/out (gitignored), then bench/run: wc -l, grep -E, rg with the
# pack's exported patterns, timelined replay, and a gzip run, in paired
# rounds, as docs/PERFORMANCE.md records. BENCH_SEED changes the corpus;
# the same seed gives the same bytes. make profile: where the
# instructions go (callgrind over 5 MB). Both install ripgrep, time and
# valgrind when missing.
BENCH_MB	?= 1000
BENCH_SEED	?= 1
BENCH_RUNS	?= 3
BENCH_DEBS	 = ripgrep time valgrind gzip
BENCH_DAEMON_S	?= 20

bench: timelined $(OBJS)
	$(MAKE) deps DEBS='$(BENCH_DEBS)'
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $(BUILD)/bench_rules \
	    bench/bench_rules.c $(OBJS) $(PKG_LIBS) -lm
	$(PYTHON) bench/gen.py --mb $(BENCH_MB) --seed $(BENCH_SEED) \
	    --out bench/out
	$(PYTHON) bench/run --runs $(BENCH_RUNS) --split2 \
	    --stages $(BUILD)/bench_rules ./timelined bench/out
	$(PYTHON) bench/daemon.py ./timelined --seconds $(BENCH_DAEMON_S)

profile: timelined
	$(MAKE) deps DEBS='$(BENCH_DEBS)'
	$(PYTHON) bench/profile ./timelined

# make template-eval: the unclassified-signal evaluation (not part of make
# check): tests/tools/template_eval.c linked with the project's objects,
# driven by tests/tools/template_eval.py; see docs/unclassified.md.
template-eval: $(BUILD)/template_eval

$(BUILD)/template_eval: tests/tools/template_eval.c $(OBJS)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJS) \
	    $(PKG_LIBS) -lm

clean:
	rm -rf build timelined
