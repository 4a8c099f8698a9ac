# SPDX-License-Identifier: Apache-2.0
sbin_PROGRAMS += berthd
berthd_SOURCES = \
	server/conf.c server/conf.h \
	server/connguard.c server/connguard.h \
	server/listen.c server/listen.h \
	server/remap.c server/remap.h \
	server/tls.c server/tls.h \
	server/main.c
berthd_LDADD = $(BERTH_LIBS)
