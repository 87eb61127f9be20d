#!/usr/bin/env python3
"""Issue 5 (dashboard): a generated stream is ingested into a topic of its
own, `hotline serve` answers for it, and the dashboard page, loaded in
Debian's headless Chromium (playwright-core, tests/browser, `npm ci`),
shows exactly the numbers the API gives for the same query (heat table,
totals, rising list, hot words, 30-day trend, alerts), requests nothing from
outside, and logs no console error. The screenshot goes to the build
directory (dashboard.png); HOTLINE_UPDATE_SCREENSHOT=1 writes it over
docs/dashboard.png instead, the README's picture, so a test run leaves the
source tree as it was."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
from hltest import *  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)

topic = unique("it.dash")
common = ["-X", "topic.tickets=" + topic, "-X", "topic.classified=" + topic + ".cls",
          "-X", "topic.alerts=" + topic + ".alerts", "-X", "kafka.group.id=" + unique("it.dash.group")]
_, out, _ = hotline("sample", "--tickets", "3000", "--year", "2023", "--days", "90", "--seed", "11",
                    "--invalid", "0")
publish(topic, [l for l in out.splitlines() if l.strip()])
hotline("ingest", "--until-caught-up", *common)

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
serve = subprocess.Popen([HOTLINE, "serve", "-X", "serve.port=%d" % port, *common], cwd=SOURCE_DIR,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
base = "http://127.0.0.1:%d" % port
try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)

    def api(path, **params):
        with urllib.request.urlopen(base + path + "?" + urllib.parse.urlencode(params), timeout=30) as r:
            return json.loads(r.read())

    query = {"window": "30d", "at": "2023-03-20", "topic": "MKT.ARREARS", "min": "3"}
    hot = api("/api/hotspots", by="dt", top="500", words="40", window="30d", at="2023-03-20", min="3")
    trend = api("/api/trend", days="30", topic="MKT.ARREARS", at="2023-03-20")
    alerts = api("/api/alerts", limit="20")
    check(hot["total"] > 500 and len(hot["rising"]) > 0, "enough data to show: %d" % hot["total"])

    user_dir = tempfile.mkdtemp(prefix="hl-chromium-")
    shot = (os.path.join(SOURCE_DIR, "docs", "dashboard.png") if os.environ.get("HOTLINE_UPDATE_SCREENSHOT") == "1"
            else os.path.join(BUILD_DIR, "dashboard.png"))
    try:
        p = subprocess.run(["node", os.path.join(HERE, "dashboard.js"), base + "/?" + urllib.parse.urlencode(query),
                            shot, user_dir], capture_output=True, timeout=180)
    finally:
        shutil.rmtree(user_dir, ignore_errors=True)
    check(p.returncode == 0, "the browser run failed: %s" % p.stderr.decode(errors="replace")[-3000:])
    res = json.loads(p.stdout)
    shown, errors = res["shown"], res["errors"]
    check(not errors, "console errors or outside requests: %r" % errors)
    check(shown["error"] == "", "the page shows an error: %s" % shown["error"])
    check(shown["total"] == hot["total"] and shown["ptotal"] == hot["previous_total"], "totals on the page")
    want_cells = sorted((it["district"] + "|" + it["topic"], it["count"]) for it in hot["items"])
    check(sorted(map(tuple, shown["cells"])) == want_cells, "heat table cells differ from the API")
    check([tuple(x) for x in shown["rising"]] == [(i["district"] + "|" + i["topic"], i["count"]) for i in hot["rising"][:15]],
          "rising list differs")
    check([tuple(x) for x in shown["words"]] == [(w["keyword"], w["count"]) for w in hot["hot_words"]], "hot words differ")
    check([tuple(x) for x in shown["trend"]] == [(d["date"], d["count"]) for d in trend["days"]] and
          shown["trendTotal"] == trend["total"], "trend differs")
    check(shown["alerts"] == [a["id"] for a in alerts["alerts"]], "alerts differ")
    check(os.path.getsize(shot) > 10000, "screenshot saved")
finally:
    serve.terminate()
    serve.wait(timeout=30)
print("dashboard: %d heat cells, %d rising, %d hot words, 30 trend points as the API gives; no console "
      "errors; screenshot %s" % (len(shown["cells"]), len(shown["rising"]), len(shown["words"]), shot))
