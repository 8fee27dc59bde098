// First paint of an HTML report in headless chromium: the time from
// navigation to the first contentful paint, and to the flame graph drawn
// (the page's own ready flag; another tool's page: its load), best of N loads. Prints one JSON line.
//   node paint_time.mjs NODE_MODULES CHROMIUM PAGE [LOADS]
import { createRequire } from "node:module";
import path from "node:path";

const [modules, chromiumPath, page, loads = "3"] = process.argv.slice(2);
const require = createRequire(path.join(modules, "index.js"));
const { chromium } = require("playwright-core");
const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
const results = [];
for (let i = 0; i < Number(loads); i++) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const tab = await context.newPage();
  await tab.goto("file://" + path.resolve(page));
  // Another tool's page (memray's) has no ready flag: its load is the mark.
  await tab.waitForFunction(() => document.getElementById("arenatrace-data")
    ? window.arenatraceReport && window.arenatraceReport.ready
    : document.readyState === "complete", null, { timeout: 120000 });
  results.push(await tab.evaluate(() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return { first_paint_ms: paint ? paint.startTime : null, ready_ms: performance.now() };
  }));
  await context.close();
}
await browser.close();
const best = (key) => Math.min(...results.map((r) => r[key]));
console.log(JSON.stringify({ first_paint_ms: best("first_paint_ms"), ready_ms: best("ready_ms") }));
