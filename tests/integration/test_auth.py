#!/usr/bin/env python3
"""Issue 8.4: Kafka and Redis authentication, Redis authorisation. The test
services (scripts/services) run Kafka with SASL/SCRAM-SHA-256 only (user
`hotline`) and Redis with ACL users (`hotline` may touch only hl:* keys and
no dangerous command); every hotline command logs in with kafka.sasl.* and
redis.user/redis.password. Credentials either server refuses must stop the
command at once (exit 1) with the server's reason and what to check, never
be retried as an outage, and never be logged."""
import json
import signal
import subprocess

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

# 0. Kafka: anyone without credentials is turned away by the broker ...
check(os.environ.get("HOTLINE_KAFKA_SECURITY_PROTOCOL") == "SASL_PLAINTEXT"
      and os.environ.get("HOTLINE_KAFKA_SASL_MECHANISM") == "SCRAM-SHA-256"
      and os.environ.get("HOTLINE_KAFKA_SASL_USERNAME") == "hotline",
      "scripts/services env gives no Kafka SASL/SCRAM user")
kpassword = os.environ["HOTLINE_KAFKA_SASL_PASSWORD"]
anonymous = subprocess.run(["kcat", "-b", BROKERS, "-L", "-t", tickets, "-m", "5"], capture_output=True, timeout=60)
check(anonymous.returncode != 0 and b"might require SASL authentication" in anonymous.stderr,
      "kcat without credentials: rc %d, %r" % (anonymous.returncode, anonymous.stderr[-500:]))
# ... and the ingester without them says so (a bare disconnect is also what a
# restarting broker looks like, so it keeps trying), counting nothing
plain = subprocess.Popen([HOTLINE, "ingest", *topic_args], cwd=SOURCE_DIR, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=dict(os.environ, HOTLINE_KAFKA_SECURITY_PROTOCOL="PLAINTEXT"))
seen, deadline = b"", time.time() + 30
try:
    os.set_blocking(plain.stderr.fileno(), False)
    while b"WARN kafka:" not in seen or b"broker might require SASL authentication" not in seen:
        check(time.time() < deadline, "ingest without SASL: no warning in 30 s:\n%s" % seen.decode(errors="replace"))
        check(plain.poll() is None, "ingest without SASL exited %s" % plain.returncode)
        seen += plain.stderr.read() or b""
        time.sleep(0.2)
finally:
    plain.send_signal(signal.SIGTERM)
    plain.wait(timeout=30)
check(Redis().scan("hl:{%s:*" % tickets) == [], "ingest without SASL wrote to Redis")

# 1. Kafka refuses the credentials: every command stops at once (exit 1), says why
for name, env in (("wrong Kafka password", {"HOTLINE_KAFKA_SASL_PASSWORD": "not-the-password"}),
                  ("unknown Kafka user", {"HOTLINE_KAFKA_SASL_USERNAME": "mallory"})):
    for what, args, stdin in (("ingest", ["ingest", "--until-caught-up", *topic_args], None),
                              ("publish", ["publish", "--topic", tickets], lines[0] + b"\n"),
                              ("feed", ["feed", "--from-beginning", "--until-end", "-X", "topic.classified=" + tickets],
                               None)):
        t0 = time.time()
        rc, out, err = hotline(*args, check_rc=False, env=env, input=stdin, timeout=120)
        err = err.decode(errors="replace")
        check(rc == 1, "%s with a %s exited %d, expected 1:\n%s" % (what, name, rc, err[-2000:]))
        check("the broker refused our credentials (check kafka.sasl.username, kafka.sasl.password" in err
              and "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                  "SCRAM-SHA-256" in err,
              "%s with a %s: no clear reason in:\n%s" % (what, name, err[-2000:]))
        check(kpassword not in err and "not-the-password" not in err, "a password was logged: %s" % err)
        check(time.time() - t0 < 30, "%s with a %s took %.0f s to give up" % (what, name, time.time() - t0))
check(Redis().scan("hl:{%s:*" % tickets) == [], "ingest with refused Kafka credentials wrote to Redis")
_, out, _ = hotline("feed", "--from-beginning", "--until-end", "--json", "-X", "topic.classified=" + tickets)
check(len(out.splitlines()) == len(lines), "refused publishes added messages: %d, want %d"
      % (len(out.splitlines()), len(lines)))

# 2. Redis refuses the credentials: the ingester stops at once (exit 1) and says why
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

# 3. the right credentials: everything is counted
rc, out, err = hotline("ingest", "--until-caught-up", *topic_args)
check(b"ingested 50 messages" in out, "ingest summary: %r" % out)
r = Redis()
quarters = r.hgetall_many(r.scan("hl:{%s:*}:q:*" % tickets))
received = sum(f.get(b"all|received|", 0) for f in quarters.values())
created = sum(1 for l in lines if json.loads(l)["event"] == "created")
check(received == created, "received %d, expected %d" % (received, created))

# 4. what the Redis ACL user may and may not do
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
print("auth: Kafka turns away anonymous clients, refused SCRAM credentials stop ingest, publish and feed; "
      "refused Redis credentials stop ingest and counts with WRONGPASS/NOAUTH; "
      "the ACL user reaches hl:* only; %d tickets counted with the right ones" % received)
