# SPDX-License-Identifier: Apache-2.0
libberth_api_a_SOURCES += \
	api/api.h \
	api/authconfig.c api/authconfig.h \
	api/build.c api/build.h \
	api/commit.c api/commit.h \
	api/distribution.c api/distribution.h \
	api/attach.c api/attach.h \
	api/containers.c api/containers.h \
	api/containers_resources.c api/containers_io.c api/containers_archive.c \
	api/container_decode.c api/container_encode.c api/container_json.h \
	api/container_decode_ns.c \
	api/container_decode_kept.c \
	api/jsonx.c api/jsonx.h \
	api/lineq.c api/lineq.h \
	api/metrics.c api/metrics.h \
	api/events.c api/events.h \
	api/exec.c api/exec.h \
	api/filters.c api/filters.h \
	api/hijack.c api/hijack.h \
	api/images.c api/images.h api/images_search.c \
	api/images_pull.c api/images_transfer.c \
	api/http.c \
	api/relay.c api/relay.h \
	api/reqline.c api/reqline.h \
	api/reply.c api/request.h \
	api/router.c api/router.h \
	api/routes.c \
	api/stream.c api/stream.h \
	api/swarm.c api/swarm.h \
	api/system.c api/system.h \
	api/system_df.c api/system_df.h \
	api/networks.c api/networks.h \
	api/volumes.c api/volumes.h \
	api/websocket.c api/websocket.h

if HAVE_CRITERION
check_PROGRAMS += tests/unit/api/test_api
TESTS += tests/unit/api/test_api
tests_unit_api_test_api_SOURCES = \
	tests/unit/api/test_router.c \
	tests/unit/api/test_lineq.c \
	tests/unit/api/test_authconfig.c \
	tests/unit/api/test_filters.c \
	tests/unit/api/test_container_json.c \
	tests/unit/api/test_images_pull.c \
	tests/unit/api/test_relay.c \
	tests/unit/api/test_reqline.c
tests_unit_api_test_api_CFLAGS = $(UNIT_CFLAGS)
tests_unit_api_test_api_LDADD = $(UNIT_LIBS)
endif
