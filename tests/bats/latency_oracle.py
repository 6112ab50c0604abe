#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Checks usdtctl latency's rows against the pairs a fixture timed itself.

latency_oracle.py FIRES USDTCTL_JSON [--by-name] [--slower NS]

FIRES holds "pair<TAB>NAME<TAB>TID_START<TAB>TID_DONE<TAB>INNER_NS<TAB>OUTER_NS" per pair
(tests/fixtures/latency_target.c): BPF's time of a pair lies between INNER and OUTER. Per key
(the name with --by-name, else one row): the count must be equal; min, max and avg between the
fixture's inner and outer ones; each histogram bucket (microseconds, log2) between the pairs
certainly in it and those that may be. --slower NS: every pair with INNER >= NS must be
reported as slow, none with OUTER < NS. Prints what is wrong and exits 1, else exits 0.
"""
import argparse
import json
import sys


def bucket(ns):
    us = ns // 1000
    return 0 if us == 0 else us.bit_length()  # index: [0], [1], [2, 4), ...


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fires")
    ap.add_argument("output")
    ap.add_argument("--by-name", action="store_true")
    ap.add_argument("--slower", type=int, default=0)
    args = ap.parse_args()
    pairs = {}
    for line in open(args.fires):
        f = line.rstrip("\n").split("\t")
        if f[0] == "pair":
            pairs.setdefault(f[1] if args.by_name else "", []).append((int(f[4]), int(f[5])))
    rows, slow = {}, []
    for line in open(args.output):
        r = json.loads(line)
        if "duration_ns" in r:
            slow.append(r)
        elif "start" in r:
            rows[r["by"].get("arg1", "")] = r
    bad = []

    def check(what, lo, v, hi):
        if not lo <= v <= hi:
            bad.append(f"{what}: {v} not in [{lo}, {hi}]")

    if not pairs:
        raise SystemExit("latency_oracle: no pair recorded: the case tests nothing")
    if set(rows) != set(pairs):
        bad.append(f"keys: {sorted(rows)} != {sorted(pairs)}")
    for key, ps in pairs.items():
        r = rows.get(key)
        if not r:
            continue
        n = len(ps)
        if r["count"] != n:
            bad.append(f"{key}: count {r['count']} != {n}")
        check(f"{key} min_ns", min(p[0] for p in ps), r["min_ns"], min(p[1] for p in ps))
        check(f"{key} max_ns", max(p[0] for p in ps), r["max_ns"], max(p[1] for p in ps))
        check(f"{key} avg_ns", sum(p[0] for p in ps) // n, r["avg_ns"], -(-sum(p[1] for p in ps) // n))
        if "hist" in r:
            got = {bucket(max(b["ge"], 0) * 1000): b["count"] for b in r["hist"]}
            for b in set(got) | {bucket(p[0]) for p in ps}:
                sure = sum(1 for p in ps if bucket(p[0]) == bucket(p[1]) == b)
                may = sum(1 for p in ps if bucket(p[0]) <= b <= bucket(p[1]))
                check(f"{key} bucket {b}", sure, got.get(b, 0), may)
            if sum(got.values()) != n:
                bad.append(f"{key}: buckets add up to {sum(got.values())}, not {n}")
    if args.slower:
        allp = [p for ps in pairs.values() for p in ps]
        must = sum(1 for p in allp if p[0] >= args.slower)
        may = sum(1 for p in allp if p[1] >= args.slower)
        check("slow pairs", must, len(slow), may)
        for s in slow:
            if s["duration_ns"] < args.slower:
                bad.append(f"slow pair faster than --slower: {s}")
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
