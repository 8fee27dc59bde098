#!/usr/bin/env python3
"""The analyzer's speed and memory on a large trace, against its own summary
and against heaptrack_print and memray's readers, in one run.

Records bench/workloads/record_pipeline.py once with `arenatrace run` (every
event, full stacks) and, for comparison, once with heaptrack (PYTHONMALLOC=
malloc, so that heaptrack sees Python's allocations as malloc calls) and with
memray when it is importable (said so when it is not). Then, alternating,
`--runs` times each, it runs every analysis on the trace and prints, per
analysis, the median wall and CPU time, the events per second of CPU, the
peak RSS, and both as ratios to `summary` on the same trace.

usage: analyzer_vs_peers.py --build-dir build [--python EXE] [--scale 1.0]
       [--runs 3]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import clean_env, has_memray, version_of

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "workloads", "record_pipeline.py")

# Each analysis as a user runs it; the text report, written to /dev/null.
ANALYSES = [
    ("summary", ["summary"]),
    ("peak", ["peak"]),
    ("leaks", ["leaks"]),
    ("temporary", ["temporary"]),
    ("allocated", ["allocated"]),
    ("generations", ["generations"]),
    ("timeline", ["timeline"]),
    ("fragmentation", ["fragmentation"]),
    ("export pprof (peak)", ["export", "--format", "pprof", "-o", "{tmp}/peak.pb.gz"]),
    ("export speedscope (leaks)",
     ["export", "--format", "speedscope", "--leaks", "-o", "{tmp}/leaks.json"]),
]


def measured(argv, env=None):
    """(wall s, CPU s, peak RSS KiB) of one run, which must succeed."""
    with tempfile.TemporaryFile(mode="w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env or clean_env(), stdout=subprocess.DEVNULL,
                                   stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit("benchmark run failed: %s\n%s" % (" ".join(argv), err.read()))
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def peers(python, tmp, scale):
    """[(name, argv)] of the other tools' readers, on traces of the same program."""
    readers = []
    if shutil.which("heaptrack") and shutil.which("heaptrack_print"):
        env = clean_env()
        env["PYTHONMALLOC"] = "malloc"
        output = os.path.join(tmp, "heaptrack")
        subprocess.run(["heaptrack", "-o", output, python, WORKLOAD, str(scale)], env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        trace = [f for f in os.listdir(tmp) if f.startswith("heaptrack.")][0]
        readers.append(("heaptrack_print", ["heaptrack_print", os.path.join(tmp, trace)]))
    else:
        print("heaptrack: not installed; left out", flush=True)
    if has_memray(python):
        output = os.path.join(tmp, "memray.bin")
        subprocess.run([python, "-m", "memray", "run", "--trace-python-allocators", "-q",
                        "-o", output, WORKLOAD, str(scale)], env=clean_env(), check=True,
                       stdout=subprocess.DEVNULL)
        readers += [("memray stats", [python, "-m", "memray", "stats", output]),
                    ("memray flamegraph", [python, "-m", "memray", "flamegraph", "-f", "-o",
                                           os.path.join(tmp, "memray.html"), output])]
    else:
        print("memray: not importable in %s (not installed, and this machine cannot "
              "install it); left out" % python, flush=True)
    return readers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--python", default="/usr/bin/python3.11")
    parser.add_argument("--scale", type=float, default=1.0, help="of the workload")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    arenatrace = os.path.join(args.build_dir, "bin", "arenatrace")

    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "analysis.atrace")
        subprocess.run([arenatrace, "run", "-o", trace, "--", args.python, WORKLOAD,
                        str(args.scale)], env=clean_env(), check=True,
                       stdout=subprocess.DEVNULL)
        report = json.loads(subprocess.run([arenatrace, "summary", "--json", "--top", "0", trace],
                                           capture_output=True, text=True, check=True).stdout)
        events = report["events"]
        print("trace: %s events, %.1f MB, Python %s" % (
            format(events, ","), os.path.getsize(trace) / 1e6, version_of(args.python)),
            flush=True)

        commands = [(name, [arenatrace] + [a.format(tmp=tmp) for a in argv] + [trace])
                    for name, argv in ANALYSES]
        commands += peers(args.python, tmp, args.scale)
        samples = {name: [] for name, _ in commands}
        for _ in range(args.runs):
            for name, argv in commands:  # alternating: load drifts hit all alike
                samples[name].append(measured(argv))

    def median(name, i):
        return statistics.median(s[i] for s in samples[name])

    base_cpu, base_rss = median("summary", 1), median("summary", 2)
    print("\n| reader | wall (s) | CPU (s) | M events/s of CPU | peak RSS (MB) "
          "| CPU vs summary | RSS vs summary |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    ours = {name for name, _ in ANALYSES}
    for name, _ in commands:
        cpu, rss = median(name, 1), median(name, 2)
        # The peers' traces hold their own events (heaptrack sees malloc
        # calls): a rate in arenatrace's events would mean nothing there.
        rate = "%.1f" % (events / cpu / 1e6) if name in ours else "—"
        print("| %s | %.2f | %.2f | %s | %.1f | %.2fx | %.2fx |" % (
            name, median(name, 0), cpu, rate, rss / 1024, cpu / base_cpu, rss / base_rss))
    slowest = min((events / median(n, 1), n) for n, _ in commands[:len(ANALYSES)])
    print("\nslowest analysis: %s at %.1f M events/s (target >= 40)" % (
        slowest[1], slowest[0] / 1e6))


if __name__ == "__main__":
    main()
