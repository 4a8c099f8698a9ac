#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (committed; rerun
after changing this script): the repository's test fixtures (Dockerfiles of
the unit data and the integration tests, reference strings of the unit
tests), the dockerd reference transcripts and inspect JSON of
/work/shared/reference when present, and small hand-made cases. Each file is
named by the sha1 of its content, as libFuzzer names corpus files.
Usage: tests/fuzz/make-corpus.py [REFERENCE_DIR]"""
import base64, glob, hashlib, io, json, os, re, struct, sys, tarfile, gzip

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference"
OUT = os.path.join(TOP, "tests/fuzz/corpus")
MAX = 64 * 1024

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX:
        return
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def read(path):
    with open(path, "rb") as f:
        return f.read()

def ref_text(name):
    p = os.path.join(REF, name)
    return read(p).decode("utf-8", "replace") if os.path.exists(p) else ""

# ---- image references: the strings of the unit tests -------------------
src = read(os.path.join(TOP, "tests/unit/engine/test_reference.c")).decode()
for s in set(re.findall(r'\{"([^"\\]*)",', src)):
    put("reference", s)
for s in ["busybox", "busybox:1.36", "127.0.0.1:5000/app@sha256:" + "a" * 64,
          "sha256:" + "0" * 64, "0123abcd", "UPPER/case", "a//b", "[::1]:5000/x:y",
          "localhost:5000/a/b/c:v1.0-rc_1@sha256:" + "f" * 64, "x" * 300]:
    put("reference", s)

# ---- Dockerfiles: unit data, the integration tests' heredocs ------------
for p in glob.glob(os.path.join(TOP, "tests/unit/data/dockerfile/*/*/input")):
    put("dockerfile", read(p))
for p in glob.glob(os.path.join(TOP, "tests/integration/*.sh")):
    text = read(p).decode("utf-8", "replace")
    for m in re.finditer(r"Dockerfile[^\n]*<<-?'?(\w+)'?\n(.*?)\n\1\n", text, re.S):
        put("dockerfile", m.group(2) + "\n")
put("dockerfile", "# escape=`\nFROM scratch\nRUN echo a `\n  b\nENV A=1 B=\"${A:-x} $A\"\n")
put("dockerfile", "ARG V=1\nFROM busybox:${V}\nARG V\nENV X=${V:+set} Y=${Z:-def}\n"
    "LABEL \"a b\"=c d='e f'\nCOPY --chown=1:1 [\"a b\", \"/c/\"]\nONBUILD RUN x\n"
    "HEALTHCHECK --interval=5s CMD [\"true\"]\nEXPOSE 80/tcp 53/udp 8000-8002\n"
    "SHELL [\"/bin/sh\", \"-ec\"]\nSTOPSIGNAL SIGINT\nVOLUME [\"/data\"]\nUSER nobody\n"
    "WORKDIR /app/$X\nCMD [\"default\"]\nENTRYPOINT /bin/echo\nMAINTAINER someone\n")
put("dockerfile", "FROM a AS b\nRUN \\\n\n  # comment inside\n  echo \\\n")
put("dockerfile", "\xef\xbb\xbffrom x\nenv a b\nadd --from=b . /\n")

# ---- .dockerignore: first line is the path -----------------------------
for path, ig in [("a/b/c.txt", "*.txt\n!a/b/*.txt\n"), ("node_modules/x", "**/node_modules\n"),
                 ("Dockerfile", "# c\n\n*\n!Dockerfile\n"), ("x/y", "/x/../y/\n[a-c]?\n\\*\n"),
                 ("a", "\xef\xbb\xbf**/*.go\n!**/keep/**\n[^x]\n[!")]:
    put("dockerignore", path + "\n" + ig)

# ---- filters -------------------------------------------------------------
for f in ['{"name":{"wlog":true},"status":{"exited":true}}',
          '{"reference":{"127.0.0.1:5000/busybox":true}}', '{"label":["a=1","b"]}',
          '{"dangling":{"true":true}}', '{"until":{"10m":true}}', '{"until":["1700000000.5"]}',
          '{"until":{"2026-01-01T00:00:00Z":true}}', '{"label!":{"a":true}}', '{}', '',
          '{"dangling":["true","false"]}', '{"x":{"y":false}}']:
    put("filters", f)

# ---- container create bodies: the transcripts, then variations ---------
bodies = []
for name in ("dockerd-wire-excerpts.md", "dockerd-transcript.md"):
    for line in ref_text(name).splitlines():
        line = line.strip()
        if line.startswith('{"Hostname"'):
            bodies.append(line.replace("\\n", "").rstrip())
insp = ref_text("dockerd-container-inspect.json")
if insp:
    j = json.loads(insp)
    j = j[0] if isinstance(j, list) else j
    b = dict(j.get("Config", {}))
    b["HostConfig"] = j.get("HostConfig", {})
    bodies.append(json.dumps(b))
bodies += [
    '{"Image":"busybox","Cmd":["sh"],"HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]},'
    '"Binds":["/a:/b:ro","v:/c:nocopy"],"Mounts":[{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1024}}],'
    '"Ulimits":[{"Name":"nofile","Soft":1,"Hard":2}],"CpusetCpus":"0-1,3","Sysctls":{"net.ipv4.ip_forward":"1"},'
    '"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},"LogConfig":{"Type":"json-file","Config":{"max-size":"1m"}},'
    '"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/n","CgroupPermissions":"rwm"}],'
    '"ExtraHosts":["h:host-gateway"],"SecurityOpt":["no-new-privileges"],"Tmpfs":{"/x":"size=1m"}},'
    '"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":1000000000},"ExposedPorts":{"53/udp":{}},'
    '"NetworkingConfig":{"EndpointsConfig":{"net1":{"Aliases":["a"],"IPAMConfig":{"IPv4Address":"10.0.0.9"}}}}}',
    '{"Image":"x","Env":["A=1","B"],"Entrypoint":[""],"StopTimeout":-1,"StopSignal":"SIGUSR1"}',
    '{"Image":1}', '[]', '{"HostConfig":null}', '{"Image":"x"} x', '{"Cmd":"sh"}',
]
for b in bodies:
    put("container_create", b)

# ---- build query strings (then a newline and X-Registry-Config) ---------
cfg = base64.urlsafe_b64encode(json.dumps({"127.0.0.1:5000": {"username": "u", "password": "p"}}).encode()).decode()
for q in ["dockerfile=Dockerfile&nocache=1&t=wire-build&version=1",
          "t=a&t=b%3A1&buildargs=%7B%22A%22%3A%221%22%2C%22B%22%3Anull%7D&labels=%7B%22l%22%3A%22v%22%7D",
          "cachefrom=%5B%22a%22%5D&ulimits=%5B%7B%22Name%22%3A%22nofile%22%2C%22Soft%22%3A1%2C%22Hard%22%3A2%7D%5D",
          "ulimits=null&memory=1&memswap=-1&cpushares=2&shmsize=3&cpuperiod=4&cpuquota=5",
          "remote=https%3A%2F%2Fexample.invalid%2Fr.git%23main%3Asub&q=1&rm=0&forcerm=1&pull=true",
          "version=2", "squash=1", "securityopt=x", "memory=x", "platform=linux%2Famd64&target=t&networkmode=host",
          "extrahosts=h%3A1.2.3.4&cpusetcpus=0-1&cpusetmems=0\n" + cfg, "\ne30=", "\n!!!"]:
    put("build_request", q)

# ---- X-Registry-Auth / X-Registry-Config / POST /auth bodies ------------
def b64(o, url=True, pad=True):
    e = (base64.urlsafe_b64encode if url else base64.b64encode)(json.dumps(o).encode()).decode()
    return e if pad else e.rstrip("=")
auths = [{"username": "u", "password": "p", "serveraddress": "127.0.0.1:5000"},
         {"auth": base64.b64encode(b"user:pass").decode()}, {"identitytoken": "t"},
         {"registrytoken": "r", "email": "e@x"}, {"username": 1}, {"username": "a\r\nb"}]
for a in auths:
    put("authconfig", b64(a)); put("authconfig", b64(a, url=False, pad=False)); put("authconfig", json.dumps(a))
put("authconfig", b64({"https://index.docker.io/v1/": auths[0], "localhost:5000": auths[1], "bad": 3}))
for s in ["", "e30=", "e30", "!!", "bnVsbA=="]:
    put("authconfig", s)

# ---- manifests and indexes ---------------------------------------------
D = "sha256:" + "ab" * 32
desc = lambda mt, size=10: {"mediaType": mt, "digest": D, "size": size}
put("manifest", json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": desc("application/vnd.docker.container.image.v1+json"),
    "layers": [desc("application/vnd.docker.image.rootfs.diff.tar.gzip"),
               dict(desc("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"), urls=["https://x/y"])]}))
put("manifest", json.dumps({"schemaVersion": 2, "config": desc("application/vnd.oci.image.config.v1+json"),
    "layers": [desc("application/vnd.oci.image.layer.v1.tar+zstd"), desc("application/vnd.oci.image.layer.v1.tar")]}))
put("manifest", json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    dict(desc("application/vnd.oci.image.manifest.v1+json"), platform={"os": "linux", "architecture": "amd64"}),
    dict(desc("application/vnd.oci.image.manifest.v1+json"), platform={"os": "linux", "architecture": "arm", "variant": "v7"}),
    dict(desc("application/vnd.oci.image.manifest.v1+json"), platform={"os": "linux", "architecture": "arm64", "variant": "v8"}),
    dict(desc("application/vnd.oci.image.manifest.v1+json"), platform={"os": "unknown", "architecture": "unknown"},
         annotations={"vnd.docker.reference.type": "attestation-manifest"}),
    dict(desc("application/vnd.oci.image.manifest.v1+json"), platform={"os": "windows", "architecture": "amd64", "os.version": "10.0"})]}))
put("manifest", json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": [desc("application/vnd.docker.distribution.manifest.v2+json")]}))
put("manifest", json.dumps({"schemaVersion": 1, "name": "x", "fsLayers": []}))
put("manifest", json.dumps({"schemaVersion": 2, "config": desc("application/vnd.cncf.helm.config.v1+json"), "layers": []}))
put("manifest", "linux/arm64/v8")

# ---- image configs ------------------------------------------------------
ii = ref_text("dockerd-image-inspect.json")
cfgs = []
if ii:
    j = json.loads(ii)
    j = j[0] if isinstance(j, list) else j
    cfgs.append({"architecture": j.get("Architecture"), "os": j.get("Os"), "config": j.get("Config"),
                 "rootfs": {"type": "layers", "diff_ids": j.get("RootFS", {}).get("Layers", [])}})
cfgs.append({"architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
             "config": {"Env": ["PATH=/bin", "A=1"], "Cmd": ["sh"], "Entrypoint": None, "WorkingDir": "/w",
                        "User": "1:1", "StopSignal": "SIGINT", "ExposedPorts": {"80/tcp": {}},
                        "Volumes": {"/data": {}}, "Labels": {"a": "b"}, "Shell": ["/bin/sh", "-c"],
                        "OnBuild": ["RUN echo triggered", "ONBUILD RUN x", "COPY [\"a\", \"b\"] /"],
                        "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000000000}},
             "rootfs": {"type": "layers", "diff_ids": [D, "sha256:" + "cd" * 32]},
             "history": [{"created_by": "x"}]})
cfgs.append({"config": {}, "rootfs": {"type": "layers", "diff_ids": ["sha256:x"]}})
for c in cfgs:
    put("image_config", json.dumps(c))
put("image_config", "{}")

# ---- WebSocket client frames (masked, as clients must send them) --------
def ws(opcode, payload, fin=True, mask=b"\x01\x02\x03\x04"):
    n = len(payload)
    h = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        h += bytes([0x80 | n])
    elif n < 65536:
        h += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        h += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
put("websocket", ws(2, b"echo hi\n") + ws(1, b"ls\n"))
put("websocket", ws(1, b"par", fin=False) + ws(9, b"ping") + ws(0, b"tial\n") + ws(8, b"\x03\xe8bye"))
put("websocket", ws(2, b"a\x10\x11b"))          # ctrl-p ctrl-q: detach
put("websocket", ws(2, b"x" * 300) + ws(10, b""))
put("websocket", b"\x82\x05hello")                # unmasked: a protocol error
put("websocket", ws(8, b""))

# ---- attach/exec frames -------------------------------------------------
fr = lambda s, p: bytes([s, 0, 0, 0]) + struct.pack(">I", len(p)) + p
put("frame", fr(1, b"to-stdout\n") + fr(2, b"to-stderr\n") + fr(0, b""))
put("frame", fr(3, b"x" * 70) + fr(1, b"y"))
put("frame", fr(1, b"abc")[:-1])
put("frame", b"\x01\x00\x01\x00\x00\x00\x00\x01z")
put("frame", b"\x05\x00\x00\x00\x00\x00\x00\x00")

# ---- tar streams: ordinary, whiteouts, links, hostile names; compressed --
def tar(entries, comp=None, fmt=tarfile.GNU_FORMAT):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=fmt) as t:
        for e in entries:
            ti = tarfile.TarInfo(e[0]); ti.type = e[1]; data = b""
            if e[1] == tarfile.REGTYPE:
                data = e[2]; ti.size = len(data)
            elif e[1] in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                ti.linkname = e[2]
            ti.mode = e[3] if len(e) > 3 else 0o644
            ti.mtime = 1700000000
            if len(e) > 4:
                ti.pax_headers = e[4]
            t.addfile(ti, io.BytesIO(data) if data else None)
    raw = bio.getvalue()
    return gzip.compress(raw, mtime=0) if comp == "gz" else raw
R, D_, S, L = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
put("untar", tar([("etc", D_, None, 0o755), ("etc/passwd", R, b"root:x:0:0::/:/bin/sh\n"),
                  ("bin", D_, None, 0o755), ("bin/sh", R, b"\x7fELF", 0o4755), ("bin/ln", L, "bin/sh"),
                  ("lnk", S, "etc/passwd")]))
put("untar", tar([("a", D_, None, 0o755), ("a/.wh..wh..opq", R, b""), ("a/.wh.gone", R, b""),
                  ("a/new", R, b"x")], "gz"))
put("untar", tar([("../escape", R, b"x")]))
put("untar", tar([("/abs", R, b"x")]))
put("untar", tar([("s", S, "/"), ("s/etc/x", R, b"x")]))
put("untar", tar([("h", L, "../../etc/passwd")]))
put("untar", tar([("d", D_, None, 0o000), ("d/f", R, b"x", 0o000)]))
put("untar", tar([("x", R, b"y", 0o644, {"SCHILY.xattr.user.a": "b", "SCHILY.xattr.trusted.overlay.opaque": "y"})],
                 fmt=tarfile.PAX_FORMAT))
put("untar", tar([("p" * 200, R, b"long")], fmt=tarfile.PAX_FORMAT))

# ---- DNS queries ---------------------------------------------------------
def q(name, qtype=1, qid=0x1234, flags=0x0100, edns=None, qd=1):
    msg = struct.pack(">HHHHHH", qid, flags, qd, 0, 0, 1 if edns else 0)
    for label in name.split("."):
        if label:
            msg += bytes([len(label)]) + label.encode()
    msg += b"\x00" + struct.pack(">HH", qtype, 1)
    if edns:
        msg += b"\x00" + struct.pack(">HHIH", 41, edns, 0, 0)
    return msg
for args in [("web",), ("web", 28), ("many", 1, 1, 0x0100, 4096), ("many",), ("empty",), ("nosuch",),
             ("example.com",), ("2.0.0.10.in-addr.arpa", 12), ("web", 255), ("web", 1, 7, 0x2800),
             ("2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", 12), ("web", 1, 9, 0x0100, None, 2)]:
    put("dns", q(*args))
put("dns", q("web")[:15])
put("dns", b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01")  # pointer loop
put("dns", "nameserver 127.0.0.1\nnameserver 10.0.0.1\nnameserver ::1\nsearch x\n")

# ---- DNS answers of upstream servers: flags, query length, query, answer --
def rr(name, rtype, rdata, ttl=60, cls=1):
    out = b""
    if isinstance(name, bytes):
        out = name  # raw (a compression pointer)
    else:
        for label in name.split("."):
            if label:
                out += bytes([len(label)]) + label.encode()
        out += b"\x00"
    return out + struct.pack(">HHIH", rtype, cls, ttl, len(rdata)) + rdata
def answer(qname, records, qid=0x4242, flags=0x8180, qtype=1, auth=(), add=(), qd=1):
    msg = struct.pack(">HHHHHH", qid, flags, qd, len(records), len(auth), len(add))
    if qd:
        for label in qname.split("."):
            if label:
                msg += bytes([len(label)]) + label.encode()
        msg += b"\x00" + struct.pack(">HH", qtype, 1)
    return msg + b"".join(records) + b"".join(auth) + b"".join(add)
def up(ans, query=b"", tcp=False, wrong_id=False):
    return bytes([(1 if tcp else 0) | (2 if wrong_id else 0), len(query)]) + query + ans
PTR = b"\xc0\x0c"  # the question's name
A = lambda ip: bytes(int(x) for x in ip.split("."))
put("upstream", up(answer("example.com", [rr(PTR, 1, A("93.184.216.34"))])))
put("upstream", up(answer("example.com", [rr(PTR, 1, A("10.0.0.%d" % i)) for i in range(1, 60)])))
put("upstream", up(answer("example.com", [rr(PTR, 1, A("10.0.0.%d" % i)) for i in range(1, 60)]), tcp=True))
put("upstream", up(answer("www.example.com", [rr(PTR, 5, b"\x03cdn\xc0\x10"), rr(b"\xc0\x2d", 1, A("1.2.3.4"))])))
put("upstream", up(answer("example.com", [rr(PTR, 28, bytes(15) + b"\x01")], qtype=28), q("example.com", 28)))
put("upstream", up(answer("example.com", [rr(PTR, 16, b"\x05hello\x05world")], qtype=16), q("example.com", 16)))
put("upstream", up(answer("example.com", [rr(PTR, 15, b"\x00\x0a\x04mail\xc0\x0c")], qtype=15), q("example.com", 15)))
put("upstream", up(answer("nosuch.example", [], flags=0x8183,
                          auth=[rr("example", 6, b"\x02ns\xc0\x0c\x04host\xc0\x0c" + struct.pack(">IIIII", 1, 2, 3, 4, 5))]),
                   q("nosuch.example")))
put("upstream", up(answer("example.com", [], flags=0x8380)))  # TC set
put("upstream", up(answer("example.com", [rr(PTR, 1, A("1.2.3.4"))], add=[b"\x00" + struct.pack(">HHIH", 41, 4096, 0, 0)])))
put("upstream", up(answer("example.com", [rr(PTR, 1, A("1.2.3.4"))]), wrong_id=True))
put("upstream", up(answer("example.com", [rr(PTR, 1, A("1.2.3.4"))], flags=0x0100)))  # not a response
put("upstream", up(answer("example.com", [rr(b"\xc0\x0c", 1, A("1.2.3"))])))  # short rdata
put("upstream", up(answer("example.com", [rr(b"\xc0\xff", 1, A("1.2.3.4"))])))  # pointer past the end
put("upstream", up(answer("example.com", [rr(PTR, 1, A("1.2.3.4"))], qd=0)))
put("upstream", up(answer("example.com", [rr(PTR, 1, A("1.2.3.4"))]), q("example.com", 1, 0x1234, 0x0100, 4096), tcp=True))
put("upstream", up(answer("2.0.0.10.in-addr.arpa", [rr(PTR, 12, b"\x03web\x00")], qtype=12), q("2.0.0.10.in-addr.arpa", 12)))

# ---- docker load: manifest.json and index.json ---------------------------
H = "sha256:" + "ab" * 32
for d in [[{"Config": "blobs/sha256/" + "ab" * 32, "RepoTags": ["busybox:latest", "127.0.0.1:5000/app:v1"],
            "Layers": ["blobs/sha256/" + "cd" * 32, "blobs/sha256/" + "ef" * 32],
            "LayerSources": {H: {"mediaType": "application/vnd.oci.image.layer.v1.tar", "size": 1, "digest": H}}}],
          [{"Config": "ab.json", "RepoTags": None, "Layers": ["0123/layer.tar"]}],
          [{"Config": "c.json", "Layers": []}, {"Config": "d.json", "RepoTags": ["x@" + H, "UPPER", "a:b:c"], "Layers": ["l"]}],
          [{"Config": 1, "Layers": []}], [{"Config": "c", "Layers": "l"}], [{"Config": "c", "Layers": [1]}],
          [{"Config": "c", "Layers": [], "RepoTags": "busybox"}], [], {}, [1, 2]]:
    put("load", json.dumps(d))
for d in [{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
           "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": H, "size": 1,
                          "annotations": {"io.containerd.image.name": "docker.io/library/busybox:latest",
                                          "org.opencontainers.image.ref.name": "latest"}}]},
          {"schemaVersion": 2, "manifests": [{"digest": H, "annotations": {"org.opencontainers.image.ref.name": "latest"}},
                                             {"digest": H, "annotations": {"org.opencontainers.image.ref.name": "repo/x:1"}},
                                             {"digest": H, "annotations": {"io.containerd.image.name": "x@" + H}}]},
          {"manifests": [{"size": 1}]}, {"manifests": {}}, {"schemaVersion": 2}]:
    put("load", json.dumps(d))
put("load", '[{"Config":"c","Layers":[],"RepoTags":["' + "a" * 300 + '"]}]')

# ---- daemon.json ---------------------------------------------------------
for d in [{"hosts": ["unix:///run/b.sock", "tcp://127.0.0.1:2375"], "data-root": "/var/lib/b",
           "insecure-registries": ["127.0.0.1:5000"], "registry-mirrors": ["https://m.example/"],
           "debug": True, "log-level": "warn", "labels": ["a=b"], "bridge": "br0", "bip": "10.9.0.1/24",
           "default-address-pools": [{"base": "10.10.0.0/16", "size": 24}], "dns": ["1.1.1.1"],
           "dns-search": ["x"], "dns-opts": ["ndots:1"], "host-gateway-ip": "10.0.0.1",
           "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1, "Hard": 2}},
           "log-driver": "json-file", "log-opts": {"max-size": "1m"}},
          {"tls": True, "tlsverify": True, "tlscacert": "/c", "tlscert": "/d", "tlskey": "/k",
           "api-cors-header": "*", "group": "g"}, {"unknown": 1, "other": 2}, {"debug": "yes"},
          {"hosts": ["tcp://0.0.0.0"]}, {"bridge": "-bad"}, {"dns": ["nope"]}]:
    put("daemon_json", json.dumps(d))
put("daemon_json", "{")
put("daemon_json", "[]")
