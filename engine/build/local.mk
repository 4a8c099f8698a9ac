# SPDX-License-Identifier: Apache-2.0
libberth_engine_a_SOURCES += \
	engine/build/builder.c engine/build/builder.h engine/build/builder_internal.h \
	engine/build/copy.c engine/build/copy.h \
	engine/build/dispatch.c engine/build/dispatch_copy.c \
	engine/build/match.c engine/build/match.h \
	engine/build/pull.c engine/build/pull.h \
	engine/build/remote.c engine/build/remote.h \
	engine/build/rootfs_view.c engine/build/rootfs_view.h \
	engine/build/run.c engine/build/run.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/build/test_build
TESTS += tests/unit/engine/build/test_build
tests_unit_engine_build_test_build_SOURCES = \
	tests/unit/engine/build/test_match.c \
	tests/unit/engine/build/test_remote.c
tests_unit_engine_build_test_build_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_build_test_build_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
