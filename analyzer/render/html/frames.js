// The page's frames (shared by every flame graph) and what kind of code each
// is, which is what the flame graph's colours say.
"use strict";

AT.Frames = class {
  constructor(table) {
    this.strings = table.strings;
    this.frames = table.frames;
    this.kinds = this.frames.map((f) => AT.Frames.kindOf(this.strings[f[0]], this.strings[f[1]]));
  }
  fn(i) { return i < 0 ? "all" : this.strings[this.frames[i][0]]; }
  file(i) { return i < 0 ? "" : this.strings[this.frames[i][1]]; }
  line(i) { return i < 0 ? 0 : this.frames[i][2]; }
  kind(i) { return i < 0 ? "root" : this.kinds[i]; }
  where(i) { return i < 0 ? "" : this.file(i) + (this.line(i) ? ":" + this.line(i) : ""); }

  // Own code (with what the program compiled itself: <string>, <stdin>),
  // the standard library, site-packages, the import system (frozen
  // modules, importlib's bootstrap), or the frame standing for a process
  // (no file).
  static kindOf(fn, file) {
    if (file === "") return "process";
    if (file.startsWith("<frozen") || /importlib[\/\\]_bootstrap/.test(file)) return "import";
    if (/[\/\\](site|dist)-packages[\/\\]/.test(file)) return "library";
    if (/[\/\\]lib[\/\\]python3\.\d+t?[\/\\]/.test(file)) return "stdlib";
    return "own";
  }
};

// A glob as the CLI's --include takes it (fnmatch: * matches / too).
AT.globToRegExp = function (glob) {
  let re = "";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp("^" + re + "$");
};
