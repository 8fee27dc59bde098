"""Blocks that extensions report with PyTraceMalloc_Track (numpy's arrays):
recorded in the traced domain with their Python stack, freed by
PyTraceMalloc_Untrack, and still seen by tracemalloc when it runs too."""
import json
import os
import subprocess
import tempfile
import textwrap
import unittest

from harness import ARENATRACE, PYTHON, TestCase, clean_env, line_of, record, summary


def analyze(command, trace, *args):
    """`arenatrace <command> --json ... trace`: (exit status, report, stderr)."""
    result = subprocess.run([ARENATRACE, command, "--json", *args, trace],
                            capture_output=True, text=True)
    report = json.loads(result.stdout) if result.stdout.strip() else None
    return result.returncode, report, result.stderr


def bytes_through(profile, script, line):
    """The bytes of a report's profile whose stacks pass through script:line
    (numpy's np.ones allocates in numpy's own Python code, called there)."""
    return sum(stack["bytes"] for stack in profile["stacks"]
               if any(f["file"] == script and f["line"] == line for f in stack["frames"]))


def run_both(source, tmp, argv):
    """Runs `source` (written to app.py in `tmp`) plainly and under `arenatrace
    run -o tmp/out.atrace`: (plain, traced, trace path, script path)."""
    script = os.path.join(tmp, "app.py")
    with open(script, "w") as f:
        f.write(textwrap.dedent(source))
    trace = os.path.join(tmp, "out.atrace")
    plain = subprocess.run([PYTHON, script, *argv], capture_output=True, text=True,
                           env=clean_env(), cwd=tmp, timeout=600)
    traced = subprocess.run([ARENATRACE, "run", "-o", trace, "--", PYTHON, script, *argv],
                            capture_output=True, text=True, env=clean_env(), cwd=tmp, timeout=600)
    return plain, traced, trace, script


def has_numpy():
    return subprocess.run([PYTHON, "-c", "import numpy"], capture_output=True).returncode == 0


# Direct calls through ctypes: no extension needed. The addresses are made up
# (nothing is allocated there): tracemalloc and arenatrace only note them.
CTYPES_PROGRAM = """
    import ctypes, sys, tracemalloc
    if sys.argv[1:] == ["tracemalloc"]:
        tracemalloc.start()
    api = ctypes.pythonapi
    api.PyTraceMalloc_Track.argtypes = [ctypes.c_uint, ctypes.c_size_t, ctypes.c_size_t]
    api.PyTraceMalloc_Untrack.argtypes = [ctypes.c_uint, ctypes.c_size_t]
    KEPT, DROPPED = 0x100000000010, 0x100000100010
    def keep():
        return api.PyTraceMalloc_Track(4242, KEPT, 3000000)  # KEPT BLOCK
    def drop():
        api.PyTraceMalloc_Track(4242, DROPPED, 1000000)  # DROPPED BLOCK
        return api.PyTraceMalloc_Untrack(4242, DROPPED)
    print("track", keep(), "untrack", drop())
    if tracemalloc.is_tracing():
        traces = tracemalloc.take_snapshot().filter_traces([tracemalloc.DomainFilter(True, 4242)])
        print("tracemalloc sees", sum(t.size for t in traces.traces))
"""


class TracedTest(TestCase):

    def check_ctypes_run(self, argv):
        with tempfile.TemporaryDirectory() as tmp:
            plain, traced, trace, script = run_both(CTYPES_PROGRAM, tmp, argv)
            self.assertEqual(traced.returncode, 0, traced.stderr)
            self.assertEqual(plain.stdout, traced.stdout)
            status, report, err = summary(trace)
            self.assertEqual(status, 0, err)
            _, peak, err = analyze("peak", trace, "--domain", "traced")
            _, leaks, err = analyze("leaks", trace, "--domain", "traced", "--top", "50")
            kept_line = line_of(script, "# KEPT BLOCK")
            dropped_line = line_of(script, "# DROPPED BLOCK")
            dump = subprocess.run([ARENATRACE, "dump", trace], capture_output=True,
                                  text=True).stdout
        self.assertEqual(report["traced_domains"], [{"number": 4242, "owner": ""}])
        traced_totals = report["domains"]["traced"]
        self.assertEqual(traced_totals["allocs"], 2)
        self.assertEqual(traced_totals["frees"], 1)
        self.assertEqual(traced_totals["live_bytes_at_end"], 3000000)
        self.assertEqual(traced_totals["peak_bytes"], 4000000)
        self.assertIn("alloc traced 0x100000000010 3000000", dump)
        self.assertIn("tracemalloc=4242", dump)
        profile = peak["processes"][0]["peak"]["profile"]
        self.assertEqual(bytes_through(profile, script, kept_line), 3000000)
        self.assertEqual(bytes_through(profile, script, dropped_line), 1000000)
        left = leaks["processes"][0]["leaks"]["profile"]  # alive when the program ended
        self.assertEqual(bytes_through(left, script, kept_line), 3000000)
        self.assertEqual(bytes_through(left, script, dropped_line), 0)
        return plain.stdout

    def test_ctypes_calls_are_recorded_at_their_line(self):
        out = self.check_ctypes_run([])
        self.assertEqual(out, "track -2 untrack -2\n")  # tracemalloc is not tracing

    def test_ctypes_calls_reach_tracemalloc_too(self):
        out = self.check_ctypes_run(["tracemalloc"])
        self.assertEqual(out, "track 0 untrack 0\ntracemalloc sees 3000000\n")

    def numpy_run(self, tracemalloc_too):
        if not has_numpy():
            self.skipTest("numpy is not installed for %s" % PYTHON)
        source = """
            import sys, tracemalloc
            if sys.argv[1:] == ["tracemalloc"]:
                tracemalloc.start()
            import numpy as np
            def build():
                kept = np.ones(5_000_000)  # KEPT ARRAY
                dropped = np.ones(2_000_000)  # DROPPED ARRAY
                del dropped
                return kept
            kept = build()
            print(kept.nbytes, kept.sum())
            if tracemalloc.is_tracing():
                snapshot = tracemalloc.take_snapshot()
                numpy = snapshot.filter_traces([tracemalloc.DomainFilter(True, 389047)])
                print("tracemalloc sees at least 40 MB:",
                      sum(t.size for t in numpy.traces) >= 40_000_000)
        """
        argv = ["tracemalloc"] if tracemalloc_too else []
        with tempfile.TemporaryDirectory() as tmp:
            plain, traced, trace, script = run_both(source, tmp, argv)
            self.assertEqual(traced.returncode, 0, traced.stderr)
            self.assertEqual(plain.stdout, traced.stdout)
            status, report, err = summary(trace)
            self.assertEqual(status, 0, err)
            _, peak, err = analyze("peak", trace, "--domain", "traced", "--top", "50")
            _, leaks, err = analyze("leaks", trace, "--domain", "traced", "--top", "50")
            kept_line = line_of(script, "# KEPT ARRAY")
            dropped_line = line_of(script, "# DROPPED ARRAY")
        self.assertIn({"number": 389047, "owner": "numpy"}, report["traced_domains"])
        self.assertGreaterEqual(report["domains"]["traced"]["peak_bytes"], 56_000_000)
        # At the peak, both arrays; when the program ended, the kept one alone.
        profile = peak["processes"][0]["peak"]["profile"]
        self.assertGreaterEqual(bytes_through(profile, script, kept_line), 40_000_000)
        self.assertLess(bytes_through(profile, script, kept_line), 40_100_000)
        self.assertGreaterEqual(bytes_through(profile, script, dropped_line), 16_000_000)
        left = leaks["processes"][0]["leaks"]["profile"]  # alive when the program ended
        self.assertGreaterEqual(bytes_through(left, script, kept_line), 40_000_000)
        self.assertLess(bytes_through(left, script, kept_line), 40_100_000)
        self.assertEqual(bytes_through(left, script, dropped_line), 0)
        return plain.stdout

    def test_numpy_arrays_are_recorded_at_their_line(self):
        out = self.numpy_run(tracemalloc_too=False)
        self.assertEqual(out, "40000000 5000000.0\n")

    def test_numpy_arrays_reach_tracemalloc_too(self):
        out = self.numpy_run(tracemalloc_too=True)
        self.assertEqual(out, "40000000 5000000.0\ntracemalloc sees at least 40 MB: True\n")

    def test_traced_domain_in_the_text_summary_and_the_report_page(self):
        with tempfile.TemporaryDirectory() as tmp:
            completed, trace, _ = record(CTYPES_PROGRAM, tmp)
            self.assertEqual(completed.returncode, 0, completed.stderr)
            text = subprocess.run([ARENATRACE, "summary", trace], capture_output=True,
                                  text=True).stdout
            page = tmp + "/report.html"
            made = subprocess.run([ARENATRACE, "report", "-o", page, trace], capture_output=True,
                                  text=True)
            self.assertEqual(made.returncode, 0, made.stderr)
            with open(page) as f:
                html = f.read()
        self.assertRegex(text, r"\n  traced +2 +1 ")
        self.assertIn("PyTraceMalloc_Track, tracemalloc domain 4242\n", text)
        self.assertIn('"traced":[', html.replace(" ", ""))

    def test_a_thread_without_the_gil_and_a_fork_child(self):
        # Untracked from a thread that does not hold the GIL (ctypes.CDLL
        # releases it around the call), and recorded in a fork child.
        with tempfile.TemporaryDirectory() as tmp:
            completed, trace, script = record("""
                import ctypes, os, threading
                lib = ctypes.CDLL(None)  # releases the GIL around each call
                lib.PyTraceMalloc_Track.argtypes = [ctypes.c_uint, ctypes.c_size_t, ctypes.c_size_t]
                lib.PyTraceMalloc_Untrack.argtypes = [ctypes.c_uint, ctypes.c_size_t]
                def work(base):
                    for i in range(2000):
                        lib.PyTraceMalloc_Track(7, base + 16 * i, 100)
                        lib.PyTraceMalloc_Untrack(7, base + 16 * i)
                threads = [threading.Thread(target=work, args=(0x200000000000 * (n + 1),))
                           for n in range(4)]
                for t in threads: t.start()
                for t in threads: t.join()
                pid = os.fork()
                if pid == 0:
                    lib.PyTraceMalloc_Track(7, 0x300000000000, 5000)
                    os._exit(0)
                os.waitpid(pid, 0)
                print("done")
            """, tmp)
            self.assertEqual(completed.returncode, 0, completed.stderr)
            self.assertEqual(completed.stdout, "done\n")
            status, report, err = summary(trace)
            self.assertEqual(status, 0, err)
            children = [p["pid"] for p in report["processes"] if p["pid"] != report["pid"]]
            self.assertEqual(len(children), 1, report["processes"])
            child_status, child, err = summary(trace, "--pid", str(children[0]))
        traced_totals = report["domains"]["traced"]
        self.assertEqual(traced_totals["allocs"], 8000)
        self.assertEqual(traced_totals["frees"], 8000)
        self.assertEqual(traced_totals["live_bytes_at_end"], 0)
        self.assertEqual(child_status, 0, err)
        self.assertEqual(child["domains"]["traced"]["live_bytes_at_end"], 5000)


if __name__ == "__main__":
    unittest.main()
