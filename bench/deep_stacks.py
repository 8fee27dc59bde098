#!/usr/bin/env python3
"""What recording costs per Python frame on deep stacks, against plain Python.

Each event walks its thread's whole stack (only the frames that changed are
looked up again), so allocating at the bottom of a deep recursion costs in
proportion to its depth. For each depth, recurses that deep and allocates
20,000 small objects at the bottom, plainly, under full recording and under
`--max-depth=64`, and prints the extra time per frame per event.

usage: deep_stacks.py --build-dir build [--python EXE] [--runs 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import clean_env

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = """
import sys
sys.setrecursionlimit(100000)
def down(n):
    if n == 0:
        return [bytearray(10) for _ in range(20000)]
    return down(n - 1)
down(int(sys.argv[1]))
"""
EVENTS = 20000


def wall(argv):
    start = time.perf_counter()
    subprocess.run(argv, env=clean_env(), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    arenatrace = os.path.join(args.build_dir, "bin", "arenatrace")
    print("| depth | plain (s) | recorded (s) | ns per frame per event | --max-depth=64 (s) |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "deep.py")
        with open(script, "w") as f:
            f.write(PROGRAM)
        trace = os.path.join(tmp, "out.atrace")
        for depth in (10, 1000, 5000):
            times = {"plain": [], "full": [], "capped": []}
            for _ in range(args.runs):
                times["plain"].append(wall([args.python, script, str(depth)]))
                times["full"].append(wall([arenatrace, "run", "-o", trace, "--",
                                           args.python, script, str(depth)]))
                times["capped"].append(wall([arenatrace, "run", "-o", trace, "--max-depth=64",
                                             "--", args.python, script, str(depth)]))
            plain, full, capped = (statistics.median(times[k]) for k in ("plain", "full",
                                                                          "capped"))
            per_frame = (full - capped) / (EVENTS * max(depth - 64, 1)) * 1e9 if depth > 64 \
                else float("nan")
            print("| %d | %.2f | %.2f | %.1f | %.2f |" % (depth, plain, full, per_frame, capped))


if __name__ == "__main__":
    main()
