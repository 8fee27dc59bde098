#!/usr/bin/env python3
"""Recording real applications: programs nobody here wrote, from Debian's
packages, for Debian's /usr/bin/python3.11, against plain Python.

Programs (bench/real_apps/ holds the two small drivers and the 100 k-functions
program; the others are the packages' own command lines):
  sympy       integrals, series, solving, factoring (python3-sympy)
  black       black's formatter over click's source tree (black)
  pyflakes    pyflakes over sympy/functions (python3-pyflakes)
  pylint      pylint over iniconfig and pyflakes/checker.py (pylint)
  sphinx      an autodoc HTML build of three modules (python3-sphinx)
  pytest      two of sympy's own test files under pytest (python3-pytest)
  functions   100 k small functions compiled, run and dropped (ours: code
              objects that come and go)
Each is run, interleaved, `--runs` times in every mode:
  plain       python ...
  no-trace    arenatrace run --no-trace -- python ...   (the allocator only)
  recorded    arenatrace run -o T -- python ...          (every event, full stacks)
  tracemalloc python -X tracemalloc=1 ...
  memray      python -m memray run ...  (when importable: said so when not)
and the medians are printed as ratios to plain: CPU (user + sys of the child
and what it waited for, from wait4), wall time, peak RSS (ru_maxrss); for the
recorded run, the trace's bytes per event (`arenatrace summary --json`), its
distinct stacks, frames and code objects (its Stack, Frame and Code records,
counted in `arenatrace dump`), and the most code objects the recorder knew at
once (its `--stats-json` line; "—" from a build that does not say).

usage: real_applications.py --build-dir build [--python /usr/bin/python3.11]
       [--runs 3] [--program NAME ...] [--mode NAME ...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import clean_env, has_memray

HERE = os.path.dirname(os.path.abspath(__file__))
APPS = os.path.join(HERE, "real_apps")
PACKAGES = "/usr/lib/python3/dist-packages"
MODES = ["plain", "no-trace", "recorded", "tracemalloc", "memray"]
SPHINX_MODULES = ["click.types", "pyflakes.checker", "json.decoder"]


def programs(tmp):
    """name -> (arguments after the interpreter, working directory)."""
    sphinx_src = os.path.join(tmp, "sphinx-src")
    if not os.path.isdir(sphinx_src):
        os.makedirs(sphinx_src)
        with open(os.path.join(sphinx_src, "conf.py"), "w") as f:
            f.write('project = "bench"\nextensions = ["sphinx.ext.autodoc"]\n')
        with open(os.path.join(sphinx_src, "index.rst"), "w") as f:
            f.write("Bench\n=====\n\n.. toctree::\n\n")
            f.writelines("   %s\n" % m for m in SPHINX_MODULES)
        for m in SPHINX_MODULES:
            with open(os.path.join(sphinx_src, m + ".rst"), "w") as f:
                f.write("%s\n%s\n\n.. automodule:: %s\n   :members:\n   :undoc-members:\n"
                        % (m, "=" * len(m), m))
    tests = os.path.join(PACKAGES, "sympy", "core", "tests")
    return {
        "sympy": [os.path.join(APPS, "sympy_workload.py")],
        "black": [os.path.join(APPS, "black_workload.py"), os.path.join(PACKAGES, "click")],
        "pyflakes": ["-m", "pyflakes", os.path.join(PACKAGES, "sympy", "functions")],
        "pylint": ["-m", "pylint", "--persistent=n", "--jobs=1", "--score=n",
                   os.path.join(PACKAGES, "iniconfig"),
                   os.path.join(PACKAGES, "pyflakes", "checker.py")],
        # -E: every run reads and writes everything again.
        "sphinx": ["-m", "sphinx", "-q", "-E", "-b", "html", sphinx_src,
                   os.path.join(tmp, "sphinx-out")],
        "pytest": ["-m", "pytest", "-q", "-p", "no:cacheprovider",
                   os.path.join(tests, "test_basic.py"), os.path.join(tests, "test_symbol.py"),
                   os.path.join(tests, "test_relational.py")],
        "functions": [os.path.join(APPS, "many_functions.py")],
    }


def command(mode, python, args, arenatrace, trace, stats):
    if mode == "plain":
        return [python] + args
    if mode == "no-trace":
        return [arenatrace, "run", "--no-trace", "--", python] + args
    if mode == "recorded":
        return [arenatrace, "run", "--stats-json=" + stats, "-o", trace, "--", python] + args
    if mode == "tracemalloc":
        return [python, "-X", "tracemalloc=1"] + args
    return [python, "-m", "memray", "run", "--force", "-q", "-o", trace] + args


def measured_run(argv, cwd):
    """(cpu seconds, wall seconds, peak RSS KiB, exit code, stderr) of one run.
    The programs' own exit codes are kept: a linter that finds something
    exits 1, and must do so in every mode."""
    with tempfile.TemporaryFile(mode="w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=clean_env(), cwd=cwd, stdout=subprocess.DEVNULL,
                                   stderr=err)
        # wait4's rusage covers the child and the descendants it waited for.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        err.seek(0)
        return (usage.ru_utime + usage.ru_stime, elapsed, usage.ru_maxrss,
                os.waitstatus_to_exitcode(status), err.read())


def trace_counts(arenatrace, trace, stats):
    """The recorded run's figures: summary's, the definitions in the trace, and
    the recorder's own count of the code objects it knew at most."""
    report = json.loads(subprocess.run([arenatrace, "summary", "--json", "--top", "0", trace],
                                       capture_output=True, text=True, check=True).stdout)
    counts = {"stack": 0, "frame": 0, "code": 0}
    with subprocess.Popen([arenatrace, "dump", trace], stdout=subprocess.PIPE, text=True) as dump:
        for line in dump.stdout:
            fields = line.split(None, 3)
            if len(fields) > 2 and fields[2] in counts:
                counts[fields[2]] += 1
    report["definitions"] = counts
    report["codes_held_peak"] = None
    with open(stats) as f:
        for line in f:  # one line per process of the run
            entry = json.loads(line)
            if "recorder" in entry:
                held = entry["recorder"]["codes_held_peak"]
                report["codes_held_peak"] = max(report["codes_held_peak"] or 0, held)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--python", default="/usr/bin/python3.11")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--program", action="append")
    parser.add_argument("--mode", action="append", choices=MODES[1:],
                        help="modes besides plain (default: all)")
    args = parser.parse_args()
    arenatrace = os.path.join(os.path.abspath(args.build_dir), "bin", "arenatrace")
    modes = ["plain"] + [m for m in MODES[1:] if m in (args.mode or MODES)]
    if "memray" in modes and not has_memray(args.python):
        print("memray: not importable in %s (not packaged by Debian, and this machine "
              "cannot install it from PyPI); left out" % args.python, flush=True)
        modes.remove("memray")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        table = programs(tmp)
        missing = [name for name in table if name not in ("functions",)
                   and subprocess.run([args.python, "-c", "import " + name], env=clean_env(),
                                      capture_output=True).returncode != 0]
        if missing:
            sys.exit("not importable in %s: %s (scripts/bootstrap installs them)"
                     % (args.python, ", ".join(missing)))
        for name in args.program or table:
            program = table[name]
            trace = os.path.join(tmp, name + ".atrace")
            stats = os.path.join(tmp, name + ".stats.json")
            cpu = {m: [] for m in modes}
            wall = {m: [] for m in modes}
            rss = {m: [] for m in modes}
            exits = {}
            summary = None
            for _ in range(args.runs):
                for mode in modes:  # interleaved: drifts in machine load hit all alike
                    if mode == "recorded" and os.path.exists(stats):
                        os.unlink(stats)  # the line of this run only
                    c, w, r, code, err = measured_run(
                        command(mode, args.python, program, arenatrace, trace, stats), tmp)
                    # A linter's exit status says what it found: it must only
                    # be the same in every mode, and no signal.
                    if exits.setdefault(mode, code) != exits["plain"] or code < 0:
                        sys.exit("%s %s exited %d (plain: %d)\n%s"
                                 % (name, mode, code, exits["plain"], err[-2000:]))
                    cpu[mode].append(c)
                    wall[mode].append(w)
                    rss[mode].append(r)
            summary = trace_counts(arenatrace, trace, stats) if "recorded" in modes else None
            row = {"program": name, "plain_cpu": statistics.median(cpu["plain"]),
                   "plain_rss_mib": statistics.median(rss["plain"]) / 1024}
            for mode in modes[1:]:
                row[mode] = (statistics.median(cpu[mode]) / row["plain_cpu"],
                             statistics.median(wall[mode]) / statistics.median(wall["plain"]),
                             statistics.median(rss[mode]) / statistics.median(rss["plain"]))
            if "recorded" in modes:
                row["recorded_rss_mib"] = statistics.median(rss["recorded"]) / 1024
                row["events"] = summary["events"]
                row["bytes_per_event"] = summary["file_bytes"] / max(summary["events"], 1)
                row["stacks"] = summary["definitions"]["stack"]
                row["frames"] = summary["definitions"]["frame"]
                row["codes"] = summary["definitions"]["code"]
                row["held"] = summary["codes_held_peak"]
            rows.append(row)
            print("  %-10s plain %.2fs CPU %.0f MiB | %s" % (
                name, row["plain_cpu"], row["plain_rss_mib"], " | ".join(
                    "%s %.2fx CPU %.2fx wall %.2fx RSS" % (m, *row[m]) for m in modes[1:])),
                flush=True)

    print("\n| program | plain CPU (s) | plain RSS (MiB) | " + " | ".join(
        "%s CPU | %s wall | %s RSS" % (m, m, m) for m in modes[1:]) +
        (" | recorded RSS (MiB) | events | bytes/event | stacks | frames | code objects "
         "| code objects known at once |"
         if "recorded" in modes else " |"))
    print("|---|---:|---:|" + "---:|" * (3 * (len(modes) - 1)) +
          ("---:|" * 7 if "recorded" in modes else ""))
    for r in rows:
        cells = ["%s" % r["program"], "%.2f" % r["plain_cpu"], "%.0f" % r["plain_rss_mib"]]
        for m in modes[1:]:
            cells += ["%.2fx" % v for v in r[m]]
        if "recorded" in modes:
            cells += ["%.0f" % r["recorded_rss_mib"], "%d" % r["events"],
                      "%.3f" % r["bytes_per_event"]] + [
                          "%s" % r[k] for k in ("stacks", "frames", "codes")] + [
                          "—" if r["held"] is None else "%d" % r["held"]]
        print("| " + " | ".join(cells) + " |")
    print()
    for m in modes[1:]:
        print("%-12s median CPU ratio %.2fx (max %.2fx), median wall %.2fx, median peak-RSS "
              "%.2fx (max %.2fx)" % (
                  m, statistics.median(r[m][0] for r in rows), max(r[m][0] for r in rows),
                  statistics.median(r[m][1] for r in rows),
                  statistics.median(r[m][2] for r in rows), max(r[m][2] for r in rows)))
    if "recorded" in modes:
        bound = [(r["program"], r["recorded_rss_mib"], 1.2 * r["plain_rss_mib"] + 16)
                 for r in rows]
        over = ["%s (%.0f > %.0f MiB)" % b for b in bound if b[1] > b[2]]
        print("recorded peak RSS <= 1.2x plain + 16 MiB: %s" % (
            "every program" if not over else "not on " + ", ".join(over)))


if __name__ == "__main__":
    main()
