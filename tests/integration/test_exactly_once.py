#!/usr/bin/env python3
"""Issue 4 acceptance: a generated stream with every lifecycle case
(duplicates included) is ingested while things go wrong, and afterwards
every counter in Redis equals the ground truth computed independently
(groundtruth.py).

  test_exactly_once.py kills          SIGKILL the ingester at 6 points mid-stream, restart each time
  test_exactly_once.py redis-outage   stop Redis for 10 s mid-stream, start it again
  test_exactly_once.py two-ingesters  two ingesters in one group, SIGKILL one mid-stream
"""
import os
import signal
import subprocess
import sys
import time

import groundtruth
from hltest import *

MODE = sys.argv[1] if len(sys.argv) > 1 else "kills"
TICKETS = int(os.environ.get("HL_EO_TICKETS", "56000"))  # about 205,000 events
SERVICES_DIR = os.environ.get("HOTLINE_SERVICES_DIR", os.path.join(SOURCE_DIR, ".services"))

topic = unique("it.eo." + MODE)
group = unique("it.eo.group")
common = ["-X", "topic.tickets=" + topic, "-X", "topic.deadletter=" + topic + ".dlq",
          "-X", "kafka.group.id=" + group, "-X", "kafka.session.timeout.ms=6000",
          "-X", "kafka.heartbeat.interval.ms=1000", "-X", "ingest.stats.interval.s=2"]

# The stream: the sample generator's (duplicates included, every lifecycle
# case), plus events for tickets never created.
_, out, err = hotline("sample", "--seed", "7", "--tickets", str(TICKETS), "--invalid", "0")
lines = out.splitlines()
step = len(lines) // 5
for i in range(5):
    lines.insert(i * step + 3, b'{"id":"NEVER-%d","event":"resolved","ts":"2023-06-01T10:00:00+08:00"}' % i)
if "HL_EO_TICKETS" not in os.environ:  # the acceptance size, unless a quick run asks for less
    check(len(lines) >= 200000, "stream of %d events, want >= 200,000" % len(lines))
publish(topic, lines)
print("published %d events to %s" % (len(lines), topic))
want = groundtruth.compute(lines)

r = Redis()


def progress():
    """Messages whose effect is stored: the sum of the stored offsets."""
    keys = r.scan("hl:{%s:*}:off" % topic)
    return sum(int(v) for v in r.pipeline([("GET", k) for k in keys]) if v) if keys else 0


def start(name, *extra):
    log = open(os.path.join(BUILD_DIR, "%s-%s.log" % (topic, name)), "ab")
    return subprocess.Popen([HOTLINE, "ingest"] + common + list(extra), cwd=SOURCE_DIR,
                            stdout=log, stderr=log)


def wait_progress(at_least, procs, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        p = progress()
        if p >= at_least:
            return p
        for proc in procs:
            check(proc.poll() is None, "an ingester died by itself (exit %s)" % proc.returncode)
        time.sleep(0.02)
    fail("no progress past %d (at %d) within %d s" % (at_least, progress(), timeout))


total = len(lines)
if MODE == "kills":
    kills = 0
    for frac in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85):
        proc = start("kills", "-X", "kafka.group.instance.id=eo-kills")
        at = wait_progress(int(total * frac), [proc])
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        print("SIGKILL %d at %d/%d events stored" % (kills, at, total))
    check(kills >= 5, "killed %d times" % kills)
    proc = start("kills", "-X", "kafka.group.instance.id=eo-kills", "--until-caught-up")
    check(proc.wait(timeout=600) == 0, "final ingester exit %s" % proc.returncode)
elif MODE == "redis-outage":
    proc = start("outage", "--until-caught-up")
    at = wait_progress(int(total * 0.3), [proc])
    pid = int(open(os.path.join(SERVICES_DIR, "redis.pid")).read())
    os.kill(pid, signal.SIGTERM)
    while os.path.exists("/proc/%d" % pid):
        time.sleep(0.05)
    print("redis stopped at %d/%d events stored; waiting 10 s" % (at, total))
    time.sleep(10)
    check(proc.poll() is None, "the ingester exited while Redis was down (exit %s)" % proc.returncode)
    subprocess.run([os.path.join(SOURCE_DIR, "scripts", "services"), "start"], check=True)
    r = Redis()
    check(proc.wait(timeout=600) == 0, "ingester exit %s after the outage" % proc.returncode)
    log = open(os.path.join(BUILD_DIR, "%s-outage.log" % topic), "rb").read()
    check(b"waiting for Redis" in log and b"recovered" in log, "no retry/recovery in the log")
elif MODE == "two-ingesters":
    a, b = start("a"), start("b")
    at = wait_progress(int(total * 0.3), [a, b])
    a.send_signal(signal.SIGKILL)
    a.wait()
    print("SIGKILL one of two ingesters at %d/%d events stored" % (at, total))
    wait_progress(total, [b], timeout=600)
    b.send_signal(signal.SIGTERM)
    check(b.wait(timeout=60) == 0, "the surviving ingester exit %s on SIGTERM" % b.returncode)
else:
    fail("unknown mode " + MODE)

check(progress() == total, "stored offsets sum to %d, expected %d" % (progress(), total))
got = groundtruth.redis_state(r, topic)
problems = []
wq, wb, ws = want
gq, gb, gs = got
for q in sorted(set(wq) | set(gq)):
    problems += groundtruth.diff("quarter " + q, wq.get(q, {}), gq.get(q, {}))
for k in sorted(set(wb) | set(gb)):
    problems += groundtruth.diff("bucket " + k, wb.get(k, {}), gb.get(k, {}))
problems += groundtruth.diff("stats", ws, gs)
if problems:
    fail("counters differ from the ground truth:\n  " + "\n  ".join(problems[:40]))
ncounters = sum(len(v) for v in wq.values()) + sum(len(v) for v in wb.values()) + len(ws)
print("exactly once (%s): %d events, all %d counters equal the ground truth" % (MODE, total, ncounters))
