#!/usr/bin/env python3
"""arenatrace's allocator against pymalloc, in the same interpreter and run.

For each interpreter and workload, runs the program plainly (pymalloc) and
under `arenatrace run` (arenatrace's allocator, no recording), alternating,
and prints median wall times, their ratio and the ratio of median CPU times
(less sensitive to a noisy machine); then the RSS a process keeps after
freeing all but one in 4000 of a spike of small objects.

usage: allocator_vs_pymalloc.py --build-dir build [--python EXE ...] [--runs 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import clean_env, interpreters, version_of

HERE = os.path.dirname(os.path.abspath(__file__))
TIMED = ["object_churn", "dict_list_build", "string_build", "tree_build"]
# Smaller inputs for instruction counting under callgrind (about 50x slower).
COUNTED_ARGS = {"object_churn": "60", "dict_list_build": "2", "string_build": "2",
                "tree_build": "11"}


def command(mode, python, workload, arenatrace, args=()):
    script = os.path.join(HERE, "workloads", workload + ".py")
    argv = [python, script, *args]
    # The allocator alone: nothing recorded.
    return argv if mode == "pymalloc" else [arenatrace, "run", "--no-trace", "--", *argv]


def timed_run(argv):
    """(wall seconds, CPU seconds of the process tree, stdout) of one run."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=clean_env(), stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            sys.exit("benchmark run failed: %s\n%s" % (" ".join(argv), err.read()))
        return elapsed, usage.ru_utime + usage.ru_stime, out.read()


def instructions(argv):
    """Instructions executed by the process (callgrind: repeatable, unlike time)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = clean_env()
        if argv[0].endswith("arenatrace"):
            # Count the Python process itself: set the preload as `arenatrace run` would.
            env["LD_PRELOAD"] = os.path.join(os.path.dirname(os.path.dirname(argv[0])), "lib",
                                             "libarenatrace.so")
            argv = argv[argv.index("--") + 1:]
        result = subprocess.run(["valgrind", "--tool=callgrind",
                                 "--callgrind-out-file=" + os.path.join(tmp, "out"), *argv],
                                env=env, capture_output=True, text=True)
        for line in result.stderr.splitlines():
            if "Collected :" in line:
                return int(line.split(":")[-1])
    sys.exit("callgrind failed on %s:\n%s" % (" ".join(argv), result.stderr))


def count_interpreter(python, arenatrace):
    rows = []
    for workload in TIMED:
        counts = {mode: instructions(command(mode, python, workload, arenatrace,
                                             [COUNTED_ARGS[workload]]))
                  for mode in ("pymalloc", "arenatrace")}
        rows.append((workload, counts["pymalloc"], counts["arenatrace"]))
    return rows


def bench_interpreter(python, arenatrace, runs):
    rows = []
    for workload in TIMED:
        wall = {"pymalloc": [], "arenatrace": []}
        cpu = {"pymalloc": [], "arenatrace": []}
        outputs = set()
        for _ in range(runs):
            for mode in ("pymalloc", "arenatrace"):  # alternate: drift hits both
                elapsed, cpu_seconds, out = timed_run(command(mode, python, workload, arenatrace))
                wall[mode].append(elapsed)
                cpu[mode].append(cpu_seconds)
                outputs.add(out)
        if len(outputs) != 1:
            sys.exit("%s printed different results under the two allocators" % workload)
        base = statistics.median(wall["pymalloc"])
        ours = statistics.median(wall["arenatrace"])
        rows.append({"workload": workload, "pymalloc_s": base, "arenatrace_s": ours,
                     "ratio": ours / base,
                     "cpu_ratio": statistics.median(cpu["arenatrace"]) /
                     statistics.median(cpu["pymalloc"])})
    kept = {"pymalloc": [], "arenatrace": []}
    for _ in range(max(1, runs // 2)):
        for mode in ("pymalloc", "arenatrace"):
            _, _, out = timed_run(command(mode, python, "spike_survivors", arenatrace))
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
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions with callgrind instead of timing")
    args = parser.parse_args()
    arenatrace = os.path.join(args.build_dir, "bin", "arenatrace")
    pythons = args.python or interpreters(args.build_dir)
    if args.instructions:
        print("| Python | workload | pymalloc (M instr.) | arenatrace (M instr.) | ratio |")
        print("|---|---|---:|---:|---:|")
        for python in pythons:
            for workload, base, ours in count_interpreter(python, arenatrace):
                print("| %s | %s | %.1f | %.1f | %.3fx |" % (
                    version_of(python), workload, base / 1e6, ours / 1e6, ours / base), flush=True)
        return

    print("| Python | workload | pymalloc wall (s) | arenatrace wall (s) | wall ratio | CPU ratio |")
    print("|---|---|---:|---:|---:|---:|")
    rss_lines = []
    all_ratios = []
    for python in pythons:
        version = version_of(python)
        label = "%s (%s)" % (version, python)
        rows, rss = bench_interpreter(python, arenatrace, args.runs)
        for row in rows:
            all_ratios.append(row["ratio"])
            print("| %s | %s | %.3f | %.3f | %.2fx | %.2fx |" % (
                version, row["workload"], row["pymalloc_s"], row["arenatrace_s"], row["ratio"],
                row["cpu_ratio"]), flush=True)
        (kept_py, peak_py), (kept_at, peak_at) = rss["pymalloc"], rss["arenatrace"]
        rss_lines.append("| %s | %.0f | %.1f | %.1f | %.2fx |" % (
            label, peak_py / 2**20, kept_py / 2**20, kept_at / 2**20, kept_at / kept_py))
    print()
    print("Wall-time ratio over all rows (arenatrace / pymalloc): median %.3fx, geometric mean "
          "%.3fx" % (statistics.median(all_ratios), statistics.geometric_mean(all_ratios)))
    print()
    print("RSS kept after freeing all but 1 in 4000 of 3M small objects (MiB above start):")
    print()
    print("| Python | spike (MiB) | pymalloc keeps | arenatrace keeps | ratio |")
    print("|---|---:|---:|---:|---:|")
    for line in rss_lines:
        print(line)


if __name__ == "__main__":
    main()
