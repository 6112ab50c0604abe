#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# expect_oracle.py FIXTURE_OUT TRACE_JSON: the usdt_args fixture's "expect PROBE N V/SIZE ..."
# lines (tests/fixtures/usdt_args.h: V the 64-bit value, E an unreadable argument) against
# usdtctl trace --json's events, in order: each value taken at its size and sign, E as null.
# Prints the differences; exits 0 when every event is the one announced.
import json, sys
want = []
for line in open(sys.argv[1]):
    f = line.split()
    if not f or f[0] != "expect":
        continue
    vals = []
    for a in f[3:]:
        v, size = a.split("/")
        size = int(size)
        if v == "E":
            vals.append(None)
            continue
        v = int(v)
        bits = 8 * abs(size)
        v &= (1 << bits) - 1
        if size < 0 and v >> (bits - 1):
            v -= 1 << bits
        vals.append(v)
    want.append((f[1], vals))
got = []
for line in open(sys.argv[2]):
    if not line.startswith("{"):
        continue
    e = json.loads(line)
    if "name" in e:
        got.append((e["provider"] + ":" + e["name"], e["args"]))
for w, g in zip(want, got):
    if w != g:
        print("want", w, "got", g)
print(len(want), len(got), "same" if want == got else "DIFFER")
sys.exit(0 if want == got and want else 1)
