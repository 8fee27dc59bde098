"""What the snapshot of the object graph adds to the other reports, on real
programs with known heaps: `leaks`' evidence (who holds a growing site's
objects, references leaked from C, cycles left to a disabled collector),
the retained view of `flamegraph`, `export` and `report`, and `diff
--snapshots`."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import ARENATRACE, FREE_THREADED, TestCase, line_of, record


def arenatrace(*args):
    """(exit status, stdout, stderr) of an arenatrace command."""
    result = subprocess.run([ARENATRACE, *args], capture_output=True, text=True)
    return result.returncode, result.stdout, result.stderr


def leaks(trace, *options):
    status, out, err = arenatrace("leaks", "--json", "--top", "1000", trace, *options)
    return status, (json.loads(out)["processes"][0]["leaks"] if out.strip() else None), err


def verdict_at(report, script, line):
    for v in report["verdicts"]:
        if v["site"]["file"] == script and v["site"]["line"] == line:
            return v
    raise AssertionError("no verdict for %s:%d in %s" %
                         (script, line, [(v["site"]["file"], v["site"]["line"])
                                         for v in report["verdicts"]]))


def path_edges(path):
    return [step["edge"] for step in path["steps"][1:]]


# A cache that grows for the whole run, references leaked from C at one
# line (the control class at another line is kept normally), and cycles
# left to a disabled collector.
PROGRAM = """
    import ctypes, gc

    class Entry:
        def __init__(self, i):
            self.payload = "x" * 300 + str(i)  # the payloads

    class Registry:
        cache = {}

    def work(i):
        Registry.cache["k%d" % i] = Entry(i)  # the entries
        return len([str(j) for j in range(10)])  # churn

    class Leaked: pass
    class Kept: pass
    class Node:
        def __init__(self): self.other = None

    gc.disable()
    for i in range(4000):
        work(i)
    kept = [Kept() for _ in range(30)]  # the control
    for _ in range(30):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(Leaked()))  # the leaked references
    for _ in range(200):
        a, b = Node(), Node()  # the cycles
        a.other, b.other = b, a
    del a, b
    print("done")
"""


@unittest.skipIf(FREE_THREADED, "no snapshots on the free-threaded build (other threads run)")
class GraphEvidenceTest(TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        result, cls.trace, cls.script = record(PROGRAM, cls.tmp.name)
        assert result.returncode == 0 and result.stdout == "done\n", result.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_leaks_says_who_holds_the_growing_site(self):
        status, report, stderr = leaks(self.trace)
        self.assertEqual(status, 0, stderr)
        self.assertIsNotNone(report["graph"])
        payloads = verdict_at(report, self.script, line_of(self.script, "# the payloads"))
        self.assertEqual(payloads["verdict"], "leak")
        evidence = payloads["graph"]
        # The payload strings (and before 3.11 the instances' __dict__s, made
        # at the same line), each held by its Entry, itself in the cache.
        self.assertGreaterEqual(evidence["objects"], 4000)
        held = evidence["held_by"]
        self.assertEqual(held["holder_type"], "__main__.Entry")
        self.assertIn("app.py:%d)" % line_of(self.script, "# the entries"), held["holder_site"])
        # (all but a few: objects CPython recycles from its free lists carry
        # the allocation site of their block's first use)
        self.assertGreaterEqual(held["objects"], 0.99 * evidence["objects"])
        edges = path_edges(held["path"])
        self.assertEqual(held["path"]["root"], "sys.modules['__main__']")
        self.assertEqual(edges[:4], ["__dict__", "Registry", "__dict__", "cache"])
        self.assertIn(edges[-1], ["payload", "__dict__"])
        entries = verdict_at(report, self.script, line_of(self.script, "# the entries"))
        self.assertEqual(entries["graph"]["held_by"]["holder_type"], "dict")
        self.assertEqual(path_edges(entries["graph"]["held_by"]["path"])[-2], "cache")

    def test_leaks_finds_the_references_leaked_from_c_and_nothing_at_the_control(self):
        status, report, stderr = leaks(self.trace)
        self.assertEqual(status, 0, stderr)
        hidden = report["graph"]["hidden_references"]
        leaked_line = line_of(self.script, "# the leaked references")
        [leaked] = [g for g in hidden if g["type"] == "__main__.Leaked"]
        self.assertEqual(leaked["objects"], 30)
        self.assertEqual(leaked["references"], 30)
        self.assertIn("app.py:%d)" % leaked_line, leaked["site"])
        self.assertFalse([g for g in hidden if "Kept" in g["type"] or "Entry" in g["type"]])
        verdict = verdict_at(report, self.script, leaked_line)
        self.assertEqual(verdict["graph"]["hidden_references"], 30)

    def test_leaks_finds_the_cycles_left_to_a_disabled_collector(self):
        status, report, stderr = leaks(self.trace)
        self.assertEqual(status, 0, stderr)
        cycles_line = line_of(self.script, "# the cycles")
        groups = [g for g in report["graph"]["cyclic_garbage"]
                  if "app.py:%d)" % cycles_line in g["site"]]
        self.assertEqual(len(groups), 1, report["graph"]["cyclic_garbage"])
        # 400 Nodes; before 3.11 each has its __dict__ too (made at __init__'s line).
        self.assertEqual(groups[0]["objects"], 400)
        self.assertIn("__main__.Node x400", groups[0]["types"])
        verdict = verdict_at(report, self.script, cycles_line)
        self.assertEqual(verdict["graph"]["unreachable"], 400)
        # And the text says it.
        status, text, _ = arenatrace("leaks", self.trace)
        self.assertIn("cyclic garbage", text)
        self.assertIn("hidden references", text)

    def test_the_retained_view_is_drawn_exported_and_in_the_report(self):
        status, folded, stderr = arenatrace("export", "--retained", "--format", "folded",
                                            self.trace)
        self.assertEqual(status, 0, stderr)
        under_cache = 0
        for line in folded.splitlines():
            stack, weight = line.rsplit(" ", 1)
            frames = stack.split(";")
            # "cache (dict)", then the dict's allocation site when recorded.
            if any(f.startswith("cache (dict)") for f in frames):
                under_cache += int(weight)
        # The cache retains its 4000 entries and their 300-byte payloads.
        self.assertGreater(under_cache, 4000 * 300)
        with tempfile.TemporaryDirectory() as tmp:
            page = os.path.join(tmp, "r.html")
            status, _, stderr = arenatrace("flamegraph", "--retained", "-o", page, self.trace)
            self.assertEqual(status, 0, stderr)
            with open(page) as f:
                self.assertIn("cache (dict)", f.read())
            status, _, stderr = arenatrace("report", "-o", page, self.trace)
            self.assertEqual(status, 0, stderr)
            with open(page) as f:
                html = f.read()
            self.assertIn('"retained"', html)
            self.assertIn("hidden_references", html)

    def test_the_retained_view_without_a_snapshot_says_why_in_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record("print('x')", tmp, options=["--snapshot=never"])
            self.assertEqual(result.returncode, 0, result.stderr)
            status, out, err = arenatrace("export", "--retained", "--format", "folded", trace)
            self.assertEqual(status, 2)
            self.assertEqual(out, "")
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn("no snapshot", err)
            # leaks still works, and says what it could not add.
            status, text, err = arenatrace("leaks", trace)
            self.assertEqual(status, 0, err)
            self.assertIn("no snapshot of the object graph", text)


@unittest.skipIf(FREE_THREADED, "no snapshots on the free-threaded build (other threads run)")
class SnapshotDiffTest(TestCase):

    def test_what_is_new_between_two_snapshots_and_who_holds_it(self):
        source = """
            import arenatrace

            class Session:
                def __init__(self, i):
                    self.data = bytearray(500)

            sessions = {}
            def open_sessions(n, start):
                for i in range(start, start + n):
                    sessions[i] = Session(i)  # the sessions

            open_sessions(100, 0)
            arenatrace.snapshot("before")
            open_sessions(250, 100)
            arenatrace.snapshot("after")
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, script = record(source, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            # The third is the one taken at finalisation.
            status, out, err = arenatrace("diff", "--snapshots", "--b-snapshot", "2", "--json",
                                          trace)
            self.assertEqual(status, 0, err)
            text_status, text, _ = arenatrace("diff", "--snapshots", "--b-snapshot", "2", trace)
            sessions_line = line_of(script, "# the sessions")
        diff = json.loads(out)["snapshots"]
        self.assertTrue(diff["same_trace"])
        self.assertEqual((diff["a"]["label"], diff["b"]["label"]), ("before", "after"))
        [row] = [r for r in diff["rows"] if r["type"] == "__main__.Session"]
        self.assertIn("app.py:%d)" % sessions_line, row["site"])
        self.assertEqual((row["a"]["objects"], row["b"]["objects"]), (100, 350))
        self.assertEqual(row["new"]["objects"], 250)
        held = row["held_by"]
        self.assertEqual(held["holder_type"], "dict")
        self.assertEqual(held["objects"], 250)
        self.assertEqual(held["path"]["root"], "sys.modules['__main__']")
        self.assertEqual(path_edges(held["path"])[:2], ["__dict__", "sessions"])
        self.assertEqual(text_status, 0)
        self.assertIn("__main__.Session", text)

    def test_a_trace_with_one_snapshot_cannot_be_diffed_against_itself(self):
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record("x = [1]\n", tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            status, out, err = arenatrace("diff", "--snapshots", trace)
        self.assertEqual(status, 2)
        self.assertIn("same snapshot", err)


if __name__ == "__main__":
    unittest.main()
