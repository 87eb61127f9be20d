"""The counts Redis must hold after a stream, computed independently of the
service's C code, from ../shared/spec/ticket-events.md and the keyspace of
docs/redis-keyspace.md. Classification (topic, suggested department,
keywords, flags) is taken from `hotline classify` on the same created events:
what is checked here is the counting, exactly once."""
import datetime
import json
import os

from hltest import SHARED, hotline

METRICS = ["received", "dispatched", "resolved", "resolved_on_time", "reopened", "reviewed",
           "satisfied", "basically_satisfied", "dissatisfied", "agree"]
APPEALS = {"投诉": "complaint", "举报": "report", "咨询": "inquiry", "建议": "suggestion",
           "求助": "help", "表扬": "praise"}
CHANNELS = {"phone", "web", "app", "wechat", "email", "letter"}
SATISFACTION = {"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "dissatisfied"}
CST = datetime.timezone(datetime.timedelta(hours=8))


def _tsv(name):
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(SHARED, "spec", name), encoding="utf-8")]
    return rows[1:]


TOPIC_ENV = {r[0]: r[1] for r in _tsv("topics.tsv")}
DEPTS = {}
for code, name in _tsv("departments.tsv"):
    DEPTS[code] = code
    DEPTS[name] = code
DISTRICTS = {}
for row in _tsv("districts.tsv"):
    if row[0] == "UNK":
        continue
    DISTRICTS[row[0]] = row[0]
    DISTRICTS[row[1]] = row[0]
    for alias in (row[2].split(",") if len(row) > 2 and row[2] else []):
        DISTRICTS[alias] = row[0]


def ts(s):
    return int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def cst(t):
    return datetime.datetime.fromtimestamp(t, CST)


def park_cut(p):
    b = p.encode()
    if len(b) <= 90:
        return p
    b = b[:90]
    return b.decode("utf-8", errors="ignore")


class Ticket:
    def __init__(self, ev, cls, due_days):
        self.created = ts(ev["ts"])
        self.due = ts(ev["due_at"]) if "due_at" in ev else self.created + due_days * 86400
        self.topic, self.sdept = cls["topic"], cls["department"]
        self.hdept = None
        self.district = DISTRICTS.get(ev["district"].strip(" "), "UNK")
        self.appeal = APPEALS[ev["appeal_type"]]
        self.channel = ev["channel"] if ev["channel"] in CHANNELS else "other"
        self.park = park_cut(ev["park"]) if ev.get("park") else None
        self.resolved_at = None
        self.reopened = False
        self.sat = None

    def contribution(self):
        on_time = self.resolved_at is not None and self.resolved_at <= self.due
        return {"received": 1, "dispatched": int(self.hdept is not None),
                "resolved": int(self.resolved_at is not None), "resolved_on_time": int(on_time),
                "reopened": int(self.reopened), "reviewed": int(self.sat is not None),
                "satisfied": int(self.sat == "satisfied"),
                "basically_satisfied": int(self.sat == "basically_satisfied"),
                "dissatisfied": int(self.sat == "dissatisfied"),
                "agree": int(self.hdept is not None and self.hdept == self.sdept)}

    def cells(self):
        c = ["all|", "topic|" + self.topic, "env|" + TOPIC_ENV[self.topic],
             "dept|" + (self.hdept or self.sdept), "sdept|" + self.sdept, "district|" + self.district,
             "appeal|" + self.appeal, "channel|" + self.channel, "dt|%s|%s" % (self.district, self.topic)]
        if self.park:
            c.append("park|" + self.park)
        return c


def classify(lines):
    """id -> classification of each first created event."""
    created = [l for l in lines if json.loads(l).get("event") == "created"]
    _, out, _ = hotline("classify", input=b"\n".join(created) + b"\n", timeout=900)
    result = {}
    for line in out.splitlines():
        o = json.loads(line)
        if "topic" in o:
            result.setdefault(o["id"], o)
    return result


def compute(lines, due_days=5):
    """@returns (quarters {quarter: {field: n}}, buckets {key suffix: {field: n}},
    stats {field: n}) for the valid stream @p lines (bytes, one event each)."""
    cls = classify(lines)
    tickets, stats, buckets = {}, {}, {}

    def bump(d, k, n=1):
        d[k] = d.get(k, 0) + n

    for line in lines:
        ev = json.loads(line)
        tid, kind = ev["id"], ev["event"]
        t = tickets.get(tid)
        if t is None and kind != "created":
            bump(stats, "deadletter|unknown_ticket")
            continue
        changed = True
        if kind == "created":
            if t is None:
                c = cls[tid]
                t = tickets[tid] = Ticket(ev, c, due_days)
                when = cst(t.created)
                for key in ("h:" + when.strftime("%Y%m%d%H"), "d:" + when.strftime("%Y%m%d")):
                    b = buckets.setdefault(key, {})
                    bump(b, "dt|%s|%s" % (t.district, t.topic))
                    bump(b, "dept|%s|%s" % (t.sdept, t.topic))
                    bump(b, "appeal|%s|%s" % (t.appeal, t.topic))
                    if t.park:
                        bump(b, "park|%s|%s" % (t.topic, t.park))
                    if "urgent" in c["flags"]:
                        bump(b, "urgent|%s|%s" % (t.district, t.topic))
                    for k in c["keywords"]:
                        bump(b, "kw|" + k["keyword"])
            else:
                changed = False
        elif kind == "dispatched":
            d = DEPTS[ev["department"]]
            changed = t.hdept != d
            t.hdept = d
        elif kind == "resolved":
            changed = t.resolved_at is None
            if changed:
                t.resolved_at = ts(ev["ts"])
        elif kind == "reopened":
            changed = t.resolved_at is not None
            if changed:
                t.resolved_at, t.reopened = None, True
        elif kind == "reviewed":
            s = SATISFACTION[ev["satisfaction"]]
            changed = t.sat != s
            t.sat = s
        bump(stats, ("applied|" if changed else "repeat|") + kind)

    quarters = {}
    for t in tickets.values():
        when = cst(t.created)
        q = quarters.setdefault("%dQ%d" % (when.year, (when.month - 1) // 3 + 1), {})
        contrib = t.contribution()
        for cell in t.cells():
            dim, value = cell.split("|", 1)
            for m in METRICS:
                if contrib[m]:
                    bump(q, "%s|%s|%s" % (dim, m, value), contrib[m])
    return quarters, buckets, stats


def redis_state(r, topic):
    """The same three views read back from Redis, summed over partitions."""
    quarters, buckets, stats = {}, {}, {}
    keys = r.scan("hl:{%s:*}:*" % topic)
    want = [k for k in keys if b"}:q:" in k or b"}:h:" in k or b"}:d:" in k or k.endswith(b"}:stats")]
    for key, fields in r.hgetall_many(want, raw=True).items():
        kind = key.split(b"}:", 1)[1].decode()
        if kind.startswith("q:"):
            target = quarters.setdefault(kind[2:], {})
        elif kind == "stats":
            target = stats
        else:
            target = buckets.setdefault(kind, {})
        for f, v in fields.items():
            f = f.decode()
            if kind.startswith("q:") and f.startswith("table|"):
                continue
            for f, v in unpack(f, v):
                if v:
                    target[f] = target.get(f, 0) + v
    return quarters, buckets, stats


def unpack(field, value):
    """A bucket's packed hot words "kw#<g>" (common/kwpack.h) as the fields
    "kw|<keyword>" they hold; any other field as itself."""
    if not field.startswith("kw#"):
        return [(field, int(value))]
    out, prev = [], None
    for line in value.decode().split("\n")[:-1]:
        word, count = line.split("\t")
        assert prev is None or word.encode() > prev.encode(), "hot words not sorted: %r" % line
        prev = word
        out.append(("kw|" + word, int(count)))
    return out


def diff(name, want, got, limit=10):
    """@returns a list of lines describing the differences (empty: equal)."""
    out = []
    for k in sorted(set(want) | set(got)):
        if want.get(k, 0) != got.get(k, 0):
            out.append("%s %s: expected %d, Redis has %d" % (name, k, want.get(k, 0), got.get(k, 0)))
    return out[:limit] + (["... %d more" % (len(out) - limit)] if len(out) > limit else [])
