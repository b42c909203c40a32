# kipvs — node-level Kubernetes service proxy on IPVS.
#
#   make            build ./kipvs
#   make tools      build/kipvs-testtool (what the tests drive besides kipvs)
#   make deps       install build and test dependencies (Debian packages; idempotent)
#   make test       deps, build, unit tests (ASan+UBSan, cmocka), host tests, VM suite
#   make test T=x   run only the tests whose name matches x
#   make bench      benchmarks (print figures, never fail on speed)
#   make soak       the long soak: vm/daemon_soak for SOAK_SECONDS (300) with
#                   every kind of API fault (make test runs a 90 s version)
#   make fuzz       libFuzzer harnesses (clang), FUZZ_S seconds each (T=name: one);
#                   new inputs are merged into test/fuzz/corpus/
#   make demo       the main job on an embedded default cluster, in a VM
#   make install    PREFIX=/usr/local DESTDIR= (binary, man page, systemd unit,
#                   example config, snippets); make uninstall removes them
#   make image      build/kipvs-image.oci.tar: the container image kipvs:VERSION
#   make deb        build/kipvs_VERSION_ARCH.deb: the Debian package
#   make check-style / make format / make valgrind / make clean

CC       ?= gcc
PKG      ?= pkg-config
PKGS      = libnl-3.0 libnl-genl-3.0 libnl-route-3.0 libnl-nf-3.0 libcurl libcjson yaml-0.1 \
            libmicrohttpd

WARN     = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wformat=2 -Wundef -Wvla \
           -Wwrite-strings -Wmissing-prototypes -Wstrict-prototypes -Wold-style-definition \
           -Wno-unused-parameter -Wimplicit-fallthrough
# A library pkg-config cannot find is named here, with the Debian package
# that has it (test/deps.sh installs them all: make deps). Not for the goals
# that run test/deps.sh first and build through a second make.
DEB_libnl-3.0      = libnl-3-dev
DEB_libnl-genl-3.0 = libnl-genl-3-dev
DEB_libnl-route-3.0 = libnl-route-3-dev
DEB_libnl-nf-3.0   = libnl-nf-3-dev
DEB_libcurl        = libcurl4-openssl-dev
DEB_libcjson       = libcjson-dev
DEB_yaml-0.1       = libyaml-dev
DEB_libmicrohttpd  = libmicrohttpd-dev
PKG_MISSING := $(strip $(foreach p,$(PKGS),$(if $(shell $(PKG) --exists $(p) && echo y),,$(p))))
ifneq ($(filter-out clean deps format check-style test demo bench deb,$(or $(MAKECMDGOALS),all)),)
ifneq ($(PKG_MISSING),)
$(error pkg-config finds no $(PKG_MISSING) (Debian: $(foreach p,$(PKG_MISSING),$(DEB_$(p)))); run make deps)
endif
endif
BASE_CFLAGS = -std=gnu11 -O2 -g -D_GNU_SOURCE -I. $(WARN) $(shell $(PKG) --cflags $(PKGS))
LIBS     = $(shell $(PKG) --libs $(PKGS)) -lev -lm -pthread
# The test tool alone also links libnl-nf-3: the conntrack measurement
# compares ipvs/ct with it (kipvs itself does not use it).
TOOL_LIBS = $(shell $(PKG) --libs libnl-nf-3.0)
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ifeq ($(SANITIZE),1)
BASE_CFLAGS += $(SAN)
LDFLAGS     += $(SAN)
endif

B        = build
ifeq ($(V),1)
Q =
else
Q = @
endif
LIB_SRCS = $(sort $(wildcard lib/*.c lib/kube/*.c ipvs/*.c ipvs/admin/*.c sync/*.c sync/driver/*.c))
CMD_SRCS = $(sort $(wildcard cmd/*.c))
TOOL_SRCS = $(sort $(wildcard test/tools/*.c))
UNIT_SRCS = $(sort $(wildcard test/unit/test_*.c))
UNIT_SUPPORT = $(sort $(wildcard test/unit/support/*.c))
BENCH_SRCS = $(sort $(wildcard test/bench/bench_*.c))

LIB_OBJS  = $(LIB_SRCS:%.c=$(B)/obj/%.o)
CMD_OBJS  = $(CMD_SRCS:%.c=$(B)/obj/%.o)
SLIB_OBJS = $(LIB_SRCS:%.c=$(B)/san/%.o)
SUP_OBJS  = $(UNIT_SUPPORT:%.c=$(B)/san/%.o)
TOOLS     = $(B)/kipvs-testtool $(B)/san/kipvs-testtool
UNIT_BINS = $(UNIT_SRCS:%.c=$(B)/san/%) $(B)/san/kipvs $(B)/san/kipvs-testtool
BENCH_BINS = $(BENCH_SRCS:%.c=$(B)/obj/%)

.SECONDARY:
.PHONY: all deps test unit tools bench demo clean check-style format valgrind install uninstall \
	image deb soak fuzz fuzz-build fuzz-replay fuzz-tools
all: kipvs

# lib/, ipvs/ and sync/ as archives: a program links only the objects it uses.
$(B)/libkipvs.a: $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(B)/san/libkipvs.a: $(SLIB_OBJS)
	@echo "  AR san  $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

kipvs: $(CMD_OBJS) $(B)/libkipvs.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The same program with ASan+UBSan, for host tests (API tier) that must run
# sanitized and leak-free.
$(B)/san/kipvs: $(CMD_SRCS:%.c=$(B)/san/%.o) $(B)/san/libkipvs.a
	@echo "  LD san  $@"
	$(Q)$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

# The test programs' tool (test/tools/), never part of kipvs: plain for the
# VM guest, sanitized for host tests. It borrows kipvs watch and run
# (cmd/watch.c with its --timeout from cmd/deadline.c, cmd/run.c) to run
# them with test-only knobs, and render's object reading (cmd/render.c).
$(B)/kipvs-testtool: $(TOOL_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/cmd/watch.o $(B)/obj/cmd/deadline.o \
		$(B)/obj/cmd/run.o $(B)/obj/cmd/render.o $(B)/libkipvs.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TOOL_LIBS) $(LIBS)
$(B)/san/kipvs-testtool: $(TOOL_SRCS:%.c=$(B)/san/%.o) $(B)/san/cmd/watch.o $(B)/san/cmd/deadline.o \
		$(B)/san/cmd/run.o $(B)/san/cmd/render.o $(B)/san/libkipvs.a
	@echo "  LD san  $@"
	$(Q)$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(TOOL_LIBS) $(LIBS)

tools: $(TOOLS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Each unit test is one program: its own source, the support files and the
# library archive (the linker takes what it needs). Built with ASan and UBSan.
$(B)/san/test/unit/%: test/unit/%.c $(B)/san/libkipvs.a $(SUP_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN) $(CFLAGS) -MMD -MP -o $@ $< $(SUP_OBJS) \
		$(B)/san/libkipvs.a $(LIBS) -lcmocka

$(B)/obj/test/bench/%: test/bench/%.c $(B)/libkipvs.a
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(B)/libkipvs.a $(LIBS)

unit: $(UNIT_BINS)

# --- fuzzing (test/fuzz/) -----------------------------------------------------
# Each test/fuzz/fuzz_NAME.c is built twice: build/fuzz/NAME, the libFuzzer
# program (clang, the library compiled with coverage into build/fuzz/obj), and
# build/san/test/fuzz/NAME, a gcc ASan+UBSan program that replays the stored
# corpus once (make test, no clang needed).
FUZZ_CC    ?= clang
FUZZ_S     ?= 60
FUZZ_SRCS   = $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_NAMES  = $(FUZZ_SRCS:test/fuzz/fuzz_%.c=%)
FUZZ_SUP    = $(filter-out test/fuzz/support/replay_main.c,$(sort $(wildcard test/fuzz/support/*.c)))
FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_OBJS   = $(LIB_SRCS:%.c=$(B)/fuzz/obj/%.o) $(FUZZ_SUP:%.c=$(B)/fuzz/obj/%.o)
FUZZ_BINS   = $(FUZZ_NAMES:%=$(B)/fuzz/%)
REPLAY_OBJS = $(FUZZ_SUP:%.c=$(B)/san/%.o) $(B)/san/test/fuzz/support/replay_main.o
REPLAY_BINS = $(FUZZ_NAMES:%=$(B)/san/test/fuzz/%)
# The kube_* object harnesses run the real reflectors and API client over a
# fake transport (test/fuzz/support/fake_http.c): the client's calls into
# kube_http go to the __wrap_ functions instead.
FUZZ_WRAP   = $(foreach f,new free get cancel log_failure url token_invalidate requests,\
	-Wl,--wrap=kube_http_$(f))
fuzz_ld     = $(if $(filter kube_services kube_endpointslices kube_endpoints kube_nodes,$(1)),\
	$(FUZZ_WRAP))

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(CFLAGS) -MMD -MP \
		-c -o $@ $<

$(B)/fuzz/%: test/fuzz/fuzz_%.c $(FUZZ_OBJS)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $(CFLAGS) -MMD -MP -o $@ $< \
		$(FUZZ_OBJS) $(call fuzz_ld,$*) $(LIBS)

$(B)/san/test/fuzz/%: test/fuzz/fuzz_%.c $(SLIB_OBJS) $(REPLAY_OBJS)
	@mkdir -p $(dir $@)
	@echo "  REPLAY  $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN) $(CFLAGS) -MMD -MP -o $@ $< $(REPLAY_OBJS) $(SLIB_OBJS) \
		$(call fuzz_ld,$*) $(LIBS)

# Seed makers (test/fuzz/tools/), linked with the unit tests' support code.
$(B)/san/test/fuzz/tools/%: test/fuzz/tools/%.c $(SLIB_OBJS) $(SUP_OBJS)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN) $(CFLAGS) -MMD -MP -o $@ $< $(SUP_OBJS) $(SLIB_OBJS) \
		$(LIBS) -lcmocka

fuzz-tools: $(patsubst test/fuzz/tools/%.c,$(B)/san/test/fuzz/tools/%,$(wildcard test/fuzz/tools/*.c))
fuzz-build: $(FUZZ_BINS)
fuzz-replay: $(REPLAY_BINS)

# make fuzz [T=name] [FUZZ_S=seconds]: runs each harness (or the one named),
# then merges what it found into test/fuzz/corpus/NAME (-merge=1 keeps only
# inputs that add coverage). Logs and crash artifacts in build/fuzz/.
fuzz:
	@test/deps.sh fuzz
	@$(MAKE) --no-print-directory $(if $(T),$(B)/fuzz/$(T),fuzz-build)
	@test/fuzz/run.sh $(FUZZ_S) $(if $(T),$(T),$(FUZZ_NAMES))

deps:
	@test/deps.sh

# One command on a fresh machine: dependencies, build, every tier, one summary line.
test:
	@test/deps.sh
	@$(MAKE) --no-print-directory all unit tools fuzz-replay
	@test/run.sh $(T)

# The same VM case as in make test, longer: KIPVS_SOAK_SECONDS sets the
# churn, and the case's limit grows with it.
SOAK_SECONDS ?= 300
soak:
	@test/deps.sh
	@$(MAKE) --no-print-directory all $(B)/san/kipvs
	@KIPVS_SOAK_SECONDS=$(SOAK_SECONDS) KIPVS_VM_CASE_TIMEOUT=$$(($(SOAK_SECONDS) + 400)) \
		test/run.sh vm/daemon_soak

bench:
	@test/deps.sh
	@$(MAKE) --no-print-directory all $(B)/kipvs-testtool $(BENCH_BINS)
	@test/bench/run.sh $(T)

demo:
	@test/deps.sh
	@$(MAKE) -s --no-print-directory all
	@test/demo/run.sh

# Installation. The unit, the man page and the example config name the
# installed paths: /usr/local and /etc/kipvs in the sources are rewritten to
# PREFIX and SYSCONFDIR/kipvs on the way.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/kipvs
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
INSTALL    ?= install
SUBST = sed -e 's|/usr/local/sbin/kipvs|$(SBINDIR)/kipvs|g' -e 's|/usr/local|$(PREFIX)|g' \
	-e 's|/etc/kipvs/|$(SYSCONFDIR)/kipvs/|g'
SNIPPETS = manifests/systemd/modules-load-kipvs.conf manifests/systemd/networkd-kipvs.network \
	manifests/systemd/networkmanager-kipvs.conf

install: kipvs
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/kipvs
	$(INSTALL) -m 0755 kipvs $(DESTDIR)$(SBINDIR)/kipvs
	$(SUBST) cmd/kipvs.8 >$(DESTDIR)$(MANDIR)/man8/kipvs.8
	$(SUBST) manifests/systemd/kipvs.service >$(DESTDIR)$(UNITDIR)/kipvs.service
	$(SUBST) manifests/kipvs.example.yaml >$(DESTDIR)$(SYSCONFDIR)/kipvs/config.yaml.example
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/kipvs.8 $(DESTDIR)$(UNITDIR)/kipvs.service \
		$(DESTDIR)$(SYSCONFDIR)/kipvs/config.yaml.example
	$(INSTALL) -m 0644 $(SNIPPETS) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/kipvs $(DESTDIR)$(MANDIR)/man8/kipvs.8 \
		$(DESTDIR)$(UNITDIR)/kipvs.service $(DESTDIR)$(SYSCONFDIR)/kipvs/config.yaml.example \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(SNIPPETS)))
	-rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/kipvs 2>/dev/null

# Shipping: the container image and the Debian package (manifests/image.sh,
# manifests/deb.sh and manifests/debian/ say how). The version is the one in
# lib/version.h.
VERSION := $(shell sed -n 's/^\#define KIPVS_VERSION "\(.*\)"$$/\1/p' lib/version.h)

image: kipvs
	@manifests/image.sh ./kipvs $(VERSION) $(B)/kipvs-image.oci.tar

deb:
	@manifests/deb.sh $(VERSION) $(B)

# The unit tests without sanitizers (valgrind cannot run beside them) and short
# daemon-free runs of kipvs, under memcheck (test/valgrind.sh).
PLAIN_UNIT_BINS = $(UNIT_SRCS:%.c=$(B)/obj/%)
$(B)/obj/test/unit/%: test/unit/%.c $(B)/libkipvs.a $(UNIT_SUPPORT:%.c=$(B)/obj/%.o)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(UNIT_SUPPORT:%.c=$(B)/obj/%.o) \
		$(B)/libkipvs.a $(LIBS) -lcmocka

valgrind: all $(PLAIN_UNIT_BINS)
	@test/valgrind.sh $(T)

check-style:
	@test/check-style.sh

format:
	clang-format -i $(LIB_SRCS) $(CMD_SRCS) $(TOOL_SRCS) $(wildcard */*.h */*/*.h */*/*/*.h)

clean:
	rm -rf $(B) kipvs

# Only the compilers' dependency files (build/deb/ holds a whole package tree).
-include $(shell find $(B)/obj $(B)/san $(B)/fuzz -name '*.d' -type f 2>/dev/null)
