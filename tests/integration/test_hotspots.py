#!/usr/bin/env python3
"""Issue 5 (hotspots): a generated stream is published to a topic of its own
and ingested; the true window counts (district x topic and the other
groupings), the previous windows, rising items, hot words and daily trends
are computed here from the stream (classification from `hotline classify`,
counting in groundtruth.py, windows summed from hour buckets only, so the
day/hour covering of the C code is checked too) and compared exactly with
`hotline hotspots --json` and with the HTTP API of `hotline serve`; alerts
pushed into the partitions' lists come back merged, newest first; bad
parameters get 400 with a message; a non-loopback bind needs a token."""
import datetime
import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from groundtruth import CST, compute
from hltest import *

topic = unique("it.hot")
group = unique("it.hot.group")
common = ["-X", "topic.tickets=" + topic, "-X", "topic.classified=" + topic + ".cls",
          "-X", "topic.alerts=" + topic + ".alerts", "-X", "kafka.group.id=" + group]

_, out, _ = hotline("sample", "--tickets", "900", "--year", "2023", "--days", "60", "--seed", "7",
                    "--invalid", "0")
lines = [l for l in out.splitlines() if l.strip()]
publish(topic, lines)
hotline("ingest", "--until-caught-up", *common)
_, buckets, _ = compute(lines)


def hour_buckets(buckets):
    """hour -> fields, from the hour buckets only"""
    return {int(datetime.datetime.strptime(key[2:], "%Y%m%d%H").replace(tzinfo=CST).timestamp()): fields
            for key, fields in buckets.items() if key.startswith("h:")}


hours = hour_buckets(buckets)


def t_of(s):
    return int(datetime.datetime.fromisoformat(s).replace(tzinfo=CST).timestamp()) if "+" not in s \
        else int(datetime.datetime.fromisoformat(s).timestamp())


def iso(t):
    return datetime.datetime.fromtimestamp(t, CST).isoformat()


def window_sum(frm, to):
    s = {}
    for t, fields in hours.items():
        if frm <= t < to:
            for f, n in fields.items():
                s[f] = s.get(f, 0) + n
    return s


def expect(frm, to, prev_from, by="dt", flt=None, top=20, min_count=5, words=20, urgent=False):
    flt = flt or {}
    fam = {"dt": "dt", "topic": "dt", "district": "dt", "env": "dt", "dept": "dept", "park": "park",
           "appeal": "appeal"}[by]
    prefix = ("urgent" if urgent else fam) + "|"
    from groundtruth import TOPIC_ENV

    def group(fields):
        g, total = {}, 0
        for f, n in fields.items():
            if not f.startswith(prefix) or n == 0:
                continue
            a, b = f[len(prefix):].split("|", 1)
            tp = a if fam == "park" else b
            if "topic" in flt and tp != flt["topic"]:
                continue
            if "env" in flt and TOPIC_ENV.get(tp) != flt["env"]:
                continue
            if fam == "dt" and "district" in flt and a != flt["district"]:
                continue
            if fam == "dept" and "dept" in flt and a != flt["dept"]:
                continue
            if fam == "appeal" and "appeal" in flt and a != flt["appeal"]:
                continue
            if fam == "park" and "park" in flt and b != flt["park"]:
                continue
            key = {"dt": f[len(prefix):], "topic": b, "district": a, "env": TOPIC_ENV.get(b, "OTHER"),
                   "dept": f[len(prefix):], "park": f[len(prefix):], "appeal": f[len(prefix):]}[by]
            g[key] = g.get(key, 0) + n
            total += n
        return g, total

    cur, prev = window_sum(frm, to), window_sum(prev_from, frm)
    gc, total = group(cur)
    gp, ptotal = group(prev)
    items = sorted(((k, c, gp.get(k, 0)) for k, c in gc.items()), key=lambda x: (-x[1], x[0].encode()))
    rising = sorted((x for x in items if x[1] >= min_count and x[1] > x[2]),
                    key=lambda x: (-(x[1] - x[2]), -x[1], x[0].encode()))
    kw = sorted(((f[3:], n, prev.get(f, 0)) for f, n in cur.items() if f.startswith("kw|") and n > 0),
                key=lambda x: (-x[1], x[0].encode()))
    return {"total": total, "previous_total": ptotal, "items": items[:top], "rising": rising[:top],
            "hot_words": kw[:words], "from": iso(frm), "to": iso(to), "prev": iso(prev_from)}


def key_of(by, it):
    return {"dt": lambda: it["district"] + "|" + it["topic"], "topic": lambda: it["topic"],
            "district": lambda: it["district"], "env": lambda: it["env"],
            "dept": lambda: it["dept"] + "|" + it["topic"], "park": lambda: it["topic"] + "|" + it["park"],
            "appeal": lambda: it["appeal"] + "|" + it["topic"]}[by]()


def compare(name, got, want, by="dt", sections=("items", "rising", "hot_words")):
    w = got["window"]
    check((w["from"], w["to"], w["previous"]["from"]) == (want["from"], want["to"], want["prev"]),
          "%s: window %r, want %s .. %s (previous from %s)" % (name, w, want["from"], want["to"], want["prev"]))
    check(got["total"] == want["total"] and got["previous_total"] == want["previous_total"],
          "%s: totals %d/%d, want %d/%d" % (name, got["total"], got["previous_total"], want["total"],
                                             want["previous_total"]))
    for sec in sections:
        if sec == "hot_words":
            g = [(x["keyword"], x["count"], x["previous"]) for x in got[sec]]
        else:
            g = [(key_of(by, x), x["count"], x["previous"]) for x in got[sec]]
            check(all(x["change"] == x["count"] - x["previous"] for x in got[sec]), name + ": change")
        check(g == want[sec], "%s %s:\n got %r\nwant %r" % (name, sec, g[:8], want[sec][:8]))


def cli(*args):
    _, out, _ = hotline("hotspots", "--json", *args, *common)
    return json.loads(out)


# every ticket is in 2023-01-01 .. 2023-03-01 (sample --days 60)
cases = [
    # name, CLI args, (from, to, prev_from), by, filters, top, min, words
    ("30d", ["--window", "30d", "--at", "2023-02-20T10:00"],
     ("2023-01-22", "2023-02-21", "2022-12-23"), "dt", {}, 20, 5, 20),
    ("7d top 5", ["--window", "7d", "--at", "2023-02-01", "--top", "5", "--min", "2", "--words", "7"],
     ("2023-01-25", "2023-02-01", "2023-01-18"), "dt", {}, 5, 2, 7),
    ("24h odd hour", ["--window", "24h", "--at", "2023-02-10T13:20", "--min", "1"],
     ("2023-02-09T14:00", "2023-02-10T14:00", "2023-02-08T14:00"), "dt", {}, 20, 1, 20),
    ("3h", ["--window", "3h", "--at", "2023-02-10T11:00", "--min", "1"],
     ("2023-02-10T08:00", "2023-02-10T11:00", "2023-02-10T05:00"), "dt", {}, 20, 1, 20),
    ("range", ["--from", "2023-01-10T07:00", "--to", "2023-01-20T19:00", "--min", "3"],
     ("2023-01-10T07:00", "2023-01-20T19:00", "2022-12-30T19:00"), "dt", {}, 20, 3, 20),
    ("quarter", ["--window", "2023Q1", "--top", "500", "--words", "500"],
     ("2023-01-01", "2023-04-01", "2022-10-01"), "dt", {}, 500, 5, 500),
    ("by topic env", ["--window", "30d", "--at", "2023-02-28T12:00", "--by", "topic", "--env", "MKT"],
     ("2023-01-30", "2023-03-01", "2022-12-31"), "topic", {"env": "MKT"}, 20, 5, 20),
    ("by district topic", ["--window", "30d", "--at", "2023-02-28T12:00", "--by", "district", "--topic", "MKT.ARREARS"],
     ("2023-01-30", "2023-03-01", "2022-12-31"), "district", {"topic": "MKT.ARREARS"}, 20, 5, 20),
    ("district filter", ["--window", "14d", "--at", "2023-02-28T12:00", "--district", "JK", "--min", "1"],
     ("2023-02-15", "2023-03-01", "2023-02-01"), "dt", {"district": "JK"}, 20, 1, 20),
    ("by env", ["--window", "2023Q1", "--by", "env"],
     ("2023-01-01", "2023-04-01", "2022-10-01"), "env", {}, 20, 5, 20),
    ("by dept", ["--window", "2023Q1", "--by", "dept", "--top", "100"],
     ("2023-01-01", "2023-04-01", "2022-10-01"), "dept", {}, 100, 5, 20),
    ("by dept filter", ["--window", "2023Q1", "--by", "dept", "--dept", "SAMR"],
     ("2023-01-01", "2023-04-01", "2022-10-01"), "dept", {"dept": "SAMR"}, 20, 5, 20),
    ("by park", ["--window", "2023Q1", "--by", "park", "--top", "500"],
     ("2023-01-01", "2023-04-01", "2022-10-01"), "park", {}, 500, 5, 20),
    ("by appeal", ["--window", "2023Q1", "--by", "appeal", "--appeal", "complaint"],
     ("2023-01-01", "2023-04-01", "2022-10-01"), "appeal", {"appeal": "complaint"}, 20, 5, 20),
    ("urgent", ["--window", "2023Q1", "--urgent", "--min", "1"],
     ("2023-01-01", "2023-04-01", "2022-10-01"), "dt", {}, 20, 1, 20),
]
checked_rising = 0
for name, args, (f, t, p), by, flt, top, mn, words in cases:
    want = expect(t_of(f), t_of(t), t_of(p), by, flt, top, mn, words, urgent=name == "urgent")
    got = cli(*args)
    compare("cli " + name, got, want, by)
    checked_rising += len(want["rising"])
check(checked_rising > 20, "the cases rank too few rising items (%d) to mean anything" % checked_rising)
quarter = expect(t_of("2023-01-01"), t_of("2023-04-01"), t_of("2022-10-01"), top=500, words=500)
check(quarter["total"] >= 900 and len(quarter["hot_words"]) > 20, "the stream's tickets are all counted")

# the table for people: Chinese names beside the codes
_, table, _ = hotline("hotspots", "--window", "2023Q1", *common)
table = table.decode()
check("热点" in table and "热词" in table and "上升" in table, "table sections")
top1 = quarter["items"][0][0].split("|")
check(top1[0] in table and top1[1] in table, "table shows the top item")
# CLI errors: exit 2 and the message
rc, _, err = hotline("hotspots", "--window", "5w", *common, check_rc=False)
check(rc == 2 and b"window" in err, "bad window on the CLI: rc %d %r" % (rc, err))
rc, _, err = hotline("hotspots", "--dept", "NDRC", *common, check_rc=False)
check(rc == 2 and b"by=dept" in err, "dept without by=dept: %r" % err)

# alerts: pushed by hand into two partitions' lists, merged newest first
r = Redis()
parts = sorted(k.decode() for k in r.cmd("SMEMBERS", "hl:partitions") if k.decode().startswith("{%s:" % topic))
check(len(parts) >= 2, "partitions of %s: %r" % (topic, parts))


def alert(i, typ, ts, district="JK"):
    return json.dumps({"schema": 1, "type": typ, "id": "HS-%03d" % i, "ts": ts, "topic": "MKT.ARREARS",
                       "district": district, "park": None, "who": "139****%04d" % i if typ != "cluster" else None,
                       "count": 2 if typ == "repeat" else 1}, ensure_ascii=False)


pushed = [(parts[0], alert(1, "repeat", "2023-02-01T09:00:00+08:00")),
          (parts[0], alert(2, "urgent", "2023-02-03T09:00:00+08:00")),
          (parts[1], alert(3, "cluster", "2023-02-02T09:00:00+08:00", "RZ")),
          (parts[1], alert(4, "repeat", "2023-02-04T01:00:00Z")),
          (parts[1], "not json at all")]
for tag, a in pushed:
    r.cmd("LPUSH", "hl:%s:alerts" % tag, a)
# the truth: every list of the topic (the ingester's alerts and ours), read here
stored = []
for tag in parts:
    for x in r.cmd("LRANGE", "hl:%s:alerts" % tag, 0, -1):
        try:
            a = json.loads(x)
        except ValueError:
            continue
        stored.append(a)


def alerts_want(since=None, typ=None):
    sel = [a for a in stored if (since is None or ts_of(a["ts"]) >= since) and (typ is None or a["type"] == typ)]
    sel.sort(key=lambda a: (-ts_of(a["ts"]), a["id"].encode(), a["type"]))
    return [(a["id"], a["type"]) for a in sel]


def ts_of(s):
    return int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


want_all = alerts_want()
check(len(want_all) >= 4, "alerts stored")
_, out, _ = hotline("alerts", "--json", "--limit", "10000", *common)
got = json.loads(out)
check([(a["id"], a["type"]) for a in got["alerts"]] == want_all and got["total"] == len(want_all),
      "alerts merged:\n got %r\nwant %r" % ([(a["id"], a["type"]) for a in got["alerts"]], want_all))
want_ids = [x[0] for x in want_all]
_, out, _ = hotline("alerts", "--json", "--type", "repeat", "--since", "2023-02-02", *common)
check([(a["id"], a["type"]) for a in json.loads(out)["alerts"]] == alerts_want(t_of("2023-02-02"), "repeat"),
      "alerts filtered")
check(("HS-004", "repeat") in alerts_want(t_of("2023-02-02"), "repeat"), "our repeat alert is in")
_, out, _ = hotline("alerts", *common)
check("多人同诉" in out.decode() and "HS-003" in out.decode(), "alerts table")


# ---- the HTTP API ----
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_serve(*extra):
    port = free_port()
    p = subprocess.Popen([HOTLINE, "serve", "-X", "serve.port=%d" % port, *common, *extra], cwd=SOURCE_DIR,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(100):
        if p.poll() is not None:
            fail("hotline serve exited %d: %s" % (p.returncode, p.stderr.read().decode(errors="replace")))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p, port
        except OSError:
            time.sleep(0.1)
    p.kill()
    fail("hotline serve does not listen")


def get(port, path, params=None, token=None):
    url = "http://127.0.0.1:%d%s" % (port, path)
    if params:
        url += "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read()) if path != "/" else resp.read()
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def cli_to_params(args):
    params, i = {}, 0
    while i < len(args):
        k = args[i][2:]
        if k == "urgent":
            params["urgent"] = "1"
            i += 1
        else:
            params[k] = args[i + 1]
            i += 2
    return params


serve, port = start_serve()
try:
    for name, args, (f, t, p), by, flt, top, mn, words in cases:
        want = expect(t_of(f), t_of(t), t_of(p), by, flt, top, mn, words, urgent=name == "urgent")
        params = cli_to_params(args)
        status, got = get(port, "/api/hotspots", params)
        check(status == 200, "api %s: %d %r" % (name, status, got))
        compare("api " + name, got, want, by)
        status, got = get(port, "/api/rising", params)
        check(status == 200 and "items" not in got and "hot_words" not in got, "api rising %s" % name)
        compare("api rising " + name, got, want, by, sections=("rising",))
        status, got = get(port, "/api/hotwords", params)
        compare("api hotwords " + name, got, want, by, sections=("hot_words",))
    # CLI and API give the same bytes of JSON
    _, cli_out, _ = hotline("hotspots", "--json", "--window", "30d", "--at", "2023-02-20", *common)
    with urllib.request.urlopen("http://127.0.0.1:%d/api/hotspots?window=30d&at=2023-02-20" % port) as resp:
        check(resp.read().strip() == cli_out.strip(), "CLI and API answers differ")
    # trend: per day, from the day buckets' truth
    status, got = get(port, "/api/trend", {"topic": "MKT.ARREARS", "days": "30", "at": "2023-02-20T10:00"})
    check(status == 200 and len(got["days"]) == 30, "trend: %d %r" % (status, got))
    for d in got["days"]:
        day = buckets.get("d:" + d["date"].replace("-", ""), {})
        n = sum(v for k, v in day.items() if k.startswith("dt|") and k.endswith("|MKT.ARREARS"))
        check(d["count"] == n, "trend %s: %d, want %d" % (d["date"], d["count"], n))
    check(got["days"][-1]["date"] == "2023-02-20" and got["total"] == sum(d["count"] for d in got["days"]),
          "trend ends with the anchor's day")
    status, got = get(port, "/api/alerts", {"limit": "2"})
    check(status == 200 and [a["id"] for a in got["alerts"]] == want_ids[:2], "api alerts %r" % got)
    status, got = get(port, "/api/alerts", {"type": "cluster"})
    check([(a["id"], a["type"]) for a in got["alerts"]] == alerts_want(None, "cluster"), "api alerts type")
    status, got = get(port, "/healthz")
    check(status == 200 and got["ok"] is True, "healthz %r" % got)
    status, got = get(port, "/api/meta")
    check(status == 200 and len(got["topics"]) == 25 and got["districts"][0]["name_zh"] == "京口区", "meta")
    status, page = get(port, "/")
    check(status == 200 and "热点".encode() in page and b"/api/hotspots" in page, "dashboard page")
    with open(os.path.join(SOURCE_DIR, "serve", "dashboard.html"), "rb") as f:
        check(page == f.read(), "the page served is not serve/dashboard.html: regenerate serve/dashboard_page.c")
    # 400s with a clear message, for every endpoint
    bad = [("/api/hotspots", {"window": "5w"}, "window"),
           ("/api/hotspots", {"window": "400d"}, "days must be 1..366"),
           ("/api/hotspots", {"top": "0"}, "top must be"),
           ("/api/hotspots", {"top": "100000"}, "top must be"),
           ("/api/hotspots", {"min": "abc"}, "min must be"),
           ("/api/hotspots", {"topic": "NOPE"}, "unknown topic"),
           ("/api/hotspots", {"district": "上海"}, "unknown district"),
           ("/api/hotspots", {"by": "weather"}, "by must be"),
           ("/api/hotspots", {"dept": "NDRC"}, "by=dept"),
           ("/api/hotspots", {"from": "2023-01-01"}, "go together"),
           ("/api/hotspots", {"from": "2023-01-01", "to": "2024-06-01"}, "longer than 366"),
           ("/api/hotspots", {"from": "2023-01-01T10:30", "to": "2023-01-02"}, "whole hours"),
           ("/api/hotspots", {"at": "tomorrow"}, "at: not a time"),
           ("/api/hotspots", {"foo": "1"}, "unknown parameter"),
           ("/api/rising", {"window": "7d", "sections": "bogus"}, "sections"),
           ("/api/trend", {"days": "1000"}, "days must be"),
           ("/api/trend", {"window": "7d"}, "unknown parameter"),
           ("/api/alerts", {"type": "loud"}, "type must be"),
           ("/api/alerts", {"since": "2023-02-30"}, "since"),
           ("/api/latest", {"x": "1"}, "unknown parameter")]
    for path, params, msg in bad:
        status, got = get(port, path, params)
        check(status == 400 and msg in got.get("error", ""), "%s %r: %d %r (want 400 %r)" % (path, params, status, got, msg))
    status, _ = get(port, "/api/hotspots?top=1&top=2")
    check(status == 400, "repeated parameter")
    status, got = get(port, "/nope")
    check(status == 404, "404")
    req = urllib.request.Request("http://127.0.0.1:%d/api/hotspots" % port, data=b"x", method="POST")
    try:
        urllib.request.urlopen(req, timeout=10)
        fail("POST accepted")
    except urllib.error.HTTPError as e:
        check(e.code == 405, "POST: %d" % e.code)

    # serve keeps the buckets it read under their change marks: after more
    # tickets (new ids, in the first 10 days only, so most buckets stay as
    # they were) every answer still equals the truth of the whole stream,
    # and the CLI, which reads every bucket afresh, gives the same bytes
    before = {}
    for name, args, _, _, _, _, _, _ in cases:
        status, got = get(port, "/api/hotspots", cli_to_params(args))
        before[name] = (got["total"], got["previous_total"])
    _, more, _ = hotline("sample", "--tickets", "150", "--year", "2023", "--days", "10", "--seed", "8",
                         "--invalid", "0")
    more = [json.dumps(dict(json.loads(l), id="B" + json.loads(l)["id"]), ensure_ascii=False).encode()
            for l in more.splitlines() if l.strip()]
    publish(topic, more)
    hotline("ingest", "--until-caught-up", *common)
    _, buckets2, _ = compute(lines + more)
    hours = hour_buckets(buckets2)  # what expect() sums
    changed = 0
    for name, args, (f, t, p), by, flt, top, mn, words in cases:
        want = expect(t_of(f), t_of(t), t_of(p), by, flt, top, mn, words, urgent=name == "urgent")
        status, got = get(port, "/api/hotspots", cli_to_params(args))
        check(status == 200, "api after more tickets %s: %d %r" % (name, status, got))
        compare("api after more tickets " + name, got, want, by)
        changed += (got["total"], got["previous_total"]) != before[name]
    check(changed > 0, "the second stream changed no answer: the check above proves nothing")
    for q in ("window=2023Q1", "window=30d&at=2023-02-20", "window=7d&at=2023-01-08T10:00&by=dept"):
        args = [x for kv in q.split("&") for x in ("--" + kv.split("=")[0], kv.split("=")[1])]
        _, cli_out, _ = hotline("hotspots", "--json", *args, *common)
        with urllib.request.urlopen("http://127.0.0.1:%d/api/hotspots?%s" % (port, q)) as resp:
            check(resp.read().strip() == cli_out.strip(), "after more tickets, CLI and API differ: " + q)
finally:
    serve.terminate()
    check(serve.wait(timeout=30) == 0, "serve exits 0 on SIGTERM")

# token rule: anything but loopback needs a token ...
rc, _, err = hotline("serve", "-X", "serve.bind=0.0.0.0", "-X", "serve.port=%d" % free_port(), *common,
                     check_rc=False, timeout=30)
check(rc != 0 and b"serve.token" in err, "non-loopback bind without a token must not start: %d %r" % (rc, err))
# ... and with one, every API call must carry it (the test connects to 127.0.0.1 only)
serve, port = start_serve("-X", "serve.bind=0.0.0.0", "-X", "serve.token=s3cret-token", "--no-feed")
try:
    status, got = get(port, "/api/hotspots", {"window": "2023Q1"})
    check(status == 401 and "bearer" in got["error"], "no token: %d %r" % (status, got))
    status, got = get(port, "/api/hotspots", {"window": "2023Q1"}, token="wrong")
    check(status == 401, "wrong token: %d" % status)
    status, got = get(port, "/api/hotspots", {"window": "2023Q1"}, token="s3cret-token")
    check(status == 200 and got["total"] == cli("--window", "2023Q1")["total"], "right token: %d" % status)
    status, got = get(port, "/healthz")
    check(status == 200, "healthz needs no token")
finally:
    serve.terminate()
    serve.wait(timeout=30)
print("hotspots: %d window cases exact through the CLI and the API (%d rising items), trend, alerts, "
      "400s and the token rule" % (len(cases), checked_rising))
