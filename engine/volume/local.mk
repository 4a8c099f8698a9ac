# SPDX-License-Identifier: Apache-2.0
libberth_engine_a_SOURCES += \
	engine/volume/volume.c engine/volume/volume.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/volume/test_volume
TESTS += tests/unit/engine/volume/test_volume
tests_unit_engine_volume_test_volume_SOURCES = tests/unit/engine/volume/test_volume.c
tests_unit_engine_volume_test_volume_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_volume_test_volume_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
