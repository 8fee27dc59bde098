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

    def test_a_generator_a_bound_method_and_a_threads_local_name_their_edges(self):
        source = """
            import threading, arenatrace

            class InGenerator: pass
            class OfMethod: pass
            class InThread: pass

            def produce():
                held_by_generator = InGenerator()
                yield 1
                yield held_by_generator

            class Owner:
                def __init__(self):
                    self.item = OfMethod()
                def method(self):
                    return self.item

            suspended = produce()
            next(suspended)
            bound = Owner().method

            started, done = threading.Event(), threading.Event()
            def worker():
                held_in_thread = InThread()
                started.set()
                done.wait()
            thread = threading.Thread(target=worker, name="worker-1")
            thread.start()
            started.wait()
            arenatrace.snapshot("three")
            done.set()
            thread.join()
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(source, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            reports = {}
            for type_name in ("InGenerator", "OfMethod", "InThread"):
                status, reports[type_name], stderr = graph(trace, "--snapshot", "1", "--type",
                                                           type_name, "--paths", "1")
                self.assertEqual(status, 0, stderr)
        [path] = reports["InGenerator"]["query"]["paths"]
        # The suspended generator's local (in its frame object before 3.11).
        self.assertEqual(edges(path)[-1], "held_by_generator", path)
        self.assertEqual(path["steps"][-2]["type"], "frame" if "gi_frame" in edges(path)
                         else "generator")
        [path] = reports["OfMethod"]["query"]["paths"]
        self.assertIn("__self__", edges(path))
        self.assertEqual(edges(path)[-1], "item")
        [path] = reports["InThread"]["query"]["paths"]
        self.assertEqual(path["root_kind"], "frame")
        # Named from 3.11, where a thread state knows its native thread id.
        self.assertRegex(path["root"],
                         r"^(worker-1|a thread): local 'held_in_thread' of worker\(\)$")

    def test_snapshots_taken_while_other_threads_allocate_are_whole(self):
        # Two threads keep allocating (and releasing the GIL) while the main
        # thread takes three snapshots: each is whole, and each sees at
        # least the Items the threads had made before it.
        source = """
            import threading, time, arenatrace

            class Item: pass
            made = [[], []]
            stop = threading.Event()
            def churn(mine):
                while not stop.is_set():
                    mine.append(Item())
                    if len(mine) % 100 == 0:
                        time.sleep(0)
            threads = [threading.Thread(target=churn, args=(made[i],)) for i in range(2)]
            for t in threads:
                t.start()
            seen = []
            for label in ("one", "two", "three"):
                time.sleep(0.05)
                seen.append(len(made[0]) + len(made[1]))
                arenatrace.snapshot(label)
            stop.set()
            for t in threads:
                t.join()
            print(*seen)
        """
        with tempfile.TemporaryDirectory() as tmp:
            result, trace, _ = record(source, tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            seen = [int(n) for n in result.stdout.split()]
            counts = []
            for number in ("1", "2", "3"):
                status, report, stderr = graph(trace, "--snapshot", number, "--type", "Item")
                self.assertEqual(status, 0, stderr)
                counts.append(report["query"]["matched"])
            # A number past the trace's snapshots is refused, by graph and
            # by the page alike, naming how many there are.
            for command in (["graph"], ["report", "-o", os.path.join(tmp, "r.html")]):
                result = subprocess.run([ARENATRACE, *command, "--snapshot", "9", trace],
                                        capture_output=True, text=True)
                self.assertNotEqual(result.returncode, 0, command)
                self.assertRegex(result.stderr,
                                 r"the trace has [34] snapshots, and snapshot 9 is not one of them")
        for before, matched in zip(seen, counts):
            self.assertGreaterEqual(matched, before)
        self.assertEqual(counts, sorted(counts))

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


def dominator_retained_sizes(nodes, edges, fields=7):
    """Retained sizes of a heap snapshot's nodes from its node 0, by the
    iterative algorithm of Cooper, Harvey and Kennedy: independent of the
    analyzer's SEMI-NCA."""
    count = len(nodes) // fields
    successors = [[] for _ in range(count)]
    edge = 0
    for n in range(count):
        for _ in range(nodes[n * fields + 4]):
            successors[n].append(edges[edge * 3 + 2] // fields)
            edge += 1
    order, seen, stack = [], {0}, [(0, iter(successors[0]))]
    while stack:  # postorder without recursion
        node, children = stack[-1]
        for child in children:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(successors[child])))
                break
        else:
            order.append(node)
            stack.pop()
    position = {node: i for i, node in enumerate(order)}
    predecessors = [[] for _ in range(count)]
    for n in seen:
        for child in successors[n]:
            predecessors[child].append(n)
    idom = {0: 0}
    changed = True
    while changed:
        changed = False
        for node in reversed(order):
            if node == 0:
                continue
            candidates = [p for p in predecessors[node] if p in idom]
            new = candidates[0]
            for other in candidates[1:]:
                a, b = new, other
                while a != b:
                    while position[a] < position[b]:
                        a = idom[a]
                    while position[b] < position[a]:
                        b = idom[b]
                new = a
            if idom.get(node) != new:
                idom[node] = new
                changed = True
    retained = {n: nodes[n * fields + 3] for n in seen}
    for node in order:  # children before their dominators
        if node != 0:
            retained[idom[node]] += retained[node]
    return retained


@unittest.skipIf(FREE_THREADED, "no snapshots on the free-threaded build (other threads run)")
class HeapSnapshotExportTest(TestCase):

    def test_the_export_reads_back_with_our_retained_sizes_and_stacks(self):
        with tempfile.TemporaryDirectory() as tmp:
            _, trace, _ = record(CACHE, tmp)
            exported = os.path.join(tmp, "out.heapsnapshot")
            result = subprocess.run([ARENATRACE, "export", "--format", "heapsnapshot", "-o",
                                     exported, trace], capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(exported) as f:
                snapshot = json.load(f)
            _, report, _ = graph(trace, "--top", "5")
        meta = snapshot["snapshot"]["meta"]
        fields = len(meta["node_fields"])
        nodes, edges, strings = snapshot["nodes"], snapshot["edges"], snapshot["strings"]
        self.assertEqual(fields, 7)
        self.assertEqual(len(nodes), snapshot["snapshot"]["node_count"] * fields)
        self.assertEqual(snapshot["snapshot"]["node_count"], report["objects"] + 1)
        self.assertEqual(len(edges), snapshot["snapshot"]["edge_count"] * 3)
        self.assertEqual(sum(nodes[n + 4] for n in range(0, len(nodes), fields)),
                         snapshot["snapshot"]["edge_count"])
        for i in range(0, len(edges), 3):
            self.assertEqual(edges[i + 2] % fields, 0)
            self.assertLess(edges[i + 2], len(nodes))
        names = [strings[nodes[n + 1]] for n in range(0, len(nodes), fields)]
        self.assertEqual(names.count("__main__.Entry"), 300)
        # Retained sizes, computed here from the exported graph alone.
        retained = dominator_retained_sizes(nodes, edges)
        ours = sorted((row["retained_bytes"] for row in report["top_objects"]), reverse=True)
        theirs = sorted((size for node, size in retained.items() if node != 0), reverse=True)
        self.assertEqual(theirs[:len(ours)], ours)
        # Each Entry's allocation stack: its trace node's function is fill().
        functions = snapshot["trace_function_infos"]
        function_of_trace_node = {}
        stack = [snapshot["trace_tree"]]  # flat lists of five values per node
        while stack:
            flat = stack.pop()
            for i in range(0, len(flat), 5):
                function_of_trace_node[flat[i]] = strings[functions[flat[i + 1] * 6 + 1]]
                stack.append(flat[i + 4])
        entry_functions = {function_of_trace_node[nodes[n + 5]]
                           for n in range(0, len(nodes), fields)
                           if strings[nodes[n + 1]] == "__main__.Entry"}
        self.assertEqual(entry_functions, {"fill"})


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
