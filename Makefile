# mitmlab — one non-recursive Makefile for every program, test and tool.
#   make              bin/alice, bin/bob, bin/mallory, bin/mitmlab, bin/mitmlab-keygen, demo keys, lab PKI
#   make test         every test suite, and a smoke run of each fuzz harness; the last line reads
#                     "N passed, M failed"
#   make check-asan   the same suites, built with ASan+UBSan in build/asan
#   make check-valgrind  the unit suites and a session of each program under valgrind (build/vg)
#   make soak         mitmlab check of the catalog 20 times in a row, serial and --jobs, root and not
#   make demo         bob and alice run a signed exchange on loopback
#   make bench        handshake, dlog, seed-search, lab, RSA decryption, key-establishment-kind,
#                     TLS handshake, ML-KEM-768 and explicit-parameter benchmarks (prints medians;
#                     asserts nothing)
#   make fuzz         libFuzzer over the codec, the engines, the certificate path, mallory's capture
#                     reader, the capture comments, the TLS hello rewrite, ML-KEM-768, scenario and
#                     exercise files, events.jsonl, raw frames into mallory and the trust-on-first-use
#                     store (FUZZ_SECONDS=60 each)
#   make install PREFIX=/usr/local DESTDIR=
# V=1 shows full command lines.

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
BIN ?= bin
CFLAGS ?= -O2 -g
SAN ?=

PKGS := openssl jansson libpcap inih libmnl ncursesw
WARN := -Wall -Wextra -Werror -Wshadow -Wconversion
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SANFLAGS := $(if $(SAN),$(SANITIZE))
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -Ilib -Ipeer -Ilab-scenarios -Imallory -Iui \
	$(shell pkg-config --cflags $(PKGS)) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)
LDLIBS := $(shell pkg-config --libs $(PKGS)) $(shell libnet-config --libs) -pthread
TEST_LDLIBS := $(shell pkg-config --libs cmocka) $(LDLIBS)

Q := $(if $(V),,@)
say = $(if $(V),,@printf '  %-7s %s\n' $(1) $(2);)

LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard lib/*.c))
# The programs' option tables are data: mitmlab reads scenario files with them,
# so they are objects of their own, outside the programs' libraries.
OPTAB_OBJ := $(BUILD)/peer/peer_optab.o $(BUILD)/mallory/mallory_optab.o
PEER_OBJ := $(filter-out $(OPTAB_OBJ),$(patsubst %.c,$(BUILD)/%.o,$(wildcard peer/*.c)))
# Everything of mallory but her main, so tests can link her parts.
MALLORY_OBJ := $(filter-out $(OPTAB_OBJ),$(patsubst %.c,$(BUILD)/%.o,$(filter-out mallory/mallory.c,$(wildcard mallory/*.c))))
LAB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard lab-scenarios/*.c))
UI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard ui/*.c))
LIBMLAB := $(BUILD)/libmlab.a
LIBPEER := $(BUILD)/libpeer.a
LIBMALLORY := $(BUILD)/libmallory.a
LIBLAB := $(BUILD)/liblab.a

# The dissector's crypto module (tools/wireshark/mitmlab_crypto.c), a Lua 5.2 C
# module that Wireshark loads: built beside the script, where mitmlab.lua looks
# for it, in a folder of its own (Wireshark takes no .so there for a plugin);
# never with the sanitizers (tshark has no ASan runtime), and not linked
# against liblua (Wireshark brings its symbols).
WS_CRYPTO := tools/wireshark/crypto/mitmlab_crypto.so
PROGRAMS := $(BIN)/alice $(BIN)/bob $(BIN)/mallory $(BIN)/mitmlab $(BIN)/mitmlab-keygen
KEYS := $(foreach who,alice bob mallory,$(BIN)/keys/$(who).key)
# bob's RSA key pair for RSA key transport (lib/mlab_rsa.h).
RSA_KEYS := $(BIN)/keys/bob-rsa.key $(BIN)/keys/bob-rsa.pub
STATIC_KEYS := $(BIN)/keys/bob-static.key $(BIN)/keys/bob-static.pub
PKI := $(BIN)/keys/pki/bob.chain.pem

UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
INTEG_BIN := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/test_*.c))
TEST_HELPER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/helpers/*.c))
# The fuzz harnesses' smoke runs (tests/fuzz/smoke_main.c), one per harness:
# smoke_NAME feeds tests/fuzz/corpus_NAME and mutations of it.
SMOKE_NAMES := frames cert pcap wire tls mlkem scenario events stream tofu
SMOKE_BIN := $(addprefix $(BUILD)/tests/smoke_,$(SMOKE_NAMES))

.PHONY: all test check-asan check-valgrind unit-suites soak bench demo fuzz fuzz-frames fuzz-cert fuzz-pcap fuzz-wire fuzz-tls fuzz-mlkem fuzz-scenario fuzz-events fuzz-stream fuzz-tofu install uninstall clean format pki-refresh
# Keep objects of test programs between runs (they are not intermediates to delete).
.SECONDARY:
all: $(PROGRAMS) $(KEYS) $(RSA_KEYS) $(STATIC_KEYS) $(PKI) $(WS_CRYPTO)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBMLAB): $(LIB_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^
$(LIBPEER): $(PEER_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^
$(LIBMALLORY): $(MALLORY_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^
$(LIBLAB): $(LAB_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^

$(BIN)/alice: $(BUILD)/alice/alice.o $(LIBPEER) $(OPTAB_OBJ) $(LIBMLAB)
$(BIN)/bob: $(BUILD)/bob/bob.o $(LIBPEER) $(OPTAB_OBJ) $(LIBMLAB)
$(BIN)/mallory: $(BUILD)/mallory/mallory.o $(LIBMALLORY) $(OPTAB_OBJ) $(LIBMLAB)
$(BIN)/mitmlab: $(UI_OBJ) $(LIBLAB) $(OPTAB_OBJ) $(LIBMLAB)
$(BIN)/mitmlab-keygen: $(BUILD)/tools/mitmlab-keygen.o $(LIBMLAB)
$(PROGRAMS):
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(WS_CRYPTO): tools/wireshark/mitmlab_crypto.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) -std=c11 $(WARN) $(CFLAGS) -fPIC -shared $(shell pkg-config --cflags lua5.2 libcrypto) \
		-o $@ $< $(shell pkg-config --libs libcrypto)

# Demo keys are made at build time, never committed.
$(BIN)/keys/%.key: | $(BIN)/mitmlab-keygen
	@mkdir -p $(@D)
	$(call say,KEYGEN,$@)$(BIN)/mitmlab-keygen --quiet $@

# An explicit rule, so the pattern above (Ed25519) does not make bob-rsa.key.
# Both files are one group: either missing remakes the pair (hence --force).
$(RSA_KEYS) &: | $(BIN)/mitmlab-keygen
	@mkdir -p $(@D)
	$(call say,KEYGEN,$(BIN)/keys/bob-rsa.key)$(BIN)/mitmlab-keygen --rsa --force --quiet $(BIN)/keys/bob-rsa.key

# bob's long-term X25519 key for kex static.
$(STATIC_KEYS) &: | $(BIN)/mitmlab-keygen
	@mkdir -p $(@D)
	$(call say,KEYGEN,$(BIN)/keys/bob-static.key)$(BIN)/mitmlab-keygen --x25519 --force --quiet $(BIN)/keys/bob-static.key

# The lab PKI over bob's and mallory's keys (lib/mlab_pki.h), also made at build
# time. Its certificates age, so it is remade whenever bob's expires within a
# week (or bob.crt is missing): one openssl call per make, the only check.
PKI_STALE := $(shell f=$(BIN)/keys/pki/bob.crt; [ -e $$f ] || { echo stale; exit 0; }; \
	command -v openssl >/dev/null || exit 0; \
	openssl x509 -checkend 604800 -noout -in $$f >/dev/null 2>&1 || echo stale)
$(PKI): $(BIN)/keys/bob.key $(BIN)/keys/mallory.key $(RSA_KEYS) $(BIN)/mitmlab-keygen $(if $(PKI_STALE),pki-refresh)
	$(call say,KEYGEN,$(@D))$(BIN)/mitmlab-keygen pki --force --quiet --bob-key $(BIN)/keys/bob.key \
		--mallory-key $(BIN)/keys/mallory.key --bob-rsa-key $(BIN)/keys/bob-rsa.key $(@D)
pki-refresh:

TEST_LIBS := $(LIBPEER) $(LIBLAB) $(OPTAB_OBJ) $(LIBMALLORY) $(LIBMLAB)
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_HELPER_OBJ) $(TEST_LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LDLIBS)
$(BUILD)/tests/%: $(BUILD)/tests/integration/%.o $(TEST_HELPER_OBJ) $(TEST_LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LDLIBS)
# Each smoke run is the driver and one harness, built with CC and the
# project's flags (so check-asan runs them under ASan+UBSan too).
$(BUILD)/tests/smoke_frames: $(BUILD)/tests/fuzz/fuzz_frames.o
$(BUILD)/tests/smoke_cert: $(BUILD)/tests/fuzz/fuzz_cert.o
$(BUILD)/tests/smoke_pcap: $(BUILD)/tests/fuzz/fuzz_pcap.o
$(BUILD)/tests/smoke_wire: $(BUILD)/tests/fuzz/fuzz_wire_notes.o
$(BUILD)/tests/smoke_tls: $(BUILD)/tests/fuzz/fuzz_tls_hello.o
$(BUILD)/tests/smoke_mlkem: $(BUILD)/tests/fuzz/fuzz_mlkem.o
$(BUILD)/tests/smoke_scenario: $(BUILD)/tests/fuzz/fuzz_scenario.o
$(BUILD)/tests/smoke_events: $(BUILD)/tests/fuzz/fuzz_events.o $(BUILD)/ui/viewmodel.o
$(BUILD)/tests/smoke_stream: $(BUILD)/tests/fuzz/fuzz_stream.o
$(BUILD)/tests/smoke_tofu: $(BUILD)/tests/fuzz/fuzz_tofu.o
$(SMOKE_BIN): $(BUILD)/tests/fuzz/smoke_main.o $(TEST_HELPER_OBJ) $(TEST_LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(TEST_LDLIBS)
# libnet's headers need this (libnet-config's other defines clash with _GNU_SOURCE).
$(BUILD)/mallory/arp_poison.o: ALL_CFLAGS += -DHAVE_NET_ETHERNET_H
$(TEST_HELPER_OBJ) $(BUILD)/tests/%.o $(BUILD)/tests/bench/%.o: ALL_CFLAGS += -Itests/helpers

BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/tests/%,$(wildcard tests/bench/bench_*.c))
# The benchmarks are built (not run) by make test, so they cannot rot unseen.
# The libFuzzer harnesses are built too (not run: their smoke runs are), so
# that `make fuzz` keeps linking as the sources it lists change.
FUZZ_BIN := $(addprefix build/fuzz/,fuzz_frames fuzz_cert fuzz_pcap fuzz_wire_notes fuzz_tls_hello fuzz_mlkem \
	fuzz_scenario fuzz_events fuzz_stream fuzz_tofu)
test: all $(UNIT_BIN) $(SMOKE_BIN) $(INTEG_BIN) $(BENCH_BIN) $(FUZZ_BIN)
	$(Q)MLAB_BIN=$(abspath $(BIN)) MLAB_SRC=$(CURDIR) tests/run-suites.sh $(UNIT_BIN) $(SMOKE_BIN) $(INTEG_BIN)

# Sanitizer reports get their own exit codes, distinct from the programs' own
# (1-4), so a test that expects "a check failed" cannot mistake one for it.
# Inside the lab's PID namespace (which keeps the host's /proc) LeakSanitizer
# cannot stop a process's threads, so the runner turns leak detection off for
# the programs it starts there (runner.c, sanitizer_env); address and UB
# checks stay on, and leaks are checked in every suite outside the lab.
check-asan:
	$(Q)ASAN_OPTIONS=exitcode=86:detect_leaks=1 UBSAN_OPTIONS=exitcode=87:print_stacktrace=1 $(MAKE) --no-print-directory SAN=1 BUILD=build/asan BIN=build/asan/bin CFLAGS="-O1 -g" test

# valgrind's memcheck over the unit suites and one session of each program
# (tools/check-valgrind.sh), on a plain -O1 build of its own in build/vg.
check-valgrind:
	$(Q)$(MAKE) --no-print-directory BUILD=build/vg BIN=build/vg/bin CFLAGS="-O1 -g" all unit-suites
	$(Q)tools/check-valgrind.sh build/vg/bin build/vg/tests
unit-suites: $(UNIT_BIN)

# Flake hunting (tools/soak.sh): the whole catalog's mitmlab check SOAK_ROUNDS
# times serially and with --jobs, as this user and (from root) as nobody.
SOAK_ROUNDS ?= 20
soak: all
	$(Q)tools/soak.sh --rounds $(SOAK_ROUNDS)

demo: all
	$(Q)MLAB_BIN=$(BIN) tools/demo.sh

bench: all $(BENCH_BIN)
	$(Q)MLAB_BIN=$(abspath $(BIN)) $(BUILD)/tests/bench_handshake
	$(Q)$(BUILD)/tests/bench_dlog
	$(Q)$(BUILD)/tests/bench_rng
	$(Q)MLAB_BIN=$(abspath $(BIN)) tools/bench-lab.sh
	$(Q)MLAB_BIN=$(abspath $(BIN)) MLAB_SRC=$(CURDIR) tools/bench-catalog.sh
	$(Q)MLAB_BIN=$(abspath $(BIN)) MLAB_SRC=$(CURDIR) $(BUILD)/tests/bench_lab
	$(Q)$(BUILD)/tests/bench_rsa
	$(Q)$(BUILD)/tests/bench_kinds
	$(Q)MLAB_BIN=$(abspath $(BIN)) $(BUILD)/tests/bench_tls
	$(Q)$(BUILD)/tests/bench_mlkem
	$(Q)$(BUILD)/tests/bench_explicit

# libpeer too: bench_tls configures the engines with the programs' own option parsing.
$(BUILD)/tests/bench_%: $(BUILD)/tests/bench/bench_%.o $(TEST_HELPER_OBJ) $(LIBPEER) $(LIBMALLORY) $(OPTAB_OBJ) $(LIBMLAB)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LDLIBS)

# libFuzzer (clang): fuzz_frames over the codec and both engines, fuzz_cert
# over the certificate path (decode, checks, an initiator in
# wait-server-certificate), fuzz_pcap over mallory --decrypt (a capture file
# through libpcap, pcap_file, the dissector, sniff_stream and offline),
# fuzz_wire_notes over the frame comments of wire.pcapng (captured frames
# through wire_notes and the pcapng writer), fuzz_tls_hello over mallory's
# ClientHello rewrite, fuzz_mlkem over ML-KEM-768's input checks and the KEM
# groups' shares (an input is an ek and a ciphertext), fuzz_scenario over scenario files, exercise files and
# submissions (inih, scenario_load_text, exercise_load, exercise_apply),
# fuzz_events over a run directory's events.jsonl (the judge, the text and
# JSON reports, the dashboard's view model), fuzz_stream over raw Ethernet
# frames into mallory (the dissector, sniff_stream, her dh-mitm relay and
# tcp_stream), fuzz_tofu over a trust-on-first-use store (lookup and add).
# `make fuzz` runs each for FUZZ_SECONDS; fuzz-frames, fuzz-cert, fuzz-pcap, fuzz-wire, fuzz-tls,
# fuzz-mlkem, fuzz-scenario, fuzz-events, fuzz-stream and fuzz-tofu run one.
# tools/fuzz-campaign.sh runs them to 10 million executions or an hour each. The corpora live in build/fuzz
# and grow between runs; each also reads its seeds from tests/fuzz/corpus_NAME (real runs: streams
# and frames of wire.pcap made with tests/fuzz/pcap-seeds.py, events.jsonl, the catalog; OpenSSL's
# hellos for tls, Wycheproof keys for mlkem, chains under a fixed root for cert), which are also
# the smoke runs' seeds in make test (SMOKE_BIN above).
FUZZ_SECONDS ?= 60
FUZZ_CC := clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib -Itests/helpers -fsanitize=fuzzer,address,undefined \
	$(shell pkg-config --cflags $(PKGS))
fuzz: fuzz-frames fuzz-cert fuzz-pcap fuzz-wire fuzz-tls fuzz-mlkem fuzz-scenario fuzz-events fuzz-stream fuzz-tofu
fuzz-frames: build/fuzz/fuzz_frames
	@mkdir -p build/fuzz/corpus
	$(Q)build/fuzz/fuzz_frames -max_total_time=$(FUZZ_SECONDS) -max_len=8192 build/fuzz/corpus \
		tests/fuzz/corpus_frames
fuzz-cert: build/fuzz/fuzz_cert
	@mkdir -p build/fuzz/corpus_cert
	$(Q)build/fuzz/fuzz_cert -max_total_time=$(FUZZ_SECONDS) -max_len=16384 build/fuzz/corpus_cert \
		tests/fuzz/corpus_cert
fuzz-pcap: build/fuzz/fuzz_pcap
	@mkdir -p build/fuzz/corpus_pcap
	$(Q)build/fuzz/fuzz_pcap -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz/corpus_pcap \
		tests/fuzz/corpus_pcap
build/fuzz/fuzz_frames: tests/fuzz/fuzz_frames.c $(wildcard lib/*.c lib/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) tests/fuzz/fuzz_frames.c lib/*.c -o $@ $(LDLIBS)
build/fuzz/fuzz_cert: tests/fuzz/fuzz_cert.c tests/helpers/cert_fx.c tests/helpers/cert_fx.h $(wildcard lib/*.c lib/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) tests/fuzz/fuzz_cert.c tests/helpers/cert_fx.c lib/*.c -o $@ $(LDLIBS)
fuzz-mlkem: build/fuzz/fuzz_mlkem
	@mkdir -p build/fuzz/corpus_mlkem
	$(Q)build/fuzz/fuzz_mlkem -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/corpus_mlkem \
		tests/fuzz/corpus_mlkem
fuzz-tofu: build/fuzz/fuzz_tofu
	@mkdir -p build/fuzz/corpus_tofu
	$(Q)build/fuzz/fuzz_tofu -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/corpus_tofu \
		tests/fuzz/corpus_tofu
build/fuzz/fuzz_tofu: tests/fuzz/fuzz_tofu.c $(wildcard lib/*.c lib/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) tests/fuzz/fuzz_tofu.c lib/*.c -o $@ $(LDLIBS)
build/fuzz/fuzz_mlkem: tests/fuzz/fuzz_mlkem.c $(wildcard lib/*.c lib/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) tests/fuzz/fuzz_mlkem.c lib/*.c -o $@ $(LDLIBS)
fuzz-wire: build/fuzz/fuzz_wire_notes
	@mkdir -p build/fuzz/corpus_wire
	$(Q)build/fuzz/fuzz_wire_notes -max_total_time=$(FUZZ_SECONDS) -max_len=16384 build/fuzz/corpus_wire \
		tests/fuzz/corpus_wire
FUZZ_WIRE_SRC := lab-scenarios/wire_log.c lab-scenarios/wire_notes.c lab-scenarios/ev_schema.c \
	lab-scenarios/ev_text.c lab-scenarios/ev_fields.c lab-scenarios/lab_net.c
build/fuzz/fuzz_wire_notes: tests/fuzz/fuzz_wire_notes.c $(FUZZ_WIRE_SRC) $(wildcard lab-scenarios/*.h lib/*.c lib/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) -Ilab-scenarios tests/fuzz/fuzz_wire_notes.c $(FUZZ_WIRE_SRC) lib/*.c -o $@ $(LDLIBS)
fuzz-tls: build/fuzz/fuzz_tls_hello
	@mkdir -p build/fuzz/corpus_tls
	$(Q)build/fuzz/fuzz_tls_hello -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/corpus_tls \
		tests/fuzz/corpus_tls
build/fuzz/fuzz_tls_hello: tests/fuzz/fuzz_tls_hello.c mallory/tls_hello.c mallory/tls_hello.h
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) -Imallory tests/fuzz/fuzz_tls_hello.c mallory/tls_hello.c -o $@
FUZZ_SCENARIO_SRC := lab-scenarios/scenario.c lab-scenarios/exercise.c lab-scenarios/commands.c lab-scenarios/judge.c \
	lab-scenarios/lab_net.c lab-scenarios/ev_fields.c lab-scenarios/ev_schema.c lab-scenarios/ev_text.c \
	peer/peer_optab.c mallory/mallory_optab.c
fuzz-scenario: build/fuzz/fuzz_scenario
	@mkdir -p build/fuzz/corpus_scenario
	$(Q)build/fuzz/fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -max_len=16384 build/fuzz/corpus_scenario \
		tests/fuzz/corpus_scenario
build/fuzz/fuzz_scenario: tests/fuzz/fuzz_scenario.c $(FUZZ_SCENARIO_SRC) $(wildcard lab-scenarios/*.h peer/*.h \
		mallory/*.h lib/*.c lib/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) -Ilab-scenarios -Ipeer -Imallory tests/fuzz/fuzz_scenario.c $(FUZZ_SCENARIO_SRC) \
		lib/*.c -o $@ $(LDLIBS)
FUZZ_EVENTS_SRC := ui/viewmodel.c lab-scenarios/report.c lab-scenarios/report_cert.c lab-scenarios/scenario.c \
	lab-scenarios/judge.c lab-scenarios/lab_net.c lab-scenarios/ev_fields.c lab-scenarios/ev_schema.c \
	lab-scenarios/ev_text.c peer/peer_optab.c mallory/mallory_optab.c
fuzz-events: build/fuzz/fuzz_events
	@mkdir -p build/fuzz/corpus_events
	$(Q)build/fuzz/fuzz_events -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz/corpus_events \
		tests/fuzz/corpus_events
build/fuzz/fuzz_events: tests/fuzz/fuzz_events.c $(FUZZ_EVENTS_SRC) $(wildcard ui/*.h lab-scenarios/*.h peer/*.h \
		mallory/*.h lib/*.c lib/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) -Iui -Ilab-scenarios -Ipeer -Imallory tests/fuzz/fuzz_events.c $(FUZZ_EVENTS_SRC) \
		lib/*.c -o $@ $(LDLIBS)
# Everything of mallory but her main and the parts that open the network.
FUZZ_STREAM_SRC := $(filter-out mallory/mallory.c mallory/active.c mallory/arp_poison.c,$(wildcard mallory/*.c))
fuzz-stream: build/fuzz/fuzz_stream
	@mkdir -p build/fuzz/corpus_stream
	$(Q)build/fuzz/fuzz_stream -max_total_time=$(FUZZ_SECONDS) -max_len=16384 build/fuzz/corpus_stream \
		tests/fuzz/corpus_stream
build/fuzz/fuzz_stream: tests/fuzz/fuzz_stream.c $(FUZZ_STREAM_SRC) $(wildcard mallory/*.h lib/*.c lib/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) -Imallory tests/fuzz/fuzz_stream.c $(FUZZ_STREAM_SRC) lib/*.c -o $@ $(LDLIBS)
# --decrypt reaches recovery, the TLS twin and the dissectors: the same set as fuzz_stream.
FUZZ_PCAP_SRC := $(FUZZ_STREAM_SRC)
build/fuzz/fuzz_pcap: tests/fuzz/fuzz_pcap.c $(FUZZ_PCAP_SRC) $(wildcard lib/*.c lib/*.h mallory/*.h)
	@mkdir -p $(@D)
	$(call say,CLANG,$@)$(FUZZ_CC) -Imallory tests/fuzz/fuzz_pcap.c $(FUZZ_PCAP_SRC) lib/*.c -o $@ $(LDLIBS)

# Where Wireshark and tshark load Lua plugins by themselves, subfolders included
# ("Global Lua Plugins" in `tshark -G folders`); the dissector and its crypto
# module go to WIRESHARK_LUA_DIR/mitmlab/ there too. For one user, no root:
# WIRESHARK_LUA_DIR=~/.local/lib/wireshark/plugins. Empty: not installed there.
WIRESHARK_LUA_DIR ?= $(shell tshark -G folders 2>/dev/null | sed -n 's/^Global Lua Plugins:[[:space:]]*//p')

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/mitmlab
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/mitmlab/
	install -d $(DESTDIR)$(PREFIX)/share/mitmlab/lab-scenarios
	install -m 0644 lab-scenarios/*.ini $(DESTDIR)$(PREFIX)/share/mitmlab/lab-scenarios/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	for p in mitmlab alice bob mallory mitmlab-keygen; do \
		install -m 0644 tools/completion/mitmlab.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$p; done
	install -d $(DESTDIR)$(PREFIX)/share/mitmlab/exercises
	install -m 0644 exercises/*.ini $(DESTDIR)$(PREFIX)/share/mitmlab/exercises/
	install -d $(DESTDIR)$(PREFIX)/share/mitmlab/wireshark
	install -m 0644 tools/wireshark/mitmlab.lua $(DESTDIR)$(PREFIX)/share/mitmlab/wireshark/
	install -d $(DESTDIR)$(PREFIX)/share/mitmlab/wireshark/crypto
	install -m 0755 $(WS_CRYPTO) $(DESTDIR)$(PREFIX)/share/mitmlab/wireshark/crypto/
	if [ -n "$(WIRESHARK_LUA_DIR)" ]; then \
		install -d $(DESTDIR)$(WIRESHARK_LUA_DIR)/mitmlab/crypto && \
		install -m 0644 tools/wireshark/mitmlab.lua $(DESTDIR)$(WIRESHARK_LUA_DIR)/mitmlab/ && \
		install -m 0755 $(WS_CRYPTO) $(DESTDIR)$(WIRESHARK_LUA_DIR)/mitmlab/crypto/; fi
	install -d $(DESTDIR)$(PREFIX)/share/mitmlab/keys
	install -m 0644 $(BIN)/keys/*.pub $(DESTDIR)$(PREFIX)/share/mitmlab/keys/
	install -m 0600 $(BIN)/keys/*.key $(DESTDIR)$(PREFIX)/share/mitmlab/keys/
	install -d $(DESTDIR)$(PREFIX)/share/mitmlab/keys/pki
	install -m 0644 $(BIN)/keys/pki/*.pem $(BIN)/keys/pki/*.crt $(BIN)/keys/pki/*.tofu $(BIN)/keys/pki/*.spki $(BIN)/keys/pki/README \
		$(DESTDIR)$(PREFIX)/share/mitmlab/keys/pki/
	install -m 0600 $(BIN)/keys/pki/*.key $(DESTDIR)$(PREFIX)/share/mitmlab/keys/pki/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(PROGRAMS)))
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/mitmlab $(DESTDIR)$(PREFIX)/share/mitmlab
	if [ -n "$(WIRESHARK_LUA_DIR)" ]; then rm -rf $(DESTDIR)$(WIRESHARK_LUA_DIR)/mitmlab; fi

format:
	clang-format -i $(wildcard lib/*.[ch] peer/*.[ch] alice/*.c bob/*.c mallory/*.[ch] lab-scenarios/*.[ch] ui/*.[ch] tools/*.c tests/*/*.[ch])

clean:
	rm -rf build bin $(dir $(WS_CRYPTO))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
