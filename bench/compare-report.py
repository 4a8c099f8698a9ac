#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/compare's report: reads the samples bench/compare recorded
(SAMPLES: "figure daemon value" lines; META: key=value lines), prints
min/median/max per daemon, the ratio of medians and each figure's target
beside the floors, writes the JSON and one SVG chart of the ratios.

    compare-report.py SAMPLES META OUT.json OUT.svg
"""
import json
import math
import statistics
import sys

# figure: (title, unit, higher_is_better, target text)
FIGURES = [
    ("version", "docker version (CLI floor)", "ms", False, "floor"),
    ("nsfloor", "kernel floor: ns + overlay + veth + exec", "ms", False, "floor"),
    ("run_rm", "docker run --rm busybox true", "ms", False, "<= 2x CLI floor, >= 8x dockerd"),
    ("create", "docker create", "ms", False, "CLI-bound"),
    ("start_a", "docker start -a (created)", "ms", False, "<= 2x CLI floor"),
    ("rm", "docker rm", "ms", False, "CLI-bound"),
    ("create_api", "POST /containers/create (curl)", "ms", False, "<= 2 ms"),
    ("rm_api", "DELETE /containers/{id} (curl)", "ms", False, "<= 2 ms"),
    ("exec", "docker exec c true", "ms", False, "<= CLI floor + 8 ms, >= 3x dockerd"),
    ("par20", "20 x docker run -d in parallel", "ms", False, ">= 8x dockerd"),
    ("pull", "pull 5 layers / 52 MB", "ms", False, ">= 3.5x dockerd"),
    ("build_cached", "cached build, 4 steps", "ms", False, "= CLI floor (<= +10%)"),
    ("build_nocache", "--no-cache build, 4 steps", "ms", False, ">= 10x dockerd"),
    ("wrk_ping", "wrk -t2 -c16 /_ping", "req/s", True, ">= 2x dockerd"),
    ("wrk_containers", "wrk /containers/json?all=1 (50+)", "req/s", True, ">= 10x dockerd"),
    ("wrk_images", "wrk /images/json", "req/s", True, "keep (>= 15x)"),
    ("rss_idle", "daemon RSS idle", "MiB", False, "<= 8 MiB"),
    ("rss_load", "daemon RSS under load", "MiB", False, "-"),
    ("rss_after", "daemon RSS idle after load", "MiB", False, "<= idle + 2 MiB"),
    ("pss_shim", "Pss per running container (shim)", "MiB", False, "<= 0.25 MiB"),
    ("ps_1000", "docker ps -a, 1000 containers", "ms", False, "<= 50 ms"),
    ("run_1000", "docker run --rm, 1000 containers", "ms", False, "-"),
    ("net_create", "docker network create", "ms", False, "-"),
    ("net_connect", "docker network connect (running)", "ms", False, "-"),
    ("net_lookup", "docker exec c nslookup peer", "ms", False, "-"),
    ("compose_up", "docker-compose up -d (6004 project)", "ms", False, "-"),
]


def stats(v):
    return {"min": min(v), "median": statistics.median(v), "max": max(v), "n": len(v)}


def main():
    samples_f, meta_f, out_json, out_svg = sys.argv[1:5]
    samples, fails, meta = {}, {}, {}
    with open(meta_f) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    with open(samples_f) as f:
        for line in f:
            p = line.split()
            if len(p) != 3:
                continue
            if p[2] == "FAIL":
                fails.setdefault(p[0], {}).setdefault(p[1], 0)
                fails[p[0]][p[1]] += 1
                continue
            samples.setdefault(p[0], {}).setdefault(p[1], []).append(float(p[2]))

    med = lambda fig, d: statistics.median(samples[fig][d]) if d in samples.get(fig, {}) else None
    floor = {d: med("version", d) for d in ("berth", "dockerd")}
    kfloor = med("nsfloor", "kernel")

    def met(key, b, ratio):
        fb = floor.get("berth")
        if b is None:
            return None
        if key == "run_rm":
            return fb is not None and b <= 2 * fb and (ratio is None or ratio >= 8)
        if key == "start_a":
            return fb is not None and b <= 2 * fb
        if key == "exec":
            return fb is not None and b <= fb + 8 and (ratio is None or ratio >= 3)
        if key in ("create_api", "rm_api"):
            return b <= 2
        if key == "build_cached":
            return fb is not None and b <= fb * 1.1
        if key == "rss_idle":
            return b <= 8
        if key == "rss_after":
            idle = med("rss_idle", "berth")
            return idle is not None and b <= idle + 2
        if key == "pss_shim":
            return b <= 0.25
        if key == "ps_1000":
            return b <= 50
        need = {"par20": 8, "pull": 3.5, "build_nocache": 10, "wrk_ping": 2,
                "wrk_containers": 10, "wrk_images": 15}.get(key)
        if need is not None and ratio is not None:
            return ratio >= need
        return None

    out = {"date": meta.get("date"), "meta": meta, "floors": {
        "cli_docker_version_ms": floor, "kernel_ns_overlay_veth_exec_ms": kfloor}, "figures": []}
    print(f"\n# bench/compare {meta.get('date', '')}  {meta.get('mode', '')}  "
          f"(nproc {meta.get('nproc', '?')}, load {meta.get('load', '?')})")
    print(f"# CLI {meta.get('cli', '?')}; dockerd {meta.get('dockerd_version', '-')}; "
          f"berthd {meta.get('berthd', '?')}")
    hdr = f"{'figure':<46} {'unit':<6} {'berth min/med/max':>26} {'dockerd min/med/max':>26} {'ratio':>7}  target"
    print(hdr)
    print("-" * len(hdr))
    num = lambda v: f"{v:.0f}" if v >= 1000 else f"{v:.4g}"
    fmt = lambda s: "-" if s is None else f"{num(s['min'])}/{num(s['median'])}/{num(s['max'])}"
    for key, title, unit, higher, target in FIGURES:
        if key not in samples and key not in fails:
            continue
        per = {d: stats(v) for d, v in samples.get(key, {}).items()}
        b, d = per.get("berth"), per.get("dockerd")
        if key == "nsfloor":
            b = per.get("kernel")
        ratio = None
        if b and d and b["median"] > 0 and d["median"] > 0:
            ratio = b["median"] / d["median"] if higher else d["median"] / b["median"]
        ok = met(key, b["median"] if b else None, ratio)
        extra = ""
        if key == "pull" and b and meta.get("pull_bytes"):
            mb = int(meta["pull_bytes"]) / 1e6
            rates = {n: round(mb / (s["median"] / 1000), 1) for n, s in per.items()}
            extra = "  MB/s " + " ".join(f"{n} {r}" for n, r in rates.items())
            per["mb_per_s"] = rates
        f = fails.get(key, {})
        if f:
            extra += "  FAILED " + " ".join(f"{n}:{c}" for n, c in f.items())
        mark = {True: "met", False: "NOT met", None: ""}[ok]
        rtxt = f"{ratio:.2f}x" if ratio else "-"
        print(f"{title:<46} {unit:<6} {fmt(b):>26} {fmt(d):>26} {rtxt:>7}  {target} {mark}{extra}")
        out["figures"].append({"figure": key, "title": title, "unit": unit,
                               "higher_is_better": higher, "berth": b, "dockerd": d,
                               "ratio_dockerd_over_berth": ratio, "target": target,
                               "target_met": ok, "failures": f,
                               **({"mb_per_s": per["mb_per_s"]} if "mb_per_s" in per else {})})
    with open(out_json, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    svg(out, out_svg)
    print(f"\n# JSON {out_json}\n# SVG  {out_svg}")


def svg(out, path):
    rows = [x for x in out["figures"] if x["ratio_dockerd_over_berth"]]
    W, left, right, rh, top = 900, 330, 60, 22, 50
    H = top + rh * max(len(rows), 1) + 40
    lo, hi = 0.5, 64.0
    span = right_x = W - right
    span = right_x - left
    x = lambda r: left + span * (math.log2(max(lo, min(hi, r))) - math.log2(lo)) / (math.log2(hi) - math.log2(lo))
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">berthd vs dockerd: ratio of medians '
         f'(how many times better berth is; log scale) {esc(out.get("date") or "")}</text>']
    for t in (0.5, 1, 2, 4, 8, 16, 32, 64):
        o.append(f'<line x1="{x(t):.1f}" y1="{top - 8}" x2="{x(t):.1f}" y2="{H - 30}" stroke="{"#000" if t == 1 else "#ddd"}"/>')
        o.append(f'<text x="{x(t):.1f}" y="{H - 15}" text-anchor="middle">{t:g}x</text>')
    for i, r in enumerate(rows):
        y = top + i * rh
        v = r["ratio_dockerd_over_berth"]
        x0, x1 = sorted((x(1), x(v)))
        col = "#2a7" if v >= 1 else "#c33"
        o.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{esc(r["title"])}</text>')
        o.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" height="{rh - 6}" fill="{col}"/>')
        o.append(f'<text x="{x(v) + 4 if v >= 1 else x(1) + 4:.1f}" y="{y + 14}">{v:.2f}x</text>')
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


if __name__ == "__main__":
    main()
