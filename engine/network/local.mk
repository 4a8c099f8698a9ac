# SPDX-License-Identifier: Apache-2.0
libberth_engine_a_SOURCES += \
	engine/network/dns.c engine/network/dns.h engine/network/dns_internal.h \
	engine/network/dns_serve.c \
	engine/network/endpoint.c engine/network/endpoint.h \
	engine/network/firewall.c engine/network/firewall.h \
	engine/network/iface.c engine/network/iface.h \
	engine/network/ipam.c engine/network/ipam.h \
	engine/network/ipam6.c engine/network/ipam6.h \
	engine/network/netdef.c engine/network/netdef.h \
	engine/network/netns.c engine/network/netns.h \
	engine/network/netobj.c engine/network/netresolve.c engine/network/network_internal.h \
	engine/network/network.c engine/network/network_open.c engine/network/network.h \
	engine/network/plumb.c engine/network/plumb.h \
	engine/network/portmap.c engine/network/portmap.h \
	engine/network/reaper.c engine/network/reaper.h \
	engine/network/sweep.c

# Integration driver and test (root only; the script skips otherwise).
check_PROGRAMS += tests/tools/berth-nettool
tests_tools_berth_nettool_SOURCES = tests/tools/berth-nettool.c
tests_tools_berth_nettool_LDADD = $(ENGINE_LIBS)

if HAVE_CRITERION
check_PROGRAMS += tests/unit/engine/network/test_network
TESTS += tests/unit/engine/network/test_network
tests_unit_engine_network_test_network_SOURCES = \
	tests/unit/engine/network/test_ipam.c \
	tests/unit/engine/network/test_ipam6.c \
	tests/unit/engine/network/test_netdef.c \
	tests/unit/engine/network/test_portmap.c \
	tests/unit/engine/network/test_firewall.c \
	tests/unit/engine/network/test_endpoint.c \
	tests/unit/engine/network/test_dns.c \
	tests/unit/engine/network/test_reaper.c
tests_unit_engine_network_test_network_CFLAGS = $(UNIT_CFLAGS)
tests_unit_engine_network_test_network_LDADD = $(ENGINE_LIBS) $(CRITERION_LIBS)
endif

check_PROGRAMS += tests/tools/berth-dnstool
tests_tools_berth_dnstool_SOURCES = tests/tools/berth-dnstool.c
tests_tools_berth_dnstool_LDADD = $(ENGINE_LIBS)
