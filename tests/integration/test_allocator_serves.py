"""arenatrace's allocator serves real Python programs, and gives memory back.
On the free-threaded build, which keeps CPython's allocator, the same
programs run unchanged and nothing is served."""
import json
import os
import unittest

from harness import (FREE_THREADED, NOT_SERVED_WHEN_FREE_THREADED, PYTHON, TestCase,
                     python_program, python_version, run)

# Builds a spike of 1M small objects, frees all but one in 4000, and prints
# RSS before, at the peak and after (the benchmark's program, smaller).
SPIKE = [PYTHON, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench",
                              "workloads", "spike_survivors.py"), "1000000"]


class AllocatorServesTest(TestCase):

    @unittest.skipIf(FREE_THREADED, NOT_SERVED_WHEN_FREE_THREADED)
    def test_small_objects_are_served_and_output_is_unchanged(self):
        program = python_program("""
            class Point:
                def __init__(self, x, y):
                    self.x, self.y = x, y
            points = [Point(i, -i) for i in range(200_000)]
            print(sum(p.x + p.y for p in points), len(points))
            words = {str(i): ("w" * (i % 40)) for i in range(50_000)}
            print(sum(map(len, words.values())))
        """)
        plain = run(program, traced=False)
        traced = run(program)
        self.assertSameOutput(plain, traced)
        self.assertEqual(len(traced.stats), 1, traced.stats)
        stats = traced.stats[0]
        self.assertTrue(stats["hooks_installed"])
        self.assertGreaterEqual(stats["small_allocs"], 200_000)
        self.assertGreater(stats["arenas_peak"], 0)
        self.assertGreater(stats["forwarded_allocs"], 0)  # the list of 200k pointers

    @unittest.skipIf(FREE_THREADED, NOT_SERVED_WHEN_FREE_THREADED)
    def test_rss_falls_after_a_spike_unlike_pymalloc(self):
        pymalloc = json.loads(run(SPIKE, traced=False).stdout)
        traced_run = run(SPIKE)
        self.assertEqual(traced_run.returncode, 0, traced_run.stderr)
        ours = json.loads(traced_run.stdout)
        spike = ours["peak"] - ours["before"]
        kept = ours["after"] - ours["before"]
        kept_pymalloc = pymalloc["after"] - pymalloc["before"]
        self.assertGreater(spike, 50 << 20)
        # One survivor in 4000 small objects keeps about one pool in 16.
        self.assertLess(kept, spike * 0.25, ours)
        self.assertLess(kept, kept_pymalloc * 0.5, (ours, pymalloc))
        self.assertGreater(traced_run.stats[0]["bytes_purged"], 0)

    def test_threads_allocating_at_once(self):
        program = python_program("""
            import threading
            results = [None] * 8
            def work(n):
                total = 0
                for round in range(30):
                    d = {i: [str(i)] * 3 for i in range(3000)}
                    total += sum(len(v[0]) for v in d.values())
                results[n] = total
            threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
            for t in threads: t.start()
            for t in threads: t.join()
            print(len(set(results)), results[0])
        """)
        plain = run(program, traced=False)
        traced = run(program)
        self.assertSameOutput(plain, traced)
        self.assertEqual(traced.stdout.split()[0], "1")
        self.assertEqual(len(traced.engaged()), 1)

    @unittest.skipIf(FREE_THREADED, NOT_SERVED_WHEN_FREE_THREADED)
    def test_reallocs_of_growing_containers(self):
        program = python_program("""
            import io
            b = bytearray()
            for i in range(100_000): b += b"x"
            out = io.BytesIO()
            for i in range(10_000): out.write(b"%d," % i)
            lists = []
            for i in range(10_000):
                l = []
                for j in range(i % 50): l.append(j)
                lists.append(l)
            print(len(b), len(out.getvalue()), sum(map(len, lists)))
        """)
        plain = run(program, traced=False)
        traced = run(program)
        self.assertSameOutput(plain, traced)
        stats = traced.stats[0]
        self.assertGreater(stats["in_place_reallocs"], 0)
        self.assertGreater(stats["forwarded_reallocs"], 0)

    def test_fork_child_is_served_too(self):
        program = python_program("""
            import os
            pid = os.fork()
            if pid == 0:
                data = [str(i) for i in range(100_000)]
                print("child", len(data), flush=True)
                raise SystemExit(7)
            _, status = os.waitpid(pid, 0)
            print("parent", status >> 8)
        """)
        traced = run(program)
        self.assertEqual(traced.returncode, 0, traced.stderr)
        self.assertIn("child 100000", traced.stdout)
        self.assertIn("parent 7", traced.stdout)
        pids = {s["pid"] for s in traced.engaged()}
        self.assertEqual(len(pids), 2, traced.stats)

    @unittest.skipIf(python_version() < (3, 12), "own-GIL subinterpreters exist from 3.12")
    def test_subinterpreters_with_their_own_gil_in_parallel(self):
        program = python_program("""
            import threading
            try:
                import _interpreters as interpreters
                create = lambda: interpreters.create("isolated")
                run = interpreters.exec
            except ImportError:
                import _xxsubinterpreters as interpreters
                create = lambda: interpreters.create(isolated=True)
                run = interpreters.run_string
            code = '''
            total = 0
            for round in range(40):
                d = {i: (str(i), [i] * 3) for i in range(5000)}
                total += len(d)
            assert total == 200000, total
            '''
            ids = [create() for _ in range(4)]
            errors = []
            def work(interp):
                try:
                    result = run(interp, code)
                    if result is not None:
                        errors.append(result)
                except Exception as e:
                    errors.append(e)
            threads = [threading.Thread(target=work, args=(i,)) for i in ids]
            for t in threads: t.start()
            # The main interpreter allocates at the same time.
            main_total = sum(len(str(i)) for i in range(300_000))
            for t in threads: t.join()
            for i in ids: interpreters.destroy(i)
            print("errors", errors, main_total)
        """)
        plain = run(program, traced=False)
        traced = run(program)
        self.assertSameOutput(plain, traced)
        self.assertIn("errors []", traced.stdout)
        self.assertEqual(len(traced.engaged()), 1)
        if not FREE_THREADED:
            self.assertTrue(traced.stats[0]["serialized"], "the allocator lock was never engaged")


if __name__ == "__main__":
    unittest.main()
