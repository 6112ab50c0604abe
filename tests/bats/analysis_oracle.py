#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The rows usdtctl's aggregates must print, computed from the hits a fixture recorded.

analysis_oracle.py FIRES USDTCTL_JSON [--by KEYS] [--value count|stats|hist|lhist:MIN,MAX,STEP]
                   [--glob GLOB [--not]] [--where PYEXPR] [--top N] [--intervals]

FIRES holds "req<TAB>TID<TAB>NAME<TAB>VALUE" per hit (tests/fixtures/analysis_target.c) for
the probe an:req(str name, int value); USDTCTL_JSON is usdtctl's --json output. --glob keeps
the hits whose name matches, as --filter 'arg0 == "GLOB"' does (--not: '!='); --where keeps the
hits for which the Python expression holds (t: tid, name, v: value); --intervals adds up the rows of
all -i intervals first. Prints what differs and exits 1, or exits 0 when every row is equal.
"""
import argparse
import json
import re
import sys

KEY_MAX = 64  # bytes of a string key
STR_MAX = 128  # bytes of a string a filter compares
I64 = 1 << 64


def c_div(s, n):
    """s / n as C divides: toward zero."""
    q = abs(s) // n
    return q if s >= 0 else -q


def wrap(v):
    """v as a signed 64-bit integer, as BPF's sums wrap."""
    v %= I64
    return v - I64 if v >= 1 << 63 else v


def glob_re(g):
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in g),
                      re.S)


def bucket(v, value):
    if value == "hist":
        if v < 0:
            return (-(1 << 63), 0)
        if v == 0:
            return (0, 1)
        k = v.bit_length() - 1
        return (1 << k, 1 << (k + 1))
    lo, hi, step = (int(x) for x in value.split(":")[1].split(","))
    if v < lo:
        return (-(1 << 63), lo)
    if v >= hi:
        return (hi, 1 << 63)
    k = (v - lo) // step
    return (lo + k * step, lo + (k + 1) * step)


def key_part(part, tid, name, value):
    if part == "arg0":
        return name[:KEY_MAX]  # a longer one is marked in by_truncated, not edited
    if part == "arg1":
        return value
    if part == "tid":
        return tid
    raise SystemExit(f"analysis_oracle: key {part} not supported")


def expected(args):
    by = [k for k in args.by.split(",") if k and k != "probe"]
    match = glob_re(args.glob) if args.glob is not None else None
    rows = {}
    with open(args.fires) as f:
        for line in f:
            kind, tid, name, value = line.rstrip("\n").split("\t")
            if kind != "req":
                continue
            tid, value = int(tid), int(value)
            if match and bool(match.fullmatch(name[:STR_MAX])) == args.negate:
                continue
            if args.where and not eval(args.where, {}, {"t": tid, "name": name, "v": value}):
                continue
            key = tuple((k, key_part(k, tid, name, value)) for k in by)
            cut = "arg0" in by and len(name) > KEY_MAX
            r = rows.setdefault(key + (cut,), {"provider": "an", "name": "req", "by": dict(key),
                                               "count": 0, "sum": 0, "values": []})
            if cut:
                r["by_truncated"] = ["arg0"]
            r["count"] += 1
            r["sum"] = wrap(r["sum"] + value)
            r["values"].append(value)
    for r in rows.values():
        vals = r.pop("values")
        if args.value == "stats":
            r["min"], r["max"] = min(vals), max(vals)
            r["avg"] = c_div(r["sum"], r["count"])
        else:
            del r["sum"]
        if args.value.startswith(("hist", "lhist")):
            counts = {}
            for v in vals:
                b = bucket(v, args.value)
                counts[b] = counts.get(b, 0) + 1
            r["hist"] = [{"ge": b[0], "lt": b[1], "count": c} for b, c in sorted(counts.items())]
    out = list(rows.values())
    if args.top:
        field = "sum" if args.value == "stats" else "count"
        out.sort(key=lambda r: -r[field])
        if len(out) > args.top and out[args.top - 1][field] == out[args.top][field]:
            raise SystemExit("analysis_oracle: a tie at the --top boundary: pick another case")
        out = out[:args.top]
    return out


def actual(args):
    rows = {}
    with open(args.output) as f:
        for line in f:
            r = json.loads(line)
            if "summary" in r:
                continue
            r.pop("interval", None)
            if not args.intervals:
                k = json.dumps(r, sort_keys=True)
                if k in rows:
                    raise SystemExit(f"analysis_oracle: row printed twice: {k}")
                rows[k] = r
                continue
            k = json.dumps({"by": r["by"], "name": r["name"]}, sort_keys=True)
            if k in rows:
                merge(rows[k], r)
            else:
                rows[k] = r
    return list(rows.values())


def merge(a, b):
    """Adds interval row b into a: counts, sums, extremes and buckets."""
    a["count"] += b["count"]
    if "sum" in a:
        a["sum"] = wrap(a["sum"] + b["sum"])
        a["min"] = min(a["min"], b["min"])
        a["max"] = max(a["max"], b["max"])
        a["avg"] = c_div(a["sum"], a["count"])
    if "hist" in a:
        counts = {}
        for h in a["hist"] + b["hist"]:
            counts[(h["ge"], h["lt"])] = counts.get((h["ge"], h["lt"]), 0) + h["count"]
        a["hist"] = [{"ge": g, "lt": l, "count": c} for (g, l), c in sorted(counts.items())]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fires")
    ap.add_argument("output")
    ap.add_argument("--by", default="")
    ap.add_argument("--value", default="count")
    ap.add_argument("--glob")
    ap.add_argument("--not", dest="negate", action="store_true")
    ap.add_argument("--where")
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--intervals", action="store_true")
    args = ap.parse_args()
    want = {json.dumps(r, sort_keys=True) for r in expected(args)}
    got = {json.dumps(r, sort_keys=True) for r in actual(args)}
    if not want:
        raise SystemExit("analysis_oracle: no hit expected: the case tests nothing")
    for r in sorted(want - got):
        print("missing:   " + r)
    for r in sorted(got - want):
        print("unexpected: " + r)
    sys.exit(want != got)


if __name__ == "__main__":
    main()
