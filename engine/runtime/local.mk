# SPDX-License-Identifier: Apache-2.0
# Isolation: the runtime API berthd links, and the per-container berth-shim.
libberth_engine_a_SOURCES += \
	engine/runtime/cgroup.c engine/runtime/cgroup.h \
	engine/runtime/devfilter.c engine/runtime/devfilter.h \
	engine/runtime/logfile.c engine/runtime/logfile.h \
	engine/runtime/proto.h \
	engine/runtime/runtime.c engine/runtime/runtime.h \
	engine/runtime/runtime_spec.c engine/runtime/runtime_spec_parse.c engine/runtime/runtime_spec.h \
	engine/runtime/seccomp_profile.c engine/runtime/seccomp_profile.h \
	engine/runtime/syscalls.c engine/runtime/syscalls.h \
	engine/runtime/user.c engine/runtime/user.h

# The shim links only what it uses, statically where configure could (SHIM_LDFLAGS:
# -static-pie), so that its start-up and resident pages stay small.
libexec_berth_PROGRAMS += berth-shim
berth_shim_SOURCES = \
	engine/runtime/shim/shim.h \
	engine/runtime/shim/main.c \
	engine/runtime/shim/container.c \
	engine/runtime/shim/process.c \
	engine/runtime/shim/monitor.c \
	engine/runtime/shim/userns.c \
	engine/runtime/shim/shiftcopy.c \
	engine/runtime/shim/trim.c
berth_shim_LDFLAGS = $(AM_LDFLAGS) $(SHIM_LDFLAGS)
berth_shim_LDADD = libberth_engine.a $(SHIM_LIBS)

# Test driver for tests/integration/1001-runtime-shim.sh: the runtime API from a shell.
check_PROGRAMS += tests/tools/berth-runtool
tests_tools_berth_runtool_SOURCES = tests/tools/berth-runtool.c
tests_tools_berth_runtool_LDADD = libberth_engine.a $(JANSSON_LIBS) $(CAP_LIBS) $(SECCOMP_LIBS)

EXTRA_DIST += tests/integration/1001-runtime-shim.sh

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/runtime/test_runtime
TESTS += tests/unit/engine/runtime/test_runtime
tests_unit_engine_runtime_test_runtime_SOURCES = \
	tests/unit/engine/runtime/test_runtime_spec.c \
	tests/unit/engine/runtime/test_user.c \
	tests/unit/engine/runtime/test_syscalls.c \
	tests/unit/engine/runtime/test_seccomp_profile.c \
	tests/unit/engine/runtime/test_cgroup.c \
	tests/unit/engine/runtime/test_devfilter.c
tests_unit_engine_runtime_test_runtime_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_runtime_test_runtime_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
