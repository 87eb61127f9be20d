#!/usr/bin/env python3
"""`hotline classify` end to end on files: one output line per input line, in
order; exact decisions and keyword positions; error objects with line
numbers; --text; `hotline keywords --check` on good and broken tables."""
import json
import os
import subprocess
import sys
import tempfile

SOURCE = os.environ.get("HL_SOURCE_DIR", ".")
HOTLINE = os.path.join(os.environ.get("HL_BUILD_DIR", "build"), "hotline")
fails = 0


def check(cond, msg):
    global fails
    if not cond:
        print("FAIL: " + msg, file=sys.stderr)
        fails += 1


def run(*args, input=None):
    p = subprocess.run([HOTLINE] + list(args), cwd=SOURCE, capture_output=True, input=input)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


tmp = tempfile.mkdtemp()
table = os.path.join(tmp, "kw.tsv")
open(table, "w", encoding="utf-8").write(
    "# test table\nkeyword\ttopic\tdepartment\tweight\tflags\n"
    "竣工验收\tGOV.CONSTRUCTION\t\t3\t\n"
    "跑了好几趟\tGOV.APPROVAL\t\t2\t\n"
    "燃气\tMKT.UTILITY\tGAS\t3\t\n"
    "停气\tMKT.UTILITY\tGAS\t2\t\n"
    "跳楼\t-\t\t0\turgent\n")
events = os.path.join(tmp, "events.jsonl")
lines = [
    {"id": "A-1", "event": "created", "ts": "2023-02-15T09:31:00+08:00", "channel": "phone",
     "appeal_type": "投诉", "district": "京口区", "title": "厂房竣工验收迟迟不办",
     "content": "申请联合验收，跑了好几趟", "caller": {"name": "王先生", "phone": "13912345678"}},
    {"id": "A-2", "event": "dispatched", "ts": "2023-02-15T10:00:00+08:00", "department": "HOUSING"},
    "this is not json",
    {"id": "A-3", "event": "created", "ts": "2023-02-16T09:00:00+08:00", "channel": "web",
     "appeal_type": "求助", "district": "丹陽市", "content": "燃氣公司又停氣三天，再不來人我就跳樓"},
    {"id": "A-4", "event": "created", "ts": "2023-02-16T09:00:00+08:00", "channel": "web",
     "appeal_type": "建议", "district": "句容", "content": "希望多组织政企座谈"},
]
with open(events, "w", encoding="utf-8") as f:
    for l in lines:
        f.write((l if isinstance(l, str) else json.dumps(l, ensure_ascii=False)) + "\n")

rc, out, err = run("classify", "-X", "classify.keywords=" + table, events)
check(rc == 0, "classify exit %d: %s" % (rc, err))
got = [json.loads(l) for l in out.splitlines()]
check(len(got) == 5, "%d output lines for 5 input lines" % len(got))
if len(got) == 5:
    a1, a2, bad, a3, a4 = got
    check(a1["id"] == "A-1" and a1["topic"] == "GOV.CONSTRUCTION" and a1["department"] == "HOUSING"
          and a1["environment"] == "GOV" and a1["score"] == 4.5 and a1["flags"] == [],
          "A-1: %r" % a1)
    title = lines[0]["title"].encode()
    content = lines[0]["content"].encode()
    kws = {k["keyword"]: k for k in a1["keywords"]}
    k = kws.get("竣工验收")
    check(k and k["field"] == "title" and title[k["start"]:k["end"]] == "竣工验收".encode(), "position %r" % k)
    k = kws.get("跑了好几趟")
    check(k and k["field"] == "content" and content[k["start"]:k["end"]] == "跑了好几趟".encode(), "position %r" % k)
    check(a2 == {"line": 2, "id": "A-2", "error": "only created events carry text to classify",
                 "reason": "not_created"}, "A-2: %r" % a2)
    check(bad["line"] == 3 and bad["reason"] == "invalid_json" and "error" in bad, "line 3: %r" % bad)
    # traditional text matches simplified keywords; the override sets GAS
    check(a3["topic"] == "MKT.UTILITY" and a3["department"] == "GAS" and a3["flags"] == ["urgent"]
          and a3["score"] == 5, "A-3: %r" % a3)
    check(a4["topic"] == "OTHER" and a4["department"] == "HOTLINE" and a4["keywords"] == [], "A-4: %r" % a4)
    check("13912345678" not in out and "王先生" not in out, "personal data echoed")

# stdin gives the same as the file
rc, out2, _ = run("classify", "-X", "classify.keywords=" + table, input=open(events, "rb").read())
check(rc == 0 and out2 == out, "stdin output differs from file output")

rc, out, _ = run("classify", "-X", "classify.keywords=" + table, "--text", "燃气 停 气")
check(rc == 0 and json.loads(out)["topic"] == "MKT.UTILITY", "--text: %r" % out)

# keywords --check: the shipped table passes, a broken one lists every problem
rc, out, err = run("keywords", "--check", os.path.join(SOURCE, "config", "keywords.tsv"))
check(rc == 0 and ": ok, " in out, "shipped table: %s %s" % (out, err))
broken = os.path.join(tmp, "broken.tsv")
open(broken, "w", encoding="utf-8").write(
    "keyword\ttopic\tdepartment\tweight\tflags\n审批\tGOV.NOPE\t\t1\t\n\tGOV.APPROVAL\t\t1\t\n")
rc, out, err = run("keywords", "--check", broken)
check(rc == 1, "broken table accepted")
check("%s:2: unknown topic code \"GOV.NOPE\"" % broken in err and "%s:3: empty keyword" % broken in err,
      "broken table errors: %s" % err)
rc, _, err = run("classify", "-X", "classify.keywords=" + broken, "--text", "x")
check(rc == 1 and "unknown topic code" in err, "classify with a broken table: %s" % err)

print("classify CLI: %s" % ("ok" if not fails else "%d failures" % fails))
sys.exit(1 if fails else 0)
