// The page: reads the report's data, builds the flame graph, the timeline
// and the tables, and connects them (a range on the timeline re-draws the
// flame graph at the range's highest moment; a table row shows its site).
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("arenatrace-data").textContent);
  const $ = (id) => document.getElementById(id);
  const frames = new AT.Frames(data.frames);
  const flame = new AT.FlameGraph($("flame"), $("tooltip"), frames);
  const processes = data.processes;
  const measures = {
    peak: "live at the heap's peak", leaks: "alive when the program's own code ended",
    allocated: "everything allocated", temporary: "temporary allocations",
    threads: "live at the heap's peak, by thread",
    retained: "what each object of the snapshot retains (its dominator tree)",
  };
  const hasTemporal = processes.some((p) => p.temporal);
  const state = { view: null, process: -1, thread: -1, range: null, timeline: null };

  if (data.run_warnings.length) $("warnings").textContent = data.run_warnings.join("\n");

  // Frames by (function, file, line): a table row names a site so.
  const frameIndex = new Map();
  data.frames.frames.forEach((f, i) => {
    const key = frames.fn(i) + "\0" + frames.file(i) + "\0" + frames.line(i);
    if (!frameIndex.has(key)) frameIndex.set(key, []);
    frameIndex.get(key).push(i);
  });
  const framesOf = (site) => frameIndex.get(site.function + "\0" + site.file + "\0" + site.line) || [];

  // The views: every stack analysis of the page, and the range's highest moment.
  for (const v of data.views) $("view").append(AT.el("option", { value: v.name }, `${v.name}: ${measures[v.name] || v.tree.measure}`));
  if (hasTemporal) $("view").append(AT.el("option", { value: "moment" }, "moment: the highest moment of the selected range"));
  $("metric").value = data.metric;
  flame.metric = data.metric;

  if (processes.length > 1) {
    $("process-label").hidden = false;
    $("process").append(AT.el("option", { value: -1 }, "every process"));
    processes.forEach((p, i) => $("process").append(AT.el("option", { value: i }, p.label)));
  }

  // Threads: the frames naming one in the views split by thread (under its
  // process when the run has several). Choosing one shows the current view
  // for that thread alone, where the view is split by thread.
  const threadTrees = { ...(data.thread_views || {}) };
  const threadsView = data.views.find((v) => v.name === "threads");
  if (threadsView) threadTrees.peak = threadTrees.threads = threadsView.tree;
  const isThreadFrame = (f) => f >= 0 && frames.file(f) === "" && frames.fn(f).startsWith("thread ");
  const threads = [];  // {process: label or "", name}
  {
    const seen = new Set();
    for (const t of Object.values(threadTrees)) {
      for (let i = 1; i < t.parent.length; i++) {
        if (!isThreadFrame(t.frame[i])) continue;
        const process = t.parent[i] > 0 ? frames.fn(t.frame[t.parent[i]]) : "";
        const key = process + "\0" + frames.fn(t.frame[i]);
        if (!seen.has(key)) {
          seen.add(key);
          threads.push({ process, name: frames.fn(t.frame[i]) });
        }
      }
    }
  }
  if (threads.length) {
    $("thread-label").hidden = false;
    $("thread").append(AT.el("option", { value: -1 }, "every thread"));
    threads.forEach((t, i) => $("thread").append(AT.el("option", { value: i }, (t.process ? t.process + ": " : "") + t.name)));
  }
  // The node of a thread in a split tree (-2: the thread has nothing there).
  const threadNodeIn = (tree, thread) => {
    for (let i = 1; i < tree.parent.length; i++) {
      if (!isThreadFrame(tree.frame[i]) || frames.fn(tree.frame[i]) !== thread.name) continue;
      const parent = tree.parent[i];
      const process = parent > 0 ? frames.fn(tree.frame[parent]) : "";
      if (process === thread.process) return i;
    }
    return -2;
  };

  // The node standing for a process in a run's tree (its frame has no file).
  const processNodeIn = (tree, label) => {
    for (let i = 1; i < tree.parent.length; i++) {
      if (tree.parent[i] === 0 && tree.frame[i] >= 0 && frames.file(tree.frame[i]) === "" &&
          frames.fn(tree.frame[i]) === label) return i;
    }
    return -2;  // not in this tree: nothing of it is shown
  };

  function showView() {
    const name = state.view;
    let info = "";
    if (name === "moment") {
      const p = processes[Math.max(state.process, 0)];
      const m = new AT.Temporal(p.temporal).moment(state.range);
      flame.processNode = -1;
      $("metric").value = "bytes";
      $("metric").disabled = true;
      flame.metric = "bytes";
      if (m) {
        flame.setTree(p.temporal.tree, m.self);
        const where = state.range ? `${AT.seconds(state.range.from)} to ${AT.seconds(state.range.to)}` : "the whole run";
        info = `The heap at the highest moment of ${where}: ${AT.bytes(m.peak_bytes)} at ${AT.seconds(m.peak_micros)} (${p.label}` +
          (state.thread >= 0 ? "; every thread: this view is not split by thread)." : ").");
      }
    } else {
      const view = data.views.find((v) => v.name === name);
      $("metric").disabled = false;
      flame.metric = $("metric").value;
      const thread = state.thread >= 0 ? threads[state.thread] : null;
      const split = thread ? threadTrees[name] : null;
      let tree = view.tree, shown = "";
      if (split) {
        tree = split;
        flame.processNode = threadNodeIn(split, thread);
        shown = ` in ${thread.process ? thread.process + ", " : ""}${thread.name}` +
          (flame.processNode === -2 ? " (nothing of this thread in this view)" : "");
      } else {
        flame.processNode = state.process >= 0 && processes.length > 1
          ? processNodeIn(view.tree, processes[state.process].label) : -1;
        if (state.process >= 0 && processes.length > 1) shown = ` in ${processes[state.process].label}`;
        if (thread) shown += " (every thread: this view is not split by thread)";
      }
      flame.setTree(tree, null);
      info = `${name}: ${tree.measure}; ${AT.bytes(flame.d.bytes[0])} in ${AT.count(flame.d.count[0])} blocks${shown}.`;
    }
    $("flame-title").textContent = `Flame graph: ${name}`;
    $("flame-info").textContent = info;
  }

  flame.onChange = () => {
    const total = flame.total();
    $("matched").textContent = flame.matchedValue === null ? ""
      : `matched: ${AT.percent(flame.matchedValue, total)} (${flame.metric === "count" ? AT.count(flame.matchedValue) + " blocks" : AT.bytes(flame.matchedValue)})`;
  };

  function selectView(name) {
    state.view = name;
    $("view").value = name;
    showView();
  }

  function showTimeline() {
    const p = processes[Math.max(state.process, 0)];
    if (!p.timeline) return;
    $("timeline-section").hidden = false;
    $("timeline").replaceChildren();
    state.timeline = new AT.Timeline($("timeline"), p.timeline, (range) => {
      state.range = range;
      $("range-info").textContent = range ? `selected ${AT.seconds(range.from)} to ${AT.seconds(range.to)}` : "";
      selectView("moment");
    });
  }

  function showTables() {
    const p = processes[Math.max(state.process, 0)];
    if (!p.summary) return;
    $("summary").hidden = false;
    $("summary").replaceChildren(AT.summaryCards(p));
    const focusSite = (view) => (row) => {
      const site = row.site || row;
      if (data.views.some((v) => v.name === view)) selectView(view);
      flame.focus(framesOf(site));
      $("flame-section").scrollIntoView();
    };
    $("leaks-section").hidden = false;
    const l = p.leaks;
    $("leaks-summary").textContent = `The program's own code left ${AT.bytes(l.program_live.bytes)} in ${AT.count(l.program_live.count)} blocks alive` +
      (l.finalizing_seen ? ` when it ended at ${AT.seconds(l.program_end_micros)}` : " (the process did not finalise)") +
      `; start-up left ${AT.bytes(l.startup_live.bytes)}. Click a row to see its site in the flame graph.`;
    $("leaks").replaceChildren(AT.leaksTable(l, focusSite("leaks")),
                               ...(l.graph ? [AT.graphEvidence(l.graph)] : []));
    $("gc-section").hidden = false;
    $("gc").replaceChildren(AT.gcTable(p.gc));
    $("fragmentation-section").hidden = false;
    $("fragmentation").replaceChildren(AT.fragmentationPart(p.fragmentation, focusSite("peak")));
    $("processes-section").hidden = false;
    $("processes").replaceChildren(AT.processesTable(processes, (row) => {
      selectProcess(processes.indexOf(row));
    }));
  }

  function selectProcess(index) {
    state.process = index;
    state.range = null;
    $("process").value = String(index);
    showTimeline();
    showTables();
    showView();
  }

  $("view").addEventListener("change", () => selectView($("view").value));
  $("metric").addEventListener("change", () => flame.setMetric($("metric").value));
  $("process").addEventListener("change", () => selectProcess(Number($("process").value)));
  $("thread").addEventListener("change", () => {
    state.thread = Number($("thread").value);
    showView();
  });
  $("search").addEventListener("input", () => flame.search($("search").value));
  const hide = () => flame.setHidden($("hide-import").checked, $("hide-files").value.trim());
  $("hide-import").addEventListener("change", hide);
  $("hide-files").addEventListener("change", hide);
  $("orientation").addEventListener("click", () => {
    const icicle = flame.orientation === "flame";
    flame.setOrientation(icicle ? "icicle" : "flame");
    $("orientation").textContent = icicle ? "flame" : "icicle";
  });
  $("reset").addEventListener("click", () => flame.zoom(0));

  state.view = data.views.length ? data.views[0].name : "moment";
  selectProcess(-1);
  // For the browser tests: the parts of the page, once drawn.
  window.arenatraceReport = { flame, state, data, timeline: () => state.timeline, selectView, ready: true };
})();
