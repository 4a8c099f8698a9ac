#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# A minimal DNS client and fake upstream for tests/integration/4003-dns.sh
# and 4007-dns-containers.sh
# (Debian's python3 has no DNS module; messages are packed by hand here, in
# the test only).
#
#   dnsq.py query SERVER NAME TYPE [tcp]  -> "rcode N" then one answer per line
#   dnsq.py hostile SERVER KIND           -> "rcode N" or "noreply"
#   dnsq.py upstream PORT [ADDR [IP]]     -> fake upstream on ADDR:PORT (127.0.0.1)
#                                            answering example.test with IP (192.0.2.7)
#   dnsq.py flood SERVER SECONDS          -> sends random queries as fast as it can
import random
import socket
import struct
import sys

TYPES = {"A": 1, "PTR": 12, "MX": 15, "AAAA": 28}


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query_wire(qid, name, qtype):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name_wire(name) + struct.pack(">HH", qtype, 1)


def read_name(msg, off):
    labels, jumps, end = [], 0, None
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumps += 1
            if jumps > 20:
                raise ValueError("loop")
            continue
        if n == 0:
            return ".".join(labels), (end if end is not None else off + 1)
        labels.append(msg[off + 1:off + 1 + n].decode())
        off += 1 + n


def parse(msg):
    qid, flags, qd, an, _, _ = struct.unpack(">HHHHHH", msg[:12])
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    answers = []
    for _ in range(an):
        _, off = read_name(msg, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        if rtype == 1:
            answers.append(socket.inet_ntop(socket.AF_INET, rdata))
        elif rtype == 28:
            answers.append(socket.inet_ntop(socket.AF_INET6, rdata))
        elif rtype == 12:
            answers.append(read_name(msg, off)[0])
        off += rdlen
    return qid, flags, answers


def exchange(server, msg, tcp, timeout=2.0):
    if tcp:
        s = socket.create_connection((server, 53), timeout=timeout)
        s.sendall(struct.pack(">H", len(msg)) + msg)
        hdr = b""
        while len(hdr) < 2:
            chunk = s.recv(2 - len(hdr))
            if not chunk:
                return None
            hdr += chunk
        (n,) = struct.unpack(">H", hdr)
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        s.close()
        return data
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(msg, (server, 53))
    try:
        return s.recv(65535)
    except socket.timeout:
        return None


def cmd_query(server, name, qtype, tcp=False):
    qid = random.randint(1, 65535)
    reply = exchange(server, query_wire(qid, name, TYPES[qtype]), tcp)
    if reply is None:
        print("noreply")
        return 1
    rid, flags, answers = parse(reply)
    if rid != qid:
        print("bad id")
        return 1
    print("rcode %d" % (flags & 0xF))
    if flags & 0x0200:
        print("truncated")
    for a in answers:
        print(a)
    return 0


def cmd_hostile(server, kind):
    hdr = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    tcp = False
    if kind == "truncated":
        msg = hdr + b"\x03we"
    elif kind == "loop":
        msg = hdr + b"\xc0\x0c\x00\x01\x00\x01"
    elif kind == "loop2":
        msg = hdr + b"\x01a\xc0\x0e\x00\x01\x00\x01"
    elif kind == "big-tcp":
        body = bytes((63 if i % 64 == 0 else 0x61) for i in range(65535 - 12))
        msg, tcp = hdr + body, True
    elif kind == "big-udp":
        body = bytes((63 if i % 64 == 0 else 0x61) for i in range(65507 - 12))
        msg = hdr + body
    elif kind == "many":
        msg = struct.pack(">HHHHHH", 0x4242, 0x0100, 500, 0, 0, 0) + (name_wire("web") + b"\0\1\0\1") * 500
    elif kind == "garbage":
        random.seed(11)
        msg = hdr + bytes(random.randrange(256) for _ in range(300))
    elif kind == "short":
        msg = b"\x42\x42\x01"
    else:
        raise SystemExit("unknown kind " + kind)
    reply = exchange(server, msg, tcp, timeout=1.0)
    if reply is None:
        print("noreply")
    else:
        print("rcode %d" % (struct.unpack(">H", reply[2:4])[0] & 0xF))
    return 0


EXAMPLE_IP = "192.0.2.7"


def answer(msg, tcp):
    qid, flags, _ = parse(msg)[0], None, None
    name, off = read_name(msg, 12)
    question = msg[12:off + 4]
    rcode, records, tc = 3, b"", False
    if name == "example.test":
        rcode, records = 0, struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(EXAMPLE_IP)
    elif name == "big.test":
        if tcp:
            rcode, records = 0, struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("192.0.2.8")
        else:
            rcode, tc = 0, True
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    return struct.pack(">HHHHHH", qid, flags, 1, 1 if records else 0, 0, 0) + question + records


def cmd_flood(server, seconds):
    import time
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        name = "f%d.%s" % (n, random.choice(["flood.test", "nosuch", "x.flood"]))
        try:
            s.sendto(query_wire(n & 0xFFFF, name, 1), (server, 53))
        except (BlockingIOError, ConnectionRefusedError):
            pass
        try:
            while True:
                s.recv(4096)
        except (BlockingIOError, ConnectionRefusedError):
            pass
        n += 1
    print("sent %d" % n)
    return 0


def cmd_upstream(port, addr="127.0.0.1"):
    import select
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, port))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, port))
    t.listen(8)
    print("ready", flush=True)
    while True:
        r, _, _ = select.select([u, t], [], [])
        if u in r:
            msg, peer = u.recvfrom(4096)
            u.sendto(answer(msg, False), peer)
        if t in r:
            c, _ = t.accept()
            c.settimeout(2)
            try:
                n = struct.unpack(">H", c.recv(2))[0]
                msg = c.recv(n)
                out = answer(msg, True)
                c.sendall(struct.pack(">H", len(out)) + out)
            except (OSError, struct.error):
                pass
            c.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "query":
        sys.exit(cmd_query(a[1], a[2], a[3], len(a) > 4 and a[4] == "tcp"))
    if a[0] == "hostile":
        sys.exit(cmd_hostile(a[1], a[2]))
    if a[0] == "flood":
        sys.exit(cmd_flood(a[1], float(a[2])))
    if a[0] == "upstream":
        if len(a) > 3:
            EXAMPLE_IP = a[3]
        cmd_upstream(int(a[1]), a[2] if len(a) > 2 else "127.0.0.1")
