#!/usr/bin/env python3
"""Start-up and idleness under recording, against plain Python, in one run.

  start-up  200 runs (`--starts`) of `python -c pass` in each mode — plain,
            `arenatrace run --no-trace`, `arenatrace run -o T` — interleaved
            in batches of 10, and the milliseconds per run (wall, and CPU
            from wait4) of each.
  idle      `python -c "import time; time.sleep(5)"` in each mode: the CPU
            time (user + sys) the whole process used while it slept.

usage: startup_and_idle.py --build-dir build [--python EXE ...] [--starts 200]
       [--idle-seconds 5]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

from bench_common import clean_env, version_of

MODES = ["plain", "no-trace", "recorded"]


def command(mode, python, arenatrace, trace, code):
    if mode == "plain":
        return [python, "-c", code]
    if mode == "no-trace":
        return [arenatrace, "run", "--no-trace", "--", python, "-c", code]
    return [arenatrace, "run", "-o", trace, "--", python, "-c", code]


def run(argv):
    """(wall seconds, CPU seconds) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=clean_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("failed: " + " ".join(argv))
    return wall, usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--python", action="append")
    parser.add_argument("--starts", type=int, default=200)
    parser.add_argument("--idle-seconds", type=float, default=5)
    args = parser.parse_args()
    arenatrace = os.path.join(os.path.abspath(args.build_dir), "bin", "arenatrace")
    pythons = args.python or ["/usr/bin/python3.11"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "out.atrace")
        for python in pythons:
            walls = {m: [] for m in MODES}
            cpus = {m: [] for m in MODES}
            for _ in range(max(1, args.starts // 10)):
                for mode in MODES:  # interleaved batches: load drifts hit every mode alike
                    for _ in range(10):
                        w, c = run(command(mode, python, arenatrace, trace, "pass"))
                        walls[mode].append(w)
                        cpus[mode].append(c)
            idle = {}
            for mode in MODES:
                _, idle[mode] = run(command(mode, python, arenatrace, trace,
                                            "import time; time.sleep(%s)" % args.idle_seconds))
            row = {"python": version_of(python)}
            for mode in MODES:
                row[mode] = (1000 * sum(walls[mode]) / len(walls[mode]),
                             1000 * statistics.median(walls[mode]),
                             1000 * statistics.median(cpus[mode]), idle[mode])
            rows.append(row)
    print("| Python | mode | %d starts: mean wall (ms) | median wall (ms) | median CPU (ms) "
          "| idle %gs: CPU (s) |" % (args.starts, args.idle_seconds))
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        for mode in MODES:
            print("| %s | %s | %.1f | %.1f | %.1f | %.3f |" % ((r["python"], mode) + r[mode]))


if __name__ == "__main__":
    main()
