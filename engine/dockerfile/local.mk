# SPDX-License-Identifier: Apache-2.0
# engine/dockerfile: the Dockerfile dialect (parser, variable substitution)
# and the metadata instructions' effect on an image config, shared by the
# builder and by `docker import --change`.
libberth_engine_a_SOURCES += \
	engine/dockerfile/dfconfig.c engine/dockerfile/dfconfig.h \
	engine/dockerfile/dockerfile.c engine/dockerfile/dockerfile.h \
	engine/dockerfile/shellwords.c engine/dockerfile/shellwords.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/dockerfile/test_dockerfile
TESTS += tests/unit/engine/dockerfile/test_dockerfile
tests_unit_engine_dockerfile_test_dockerfile_SOURCES = \
	tests/unit/engine/dockerfile/test_dfconfig.c \
	tests/unit/engine/dockerfile/test_dockerfile.c \
	tests/unit/engine/dockerfile/test_shellwords.c
tests_unit_engine_dockerfile_test_dockerfile_CFLAGS = $(UNIT_CFLAGS) -DBUILD_TEST_DATA='"$(abs_top_srcdir)/tests/unit/data/dockerfile"'
tests_unit_engine_dockerfile_test_dockerfile_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
