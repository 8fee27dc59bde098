"""Python stacks in the trace: generators, coroutines, threads started from
C, code objects that die and whose memory is reused, deep recursion."""
import os
import subprocess
import tempfile
import textwrap
import unittest

from harness import ARENATRACE, TestCase, clean_env, line_of, python_program, record, run, site_at, summary


def source_line(source, marker):
    """The 1-based line of dedented `source` that contains `marker`."""
    for number, line in enumerate(textwrap.dedent(source).splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(marker)


def functions(site):
    return [frame["function"].split(".")[-1] for frame in site["stack"]]


class StackTest(TestCase):

    def recorded_site(self, source, marker, *, options=(), top=200):
        """Records `source`; returns (report, the site whose innermost frame is
        the line holding `marker`, script path)."""
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record(source, tmp, options=options)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = summary(trace, "--top", str(top))
            self.assertEqual(status, 0, err)
            site = site_at(report, script, line_of(script, marker))
            self.assertIsNotNone(site, report["top_sites"])
            return report, site, script

    def test_generator_frames_hang_under_their_consumer(self):
        source = """
            def produce(n):
                for _ in range(n):
                    yield bytearray(1000)  # GENERATOR SITE
            def consume():
                return list(produce(500))  # CONSUMER LINE
            kept = consume()
        """
        _, site, _ = self.recorded_site(source, "# GENERATOR SITE")
        self.assertGreaterEqual(site["allocs"], 500)
        self.assertGreaterEqual(site["bytes"], 500 * 1000)
        self.assertEqual(functions(site)[:3], ["produce", "consume", "<module>"])
        self.assertEqual(site["stack"][1]["line"], source_line(source, "# CONSUMER LINE"))

    def test_coroutine_frames_follow_their_awaits(self):
        source = """
            import asyncio
            async def leaf(n):
                blocks = []
                for _ in range(n):
                    blocks.append(bytearray(2000))  # COROUTINE SITE
                    await asyncio.sleep(0)
                return blocks
            async def middle():
                return await leaf(300)  # AWAIT LINE
            kept = asyncio.run(middle())
        """
        _, site, _ = self.recorded_site(source, "# COROUTINE SITE")
        self.assertGreaterEqual(site["allocs"], 300)
        self.assertGreaterEqual(site["bytes"], 300 * 2000)
        names = functions(site)
        self.assertEqual(names[:2], ["leaf", "middle"])
        self.assertEqual(site["stack"][1]["line"], source_line(source, "# AWAIT LINE"))
        self.assertEqual(names[-1], "<module>")  # through the event loop to asyncio.run
        self.assertIn("run", names)

    def test_thread_started_from_c_has_its_own_stack(self):
        # pthread_create called through ctypes: the thread enters Python by
        # PyGILState_Ensure, with no Python frame below its callback.
        report, site, _ = self.recorded_site("""
            import ctypes
            libc = ctypes.CDLL(None)
            CALLBACK = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)
            kept = []
            def from_c(arg):
                for _ in range(100):
                    kept.append(bytearray(3000))  # C THREAD SITE
                return None
            callback = CALLBACK(from_c)
            thread = ctypes.c_ulong()
            assert libc.pthread_create(ctypes.byref(thread), None, callback, None) == 0
            assert libc.pthread_join(thread, None) == 0
        """, "# C THREAD SITE")
        self.assertGreaterEqual(site["allocs"], 100)
        self.assertGreaterEqual(site["bytes"], 100 * 3000)
        self.assertEqual(functions(site), ["from_c"])
        self.assertGreaterEqual(len(report["threads"]), 2)

    def test_dead_code_objects_are_never_confused(self):
        # Each iteration compiles a function from its own file and line, calls
        # it and drops it. Were arenatrace to let the code object die, the
        # next one could take its address; its allocations must still be
        # attributed to the new function only.
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("""
                import gc
                kept = []
                for i in range(60):
                    source = "def f_%d():\\n%s    return bytearray(%d)\\n" % (i, "\\n" * i, 5000 + i)
                    namespace = {}
                    exec(compile(source, "generated_%d.py" % i, "exec"), namespace)
                    kept.append(namespace["f_%d" % i]())
                    del namespace
                    gc.collect()
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, _ = summary(trace, "--top", "1000")
        self.assertEqual(status, 0)
        for i in range(60):
            # Each generated function's allocation, and nothing else, is
            # attributed to it, at its own file and line.
            sites = [s for s in report["top_sites"]
                     if s["stack"] and s["stack"][0]["function"] == "f_%d" % i]
            self.assertEqual(len(sites), 1, (i, sites))
            site = sites[0]
            self.assertEqual(site["stack"][0]["file"], "generated_%d.py" % i)
            self.assertEqual(site["stack"][0]["line"], i + 2)
            self.assertGreaterEqual(site["bytes"], 5000 + i)
            self.assertLess(site["bytes"], 5000 + i + 200)

    def test_a_reused_code_address_names_the_new_function(self):
        # The recorder holds no reference to code objects (issue 10): when
        # one dies, the next function's code object often takes its address,
        # and is called from the same line at the same offset, so that every
        # cache keyed by address would hit. The program counts the reuses it
        # saw (id() of the code objects), so that the test cannot pass
        # without them.
        with tempfile.TemporaryDirectory() as tmp:
            run_, trace, _ = record("""
                import gc
                kept, seen, reused = [], set(), 0
                for i in range(200):
                    source = "def f_%d():\\n    return bytearray(%d)\\n" % (i, 5000 + 256 * i)
                    namespace = {}
                    exec(compile(source, "generated.py", "exec"), namespace)
                    code = namespace["f_%d" % i].__code__
                    reused += id(code) in seen
                    seen.add(id(code))
                    del code
                    kept.append(namespace["f_%d" % i]())  # the same line, the same offset
                    del namespace
                    gc.collect()
                print(reused)
            """, tmp)
            self.assertEqual(run_.returncode, 0, run_.stderr)
            self.assertGreater(int(run_.stdout), 10, "code addresses were not reused")
            status, report, _ = summary(trace, "--top", "2000")
        self.assertEqual(status, 0)
        for i in range(200):
            size = 5000 + 256 * i  # and the bytearray object itself
            sites = [s for s in report["top_sites"]
                     if s["stack"] and s["stack"][0]["file"] == "generated.py"
                     and s["stack"][0]["function"] != "<module>"  # defining the functions
                     and size <= s["bytes"] < size + 200]
            self.assertEqual([s["stack"][0]["function"] for s in sites], ["f_%d" % i], i)
            self.assertEqual(sites[0]["stack"][0]["line"], 2)

    def test_code_objects_that_die_are_not_held(self):
        # 100 k functions compiled, called and dropped: the recorder must not
        # keep them (it did, one reference each: 15 MiB -> 241 MiB of RSS). It
        # says how many code objects it knew at once and how many it forgot
        # at their free (--stats-json).
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "out.atrace")
            result = run(python_program("""
                for i in range(100_000):
                    namespace = {}
                    exec(compile("def f(n):\\n    return [n] * %d\\n" % (i % 7 + 1),
                                 "<generated>", "exec"), namespace)
                    namespace["f"](i)
            """), options=("-o", trace))
            self.assertEqual(result.returncode, 0, result.stderr)
        recorders = [s["recorder"] for s in result.stats if "recorder" in s]
        self.assertEqual(len(recorders), 1, result.stats)
        counts = recorders[0]
        # Each iteration makes two code objects (the module's and f's).
        self.assertGreaterEqual(counts["codes_seen"], 200_000, counts)
        self.assertGreaterEqual(counts["codes_forgotten"], 199_000, counts)
        # What start-up and the program keep alive, not the 200 k they
        # dropped. The free-threaded build frees code objects only at its
        # collections (deferred reference counting), plain or recorded: 25 k
        # live at once there.
        self.assertLess(counts["codes_held_peak"], 50_000, counts)
        self.assertLess(counts["stacks_held"], 20_000, counts)

    def test_a_full_stack_table_forgets_and_the_trace_defines_again(self):
        # 400 distinct stacks (20 callers x 20 callees), each allocating a
        # size of its own, in two passes, against a table bounded at 150
        # stacks: it forgets them several times, and every path still has
        # both passes' bytes at its own frames.
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "out.atrace")
            source = """
                namespace = {"kept": []}
                for b in range(20):
                    exec("def g_%d(size):\\n    kept.append(bytearray(size))\\n" % b, namespace)
                for a in range(20):
                    exec("def f_%d(b, size):\\n    G[b](size)\\n" % a, namespace)
                namespace["G"] = [namespace["g_%d" % b] for b in range(20)]
                F = [namespace["f_%d" % a] for a in range(20)]
                for _ in range(2):
                    for a in range(20):
                        for b in range(20):
                            F[a](b, 100_000 + 1000 * (a * 20 + b))
            """
            env = clean_env(ARENATRACE_STACK_NODES="150")
            result = run(python_program(source), options=("-o", trace), env=env)
            self.assertEqual(result.returncode, 0, result.stderr)
            counts = [s["recorder"] for s in result.stats if "recorder" in s][0]
            self.assertGreaterEqual(counts["stack_forgets"], 2, counts)
            self.assertLessEqual(counts["stacks_held"], 150, counts)
            folded = subprocess.run([ARENATRACE, "export", "--format", "folded", "--allocated",
                                     trace], capture_output=True, text=True)
        self.assertEqual(folded.returncode, 0, folded.stderr)
        by_path = {}
        for text_line in folded.stdout.splitlines():
            stack, value = text_line.rsplit(" ", 1)
            frames = [f.split(" ")[0] for f in stack.split(";")]
            if len(frames) >= 2 and frames[-1].startswith("g_"):
                key = (frames[-2], frames[-1])
                by_path[key] = by_path.get(key, 0) + int(value)
        for a in range(20):
            for b in range(20):
                size = 100_000 + 1000 * (a * 20 + b)
                got = by_path.get(("f_%d" % a, "g_%d" % b), 0)
                # Both passes (one alone is under 2 * size), with the bytearray
                # objects and the list's growth at that line, and no other
                # path's (each at least 100 k).
                self.assertGreaterEqual(got, 2 * size, (a, b))
                self.assertLess(got, 2 * size + 50_000, (a, b))

    def test_init_frames_have_no_shim_below_them(self):
        # 3.13+ runs __init__ on top of a shim frame (a static code object
        # named __init__ in file __init__): the stack goes from __init__
        # straight to its caller.
        source = """
            class Node:
                def __init__(self, n):
                    self.payload = bytearray(n)  # INIT SITE
            def build():
                nodes = []
                for _ in range(300):
                    nodes.append(Node(700))  # CALLER LINE
                return nodes
            kept = build()
        """
        _, site, script = self.recorded_site(source, "# INIT SITE")
        self.assertGreaterEqual(site["allocs"], 300)
        self.assertEqual(functions(site)[:2], ["__init__", "build"])
        self.assertEqual(site["stack"][1]["file"], script)
        self.assertEqual(site["stack"][1]["line"], source_line(source, "# CALLER LINE"))

    def test_deep_recursion_keeps_every_frame_by_default(self):
        source = """
            import sys
            sys.setrecursionlimit(5000)
            def down(n):
                if n == 0:
                    return [bytearray(64) for _ in range(100)]  # BOTTOM SITE
                return down(n - 1)
            kept = down(1500)
        """
        _, site, _ = self.recorded_site(source, "# BOTTOM SITE")
        names = functions(site)
        self.assertGreaterEqual(names.count("down"), 1501)
        self.assertEqual(names[-1], "<module>")
        _, capped, _ = self.recorded_site(source, "# BOTTOM SITE", options=["--max-depth=10"])
        self.assertEqual(len(capped["stack"]), 10)  # the innermost ten
        self.assertIn("down", functions(capped))


if __name__ == "__main__":
    unittest.main()
