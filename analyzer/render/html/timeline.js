// The timeline: the heap by domain and RSS over time (min/max per column as
// the analyzer reduced them), GC collections and marks drawn over it, and a
// range selected by dragging. uPlot draws the series: a canvas chart of a
// few tens of KB that draws a hundred thousand points in milliseconds.
"use strict";

AT.Timeline = class {
  constructor(element, timeline, onRange) {
    this.timeline = timeline;
    this.onRange = onRange;
    const t = timeline, x = t.micros.map((m) => m / 1e6);
    const orNull = (v) => (v ? v : null);  // a column with no sample draws no point
    // "traced": blocks extensions report with PyTraceMalloc_Track (numpy's
    // arrays); absent from reports of older analyzers.
    const traced = t.domains_max.traced || t.micros.map(() => 0);
    const data = [x, t.heap_max, t.heap_min, t.domains_max.raw, t.domains_max.mem,
                  t.domains_max.obj, traced, t.rss_max.map(orNull)];
    const bytes = (u, v) => (v === null || v === undefined ? "-" : AT.bytes(v));
    const series = [
      { label: "time", value: (u, v) => (v === null ? "-" : AT.seconds(v * 1e6)) },
      { label: "heap (max)", stroke: "#c0392b", fill: "rgba(192,57,43,0.12)", width: 1.5, value: bytes },
      { label: "heap (min)", stroke: "#e6a09a", width: 1, value: bytes },
      { label: "raw", stroke: "#8e44ad", width: 1, value: bytes, show: false },
      { label: "mem", stroke: "#2e86c1", width: 1, value: bytes },
      { label: "obj", stroke: "#27ae60", width: 1, value: bytes },
      { label: "traced", stroke: "#d68910", width: 1, value: bytes, show: traced.some((v) => v > 0) },
      { label: "RSS", stroke: "#555", width: 1, dash: [4, 3], spanGaps: true, value: bytes },
    ];
    const width = () => Math.max(320, element.clientWidth || 800);
    this.plot = new uPlot({
      width: width(),
      height: 280,
      scales: { x: { time: false } },
      series,
      axes: [
        { values: (u, vals) => vals.map((v) => AT.seconds(v * 1e6)) },
        { size: 80, values: (u, vals) => vals.map((v) => AT.bytes(v)) },
      ],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [(u) => this.selected(u)],
        draw: [(u) => this.drawEvents(u)],
      },
    }, data, element);
    this.plot.over.addEventListener("dblclick", () => {
      this.plot.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      this.onRange(null);
    });
    window.addEventListener("resize", () => this.plot.setSize({ width: width(), height: 280 }));
  }

  selected(u) {
    if (u.select.width < 2) return;
    const from = u.posToVal(u.select.left, "x") * 1e6;
    const to = u.posToVal(u.select.left + u.select.width, "x") * 1e6;
    this.onRange({ from: Math.max(0, from), to });
  }

  // GC collections as ticks along the bottom (taller for older
  // generations), marks as labelled dashed lines.
  drawEvents(u) {
    const ctx = u.ctx, top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
    const dpr = window.devicePixelRatio || 1;
    ctx.save();
    for (const e of this.timeline.events) {
      const x = u.valToPos(e.micros / 1e6, "x", true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      if (e.kind === "gc") {
        ctx.strokeStyle = ["#9bc", "#58a", "#136"][Math.min(e.generation, 2)];
        ctx.lineWidth = dpr;
        ctx.beginPath();
        ctx.moveTo(x, bottom);
        ctx.lineTo(x, bottom - (6 + 5 * Math.min(e.generation, 2)) * dpr);
        ctx.stroke();
      } else {
        ctx.strokeStyle = e.kind === "mark" ? "#d35400" : "#777";
        ctx.setLineDash([4 * dpr, 3 * dpr]);
        ctx.lineWidth = dpr;
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = ctx.strokeStyle;
        ctx.font = `${11 * dpr}px sans-serif`;
        ctx.fillText(e.label || e.kind, x + 3 * dpr, top + 12 * dpr);
      }
    }
    ctx.restore();
  }

  // Where a moment is on the screen (for the tests' drags).
  clientX(micros) {
    const box = this.plot.over.getBoundingClientRect();
    return box.left + this.plot.valToPos(micros / 1e6, "x");
  }
};

// The temporal view of one process: buckets of time, each with the live
// bytes of the nodes of a pruned tree at the bucket's highest moment,
// stored as sparse differences from the previous bucket.
AT.Temporal = class {
  constructor(temporal) { this.t = temporal; }

  // The highest bucket overlapping [from, to): its index and self bytes per node.
  moment(range) {
    const t = this.t, n = t.peak_bytes.length;
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (range && (t.to_micros[i] <= range.from || t.from_micros[i] >= range.to)) continue;
      if (best < 0 || t.peak_bytes[i] > t.peak_bytes[best]) best = i;
    }
    if (best < 0) return null;
    const self = new Float64Array(t.tree.parent.length);
    for (let i = 0; i <= best; i++) {
      const pairs = t.deltas[i];
      for (let k = 0; k < pairs.length; k += 2) self[pairs[k]] += pairs[k + 1];
    }
    return { bucket: best, self, peak_bytes: t.peak_bytes[best], peak_micros: t.peak_micros[best] };
  }
};
