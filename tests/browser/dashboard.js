// dashboard.js: loads the dashboard in Debian's headless Chromium and prints
// what it shows as JSON (heat cells, totals, rising rows, hot words, trend
// points, alert ids) with every console error and failed request, for
// test_dashboard.py to compare with the API. Saves a screenshot.
// usage: node dashboard.js URL SCREENSHOT.png USER_DATA_DIR
"use strict";
const { chromium } = require("playwright-core");

(async () => {
  const [url, shot, userDir] = process.argv.slice(2);
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run"],
    viewport: { width: 1400, height: 1500 },
  });
  const errors = [];
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
  page.on("requestfailed", (r) => errors.push("requestfailed: " + r.url()));
  page.on("request", (r) => { if (!r.url().startsWith(new URL(url).origin)) errors.push("external request: " + r.url()); });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector("body[data-loaded='1']", { timeout: 30000 });
  const shown = await page.evaluate(() => {
    const num = (s) => (s === "" || s === null ? 0 : Number(s));
    return {
      total: num(document.getElementById("total").textContent),
      ptotal: num(document.getElementById("ptotal").textContent),
      cells: Array.from(document.querySelectorAll("td[data-district]"))
        .filter((td) => td.textContent !== "")
        .map((td) => [td.dataset.district + "|" + td.dataset.topic, num(td.textContent)]),
      rising: Array.from(document.querySelectorAll("#rising tr[data-key]")).map((tr) => [tr.dataset.key, num(tr.dataset.count)]),
      words: Array.from(document.querySelectorAll("#words span[data-keyword]")).map((s) => [s.dataset.keyword, num(s.dataset.count)]),
      trend: Array.from(document.querySelectorAll("#trend circle")).map((c) => [c.dataset.date, num(c.dataset.count)]),
      trendTotal: num(document.getElementById("trendtotal").textContent),
      alerts: Array.from(document.querySelectorAll("#alerts tr[data-id]")).map((tr) => tr.dataset.id),
      error: document.getElementById("error").textContent,
      title: document.title,
    };
  });
  await page.screenshot({ path: shot, fullPage: true });
  await ctx.close();
  console.log(JSON.stringify({ shown, errors }));
})().catch((e) => { console.error(e); process.exit(1); });
