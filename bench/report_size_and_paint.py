#!/usr/bin/env python3
"""The HTML report on huge traces: its size, how long it takes to write, and
how fast it opens, beside memray's flame graph page of the same program.

For each --events count, records bench/workloads/analysis_trace.py (about a
million distinct stacks) with the last non-free-threaded interpreter the
build found (or takes --trace, one size only), times `arenatrace report`
and measures the page's first paint in headless chromium
(bench/paint_time.mjs, best of 3). Where that interpreter can import
memray, the same program is recorded by `memray run` and its page written
by `memray flamegraph`, timed and measured the same way; where it cannot,
the table says so. Prints a Markdown table for docs/PERFORMANCE.md.

    bench/report_size_and_paint.py [--build-dir build] [--events 1000000 10000000 30000000] [--trace T]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import clean_env, has_memray, interpreters, version_of  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def timed_page(argv):
    """Runs `argv` (which writes a page) in a process of its own, so that no
    other child's RSS is counted: (seconds, max RSS in KiB)."""
    started = time.monotonic()
    max_rss = int(subprocess.run(
        [sys.executable, "-c", "import resource, subprocess, sys; "
         "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"] + argv,
        capture_output=True, text=True, check=True, env=clean_env()).stdout)
    return time.monotonic() - started, max_rss


def paint_of(page, modules, chromium):
    if not (chromium and os.path.isdir(modules)):
        return "-", "-"
    paint = json.loads(subprocess.run(
        ["node", os.path.join(HERE, "paint_time.mjs"), modules, chromium, page, "3"],
        capture_output=True, text=True, check=True).stdout)
    # Chromium reports no first contentful paint for a page drawn before
    # its paint timing starts: said so rather than shown as 0.
    first = paint["first_paint_ms"]
    return (f"{first:.0f} ms" if first else "not reported", f"{paint['ready_ms']:.0f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000, 30_000_000])
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--trace", help="an existing trace instead of recording one")
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    arenatrace = os.path.join(build, "bin", "arenatrace")
    modules = os.path.join(build, "npm", "browser-tests", "node_modules")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    python = [p for p in interpreters(build) if not version_of(p).endswith("t")][-1]
    memray = has_memray(python) and not args.trace
    workload = os.path.join(HERE, "workloads", "analysis_trace.py")
    rows = []
    work = tempfile.mkdtemp(prefix="arenatrace-report-bench-")

    def record(asked, trace):
        started = time.monotonic()
        subprocess.run([arenatrace, "run", "-o", trace, "--", python, workload,
                        str(asked), str(args.functions)],
                       env=clean_env(), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        print(f"recorded {asked:,} asked in {time.monotonic() - started:.1f} s", file=sys.stderr)

    def events_of(trace):
        return json.loads(subprocess.run([arenatrace, "summary", "--json", trace],
                                         capture_output=True, text=True, check=True).stdout)

    try:
        # The workload's loop makes events of its own (its counters, its
        # path tuples, as the interpreter's free lists allow) besides a fixed
        # part (the spike, start-up): two short runs fit events = fixed +
        # per_asked * asked, so that each trace has the events the table names.
        fixed, per_asked = 0.0, 1.0
        if not args.trace:
            points = []
            for asked in (200_000, 1_000_000):
                calibration = os.path.join(work, "calibration.atrace")
                record(asked, calibration)
                points.append((asked, events_of(calibration)["events"]))
                os.remove(calibration)
            per_asked = (points[1][1] - points[0][1]) / (points[1][0] - points[0][0])
            fixed = points[0][1] - per_asked * points[0][0]
        for events in ([None] if args.trace else args.events):
            trace = args.trace
            calls = 0
            if not trace:
                trace = os.path.join(work, f"analysis-{events}.atrace")
                asked = max(int((events - fixed) / per_asked), 2)
                calls = asked // 2
                record(asked, trace)
            summary = events_of(trace)
            report = os.path.join(work, "report.html")
            seconds, max_rss = timed_page([arenatrace, "report", "-o", report, trace])
            first, ready = paint_of(report, modules, chromium)
            what = (f"analysis_trace.py, {events / 1e6:g} M events, "
                    f"{min(calls, args.functions ** 3):,} stacks" if events else "given trace")
            rows.append(f"| {what} | arenatrace report | {summary['events']:,} "
                        f"| {os.path.getsize(trace) / 2**20:.0f} MiB | {seconds:.1f} s "
                        f"| {max_rss / 1024:.0f} MiB | {os.path.getsize(report) / 2**20:.2f} MiB "
                        f"| {first} | {ready} |")
            os.remove(report)
            if memray:
                capture = os.path.join(work, "memray.bin")
                subprocess.run([python, "-m", "memray", "run", "-q", "-f", "-o", capture, workload,
                                str(asked), str(args.functions)],
                               env=clean_env(), check=True, stdout=subprocess.DEVNULL)
                page = os.path.join(work, "memray.html")
                seconds, max_rss = timed_page(
                    [python, "-m", "memray", "flamegraph", "-f", "-o", page, capture])
                first, ready = paint_of(page, modules, chromium)
                rows.append(f"| {what} | memray flamegraph | - "
                            f"| {os.path.getsize(capture) / 2**20:.0f} MiB | {seconds:.1f} s "
                            f"| {max_rss / 1024:.0f} MiB | {os.path.getsize(page) / 2**20:.2f} MiB "
                            f"| {first} | {ready} |")
                os.remove(capture)
                os.remove(page)
            if not args.trace:
                os.remove(trace)
        print(f"recorded by {python} ({version_of(python)}); memray: "
              + ("recorded the same program" if memray else
                 "given trace" if args.trace else f"not importable by {python}"))
        print()
        print("| trace | page | events | trace size | time to write | max RSS | HTML size "
              "| first paint | flame graph drawn |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for row in rows:
            print(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
