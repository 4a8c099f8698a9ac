# SPDX-License-Identifier: Apache-2.0
# The dashboard (--dashboard): plain files copied into $(builddir)/dashboard,
# beside berthd, so a build tree serves them without install, and installed
# into $(datadir)/berth/dashboard. xterm.js is vendored from npm at build
# time into dashboard/vendor/xterm with its LICENSE (never committed); when
# npm or the network is missing the page falls back to a plain <pre>
# terminal and make says so once.
DASHBOARD_NAMES = index.html style.css app.js api.js tar.js term.js chart.js
DASHBOARD_FILES = dashboard/index.html dashboard/style.css dashboard/app.js \
	dashboard/api.js dashboard/tar.js dashboard/term.js dashboard/chart.js
EXTRA_DIST += $(DASHBOARD_FILES) dashboard/local.mk
BERTH_NPM_CACHE ?= /var/tmp/berth-npm
XTERM_VERSION = 5.5.0

all-local: dashboard/.files-stamp dashboard/.vendor-stamp

dashboard/.files-stamp: $(DASHBOARD_FILES)
	$(AM_V_GEN)mkdir -p dashboard && \
	if [ "$(abs_srcdir)" != "$(abs_builddir)" ]; then \
		for f in $(DASHBOARD_NAMES); do cp $(srcdir)/dashboard/$$f dashboard/ || exit 1; done; fi && \
	touch $@

# Tried once per build tree (remove the stamp to try again).
dashboard/.vendor-stamp:
	$(AM_V_GEN)mkdir -p dashboard/vendor/xterm; \
	x=$(BERTH_NPM_CACHE)/node_modules/@xterm/xterm; \
	if [ ! -f $$x/lib/xterm.js ] && command -v npm >/dev/null 2>&1; then \
		mkdir -p $(BERTH_NPM_CACHE) && (cd $(BERTH_NPM_CACHE) && timeout 180 npm install \
		--no-audit --no-fund --ignore-scripts @xterm/xterm@$(XTERM_VERSION) >/dev/null 2>&1); fi; \
	if [ -f $$x/lib/xterm.js ]; then \
		cp $$x/lib/xterm.js $$x/css/xterm.css $$x/LICENSE dashboard/vendor/xterm/; \
	else echo "dashboard: xterm.js not vendored (npm unreachable): the terminal is a plain <pre>"; fi; \
	touch $@

install-data-local:
	$(MKDIR_P) $(DESTDIR)$(datadir)/berth/dashboard/vendor/xterm
	for f in $(DASHBOARD_NAMES); do $(INSTALL_DATA) dashboard/$$f $(DESTDIR)$(datadir)/berth/dashboard/ || exit 1; done
	for f in xterm.js xterm.css LICENSE; do [ ! -f dashboard/vendor/xterm/$$f ] || \
		$(INSTALL_DATA) dashboard/vendor/xterm/$$f $(DESTDIR)$(datadir)/berth/dashboard/vendor/xterm/; done

uninstall-local:
	rm -rf $(DESTDIR)$(datadir)/berth/dashboard

clean-local:
	rm -rf dashboard/vendor dashboard/.files-stamp dashboard/.vendor-stamp
