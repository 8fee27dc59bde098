// Numbers and elements for every part of the page.
"use strict";
const AT = {};

AT.bytes = function (n) {
  const sign = n < 0 ? "-" : "";
  let v = Math.abs(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return sign + (u === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + " " + units[u];
};
AT.count = (n) => Number(n).toLocaleString("en-US");
AT.percent = (part, whole) => (whole ? (100 * part / whole).toFixed(part / whole < 0.1 ? 2 : 1) : "0") + "%";
AT.seconds = function (micros) {
  const s = micros / 1e6;
  return s < 1 ? (micros / 1000).toFixed(1) + " ms" : s.toFixed(s < 10 ? 3 : 1) + " s";
};

// el("td", {class: "num"}, "text", child...): an element; strings become text,
// never markup, since names come from the profiled program.
AT.el = function (tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
};
