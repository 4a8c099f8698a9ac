# SPDX-License-Identifier: Apache-2.0
libberth_engine_a_SOURCES += \
	engine/util/buf.c engine/util/buf.h \
	engine/util/deadline.c engine/util/deadline.h \
	engine/util/cleanup.h \
	engine/util/digest.c engine/util/digest.h \
	engine/util/err.c engine/util/err.h \
	engine/util/frame.c engine/util/frame.h \
	engine/util/fs.c engine/util/fs.h \
	engine/util/id.c engine/util/id.h \
	engine/util/idmap.c engine/util/idmap.h \
	engine/util/jsonget.c engine/util/jsonget.h \
	engine/util/lazycurl.h \
	engine/util/lazylib.c engine/util/lazylib.h \
	engine/util/lazysystemd.h \
	engine/util/limits.h \
	engine/util/log.c engine/util/log.h \
	engine/util/nsjob.c engine/util/nsjob.h \
	engine/util/parse.c engine/util/parse.h \
	engine/util/slots.c engine/util/slots.h \
	engine/util/strv.c engine/util/strv.h \
	engine/util/thread.c engine/util/thread.h \
	engine/util/timeutil.c engine/util/timeutil.h \
	engine/util/trace.c engine/util/trace.h \
	engine/util/xalloc.c engine/util/xalloc.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/util/test_util
TESTS += tests/unit/engine/util/test_util
tests_unit_engine_util_test_util_SOURCES = \
	tests/unit/engine/util/test_parse.c \
	tests/unit/engine/util/test_deadline.c \
	tests/unit/engine/util/test_jsonget.c \
	tests/unit/engine/util/test_buf.c \
	tests/unit/engine/util/test_fs.c \
	tests/unit/engine/util/test_frame.c \
	tests/unit/engine/util/test_timeutil.c \
	tests/unit/engine/util/test_digest.c \
	tests/unit/engine/util/test_idmap.c \
	tests/unit/engine/util/test_nsjob.c \
	tests/unit/engine/util/test_slots.c \
	tests/unit/engine/util/test_lazylib.c
tests_unit_engine_util_test_util_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_util_test_util_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
