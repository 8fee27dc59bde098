"""Snapshots of the object graph and `arenatrace graph`: real programs whose
heaps hold known structures (a cache in a class attribute, a closure, a
frame's local, cycles left to a disabled collector, references leaked from
C), and what the graph says keeps them alive."""
import json
import os
import signal
import subprocess
import tempfile
import unittest

from harness import (ARENATRACE, FREE_THREADED, PYTHON, TestCase, line_of, python_program, record,
                     run)


def graph(trace, *options):
    """`arenatrace graph --json`: (exit status, the process's graph report, stderr)."""
    result = subprocess.run([ARENATRACE, "graph", "--json", trace, *options], capture_output=True,
                            text=True)
    report = json.loads(result.stdout)["processes"][0]["graph"] if result.stdout.strip() else None
    return result.returncode, report, result.stderr


def edges(path):
    return [step["edge"] for step in path["steps"][1:]]


CACHE = """
    import arenatrace

    class Entry:
        def __init__(self, key):
            self.key = key
            self.payload = "x" * 1000 + str(key)

    class Registry:
        cache = {}

    def fill(n):
        for i in range(n):
            Registry.cache["k%d" % i] = Entry(i)  # the entries

    fill(300)
    print("done")
"""


@unittest.skipIf(FREE_THREADED, "no snapshots on the free-threaded build (other threads run)")
class GraphTest(TestCase):

    def test_a_cache_in_a_class_attribute_dict(self):
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, script = record(CACHE, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout, "done\n")
            status, report, stderr = graph(trace, "--type", "Entry", "--paths", "1")
            entry_line = line_of(script, "# the entries")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(report["snapshot"]["trigger"], "finalisation")
        self.assertEqual(report["query"]["matched"], 300)
        [path] = report["query"]["paths"]
        self.assertEqual(path["root"], "sys.modules['__main__']")
        # module -> its dict -> the class -> its dict -> the cache -> an entry.
        self.assertEqual(edges(path)[:4], ["__dict__", "Registry", "__dict__", "cache"])
        self.assertRegex(edges(path)[4], r"^k\d+$")
        self.assertEqual(path["steps"][-1]["type"], "__main__.Entry")
        self.assertIn("app.py:%d)" % entry_line, path["steps"][-1]["site"])
        # The cache's dict retains every entry and its payload string.
        cache = path["steps"][4]
        self.assertEqual(cache["type"], "dict")
        self.assertGreater(cache["retained_bytes"], 300 * 1000)
        by_type = {row["key"]: row for row in report["by_type"]}
        self.assertEqual(by_type["__main__.Entry"]["objects"], 300)

    def test_a_snapshot_leaves_the_programs_output_and_status_alone(self):
        # The snapshot at finalisation, taken in every recorded run.
        program = python_program("""
            import sys
            data = {i: [str(i)] for i in range(2000)}
            print(len(data), sum(len(v) for v in data.values()))
            sys.stderr.write("bye\\n")
            sys.exit(3)
        """)
        plain = run(program, traced=False)
        with tempfile.TemporaryDirectory() as tmp:
            traced = run(program, options=["-o", os.path.join(tmp, "t.atrace")])
            status, report, stderr = graph(os.path.join(tmp, "t.atrace"))
        self.assertEqual(plain.returncode, 3)
        self.assertEqual(traced.returncode, plain.returncode)
        self.assertEqual(traced.stdout, plain.stdout)
        self.assertIn("bye\n", traced.stderr)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(report["snapshot"]["trigger"], "finalisation")
        # And one asked for in the middle, while the program goes on.
        source = """
            import arenatrace
            data = [str(i) for i in range(2000)]
            arenatrace.snapshot("middle")
            print(len(data))
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(source, tmp)
            status, report, stderr = graph(trace, "--snapshot", "1")
        self.assertEqual((result.returncode, result.stdout), (0, "2000\n"), result.stderr)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(report["snapshot"]["label"], "middle")
        self.assertEqual(report["snapshot"]["of"], 2)

    def test_a_local_variable_and_a_closure_name_their_edges(self):
        source = """
            import arenatrace

            class Held:
                pass

            def make_closure():
                captured = Held()
                def inner():
                    return captured
                return inner

            def work():
                kept_local = Held()
                closure = make_closure()
                arenatrace.snapshot("inside")
                return kept_local, closure

            work()
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(source, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            status, report, stderr = graph(trace, "--snapshot", "1", "--type", "Held",
                                           "--paths", "2")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(report["query"]["matched"], 2)
        roots = sorted(path["root"] for path in report["query"]["paths"])
        self.assertTrue(any("local 'kept_local' of work()" in root for root in roots), roots)
        closure_paths = [edges(p) for p in report["query"]["paths"]
                         if "local 'closure' of work()" in p["root"]]
        self.assertEqual(closure_paths, [["__closure__", "[0]", "cell_contents"]])

    def test_cycles_left_to_a_disabled_collector_are_garbage(self):
        source = """
            import gc, arenatrace
            gc.disable()

            class Node:
                pass

            def make_cycles(n):
                for _ in range(n):
                    a, b = Node(), Node()
                    a.other, b.other = b, a

            make_cycles(400)
            arenatrace.snapshot("cycles")
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(source, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            status, report, stderr = graph(trace, "--snapshot", "1", "--type", "Node")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(report["query"]["matched"], 800)
        self.assertEqual(report["query"]["matched_unreachable"], 800)
        self.assertGreaterEqual(report["unreachable_objects"], 800)

    def test_references_leaked_from_c_hold_objects_from_outside(self):
        source = """
            import ctypes, arenatrace

            class Leaked:
                pass

            class Dropped:
                pass

            for _ in range(50):
                obj = Leaked()
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
            for _ in range(50):
                obj = Dropped()
            del obj
            arenatrace.snapshot("leaked")
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(source, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            status, leaked, stderr = graph(trace, "--snapshot", "1", "--type", "Leaked",
                                           "--paths", "50")
            _, dropped, _ = graph(trace, "--snapshot", "1", "--type", "Dropped")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(leaked["query"]["matched"], 50)
        self.assertEqual({path["root_kind"] for path in leaked["query"]["paths"]}, {"external"})
        self.assertEqual(len(leaked["query"]["paths"]), 50)
        self.assertEqual(dropped["query"]["matched"], 0)

    def test_the_snapshot_signal_takes_a_snapshot(self):
        source = """
            import os, signal, arenatrace
            kept = [bytearray(100) for _ in range(100)]
            os.kill(os.getpid(), signal.SIGUSR1)
            for i in range(1000):  # allocations: the main thread reaches a safe point
                str(i)
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(source, tmp, options=["--snapshot=signal"])
            self.assertEqual(result.returncode, 0, result.stderr)
            status, report, stderr = graph(trace, "--type", "bytearray")
        self.assertEqual(status, 0, stderr)
        self.assertEqual(report["snapshot"]["trigger"], "signal")
        self.assertEqual(report["snapshot"]["of"], 1)
        self.assertGreaterEqual(report["query"]["matched"], 100)

    def test_without_snapshots_graph_says_why_in_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(CACHE, tmp, options=["--snapshot=never"])
            self.assertEqual(result.returncode, 0, result.stderr)
            status, report, stderr = graph(trace)
        self.assertEqual(status, 2)
        self.assertIsNone(report)
        self.assertEqual(len(stderr.splitlines()), 1, stderr)
        self.assertIn("no snapshot of the object graph", stderr)

    def test_dot_output_draws_the_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            record(CACHE, tmp)
            result = subprocess.run([ARENATRACE, "graph", "--dot", "--type", "Entry", "--paths", "1",
                                     os.path.join(tmp, "out.atrace")], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("digraph retention {"), result.stdout)
        self.assertIn('[label="cache"]', result.stdout)


@unittest.skipUnless(FREE_THREADED, "the free-threaded build only")
class FreeThreadedGraphTest(TestCase):

    def test_no_snapshot_is_taken_and_graph_says_so(self):
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(CACHE, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            status, _, stderr = graph(trace)
        self.assertEqual(status, 2)
        self.assertIn("no snapshot of the object graph", stderr)


if __name__ == "__main__":
    unittest.main()
