# SPDX-License-Identifier: Apache-2.0
# engine/image: pull, push, save/load, import, history, prune on top of the
# store and the registry client.
libberth_engine_a_SOURCES += \
	engine/image/image.c engine/image/image.h engine/image/image_internal.h \
	engine/image/image_layer.c \
	engine/image/distribution.c engine/image/distribution.h \
	engine/image/import.c engine/image/import_url.c engine/image/load.c \
	engine/image/load_manifest.c engine/image/load_manifest.h \
	engine/image/pull.c engine/image/push.c engine/image/save.c

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/image/test_image
TESTS += tests/unit/engine/image/test_image
tests_unit_engine_image_test_image_SOURCES = \
	tests/helpers/targen.c tests/helpers/targen.h \
	tests/unit/engine/image/image_fixture.c tests/unit/engine/image/image_fixture.h \
	tests/unit/engine/image/test_image.c \
	tests/unit/engine/image/test_import.c \
	tests/unit/engine/image/test_save.c \
	tests/unit/engine/image/test_load.c
tests_unit_engine_image_test_image_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_image_test_image_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
