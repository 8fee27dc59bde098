#!/usr/bin/env python3
"""arenatrace's allocator against pymalloc, in the same interpreter and run.

For each interpreter and workload, runs the program plainly (pymalloc) and
under `arenatrace run` (arenatrace's allocator, no recording), alternating,
and prints median wall times and their ratio; then the RSS a process keeps
after freeing all but one in 4000 of a spike of small objects.

usage: allocator_vs_pymalloc.py --build-dir build [--python EXE ...] [--runs 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMED = ["object_churn", "dict_list_build", "string_build", "tree_build"]


def interpreters(build_dir):
    with open(os.path.join(build_dir, "interpreters.txt")) as f:
        return [line.split()[0] for line in f if line.strip()]


def clean_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "ARENATRACE_")) and k != "LD_PRELOAD"}


def command(mode, python, workload, arenatrace, args=()):
    script = os.path.join(HERE, "workloads", workload + ".py")
    argv = [python, script, *args]
    return argv if mode == "pymalloc" else [arenatrace, "run", "--", *argv]


def timed_run(argv):
    start = time.perf_counter()
    result = subprocess.run(argv, env=clean_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit("benchmark run failed: %s\n%s" % (" ".join(argv), result.stderr))
    return elapsed, result.stdout


def version_of(python):
    return subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True).stdout.strip()


def bench_interpreter(python, arenatrace, runs):
    rows = []
    for workload in TIMED:
        times = {"pymalloc": [], "arenatrace": []}
        outputs = set()
        for _ in range(runs):
            for mode in ("pymalloc", "arenatrace"):  # alternate: drift hits both
                elapsed, out = timed_run(command(mode, python, workload, arenatrace))
                times[mode].append(elapsed)
                outputs.add(out)
        if len(outputs) != 1:
            sys.exit("%s printed different results under the two allocators" % workload)
        base = statistics.median(times["pymalloc"])
        ours = statistics.median(times["arenatrace"])
        rows.append({"workload": workload, "pymalloc_s": base, "arenatrace_s": ours,
                     "ratio": ours / base})
    kept = {"pymalloc": [], "arenatrace": []}
    for _ in range(max(1, runs // 2)):
        for mode in ("pymalloc", "arenatrace"):
            _, out = timed_run(command(mode, python, "spike_survivors", arenatrace))
            r = json.loads(out)
            kept[mode].append((r["after"] - r["before"], r["peak"] - r["before"]))
    rss = {mode: (statistics.median(k for k, _ in v), statistics.median(p for _, p in v))
           for mode, v in kept.items()}
    return rows, rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--python", action="append")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    arenatrace = os.path.join(args.build_dir, "bin", "arenatrace")
    pythons = args.python or interpreters(args.build_dir)

    print("| Python | workload | pymalloc (s) | arenatrace (s) | ratio |")
    print("|---|---|---:|---:|---:|")
    rss_lines = []
    all_ratios = []
    for python in pythons:
        version = version_of(python)
        label = "%s (%s)" % (version, python)
        rows, rss = bench_interpreter(python, arenatrace, args.runs)
        for row in rows:
            all_ratios.append(row["ratio"])
            print("| %s | %s | %.3f | %.3f | %.2fx |" % (
                version, row["workload"], row["pymalloc_s"], row["arenatrace_s"], row["ratio"]),
                flush=True)
        (kept_py, peak_py), (kept_at, peak_at) = rss["pymalloc"], rss["arenatrace"]
        rss_lines.append("| %s | %.0f | %.1f | %.1f | %.2fx |" % (
            label, peak_py / 2**20, kept_py / 2**20, kept_at / 2**20, kept_at / kept_py))
    print()
    print("Median wall-time ratio over all rows: %.3fx (arenatrace / pymalloc)"
          % statistics.median(all_ratios))
    print()
    print("RSS kept after freeing all but 1 in 4000 of 3M small objects (MiB above start):")
    print()
    print("| Python | spike (MiB) | pymalloc keeps | arenatrace keeps | ratio |")
    print("|---|---:|---:|---:|---:|")
    for line in rss_lines:
        print(line)


if __name__ == "__main__":
    main()
