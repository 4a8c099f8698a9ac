#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Offline consistency check of a berthd data root (an fsck for the crash
loop, tests/integration/9008-crash-loop.sh). Run it while berthd is up
after a restart, or while it is down.

    storecheck.py [--cache FILE] DATA_ROOT [PS_JSON]

PS_JSON, when given, is the body of GET /containers/json?all=1 taken from
the daemon serving DATA_ROOT: its IDs must be exactly the container
directories on disk (no container lost, none duplicated).

--cache FILE keeps the digests of files already hashed, keyed by inode,
size, mtime and ctime, from one run to the next: the crash loop checks
after every restart, and a blob written once is never rehashed (a blob
rewritten or replaced has a new key and is hashed again).

Prints one line per problem, "KIND<TAB>detail", and exits 1 when there is
any. KIND is one of: blob, image, layer, ref, temp, container, ps, volume,
network. Nothing printed and exit 0 when the root is consistent.

What it holds berth to (docs/reliability.md, "Crash consistency"):
  blob       every blobs/sha256/<hex> hashes to <hex>
  image      images/<hex>.json hashes to <hex>, is an image config, and
             every layer of its rootfs (by chain ID) is in the layer store;
             images/meta/<hex>.json belongs to an image
  layer      layers/<chain>/ has a meta.json naming that chain ID and a
             diff/, and its parent layer exists
  ref        refs.json parses and names only existing images
  temp       no temporary or half-removed name is visible once berthd has
             started: *.tmp.*, .tmp-*, .del-*, tmp/ entries
  container  containers/<id>/ has a config.json that parses, and a
             state.json that parses unless it is missing (a container
             never changed since create: "created")
  ps         the daemon lists exactly the containers on disk, once each
  volume     volumes/<name>/ has meta.json and _data/
  network    network records parse
"""
import hashlib
import json
import os
import re
import sys

HEX = re.compile(r"^[0-9a-f]{64}$")
problems = []
hash_cache = {}
hash_seen = {}  # what this run hashed or found: the next run's cache


def bad(kind, detail):
    problems.append((kind, detail))


def sha256_file(path):
    st = os.stat(path)
    key = "%d:%d:%d:%d" % (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key in hash_cache:
        hash_seen[key] = hash_cache[key]
        return hash_cache[key]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    hash_seen[key] = h.hexdigest()
    return hash_seen[key]


def load_json(path, kind):
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except FileNotFoundError:
        bad(kind, "%s is missing" % path)
    except (ValueError, OSError) as e:
        bad(kind, "%s does not parse: %s" % (path, e))
    return None


def is_temp(name):
    return ".tmp." in name or name.startswith(".tmp-") or name.startswith(".del-")


def walk_temps(root, skip):
    """Temporary names anywhere below root, not descending into content
    (layer diffs, container layers, volume data): those are user files."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for n in dirnames + filenames:
            if is_temp(n):
                bad("temp", "leftover '%s'" % os.path.join(dirpath, n))
        dirnames[:] = [d for d in dirnames
                       if not skip(os.path.join(rel, d)) and not is_temp(d)]


def skip_content(rel):
    parts = rel.split(os.sep)
    return ((len(parts) == 3 and parts[0] == "layers" and parts[2] == "diff") or
            (len(parts) == 3 and parts[0] == "containers" and parts[2] == "rw") or
            (len(parts) == 3 and parts[0] == "volumes" and parts[2] == "_data"))


def check_blobs(root):
    d = os.path.join(root, "blobs", "sha256")
    for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        p = os.path.join(d, n)
        if not HEX.match(n):
            if not is_temp(n):
                bad("blob", "unexpected name '%s'" % p)
            continue
        got = sha256_file(p)
        if got != n:
            bad("blob", "%s hashes to %s" % (p, got))
    t = os.path.join(root, "tmp")
    for n in os.listdir(t) if os.path.isdir(t) else []:
        bad("temp", "leftover '%s'" % os.path.join(t, n))


def chain_ids(diff_ids):
    out, parent = [], None
    for d in diff_ids:
        if parent is None:
            cur = d
        else:
            cur = "sha256:" + hashlib.sha256(("%s %s" % (parent, d)).encode()).hexdigest()
        out.append(cur)
        parent = cur
    return out


def check_layers(root):
    d = os.path.join(root, "layers")
    have = {}
    for n in os.listdir(d) if os.path.isdir(d) else []:
        if is_temp(n):
            continue  # reported by walk_temps
        if not HEX.match(n):
            bad("layer", "unexpected entry '%s'" % os.path.join(d, n))
            continue
        m = load_json(os.path.join(d, n, "meta.json"), "layer")
        if m is None:
            continue
        if m.get("chain_id") != "sha256:" + n:
            bad("layer", "%s: meta.json names chain %s" % (n, m.get("chain_id")))
        if not os.path.isdir(os.path.join(d, n, "diff")):
            bad("layer", "%s has no diff/" % n)
        have[n] = m
    for n, m in have.items():
        p = m.get("parent") or ""
        if p and p[7:] not in have:
            bad("layer", "%s: parent %s missing" % (n, p))
    return have


def check_images(root, layers):
    d = os.path.join(root, "images")
    ids = set()
    for n in os.listdir(d) if os.path.isdir(d) else []:
        p = os.path.join(d, n)
        if n == "meta" or is_temp(n):
            continue
        if not (n.endswith(".json") and HEX.match(n[:-5])):
            bad("image", "unexpected entry '%s'" % p)
            continue
        hexid = n[:-5]
        ids.add(hexid)
        if sha256_file(p) != hexid:
            bad("image", "%s does not hash to its name" % p)
            continue
        cfg = load_json(p, "image")
        if cfg is None:
            continue
        diff_ids = (cfg.get("rootfs") or {}).get("diff_ids") or []
        for i, c in enumerate(chain_ids(diff_ids)):
            lay = layers.get(c[7:])
            if lay is None:
                bad("image", "image %.12s: layer %d (%s) missing" % (hexid, i, c))
            elif lay.get("diff_id") != diff_ids[i]:
                bad("image", "image %.12s: layer %s has diff %s" % (hexid, c, lay.get("diff_id")))
    md = os.path.join(d, "meta")
    for n in os.listdir(md) if os.path.isdir(md) else []:
        if is_temp(n):
            continue
        if not n.endswith(".json") or n[:-5] not in ids:
            bad("image", "metadata '%s' of no image" % os.path.join(md, n))
            continue
        load_json(os.path.join(md, n), "image")
    return ids


def check_refs(root, images):
    p = os.path.join(root, "refs.json")
    if not os.path.exists(p):
        return
    refs = load_json(p, "ref")
    if refs is None:
        return
    table = refs.get("refs") if isinstance(refs, dict) else None
    if not isinstance(table, dict):
        bad("ref", "%s has no \"refs\" object" % p)
        return
    for name, target in table.items():
        t = target if isinstance(target, str) else json.dumps(target)
        m = re.search(r"sha256:([0-9a-f]{64})", t)
        if not m or m.group(1) not in images:
            bad("ref", "'%s' names %s, which is not an image" % (name, t))


def check_containers(root, images, ps_path):
    d = os.path.join(root, "containers")
    on_disk = set()
    for n in os.listdir(d) if os.path.isdir(d) else []:
        if n.startswith("."):
            continue
        on_disk.add(n)
        cfg = load_json(os.path.join(d, n, "config.json"), "container")
        st = os.path.join(d, n, "state.json")
        if os.path.lexists(st):
            load_json(st, "container")
        img = (cfg or {}).get("image_id") or ""
        if img and img[7:] not in images:
            bad("container", "%.12s: its image %s is gone" % (n, img))
    if not ps_path:
        return
    with open(ps_path, "rb") as f:
        ps = json.loads(f.read())
    listed = [c["Id"] for c in ps]
    for i in set(listed):
        if listed.count(i) > 1:
            bad("ps", "%.12s listed %d times" % (i, listed.count(i)))
    for i in set(listed) - on_disk:
        bad("ps", "%.12s listed but has no directory" % i)
    for i in on_disk - set(listed):
        bad("ps", "%.12s on disk but not listed (lost)" % i)


def check_volumes(root):
    d = os.path.join(root, "volumes")
    for n in os.listdir(d) if os.path.isdir(d) else []:
        if n.startswith("."):
            continue
        load_json(os.path.join(d, n, "meta.json"), "volume")
        if not os.path.isdir(os.path.join(d, n, "_data")):
            bad("volume", "%s has no _data" % n)


def check_networks(root):
    d = os.path.join(root, "network")
    for n in os.listdir(d) if os.path.isdir(d) else []:
        if n.endswith(".json") and not is_temp(n):
            load_json(os.path.join(d, n), "network")


def main():
    args = sys.argv[1:]
    cache = None
    if len(args) >= 2 and args[0] == "--cache":
        cache = args[1]
        args = args[2:]
        try:
            with open(cache) as f:
                hash_cache.update(json.load(f))
        except (OSError, ValueError):
            pass
    if len(args) not in (1, 2):
        sys.exit("usage: storecheck.py [--cache FILE] DATA_ROOT [PS_JSON]")
    root = args[0]
    check_blobs(root)
    layers = check_layers(root)
    images = check_images(root, layers)
    check_refs(root, images)
    check_containers(root, images, args[1] if len(args) == 2 else None)
    check_volumes(root)
    check_networks(root)
    walk_temps(root, skip_content)
    if cache:
        with open(cache + ".new", "w") as f:
            json.dump(hash_seen, f)
        os.replace(cache + ".new", cache)
    for kind, detail in problems:
        print("%s\t%s" % (kind, detail))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
