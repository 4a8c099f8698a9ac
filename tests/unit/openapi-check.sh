#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fails when openapi/swagger.yaml and the router disagree: every route the
# router serves must be documented, and every documented operation served.
# Prints TAP for automake's tap driver.
set -u
top=${srcdir:-.}
berthd=${BERTHD:-./berthd}
routes=$("$berthd" --dump-routes) || { echo "1..1"; echo "not ok 1 - berthd --dump-routes"; exit 1; }
/usr/bin/python3 - "$top/openapi/swagger.yaml" "$routes" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
doc = set()
for path, ops in (spec.get("paths") or {}).items():
    for method in ops:
        if method in ("get", "post", "put", "delete", "head", "patch", "options"):
            doc.add((method.upper(), path))
served = set()
for line in sys.argv[2].splitlines():
    m, p = line.split(" ", 1)
    served.add((m, p.replace("*}", "}")))
n = 0
def result(ok, msg):
    global n
    n += 1
    print(("ok" if ok else "not ok"), n, "-", msg)
    return ok
good = True
for m, p in sorted(served):
    good &= result((m, p) in doc, "served route %s %s is documented in openapi/swagger.yaml" % (m, p))
for m, p in sorted(doc - served):
    good &= result(False, "documented route %s %s is served by the router" % (m, p))
ids = [op.get("operationId") for ops in spec["paths"].values() for k, op in ops.items() if isinstance(op, dict)]
good &= result(len(ids) == len(set(ids)) and None not in ids, "every operation has a unique operationId")
print("1..%d" % n)
sys.exit(0 if good else 1)
PY
