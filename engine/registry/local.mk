# SPDX-License-Identifier: Apache-2.0
# engine/registry: the OCI distribution client (libcurl, jansson).
libberth_engine_a_SOURCES += \
	engine/registry/manifest.c engine/registry/manifest.h \
	engine/registry/registry.c engine/registry/registry.h \
	engine/registry/registry_auth.c engine/registry/registry_auth.h \
	engine/registry/registry_blob.c engine/registry/registry_blob.h \
	engine/registry/registry_endpoint.c engine/registry/registry_endpoint.h \
	engine/registry/registry_error.c engine/registry/registry_error.h \
	engine/registry/registry_http.c engine/registry/registry_http.h \
	engine/registry/registry_search.c engine/registry/registry_search.h
