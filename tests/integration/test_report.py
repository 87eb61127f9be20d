#!/usr/bin/env python3
"""Issue 6 acceptance: the quarterly health check. A generated year is
published and ingested; for each of its four quarters `hotline report
--format json` must equal, field for field, a report this test computes on
its own from the stream (groundtruth.compute: the counts Redis must hold)
and from its own reading of config/cards.tsv: totals and changes, every
group's counts and rates, topic mixes, hotspots, rising topics, cards with
the rule that gave each, and the ranking. Then: the output is byte-identical
run after run; --write writes the bulletins and the CSV holds the JSON's
numbers; --emit publishes the JSON keyed by quarter, twice identically; and
the HTML bulletin, rendered by headless Chromium, draws every chart bar
with the JSON's value and a length proportional to it."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal, ROUND_HALF_UP
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hltest import *  # noqa: E402,F401
import groundtruth  # noqa: E402

SEED = int(os.environ.get("HL_REPORT_SEED", "23"))
TICKETS = int(os.environ.get("HL_REPORT_TICKETS", "20000"))

METRICS = ["received", "dispatched", "resolved", "resolved_on_time", "reopened", "reviewed",
           "satisfied", "basically_satisfied", "dissatisfied", "agree"]
RATES = ["dispatch_rate", "resolution_rate", "on_time_rate", "reopen_rate", "satisfaction_rate",
         "agreement_rate"]
ENVS = [("POL", "政策环境"), ("MKT", "市场环境"), ("GOV", "政务环境"), ("LAW", "法治环境"),
        ("HUM", "人文环境"), ("OTHER", "其他")]
TOPICS = [(r[0], r[1], r[2]) for r in groundtruth._tsv("topics.tsv")]
DEPTS = [(r[0], r[1]) for r in groundtruth._tsv("departments.tsv")]
DISTRICTS = [(r[0], r[1]) for r in groundtruth._tsv("districts.tsv")]


# ---- numbers as the schema defines them -------------------------------------

def r6(x):
    """A double rounded to 6 decimals, half away from zero (schema: rates)."""
    i = int(Decimal(x * 1e6).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return float(i) / 1e6 if i else 0.0


def ratio(num, den):
    return None if den == 0 else num / den


def rate(c, name):
    g = lambda m: c.get(m, 0)  # noqa: E731
    return {"dispatch_rate": ratio(g("dispatched"), g("received")),
            "resolution_rate": ratio(g("resolved"), g("received")),
            "on_time_rate": ratio(g("resolved_on_time"), g("resolved")),
            "reopen_rate": ratio(g("reopened"), g("received")),
            "satisfaction_rate": ratio(g("satisfied") + g("basically_satisfied"), g("reviewed")),
            "agreement_rate": ratio(g("agree"), g("dispatched"))}[name]


def rnd(x):
    return None if x is None else r6(x)


def growth(cur, prev):
    return None if prev == 0 else r6((cur - prev) / prev)


# ---- the card rules, read independently ------------------------------------

def read_rules(path):
    rules = {"grade": {}, "rules": [], "options": {"hotspots_top": 10, "rising_top": 5, "rising_min_prev": 10}}
    for no, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n").rstrip("\r")
        if not line.strip(" \t") or line.lstrip(" \t").startswith("#"):
            continue
        f = [x.strip(" ") for x in line.split("\t")]
        if f[0] == "grade":
            rules["grade"][f[1]] = {"min": int(f[2]), "default": f[3], "line": no}
        elif f[0] == "option":
            rules["options"][f[1]] = int(f[2])
        elif f[0] == "rule":
            toks = f[4].split()
            terms = [(toks[i], toks[i + 1], float(toks[i + 2])) for i in range(0, len(toks), 4)]
            rules["rules"].append({"id": f[1], "scope": f[2], "card": f[3], "cond": f[4],
                                   "text": f[5] if len(f) > 5 else "", "line": no, "terms": terms})
        else:
            fail("cards.tsv:%d: unexpected line for this test" % no)
    return rules


def cvalue(c, prev_received, metric):
    if metric == "growth":
        return None if prev_received == 0 else (c.get("received", 0) - prev_received) / prev_received
    if metric in ("received", "dissatisfied"):
        return float(c.get(metric, 0))
    return rate(c, {"satisfaction": "satisfaction_rate", "on_time": "on_time_rate",
                    "resolution": "resolution_rate", "dispatch": "dispatch_rate",
                    "reopen": "reopen_rate", "agreement": "agreement_rate"}[metric])


def card_for(rules, scope, c, prev_received):
    """(card, rule json) or None when the unit gets no card."""
    g = rules["grade"].get(scope)
    if g is None or c.get("received", 0) <= 0:
        return None
    if c["received"] < g["min"]:
        return "none", {"id": "min_received", "line": g["line"], "condition": "received < %d" % g["min"],
                        "description": "受理量不足%d件，不评牌" % g["min"]}
    ops = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
           ">=": lambda a, b: a >= b}
    for r in rules["rules"]:
        if r["scope"] != scope:
            continue
        ok = True
        for metric, op, th in r["terms"]:
            v = cvalue(c, prev_received, metric)
            if v is None or not ops[op](v, th):
                ok = False
                break
        if ok:
            return r["card"], {"id": r["id"], "line": r["line"], "condition": r["cond"], "description": r["text"]}
    return g["default"], {"id": "default", "line": g["line"], "condition": "", "description": "未触发任何规则"}


# ---- the expected report ------------------------------------------------------

def split(q):
    """{dim: {value: {metric: n}}} from a quarter's {field: n}."""
    out = {}
    for field, n in q.items():
        dim, metric, value = field.split("|", 2)
        out.setdefault(dim, {}).setdefault(value, {})[metric] = n
    return out


def shift(quarter, delta):
    i = int(quarter[:4]) * 4 + int(quarter[5]) - 1 + delta
    return "%04dQ%d" % (i // 4, i % 4 + 1)


def counts_obj(c, agree):
    o = {}
    for m in METRICS:
        if m != "agree" or agree:
            o[m] = c.get(m, 0)
    for r in RATES:
        if r != "agreement_rate" or agree:
            o[r] = rnd(rate(c, r))
    return o


def compare_obj(quarter, cur, then):
    o = {"quarter": quarter}
    o.update(counts_obj(then, True))
    o["change"] = {m: {"delta": cur.get(m, 0) - then.get(m, 0), "relative": growth(cur.get(m, 0), then.get(m, 0))}
                   for m in METRICS}
    rc = {}
    for r in RATES:
        a, b = rate(cur, r), rate(then, r)
        rc[r] = None if a is None or b is None else r6(a - b)
    o["rate_change"] = rc
    return o


def expected(quarter, quarters, rules):
    cur = split(quarters.get(quarter, {}))
    prev = split(quarters.get(shift(quarter, -1), {}))
    ya = split(quarters.get(shift(quarter, -4), {}))
    tot = cur.get("all", {}).get("", {})
    ptot = prev.get("all", {}).get("", {})
    ytot = ya.get("all", {}).get("", {})
    doc = {"schema": 1, "quarter": quarter, "previous_quarter": shift(quarter, -1),
           "year_ago_quarter": shift(quarter, -4)}
    t = counts_obj(tot, True)
    unc = cur.get("topic", {}).get("OTHER", {}).get("received", 0)
    t["unclassified"] = unc
    t["unclassified_share"] = rnd(ratio(unc, tot.get("received", 0)))
    t["previous_quarter"] = compare_obj(shift(quarter, -1), tot, ptot)
    t["year_ago"] = compare_obj(shift(quarter, -4), tot, ytot)
    doc["totals"] = t

    def unit(dim, code, name, agree, extra=None):
        c = cur.get(dim, {}).get(code, {})
        pr = prev.get(dim, {}).get(code, {}).get("received", 0)
        o = {} if name is None else {"name": name}
        if extra:
            o.update(extra)
        o.update(counts_obj(c, agree))
        o["previous_received"] = pr
        o["growth"] = growth(c.get("received", 0), pr)
        return o, c, pr

    doc["by_environment"] = {code: unit("env", code, name, False)[0] for code, name in ENVS}
    doc["by_topic"] = {code: unit("topic", code, name, False, {"environment": env})[0]
                       for code, env, name in TOPICS}
    cards, units = [], {"department": [], "district": [], "park": []}
    bydept = {}
    for i, (code, name) in enumerate(DEPTS):
        o, c, pr = unit("dept", code, name, True)
        bydept[code] = o
        units["department"].append((i, code, name, c, pr, card_for(rules, "department", c, pr)))
    doc["by_department"] = bydept
    bydist = {}
    dt = cur.get("dt", {})
    for i, (code, name) in enumerate(DISTRICTS):
        o, c, pr = unit("district", code, name, False)
        o["topics"] = {tc: dt[code + "|" + tc]["received"] for tc, _, _ in TOPICS
                       if dt.get(code + "|" + tc, {}).get("received", 0)}
        bydist[code] = o
        units["district"].append((i, code, name, c, pr, card_for(rules, "district", c, pr)))
    doc["by_district"] = bydist
    parks = sorted((p for p, c in cur.get("park", {}).items() if c.get("received", 0) > 0),
                   key=lambda p: p.encode())
    bypark = {}
    for i, p in enumerate(parks):
        o, c, pr = unit("park", p, None, False)
        bypark[p] = o
        units["park"].append((i, p, p, c, pr, card_for(rules, "park", c, pr)))
    doc["by_park"] = bypark

    hs = []
    pdt = prev.get("dt", {})
    for di, (d, _) in enumerate(DISTRICTS):
        for ti, (tc, _, _) in enumerate(TOPICS):
            n = dt.get(d + "|" + tc, {}).get("received", 0)
            if n > 0:
                hs.append((-n, di, ti, d, tc, n, pdt.get(d + "|" + tc, {}).get("received", 0)))
    hs.sort()
    doc["hotspots"] = [{"rank": k + 1, "district": h[3], "topic": h[4], "received": h[5],
                        "previous_received": h[6], "growth": growth(h[5], h[6])}
                       for k, h in enumerate(hs[:rules["options"]["hotspots_top"]])]
    rising = []
    for ti, (tc, _, _) in enumerate(TOPICS):
        n = cur.get("topic", {}).get(tc, {}).get("received", 0)
        p = prev.get("topic", {}).get(tc, {}).get("received", 0)
        if p >= max(1, rules["options"]["rising_min_prev"]) and n > p:
            rising.append((-Fraction(n, p), -(n - p), ti, tc, n, p))
    rising.sort()
    doc["rising_topics"] = [{"rank": k + 1, "topic": r[3], "received": r[4], "previous_received": r[5],
                             "delta": r[4] - r[5], "growth": growth(r[4], r[5])}
                            for k, r in enumerate(rising[:rules["options"]["rising_top"]])]
    for scope in ("department", "district", "park"):
        for i, code, name, c, pr, cr in units[scope]:
            if cr:
                cards.append({"scope": scope, "code": code, "name": name, "card": cr[0],
                              "received": c.get("received", 0), "rule": cr[1]})
    doc["cards"] = cards

    def ranking(scope):
        g = rules["grade"].get(scope)
        mn = max(1, g["min"] if g else 1)
        order = {"red": 2, "yellow": 1}
        rows = []
        for i, code, name, c, pr, cr in units[scope]:
            if c.get("received", 0) < mn:
                continue
            card = cr[0] if cr else "none"

            def desc(x):
                return (1, 0) if x is None else (0, -x)

            def asc(x):
                return (1, 0) if x is None else (0, x)
            key = (order.get(card, 0), desc(rate(c, "satisfaction_rate")), desc(rate(c, "on_time_rate")),
                   asc(rate(c, "reopen_rate")), -c.get("received", 0), i)
            rows.append((key, code, name, card, c))
        rows.sort(key=lambda r: r[0])
        return [{"rank": k + 1, "code": code, "name": name, "card": card, "received": c.get("received", 0),
                 "satisfaction_rate": rnd(rate(c, "satisfaction_rate")),
                 "on_time_rate": rnd(rate(c, "on_time_rate")), "reopen_rate": rnd(rate(c, "reopen_rate"))}
                for k, (_, code, name, card, c) in enumerate(rows)]
    doc["ranking"] = {"departments": ranking("department"), "districts": ranking("district")}
    return doc


def deep_diff(path, want, got, out):
    if isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            out.append("%s: keys %s, expected %s" % (path, list(got)[:12], list(want)[:12]))
        for k in want:
            if k in got:
                deep_diff(path + "." + str(k), want[k], got[k], out)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append("%s: %d items, expected %d" % (path, len(got), len(want)))
        for i, (a, b) in enumerate(zip(want, got)):
            deep_diff("%s[%d]" % (path, i), a, b, out)
    elif type(want) is not type(got) or want != got:
        if isinstance(want, (int, float)) and isinstance(got, (int, float)) and not isinstance(want, bool) \
                and type(want) is type(got) and want == got:
            return
        out.append("%s: got %r, expected %r" % (path, got, want))


def count_leaves(x):
    if isinstance(x, dict):
        return sum(count_leaves(v) for v in x.values())
    if isinstance(x, list):
        return sum(count_leaves(v) for v in x)
    return 1


# ---- the run --------------------------------------------------------------------

topic = unique("it.report")
group = unique("it.report.group")
health = topic + ".health"
common = ["-X", "topic.tickets=" + topic, "-X", "topic.deadletter=" + topic + ".dlq",
          "-X", "topic.classified=" + topic + ".classified", "-X", "topic.alerts=" + topic + ".alerts",
          "-X", "topic.healthcheck=" + health]

_, out, _ = hotline("sample", "--seed", str(SEED), "--tickets", str(TICKETS), "--invalid", "0")
lines = out.splitlines()
publish(topic, lines)
# the ingester's own emission goes to a topic of its own (test_report_emit.py
# covers it): the health-check topic below holds only what --emit publishes
hotline("ingest", "--until-caught-up", "-X", "kafka.group.id=" + group, *common,
        "-X", "topic.healthcheck=" + health + ".ingester")
quarters, _, _ = groundtruth.compute(lines)
r = Redis()
got_q, _, _ = groundtruth.redis_state(r, topic)
d = []
for q in sorted(set(quarters) | set(got_q)):
    d += groundtruth.diff("q:" + q, quarters.get(q, {}), got_q.get(q, {}))
check(not d, "Redis counts differ from the ground truth:\n" + "\n".join(d))
check(len(quarters) == 4, "the sample year spans %d quarters: %s" % (len(quarters), sorted(quarters)))

rules = read_rules(os.path.join(SOURCE_DIR, "config", "cards.tsv"))
reports, checked, cards_seen = {}, 0, {}
for q in sorted(quarters):
    _, raw, _ = hotline("report", "--quarter", q, "--format", "json", *common)
    _, raw2, _ = hotline("report", "--quarter", q, *common)
    check(raw == raw2, "%s: two runs on the same Redis state differ" % q)
    check(raw.endswith(b"\n") and raw.count(b"\n") == 1, "%s: JSON is not one line" % q)
    got = json.loads(raw)
    want = expected(q, quarters, rules)
    problems = []
    deep_diff(q, want, got, problems)
    check(not problems, "report %s differs from the independent computation (%d):\n%s"
          % (q, len(problems), "\n".join(problems[:30])))
    checked += count_leaves(want)
    for c in got["cards"]:
        cards_seen[c["card"]] = cards_seen.get(c["card"], 0) + 1
    reports[q] = raw
print("checked %d figures over %d quarters; cards %s" % (checked, len(reports), cards_seen))
check(cards_seen.get("red") and cards_seen.get("yellow") and cards_seen.get("green"),
      "the sample year should give red, yellow and green cards: %s" % cards_seen)

# --write: the five files; the CSV holds the JSON's numbers
outdir = tempfile.mkdtemp(prefix="hl-report-")
try:
    q = sorted(quarters)[1]
    hotline("report", "--quarter", q, "--write", outdir, *common)
    names = sorted(os.listdir(outdir))
    want_names = sorted("report-%s%s" % (q, e) for e in (".json", ".md", ".csv", "-hotspots.csv", ".html"))
    check(names == want_names, "--write wrote %s, expected %s" % (names, want_names))
    check(open(os.path.join(outdir, "report-%s.json" % q), "rb").read() == reports[q],
          "report.json differs from --format json")
    doc = json.loads(reports[q])
    rows = list(csv.reader(io.StringIO(open(os.path.join(outdir, "report-%s.csv" % q), encoding="utf-8-sig").read())))
    head = rows[1]
    groups = {"environment": "by_environment", "topic": "by_topic", "department": "by_department",
              "district": "by_district", "park": "by_park"}
    ncsv = 0
    for row in rows[2:]:
        rec = dict(zip(head, row))
        if rec["section"] in groups:
            src = doc[groups[rec["section"]]][rec["code"].lstrip("'") if rec["code"].startswith("'") else rec["code"]]
        elif rec["section"] == "totals":
            src = doc["totals"]
        else:
            continue
        for k in METRICS + RATES:
            if k in src:
                v = src[k]
                want_s = "" if v is None else ("%d" % v if isinstance(v, int) else "%.6f" % v)
                check(rec[k] == want_s, "CSV %s %s %s = %r, JSON has %r" % (rec["section"], rec["code"], k, rec[k], v))
                ncsv += 1
    check(ncsv > 500, "too few CSV figures compared (%d)" % ncsv)
    md = open(os.path.join(outdir, "report-%s.md" % q), encoding="utf-8").read()
    check("季度体检通报" in md and "红黄绿牌" in md, "Markdown lacks its headings")
    html_path = os.path.join(outdir, "report-%s.html" % q)
    html = open(html_path, encoding="utf-8").read()
    check("http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
          and "<script" not in html, "the HTML refers to an external resource or has a script")

    # the bulletin in headless Chromium: every chart bar carries the JSON's value and is drawn
    # with a length proportional to it
    import report_browser
    nbars = report_browser.check_bars(report_browser.render_bars(html_path), doc)
    print("browser: %d chart bars drawn with the JSON's values" % nbars)
finally:
    shutil.rmtree(outdir, ignore_errors=True)

# --emit: the JSON on the health-check topic keyed by quarter; twice, identical
hotline("report", "--all", "--emit", *common)
hotline("report", "--all", "--emit", *common)
msgs = kcat_consume(health, 2 * len(reports))
for i, (key, _, payload) in enumerate(msgs):
    q = key.decode()
    check(q in reports, "message keyed %r" % key)
    check(payload == reports[q], "emitted %s differs from `hotline report --format json`" % q)
check(sorted(m[0] for m in msgs) == sorted([q.encode() for q in reports] * 2), "not every quarter emitted twice")
print("ok: %d quarters, every figure equal; emitted twice identically" % len(reports))
