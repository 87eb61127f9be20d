#!/usr/bin/env python3
"""Issue 3 acceptance (hot reload): SIGHUP with a broken keyword table keeps
the old one and says why (file:line); with a good one, the next batch uses it,
and the counts record which table version classified which tickets."""
import json
import os
import signal
import subprocess
import tempfile
import time

from hltest import *

topic = unique("it.reload")
group = unique("it.reload.group")
tmp = tempfile.mkdtemp()
table = os.path.join(tmp, "kw.tsv")
HEADER = "keyword\ttopic\tdepartment\tweight\tflags\n"
open(table, "w", encoding="utf-8").write(HEADER + "停电\tMKT.UTILITY\t\t3\t\n")


def version_of(path):
    _, out, _ = hotline("keywords", "--check", path)
    return out.decode().split("version ")[1].split(",")[0]


def ticket(i):
    return json.dumps({"id": "R-%d" % i, "event": "created", "ts": "2023-05-01T10:00:00+08:00",
                       "channel": "phone", "appeal_type": "投诉", "district": "京口区",
                       "content": "厂区又停电了"}, ensure_ascii=False).encode()


r = Redis()


def received(field):
    q = r.hgetall_many(r.scan("hl:{%s:*}:q:2023Q2" % topic))
    return sum(h.get(field.encode(), 0) for h in q.values())


def wait_received(n, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if received("all|received|") >= n:
            return
        time.sleep(0.1)
    fail("only %d tickets counted, expected %d" % (received("all|received|"), n))


import socket
import urllib.request

with socket.socket() as sock:  # a free port for the Prometheus endpoint
    sock.bind(("127.0.0.1", 0))
    metrics_port = sock.getsockname()[1]
log_path = os.path.join(tmp, "ingest.log")
log = open(log_path, "wb")
v1 = version_of(table)
proc = subprocess.Popen([HOTLINE, "ingest", "-X", "topic.tickets=" + topic, "-X", "kafka.group.id=" + group,
                         "-X", "classify.keywords=" + table, "-X", "ingest.batch.max.ms=50",
                         "-X", "ingest.metrics.port=%d" % metrics_port],
                        cwd=SOURCE_DIR, stdout=log, stderr=log)
try:
    publish(topic, [ticket(i) for i in range(10)])
    wait_received(10)
    check(received("topic|received|MKT.UTILITY") == 10, "first 10 not MKT.UTILITY")

    # a broken table: refused, logged with file:line, the old one kept
    open(table, "w", encoding="utf-8").write(HEADER + "停电\tNO.SUCH\t\t3\t\n")
    proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    publish(topic, [ticket(i) for i in range(10, 20)])
    wait_received(20)
    check(received("topic|received|MKT.UTILITY") == 20, "the broken table was used")
    text = open(log_path, "rb").read().decode(errors="replace")
    check("%s:2: unknown topic code \"NO.SUCH\"" % table in text and "keeping version " + v1 in text,
          "the log does not say why the table was refused:\n" + text[-2000:])

    # a good new table: the next batch uses it
    open(table, "w", encoding="utf-8").write(HEADER + "停电\tLAW.ENFORCE\tURBAN\t3\t\n")
    v2 = version_of(table)
    proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    publish(topic, [ticket(i) for i in range(20, 30)])
    wait_received(30)
    check(received("topic|received|LAW.ENFORCE") == 10 and received("sdept|received|URBAN") == 10,
          "the new table was not used for the next tickets")
    check(received("table|received|" + v1) == 20 and received("table|received|" + v2) == 10,
          "table versions not recorded with the counts")
    text = open(log_path, "rb").read().decode(errors="replace")
    check("keyword table %s loaded, version %s" % (table, v2) in text, "reload not logged")
    # the Prometheus endpoint, on loopback
    metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=10).read().decode()
    for line in ("hotline_messages_total 30", 'hotline_events_total{type="created"} 30',
                 "hotline_deadlettered_total 0", 'hotline_keyword_table_info{version="%s"} 1' % v2):
        check(line + "\n" in metrics, "metrics lack %r:\n%s" % (line, metrics))
finally:
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=60)
check(rc == 0, "ingest exit %d on SIGTERM" % rc)
print("reload: broken table refused with reasons, good table used from the next batch")
