#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The include graph of docs/architecture.md, checked: every project include
# ("engine/...", "api/...", "server/...", or a header next to the file) must
# point to the same layer or one below it.
#
#   util  <-  foundations  <-  services  <-  engine.c  <-  api  <-  server
#
#   util         engine/util                      includes only util
#   foundations  engine/{store,registry,archive,  util and each other; never a
#                network,volume,events,runtime,   service, never engine/engine.h
#                dockerfile},
#                engine/reference
#   services     engine/{image,build,container}   foundations, util and each
#                                                 other's public headers;
#                                                 never engine/engine.h
#   root         engine/engine.{c,h}              all of engine/
#   api          api/                             engine/, never server/
#   server       server/                          everything
#
# A module's *_internal.h is private to its directory. engine/ never includes
# api/ or server/. Prints TAP for automake's tap driver: one test per module
# directory, each offending include as "file:line: includes X" before it,
# then one per self-test (a one-file tree with a known violation that the
# check must refuse, so a check that silently stopped working fails too).
set -u
top=${srcdir:-.}
cd "$top" || { echo "1..1"; echo "not ok 1 - cd '$top'"; exit 1; }
exec /usr/bin/python3 - <<'PY'
import os, re, sys, tempfile

FOUNDATIONS = ("store", "registry", "archive", "network", "volume", "events", "runtime",
               "dockerfile")
SERVICES = ("image", "build", "container")
RANK = {"util": 0, "foundation": 1, "service": 2, "root": 3, "api": 4, "server": 5}

def layer(path):
    """Layer and module (directory) of a project file, or None outside the tree."""
    parts = path.split("/")
    if parts[0] == "server":
        return "server", "server"
    if parts[0] == "api":
        return "api", "api"
    if parts[0] != "engine":
        return None
    if len(parts) == 2:
        if parts[1].startswith("engine."):
            return "root", "engine"
        if parts[1].startswith("reference."):
            return "foundation", "engine/reference"
        return None
    d = parts[1]
    if d == "util":
        return "util", "engine/util"
    if d in FOUNDATIONS:
        return "foundation", "engine/" + d
    if d in SERVICES:
        return "service", "engine/" + d
    return None

include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

def check(base):
    """{module: [offending include, ...]} for the tree below @base."""
    modules = {}
    for root in ("engine", "api", "server"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(base, root)):
            dirnames.sort()
            for f in sorted(filenames):
                if f.endswith((".c", ".h")):
                    scan(os.path.relpath(os.path.join(dirpath, f), base), base, modules)
    return modules

def scan(path, base, modules):
    me = layer(path)
    if me is None:
        # A new engine directory must be given a layer before it is used.
        mod = "/".join(path.split("/")[:2])
        modules.setdefault(mod, []).append(
            "%s: in no layer; place its directory in layering-check.sh and "
            "docs/architecture.md" % path)
        return
    bad = modules.setdefault(me[1], [])
    with open(os.path.join(base, path), encoding="utf-8", errors="replace") as fh:
        for no, line in enumerate(fh, 1):
            m = include.match(line)
            if not m or m.group(1) == "config.h":
                continue
            target = m.group(1)
            if not target.startswith(("engine/", "api/", "server/")):
                target = os.path.normpath(os.path.join(os.path.dirname(path), target))
            it = layer(target)
            why = None
            if it is None:
                why = "it is in no layer"
            elif RANK[it[0]] > RANK[me[0]]:
                why = "a %s may not include the %s layer above it" % (me[0], it[0])
            elif (target.endswith("_internal.h")
                  and os.path.dirname(target) != os.path.dirname(path)):
                why = "a module's _internal.h is private to its directory"
            if why:
                bad.append("%s:%d: includes '%s': %s" % (path, no, m.group(1), why))

# The check checks itself: each of these one-file trees must be refused.
SELF_TESTS = [
    ("engine/network/x.c", "engine/engine.h", "a foundation including engine/engine.h"),
    ("engine/store/x.c", "engine/image/image.h", "a foundation including a service"),
    ("engine/image/x.c", "engine/engine.h", "a service including engine/engine.h"),
    ("engine/util/x.c", "engine/store/store.h", "util including a foundation"),
    ("engine/engine.c", "api/api.h", "engine/ including api/"),
    ("api/x.c", "server/conf.h", "api/ including server/"),
    ("engine/build/x.c", "engine/image/image_internal.h", "another module's _internal.h"),
]

modules = check(".")
n = 0
good = True
for mod in sorted(modules):
    n += 1
    for b in modules[mod]:
        print("# " + b)
    ok = not modules[mod]
    good &= ok
    print("%s %d - %s includes only its own layer and those below it" % ("ok" if ok else "not ok", n, mod))
if not modules:
    print("# no source files found under '%s'" % os.getcwd())
    n += 1
    good = False
    print("not ok %d - the tree has sources to check" % n)
for path, target, what in SELF_TESTS:
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, os.path.dirname(path)))
        with open(os.path.join(tmp, path), "w") as fh:
            fh.write('#include "config.h"\n#include "%s"\n' % target)
        found = any(check(tmp).values())
    n += 1
    good &= found
    print("%s %d - the check refuses %s" % ("ok" if found else "not ok", n, what))
print("1..%d" % n)
sys.exit(0 if good else 1)
PY
