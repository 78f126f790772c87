# SPDX-License-Identifier: GPL-3.0-or-later
# nlchat's hand-written Makefile (git-style).
#
# Plain `make` works with pkg-config defaults. `./configure` (from configure.ac; run
# `make configure` to create it) writes config.mak.autogen, and a hand-written config.mak
# may override anything after that.
#
#   make                 build the programs
#   make check           build and run every test (unit, simulation, interop, functional, TUI, end to end)
#   make sim             the simulation of the whole system, 10,000 seeds (SIM_SEEDS=N)
#   make bench           build and run the benchmarks
#   make fuzz            build the libFuzzer targets (needs clang); FUZZ_SECONDS=N runs them
#   make fuzz-corpus     run them (FUZZ_SECONDS, default 60) and merge new finds into fuzz/corpus
#   make hdr-check       every header compiles on its own
#   make lint            formatting, layering, licence lines, clang-tidy (tools/lint)
#   make demo            the whole system in one command (nlchat --demo)
#   make golden          rewrite the golden screens of the UI tests (review the diff)
#   make dist            a source tarball that builds and tests on its own
#   make deps            install the Debian packages the build needs (tools/install-deps)
#   make install         install programs, man pages and docs (DESTDIR, prefix honoured)
#   make uninstall / clean / distclean / fmt
#
# Knobs: V=1 (show commands), DEVELOPER=1 (warnings are errors),
# SANITIZE=address,undefined (build and test with sanitizers, into build/san/).

NLCHAT_VERSION = 0.1.0

-include config.mak.autogen
-include config.mak

prefix ?= /usr/local
bindir ?= $(prefix)/bin
mandir ?= $(prefix)/share/man
docdir ?= $(prefix)/share/doc/nlchat
datadir ?= $(prefix)/share
CXX ?= g++
CLANGXX ?= clang++
PKG_CONFIG ?= pkg-config
PYTHON ?= /usr/bin/python3
INSTALL ?= install
# The sanitizer build is compiled with -O1 (what ASan is usually run with) and -g1: line
# tables only, enough for the reports' stack traces (inlined frames included) and about
# a third less compile time than -g, which is most of .ci/run's sanitizer stage.
CXXFLAGS ?= $(if $(SANITIZE),-O1 -g1,-O2 -g)
CXXSTD = -std=c++17
WARNINGS = -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wpedantic
ifdef DEVELOPER
WARNINGS += -Werror
endif

ifeq ($(V),1)
Q =
QUIET_CXX =
QUIET_AR =
QUIET_LINK =
QUIET_GEN =
else
Q = @
QUIET_CXX = @echo '   CXX $@';
QUIET_AR = @echo '   AR $@';
QUIET_LINK = @echo '   LINK $@';
QUIET_GEN = @echo '   GEN $@';
endif

# Library checks: a missing library stops the build with the Debian package to install.
# Targets that build nothing skip them.
PKGS = jsoncpp:libjsoncpp-dev libgcrypt:libgcrypt20-dev libuv:libuv1-dev ncursesw:libncurses-dev catch2:catch2 inih:libinih-dev libutf8proc:libutf8proc-dev libwebsockets:libwebsockets-dev
NO_DEPS_GOALS = clean distclean configure fmt uninstall deps dist
ifneq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
MISSING_PKGS := $(strip $(foreach p,$(PKGS),$(if $(shell $(PKG_CONFIG) --exists $(word 1,$(subst :, ,$(p))) && echo ok),,$(word 2,$(subst :, ,$(p))))))
ifneq ($(MISSING_PKGS),)
$(error missing libraries; on Debian/Ubuntu run: apt-get install $(MISSING_PKGS))
endif
endif

CORE_PKGS = jsoncpp libgcrypt
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CORE_PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(CORE_PKGS) 2>/dev/null)
CATCH_CFLAGS := $(shell $(PKG_CONFIG) --cflags catch2 2>/dev/null)
NET_CFLAGS := $(shell $(PKG_CONFIG) --cflags libuv 2>/dev/null)
NET_LIBS := $(shell $(PKG_CONFIG) --libs libuv 2>/dev/null)
INI_LIBS := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null)
UI_CFLAGS := $(shell $(PKG_CONFIG) --cflags libutf8proc ncursesw 2>/dev/null)
UI_LIBS := $(shell $(PKG_CONFIG) --libs libutf8proc 2>/dev/null)
CURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null)
LWS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libwebsockets 2>/dev/null)
LWS_LIBS := $(shell $(PKG_CONFIG) --libs libwebsockets 2>/dev/null)

ifdef SANITIZE
O = build/san
BIN = build/san
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
O = build
BIN = .
SAN_FLAGS =
endif

ALL_CXXFLAGS = $(CXXSTD) $(WARNINGS) $(CXXFLAGS) $(SAN_FLAGS) -Isrc -I. $(PKG_CFLAGS) \
	-DNLCHAT_VERSION='"$(NLCHAT_VERSION)"' -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

CORE_SRC = $(wildcard src/core/*.cpp src/core/*/*.cpp)
CORE_OBJ = $(CORE_SRC:%.cpp=$(O)/%.o)
CORE_LIB = $(O)/libnlcore.a
NET_SRC = $(wildcard src/net/*.cpp)
NET_OBJ = $(NET_SRC:%.cpp=$(O)/%.o)
NET_LIB = $(O)/libnlnet.a
UI_SRC = $(wildcard src/ui/*.cpp)
UI_OBJ = $(UI_SRC:%.cpp=$(O)/%.o)
UI_LIB = $(O)/libnlui.a
SERVER_SRC = $(filter-out src/server/nlchatd.cpp,$(wildcard src/server/*.cpp))
SERVER_OBJ = $(SERVER_SRC:%.cpp=$(O)/%.o)

WEB_SRC = $(filter-out src/web/nlchat_web.cpp,$(wildcard src/web/*.cpp))
WEB_OBJ = $(WEB_SRC:%.cpp=$(O)/%.o) $(O)/gen/web_assets.o
WEB_ASSETS = $(wildcard src/web/assets/*)

PROGRAMS = $(BIN)/nlchat $(BIN)/nlchat-packet $(BIN)/nlchatd $(BIN)/nlchat-caller $(BIN)/nlchat-web $(BIN)/nlchat-stats
TEST_SRC = $(wildcard tests/core/*_test.cpp tests/core/*/*_test.cpp tests/ui/*_test.cpp tests/client/*_test.cpp tests/web/*_test.cpp tests/net/*_test.cpp tests/server/*_test.cpp) tests/core/test_keys.cpp tests/test_main.cpp
# Client and web pieces with no loop, terminal or socket of their own, linked into the unit tests.
CLIENT_TESTED_OBJ = $(O)/src/client/canned.o $(O)/src/client/client_files.o $(O)/src/web/web_sessions.o
# nlchatd's figures file (its writer is tested on a scratch directory).
SERVER_TESTED_OBJ = $(O)/src/server/figures_file.o
TEST_OBJ = $(TEST_SRC:%.cpp=$(O)/%.o)
UNIT_TESTS = $(O)/tests/unit-tests
TEST_HELPERS = $(O)/tests/oaep-kat $(O)/tests/test-operator $(O)/tests/v2-frames
BENCH = $(O)/bench/packet-bench
SERVER_BENCH = $(O)/bench/server-bench
IDLE_BENCH = $(O)/bench/idle-bench
SIM_SRC = $(wildcard sim/*.cpp)
SIM_OBJ = $(SIM_SRC:%.cpp=$(O)/%.o)
SIM = $(O)/sim/nlchat-sim

MAN_PAGES = $(wildcard man/*.1 man/*.5 man/*.7 man/*.8)

.PHONY: all check check-unit hdr-check golden demo dist bench sim fuzz fuzz-corpus install uninstall clean distclean fmt lint configure deps try
.DELETE_ON_ERROR:
.SECONDARY:

all: $(PROGRAMS)

$(O)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(QUIET_CXX)$(CXX) $(ALL_CXXFLAGS) -c -o $@ $<

$(O)/tests/%.o: ALL_CXXFLAGS += $(CATCH_CFLAGS) -Wno-old-style-cast
ifdef SANITIZE
# GCC 12 at -O1 with ASan warns of a maybe-uninitialized std::function inside libstdc++'s
# <regex>, which Catch2's main instantiates: a false positive in code that is not ours.
$(O)/tests/test_main.o: ALL_CXXFLAGS += -Wno-maybe-uninitialized
endif

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

$(NET_LIB): $(NET_OBJ)
	@mkdir -p $(dir $@)
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

$(O)/src/net/%.o $(O)/src/server/%.o $(O)/src/tools/nlchat_caller.o $(O)/tests/helpers/test_operator.o: ALL_CXXFLAGS += $(NET_CFLAGS)

$(BIN)/nlchatd: $(O)/src/server/nlchatd.o $(SERVER_OBJ) $(NET_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NET_LIBS) $(INI_LIBS)

# nlchat-web's static files are compiled in (src/web/assets.h says why).
$(O)/gen/web_assets.cpp: tools/embed-assets $(WEB_ASSETS)
	@mkdir -p $(dir $@)
	$(QUIET_GEN)tools/embed-assets $@ $(WEB_ASSETS)

$(O)/gen/%.o: $(O)/gen/%.cpp
	$(QUIET_CXX)$(CXX) $(ALL_CXXFLAGS) -c -o $@ $<

$(O)/src/web/%.o: ALL_CXXFLAGS += $(NET_CFLAGS) $(LWS_CFLAGS)

$(BIN)/nlchat-web: $(O)/src/web/nlchat_web.o $(WEB_OBJ) $(NET_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NET_LIBS) $(LWS_LIBS)

CLIENT_SRC = $(filter-out src/client/nlchat.cpp,$(wildcard src/client/*.cpp))
CLIENT_OBJ = $(CLIENT_SRC:%.cpp=$(O)/%.o)
$(O)/src/client/%.o: ALL_CXXFLAGS += $(NET_CFLAGS)

$(BIN)/nlchat: $(O)/src/client/nlchat.o $(CLIENT_OBJ) $(UI_LIB) $(NET_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NET_LIBS) $(UI_LIBS) $(CURSES_LIBS) $(INI_LIBS)

$(BIN)/nlchat-caller: $(O)/src/tools/nlchat_caller.o $(NET_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NET_LIBS)

$(O)/tests/test-operator: $(O)/tests/helpers/test_operator.o $(NET_LIB) $(CORE_LIB)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NET_LIBS)

$(BIN)/nlchat-packet: $(O)/src/tools/nlchat_packet.o $(O)/src/net/process.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/nlchat-stats: $(O)/src/tools/nlchat_stats.o $(O)/src/net/process.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(UI_LIB): $(UI_OBJ)
	@mkdir -p $(dir $@)
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

$(O)/src/ui/%.o $(O)/tests/ui/%.o $(O)/src/client/%.o: ALL_CXXFLAGS += $(UI_CFLAGS)

$(O)/tests/net/%.o: ALL_CXXFLAGS += $(NET_CFLAGS)

$(UNIT_TESTS): $(TEST_OBJ) $(CLIENT_TESTED_OBJ) $(SERVER_TESTED_OBJ) $(UI_LIB) $(NET_LIB) $(CORE_LIB)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(UI_LIBS) $(CURSES_LIBS) $(NET_LIBS)

$(O)/tests/oaep-kat: $(O)/tests/helpers/oaep_kat.o $(CORE_LIB)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/tests/v2-frames: $(O)/tests/helpers/v2_frames.o $(CORE_LIB)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BENCH): $(O)/bench/packet_bench.o $(CORE_LIB)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/bench/server_bench.o $(O)/bench/idle_bench.o: ALL_CXXFLAGS += $(NET_CFLAGS)
$(IDLE_BENCH): $(O)/bench/idle_bench.o $(NET_LIB) $(CORE_LIB)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NET_LIBS)

$(SERVER_BENCH): $(O)/bench/server_bench.o $(NET_LIB) $(CORE_LIB)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NET_LIBS)

# `make check` runs every suite and ends with one "N passed, N failed" line, under
# SANITIZE too (.ci/run's sanitizer pass runs them all). CHECK_EXCLUDE=a,b leaves whole
# Python modules out of a run (said on its first line), for a quick look by hand.
# The simulation runs a few hundred seeds here (fewer under the sanitizers, which slow it
# several times); `make sim` runs 10,000.
CHECK_SIM_SEEDS = $(if $(SANITIZE),100,300)
check: $(PROGRAMS) $(UNIT_TESTS) $(TEST_HELPERS) $(SIM)
	$(Q)PYTHON=$(PYTHON) NLCHAT_PY_EXCLUDE=$(CHECK_EXCLUDE) NLCHAT_SIM_SEEDS=$(CHECK_SIM_SEEDS) tests/run-tests --build $(O) --bin $(BIN)

# Only the Catch2 unit tests (used by .ci/run for the sanitizer pass).
check-unit: $(UNIT_TESTS)
	$(Q)PYTHON=$(PYTHON) tests/run-tests --build $(O) --bin $(BIN) --only unit

# BENCH_ARGS: operators, callers and rounds for the server benchmark (default 20 40 20).
# WEB_BENCH_ARGS: sessions held and messages timed for nlchat-web (default 1000 100).
# ATTACK_BENCH_ARGS: seconds each junk-packet attack lasts (default 15).
# IDLE_BENCH_ARGS: idle v2 operators held and seconds measured (default 10000 30).
# Every header compiles on its own.
hdr-check:
	$(Q)tools/hdr-check $(CXX) $(CXXSTD) $(WARNINGS) -Isrc -I. $(PKG_CFLAGS) $(NET_CFLAGS) $(UI_CFLAGS) $(LWS_CFLAGS)

# Rewrites the golden screens (tests/ui/golden/) from the current code: review the diff.
golden: $(UNIT_TESTS)
	$(Q)NLCHAT_UPDATE_GOLDEN=1 $(UNIT_TESTS) '[golden]'

# The server benchmark comes last: its last line ("session: ...") sums up v1 against v2.
bench: $(BENCH) $(SERVER_BENCH) $(IDLE_BENCH) $(BIN)/nlchatd $(BIN)/nlchat-web $(O)/tests/test-operator
	$(Q)$(BENCH)
	@echo
	$(Q)$(PYTHON) bench/web_bench.py --bin $(BIN) --build $(O) $(WEB_BENCH_ARGS)
	@echo
	$(Q)$(PYTHON) bench/attack_bench.py --bin $(BIN) --build $(O) $(ATTACK_BENCH_ARGS)
	@echo
	$(Q)$(IDLE_BENCH) $(BIN)/nlchatd $(IDLE_BENCH_ARGS)
	@echo
	$(Q)$(SERVER_BENCH) $(BIN)/nlchatd $(BENCH_ARGS)

# The deterministic simulation of the whole system (HACKING.md, "The simulation"):
# SIM_SEEDS seeds on two jobs, then each planted bug must be caught.
SIM_SEEDS ?= 10000
$(O)/sim/%.o: ALL_CXXFLAGS += $(UI_CFLAGS)
$(SIM): $(SIM_OBJ) $(UI_LIB) $(CORE_LIB)
	$(QUIET_LINK)$(CXX) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(UI_LIBS)

# The seeds, then each planted bug (which must be caught), by the same runner as `make
# check`'s short run, so that it ends with one "N passed, N failed" line.
sim: $(SIM)
	$(Q)NLCHAT_SIM_SEEDS=$(SIM_SEEDS) tests/run-tests --build $(O) --bin $(BIN) --only sim

# libFuzzer targets, built with clang into build/fuzz (their own objects: the core is
# compiled with coverage instrumentation there).
FUZZ_O = build/fuzz
FUZZ_FLAGS = -gline-tables-only -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_CORE_OBJ = $(CORE_SRC:%.cpp=$(FUZZ_O)/%.o)
FUZZ_TARGETS = $(FUZZ_O)/fuzz-open $(FUZZ_O)/fuzz-command $(FUZZ_O)/fuzz-bus $(FUZZ_O)/fuzz-key $(FUZZ_O)/fuzz-dispatch $(FUZZ_O)/fuzz-web $(FUZZ_O)/fuzz-frame $(FUZZ_O)/fuzz-controller $(FUZZ_O)/fuzz-stats
FUZZ_SECONDS ?= 0
# Targets fuzzed at a time (each is one process on one core).
FUZZ_JOBS ?= 2

$(FUZZ_O)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(QUIET_CXX)$(CLANGXX) $(CXXSTD) $(WARNINGS) $(FUZZ_FLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_O)/fuzz-%: $(FUZZ_O)/fuzz/%_fuzz.o $(FUZZ_CORE_OBJ)
	$(QUIET_LINK)$(CLANGXX) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

# nlchat-web's session table is fuzzed too (it is outside the core library).
$(FUZZ_O)/fuzz-web: $(FUZZ_O)/src/web/web_sessions.o
# The screen's logic, with the screen drawn (the ui library but its ncurses terminal).
$(FUZZ_O)/fuzz-controller: $(patsubst %.cpp,$(FUZZ_O)/%.o,$(filter-out src/ui/terminal.cpp,$(UI_SRC)))
$(FUZZ_O)/fuzz-controller: PKG_LIBS += $(UI_LIBS)

fuzz: $(FUZZ_TARGETS)
	$(Q)if [ "$(FUZZ_SECONDS)" != 0 ]; then fuzz/run-fuzzers --jobs $(FUZZ_JOBS) $(FUZZ_O) $(FUZZ_SECONDS); fi

# Runs every fuzzer (FUZZ_SECONDS each, 60 unless given) and merges into fuzz/corpus/ the
# inputs it found that reach code the corpus did not: `git add fuzz/corpus` keeps them,
# and every later run (CI's too) starts from there.
fuzz-corpus: $(FUZZ_TARGETS)
	$(Q)fuzz/run-fuzzers --jobs $(FUZZ_JOBS) --merge-into fuzz/corpus $(FUZZ_O) $(if $(filter-out 0,$(FUZZ_SECONDS)),$(FUZZ_SECONDS),60)

# Installs the Debian packages the build needs (apt-get, through sudo unless root).
deps:
	$(Q)tools/install-deps

# The whole system in one command: a demo server, simulated callers and the client.
demo: $(BIN)/nlchat $(BIN)/nlchatd
	$(Q)$(BIN)/nlchat --demo

# A first look at the packet layer: make a key pair, seal an inner command, open it again.
try: $(BIN)/nlchat-packet
	$(Q)d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	echo "key fingerprint: $$($(BIN)/nlchat-packet keygen --out $$d/key)" && \
	echo '{"type":"msg","msg":["hello from nlchat"],"I/O":"in","UUID":"u-1"}' > $$d/inner && \
	echo "inner command:   $$(cat $$d/inner)" && \
	$(BIN)/nlchat-packet seal --key $$d/key.pub --uuid u-1 --to bob < $$d/inner > $$d/packet && \
	echo "raw packet:      $$(cut -c1-100 $$d/packet)..." && \
	echo "opened again:    $$($(BIN)/nlchat-packet open --key $$d/key --to bob < $$d/packet)"

install: all
	$(INSTALL) -d '$(DESTDIR)$(bindir)' '$(DESTDIR)$(mandir)/man1' '$(DESTDIR)$(mandir)/man7' '$(DESTDIR)$(mandir)/man8' '$(DESTDIR)$(docdir)'
	$(INSTALL) -m 755 $(PROGRAMS) '$(DESTDIR)$(bindir)'
	$(INSTALL) -m 644 README contrib/nlchatd.service contrib/nlchat-web.service contrib/nginx/nlchat-web.conf '$(DESTDIR)$(docdir)'
	$(INSTALL) -d '$(DESTDIR)$(datadir)/nlchat'
	$(INSTALL) -m 644 contrib/nginx/nlchat-unavailable.html '$(DESTDIR)$(datadir)/nlchat'
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; $(INSTALL) -m 644 $$m '$(DESTDIR)$(mandir)/man'$$s/ || exit 1; \
	done

uninstall:
	for p in $(notdir $(PROGRAMS)); do rm -f '$(DESTDIR)$(bindir)'/$$p; done
	for m in $(MAN_PAGES); do s=$${m##*.}; rm -f '$(DESTDIR)$(mandir)/man'$$s/$${m##*/}; done
	rm -f '$(DESTDIR)$(docdir)/README' '$(DESTDIR)$(docdir)/nlchatd.service' '$(DESTDIR)$(docdir)/nlchat-web.service'
	rm -f '$(DESTDIR)$(docdir)/nlchat-web.conf' '$(DESTDIR)$(datadir)/nlchat/nlchat-unavailable.html'
	-rmdir '$(DESTDIR)$(datadir)/nlchat' 2>/dev/null
	-rmdir '$(DESTDIR)$(docdir)' 2>/dev/null

# Formatting, layering, licence lines and clang-tidy (tools/lint says what each rule is).
lint:
	$(Q)tools/lint

fmt:
	clang-format -i $(wildcard src/*/*.cpp src/*/*.h src/core/*/*.cpp src/core/*/*.h tests/*/*.cpp tests/*/*.h tests/core/*/*.cpp tests/core/*/*.h tests/*.cpp bench/*.cpp bench/*.h fuzz/*.cpp sim/*.cpp sim/*.h)

# A source tarball of what git tracks (plus a generated configure), which builds and
# passes `make check` on its own.
dist: configure
	$(Q)rm -rf build/dist && mkdir -p build/dist/nlchat-$(NLCHAT_VERSION)
	$(Q)git ls-files | tar -cf - -T - | tar -xf - -C build/dist/nlchat-$(NLCHAT_VERSION)
	$(Q)cp configure build/dist/nlchat-$(NLCHAT_VERSION)/
	$(Q)tar -czf nlchat-$(NLCHAT_VERSION).tar.gz -C build/dist nlchat-$(NLCHAT_VERSION)
	@echo "wrote nlchat-$(NLCHAT_VERSION).tar.gz"

configure: configure.ac
	autoconf -o $@ $<

clean:
	rm -rf build nlchat nlchat-packet nlchatd nlchat-caller nlchat-web nlchat-stats

distclean: clean
	rm -rf configure config.mak.autogen config.log config.status autom4te.cache nlchat-*.tar.gz

-include $(CORE_OBJ:.o=.d) $(UI_OBJ:.o=.d) $(NET_OBJ:.o=.d) $(SERVER_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(wildcard $(O)/src/server/*.d $(O)/src/web/*.d $(O)/gen/*.d $(O)/src/client/*.d $(O)/src/tools/*.d $(O)/tests/helpers/*.d $(O)/bench/*.d $(O)/sim/*.d $(FUZZ_O)/*/*.d $(FUZZ_O)/*/*/*.d $(FUZZ_O)/*/*/*/*.d)
