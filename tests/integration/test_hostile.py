#!/usr/bin/env python3
"""Issue 8 point 3: hostile input through the real broker.

A corpus built from a fixed seed: over 10,000 malformed or adversarial
messages (truncated JSON, deep nesting, one 10 MB message, invalid UTF-8,
NUL bytes, control characters, key-breaking characters, huge numbers,
duplicate members, wrong types, empty strings, bad timestamps, unknown
events, lifecycle events of unknown tickets, ...) interleaved with valid
events (the dev set, a sample stream and adversarial-but-valid events),
published as raw bytes with kcat. `hotline ingest --until-caught-up` must
exit 0 with bounded memory; every rejected message must be on the dead-letter
topic with its original key and bytes and the exact reason the contract
(../shared/spec/ticket-events.md) and the decoder's rules (README, Decoding;
ingest/event.c) give; Redis must hold exactly the ground truth of the valid
events (groundtruth.py) and the dead-letter counters by reason."""
import datetime
import json
import os
import random
import subprocess
import time

import groundtruth
from hltest import *

T0 = time.time()
rng = random.Random(20240808)
MAX_MESSAGE = 1048576  # ingest.max.message.bytes (default)

tickets = unique("it.hostile.tickets")
dlq = tickets + ".dlq"
group = unique("it.hostile.group")

corpus = []   # (key bytes, payload bytes, expected reason or None when valid)
category = {}  # category name -> number of messages
gt_lines = []  # canonical form of each accepted event, in stream order, for groundtruth
created = set()  # ids created so far (stream order; a ticket's events share its key)


def j(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode()


CANON = ("id", "event", "ts", "channel", "appeal_type", "district", "park", "title", "content",
         "due_at", "department", "satisfaction")


def accept(cat, payload, canon, key=None):
    """A message the contract accepts; @canon: the event as groundtruth sees it."""
    tid = canon["id"]
    reason = None
    if canon["event"] != "created" and tid not in created:
        reason = "unknown_ticket"
    if canon["event"] == "created":
        created.add(tid)
    gt_lines.append(j({k: canon[k] for k in CANON if k in canon}))
    corpus.append((key if key is not None else tid.encode(), payload, reason))
    category[cat] = category.get(cat, 0) + 1


def reject(cat, payload, reason, key=None):
    if key is None:
        key = rng.choice([b"k-%d" % rng.randrange(1 << 20), b"a:b{c}|*\r\n\x00\xff-%d" % rng.randrange(999),
                          b"ZJ12345-20230102-000001"])
    corpus.append((key, payload, reason))
    category[cat] = category.get(cat, 0) + 1


# ---------------------------------------------------------------- valid material
dev = [l.rstrip(b"\n") for l in open(SHARED + "/data/dev-tickets.jsonl", "rb")]
_, out, _ = hotline("sample", "--seed", "11", "--tickets", "1200", "--invalid", "0")
sample = out.splitlines()
valid_pool = []  # (payload, parsed) of plain valid events, in their stream order
for l in dev + sample:
    valid_pool.append((l, json.loads(l)))
created_pool = [v for v in valid_pool if v[1]["event"] == "created"]
life_pool = [v for v in valid_pool if v[1]["event"] != "created"]

BASE = {"id": "X", "event": "created", "ts": "2023-05-06T07:08:09+08:00", "channel": "web",
        "appeal_type": "投诉", "district": "京口区", "content": "企业办事难，审批材料反复要求补充。"}
n_fresh = [0]


def fresh(prefix="HX"):
    n_fresh[0] += 1
    return "%s-%06d" % (prefix, n_fresh[0])


def created_event(**kw):
    o = dict(BASE, id=fresh())
    o.update(kw)
    return o


def lifecycle_of(tid, ev):
    o = {"id": tid, "event": ev, "ts": "2023-06-01T10:00:00+08:00"}
    if ev == "dispatched":
        o["department"] = rng.choice(["HOUSING", "市住房和城乡建设局", "APPROVAL", "FINREG"])
    if ev == "reviewed":
        o["satisfaction"] = rng.choice(["满意", "基本满意", "不满意"])
    return o


def splice(o, raw_member):
    """The JSON of @o with raw text @raw_member (b'"k":v') added as a member
    at a random position."""
    items = [j({k: v})[1:-1] for k, v in o.items()]
    items.insert(rng.randrange(len(items) + 1), raw_member)
    return b"{" + b",".join(items) + b"}"


def replaced(o, field, raw_value):
    """The JSON of @o with @field's value replaced by raw text (added when absent)."""
    items = [(j({k: v})[1:-1] if k != field else j(k) + b":" + raw_value) for k, v in o.items()]
    if field not in o:
        items.insert(rng.randrange(len(items) + 1), j(field) + b":" + raw_value)
    return b"{" + b",".join(items) + b"}"


# ---------------------------------------------------------------- adversarial but valid
def hostile_valid():
    out = []  # (category, payload, canonical)
    # escaped control characters in free text, DEL, CR/LF, key characters
    for i in range(150):
        ctl = "".join(chr(rng.choice(list(range(1, 32)) + [0x7F])) for _ in range(8))
        weird = ctl + ":{}|*\r\n" + rng.choice(["", "hl:{x}:t:1", "*", "|||", "}{"])
        o = created_event(content="内容" + weird, title=weird,
                          park=rng.choice([weird, "镇江经济技术开发区" + weird, "\u3000" + weird]),
                          district=rng.choice([weird, " 京口区 ", "京口区" + weird, "UNK", "jk"]),
                          channel=rng.choice(["web", "fax" + weird, "PHONE", ""]))
        out.append(("valid: control and key characters in free text", j(o), o))
    # empty content, district and park; a park over 90 bytes cut inside a character
    for i in range(40):
        o = created_event(content="", district="", park=rng.choice(["", "a" + "园" * 40]))
        out.append(("valid: empty strings, long park", j(o), o))
    # content of exactly 64 KiB; emoji as a surrogate pair and as raw UTF-8
    for i in range(5):
        o = created_event(content="a" * 65536)
        out.append(("valid: content of exactly 64 KiB", j(o), o))
    for i in range(30):
        o = created_event(title="😀", content="表情😀")
        p = j(o).replace("😀".encode(), b"\\ud83d\\ude00", 1)
        out.append(("valid: surrogate pair escape", p, o))
    # huge and odd numbers, nesting up to the limit (31 arrays in the object),
    # 1000 members, same names in sibling and nested objects
    for i in range(60):
        o = created_event()
        nums = [b"1e999999", b"-1e-999999", b"123456789012345678901234567890", b"9" * 50000, b"-0", b"0.0e+0"]
        p = splice(o, b'"n":' + rng.choice(nums))
        p = p[:-1] + b',"deep":' + b"[" * 31 + b"]" * 31 + b',"s":[{"id":1},{"id":2}],"caller":{"name":"x","id":"y"}}'
        out.append(("valid: huge numbers, nesting 32, sibling names", p, o))
    for i in range(5):
        o = created_event()
        members = [j({k: v})[1:-1] for k, v in o.items()]
        members += [b'"m%d":%d' % (k, k) for k in range(1000 - len(members))]
        out.append(("valid: exactly 1000 members", b"{" + b",".join(members) + b"}", o))
    # BOM, whitespace and newlines between tokens, an escaped member name and value
    for i in range(60):
        o = created_event()
        p = j(o)
        form = i % 4
        if form == 0:
            p = b"\xef\xbb\xbf" + p
        elif form == 1:
            p = b"\r\n\t " + json.dumps(o, ensure_ascii=False, indent=2).encode() + b"\n\n"
        elif form == 2:
            p = p.replace(b'"id"', b'"\\u0069d"', 1).replace(b'"created"', b'"\\u0063reated"', 1)
        else:
            p = json.dumps(o, ensure_ascii=True).encode()
        out.append(("valid: BOM, whitespace, escapes", p, o))
    # timestamps at the edges of the accepted forms and range
    edge = [("2000-01-01T00:00:00Z", "2000-01-01T00:00:00+00:00"),
            ("2099-12-31T23:59:59Z", "2099-12-31T23:59:59+00:00"),
            ("2100-01-01T07:59:59+08:00", "2099-12-31T23:59:59+00:00"),
            ("2023-06-30T23:59:60+08:00", "2023-06-30T23:59:59+08:00"),  # leap second
            ("2023-03-31t23:59:59.999999999z", "2023-03-31T23:59:59+00:00"),
            ("2024-02-29T12:00:00-23:59", "2024-03-01T11:59:00+00:00"),
            ("2023-12-31T16:00:00.5Z", "2023-12-31T16:00:00+00:00")]
    for i in range(70):
        raw, canon = edge[i % len(edge)]
        o = created_event(ts=raw)
        c = dict(o, ts=canon)
        if i % 3 == 0:
            o["due_at"] = raw
            c["due_at"] = canon
        out.append(("valid: edge timestamps", j(o), c))
    # a message of exactly ingest.max.message.bytes (whitespace padded)
    for i in range(2):
        o = created_event()
        p = j(o)
        p = p + b" " * (MAX_MESSAGE - len(p))
        out.append(("valid: exactly 1 MiB", p, o))
    return out


hv = hostile_valid()

# ---------------------------------------------------------------- malformed
def utf8_bad():
    return rng.choice([bytes([rng.randrange(0x80, 0xC0)]), b"\xff", b"\xfe", b"\xc0\xaf", b"\xc1\xbf",
                       b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
                       b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xe4\xb8",
                       b"\xc3A", b"\\ud800", b"\\udbff", b"\\udc00", b"\\udfff", b"\\ud800\\u0041",
                       b"\\ud800\\ud800", b"x\\udc00\\ud800"])


def gen_invalid():
    ev_any = lambda: rng.choice(valid_pool)[1]
    ev_created = lambda: rng.choice(created_pool)[1]
    # truncated JSON: any valid message cut short (its last byte is its '}')
    pool = [p for p, _ in valid_pool] + [p for _, p, _ in hv if p.endswith(b"}") and len(p) < 200000]
    for i in range(2500):
        p = rng.choice(pool)
        cut = p[:rng.randrange(len(p))]
        # cut inside a character (always in a string): the lexer meets the
        # broken character first; a cut BOM is a bad byte outside any string
        try:
            cut.decode("utf-8")
            reason = "invalid_json"
        except UnicodeDecodeError:
            reason = "invalid_json" if b"\xef\xbb\xbf".startswith(cut) else "invalid_utf8"
        reject("truncated JSON", cut, reason)
    # deep nesting
    reject("deep nesting", b"[" * 100000, "not_object")
    reject("deep nesting", b'{"a":' + b"[" * 100000, "too_complex")
    reject("deep nesting", b'{"a":' * 100000, "too_complex")
    for i in range(150):
        o = ev_any()
        d = rng.choice([32, 33, 100, rng.randrange(32, 5000)])
        nest = rng.choice([b"[" * d + b"]" * d, b'{"a":' * d + b"1" + b"}" * d])
        reject("deep nesting", splice(o, b'"deep":' + nest), "too_complex")
    for i in range(20):
        o = ev_any()
        members = [j({k: v})[1:-1] for k, v in o.items()]
        members += [b'"m%d":%d' % (k, k) for k in range(1001 - len(members))]
        rng.shuffle(members)
        reject("over 1000 members", b"{" + b",".join(members) + b"}", "too_complex")
    # too large: one 10 MB message, and messages one byte over the limit
    big = j(created_event(content="大" * 10))[:-2] + b"x" * (10 * 1000 * 1000) + b'"}'
    reject("too large", big, "too_large")
    for i in range(3):
        p = j(created_event())
        reject("too large", p + b" " * (MAX_MESSAGE + 1 - len(p)), "too_large")
    # content over 64 KiB (within the message limit)
    for n in (65537, 65540, 100000, MAX_MESSAGE - 300):
        o = created_event(content="a" * n)
        p = j(o)
        reject("content too long", p[:-1] + b" " * (MAX_MESSAGE - len(p)) + b"}" if n > 200000 else p,
               "content_too_long")
    # invalid UTF-8 in any string: known fields, ignored fields, member names
    for i in range(1500):
        o = ev_created() if i % 2 else ev_any()
        bad = utf8_bad()
        where = rng.randrange(5)
        if where == 0:
            f = rng.choice(["id", "event", "ts", "note"] + (["content", "title", "park", "district"]
                                                           if o["event"] == "created" else []))
            v = j(o.get(f, "v"))
            at = rng.randrange(1, len(v))
            if v[at - 1:at] == b"\\":
                at -= 1
            p = replaced(o, f, v[:at] + bad + v[at:])
        elif where == 1:
            p = splice(o, b'"unknown":"a' + bad + b'b"')
        elif where == 2:
            p = splice(o, b'"k' + bad + b'":1')
        elif where == 3:
            p = splice(o, b'"x":[1,{"y":["' + bad + b'"]}]')
        else:
            p = splice(o, rng.choice([b'"caller":{"name":"', b'"enterprise":{"name":"']) + bad + b'"}')
            if o["event"] == "created" and (b'"caller"' in j(o) or b'"enterprise"' in j(o)):
                p = splice(o, b'"other":{"name":"' + bad + b'"}')
        reject("invalid UTF-8", p, "invalid_utf8")
    # invalid bytes outside strings are invalid JSON
    for i in range(100):
        p = j(ev_any())
        at = rng.choice([0, 1, len(p) - 1, len(p)])
        junk = rng.choice([b"\xff", b"\xc0\xaf", b"\x80"] + ([b"\xef\xbb\xbf"] if at else []))  # a leading BOM is fine
        reject("invalid bytes outside strings", p[:at] + junk + p[at:],
               "invalid_json")
    # NUL: escaped in any string or name -> nul_character; raw -> invalid JSON
    for i in range(600):
        o = ev_any()
        if i % 2:
            raw = rng.choice([b'"x-note":"a\\u0000b"', b'"\\u0000":1', b'"x":["\\u0000"]',
                              b'"x\\u0000y":"z"', b'"x":{"y":"\\u0000"}'])
            if i % 6 == 1:
                v = j(o["id"])
                reject("NUL (escaped)", replaced(o, "id", v[:-1] + b"\\u0000" + v[-1:]), "nul_character")
            else:
                reject("NUL (escaped)", splice(o, raw), "nul_character")
        else:
            p = rng.choice([splice(o, b'"x-note":"a\x00b"'), b"\x00" + j(o), j(o) + b"\x00",
                            splice(o, b'"x":\x001'), replaced(o, "id", j(o["id"])[:-1] + b'\x00"')])
            reject("NUL (raw)", p, "invalid_json")
    # raw control characters inside strings are invalid JSON (RFC 8259 section 7)
    for i in range(500):
        o = ev_any()
        c = bytes([rng.choice(list(range(1, 32)))])
        f = rng.choice(["id", "event", "ts", "note", "x"])
        v = j(o.get(f, "value"))
        reject("raw control characters in strings", replaced(o, f, v[:-1] + c + v[-1:]), "invalid_json")
    # characters that would break Redis keys, where the contract forbids them
    for i in range(1200):
        o = dict(ev_any())
        weird = rng.choice([":", "{", "}", "|", "*", "\r", "\n", "\r\n", " ", "hl:{x}:t:", "*}", "\u3000"])
        kind = rng.randrange(6)
        if kind <= 2:
            o["id"] = rng.choice([o["id"] + weird, weird + o["id"], weird, "a" * 65, "工单1", "x" * 64 + "y"])
            reject("key characters in id", j(o), "bad_id")
        elif kind == 3:
            o = dict(ev_created(), event="created")
            o["appeal_type"] = rng.choice(["投诉" + weird, weird, "complaint"])
            reject("key characters in enums", j(o), "bad_value")
        elif kind == 4:
            o = lifecycle_of(rng.choice(created_pool)[1]["id"], "dispatched")
            o["department"] = rng.choice(["HOUSING" + weird, weird, "MOON", "housing"])
            reject("key characters in enums", j(o), "bad_value")
        else:
            o = lifecycle_of(rng.choice(created_pool)[1]["id"], "reviewed")
            o["satisfaction"] = rng.choice(["满意" + weird, weird, "satisfied"])
            reject("key characters in enums", j(o), "bad_value")
    # unknown events
    for i in range(300):
        o = dict(ev_any())
        o["event"] = rng.choice(["closed", "Created", "CREATED", "created ", " resolved", "create", "reopen",
                                 "deleted", "resolved\n", "*", "created|x", "已创建"])
        reject("unknown events", j(o), "unknown_event")
    # huge numbers where strings belong; malformed numbers
    for i in range(300):
        o = ev_any()
        f = rng.choice(["id", "event", "ts"])
        reject("numbers where strings belong", replaced(o, f, rng.choice([b"1e999999", b"9" * 20000, b"-0", b"1.5"])),
               "wrong_type")
    for i in range(200):
        o = ev_any()
        reject("malformed numbers", splice(o, b'"n":' + rng.choice([b"-", b"01", b"1.", b".5", b"+1", b"NaN", b"Infinity",
                                                                    b"0x10", b"1e", b"--1", b"1e+"])), "invalid_json")
    # duplicate member names
    for i in range(700):
        o = ev_any()
        k = rng.choice(list(o))
        kind = rng.randrange(4)
        if kind == 0:
            p = splice(o, j(k) + b":" + j(o[k]))
        elif kind == 1:
            p = splice(o, b'"\\u0069d":"X-1"' if rng.randrange(2) else b'"\\u0065vent":"resolved"')
        elif kind == 2:
            p = splice(o, b'"x":{"a":1,"b":[{"c":1,"c":2}]}')
        else:
            p = splice(o, rng.choice([b'"caller":{"name":"a","name":"b"}', b'"enterprise":{"credit_code":"1","credit_code":"1"}']))
            if "caller" in o or "enterprise" in o:
                p = splice(o, b'"u":{"x":1,"x":1}')
        reject("duplicate members", p, "duplicate_member")
    # wrong types
    wrong = [b"5", b"1.5", b"true", b"false", b"null", b"[]", b"{}", b'["x"]', b'{"a":"b"}']
    for i in range(800):
        kind = rng.randrange(5)
        if kind == 0:
            o = ev_any()
            f = rng.choice(["id", "event", "ts", "note"])
        elif kind == 1:
            o = ev_created()
            f = rng.choice(["channel", "appeal_type", "district", "content", "park", "title", "due_at"])
        elif kind == 2:
            o = lifecycle_of(rng.choice(created_pool)[1]["id"], rng.choice(["dispatched", "reviewed"]))
            f = "department" if o["event"] == "dispatched" else "satisfaction"
        elif kind == 3:
            o = ev_created()
            f = rng.choice(["enterprise", "caller"])
            reject("wrong types", replaced(o, f, rng.choice([b"5", b"true", b"null", b'"x"', b"[]", b'[{"name":"a"}]'])),
                   "wrong_type")
            continue
        else:
            o = ev_created()
            sub = rng.choice([b'"enterprise":{"name":%s}', b'"enterprise":{"credit_code":%s}',
                              b'"caller":{"name":%s}', b'"caller":{"phone":%s}'])
            o = {k: v for k, v in o.items() if k not in ("enterprise", "caller")}
            reject("wrong types", splice(o, sub % rng.choice(wrong)), "wrong_type")
            continue
        reject("wrong types", replaced(o, f, rng.choice(wrong)), "wrong_type")
    # empty strings and empty messages
    empties = [("id", "bad_id"), ("event", "unknown_event"), ("ts", "bad_timestamp")]
    for i in range(400):
        kind = rng.randrange(6)
        if kind < 3:
            f, reason = empties[kind]
            reject("empty strings", j(dict(ev_any(), **{f: ""})), reason)
        elif kind == 3:
            reject("empty strings", j(dict(ev_created(), appeal_type="")), "bad_value")
        elif kind == 4:
            o = lifecycle_of(rng.choice(created_pool)[1]["id"], rng.choice(["dispatched", "reviewed"]))
            o["department" if o["event"] == "dispatched" else "satisfaction"] = ""
            reject("empty strings", j(o), "bad_value")
        else:
            p, reason = rng.choice([(b"", "invalid_json"), (b"   ", "invalid_json"), (b"\n", "invalid_json"),
                                    (b"\xef\xbb\xbf", "invalid_json"), (b"{}", "missing_field"),
                                    (b'{"":""}', "missing_field")])
            reject("empty messages", p, reason)
    # timestamps out of range or malformed, in ts and due_at
    bad_ts = ["1999-12-31T23:59:59Z", "2000-01-01T07:59:59+08:00", "2100-01-01T00:00:00Z",
              "2099-12-31T23:59:59-00:01", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
              "2023-13-01T00:00:00Z", "2023-00-10T00:00:00Z", "2023-02-29T00:00:00Z", "2023-04-31T00:00:00Z",
              "2023-01-01T24:00:00Z", "2023-01-01T00:60:00Z", "2023-01-01T00:00:61Z", "2023-01-01T00:00:00",
              "2023-01-01T00:00:00+24:00", "2023-01-01T00:00:00+08:60", "2023-01-01 00:00:00Z",
              "2023-01-01T00:00:00.Z", "2023-1-1T00:00:00Z", "+2023-01-01T00:00:00Z", "2023-01-01T00:00:00Z ",
              "2023-01-01T00:00:00+0800", "２０２３-01-01T00:00:00Z", "2023-01-01T00:00:00ZZ", "1672531200",
              "yesterday", "2023-01-01T00:00:00+08", "2023-01-01T00:00:00+08:00:00", "2023-01-01T00:00:00\u00a0Z"]
    for i in range(800):
        if i % 4 == 0:
            o = ev_created()
            o = dict(o, due_at=rng.choice(bad_ts))
        else:
            o = dict(ev_any(), ts=rng.choice(bad_ts))
        reject("bad timestamps", j(o), "bad_timestamp")
    # missing fields
    for i in range(600):
        o = dict(rng.choice(valid_pool)[1])
        req = ["id", "event", "ts"] + {"created": ["channel", "appeal_type", "district", "content"],
                                       "dispatched": ["department"], "reviewed": ["satisfaction"]}.get(o["event"], [])
        del o[rng.choice(req)]
        reject("missing fields", j(o), "missing_field")
    # not an object
    for i in range(200):
        p = rng.choice([b"[]", b"[" + j(ev_any()) + b"]", b'"created"', b"123", b"-1.5e3", b"true", b"false", b"null",
                        b" [1,2,3] ", b"\xef\xbb\xbf[]"])
        reject("not an object", p, "not_object")
    # other invalid JSON
    for i in range(800):
        p = j(ev_any())
        p = rng.choice([p + b" x", p + p, p + b"}", b"/*c*/" + p, p[:-1] + b",}", p.replace(b'"', b"'"),
                        p.replace(b'"id"', b"id", 1), b"\xef\xbb\xbf\xef\xbb\xbf" + p, p.decode().encode("utf-16"),
                        p.decode().encode("utf-16-be"), b"}" + bytes(rng.randrange(256) for _ in range(40)),
                        p[:-1] + b',"x":tru}', p[:-1] + b',"x":"\\q"}', p[:-1] + b',"x":"\\u12"}'])
        reject("invalid JSON", p, "invalid_json")


gen_invalid()

# lifecycle events of tickets never created, of tickets whose created was
# dead-lettered, and before their created
for i in range(500):
    o = lifecycle_of(fresh("NEVER"), rng.choice(["dispatched", "resolved", "reviewed", "reopened"]))
    corpus.append((o["id"].encode(), j(o), "pending"))
for i in range(150):
    tid = fresh("DLC")
    corpus.append((tid.encode(), j(dict(created_event(id=tid), content=5)), "wrong_type"))
    category["wrong types"] = category.get("wrong types", 0) + 1
    corpus.append((tid.encode(), j(lifecycle_of(tid, "resolved")), "pending"))
late = []
for i in range(100):
    o = created_event()
    corpus.append((o["id"].encode(), j(lifecycle_of(o["id"], "resolved")), "pending"))
    late.append(o)

# ---------------------------------------------------------------- the stream
# the bad among the good: shuffle the rejected messages, then merge them with
# the valid events (kept in order, so each ticket's events stay in order)
bad = corpus[:]
rng.shuffle(bad)
good = [("valid: dev set and sample stream", p, o) for p, o in valid_pool] + hv + \
       [("valid: created after its lifecycle event", j(o), o) for o in late]
# the late created events after everything else
good_main, good_late = good[:-len(late)], good[-len(late):]
rng.shuffle(hv)
stream = []  # (key, payload, reason)
corpus.clear()
gi = bi = 0
total = len(good_main) + len(bad)
while gi < len(good_main) or bi < len(bad):
    if bi < len(bad) and (gi >= len(good_main) or rng.random() < len(bad) / total):
        k, p, r = bad[bi]
        bi += 1
        if r == "pending":  # a valid lifecycle event for a ticket not created (yet)
            accept("lifecycle of unknown tickets", p, json.loads(p), k)
            stream.append(corpus.pop())
        else:
            stream.append((k, p, r))
    else:
        cat, p, o = good_main[gi]
        gi += 1
        accept(cat, p, o)
        stream.append(corpus.pop())
for cat, p, o in good_late:
    accept(cat, p, o)
    stream.append(corpus.pop())

rejected = [(k, p, r) for k, p, r in stream if r]
n_valid = len(stream) - len(rejected)
malformed = [x for x in rejected if x[2] != "unknown_ticket"]
check(len(malformed) >= 10000, "corpus has %d malformed messages, want >= 10,000" % len(malformed))
check(sum(1 for _, p, _ in stream if len(p) >= 10 * 1000 * 1000) == 1, "one 10 MB message")
by_reason = {}
for _, _, r in rejected:
    by_reason[r] = by_reason.get(r, 0) + 1
print("corpus: %d messages, %d valid, %d rejected; by category:" % (len(stream), n_valid, len(rejected)))
for cat in sorted(category):
    print("  %6d  %s" % (category[cat], cat))
print("expected dead letters by reason: " + ", ".join("%s %d" % kv for kv in sorted(by_reason.items())))

# ---------------------------------------------------------------- publish
# kcat -P with a key and a message delimiter that occur nowhere in the corpus
# (argv cannot hold NUL, and kcat reads backslash escapes: letters and two
# bytes that are never valid UTF-8, passed through os.fsdecode unchanged)
LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KD = b"\xfe\xff" + bytes(rng.choice(LETTERS) for _ in range(16)) + b"\xff\xfeK"
MD = b"\xfe\xff" + bytes(rng.choice(LETTERS) for _ in range(16)) + b"\xff\xfeM"
for k, p, _ in stream:
    check(KD not in k + p and MD not in k + p and k, "delimiter collision or empty key")
data = b"".join(k + KD + p + MD for k, p, _ in stream)
t = time.time()
pub = subprocess.run(kcat_cmd("-P", "-t", tickets, "-K", os.fsdecode(KD), "-D", os.fsdecode(MD),
                              "-X", "message.max.bytes=16777216", "-X", "enable.idempotence=true"),
                     input=data, capture_output=True, timeout=300)
check(pub.returncode == 0, "kcat -P exited %d: %s" % (pub.returncode, pub.stderr.decode(errors="replace")[-2000:]))
print("published %d messages (%.1f MB) in %.1f s" % (len(stream), len(data) / 1e6, time.time() - t))

# ---------------------------------------------------------------- ingest
# run alone, its own rusage (os.wait4) gives the ingester's peak RSS
t = time.time()
args = [HOTLINE, "ingest", "--until-caught-up", "-X", "topic.tickets=" + tickets, "-X", "topic.deadletter=" + dlq,
        "-X", "kafka.group.id=" + group]
for name in ("classified", "alerts", "healthcheck"):  # nothing of this run on the shared topics
    args += ["-X", "topic.%s=%s.%s" % (name, tickets, name)]
with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "hostile-ingest.%d.log" % os.getpid()), "w+b") as log:
    proc = subprocess.Popen(args, cwd=SOURCE_DIR, stdout=subprocess.PIPE, stderr=log)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = rc = os.waitstatus_to_exitcode(status)
    log.seek(0)
    err = log.read()
elapsed = time.time() - t
peak_mib = usage.ru_maxrss / 1024.0
print(out.decode(errors="replace").strip())
print("ingest: exit %d in %.1f s, peak RSS %.1f MiB" % (rc, elapsed, peak_mib))
check(rc == 0, "hotline ingest exited %d (a crash?):\n%s" % (rc, err.decode(errors="replace")[-4000:]))
check(b"ingested %d messages" % len(stream) in out, "ingest summary: %r" % out)
check(b"not queued" not in err and b"delivery to" not in err,
      "a dead letter or output was not delivered at first:\n%s" % err.decode(errors="replace")[-3000:])
# The bound: a release build holds the consumer's prefetch (librdkafka keeps
# about kafka.queued.max.messages.kbytes = 8 MiB; the 10 MB message is there
# once or twice in fetch buffers), the producer's copy of the 10 MB dead
# letter and the batch's arena; ~100 MiB for a million ordinary events
# (README). 256 MiB leaves room for that and fails on anything that scales
# with the stream or with the nesting depth. ASan (shadow memory, quarantine of freed blocks,
# 256 MiB by default) needs more: 1 GiB there.
sanitized = False
cache = os.path.join(BUILD_DIR, "CMakeCache.txt")
if os.path.exists(cache):
    for line in open(cache, errors="replace"):
        if line.startswith("HL_SANITIZE:") and line.strip().split("=", 1)[1]:
            sanitized = True
bound = 1024 if sanitized else 256
check(peak_mib < bound, "peak RSS %.1f MiB, bound %d MiB" % (peak_mib, bound))

# ---------------------------------------------------------------- dead letters
def read_topic(topic, timeout=300):
    """[(key, headers, payload)] of every message of @topic, read with kcat in
    kcat_consume's format, parsed by offsets (the topic holds ~25 MB)."""
    p = subprocess.run(kcat_cmd("-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%K\t%k\t%h\t%S\t%s\n"),
                       capture_output=True, timeout=timeout)
    check(p.returncode == 0, "kcat on %s: %s" % (topic, p.stderr.decode(errors="replace")))
    data, at, out = p.stdout, 0, []
    while at < len(data):
        tab = data.index(b"\t", at)
        klen = int(data[at:tab])
        key = data[tab + 1:tab + 1 + klen] if klen >= 0 else None
        at = tab + 1 + max(klen, 0) + 1
        tab = data.index(b"\t", at)
        hdrs = data[at:tab].decode()
        at = tab + 1
        tab = data.index(b"\t", at)
        size = int(data[at:tab])
        payload = data[tab + 1:tab + 1 + size]
        at = tab + 1 + size + 1
        headers = dict(h.split("=", 1) for h in hdrs.replace(",hotline.", "\0hotline.").split("\0") if "=" in h)
        out.append((key, headers, payload))
    return out


msgs = read_topic(dlq)
want = {}
for k, p, r in rejected:
    want.setdefault((k, p), []).append(r)
wrong = []
for key, headers, payload in msgs:
    reasons = want.get((key, payload))
    r = headers.get("hotline.reason")
    if not reasons or r not in reasons:
        wrong.append("  got %s, expected %s: key %r, %r (%d bytes)" % (r, reasons or "acceptance", key, payload[:300], len(payload)))
        continue
    reasons.remove(r)
    check(headers.get("hotline.source.topic") == tickets, "source topic %r" % headers)
    check(headers.get("hotline.source.partition", "").isdigit() and headers.get("hotline.source.offset", "").isdigit(),
          "source partition/offset headers: %r" % headers)
    check(headers.get("hotline.error"), "no error message header")
check(len(msgs) == len(rejected), "%d dead letters, expected %d" % (len(msgs), len(rejected)))
check(not wrong, "%d dead letters not as expected:\n%s" % (len(wrong), "\n".join(wrong[:50])))
missing = ["  %s: key %r, %r" % (r, k, p[:300]) for (k, p), rs in want.items() for r in rs]
check(not missing, "%d expected dead letters missing:\n%s" % (len(missing), "\n".join(missing[:50])))
print("dead letters: all %d present with their key, original bytes and reason" % len(msgs))

# ---------------------------------------------------------------- counts
r = Redis()
wq, wb, ws = groundtruth.compute(gt_lines)
for reason, n in by_reason.items():
    if reason != "unknown_ticket":  # groundtruth counts those itself
        ws["deadletter|" + reason] = n
check(ws.get("deadletter|unknown_ticket", 0) == by_reason.get("unknown_ticket", 0),
      "groundtruth and corpus disagree on unknown tickets: %r %r" % (ws.get("deadletter|unknown_ticket"), by_reason))
gq, gb, gs = groundtruth.redis_state(r, tickets)
problems = []
for q in sorted(set(wq) | set(gq)):
    problems += groundtruth.diff("quarter " + q, wq.get(q, {}), gq.get(q, {}))
for k in sorted(set(wb) | set(gb)):
    problems += groundtruth.diff("bucket " + k, wb.get(k, {}), gb.get(k, {}))
problems += groundtruth.diff("stats", ws, gs, limit=40)
if problems:
    fail("counters differ from the ground truth:\n  " + "\n  ".join(problems[:60]))
received = sum(v.get("all|received|", 0) for v in gq.values())
check(received == len(created), "received %d, expected %d tickets" % (received, len(created)))
# no key of this run outside the tagged keyspace: nothing a field value could make
for k in r.scan("*" + tickets + "*"):
    check(k.startswith(b"hl:{%s:" % tickets.encode()) or k.startswith(b"hl:who:") or k.startswith(b"hl:crowd:")
          or k.startswith(b"hl:emitted:"), "unexpected key %r" % k)
ncounters = sum(len(v) for v in wq.values()) + sum(len(v) for v in wb.values()) + len(ws)
print("hostile: %d messages (%d rejected, %d valid) in %.0f s; all %d counters equal the ground truth"
      % (len(stream), len(rejected), n_valid, time.time() - T0, ncounters))
