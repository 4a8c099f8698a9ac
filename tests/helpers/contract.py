#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Holds berthd's JSON responses to moby's official API definitions.

    contract.py SOCKET REF_DIR IMAGE

Drives a realistic sequence of calls (system, images, containers in every
state, exec, volumes, networks, commit, prunes) through SOCKET, once under
/v1.41 and once under /v1.44, and checks every JSON body against the
response schema of that route in that version's definition (REF_DIR/v1.41.yaml,
REF_DIR/v1.44.yaml) with apischema.check. Under /v1.41 a key that the 1.44
schema has and the 1.41 schema lacks must be absent (fields added later
follow the version asked for). Prints one line per check:
"ok<TAB>description" or "fail<TAB>description<TAB>details"; exit 0.
"""
import http.client
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apischema  # noqa: E402
import yaml  # noqa: E402


# Keys a real dockerd (20.10, /work/shared/reference) writes as null: Go nil
# slices, maps and pointers. Anywhere else an array, object or integer of the
# definition must not be null. ExitCode: an exec that is still running.
DOCKERD_NULLS = {
    "Aliases", "Binds", "CapAdd", "CapDrop", "DNSNames", "DeviceCgroupRules", "DeviceRequests",
    "DriverOpts", "Entrypoint", "Env", "Error", "ExecIDs", "ExtraHosts", "GroupAdd", "IPAMConfig",
    "Labels", "Links", "MaskedPaths", "MemorySwappiness", "OnBuild", "PidsLimit", "ReadonlyPaths",
    "SecondaryIPAddresses", "SecondaryIPv6Addresses", "SecurityOpt", "Volumes", "VolumesFrom",
    "ExitCode",
    # Not in the reference captures, nil in moby's types all the same:
    "Authorization", "GenericResources",  # /info Plugins, no authz plugins
    "Tags",  # /images/{name}/history: layers without a tag
    "Options",  # network IPAM and driver options left unset
    "Cmd",  # image ContainerConfig without a command
    "ContainersDeleted", "ImagesDeleted", "NetworksDeleted", "VolumesDeleted",  # empty prunes
}


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(120)
        s.connect(self.path)
        self.sock = s


def report(kind, desc, detail=""):
    line = "%s\t%s" % (kind, desc)
    if detail:
        line += "\t" + detail.replace("\n", " | ")[:2000]
    print(line, flush=True)


def newer_keys(spec_new, spec_old, s_new, s_old, value, path, out, depth=0):
    """Keys of VALUE that the newer schema defines and the older one lacks."""
    if depth > 12 or not isinstance(value, (dict, list)):
        return
    s_new = apischema.resolve(spec_new, s_new or {})
    s_old = apischema.resolve(spec_old, s_old or {})
    if isinstance(value, list):
        for i, v in enumerate(value):
            newer_keys(spec_new, spec_old, s_new.get("items"), s_old.get("items"), v,
                       "%s[%d]" % (path, i), out, depth + 1)
        return
    pn, po = s_new.get("properties", {}), s_old.get("properties", {})
    for k, v in value.items():
        if k in pn and k not in po and po:
            out.append("%s.%s" % (path, k))
        elif k in pn and k in po:
            newer_keys(spec_new, spec_old, pn[k], po[k], v, "%s.%s" % (path, k), out, depth + 1)
        elif k not in pn and not pn:
            an, ao = s_new.get("additionalProperties"), s_old.get("additionalProperties")
            if isinstance(an, dict) and isinstance(ao, dict):
                newer_keys(spec_new, spec_old, an, ao, v, "%s[%s]" % (path, k), out, depth + 1)


class Contract:
    def __init__(self, sock, ref):
        self.sock = sock
        self.specs = {}
        for v in ("v1.41", "v1.44"):
            with open(os.path.join(ref, v + ".yaml")) as f:
                self.specs[v] = yaml.safe_load(f)
        self.checked = set()

    def call(self, method, path, body=None, headers=None):
        conn = UnixConn(self.sock)
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
        return r.status, raw

    def schema_of(self, ver, method, tmpl, status):
        op = self.specs[ver].get("paths", {}).get(tmpl, {}).get(method.lower())
        if op is None:
            return None, "no operation %s %s in %s" % (method, tmpl, ver)
        resp = op.get("responses", {})
        r = resp.get(status) or resp.get(str(status))
        if r is None:
            return None, "status %d is not a documented response of %s %s" % (status, method, tmpl)
        return r, None

    def op(self, ver, method, tmpl, path, body=None, want=None, stream=False, headers=None):
        """Calls PATH (under /VER) and checks its body against TMPL's schema."""
        status, raw = self.call(method, "/%s%s" % (ver, path), body, headers)
        desc = "[%s] %s %s" % (ver, method, tmpl)
        if want is not None and status != want:
            report("fail", "%s answers %d" % (desc, want), "got %d: %s" % (status, raw[:300]))
            return status, None
        resp, why = self.schema_of(ver, method, tmpl, status)
        if resp is None:
            report("fail", "%s: documented status" % desc, why)
            return status, None
        schema = resp.get("schema")
        if stream:
            values = []
            dec = json.JSONDecoder()
            text = raw.decode("utf-8", "replace")
            i = 0
            while i < len(text):
                while i < len(text) and text[i] in " \r\n\t":
                    i += 1
                if i >= len(text):
                    break
                try:
                    v, i = dec.raw_decode(text, i)
                except ValueError as exc:
                    report("fail", "%s: a stream of JSON values" % desc, str(exc))
                    return status, None
                values.append(v)
        else:
            if schema is None:
                ok = not raw.strip()
                report("ok" if ok else "fail", "%s %d has no body" % (desc, status),
                       "" if ok else raw[:200].decode("utf-8", "replace"))
                return status, None
            try:
                values = [json.loads(raw)]
            except ValueError as exc:
                report("fail", "%s: JSON body" % desc, str(exc))
                return status, None
        errors = []
        for v in values:
            if schema is not None:
                apischema.check(self.specs[ver], schema, v, "$", errors, DOCKERD_NULLS)
            if ver == "v1.41" and schema is not None:
                r44, _ = self.schema_of("v1.44", method, tmpl, status)
                if r44 is not None and r44.get("schema") is not None:
                    extra = []
                    newer_keys(self.specs["v1.44"], self.specs["v1.41"], r44["schema"], schema,
                               v, "$", extra)
                    errors += ["%s: added after 1.41, present under /v1.41" % k for k in extra]
        report("fail" if errors else "ok", "%s %d validates" % (desc, status), "; ".join(errors[:20]))
        self.checked.add((method.lower(), tmpl))
        return status, (values[0] if values and not stream else values)


def run(c, ver, image):
    sfx = ver.replace(".", "")
    t0 = int(time.time()) - 1
    c.op(ver, "GET", "/version", "/version", want=200)
    c.op(ver, "GET", "/info", "/info", want=200)
    c.op(ver, "GET", "/images/json", "/images/json?all=1", want=200)
    c.op(ver, "GET", "/images/{name}/json", "/images/%s/json" % image, want=200)
    c.op(ver, "GET", "/images/{name}/history", "/images/%s/history" % image, want=200)
    c.op(ver, "POST", "/images/{name}/tag", "/images/%s/tag?repo=contract&tag=%s" % (image, sfx),
         want=201)
    # volumes and networks
    c.op(ver, "POST", "/volumes/create", "/volumes/create",
         body={"Name": "cv" + sfx, "Labels": {"a": "b"}}, want=201)
    c.op(ver, "GET", "/volumes", "/volumes", want=200)
    c.op(ver, "GET", "/volumes/{name}", "/volumes/cv" + sfx, want=200)
    _, net = c.op(ver, "POST", "/networks/create", "/networks/create",
                  body={"Name": "cn" + sfx, "Labels": {"a": "b"}}, want=201)
    c.op(ver, "GET", "/networks", "/networks", want=200)
    c.op(ver, "GET", "/networks/{id}", "/networks/cn" + sfx, want=200)
    c.op(ver, "GET", "/networks/{id}", "/networks/bridge", want=200)
    # a container through its states
    body = {"Image": image, "Cmd": ["sh", "-c", "echo hi; sleep 300"], "Labels": {"c": "1"},
            "Volumes": {"/data": {}}, "ExposedPorts": {"80/tcp": {}},
            "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000000000},
            "HostConfig": {"Binds": ["cv%s:/vol" % sfx], "PortBindings":
                           {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}}}
    _, cr = c.op(ver, "POST", "/containers/create", "/containers/create?name=cc" + sfx,
                 body=body, want=201)
    if not cr:
        return
    cid = cr["Id"]
    c.op(ver, "GET", "/containers/{id}/json", "/containers/%s/json" % cid, want=200)
    c.op(ver, "GET", "/containers/json", "/containers/json?all=1", want=200)
    c.op(ver, "POST", "/containers/{id}/start", "/containers/%s/start" % cid, want=204)
    c.op(ver, "GET", "/containers/{id}/json", "/containers/%s/json?size=1" % cid, want=200)
    c.op(ver, "GET", "/containers/json", "/containers/json?size=1", want=200)
    c.op(ver, "GET", "/containers/{id}/top", "/containers/%s/top" % cid, want=200)
    c.op(ver, "GET", "/containers/{id}/stats", "/containers/%s/stats?stream=0" % cid, want=200)
    c.op(ver, "GET", "/containers/{id}/changes", "/containers/%s/changes" % cid, want=200)
    c.op(ver, "POST", "/containers/{id}/update", "/containers/%s/update" % cid,
         body={"CpuShares": 512}, want=200)
    _, ex = c.op(ver, "POST", "/containers/{id}/exec", "/containers/%s/exec" % cid,
                 body={"Cmd": ["true"]}, want=201)
    if ex:
        c.op(ver, "GET", "/exec/{id}/json", "/exec/%s/json" % ex["Id"], want=200)
        c.op(ver, "POST", "/exec/{id}/start", "/exec/%s/start" % ex["Id"],
             body={"Detach": True}, want=200)
    c.op(ver, "POST", "/containers/{id}/pause", "/containers/%s/pause" % cid, want=204)
    c.op(ver, "GET", "/containers/{id}/json", "/containers/%s/json" % cid, want=200)
    c.op(ver, "POST", "/containers/{id}/unpause", "/containers/%s/unpause" % cid, want=204)
    c.op(ver, "POST", "/commit", "/commit?container=%s&repo=contract-commit&tag=%s" % (cid, sfx),
         body={}, want=201)
    c.op(ver, "POST", "/networks/{id}/connect", "/networks/cn%s/connect" % sfx,
         body={"Container": cid}, want=200)
    c.op(ver, "GET", "/networks/{id}", "/networks/cn%s?verbose=true" % sfx, want=200)
    c.op(ver, "GET", "/containers/{id}/json", "/containers/%s/json" % cid, want=200)
    c.op(ver, "POST", "/networks/{id}/disconnect", "/networks/cn%s/disconnect" % sfx,
         body={"Container": cid}, want=200)
    c.op(ver, "POST", "/containers/{id}/rename", "/containers/%s/rename?name=cr%s" % (cid, sfx),
         want=204)
    c.op(ver, "POST", "/containers/{id}/stop", "/containers/%s/stop?t=1" % cid, want=204)
    c.op(ver, "GET", "/containers/{id}/json", "/containers/%s/json" % cid, want=200)
    c.op(ver, "POST", "/containers/{id}/wait", "/containers/%s/wait" % cid, want=200)
    # a container that exited by itself, and one that was never started
    _, cr2 = c.op(ver, "POST", "/containers/create", "/containers/create",
                  body={"Image": image, "Cmd": ["sh", "-c", "exit 3"]}, want=201)
    if cr2:
        c.op(ver, "POST", "/containers/{id}/start", "/containers/%s/start" % cr2["Id"], want=204)
        c.op(ver, "POST", "/containers/{id}/wait", "/containers/%s/wait" % cr2["Id"], want=200)
        c.op(ver, "GET", "/containers/{id}/json", "/containers/%s/json" % cr2["Id"], want=200)
    c.op(ver, "GET", "/containers/json", "/containers/json?all=1", want=200)
    c.op(ver, "GET", "/system/df", "/system/df", want=200)
    c.op(ver, "GET", "/events", "/events?since=%d&until=%d" % (t0, int(time.time()) + 1),
         want=200, stream=True)
    c.op(ver, "DELETE", "/containers/{id}", "/containers/%s?force=1" % cid, want=204)
    c.op(ver, "POST", "/containers/prune", "/containers/prune", want=200)
    c.op(ver, "DELETE", "/networks/{id}", "/networks/cn" + sfx, want=204)
    c.op(ver, "POST", "/networks/prune", "/networks/prune", want=200)
    c.op(ver, "DELETE", "/volumes/{name}", "/volumes/cv" + sfx, want=204)
    c.op(ver, "POST", "/volumes/prune", "/volumes/prune", want=200)
    c.op(ver, "DELETE", "/images/{name}", "/images/contract-commit:" + sfx, want=200)
    c.op(ver, "DELETE", "/images/{name}", "/images/contract:" + sfx, want=200)
    c.op(ver, "POST", "/images/prune", "/images/prune", want=200)
    c.op(ver, "GET", "/plugins", "/plugins", want=200)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    c = Contract(argv[1], argv[2])
    for ver in ("v1.41", "v1.44"):
        run(c, ver, argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
