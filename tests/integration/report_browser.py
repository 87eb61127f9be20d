#!/usr/bin/env python3
"""Renders a health-check HTML bulletin in headless Chromium and reads back
every chart bar: its data-* attributes and the width Chromium actually drew
(measured in the page by a probe script this module adds to a copy of the
file; the bulletin itself has no script). check_bars() compares them with
the report's JSON. Usable alone: report_browser.py BULLETIN.html REPORT.json"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-extensions", "--disable-default-apps", "--mute-audio",
                  "--window-size=1200,900"]

PROBE = """<script>
(function () {
  var svgs = document.querySelectorAll('svg[data-chart]');
  for (var i = 0; i < svgs.length; i++) {
    var s = svgs[i], sw = s.getBoundingClientRect().width;
    var vb = s.viewBox.baseVal.width;
    var rects = s.querySelectorAll('rect.bar');
    for (var j = 0; j < rects.length; j++) {
      var w = rects[j].getBoundingClientRect().width;
      rects[j].setAttribute('data-drawn', (sw > 0 ? w / sw * vb : -1).toFixed(3));
    }
    s.setAttribute('data-drawn-svg', sw.toFixed(3));
  }
  document.body.setAttribute('data-probe', 'done');
})();
</script>"""

CARD_COLORS = {"red": "#c0392b", "yellow": "#d4a000", "green": "#2e8b57", "none": "#8a8a8a"}


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    fail("chromium not found: install the Debian package chromium (scripts/deps)")


class _Bars(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.bars, self.svgs, self.probe = [], {}, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "data-chart" in a:
            self.svgs[a["data-chart"]] = a
        elif tag == "rect" and "bar" in a.get("class", "").split():
            self.bars.append(a)
        elif tag == "body" and a.get("data-probe") == "done":
            self.probe = True

    handle_startendtag = handle_starttag


def render_bars(html_path):
    """@returns (bars, svgs): the rect.bar attributes and each chart's svg
    attributes from the DOM Chromium built, with data-drawn widths."""
    work = tempfile.mkdtemp(prefix="hl-chromium-")
    try:
        page = os.path.join(work, "page.html")
        src = open(html_path, encoding="utf-8").read()
        check_(src.count("</body>") == 1, "bulletin has no single </body>")
        open(page, "w", encoding="utf-8").write(src.replace("</body>", PROBE + "</body>"))
        cmd = [chromium()] + CHROMIUM_FLAGS + ["--user-data-dir=" + os.path.join(work, "profile"),
                                              "--dump-dom", "file://" + page]
        p = subprocess.run(cmd, capture_output=True, timeout=180)
        if p.returncode != 0 or not p.stdout:
            fail("chromium exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[-2000:]))
        parser = _Bars()
        parser.feed(p.stdout.decode("utf-8"))
        check_(parser.probe, "the probe did not run in Chromium")
        return parser.bars, parser.svgs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_(cond, msg):
    if not cond:
        fail(msg)


def expected_charts(doc):
    """chart -> [(key, value or None, is_rate, colour or None)] in drawing order."""
    t = doc["totals"]
    charts = {
        "totals": [(doc["quarter"], t["received"], False, None),
                   (doc["previous_quarter"], t["previous_quarter"]["received"], False, None),
                   (doc["year_ago_quarter"], t["year_ago"]["received"], False, None)],
        "environments": [(k, v["received"], False, None) for k, v in doc["by_environment"].items()],
        "topics": [(k, v["received"], False, None) for k, v in doc["by_topic"].items()],
        "district_received": [(k, v["received"], False, None) for k, v in doc["by_district"].items()],
        "hotspots": [("%s|%s" % (h["district"], h["topic"]), h["received"], False, None) for h in doc["hotspots"]],
    }
    cards = {(c["scope"], c["code"]): c["card"] for c in doc["cards"]}
    charts["department_satisfaction"] = [
        (k, v["satisfaction_rate"], True, CARD_COLORS[cards[("department", k)]] if ("department", k) in cards else None)
        for k, v in doc["by_department"].items() if v["received"] > 0]
    charts["department_on_time"] = [(k, v["on_time_rate"], True, None)
                                    for k, v in doc["by_department"].items() if v["received"] > 0]
    charts["district_satisfaction"] = [
        (k, v["satisfaction_rate"], True, CARD_COLORS[cards[("district", k)]] if ("district", k) in cards else None)
        for k, v in doc["by_district"].items()]
    if not doc["hotspots"]:
        del charts["hotspots"]
    return charts


def check_bars(rendered, doc):
    bars, svgs = rendered
    charts = expected_charts(doc)
    check_(sorted(svgs) == sorted(charts), "charts drawn %s, expected %s" % (sorted(svgs), sorted(charts)))
    for chart, want in charts.items():
        got = [b for b in bars if b.get("data-chart") == chart]
        check_([b["data-key"] for b in got] == [w[0] for w in want],
               "chart %s: bars %s, expected %s" % (chart, [b["data-key"] for b in got], [w[0] for w in want]))
        svg = svgs[chart]
        check_(float(svg["data-drawn-svg"]) > 100, "chart %s is not drawn (width %s)" % (chart, svg["data-drawn-svg"]))
        full = float(svg["data-bar-width"])
        vmax = 1.0 if want and want[0][2] else max([w[1] for w in want if w[1] is not None] + [0])
        check_(abs(float(svg["data-max"]) - vmax) < 1e-9, "chart %s: max %s, expected %s" % (chart, svg["data-max"], vmax))
        for b, (key, value, is_rate, colour) in zip(got, want):
            shown = "null" if value is None else ("%.6f" % value if is_rate else "%d" % value)
            check_(b["data-value"] == shown, "chart %s bar %s: data-value %s, JSON has %s" % (chart, key, b["data-value"], shown))
            length = 0.0 if value is None or vmax == 0 else value / vmax * full
            drawn = float(b["data-drawn"])
            check_(abs(drawn - length) <= 0.6,
                   "chart %s bar %s: drawn %.3f units long, expected %.3f for %s" % (chart, key, drawn, length, shown))
            check_(abs(float(b["width"]) - length) <= 0.006, "chart %s bar %s: width attribute %s, expected %.3f"
                   % (chart, key, b["width"], length))
            if colour:
                check_(b.get("fill") == colour, "chart %s bar %s: colour %s, expected %s (card)" % (chart, key, b.get("fill"), colour))
    return sum(len(v) for v in charts.values())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: report_browser.py BULLETIN.html REPORT.json")
    n = check_bars(render_bars(sys.argv[1]), json.load(open(sys.argv[2], encoding="utf-8")))
    print("ok: %d bars drawn with the JSON's values" % n)
