# SPDX-License-Identifier: Apache-2.0
libberth_engine_a_SOURCES += \
	engine/container/attach.c engine/container/attach.h \
	engine/container/commit.c engine/container/commit.h \
	engine/container/cp.c engine/container/cp.h \
	engine/container/container.c engine/container/container.h \
	engine/container/container_endpoint.c engine/container/container_endpoint.h \
	engine/container/container_dns.c engine/container/container_dns.h \
	engine/container/container_userns.c engine/container/container_userns.h \
	engine/container/container_internal.h \
	engine/container/container_monitor.c engine/container/container_monitor.h \
	engine/container/exec.c engine/container/exec.h \
	engine/container/health.c engine/container/health.h \
	engine/container/healthmon.c engine/container/healthmon.h \
	engine/container/hold.c engine/container/hold.h \
	engine/container/hostsfile.c engine/container/hostsfile.h \
	engine/container/create.c engine/container/create.h \
	engine/container/lifecycle.c engine/container/lifecycle.h \
	engine/container/links.c engine/container/links.h \
	engine/container/limits.c engine/container/limits.h \
	engine/container/logconf.c engine/container/logconf.h \
	engine/container/logs.c engine/container/logs.h \
	engine/container/rootfs.c engine/container/rootfs.h \
	engine/container/runspec.c engine/container/runspec.h \
	engine/container/runspec_ns.c \
	engine/container/memo.c engine/container/memo.h \
	engine/container/names.c engine/container/names.h \
	engine/container/recover.c engine/container/recover.h \
	engine/container/snapshot.c engine/container/snapshot.h \
	engine/container/restart.c engine/container/restart.h \
	engine/container/spec.c engine/container/spec.h \
	engine/container/stats.c engine/container/stats.h \
	engine/container/top.c engine/container/top.h \
	engine/container/trash.c engine/container/trash.h \
	engine/container/update.c engine/container/update.h \
	engine/container/usage.c engine/container/usage.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/container/test_container
TESTS += tests/unit/engine/container/test_container
tests_unit_engine_container_test_container_SOURCES = \
	tests/helpers/targen.c tests/helpers/targen.h \
	tests/unit/engine/store/store_fixture.c tests/unit/engine/store/store_fixture.h \
	tests/unit/engine/container/test_attach.c \
	tests/unit/engine/container/test_cp.c \
	tests/unit/engine/container/test_create.c \
	tests/unit/engine/container/test_container.c \
	tests/unit/engine/container/test_exec.c \
	tests/unit/engine/container/test_health.c \
	tests/unit/engine/container/test_hold.c \
	tests/unit/engine/container/test_links.c \
	tests/unit/engine/container/test_hostsfile.c \
	tests/unit/engine/container/test_names.c \
	tests/unit/engine/container/test_snapshot.c \
	tests/unit/engine/container/test_restart.c \
	tests/unit/engine/container/test_runspec.c \
	tests/unit/engine/container/test_spec.c \
	tests/unit/engine/container/test_logs.c \
	tests/unit/engine/container/test_rootfs.c \
	tests/unit/engine/container/test_top.c \
	tests/unit/engine/container/test_stats.c
tests_unit_engine_container_test_container_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_container_test_container_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif

# Test tool: seeds an image from an OCI layout into a data root (container tests).
check_PROGRAMS += tests/tools/berth-seed
tests_tools_berth_seed_SOURCES = tests/tools/berth-seed.c
tests_tools_berth_seed_LDADD = $(ENGINE_LIBS)
