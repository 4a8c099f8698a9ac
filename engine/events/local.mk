# SPDX-License-Identifier: Apache-2.0
libberth_engine_a_SOURCES += \
	engine/events/events.c engine/events/events.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/events/test_events
TESTS += tests/unit/engine/events/test_events
tests_unit_engine_events_test_events_SOURCES = tests/unit/engine/events/test_events.c
tests_unit_engine_events_test_events_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_events_test_events_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
