#!/usr/bin/env python3
"""The HTML report on a huge trace: its size and how fast it opens.

Records bench/workloads/analysis_trace.py (about a million distinct stacks,
--events allocation/free events) with the last non-free-threaded
interpreter the build found (or takes --trace), then times `arenatrace report` and measures the
page's first paint in headless chromium (bench/paint_time.mjs, best of 3).
Prints a Markdown table for docs/PERFORMANCE.md.

    bench/report_size_and_paint.py [--build-dir build] [--events 30000000] [--trace T]
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
from bench_common import clean_env, interpreters, version_of  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--events", type=int, default=30_000_000)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--trace", help="an existing trace instead of recording one")
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    arenatrace = os.path.join(build, "bin", "arenatrace")
    modules = os.path.join(build, "npm", "browser-tests", "node_modules")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    work = tempfile.mkdtemp(prefix="arenatrace-report-bench-")
    try:
        trace = args.trace
        python = "-"
        if not trace:
            python = [p for p in interpreters(build) if not version_of(p).endswith("t")][-1]
            trace = os.path.join(work, "analysis.atrace")
            started = time.monotonic()
            subprocess.run([arenatrace, "run", "-o", trace, "--", python,
                            os.path.join(HERE, "workloads", "analysis_trace.py"),
                            str(args.events), str(args.functions)],
                           env=clean_env(), check=True, stdout=subprocess.DEVNULL)
            print(f"recorded in {time.monotonic() - started:.1f} s", file=sys.stderr)
        summary = json.loads(subprocess.run([arenatrace, "summary", "--json", trace],
                                            capture_output=True, text=True, check=True).stdout)
        report = os.path.join(work, "report.html")
        started = time.monotonic()
        # In a process of its own, so that the recording's RSS is not counted.
        max_rss = int(subprocess.run(
            [sys.executable, "-c", "import resource, subprocess, sys; "
             "subprocess.run(sys.argv[1:], check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
             arenatrace, "report", "-o", report, trace],
            capture_output=True, text=True, check=True).stdout)
        seconds = time.monotonic() - started
        paint = {"first_paint_ms": None, "ready_ms": None}
        if chromium and os.path.isdir(modules):
            paint = json.loads(subprocess.run(
                ["node", os.path.join(HERE, "paint_time.mjs"), modules, chromium, report, "3"],
                capture_output=True, text=True, check=True).stdout)
        print("| trace | events | trace size | report time | report max RSS | HTML size | first paint | flame graph drawn |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| analysis_trace.py {args.events:,} events, {args.functions}^3 stacks ({version_of(python) if python != '-' else 'given'}) "
              f"| {summary['events']:,} | {os.path.getsize(trace) / 2**20:.0f} MiB | {seconds:.1f} s "
              f"| {max_rss / 1024:.0f} MiB | {os.path.getsize(report) / 2**20:.2f} MiB "
              f"| {paint['first_paint_ms'] or 0:.0f} ms | {paint['ready_ms'] or 0:.0f} ms |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
