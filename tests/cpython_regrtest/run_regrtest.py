#!/usr/bin/env python3
"""Runs CPython's own regression tests under the arenatrace preload.

Passing is not enough: every test process records a trace and writes its
allocator statistics, and the run fails unless arenatrace's allocator was
serving, and recording, in the main process and in the workers (on the
free-threaded build, which keeps CPython's allocator: recording, and the
engine reporting mimalloc kept). Exit status 77 means "skipped" (no
interpreter).

usage: run_regrtest.py --python EXE --build-dir DIR [--tests t1,t2,...]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

REQUIRED_TESTS = ["test_dict", "test_list", "test_set", "test_tuple", "test_unicode",
                  "test_bytes", "test_gc", "test_weakref", "test_threading", "test_json",
                  "test_pickle", "test_re", "test_capi"]
# Renamed in later versions: the same tests under their new name.
RENAMED = {"test_unicode": "test_str"}
HERE = os.path.dirname(os.path.abspath(__file__))


def interpreter_facts(python):
    code = ("import sys, os, sysconfig, test; print('%d.%d' % sys.version_info[:2]); "
            "print(os.path.dirname(test.__file__)); "
            "print(sysconfig.get_config_var('Py_GIL_DISABLED') or 0)")
    result = subprocess.run([python, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        return None, None, False
    version, test_dir, free_threaded = result.stdout.split("\n")[:3]
    return version, test_dir, free_threaded == "1"


def exclusions_for(version):
    patterns = []
    with open(os.path.join(HERE, "exclusions.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) == 2 and (line[1] == "all" or version in line[1].split(",")):
                patterns.append(line[0])
    return patterns


def available_tests(test_dir, wanted):
    present, absent = [], []
    for name in wanted:
        for candidate in (name, RENAMED.get(name)):
            if candidate and (os.path.exists(os.path.join(test_dir, candidate + ".py")) or
                              os.path.isdir(os.path.join(test_dir, candidate))):
                present.append(candidate)
                break
        else:
            absent.append(name)
    return present, absent


def default_sigint():
    # A shell that starts jobs in the background ignores SIGINT for them, and
    # test_threading's interrupt_main tests need it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--tests", default=",".join(REQUIRED_TESTS))
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--without-preload", action="store_true",
                        help="run plainly: the baseline that exclusions are judged against")
    args = parser.parse_args()

    if not os.path.exists(args.python):
        print("SKIPPED: %s is not installed" % args.python)
        return 77
    version, test_dir, free_threaded = interpreter_facts(args.python)
    if version is None:
        print("SKIPPED: %s has no test package (install its test suite, e.g. "
              "Debian's libpython3.X-testsuite)" % args.python)
        return 77
    tests, absent = available_tests(test_dir, args.tests.split(","))
    for name in absent:
        print("NOT RUN: %s is not shipped with %s (%s)" % (name, args.python, test_dir))
    ignores = exclusions_for(version)
    for pattern in ignores:
        print("EXCLUDED: %s (fails without arenatrace too; see exclusions.txt)" % pattern)

    preload = os.path.abspath(os.path.join(args.build_dir, "lib", "libarenatrace.so"))
    with tempfile.TemporaryDirectory() as tmp:
        stats_path = os.path.join(tmp, "stats.jsonl")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PYTHON", "ARENATRACE_")) and k != "LD_PRELOAD"}
        if not args.without_preload:
            # Recording on too: every test process writes a trace
            # (tmp/trace.atrace and tmp/trace.atrace.<pid>).
            env.update(LD_PRELOAD=preload, ARENATRACE_STATS_JSON=stats_path,
                       ARENATRACE_OUTPUT=os.path.join(tmp, "trace.atrace"))
        command = [args.python, "-m", "test", "-j", args.jobs, "--timeout", "1200"]
        for pattern in ignores:
            command += ["--ignore", pattern]
        command += tests
        print("running:", " ".join(command), flush=True)
        started = time.monotonic()
        result = subprocess.run(command, env=env, cwd=tmp, preexec_fn=default_sigint)
        elapsed = time.monotonic() - started
        stats = []
        if os.path.exists(stats_path):
            with open(stats_path) as f:
                stats = [json.loads(line) for line in f]
        traces = [name for name in os.listdir(tmp) if name.startswith("trace.atrace")]
        trace_bytes = sum(os.path.getsize(os.path.join(tmp, name)) for name in traces)

    if free_threaded:
        # CPython's allocator is kept there: what counts is that the engine
        # ran (and said so) in every process.
        served = [s for s in stats if s["allocator"] == "mimalloc" and not s["hooks_installed"]]
    else:
        served = [s for s in stats if s["hooks_installed"] and s["small_allocs"] > 0]
    small_allocs = sum(s["small_allocs"] for s in served)
    purged = sum(s["bytes_purged"] for s in served)
    how = "with mimalloc kept (free-threaded)" if free_threaded else "by arenatrace's allocator"
    print("arenatrace: %d Python processes reported, %d served %s, "
          "%d small blocks allocated, %.1f MiB given back by madvise, %d traces (%.1f MiB), "
          "in %.0f s" % (len(stats), len(served), how, small_allocs, purged / 2**20, len(traces),
                         trace_bytes / 2**20, elapsed))
    if result.returncode != 0:
        print("FAILED: regrtest exited with %d" % result.returncode)
        return 1
    if args.without_preload:
        print("PASSED: %s without arenatrace, %d test files" % (args.python, len(tests)))
        return 0
    # The main process and one worker per test file (regrtest -jN runs each
    # file in a fresh worker process).
    if len(served) < len(tests) + 1:
        print("FAILED: expected at least %d served processes (main + %d test workers), got %d"
              % (len(tests) + 1, len(tests), len(served)))
        return 1
    if small_allocs < 1_000_000 and not free_threaded:
        print("FAILED: only %d small blocks served: the allocator was not really in use"
              % small_allocs)
        return 1
    if len(traces) < len(tests) + 1:
        print("FAILED: expected a trace from the main process and each worker, got %d"
              % len(traces))
        return 1
    print("PASSED: %s under arenatrace, %d test files" % (args.python, len(tests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
