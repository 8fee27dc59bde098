// The tables below the charts: the summary, the leak verdicts with their
// evidence, GC per generation, fragmentation and the processes. Every table
// sorts by any column; a row naming a site links to it in the flame graph.
"use strict";

// columns: [{title, value(row) (what sorts), show(row) (text or a node), num}]
AT.table = function (columns, rows, onRow, sortColumn) {
  let sortBy = sortColumn === undefined ? -1 : sortColumn, descending = true;
  const table = AT.el("table");
  const head = AT.el("tr");
  const body = AT.el("tbody");
  const render = () => {
    const sorted = rows.slice();
    if (sortBy >= 0) {
      const v = columns[sortBy].value;
      sorted.sort((a, b) => {
        const x = v(a), y = v(b);
        const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return descending ? -c : c;
      });
    }
    body.replaceChildren(...sorted.map((row) => {
      const tr = AT.el("tr", onRow ? { class: "link", onclick: () => onRow(row) } : {});
      for (const c of columns) {
        const shown = c.show ? c.show(row) : c.value(row);
        tr.append(AT.el("td", c.num ? { class: "num" } : {}, shown));
      }
      return tr;
    }));
    [...head.children].forEach((th, i) => {
      th.classList.toggle("sorted-desc", i === sortBy && descending);
      th.classList.toggle("sorted-asc", i === sortBy && !descending);
    });
  };
  columns.forEach((c, i) => {
    head.append(AT.el("th", {
      class: c.num ? "num" : "",
      onclick: () => { descending = sortBy === i ? !descending : true; sortBy = i; render(); },
    }, c.title));
  });
  table.append(AT.el("thead", {}, head), body);
  render();
  return table;
};

AT.siteLabel = (site) => `${site.function} (${site.file}:${site.line})`;

AT.card = (value, what) => AT.el("div", { class: "card" }, AT.el("b", {}, value), AT.el("span", {}, what));

AT.summaryCards = function (process) {
  const s = process.summary, peak = process.peak;
  const cards = [
    AT.card(AT.bytes(peak.peak_bytes), `heap at its peak, at ${AT.seconds(peak.peak_micros)}`),
    AT.card(AT.count(peak.peak_blocks), "blocks live at the peak"),
    AT.card(AT.bytes(peak.peak_rss_bytes), `peak RSS, at ${AT.seconds(peak.peak_rss_micros)}`),
    AT.card(AT.bytes(peak.end_bytes), "heap when the trace ends"),
    AT.card(AT.bytes(s.total.bytes_allocated), `allocated in ${AT.count(s.total.allocs)} allocations`),
    AT.card(AT.seconds(s.duration_micros), `recorded; ${AT.count(s.events)} events`),
    AT.card(AT.count(s.gc.collections), `garbage collections, ${AT.count(s.gc.collected)} objects collected`),
    AT.card(s.python_version.split(" ")[0], `Python, allocator ${s.allocator}`),
  ];
  return AT.el("div", { class: "cards" }, ...cards);
};

// "sys.modules['app'] -> __dict__ -> cache -> ['k1'] (Entry)", as the text report writes it.
AT.pathLine = function (path) {
  let line = path.root;
  path.steps.slice(1).forEach((s) => { line += " -> " + (s.edge || `(${s.type})`); });
  const last = path.steps[path.steps.length - 1];
  if (last && last.edge) line += ` (${last.type})`;
  return line;
};

// Who holds a verdict's objects at the last snapshot of the object graph.
AT.heldBy = function (v) {
  const g = v.graph;
  if (!g || !g.held_by) return "";
  const h = g.held_by;
  const who = h.holder_type ? `${h.holder_type}${h.holder_site ? " from " + h.holder_site : ""}` : "roots";
  return `${who} (${AT.count(h.objects)} of ${AT.count(g.objects)}): ${AT.pathLine(h.path)}`;
};

AT.leaksTable = function (leaks, onRow) {
  const verdict = (v) => AT.el("span", { class: "verdict-" + v.verdict }, v.verdict);
  const rank = { leak: 3, growing: 2, plateau: 1, retained: 0 };
  return AT.table([
    { title: "verdict", value: (v) => rank[v.verdict] * 2 + v.confidence, show: verdict },
    { title: "confidence", value: (v) => v.confidence, show: (v) => v.confidence.toFixed(2), num: true },
    { title: "site", value: (v) => AT.siteLabel(v.site), show: (v) => AT.el("span", { class: "site" }, AT.siteLabel(v.site)) },
    { title: "live", value: (v) => v.live.bytes, show: (v) => AT.bytes(v.live.bytes), num: true },
    { title: "blocks", value: (v) => v.live.count, show: (v) => AT.count(v.live.count), num: true },
    { title: "growth", value: (v) => v.growth, show: (v) => v.growth.toFixed(2), num: true },
    { title: "at exit", value: (v) => v.exit },
    { title: "allocated", value: (v) => v.allocated.bytes, show: (v) => AT.bytes(v.allocated.bytes), num: true },
    { title: "first", value: (v) => v.first_micros, show: (v) => AT.seconds(v.first_micros), num: true },
    ...(leaks.graph ? [{ title: "held by", value: AT.heldBy, show: (v) => AT.el("span", { class: "path" }, AT.heldBy(v)) }] : []),
  ], leaks.verdicts, onRow);
};

// The snapshot's hidden references and cyclic garbage, when the trace has a snapshot.
AT.graphEvidence = function (graph) {
  const parts = [];
  if (graph.hidden_references.length) {
    parts.push(AT.el("p", { class: "info" }, "Hidden references: objects whose reference count the object graph does not explain (a C extension's leaked reference, or a C global)."),
      AT.table([
        { title: "objects", value: (g) => g.objects, show: (g) => AT.count(g.objects), num: true },
        { title: "references", value: (g) => g.references, show: (g) => AT.count(g.references), num: true },
        { title: "bytes", value: (g) => g.bytes, show: (g) => AT.bytes(g.bytes), num: true },
        { title: "type", value: (g) => g.type },
        { title: "site", value: (g) => g.site, show: (g) => AT.el("span", { class: "site" }, g.site) },
      ], graph.hidden_references, null, 0));
  }
  if (graph.cyclic_garbage.length) {
    parts.push(AT.el("p", { class: "info" }, "Cyclic garbage: unreachable objects waiting for the collector."),
      AT.table([
        { title: "objects", value: (g) => g.objects, show: (g) => AT.count(g.objects), num: true },
        { title: "bytes", value: (g) => g.bytes, show: (g) => AT.bytes(g.bytes), num: true },
        { title: "types", value: (g) => g.types },
        { title: "site", value: (g) => g.site, show: (g) => AT.el("span", { class: "site" }, g.site) },
      ], graph.cyclic_garbage, null, 1));
  }
  if (!parts.length) parts.push(AT.el("p", { class: "info" }, "The snapshot of the object graph shows no hidden references and no cyclic garbage."));
  return AT.el("div", {}, ...parts);
};

AT.gcTable = function (gc) {
  return AT.table([
    { title: "generation", value: (g) => g.generation },
    { title: "collections", value: (g) => g.collections, show: (g) => AT.count(g.collections), num: true },
    { title: "time in them", value: (g) => g.micros, show: (g) => AT.seconds(g.micros), num: true },
    { title: "collected", value: (g) => g.collected, show: (g) => AT.count(g.collected), num: true },
    { title: "uncollectable", value: (g) => g.uncollectable, num: true },
    { title: "freed", value: (g) => g.freed.bytes, show: (g) => AT.bytes(g.freed.bytes), num: true },
  ], gc.generations);
};

AT.fragmentationPart = function (f, onRow) {
  if (!f.meaningful) return AT.el("p", {}, "No fragmentation report: the trace is sampled.");
  const usage = (u, what) => AT.card(`${AT.count(u.pools)} pools, ${AT.count(u.arenas)} arenas`,
                                     `${what}: ${AT.bytes(u.small_bytes)} in ${AT.count(u.small_blocks)} small blocks, ${AT.count(u.sparse_pools)} pools < 25% used`);
  return AT.el("div", {},
    AT.el("div", { class: "cards" }, usage(f.at_peak, "at the peak"), usage(f.most_pools, "most pools held"),
          usage(f.at_end, "at the program's end")),
    AT.el("p", { class: "info" }, `Allocator ${f.allocator}: ${AT.bytes(f.pool_bytes)} pools, ${AT.bytes(f.arena_bytes)} arenas. Sites pinning sparse pools:`),
    AT.table([
      { title: "site", value: (p) => AT.siteLabel(p), show: (p) => AT.el("span", { class: "site" }, AT.siteLabel(p)) },
      { title: "blocks", value: (p) => p.blocks, show: (p) => AT.count(p.blocks), num: true },
      { title: "bytes", value: (p) => p.bytes, show: (p) => AT.bytes(p.bytes), num: true },
      { title: "pinned", value: (p) => p.pinned_bytes, show: (p) => AT.bytes(p.pinned_bytes), num: true },
      { title: "sparse pools", value: (p) => p.sparse_pools, num: true },
    ], f.pinning, onRow, 3));
};

AT.processesTable = function (processes, onRow) {
  return AT.table([
    { title: "pid", value: (p) => p.process.pid, num: true },
    { title: "parent", value: (p) => p.process.ppid, num: true },
    { title: "command", value: (p) => p.process.argv.join(" ") },
    { title: "python", value: (p) => p.process.python_version.split(" ")[0] },
    { title: "status", value: (p) => p.process.status },
    { title: "duration", value: (p) => p.process.duration_micros, show: (p) => AT.seconds(p.process.duration_micros), num: true },
    { title: "peak heap", value: (p) => (p.peak ? p.peak.peak_bytes : 0), show: (p) => (p.peak ? AT.bytes(p.peak.peak_bytes) : "-"), num: true },
  ], processes, onRow);
};
