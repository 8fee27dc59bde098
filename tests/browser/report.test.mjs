// The HTML report in a real browser (headless chromium): pages made from
// traces of real Python programs with known behaviour load with no console
// error and no request to the network; the flame graph's widest frame, its
// zoom and search, the leak table's top row and the timeline's range
// selection say what the program did. A screenshot of each view is kept in
// $ARENATRACE_ARTIFACTS. Exits 77 (skipped) when chromium is missing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";

const buildDir = process.env.ARENATRACE_BUILD_DIR;
const python = process.env.ARENATRACE_TEST_PYTHON;
const chromiumPath = process.env.ARENATRACE_CHROMIUM || "/usr/bin/chromium";
const artifacts = process.env.ARENATRACE_ARTIFACTS || path.join(os.tmpdir(), "arenatrace-browser");
if (!fs.existsSync(chromiumPath)) {
  console.log(`browser tests skipped: no chromium at ${chromiumPath} (scripts/bootstrap installs it)`);
  process.exit(77);
}
const require = createRequire(path.join(process.env.ARENATRACE_NODE_MODULES, "index.js"));
const { chromium } = require("playwright-core");
const arenatrace = path.join(buildDir, "bin", "arenatrace");
fs.mkdirSync(artifacts, { recursive: true });

// Writes `source` to app.py in `dir`, records it; returns {trace, script}.
function record(dir, source) {
  const script = path.join(dir, "app.py");
  fs.writeFileSync(script, source);
  const trace = path.join(dir, "out.atrace");
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  const run = spawnSync(arenatrace, ["run", "-o", trace, "--", python, script],
                        { cwd: dir, env, encoding: "utf8", timeout: 300000 });
  assert.equal(run.status, 0, run.stderr);
  return { trace, script };
}

function arenatraceCommand(...args) {
  const r = spawnSync(arenatrace, args, { encoding: "utf8", timeout: 300000 });
  assert.equal(r.status, 0, `arenatrace ${args.join(" ")}: ${r.stderr}`);
}

const lineOf = (script, marker) =>
  fs.readFileSync(script, "utf8").split("\n").findIndex((l) => l.includes(marker)) + 1;

// A page opened as a user would, from a file; what it asked the network for
// and what it said on the console are kept.
async function open(browser, file) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const seen = { errors: [], network: [] };
  page.on("console", (m) => { if (m.type() === "error") seen.errors.push(m.text()); });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    seen.network.push(url);
    return route.abort();
  });
  await page.goto("file://" + file);
  await page.waitForFunction(() => window.arenatraceReport && window.arenatraceReport.ready);
  return { page, seen, context };
}

const rects = (page) => page.evaluate(() => window.arenatraceReport.flame.describe());

// The widest of the script's frames other than its top level (ties: the outermost).
function widestOf(all, script) {
  const own = all.filter((r) => r.file === script && r.function !== "<module>");
  own.sort((a, b) => b.w - a.w || a.depth - b.depth);
  return own[0];
}

async function clickRect(page, rect) {
  const box = await page.locator("#flame").boundingBox();
  await page.mouse.click(box.x + rect.x + Math.min(rect.w / 2, 40), box.y + rect.y + rect.h / 2);
}

const PROGRAM = `import time
import arenatrace

class Record:
    __slots__ = ("key", "payload")
    def __init__(self, key):
        self.key = key
        self.payload = None

leaked = []

def warm_up(n):
    data = [bytes(2000) for _ in range(n)]  # WARM SITE
    time.sleep(0.25)
    return len(data)

def build(n):
    data = [bytes(1000) for _ in range(n)]  # PEAK SITE
    time.sleep(0.25)
    return len(data)

def handle(i):
    leaked.append(Record(i))  # LEAK SITE

warm_up(8000)
time.sleep(0.25)
arenatrace.mark("build starts")
build(40000)
for i in range(20000):
    handle(i)
`;

describe("arenatrace report in chromium", () => {
  let browser, tmp, trace, script, report;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "arenatrace-browser-"));
    ({ trace, script } = record(tmp, PROGRAM));
    report = path.join(tmp, "report.html");
    arenatraceCommand("report", "-o", report, trace);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  });
  after(async () => {
    if (browser) await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("loads offline with no console error, the peak's function widest", async () => {
    const { page, seen, context } = await open(browser, report);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.network, []);
    const widest = widestOf(await rects(page), script);
    assert.equal(widest.function.split(".")[0], "build", JSON.stringify(widest));
    // 40,000 blocks of bytes(1000) are most of the peak.
    assert.ok(widest.w > 0.6 * (await page.locator("#flame").boundingBox()).width);
    await page.screenshot({ path: path.join(artifacts, "report-peak.png"), fullPage: true });
    await context.close();
  });

  test("clicking a frame zooms to it, reset zooms out", async () => {
    const { page, context } = await open(browser, report);
    const width = (await page.locator("#flame").boundingBox()).width;
    const before = await rects(page);
    const warm = before.find((r) => r.function === "warm_up" && r.file === script);
    // At the peak the warm-up's blocks are freed: it is narrow or merged away.
    assert.ok(!warm || warm.w < 0.05 * width);
    const target = before.find((r) => r.function === "<module>" && r.file === script);
    const build = widestOf(before, script);
    await clickRect(page, build);
    const zoomed = widestOf(await rects(page), script);
    assert.equal(zoomed.function, build.function);
    assert.ok(Math.abs(zoomed.w - width) < 2, `${zoomed.w} vs ${width}`);
    await page.screenshot({ path: path.join(artifacts, "report-zoomed.png") });
    await page.click("#reset");
    const reset = (await rects(page)).find((r) => r.function === target.function && r.file === script);
    assert.ok(Math.abs(reset.w - target.w) < 1);
    await context.close();
  });

  test("hover says function, file:line, bytes, blocks and share", async () => {
    const { page, context } = await open(browser, report);
    const build = widestOf(await rects(page), script);
    const box = await page.locator("#flame").boundingBox();
    await page.mouse.move(box.x + build.x + 20, box.y + build.y + build.h / 2);
    assert.equal(await page.isVisible("#tooltip"), true);
    const text = await page.textContent("#tooltip");
    assert.ok(text.includes(build.function), text);
    assert.ok(text.includes(`${script}:${build.line}`), text);
    assert.match(text, /MiB {2}\(\d+(\.\d+)?% of the total\)/);
    assert.match(text, /blocks {2}\(/);
    await page.screenshot({ path: path.join(artifacts, "report-hover.png") });
    await context.close();
  });

  test("hiding files folds their frames into the callers; icicle puts the root on top", async () => {
    const { page, context } = await open(browser, report);
    const before = await rects(page);
    const root = before.find((r) => r.function === "all");
    assert.ok(root.y > 0);  // a flame graph: the root at the bottom
    await page.fill("#hide-files", "*/app.py");
    await page.dispatchEvent("#hide-files", "change");
    const hidden = await rects(page);
    assert.equal(hidden.filter((r) => r.file === script).length, 0);
    // Nothing is lost: the root's value is unchanged.
    assert.equal(hidden.find((r) => r.function === "all").value, root.value);
    await page.fill("#hide-files", "");
    await page.dispatchEvent("#hide-files", "change");
    await page.click("#orientation");
    assert.equal((await rects(page)).find((r) => r.function === "all").y, 0);
    await page.screenshot({ path: path.join(artifacts, "report-icicle.png") });
    await context.close();
  });

  test("search highlights the matching frames and says their share", async () => {
    const { page, context } = await open(browser, report);
    await page.fill("#search", "build");
    const all = await rects(page);
    const matched = all.filter((r) => r.matched);
    assert.ok(matched.length >= 1);
    for (const r of matched) assert.match(`${r.function} ${r.file}`, /build/);
    assert.ok(all.some((r) => !r.matched && r.function === "<module>"));
    const share = await page.textContent("#matched");
    const percent = Number(/matched: ([\d.]+)%/.exec(share)[1]);
    assert.ok(percent > 70 && percent <= 100, share);
    await page.screenshot({ path: path.join(artifacts, "report-search.png") });
    await context.close();
  });

  test("the leak table's top row is the leaking line, and links to it", async () => {
    const { page, context } = await open(browser, report);
    const leakLine = lineOf(script, "# LEAK SITE");
    const first = page.locator("#leaks tbody tr").first();
    assert.equal(await first.locator("td").first().textContent(), "leak");
    assert.ok((await first.textContent()).includes(`${script}:${leakLine})`), await first.textContent());
    await first.click();
    assert.equal(await page.inputValue("#view"), "leaks");
    const matched = (await rects(page)).filter((r) => r.matched);
    assert.ok(matched.length >= 1);
    for (const r of matched) assert.equal(r.line, leakLine);
    await page.screenshot({ path: path.join(artifacts, "report-leaks.png"), fullPage: true });
    await context.close();
  });

  test("a range before the peak shows that range's highest moment", async () => {
    const { page, context } = await open(browser, report);
    // The mark before the build, as the timeline draws it: a slow machine
    // stretches the build, so the range ends by the mark, not by the peak.
    const buildStarts = await page.evaluate(() => window.arenatraceReport.data.processes[0]
      .timeline.events.find((e) => e.kind === "mark" && e.label === "build starts").micros);
    const over = page.locator("#timeline .u-over");
    const box = await over.boundingBox();
    const x = (micros) => page.evaluate((m) => window.arenatraceReport.timeline().clientX(m), micros);
    // The warm-up ends a quarter of a second before the build starts.
    // From the chart's left edge (its scale starts at the first column, not at 0).
    const from = Math.max(await x(0), box.x) + 2, to = await x(buildStarts - 100000);
    assert.ok(to > from + 10, `${from} ${to}`);
    await page.mouse.move(from, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(to, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    assert.equal(await page.inputValue("#view"), "moment");
    const widest = widestOf(await rects(page), script);
    assert.equal(widest.function.split(".")[0], "warm_up", JSON.stringify(widest));
    await page.screenshot({ path: path.join(artifacts, "report-range.png"), fullPage: true });
    // The whole run again: its highest moment is the build.
    await over.dblclick();
    assert.equal(widestOf(await rects(page), script).function.split(".")[0], "build");
    await context.close();
  });

  test("flamegraph --leaks and timeline --html write pages of their own", async () => {
    const flame = path.join(tmp, "leaks.html"), timeline = path.join(tmp, "timeline.html");
    arenatraceCommand("flamegraph", "--leaks", "-o", flame, trace);
    arenatraceCommand("timeline", "--html", "-o", timeline, trace);
    for (const [file, view, expected] of [[flame, "leaks", "handle"], [timeline, "moment", "build"]]) {
      const { page, seen, context } = await open(browser, file);
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(seen.network, []);
      assert.equal(await page.inputValue("#view"), view);
      assert.equal(widestOf(await rects(page), script).function.split(".")[0], expected);
      await page.screenshot({ path: path.join(artifacts, `${view}-page.png`), fullPage: true });
      await context.close();
    }
  });
});

describe("a run of two processes in chromium", () => {
  let browser, tmp, script, report;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "arenatrace-browser-fork-"));
    let trace;
    ({ trace, script } = record(tmp, `import os, time

def parent_work():
    return [bytes(1000) for _ in range(20000)]

def child_work():
    return [bytes(500) for _ in range(60000)]

pid = os.fork()
if pid == 0:
    keep = child_work()
    time.sleep(0.1)
    os._exit(0)
keep = parent_work()
os.waitpid(pid, 0)
`));
    report = path.join(tmp, "report.html");
    arenatraceCommand("report", "-o", report, trace);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  });
  after(async () => {
    if (browser) await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("each process can be shown alone, from the menu or its table row", async () => {
    const { page, seen, context } = await open(browser, report);
    assert.deepEqual(seen.errors, []);
    const labels = await page.locator("#process option").allTextContents();
    assert.equal(labels.length, 3);  // every process, and each one
    // Both processes under their own frames: the child's 30 MB is the widest.
    const all = await rects(page);
    assert.equal(all.filter((r) => r.depth === 1 && r.file === "").length, 2);
    assert.equal(widestOf(all, script).function.split(".")[0], "child_work");
    await page.selectOption("#process", "0");  // the parent
    assert.equal(widestOf(await rects(page), script).function.split(".")[0], "parent_work");
    assert.equal((await rects(page)).filter((r) => r.function === "child_work").length, 0);
    await page.locator("#processes tbody tr").nth(1).click();  // the child's row
    assert.equal(await page.inputValue("#process"), "1");
    assert.equal(widestOf(await rects(page), script).function.split(".")[0], "child_work");
    await page.screenshot({ path: path.join(artifacts, "report-process.png"), fullPage: true });
    await context.close();
  });
});

describe("a program with a worker thread in chromium", () => {
  let browser, tmp, script, report;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "arenatrace-browser-thread-"));
    let trace;
    ({ trace, script } = record(tmp, `import threading

ready, done = threading.Event(), threading.Event()

def worker_job():
    data = [bytes(1000) for _ in range(30000)]
    ready.set()
    done.wait()
    return len(data)

def main_part():
    return [bytes(1000) for _ in range(10000)]

def tiny_job():
    global tiny_kept
    tiny_kept = [bytearray(100) for _ in range(20)]  # a 5000th of what the program keeps

tiny = threading.Thread(target=tiny_job, name="tiny-1")
tiny.start()
tiny.join()
worker = threading.Thread(target=worker_job, name="worker-1")
worker.start()
ready.wait()
kept = main_part()
done.set()
worker.join()
`));
    report = path.join(tmp, "report.html");
    arenatraceCommand("report", "-o", report, trace);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  });
  after(async () => {
    if (browser) await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("choosing a thread shows its share of each view alone", async () => {
    const { page, seen, context } = await open(browser, report);
    assert.deepEqual(seen.errors, []);
    const options = await page.locator("#thread option").allTextContents();
    const worker = options.find((o) => o.includes("worker-1"));
    const main = options.find((o) => o.includes("MainThread"));
    assert.ok(worker && main, options.join(" | "));
    await page.selectOption("#thread", { label: worker });
    assert.equal(await page.inputValue("#view"), "peak");
    let shown = await rects(page);
    assert.equal(widestOf(shown, script).function, "worker_job");
    assert.equal(shown.filter((r) => r.function === "main_part").length, 0);
    const width = (await page.locator("#flame").boundingBox()).width;
    assert.ok(widestOf(shown, script).w > 0.9 * width);
    await page.screenshot({ path: path.join(artifacts, "report-thread.png") });
    await page.selectOption("#thread", { label: main });
    shown = await rects(page);
    assert.equal(widestOf(shown, script).function, "main_part");
    assert.equal(shown.filter((r) => r.function === "worker_job").length, 0);
    // The other views follow the thread: the worker allocated 30 MB, the
    // main thread 10 MB, and only the main thread's list outlived the program.
    await page.selectOption("#view", "allocated");
    assert.equal(widestOf(await rects(page), script).function, "main_part");
    assert.equal((await rects(page)).filter((r) => r.function === "worker_job").length, 0);
    await page.selectOption("#thread", { label: worker });
    assert.equal(widestOf(await rects(page), script).function, "worker_job");
    assert.equal((await rects(page)).filter((r) => r.function === "main_part").length, 0);
    await page.selectOption("#view", "leaks");
    assert.equal((await rects(page)).filter((r) => r.function === "worker_job").length, 0);
    await page.selectOption("#thread", { label: main });
    assert.equal(widestOf(await rects(page), script).function, "main_part");
    // A thread with a sliver of the memory still shows its own stacks alone.
    await page.selectOption("#thread", { label: options.find((o) => o.includes("tiny-1")) });
    assert.equal(widestOf(await rects(page), script).function, "tiny_job");
    assert.equal((await rects(page)).filter((r) => r.function === "main_part").length, 0);
    await page.selectOption("#thread", "-1");  // every thread again
    const info = await page.locator("#flame-info").textContent();
    assert.ok(info.startsWith("leaks: ") && !info.includes("thread"), info);
    await context.close();
  });
});
