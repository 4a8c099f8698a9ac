# SPDX-License-Identifier: Apache-2.0
# The image store and image references (engine/reference.c sits at the
# engine/ top level but belongs to this module's build fragment).
libberth_engine_a_SOURCES += \
	engine/reference.c engine/reference.h \
	engine/store/store.c engine/store/store.h engine/store/store_internal.h \
	engine/store/store_blob.c engine/store/store_blob.h \
	engine/store/store_delete.c engine/store/store_delete.h \
	engine/store/store_gc.c engine/store/store_gc.h \
	engine/store/store_image.c engine/store/store_image.h \
	engine/store/store_layer.c engine/store/store_layer.h \
	engine/store/store_memo.c engine/store/store_memo.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/test_reference tests/unit/engine/store/test_store
TESTS += tests/unit/engine/test_reference tests/unit/engine/store/test_store
tests_unit_engine_test_reference_SOURCES = tests/unit/engine/test_reference.c
tests_unit_engine_test_reference_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_test_reference_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
tests_unit_engine_store_test_store_SOURCES = \
	tests/helpers/targen.c tests/helpers/targen.h \
	tests/unit/engine/store/store_fixture.c tests/unit/engine/store/store_fixture.h \
	tests/unit/engine/store/test_store.c \
	tests/unit/engine/store/test_store_blob.c \
	tests/unit/engine/store/test_store_layer.c \
	tests/unit/engine/store/test_store_image.c \
	tests/unit/engine/store/test_store_delete.c \
	tests/unit/engine/store/test_store_gc.c \
	tests/unit/engine/store/test_store_memo.c
tests_unit_engine_store_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_store_test_store_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
