#!/usr/bin/env python3
"""Benchmark (not a test): a 30-day district x topic query against a running
`hotline serve`, paced at a fixed rate (default 100 queries/s) for a bounded
number of queries, one keep-alive connection; prints p50/p90/p99/max latency.
usage: bench_hotspots.py PORT TOPIC_AT [RATE] [COUNT] [PATH]
e.g.   bench_hotspots.py 18181 2023-02-15 100 1000"""
import http.client
import sys
import time

port, at = int(sys.argv[1]), sys.argv[2]
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 100.0
count = min(int(sys.argv[4]) if len(sys.argv) > 4 else 1000, 100000)
path = sys.argv[5] if len(sys.argv) > 5 else "/api/hotspots?window=30d&by=dt&top=500&at=" + at
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
lat = []
start = time.perf_counter()
for i in range(count):
    due = start + i / rate
    now = time.perf_counter()
    if due > now:
        time.sleep(due - now)
    t0 = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    lat.append((time.perf_counter() - t0) * 1000)
    if r.status != 200:
        sys.exit("HTTP %d: %s" % (r.status, body[:200]))
elapsed = time.perf_counter() - start
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
print("%d queries in %.1f s (%.0f/s), %d bytes each: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms"
      % (count, elapsed, count / elapsed, len(body), q(0.50), q(0.90), q(0.99), lat[-1]))
