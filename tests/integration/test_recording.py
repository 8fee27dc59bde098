"""Recording: real programs with known memory behaviour, and what the trace
says about them (through `arenatrace summary --json`)."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from harness import (ARENATRACE, OWN_ALLOCATOR, PYTHON, TestCase, clean_env, line_of,
                     python_version, record, site_at, summary)

# sys.executable of the interpreter under test (PYTHON may be a symlink).
PYTHON_REAL = subprocess.run([PYTHON, "-c", "import sys; print(sys.executable)"],
                             capture_output=True, text=True, check=True).stdout.strip()


def children_of(parent):
    children = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % entry) as f:
                if entry.isdigit() and f.read().rsplit(")", 1)[1].split()[1] == str(parent):
                    children.append(int(entry))
        except OSError:
            pass
    return children


class RecordingTest(TestCase):

    def test_instances_created_at_a_known_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import sys
                class Point:
                    __slots__ = ("x", "y")
                    def __init__(self, x, y):
                        self.x, self.y = x, y
                def make(n):
                    points = [None] * n
                    for i in range(n):
                        points[i] = Point(i, i)  # ALLOCATION SITE
                    return points
                # Each collection makes CPython build the info dict of
                # gc.callbacks, which arenatrace uses: allocations at
                # whatever line triggered it (docs/USAGE.md, limitations).
                import gc
                gc.disable()
                kept = make(20000)
                print(sys.getsizeof(kept[0]))
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertIn("trace written to %s" % trace, run.stderr)
            status, report, _ = summary(trace, "--top", "50")
            site_line = line_of(script, "# ALLOCATION SITE")
        self.assertEqual(status, 0)
        self.assertEqual(report["status"], "complete")
        instance_size = int(run.stdout)
        site = site_at(report, script, site_line)
        self.assertIsNotNone(site, report["top_sites"])
        self.assertEqual(site["stack"][0]["function"].split(".")[-1], "make")
        self.assertGreaterEqual(site["allocs"], 20000)
        self.assertLess(site["allocs"], 20000 + 200)
        self.assertGreaterEqual(site["bytes"], 20000 * instance_size)
        self.assertLessEqual(site["bytes"], 20000 * (instance_size + 16) + 200 * 1024)
        callers = [frame["function"] for frame in site["stack"][1:]]
        self.assertIn("<module>", callers)

    def test_recording_with_cpythons_own_allocator(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                kept = [str(i) * 2 for i in range(50000)]  # PYMALLOC SITE
            """, tmp, options=["--allocator=pymalloc"])
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, _ = summary(trace, "--top", "50")
            site_line = line_of(script, "# PYMALLOC SITE")
        self.assertEqual(status, 0)
        self.assertEqual(report["allocator"], OWN_ALLOCATOR)
        site = site_at(report, script, site_line)
        self.assertIsNotNone(site, report["top_sites"])
        self.assertGreaterEqual(site["allocs"], 50000)

    def test_thread_allocating_a_known_amount(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import threading
                blocks = []
                def worker():
                    for _ in range(10):
                        blocks.append(bytearray(1 << 20))  # THREAD SITE
                t = threading.Thread(target=worker, name="loader")
                t.start()
                t.join()
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, _ = summary(trace, "--top", "50")
            site_line = line_of(script, "# THREAD SITE")
        self.assertGreaterEqual(len(report["threads"]), 2)
        names = [thread["name"] for thread in report["threads"]]
        self.assertIn("MainThread", names)
        self.assertIn("loader", names)  # threading's name, not the OS thread's
        site = site_at(report, script, site_line)
        self.assertIsNotNone(site, report["top_sites"])
        self.assertEqual(site["stack"][0]["function"], "worker")
        self.assertGreaterEqual(site["bytes"], 10 << 20)
        self.assertLess(site["bytes"], (10 << 20) + 64 * 1024)

    def test_fork_child_writes_its_own_trace(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import os
                pid = os.fork()
                if pid == 0:
                    data = [str(i) * 3 for i in range(30000)]  # CHILD SITE
                    os._exit(0)
                os.waitpid(pid, 0)
                print(pid)
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            children = [f for f in os.listdir(tmp) if f.startswith("out.atrace.")]
            self.assertEqual(children, ["out.atrace.%d" % int(run.stdout)])
            self.assertEqual(len(children), 1, os.listdir(tmp))
            child_trace = os.path.join(tmp, children[0])
            self.assertIn("trace written to %s" % child_trace, run.stderr)
            status, report, _ = summary(child_trace, "--top", "50")
            _, parent, _ = summary(trace)
            site_line = line_of(script, "# CHILD SITE")
        self.assertEqual(status, 0)
        self.assertEqual(report["status"], "complete")  # os._exit still closes the trace
        self.assertEqual(report["ppid"], parent["pid"])
        self.assertEqual(parent["forked_children"], [report["pid"]])
        site = site_at(report, script, site_line)
        self.assertIsNotNone(site, report["top_sites"])
        self.assertGreaterEqual(site["allocs"], 30000)

    def test_exec_leaves_the_old_image_trace_whole_and_the_new_one_its_own(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import os, sys
                before = [str(i) for i in range(10000)]  # BEFORE EXEC
                os.execv(sys.executable, [sys.executable, "-c",
                         "after = [bytes(100) for _ in range(7000)]"])
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            _, old, _ = summary(trace, "--top", "50")
            new_trace = "%s.%d" % (trace, old["pid"])
            self.assertIn("trace written to %s\n" % new_trace, run.stderr)
            status, new, _ = summary(new_trace, "--top", "50")
            before_line = line_of(script, "# BEFORE EXEC")
        self.assertEqual(old["status"], "complete")
        self.assertEqual(old["exec"], PYTHON_REAL)
        self.assertIsNotNone(site_at(old, script, before_line))
        self.assertEqual(status, 0)
        self.assertEqual(new["status"], "complete")
        self.assertEqual(new["pid"], old["pid"])
        self.assertEqual(new["argv"][1], "-c")
        site = site_at(new, "<string>", 1)
        self.assertIsNotNone(site, new["top_sites"])
        self.assertGreaterEqual(site["allocs"], 7000)

    def test_failed_exec_goes_on_recording(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import os
                try:
                    os.execv("/nonexistent/python", ["python"])
                except OSError as error:
                    print(error.errno)
                after = [str(i) for i in range(10000)]  # AFTER FAILED EXEC
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout, "2\n")
            status, report, _ = summary(trace, "--top", "50")
            after_line = line_of(script, "# AFTER FAILED EXEC")
        self.assertEqual(status, 0)
        self.assertEqual(report["status"], "complete")
        self.assertEqual(report["exec"], "")
        site = site_at(report, script, after_line)
        self.assertIsNotNone(site, report["top_sites"])
        self.assertGreaterEqual(site["allocs"], 10000)

    def test_fork_child_that_execs_python(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("""
                import os, sys
                pid = os.fork()
                if pid == 0:
                    os.execv(sys.executable, [sys.executable, "-c",
                             "x = [bytes(100) for _ in range(3000)]"])
                os.waitpid(pid, 0)
                print(pid)
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            child = int(run.stdout)
            traces = sorted(f for f in os.listdir(tmp) if f.startswith("out.atrace.%d" % child))
            reports = [summary(os.path.join(tmp, name), "--top", "50")[1] for name in traces]
        self.assertGreaterEqual(len(traces), 1)
        self.assertTrue(all(r["status"] == "complete" for r in reports), reports)
        image = [r for r in reports if r["argv"][1:2] == ["-c"]]
        self.assertEqual(len(image), 1, [r["argv"] for r in reports])
        site = site_at(image[0], "<string>", 1)
        self.assertIsNotNone(site, image[0]["top_sites"])
        self.assertGreaterEqual(site["allocs"], 3000)

    def test_multiprocessing_spawn_workers_record_their_own_traces(self):
        source = """
            import multiprocessing as mp
            def work(n):
                return len([str(i) * 2 for i in range(n)])  # WORKER SITE
            if __name__ == "__main__":
                pool = mp.get_context("spawn").Pool(2)
                print(sum(pool.map(work, [20000] * 4)))
                pool.close()  # workers exit (Pool's __exit__ would kill them with SIGTERM)
                pool.join()
        """
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record(source, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout, "80000\n")
            children = [os.path.join(tmp, f) for f in os.listdir(tmp)
                        if f.startswith("out.atrace.")]
            reports = [summary(child, "--top", "50")[1] for child in children]
            site_line = line_of(script, "# WORKER SITE")
        self.assertGreaterEqual(len(children), 2)  # the workers (and a resource tracker)
        self.assertTrue(all(r["status"] == "complete" for r in reports),
                        [(r["argv"], r["status"]) for r in reports])
        sites = [site_at(r, script, site_line) for r in reports]
        allocs = sum(site["allocs"] for site in sites if site)
        self.assertGreaterEqual(allocs, 4 * 20000)

    def test_multiprocessing_default_start_method_workers_record(self):
        # fork up to 3.13; forkserver from 3.14 (a server process that forks
        # the workers).
        source = """
            import multiprocessing as mp
            def work(n):
                return len([str(i) * 2 for i in range(n)])  # WORKER SITE
            if __name__ == "__main__":
                pool = mp.Pool(2)
                print(mp.get_start_method(), sum(pool.map(work, [20000] * 4)))
                pool.close()
                pool.join()
        """
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record(source, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            method, total = run.stdout.split()
            self.assertEqual(total, "80000")
            children = [os.path.join(tmp, f) for f in os.listdir(tmp)
                        if f.startswith("out.atrace.")]
            reports = [summary(child, "--top", "50")[1] for child in children]
            site_line = line_of(script, "# WORKER SITE")
        self.assertIn(method, ("fork", "forkserver"))
        self.assertTrue(all(r["status"] == "complete" for r in reports),
                        [(r["argv"], r["status"]) for r in reports])
        sites = [site_at(r, script, site_line) for r in reports]
        self.assertGreaterEqual(sum(site["allocs"] for site in sites if site), 4 * 20000)

    def test_threads_allocating_without_the_gil_lose_nothing(self):
        # zlib allocates through PyMem_RawMalloc while the GIL is released.
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("""
                import threading, zlib
                data = bytes(range(256)) * 4096
                def work():
                    for _ in range(40):
                        zlib.decompress(zlib.compress(data, 6))
                threads = [threading.Thread(target=work) for _ in range(8)]
                for t in threads: t.start()
                for t in threads: t.join()
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, _ = summary(trace)
        self.assertEqual(status, 0)
        self.assertEqual(report["lost_events"], 0)
        raw = report["domains"]["raw"]
        self.assertGreaterEqual(raw["allocs"], 8 * 40)
        self.assertEqual(report["unmatched_frees"], 0)
        self.assertGreaterEqual(len(report["threads"]), 9)

    @unittest.skipIf(python_version() < (3, 12), "own-GIL subinterpreters exist from 3.12")
    def test_subinterpreters_with_their_own_gil_record_in_parallel(self):
        # concurrent.interpreters (3.14's public API), else the private module.
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("""
                import threading
                try:
                    from concurrent import interpreters
                    create, destroy = interpreters.create, lambda i: i.close()
                    execute = lambda i, code: i.exec(code)
                except ImportError:
                    try:
                        import _interpreters as raw
                        create = lambda: raw.create("isolated")
                        execute = raw.exec
                    except ImportError:
                        import _xxsubinterpreters as raw
                        create = lambda: raw.create(isolated=True)
                        execute = raw.run_string
                    destroy = raw.destroy
                code = "blocks = [bytes(%d) for _ in range(5000)]"
                ids = [create() for _ in range(4)]
                def work(k):
                    execute(ids[k], code % (400 + k))
                threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
                for t in threads: t.start()
                main = [bytes(900) for _ in range(20000)]  # MAIN SITE
                for t in threads: t.join()
                for i in ids: destroy(i)
                print(len(main))
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout, "20000\n")
            status, report, _ = summary(trace, "--top", "100")
            main_line = line_of(script, "# MAIN SITE")
        self.assertEqual(status, 0)
        self.assertEqual(report["status"], "complete")
        self.assertEqual(report["lost_events"], 0)
        self.assertEqual(report["unmatched_frees"], 0)
        main = site_at(report, script, main_line)
        self.assertIsNotNone(main, report["top_sites"])
        self.assertGreaterEqual(main["allocs"], 20000)
        # Each subinterpreter's 5,000 blocks at line 1 of its own code
        # (named <script> by concurrent.interpreters, <string> before).
        inside = [site for site in report["top_sites"] if site["stack"] and
                  site["stack"][0]["file"] in ("<string>", "<script>") and
                  site["stack"][0]["line"] == 1]
        self.assertGreaterEqual(sum(site["allocs"] for site in inside), 4 * 5000)

    def test_killed_process_leaves_a_readable_trace(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "app.py")
            with open(script, "w") as f:
                f.write("import time\nkeep = [str(i) for i in range(200000)]\n"
                        "print('ready', flush=True)\ntime.sleep(60)\n")
            trace = os.path.join(tmp, "out.atrace")
            process = subprocess.Popen([ARENATRACE, "run", "-o", trace, "--", PYTHON, script],
                                       env=clean_env(), stdout=subprocess.PIPE, text=True,
                                       stderr=subprocess.PIPE)
            self.assertEqual(process.stdout.readline(), "ready\n")
            time.sleep(0.5)  # more than the 100 ms flush interval
            for pid in children_of(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.communicate(timeout=30)
            status, report, err = summary(trace, "--top", "50")
            peak = subprocess.run([ARENATRACE, "peak", "--json", trace], capture_output=True,
                                  text=True).stdout
        self.assertEqual(status, 3)
        self.assertIn("incomplete", err)
        self.assertEqual(report["status"], "cut_short")
        # Every chunk is intact: the reason is that the trace was never closed.
        self.assertEqual(report["problem"],
                         "the process ended without closing its trace (killed?)")
        self.assertEqual(json.loads(peak)["processes"][0]["problem"], report["problem"])
        site = site_at(report, script, 2)
        self.assertIsNotNone(site, report["top_sites"])
        self.assertGreaterEqual(site["allocs"], 200000)

    def test_unwritable_output_says_so_once_and_the_program_runs(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "app.py")
            with open(script, "w") as f:
                f.write("import sys\nprint(sum(range(1000)))\nsys.exit(5)\n")
            result = subprocess.run(
                [ARENATRACE, "run", "-o", "/nonexistent-dir/out.atrace", "--", PYTHON, script],
                env=clean_env(), capture_output=True, text=True)
        self.assertEqual(result.returncode, 5)
        self.assertEqual(result.stdout, "499500\n")
        # The preload's one line, and run's: nothing was written.
        self.assertEqual(result.stderr.count("arenatrace:"), 2, result.stderr)
        self.assertEqual(result.stderr.count("cannot write the trace /nonexistent-dir/out.atrace"),
                         1, result.stderr)
        self.assertIn("arenatrace: no trace written", result.stderr)

    def test_full_disk_stops_recording_and_the_program_runs(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "app.py")
            with open(script, "w") as f:
                f.write("data = [str(i) for i in range(300000)]\nprint(len(data))\n")
            result = subprocess.run([ARENATRACE, "run", "-o", "/dev/full", "--", PYTHON, script],
                                    env=clean_env(), capture_output=True, text=True)
        self.assertEqual(result.returncode, 0)
        self.assertEqual(result.stdout, "300000\n")
        self.assertEqual(result.stderr.count("arenatrace:"), 2, result.stderr)
        self.assertEqual(result.stderr.count("No space left on device"), 1, result.stderr)
        self.assertIn("arenatrace: no trace written", result.stderr)

    def test_gc_collections_marks_and_finalisation(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, _ = record("""
                import gc, arenatrace
                class Node:
                    __slots__ = ("other", "__weakref__")
                def make_cycles(n):
                    for _ in range(n):
                        a, b = Node(), Node()
                        a.other, b.other = b, a
                gc.collect()
                gc.disable()
                arenatrace.mark("before cycles")
                make_cycles(1000)
                print(gc.collect())
                arenatrace.mark("after collect")
            """, tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout, "2000\n")
            status, report, _ = summary(trace)
        self.assertEqual(status, 0)
        self.assertGreaterEqual(report["gc"]["collections"], 2)
        self.assertGreaterEqual(report["gc"]["collected"], 2000)
        labels = [mark["label"] for mark in report["marks"]]
        self.assertEqual(labels, ["before cycles", "after collect"])
        self.assertLessEqual(report["marks"][0]["micros"], report["marks"][1]["micros"])
        self.assertGreaterEqual(report["finalizing_micros"], report["marks"][1]["micros"])

    def test_dump_prints_every_record(self):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record("x = [1] * 1000\n", tmp)
            dump = subprocess.run([ARENATRACE, "dump", trace], capture_output=True, text=True)
        self.assertEqual(dump.returncode, 0, dump.stderr)
        lines = dump.stdout.splitlines()
        self.assertTrue(lines[0].startswith("header pid="))
        self.assertTrue(any(" alloc obj 0x" in line for line in lines))
        self.assertTrue(any(" code " in line and script in line for line in lines))
        self.assertTrue(lines[-1].endswith(" end"))


KNOWN_HEAP = """
    import ctypes, json, sys
    N, M, SIZE, SMALL = {n}, {m}, 3000, 200
    sizes = {{"item": sys.getsizeof(bytes(SIZE)), "list": sys.getsizeof([None] * N),
             "small_item": sys.getsizeof(bytes(SMALL)), "small_list": sys.getsizeof([None] * M)}}
    big = [None] * N
    for i in range(N):
        big[i] = bytes(SIZE)  # PEAK SITE
    del big
    small = [None] * M
    for i in range(M):
        small[i] = bytes(SMALL)
    # A reference nobody gives back: these stay live through finalisation.
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(small))
    print(json.dumps(sizes))
"""


class KnownHeapTest(TestCase):
    """Absolute values: the heap's peak and what is live at the end, for a
    program whose heap is known from sys.getsizeof in the interpreter under
    test, against the same program allocating nothing (its own heap)."""

    def recorded(self, n, m):
        with tempfile.TemporaryDirectory() as tmp:
            run, trace, script = record(KNOWN_HEAP.format(n=n, m=m), tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            status, report, err = summary(trace, "--top", "50")
            self.assertEqual(status, 0, err)
            line = line_of(script, "# PEAK SITE")
            site = None
            for s in report["top_sites_by_peak"]:
                if s["stack"] and (s["stack"][0]["file"], s["stack"][0]["line"]) == (script, line):
                    site = s
            return report, site, json.loads(run.stdout)

    def test_peak_and_live_at_end_match_the_programs_heap(self):
        n, m = 20000, 60000
        baseline, _, _ = self.recorded(0, 0)
        report, site, sizes = self.recorded(n, m)
        big = n * sizes["item"] + sizes["list"]
        kept = m * sizes["small_item"] + sizes["small_list"]
        self.assertIsNotNone(site, report["top_sites_by_peak"])
        # Exact at the site: every block, at its own size.
        self.assertEqual(site["allocs"], n)
        self.assertEqual(site["bytes"], n * sizes["item"])
        # The program's own heap adds at most what it takes without them
        # (give or take a few small objects: the loops' last ints).
        slack = 1024
        peak = report["total"]["peak_bytes"]
        self.assertGreaterEqual(peak, big)
        self.assertLessEqual(peak, big + baseline["total"]["peak_bytes"] + slack)
        end = report["total"]["live_bytes_at_end"]
        self.assertGreaterEqual(end, kept)
        self.assertLessEqual(end, kept + baseline["total"]["live_bytes_at_end"] + slack)
        # And the program's own heap is small beside them: the bounds are tight.
        self.assertLess(baseline["total"]["peak_bytes"], big / 5)
        self.assertLess(baseline["total"]["live_bytes_at_end"], kept / 3)


if __name__ == "__main__":
    unittest.main()
