#!/usr/bin/env python3
"""Issue 2 acceptance: N valid and M invalid events published to the real
broker; `hotline ingest` processes the N, and the dead-letter topic holds
exactly the M, each with its original bytes, the expected reason and the
source topic/partition/offset headers."""
import json
import re

from hltest import *

tickets = unique("it.dlq.tickets")
dlq = tickets + ".dlq"
group = unique("it.dlq.group")

valid = [l.rstrip(b"\n") for l in open(SHARED + "/data/dev-tickets.jsonl", "rb")]
first = json.loads(valid[0])
ok_lifecycle = [
    json.dumps({"id": first["id"], "event": "dispatched", "ts": "2023-01-02T09:00:00+08:00", "department": "FINREG"}).encode(),
    json.dumps({"id": first["id"], "event": "resolved", "ts": "2023-01-03T09:00:00+08:00"}).encode(),
    json.dumps({"id": first["id"], "event": "reviewed", "ts": "2023-01-04T09:00:00+08:00", "satisfaction": "满意"}).encode(),
]
base = '{"id":"X-1","event":"resolved","ts":"2023-01-01T00:00:00Z"'
invalid = [
    (b'{"id":"X-1","event":', "invalid_json"),
    (b"not json at all", "invalid_json"),
    (b'{"id":"X-1","event":"resolved","ts":"2023-01-01T00:00:00Z"} trailing', "invalid_json"),
    (b"[1,2,3]", "not_object"),
    (b'"a string"', "not_object"),
    ((base + ',"id":"X-2"}').encode(), "duplicate_member"),
    ((base + ',"note":"a\\u0000b"}').encode(), "nul_character"),
    ((base + ',"note":"\xff\xfe"}').encode("latin-1"), "invalid_utf8"),
    (b'{"event":"resolved","ts":"2023-01-01T00:00:00Z"}', "missing_field"),
    (b'{"id":"X-1","event":"created","ts":"2023-01-01T00:00:00Z","channel":"web","appeal_type":"\xe6\x8a\x95\xe8\xaf\x89","district":"JK"}', "missing_field"),
    (b'{"id":5,"event":"resolved","ts":"2023-01-01T00:00:00Z"}', "wrong_type"),
    (b'{"id":"bad id!","event":"resolved","ts":"2023-01-01T00:00:00Z"}', "bad_id"),
    (b'{"id":"hl:{x}:t:1","event":"resolved","ts":"2023-01-01T00:00:00Z"}', "bad_id"),
    (b'{"id":"X-1","event":"resolved","ts":"yesterday"}', "bad_timestamp"),
    (b'{"id":"X-1","event":"resolved","ts":"1969-12-31T23:59:59Z"}', "bad_timestamp"),
    (b'{"id":"X-1","event":"closed","ts":"2023-01-01T00:00:00Z"}', "unknown_event"),
    (b'{"id":"X-1","event":"dispatched","ts":"2023-01-01T00:00:00Z","department":"MOON"}', "bad_value"),
    (b'{"id":"X-1","event":"reviewed","ts":"2023-01-01T00:00:00Z","satisfaction":"meh"}', "bad_value"),
    (('{"id":"X-1","event":"created","ts":"2023-01-01T00:00:00Z","channel":"web","appeal_type":"投诉","district":"JK","content":"%s"}' % ("长" * 22000)).encode(), "content_too_long"),
    (b'{"id":"NEVER-CREATED","event":"resolved","ts":"2023-01-01T00:00:00Z"}', "unknown_ticket"),
    (b'{"id":"NEVER-CREATED-2","event":"reviewed","ts":"2023-01-01T00:00:00Z","satisfaction":"\xe6\xbb\xa1\xe6\x84\x8f"}', "unknown_ticket"),
]
# the bad among the good
stream = valid[:100] + [b for b, _ in invalid[:10]] + valid[100:] + ok_lifecycle + [b for b, _ in invalid[10:]]
publish(tickets, stream)

rc, out, err = hotline("ingest", "--until-caught-up", "-X", "topic.tickets=" + tickets,
                       "-X", "topic.deadletter=" + dlq, "-X", "kafka.group.id=" + group)
print(out.decode().strip())
check(b"ingested %d messages" % len(stream) in out, "ingest summary: %r" % out)
# where the writer's time went (to the microsecond in the metrics, test_pii;
# here a fast stage may print 0.000): it waited for Kafka to take the dead letters
m = re.search(rb"^writer: ([\d.]+) s waiting for Redis, ([\d.]+) s lifecycle, ([\d.]+) s waiting "
              rb"for Kafka, ([\d.]+) s sending; the consumer waited ([\d.]+) s for it$", out, re.M)
check(m is not None, "writer summary: %r" % out)
if m:
    check(float(m.group(3)) > 0, "no time waiting for Kafka: %r" % m.group(0))

msgs = kcat_consume(dlq, len(invalid))
want = {}
for payload, reason in invalid:
    want.setdefault(payload, []).append(reason)
for key, headers, payload in msgs:
    check(payload in want, "dead letter with bytes we did not send invalid: %r" % payload[:80])
    reason = want[payload].pop()
    check(headers.get("hotline.reason") == reason,
          "reason %r for %r, expected %r" % (headers.get("hotline.reason"), payload[:60], reason))
    check(headers.get("hotline.source.topic") == tickets, "source topic %r" % headers)
    check(headers.get("hotline.source.partition", "").isdigit() and headers.get("hotline.source.offset", "").isdigit(),
          "source partition/offset headers: %r" % headers)
    check(headers.get("hotline.error"), "no error message header")

# the counts: 300 tickets, one dispatched, resolved and reviewed; the dead
# letters counted by reason
r = Redis()
stats = r.hgetall_many(r.scan("hl:{%s:*}:stats" % tickets))
total = {}
for fields in stats.values():
    for f, v in fields.items():
        total[f.decode()] = total.get(f.decode(), 0) + v
check(total.get("applied|created") == 300, "created applied: %r" % total)
for ev in ("dispatched", "resolved", "reviewed"):
    check(total.get("applied|" + ev) == 1, "%s applied: %r" % (ev, total))
reasons = {}
for _, reason in invalid:
    reasons[reason] = reasons.get(reason, 0) + 1
for reason, n in reasons.items():
    check(total.get("deadletter|" + reason) == n, "deadletter|%s = %r, expected %d" % (reason, total.get("deadletter|" + reason), n))
check(sum(v for k, v in total.items() if k.startswith("deadletter|")) == len(invalid), "dead-letter total: %r" % total)
quarters = r.hgetall_many(r.scan("hl:{%s:*}:q:*" % tickets))
received = sum(f.get(b"all|received|", 0) for f in quarters.values())
check(received == 300, "received %d" % received)
print("deadletter: %d valid counted, %d invalid dead-lettered with the right reasons" % (len(stream) - len(invalid), len(invalid)))
