# SPDX-License-Identifier: Apache-2.0
# libFuzzer targets (./configure --enable-fuzzing CC=clang), their CI and
# long runs (docs/reliability.md#fuzzing), and the replay of every corpus
# and regression input in `make check` without libFuzzer.
FUZZ_TARGETS = reference dockerfile dockerignore filters container_create build_request \
	authconfig manifest image_config websocket frame untar dns daemon_json upstream load
FUZZ_SOURCES = tests/fuzz/fuzz_reference.c \
	tests/fuzz/fuzz_dockerfile.c \
	tests/fuzz/fuzz_dockerignore.c \
	tests/fuzz/fuzz_filters.c \
	tests/fuzz/fuzz_container_create.c \
	tests/fuzz/fuzz_build_request.c \
	tests/fuzz/fuzz_authconfig.c \
	tests/fuzz/fuzz_manifest.c \
	tests/fuzz/fuzz_image_config.c \
	tests/fuzz/fuzz_websocket.c \
	tests/fuzz/fuzz_frame.c \
	tests/fuzz/fuzz_untar.c \
	tests/fuzz/fuzz_dns.c \
	tests/fuzz/fuzz_daemon_json.c \
	tests/fuzz/fuzz_upstream.c \
	tests/fuzz/fuzz_load.c
FUZZ_SECONDS = 20
FUZZ_LONG_SECONDS = 3600

if ENABLE_FUZZING
# automake needs the program names spelled out
FUZZ_BINS = tests/fuzz/fuzz_reference \
	tests/fuzz/fuzz_dockerfile \
	tests/fuzz/fuzz_dockerignore \
	tests/fuzz/fuzz_filters \
	tests/fuzz/fuzz_container_create \
	tests/fuzz/fuzz_build_request \
	tests/fuzz/fuzz_authconfig \
	tests/fuzz/fuzz_manifest \
	tests/fuzz/fuzz_image_config \
	tests/fuzz/fuzz_websocket \
	tests/fuzz/fuzz_frame \
	tests/fuzz/fuzz_untar \
	tests/fuzz/fuzz_dns \
	tests/fuzz/fuzz_daemon_json \
	tests/fuzz/fuzz_upstream \
	tests/fuzz/fuzz_load
noinst_PROGRAMS = $(FUZZ_BINS)
FUZZ_LD = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_reference_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_reference_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_dockerfile_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_dockerfile_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_dockerignore_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_dockerignore_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_filters_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_filters_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_container_create_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_container_create_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_build_request_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_build_request_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_authconfig_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_authconfig_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_manifest_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_manifest_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_image_config_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_image_config_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_websocket_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_websocket_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_frame_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_untar_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_untar_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_dns_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_dns_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_daemon_json_SOURCES = tests/fuzz/fuzz_daemon_json.c server/conf.c
tests_fuzz_fuzz_daemon_json_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_daemon_json_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_upstream_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_upstream_LDADD = $(BERTH_LIBS)
tests_fuzz_fuzz_load_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_load_LDADD = $(BERTH_LIBS)

# Every target for FUZZ_SECONDS each; fails on any crash, leak, UB report or
# time-out, printing each target's executions, speed and coverage.
fuzz-ci: $(FUZZ_BINS)
	$(SHELL) $(top_srcdir)/tests/fuzz/run.sh $(top_srcdir) $(top_builddir) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# An hour (FUZZ_LONG_SECONDS) shared evenly across the targets; the corpus
# each run grows is kept in $(top_builddir)/fuzz-corpus for the next one.
fuzz-long: $(FUZZ_BINS)
	n=0; for t in $(FUZZ_TARGETS); do n=$$((n + 1)); done; \
	$(SHELL) $(top_srcdir)/tests/fuzz/run.sh $(top_srcdir) $(top_builddir) \
		$$(($(FUZZ_LONG_SECONDS) / n)) $(FUZZ_TARGETS)
else
fuzz-ci fuzz-long:
	@echo "berth: the fuzz targets need ./configure --enable-fuzzing CC=clang" >&2; exit 1
endif
.PHONY: fuzz-ci fuzz-long

# The replay: each target's entry function (FUZZ_REPLAY names it
# fuzz_target_<name>) on every file of its corpus and regression directory.
if HAVE_CRITERION
check_PROGRAMS += tests/unit/fuzz/test_replay
TESTS += tests/unit/fuzz/test_replay
tests_unit_fuzz_test_replay_SOURCES = tests/unit/fuzz/test_replay.c tests/fuzz/fuzz.h \
	$(FUZZ_SOURCES) server/conf.c
tests_unit_fuzz_test_replay_CFLAGS = $(UNIT_CFLAGS) -DFUZZ_REPLAY
tests_unit_fuzz_test_replay_LDADD = $(UNIT_LIBS)
endif
