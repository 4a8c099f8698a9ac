# SPDX-License-Identifier: Apache-2.0
# engine/registry: the OCI distribution client (libcurl, jansson).
libberth_engine_a_SOURCES += \
	engine/registry/http_get.c engine/registry/http_get.h \
	engine/registry/manifest.c engine/registry/manifest.h \
	engine/registry/registry.c engine/registry/registry.h \
	engine/registry/registry_auth.c engine/registry/registry_auth.h \
	engine/registry/registry_creds.c engine/registry/registry_creds.h \
	engine/registry/registry_blob.c engine/registry/registry_blob.h \
	engine/registry/registry_endpoint.c engine/registry/registry_endpoint.h \
	engine/registry/registry_error.c engine/registry/registry_error.h \
	engine/registry/registry_http.c engine/registry/registry_http.h \
	engine/registry/registry_search.c engine/registry/registry_search.h \
	engine/registry/registry_tags.c engine/registry/registry_tags.h \
	engine/registry/registry_token.c engine/registry/registry_token.h

# Driver of the client for tests/integration/2001-registry-client.sh.
check_PROGRAMS += tests/tools/berth-regtool
tests_tools_berth_regtool_SOURCES = tests/tools/berth-regtool.c
tests_tools_berth_regtool_LDADD = $(ENGINE_LIBS)


if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/registry/test_registry
TESTS += tests/unit/engine/registry/test_registry
tests_unit_engine_registry_test_registry_SOURCES = \
	tests/unit/engine/registry/test_manifest.c \
	tests/unit/engine/registry/test_registry_auth.c \
	tests/unit/engine/registry/test_registry_creds.c \
	tests/unit/engine/registry/test_registry_endpoint.c \
	tests/unit/engine/registry/test_registry_error.c
tests_unit_engine_registry_test_registry_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_registry_test_registry_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif
