#!/usr/bin/env python3
"""Benchmark (not a test): a 30-day district x topic query against a running
`hotline serve`, paced at a fixed rate (default 100 queries/s) for a bounded
number of queries, one keep-alive connection; prints p50/p90/p99/max latency
(and, with --json, one JSON line).

The window ends at --at (a fixed day), or with --sweep FROM TO SECONDS at a
day moving from FROM to TO over SECONDS: run beside an ingester replaying
FROM..TO in about SECONDS, each query asks for the 30 days up to where the
ingester is, as a supervisor's "last 30 days" does while tickets arrive.

usage: bench_hotspots.py PORT (--at DAY | --sweep FROM TO SECONDS) [--rate R] [--count N] [--json]
e.g.   bench_hotspots.py 18181 --at 2023-02-15 --rate 100 --count 1000"""
import argparse
import datetime
import http.client
import json
import sys
import time

ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[-1])
ap.add_argument("port", type=int)
ap.add_argument("--at")
ap.add_argument("--sweep", nargs=3, metavar=("FROM", "TO", "SECONDS"))
ap.add_argument("--rate", type=float, default=100.0)
ap.add_argument("--count", type=int, default=1000)
ap.add_argument("--json", action="store_true")
a = ap.parse_args()
if bool(a.at) == bool(a.sweep):
    sys.exit("give --at or --sweep")
count = min(a.count, 100000)
if a.sweep:
    d0 = datetime.date.fromisoformat(a.sweep[0])
    span = (datetime.date.fromisoformat(a.sweep[1]) - d0).days
    secs = float(a.sweep[2])


def path_at(elapsed):
    if a.at:
        day = a.at
    else:
        day = (d0 + datetime.timedelta(days=min(span, int(span * elapsed / secs)))).isoformat()
    return "/api/hotspots?window=30d&by=dt&top=500&at=" + day


conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
lat = []
start = time.perf_counter()
for i in range(count):
    due = start + i / a.rate
    now = time.perf_counter()
    if due > now:
        time.sleep(due - now)
    t0 = time.perf_counter()
    conn.request("GET", path_at(t0 - start))
    r = conn.getresponse()
    body = r.read()
    lat.append((time.perf_counter() - t0) * 1000)
    if r.status != 200:
        sys.exit("HTTP %d: %s" % (r.status, body[:200]))
elapsed = time.perf_counter() - start
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
res = {"queries": count, "seconds": round(elapsed, 1), "per_s": round(count / elapsed),
       "p50_ms": round(q(0.50), 2), "p90_ms": round(q(0.90), 2), "p99_ms": round(q(0.99), 2),
       "max_ms": round(lat[-1], 2)}
if a.json:
    print(json.dumps(res))
else:
    print("%d queries in %.1f s (%.0f/s), %d bytes each: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms"
          % (count, elapsed, count / elapsed, len(body), q(0.50), q(0.90), q(0.99), lat[-1]))
