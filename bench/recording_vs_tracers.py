#!/usr/bin/env python3
"""Full recording against plain Python and the other tracers, in one run.

For each interpreter and allocation-heavy workload, runs side by side,
alternating, `--runs` times each:
  plain        python workload.py
  arenatrace   arenatrace run -o T -- python workload.py   (every event, all
               domains, full stacks)
  tracemalloc  python -X tracemalloc=25 workload.py
  memray       python -m memray run --trace-python-allocators ... (when memray
               is importable in that interpreter; said so when it is not)
and prints, per tracer, the median wall-time ratio and the peak-RSS ratio to
plain Python, and for arenatrace the trace's bytes per event.

usage: recording_vs_tracers.py --build-dir build [--python EXE ...] [--runs 3]
       [--workload NAME ...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import clean_env, has_memray, interpreters, version_of

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ["object_churn", "dict_list_build", "string_build", "tree_build"]
TRACERS = ["arenatrace", "tracemalloc", "memray"]


def command(tracer, python, script, arenatrace, output):
    if tracer == "plain":
        return [python, script]
    if tracer == "arenatrace":
        return [arenatrace, "run", "-o", output, "--", python, script]
    if tracer == "tracemalloc":
        return [python, "-X", "tracemalloc=25", script]
    return [python, "-m", "memray", "run", "--trace-python-allocators", "--force", "-q",
            "-o", output, script]


def measured_run(argv):
    """(wall seconds, peak RSS in KiB over the process tree) of one run."""
    with tempfile.TemporaryFile(mode="w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=clean_env(), stdout=subprocess.DEVNULL, stderr=err)
        # wait4's ru_maxrss covers the child and the descendants it waited for.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit("benchmark run failed: %s\n%s" % (" ".join(argv), err.read()))
        return elapsed, usage.ru_maxrss


def trace_bytes_per_event(arenatrace, trace):
    report = json.loads(subprocess.run([arenatrace, "summary", "--json", "--top", "0", trace],
                                       capture_output=True, text=True, check=True).stdout)
    return report["file_bytes"] / max(report["events"], 1), report["events"]


def bench_interpreter(python, arenatrace, workloads, runs):
    tracers = ["plain", "arenatrace", "tracemalloc"]
    if has_memray(python):
        tracers.append("memray")
    else:
        print("  memray: not importable in %s (not installed, and this machine cannot "
              "install it); left out" % python, flush=True)
    rows = []
    for workload in workloads:
        script = os.path.join(HERE, "workloads", workload + ".py")
        walls = {t: [] for t in tracers}
        rss = {t: [] for t in tracers}
        with tempfile.TemporaryDirectory() as tmp:
            output = os.path.join(tmp, "out")
            per_event = events = None
            for _ in range(runs):
                for tracer in tracers:  # alternating: drifts in machine load hit all alike
                    wall, peak = measured_run(command(tracer, python, script, arenatrace, output))
                    walls[tracer].append(wall)
                    rss[tracer].append(peak)
                    if tracer == "arenatrace":
                        per_event, events = trace_bytes_per_event(arenatrace, output)
        plain_wall = statistics.median(walls["plain"])
        plain_rss = statistics.median(rss["plain"])
        row = {"python": python, "workload": workload, "plain_wall": plain_wall,
               "events": events, "bytes_per_event": per_event}
        for tracer in tracers[1:]:
            row[tracer] = (statistics.median(walls[tracer]) / plain_wall,
                           statistics.median(rss[tracer]) / plain_rss)
        rows.append(row)
        print("  %-16s plain %6.2fs | %s | arenatrace %.3f bytes/event (%d events)" % (
            workload, plain_wall,
            " | ".join("%s %.2fx wall %.2fx RSS" % (t, *row[t]) for t in tracers[1:]),
            per_event, events), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--python", action="append", help="interpreter (default: all built)")
    parser.add_argument("--workload", action="append", choices=WORKLOADS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    arenatrace = os.path.join(args.build_dir, "bin", "arenatrace")
    rows = []
    for python in args.python or interpreters(args.build_dir):
        print(python, flush=True)
        rows += bench_interpreter(python, arenatrace, args.workload or WORKLOADS, args.runs)

    print("\n| Python | workload | plain (s) | arenatrace wall | arenatrace RSS | bytes/event "
          "| tracemalloc=25 wall | tracemalloc RSS | memray wall | memray RSS |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        version = version_of(r["python"])
        memray = "%.2fx | %.2fx" % r["memray"] if "memray" in r else "— | —"
        print("| %s | %s | %.2f | %.2fx | %.2fx | %.3f | %.2fx | %.2fx | %s |" % (
            version, r["workload"], r["plain_wall"], *r["arenatrace"], r["bytes_per_event"],
            *r["tracemalloc"], memray))
    print()
    for tracer in TRACERS:
        measured = [r[tracer] for r in rows if tracer in r]
        if not measured:
            print("%-12s not measured (not importable in any interpreter here)" % tracer)
            continue
        print("%-12s median wall ratio %.2fx (%.2f-%.2fx), median peak-RSS ratio %.2fx" % (
            tracer, statistics.median(w for w, _ in measured), min(w for w, _ in measured),
            max(w for w, _ in measured), statistics.median(m for _, m in measured)))
    per_event = [r["bytes_per_event"] for r in rows]
    print("arenatrace   trace bytes per event: median %.3f (%.3f-%.3f)" % (
        statistics.median(per_event), min(per_event), max(per_event)))


if __name__ == "__main__":
    main()
