# SPDX-License-Identifier: Apache-2.0
sbin_PROGRAMS += berthd
berthd_SOURCES = \
	server/conf.c server/conf.h \
	server/connguard.c server/connguard.h \
	server/dashboard.c server/dashboard.h \
	server/frontdoor.c server/frontdoor.h \
	server/listen.c server/listen.h \
	server/remap.c server/remap.h \
	server/tls.c server/tls.h \
	server/main.c \
	engine/archive/helper_link.c
berthd_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
# libarchive statically where its archive exists (configure: BERTHD_ARCHIVE_LIBS;
# helper_link.c keeps libarchive's other writers out, as in berth-untar).
berthd_LDADD = libberth_api.a libberth_engine.a $(BERTHD_ARCHIVE_LIBS) $(DEP_LIBS)

# The man page is berthd --help and --version, with the sections of
# server/berthd.h2m, so it never disagrees with the binary.
if HAVE_HELP2MAN
man8_MANS = berthd.8
berthd.8: berthd$(EXEEXT) $(top_srcdir)/server/berthd.h2m
	$(AM_V_GEN)$(HELP2MAN) --no-info --section=8 --name="the berth container engine daemon (Docker Engine API)" \
		--include=$(top_srcdir)/server/berthd.h2m --output=$@ ./berthd$(EXEEXT)
CLEANFILES += berthd.8
endif
EXTRA_DIST += server/berthd.h2m

# systemd units (socket activation, Type=notify), with the installed path.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = contrib/systemd/berth.service contrib/systemd/berth.socket
contrib/systemd/berth.service: $(top_srcdir)/contrib/systemd/berth.service.in
	$(AM_V_GEN)mkdir -p contrib/systemd && sed 's|@sbindir[@]|$(sbindir)|g' $< >$@
contrib/systemd/berth.socket: $(top_srcdir)/contrib/systemd/berth.socket.in
	$(AM_V_GEN)mkdir -p contrib/systemd && cp $< $@
CLEANFILES += contrib/systemd/berth.service contrib/systemd/berth.socket
EXTRA_DIST += contrib/systemd/berth.service.in contrib/systemd/berth.socket.in
