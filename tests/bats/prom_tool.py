#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Clients for exporters.bats, each bounded by timeouts; exit 1 with the reason on failure.

  prom_tool.py concurrent URL N      N scrapes at once: all 200, bodies of one format
  prom_tool.py changing URL SECONDS  scrapes while the maps change: each body well-formed,
                                     counters, histogram buckets and counts never going back;
                                     prints how many distinct hit totals it saw
  prom_tool.py idle HOST PORT        clients that send nothing or half a request: a scrape
                                     meanwhile answers at once, the server closes them at its
                                     deadline; 404, 405 and 431 for what is not a GET /metrics
  prom_tool.py wait PROM QUERY JSON SECONDS [LABEL]
                                     polls Prometheus's query API at PROM until QUERY's result,
                                     as {"<LABEL's value>": value} (LABEL: name), equals JSON
  prom_tool.py latency PROM QUERY_PREFIX FIRES SECONDS
                                     polls until the usdt_latency_seconds series of
                                     QUERY_PREFIX (e.g. '{job="lat"}') match latency_target's
                                     record FIRES per arg1: _count equal, _sum between the inner
                                     and outer sums, each bucket between the pairs surely in it
                                     (outer <= le) and those that may be (inner <= le)
  prom_tool.py listen HOST PORT      holds a listening socket until killed
"""
import json
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

LINE = re.compile(r'^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*'
                  r'|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})?'
                  r' (-?[0-9.e+-]+|\+Inf))$')


def fail(msg):
    print("prom_tool.py: " + msg, file=sys.stderr)
    sys.exit(1)


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        if r.status != 200:
            fail("%s: status %d" % (url, r.status))
        ctype = r.headers["Content-Type"]
        if ctype != "text/plain; version=0.0.4; charset=utf-8":
            fail("%s: Content-Type %s" % (url, ctype))
        return r.read().decode("utf-8")


def check_body(body):
    """The body's monotonic series (counters, buckets, counts) by name and labels."""
    lines = body.split("\n")
    if lines[-1] != "":
        fail("the body does not end with a newline")
    for line in lines[:-1]:
        if not LINE.match(line):
            fail("not the exposition format: %r" % line)
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r'^(usdt_\w+(?:_total|_bucket|_count)(?:\{.*\})?) (\d+)$', body, re.M)}


def shape(body):
    """The body with its sample values blanked: what must not change between scrapes."""
    return re.sub(r" \S+$", " N", body, flags=re.M)


def concurrent(url, n):
    n = int(n)
    barrier, bodies, errors = threading.Barrier(n), [None] * n, []

    def one(i):
        try:
            barrier.wait(timeout=10)
            bodies[i] = get(url)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    if errors or None in bodies:
        fail("%d of %d scrapes failed: %s" % (len(errors) or bodies.count(None), n, errors[:3]))
    for b in bodies:
        check_body(b)
    if len({shape(b) for b in bodies}) != 1:
        fail("bodies of different formats")
    print("%d scrapes, one format" % n)


def changing(url, seconds):
    end, last, seen = time.time() + float(seconds), {}, set()
    while time.time() < end:
        series = check_body(get(url))
        for name, v in series.items():
            if v < last.get(name, 0):
                fail("%s went back from %d to %d" % (name, last[name], v))
        last = series
        seen.add(sum(v for k, v in series.items() if k.startswith("usdt_probe_hits_total")))
    print(len(seen))


def idle(host, port):
    port = int(port)
    url = "http://%s:%d/metrics" % (host, port)
    quiet = [socket.create_connection((host, port), timeout=10) for _ in range(4)]
    half = socket.create_connection((host, port), timeout=10)
    half.sendall(b"GET /metr")
    t0 = time.time()
    check_body(get(url, timeout=2))
    took = time.time() - t0
    if took > 1:
        fail("a scrape took %.2f s while idle clients were connected" % took)
    for path, method, status, extra in (("/other", "GET", 404, ""), ("/metrics", "POST", 405, ""),
                                        ("/metrics", "GET", 431, "X: " + "y" * 9000 + "\r\n")):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (method, path, extra)).encode())
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        s.close()
        if not reply.startswith(b"HTTP/1.1 %d " % status):
            fail("%s %s: %r, expected status %d" % (method, path, reply[:40], status))
    # the server ends the silent ones at its deadline (5 s after they connected)
    for s in quiet + [half]:
        s.settimeout(max(0.1, t0 + 8 - time.time()))
        try:
            if s.recv(1) != b"":
                fail("data for a client that sent no request")
        except socket.timeout:
            fail("an idle connection was still open 8 s after it connected")
        s.close()
    print("scrape %.3f s with 5 idle clients; idle ones closed after %.1f s"
          % (took, time.time() - t0))


def wait(prom, query, want, seconds, label="name"):
    want, end, got = json.loads(want), time.time() + float(seconds), None
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                res = json.load(r)["data"]["result"]
            got = {s["metric"].get(label, ""): float(s["value"][1]) for s in res}
            if got == want:
                print(json.dumps(got, sort_keys=True))
                return
        except (urllib.error.URLError, ConnectionError, KeyError):
            pass
        time.sleep(0.5)
    fail("%s: %s, expected %s" % (query, got, want))


def query(prom, q):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)["data"]["result"]


def latency_problems(prom, sel, pairs):
    bad = []
    count = {s["metric"].get("arg1", ""): float(s["value"][1])
             for s in query(prom, "usdt_latency_seconds_count" + sel)}
    if count != {k: len(v) for k, v in pairs.items()}:
        return ["_count %s, recorded %s" % (count, {k: len(v) for k, v in pairs.items()})]
    for s in query(prom, "usdt_latency_seconds_sum" + sel):
        ps, v = pairs[s["metric"].get("arg1", "")], float(s["value"][1])
        # the sum is a float of seconds: a nanosecond per pair of slack for its rounding
        lo, hi = sum(p[0] for p in ps) - len(ps), sum(p[1] for p in ps) + len(ps)
        if not lo <= v * 1e9 <= hi:
            bad.append("_sum %s: %.9f s not in [%d, %d] ns" % (s["metric"], v, lo, hi))
    buckets = query(prom, "usdt_latency_seconds_bucket" + sel)
    if len(buckets) != 65 * len(pairs):
        bad.append("%d buckets, expected 65 per key" % len(buckets))
    for s in buckets:
        ps, v, le = pairs[s["metric"].get("arg1", "")], float(s["value"][1]), s["metric"]["le"]
        top = float("inf") if le == "+Inf" else round(float(le) * 1e9)
        lo, hi = sum(p[1] <= top for p in ps), sum(p[0] <= top for p in ps)
        if not lo <= v <= hi:
            bad.append("bucket %s: %d not in [%d, %d]" % (s["metric"], v, lo, hi))
    return bad


def latency(prom, sel, fires, seconds):
    pairs, end, bad = {}, time.time() + float(seconds), ["no answer"]
    for line in open(fires):
        f = line.rstrip("\n").split("\t")
        if f[0] == "pair":
            pairs.setdefault(f[1], []).append((int(f[4]), int(f[5])))
    if not pairs:
        fail("no pair recorded: the case tests nothing")
    while time.time() < end:
        try:
            bad = latency_problems(prom, sel, pairs)
            if not bad:
                print("%d keys, %d pairs" % (len(pairs), sum(map(len, pairs.values()))))
                return
        except (urllib.error.URLError, ConnectionError, KeyError):
            pass
        time.sleep(0.5)
    fail("; ".join(bad[:5]))


def listen(host, port):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.bind((host, int(port)))
    s.listen(1)
    print("listening", flush=True)
    time.sleep(600)


{"concurrent": concurrent, "changing": changing, "idle": idle, "wait": wait,
 "latency": latency, "listen": listen}[sys.argv[1]](*sys.argv[2:])
