# SPDX-License-Identifier: Apache-2.0
"""The Python SDK's flows as its users write them (issue 14), against berthd.

Usage: python3 docker_py_flows.py BASE_URL REGISTRY CONTEXT_DIR
Prints one line per check: "ok<TAB>desc" or "fail<TAB>desc<TAB>detail"
(tests/helpers/lib.sh's tap_lines turns them into TAP).
"""
import io
import socket
import sys
import threading
import time
import traceback

import docker

base_url, registry, ctx_dir = sys.argv[1:4]
client = docker.DockerClient(base_url=base_url, version="auto", timeout=60)
api = client.api


def say(ok, desc, detail=""):
    detail = str(detail).replace("\n", "\\n").replace("\t", " ")[:400]
    print(("ok\t%s" % desc) if ok else ("fail\t%s\t%s" % (desc, detail)), flush=True)


def flow(name):
    def wrap(fn):
        try:
            fn()
        except Exception as e:  # a flow that raises is one failure, with the trace
            say(False, name + " raised", traceback.format_exc(limit=3) + repr(e))
        return fn
    return wrap


image = registry + "/busybox:latest"


@flow("images.pull with progress")
def _pull():
    events = list(api.pull(registry + "/app1", tag="latest", stream=True, decode=True))
    statuses = [e.get("status", "") for e in events]
    say(any(s.startswith("Pulling from") for s in statuses), "api.pull(stream=True, decode=True) says 'Pulling from'", statuses[:3])
    say(any("progressDetail" in e for e in events), "... with progressDetail objects", events[:3])
    say(any(s.startswith("Digest: sha256:") for s in statuses), "... and the digest", statuses[-3:])
    img = client.images.pull(image)
    say(image in img.tags, "images.pull returns the Image with its tag", img.tags)


@flow("containers.run detach + logs follow")
def _run_logs():
    c = client.containers.run(image, ["sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done"],
                              detach=True, name="pyflow-logs")
    say(c.status in ("created", "running"), "containers.run(detach=True) returns a Container", c.status)
    lines = [chunk.decode().strip() for chunk in c.logs(stream=True, follow=True)]
    say([l for l in lines if l] == ["line1", "line2", "line3"], "logs(stream=True, follow=True) yields every line and ends at exit", lines)
    res = c.wait(timeout=30)
    say(res.get("StatusCode") == 0, "wait() gives StatusCode 0", res)
    c.remove()


@flow("images.build streamed")
def _build():
    with open(ctx_dir + "/Dockerfile", "w") as f:
        f.write("FROM %s\nRUN echo building-now\nCMD [\"echo\", \"built-by-py\"]\n" % image)
    logs = list(api.build(path=ctx_dir, tag="pyflow-built", decode=True, rm=True))
    text = "".join(e.get("stream", "") for e in logs)
    say("building-now" in text, "api.build(decode=True) streams the RUN output", text[-200:])
    say(any("aux" in e and "ID" in e["aux"] for e in logs), "... and the aux ID", logs[-3:])
    img, gen = client.images.build(path=ctx_dir, tag="pyflow-built2")
    say("pyflow-built2:latest" in img.tags and len(list(gen)) > 0, "images.build returns (Image, log generator)", img.tags)
    out = client.containers.run("pyflow-built", remove=True).decode().strip()
    say(out == "built-by-py", "the built image runs", out)


@flow("exec_run stream demux")
def _exec():
    c = client.containers.run(image, ["sleep", "60"], detach=True, name="pyflow-exec")
    res = c.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True)
    say(res.exit_code == 0 and res.output == (b"out\n", b"err\n"), "exec_run(demux=True) splits stdout and stderr", res)
    res = c.exec_run(["sh", "-c", "echo a; echo b >&2; echo c"], stream=True, demux=True)
    got_out, got_err = b"", b""
    for o, e in res.output:
        got_out += o or b""
        got_err += e or b""
    say(got_out == b"a\nc\n" and got_err == b"b\n", "exec_run(stream=True, demux=True) yields (stdout, stderr) pairs", (got_out, got_err))
    c.remove(force=True)


@flow("attach_socket")
def _attach():
    c = client.containers.create(image, ["cat"], stdin_open=True, name="pyflow-attach")
    sock = c.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
    raw = sock._sock if hasattr(sock, "_sock") else sock
    c.start()
    raw.sendall(b"hello through attach\n")
    raw.settimeout(10)
    data = b""
    deadline = time.time() + 10
    while b"hello through attach" not in data and time.time() < deadline:
        chunk = raw.recv(4096)
        if not chunk:
            break
        data += chunk
    say(b"hello through attach" in data, "attach_socket: stdin reaches the container and its output comes back", data[:80])
    raw.shutdown(socket.SHUT_WR)
    res = c.wait(timeout=30)
    say(res.get("StatusCode") == 0, "closing the write side ends cat", res)
    c.remove()


@flow("events decode")
def _events():
    since = int(time.time()) - 1
    c = client.containers.run(image, ["true"], detach=True, name="pyflow-events")
    c.wait(timeout=30)
    c.remove()
    until = int(time.time()) + 1
    evs = list(client.events(since=since, until=until, decode=True,
                             filters={"type": "container", "container": "pyflow-events"}))
    actions = [e.get("Action") for e in evs]
    say(actions[:2] == ["create", "start"] and "die" in actions and actions[-1] == "destroy",
        "events(decode=True) gives create, start, die, destroy as dicts", actions)
    say(all(isinstance(e.get("timeNano"), int) for e in evs), "... each with timeNano", evs[:1])
    got = []
    stream = client.events(decode=True, filters={"type": "container", "event": "start"})

    def reader():
        for e in stream:
            got.append(e)
            break
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    # client.events() returns once the response headers came: subscribed
    c = client.containers.run(image, ["true"], detach=True, name="pyflow-events2")
    t.join(15)
    stream.close()
    say(len(got) == 1 and got[0]["Actor"]["Attributes"]["name"] == "pyflow-events2",
        "a live events(decode=True) stream sees a start as it happens", got)
    c.remove(force=True)


@flow("networks.create + connect")
def _networks():
    net = client.networks.create("pyflow-net", driver="bridge", labels={"flow": "py"})
    say(net.attrs.get("Driver") == "bridge" or client.networks.get(net.id).attrs["Driver"] == "bridge",
        "networks.create makes a bridge network", net.attrs)
    srv = client.containers.run(image, ["sleep", "60"], detach=True, name="pyflow-srv")
    net.connect(srv, aliases=["svc"])
    net.reload()
    say(srv.id in [c.id for c in net.containers], "network.connect attaches the container", [c.name for c in net.containers])
    cli = client.containers.run(image, ["sleep", "60"], detach=True, name="pyflow-cli", network="pyflow-net")
    res = cli.exec_run(["nslookup", "svc", "127.0.0.11"])
    say(res.exit_code == 0 and b"Address" in res.output, "the alias resolves from another container on the network", res.output[-200:])
    net.disconnect(srv)
    net.reload()
    say(srv.id not in [c.id for c in net.containers], "network.disconnect detaches it", [c.name for c in net.containers])
    cli.remove(force=True)
    srv.remove(force=True)
    net.remove()
    say(not client.networks.list(names=["pyflow-net"]), "network.remove deletes it")
