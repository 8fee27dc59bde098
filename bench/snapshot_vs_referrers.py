"""Heap snapshots against the in-process tools, on the same heap: the pause
of arenatrace.snapshot() and the time `arenatrace graph` takes to find who
keeps one object alive, beside gc.get_referrers and objgraph's
find_backref_chain run inside the program (Debian's python3-objgraph, for
Debian's python3.11). One run per size; ratios are printed.

    scripts/bench snapshot [--python /usr/bin/python3.11] [--millions 1 10]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

from bench_common import clean_env

# A heap of about `objects` objects: a registry of records, each a small
# dict holding a str and a list, all reachable from one module global, and
# one needle deep inside whose retention path is asked for.
PROGRAM = r"""
import gc, sys, time
objects = int(sys.argv[1])
mode = sys.argv[2]

class Needle:
    pass

registry = {"records": [{"name": str(i), "tags": [i]} for i in range(objects // 5)]}
registry["records"][len(registry["records"]) // 2]["tags"].append(Needle())
gc.collect()
count = len(gc.get_objects())
if mode == "snapshot":
    import arenatrace
    start = time.perf_counter()
    arenatrace.snapshot("bench")
    print("pause", time.perf_counter() - start, count)
elif mode == "referrers":
    needle = next(o for o in gc.get_objects() if isinstance(o, list) and o and isinstance(o[-1], Needle))[-1]
    start = time.perf_counter()
    chain = [needle]
    # gc.get_referrers walks every tracked object for each hop.
    while len(chain) < 6:
        referrers = [r for r in gc.get_referrers(chain[-1]) if r is not chain and r is not sys._getframe()]
        if not referrers:
            break
        chain.append(referrers[0])
    print("pause", time.perf_counter() - start, count)
elif mode == "objgraph":
    import objgraph
    needle = next(o for o in gc.get_objects() if isinstance(o, list) and o and isinstance(o[-1], Needle))[-1]
    start = time.perf_counter()
    chain = objgraph.find_backref_chain(needle, objgraph.is_proper_module)
    print("pause", time.perf_counter() - start, count, len(chain))
"""


def timed(command, env):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit("%s failed: %s" % (" ".join(command), result.stderr[-2000:]))
    return elapsed, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--python", default="/usr/bin/python3.11")
    parser.add_argument("--millions", type=float, nargs="+", default=[1, 10])
    args = parser.parse_args()
    arenatrace = os.path.join(args.build_dir, "bin", "arenatrace")
    env = clean_env()
    has_objgraph = subprocess.run([args.python, "-c", "import objgraph"], env=env,
                                  capture_output=True).returncode == 0
    with tempfile.TemporaryDirectory() as tmp:
        program = os.path.join(tmp, "heap.py")
        with open(program, "w") as f:
            f.write(PROGRAM)
        print("%-10s %12s %12s %12s %14s %14s" % ("objects", "snapshot s", "s/M objects",
                                                  "graph s", "get_referrers s",
                                                  "objgraph s"))
        for millions in args.millions:
            objects = str(int(millions * 1_000_000))
            trace = os.path.join(tmp, "heap.atrace")
            _, out = timed([arenatrace, "run", "-o", trace, "--snapshot=signal", "--", args.python,
                            program, objects, "snapshot"], env)
            _, pause, count = out.split()[:3]
            graph_time, _ = timed([arenatrace, "graph", "--type", "Needle", "--snapshot", "1",
                                   trace], env)
            _, out = timed([args.python, program, objects, "referrers"], env)
            referrers = float(out.split()[1])
            objgraph_time = float("nan")
            if has_objgraph:
                _, out = timed([args.python, program, objects, "objgraph"], env)
                objgraph_time = float(out.split()[1])
            print("%-10s %12.3f %12.3f %12.3f %14.3f %14.3f" % (
                count, float(pause), float(pause) / (int(count) / 1e6), graph_time, referrers,
                objgraph_time))
        if not has_objgraph:
            print("objgraph is not importable by %s (apt-get install python3-objgraph)" % args.python)


if __name__ == "__main__":
    main()
