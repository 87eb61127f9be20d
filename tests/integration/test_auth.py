#!/usr/bin/env python3
"""Issue 8.4: Redis authentication and authorisation. The test services run
Redis with ACL users (scripts/services): `hotline` may touch only hl:* keys
and no dangerous command; the ingester and the readers authenticate with
redis.user/redis.password. Wrong or missing credentials must fail at once
with Redis's own reason, never be retried as an outage."""
import json

from hltest import *

user = os.environ.get("HOTLINE_REDIS_USER")
password = os.environ.get("HOTLINE_REDIS_PASSWORD")
check(user == "hotline" and password, "scripts/services env gives no Redis ACL user: %r" % user)

tickets = unique("it.auth.tickets")
group = unique("it.auth.group")
lines = [l.rstrip(b"\n") for l in open(SHARED + "/data/dev-tickets.jsonl", "rb")][:50]
publish(tickets, lines)
topic_args = ["-X", "topic.tickets=" + tickets, "-X", "topic.deadletter=" + tickets + ".dlq",
              "-X", "kafka.group.id=" + group]

# 1. refused credentials: the ingester stops at once (exit 1) and says why
for name, env, reason in (("wrong password", {"HOTLINE_REDIS_PASSWORD": "not-the-password"}, "WRONGPASS"),
                          ("unknown user", {"HOTLINE_REDIS_USER": "mallory"}, "WRONGPASS"),
                          ("no credentials", {"HOTLINE_REDIS_USER": "", "HOTLINE_REDIS_PASSWORD": ""}, "NOAUTH")):
    t0 = time.time()
    rc, out, err = hotline("ingest", "--until-caught-up", *topic_args, check_rc=False, env=env, timeout=120)
    err = err.decode(errors="replace")
    check(rc == 1, "ingest with %s exited %d, expected 1:\n%s" % (name, rc, err[-2000:]))
    check(reason in err and "check redis.user and redis.password" in err,
          "ingest with %s: no clear reason (%s) in:\n%s" % (name, reason, err[-2000:]))
    check(password not in err and "not-the-password" not in err, "a password was logged: %s" % err)
    check(time.time() - t0 < 60, "ingest with %s took %.0f s to give up" % (name, time.time() - t0))
    rc, out, err = hotline("counts", "-X", "topic.tickets=" + tickets, check_rc=False, env=env)
    check(rc != 0 and reason in err.decode(errors="replace"),
          "counts with %s: rc %d, stderr %r" % (name, rc, err[-500:]))

# 2. the right credentials: everything is counted
rc, out, err = hotline("ingest", "--until-caught-up", *topic_args)
check(b"ingested 50 messages" in out, "ingest summary: %r" % out)
r = Redis()
quarters = r.hgetall_many(r.scan("hl:{%s:*}:q:*" % tickets))
received = sum(f.get(b"all|received|", 0) for f in quarters.values())
created = sum(1 for l in lines if json.loads(l)["event"] == "created")
check(received == created, "received %d, expected %d" % (received, created))

# 3. what the ACL user may and may not do
h = Redis(auth=(user, password))
key = "hl:{%s:0}:auth-probe" % tickets
check(h.cmd("SET", key, "1") == "OK", "hotline may not write its own keys")
check(h.cmd("DEL", key) == 1, "hotline may not delete its own keys")
check(h.cmd("HGETALL", next(iter(quarters))) != [], "hotline may not read its counts")
for cmd in (("SET", "other:key", "x"), ("GET", "other:key"), ("DEL", "other:key"),
            ("FLUSHALL",), ("FLUSHDB",), ("KEYS", "*"), ("CONFIG", "GET", "requirepass"),
            ("ACL", "LIST"), ("SHUTDOWN", "NOSAVE"), ("MONITOR",)):
    try:
        h.cmd(*cmd)
        fail("the hotline ACL user could run %r" % (cmd,))
    except RuntimeError as e:
        check(str(e).startswith("NOPERM"), "%r refused with %r, expected NOPERM" % (cmd, str(e)))
check(r.cmd("EXISTS", "other:key") == 0, "other:key was written")
try:
    Redis(auth=(user, "not-the-password"))
    fail("AUTH with a wrong password succeeded")
except RuntimeError as e:
    check(str(e).startswith("WRONGPASS"), "wrong password refused with %r" % str(e))
print("auth: refused credentials stop ingest and counts with WRONGPASS/NOAUTH; "
      "the ACL user reaches hl:* only; %d tickets counted with the right ones" % received)
