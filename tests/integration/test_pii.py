#!/usr/bin/env python3
"""Issue 8.5: one scan of every output for personal data.

Tickets with distinctive callers' names and phones and enterprises' credit
codes go through the real broker: valid ones (counted; repeated callers so
that repeat/multi/cluster/urgent alerts fire; a phone and a credit code in
the content, a name in the title, in a note and in an unknown district) and
invalid ones holding the same values where an error message could echo them
(a phone as a wrong-typed district, a name as the appeal type, a phone as the
timestamp, ...), each dead-lettered. The ingester runs with every log line it
has (librdkafka debug on, statistics every second) and its metrics endpoint.

Then every output is searched for those values, as given and trivially
reformatted (digits only, dashes or spaces, full-width digits, +86, JSON
\\u escapes, upper/lower case): every Redis key and value; the ingester's
stdout and stderr; its /metrics answers; the dead-letter topic's keys and
headers; the classified feed, alerts and health-check topics (keys, headers,
payloads); every file of `hotline report --all --write`; every API answer
of `hotline serve` the dashboard uses (and the others); the CLI outputs of
counts, hotspots, alerts and feed. None may hold a value in clear; alerts
show callers masked (139****6810), exactly where expected.

The scanner is checked first on synthetic text and then on the dead-letter
payloads, which are the original bytes and must still hold exactly the
values each message was built with: a scanner that finds nothing fails."""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

from hltest import *

T0 = time.time()
topic = unique("it.pii")
dlq, feed, alerts_topic, health = topic + ".dlq", topic + ".cls", topic + ".alerts", topic + ".health"
common = ["-X", "topic.tickets=" + topic, "-X", "topic.deadletter=" + dlq, "-X", "topic.classified=" + feed,
          "-X", "topic.alerts=" + alerts_topic, "-X", "topic.healthcheck=" + health]
ingest_args = common + ["-X", "kafka.group.id=" + unique("it.pii.group"), "-X", "alerts.cluster.callers=3",
                        "-X", "alerts.repeat.days=30", "-X", "report.grace.days=7",
                        "-X", "ingest.max.message.bytes=100000",
                        # the most the ingester logs: librdkafka's debug output, statistics every second
                        "-X", "kafka.debug=all", "-X", "ingest.stats.interval.s=1"]

# ---- the personal data -----------------------------------------------------------

# label -> (kind, value). Phones hold none of the keyword table's numbers (12345, 12366, ...).
PII = {
    "A.name": ("name", "欧阳铁柱"), "A.phone": ("phone", "13957246810"),
    "B.name": ("name", "司马翠兰"), "B.phone": ("phone", "18655508642"),
    "C.name": ("name", "Ouyang Tiezhu"), "C.phone": ("phone", "15022338899"),
    "D.name": ("name", "上官明月"), "D.phone": ("phone", "13800138111"),
    "E.name": ("name", "诸葛小龙"), "E.phone": ("phone", "13700137222"),
    "F.name": ("name", "皇甫春燕"), "F.phone": ("phone", "13600136333"),
    "E1.code": ("code", "91321100MA1PQ7RX3K"), "E1.name": ("name", "润扬琼华精工有限公司"),
    "E2.code": ("code", "91321191MA20XY8K7B"), "E2.name": ("name", "金山翠微模具有限公司"),
}
V = {label: v for label, (_, v) in PII.items()}
MASKED = {"A.phone": "139****6810", "B.phone": "186****8642", "E2.code": "9132**********8K7B"}

# ---- the scanner -------------------------------------------------------------------

SEPARATORS = re.compile(r"[\s\x00-\x1f\x7f\-\.\(\)\+/_]")
U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def norm(text):
    """The form both haystack and needles are compared in: JSON \\u escapes
    and %-escapes decoded, NFKC (full-width digits and letters to ASCII),
    upper case, separators (space, control characters, - . ( ) + / _) removed."""
    text = U_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if "%" in text:
        text = urllib.parse.unquote(text)
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", text).upper())


NEEDLES = {label: norm(re.sub(r"\D", "", v) if kind == "phone" else v) for label, (kind, v) in PII.items()}
check(all(len(n) >= 4 for n in NEEDLES.values()), "needles too short")


# The keyed hash that recognises repeat callers (ingest/alerts.c): SipHash-2-4
# of "phone:<digits>" or "credit:<CODE>" under a key derived from
# alerts.hash.key (common/siphash.c). Under the key published in the source
# (config/config.c's default) a hash is as good as the number: anyone can try
# every phone number. So those hashes count as values in clear.
M64 = (1 << 64) - 1


def siphash(k, data):
    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & M64
    v = [0x736f6d6570736575 ^ k[0], 0x646f72616e646f6d ^ k[1], 0x6c7967656e657261 ^ k[0], 0x7465646279746573 ^ k[1]]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & M64; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)  # noqa: E702
            v[2] = (v[2] + v[3]) & M64; v[3] = rotl(v[3], 16) ^ v[2]  # noqa: E702
            v[0] = (v[0] + v[3]) & M64; v[3] = rotl(v[3], 21) ^ v[0]  # noqa: E702
            v[2] = (v[2] + v[1]) & M64; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)  # noqa: E702
    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        w = int.from_bytes(data[i:i + 8], "little")
        v[3] ^= w
        rounds(2)
        v[0] ^= w
    b = (len(data) << 56) & M64 | int.from_bytes(data[end:], "little")
    v[3] ^= b
    rounds(2)
    v[0] ^= b
    v[2] ^= 0xff
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def identity_hashes(secret):
    """label -> the 16 hex digits the ingester stores for that phone or credit code under @secret."""
    key = (siphash((0, 0), secret.encode()), siphash((1, 0), secret.encode()))
    out = {}
    for label, (kind, v) in PII.items():
        if kind != "name":
            tagged = ("phone:" + re.sub(r"\D", "", v)) if kind == "phone" else "credit:" + v.upper()
            out[label] = "%016x" % siphash(key, tagged.encode())
    return out


check("%016x" % siphash((0x0706050403020100, 0x0f0e0d0c0b0a0908), bytes(range(15))) == "a129ca6149be45e5",
      "SipHash-2-4 reference vector")
PUBLIC_KEY = "hotline-dev-key-change-me"  # config/config.c: alerts.hash.key's default
for label, h in identity_hashes(PUBLIC_KEY).items():
    NEEDLES[label + " (hashed under the published default alerts.hash.key)"] = norm(h)
# The run uses a secret key, as a deployment must (every hotline below
# inherits it from the environment); the secret itself must show nowhere.
SECRET = "%032x" % random.randrange(1 << 128)
os.environ["HOTLINE_ALERTS_HASH_KEY"] = SECRET
NEEDLES["alerts.hash.key (the secret)"] = norm(SECRET)
V["alerts.hash.key (the secret)"] = SECRET


def scan(blob, hashes=True):
    """The labels of the personal values @blob (bytes or str) holds, in any
    form above (with @hashes, also as hashes under the public key, below)."""
    if isinstance(blob, bytes):
        blob = blob.decode("utf-8", errors="replace")
    hay = norm(blob)
    return sorted(label for label, needle in NEEDLES.items()
                  if needle in hay and (hashes or "(hashed" not in label))


leaks = []


def clean(place, blob, hashes=True):
    """Records a leak for every personal value found in @blob, naming @place."""
    for label in scan(blob, hashes):
        text = blob.decode("utf-8", errors="replace") if isinstance(blob, bytes) else blob
        leaks.append("%s holds %s %r: %.200r" % (place, label, V.get(label, V.get(label.split(" ")[0])), text))


def fail_on_leaks():
    check(not leaks, "personal data in clear (%d places):\n  %s" % (len(leaks), "\n  ".join(leaks[:40])))


# the scanner finds every form it claims to, and not the masked ones
selfcheck = [
    ("call +86 139-5724-6810 now", ["A.phone"]),
    ("１３９５７２４６８１０", ["A.phone"]),
    ("(186) 5550 8642", ["B.phone"]),
    ('{"n":"\\u6b27\\u9633\\u94c1\\u67f1"}', ["A.name"]),
    ("name=%E5%8F%B8%E9%A9%AC%E7%BF%A0%E5%85%B0", ["B.name"]),
    ("OUYANG-TIEZHU", ["C.name"]),
    ("credit 91321191ma20xy8k7b", ["E2.code"]),
    ("欧阳 铁柱", ["A.name"]),
    (b"\xe4\xb8\x8a\xe5\xae\x98\xe6\x98\x8e\xe6\x9c\x88", ["D.name"]),
    ("139****6810 186****8642 9132**********8K7B", []),
    ("1395724681", []),
]
for text, want in selfcheck:
    check(scan(text) == want, "scanner self-check: %r gives %r, want %r" % (text, scan(text), want))

# ---- the stream ----------------------------------------------------------------------

ARREARS = "政府工程款拖欠两年了，一直不给钱"
POWER = "厂里三天两头停电，生产线全停了"


def created(i, day, hour, caller, content, district="京口区", **extra):
    e = {"id": "PII-%03d" % i, "event": "created", "ts": "2023-03-%02dT%02d:00:00+08:00" % (day, hour),
        "channel": "phone", "appeal_type": "投诉", "district": district, "content": content}
    if caller:
        e["caller"] = {"name": V[caller + ".name"], "phone": V[caller + ".phone"]}
    e.update(extra)
    return e


def line(e):
    return json.dumps(e, ensure_ascii=False).encode()


def enterprise(x, code=None):
    return {"name": V[x + ".name"], "credit_code": code or V[x + ".code"]}


valid = [
    created(1, 1, 9, "A", ARREARS + "，请回电" + V["A.phone"] + "，或１３９５７２４６８１０",
            title=V["A.name"] + "反映工程款被拖欠", park="镇江经济技术开发区", enterprise=enterprise("E1")),
    created(2, 5, 9, "A", ARREARS + "，联系人" + V["A.name"]),
    created(3, 9, 9, "A", ARREARS),
    created(4, 10, 9, "B", ARREARS + "，我公司统一社会信用代码" + V["E2.code"], district="丹徒区",
            enterprise=enterprise("E2")),
    created(5, 12, 9, "C", ARREARS, district="丹徒区", enterprise=enterprise("E2", V["E2.code"].lower())),
    created(6, 15, 9, "B", "再不给钱我就去跳楼"),
    created(7, 20, 10, "D", POWER, district="丹阳市"),
    created(8, 20, 11, "E", POWER, district="丹阳市"),
    created(9, 20, 12, "F", POWER, district="丹阳市"),
    created(10, 21, 9, "A", POWER, district=V["A.name"] + "家门口"),
]
valid[1]["caller"]["phone"] = "139-5724-6810"
valid[2]["caller"]["phone"] = "139 5724 6810"
valid[1]["caller"]["name"] = "欧阳 铁柱"
lifecycle = [
    {"id": "PII-001", "event": "dispatched", "ts": "2023-03-02T09:00:00+08:00", "department": "MIIT",
     "note": "已电话联系%s %s" % (V["A.name"], V["A.phone"])},
    {"id": "PII-001", "event": "resolved", "ts": "2023-03-06T09:00:00+08:00", "note": "企业" + V["E1.code"]},
    {"id": "PII-001", "event": "reviewed", "ts": "2023-03-07T09:00:00+08:00", "satisfaction": "满意",
     "note": V["A.name"] + "表示满意"},
]
A_CREATED = '{"id":"%s","event":"created","ts":"2023-03-03T09:00:00+08:00","channel":"phone","appeal_type":"投诉",'
CALLER_A = '"caller":{"name":"欧阳铁柱","phone":"13957246810"}'
too_complex_note = "[" * 40 + '"13957246810"' + "]" * 40
# (key, payload, reason, labels the payload holds)
invalid = [
    ("PII-X01", '{"id":"PII-X01","event":"created","caller":{"name":"欧阳铁柱","phone":"13957246810"',
     "invalid_json", ["A.name", "A.phone"]),
    ("PII-X02", '{"id":"PII-X02","caller":{"phone":13957246810x}}', "invalid_json", ["A.phone"]),
    ("PII-X03", A_CREATED % "PII-X03" + '"district":"京口区","content":"x","caller":{"name":"欧阳铁柱","phone":13957246810}}',
     "wrong_type", ["A.name", "A.phone"]),
    ("PII-X04", A_CREATED % "PII-X04" + '"district":18655508642,"content":"x",' + CALLER_A + "}",
     "wrong_type", ["A.name", "A.phone", "B.phone"]),
    ("PII-X05", A_CREATED % "PII-X05" + '"district":"京口区","content":"x","caller":"司马翠兰 18655508642"}',
     "wrong_type", ["B.name", "B.phone"]),
    ("PII-X06", A_CREATED % "PII-X06" + '"district":"京口区","content":"x","enterprise":{"credit_code":["91321100MA1PQ7RX3K"]}}',
     "wrong_type", ["E1.code"]),
    ("PII-X07", A_CREATED.replace("投诉", "欧阳铁柱") % "PII-X07" + '"district":"京口区","content":"x",' + CALLER_A + "}",
     "bad_value", ["A.name", "A.phone"]),
    ("PII-001", '{"id":"PII-001","event":"dispatched","ts":"2023-03-08T09:00:00+08:00","department":"13957246810"}',
     "bad_value", ["A.phone"]),
    ("PII-001", '{"id":"PII-001","event":"reviewed","ts":"2023-03-08T09:00:00+08:00","satisfaction":"司马翠兰"}',
     "bad_value", ["B.name"]),
    ("PII-X10", '{"id":"PII-X10","event":"resolved","ts":"13957246810"}', "bad_timestamp", ["A.phone"]),
    ("PII-X11", A_CREATED % "PII-X11" + '"district":"京口区","content":"x","due_at":"欧阳铁柱",' + CALLER_A + "}",
     "bad_timestamp", ["A.name", "A.phone"]),
    ("PII-X12", '{"id":"PII-X12","event":"欧阳铁柱","ts":"2023-03-08T09:00:00+08:00"}', "unknown_event", ["A.name"]),
    ("PII-X13", '{"id":"13957246810 欧阳铁柱","event":"resolved","ts":"2023-03-08T09:00:00+08:00"}',
     "bad_id", ["A.name", "A.phone"]),
    ("PII-X14", A_CREATED % "PII-X14" + '"district":"京口区",' + CALLER_A + "}", "missing_field",
     ["A.name", "A.phone"]),
    ("PII-X15", A_CREATED % "PII-X15" + '"district":"京口区","content":"x",' + CALLER_A + ',"caller":{"name":"司马翠兰"}}',
     "duplicate_member", ["A.name", "A.phone", "B.name"]),
    ("PII-X16", A_CREATED % "PII-X16" + '"district":"京口区","content":"x","caller":{"phone":"13957246810","phone":"18655508642"}}',
     "duplicate_member", ["A.phone", "B.phone"]),
    ("PII-X17", A_CREATED % "PII-X17" + '"district":"京口区","content":"x","caller":{"name":"欧阳\\u0000铁柱","phone":"13957246810"}}',
     "nul_character", ["A.name", "A.phone"]),
    ("PII-X18", (A_CREATED % "PII-X18" + '"district":"京口区","content":"x","caller":{"name":"司马翠兰\udcff","phone":"18655508642"}}'),
     "invalid_utf8", ["B.name", "B.phone"]),
    ("PII-X19", '["13957246810","欧阳铁柱","91321100MA1PQ7RX3K"]', "not_object", ["A.name", "A.phone", "E1.code"]),
    ("PII-X20", A_CREATED % "PII-X20" + '"district":"京口区","content":"%s",%s}' % ("长" * 22000 + "13957246810", CALLER_A),
     "content_too_long", ["A.name", "A.phone"]),
    ("PII-X21", A_CREATED % "PII-X21" + '"district":"京口区","content":"%s",%s}' % ("长" * 40000, CALLER_A),
     "too_large", ["A.name", "A.phone"]),
    ("PII-X22", A_CREATED % "PII-X22" + '"district":"京口区","content":"x","note":%s,"caller":{"name":"皇甫春燕"}}' % too_complex_note,
     "too_complex", ["A.phone", "F.name"]),
    ("PII-NEVER", '{"id":"PII-NEVER","event":"resolved","ts":"2023-03-08T09:00:00+08:00","note":"%s %s %s"}'
     % (V["B.name"], V["B.phone"], V["E2.code"]), "unknown_ticket", ["B.name", "B.phone", "E2.code"]),
]
invalid = [(k.encode(), p.encode("utf-8", errors="surrogateescape"), r, sorted(l)) for k, p, r, l in invalid]
for k, p, r, labels in invalid:
    check(scan(p) == labels, "self-check: dead letter %s is built with %r, the scanner sees %r" % (k, labels, scan(p)))

phase1 = [(e["id"].encode(), line(e)) for e in valid + lifecycle]
phase1[5:5] = [(k, p) for k, p, _, _ in invalid]  # the bad among the good
# phase 2, with `hotline serve` following the feed: caller A a 4th time, and
# every ticket dispatched in April, past 2023Q1's end + grace: the ingester
# emits 2023Q1's health check
late = created(11, 25, 9, "A", ARREARS)
phase2 = [(late["id"].encode(), line(late))]
for e in valid + [late]:
    phase2.append((e["id"].encode(), line({"id": e["id"], "event": "dispatched", "ts": "2023-04-20T09:00:00+08:00",
                                           "department": "COMMERCE", "note": V["C.name"]})))

# ---- helpers ------------------------------------------------------------------------------


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy


def http_get(port, path):
    """(status, body bytes) of GET http://127.0.0.1:port/path."""
    try:
        with LOCAL.open("http://127.0.0.1:%d%s" % (port, path), timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def metric(text, name):
    m = re.search(rb"^%s (\d+)$" % name.encode(), text, re.M)
    return int(m.group(1)) if m else None


r = Redis()


def stored_offsets():
    keys = r.scan("hl:{%s:*}:off" % topic)
    return sum(int(v) for v in r.pipeline([("GET", k) for k in keys]) if v) if keys else 0


# ---- phase 1: the ingester as a service, with its metrics endpoint ----------------------------

# Everything in one partition, in this order: an alert counts what has been
# seen when its ticket is processed, and several partitions' batches may be
# processed in any order (PII-010 before PII-002 changes which alerts fire).
kcat_produce(topic, phase1, partition=0)
mport = free_port()
logdir = tempfile.mkdtemp(prefix="hl-pii-")
out1, err1 = open(os.path.join(logdir, "ingest1.out"), "wb+"), open(os.path.join(logdir, "ingest1.err"), "wb+")
proc = subprocess.Popen([HOTLINE, "ingest", *ingest_args, "-X", "ingest.metrics.port=%d" % mport],
                        cwd=SOURCE_DIR, stdout=out1, stderr=err1)
scrapes = []
try:
    deadline = time.time() + 60
    while True:
        check(proc.poll() is None, "hotline ingest exited %s" % proc.returncode)
        check(time.time() < deadline, "phase 1 not ingested in 60 s: offsets %d of %d" % (stored_offsets(), len(phase1)))
        try:
            status, body = http_get(mport, "/metrics")
            scrapes.append(("/metrics", body))
            if stored_offsets() == len(phase1) and metric(body, "hotline_messages_total") == len(phase1) \
                    and metric(body, "hotline_lag_messages") == 0:
                break
        except OSError:
            pass
        time.sleep(0.2)
    status, body = http_get(mport, "/metrics")
    check(status == 200, "metrics: %d" % status)
    check(metric(body, "hotline_deadlettered_total") == len(invalid),
          "metrics: %d dead letters, want %d" % (metric(body, "hotline_deadlettered_total") or -1, len(invalid)))
    stages = dict(re.findall(rb'^hotline_writer_seconds_total\{stage="(\w+)"\} ([\d.]+)$', body, re.M))
    check(sorted(stages) == [b"commit", b"kafka", b"lifecycle", b"redis"], "writer stages: %r" % stages)
    check(all(float(v) > 0 for v in stages.values()), "writer stages without time: %r" % stages)
    check(re.search(rb"^hotline_consumer_wait_seconds_total [\d.]+$", body, re.M) is not None,
          "no consumer wait in the metrics")
    scrapes.append(("/metrics", body))
    scrapes.append(("/nope", http_get(mport, "/nope")[1]))
    proc.send_signal(signal.SIGTERM)
    check(proc.wait(timeout=30) == 0, "hotline ingest did not stop cleanly on SIGTERM")
finally:  # a failed check leaves no ingester behind
    if proc.poll() is None:
        proc.kill()
        proc.wait()
out1.seek(0)
err1.seek(0)
logs = [("ingest (service) stdout", out1.read()), ("ingest (service) stderr", err1.read())]
check(b"ingested %d messages" % len(phase1) in logs[0][1], "ingest summary: %r" % logs[0][1][-300:])
check(b"%7|" in logs[1][1], "no librdkafka debug output: kafka.debug not applied?")

# ---- hotline serve, following the feed; phase 2 with --until-caught-up -------------------------

sport = free_port()
serve_err = open(os.path.join(logdir, "serve.err"), "wb+")
serve = subprocess.Popen([HOTLINE, "serve", "-X", "serve.port=%d" % sport, *common], cwd=SOURCE_DIR,
                         stdout=serve_err, stderr=serve_err)
try:
    deadline = time.time() + 30
    while True:
        check(serve.poll() is None, "hotline serve exited %s" % serve.returncode)
        check(time.time() < deadline, "hotline serve: the feed never reached its end")
        try:
            status, body = http_get(sport, "/api/latest")
            if status == 200 and json.loads(body)["feed"] == "ready":
                break
        except OSError:
            pass
        time.sleep(0.2)

    kcat_produce(topic, phase2, partition=0)
    mport2 = free_port()
    stop_poll = threading.Event()

    def poll_metrics():  # whatever the endpoint answers while the run lasts
        while not stop_poll.is_set():
            try:
                scrapes.append(("/metrics (until-caught-up)", http_get(mport2, "/metrics")[1]))
            except OSError:
                pass
            time.sleep(0.1)
    poller = threading.Thread(target=poll_metrics, daemon=True)
    poller.start()
    _, o, e = hotline("ingest", "--until-caught-up", *ingest_args, "-X", "ingest.metrics.port=%d" % mport2)
    stop_poll.set()
    poller.join()
    logs += [("ingest --until-caught-up stdout", o), ("ingest --until-caught-up stderr", e)]
    check(b"ingested %d messages" % len(phase2) in o, "ingest summary: %r" % o[-300:])
    check(b"quarterly health check 2023Q1 emitted" in e, "the ingester did not emit 2023Q1's health check")

    deadline = time.time() + 30
    while True:
        check(time.time() < deadline, "/api/latest never showed PII-011")
        status, body = http_get(sport, "/api/latest")
        if b"PII-011" in body:
            break
        time.sleep(0.2)

    # every endpoint: the dashboard's (hotspots, latest, meta, trend, alerts) and the others
    api = {}
    for path in ["/", "/healthz", "/api/meta", "/api/latest", "/api/alerts", "/api/alerts?limit=10000",
                 "/api/alerts?type=repeat", "/api/alerts?since=2023-03-01",
                 "/api/hotspots?window=2023Q1", "/api/hotspots?window=30d&at=2023-03-31",
                 "/api/hotspots?window=2023Q1&by=park", "/api/hotspots?window=2023Q1&by=district",
                 "/api/hotspots?window=2023Q1&by=dept", "/api/hotspots?window=2023Q1&by=appeal",
                 "/api/hotspots?window=2023Q1&urgent=1", "/api/rising?window=7d&at=2023-03-21",
                 "/api/hotwords?window=2023Q1", "/api/trend?topic=MKT.ARREARS&days=60&at=2023-03-31",
                 "/api/trend?topic=MKT.UTILITY&days=60&at=2023-03-31"]:
        status, body = http_get(sport, path)
        check(status == 200, "serve %s: %d %r" % (path, status, body[:200]))
        api[path] = body
    check(json.loads(api["/api/hotspots?window=2023Q1"])["items"], "hotspots empty: the API scan would prove nothing")
finally:
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=30)
serve_err.seek(0)
logs.append(("hotline serve stderr", serve_err.read()))

# ---- scan ------------------------------------------------------------------------------------------

# Redis: every key, every value. Keys of other runs and tests sharing the
# server are scanned for the values in clear; their hashes may be under the
# public key (the other tests run with the default), this run's must not.
keys = r.scan("*")
mine = [k for k in keys if topic.encode() in k]
check(len(mine) > 10, "Redis holds %d keys of this run" % len(mine))
redis_alerts = []
for k in keys:
    t = r.cmd("TYPE", k)
    if t == "string":
        vals = [r.cmd("GET", k)]
    elif t == "hash":
        vals = r.cmd("HGETALL", k)
    elif t == "list":
        vals = r.cmd("LRANGE", k, 0, -1)
    elif t == "set":
        vals = r.cmd("SMEMBERS", k)
    elif t == "zset":
        vals = r.cmd("ZRANGE", k, 0, -1, "WITHSCORES")
    elif t == "none":  # expired meanwhile
        continue
    else:
        fail("Redis key %r of unexpected type %s" % (k, t))
    ours = topic.encode() in k
    clean("Redis key %r" % k, k, ours)
    clean("Redis %s %r" % (t, k), b"\n".join(v if isinstance(v, bytes) else str(v).encode() for v in vals), ours)
    if k.startswith(b"hl:{" + topic.encode() + b":") and k.endswith(b"}:alerts"):
        redis_alerts += [json.loads(v) for v in vals]

# self-check on real output: the hashes under the run's secret key are the
# identities in hl:who keys (so the hashes under the public key would be found)
who_keys = b"\n".join(k for k in mine if k.startswith(b"hl:who:"))
for label, h in identity_hashes(SECRET).items():
    check(h.encode() in who_keys, "self-check: no hl:who key holds %s's hash %s under the run's key" % (label, h))

for place, text in logs:
    clean(place, text)
    check(b"alerts.hash.key is the published default" not in text, "%s: weak-key warning under a secret key" % place)
check(scrapes, "the metrics endpoint never answered")
for place, text in scrapes:
    clean("metrics " + place, text)

# the dead-letter topic: original bytes and keys, reasons, no value in a header
msgs = kcat_consume(dlq, len(invalid))
sent = {}
for k, p, reason, labels in invalid:
    sent.setdefault(k, []).append((p, reason, labels))
for key, headers, payload in msgs:
    check(key in sent, "dead letter keyed %r: not a key we sent" % key)
    match = [x for x in sent[key] if x[0] == payload]
    check(match, "dead letter %s: payload is not the original bytes: %r" % (key, payload[:100]))
    p, reason, labels = match[0]
    sent[key].remove(match[0])
    check(headers.get("hotline.reason") == reason, "dead letter %s: reason %r, want %r" % (key, headers.get("hotline.reason"), reason))
    check(headers.get("hotline.error") and headers.get("hotline.source.topic") == topic, "dead letter %s headers %r" % (key, headers))
    # self-check on real output: the values are there, unchanged, and found
    check(scan(payload) == labels, "dead letter %s: scanner finds %r in the payload, built with %r" % (key, scan(payload), labels))
    clean("dead-letter key (%s)" % key, key)
    for h, v in headers.items():
        clean("dead-letter header %s of %s" % (h, key.decode()), h + "=" + v)

# the classified feed: 11 tickets; PII-001 dispatched, resolved, reviewed; 11 dispatched in April
msgs = kcat_consume(feed, 11 + 3 + 11)
for key, headers, payload in msgs:
    clean("feed key", key)
    clean("feed headers of %s" % key.decode(), json.dumps(headers))
    clean("feed message %s" % key.decode(), payload)

# alerts: exactly these, callers masked (compared once the scan is done)
alert_lists = []
want_alerts = sorted([
    ("repeat", "PII-002", 2, MASKED["A.phone"]),
    ("multi", "PII-003", 3, MASKED["A.phone"]),
    ("repeat", "PII-005", 2, MASKED["E2.code"]),
    ("urgent", "PII-006", 1, MASKED["B.phone"]),
    ("cluster", "PII-009", 3, None),
    ("multi", "PII-011", 4, MASKED["A.phone"]),
])
msgs = kcat_consume(alerts_topic, len(want_alerts))
got = sorted((a["type"], a["id"], a["count"], a["who"]) for a in (json.loads(p) for _, _, p in msgs))
alert_lists.append(("alerts topic", got))
got = sorted((a["type"], a["id"], a["count"], a["who"]) for a in redis_alerts)
alert_lists.append(("alerts in Redis", got))
for key, headers, payload in msgs:
    check(key == json.loads(payload)["id"].encode(), "alert keyed %r" % key)
    clean("alerts key", key)
    clean("alerts headers of %s" % key.decode(), json.dumps(headers))
    clean("alert %s" % key.decode(), payload)

# the health check the ingester emitted
msgs = kcat_consume(health, 1)
check(msgs[0][0] == b"2023Q1" and json.loads(msgs[0][2])["totals"]["received"] == 11,
      "health check: %r" % (msgs[0][:1],))
for key, headers, payload in msgs:
    clean("health-check key", key)
    clean("health-check headers", json.dumps(headers))
    clean("health-check report %s" % key.decode(), payload)

# the quarterly reports: every file
outdir = tempfile.mkdtemp(prefix="hl-pii-report-")
try:
    hotline("report", "--all", "--write", outdir, *common)
    names = sorted(os.listdir(outdir))
    check(names == sorted("report-2023Q1" + s for s in (".json", ".md", ".csv", "-hotspots.csv", ".html")),
          "report files: %r" % names)
    for n in names:
        with open(os.path.join(outdir, n), "rb") as f:
            clean("report file " + n, f.read())
finally:
    shutil.rmtree(outdir, ignore_errors=True)
for fmt in ("json", "md", "csv", "html"):
    clean("hotline report --format " + fmt, hotline("report", "--all", "--format", fmt, *common)[1])

# the API of hotline serve
for path, body in api.items():
    clean("GET " + path, body)
for path in ("/api/alerts", "/api/alerts?limit=10000"):
    got = sorted((a["type"], a["id"], a["count"], a["who"]) for a in json.loads(api[path])["alerts"]
                 if a["id"].startswith("PII-"))
    alert_lists.append(("GET " + path, got))

# the CLI
cli = {
    "hotline counts": hotline("counts", *common),
    "hotline hotspots": hotline("hotspots", "--window", "2023Q1", *common),
    "hotline hotspots --json": hotline("hotspots", "--window", "2023Q1", "--json", *common),
    "hotline hotspots --by park": hotline("hotspots", "--window", "2023Q1", "--by", "park", *common),
    "hotline hotspots --by district": hotline("hotspots", "--window", "2023Q1", "--by", "district", *common),
    "hotline alerts": hotline("alerts", "--limit", "10000", *common),
    "hotline alerts --json": hotline("alerts", "--limit", "10000", "--json", *common),
    "hotline feed": hotline("feed", "--from-beginning", "--until-end", *common),
    "hotline feed --json": hotline("feed", "--from-beginning", "--until-end", "--json", *common),
}
for name, (_, o, e) in cli.items():
    clean(name + " stdout", o)
    clean(name + " stderr", e)
check(b"PII-011" in cli["hotline feed --json"][1] and b"2023Q1" in cli["hotline counts"][1], "CLI outputs empty")
got = sorted((a["type"], a["id"], a["count"], a["who"]) for a in json.loads(cli["hotline alerts --json"][1])["alerts"]
             if a["id"].startswith("PII-"))
alert_lists.append(("hotline alerts --json", got))

# a leak is reported first, by place; then the alerts: exactly these, masked
fail_on_leaks()
for place, got in alert_lists:
    check(got == want_alerts, "%s:\n got %r\nwant %r" % (place, got, want_alerts))
text = cli["hotline alerts"][1].decode()
for masked in MASKED.values():
    check(masked in text, "hotline alerts does not show %s" % masked)
shutil.rmtree(logdir, ignore_errors=True)
print("personal data: %d values in %d messages (%d dead-lettered) scanned across Redis (%d keys), logs, metrics, "
      "dead letters, feed, alerts, health check, reports, API and CLI: none in clear; alerts masked (%.0f s)"
      % (len(PII), len(phase1) + len(phase2), len(invalid), len(keys), time.time() - T0))
