#!/usr/bin/env python3
"""Issue 6 (emission by the ingester): when event time passes a quarter's end
plus report.grace.days, the ingester publishes that quarter's health check to
topic.healthcheck, keyed by the quarter, once."""
import json

from hltest import *

topic = unique("it.emit")
health = topic + ".health"
args = ["-X", "topic.tickets=" + topic, "-X", "topic.healthcheck=" + health,
        "-X", "topic.classified=" + topic + ".cls", "-X", "topic.alerts=" + topic + ".alerts",
        "-X", "kafka.group.id=" + unique("it.emit.group"), "-X", "report.grace.days=7"]
_, out, _ = hotline("sample", "--seed", "5", "--tickets", "4000", "--invalid", "0")
lines = out.splitlines()
publish(topic, lines)
last = max(json.loads(l.decode("utf-8-sig"))["ts"] for l in lines)
hotline("ingest", "--until-caught-up", *args)
# events run to early 2024: 2023Q1-Q3 are due for sure; Q4 if the stream
# reaches 7 days into 2024 (CST)
import datetime
end = max(datetime.datetime.fromisoformat(json.loads(l.decode("utf-8-sig"))["ts"]).astimezone(
    datetime.timezone(datetime.timedelta(hours=8))) for l in lines)
want = ["2023Q1", "2023Q2", "2023Q3"] + (["2023Q4"] if end >= datetime.datetime(2024, 1, 8, tzinfo=end.tzinfo) else [])
msgs = kcat_consume(health, len(want))
got = []
for key, _, payload in msgs:
    rpt = json.loads(payload)
    check(rpt["schema"] == 1 and rpt["quarter"] == key.decode(), "emitted %r keyed %r" % (rpt.get("quarter"), key))
    check(rpt["totals"]["received"] > 0, "empty report for %s" % key)
    got.append(key.decode())
check(sorted(got) == want, "quarters emitted %r, expected %r" % (got, want))
# a second run over the same topic (nothing new) emits nothing again
hotline("ingest", "--until-caught-up", *args[:-4], "-X", "kafka.group.id=" + unique("it.emit.g2"), "-X", "report.grace.days=7")
kcat_consume(health, len(want))
print("report emission: %s emitted once each" % ", ".join(got))
