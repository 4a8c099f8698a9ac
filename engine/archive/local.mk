# SPDX-License-Identifier: Apache-2.0
libberth_engine_a_SOURCES += \
	engine/archive/helper.c engine/archive/helper.h \
	engine/archive/merge.c engine/archive/merge.h \
	engine/archive/tarout.c engine/archive/tarout.h \
	engine/archive/tar.c engine/archive/tar.h \
	engine/archive/untar.c engine/archive/untar.h \
	engine/archive/untar_stream.c \
	engine/archive/whiteout.c engine/archive/whiteout.h

# The extraction helper berthd spawns per archive (helper.h); like the shim it
# links only what it uses, and its libraries statically where configure found
# their archives (UNTAR_LIBS), so that its start-up stays cheap.
libexec_berth_PROGRAMS += berth-untar
berth_untar_SOURCES = engine/archive/helper_main.c engine/archive/helper_link.c \
	engine/archive/sandbox.c engine/archive/sandbox.h
berth_untar_LDADD = libberth_engine.a $(UNTAR_LIBS)

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/archive/test_archive
TESTS += tests/unit/engine/archive/test_archive
tests_unit_engine_archive_test_archive_SOURCES = \
	tests/helpers/targen.c tests/helpers/targen.h \
	tests/unit/engine/archive/test_untar.c \
	tests/unit/engine/archive/test_tar.c \
	tests/unit/engine/archive/test_whiteout.c \
	tests/unit/engine/archive/test_helper.c \
	tests/unit/engine/archive/test_tarout.c
tests_unit_engine_archive_test_archive_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_archive_test_archive_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
