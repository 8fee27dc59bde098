// The flame graph, drawn by hand on a canvas: an SVG of tens of thousands of
// rectangles would not keep up, and no well-kept library draws a tree from
// precomputed, pruned arrays with these filters. The input is a tree as
// render/flame_data.h writes it (inclusive values, a parent before its
// children); filters (hidden frames, one process) rebuild a derived tree in
// one pass, and only rectangles at least a third of a pixel wide are drawn.
"use strict";

AT.FlameGraph = class {
  constructor(canvas, tooltip, frames) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.frames = frames;
    this.rowHeight = 18;
    this.orientation = "flame";  // the root at the bottom; "icicle": at the top
    this.metric = "bytes";
    this.hideImport = true;
    this.hidePattern = null;
    this.processNode = -1;  // a node of the source tree: only its subtree
    this.query = "";
    this.focusFrames = null;  // a Set of frame indexes matched exactly (a table row's site)
    this.onChange = () => {};
    this.rects = [];
    canvas.addEventListener("mousemove", (e) => this.hover(e));
    canvas.addEventListener("mouseleave", () => { this.tooltip.hidden = true; });
    canvas.addEventListener("click", (e) => {
      const r = this.hit(e);
      if (r) this.zoom(r.node);
    });
    window.addEventListener("resize", () => this.draw());
  }

  // `selfBytes`: per source node, its own bytes (the temporal view's values
  // at one moment); otherwise the tree's inclusive values are used.
  setTree(tree, selfBytes) {
    this.tree = tree;
    this.selfBytes = selfBytes || null;
    this.rebuild();
  }

  rebuild() {
    const t = this.tree, n = t.parent.length, frames = this.frames;
    const self = new Float64Array(n), selfCount = new Float64Array(n);
    if (this.selfBytes) {
      self.set(this.selfBytes);
    } else {
      for (let i = 0; i < n; i++) { self[i] = t.bytes[i]; selfCount[i] = t.count[i]; }
      for (let i = 1; i < n; i++) { self[t.parent[i]] -= t.bytes[i]; selfCount[t.parent[i]] -= t.count[i]; }
    }
    const hidden = (f) => f >= 0 && ((this.hideImport && frames.kind(f) === "import") ||
                                     (this.hidePattern && this.hidePattern.test(frames.file(f))));
    // Source node -> derived node; -1: outside the chosen process.
    const map = new Int32Array(n).fill(-1);
    const dParent = [-1], dFrame = [-1], dBytes = [0], dCount = [0];
    const byKey = new Map();
    map[0] = 0;
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        const p = map[t.parent[i]];
        if (p < 0 && i !== this.processNode) continue;
        const f = t.frame[i];
        if (i === this.processNode || p < 0) {
          map[i] = 0;  // the chosen process is the root
        } else if (hidden(f)) {
          map[i] = p;
        } else {
          const key = p * 67108864 + f;  // exact below 2^53: 2^26 frames, 2^27 nodes
          let d = byKey.get(key);
          if (d === undefined) {
            d = dParent.length;
            byKey.set(key, d);
            dParent.push(p); dFrame.push(f); dBytes.push(0); dCount.push(0);
          }
          map[i] = d;
        }
      } else if (this.processNode !== -1) {
        map[0] = -1;  // the run's root is outside any one process (-2: in none of this tree)
        continue;
      }
      if (map[i] >= 0) { dBytes[map[i]] += self[i]; dCount[map[i]] += selfCount[i]; }
    }
    for (let d = dParent.length - 1; d > 0; d--) {
      dBytes[dParent[d]] += dBytes[d];
      dCount[dParent[d]] += dCount[d];
    }
    this.d = { parent: dParent, frame: dFrame, bytes: dBytes, count: dCount };
    this.sortChildren();
    this.zoomNode = 0;
    this.applySearch();
  }

  sortChildren() {
    const d = this.d, values = this.values();
    const children = d.parent.map(() => []);
    for (let i = 1; i < d.parent.length; i++) children[d.parent[i]].push(i);
    for (const c of children) c.sort((a, b) => values[b] - values[a]);
    d.children = children;
  }

  values() { return this.metric === "count" ? this.d.count : this.d.bytes; }

  setMetric(metric) { this.metric = metric; this.sortChildren(); this.applySearch(); }
  setOrientation(o) { this.orientation = o; this.draw(); }
  setHidden(hideImport, pattern) {
    this.hideImport = hideImport;
    this.hidePattern = pattern ? AT.globToRegExp(pattern) : null;
    this.rebuild();
  }
  setProcess(node) { this.processNode = node; this.rebuild(); }
  zoom(node) { this.zoomNode = node; this.draw(); this.onChange(); }

  search(query) { this.query = query; this.focusFrames = null; this.applySearch(); }
  // Shows where one frame (a table's row) is: matched alone, zoomed to its widest node.
  focus(frameIndexes) {
    this.query = "";
    this.focusFrames = new Set(frameIndexes);
    this.applySearch();
    let best = -1;
    const values = this.values();
    for (let i = 1; i < this.d.frame.length; i++) {
      if (this.focusFrames.has(this.d.frame[i]) && (best < 0 || values[i] > values[best])) best = i;
    }
    if (best > 0) this.zoom(this.d.parent[best]);
    return best;
  }

  matcher() {
    if (this.focusFrames) return (f) => this.focusFrames.has(f);
    const q = this.query.trim();
    if (!q) return null;
    let re;
    if (q.length > 2 && q.startsWith("/") && q.endsWith("/")) {
      try { re = new RegExp(q.slice(1, -1)); } catch (e) { re = null; }
    }
    const lower = q.toLowerCase();
    const text = (f) => this.frames.fn(f) + " " + this.frames.where(f);
    return re ? (f) => re.test(text(f)) : (f) => text(f).toLowerCase().includes(lower);
  }

  applySearch() {
    const d = this.d, match = this.matcher(), n = d.parent.length;
    this.matched = new Uint8Array(n);
    let share = 0;
    if (match) {
      const covered = new Uint8Array(n);  // a matched ancestor already counts it
      const values = this.values();
      for (let i = 1; i < n; i++) {
        this.matched[i] = d.frame[i] >= 0 && match(d.frame[i]) ? 1 : 0;
        covered[i] = covered[d.parent[i]] || this.matched[i];
        if (this.matched[i] && !covered[d.parent[i]]) share += values[i];
      }
      this.matchedValue = share;
    } else {
      this.matchedValue = null;
    }
    this.draw();
    this.onChange();
  }

  total() { return this.values()[0]; }

  // The rectangles of the current view, then drawn.
  layout(width) {
    const d = this.d, values = this.values(), rects = [];
    const path = [];
    for (let n = this.zoomNode; n >= 0; n = d.parent[n]) path.unshift(n);
    path.forEach((node, depth) => rects.push({ node, x: 0, w: width, depth }));
    const base = values[this.zoomNode];
    if (base > 0) {
      const scale = width / base;
      const stack = [[this.zoomNode, 0, path.length - 1]];
      while (stack.length) {
        const [node, x0, depth] = stack.pop();
        let x = x0;
        for (const c of d.children[node]) {
          const w = Math.max(0, values[c]) * scale;
          if (w < 0.34) break;  // children are sorted: the rest are narrower still
          rects.push({ node: c, x, w, depth: depth + 1 });
          stack.push([c, x, depth + 1]);
          x += w;
        }
      }
    }
    return rects;
  }

  color(node) {
    const f = this.d.frame[node], kind = this.frames.kind(f);
    if (this.matchedValue !== null) {
      if (this.matched[node]) return "#e83ec1";
    }
    let h = 0;
    const name = this.frames.fn(f);
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    const v = (h % 1000) / 1000;
    const dim = this.matchedValue !== null;
    const hsl = {
      own: [18 + 22 * v, 80, 58], stdlib: [200 + 20 * v, 55, 62], library: [100 + 30 * v, 45, 55],
      import: [0, 0, 68 + 10 * v], process: [270, 45, 65], root: [0, 0, 82],
    }[kind];
    return dim ? `hsl(${hsl[0]},${hsl[1] * 0.25}%,${Math.min(92, hsl[2] + 22)}%)`
               : `hsl(${hsl[0]},${hsl[1]}%,${hsl[2]}%)`;
  }

  draw() {
    if (!this.d) return;
    const canvas = this.canvas, width = canvas.clientWidth || 800;
    const rects = this.layout(width);
    let maxDepth = 0;
    for (const r of rects) maxDepth = Math.max(maxDepth, r.depth);
    const rowH = this.rowHeight, height = (maxDepth + 1) * rowH;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.height = height + "px";
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px ui-monospace, monospace";
    ctx.textBaseline = "middle";
    const charW = ctx.measureText("m").width || 6.6;
    const frames = this.frames;
    for (const r of rects) {
      r.y = this.orientation === "flame" ? (maxDepth - r.depth) * rowH : r.depth * rowH;
      r.h = rowH - 1;
      ctx.fillStyle = this.color(r.node);
      ctx.fillRect(r.x, r.y, Math.max(r.w - (r.w > 2 ? 0.5 : 0), 0.5), r.h);
      if (r.w > 3 * charW) {
        const f = this.d.frame[r.node];
        const file = frames.file(f).split(/[\/\\]/).pop();
        const label = f < 0 ? "all" : `${frames.fn(f)}${file ? ` (${file}:${frames.line(f)})` : ""}`;
        const fit = Math.floor((r.w - 6) / charW);
        ctx.fillStyle = "#111";
        ctx.fillText(label.length > fit ? label.slice(0, Math.max(fit - 1, 1)) + "\u2026" : label,
                     r.x + 3, r.y + r.h / 2);
      }
    }
    this.rects = rects;
  }

  hit(e) {
    const box = this.canvas.getBoundingClientRect();
    const x = e.clientX - box.left, y = e.clientY - box.top;
    for (let i = this.rects.length - 1; i >= 0; i--) {
      const r = this.rects[i];
      if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) return r;
    }
    return null;
  }

  hover(e) {
    const r = this.hit(e);
    if (!r) { this.tooltip.hidden = true; return; }
    const d = this.d, f = d.frame[r.node], frames = this.frames, total = d.bytes[0];
    const lines = [
      f < 0 ? "all" : frames.fn(f),
      f < 0 ? "" : frames.where(f),
      `${AT.bytes(d.bytes[r.node])}  (${AT.percent(d.bytes[r.node], total)} of the total)`,
    ];
    if (!this.selfBytes) {
      lines.push(`${AT.count(d.count[r.node])} blocks  (${AT.percent(d.count[r.node], d.count[0])})`);
    }
    this.tooltip.textContent = lines.filter((l) => l).join("\n");
    this.tooltip.hidden = false;
    this.tooltip.style.left = Math.min(e.clientX + 12, window.innerWidth - 320) + "px";
    this.tooltip.style.top = e.clientY + 14 + "px";
  }

  // What the tests read: the drawn rectangles with their frames.
  describe() {
    return this.rects.map((r) => {
      const f = this.d.frame[r.node];
      return { x: r.x, y: r.y, w: r.w, h: r.h, depth: r.depth, function: this.frames.fn(f),
               file: this.frames.file(f), line: this.frames.line(f),
               matched: !!this.matched[r.node], value: this.values()[r.node] };
    });
  }
};
