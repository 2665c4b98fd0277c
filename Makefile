# mailctl / libauth build.
#
#   make              build/libauth.a build/libauth.so build/mailctl build/dkimkeygen
#   make deps         install missing Debian packages (scripts/deps.sh)
#   make check        deps + build + every test (unit and integration, real servers)
#   make check-asan   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make check-valgrind  unit tests and everyday commands under valgrind (make check runs it)
#   make demo         start the test servers on the bundled zones and run mailctl on them
#   make bench        benchmarks (bench/), figures beside the peers
#   make compare      `mailctl auth` beside mailauth (npm) on the DMARC tests, case by case
#   make fuzz         libFuzzer targets (clang), each run for FUZZ_SECONDS
#   make conformance  OpenSPF RFC 7208 and ARC (RFC 8617) suites from ../shared/conformance (when present)
#   make lint         bans unsafe string functions
#   make install      PREFIX=/usr/local
#
# Sources are found by wildcard: a module is added by adding files, never by editing lists.

CC       ?= cc
PREFIX   ?= /usr/local
LIBDIR   ?= $(PREFIX)/lib
BASH_COMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPDIR  ?= $(PREFIX)/share/zsh/site-functions
BUILD    ?= build
PKGS     := ldns libssl libcrypto jansson libpsl libidn2 libcurl expat zlib libarchive sqlite3
VERSION  := 0.1.0

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wpointer-arith -Wvla -Wno-unused-parameter
CSTD     := -std=c11 -D_GNU_SOURCE
OPT      ?= -O2 -g
SAN      ?=
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -Ilibauth/include -DMAILCTL_VERSION='"$(VERSION)"' \
            -DTEST_DATADIR='"$(CURDIR)/testdata"' -DTEST_BUILD_DIR='"$(CURDIR)/$(BUILD)"'
CPPFLAGS += -DLOCALEDIR='"$(PREFIX)/share/locale"'
CFLAGS   := $(CSTD) $(OPT) $(WARN) $(SAN) -fPIC $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS  += $(SAN)
LDLIBS   := $(PKG_LIBS) -lm

LIB_SRC    := $(shell find libauth -name '*.c' | sort)
# The program scaffolding both programs share (options, global options,
# errors and the exit ranking, escaping, names at the boundary, i18n) and
# the key generation front end, which dkimkeygen and `mailctl dkim keygen`
# both are: libcli.a.  mailctl's commands are libcmd.a, which dkimkeygen
# does not link.
CLI_SRC    := $(addprefix cmd/,options.c common.c output.c names.c i18n.c secret.c cli_meta.c dkim_keygen.c)
CMD_SRC    := $(filter-out cmd/main.c $(CLI_SRC),$(wildcard cmd/*.c))
CHECK_SRC  := $(wildcard checks/*.c)
KEYGEN_SRC := $(wildcard dkimkeygen/*.c)
SUPPORT_SRC:= $(wildcard tests/support/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
INTEG_SRC  := $(wildcard tests/integration/test_*.c)
BENCH_SRC  := $(wildcard bench/*.c)
TOOL_SRC   := $(wildcard tests/tools/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_OBJ    := $(call obj,$(LIB_SRC))
CLI_OBJ    := $(call obj,$(CLI_SRC))
CMD_OBJ    := $(call obj,$(CMD_SRC))
CHECK_OBJ  := $(call obj,$(CHECK_SRC))
SUPPORT_OBJ:= $(call obj,$(SUPPORT_SRC))
TESTS      := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRC) $(INTEG_SRC))
# Shell tests of the installed face (help, man pages, completion): scripts, not built.
TESTS      += $(sort $(wildcard tests/shell/test_*.sh))
BENCHES    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
TOOLS      := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))

# V=1 shows full compile lines.
Q := $(if $(V),,@)
ifeq ($(V),)
$(BUILD)/obj/%.o: MSG = @echo "  CC      $<"
endif

PROGRAMS := $(BUILD)/mailctl $(if $(KEYGEN_SRC),$(BUILD)/dkimkeygen)

.SECONDARY:
.PHONY: all deps check check-asan check-valgrind test demo bench compare fuzz conformance lint install clean tests
.PHONY: deb deb-test
all: $(BUILD)/libauth.a $(BUILD)/libauth.so $(PROGRAMS) $(BUILD)/libauth.pc

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(MSG)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# The library exports only what its public headers declare (auth/export.h).
$(LIB_OBJ): CFLAGS += -fvisibility=hidden

# Include paths per layer: everyone sees the public headers (libauth/include);
# only the library itself, and the tests and fuzz targets of its internals,
# see libauth/; the command layer's headers are for dkimkeygen; test support
# is for tests, benches and tools.
$(LIB_OBJ): CPPFLAGS += -Ilibauth
$(call obj,$(KEYGEN_SRC)): CPPFLAGS += -Icmd
$(BUILD)/obj/tests/%.o $(BUILD)/obj/bench/%.o: CPPFLAGS += -Ilibauth -Itests/support
# tests may test any layer, the command layer's helpers too (escaping, widths, bulk output)
$(BUILD)/obj/tests/%.o: CPPFLAGS += -Icmd

$(BUILD)/libauth.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/libauth.so: $(LIB_OBJ)
	$(Q)$(CC) -shared -Wl,-soname,libauth.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libcmd.a: $(CMD_OBJ) $(CHECK_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/libcli.a: $(CLI_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/mailctl: $(call obj,cmd/main.c) $(BUILD)/libcmd.a $(BUILD)/libcli.a $(BUILD)/libauth.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/dkimkeygen: $(call obj,$(KEYGEN_SRC)) $(BUILD)/libcli.a $(BUILD)/libauth.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(SUPPORT_OBJ) $(BUILD)/libcmd.a $(BUILD)/libcli.a $(BUILD)/libauth.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(SUPPORT_OBJ) $(BUILD)/libcmd.a $(BUILD)/libcli.a $(BUILD)/libauth.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# bench/report measures libxml2's parsers beside expat (the parser choice, docs/reports.md)
$(BUILD)/obj/bench/report.o: CFLAGS += $(shell pkg-config --cflags libxml-2.0)
$(BUILD)/bench/report: LDLIBS += $(shell pkg-config --libs libxml-2.0)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(SUPPORT_OBJ) $(BUILD)/libauth.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Translations: po/LANG.po -> $(BUILD)/locale/LANG/LC_MESSAGES/mailctl.mo (what
# MAILCTL_LOCALEDIR=$(BUILD)/locale finds); `make pot` re-extracts the marked
# strings (scripts/po.sh), `make po-update` merges them into every po/*.po.
PO_FILES := $(wildcard po/*.po)
MO_FILES := $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/mailctl.mo,$(PO_FILES))
all: $(MO_FILES)
tests: $(MO_FILES) $(BUILD)/libauth.so $(BUILD)/libauth.pc   # tests/shell/test_man.sh links against them

$(BUILD)/locale/%/LC_MESSAGES/mailctl.mo: po/%.po
	@mkdir -p $(dir $@)
	$(Q)msgfmt -c -o $@ $<

.PHONY: pot po-update
pot:
	@mkdir -p $(BUILD)
	scripts/po.sh $(BUILD)/mailctl.pot

po-update: pot
	for po in $(PO_FILES); do msgmerge -q --no-fuzzy-matching --no-location --update --backup=none $$po $(BUILD)/mailctl.pot; done

$(BUILD)/libauth.pc: Makefile
	@mkdir -p $(BUILD)
	printf 'prefix=%s\nlibdir=$(LIBDIR)\nincludedir=$${prefix}/include\n\nName: libauth\nDescription: DNS and sender authentication (SPF, DKIM, DMARC) for mail\nVersion: %s\nRequires.private: %s\nCflags: -I$${includedir}\nLibs: -L$${libdir} -lauth\n' \
	  '$(PREFIX)' '$(VERSION)' '$(PKGS)' > $@

tests: $(TESTS) $(TOOLS) $(PROGRAMS) $(BENCHES)   # benches built (not run) so they keep compiling

# The README's test command.  deps first, so a fresh Debian machine needs nothing else.
check: deps
	$(MAKE) tests $(BUILD)/libauth.so
	scripts/lint.sh
	scripts/abi-check.sh $(BUILD)
	scripts/run-tests.sh $(BUILD) $(TESTS)
	scripts/valgrind.sh $(BUILD)

# The unit tests and the everyday commands (offline, English and Chinese)
# under valgrind; `make check` ends with it.
check-valgrind: deps
	$(MAKE) tests
	scripts/valgrind.sh $(BUILD)

test: tests
	scripts/run-tests.sh $(BUILD) $(TESTS)

check-asan: deps
	$(MAKE) BUILD=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  scripts/run-tests.sh build-asan $(patsubst $(BUILD)/%,build-asan/%,$(TESTS))

deps:
	@scripts/deps.sh

demo: deps
	$(MAKE) all $(TOOLS)
	scripts/demo.sh $(BUILD)

bench: deps
	$(MAKE) all $(BENCHES) $(TOOLS)
	scripts/bench.sh $(BUILD) $(BENCHES)

# Not part of check: the first run installs mailauth from the npm registry.
compare: deps
	$(MAKE) all $(TOOLS)
	scripts/compare-mailauth.sh $(BUILD)

fuzz: deps
	scripts/fuzz.sh

conformance: deps all
	@if [ -d ../shared/conformance ]; then scripts/conformance.sh $(BUILD); \
	 else echo "conformance: ../shared/conformance not present, skipped"; fi

lint:
	@scripts/lint.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/auth
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BUILD)/libauth.a $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(BUILD)/libauth.so $(DESTDIR)$(LIBDIR)/libauth.so.0
	ln -sf libauth.so.0 $(DESTDIR)$(LIBDIR)/libauth.so
	install -m 0644 libauth/include/auth/*.h $(DESTDIR)$(PREFIX)/include/auth/
	install -m 0644 $(BUILD)/libauth.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -d $(DESTDIR)$(BASH_COMPDIR) $(DESTDIR)$(ZSH_COMPDIR)
	install -m 0644 completion/mailctl.bash $(DESTDIR)$(BASH_COMPDIR)/mailctl
	ln -sf mailctl $(DESTDIR)$(BASH_COMPDIR)/dkimkeygen
	install -m 0644 completion/_mailctl $(DESTDIR)$(ZSH_COMPDIR)/_mailctl
	for mo in $(MO_FILES); do lang=$${mo#$(BUILD)/locale/}; lang=$${lang%%/*}; \
	  install -d $(DESTDIR)$(PREFIX)/share/locale/$$lang/LC_MESSAGES; \
	  install -m 0644 $$mo $(DESTDIR)$(PREFIX)/share/locale/$$lang/LC_MESSAGES/mailctl.mo; done

# Debian packages built from a fresh clone of what is committed (scripts/deb.sh),
# lintian-checked, into $(BUILD)/deb; deb-test installs them with apt, runs
# mailctl --version and man -w mailctl, and removes them.  Not part of check:
# it builds everything again.
deb: deps
	scripts/deb.sh $(BUILD)/deb

deb-test: deb
	scripts/deb-test.sh $(BUILD)/deb

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
