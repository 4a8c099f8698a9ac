#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A fault-injecting HTTP proxy in front of a real registry (tests only).

    faultproxy.py UPSTREAM_PORT PORT_FILE LOG_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE once listening) and
forwards every request to 127.0.0.1:UPSTREAM_PORT unchanged, except the GETs
of one blob chosen by the test, to which it applies a queue of faults:

    GET /_fault?digest=sha256:...&plan=P    (answers 200 "ok")

P is a comma-separated list, one entry per successive GET of that blob; an
entry ending in '*' repeats for ever; after the list, GETs pass through.
An entry is one or more of these joined by '+':

    500        answer 500 Internal Server Error (registry JSON error body)
    cut=N      send the headers and N bytes of the body, then drop the connection
    flip=N     flip the bits of the body's byte at offset N (clamped to the end)
    slow=MS    sleep MS milliseconds before each 8 KiB of the body
    norange    drop the request's Range header (a server without Range support)
    ok         pass through

Every blob GET is logged to LOG_FILE as "<digest> <range or -> <status> <fault>".
"""
import http.client
import http.server
import os
import socketserver
import sys
import threading
import time
import urllib.parse

UPSTREAM = int(sys.argv[1])
PORT_FILE, LOG_FILE = sys.argv[2], sys.argv[3]
HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"}
state = {"digest": None, "plan": [], "lock": threading.Lock()}


def next_fault(digest):
    """The fault entry for this GET of @digest, as a dict."""
    with state["lock"]:
        if digest != state["digest"] or not state["plan"]:
            return {}
        entry = state["plan"][0]
        if entry.endswith("*"):
            entry = entry[:-1]
        else:
            state["plan"].pop(0)
    fault = {}
    for tok in entry.split("+"):
        k, _, v = tok.partition("=")
        fault[k] = int(v) if v else True
    fault["name"] = entry
    return fault


def log(line):
    with state["lock"], open(LOG_FILE, "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: close-delimited bodies work

    def log_message(self, *args):
        pass

    def control(self):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        with state["lock"]:
            state["digest"] = q.get("digest", [None])[0]
            plan = q.get("plan", [""])[0]
            state["plan"] = [p for p in plan.split(",") if p]
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def forward(self):
        if self.path.startswith("/_fault"):
            return self.control()
        parts = self.path.split("?")[0].split("/")
        digest = parts[-1] if len(parts) > 3 and parts[-2] == "blobs" else None
        fault = next_fault(digest) if self.command == "GET" and digest else {}
        # a list: the client sends several Accept lines
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP]
        if fault.get("norange"):
            headers = [(k, v) for k, v in headers if k.lower() != "range"]
        rng = next((v for k, v in headers if k.lower() == "range"), "-")
        if fault.get("500"):
            body = b'{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}\n'
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            log("%s %s 500 %s" % (digest, rng, fault["name"]))
            return
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.end_headers()
        if digest:
            log("%s %s %d %s" % (digest, rng, resp.status, fault.get("name", "-")))
        self.copy_body(resp, fault)
        conn.close()

    def copy_body(self, resp, fault):
        sent, cut, flip = 0, fault.get("cut"), fault.get("flip")
        flip = None if flip is None or flip is True else flip
        data = resp.read() if flip is not None else None
        if data is not None:
            if data:
                i = min(flip, len(data) - 1)
                data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
            chunks = [data[i:i + 8192] for i in range(0, len(data), 8192)]
        else:
            chunks = iter(lambda: resp.read(8192), b"")
        for chunk in chunks:
            if fault.get("slow"):
                time.sleep(fault["slow"] / 1000.0)
            if cut is not None and sent + len(chunk) >= cut:
                self.wfile.write(chunk[:cut - sent])
                self.wfile.flush()
                self.connection.shutdown(2)  # the registry "dies" mid-blob
                self.close_connection = True
                return
            self.wfile.write(chunk)
            sent += len(chunk)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
srv.serve_forever()
